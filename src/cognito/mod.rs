//! Cognito user pools from the client side: signing in with `InitiateAuth` and its challenges
//! ([`auth`]), the OAuth 2.0 client-credentials grant ([`oauth`]), and the on-disk token cache of
//! `tokdiag login` that `decode`, `verify` and `explain` fall back to ([`cache`]).
//!
//! Only `tokdiag login` builds an async runtime and talks to Cognito; reading the cache is plain
//! file I/O, so the other commands stay offline and fast.

pub mod auth;
pub mod cache;
pub mod oauth;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A secret (password, client secret, new password) that must never be printed: its `Debug` is
/// redacted, and the only way to the text is [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The tokens of one sign-in, refresh or client-credentials grant.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub access_token: Option<String>,
    /// The ID token (not from client credentials).
    pub id_token: Option<String>,
    /// The refresh token (not from a refresh, nor from client credentials).
    pub refresh_token: Option<String>,
    /// `ExpiresIn` / `expires_in`, seconds.
    pub expires_in: i64,
    /// `TokenType` / `token_type` (`Bearer`).
    pub token_type: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let present = |t: &Option<String>| if t.is_some() { "<present>" } else { "-" };
        f.debug_struct("Tokens")
            .field("access_token", &present(&self.access_token))
            .field("id_token", &present(&self.id_token))
            .field("refresh_token", &present(&self.refresh_token))
            .field("expires_in", &self.expires_in)
            .field("token_type", &self.token_type)
            .finish()
    }
}

/// `SECRET_HASH` for an app client with a secret:
/// `Base64(HMAC_SHA256(key = client secret, message = username + client id))`.
pub fn secret_hash(secret: &Secret, username: &str, client_id: &str) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The public Cognito user-pool endpoint of a region.
pub fn default_endpoint(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com")
}

/// The discovery URL of a user pool on AWS.
pub fn discovery_url(region: &str, pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/openid-configuration")
}

/// The token endpoint of a Cognito domain prefix: `https://<prefix>.auth.<region>.amazoncognito.com/oauth2/token`.
/// A value that already looks like a host name or URL is used as the domain itself (custom domains).
pub fn domain_token_endpoint(domain: &str, region: &str) -> String {
    let d = domain.trim().trim_end_matches('/');
    if d.starts_with("https://") || d.starts_with("http://") {
        return format!("{d}/oauth2/token");
    }
    if d.contains('.') {
        return format!("https://{d}/oauth2/token");
    }
    format!("https://{d}.auth.{region}.amazoncognito.com/oauth2/token")
}

/// True when `--domain` is a bare Cognito domain prefix (which needs the region), not a host or URL.
pub fn domain_is_prefix(domain: &str) -> bool {
    let d = domain.trim();
    !d.contains('.') && !d.contains("://")
}

/// An endpoint given by `--endpoint-url` or the environment (an emulator such as moto or
/// cognito-local), when there is one: then any `<prefix>_<id>` pool id is accepted and the region
/// may be left out.
pub fn custom_endpoint(flag: Option<&str>) -> Option<String> {
    let e = effective_endpoint(flag, "");
    (e != default_endpoint("")).then_some(e)
}

/// The region used when only an endpoint is known (`InitiateAuth` is unsigned; the SDK still
/// wants one).
pub const DEFAULT_EMULATOR_REGION: &str = "us-east-1";

/// The Cognito endpoint the SDK will call, for messages: `--endpoint-url`, else the
/// `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` / `AWS_ENDPOINT_URL` environment (unless
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else the public endpoint of the region.
pub fn effective_endpoint(flag: Option<&str>, region: &str) -> String {
    if let Some(f) = flag {
        return f.to_string();
    }
    let ignore = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if !ignore {
        for var in [
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            "AWS_ENDPOINT_URL",
        ] {
            if let Ok(v) = std::env::var(var)
                && !v.trim().is_empty()
            {
                return v;
            }
        }
    }
    default_endpoint(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_the_documented_formula() {
        // Computed with Python: base64(hmac.new(b"secret", b"alice" + b"client1", sha256).digest())
        assert_eq!(
            secret_hash(&Secret::new("secret"), "alice", "client1"),
            "1f+jIZ5jrvd9T9LKNEBwDVXuGhIxTem62DTEPkKb29k="
        );
    }

    #[test]
    fn token_endpoints() {
        assert_eq!(
            domain_token_endpoint("my-app", "eu-west-1"),
            "https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/token"
        );
        assert_eq!(
            domain_token_endpoint("auth.example.com", "eu-west-1"),
            "https://auth.example.com/oauth2/token"
        );
        assert!(domain_is_prefix("my-app") && !domain_is_prefix("http://127.0.0.1:9"));
        assert_eq!(
            domain_token_endpoint("https://auth.example.com/", "eu-west-1"),
            "https://auth.example.com/oauth2/token"
        );
    }

    #[test]
    fn secrets_do_not_debug_print() {
        assert_eq!(
            format!("{:?}", Secret::new("hunter2")),
            "Secret(<redacted>)"
        );
        let t = Tokens {
            access_token: Some("eyJ".into()),
            ..Default::default()
        };
        assert!(!format!("{t:?}").contains("eyJ"));
    }
}
