//! Tokens minted at run time with the checked-in test keys, and small CLI helpers.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::Value;

pub use super::json::{check, codes, diag};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under testdata/.
pub fn testdata(rel: &str) -> String {
    root().join("testdata").join(rel).display().to_string()
}

/// The seed's `.bedrock_agentcore.yaml` (the incident tokdiag was born from).
pub fn seed_cfg() -> String {
    testdata("seed/.bedrock_agentcore.yaml")
}

/// The seed's pool, client and issuer.
pub const POOL: &str = "us-east-1_h0Vo2Whhx";
/// The seed's app client.
pub const CLIENT: &str = "3ipsf00btbffko91d8irdu8up1";
/// The seed's issuer.
pub const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx";
/// The seed's discovery URL.
pub const DISCOVERY: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration";
/// A fixed evaluation time: 2026-06-01T00:00:00Z.
pub const NOW: i64 = 1_780_272_000;

/// Signs `claims` with testdata/keys/rsa-1.pem (RS256, kid rsa-1).
pub fn mint(claims: &Value) -> String {
    mint_with("rsa-1.pem", "rsa-1", Algorithm::RS256, claims)
}

/// Signs `claims` with a test key file.
pub fn mint_with(key_file: &str, kid: &str, alg: Algorithm, claims: &Value) -> String {
    let pem = std::fs::read(root().join("testdata/keys").join(key_file)).expect("test key");
    let key = match alg {
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(&pem),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem),
        _ => EncodingKey::from_rsa_pem(&pem),
    }
    .expect("pem");
    let mut h = Header::new(alg);
    h.kid = Some(kid.to_string());
    encode(&h, claims, &key).expect("sign")
}

/// Claims of a Cognito access token for the seed client, valid around [`NOW`].
pub fn access_claims() -> Value {
    serde_json::json!({
        "sub": "c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90",
        "cognito:groups": ["admins"],
        "iss": ISSUER,
        "client_id": CLIENT,
        "origin_jti": "5f0c7a2e-8b1d-4c3e-9a6f-0d2e4b8c1a73",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": NOW - 600,
        "iat": NOW - 600,
        "exp": NOW + 3000,
        "jti": "0a1b2c3d-0000-4000-8000-000000000001",
        "username": "alice"
    })
}

/// The environment variables tokdiag reads that a developer's shell may have set.
pub const CALLER_ENV: [&str; 10] = [
    "TOKDIAG_USERNAME",
    "TOKDIAG_PASSWORD",
    "TOKDIAG_CLIENT_SECRET",
    "TOKDIAG_CACHE_DIR",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "BEDROCK_AGENTCORE_DP_ENDPOINT",
];

/// The one command builder: the tokdiag binary with none of [`CALLER_ENV`] and `NO_COLOR=1`.
/// Every other builder starts from it.
pub fn bare() -> Command {
    let mut c = Command::cargo_bin("tokdiag").expect("binary");
    for v in CALLER_ENV {
        c.env_remove(v);
    }
    c.env("NO_COLOR", "1");
    c
}

/// [`bare`], run in `dir` (so that no implicit ./.bedrock_agentcore.yaml of the caller's is
/// picked up).
pub fn hermetic(dir: &Path) -> Command {
    let mut c = bare();
    c.current_dir(dir);
    c
}

/// [`bare`] with a private cache dir and `--now now`.
pub fn tokdiag_now(cache: &Path, now: i64) -> Command {
    let mut c = bare();
    c.arg("--cache-dir")
        .arg(cache)
        .arg("--now")
        .arg(now.to_string());
    c
}

/// [`bare`] with a private cache dir and the fixed time [`NOW`].
pub fn tokdiag(cache: &Path) -> Command {
    tokdiag_now(cache, NOW)
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().expect("run tokdiag");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs with --json and parses stdout.
pub fn run_json(mut c: Command) -> (i32, Value) {
    c.arg("--json");
    let (code, out, err) = run(c);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}):\n{out}\nstderr:\n{err}")
    });
    (code, v)
}
