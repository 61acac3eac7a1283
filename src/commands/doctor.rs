//! `tokdiag doctor`: the whole story as one checklist — config parsed (and the keys it ignores),
//! discovery + JWKS reachable, a token obtained (`--token`, the login cache, or `tokdiag login`),
//! the `explain` verdict, and `initialize` + `tools/list` against the runtime, the gateway (or
//! `--url`). For an IAM resource (or `--sigv4`) the token and explain steps give way to
//! "credentials found (which source)" and the call is signed with SigV4. One line per step; the
//! fix for the first failure; the exit code of the worst step (0 < 1 < 3 < 2).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::authorizer::explain::{self, Report};
use crate::authorizer::{Authorizer, SigningKeys};
use crate::cli::Globals;
use crate::commands::invoke::{self, Operation};
use crate::error::Error;
use crate::error::Result;
use crate::mcp::{self, Auth, CallError, Client, ClientOptions};
use crate::output;
use crate::report::{Status, Verdict};
use crate::token::{Jwt, Use};

/// Arguments of `doctor`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag doctor                                   # ./.bedrock_agentcore.yaml, cached login, the deployed runtime
  tokdiag doctor --username alice                  # sign in (TOKDIAG_PASSWORD or a prompt) when nothing is cached
  tokdiag doctor --url http://127.0.0.1:8080/mcp   # invoke a local `tokdiag proxy` instead of the runtime
  tokdiag doctor --config iam-agent.yaml --profile dev   # IAM runtime: credentials found, SigV4 call

Exit code: the worst step, ranked 0 (ok) < 1 (refused) < 3 (could not decide) < 2 (usage/config).")]
pub struct DoctorArgs {
    /// The token (a JWT, @PATH, -, or login JSON) [default: the login cache, else `tokdiag login`].
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Which token of a JSON bundle to use [default: the one the authorizer needs].
    #[arg(long = "use", value_enum, value_name = "access|id")]
    pub use_token: Option<Use>,
    /// User to sign in as when no token is cached (else TOKDIAG_USERNAME).
    #[arg(long, value_name = "NAME", env = "TOKDIAG_USERNAME")]
    pub username: Option<String>,
    /// Where `initialize` + `tools/list` go.
    #[command(flatten)]
    pub target: crate::commands::invoke::TargetArgs,
    /// JWKS file (offline keys; the issuer is derived from the discovery URL).
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// Seconds to wait for each MCP answer.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
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

/// One step of the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `config`, `keys`, `token`, `explain`, `invoke`.
    pub name: &'static str,
    /// pass / fail / skip / warn.
    pub status: Status,
    /// One line: what was found.
    pub message: String,
    /// What to do, most direct first (failures and warnings).
    pub fixes: Vec<String>,
    /// Exit code this step implies.
    #[serde(skip)]
    pub code: u8,
}

impl Step {
    fn pass(name: &'static str, message: impl Into<String>) -> Step {
        Step {
            name,
            status: Status::Pass,
            message: message.into(),
            fixes: Vec::new(),
            code: 0,
        }
    }

    fn fail(name: &'static str, code: u8, message: impl Into<String>, fixes: Vec<String>) -> Step {
        Step {
            name,
            status: Status::Fail,
            message: message.into(),
            fixes,
            code,
        }
    }

    fn skip(name: &'static str, message: impl Into<String>) -> Step {
        Step {
            name,
            status: Status::Skip,
            message: message.into(),
            fixes: Vec::new(),
            code: 0,
        }
    }

    fn from_error(name: &'static str, e: &Error) -> Step {
        Step::fail(
            name,
            e.exit_code(),
            e.to_string(),
            e.hint().into_iter().collect(),
        )
    }
}

/// The exit code of the worst step: 0 < 1 < 3 < 2.
pub fn worst(steps: &[Step]) -> u8 {
    let rank = |c: u8| match c {
        0 => 0,
        1 => 1,
        3 => 2,
        _ => 3,
    };
    steps
        .iter()
        .map(|s| s.code)
        .max_by_key(|c| rank(*c))
        .unwrap_or(0)
}

/// Runs `doctor`.
pub fn run(args: &DoctorArgs, g: &Globals) -> Result<u8> {
    let mut steps = Vec::new();

    // 1. config
    g.send_config_note();
    let auth = match invoke::load_config(g) {
        Ok(Some(a)) => {
            steps.push(config_step(&a));
            Some(a)
        }
        Ok(None) => {
            steps.push(Step::fail(
                "config",
                2,
                "no config: ./.bedrock_agentcore.yaml does not exist and no --config was given",
                vec!["run in the agent's project directory, or pass --config PATH".into()],
            ));
            None
        }
        Err(e) => {
            steps.push(Step::from_error("config", &e));
            None
        }
    };
    // Where the call goes, and whether it is signed (IAM resource or --sigv4).
    let target = args.target.resolve(auth.as_ref(), g);
    let sigv4 = match &target {
        Ok(Some(t)) => t.wants_sigv4(args.target.sigv4),
        _ => {
            args.target.sigv4
                || auth.as_ref().is_some_and(|a| {
                    a.jwt.is_none()
                        && a.authorizer_type == crate::authorizer::AuthorizerType::AwsIam
                })
        }
    };
    let jwt_auth = auth.as_ref().filter(|a| a.jwt.is_some());

    // 2. keys
    let fetch = g.fetch_options();
    let keys = match jwt_auth {
        None => {
            steps.push(Step::skip(
                "keys",
                if sigv4 {
                    "skipped: IAM authorizer (SigV4), no JWT keys to check"
                } else {
                    "skipped: no JWT authorizer configured"
                },
            ));
            None
        }
        Some(_) if sigv4 => {
            steps.push(Step::skip(
                "keys",
                "skipped: --sigv4 (no bearer token to check)",
            ));
            None
        }
        Some(a) => match explain::obtain_keys(a, None, args.jwks.as_deref(), false, &fetch) {
            Ok(k) => {
                steps.push(keys_step(a, &k, args.jwks.is_some()));
                Some(k)
            }
            Err(e) => {
                steps.push(Step::from_error("keys", &e));
                None
            }
        },
    };

    // 3. token — or, for SigV4, credentials
    let mut call_auth: Option<Auth> = None;
    let mut token = None;
    if sigv4 {
        match sigv4_credentials(target.as_ref().ok().and_then(Option::as_ref), g) {
            Ok((step, a)) => {
                steps.push(step);
                call_auth = Some(a);
            }
            Err(step) => steps.push(*step),
        }
    } else {
        let prefer = auth
            .as_ref()
            .map(crate::commands::explain::preferred_use)
            .unwrap_or(Use::Access);
        match obtain_token(args, g, prefer, auth.as_ref()) {
            Ok((t, from)) => {
                steps.push(Step::pass("token", token_message(&t, &from, g.now())));
                call_auth = Some(Auth::Bearer(t.clone()));
                token = Some(t);
            }
            Err(step) => steps.push(*step),
        }
    }

    // 4. explain
    match (jwt_auth.or(auth.as_ref()), &token) {
        _ if sigv4 => steps.push(Step::skip(
            "explain",
            "skipped: SigV4 call, no bearer token to evaluate",
        )),
        (Some(a), Some(t)) => {
            let unavailable = SigningKeys::Unavailable {
                reason: "the keys step failed".into(),
            };
            let mut r = explain::explain(a, t, keys.as_ref().unwrap_or(&unavailable), g.now());
            // The keys step ran before there was a token: an unknown kid gets the one refetch
            // every command gets (the key ring's policy), then the token is evaluated again.
            if args.jwks.is_none()
                && r.diagnoses.iter().any(|d| d.code == "unknown-kid")
                && let Ok(k @ SigningKeys::Jwks { .. }) =
                    explain::obtain_keys(a, Jwt::parse(t).ok().as_ref(), None, false, &fetch)
            {
                r = explain::explain(a, t, &k, g.now());
            }
            steps.push(explain_step(&r));
        }
        (None, _) => steps.push(Step::skip("explain", "skipped: no authorizer config")),
        (_, None) => steps.push(Step::skip("explain", "skipped: no token")),
    }

    // 5. invoke
    steps.push(invoke_step(args, g, target, call_auth));

    // The config's own warnings (coded, as explain's diagnoses), whatever the token.
    let mut warnings = auth
        .as_ref()
        .map(crate::authorizer::diagnose::config_warnings)
        .unwrap_or_default();
    if let (Some(a), Some(k)) = (jwt_auth, keys.as_ref())
        && let Some(m) = discovery_mismatch(a, k)
    {
        warnings.push(
            crate::report::Diagnosis::warning("discovery-issuer-mismatch", m).fix(
                "make the issuer publish the URL it is reached at (its public hostname or issuer URL setting), so that the document, the tokens and discoveryUrl name one issuer",
            ),
        );
    }
    if g.json {
        // The config's coded warnings have explain's diagnosis shape; `warnings` holds notes
        // (the both-project-files note), as in explain.
        let mut doc = serde_json::json!({ "steps": steps, "diagnoses": warnings });
        super::add_config_note(&mut doc, g);
        output::emit_json(&doc)?;
    } else {
        let mut out = output::doctor::human(&steps, auth.as_ref(), g.palette);
        out.push_str(&output::doctor::human_warnings(&warnings, g.palette));
        output::emit(g.palette, &out)?;
    }
    Ok(worst(&steps))
}

fn config_step(a: &Authorizer) -> Step {
    let file = a.file.as_deref().unwrap_or("flags");
    let agent = a.agent.as_deref().unwrap_or("-");
    let noun = match a.kind {
        crate::authorizer::ResourceKind::Gateway => "gateway",
        crate::authorizer::ResourceKind::Runtime => "agent",
    };
    if a.jwt.is_none() && a.authorizer_type == crate::authorizer::AuthorizerType::None {
        return Step::pass(
            "config",
            format!("{noun} {agent} ({file}): authorizerType NONE: no inbound authorization"),
        );
    }
    let Some(_) = &a.jwt else {
        let msg = match a.kind {
            crate::authorizer::ResourceKind::Gateway => format!(
                "gateway {agent} ({file}): authorizerType AWS_IAM: calls are signed with SigV4, \
                 bearer tokens are refused"
            ),
            crate::authorizer::ResourceKind::Runtime => format!(
                "agent {agent} ({file}): IAM authorizer ({}): calls are signed with SigV4, bearer \
                 tokens are refused",
                match a.source {
                    crate::authorizer::SourceKind::AgentcoreYaml =>
                        "authorizer_configuration: null",
                    crate::authorizer::SourceKind::AgentcoreJson => "authorizerType AWS_IAM",
                    _ => "no JWT authorizer",
                }
            ),
        };
        if a.other_jwt_agents.is_empty() {
            return Step::pass("config", msg);
        }
        return Step {
            name: "config",
            status: Status::Warn,
            message: msg,
            fixes: vec![format!(
                "for a JWT authorizer use {} (it has one)",
                a.other_jwt_agents
                    .iter()
                    .map(|n| crate::authorizer::config::select::select_arg(&a.resources, n))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )],
            code: 0,
        };
    };
    let mut what = Vec::new();
    for (k, v) in [
        ("allowedClients", a.allowed_clients()),
        ("allowedAudience", a.allowed_audience()),
        ("allowedScopes", a.allowed_scopes()),
    ] {
        if !v.is_empty() {
            what.push(format!("{k} [{}]", v.join(", ")));
        }
    }
    let msg = format!(
        "{noun} {agent} ({file}): customJWTAuthorizer with {}",
        if what.is_empty() {
            "no allowed lists".to_string()
        } else {
            what.join(", ")
        }
    );
    if a.ignored.is_empty() {
        return Step::pass("config", msg);
    }
    let fixes = a
        .ignored
        .iter()
        .map(|k| match k.line {
            Some(l) => format!("{file}:{l}: {} — {}", k.key, k.message),
            None => format!("{}: {}", k.key, k.message),
        })
        .collect();
    Step {
        name: "config",
        status: Status::Warn,
        message: format!(
            "{msg}; {} key{} the toolkit ignores",
            a.ignored.len(),
            if a.ignored.len() == 1 { "" } else { "s" }
        ),
        fixes,
        code: 0,
    }
}

/// The `discovery-issuer-mismatch` sentence when the keys came from a discovery document whose
/// `issuer` is not its URL's (escaped); `None` offline.
fn discovery_mismatch(a: &Authorizer, k: &SigningKeys) -> Option<String> {
    let SigningKeys::Jwks {
        issuer: Some(issuer),
        origin,
        ..
    } = k
    else {
        return None;
    };
    if !origin.contains("://") {
        return None;
    }
    crate::authorizer::idp::discovery_issuer_warning(&a.discovery_url()?, issuer)
}

fn keys_step(a: &Authorizer, k: &SigningKeys, offline: bool) -> Step {
    match k {
        SigningKeys::Jwks {
            issuer,
            jwks,
            origin,
        } => {
            let kids: Vec<String> = jwks
                .keys
                .iter()
                .filter_map(|j| j.common.key_id.clone())
                .collect();
            let mut step = Step::pass(
                "keys",
                format!(
                    "{} key{} ({}) from {}{}; issuer {}",
                    jwks.keys.len(),
                    if jwks.keys.len() == 1 { "" } else { "s" },
                    output::esc(&kids.join(", ")),
                    output::esc(origin),
                    if offline { " (offline)" } else { "" },
                    output::esc(issuer.as_deref().unwrap_or("unknown"))
                ),
            );
            if discovery_mismatch(a, k).is_some() {
                // Said in full once, in the warnings below.
                step.status = Status::Warn;
                step.message.push_str(" (discovery-issuer-mismatch)");
            }
            step
        }
        SigningKeys::Unavailable { reason } => Step::fail(
            "keys",
            3,
            format!("discovery/JWKS not reachable: {reason}"),
            vec![format!(
                "check the discoveryUrl ({}) and the network, or pass --jwks FILE to work offline",
                a.discovery_url().unwrap_or_default()
            )],
        ),
        SigningKeys::NotChecked { .. } => Step::skip("keys", "skipped: signature not checked"),
    }
}

/// Where the token came from.
fn obtain_token(
    args: &DoctorArgs,
    g: &Globals,
    prefer: Use,
    auth: Option<&Authorizer>,
) -> std::result::Result<(String, String), Box<Step>> {
    if let Some(spec) = &args.token {
        return match invoke::obtain_token(Some(spec), args.use_token, prefer, g, false) {
            Ok(Some(t)) => Ok((t, "--token".into())),
            Ok(None) => Err(Box::new(Step::fail("token", 2, "--token is empty", vec![]))),
            Err(e) => Err(Box::new(Step::from_error("token", &e))),
        };
    }
    match crate::commands::cached_token(g, args.use_token.unwrap_or(prefer)) {
        Ok(Some(t)) => {
            let from = match &t.source {
                crate::commands::Source::Cache(d) => format!("the login cache ({d})"),
                _ => "the login cache".into(),
            };
            return Ok((t.text, from));
        }
        Ok(None) => {}
        Err(e) => return Err(Box::new(Step::from_error("token", &e))),
    }
    let cognito = auth
        .and_then(Authorizer::discovery_url)
        .and_then(|u| crate::token::cognito_pool(&u))
        .is_some();
    let login_cmd = format!(
        "tokdiag login{} --username {}",
        g.config
            .as_ref()
            .map(|p| format!(
                " --config {}",
                crate::fsx::sh_word(&p.display().to_string())
            ))
            .unwrap_or_default(),
        args.username
            .as_deref()
            .map_or_else(|| "USER".to_string(), crate::fsx::sh_word)
    );
    if !cognito {
        return Err(Box::new(Step::fail(
            "token",
            2,
            "no token: none given, none cached, and the issuer is not a Cognito user pool tokdiag can sign in to",
            vec!["pass --token (a JWT, @FILE or -)".into()],
        )));
    }
    let Some(user) = &args.username else {
        return Err(Box::new(Step::fail(
            "token",
            2,
            "no token: none given and none cached for this config",
            vec![format!(
                "{login_cmd} (or pass --username / TOKDIAG_USERNAME so doctor signs in)"
            )],
        )));
    };
    let have_password = std::env::var_os("TOKDIAG_PASSWORD").is_some_and(|p| !p.is_empty());
    let interactive = std::io::stdin().is_terminal();
    if !have_password && !interactive {
        return Err(Box::new(Step::fail(
            "token",
            2,
            format!(
                "no token cached for {user}, and signing in needs a password (no TTY, no TOKDIAG_PASSWORD)"
            ),
            vec![format!(
                "{login_cmd} (prompts for the password), or set TOKDIAG_PASSWORD"
            )],
        )));
    }
    login(g, user, prefer, interactive).map_err(|(code, msg, hint)| {
        let mut fixes: Vec<String> = hint.into_iter().collect();
        fixes.push(login_cmd.clone());
        Box::new(Step::fail(
            "token",
            code,
            format!("login failed: {msg}"),
            fixes,
        ))
    })
}

/// Runs `tokdiag login` (this binary) so its code path, prompts and cache are the real ones;
/// its stdout is the token.
fn login(
    g: &Globals,
    user: &str,
    prefer: Use,
    interactive: bool,
) -> std::result::Result<(String, String), (u8, String, Option<String>)> {
    let exe = std::env::current_exe()
        .map_err(|e| (2, format!("cannot find tokdiag itself: {e}"), None))?;
    let mut c = Command::new(exe);
    c.arg("--color")
        .arg("never")
        .arg("--cache-dir")
        .arg(&g.cache_dir);
    if let Some(p) = &g.config {
        c.arg("--config").arg(p);
    }
    for (flag, v) in [
        ("--agent", &g.agent),
        ("--region", &g.region),
        ("--profile", &g.profile),
        ("--endpoint-url", &g.endpoint_url),
    ] {
        if let Some(v) = v {
            c.arg(flag).arg(v);
        }
    }
    if let Some(n) = g.now {
        c.arg("--now").arg(n.to_string());
    }
    if g.allow_http {
        c.arg("--allow-http");
    }
    c.args(["login", "--username", user, "--print"]);
    c.arg(if prefer == Use::Id { "id" } else { "access" });
    c.stdout(Stdio::piped());
    if interactive {
        c.stdin(Stdio::inherit()).stderr(Stdio::inherit());
    } else {
        c.stdin(Stdio::null()).stderr(Stdio::piped());
    }
    let out = c
        .output()
        .map_err(|e| (2, format!("cannot run tokdiag login: {e}"), None))?;
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !stdout.is_empty() {
        return Ok((stdout, format!("tokdiag login as {user}")));
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let msg = stderr
        .lines()
        .find_map(|l| l.strip_prefix("tokdiag: error: "))
        .unwrap_or("see the messages above")
        .to_string();
    let hint = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("hint: "))
        .map(str::to_string);
    let code = out
        .status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(1);
    Err((if code == 0 { 1 } else { code }, msg, hint))
}

fn token_message(t: &str, from: &str, now: i64) -> String {
    match Jwt::parse(t) {
        Ok(j) => {
            let exp = j
                .claim_time("exp")
                .map(|e| format!(", expires {}", crate::timefmt::relative(e, now)))
                .unwrap_or_default();
            format!("{} from {from}{exp}", j.kind().describe())
        }
        Err(e) => format!("from {from}, but it is not a JWT: {e}"),
    }
}

fn explain_step(r: &Report) -> Step {
    let codes: Vec<&str> = r.diagnoses.iter().map(|d| d.code).collect();
    match r.verdict {
        Verdict::Accepted => Step::pass("explain", "accepted: every check passes"),
        Verdict::Rejected => {
            let first = r
                .first_failure()
                .or_else(|| r.checks.iter().find(|c| c.status == Status::Fail));
            let msg = match first {
                Some(c) => format!("rejected: {} — {}", output::esc(c.id.as_str()), c.message),
                None => "rejected".into(),
            };
            let fixes = r
                .diagnoses
                .iter()
                .find(|d| d.severity == crate::report::Severity::Error)
                .map(|d| d.fixes.clone())
                .unwrap_or_default();
            Step::fail(
                "explain",
                1,
                if codes.is_empty() {
                    msg
                } else {
                    format!("{msg} [{}]", codes.join(", "))
                },
                fixes,
            )
        }
        Verdict::Unknown if !r.unresolved.is_empty() => Step::fail(
            "explain",
            3,
            format!(
                "unknown: {}",
                crate::output::esc(&r.unknown_reason().unwrap_or_default())
            ),
            vec![format!(
                "doctor reads no --param: run `tokdiag explain` with {} to decide, or edit the configuration",
                r.unresolved
                    .iter()
                    .map(
                        |n| crate::output::esc(&crate::authorizer::explain::param_arg(n))
                            .to_string()
                    )
                    .collect::<Vec<_>>()
                    .join(" ")
            )],
        ),
        Verdict::Unknown => Step::fail(
            "explain",
            3,
            "unknown: the claims were evaluated but the signature/issuer could not be checked",
            vec!["fix the keys step first (or pass --jwks FILE)".into()],
        ),
    }
}

/// The credentials step of a SigV4 call: "credentials found (which source)", and the auth.
fn sigv4_credentials(
    target: Option<&invoke::Target>,
    g: &Globals,
) -> std::result::Result<(Step, Auth), Box<Step>> {
    let Some(t) = target else {
        return Err(Box::new(Step::skip(
            "credentials",
            "skipped: no target to sign for (no agent_arn, --arn, --gateway-url or --url)",
        )));
    };
    let rt = invoke::runtime().map_err(|e| Box::new(Step::from_error("credentials", &e)))?;
    match invoke::sigv4_auth(&rt, t, g) {
        Ok(a) => {
            let msg = match &a {
                Auth::SigV4 { creds, region } => format!(
                    "AWS credentials found: {} (access key {}{}), signing for {} in {region}",
                    creds.source,
                    creds.access_key_id(),
                    if creds.has_session_token() {
                        ", temporary"
                    } else {
                        ""
                    },
                    mcp::sigv4::SERVICE
                ),
                _ => "AWS credentials found".into(),
            };
            Ok((Step::pass("credentials", msg), a))
        }
        Err(e) => Err(Box::new(Step::from_error("credentials", &e))),
    }
}

fn invoke_step(
    args: &DoctorArgs,
    g: &Globals,
    target: Result<Option<invoke::Target>>,
    call_auth: Option<Auth>,
) -> Step {
    let target = match target {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Step::skip(
                "invoke",
                "skipped: no agent_arn in the config (not deployed yet?) and no --url or --gateway-url",
            );
        }
        Err(e) => return Step::from_error("invoke", &e),
    };
    let Some(call_auth) = call_auth.or_else(|| {
        (target.kind == mcp::Kind::Url || target.authorizer == Some(invoke::AuthorizerType::NoAuth))
            .then_some(Auth::None)
    }) else {
        return Step::skip(
            "invoke",
            if args.target.sigv4 || target.wants_sigv4(false) {
                "skipped: no AWS credentials"
            } else {
                "skipped: no token"
            },
        );
    };
    let opts = ClientOptions {
        url: target.url.clone(),
        kind: target.kind,
        auth: call_auth,
        runtime_session_id: mcp::new_session_id(),
        accept: mcp::ACCEPT.to_string(),
        protocol_version: mcp::PROTOCOL_VERSION.to_string(),
        protocol_header_override: None,
        timeout: Duration::from_secs(args.timeout.max(1)),
        notes: g.notes.clone(),
    };
    let mut client = match Client::new(opts) {
        Ok(c) => c,
        Err(e) => return Step::from_error("invoke", &e),
    };
    let rt = match invoke::runtime() {
        Ok(rt) => rt,
        Err(e) => return Step::from_error("invoke", &e),
    };
    match rt.block_on(invoke::session(&mut client, &Operation::ListTools)) {
        Ok((_, result)) => {
            let names: Vec<&str> = result
                .get("tools")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.get("name").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            Step::pass(
                "invoke",
                format!(
                    "initialize + tools/list at {}{}: {} tool{} ({})",
                    target.url,
                    if client.options().kind == mcp::Kind::Gateway {
                        " (gateway)"
                    } else {
                        ""
                    },
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    names.join(", ")
                ),
            )
        }
        Err(CallError::Network(e)) => Step::from_error("invoke", &e),
        Err(CallError::Failed(f)) => Step::fail(
            "invoke",
            1,
            format!(
                "{} ({} → HTTP {}): {}",
                f.code, f.method, f.status, f.message
            ),
            f.fixes.clone(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_ranks_2_over_3_over_1() {
        let s = |code| Step {
            code,
            ..Step::pass("x", "")
        };
        assert_eq!(worst(&[s(0), s(1)]), 1);
        assert_eq!(worst(&[s(3), s(1)]), 3);
        assert_eq!(worst(&[s(3), s(2), s(1)]), 2);
        assert_eq!(worst(&[]), 0);
    }
}
