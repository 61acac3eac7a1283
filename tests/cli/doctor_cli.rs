//! `tokdiag doctor`, and the whole local stack end to end: a moto user pool (Cognito emulator), a
//! config whose discoveryUrl points at it, `tokdiag proxy` in front of the Python MCP server, and
//! `login → explain → invoke tools/list → tools/call validate_content` — by hand, through
//! `doctor`, and through examples/test-invocation.sh.

use std::path::{Path, PathBuf};

use crate::support::mcp::*;
use crate::support::moto::{Moto, PASSWORD, Pool};
use crate::support::tokens::*;
use serde_json::Value;

fn doctor(cache: &Path) -> assert_cmd::Command {
    let mut c = tokdiag(cache);
    c.env_remove("TOKDIAG_USERNAME")
        .env_remove("TOKDIAG_PASSWORD")
        .env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
        .current_dir(cache)
        .arg("doctor");
    c
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn all_green_offline_against_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = seed_cfg();
    let jwks = testdata("jwks.json");
    let p = Proxy::start(
        dir.path(),
        &["--config", &cfg, "--jwks", &jwks, "--upstream", &mcp_url()],
    );
    let mut c = doctor(dir.path());
    c.args([
        "--config",
        &cfg,
        "--jwks",
        &jwks,
        "--url",
        &p.url(),
        "--token",
        &mint(&access_claims()),
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("tokdiag doctor — agent mcp_server ({cfg})")
    );
    assert_eq!(
        lines[1],
        format!(
            "✓ config   agent mcp_server ({cfg}): customJWTAuthorizer with allowedClients [{CLIENT}]"
        )
    );
    assert!(
        lines[2].starts_with("✓ keys     7 keys (rsa-1, "),
        "{}",
        lines[2]
    );
    assert!(
        lines[2].ends_with(&format!("(offline); issuer {ISSUER}")),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "✓ token    Cognito access token from --token, expires in 50 min"
    );
    assert_eq!(lines[4], "✓ explain  accepted: every check passes");
    assert_eq!(
        lines[5],
        format!(
            "✓ invoke   initialize + tools/list at {}: 2 tools (validate_content, echo)",
            p.url()
        )
    );
    assert_eq!(lines.len(), 6);
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn id_token_fails_explain_and_invoke_and_prints_the_first_fix() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = seed_cfg();
    let jwks = testdata("seed/jwks.json");
    let p = Proxy::start(
        dir.path(),
        &["--config", &cfg, "--jwks", &jwks, "--upstream", &mcp_url()],
    );
    let mut c = doctor(dir.path());
    c.args([
        "--config",
        &cfg,
        "--jwks",
        &jwks,
        "--url",
        &p.url(),
        "--token",
    ])
    .arg(format!("@{}", testdata("seed/id-token.jwt")));
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        out.contains("✗ explain  rejected: client_id — Missing client_id. Expected one of: 3ipsf00btbffko91d8irdu8up1 [id-token-for-allowed-clients]\n"),
        "{out}"
    );
    assert!(
        out.contains("✗ invoke   claim-mismatch (initialize → HTTP 401): "),
        "{out}"
    );
    assert!(
        out.contains("\nfix (explain): send the access token instead: "),
        "{out}"
    );
}

#[test]
fn no_token_non_interactively_names_the_login_command() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = seed_cfg();
    let mut c = doctor(dir.path());
    c.args([
        "--config",
        &cfg,
        "--jwks",
        &testdata("seed/jwks.json"),
        "--username",
        "alice",
    ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 2);
    let steps = v["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["config", "keys", "token", "explain", "invoke"]);
    let statuses: Vec<&str> = steps
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "pass", "fail", "skip", "skip"]);
    assert_eq!(
        steps[2]["message"],
        "no token cached for alice, and signing in needs a password (no TTY, no TOKDIAG_PASSWORD)"
    );
    assert_eq!(
        steps[2]["fixes"][0],
        format!(
            "tokdiag login --config {cfg} --username alice (prompts for the password), or set TOKDIAG_PASSWORD"
        )
    );
}

#[test]
fn missing_config_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = doctor(dir.path());
    c.args(["--token", &mint(&access_claims())]);
    let (code, out, _) = run(c);
    assert_eq!(code, 2);
    assert!(out.contains("✗ config   no config: ./.bedrock_agentcore.yaml does not exist and no --config was given\n"), "{out}");
    assert!(
        out.contains(
            "– invoke   skipped: no agent_arn in the config (not deployed yet?) and no --url or --gateway-url\n"
        ),
        "{out}"
    );
}

#[test]
fn unreachable_discovery_is_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::jwks_server::closed_port();
    let yaml = agentcore_yaml(
        dir.path(),
        &format!("http://127.0.0.1:{port}/us-east-1_h0Vo2Whhx/.well-known/openid-configuration"),
        CLIENT,
    );
    let mut c = doctor(dir.path());
    c.env("TOKDIAG_HTTP_TIMEOUT_MS", "2000")
        .arg("--config")
        .arg(&yaml)
        .args(["--token", &mint(&access_claims())]);
    let (code, out, _) = run(c);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("✗ keys     discovery/JWKS not reachable: "),
        "{out}"
    );
    assert!(out.contains("✗ explain  unknown: "), "{out}");
}

// ---- the local stack, with the Cognito emulator -------------------------------------------------

fn agentcore_yaml(dir: &Path, discovery: &str, client: &str) -> PathBuf {
    let p = dir.join("agent.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: mcp_server.py\n    aws:\n      region: us-east-1\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {discovery}\n        allowedClients:\n          - {client}\n"
        ),
    )
    .unwrap();
    p
}

/// A moto pool with user alice, a config pointing at it, and a proxy in front of the MCP server
/// (keys fetched from the emulator at start, evaluated at the real clock: moto signs with it).
struct Stack {
    dir: tempfile::TempDir,
    pool: Pool,
    yaml: PathBuf,
    proxy: Proxy,
}

fn stack() -> Stack {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let dir = tempfile::tempdir().unwrap();
    let yaml = agentcore_yaml(dir.path(), &pool.discovery_url(), &pool.client_id);
    let y = yaml.display().to_string();
    let proxy = Proxy::start_at(
        dir.path(),
        None,
        &["--config", &y, "--upstream", &mcp_url()],
    );
    Stack {
        dir,
        pool,
        yaml,
        proxy,
    }
}

/// tokdiag at the real clock (the emulator's tokens are issued now), private cache.
fn live(s: &Stack) -> assert_cmd::Command {
    let mut c = hermetic(s.dir.path());
    c.env("TOKDIAG_PASSWORD", PASSWORD)
        .arg("--cache-dir")
        .arg(s.dir.path())
        .arg("--config")
        .arg(&s.yaml)
        .args(["--endpoint-url", &s.pool.url]);
    c
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn end_to_end_emulator_login_explain_invoke_through_the_proxy() {
    let s = stack();
    let mut c = live(&s);
    c.args(["login", "--username", "alice"]);
    let (code, token, err) = run(c);
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();

    let mut c = live(&s);
    c.args(["explain", &token]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("✓ ACCEPTED"), "{out}");

    // invoke with the cached login (no --token)
    let mut c = live(&s);
    c.args(["invoke", "--url", &s.proxy.url()]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("2 tools\n"), "{out}");

    let mut c = live(&s);
    c.args([
        "--json",
        "invoke",
        "--url",
        &s.proxy.url(),
        "--tool",
        "validate_content",
    ])
    .args(["--args", r#"{"content":"release notes for 1.0"}"#]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["structuredContent"]["valid"], true);

    // The ID token of the same login: the incident's 401, named.
    let mut c = live(&s);
    c.args(["login", "--username", "alice", "--print", "id"]);
    let (_, id, _) = run(c);
    let mut c = live(&s);
    c.args(["invoke", "--url", &s.proxy.url(), "--token", id.trim()]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ claim-mismatch (initialize) — the endpoint answered HTTP 401\n"),
        "{out}"
    );
    assert!(out.contains("  ✗ id-token-for-allowed-clients  ["), "{out}");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn doctor_signs_in_and_goes_all_green_on_the_emulator_stack() {
    let s = stack();
    let mut c = live(&s);
    c.args(["doctor", "--username", "alice", "--url", &s.proxy.url()]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[1].starts_with("✓ config "), "{out}");
    // moto's discovery document names the real Cognito issuer, not the URL it is reached at:
    // true, and said (a warn, not a failure; the tokens carry the issuer the document claims).
    assert!(
        lines[2].starts_with("! keys ") && lines[2].ends_with(" (discovery-issuer-mismatch)"),
        "{out}"
    );
    assert_eq!(
        out.matches("\nwarning (discovery-issuer-mismatch): the discovery document at ")
            .count(),
        1,
        "{out}"
    );
    assert!(
        lines[3].starts_with("✓ token    Cognito access token from tokdiag login as alice"),
        "{out}"
    );
    assert_eq!(lines[4], "✓ explain  accepted: every check passes");
    assert!(
        lines[5].ends_with(": 2 tools (validate_content, echo)"),
        "{out}"
    );
    // The login was cached: a second run needs no password.
    let mut c = live(&s);
    c.env_remove("TOKDIAG_PASSWORD")
        .args(["doctor", "--url", &s.proxy.url()]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("✓ token    Cognito access token from the login cache"),
        "{out}"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn test_invocation_script_runs_against_the_stack() {
    let s = stack();
    let bin = assert_cmd::cargo::cargo_bin("tokdiag");
    let run_script = |content: &str| {
        std::process::Command::new("bash")
            .arg(root().join("examples/test-invocation.sh"))
            .current_dir(s.dir.path())
            .env("TOKDIAG", &bin)
            .env("CONFIG", &s.yaml)
            .env("MCP_URL", s.proxy.url())
            .env(
                "TOKDIAG_ARGS",
                format!(
                    "--endpoint-url {} --cache-dir {} --color never",
                    s.pool.url,
                    s.dir.path().display()
                ),
            )
            .env("TOKDIAG_USERNAME", "alice")
            .env("TOKDIAG_PASSWORD", PASSWORD)
            .env("TEST_CONTENT", content)
            .output()
            .expect("run the script")
    };
    let out = run_script("a perfectly fine sentence");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{err}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.ends_with("test-invocation: OK\n"), "{err}");

    // Content the tool refuses: non-zero exit, named step.
    let out = run_script("this has a TODO in it");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "test-invocation: FAILED at validate_content: the content was not valid (exit 1)"
        ),
        "{err}"
    );
}

// ---- IAM resources: credentials instead of a token, SigV4 calls ----

fn iam_cfg() -> String {
    testdata("configs/toolkit/iam-null.yaml")
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn iam_runtime_credentials_found_and_a_signed_call() {
    // A server of its own: /debug/last-request must be this test's request.
    let server = PyServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let mut c = doctor(dir.path());
    with_creds(&mut c, dir.path());
    c.args(["--config", &iam_cfg(), "--url", &server.url]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    let cfg = iam_cfg();
    assert_eq!(
        out,
        format!(
            "tokdiag doctor — agent mcp_server ({cfg})\n\
             ✓ config       agent mcp_server ({cfg}): IAM authorizer (authorizer_configuration: null): calls are signed with SigV4, bearer tokens are refused\n\
             – keys         skipped: IAM authorizer (SigV4), no JWT keys to check\n\
             ✓ credentials  AWS credentials found: environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) (access key {KEY_ID}, temporary), signing for bedrock-agentcore in us-east-1\n\
             – explain      skipped: SigV4 call, no bearer token to evaluate\n\
             ✓ invoke       initialize + tools/list at {}: 2 tools (validate_content, echo)\n",
            server.url
        )
    );
    // What reached the server was signed.
    let base = server.url.trim_end_matches("/mcp").to_string();
    let (_, _, body) = http(&format!("{base}/debug/last-request"), "GET", &[], "").unwrap();
    let v: Value = serde_json::from_str(&body).unwrap();
    let auth = v["headers"]["authorization"].as_str().unwrap();
    assert!(
        auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={KEY_ID}/")),
        "{auth}"
    );
}

#[test]
fn iam_runtime_without_credentials_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = doctor(dir.path());
    no_aws(&mut c, dir.path());
    c.args(["--config", &iam_cfg(), "--json"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 2, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps[2]["name"], "credentials");
    assert_eq!(steps[2]["status"], "fail");
    assert!(
        steps[2]["message"]
            .as_str()
            .unwrap()
            .starts_with("no AWS credentials for the SigV4 call: ")
    );
    assert!(
        steps[2]["fixes"][0]
            .as_str()
            .unwrap()
            .contains("AWS_ACCESS_KEY_ID")
    );
    assert_eq!(steps[4]["name"], "invoke");
    assert_eq!(steps[4]["message"], "skipped: no AWS credentials");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn gateway_url_is_what_doctor_invokes() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = doctor(dir.path());
    c.args([
        "--gateway-url",
        &mcp_ts_url(),
        "--token",
        &mint(&access_claims()),
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 2, "no config: {out}");
    assert!(
        out.contains(&format!(
            "✓ invoke   initialize + tools/list at {} (gateway): 2 tools (validate_content, echo)\n",
            mcp_ts_url()
        )),
        "{out}"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn a_configs_gateway_is_invoked_at_its_gateway_url() {
    // A get-gateway JSON whose gatewayUrl is a local server standing in for the gateway.
    let gw = PyServer::start_sdk("typescript", &["--gateway"]);
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(testdata("seed/get-gateway.json")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["gatewayUrl"] = Value::String(gw.url.clone());
    let cfg = dir.path().join("get-gateway.json");
    std::fs::write(&cfg, v.to_string()).unwrap();
    let mut c = doctor(dir.path());
    c.arg("--config")
        .arg(&cfg)
        .args(["--jwks", &testdata("seed/jwks.json")])
        .arg("--token")
        .arg(format!("@{}", testdata("seed/access-token.jwt")));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("tokdiag doctor — gateway tools-gateway ("),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "✓ invoke   initialize + tools/list at {} (gateway): 3 tools (content___validate_content, content___echo, other___echo)\n",
            gw.url
        )),
        "{out}"
    );
}

#[test]
fn agentcore_json_iam_runtime_names_its_authorizer_type() {
    let dir = tempfile::tempdir().unwrap();
    let project = testdata("configs/agentcore-cli/agentcore");
    let mut c = doctor(dir.path());
    no_aws(&mut c, dir.path());
    c.args(["--config", &project, "--agent", "billing_agent"]);
    let (code, out, _) = run(c);
    // Not deployed in the testdata project: no target, and no credentials here.
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("! config       agent billing_agent (") && out.contains("): IAM authorizer (authorizerType AWS_IAM): calls are signed with SigV4, bearer tokens are refused\n"),
        "{out}"
    );
    assert!(
        out.contains("warning (config): for a JWT authorizer use --agent support_agent or --gateway tools (it has one)\n"),
        "{out}"
    );
    assert!(
        out.contains("– credentials  skipped: no target to sign for"),
        "{out}"
    );
}

#[test]
fn an_unresolved_terraform_value_is_the_unknown_reason_and_the_fix() {
    // Before: "unknown: … the signature/issuer could not be checked" and "fix the keys step
    // first", with the keys step green.
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        format!(
            "resource \"aws_bedrockagentcore_agent_runtime\" \"r\" {{\n  agent_runtime_name = \"r\"\n  authorizer_configuration {{\n    custom_jwt_authorizer {{\n      discovery_url   = \"{DISCOVERY}\"\n      allowed_clients = [var.client]\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let mut c = doctor(dir.path());
    c.arg("--config")
        .arg(&tf)
        .args(["--jwks", &testdata("seed/jwks.json"), "--token"])
        .arg(format!("@{}", testdata("seed/access-token.jwt")));
    let (code, out, err) = run(c);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("✗ explain  unknown: the configuration leaves ${var.client} unresolved: supply it with --param var.client=VALUE\n"),
        "{out}"
    );
    assert!(
        out.contains("fix (explain): doctor reads no --param: run `tokdiag explain` with --param var.client=VALUE to decide, or edit the configuration\n"),
        "{out}"
    );
}

#[test]
fn terraform_iam_runtime_names_the_jwt_gateway_with_the_flag_that_selects_it() {
    // Before: "use --agent aws_bedrockagentcore_gateway.gw", which --agent refuses.
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        "resource \"aws_bedrockagentcore_agent_runtime\" \"iam\" {\n  agent_runtime_name = \"iam\"\n}\nresource \"aws_bedrockagentcore_gateway\" \"gw\" {\n  name            = \"gw\"\n  authorizer_type = \"CUSTOM_JWT\"\n  authorizer_configuration {\n    custom_jwt_authorizer {\n      discovery_url   = \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration\"\n      allowed_clients = [\"c\"]\n    }\n  }\n}\n",
    )
    .unwrap();
    let mut c = doctor(dir.path());
    no_aws(&mut c, dir.path());
    c.args(["--config", &tf.display().to_string(), "--agent", "iam"]);
    let (_, out, _) = run(c);
    assert!(
        out.contains("warning (config): for a JWT authorizer use --resource aws_bedrockagentcore_gateway.gw (it has one)\n"),
        "{out}"
    );
}

/// The config's own warnings are in doctor's output too: `diagnoses` with codes in --json (an
/// unquoted account, a placeholder in the ARN), and once each in the human output, escaped.
#[test]
fn config_warnings_have_codes_and_are_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".bedrock_agentcore.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: m.py\n    aws:\n      account: 123456789012\n      region: us-east-1\n    bedrock_agentcore:\n      agent_arn: arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>\u{202e}:runtime/m-abc\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {DISCOVERY}\n        allowedClients: [{CLIENT}]\n"
        ),
    )
    .unwrap();
    let cfg = p.display().to_string();
    let args = |c: &mut assert_cmd::Command| {
        c.arg("--config")
            .arg(&cfg)
            .args(["--jwks", &testdata("seed/jwks.json"), "--token"])
            .arg(format!("@{}", testdata("seed/access-token.jwt")));
    };
    let mut c = doctor(dir.path());
    args(&mut c);
    c.arg("--json");
    let (_, out, err) = run(c);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let w = v["diagnoses"].as_array().unwrap();
    let codes: Vec<&str> = w.iter().filter_map(|d| d["code"].as_str()).collect();
    assert_eq!(
        codes,
        ["config-account-unquoted", "config-placeholder"],
        "{v:#}"
    );
    assert_eq!(w[0]["severity"], "warning");
    assert_eq!(
        w[0]["fixes"][0],
        format!("at {cfg}:7: quote it: account: '123456789012'")
    );
    assert_eq!(
        w[1]["message"],
        "the ARN's account is a placeholder (<REPLACE-WITH-YOUR-AWS-ACCOUNT>\\u{202e}): arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>\\u{202e}:runtime/m-abc: `tokdiag invoke` cannot build its URL"
    );
    let mut c = doctor(dir.path());
    args(&mut c);
    let (_, out, err) = run(c);
    assert!(
        !out.contains('\u{202e}') && !err.contains('\u{202e}'),
        "{out}{err}"
    );
    assert_eq!(
        out.matches("warning (config-account-unquoted): aws.account (line 7) is written unquoted as 123456789012, which YAML reads as an integer").count(),
        1,
        "{out}"
    );
    assert_eq!(
        out.matches("warning (config-placeholder): the ARN's account is a placeholder")
            .count(),
        1,
        "{out}"
    );
}
