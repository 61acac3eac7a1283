//! `tokdiag decode`: header and claims with annotations, no verification. This path builds no async
//! runtime, loads no AWS config and touches no network.

use clap::Args;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::Globals;
use crate::commands::{TokenArgs, given_token};
use crate::error::{Error, Result};
use crate::output;
use crate::timefmt;
use crate::token::{self, Jwt, TokenKind, Use};

/// Arguments of `decode`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  tokdiag decode eyJraWQiOi...
  tokdiag decode @token.jwt
  aws cognito-idp initiate-auth ... | tokdiag decode --use id
  tokdiag decode --json \"$TOKEN\" | jq .claims")]
pub struct DecodeArgs {
    /// The token.
    #[command(flatten)]
    pub token: TokenArgs,
    /// Which cached login token to read when no token is given.
    #[command(flatten)]
    pub cache_key: crate::cli::CacheKeyArgs,
}

/// A time claim in three forms.
#[derive(Debug, Serialize)]
pub struct TimeView {
    /// Unix seconds.
    pub unix: i64,
    /// RFC 3339 UTC.
    pub utc: String,
    /// Relative to now (`in 41 min`, `3 h ago`).
    pub relative: String,
}

/// Provider annotations.
#[derive(Debug, Serialize, Default)]
pub struct Annotations {
    /// Cognito user pool id from `iss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    /// Region from the pool id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Cognito's issuer form of `iss`: `ORIGINAL` (`cognito-idp.`) or `UPDATED` (`issuer-cognito-idp.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_form: Option<token::IssuerForm>,
    /// The claim carrying the app client id (`client_id`, `aud`, `azp`, `appid`, `cid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id_claim: Option<&'static str>,
    /// The app client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user (`username`, `cognito:username`, `preferred_username`, `email`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `cognito:groups` / `groups`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Scopes from `scope`/`scp`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// App roles (`roles`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Notes worth knowing about this kind of token.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The decoded token as `decode --json` prints it.
#[derive(Debug, Serialize)]
pub struct DecodeView<'a> {
    /// Token kind.
    pub kind: TokenKind,
    /// Human name of the kind.
    pub description: &'static str,
    /// JOSE header.
    pub header: &'a Map<String, Value>,
    /// Claims.
    pub claims: &'a Map<String, Value>,
    /// `exp`, `nbf`, `iat`, `auth_time` as RFC 3339 and relative.
    pub times: Map<String, Value>,
    /// Provider annotations.
    pub annotations: Annotations,
    /// Which token of a bundle was taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picked: Option<Use>,
}

/// The time claims shown in `times`.
pub const TIME_CLAIMS: [&str; 4] = ["exp", "nbf", "iat", "auth_time"];

/// Builds the annotations of a token: Cognito pool and region, the claim that carries the client
/// id, user, groups, scopes (`scope`/`scp`, string or array), roles, and notes on what the
/// provider's claims mean for the AgentCore authorizer.
pub fn annotate(jwt: &Jwt, kind: TokenKind) -> Annotations {
    let mut a = Annotations::default();
    if let Some(p) = jwt.claim_str("iss").and_then(token::cognito_pool) {
        a.pool_id = Some(p.pool_id);
        a.region = Some(p.region);
        a.issuer_form = jwt.claim_str("iss").and_then(token::cognito_issuer_form);
    }
    if let Some((claim, id)) = token::client_id_claim(jwt) {
        a.client_id_claim = Some(claim);
        a.client_id = Some(id);
    }
    a.user = [
        "username",
        "cognito:username",
        "preferred_username",
        "upn",
        "email",
    ]
    .iter()
    .find_map(|c| jwt.claim_str(c))
    .map(str::to_string);
    a.groups = token::string_list(
        jwt.claims
            .get("cognito:groups")
            .or_else(|| jwt.claims.get("groups")),
    );
    a.scopes = jwt.scopes();
    a.roles = token::string_list(jwt.claims.get("roles"));
    match kind {
        TokenKind::CognitoId => a.notes.push(
            "ID token: the app client id is in `aud`; there is no `client_id` claim, so AgentCore's \
             allowedClients never matches it (use the access token, or allowedAudience)"
                .into(),
        ),
        TokenKind::CognitoAccess => a.notes.push(
            "access token: the app client id is in `client_id`; there is no `aud` claim, so AgentCore's \
             allowedAudience never matches it (use allowedClients)"
                .into(),
        ),
        TokenKind::CognitoClientCredentials => a.notes.push(
            "machine-to-machine token (client credentials): `sub` is the app client id; no user, no `aud`"
                .into(),
        ),
        // Entra ID, Okta, Auth0, Keycloak, Google, GitHub Actions, other JWTs: what the
        // provider's claims (ver, appid, azp, cid, scp, roles, gty, …) mean for AgentCore.
        // (from the escaped token: the notes quote claim values)
        _ => a.notes = crate::authorizer::idp::claim_notes(&jwt.escaped(), kind),
    }
    if let Some(c) = jwt.crit_error() {
        a.notes.push(format!("{c} (verify and explain refuse it)"));
    }
    a
}

/// The `times` map: each time claim present as `{unix, utc, relative}`.
pub fn times(jwt: &Jwt, now: i64) -> Map<String, Value> {
    let mut m = Map::new();
    for c in TIME_CLAIMS {
        if let Some(t) = jwt.claim_time(c) {
            let v = TimeView {
                unix: t,
                utc: timefmt::rfc3339(t),
                relative: timefmt::relative(t, now),
            };
            m.insert(
                c.to_string(),
                serde_json::to_value(v).unwrap_or(Value::Null),
            );
        }
    }
    m
}

/// Builds the view of a decoded token.
pub fn view(jwt: &Jwt, now: i64, picked: Option<Use>) -> DecodeView<'_> {
    let kind = jwt.kind();
    DecodeView {
        kind,
        description: kind.describe(),
        header: &jwt.header,
        claims: &jwt.claims,
        times: times(jwt, now),
        annotations: annotate(jwt, kind),
        picked,
    }
}

/// Runs `decode`.
pub fn run(args: &DecodeArgs, g: &Globals) -> Result<u8> {
    let given = given_token(&args.token, g, Use::Access)?;
    let jwt = Jwt::parse(&given.text).map_err(|e| {
        Error::refused(
            format!("not a JWT: {e}"),
            Some("pass a compact JWT (three base64url segments), `Bearer <jwt>`, @FILE, or the initiate-auth JSON".to_string()),
        )
    })?;
    let now = g.now();
    let v = view(&jwt, now, given.picked);
    if g.json {
        output::emit_json(&v)?;
    } else {
        output::emit(g.palette, &output::decode::human(&v, now, g.palette))?;
    }
    Ok(0)
}
