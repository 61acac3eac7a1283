//! The local front door: what AgentCore Runtime does to a request before it reaches an MCP
//! server, for testing a server locally behind the same inbound rules.
//!
//! Per request: no/empty `Authorization` → 401 with `WWW-Authenticate: Bearer resource_metadata=…`;
//! a token that [`explain`](crate::authorizer::explain::explain) refuses → the service's status and
//! body for the first failing check; a POST whose `Accept` does not list both MCP media types → 406
//! `-32011`; otherwise the request is forwarded to the upstream MCP server (with a platform
//! `Mcp-Session-Id` when the client sent none) and the answer is streamed back. One log line per
//! request on stderr. Keys are held in memory (one refetch on an unknown `kid`), so the evaluation
//! adds well under a millisecond.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use crate::authorizer::explain::{self, Report};
use crate::authorizer::{Authorizer, Keys, RuleSet, rules};
use crate::oidc::FetchOptions;
use crate::report::{Check, ServiceError, Verdict};
use crate::token::Jwt;

/// The body of AgentCore's 406 for a wrong Accept header (JSON-RPC -32011).
pub const ACCEPT_ERROR_BODY: &str = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"Accept Header Error - MCP protocol requires Accept header: application/json, text/event-stream"}}"#;
/// Largest request body forwarded: 10 MiB.
const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;
/// Shortest interval between two JWKS refetches triggered by unknown kids.
const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// A response body: a fixed buffer or the upstream's stream.
pub type Body = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// What the proxy needs to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The MCP server every accepted request goes to (e.g. `http://127.0.0.1:8000/mcp`).
    pub upstream: String,
    /// The authorizer the tokens are evaluated against.
    pub auth: Authorizer,
    /// Fetch options for a refetch on an unknown kid (`None`: keys came from a file).
    pub refetch: Option<FetchOptions>,
    /// A fixed evaluation time (`--now`); `None` = the clock at each request.
    pub now: Option<i64>,
    /// The `resource_metadata` URL of the 401's `WWW-Authenticate` header.
    pub resource_metadata: String,
    /// Timeout for each upstream request.
    pub upstream_timeout: Duration,
}

/// Shared state of a running proxy.
#[derive(Debug)]
pub struct State {
    settings: Settings,
    keys: RwLock<Arc<Keys>>,
    last_refetch: Mutex<Option<Instant>>,
    http: reqwest::Client,
    requests: AtomicU64,
}

/// What the proxy decided for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Forward to the upstream.
    Forward,
    /// Answer with this status, extra headers and body.
    Refuse {
        /// HTTP status.
        status: u16,
        /// Extra headers (`WWW-Authenticate`).
        headers: Vec<(&'static str, String)>,
        /// JSON body.
        body: String,
        /// One line for the log: why.
        reason: String,
    },
}

impl State {
    /// State with the keys obtained at start.
    pub fn new(settings: Settings, keys: Keys) -> crate::error::Result<State> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256)
            .connect_timeout(Duration::from_secs(5))
            .timeout(settings.upstream_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                crate::error::Error::network(format!("cannot build the HTTP client: {e}"), None)
            })?;
        Ok(State {
            settings,
            keys: RwLock::new(Arc::new(keys)),
            last_refetch: Mutex::new(None),
            http,
            requests: AtomicU64::new(0),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn keys(&self) -> Arc<Keys> {
        match self.keys.read() {
            Ok(k) => k.clone(),
            // A writer panicked mid-swap; the Arc inside is still whole.
            Err(p) => p.into_inner().clone(),
        }
    }

    fn now(&self) -> i64 {
        self.settings.now.unwrap_or_else(crate::timefmt::system_now)
    }

    /// Evaluates a token with `explain`; on an unknown kid, refetches the JWKS once (at most every
    /// 30 s) and evaluates again.
    pub async fn evaluate(&self, token: &str) -> Report {
        let keys = self.keys();
        let report = explain::explain(&self.settings.auth, token, &keys, self.now());
        if !report.diagnoses.iter().any(|d| d.code == "unknown-kid") {
            return report;
        }
        let Some(o) = &self.settings.refetch else {
            return report;
        };
        {
            let Ok(mut last) = self.last_refetch.lock() else {
                return report;
            };
            if last.is_some_and(|t| t.elapsed() < REFETCH_INTERVAL) {
                return report;
            }
            *last = Some(Instant::now());
        }
        let jwt = Jwt::parse(token).ok();
        match explain::obtain_keys_async(&self.settings.auth, jwt.as_ref(), o).await {
            Ok(k @ Keys::Jwks { .. }) => {
                let k = Arc::new(k);
                if let Ok(mut w) = self.keys.write() {
                    *w = k.clone();
                }
                explain::explain(&self.settings.auth, token, &k, self.now())
            }
            _ => report,
        }
    }
}

/// Whether an Accept header lists both `application/json` and `text/event-stream` literally
/// (wildcards such as `*/*` do not count, parameters are ignored).
pub fn accept_ok(accept: Option<&str>) -> bool {
    let Some(a) = accept else { return false };
    let types: Vec<String> = a
        .split(',')
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    types.iter().any(|t| t == "application/json") && types.iter().any(|t| t == "text/event-stream")
}

/// The bearer token of an Authorization header; `None` when the header is missing or empty.
pub fn bearer(auth: Option<&str>) -> Option<&str> {
    let v = auth?.trim();
    let rest = if v.len() >= 7 && v[..7].eq_ignore_ascii_case("bearer ") {
        v[7..].trim()
    } else if v.eq_ignore_ascii_case("bearer") {
        ""
    } else {
        v
    };
    (!rest.is_empty()).then_some(rest)
}

/// The service's answer to a failing check: its known status and text, or (unknown wording) 401
/// `-32001` with the check's own message. The flag says whether the wording is the service's.
pub fn refusal_for(check: &Check, rule_set: RuleSet) -> (u16, String, bool) {
    let known = check.service_error.or(match check.id.as_str() {
        // Expired tokens get the near-expiry answer too; keep it even if a rule left it unset.
        "expiry" => Some(rules::service::INEFFECTUAL),
        "format" => Some(rules::service::PARSE),
        _ => None,
    });
    if rule_set == RuleSet::Apigateway {
        return (
            401,
            json!({"message": "Unauthorized"}).to_string(),
            known.is_some(),
        );
    }
    match known {
        Some(ServiceError { status: 401, text }) => (401, jsonrpc_401(text), true),
        Some(ServiceError { status, text }) => (status, json!({"message": text}).to_string(), true),
        None => (401, jsonrpc_401(&check.message), false),
    }
}

fn jsonrpc_401(message: &str) -> String {
    json!({"jsonrpc": "2.0", "error": {"code": -32001, "message": message}}).to_string()
}

/// Decides what to do with a request from its method and headers (the token is evaluated here).
pub async fn decide(state: &State, method: &hyper::Method, headers: &HeaderMap) -> Decision {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let Some(token) = bearer(h("authorization")) else {
        return Decision::Refuse {
            status: 401,
            headers: vec![(
                "www-authenticate",
                format!(
                    "Bearer resource_metadata=\"{}\"",
                    state.settings.resource_metadata
                ),
            )],
            body: jsonrpc_401("Missing Authentication Token"),
            reason: "no bearer token (Authorization missing or empty)".into(),
        };
    };
    let report = state.evaluate(token).await;
    if report.verdict != Verdict::Accepted {
        let codes: Vec<&str> = report.diagnoses.iter().map(|d| d.code).collect();
        let codes = if codes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", codes.join(", "))
        };
        return match report.first_failure() {
            Some(c) => {
                let (status, body, service_wording) = refusal_for(c, state.settings.auth.rules);
                let mut extra = Vec::new();
                if state.settings.auth.rules == RuleSet::Apigateway {
                    let desc = c
                        .service_error
                        .map(|s| s.text.to_string())
                        .unwrap_or_else(|| c.message.clone());
                    extra.push((
                        "www-authenticate",
                        format!(
                            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{}\"",
                            desc.replace('"', "'")
                        ),
                    ));
                }
                Decision::Refuse {
                    status,
                    headers: extra,
                    body,
                    reason: format!(
                        "check {} failed{codes}: {}{}",
                        c.id,
                        c.message,
                        if service_wording {
                            ""
                        } else {
                            " (answered with the check's own message: the service's wording for \
                             this check is not known)"
                        }
                    ),
                }
            }
            None => Decision::Refuse {
                status: 401,
                headers: Vec::new(),
                body: jsonrpc_401("Authentication error - the token could not be verified"),
                reason: format!(
                    "verdict {}{codes}: the signature or issuer could not be checked (not the \
                     service's wording)",
                    report.verdict.as_str()
                ),
            },
        };
    }
    if method == hyper::Method::POST && !accept_ok(h("accept")) {
        return Decision::Refuse {
            status: 406,
            headers: Vec::new(),
            body: ACCEPT_ERROR_BODY.to_string(),
            reason: format!(
                "Accept {} does not list both application/json and text/event-stream",
                h("accept")
                    .map(|a| format!("\"{a}\""))
                    .unwrap_or_else(|| "(missing)".into())
            ),
        };
    }
    Decision::Forward
}

fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed()
}

fn json_response(status: u16, headers: &[(&'static str, String)], body: String) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            r.headers_mut().insert(*k, v);
        }
    }
    r
}

/// Handles one request end to end and writes its log line.
pub async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let start = Instant::now();
    let n = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if method == hyper::Method::GET && path.ends_with("/.well-known/oauth-protected-resource") {
        let issuer = explain::derived_issuer(&state.settings.auth);
        let body = json!({
            "resource": state.settings.resource_metadata.trim_end_matches("/.well-known/oauth-protected-resource"),
            "authorization_servers": issuer.into_iter().collect::<Vec<_>>(),
            "bearer_methods_supported": ["header"],
        });
        log(
            n,
            &method,
            &path,
            200,
            "served protected-resource metadata",
            start,
            None,
        );
        return Ok(json_response(200, &[], body.to_string()));
    }
    let decision = decide(&state, &method, req.headers()).await;
    let eval = start.elapsed();
    if let Decision::Refuse {
        status,
        headers,
        body,
        reason,
    } = decision
    {
        log(
            n,
            &method,
            &path,
            status,
            &format!("refused: {reason}"),
            start,
            None,
        );
        return Ok(json_response(status, &headers, body));
    }
    Ok(forward(&state, req, n, start, eval).await)
}

async fn forward(
    state: &State,
    req: Request<Incoming>,
    n: u64,
    start: Instant,
    eval: Duration,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            log(
                n,
                &parts.method,
                parts.uri.path(),
                413,
                &format!("refused: request body: {e}"),
                start,
                None,
            );
            return json_response(
                413,
                &[],
                json!({"message": format!("request body unreadable or over {} MiB", MAX_REQUEST_BODY >> 20)}).to_string(),
            );
        }
    };
    let method = match reqwest::Method::from_bytes(parts.method.as_str().as_bytes()) {
        Ok(m) => m,
        Err(_) => reqwest::Method::POST,
    };
    let mut rb = state
        .http
        .request(method, &state.settings.upstream)
        .body(body);
    let mut added_session: Option<String> = None;
    for (k, v) in &parts.headers {
        if !is_hop_by_hop(k.as_str()) {
            rb = rb.header(k.as_str(), v.as_bytes());
        }
    }
    if !parts.headers.contains_key("mcp-session-id") {
        // AgentCore (stateless mode) generates the session id and tells the client in the answer.
        let s = uuid_like();
        rb = rb.header("mcp-session-id", s.as_str());
        added_session = Some(s);
    }
    if !parts
        .headers
        .contains_key("x-amzn-bedrock-agentcore-runtime-session-id")
    {
        rb = rb.header(
            "x-amzn-bedrock-agentcore-runtime-session-id",
            crate::mcp::new_session_id(),
        );
    }
    let upstream = match rb.send().await {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("upstream {} unreachable: {e}", state.settings.upstream);
            log(
                n,
                &parts.method,
                parts.uri.path(),
                502,
                &format!("forward failed: {msg}"),
                start,
                Some(eval),
            );
            return json_response(
                502,
                &[],
                json!({"message": format!("tokdiag proxy: {msg}")}).to_string(),
            );
        }
    };
    let status = upstream.status().as_u16();
    let mut resp_headers = HeaderMap::new();
    for (k, v) in upstream.headers() {
        if !is_hop_by_hop(k.as_str())
            && let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_str().as_bytes()),
                HeaderValue::from_bytes(v.as_bytes()),
            )
        {
            resp_headers.append(k, v);
        }
    }
    if let Some(s) = &added_session
        && !resp_headers.contains_key("mcp-session-id")
        && let Ok(v) = HeaderValue::from_str(s)
    {
        resp_headers.insert("mcp-session-id", v);
    }
    let stream = upstream
        .bytes_stream()
        .map_ok(Frame::data)
        .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>);
    let mut r = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    *r.headers_mut() = resp_headers;
    log(
        n,
        &parts.method,
        parts.uri.path(),
        status,
        "forwarded (token accepted)",
        start,
        Some(eval),
    );
    r
}

fn uuid_like() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn log(
    n: u64,
    method: &hyper::Method,
    path: &str,
    status: u16,
    what: &str,
    start: Instant,
    eval: Option<Duration>,
) {
    let timing = match eval {
        Some(e) => format!(
            " ({:.2} ms at the front door, {:.1} ms in all)",
            e.as_secs_f64() * 1000.0,
            start.elapsed().as_secs_f64() * 1000.0
        ),
        None => format!(" ({:.2} ms)", start.elapsed().as_secs_f64() * 1000.0),
    };
    crate::render::note(&format!(
        "tokdiag proxy: #{n} {method} {path} → {status} {what}{timing}"
    ));
}

/// Serves connections from `listener` until `shutdown` resolves; then lets open connections
/// finish their current request (at most `grace`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            acc = listener.accept() => {
                let (stream, _peer): (tokio::net::TcpStream, SocketAddr) = match acc {
                    Ok(a) => a,
                    Err(_) => {
                        // Out of file descriptors or similar: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let mut rx = rx.clone();
                conns.spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let svc = hyper::service::service_fn(move |req| handle(state.clone(), req));
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(io, svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = rx.changed() => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
                // Reap finished connections so the set does not grow without bound.
                while conns.try_join_next().is_some() {}
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tx.send(true);
    let _ = tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn accept_rule() {
        assert!(accept_ok(Some("application/json, text/event-stream")));
        assert!(accept_ok(Some("text/event-stream;q=0.9,APPLICATION/JSON")));
        assert!(!accept_ok(Some("*/*")));
        assert!(!accept_ok(Some("application/json")));
        assert!(!accept_ok(Some("application/*, text/*")));
        assert!(!accept_ok(None));
    }

    #[test]
    fn bearer_forms() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer   abc ")), Some("abc"));
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(Some("Bearer")), None);
        assert_eq!(bearer(Some("")), None);
        assert_eq!(bearer(None), None);
        assert_eq!(bearer(Some("abc")), Some("abc"));
    }

    #[test]
    fn refusals() {
        let c = Check::new("client_id", Status::Fail, "x")
            .service_error(Some(rules::service::CLIENT_ID));
        assert_eq!(
            refusal_for(&c, RuleSet::Agentcore),
            (
                401,
                r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Claim 'client_id' value mismatch with configuration."}}"#.to_string(),
                true
            )
        );
        let c = Check::new("format", Status::Fail, "x");
        assert_eq!(
            refusal_for(&c, RuleSet::Agentcore),
            (
                403,
                r#"{"message":"OAuth authorization failed: Failed to parse token"}"#.to_string(),
                true
            )
        );
        let c = Check::new("scope", Status::Fail, "no allowed scope");
        assert_eq!(
            refusal_for(&c, RuleSet::Agentcore),
            (
                401,
                r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"no allowed scope"}}"#
                    .to_string(),
                false
            )
        );
    }
}
