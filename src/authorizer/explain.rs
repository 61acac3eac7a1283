//! One evaluation, end to end: obtain the keys, run every rule, diagnose, derive the verdict.
//! `explain`, `doctor`, `invoke` and `proxy` all go through [`explain`]; nothing else applies rules.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::authorizer::diagnose::{self, Context};
use crate::authorizer::{
    Authorizer, AuthorizerType, CustomClaim, ResourceKind, RuleSet, SigningKeys, SourceKind, rules,
};
use crate::error::{Error, Result};
use crate::keyring::{KeyRing, KeySpec};
use crate::oidc::{self, FetchOptions};
use crate::report::{Check, CheckId, Diagnosis, Status, Verdict};
use crate::token::{Jwt, TokenKind};

/// The authorizer as shown in reports.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizerView {
    /// Source kind.
    pub source: SourceKind,
    /// Rule set.
    pub rules: RuleSet,
    /// Config file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Agent or resource (kept for scripts written before `name`; the same value).
    pub agent: Option<String>,
    /// `runtime` or `gateway`.
    pub kind: ResourceKind,
    /// The selected resource's name (agent, runtime, gateway, logical id, Terraform address).
    pub name: Option<String>,
    /// `CUSTOM_JWT`, `AWS_IAM` or `NONE`.
    pub authorizer_type: AuthorizerType,
    /// Whether a JWT authorizer is configured at all.
    pub configured: bool,
    /// Discovery URL (AgentCore) or derived from the issuer (API Gateway).
    pub discovery_url: Option<String>,
    /// Expected issuer, when known.
    pub issuer: Option<String>,
    /// Where the expected issuer comes from: `discovery-document` (online), `discovery-url`
    /// (assumed offline: the URL without `/.well-known/…`), or `config` (API Gateway's Issuer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_source: Option<&'static str>,
    /// allowedClients.
    pub allowed_clients: Vec<String>,
    /// allowedAudience.
    pub allowed_audience: Vec<String>,
    /// allowedScopes.
    pub allowed_scopes: Vec<String>,
    /// customClaims.
    pub custom_claims: Vec<CustomClaim>,
    /// Valid members that are not token checks (`advertisedScopeMapping`, `privateEndpoint`,
    /// `allowedWorkloadConfiguration`, …), as written.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub other_fields: Map<String, Value>,
}

/// The token as shown in reports.
#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    /// Token kind.
    pub kind: TokenKind,
    /// Header.
    pub header: Map<String, Value>,
    /// Claims.
    pub claims: Map<String, Value>,
}

/// A full evaluation: the JSON document of `explain` (the spec's "JSON output of `explain`").
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// accepted / rejected / unknown.
    pub verdict: Verdict,
    /// `--no-signature`: the verdict covers the claims only.
    pub claims_only: bool,
    /// The authorizer.
    pub authorizer: AuthorizerView,
    /// The token (`null` when it is not a JWT).
    pub token: Option<TokenView>,
    /// Every check.
    pub checks: Vec<Check>,
    /// Named causes with fixes.
    pub diagnoses: Vec<Diagnosis>,
    /// Warnings about the config (unquoted account, unresolved values, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The unresolved configured values (`${…}` names: a template parameter, a Terraform
    /// reference) that left a check undecided, each suppliable with `--param NAME=VALUE`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

impl Report {
    /// The first failing check in the proxy's order.
    pub fn first_failure(&self) -> Option<&Check> {
        rules::first_failure(&self.checks)
    }

    /// Why the verdict is `unknown`, in one clause (raw values: escape before printing):
    /// the unresolved configured values with the `--param` to give, and/or the signature or
    /// issuer that could not be checked. `None` unless the verdict is `unknown`.
    pub fn unknown_reason(&self) -> Option<String> {
        if self.verdict != Verdict::Unknown {
            return None;
        }
        let mut parts = Vec::new();
        match self.unresolved.as_slice() {
            [] => {}
            [one] => parts.push(format!(
                "the configuration leaves ${{{one}}} unresolved: supply it with {}",
                param_arg(one)
            )),
            many => parts.push(format!(
                "the configuration leaves {} unresolved: supply them with {}",
                many.iter()
                    .map(|n| format!("${{{n}}}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                many.iter()
                    .map(|n| param_arg(n))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        }
        let unchecked = !self.claims_only
            && self.checks.iter().any(|c| {
                matches!(c.id, CheckId::Signature | CheckId::Issuer)
                    && c.status == Status::Skip
                    && c.reason != Some(UNRESOLVED)
            });
        if unchecked || parts.is_empty() {
            parts.push("the signature or issuer could not be checked".to_string());
        }
        Some(parts.join("; "))
    }
}

/// Evaluates `token_text` against `auth` with `keys` at `now`.
pub fn explain(auth: &Authorizer, token_text: &str, keys: &SigningKeys, now: i64) -> Report {
    report(auth, keys, judge(auth, token_text, keys, now))
}

/// The verdict of a token and the checks behind it, without the diagnoses and views a
/// [`Report`] adds ([`report`] adds them): what the proxy needs to let an accepted token through.
#[derive(Debug)]
pub struct Judgement {
    /// The verdict.
    pub verdict: Verdict,
    /// Every check, in order.
    pub checks: Vec<Check>,
    parsed: std::result::Result<Jwt, crate::token::FormatError>,
    unresolved: Vec<String>,
    claims_only: bool,
}

impl Judgement {
    /// The parsed token, when the text was a JWT.
    pub fn jwt(&self) -> Option<&Jwt> {
        self.parsed.as_ref().ok()
    }
}

/// Evaluates `token_text` against the rules and decides the verdict (see [`explain`]).
pub fn judge(auth: &Authorizer, token_text: &str, keys: &SigningKeys, now: i64) -> Judgement {
    judge_with(auth, token_text, keys, now, crate::claims::Detail::Full)
}

/// [`judge`] with passed checks built as `d` says: [`crate::claims::Detail::Failures`] gives the
/// same verdict and the same failed, skipped and warning checks, passed ones bare (what the
/// proxy needs to let a token through; build a [`report`] only from a full judgement).
pub fn judge_with(
    auth: &Authorizer,
    token_text: &str,
    keys: &SigningKeys,
    now: i64,
    d: crate::claims::Detail,
) -> Judgement {
    let parsed = Jwt::parse(token_text);
    let mut checks = rules::evaluate(auth, &parsed, keys, now, d);
    // The rules carry the runtime's statuses; a gateway refuses every failing JWT with 403.
    for c in &mut checks {
        if let Some(e) = &mut c.service_error {
            e.status = auth.kind.service_status(e.status);
        }
    }
    let mut unresolved = undecided_by_unresolved(auth, keys, &mut checks);
    undecided_type(auth, &mut checks, &mut unresolved);
    let claims_only = matches!(keys, SigningKeys::NotChecked { .. });
    let mut verdict = Verdict::from_checks(&checks, claims_only);
    if !unresolved.is_empty() && verdict == Verdict::Accepted {
        verdict = Verdict::Unknown;
    }
    if checks
        .iter()
        .any(|c| c.id == CheckId::Authorizer && c.status == Status::Fail)
        || auth.jwt.as_ref().is_some_and(|j| !j.invalid.is_empty())
    {
        verdict = Verdict::Rejected;
    }
    if auth.authorizer_type_unresolved.is_some() {
        // Which checks apply at all depends on the type: nothing is decided.
        verdict = Verdict::Unknown;
    }
    Judgement {
        verdict,
        checks,
        parsed,
        unresolved,
        claims_only,
    }
}

/// The report of a judgement: its diagnoses, the authorizer and token views.
pub fn report(auth: &Authorizer, keys: &SigningKeys, j: Judgement) -> Report {
    let Judgement {
        verdict,
        checks,
        parsed,
        unresolved,
        claims_only,
    } = j;
    let jwt = parsed.as_ref().ok();
    let diagnoses = diagnose::diagnose(&Context {
        auth,
        jwt,
        checks: &checks,
        keys,
    });
    Report {
        verdict,
        claims_only,
        authorizer: view(auth, keys),
        token: jwt.map(|j| TokenView {
            kind: j.kind(),
            header: (*j.header).clone(),
            claims: j.claims.map().clone(),
        }),
        checks,
        diagnoses,
        warnings: auth.warnings.clone(),
        unresolved,
    }
}

/// A declared authorizer type that is still unresolved (`AuthorizerType: !Ref T`,
/// `authorizer_type = var.t`) decides nothing: the `authorizer` check says so (first, replacing
/// the "no JWT authorizer" failure) and the name leads the unresolved list.
fn undecided_type(auth: &Authorizer, checks: &mut Vec<Check>, unresolved: &mut Vec<String>) {
    let Some(name) = &auth.authorizer_type_unresolved else {
        return;
    };
    let mut c = Check::new(
        CheckId::Authorizer,
        Status::Skip,
        format!(
            "cannot decide: the authorizer type ${{{name}}} is unresolved (CUSTOM_JWT checks the token as below, AWS_IAM refuses every bearer token); supply it with {}",
            param_arg(name)
        ),
    );
    c.reason = Some(UNRESOLVED);
    checks.retain(|c| c.id != CheckId::Authorizer);
    checks.insert(0, c);
    unresolved.retain(|n| n != name);
    unresolved.insert(0, name.clone());
}

/// The `--param` that supplies an unresolved `${NAME}` in `text`, when there is one.
pub fn unresolved_param(text: &str) -> Option<&str> {
    let start = text.find("${")? + 2;
    let end = text[start..].find('}')? + start;
    Some(&text[start..end]).filter(|n| !n.is_empty())
}

/// [`Check::reason`] of a check left undecided by an unresolved configured value.
pub const UNRESOLVED: &str = "unresolved";

/// The configured values a check depends on: the discovery URL (or API Gateway's issuer) for
/// `signature` and `issuer`, the list for `client_id`/`aud`/`scope`, every field of the rule for
/// `claim:NAME`, and what the check expected.
fn configured_values<'a>(auth: &'a Authorizer, c: &'a Check) -> Vec<&'a str> {
    let mut out: Vec<&str> = c.expected.iter().map(String::as_str).collect();
    let Some(j) = &auth.jwt else { return out };
    let list = |l: &'a Option<crate::authorizer::Located<Vec<String>>>| {
        l.iter().flat_map(|l| l.value.iter().map(String::as_str))
    };
    match &c.id {
        CheckId::Signature | CheckId::Issuer => {
            out.extend(j.discovery_url.iter().map(|d| d.value.as_str()));
            out.extend(j.issuer.iter().map(|d| d.value.as_str()));
        }
        CheckId::ClientId => out.extend(list(&j.allowed_clients)),
        CheckId::Aud => out.extend(list(&j.allowed_audience)),
        CheckId::Scope => out.extend(list(&j.allowed_scopes)),
        CheckId::Claim(id) => {
            let name = id.name();
            for cc in j.custom_claims.iter().filter(|cc| cc.value.name == name) {
                let cc = &cc.value;
                out.extend([
                    cc.name.as_str(),
                    cc.value_type.as_str(),
                    cc.operator.as_str(),
                ]);
                out.extend(cc.match_value.as_deref());
                out.extend(cc.match_values.iter().map(String::as_str));
            }
        }
        _ => {}
    }
    out
}

/// Failed checks whose configured values are still unresolved (`${UserPool}`, `Fn::ImportValue`,
/// a Terraform reference in any field) decide nothing: they become `skip`, naming the `--param`
/// to give. A signature or issuer not checked because the discovery URL itself is unresolved
/// counts too. Returns the names of those values, first seen first, each once (the verdict is
/// then at best `unknown`).
fn undecided_by_unresolved(
    auth: &Authorizer,
    keys: &SigningKeys,
    checks: &mut [Check],
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let add = |names: &mut Vec<String>, name: &str| {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    };
    // The keys were not fetched because the discovery URL is unresolved (see obtain_keys).
    let disc = auth.discovery_url();
    let disc_unresolved = disc.as_deref().and_then(unresolved_param);
    for c in checks.iter_mut() {
        if c.status == Status::Skip
            && matches!(c.id, CheckId::Signature | CheckId::Issuer)
            && matches!(keys, SigningKeys::Unavailable { .. })
            && let Some(name) = disc_unresolved
        {
            c.reason = Some(UNRESOLVED);
            add(&mut names, name);
            continue;
        }
        if c.status != Status::Fail {
            continue;
        }
        let mut these: Vec<String> = Vec::new();
        for v in configured_values(auth, c) {
            if let Some(name) = unresolved_param(v) {
                add(&mut these, name);
            }
        }
        let params = these
            .iter()
            .map(|n| param_arg(n))
            .collect::<Vec<_>>()
            .join(" ");
        c.message = match these.as_slice() {
            [] => continue,
            [name] => format!(
                "cannot decide: the configured value ${{{name}}} is unresolved; supply it with {params}"
            ),
            many => format!(
                "cannot decide: the configured values {} are unresolved; supply them with {params}",
                many.iter()
                    .map(|n| format!("${{{n}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        c.status = Status::Skip;
        c.service_error = None;
        c.reason = Some(UNRESOLVED);
        for n in &these {
            add(&mut names, n);
        }
    }
    names
}

fn view(auth: &Authorizer, keys: &SigningKeys) -> AuthorizerView {
    AuthorizerView {
        source: auth.source,
        rules: auth.rules,
        file: auth.file.clone(),
        agent: auth.agent.clone(),
        kind: auth.kind,
        name: auth.agent.clone(),
        authorizer_type: auth.authorizer_type,
        configured: auth.jwt.is_some(),
        discovery_url: auth.discovery_url(),
        issuer: rules::expected_issuer(auth, keys),
        issuer_source: match keys {
            _ if auth.rules == RuleSet::Apigateway => Some("config"),
            SigningKeys::Jwks {
                issuer: Some(_),
                origin,
                ..
            } if origin.contains("://") => Some("discovery-document"),
            SigningKeys::Jwks {
                issuer: Some(_), ..
            }
            | SigningKeys::NotChecked { issuer: Some(_) } => Some("discovery-url"),
            _ => None,
        },
        allowed_clients: auth.allowed_clients().to_vec(),
        allowed_audience: auth.allowed_audience().to_vec(),
        allowed_scopes: auth.allowed_scopes().to_vec(),
        custom_claims: auth
            .jwt
            .as_ref()
            .map(|j| j.custom_claims.iter().map(|c| c.value.clone()).collect())
            .unwrap_or_default(),
        other_fields: auth
            .jwt
            .as_ref()
            .map(|j| {
                j.other_fields
                    .iter()
                    .map(|f| (f.value.0.clone(), f.value.1.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The issuer to expect offline: API Gateway's configured issuer, else derived from the discovery URL.
pub fn derived_issuer(auth: &Authorizer) -> Option<String> {
    let j = auth.jwt.as_ref()?;
    if auth.rules == RuleSet::Apigateway {
        return j.issuer.as_ref().map(|i| i.value.clone());
    }
    j.discovery_url
        .as_ref()
        .and_then(|d| oidc::issuer_from_discovery_url(&d.value))
        .or_else(|| j.issuer.as_ref().map(|i| i.value.clone()))
}

/// Obtains the keys for an evaluation: `--no-signature` (none), `--jwks FILE` (offline), or the
/// discovery document and JWKS (network and cache, one refetch when `jwt`'s kid is unknown).
/// Unreachable issuers give [`SigningKeys::Unavailable`] (verdict unknown); usage errors propagate.
pub fn obtain_keys(
    auth: &Authorizer,
    jwt: Option<&Jwt>,
    jwks_file: Option<&Path>,
    no_signature: bool,
    o: &FetchOptions,
) -> Result<SigningKeys> {
    if no_signature {
        return Ok(SigningKeys::NotChecked {
            issuer: derived_issuer(auth),
        });
    }
    if let Some(path) = jwks_file {
        let jwks = oidc::load_jwks_file(path)?;
        return Ok(SigningKeys::Jwks {
            issuer: derived_issuer(auth),
            jwks,
            origin: path.display().to_string(),
        });
    }
    if auth.jwt.is_none() {
        return Ok(SigningKeys::Unavailable {
            reason: "no JWT authorizer configured".into(),
        });
    }
    let Some(url) = auth.discovery_url() else {
        return Ok(SigningKeys::Unavailable {
            reason: "no discoveryUrl configured (give --discovery-url, or --jwks FILE offline)"
                .into(),
        });
    };
    if let Some(name) = unresolved_param(&url) {
        return Ok(SigningKeys::Unavailable {
            reason: format!(
                "the discoveryUrl {url} is unresolved: supply it with {}",
                param_arg(name)
            ),
        });
    }
    oidc::block_on(obtain_keys_async_url(&url, jwt, o))
}

/// The keys of `auth`'s discovery URL for a long-running caller inside its runtime (the proxy),
/// and the [`KeyRing`] they came from, whose refetch policy then governs every later refetch on
/// an unknown kid.
pub async fn obtain_ring_async(
    auth: &Authorizer,
    o: &FetchOptions,
) -> Result<(SigningKeys, Option<KeyRing>)> {
    let Some(url) = auth.discovery_url() else {
        return Ok((
            SigningKeys::Unavailable {
                reason: "no discoveryUrl configured".into(),
            },
            None,
        ));
    };
    match KeyRing::acquire(&KeySpec::Discovery(url.to_string()), o).await {
        Ok(r) => Ok((signing_keys_of(r.fetched()), Some(r))),
        Err(e @ Error::Network { .. }) => Ok((unreachable(&e), None)),
        Err(e) => Err(e),
    }
}

/// The keys of an issuer that could not be reached: the error and its hint as the reason.
fn unreachable(e: &Error) -> SigningKeys {
    SigningKeys::Unavailable {
        reason: format!(
            "{e}{}",
            e.hint().map(|h| format!(" ({h})")).unwrap_or_default()
        ),
    }
}

/// The signing keys of keys fetched through discovery.
pub fn signing_keys_of(keys: &oidc::FetchedJwks) -> SigningKeys {
    SigningKeys::Jwks {
        issuer: keys.discovery.as_ref().and_then(|d| d.issuer.clone()),
        jwks: keys.jwks.clone(),
        origin: keys.jwks_url.clone(),
    }
}

async fn obtain_keys_async_url(
    url: &str,
    jwt: Option<&Jwt>,
    o: &FetchOptions,
) -> Result<SigningKeys> {
    let mut ring = match KeyRing::acquire(&KeySpec::Discovery(url.to_string()), o).await {
        Ok(r) => r,
        Err(e @ Error::Network { .. }) => return Ok(unreachable(&e)),
        Err(e) => return Err(e),
    };
    // The ring's one policy: an unknown kid refetches the JWKS once.
    if let Some(j) = jwt
        && let Err(e) = ring.check(j, o).await
    {
        return Ok(SigningKeys::Unavailable {
            reason: e.to_string(),
        });
    }
    Ok(signing_keys_of(ring.fetched()))
}

/// `--param NAME=VALUE` for a name read from the configuration, quoted for the shell when needed
/// (a `${…}` name in a hostile file may hold `$(…)`).
pub(crate) fn param_arg(name: &str) -> String {
    format!("--param {}", crate::fsx::sh_word(&format!("{name}=VALUE")))
}

#[cfg(test)]
mod param_arg_tests {
    #[test]
    fn param_arg_quotes_a_hostile_name() {
        assert_eq!(super::param_arg("Pool"), "--param Pool=VALUE");
        assert_eq!(super::param_arg("AWS::Region"), "--param AWS::Region=VALUE");
        assert_eq!(
            super::param_arg("x$(touch pwned)"),
            "--param 'x$(touch pwned)=VALUE'"
        );
    }
}

#[cfg(test)]
mod judge_tests {
    use super::*;
    use crate::authorizer::config::{AuthorizerFlags, LoadOptions, load};
    use crate::claims::Detail;

    fn testdata(p: &str) -> String {
        let path = format!("{}/testdata/{p}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .trim()
            .to_string()
    }

    #[test]
    fn a_verdict_only_judgement_decides_as_the_full_one() {
        // What the proxy judges with (passed checks bare) gives every token the same verdict
        // and every failed, skipped and warning check word for word, under both rule sets.
        let disc = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx/.well-known/openid-configuration";
        let jwks = crate::oidc::load_jwks_file(std::path::Path::new(&format!(
            "{}/testdata/jwks.json",
            env!("CARGO_MANIFEST_DIR")
        )))
        .unwrap();
        let tokens: Vec<String> = [
            "cognito-access.jwt",
            "cognito-id.jwt",
            "cognito-client-credentials.jwt",
            "ps256.jwt",
            "eddsa.jwt",
            "expired.jwt",
            "not-yet-valid.jwt",
            "tampered.jwt",
            "unknown-kid.jwt",
            "wrong-issuer.jwt",
            "wrong-key.jwt",
            "alg-none.jwt",
            "garbage.txt",
        ]
        .iter()
        .map(|f| testdata(&format!("tokens/{f}")))
        .collect();
        let mut seen_warn = false;
        let mut seen = std::collections::BTreeSet::new();
        for rules in [None, Some(RuleSet::Apigateway)] {
            for (clients, audience, scopes) in [
                (vec!["3ipsf00btbffko91d8irdu8up1"], vec![], vec![]),
                (vec!["someone-else"], vec![], vec!["openid"]),
                (vec![], vec!["3ipsf00btbffko91d8irdu8up1"], vec![]),
            ] {
                let own = |v: &Vec<&str>| v.iter().map(|s| s.to_string()).collect();
                let auth = load(&LoadOptions {
                    flags: AuthorizerFlags {
                        discovery_url: Some(disc.into()),
                        issuer: rules.map(|_| {
                            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx".into()
                        }),
                        allowed_clients: own(&clients),
                        allowed_audience: own(&audience),
                        allowed_scopes: own(&scopes),
                    },
                    rules,
                    ..LoadOptions::default()
                })
                .unwrap()
                .unwrap();
                let keys = SigningKeys::Jwks {
                    issuer: derived_issuer(&auth),
                    jwks: jwks.clone(),
                    origin: "testdata/jwks.json".into(),
                };
                for t in &tokens {
                    for now in [1767225600, 4102444800 - 30] {
                        let full = judge(&auth, t, &keys, now);
                        let brief = judge_with(&auth, t, &keys, now, Detail::Failures);
                        assert_eq!(full.verdict, brief.verdict, "{t}");
                        seen.insert(full.verdict.as_str());
                        assert_eq!(full.checks.len(), brief.checks.len());
                        for (f, b) in full.checks.iter().zip(&brief.checks) {
                            assert_eq!((f.id.as_str(), f.status), (b.id.as_str(), b.status));
                            if f.status == Status::Pass {
                                assert_eq!(b.message, "", "{}", f.id.as_str());
                            } else {
                                seen_warn |= f.status == Status::Warn;
                                assert_eq!(
                                    (
                                        &f.message,
                                        &f.expected,
                                        &f.actual,
                                        f.service_error,
                                        f.reason
                                    ),
                                    (
                                        &b.message,
                                        &b.expected,
                                        &b.actual,
                                        b.service_error,
                                        b.reason
                                    ),
                                    "{}",
                                    f.id.as_str()
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(seen_warn, "a PS256/EdDSA warning was judged");
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            ["accepted", "rejected"]
        );
    }
}
