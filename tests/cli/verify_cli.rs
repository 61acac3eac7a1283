//! `tokdiag verify` end to end: offline with --jwks, and against a loopback discovery/JWKS server
//! (cache, refetch on unknown kid, max-age), refusals with their causes, network failures (exit 3),
//! the https rule (exit 2), batches and JSON shapes.

use std::time::Duration;

use crate::support::jwks_server::{DISCOVERY_PATH, JWKS_PATH, JwksServer, Mode, closed_port};
use crate::support::tokens::{CLIENT, ISSUER, NOW, run, testdata, tokdiag};
use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

const SUB: &str = "c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90";

fn tok(name: &str) -> String {
    std::fs::read_to_string(testdata(&format!("tokens/{name}"))).expect("testdata token")
}

fn accepted_line(kid_alg: &str, kind: &str) -> String {
    format!("✓ {kid_alg} {kind} sub={SUB} exp 2100-01-01T00:00:00Z (in 73 y)")
}

/// `verify --jwks testdata/jwks.json --issuer ISSUER` with a fresh cache dir.
fn offline(extra: &[&str]) -> (i32, String, String) {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "verify",
        "--jwks",
        &testdata("jwks.json"),
        "--issuer",
        ISSUER,
    ]);
    c.args(extra);
    run(c)
}

fn online(server: &JwksServer, cache: &std::path::Path) -> Command {
    let mut c = tokdiag(cache);
    c.args(["verify", "--discovery-url", &server.discovery_url()]);
    c
}

/// The parser's own message for a non-JWT (its wording belongs to token.rs).
fn format_error(text: &str) -> String {
    tokdiag::token::Jwt::parse(&tokdiag::token::clean(text))
        .unwrap_err()
        .message
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[test]
fn accepts_cognito_access_offline_and_lists_every_check() {
    let (code, out, err) = offline(&[&tok("cognito-access.jwt")]);
    assert_eq!(code, 0, "stderr: {err}");
    let expected = [
        accepted_line("rsa-1/RS256", "cognito-access"),
        "  ✓ format      compact JWS (RS256, kid rsa-1)".to_string(),
        "  ✓ signature   RS256 signature valid with key rsa-1".to_string(),
        format!("  ✓ issuer      iss is {ISSUER}"),
        "  ✓ expiry      expires at 2100-01-01T00:00:00Z (in 73 y)".to_string(),
        "  ✓ not_before  no nbf claim (optional)".to_string(),
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn accepts_every_algorithm_offline() {
    for (file, kid_alg) in [
        ("es256.jwt", "ec256-1/ES256"),
        ("es384.jwt", "ec384-1/ES384"),
        ("eddsa.jwt", "ed25519-1/EdDSA"),
        ("ps256.jwt", "rsa-1-ps/PS256"),
        ("rs384.jwt", "rsa-1-rs384/RS384"),
        ("rs512.jwt", "rsa-1-rs512/RS512"),
    ] {
        let (code, out, err) = offline(&[&format!("@{}", testdata(&format!("tokens/{file}")))]);
        assert_eq!(code, 0, "{file}: {out}{err}");
        assert_eq!(
            first_line(&out),
            accepted_line(kid_alg, "cognito-access"),
            "{file}"
        );
    }
}

#[test]
fn refusals_name_their_cause() {
    let all_kids = "rsa-1, rsa-1-ps, rsa-1-rs384, rsa-1-rs512, ec256-1, ec384-1, ed25519-1";
    let cases = [
        ("alg-none.jwt", "✗ signature: alg none: unsigned tokens are never accepted".to_string()),
        (
            "hs256-with-rsa-pub.jwt",
            "✗ signature: HS256 with an RSA key: the classic key-confusion attack (a public key used as an HMAC secret: the HMAC verifies with the key's public PEM)".to_string(),
        ),
        (
            "unknown-kid.jwt",
            format!("✗ signature: kid 'rsa-2' is not in the JWKS (known: {all_kids})"),
        ),
        (
            "wrong-key.jwt",
            "✗ signature: the RS256 signature does not match key 'rsa-1': signed with another key, or altered after signing".to_string(),
        ),
        (
            "tampered.jwt",
            "✗ signature: the RS256 signature does not match key 'rsa-1': signed with another key, or altered after signing".to_string(),
        ),
        ("expired.jwt", "✗ expiry: expired at 2026-01-01T01:00:00Z (150 d ago)".to_string()),
        (
            "wrong-issuer.jwt",
            format!("✗ issuer: iss not allowed: https://cognito-idp.us-west-2.amazonaws.com/us-west-2_AAAAAAAAA. Expected: {ISSUER} (from --issuer)"),
        ),
        (
            "trailing-slash-issuer.jwt",
            format!("✗ issuer: iss not allowed: {ISSUER}/. Expected: {ISSUER} (from --issuer) (only the trailing slash differs: the comparison is exact)"),
        ),
        (
            "not-yet-valid.jwt",
            "✗ not_before: not valid before 2099-01-01T00:00:00Z (in 72 y)".to_string(),
        ),
    ];
    for (file, line) in cases {
        let (code, out, err) = offline(&[&tok(file)]);
        assert_eq!(code, 1, "{file}: {out}{err}");
        assert_eq!(first_line(&out), line, "{file}");
        assert!(!err.contains("panicked"), "{file}: {err}");
    }
}

#[test]
fn non_jwt_input_is_refused_without_network() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    for file in ["garbage.txt", "jwe.txt"] {
        let text = tok(file);
        let why = format_error(&text);
        let mut c = online(&server, cache.path());
        c.arg(&text);
        let (code, out, err) = run(c);
        assert_eq!(code, 1, "{file}: {err}");
        assert_eq!(
            out,
            format!("✗ format: not a JWT: {why}\n  ✗ format  not a JWT: {why}\n")
        );
    }
    assert_eq!(server.discovery_hits() + server.jwks_hits(), 0);
}

#[test]
fn accepts_via_server_then_uses_the_cache() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("cognito-access.jwt"));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        first_line(&out),
        accepted_line("rsa-1/RS256", "cognito-access")
    );
    assert_eq!(
        out.lines().nth(3),
        Some(format!("  ✓ issuer      iss is {ISSUER}").as_str())
    );
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));

    // Every algorithm, same cache: zero further requests.
    for file in [
        "es256.jwt",
        "es384.jwt",
        "eddsa.jwt",
        "ps256.jwt",
        "rs384.jwt",
        "rs512.jwt",
        "cognito-access.jwt",
    ] {
        let mut c = online(&server, cache.path());
        c.arg(tok(file));
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{file}: {out}{err}");
    }
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));
    // The cache files exist, one per URL, private.
    let files: Vec<_> = std::fs::read_dir(cache.path().join("oidc"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in files {
            let mode = f.unwrap().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

#[test]
fn verbose_shows_requests_and_cache_hits() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    for expect in ["cache miss", "cache hit"] {
        let mut c = online(&server, cache.path());
        c.arg("--verbose").arg(tok("cognito-access.jwt"));
        let (code, _, err) = run(c);
        assert_eq!(code, 0);
        assert!(err.contains(expect), "{err}");
        assert!(err.contains(&server.jwks_url()), "{err}");
    }
    let mut c = online(&server, cache.path());
    c.arg("--verbose").arg(tok("cognito-access.jwt"));
    let (_, _, err) = run(c);
    assert!(
        err.contains(&format!(
            "tokdiag: cache hit for {} (age",
            server.discovery_url()
        )),
        "{err}"
    );
}

#[test]
fn unknown_kid_refetches_the_jwks_exactly_once() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("unknown-kid.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        first_line(&out).starts_with("✗ signature: kid 'rsa-2' is not in the JWKS (known: rsa-1,"),
        "{out}"
    );
    assert_eq!(server.discovery_hits(), 1, "discovery is not refetched");
    assert_eq!(server.jwks_hits(), 2, "exactly one JWKS refetch");
}

#[test]
fn rotated_key_is_found_by_the_refetch() {
    let server = JwksServer::start();
    server.set_jwks_file("jwks-rsa-only.json");
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("cognito-access.jwt"));
    assert_eq!(run(c).0, 0);
    // The issuer rotates in an EC key; the cached JWKS does not know its kid yet.
    server.set_jwks_file("jwks.json");
    let mut c = online(&server, cache.path());
    c.arg(tok("es256.jwt"));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        first_line(&out),
        accepted_line("ec256-1/ES256", "cognito-access")
    );
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 2));
}

#[test]
fn cache_honours_max_age() {
    let server = JwksServer::start();
    server.set_cache_control(Some("public, max-age=60"));
    let cache = tempfile::tempdir().unwrap();
    let go = || {
        let mut c = online(&server, cache.path());
        c.arg(tok("cognito-access.jwt"));
        assert_eq!(run(c).0, 0);
    };
    go();
    go();
    assert_eq!(
        (server.discovery_hits(), server.jwks_hits()),
        (1, 1),
        "fresh for 60 s"
    );
    // Age every cache entry by 61 s (instead of sleeping): the next run must refetch both.
    for e in std::fs::read_dir(cache.path().join("oidc")).unwrap() {
        let p = e.unwrap().path();
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let t = v["fetched_at"].as_i64().expect("fetched_at");
        v["fetched_at"] = serde_json::json!(t - 61);
        std::fs::write(&p, v.to_string()).unwrap();
    }
    go();
    assert_eq!(
        (server.discovery_hits(), server.jwks_hits()),
        (2, 2),
        "stale after max-age"
    );

    // no-store: nothing is kept.
    server.set_cache_control(Some("no-store"));
    let cache2 = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let mut c = online(&server, cache2.path());
        c.arg(tok("cognito-access.jwt"));
        assert_eq!(run(c).0, 0);
    }
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (4, 4));
}

#[test]
fn issuer_comes_from_the_discovery_document() {
    let server = JwksServer::start();
    server.set_issuer(&format!("{ISSUER}/"));
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("cognito-access.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        first_line(&out),
        format!(
            "✗ issuer: iss not allowed: {ISSUER}. Expected: {ISSUER}/ (from the discovery document) (only the trailing slash differs: the comparison is exact)"
        )
    );
}

#[test]
fn network_failures_exit_3_with_the_cause() {
    let token = tok("cognito-access.jwt");
    // Refused connection.
    let cache = tempfile::tempdir().unwrap();
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}/p/.well-known/openid-configuration");
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--discovery-url", &url, &token]);
    let (code, out, err) = run(c);
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(out, "");
    assert_eq!(
        err.lines().next(),
        Some(format!("tokdiag: error: connection refused by 127.0.0.1 fetching {url}").as_str())
    );
    assert!(err.contains("hint: nothing listens there"), "{err}");

    let cases: [(&str, Mode, String); 5] = [
        (
            DISCOVERY_PATH,
            Mode::Status(500),
            "answered HTTP 500 Internal Server Error".to_string(),
        ),
        (
            JWKS_PATH,
            Mode::Status(503),
            "answered HTTP 503 Service Unavailable".to_string(),
        ),
        (
            DISCOVERY_PATH,
            Mode::Html,
            "is not JSON (text/html: \"<!DOCTYPE html><html><body>Sign in</body></html>\")"
                .to_string(),
        ),
        (
            JWKS_PATH,
            Mode::Status(404),
            "answered HTTP 404 Not Found".to_string(),
        ),
        (
            DISCOVERY_PATH,
            Mode::Hang(Duration::from_secs(3)),
            "timed out after 300 ms fetching".to_string(),
        ),
    ];
    for (path, mode, needle) in cases {
        let server = JwksServer::start();
        server.set_mode(path, mode.clone());
        let cache = tempfile::tempdir().unwrap();
        let mut c = online(&server, cache.path());
        c.env("TOKDIAG_HTTP_TIMEOUT_MS", "300").arg(&token);
        let (code, out, err) = run(c);
        assert_eq!(code, 3, "{mode:?}: {out}{err}");
        let first = err.lines().next().unwrap_or("");
        assert!(first.starts_with("tokdiag: error: "), "{err}");
        assert!(first.contains(&needle), "{mode:?}: {err}");
        assert!(err.contains("hint: "), "{err}");
        assert_eq!(err.lines().count(), 2, "one line + hint: {err}");
    }
}

#[test]
fn discovery_without_jwks_uri_and_jwks_without_keys_exit_3() {
    let server = JwksServer::start();
    server.set_discovery(serde_json::json!({"issuer": ISSUER}));
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("cognito-access.jwt"));
    let (code, _, err) = run(c);
    assert_eq!(code, 3);
    assert_eq!(
        err.lines().next(),
        Some(
            format!(
                "tokdiag: error: the discovery document at {} has no jwks_uri",
                server.discovery_url()
            )
            .as_str()
        )
    );

    let server = JwksServer::start();
    server.set_jwks(serde_json::json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}));
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("cognito-access.jwt"));
    let (code, _, err) = run(c);
    assert_eq!(code, 3);
    assert!(
        err.contains("none of its 1 keys is a usable public key"),
        "{err}"
    );
}

#[test]
fn plain_http_elsewhere_than_loopback_is_a_usage_error() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "verify",
        "--discovery-url",
        "http://issuer.example.com/.well-known/openid-configuration",
        &tok("cognito-access.jwt"),
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "refusing plain http for http://issuer.example.com/.well-known/openid-configuration"
        ),
        "{err}"
    );
    assert!(err.contains("--allow-http"), "{err}");

    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "verify",
        "--issuer",
        "http://issuer.example.com",
        &tok("cognito-access.jwt"),
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("--allow-http")
    );
}

#[test]
fn no_key_source_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.current_dir(dir.path())
        .args(["verify", &tok("cognito-access.jwt")]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(err.contains("no keys to verify with"), "{err}");
    assert!(err.contains("hint: pass --discovery-url URL"), "{err}");
}

#[test]
fn client_id_is_cognito_aware_and_token_use_is_checked() {
    // ID token: the client id is in aud.
    let (code, out, _) = offline(&["--client-id", CLIENT, &tok("cognito-id.jwt")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "  ✓ client_id   Client ID (\"aud\" of an ID token) contains {CLIENT}"
        )),
        "{out}"
    );
    // Access token: client_id.
    let (code, out, _) = offline(&["--client-id", CLIENT, &tok("cognito-access.jwt")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("  ✓ client_id   client_id {CLIENT} is allowed")),
        "{out}"
    );
    // Another app client.
    let (code, out, _) = offline(&["--client-id", "otherclient", &tok("cognito-access.jwt")]);
    assert_eq!(code, 1);
    assert_eq!(
        first_line(&out),
        format!("✗ client_id: client_id not allowed: {CLIENT}. Expected one of: otherclient")
    );
    // --audience on an access token (no aud).
    let (code, out, _) = offline(&["--audience", CLIENT, &tok("cognito-access.jwt")]);
    assert_eq!(code, 1);
    assert_eq!(
        first_line(&out),
        format!("✗ aud: Missing aud. Expected one of: {CLIENT}")
    );
    // --token-use.
    let (code, out, _) = offline(&["--token-use", "id", &tok("cognito-access.jwt")]);
    assert_eq!(code, 1);
    assert_eq!(
        first_line(&out),
        "✗ token_use: token_use not allowed: access. Expected: id"
    );
}

#[test]
fn leeway_applies_to_exp() {
    // expired.jwt expires at 2026-01-01T01:00:00Z; evaluate 30 s later.
    let go = |leeway: &str| {
        let cache = tempfile::tempdir().unwrap();
        let mut c = crate::support::tokens::bare();
        c.args([
            "--cache-dir",
            cache.path().to_str().unwrap(),
            "--now",
            "2026-01-01T01:00:30Z",
            "verify",
            "--jwks",
            &testdata("jwks.json"),
            "--issuer",
            ISSUER,
            "--leeway",
            leeway,
            &tok("expired.jwt"),
        ]);
        run(c)
    };
    let (code, out, _) = go("0");
    assert_eq!(code, 1);
    assert_eq!(
        first_line(&out),
        "✗ expiry: expired at 2026-01-01T01:00:00Z (30 s ago)"
    );
    let (code, out, _) = go("60");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("  ✓ expiry      expires at 2026-01-01T01:00:00Z (30 s ago, leeway 60 s)"),
        "{out}"
    );
}

fn hostile(header: &str, sig: &[u8]) -> String {
    let payload = format!(r#"{{"iss":"{ISSUER}","exp":4102444800,"sub":"x"}}"#);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

#[test]
fn hostile_tokens_are_refused_without_panic() {
    let huge_kid = format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(20_000));
    for (t, needle) in [
        (
            hostile(r#"{"alg":"ES256","kid":"ec256-1"}"#, &[0u8; 64]),
            "✗ signature: the ES256 signature does not match key 'ec256-1'",
        ),
        (
            hostile(r#"{"alg":"ES256","kid":"ec256-1"}"#, b""),
            "✗ signature: the signature is empty",
        ),
        (
            hostile(r#"{"alg":"RS256","kid":"rsa-1"}"#, &[7u8; 3]),
            "✗ signature: the RS256 signature does not match key 'rsa-1'",
        ),
        (hostile(&huge_kid, &[1u8; 256]), "✗ signature: kid 'kkkkk"),
        (
            hostile(r#"{"alg":"ES512","kid":"ec256-1"}"#, &[1u8; 132]),
            "✗ signature: ES512 (P-521) is not supported",
        ),
        (
            hostile(r#"{"alg":"RS256","kid":7}"#, &[1u8; 256]),
            "✗ signature: kid '7' is not in the JWKS",
        ),
    ] {
        let (code, out, err) = offline(&[&t]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(first_line(&out).starts_with(needle), "{out}");
        assert!(first_line(&out).len() < 600, "message bounded");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn batch_of_three_with_one_bad_fetches_keys_once() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    let input = format!(
        "{}\n\n{}\n{}\n",
        tok("cognito-access.jwt"),
        tok("expired.jwt"),
        tok("es256.jwt")
    );
    let mut c = online(&server, cache.path());
    c.write_stdin(input.clone());
    let (code, out, err) = run(c);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            accepted_line("rsa-1/RS256", "cognito-access"),
            "✗ expiry: expired at 2026-01-01T01:00:00Z (150 d ago)".to_string(),
            accepted_line("ec256-1/ES256", "cognito-access"),
        ]
    );
    assert_eq!(err, "tokdiag: 3 tokens: 2 valid, 1 refused\n");
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));

    // JSON lines, with the input line numbers.
    let mut c = online(&server, cache.path());
    c.arg("--json").arg("-").write_stdin(input);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let docs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 3);
    let lines: Vec<i64> = docs.iter().map(|d| d["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [1, 3, 4]);
    let valid: Vec<bool> = docs.iter().map(|d| d["valid"].as_bool().unwrap()).collect();
    assert_eq!(valid, [true, false, true]);
    assert_eq!(docs[1]["token"]["kind"], "cognito-access");
    let failed: Vec<&Value> = docs[1]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["id"], "expiry");
    assert_eq!(failed[0]["actual"], 1_767_229_200);
    assert_eq!(
        (server.discovery_hits(), server.jwks_hits()),
        (1, 1),
        "second run from the cache"
    );
}

#[test]
fn batch_with_garbage_and_unknown_kid_refetches_once() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut input = String::new();
    for _ in 0..100 {
        input.push_str(&tok("cognito-access.jwt"));
        input.push('\n');
        input.push_str(&tok("unknown-kid.jwt"));
        input.push('\n');
    }
    input.push_str("not-a-token\n");
    let mut c = online(&server, cache.path());
    c.arg("--quiet").write_stdin(input);
    let (code, out, err) = run(c);
    assert_eq!(code, 1);
    assert_eq!(err, "");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 201);
    assert!(lines[0].starts_with("✓ rsa-1/RS256"));
    assert!(lines[1].starts_with("✗ signature: kid 'rsa-2' is not in the JWKS"));
    assert_eq!(
        lines[200],
        format!("✗ format: not a JWT: {}", format_error("not-a-token"))
    );
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 2));
}

#[test]
fn json_single_token_shape() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "verify",
        "--jwks",
        &testdata("jwks.json"),
        "--issuer",
        ISSUER,
        "--client-id",
        CLIENT,
        &tok("cognito-id.jwt"),
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["valid", "token", "checks"]);
    assert_eq!(v["valid"], true);
    assert_eq!(v["token"]["kind"], "cognito-id");
    assert_eq!(
        v["token"]["header"],
        serde_json::json!({"kid": "rsa-1", "alg": "RS256"})
    );
    assert_eq!(v["token"]["claims"]["aud"], CLIENT);
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "format",
            "signature",
            "issuer",
            "expiry",
            "not_before",
            "client_id"
        ]
    );
    let cid = &v["checks"][5];
    assert_eq!(cid["status"], "pass");
    assert_eq!(cid["expected"], serde_json::json!([CLIENT]));
    assert_eq!(cid["actual"], CLIENT);
    assert_eq!(v["checks"][2]["expected"], serde_json::json!([ISSUER]));
    assert_eq!(v["checks"][3]["actual"], 4_102_444_800i64);

    // A refused non-JWT: token is null, the format check fails.
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "verify",
        "--jwks",
        &testdata("jwks.json"),
        "opaque",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["token"], Value::Null);
    assert_eq!(v["checks"][0]["id"], "format");
    assert_eq!(v["checks"][0]["status"], "fail");

    // Unknown kid: expected = the known kids, actual = the token's kid.
    let mut c = tokdiag(cache.path());
    c.args([
        "--json",
        "verify",
        "--jwks",
        &testdata("jwks-rsa-only.json"),
        &tok("unknown-kid.jwt"),
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["checks"][1]["status"], "fail");
    assert_eq!(v["checks"][1]["expected"], serde_json::json!(["rsa-1"]));
    assert_eq!(v["checks"][1]["actual"], "rsa-2");
    // Issuer from the discovery URL is skipped offline without one.
    assert_eq!(v["checks"][2]["status"], "skip");
    let _ = NOW;
}

#[test]
fn bundle_on_stdin_picks_the_access_token() {
    let (code, out, _) = {
        let cache = tempfile::tempdir().unwrap();
        let mut c = tokdiag(cache.path());
        c.args([
            "verify",
            "--jwks",
            &testdata("jwks.json"),
            "--issuer",
            ISSUER,
        ])
        .write_stdin(std::fs::read_to_string(testdata("tokens/initiate-auth.json")).unwrap());
        run(c)
    };
    assert_eq!(code, 0);
    assert_eq!(
        first_line(&out),
        accepted_line("rsa-1/RS256", "cognito-access")
    );
    let (code, out, _) = offline(&[
        "--use",
        "id",
        &format!("@{}", testdata("tokens/initiate-auth.json")),
    ]);
    assert_eq!(code, 0);
    assert_eq!(first_line(&out), accepted_line("rsa-1/RS256", "cognito-id"));
}

#[test]
fn discovery_url_comes_from_the_config() {
    let server = JwksServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join(".bedrock_agentcore.yaml");
    std::fs::write(
        &config,
        format!(
            "default_agent: a\nagents:\n  a:\n    name: a\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {}\n        allowedClients:\n        - {CLIENT}\n",
            server.discovery_url()
        ),
    )
    .unwrap();
    let mut c = tokdiag(dir.path());
    c.args([
        "verify",
        "--config",
        config.to_str().unwrap(),
        &tok("cognito-access.jwt"),
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        first_line(&out),
        accepted_line("rsa-1/RS256", "cognito-access")
    );
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));
}

#[test]
fn offline_issuer_is_derived_from_the_config_discovery_url() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "verify",
        "--config",
        &testdata("seed/.bedrock_agentcore.yaml"),
        "--jwks",
        &testdata("seed/jwks.json"),
        &tok("trailing-slash-issuer.jwt"),
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        first_line(&out),
        format!(
            "✗ issuer: iss not allowed: {ISSUER}/. Expected: {ISSUER} (from the discovery URL) (only the trailing slash differs: the comparison is exact)"
        )
    );
}

#[test]
fn oversized_jwks_is_cut_off() {
    let server = JwksServer::start();
    server.set_jwks(serde_json::json!({"keys": [], "padding": "x".repeat(2 * 1024 * 1024)}));
    let cache = tempfile::tempdir().unwrap();
    let mut c = online(&server, cache.path());
    c.arg(tok("cognito-access.jwt"));
    let (code, _, err) = run(c);
    assert_eq!(code, 3);
    assert_eq!(
        err.lines().next(),
        Some(
            format!(
                "tokdiag: error: JWKS at {} is larger than 1024 KiB",
                server.jwks_url()
            )
            .as_str()
        )
    );
}
