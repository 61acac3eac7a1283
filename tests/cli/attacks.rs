//! The attack corpus (testdata/attacks/, made by its gen.py): every hostile token is refused by
//! both `verify --jwks` and `explain --config seed --jwks` with exit 1 and its cause named, never a
//! panic. Built at run time: a 1 MB token (through @FILE and stdin), and `jku`/`x5u` tokens whose
//! URLs point at a loopback server that counts requests, to prove they are never fetched, offline
//! and online.

use crate::support::jwks_server::JwksServer;
use crate::support::tokens::{ISSUER, access_claims, codes, root, run, testdata, tokdiag};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

const KNOWN: &str = "rsa-1, rsa-1-ps, rsa-1-rs384, rsa-1-rs512, ec256-1, ec384-1, ed25519-1";
/// The seed's issuer with a Cyrillic а (U+0430) in amazonаws.com.
const LOOKALIKE_ISS: &str = "https://cognito-idp.us-east-1.amazon\u{430}ws.com/us-east-1_h0Vo2Whhx";
/// Its host as tokdiag names it.
const LOOKALIKE_SHOWN: &str = "cognito-idp.us-east-1.amazon<U+0430>ws.com";
const MISMATCH: &str = "the RS256 signature does not match key 'rsa-1': signed with another key, or altered after signing";

/// (file, failing check, its message, explain's diagnosis code).
fn cases() -> Vec<(&'static str, &'static str, String, &'static str)> {
    let sig = |m: &str| ("signature", m.to_string());
    let fmt = |m: &str| ("format", format!("not a JWT: {m}"));
    let unknown = |kid: &str| sig(&format!("kid '{kid}' is not in the JWKS (known: {KNOWN})"));
    let none = |a: &str| sig(&format!("alg {a}: unsigned tokens are never accepted"));
    let mut v = Vec::new();
    let mut add = |file: &'static str, (check, msg): (&'static str, String), code: &'static str| {
        v.push((file, check, msg, code))
    };
    add("alg-none.jwt", none("none"), "alg-not-allowed");
    add("alg-None.jwt", none("None"), "alg-not-allowed");
    add("alg-NONE.jwt", none("NONE"), "alg-not-allowed");
    add(
        "alg-none-with-signature.jwt",
        none("none"),
        "alg-not-allowed",
    );
    add(
        "hs256-with-rsa-public-key.jwt",
        sig(
            "HS256 with an RSA key: the classic key-confusion attack (a public key used as an HMAC secret: the HMAC verifies with the key's public PEM)",
        ),
        "alg-not-allowed",
    );
    add(
        "hs256-with-rsa-public-key-no-kid.jwt",
        sig(
            "HS256 needs a shared secret; keys from a JWKS are public and never verify HMAC tokens",
        ),
        "alg-not-allowed",
    );
    add("embedded-jwk.jwt", unknown("attacker-1"), "unknown-kid");
    add(
        "embedded-jwk-known-kid.jwt",
        sig(MISMATCH),
        "signature-invalid",
    );
    add("jku.jwt", sig(MISMATCH), "signature-invalid");
    add("jku-unknown-kid.jwt", unknown("attacker-1"), "unknown-kid");
    add("x5u.jwt", sig(MISMATCH), "signature-invalid");
    add(
        "kid-path-traversal.jwt",
        unknown("../../../../../../etc/passwd"),
        "unknown-kid",
    );
    add("kid-dev-null.jwt", unknown("/dev/null"), "unknown-kid");
    add(
        "kid-forged-line.jwt",
        unknown("zz\\n✓ ACCEPTED — AgentCore would accept this token\\n"),
        "unknown-kid",
    );
    add(
        "claims-forged-lines.jwt",
        sig(MISMATCH),
        "signature-invalid",
    );
    add(
        "lookalike-issuer.jwt",
        (
            "issuer",
            format!(
                "iss not allowed: {LOOKALIKE_ISS}. Expected: {ISSUER}{{from}} — the issuer host {LOOKALIKE_SHOWN} is not ASCII: U+0430 Cyrillic: a look-alike"
            ),
        ),
        "lookalike-issuer",
    );
    add(
        "kid-sql-injection.jwt",
        unknown("x' UNION SELECT 'c2VjcmV0' -- "),
        "unknown-kid",
    );
    add(
        "es256-zero-signature.jwt",
        sig(
            "the ES256 signature does not match key 'ec256-1': signed with another key, or altered after signing",
        ),
        "signature-invalid",
    );
    add(
        "stripped-signature.jwt",
        sig("the signature is empty"),
        "signature-invalid",
    );
    add(
        "stripped-signature-no-dot.jwt",
        fmt("a JWT has 3 '.'-separated segments; this has 2 (truncated or mangled?)"),
        "not-a-jwt",
    );
    add("tampered-payload.jwt", sig(MISMATCH), "signature-invalid");
    add(
        "duplicate-key-header.jwt",
        fmt("the header repeats the key \"alg\" (ambiguous JSON is refused)"),
        "not-a-jwt",
    );
    add(
        "duplicate-key-payload.jwt",
        fmt("the payload repeats the key \"client_id\" (ambiguous JSON is refused)"),
        "not-a-jwt",
    );
    add(
        "crit-unknown-extension.jwt",
        sig(
            "unsupported critical header (RFC 7515 §4.1.11): crit lists [\"https://attacker.example/ext\"], extensions tokdiag does not understand, so the token must be refused",
        ),
        "signature-invalid",
    );
    add(
        "crit-b64.jwt",
        sig(
            "unsupported critical header (RFC 7515 §4.1.11): crit lists [\"b64\"], extensions tokdiag does not understand, so the token must be refused",
        ),
        "signature-invalid",
    );
    add(
        "non-json-header.jwt",
        fmt("the header is not JSON (expected value at line 1 column 1)"),
        "not-a-jwt",
    );
    add(
        "array-header.jwt",
        fmt("the header is JSON but not an object"),
        "not-a-jwt",
    );
    add(
        "invalid-base64url.jwt",
        fmt("the header is not valid base64url"),
        "not-a-jwt",
    );
    add(
        "non-utf8-payload.jwt",
        fmt("the payload is not JSON (expected value at line 1 column 1)"),
        "not-a-jwt",
    );
    add(
        "deeply-nested-claim.jwt",
        fmt("the payload nests JSON more than 128 levels deep (refused, not parsed)"),
        "not-a-jwt",
    );
    v
}

fn no_panic(what: &str, code: i32, err: &str) {
    assert_ne!(code, 101, "{what}: exit 101 (panic): {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
}

/// `verify --jwks testdata/jwks.json --issuer ISSUER TOKEN_ARG`.
fn verify(arg: &str, stdin: Option<Vec<u8>>) -> (i32, String, String) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "verify",
        "--jwks",
        &testdata("jwks.json"),
        "--issuer",
        ISSUER,
        arg,
    ]);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    run(c)
}

/// `explain --config seed --jwks testdata/jwks.json --json TOKEN_ARG` → (code, document, stderr).
fn explain(arg: &str, extra: &[&str], stdin: Option<Vec<u8>>) -> (i32, Value, String) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "explain",
        "--config",
        &testdata("seed/.bedrock_agentcore.yaml"),
    ])
    .args(extra)
    .arg(arg);
    if let Some(s) = stdin {
        c.write_stdin(s);
    }
    let (code, out, err) = run(c);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("explain --json is not JSON ({e}): {out}\n{err}"));
    (code, v, err)
}

fn failed_checks(v: &Value) -> Vec<(String, String)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every corpus file is covered here, and every case has its file.
#[test]
fn the_corpus_and_the_table_match() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("testdata/attacks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".jwt"))
        .collect();
    files.sort();
    let mut listed: Vec<String> = cases().iter().map(|c| c.0.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn verify_refuses_every_attack_and_names_the_cause() {
    for (file, check, msg, _) in cases() {
        let msg = msg.replace("{from}", " (from --issuer)");
        let (code, out, err) = verify(&format!("@{}", testdata(&format!("attacks/{file}"))), None);
        no_panic(file, code, &err);
        assert_eq!(code, 1, "{file}: {out}{err}");
        assert_eq!(
            out.lines().next().unwrap_or(""),
            format!("✗ {check}: {msg}"),
            "{file}"
        );
        assert!(
            out.lines().any(
                |l| l.starts_with(&format!("  ✗ {check} ")) && l.ends_with(&format!("  {msg}"))
            ),
            "{file}: {out}"
        );
    }
}

#[test]
fn explain_refuses_every_attack_with_its_diagnosis() {
    for (file, check, msg, code_want) in cases() {
        let msg = msg.replace("{from}", "");
        let arg = format!("@{}", testdata(&format!("attacks/{file}")));
        let (code, v, err) = explain(&arg, &["--jwks", &testdata("jwks.json")], None);
        no_panic(file, code, &err);
        assert_eq!(code, 1, "{file}: {v}\n{err}");
        assert_eq!(v["verdict"], "rejected", "{file}");
        let failed = failed_checks(&v);
        assert_eq!(
            failed.len(),
            1,
            "{file}: only the attacked check fails: {failed:?}"
        );
        assert_eq!(failed[0].0, check, "{file}");
        let keys_from = format!(" (keys from {})", testdata("jwks.json"));
        assert!(
            failed[0].1 == msg || failed[0].1 == format!("{msg}{keys_from}"),
            "{file}: {}",
            failed[0].1
        );
        assert!(
            codes(&v).contains(&code_want.to_string()),
            "{file}: {:?}",
            codes(&v)
        );

        // The human report names the same cause.
        let cache = tempfile::tempdir().unwrap();
        let mut c = tokdiag(cache.path());
        c.args([
            "explain",
            "--config",
            &testdata("seed/.bedrock_agentcore.yaml"),
            "--jwks",
            &testdata("jwks.json"),
            &arg,
        ]);
        let (code, out, err) = run(c);
        no_panic(file, code, &err);
        assert_eq!(code, 1);
        assert!(out.contains(code_want), "{file}: {out}");
        // (wrapped to the terminal width: compare with whitespace collapsed)
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squash(&out).contains(&squash(&msg)), "{file}: {out}");
    }
}

/// A 1 MB token: refused by its size before any parsing, from a file and from stdin.
#[test]
fn a_one_megabyte_token_is_refused_by_size() {
    let seg = "A".repeat(1_000_000 / 2);
    let big = format!("eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.{seg}.{seg}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.jwt");
    std::fs::write(&file, &big).unwrap();
    let want = format!(
        "not a JWT: the token is {} bytes, over the 64 KiB limit",
        big.len()
    );
    let started = std::time::Instant::now();
    for (arg, stdin) in [
        (format!("@{}", file.display()), None),
        ("-".to_string(), Some(big.clone().into_bytes())),
    ] {
        let (code, out, err) = verify(&arg, stdin.clone());
        no_panic("1 MB verify", code, &err);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            out.lines().next(),
            Some(format!("✗ format: {want}").as_str())
        );

        let (code, v, err) = explain(&arg, &["--jwks", &testdata("jwks.json")], stdin);
        no_panic("1 MB explain", code, &err);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            failed_checks(&v),
            vec![("format".to_string(), want.clone())]
        );
        assert!(codes(&v).contains(&"not-a-jwt".to_string()));
        // The output does not echo the megabyte back.
        assert!(v.to_string().len() < 64 * 1024, "output echoes the token");
    }
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

fn sign_raw(header: &Value, claims: &Value, key_file: &str) -> String {
    let pem = std::fs::read(root().join("testdata/keys").join(key_file)).unwrap();
    let key = EncodingKey::from_rsa_pem(&pem).unwrap();
    let si = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = jsonwebtoken::crypto::sign(si.as_bytes(), &key, Algorithm::RS256).unwrap();
    format!("{si}.{sig}")
}

/// `jku`, `x5u` and `jwk` name keys the token chooses: tokdiag never fetches or uses them. The
/// URLs point at a loopback server that counts every request; it must see none, whether keys come
/// from a file or from the issuer's (other) server, and even when the kid is unknown and the
/// issuer's JWKS is fetched again.
#[test]
fn jku_and_x5u_are_never_fetched() {
    let attacker = JwksServer::start();
    let issuer = JwksServer::start();
    let jwks_url = format!("{}/attacker/jwks.json", attacker.base);
    let cert_url = format!("{}/attacker/cert.pem", attacker.base);
    let claims = access_claims();
    let tokens = [
        json!({"kid": "rsa-1", "alg": "RS256", "jku": jwks_url}),
        json!({"kid": "attacker-1", "alg": "RS256", "jku": jwks_url}),
        json!({"kid": "rsa-1", "alg": "RS256", "x5u": cert_url}),
        json!({"kid": "attacker-1", "alg": "RS256", "x5u": cert_url}),
        json!({"alg": "RS256", "jku": jwks_url, "x5u": cert_url}),
    ]
    .map(|h| sign_raw(&h, &claims, "rsa-2.pem"));
    for t in &tokens {
        let (code, out, err) = verify(t, None);
        no_panic("jku offline", code, &err);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.starts_with("✗ signature: "), "{out}");

        let (code, v, err) = explain(t, &["--jwks", &testdata("jwks.json")], None);
        no_panic("jku explain", code, &err);
        assert_eq!(code, 1, "{err}");
        assert_eq!(failed_checks(&v)[0].0, "signature");

        // Online: keys from the issuer's loopback server (refetched once on an unknown kid).
        let cache = tempfile::tempdir().unwrap();
        let mut c = tokdiag(cache.path());
        c.args(["verify", "--discovery-url", &issuer.discovery_url(), t]);
        let (code, out, err) = run(c);
        no_panic("jku online", code, &err);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.starts_with("✗ signature: "), "{out}");

        let (code, v, err) = explain(t, &["--discovery-url", &issuer.discovery_url()], None);
        no_panic("jku explain online", code, &err);
        assert_eq!(code, 1, "{err}");
        assert_eq!(failed_checks(&v)[0].0, "signature");
    }
    assert!(issuer.jwks_hits() > 0, "the issuer's own JWKS was used");
    for path in ["/attacker/jwks.json", "/attacker/cert.pem"] {
        assert_eq!(attacker.count(path), 0, "{path} was fetched");
    }
    assert_eq!(attacker.total_hits(), 0);
}

/// An embedded `jwk` holding the very key that signed the token still fails: keys come only from
/// the JWKS, under the token's kid or not.
#[test]
fn an_embedded_jwk_is_never_used() {
    let pem = std::fs::read(root().join("testdata/keys/rsa-2.pem")).unwrap();
    let key = EncodingKey::from_rsa_pem(&pem).unwrap();
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    for kid in ["rsa-1", "attacker-1"] {
        jwk.common.key_id = Some(kid.to_string());
        let header = json!({"kid": kid, "alg": "RS256", "jwk": jwk});
        let t = sign_raw(&header, &access_claims(), "rsa-2.pem");
        let (code, out, err) = verify(&t, None);
        no_panic("jwk", code, &err);
        assert_eq!(code, 1);
        let want = if kid == "rsa-1" {
            MISMATCH.to_string()
        } else {
            format!("kid 'attacker-1' is not in the JWKS (known: {KNOWN})")
        };
        assert_eq!(
            out.lines().next(),
            Some(format!("✗ signature: {want}").as_str())
        );
    }
}

/// The input caps: stdin 1 MiB (token input), files 8 MiB (tokens, configs, JWKS; also devices and
/// pipes that have no size up front), each refused with one clear line and exit 2 before parsing.
#[test]
fn input_caps_are_enforced_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(&big, vec![b'a'; 9 * 1024 * 1024]).unwrap();
    let big_arg = format!("@{}", big.display());
    let file_msg = format!(
        "tokdiag: error: {} is 9437184 bytes, over the 8 MiB input limit\n  hint: pass the token or config itself, not a larger file\n",
        big.display()
    );
    let stdin_msg = "tokdiag: error: stdin holds more than 1 MiB: that is not a token\n  hint: pipe one token, or one per line to `tokdiag verify`\n";
    let cache = tempfile::tempdir().unwrap();
    let jwks = testdata("jwks.json");
    let seed = testdata("seed/.bedrock_agentcore.yaml");
    let big_path = big.display().to_string();
    let good = std::fs::read_to_string(testdata("tokens/cognito-access.jwt")).unwrap();
    /// (arguments, stdin, the whole of stderr)
    type Case<'a> = (Vec<&'a str>, Option<Vec<u8>>, String);
    let cases: Vec<Case> = vec![
        (vec!["decode", &big_arg], None, file_msg.clone()),
        (
            vec!["explain", "--config", &seed, "--jwks", &jwks, &big_arg],
            None,
            file_msg.clone(),
        ),
        (
            vec!["explain", "--config", &big_path, "--jwks", &jwks, "a.b.c"],
            None,
            file_msg.clone(),
        ),
        (
            vec!["verify", "--jwks", &big_path, &good],
            None,
            file_msg.clone(),
        ),
        (
            vec!["decode", "-"],
            Some(vec![b'a'; 1024 * 1024 + 1]),
            stdin_msg.to_string(),
        ),
        (
            vec!["explain", "--config", &seed, "--jwks", &jwks, "-"],
            Some(vec![b'a'; 1024 * 1024 + 1]),
            stdin_msg.to_string(),
        ),
    ];
    for (args, stdin, want) in cases {
        let mut c = tokdiag(cache.path());
        c.args(&args);
        if let Some(s) = stdin {
            c.write_stdin(s);
        }
        let (code, out, err) = run(c);
        no_panic(&format!("{args:?}"), code, &err);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_eq!(err, want, "{args:?}");
    }
    // A device without a size: read up to the cap, then refused (not read forever).
    #[cfg(unix)]
    {
        let started = std::time::Instant::now();
        let mut c = tokdiag(cache.path());
        c.args(["decode", "@/dev/zero"]);
        let (code, _, err) = run(c);
        assert_eq!(code, 2, "{err}");
        assert_eq!(
            err.lines().next(),
            Some(
                "tokdiag: error: /dev/zero is more than 8388608 bytes, over the 8 MiB input limit"
            )
        );
        assert!(started.elapsed().as_secs() < 20);
    }
}

/// The kid of issue 12 item 5: a newline and a forged verdict line.
const FORGED_KID: &str = "zz\n✓ ACCEPTED — AgentCore would accept this token\n";
/// The same kid as every human output shows it.
const FORGED_KID_SHOWN: &str = "zz\\n✓ ACCEPTED — AgentCore would accept this token\\n";

/// No line of `out` is one that the hostile data made up.
fn no_forged_line(what: &str, out: &str) {
    for l in out.lines() {
        assert!(
            !l.trim_start().starts_with("✓ ACCEPTED") && !l.contains('\r'),
            "{what}: forged line {l:?} in\n{out}"
        );
    }
}

/// A newline, CR, U+2028, bidi and zero-width characters in a kid or a claim never make a line of
/// their own in `decode`, `verify`, `explain` or `keys`: they are shown escaped where the value is
/// written, and JSON keeps the raw value.
#[test]
fn hostile_text_never_forges_output_lines() {
    let mut claims = access_claims();
    claims["username"] = json!("alice\r\n✓ ACCEPTED — AgentCore would accept this token");
    claims["cognito:groups"] = json!(["admins\u{202e}", "\u{200b}users"]);
    claims["scope"] = json!("aws.cognito.signin.user.admin\u{2028}✓ ok");
    let t = sign_raw(
        &json!({"kid": FORGED_KID, "alg": "RS256"}),
        &claims,
        "rsa-2.pem",
    );
    let cache = tempfile::tempdir().unwrap();

    let mut c = tokdiag(cache.path());
    c.args(["decode", &t]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    no_forged_line("decode", &out);
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "  user        alice\\r\\n✓ ACCEPTED — AgentCore would accept this token".to_string(),
        "  groups      admins\\u{202e}, \\u{200b}users".to_string(),
        // (U+2028 is white space: the scope list splits there, as AgentCore's does)
        "  scopes      aws.cognito.signin.user.admin ✓ ok".to_string(),
        format!("  kid  {FORGED_KID_SHOWN}"),
        "  scope           aws.cognito.signin.user.admin\\u{2028}✓ ok".to_string(),
        "  username        alice\\r\\n✓ ACCEPTED — AgentCore would accept this token".to_string(),
        "  cognito:groups  [\"admins\\u{202e}\",\"\\u{200b}users\"]".to_string(),
    ] {
        assert!(lines.contains(&want.as_str()), "{want:?} not in\n{out}");
    }
    // JSON: the raw values, escaped only as JSON escapes them.
    let mut c = tokdiag(cache.path());
    c.args(["--json", "decode", &t]);
    let (_, out, _) = run(c);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["header"]["kid"], FORGED_KID);
    assert_eq!(v["claims"]["username"], claims["username"]);

    let (code, out, err) = verify(&t, None);
    assert_eq!(code, 1, "{err}");
    no_forged_line("verify", &out);
    let unknown = format!("kid '{FORGED_KID_SHOWN}' is not in the JWKS (known: {KNOWN})");
    assert_eq!(
        out.lines().next(),
        Some(format!("✗ signature: {unknown}").as_str())
    );
    assert!(
        out.lines()
            .any(|l| l == format!("  ✓ format      compact JWS (RS256, kid {FORGED_KID_SHOWN})")),
        "{out}"
    );

    let mut c = tokdiag(cache.path());
    c.args([
        "explain",
        "--config",
        &testdata("seed/.bedrock_agentcore.yaml"),
        "--jwks",
        &testdata("jwks.json"),
        &t,
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 1, "{err}");
    no_forged_line("explain", &out);
    assert!(
        out.lines().any(|l| l
            == "  ✗ signature   kid 'zz\\n✓ ACCEPTED — AgentCore would accept this token\\n' is"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  ✗ unknown-kid\n    kid '{FORGED_KID_SHOWN}' is not in the\n"
        )),
        "{out}"
    );
    let (_, v, _) = explain(&t, &["--jwks", &testdata("jwks.json")], None);
    assert_eq!(v["token"]["header"]["kid"], FORGED_KID);
    assert_eq!(
        failed_checks(&v)[0].1,
        format!("{unknown} (keys from {})", testdata("jwks.json"))
    );

    // keys: a JWKS whose kid and use hold the same line.
    let dir = tempfile::tempdir().unwrap();
    let jwks_file = dir.path().join("jwks.json");
    let mut jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("jwks.json")).unwrap()).unwrap();
    jwks["keys"] = json!([jwks["keys"][0].clone()]);
    jwks["keys"][0]["kid"] = json!(FORGED_KID);
    std::fs::write(&jwks_file, jwks.to_string()).unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["keys", "--jwks", jwks_file.to_str().unwrap()]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    no_forged_line("keys", &out);
    assert!(
        out.lines()
            .any(|l| l == format!("  {FORGED_KID_SHOWN}  RSA  RS256  sig  2048 bits")),
        "{out}"
    );
}

/// Issue 12 item 6: a host that is not pure ASCII (the token's iss, discoveryUrl, the discovery
/// document's issuer) or an `xn--` name mixing scripts gets `lookalike-issuer`, naming the code
/// points; no fix of any diagnosis names such a host.
#[test]
fn lookalike_hosts_are_named_and_no_fix_points_at_them() {
    let no_fix_names = |v: &Value, host: &str| {
        for d in v["diagnoses"].as_array().unwrap() {
            for f in d["fixes"].as_array().unwrap() {
                let f = f.as_str().unwrap().to_lowercase();
                assert!(!f.contains(host), "fix names {host}: {f}\n{v:#}");
            }
        }
    };
    let diag = |v: &Value| -> Value {
        v["diagnoses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "lookalike-issuer")
            .cloned()
            .unwrap_or_else(|| panic!("no lookalike-issuer: {v:#}"))
    };
    let seed = testdata("seed/.bedrock_agentcore.yaml");

    // 1. The token's iss (the corpus file, validly signed).
    let (code, v, _) = explain(
        &format!("@{}", testdata("attacks/lookalike-issuer.jwt")),
        &["--jwks", &testdata("jwks.json")],
        None,
    );
    assert_eq!(code, 1);
    let d = diag(&v);
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["message"],
        format!(
            "the token's iss names the host {LOOKALIKE_SHOWN} (not ASCII: U+0430 Cyrillic): a host that only looks like another, where tokens or keys are never to be trusted"
        )
    );
    assert_eq!(
        d["fixes"],
        json!([
            "treat the token as forged: it was minted by whoever holds that look-alike domain; get a token from your real issuer"
        ])
    );
    no_fix_names(&v, "amazon\u{430}ws");

    // 2. discoveryUrl on the look-alike host, the token from the real one (offline).
    let lookalike_disc = format!("{LOOKALIKE_ISS}/.well-known/openid-configuration");
    let good = crate::support::tokens::mint(&access_claims());
    let (code, v, _) = explain(
        &good,
        &[
            "--jwks",
            &testdata("jwks.json"),
            "--discovery-url",
            &lookalike_disc,
        ],
        None,
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        diag(&v)["message"],
        format!(
            "discoveryUrl names the host {LOOKALIKE_SHOWN} (not ASCII: U+0430 Cyrillic): a host that only looks like another, where tokens or keys are never to be trusted"
        )
    );
    // The URL came from --discovery-url, not from the file (before: "at {seed}").
    assert_eq!(
        diag(&v)["fixes"][0],
        "retype the host of --discovery-url in plain ASCII (the marked characters only look like the letters they imitate)"
    );
    no_fix_names(&v, "amazon\u{430}ws");
    // Written in the file, the fix names the file and the line.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join(".bedrock_agentcore.yaml");
    let text = std::fs::read_to_string(&seed).unwrap().replace(
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration",
        &lookalike_disc,
    );
    std::fs::write(&cfg, text).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.arg("--json")
        .arg("explain")
        .arg("--config")
        .arg(&cfg)
        .args(["--jwks", &testdata("jwks.json"), &good]);
    let (code, out, err) = run(c);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        diag(&v)["fixes"][0],
        format!(
            "retype the host of discoveryUrl at {}:59 in plain ASCII (the marked characters only look like the letters they imitate)",
            cfg.display()
        )
    );

    // 3. An ASCII (punycode) name whose Unicode form mixes Latin and Cyrillic.
    let puny = "https://cognito-idp.us-east-1.xn--amazonws-66g.com/us-east-1_h0Vo2Whhx";
    let mut claims = access_claims();
    claims["iss"] = json!(puny);
    let (code, v, _) = explain(
        &crate::support::tokens::mint(&claims),
        &["--jwks", &testdata("jwks.json")],
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        diag(&v)["message"],
        "the token's iss names the host cognito-idp.us-east-1.xn--amazonws-66g.com (the label xn--amazonws-66g is the Unicode name amazon\u{430}ws mixing Cyrillic and Latin scripts): a host that only looks like another, where tokens or keys are never to be trusted"
    );
    no_fix_names(&v, "xn--amazonws-66g");

    // 4. A discovery document (online) that publishes a look-alike issuer.
    let server = JwksServer::start();
    server.set_issuer(LOOKALIKE_ISS);
    let (code, v, _) = explain(&good, &["--discovery-url", &server.discovery_url()], None);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        diag(&v)["message"],
        format!(
            "the discovery document says its issuer is on the host {LOOKALIKE_SHOWN} (not ASCII: U+0430 Cyrillic): a host that only looks like another, where tokens or keys are never to be trusted"
        )
    );
    no_fix_names(&v, "amazon\u{430}ws");

    // Pure-script IDNs and ordinary hosts are not look-alikes.
    let mut claims = access_claims();
    claims["iss"] = json!("https://xn--e1afmkfd.xn--p1ai/us-east-1_h0Vo2Whhx");
    let (_, v, _) = explain(
        &crate::support::tokens::mint(&claims),
        &["--jwks", &testdata("jwks.json")],
        None,
    );
    assert!(
        !codes(&v).contains(&"lookalike-issuer".to_string()),
        "{v:#}"
    );
}

/// `invoke --dry-run`'s curl commands are for a shell: a `--accept` or `--session-id` that starts
/// with `$(…)` was double-quoted like the `$MCP_SESSION_ID` placeholder, so running the printed
/// command ran it. Every curl command printed runs here (curl a no-op function) and makes no file.
#[test]
fn dry_run_curl_never_expands_a_header_value() {
    let dir = tempfile::tempdir().unwrap();
    let pwn = dir.path().join("pwned");
    let p = pwn.display().to_string();
    let mut c = tokdiag(dir.path());
    c.env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
        .args(["invoke", "--url", "http://127.0.0.1:9/mcp", "--dry-run"])
        .args(["--token", &crate::support::tokens::mint(&access_claims())])
        .args(["--accept", &format!("$(touch {p})")])
        .args([
            "--session-id",
            &format!("$(touch {p})-0000000000000000000000000000"),
        ])
        .args([
            "--tool",
            &format!("x'$(touch {p})'"),
            "--args",
            &format!(r#"{{"a":"'`touch {p}`"}}"#),
        ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("\n  -H 'Accept: $(touch {p})' \\\n")),
        "{out}"
    );
    assert!(
        out.contains("\n  -H \"Mcp-Session-Id: $MCP_SESSION_ID\" \\\n"),
        "{out}"
    );
    let mut cmds = Vec::new();
    let mut cur: Option<String> = None;
    for line in out.lines() {
        if line.starts_with("curl ") {
            cur = Some(String::new());
        }
        if let Some(s) = cur.as_mut() {
            s.push_str(line);
            s.push('\n');
            if !line.ends_with('\\') {
                cmds.push(cur.take().unwrap());
            }
        }
    }
    assert_eq!(cmds.len(), 3, "{out}");
    for cmd in cmds {
        let st = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("curl() {{ :; }}\nTOKEN=t MCP_SESSION_ID=s\n{cmd}"))
            .status()
            .unwrap();
        assert!(st.success());
        assert!(!pwn.exists(), "running the printed command ran: {cmd}");
    }
}

/// A newline in a header value or the URL forged lines in `--dry-run` (and HTTP refuses them):
/// refused with exit 2 before anything is printed.
#[test]
fn dry_run_refuses_control_characters_in_headers_and_url() {
    let dir = tempfile::tempdir().unwrap();
    let token = crate::support::tokens::mint(&access_claims());
    for (flag, value, url, shown) in [
        (
            "--accept",
            "x\n✓ forged",
            "http://127.0.0.1:9/mcp",
            "--accept x\\n✓ forged: control characters are not allowed in an HTTP header",
        ),
        (
            "--session-id",
            "tokdiag-00000000-0000-0000-0000-00000\r✓",
            "http://127.0.0.1:9/mcp",
            "--session-id tokdiag-00000000-0000-0000-0000-00000\\r✓: control characters are not allowed in an HTTP header",
        ),
        (
            "--qualifier",
            "DEFAULT",
            "http://127.0.0.1:9/mcp\n✓ forged",
            "the MCP URL http://127.0.0.1:9/mcp\\n✓ forged holds control characters",
        ),
    ] {
        let mut c = tokdiag(dir.path());
        c.env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT").args([
            "invoke",
            "--url",
            url,
            "--dry-run",
            "--token",
            &token,
            flag,
            value,
        ]);
        let (code, out, err) = run(c);
        assert_eq!(code, 2, "{flag}: {out}{err}");
        assert_eq!(out, "");
        assert_eq!(
            err.lines().next().unwrap(),
            format!("tokdiag: error: {shown}")
        );
    }
}
