//! Key acquisition, written once: where the keys come from (a JWKS file, or a discovery URL
//! through the cache), the keys prepared for signature checks, and the one refetch policy on an
//! unknown `kid`. `verify`, `explain`, `doctor` and `proxy` all get their keys from a [`KeyRing`].
//!
//! The policy: keys that came from the network or the cache are fetched again (bypassing the
//! cache) when a token names a `kid` they do not hold — the issuer may have rotated its keys —
//! at most once every [`REFETCH_INTERVAL`] per ring. A one-shot command therefore refetches at most
//! once; a long-running proxy at most twice a minute, whatever its clients send. Keys from a file
//! are never refetched.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::oidc::{self, FetchOptions, FetchedJwks};
use crate::signature::{PreparedKeys, SigOutcome};
use crate::token::Jwt;

/// Shortest interval between two refetches of one ring.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// Where a ring's keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySpec {
    /// A JWKS file (offline; never refetched).
    File(PathBuf),
    /// A discovery URL: its document, then its `jwks_uri`, through the cache.
    Discovery(String),
}

/// Keys for signature checks, and the state of the refetch policy.
#[derive(Debug)]
pub struct KeyRing {
    fetched: FetchedJwks,
    prepared: Arc<PreparedKeys>,
    generation: u32,
    last_refetch: Option<Instant>,
}

impl KeyRing {
    /// Acquires the keys `spec` names. A plain-http URL is refused before any request.
    pub async fn acquire(spec: &KeySpec, o: &FetchOptions) -> Result<KeyRing> {
        let fetched = match spec {
            KeySpec::File(p) => FetchedJwks::from_file(p)?,
            KeySpec::Discovery(url) => {
                crate::net::check_url(url, crate::net::UrlUse::Keys, o.allow_http)?;
                oidc::fetch_keys(url, o).await?
            }
        };
        Ok(KeyRing::new(fetched))
    }

    /// [`KeyRing::acquire`] for callers outside a runtime: a file needs none; a URL gets a
    /// current-thread runtime (and a plain-http URL is refused before it is built).
    pub fn acquire_blocking(spec: &KeySpec, o: &FetchOptions) -> Result<KeyRing> {
        match spec {
            KeySpec::File(p) => Ok(KeyRing::new(FetchedJwks::from_file(p)?)),
            KeySpec::Discovery(url) => {
                crate::net::check_url(url, crate::net::UrlUse::Keys, o.allow_http)?;
                oidc::block_on(KeyRing::acquire(spec, o))
            }
        }
    }

    /// A ring over keys already fetched.
    pub fn new(fetched: FetchedJwks) -> KeyRing {
        let prepared = Arc::new(PreparedKeys::new(&fetched.jwks));
        KeyRing {
            fetched,
            prepared,
            generation: 0,
            last_refetch: None,
        }
    }

    /// The keys as fetched (discovery document, JWKS URL, key set, cache facts).
    pub fn fetched(&self) -> &FetchedJwks {
        &self.fetched
    }

    /// The keys prepared for signature checks (shared: workers hold it across a refetch).
    pub fn prepared(&self) -> &Arc<PreparedKeys> {
        &self.prepared
    }

    /// How many times the keys were replaced (0 for the first ones): results computed with an
    /// older generation may be stale.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Whether the policy allows a refetch now.
    pub fn may_refetch(&self) -> bool {
        self.fetched.is_remote()
            && self
                .last_refetch
                .is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL)
    }

    /// Fetches the JWKS again when the policy allows it; `Ok(true)` when the keys were replaced.
    /// A failed refetch keeps the old keys (and counts as this interval's refetch).
    pub async fn refetch(&mut self, o: &FetchOptions) -> Result<bool> {
        if !self.may_refetch() {
            return Ok(false);
        }
        self.last_refetch = Some(Instant::now());
        oidc::refetch_jwks(&mut self.fetched, o).await?;
        self.prepared = Arc::new(PreparedKeys::new(&self.fetched.jwks));
        self.generation += 1;
        Ok(true)
    }

    /// Checks `jwt`'s signature; on an unknown kid, refetches as the policy allows and checks
    /// again. An error is the refetch's (the old keys stay).
    pub async fn check(&mut self, jwt: &Jwt, o: &FetchOptions) -> Result<SigOutcome> {
        let first = self.prepared.check(jwt);
        if matches!(first, SigOutcome::UnknownKid { .. }) && self.refetch(o).await? {
            return Ok(self.prepared.check(jwt));
        }
        Ok(first)
    }

    /// The ring's keys, handed over (the prepared keys are dropped).
    pub fn into_fetched(self) -> FetchedJwks {
        self.fetched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::JwkSet;

    fn fetched(remote: bool) -> FetchedJwks {
        FetchedJwks {
            discovery: None,
            jwks_url: "k.json".into(),
            jwks: JwkSet { keys: vec![] },
            from_cache: false,
            fetched_at: if remote { 1 } else { 0 },
            max_age: 0,
        }
    }

    #[test]
    fn file_keys_are_never_refetched_and_remote_ones_once_per_interval() {
        assert!(!KeyRing::new(fetched(false)).may_refetch());
        let mut ring = KeyRing::new(fetched(true));
        assert!(ring.may_refetch());
        ring.last_refetch = Some(Instant::now());
        assert!(!ring.may_refetch(), "a second refetch within the interval");
        ring.last_refetch = Instant::now().checked_sub(REFETCH_INTERVAL);
        assert!(ring.may_refetch(), "allowed again after the interval");
        assert_eq!(ring.generation(), 0);
    }
}
