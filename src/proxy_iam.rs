//! IAM mode of the proxy: the front door of a resource whose authorizer is IAM (`AWS_IAM`,
//! `authorizer_configuration: null`, no authorizer in the template), or of any resource with
//! `proxy --sigv4`. Each request must carry a SigV4 signature (`AWS4-HMAC-SHA256`, service
//! `bedrock-agentcore`) made with the credentials the proxy was given; the signature is
//! recomputed by the AWS SDK's own signer (`aws-sigv4`) over exactly the headers the client
//! signed, the request's `X-Amz-Date`, region and service, and compared in constant time.
//!
//! What is checked, in order, and the answer (every one 403, with `x-amzn-errortype`):
//! no `Authorization` → `Missing Authentication Token`; a bearer token (or any non-SigV4 scheme)
//! → AgentCore's `Authorization method mismatch…`; missing `Credential`/`SignedHeaders`/`Signature`
//! or `X-Amz-Date` → `IncompleteSignatureException`; another access key id or session token →
//! `UnrecognizedClientException`; another service or region, a credential date that is not the
//! `X-Amz-Date`'s, an `X-Amz-Date` more than 5 minutes from the proxy's clock, a wrong signature →
//! `InvalidSignatureException`. Only the method-mismatch text is known from AgentCore; the
//! others are the wording AWS's SigV4 front ends use, and the log line says so.
//!
//! [`load`] reads the credentials: `--sigv4-credentials FILE` (JSON, see [`parse_credentials`];
//! the file must be the user's own and not readable by group or others) or
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` in the proxy's environment.
//! The secret never appears in a message or a log line.

use std::path::Path;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SessionTokenMode, SignableBody, SignableRequest, SigningSettings, sign as sigv4_sign,
};
use aws_sigv4::sign::v4;
use hyper::header::HeaderMap;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::escape::esc;
use crate::mcp::sigv4::SERVICE;

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// How far `X-Amz-Date` may be from the proxy's clock, either way.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// AgentCore's 403 for a request whose authorization method is not the resource's (observed for
/// SigV4 at a JWT runtime; the IAM runtime's answer to a bearer token is documented as a 403
/// `ACCESS_DENIED` without `WWW-Authenticate`, this text inferred for it).
pub const METHOD_MISMATCH: &str = "Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. Check the agent's authorization configuration and ensure your request uses the matching method (OAuth or SigV4)";
/// AWS's answer to a signature that does not verify.
pub const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
/// AWS's answer to an unknown access key id or session token.
pub const UNRECOGNIZED_CLIENT: &str = "The security token included in the request is invalid.";
/// AWS's answer to a request without any Authorization.
pub const MISSING_TOKEN: &str = "Missing Authentication Token";
/// Largest credentials file read.
const MAX_CREDENTIALS_FILE: u64 = 64 * 1024;
/// Largest Authorization value parsed.
const MAX_AUTHORIZATION: usize = 8 * 1024;
/// Most names in `SignedHeaders`.
const MAX_SIGNED_HEADERS: usize = 64;

/// The credentials requests must be signed with, and where they came from.
#[derive(Clone)]
pub struct Verifier {
    key_id: String,
    secret: String,
    session_token: Option<String>,
    /// Where the credentials came from, for the start line ("environment (AWS_ACCESS_KEY_ID)", a path).
    pub source: String,
    /// The region signatures must be scoped to; `None`: any (the config names none).
    pub region: Option<String>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("source", &self.source)
            .field("region", &self.region)
            .finish()
    }
}

/// Why a request was refused: the answer and the log's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status (403).
    pub status: u16,
    /// `x-amzn-errortype`.
    pub error_type: &'static str,
    /// The body's `message`.
    pub message: String,
    /// One line for the log: why, with the data escaped.
    pub reason: String,
    /// Whether the wording is known from AgentCore (only the method mismatch is).
    pub service_wording: bool,
}

impl Refusal {
    fn new(
        error_type: &'static str,
        message: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Refusal {
            status: 403,
            error_type,
            message: message.into(),
            reason: reason.into(),
            service_wording: false,
        }
    }

    /// The JSON body: `{"message": …}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "message": self.message }).to_string()
    }

    /// The log text: the reason, and whose wording the body is.
    pub fn log_text(&self) -> String {
        format!(
            "{}{}",
            self.reason,
            if self.service_wording {
                ""
            } else {
                " (answered with AWS's generic SigV4 wording: AgentCore's for this case is not known)"
            }
        )
    }
}

/// The parts of a SigV4 Authorization header and `X-Amz-Date` that passed the head checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Access key id of the credential scope.
    pub key_id: String,
    /// Region of the credential scope.
    pub region: String,
    /// `SignedHeaders`, as sent (lowercase names joined by `;`).
    pub signed_headers: String,
    /// `Signature` (hex).
    pub signature: String,
    /// `X-Amz-Date` as sent (`20261202T150000Z`).
    pub amz_date: String,
    /// `X-Amz-Date` in Unix seconds.
    pub time: i64,
}

/// `20261202T150000Z` → Unix seconds.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16
        || b[8] != b'T'
        || b[15] != b'Z'
        || !b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
    {
        return None;
    }
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    humantime::parse_rfc3339(&rfc)
        .ok()?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// Unix seconds → `20261202T150000Z`.
pub fn format_amz_date(secs: i64) -> String {
    crate::timefmt::rfc3339(secs).replace(['-', ':'], "")
}

/// The `Key=Value` parameters of a SigV4 Authorization value after the algorithm; `None` for a
/// value of another scheme.
fn sigv4_params(v: &str) -> Option<Vec<(&str, &str)>> {
    let rest = v.strip_prefix(ALGORITHM)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some(
        rest.split(',')
            .filter_map(|p| p.trim().split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .take(16)
            .collect(),
    )
}

impl Verifier {
    /// A verifier for these credentials (tests; [`load`] for the command).
    pub fn new(
        key_id: &str,
        secret: &str,
        session_token: Option<&str>,
        source: &str,
        region: Option<&str>,
    ) -> Self {
        Verifier {
            key_id: key_id.to_string(),
            secret: secret.to_string(),
            session_token: session_token.map(str::to_string),
            source: source.to_string(),
            region: region.map(str::to_string),
        }
    }

    /// The access key id requests must be signed with (not secret: it names the key).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Whether the credentials carry a session token.
    pub fn has_session_token(&self) -> bool {
        self.session_token.is_some()
    }

    /// The checks that need no body: Authorization present and SigV4, its parts, the access key,
    /// service, region, dates (5 minutes either way of `now`) and session token.
    pub fn check_head(&self, headers: &HeaderMap, now: i64) -> std::result::Result<Head, Refusal> {
        let auth = headers
            .get(hyper::header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("\u{fffd}").trim())
            .filter(|v| !v.is_empty());
        let Some(auth) = auth else {
            return Err(Refusal::new(
                "MissingAuthenticationTokenException",
                MISSING_TOKEN,
                "no Authorization header (IAM mode: requests must be signed with SigV4)",
            ));
        };
        if auth.len() > MAX_AUTHORIZATION {
            return Err(Refusal::new(
                "IncompleteSignatureException",
                "Authorization header is too long.",
                format!("an Authorization header of {} bytes", auth.len()),
            ));
        }
        let Some(params) = sigv4_params(auth) else {
            let scheme = auth.split_whitespace().next().unwrap_or("");
            let what = if scheme.eq_ignore_ascii_case("bearer") || auth.matches('.').count() == 2 {
                "a bearer token".to_string()
            } else if scheme.starts_with("AWS4-") {
                format!(
                    "SigV4 with algorithm {} (only {ALGORITHM} is accepted)",
                    esc(&crate::escape::short(scheme, 40))
                )
            } else {
                format!(
                    "an Authorization header of scheme {}",
                    esc(&crate::escape::short(scheme, 40))
                )
            };
            return Err(Refusal {
                service_wording: true,
                ..Refusal::new(
                    "AccessDeniedException",
                    METHOD_MISMATCH,
                    format!(
                        "{what} at an IAM resource: it accepts only SigV4 ({ALGORITHM}) (the \
                         service's text for the reverse case, SigV4 at a JWT resource)"
                    ),
                )
            });
        };
        let get = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let missing: Vec<&str> = ["Credential", "Signature", "SignedHeaders"]
            .into_iter()
            .filter(|k| get(k).is_none_or(str::is_empty))
            .collect();
        if !missing.is_empty() {
            let message = missing
                .iter()
                .map(|k| format!("Authorization header requires '{k}' parameter."))
                .collect::<Vec<_>>()
                .join(" ");
            return Err(Refusal::new(
                "IncompleteSignatureException",
                message,
                format!(
                    "the SigV4 Authorization header lacks {}",
                    missing.join(", ")
                ),
            ));
        }
        let (credential, signature, signed_headers) = (
            get("Credential").unwrap_or(""),
            get("Signature").unwrap_or(""),
            get("SignedHeaders").unwrap_or(""),
        );
        let scope: Vec<&str> = credential.split('/').collect();
        let [key_id, date, region, service, terminator] = scope[..] else {
            return Err(Refusal::new(
                "IncompleteSignatureException",
                "Credential should have the form <access key id>/<date>/<region>/<service>/aws4_request.",
                format!(
                    "malformed credential scope {}",
                    esc(&crate::escape::short(credential, 200))
                ),
            ));
        };
        let Some(amz_date) = headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
        else {
            return Err(Refusal::new(
                "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                "no X-Amz-Date header (the proxy reads only X-Amz-Date, as SigV4 signers send it)",
            ));
        };
        let Some(time) = parse_amz_date(amz_date) else {
            return Err(Refusal::new(
                "IncompleteSignatureException",
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
                format!(
                    "X-Amz-Date {} is not of the form 20261202T150000Z",
                    esc(&crate::escape::short(amz_date, 60))
                ),
            ));
        };
        if key_id != self.key_id {
            return Err(Refusal::new(
                "UnrecognizedClientException",
                UNRECOGNIZED_CLIENT,
                format!(
                    "signed with access key {}, not the proxy's {}",
                    esc(&crate::escape::short(key_id, 40)),
                    esc(&self.key_id)
                ),
            ));
        }
        if terminator != "aws4_request" {
            return Err(Refusal::new(
                "InvalidSignatureException",
                format!(
                    "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                    crate::escape::short(terminator, 40)
                ),
                format!(
                    "credential scope ends in {}, not aws4_request",
                    esc(&crate::escape::short(terminator, 40))
                ),
            ));
        }
        if service != SERVICE {
            return Err(Refusal::new(
                "InvalidSignatureException",
                format!("Credential should be scoped to correct service: '{SERVICE}'. "),
                format!(
                    "signed for service {}, not {SERVICE}",
                    esc(&crate::escape::short(service, 60))
                ),
            ));
        }
        if let Some(want) = &self.region
            && region != want
        {
            return Err(Refusal::new(
                "InvalidSignatureException",
                format!(
                    "Credential should be scoped to a valid region, not '{}'. ",
                    crate::escape::short(region, 40)
                ),
                format!(
                    "signed for region {}, not the resource's {}",
                    esc(&crate::escape::short(region, 40)),
                    esc(want)
                ),
            ));
        }
        if date != &amz_date[..8] {
            return Err(Refusal::new(
                "InvalidSignatureException",
                format!(
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                     from HTTP: '{}' != '{}', from '{amz_date}'.",
                    crate::escape::short(date, 20),
                    &amz_date[..8]
                ),
                format!(
                    "credential date {} is not the X-Amz-Date's day {}",
                    esc(&crate::escape::short(date, 20)),
                    &amz_date[..8]
                ),
            ));
        }
        let skew = MAX_SKEW.as_secs() as i64;
        if time < now - skew {
            return Err(Refusal::new(
                "InvalidSignatureException",
                format!(
                    "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                    format_amz_date(now - skew),
                    format_amz_date(now)
                ),
                format!(
                    "X-Amz-Date {amz_date} is {} s before the proxy's clock ({}): SigV4 allows 5 minutes",
                    now - time,
                    format_amz_date(now)
                ),
            ));
        }
        if time > now + skew {
            return Err(Refusal::new(
                "InvalidSignatureException",
                format!(
                    "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                    format_amz_date(now + skew),
                    format_amz_date(now)
                ),
                format!(
                    "X-Amz-Date {amz_date} is {} s after the proxy's clock ({}): SigV4 allows 5 minutes",
                    time - now,
                    format_amz_date(now)
                ),
            ));
        }
        let sent_token = headers.get("x-amz-security-token").map(|v| v.as_bytes());
        let token_ok = match (&self.session_token, sent_token) {
            (None, None) => true,
            (Some(want), Some(got)) => ct_eq(want.as_bytes(), got),
            _ => false,
        };
        if !token_ok {
            let why = match (&self.session_token, sent_token) {
                (Some(_), None) => {
                    "no X-Amz-Security-Token, and the proxy's credentials are temporary (AWS_SESSION_TOKEN)"
                }
                (None, Some(_)) => "an X-Amz-Security-Token, and the proxy's credentials have none",
                _ => "an X-Amz-Security-Token that is not the proxy's",
            };
            return Err(Refusal::new(
                "UnrecognizedClientException",
                UNRECOGNIZED_CLIENT,
                format!("the request carries {why}"),
            ));
        }
        Ok(Head {
            key_id: key_id.to_string(),
            region: region.to_string(),
            signed_headers: signed_headers.to_string(),
            signature: signature.to_string(),
            amz_date: amz_date.to_string(),
            time,
        })
    }

    /// Recomputes the signature with `aws-sigv4` over the request as received — method, path and
    /// query, exactly the headers listed in `SignedHeaders`, the body — at `X-Amz-Date`, for the
    /// region and service of the credential scope, and compares it in constant time.
    pub fn check_signature(
        &self,
        head: &Head,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> std::result::Result<(), Refusal> {
        let mismatch = |why: String| {
            Refusal::new(
                "InvalidSignatureException",
                SIGNATURE_MISMATCH,
                format!("SigV4 signature mismatch: {why}"),
            )
        };
        let names: Vec<&str> = head.signed_headers.split(';').collect();
        if names.len() > MAX_SIGNED_HEADERS {
            return Err(mismatch(format!(
                "{} signed headers (at most {MAX_SIGNED_HEADERS} are read)",
                names.len()
            )));
        }
        let mut signed: Vec<(&str, &str)> = Vec::with_capacity(names.len() + 1);
        for name in &names {
            // The signer adds these itself, from the time and the credentials.
            if matches!(*name, "x-amz-date" | "x-amz-security-token") {
                continue;
            }
            for v in headers.get_all(*name) {
                let Ok(v) = v.to_str() else {
                    return Err(mismatch(format!(
                        "signed header {} is not visible ASCII",
                        esc(&crate::escape::short(name, 60))
                    )));
                };
                signed.push((name, v));
            }
        }
        let identity = Credentials::new(
            &self.key_id,
            &self.secret,
            self.session_token.clone(),
            None,
            "tokdiag-proxy",
        )
        .into();
        let mut settings = SigningSettings::default();
        // Sign exactly what the client listed: nothing is left out by default here.
        settings.excluded_headers = Some(Vec::new());
        if !names.contains(&"x-amz-security-token") {
            settings.session_token_mode = SessionTokenMode::Exclude;
        }
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(head.time.max(0) as u64);
        let params = match v4::SigningParams::builder()
            .identity(&identity)
            .region(&head.region)
            .name(SERVICE)
            .time(time)
            .settings(settings)
            .build()
        {
            Ok(p) => p.into(),
            Err(e) => return Err(mismatch(format!("cannot sign: {}", esc(&e.to_string())))),
        };
        // The host comes from the Host header (signed like any other); the URL's authority only
        // has to parse.
        let url = format!("http://proxy.invalid{path_and_query}");
        let signable =
            match SignableRequest::new(method, &url, signed.into_iter(), SignableBody::Bytes(body))
            {
                Ok(s) => s,
                Err(e) => {
                    return Err(mismatch(format!(
                        "the request cannot be canonicalized: {}",
                        esc(&e.to_string())
                    )));
                }
            };
        let signature = match sigv4_sign(signable, &params) {
            Ok(out) => out.into_parts().1,
            Err(e) => {
                return Err(mismatch(format!(
                    "the request cannot be canonicalized: {}",
                    esc(&e.to_string())
                )));
            }
        };
        if ct_eq(signature.as_bytes(), head.signature.as_bytes()) {
            Ok(())
        } else {
            Err(mismatch(format!(
                "recomputed over {} {} with signed headers {} at {} — a wrong secret key, or the \
                 body, path, query or a signed header changed after signing",
                esc(method),
                esc(&crate::escape::short(path_and_query, 200)),
                esc(&crate::escape::short(&head.signed_headers, 200)),
                head.amz_date
            )))
        }
    }
}

/// Constant-time equality (in the contents; lengths are not secret).
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// Reads credentials from a JSON document: `{"AccessKeyId", "SecretAccessKey", "SessionToken"?}`
/// — what `aws configure export-credentials --format process` prints (a `credential_process`
/// answer) — or the same under `"Credentials"` (`aws sts get-session-token`/`assume-role`).
/// Errors name the member, never a value.
pub fn parse_credentials(
    text: &str,
) -> std::result::Result<(String, String, Option<String>), String> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON (line {}, column {})", e.line(), e.column()))?;
    let c = match v.get("Credentials") {
        Some(c) if c.is_object() => c,
        _ => &v,
    };
    if !c.is_object() {
        return Err("not a JSON object".into());
    }
    let field = |k: &str, required: bool| -> std::result::Result<Option<String>, String> {
        match c.get(k) {
            None | Some(Value::Null) if !required => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            None | Some(Value::Null) => Err(format!("no \"{k}\" member")),
            Some(_) => Err(format!("\"{k}\" is not a non-empty string")),
        }
    };
    let key = field("AccessKeyId", true)?.unwrap_or_default();
    let secret = field("SecretAccessKey", true)?.unwrap_or_default();
    let token = field("SessionToken", false)?;
    Ok((key, secret, token))
}

/// The help's description of the credentials file.
pub const FILE_FORMAT: &str = "JSON {\"AccessKeyId\": …, \"SecretAccessKey\": …, \"SessionToken\": … (optional)}, as `aws configure export-credentials --format process` prints it (or `aws sts get-session-token` output)";

/// Reads the credentials file: it must be a regular file of the current user, not readable or
/// writable by group or others, at most 64 KiB.
pub fn read_credentials_file(path: &Path) -> Result<(String, String, Option<String>)> {
    use std::io::Read;
    let shown = path.display().to_string();
    let bad = |why: String, fix: &str| {
        Error::usage(
            format!("--sigv4-credentials {shown}: {why}"),
            Some(fix.to_string()),
        )
    };
    let f = std::fs::File::open(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let meta = f.metadata().map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    if !meta.is_file() {
        return Err(bad(
            "not a regular file".into(),
            "give a file holding the credentials as JSON",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(bad(
                format!("owned by uid {}, not by you (uid {me})", meta.uid()),
                "keep the credentials in a file of your own: another user could have written them",
            ));
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(bad(
                format!("mode {mode:03o}: group or others may read it"),
                &format!("chmod 600 {}", crate::fsx::sh_word(&shown)),
            ));
        }
    }
    if meta.len() > MAX_CREDENTIALS_FILE {
        return Err(bad(
            format!(
                "{} bytes, over the 64 KiB a credentials file needs",
                meta.len()
            ),
            "give the JSON credentials file itself",
        ));
    }
    let mut text = String::new();
    f.take(MAX_CREDENTIALS_FILE)
        .read_to_string(&mut text)
        .map_err(|e| {
            bad(
                format!("cannot read it as text ({})", e.kind()),
                "give a UTF-8 JSON file",
            )
        })?;
    parse_credentials(&text).map_err(|why| bad(why, FILE_FORMAT_FIX))
}

const FILE_FORMAT_FIX: &str = "write {\"AccessKeyId\": \"AKIA…\", \"SecretAccessKey\": \"…\"} (and \"SessionToken\" for temporary credentials), e.g. `aws configure export-credentials --format process > creds.json && chmod 600 creds.json`";

/// The credentials the proxy verifies against: `file` when given, else the environment's
/// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`. None at all is exit 2 with
/// the fix.
pub fn load(file: Option<&Path>, region: Option<&str>) -> Result<Verifier> {
    if let Some(p) = file {
        let (k, s, t) = read_credentials_file(p)?;
        return Ok(Verifier::new(
            &k,
            &s,
            t.as_deref(),
            &p.display().to_string(),
            region,
        ));
    }
    let var = |k: &str| {
        std::env::var(k)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(k), Some(s)) => {
            let t = var("AWS_SESSION_TOKEN");
            Ok(Verifier::new(
                &k,
                &s,
                t.as_deref(),
                if t.is_some() {
                    "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
                } else {
                    "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
                },
                region,
            ))
        }
        (k, s) => {
            let why = match (k, s) {
                (Some(_), None) => "AWS_SECRET_ACCESS_KEY is not set (AWS_ACCESS_KEY_ID is)",
                (None, Some(_)) => "AWS_ACCESS_KEY_ID is not set (AWS_SECRET_ACCESS_KEY is)",
                _ => {
                    "neither --sigv4-credentials FILE nor AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY is given"
                }
            };
            Err(Error::usage(
                format!(
                    "IAM mode needs the credentials requests are signed with, to verify their SigV4 signatures: {why}"
                ),
                Some(
                    "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the proxy's \
                     environment — the same ones `tokdiag invoke --sigv4` signs with — or pass \
                     --sigv4-credentials FILE (JSON, as `aws configure export-credentials --format process` prints it; chmod 600)"
                        .to_string(),
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::HttpRequest;
    use crate::mcp::sigv4::{AwsCredentials, sign};
    use hyper::header::{HeaderName, HeaderValue};

    const KEY: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    // 2026-12-02T15:00:00Z
    const T: i64 = 1_796_223_600;
    const PQ: &str = "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fx/invocations?qualifier=DEFAULT";

    /// A request signed by the SDK signer (as `invoke --sigv4` signs it), as the proxy receives it.
    fn signed(token: Option<&str>, body: &str) -> (HeaderMap, String) {
        let mut r = HttpRequest {
            method: "POST",
            url: format!("http://127.0.0.1:8080{PQ}"),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                (
                    "Accept".into(),
                    "application/json, text/event-stream".into(),
                ),
            ],
            body: body.into(),
        };
        let c = AwsCredentials::new(KEY, SECRET, token, "test");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(T as u64);
        sign(&mut r, &c, "us-east-1", SERVICE, t).unwrap();
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        for (k, v) in &r.headers {
            h.append(
                HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        (h, r.body)
    }

    fn verifier(token: Option<&str>) -> Verifier {
        Verifier::new(KEY, SECRET, token, "test", Some("us-east-1"))
    }

    fn check(
        v: &Verifier,
        h: &HeaderMap,
        body: &str,
        now: i64,
    ) -> std::result::Result<(), Refusal> {
        let head = v.check_head(h, now)?;
        v.check_signature(&head, "POST", PQ, h, body.as_bytes())
    }

    #[test]
    fn the_sdk_signers_requests_verify_and_tampering_does_not() {
        for token in [None, Some("sessiontok")] {
            let (h, body) = signed(token, r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
            let v = verifier(token);
            assert_eq!(check(&v, &h, &body, T), Ok(()));
            assert_eq!(check(&v, &h, &body, T + 300), Ok(()));
            assert_eq!(check(&v, &h, &body, T - 300), Ok(()));
            let e = check(&v, &h, r#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#, T).unwrap_err();
            assert_eq!(e.message, SIGNATURE_MISMATCH);
            assert_eq!(e.error_type, "InvalidSignatureException");
            let mut h2 = h.clone();
            h2.insert("accept", HeaderValue::from_static("*/*"));
            assert_eq!(
                check(&v, &h2, &body, T).unwrap_err().message,
                SIGNATURE_MISMATCH
            );
            // An unsigned header may change.
            let mut h3 = h.clone();
            h3.insert("user-agent", HeaderValue::from_static("other"));
            assert_eq!(check(&v, &h3, &body, T), Ok(()));
            let wrong = Verifier::new(KEY, "another-secret", token, "t", None);
            assert_eq!(
                check(&wrong, &h, &body, T).unwrap_err().message,
                SIGNATURE_MISMATCH
            );
            let head = v.check_head(&h, T).unwrap();
            let e = v
                .check_signature(&head, "POST", "/mcp", &h, body.as_bytes())
                .unwrap_err();
            assert_eq!(e.message, SIGNATURE_MISMATCH);
        }
    }

    #[test]
    fn head_checks_answer_with_awss_texts() {
        let (h, body) = signed(Some("sessiontok"), "{}");
        let v = verifier(Some("sessiontok"));
        let e = check(&v, &h, &body, T + 301).unwrap_err();
        assert_eq!(
            e.message,
            "Signature expired: 20261202T150000Z is now earlier than 20261202T150001Z (20261202T150501Z - 5 min.)"
        );
        let e = check(&v, &h, &body, T - 301).unwrap_err();
        assert_eq!(
            e.message,
            "Signature not yet current: 20261202T150000Z is still later than 20261202T145959Z (20261202T145459Z + 5 min.)"
        );
        assert!(!e.service_wording);
        assert!(e.log_text().ends_with("(answered with AWS's generic SigV4 wording: AgentCore's for this case is not known)"), "{}", e.log_text());
        let e = check(&verifier(None), &h, &body, T).unwrap_err();
        assert_eq!(
            (e.error_type, e.message.as_str()),
            ("UnrecognizedClientException", UNRECOGNIZED_CLIENT)
        );
        let e = check(&verifier(Some("other")), &h, &body, T).unwrap_err();
        assert_eq!(e.message, UNRECOGNIZED_CLIENT);
        let other_key = Verifier::new("AKIDOTHER", SECRET, Some("sessiontok"), "t", None);
        let e = check(&other_key, &h, &body, T).unwrap_err();
        assert_eq!(
            e.reason,
            "signed with access key AKIDEXAMPLE, not the proxy's AKIDOTHER"
        );
        let west = Verifier::new(KEY, SECRET, Some("sessiontok"), "t", Some("us-west-2"));
        assert_eq!(
            check(&west, &h, &body, T).unwrap_err().message,
            "Credential should be scoped to a valid region, not 'us-east-1'. "
        );
        // No region configured: any region.
        let any = Verifier::new(KEY, SECRET, Some("sessiontok"), "t", None);
        assert_eq!(check(&any, &h, &body, T), Ok(()));

        let with_auth = |a: &str| {
            let mut h2 = h.clone();
            h2.insert("authorization", HeaderValue::from_str(a).unwrap());
            v.check_head(&h2, T).unwrap_err()
        };
        let e = with_auth("Bearer eyJ.eyJ.sig");
        assert_eq!(
            (e.error_type, e.message.as_str(), e.service_wording),
            ("AccessDeniedException", METHOD_MISMATCH, true)
        );
        assert_eq!(
            e.reason,
            "a bearer token at an IAM resource: it accepts only SigV4 (AWS4-HMAC-SHA256) (the service's text for the reverse case, SigV4 at a JWT resource)"
        );
        assert_eq!(with_auth("eyJ.eyJ.sig").message, METHOD_MISMATCH);
        assert_eq!(
            with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/bedrock-agentcore/aws4_request").message,
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
        );
        assert_eq!(
            with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00").message,
            "Credential should be scoped to correct service: 'bedrock-agentcore'. "
        );
        assert_eq!(
            with_auth("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=host, Signature=00").message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261201' != '20261202', from '20261202T150000Z'."
        );
        let mut h2 = h.clone();
        h2.remove("authorization");
        assert_eq!(v.check_head(&h2, T).unwrap_err().message, MISSING_TOKEN);
        let mut h2 = h.clone();
        h2.remove("x-amz-date");
        assert_eq!(
            v.check_head(&h2, T).unwrap_err().message,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        );
        h2.insert(
            "x-amz-date",
            HeaderValue::from_static("2026-12-02T15:00:00Z"),
        );
        assert_eq!(
            v.check_head(&h2, T).unwrap_err().message,
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""
        );
    }

    #[test]
    fn amz_dates() {
        assert_eq!(parse_amz_date("20261202T150000Z"), Some(T));
        assert_eq!(format_amz_date(T), "20261202T150000Z");
        for bad in [
            "20261302T150000Z",
            "2026120T2150000Z",
            "20261202T150000",
            "２0261202T150000Z",
            "",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn credentials_json_shapes_and_errors_never_show_values() {
        assert_eq!(
            parse_credentials(
                r#"{"Version":1,"AccessKeyId":"AK","SecretAccessKey":"S","SessionToken":"T","Expiration":"2026-12-02T16:00:00Z"}"#
            ),
            Ok(("AK".into(), "S".into(), Some("T".into())))
        );
        assert_eq!(
            parse_credentials(r#"{"Credentials":{"AccessKeyId":"AK","SecretAccessKey":"S"}}"#),
            Ok(("AK".into(), "S".into(), None))
        );
        assert_eq!(
            parse_credentials(r#"{"AccessKeyId":"AK"}"#),
            Err("no \"SecretAccessKey\" member".into())
        );
        assert_eq!(
            parse_credentials(r#"{"AccessKeyId":"AK","SecretAccessKey":12345}"#),
            Err("\"SecretAccessKey\" is not a non-empty string".into())
        );
        assert_eq!(
            parse_credentials("[secret]"),
            Err("not JSON (line 1, column 2)".into())
        );
        assert_eq!(parse_credentials("[1]"), Err("not a JSON object".into()));
        let dbg = format!("{:?}", verifier(Some("tok")));
        assert!(!dbg.contains(SECRET) && !dbg.contains("tok\""), "{dbg}");
    }
}
