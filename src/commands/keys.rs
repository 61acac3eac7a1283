//! `tokdiag keys`: an issuer's discovery document and JWKS — issuer, endpoints, every key (kid,
//! type, algorithm, use, size or curve) and the state of the disk cache.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Map, Value, json};

use crate::cli::Globals;
use crate::commands::verify::resolve_source;
use crate::error::Result;
use crate::oidc::{self, CacheInfo};
use crate::output;
use crate::signature::KeyFacts;
use crate::timefmt;

/// Arguments of `keys`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag keys --issuer https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx
  tokdiag keys --config .bedrock_agentcore.yaml --json
  tokdiag keys --jwks jwks.json")]
// The field docs are the --help text, written for a terminal (`<ISS>`).
#[allow(rustdoc::invalid_html_tags)]
pub struct KeysArgs {
    /// Discovery URL (…/.well-known/openid-configuration).
    #[arg(long, value_name = "URL")]
    pub discovery_url: Option<String>,
    /// Issuer; the discovery document is <ISS>/.well-known/openid-configuration.
    #[arg(long, value_name = "ISS")]
    pub issuer: Option<String>,
    /// Show the keys of this JWKS file instead (offline).
    #[arg(long, value_name = "FILE")]
    pub jwks: Option<PathBuf>,
    /// The project file and resource.
    #[command(flatten)]
    pub project: crate::cli::ProjectArgs,
    /// The URL policy.
    #[command(flatten)]
    pub net: crate::cli::NetArgs,
}

fn key_json(f: &KeyFacts) -> Value {
    let mut m = Map::new();
    m.insert("kid".into(), json!(f.kid));
    m.insert("kty".into(), json!(f.kty));
    m.insert("alg".into(), json!(f.alg));
    m.insert("use".into(), json!(f.key_use));
    if let Some(b) = f.rsa_bits {
        m.insert("bits".into(), json!(b));
    }
    if let Some(c) = f.curve {
        m.insert("curve".into(), json!(c));
    }
    m.insert(
        "algorithms".into(),
        json!(
            f.allowed
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
        ),
    );
    Value::Object(m)
}

fn cache_json(c: &Option<CacheInfo>) -> Value {
    match c {
        None => Value::Null,
        Some(c) => json!({
            "state": if c.fresh { "fresh" } else { "stale" },
            "fetched_at": timefmt::rfc3339(c.fetched_at),
            "age": c.age,
            "max_age": c.max_age,
            "file": c.file,
        }),
    }
}

/// What `keys` found, as its human text shows it ([`output::keys::human`]).
#[derive(Debug)]
pub struct Listing<'a> {
    /// The issuer the keys are for, when known.
    pub issuer: Option<&'a str>,
    /// The discovery URL, when the keys came from one (else from a JWKS file).
    pub discovery_url: Option<&'a str>,
    /// The JWKS URL, or the JWKS file.
    pub jwks_url: &'a str,
    /// The discovery document's issuer is not the URL it came from.
    pub mismatch: Option<&'a str>,
    /// The discovery document's endpoints (name, URL).
    pub endpoints: &'a [(String, String)],
    /// Every key.
    pub facts: &'a [KeyFacts],
    /// The cache entry of the discovery document.
    pub disc_cache: Option<&'a CacheInfo>,
    /// The cache entry of the JWKS.
    pub jwks_cache: Option<&'a CacheInfo>,
}

/// Runs `keys`.
pub fn run(args: &KeysArgs, g: &Globals) -> Result<u8> {
    let source = resolve_source(
        args.discovery_url.as_deref(),
        args.issuer.as_deref(),
        args.jwks.as_deref(),
        g,
    )?;
    let o = g.fetch_options();
    let keys = source.keys(&o)?;
    let facts: Vec<KeyFacts> = keys.jwks.keys.iter().map(KeyFacts::of).collect();
    let (issuer, _) = source.expected_issuer(&keys);
    let endpoints: Vec<(String, String)> = keys
        .discovery
        .as_ref()
        .map(|d| d.endpoints())
        .unwrap_or_default();
    let (disc_cache, jwks_cache) = match &keys.discovery {
        Some(d) => (
            oidc::cache_info(&d.url, &o),
            oidc::cache_info(&keys.jwks_url, &o),
        ),
        None => (None, None),
    };
    let remote = keys.discovery.is_some();
    // OpenID Connect Discovery §4.3: the document's issuer must be the URL it came from.
    let mismatch = keys.discovery.as_ref().and_then(|d| {
        crate::authorizer::idp::discovery_issuer_warning(&d.url, d.issuer.as_deref()?)
    });

    if g.json {
        let mut doc = Map::new();
        if remote {
            doc.insert("discovery_url".into(), json!(source.discovery_url));
        } else {
            doc.insert("jwks_file".into(), json!(keys.jwks_url));
        }
        doc.insert("issuer".into(), json!(issuer));
        doc.insert(
            "jwks_uri".into(),
            if remote {
                json!(keys.jwks_url)
            } else {
                Value::Null
            },
        );
        let eps: Map<String, Value> = endpoints
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        doc.insert("endpoints".into(), Value::Object(eps));
        doc.insert(
            "keys".into(),
            Value::Array(facts.iter().map(key_json).collect()),
        );
        doc.insert(
            "cache".into(),
            if remote {
                json!({"discovery": cache_json(&disc_cache), "jwks": cache_json(&jwks_cache)})
            } else {
                Value::Null
            },
        );
        if let Some(m) = &mismatch {
            doc.insert(
                "warnings".into(),
                json!([{"code": "discovery-issuer-mismatch", "message": m}]),
            );
        }
        output::emit_json(&Value::Object(doc))?;
        return Ok(0);
    }

    let listing = Listing {
        issuer: issuer.as_deref(),
        discovery_url: remote.then(|| source.discovery_url.as_deref().unwrap_or_default()),
        jwks_url: &keys.jwks_url,
        mismatch: mismatch.as_deref(),
        endpoints: &endpoints,
        facts: &facts,
        disc_cache: disc_cache.as_ref(),
        jwks_cache: jwks_cache.as_ref(),
    };
    output::emit(g.palette, &output::keys::human(&listing, g.palette))?;
    Ok(0)
}
