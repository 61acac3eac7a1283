//! `tokdiag keys`: the keys of a JWKS file, and of an issuer through discovery (with cache state).

use crate::support::jwks_server::JwksServer;
use crate::support::tokens::{ISSUER, run, testdata, tokdiag};
use serde_json::Value;

#[test]
fn lists_every_key_of_a_jwks_file() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["keys", "--jwks", &testdata("jwks.json")]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let expected = format!(
        "  jwks file  {}
keys (7)
  rsa-1        RSA  RS256  sig  2048 bits
  rsa-1-ps     RSA  PS256  sig  2048 bits
  rsa-1-rs384  RSA  RS384  sig  2048 bits
  rsa-1-rs512  RSA  RS512  sig  2048 bits
  ec256-1      EC   ES256  sig  P-256
  ec384-1      EC   ES384  sig  P-384
  ed25519-1    OKP  EdDSA  sig  Ed25519
",
        testdata("jwks.json")
    );
    assert_eq!(out, expected);
}

#[test]
fn shows_discovery_keys_and_cache_state() {
    let server = JwksServer::start();
    server.set_cache_control(Some("max-age=600"));
    let cache = tempfile::tempdir().unwrap();
    let keys = |json: bool| {
        let mut c = tokdiag(cache.path());
        if json {
            c.arg("--json");
        }
        c.args(["keys", "--discovery-url", &server.discovery_url()]);
        run(c)
    };
    let (code, out, err) = keys(false);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("  issuer     {ISSUER}"));
    assert_eq!(lines[1], format!("  discovery  {}", server.discovery_url()));
    // The loopback document claims the real Cognito issuer: OpenID Connect Discovery §4.3 is broken.
    let base = server
        .discovery_url()
        .trim_end_matches("/.well-known/openid-configuration")
        .to_string();
    assert_eq!(
        lines[2],
        format!(
            "  ! discovery-issuer-mismatch: the discovery document at {} says its issuer is {ISSUER}, not {base} (its URL without /.well-known/openid-configuration), as OpenID Connect Discovery §4.3 requires; tokens are compared with {ISSUER}, the issuer the document claims",
            server.discovery_url()
        )
    );
    assert_eq!(lines[3], "endpoints");
    assert!(
        lines.contains(&format!("  jwks_uri                {}", server.jwks_url()).as_str()),
        "{out}"
    );
    assert!(
        lines.contains(&"  token_endpoint          https://tokdiag-demo.auth.us-east-1.amazoncognito.com/oauth2/token"),
        "{out}"
    );
    assert!(lines.contains(&"keys (7)"), "{out}");
    assert!(
        lines.contains(&"  ed25519-1    OKP  EdDSA  sig  Ed25519"),
        "{out}"
    );
    assert!(lines.contains(&"cache"), "{out}");
    let disc = lines
        .iter()
        .find(|l| l.starts_with("  discovery  fresh, age "))
        .expect(&out);
    assert!(disc.contains(", max-age 600 s, "), "{disc}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  jwks       fresh, age ")),
        "{out}"
    );

    // JSON, from the cache: no further request.
    let (code, out, _) = keys(true);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let fields: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        [
            "discovery_url",
            "issuer",
            "jwks_uri",
            "endpoints",
            "keys",
            "cache",
            "warnings"
        ]
    );
    assert_eq!(v["discovery_url"], server.discovery_url());
    assert_eq!(v["issuer"], ISSUER);
    assert_eq!(v["jwks_uri"], server.jwks_url());
    assert_eq!(v["endpoints"]["jwks_uri"], server.jwks_url());
    assert_eq!(v["keys"].as_array().unwrap().len(), 7);
    assert_eq!(
        v["keys"][0],
        serde_json::json!({"kid": "rsa-1", "kty": "RSA", "alg": "RS256", "use": "sig", "bits": 2048, "algorithms": ["RS256"]})
    );
    assert_eq!(
        v["keys"][5],
        serde_json::json!({"kid": "ec384-1", "kty": "EC", "alg": "ES384", "use": "sig", "curve": "P-384", "algorithms": ["ES384"]})
    );
    for which in ["discovery", "jwks"] {
        let c = &v["cache"][which];
        assert_eq!(c["state"], "fresh");
        assert_eq!(c["max_age"], 600);
        assert!(c["age"].as_u64().unwrap() < 60);
        assert!(
            std::path::Path::new(c["file"].as_str().unwrap())
                .starts_with(cache.path().join("oidc"))
        );
    }
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));
}

#[test]
fn keys_without_a_source_or_with_an_unreachable_issuer_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.current_dir(dir.path()).arg("keys");
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");

    let port = crate::support::jwks_server::closed_port();
    let mut c = tokdiag(dir.path());
    c.args(["keys", "--issuer", &format!("http://127.0.0.1:{port}/pool")]);
    let (code, _, err) = run(c);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "fetching http://127.0.0.1:{port}/pool/.well-known/openid-configuration"
        )),
        "{err}"
    );
}

#[test]
fn plain_http_to_a_name_under_localhost_is_refused() {
    // Only loopback IPs and exactly `localhost` count as loopback (src/net.rs): glibc sends
    // `*.localhost` and `localhost.` to DNS. Refused before any request, exit 2.
    let dir = tempfile::tempdir().unwrap();
    for host in ["app.localhost", "localhost."] {
        let url = format!("http://{host}:1/.well-known/openid-configuration");
        let mut c = tokdiag(dir.path());
        c.args(["keys", "--discovery-url", &url]);
        let (code, out, err) = run(c);
        assert_eq!(code, 2, "{host}: {out}{err}");
        assert_eq!(
            err,
            format!(
                "tokdiag: error: refusing plain http for {url}: keys must come over https\n  hint: use the https URL, or pass --allow-http to accept plain http (test setups only)\n"
            )
        );
    }
}
