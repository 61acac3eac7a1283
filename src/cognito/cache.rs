//! The token cache of `tokdiag login`, and the lookup `decode`/`verify`/`explain` use when no token
//! is given.
//!
//! Layout under the cache directory (`--cache-dir`, default the XDG cache dir + `tokdiag`):
//! - `tokens/<sha256(pool|client|user)>.json`: one [`Entry`] per user pool, app client and user
//!   (client-credentials tokens use the user `client-credentials:<scopes>`), mode 0600, written
//!   atomically. Holds the tokens and their metadata; never a password or client secret.
//! - `tokens/last.json`: [`Last`], which login was the latest, overall and per config file/agent,
//!   so that a later `tokdiag explain` with the same config picks the right token.
//!
//! An entry is reused while more than [`FRESH_FOR`] seconds remain, refreshed below that. All times
//! are the caller's `now` (`--now` in tests), never the clock directly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cognito::Tokens;
use crate::error::Result;
use crate::notes::Notes;
use crate::timefmt;
use crate::token::{Jwt, Use};

/// A cached token is reused while it has more than this many seconds left (5 minutes).
pub const FRESH_FOR: i64 = 300;

/// Version of the entry format.
const VERSION: u32 = 1;

/// One cached login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Format version.
    pub version: u32,
    /// `password` or `client-credentials`.
    pub flow: String,
    /// User pool id (empty when unknown, e.g. client credentials against a bare token endpoint).
    pub user_pool_id: String,
    /// App client id.
    pub client_id: String,
    /// The user as typed at login (`client-credentials:<scopes>` for the M2M grant).
    pub username: String,
    /// The user name Cognito knows the user by (access token `username`), for `SECRET_HASH` on refresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_username: Option<String>,
    /// Region used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Endpoint used (Cognito API or token endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Scopes asked for (client credentials).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Whether the login used a client secret (a refresh then needs it too).
    #[serde(default)]
    pub secret_used: bool,
    /// When the tokens were obtained (Unix seconds).
    pub obtained_at: i64,
    /// When they expire (Unix seconds; the tokens' `exp`).
    pub expires_at: i64,
    /// `token_type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("flow", &self.flow)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("obtained_at", &self.obtained_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What an entry is made from.
#[derive(Debug, Clone)]
pub struct EntryMeta<'a> {
    /// `password` or `client-credentials`.
    pub flow: &'a str,
    /// User pool id ("" when unknown).
    pub user_pool_id: &'a str,
    /// App client id.
    pub client_id: &'a str,
    /// Cache user.
    pub username: &'a str,
    /// Region.
    pub region: Option<&'a str>,
    /// Endpoint.
    pub endpoint: Option<&'a str>,
    /// Scopes.
    pub scopes: &'a [String],
    /// Whether a client secret was used.
    pub secret_used: bool,
}

impl Entry {
    /// A new entry for `tokens` obtained at `now`.
    pub fn new(meta: &EntryMeta<'_>, tokens: &Tokens, now: i64) -> Entry {
        let hash_username = tokens
            .access_token
            .as_deref()
            .and_then(|t| Jwt::parse(t).ok())
            .and_then(|j| j.claim_str("username").map(str::to_string));
        Entry {
            version: VERSION,
            flow: meta.flow.to_string(),
            user_pool_id: meta.user_pool_id.to_string(),
            client_id: meta.client_id.to_string(),
            username: meta.username.to_string(),
            hash_username,
            region: meta.region.map(str::to_string),
            endpoint: meta.endpoint.map(str::to_string),
            scopes: meta.scopes.to_vec(),
            secret_used: meta.secret_used,
            obtained_at: now,
            expires_at: expires_at(tokens, now),
            token_type: tokens.token_type.clone(),
            access_token: tokens.access_token.clone(),
            id_token: tokens.id_token.clone(),
            refresh_token: tokens.refresh_token.clone(),
        }
    }

    /// Replaces the tokens after a refresh; a missing refresh token keeps the old one (Cognito
    /// does not rotate it on `REFRESH_TOKEN_AUTH`).
    pub fn refreshed(&self, tokens: &Tokens, now: i64) -> Entry {
        let mut e = self.clone();
        e.obtained_at = now;
        e.expires_at = expires_at(tokens, now);
        e.token_type = tokens.token_type.clone().or(e.token_type);
        e.access_token = tokens.access_token.clone().or(e.access_token);
        e.id_token = tokens.id_token.clone().or(e.id_token);
        if tokens.refresh_token.is_some() {
            e.refresh_token = tokens.refresh_token.clone();
        }
        e
    }

    /// Seconds left at `now` (negative once expired).
    pub fn seconds_left(&self, now: i64) -> i64 {
        self.expires_at.saturating_sub(now)
    }

    /// True while the entry can be used as is (more than [`FRESH_FOR`] left).
    pub fn is_fresh(&self, now: i64) -> bool {
        self.seconds_left(now) > FRESH_FOR
    }

    /// The tokens of the entry.
    pub fn tokens(&self, now: i64) -> Tokens {
        Tokens {
            access_token: self.access_token.clone(),
            id_token: self.id_token.clone(),
            refresh_token: self.refresh_token.clone(),
            expires_in: self.seconds_left(now).max(0),
            token_type: self.token_type.clone(),
        }
    }

    /// `alice (user pool us-east-1_abc, app client 3ips…)`, for messages.
    pub fn describe(&self) -> String {
        let who = if self.flow == "client-credentials" {
            "client credentials".to_string()
        } else {
            self.username.clone()
        };
        if self.user_pool_id.is_empty() {
            format!("{who} (app client {})", self.client_id)
        } else {
            format!(
                "{who} (user pool {}, app client {})",
                self.user_pool_id, self.client_id
            )
        }
    }
}

/// When `tokens` expire: the earliest `exp` of the access and ID tokens, else `now + expires_in`.
pub fn expires_at(tokens: &Tokens, now: i64) -> i64 {
    token_exp(tokens).unwrap_or_else(|| now.saturating_add(tokens.expires_in))
}

/// Why `token` is not a compact JWS (RFC 7515 §7.1: three base64url segments, the first two
/// JSON objects), or `None` when it is one. Only `A-Za-z0-9-_` and two dots pass, so a token
/// that passes is also inert in a shell, a header or a terminal.
pub fn jws_problem(token: &str) -> Option<String> {
    let segments = token.split('.').count();
    if segments != 3 {
        return Some(format!(
            "it has {segments} '.'-separated segment{}, not 3",
            if segments == 1 { "" } else { "s" }
        ));
    }
    if let Some(i) = token
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'))
    {
        return Some(format!(
            "byte {} is not a base64url character (A-Z a-z 0-9 - _)",
            i + 1
        ));
    }
    Jwt::parse(token).err().map(|e| e.message)
}

/// The first token of `tokens` that tokdiag must not print or cache, with why: an access or ID
/// token that is not a compact JWS ([`jws_problem`]), or a refresh token holding anything but
/// visible ASCII (Cognito's are JWE compact serializations).
pub fn token_problem(tokens: &Tokens) -> Option<(&'static str, String)> {
    for (which, t) in [("access", &tokens.access_token), ("ID", &tokens.id_token)] {
        if let Some(t) = t
            && let Some(why) = jws_problem(t)
        {
            return Some((which, why));
        }
    }
    if let Some(r) = &tokens.refresh_token
        && (r.is_empty() || !r.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Some((
            "refresh",
            "it is empty or holds a space, a control or a non-ASCII character".to_string(),
        ));
    }
    None
}

/// The error for tokens from `source` (a token endpoint, Cognito) that fail [`token_problem`]:
/// refused (exit 1), and nothing is printed or cached.
pub fn refuse_tokens(source: &str, tokens: &Tokens) -> Result<()> {
    match token_problem(tokens) {
        None => Ok(()),
        Some((which, why)) => Err(crate::error::Error::refused(
            format!(
                "{source} answered with {} {which} token that is not a JWT: {why}",
                if which == "refresh" { "a" } else { "an" }
            ),
            Some(
                "nothing was printed or cached; check that the URL is the user pool's endpoint (a proxy or a wrong URL answers something else)"
                    .to_string(),
            ),
        )),
    }
}

/// The `tokens/` directory.
pub fn tokens_dir(cache_dir: &Path) -> PathBuf {
    cache_dir.join("tokens")
}

/// The file name stem of an entry: hex SHA-256 of `pool|client|user`.
pub fn key(pool: &str, client: &str, user: &str) -> String {
    let digest = Sha256::digest(format!("{pool}|{client}|{user}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The path of the entry of `pool`/`client`/`user`.
pub fn entry_path(cache_dir: &Path, pool: &str, client: &str, user: &str) -> PathBuf {
    tokens_dir(cache_dir).join(format!("{}.json", key(pool, client, user)))
}

/// Reads an entry under the cache root `cache_dir`; a missing, unreadable or corrupt file is no
/// entry (the next login rewrites it), and so is one that is not trusted
/// ([`crate::fsx::read_cache_file`]: a symlink, a FIFO, someone else's, writable by others, over
/// 1 MiB; one warning each). An entry whose tokens fail [`token_problem`] is dropped with a
/// warning. `expires_at` is the tokens' own `exp`, never the file's word.
pub fn load(cache_dir: &Path, path: &Path, notes: &crate::notes::Notes) -> Option<Entry> {
    match load_entry(cache_dir, path, notes) {
        Loaded::Entry(e) => Some(*e),
        Loaded::Nothing => None,
        Loaded::NotJwt(which, why) => {
            notes.warn(format!(
                "ignoring the cached login in {}: its {which} token is not a JWT ({why}); the next tokdiag login replaces it",
                path.display()
            ));
            None
        }
    }
}

/// [`load`] for `tokdiag login`, which prints what it loads: an entry whose tokens fail
/// [`token_problem`] (not written by tokdiag: tampered with) is refused, exit 1 with a one-line
/// reason, as the same tokens from the network are ([`refuse_tokens`]); nothing is printed and
/// no request is sent. The commands that only read the cache ([`cached_for`]) drop it with a
/// warning instead.
pub fn load_for_login(
    cache_dir: &Path,
    path: &Path,
    notes: &crate::notes::Notes,
) -> Result<Option<Entry>> {
    match load_entry(cache_dir, path, notes) {
        Loaded::Entry(e) => Ok(Some(*e)),
        Loaded::Nothing => Ok(None),
        Loaded::NotJwt(which, why) => Err(crate::error::Error::refused(
            format!(
                "the cached login in {} holds {} {which} token that is not a JWT: {why}",
                path.display(),
                if which == "refresh" { "a" } else { "an" }
            ),
            Some(format!(
                "nothing was printed or sent; tokdiag did not write that file: remove it (rm {}) and run tokdiag login again",
                crate::fsx::sh_word(&path.display().to_string())
            )),
        )),
    }
}

/// What [`load_entry`] found.
enum Loaded {
    Entry(Box<Entry>),
    /// Missing, not trusted (warned about), corrupt, another version, or without a JWT.
    Nothing,
    /// The entry's `which` token is not a JWT, and why.
    NotJwt(&'static str, String),
}

fn load_entry(cache_dir: &Path, path: &Path, notes: &crate::notes::Notes) -> Loaded {
    let Some(text) = crate::fsx::read_cache_file(cache_dir, path, notes) else {
        return Loaded::Nothing;
    };
    let Ok(mut e) = serde_json::from_str::<Entry>(&text) else {
        return Loaded::Nothing;
    };
    if e.version != VERSION {
        return Loaded::Nothing;
    }
    if let Some((which, why)) = token_problem(&e.tokens(0)) {
        return Loaded::NotJwt(which, why);
    }
    let tokens = e.tokens(0);
    let has_jwt = tokens.access_token.is_some() || tokens.id_token.is_some();
    match token_exp(&tokens) {
        Some(exp) => e.expires_at = exp,
        // A JWT without `exp`: the file's word, but never more than an hour past the login.
        None if has_jwt => {
            e.expires_at = e.expires_at.min(e.obtained_at.saturating_add(3600));
        }
        None => {
            notes.warn(format!(
                "ignoring the cached login in {}: it holds no access or ID token; the next tokdiag login replaces it",
                path.display()
            ));
            return Loaded::Nothing;
        }
    }
    Loaded::Entry(Box::new(e))
}

/// The earliest `exp` of the access and ID tokens.
fn token_exp(tokens: &Tokens) -> Option<i64> {
    [&tokens.access_token, &tokens.id_token]
        .into_iter()
        .flatten()
        .filter_map(|t| Jwt::parse(t).ok()?.claim_time("exp"))
        .min()
}

/// Writes an entry (mode 0600, atomically); returns its path, or `None` when the cache directory
/// is not trusted (someone else's, writable by others: warned about, nothing written there).
pub fn save(
    cache_dir: &Path,
    entry: &Entry,
    notes: &crate::notes::Notes,
) -> Result<Option<PathBuf>> {
    let path = entry_path(
        cache_dir,
        &entry.user_pool_id,
        &entry.client_id,
        &entry.username,
    );
    let data = serde_json::to_vec_pretty(entry).unwrap_or_default();
    let written = crate::fsx::write_cache_file(cache_dir, &path, &data, notes)?;
    Ok(written.then_some(path))
}

/// Which login was the latest: overall, and per config (`<canonical path>#<agent>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Last {
    /// The latest login of all.
    #[serde(default)]
    pub latest: Option<Pointer>,
    /// The latest login per config key.
    #[serde(default)]
    pub by_config: BTreeMap<String, Pointer>,
}

/// A reference to one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// User pool id ("" when unknown).
    pub user_pool_id: String,
    /// App client id.
    pub client_id: String,
    /// Cache user.
    pub username: String,
    /// When (Unix seconds, the caller's `now`).
    pub at: i64,
}

impl Pointer {
    /// The entry path.
    pub fn path(&self, cache_dir: &Path) -> PathBuf {
        entry_path(
            cache_dir,
            &self.user_pool_id,
            &self.client_id,
            &self.username,
        )
    }

    fn same_entry(&self, other: &Pointer) -> bool {
        self.user_pool_id == other.user_pool_id
            && self.client_id == other.client_id
            && self.username == other.username
    }
}

fn last_path(cache_dir: &Path) -> PathBuf {
    tokens_dir(cache_dir).join("last.json")
}

/// Reads `last.json` (missing, corrupt or not trusted: empty).
pub fn read_last(cache_dir: &Path, notes: &crate::notes::Notes) -> Last {
    crate::fsx::read_cache_file(cache_dir, &last_path(cache_dir), notes)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn write_last(cache_dir: &Path, last: &Last, notes: &crate::notes::Notes) -> Result<()> {
    let data = serde_json::to_vec_pretty(last).unwrap_or_default();
    crate::fsx::write_cache_file(cache_dir, &last_path(cache_dir), &data, notes).map(|_| ())
}

/// How long a change of `last.json` waits for another process's change to finish.
const LAST_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `change` on `last.json` as one read-modify-write under an OS lock on `tokens/last.lock`
/// ([`crate::fsx::FileLock`]), so concurrent logins each keep their pointer; writes only when
/// `change` returns true. Without a trusted cache dir, or when the lock cannot be had within
/// 10 s (a stopped process holds it), the change is made without the lock.
fn update_last(
    cache_dir: &Path,
    notes: &crate::notes::Notes,
    change: impl FnOnce(&mut Last) -> bool,
) -> Result<()> {
    let dir = tokens_dir(cache_dir);
    let _lock = if crate::fsx::cache_dirs_trusted(cache_dir, &dir, notes) {
        crate::fsx::create_dir_all(&dir)?;
        crate::fsx::FileLock::acquire(&dir.join("last.lock"), LAST_LOCK_WAIT)
            .ok()
            .flatten()
    } else {
        None
    };
    let mut last = read_last(cache_dir, notes);
    if change(&mut last) {
        write_last(cache_dir, &last, notes)?;
    }
    Ok(())
}

/// The key a config file and agent are recorded under: the canonical path, `#agent` when given;
/// empty when no config is in use.
pub fn config_key(config: Option<&Path>, agent: Option<&str>) -> String {
    let Some(p) = config else {
        return String::new();
    };
    let canon = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    match agent {
        Some(a) => format!("{}#{a}", canon.display()),
        None => canon.display().to_string(),
    }
}

/// Records `p` as the latest login, overall and for `config_key`.
pub fn record_last(
    cache_dir: &Path,
    config_key: &str,
    p: &Pointer,
    notes: &crate::notes::Notes,
) -> Result<()> {
    update_last(cache_dir, notes, |last| {
        last.latest = Some(p.clone());
        last.by_config.insert(config_key.to_string(), p.clone());
        true
    })
}

/// Drops every pointer to the entry of `p` (after `--logout`).
pub fn forget(cache_dir: &Path, p: &Pointer, notes: &crate::notes::Notes) -> Result<()> {
    update_last(cache_dir, notes, |last| {
        let before = (last.latest.clone(), last.by_config.len());
        if last.latest.as_ref().is_some_and(|l| l.same_entry(p)) {
            last.latest = None;
        }
        last.by_config.retain(|_, v| !v.same_entry(p));
        (last.latest.clone(), last.by_config.len()) != before
    })
}

/// The user who logged in last to `pool`/`client` with the password flow, if any.
pub fn last_user(
    cache_dir: &Path,
    pool: &str,
    client: &str,
    notes: &crate::notes::Notes,
) -> Option<String> {
    let last = read_last(cache_dir, notes);
    last.latest
        .iter()
        .chain(last.by_config.values())
        .filter(|p| {
            p.user_pool_id == pool
                && p.client_id == client
                && !p.username.starts_with("client-credentials:")
        })
        .max_by_key(|p| p.at)
        .map(|p| p.username.clone())
}

/// A token taken from the cache for a command given no token.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The token.
    pub token: String,
    /// Which token of the entry it is.
    pub which: Use,
    /// `alice (user pool …, app client …)`.
    pub describe: String,
}

/// The cached token for `decode`/`verify`/`explain` without a token: the login recorded under
/// `cache_dir` for the config/agent `ck` ([`config_key`]; else the latest login), for
/// `TOKDIAG_USERNAME` when set. `which` picks the access or ID token (falling back to the other
/// when the entry lacks it). An expired token is still returned (the checks will say it expired,
/// at `now`); a note (to `notes`) says where it came from.
pub fn cached_for(
    cache_dir: &Path,
    ck: &str,
    notes: &Notes,
    now: i64,
    which: Use,
) -> Result<Option<Cached>> {
    let say = |m: String| notes.info(m);
    let last = read_last(cache_dir, notes);
    let Some(mut p) = last.by_config.get(ck).or(last.latest.as_ref()).cloned() else {
        return Ok(None);
    };
    if let Ok(user) = std::env::var("TOKDIAG_USERNAME")
        && !user.is_empty()
        && user != p.username
    {
        p.username = user;
        // Only a missing entry is "no login cached": a FIFO, a device or a symlink there is not
        // a regular file either, and `load` below warns about it with the fix.
        if std::fs::symlink_metadata(p.path(cache_dir)).is_err() {
            say(format!(
                "no login cached for TOKDIAG_USERNAME={} (app client {}): run tokdiag login",
                p.username, p.client_id
            ));
            return Ok(None);
        }
    }
    let Some(entry) = load(cache_dir, &p.path(cache_dir), notes) else {
        return Ok(None);
    };
    let other = if which == Use::Access {
        Use::Id
    } else {
        Use::Access
    };
    let get = |u: Use| match u {
        Use::Access => entry.access_token.clone(),
        Use::Id => entry.id_token.clone(),
    };
    let (token, used) = match get(which) {
        Some(t) => (t, which),
        None => match get(other) {
            Some(t) => {
                say(format!(
                    "the cached login has no {} token; using its {} token",
                    use_name(which),
                    use_name(other)
                ));
                (t, other)
            }
            None => return Ok(None),
        },
    };
    let exp = entry.expires_at;
    let when = format!(
        "{} ({})",
        timefmt::rfc3339(exp),
        timefmt::relative(exp, now)
    );
    if exp <= now {
        say(format!(
            "warning: the cached {} token of {} expired {when}: run tokdiag login to get a new one",
            use_name(used),
            entry.describe()
        ));
    } else {
        say(format!(
            "using the {} token cached by tokdiag login for {}, expires {when}",
            use_name(used),
            entry.describe()
        ));
    }
    Ok(Some(Cached {
        token,
        which: used,
        describe: entry.describe(),
    }))
}

fn use_name(u: Use) -> &'static str {
    match u {
        Use::Access => "access",
        Use::Id => "ID",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_sha256() {
        // python3 -c "import hashlib;print(hashlib.sha256(b'p|c|u').hexdigest())"
        assert_eq!(
            key("p", "c", "u"),
            "0d8ad36273723f35cddf3d45265c6a6da6ff6285875453acf4a46295d91b4669"
        );
        assert_ne!(key("p", "c", "u"), key("p", "c", "v"));
    }

    #[test]
    fn refresh_keeps_the_old_refresh_token() {
        let meta = EntryMeta {
            flow: "password",
            user_pool_id: "us-east-1_a",
            client_id: "c",
            username: "u",
            region: None,
            endpoint: None,
            scopes: &[],
            secret_used: false,
        };
        let t = Tokens {
            access_token: Some("a1".into()),
            refresh_token: Some("r1".into()),
            expires_in: 3600,
            ..Default::default()
        };
        let e = Entry::new(&meta, &t, 1000);
        assert_eq!(e.expires_at, 4600);
        assert!(e.is_fresh(4600 - 301) && !e.is_fresh(4600 - 300));
        let r = e.refreshed(
            &Tokens {
                access_token: Some("a2".into()),
                expires_in: 3600,
                ..Default::default()
            },
            4400,
        );
        assert_eq!(r.access_token.as_deref(), Some("a2"));
        assert_eq!(r.refresh_token.as_deref(), Some("r1"));
        assert_eq!(r.expires_at, 8000);
    }
}
