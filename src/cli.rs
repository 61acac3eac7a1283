//! Command-line definition (clap derive) and the resolve step that turns global flags plus the
//! environment into a [`Globals`] every command reads. Clap structs stay dumb; each command's own
//! arguments live beside its code in `commands/`.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// The options every command takes, before or after its name.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
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

/// The options every command takes, before or after its name (clap globals).
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Print one JSON document on stdout (JSON lines for batch verify); errors too.
    #[arg(long, global = true)]
    pub json: bool,
    /// Color output: auto (terminal and no NO_COLOR), always, never [default: auto].
    #[arg(long, value_name = "WHEN", global = true)]
    pub color: Option<ColorChoice>,
    /// Evaluate time checks at TIME (RFC 3339 or Unix seconds) instead of the clock.
    #[arg(long, value_name = "TIME", global = true)]
    pub now: Option<String>,
    /// Cache directory for JWKS, discovery documents and login tokens [default: XDG cache dir/tokdiag].
    #[arg(long, value_name = "DIR", env = "TOKDIAG_CACHE_DIR", global = true)]
    pub cache_dir: Option<PathBuf>,
    /// Show HTTP exchanges on stderr (Authorization redacted).
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    /// No summary or warnings on stderr.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

impl GlobalArgs {
    /// The palette `--color` asks for: `always`, `never`, or for `auto` (the default) color when
    /// stdout is a terminal, `NO_COLOR` is unset or empty, and `--json` is not given. `main` asks
    /// too, for an error reported after the command gave up its [`Globals`].
    pub fn palette(&self) -> crate::output::Palette {
        use std::io::IsTerminal;
        crate::output::Palette::new(match self.color.unwrap_or_default() {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
                    && !self.json
            }
        })
    }
}

/// Which project file and which resource in it: the commands that read an authorizer config.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Project options")]
pub struct ProjectArgs {
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
    /// Which resource: a CloudFormation logical id (a Runtime or Gateway), or a Terraform resource
    /// (`TYPE.NAME` or `NAME`).
    #[arg(long, value_name = "LOGICAL_ID")]
    pub resource: Option<String>,
    /// A value the file leaves unresolved (repeatable): CloudFormation parameter, `Resource.Attr`
    /// or pseudo parameter; Terraform variable name or reference (`aws_cognito_user_pool.main.id`).
    #[arg(long = "param", id = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// AWS region (resolves `AWS::Region`; else AWS_REGION, else the user pool id's prefix).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

/// `decode`'s way to pick the token `login` cached when no token is given: by config and agent.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Cached token")]
pub struct CacheKeyArgs {
    /// The config whose cached login token to read [default: ./.bedrock_agentcore.yaml, else
    /// ./agentcore/agentcore.json].
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The agent whose cached login token to read.
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
}

/// AWS credentials and the Cognito endpoint: the commands that call AWS.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "AWS options")]
pub struct AwsArgs {
    /// AWS profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Cognito endpoint URL (an emulator, for example); AWS_ENDPOINT_URL* are honoured too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// The AgentCore data-plane endpoint: the commands that call a runtime.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "AWS options")]
pub struct RuntimeEndpointArgs {
    /// AgentCore data-plane endpoint [env: BEDROCK_AGENTCORE_DP_ENDPOINT].
    #[arg(long, value_name = "URL", env = "BEDROCK_AGENTCORE_DP_ENDPOINT")]
    pub runtime_endpoint: Option<String>,
}

/// The URL policy: the commands that fetch discovery documents, JWKS or token endpoints.
#[derive(Debug, Clone, Args, Default)]
#[command(next_help_heading = "Network options")]
pub struct NetArgs {
    /// Allow plain-http discovery/JWKS URLs on hosts other than loopback.
    #[arg(long)]
    pub allow_http: bool,
}

fn parse_param(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| "parameters must have the form Name=Value".to_string())
}

/// The option groups a command has, borrowed from its arguments (`None`: it has not that group).
#[derive(Debug, Clone, Copy, Default)]
pub struct Groups<'a> {
    /// `--config`, `--agent`, `--gateway`, `--resource`, `--param`, `--region`.
    pub project: Option<&'a ProjectArgs>,
    /// `decode`'s `--config` and `--agent` (the cached token's key).
    pub cache_key: Option<&'a CacheKeyArgs>,
    /// `--profile`, `--endpoint-url`.
    pub aws: Option<&'a AwsArgs>,
    /// `--runtime-endpoint`.
    pub runtime: Option<&'a RuntimeEndpointArgs>,
    /// `--allow-http`.
    pub net: Option<&'a NetArgs>,
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

impl Command {
    /// The option groups of the command parsed.
    pub fn groups(&self) -> Groups<'_> {
        match self {
            Command::Decode(a) => Groups {
                cache_key: Some(&a.cache_key),
                ..Groups::default()
            },
            Command::Verify(a) => Groups {
                project: Some(&a.project),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Explain(a) => Groups {
                project: Some(&a.project),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Login(a) => Groups {
                project: Some(&a.project),
                aws: Some(&a.aws),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Invoke(a) => Groups {
                project: Some(&a.project),
                aws: Some(&a.aws),
                runtime: Some(&a.runtime),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Doctor(a) => Groups {
                project: Some(&a.project),
                aws: Some(&a.aws),
                runtime: Some(&a.runtime),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Proxy(a) => Groups {
                project: Some(&a.project),
                aws: Some(&a.aws),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Keys(a) => Groups {
                project: Some(&a.project),
                net: Some(&a.net),
                ..Groups::default()
            },
            Command::Completions(_) | Command::Man(_) => Groups::default(),
        }
    }
}

/// A command's arguments, added to its clap command only when that command is built: when it is
/// the one parsed, or for help, completions and the man page (clap's `Command::defer`). Building
/// every command's arguments on every run cost about a third of a millisecond per process. The
/// command keeps the description of its `Command` variant (the arguments struct's own doc comment
/// would replace it).
#[derive(Debug)]
pub struct Lazy<T>(pub T);

impl<T> std::ops::Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: clap::FromArgMatches> clap::FromArgMatches for Lazy<T> {
    fn from_arg_matches(m: &clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        T::from_arg_matches(m).map(Lazy)
    }
    fn from_arg_matches_mut(m: &mut clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        T::from_arg_matches_mut(m).map(Lazy)
    }
    fn update_from_arg_matches(
        &mut self,
        m: &clap::ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }
    fn update_from_arg_matches_mut(
        &mut self,
        m: &mut clap::ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(m)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(|c| keep_about(c, T::augment_args))
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(|c| keep_about(c, T::augment_args_for_update))
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

/// The options of a command's groups that may also be written before the command name, as
/// `tokdiag --config X explain`, and whether each takes a value. Global options need no help
/// (clap takes them anywhere).
const HOISTED: &[(&str, bool)] = &[
    ("--config", true),
    ("--agent", true),
    ("--gateway", true),
    ("--resource", true),
    ("--param", true),
    ("--region", true),
    ("--profile", true),
    ("--endpoint-url", true),
    ("--runtime-endpoint", true),
    ("--allow-http", false),
];

/// The long options `command` has, read from its clap command (built for this alone: only when
/// options stand before the command name). Empty for a name that is not a command.
fn options_of(command: &str) -> Vec<String> {
    let mut root = <Cli as clap::CommandFactory>::command();
    let Some(sub) = root.find_subcommand_mut(command) else {
        return Vec::new();
    };
    sub.build();
    sub.get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

/// The global options that are flags.
const GLOBAL_FLAGS: &[&str] = &["--json", "-v", "--verbose", "-q", "--quiet"];

/// The global options that take a value (so that their value is not read as a command name).
const GLOBAL_VALUED: &[&str] = &["--color", "--now", "--cache-dir"];

/// Moves the group options written before the command name (`tokdiag --config X explain …`) to
/// just after it (`tokdiag explain --config X …`), where the command's own parser takes them. A
/// prefix is shared: scripts put `--config`, `--region`, `--endpoint-url` before every command of
/// a chain (login, explain, invoke), so a prefix option the command has no use for is dropped
/// (its clap command says which it has); after the command name the command's parser refuses it
/// (`tokdiag decode --runtime-endpoint URL` is a usage error). A pure step on argv: anything it
/// does not recognise — an unknown option, `--help`, no command name — leaves argv as it is, for
/// clap to report.
pub fn hoist_leading_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    // The option words before the command name, read once: each group option as (its name in
    // HOISTED, first word, word count), each global option as (first word, word count).
    let mut hoisted: Vec<(&'static str, usize, usize)> = Vec::new();
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut i = 1;
    while let Some(word) = args.get(i) {
        let Some(a) = word.to_str() else {
            return args;
        };
        if !a.starts_with('-') {
            break;
        }
        let (name, inline) = a.split_once('=').map_or((a, false), |(n, _)| (n, true));
        let (group, takes_value) = if let Some(&(n, v)) = HOISTED.iter().find(|(n, _)| *n == name) {
            (Some(n), v)
        } else if GLOBAL_FLAGS.contains(&a) {
            (None, false)
        } else if GLOBAL_VALUED.contains(&name) {
            (None, true)
        } else {
            return args;
        };
        let words = if takes_value && !inline { 2 } else { 1 };
        if i + words > args.len() {
            return args;
        }
        match group {
            Some(n) => hoisted.push((n, i, words)),
            None => kept.push((i, words)),
        }
        i += words;
    }
    let command = match args.get(i).and_then(|c| c.to_str()) {
        Some(c) if c != "help" && <Command as Subcommand>::has_subcommand(c) => c,
        _ => return args,
    };
    if hoisted.is_empty() {
        return args;
    }
    let takes = options_of(command);
    let mut out = Vec::with_capacity(args.len());
    out.push(args[0].clone());
    for &(start, n) in &kept {
        out.extend_from_slice(&args[start..start + n]);
    }
    out.push(args[i].clone());
    for &(name, start, n) in &hoisted {
        if takes.iter().any(|t| t == name) {
            out.extend_from_slice(&args[start..start + n]);
        }
    }
    out.extend_from_slice(&args[i + 1..]);
    out
}

/// The options a command runs with: the global ones and those of its groups (a group the command
/// has not leaves its fields empty), resolved against the environment.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--json`.
    pub json: bool,
    /// Whether stdout gets color.
    pub color: bool,
    /// The palette of human output, from `color` (passed to every formatting function).
    pub palette: crate::output::Palette,
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
    /// `--resource`.
    pub resource: Option<String>,
    /// `--param NAME=VALUE`, in order.
    pub params: Vec<(String, String)>,
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
    /// Where the code below the commands sends its notes and warnings (stderr, filtered by
    /// `--verbose` and `--quiet`).
    pub notes: crate::notes::Notes,
}

impl Globals {
    /// Resolves flags and environment.
    pub fn resolve(g: &GlobalArgs, groups: Groups<'_>) -> Result<Globals> {
        use std::io::IsTerminal;
        let palette = g.palette();
        let color = palette.color;
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
        let given_config = groups
            .project
            .and_then(|p| p.config.clone())
            .or_else(|| groups.cache_key.and_then(|c| c.config.clone()));
        let (config, config_note) = match given_config {
            Some(p) => (Some(p), None),
            None if groups.project.is_some() || groups.cache_key.is_some() => {
                crate::authorizer::config::discover(Path::new("."))
            }
            None => (None, None),
        };
        let project = groups.project.cloned().unwrap_or_default();
        let aws = groups.aws.cloned().unwrap_or_default();
        Ok(Globals {
            json: g.json,
            color,
            palette,
            now,
            cache_dir,
            verbose: g.verbose,
            quiet: g.quiet,
            config,
            agent: project
                .agent
                .or_else(|| groups.cache_key.and_then(|c| c.agent.clone())),
            gateway: project.gateway,
            resource: project.resource,
            params: project.params,
            config_note,
            region: project.region,
            profile: aws.profile,
            endpoint_url: aws.endpoint_url,
            runtime_endpoint: groups.runtime.and_then(|r| r.runtime_endpoint.clone()),
            allow_http: groups.net.is_some_and(|n| n.allow_http),
            notes: crate::output::stderr_notes(
                g.verbose,
                g.quiet,
                crate::output::progress_wanted(
                    std::io::stderr().is_terminal(),
                    g.quiet,
                    g.json,
                    g.verbose,
                ),
                palette,
            ),
        })
    }

    /// Says which config is used when both `.bedrock_agentcore.yaml` and
    /// `agentcore/agentcore.json` exist (the text `explain` shows among its warnings): a
    /// [`Note::ConfigWarning`](crate::notes::Note::ConfigWarning) to [`Globals::notes`], shown
    /// unless `--quiet`. For the commands that do not print the authorizer's warnings: `login`,
    /// `invoke`, `doctor`.
    pub fn send_config_note(&self) {
        if let Some(n) = &self.config_note {
            self.notes
                .send(crate::notes::Note::ConfigWarning(n.clone()));
        }
    }

    /// The options that select and shape the authorizer from `--config`, `--agent`, `--gateway`,
    /// `--resource`, `--param` and `--region` (the one place they are copied from; a command adds
    /// its own flags with `..g.load_options()`). `config_note` is left for the caller, which may
    /// print it itself.
    pub fn load_options(&self) -> crate::authorizer::config::LoadOptions {
        crate::authorizer::config::LoadOptions {
            config: self.config.clone(),
            agent: self.agent.clone(),
            gateway: self.gateway.clone(),
            resource: self.resource.clone(),
            params: self.params.clone(),
            region: self.region.clone(),
            ..Default::default()
        }
    }

    /// How discovery documents and JWKS are fetched: under `--cache-dir`, with `--allow-http`,
    /// notes to [`Globals::notes`].
    pub fn fetch_options(&self) -> crate::oidc::FetchOptions {
        crate::oidc::FetchOptions::new(&self.cache_dir, self.allow_http, &self.notes)
    }

    /// The evaluation time: `--now` or the clock.
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(crate::timefmt::system_now)
    }
}

/// Runs the parsed command; returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let g = Globals::resolve(&cli.global, cli.command.groups())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn hoist(args: &[&str]) -> Vec<String> {
        let v = args.iter().map(std::ffi::OsString::from).collect();
        hoist_leading_options(v)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn params_parse() {
        assert_eq!(parse_param("A=b=c").unwrap(), ("A".into(), "b=c".into()));
        assert!(parse_param("nope").is_err());
        assert!(parse_param("=v").is_err());
    }

    #[test]
    fn group_options_before_the_command_move_after_its_name() {
        assert_eq!(
            hoist(&["t", "--config", "c.yaml", "--json", "explain", "TOK"]),
            ["t", "--json", "explain", "--config", "c.yaml", "TOK"]
        );
        assert_eq!(
            hoist(&[
                "t",
                "--now",
                "5",
                "--param=A=b",
                "--allow-http",
                "login",
                "--x"
            ]),
            [
                "t",
                "--now",
                "5",
                "login",
                "--param=A=b",
                "--allow-http",
                "--x"
            ]
        );
        assert_eq!(
            hoist(&["t", "--region", "r", "--agent", "a", "doctor"]),
            ["t", "doctor", "--region", "r", "--agent", "a"]
        );
    }

    #[test]
    fn anything_unrecognised_leaves_argv_alone() {
        for args in [
            &["t", "--config", "c", "--help", "explain"][..],
            &["t", "--config", "c", "--bogus", "explain"],
            &["t", "--config", "c"],
            &["t", "--config"],
            &["t", "--config", "c", "help", "explain"],
            &["t", "--config", "c", "nosuchcommand"],
            &["t", "--json", "decode", "--config", "c"],
            &["t", "explain", "--config", "c"],
        ] {
            assert_eq!(hoist(args), args, "{args:?}");
        }
    }

    #[test]
    fn a_value_that_looks_like_a_command_stays_a_value() {
        // `--now decode` is --now's value; the command is explain.
        assert_eq!(
            hoist(&["t", "--config", "c", "--now", "decode", "explain"]),
            ["t", "--now", "decode", "explain", "--config", "c"]
        );
    }

    fn parse(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        let argv = hoist_leading_options(args.iter().map(std::ffi::OsString::from).collect());
        Cli::try_parse_from(argv)
    }

    #[test]
    fn globals_are_taken_before_and_after_the_command() {
        let a = parse(&["t", "--json", "decode", "x"]).unwrap();
        let b = parse(&["t", "decode", "x", "--json"]).unwrap();
        assert!(a.global.json && b.global.json);
        let c = parse(&["t", "--now", "1", "explain", "--now", "2", "x"]).unwrap();
        assert_eq!(c.global.now.as_deref(), Some("2"));
    }

    #[test]
    fn group_options_are_only_on_the_commands_that_use_them() {
        for args in [
            &["t", "decode", "--runtime-endpoint", "u", "x"][..],
            &["t", "decode", "--param", "A=b", "x"],
            &["t", "keys", "--profile", "p"],
            &["t", "explain", "--endpoint-url", "http://127.0.0.1:1", "x"],
            &["t", "completions", "bash", "--config", "c"],
        ] {
            let e = parse(args).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::UnknownArgument,
                "{args:?}"
            );
        }
        for args in [
            &["t", "login", "--param", "A=b", "--resource", "R"][..],
            &["t", "invoke", "--param", "A=b", "--runtime-endpoint", "u"],
            &["t", "doctor", "--param", "A=b", "--profile", "p"],
            &["t", "--config", "c", "--resource", "R", "explain", "x"],
            &["t", "decode", "--config", "c", "--agent", "a"],
        ] {
            parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
    }

    #[test]
    fn a_shared_prefix_gives_each_command_the_options_it_has() {
        assert_eq!(
            hoist(&["t", "--config", "c", "--endpoint-url", "u", "explain", "x"]),
            ["t", "explain", "--config", "c", "x"]
        );
        assert_eq!(
            hoist(&[
                "t",
                "--config=c",
                "--runtime-endpoint",
                "u",
                "--allow-http",
                "decode"
            ]),
            ["t", "decode", "--config=c"]
        );
        assert_eq!(
            hoist(&["t", "--endpoint-url", "u", "--param", "A=b", "login"]),
            ["t", "login", "--endpoint-url", "u", "--param", "A=b"]
        );
        let c = parse(&["t", "--runtime-endpoint", "u", "decode", "x"]).unwrap();
        assert!(matches!(c.command, Command::Decode(_)));
    }

    #[test]
    fn hoisted_options_take_a_value_as_clap_says() {
        let mut root = Cli::command();
        root.build();
        for (opt, takes_value) in HOISTED {
            let mut seen = false;
            for sub in root.get_subcommands() {
                let mut sub = sub.clone();
                sub.build();
                if let Some(a) = sub
                    .get_arguments()
                    .find(|a| a.get_long().is_some_and(|l| format!("--{l}") == *opt))
                {
                    seen = true;
                    assert_eq!(a.get_action().takes_values(), *takes_value, "{opt}");
                    assert!(options_of(sub.get_name()).iter().any(|o| o == opt));
                }
            }
            assert!(seen, "{opt} is on no command");
        }
        assert!(options_of("nosuchcommand").is_empty());
    }

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }
}
