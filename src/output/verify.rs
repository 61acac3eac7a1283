//! `verify`'s output: one token's summary line and check rows, a batch's lines (text or JSON).

use serde_json::{Value, json};

use crate::commands::verify::Outcome;
use crate::report::{Check, Status};
use crate::signature::SigOutcome;
use crate::timefmt;

use super::{Palette, esc, esc_short, esc_value, symbol};

/// One token's human text: its summary line, then a row per check.
pub fn human(o: &Outcome, now: i64, p: Palette) -> String {
    let mut out = summary_line(o, now, p);
    out.push('\n');
    out.push_str(&check_rows(&o.checks, p));
    out
}

/// The one-line summary of a token: `✓ kid/alg kind sub=… exp …` or `✗ check: message`.
fn summary_line(o: &Outcome, now: i64, p: Palette) -> String {
    let mut out = String::new();
    write_summary(o, now, p, &mut out);
    out
}

/// The one-line summary of a token appended to `out` (a batch writes its lines into one buffer).
pub fn write_summary(o: &Outcome, now: i64, p: Palette, out: &mut String) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    if !o.valid {
        out.push_str(&symbol(p, Status::Fail));
        out.push(' ');
        if let Some(c) = o.checks.iter().find(|c| c.status == Status::Fail) {
            let _ = write!(out, "{}: {}", esc(c.id.as_str()), c.message);
        }
        return;
    }
    let start = out.len();
    out.push_str(&symbol(p, Status::Pass));
    let Some(jwt) = o.jwt else {
        return;
    };
    out.push(' ');
    match o.sig {
        Some(SigOutcome::Valid { kid, alg }) => {
            match kid.as_deref() {
                Some(k) => out.push_str(&esc_short(k, 80)),
                None => out.push('-'),
            }
            out.push('/');
            out.push_str(&esc(alg));
        }
        _ => out.push_str("-/unverified"),
    }
    out.push(' ');
    out.push_str(jwt.kind().as_str());
    out.push_str(" sub=");
    match jwt.claim_str("sub") {
        Some(s) => out.push_str(&esc(s)),
        None if !jwt.claims.has("sub") => out.push('-'),
        // Not a string: as JSON (the map is built for it).
        None => {
            if let Some(v) = jwt.claims.get("sub") {
                out.push_str(&esc_value(v));
            }
        }
    }
    match jwt.claim_time("exp") {
        Some(e) => {
            let _ = write!(
                out,
                " exp {} ({})",
                timefmt::Rfc3339(e),
                timefmt::Relative(e, now)
            );
        }
        None => {
            // As the line was trimmed when it had no expiry.
            let keep = start + out[start..].trim_end().len();
            out.truncate(keep);
        }
    }
}

/// The JSON document of a token (`line`: its input line, in a batch).
pub fn json_doc(o: &Outcome, line: Option<usize>) -> Value {
    let token = match o.jwt {
        Some(j) => json!({"kind": j.kind(), "header": &*j.header, "claims": j.claims}),
        None => Value::Null,
    };
    match line {
        Some(n) => json!({"line": n, "valid": o.valid, "token": token, "checks": o.checks}),
        None => json!({"valid": o.valid, "token": token, "checks": o.checks}),
    }
}

/// One row per check: symbol, id, message.
fn check_rows(checks: &[Check], p: Palette) -> String {
    let w = checks
        .iter()
        .map(|c| esc(c.id.as_str()).chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    for c in checks {
        s.push_str(&format!(
            "  {} {:<w$}  {}\n",
            symbol(p, c.status),
            esc(c.id.as_str()),
            c.message
        ));
    }
    s
}
