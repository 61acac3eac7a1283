//! `tokdiag proxy`: the front door's statuses and bodies (raw HTTP, byte for byte), forwarding to the
//! real Python MCP server, and `tokdiag invoke` naming each failure the proxy produces — the seed's
//! ID token (401 client_id), a missing token, a truncated token, an expired token, curl's
//! `Accept: */*` (406 from the service), a stateful server behind the platform session id (404).
//! Keys come from testdata/jwks.json (offline); time is fixed with --now.

use crate::support::mcp::*;
use crate::support::tokens::*;
use serde_json::{Value, json};

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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
        line.starts_with("tokdiag proxy: #1 POST /mcp → 200 forwarded (token accepted); dropped headers not in requestHeaderAllowlist: authorization, user-agent ("),
        "{line}"
    );
    p.wait_log("POST /mcp → 202 forwarded");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
            "  ✗ client_id  Missing client_id. Expected one of: 3ipsf00btbffko91d8irdu8up1\n"
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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
    // The seed sets no requestHeaderAllowlist: the container does not see Authorization.
    assert!(last["headers"].get("authorization").is_none(), "{last}");
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn a_check_without_known_service_wording_answers_401_unauthorized_and_logs_the_detail() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &["--allowed-scope", "mcp/invoke"]);
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&mint(&access_claims()))));
    assert_eq!(status, 401);
    // Only what the service could say: tokdiag's own words (which may name local files, such
    // as the key file or the config) stay in the log.
    assert_eq!(
        body,
        r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Unauthorized"}}"#
    );
    let line = p.wait_log("→ 401 refused");
    assert!(line.contains("check scope failed"), "{line}");
    assert!(line.contains("mcp/invoke"), "{line}");
    assert!(
        line.contains("the service's wording for this check is not known"),
        "{line}"
    );
}

#[test]
fn upstream_down_is_a_502() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::support::jwks_server::closed_port();
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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn ctrl_c_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    // The banner may reach the log reader a moment after the port opens: wait for it (bounded).
    let line = p.wait_log("a development tool, not a production gateway");
    assert!(line.contains("127.0.0.1"), "{line}");
    let st = p.interrupt();
    assert!(st.success(), "{st}");
}

// ---- limits, framing and the log (issue 12 item 7 and item 5) --------------------------------

/// A small HTTP/1.1 upstream on loopback (a thread per connection, keep-alive): reads each
/// request's body (Content-Length or chunked) without keeping it, then answers as `mode` says.
mod upstream {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// What the upstream answers.
    #[derive(Clone)]
    pub enum Mode {
        /// 200 JSON: the headers it received and the body's length; plus a hop-by-hop header
        /// named in its own `Connection:`.
        Echo,
        /// 200 `text/event-stream`, chunked: `n` events, `gap` apart.
        Sse { n: usize, gap: Duration },
    }

    /// (headers, body length) of each request received.
    pub type Seen = Arc<Mutex<Vec<(Vec<(String, String)>, usize)>>>;

    pub struct Upstream {
        pub url: String,
        /// (headers, body length) of each request.
        pub seen: Seen,
    }

    pub fn start(mode: Mode) -> Upstream {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/mcp", l.local_addr().unwrap());
        let seen: Seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(s) = s else { continue };
                let mode = mode.clone();
                let seen = s2.clone();
                let _ = std::thread::Builder::new()
                    .stack_size(128 * 1024)
                    .spawn(move || serve(s, mode, seen));
            }
        });
        Upstream { url, seen }
    }

    fn serve(s: TcpStream, mode: Mode, seen: Seen) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
        let mut w = s.try_clone().unwrap();
        let mut r = BufReader::with_capacity(64 * 1024, s);
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let mut len = 0usize;
            let mut sink = vec![0u8; 64 * 1024];
            if get("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
                loop {
                    let mut size = String::new();
                    if r.read_line(&mut size).unwrap_or(0) == 0 {
                        return;
                    }
                    let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
                        return;
                    };
                    let mut left = n + 2;
                    while left > 0 {
                        let k = left.min(sink.len());
                        if r.read_exact(&mut sink[..k]).is_err() {
                            return;
                        }
                        left -= k;
                    }
                    len += n;
                    if n == 0 {
                        break;
                    }
                }
            } else if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
                let mut left = n;
                while left > 0 {
                    let k = left.min(sink.len());
                    if r.read_exact(&mut sink[..k]).is_err() {
                        return;
                    }
                    left -= k;
                }
                len = n;
            }
            seen.lock().unwrap().push((headers.clone(), len));
            match &mode {
                Mode::Echo => {
                    let map: serde_json::Map<String, serde_json::Value> = headers
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                        .collect();
                    let body = serde_json::json!({"headers": map, "body_len": len}).to_string();
                    let out = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: x-upstream-hop\r\n\
                         x-upstream-hop: private\r\nx-upstream-kept: yes\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if w.write_all(out.as_bytes()).is_err() {
                        return;
                    }
                }
                Mode::Sse { n, gap } => {
                    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                                transfer-encoding: chunked\r\n\r\n";
                    if w.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                    for i in 0..*n {
                        std::thread::sleep(*gap);
                        let ev = format!("event: message\ndata: {{\"n\":{i}}}\n\n");
                        if w.write_all(format!("{:x}\r\n{ev}\r\n", ev.len()).as_bytes())
                            .is_err()
                        {
                            return;
                        }
                    }
                    let _ = w.write_all(b"0\r\n\r\n");
                    return;
                }
            }
        }
    }
}

/// A valid MCP POST head for the proxy at `host` (an `initialize` with `body_len` bytes to come).
fn valid_head(host: &str, token: &str, body_len: usize, extra: &str) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\nauthorization: Bearer {token}\r\n\
         content-length: {body_len}\r\n{extra}\r\n"
    )
}

/// Sends raw bytes on a fresh connection and reads the whole answer (the proxy closes after it,
/// or the read times out after 20 s).
fn raw(host: &str, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn host_of(p: &Proxy) -> String {
    p.base.trim_start_matches("http://").to_string()
}

#[test]
fn an_upstream_that_does_not_answer_in_time_gets_504() {
    let dir = tempfile::tempdir().unwrap();
    let stub = Stub::hang();
    let p = proxy(
        dir.path(),
        &format!("{}/mcp", stub.base),
        &["--upstream-timeout", "1"],
    );
    let t = std::time::Instant::now();
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&mint(&access_claims()))));
    assert_eq!(status, 504, "{body}");
    assert_eq!(
        body,
        format!(
            r#"{{"message":"tokdiag proxy: upstream {}/mcp did not answer within 1 s (--upstream-timeout)"}}"#,
            stub.base
        )
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    let line = p.wait_log("→ 504 forward failed");
    assert!(line.contains("did not answer within 1 s"), "{line}");
}

#[test]
fn upstream_timeout_bounds_the_first_byte_not_an_sse_stream_that_keeps_sending() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Sse {
        n: 6,
        gap: std::time::Duration::from_millis(400),
    });
    let p = proxy(dir.path(), &up.url, &["--upstream-timeout", "1"]);
    let (status, headers, body) =
        post_initialize(&p.url(), &mcp_headers(Some(&mint(&access_claims()))));
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "content-type"), Some("text/event-stream"));
    // 2.4 s of events behind a 1 s --upstream-timeout: every one arrives.
    let events: Vec<&str> = body.lines().filter(|l| l.starts_with("data: ")).collect();
    assert_eq!(
        events,
        (0..6)
            .map(|i| format!("data: {{\"n\":{i}}}"))
            .collect::<Vec<_>>(),
        "{body}"
    );
}

#[test]
fn a_malformed_chunk_size_gets_400_and_an_oversized_body_413() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let p = proxy(dir.path(), &up.url, &[]);
    let host = host_of(&p);
    let token = mint(&access_claims());
    let chunked = |body: &str| {
        let head = valid_head(&host, &token, 0, "transfer-encoding: chunked\r\n")
            .replace("content-length: 0\r\n", "");
        raw(&host, format!("{head}{body}").as_bytes())
    };
    let answer = chunked("zz\r\n{}\r\n0\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(
        answer.contains(r#"{"message":"tokdiag proxy: malformed request body ("#),
        "{answer}"
    );
    let line = p.wait_log("→ 400 refused: malformed request body");
    assert!(line.starts_with("tokdiag proxy: #1 POST /mcp"), "{line}");

    // A declared length over 10 MiB is refused before any of it is read.
    let head = valid_head(&host, &token, 10 * 1024 * 1024 + 1, "");
    let answer = raw(&host, head.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"tokdiag proxy: request body over 10 MiB"}"#),
        "{answer}"
    );

    // A chunked body is counted as it streams: 11 chunks of 1 MiB get 413.
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(&host).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let head = valid_head(&host, &token, 0, "transfer-encoding: chunked\r\n")
        .replace("content-length: 0\r\n", "");
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..11 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let answer = String::from_utf8_lossy(&out);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    // A body within the cap goes through whole.
    let body = format!("{{\"pad\":\"{}\"}}", " ".repeat(3 * 1024 * 1024));
    let answer = raw(
        &host,
        format!("{}{body}", valid_head(&host, &token, body.len(), "")).as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(
        answer.contains(&format!("\"body_len\":{}", body.len())),
        "{answer}"
    );
}

#[test]
fn headers_named_in_connection_are_not_forwarded_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let cfg = allowlist_cfg(dir.path(), &["X-Client-Kept", "X-Client-Hop"]);
    let p = proxy_cfg(dir.path(), &cfg, &up.url, &[]);
    let token = mint(&access_claims());
    let mut h = mcp_headers(Some(&token));
    h.push(("x-client-hop".into(), "secret".into()));
    h.push(("x-client-kept".into(), "yes".into()));
    // support's http() sends `connection: close`; add the listed name as a second Connection line.
    h.push(("connection".into(), "x-client-hop".into()));
    let (status, headers, body) = post_initialize(&p.url(), &h);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["headers"]["x-client-kept"], "yes", "{body}");
    assert!(v["headers"].get("x-client-hop").is_none(), "{body}");
    assert_eq!(header(&headers, "x-upstream-kept"), Some("yes"));
    assert_eq!(header(&headers, "x-upstream-hop"), None, "{headers:?}");
    assert_eq!(up.seen.lock().unwrap().len(), 1);
}

#[test]
fn header_and_idle_timeouts_close_slow_and_idle_connections() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let p = proxy(
        dir.path(),
        &up.url,
        &["--header-timeout", "1", "--idle-timeout", "3"],
    );
    let host = host_of(&p);
    let token = mint(&access_claims());

    // A head that never completes is closed after about a second.
    let mut slow = std::net::TcpStream::connect(&host).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.write_all(b"POST /mcp HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 1024];
    let n = slow.read(&mut buf).unwrap_or(0);
    let waited = t.elapsed();
    assert_eq!(n, 0, "{}", String::from_utf8_lossy(&buf[..n]));
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_secs(4),
        "closed after {waited:?}"
    );

    // A keep-alive connection stays open while idle for longer than the header timeout…
    let mut ka = std::net::TcpStream::connect(&host).unwrap();
    ka.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let req = format!(
        "{}{INITIALIZE}",
        valid_head(&host, &token, INITIALIZE.len(), "")
    );
    let read_answer = |s: &mut std::net::TcpStream| {
        let mut got = Vec::new();
        let mut b = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains("\"body_len\"") {
            let n = s.read(&mut b).unwrap_or(0);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&b[..n]);
        }
        String::from_utf8_lossy(&got).into_owned()
    };
    ka.write_all(req.as_bytes()).unwrap();
    assert!(read_answer(&mut ka).starts_with("HTTP/1.1 200 "));
    std::thread::sleep(Duration::from_millis(1800));
    ka.write_all(req.as_bytes()).unwrap();
    let second = read_answer(&mut ka);
    assert!(second.starts_with("HTTP/1.1 200 "), "{second}");
    // …and is closed once idle for the idle timeout.
    let t = Instant::now();
    let n = ka.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0);
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(2500) && waited < Duration::from_secs(6),
        "idle connection closed after {waited:?}"
    );
    p.wait_log(
        "closed connections: 1 that sent no complete request head within 1 s (--header-timeout)",
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn a_newline_in_a_kid_or_a_claim_cannot_forge_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    let forged = "tokdiag proxy: #99 POST /mcp → 200 forwarded (token accepted)";
    let kid_token = mint_with(
        "rsa-1.pem",
        &format!("zz\r\u{2028}\n✓ ACCEPTED — AgentCore would accept this token\n{forged}"),
        jsonwebtoken::Algorithm::RS256,
        &access_claims(),
    );
    let mut c = access_claims();
    c["client_id"] = json!(format!("x\n{forged}\u{202e}"));
    let claim_token = mint(&c);
    for t in [&kid_token, &claim_token] {
        let (status, _, _) = post_initialize(&p.url(), &mcp_headers(Some(t)));
        assert_eq!(status, 401);
    }
    p.wait_log("#2 POST /mcp → 401");
    let log = p.log();
    let requests: Vec<&String> = log
        .iter()
        .filter(|l| l.starts_with("tokdiag proxy: #"))
        .collect();
    assert_eq!(requests.len(), 2, "{log:#?}");
    assert!(
        !log.iter()
            .any(|l| l.starts_with("✓") || l.starts_with(forged)),
        "{log:#?}"
    );
    assert!(
        requests[0].contains(
            "kid 'zz\\r\\u{2028}\\n✓ ACCEPTED — AgentCore would accept this token\\ntokdiag proxy: #99 POST /mcp…' is not in the JWKS"
        ),
        "{}",
        requests[0]
    );
    assert!(
        requests[1].contains(
            "client_id not allowed: x\\ntokdiag proxy: #99 POST /mcp → 200 forwarded (token accepted)\\u{202e}."
        ),
        "{}",
        requests[1]
    );
}

/// `tokdiag proxy` under `ulimit -n LIMIT` (soft and hard), with its log.
fn proxy_with_fd_limit(
    cache: &std::path::Path,
    limit: u32,
    upstream: &str,
) -> (
    std::process::Child,
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::BufRead;
    let bin = assert_cmd::cargo::cargo_bin("tokdiag");
    let mut child = std::process::Command::new("sh")
        .args(["-c", &format!("ulimit -n {limit} && exec \"$0\" \"$@\"")])
        .arg(&bin)
        .env("NO_COLOR", "1")
        .env_remove("TOKDIAG_CACHE_DIR")
        .arg("--cache-dir")
        .arg(cache)
        .args([
            "--now",
            &NOW.to_string(),
            "proxy",
            "--listen",
            "127.0.0.1:0",
        ])
        .args([
            "--config",
            &seed_cfg(),
            "--jwks",
            &testdata("jwks.json"),
            "--upstream",
            upstream,
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let l2 = log.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
            l2.lock().unwrap().push(line);
        }
    });
    let host = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("proxy did not start: {:?}", log.lock().unwrap())
        });
    (child, host, log)
}

/// The two measuring tests run one at a time: a 2 GB transfer on the same two cores would be
/// measured instead of the proxy.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn under_500_slowloris_connections_a_valid_request_is_answered_within_a_second() {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|p| p.into_inner());
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let (mut child, host, log) = proxy_with_fd_limit(dir.path(), 256, &up.url);
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    // 500 connections dribbling a head one byte a second; a closed one is opened again.
    let attacker = {
        let host = host.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let head = b"POST /mcp HTTP/1.1\r\nhost: x\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
            let open = || {
                let s = std::net::TcpStream::connect(&host).ok()?;
                s.set_nonblocking(true).ok()?;
                Some(s)
            };
            let mut conns: Vec<(Option<std::net::TcpStream>, usize)> =
                (0..500).map(|_| (open(), 0)).collect();
            let deadline = Instant::now() + Duration::from_secs(30);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                for (c, sent) in conns.iter_mut() {
                    let ok = match c {
                        Some(s) => s
                            .write(&head[*sent % head.len()..][..1])
                            .map(|n| n == 1)
                            .unwrap_or(false),
                        None => false,
                    };
                    if ok {
                        *sent += 1;
                    } else {
                        *c = open();
                        *sent = 0;
                    }
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        })
    };
    std::thread::sleep(Duration::from_secs(3));
    let token = mint(&access_claims());
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        let t = Instant::now();
        let mut s = std::net::TcpStream::connect(&host).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let req = format!(
            "{}{INITIALIZE}",
            valid_head(&host, &token, INITIALIZE.len(), "connection: close\r\n")
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let took = t.elapsed();
        worst = worst.max(took);
        let answer = String::from_utf8_lossy(&out);
        assert!(
            answer.starts_with("HTTP/1.1 200 "),
            "after {took:?}: {answer:?}; log: {:?}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    stop.store(true, Ordering::Relaxed);
    let _ = attacker.join();
    eprintln!("slowloris: worst valid request took {worst:?}");
    let _ = child.kill();
    let _ = child.wait();
    assert!(worst < Duration::from_secs(1), "worst {worst:?}");
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("--max-connections 256 lowered to 112: the open-file limit is 256")),
        "{:?}",
        log.lock().unwrap()
    );
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap()
}

#[test]
fn two_hundred_concurrent_large_bodies_stream_through_and_memory_returns() {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|p| p.into_inner());
    use std::io::{Read, Write};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let (mut child, host, _log) = proxy_with_fd_limit(dir.path(), 4096, &up.url);
    let pid = child.id();
    let token = mint(&access_claims());
    // Warm up, then take the idle level.
    let small = format!(
        "{}{INITIALIZE}",
        valid_head(&host, &token, INITIALIZE.len(), "connection: close\r\n")
    );
    assert!(raw(&host, small.as_bytes()).starts_with("HTTP/1.1 200 "));
    let idle = rss_kib(pid, "VmRSS:");
    let size = 99 * 1024 * 1024 / 10; // 9.9 MiB
    let body = std::sync::Arc::new(vec![b' '; size]);
    let threads: Vec<_> = (0..200)
        .map(|_| {
            let (host, token, body) = (host.clone(), token.clone(), body.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut s = std::net::TcpStream::connect(&host).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
                    let head = valid_head(&host, &token, body.len(), "connection: close\r\n");
                    s.write_all(head.as_bytes()).unwrap();
                    s.write_all(&body).unwrap();
                    let mut out = Vec::new();
                    let _ = s.read_to_end(&mut out);
                    String::from_utf8_lossy(&out).into_owned()
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        let answer = t.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        assert!(answer.contains(&format!("\"body_len\":{size}")), "{answer}");
    }
    let peak = rss_kib(pid, "VmHWM:");
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_kib(pid, "VmRSS:");
    let _ = child.kill();
    let _ = child.wait();
    eprintln!(
        "200 x 9.9 MiB: idle {} MiB, peak {} MiB, after {} MiB",
        idle / 1024,
        peak / 1024,
        after / 1024
    );
    assert!(peak < 200 * 1024, "peak RSS {} MiB", peak / 1024);
    assert!(
        after < idle + 16 * 1024,
        "after the burst {} MiB (idle {} MiB)",
        after / 1024,
        idle / 1024
    );
}

// ---- the runtime's front door: paths, header allowlist, gateways (issue 14 item 4) -----------

/// The seed config with `request_header_configuration.requestHeaderAllowlist` = `names`.
fn allowlist_cfg(dir: &std::path::Path, names: &[&str]) -> String {
    let seed = std::fs::read_to_string(seed_cfg()).unwrap();
    let list: Vec<String> = names.iter().map(|n| format!("        - {n}\n")).collect();
    let cfg = seed.replacen(
        "    request_header_configuration: null\n",
        &format!(
            "    request_header_configuration:\n      requestHeaderAllowlist:\n{}",
            list.concat()
        ),
        1,
    );
    assert_ne!(cfg, seed);
    let path = dir.join(".bedrock_agentcore.yaml");
    std::fs::write(&path, cfg).unwrap();
    path.display().to_string()
}

/// A proxy with config `cfg` and the test JWKS in front of `upstream`.
fn proxy_cfg(cache: &std::path::Path, cfg: &str, upstream: &str, extra: &[&str]) -> Proxy {
    let jwks = testdata("jwks.json");
    let mut args = vec![
        "--config",
        cfg,
        "--jwks",
        jwks.as_str(),
        "--upstream",
        upstream,
    ];
    args.extend_from_slice(extra);
    Proxy::start(cache, &args)
}

const SEED_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-AbCdEf1234";

#[test]
fn serves_the_runtime_path_and_mcp_and_404s_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let p = proxy(dir.path(), &up.url, &[]);
    let h = mcp_headers(Some(&mint(&access_claims())));
    let enc: String = SEED_ARN.replace(':', "%3A").replace('/', "%2F");
    for path in [
        "/mcp".to_string(),
        format!("/runtimes/{enc}/invocations?qualifier=DEFAULT"),
    ] {
        let (status, _, body) = post_initialize(&format!("{}{path}", p.base), &h);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains("\"body_len\""), "{body}");
    }
    let other_arn = SEED_ARN
        .replace("AbCdEf1234", "Other00000")
        .replace(':', "%3A")
        .replace('/', "%2F");
    for path in [
        "/".to_string(),
        "/invocations".to_string(),
        "/mcp/extra".to_string(),
        format!("/runtimes/{other_arn}/invocations"),
        "/runtimes/not-an-arn/invocations".to_string(),
    ] {
        let (status, headers, body) = post_initialize(&format!("{}{path}", p.base), &h);
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body, r#"{"message":"Resource not found"}"#);
        assert_eq!(
            header(&headers, "x-amzn-errortype"),
            Some("ResourceNotFoundException")
        );
    }
    assert_eq!(up.seen.lock().unwrap().len(), 2, "a 404 is never forwarded");
    let line = p.wait_log("POST /runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-Other00000/invocations → 404");
    assert!(
        line.contains(&format!(
            "runtime {} is not the configured one ({SEED_ARN})",
            SEED_ARN.replace("AbCdEf1234", "Other00000")
        )),
        "{line}"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn invoke_with_runtime_endpoint_goes_through_the_runtime_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = proxy(dir.path(), &mcp_url(), &[]);
    let mut c = tokdiag(dir.path());
    c.args([
        "invoke",
        "--config",
        &seed_cfg(),
        "--jwks",
        &testdata("jwks.json"),
        "--runtime-endpoint",
        &p.base,
        "--token",
        &mint(&access_claims()),
    ]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("2 tools\n"), "{out}");
    p.wait_log("POST /runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-AbCdEf1234/invocations → 200 forwarded");
}

#[test]
fn only_documented_and_allowlisted_headers_reach_the_container() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let token = mint(&access_claims());
    let mut h = mcp_headers(Some(&token));
    h.push((
        "x-amzn-bedrock-agentcore-runtime-custom-user-id".into(),
        "u-1".into(),
    ));
    h.push(("x-private".into(), "p".into()));
    h.push(("mcp-protocol-version".into(), "2025-06-18".into()));

    // No allowlist: Authorization and the custom header stay behind; the log names them.
    let p = proxy(dir.path(), &up.url, &[]);
    let (status, _, body) = post_initialize(&p.url(), &h);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let got = v["headers"].as_object().unwrap();
    for name in [
        "authorization",
        "x-amzn-bedrock-agentcore-runtime-custom-user-id",
        "x-private",
    ] {
        assert!(got.get(name).is_none(), "{name} forwarded: {body}");
    }
    assert_eq!(got["mcp-protocol-version"], "2025-06-18");
    assert_eq!(got["content-type"], "application/json");
    assert_eq!(got["accept"], "application/json, text/event-stream");
    assert!(got.contains_key("mcp-session-id"), "{body}");
    assert!(
        got.contains_key("x-amzn-bedrock-agentcore-runtime-session-id"),
        "{body}"
    );
    let line = p.wait_log("→ 200 forwarded");
    assert!(
        line.contains("forwarded (token accepted); dropped headers not in requestHeaderAllowlist: authorization, x-amzn-bedrock-agentcore-runtime-custom-user-id, x-private ("),
        "{line}"
    );
    drop(p);

    // Listed (in any case): they pass.
    let cfg = allowlist_cfg(
        dir.path(),
        &[
            "Authorization",
            "X-Amzn-Bedrock-AgentCore-Runtime-Custom-User-Id",
        ],
    );
    let p = proxy_cfg(dir.path(), &cfg, &up.url, &[]);
    let (status, _, body) = post_initialize(&p.url(), &h);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["headers"]["authorization"], format!("Bearer {token}"));
    assert_eq!(
        v["headers"]["x-amzn-bedrock-agentcore-runtime-custom-user-id"],
        "u-1"
    );
    assert!(v["headers"].get("x-private").is_none(), "{body}");
    let line = p.wait_log("→ 200 forwarded");
    assert!(
        line.contains("dropped headers not in requestHeaderAllowlist: x-private ("),
        "{line}"
    );
}

#[test]
fn a_gateway_front_door_refuses_failing_jwts_with_403() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let jwks = testdata("jwks.json");
    let gw = testdata("seed/get-gateway.json");
    let p = Proxy::start(
        dir.path(),
        &[
            "--authorizer-json",
            &gw,
            "--jwks",
            &jwks,
            "--upstream",
            &up.url,
        ],
    );
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&id_token())));
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        r#"{"message":"Claim 'client_id' value mismatch with configuration."}"#
    );
    p.wait_log("gateway: refused JWTs get 403");
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&mint(&access_claims()))));
    assert_eq!(status, 200, "{body}");
    // A gateway is not a runtime: no container allowlist, Authorization goes on to the target.
    let v: Value = serde_json::from_str(&body).unwrap();
    assert!(v["headers"].get("authorization").is_some(), "{body}");
}

/// A toolkit config whose JWT authorizer takes its keys from `discovery_url` (and allows the
/// seed's client).
fn discovery_cfg(dir: &std::path::Path, discovery_url: &str) -> String {
    let p = dir.join("agent.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: a\nagents:\n  a:\n    name: a\n    aws:\n      region: us-east-1\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {discovery_url}\n        allowedClients:\n          - {CLIENT}\n"
        ),
    )
    .unwrap();
    p.display().to_string()
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn a_remembered_token_is_refused_once_it_enters_the_expiry_margin() {
    let dir = tempfile::tempdir().unwrap();
    let up = upstream::start(upstream::Mode::Echo);
    let cfg = seed_cfg();
    // The clock, not --now: the memo must notice time passing.
    let p = Proxy::start_at(
        dir.path(),
        None,
        &[
            "--config",
            &cfg,
            "--jwks",
            &testdata("jwks.json"),
            "--upstream",
            &up.url,
        ],
    );
    let mut c = access_claims();
    let t0 = system_now();
    c["iat"] = json!(t0 - 10);
    c["auth_time"] = json!(t0 - 10);
    // Accepted for about 3 s more (AgentCore refuses from 60 s before exp on).
    c["exp"] = json!(t0 + 63);
    let token = mint(&c);
    for _ in 0..3 {
        let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&token)));
        assert_eq!(status, 200, "{body}");
    }
    while system_now() < t0 + 4 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&token)));
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        r#"{"message":"OAuth authorization failed: Ineffectual token, will expire within the next minute"}"#
    );
    assert_eq!(up.seen.lock().unwrap().len(), 3);
    let line = p.wait_log("refused: check expiry failed");
    assert!(line.contains("inside the 60 s margin"), "{line}");
}

#[test]
fn a_remembered_token_is_refused_after_a_key_rotation_drops_its_key() {
    use crate::support::jwks_server::JwksServer;
    let dir = tempfile::tempdir().unwrap();
    let server = JwksServer::start();
    server.set_jwks_file("jwks-rsa-only.json");
    let up = upstream::start(upstream::Mode::Echo);
    let cfg = discovery_cfg(dir.path(), &server.discovery_url());
    // Keys from the discovery URL (no --jwks), so an unknown kid refetches them.
    let p = Proxy::start(dir.path(), &["--config", &cfg, "--upstream", &up.url]);
    let old = mint(&access_claims());
    for _ in 0..2 {
        let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&old)));
        assert_eq!(status, 200, "{body}");
    }
    // The issuer rotates rsa-1 out: the new set holds only its EC key.
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(testdata("jwks.json")).unwrap()).unwrap();
    let ec: Vec<Value> = all["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["kid"] == "ec256-1")
        .cloned()
        .collect();
    server.set_jwks(json!({ "keys": ec }));
    let new = mint_with(
        "ec256-1.pem",
        "ec256-1",
        jsonwebtoken::Algorithm::ES256,
        &access_claims(),
    );
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&new)));
    assert_eq!(status, 200, "the new key is found by the refetch: {body}");
    assert_eq!(server.jwks_hits(), 2, "the start, then one refetch");
    // The old token was accepted a moment ago, with keys that are gone now.
    let (status, _, body) = post_initialize(&p.url(), &mcp_headers(Some(&old)));
    assert_eq!(status, 401, "{body}");
    let line = p.wait_log("refused: check signature failed");
    assert!(line.contains("unknown-kid"), "{line}");
    assert_eq!(up.seen.lock().unwrap().len(), 3);
}
