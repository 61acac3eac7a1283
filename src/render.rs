//! Output: the only place that writes results to stdout. Human text (colored when enabled),
//! JSON documents, and the error report. A closed pipe on stdout (`tokdiag … | head`) ends the
//! process quietly with success, as Unix tools do.

use std::io::Write;

use colored::Colorize;
use serde::Serialize;

use crate::error::Error;
use crate::report::Status;

/// Writes `text` to stdout as is. A broken pipe exits 0 (the reader has what it wanted).
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let r = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    if let Err(e) = r
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Writes one line to stdout.
pub fn emit_line(text: &str) {
    let mut s = String::with_capacity(text.len() + 1);
    s.push_str(text);
    s.push('\n');
    emit(&s);
}

/// Writes a JSON document (pretty) to stdout.
pub fn emit_json<T: Serialize>(value: &T) {
    let s = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        // Serializing our own data types cannot fail (no non-string map keys); keep a valid document anyway.
        format!("{{\"error\":{{\"message\":\"cannot serialize output: {e}\"}}}}")
    });
    emit_line(&s);
}

/// Writes a JSON document on one line (JSON lines) to stdout.
pub fn emit_json_line<T: Serialize>(value: &T) {
    let s = serde_json::to_string(value).unwrap_or_else(|e| {
        format!("{{\"error\":{{\"message\":\"cannot serialize output: {e}\"}}}}")
    });
    emit_line(&s);
}

/// A note on stderr (suppressed by `--quiet` at the caller).
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Reports an error once: `tokdiag: error: …` and `  hint: …` on stderr, and under `--json` also
/// the `{"error": {"message", "hint"}}` document on stdout so scripts always parse.
pub fn report_error(e: &Error, json: bool) {
    let hint = e.hint();
    if json {
        emit_json(&serde_json::json!({"error": {"message": e.to_string(), "hint": hint}}));
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{} {e}", "tokdiag: error:".red().bold());
    if let Some(h) = hint {
        let _ = writeln!(err, "  {} {h}", "hint:".cyan());
    }
}

/// A status symbol, colored.
pub fn symbol(status: Status) -> String {
    let s = status.symbol();
    match status {
        Status::Pass => s.green().to_string(),
        Status::Fail => s.red().bold().to_string(),
        Status::Skip => s.dimmed().to_string(),
        Status::Warn => s.yellow().bold().to_string(),
    }
}

/// A section heading.
pub fn heading(text: &str) -> String {
    text.bold().to_string()
}

/// A dimmed aside.
pub fn dim(text: &str) -> String {
    text.dimmed().to_string()
}

/// A key/value table: keys padded to the longest (at most `max_key`), two-space indent.
pub fn table(rows: &[(String, String)], max_key: usize) -> String {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .filter(|w| *w <= max_key)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in rows {
        let pad = width.saturating_sub(k.chars().count());
        out.push_str("  ");
        out.push_str(&k.cyan().to_string());
        out.push_str(&" ".repeat(pad + 2));
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// A JSON value as a short string: strings raw, everything else compact JSON.
pub fn short_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
