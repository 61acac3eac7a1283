//! MCP over streamable HTTP, as AgentCore Runtime (and any MCP server) expects it: the runtime URL
//! built from an agent ARN, the headers, `initialize` → `notifications/initialized` → a request,
//! JSON or SSE responses, and the turning of every HTTP failure into a named [`Failure`] with fixes.
//!
//! The wire part ([`Client`]) is async (reqwest); the rest ([`runtime_url`], [`diagnose`],
//! [`SseParser`], [`HttpRequest::curl`]) is pure, so it is unit tested without a server.

use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// The MCP protocol version tokdiag asks for in `initialize`.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// The `Accept` header MCP streamable HTTP requires on every POST.
pub const ACCEPT: &str = "application/json, text/event-stream";
/// AgentCore's runtime session header.
pub const RUNTIME_SESSION_HEADER: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id";
/// The MCP session header.
pub const MCP_SESSION_HEADER: &str = "Mcp-Session-Id";
/// The MCP protocol version header (sent after `initialize`).
pub const PROTOCOL_HEADER: &str = "MCP-Protocol-Version";
/// Shortest runtime session id AgentCore accepts.
pub const MIN_RUNTIME_SESSION_ID: usize = 33;
/// Largest response body read: 16 MiB.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Python's `quote(s, safe='')`: everything but the RFC 3986 unreserved set is escaped.
const ARN_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes an agent runtime ARN for the invocation path (`:` → `%3A`, `/` → `%2F`).
pub fn escape_arn(arn: &str) -> String {
    utf8_percent_encode(arn, ARN_ESCAPE).to_string()
}

/// The region of an AgentCore runtime ARN
/// (`arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>`).
pub fn region_from_arn(arn: &str) -> Result<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let bad = || {
        Error::usage(
            format!("not an AgentCore runtime ARN: {arn}"),
            Some(
                "expected arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id> \
                 (`agentcore status` prints it), or use --url for any MCP endpoint"
                    .to_string(),
            ),
        )
    };
    if parts.len() != 6 || parts[0] != "arn" || parts[3].is_empty() || parts[5].is_empty() {
        return Err(bad());
    }
    if !parts[2].starts_with("bedrock-agentcore") {
        return Err(bad());
    }
    Ok(parts[3].to_string())
}

/// The invocation URL of a runtime: `<endpoint>/runtimes/<escaped ARN>/invocations?qualifier=Q`,
/// the endpoint being `https://bedrock-agentcore.<region>.amazonaws.com` unless overridden.
pub fn runtime_url(arn: &str, endpoint: Option<&str>, qualifier: &str) -> Result<String> {
    let region = region_from_arn(arn)?;
    let base = match endpoint {
        Some(e) if !e.trim().is_empty() => e.trim().trim_end_matches('/').to_string(),
        _ => format!("https://bedrock-agentcore.{region}.amazonaws.com"),
    };
    Ok(format!(
        "{base}/runtimes/{}/invocations?qualifier={}",
        escape_arn(arn),
        utf8_percent_encode(qualifier, ARN_ESCAPE)
    ))
}

/// A fresh runtime session id: `tokdiag-` and a random UUID-shaped hex string (44 characters,
/// over AgentCore's 33-character minimum).
pub fn new_session_id() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "tokdiag-{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// One HTTP request as it is (or would be) sent.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRequest {
    /// `POST`.
    pub method: &'static str,
    /// The URL.
    pub url: String,
    /// Headers in send order. The Authorization value is the real token: print only through
    /// [`HttpRequest::redacted_headers`].
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
}

/// How a token is shown in printed requests.
pub const TOKEN_PLACEHOLDER: &str = "$TOKEN";

impl HttpRequest {
    /// Headers with the bearer token replaced by `$TOKEN`.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    (k.clone(), format!("Bearer {TOKEN_PLACEHOLDER}"))
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect()
    }

    /// The request as text: request line, headers (token redacted), blank line, body.
    pub fn display(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.url);
        for (k, v) in self.redacted_headers() {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&self.body);
        s
    }

    /// An equivalent curl command; the token is `$TOKEN` (double-quoted so the shell expands it).
    pub fn curl(&self) -> String {
        let mut s = format!("curl -sS -X {} {}", self.method, shell_quote(&self.url));
        for (k, v) in &self.headers {
            if k.eq_ignore_ascii_case("authorization") {
                s.push_str(&format!(" \\\n  -H \"{k}: Bearer {TOKEN_PLACEHOLDER}\""));
            } else if v.starts_with('$') {
                // A shell variable placeholder ($MCP_SESSION_ID): double quotes so it expands.
                s.push_str(&format!(" \\\n  -H \"{k}: {v}\""));
            } else {
                s.push_str(&format!(" \\\n  -H {}", shell_quote(&format!("{k}: {v}"))));
            }
        }
        s.push_str(&format!(" \\\n  --data {}", shell_quote(&self.body)));
        s
    }
}

/// Single-quotes a string for POSIX shells.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// One HTTP response, body read in full (or up to the JSON-RPC answer of an SSE stream).
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (lowercase names).
    pub headers: Vec<(String, String)>,
    /// The body text read.
    pub body: String,
    /// The JSON-RPC messages found in the body (JSON or SSE `message` events).
    pub messages: Vec<Value>,
    /// Time from send to the end of the read.
    pub elapsed: Duration,
}

impl HttpResponse {
    /// A header value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON-RPC response with `id`, or the only response there is.
    pub fn response_for(&self, id: i64) -> Option<&Value> {
        self.messages
            .iter()
            .find(|m| m.get("id").and_then(Value::as_i64) == Some(id))
            .or_else(|| {
                let responses: Vec<&Value> = self
                    .messages
                    .iter()
                    .filter(|m| m.get("result").is_some() || m.get("error").is_some())
                    .collect();
                (responses.len() == 1).then(|| responses[0])
            })
    }
}

/// Incremental parser of a `text/event-stream` body: yields the `data` of each event whose type is
/// `message` (or unset).
#[derive(Debug, Default)]
pub struct SseParser {
    line: String,
    event: Option<String>,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds text; returns the data of every event completed by it.
    pub fn feed(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for c in text.chars() {
            if c == '\n' {
                let line = std::mem::take(&mut self.line);
                let line = line.strip_suffix('\r').unwrap_or(&line);
                self.line_done(line, &mut out);
            } else {
                self.line.push(c);
            }
        }
        out
    }

    /// Ends the stream: a last event without its blank line still counts.
    pub fn finish(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_done(line.trim_end_matches('\r'), &mut out);
        }
        self.line_done("", &mut out);
        out
    }

    fn line_done(&mut self, line: &str, out: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                let is_message = self.event.as_deref().is_none_or(|e| e == "message");
                let data = std::mem::take(&mut self.data).join("\n");
                if is_message {
                    out.push(data);
                }
            }
            self.event = None;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_string()),
            "data" => self.data.push(value.to_string()),
            _ => {}
        }
    }
}

/// Parses a JSON body into JSON-RPC messages (a batch array gives several).
pub fn json_messages(body: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Array(a)) => a,
        Ok(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

/// Everything [`diagnose`] needs to know about the request that failed.
#[derive(Debug, Clone, Default)]
pub struct SentContext {
    /// The MCP method of the request (`initialize`, `tools/list`, …).
    pub method: String,
    /// Whether an Authorization header was sent.
    pub token_sent: bool,
    /// The Accept header sent.
    pub accept: String,
    /// The runtime session id sent.
    pub runtime_session_id: String,
    /// The MCP-Protocol-Version sent, if any.
    pub protocol_version: Option<String>,
    /// Whether the target is an AgentCore runtime URL (built from an ARN) rather than `--url`.
    pub runtime: bool,
}

/// A named failure of an MCP call, with the fixes to apply.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// Stable code (`claim-mismatch`, `accept-rejected-by-service`, …).
    pub code: &'static str,
    /// The MCP method that failed.
    pub method: String,
    /// HTTP status (200 for a JSON-RPC error).
    pub status: u16,
    /// One line: what happened and why.
    pub message: String,
    /// The server's own message (body `message` / JSON-RPC `error.message`, or the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_message: Option<String>,
    /// Concrete fixes, most direct first.
    pub fixes: Vec<String>,
    /// The response body (capped).
    pub body: String,
    /// The `WWW-Authenticate` header, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub www_authenticate: Option<String>,
    /// The JSON-RPC error object, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jsonrpc_error: Option<Value>,
    /// Whether the token should be evaluated with `explain` (a claim was refused).
    #[serde(skip)]
    pub explain_token: bool,
}

/// The server's message: JSON-RPC `error.message`, a body `message`/`Message`, or the text.
fn body_message(body: &str) -> (Option<String>, Option<Value>) {
    let v: Option<Value> = serde_json::from_str(body).ok();
    let err = v
        .as_ref()
        .and_then(|v| v.get("error"))
        .filter(|e| e.is_object())
        .cloned();
    let msg = err
        .as_ref()
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .or_else(|| {
            v.as_ref().and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("Message"))
                    .and_then(Value::as_str)
            })
        })
        .map(str::to_string)
        .or_else(|| {
            let t = body.trim();
            (!t.is_empty() && v.is_none()).then(|| t.chars().take(500).collect())
        });
    (msg, err)
}

fn cap(body: &str) -> String {
    const MAX: usize = 4000;
    if body.len() <= MAX {
        body.to_string()
    } else {
        let mut end = MAX;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &body[..end], body.len())
    }
}

/// Names an HTTP failure (any status but 2xx, or a JSON-RPC error in a 2xx answer) and gives its
/// fixes. Pure: the status, headers and body of the response and what was sent decide.
pub fn diagnose(
    status: u16,
    www_authenticate: Option<&str>,
    body: &str,
    jsonrpc_error: Option<&Value>,
    sent: &SentContext,
) -> Failure {
    let (mut server_message, body_error) = body_message(body);
    if let Some(m) = jsonrpc_error
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
    {
        server_message = Some(m.to_string());
    }
    let jsonrpc_error = jsonrpc_error.cloned().or(body_error);
    let rpc_code = jsonrpc_error
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(Value::as_i64);
    let m = server_message.clone().unwrap_or_default();
    let has = |s: &str| m.contains(s);
    let mut f = Failure {
        code: "http-error",
        method: sent.method.clone(),
        status,
        message: String::new(),
        server_message: server_message.clone(),
        fixes: Vec::new(),
        body: cap(body),
        www_authenticate: www_authenticate.map(str::to_string),
        jsonrpc_error: jsonrpc_error.clone(),
        explain_token: false,
    };
    let login_fix = "get a fresh access token: `tokdiag login` (then `tokdiag invoke` uses the cached one), \
                     or pass it with --token";
    match status {
        401 if has("Claim '") && has("mismatch") => {
            let claim = m
                .split("Claim '")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .unwrap_or("?")
                .to_string();
            f.code = "claim-mismatch";
            f.message = format!(
                "the runtime's JWT authorizer refused the token: its '{claim}' claim does not match the \
                 configuration"
            );
            f.explain_token = true;
            if claim == "client_id" {
                f.fixes.push(
                    "send the Cognito access token (it carries client_id); the ID token carries the app \
                     client id in aud instead: `tokdiag login` prints the access token"
                        .into(),
                );
            }
            f.fixes.push(
                "evaluate the token against the config: `tokdiag explain --config .bedrock_agentcore.yaml \
                 --token \"$TOKEN\"`"
                    .into(),
            );
        }
        401 if !sent.token_sent
            || www_authenticate.is_some_and(|w| w.contains("resource_metadata"))
            || has("Missing Authentication Token") =>
        {
            f.code = "missing-token";
            f.message = if sent.token_sent {
                "the runtime saw no bearer token (Authorization header missing or empty on arrival)"
                    .into()
            } else {
                "no bearer token was sent, and the runtime requires one (JWT authorizer)".into()
            };
            f.fixes.push(
                "pass the access token with --token (a JWT, @FILE or -), or run `tokdiag login` first so \
                 invoke uses the cached one"
                    .into(),
            );
            f.fixes.push(
                "send it as `Authorization: Bearer <access token>` (one 'Bearer', no quotes)"
                    .into(),
            );
        }
        401 => {
            f.code = "unauthorized";
            f.message = format!("the runtime refused the token (401): {m}");
            f.explain_token = true;
            f.fixes.push(
                "evaluate the token against the config: `tokdiag explain --token \"$TOKEN\"`"
                    .into(),
            );
        }
        403 if has("Failed to parse token") => {
            f.code = "token-unparseable";
            f.message =
                "the runtime could not parse the bearer token as a JWT (truncated, quoted, opaque \
                         or encrypted token)"
                    .into();
            f.fixes.push(
                "send the raw JWT (three base64url segments separated by '.'), without quotes, line \
                 breaks or a second 'Bearer '"
                    .into(),
            );
            f.fixes
                .push("look at what you send with `tokdiag decode --token \"$TOKEN\"`".into());
        }
        403 if has("Ineffectual token") => {
            f.code = "token-expiring";
            f.message =
                "the token has expired or expires within the next minute: AgentCore refuses \
                         tokens with 60 s or less left"
                    .into();
            f.fixes.push(login_fix.into());
        }
        403 if has("Authorization method mismatch") => {
            f.code = "auth-method-mismatch";
            if sent.token_sent {
                f.message =
                    "the runtime is not configured for the authorization method used: a bearer \
                             token reached a runtime that expects SigV4 (IAM), or the reverse"
                        .into();
                f.fixes.push(
                    "if the runtime has no customJWTAuthorizer (authorizer_configuration: null), call it \
                     with SigV4 (boto3 invoke_agent_runtime) or configure a JWT authorizer and redeploy"
                        .into(),
                );
            } else {
                f.message =
                    "the runtime uses a JWT authorizer but the request carried no bearer token \
                             (a SigV4 or unauthenticated call)"
                        .into();
                f.fixes.push(
                    "send the access token: --token, or `tokdiag login` first (the starter toolkit falls \
                     back to SigV4 when no bearer token is given)"
                        .into(),
                );
            }
        }
        403 if has("ACCESS_DENIED") || has("AccessDenied") || has("Access denied") => {
            f.code = "access-denied";
            f.message = format!(
                "the runtime denied access (403): {m}; a runtime without a JWT authorizer (IAM SigV4) \
                 refuses every bearer token this way"
            );
            f.fixes.push(
                "check the agent's authorizer_configuration: with `null` the runtime uses IAM SigV4 and a \
                 bearer token can never pass"
                    .into(),
            );
        }
        403 => {
            f.code = "forbidden";
            f.message = format!("the runtime refused the request (403): {m}");
            f.explain_token = sent.token_sent;
            f.fixes.push(
                "evaluate the token against the config: `tokdiag explain --token \"$TOKEN\"`"
                    .into(),
            );
        }
        406 if rpc_code == Some(-32011) || has("Accept Header Error") => {
            f.code = "accept-rejected-by-service";
            f.message = format!(
                "AgentCore refused the Accept header ({}): MCP requires both application/json and \
                 text/event-stream, listed literally",
                shown_accept(&sent.accept)
            );
            f.fixes.push(format!(
                "send `Accept: {ACCEPT}` (curl's default */* does not count)"
            ));
            f.fixes.push(
                "tokdiag invoke sends the right headers; `tokdiag invoke --dry-run` prints an equivalent \
                 curl command"
                    .into(),
            );
        }
        406 => {
            f.code = "accept-rejected-by-server";
            let want = if has("accept both") {
                "both application/json and text/event-stream"
            } else if has("accept application/json") {
                "application/json"
            } else if has("accept text/event-stream") {
                "text/event-stream"
            } else {
                "application/json and text/event-stream"
            };
            f.message = format!(
                "the MCP server refused the Accept header ({}): it must list {want}{}",
                shown_accept(&sent.accept),
                match rpc_code {
                    Some(c) =>
                        format!(" (JSON-RPC {c} from the server itself, not from AgentCore)"),
                    None => String::new(),
                }
            );
            f.fixes.push(format!(
                "send `Accept: {ACCEPT}` (wildcards such as */* are refused)"
            ));
        }
        400 if has("runtimeSessionId") || has("greater than or equal to 33") => {
            f.code = "session-id-too-short";
            f.message = format!(
                "the runtime session id is too short: {} characters sent, AgentCore needs at least {}",
                sent.runtime_session_id.chars().count(),
                MIN_RUNTIME_SESSION_ID
            );
            f.fixes.push(format!(
                "use a session id of {MIN_RUNTIME_SESSION_ID}+ characters (a UUID is 36), or omit \
                 --session-id and tokdiag generates one"
            ));
        }
        400 if has("Unsupported protocol version") => {
            f.code = "protocol-version-unsupported";
            let supported = m
                .split("Supported versions:")
                .nth(1)
                .map(|s| s.trim().trim_end_matches('.').to_string());
            f.message = format!(
                "the MCP server does not support the MCP-Protocol-Version sent ({})",
                sent.protocol_version.as_deref().unwrap_or("none")
            );
            f.fixes.push(match supported {
                Some(s) => format!("send one of the versions it supports: {s}"),
                None => format!("send MCP-Protocol-Version: {PROTOCOL_VERSION} (the version initialize negotiated)"),
            });
        }
        400 if has("Invalid Content-Type") => {
            f.code = "content-type";
            f.message = "the MCP server refused the Content-Type".into();
            f.fixes.push("send `Content-Type: application/json`".into());
        }
        400 if has("session ID") || has("Session ID") => {
            f.code = "session-required";
            f.message = format!("the MCP server wants a session it issued: {m}");
            f.fixes.push(
                "run the MCP server stateless (FastMCP(..., stateless_http=True)), as AgentCore's MCP \
                 contract requires"
                    .into(),
            );
        }
        404 if has("Session not found") => {
            f.code = "session-not-found";
            f.message =
                "the MCP server does not know the Mcp-Session-Id: it runs stateful and rejects \
                         the session id the platform generates"
                    .into();
            f.fixes.push(
                "run the MCP server stateless: FastMCP(..., stateless_http=True) (AgentCore's MCP \
                 contract: servers must accept the platform's Mcp-Session-Id)"
                    .into(),
            );
        }
        404 => {
            f.code = "not-found";
            f.message = format!("nothing answers at this URL (404): {m}");
            f.fixes.push(if sent.runtime {
                "check the agent ARN, its region and the qualifier (`agentcore status` shows the ARN)"
                    .into()
            } else {
                "check the URL: MCP servers usually listen on /mcp".into()
            });
        }
        421 => {
            f.code = "invalid-host";
            f.message = format!("the MCP server refused the Host header (421): {m}");
            f.fixes.push(
                "bind the server to 0.0.0.0 (FastMCP's default 127.0.0.1 turns on DNS-rebinding \
                 protection, which refuses other Host headers)"
                    .into(),
            );
        }
        424 => {
            f.code = "runtime-init-timeout";
            f.message =
                "the runtime did not start in time (424): the container did not become healthy"
                    .into();
            f.fixes.push(
                "read the runtime's CloudWatch logs: the container must start within 120 s and listen \
                 on 0.0.0.0:8000, path /mcp (ARM64 image)"
                    .into(),
            );
            f.fixes
                .push("retry once: the first call of a new session starts a microVM".into());
        }
        429 => {
            f.code = "throttled";
            f.message = format!("throttled (429): {m}");
            f.fixes.push("retry later, with backoff".into());
        }
        s if (200..300).contains(&s) => {
            f.code = "jsonrpc-error";
            let code = rpc_code.unwrap_or(0);
            let what = match code {
                -32700 => "parse error",
                -32600 => "invalid request",
                -32601 => "method not found",
                -32602 => "invalid params",
                -32603 => "internal error",
                -32001 => "authentication error",
                -32002 => "authorization error",
                -32003 => "rate limit exceeded",
                -32004 => "resource not found",
                -32005 => "resource conflict",
                -32006 => "validation error",
                -32010 => "tool execution error in the container",
                _ => "error",
            };
            f.message = format!(
                "the server answered {} with a JSON-RPC {what} ({code}): {m}",
                sent.method
            );
            f.fixes.push(match code {
                -32601 => format!(
                    "the server has no method {}; `tokdiag invoke` (tools/list) shows what it offers",
                    sent.method
                ),
                -32602 if sent.method == "tools/call" => {
                    "check --args against the tool's input schema (`tokdiag invoke` lists them)".into()
                }
                -32602 => format!(
                    "check --params, and the method name: some servers answer an unknown method ({}) \
                     with invalid params",
                    sent.method
                ),
                -32010 => "read the runtime's CloudWatch logs for the container's error".into(),
                -32003 => "retry later, with backoff".into(),
                _ => "see the server's message above".into(),
            });
        }
        s if s >= 500 => {
            f.code = "server-error";
            f.message = format!("the server failed ({s}): {m}");
            f.fixes.push(
                "read the server's logs (CloudWatch for a runtime); retry once for a transient error"
                    .into(),
            );
        }
        s => {
            f.message = format!("unexpected HTTP {s}: {m}");
            f.fixes.push("see the response body above".into());
        }
    }
    f
}

fn shown_accept(a: &str) -> String {
    if a.is_empty() {
        "none sent".into()
    } else {
        format!("sent: {a}")
    }
}

/// How the client talks to the server.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The MCP endpoint (runtime invocation URL or any MCP URL).
    pub url: String,
    /// Whether `url` is an AgentCore runtime URL.
    pub runtime: bool,
    /// The bearer token, if any.
    pub token: Option<String>,
    /// The runtime session id header value.
    pub runtime_session_id: String,
    /// The Accept header (MCP's unless a test overrides it).
    pub accept: String,
    /// The protocol version asked for in `initialize`.
    pub protocol_version: String,
    /// A protocol version header to send instead of the negotiated one (tests, reproductions).
    pub protocol_header_override: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Print exchanges on stderr.
    pub verbose: bool,
}

/// What went wrong with a call.
#[derive(Debug)]
pub enum CallError {
    /// The server answered, with a failure.
    Failed(Box<Failure>),
    /// No usable answer: network, timeout (exit 3).
    Network(Error),
}

impl From<Error> for CallError {
    fn from(e: Error) -> Self {
        CallError::Network(e)
    }
}

/// A streamable-HTTP MCP client session.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    opts: ClientOptions,
    mcp_session: Option<String>,
    negotiated: Option<String>,
    next_id: i64,
}

impl Client {
    /// A client for `opts` (no request is sent yet).
    pub fn new(opts: ClientOptions) -> Result<Client> {
        let http = reqwest::Client::builder()
            .connect_timeout(opts.timeout.min(Duration::from_secs(10)))
            .timeout(opts.timeout)
            .user_agent(concat!("tokdiag/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::network(format!("cannot build the HTTP client: {e}"), None))?;
        Ok(Client {
            http,
            opts,
            mcp_session: None,
            negotiated: None,
            next_id: 1,
        })
    }

    /// The options.
    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// The Mcp-Session-Id the server issued (or echoed), if any.
    pub fn mcp_session(&self) -> Option<&str> {
        self.mcp_session.as_deref()
    }

    /// The request for a JSON-RPC message (with `id` for requests, without for notifications).
    pub fn request(&self, method: &str, params: Option<&Value>, id: Option<i64>) -> HttpRequest {
        let mut msg = json!({"jsonrpc": "2.0"});
        if let Some(id) = id {
            msg["id"] = json!(id);
        }
        msg["method"] = json!(method);
        if let Some(p) = params {
            msg["params"] = p.clone();
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(t) = &self.opts.token {
            headers.push(("Authorization".into(), format!("Bearer {t}")));
        }
        headers.push(("Content-Type".into(), "application/json".into()));
        if !self.opts.accept.is_empty() {
            headers.push(("Accept".into(), self.opts.accept.clone()));
        }
        headers.push((
            RUNTIME_SESSION_HEADER.into(),
            self.opts.runtime_session_id.clone(),
        ));
        if method != "initialize" {
            if let Some(s) = &self.mcp_session {
                headers.push((MCP_SESSION_HEADER.into(), s.clone()));
            }
            let v = self
                .opts
                .protocol_header_override
                .clone()
                .or_else(|| self.negotiated.clone());
            if let Some(v) = v {
                headers.push((PROTOCOL_HEADER.into(), v));
            }
        }
        HttpRequest {
            method: "POST",
            url: self.opts.url.clone(),
            headers,
            body: msg.to_string(),
        }
    }

    /// Sets what `initialize` establishes: the server's session id and the protocol version.
    pub fn set_after_initialize(&mut self, mcp_session: Option<String>, version: String) {
        self.mcp_session = mcp_session;
        self.negotiated = Some(version);
    }

    /// The `initialize` params tokdiag sends.
    pub fn initialize_params(&self) -> Value {
        json!({
            "protocolVersion": self.opts.protocol_version,
            "capabilities": {},
            "clientInfo": {"name": "tokdiag", "version": env!("CARGO_PKG_VERSION")}
        })
    }

    fn next_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn context(&self, method: &str, req: &HttpRequest) -> SentContext {
        let h = |n: &str| {
            req.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        SentContext {
            method: method.to_string(),
            token_sent: self.opts.token.as_deref().is_some_and(|t| !t.is_empty()),
            accept: h("accept").unwrap_or_default(),
            runtime_session_id: self.opts.runtime_session_id.clone(),
            protocol_version: h(PROTOCOL_HEADER),
            runtime: self.opts.runtime,
        }
    }

    /// Sends one request and reads the answer (an SSE body up to the JSON-RPC response `want`).
    pub async fn send(&self, req: &HttpRequest, want: Option<i64>) -> Result<HttpResponse> {
        if self.opts.verbose {
            crate::render::note(&format!(
                "> {}",
                req.display().replace('\n', "\n> ").trim_end_matches("> ")
            ));
        }
        let start = Instant::now();
        let _spin = crate::render::Spinner::start(format!("calling {}", req.url));
        let mut rb = self.http.post(&req.url).body(req.body.clone());
        for (k, v) in &req.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        let mut resp = rb
            .send()
            .await
            .map_err(|e| net_error(&req.url, &e, self.opts.timeout))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let sse = headers.iter().any(|(k, v)| {
            k == "content-type" && v.to_ascii_lowercase().starts_with("text/event-stream")
        });
        let mut raw: Vec<u8> = Vec::new();
        let mut parser = SseParser::default();
        let mut messages: Vec<Value> = Vec::new();
        let mut consumed = 0usize;
        loop {
            let chunk = resp
                .chunk()
                .await
                .map_err(|e| net_error(&req.url, &e, self.opts.timeout))?;
            let Some(chunk) = chunk else { break };
            raw.extend_from_slice(&chunk);
            if raw.len() > MAX_BODY {
                return Err(Error::network(
                    format!("{}: the response is over {} MiB", req.url, MAX_BODY >> 20),
                    None,
                ));
            }
            if sse {
                // Feed only complete UTF-8: a chunk may end inside a character.
                let valid = match std::str::from_utf8(&raw[consumed..]) {
                    Ok(s) => s.len(),
                    Err(e) => e.valid_up_to(),
                };
                let text = String::from_utf8_lossy(&raw[consumed..consumed + valid]).into_owned();
                consumed += valid;
                for data in parser.feed(&text) {
                    if let Ok(v) = serde_json::from_str::<Value>(&data) {
                        messages.push(v);
                    }
                }
                // A POST's stream ends with its response; stop reading once it is there, in case
                // the server keeps the stream open.
                if let Some(id) = want
                    && messages
                        .iter()
                        .any(|m| m.get("id").and_then(Value::as_i64) == Some(id))
                {
                    break;
                }
            }
        }
        let body = String::from_utf8_lossy(&raw).into_owned();
        if sse {
            for data in parser.finish() {
                if let Ok(v) = serde_json::from_str::<Value>(&data) {
                    messages.push(v);
                }
            }
        } else {
            messages = json_messages(&body);
        }
        let r = HttpResponse {
            status,
            headers,
            body,
            messages,
            elapsed: start.elapsed(),
        };
        if self.opts.verbose {
            let mut s = format!("< HTTP {} ({} ms)\n", r.status, r.elapsed.as_millis());
            for (k, v) in &r.headers {
                s.push_str(&format!("< {k}: {v}\n"));
            }
            s.push_str("<\n");
            for l in r.body.lines() {
                s.push_str(&format!("< {l}\n"));
            }
            crate::render::note(s.trim_end());
        }
        Ok(r)
    }

    /// Sends a JSON-RPC request and returns its `result`, or the named failure.
    pub async fn call(&mut self, method: &str, params: Option<&Value>) -> Result<Value, CallError> {
        let id = self.next_id();
        let req = self.request(method, params, Some(id));
        let resp = self.send(&req, Some(id)).await?;
        let ctx = self.context(method, &req);
        if let Some(s) = resp.header(MCP_SESSION_HEADER)
            && !s.is_empty()
        {
            self.mcp_session = Some(s.to_string());
        }
        if !(200..300).contains(&resp.status) {
            return Err(CallError::Failed(Box::new(diagnose(
                resp.status,
                resp.header("www-authenticate"),
                &resp.body,
                None,
                &ctx,
            ))));
        }
        let Some(answer) = resp.response_for(id) else {
            let mut f = diagnose(resp.status, None, &resp.body, None, &ctx);
            f.code = "bad-response";
            f.message = format!(
                "the server answered {method} with HTTP {} but no JSON-RPC response (content-type: {})",
                resp.status,
                resp.header("content-type").unwrap_or("none")
            );
            f.fixes = vec![format!(
                "check that the URL is an MCP streamable-HTTP endpoint (it should answer JSON or \
                 text/event-stream): {}",
                self.opts.url
            )];
            return Err(CallError::Failed(Box::new(f)));
        };
        if let Some(err) = answer.get("error") {
            return Err(CallError::Failed(Box::new(diagnose(
                resp.status,
                None,
                &resp.body,
                Some(err),
                &ctx,
            ))));
        }
        Ok(answer.get("result").cloned().unwrap_or(Value::Null))
    }

    /// Sends a JSON-RPC notification (the server answers 202, no body).
    pub async fn notify(&mut self, method: &str) -> Result<(), CallError> {
        let req = self.request(method, None, None);
        let resp = self.send(&req, None).await?;
        if (200..300).contains(&resp.status) {
            return Ok(());
        }
        let ctx = self.context(method, &req);
        Err(CallError::Failed(Box::new(diagnose(
            resp.status,
            resp.header("www-authenticate"),
            &resp.body,
            None,
            &ctx,
        ))))
    }

    /// `initialize`, then `notifications/initialized`; returns the initialize result. Keeps the
    /// server's Mcp-Session-Id and the negotiated protocol version for later requests.
    pub async fn initialize(&mut self) -> Result<Value, CallError> {
        let params = self.initialize_params();
        let result = self.call("initialize", Some(&params)).await?;
        self.negotiated = Some(
            result
                .get("protocolVersion")
                .and_then(Value::as_str)
                .unwrap_or(&self.opts.protocol_version)
                .to_string(),
        );
        self.notify("notifications/initialized").await?;
        Ok(result)
    }
}

fn net_error(url: &str, e: &reqwest::Error, timeout: Duration) -> Error {
    if e.is_timeout() {
        return Error::network(
            format!("no answer from {url} within {} s", timeout.as_secs()),
            Some("check that the server is up; raise the limit with --timeout SECS".to_string()),
        );
    }
    let mut cause = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        cause = format!("{cause}: {s}");
        src = s.source();
    }
    if e.is_connect() {
        return Error::network(
            format!("cannot connect to {url}: {cause}"),
            Some(
                "check the URL (or the region and --runtime-endpoint) and that the server is running"
                    .to_string(),
            ),
        );
    }
    Error::network(format!("request to {url} failed: {cause}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/mcp_server-AbCdEf1234";

    #[test]
    fn url_from_arn() {
        assert_eq!(
            runtime_url(ARN, None, "DEFAULT").unwrap(),
            "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-AbCdEf1234/invocations?qualifier=DEFAULT"
        );
        assert_eq!(
            runtime_url(ARN, Some("http://127.0.0.1:9/"), "v2").unwrap(),
            "http://127.0.0.1:9/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-AbCdEf1234/invocations?qualifier=v2"
        );
        assert_eq!(escape_arn("a b~é"), "a%20b~%C3%A9");
        assert!(region_from_arn("arn:aws:s3:::bucket").is_err());
        assert!(region_from_arn("nope").is_err());
    }

    #[test]
    fn session_ids_are_long_enough() {
        let s = new_session_id();
        assert_eq!(s.len(), 44);
        assert!(s.len() >= MIN_RUNTIME_SESSION_ID);
        assert_ne!(s, new_session_id());
    }

    #[test]
    fn sse_parsing() {
        let mut p = SseParser::default();
        assert!(p.feed("event: message\r\nda").is_empty());
        let got =
            p.feed("ta: {\"a\":1}\r\n\r\n: comment\n\nevent: ping\ndata: x\n\ndata: 2\ndata: 3\n");
        assert_eq!(got, vec!["{\"a\":1}".to_string()]);
        assert_eq!(p.finish(), vec!["2\n3".to_string()]);
    }

    #[test]
    fn curl_never_shows_the_token() {
        let r = HttpRequest {
            method: "POST",
            url: "http://x/mcp".into(),
            headers: vec![
                ("Authorization".into(), "Bearer secret.jwt.sig".into()),
                ("Accept".into(), ACCEPT.into()),
            ],
            body: "{\"it's\":1}".into(),
        };
        let c = r.curl();
        assert!(!c.contains("secret"));
        assert!(c.contains("-H \"Authorization: Bearer $TOKEN\""));
        assert!(c.contains("--data '{\"it'\\''s\":1}'"));
        assert!(!r.display().contains("secret"));
    }

    fn ctx() -> SentContext {
        SentContext {
            method: "initialize".into(),
            token_sent: true,
            accept: "*/*".into(),
            runtime_session_id: "short".into(),
            protocol_version: None,
            runtime: true,
        }
    }

    #[test]
    fn diagnoses() {
        let d = |s, w: Option<&str>, b: &str| diagnose(s, w, b, None, &ctx()).code;
        assert_eq!(
            d(
                401,
                None,
                r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Claim 'client_id' value mismatch with configuration."}}"#
            ),
            "claim-mismatch"
        );
        assert_eq!(
            d(401, Some("Bearer resource_metadata=\"x\""), ""),
            "missing-token"
        );
        assert_eq!(
            d(
                403,
                None,
                r#"{"message":"OAuth authorization failed: Failed to parse token"}"#
            ),
            "token-unparseable"
        );
        assert_eq!(
            d(
                403,
                None,
                r#"{"message":"OAuth authorization failed: Ineffectual token, will expire within the next minute"}"#
            ),
            "token-expiring"
        );
        assert_eq!(
            d(
                403,
                None,
                r#"{"message":"Authorization method mismatch. The agent is configured for a different authorization method"}"#
            ),
            "auth-method-mismatch"
        );
        assert_eq!(
            d(
                406,
                None,
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32011,"message":"Accept Header Error - MCP protocol requires Accept header: application/json, text/event-stream"}}"#
            ),
            "accept-rejected-by-service"
        );
        assert_eq!(
            d(
                406,
                None,
                r#"{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"}}"#
            ),
            "accept-rejected-by-server"
        );
        assert_eq!(
            d(
                400,
                None,
                r#"{"message":"1 validation error detected: Value at 'runtimeSessionId' failed to satisfy constraint: Member must have length greater than or equal to 33"}"#
            ),
            "session-id-too-short"
        );
        assert_eq!(
            d(
                400,
                None,
                r#"{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Bad Request: Unsupported protocol version: 1999-01-01. Supported versions: 2024-11-05, 2025-03-26"}}"#
            ),
            "protocol-version-unsupported"
        );
        assert_eq!(
            d(
                404,
                None,
                r#"{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Session not found"}}"#
            ),
            "session-not-found"
        );
        assert_eq!(
            d(
                424,
                None,
                r#"{"message":"Runtime initialization time exceeded. Please make sure that initialization completes in 120s."}"#
            ),
            "runtime-init-timeout"
        );
        let e = json!({"code": -32601, "message": "Method not found"});
        assert_eq!(
            diagnose(200, None, "", Some(&e), &ctx()).code,
            "jsonrpc-error"
        );
    }
}
