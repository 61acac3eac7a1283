//! The local front door: what AgentCore Runtime does to a request before it reaches an MCP
//! server, for testing a server locally behind the same inbound rules.
//!
//! Per request: no/empty `Authorization` → 401 with `WWW-Authenticate: Bearer resource_metadata=…`;
//! a token that [`explain`](crate::authorizer::explain::explain) refuses → the service's status and
//! body for the first failing check; a POST whose `Accept` does not list both MCP media types → 406
//! `-32011`; otherwise the request is forwarded to the upstream MCP server (with a platform
//! `Mcp-Session-Id` when the client sent none) and the answer is streamed back. One log line per
//! request on stderr, with the data in it escaped by [`crate::escape::esc`] (a newline in a `kid` cannot forge a line). Keys
//! are held in memory (one refetch on an unknown `kid`), so the evaluation adds well under a
//! millisecond.
//!
//! Limits (so a few hostile clients cannot starve it): a request head must arrive within
//! [`Settings::header_timeout`] (10 s) of its first byte (or of the connection's start), an idle
//! keep-alive connection is closed after [`Settings::idle_timeout`] (60 s), at most
//! [`Settings::max_connections`] connections are open at once (at the cap, a new connection
//! closes the one that has waited longest without a request in flight), request bodies stream
//! through with a 10 MiB cap counted as they pass (never buffered whole) and must not stall for
//! longer than the header timeout, and the upstream must start answering within
//! [`Settings::upstream_timeout`] (504 otherwise; a stream that keeps sending is never cut).

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use crate::authorizer::explain::{self, Report};
use crate::authorizer::{Authorizer, ResourceKind, RuleSet, SigningKeys, rules};
use crate::escape::esc;
use crate::keyring::KeyRing;
use crate::oidc::FetchOptions;
use crate::output::log::log_line;
use crate::report::{Check, CheckId, ServiceError, Verdict};
use crate::token::Jwt;

#[path = "proxy_iam.rs"]
pub mod iam;

/// The body of AgentCore's 406 for a wrong Accept header (JSON-RPC -32011).
pub const ACCEPT_ERROR_BODY: &str = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"Accept Header Error - MCP protocol requires Accept header: application/json, text/event-stream"}}"#;
/// Largest request body forwarded: 10 MiB.
pub const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;
/// Default time for a request head to arrive, from its first byte (or the connection's start).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time an idle keep-alive connection is kept.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on open connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// Most accepted tokens remembered by the evaluation memo.
pub const MEMO_CAP: usize = 4096;

/// One remembered acceptance: the token was accepted with the keys of `generation` at `from`,
/// and stays accepted until `until` (`exp` minus the service's expiry margin) — the only checks
/// that depend on time are `expiry` (fails from `until` on) and `not_before` (once passed, passes
/// later too). A clock that goes back before `from` misses the memo.
#[derive(Debug, Clone, Copy)]
struct Accepted {
    generation: u64,
    from: i64,
    until: i64,
}

/// Tokens accepted recently, keyed by their bytes: a repeated token skips the signature check and
/// the claim parsing. Bounded by [`MEMO_CAP`]; expired entries go first, then everything.
#[derive(Debug, Default)]
struct Memo {
    map: HashMap<Box<str>, Accepted, TailHash>,
}

/// How the memo hashes a token: its length and its last [`TAIL`] bytes (the signature's end),
/// with the process's random SipHash key, instead of all of its kilobyte or so. Entries still
/// match by the whole token's bytes; two tokens share a hash only when they end alike, and only
/// accepted (validly signed) tokens are stored, so a client cannot pile entries into one bucket.
#[derive(Debug, Default, Clone)]
struct TailHash(std::hash::RandomState);

/// Bytes of a token's end that [`TailHash`] hashes.
const TAIL: usize = 64;

impl std::hash::BuildHasher for TailHash {
    type Hasher = TailHasher;
    fn build_hasher(&self) -> TailHasher {
        TailHasher(self.0.build_hasher())
    }
}

/// See [`TailHash`].
struct TailHasher(std::hash::DefaultHasher);

impl std::hash::Hasher for TailHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write_usize(bytes.len());
        self.0.write(&bytes[bytes.len().saturating_sub(TAIL)..]);
    }
    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl Memo {
    fn hit(&self, token: &str, generation: u64, now: i64) -> bool {
        self.map
            .get(token)
            .is_some_and(|a| a.generation == generation && a.from <= now && now < a.until)
    }

    fn insert(&mut self, token: &str, a: Accepted, now: i64) {
        if self.map.len() >= MEMO_CAP && !self.map.contains_key(token) {
            self.map
                .retain(|_, e| now < e.until && e.generation == a.generation);
            if self.map.len() >= MEMO_CAP {
                self.map.clear();
            }
        }
        self.map.insert(token.into(), a);
    }
}

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
    /// How long the upstream may take to start answering (its status and headers); a body that
    /// keeps coming after that (an SSE stream) is not cut.
    pub upstream_timeout: Duration,
    /// How long a request head may take from its first byte (or from the connection's start);
    /// also the longest pause inside a request body.
    pub header_timeout: Duration,
    /// How long a keep-alive connection with no request in flight stays open.
    pub idle_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// IAM mode: requests must carry a SigV4 signature made with these credentials (bearer
    /// tokens are refused); `None`: the JWT front door.
    pub iam: Option<iam::Verifier>,
}

/// Shared state of a running proxy.
#[derive(Debug)]
pub struct State {
    settings: Settings,
    /// The keys and their generation (bumped by each refetch that replaced them).
    keys: RwLock<(Arc<SigningKeys>, u64)>,
    /// Where network keys came from, and its refetch policy (`None`: keys from a file, never
    /// refetched). An async lock: requests that meet an unknown kid at once wait for one refetch.
    ring: Option<tokio::sync::Mutex<KeyRing>>,
    memo: Mutex<Memo>,
    http: Upstream,
    requests: AtomicU64,
}

/// How the proxy reaches the upstream: HTTP/1.1 over plain http or https (rustls with the
/// platform verifier), no redirects followed, no User-Agent added. Connections are made by
/// [`Link`]s, one per client connection.
#[derive(Debug)]
struct Upstream {
    connector: hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    /// The upstream's URL (scheme, host and port to connect to).
    uri: hyper::Uri,
    /// The request target sent: the URL's path and query.
    target: hyper::Uri,
    /// The `Host` header sent: the URL's host, and its port unless the scheme's default.
    host: HeaderValue,
    /// `Authorization: Basic …` from credentials in the URL (`http://user:pass@host/mcp`), sent
    /// ahead of the forwarded headers.
    basic: Option<HeaderValue>,
}

impl Upstream {
    fn new(raw: &str) -> crate::error::Result<Upstream> {
        let fail = |why: String| {
            crate::error::Error::network(format!("cannot build the HTTP client: {why}"), None)
        };
        let mut url = url::Url::parse(raw).map_err(|e| fail(format!("{raw}: {e}")))?;
        let basic = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            use base64::Engine as _;
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            let pair = format!(
                "{}:{}",
                dec(url.username()),
                url.password().map(dec).unwrap_or_default()
            );
            let _ = url.set_username("");
            let _ = url.set_password(None);
            let mut v = HeaderValue::try_from(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ))
            .map_err(|e| fail(e.to_string()))?;
            v.set_sensitive(true);
            Some(v)
        };
        let uri: hyper::Uri = url
            .as_str()
            .parse()
            .map_err(|e| fail(format!("{raw}: {e}")))?;
        let target: hyper::Uri = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .map_err(|e| fail(format!("{raw}: {e}")))?;
        let host = match (uri.host(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(fail(format!("{raw}: no host"))),
        };
        let host = HeaderValue::try_from(host).map_err(|e| fail(e.to_string()))?;
        let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(5)));
        http.set_keepalive(Some(Duration::from_secs(15)));
        http.set_keepalive_interval(Some(Duration::from_secs(15)));
        http.set_keepalive_retries(Some(3));
        use rustls_platform_verifier::BuilderVerifierExt;
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string()))?
        .with_platform_verifier()
        .map_err(|e| fail(e.to_string()))?
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Upstream {
            connector,
            uri,
            target,
            host,
            basic,
        })
    }
}

type UpstreamConn = hyper::client::conn::http1::Connection<
    hyper_rustls::MaybeHttpsStream<hyper_util::rt::TokioIo<tokio::net::TcpStream>>,
    Body,
>;

/// Why a request could not be sent upstream.
enum UpstreamError {
    /// No connection (refused, timed out, TLS failed).
    Connect(Box<dyn std::error::Error + Send + Sync>),
    /// The exchange failed.
    Http(hyper::Error),
}

impl UpstreamError {
    fn error(&self) -> &(dyn std::error::Error + 'static) {
        match self {
            UpstreamError::Connect(e) => &**e,
            UpstreamError::Http(e) => e,
        }
    }
}

/// A client connection's own connection to the upstream: made for its first forwarded request,
/// reused by the next ones (HTTP/1.1 has one request in flight per connection), closed with the
/// client connection or when the upstream closes it. The client connection's task polls it
/// ([`Link::drive`]), so a forwarded request wakes no other task; there are never more upstream
/// connections than client connections.
#[derive(Default)]
pub struct Link(Mutex<LinkState>);

#[derive(Default)]
struct LinkState {
    sender: Option<hyper::client::conn::http1::SendRequest<Body>>,
    conn: Option<Pin<Box<UpstreamConn>>>,
    /// The task to wake when a connection is installed.
    waker: Option<std::task::Waker>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Link")
    }
}

impl Link {
    fn state(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Polls the upstream connection, if there is one; never completes.
    pub fn drive(&self) -> impl std::future::Future<Output = Infallible> + '_ {
        std::future::poll_fn(move |cx| {
            let mut st = self.state();
            if let Some(c) = st.conn.as_mut()
                && c.as_mut().poll(cx).is_ready()
            {
                // Closed (by either side) or failed: the request in flight has its error.
                st.conn = None;
                st.sender = None;
            }
            if st.conn.is_none() && !st.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                st.waker = Some(cx.waker().clone());
            }
            Poll::Pending
        })
    }

    async fn connect(
        &self,
        up: &Upstream,
    ) -> Result<hyper::client::conn::http1::SendRequest<Body>, UpstreamError> {
        use tower_service::Service as _;
        let io = up
            .connector
            .clone()
            .call(up.uri.clone())
            .await
            .map_err(UpstreamError::Connect)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(UpstreamError::Http)?;
        let mut st = self.state();
        st.conn = Some(Box::pin(conn));
        if let Some(w) = st.waker.take() {
            w.wake();
        }
        Ok(sender)
    }

    /// Sends `req` on the kept connection, or on a new one when there is none, it has closed,
    /// or the upstream closed it before the request was written.
    async fn send(
        &self,
        up: &Upstream,
        mut req: Request<Body>,
    ) -> Result<Response<Incoming>, UpstreamError> {
        let kept = self.state().sender.take();
        if let Some(mut s) = kept.filter(|s| !s.is_closed())
            && s.ready().await.is_ok()
        {
            match s.try_send_request(req).await {
                Ok(r) => {
                    self.state().sender = Some(s);
                    return Ok(r);
                }
                Err(mut e) => match e.take_message() {
                    Some(r) => req = r,
                    None => return Err(UpstreamError::Http(e.into_error())),
                },
            }
        }
        let mut s = self.connect(up).await?;
        let r = s.send_request(req).await.map_err(UpstreamError::Http)?;
        self.state().sender = Some(s);
        Ok(r)
    }
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
    pub fn new(settings: Settings, keys: SigningKeys) -> crate::error::Result<State> {
        let http = Upstream::new(&settings.upstream)?;
        Ok(State {
            settings,
            keys: RwLock::new((Arc::new(keys), 0)),
            ring: None,
            memo: Mutex::new(Memo::default()),
            http,
            requests: AtomicU64::new(0),
        })
    }

    /// The proxy refetches through `ring` (the one the keys came from) on an unknown kid, as
    /// its policy allows ([`crate::keyring::REFETCH_INTERVAL`]).
    pub fn with_ring(mut self, ring: Option<KeyRing>) -> State {
        self.ring = ring.map(tokio::sync::Mutex::new);
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn keys(&self) -> (Arc<SigningKeys>, u64) {
        match self.keys.read() {
            Ok(k) => k.clone(),
            // A writer panicked mid-swap; the Arc inside is still whole.
            Err(p) => p.into_inner().clone(),
        }
    }

    fn now(&self) -> i64 {
        self.settings.now.unwrap_or_else(crate::timefmt::system_now)
    }

    /// Whether `token` was accepted earlier with the current keys and is still within its time
    /// window at `now` (then its evaluation would accept it again).
    fn memo_accepts(&self, token: &str, now: i64) -> bool {
        let generation = match self.keys.read() {
            Ok(k) => k.1,
            Err(p) => p.into_inner().1,
        };
        self.memo
            .lock()
            .is_ok_and(|m| m.hit(token, generation, now))
    }

    /// Remembers an accepted token (`jwt` parsed from it) until its `exp` minus the service's
    /// expiry margin.
    fn remember(&self, token: &str, jwt: Option<&Jwt>, generation: u64, now: i64) {
        let Some(exp) = jwt.and_then(|j| j.claim_time("exp")) else {
            return;
        };
        let until = exp.saturating_sub(rules::expiry_margin(&self.settings.auth));
        if now >= until {
            return;
        }
        if let Ok(mut m) = self.memo.lock() {
            m.insert(
                token,
                Accepted {
                    generation,
                    from: now,
                    until,
                },
                now,
            );
        }
    }

    /// Evaluates a token as `explain` does; on an unknown kid, refetches the JWKS once (at most
    /// every 30 s) and evaluates again. An accepted token is remembered (in the proxy's memo); only
    /// [`decide`] reads the memo, since it needs the verdict alone. `None` for an accepted token:
    /// its report (diagnoses, views) is not built, since nothing reads it.
    pub async fn evaluate(&self, token: &str) -> Option<Report> {
        let now = self.now();
        let (keys, generation) = self.keys();
        // The verdict alone first (passed checks bare); a token not accepted is judged again in
        // full for its report (the log names its check and diagnoses).
        let auth = &self.settings.auth;
        let judged = explain::judge_with(auth, token, &keys, now, crate::claims::Detail::Failures);
        if judged.verdict == Verdict::Accepted {
            self.remember(token, judged.jwt(), generation, now);
            return None;
        }
        let report = explain::explain(auth, token, &keys, now);
        Some(self.evaluate_refused(token, report, generation).await)
    }

    /// The rest of [`State::evaluate`] for a token not accepted: on an unknown kid, the keys of
    /// the ring's refetch (unless a request met it first and the keys are newer than `seen`), and
    /// the token evaluated again with them.
    async fn evaluate_refused(&self, token: &str, report: Report, seen: u64) -> Report {
        if !report.diagnoses.iter().any(|d| d.code == "unknown-kid") {
            return report;
        }
        let (Some(o), Some(ring)) = (&self.settings.refetch, &self.ring) else {
            return report;
        };
        let (k, generation) = {
            let mut ring = ring.lock().await;
            if u64::from(ring.generation()) == seen {
                // The ring's policy: at most one refetch per interval, a failure keeps the keys.
                match ring.refetch(o).await {
                    Ok(true) => {}
                    _ => return report,
                }
            }
            let k = Arc::new(explain::signing_keys_of(ring.fetched()));
            let generation = u64::from(ring.generation());
            let newer = match self.keys.write() {
                Ok(mut w) if w.1 < generation => {
                    *w = (k.clone(), generation);
                    None
                }
                // Another request put these keys (or newer) in place already.
                Ok(w) => Some(w.clone()),
                Err(_) => return report,
            };
            if let Some((k, g)) = newer {
                return self.evaluate_with(token, k, g);
            }
            (k, generation)
        };
        // Acceptances made with the old keys are not trusted any more.
        if let Ok(mut m) = self.memo.lock() {
            m.map.retain(|_, a| a.generation == generation);
        }
        self.evaluate_with(token, k, generation)
    }

    /// The full evaluation of `token` with keys of `generation`, remembered when accepted.
    fn evaluate_with(&self, token: &str, keys: Arc<SigningKeys>, generation: u64) -> Report {
        let now = self.now();
        let auth = &self.settings.auth;
        let judged = explain::judge(auth, token, &keys, now);
        if judged.verdict == Verdict::Accepted {
            self.remember(token, judged.jwt(), generation, now);
        }
        explain::report(auth, &keys, judged)
    }
}

/// Whether an Accept header lists both `application/json` and `text/event-stream` literally
/// (wildcards such as `*/*` do not count, parameters are ignored).
pub fn accept_ok(accept: Option<&str>) -> bool {
    let Some(a) = accept else { return false };
    // One pass over the bytes (every authenticated POST asks).
    let (mut json, mut sse) = (false, false);
    for item in a.as_bytes().split(|&b| b == b',') {
        let media = item.split(|&b| b == b';').next().unwrap_or_default();
        let media = media.trim_ascii();
        json |= media.eq_ignore_ascii_case(b"application/json");
        sse |= media.eq_ignore_ascii_case(b"text/event-stream");
    }
    json && sse
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

/// The body text of a refusal whose service wording is not known. The check's own message stays
/// in the proxy's log only: it may name local files (the config, `keys from ./jwks.json`), and a
/// client must get only what the service could say (issue 15).
pub const UNKNOWN_WORDING: &str = "Unauthorized";

/// The service's answer to a failing check: its known status and text, or (unknown wording) 401
/// `-32001` with [`UNKNOWN_WORDING`]. The flag says whether the wording is the service's.
pub fn refusal_for(check: &Check, rule_set: RuleSet) -> (u16, String, bool) {
    let known = check.service_error.or(match check.id {
        // Expired tokens get the near-expiry answer too; keep it even if a rule left it unset.
        CheckId::Expiry => Some(rules::service::INEFFECTUAL),
        CheckId::Format => Some(rules::service::PARSE),
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
        None => (401, jsonrpc_401(UNKNOWN_WORDING), false),
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
    if state.memo_accepts(token, state.now()) {
        return accept_rule(method, headers);
    }
    if let Some(report) = state.evaluate(token).await
        && report.verdict != Verdict::Accepted
    {
        let codes: Vec<Cow<str>> = report.diagnoses.iter().map(|d| esc(d.code)).collect();
        let codes = if codes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", codes.join(", "))
        };
        return match report.first_failure() {
            Some(c) => {
                let (status, body, service_wording) = refusal_for(c, state.settings.auth.rules);
                // A gateway refuses every failing JWT with 403 (a runtime says 401).
                let status = state.settings.auth.kind.service_status(status);
                let mut extra = Vec::new();
                if state.settings.auth.rules == RuleSet::Apigateway {
                    let desc = c
                        .service_error
                        .map_or(UNKNOWN_WORDING, |s| s.text)
                        .to_string();
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
                        esc(c.id.as_str()),
                        esc(&c.message),
                        if service_wording {
                            ""
                        } else {
                            " (answered Unauthorized: the service's wording for this check is \
                             not known)"
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
    accept_rule(method, headers)
}

/// The service's MCP Accept rule for an authenticated request: a POST whose `Accept` does not
/// list both media types gets 406 `-32011`.
fn accept_rule(method: &hyper::Method, headers: &HeaderMap) -> Decision {
    let accept = headers.get("accept").and_then(|v| v.to_str().ok());
    if method == hyper::Method::POST && !accept_ok(accept) {
        return Decision::Refuse {
            status: 406,
            headers: Vec::new(),
            body: ACCEPT_ERROR_BODY.to_string(),
            reason: format!(
                "Accept {} does not list both application/json and text/event-stream",
                accept
                    .map(|a| format!("\"{}\"", esc(a)))
                    .unwrap_or_else(|| "(missing)".into())
            ),
        };
    }
    Decision::Forward
}

/// Whether the service would serve this path: `/mcp` (a gateway's shape, and the shortcut) or
/// a runtime's `/runtimes/<percent-encoded ARN>/invocations` (for the configured ARN when the
/// config names one). `Err` says why not, for the log.
pub fn route(auth: &Authorizer, uri: &hyper::Uri) -> Result<(), String> {
    let path = uri.path();
    if path == "/mcp" || path == "/mcp/" {
        return Ok(());
    }
    let Some(enc) = path
        .strip_prefix("/runtimes/")
        .and_then(|r| r.strip_suffix("/invocations"))
    else {
        return Err(format!(
            "{} is neither /mcp nor /runtimes/<ARN>/invocations",
            esc(&crate::escape::short(path, 200))
        ));
    };
    let arn = percent_encoding::percent_decode_str(enc).decode_utf8_lossy();
    if !arn.starts_with("arn:") || (arn.contains('/') && !arn.contains(":runtime/")) {
        return Err(format!(
            "{} is not a runtime ARN (percent-encode it: arn%3Aaws%3Abedrock-agentcore%3A…)",
            esc(&crate::escape::short(&arn, 200))
        ));
    }
    if auth.kind == ResourceKind::Runtime
        && let Some(want) = &auth.agent_arn
        && !want.contains("${")
        && arn.as_ref() != want.as_str()
    {
        return Err(format!(
            "runtime {} is not the configured one ({})",
            esc(&crate::escape::short(&arn, 200)),
            esc(want)
        ));
    }
    Ok(())
}

/// The headers AgentCore Runtime passes to the container whatever `requestHeaderAllowlist` says
/// (the MCP transport's own and the platform's); everything else, `Authorization` included,
/// reaches the container only when listed.
pub const RUNTIME_PASSED_HEADERS: &[&str] = &[
    "content-type",
    "accept",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
    "x-amzn-bedrock-agentcore-runtime-session-id",
    "x-amzn-bedrock-agentcore-runtime-user-id",
    "x-amzn-trace-id",
    "traceparent",
    "tracestate",
    "baggage",
];

/// Whether a runtime passes header `name` (lowercase) to its container given `allowlist`.
pub fn runtime_passes(name: &str, allowlist: Option<&[String]>) -> bool {
    RUNTIME_PASSED_HEADERS.contains(&name)
        || allowlist.is_some_and(|l| l.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

/// Headers that describe one hop and are never forwarded (RFC 9110 §7.6.1), plus those the
/// proxy sets itself (`host`, `content-length`).
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// The header names listed in `Connection:` (hop-by-hop for this message), lowercased; bounded.
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .take(64)
        .collect()
}

/// Whether a header is forwarded: not hop-by-hop, not named in `Connection:`.
fn forwardable(name: &str, listed: &[String]) -> bool {
    !is_hop_by_hop(name) && !listed.iter().any(|l| l == name)
}

fn empty() -> Body {
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed()
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

fn proxy_error(status: u16, message: &str) -> Response<Body> {
    json_response(
        status,
        &[],
        json!({"message": format!("tokdiag proxy: {message}")}).to_string(),
    )
}

/// Handles one request end to end and writes its log line.
pub async fn handle(
    state: Arc<State>,
    link: Arc<Link>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let start = Instant::now();
    let n = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let method = req.method().clone();
    let path = req.uri().path();
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
            path,
            200,
            "served protected-resource metadata",
            start,
            None,
        );
        return Ok(json_response(200, &[], body.to_string()));
    }
    if let Err(why) = route(&state.settings.auth, req.uri()) {
        log(
            n,
            &method,
            path,
            404,
            format!(
                "not a path the service serves: {why} (the body's wording is not known from the service)"
            ),
            start,
            None,
        );
        return Ok(json_response(
            404,
            &[("x-amzn-errortype", "ResourceNotFoundException".into())],
            json!({"message": "Resource not found"}).to_string(),
        ));
    }
    if let Some(verifier) = &state.settings.iam {
        return Ok(handle_iam(&state, &link, verifier, req, n, start).await);
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
            path,
            status,
            format!("refused: {reason}"),
            start,
            None,
        );
        return Ok(json_response(status, &headers, body));
    }
    let (parts, body) = req.into_parts();
    Ok(forward(
        &state,
        &link,
        parts,
        Forwarded::Stream(body),
        Admitted {
            n,
            start,
            eval,
            accepted: "token accepted",
        },
    )
    .await)
}

/// IAM mode: the head checks, then the body is held (within the cap) for the signature, then
/// the Accept rule, then the forward.
async fn handle_iam(
    state: &State,
    link: &Link,
    verifier: &iam::Verifier,
    req: Request<Incoming>,
    n: u64,
    start: Instant,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let refuse = |r: iam::Refusal| {
        log(
            n,
            &parts.method,
            path,
            r.status,
            format!("refused: {}", r.log_text()),
            start,
            None,
        );
        json_response(
            r.status,
            &[("x-amzn-errortype", r.error_type.into())],
            r.body(),
        )
    };
    let head = match verifier.check_head(&parts.headers, state.now()) {
        Ok(h) => h,
        Err(r) => return refuse(r),
    };
    let declared = declared_length(&parts.headers);
    let bytes = match hold_body(body, declared, state.settings.header_timeout).await {
        Ok(b) => b,
        Err(fail) => {
            let (status, msg) = fail.answer();
            log(
                n,
                &parts.method,
                path,
                status,
                format!("refused: {}", esc(&msg)),
                start,
                None,
            );
            return proxy_error(status, &msg);
        }
    };
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or(path);
    if let Err(r) =
        verifier.check_signature(&head, parts.method.as_str(), pq, &parts.headers, &bytes)
    {
        return refuse(r);
    }
    if let Decision::Refuse {
        status,
        headers,
        body,
        reason,
    } = accept_rule(&parts.method, &parts.headers)
    {
        log(
            n,
            &parts.method,
            path,
            status,
            format!("refused: {reason}"),
            start,
            None,
        );
        return json_response(status, &headers, body);
    }
    let eval = start.elapsed();
    let accepted = format!(
        "SigV4 verified: {}, {}",
        esc(&head.key_id),
        esc(&head.region)
    );
    forward(
        state,
        link,
        parts,
        Forwarded::Held(bytes),
        Admitted {
            n,
            start,
            eval,
            accepted: &accepted,
        },
    )
    .await
}

/// The request's `Content-Length`, when it is a number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads a whole request body within [`MAX_REQUEST_BODY`] (a larger `Content-Length` is refused
/// before reading), with the same stall limit as a streamed one.
async fn hold_body(
    body: Incoming,
    declared: Option<u64>,
    stall: Duration,
) -> Result<Bytes, BodyFail> {
    use futures_util::StreamExt;
    if declared.is_some_and(|l| l > MAX_REQUEST_BODY as u64) {
        return Err(BodyFail::TooLarge);
    }
    let slot: FailSlot = Arc::new(Mutex::new(None));
    let stream = limited_stream(body, MAX_REQUEST_BODY, stall, slot.clone());
    let mut stream = std::pin::pin!(stream);
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(b) => match first.take() {
                None if buf.is_empty() => first = Some(b),
                None => buf.extend_from_slice(&b),
                Some(f) => {
                    buf.reserve(f.len() + b.len());
                    buf.extend_from_slice(&f);
                    buf.extend_from_slice(&b);
                }
            },
            Err(e) => {
                let recorded = slot.lock().ok().and_then(|s| s.clone());
                return Err(recorded.unwrap_or_else(|| BodyFail::Gone(e.to_string())));
            }
        }
    }
    Ok(match first {
        Some(f) => f,
        None => Bytes::from(buf),
    })
}

/// What goes upstream as the request body.
enum Forwarded {
    /// The client's body, streamed through the cap.
    Stream(Incoming),
    /// A body already read whole (IAM mode: the signature covers it).
    Held(Bytes),
}

/// Why a request body could not be forwarded.
#[derive(Debug, Clone)]
enum BodyFail {
    /// Over [`MAX_REQUEST_BODY`].
    TooLarge,
    /// Not valid HTTP/1.1 framing (a malformed chunk size, …).
    Malformed(String),
    /// No byte for longer than the header timeout.
    Stalled(Duration),
    /// The client went away mid-body.
    Gone(String),
}

impl BodyFail {
    fn from_hyper(e: &hyper::Error) -> BodyFail {
        let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        let mut hops = 0;
        while let Some(s) = src {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => {
                        BodyFail::Malformed(io.to_string())
                    }
                    _ => BodyFail::Gone(io.to_string()),
                };
            }
            hops += 1;
            if hops > 8 {
                break;
            }
            src = s.source();
        }
        BodyFail::Gone(e.to_string())
    }

    /// The status, client-facing message and log text.
    fn answer(&self) -> (u16, String) {
        match self {
            BodyFail::TooLarge => (
                413,
                format!("request body over {} MiB", MAX_REQUEST_BODY >> 20),
            ),
            BodyFail::Malformed(e) => (400, format!("malformed request body ({e})")),
            BodyFail::Stalled(d) => (
                408,
                format!("request body stalled: no byte for {} s", d.as_secs()),
            ),
            BodyFail::Gone(e) => (
                400,
                format!("the client stopped sending the request body ({e})"),
            ),
        }
    }
}

type FailSlot = Arc<Mutex<Option<BodyFail>>>;

fn set_fail(slot: &FailSlot, f: BodyFail) -> Box<dyn std::error::Error + Send + Sync> {
    let msg = f.answer().1;
    if let Ok(mut s) = slot.lock() {
        s.get_or_insert(f);
    }
    msg.into()
}

/// The request body as a stream that counts bytes as they pass (over `limit`: error
/// [`BodyFail::TooLarge`]), errors when no frame comes for `stall`, and records why it failed in
/// `slot`. Nothing is buffered beyond the frame in hand.
fn limited_stream(
    body: Incoming,
    limit: usize,
    stall: Duration,
    slot: FailSlot,
) -> impl futures_util::Stream<Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>>
+ Send
+ 'static {
    futures_util::stream::unfold(Some((body, 0usize)), move |st| {
        let slot = slot.clone();
        async move {
            let (mut body, mut seen) = st?;
            loop {
                match tokio::time::timeout(stall, body.frame()).await {
                    Err(_) => return Some((Err(set_fail(&slot, BodyFail::Stalled(stall))), None)),
                    Ok(None) => return None,
                    Ok(Some(Err(e))) => {
                        return Some((Err(set_fail(&slot, BodyFail::from_hyper(&e))), None));
                    }
                    Ok(Some(Ok(frame))) => {
                        let Ok(data) = frame.into_data() else {
                            continue; // trailers: not forwarded
                        };
                        seen = seen.saturating_add(data.len());
                        if seen > limit {
                            return Some((Err(set_fail(&slot, BodyFail::TooLarge)), None));
                        }
                        return Some((Ok(data), Some((body, seen))));
                    }
                }
            }
        }
    })
}

/// A request the front door let through, for [`forward`]'s log line: its number, when it
/// arrived, the time the front door took and why it passed.
struct Admitted<'a> {
    n: u64,
    start: Instant,
    eval: Duration,
    accepted: &'a str,
}

async fn forward(
    state: &State,
    link: &Link,
    parts: hyper::http::request::Parts,
    body: Forwarded,
    admitted: Admitted<'_>,
) -> Response<Body> {
    let Admitted {
        n,
        start,
        eval,
        accepted,
    } = admitted;
    let hyper::http::request::Parts {
        method,
        uri,
        headers,
        ..
    } = parts;
    let path = uri.path();
    let refuse = |fail: &BodyFail| {
        let (status, msg) = fail.answer();
        log(
            n,
            &method,
            path,
            status,
            format!("refused: {}", esc(&msg)),
            start,
            Some(eval),
        );
        proxy_error(status, &msg)
    };
    let declared = declared_length(&headers);
    if declared.is_some_and(|l| l > MAX_REQUEST_BODY as u64) {
        return refuse(&BodyFail::TooLarge);
    }
    let slot: FailSlot = Arc::new(Mutex::new(None));
    // The Content-Length sent: none for no body (a GET) unless the client said 0; the client's
    // own for a streamed body (hyper then sends exactly that many bytes, no chunking); a held
    // body's length is known to hyper.
    let mut length: Option<u64> = None;
    let out_body: Body = match body {
        Forwarded::Stream(body) if hyper::body::Body::is_end_stream(&body) => {
            // No body (a GET, or Content-Length: 0): send none rather than an empty chunked one.
            length = declared.filter(|&l| l == 0);
            empty()
        }
        Forwarded::Stream(body) => {
            length = declared;
            BodyExt::boxed(StreamBody::new(
                limited_stream(
                    body,
                    MAX_REQUEST_BODY,
                    state.settings.header_timeout,
                    slot.clone(),
                )
                .map_ok(Frame::data),
            ))
        }
        Forwarded::Held(b) if b.is_empty() => {
            length = declared.filter(|&l| l == 0);
            empty()
        }
        Forwarded::Held(b) => full(b),
    };
    let up = &state.http;
    let mut out = HeaderMap::with_capacity(headers.len() + 4);
    if let Some(b) = &up.basic {
        out.append(hyper::header::AUTHORIZATION, b.clone());
    }
    if let Some(l) = length {
        out.append(hyper::header::CONTENT_LENGTH, HeaderValue::from(l));
    }
    let listed = connection_listed(&headers);
    let runtime = state.settings.auth.kind == ResourceKind::Runtime;
    let allowlist = state.settings.auth.request_header_allowlist.as_deref();
    let mut dropped: Vec<HeaderName> = Vec::new();
    let has_session = headers.contains_key("mcp-session-id");
    let has_runtime_session = headers.contains_key("x-amzn-bedrock-agentcore-runtime-session-id");
    // The client's headers move over (in their order, values not copied), minus what stays here.
    let mut name: Option<HeaderName> = None;
    let mut keep = false;
    for (k, v) in headers {
        if let Some(k) = k {
            keep = forwardable(k.as_str(), &listed);
            if keep && runtime && !runtime_passes(k.as_str(), allowlist) {
                keep = false;
                if dropped.len() < 32 {
                    dropped.push(k.clone());
                }
            }
            name = Some(k);
        }
        if keep && let Some(k) = &name {
            out.append(k, v);
        }
    }
    let dropped_note = if dropped.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = dropped.iter().map(|h| h.as_str()).collect();
        format!(
            "; dropped headers not in requestHeaderAllowlist: {}",
            esc(&names.join(", "))
        )
    };
    let mut added_session: Option<HeaderValue> = None;
    if !has_session {
        // AgentCore (stateless mode) generates the session id and tells the client in the answer.
        if let Ok(s) = HeaderValue::try_from(crate::mcp::uuid_like("")) {
            out.append("mcp-session-id", s.clone());
            added_session = Some(s);
        }
    }
    if !has_runtime_session && let Ok(s) = HeaderValue::try_from(crate::mcp::new_session_id()) {
        out.append("x-amzn-bedrock-agentcore-runtime-session-id", s);
    }
    if !out.contains_key(hyper::header::ACCEPT) {
        // As reqwest (the client before this one) did: an upstream sees the same request.
        out.insert(hyper::header::ACCEPT, HeaderValue::from_static("*/*"));
    }
    out.append(hyper::header::HOST, up.host.clone());
    let mut req = Request::new(out_body);
    *req.method_mut() = method.clone();
    *req.uri_mut() = up.target.clone();
    *req.headers_mut() = out;
    let wait = state.settings.upstream_timeout;
    let sent = tokio::time::timeout(wait, link.send(up, req)).await;
    let body_fail = || slot.lock().ok().and_then(|s| s.clone());
    let upstream = match sent {
        Ok(Ok(r)) => {
            if let Some(f) = body_fail() {
                return refuse(&f);
            }
            r
        }
        Ok(Err(e)) => {
            if let Some(f) = body_fail() {
                return refuse(&f);
            }
            let why = crate::net::error_chain(e.error());
            let (status, msg) = if crate::net::has_io_error(e.error(), std::io::ErrorKind::TimedOut)
            {
                (
                    504,
                    format!(
                        "upstream {} did not accept the connection in time: {why}",
                        state.settings.upstream
                    ),
                )
            } else {
                (
                    502,
                    format!("upstream {} unreachable: {why}", state.settings.upstream),
                )
            };
            log(
                n,
                &method,
                path,
                status,
                format!("forward failed: {}", esc(&msg)),
                start,
                Some(eval),
            );
            return proxy_error(status, &msg);
        }
        Err(_) => {
            if let Some(f) = body_fail() {
                return refuse(&f);
            }
            let msg = format!(
                "upstream {} did not answer within {} s (--upstream-timeout)",
                state.settings.upstream,
                wait.as_secs()
            );
            log(
                n,
                &method,
                path,
                504,
                format!("forward failed: {}", esc(&msg)),
                start,
                Some(eval),
            );
            return proxy_error(504, &msg);
        }
    };
    let (head, incoming) = upstream.into_parts();
    let status = head.status;
    let listed = connection_listed(&head.headers);
    let mut resp_headers = HeaderMap::with_capacity(head.headers.len() + 2);
    let mut name: Option<HeaderName> = None;
    let mut keep = false;
    for (k, v) in head.headers {
        if let Some(k) = k {
            keep = forwardable(k.as_str(), &listed);
            name = Some(k);
        }
        if keep && let Some(k) = &name {
            resp_headers.append(k, v);
        }
    }
    if let Some(s) = added_session
        && !resp_headers.contains_key("mcp-session-id")
    {
        resp_headers.insert("mcp-session-id", s);
    }
    if let Some(len) = hyper::body::Body::size_hint(&incoming).exact() {
        resp_headers.insert(hyper::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    let mut r = Response::new(BodyExt::boxed(DataOnly(incoming)));
    *r.status_mut() = status;
    *r.headers_mut() = resp_headers;
    let status = status.as_u16();
    log(
        n,
        &method,
        path,
        status,
        format_args!("forwarded ({accepted}){dropped_note}"),
        start,
        Some(eval),
    );
    r
}

/// The upstream's answer body, its data frames only (trailers are not forwarded), errors boxed.
struct DataOnly(Incoming);

impl hyper::body::Body for DataOnly {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        loop {
            return match Pin::new(&mut self.0).poll_frame(cx) {
                Poll::Ready(Some(Ok(f))) if !f.is_data() => continue,
                other => other.map_err(|e| Box::new(e) as Self::Error),
            };
        }
    }
    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }
    fn size_hint(&self) -> SizeHint {
        self.0.size_hint()
    }
}

fn log(
    n: u64,
    method: &hyper::Method,
    path: &str,
    status: u16,
    what: impl std::fmt::Display,
    start: Instant,
    eval: Option<Duration>,
) {
    use std::fmt::Write as _;
    // One string for the whole line (no separate timing, escaped-part or `what` strings), the
    // fixed parts pushed as they are.
    let mut line = String::with_capacity(192 + path.len());
    line.push_str("tokdiag proxy: #");
    let _ = write!(line, "{n}");
    line.push(' ');
    line.push_str(&esc(method.as_str()));
    line.push(' ');
    line.push_str(&esc(path));
    line.push_str(" → ");
    let _ = write!(line, "{status} {what}");
    let all = start.elapsed();
    match eval {
        Some(e) => {
            line.push_str(" (");
            push_ms(&mut line, e, 2);
            line.push_str(" ms at the front door, ");
            push_ms(&mut line, all, 1);
            line.push_str(" ms in all)");
        }
        None => {
            line.push_str(" (");
            push_ms(&mut line, all, 2);
            line.push_str(" ms)");
        }
    }
    log_line(line);
}

/// Writes a duration in milliseconds with `decimals` (1 or 2) decimals, rounded half up (`0.05`,
/// `12.3`), with integer arithmetic (the float formatting it replaces cost more than the rest of
/// the line).
fn push_ms(line: &mut String, d: Duration, decimals: u32) {
    use std::fmt::Write as _;
    let decimals = decimals.clamp(1, 2);
    let unit = 10u64.pow(3 - decimals);
    let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2);
    let scaled = (micros + unit / 2) / unit;
    let one = 10u64.pow(decimals);
    let _ = write!(line, "{}.", scaled / one);
    let frac = scaled % one;
    if decimals == 2 && frac < 10 {
        line.push('0');
    }
    let _ = write!(line, "{frac}");
}

/// Milliseconds since the proxy's clock origin (for connection phases).
fn now_ms() -> u64 {
    static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);
    ORIGIN.elapsed().as_millis() as u64
}

/// A connection is reading a request head (since its first byte, or since it was opened).
const PHASE_HEAD: u8 = 0;
/// A keep-alive connection with no request in flight.
const PHASE_IDLE: u8 = 1;
/// A request is in flight (its answer not yet fully written).
const PHASE_BUSY: u8 = 2;

/// What the server knows of one open connection.
#[derive(Debug)]
struct ConnInfo {
    phase: AtomicU8,
    since_ms: AtomicU64,
    close: CloseSignal,
    /// The proxy is stopping: finish the request in flight, then close.
    shutdown: CloseSignal,
}

/// A request to close a connection (from the sweeper or the cap), kept until its task takes it.
/// An atomic flag and the task's waker: the connection's task polls it at every wake-up, and a
/// [`tokio::sync::Notify`] took a lock at each of those polls.
#[derive(Debug, Default)]
struct CloseSignal {
    asked: std::sync::atomic::AtomicBool,
    waker: futures_util::task::AtomicWaker,
}

impl CloseSignal {
    /// Asks the connection to close (kept until [`CloseSignal::asked`] takes it).
    fn ask(&self) {
        self.asked.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Resolves once asked, and takes the request.
    fn asked(&self) -> impl std::future::Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.asked.swap(false, Ordering::AcqRel) {
                return Poll::Ready(());
            }
            self.waker.register(cx.waker());
            // Asked between the test and the registration: the wake went to the old waker.
            if self.asked.swap(false, Ordering::AcqRel) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

impl ConnInfo {
    fn set(&self, phase: u8) {
        self.since_ms.store(now_ms(), Ordering::Relaxed);
        self.phase.store(phase, Ordering::Release);
    }
}

/// The open connections, for the cap and the timeouts.
#[derive(Debug, Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Arc<ConnInfo>>>,
    next: AtomicU64,
    /// Connections closed by a timeout or the cap since the last log line about it.
    closed_head: AtomicUsize,
    closed_idle: AtomicUsize,
    closed_cap: AtomicUsize,
}

impl Registry {
    fn add(&self) -> (u64, Arc<ConnInfo>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let info = Arc::new(ConnInfo {
            phase: AtomicU8::new(PHASE_HEAD),
            since_ms: AtomicU64::new(now_ms()),
            close: CloseSignal::default(),
            shutdown: CloseSignal::default(),
        });
        if let Ok(mut c) = self.conns.lock() {
            c.insert(id, info.clone());
        }
        (id, info)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut c) = self.conns.lock() {
            c.remove(&id);
        }
    }

    /// Tells the connection that has waited longest without a request in flight to close;
    /// false when every connection is busy.
    fn evict_one(&self) -> bool {
        let Ok(c) = self.conns.lock() else {
            return false;
        };
        let victim = c
            .values()
            .filter(|i| i.phase.load(Ordering::Acquire) != PHASE_BUSY)
            .min_by_key(|i| i.since_ms.load(Ordering::Relaxed));
        match victim {
            Some(v) => {
                v.close.ask();
                self.closed_cap.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Tells every connection that the proxy is stopping.
    fn shutdown_all(&self) {
        if let Ok(c) = self.conns.lock() {
            for i in c.values() {
                i.shutdown.ask();
            }
        }
    }

    /// Whether no connection has a request in flight.
    fn none_busy(&self) -> bool {
        self.conns.lock().is_ok_and(|c| {
            c.values()
                .all(|i| i.phase.load(Ordering::Acquire) != PHASE_BUSY)
        })
    }

    /// Closes connections whose head or idle time ran out.
    fn sweep(&self, header: Duration, idle: Duration) {
        let now = now_ms();
        let Ok(c) = self.conns.lock() else { return };
        for i in c.values() {
            let waited = now.saturating_sub(i.since_ms.load(Ordering::Relaxed));
            match i.phase.load(Ordering::Acquire) {
                PHASE_HEAD if waited >= header.as_millis() as u64 => {
                    i.close.ask();
                    self.closed_head.fetch_add(1, Ordering::Relaxed);
                }
                PHASE_IDLE if waited >= idle.as_millis() as u64 => {
                    i.close.ask();
                    self.closed_idle.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
    }

    /// One log line about connections closed by the limits, if any since the last one.
    fn report(&self, s: &Settings) {
        let head = self.closed_head.swap(0, Ordering::Relaxed);
        let idle = self.closed_idle.swap(0, Ordering::Relaxed);
        let cap = self.closed_cap.swap(0, Ordering::Relaxed);
        let mut parts = Vec::new();
        if head > 0 {
            parts.push(format!(
                "{head} that sent no complete request head within {} s (--header-timeout)",
                s.header_timeout.as_secs()
            ));
        }
        if cap > 0 {
            parts.push(format!(
                "{cap} waiting without a request to make room at the cap of {} connections \
                 (--max-connections)",
                s.max_connections
            ));
        }
        if idle > 0 {
            parts.push(format!(
                "{idle} idle for {} s (--idle-timeout)",
                s.idle_timeout.as_secs()
            ));
        }
        if !parts.is_empty() {
            log_line(format!(
                "tokdiag proxy: closed connections: {}",
                parts.join("; ")
            ));
        }
    }
}

/// A TCP stream that marks its connection as reading a head when bytes arrive while no request
/// is in flight (an idle keep-alive connection starting its next request).
struct Watched {
    io: tokio::net::TcpStream,
    info: Arc<ConnInfo>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before && self.info.phase.load(Ordering::Acquire) == PHASE_IDLE {
            self.info.set(PHASE_HEAD);
        }
        r
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// A response body that marks its connection idle once it is written (or dropped).
struct Tracked {
    inner: Body,
    info: Arc<ConnInfo>,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.info.set(PHASE_IDLE);
    }
}

/// Gives freed heap memory back to the system once the proxy is quiet: glibc keeps it in its
/// arenas otherwise, and after a burst of large bodies the process would stay near its peak.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers, only walks glibc's own (locked) arenas, and may be
    // called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Serves connections from `listener` until `shutdown` resolves; then lets open connections
/// finish their current request (at most `grace`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<State>,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
) {
    let mut conns = tokio::task::JoinSet::new();
    let registry = Arc::new(Registry::default());
    let slots = Arc::new(tokio::sync::Semaphore::new(
        state.settings.max_connections.max(1),
    ));
    let sweeper = {
        let registry = registry.clone();
        let state = state.clone();
        tokio::spawn(async move {
            let s = &state.settings;
            let tick = (s.header_timeout.min(s.idle_timeout) / 10)
                .clamp(Duration::from_millis(50), Duration::from_millis(500));
            let mut every = tokio::time::interval(tick);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_report = Instant::now();
            let mut trimmed_at = 0;
            loop {
                every.tick().await;
                registry.sweep(s.header_timeout, s.idle_timeout);
                let served = state.requests.load(Ordering::Relaxed);
                if served != trimmed_at && registry.none_busy() {
                    trimmed_at = served;
                    release_memory();
                }
                if last_report.elapsed() >= Duration::from_secs(10) {
                    registry.report(s);
                    last_report = Instant::now();
                }
            }
        })
    };
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            acc = listener.accept() => match acc {
                Ok((stream, _peer)) => stream,
                Err(_) => {
                    // Out of file descriptors or similar: make room, back off instead of spinning.
                    registry.evict_one();
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Reap finished connections so the set does not grow without bound.
        while conns.try_join_next().is_some() {}
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                // At the cap: the connection that has waited longest without a request gives way;
                // when every one is busy, wait for one to finish.
                registry.evict_one();
                tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = &mut shutdown => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let (id, info) = registry.add();
        let state = state.clone();
        let registry = registry.clone();
        conns.spawn(async move {
            let _permit = permit;
            let io = hyper_util::rt::TokioIo::new(Watched {
                io: stream,
                info: info.clone(),
            });
            let info2 = info.clone();
            let link = Arc::new(Link::default());
            let link2 = link.clone();
            let svc = hyper::service::service_fn(move |req| {
                info2.set(PHASE_BUSY);
                let state = state.clone();
                let info = info2.clone();
                let link = link2.clone();
                async move {
                    let r = handle(state, link, req).await?;
                    Ok::<_, Infallible>(r.map(|b| Tracked { inner: b, info }))
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .max_buf_size(256 * 1024)
                .serve_connection(io, svc);
            tokio::pin!(conn);
            // The upstream connection is polled here, with the client's (see Link).
            let drive = link.drive();
            tokio::pin!(drive);
            loop {
                tokio::select! {
                    never = drive.as_mut() => match never {},
                    r = conn.as_mut() => {
                        if let Err(e) = r
                            && (e.is_parse() || e.is_parse_too_large())
                        {
                            log_line(format!(
                                "tokdiag proxy: a request with a malformed head was answered 400 by \
                                 the HTTP layer ({})",
                                esc(&e.to_string())
                            ));
                        }
                        break;
                    }
                    _ = info.close.asked() => {
                        if info.phase.load(Ordering::Acquire) != PHASE_BUSY {
                            break; // dropping the connection closes the socket
                        }
                    }
                    _ = info.shutdown.asked() => {
                        conn.as_mut().graceful_shutdown();
                        tokio::select! {
                            never = drive.as_mut() => match never {},
                            _ = conn.as_mut() => {}
                        }
                        break;
                    }
                }
            }
            registry.remove(id);
        });
    }
    drop(listener);
    registry.shutdown_all();
    let _ = tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
    sweeper.abort();
    registry.report(&state.settings);
    // Let the log thread write what is queued.
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn memo_hits_only_within_the_window_and_the_generation() {
        let mut m = Memo::default();
        let a = Accepted {
            generation: 1,
            from: 100,
            until: 200,
        };
        m.insert("t", a, 100);
        assert!(m.hit("t", 1, 100));
        assert!(m.hit("t", 1, 199));
        assert!(!m.hit("t", 1, 200), "refused from `until` on");
        assert!(!m.hit("t", 1, 99), "a clock gone back re-evaluates");
        assert!(!m.hit("t", 2, 150), "keys replaced since");
        assert!(!m.hit("u", 1, 150));
        assert!(!m.hit("t\n", 1, 150), "the exact bytes only");
        // Tokens that end alike (the part the memo hashes) are told apart by all their bytes.
        let tail = "s".repeat(TAIL);
        m.insert(&format!("a.b.{tail}"), a, 100);
        assert!(m.hit(&format!("a.b.{tail}"), 1, 150));
        assert!(!m.hit(&format!("a.c.{tail}"), 1, 150));
        assert!(!m.hit(&format!("x.b.{tail}"), 1, 150));
    }

    #[test]
    fn memo_stays_bounded_and_drops_expired_entries_first() {
        let mut m = Memo::default();
        let at = |until| Accepted {
            generation: 0,
            from: 0,
            until,
        };
        for i in 0..MEMO_CAP {
            // Half of them expired by time 50.
            m.insert(&format!("t{i}"), at(if i % 2 == 0 { 10 } else { 100 }), 0);
        }
        assert_eq!(m.map.len(), MEMO_CAP);
        m.insert("new", at(100), 50);
        assert_eq!(m.map.len(), MEMO_CAP / 2 + 1);
        assert!(m.hit("t1", 0, 50) && m.hit("new", 0, 50));
        for i in 0..MEMO_CAP {
            m.insert(&format!("n{i}"), at(100), 50);
        }
        assert!(m.map.len() <= MEMO_CAP, "{}", m.map.len());
    }

    #[test]
    fn a_close_signal_is_kept_until_taken_once() {
        use std::future::Future;
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let s = CloseSignal::default();
        let mut f = std::pin::pin!(s.asked());
        assert!(f.as_mut().poll(&mut cx).is_pending());
        s.ask();
        assert!(f.as_mut().poll(&mut cx).is_ready());
        // Taken: the next wait waits for the next ask; an ask before the wait starts counts.
        let mut g = std::pin::pin!(s.asked());
        assert!(g.as_mut().poll(&mut cx).is_pending());
        s.ask();
        let mut h = std::pin::pin!(s.asked());
        assert!(h.as_mut().poll(&mut cx).is_ready());
        assert!(g.as_mut().poll(&mut cx).is_pending());
    }

    #[test]
    fn milliseconds_are_rounded_half_up() {
        let ms = |us: u64, d: u32| {
            let mut s = String::new();
            push_ms(&mut s, Duration::from_micros(us), d);
            s
        };
        assert_eq!(ms(0, 2), "0.00");
        assert_eq!(ms(44, 2), "0.04");
        assert_eq!(ms(45, 2), "0.05");
        assert_eq!(ms(1_234, 2), "1.23");
        assert_eq!(ms(1_235, 1), "1.2");
        assert_eq!(ms(1_250, 1), "1.3");
        assert_eq!(ms(99_999, 1), "100.0");
        assert_eq!(ms(12_345_678, 2), "12345.68");
    }

    #[test]
    fn accept_rule() {
        assert!(accept_ok(Some("application/json, text/event-stream")));
        assert!(accept_ok(Some("text/event-stream;q=0.9,APPLICATION/JSON")));
        assert!(!accept_ok(Some("*/*")));
        assert!(!accept_ok(Some("application/json")));
        assert!(!accept_ok(Some("application/*, text/*")));
        assert!(!accept_ok(None));
        assert!(accept_ok(Some(
            " text/event-stream ; q=1 ,\tapplication/json"
        )));
        assert!(!accept_ok(Some("application/json text/event-stream")));
        assert!(!accept_ok(Some("application/jsonx, text/event-stream")));
        assert!(!accept_ok(Some("q=1;application/json, text/event-stream")));
        assert!(!accept_ok(Some("")));
    }

    #[test]
    fn log_escaping() {
        assert_eq!(esc("plain /mcp ✓"), "plain /mcp ✓");
        assert_eq!(
            esc("a\nb\rc\td\u{1b}[2J\u{85}"),
            "a\\nb\\rc\\td\\u{1b}[2J\\u{85}"
        );
        assert_eq!(
            esc("\u{2028}\u{202e}\u{200b}\u{feff}\u{061c}\u{2067}"),
            "\\u{2028}\\u{202e}\\u{200b}\\u{feff}\\u{61c}\\u{2067}"
        );
    }

    #[test]
    fn connection_listed_headers_are_hop_by_hop() {
        let mut h = HeaderMap::new();
        h.append(
            "connection",
            HeaderValue::from_static("keep-alive, X-Secret"),
        );
        h.append("connection", HeaderValue::from_static("x-other"));
        let listed = connection_listed(&h);
        assert_eq!(listed, ["keep-alive", "x-secret", "x-other"]);
        assert!(!forwardable("x-secret", &listed));
        assert!(!forwardable("x-other", &listed));
        assert!(!forwardable("transfer-encoding", &listed));
        assert!(forwardable("x-kept", &listed));
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
        let c = Check::new(CheckId::ClientId, Status::Fail, "x")
            .service_error(Some(rules::service::CLIENT_ID));
        assert_eq!(
            refusal_for(&c, RuleSet::Agentcore),
            (
                401,
                r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Claim 'client_id' value mismatch with configuration."}}"#.to_string(),
                true
            )
        );
        let c = Check::new(CheckId::Format, Status::Fail, "x");
        assert_eq!(
            refusal_for(&c, RuleSet::Agentcore),
            (
                403,
                r#"{"message":"OAuth authorization failed: Failed to parse token"}"#.to_string(),
                true
            )
        );
        // Unknown wording: the check's message (here naming a local key file) never reaches
        // the client.
        let c = Check::new(
            CheckId::Signature,
            Status::Fail,
            "signed with another key (keys from /home/me/p4/jwks.json)",
        );
        assert_eq!(
            refusal_for(&c, RuleSet::Agentcore),
            (
                401,
                r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Unauthorized"}}"#.to_string(),
                false
            )
        );
    }
}
