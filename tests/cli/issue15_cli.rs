//! Issue 15: every diagnosis true — Cognito's UPDATED issuer form, discovery documents whose
//! issuer is not their URL, and wording. Exact texts users read.

use crate::support::jwks_server::JwksServer;
use crate::support::tokens::{
    CLIENT, ISSUER, POOL, access_claims, codes, mint, run, testdata, tokdiag,
};
use serde_json::{Value, json};

const UPDATED: &str = "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx";

fn disc(iss: &str) -> String {
    format!("{iss}/.well-known/openid-configuration")
}

fn token_of(iss: &str) -> String {
    let mut c = access_claims();
    c["iss"] = json!(iss);
    mint(&c)
}

/// `explain --json` from flags with the offline JWKS.
fn explain_flags(token: &str, discovery: &str, extra: &[&str]) -> (i32, Value) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "explain",
        "--discovery-url",
        discovery,
        "--allowed-client",
        CLIENT,
    ])
    .args(extra)
    .arg(token);
    let (code, out, err) = run(c);
    let v: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    (code, v)
}

/// Token of either form × discovery URL of either form, offline: the same form is accepted, the
/// other is refused with `cognito-issuer-format` (never a fix that just swaps hosts blindly).
#[test]
fn cognito_issuer_forms_offline_matrix() {
    let jwks = testdata("jwks.json");
    for (tok_iss, disc_iss) in [
        (ISSUER, ISSUER),
        (UPDATED, UPDATED),
        (UPDATED, ISSUER),
        (ISSUER, UPDATED),
    ] {
        let (code, v) = explain_flags(&token_of(tok_iss), &disc(disc_iss), &["--jwks", &jwks]);
        if tok_iss == disc_iss {
            assert_eq!(code, 0, "{tok_iss} × {disc_iss}: {v:#}");
            assert_eq!(v["verdict"], "accepted");
            assert_eq!(codes(&v), Vec::<String>::new(), "{v:#}");
            assert_eq!(v["authorizer"]["issuer"], disc_iss);
            assert_eq!(v["authorizer"]["issuer_source"], "discovery-url");
        } else {
            assert_eq!(code, 1, "{tok_iss} × {disc_iss}: {v:#}");
            assert_eq!(v["verdict"], "rejected");
            assert_eq!(codes(&v), vec!["cognito-issuer-format"], "{v:#}");
        }
    }
    let (_, v) = explain_flags(&token_of(UPDATED), &disc(ISSUER), &["--jwks", &jwks]);
    let d = &v["diagnoses"][0];
    assert_eq!(
        d["message"],
        format!(
            "the token and discoveryUrl name the same user pool {POOL} in Cognito's two issuer forms: the pool issued this token with its UPDATED issuer ({UPDATED}), discoveryUrl expects the ORIGINAL one ({ISSUER}); the service compares iss with the discovery document's issuer exactly, so it refuses the token (aws-jwt-verify accepts both forms for one pool during the transition; AgentCore does not)"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([
            format!(
                "point discoveryUrl at the form the pool issues, at your authorizer configuration:\n  --discovery-url {UPDATED}/.well-known/openid-configuration"
            ),
            "or switch the pool's issuer configuration to ORIGINAL (UpdateUserPool IssuerConfiguration.Type, or IssuerConfiguration of AWS::Cognito::UserPool in CloudFormation); tokens issued before the change keep the UPDATED iss until they expire"
        ])
    );
    // --no-signature too: the offline issuer is derived from either discoveryUrl form.
    let (code, v) = explain_flags(&token_of(UPDATED), &disc(UPDATED), &["--no-signature"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["authorizer"]["issuer"], UPDATED);
}

/// `decode` names the pool, region and issuer form of an UPDATED-issuer token.
#[test]
fn decode_knows_the_updated_issuer() {
    let cache = tempfile::tempdir().unwrap();
    let t = token_of(UPDATED);
    let mut c = tokdiag(cache.path());
    c.args(["decode", &t]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().next(),
        Some("Cognito access token  (token_use=access)")
    );
    assert_eq!(
        out.lines().nth(1),
        Some(format!("  user pool   {POOL}  (region us-east-1, UPDATED issuer)").as_str())
    );
    let mut c = tokdiag(cache.path());
    c.args(["--json", "decode", &t]);
    let (_, out, _) = run(c);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "cognito-access");
    assert_eq!(
        v["annotations"],
        json!({"pool_id": POOL, "region": "us-east-1", "issuer_form": "UPDATED",
               "client_id_claim": "client_id", "client_id": CLIENT, "user": "alice",
               "groups": ["admins"], "scopes": ["aws.cognito.signin.user.admin"],
               "notes": [v["annotations"]["notes"][0].clone()]})
    );
}

/// Offline, `explain` says which issuer it assumed.
#[test]
fn explain_offline_states_the_assumed_issuer() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "explain",
        "--discovery-url",
        &disc(ISSUER),
        "--allowed-client",
        CLIENT,
        "--jwks",
        &testdata("jwks.json"),
        &token_of(ISSUER),
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "  authorizer: from flags");
    assert_eq!(
        lines[2],
        format!(
            "  issuer: {ISSUER} (assumed offline: discoveryUrl without /.well-known/…; online the discovery document's issuer decides)"
        )
    );
}

/// A discovery document whose issuer is not its URL: `explain` online warns (and agrees with
/// offline when the document agrees), the issuer fix says what really happened, and
/// `verify --issuer` no longer trusts a document that names another issuer in silence.
#[test]
fn discovery_documents_that_lie_are_named() {
    let server = JwksServer::start();
    let base = server
        .discovery_url()
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string();

    // 1. The document tells the truth: online and offline agree, no warning.
    server.set_issuer(&base);
    let t = token_of(&base);
    let (code, online) = explain_flags(&t, &server.discovery_url(), &[]);
    let (code_off, offline) = explain_flags(
        &t,
        &server.discovery_url(),
        &["--jwks", &testdata("jwks.json")],
    );
    assert_eq!((code, code_off), (0, 0), "{online:#}\n{offline:#}");
    assert_eq!(online["verdict"], offline["verdict"]);
    assert_eq!(codes(&online), Vec::<String>::new());
    assert_eq!(online["authorizer"]["issuer_source"], "discovery-document");

    // 2. It claims the real Cognito issuer (what emulators do): the token minted through the URL
    //    is refused online, with the warning and a fix that describes it.
    server.set_issuer(ISSUER);
    let (code, v) = explain_flags(&t, &server.discovery_url(), &[]);
    assert_eq!(code, 1, "{v:#}");
    assert!(
        codes(&v).contains(&"discovery-issuer-mismatch".to_string()),
        "{v:#}"
    );
    let url = server.discovery_url();
    let d = v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "discovery-issuer-mismatch")
        .unwrap();
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["message"],
        format!(
            "the discovery document at {url} says its issuer is {ISSUER}, not {base} (its URL without /.well-known/openid-configuration), as OpenID Connect Discovery §4.3 requires; tokens are compared with {ISSUER}, the issuer the document claims"
        )
    );
    let mismatch = v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "issuer-mismatch")
        .unwrap();
    assert_eq!(
        mismatch["fixes"][1],
        format!(
            "the token was minted through {base}, the very issuer discoveryUrl names, but the discovery document there claims the issuer {ISSUER} (see discovery-issuer-mismatch): make the issuer publish {base} in its discovery document (its public URL setting), or request tokens through the host the document claims"
        )
    );

    // 3. verify --issuer X against a document that says Y: a warn check, verdict unchanged.
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--issuer", &base, "--discovery-url", &url, &t]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.lines().any(|l| l
            == format!(
                "  ! discovery   discovery-issuer-mismatch: the discovery document at {url} says its issuer is {ISSUER}, not {base} (--issuer): its keys may belong to another issuer"
            )),
        "{out}"
    );
}

// -------------------------------------------------------------------------------------------------
// Words that were wrong

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};

/// `verify --jwks testdata/jwks.json …` → (code, stdout).
fn verify_offline(args: &[&str]) -> (i32, String) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--jwks", &testdata("jwks.json")])
        .args(args);
    let (code, out, _) = run(c);
    (code, out)
}

fn check_msg(v: &Value, id: &str) -> String {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {v:#}"))["message"]
        .as_str()
        .unwrap()
        .to_string()
}

fn hs256(secret: &[u8]) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some("rsa-1".into());
    encode(&h, &access_claims(), &EncodingKey::from_secret(secret)).unwrap()
}

#[test]
fn client_id_that_is_not_a_string_is_named() {
    let mut c = access_claims();
    c["client_id"] = json!([CLIENT]);
    let t = mint(&c);
    let (code, v) = explain_flags(&t, &disc(ISSUER), &["--jwks", &testdata("jwks.json")]);
    assert_eq!(code, 1);
    assert_eq!(
        check_msg(&v, "client_id"),
        format!(
            "client_id is present but not a string ([\"{CLIENT}\"]). Expected one of: {CLIENT}"
        )
    );
    let (code, out) = verify_offline(&["--client-id", CLIENT, &t]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().next().unwrap(),
        format!(
            "✗ client_id: client_id is present but not a string ([\"{CLIENT}\"]). Expected one of: {CLIENT}"
        )
    );
}

#[test]
fn an_access_token_with_aud_is_still_called_an_access_token() {
    let mut c = access_claims();
    c.as_object_mut().unwrap().remove("client_id");
    c["aud"] = json!(CLIENT);
    let (code, out) = verify_offline(&["--client-id", CLIENT, &mint(&c)]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().next().unwrap(),
        format!(
            "✗ client_id: Missing client_id. Expected one of: {CLIENT} (the client id {CLIENT} is in aud; this access token has no client_id claim)"
        )
    );
}

/// Key confusion is claimed only when the HMAC verifies with the public key's bytes (PEM, DER or
/// the JWK's JSON); an HMAC with any other secret is "an HMAC algorithm where the key is RSA".
#[test]
fn key_confusion_only_when_the_hmac_uses_the_public_key() {
    let pem = std::fs::read_to_string(testdata("keys/rsa-1.pub.pem")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = STANDARD.decode(body).unwrap();
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("jwks.json")).unwrap()).unwrap();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
    let jwk_json = serde_json::to_string(&jwk).unwrap();
    for (secret, form) in [
        (pem.as_bytes(), "public PEM"),
        (der.as_slice(), "public DER"),
        (jwk_json.as_bytes(), "JWK JSON"),
    ] {
        let (code, out) = verify_offline(&[&hs256(secret)]);
        assert_eq!(code, 1);
        assert_eq!(
            out.lines().next().unwrap(),
            format!(
                "✗ signature: HS256 with an RSA key: the classic key-confusion attack (a public key used as an HMAC secret: the HMAC verifies with the key's {form})"
            )
        );
    }
    let (code, out) = verify_offline(&[&hs256(b"a random secret nobody published")]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().next().unwrap(),
        "✗ signature: HS256 (an HMAC algorithm) where the key is RSA: a public key never verifies an HMAC token"
    );
}

/// A DER-encoded ES256 signature is a malformed JOSE signature, and its fix is not "the token was
/// altered".
#[test]
fn der_ecdsa_signature_is_named() {
    let text = std::fs::read_to_string(testdata("tokens/es256.jwt")).unwrap();
    let (si, s) = text.trim().rsplit_once('.').unwrap();
    let raw = URL_SAFE_NO_PAD.decode(s).unwrap();
    let der_int = |b: &[u8]| {
        let b: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
        let mut v = if b[0] & 0x80 != 0 { vec![0] } else { vec![] };
        v.extend(b);
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    };
    let mut body = der_int(&raw[..32]);
    body.extend(der_int(&raw[32..]));
    let mut der = vec![0x30, body.len() as u8];
    der.extend(body);
    let t = format!("{si}.{}", URL_SAFE_NO_PAD.encode(&der));
    let want = format!(
        "malformed JOSE signature: the ES256 signature is DER-encoded (an ASN.1 SEQUENCE of r and s, {} bytes) instead of the fixed-size r‖s that JWS requires (RFC 7518 §3.4)",
        der.len()
    );
    let (code, out) = verify_offline(&[&t]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().next().unwrap(), format!("✗ signature: {want}"));
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "explain",
        "--config",
        &testdata("seed/.bedrock_agentcore.yaml"),
        "--jwks",
        &testdata("jwks.json"),
        &t,
    ]);
    let (_, out, _) = run(c);
    let v: Value = serde_json::from_str(&out).unwrap();
    let d = &v["diagnoses"][0];
    assert_eq!(d["code"], "signature-invalid");
    assert_eq!(
        d["fixes"],
        json!([
            "the signer wrote the ECDSA signature in DER (what most crypto libraries return); JWS wants r and s as two fixed-size big-endian numbers side by side: convert it (e.g. Java's SHA256withECDSAinP1363Format, or a JOSE library) and sign again"
        ])
    );
}

#[test]
fn a_short_rsa_key_is_named_with_its_rfc() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = dir.path().join("short.json");
    let n = URL_SAFE_NO_PAD.encode([0xc3u8; 128]);
    std::fs::write(
        &jwks,
        json!({"keys": [{"kty": "RSA", "kid": "short", "alg": "RS256", "n": n, "e": "AQAB"}]})
            .to_string(),
    )
    .unwrap();
    let t =
        crate::support::tokens::mint_with("rsa-1.pem", "short", Algorithm::RS256, &access_claims());
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--jwks", jwks.to_str().unwrap(), &t]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().next().unwrap(),
        "✗ signature: key 'short' is a 1024-bit RSA key: key shorter than 2048 bits (RFC 7518 §3.3)"
    );
}

#[test]
fn a_token_without_exp_says_what_tokdiag_does() {
    let mut c = access_claims();
    c.as_object_mut().unwrap().remove("exp");
    let (code, v) = explain_flags(
        &mint(&c),
        &disc(ISSUER),
        &["--jwks", &testdata("jwks.json")],
    );
    assert_eq!(code, 1);
    assert_eq!(
        check_msg(&v, "expiry"),
        "missing exp: tokdiag refuses a token without expiry; how AgentCore treats one is not documented"
    );
    let d = &v["diagnoses"][0];
    assert_eq!(d["code"], "expired");
    assert_eq!(
        d["fixes"],
        json!([
            "issue tokens with an exp claim: tokdiag refuses a token without expiry, and how AgentCore treats one is not documented"
        ])
    );
}

/// PS256 and EdDSA verify, but AgentCore's support for them is not documented: a warn.
#[test]
fn ps256_and_eddsa_are_a_warning_not_a_promise() {
    for (file, alg, kid) in [
        ("ps256.jwt", "PS256", "rsa-1-ps"),
        ("eddsa.jwt", "EdDSA", "ed25519-1"),
    ] {
        let t = std::fs::read_to_string(testdata(&format!("tokens/{file}"))).unwrap();
        let (code, v) = explain_flags(t.trim(), &disc(ISSUER), &["--jwks", &testdata("jwks.json")]);
        assert_eq!(code, 0, "{v:#}");
        let sig = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "signature")
            .unwrap()
            .clone();
        assert_eq!(sig["status"], "warn");
        assert_eq!(
            sig["message"],
            format!(
                "{alg} signature valid with key {kid} (keys from {}) — AgentCore's support for {alg} is not documented: tokdiag cannot promise it accepts the token",
                testdata("jwks.json")
            )
        );
    }
}

/// Both lists set and a token that has both claims: accepted, so a warning, not an error.
#[test]
fn clients_and_audience_next_to_a_pass_is_a_warning() {
    let mut c = access_claims();
    c["aud"] = json!(CLIENT);
    let (code, v) = explain_flags(
        &mint(&c),
        &disc(ISSUER),
        &[
            "--jwks",
            &testdata("jwks.json"),
            "--allowed-audience",
            CLIENT,
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["verdict"], "accepted");
    let d = &v["diagnoses"][0];
    assert_eq!(d["code"], "clients-and-audience-unsatisfiable");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        d["message"],
        "allowedClients and allowedAudience are both set, so a token needs both `client_id` and `aud`: this one has both and passes, but no stock Cognito token does (access tokens: client_id only; ID tokens: aud only)"
    );
}

#[test]
fn a_missing_authorizer_is_not_called_null() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join(".bedrock_agentcore.yaml");
    let seed = std::fs::read_to_string(testdata("seed/.bedrock_agentcore.yaml")).unwrap();
    let mut out = Vec::new();
    let mut skip = false;
    for l in seed.lines() {
        if l.trim_start().starts_with("authorizer_configuration:") {
            skip = true;
            continue;
        }
        if skip && l.starts_with("      ") {
            continue;
        }
        skip = false;
        out.push(l);
    }
    std::fs::write(&cfg, out.join("\n")).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "explain",
        "--config",
        cfg.to_str().unwrap(),
        "--no-signature",
        &mint(&access_claims()),
    ]);
    let (code, o, e) = run(c);
    assert_eq!(code, 1, "{o}{e}");
    let v: Value = serde_json::from_str(&o).unwrap();
    assert_eq!(
        check_msg(&v, "authorizer"),
        "the runtime has no JWT authorizer (no authorizer_configuration, or one set to null): it accepts only IAM SigV4 and refuses every bearer token with 403"
    );
    assert_eq!(
        v["diagnoses"][0]["message"],
        "authorizer_configuration is absent: the runtime uses IAM SigV4 and refuses bearer tokens with 403 (AccessDenied)"
    );
}

#[test]
fn verify_client_id_help_says_what_tokdiag_does() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--help"]);
    let (_, out, _) = run(c);
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("App client id (repeatable): matched against `aud` when the token is a Cognito ID token (`token_use` id), else against `client_id`. `token_use` itself is checked only with --token-use (aws-jwt-verify always requires it)"),
        "{out}"
    );
    assert!(!flat.contains("like aws-jwt-verify"), "{out}");
}

/// doctor names a discovery document that lies too: the keys step is a warn, and
/// `discovery-issuer-mismatch` is in --json `warnings` with both values, said once in the human
/// output.
#[test]
fn doctor_names_a_discovery_document_that_lies() {
    let server = JwksServer::start();
    let url = server.discovery_url();
    let base = url
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string();
    server.set_issuer(ISSUER);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join(".bedrock_agentcore.yaml");
    std::fs::write(
        &cfg,
        format!(
            "default_agent: m\nagents:\n  m:\n    name: m\n    entrypoint: m.py\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {url}\n        allowedClients: [{CLIENT}]\n"
        ),
    )
    .unwrap();
    let doctor = |json: bool| {
        let mut c = tokdiag(dir.path());
        c.env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
            .arg("doctor")
            .arg("--config")
            .arg(&cfg);
        c.args(["--token", &token_of(ISSUER)]);
        if json {
            c.arg("--json");
        }
        run(c)
    };
    let want = format!(
        "the discovery document at {url} says its issuer is {ISSUER}, not {base} (its URL without /.well-known/openid-configuration), as OpenID Connect Discovery §4.3 requires; tokens are compared with {ISSUER}, the issuer the document claims"
    );
    let (_, out, err) = doctor(true);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let keys = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "keys")
        .unwrap();
    assert_eq!(keys["status"], "warn", "{v:#}");
    assert_eq!(
        v["diagnoses"][0]["code"], "discovery-issuer-mismatch",
        "{v:#}"
    );
    assert_eq!(v["diagnoses"][0]["severity"], "warning");
    assert_eq!(v["diagnoses"][0]["message"], want);
    let (_, out, _) = doctor(false);
    assert_eq!(
        out.matches(&format!("warning (discovery-issuer-mismatch): {want}\n"))
            .count(),
        1,
        "{out}"
    );
    assert_eq!(out.matches("says its issuer is").count(), 1, "{out}");
}
