//! `tokdiag verify`: signature and standard claims against the issuer's discovery document and
//! JWKS (network + disk cache), or a JWKS file offline. One token gets every check listed; many
//! tokens (one per line on stdin, or several arguments) get one line each, verified on all cores
//! with the keys fetched and parsed once.

mod batch;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use crate::authorizer::config::load;
use crate::claims::{self, Expectations};
use crate::cli::Globals;
use crate::commands::cached_token;
use crate::error::{Error, Result};
use crate::keyring::{KeyRing, KeySpec};
use crate::oidc::{self, FetchOptions, FetchedJwks};
use crate::output;
use crate::report::{Check, Status};
use crate::signature::SigOutcome;
use crate::token::{self, Input, Jwt, Use};

/// Largest input read whole (one token or a JSON bundle; a batch of one token per line streams,
/// whatever its size): 256 MiB, as when batches were read whole.
const MAX_BATCH_BYTES: u64 = 256 * 1024 * 1024;

/// Arguments of `verify`.
#[derive(Debug, Args)]
#[command(
    after_help = "Keys come from --jwks FILE (offline), else --discovery-url, else --issuer \
(<issuer>/.well-known/openid-configuration), else the discoveryUrl of --config. Discovery documents \
and JWKS are cached under --cache-dir for their Cache-Control max-age (default 1 h); an unknown kid \
fetches the JWKS once more.

Many tokens: pipe one per line on stdin (blank lines skipped): one result line each, in input \
order (--json: JSON lines with \"line\"); exit 1 if any is refused.

Examples:
  tokdiag verify --issuer https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx \"$TOKEN\"
  tokdiag verify --jwks jwks.json --client-id 3ipsf00btbffko91d8irdu8up1 @token.jwt
  cat tokens.txt | tokdiag verify --discovery-url https://…/.well-known/openid-configuration"
)]
pub struct VerifyArgs {
    /// Tokens: a JWT, `Bearer <jwt>`, `-` (stdin), `@PATH`, or initiate-auth/OAuth JSON. Without
    /// one: stdin when piped (one token per line = batch), else the token cached by `tokdiag login`.
    #[arg(value_name = "TOKEN")]
    pub tokens: Vec<String>,
    /// Discovery URL (…/.well-known/openid-configuration); its `issuer` is the expected `iss`.
    #[arg(long, value_name = "URL")]
    pub discovery_url: Option<String>,
    /// Expected issuer (exact, trailing slash matters); also locates the discovery document when
    /// --discovery-url is not given.
    #[arg(long, value_name = "ISS")]
    pub issuer: Option<String>,
    /// `aud` must contain one of these (repeatable).
    #[arg(long, value_name = "AUD")]
    pub audience: Vec<String>,
    /// App client id (repeatable): matched against `aud` when the token is a Cognito ID token
    /// (`token_use` id), else against `client_id`. `token_use` itself is checked only with
    /// --token-use (aws-jwt-verify always requires it).
    #[arg(long, value_name = "ID")]
    pub client_id: Vec<String>,
    /// The `token_use` the token must have.
    #[arg(long, value_enum, value_name = "access|id")]
    pub token_use: Option<Use>,
    /// Clock skew allowed for `exp` and `nbf`, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub leeway: u64,
    /// Verify offline with this JWKS file (a JWKS or a single JWK); the issuer is then --issuer or
    /// the discovery URL without its /.well-known suffix.
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// Which token of a JSON bundle (initiate-auth, OAuth response) to take [default: access].
    #[arg(long = "use", value_enum, value_name = "access|id")]
    pub use_token: Option<Use>,
    /// The project file and resource.
    #[command(flatten)]
    pub project: crate::cli::ProjectArgs,
    /// The URL policy.
    #[command(flatten)]
    pub net: crate::cli::NetArgs,
}

// ---------------------------------------------------------------------------------------------
// Key source (shared with `keys`)

/// Where the keys come from, resolved from flags and config.
#[derive(Debug, Clone, Default)]
pub struct KeySource {
    /// `--jwks FILE`.
    pub jwks_file: Option<PathBuf>,
    /// The discovery URL (flag, `--issuer`, or config).
    pub discovery_url: Option<String>,
    /// `--issuer` as given.
    pub issuer: Option<String>,
    /// Where the discovery URL came from (for messages).
    pub discovery_from: &'static str,
}

/// Resolves the key source: `--jwks`, `--discovery-url`, `--issuer`, then the config's
/// `discoveryUrl`. Usage error when there is none.
pub fn resolve_source(
    discovery_url: Option<&str>,
    issuer: Option<&str>,
    jwks: Option<&Path>,
    g: &Globals,
) -> Result<KeySource> {
    let mut s = KeySource {
        jwks_file: jwks.map(Path::to_path_buf),
        issuer: issuer.map(str::to_string),
        ..Default::default()
    };
    if let Some(d) = discovery_url {
        s.discovery_url = Some(d.trim().to_string());
        s.discovery_from = "--discovery-url";
    } else if let Some(i) = issuer {
        s.discovery_url = Some(oidc::discovery_url_for_issuer_or_suffixed(i));
        s.discovery_from = "--issuer";
    } else {
        // The region too: it resolves `AWS::Region` in a CloudFormation discovery URL.
        let auth = load(&g.load_options())?;
        if let Some(d) = auth.as_ref().and_then(|a| a.discovery_url()) {
            s.discovery_url = Some(d);
            s.discovery_from = "the config";
        }
    }
    if s.jwks_file.is_none() && s.discovery_url.is_none() {
        return Err(Error::usage(
            "no keys to verify with: no --discovery-url, --issuer, --jwks or config discoveryUrl",
            Some(
                "pass --discovery-url URL, --issuer ISS, --jwks FILE (offline), or --config .bedrock_agentcore.yaml"
                    .to_string(),
            ),
        ));
    }
    Ok(s)
}

impl KeySource {
    /// Where the keys come from: the file offline, else the discovery URL.
    pub fn spec(&self) -> KeySpec {
        match &self.jwks_file {
            Some(f) => KeySpec::File(f.clone()),
            None => KeySpec::Discovery(self.discovery_url.clone().unwrap_or_default()),
        }
    }

    /// Acquires the keys (a file offline, else discovery + JWKS through the cache).
    pub fn ring(&self, o: &FetchOptions) -> Result<KeyRing> {
        KeyRing::acquire_blocking(&self.spec(), o)
    }

    /// Loads the keys: the file offline, else discovery + JWKS through the cache.
    pub fn keys(&self, o: &FetchOptions) -> Result<FetchedJwks> {
        Ok(self.ring(o)?.into_fetched())
    }

    /// The issuer `iss` must equal, and where it came from.
    pub fn expected_issuer(&self, keys: &FetchedJwks) -> (Option<String>, String) {
        if let Some(i) = &self.issuer {
            return (Some(i.clone()), "from --issuer".to_string());
        }
        if let Some(i) = keys.discovery.as_ref().and_then(|d| d.issuer.clone()) {
            return (Some(i), "from the discovery document".to_string());
        }
        match self
            .discovery_url
            .as_deref()
            .and_then(oidc::issuer_from_discovery_url)
        {
            Some(i) => (Some(i), "from the discovery URL".to_string()),
            None => (None, String::new()),
        }
    }
}

/// `discovery-issuer-mismatch` for `verify`: the discovery document names another issuer than
/// `--issuer`, or than its own URL (OpenID Connect Discovery §4.3).
fn discovery_warning(source: &KeySource, keys: &FetchedJwks) -> Option<String> {
    let d = keys.discovery.as_ref()?;
    let doc = d.issuer.as_deref()?;
    if let Some(want) = &source.issuer
        && want != doc
    {
        return Some(format!(
            "discovery-issuer-mismatch: the discovery document at {} says its issuer is {}, not {} (--issuer): its keys may belong to another issuer",
            output::esc(&d.url),
            output::esc(doc),
            output::esc(want)
        ));
    }
    crate::authorizer::idp::discovery_issuer_warning(&d.url, doc)
        .map(|m| format!("discovery-issuer-mismatch: {m}"))
}

// ---------------------------------------------------------------------------------------------
// Input

/// One token to verify.
#[derive(Debug, Clone)]
struct Item {
    /// 1-based input line (batch) or argument position.
    line: usize,
    /// The cleaned token text.
    text: String,
}

fn read_capped(r: impl Read, what: &str) -> Result<String> {
    let mut buf = Vec::new();
    r.take(MAX_BATCH_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::input(format!("cannot read {what}: {e}"), None))?;
    if buf.len() as u64 > MAX_BATCH_BYTES {
        return Err(Error::input(
            format!(
                "{what} holds more than {} MiB",
                MAX_BATCH_BYTES / 1024 / 1024
            ),
            Some("split the batch into smaller files".to_string()),
        ));
    }
    String::from_utf8(buf).map_err(|_| Error::input(format!("{what} is not UTF-8 text"), None))
}

fn looks_like_jwt(line: &str) -> bool {
    let t = token::clean(line);
    t.matches('.').count() >= 2 && !t.contains(char::is_whitespace)
}

/// Splits input text into tokens: a JSON bundle or one token → one item; several lines that look
/// like tokens → a batch.
fn items_from_text(text: &str, use_token: Option<Use>) -> Result<(Vec<Item>, bool)> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let is_json =
        text.trim_start().starts_with('{') && serde_json::from_str::<Value>(text.trim()).is_ok();
    if !is_json && lines.len() > 1 && lines.iter().filter(|(_, l)| looks_like_jwt(l)).count() >= 2 {
        let items = lines
            .into_iter()
            .map(|(n, l)| Item {
                line: n,
                text: token::clean(l),
            })
            .collect();
        return Ok((items, true));
    }
    let text = match token::recognise(text) {
        Input::Single(t) => t,
        Input::Bundle(b) => {
            b.pick(use_token, Use::Access)
                .map_err(|m| Error::input(m, Some("use --use access or --use id".to_string())))?
                .0
        }
    };
    Ok((vec![Item { line: 1, text }], false))
}

fn read_file_capped(path: &Path) -> Result<String> {
    let f = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_capped(f, &path.display().to_string())
}

fn no_token() -> Error {
    Error::usage(
        "no token given",
        Some("pass TOKEN (or @FILE, or - for stdin), pipe tokens on stdin, or run `tokdiag login` first".to_string()),
    )
}

/// The tokens to verify: one, several given as arguments, or a stream of lines.
enum Tokens {
    /// One token: every check listed.
    One(Item),
    /// Several arguments: one line each.
    Many(Vec<Item>),
    /// One token per line, read as it comes.
    Stream(batch::Stream),
}

impl Tokens {
    fn of((items, batch): (Vec<Item>, bool)) -> Tokens {
        match (batch, items.len()) {
            (false, 1) => Tokens::One(items.into_iter().next().unwrap_or(Item {
                line: 1,
                text: String::new(),
            })),
            _ => Tokens::Many(items),
        }
    }
}

/// Reads a stream (stdin or a file): a batch streams, anything else is read whole and split as
/// text. `None` when the stream is empty.
fn from_stream(
    r: Box<dyn Read + Send>,
    what: &str,
    use_token: Option<Use>,
) -> Result<Option<Tokens>> {
    match batch::sniff(r, what, MAX_BATCH_BYTES)? {
        batch::Sniffed::Batch(s) => Ok(Some(Tokens::Stream(s))),
        batch::Sniffed::Whole(text) if text.trim().is_empty() => Ok(None),
        batch::Sniffed::Whole(text) => items_from_text(&text, use_token).map(Tokens::of).map(Some),
    }
}

/// Collects the tokens: arguments, stdin, or the login cache.
fn collect(args: &VerifyArgs, g: &Globals) -> Result<Tokens> {
    let from_spec = |spec: &str, stream_ok: bool| -> Result<Tokens> {
        if spec == "-" {
            if !stream_ok {
                let text = read_capped(std::io::stdin().lock(), "stdin")?;
                return items_from_text(&text, args.use_token).map(Tokens::of);
            }
            return Ok(
                from_stream(Box::new(std::io::stdin()), "stdin", args.use_token)?.unwrap_or(
                    Tokens::One(Item {
                        line: 1,
                        text: String::new(),
                    }),
                ),
            );
        }
        if let Some(p) = spec.strip_prefix('@').filter(|p| !p.is_empty()) {
            if !stream_ok {
                return items_from_text(&read_file_capped(Path::new(p))?, args.use_token)
                    .map(Tokens::of);
            }
            let f = std::fs::File::open(p).map_err(|source| Error::Read {
                path: PathBuf::from(p),
                source,
            })?;
            return Ok(
                from_stream(Box::new(f), p, args.use_token)?.unwrap_or(Tokens::One(Item {
                    line: 1,
                    text: String::new(),
                })),
            );
        }
        items_from_text(spec, args.use_token).map(Tokens::of)
    };
    match args.tokens.as_slice() {
        [] => {
            if !std::io::stdin().is_terminal()
                && let Some(t) = from_stream(Box::new(std::io::stdin()), "stdin", args.use_token)?
            {
                return Ok(t);
            }
            match cached_token(g, args.use_token.unwrap_or(Use::Access))? {
                Some(t) => Ok(Tokens::One(Item {
                    line: 1,
                    text: t.text,
                })),
                None => Err(no_token()),
            }
        }
        [one] => from_spec(one, true),
        many => {
            let mut out = Vec::new();
            for spec in many {
                match from_spec(spec, false)? {
                    Tokens::One(it) => out.push(it),
                    Tokens::Many(items) => out.extend(items),
                    // Not built without stream_ok.
                    Tokens::Stream(_) => {}
                }
            }
            for (i, it) in out.iter_mut().enumerate() {
                it.line = i + 1;
            }
            Ok(Tokens::Many(out))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation and output

/// The result of one token: what the output layer ([`crate::output::verify`]) shows.
pub struct Outcome<'a> {
    /// Whether every check passed.
    pub valid: bool,
    /// The token, when it parsed.
    pub jwt: Option<&'a Jwt>,
    /// The checks, in order.
    pub checks: Vec<Check>,
    /// The signature's result (`None`: no keys, or not a token).
    pub sig: Option<&'a SigOutcome>,
}

/// Evaluates a parsed token (or the reason it is not one) with its signature result (`None`:
/// no keys).
fn outcome<'a>(
    parsed: &'a std::result::Result<Jwt, token::FormatError>,
    sig: Option<&'a SigOutcome>,
    exp: &Expectations,
    now: i64,
    detail: claims::Detail,
) -> Outcome<'a> {
    match parsed {
        Err(e) => Outcome {
            valid: false,
            jwt: None,
            checks: vec![claims::format_fail(e)],
            sig: None,
        },
        Ok(jwt) => {
            let checks = claims::evaluate_with(jwt, sig, exp, now, detail);
            Outcome {
                valid: !checks.iter().any(|c| c.status == Status::Fail),
                jwt: Some(jwt),
                checks,
                sig,
            }
        }
    }
}

/// One token of a batch, the narrow entry point of [`batch`]: appends its result line (text, or
/// a JSON line with the input line number `line`) to `out`, without the line break, and says
/// whether the token passed. Text lines are colored by `p`.
// The batch's hot path: plain arguments, no struct to build per token.
#[allow(clippy::too_many_arguments)]
fn batch_line(
    parsed: &std::result::Result<Jwt, token::FormatError>,
    sig: Option<&SigOutcome>,
    exp: &Expectations,
    now: i64,
    line: usize,
    json: bool,
    p: output::Palette,
    out: &mut String,
) -> bool {
    // A text line reads only the first failure: passed checks are built bare.
    let detail = if json {
        claims::Detail::Full
    } else {
        claims::Detail::Failures
    };
    let o = outcome(parsed, sig, exp, now, detail);
    if json {
        // Serializing a JSON value into a String cannot fail.
        if let Ok(s) = serde_json::to_string(&output::verify::json_doc(&o, Some(line))) {
            out.push_str(&s);
        }
    } else {
        output::verify::write_summary(&o, now, p, out);
    }
    o.valid
}

/// Runs `verify`.
pub fn run(args: &VerifyArgs, g: &Globals) -> Result<u8> {
    let tokens = collect(args, g)?;
    let source = resolve_source(
        args.discovery_url.as_deref(),
        args.issuer.as_deref(),
        args.jwks.as_deref(),
        g,
    )?;
    let o = g.fetch_options();
    let now = g.now();
    let mut exp = Expectations {
        audiences: args.audience.clone(),
        client_ids: args.client_id.clone(),
        token_use: args.token_use,
        leeway: args.leeway,
        ..Default::default()
    };

    let item = match tokens {
        Tokens::One(item) => item,
        Tokens::Many(items) => {
            return batch::run(
                batch::Input::Items(items),
                batch_context(source, o, exp, g),
                "the arguments",
            );
        }
        Tokens::Stream(s) => {
            return batch::run(
                batch::Input::Stream(s),
                batch_context(source, o, exp, g),
                "the input",
            );
        }
    };

    // Keys are needed only when the input parses as a JWT: garbage is refused without a network
    // round trip.
    let parsed = Jwt::parse(&item.text);
    let mut ring = if parsed.is_ok() {
        Some(source.ring(&o)?)
    } else {
        None
    };
    if let Some(r) = &ring {
        let (issuer, from) = source.expected_issuer(r.fetched());
        exp.issuer = issuer;
        exp.issuer_source = from;
        exp.discovery_warning = discovery_warning(&source, r.fetched());
    }
    let sig = match (parsed.as_ref(), ring.as_mut()) {
        (Ok(jwt), Some(r)) => Some(oidc::block_on(r.check(jwt, &o))?),
        _ => None,
    };
    let outcome = outcome(&parsed, sig.as_ref(), &exp, now, claims::Detail::Full);
    if g.json {
        output::emit_json(&output::verify::json_doc(&outcome, None))?;
    } else {
        output::emit(g.palette, &output::verify::human(&outcome, now, g.palette))?;
    }
    Ok(if outcome.valid { 0 } else { 1 })
}

fn batch_context(
    source: KeySource,
    fetch: FetchOptions,
    expect: Expectations,
    g: &Globals,
) -> batch::Context {
    batch::Context {
        source,
        fetch,
        expect,
        now: g.now(),
        json: g.json,
        quiet: g.quiet,
        palette: g.palette,
    }
}
