//! The claim engine: each check of a token (format, signature, issuer, expiry, not_before, aud,
//! client_id, scope, custom claims, token_use) written once as a function that returns a
//! [`Check`], and `verify`'s rule set over them (the standard-claims profile, [`evaluate`]). The
//! AgentCore and API Gateway rule sets ([`crate::authorizer::rules`]) use the same functions and
//! add only what the service says (their `service_error`). Everything here is pure.
//!
//! One assertion vocabulary, after aws-jwt-verify's `assert.ts`: two comparisons
//! ([`equals_one_of`], [`first_overlap`]) and one message style — [`missing`] (`Missing aud.
//! Expected one of: a, b`), [`not_allowed`] (`aud not allowed: x. Expected one of: a, b`),
//! [`not_a_string`] — ending in [`Expected`] (`Expected: x` or `Expected one of: a, b`).
//!
//! Dependencies: this module uses [`crate::signature`] (signature crypto), which uses nothing here,
//! so `verify` → `rules` → `verify` is gone, and on [`crate::host`] (a pure host test) for the
//! issuer check: nothing here imports `authorizer`, which builds its rule sets on this module.

use serde_json::Value;

use crate::escape::{esc, esc_join, esc_short, short};
use crate::report::{Check, CheckId, Status};
use crate::signature::SigOutcome;
use crate::token::{FormatError, Jwt, TokenKind, Use};

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

/// How much of a passed check to build. A batch's text line reads only whether every check
/// passed and the first failure, so it asks for [`Detail::Failures`]: a passed check then has
/// its id and status but no message, expected or actual values (building them was a fifth of a
/// batch's work beside the crypto). The outcome of every check is the same either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// Every check with its message and values (JSON, explain, a single token).
    #[default]
    Full,
    /// Failed, skipped and warning checks in full; passed checks bare.
    Failures,
}

impl Detail {
    /// True when a passed check is to be built bare.
    fn brief(self) -> bool {
        self == Detail::Failures
    }
}

/// A passed check without message or values ([`Detail::Failures`]).
fn bare_pass(id: CheckId) -> Check {
    Check::new(id, Status::Pass, String::new())
}

/// The passed `format` check: `compact JWS (RS256, kid rsa-1)`.
pub fn format_pass(jwt: &Jwt, d: Detail) -> Check {
    if d.brief() {
        return bare_pass(CheckId::Format);
    }
    Check::new(
        CheckId::Format,
        Status::Pass,
        format!(
            "compact JWS ({}, kid {})",
            esc_short(jwt.header_str("alg").unwrap_or("no alg"), 40),
            esc_short(jwt.header_str("kid").unwrap_or("none"), 80)
        ),
    )
}

/// The failed `format` check of a non-JWT input.
pub fn format_fail(e: &FormatError) -> Check {
    Check::new(
        CheckId::Format,
        Status::Fail,
        format!("not a JWT: {}", e.message),
    )
}

// ---- the one assertion vocabulary (after aws-jwt-verify's assert.ts) -----------------------

/// What a check expected, as its message ends: `Expected: x` for one value (issuer, token_use),
/// `Expected one of: a, b` for a configured list. Values are escaped.
#[derive(Debug, Clone, Copy)]
pub enum Expected<'a> {
    /// One value.
    One(&'a str),
    /// Any one of a list.
    AnyOf(&'a [String]),
}

impl std::fmt::Display for Expected<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::One(v) => write!(f, "Expected: {}", esc(v)),
            Expected::AnyOf(l) => write!(f, "Expected one of: {}", esc_join(l, ", ")),
        }
    }
}

/// `Missing {name}. {expected}`.
pub fn missing(name: &str, exp: Expected<'_>) -> String {
    format!("Missing {name}. {exp}")
}

/// `{name} not allowed: {actual}. {expected}` (`actual` escaped here).
pub fn not_allowed(name: &str, actual: &str, exp: Expected<'_>) -> String {
    format!("{name} not allowed: {}. {exp}", esc(actual))
}

/// `{name} is present but not a string ({value}). {expected}`.
pub fn not_a_string(name: &str, v: &Value, exp: Expected<'_>) -> String {
    format!(
        "{name} is present but not a string ({}). {exp}",
        crate::escape::esc_value(v)
    )
}

/// "String equals one of": `actual` is in `allowed`.
pub fn equals_one_of(actual: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| a == actual)
}

/// "Arrays overlap": the first of `actual` that is in `allowed` (a string claim counts as a
/// one-item array: see [`Jwt::audiences`]).
pub fn first_overlap<'a>(actual: &'a [String], allowed: &[String]) -> Option<&'a String> {
    actual.iter().find(|a| equals_one_of(a, allowed))
}

/// A check that passes or fails on `ok`.
fn pass_or_fail(id: CheckId, ok: bool, message: String) -> Check {
    Check::new(id, if ok { Status::Pass } else { Status::Fail }, message)
}

/// `client_id`, a string claim, is one of `allowed` (AgentCore's allowedClients; verify's
/// `--client-id` on an access token).
pub fn client_id_check(jwt: &Jwt, allowed: &[String], d: Detail) -> Check {
    if d.brief()
        && jwt
            .claim_str("client_id")
            .is_some_and(|c| equals_one_of(c, allowed))
    {
        return bare_pass(CheckId::ClientId);
    }
    let actual = jwt.claims.get("client_id");
    let exp = Expected::AnyOf(allowed);
    let c = match actual {
        None | Some(Value::Null) => {
            pass_or_fail(CheckId::ClientId, false, missing("client_id", exp))
        }
        Some(Value::String(c)) if equals_one_of(c, allowed) => pass_or_fail(
            CheckId::ClientId,
            true,
            format!("client_id {} is allowed", esc(c)),
        ),
        Some(Value::String(c)) => {
            pass_or_fail(CheckId::ClientId, false, not_allowed("client_id", c, exp))
        }
        Some(v) => pass_or_fail(CheckId::ClientId, false, not_a_string("client_id", v, exp)),
    };
    c.expected(allowed.to_vec())
        .actual(actual.cloned().unwrap_or(Value::Null))
}

/// `aud` (a string or an array) contains one of `allowed`.
pub fn aud_check(jwt: &Jwt, allowed: &[String], d: Detail) -> Check {
    let auds = jwt.audiences();
    if d.brief() && first_overlap(&auds, allowed).is_some() {
        return bare_pass(CheckId::Aud);
    }
    let msg = match (first_overlap(&auds, allowed), auds.is_empty()) {
        (Some(a), _) => format!("aud contains {}", esc(a)),
        (None, true) => missing("aud", Expected::AnyOf(allowed)),
        (None, false) => not_allowed("aud", &auds.join(", "), Expected::AnyOf(allowed)),
    };
    let ok = first_overlap(&auds, allowed).is_some();
    pass_or_fail(CheckId::Aud, ok, msg)
        .expected(allowed.to_vec())
        .actual(jwt.claims.get("aud").cloned().unwrap_or(Value::Null))
}

/// Any one of `allowed` among the token's scopes (`scope`, space separated, and `scp`).
pub fn scope_check(jwt: &Jwt, allowed: &[String]) -> Check {
    let have = jwt.scopes();
    let actual = if have.is_empty() {
        Value::Null
    } else {
        Value::String(have.join(" "))
    };
    let exp = Expected::AnyOf(allowed);
    let c = match (first_overlap(&have, allowed), have.is_empty()) {
        (Some(f), _) => pass_or_fail(CheckId::Scope, true, format!("scope {} is allowed", esc(f))),
        (None, true) => pass_or_fail(
            CheckId::Scope,
            false,
            format!("no scope or scp claim. {exp}"),
        ),
        (None, false) => pass_or_fail(
            CheckId::Scope,
            false,
            format!(
                "none of the scopes [{}] is allowed. {exp}",
                esc_join(&have, " ")
            ),
        ),
    };
    c.expected(allowed.to_vec()).actual(actual)
}

/// `token_use` equals `want` (Cognito's claim: `access` or `id`).
pub fn token_use_check(jwt: &Jwt, want: Use, d: Detail) -> Check {
    let want = match want {
        Use::Access => "access",
        Use::Id => "id",
    };
    if d.brief() && jwt.claim_str("token_use") == Some(want) {
        return bare_pass(CheckId::TokenUse);
    }
    let got = jwt.claims.get("token_use");
    let exp = Expected::One(want);
    let c = match got {
        None | Some(Value::Null) => {
            pass_or_fail(CheckId::TokenUse, false, missing("token_use", exp))
        }
        Some(Value::String(g)) if g == want => {
            pass_or_fail(CheckId::TokenUse, true, format!("token_use is {want}"))
        }
        Some(Value::String(g)) => pass_or_fail(
            CheckId::TokenUse,
            false,
            not_allowed("token_use", &short(g, 40), exp),
        ),
        Some(v) => pass_or_fail(CheckId::TokenUse, false, not_a_string("token_use", v, exp)),
    };
    c.expected([want])
        .actual(got.cloned().unwrap_or(Value::Null))
}

/// One custom-claim rule, by its parts (AgentCore's `customClaims`: a value type, an operator,
/// one value or a list): `claim:<name>`.
pub fn custom_claim_check(
    jwt: &Jwt,
    name: &str,
    value_type: &str,
    operator: &str,
    match_value: Option<&str>,
    match_values: &[String],
) -> Check {
    let id = CheckId::claim(name);
    let actual = jwt.claims.get(name).cloned();
    let expected: Vec<String> = match (match_value, match_values.is_empty()) {
        (Some(v), _) => vec![v.to_string()],
        (None, false) => match_values.to_vec(),
        (None, true) => Vec::new(),
    };
    // Escaped copies for the messages; the comparisons use the raw values.
    let ename = esc(name);
    let result: Result<String, String> = match (value_type, operator, actual.as_ref()) {
        (_, _, None) => Err(format!("missing claim {ename}")),
        ("STRING", "EQUALS", Some(v)) => match (v.as_str(), match_value) {
            (Some(s), Some(want)) if s == want => Ok(format!("{ename} equals {}", esc(want))),
            (Some(s), Some(want)) => Err(format!("{ename} is {}, not {}", esc(s), esc(want))),
            (None, _) => Err(format!("{ename} is not a string")),
            (_, None) => Err("invalid rule: EQUALS needs matchValueString".into()),
        },
        ("STRING_ARRAY", "CONTAINS", Some(v)) => match (v.as_array(), match_value) {
            (Some(a), Some(want)) if a.iter().any(|x| x.as_str() == Some(want)) => {
                Ok(format!("{ename} contains {}", esc(want)))
            }
            (Some(_), Some(want)) => Err(format!("{ename} does not contain {}", esc(want))),
            (None, _) => Err(format!("{ename} is not an array")),
            (_, None) => Err("invalid rule: CONTAINS needs matchValueString".into()),
        },
        ("STRING_ARRAY", "CONTAINS_ANY", Some(v)) => match v.as_array() {
            Some(a) => {
                let have: Vec<String> = a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                match first_overlap(&have, match_values) {
                    Some(h) => Ok(format!("{ename} contains {}", esc(h))),
                    None if match_values.is_empty() => {
                        Err("invalid rule: CONTAINS_ANY needs matchValueStringList".into())
                    }
                    None => Err(format!(
                        "{ename} contains none of: {}",
                        esc_join(match_values, ", ")
                    )),
                }
            }
            None => Err(format!("{ename} is not an array")),
        },
        (t, o, _) => Err(format!(
            "invalid rule: operator {} with value type {} (EQUALS goes with STRING; CONTAINS and CONTAINS_ANY with STRING_ARRAY)",
            esc(o),
            esc(t)
        )),
    };
    let c = match result {
        Ok(m) => Check::new(id, Status::Pass, m),
        Err(m) => Check::new(id, Status::Fail, m),
    };
    c.expected(expected).actual(actual.unwrap_or(Value::Null))
}

/// Every check of a parsed token, in order: format, signature, issuer, expiry, not_before, then
/// aud, client_id and token_use when asked for. `sig` is `None` when no key was available.
pub fn evaluate(jwt: &Jwt, sig: Option<&SigOutcome>, exp: &Expectations, now: i64) -> Vec<Check> {
    evaluate_with(jwt, sig, exp, now, Detail::Full)
}

/// [`evaluate`], with passed checks built as `d` says.
pub fn evaluate_with(
    jwt: &Jwt,
    sig: Option<&SigOutcome>,
    exp: &Expectations,
    now: i64,
    d: Detail,
) -> Vec<Check> {
    let mut checks = Vec::with_capacity(8);
    checks.push(format_pass(jwt, d));
    checks.push(match sig {
        Some(o) => signature_check(o, None, d),
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
            d,
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
    checks.push(expiry_check(jwt, now, 0, leeway, d));
    checks.push(not_before_check(jwt, now, leeway, d));

    if !exp.audiences.is_empty() {
        checks.push(aud_check(jwt, &exp.audiences, d));
    }
    if !exp.client_ids.is_empty() {
        checks.push(cognito_client_id_check(jwt, &exp.client_ids, d));
    }
    if let Some(u) = exp.token_use {
        checks.push(token_use_check(jwt, u, d));
    }
    checks
}

/// verify's `--client-id`, Cognito-aware as aws-jwt-verify is: an ID token's client id is its
/// `aud`, any other token's its `client_id` ([`client_id_check`]).
pub fn cognito_client_id_check(jwt: &Jwt, allowed: &[String], d: Detail) -> Check {
    if jwt.kind() == TokenKind::CognitoId {
        let label = "Client ID (\"aud\" of an ID token)";
        let auds = jwt.audiences();
        if d.brief() && first_overlap(&auds, allowed).is_some() {
            return bare_pass(CheckId::ClientId);
        }
        let exp = Expected::AnyOf(allowed);
        let (ok, msg) = match (first_overlap(&auds, allowed), auds.is_empty()) {
            (Some(a), _) => (true, format!("{label} contains {}", esc(a))),
            (None, true) => (false, missing(label, exp)),
            (None, false) => (false, not_allowed(label, &auds.join(", "), exp)),
        };
        return pass_or_fail(CheckId::ClientId, ok, msg)
            .expected(allowed.to_vec())
            .actual(jwt.claims.get("aud").cloned().unwrap_or(Value::Null));
    }
    let mut c = client_id_check(jwt, allowed, d);
    // No client_id, but the client id is in aud: say what kind of token this is.
    if jwt.claims.is_absent_or_null("client_id")
        && let Some(a) = first_overlap(&jwt.audiences(), allowed)
    {
        if jwt.claim_str("token_use") == Some("access") {
            c.message.push_str(&format!(
                " (the client id {} is in aud; this access token has no client_id claim)",
                esc(a)
            ));
        } else {
            c.message.push_str(&format!(
                " (the client id {} is in aud: this is not an access token)",
                esc(a)
            ));
        }
    }
    c
}

/// The `signature` check for an outcome, without origin or reason.
fn signature_base(o: &SigOutcome, d: Detail) -> Check {
    let status = if o.is_valid() {
        Status::Pass
    } else {
        Status::Fail
    };
    if status == Status::Pass && d.brief() {
        return bare_pass(CheckId::Signature);
    }
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
pub fn signature_check(outcome: &SigOutcome, origin: Option<&str>, d: Detail) -> Check {
    let mut c = signature_base(outcome, d);
    if let Some(o) = origin.filter(|_| !c.message.is_empty()) {
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
pub fn issuer_check(jwt: &Jwt, expected: &str, source: Option<&str>, d: Detail) -> Check {
    if d.brief()
        && let Some(iss) = jwt.claim_str("iss")
        && iss == expected
        && crate::host::lookalike_host(iss).is_none()
    {
        return bare_pass(CheckId::Issuer);
    }
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
    let (status, message) = match jwt.claim_str("iss").and_then(crate::host::lookalike_host) {
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
pub fn expiry_check(jwt: &Jwt, now: i64, margin: i64, leeway: i64, d: Detail) -> Check {
    use crate::timefmt::{relative, rfc3339};
    if d.brief()
        && let Some(exp) = jwt.claim_time("exp")
        && exp.saturating_sub(now).saturating_add(leeway) > margin
    {
        return bare_pass(CheckId::Expiry);
    }
    let lw = if leeway > 0 {
        format!(", leeway {leeway} s")
    } else {
        String::new()
    };
    let Some(exp) = jwt.claim_time("exp") else {
        let what = if jwt.claims.has("exp") {
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
pub fn not_before_check(jwt: &Jwt, now: i64, leeway: i64, d: Detail) -> Check {
    use crate::timefmt::{relative, rfc3339};
    match jwt.claim_time("nbf") {
        None if d.brief() && !jwt.claims.has("nbf") => bare_pass(CheckId::NotBefore),
        Some(nbf) if d.brief() && nbf <= now.saturating_add(leeway) => {
            bare_pass(CheckId::NotBefore)
        }
        None if jwt.claims.has("nbf") => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(claims: Value) -> Jwt {
        use base64::Engine;
        let b = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        let text = format!(
            "{}.{}.c2ln",
            b(&json!({"alg": "RS256", "kid": "k"})),
            b(&claims)
        );
        Jwt::parse(&text).expect("a JWT")
    }

    fn allowed(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_message_style_for_every_claim() {
        let a = allowed(&["7abc", "9def"]);
        let cases = [
            (
                client_id_check(&jwt(json!({})), &a, Detail::Full),
                "Missing client_id. Expected one of: 7abc, 9def",
            ),
            (
                client_id_check(&jwt(json!({"client_id": "3q9f"})), &a, Detail::Full),
                "client_id not allowed: 3q9f. Expected one of: 7abc, 9def",
            ),
            (
                client_id_check(&jwt(json!({"client_id": ["7abc"]})), &a, Detail::Full),
                "client_id is present but not a string ([\"7abc\"]). Expected one of: 7abc, 9def",
            ),
            (
                client_id_check(&jwt(json!({"client_id": "9def"})), &a, Detail::Full),
                "client_id 9def is allowed",
            ),
            (
                aud_check(&jwt(json!({})), &a, Detail::Full),
                "Missing aud. Expected one of: 7abc, 9def",
            ),
            (
                aud_check(&jwt(json!({"aud": ["x", "y"]})), &a, Detail::Full),
                "aud not allowed: x, y. Expected one of: 7abc, 9def",
            ),
            (
                aud_check(&jwt(json!({"aud": ["x", "9def"]})), &a, Detail::Full),
                "aud contains 9def",
            ),
            (
                aud_check(&jwt(json!({"aud": "7abc"})), &a, Detail::Full),
                "aud contains 7abc",
            ),
            (
                token_use_check(&jwt(json!({})), Use::Access, Detail::Full),
                "Missing token_use. Expected: access",
            ),
            (
                token_use_check(&jwt(json!({"token_use": "id"})), Use::Access, Detail::Full),
                "token_use not allowed: id. Expected: access",
            ),
            (
                token_use_check(&jwt(json!({"token_use": 1})), Use::Access, Detail::Full),
                "token_use is present but not a string (1). Expected: access",
            ),
            (
                scope_check(&jwt(json!({"scope": "a b"})), &a),
                "none of the scopes [a b] is allowed. Expected one of: 7abc, 9def",
            ),
        ];
        for (check, want) in cases {
            assert_eq!(check.message, want);
        }
    }

    #[test]
    fn values_from_the_token_are_escaped_in_messages() {
        let a = allowed(&["ok"]);
        let c = client_id_check(
            &jwt(json!({"client_id": "x\n✓ ACCEPTED"})),
            &a,
            Detail::Full,
        );
        assert_eq!(
            c.message,
            "client_id not allowed: x\\n✓ ACCEPTED. Expected one of: ok"
        );
        assert!(!c.message.contains('\n'));
    }

    #[test]
    fn brief_detail_changes_no_outcome_and_no_failure() {
        // Failures-only detail: the same checks with the same statuses; failures, warnings and
        // skips word for word; passes bare.
        let exp = Expectations {
            issuer: Some("https://issuer.example".into()),
            audiences: allowed(&["a1"]),
            client_ids: allowed(&["c1"]),
            token_use: Some(Use::Access),
            ..Default::default()
        };
        let tokens = [
            json!({"iss": "https://issuer.example", "exp": 2000, "nbf": 10, "aud": "a1",
                   "client_id": "c1", "token_use": "access"}),
            json!({"iss": "https://issuer.example/", "exp": 1000, "nbf": 1500, "aud": ["x"],
                   "client_id": "c2", "token_use": "id"}),
            json!({"iss": "https://issuer.example", "exp": "soon", "nbf": "x"}),
            json!({"iss": "https://amazon\u{430}ws.com", "exp": 1030}),
            json!({}),
        ];
        let sig = SigOutcome::Valid {
            kid: Some("k".into()),
            alg: "RS256".into(),
        };
        for t in tokens {
            let t = jwt(t);
            for sig in [Some(&sig), None] {
                let full = evaluate_with(&t, sig, &exp, 1000, Detail::Full);
                let brief = evaluate_with(&t, sig, &exp, 1000, Detail::Failures);
                assert_eq!(full.len(), brief.len());
                for (f, b) in full.iter().zip(&brief) {
                    assert_eq!((f.id.as_str(), f.status), (b.id.as_str(), b.status));
                    if f.status == Status::Pass {
                        assert_eq!(b.message, "");
                    } else {
                        assert_eq!(f.message, b.message);
                    }
                }
            }
        }
    }

    #[test]
    fn a_passing_token_in_brief_detail_builds_no_claims_map() {
        // A batch's text line: the checks read the claims parsed in the one pass, not a map.
        let exp = Expectations {
            issuer: Some("https://issuer.example".into()),
            audiences: allowed(&["a1"]),
            client_ids: allowed(&["c1"]),
            token_use: Some(Use::Access),
            leeway: 5,
            ..Default::default()
        };
        let sig = SigOutcome::Valid {
            kid: Some("k".into()),
            alg: "RS256".into(),
        };
        for claims in [
            json!({"iss": "https://issuer.example", "exp": 2000, "nbf": 10, "aud": ["a1"],
                   "client_id": "c1", "token_use": "access", "sub": "u", "username": "n",
                   "scope": "a", "jti": "x", "cnf": {"jkt": "y"}}),
            json!({"iss": "https://issuer.example", "exp": 2000.5, "aud": "a1",
                   "client_id": "c1", "token_use": "access", "sub": "c1"}),
        ] {
            let t = jwt(claims);
            let checks = evaluate_with(&t, Some(&sig), &exp, 1000, Detail::Failures);
            assert!(
                checks.iter().all(|c| c.status == Status::Pass),
                "{checks:?}"
            );
            assert_ne!(t.kind(), TokenKind::Jwt);
            assert!(!t.claims.map_built());
            // Full detail shows the claims' values: that builds it.
            evaluate_with(&t, Some(&sig), &exp, 1000, Detail::Full);
            assert!(t.claims.map_built());
        }
    }

    #[test]
    fn both_rule_sets_word_a_check_alike() {
        // verify's profile and the AgentCore rule set give the same words for the same claim.
        let t = jwt(json!({"client_id": "3q9f", "token_use": "access"}));
        let exp = Expectations {
            client_ids: allowed(&["7abc"]),
            ..Default::default()
        };
        let verify = evaluate(&t, None, &exp, 0);
        let from_verify = verify.iter().find(|c| c.id == CheckId::ClientId).unwrap();
        assert_eq!(
            from_verify.message,
            client_id_check(&t, &exp.client_ids, Detail::Full).message
        );
    }
}
