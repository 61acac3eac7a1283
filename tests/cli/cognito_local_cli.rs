//! `tokdiag login` against cognito-local (npm `cognito-local`, pinned in
//! tests/servers/cognito-local/, started by scripts/test.sh): a second Cognito emulator beside
//! moto. Its pools are `local_<id>` (no region), its tokens carry no `ExpiresIn`, and it answers a
//! wrong password with InvalidPasswordException — each once a wrong word or a refusal in tokdiag.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::support::moto::{Moto, PASSWORD, Pool, TEMP_PASSWORD};
use crate::support::tokens::hermetic;
use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

fn clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `tokdiag login` at cognito-local: pool id and client id only, no --region.
fn login(pool: &Pool, cache: &Path, user: &str, now: i64) -> Command {
    let mut c = hermetic(cache);
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

fn run(c: &mut Command, stdin: Option<&str>) -> Out {
    if let Some(s) = stdin {
        c.arg("--password-stdin").write_stdin(s.to_string());
    }
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).to_string(),
        stderr: String::from_utf8_lossy(&o.stderr).to_string(),
    }
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.trim().split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn password_sign_in_with_a_local_pool_and_no_region() {
    let cl = Moto::cognito_local();
    let pool = cl.pool(false);
    assert!(pool.id.starts_with("local_"), "{}", pool.id);
    cl.user(&pool, "alice@example.com");
    let cache = tempfile::tempdir().unwrap();
    let o = run(
        login(&pool, cache.path(), "alice@example.com", clock()).args(["-v", "--no-cache"]),
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let c = claims(&o.stdout);
    assert_eq!(c["client_id"], pool.client_id.as_str());
    assert_eq!(c["token_use"], "access");
    let lines: Vec<&str> = o.stderr.lines().collect();
    // cognito-local sends no ExpiresIn: -v says so instead of "expires in 0 s".
    assert!(
        lines.contains(&"tokdiag: ← InitiateAuth: tokens (access, id, refresh, no ExpiresIn)"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("expires in 0 s"), "{}", o.stderr);
    assert!(
        lines.contains(
            &format!(
                "tokdiag: signed in as alice@example.com (user pool {}, app client {}) at {}",
                pool.id, pool.client_id, pool.url
            )
            .as_str()
        ),
        "{}",
        o.stderr
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn a_wrong_password_is_the_password_refused() {
    let cl = Moto::cognito_local();
    let pool = cl.pool(false);
    cl.user(&pool, "bob@example.com");
    let cache = tempfile::tempdir().unwrap();
    let o = run(
        login(&pool, cache.path(), "bob@example.com", clock()).arg("--no-cache"),
        Some("Wr0ng-Password!\n"),
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(
        o.stderr.lines().collect::<Vec<_>>(),
        vec![
            "tokdiag: error: the password was refused for bob@example.com (Cognito InitiateAuth: InvalidPasswordException: Invalid password)".to_string(),
            format!("  hint: check the password (TOKDIAG_PASSWORD, --password-stdin or the prompt) and --username; an admin can set one: aws cognito-idp admin-set-user-password --user-pool-id {} --username bob@example.com --password … --permanent", pool.id),
        ]
    );
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn secret_client_and_refresh() {
    let cl = Moto::cognito_local();
    let pool = cl.pool(true);
    let secret = pool.secret.clone().expect("a client secret");
    cl.user(&pool, "carol@example.com");
    let cache = tempfile::tempdir().unwrap();
    let now = clock();
    let o = run(
        login(&pool, cache.path(), "carol@example.com", now)
            .args(["-v"])
            .env("TOKDIAG_CLIENT_SECRET", &secret),
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("(parameters PASSWORD, SECRET_HASH, USERNAME; values not shown)"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains(&secret));
    let first = o.stdout.trim().to_string();
    let exp = claims(&first)["exp"].as_i64().unwrap();
    // Four minutes before expiry: REFRESH_TOKEN_AUTH, no password.
    let o = run(
        login(&pool, cache.path(), "carol@example.com", exp - 240)
            .env("TOKDIAG_CLIENT_SECRET", &secret),
        None,
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stderr.lines().next().unwrap(),
        format!(
            "tokdiag: carol@example.com (user pool {}, app client {}): refreshed with REFRESH_TOKEN_AUTH at {}",
            pool.id, pool.client_id, pool.url
        )
    );
    assert_eq!(claims(&o.stdout)["token_use"], "access");
}

#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn new_password_required_names_the_user_as_given() {
    let cl = Moto::cognito_local();
    let pool = cl.pool(false);
    cl.temp_user(&pool, "tim@example.com");
    let cache = tempfile::tempdir().unwrap();
    let new_pw = "Brand-N3w-Passw0rd!";
    let o = run(
        login(&pool, cache.path(), "tim@example.com", clock())
            .args(["--new-password-stdin", "--no-cache"]),
        Some(&format!("{TEMP_PASSWORD}\n{new_pw}\n")),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stderr.lines().next().unwrap(),
        format!(
            "tokdiag: signed in as tim@example.com (user pool {}, app client {}) at {} after NEW_PASSWORD_REQUIRED",
            pool.id, pool.client_id, pool.url
        )
    );
    assert!(!o.stderr.contains(new_pw) && !o.stderr.contains(TEMP_PASSWORD));
    // The new password now signs in.
    let o = run(
        login(&pool, cache.path(), "tim@example.com", clock()).arg("--no-cache"),
        Some(&format!("{new_pw}\n")),
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

/// Without --endpoint-url a `local_` id is still not a pool id (real pools are `<region>_<id>`).
#[test]
fn local_pool_ids_need_an_endpoint() {
    let cache = tempfile::tempdir().unwrap();
    let mut c = hermetic(cache.path());
    c.args([
        "login",
        "--user-pool-id",
        "local_1CcUREBq",
        "--client-id",
        "3ipsf00btbffko91d8irdu8up1",
        "--username",
        "a",
        "--cache-dir",
    ]);
    c.arg(cache.path());
    let o = run(&mut c, None);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(
        o.stderr.lines().next().unwrap(),
        "tokdiag: error: --user-pool-id local_1CcUREBq is not a user pool id"
    );
}
