//! The OAuth 2.0 client-credentials grant against a Cognito token endpoint (`/oauth2/token`):
//! `POST grant_type=client_credentials&scope=…` with HTTP Basic client authentication, and the
//! mapping of OAuth errors (`invalid_client`, `invalid_scope`, `unauthorized_client`) to a cause
//! and a fix. The token endpoint named by a discovery document comes through `oidc` (its cache,
//! caps and URL policy).

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use crate::cognito::{Secret, Tokens};
use crate::error::{Error, Result};
use crate::escape;

/// Largest response body read from a token endpoint: 1 MiB.
const MAX_BODY: usize = 1024 * 1024;

/// One client-credentials request.
#[derive(Debug, Clone)]
pub struct Grant<'a> {
    /// App client id.
    pub client_id: &'a str,
    /// App client secret.
    pub secret: &'a Secret,
    /// Scopes (empty: Cognito grants all the client's allowed scopes).
    pub scopes: &'a [String],
    /// The token endpoint URL.
    pub token_endpoint: &'a str,
    /// User pool id, for the commands in hints.
    pub pool_id: Option<&'a str>,
    /// Where the `--verbose` trace of the request and answer goes.
    pub notes: &'a crate::notes::Notes,
    /// `--allow-http`.
    pub allow_http: bool,
}

fn check_url(raw: &str, what: &str, allow_http: bool) -> Result<url::Url> {
    crate::net::check_url(raw, crate::net::UrlUse::Secrets(what), allow_http)
}

/// How long a token request may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The client for token endpoints: no redirects (a redirect would
/// move the client secret somewhere the user did not name; a 3xx is reported as the answer).
fn http_client(url: &url::Url) -> Result<reqwest::Client> {
    crate::net::client(crate::net::ClientSpec {
        timeout: Some(TIMEOUT),
        connect_timeout: Duration::from_secs(5),
        redirects: crate::net::Redirects::None,
        no_proxy: crate::net::is_loopback(url),
    })
}

/// Reads at most [`MAX_BODY`] bytes of `resp`: a declared length over the cap is refused before
/// reading, an undeclared one is cut off while streaming (an endless body ends here, at 1 MiB,
/// not when memory runs out), as [`crate::oidc`] reads discovery documents and JWKS.
async fn read_body(resp: reqwest::Response, url: &str) -> Result<Vec<u8>> {
    crate::net::read_capped(resp, MAX_BODY)
        .await
        .map_err(|e| match e {
            crate::net::ReadError::TooLarge => Error::network(
                format!("{url} answered with more than 1 MiB"),
                Some(
                    "check the URL: a token endpoint or discovery document answers a few KiB"
                        .to_string(),
                ),
            ),
            crate::net::ReadError::Http(e) => {
                Error::network(format!("reading the answer of {url} failed: {e}"), None)
            }
        })
}

/// The form body `grant_type=client_credentials[&scope=a b]`.
pub fn form_body(scopes: &[String]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("grant_type", "client_credentials");
    if !scopes.is_empty() {
        s.append_pair("scope", &scopes.join(" "));
    }
    s.finish()
}

/// `Basic base64(client_id:secret)`.
pub fn basic_auth(client_id: &str, secret: &Secret) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", secret.expose()))
    )
}

/// Runs the client-credentials grant.
pub async fn client_credentials(g: &Grant<'_>) -> Result<Tokens> {
    let url = g.token_endpoint;
    let parsed = check_url(url, "the token endpoint", g.allow_http)?;
    let body = form_body(g.scopes);
    g.notes.trace(|| {
        format!(
            "→ POST {url} (Authorization: Basic <redacted>; Content-Type: application/x-www-form-urlencoded; {body})"
        )
    });
    let _spin = g
        .notes
        .busy(format!("requesting a client-credentials token from {url}"));
    let resp = http_client(&parsed)?
        .post(url)
        .header("Authorization", basic_auth(g.client_id, g.secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| crate::net::request_error(&e, &parsed, TIMEOUT, crate::net::Purpose::TOKEN))?;
    let status = resp.status().as_u16();
    if resp.status().is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| format!(" to {}", escape::esc_short(l, 200)))
            .unwrap_or_default();
        return Err(Error::refused(
            format!(
                "the token endpoint {url} answered HTTP {status}, a redirect{to}: tokdiag does not follow a redirect with the client secret"
            ),
            Some("give the final token endpoint URL with --token-endpoint (Cognito's is https://<domain>.auth.<region>.amazoncognito.com/oauth2/token)".to_string()),
        ));
    }
    let bytes = read_body(resp, url).await?;
    g.notes
        .trace(|| format!("← HTTP {status} ({} bytes)", bytes.len()));
    parse_response(status, &bytes, g)
}

/// Interprets a token endpoint's answer.
pub fn parse_response(status: u16, body: &[u8], g: &Grant<'_>) -> Result<Tokens> {
    let url = g.token_endpoint;
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if status >= 500 {
        return Err(Error::network(
            format!("the token endpoint {url} failed on its side (HTTP {status})"),
            Some("retry in a moment; check the URL".to_string()),
        ));
    }
    if status == 200 {
        let access = json
            .as_ref()
            .and_then(|j| j.get("access_token"))
            .and_then(Value::as_str);
        let Some(access) = access else {
            return Err(Error::network(
                format!("the token endpoint {url} answered 200 without an access_token"),
                Some("is this a Cognito /oauth2/token URL?".to_string()),
            ));
        };
        let j = json.as_ref();
        let tokens = Tokens {
            access_token: Some(access.to_string()),
            id_token: None,
            refresh_token: None,
            expires_in: j
                .and_then(|j| j.get("expires_in"))
                .and_then(Value::as_i64)
                .unwrap_or(3600),
            token_type: j
                .and_then(|j| j.get("token_type"))
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        crate::cognito::cache::refuse_tokens(&format!("the token endpoint {url}"), &tokens)?;
        return Ok(tokens);
    }
    let code = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let desc = json
        .as_ref()
        .and_then(|j| j.get("error_description"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if code.is_empty() {
        let text = String::from_utf8_lossy(body);
        let short: String = text.chars().take(200).collect();
        return Err(Error::refused(
            format!("the token endpoint {url} answered HTTP {status}: {}", short.trim()),
            Some("check --token-endpoint / --domain: Cognito's is https://<domain>.auth.<region>.amazoncognito.com/oauth2/token".to_string()),
        ));
    }
    let said = if desc.is_empty() {
        format!("HTTP {status} {{\"error\":\"{code}\"}}")
    } else {
        format!("HTTP {status} {{\"error\":\"{code}\",\"error_description\":\"{desc}\"}}")
    };
    let client = g.client_id;
    // The client id as a word of the commands to paste below.
    let qc = crate::fsx::sh_word(client);
    let pool = match g.pool_id {
        Some(p) => format!(" --user-pool-id {}", crate::fsx::sh_word(p)),
        None => " --user-pool-id <pool id>".to_string(),
    };
    let scopes = if g.scopes.is_empty() {
        "(none asked: all the client's scopes)".to_string()
    } else {
        g.scopes.join(" ")
    };
    let (cause, fix) = match code {
        "invalid_client" => (
            format!(
                "the token endpoint does not accept app client {client} with this secret (wrong client id or secret, or a client without a secret)"
            ),
            format!(
                "check --client-id and TOKDIAG_CLIENT_SECRET: aws cognito-idp describe-user-pool-client{pool} --client-id {qc} --query UserPoolClient.ClientSecret (client credentials need an app client with a secret)"
            ),
        ),
        "invalid_scope" => (
            format!("app client {client} may not ask for the scope {scopes}"),
            format!(
                "ask for a scope the client has (--scope <resource server>/<scope>), or add it to the client's AllowedOAuthScopes after defining it on a resource server: aws cognito-idp update-user-pool-client{pool} --client-id {qc} --allowed-o-auth-scopes <rs>/<scope> … (repeat the client's other settings: omitted ones are reset)"
            ),
        ),
        "unauthorized_client" => (
            format!("app client {client} may not use the client_credentials grant"),
            format!(
                "enable it: aws cognito-idp update-user-pool-client{pool} --client-id {qc} --allowed-o-auth-flows client_credentials --allowed-o-auth-flows-user-pool-client --allowed-o-auth-scopes <rs>/<scope> (repeat the client's other settings: omitted ones are reset)"
            ),
        ),
        "unsupported_grant_type" => (
            "the token endpoint does not support the client_credentials grant".to_string(),
            "check that this is the user pool's /oauth2/token endpoint".to_string(),
        ),
        _ => (
            format!(
                "the token endpoint refused the client_credentials grant for app client {client}"
            ),
            "read the OAuth error above".to_string(),
        ),
    };
    Err(Error::refused(format!("{cause} ({said})"), Some(fix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    static SILENT: crate::notes::Notes = crate::notes::Notes::silent();

    fn grant<'a>(secret: &'a Secret, scopes: &'a [String]) -> Grant<'a> {
        Grant {
            client_id: "cid",
            secret,
            scopes,
            token_endpoint: "https://x.auth.us-east-1.amazoncognito.com/oauth2/token",
            pool_id: Some("us-east-1_abc"),
            notes: &SILENT,
            allow_http: false,
        }
    }

    #[test]
    fn builds_the_request() {
        assert_eq!(
            form_body(&["agentcore/invoke".into(), "a/b".into()]),
            "grant_type=client_credentials&scope=agentcore%2Finvoke+a%2Fb"
        );
        assert_eq!(form_body(&[]), "grant_type=client_credentials");
        assert_eq!(basic_auth("cid", &Secret::new("sec")), "Basic Y2lkOnNlYw==");
    }

    #[test]
    fn parses_answers() {
        let s = Secret::new("x");
        // {"alg":"none"} . {"exp":1} . (no signature): a compact JWS, whatever it claims.
        let jws = "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.";
        let t = parse_response(
            200,
            format!(r#"{{"access_token":"{jws}","expires_in":3600,"token_type":"Bearer"}}"#)
                .as_bytes(),
            &grant(&s, &[]),
        )
        .unwrap();
        assert_eq!(t.access_token.as_deref(), Some(jws));
        assert_eq!(t.expires_in, 3600);
        // Not a JWS: refused (exit 1), whatever else the answer holds.
        for (bad, why) in [
            (
                "x; touch /tmp/pwned",
                "it has 1 '.'-separated segment, not 3",
            ),
            (
                "eyJhbGciOiJub25lIn0.eyJleHAiOjF9.$(id)",
                "byte 34 is not a base64url character (A-Z a-z 0-9 - _)",
            ),
            ("a.b.c", "the header is not valid base64url"),
        ] {
            let body = serde_json::json!({"access_token": bad}).to_string();
            let e = parse_response(200, body.as_bytes(), &grant(&s, &[])).unwrap_err();
            assert_eq!(e.exit_code(), 1);
            assert_eq!(
                e.to_string(),
                format!(
                    "the token endpoint https://x.auth.us-east-1.amazoncognito.com/oauth2/token answered with an access token that is not a JWT: {why}"
                )
            );
        }
        let e = parse_response(400, br#"{"error":"invalid_client"}"#, &grant(&s, &[])).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.to_string()
                .contains(r#"(HTTP 400 {"error":"invalid_client"})"#),
            "{e}"
        );
        let sc = ["rs/nope".to_string()];
        let e = parse_response(400, br#"{"error":"invalid_scope"}"#, &grant(&s, &sc)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("app client cid may not ask for the scope rs/nope")
        );
        let e = parse_response(400, br#"{"error":"unauthorized_client"}"#, &grant(&s, &[]))
            .unwrap_err();
        assert!(
            e.hint()
                .unwrap()
                .contains("--allowed-o-auth-flows client_credentials")
        );
        assert_eq!(
            parse_response(503, b"", &grant(&s, &[]))
                .unwrap_err()
                .exit_code(),
            3
        );
        assert_eq!(
            parse_response(200, b"<html>", &grant(&s, &[]))
                .unwrap_err()
                .exit_code(),
            3
        );
    }

    #[test]
    fn urls_must_be_https_unless_loopback() {
        assert!(check_url("https://a.example/t", "x", false).is_ok());
        assert!(check_url("http://127.0.0.1:9/t", "x", false).is_ok());
        assert!(check_url("http://localhost:9/t", "x", false).is_ok());
        assert!(check_url("http://a.example/t", "x", false).is_err());
        assert!(check_url("http://a.example/t", "x", true).is_ok());
        assert!(check_url("nope", "x", false).is_err());
    }
}
