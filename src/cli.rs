//! Command-line definition (clap derive) and the resolve step that turns global flags plus the
//! environment into a [`Globals`] every command reads. Clap structs stay dumb; each command's own
//! arguments live beside its code in `commands/`.

use std::path::{Path, PathBuf};

use clap::{Args, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::error::Result;

/// tokdiag — why does AgentCore (or another JWT authorizer) refuse my token, and what do I change?
#[derive(Debug, Parser)]
#[command(
    name = "tokdiag",
    version,
    about = "Diagnose JWT bearer tokens for Amazon Bedrock AgentCore and other JWT authorizers",
    long_about = None,
    after_help = "Examples:
  tokdiag explain --config .bedrock_agentcore.yaml \"$TOKEN\"
  TOKEN=$(tokdiag login --config .bedrock_agentcore.yaml --username alice)
  tokdiag decode @token.jwt
  tokdiag verify --issuer https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123 \"$TOKEN\"
  tokdiag doctor --config .bedrock_agentcore.yaml
  tokdiag invoke --config .bedrock_agentcore.yaml --token \"$TOKEN\"

Exit codes: 0 ok/accepted, 1 refused (token rejected, login refused, call failed), \
2 usage or config error, 3 could not decide (network, issuer unreachable, verdict unknown).

Run `tokdiag COMMAND --help` for each command's options and examples.",
    propagate_version = true
)]
pub struct Cli {
    /// Global options given before the subcommand (each command accepts them after it, too).
    #[command(flatten)]
    pub global: TopGlobals,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The global options given before the command name. Their clap arguments are built only when
/// the command line can hold some (see [`skip_top_globals_for`]).
#[derive(Debug, Default)]
pub struct TopGlobals(pub GlobalArgs);

/// Whether the top level builds its copy of the global options (see [`skip_top_globals_for`]).
static TOP_GLOBALS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

fn top_globals() -> bool {
    TOP_GLOBALS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Called by `main` with the first argument. When it names a command, no option stands before
/// the command, and the top level does not build its copy of the global options (a tenth of what
/// `decode` spends); the command's own copy still takes them after its name. `completions` and
/// `man` describe the whole command line, so they keep the top level's copy, as does `help`.
pub fn skip_top_globals_for(first_arg: Option<&std::ffi::OsStr>) {
    let name = first_arg.and_then(|a| a.to_str()).unwrap_or("");
    if <Command as Subcommand>::has_subcommand(name) && !matches!(name, "completions" | "man") {
        TOP_GLOBALS.store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Args for TopGlobals {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        if top_globals() {
            GlobalArgs::augment_args(cmd)
        } else {
            cmd
        }
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        if top_globals() {
            GlobalArgs::augment_args_for_update(cmd)
        } else {
            cmd
        }
    }
}

impl FromArgMatches for TopGlobals {
    fn from_arg_matches(m: &clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut m.clone())
    }
    fn from_arg_matches_mut(m: &mut clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        if top_globals() {
            GlobalArgs::from_arg_matches_mut(m).map(TopGlobals)
        } else {
            Ok(TopGlobals::default())
        }
    }
    fn update_from_arg_matches(
        &mut self,
        m: &clap::ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        self.update_from_arg_matches_mut(&mut m.clone())
    }
    fn update_from_arg_matches_mut(
        &mut self,
        m: &mut clap::ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        if top_globals() {
            self.0.update_from_arg_matches_mut(m)
        } else {
            Ok(())
        }
    }
}

/// When to color output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Color when stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Options every command accepts.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Print one JSON document on stdout (JSON lines for batch verify); errors too.
    #[arg(long)]
    pub json: bool,
    /// Color output: auto (terminal and no NO_COLOR), always, never [default: auto].
    #[arg(long, value_name = "WHEN")]
    pub color: Option<ColorChoice>,
    /// Evaluate time checks at TIME (RFC 3339 or Unix seconds) instead of the clock.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Cache directory for JWKS, discovery documents and login tokens [default: XDG cache dir/tokdiag].
    #[arg(long, value_name = "DIR", env = "TOKDIAG_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Show HTTP exchanges on stderr (Authorization redacted).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// No summary or warnings on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Authorizer config: .bedrock_agentcore.yaml, agentcore/agentcore.json (or its project
    /// directory), control-plane JSON, CloudFormation template, Terraform .tf files, or
    /// apigatewayv2 get-authorizer JSON [default: ./.bedrock_agentcore.yaml, else
    /// ./agentcore/agentcore.json (./agentcore.json inside agentcore/)].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The runtime to use: a toolkit agent or an agentcore.json runtime [default: default_agent,
    /// else the only resource, else the one with a JWT authorizer].
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// The gateway to use (agentcore.json agentCoreGateways, CloudFormation, Terraform).
    #[arg(long, value_name = "NAME")]
    pub gateway: Option<String>,
    /// AWS region (else AWS_REGION, else the user pool id's prefix).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Cognito endpoint URL (an emulator, for example); AWS_ENDPOINT_URL* are honoured too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AgentCore data-plane endpoint [env: BEDROCK_AGENTCORE_DP_ENDPOINT].
    #[arg(long, value_name = "URL", env = "BEDROCK_AGENTCORE_DP_ENDPOINT")]
    pub runtime_endpoint: Option<String>,
    /// Allow plain-http discovery/JWKS URLs on hosts other than loopback.
    #[arg(long)]
    pub allow_http: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a token's header and claims with Cognito-aware annotations (no verification, offline).
    Decode(Lazy<commands::decode::DecodeArgs>),
    /// Verify signature and standard claims against the issuer's discovery document and JWKS.
    Verify(Lazy<commands::verify::VerifyArgs>),
    /// Evaluate a token exactly as the AgentCore (or API Gateway) JWT authorizer does; name the cause and the fix.
    Explain(Lazy<commands::explain::ExplainArgs>),
    /// Sign in to Cognito (InitiateAuth + challenges, or client credentials); print, cache and refresh the token.
    Login(Lazy<commands::login::LoginArgs>),
    /// Call an MCP server (an AgentCore runtime from its ARN, or any URL) and diagnose failures.
    Invoke(Lazy<commands::invoke::InvokeArgs>),
    /// End-to-end checklist: config, discovery + JWKS, token, explain verdict, invoke.
    Doctor(Lazy<commands::doctor::DoctorArgs>),
    /// Local stand-in for the runtime's front door: authorizer rules + MCP Accept rule, then forward.
    Proxy(Lazy<commands::proxy::ProxyArgs>),
    /// Show an issuer's discovery document and JWKS: kids, algorithms, key sizes, cache state.
    Keys(Lazy<commands::keys::KeysArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(Lazy<commands::completions::CompletionsArgs>),
    /// Print the man page (roff).
    Man(Lazy<commands::completions::ManArgs>),
}

/// A command's arguments, added to its clap command only when that command is built: when it is
/// the one parsed, or for help, completions and the man page. Building every command's arguments
/// on every run cost about a third of a millisecond per process. The command keeps the
/// description of its `Command` variant (the arguments struct's own doc comment would replace it).
///
/// The global options are added the same way, to each command beside its own arguments, instead
/// of clap's `global = true`: clap copies a global argument into every subcommand before parsing
/// (13 options × 10 commands, 92 KB of heap and a tenth of the instructions of `decode`). They are
/// merged with the ones given before the command by [`Cli::globals`].
#[derive(Debug)]
pub struct Lazy<T> {
    /// The command's own arguments.
    pub args: T,
    /// Global options given after the command name (see `explicit_globals` for the environment).
    pub global: GlobalArgs,
}

impl<T> std::ops::Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.args
    }
}

/// Global options given after the command. When the top level has its own copy of the global
/// options, that copy reads the environment, and the values clap took from the environment here
/// are dropped, so that an option given before the command still beats the environment. When it
/// has none ([`skip_top_globals_for`]), this copy is the only one, environment included.
fn explicit_globals(m: &mut clap::ArgMatches) -> std::result::Result<GlobalArgs, clap::Error> {
    use clap::parser::ValueSource;
    let from_env = |id: &str| top_globals() && m.value_source(id) == Some(ValueSource::EnvVariable);
    let (env_cache_dir, env_runtime_endpoint) =
        (from_env("cache_dir"), from_env("runtime_endpoint"));
    let mut g = GlobalArgs::from_arg_matches_mut(m)?;
    if env_cache_dir {
        g.cache_dir = None;
    }
    if env_runtime_endpoint {
        g.runtime_endpoint = None;
    }
    Ok(g)
}

impl<T: clap::FromArgMatches> clap::FromArgMatches for Lazy<T> {
    fn from_arg_matches(m: &clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        Self::from_arg_matches_mut(&mut m.clone())
    }
    fn from_arg_matches_mut(m: &mut clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        let global = explicit_globals(m)?;
        Ok(Lazy {
            args: T::from_arg_matches_mut(m)?,
            global,
        })
    }
    fn update_from_arg_matches(
        &mut self,
        m: &clap::ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        self.update_from_arg_matches_mut(&mut m.clone())
    }
    fn update_from_arg_matches_mut(
        &mut self,
        m: &mut clap::ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        self.global = explicit_globals(m)?;
        self.args.update_from_arg_matches_mut(m)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(|c| keep_about(c, |c| GlobalArgs::augment_args(T::augment_args(c))))
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(|c| {
            keep_about(c, |c| {
                GlobalArgs::augment_args_for_update(T::augment_args_for_update(c))
            })
        })
    }
}

impl GlobalArgs {
    /// `self` (given before the command) overridden by `after` (given after it): a flag is set
    /// when either side sets it, an option takes the value given after the command if any.
    pub fn merged(&self, after: &GlobalArgs) -> GlobalArgs {
        fn pick<T: Clone>(before: &Option<T>, after: &Option<T>) -> Option<T> {
            after.clone().or_else(|| before.clone())
        }
        GlobalArgs {
            json: self.json || after.json,
            color: pick(&self.color, &after.color),
            now: pick(&self.now, &after.now),
            cache_dir: pick(&self.cache_dir, &after.cache_dir),
            verbose: self.verbose || after.verbose,
            quiet: self.quiet || after.quiet,
            config: pick(&self.config, &after.config),
            agent: pick(&self.agent, &after.agent),
            gateway: pick(&self.gateway, &after.gateway),
            region: pick(&self.region, &after.region),
            profile: pick(&self.profile, &after.profile),
            endpoint_url: pick(&self.endpoint_url, &after.endpoint_url),
            runtime_endpoint: pick(&self.runtime_endpoint, &after.runtime_endpoint),
            allow_http: self.allow_http || after.allow_http,
        }
    }
}

impl Command {
    /// The global options given after the command name.
    pub fn globals(&self) -> &GlobalArgs {
        match self {
            Command::Decode(a) => &a.global,
            Command::Verify(a) => &a.global,
            Command::Explain(a) => &a.global,
            Command::Login(a) => &a.global,
            Command::Invoke(a) => &a.global,
            Command::Doctor(a) => &a.global,
            Command::Proxy(a) => &a.global,
            Command::Keys(a) => &a.global,
            Command::Completions(a) => &a.global,
            Command::Man(a) => &a.global,
        }
    }
}

impl Cli {
    /// The global options, from before and after the command name (after wins).
    pub fn globals(&self) -> GlobalArgs {
        self.global.0.merged(self.command.globals())
    }
}

/// Applies `augment` to `cmd`, then restores the descriptions `cmd` had.
fn keep_about(cmd: clap::Command, augment: fn(clap::Command) -> clap::Command) -> clap::Command {
    let about = cmd.get_about().cloned();
    let long_about = cmd.get_long_about().cloned();
    use clap::builder::Resettable;
    augment(cmd)
        .about(about.map_or(Resettable::Reset, Resettable::Value))
        .long_about(long_about.map_or(Resettable::Reset, Resettable::Value))
}

/// Resolved global options.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--json`.
    pub json: bool,
    /// Whether stdout gets color.
    pub color: bool,
    /// `--now`, parsed; `None` = the clock.
    pub now: Option<i64>,
    /// Cache directory.
    pub cache_dir: PathBuf,
    /// `--verbose`.
    pub verbose: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// `--config`, or `./.bedrock_agentcore.yaml` when it exists.
    pub config: Option<PathBuf>,
    /// `--agent`.
    pub agent: Option<String>,
    /// `--gateway`.
    pub gateway: Option<String>,
    /// How the implicit config was chosen when two candidates exist (shown as a warning).
    pub config_note: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--runtime-endpoint`.
    pub runtime_endpoint: Option<String>,
    /// `--allow-http`.
    pub allow_http: bool,
}

impl Globals {
    /// Resolves flags and environment.
    pub fn resolve(g: &GlobalArgs) -> Result<Globals> {
        use std::io::IsTerminal;
        let color = match g.color.unwrap_or_default() {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
                    && !g.json
            }
        };
        colored::control::set_override(color);
        crate::render::set_progress(crate::render::progress_wanted(
            std::io::stderr().is_terminal(),
            g.quiet,
            g.json,
            g.verbose,
        ));
        let now = g
            .now
            .as_deref()
            .map(crate::timefmt::parse_now)
            .transpose()?;
        let cache_dir = g.cache_dir.clone().unwrap_or_else(|| {
            dirs::cache_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("tokdiag")
        });
        let (config, config_note) = match &g.config {
            Some(p) => (Some(p.clone()), None),
            None => {
                let (found, note) = crate::authorizer::config::discover(Path::new("."));
                (found, note)
            }
        };
        Ok(Globals {
            json: g.json,
            color,
            now,
            cache_dir,
            verbose: g.verbose,
            quiet: g.quiet,
            config,
            agent: g.agent.clone(),
            gateway: g.gateway.clone(),
            config_note,
            region: g.region.clone(),
            profile: g.profile.clone(),
            endpoint_url: g.endpoint_url.clone(),
            runtime_endpoint: g.runtime_endpoint.clone(),
            allow_http: g.allow_http,
        })
    }

    /// Says on stderr which config is used when both `.bedrock_agentcore.yaml` and
    /// `agentcore/agentcore.json` exist (the text `explain` shows among its warnings), unless
    /// `--quiet`. For the commands that do not print the authorizer's warnings: `login`,
    /// `invoke`, `doctor`.
    pub fn print_config_note(&self) {
        if let Some(n) = &self.config_note
            && !self.quiet
        {
            crate::render::note(&format!("warning: {}", crate::render::esc(n)));
        }
    }

    /// The options that select and shape the authorizer from `--config`, `--agent`, `--gateway`
    /// and `--region` (the one place they are copied from; a command adds its own flags with
    /// `..g.load_options()`). `config_note` is left for the caller, which may print it itself.
    pub fn load_options(&self) -> crate::authorizer::config::LoadOptions {
        crate::authorizer::config::LoadOptions {
            config: self.config.clone(),
            agent: self.agent.clone(),
            gateway: self.gateway.clone(),
            region: self.region.clone(),
            ..Default::default()
        }
    }

    /// The evaluation time: `--now` or the clock.
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(crate::timefmt::system_now)
    }
}

/// Runs the parsed command; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let g = Globals::resolve(&cli.globals())?;
    match cli.command {
        Command::Decode(a) => commands::decode::run(&a, &g),
        Command::Verify(a) => commands::verify::run(&a, &g),
        Command::Keys(a) => commands::keys::run(&a, &g),
        Command::Login(a) => commands::login::run(&a, &g),
        Command::Invoke(a) => commands::invoke::run(&a, &g),
        Command::Doctor(a) => commands::doctor::run(&a, &g),
        Command::Proxy(a) => commands::proxy::run(&a, &g),
        Command::Explain(a) => commands::explain::run(&a, &g),
        Command::Completions(a) => commands::completions::run(&a, &g),
        Command::Man(a) => commands::completions::run_man(&a, &g),
    }
}
