//! `tokdiag proxy`: the front door's statuses and bodies (raw HTTP, byte for byte), forwarding to the
//! real Python MCP server, and `tokdiag invoke` naming each failure the proxy produces — the seed's
//! ID token (401 client_id), a missing token, a truncated token, an expired token, curl's
//! `Accept: */*` (406 from the service), a stateful server behind the platform session id (404).
//! Keys come from testdata/jwks.json (offline); time is fixed with --now.

mod support;

use serde_json::{Value, json};
use support::mcp::*;
use support::tokens::*;

fn seed_cfg() -> String {
    testdata("seed/.bedrock_agentcore.yaml")
}

/// A proxy with the seed config and the test JWKS in front of `upstream`.
fn proxy(cache: &std::path::Path, upstream: &str, extra: &[&str]) -> Proxy {
    let cfg = seed_cfg();
    let jwks = testdata("jwks.json");
    let mut args = vec![
        "--config",
        cfg.as_str(),
        "--jwks",
        jwks.as_str(),
        "--upstream",
        upstream,
    ];
    args.extend_from_slice(extra);
    Proxy::start(cache, &args)
}

fn id_token() -> String {
    mint(&json!({
        "sub": "c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90", "aud": CLIENT, "iss": ISSUER,
        "token_use": "id", "cognito:username": "alice", "auth_time": NOW - 600,
        "iat": NOW - 600, "exp": NOW + 3000, "email": "alice@example.com"
    }))
}

fn access_with(exp: i64) -> String {
    let mut c = access_claims();
    c["exp"] = json!(exp);
    mint(&c)
}

fn invoke_via(p: &Proxy, cache: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let mut c = tokdiag(cache);
    c.args([
        "invoke",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("jwks.json"),
        "--url",
        &p.url(),
    ])
    .args(extra);
    run(c)
}

#[test]
fn happy_path_lists_tools_and_calls_validate_content_through_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    let token = mint(&access_claims());
    let (code, out, err) = invoke_via(&p, dir.path(), &["--token", &token]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("2 tools\n\nvalidate_content\n"), "{out}");
    let (code, out, _) = invoke_via(
        &p,
        dir.path(),
        &[
            "--token",
            &token,
            "--tool",
            "validate_content",
            "--args",
            r#"{"content":"all good"}"#,
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("✓ validate_content\n{\n  \"valid\": true,\n"),
        "{out}"
    );
    let line = p.wait_log("→ 200 forwarded (token accepted)");
    assert!(
        line.starts_with("tokdiag proxy: #1 POST /mcp → 200 forwarded (token accepted) ("),
        "{line}"
    );
    p.wait_log("POST /mcp → 202 forwarded");
}

#[test]
fn id_token_gets_the_services_401_and_invoke_explains_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    let token = id_token();
    let (status, headers, body) = post_initialize(&p.url(), &mcp_headers(Some(&token)));
    assert_eq!(status, 401);
    assert_eq!(
        body,
        r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Claim 'client_id' value mismatch with configuration."}}"#
    );
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let line = p.wait_log("→ 401 refused");
    assert!(
        line.contains("check client_id failed [id-token-for-allowed-clients]"),
        "{line}"
    );

    let (code, out, _) = invoke_via(&p, dir.path(), &["--token", &token]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "✗ claim-mismatch (initialize) — the endpoint answered HTTP 401"
    );
    assert_eq!(
        lines[1],
        "  the runtime's JWT authorizer refused the token: its 'client_id' claim does not match the configuration"
    );
    assert_eq!(
        lines[2],
        "  server says: Claim 'client_id' value mismatch with configuration."
    );
    assert!(
        out.contains(
            "  ✗ client_id  missing client_id. Expected one of: 3ipsf00btbffko91d8irdu8up1\n"
        ),
        "{out}"
    );
    assert!(out.contains("  ✗ id-token-for-allowed-clients  ["), "{out}");

    let mut c = tokdiag(dir.path());
    c.args([
        "invoke",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("jwks.json"),
        "--url",
        &p.url(),
        "--token",
        &token,
    ]);
    let (code, v) = run_json(c);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["code"], "claim-mismatch");
    assert_eq!(v["explain"]["verdict"], "rejected");
    assert_eq!(
        v["explain"]["diagnoses"][0]["code"],
        "id-token-for-allowed-clients"
    );
}

#[test]
fn the_seed_tokens_replay_the_incident() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = seed_cfg();
    let jwks = testdata("seed/jwks.json");
    let p = Proxy::start(
        dir.path(),
        &["--config", &cfg, "--jwks", &jwks, "--upstream", &mcp_url()],
    );
    let run_seed = |file: &str| {
        let mut c = tokdiag(dir.path());
        c.args([
            "invoke",
            "--config",
            &cfg,
            "--jwks",
            &jwks,
            "--url",
            &p.url(),
            "--token",
        ])
        .arg(format!("@{}", testdata(file)));
        run(c)
    };
    let (code, out, _) = run_seed("seed/id-token.jwt");
    assert_eq!(code, 1);
    assert!(out.contains("  ✗ id-token-for-allowed-clients  ["), "{out}");
    let (code, out, _) = run_seed("seed/pool-id-client-token.jwt");
    assert_eq!(code, 1);
    assert!(out.contains("  ✗ client-id-is-pool-id  ["), "{out}");
    let (code, out, err) = run_seed("seed/access-token.jwt");
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn missing_or_empty_authorization_gets_401_with_resource_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    for h in [mcp_headers(None), {
        let mut h = mcp_headers(None);
        h.push(("authorization".into(), "Bearer ".into()));
        h
    }] {
        let (status, headers, body) = post_initialize(&p.url(), &h);
        assert_eq!(status, 401);
        assert_eq!(
            header(&headers, "www-authenticate"),
            Some(
                format!(
                    "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource\"",
                    p.base
                )
                .as_str()
            )
        );
        assert_eq!(
            body,
            r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Missing Authentication Token"}}"#
        );
    }
    let (status, _, body) = http(
        &format!("{}/.well-known/oauth-protected-resource", p.base),
        "GET",
        &[],
        "",
    )
    .unwrap();
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["authorization_servers"], json!([ISSUER]));

    let (code, out, _) = invoke_via(&p, dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ missing-token (initialize) — the endpoint answered HTTP 401\n"),
        "{out}"
    );
    assert!(
        out.contains("  the runtime saw no bearer token")
            || out.contains("  no bearer token was sent"),
        "{out}"
    );
}

#[test]
fn truncated_token_gets_403_failed_to_parse() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    let token = mint(&access_claims());
    let truncated: String = token.split('.').take(2).collect::<Vec<_>>().join(".");
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&truncated)));
    assert_eq!(status, 403);
    assert_eq!(
        body,
        r#"{"message":"OAuth authorization failed: Failed to parse token"}"#
    );
    let (code, out, _) = invoke_via(&p, dir.path(), &["--token", &truncated]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ token-unparseable (initialize) — the endpoint answered HTTP 403\n"),
        "{out}"
    );
    assert!(
        out.contains("  server says: OAuth authorization failed: Failed to parse token\n"),
        "{out}"
    );
}

#[test]
fn expired_and_nearly_expired_tokens_get_403_ineffectual() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    for exp in [NOW - 3600, NOW + 30] {
        let token = access_with(exp);
        let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&token)));
        assert_eq!(status, 403, "exp {exp}");
        assert_eq!(
            body,
            r#"{"message":"OAuth authorization failed: Ineffectual token, will expire within the next minute"}"#
        );
        let (code, out, _) = invoke_via(&p, dir.path(), &["--token", &token]);
        assert_eq!(code, 1);
        assert!(
            out.starts_with("✗ token-expiring (initialize) — the endpoint answered HTTP 403\n"),
            "{out}"
        );
    }
    // 61 s left is still fine.
    let (status, _, _) = post_initialize(&p.url(), &mcp_headers(Some(&access_with(NOW + 61))));
    assert_eq!(status, 200);
}

#[test]
fn wildcard_or_missing_accept_gets_the_services_406() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    let token = mint(&access_claims());
    let auth = format!("Bearer {token}");
    for accept in [Some("*/*"), Some("application/json"), None] {
        let mut h: Vec<(&str, &str)> = vec![
            ("content-type", "application/json"),
            ("authorization", &auth),
        ];
        if let Some(a) = accept {
            h.push(("accept", a));
        }
        let (status, headers, body) = http(&p.url(), "POST", &h, INITIALIZE).unwrap();
        assert_eq!(status, 406, "{accept:?}");
        assert_eq!(
            body,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"Accept Header Error - MCP protocol requires Accept header: application/json, text/event-stream"}}"#
        );
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
    }
    let line = p.wait_log("→ 406 refused");
    assert!(
        line.contains("Accept \"*/*\" does not list both application/json and text/event-stream"),
        "{line}"
    );

    let (code, out, _) = invoke_via(&p, dir.path(), &["--token", &token, "--accept", "*/*"]);
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().next(),
        Some("✗ accept-rejected-by-service (initialize) — the endpoint answered HTTP 406")
    );
}

#[test]
fn stateful_server_behind_the_platform_session_id_gets_404() {
    let server = PyServer::start(&["--stateful"]);
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &server.url, &[]);
    let (code, out, _) = invoke_via(&p, dir.path(), &["--token", &mint(&access_claims())]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ session-not-found (initialize) — the endpoint answered HTTP 404\n"),
        "{out}"
    );
    assert!(out.contains("stateless_http=True"), "{out}");
}

#[test]
fn forwards_with_a_platform_session_id_and_returns_it() {
    let server = PyServer::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &server.url, &[]);
    let token = mint(&access_claims());
    let (status, headers, body) = post_initialize(&p.url(), &mcp_headers(Some(&token)));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("event: message"), "{body}");
    let sid = header(&headers, "mcp-session-id")
        .expect("Mcp-Session-Id in the answer")
        .to_string();
    let base = server.url.trim_end_matches("/mcp");
    let (_, _, last) = http(&format!("{base}/debug/last-request"), "GET", &[], "").unwrap();
    let last: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(last["headers"]["mcp-session-id"], sid.as_str());
    assert_eq!(last["headers"]["authorization"], format!("Bearer {token}"));
    assert!(
        last["headers"]["x-amzn-bedrock-agentcore-runtime-session-id"]
            .as_str()
            .unwrap()
            .len()
            >= 33,
        "{last}"
    );
    // A client's own Mcp-Session-Id is kept.
    let mut h = mcp_headers(Some(&token));
    h.push(("mcp-session-id".into(), "mine".into()));
    let (status, _, _) = post_initialize(&p.url(), &h);
    assert_eq!(status, 200);
    let (_, _, last) = http(&format!("{base}/debug/last-request"), "GET", &[], "").unwrap();
    let last: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(last["headers"]["mcp-session-id"], "mine");
}

#[test]
fn a_check_without_known_service_wording_answers_401_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &["--allowed-scope", "mcp/invoke"]);
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&mint(&access_claims()))));
    assert_eq!(status, 401);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["jsonrpc"], "2.0");
    assert_eq!(v["error"]["code"], -32001);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("mcp/invoke"),
        "{body}"
    );
    let line = p.wait_log("→ 401 refused");
    assert!(line.contains("check scope failed"), "{line}");
    assert!(
        line.contains("the service's wording for this check is not known"),
        "{line}"
    );
}

#[test]
fn upstream_down_is_a_502() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::jwks_server::closed_port();
    let p = proxy(dir.path(), &format!("http://127.0.0.1:{port}/mcp"), &[]);
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&mint(&access_claims()))));
    assert_eq!(status, 502);
    assert!(body.contains("unreachable"), "{body}");
}

#[test]
fn refuses_a_non_loopback_listen_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tokdiag(dir.path());
    c.args([
        "proxy",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("jwks.json"),
    ])
    .args([
        "--upstream",
        "http://127.0.0.1:9/mcp",
        "--listen",
        "0.0.0.0:0",
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.contains("tokdiag: error: --listen 0.0.0.0:0 is not a loopback address"),
        "{err}"
    );
    assert!(
        err.contains("a development tool, not a production gateway; add --allow-remote"),
        "{err}"
    );
}

#[test]
fn ctrl_c_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    // The banner may reach the log reader a moment after the port opens: wait for it (bounded).
    let line = p.wait_log("a development tool, not a production gateway");
    assert!(line.contains("127.0.0.1"), "{line}");
    let st = p.interrupt();
    assert!(st.success(), "{st}");
}
