//! `login`'s output: the `--print env` lines, the `--print json` document, and the summary on
//! stderr (who signed in where, which token was printed and why, when it expires, the cache).

use std::path::Path;

use serde_json::{Value, json};

use crate::cognito::cache::Entry;
use crate::commands::login::Got;
use crate::fsx::sh_quote;
use crate::timefmt;
use crate::token::Use;

/// `--print env`: `KEY='VALUE'` lines for `eval "$(tokdiag login --print env)"`, every value
/// single-quoted whatever it holds (the tokens were checked to be compact JWS too, on arrival
/// and in the cache). `main` is the token the authorizer needs.
pub fn env_lines(main: &str, e: &Entry) -> String {
    let mut s = format!("TOKDIAG_TOKEN={}\n", sh_quote(main));
    if let Some(a) = &e.access_token {
        s.push_str(&format!("TOKDIAG_ACCESS_TOKEN={}\n", sh_quote(a)));
    }
    if let Some(i) = &e.id_token {
        s.push_str(&format!("TOKDIAG_ID_TOKEN={}\n", sh_quote(i)));
    }
    s.push_str(&format!(
        "TOKDIAG_TOKEN_EXPIRES_AT={}\n",
        sh_quote(&e.expires_at.to_string())
    ));
    s
}

/// `--print json`: every token and what describes them (the caller adds `warnings`). `needed`
/// is the token the authorizer needs (`printed`).
pub fn tokens_json(e: &Entry, got: Got, needed: Use, now: i64) -> Value {
    let cc = e.flow == "client-credentials";
    json!({
        "access_token": e.access_token,
        "id_token": e.id_token,
        "refresh_token": e.refresh_token,
        "token_type": e.token_type.clone().unwrap_or_else(|| "Bearer".to_string()),
        "expires_in": e.seconds_left(now).max(0),
        "expires_at": timefmt::rfc3339(e.expires_at),
        "printed": if needed == Use::Id { "id" } else { "access" },
        "source": got.as_str(),
        "username": if cc { None } else { Some(e.username.clone()) },
        "user_pool_id": Some(e.user_pool_id.clone()).filter(|s| !s.is_empty()),
        "client_id": e.client_id,
    })
}

/// What a finished login tells the user on stderr.
pub struct Summary<'a> {
    /// The login.
    pub entry: &'a Entry,
    /// How its tokens were got.
    pub got: Got,
    /// The challenges answered on the way (`NEW_PASSWORD_REQUIRED`, …).
    pub challenges: &'a [String],
    /// What went to stdout ("the access token", …).
    pub printed: &'a str,
    /// Why that one.
    pub why: &'a str,
    /// Warnings about what was printed (`warning: …`).
    pub warnings: &'a [String],
    /// Where the login was cached.
    pub saved: Option<&'a Path>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// The time the expiry is told against.
    pub now: i64,
}

/// The summary's lines (information notes: shown as `tokdiag: …` unless `--quiet`).
pub fn summary(s: &Summary) -> Vec<String> {
    let e = s.entry;
    let who = e.describe();
    let endpoint = e.endpoint.as_deref().unwrap_or("Cognito");
    let first = match s.got {
        Got::Cache => format!("{who}: cached login reused, no request sent"),
        Got::SignIn if s.challenges.is_empty() => format!("signed in as {who} at {endpoint}"),
        Got::SignIn => format!(
            "signed in as {who} at {endpoint} after {}",
            s.challenges.join(", ")
        ),
        Got::Refresh => format!("{who}: refreshed with REFRESH_TOKEN_AUTH at {endpoint}"),
        Got::ClientCredentials => format!(
            "client credentials for app client {}{} from {endpoint}",
            e.client_id,
            if e.scopes.is_empty() {
                String::new()
            } else {
                format!(" (scope {})", e.scopes.join(" "))
            }
        ),
    };
    let mut lines = vec![first, format!("printed {}: {}", s.printed, s.why)];
    lines.extend(s.warnings.iter().cloned());
    let cached = match s.saved {
        Some(p) => format!("cached in {}", p.display()),
        None if s.no_cache => "not cached (--no-cache)".to_string(),
        None => "not cached (the cache directory is not safe: see the warning above)".to_string(),
    };
    lines.push(format!(
        "expires {} ({}); {cached}",
        timefmt::rfc3339(e.expires_at),
        timefmt::relative(e.expires_at, s.now)
    ));
    lines
}
