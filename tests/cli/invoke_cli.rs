//! `tokdiag invoke`: the request it builds (URL from the ARN, headers, session id), JSON and SSE
//! answers from the real Python MCP server, and one test per failure it names. Statuses only the
//! hosted service produces (424, 400 short session id, 403 method mismatch) come from a loopback
//! stub; the rest from the Python server (scripts/test.sh) or `tokdiag proxy` (tests/proxy_cli.rs).

use crate::support::mcp::*;
use crate::support::tokens::*;
use serde_json::{Value, json};

const ARN: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-AbCdEf1234";
const ESCAPED: &str =
    "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-AbCdEf1234";

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
    // 2026's body quotes 30 s (2025's said 120 s): the number shown is the body's.
    let (code, out, stub) = against_stub(
        424,
        r#"{"message":"Runtime initialization time exceeded. Please make sure that initialization completes in 30s."}"#,
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ runtime-init-timeout (initialize) — the endpoint answered HTTP 424\n  \
         the runtime did not start in time (424): the container did not become healthy within 30 s\n  \
         server says: Runtime initialization time exceeded. Please make sure that initialization completes in 30s.\n  \
         fix: read the runtime's CloudWatch logs: the container must start within 30 s and listen on 0.0.0.0:8000, path /mcp (ARM64 image)\n  \
         fix: if the server is built on the Python MCP SDK: mcp 2.x removed `mcp.server.fastmcp`, so a server importing FastMCP crashes at start — pin `mcp<2` in its requirements, or move to `from mcp.server.mcpserver import MCPServer` (host, port and stateless_http go to `run()` there)\n  \
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
            "call it with SigV4: `tokdiag invoke --sigv4` (AWS credentials from the standard chain, --profile NAME)"
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
    let port = crate::support::jwks_server::closed_port();
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn container_406_when_accept_is_a_wildcard() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--accept", "*/*"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ accept-rejected-by-server (initialize) — the endpoint answered HTTP 406\n  \
         the MCP server (Python MCP SDK 1.x) refused the Accept header (sent: */*): it must list both application/json and text/event-stream (JSON-RPC -32600 from the server itself, not from AgentCore)\n  \
         server says: Not Acceptable: Client must accept both application/json and text/event-stream\n  \
         fix: send `Accept: application/json, text/event-stream`: the Python MCP SDK 1.x needs both types listed literally and refuses wildcards such as */* (curl's default)\n"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn any_method_with_params() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_url(), "--method", "ping"]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    assert_eq!(v, json!({}));
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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

// ---- the three MCP server SDKs (scripts/test.sh starts Python 1.x, Python 2.x, TypeScript) ----

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn every_sdk_lists_and_calls_tools_and_answers_ping() {
    for (sdk, url) in sdk_servers() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = invoke(dir.path());
        c.args(["--url", &url]);
        let (code, v) = run_json(c);
        assert_eq!(code, 0, "{sdk}: {v}");
        let names: Vec<&str> = v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["validate_content", "echo"], "{sdk}");

        let mut c = invoke(dir.path());
        c.args([
            "--url",
            &url,
            "--tool",
            "validate_content",
            "--args",
            r#"{"content":"ship it TODO"}"#,
        ]);
        let (code, v) = run_json(c);
        assert_eq!(code, 0, "{sdk}: {v}");
        assert_eq!(v["structuredContent"]["valid"], false, "{sdk}: {v}");
        assert_eq!(v["structuredContent"]["issues"][0]["word"], "TODO", "{sdk}");

        let mut c = invoke(dir.path());
        c.args([
            "--url",
            &url,
            "--tool",
            "echo",
            "--args",
            r#"{"text":"hi"}"#,
        ]);
        let (code, out, _) = run(c);
        assert_eq!((code, out.as_str()), (0, "✓ echo\nhi\n"), "{sdk}");

        let mut c = invoke(dir.path());
        c.args(["--url", &url, "--method", "ping"]);
        let (code, v) = run_json(c);
        assert_eq!((code, v), (0, json!({})), "{sdk}");

        // --dry-run sends nothing and prints the same requests whatever the server.
        let mut c = invoke(dir.path());
        c.args(["--url", &url, "--method", "ping", "--dry-run"]);
        let (code, out, _) = run(c);
        assert_eq!(code, 0, "{sdk}");
        assert!(
            out.starts_with(&format!("# 1. initialize\nPOST {url}\n")),
            "{out}"
        );
        assert!(out.contains("\"method\":\"ping\""), "{out}");
    }
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn every_sdk_in_json_response_mode() {
    for sdk in ["python-1", "python-2", "typescript"] {
        let s = PyServer::start_sdk(sdk, &["--json-response"]);
        let dir = tempfile::tempdir().unwrap();
        let mut c = invoke(dir.path());
        c.args(["--url", &s.url, "--verbose"]);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{sdk}: {err}");
        assert!(out.starts_with("2 tools\n"), "{sdk}: {out}");
        assert!(
            err.contains("< content-type: application/json"),
            "{sdk}: {err}"
        );
        assert!(!err.contains("text/event-stream\n<"), "{sdk}");
    }
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn accept_wildcard_python2_accepts_it_python1_and_typescript_refuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp2_url(), "--accept", "*/*"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("2 tools\n"), "{out}");

    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_ts_url(), "--accept", "*/*"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ accept-rejected-by-server (initialize) — the endpoint answered HTTP 406\n  \
         the MCP server (TypeScript MCP SDK) refused the Accept header (sent: */*): it must list both application/json and text/event-stream (JSON-RPC -32000 from the server itself, not from AgentCore)\n  \
         server says: Not Acceptable: Client must accept both application/json and text/event-stream\n  \
         fix: send `Accept: application/json, text/event-stream`: the TypeScript MCP SDK needs both types listed, even with enableJsonResponse; it refuses */* and application/json alone\n"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn accept_application_json_alone_typescript_refuses_it_even_in_json_mode() {
    let ts = PyServer::start_sdk("typescript", &["--json-response"]);
    let py = PyServer::start_sdk("python-1", &["--json-response"]);
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &py.url, "--accept", "application/json"]);
    let (code, _, err) = run(c);
    assert_eq!(
        code, 0,
        "python 1.x json_response=True needs application/json only: {err}"
    );

    let mut c = invoke(dir.path());
    c.args(["--url", &ts.url, "--accept", "application/json", "--json"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["code"], "accept-rejected-by-server");
    assert_eq!(v["error"]["sdk"], "typescript");
    assert_eq!(v["error"]["jsonrpc_error"]["code"], -32000);
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn empty_accept_sends_no_accept_header_at_all() {
    // The HTTP client would add `Accept: */*`; `--accept ''` must send none.
    let stub = Stub::start(
        406,
        &[],
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"Accept Header Error - MCP protocol requires Accept header: application/json, text/event-stream"}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--runtime-endpoint",
        &stub.base,
        "--arn",
        ARN,
        "--token",
        "a.b.c",
        "--accept",
        "",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ accept-rejected-by-service (initialize) — the endpoint answered HTTP 406\n  AgentCore refused the Accept header (none sent): "), "{out}");
    let got = stub.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].header("accept"), None, "{:?}", got[0].headers);
    assert_eq!(got[0].header("content-type"), Some("application/json"));
    assert_eq!(got[0].header("authorization"), Some("Bearer a.b.c"));

    // Python 2.x refuses a request without Accept; the diagnosis says none was sent.
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp2_url(), "--accept", ""]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        out.contains("the MCP server (Python MCP SDK 2.x) refused the Accept header (none sent)"),
        "{out}"
    );

    // --dry-run's curl says so too (curl would add */* by itself).
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp2_url(), "--accept", "", "--dry-run"]);
    let (_, out, _) = run(c);
    assert!(!out.contains("Accept: "), "{out}");
    assert!(out.contains(" \\\n  -H 'Accept:' \\\n  --data "), "{out}");
}

#[test]
fn accept_is_listed_in_invoke_help() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.arg("--help");
    let (code, out, _) = run(c);
    assert_eq!(code, 0);
    assert!(out.contains("--accept <VALUE>"), "{out}");
    assert!(out.contains("--protocol-version <VERSION>"), "{out}");
    assert!(out.contains("--sigv4"), "{out}");
    assert!(out.contains("--gateway-url <URL|@JSON>"), "{out}");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn protocol_version_is_asked_for_and_the_negotiated_one_shown() {
    for (sdk, url) in sdk_servers() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = invoke(dir.path());
        c.args([
            "--url",
            &url,
            "--protocol-version",
            "2024-11-05",
            "--verbose",
        ]);
        let (code, _, err) = run(c);
        assert_eq!(code, 0, "{sdk}: {err}");
        assert!(
            err.contains(r#""protocolVersion":"2024-11-05""#),
            "{sdk}: {err}"
        );
        assert!(
            err.contains("> MCP-Protocol-Version: 2024-11-05"),
            "{sdk}: {err}"
        );
        assert!(err.contains(" · protocol 2024-11-05 · "), "{sdk}: {err}");
    }
    // A version the server does not know: it answers with its own, and tokdiag says both.
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--url",
        &mcp2_url(),
        "--protocol-version",
        "2099-01-01",
        "--method",
        "ping",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("note: --protocol-version 2099-01-01 is not an MCP version tokdiag knows"),
        "{err}"
    );
}

#[test]
fn bad_protocol_version_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--url",
        "http://127.0.0.1:9/mcp",
        "--protocol-version",
        "a b",
        "--dry-run",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.contains("--protocol-version a b: not a version"),
        "{err}"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn unknown_protocol_version_header_each_sdk_answers_its_own_way() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args(["--url", &mcp2_url(), "--protocol-version", "1999-01-01"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ protocol-version-unsupported (notifications/initialized) — the endpoint answered HTTP 400\n  the MCP server (Python MCP SDK 2.x) does not know the MCP-Protocol-Version sent (1999-01-01): JSON-RPC -32022, listing only the stateless 2026-07-28 era, whose requests carry the version in params._meta\n"), "{out}");
    assert!(out.contains("  fix: send a handshake version it supports after initialize: 2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25"), "{out}");

    let mut c = invoke(dir.path());
    c.args(["--url", &mcp_ts_url(), "--protocol-version", "1999-01-01"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ protocol-version-unsupported (notifications/initialized) — the endpoint answered HTTP 400\n"), "{out}");
    assert!(out.contains("  fix: send one of the versions it supports: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07\n"), "{out}");
}

#[test]
fn initialize_500_lists_the_fastmcp_import_crash() {
    let (code, out, _) = against_stub(
        500,
        r#"{"message":"An error occurred when starting the runtime. Please check your CloudWatch logs"}"#,
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ runtime-start-failed (initialize) — the endpoint answered HTTP 500\n"),
        "{out}"
    );
    assert!(out.contains("pin `mcp<2` in its requirements, or move to `from mcp.server.mcpserver import MCPServer`"), "{out}");
}

// ---- SigV4 (IAM resources) ----

fn iam_cfg() -> String {
    testdata("configs/toolkit/iam-null.yaml")
}

const IAM_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-VpWbdyCLTH";

#[test]
fn no_credentials_for_sigv4_exits_2_with_the_chains_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    no_aws(&mut c, dir.path());
    c.args(["--config", &iam_cfg(), "--dry-run"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("tokdiag: error: no AWS credentials for the SigV4 call: "),
        "{err}"
    );
    assert!(
        err.contains("hint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{err}"
    );
}

#[test]
fn iam_runtime_dry_run_shows_the_signed_request_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args(["--config", &iam_cfg(), "--dry-run"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(SECRET) && !out.contains(SESSION), "{out}");
    let escaped = IAM_ARN.replace(':', "%3A").replace('/', "%2F");
    assert!(out.starts_with(&format!("# 1. initialize\nPOST https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/{escaped}/invocations?qualifier=DEFAULT\nContent-Type: application/json\n")), "{out}");
    let auth = out
        .lines()
        .find(|l| l.starts_with("Authorization: "))
        .unwrap();
    assert!(
        auth.starts_with(&format!(
            "Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/"
        )),
        "{auth}"
    );
    assert!(auth.contains("/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token;x-amzn-bedrock-agentcore-runtime-session-id, Signature=<redacted>"), "{auth}");
    assert!(
        out.contains("\nX-Amz-Security-Token: <redacted>\n"),
        "{out}"
    );
    assert!(
        out.contains("--aws-sigv4 'aws:amz:us-east-1:bedrock-agentcore'"),
        "{out}"
    );
    assert!(out.contains("# signed with SigV4 (bedrock-agentcore, us-east-1) with credentials from environment variables"), "{out}");
    assert!(err.contains("signing with SigV4 (bedrock-agentcore, us-east-1): credentials from environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"), "{err}");

    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args(["--config", &iam_cfg(), "--dry-run"]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    assert_eq!(v["auth"], "sigv4");
    assert_eq!(v["kind"], "runtime");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(
        v["requests"][0]["headers"]["X-Amz-Security-Token"],
        "<redacted>"
    );
}

#[test]
fn credentials_from_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        format!(
            "[dev]\naws_access_key_id = AKIDPROFILE000000001\naws_secret_access_key = {SECRET}\n"
        ),
    )
    .unwrap();
    let mut c = invoke(dir.path());
    no_aws(&mut c, dir.path());
    c.env("AWS_SHARED_CREDENTIALS_FILE", &creds).args([
        "--arn",
        IAM_ARN,
        "--sigv4",
        "--profile",
        "dev",
        "--dry-run",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Credential=AKIDPROFILE000000001/"), "{out}");
    assert!(!out.contains("X-Amz-Security-Token"), "{out}");
    assert!(
        err.contains("credentials from profile dev (~/.aws/credentials or ~/.aws/config)"),
        "{err}"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn signed_request_verifies_with_botocore() {
    // An independent SigV4 implementation (botocore's SigV4Auth) recomputes the signature of what
    // the stub received: same credentials, same X-Amz-Date, same region and service.
    let stub = Stub::start(
        403,
        &[],
        r#"{"message":"Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request."}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--runtime-endpoint",
        &stub.base,
        "--arn",
        IAM_ARN,
        "--sigv4",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    // The service's 403 for SigV4 at a JWT runtime, when no config said so.
    assert!(out.starts_with("✗ auth-method-mismatch (initialize) — the endpoint answered HTTP 403\n  the runtime uses a JWT authorizer (CUSTOM_JWT), and the request was signed with SigV4 instead of carrying a bearer token\n"), "{out}");
    let r = &stub.received()[0];
    let auth = r.header("authorization").unwrap().to_string();
    let script = r#"
import json, sys, datetime
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
d = json.load(sys.stdin)
signed = d["auth"].split("SignedHeaders=")[1].split(",")[0].split(";")
hdrs = {k: v for k, v in d["headers"] if k in signed and k not in ("host", "x-amz-date", "x-amz-security-token")}
when = datetime.datetime.strptime(d["date"], "%Y%m%dT%H%M%SZ")
botocore.auth.get_current_datetime = lambda: when
req = AWSRequest(method="POST", url=d["url"], data=d["body"].encode(), headers=hdrs)
botocore.auth.SigV4Auth(Credentials(d["key"], d["secret"], d["token"]), "bedrock-agentcore", "us-east-1").add_auth(req)
print(req.headers["Authorization"])
"#;
    let input = json!({
        "auth": auth,
        "headers": r.headers,
        "date": r.header("x-amz-date").unwrap(),
        "url": format!("{}{}", stub.base, r.target),
        "body": r.body,
        "key": KEY_ID, "secret": SECRET, "token": SESSION,
    });
    let mut py = std::process::Command::new(python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    py.stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let o = py.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), auth);
    assert_eq!(r.header("x-amz-security-token"), Some(SESSION));
}

#[test]
fn bearer_token_to_an_iam_runtime_is_a_mismatch_before_sending() {
    let stub = Stub::start(200, &[], "{}");
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--runtime-endpoint",
        &stub.base,
        "--config",
        &iam_cfg(),
        "--token",
        "a.b.c",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        format!(
            "✗ auth-method-mismatch (initialize) — not sent\n  \
             the config says the runtime's authorizer is AWS_IAM ({}): a bearer token gets 403 \"Authorization method mismatch\" — nothing was sent\n  \
             fix: drop --token: tokdiag signs with SigV4 from your AWS credentials (environment, --profile, SSO, instance metadata)\n  \
             fix: or configure a customJWTAuthorizer for the runtime (authorizerType CUSTOM_JWT) and redeploy\n",
            iam_cfg()
        )
    );
    assert!(stub.received().is_empty());
}

#[test]
fn sigv4_to_a_jwt_runtime_is_a_mismatch_before_sending() {
    let stub = Stub::start(200, &[], "{}");
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--runtime-endpoint",
        &stub.base,
        "--config",
        &seed_cfg(),
        "--sigv4",
        "--json",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["code"], "auth-method-mismatch");
    assert_eq!(v["error"]["status"], 0);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("the config says the runtime's authorizer is CUSTOM_JWT")
    );
    assert!(stub.received().is_empty());
}

// ---- gateways ----

#[test]
fn gateway_url_dry_run_bearer_without_runtime_session() {
    let dir = tempfile::tempdir().unwrap();
    let url = "https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp";
    let mut c = invoke(dir.path());
    c.args(["--gateway-url", url, "--token", "a.b.c", "--dry-run"]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0);
    assert_eq!(v["kind"], "gateway");
    assert_eq!(v["auth"], "bearer");
    assert_eq!(v["requests"][0]["url"], url);
    assert_eq!(
        v["requests"][0]["headers"]["Authorization"],
        "Bearer $TOKEN"
    );
    assert!(
        v["requests"][0]["headers"]
            .get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id")
            .is_none()
    );
}

#[test]
fn get_gateway_json_gives_url_and_iam_auth() {
    let dir = tempfile::tempdir().unwrap();
    let gw = dir.path().join("get-gateway.json");
    std::fs::write(
        &gw,
        r#"{"gatewayId":"gw-iam1","gatewayArn":"arn:aws:bedrock-agentcore:ap-southeast-2:123456789012:gateway/gw-iam1","gatewayUrl":"https://gw-iam1.gateway.bedrock-agentcore.ap-southeast-2.amazonaws.com/mcp","protocolType":"MCP","authorizerType":"AWS_IAM"}"#,
    )
    .unwrap();
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args(["--gateway-url", &format!("@{}", gw.display()), "--dry-run"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("# 1. initialize\nPOST https://gw-iam1.gateway.bedrock-agentcore.ap-southeast-2.amazonaws.com/mcp\n"), "{out}");
    assert!(out.contains("/ap-southeast-2/bedrock-agentcore/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature=<redacted>"), "{out}");

    // A bearer token for it is refused before sending.
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--gateway-url",
        &format!("@{}", gw.display()),
        "--token",
        "a.b.c",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ auth-method-mismatch (initialize) — not sent\n  the config says the gateway's authorizer is AWS_IAM"), "{out}");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn gateway_bare_tool_name_picks_the_one_target() {
    let gw = PyServer::start_sdk("typescript", &["--gateway"]);
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--gateway-url",
        &gw.url,
        "--tool",
        "validate_content",
        "--args",
        r#"{"content":"fine"}"#,
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("✓ content___validate_content\n"), "{out}");
    assert!(err.contains("tool validate_content: calling content___validate_content (gateway target content, the only one with that tool)"), "{err}");

    let mut c = invoke(dir.path());
    c.args([
        "--gateway-url",
        &gw.url,
        "--tool",
        "echo",
        "--args",
        r#"{"text":"x"}"#,
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ ambiguous-tool (initialize) — not sent\n  2 gateway targets have a tool echo: content___echo, other___echo\n  fix: name the one to call: --tool content___echo\n"), "{out}");

    let mut c = invoke(dir.path());
    c.args([
        "--gateway-url",
        &gw.url,
        "--tool",
        "other___echo",
        "--args",
        r#"{"text":"x"}"#,
    ]);
    let (code, out, _) = run(c);
    assert_eq!((code, out.as_str()), (0, "✓ other___echo\nx\n"));
}

#[test]
fn gateway_403_for_a_refused_jwt_is_explained() {
    let stub = Stub::start(
        403,
        &[],
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"Forbidden"}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("seed/jwks.json"),
        "--gateway-url",
        &format!("{}/mcp", stub.base),
    ])
    .arg("--token")
    .arg(format!("@{}", testdata("seed/id-token.jwt")));
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ token-refused (initialize) — the endpoint answered HTTP 403\n  the gateway's JWT authorizer refused the token (403)\n  server says: Forbidden\n"), "{out}");
    assert!(out.contains("id-token-for-allowed-clients"), "{out}");
}

#[test]
fn config_gateway_get_gateway_json_dry_run_jwt() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = invoke(dir.path());
    c.args([
        "--config",
        &testdata("seed/get-gateway.json"),
        "--token",
        "a.b.c",
        "--dry-run",
    ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["kind"], "gateway");
    assert_eq!(v["auth"], "bearer");
    assert_eq!(
        v["requests"][0]["url"],
        "https://tools-gateway-k2m4n6p8q0.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
    );
    assert_eq!(
        v["requests"][0]["headers"]["Authorization"],
        "Bearer $TOKEN"
    );

    // A gateway the config knows but that has no URL (a template, not deployed): exit 2.
    let mut c = invoke(dir.path());
    c.args([
        "--config",
        &testdata("seed/cloudformation-gateway.yaml"),
        "--token",
        "a.b.c",
        "--dry-run",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(err.contains("has no URL: it is not deployed yet"), "{err}");
}

// ---- an agentcore/agentcore.json project (new CLI): JWT runtime, IAM runtime, JWT gateway ----

/// The testdata project copied to a temp dir, with the IAM runtime deployed too (the project's
/// deployed state has only the JWT runtime and the gateway).
fn agentcore_project(dir: &std::path::Path) -> std::path::PathBuf {
    let src = root().join("testdata/configs/agentcore-cli/agentcore");
    let dst = dir.join("agentcore");
    std::fs::create_dir_all(dst.join(".cli")).unwrap();
    for f in ["agentcore.json", "aws-targets.json"] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    let state = std::fs::read_to_string(src.join(".cli/deployed-state.json")).unwrap();
    let mut v: Value = serde_json::from_str(&state).unwrap();
    v["targets"]["default"]["resources"]["runtimes"]["billing_agent"] = json!({
        "runtimeId": "billing_agent-Qw12Er34Ty",
        "runtimeArn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/billing_agent-Qw12Er34Ty",
    });
    std::fs::write(dst.join(".cli/deployed-state.json"), v.to_string()).unwrap();
    dst
}

#[test]
fn agentcore_json_dry_run_jwt_runtime_iam_runtime_jwt_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let project = agentcore_project(dir.path());
    let project = project.to_str().unwrap();

    // JWT runtime: bearer token, the deployed ARN's URL.
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--config",
        project,
        "--agent",
        "support_agent",
        "--token",
        "a.b.c",
        "--dry-run",
    ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (v["kind"].as_str(), v["auth"].as_str()),
        (Some("runtime"), Some("bearer"))
    );
    assert_eq!(
        v["requests"][0]["url"],
        "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fsupport_agent-Xy12Ab34Cd/invocations?qualifier=DEFAULT"
    );
    assert_eq!(
        v["requests"][0]["headers"]["Authorization"],
        "Bearer $TOKEN"
    );

    // IAM runtime: SigV4 for us-east-1, no token needed.
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args(["--config", project, "--agent", "billing_agent", "--dry-run"]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (v["kind"].as_str(), v["auth"].as_str()),
        (Some("runtime"), Some("sigv4"))
    );
    assert_eq!(v["region"], "us-east-1");
    assert!(
        v["requests"][0]["url"]
            .as_str()
            .unwrap()
            .contains("runtime%2Fbilling_agent-Qw12Er34Ty/invocations")
    );
    let auth = v["requests"][0]["headers"]["Authorization"]
        .as_str()
        .unwrap();
    assert!(
        auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={KEY_ID}/")),
        "{auth}"
    );
    assert!(auth.ends_with("Signature=<redacted>"), "{auth}");

    // JWT gateway: bearer token, the deployed gatewayUrl, no runtime session header.
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--config",
        project,
        "--gateway",
        "tools",
        "--token",
        "a.b.c",
        "--dry-run",
    ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (v["kind"].as_str(), v["auth"].as_str()),
        (Some("gateway"), Some("bearer"))
    );
    assert_eq!(
        v["requests"][0]["url"],
        "https://tools-q9w8e7r6t5.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
    );
    assert!(
        v["requests"][0]["headers"]
            .get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id")
            .is_none()
    );

    // A bearer token for the IAM runtime: said before sending.
    let mut c = invoke(dir.path());
    with_creds(&mut c, dir.path());
    c.args([
        "--config",
        project,
        "--agent",
        "billing_agent",
        "--token",
        "a.b.c",
    ]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(out.starts_with("✗ auth-method-mismatch (initialize) — not sent\n  the config says the runtime's authorizer is AWS_IAM"), "{out}");
}

/// A template's placeholder account (issue 15): `--dry-run` builds no URL with it, exit 2.
#[test]
fn dry_run_refuses_a_placeholder_account_in_the_arn() {
    let dir = tempfile::tempdir().unwrap();
    let arn = "arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>:runtime/x-abc";
    let mut c = invoke(dir.path());
    c.args([
        "--dry-run",
        "--arn",
        arn,
        "--token",
        "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.",
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "tokdiag: error: the runtime ARN's account is a placeholder (<REPLACE-WITH-YOUR-AWS-ACCOUNT>): {arn}\n  hint: put the real account in the ARN (`agentcore status` or `aws bedrock-agentcore-control list-agent-runtimes` prints the ARN)\n"
        )
    );
}

/// A CloudFormation runtime's ARN is `!GetAtt McpRuntime.AgentRuntimeArn`, known only once the
/// stack is deployed: `--param` supplies it to invoke as it does to explain, after the command
/// name or before it, and `--resource` picks the runtime.
#[test]
fn invoke_takes_the_template_arn_from_param_before_or_after_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let token = mint(&access_claims());
    let cfg = format!(
        "{}/testdata/configs/cloudformation/mcp-runtime.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let param = format!("McpRuntime.AgentRuntimeArn={ARN}");
    let expected = format!(
        "POST https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/{ESCAPED}/invocations?qualifier=DEFAULT"
    );
    let mut after = invoke(dir.path());
    after
        .args([
            "--config",
            &cfg,
            "--resource",
            "McpRuntime",
            "--param",
            &param,
        ])
        .args(["--token", &token, "--dry-run"]);
    let mut before = tokdiag(dir.path());
    before
        .env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
        .args(["--config", &cfg, "--param", &param, "invoke"])
        .args(["--token", &token, "--dry-run"]);
    for c in [after, before] {
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.lines().nth(1), Some(expected.as_str()), "{out}");
    }
    // Without it there is no ARN to call.
    let mut c = invoke(dir.path());
    c.args(["--config", &cfg, "--token", &token, "--dry-run"]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2, "{err}");
}

/// Each refusal arm shows the server's words once (`server says:`), not also in the headline;
/// without them, the body on one escaped line, and only then "see the response body above".
#[test]
fn every_refusal_shows_the_servers_words_once() {
    let said = "Long words from the server \u{1b}[31m that must appear once";
    let esc = "Long words from the server \\u{1b}[31m that must appear once";
    let note =
        "  note: pass --config .bedrock_agentcore.yaml to see which rule refused the token\n";
    let cases: [(u16, &str, String); 5] = [
        (
            403,
            "forbidden (initialize) — the endpoint answered HTTP 403\n  the runtime refused the request (403)",
            format!("{note}  fix: evaluate the token against the config: `tokdiag explain --token \"$TOKEN\"`\n"),
        ),
        (
            404,
            "not-found (initialize) — the endpoint answered HTTP 404\n  nothing answers at this URL (404)",
            "  fix: check the agent ARN, its region and the qualifier (`agentcore status` shows the ARN)\n".into(),
        ),
        (
            429,
            "throttled (initialize) — the endpoint answered HTTP 429\n  throttled (429)",
            "  fix: retry later, with backoff\n".into(),
        ),
        (
            503,
            "server-error (initialize) — the endpoint answered HTTP 503\n  the runtime failed (503)",
            "  fix: read the server's logs (CloudWatch for a runtime); retry once for a transient error\n".into(),
        ),
        (
            200,
            "jsonrpc-error (initialize) — the server answered HTTP 200\n  the server answered initialize with a JSON-RPC error (-32099)",
            "  fix: read the server's message above\n".into(),
        ),
    ];
    for (status, head, tail) in cases {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32099, "message": said}})
            .to_string();
        let (code, out, _stub) = against_stub(status, &body, &[]);
        assert_eq!(code, 1, "{out}");
        let want = format!("✗ {head}\n  server says: {esc}\n{tail}");
        // 503 on initialize also names FastMCP's crash; compare the common prefix there.
        if status == 503 {
            assert!(out.starts_with(&want), "{out}");
        } else {
            assert_eq!(out, want);
        }
        assert_eq!(out.matches("that must appear once").count(), 1, "{out}");
        assert!(!out.contains('\u{1b}'), "{out}");
    }
    // Without a message: the body, escaped, on one line; the fix points at it.
    let (code, out, _stub) = against_stub(429, "{\"retry\":\"later\"}", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ throttled (initialize) — the endpoint answered HTTP 429\n  throttled (429)\n  body: {\"retry\":\"later\"}\n  fix: retry later, with backoff\n"
    );
    let (code, out, _stub) = against_stub(
        200,
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32099}}"#,
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "✗ jsonrpc-error (initialize) — the server answered HTTP 200\n  the server answered initialize with a JSON-RPC error (-32099)\n  body: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32099}}\n  fix: see the response body above\n"
    );
}
