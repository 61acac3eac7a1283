//! `decode`'s human text: the token's description, its times, header and claims as tables.

use serde_json::Value;

use crate::commands::decode::DecodeView;
use crate::timefmt;

use super::{Palette, dim, esc, esc_join, esc_value, heading, table};

/// Human text for a time claim: `2026-01-01T00:00:00Z (expires in 41 min)`.
fn time_phrase(claim: &str, t: i64, now: i64, p: Palette) -> String {
    let rel = timefmt::relative(t, now);
    let phrase = match claim {
        "exp" if t > now => format!("expires {rel}"),
        "exp" => format!("expired {rel}"),
        "nbf" if t > now => format!("not valid until {rel}"),
        "nbf" => format!("valid since {rel}"),
        _ => rel,
    };
    format!(
        "{}  {}",
        timefmt::rfc3339(t),
        dim(p, &format!("({phrase})"))
    )
}

/// Human rendering of a decode view, colored by `p`.
pub fn human(v: &DecodeView<'_>, now: i64, p: Palette) -> String {
    let mut out = String::new();
    out.push_str(&heading(p, v.description));
    if let Some(Value::String(tu)) = v.claims.get("token_use") {
        out.push_str(&dim(p, &format!("  (token_use={})", esc(tu))));
    }
    out.push('\n');
    let a = &v.annotations;
    let mut rows: Vec<(String, String)> = Vec::new();
    if let Some(p) = &a.pool_id {
        rows.push((
            "user pool".into(),
            format!(
                "{}  (region {}{})",
                esc(p),
                esc(a.region.as_deref().unwrap_or("?")),
                a.issuer_form
                    .map(|f| format!(", {} issuer", f.name()))
                    .unwrap_or_default()
            ),
        ));
    }
    if let (Some(c), Some(id)) = (a.client_id_claim, &a.client_id) {
        rows.push((
            "app client".into(),
            format!("{}  (in claim `{c}`)", esc(id)),
        ));
    }
    if let Some(u) = &a.user {
        rows.push(("user".into(), esc(u).into_owned()));
    }
    if !a.groups.is_empty() {
        rows.push(("groups".into(), esc_join(&a.groups, ", ")));
    }
    if !a.scopes.is_empty() {
        rows.push(("scopes".into(), esc_join(&a.scopes, " ")));
    }
    if !a.roles.is_empty() {
        rows.push(("roles".into(), esc_join(&a.roles, ", ")));
    }
    if let Some(t) = v
        .claims
        .get("exp")
        .and_then(|_| v.times.get("exp"))
        .and_then(|t| t["unix"].as_i64())
    {
        rows.push(("expiry".into(), time_phrase("exp", t, now, p)));
    }
    out.push_str(&table(p, &rows, 12));
    for n in &a.notes {
        out.push_str(&format!("  {}\n", dim(p, &format!("note: {n}"))));
    }
    out.push('\n');
    out.push_str(&heading(p, "header"));
    out.push('\n');
    let hrows: Vec<(String, String)> = v
        .header
        .iter()
        .map(|(k, val)| (k.clone(), esc_value(val)))
        .collect();
    out.push_str(&table(p, &hrows, 16));
    out.push('\n');
    out.push_str(&heading(p, "claims"));
    out.push('\n');
    let crows: Vec<(String, String)> = v
        .claims
        .iter()
        .map(|(k, val)| {
            let shown = match (v.times.get(k), val) {
                (Some(t), _) => match t["unix"].as_i64() {
                    Some(u) => format!("{u}  {}", time_phrase(k, u, now, p)),
                    None => esc_value(val),
                },
                _ => esc_value(val),
            };
            (k.clone(), shown)
        })
        .collect();
    out.push_str(&table(p, &crows, 16));
    out
}
