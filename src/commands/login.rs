//! `tokdiag login`: get the token the authorizer needs from Cognito (`USER_PASSWORD_AUTH` and its
//! challenges, or the client-credentials grant), cache it per user pool/app client/user, reuse it
//! while more than 5 minutes remain and refresh it after that.
//!
//! stdout gets exactly the token (or `--print json|env`), so `TOKEN=$(tokdiag login)` works; the
//! summary goes to stderr. Passwords and secrets come from stdin, the environment or a hidden
//! prompt — never argv — and are never printed. A fresh cached token is answered without any
//! network round trip (the async runtime is not even built).

use std::io::{BufRead, IsTerminal, Read};

use clap::{Args, ValueEnum};

use crate::authorizer::{Authorizer, RuleSet};
use crate::cli::Globals;
use crate::cognito::auth::{Answers, ClientSettings, Cognito, Login, Refresh};
use crate::cognito::cache::{self, Entry, EntryMeta, Pointer};
use crate::cognito::oauth::{self, Grant};
use crate::cognito::{self as cg, Secret};
use crate::error::{Error, Result};
use crate::net::runtime;
use crate::notes::Note;
use crate::output;
use crate::token::{self, Use};

/// How to get the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Flow {
    /// A user signs in: USER_PASSWORD_AUTH (+ challenges), REFRESH_TOKEN_AUTH from the cache.
    #[default]
    Password,
    /// Machine to machine: the OAuth client_credentials grant at the pool's /oauth2/token.
    ClientCredentials,
}

/// What to print on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Print {
    /// The access token.
    Access,
    /// The ID token.
    Id,
    /// The refresh token.
    Refresh,
    /// All tokens and metadata as one JSON document (includes the refresh token).
    Json,
    /// KEY='VALUE' lines for `eval` in a POSIX shell: TOKDIAG_TOKEN, TOKDIAG_ACCESS_TOKEN,
    /// TOKDIAG_ID_TOKEN, TOKDIAG_TOKEN_EXPIRES_AT.
    Env,
}

/// Which MFA to choose when Cognito offers several (SELECT_MFA_TYPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MfaType {
    /// SOFTWARE_TOKEN_MFA (authenticator app).
    Totp,
    /// SMS_MFA.
    Sms,
    /// EMAIL_MFA.
    Email,
}

impl MfaType {
    fn challenge(self) -> &'static str {
        match self {
            MfaType::Totp => "SOFTWARE_TOKEN_MFA",
            MfaType::Sms => "SMS_MFA",
            MfaType::Email => "EMAIL_MFA",
        }
    }
}

/// Arguments of `login`.
#[derive(Debug, Args)]
#[command(
    after_help = "Pool, region and app client come from --config (discoveryUrl, allowedClients or \
allowedAudience) unless given with --user-pool-id, --region, --client-id. The region is --region, else \
AWS_REGION, else the prefix of the pool id. No AWS credentials are needed.

Secrets: the password from --password-stdin, TOKDIAG_PASSWORD or a hidden prompt; the app client \
secret from --client-secret-stdin or TOKDIAG_CLIENT_SECRET. With several --*-stdin flags, stdin holds \
one value per line in this order: password, new password, client secret.

Cache: <cache dir>/tokens/, one file per pool/client/user (mode 0600), reused while more than 5 minutes \
remain, refreshed with the refresh token after that. --no-cache neither reads nor writes it; --logout \
deletes it (it does not revoke the refresh token at Cognito).

Examples:
  TOKEN=$(tokdiag login --config .bedrock_agentcore.yaml --username alice)
  printf '%s\\n' \"$PW\" | tokdiag login --user-pool-id us-east-1_AbC123 --client-id 3ipsf00b… --username alice --password-stdin
  tokdiag login --username alice --print id | tokdiag explain
  TOKDIAG_CLIENT_SECRET=… tokdiag login --flow client-credentials --client-id … --domain my-app --scope agentcore/invoke
  tokdiag login --logout"
)]
// The field docs are the --help text, written for a terminal (`<region>`, `[0]`, a bare URL).
#[allow(
    rustdoc::invalid_html_tags,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links
)]
pub struct LoginArgs {
    /// The user to sign in [default: the user who signed in last with this app client, else a prompt].
    #[arg(long, env = "TOKDIAG_USERNAME", value_name = "NAME")]
    pub username: Option<String>,
    /// Read the password from stdin (first line) instead of TOKDIAG_PASSWORD or the prompt.
    #[arg(long)]
    pub password_stdin: bool,
    /// Read the app client secret from stdin instead of TOKDIAG_CLIENT_SECRET.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Read the new password for NEW_PASSWORD_REQUIRED (temporary password) from stdin.
    #[arg(long)]
    pub new_password_stdin: bool,
    /// The MFA code for SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_MFA (else prompted on a terminal).
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// The MFA to choose when Cognito offers several (SELECT_MFA_TYPE).
    #[arg(long, value_enum, value_name = "TYPE")]
    pub mfa_type: Option<MfaType>,
    /// password (a user signs in) or client-credentials (machine to machine).
    #[arg(long, value_enum, default_value = "password", value_name = "FLOW")]
    pub flow: Flow,
    /// Scope to ask for with --flow client-credentials (repeatable) [default: all the client's scopes].
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Token endpoint for --flow client-credentials [default: --domain, else the discovery document's].
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// Cognito domain prefix for --flow client-credentials:
    /// https://PREFIX.auth.REGION.amazoncognito.com/oauth2/token (a host name is used as is).
    #[arg(long, value_name = "PREFIX")]
    pub domain: Option<String>,
    /// What to print on stdout [default: the token the authorizer needs; access when unknown; json with --json].
    #[arg(long, value_enum, value_name = "WHAT")]
    pub print: Option<Print>,
    /// Do not read or write the token cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Delete the cached tokens of this user (or of the last login) and exit.
    #[arg(long)]
    pub logout: bool,
    /// User pool id (<region>_<id>) [default: from the config's discoveryUrl].
    #[arg(long, value_name = "ID")]
    pub user_pool_id: Option<String>,
    /// App client id [default: the config's allowedClients[0], else allowedAudience[0]].
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
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

/// Runs `login`.
pub fn run(args: &LoginArgs, g: &Globals) -> Result<u8> {
    check_flags(args)?;
    let az = crate::authorizer::config::load(&g.load_options())?;
    g.send_config_note();
    let t = resolve_target(args, g, az.as_ref())?;
    if args.logout {
        return logout(args, g, &t);
    }
    let mut choice = choose(args.print, g.json, az.as_ref());
    choice.no_cache = args.no_cache;
    match args.flow {
        Flow::Password => password_flow(args, g, &t, &choice),
        Flow::ClientCredentials => client_credentials_flow(args, g, &t, &choice),
    }
}

fn check_flags(args: &LoginArgs) -> Result<()> {
    if args.flow == Flow::Password {
        for (set, flag) in [
            (!args.scopes.is_empty(), "--scope"),
            (args.token_endpoint.is_some(), "--token-endpoint"),
            (args.domain.is_some(), "--domain"),
        ] {
            if set {
                return Err(Error::usage(
                    format!("{flag} applies to --flow client-credentials only"),
                    Some(format!(
                        "add --flow client-credentials, or drop {flag} (a user's sign-in gets the scopes its app client allows)"
                    )),
                ));
            }
        }
    } else {
        for (set, flag) in [
            (args.password_stdin, "--password-stdin"),
            (args.new_password_stdin, "--new-password-stdin"),
            (args.mfa_code.is_some(), "--mfa-code"),
        ] {
            if set {
                return Err(Error::usage(
                    format!("{flag} does not apply to --flow client-credentials"),
                    Some(
                        "client credentials authenticate the app client with its secret only"
                            .to_string(),
                    ),
                ));
            }
        }
        if matches!(args.print, Some(Print::Id | Print::Refresh)) {
            return Err(Error::usage(
                "the client-credentials grant returns only an access token",
                Some("use --print access, json or env".to_string()),
            ));
        }
    }
    Ok(())
}

/// Pool, app client and region, resolved from flags, the environment and the authorizer config.
#[derive(Debug, Clone, Default)]
struct Target {
    pool_id: Option<String>,
    client_id: Option<String>,
    region: Option<String>,
    discovery_url: Option<String>,
    config_key: String,
    /// User from the last login, when the app client came from it.
    last_user: Option<String>,
}

fn not_a_client_id(id: &str, from: &str) -> Error {
    Error::usage(
        format!("{from} {id} is a user pool id, not an app client id"),
        Some("the app client id is the 26-character id listed under the pool's App clients (aws cognito-idp list-user-pool-clients --user-pool-id …); give the pool with --user-pool-id".to_string()),
    )
}

fn resolve_target(args: &LoginArgs, g: &Globals, az: Option<&Authorizer>) -> Result<Target> {
    let warn = |m: String| g.notes.send(Note::Info(m));
    let mut t = Target {
        config_key: cache::config_key(g.config.as_deref(), g.agent.as_deref()),
        ..Default::default()
    };
    let discovery = az.and_then(Authorizer::discovery_url);
    // With an emulator's endpoint, any `<prefix>_<id>` is a pool (cognito-local: `local_<id>`).
    let emulator = cg::custom_endpoint(g.endpoint_url.as_deref()).is_some();
    if let Some(p) = &args.user_pool_id {
        let p = p.trim();
        if !(token::is_pool_id(p) || emulator && token::is_emulator_pool_id(p)) {
            return Err(Error::usage(
                format!("--user-pool-id {p} is not a user pool id"),
                Some("a pool id looks like <region>_<id>, e.g. us-east-1_AbCdEf123 (with --endpoint-url, an emulator's <prefix>_<id> such as local_1CcUREBq)".to_string()),
            ));
        }
        t.pool_id = Some(p.to_string());
    } else if let Some(pool) = discovery.as_deref().and_then(token::cognito_pool) {
        t.pool_id = Some(pool.pool_id);
    } else if emulator && let Some(pool) = discovery.as_deref().and_then(token::emulator_pool) {
        t.pool_id = Some(pool);
    }
    t.discovery_url = discovery;
    if let Some(c) = &args.client_id {
        let c = c.trim();
        if token::is_pool_id(c) {
            return Err(not_a_client_id(c, "--client-id"));
        }
        t.client_id = Some(c.to_string());
    } else if let Some(a) = az {
        let (list, key) = if !a.allowed_clients().is_empty() {
            (a.allowed_clients(), "allowedClients")
        } else {
            (a.allowed_audience(), "allowedAudience")
        };
        if let Some(first) = list.first() {
            if token::is_pool_id(first) {
                return Err(not_a_client_id(first, &format!("{key}[0] of the config")));
            }
            if list.len() > 1 {
                warn(format!(
                    "{key} lists {} app clients; using the first, {first} (pick another with --client-id)",
                    list.len()
                ));
            }
            t.client_id = Some(first.clone());
        }
    }
    if t.client_id.is_none() && t.pool_id.is_none() {
        // Nothing configured: continue the last login of this config (or the last of all).
        let last = cache::read_last(&g.cache_dir, &g.notes);
        if let Some(p) = last.by_config.get(&t.config_key).or(last.latest.as_ref()) {
            let cc = p.username.starts_with("client-credentials:");
            if cc == (args.flow == Flow::ClientCredentials) {
                t.client_id = Some(p.client_id.clone());
                t.pool_id = Some(p.user_pool_id.clone()).filter(|s| !s.is_empty());
                t.last_user = Some(p.username.clone()).filter(|_| !cc);
            }
        }
    }
    let env_region = std::env::var("AWS_REGION")
        .ok()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    // Only a real pool id's prefix is a region (an emulator's `local_…` is not).
    let pool_region = t
        .pool_id
        .as_deref()
        .filter(|p| token::is_pool_id(p))
        .and_then(|p| p.split_once('_'))
        .map(|(r, _)| r.to_string());
    let (region, from) = match (&g.region, &env_region, &pool_region) {
        (Some(r), _, _) => (Some(r.clone()), "--region"),
        (None, Some(r), _) => (Some(r.clone()), "AWS_REGION"),
        (None, None, Some(r)) => (Some(r.clone()), ""),
        // Only an endpoint is known: InitiateAuth is unsigned, any region will do.
        _ if emulator => (Some(cg::DEFAULT_EMULATOR_REGION.to_string()), ""),
        _ => (None, ""),
    };
    if let (Some(r), Some(pr)) = (&region, &pool_region)
        && r != pr
    {
        warn(format!(
            "warning: {from} says {r}, but user pool {} is in {pr} (the prefix of its id); using {r}",
            t.pool_id.as_deref().unwrap_or_default()
        ));
    }
    t.region = region;
    Ok(t)
}

fn need_client(t: &Target) -> Result<&str> {
    t.client_id.as_deref().ok_or_else(|| {
        Error::usage(
            "no app client id",
            Some("give --client-id, or --config with a .bedrock_agentcore.yaml whose authorizer lists allowedClients".to_string()),
        )
    })
}

fn need_region(t: &Target, why: &str) -> Result<String> {
    t.region.clone().ok_or_else(|| {
        Error::usage(
            format!("no region for {why}"),
            Some(
                "give --user-pool-id (its prefix is the region), --region, or set AWS_REGION"
                    .to_string(),
            ),
        )
    })
}

/// Which token stdout gets, and why.
#[derive(Debug, Clone)]
struct Choice {
    print: Print,
    /// The token the authorizer needs (what `json`/`env` call the printed token).
    needed: Use,
    /// Why, for the summary.
    reason: String,
    /// Whether `--print` (or `--json`) chose the output.
    explicit: bool,
    /// The authorizer configuration's lists, for warnings.
    allowed_clients: bool,
    allowed_audience: bool,
    /// `--no-cache` (for the summary's word on why nothing was cached).
    no_cache: bool,
}

fn choose(print: Option<Print>, json: bool, az: Option<&Authorizer>) -> Choice {
    let clients = az.is_some_and(|a| !a.allowed_clients().is_empty());
    let audience = az.is_some_and(|a| !a.allowed_audience().is_empty());
    let cognito_issuer = az
        .and_then(Authorizer::discovery_url)
        .and_then(|u| token::cognito_pool(&u))
        .is_some();
    let apigateway = az.is_some_and(|a| a.rules == RuleSet::Apigateway);
    let (needed, reason) = if apigateway {
        (
            Use::Access,
            "API Gateway matches its audience against aud, or against client_id when the token has no aud, so the access token passes"
                .to_string(),
        )
    } else if clients {
        (
            Use::Access,
            "allowedClients is matched against the client_id claim, which only access tokens carry"
                .to_string(),
        )
    } else if audience && cognito_issuer {
        (
            Use::Id,
            "allowedAudience is matched against the aud claim, which only Cognito ID tokens carry"
                .to_string(),
        )
    } else if az.is_some() {
        (
            Use::Access,
            "the authorizer checks neither allowedClients nor a Cognito allowedAudience"
                .to_string(),
        )
    } else {
        (
            Use::Access,
            "no authorizer config (--config picks the token it needs; --print id for the ID token)"
                .to_string(),
        )
    };
    let explicit = print.is_some() || json;
    let print = print.unwrap_or(if json {
        Print::Json
    } else if needed == Use::Id {
        Print::Id
    } else {
        Print::Access
    });
    Choice {
        print,
        needed,
        reason,
        explicit,
        allowed_clients: clients && !apigateway,
        allowed_audience: audience && !apigateway,
        no_cache: false,
    }
}

/// Where secrets and challenge answers come from: stdin (read once), the environment, prompts.
struct Inputs<'a> {
    args: &'a LoginArgs,
    interactive: bool,
    stdin: Option<StdinValues>,
    mfa_code_used: bool,
    palette: output::Palette,
}

#[derive(Default)]
struct StdinValues {
    password: Option<Secret>,
    new_password: Option<Secret>,
    client_secret: Option<Secret>,
}

fn env_secret(var: &str) -> Option<Secret> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

impl<'a> Inputs<'a> {
    fn new(args: &'a LoginArgs, palette: output::Palette) -> Self {
        Inputs {
            args,
            interactive: std::io::stdin().is_terminal(),
            stdin: None,
            mfa_code_used: false,
            palette,
        }
    }

    /// Reads stdin once and hands out one line per `--*-stdin` flag, in the documented order.
    fn stdin_values(&mut self) -> Result<&StdinValues> {
        if self.stdin.is_none() {
            let wanted: Vec<&str> = [
                (self.args.password_stdin, "password"),
                (self.args.new_password_stdin, "new password"),
                (self.args.client_secret_stdin, "client secret"),
            ]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
            let mut v = StdinValues::default();
            if !wanted.is_empty() {
                // One line per value (not to EOF), so typing them on a terminal works too.
                let mut input = std::io::stdin().lock().take(64 * 1024);
                for name in &wanted {
                    let mut line = String::new();
                    input
                        .read_line(&mut line)
                        .map_err(|e| Error::input(format!("cannot read stdin: {e}"), None))?;
                    let line = line.trim_end_matches(['\n', '\r']);
                    if line.is_empty() {
                        return Err(Error::usage(
                            format!(
                                "stdin holds no {name} (expected one line each: {})",
                                wanted.join(", ")
                            ),
                            Some("pipe the values one per line, in that order: printf '%s\\n' \"$PASSWORD\" | tokdiag login --password-stdin …".to_string()),
                        ));
                    }
                    let s = Some(Secret::new(line));
                    match *name {
                        "password" => v.password = s,
                        "new password" => v.new_password = s,
                        _ => v.client_secret = s,
                    }
                }
            }
            self.stdin = Some(v);
        }
        Ok(self.stdin.get_or_insert_with(StdinValues::default))
    }

    fn password(&mut self, user: &str) -> Result<Secret> {
        if self.args.password_stdin
            && let Some(p) = &self.stdin_values()?.password
        {
            return Ok(p.clone());
        }
        if let Some(p) = env_secret("TOKDIAG_PASSWORD") {
            return Ok(p);
        }
        if self.interactive {
            return prompt_hidden(&format!("Password for {user}: "));
        }
        Err(Error::usage(
            format!("no password for {user}, and stdin is not a terminal to prompt on"),
            Some("pipe it with --password-stdin, or set TOKDIAG_PASSWORD".to_string()),
        ))
    }

    fn client_secret(&mut self) -> Result<Option<Secret>> {
        if self.args.client_secret_stdin {
            return Ok(self.stdin_values()?.client_secret.clone());
        }
        Ok(env_secret("TOKDIAG_CLIENT_SECRET"))
    }
}

fn prompt_hidden(prompt: &str) -> Result<Secret> {
    // rpassword turns echo (and ISIG) off, and on Ctrl-C raises SIGINT before it turns them back
    // on: the default action would leave the terminal without echo. The guard restores it first.
    let _tty = tty::EchoGuard::arm();
    let s = rpassword::prompt_password(prompt)
        .map_err(|e| Error::input(format!("cannot read from the terminal: {e}"), None))?;
    if s.is_empty() {
        return Err(Error::usage("nothing entered", None));
    }
    Ok(Secret::new(s))
}

/// Terminal state across a hidden prompt: a signal that ends the process while echo is off
/// (Ctrl-C, `kill`, a closed terminal) first puts the terminal back as it was before the prompt.
#[cfg(unix)]
mod tty {
    use std::os::fd::AsRawFd;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    /// The terminal settings from before the first prompt (echo on).
    static SAVED: OnceLock<libc::termios> = OnceLock::new();
    /// The descriptor of `/dev/tty` while a prompt runs.
    static FD: AtomicI32 = AtomicI32::new(-1);
    static ARMED: AtomicBool = AtomicBool::new(false);
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    /// Restores the saved settings, then lets the signal do what it would have done (end the
    /// process, so the shell sees "killed by SIGINT"). Only async-signal-safe calls: atomic
    /// loads, `tcsetattr`, `signal`, `raise`.
    extern "C" fn restore_and_reraise(sig: libc::c_int) {
        if ARMED.load(Ordering::SeqCst)
            && let Some(t) = SAVED.get()
        {
            let fd = FD.load(Ordering::SeqCst);
            // SAFETY: fd is the open /dev/tty of the armed guard; t is a valid termios.
            unsafe {
                libc::tcsetattr(fd, libc::TCSANOW, t);
            }
        }
        // SAFETY: resetting to the default action and re-raising is the documented way to end
        // with the signal's own status.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    /// Armed while it lives; without a terminal it does nothing.
    pub struct EchoGuard(Option<std::fs::File>);

    impl EchoGuard {
        /// Saves the terminal settings and installs the handlers (once per process).
        pub fn arm() -> EchoGuard {
            let Ok(tty) = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/tty")
            else {
                return EchoGuard(None);
            };
            let fd = tty.as_raw_fd();
            let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
            // SAFETY: fd is open; tcgetattr fills t when it returns 0.
            if unsafe { libc::tcgetattr(fd, t.as_mut_ptr()) } != 0 {
                return EchoGuard(None);
            }
            // SAFETY: initialised by the successful tcgetattr above.
            let _ = SAVED.set(unsafe { t.assume_init() });
            FD.store(fd, Ordering::SeqCst);
            if !INSTALLED.swap(true, Ordering::SeqCst) {
                for sig in SIGNALS {
                    // SAFETY: the handler only makes async-signal-safe calls.
                    unsafe {
                        libc::signal(
                            sig,
                            restore_and_reraise as extern "C" fn(libc::c_int) as libc::sighandler_t,
                        );
                    }
                }
            }
            ARMED.store(true, Ordering::SeqCst);
            EchoGuard(Some(tty))
        }
    }

    impl Drop for EchoGuard {
        fn drop(&mut self) {
            if self.0.is_some() {
                ARMED.store(false, Ordering::SeqCst);
                FD.store(-1, Ordering::SeqCst);
            }
        }
    }
}

/// No terminal settings to guard off Unix.
#[cfg(not(unix))]
mod tty {
    /// Does nothing.
    pub struct EchoGuard;
    impl EchoGuard {
        /// Does nothing.
        pub fn arm() -> EchoGuard {
            EchoGuard
        }
    }
}

fn prompt_line(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::input(format!("cannot read from the terminal: {e}"), None))?;
    let v = line.trim().to_string();
    if v.is_empty() {
        return Err(Error::usage("nothing entered", None));
    }
    Ok(v)
}

impl Answers for Inputs<'_> {
    fn new_password(&mut self, username: &str) -> Result<Secret> {
        if self.args.new_password_stdin
            && let Some(p) = &self.stdin_values()?.new_password
        {
            return Ok(p.clone());
        }
        if self.interactive {
            output::note(
                self.palette,
                &format!(
                    "tokdiag: {username} has a temporary password: Cognito requires a new one (NEW_PASSWORD_REQUIRED)"
                ),
            );
            let a = prompt_hidden("New password: ")?;
            let b = prompt_hidden("New password (again): ")?;
            if a != b {
                return Err(Error::usage("the two new passwords differ", None));
            }
            return Ok(a);
        }
        Err(Error::usage(
            format!("{username} has a temporary password and Cognito requires a new one (NEW_PASSWORD_REQUIRED); stdin is not a terminal to prompt on"),
            Some("pipe the new password with --new-password-stdin (after the password line when --password-stdin is used too)".to_string()),
        ))
    }

    fn mfa_code(&mut self, challenge: &str, destination: Option<&str>) -> Result<String> {
        if !self.mfa_code_used
            && let Some(c) = &self.args.mfa_code
        {
            self.mfa_code_used = true;
            return Ok(c.trim().to_string());
        }
        let what = match challenge {
            "SOFTWARE_TOKEN_MFA" => "the code from the authenticator app".to_string(),
            "SMS_MFA" => format!("the code sent by SMS{}", to(destination)),
            _ => format!("the code sent by e-mail{}", to(destination)),
        };
        if self.interactive {
            return prompt_line(&format!("MFA code ({what}): "));
        }
        Err(Error::usage(
            format!(
                "Cognito asks for an MFA code ({challenge}: {what}) and stdin is not a terminal to prompt on"
            ),
            Some("pass --mfa-code CODE".to_string()),
        ))
    }

    fn mfa_type(&mut self, options: &[String]) -> Result<String> {
        if let Some(t) = self.args.mfa_type {
            let want = t.challenge();
            if options.iter().any(|o| o == want) {
                return Ok(want.to_string());
            }
            return Err(Error::usage(
                format!(
                    "--mfa-type asks for {want}, but Cognito offers {}",
                    options.join(", ")
                ),
                None,
            ));
        }
        if options.len() == 1 {
            return Ok(options[0].clone());
        }
        if self.interactive {
            let v = prompt_line(&format!("Choose the MFA ({}): ", options.join(" | ")))?;
            if let Some(o) = options.iter().find(|o| o.eq_ignore_ascii_case(&v)) {
                return Ok(o.clone());
            }
            return Err(Error::usage(
                format!("{v} is not one of {}", options.join(", ")),
                None,
            ));
        }
        Err(Error::usage(
            format!(
                "Cognito asks which MFA to use (SELECT_MFA_TYPE: {}) and stdin is not a terminal to prompt on",
                options.join(", ")
            ),
            Some("pass --mfa-type totp|sms|email (and --mfa-code CODE)".to_string()),
        ))
    }
}

fn to(destination: Option<&str>) -> String {
    destination.map(|d| format!(" to {d}")).unwrap_or_default()
}

/// How the tokens were obtained, for the summary and `source` in JSON.
/// How a login's tokens were got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Got {
    /// A cached login, reused without a request.
    Cache,
    /// A sign-in (`USER_PASSWORD_AUTH` and its challenges).
    SignIn,
    /// A refresh of the cached login (`REFRESH_TOKEN_AUTH`).
    Refresh,
    /// The client-credentials grant.
    ClientCredentials,
}

impl Got {
    /// The `source` of `--print json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Got::Cache => "cache",
            Got::SignIn => "sign-in",
            Got::Refresh => "refresh",
            Got::ClientCredentials => "client-credentials",
        }
    }
}

fn resolve_username(
    args: &LoginArgs,
    g: &Globals,
    t: &Target,
    pool: &str,
    client: &str,
    interactive: bool,
) -> Result<String> {
    if let Some(u) = args
        .username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return Ok(u.to_string());
    }
    if let Some(u) = t
        .last_user
        .clone()
        .or_else(|| cache::last_user(&g.cache_dir, pool, client, &g.notes))
    {
        g.notes.send(Note::Info(format!(
            "user {u} (the last one signed in with app client {client}; --username to pick another)"
        )));
        return Ok(u);
    }
    if interactive {
        return prompt_line("Username: ");
    }
    Err(Error::usage(
        "no user to sign in",
        Some("give --username NAME or set TOKDIAG_USERNAME".to_string()),
    ))
}

fn password_flow(args: &LoginArgs, g: &Globals, t: &Target, choice: &Choice) -> Result<u8> {
    let client_id = need_client(t)?;
    let region = need_region(t, "the Cognito endpoint")?;
    let pool = t.pool_id.clone().unwrap_or_default();
    let mut inputs = Inputs::new(args, g.palette);
    let username = resolve_username(args, g, t, &pool, client_id, inputs.interactive)?;
    let now = g.now();
    let endpoint = cg::effective_endpoint(g.endpoint_url.as_deref(), &region);
    let settings = ClientSettings {
        region: region.clone(),
        endpoint_url: g.endpoint_url.clone(),
        profile: g.profile.clone(),
        endpoint_display: endpoint.clone(),
        notes: g.notes.clone(),
    };
    let path = cache::entry_path(&g.cache_dir, &pool, client_id, &username);

    if !args.no_cache
        && let Some(entry) = cache::load_for_login(&g.cache_dir, &path, &g.notes)?
    {
        if entry.is_fresh(now) {
            return finish(g, t, choice, &entry, Got::Cache, Some(&path), &[]);
        }
        if let Some(refresh_token) = entry.refresh_token.clone() {
            let secret = inputs.client_secret()?;
            if entry.secret_used && secret.is_none() {
                return Err(Error::usage(
                    format!(
                        "the cached login of {} needs a refresh, and app client {client_id} has a secret",
                        entry.describe()
                    ),
                    Some(
                        "set TOKDIAG_CLIENT_SECRET or pipe it with --client-secret-stdin"
                            .to_string(),
                    ),
                ));
            }
            let login = Login {
                client_id,
                username: &username,
                secret: secret.as_ref(),
                pool_id: t.pool_id.as_deref(),
                region: &region,
            };
            let hash_user = entry
                .hash_username
                .clone()
                .unwrap_or_else(|| username.clone());
            let r = runtime()?.block_on(async {
                Cognito::connect(&settings)
                    .await
                    .refresh(&login, &refresh_token, &hash_user)
                    .await
            })?;
            match r {
                Refresh::Tokens(tokens) => {
                    cache::refuse_tokens(&format!("Cognito at {endpoint}"), &tokens)?;
                    let e = entry.refreshed(&tokens, now);
                    let p = cache::save(&g.cache_dir, &e, &g.notes)?;
                    return finish(g, t, choice, &e, Got::Refresh, p.as_deref(), &[]);
                }
                Refresh::Refused(why) => {
                    g.notes.send(Note::Info(format!(
                        "Cognito refused the cached refresh token ({why}); signing in again"
                    )));
                }
            }
        }
    }

    let password = inputs.password(&username)?;
    let secret = inputs.client_secret()?;
    let login = Login {
        client_id,
        username: &username,
        secret: secret.as_ref(),
        pool_id: t.pool_id.as_deref(),
        region: &region,
    };
    let outcome = runtime()?.block_on(async {
        Cognito::connect(&settings)
            .await
            .sign_in(&login, &password, &mut inputs)
            .await
    })?;
    cache::refuse_tokens(&format!("Cognito at {endpoint}"), &outcome.tokens)?;
    let meta = EntryMeta {
        flow: "password",
        user_pool_id: &pool,
        client_id,
        username: &username,
        region: Some(&region),
        endpoint: Some(&endpoint),
        scopes: &[],
        secret_used: secret.is_some(),
    };
    let entry = Entry::new(&meta, &outcome.tokens, now);
    let saved = if args.no_cache {
        None
    } else {
        cache::save(&g.cache_dir, &entry, &g.notes)?
    };
    finish(
        g,
        t,
        choice,
        &entry,
        Got::SignIn,
        saved.as_deref(),
        &outcome.challenges,
    )
}

fn cc_user(scopes: &[String]) -> String {
    let mut s: Vec<&str> = scopes.iter().map(String::as_str).collect();
    s.sort_unstable();
    s.dedup();
    format!("client-credentials:{}", s.join(" "))
}

fn client_credentials_flow(
    args: &LoginArgs,
    g: &Globals,
    t: &Target,
    choice: &Choice,
) -> Result<u8> {
    let client_id = need_client(t)?;
    let pool = t.pool_id.clone().unwrap_or_default();
    let user = cc_user(&args.scopes);
    let now = g.now();
    let path = cache::entry_path(&g.cache_dir, &pool, client_id, &user);
    if !args.no_cache
        && let Some(entry) = cache::load_for_login(&g.cache_dir, &path, &g.notes)?
        && entry.is_fresh(now)
    {
        return finish(g, t, choice, &entry, Got::Cache, Some(&path), &[]);
    }
    let mut inputs = Inputs::new(args, g.palette);
    let secret = inputs.client_secret()?.ok_or_else(|| {
        Error::usage(
            format!("the client-credentials grant needs the secret of app client {client_id}"),
            Some("set TOKDIAG_CLIENT_SECRET or pipe it with --client-secret-stdin".to_string()),
        )
    })?;
    let rt = runtime()?;
    let token_endpoint = match (&args.token_endpoint, &args.domain) {
        (Some(u), _) => u.clone(),
        (None, Some(d)) if cg::domain_is_prefix(d) => {
            cg::domain_token_endpoint(d, &need_region(t, "--domain")?)
        }
        (None, Some(d)) => cg::domain_token_endpoint(d, ""),
        (None, None) => {
            let discovery = match (&t.discovery_url, &t.pool_id, &t.region) {
                (Some(d), _, _) => d.clone(),
                (None, Some(p), Some(r)) => cg::discovery_url(r, p),
                _ => {
                    return Err(Error::usage(
                        "no token endpoint for the client-credentials grant",
                        Some("give --token-endpoint URL or --domain PREFIX (or --config / --user-pool-id to read it from the discovery document)".to_string()),
                    ));
                }
            };
            // Through the one discovery fetcher (its cache, caps and URL policy).
            let fetched =
                rt.block_on(crate::oidc::fetch_discovery(&discovery, &g.fetch_options()))?;
            fetched.token_endpoint.ok_or_else(|| {
                    Error::usage(
                        format!("the discovery document {discovery} has no token_endpoint"),
                        Some("give --token-endpoint URL or --domain PREFIX (the pool needs a domain for client credentials)".to_string()),
                    )
                })?
        }
    };
    let grant = Grant {
        client_id,
        secret: &secret,
        scopes: &args.scopes,
        token_endpoint: &token_endpoint,
        pool_id: t.pool_id.as_deref(),
        notes: &g.notes,
        allow_http: g.allow_http,
    };
    let tokens = rt.block_on(oauth::client_credentials(&grant))?;
    let meta = EntryMeta {
        flow: "client-credentials",
        user_pool_id: &pool,
        client_id,
        username: &user,
        region: t.region.as_deref(),
        endpoint: Some(&token_endpoint),
        scopes: &args.scopes,
        secret_used: true,
    };
    let entry = Entry::new(&meta, &tokens, now);
    let saved = if args.no_cache {
        None
    } else {
        cache::save(&g.cache_dir, &entry, &g.notes)?
    };
    finish(
        g,
        t,
        choice,
        &entry,
        Got::ClientCredentials,
        saved.as_deref(),
        &[],
    )
}

fn use_name(u: Use) -> &'static str {
    match u {
        Use::Access => "access",
        Use::Id => "ID",
    }
}

/// Prints the chosen token(s) on stdout and the summary on stderr; records the login as the last one.
fn finish(
    g: &Globals,
    t: &Target,
    choice: &Choice,
    e: &Entry,
    got: Got,
    saved: Option<&std::path::Path>,
    challenges: &[String],
) -> Result<u8> {
    let now = g.now();
    let cc = e.flow == "client-credentials";
    // Client credentials give only an access token: that is what gets printed, whatever the config.
    let needed = if cc { Use::Access } else { choice.needed };
    let get = |u: Use| match u {
        Use::Access => e.access_token.clone(),
        Use::Id => e.id_token.clone(),
    };
    let missing = |what: &str| {
        Error::refused(
            format!("Cognito returned no {what} token"),
            Some("sign in again with --no-cache".to_string()),
        )
    };
    let printed_use: Option<Use> = match choice.print {
        Print::Access => Some(Use::Access),
        Print::Id if cc => Some(Use::Access),
        Print::Id => Some(Use::Id),
        Print::Env => Some(needed),
        Print::Refresh | Print::Json => None,
    };
    let (printed_desc, out): (String, String) = match choice.print {
        Print::Access | Print::Id => {
            let u = printed_use.unwrap_or(Use::Access);
            let tok = get(u).ok_or_else(|| missing(use_name(u)))?;
            (format!("the {} token", use_name(u)), format!("{tok}\n"))
        }
        Print::Refresh => {
            let tok = e.refresh_token.clone().ok_or_else(|| {
                Error::usage(
                    "this login has no refresh token",
                    Some(
                        "client credentials return none; sign in with --flow password".to_string(),
                    ),
                )
            })?;
            ("the refresh token".to_string(), format!("{tok}\n"))
        }
        Print::Json => {
            let mut doc = output::login::tokens_json(e, got, needed, now);
            super::add_config_note(&mut doc, g);
            let s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            ("all tokens as JSON".to_string(), format!("{s}\n"))
        }
        Print::Env => {
            let main = get(needed).ok_or_else(|| missing(use_name(needed)))?;
            (
                format!(
                    "TOKDIAG_TOKEN (the {} token) and the others as KEY=VALUE lines",
                    use_name(needed)
                ),
                output::login::env_lines(&main, e),
            )
        }
    };
    let mut warnings = Vec::new();
    if printed_use == Some(Use::Id) && choice.allowed_clients {
        warnings.push("warning: the authorizer's allowedClients will refuse this ID token: it has no client_id claim (id-token-for-allowed-clients); send the access token".to_string());
    }
    if printed_use == Some(Use::Access) && choice.allowed_audience && !choice.allowed_clients {
        warnings.push("warning: the authorizer's allowedAudience will refuse this access token: Cognito access tokens carry no aud claim (access-token-for-allowed-audience)".to_string());
    }
    output::emit(g.palette, &out)?;

    let why = if cc {
        "client credentials give only an access token".to_string()
    } else if choice.explicit {
        "as asked (--print/--json)".to_string()
    } else {
        choice.reason.clone()
    };
    let summary = output::login::Summary {
        entry: e,
        got,
        challenges,
        printed: &printed_desc,
        why: &why,
        warnings: &warnings,
        saved,
        no_cache: choice.no_cache,
        now,
    };
    for line in output::login::summary(&summary) {
        g.notes.send(Note::Info(line));
    }
    if saved.is_some() {
        cache::record_last(
            &g.cache_dir,
            &t.config_key,
            &Pointer {
                user_pool_id: e.user_pool_id.clone(),
                client_id: e.client_id.clone(),
                username: e.username.clone(),
                at: now,
            },
            &g.notes,
        )?;
    }
    Ok(0)
}

fn logout(args: &LoginArgs, g: &Globals, t: &Target) -> Result<u8> {
    let say = |m: String| g.notes.send(Note::Info(m));
    let (pool, client, user) = match t.client_id.as_deref() {
        Some(c) => {
            let pool = t.pool_id.clone().unwrap_or_default();
            let user = if args.flow == Flow::ClientCredentials {
                cc_user(&args.scopes)
            } else if let Some(u) = args
                .username
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                u.to_string()
            } else if let Some(u) = t
                .last_user
                .clone()
                .or_else(|| cache::last_user(&g.cache_dir, &pool, c, &g.notes))
            {
                u
            } else {
                say(format!(
                    "nothing to log out: no login cached for app client {c}"
                ));
                return Ok(0);
            };
            (pool, c.to_string(), user)
        }
        None => {
            let last = cache::read_last(&g.cache_dir, &g.notes);
            match last.by_config.get(&t.config_key).or(last.latest.as_ref()) {
                Some(p) => (
                    p.user_pool_id.clone(),
                    p.client_id.clone(),
                    p.username.clone(),
                ),
                None => {
                    say("nothing to log out: no login cached".to_string());
                    return Ok(0);
                }
            }
        }
    };
    let path = cache::entry_path(&g.cache_dir, &pool, &client, &user);
    let who = cache::load(&g.cache_dir, &path, &g.notes)
        .map(|e| e.describe())
        .unwrap_or_else(|| format!("{user} (app client {client})"));
    let removed = crate::fsx::remove_file_if_exists(&path)?;
    cache::forget(
        &g.cache_dir,
        &Pointer {
            user_pool_id: pool,
            client_id: client,
            username: user,
            at: 0,
        },
        &g.notes,
    )?;
    if removed {
        say(format!("logged out {who}: removed {}", path.display()));
    } else {
        say(format!("nothing to log out: no login cached for {who}"));
    }
    Ok(0)
}
