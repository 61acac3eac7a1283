//! One key-acquisition policy (src/keyring.rs) for `verify`, `explain` and `doctor`: a token whose
//! kid the keys do not hold refetches the JWKS exactly once — whether the keys came from the cache
//! or were fetched a moment ago — a rotated key is found by that refetch, and keys from a file
//! are never fetched.

use std::path::Path;

use crate::support::jwks_server::{JwksServer, closed_port};
use crate::support::tokens::{CLIENT, run, run_json, testdata, tokdiag};

fn tok(name: &str) -> String {
    format!("@{}", testdata(&format!("tokens/{name}")))
}

/// A toolkit config whose JWT authorizer points at `server` and allows the seed's client.
fn config(dir: &Path, server: &JwksServer) -> String {
    let p = dir.join("agent.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: a\nagents:\n  a:\n    name: a\n    aws:\n      region: us-east-1\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {}\n        allowedClients:\n          - {CLIENT}\n",
            server.discovery_url()
        ),
    )
    .unwrap();
    p.display().to_string()
}

/// `cmd` on `token` against `server`, with its cache in `cache`: (exit code, stdout JSON).
fn run_cmd(cmd: &str, server: &JwksServer, cache: &Path, token: &str) -> (i32, serde_json::Value) {
    let mut c = tokdiag(cache);
    c.arg("--json");
    match cmd {
        "verify" => {
            c.args(["verify", "--discovery-url", &server.discovery_url(), token]);
        }
        "explain" => {
            c.args(["explain", "--config", &config(cache, server), token]);
        }
        _ => {
            // Nothing listens at the MCP URL: the invoke step fails, the explain step is what
            // this test reads.
            let url = format!("http://127.0.0.1:{}/mcp", closed_port());
            c.args(["doctor", "--config", &config(cache, server)])
                .args(["--token", token, "--url", &url]);
        }
    }
    run_json(c)
}

/// The verdict a command reached: verify's `valid`, explain's `verdict`, doctor's explain step.
fn accepted(cmd: &str, v: &serde_json::Value) -> bool {
    match cmd {
        "verify" => v["valid"] == true,
        "explain" => v["verdict"] == "accepted",
        _ => v["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == "explain"))
            .is_some_and(|s| s["status"] == "pass"),
    }
}

#[test]
fn an_unknown_kid_refetches_the_jwks_exactly_once_in_every_command() {
    for cmd in ["verify", "explain", "doctor"] {
        let server = JwksServer::start();
        let cache = tempfile::tempdir().unwrap();
        let (_, v) = run_cmd(cmd, &server, cache.path(), &tok("unknown-kid.jwt"));
        assert!(!accepted(cmd, &v), "{cmd}: {v:#}");
        assert_eq!(
            (server.discovery_hits(), server.jwks_hits()),
            (1, 2),
            "{cmd}: one discovery, the JWKS fetched, then once again for the unknown kid"
        );
    }
}

#[test]
fn a_rotated_key_is_found_by_the_refetch_in_every_command() {
    for cmd in ["verify", "explain", "doctor"] {
        let server = JwksServer::start();
        server.set_jwks_file("jwks-rsa-only.json");
        let cache = tempfile::tempdir().unwrap();
        // Warm the cache with the JWKS before the rotation.
        let (_, v) = run_cmd(cmd, &server, cache.path(), &tok("cognito-access.jwt"));
        assert!(accepted(cmd, &v), "{cmd}: {v:#}");
        assert_eq!(
            (server.discovery_hits(), server.jwks_hits()),
            (1, 1),
            "{cmd}"
        );
        // The issuer rotates in an EC key; the cached JWKS does not know its kid yet.
        server.set_jwks_file("jwks.json");
        let (_, v) = run_cmd(cmd, &server, cache.path(), &tok("es256.jwt"));
        assert!(accepted(cmd, &v), "{cmd}: {v:#}");
        assert_eq!(
            (server.discovery_hits(), server.jwks_hits()),
            (1, 2),
            "{cmd}: the cached discovery document, one JWKS refetch"
        );
    }
}

#[test]
fn keys_from_a_file_are_never_fetched() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--jwks", &testdata("jwks.json"), "--issuer"])
        .arg(crate::support::tokens::ISSUER)
        .arg(tok("unknown-kid.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 1, "{out}");
    let mut c = tokdiag(cache.path());
    c.args(["explain", "--config", &config(cache.path(), &server)])
        .args(["--jwks", &testdata("jwks.json")])
        .arg(tok("unknown-kid.jwt"));
    let (code, out, _) = run(c);
    assert_eq!(code, 1, "{out}");
    assert_eq!(server.total_hits(), 0);
}
