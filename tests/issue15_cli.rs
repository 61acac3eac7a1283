//! Issue 15: every diagnosis true — Cognito's UPDATED issuer form, discovery documents whose
//! issuer is not their URL, and wording. Exact texts users read.

mod support;

use serde_json::{Value, json};
use support::jwks_server::JwksServer;
use support::tokens::{CLIENT, ISSUER, POOL, access_claims, mint, run, testdata, tokdiag};

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

fn codes(v: &Value) -> Vec<String> {
    v["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
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
                "point discoveryUrl at the form the pool issues, at your authorizer configuration:\n  discoveryUrl: {UPDATED}/.well-known/openid-configuration"
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
