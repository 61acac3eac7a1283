//! `tokdiag proxy`: run the local front door ([`crate::proxy`]) in front of an MCP server. A
//! development tool: it binds loopback unless told otherwise, and is not a production gateway.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::authorizer::{SigningKeys, explain};
use crate::cli::Globals;
use crate::error::{Error, Result};
use crate::output;
use crate::proxy::{self, Settings, State};

/// Arguments of `proxy`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag proxy --config .bedrock_agentcore.yaml --upstream http://127.0.0.1:8000/mcp
  tokdiag invoke --url http://127.0.0.1:8080/mcp --token \"$TOKEN\"
  tokdiag invoke --config .bedrock_agentcore.yaml --runtime-endpoint http://127.0.0.1:8080

Every request is evaluated with the same code as `tokdiag explain`; refusals get AgentCore's
statuses and bodies. One log line per request on stderr. Ctrl-C stops it.

IAM mode (a resource whose authorizer is AWS_IAM / authorizer_configuration: null, or --sigv4):
every request must be signed with SigV4 (service bedrock-agentcore) by the credentials the proxy
is given, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN in its environment or
--sigv4-credentials FILE; a bearer token gets 403 \"Authorization method mismatch\".
  AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… tokdiag proxy --config iam.yaml --upstream http://127.0.0.1:8000/mcp
  tokdiag invoke --config iam.yaml --runtime-endpoint http://127.0.0.1:8080      # signs with the same keys")]
pub struct ProxyArgs {
    /// The MCP server to forward accepted requests to.
    #[arg(long, value_name = "URL")]
    pub upstream: String,
    /// Address to listen on (loopback unless --allow-remote).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Allow a non-loopback --listen address (this is a development tool, not a gateway).
    #[arg(long)]
    pub allow_remote: bool,
    /// JWKS file (offline; the issuer is then derived from the discovery URL).
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// The authorizer (besides --config).
    #[command(flatten)]
    pub authorizer: crate::commands::explain::AuthorizerArgs,
    /// Seconds to wait for the upstream to start answering (status and headers; 504 after
    /// that). A stream that keeps sending, such as SSE, is not cut.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub upstream_timeout: u64,
    /// Seconds a request head may take (from its first byte, or from the connection's start),
    /// and the longest pause inside a request body; the connection is closed after that.
    #[arg(long, value_name = "SECS", default_value_t = proxy::DEFAULT_HEADER_TIMEOUT.as_secs())]
    pub header_timeout: u64,
    /// Seconds an idle keep-alive connection is kept open.
    #[arg(long, value_name = "SECS", default_value_t = proxy::DEFAULT_IDLE_TIMEOUT.as_secs())]
    pub idle_timeout: u64,
    /// Most client connections open at once; at the cap, a new connection closes the one that
    /// has waited longest without a request in flight. Lowered to fit the open-file limit.
    #[arg(long, value_name = "N", default_value_t = proxy::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// IAM mode whatever the config says: verify SigV4 signatures instead of bearer tokens
    /// [default: when the resource's authorizer is IAM].
    #[arg(long)]
    pub sigv4: bool,
    /// IAM mode: the credentials requests must be signed with, a JSON file
    /// {"AccessKeyId", "SecretAccessKey", "SessionToken" (optional)} as `aws configure
    /// export-credentials --format process` prints it (or `aws sts get-session-token` output);
    /// yours, not readable by group or others (chmod 600) [default: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN from the environment].
    #[arg(long, value_name = "FILE")]
    pub sigv4_credentials: Option<PathBuf>,
    /// The project file and resource.
    #[command(flatten)]
    pub project: crate::cli::ProjectArgs,
    /// AWS profile and Cognito endpoint.
    #[command(flatten)]
    pub aws: crate::cli::AwsArgs,
    /// The URL policy.
    #[command(flatten)]
    pub net: crate::cli::NetArgs,
}

/// Descriptors kept aside from the connection cap (std streams, the listener, the runtime, key
/// fetches).
const RESERVED_FDS: u64 = 32;

/// Elsewhere than Unix: the cap as given.
#[cfg(not(unix))]
fn fit_connection_cap(wanted: usize) -> (usize, Option<String>) {
    (wanted, None)
}

/// Raises the soft open-file limit to the hard one and returns the connection cap that fits in
/// it (each connection may hold a client and an upstream socket), with a note when `wanted`
/// had to be lowered.
#[cfg(unix)]
fn fit_connection_cap(wanted: usize) -> (usize, Option<String>) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let lim = getrlimit(Resource::Nofile);
    let mut soft = lim.current;
    if lim.current != lim.maximum {
        let raised = Rlimit {
            current: lim.maximum,
            maximum: lim.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            soft = lim.maximum;
        }
    }
    let Some(soft) = soft else {
        return (wanted, None); // unlimited
    };
    let fits = (soft.saturating_sub(RESERVED_FDS) / 2).max(1);
    if (wanted as u64) <= fits {
        return (wanted, None);
    }
    let fits = fits as usize;
    (
        fits,
        Some(format!(
            "tokdiag proxy: --max-connections {wanted} lowered to {fits}: the open-file limit is \
             {soft} (ulimit -n) and each connection may need two descriptors"
        )),
    )
}

fn listen_addr(s: &str) -> Result<SocketAddr> {
    let bad = |why: String| {
        Error::usage(
            format!("--listen {s}: {why}"),
            Some("for example --listen 127.0.0.1:8080 (port 0 picks a free port)".to_string()),
        )
    };
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let mut addrs = s.to_socket_addrs().map_err(|e| bad(e.to_string()))?;
    addrs
        .next()
        .ok_or_else(|| bad("resolves to no address".into()))
}

/// Runs `proxy` until Ctrl-C (or SIGTERM).
pub fn run(args: &ProxyArgs, g: &Globals) -> Result<u8> {
    let upstream = url::Url::parse(&args.upstream).map_err(|e| {
        Error::usage(
            format!("--upstream {}: not a URL ({e})", args.upstream),
            Some("for example --upstream http://127.0.0.1:8000/mcp".to_string()),
        )
    })?;
    if !matches!(upstream.scheme(), "http" | "https") {
        return Err(Error::usage(
            format!(
                "--upstream {}: only http and https are supported",
                args.upstream
            ),
            None,
        ));
    }
    let addr = listen_addr(&args.listen)?;
    if !addr.ip().is_loopback() && !args.allow_remote {
        return Err(Error::usage(
            format!("--listen {addr} is not a loopback address"),
            Some(
                "tokdiag proxy is a development tool, not a production gateway; add --allow-remote \
                 if you really want other machines to reach it"
                    .to_string(),
            ),
        ));
    }
    let auth = if args.sigv4 {
        // IAM mode needs no authorizer: the config (when there is one) names the ARN and region.
        crate::authorizer::config::load(&args.authorizer.load_options(g))?.unwrap_or_else(|| {
            crate::authorizer::Authorizer::empty(
                crate::authorizer::SourceKind::Flags,
                crate::authorizer::RuleSet::Agentcore,
            )
        })
    } else {
        args.authorizer.load(g)?
    };
    let iam_mode = args.sigv4
        || (auth.jwt.is_none()
            && auth.authorizer_type == crate::authorizer::AuthorizerType::AwsIam);
    if args.sigv4_credentials.is_some() && !iam_mode {
        return Err(Error::usage(
            format!(
                "--sigv4-credentials is for IAM mode, and {} {} has a JWT authorizer",
                auth.kind.as_str(),
                auth.agent.as_deref().unwrap_or("of the config")
            ),
            Some(
                "add --sigv4 to verify SigV4 signatures anyway, or drop --sigv4-credentials"
                    .to_string(),
            ),
        ));
    }
    let verifier = if iam_mode {
        let region = auth.region.clone().or_else(|| g.region.clone());
        Some(proxy::iam::load(
            args.sigv4_credentials.as_deref(),
            region.as_deref(),
        )?)
    } else {
        None
    };
    if verifier.is_none() && auth.jwt.is_none() {
        return Err(Error::config(
            auth.file.clone().unwrap_or_else(|| "the config".into()),
            if auth.authorizer_type == crate::authorizer::AuthorizerType::None {
                format!(
                    "{} {} has authorizerType NONE: it checks nothing inbound, so there is nothing \
                     for a front door to emulate",
                    auth.kind.as_str(),
                    auth.agent.as_deref().unwrap_or("?")
                )
            } else {
                format!(
                    "{} {} says authorizerType {} but configures no customJWTAuthorizer",
                    auth.kind.as_str(),
                    auth.agent.as_deref().unwrap_or("?"),
                    auth.authorizer_type.as_str()
                )
            },
            Some(if auth.other_jwt_agents.is_empty() {
                "configure a customJWTAuthorizer (discoveryUrl and allowed clients, audiences or \
                 scopes), or add --sigv4 for an IAM front door"
                    .to_string()
            } else {
                format!(
                    "use {} (it has a JWT authorizer)",
                    auth.other_jwt_agents
                        .iter()
                        .map(|a| crate::authorizer::config::select::select_arg(&auth.resources, a))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            }),
        ));
    }
    let fetch = g.fetch_options();
    // One thread: each client connection's task also drives its upstream connection
    // (proxy::Link), so a request wakes that task several times; with a second worker, each of
    // those wake-ups also unparked the idle one (a futex call and an eventfd write per wake-up,
    // for nothing to steal). The current-thread scheduler runs the accept loop and every
    // connection on this thread, without the work-stealing scheduler's bookkeeping. Costs: a
    // token the memo does not know is evaluated on that one thread too (bench/proxy.sh, issue 17).
    let rt = crate::net::runtime()?;
    rt.block_on(async move {
        let (keys, ring) = match (&verifier, &args.jwks) {
            (Some(_), _) => (SigningKeys::NotChecked { issuer: None }, None),
            (None, Some(p)) => (
                explain::obtain_keys(&auth, None, Some(p), false, &fetch)?,
                None,
            ),
            (None, None) => explain::obtain_ring_async(&auth, &fetch).await?,
        };
        let (n_keys, origin) = match &keys {
            SigningKeys::Jwks { jwks, origin, .. } => (jwks.keys.len(), origin.clone()),
            SigningKeys::Unavailable { reason } => {
                return Err(Error::network(
                    format!("cannot get the issuer's keys: {reason}"),
                    Some("check the discovery URL, or run offline with --jwks FILE".to_string()),
                ));
            }
            SigningKeys::NotChecked { .. } => (0, "not checked".into()),
        };
        if args.max_connections == 0 {
            return Err(Error::usage(
                "--max-connections 0: the proxy could accept no connection",
                Some(format!(
                    "give at least 1 (the default is {})",
                    proxy::DEFAULT_MAX_CONNECTIONS
                )),
            ));
        }
        let (max_connections, lowered) = fit_connection_cap(args.max_connections);
        if let Some(l) = lowered {
            output::note(g.palette, &l);
        }
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::usage(
                format!("cannot listen on {addr}: {e}"),
                Some("pick another port with --listen 127.0.0.1:PORT".to_string()),
            )
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::usage(format!("cannot listen on {addr}: {e}"), None))?;
        let settings = Settings {
            upstream: args.upstream.clone(),
            refetch: args.jwks.is_none().then(|| fetch.clone()),
            now: g.now,
            resource_metadata: format!("http://{local}/.well-known/oauth-protected-resource"),
            upstream_timeout: Duration::from_secs(args.upstream_timeout.max(1)),
            header_timeout: Duration::from_secs(args.header_timeout.max(1)),
            idle_timeout: Duration::from_secs(args.idle_timeout.max(1)),
            max_connections,
            auth: auth.clone(),
            iam: verifier.clone(),
        };
        let state = Arc::new(State::new(settings, keys)?.with_ring(ring));
        let stop = shutdown_signal();
        let headers_note = match (auth.kind, &auth.request_header_allowlist) {
            (crate::authorizer::ResourceKind::Gateway, _) => " · gateway: refused JWTs get 403".to_string(),
            (_, Some(l)) if !l.is_empty() => format!(
                " · requestHeaderAllowlist: {}",
                l.iter().map(|h| output::esc(h).into_owned()).collect::<Vec<_>>().join(", ")
            ),
            _ => " · no requestHeaderAllowlist: Authorization and custom headers stay at the front door".to_string(),
        };
        let auth_note = match &verifier {
            Some(v) => format!(
                "IAM mode: SigV4 ({}, {}) verified against access key {}{} from {}",
                crate::mcp::sigv4::SERVICE,
                v.region.as_deref().map(|r| format!("region {}", output::esc(r))).unwrap_or_else(|| "any region: the config names none, --region pins one".into()),
                output::esc(v.key_id()),
                if v.has_session_token() { " with a session token" } else { "" },
                output::esc(&v.source),
            ),
            None => format!("{n_keys} keys from {origin}"),
        };
        output::note(g.palette, &format!(
            "tokdiag proxy: listening on http://{local} → {} · agent {} ({}) · {auth_note} \
             · at most {max_connections} connections, heads within {} s, idle {} s, bodies up to {} MiB, \
             upstream answer within {} s{headers_note} · a development tool, not a production gateway; Ctrl-C stops it",
            args.upstream,
            auth.agent.as_deref().unwrap_or("-"),
            auth.file.as_deref().unwrap_or("flags"),
            state.settings().header_timeout.as_secs(),
            state.settings().idle_timeout.as_secs(),
            proxy::MAX_REQUEST_BODY >> 20,
            state.settings().upstream_timeout.as_secs(),
        ));
        proxy::serve(listener, state, stop, Duration::from_secs(5)).await;
        output::note(g.palette, "tokdiag proxy: stopped");
        Ok(0)
    })
}

/// A future that resolves on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled: the banner goes out after this, and a Ctrl-C
/// right after the banner must stop the proxy cleanly rather than kill it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            match (int, term) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
