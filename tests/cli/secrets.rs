//! Secrets stay secret: the token cache and the JWKS cache are private (0600 files, 0700 dirs),
//! and no password, client secret or refresh token reaches stdout or stderr (errors, summaries,
//! `--verbose`, `--json`) unless asked for with `--print refresh` or `--print json` (which
//! `login --json` means). `--verbose` shows the HTTP exchanges of verify, keys, login and invoke
//! with `Authorization` redacted.
//!
//! Cognito runs on moto (TOKDIAG_TEST_MOTO_URL, from scripts/test.sh); the client-credentials
//! grant, which moto lacks, on a loopback token endpoint in this file; MCP on a loopback stub.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::http::{Reply, Server};
use crate::support::jwks_server::JwksServer;
use crate::support::mcp::Stub;
use crate::support::moto::{Moto, Pool};
use crate::support::tokens::{access_claims, mint, run, testdata, tokdiag};
use assert_cmd::Command;
use base64::Engine;
use serde_json::{Value, json};

/// The user's password: distinctive, so any leak is found by a plain substring search.
const PW: &str = "Zx9!tokdiag-SECRET-PW-4821";
/// A wrong password (the error path must not echo it either).
const WRONG_PW: &str = "Qy8!tokdiag-WRONG-PW-1173";
/// The client secret of the client-credentials tests.
const CLIENT_SECRET: &str = "cs-tokdiag-SECRET-7781";

fn clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Asserts that none of `secrets` appears in stdout or stderr.
fn assert_clean(what: &str, out: &str, err: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!out.contains(s), "{what}: secret on stdout:\n{out}");
        assert!(!err.contains(s), "{what}: secret on stderr:\n{err}");
    }
}

/// `tokdiag` with no TOKDIAG_*/AWS_* from the caller's environment.
fn clean_cmd(dir: &Path) -> Command {
    crate::support::tokens::hermetic(dir)
}

fn login(pool: &Pool, cache: &Path, now: i64, extra: &[&str]) -> Command {
    let mut c = clean_cmd(cache.parent().unwrap());
    c.args(["login", "--endpoint-url", &pool.url])
        .args(["--user-pool-id", &pool.id, "--client-id", &pool.client_id])
        .args(["--username", "carol", "--cache-dir"])
        .arg(cache)
        .args(["--now", &now.to_string()])
        .args(extra);
    c
}

fn user_with(moto: &Moto, pool: &Pool, password: &str) {
    moto.temp_user(pool, "carol");
    moto.ok(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool.id, "Username": "carol", "Password": password, "Permanent": true}),
    );
}

fn cache_entry(cache: &Path) -> Value {
    let entry = std::fs::read_dir(cache.join("tokens"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n != "last.json"))
        .expect("a cached login");
    serde_json::from_str(&std::fs::read_to_string(entry).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every directory tokdiag creates under a missing cache root is 0700, every file 0600.
#[cfg(unix)]
fn assert_private_tree(root: &Path) {
    assert_eq!(mode(root), 0o700, "{}", root.display());
    for e in std::fs::read_dir(root).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            assert_private_tree(&p);
        } else {
            assert_eq!(mode(&p), 0o600, "{}", p.display());
        }
    }
}

#[cfg(unix)]
#[test]
fn jwks_cache_is_private() {
    let server = JwksServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("new/cache"); // created by tokdiag
    let mut c = tokdiag(&cache);
    c.args(["verify", "--discovery-url", &server.discovery_url()])
        .arg(std::fs::read_to_string(testdata("tokens/cognito-access.jwt")).unwrap());
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(mode(&dir.path().join("new")), 0o700);
    assert_private_tree(&cache);
    let files: Vec<_> = std::fs::read_dir(cache.join("oidc"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 2, "discovery + JWKS, no lock or temp file");
}

#[cfg(unix)]
#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn password_and_refresh_token_never_printed_unless_asked() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    user_with(&moto, &pool, PW);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let now = clock();

    // Sign in, verbose, password on stdin.
    let mut c = login(&pool, &cache, now, &["--password-stdin", "--verbose"]);
    c.write_stdin(format!("{PW}\n"));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("InitiateAuth USER_PASSWORD_AUTH") && err.contains("values not shown"),
        "--verbose shows the exchange: {err}"
    );
    let entry = cache_entry(&cache);
    let refresh = entry["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();
    assert_clean("login --verbose", &out, &err, &[PW, &refresh]);
    assert_private_tree(&cache);
    let cached = serde_json::to_string(&entry).unwrap();
    assert!(!cached.contains(PW), "the cache holds no password");

    // The password from the environment, and every --print form except refresh/json.
    for print in ["access", "id", "env"] {
        let mut c = login(
            &pool,
            &cache,
            now,
            &["--no-cache", "--verbose", "--print", print],
        );
        c.env("TOKDIAG_PASSWORD", PW);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{print}: {err}");
        assert_clean(&format!("--print {print}"), &out, &err, &[PW, &refresh]);
    }
    // From the cache: still no refresh token.
    let (code, out, err) = run(login(&pool, &cache, now, &["--verbose"]));
    assert_eq!(code, 0, "{err}");
    assert_clean("cached", &out, &err, &[PW, &refresh]);

    // A refresh (5 minutes or less left) sends the refresh token, and shows it nowhere.
    let (code, out, err) = run(login(&pool, &cache, now + 3400, &["--verbose"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("REFRESH_TOKEN_AUTH"), "{err}");
    assert_clean("refresh --verbose", &out, &err, &[PW, &refresh]);

    // Asked for explicitly: --print refresh, --print json (and login --json, which means it).
    let (code, out, _) = run(login(&pool, &cache, now, &["--print", "refresh"]));
    assert_eq!(code, 0);
    assert_eq!(out.trim(), refresh);
    for flags in [&["--print", "json"][..], &["--json"][..]] {
        let (code, out, err) = run(login(&pool, &cache, now, flags));
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["refresh_token"], refresh.as_str(), "{flags:?}");
        assert_clean("--print json", &out, &err, &[PW]);
    }

    // Wrong password: the error names the problem, never either password.
    for json in [false, true] {
        let mut c = login(
            &pool,
            &cache,
            now,
            &["--no-cache", "--password-stdin", "--verbose"],
        );
        if json {
            c.arg("--json");
        }
        c.write_stdin(format!("{WRONG_PW}\n"));
        let (code, out, err) = run(c);
        assert_eq!(code, 1, "{out}{err}");
        assert!(err.contains("NotAuthorizedException"), "{err}");
        assert_clean("wrong password", &out, &err, &[PW, WRONG_PW, &refresh]);
    }
}

#[cfg(unix)]
#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn client_secret_of_a_secret_app_client_is_never_printed() {
    let moto = Moto::from_env();
    let pool = moto.pool(true);
    user_with(&moto, &pool, PW);
    let secret = pool.secret.clone().expect("a client secret");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let now = clock();
    let mut c = login(&pool, &cache, now, &["--verbose", "--password-stdin"]);
    c.env("TOKDIAG_CLIENT_SECRET", &secret)
        .write_stdin(format!("{PW}\n"));
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert_clean("secret client", &out, &err, &[PW, &secret]);
    let cached = std::fs::read_to_string(
        std::fs::read_dir(cache.join("tokens"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_name().is_some_and(|n| n != "last.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        !cached.contains(&secret),
        "the cache holds no client secret"
    );

    // A wrong secret is not echoed either (moto, unlike Cognito, may accept the wrong SECRET_HASH:
    // tests/login_cli.rs pins the refusal; here only the output matters).
    let wrong = format!("{secret}WRONG");
    let mut c = login(
        &pool,
        &cache,
        now,
        &["--verbose", "--no-cache", "--password-stdin"],
    );
    c.env("TOKDIAG_CLIENT_SECRET", &wrong)
        .write_stdin(format!("{PW}\n"));
    let (code, out, err) = run(c);
    assert!(code == 0 || code == 1, "{out}{err}");
    assert_clean("wrong secret", &out, &err, &[PW, &secret, &wrong]);
}

/// A loopback OAuth token endpoint: answers every POST with (status, body); the server records
/// the requests (and so the Authorization header each carried).
fn token_endpoint(status: u16, body: String) -> (String, Server) {
    let server = Server::start(move |_| Reply::json(status, body.clone()));
    (server.url("/oauth2/token"), server)
}

#[test]
fn client_credentials_secret_is_redacted_in_verbose_and_errors() {
    let client = "7d8rtc0q3e7a1n4ci6bm2ju5s0";
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{client}:{CLIENT_SECRET}"));
    let token = std::fs::read_to_string(testdata("tokens/cognito-client-credentials.jwt")).unwrap();
    let ok_body = json!({"access_token": token.trim(), "expires_in": 3600, "token_type": "Bearer"});
    let bad_body =
        json!({"error": "invalid_client", "error_description": "Client authentication failed"});
    for (status, body, want) in [(200, ok_body, 0), (401, bad_body, 1)] {
        let (url, seen) = token_endpoint(status, body.to_string());
        let dir = tempfile::tempdir().unwrap();
        for json in [false, true] {
            let mut c = clean_cmd(dir.path());
            c.args([
                "login",
                "--flow",
                "client-credentials",
                "--client-id",
                client,
            ])
            .args(["--scope", "agentcore/invoke", "--token-endpoint", &url])
            .args(["--no-cache", "--verbose", "--cache-dir"])
            .arg(dir.path())
            .env("TOKDIAG_CLIENT_SECRET", CLIENT_SECRET);
            if json {
                c.arg("--json");
            }
            let (code, out, err) = run(c);
            assert_eq!(code, want, "{status}: {out}{err}");
            assert!(
                err.contains("Authorization: Basic <redacted>"),
                "--verbose shows the redacted header: {err}"
            );
            assert_clean(
                &format!("client credentials {status}"),
                &out,
                &err,
                &[CLIENT_SECRET, &basic],
            );
        }
        assert!(
            seen.received().iter().all(|r| r
                .header("authorization")
                .is_some_and(|h| h.ends_with(&basic))),
            "the secret did go to the token endpoint"
        );
    }
}

/// `--verbose` on verify and keys shows the requests (no Authorization is sent to an issuer);
/// the token never shows in them.
#[test]
fn verbose_verify_and_keys_show_requests_not_tokens() {
    let server = JwksServer::start();
    let token = mint(&access_claims());
    let sig = token.rsplit('.').next().unwrap().to_string();
    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--verbose",
        "verify",
        "--discovery-url",
        &server.discovery_url(),
        &token,
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("tokdiag: GET {} → 200 OK", server.discovery_url())),
        "{err}"
    );
    assert!(
        err.contains(&format!("tokdiag: GET {} → 200 OK", server.jwks_url())),
        "{err}"
    );
    assert!(!err.contains(&sig), "{err}");
    assert!(!err.to_ascii_lowercase().contains("authorization"), "{err}");

    let cache = tempfile::tempdir().unwrap();
    let mut c = tokdiag(cache.path());
    c.args([
        "--verbose",
        "keys",
        "--discovery-url",
        &server.discovery_url(),
    ]);
    let (code, _, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("tokdiag: GET {} → 200 OK", server.jwks_url())),
        "{err}"
    );
}

/// `invoke --verbose` prints the request with `Authorization: Bearer $TOKEN`, on success and when
/// the runtime refuses; the token shows nowhere, `--json` included.
#[test]
fn verbose_invoke_redacts_the_bearer_token() {
    let token = mint(&access_claims());
    let sig = token.rsplit('.').next().unwrap().to_string();
    let stub = Stub::start(
        401,
        &[("www-authenticate", "Bearer")],
        r#"{"jsonrpc":"2.0","id":0,"error":{"code":-32001,"message":"Claim 'client_id' value mismatch with configuration."}}"#,
    );
    for json in [false, true] {
        let cache = tempfile::tempdir().unwrap();
        let mut c = tokdiag(cache.path());
        c.env_remove("BEDROCK_AGENTCORE_DP_ENDPOINT")
            .args([
                "--verbose",
                "invoke",
                "--url",
                &format!("{}/mcp", stub.base),
            ])
            .args(["--token", &token]);
        if json {
            c.arg("--json");
        }
        let (code, out, err) = run(c);
        assert_eq!(code, 1, "{out}{err}");
        assert!(err.contains("> Authorization: Bearer $TOKEN"), "{err}");
        assert!(err.contains("< HTTP 401"), "{err}");
        assert_clean("invoke 401", &out, &err, &[&sig]);
    }
    assert!(
        stub.received()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {token}"))),
        "the real token was sent"
    );
}

/// A refresh token inside pasted initiate-auth JSON is never echoed by decode, verify or explain.
#[test]
fn refresh_token_in_a_pasted_bundle_is_never_echoed() {
    let bundle = std::fs::read_to_string(testdata("tokens/initiate-auth.json")).unwrap();
    let v: Value = serde_json::from_str(&bundle).unwrap();
    let refresh = v["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .expect("RefreshToken in testdata")
        .to_string();
    let jwks = testdata("jwks.json");
    let seed = testdata("seed/.bedrock_agentcore.yaml");
    let runs: [&[&str]; 6] = [
        &["decode"],
        &["--json", "decode"],
        &["verify", "--jwks", &jwks],
        &["--json", "verify", "--jwks", &jwks],
        &["explain", "--config", &seed, "--jwks", &jwks],
        &["--json", "explain", "--config", &seed, "--jwks", &jwks],
    ];
    for args in runs {
        for use_ in ["access", "id"] {
            let cache = tempfile::tempdir().unwrap();
            let mut c = tokdiag(cache.path());
            c.args(args)
                .args(["--verbose", "--use", use_, "-"])
                .write_stdin(bundle.clone());
            let (code, out, err) = run(c);
            assert!(code == 0 || code == 1, "{args:?}: {out}{err}");
            assert_clean(&format!("{args:?} --use {use_}"), &out, &err, &[&refresh]);
        }
    }
}

// ---- issue 12 item 3: a cache someone else could write is not trusted --------------------------

/// The current user's uid (the owner of a file just created).
#[cfg(unix)]
fn my_uid(dir: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    let p = dir.join(".uid-probe");
    std::fs::write(&p, "").unwrap();
    let uid = std::fs::metadata(&p).unwrap().uid();
    std::fs::remove_file(&p).unwrap();
    uid
}

#[cfg(unix)]
#[test]
fn a_jwks_cache_others_could_write_is_ignored_with_one_warning() {
    use crate::support::jwks_server::{DISCOVERY_PATH, JWKS_PATH, Mode};
    use std::os::unix::fs::PermissionsExt;
    let server = JwksServer::start();
    let dir = tempfile::tempdir().unwrap();
    let me = my_uid(dir.path());
    let cache = dir.path().join("cache");
    let token = std::fs::read_to_string(testdata("tokens/cognito-access.jwt")).unwrap();
    let url = server.discovery_url();
    let verify = || {
        let mut c = tokdiag(&cache);
        c.args(["verify", "--discovery-url", &url]).arg(&token);
        run(c)
    };
    let (code, out, err) = verify();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(server.total_hits(), 2);
    let oidc = cache.join("oidc");
    let jwks = tokdiag::oidc::cache_path(&cache, &server.jwks_url());
    let set = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    };
    // Offline from here on: only the cache can answer.
    server.set_mode(DISCOVERY_PATH, Mode::Status(503));
    server.set_mode(JWKS_PATH, Mode::Status(503));
    let (code, _, err) = verify();
    assert_eq!(code, 0, "a private cache answers offline: {err}");
    assert!(!err.contains("warning"), "{err}");

    let d = |p: &Path| p.display().to_string();
    type Step = Box<dyn Fn()>;
    let mut cases: Vec<(&str, Step, Step, String)> = vec![
        (
            "oidc dir 0777",
            Box::new({
                let o = oidc.clone();
                move || set(&o, 0o777)
            }),
            Box::new({
                let o = oidc.clone();
                move || set(&o, 0o700)
            }),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it is writable by its group and all users (mode 0777); fix: chmod 700 {0}",
                d(&oidc)
            ),
        ),
        (
            "cache root 0770",
            Box::new({
                let c = cache.clone();
                move || set(&c, 0o770)
            }),
            Box::new({
                let c = cache.clone();
                move || set(&c, 0o700)
            }),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it is writable by its group (mode 0770); fix: chmod 700 {0}",
                d(&cache)
            ),
        ),
        (
            "JWKS entry 0646",
            Box::new({
                let j = jwks.clone();
                move || set(&j, 0o646)
            }),
            Box::new({
                let j = jwks.clone();
                move || set(&j, 0o600)
            }),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it is writable by all users (mode 0646); fix: chmod 600 {0}",
                d(&jwks)
            ),
        ),
        (
            "JWKS entry a symlink",
            Box::new({
                let j = jwks.clone();
                move || {
                    let real = j.with_extension("real");
                    std::fs::rename(&j, &real).unwrap();
                    std::os::unix::fs::symlink(&real, &j).unwrap();
                }
            }),
            Box::new({
                let j = jwks.clone();
                move || {
                    std::fs::remove_file(&j).unwrap();
                    std::fs::rename(j.with_extension("real"), &j).unwrap();
                }
            }),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it is a symbolic link; fix: remove it (rm {0})",
                d(&jwks)
            ),
        ),
    ];
    // Another user's files: only root can make them (chown); as another user these two cases
    // cannot be set up, and say so.
    if std::os::unix::fs::chown(&jwks, Some(me), None).is_ok() && me == 0 {
        cases.push((
            "JWKS entry owned by uid 65534",
            Box::new({
                let j = jwks.clone();
                move || std::os::unix::fs::chown(&j, Some(65534), None).unwrap()
            }),
            Box::new({
                let j = jwks.clone();
                move || std::os::unix::fs::chown(&j, Some(0), None).unwrap()
            }),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it belongs to uid 65534, not to you (uid 0); fix: remove it (rm {0})",
                d(&jwks)
            ),
        ));
        cases.push((
            "oidc dir owned by uid 65534",
            Box::new({
                let o = oidc.clone();
                move || std::os::unix::fs::chown(&o, Some(65534), None).unwrap()
            }),
            Box::new({
                let o = oidc.clone();
                move || std::os::unix::fs::chown(&o, Some(0), None).unwrap()
            }),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it belongs to uid 65534, not to you (uid 0); fix: remove it (rm -r {0}) or pass another --cache-dir",
                d(&oidc)
            ),
        ));
    } else {
        eprintln!("not run: the cases of files owned by another user need root (chown)");
    }
    for (name, setup, undo, warning) in &cases {
        setup();
        let (code, out, err) = verify();
        undo();
        // Ignored, so offline it cannot decide.
        assert_eq!(code, 3, "{name}: {out}{err}");
        let warnings: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("ignoring the cache"))
            .collect();
        assert_eq!(warnings, [warning.as_str()], "{name}: {err}");
        assert!(
            err.contains("tokdiag: error: GET ") && err.contains("answered HTTP 503"),
            "{name}: {err}"
        );
    }

    // Online: the data is fetched afresh, and nothing is written into the untrusted dir.
    server.set_mode(DISCOVERY_PATH, Mode::Normal);
    server.set_mode(JWKS_PATH, Mode::Normal);
    let before = std::fs::read(&jwks).unwrap();
    let mtime = std::fs::metadata(&jwks).unwrap().modified().unwrap();
    set(&oidc, 0o777);
    let hits = server.total_hits();
    let (code, out, err) = verify();
    set(&oidc, 0o700);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        server.total_hits(),
        hits + 2,
        "discovery and JWKS fetched again"
    );
    assert_eq!(err.matches("ignoring the cache").count(), 1, "{err}");
    assert_eq!(std::fs::read(&jwks).unwrap(), before);
    assert_eq!(std::fs::metadata(&jwks).unwrap().modified().unwrap(), mtime);
}

#[cfg(unix)]
#[test]
fn cache_lifetimes_are_capped_at_24_hours() {
    use crate::support::jwks_server::{DISCOVERY_PATH, JWKS_PATH, Mode};
    let server = JwksServer::start();
    // The server asks for ten years.
    server.set_cache_control(Some("max-age=315360000"));
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let token = std::fs::read_to_string(testdata("tokens/cognito-access.jwt")).unwrap();
    let url = server.discovery_url();
    let verify = || {
        let mut c = tokdiag(&cache);
        c.args(["verify", "--discovery-url", &url]).arg(&token);
        run(c)
    };
    let (code, out, err) = verify();
    assert_eq!(code, 0, "{out}{err}");
    let entries = [
        tokdiag::oidc::cache_path(&cache, &url),
        tokdiag::oidc::cache_path(&cache, &server.jwks_url()),
    ];
    for e in &entries {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(e).unwrap()).unwrap();
        assert_eq!(v["max_age"], 86400, "{}", e.display());
    }
    // A file that claims 2^64-1 seconds, fetched 25 h ago: stale all the same.
    for e in &entries {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(e).unwrap()).unwrap();
        v["max_age"] = json!(u64::MAX);
        v["fetched_at"] = json!(clock() - 25 * 3600);
        std::fs::write(e, v.to_string()).unwrap();
    }
    server.set_mode(DISCOVERY_PATH, Mode::Status(503));
    server.set_mode(JWKS_PATH, Mode::Status(503));
    let (code, out, err) = verify();
    assert_eq!(code, 3, "a 25 h old entry is stale offline: {out}{err}");
}
