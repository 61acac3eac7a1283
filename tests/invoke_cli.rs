//! `tokdiag invoke`: the request it builds (URL from the ARN, headers, session id), JSON and SSE
//! answers from the real Python MCP server, and one test per failure it names. Statuses only the
//! hosted service produces (424, 400 short session id, 403 method mismatch) come from a loopback
//! stub; the rest from the Python server (scripts/test.sh) or `tokdiag proxy` (tests/proxy_cli.rs).

mod support;

use serde_json::{Value, json};
use support::mcp::*;
use support::tokens::*;

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-AbCdEf1234";
const ESCAPED: &str =
    "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-AbCdEf1234";

fn seed_cfg() -> String {
    testdata("seed/.bedrock_agentcore.yaml")
}

fn invoke(cache: &std::path::Path) -> assert_cmd::Command {
    let mut c = tokdiag(cache);
    c.env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT").arg("invoke");
    c
}

#[test]
fn dry_run_prints_the_exact_requests_and_curl_without_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = mint(&access_claims());
    let mut c = invoke(dir.path());
    c.args(["--config", &seed_cfg(), "--token", &token, "--session-id"])
        .arg("tokdiag-00000000-0000-0000-0000-000000000000")
        .args([
            "--tool",
            "validate_content",
            "--args",
            r#"{"content":"hello"}"#,
            "--dry-run",
        ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert!(!out.contains(&token), "the token must never be printed");
    let url = format!(
        "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/{ESCAPED}/invocations?qualifier=DEFAULT"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        &lines[..7],
        &[
            "# 1. initialize",
            &format!("POST {url}"),
            "Authorization: Bearer $TOKEN",
            "Content-Type: application/json",
            "Accept: application/json, text/event-stream",
            "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id: tokdiag-00000000-0000-0000-0000-000000000000",
            "",
        ][..]
    );
    assert!(out.contains(&format!(
        "curl -sS -X POST '{url}' \\\n  -H \"Authorization: Bearer $TOKEN\" \\\n"
    )));
    assert!(out.contains("# 3. tools/call\n"));
    assert!(out.contains(r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"validate_content","arguments":{"content":"hello"}}}"#));
    assert!(out.contains("Mcp-Session-Id: $MCP_SESSION_ID\nMCP-Protocol-Version: 2025-06-18\n"));
}

#[test]
fn dry_run_json_uses_the_runtime_endpoint_override_and_qualifier() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.env("BEDROCK_AGENTCORE_DP_ENDPOINT", "http://127.0.0.1:9/")
        .args([
            "--arn",
            ARN,
            "--qualifier",
            "v2",
            "--token",
            "a.b.c",
            "--dry-run",
        ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    let r = &v["requests"];
    assert_eq!(r.as_array().unwrap().len(), 3);
    assert_eq!(
        r[0]["url"],
        format!("http://127.0.0.1:9/runtimes/{ESCAPED}/invocations?qualifier=v2")
    );
    assert_eq!(r[0]["headers"]["Authorization"], "Bearer $TOKEN");
    let sid = r[0]["headers"]["X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"]
        .as_str()
        .unwrap();
    assert!(sid.len() >= 33 && sid.starts_with("tokdiag-"), "{sid}");
    assert_eq!(r[2]["step"], "tools/list");
    assert_eq!(
        r[2]["body"],
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    );
}

#[test]
fn no_target_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.current_dir(dir.path()).args(["--token", "a.b.c"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.contains("tokdiag: error: no target: nothing to invoke"),
        "{err}"
    );
}

#[test]
fn bad_arn_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--arn", "arn:aws:s3:::bucket", "--dry-run"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.contains("not an AgentCore runtime ARN: arn:aws:s3:::bucket"),
        "{err}"
    );
}

/// Invokes `--arn` with the data-plane endpoint at a stub answering `status`/`body`.
fn against_stub(status: u16, body: &str, extra: &[&str]) -> (i32, String, Stub) {
    let stub = Stub::start(status, &[], body);
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--runtime-endpoint",
        &stub.base,
        "--arn",
        ARN,
        "--token",
        &mint(&access_claims()),
    ])
    .args(extra);
    let (code, out, _) = run(c);
    (code, out, stub)
}

#[test]
fn sends_the_headers_agentcore_needs_and_names_the_424_init_timeout() {
    let (code, out, stub) = against_stub(
        424,
        r#"{"message":"Runtime initialization time exceeded. Please make sure that initialization completes in 120s."}"#,
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ runtime-init-timeout (initialize) — the endpoint answered HTTP 424\n  \
         the runtime did not start in time (424): the container did not become healthy\n  \
         server says: Runtime initialization time exceeded. Please make sure that initialization completes in 120s.\n  \
         fix: read the runtime's CloudWatch logs: the container must start within 120 s and listen on 0.0.0.0:8000, path /mcp (ARM64 image)\n  \
         fix: retry once: the first call of a new session starts a microVM\n"
    );
    let got = stub.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(
        r.target,
        format!("/runtimes/{ESCAPED}/invocations?qualifier=DEFAULT")
    );
    assert_eq!(
        r.header("accept"),
        Some("application/json, text/event-stream")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("authorization").unwrap().starts_with("Bearer eyJ"));
    let sid = r
        .header("x-amzn-bedrock-agentcore-runtime-session-id")
        .unwrap();
    assert!(sid.len() >= 33, "{sid}");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["method"], "initialize");
    assert_eq!(body["params"]["protocolVersion"], "2025-06-18");
}

#[test]
fn short_session_id_400() {
    let (code, out, stub) = against_stub(
        400,
        r#"{"message":"1 validation error detected: Value 'short' at 'runtimeSessionId' failed to satisfy constraint: Member must have length greater than or equal to 33"}"#,
        &["--session-id", "short"],
    );
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ session-id-too-short (initialize) — the endpoint answered HTTP 400\n"),
        "{out}"
    );
    assert!(out.contains("  the runtime session id is too short: 5 characters sent, AgentCore needs at least 33\n"), "{out}");
    assert_eq!(
        stub.received()[0].header("x-amzn-bedrock-agentcore-runtime-session-id"),
        Some("short")
    );
}

#[test]
fn authorization_method_mismatch_403() {
    let (code, out, _) = against_stub(
        403,
        r#"{"message":"Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. Check the agent's authorization configuration and ensure your request uses the matching method (OAuth or SigV4)"}"#,
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ auth-method-mismatch (initialize) — the endpoint answered HTTP 403\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "call it with SigV4 (boto3 invoke_agent_runtime) or configure a JWT authorizer"
        ),
        "{out}"
    );
}

#[test]
fn service_406_json_names_the_accept_header() {
    let (code, out, _) = against_stub(
        406,
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"Accept Header Error - MCP protocol requires Accept header: application/json, text/event-stream"}}"#,
        &["--accept", "*/*", "--json"],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["code"], "accept-rejected-by-service");
    assert_eq!(v["error"]["status"], 406);
    assert_eq!(
        v["error"]["message"],
        "AgentCore refused the Accept header (sent: */*): MCP requires both application/json and text/event-stream, listed literally"
    );
    assert_eq!(v["error"]["jsonrpc_error"]["code"], -32011);
}

#[test]
fn unreachable_host_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::jwks_server::closed_port();
    let mut c = invoke(dir.path());
    c.args(["--url", &format!("http://127.0.0.1:{port}/mcp")]);
    let (code, out, err) = run(c);
    assert_eq!(code, 3);
    assert_eq!(out, "");
    assert!(
        err.contains(&format!(
            "tokdiag: error: cannot connect to http://127.0.0.1:{port}/mcp"
        )),
        "{err}"
    );
}

#[test]
fn timeout_exits_3() {
    let stub = Stub::hang();
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &format!("{}/mcp", stub.base), "--timeout", "1"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 3);
    assert!(err.contains("within 1 s"), "{err}");
}

// ---- against the real Python MCP server (scripts/test.sh) ----

#[test]
fn lists_tools_with_their_input_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url()]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "2 tools\n\nvalidate_content\n  Validate a piece of text content.\n  input:\n    content  string  required\n    rules    array of string | null  default null\n\necho\n  Return the text unchanged.\n  input:\n    text  string  required\n"
    );
    assert!(err.contains("server tokdiag-test-mcp"), "{err}");
}

#[test]
fn calls_validate_content_with_test_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--url",
        &mcp_url(),
        "--tool",
        "validate_content",
        "--args",
        r#"{"content":"ship it TODO"}"#,
    ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    assert_eq!(v["isError"], false);
    assert_eq!(v["structuredContent"]["valid"], false);
    assert_eq!(v["structuredContent"]["issues"][0]["word"], "TODO");

    let mut c = invoke(dir.path());
    c.args([
        "--url",
        &mcp_url(),
        "--tool",
        "echo",
        "--args",
        r#"{"text":"hello"}"#,
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert_eq!(out, "✓ echo\nhello\n");
}

#[test]
fn tool_error_result_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--url",
        &mcp_url(),
        "--tool",
        "validate_content",
        "--args",
        r#"{"content":"x","rules":["nope"]}"#,
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ validate_content: the tool reported an error\n"),
        "{out}"
    );
    assert!(out.contains("unknown rule(s): nope"), "{out}");
}

#[test]
fn json_response_server_works_too() {
    let server = PyServer::start(&["--json-response"]);
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &server.url]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    assert_eq!(v["tools"][0]["name"], "validate_content");
}

#[test]
fn container_406_when_accept_is_a_wildcard() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--accept", "*/*"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ accept-rejected-by-server (initialize) — the endpoint answered HTTP 406\n  \
         the MCP server refused the Accept header (sent: */*): it must list both application/json and text/event-stream (JSON-RPC -32600 from the server itself, not from AgentCore)\n  \
         server says: Not Acceptable: Client must accept both application/json and text/event-stream\n  \
         fix: send `Accept: application/json, text/event-stream` (wildcards such as */* are refused)\n"
    );
}

#[test]
fn unsupported_protocol_version_400() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--protocol-version", "1999-01-01"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ protocol-version-unsupported (notifications/initialized) — the endpoint answered HTTP 400\n"), "{out}");
    assert!(
        out.contains(
            "  fix: send one of the versions it supports: 2024-11-05, 2025-03-26, 2025-06-18"
        ),
        "{out}"
    );
}

#[test]
fn json_rpc_error_in_a_200_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--method", "no/such/method"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ jsonrpc-error (no/such/method) — the server answered HTTP 200\n"),
        "{out}"
    );
    assert!(out.contains("  server says: "), "{out}");
}

#[test]
fn any_method_with_params() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--method", "ping"]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    assert_eq!(v, json!({}));
}

#[test]
fn verbose_redacts_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = mint(&access_claims());
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--token", &token, "--verbose"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0);
    assert!(err.contains("> Authorization: Bearer $TOKEN"), "{err}");
    assert!(err.contains("< HTTP 200"), "{err}");
    assert!(!err.contains(&token));
}
