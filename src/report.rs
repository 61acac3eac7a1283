//! The data every evaluation produces: checks, diagnoses, verdicts. Rules fill these in; renderers
//! print them; exit codes derive from them. Field names are the JSON contract (the spec's "JSON output").

use serde::Serialize;
use serde_json::Value;

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The rule holds.
    Pass,
    /// The rule fails: the authorizer refuses the token.
    Fail,
    /// Not evaluated (not configured, or no key offline). Never counted as a pass.
    Skip,
    /// Holds, but worth knowing about.
    Warn,
}

impl Status {
    /// The symbol shown in human output.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Skip => "–",
            Status::Warn => "!",
        }
    }
}

/// The service's own reaction when a check fails, where it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status the service answers with.
    pub status: u16,
    /// The service's text.
    pub text: &'static str,
}

/// Which rule a [`Check`] evaluates. JSON and human output show [`CheckId::as_str`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckId {
    /// The token is a compact JWS.
    Format,
    /// The signature verifies with a key of the issuer (algorithm pinned by the key).
    Signature,
    /// `iss` equals the expected issuer.
    Issuer,
    /// `verify`: the discovery document names another issuer (a warning after `issuer`).
    Discovery,
    /// `exp`, with AgentCore's 60 s margin where it applies.
    Expiry,
    /// `nbf`.
    NotBefore,
    /// `client_id` (`allowedClients`, `verify --client-id`).
    ClientId,
    /// `aud` (`allowedAudience`, `verify --audience`).
    Aud,
    /// `scope`/`scp` (`allowedScopes`).
    Scope,
    /// `verify --token-use`.
    TokenUse,
    /// Whether a JWT authorizer is configured at all.
    Authorizer,
    /// One `customClaims` rule: `claim:<name>`.
    Claim(ClaimId),
}

/// The id of a `customClaims` check, `claim:<name>` (kept whole, so [`CheckId::as_str`] borrows).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimId(String);

impl ClaimId {
    /// The claim's name (`cognito:groups` for `claim:cognito:groups`).
    pub fn name(&self) -> &str {
        &self.0["claim:".len()..]
    }
}

impl CheckId {
    /// The check of the custom claim `name`.
    pub fn claim(name: &str) -> CheckId {
        CheckId::Claim(ClaimId(format!("claim:{name}")))
    }

    /// The id as written in JSON and human output (`not_before`, `claim:cognito:groups`).
    pub fn as_str(&self) -> &str {
        match self {
            CheckId::Format => "format",
            CheckId::Signature => "signature",
            CheckId::Issuer => "issuer",
            CheckId::Discovery => "discovery",
            CheckId::Expiry => "expiry",
            CheckId::NotBefore => "not_before",
            CheckId::ClientId => "client_id",
            CheckId::Aud => "aud",
            CheckId::Scope => "scope",
            CheckId::TokenUse => "token_use",
            CheckId::Authorizer => "authorizer",
            CheckId::Claim(c) => &c.0,
        }
    }

    /// The checks of a token, in the order the proxy reports the first failure: format, expiry,
    /// signature, issuer, not_before, client_id, aud, scope, then `claim:*` and the rest.
    pub fn proxy_rank(&self) -> u8 {
        match self {
            CheckId::Format => 0,
            CheckId::Expiry => 1,
            CheckId::Signature => 2,
            CheckId::Issuer => 3,
            CheckId::NotBefore => 4,
            CheckId::ClientId => 5,
            CheckId::Aud => 6,
            CheckId::Scope => 7,
            _ => 8,
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One evaluated rule.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Which rule.
    pub id: CheckId,
    /// Outcome.
    pub status: Status,
    /// One line for humans.
    pub message: String,
    /// What the configuration expects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expected: Vec<String>,
    /// What the token has (`null` when the claim is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
    /// The service's error text when this check fails, where known.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_service_error"
    )]
    pub service_error: Option<ServiceError>,
    /// Machine reason for a failure where one check has several causes (the signature check:
    /// `unknown-kid`, `alg-not-allowed`, `signature-invalid`). Read by the diagnoser; not in JSON.
    #[serde(skip)]
    pub reason: Option<&'static str>,
}

fn ser_service_error<S: serde::Serializer>(
    v: &Option<ServiceError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(e) => s.serialize_str(e.text),
        None => s.serialize_none(),
    }
}

impl Check {
    /// A check with the given id, status and message.
    pub fn new(id: CheckId, status: Status, message: impl Into<String>) -> Self {
        Check {
            id,
            status,
            message: message.into(),
            expected: Vec::new(),
            actual: None,
            service_error: None,
            reason: None,
        }
    }

    /// Sets `expected`.
    pub fn expected<I: IntoIterator<Item = S>, S: Into<String>>(mut self, e: I) -> Self {
        self.expected = e.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `actual`.
    pub fn actual(mut self, a: impl Into<Value>) -> Self {
        self.actual = Some(a.into());
        self
    }

    /// Sets the service error (kept only when the check fails).
    pub fn service_error(mut self, e: Option<ServiceError>) -> Self {
        if self.status == Status::Fail {
            self.service_error = e;
        }
        self
    }
}

/// Severity of a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Causes a refusal.
    Error,
    /// Worth fixing, does not by itself refuse.
    Warning,
}

/// A named cause with fixes.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// Fixed code from the spec's "Diagnoses" (`id-token-for-allowed-clients`, …).
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One line: the cause.
    pub message: String,
    /// Concrete fixes, most direct first.
    pub fixes: Vec<String>,
    /// The config file the fix applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// 1-based line in `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Diagnosis {
    /// An error-severity diagnosis.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnosis {
            code,
            severity: Severity::Error,
            message: message.into(),
            fixes: Vec::new(),
            file: None,
            line: None,
        }
    }

    /// A warning-severity diagnosis.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnosis {
            severity: Severity::Warning,
            ..Diagnosis::error(code, message)
        }
    }

    /// Adds a fix.
    pub fn fix(mut self, f: impl Into<String>) -> Self {
        self.fixes.push(f.into());
        self
    }

    /// Points at a file line.
    pub fn at(mut self, file: Option<&str>, line: Option<usize>) -> Self {
        self.file = file.map(str::to_string);
        self.line = line;
        self
    }
}

/// The overall outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every check passed (or was a chosen skip).
    Accepted,
    /// At least one check failed.
    Rejected,
    /// Signature or issuer could not be checked.
    Unknown,
}

impl Verdict {
    /// Derives the verdict from checks. `claims_only` is `--no-signature`: a chosen skip of the
    /// signature and issuer checks does not make the verdict unknown.
    pub fn from_checks(checks: &[Check], claims_only: bool) -> Verdict {
        if checks.iter().any(|c| c.status == Status::Fail) {
            return Verdict::Rejected;
        }
        let unchecked = checks.iter().any(|c| {
            matches!(c.id, CheckId::Signature | CheckId::Issuer) && c.status == Status::Skip
        });
        if unchecked && !claims_only {
            Verdict::Unknown
        } else {
            Verdict::Accepted
        }
    }

    /// 0 accepted, 1 rejected, 3 unknown.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Accepted => 0,
            Verdict::Rejected => 1,
            Verdict::Unknown => 3,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
            Verdict::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let pass = Check::new(CheckId::Aud, Status::Pass, "");
        let fail = Check::new(CheckId::Aud, Status::Fail, "");
        let sig_skip = Check::new(CheckId::Signature, Status::Skip, "");
        assert_eq!(
            Verdict::from_checks(std::slice::from_ref(&pass), false),
            Verdict::Accepted
        );
        assert_eq!(
            Verdict::from_checks(&[pass.clone(), fail], false),
            Verdict::Rejected
        );
        assert_eq!(
            Verdict::from_checks(&[pass.clone(), sig_skip.clone()], false),
            Verdict::Unknown
        );
        assert_eq!(
            Verdict::from_checks(&[pass, sig_skip], true),
            Verdict::Accepted
        );
    }

    #[test]
    fn service_error_only_on_fail() {
        let e = Some(ServiceError {
            status: 401,
            text: "x",
        });
        assert!(
            Check::new(CheckId::Aud, Status::Pass, "")
                .service_error(e)
                .service_error
                .is_none()
        );
        let c = Check::new(CheckId::Aud, Status::Fail, "").service_error(e);
        assert_eq!(serde_json::to_value(&c).unwrap()["service_error"], "x");
    }
}
