//! `tokdiag login` end to end. Sign-in, challenges, refresh, errors and the cache run against the
//! moto Cognito emulator (TOKDIAG_TEST_MOTO_URL, started by scripts/test.sh; each test makes its
//! own user pool). moto has no `/oauth2/token`, so the client-credentials grant runs against a
//! loopback server inside the test that asserts the Basic header and the form body.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::http::{Reply, Server};
use crate::support::moto::{Moto, PASSWORD, Pool, TEMP_PASSWORD};
use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The clock (moto stamps tokens with it, so `--now` starts from it).
fn clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A port nothing listens on.
fn dead_url() -> String {
    format!(
        "http://127.0.0.1:{}",
        crate::support::jwks_server::closed_port()
    )
}

/// `tokdiag` with a clean environment for login (no TOKDIAG_*/AWS_* leaking in from the shell),
/// run in `dir` so no implicit ./.bedrock_agentcore.yaml is picked up.
fn tokdiag(dir: &Path) -> Command {
    let mut c = crate::support::tokens::hermetic(dir);
    c.arg("--color").arg("never");
    c
}

/// `tokdiag login` for `user` of `pool` with the cache in `cache` at time `now`.
fn login(pool: &Pool, cache: &Path, user: &str, now: i64) -> Command {
    let mut c = tokdiag(cache);
    c.args(["login", "--endpoint-url", &pool.url])
        .args(["--user-pool-id", &pool.id, "--client-id", &pool.client_id])
        .args(["--username", user, "--cache-dir"])
        .arg(cache)
        .args(["--now", &now.to_string()]);
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

fn run(c: &mut Command) -> Out {
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).to_string(),
        stderr: String::from_utf8_lossy(&o.stderr).to_string(),
    }
}

fn run_ok(c: &mut Command) -> Out {
    let o = run(c);
    assert_eq!(o.code, 0, "stderr:\n{}\nstdout:\n{}", o.stderr, o.stdout);
    o
}

fn with_password(c: &mut Command, stdin: &str) -> Out {
    c.arg("--password-stdin").write_stdin(stdin.to_string());
    run(c)
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.trim().split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn entry_files(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(cache.join("tokens"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.file_name().is_some_and(|n| n != "last.json"));
    v
}

fn who(pool: &Pool, user: &str) -> String {
    format!(
        "{user} (user pool {}, app client {})",
        pool.id, pool.client_id
    )
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn public_client_prints_the_access_token_and_explains_why() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", now),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 1, "one token on stdout");
    let c = claims(&o.stdout);
    assert_eq!(c["token_use"], "access");
    assert_eq!(c["username"], "alice");
    assert_eq!(c["client_id"], pool.client_id.as_str());
    let exp = c["exp"].as_i64().unwrap();
    let files = entry_files(cache.path());
    assert_eq!(files.len(), 1);
    let lines = o.lines();
    assert_eq!(
        lines,
        vec![
            format!(
                "tokdiag: signed in as {} at {}",
                who(&pool, "alice"),
                pool.url
            )
            .as_str(),
            "tokdiag: printed the access token: no authorizer config (--config picks the token it needs; --print id for the ID token)",
            format!(
                "tokdiag: expires {} (in {} min); cached in {}",
                tokdiag::timefmt::rfc3339(exp),
                (exp - now) / 60,
                files[0].display()
            )
            .as_str(),
        ]
    );
    // the file is the sha256 of pool|client|user
    assert_eq!(
        files[0].file_name().unwrap().to_string_lossy(),
        format!(
            "{}.json",
            tokdiag::cognito::cache::key(&pool.id, &pool.client_id, "alice")
        )
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn quiet_login_prints_the_token_and_nothing_on_stderr() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    // Sign in, then the cached login: neither says a word with --quiet.
    for _ in 0..2 {
        let o = with_password(
            login(&pool, cache.path(), "alice", now).arg("--quiet"),
            &format!("{PASSWORD}\n"),
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(o.stdout.lines().count(), 1, "one token on stdout");
        assert_eq!(o.stderr, "");
    }
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn print_id_json_and_env() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        login(&pool, cache.path(), "alice", now).args(["--print", "id"]),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let id = o.stdout.trim().to_string();
    assert_eq!(claims(&id)["token_use"], "id");
    assert_eq!(claims(&id)["aud"], pool.client_id.as_str());
    assert_eq!(
        o.lines()[1],
        "tokdiag: printed the ID token: as asked (--print/--json)"
    );

    // --json on login means --print json (from the cache: same login)
    let o = run_ok(login(&pool, cache.path(), "alice", now).arg("--json"));
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "id_token",
            "refresh_token",
            "token_type",
            "expires_in",
            "expires_at",
            "printed",
            "source",
            "username",
            "user_pool_id",
            "client_id"
        ]
    );
    assert_eq!(doc["id_token"], id.as_str());
    assert_eq!(doc["printed"], "access");
    assert_eq!(doc["source"], "cache");
    assert_eq!(doc["token_type"], "Bearer");
    assert!(doc["refresh_token"].as_str().is_some_and(|r| !r.is_empty()));
    let access = doc["access_token"].as_str().unwrap().to_string();

    let o = run_ok(login(&pool, cache.path(), "alice", now).args(["--print", "env"]));
    let exp = claims(&access)["exp"].as_i64().unwrap();
    assert_eq!(
        o.stdout,
        format!(
            "TOKDIAG_TOKEN='{access}'\nTOKDIAG_ACCESS_TOKEN='{access}'\nTOKDIAG_ID_TOKEN='{id}'\nTOKDIAG_TOKEN_EXPIRES_AT='{exp}'\n"
        )
    );
    assert!(!o.stdout.contains(doc["refresh_token"].as_str().unwrap()));

    let o = run_ok(login(&pool, cache.path(), "alice", now).args(["--print", "refresh"]));
    assert_eq!(o.stdout.trim(), doc["refresh_token"].as_str().unwrap());
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn secret_client_signs_in_and_refreshes_with_a_verified_secret_hash() {
    let moto = Moto::from_env();
    let pool = moto.pool(true);
    let secret = pool.secret.clone().expect("client secret");
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        login(&pool, cache.path(), "alice", now).env("TOKDIAG_CLIENT_SECRET", &secret),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.trim().to_string();
    assert!(!o.stderr.contains(&secret) && !o.stderr.contains(PASSWORD));
    let file = std::fs::read_to_string(&entry_files(cache.path())[0]).unwrap();
    assert!(!file.contains(&secret) && !file.contains(PASSWORD));

    // 56 minutes later: 4 minutes left, so REFRESH_TOKEN_AUTH, whose SECRET_HASH moto checks.
    let later = now + 56 * 60;
    let o = run_ok(
        login(&pool, cache.path(), "alice", later)
            .env("TOKDIAG_CLIENT_SECRET", &secret)
            .arg("-v"),
    );
    assert_ne!(o.stdout.trim(), first);
    assert_eq!(claims(&o.stdout)["username"], "alice");
    assert!(
        o.stderr
            .contains("→ InitiateAuth REFRESH_TOKEN_AUTH client "),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("(parameters REFRESH_TOKEN, SECRET_HASH; values not shown)")
    );
    assert!(o.stderr.contains(&format!(
        "tokdiag: {}: refreshed with REFRESH_TOKEN_AUTH at {}",
        who(&pool, "alice"),
        pool.url
    )));
    assert!(!o.stderr.contains(&secret));

    // Without the secret, the refresh cannot be made: say which setting is missing.
    let o = run(&mut login(&pool, cache.path(), "alice", later + 3600));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(
        o.lines(),
        vec![
            format!(
                "tokdiag: error: the cached login of {} needs a refresh, and app client {} has a secret",
                who(&pool, "alice"),
                pool.client_id
            )
            .as_str(),
            "  hint: set TOKDIAG_CLIENT_SECRET or pipe it with --client-secret-stdin",
        ]
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn wrong_client_secret_is_named_when_cognito_checks_it() {
    let moto = Moto::from_env();
    let pool = moto.pool(true);
    moto.user(&pool, "alice");
    moto.sms_mfa(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    // moto checks SECRET_HASH on the SMS_MFA answer (not on USER_PASSWORD_AUTH itself).
    let o = with_password(
        login(&pool, cache.path(), "alice", clock())
            .env("TOKDIAG_CLIENT_SECRET", "not-the-secret")
            .args(["--mfa-code", "123456"]),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let l = o.lines();
    assert!(
        l[0].starts_with(&format!(
            "tokdiag: error: the SECRET_HASH does not match: the client secret is not the one of app client {} (or the client has no secret) (Cognito RespondToAuthChallenge: NotAuthorizedException: ",
            pool.client_id
        )),
        "{}",
        o.stderr
    );
    assert_eq!(
        l[1],
        format!(
            "  hint: set TOKDIAG_CLIENT_SECRET to the secret of app client {c}: aws cognito-idp describe-user-pool-client --user-pool-id {p} --client-id {c} --query UserPoolClient.ClientSecret",
            c = pool.client_id,
            p = pool.id
        )
    );
    assert!(!o.stderr.contains("not-the-secret"));
    assert!(entry_files(cache.path()).is_empty());
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn wrong_password_is_refused_with_the_service_message() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", clock()),
        "Wr0ng-password!\n",
    );
    assert_eq!(o.code, 1);
    assert_eq!(
        o.lines(),
        vec![
            "tokdiag: error: wrong password for alice (or no such user: pools that prevent user-existence errors answer the same) (Cognito InitiateAuth: NotAuthorizedException: Incorrect username or password.)",
            format!(
                "  hint: check the password (TOKDIAG_PASSWORD, --password-stdin or the prompt) and --username; an admin can set one: aws cognito-idp admin-set-user-password --user-pool-id {} --username alice --password … --permanent",
                pool.id
            )
            .as_str(),
        ]
    );
    assert!(o.stdout.is_empty());
    assert!(!o.stderr.contains("Wr0ng"));
    assert!(entry_files(cache.path()).is_empty());
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn unknown_user_unconfirmed_user_and_disabled_user() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.unconfirmed_user(&pool, "una");
    moto.user(&pool, "dave");
    moto.disable(&pool, "dave");
    let cache = tempfile::tempdir().unwrap();
    let pw = format!("{PASSWORD}\n");

    let o = with_password(&mut login(&pool, cache.path(), "bob", clock()), &pw);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: error: there is no user bob in the pool of app client {} (Cognito InitiateAuth: UserNotFoundException: User does not exist.)",
            pool.client_id
        )
    );

    let o = with_password(&mut login(&pool, cache.path(), "una", clock()), &pw);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.lines(),
        vec![
            "tokdiag: error: user una signed up but is not confirmed (Cognito InitiateAuth: UserNotConfirmedException: User is not confirmed.)",
            format!(
                "  hint: confirm the user with the code Cognito sent (aws cognito-idp confirm-sign-up --client-id {} --username una --confirmation-code …), or as an admin: aws cognito-idp admin-confirm-sign-up --user-pool-id {} --username una",
                pool.client_id, pool.id
            )
            .as_str(),
        ]
    );

    let o = with_password(&mut login(&pool, cache.path(), "dave", clock()), &pw);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.lines(),
        vec![
            "tokdiag: error: user dave is disabled (Cognito InitiateAuth: NotAuthorizedException: User is disabled.)",
            format!(
                "  hint: enable the user: aws cognito-idp admin-enable-user --user-pool-id {} --username dave",
                pool.id
            )
            .as_str(),
        ]
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn unknown_client_id_is_named() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let bad = Pool {
        client_id: "7nosuchclient0000000000000".to_string(),
        ..pool.clone()
    };
    let o = with_password(
        &mut login(&bad, cache.path(), "alice", clock()),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 1);
    assert_eq!(
        o.lines(),
        vec![
            "tokdiag: error: there is no app client 7nosuchclient0000000000000 in region us-east-1 (Cognito InitiateAuth: ResourceNotFoundException: 7nosuchclient0000000000000)",
            format!(
                "  hint: check --client-id (or the config's allowedClients) and the region: aws cognito-idp list-user-pool-clients --user-pool-id {} --region us-east-1",
                pool.id
            )
            .as_str(),
        ]
    );
}

#[test]
fn a_pool_id_given_as_client_id_is_caught_before_any_request() {
    let cache = tempfile::tempdir().unwrap();
    let o = run(tokdiag(cache.path())
        .args(["login", "--cache-dir"])
        .arg(cache.path())
        .args(["--client-id", "us-east-1_h0Vo2Whhx", "--username", "a"]));
    assert_eq!(o.code, 2);
    assert_eq!(
        o.lines()[0],
        "tokdiag: error: --client-id us-east-1_h0Vo2Whhx is a user pool id, not an app client id"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn temporary_password_goes_through_new_password_required() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.temp_user(&pool, "tim");
    let cache = tempfile::tempdir().unwrap();

    // No new password available and no terminal: a usage error naming the flag.
    let o = with_password(
        &mut login(&pool, cache.path(), "tim", clock()),
        &format!("{TEMP_PASSWORD}\n"),
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(
        o.lines(),
        vec![
            "tokdiag: error: tim has a temporary password and Cognito requires a new one (NEW_PASSWORD_REQUIRED); stdin is not a terminal to prompt on",
            "  hint: pipe the new password with --new-password-stdin (after the password line when --password-stdin is used too)",
        ]
    );

    let new_pw = "Brand-N3w-Passw0rd!";
    let o = with_password(
        login(&pool, cache.path(), "tim", clock()).arg("--new-password-stdin"),
        &format!("{TEMP_PASSWORD}\n{new_pw}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(claims(&o.stdout)["username"], "tim");
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: signed in as {} at {} after NEW_PASSWORD_REQUIRED",
            who(&pool, "tim"),
            pool.url
        )
    );
    assert!(!o.stderr.contains(new_pw) && !o.stderr.contains(TEMP_PASSWORD));

    // The new password is now the password.
    let o = with_password(
        login(&pool, cache.path(), "tim", clock()).arg("--no-cache"),
        &format!("{new_pw}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("; not cached (--no-cache)"));
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn sms_mfa_needs_a_code_and_takes_mfa_code() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "mia");
    moto.sms_mfa(&pool, "mia");
    let cache = tempfile::tempdir().unwrap();
    let pw = format!("{PASSWORD}\n");
    let o = with_password(&mut login(&pool, cache.path(), "mia", clock()), &pw);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(
        o.lines(),
        vec![
            "tokdiag: error: Cognito asks for an MFA code (SMS_MFA: the code sent by SMS) and stdin is not a terminal to prompt on",
            "  hint: pass --mfa-code CODE",
        ]
    );
    let o = with_password(
        login(&pool, cache.path(), "mia", clock()).args(["--mfa-code", "123456"]),
        &pw,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.lines()[0].ends_with(" after SMS_MFA"), "{}", o.stderr);
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn refresh_when_five_minutes_or_less_remain_keeps_the_refresh_token() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", now),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.trim().to_string();
    let file = entry_files(cache.path()).remove(0);
    let before: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();

    // 54 minutes later, 6 minutes left: still reused.
    let o = run_ok(&mut login(&pool, cache.path(), "alice", now + 54 * 60));
    assert_eq!(o.stdout.trim(), first);
    assert!(o.lines()[0].ends_with(": cached login reused, no request sent"));

    // 56 minutes later, 4 minutes left: REFRESH_TOKEN_AUTH, no password needed.
    let o = run_ok(&mut login(&pool, cache.path(), "alice", now + 56 * 60));
    let second = o.stdout.trim().to_string();
    assert_ne!(second, first);
    assert_ne!(claims(&second)["jti"], claims(&first)["jti"]);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: {}: refreshed with REFRESH_TOKEN_AUTH at {}",
            who(&pool, "alice"),
            pool.url
        )
    );
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(after["refresh_token"], before["refresh_token"]);
    assert_eq!(after["access_token"], second.as_str());
    assert_eq!(after["obtained_at"], now + 56 * 60);

    // An expired entry whose refresh token Cognito refuses: sign in again.
    let mut broken = after.clone();
    broken["refresh_token"] = Value::String("00000000-0000-0000-0000-000000000000".into());
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", now + 2 * 3600),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.lines()[0],
        "tokdiag: Cognito refused the cached refresh token (NotAuthorizedException: Refresh Token has been revoked); signing in again"
    );
    assert!(o.lines()[1].starts_with("tokdiag: signed in as alice"));
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn a_fresh_cache_answers_without_any_request() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", now),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let first = o.stdout.trim().to_string();

    // Same login, Cognito endpoint pointing at a dead port, no password: served from the cache.
    let dead = Pool {
        url: dead_url(),
        ..pool.clone()
    };
    let started = std::time::Instant::now();
    let o = run_ok(&mut login(&dead, cache.path(), "alice", now + 60));
    let took = started.elapsed();
    assert_eq!(o.stdout.trim(), first);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: {}: cached login reused, no request sent",
            who(&pool, "alice")
        )
    );
    assert!(took.as_secs() < 5, "cache hit took {took:?}");

    // Without --username: the user who signed in last with this client.
    let o = run_ok(
        tokdiag(cache.path())
            .args([
                "login",
                "--user-pool-id",
                &pool.id,
                "--client-id",
                &pool.client_id,
            ])
            .arg("--cache-dir")
            .arg(cache.path())
            .args([
                "--endpoint-url",
                &dead.url,
                "--now",
                &(now + 60).to_string(),
            ]),
    );
    assert_eq!(o.stdout.trim(), first);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: user alice (the last one signed in with app client {}; --username to pick another)",
            pool.client_id
        )
    );

    // Without pool and client: continue the last login.
    let o = run_ok(
        tokdiag(cache.path())
            .args(["login", "--cache-dir"])
            .arg(cache.path())
            .args([
                "--endpoint-url",
                &dead.url,
                "--now",
                &(now + 60).to_string(),
            ]),
    );
    assert_eq!(o.stdout.trim(), first);

    // And the dead endpoint really is dead: a real sign-in there fails as unreachable (exit 3).
    let o = with_password(
        login(&dead, cache.path(), "alice", now).arg("--no-cache"),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(o.lines()[0].starts_with(&format!(
        "tokdiag: error: cannot reach Cognito at {} (InitiateAuth): ",
        dead.url
    )));
}

#[cfg(unix)]
#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn cache_files_are_private_and_logout_removes_them() {
    use std::os::unix::fs::PermissionsExt;
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", now),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let file = entry_files(cache.path()).remove(0);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&cache.path().join("tokens/last.json")), 0o600);
    assert_eq!(mode(&cache.path().join("tokens")), 0o700);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(PASSWORD));
    let e: Value = serde_json::from_str(&text).unwrap();
    for k in [
        "user_pool_id",
        "client_id",
        "username",
        "region",
        "endpoint",
        "obtained_at",
        "expires_at",
        "access_token",
        "id_token",
        "refresh_token",
    ] {
        assert!(e.get(k).is_some(), "cache entry lacks {k}: {text}");
    }
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["endpoint"], pool.url.as_str());

    let o = run_ok(login(&pool, cache.path(), "alice", now).arg("--logout"));
    assert_eq!(
        o.lines(),
        vec![
            format!(
                "tokdiag: logged out {}: removed {}",
                who(&pool, "alice"),
                file.display()
            )
            .as_str()
        ]
    );
    assert!(o.stdout.is_empty());
    assert!(!file.exists());
    let o = run_ok(login(&pool, cache.path(), "alice", now).arg("--logout"));
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: nothing to log out: no login cached for alice (app client {})",
            pool.client_id
        )
    );
    // decode with no token now has nothing to fall back to
    let o = run(tokdiag(cache.path())
        .arg("decode")
        .arg("--cache-dir")
        .arg(cache.path()));
    assert_eq!(o.code, 2);
    assert_eq!(o.lines()[0], "tokdiag: error: no token given");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn works_without_any_aws_configuration() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let home = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("tokdiag");
    // An empty environment: no ~/.aws, no AWS_* credentials or region; the endpoint from
    // AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER (read by aws-config), the region from the pool id.
    let mut c = std::process::Command::new(bin);
    c.env_clear()
        .env("HOME", home.path())
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", &pool.url)
        .env("TOKDIAG_PASSWORD", PASSWORD)
        .current_dir(home.path())
        .args([
            "login",
            "--user-pool-id",
            &pool.id,
            "--client-id",
            &pool.client_id,
        ])
        .args(["--username", "alice", "--cache-dir"])
        .arg(cache.path())
        .stdin(std::process::Stdio::null());
    let o = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(
        claims(&String::from_utf8_lossy(&o.stdout))["username"],
        "alice"
    );
    assert!(stderr.starts_with(&format!(
        "tokdiag: signed in as {} at {}\n",
        who(&pool, "alice"),
        pool.url
    )));
    assert!(!stderr.contains(PASSWORD));
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "nothing written to HOME"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn verify_and_decode_use_the_login() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        &mut login(&pool, cache.path(), "alice", now),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let token = o.stdout.trim().to_string();

    // verify against the emulator's own discovery document and JWKS
    let o = run(tokdiag(cache.path())
        .args([
            "verify",
            "--discovery-url",
            &pool.discovery_url(),
            "--cache-dir",
        ])
        .arg(cache.path())
        .args(["--now", &now.to_string(), &token]));
    assert_eq!(o.code, 0, "verify: {}\n{}", o.stdout, o.stderr);

    // decode with no token: the cached access token, said on stderr
    let exp = claims(&token)["exp"].as_i64().unwrap();
    let o = run_ok(
        tokdiag(cache.path())
            .args(["decode", "--json", "--cache-dir"])
            .arg(cache.path())
            .args(["--now", &now.to_string()]),
    );
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["claims"]["username"], "alice");
    assert_eq!(doc["claims"]["token_use"], "access");
    assert_eq!(
        o.lines(),
        vec![format!(
            "tokdiag: using the access token cached by tokdiag login for {}, expires {} (in {} min)",
            who(&pool, "alice"),
            tokdiag::timefmt::rfc3339(exp),
            (exp - now) / 60
        )
        .as_str()]
    );

    // --use id takes the cached ID token
    let o = run_ok(
        tokdiag(cache.path())
            .args(["decode", "--json", "--use", "id", "--cache-dir"])
            .arg(cache.path())
            .args(["--now", &now.to_string()]),
    );
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["claims"]["token_use"], "id");

    // An expired cached token is still used (the checks say it expired), with a warning.
    let later = exp + 180;
    let o = run_ok(
        tokdiag(cache.path())
            .args(["decode", "--json", "--cache-dir"])
            .arg(cache.path())
            .args(["--now", &later.to_string()]),
    );
    assert_eq!(
        o.lines(),
        vec![format!(
            "tokdiag: warning: the cached access token of {} expired {} (3 min ago): run tokdiag login to get a new one",
            who(&pool, "alice"),
            tokdiag::timefmt::rfc3339(exp)
        )
        .as_str()]
    );

    // TOKDIAG_USERNAME picks another user's cached login (none here).
    let o = run(tokdiag(cache.path())
        .env("TOKDIAG_USERNAME", "bob")
        .args(["decode", "--cache-dir"])
        .arg(cache.path()));
    assert_eq!(o.code, 2);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: no login cached for TOKDIAG_USERNAME=bob (app client {}): run tokdiag login",
            pool.client_id
        )
    );
}

fn agentcore_yaml(dir: &Path, discovery: &str, key: &str, client: &str) -> std::path::PathBuf {
    let p = dir.join(".bedrock_agentcore.yaml");
    std::fs::write(
        &p,
        format!(
            "default_agent: mcp_server\nagents:\n  mcp_server:\n    name: mcp_server\n    entrypoint: mcp_server.py\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {discovery}\n        {key}:\n          - {client}\n"
        ),
    )
    .unwrap();
    p
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn config_gives_pool_and_client_and_explain_accepts_the_login() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let dir = tempfile::tempdir().unwrap();
    let yaml = agentcore_yaml(
        dir.path(),
        &pool.discovery_url(),
        "allowedClients",
        &pool.client_id,
    );
    let now = clock();
    let o = run(tokdiag(dir.path())
        .args(["login", "--username", "alice", "--config"])
        .arg(&yaml)
        .args(["--endpoint-url", &pool.url, "--cache-dir"])
        .arg(dir.path())
        .args(["--now", &now.to_string()])
        .env("TOKDIAG_PASSWORD", PASSWORD));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let access = o.stdout.trim().to_string();
    assert_eq!(claims(&access)["token_use"], "access");
    assert_eq!(
        o.lines()[1],
        "tokdiag: printed the access token: allowedClients is matched against the client_id claim, which only access tokens carry"
    );

    // explain with no token: the cached login of this config → accepted
    let o = run(tokdiag(dir.path())
        .args(["explain", "--config"])
        .arg(&yaml)
        .arg("--cache-dir")
        .arg(dir.path())
        .args(["--now", &now.to_string(), "--json"]));
    assert_eq!(o.code, 0, "explain: {}\n{}", o.stdout, o.stderr);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["verdict"], "accepted", "{}", o.stdout);

    // --print id into the same explain: rejected, id-token-for-allowed-clients
    let o = run(tokdiag(dir.path())
        .args(["login", "--username", "alice", "--print", "id", "--config"])
        .arg(&yaml)
        .args(["--endpoint-url", &pool.url, "--cache-dir"])
        .arg(dir.path())
        .args(["--now", &now.to_string()]));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("tokdiag: warning: the authorizer's allowedClients will refuse this ID token: it has no client_id claim (id-token-for-allowed-clients); send the access token"));
    let id = o.stdout.trim().to_string();
    let o = run(tokdiag(dir.path())
        .args(["explain", "--config"])
        .arg(&yaml)
        .arg("--cache-dir")
        .arg(dir.path())
        .args(["--now", &now.to_string(), "--json", &id]));
    assert_eq!(o.code, 1, "explain: {}\n{}", o.stdout, o.stderr);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["verdict"], "rejected");
    let codes: Vec<&str> = doc["diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"id-token-for-allowed-clients"), "{codes:?}");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn allowed_audience_config_gets_the_id_token() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let dir = tempfile::tempdir().unwrap();
    let yaml = agentcore_yaml(
        dir.path(),
        &pool.discovery_url(),
        "allowedAudience",
        &pool.client_id,
    );
    let o = run(tokdiag(dir.path())
        .args(["login", "--username", "alice", "--config"])
        .arg(&yaml)
        .args(["--endpoint-url", &pool.url, "--cache-dir"])
        .arg(dir.path())
        .args(["--now", &clock().to_string()])
        .env("TOKDIAG_PASSWORD", PASSWORD));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(claims(&o.stdout)["token_use"], "id");
    assert_eq!(
        o.lines()[1],
        "tokdiag: printed the ID token: allowedAudience is matched against the aud claim, which only Cognito ID tokens carry"
    );
}

// ---- client credentials: a loopback token endpoint (moto has no /oauth2/token) ----------------

/// One recorded request.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback HTTP server answering every request from `answer(target, base) -> (status, body)`.
struct TokenServer {
    url: String,
    server: Server,
}

impl TokenServer {
    fn start(answer: fn(&str, &str) -> (u16, String)) -> TokenServer {
        let base: Arc<OnceLock<String>> = Arc::default();
        let b = base.clone();
        let server = Server::start(move |req| {
            let (status, text) = answer(&req.target, b.get().map(String::as_str).unwrap_or(""));
            Reply::json(status, text)
        });
        let _ = base.set(server.base.clone());
        TokenServer {
            url: server.base.clone(),
            server,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.server
            .received()
            .into_iter()
            .map(|r| Seen {
                request_line: format!("{} {} HTTP/1.1", r.method, r.target),
                headers: r.headers,
                body: r.body,
            })
            .collect()
    }
}

fn cc_token() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/tokens/cognito-client-credentials.jwt"),
    )
    .unwrap()
    .trim()
    .to_string()
}

fn good_answer(path: &str, base: &str) -> (u16, String) {
    if path.ends_with("/.well-known/openid-configuration") {
        return (
            200,
            format!(
                r#"{{"issuer":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx","token_endpoint":"{base}/oauth2/token"}}"#
            ),
        );
    }
    (
        200,
        format!(
            r#"{{"access_token":"{}","expires_in":3600,"token_type":"Bearer"}}"#,
            cc_token()
        ),
    )
}

fn cc_login(dir: &Path, extra: &[&str]) -> Command {
    let mut c = tokdiag(dir);
    c.args([
        "login",
        "--flow",
        "client-credentials",
        "--client-id",
        "3ipsf00btbffko91d8irdu8up1",
    ])
    .args(["--scope", "agentcore/invoke", "--cache-dir"])
    .arg(dir)
    .args(["--now", "1780272000"])
    .args(extra)
    .env("TOKDIAG_CLIENT_SECRET", "s3cr3t-value");
    c
}

#[test]
fn login_json_carries_the_both_project_files_note() {
    // Before: only on stderr; `login --json` on stdout did not say which config was used.
    let server = TokenServer::start(good_answer);
    let project = crate::explain_cli::both_project_files();
    let endpoint = format!("{}/oauth2/token", server.url);
    let mut c = cc_login(
        project.path(),
        &["--json", "--token-endpoint", &endpoint, "--no-cache"],
    );
    c.current_dir(project.path());
    let o = run(&mut c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        v["warnings"],
        serde_json::json!([crate::explain_cli::BOTH_FILES_NOTE])
    );
    assert_eq!(v["access_token"], cc_token());
}

#[test]
fn client_credentials_posts_basic_auth_and_the_form_then_caches() {
    let server = TokenServer::start(good_answer);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.url);
    let o = run_ok(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    assert_eq!(o.stdout.trim(), cc_token());
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request_line, "POST /oauth2/token HTTP/1.1");
    let basic =
        base64::engine::general_purpose::STANDARD.encode("3ipsf00btbffko91d8irdu8up1:s3cr3t-value");
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        seen[0].body,
        "grant_type=client_credentials&scope=agentcore%2Finvoke"
    );
    assert_eq!(
        o.lines()[0..2],
        [
            format!(
                "tokdiag: client credentials for app client 3ipsf00btbffko91d8irdu8up1 (scope agentcore/invoke) from {endpoint}"
            )
            .as_str(),
            "tokdiag: printed the access token: client credentials give only an access token",
        ]
    );
    assert!(!o.stderr.contains("s3cr3t-value"));

    // Second run: from the cache, no request.
    let o = run_ok(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    assert_eq!(o.stdout.trim(), cc_token());
    assert_eq!(server.seen().len(), 1);
    assert_eq!(
        o.lines()[0],
        "tokdiag: client credentials (app client 3ipsf00btbffko91d8irdu8up1): cached login reused, no request sent"
    );
}

#[test]
fn client_credentials_reads_the_token_endpoint_from_the_discovery_document() {
    let server = TokenServer::start(good_answer);
    let dir = tempfile::tempdir().unwrap();
    let discovery = format!(
        "{}/us-east-1_h0Vo2Whhx/.well-known/openid-configuration",
        server.url
    );
    let yaml = agentcore_yaml(
        dir.path(),
        &discovery,
        "allowedClients",
        "3ipsf00btbffko91d8irdu8up1",
    );
    let o = run_ok(
        tokdiag(dir.path())
            .args([
                "login",
                "--flow",
                "client-credentials",
                "--scope",
                "agentcore/invoke",
                "--config",
            ])
            .arg(&yaml)
            .arg("--cache-dir")
            .arg(dir.path())
            .args(["--now", "1780272000", "--print", "json"])
            .env("TOKDIAG_CLIENT_SECRET", "s3cr3t-value"),
    );
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(doc["access_token"], cc_token().as_str());
    assert_eq!(doc["id_token"], Value::Null);
    assert_eq!(doc["refresh_token"], Value::Null);
    assert_eq!(doc["source"], "client-credentials");
    assert_eq!(doc["user_pool_id"], "us-east-1_h0Vo2Whhx");
    let seen = server.seen();
    assert_eq!(
        seen.iter()
            .map(|s| s.request_line.as_str())
            .collect::<Vec<_>>(),
        [
            "GET /us-east-1_h0Vo2Whhx/.well-known/openid-configuration HTTP/1.1",
            "POST /oauth2/token HTTP/1.1"
        ]
    );
}

#[test]
fn client_credentials_errors_are_explained() {
    fn invalid_scope(_: &str, _: &str) -> (u16, String) {
        (400, r#"{"error":"invalid_scope"}"#.to_string())
    }
    fn invalid_client(_: &str, _: &str) -> (u16, String) {
        (400, r#"{"error":"invalid_client"}"#.to_string())
    }
    fn broken(_: &str, _: &str) -> (u16, String) {
        (502, "bad gateway".to_string())
    }
    let dir = tempfile::tempdir().unwrap();
    let s = TokenServer::start(invalid_scope);
    let o = run(&mut cc_login(
        dir.path(),
        &["--token-endpoint", &format!("{}/oauth2/token", s.url)],
    ));
    assert_eq!(o.code, 1);
    assert_eq!(
        o.lines()[0],
        r#"tokdiag: error: app client 3ipsf00btbffko91d8irdu8up1 may not ask for the scope agentcore/invoke (HTTP 400 {"error":"invalid_scope"})"#
    );
    let s = TokenServer::start(invalid_client);
    let o = run(&mut cc_login(
        dir.path(),
        &["--token-endpoint", &format!("{}/oauth2/token", s.url)],
    ));
    assert_eq!(o.code, 1);
    assert!(o.lines()[1].starts_with("  hint: check --client-id and TOKDIAG_CLIENT_SECRET"));
    assert!(!o.stderr.contains("s3cr3t-value"));
    let s = TokenServer::start(broken);
    let o = run(&mut cc_login(
        dir.path(),
        &["--token-endpoint", &format!("{}/oauth2/token", s.url)],
    ));
    assert_eq!(o.code, 3);
    // no secret: a usage error before any request
    let o = run(cc_login(
        dir.path(),
        &["--token-endpoint", &format!("{}/oauth2/token", s.url)],
    )
    .env_remove("TOKDIAG_CLIENT_SECRET"));
    assert_eq!(o.code, 2);
    assert_eq!(
        o.lines()[0],
        "tokdiag: error: the client-credentials grant needs the secret of app client 3ipsf00btbffko91d8irdu8up1"
    );
    // plain http to a non-loopback host is refused (the secret would travel in clear)
    let o = run(&mut cc_login(
        dir.path(),
        &["--token-endpoint", "http://auth.example.com/oauth2/token"],
    ));
    assert_eq!(o.code, 2);
    // --domain: a prefix becomes https://PREFIX.auth.REGION.amazoncognito.com/oauth2/token (unit
    // tested); a URL is used as the domain itself. A dead loopback port keeps this test offline.
    let dead = dead_url();
    let o = run(&mut cc_login(
        dir.path(),
        &["--domain", &dead, "--no-cache", "-v"],
    ));
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: → POST {dead}/oauth2/token (Authorization: Basic <redacted>; Content-Type: application/x-www-form-urlencoded; grant_type=client_credentials&scope=agentcore%2Finvoke)"
        )
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn stdin_carries_password_then_client_secret_one_per_line() {
    let moto = Moto::from_env();
    let pool = moto.pool(true);
    let secret = pool.secret.clone().expect("client secret");
    moto.user(&pool, "alice");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = with_password(
        login(&pool, cache.path(), "alice", now).arg("--client-secret-stdin"),
        &format!("{PASSWORD}\n{secret}\n"),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    // the refresh proves the secret was read (moto checks SECRET_HASH on REFRESH_TOKEN_AUTH)
    let mut c = login(&pool, cache.path(), "alice", now + 57 * 60);
    c.arg("--client-secret-stdin")
        .write_stdin(format!("{secret}\n"));
    let o = run_ok(&mut c);
    assert!(o.lines()[0].ends_with(&format!(
        ": refreshed with REFRESH_TOKEN_AUTH at {}",
        pool.url
    )));
    // a missing line is a usage error naming what is missing
    let o = with_password(
        login(&pool, cache.path(), "alice", now).args(["--client-secret-stdin", "--no-cache"]),
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(o.code, 2);
    assert_eq!(
        o.lines()[0],
        "tokdiag: error: stdin holds no client secret (expected one line each: password, client secret)"
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn api_gateway_audience_gets_the_access_token() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("authorizer.json");
    std::fs::write(
        &cfg,
        serde_json::json!({"AuthorizerType": "JWT", "Name": "cognito",
            "JwtConfiguration": {"Audience": [pool.client_id], "Issuer": pool.issuer()}})
        .to_string(),
    )
    .unwrap();
    let o = run(tokdiag(dir.path())
        .args(["login", "--username", "alice", "--config"])
        .arg(&cfg)
        .args(["--endpoint-url", &pool.url, "--cache-dir"])
        .arg(dir.path())
        .args(["--now", &clock().to_string()])
        .env("TOKDIAG_PASSWORD", PASSWORD));
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(claims(&o.stdout)["token_use"], "access");
    assert_eq!(
        o.lines()[1],
        "tokdiag: printed the access token: API Gateway matches its audience against aud, or against client_id when the token has no aud, so the access token passes"
    );
}

// ---- issue 12 item 1: `--print env` is safe to eval -------------------------------------------

/// An access token that runs a command when a shell evaluates it unquoted.
const HOSTILE: &str = r#"x; touch "$TOKDIAG_PWNED""#;

fn hostile_cc_answer(_: &str, _: &str) -> (u16, String) {
    (
        200,
        serde_json::json!({"access_token": HOSTILE, "expires_in": 3600, "token_type": "Bearer"})
            .to_string(),
    )
}

/// InitiateAuth as a fake Cognito endpoint answers it: hostile access and ID tokens.
fn hostile_initiate_auth(_: &str, _: &str) -> (u16, String) {
    (
        200,
        serde_json::json!({"AuthenticationResult": {
            "AccessToken": HOSTILE, "IdToken": HOSTILE, "RefreshToken": "r",
            "ExpiresIn": 3600, "TokenType": "Bearer"}})
        .to_string(),
    )
}

/// Runs `sh -c 'eval "$(tokdiag ARGS…)"'` with `TOKDIAG_PWNED` naming a file in `dir`; returns
/// whether that file exists afterwards (it must not), and the shell's stderr.
fn eval_in_sh(dir: &Path, args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (bool, String) {
    let pwned = dir.join("pwned");
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg(r#"eval "$("$0" "$@")""#)
        .arg(assert_cmd::cargo::cargo_bin("tokdiag"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TOKDIAG_PWNED", &pwned)
        .env_remove("TOKDIAG_CACHE_DIR")
        .env_remove("TOKDIAG_PASSWORD")
        .env_remove("TOKDIAG_USERNAME");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (
        pwned.exists(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn print_env_refuses_a_token_endpoint_answer_that_is_not_a_jwt() {
    let server = TokenServer::start(hostile_cc_answer);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.url);
    let args: Vec<std::ffi::OsString> = [
        "--color",
        "never",
        "login",
        "--flow",
        "client-credentials",
        "--client-id",
        "3ipsf00btbffko91d8irdu8up1",
        "--scope",
        "agentcore/invoke",
        "--now",
        "1780272000",
        "--print",
        "env",
        "--token-endpoint",
        &endpoint,
        "--cache-dir",
    ]
    .iter()
    .map(Into::into)
    .chain([dir.path().as_os_str().to_owned()])
    .collect();
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let (pwned, stderr) = eval_in_sh(
        dir.path(),
        &args,
        &[("TOKDIAG_CLIENT_SECRET", "s3cr3t-value")],
    );
    assert!(!pwned, "eval ran the token's command: {stderr}");
    let o = run(&mut cc_login(
        dir.path(),
        &["--token-endpoint", &endpoint, "--print", "env"],
    ));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: error: the token endpoint {endpoint} answered with an access token that is not a JWT: it has 1 '.'-separated segment, not 3"
        )
    );
    assert!(o.lines()[1].starts_with("  hint: nothing was printed or cached"));
    // Nothing cached: no entry file.
    assert!(!dir.path().join("tokens").exists());
}

#[test]
fn print_env_refuses_an_initiate_auth_answer_that_is_not_a_jwt() {
    let server = TokenServer::start(hostile_initiate_auth);
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<std::ffi::OsString> = [
        "login",
        "--endpoint-url",
        &server.url,
        "--user-pool-id",
        "us-east-1_h0Vo2Whhx",
        "--client-id",
        "3ipsf00btbffko91d8irdu8up1",
        "--username",
        "alice",
        "--print",
        "env",
        "--cache-dir",
    ]
    .iter()
    .map(Into::into)
    .chain([dir.path().as_os_str().to_owned()])
    .collect();
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let (pwned, stderr) = eval_in_sh(dir.path(), &args, &[("TOKDIAG_PASSWORD", "pw")]);
    assert!(!pwned, "eval ran the token's command: {stderr}");
    let o = run(tokdiag(dir.path())
        .args(&args)
        .env("TOKDIAG_PASSWORD", "pw"));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: error: Cognito at {} answered with an access token that is not a JWT: it has 1 '.'-separated segment, not 3",
            server.url
        )
    );
    assert!(!dir.path().join("tokens").exists());
}

#[test]
fn print_env_never_prints_a_tampered_cache_entry() {
    let server = TokenServer::start(good_answer);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.url);
    let user = "client-credentials:agentcore/invoke";
    let path = dir.path().join("tokens").join(format!(
        "{}.json",
        tokdiag::cognito::cache::key("", "3ipsf00btbffko91d8irdu8up1", user)
    ));
    let plant = || {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let entry = serde_json::json!({
            "version": 1, "flow": "client-credentials", "user_pool_id": "",
            "client_id": "3ipsf00btbffko91d8irdu8up1", "username": user,
            "secret_used": true, "obtained_at": 1780272000, "expires_at": 4102444800i64,
            "token_type": "Bearer", "access_token": HOSTILE,
        });
        std::fs::write(&path, entry.to_string()).unwrap();
    };
    plant();
    let args: Vec<std::ffi::OsString> = [
        "--color",
        "never",
        "login",
        "--flow",
        "client-credentials",
        "--client-id",
        "3ipsf00btbffko91d8irdu8up1",
        "--scope",
        "agentcore/invoke",
        "--now",
        "1780272000",
        "--print",
        "env",
        "--token-endpoint",
        &endpoint,
        "--cache-dir",
    ]
    .iter()
    .map(Into::into)
    .chain([dir.path().as_os_str().to_owned()])
    .collect();
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let (pwned, stderr) = eval_in_sh(
        dir.path(),
        &args,
        &[("TOKDIAG_CLIENT_SECRET", "s3cr3t-value")],
    );
    assert!(!pwned, "eval ran the cached token's command: {stderr}");
    // Refused like the same token from the network (issue 12 item 1): exit 1, one line and its
    // hint, nothing on stdout, no request sent.
    let o = run(&mut cc_login(
        dir.path(),
        &["--token-endpoint", &endpoint, "--print", "env"],
    ));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout, "");
    assert_eq!(
        o.stderr,
        format!(
            "tokdiag: error: the cached login in {0} holds an access token that is not a JWT: it has 1 '.'-separated segment, not 3\n  hint: nothing was printed or sent; tokdiag did not write that file: remove it (rm {0}) and run tokdiag login again\n",
            path.display()
        )
    );
    assert_eq!(server.seen().len(), 0);
    // Once removed, login fetches afresh and prints the token quoted.
    std::fs::remove_file(&path).unwrap();
    let o = run_ok(&mut cc_login(
        dir.path(),
        &["--token-endpoint", &endpoint, "--print", "env"],
    ));
    assert_eq!(server.seen().len(), 1);
    assert!(
        o.stdout
            .starts_with(&format!("TOKDIAG_TOKEN='{}'\n", cc_token())),
        "{}",
        o.stdout
    );
}

// ---- issue 12 items 3 and 12: the login cache is trusted only for what it can prove -----------

const CC_CLIENT: &str = "3ipsf00btbffko91d8irdu8up1";
const CC_USER: &str = "client-credentials:agentcore/invoke";

/// Plants a client-credentials entry holding `access_token`, whose file claims it expires in 2100.
fn plant_cc_entry(cache: &Path, access_token: &str) -> std::path::PathBuf {
    let path = cache.join("tokens").join(format!(
        "{}.json",
        tokdiag::cognito::cache::key("", CC_CLIENT, CC_USER)
    ));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let entry = serde_json::json!({
        "version": 1, "flow": "client-credentials", "user_pool_id": "",
        "client_id": CC_CLIENT, "username": CC_USER,
        "secret_used": true, "obtained_at": 1780272000 - 7200, "expires_at": 4102444800i64,
        "token_type": "Bearer", "access_token": access_token,
    });
    std::fs::write(&path, entry.to_string()).unwrap();
    let last = serde_json::json!({"latest": {"user_pool_id": "", "client_id": CC_CLIENT, "username": CC_USER, "at": 1}});
    std::fs::write(cache.join("tokens/last.json"), last.to_string()).unwrap();
    path
}

#[test]
fn the_cached_tokens_own_exp_wins_over_the_files_expires_at() {
    let server = TokenServer::start(good_answer);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.url);
    // Expired an hour before --now (1780272000), though the file says 2100.
    let mut claims = crate::support::tokens::access_claims();
    claims["exp"] = serde_json::json!(1780272000 - 3600);
    let expired = crate::support::tokens::mint(&claims);
    plant_cc_entry(dir.path(), &expired);

    // decode with no token: the cached token, said to be expired (not "expires in 73 y").
    let o = run(tokdiag(dir.path())
        .arg("decode")
        .arg("--cache-dir")
        .arg(dir.path())
        .args(["--now", "1780272000"]));
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: warning: the cached access token of client credentials (app client {CC_CLIENT}) expired 2026-05-31T23:00:00Z (60 min ago): run tokdiag login to get a new one"
        ),
        "{}",
        o.stderr
    );

    // login does not reuse it: a new token is fetched.
    let o = run_ok(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    assert_eq!(server.seen().len(), 1, "{}", o.stderr);
    assert_eq!(o.stdout.trim(), cc_token());
    assert!(!o.stderr.contains("cached login reused"), "{}", o.stderr);

    // A cached token that does not parse: a command that only reads the cache drops it with a
    // warning (item 12); login, which would print it, refuses it (item 1), sending nothing.
    let path = plant_cc_entry(dir.path(), "a.b.c");
    let o = run(tokdiag(dir.path())
        .arg("decode")
        .arg("--cache-dir")
        .arg(dir.path())
        .args(["--now", "1780272000"]));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: warning: ignoring the cached login in {}: its access token is not a JWT (the header is not valid base64url); the next tokdiag login replaces it",
            path.display()
        )
    );
    let o = run(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(
        o.lines()[0],
        format!(
            "tokdiag: error: the cached login in {} holds an access token that is not a JWT: the header is not valid base64url",
            path.display()
        )
    );
    assert_eq!(server.seen().len(), 1);
}

#[cfg(unix)]
#[test]
fn a_token_cache_others_could_write_is_neither_read_nor_written() {
    use std::os::unix::fs::PermissionsExt;
    let server = TokenServer::start(good_answer);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.url);
    run_ok(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    assert_eq!(server.seen().len(), 1);
    let tokens = dir.path().join("tokens");
    let entry = entry_files(dir.path()).pop().unwrap();
    let before = std::fs::read(&entry).unwrap();
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = run_ok(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o700)).unwrap();
    let warnings: Vec<&str> = o
        .lines()
        .into_iter()
        .filter(|l| l.contains("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "tokdiag: warning: ignoring the cache at {0}: it is writable by its group and all users (mode 0777); fix: chmod 700 {0}",
            tokens.display()
        )]
    );
    assert_eq!(server.seen().len(), 2, "fetched afresh");
    assert!(
        o.stderr
            .contains("; not cached (the cache directory is not safe: see the warning above)"),
        "{}",
        o.stderr
    );
    assert_eq!(std::fs::read(&entry).unwrap(), before, "nothing written");
}

#[cfg(target_os = "linux")]
#[test]
fn login_to_a_full_stdout_fails_and_does_not_say_it_printed_the_token() {
    let server = TokenServer::start(good_answer);
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.url);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokdiag"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("TOKDIAG_CACHE_DIR")
        .env("TOKDIAG_CLIENT_SECRET", "s3cr3t-value")
        .args([
            "login",
            "--flow",
            "client-credentials",
            "--client-id",
            CC_CLIENT,
        ])
        .args(["--scope", "agentcore/invoke", "--now", "1780272000"])
        .args(["--token-endpoint", &endpoint, "--cache-dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // One line, and no "printed the access token" summary.
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "tokdiag: error: cannot write to stdout: No space left on device (os error 28)\n"
    );
}

// ---- issue 12 item 13: Ctrl-C at the password prompt ------------------------------------------

/// The Python that runs tests/cli/support/pty_ctrl_c.py: TOKDIAG_TEST_PYTHON (scripts/test.sh's
/// venv), else python3 from PATH (the script needs only the standard library).
fn python() -> String {
    std::env::var("TOKDIAG_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

#[cfg(unix)]
#[test]
fn ctrl_c_at_the_password_prompt_gives_the_terminal_its_echo_back() {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/support/pty_ctrl_c.py");
    let out = std::process::Command::new(python())
        .arg(&script)
        .arg("Password for alice: ")
        .arg(assert_cmd::cargo::cargo_bin("tokdiag"))
        .args(["--color", "never", "login", "--endpoint-url", &dead_url()])
        .args([
            "--user-pool-id",
            "us-east-1_h0Vo2Whhx",
            "--client-id",
            CC_CLIENT,
        ])
        .args(["--username", "alice", "--cache-dir"])
        .arg(dir.path())
        .env_remove("TOKDIAG_PASSWORD")
        .env_remove("TOKDIAG_CACHE_DIR")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (set TOKDIAG_TEST_PYTHON, or run scripts/test.sh): {e}",
                python()
            )
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(r["echo_off_at_prompt"], true, "{r}");
    assert_eq!(r["echo_after"], true, "echo left off after Ctrl-C: {r}");
    assert_eq!(
        r["icanon_after"], true,
        "line mode left off after Ctrl-C: {r}"
    );
    assert_eq!(r["signal"], 2, "ended by SIGINT, as the shell expects: {r}");
}

/// A token endpoint that redirects is not followed: the client secret (Basic auth) and the form
/// would go to a URL the user never named. The 307 is the answer, reported with its status.
#[test]
fn a_redirecting_token_endpoint_is_not_followed() {
    let server = Server::start(|req| {
        if req.target == "/oauth2/token" {
            Reply::json(307, "").header("location", "/elsewhere/oauth2/token")
        } else {
            Reply::json(
                200,
                format!(r#"{{"access_token":"{}","expires_in":3600}}"#, cc_token()),
            )
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("{}/oauth2/token", server.base);
    let o = run(&mut cc_login(dir.path(), &["--token-endpoint", &endpoint]));
    assert_eq!(server.hits(), 1, "the redirect must not be followed");
    assert_eq!(server.hits_on("/elsewhere/oauth2/token"), 0);
    assert_ne!(o.code, 0);
    assert!(o.stdout.is_empty());
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stderr,
        format!(
            "tokdiag: error: the token endpoint {endpoint} answered HTTP 307, a redirect to /elsewhere/oauth2/token: tokdiag does not follow a redirect with the client secret\n  hint: give the final token endpoint URL with --token-endpoint (Cognito's is https://<domain>.auth.<region>.amazoncognito.com/oauth2/token)\n"
        )
    );
}
