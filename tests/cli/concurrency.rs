//! 16 tokdiag processes at once on one cache dir.
//!
//! - `verify` against a slow loopback issuer, cold cache: every process succeeds, and the fetch
//!   lock (`<cache>/oidc/<hash>.lock`, src/oidc.rs) bounds the requests to exactly one discovery
//!   document and one JWKS.
//! - `verify` while entries expire and are rewritten under the readers: nobody reads a torn file.
//! - `login` against moto (TOKDIAG_TEST_MOTO_URL, from scripts/test.sh): all succeed, and the
//!   token cache is valid JSON, mode 0600, in a 0700 dir, without temporary files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::jwks_server::{DISCOVERY_PATH, JWKS_PATH, JwksServer, Mode};
use crate::support::moto::{Moto, PASSWORD};
use crate::support::tokens::{NOW, testdata};

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
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
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

// ---- issue 12 items 10 and 11: locks that die with their process; no lost pointers ------------

/// `tokdiag verify` of the Cognito test token with `cache` (the default 10 s HTTP timeout).
fn verify_cmd(server: &JwksServer, cache: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env_remove("TOKDIAG_CACHE_DIR")
        .env_remove("TOKDIAG_HTTP_TIMEOUT_MS")
        .env("NO_COLOR", "1")
        .args(["--now", &NOW.to_string(), "--cache-dir"])
        .arg(cache)
        .args(["verify", "--discovery-url", &server.discovery_url()])
        .arg(format!("@{}", testdata("tokens/cognito-access.jwt")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn a_stale_lock_file_does_not_make_the_next_run_wait() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    // What a process killed while fetching used to leave: a lock file, just written.
    let lock =
        tokdiag::oidc::cache_path(cache.path(), &server.discovery_url()).with_extension("lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, "99999").unwrap();
    let start = std::time::Instant::now();
    let out = verify_cmd(&server, cache.path()).output().unwrap();
    let took = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("verify with a stale lock file: {took:?}");
    assert!(
        took < Duration::from_secs(3),
        "waited {took:?} for a dead lock"
    );
    assert_eq!(server.discovery_hits(), 1);
    no_leftovers(cache.path());
}

#[cfg(unix)]
#[test]
fn a_lock_holder_killed_with_sigkill_does_not_make_the_next_run_wait() {
    let server = JwksServer::start();
    // The first process holds the fetch lock while the issuer takes 30 s to answer.
    server.set_mode(DISCOVERY_PATH, Mode::Delay(Duration::from_secs(30)));
    let cache = tempfile::tempdir().unwrap();
    let mut holder = verify_cmd(&server, cache.path()).spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while server.discovery_hits() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first verify never asked for the discovery document"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    holder.kill().unwrap(); // SIGKILL: no destructor runs
    holder.wait().unwrap();
    server.set_mode(DISCOVERY_PATH, Mode::Normal);
    let start = std::time::Instant::now();
    let out = verify_cmd(&server, cache.path()).output().unwrap();
    let took = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("verify after a lock holder was killed: {took:?}");
    assert!(
        took < Duration::from_secs(3),
        "waited {took:?} for a dead lock"
    );
    no_leftovers(cache.path());
}

#[cfg(unix)]
#[test]
#[ignore = "needs the test servers: scripts/test.sh starts them and runs these too"]
fn sixteen_logins_with_sixteen_configs_keep_all_sixteen_pointers() {
    let moto = Moto::from_env();
    let pool = moto.pool(false);
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let now = clock().to_string();
    let configs: Vec<PathBuf> = (0..N)
        .map(|i| {
            moto.user(&pool, &format!("user{i}"));
            let d = dir.path().join(format!("project{i}"));
            std::fs::create_dir_all(&d).unwrap();
            let p = d.join(".bedrock_agentcore.yaml");
            std::fs::write(
                &p,
                format!(
                    "default_agent: a\nagents:\n  a:\n    name: a\n    entrypoint: a.py\n    authorizer_configuration:\n      customJWTAuthorizer:\n        discoveryUrl: {}\n        allowedClients:\n          - {}\n",
                    pool.discovery_url(),
                    pool.client_id
                ),
            )
            .unwrap();
            p
        })
        .collect();
    let children: Vec<Child> = configs
        .iter()
        .enumerate()
        .map(|(i, config)| {
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
            c.current_dir(config.parent().unwrap())
                .env("TOKDIAG_PASSWORD", PASSWORD)
                .args(["--color", "never", "login", "--endpoint-url", &pool.url])
                .args(["--username", &format!("user{i}"), "--now", &now])
                .arg("--config")
                .arg(config)
                .arg("--cache-dir")
                .arg(&cache)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn tokdiag")
        })
        .collect();
    for (i, c) in children.into_iter().enumerate() {
        let out = c.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "login {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let last: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cache.join("tokens/last.json")).unwrap())
            .unwrap();
    let by_config = last["by_config"].as_object().unwrap();
    assert_eq!(by_config.len(), N, "pointers kept: {last:#}");
    for (i, config) in configs.iter().enumerate() {
        let key = std::fs::canonicalize(config).unwrap().display().to_string();
        assert_eq!(
            by_config[&key]["username"],
            format!("user{i}"),
            "{key}: {last:#}"
        );
    }
    no_leftovers(&cache);
}
