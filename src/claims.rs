//! The claim engine: each check of a token (format, signature, issuer, expiry, not_before, aud,
//! client_id, token_use) written once as a function that returns a [`Check`], and `verify`'s rule
//! set over them (the standard-claims profile, [`evaluate`]). The AgentCore and API Gateway rule
//! sets ([`crate::authorizer::rules`]) use the same functions. Everything here is pure.
//!
//! Dependencies: this module uses [`crate::verify`] (signature crypto), which uses nothing here,
//! so `verify` → `rules` → `verify` is gone. One edge is left to move: the issuer check asks
//! `authorizer::idp::lookalike_host` (a pure host test) while `authorizer::rules` uses this module.

use serde_json::Value;

use crate::render::{esc, esc_join, esc_short, short};
use crate::report::{Check, CheckId, Status};
use crate::token::{FormatError, Jwt, TokenKind, Use};
use crate::verify::SigOutcome;

/// Reason codes stored in `Check::reason` by the signature check.
pub mod reason {
    /// Bad signature.
    pub const SIGNATURE_INVALID: &str = "signature-invalid";
    /// `kid` not in the JWKS.
    pub const UNKNOWN_KID: &str = "unknown-kid";
    /// `none`, HS* with a public key, or an algorithm the key does not allow.
    pub const ALG_NOT_ALLOWED: &str = "alg-not-allowed";
}

/// What `verify` expects of a token besides its signature.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// The issuer `iss` must equal exactly (`None`: the issuer check is skipped).
    pub issuer: Option<String>,
    /// Where the expected issuer came from (for messages).
    pub issuer_source: String,
    /// `--audience`: `aud` must contain one.
    pub audiences: Vec<String>,
    /// `--client-id`: `client_id` (access tokens) or `aud` (ID tokens) must be one.
    pub client_ids: Vec<String>,
    /// `--token-use`.
    pub token_use: Option<Use>,
    /// `--leeway` seconds for `exp` and `nbf`.
    pub leeway: u64,
    /// A `discovery-issuer-mismatch` sentence, shown as a `discovery` warn check after `issuer`.
    pub discovery_warning: Option<String>,
}

/// The failed `format` check of a non-JWT input.
pub fn format_fail(e: &FormatError) -> Check {
    Check::new(
        CheckId::Format,
        Status::Fail,
        format!("not a JWT: {}", e.message),
    )
}

fn one_of(name: &str, actual: &[String], expected: &[String]) -> String {
    let exp = esc_join(expected, ", ");
    if actual.is_empty() {
        format!("Missing {name}. Expected one of: {exp}")
    } else {
        format!(
            "{name} not allowed: {}. Expected one of: {exp}",
            esc_join(actual, ", ")
        )
    }
}

/// Every check of a parsed token, in order: format, signature, issuer, expiry, not_before, then
/// aud, client_id and token_use when asked for. `sig` is `None` when no key was available.
pub fn evaluate(jwt: &Jwt, sig: Option<&SigOutcome>, exp: &Expectations, now: i64) -> Vec<Check> {
    let mut checks = Vec::with_capacity(8);
    checks.push(Check::new(
        CheckId::Format,
        Status::Pass,
        format!(
            "compact JWS ({}, kid {})",
            esc_short(jwt.header_str("alg").unwrap_or("no alg"), 40),
            esc_short(jwt.header_str("kid").unwrap_or("none"), 80)
        ),
    ));
    checks.push(match sig {
        Some(o) => signature_check(o, None),
        None => Check::new(
            CheckId::Signature,
            Status::Skip,
            "no keys to check the signature with",
        ),
    });
    checks.push(match &exp.issuer {
        Some(want) => issuer_check(
            jwt,
            want,
            Some(&exp.issuer_source)
                .filter(|s| !s.is_empty())
                .map(String::as_str),
        ),
        None => Check::new(
            CheckId::Issuer,
            Status::Skip,
            "no issuer to compare with (give --issuer or --discovery-url)",
        ),
    });
    if let Some(w) = &exp.discovery_warning {
        checks.push(Check::new(CheckId::Discovery, Status::Warn, w.clone()));
    }
    let leeway = exp.leeway.min(i64::MAX as u64) as i64;
    checks.push(expiry_check(jwt, now, 0, leeway));
    checks.push(not_before_check(jwt, now, leeway));

    // aud
    if !exp.audiences.is_empty() {
        let auds = jwt.audiences();
        let ok = auds.iter().any(|a| exp.audiences.contains(a));
        let msg = if ok {
            format!(
                "aud contains {}",
                esc(auds
                    .iter()
                    .find(|a| exp.audiences.contains(a))
                    .map(String::as_str)
                    .unwrap_or_default())
            )
        } else {
            one_of("aud", &auds, &exp.audiences)
        };
        checks.push(
            Check::new(
                CheckId::Aud,
                if ok { Status::Pass } else { Status::Fail },
                msg,
            )
            .expected(exp.audiences.clone())
            .actual(jwt.claims.get("aud").cloned().unwrap_or(Value::Null)),
        );
    }

    // client_id (Cognito-aware, like aws-jwt-verify: aud for ID tokens, client_id otherwise)
    if !exp.client_ids.is_empty() {
        let (claim, values) = if jwt.kind() == TokenKind::CognitoId {
            ("aud", jwt.audiences())
        } else {
            (
                "client_id",
                jwt.claim_str("client_id")
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default(),
            )
        };
        let ok = values.iter().any(|v| exp.client_ids.contains(v));
        let not_string = jwt
            .claims
            .get("client_id")
            .filter(|v| claim == "client_id" && !v.is_string() && !v.is_null());
        let label = if claim == "aud" {
            "Client ID (\"aud\" of an ID token)".to_string()
        } else {
            "client_id".to_string()
        };
        let msg = if let Some(v) = not_string {
            format!(
                "client_id is present but not a string ({}). Expected one of: {}",
                crate::render::esc_value(v),
                esc_join(&exp.client_ids, ", ")
            )
        } else if ok {
            format!(
                "{label} is {}",
                esc(values
                    .iter()
                    .find(|v| exp.client_ids.contains(v))
                    .map(String::as_str)
                    .unwrap_or_default())
            )
        } else {
            let mut m = one_of(&label, &values, &exp.client_ids);
            if values.is_empty()
                && let Some(a) = jwt
                    .audiences()
                    .into_iter()
                    .find(|a| exp.client_ids.contains(a))
            {
                if jwt.claim_str("token_use") == Some("access") {
                    m.push_str(&format!(
                        " (the client id {} is in aud; this access token has no client_id claim)",
                        esc(&a)
                    ));
                } else {
                    m.push_str(&format!(
                        " (the client id {} is in aud: this is not an access token)",
                        esc(&a)
                    ));
                }
            }
            m
        };
        checks.push(
            Check::new(
                CheckId::ClientId,
                if ok { Status::Pass } else { Status::Fail },
                msg,
            )
            .expected(exp.client_ids.clone())
            .actual(jwt.claims.get(claim).cloned().unwrap_or(Value::Null)),
        );
    }

    // token_use
    if let Some(u) = exp.token_use {
        let want = match u {
            Use::Access => "access",
            Use::Id => "id",
        };
        let got = jwt.claims.get("token_use");
        let ok = got.and_then(Value::as_str) == Some(want);
        let msg = match (ok, got.and_then(Value::as_str)) {
            (true, _) => format!("token_use is {want}"),
            (false, Some(g)) => {
                format!(
                    "token_use not allowed: {}. Expected: {want}",
                    esc_short(g, 40)
                )
            }
            (false, None) => format!("Missing token_use. Expected: {want}"),
        };
        checks.push(
            Check::new(
                CheckId::TokenUse,
                if ok { Status::Pass } else { Status::Fail },
                msg,
            )
            .expected([want])
            .actual(got.cloned().unwrap_or(Value::Null)),
        );
    }
    checks
}

/// The `signature` check for an outcome, without origin or reason.
fn signature_base(o: &SigOutcome) -> Check {
    let status = if o.is_valid() {
        Status::Pass
    } else {
        Status::Fail
    };
    let c = Check::new(CheckId::Signature, status, o.message());
    match o {
        SigOutcome::UnknownKid { kid, known } => {
            let c = c.expected(known.iter().map(|k| short(k, 80)));
            match kid {
                Some(k) => c.actual(short(k, 200)),
                None => c.actual(Value::Null),
            }
        }
        SigOutcome::AlgNotAllowed { alg, .. } => c.actual(alg.clone()),
        _ => c,
    }
}

/// The `signature` check for an outcome (shared by `verify` and `explain`): the outcome's message,
/// where the keys came from, and the reason the diagnoser reads.
pub fn signature_check(outcome: &SigOutcome, origin: Option<&str>) -> Check {
    let mut c = signature_base(outcome);
    if let Some(o) = origin {
        c.message = format!("{} (keys from {})", c.message, esc(o));
    }
    c.reason = match outcome {
        SigOutcome::Valid { .. } => None,
        SigOutcome::UnknownKid { .. } => Some(reason::UNKNOWN_KID),
        SigOutcome::AlgNotAllowed { .. } => Some(reason::ALG_NOT_ALLOWED),
        SigOutcome::Invalid { .. } => Some(reason::SIGNATURE_INVALID),
    };
    c
}

/// `issuer`: `iss` equals `expected` exactly (a trailing slash matters). `source` says where the
/// expected issuer came from (`from --issuer`), for `verify`'s messages. Shared by `verify`.
pub fn issuer_check(jwt: &Jwt, expected: &str, source: Option<&str>) -> Check {
    let actual = jwt.claims.get("iss").cloned().unwrap_or(Value::Null);
    let from = source.map(|s| format!(" ({})", esc(s))).unwrap_or_default();
    let shown = esc(expected);
    let (status, message) = match jwt.claim_str("iss") {
        Some(iss) if iss == expected => (Status::Pass, format!("iss is {}", esc(iss))),
        Some(iss) => {
            let slash = if iss.trim_end_matches('/') == expected.trim_end_matches('/') {
                " (only the trailing slash differs: the comparison is exact)"
            } else {
                ""
            };
            (
                Status::Fail,
                format!(
                    "iss not allowed: {}. Expected: {shown}{from}{slash}",
                    esc(iss)
                ),
            )
        }
        None if actual.is_null() => (
            Status::Fail,
            format!("missing iss. Expected: {shown}{from}"),
        ),
        None => (Status::Fail, "iss is not a string".to_string()),
    };
    // A look-alike host (`amazonаws.com` with a Cyrillic а) is named even when iss matches: the
    // expected issuer then is one too.
    let (status, message) = match jwt
        .claim_str("iss")
        .and_then(crate::authorizer::idp::lookalike_host)
    {
        Some(l) => (
            if status == Status::Pass {
                Status::Warn
            } else {
                status
            },
            format!(
                "{message} — the issuer host {} is {}: a look-alike",
                l.shown, l.why
            ),
        ),
        None => (status, message),
    };
    Check::new(CheckId::Issuer, status, message)
        .expected([expected.to_string()])
        .actual(actual)
}

/// `expiry`: `exp` present and more than `margin` seconds away (AgentCore: 60; API Gateway and
/// `verify`: 0), with `leeway` seconds of clock skew tolerated (`verify --leeway`). Shared by `verify`.
pub fn expiry_check(jwt: &Jwt, now: i64, margin: i64, leeway: i64) -> Check {
    use crate::timefmt::{relative, rfc3339};
    let lw = if leeway > 0 {
        format!(", leeway {leeway} s")
    } else {
        String::new()
    };
    let Some(exp) = jwt.claim_time("exp") else {
        let what = if jwt.claims.contains_key("exp") {
            "exp is not a number"
        } else {
            "missing exp: tokdiag refuses a token without expiry; how AgentCore treats one is not documented"
        };
        return Check::new(CheckId::Expiry, Status::Fail, what)
            .actual(jwt.claims.get("exp").cloned().unwrap_or(Value::Null));
    };
    let left = exp.saturating_sub(now).saturating_add(leeway);
    let c = if left <= 0 {
        Check::new(
            CheckId::Expiry,
            Status::Fail,
            format!("expired at {} ({}{lw})", rfc3339(exp), relative(exp, now)),
        )
    } else if left <= margin {
        Check::new(
            CheckId::Expiry,
            Status::Fail,
            format!(
                "expires at {} (in {} s, inside the {margin} s margin{lw})",
                rfc3339(exp),
                exp.saturating_sub(now)
            ),
        )
    } else {
        Check::new(
            CheckId::Expiry,
            Status::Pass,
            format!("expires at {} ({}{lw})", rfc3339(exp), relative(exp, now)),
        )
    };
    let expected = if margin > 0 {
        format!("exp > now + {margin} s")
    } else {
        "exp > now".to_string()
    };
    c.expected([expected]).actual(exp)
}

/// `not_before`: `nbf`, when present, not in the future (beyond `leeway`). Shared by `verify`.
pub fn not_before_check(jwt: &Jwt, now: i64, leeway: i64) -> Check {
    use crate::timefmt::{relative, rfc3339};
    match jwt.claim_time("nbf") {
        None if jwt.claims.contains_key("nbf") => {
            Check::new(CheckId::NotBefore, Status::Fail, "nbf is not a number")
                .actual(jwt.claims.get("nbf").cloned().unwrap_or(Value::Null))
        }
        None => Check::new(CheckId::NotBefore, Status::Pass, "no nbf claim (optional)"),
        Some(nbf) if nbf > now.saturating_add(leeway) => Check::new(
            CheckId::NotBefore,
            Status::Fail,
            format!("not valid before {} ({})", rfc3339(nbf), relative(nbf, now)),
        )
        .actual(nbf),
        Some(nbf) => Check::new(
            CheckId::NotBefore,
            Status::Pass,
            format!("valid since {} ({})", rfc3339(nbf), relative(nbf, now)),
        )
        .actual(nbf),
    }
}
