//! `tokdiag explain`: evaluate a token exactly as the AgentCore (or API Gateway) JWT authorizer
//! does, name the cause, and say what to change.

use std::path::PathBuf;

use clap::Args;

use crate::authorizer::config::{self, AuthorizerFlags, LoadOptions};
use crate::authorizer::explain;
use crate::authorizer::{Authorizer, RuleSet};
use crate::cli::Globals;
use crate::commands::{TokenArgs, given_token};
use crate::error::{Error, Result};
use crate::output;
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
        &g.fetch_options(),
    )?;
    let report = explain::explain(&auth, &given.text, &keys, g.now());
    if g.json {
        output::emit_json(&report)?;
    } else {
        output::emit(g.palette, &output::explain::human(&report, g.palette))?;
        for w in &report.warnings {
            // One line each (escaped), whatever the config holds; not with --quiet.
            g.notes.send(crate::notes::Note::ConfigWarning(w.clone()));
        }
    }
    Ok(report.verdict.exit_code())
}
