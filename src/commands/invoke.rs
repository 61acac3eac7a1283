//! `tokdiag invoke`: call an MCP server over streamable HTTP the way AgentCore expects it — a
//! runtime (URL from the agent ARN) or a gateway (its `/mcp` URL), with a bearer token or SigV4
//! as the resource's authorizer says, the Accept header and a runtime session id — and turn every
//! failure into a named diagnosis with its fix. A refused token is evaluated with `explain`
//! against the config, so the user sees *why* the authorizer said no.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::{Value, json};

use crate::authorizer::Authorizer;
use crate::authorizer::config;
use crate::authorizer::explain::{self, Report};
use crate::cli::Globals;
use crate::commands::{TokenArgs, given_token};
use crate::error::{Error, Result};
use crate::mcp::{self, Auth, CallError, Client, ClientOptions, Failure, Kind, sigv4};
use crate::output;
use crate::token::{Jwt, Use};

/// Arguments of `invoke`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag invoke --config .bedrock_agentcore.yaml                  # tools/list on the agent's runtime
  tokdiag invoke --tool validate_content --args '{\"content\": \"hello\"}'
  tokdiag invoke --url http://127.0.0.1:8000/mcp --method resources/list
  tokdiag invoke --arn arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x --token @token.jwt --dry-run
  tokdiag invoke --arn arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x --sigv4 --profile dev
  tokdiag invoke --gateway-url https://gw-abc.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp --tool search
  tokdiag invoke --config agentcore --gateway tools --tool search   # the deployed gateway's URL

The target is --url, --gateway-url, --arn, else the config's gateway (--gateway NAME, its deployed
gatewayUrl) or runtime (agent_arn). The
authentication follows the resource's authorizer: a bearer token for a JWT authorizer (--token,
else the one cached by `tokdiag login`), SigV4 for an IAM one (AWS credentials from the standard
chain: environment, --profile, SSO, instance metadata), or --sigv4 to sign whatever the config
says. Failures exit 1 with a diagnosis; no AWS credentials exits 2; an unreachable host or a
timeout exits 3.")]
pub struct InvokeArgs {
    /// Where the call goes.
    #[command(flatten)]
    pub target: TargetArgs,
    /// The bearer token: a JWT, `Bearer <jwt>`, `-` (stdin), `@PATH`, or login JSON
    /// [default: the token cached by `tokdiag login`].
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Which token of a JSON bundle to send [default: the one the authorizer needs].
    #[arg(long = "use", value_enum, value_name = "access|id")]
    pub use_token: Option<Use>,
    /// Runtime session id to reuse (X-Amzn-Bedrock-AgentCore-Runtime-Session-Id, 33+ characters)
    /// [default: a new one].
    #[arg(long, value_name = "ID")]
    pub session_id: Option<String>,
    /// Call this tool (tools/call) instead of listing tools. On a gateway, the bare tool name
    /// finds its `<target>___<tool>` when only one target has it.
    #[arg(long, value_name = "NAME", conflicts_with = "method")]
    pub tool: Option<String>,
    /// The tool's arguments: a JSON object, or @PATH.
    #[arg(long, value_name = "JSON", requires = "tool")]
    pub args: Option<String>,
    /// Send any JSON-RPC method (e.g. resources/list, prompts/list, ping).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// The method's params: a JSON value, or @PATH.
    #[arg(long, value_name = "JSON", requires = "method")]
    pub params: Option<String>,
    /// Print the exact requests (signature, token and session token redacted) and equivalent
    /// curl commands; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// JWKS file for evaluating a refused token offline (else the discovery URL's keys).
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// Accept header to send instead of MCP's `application/json, text/event-stream` (to
    /// reproduce 406s); '' sends no Accept header at all.
    #[arg(long, value_name = "VALUE")]
    pub accept: Option<String>,
    /// MCP protocol version to ask for in initialize (2024-11-05, 2025-03-26, 2025-06-18,
    /// 2025-11-25) [default: 2025-06-18]; later requests send the negotiated one. Any other
    /// value is sent as-is in initialize and in MCP-Protocol-Version (to reproduce 400s).
    #[arg(long, value_name = "VERSION")]
    pub protocol_version: Option<String>,
    /// The project file and resource.
    #[command(flatten)]
    pub project: crate::cli::ProjectArgs,
    /// AWS profile and Cognito endpoint.
    #[command(flatten)]
    pub aws: crate::cli::AwsArgs,
    /// The AgentCore data-plane endpoint.
    #[command(flatten)]
    pub runtime: crate::cli::RuntimeEndpointArgs,
    /// The URL policy.
    #[command(flatten)]
    pub net: crate::cli::NetArgs,
}

/// The target flags shared by `invoke` and `doctor`.
#[derive(Debug, Clone, Args)]
// The field docs are the --help text, written for a terminal (`<region>`).
#[allow(rustdoc::invalid_html_tags)]
pub struct TargetArgs {
    /// Any MCP endpoint, e.g. http://127.0.0.1:8000/mcp (instead of an AgentCore runtime).
    #[arg(long, value_name = "URL", conflicts_with_all = ["arn", "gateway_url"])]
    pub url: Option<String>,
    /// Agent runtime ARN [default: the config's bedrock_agentcore.agent_arn].
    #[arg(long, value_name = "ARN", conflicts_with = "gateway_url")]
    pub arn: Option<String>,
    /// An AgentCore gateway's MCP URL
    /// (https://<gatewayId>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp), or @PATH of
    /// `aws bedrock-agentcore-control get-gateway` JSON (gatewayUrl and authorizerType).
    #[arg(long, value_name = "URL|@JSON")]
    pub gateway_url: Option<String>,
    /// Runtime endpoint qualifier.
    #[arg(long, value_name = "NAME", default_value = "DEFAULT")]
    pub qualifier: String,
    /// Sign with SigV4 (AWS credentials from the standard chain, --profile) instead of a bearer
    /// token [default: when the resource's authorizer is IAM].
    #[arg(long)]
    pub sigv4: bool,
}

/// A resource's inbound authorizer, as far as the config (or a get-gateway JSON) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerType {
    /// `AWS_IAM` (also `authorizer_configuration: null`): SigV4.
    Iam,
    /// `CUSTOM_JWT`: bearer tokens.
    Jwt,
    /// `NONE` (gateways): no authentication.
    NoAuth,
}

impl TargetArgs {
    /// Resolves the target (see [`resolve_target`]).
    pub fn resolve(&self, auth: Option<&Authorizer>, g: &Globals) -> Result<Option<Target>> {
        resolve_target(self, auth, g)
    }
}

/// Where a call goes, and what the config says about its authorizer.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL.
    pub url: String,
    /// Runtime, gateway, or any URL.
    pub kind: Kind,
    /// The resource's region (ARN, gateway host, get-gateway JSON), when known.
    pub region: Option<String>,
    /// The resource's authorizer, when the config (or get-gateway JSON) says.
    pub authorizer: Option<AuthorizerType>,
    /// Where the authorizer type was read, for messages ("iam-null.yaml", "get-gateway.json").
    pub authorizer_source: Option<String>,
}

impl Target {
    /// Whether the request should be signed with SigV4 (`--sigv4`, or an IAM resource).
    pub fn wants_sigv4(&self, flag: bool) -> bool {
        flag || self.authorizer == Some(AuthorizerType::Iam)
    }
}

/// The authorizer of the config's resource, as the config model reads it (`authorizerType`,
/// `authorizer_configuration: null` = IAM, a JWT authorizer = CUSTOM_JWT).
fn config_authorizer(auth: &Authorizer) -> AuthorizerType {
    match auth.authorizer_type {
        crate::authorizer::AuthorizerType::AwsIam if auth.jwt.is_some() => AuthorizerType::Jwt,
        crate::authorizer::AuthorizerType::AwsIam => AuthorizerType::Iam,
        crate::authorizer::AuthorizerType::CustomJwt => AuthorizerType::Jwt,
        crate::authorizer::AuthorizerType::None => AuthorizerType::NoAuth,
    }
}

/// The MCP URL of a config's gateway: its deployed `gatewayUrl`, else one built from its id and
/// region.
fn config_gateway_url(auth: &Authorizer) -> Option<String> {
    if auth.kind != crate::authorizer::ResourceKind::Gateway {
        return None;
    }
    let d = &auth.deployment;
    d.gateway_url.clone().or_else(|| {
        let region = d
            .gateway_arn
            .as_deref()
            .and_then(|a| a.split(':').nth(3))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .or_else(|| auth.region.clone())?;
        Some(mcp::gateway_url(d.gateway_id.as_deref()?, &region))
    })
}

/// The region of the config's resource: its ARN's, else `aws.region`.
fn config_region(auth: &Authorizer) -> Option<String> {
    auth.agent_arn
        .as_deref()
        .and_then(|a| mcp::region_from_arn(a).ok())
        .or_else(|| auth.region.clone())
}

/// A get-gateway JSON: (gatewayUrl, authorizerType, region from gatewayArn).
fn read_gateway_json(path: &str) -> Result<(String, Option<AuthorizerType>, Option<String>)> {
    let text = crate::fsx::read_to_string(std::path::Path::new(path))?;
    let bad = |what: &str| {
        Error::config(
            path,
            what.to_string(),
            Some(
                "give the output of `aws bedrock-agentcore-control get-gateway --gateway-identifier ID`, \
                 or the URL itself: --gateway-url https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp"
                    .to_string(),
            ),
        )
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(&format!("not JSON ({e})")))?;
    let url = v
        .get("gatewayUrl")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no gatewayUrl in it"))?
        .to_string();
    let authorizer = match v.get("authorizerType").and_then(Value::as_str) {
        Some("AWS_IAM") => Some(AuthorizerType::Iam),
        Some("CUSTOM_JWT") => Some(AuthorizerType::Jwt),
        Some("NONE") => Some(AuthorizerType::NoAuth),
        _ => None,
    };
    let region = v
        .get("gatewayArn")
        .and_then(Value::as_str)
        .and_then(|a| a.split(':').nth(3))
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Ok((url, authorizer, region))
}

fn check_http_url(flag: &str, u: &str) -> Result<()> {
    let parsed = url::Url::parse(u).map_err(|e| {
        Error::usage(
            format!("{flag} {u}: not a URL ({e})"),
            Some("for example http://127.0.0.1:8000/mcp".to_string()),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::usage(
            format!("{flag} {u}: only http and https are supported"),
            None,
        ));
    }
    Ok(())
}

/// Resolves the target: `--url`, else `--gateway-url`, else `--arn`, else the config's agent
/// ARN. `Ok(None)` when there is none of them.
pub fn resolve_target(
    t: &TargetArgs,
    auth: Option<&Authorizer>,
    g: &Globals,
) -> Result<Option<Target>> {
    if let Some(u) = &t.url {
        check_http_url("--url", u)?;
        // With a config, --url stands in for its resource (a local `tokdiag proxy`, say): the
        // config's authorizer and region still apply.
        return Ok(Some(Target {
            url: u.to_string(),
            kind: if mcp::is_gateway_host(u) {
                Kind::Gateway
            } else {
                Kind::Url
            },
            region: mcp::region_from_url(u).or_else(|| auth.and_then(config_region)),
            authorizer: auth.map(config_authorizer),
            authorizer_source: auth.and_then(|a| a.file.clone()),
        }));
    }
    if let Some(gw) = &t.gateway_url {
        let (url, authorizer, region, source) = match gw.strip_prefix('@') {
            Some(p) if !p.is_empty() => {
                let (u, a, r) = read_gateway_json(p)?;
                (u, a, r, Some(p.to_string()))
            }
            _ => (gw.clone(), None, None, None),
        };
        check_http_url("--gateway-url", &url)?;
        return Ok(Some(Target {
            region: region.or_else(|| mcp::region_from_url(&url)),
            url,
            kind: Kind::Gateway,
            authorizer,
            authorizer_source: source,
        }));
    }
    if t.arn.is_none()
        && let Some(a) = auth
        && a.kind == crate::authorizer::ResourceKind::Gateway
    {
        let Some(url) = config_gateway_url(a) else {
            return Err(Error::usage(
                format!(
                    "gateway {} ({}) has no URL: it is not deployed yet, or its deployed state is \
                     not beside the config",
                    a.agent.as_deref().unwrap_or("?"),
                    a.file.as_deref().unwrap_or("the config")
                ),
                Some(
                    "deploy it, or pass --gateway-url URL (`aws bedrock-agentcore-control \
                     get-gateway` prints gatewayUrl)"
                        .to_string(),
                ),
            ));
        };
        check_http_url("the gateway URL", &url)?;
        return Ok(Some(Target {
            region: mcp::region_from_url(&url).or_else(|| config_region(a)),
            url,
            kind: Kind::Gateway,
            authorizer: Some(config_authorizer(a)),
            authorizer_source: a.file.clone(),
        }));
    }
    let arn = t
        .arn
        .clone()
        .or_else(|| auth.and_then(|a| a.agent_arn.clone()));
    match arn {
        Some(a) => Ok(Some(Target {
            url: mcp::runtime_url(&a, g.runtime_endpoint.as_deref(), &t.qualifier)?,
            kind: Kind::Runtime,
            region: mcp::region_from_arn(&a).ok(),
            // The config speaks for its runtime (also when --arn names it).
            authorizer: auth.map(config_authorizer),
            authorizer_source: auth.and_then(|a| a.file.clone()),
        })),
        None => Ok(None),
    }
}

/// Loads the config when there is one (the implicit `./.bedrock_agentcore.yaml` included).
pub fn load_config(g: &Globals) -> Result<Option<Authorizer>> {
    if g.config.is_none() {
        return Ok(None);
    }
    config::load(&g.load_options())
}

/// Reads a JSON argument given inline or as `@PATH`.
fn json_arg(flag: &str, text: &str) -> Result<Value> {
    let text = match text.strip_prefix('@') {
        Some(p) if !p.is_empty() => crate::fsx::read_to_string(std::path::Path::new(p))?,
        _ => text.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| {
        Error::usage(
            format!("{flag}: not valid JSON ({e})"),
            Some(format!(
                "quote it for the shell, e.g. {flag} '{{\"content\": \"hello\"}}', or use {flag} @file.json"
            )),
        )
    })
}

/// What to do after `initialize`.
#[derive(Debug, Clone)]
pub enum Operation {
    /// `tools/list`.
    ListTools,
    /// `tools/call` of a tool with arguments.
    CallTool(String, Value),
    /// Any method with params.
    Method(String, Option<Value>),
}

impl Operation {
    /// The JSON-RPC method and params.
    pub fn request(&self) -> (String, Option<Value>) {
        match self {
            Operation::ListTools => ("tools/list".into(), None),
            Operation::CallTool(n, a) => (
                "tools/call".into(),
                Some(json!({"name": n, "arguments": a})),
            ),
            Operation::Method(m, p) => (m.clone(), p.clone()),
        }
    }
}

/// Gateway tool names are `<target>___<tool>`: the full names that end in `___<name>`.
pub fn gateway_matches<'a>(tools: &'a Value, name: &str) -> Vec<&'a str> {
    let suffix = format!("___{name}");
    tools
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .filter(|n| n.ends_with(&suffix) && n.len() > suffix.len())
        .collect()
}

/// A gateway's `--tool NAME` without a target prefix: `tools/list`, then the one
/// `<target>___NAME` (said on stderr), or a failure naming the candidates.
async fn resolve_gateway_tool(
    client: &mut Client,
    name: &str,
    quiet: bool,
    p: output::Palette,
) -> Result<String, CallError> {
    let list = client.call("tools/list", None).await?;
    let listed = |n: &str| {
        list.get("tools")
            .and_then(Value::as_array)
            .is_some_and(|a| {
                a.iter()
                    .any(|t| t.get("name").and_then(Value::as_str) == Some(n))
            })
    };
    if listed(name) {
        return Ok(name.to_string());
    }
    let matches = gateway_matches(&list, name);
    match matches.as_slice() {
        [one] => {
            let target = one.strip_suffix(&format!("___{name}")).unwrap_or(one);
            if !quiet {
                output::note(
                    p,
                    &format!(
                        "tool {name}: calling {one} (gateway target {target}, the only one with that tool)"
                    ),
                );
            }
            Ok((*one).to_string())
        }
        [] => Err(CallError::Failed(Box::new(Failure::before_sending(
            "unknown-tool",
            format!("the gateway has no tool {name} (its tool names are <target>___<tool>)"),
            vec!["list them with `tokdiag invoke --gateway-url …` (tools/list)".to_string()],
        )))),
        many => Err(CallError::Failed(Box::new(Failure::before_sending(
            "ambiguous-tool",
            format!(
                "{} gateway targets have a tool {name}: {}",
                many.len(),
                many.join(", ")
            ),
            vec![format!("name the one to call: --tool {}", many[0])],
        )))),
    }
}

/// Runs `initialize` → `notifications/initialized` → `op`; returns (initialize result, op result).
pub async fn session(client: &mut Client, op: &Operation) -> Result<(Value, Value), CallError> {
    session_with(client, op, true, output::Palette::PLAIN)
        .await
        .map(|(init, result, _)| (init, result))
}

/// [`session`], saying on stderr (unless `quiet`; colored by `p`) which gateway target a bare
/// tool name chose; also returns the operation as sent (the tool's full gateway name).
pub async fn session_with(
    client: &mut Client,
    op: &Operation,
    quiet: bool,
    p: output::Palette,
) -> Result<(Value, Value, Operation), CallError> {
    let init = client.initialize().await?;
    let op = match op {
        Operation::CallTool(name, args)
            if client.options().kind == Kind::Gateway && !name.contains("___") =>
        {
            Operation::CallTool(
                resolve_gateway_tool(client, name, quiet, p).await?,
                args.clone(),
            )
        }
        other => other.clone(),
    };
    let (method, params) = op.request();
    let result = client.call(&method, params.as_ref()).await?;
    Ok((init, result, op))
}

/// The runtime session id to send: `--session-id`, else a new one. Warns about short ones.
fn session_id(given: Option<&str>, g: &Globals) -> String {
    match given {
        Some(s) => {
            if s.chars().count() < mcp::MIN_RUNTIME_SESSION_ID && !g.quiet {
                output::note(
                    g.palette,
                    &format!(
                        "warning: --session-id has {} characters; AgentCore requires at least {}",
                        s.chars().count(),
                        mcp::MIN_RUNTIME_SESSION_ID
                    ),
                );
            }
            s.to_string()
        }
        None => mcp::new_session_id(),
    }
}

/// `--protocol-version`: (version asked in initialize, header override). A version tokdiag
/// knows is only asked for (later requests send the negotiated one); any other is also sent as
/// the header, so a server's answer to it can be reproduced.
pub fn protocol_choice(v: Option<&str>, g: &Globals) -> Result<(String, Option<String>)> {
    let Some(v) = v else {
        return Ok((mcp::PROTOCOL_VERSION.to_string(), None));
    };
    if v.is_empty() || v.len() > 64 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::usage(
            format!(
                "--protocol-version {}: not a version (printable ASCII, no spaces, at most 64 characters)",
                output::short(v, 70)
            ),
            Some(format!(
                "one of {}",
                mcp::KNOWN_PROTOCOL_VERSIONS.join(", ")
            )),
        ));
    }
    if mcp::KNOWN_PROTOCOL_VERSIONS.contains(&v) {
        return Ok((v.to_string(), None));
    }
    if !g.quiet {
        output::note(
            g.palette,
            &format!(
                "note: --protocol-version {v} is not an MCP version tokdiag knows ({}): sending it as-is \
             in initialize and in MCP-Protocol-Version",
                mcp::KNOWN_PROTOCOL_VERSIONS.join(", ")
            ),
        );
    }
    Ok((v.to_string(), Some(v.to_string())))
}

/// The `auth-method-mismatch` diagnosis from the config, before anything is sent: a bearer token
/// for an IAM resource, or SigV4 for a JWT one.
pub fn auth_mismatch_before_sending(
    target: &Target,
    sigv4_flag: bool,
    token_given: bool,
) -> Option<Failure> {
    let noun = target.kind.noun();
    let from = target
        .authorizer_source
        .as_deref()
        .map(|f| format!(" ({f})"))
        .unwrap_or_default();
    match target.authorizer {
        Some(AuthorizerType::Jwt) if sigv4_flag => Some(Failure::before_sending(
            "auth-method-mismatch",
            format!(
                "the config says the {noun}'s authorizer is CUSTOM_JWT{from}: a SigV4-signed request \
                 gets 403 \"Authorization method mismatch\" — nothing was sent"
            ),
            vec![
                "drop --sigv4: send the access token (--token, or `tokdiag login` first)"
                    .to_string(),
                format!(
                    "or give the {noun} an IAM authorizer (authorizerType AWS_IAM) and redeploy"
                ),
            ],
        )),
        Some(AuthorizerType::Iam) if token_given && !sigv4_flag => Some(Failure::before_sending(
            "auth-method-mismatch",
            format!(
                "the config says the {noun}'s authorizer is AWS_IAM{from}: a bearer token gets 403 \
                 \"Authorization method mismatch\" — nothing was sent"
            ),
            vec![
                "drop --token: tokdiag signs with SigV4 from your AWS credentials (environment, \
                 --profile, SSO, instance metadata)"
                    .to_string(),
                format!(
                    "or configure a customJWTAuthorizer for the {noun} (authorizerType CUSTOM_JWT) \
                     and redeploy"
                ),
            ],
        )),
        _ => None,
    }
}

/// The region SigV4 signs for: the resource's, else `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`.
pub fn signing_region(target: &Target, g: &Globals) -> Result<String> {
    target
        .region
        .clone()
        .or_else(|| g.region.clone())
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
        .or_else(|| {
            std::env::var("AWS_DEFAULT_REGION")
                .ok()
                .filter(|r| !r.is_empty())
        })
        .ok_or_else(|| {
            Error::usage(
                format!(
                    "SigV4 needs the resource's region, and {} does not name one",
                    target.url
                ),
                Some("pass --region REGION (or set AWS_REGION)".to_string()),
            )
        })
}

/// Credentials for SigV4 from the standard chain, on `rt`.
pub fn sigv4_auth(rt: &tokio::runtime::Runtime, target: &Target, g: &Globals) -> Result<Auth> {
    let region = signing_region(target, g)?;
    let creds = rt.block_on(sigv4::load_credentials(g.profile.as_deref(), &region))?;
    Ok(Auth::SigV4 { creds, region })
}

pub use crate::net::runtime;

/// Runs `invoke`.
pub fn run(args: &InvokeArgs, g: &Globals) -> Result<u8> {
    let auth = load_config(g)?;
    g.send_config_note();
    let target = args.target.resolve(auth.as_ref(), g)?.ok_or_else(|| {
        Error::usage(
            "no target: nothing to invoke",
            Some(
                "pass --url http://127.0.0.1:8000/mcp, --arn <agent runtime ARN>, --gateway-url URL, \
                 or --config with a deployed agent (bedrock_agentcore.agent_arn)"
                    .to_string(),
            ),
        )
    })?;
    let op = if let Some(t) = &args.tool {
        let a = match &args.args {
            Some(s) => json_arg("--args", s)?,
            None => json!({}),
        };
        if !a.is_object() {
            return Err(Error::usage(
                "--args must be a JSON object (the tool's named arguments)",
                Some("e.g. --args '{\"content\": \"hello\"}'".to_string()),
            ));
        }
        Operation::CallTool(t.clone(), a)
    } else if let Some(m) = &args.method {
        let p = args
            .params
            .as_deref()
            .map(|s| json_arg("--params", s))
            .transpose()?;
        Operation::Method(m.clone(), p)
    } else {
        Operation::ListTools
    };
    let (protocol_version, protocol_header_override) =
        protocol_choice(args.protocol_version.as_deref(), g)?;
    if let Some(f) = auth_mismatch_before_sending(&target, args.target.sigv4, args.token.is_some())
    {
        return show_failure(&f, None, auth.is_some(), g);
    }
    let rt = runtime()?;
    let client_auth = if target.wants_sigv4(args.target.sigv4) {
        sigv4_auth(&rt, &target, g)?
    } else if target.authorizer == Some(AuthorizerType::NoAuth) && args.token.is_none() {
        Auth::None
    } else {
        let prefer = auth
            .as_ref()
            .map(crate::commands::explain::preferred_use)
            .unwrap_or(Use::Access);
        match obtain_token(
            args.token.as_deref(),
            args.use_token,
            prefer,
            g,
            target.kind != Kind::Url,
        )? {
            Some(t) => Auth::Bearer(t),
            None => Auth::None,
        }
    };
    if let Auth::SigV4 { creds, region } = &client_auth
        && !g.quiet
    {
        output::note(
            g.palette,
            &format!(
                "signing with SigV4 ({}, {region}): credentials from {}",
                sigv4::SERVICE,
                creds.source
            ),
        );
    }
    let token = client_auth.token().map(str::to_string);
    let opts = ClientOptions {
        url: target.url.clone(),
        kind: target.kind,
        auth: client_auth,
        runtime_session_id: session_id(args.session_id.as_deref(), g),
        accept: args
            .accept
            .clone()
            .unwrap_or_else(|| mcp::ACCEPT.to_string()),
        protocol_version,
        protocol_header_override,
        timeout: Duration::from_secs(args.timeout.max(1)),
        notes: g.notes.clone(),
    };
    let mut client = Client::new(opts)?;
    if args.dry_run {
        dry_run(&client, &op, g)?;
        return Ok(0);
    }
    let outcome = rt.block_on(session_with(&mut client, &op, g.quiet, g.palette));
    drop(rt);
    match outcome {
        Ok((init, result, sent_op)) => {
            let op = sent_op;
            if !g.quiet {
                let server = init
                    .get("serverInfo")
                    .map(|s| {
                        format!(
                            "{} {}",
                            s.get("name").and_then(Value::as_str).unwrap_or("?"),
                            s.get("version").and_then(Value::as_str).unwrap_or("")
                        )
                    })
                    .unwrap_or_else(|| "?".into());
                let asked = &client.options().protocol_version;
                let negotiated = init
                    .get("protocolVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                output::note(
                    g.palette,
                    &format!(
                        "{} {} · server {} · protocol {negotiated}{} · runtime session {}{}",
                        g.palette.dimmed("invoked"),
                        target.url,
                        server.trim(),
                        if negotiated == asked {
                            String::new()
                        } else {
                            format!(" (asked {asked})")
                        },
                        client.options().runtime_session_id,
                        client
                            .mcp_session()
                            .map(|s| format!(" · mcp session {s}"))
                            .unwrap_or_default()
                    ),
                );
            }
            let tool_error = matches!(op, Operation::CallTool(..))
                && result.get("isError").and_then(Value::as_bool) == Some(true);
            if g.json {
                let mut result = result;
                super::add_config_note(&mut result, g);
                output::emit_json(&result)?;
            } else {
                output::emit(
                    g.palette,
                    &output::invoke::human_result(&op, &result, g.palette),
                )?;
            }
            Ok(if tool_error { 1 } else { 0 })
        }
        Err(CallError::Network(e)) => Err(e),
        Err(CallError::Failed(f)) => {
            let report = if f.explain_token {
                token
                    .as_deref()
                    .and_then(|t| evaluate(auth.as_ref(), t, args.jwks.as_deref(), g))
            } else {
                None
            };
            show_failure(&f, report.as_ref(), auth.is_some(), g)
        }
    }
}

/// Prints a failure (JSON or human); its exit code, 1.
fn show_failure(
    f: &Failure,
    report: Option<&Report>,
    have_config: bool,
    g: &Globals,
) -> Result<u8> {
    if g.json {
        let mut doc = failure_json(f, report);
        super::add_config_note(&mut doc, g);
        output::emit_json(&doc)?;
    } else {
        output::emit(
            g.palette,
            &output::invoke::human_failure(f, report, have_config, g.palette),
        )?;
    }
    Ok(1)
}

/// The token to send: `--token` (any accepted form), stdin, or the login cache. `None` when there
/// is none at all (the request then goes without Authorization, which the runtime refuses with a
/// 401 that is diagnosed).
pub fn obtain_token(
    spec: Option<&str>,
    use_token: Option<Use>,
    prefer: Use,
    g: &Globals,
    say_missing: bool,
) -> Result<Option<String>> {
    let targs = TokenArgs {
        token: None,
        token_flag: spec.map(str::to_string),
        use_token,
    };
    match given_token(&targs, g, prefer) {
        Ok(t) => Ok(Some(t.text)),
        Err(Error::Usage { .. }) if spec.is_none() => {
            if say_missing && !g.quiet {
                output::note(
                    g.palette,
                    "note: no token (none given with --token, none cached by `tokdiag login`): \
                     sending without Authorization",
                );
            }
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Evaluates a refused token with `explain` against the config (when there is a JWT authorizer).
pub fn evaluate(
    auth: Option<&Authorizer>,
    token: &str,
    jwks: Option<&std::path::Path>,
    g: &Globals,
) -> Option<Report> {
    let auth = auth?;
    let jwt = Jwt::parse(token).ok();
    let keys = explain::obtain_keys(auth, jwt.as_ref(), jwks, false, &g.fetch_options()).ok()?;
    Some(explain::explain(auth, token, &keys, g.now()))
}

fn failure_json(f: &Failure, report: Option<&Report>) -> Value {
    let mut err = json!({
        "message": f.message,
        "hint": f.fixes.first(),
    });
    if let Value::Object(m) = &mut err
        && let Ok(Value::Object(extra)) = serde_json::to_value(f)
    {
        for (k, v) in extra {
            if k != "message" {
                m.insert(k, v);
            }
        }
    }
    let mut doc = json!({ "error": err });
    if let Some(r) = report {
        doc["explain"] = serde_json::to_value(r).unwrap_or(Value::Null);
    }
    doc
}

/// Prints the requests `invoke` would send, with curl equivalents: the bearer token shows as
/// `$TOKEN`, a SigV4 signature and session token as `<redacted>`.
fn dry_run(client: &Client, op: &Operation, g: &Globals) -> Result<()> {
    let opts = client.options();
    let init =
        client.signed(&client.request("initialize", Some(&client.initialize_params()), Some(1)))?;
    let mut later = Client::new(opts.clone())?;
    later.set_after_initialize(
        Some(mcp::SESSION_PLACEHOLDER.into()),
        opts.protocol_version.clone(),
    );
    let notif = later.signed(&later.request("notifications/initialized", None, None))?;
    let (method, params) = op.request();
    let main = later.signed(&later.request(&method, params.as_ref(), Some(2)))?;
    let (auth, region, creds) = match &opts.auth {
        Auth::None => ("none", None, None),
        Auth::Bearer(_) => ("bearer", None, None),
        Auth::SigV4 { creds, region } => {
            ("sigv4", Some(region.as_str()), Some(creds.source.as_str()))
        }
    };
    let plan = output::invoke::DryRun {
        kind: opts.kind,
        steps: [
            ("initialize", &init),
            ("notifications/initialized", &notif),
            (method.as_str(), &main),
        ],
        bare_gateway_tool: match op {
            Operation::CallTool(n, _) if opts.kind == Kind::Gateway && !n.contains("___") => {
                Some(n.as_str())
            }
            _ => None,
        },
        auth,
        region,
        creds,
    };
    if g.json {
        let mut doc = output::invoke::dry_run_json(&plan);
        super::add_config_note(&mut doc, g);
        output::emit_json(&doc)?;
    } else {
        output::emit(g.palette, &output::invoke::dry_run_human(&plan))?;
    }
    Ok(())
}
