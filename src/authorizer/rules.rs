//! The evaluation rules of the AgentCore custom JWT authorizer and of the API Gateway HTTP API JWT
//! authorizer. [`evaluate`] is pure: it takes the authorizer, the parsed token, the keys and the
//! time, and returns every check (it never stops at the first failure). One function per rule.

use serde_json::{Value, json};

use crate::authorizer::{Authorizer, CustomClaim, Located, RuleSet, SigningKeys};
use crate::claims;
use crate::escape::esc;
use crate::report::{Check, CheckId, Status};
use crate::signature::{self, SigOutcome};
use crate::token::{FormatError, Jwt};

/// AgentCore refuses tokens that expire within this many seconds.
pub const AGENTCORE_EXPIRY_MARGIN: i64 = 60;

/// The service's texts (quoted by the spec), in one place.
pub mod service {
    use crate::report::ServiceError;

    /// Not a compact JWS.
    pub const PARSE: ServiceError = ServiceError {
        status: 403,
        text: "OAuth authorization failed: Failed to parse token",
    };
    /// Expired or expiring within a minute.
    pub const INEFFECTUAL: ServiceError = ServiceError {
        status: 403,
        text: "OAuth authorization failed: Ineffectual token, will expire within the next minute",
    };
    /// `allowedClients` mismatch.
    pub const CLIENT_ID: ServiceError = ServiceError {
        status: 401,
        text: "Claim 'client_id' value mismatch with configuration.",
    };
    /// `allowedAudience` mismatch.
    pub const AUD: ServiceError = ServiceError {
        status: 401,
        text: "Claim 'aud' value mismatch with configuration.",
    };
    /// API Gateway: audience.
    pub const APIGW_AUD: ServiceError = ServiceError {
        status: 401,
        text: "the token does not have a valid audience",
    };
}

/// Evaluates every check of `auth`'s rule set on `token`. With [`claims::Detail::Failures`] a
/// passed check is built bare (no message, no values): the statuses, and so the verdict, are
/// those of [`claims::Detail::Full`], and failed, skipped and warning checks are whole.
pub fn evaluate(
    auth: &Authorizer,
    token: &Result<Jwt, FormatError>,
    keys: &SigningKeys,
    now: i64,
    d: claims::Detail,
) -> Vec<Check> {
    let mut checks = Vec::with_capacity(8);
    let jwt = match token {
        Ok(j) => {
            checks.push(claims::format_pass(j, d));
            j
        }
        Err(e) => {
            checks.push(claims::format_fail(e).service_error(Some(service::PARSE)));
            for id in [
                CheckId::Signature,
                CheckId::Issuer,
                CheckId::Expiry,
                CheckId::NotBefore,
                CheckId::ClientId,
                CheckId::Aud,
                CheckId::Scope,
            ] {
                checks.push(Check::new(
                    id,
                    Status::Skip,
                    "not evaluated: the token could not be parsed",
                ));
            }
            if let Some(j) = &auth.jwt {
                for c in &j.custom_claims {
                    checks.push(Check::new(
                        CheckId::claim(&c.value.name),
                        Status::Skip,
                        "not evaluated: the token could not be parsed",
                    ));
                }
            }
            return checks;
        }
    };
    let Some(cfg) = &auth.jwt else {
        checks.push(Check::new(
            CheckId::Authorizer,
            Status::Fail,
            no_jwt_message(auth),
        ));
        return checks;
    };
    let apigw = auth.rules == RuleSet::Apigateway;
    checks.push(signature(jwt, keys, apigw, d));
    checks.push(issuer(jwt, auth, keys, d));
    let margin = expiry_margin(auth);
    checks.push(
        claims::expiry_check(jwt, now, margin, 0, d)
            .service_error(Some(service::INEFFECTUAL).filter(|_| margin > 0)),
    );
    checks.push(claims::not_before_check(jwt, now, 0, d));
    if apigw {
        checks.push(Check::new(
            CheckId::ClientId,
            Status::Skip,
            "API Gateway has no client list: client_id counts only inside the audience check",
        ));
        checks.push(apigw_audience(jwt, cfg.allowed_audience.as_ref(), d));
    } else {
        checks.push(client_id(jwt, cfg.allowed_clients.as_ref(), d));
        checks.push(audience(jwt, cfg.allowed_audience.as_ref(), d));
    }
    checks.push(scope(jwt, cfg.allowed_scopes.as_ref(), apigw));
    for c in &cfg.custom_claims {
        checks.push(custom_claim(jwt, &c.value));
    }
    checks
}

/// The `authorizer` check's failure: the resource's kind, its type, the source's key name.
fn no_jwt_message(auth: &Authorizer) -> String {
    use crate::authorizer::{AuthorizerType, SourceKind};
    let what = auth.kind.as_str();
    let key = match auth.source {
        SourceKind::Cloudformation => "AuthorizerConfiguration",
        SourceKind::Terraform => "authorizer_configuration block",
        SourceKind::AgentcoreJson | SourceKind::ControlPlaneJson => "authorizerConfiguration",
        _ => "authorizer_configuration",
    };
    match auth.authorizer_type {
        AuthorizerType::None => format!(
            "the {what} has no JWT authorizer (authorizer type NONE): it checks no bearer token"
        ),
        AuthorizerType::CustomJwt => format!(
            "the {what} has no JWT authorizer (CUSTOM_JWT without a JWT configuration): the service refuses this configuration at deploy time"
        ),
        AuthorizerType::AwsIam => format!(
            "the {what} has no JWT authorizer (no {key}, or one set to null): it accepts only IAM SigV4 and refuses every bearer token with 403"
        ),
    }
}

/// How many seconds before `exp` the service already refuses a token (AgentCore: 60, API
/// Gateway: 0): an accepted token stays accepted until `exp` minus this.
pub fn expiry_margin(auth: &Authorizer) -> i64 {
    if auth.rules == RuleSet::Apigateway {
        0
    } else {
        AGENTCORE_EXPIRY_MARGIN
    }
}

/// `signature`: key by `kid` from the JWKS, algorithm pinned by the key.
fn signature(jwt: &Jwt, keys: &SigningKeys, rsa_only: bool, d: claims::Detail) -> Check {
    let alg = jwt.header_str("alg").unwrap_or("");
    if rsa_only && !(alg.starts_with("RS") || alg.starts_with("PS")) {
        let mut c = Check::new(
            CheckId::Signature,
            Status::Fail,
            format!("alg {alg:?} is not accepted: API Gateway supports only RSA-based algorithms"),
        )
        .expected(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
        .actual(alg);
        c.reason = Some(crate::claims::reason::ALG_NOT_ALLOWED);
        return c;
    }
    match keys {
        SigningKeys::NotChecked { .. } => Check::new(
            CheckId::Signature,
            Status::Skip,
            "not checked (--no-signature): the verdict covers the claims only",
        ),
        SigningKeys::Unavailable { reason } => Check::new(
            CheckId::Signature,
            Status::Skip,
            format!("not checked: {}", esc(reason)),
        ),
        SigningKeys::Jwks { jwks, origin, .. } => {
            let outcome = signature::check_signature(jwt, jwks);
            // tokdiag verifies PS*/EdDSA; AgentCore's support for them is not documented: a
            // warning, so built whole whatever `d` says.
            let warn = matches!(&outcome, SigOutcome::Valid { alg, .. }
                if !rsa_only && (alg.starts_with("PS") || alg == "EdDSA"));
            let d = if warn { claims::Detail::Full } else { d };
            let mut c = claims::signature_check(&outcome, Some(origin), d);
            if let SigOutcome::Valid { alg, .. } = &outcome
                && warn
            {
                c.status = Status::Warn;
                c.message = format!(
                    "{} — AgentCore's support for {alg} is not documented: tokdiag cannot promise it accepts the token",
                    c.message
                );
            }
            c
        }
    }
}

/// The issuer the `issuer` check expects.
pub fn expected_issuer(auth: &Authorizer, keys: &SigningKeys) -> Option<String> {
    if auth.rules == RuleSet::Apigateway {
        return auth
            .jwt
            .as_ref()
            .and_then(|j| j.issuer.as_ref())
            .map(|i| i.value.clone());
    }
    match keys {
        SigningKeys::Jwks { issuer, .. } | SigningKeys::NotChecked { issuer } => issuer.clone(),
        SigningKeys::Unavailable { .. } => None,
    }
}

/// True when `url` has the form the service accepts for `discoveryUrl`: `…/.well-known/openid-configuration`
/// or `…/.well-known/oauth-authorization-server`, optionally followed by a path, without query or
/// fragment. CloudFormation (`cfn`) accepts only the first, with nothing after it.
pub fn discovery_url_ok(url: &str, cfn: bool) -> bool {
    if url.contains(['?', '#', ' ']) {
        return false;
    }
    let form = |suffix: &str, tail_ok: bool| match url.find(suffix) {
        Some(i) => {
            let rest = &url[i + suffix.len()..];
            i > 0 && (rest.is_empty() || (tail_ok && rest.starts_with('/') && rest.len() > 1))
        }
        None => false,
    };
    if cfn {
        form("/.well-known/openid-configuration", false)
    } else {
        form("/.well-known/openid-configuration", true)
            || form("/.well-known/oauth-authorization-server", true)
    }
}

/// `issuer`: `iss` equals the expected issuer exactly.
fn issuer(jwt: &Jwt, auth: &Authorizer, keys: &SigningKeys, d: claims::Detail) -> Check {
    let actual = jwt.claims.get("iss").cloned().unwrap_or(Value::Null);
    if auth.rules == RuleSet::Agentcore
        && let Some(d) = auth.jwt.as_ref().and_then(|j| j.discovery_url.as_ref())
        && !discovery_url_ok(
            d.value.trim(),
            auth.source == crate::authorizer::SourceKind::Cloudformation,
        )
    {
        return Check::new(
            CheckId::Issuer,
            Status::Fail,
            format!("discoveryUrl {} is not a discovery URL: no issuer can be read from it, and the service refuses this configuration", esc(&d.value)),
        )
        .actual(actual);
    }
    let Some(expected) = expected_issuer(auth, keys) else {
        let why = match keys {
            SigningKeys::Unavailable { reason } => format!("not checked: {}", esc(reason)),
            _ => "not checked: no issuer known (no discovery URL)".to_string(),
        };
        return Check::new(CheckId::Issuer, Status::Skip, why).actual(actual);
    };
    claims::issuer_check(jwt, &expected, None, d)
}

/// `client_id` (AgentCore): claim `client_id`, a string, is one of `allowedClients`.
fn client_id(jwt: &Jwt, allowed: Option<&Located<Vec<String>>>, d: claims::Detail) -> Check {
    match allowed.filter(|a| !a.value.is_empty()) {
        Some(allowed) => {
            claims::client_id_check(jwt, &allowed.value, d).service_error(Some(service::CLIENT_ID))
        }
        None => Check::new(
            CheckId::ClientId,
            Status::Skip,
            "allowedClients not configured",
        ),
    }
}

/// `aud` (AgentCore): `aud` (string or array) contains one of `allowedAudience`.
fn audience(jwt: &Jwt, allowed: Option<&Located<Vec<String>>>, d: claims::Detail) -> Check {
    match allowed.filter(|a| !a.value.is_empty()) {
        Some(allowed) => {
            claims::aud_check(jwt, &allowed.value, d).service_error(Some(service::AUD))
        }
        None => Check::new(CheckId::Aud, Status::Skip, "allowedAudience not configured"),
    }
}

/// `aud` (API Gateway): `aud` contains an entry; only when the token has no `aud`, `client_id` may.
fn apigw_audience(jwt: &Jwt, allowed: Option<&Located<Vec<String>>>, d: claims::Detail) -> Check {
    let Some(allowed) = allowed.filter(|a| !a.value.is_empty()) else {
        return Check::new(CheckId::Aud, Status::Skip, "no audience configured");
    };
    let c = if jwt.claims.contains_key("aud") {
        claims::aud_check(jwt, &allowed.value, d)
    } else {
        let cid = jwt.claims.get("client_id");
        let mut c = claims::client_id_check(jwt, &allowed.value, d);
        c.id = CheckId::Aud;
        if c.status == Status::Pass && d == claims::Detail::Failures {
            return c;
        }
        c.message = if c.status == Status::Pass {
            "no aud; client_id is an allowed audience".to_string()
        } else {
            format!("no aud, and {}", c.message)
        };
        c.actual(json!({"client_id": cid.cloned().unwrap_or(Value::Null)}))
    };
    if c.status == Status::Pass && d == claims::Detail::Failures {
        return c;
    }
    c.expected(allowed.value.clone())
        .service_error(Some(service::APIGW_AUD))
}

/// `scope`: any one allowed scope in `scope` (space separated) or `scp` (string or array).
fn scope(jwt: &Jwt, allowed: Option<&Located<Vec<String>>>, apigw: bool) -> Check {
    match allowed.filter(|a| !a.value.is_empty()) {
        Some(allowed) => claims::scope_check(jwt, &allowed.value),
        None if apigw => Check::new(
            CheckId::Scope,
            Status::Skip,
            "no route authorization scopes configured",
        ),
        None => Check::new(CheckId::Scope, Status::Skip, "allowedScopes not configured"),
    }
}

/// `claim:<name>`: one `customClaims` rule.
fn custom_claim(jwt: &Jwt, rule: &CustomClaim) -> Check {
    claims::custom_claim_check(
        jwt,
        &rule.name,
        &rule.value_type,
        &rule.operator,
        rule.match_value.as_deref(),
        &rule.match_values,
    )
}

/// The first failing check in the proxy's order (format, expiry, signature, issuer, not_before,
/// client_id, aud, scope, then `claim:*` and anything else).
pub fn first_failure(checks: &[Check]) -> Option<&Check> {
    checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .min_by_key(|c| c.id.proxy_rank())
}
