//! `keys`' human text: the issuer and where the keys came from, the endpoints, one line per key,
//! the cache state.

use crate::commands::keys::Listing;
use crate::oidc::CacheInfo;
use crate::report::Status;
use crate::signature::KeyFacts;
use crate::timefmt;

use super::{Palette, esc, esc_short, heading, symbol, table};

fn cache_line(c: Option<&CacheInfo>) -> String {
    match c {
        None => "not cached".to_string(),
        Some(c) => format!(
            "{}, age {}, max-age {} s, {}",
            if c.fresh { "fresh" } else { "stale" },
            timefmt::span(c.age),
            c.max_age,
            esc(&c.file)
        ),
    }
}

fn size(f: &KeyFacts) -> String {
    match (f.rsa_bits, f.curve) {
        (Some(b), _) => format!("{b} bits"),
        (None, Some(c)) => esc(c).into_owned(),
        _ => "-".to_string(),
    }
}

/// Human rendering of a key listing: issuer and source, the endpoints, one line per key, and
/// (for a discovery URL) the cache state; colored by `p`.
pub fn human(l: &Listing<'_>, p: Palette) -> String {
    let mut out = String::new();
    let mut head: Vec<(String, String)> = Vec::new();
    if let Some(i) = l.issuer {
        head.push(("issuer".into(), esc(i).into_owned()));
    }
    if let Some(d) = l.discovery_url {
        head.push(("discovery".into(), esc(d).into_owned()));
    } else {
        head.push(("jwks file".into(), esc(l.jwks_url).into_owned()));
    }
    out.push_str(&table(p, &head, 30));
    if let Some(m) = l.mismatch {
        out.push_str(&format!(
            "  {} discovery-issuer-mismatch: {m}\n",
            symbol(p, Status::Warn)
        ));
    }
    if !l.endpoints.is_empty() {
        out.push_str(&heading(p, "endpoints"));
        out.push('\n');
        let shown: Vec<(String, String)> = l
            .endpoints
            .iter()
            .map(|(k, v)| (k.clone(), esc(v).into_owned()))
            .collect();
        out.push_str(&table(p, &shown, 40));
    }
    out.push_str(&heading(p, &format!("keys ({})", l.facts.len())));
    out.push('\n');
    let cols: Vec<[String; 5]> = l
        .facts
        .iter()
        .map(|f| {
            [
                f.kid
                    .as_deref()
                    .map(|k| esc_short(k, 200))
                    .unwrap_or_else(|| "(no kid)".into()),
                f.kty.to_string(),
                f.alg
                    .as_deref()
                    .map(|a| esc(a).into_owned())
                    .unwrap_or_else(|| "-".into()),
                f.key_use
                    .as_deref()
                    .map(|u| esc(u).into_owned())
                    .unwrap_or_else(|| "-".into()),
                size(f),
            ]
        })
        .collect();
    let mut widths = [0usize; 4];
    for c in &cols {
        for (i, w) in widths.iter_mut().enumerate() {
            *w = (*w).max(c[i].chars().count());
        }
    }
    for c in &cols {
        out.push_str(&format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}\n",
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        ));
    }
    if l.discovery_url.is_some() {
        out.push_str(&heading(p, "cache"));
        out.push('\n');
        out.push_str(&table(
            p,
            &[
                ("discovery".to_string(), cache_line(l.disc_cache)),
                ("jwks".to_string(), cache_line(l.jwks_cache)),
            ],
            20,
        ));
    }
    out
}
