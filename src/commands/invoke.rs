//! `tokdiag invoke`: call an MCP server over streamable HTTP the way AgentCore Runtime expects it
//! (URL from the agent ARN, bearer token, the Accept header, a runtime session id), and turn every
//! failure into a named diagnosis with its fix. A refused token is evaluated with `explain` against
//! the config, so the user sees *why* the authorizer said no.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use colored::Colorize;
use serde_json::{Value, json};

use crate::authorizer::Authorizer;
use crate::authorizer::config::{self, LoadOptions};
use crate::authorizer::explain::{self, Report};
use crate::cli::Globals;
use crate::commands::{TokenArgs, given_token};
use crate::error::{Error, Result};
use crate::mcp::{self, CallError, Client, ClientOptions, Failure};
use crate::oidc::FetchOptions;
use crate::render;
use crate::report::Status;
use crate::token::{Jwt, Use};

/// Arguments of `invoke`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag invoke --config .bedrock_agentcore.yaml                  # tools/list on the agent's runtime
  tokdiag invoke --tool validate_content --args '{\"content\": \"hello\"}'
  tokdiag invoke --url http://127.0.0.1:8000/mcp --method resources/list
  tokdiag invoke --arn arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x --token @token.jwt --dry-run

The token is --token, else the one cached by `tokdiag login` for the config's agent. The target is
--url, else --arn, else the config's bedrock_agentcore.agent_arn. Failures exit 1 with a diagnosis;
an unreachable host or a timeout exits 3.")]
pub struct InvokeArgs {
    /// Where the call goes.
    #[command(flatten)]
    pub target: TargetArgs,
    /// The bearer token: a JWT, `Bearer <jwt>`, `-` (stdin), `@PATH`, or login JSON
    /// [default: the token cached by `tokdiag login`].
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Which token of a JSON bundle to send [default: the one the authorizer needs].
    #[arg(long = "use", value_enum, value_name = "access|id")]
    pub use_token: Option<Use>,
    /// Runtime session id to reuse (X-Amzn-Bedrock-AgentCore-Runtime-Session-Id, 33+ characters)
    /// [default: a new one].
    #[arg(long, value_name = "ID")]
    pub session_id: Option<String>,
    /// Call this tool (tools/call) instead of listing tools.
    #[arg(long, value_name = "NAME", conflicts_with = "method")]
    pub tool: Option<String>,
    /// The tool's arguments: a JSON object, or @PATH.
    #[arg(long, value_name = "JSON", requires = "tool")]
    pub args: Option<String>,
    /// Send any JSON-RPC method (e.g. resources/list, prompts/list, ping).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// The method's params: a JSON value, or @PATH.
    #[arg(long, value_name = "JSON", requires = "method")]
    pub params: Option<String>,
    /// Print the exact requests and equivalent curl commands; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// JWKS file for evaluating a refused token offline (else the discovery URL's keys).
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// Accept header to send instead of MCP's (to reproduce 406s; "" sends none).
    #[arg(long, value_name = "VALUE", hide = true)]
    pub accept: Option<String>,
    /// MCP-Protocol-Version header to send after initialize (to reproduce 400s).
    #[arg(long, value_name = "VERSION", hide = true)]
    pub protocol_version: Option<String>,
}

/// The target flags shared by `invoke` and `doctor`.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Any MCP endpoint, e.g. http://127.0.0.1:8000/mcp (instead of an AgentCore runtime).
    #[arg(long, value_name = "URL", conflicts_with = "arn")]
    pub url: Option<String>,
    /// Agent runtime ARN [default: the config's bedrock_agentcore.agent_arn].
    #[arg(long, value_name = "ARN")]
    pub arn: Option<String>,
    /// Runtime endpoint qualifier.
    #[arg(long, value_name = "NAME", default_value = "DEFAULT")]
    pub qualifier: String,
}

impl TargetArgs {
    /// Resolves the target (see [`resolve_target`]).
    pub fn resolve(&self, auth: Option<&Authorizer>, g: &Globals) -> Result<Option<Target>> {
        resolve_target(
            self.url.as_deref(),
            self.arn.as_deref(),
            &self.qualifier,
            auth,
            g,
        )
    }
}

/// Where a call goes.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL.
    pub url: String,
    /// Whether it is an AgentCore runtime URL built from an ARN.
    pub runtime: bool,
}

/// Resolves the target: `url`, else `arn`, else the config's agent ARN. `Ok(None)` when there is
/// none of them.
pub fn resolve_target(
    url: Option<&str>,
    arn: Option<&str>,
    qualifier: &str,
    auth: Option<&Authorizer>,
    g: &Globals,
) -> Result<Option<Target>> {
    if let Some(u) = url {
        let parsed = url::Url::parse(u).map_err(|e| {
            Error::usage(
                format!("--url {u}: not a URL ({e})"),
                Some("for example http://127.0.0.1:8000/mcp".to_string()),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::usage(
                format!("--url {u}: only http and https are supported"),
                None,
            ));
        }
        return Ok(Some(Target {
            url: u.to_string(),
            runtime: false,
        }));
    }
    let arn = arn
        .map(str::to_string)
        .or_else(|| auth.and_then(|a| a.agent_arn.clone()));
    match arn {
        Some(a) => Ok(Some(Target {
            url: mcp::runtime_url(&a, g.runtime_endpoint.as_deref(), qualifier)?,
            runtime: true,
        })),
        None => Ok(None),
    }
}

/// Loads the config when there is one (the implicit `./.bedrock_agentcore.yaml` included).
pub fn load_config(g: &Globals) -> Result<Option<Authorizer>> {
    if g.config.is_none() {
        return Ok(None);
    }
    config::load(&LoadOptions {
        config: g.config.clone(),
        agent: g.agent.clone(),
        gateway: g.gateway.clone(),
        region: g.region.clone(),
        ..LoadOptions::default()
    })
}

/// Reads a JSON argument given inline or as `@PATH`.
fn json_arg(flag: &str, text: &str) -> Result<Value> {
    let text = match text.strip_prefix('@') {
        Some(p) if !p.is_empty() => crate::fsx::read_to_string(std::path::Path::new(p))?,
        _ => text.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::usage(
            format!("{flag}: not valid JSON ({e})"),
            Some(format!(
                "quote it for the shell, e.g. {flag} '{{\"content\": \"hello\"}}', or use {flag} @file.json"
            )),
        )
    })
}

/// What to do after `initialize`.
#[derive(Debug, Clone)]
pub enum Operation {
    /// `tools/list`.
    ListTools,
    /// `tools/call` of a tool with arguments.
    CallTool(String, Value),
    /// Any method with params.
    Method(String, Option<Value>),
}

impl Operation {
    /// The JSON-RPC method and params.
    pub fn request(&self) -> (String, Option<Value>) {
        match self {
            Operation::ListTools => ("tools/list".into(), None),
            Operation::CallTool(n, a) => (
                "tools/call".into(),
                Some(json!({"name": n, "arguments": a})),
            ),
            Operation::Method(m, p) => (m.clone(), p.clone()),
        }
    }
}

/// Runs `initialize` → `notifications/initialized` → `op`; returns (initialize result, op result).
pub async fn session(client: &mut Client, op: &Operation) -> Result<(Value, Value), CallError> {
    let init = client.initialize().await?;
    let (method, params) = op.request();
    let result = client.call(&method, params.as_ref()).await?;
    Ok((init, result))
}

/// The runtime session id to send: `--session-id`, else a new one. Warns about short ones.
fn session_id(given: Option<&str>, g: &Globals) -> String {
    match given {
        Some(s) => {
            if s.chars().count() < mcp::MIN_RUNTIME_SESSION_ID && !g.quiet {
                render::note(&format!(
                    "warning: --session-id has {} characters; AgentCore requires at least {}",
                    s.chars().count(),
                    mcp::MIN_RUNTIME_SESSION_ID
                ));
            }
            s.to_string()
        }
        None => mcp::new_session_id(),
    }
}

/// Runs `invoke`.
pub fn run(args: &InvokeArgs, g: &Globals) -> Result<u8> {
    let auth = load_config(g)?;
    let target = args.target.resolve(auth.as_ref(), g)?.ok_or_else(|| {
        Error::usage(
            "no target: nothing to invoke",
            Some(
                "pass --url http://127.0.0.1:8000/mcp, --arn <agent runtime ARN>, or --config with a \
                 deployed agent (bedrock_agentcore.agent_arn)"
                    .to_string(),
            ),
        )
    })?;
    let op = if let Some(t) = &args.tool {
        let a = match &args.args {
            Some(s) => json_arg("--args", s)?,
            None => json!({}),
        };
        if !a.is_object() {
            return Err(Error::usage(
                "--args must be a JSON object (the tool's named arguments)",
                Some("e.g. --args '{\"content\": \"hello\"}'".to_string()),
            ));
        }
        Operation::CallTool(t.clone(), a)
    } else if let Some(m) = &args.method {
        let p = args
            .params
            .as_deref()
            .map(|s| json_arg("--params", s))
            .transpose()?;
        Operation::Method(m.clone(), p)
    } else {
        Operation::ListTools
    };
    let prefer = auth
        .as_ref()
        .map(crate::commands::explain::preferred_use)
        .unwrap_or(Use::Access);
    let token = obtain_token(
        args.token.as_deref(),
        args.use_token,
        prefer,
        g,
        target.runtime,
    )?;
    let opts = ClientOptions {
        url: target.url.clone(),
        runtime: target.runtime,
        token: token.clone(),
        runtime_session_id: session_id(args.session_id.as_deref(), g),
        accept: args
            .accept
            .clone()
            .unwrap_or_else(|| mcp::ACCEPT.to_string()),
        protocol_version: mcp::PROTOCOL_VERSION.to_string(),
        protocol_header_override: args.protocol_version.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
        verbose: g.verbose,
    };
    let mut client = Client::new(opts)?;
    if args.dry_run {
        dry_run(&client, &op, g)?;
        return Ok(0);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::network(format!("cannot start the async runtime: {e}"), None))?;
    let outcome = rt.block_on(session(&mut client, &op));
    drop(rt);
    match outcome {
        Ok((init, result)) => {
            if !g.quiet {
                let server = init
                    .get("serverInfo")
                    .map(|s| {
                        format!(
                            "{} {}",
                            s.get("name").and_then(Value::as_str).unwrap_or("?"),
                            s.get("version").and_then(Value::as_str).unwrap_or("")
                        )
                    })
                    .unwrap_or_else(|| "?".into());
                render::note(&format!(
                    "{} {} · server {} · protocol {} · runtime session {}{}",
                    "invoked".dimmed(),
                    target.url,
                    server.trim(),
                    init.get("protocolVersion")
                        .and_then(Value::as_str)
                        .unwrap_or("?"),
                    client.options().runtime_session_id,
                    client
                        .mcp_session()
                        .map(|s| format!(" · mcp session {s}"))
                        .unwrap_or_default()
                ));
            }
            let tool_error = matches!(op, Operation::CallTool(..))
                && result.get("isError").and_then(Value::as_bool) == Some(true);
            if g.json {
                render::emit_json(&result);
            } else {
                render::emit(&human_result(&op, &result));
            }
            Ok(if tool_error { 1 } else { 0 })
        }
        Err(CallError::Network(e)) => Err(e),
        Err(CallError::Failed(f)) => {
            let report = if f.explain_token {
                token
                    .as_deref()
                    .and_then(|t| evaluate(auth.as_ref(), t, args.jwks.as_deref(), g))
            } else {
                None
            };
            if g.json {
                render::emit_json(&failure_json(&f, report.as_ref()));
            } else {
                render::emit(&human_failure(&f, report.as_ref(), auth.is_some()));
            }
            Ok(1)
        }
    }
}

/// The token to send: `--token` (any accepted form), stdin, or the login cache. `None` when there
/// is none at all (the request then goes without Authorization, which the runtime refuses with a
/// 401 that is diagnosed).
pub fn obtain_token(
    spec: Option<&str>,
    use_token: Option<Use>,
    prefer: Use,
    g: &Globals,
    say_missing: bool,
) -> Result<Option<String>> {
    let targs = TokenArgs {
        token: None,
        token_flag: spec.map(str::to_string),
        use_token,
    };
    match given_token(&targs, g, prefer) {
        Ok(t) => Ok(Some(t.text)),
        Err(Error::Usage { .. }) if spec.is_none() => {
            if say_missing && !g.quiet {
                render::note(
                    "note: no token (none given with --token, none cached by `tokdiag login`): \
                     sending without Authorization",
                );
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Evaluates a refused token with `explain` against the config (when there is a JWT authorizer).
pub fn evaluate(
    auth: Option<&Authorizer>,
    token: &str,
    jwks: Option<&std::path::Path>,
    g: &Globals,
) -> Option<Report> {
    let auth = auth?;
    let jwt = Jwt::parse(token).ok();
    let keys = explain::obtain_keys(
        auth,
        jwt.as_ref(),
        jwks,
        false,
        &FetchOptions::from_globals(g),
    )
    .ok()?;
    Some(explain::explain(auth, token, &keys, g.now()))
}

fn failure_json(f: &Failure, report: Option<&Report>) -> Value {
    let mut err = json!({
        "message": f.message,
        "hint": f.fixes.first(),
    });
    if let Value::Object(m) = &mut err
        && let Ok(Value::Object(extra)) = serde_json::to_value(f)
    {
        for (k, v) in extra {
            if k != "message" {
                m.insert(k, v);
            }
        }
    }
    let mut doc = json!({ "error": err });
    if let Some(r) = report {
        doc["explain"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    doc
}

/// Human rendering of a failure: the name, the server's words, the fixes, and (for a refused
/// token) what `explain` finds.
pub fn human_failure(f: &Failure, report: Option<&Report>, have_config: bool) -> String {
    let mut out = format!(
        "{} {} {} — {} answered HTTP {}\n",
        render::symbol(Status::Fail),
        f.code.bold(),
        render::dim(&format!("({})", f.method)),
        if f.status == 200 {
            "the server"
        } else {
            "the endpoint"
        },
        f.status
    );
    out.push_str(&format!("  {}\n", f.message));
    if let Some(m) = &f.server_message {
        out.push_str(&format!("  {} {m}\n", "server says:".dimmed()));
    }
    if let Some(w) = &f.www_authenticate {
        out.push_str(&format!("  {} {w}\n", "WWW-Authenticate:".dimmed()));
    }
    if let Some(r) = report {
        out.push_str(&format!(
            "\n{} (explain: the token against {}) — verdict {}\n",
            render::heading("why"),
            r.authorizer
                .file
                .as_deref()
                .unwrap_or("the configured authorizer"),
            r.verdict.as_str()
        ));
        for c in r.checks.iter().filter(|c| c.status == Status::Fail) {
            out.push_str(&format!(
                "  {} {}  {}\n",
                render::symbol(c.status),
                c.id,
                c.message
            ));
        }
        out.push_str(&crate::commands::explain::diagnoses_human(&r.diagnoses));
        if !r.diagnoses.is_empty() {
            return out;
        }
    } else if f.explain_token && !have_config {
        out.push_str(&format!(
            "  {} pass --config .bedrock_agentcore.yaml to see which rule refused the token\n",
            "note:".dimmed()
        ));
    }
    for fx in &f.fixes {
        out.push_str(&format!("  {} {fx}\n", "fix:".cyan()));
    }
    out
}

/// A JSON Schema type as one short phrase (`string`, `array of string`, `integer | null`).
fn schema_type(s: &Value) -> String {
    if let Some(any) = s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
    {
        return any.iter().map(schema_type).collect::<Vec<_>>().join(" | ");
    }
    let base = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => {
            if s.get("enum").is_some() {
                "enum".into()
            } else if s.get("$ref").is_some() {
                "object".into()
            } else {
                "any".into()
            }
        }
    };
    if base == "array"
        && let Some(items) = s.get("items")
    {
        return format!("array of {}", schema_type(items));
    }
    base
}

/// Human rendering of a successful result.
pub fn human_result(op: &Operation, result: &Value) -> String {
    match op {
        Operation::ListTools => human_tools(result),
        Operation::CallTool(name, _) => human_tool_result(name, result),
        Operation::Method(_, _) => format!(
            "{}\n",
            serde_json::to_string_pretty(result).unwrap_or_default()
        ),
    }
}

/// Tools with their descriptions and input schemas.
pub fn human_tools(result: &Value) -> String {
    let tools = result
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = format!(
        "{} tool{}\n",
        tools.len(),
        if tools.len() == 1 { "" } else { "s" }
    );
    for t in &tools {
        let name = t.get("name").and_then(Value::as_str).unwrap_or("?");
        out.push_str(&format!("\n{}\n", render::heading(name)));
        if let Some(d) = t.get("description").and_then(Value::as_str) {
            let first = d.trim().lines().next().unwrap_or("");
            if !first.is_empty() {
                out.push_str(&format!("  {first}\n"));
            }
        }
        let schema = t.get("inputSchema").cloned().unwrap_or(Value::Null);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let props = schema.get("properties").and_then(Value::as_object);
        match props {
            Some(p) if !p.is_empty() => {
                out.push_str("  input:\n");
                let width = p.keys().map(|k| k.chars().count()).max().unwrap_or(0);
                for (k, v) in p {
                    let pad = " ".repeat(width - k.chars().count());
                    let req = if required.contains(&k.as_str()) {
                        "  required".to_string()
                    } else {
                        v.get("default")
                            .map(|d| format!("  default {d}"))
                            .unwrap_or_default()
                    };
                    let desc = v
                        .get("description")
                        .and_then(Value::as_str)
                        .map(|d| format!("  — {d}"))
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "    {}{pad}  {}{req}{desc}\n",
                        k.cyan(),
                        schema_type(v)
                    ));
                }
            }
            _ => out.push_str("  input: none\n"),
        }
    }
    out
}

/// A tool result: its text content (or structured content), and whether the tool failed.
pub fn human_tool_result(name: &str, result: &Value) -> String {
    let is_error = result.get("isError").and_then(Value::as_bool) == Some(true);
    let mut out = if is_error {
        format!(
            "{} {name}: the tool reported an error\n",
            render::symbol(Status::Fail)
        )
    } else {
        format!("{} {name}\n", render::symbol(Status::Pass))
    };
    let mut shown = false;
    for c in result
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match c.get("type").and_then(Value::as_str) {
            Some("text") => {
                let text = c.get("text").and_then(Value::as_str).unwrap_or("");
                // Structured results arrive as JSON text: show them pretty.
                let pretty = serde_json::from_str::<Value>(text)
                    .ok()
                    .filter(|v| v.is_object() || v.is_array())
                    .and_then(|v| serde_json::to_string_pretty(&v).ok());
                out.push_str(pretty.as_deref().unwrap_or(text));
                out.push('\n');
            }
            Some(other) => out.push_str(&format!(
                "[{other} content{}]\n",
                c.get("mimeType")
                    .and_then(Value::as_str)
                    .map(|m| format!(", {m}"))
                    .unwrap_or_default()
            )),
            None => out.push_str(&format!("{c}\n")),
        }
        shown = true;
    }
    if !shown && let Some(s) = result.get("structuredContent") {
        out.push_str(&serde_json::to_string_pretty(s).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Prints the requests `invoke` would send, with curl equivalents; the token shows as `$TOKEN`.
fn dry_run(client: &Client, op: &Operation, g: &Globals) -> Result<()> {
    let init = client.request("initialize", Some(&client.initialize_params()), Some(1));
    let mut later = Client::new(client.options().clone())?;
    later.set_after_initialize(Some("$MCP_SESSION_ID".into()), mcp::PROTOCOL_VERSION.into());
    let notif = later.request("notifications/initialized", None, None);
    let (method, params) = op.request();
    let main = later.request(&method, params.as_ref(), Some(2));
    let steps = [
        ("initialize", &init),
        ("notifications/initialized", &notif),
        (method.as_str(), &main),
    ];
    if g.json {
        let reqs: Vec<Value> = steps
            .iter()
            .map(|(name, r)| {
                let headers: serde_json::Map<String, Value> = r
                    .redacted_headers()
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                json!({
                    "step": name,
                    "method": r.method,
                    "url": r.url,
                    "headers": headers,
                    "body": serde_json::from_str::<Value>(&r.body).unwrap_or(Value::Null),
                    "curl": r.curl(),
                })
            })
            .collect();
        render::emit_json(&json!({ "requests": reqs }));
        return Ok(());
    }
    let mut out = String::new();
    for (i, (name, r)) in steps.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("# {}. {name}\n", i + 1));
        if i > 0 {
            out.push_str(
                "# (Mcp-Session-Id: the value the initialize answer carries, if any; \
                 MCP-Protocol-Version: the negotiated version)\n",
            );
        }
        out.push_str(&r.display());
        out.push_str("\n\n");
        out.push_str(&r.curl());
        out.push('\n');
    }
    if client.options().token.is_some() {
        out.push_str(
            "\n# the token is shown as $TOKEN: export TOKEN=<the token> before running curl\n",
        );
    }
    render::emit(&out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_types() {
        assert_eq!(schema_type(&json!({"type": "string"})), "string");
        assert_eq!(
            schema_type(
                &json!({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]})
            ),
            "array of string | null"
        );
    }

    #[test]
    fn tools_render() {
        colored::control::set_override(false);
        let r = json!({"tools": [{"name": "echo", "description": "Return the text unchanged.",
            "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}]});
        assert_eq!(
            human_tools(&r),
            "1 tool\n\necho\n  Return the text unchanged.\n  input:\n    text  string  required\n"
        );
    }
}
