//! What every HTTP client of tokdiag shares: the URL policy ([`check_url`]: https, or plain http
//! only to a loopback host unless `--allow-http`), the one client builder ([`client`]: time caps,
//! the redirect policy, no proxy for loopback), the bounded body reader ([`read_capped`]) and the
//! async runtime. Discovery/JWKS fetching (`oidc`), the token endpoint (`cognito::oauth`) and MCP
//! calls (`mcp`) all build on these, so they cannot drift apart again. Only network paths build a
//! runtime; offline commands never do.

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, Result};

/// Redirects followed at most (when a client follows any).
pub const MAX_REDIRECTS: usize = 3;

/// What a URL is for, which decides the words of a refusal.
#[derive(Debug, Clone, Copy)]
pub enum UrlUse<'a> {
    /// A discovery document or JWKS: keys must come over https.
    Keys,
    /// A request that carries secrets (a token endpoint, client credentials); the phrase names
    /// the URL ("the token endpoint").
    Secrets(&'a str),
}

/// Checks that `raw` is an http(s) URL, https unless its host is loopback ([`is_loopback`]) or
/// `allow_http`. The refusal quotes the URL escaped and at most 200 characters long.
pub fn check_url(raw: &str, what: UrlUse<'_>, allow_http: bool) -> Result<url::Url> {
    let shown = crate::escape::esc_short(raw.trim(), 200);
    let url = url::Url::parse(raw.trim()).map_err(|e| match what {
        UrlUse::Keys => Error::usage(
            format!("invalid URL '{shown}': {e}"),
            Some(
                "give a full URL such as https://issuer.example.com/.well-known/openid-configuration"
                    .to_string(),
            ),
        ),
        UrlUse::Secrets(w) => Error::usage(
            format!("{w} '{shown}' is not a URL ({e})"),
            Some("give a full URL such as https://my-domain.auth.us-east-1.amazoncognito.com/oauth2/token".to_string()),
        ),
    })?;
    match (url.scheme(), what) {
        ("https", _) => Ok(url),
        ("http", _) if allow_http || is_loopback(&url) => Ok(url),
        ("http", UrlUse::Keys) => Err(Error::usage(
            format!("refusing plain http for {url}: keys must come over https"),
            Some(
                "use the https URL, or pass --allow-http to accept plain http (test setups only)"
                    .to_string(),
            ),
        )),
        ("http", UrlUse::Secrets(w)) => Err(Error::usage(
            format!(
                "{w} {url} is plain http: tokdiag sends secrets only over https (or to loopback)"
            ),
            Some(
                "use the https URL, or pass --allow-http for a test endpoint you trust".to_string(),
            ),
        )),
        (other, UrlUse::Keys) => Err(Error::usage(
            format!("unsupported URL scheme '{other}' in {url}"),
            Some("discovery and JWKS URLs must be https".to_string()),
        )),
        (other, UrlUse::Secrets(w)) => Err(Error::usage(
            format!("{w} {url} has the scheme {other}; expected https"),
            None,
        )),
    }
}

/// Which redirects a client follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// None: a 3xx is the answer (token endpoints, MCP calls, the proxy's upstream: a redirect
    /// there would move a secret or a bearer token somewhere the user did not name).
    None,
    /// At most [`MAX_REDIRECTS`], each to a URL [`check_url`] accepts (GETs of public documents).
    Checked {
        /// `--allow-http`.
        allow_http: bool,
    },
}

/// How one HTTP client behaves.
#[derive(Debug, Clone, Copy)]
pub struct ClientSpec {
    /// Whole-request timeout (`None`: none, for a long-lived proxy upstream).
    pub timeout: Option<Duration>,
    /// Connect timeout (capped by `timeout`).
    pub connect_timeout: Duration,
    /// Redirect policy.
    pub redirects: Redirects,
    /// Bypass environment proxies (`HTTPS_PROXY` …): set for loopback targets, so that a proxy
    /// from the environment cannot intercept test servers and emulators.
    pub no_proxy: bool,
}

/// The one HTTP client builder: tokdiag's user agent, the time caps and the redirect policy of
/// `spec`. Fails only when TLS cannot be set up on this machine.
pub fn client(spec: ClientSpec) -> Result<reqwest::Client> {
    client_builder(spec).build().map_err(|e| {
        Error::network(
            format!("cannot set up the HTTP client: {e}"),
            Some("check the TLS and proxy settings of this machine".to_string()),
        )
    })
}

/// [`client`]'s builder, for a caller that adds settings of its own (the proxy's pool size).
pub fn client_builder(spec: ClientSpec) -> reqwest::ClientBuilder {
    let policy = match spec.redirects {
        Redirects::None => reqwest::redirect::Policy::none(),
        Redirects::Checked { allow_http } => reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            let next = attempt.url().clone();
            let ok = match next.scheme() {
                "https" => true,
                "http" => allow_http || is_loopback(&next),
                _ => false,
            };
            if ok {
                attempt.follow()
            } else {
                attempt.error(format!("redirect to {next} refused (https only)"))
            }
        }),
    };
    let connect = spec
        .timeout
        .map_or(spec.connect_timeout, |t| spec.connect_timeout.min(t));
    let mut b = reqwest::Client::builder()
        .connect_timeout(connect)
        .redirect(policy)
        .user_agent(concat!("tokdiag/", env!("CARGO_PKG_VERSION")));
    if let Some(t) = spec.timeout {
        b = b.timeout(t);
    }
    if spec.no_proxy {
        b = b.no_proxy();
    }
    b
}

/// Why [`read_capped`] stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The body is (or declares itself) longer than the cap.
    TooLarge,
    /// The connection failed while reading.
    Http(reqwest::Error),
}

/// Reads at most `max` bytes of `resp`'s body: a declared length over the cap is refused before
/// reading, an undeclared one is cut off while streaming, so an endless body ends here at `max`,
/// not when memory runs out.
pub async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
) -> std::result::Result<Vec<u8>, ReadError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ReadError::Http)? {
        if body.len() + chunk.len() > max {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

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

/// An error and its sources as one line (`error sending request: … Connection refused`): each
/// source once (a part already contained in an earlier one is dropped), at most 16 deep, without
/// the Debug dumps some error types append.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    // Bounded by depth, not by parts kept: a chain whose sources repeat keeps no new part.
    for _ in 0..16 {
        let Some(err) = cur else { break };
        let m = err.to_string();
        if !m.is_empty() && !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Whether an I/O error of `kind` is in `e`'s source chain (at most 16 deep, as
/// [`error_chain`]: a chain that is its own source ends here too).
pub fn has_io_error(e: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut cur = Some(e);
    for _ in 0..16 {
        let Some(err) = cur else { break };
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// What a request was for, as its error messages say it.
#[derive(Debug, Clone, Copy)]
pub struct Purpose {
    /// `fetching`, `posting to`: before the URL.
    pub doing: &'static str,
    /// `fetch`, `post to`: after "cannot".
    pub verb: &'static str,
    /// `the issuer`: who did not answer.
    pub peer: &'static str,
    /// `the discovery URL`: where the host name came from.
    pub url_name: &'static str,
}

impl Purpose {
    /// GETting a discovery document or a JWKS.
    pub const FETCH: Purpose = Purpose {
        doing: "fetching",
        verb: "fetch",
        peer: "the issuer",
        url_name: "the discovery URL",
    };
    /// POSTing to a token endpoint.
    pub const TOKEN: Purpose = Purpose {
        doing: "posting to",
        verb: "post to",
        peer: "the token endpoint",
        url_name: "the token endpoint URL",
    };
}

/// The one-line cause and fix of a request that got no answer (timeout, DNS, refused, TLS, too
/// many redirects), for every client this module builds. `timeout` is the one the request had.
pub fn request_error(e: &reqwest::Error, url: &url::Url, timeout: Duration, p: Purpose) -> Error {
    let Purpose {
        doing,
        verb,
        peer,
        url_name,
    } = p;
    let host = url.host_str().unwrap_or("").to_string();
    let chain = error_chain(e);
    let lower = chain.to_lowercase();
    if e.is_timeout() || lower.contains("timed out") {
        let ms = timeout.as_millis();
        let took = if ms.is_multiple_of(1000) {
            format!("{} s", ms / 1000)
        } else {
            format!("{ms} ms")
        };
        return Error::network(
            format!("timed out after {took} {doing} {url}"),
            Some(format!(
                "{peer} did not answer in time: check the network, VPN or proxy (HTTPS_PROXY)"
            )),
        );
    }
    if e.is_redirect() {
        if lower.contains("redirects") {
            return Error::network(
                format!("too many redirects {doing} {url} (more than {MAX_REDIRECTS}; a redirect loop?)"),
                Some("the server keeps redirecting: open the URL in a browser, and give tokdiag the final https URL".to_string()),
            );
        }
        return Error::network(
            format!("cannot {verb} {url}: {chain}"),
            Some("point tokdiag at the final https URL".to_string()),
        );
    }
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
        || lower.contains("no address associated")
    {
        return Error::network(
            format!("cannot resolve host {host} (DNS) for {url}"),
            Some(format!(
                "check the host name in {url_name}, and the network"
            )),
        );
    }
    if has_io_error(e, std::io::ErrorKind::ConnectionRefused)
        || lower.contains("connection refused")
    {
        return Error::network(
            format!("connection refused by {host} {doing} {url}"),
            Some("nothing listens there: check the host and port of the URL".to_string()),
        );
    }
    if url.scheme() == "https"
        && (lower.contains("invalidcontenttype")
            || lower.contains("corrupt message")
            || lower.contains("wrong version number")
            || lower.contains("http request to https")
            || lower.contains("not a tls"))
    {
        return Error::network(
            format!("{host} does not speak TLS on this port, {doing} {url}"),
            Some(
                "the port serves plain http: use the server's https port (an emulator on loopback may use http://)"
                    .to_string(),
            ),
        );
    }
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return Error::network(
            format!("TLS failure {doing} {url}: {chain}"),
            Some("the server's certificate is not trusted by this machine".to_string()),
        );
    }
    Error::network(
        format!("cannot {verb} {url}: {chain}"),
        Some("check the URL and the network".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_connection_is_worded_for_what_the_request_was_for() {
        // A port nothing listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let url = url::Url::parse(&format!("http://127.0.0.1:{port}/oauth2/token")).unwrap();
        let spec = ClientSpec {
            timeout: Some(Duration::from_secs(5)),
            connect_timeout: Duration::from_secs(5),
            redirects: Redirects::None,
            no_proxy: true,
        };
        let e = block_on(async {
            let err = client(spec)?.post(url.clone()).send().await.unwrap_err();
            Ok(request_error(
                &err,
                &url,
                Duration::from_secs(5),
                Purpose::TOKEN,
            ))
        })
        .unwrap();
        assert_eq!(
            e.to_string(),
            format!("connection refused by 127.0.0.1 posting to {url}")
        );
    }

    fn refusal(raw: &str, what: UrlUse<'_>, allow_http: bool) -> String {
        let e = check_url(raw, what, allow_http).unwrap_err();
        format!("{e}")
    }

    #[test]
    fn one_url_policy_for_keys_and_secrets() {
        for what in [UrlUse::Keys, UrlUse::Secrets("the token endpoint")] {
            assert!(check_url("https://a.example/t", what, false).is_ok());
            assert!(check_url("http://127.0.0.1:9/t", what, false).is_ok());
            assert!(check_url("http://[::1]:9/t", what, false).is_ok());
            assert!(check_url("http://localhost:9/t", what, false).is_ok());
            assert!(check_url("http://a.example/t", what, true).is_ok());
            assert!(check_url("http://app.localhost/t", what, false).is_err());
            assert!(check_url("ftp://a.example/t", what, true).is_err());
            assert!(check_url("nope", what, true).is_err());
        }
        assert!(
            refusal("http://a.example/t", UrlUse::Keys, false)
                .contains("refusing plain http for http://a.example/t: keys must come over https")
        );
        assert!(
            refusal("http://a.example/t", UrlUse::Secrets("the token endpoint"), false).contains(
                "the token endpoint http://a.example/t is plain http: tokdiag sends secrets only over https (or to loopback)"
            )
        );
    }

    #[test]
    fn a_refused_url_is_quoted_escaped_and_short() {
        let hostile = format!("not a url\n\u{1b}[31m{}", "x".repeat(5000));
        for what in [UrlUse::Keys, UrlUse::Secrets("the token endpoint")] {
            let m = refusal(&hostile, what, false);
            assert!(!m.contains('\u{1b}') && m.len() < 600, "{m}");
        }
    }

    /// An error that is its own source: the chain must still end.
    #[derive(Debug)]
    struct Loop;
    impl std::fmt::Display for Loop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("again")
        }
    }
    impl std::error::Error for Loop {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&Loop)
        }
    }

    #[test]
    fn an_io_error_is_found_in_a_chain_that_ends() {
        use std::io::ErrorKind::{ConnectionRefused, TimedOut};
        assert!(!has_io_error(&Loop, TimedOut));
        /// A client error whose cause is an I/O error, as hyper-util's and reqwest's are.
        #[derive(Debug)]
        struct Wrap(std::io::Error);
        impl std::fmt::Display for Wrap {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Wrap {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = Wrap(std::io::Error::from(TimedOut));
        assert!(has_io_error(&wrapped, TimedOut));
        assert!(!has_io_error(&wrapped, ConnectionRefused));
    }

    #[test]
    fn an_error_chain_ends_and_says_each_part_once() {
        assert_eq!(error_chain(&Loop), "again");
        let io = std::io::Error::other("connection refused");
        assert_eq!(error_chain(&io), "connection refused");
    }

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
