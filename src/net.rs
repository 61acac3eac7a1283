//! What every HTTP client of tokdiag shares: the URL policy (https, or plain http only to a
//! loopback host unless `--allow-http`) and the async runtime. Discovery/JWKS fetching (`oidc`)
//! and the token endpoint (`cognito::oauth`) both ask [`is_loopback`], so the two cannot drift
//! apart again. Only network paths build a runtime; offline commands never do.

use std::future::Future;

use crate::error::{Error, Result};

/// A current-thread tokio runtime (I/O and timers enabled). It fails only when the OS refuses an
/// epoll/eventfd handle (out of file descriptors): a network error, not a panic.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::network(format!("cannot start the async runtime: {e}"), None))
}

/// Runs a fallible future to completion on a fresh [`runtime`].
pub fn block_on<T, F: Future<Output = Result<T>>>(f: F) -> Result<T> {
    runtime()?.block_on(f)
}

/// True when a request to `url` cannot leave this machine whatever DNS answers: a loopback IP
/// literal (`127.0.0.0/8`, `::1`) or exactly `localhost` (any case), which the resolver answers from
/// `/etc/hosts`. `*.localhost` and `localhost.` are not loopback here: glibc's resolver, which
/// this binary uses, sends those names to DNS, so plain http to them could reach another host.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lo(u: &str) -> bool {
        is_loopback(&url::Url::parse(u).unwrap())
    }

    #[test]
    fn loopback_is_an_ip_literal_or_exactly_localhost() {
        assert!(lo("http://127.0.0.1:8080/x"));
        assert!(lo("http://127.8.9.10/x"));
        assert!(lo("http://[::1]:9000/x"));
        assert!(lo("http://localhost/x"));
        assert!(lo("http://LocalHost:1/x"));
        // Resolved through DNS by glibc: not pinned to this machine.
        assert!(!lo("http://app.localhost/x"));
        assert!(!lo("http://localhost./x"));
        assert!(!lo("http://localhost.example.com/x"));
        assert!(!lo("http://10.0.0.1/x"));
    }
}
