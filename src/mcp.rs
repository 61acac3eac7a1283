//! MCP over streamable HTTP, as AgentCore Runtime, AgentCore Gateway (and any MCP server) expect
//! it: the runtime URL built from an agent ARN, the gateway URL, the headers, bearer or SigV4
//! ([`sigv4`]), `initialize` → `notifications/initialized` → a request, JSON or SSE responses,
//! and the turning of every HTTP failure into a named [`Failure`] with fixes — worded for the
//! server SDK that answered when its answer identifies it ([`Sdk`]).
//!
//! The wire part ([`Client`]) is async (reqwest; hyper directly for the one request reqwest
//! cannot send, one without an Accept header); the rest ([`runtime_url`], [`diagnose`],
//! [`SseParser`], [`HttpRequest::curl`]) is pure, so it is unit tested without a server.

#[path = "mcp_sigv4.rs"]
pub mod sigv4;

use std::time::{Duration, Instant, SystemTime};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// The MCP protocol version tokdiag asks for in `initialize` unless `--protocol-version` says.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// The MCP handshake versions tokdiag knows (oldest first).
pub const KNOWN_PROTOCOL_VERSIONS: [&str; 4] =
    ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
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
/// Largest response head (status line and headers) read on the direct path: 64 KiB.
const MAX_HEAD: usize = 64 * 1024;

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
    // A template's placeholder (`<REPLACE-WITH-YOUR-AWS-ACCOUNT>`, `${AccountId}`) builds a URL
    // that cannot work: said here, before anything is sent or printed.
    for (what, v) in [("region", parts[3]), ("account", parts[4])] {
        if is_placeholder(v) {
            return Err(Error::usage(
                format!(
                    "the runtime ARN's {what} is a placeholder ({}): {}",
                    crate::escape::esc(v),
                    crate::escape::esc(arn)
                ),
                Some(format!(
                    "put the real {what} in the ARN (`agentcore status` or `aws bedrock-agentcore-control list-agent-runtimes` prints the ARN)"
                )),
            ));
        }
    }
    Ok(parts[3].to_string())
}

/// Whether an ARN's region or account (or a config's `account`/`region`) is a template's
/// placeholder rather than a value: `<REPLACE-WITH-YOUR-AWS-ACCOUNT>`, `${AccountId}`, `$REGION`,
/// `{{account}}`, `REPLACE_ME`.
pub fn is_placeholder(v: &str) -> bool {
    v.contains(['<', '>', '{', '}', '$']) || v.to_ascii_uppercase().contains("REPLACE")
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

/// The MCP URL of an AgentCore gateway:
/// `https://<gatewayId>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp`.
pub fn gateway_url(gateway_id: &str, region: &str) -> String {
    format!("https://{gateway_id}.gateway.bedrock-agentcore.{region}.amazonaws.com/mcp")
}

/// The region in an AgentCore host name: `bedrock-agentcore.<region>.amazonaws.com` (runtimes)
/// or `<id>.gateway.bedrock-agentcore.<region>.amazonaws.com` (gateways). `None` for other hosts.
pub fn region_from_url(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let rest = host.strip_suffix(".amazonaws.com")?;
    let region = rest.rsplit_once("bedrock-agentcore.")?.1;
    (!region.is_empty() && !region.contains('.')).then(|| region.to_string())
}

/// Whether `url` is an AgentCore gateway's host (`<id>.gateway.bedrock-agentcore.…`).
pub fn is_gateway_host(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
        .is_some_and(|h| h.contains(".gateway.bedrock-agentcore."))
}

/// A fresh runtime session id: `tokdiag-` and a random UUID-shaped hex string (44 characters,
/// over AgentCore's 33-character minimum).
pub fn new_session_id() -> String {
    uuid_like("tokdiag-")
}

/// `prefix` and 16 random bytes as lowercase hex in a UUID's 8-4-4-4-12 shape.
pub fn uuid_like(prefix: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b: [u8; 16] = rand::random();
    // Built as bytes (the proxy makes two per request): hex digits and dashes are ASCII.
    let mut out = [0u8; 36];
    let mut at = 0;
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[at] = b'-';
            at += 1;
        }
        out[at] = HEX[usize::from(x >> 4)];
        out[at + 1] = HEX[usize::from(x & 15)];
        at += 2;
    }
    let mut s = String::with_capacity(prefix.len() + 36);
    s.push_str(prefix);
    s.push_str(std::str::from_utf8(&out).unwrap_or_default());
    s
}

/// One HTTP request as it is (or would be) sent.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRequest {
    /// `POST`.
    pub method: &'static str,
    /// The URL.
    pub url: String,
    /// Headers in send order. The Authorization value is the real token or signature and
    /// X-Amz-Security-Token the real session token: print only through
    /// [`HttpRequest::redacted_headers`].
    #[serde(skip)]
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: String,
}

/// How a token is shown in printed requests.
pub const TOKEN_PLACEHOLDER: &str = "$TOKEN";

/// What `--dry-run` shows for the Mcp-Session-Id the server will issue: the only header value
/// the curl command leaves to the shell (double-quoted), so no other value is ever expanded.
pub const SESSION_PLACEHOLDER: &str = "$MCP_SESSION_ID";

impl HttpRequest {
    /// A header value (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request carries a SigV4 signature.
    pub fn is_sigv4(&self) -> bool {
        self.header("authorization")
            .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256"))
    }

    /// Headers with the secrets replaced: the bearer token by `$TOKEN`, a SigV4 signature and a
    /// session token by `<redacted>`.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    if v.starts_with("AWS4-HMAC-SHA256") {
                        (k.clone(), sigv4::redact_authorization(v))
                    } else {
                        (k.clone(), format!("Bearer {TOKEN_PLACEHOLDER}"))
                    }
                } else if k.eq_ignore_ascii_case("x-amz-security-token") {
                    (k.clone(), sigv4::REDACTED.to_string())
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect()
    }

    /// The request as text: request line, headers (secrets redacted), blank line, body.
    pub fn display(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.url);
        for (k, v) in self.redacted_headers() {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&self.body);
        s
    }

    /// An equivalent curl command. The bearer token is `$TOKEN` (double-quoted so the shell
    /// expands it); a SigV4 request is signed by curl itself (`--aws-sigv4`, keys from
    /// `$AWS_ACCESS_KEY_ID`/`$AWS_SECRET_ACCESS_KEY`, `$AWS_SESSION_TOKEN` when temporary). A
    /// request without Accept says `-H 'Accept:'`, since curl would add `*/*`.
    pub fn curl(&self) -> String {
        let mut s = format!("curl -sS -X {} {}", self.method, shell_quote(&self.url));
        if let Some(a) = self.header("authorization").filter(|_| self.is_sigv4()) {
            let region = sigv4::scope_region(a).unwrap_or("us-east-1");
            s.push_str(&format!(
                " \\\n  --aws-sigv4 {} \\\n  --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"",
                shell_quote(&format!("aws:amz:{region}:{}", sigv4::SERVICE))
            ));
        }
        for (k, v) in &self.headers {
            if k.eq_ignore_ascii_case("authorization") {
                if !self.is_sigv4() {
                    s.push_str(&format!(" \\\n  -H \"{k}: Bearer {TOKEN_PLACEHOLDER}\""));
                }
            } else if k.eq_ignore_ascii_case("x-amz-date") && self.is_sigv4() {
                // curl --aws-sigv4 dates the request itself.
            } else if k.eq_ignore_ascii_case("x-amz-security-token") {
                s.push_str(&format!(" \\\n  -H \"{k}: $AWS_SESSION_TOKEN\""));
            } else if v == SESSION_PLACEHOLDER {
                // A shell variable placeholder ($MCP_SESSION_ID): double quotes so it expands.
                s.push_str(&format!(" \\\n  -H \"{k}: {v}\""));
            } else {
                s.push_str(&format!(" \\\n  -H {}", shell_quote(&format!("{k}: {v}"))));
            }
        }
        if self.header("accept").is_none() {
            s.push_str(" \\\n  -H 'Accept:'");
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

/// What kind of endpoint a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An AgentCore runtime (`/runtimes/<ARN>/invocations`).
    Runtime,
    /// An AgentCore gateway (`https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp`).
    Gateway,
    /// Any MCP URL (`--url`), e.g. a local server.
    #[default]
    Url,
}

impl Kind {
    /// The endpoint, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Runtime => "runtime",
            Kind::Gateway => "gateway",
            Kind::Url => "MCP server",
        }
    }
}

/// The MCP server SDKs whose answers tokdiag recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sdk {
    /// The Python MCP SDK 1.x (`mcp.server.fastmcp.FastMCP`).
    #[serde(rename = "python-1")]
    Python1,
    /// The Python MCP SDK 2.x (`mcp.server.mcpserver.MCPServer`).
    #[serde(rename = "python-2")]
    Python2,
    /// The TypeScript SDK (`@modelcontextprotocol/sdk`).
    #[serde(rename = "typescript")]
    TypeScript,
}

impl Sdk {
    /// The SDK's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Sdk::Python1 => "Python MCP SDK 1.x",
            Sdk::Python2 => "Python MCP SDK 2.x",
            Sdk::TypeScript => "TypeScript MCP SDK",
        }
    }
}

/// Which SDK wrote an error body, when its shape says so: the Python SDK 1.x answers transport
/// errors with `"id":"server-error"`, 2.x with `"id":null` and JSON-RPC -32600 (or -32602 about
/// `params._meta`), the TypeScript SDK with -32000 and `"id":null`.
pub fn identify_sdk(body: &str) -> Option<Sdk> {
    let v: Value = serde_json::from_str(body).ok()?;
    if v.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return None;
    }
    let err = v.get("error")?;
    let code = err.get("code").and_then(Value::as_i64)?;
    let msg = err.get("message").and_then(Value::as_str).unwrap_or("");
    let id = v.get("id");
    if id.and_then(Value::as_str) == Some("server-error") {
        return Some(Sdk::Python1);
    }
    if (code == -32602 && msg.contains("params._meta must be an object")) || code == -32022 {
        return Some(Sdk::Python2);
    }
    if id.is_some_and(Value::is_null) {
        return match code {
            -32000 => Some(Sdk::TypeScript),
            -32600 => Some(Sdk::Python2),
            _ => None,
        };
    }
    None
}

/// Everything [`diagnose`] needs to know about the request that failed.
#[derive(Debug, Clone, Default)]
pub struct SentContext {
    /// The MCP method of the request (`initialize`, `tools/list`, …).
    pub method: String,
    /// Whether a bearer token was sent.
    pub token_sent: bool,
    /// Whether the request was signed with SigV4.
    pub sigv4: bool,
    /// The Accept header sent (empty: none).
    pub accept: String,
    /// The runtime session id sent.
    pub runtime_session_id: String,
    /// The MCP-Protocol-Version sent, if any.
    pub protocol_version: Option<String>,
    /// What the endpoint is.
    pub kind: Kind,
}

/// A named failure of an MCP call, with the fixes to apply.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// Stable code (`claim-mismatch`, `accept-rejected-by-service`, …).
    pub code: &'static str,
    /// The MCP method that failed.
    pub method: String,
    /// HTTP status (200 for a JSON-RPC error; 0 when nothing was sent).
    pub status: u16,
    /// One line: what happened and why.
    pub message: String,
    /// The server's own message (body `message` / JSON-RPC `error.message`, or the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_message: Option<String>,
    /// The server SDK the answer identifies, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdk: Option<Sdk>,
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

impl Failure {
    /// A failure found before anything was sent (status 0), e.g. `auth-method-mismatch` from
    /// the config.
    pub fn before_sending(code: &'static str, message: String, fixes: Vec<String>) -> Failure {
        Failure {
            code,
            method: "initialize".into(),
            status: 0,
            message,
            server_message: None,
            sdk: None,
            fixes,
            body: String::new(),
            www_authenticate: None,
            jsonrpc_error: None,
            explain_token: false,
        }
    }
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

/// The limit a 424 body quotes: "…completes in 30s." → `Some(30)`.
pub fn quoted_init_limit(message: &str) -> Option<u64> {
    let rest = message.split("completes in ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    digits.parse().ok()
}

/// The versions a server lists as supported, from "Supported versions: a, b" (Python 1.x) or
/// "(supported versions: a, b)" (TypeScript).
fn supported_versions(m: &str) -> Option<String> {
    let lower = m.to_ascii_lowercase();
    let i = lower.find("supported versions:")?;
    let rest = m[i + "supported versions:".len()..].trim();
    let rest = rest.trim_end_matches(['.', ')']).trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// The fix for an MCP server that fails to start (a runtime's 500/424 on `initialize`): the
/// known crash of a 2.x server importing FastMCP.
const FASTMCP_CRASH_FIX: &str = "if the server is built on the Python MCP SDK: mcp 2.x removed \
     `mcp.server.fastmcp`, so a server importing FastMCP crashes at start — pin `mcp<2` in its \
     requirements, or move to `from mcp.server.mcpserver import MCPServer` (host, port and \
     stateless_http go to `run()` there)";

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
    let sdk = identify_sdk(body);
    let m = server_message.clone().unwrap_or_default();
    let has = |s: &str| m.contains(s);
    let mut f = Failure {
        code: "http-error",
        method: sent.method.clone(),
        status,
        message: String::new(),
        server_message: server_message.clone(),
        sdk,
        fixes: Vec::new(),
        body: cap(body),
        www_authenticate: www_authenticate.map(str::to_string),
        jsonrpc_error: jsonrpc_error.clone(),
        explain_token: false,
    };
    let noun = sent.kind.noun();
    // "the MCP server (TypeScript MCP SDK)" when the answer says which SDK it is.
    let server = match sdk {
        Some(s) => format!("the MCP server ({})", s.name()),
        None => "the MCP server".to_string(),
    };
    let login_fix = "get a fresh access token: `tokdiag login` (then `tokdiag invoke` uses the cached one), \
                     or pass it with --token";
    match status {
        401 | 403 if has("Claim '") && has("mismatch") => {
            let claim = m
                .split("Claim '")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .unwrap_or("?")
                .to_string();
            f.code = "claim-mismatch";
            // A --url target is a stand-in for a runtime (a local `tokdiag proxy`, say).
            let whose = if sent.kind == Kind::Gateway {
                "gateway"
            } else {
                "runtime"
            };
            f.message = format!(
                "the {whose}'s JWT authorizer refused the token: its '{claim}' claim does not match \
                 the configuration"
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
        401 if (!sent.token_sent && !sent.sigv4)
            || www_authenticate.is_some_and(|w| w.contains("resource_metadata"))
            || has("Missing Authentication Token") =>
        {
            f.code = "missing-token";
            f.message = if sent.token_sent {
                format!(
                    "the {noun} saw no bearer token (Authorization header missing or empty on arrival)"
                )
            } else if sent.sigv4 {
                format!(
                    "the {noun} wants a bearer token (JWT authorizer), and a SigV4 signature is not one"
                )
            } else {
                format!("no bearer token was sent, and the {noun} requires one (JWT authorizer)")
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
            f.message = format!("the {noun} refused the token (401)");
            f.explain_token = sent.token_sent;
            f.fixes.push(
                "evaluate the token against the config: `tokdiag explain --token \"$TOKEN\"`"
                    .into(),
            );
        }
        403 if has("Failed to parse token") => {
            f.code = "token-unparseable";
            f.message = format!(
                "the {noun} could not parse the bearer token as a JWT (truncated, quoted, opaque or \
                 encrypted token)"
            );
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
                f.message = format!(
                    "the {noun} is not configured for the authorization method used: a bearer token \
                     reached a {noun} that expects SigV4 (IAM), or the reverse"
                );
                f.fixes.push(format!(
                    "if the {noun}'s authorizer is IAM (authorizerType AWS_IAM, authorizer_configuration: \
                     null), call it with SigV4: `tokdiag invoke --sigv4` (AWS credentials from the \
                     standard chain, --profile NAME), or configure a JWT authorizer and redeploy"
                ));
            } else if sent.sigv4 {
                f.message = format!(
                    "the {noun} uses a JWT authorizer (CUSTOM_JWT), and the request was signed with \
                     SigV4 instead of carrying a bearer token"
                );
                f.fixes.push(
                    "drop --sigv4 and send the access token: --token, or `tokdiag login` first"
                        .into(),
                );
            } else {
                f.message = format!(
                    "the {noun} uses a JWT authorizer but the request carried no bearer token (a SigV4 \
                     or unauthenticated call)"
                );
                f.fixes.push(
                    "send the access token: --token, or `tokdiag login` first (the starter toolkit falls \
                     back to SigV4 when no bearer token is given)"
                        .into(),
                );
            }
        }
        403 if sent.kind == Kind::Gateway && sent.token_sent => {
            // A gateway refuses a failing JWT with 403 where a runtime says 401.
            f.code = "token-refused";
            f.message = "the gateway's JWT authorizer refused the token (403)".into();
            f.explain_token = true;
            f.fixes.push(
                "evaluate the token against the gateway's authorizer: `tokdiag explain --gateway NAME \
                 --token \"$TOKEN\"`"
                    .into(),
            );
        }
        403 if sent.sigv4 && (has("signature") || has("Signature") || has("security token")) => {
            f.code = "sigv4-refused";
            f.message = format!("the {noun} refused the SigV4 signature (403)");
            f.fixes.push(
                "check the credentials (`aws sts get-caller-identity`), the clock (SigV4 allows 5 \
                 minutes of skew) and that the region is the resource's"
                    .into(),
            );
        }
        403 if sent.sigv4 => {
            f.code = "access-denied";
            f.message = format!(
                "the {noun} denied the signed request (403): the IAM identity lacks permission"
            );
            f.fixes.push(format!(
                "allow bedrock-agentcore:{} on the resource for the identity that signed \
                 (`aws sts get-caller-identity` names it)",
                if sent.kind == Kind::Gateway {
                    "InvokeGateway"
                } else {
                    "InvokeAgentRuntime"
                }
            ));
        }
        403 if has("ACCESS_DENIED") || has("AccessDenied") || has("Access denied") => {
            f.code = "access-denied";
            f.message = format!(
                "the {noun} denied access (403): a {noun} without a JWT authorizer (IAM SigV4) \
                 refuses every bearer token this way"
            );
            f.fixes.push(format!(
                "check the {noun}'s authorizer: with IAM (authorizer_configuration: null, authorizerType \
                 AWS_IAM) a bearer token can never pass — call it with `tokdiag invoke --sigv4`"
            ));
        }
        403 => {
            f.code = "forbidden";
            f.message = format!("the {noun} refused the request (403)");
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
                "{server} refused the Accept header ({}): it must list {want}{}",
                shown_accept(&sent.accept),
                match rpc_code {
                    Some(c) =>
                        format!(" (JSON-RPC {c} from the server itself, not from AgentCore)"),
                    None => String::new(),
                }
            );
            f.fixes.push(match sdk {
                Some(Sdk::Python1) => format!(
                    "send `Accept: {ACCEPT}`: the Python MCP SDK 1.x needs both types listed \
                     literally and refuses wildcards such as */* (curl's default)"
                ),
                Some(Sdk::Python2) => format!(
                    "send `Accept: {ACCEPT}`: the Python MCP SDK 2.x needs both types (wildcards \
                     such as */*, application/* and text/* count), or application/json alone when \
                     the server runs with json_response=True"
                ),
                Some(Sdk::TypeScript) => format!(
                    "send `Accept: {ACCEPT}`: the TypeScript MCP SDK needs both types listed, even \
                     with enableJsonResponse; it refuses */* and application/json alone"
                ),
                None => format!(
                    "send `Accept: {ACCEPT}` (servers differ on wildcards: the Python MCP SDK 1.x \
                     and the TypeScript SDK refuse */*, the Python SDK 2.x accepts it)"
                ),
            });
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
        400 if has("Unsupported protocol version") && sdk == Some(Sdk::Python2) => {
            // Python 2.x answers a notification whose MCP-Protocol-Version it does not know with
            // -32022 and `data.supported: ["2026-07-28"]`: the stateless era only, though it
            // speaks every handshake version after an initialize.
            f.code = "protocol-version-unsupported";
            f.message = format!(
                "{server} does not know the MCP-Protocol-Version sent ({}): JSON-RPC {}, listing \
                 only the stateless 2026-07-28 era, whose requests carry the version in params._meta",
                sent.protocol_version.as_deref().unwrap_or("none"),
                rpc_code.unwrap_or(0)
            );
            f.fixes.push(format!(
                "send a handshake version it supports after initialize: {} (drop \
                 --protocol-version and tokdiag sends the negotiated one)",
                KNOWN_PROTOCOL_VERSIONS.join(", ")
            ));
        }
        400 if has("Unsupported protocol version") => {
            f.code = "protocol-version-unsupported";
            f.message = format!(
                "{server} does not support the MCP-Protocol-Version sent ({})",
                sent.protocol_version.as_deref().unwrap_or("none")
            );
            f.fixes.push(match supported_versions(&m) {
                Some(s) => format!("send one of the versions it supports: {s}"),
                None => format!(
                    "send MCP-Protocol-Version: {PROTOCOL_VERSION} (the version initialize negotiated)"
                ),
            });
        }
        400 if has("params._meta must be an object") => {
            // The Python SDK 2.x takes a request whose MCP-Protocol-Version it does not know for
            // one of the stateless era (2026-07-28), whose requests carry the version in
            // params._meta, and answers -32602 about that.
            f.code = "protocol-version-unsupported";
            f.message = format!(
                "{server} does not know the MCP-Protocol-Version sent ({}): it took the request for \
                 the stateless 2026-07-28 era, whose requests carry the version in params._meta, and \
                 answered JSON-RPC -32602",
                sent.protocol_version.as_deref().unwrap_or("none")
            );
            f.fixes.push(format!(
                "send a handshake version it supports: {} (drop --protocol-version and tokdiag sends \
                 the negotiated one)",
                KNOWN_PROTOCOL_VERSIONS.join(", ")
            ));
        }
        400 if has("Invalid Content-Type") => {
            f.code = "content-type";
            f.message = format!("{server} refused the Content-Type");
            f.fixes.push("send `Content-Type: application/json`".into());
        }
        415 => {
            f.code = "content-type";
            f.message = format!("{server} refused the Content-Type (415)");
            f.fixes.push("send `Content-Type: application/json`".into());
        }
        400 if has("session ID") || has("Session ID") => {
            f.code = "session-required";
            f.message = format!("{server} wants a session it issued");
            f.fixes.push(
                "run the MCP server stateless (Python 1.x: FastMCP(..., stateless_http=True); 2.x: \
                 run(..., stateless_http=True); TypeScript: sessionIdGenerator: undefined), as \
                 AgentCore's MCP contract requires"
                    .into(),
            );
        }
        404 if has("Session not found") => {
            f.code = "session-not-found";
            f.message = format!(
                "{server} does not know the Mcp-Session-Id: it runs stateful and rejects the session \
                 id the platform generates"
            );
            f.fixes.push(
                "run the MCP server stateless (Python 1.x: FastMCP(..., stateless_http=True); 2.x: \
                 run(..., stateless_http=True); TypeScript: sessionIdGenerator: undefined) — \
                 AgentCore's MCP contract: servers must accept the platform's Mcp-Session-Id"
                    .into(),
            );
        }
        404 => {
            f.code = "not-found";
            f.message = "nothing answers at this URL (404)".into();
            f.fixes.push(match sent.kind {
                Kind::Runtime => {
                    "check the agent ARN, its region and the qualifier (`agentcore status` shows the ARN)"
                        .into()
                }
                Kind::Gateway => "check the gateway URL: it ends in /mcp (`aws bedrock-agentcore-control \
                                  get-gateway` prints gatewayUrl)"
                    .into(),
                Kind::Url => "check the URL: MCP servers usually listen on /mcp".into(),
            });
        }
        421 => {
            f.code = "invalid-host";
            f.message = format!("{server} refused the Host header (421)");
            f.fixes.push(
                "bind the server to 0.0.0.0 (the Python SDK's default 127.0.0.1 turns on \
                 DNS-rebinding protection, which refuses other Host headers)"
                    .into(),
            );
        }
        424 => {
            f.code = "runtime-init-timeout";
            let limit = quoted_init_limit(&m);
            f.message = match limit {
                Some(n) => format!(
                    "the runtime did not start in time (424): the container did not become healthy \
                     within {n} s"
                ),
                None => {
                    "the runtime did not start in time (424): the container did not become healthy"
                        .into()
                }
            };
            f.fixes.push(format!(
                "read the runtime's CloudWatch logs: the container must start within {} and listen \
                 on 0.0.0.0:8000, path /mcp (ARM64 image)",
                match limit {
                    Some(n) => format!("{n} s"),
                    None => "the service's initialization limit".into(),
                }
            ));
            if sent.method == "initialize" {
                f.fixes.push(FASTMCP_CRASH_FIX.into());
            }
            f.fixes
                .push("retry once: the first call of a new session starts a microVM".into());
        }
        429 => {
            f.code = "throttled";
            f.message = "throttled (429)".into();
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
                "the server answered {} with a JSON-RPC {what} ({code})",
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
                _ => said_fix(server_message.is_some(), body),
            });
        }
        s if s >= 500 => {
            f.code = if has("starting the runtime") {
                "runtime-start-failed"
            } else {
                "server-error"
            };
            f.message = format!("the {noun} failed ({s})");
            f.fixes.push(
                "read the server's logs (CloudWatch for a runtime); retry once for a transient error"
                    .into(),
            );
            if sent.method == "initialize" && sent.kind != Kind::Gateway {
                f.fixes.push(FASTMCP_CRASH_FIX.into());
            }
        }
        s => {
            // The server's words are shown once, on their own line (`server says:`); without
            // them the body is (`body:`), and the fix points at what was shown.
            f.message = format!("unexpected HTTP {s} from the {noun}");
            f.fixes.push(said_fix(server_message.is_some(), body));
        }
    }
    f
}

/// The fix of an answer tokdiag has no words for: it points at what the output shows (the
/// server's message, else the body, else says there is neither).
fn said_fix(has_message: bool, body: &str) -> String {
    if has_message {
        "read the server's message above".into()
    } else if body.trim().is_empty() {
        "the answer has no body: check the URL and the server's logs".into()
    } else {
        "see the response body above".into()
    }
}

fn shown_accept(a: &str) -> String {
    if a.is_empty() {
        "none sent".into()
    } else {
        format!("sent: {a}")
    }
}

/// How requests are authenticated.
#[derive(Debug, Clone, Default)]
pub enum Auth {
    /// No Authorization header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// SigV4 with these credentials, for this region (service `bedrock-agentcore`).
    SigV4 {
        /// The credentials and where they came from.
        creds: sigv4::AwsCredentials,
        /// The resource's region.
        region: String,
    },
}

impl Auth {
    /// The bearer token, when that is the method.
    pub fn token(&self) -> Option<&str> {
        match self {
            Auth::Bearer(t) => Some(t),
            _ => None,
        }
    }
}

/// How the client talks to the server.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The MCP endpoint (runtime invocation URL, gateway URL or any MCP URL).
    pub url: String,
    /// What the endpoint is.
    pub kind: Kind,
    /// Bearer token, SigV4, or nothing.
    pub auth: Auth,
    /// The runtime session id header value (not sent to gateways).
    pub runtime_session_id: String,
    /// The Accept header (MCP's unless overridden); empty sends none at all.
    pub accept: String,
    /// The protocol version asked for in `initialize`.
    pub protocol_version: String,
    /// A protocol version header to send instead of the negotiated one (an unknown
    /// `--protocol-version`, to reproduce a server's answer to it).
    pub protocol_header_override: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Where the exchanges go (`--verbose`: each request and answer, as
    /// [`Note::Exchange`](crate::notes::Note::Exchange)).
    pub notes: crate::notes::Notes,
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

/// A response body being read, from reqwest or (no Accept header) from hyper directly.
enum Body {
    Reqwest(reqwest::Response),
    Hyper(hyper::body::Incoming),
}

impl Body {
    /// The next chunk of the body; `None` at its end.
    async fn chunk(&mut self) -> std::result::Result<Option<bytes::Bytes>, String> {
        match self {
            Body::Reqwest(r) => r.chunk().await.map_err(|e| crate::net::error_chain(&e)),
            Body::Hyper(b) => {
                use http_body_util::BodyExt;
                loop {
                    match b.frame().await {
                        None => return Ok(None),
                        Some(Err(e)) => return Err(crate::net::error_chain(&e)),
                        Some(Ok(frame)) => {
                            if let Ok(data) = frame.into_data() {
                                return Ok(Some(data));
                            }
                            // Trailers: skip.
                        }
                    }
                }
            }
        }
    }
}

impl Client {
    /// A client for `opts` (no request is sent yet).
    pub fn new(opts: ClientOptions) -> Result<Client> {
        // The URL and header values are shown in --dry-run, -v and curl commands: a control
        // character there (a config's gatewayUrl, --accept, --session-id) would forge lines,
        // and HTTP refuses them anyway.
        let bad = |s: &str| s.chars().any(char::is_control);
        if bad(&opts.url) {
            return Err(Error::usage(
                format!(
                    "the MCP URL {} holds control characters",
                    crate::escape::esc(&opts.url)
                ),
                Some("give a URL without newlines or control characters".to_string()),
            ));
        }
        for (what, v) in [
            ("--accept", &opts.accept),
            ("--session-id", &opts.runtime_session_id),
        ] {
            if bad(v) {
                return Err(Error::usage(
                    format!(
                        "{what} {}: control characters are not allowed in an HTTP header",
                        crate::escape::esc(v)
                    ),
                    None,
                ));
            }
        }
        // No redirects: a 3xx is the answer, shown as such, rather than the bearer token or a
        // SigV4-signed body following it somewhere the user did not name.
        let loopback = url::Url::parse(&opts.url).is_ok_and(|u| crate::net::is_loopback(&u));
        let http = crate::net::client(crate::net::ClientSpec {
            timeout: Some(opts.timeout),
            connect_timeout: Duration::from_secs(10),
            redirects: crate::net::Redirects::None,
            no_proxy: loopback,
        })?;
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

    /// The request for a JSON-RPC message (with `id` for requests, without for notifications),
    /// not yet signed (see [`Client::signed`]).
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
        if let Some(t) = self.opts.auth.token() {
            headers.push(("Authorization".into(), format!("Bearer {t}")));
        }
        headers.push(("Content-Type".into(), "application/json".into()));
        if !self.opts.accept.is_empty() {
            headers.push(("Accept".into(), self.opts.accept.clone()));
        }
        if self.opts.kind != Kind::Gateway {
            headers.push((
                RUNTIME_SESSION_HEADER.into(),
                self.opts.runtime_session_id.clone(),
            ));
        }
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

    /// The request as it goes on the wire: SigV4-signed (now) when that is the method.
    pub fn signed(&self, req: &HttpRequest) -> Result<HttpRequest> {
        let mut r = req.clone();
        if let Auth::SigV4 { creds, region } = &self.opts.auth {
            sigv4::sign(&mut r, creds, region, sigv4::SERVICE, SystemTime::now())?;
        }
        Ok(r)
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
        SentContext {
            method: method.to_string(),
            token_sent: self.opts.auth.token().is_some_and(|t| !t.is_empty()),
            sigv4: matches!(self.opts.auth, Auth::SigV4 { .. }),
            accept: req.header("accept").unwrap_or_default().to_string(),
            runtime_session_id: self.opts.runtime_session_id.clone(),
            protocol_version: req.header(PROTOCOL_HEADER).map(str::to_string),
            kind: self.opts.kind,
        }
    }

    /// Sends `req` through reqwest: status, headers, body reader.
    async fn send_reqwest(&self, req: &HttpRequest) -> Result<(u16, Vec<(String, String)>, Body)> {
        let mut rb = self.http.post(&req.url).body(req.body.clone());
        for (k, v) in &req.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        let resp = rb
            .send()
            .await
            .map_err(|e| net_error(&req.url, &e, self.opts.timeout))?;
        let status = resp.status().as_u16();
        let headers = header_list(resp.headers());
        Ok((status, headers, Body::Reqwest(resp)))
    }

    /// Sends `req` through hyper directly, with exactly its headers (plus Host and
    /// Content-Length): reqwest adds `Accept: */*` to any request without one, and a request with
    /// no Accept header at all is what `--accept ''` asks for. Same TLS stack (rustls, aws-lc,
    /// the platform's roots); no proxy.
    async fn send_direct(&self, req: &HttpRequest) -> Result<(u16, Vec<(String, String)>, Body)> {
        let url = url::Url::parse(&req.url)
            .map_err(|e| Error::usage(format!("not a URL: {} ({e})", req.url), None))?;
        let host = url
            .host_str()
            .ok_or_else(|| Error::usage(format!("no host in {}", req.url), None))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port_or_known_default().unwrap_or(80);
        let connect = tokio::time::timeout(
            self.opts.timeout.min(Duration::from_secs(10)),
            tokio::net::TcpStream::connect((host.as_str(), port)),
        )
        .await;
        let tcp = match connect {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Err(Error::network(
                    format!("cannot connect to {}: {e}", req.url),
                    Some(
                        "check the URL (or the region and --runtime-endpoint) and that the server is running"
                            .to_string(),
                    ),
                ));
            }
            Err(_) => return Err(timeout_error(&req.url, self.opts.timeout)),
        };
        let authority = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or(&host)),
            None => url.host_str().unwrap_or(&host).to_string(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut builder = http::Request::builder()
            .method(http::Method::POST)
            .uri(path)
            .header(http::header::HOST, authority)
            .header(
                http::header::USER_AGENT,
                concat!("tokdiag/", env!("CARGO_PKG_VERSION")),
            );
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder
            .body(http_body_util::Full::new(bytes::Bytes::from(
                req.body.clone(),
            )))
            .map_err(|e| Error::usage(format!("cannot build the request: {e}"), None))?;
        let fail = |e: &(dyn std::error::Error + 'static)| {
            Error::network(
                format!(
                    "request to {} failed: {}",
                    req.url,
                    crate::net::error_chain(e)
                ),
                None,
            )
        };
        let exchange = async {
            let mut sender = if url.scheme() == "https" {
                let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                    rustls::crypto::aws_lc_rs::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| fail(&e))?;
                use rustls_platform_verifier::BuilderVerifierExt;
                let config = config
                    .with_platform_verifier()
                    .map_err(|e| fail(&e))?
                    .with_no_client_auth();
                let name =
                    rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| fail(&e))?;
                let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
                    .connect(name, tcp)
                    .await
                    .map_err(|e| fail(&e))?;
                let (sender, conn) = hyper::client::conn::http1::Builder::new()
                    .max_buf_size(MAX_HEAD.max(8192))
                    .handshake(hyper_util::rt::TokioIo::new(tls))
                    .await
                    .map_err(|e| fail(&e))?;
                tokio::spawn(conn);
                sender
            } else {
                let (sender, conn) = hyper::client::conn::http1::Builder::new()
                    .max_buf_size(MAX_HEAD.max(8192))
                    .handshake(hyper_util::rt::TokioIo::new(tcp))
                    .await
                    .map_err(|e| fail(&e))?;
                tokio::spawn(conn);
                sender
            };
            sender.send_request(request).await.map_err(|e| fail(&e))
        };
        let resp = match tokio::time::timeout(self.opts.timeout, exchange).await {
            Ok(r) => r?,
            Err(_) => return Err(timeout_error(&req.url, self.opts.timeout)),
        };
        let status = resp.status().as_u16();
        let headers = header_list(resp.headers());
        Ok((status, headers, Body::Hyper(resp.into_body())))
    }

    /// Signs (SigV4) and sends one request and reads the answer (an SSE body up to the JSON-RPC
    /// response `want`).
    pub async fn send(&self, req: &HttpRequest, want: Option<i64>) -> Result<HttpResponse> {
        let req = &self.signed(req)?;
        if self.opts.notes.verbose() {
            self.opts.notes.send(crate::notes::Note::Exchange(format!(
                "> {}",
                req.display().replace('\n', "\n> ").trim_end_matches("> ")
            )));
        }
        let start = Instant::now();
        let _spin = self.opts.notes.busy(format!("calling {}", req.url));
        let (status, headers, mut body) = if req.header("accept").is_none() {
            self.send_direct(req).await?
        } else {
            self.send_reqwest(req).await?
        };
        let sse = headers.iter().any(|(k, v)| {
            k == "content-type" && v.to_ascii_lowercase().starts_with("text/event-stream")
        });
        let mut raw: Vec<u8> = Vec::new();
        let mut parser = SseParser::default();
        let mut messages: Vec<Value> = Vec::new();
        let mut consumed = 0usize;
        let deadline = start + self.opts.timeout;
        loop {
            let chunk = match tokio::time::timeout_at(deadline.into(), body.chunk()).await {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => {
                    return Err(Error::network(
                        format!("request to {} failed: {e}", req.url),
                        None,
                    ));
                }
                Err(_) => return Err(timeout_error(&req.url, self.opts.timeout)),
            };
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
        if self.opts.notes.verbose() {
            let mut s = format!("< HTTP {} ({} ms)\n", r.status, r.elapsed.as_millis());
            for (k, v) in &r.headers {
                s.push_str(&format!("< {k}: {v}\n"));
            }
            s.push_str("<\n");
            for l in r.body.lines() {
                s.push_str(&format!("< {l}\n"));
            }
            s.truncate(s.trim_end().len());
            self.opts.notes.send(crate::notes::Note::Exchange(s));
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

/// Response headers as (lowercase name, value) pairs.
fn header_list(h: &http::HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn timeout_error(url: &str, timeout: Duration) -> Error {
    Error::network(
        format!("no answer from {url} within {} s", timeout.as_secs()),
        Some("check that the server is up; raise the limit with --timeout SECS".to_string()),
    )
}

fn net_error(url: &str, e: &reqwest::Error, timeout: Duration) -> Error {
    if e.is_timeout() {
        return timeout_error(url, timeout);
    }
    let cause = crate::net::error_chain(e);
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
        let u = uuid_like("");
        let groups: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{u}");
        assert!(
            u.bytes()
                .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
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

    #[test]
    fn a_placeholder_account_builds_no_url() {
        let e = runtime_url(
            "arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>:runtime/x-abc",
            None,
            "DEFAULT",
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "the runtime ARN's account is a placeholder (<REPLACE-WITH-YOUR-AWS-ACCOUNT>): arn:aws:bedrock-agentcore:us-east-1:<REPLACE-WITH-YOUR-AWS-ACCOUNT>:runtime/x-abc"
        );
        assert_eq!(
            e.hint().as_deref(),
            Some(
                "put the real account in the ARN (`agentcore status` or `aws bedrock-agentcore-control list-agent-runtimes` prints the ARN)"
            )
        );
        assert!(
            runtime_url(
                "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x-abc",
                None,
                "DEFAULT"
            )
            .is_ok()
        );
    }

    fn ctx() -> SentContext {
        SentContext {
            method: "initialize".into(),
            token_sent: true,
            accept: "*/*".into(),
            runtime_session_id: "short".into(),
            protocol_version: None,
            kind: Kind::Runtime,
            ..SentContext::default()
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

    #[test]
    fn gateway_urls_and_regions() {
        assert_eq!(
            gateway_url("gw-abc123", "eu-west-1"),
            "https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp"
        );
        assert_eq!(
            region_from_url(
                "https://gw-abc123.gateway.bedrock-agentcore.eu-west-1.amazonaws.com/mcp"
            )
            .as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region_from_url(&runtime_url(ARN, None, "DEFAULT").unwrap()).as_deref(),
            Some("us-east-1")
        );
        assert_eq!(region_from_url("http://127.0.0.1:8000/mcp"), None);
        assert_eq!(
            region_from_url("https://bedrock-agentcore.evil.com/x"),
            None
        );
        assert!(is_gateway_host(
            "https://gw.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
        ));
        assert!(!is_gateway_host("http://127.0.0.1/mcp"));
    }

    #[test]
    fn sdk_from_the_error_shape() {
        assert_eq!(
            identify_sdk(
                r#"{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"}}"#
            ),
            Some(Sdk::Python1)
        );
        assert_eq!(
            identify_sdk(
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"}}"#
            ),
            Some(Sdk::Python2)
        );
        assert_eq!(
            identify_sdk(
                r#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"},"id":null}"#
            ),
            Some(Sdk::TypeScript)
        );
        assert_eq!(
            identify_sdk(
                r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"params._meta must be an object carrying the required 'io.modelcontextprotocol/protocolVersion' and 'io.modelcontextprotocol/clientCapabilities' envelope keys"}}"#
            ),
            Some(Sdk::Python2)
        );
        assert_eq!(identify_sdk(r#"{"message":"x"}"#), None);
        assert_eq!(identify_sdk("not json"), None);
    }

    #[test]
    fn accept_fixes_say_what_each_sdk_does() {
        let c = SentContext {
            accept: "*/*".into(),
            kind: Kind::Url,
            ..ctx()
        };
        let f = diagnose(
            406,
            None,
            r#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"},"id":null}"#,
            None,
            &c,
        );
        assert_eq!(f.sdk, Some(Sdk::TypeScript));
        assert!(
            f.message.starts_with(
                "the MCP server (TypeScript MCP SDK) refused the Accept header (sent: */*)"
            ),
            "{}",
            f.message
        );
        assert!(
            f.fixes[0].contains(
                "even with enableJsonResponse; it refuses */* and application/json alone"
            ),
            "{:?}",
            f.fixes
        );
        let f = diagnose(
            406,
            None,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"}}"#,
            None,
            &c,
        );
        assert!(
            f.fixes[0].contains("wildcards such as */*, application/* and text/* count"),
            "{:?}",
            f.fixes
        );
        let f = diagnose(406, None, "", None, &c);
        assert!(
            f.fixes[0].contains("the Python SDK 2.x accepts it"),
            "{:?}",
            f.fixes
        );
    }

    #[test]
    fn protocol_version_answers_of_each_sdk() {
        let c = SentContext {
            protocol_version: Some("1999-01-01".into()),
            kind: Kind::Url,
            ..ctx()
        };
        let ts = diagnose(
            400,
            None,
            r#"{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07)"},"id":null}"#,
            None,
            &c,
        );
        assert_eq!(ts.code, "protocol-version-unsupported");
        assert_eq!(
            ts.fixes[0],
            "send one of the versions it supports: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07"
        );
        let py2 = diagnose(
            400,
            None,
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"params._meta must be an object carrying the required 'io.modelcontextprotocol/protocolVersion' and 'io.modelcontextprotocol/clientCapabilities' envelope keys"}}"#,
            None,
            &c,
        );
        assert_eq!(py2.code, "protocol-version-unsupported");
        assert!(py2.message.starts_with("the MCP server (Python MCP SDK 2.x) does not know the MCP-Protocol-Version sent (1999-01-01)"), "{}", py2.message);
    }

    #[test]
    fn init_limit_comes_from_the_body() {
        assert_eq!(
            quoted_init_limit("Please make sure that initialization completes in 30s."),
            Some(30)
        );
        assert_eq!(quoted_init_limit("completes in 120s"), Some(120));
        assert_eq!(quoted_init_limit("no number"), None);
        let f = diagnose(
            424,
            None,
            r#"{"message":"Runtime initialization time exceeded. Please make sure that initialization completes in 30s."}"#,
            None,
            &ctx(),
        );
        assert!(f.message.ends_with("within 30 s"), "{}", f.message);
        assert!(
            f.fixes[0].contains("must start within 30 s"),
            "{:?}",
            f.fixes
        );
        assert!(
            f.fixes.iter().any(|x| x.contains("pin `mcp<2`")),
            "{:?}",
            f.fixes
        );
        let f = diagnose(424, None, r#"{"message":"took too long"}"#, None, &ctx());
        assert!(
            f.fixes[0].contains("within the service's initialization limit"),
            "{:?}",
            f.fixes
        );
        let f = diagnose(
            500,
            None,
            r#"{"message":"An error occurred when starting the runtime. Please check your CloudWatch logs"}"#,
            None,
            &ctx(),
        );
        assert_eq!(f.code, "runtime-start-failed");
        assert!(
            f.fixes.iter().any(|x| x.contains("MCPServer")),
            "{:?}",
            f.fixes
        );
    }

    #[test]
    fn gateway_403_for_a_refused_jwt_goes_to_explain() {
        let c = SentContext {
            kind: Kind::Gateway,
            ..ctx()
        };
        let f = diagnose(403, None, r#"{"message":"Forbidden"}"#, None, &c);
        assert_eq!(f.code, "token-refused");
        assert!(f.explain_token);
        let f = diagnose(
            403,
            None,
            r#"{"jsonrpc":"2.0","error":{"code":-32002,"message":"Claim 'aud' value mismatch with configuration."}}"#,
            None,
            &c,
        );
        assert_eq!(f.code, "claim-mismatch");
        assert!(
            f.message.starts_with("the gateway's JWT authorizer"),
            "{}",
            f.message
        );
    }

    #[test]
    fn curl_of_a_signed_request_and_of_one_without_accept() {
        let mut r = HttpRequest {
            method: "POST",
            url: "https://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/x/invocations".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: "{}".into(),
        };
        let creds =
            sigv4::AwsCredentials::new("AKIDEXAMPLE", "secretsecret", Some("sessiontok"), "t");
        sigv4::sign(
            &mut r,
            &creds,
            "us-west-2",
            sigv4::SERVICE,
            SystemTime::now(),
        )
        .unwrap();
        let c = r.curl();
        assert!(
            c.contains("--aws-sigv4 'aws:amz:us-west-2:bedrock-agentcore'"),
            "{c}"
        );
        assert!(
            c.contains("-H \"X-Amz-Security-Token: $AWS_SESSION_TOKEN\""),
            "{c}"
        );
        assert!(c.contains("-H 'Accept:'"), "{c}");
        assert!(
            !c.contains("sessiontok") && !c.contains("Signature="),
            "{c}"
        );
        let d = r.display();
        assert!(d.contains("X-Amz-Security-Token: <redacted>"), "{d}");
        assert!(d.contains("Signature=<redacted>"), "{d}");
        assert!(!d.contains("sessiontok"), "{d}");
    }
}
