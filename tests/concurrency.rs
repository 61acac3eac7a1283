//! 16 tokdiag processes at once on one cache dir.
//!
//! - `verify` against a slow loopback issuer, cold cache: every process succeeds, and the fetch
//!   lock (`<cache>/oidc/<hash>.lock`, src/oidc.rs) bounds the requests to exactly one discovery
//!   document and one JWKS.
//! - `verify` while entries expire and are rewritten under the readers: nobody reads a torn file.
//! - `login` against moto (TOKDIAG_TEST_MOTO_URL, from scripts/test.sh): all succeed, and the
//!   token cache is valid JSON, mode 0600, in a 0700 dir, without temporary files.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::jwks_server::{DISCOVERY_PATH, JWKS_PATH, JwksServer, Mode};
use support::moto::{Moto, PASSWORD};
use support::tokens::{NOW, testdata};

const N: usize = 16;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("tokdiag")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                v.extend(files(&p));
            } else {
                v.push(p);
            }
        }
    }
    v
}

fn no_leftovers(dir: &Path) {
    for f in files(dir) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.starts_with('.') && !name.ends_with(".tmp") && !name.ends_with(".lock"),
            "leftover {}",
            f.display()
        );
        let text = std::fs::read_to_string(&f).unwrap();
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{} is not valid JSON ({e}): {text}", f.display()));
    }
}

fn verify_child(server: &JwksServer, cache: &Path) -> Child {
    Command::new(bin())
        .env_remove("TOKDIAG_CACHE_DIR")
        .env("NO_COLOR", "1")
        .args(["--verbose", "--now", &NOW.to_string(), "--cache-dir"])
        .arg(cache)
        .args(["verify", "--discovery-url", &server.discovery_url()])
        .arg(format!("@{}", testdata("tokens/cognito-access.jwt")))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tokdiag")
}

/// Runs N verify processes at once; asserts each accepted the token and read no broken cache file.
fn verify_wave(server: &JwksServer, cache: &Path) {
    let children: Vec<Child> = (0..N).map(|_| verify_child(server, cache)).collect();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "process {i}: {stdout}{stderr}");
        assert!(
            stdout.starts_with("✓ rsa-1/RS256 cognito-access"),
            "process {i}: {stdout}"
        );
        assert!(
            !stderr.contains("unreadable cache file") && !stderr.contains("panicked"),
            "process {i}: {stderr}"
        );
    }
}

#[test]
fn sixteen_verifies_on_a_cold_cache_fetch_once() {
    let server = JwksServer::start();
    // Slow answers, so all 16 processes ask while the first fetch is still running.
    server.set_mode(DISCOVERY_PATH, Mode::Delay(Duration::from_millis(400)));
    server.set_mode(JWKS_PATH, Mode::Delay(Duration::from_millis(400)));
    let cache = tempfile::tempdir().unwrap();
    verify_wave(&server, cache.path());
    eprintln!(
        "{N} processes, cold cache: {} discovery + {} JWKS requests",
        server.discovery_hits(),
        server.jwks_hits()
    );
    assert_eq!(server.discovery_hits(), 1, "discovery fetched once");
    assert_eq!(server.jwks_hits(), 1, "JWKS fetched once");
    no_leftovers(cache.path());

    // Warm cache: no request at all.
    verify_wave(&server, cache.path());
    assert_eq!(server.discovery_hits() + server.jwks_hits(), 2);
}

#[test]
fn entries_rewritten_under_readers_are_never_torn() {
    let server = JwksServer::start();
    // Entries live 1 s: each wave finds them stale (or about to be) and rewrites them while other
    // processes of the same wave read them.
    server.set_cache_control(Some("max-age=1"));
    let cache = tempfile::tempdir().unwrap();
    let waves = 3;
    for _ in 0..waves {
        verify_wave(&server, cache.path());
        std::thread::sleep(Duration::from_millis(1100));
    }
    eprintln!(
        "{waves} waves of {N}: {} discovery + {} JWKS requests",
        server.discovery_hits(),
        server.jwks_hits()
    );
    // Entries go stale within a wave when it spans a second boundary (a loaded machine), so the
    // count depends on timing; what holds always: no process fetches a document twice.
    assert!(
        server.discovery_hits() <= N * waves,
        "{}",
        server.discovery_hits()
    );
    assert!(server.jwks_hits() <= N * waves, "{}", server.jwks_hits());
    no_leftovers(cache.path());
}

fn clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(unix)]
#[test]
fn sixteen_logins_share_one_token_cache() {
    use std::os::unix::fs::PermissionsExt;
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    moto.user(&pool, "alice");
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let now = clock().to_string();
    let children: Vec<Child> = (0..N)
        .map(|_| {
            let mut c = Command::new(bin());
            for v in [
                "TOKDIAG_USERNAME",
                "TOKDIAG_PASSWORD",
                "TOKDIAG_CLIENT_SECRET",
                "TOKDIAG_CACHE_DIR",
                "AWS_REGION",
                "AWS_PROFILE",
                "AWS_ENDPOINT_URL",
                "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
            ] {
                c.env_remove(v);
            }
            let mut child = c
                .current_dir(dir.path())
                .args(["--color", "never", "login", "--endpoint-url", &pool.url])
                .args(["--user-pool-id", &pool.id, "--client-id", &pool.client_id])
                .args(["--username", "alice", "--password-stdin", "--now", &now])
                .arg("--cache-dir")
                .arg(&cache)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn tokdiag");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{PASSWORD}\n").as_bytes())
                .unwrap();
            child
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "login {i}: {stderr}");
        assert_eq!(stdout.trim().split('.').count(), 3, "login {i}: {stdout}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cache.join("tokens")), 0o700);
    let entries = files(&cache);
    assert_eq!(entries.len(), 2, "one login entry + last.json: {entries:?}");
    for f in &entries {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    no_leftovers(&cache);

    // And the cache serves a 17th login without a request (moto is not even asked).
    let out = Command::new(bin())
        .current_dir(dir.path())
        .env_remove("TOKDIAG_PASSWORD")
        .args([
            "--color",
            "never",
            "login",
            "--endpoint-url",
            "http://127.0.0.1:9",
        ])
        .args(["--user-pool-id", &pool.id, "--client-id", &pool.client_id])
        .args(["--username", "alice", "--now", &now])
        .arg("--cache-dir")
        .arg(&cache)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
