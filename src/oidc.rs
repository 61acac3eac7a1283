//! OIDC discovery and JWKS: fetching (https only, bounded in time and size), a disk cache that
//! honours `Cache-Control: max-age`, the one refetch on an unknown `kid`, and JWKS files for offline
//! use.
//!
//! Only the network paths build an async runtime ([`block_on`]); offline verification (`--jwks`)
//! never does. Cache freshness uses the real clock, never `--now` (which is about token times).

use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Digest;

use crate::error::{Error, Result};
use crate::net::{ClientSpec, ReadError, Redirects, UrlUse, check_url, is_loopback, read_capped};

/// Largest discovery document or JWKS accepted: 1 MiB (real ones are a few KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default HTTP timeout (whole request).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connect timeout (capped by the whole-request timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Cache lifetime when the server sends no `Cache-Control: max-age`.
pub const DEFAULT_MAX_AGE: u64 = 3600;
/// Longest cache lifetime, whatever the server or the cache file says: 24 h. A key set that
/// lives longer in the cache would outlive a key rotation or revocation by days.
pub const MAX_MAX_AGE: u64 = 24 * 3600;
/// Hidden environment variable overriding the HTTP timeout in milliseconds (used by tests).
pub const TIMEOUT_ENV: &str = "TOKDIAG_HTTP_TIMEOUT_MS";

/// How discovery documents and JWKS are fetched.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Cache root; entries live under `<cache_dir>/oidc/`.
    pub cache_dir: PathBuf,
    /// `--allow-http`: plain http to non-loopback hosts.
    pub allow_http: bool,
    /// Where each HTTP exchange and cache decision (`--verbose`) and each cache warning go.
    pub notes: crate::notes::Notes,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Read fresh cache entries (writing happens either way).
    pub use_cache: bool,
}

impl FetchOptions {
    /// Options for fetches cached under `cache_dir`, with the URL policy's `allow_http`, notes to
    /// `notes`. The timeout is 10 s unless the hidden `TOKDIAG_HTTP_TIMEOUT_MS` environment
    /// variable says otherwise.
    pub fn new(cache_dir: &std::path::Path, allow_http: bool, notes: &crate::notes::Notes) -> Self {
        let timeout = std::env::var(TIMEOUT_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT);
        FetchOptions {
            cache_dir: cache_dir.to_path_buf(),
            allow_http,
            notes: notes.clone(),
            timeout,
            use_cache: true,
        }
    }
}

/// An OIDC discovery document (or OAuth authorization server metadata).
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The URL it was fetched from.
    pub url: String,
    /// `issuer`.
    pub issuer: Option<String>,
    /// `jwks_uri`.
    pub jwks_uri: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: Option<String>,
    /// The whole document.
    pub raw: Value,
}

impl Discovery {
    fn from_value(url: &str, raw: Value) -> Discovery {
        let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_string);
        Discovery {
            url: url.to_string(),
            issuer: s("issuer"),
            jwks_uri: s("jwks_uri"),
            token_endpoint: s("token_endpoint"),
            raw,
        }
    }

    /// Every `*_endpoint` and `*_uri` string field of the document, in document order.
    pub fn endpoints(&self) -> Vec<(String, String)> {
        let Some(obj) = self.raw.as_object() else {
            return Vec::new();
        };
        obj.iter()
            .filter(|(k, _)| k.ends_with("_endpoint") || k.ends_with("_uri"))
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    }
}

/// An issuer's JWKS, with where and when it was fetched (or the file it was read from).
#[derive(Debug, Clone)]
pub struct FetchedJwks {
    /// The discovery document (`None` for a `--jwks` file).
    pub discovery: Option<Discovery>,
    /// The JWKS URL (or the file path for `--jwks`).
    pub jwks_url: String,
    /// The usable keys.
    pub jwks: JwkSet,
    /// Whether the JWKS came from the disk cache.
    pub from_cache: bool,
    /// When the JWKS was fetched (Unix seconds, real clock); 0 for a file.
    pub fetched_at: i64,
    /// Its cache lifetime in seconds; 0 for a file.
    pub max_age: u64,
}

impl FetchedJwks {
    /// Keys from a JWKS file (offline): no discovery, not cached.
    pub fn from_file(path: &Path) -> Result<FetchedJwks> {
        Ok(FetchedJwks {
            discovery: None,
            jwks_url: path.display().to_string(),
            jwks: load_jwks_file(path)?,
            from_cache: false,
            fetched_at: 0,
            max_age: 0,
        })
    }

    /// True when the keys came from the network or the cache (so a refetch makes sense).
    pub fn is_remote(&self) -> bool {
        self.fetched_at != 0 || self.discovery.is_some()
    }
}

pub use crate::net::block_on;

/// The issuer an OIDC provider publishes for a discovery URL: the URL without its
/// `/.well-known/openid-configuration` (or `/.well-known/oauth-authorization-server`) suffix; for
/// Entra ID v1 (`https://login.microsoftonline.com/{tid}/.well-known/openid-configuration`, no
/// `v2.0`) it is `https://sts.windows.net/{tid}/`, and for Auth0 (`https://{tenant}.auth0.com`) the
/// host with a trailing slash. `None` when the URL has neither suffix.
pub fn issuer_from_discovery_url(url: &str) -> Option<String> {
    let url = url.trim();
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let base = no_query
        .strip_suffix("/.well-known/openid-configuration")
        .or_else(|| no_query.strip_suffix("/.well-known/oauth-authorization-server"))?;
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"));
    if let Some(rest) = rest {
        let mut parts = rest.split('/');
        let host = parts.next().unwrap_or("");
        let segs: Vec<&str> = parts.collect();
        if host.eq_ignore_ascii_case("login.microsoftonline.com")
            && segs.len() == 1
            && !segs[0].is_empty()
        {
            return Some(format!("https://sts.windows.net/{}/", segs[0]));
        }
        // Auth0 publishes its issuer with a trailing slash: `https://{tenant}.auth0.com/`.
        if host.to_ascii_lowercase().ends_with(".auth0.com") && segs.is_empty() {
            return Some(format!("https://{host}/"));
        }
    }
    Some(base.to_string())
}

/// The discovery URL that publishes `iss` as its issuer (the inverse of
/// [`issuer_from_discovery_url`]): `<iss without trailing slash>/.well-known/openid-configuration`
/// (host lowercased), except Entra v1, whose `https://sts.windows.net/{tid}/` is published by
/// `https://login.microsoftonline.com/{tid}/.well-known/openid-configuration`. `None` for an
/// issuer that is not a URL (Google's bare `accounts.google.com`).
pub fn discovery_url_for_issuer(iss: &str) -> Option<String> {
    let (scheme, rest) = iss.trim().split_once("://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (scheme, host) = (scheme.to_ascii_lowercase(), host.to_ascii_lowercase());
    let path = path.trim_end_matches('/');
    if host == "sts.windows.net" && !path.is_empty() && !path.contains('/') {
        return Some(format!(
            "https://login.microsoftonline.com/{path}/.well-known/openid-configuration"
        ));
    }
    let path = if path.is_empty() {
        String::new()
    } else {
        format!("/{path}")
    };
    Some(format!(
        "{scheme}://{host}{path}/.well-known/openid-configuration"
    ))
}

/// [`discovery_url_for_issuer`], or for an issuer that is not a URL the suffix appended anyway
/// (the URL check then names the bad issuer).
pub fn discovery_url_for_issuer_or_suffixed(iss: &str) -> String {
    discovery_url_for_issuer(iss).unwrap_or_else(|| {
        format!(
            "{}/.well-known/openid-configuration",
            iss.trim().trim_end_matches('/')
        )
    })
}

// ---------------------------------------------------------------------------------------------
// URL policy

// ---------------------------------------------------------------------------------------------
// Cache

/// One cache file: `<cache_dir>/oidc/<sha256(url)>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CacheEntry {
    /// The URL fetched.
    pub url: String,
    /// When (Unix seconds, real clock).
    pub fetched_at: i64,
    /// Lifetime in seconds from `Cache-Control`.
    pub max_age: u64,
    /// The JSON body.
    pub body: Value,
}

/// What the cache knows about a URL (for `keys`).
#[derive(Debug, Clone, Serialize)]
pub struct CacheInfo {
    /// The cache file.
    pub file: String,
    /// When the entry was fetched (Unix seconds).
    pub fetched_at: i64,
    /// Age in seconds (real clock).
    pub age: u64,
    /// Lifetime in seconds.
    pub max_age: u64,
    /// `age < max_age`.
    pub fresh: bool,
}

/// The cache file for a URL.
pub fn cache_path(cache_dir: &Path, url: &str) -> PathBuf {
    let digest = sha2::Sha256::digest(url.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    cache_dir.join("oidc").join(format!("{hex}.json"))
}

/// Reads the cache entry of `url` through [`crate::fsx::read_cache_file`]: an entry in a file or
/// directory someone else could have written is ignored (with one warning), and `max_age` is
/// capped at [`MAX_MAX_AGE`].
fn read_cache(o: &FetchOptions, url: &str) -> Option<CacheEntry> {
    let path = cache_path(&o.cache_dir, url);
    let text = crate::fsx::read_cache_file(&o.cache_dir, &path, &o.notes)?;
    match serde_json::from_str::<CacheEntry>(&text) {
        Ok(mut e) if e.url == url => {
            e.max_age = e.max_age.min(MAX_MAX_AGE);
            Some(e)
        }
        _ => {
            o.notes
                .trace(|| format!("ignoring unreadable cache file {}", path.display()));
            None
        }
    }
}

fn is_fresh(e: &CacheEntry, now: i64) -> bool {
    let age = now - e.fetched_at;
    // An entry from the future (clock moved back) is not trusted.
    age >= 0 && (age as u64) < e.max_age
}

/// The cache state of a URL, if an entry exists.
pub fn cache_info(url: &str, o: &FetchOptions) -> Option<CacheInfo> {
    let e = read_cache(o, url)?;
    let now = crate::timefmt::system_now();
    Some(CacheInfo {
        file: cache_path(&o.cache_dir, url).display().to_string(),
        fetched_at: e.fetched_at,
        age: now.saturating_sub(e.fetched_at).max(0) as u64,
        max_age: e.max_age,
        fresh: is_fresh(&e, now),
    })
}

fn write_cache(o: &FetchOptions, entry: &CacheEntry) {
    let path = cache_path(&o.cache_dir, &entry.url);
    let data = match serde_json::to_vec(entry) {
        Ok(d) => d,
        Err(_) => return,
    };
    // A cache that cannot be written costs a request next time; it must not fail verification.
    // An untrusted cache dir is not written to (the read side already warned about it).
    if let Err(e) = crate::fsx::write_cache_file(&o.cache_dir, &path, &data, &o.notes) {
        o.notes.warn(format!("cache not written: {e}"));
    }
}

/// The cache lifetime a `Cache-Control` header grants: `max-age=N` (at most 24 h);
/// `no-store`/`no-cache` → 0; absent or unparsable → 3600 s.
pub fn max_age_from_cache_control(header: Option<&str>) -> u64 {
    let Some(h) = header else {
        return DEFAULT_MAX_AGE;
    };
    let mut max_age = None;
    for d in h.split(',') {
        let d = d.trim().to_ascii_lowercase();
        if d == "no-store" || d == "no-cache" {
            return 0;
        }
        if let Some(v) = d.strip_prefix("max-age=") {
            max_age = v.trim().trim_matches('"').parse::<u64>().ok();
        }
    }
    max_age.unwrap_or(DEFAULT_MAX_AGE).min(MAX_MAX_AGE)
}

// ---------------------------------------------------------------------------------------------
// HTTP

fn client(o: &FetchOptions, url: &url::Url) -> Result<reqwest::Client> {
    crate::net::client(ClientSpec {
        timeout: Some(o.timeout),
        connect_timeout: CONNECT_TIMEOUT,
        redirects: Redirects::Checked {
            allow_http: o.allow_http,
        },
        no_proxy: is_loopback(url),
    })
}

fn map_reqwest_error(e: reqwest::Error, url: &url::Url, o: &FetchOptions) -> Error {
    crate::net::request_error(&e, url, o.timeout, crate::net::Purpose::FETCH)
}

/// GETs a JSON document: bounded in time and size. Returns the JSON and the max-age granted.
async fn get_json(url_str: &str, o: &FetchOptions, what: &str) -> Result<(Value, u64)> {
    let url = check_url(url_str, UrlUse::Keys, o.allow_http)?;
    let client = client(o, &url)?;
    let _spinner = o.notes.busy(format!(
        "fetching {what} from {}",
        url.host_str().unwrap_or("the issuer")
    ));
    let resp = client
        .get(url.clone())
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            let err = map_reqwest_error(e, &url, o);
            o.notes.trace(|| format!("GET {url} → failed: {err}"));
            err
        })?;
    let status = resp.status();
    let cache_control = resp
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let final_url = resp.url().clone();
    let too_large = || {
        Error::network(
            format!(
                "{what} at {url} is larger than {} KiB",
                MAX_BODY_BYTES / 1024
            ),
            Some("check the URL: this is not a discovery document or JWKS".to_string()),
        )
    };
    // At most MAX_BODY_BYTES are held in memory, declared or streamed.
    let body = read_capped(resp, MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge => too_large(),
            ReadError::Http(e) => map_reqwest_error(e, &url, o),
        })?;
    let max_age = max_age_from_cache_control(cache_control.as_deref());
    o.notes.trace(|| {
        let redirected = if final_url != url {
            format!(" (redirected to {final_url})")
        } else {
            String::new()
        };
        format!(
            "GET {url} → {status}{redirected}, {} bytes, cache miss, max-age {max_age} s",
            body.len()
        )
    });
    if !status.is_success() {
        let hint = match status.as_u16() {
            404 => format!(
                "check the URL: a discovery URL ends in /.well-known/openid-configuration{}",
                if what == "JWKS" {
                    " and its jwks_uri must exist"
                } else {
                    ""
                }
            ),
            401 | 403 => {
                "the issuer refuses anonymous access to this URL: check the URL".to_string()
            }
            s if s >= 500 => "the issuer has a problem; try again later".to_string(),
            _ => "check the URL".to_string(),
        };
        return Err(Error::network(
            format!("GET {url} answered HTTP {status}"),
            Some(hint),
        ));
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(v @ Value::Object(_)) => Ok((v, max_age)),
        Ok(_) => Err(Error::network(
            format!("{what} at {url} is JSON but not an object"),
            Some("check the URL".to_string()),
        )),
        Err(_) => {
            let start = String::from_utf8_lossy(&body[..body.len().min(60)])
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            Err(Error::network(
                format!(
                    "{what} at {url} is not JSON ({}: {start:?})",
                    content_type.as_deref().unwrap_or("no content type")
                ),
                Some(
                    "the URL serves something else (a web page?): check it, or whether a proxy or captive portal answers"
                        .to_string(),
                ),
            ))
        }
    }
}

/// Fetches a JSON document through the cache. Returns (body, from_cache, fetched_at, max_age).
///
/// Only a body that `usable` accepts is written to the cache, so a broken answer (a JWKS without
/// usable keys, a discovery document without `jwks_uri`) is never served from the cache later.
async fn cached_json(
    url: &str,
    o: &FetchOptions,
    what: &str,
    bypass_cache: bool,
    usable: fn(&Value) -> bool,
) -> Result<(Value, bool, i64, u64)> {
    check_url(url, UrlUse::Keys, o.allow_http)?;
    let now = crate::timefmt::system_now();
    if o.use_cache
        && !bypass_cache
        && let Some(e) = read_cache(o, url)
    {
        if is_fresh(&e, now) {
            o.notes.trace(|| {
                format!(
                    "cache hit for {url} (age {} s, max-age {} s)",
                    now - e.fetched_at,
                    e.max_age
                )
            });
            return Ok((e.body, true, e.fetched_at, e.max_age));
        }
        o.notes.trace(|| {
            format!(
                "cache stale for {url} (age {} s, max-age {} s)",
                now - e.fetched_at,
                e.max_age
            )
        });
    }
    // One fetch per URL at a time across processes sharing the cache. Once holding the lock, look
    // again: another process may have written the entry since our first look (for a refetch, only
    // an entry written after we asked counts).
    let waited_from = std::time::SystemTime::now();
    let lock = FetchLock::acquire(o, url).await;
    if o.use_cache
        && let Some(e) = read_cache(o, url)
        && is_fresh(&e, crate::timefmt::system_now())
        && (!bypass_cache || written_since(&cache_path(&o.cache_dir, url), waited_from))
    {
        o.notes
            .trace(|| format!("cache hit for {url} (written by another tokdiag process just now)"));
        return Ok((e.body, true, e.fetched_at, e.max_age));
    }
    let (body, max_age) = get_json(url, o, what).await?;
    // A broken answer is not cached: the caller names what is wrong with it.
    if usable(&body) {
        if max_age > 0 {
            write_cache(
                o,
                &CacheEntry {
                    url: url.to_string(),
                    fetched_at: now,
                    max_age,
                    body: body.clone(),
                },
            );
        } else {
            // no-store / max-age=0: drop whatever an earlier answer left.
            let _ = crate::fsx::remove_file_if_exists(&cache_path(&o.cache_dir, url));
        }
    }
    drop(lock);
    Ok((body, false, now, max_age))
}

/// True when `path` was modified at or after `t` (sub-second precision where the file system has it).
fn written_since(path: &Path, t: std::time::SystemTime) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|m| m >= t)
}

/// An exclusive lock on fetching one URL, shared by every tokdiag process using the same cache
/// dir: an OS advisory lock ([`crate::fsx::FileLock`], `flock`) on
/// `<cache_dir>/oidc/<sha256(url)>.lock`, which dies with its process. Without it, 16 processes
/// started at once on a cold cache would each fetch the same document.
///
/// Best effort by design: a cache dir that cannot hold the lock (or is not trusted), or a live
/// holder that does not finish within the HTTP timeout plus a second, only costs a duplicate
/// fetch. A lock file left by a killed process is not a lock: the next run takes it at once.
#[derive(Debug)]
struct FetchLock(#[allow(dead_code)] crate::fsx::FileLock);

impl FetchLock {
    async fn acquire(o: &FetchOptions, url: &str) -> Option<FetchLock> {
        let path = cache_path(&o.cache_dir, url).with_extension("lock");
        let dir = path.parent()?;
        if !crate::fsx::cache_dirs_trusted(&o.cache_dir, dir, &o.notes) {
            return None;
        }
        crate::fsx::create_dir_all(dir).ok()?;
        let give_up = std::time::Instant::now() + o.timeout + Duration::from_secs(1);
        loop {
            match crate::fsx::FileLock::try_acquire(&path) {
                Ok(Some(l)) => return Some(FetchLock(l)),
                Ok(None) if std::time::Instant::now() < give_up => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                _ => return None,
            }
        }
    }
}

/// Fetches a discovery document (cached on disk).
pub async fn fetch_discovery(url: &str, o: &FetchOptions) -> Result<Discovery> {
    let (body, _, _, _) =
        cached_json(url, o, "discovery document", false, discovery_usable).await?;
    Ok(Discovery::from_value(url, body))
}

/// A discovery document worth caching: it names its issuer and its JWKS.
fn discovery_usable(v: &Value) -> bool {
    ["issuer", "jwks_uri"].iter().all(|k| {
        v.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    })
}

/// A JWKS worth caching: at least one usable key.
fn jwks_usable(v: &Value) -> bool {
    jwks_from_value(v).is_ok()
}

async fn fetch_jwks(url: &str, o: &FetchOptions, bypass: bool) -> Result<(JwkSet, bool, i64, u64)> {
    let (body, from_cache, fetched_at, max_age) =
        cached_json(url, o, "JWKS", bypass, jwks_usable).await?;
    let jwks = jwks_from_value(&body).map_err(|m| {
        Error::network(
            format!("JWKS at {url}: {m}"),
            Some("the issuer publishes no key tokdiag can verify with; check jwks_uri".to_string()),
        )
    })?;
    Ok((jwks, from_cache, fetched_at, max_age))
}

fn jwks_uri_of(d: &Discovery) -> Result<String> {
    d.jwks_uri.clone().ok_or_else(|| {
        Error::network(
            format!("the discovery document at {} has no jwks_uri", d.url),
            Some(
                "check the discovery URL: it must be the issuer's /.well-known/openid-configuration"
                    .to_string(),
            ),
        )
    })
}

/// OIDC Discovery §3 makes `issuer` required: without it the issuer check has nothing to compare
/// with, and guessing one from the URL would let the wrong tokens pass.
fn issuer_of(d: &Discovery) -> Result<String> {
    d.issuer.clone().filter(|i| !i.is_empty()).ok_or_else(|| {
        Error::network(
            format!("the discovery document at {} has no issuer", d.url),
            Some(
                "check the discovery URL: an OpenID provider's document names its issuer"
                    .to_string(),
            ),
        )
    })
}

/// Discovery → `jwks_uri` → JWKS, both through the cache. The document must name its `issuer`
/// and `jwks_uri`.
pub async fn fetch_keys(discovery_url: &str, o: &FetchOptions) -> Result<FetchedJwks> {
    let discovery = fetch_discovery(discovery_url, o).await?;
    issuer_of(&discovery)?;
    let jwks_url = jwks_uri_of(&discovery)?;
    let (jwks, from_cache, fetched_at, max_age) = fetch_jwks(&jwks_url, o, false).await?;
    Ok(FetchedJwks {
        discovery: Some(discovery),
        jwks_url,
        jwks,
        from_cache,
        fetched_at,
        max_age,
    })
}

/// Fetches the JWKS again, bypassing the cache (an unknown `kid`: the issuer may have rotated its
/// keys). Discovery is fetched again only when the JWKS URL itself fails.
pub async fn refetch_jwks(keys: &mut FetchedJwks, o: &FetchOptions) -> Result<()> {
    o.notes
        .trace(|| format!("unknown kid: fetching {} again", keys.jwks_url));
    match fetch_jwks(&keys.jwks_url, o, true).await {
        Ok((jwks, from_cache, fetched_at, max_age)) => {
            keys.jwks = jwks;
            keys.from_cache = from_cache;
            keys.fetched_at = fetched_at;
            keys.max_age = max_age;
            Ok(())
        }
        Err(first) => {
            let Some(d) = &keys.discovery else {
                return Err(first);
            };
            let url = d.url.clone();
            let (body, _, _, _) =
                cached_json(&url, o, "discovery document", true, discovery_usable).await?;
            let discovery = Discovery::from_value(&url, body);
            issuer_of(&discovery)?;
            let jwks_url = jwks_uri_of(&discovery)?;
            if jwks_url == keys.jwks_url {
                return Err(first);
            }
            let (jwks, from_cache, fetched_at, max_age) = fetch_jwks(&jwks_url, o, true).await?;
            *keys = FetchedJwks {
                discovery: Some(discovery),
                jwks_url,
                jwks,
                from_cache,
                fetched_at,
                max_age,
            };
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JWKS parsing

/// Whether tokdiag can verify signatures with this key (asymmetric, parsable).
pub fn is_usable(jwk: &Jwk) -> bool {
    matches!(
        jwk.algorithm,
        AlgorithmParameters::RSA(_)
            | AlgorithmParameters::EllipticCurve(_)
            | AlgorithmParameters::OctetKeyPair(_)
    ) && jsonwebtoken::DecodingKey::from_jwk(jwk).is_ok()
}

/// Parses a JWKS (`{"keys": [...]}`) or a single JWK, key by key: a malformed key is skipped, not
/// fatal. Fails when no usable key remains.
pub fn jwks_from_value(v: &Value) -> std::result::Result<JwkSet, String> {
    let items: Vec<&Value> = match v {
        Value::Object(o) if o.contains_key("keys") => match o.get("keys") {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => return Err("\"keys\" is not an array".to_string()),
        },
        Value::Object(o) if o.contains_key("kty") => vec![v],
        _ => return Err("not a JWKS (no \"keys\" array) and not a JWK (no \"kty\")".to_string()),
    };
    let total = items.len();
    let keys: Vec<Jwk> = items
        .into_iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k.clone()).ok())
        .collect();
    if !keys.iter().any(is_usable) {
        return Err(if total == 0 {
            "the key set is empty".to_string()
        } else {
            format!(
                "none of its {total} keys is a usable public key (RSA, EC P-256/P-384, Ed25519)"
            )
        });
    }
    Ok(JwkSet { keys })
}

/// Loads a JWKS file: a JWKS `{"keys":[..]}` or a single JWK object.
pub fn load_jwks_file(path: &Path) -> Result<JwkSet> {
    let text = crate::fsx::read_to_string(path)?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            format!("{} is not JSON: {e}", path.display()),
            Some("--jwks takes a JWKS file ({\"keys\": [...]}) or one JWK".to_string()),
        )
    })?;
    jwks_from_value(&v).map_err(|m| {
        Error::input(
            format!("{}: {m}", path.display()),
            Some("--jwks takes a JWKS file ({\"keys\": [...]}) or one JWK".to_string()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_from_discovery_urls() {
        let c = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx";
        assert_eq!(
            issuer_from_discovery_url(&format!("{c}/.well-known/openid-configuration")).as_deref(),
            Some(c)
        );
        assert_eq!(
            issuer_from_discovery_url("https://a.example/.well-known/oauth-authorization-server")
                .as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            issuer_from_discovery_url(
                "https://login.microsoftonline.com/tid-1/.well-known/openid-configuration"
            )
            .as_deref(),
            Some("https://sts.windows.net/tid-1/")
        );
        assert_eq!(
            issuer_from_discovery_url(
                "https://login.microsoftonline.com/tid-1/v2.0/.well-known/openid-configuration?appid=x"
            )
            .as_deref(),
            Some("https://login.microsoftonline.com/tid-1/v2.0")
        );
        assert_eq!(issuer_from_discovery_url("https://a.example/x"), None);
        assert_eq!(
            issuer_from_discovery_url(
                "https://dev-x.us.auth0.com/.well-known/openid-configuration"
            )
            .as_deref(),
            Some("https://dev-x.us.auth0.com/")
        );
        assert_eq!(
            discovery_url_for_issuer("https://x.auth0.com/").as_deref(),
            Some("https://x.auth0.com/.well-known/openid-configuration")
        );
        // Entra v1: the issuer is not where the document lives; the two functions are inverses.
        let v1 = "https://sts.windows.net/t1/";
        let url = discovery_url_for_issuer(v1).unwrap();
        assert_eq!(
            url,
            "https://login.microsoftonline.com/t1/.well-known/openid-configuration"
        );
        assert_eq!(issuer_from_discovery_url(&url).as_deref(), Some(v1));
        assert_eq!(discovery_url_for_issuer("accounts.google.com"), None);
        assert_eq!(
            discovery_url_for_issuer_or_suffixed("accounts.google.com"),
            "accounts.google.com/.well-known/openid-configuration"
        );
    }

    #[test]
    fn cache_control() {
        assert_eq!(max_age_from_cache_control(None), 3600);
        assert_eq!(max_age_from_cache_control(Some("public, max-age=120")), 120);
        assert_eq!(max_age_from_cache_control(Some("max-age=60, no-cache")), 0);
        assert_eq!(max_age_from_cache_control(Some("no-store")), 0);
        assert_eq!(max_age_from_cache_control(Some("max-age=x")), 3600);
        assert_eq!(max_age_from_cache_control(Some("max-age=86401")), 86400);
        assert_eq!(
            max_age_from_cache_control(Some("max-age=18446744073709551615")),
            86400
        );
    }

    #[test]
    fn lenient_jwks() {
        let v = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "bad"},
            {"kty": "EC", "crv": "P-256", "kid": "e",
             "x": "RgQHOnSXApq2ad3wsfvYzYRaXW8o5ocEj7TaZgmy44k", "y": "BirpcLo7L7XOyYp__oa0mDyNYCZYyMxD-LQP3qs_f_0"}
        ]});
        let s = jwks_from_value(&v).unwrap();
        assert!(
            s.keys
                .iter()
                .any(|k| k.common.key_id.as_deref() == Some("e"))
        );
        assert!(jwks_from_value(&serde_json::json!({"keys": []})).is_err());
        assert!(jwks_from_value(&serde_json::json!({"keys": [{"kty":"oct","k":"AAAA"}]})).is_err());
        assert!(jwks_from_value(&serde_json::json!([1])).is_err());
    }
}
