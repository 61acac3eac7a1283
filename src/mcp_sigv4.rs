//! SigV4 for MCP calls to IAM resources (a runtime or gateway whose authorizer is `AWS_IAM`):
//! credentials from the standard AWS chain through `aws-config` (environment, `--profile`, SSO,
//! web identity, container, IMDS), signatures from the AWS SDK's own `aws-sigv4` crate — nothing
//! here computes a signature by hand. Service `bedrock-agentcore`, the resource's region.
//!
//! [`sign`] is pure (credentials, time and request in, headers out), so it is unit tested; only
//! [`load_credentials`] talks to the chain.

use std::time::SystemTime;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign as sigv4_sign};
use aws_sigv4::sign::v4;

use super::HttpRequest;
use crate::error::{Error, Result};

/// The signing name of AgentCore's data plane (runtimes and gateways).
pub const SERVICE: &str = "bedrock-agentcore";

/// How a signature value is shown in printed requests.
pub const REDACTED: &str = "<redacted>";

/// AWS credentials and where the chain found them.
#[derive(Clone)]
pub struct AwsCredentials {
    creds: Credentials,
    /// Where they came from, for people: "environment variables (AWS_ACCESS_KEY_ID)", "profile dev (SSO)", …
    pub source: String,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials' own Debug redacts the secret.
        f.debug_struct("AwsCredentials")
            .field("creds", &self.creds)
            .field("source", &self.source)
            .finish()
    }
}

impl AwsCredentials {
    /// Credentials given directly (tests, `--dry-run` without a chain).
    pub fn new(
        access_key_id: &str,
        secret: &str,
        session_token: Option<&str>,
        source: &str,
    ) -> Self {
        AwsCredentials {
            creds: Credentials::new(
                access_key_id,
                secret,
                session_token.map(str::to_string),
                None,
                "tokdiag",
            ),
            source: source.to_string(),
        }
    }

    /// The access key id (not secret: it names the key, and is shown in printed requests).
    pub fn access_key_id(&self) -> &str {
        self.creds.access_key_id()
    }

    /// Whether the credentials are temporary (carry a session token).
    pub fn has_session_token(&self) -> bool {
        self.creds.session_token().is_some()
    }
}

/// The chain's provider name (`EnvironmentVariable`, `ProfileFile`, `IMDSv2`, …). `Credentials`
/// has no getter for it; its `Debug` (which redacts the secret) is the only place it shows.
fn provider_name(c: &Credentials) -> String {
    let d = format!("{c:?}");
    d.split("provider_name: \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// Words for a chain provider name.
fn describe_source(provider: &str, profile: Option<&str>) -> String {
    let profile = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into());
    match provider {
        "EnvironmentVariable" | "Environment" => {
            "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".into()
        }
        "ProfileFile" => format!("profile {profile} (~/.aws/credentials or ~/.aws/config)"),
        "SSO" | "Sso" => format!("profile {profile} (IAM Identity Center / SSO)"),
        "AssumeRoleProvider" => format!("profile {profile} (assumed role)"),
        "WebIdentityToken" => "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".into(),
        "EcsContainer" => "container credentials (ECS/EKS endpoint)".into(),
        "IMDSv2" | "IMDS" => "EC2 instance metadata (IMDS)".into(),
        "CredentialProcess" => format!("profile {profile} (credential_process)"),
        "" => "the AWS default credential chain".into(),
        other => format!("the AWS credential chain ({other})"),
    }
}

/// Loads credentials from the standard chain (honouring `--profile`). No credentials is a usage
/// error (exit 2) carrying the chain's own explanation and the fix.
pub async fn load_credentials(profile: Option<&str>, region: &str) -> Result<AwsCredentials> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()));
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    let conf = loader.load().await;
    let Some(provider) = conf.credentials_provider() else {
        return Err(no_credentials(
            "no credentials provider is configured".into(),
            profile,
        ));
    };
    match provider.provide_credentials().await {
        Ok(c) => {
            let source = describe_source(&provider_name(&c), profile);
            Ok(AwsCredentials { creds: c, source })
        }
        Err(e) => Err(no_credentials(crate::net::error_chain(&e), profile)),
    }
}

fn no_credentials(why: String, profile: Option<&str>) -> Error {
    let fix = match profile {
        Some(p) => format!(
            "check profile {p} in ~/.aws/config (`aws sso login --profile {p}` for an SSO profile; \
             `aws sts get-caller-identity --profile {p}` shows whether it works)"
        ),
        None => "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or pass \
                 --profile NAME (`aws configure sso` / `aws sso login --profile NAME` for SSO); \
                 `aws sts get-caller-identity` shows whether your credentials work"
            .to_string(),
    };
    Error::usage(
        format!(
            "no AWS credentials for the SigV4 call: {}",
            why.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        Some(fix),
    )
}

/// Signs `req` in place with SigV4 (`service`, `region`, at `time`): adds `X-Amz-Date`,
/// `X-Amz-Security-Token` (temporary credentials) and `Authorization`. Every header already on
/// the request is signed (the ones aws-sigv4 leaves out by design aside: User-Agent, …), plus the
/// host of the URL.
pub fn sign(
    req: &mut HttpRequest,
    creds: &AwsCredentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<()> {
    let identity = creds.creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| Error::usage(format!("cannot sign the request: {e}"), None))?
        .into();
    let signable = SignableRequest::new(
        req.method,
        &req.url,
        req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(req.body.as_bytes()),
    )
    .map_err(|e| {
        Error::usage(
            format!("cannot sign the request for {}: {e}", req.url),
            None,
        )
    })?;
    let (instructions, _signature) = sigv4_sign(signable, &params)
        .map_err(|e| {
            Error::usage(
                format!("cannot sign the request for {}: {e}", req.url),
                None,
            )
        })?
        .into_parts();
    let (headers, _params) = instructions.into_parts();
    for h in headers {
        let name = match h.name() {
            "x-amz-date" => "X-Amz-Date".to_string(),
            "x-amz-security-token" => "X-Amz-Security-Token".to_string(),
            "authorization" => "Authorization".to_string(),
            other => other.to_string(),
        };
        req.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
        req.headers.push((name, h.value().to_string()));
    }
    Ok(())
}

/// A SigV4 Authorization value with its signature redacted (the credential scope and signed
/// headers stay: they say which key, date, region and service signed what).
pub fn redact_authorization(v: &str) -> String {
    match v.find("Signature=") {
        Some(i) => format!("{}Signature={REDACTED}", &v[..i]),
        None => v.to_string(),
    }
}

/// The region of a SigV4 Authorization value's credential scope, when it has one.
pub fn scope_region(v: &str) -> Option<&str> {
    v.split("Credential=")
        .nth(1)?
        .split([',', ' '])
        .next()?
        .split('/')
        .nth(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> HttpRequest {
        HttpRequest {
            method: "POST",
            url: "https://bedrock-agentcore.us-west-2.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-west-2%3A123456789012%3Aruntime%2Fx/invocations?qualifier=DEFAULT".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json, text/event-stream".into()),
            ],
            body: "{}".into(),
        }
    }

    #[test]
    fn signs_with_the_sdk_signer_and_redacts() {
        let mut r = req();
        let c = AwsCredentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            Some("tok"),
            "test",
        );
        // 2026-12-02T15:00:00Z
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_796_223_600);
        sign(&mut r, &c, "us-west-2", SERVICE, t).unwrap();
        let h = |n: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(h("X-Amz-Date"), "20261202T150000Z");
        assert_eq!(h("X-Amz-Security-Token"), "tok");
        let a = h("Authorization");
        assert!(
            a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-west-2/bedrock-agentcore/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature="),
            "{a}"
        );
        assert_eq!(scope_region(&a), Some("us-west-2"));
        let red = redact_authorization(&a);
        assert!(red.ends_with("Signature=<redacted>"), "{red}");
        // Same inputs, same signature (deterministic: the SDK signer, not a random nonce).
        let mut r2 = req();
        sign(&mut r2, &c, "us-west-2", SERVICE, t).unwrap();
        assert_eq!(r.headers, r2.headers);
    }

    #[test]
    fn provider_names_read_from_debug() {
        let c = Credentials::new("A", "B", None, None, "EnvironmentVariable");
        assert_eq!(provider_name(&c), "EnvironmentVariable");
        assert!(!format!("{c:?}").contains("\"B\""));
        assert_eq!(
            describe_source("IMDSv2", None),
            "EC2 instance metadata (IMDS)"
        );
        assert_eq!(
            describe_source("ProfileFile", Some("dev")),
            "profile dev (~/.aws/credentials or ~/.aws/config)"
        );
    }
}
