//! `tokdiag explain`: evaluate a token exactly as the AgentCore (or API Gateway) JWT authorizer
//! does, name the cause, and say what to change.

use std::path::PathBuf;

use clap::Args;

use crate::authorizer::config::{self, AuthorizerFlags, LoadOptions};
use crate::authorizer::explain::{self, Report};
use crate::authorizer::{Authorizer, RuleSet};
use crate::cli::Globals;
use crate::commands::{TokenArgs, given_token};
use crate::error::{Error, Result};
use crate::oidc::FetchOptions;
use crate::render;
use crate::report::{Diagnosis, Severity, Status, Verdict};
use crate::token::{Jwt, Use};

/// Arguments of `explain`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag explain --config .bedrock_agentcore.yaml \"$TOKEN\"
  tokdiag explain --config testdata/seed/.bedrock_agentcore.yaml --jwks testdata/seed/jwks.json @testdata/seed/id-token.jwt
  tokdiag login | tokdiag explain
  tokdiag explain --authorizer-json runtime.json --no-signature @token.jwt
  tokdiag explain --rules apigateway --issuer https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X --allowed-audience CLIENT @t.jwt

Without --jwks or --no-signature the keys come from the discovery URL (network, cached).
--no-signature skips signature and issuer keys: the verdict then covers the claims only.")]
pub struct ExplainArgs {
    /// The token.
    #[command(flatten)]
    pub token: TokenArgs,
    /// The authorizer.
    #[command(flatten)]
    pub authorizer: AuthorizerArgs,
    /// JWKS file for offline use (the issuer is then derived from the discovery URL).
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// Skip the signature check: evaluate the claims only.
    #[arg(long)]
    pub no_signature: bool,
    /// The project file and resource.
    #[command(flatten)]
    pub project: crate::cli::ProjectArgs,
    /// The URL policy.
    #[command(flatten)]
    pub net: crate::cli::NetArgs,
}

/// The authorizer sources besides `--config`: shared by `explain` and `proxy`.
#[derive(Debug, Clone, Args)]
pub struct AuthorizerArgs {
    /// Control-plane JSON (`get-agent-runtime` or `get-gateway` output, or
    /// `{"customJWTAuthorizer": …}`), API Gateway `get-authorizer` JSON, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub authorizer_json: Option<String>,
    /// Which authorizer's rules to apply [default: agentcore; an API Gateway source implies apigateway].
    #[arg(long, value_enum)]
    pub rules: Option<RuleSet>,
    /// Discovery URL (overrides the config's discoveryUrl).
    #[arg(long, value_name = "URL")]
    pub discovery_url: Option<String>,
    /// Issuer (API Gateway rules).
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Allowed client id (repeatable; overrides allowedClients).
    #[arg(long = "allowed-client", value_name = "ID")]
    pub allowed_client: Vec<String>,
    /// Allowed audience (repeatable; overrides allowedAudience).
    #[arg(long = "allowed-audience", value_name = "AUD")]
    pub allowed_audience: Vec<String>,
    /// Allowed scope (repeatable; overrides allowedScopes).
    #[arg(long = "allowed-scope", value_name = "SCOPE")]
    pub allowed_scope: Vec<String>,
}

impl AuthorizerArgs {
    /// The load options these arguments describe.
    pub fn load_options(&self, g: &Globals) -> LoadOptions {
        LoadOptions {
            authorizer_json: self.authorizer_json.clone(),
            rules: self.rules,
            flags: AuthorizerFlags {
                discovery_url: self.discovery_url.clone(),
                issuer: self.issuer.clone(),
                allowed_clients: self.allowed_client.clone(),
                allowed_audience: self.allowed_audience.clone(),
                allowed_scopes: self.allowed_scope.clone(),
            },
            config_note: g.config_note.clone(),
            ..g.load_options()
        }
    }

    /// Loads the authorizer; no source at all is a usage error.
    pub fn load(&self, g: &Globals) -> Result<Authorizer> {
        config::load(&self.load_options(g))?.ok_or_else(|| {
            Error::usage(
                "no authorizer configuration",
                Some(
                    "pass --config .bedrock_agentcore.yaml, --authorizer-json FILE, or flags such as --discovery-url and --allowed-client"
                        .to_string(),
                ),
            )
        })
    }
}

/// Which token of a bundle the authorizer needs: the ID token only when `allowedAudience` alone is
/// configured with a Cognito issuer; the access token otherwise.
pub fn preferred_use(auth: &Authorizer) -> Use {
    let cognito = auth
        .discovery_url()
        .is_some_and(|u| u.contains("cognito-idp.") || crate::token::cognito_pool(&u).is_some());
    if auth.allowed_clients().is_empty() && !auth.allowed_audience().is_empty() && cognito {
        Use::Id
    } else {
        Use::Access
    }
}

/// Runs `explain`.
pub fn run(args: &ExplainArgs, g: &Globals) -> Result<u8> {
    let auth = args.authorizer.load(g)?;
    let given = given_token(&args.token, g, preferred_use(&auth))?;
    let jwt = Jwt::parse(&given.text).ok();
    let keys = explain::obtain_keys(
        &auth,
        jwt.as_ref(),
        args.jwks.as_deref(),
        args.no_signature,
        &FetchOptions::from_globals(g),
    )?;
    let report = explain::explain(&auth, &given.text, &keys, g.now());
    if g.json {
        render::emit_json(&report)?;
    } else {
        render::emit(g.palette, &human(&report, g.palette))?;
        if !g.quiet {
            for w in &report.warnings {
                // One line each, whatever the config holds.
                render::note(g.palette, &format!("warning: {}", render::esc(w)));
            }
        }
    }
    Ok(report.verdict.exit_code())
}

/// Splits on spaces, keeping a `backticked command` in one piece so it stays copyable.
fn words(para: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for w in para.split(' ') {
        match out.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(w);
            }
            _ => out.push(w.to_string()),
        }
        if w.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    out
}

/// Wraps `text` at `width` columns, continuation lines indented by `indent` spaces.
fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    for (i, para) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        // Preserve snippet lines (YAML, commands) as they are.
        if para.starts_with("  ") {
            out.push_str(para);
            continue;
        }
        let mut col = indent;
        let mut first = true;
        for word in words(para) {
            let w = word.chars().count();
            if !first && col + 1 + w > width {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
            } else if !first {
                out.push(' ');
                col += 1;
            }
            out.push_str(&word);
            col += w;
            first = false;
        }
    }
    out
}

/// Human rendering of diagnoses: code (with `[file:line]`), the cause, and each fix, wrapped at 78
/// columns without breaking a `command`, colored by `p`. Shared by `explain` and `invoke`.
pub fn diagnoses_human(diagnoses: &[Diagnosis], p: render::Palette) -> String {
    let mut out = String::new();
    for d in diagnoses {
        let sym = match d.severity {
            Severity::Error => render::symbol(p, Status::Fail),
            Severity::Warning => render::symbol(p, Status::Warn),
        };
        let place = match (&d.file, d.line) {
            (Some(f), Some(l)) => render::dim(p, &format!("  [{}:{l}]", render::esc(f))),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {sym} {}{place}\n    {}\n",
            p.bold(d.code),
            wrap(&d.message, 78, 4)
        ));
        for f in &d.fixes {
            out.push_str(&format!("    {} {}\n", p.cyan("fix:"), wrap(f, 78, 9)));
        }
    }
    out
}

/// Human rendering of a report: verdict first, one line per check, then diagnoses with fixes,
/// colored by `p`.
pub fn human(r: &Report, p: render::Palette) -> String {
    let mut out = String::new();
    // The toolkit calls its runtimes agents; every other source (agentcore.json, CloudFormation,
    // Terraform, control-plane JSON) calls them runtimes.
    let what = match (r.authorizer.kind, r.authorizer.source) {
        (crate::authorizer::ResourceKind::Gateway, _) => "gateway",
        (_, crate::authorizer::SourceKind::AgentcoreYaml) => "agent",
        _ => "runtime",
    };
    let who = match (&r.authorizer.agent, &r.authorizer.file) {
        (Some(a), Some(f)) => format!("{what} {}, {}", render::esc(a), render::esc(f)),
        (None, Some(f)) => render::esc(f).into_owned(),
        (Some(a), None) => format!("{what} {}", render::esc(a)),
        (None, None) => "from flags".to_string(),
    };
    let service = match r.authorizer.rules {
        RuleSet::Agentcore => "AgentCore",
        RuleSet::Apigateway => "API Gateway",
    };
    let kind = r
        .token
        .as_ref()
        .map(|t| t.kind.describe())
        .unwrap_or("input");
    let headline = match r.verdict {
        Verdict::Accepted if r.claims_only => format!(
            "{} {} (claims only: signature not checked) — {kind}",
            p.green("✓"),
            p.green_bold("ACCEPTED")
        ),
        Verdict::Accepted => format!(
            "{} {} — {service} would accept this {kind}",
            p.green("✓"),
            p.green_bold("ACCEPTED")
        ),
        Verdict::Rejected => format!(
            "{} {} — {service} refuses this {kind}",
            p.red_bold("✗"),
            p.red_bold("REJECTED")
        ),
        Verdict::Unknown => format!(
            "{} {} — {}",
            p.yellow_bold("?"),
            p.yellow_bold("UNKNOWN"),
            render::esc(
                &r.unknown_reason()
                    .unwrap_or_else(|| "the signature or issuer could not be checked".into())
            )
        ),
    };
    out.push_str(&headline);
    out.push('\n');
    out.push_str(&format!("  authorizer: {who}\n"));
    for (name, value) in &r.authorizer.other_fields {
        // Read and shown, never checked: they do not change what a token needs.
        out.push_str(&format!(
            "  also set (not a token check): {} = {}\n",
            render::esc(name),
            render::esc_value(value)
        ));
    }
    if let Some(f) = r.first_failure()
        && let Some(se) = f.service_error
    {
        out.push_str(&format!(
            "  the service answers {}: {}\n",
            se.status, se.text
        ));
    }
    if r.authorizer.issuer_source == Some("discovery-url")
        && let Some(i) = &r.authorizer.issuer
    {
        out.push_str(&format!(
            "  issuer: {} (assumed offline: discoveryUrl without /.well-known/…; online the discovery document's issuer decides)\n",
            render::esc(i)
        ));
    }
    out.push('\n');
    out.push_str(&render::heading(p, "checks"));
    out.push('\n');
    let width = r
        .checks
        .iter()
        .map(|c| render::esc(c.id.as_str()).chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for c in &r.checks {
        let id = render::esc(c.id.as_str());
        let pad = width.saturating_sub(id.chars().count());
        let line = format!(
            "{}{}  {}",
            id,
            " ".repeat(pad),
            wrap(&c.message, 78, 4 + width + 2)
        );
        let line = if c.status == Status::Skip {
            render::dim(p, &line)
        } else {
            line
        };
        out.push_str(&format!("  {} {}\n", render::symbol(p, c.status), line));
    }
    if !r.diagnoses.is_empty() {
        out.push('\n');
        out.push_str(&render::heading(p, "diagnosis"));
        out.push('\n');
        out.push_str(&diagnoses_human(&r.diagnoses, p));
    }
    if r.claims_only {
        out.push('\n');
        out.push_str(&render::dim(
            p,
            "note: --no-signature: the signature was not checked; the verdict covers the claims only\n",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words() {
        assert_eq!(wrap("aaa bbb ccc", 9, 2), "aaa bbb\n  ccc");
        assert_eq!(wrap("x\n  snippet: 1", 80, 4), "x\n      snippet: 1");
        assert_eq!(wrap("run `a b c` now", 8, 0), "run\n`a b c`\nnow");
    }
}
