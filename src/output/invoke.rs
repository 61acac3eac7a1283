//! `invoke`'s human text: a failure (the server's words, the fixes, what `explain` finds), the
//! tool list, a tool's result.

use serde_json::{Value, json};

use crate::authorizer::explain::Report;
use crate::commands::invoke::Operation;
use crate::mcp::sigv4;
use crate::mcp::{Failure, HttpRequest};
use crate::report::Status;

use super::{Palette, dim, esc, heading, symbol};

/// Human rendering of a failure: the name, the server's words, the fixes, and (for a refused
/// token) what `explain` finds; colored by `p`.
pub fn human_failure(
    f: &Failure,
    report: Option<&Report>,
    have_config: bool,
    p: Palette,
) -> String {
    let mut out = if f.status == 0 {
        format!(
            "{} {} {} — not sent\n",
            symbol(p, Status::Fail),
            p.bold(f.code),
            dim(p, &format!("({})", f.method)),
        )
    } else {
        format!(
            "{} {} {} — {} answered HTTP {}\n",
            symbol(p, Status::Fail),
            p.bold(f.code),
            dim(p, &format!("({})", f.method)),
            if f.status == 200 {
                "the server"
            } else {
                "the endpoint"
            },
            f.status,
        )
    };
    out.push_str(&format!("  {}\n", f.message));
    // The server's words are shown once, here, not also in the message above; without them
    // the body is, on one escaped line of at most 500 characters.
    if let Some(m) = &f.server_message {
        out.push_str(&format!("  {} {}\n", p.dimmed("server says:"), esc(m)));
    }
    if f.server_message.is_none() && f.status != 0 && !f.body.trim().is_empty() {
        let body: String = f.body.trim().chars().take(500).collect();
        out.push_str(&format!("  {} {}\n", p.dimmed("body:"), esc(&body)));
    }
    if let Some(w) = &f.www_authenticate {
        out.push_str(&format!("  {} {}\n", p.dimmed("WWW-Authenticate:"), esc(w)));
    }
    if let Some(r) = report {
        out.push_str(&format!(
            "\n{} (explain: the token against {}) — verdict {}\n",
            heading(p, "why"),
            r.authorizer
                .file
                .as_deref()
                .unwrap_or("the configured authorizer"),
            r.verdict.as_str()
        ));
        for c in r.checks.iter().filter(|c| c.status == Status::Fail) {
            out.push_str(&format!(
                "  {} {}  {}\n",
                symbol(p, c.status),
                esc(c.id.as_str()),
                c.message
            ));
        }
        out.push_str(&super::explain::diagnoses_human(&r.diagnoses, p));
        if !r.diagnoses.is_empty() {
            return out;
        }
    } else if f.explain_token && !have_config {
        out.push_str(&format!(
            "  {} pass --config .bedrock_agentcore.yaml to see which rule refused the token\n",
            p.dimmed("note:")
        ));
    }
    for fx in &f.fixes {
        out.push_str(&format!("  {} {fx}\n", p.cyan("fix:")));
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
pub fn human_result(op: &Operation, result: &Value, p: Palette) -> String {
    match op {
        Operation::ListTools => human_tools(result, p),
        Operation::CallTool(name, _) => human_tool_result(name, result, p),
        Operation::Method(_, _) => format!(
            "{}\n",
            serde_json::to_string_pretty(result).unwrap_or_default()
        ),
    }
}

/// Tools with their descriptions and input schemas, colored by `p`.
pub fn human_tools(result: &Value, p: Palette) -> String {
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
        out.push_str(&format!("\n{}\n", heading(p, name)));
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
            Some(props) if !props.is_empty() => {
                out.push_str("  input:\n");
                let width = props.keys().map(|k| k.chars().count()).max().unwrap_or(0);
                for (k, v) in props {
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
                        p.cyan(k),
                        schema_type(v)
                    ));
                }
            }
            _ => out.push_str("  input: none\n"),
        }
    }
    out
}

/// A tool result: its text content (or structured content), and whether the tool failed;
/// colored by `p`.
pub fn human_tool_result(name: &str, result: &Value, p: Palette) -> String {
    let is_error = result.get("isError").and_then(Value::as_bool) == Some(true);
    let mut out = if is_error {
        format!(
            "{} {name}: the tool reported an error\n",
            symbol(p, Status::Fail)
        )
    } else {
        format!("{} {name}\n", symbol(p, Status::Pass))
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

/// What `invoke --dry-run` would send: the three requests of a call, signed as they would be.
pub struct DryRun<'a> {
    /// Runtime, gateway or plain MCP URL.
    pub kind: crate::mcp::Kind,
    /// initialize, notifications/initialized, then the operation's request.
    pub steps: [(&'a str, &'a HttpRequest); 3],
    /// A gateway tool named without its target (invoke sends tools/list first to find it).
    pub bare_gateway_tool: Option<&'a str>,
    /// "none", "bearer" or "sigv4".
    pub auth: &'static str,
    /// The SigV4 signing region.
    pub region: Option<&'a str>,
    /// Where the SigV4 credentials came from.
    pub creds: Option<&'a str>,
}

/// The `--dry-run --json` document (the caller adds `warnings`).
pub fn dry_run_json(d: &DryRun) -> Value {
    let reqs: Vec<Value> = d
        .steps
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
    let mut doc = json!({
        "kind": d.kind,
        "auth": d.auth,
        "requests": reqs,
    });
    if let Some(r) = d.region {
        doc["region"] = json!(r);
        doc["service"] = json!(sigv4::SERVICE);
    }
    if let Some(c) = d.creds {
        doc["credentials"] = json!(c);
    }
    doc
}

/// The `--dry-run` text: each request as sent and as a curl command, then how to run them.
pub fn dry_run_human(d: &DryRun) -> String {
    let mut out = String::new();
    for (i, (name, r)) in d.steps.iter().enumerate() {
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
        if i == 2
            && let Some(n) = d.bare_gateway_tool
        {
            out.push_str(&format!(
                "# (gateway tool names are <target>___<tool>: invoke first sends tools/list and \
                 calls the one <target>___{n})\n"
            ));
        }
        out.push_str(&r.display());
        out.push_str("\n\n");
        out.push_str(&r.curl());
        out.push('\n');
    }
    if d.auth == "bearer" {
        out.push_str(
            "\n# the token is shown as $TOKEN: export TOKEN=<the token> before running curl\n",
        );
    }
    if let (Some(r), Some(c)) = (d.region, d.creds) {
        out.push_str(&format!(
            "\n# signed with SigV4 ({}, {r}) with credentials from {c}; the signature and any \
             session token show as <redacted>, and each signature is only valid for this request and \
             about 5 minutes: curl --aws-sigv4 signs by itself (export AWS_ACCESS_KEY_ID, \
             AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN)\n",
            sigv4::SERVICE
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn an_unexpected_400_shows_the_servers_words_once_or_the_body() {
        let sent = crate::mcp::SentContext {
            method: "tools/list".into(),
            kind: crate::mcp::Kind::Url,
            ..Default::default()
        };
        let long = "x".repeat(300);
        let f = crate::mcp::diagnose(
            400,
            None,
            &format!(r#"{{"message":"{long}"}}"#),
            None,
            &sent,
        );
        assert_eq!(
            human_failure(&f, None, false, Palette::PLAIN),
            format!(
                "✗ http-error (tools/list) — the endpoint answered HTTP 400\n  unexpected HTTP 400 from the MCP server\n  server says: {long}\n  fix: read the server's message above\n"
            )
        );
        let f = crate::mcp::diagnose(400, None, "{\"detail\":\"bad\"}", None, &sent);
        assert_eq!(
            human_failure(&f, None, false, Palette::PLAIN),
            "✗ http-error (tools/list) — the endpoint answered HTTP 400\n  unexpected HTTP 400 from the MCP server\n  body: {\"detail\":\"bad\"}\n  fix: see the response body above\n"
        );
        let f = crate::mcp::diagnose(400, None, "", None, &sent);
        assert_eq!(
            human_failure(&f, None, false, Palette::PLAIN),
            "✗ http-error (tools/list) — the endpoint answered HTTP 400\n  unexpected HTTP 400 from the MCP server\n  fix: the answer has no body: check the URL and the server's logs\n"
        );
    }

    #[test]
    fn tools_render() {
        let r = json!({"tools": [{"name": "echo", "description": "Return the text unchanged.",
            "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}]});
        assert_eq!(
            human_tools(&r, Palette::PLAIN),
            "1 tool\n\necho\n  Return the text unchanged.\n  input:\n    text  string  required\n"
        );
    }
}
