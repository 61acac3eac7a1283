//! Helpers for the identity-provider tests (tests/idps_cli.rs): paths under testdata/idps, the
//! values its generator uses, `explain`/`decode` runners, and a loopback OIDC server that serves a
//! provider-shaped discovery document (any issuer) with testdata/idps/jwks.json.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use assert_cmd::Command;
use serde_json::{Value, json};

use super::http::{Reply, Server};
pub use super::json::{check, codes, diag, fix};
use super::tokens::{root, run, run_json};

/// Evaluation time for the idps tests: 2026-06-01T00:00:00Z (tokens: iat 2026-01-01, exp 2100-01-01).
pub const NOW: i64 = 1_780_272_000;

/// Entra tenant of the test data.
pub const TENANT: &str = "4b8e2c1d-7f3a-4e6b-9c5d-2a1f0e3b8d7c";
/// Entra API app (the resource).
pub const API_APP: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
/// Entra client app (signs the user in).
pub const CLIENT_APP: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
/// Okta app (client) id.
pub const OKTA_CID: &str = "0oa8f3k2l9XyZ1abc5d7";
/// Auth0 tenant issuer (with Auth0's trailing slash).
pub const AUTH0_ISS: &str = "https://tokdiag-demo.us.auth0.com/";
/// Auth0 machine-to-machine application id.
pub const AUTH0_M2M: &str = "Xk2f9QeR7bT1mN4pL8sV0wY3zA6cD5gH";
/// Auth0 API identifier.
pub const AUTH0_API: &str = "https://mcp.example.com/api";
/// Keycloak issuer.
pub const KC_ISS: &str = "https://sso.example.com/realms/mcp";
/// Google OAuth client id.
pub const GOOGLE_CLIENT: &str =
    "123456789012-k2f9qer7bt1mn4pl8sv0wy3za6cd5gh0.apps.googleusercontent.com";

/// A path under testdata/idps.
pub fn idp(rel: &str) -> String {
    // Relative to the package root (the working directory of cargo's tests and of the binary they
    // start), so human output, and where it wraps, does not depend on where the repo is cloned.
    format!("testdata/idps/{rel}")
}

/// The 1-based line of the first line of testdata/idps/`rel` containing `needle`.
pub fn line_of(rel: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(idp(rel)).expect("testdata/idps file");
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle} not in {rel}"))
}

/// `tokdiag` with a private cache, no colour, and `--now now`, run from the repository root.
pub fn tokdiag_at(cache: &Path, now: i64) -> Command {
    let mut c = super::tokens::tokdiag_now(cache, now);
    c.current_dir(root());
    c
}

/// `explain --config testdata/idps/<config> --jwks testdata/idps/jwks.json [extra] @testdata/idps/<token>`.
fn explain_cmd(cache: &Path, config: &str, token: &str, extra: &[&str], now: i64) -> Command {
    let mut c = tokdiag_at(cache, now);
    c.args(["explain", "--config", &idp(config)]);
    if !extra.contains(&"--discovery-url") {
        c.args(["--jwks", &idp("jwks.json")]);
    }
    c.args(extra).arg(format!("@{}", idp(token)));
    c
}

/// `explain` offline (or online with `--discovery-url` in `extra`), as JSON.
pub fn explain_json(config: &str, token: &str, extra: &[&str]) -> (i32, Value) {
    explain_json_at(config, token, extra, NOW)
}

/// [`explain_json`] at another time.
pub fn explain_json_at(config: &str, token: &str, extra: &[&str], now: i64) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    run_json(explain_cmd(dir.path(), config, token, extra, now))
}

/// `explain` as a user reads it: (exit code, stdout).
pub fn explain_human(config: &str, token: &str, extra: &[&str]) -> (i32, String) {
    explain_human_at(config, token, extra, NOW)
}

/// [`explain_human`] at another time.
pub fn explain_human_at(config: &str, token: &str, extra: &[&str], now: i64) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, _) = run(explain_cmd(dir.path(), config, token, extra, now));
    (code, out)
}

/// `decode @testdata/idps/<token>`: (exit code, stdout), with `--json` when asked.
pub fn decode(token: &str, json: bool) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = tokdiag_at(dir.path(), NOW);
    c.args(["decode", &format!("@{}", idp(token))]);
    if json {
        c.arg("--json");
    }
    let (code, out, _) = run(c);
    (code, out)
}

/// A loopback OIDC issuer: `GET /.well-known/openid-configuration` answers a discovery document
/// whose `issuer` is the one given (which may name another host: a proxy or emulator), and
/// `GET /.well-known/jwks.json` answers testdata/idps/jwks.json. Lives until the test process ends.
pub struct OidcServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl OidcServer {
    /// Starts serving `issuer`'s discovery document.
    pub fn start(issuer: &str) -> OidcServer {
        // The document names the server's own JWKS URL, known once it is bound.
        let discovery: Arc<OnceLock<String>> = Arc::default();
        let jwks = std::fs::read_to_string(idp("jwks.json")).expect("jwks");
        let doc = discovery.clone();
        let server = Server::start(move |req| match req.path() {
            "/.well-known/openid-configuration" => {
                Reply::json(200, doc.get().cloned().unwrap_or_default())
            }
            "/.well-known/jwks.json" => Reply::json(200, jwks.clone()),
            _ => Reply::json(404, "{\"error\":\"not found\"}"),
        });
        let base = server.base.clone();
        let _ = discovery.set(
            json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{}authorize", with_slash(issuer)),
                "token_endpoint": format!("{}oauth/token", with_slash(issuer)),
                "jwks_uri": format!("{base}/.well-known/jwks.json"),
                "response_types_supported": ["code", "token", "id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })
            .to_string(),
        );
        OidcServer { base }
    }

    /// The discovery URL.
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.base)
    }
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}
