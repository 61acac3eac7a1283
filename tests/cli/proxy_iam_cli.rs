//! `tokdiag proxy` in IAM mode (issue 14 item 4): requests signed by an independent SigV4
//! implementation (botocore's `SigV4Auth`, from the test venv) pass and reach the upstream; a
//! wrong secret, a stale `X-Amz-Date`, a bearer token, no Authorization, a tampered body or
//! signed header get 403 with exact bodies; `tokdiag invoke --sigv4` goes through it to the three
//! SDK servers end to end; the credentials come from the environment or a private JSON file.

use crate::support::mcp::*;
use crate::support::tokens::*;
use serde_json::{Value, json};

fn iam_cfg() -> String {
    testdata("configs/toolkit/iam-null.yaml")
}

const RUNTIME_PATH: &str = "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fmcp_server-VpWbdyCLTH/invocations?qualifier=DEFAULT";

/// The proxy's credentials, as environment variables.
fn creds_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", SESSION),
    ]
}

/// An IAM-mode proxy (iam-null.yaml, credentials in its environment) at `now` (`None`: the clock).
fn iam_proxy(cache: &std::path::Path, now: Option<i64>, upstream: &str) -> Proxy {
    let cfg = iam_cfg();
    Proxy::start_env(
        cache,
        now,
        &creds_env(),
        &["--config", &cfg, "--upstream", upstream],
    )
}

/// How botocore signs: the request's headers after `SigV4Auth(…).add_auth`, at Unix time `date`.
struct Sign<'a> {
    url: String,
    body: &'a str,
    key: &'a str,
    secret: &'a str,
    token: Option<&'a str>,
    region: &'a str,
    service: &'a str,
    date: i64,
}

impl<'a> Sign<'a> {
    fn new(url: String, body: &'a str) -> Self {
        Sign {
            url,
            body,
            key: KEY_ID,
            secret: SECRET,
            token: Some(SESSION),
            region: "us-east-1",
            service: "bedrock-agentcore",
            date: NOW,
        }
    }

    fn headers(&self) -> Vec<(String, String)> {
        let script = r#"
import json, sys, datetime
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
d = json.load(sys.stdin)
when = datetime.datetime.fromtimestamp(d["date"], datetime.timezone.utc).replace(tzinfo=None)
botocore.auth.get_current_datetime = lambda *a, **k: when
req = AWSRequest(method="POST", url=d["url"], data=d["body"].encode(), headers=dict(d["headers"]))
botocore.auth.SigV4Auth(Credentials(d["key"], d["secret"], d["token"]), d["service"], d["region"]).add_auth(req)
print(json.dumps(list(req.headers.items())))
"#;
        let input = json!({
            "url": self.url, "body": self.body, "date": self.date,
            "headers": mcp_headers(None),
            "key": self.key, "secret": self.secret, "token": self.token,
            "region": self.region, "service": self.service,
        });
        let mut py = std::process::Command::new(python())
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start python");
        use std::io::Write;
        py.stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let o = py.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).expect("botocore's headers as JSON")
    }
}

fn post(url: &str, headers: &[(String, String)], body: &str) -> RawResponse {
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    http(url, "POST", &h, body).expect("HTTP request")
}

fn set(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
}

const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn botocore_signed_requests_pass_and_reach_the_upstream_on_both_paths() {
    let stub = Stub::start(200, &[], r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
    let dir = tempfile::tempdir().unwrap();
    let p = iam_proxy(dir.path(), Some(NOW), &stub.base);
    for (i, path) in ["/mcp", RUNTIME_PATH].into_iter().enumerate() {
        let url = format!("{}{path}", p.base);
        let h = Sign::new(url.clone(), PING).headers();
        let auth = h
            .iter()
            .find(|(k, _)| k == "Authorization")
            .unwrap()
            .1
            .clone();
        assert!(
            auth.starts_with(&format!(
                "AWS4-HMAC-SHA256 Credential={KEY_ID}/20260601/us-east-1/bedrock-agentcore/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature="
            )),
            "{auth}"
        );
        let (status, _, body) = post(&url, &h, PING);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body, r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
        let got = &stub.received()[i];
        assert_eq!(got.body, PING);
        // Like the runtime: the signature headers stay at the front door (no allowlist).
        for gone in ["authorization", "x-amz-date", "x-amz-security-token"] {
            assert_eq!(got.header(gone), None, "{gone}");
        }
        assert_eq!(got.header("content-type"), Some("application/json"));
    }
    let line = p.wait_log("#2 POST /runtimes/");
    let mine: Vec<String> = p
        .log()
        .into_iter()
        .filter(|l| l.contains(" → 200 "))
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(
        mine[0].starts_with("tokdiag proxy: #1 POST /mcp → 200 forwarded (SigV4 verified: AKIDTOKDIAGTEST00001, us-east-1); dropped headers not in requestHeaderAllowlist: "),
        "{}",
        mine[0]
    );
    for h in ["authorization", "x-amz-date", "x-amz-security-token"] {
        assert!(mine[0].contains(h), "{}", mine[0]);
    }
    assert!(
        line.contains(" → 200 forwarded (SigV4 verified: "),
        "{line}"
    );
    let start = p.wait_log("listening on");
    assert!(
        start.contains(" · IAM mode: SigV4 (bedrock-agentcore, region us-east-1) verified against access key AKIDTOKDIAGTEST00001 with a session token from environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) · "),
        "{start}"
    );
}

/// The proxy's answer to one refused request: status, `x-amzn-errortype`, body.
fn refused(r: &RawResponse) -> (u16, Option<&str>, &str) {
    (r.0, header(&r.1, "x-amzn-errortype"), r.2.as_str())
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn wrong_secret_stale_date_bearer_no_authorization_and_tampering_get_403() {
    let stub = Stub::start(200, &[], "{}");
    let dir = tempfile::tempdir().unwrap();
    let p = iam_proxy(dir.path(), Some(NOW), &stub.base);
    let url = p.url();
    let mismatch = r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#;

    let wrong = Sign {
        secret: "not/the/proxys/secret/key/0123456789abcd",
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &wrong.headers(), PING);
    assert_eq!(
        refused(&r),
        (403, Some("InvalidSignatureException"), mismatch)
    );
    let line = p.wait_log("#1 POST /mcp");
    assert!(
        line.starts_with("tokdiag proxy: #1 POST /mcp → 403 refused: SigV4 signature mismatch: recomputed over POST /mcp with signed headers accept;content-type;host;x-amz-date;x-amz-security-token at 20260601T000000Z — a wrong secret key, or the body, path, query or a signed header changed after signing (answered with AWS's generic SigV4 wording: AgentCore's for this case is not known) ("),
        "{line}"
    );

    let stale = Sign {
        date: NOW - 301,
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &stale.headers(), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("InvalidSignatureException"),
            r#"{"message":"Signature expired: 20260531T235459Z is now earlier than 20260531T235500Z (20260601T000000Z - 5 min.)"}"#
        )
    );
    let future = Sign {
        date: NOW + 301,
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &future.headers(), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("InvalidSignatureException"),
            r#"{"message":"Signature not yet current: 20260601T000501Z is still later than 20260601T000500Z (20260601T000000Z + 5 min.)"}"#
        )
    );
    // Within the 5 minutes either way: accepted.
    for date in [NOW - 300, NOW + 300] {
        let ok = Sign {
            date,
            ..Sign::new(url.clone(), PING)
        };
        assert_eq!(post(&url, &ok.headers(), PING).0, 200);
    }

    let token = mint(&access_claims());
    let r = post(&url, &mcp_headers(Some(&token)), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("AccessDeniedException"),
            r#"{"message":"Authorization method mismatch. The agent is configured for a different authorization method than what was used in your request. Check the agent's authorization configuration and ensure your request uses the matching method (OAuth or SigV4)"}"#
        )
    );
    assert_eq!(header(&r.1, "www-authenticate"), None);
    let line = p.wait_log("403 refused: a bearer token");
    assert!(
        line.contains("→ 403 refused: a bearer token at an IAM resource: it accepts only SigV4 (AWS4-HMAC-SHA256) (the service's text for the reverse case, SigV4 at a JWT resource) ("),
        "{line}"
    );

    let r = post(&url, &mcp_headers(None), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("MissingAuthenticationTokenException"),
            r#"{"message":"Missing Authentication Token"}"#
        )
    );
    assert_eq!(header(&r.1, "www-authenticate"), None);

    let good = Sign::new(url.clone(), PING).headers();
    let r = post(
        &url,
        &good,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
    );
    assert_eq!(
        refused(&r),
        (403, Some("InvalidSignatureException"), mismatch)
    );
    let mut tampered = good.clone();
    set(
        &mut tampered,
        "Content-Type",
        "application/json; charset=utf-8",
    );
    let r = post(&url, &tampered, PING);
    assert_eq!(
        refused(&r),
        (403, Some("InvalidSignatureException"), mismatch)
    );
    // A header that was not signed may change (it is not covered).
    let mut extra = good.clone();
    set(&mut extra, "X-Other", "anything");
    assert_eq!(post(&url, &extra, PING).0, 200);

    let other_key = Sign {
        key: "AKIDSOMEONEELSE00001",
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &other_key.headers(), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("UnrecognizedClientException"),
            r#"{"message":"The security token included in the request is invalid."}"#
        )
    );
    let other_service = Sign {
        service: "execute-api",
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &other_service.headers(), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("InvalidSignatureException"),
            r#"{"message":"Credential should be scoped to correct service: 'bedrock-agentcore'. "}"#
        )
    );
    let other_region = Sign {
        region: "eu-west-1",
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &other_region.headers(), PING);
    assert_eq!(
        refused(&r),
        (
            403,
            Some("InvalidSignatureException"),
            r#"{"message":"Credential should be scoped to a valid region, not 'eu-west-1'. "}"#
        )
    );
    let no_token = Sign {
        token: None,
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &no_token.headers(), PING);
    assert_eq!(refused(&r).1, Some("UnrecognizedClientException"));
    // Only the accepted ones reached the upstream.
    assert_eq!(stub.received().len(), 3);
}

/// `tokdiag invoke` with the test credentials in its environment.
fn invoke(cache: &std::path::Path) -> assert_cmd::Command {
    let mut c = tokdiag(cache);
    with_creds(&mut c, cache);
    c.env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT").arg("invoke");
    c
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn invoke_sigv4_goes_through_the_iam_proxy_to_every_sdk_server() {
    for (sdk, upstream) in sdk_servers() {
        let dir = tempfile::tempdir().unwrap();
        // invoke signs with the clock: the proxy checks against the clock too.
        let p = iam_proxy(dir.path(), None, &upstream);
        // The runtime's own path, from the config's ARN and region.
        let mut c = invoke(dir.path());
        c.args(["--config", &iam_cfg(), "--runtime-endpoint", &p.base]);
        let (code, v) = run_json(c);
        assert_eq!(code, 0, "{sdk}: {v}");
        let names: Vec<&str> = v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["validate_content", "echo"], "{sdk}");
        // The shortcut, with --sigv4 and the region given.
        let mut c = invoke(dir.path());
        c.args([
            "--url",
            &p.url(),
            "--sigv4",
            "--region",
            "us-east-1",
            "--tool",
            "validate_content",
            "--args",
            r#"{"content":"ship it TODO"}"#,
        ]);
        let (code, v) = run_json(c);
        assert_eq!(code, 0, "{sdk}: {v}");
        assert_eq!(v["structuredContent"]["issues"][0]["word"], "TODO", "{sdk}");
        let line = p.wait_log("forwarded (SigV4 verified: AKIDTOKDIAGTEST00001, us-east-1)");
        assert!(
            line.contains(&format!("POST /runtimes/{}", &RUNTIME_PATH[10..40])),
            "{sdk}: {line}"
        );
    }
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn invoke_names_what_the_iam_proxy_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = iam_proxy(dir.path(), None, &mcp_url());
    // Signed with another secret: the SigV4 refusal, with the fix.
    let mut c = invoke(dir.path());
    c.env(
        "AWS_SECRET_ACCESS_KEY",
        "not/the/proxys/secret/key/0123456789abcd",
    )
    .args(["--url", &p.url(), "--sigv4", "--region", "us-east-1"]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    let said = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    assert_eq!(
        out,
        format!(
            "✗ sigv4-refused (initialize) — the endpoint answered HTTP 403\n  \
             the MCP server refused the SigV4 signature (403)\n  \
             server says: {said}\n  \
             fix: check the credentials (`aws sts get-caller-identity`), the clock (SigV4 allows 5 minutes of skew) and that the region is the resource's\n"
        )
    );
    // A bearer token at the IAM front door, with no config saying so: the service's mismatch.
    let mut c = invoke(dir.path());
    c.args(["--url", &p.url(), "--token", &mint(&access_claims())]);
    let (code, out, _) = run(c);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("✗ auth-method-mismatch (initialize) — the endpoint answered HTTP 403\n"),
        "{out}"
    );
}

fn proxy_cmd(cache: &std::path::Path) -> assert_cmd::Command {
    let mut c = tokdiag(cache);
    no_aws(&mut c, cache);
    c.args([
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        "http://127.0.0.1:9/mcp",
    ]);
    c
}

#[test]
fn no_credentials_or_a_readable_credentials_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = proxy_cmd(dir.path());
    c.args(["--config", &iam_cfg()]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "tokdiag: error: IAM mode needs the credentials requests are signed with, to verify their SigV4 signatures: neither --sigv4-credentials FILE nor AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY is given\n  \
         hint: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the proxy's environment — the same ones `tokdiag invoke --sigv4` signs with — or pass --sigv4-credentials FILE (JSON, as `aws configure export-credentials --format process` prints it; chmod 600)\n"
    );
    let mut c = proxy_cmd(dir.path());
    c.env("AWS_ACCESS_KEY_ID", KEY_ID)
        .args(["--config", &iam_cfg()]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("tokdiag: error: IAM mode needs the credentials requests are signed with, to verify their SigV4 signatures: AWS_SECRET_ACCESS_KEY is not set (AWS_ACCESS_KEY_ID is)\n"),
        "{err}"
    );

    let file = dir.path().join("creds.json");
    std::fs::write(
        &file,
        json!({"Version": 1, "AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}).to_string(),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let f = file.display().to_string();
    let mut c = proxy_cmd(dir.path());
    c.args(["--config", &iam_cfg(), "--sigv4-credentials", &f]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "tokdiag: error: --sigv4-credentials {f}: mode 644: group or others may read it\n  hint: chmod 600 {f}\n"
        )
    );
    std::fs::write(&file, r#"{"AccessKeyId": "AK", "SecretAccessKey": 42}"#).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut c = proxy_cmd(dir.path());
    c.args(["--config", &iam_cfg(), "--sigv4-credentials", &f]);
    let (code, _, err) = run(c);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!(
            "tokdiag: error: --sigv4-credentials {f}: \"SecretAccessKey\" is not a non-empty string\n"
        )),
        "{err}"
    );
    assert!(!err.contains("42"), "{err}");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn credentials_from_a_private_file_and_sigv4_without_a_config() {
    let stub = Stub::start(200, &[], "{}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("creds.json");
    std::fs::write(
        &file,
        json!({"Credentials": {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}}).to_string(),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let f = file.display().to_string();
    // --sigv4 with no config: any region, no ARN to match; the environment's keys are ignored
    // for the file's.
    let p = Proxy::start_env(
        dir.path(),
        Some(NOW),
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDIGNORED000000001"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
        &[
            "--sigv4",
            "--sigv4-credentials",
            &f,
            "--upstream",
            &stub.base,
        ],
    );
    let start = p.wait_log("listening on");
    assert!(
        start.contains(&format!(" · IAM mode: SigV4 (bedrock-agentcore, any region: the config names none, --region pins one) verified against access key AKIDTOKDIAGTEST00001 from {f} · ")),
        "{start}"
    );
    let url = p.url();
    let s = Sign {
        token: None,
        region: "eu-west-1",
        ..Sign::new(url.clone(), PING)
    };
    let (status, _, body) = post(&url, &s.headers(), PING);
    assert_eq!(status, 200, "{body}");
    assert!(!p.log().join("\n").contains(SECRET));
    let with_token = Sign {
        region: "eu-west-1",
        ..Sign::new(url.clone(), PING)
    };
    let r = post(&url, &with_token.headers(), PING);
    assert_eq!(refused(&r).1, Some("UnrecognizedClientException"));
    let v: Value = json!(stub.received().len());
    assert_eq!(v, 1);
}
