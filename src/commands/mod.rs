//! One module per command: its clap arguments and its `run`, which computes data and hands it to
//! the renderers. Shared here: reading a token from the accepted input forms.

pub mod completions;
pub mod decode;
pub mod doctor;
pub mod explain;
pub mod invoke;
pub mod keys;
pub mod login;
pub mod proxy;
pub mod verify;

use std::io::{IsTerminal, Read};

use clap::Args;

use crate::cli::Globals;
use crate::error::{Error, Result};
use crate::token::{Input, Use};

/// Adds the note `Globals::config_note` holds (both `./.bedrock_agentcore.yaml` and
/// `./agentcore/agentcore.json` exist: which is used, how to pick the other) to a command's JSON
/// document as a `warnings` entry, the same text `explain --json` lists among its warnings.
pub(crate) fn add_config_note(doc: &mut serde_json::Value, g: &Globals) {
    let (Some(note), serde_json::Value::Object(m)) = (&g.config_note, doc) else {
        return;
    };
    let w = m
        .entry("warnings")
        .or_insert_with(|| serde_json::Value::Array(Vec::new()));
    if let serde_json::Value::Array(items) = w {
        items.insert(0, serde_json::Value::String(note.clone()));
    }
}

/// Largest token input read from stdin or a file: 1 MiB (a JSON bundle with three tokens is ~5 KiB).
const MAX_STDIN: u64 = 1024 * 1024;

/// Token arguments shared by decode and explain.
#[derive(Debug, Clone, Args, Default)]
pub struct TokenArgs {
    /// The token: a JWT, `Bearer <jwt>`, `-` (stdin), `@PATH`, or the JSON of `aws cognito-idp
    /// initiate-auth` or an OAuth token response. Without it: stdin when piped, else the token
    /// cached by `tokdiag login`.
    #[arg(value_name = "TOKEN")]
    pub token: Option<String>,
    /// The token, as a flag (same forms as TOKEN).
    #[arg(
        long = "token",
        id = "token_flag",
        value_name = "TOKEN",
        conflicts_with = "token"
    )]
    pub token_flag: Option<String>,
    /// Which token of a JSON bundle (initiate-auth, OAuth response) to take [default: the one the
    /// authorizer needs; access when unknown].
    #[arg(long = "use", value_enum, value_name = "access|id")]
    pub use_token: Option<Use>,
}

/// Where a token came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Given on the command line.
    Argument,
    /// Read from stdin.
    Stdin,
    /// Read from a file.
    File(String),
    /// The `login` cache.
    Cache(String),
}

impl TokenArgs {
    /// The token spec given, positional or flag.
    pub fn spec(&self) -> Option<&str> {
        self.token.as_deref().or(self.token_flag.as_deref())
    }
}

/// True when `s` has the shape of a compact JWS: base64url characters in three segments.
fn looks_like_jws(s: &str) -> bool {
    let s = crate::token::clean(s);
    s.matches('.').count() == 2
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '='))
}

/// Reads all of stdin, capped.
pub fn read_stdin() -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_STDIN + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::input(format!("cannot read stdin: {e}"), None))?;
    if buf.len() as u64 > MAX_STDIN {
        return Err(Error::input(
            "stdin holds more than 1 MiB: that is not a token",
            Some("pipe one token, or one per line to `tokdiag verify`".to_string()),
        ));
    }
    String::from_utf8(buf).map_err(|_| Error::input("stdin is not UTF-8 text", None))
}

/// Reads the raw text of a token spec: `-` is stdin, `@PATH` a file, anything else the token itself.
/// `None` (no token given) reads stdin when it is not a terminal; empty stdin counts as no token.
pub fn read_spec(spec: Option<&str>) -> Result<Option<(String, Source)>> {
    match spec {
        Some("-") => Ok(Some((read_stdin()?, Source::Stdin))),
        Some(s) if s.starts_with('@') && s.len() > 1 => {
            let path = std::path::Path::new(&s[1..]);
            Ok(Some((
                crate::fsx::read_to_string(path)?,
                Source::File(path.display().to_string()),
            )))
        }
        // A path given without `@` (a JWT never contains '/' and has exactly two dots): read it.
        Some(s) if !looks_like_jws(s) && std::path::Path::new(s).is_file() => {
            let path = std::path::Path::new(s);
            Ok(Some((
                crate::fsx::read_to_string(path)?,
                Source::File(path.display().to_string()),
            )))
        }
        Some(s) => Ok(Some((s.to_string(), Source::Argument))),
        None => {
            if std::io::stdin().is_terminal() {
                return Ok(None);
            }
            let text = read_stdin()?;
            if text.trim().is_empty() {
                Ok(None)
            } else {
                Ok(Some((text, Source::Stdin)))
            }
        }
    }
}

/// The token to work on: read, recognised, and picked from a bundle.
#[derive(Debug, Clone)]
pub struct GivenToken {
    /// The cleaned token text (maybe not a JWT: the parser decides).
    pub text: String,
    /// Where it came from.
    pub source: Source,
    /// Which token of a bundle was taken, when the input was a bundle.
    pub picked: Option<Use>,
}

/// Reads the token of `args` (or stdin, or the login cache) and picks from bundles: `--use`, else
/// `prefer`.
pub fn given_token(args: &TokenArgs, g: &Globals, prefer: Use) -> Result<GivenToken> {
    let (text, source) = match read_spec(args.spec())? {
        Some(t) => t,
        None => match cached_token(g, args.use_token.unwrap_or(prefer))? {
            Some(t) => return Ok(t),
            None => {
                return Err(Error::usage(
                    "no token given",
                    Some(
                        "pass TOKEN (or @FILE, or - for stdin), pipe it on stdin, or run `tokdiag login` first"
                            .to_string(),
                    ),
                ));
            }
        },
    };
    match crate::token::recognise(&text) {
        Input::Single(t) => Ok(GivenToken {
            text: t,
            source,
            picked: None,
        }),
        Input::Bundle(b) => {
            let (t, u) = b
                .pick(args.use_token, prefer)
                .map_err(|m| Error::input(m, Some("use --use access or --use id".to_string())))?;
            Ok(GivenToken {
                text: t,
                source,
                picked: Some(u),
            })
        }
    }
}

/// The token cached by `tokdiag login`, when there is one. Filled in by the login module.
pub fn cached_token(g: &Globals, which: Use) -> Result<Option<GivenToken>> {
    Ok(crate::cognito::cache::cached_for(
        &g.cache_dir,
        &crate::cognito::cache::config_key(g.config.as_deref(), g.agent.as_deref()),
        &g.notes,
        g.now(),
        which,
    )?
    .map(|c| GivenToken {
        text: c.token,
        source: Source::Cache(c.describe),
        picked: Some(c.which),
    }))
}
