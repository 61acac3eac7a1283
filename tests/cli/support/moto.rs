//! The moto Cognito emulator for the login tests: its URL (from `TOKDIAG_TEST_MOTO_URL`, set by
//! scripts/test.sh) and provisioning through its awsJson1.1 API. Every test creates its own user
//! pool, so tests are independent and run in parallel against one server.
//!
//! Requests go over a plain `std::net::TcpStream` (HTTP/1.1, `Connection: close`): moto does not
//! check SigV4, so a dummy `Authorization` header is enough to route them to cognito-idp.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

/// A password that satisfies moto's default pool password policy.
pub const PASSWORD: &str = "Corr3ct-Horse!";
/// A temporary password (FORCE_CHANGE_PASSWORD users).
pub const TEMP_PASSWORD: &str = "Temp0rary-Pass!";

/// The running emulator.
#[derive(Debug, Clone)]
pub struct Moto {
    /// Base URL, e.g. `http://127.0.0.1:5001`.
    pub url: String,
    host: String,
}

/// A user pool with one app client.
#[derive(Debug, Clone)]
pub struct Pool {
    /// The emulator's base URL.
    pub url: String,
    /// The pool id.
    pub id: String,
    /// The app client id.
    pub client_id: String,
    /// The app client secret (secret clients only).
    pub secret: Option<String>,
}

impl Pool {
    /// The pool's discovery URL on the emulator.
    pub fn discovery_url(&self) -> String {
        format!("{}/{}/.well-known/openid-configuration", self.url, self.id)
    }

    /// The issuer moto writes into tokens (the real AWS form).
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.us-east-1.amazonaws.com/{}", self.id)
    }
}

impl Moto {
    /// The emulator from `TOKDIAG_TEST_MOTO_URL`; fails the test when it is not set.
    pub fn from_env() -> Moto {
        let url = std::env::var("TOKDIAG_TEST_MOTO_URL").unwrap_or_default();
        assert!(
            !url.is_empty(),
            "TOKDIAG_TEST_MOTO_URL is not set: run the tests with scripts/test.sh (it starts moto)"
        );
        let url = url.trim_end_matches('/').to_string();
        let host = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("TOKDIAG_TEST_MOTO_URL must be http://host:port, got {url}"))
            .to_string();
        Moto { url, host }
    }

    /// cognito-local, the second emulator (from `TOKDIAG_TEST_COGNITO_LOCAL_URL`, started by
    /// scripts/test.sh); fails the test when it is not set. It speaks the same awsJson1.1 API;
    /// its pools are `local_<id>` and its user names must be e-mail addresses.
    pub fn cognito_local() -> Moto {
        let url = std::env::var("TOKDIAG_TEST_COGNITO_LOCAL_URL").unwrap_or_default();
        assert!(
            !url.is_empty(),
            "TOKDIAG_TEST_COGNITO_LOCAL_URL is not set: run the tests with scripts/test.sh (it starts cognito-local)"
        );
        let url = url.trim_end_matches('/').to_string();
        let host = url
            .strip_prefix("http://")
            .unwrap_or_else(|| {
                panic!("TOKDIAG_TEST_COGNITO_LOCAL_URL must be http://host:port, got {url}")
            })
            .to_string();
        Moto { url, host }
    }

    /// Calls one Cognito operation; `Ok(body)` on 200, `Err((status, body))` otherwise.
    pub fn call(&self, op: &str, body: &Value) -> Result<Value, (u16, Value)> {
        let payload = body.to_string();
        let req = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: AWSCognitoIdentityProviderService.{op}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00\r\n\
             Content-Length: {len}\r\nConnection: close\r\n\r\n{payload}",
            host = self.host,
            len = payload.len()
        );
        let mut s = TcpStream::connect(&self.host)
            .unwrap_or_else(|e| panic!("cannot connect to moto at {}: {e}", self.url));
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let (status, body) = parse_response(&raw);
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status == 200 {
            Ok(v)
        } else {
            Err((status, v))
        }
    }

    /// Calls and panics on failure.
    pub fn ok(&self, op: &str, body: Value) -> Value {
        self.call(op, &body)
            .unwrap_or_else(|(st, b)| panic!("moto {op} failed: HTTP {st} {b}"))
    }

    /// A new pool with one app client (USER_PASSWORD_AUTH + REFRESH_TOKEN_AUTH; with a secret when asked).
    pub fn pool(&self, secret: bool) -> Pool {
        let name = format!("tokdiag-{}", rand::random::<u32>());
        let p = self.ok("CreateUserPool", json!({"PoolName": name}));
        let id = p["UserPool"]["Id"].as_str().expect("pool id").to_string();
        let c = self.ok(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": id,
                "ClientName": "tokdiag-test",
                "GenerateSecret": secret,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            }),
        );
        Pool {
            url: self.url.clone(),
            id,
            client_id: c["UserPoolClient"]["ClientId"]
                .as_str()
                .expect("client id")
                .to_string(),
            secret: c["UserPoolClient"]["ClientSecret"]
                .as_str()
                .map(str::to_string),
        }
    }

    /// A confirmed user with the permanent password [`PASSWORD`].
    pub fn user(&self, pool: &Pool, username: &str) {
        self.temp_user(pool, username);
        self.ok(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool.id, "Username": username, "Password": PASSWORD, "Permanent": true}),
        );
    }

    /// A user with the temporary password [`TEMP_PASSWORD`] (FORCE_CHANGE_PASSWORD).
    pub fn temp_user(&self, pool: &Pool, username: &str) {
        self.ok(
            "AdminCreateUser",
            json!({"UserPoolId": pool.id, "Username": username,
                   "TemporaryPassword": TEMP_PASSWORD, "MessageAction": "SUPPRESS"}),
        );
    }

    /// A user who signed up and is not confirmed.
    pub fn unconfirmed_user(&self, pool: &Pool, username: &str) {
        self.ok(
            "SignUp",
            json!({"ClientId": pool.client_id, "Username": username, "Password": PASSWORD}),
        );
    }

    /// Disables a user.
    pub fn disable(&self, pool: &Pool, username: &str) {
        self.ok(
            "AdminDisableUser",
            json!({"UserPoolId": pool.id, "Username": username}),
        );
    }

    /// Turns on SMS MFA (preferred) for a user: sign-in then answers with the SMS_MFA challenge.
    pub fn sms_mfa(&self, pool: &Pool, username: &str) {
        self.ok(
            "AdminSetUserMFAPreference",
            json!({"UserPoolId": pool.id, "Username": username,
                   "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
        );
    }
}

/// Splits a raw HTTP/1.1 response into status and (de-chunked) body.
fn parse_response(raw: &[u8]) -> (u16, Vec<u8>) {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP response without header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("HTTP status");
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..nl])
                    .split(';')
                    .next()
                    .unwrap_or("0")
                    .trim(),
                16,
            )
            .unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    (status, body)
}
