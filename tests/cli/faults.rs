//! The network fault matrix: every way an issuer's discovery document or JWKS can fail, served by
//! a loopback server, run through `verify`, `keys` and `explain`. Each must end in one clear line
//! plus a hint on stderr (exit 3: tokdiag could not decide), bounded in time and memory, and leave
//! the cache dir without temporary, lock or broken files. `explain` reports the same cause inside
//! its `unknown` verdict (also exit 3).
//!
//! tests/verify_cli.rs covers `verify` alone for refused connections, 404 and a 2 MB JWKS; this
//! file is the matrix across commands, with the cache checks.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::jwks_server::{DISCOVERY_PATH, JWKS_PATH, JwksServer, Mode, closed_port};
use crate::support::tokens::{ISSUER, run, testdata, tokdiag};
use serde_json::{Value, json};

/// Whole-request timeout given to tokdiag in this file (TOKDIAG_HTTP_TIMEOUT_MS): long enough that a
/// loaded machine (the whole suite in one binary, two cores) never turns a fast answer into a timeout.
const TIMEOUT_MS: u64 = 1500;

fn token() -> String {
    std::fs::read_to_string(testdata("tokens/cognito-access.jwt")).unwrap()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
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

/// The cache holds only complete entries: no temp or lock file, every file a JSON cache entry
/// whose body is a discovery document with `issuer` + `jwks_uri` or a JWKS with keys.
fn assert_clean_cache(dir: &Path, what: &str) {
    for f in files(dir) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.ends_with(".tmp") && !name.ends_with(".lock") && !name.starts_with('.'),
            "{what}: leftover {name}"
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap())
            .unwrap_or_else(|e| panic!("{what}: {name} is not JSON: {e}"));
        let body = &v["body"];
        let ok = (body["issuer"].is_string() && body["jwks_uri"].is_string())
            || body["keys"].as_array().is_some_and(|k| !k.is_empty());
        assert!(ok, "{what}: {name} caches a broken document: {v}");
    }
}

/// One fault: how the server misbehaves, and the first stderr line every command must print.
struct Fault {
    name: &'static str,
    setup: Box<dyn Fn(&JwksServer)>,
    /// The discovery URL to use (the server's, or a variant such as https on its plain port).
    url: Box<dyn Fn(&JwksServer) -> String>,
    message: Box<dyn Fn(&JwksServer) -> String>,
    hint: &'static str,
    /// Upper bound on the run time of one command.
    within: Duration,
}

fn fault(
    name: &'static str,
    setup: impl Fn(&JwksServer) + 'static,
    message: impl Fn(&JwksServer) -> String + 'static,
    hint: &'static str,
) -> Fault {
    Fault {
        name,
        setup: Box::new(setup),
        url: Box::new(|s| s.discovery_url()),
        message: Box::new(message),
        hint,
        within: Duration::from_secs(5),
    }
}

fn matrix() -> Vec<Fault> {
    let disc = |s: &JwksServer| s.discovery_url();
    let jwks = |s: &JwksServer| s.jwks_url();
    let html = "\"<!DOCTYPE html><html><body>Sign in</body></html>\"";
    let not_keys = "the issuer publishes no key tokdiag can verify with; check jwks_uri";
    let timeout_hint =
        "the issuer did not answer in time: check the network, VPN or proxy (HTTPS_PROXY)";
    let mut v = vec![
        fault(
            "hanging discovery",
            |s| s.set_mode(DISCOVERY_PATH, Mode::Hang(Duration::from_secs(5))),
            move |s| format!("timed out after {TIMEOUT_MS} ms fetching {}", disc(s)),
            timeout_hint,
        ),
        fault(
            "hanging JWKS",
            |s| s.set_mode(JWKS_PATH, Mode::Hang(Duration::from_secs(5))),
            move |s| format!("timed out after {TIMEOUT_MS} ms fetching {}", jwks(s)),
            timeout_hint,
        ),
        fault(
            "discovery 500",
            |s| s.set_mode(DISCOVERY_PATH, Mode::Status(500)),
            move |s| format!("GET {} answered HTTP 500 Internal Server Error", disc(s)),
            "the issuer has a problem; try again later",
        ),
        fault(
            "JWKS 500",
            |s| s.set_mode(JWKS_PATH, Mode::Status(500)),
            move |s| format!("GET {} answered HTTP 500 Internal Server Error", jwks(s)),
            "the issuer has a problem; try again later",
        ),
        fault(
            "discovery is HTML",
            |s| s.set_mode(DISCOVERY_PATH, Mode::Html),
            move |s| {
                format!(
                    "discovery document at {} is not JSON (text/html: {html})",
                    disc(s)
                )
            },
            "the URL serves something else (a web page?): check it, or whether a proxy or captive portal answers",
        ),
        fault(
            "JWKS is HTML",
            |s| s.set_mode(JWKS_PATH, Mode::Html),
            move |s| format!("JWKS at {} is not JSON (text/html: {html})", jwks(s)),
            "the URL serves something else (a web page?): check it, or whether a proxy or captive portal answers",
        ),
        fault(
            "JWKS truncated",
            |s| {
                s.set_mode(
                    JWKS_PATH,
                    Mode::Body("application/json", "{\"keys\": [{\"kty\": \"RSA\",".into()),
                )
            },
            move |s| {
                format!(
                    "JWKS at {} is not JSON (application/json: \"{{\\\"keys\\\": [{{\\\"kty\\\": \\\"RSA\\\",\")",
                    jwks(s)
                )
            },
            "the URL serves something else (a web page?): check it, or whether a proxy or captive portal answers",
        ),
        fault(
            "discovery is a JSON array",
            |s| s.set_mode(DISCOVERY_PATH, Mode::Body("application/json", "[]".into())),
            move |s| {
                format!(
                    "discovery document at {} is JSON but not an object",
                    disc(s)
                )
            },
            "check the URL",
        ),
        fault(
            "50 MB JWKS (declared)",
            |s| s.set_mode(JWKS_PATH, Mode::Huge(50 << 20)),
            move |s| format!("JWKS at {} is larger than 1024 KiB", jwks(s)),
            "check the URL: this is not a discovery document or JWKS",
        ),
        fault(
            "50 MB JWKS (undeclared length)",
            |s| s.set_mode(JWKS_PATH, Mode::HugeUndeclared(50 << 20)),
            move |s| format!("JWKS at {} is larger than 1024 KiB", jwks(s)),
            "check the URL: this is not a discovery document or JWKS",
        ),
        fault(
            "50 MB discovery document",
            |s| s.set_mode(DISCOVERY_PATH, Mode::HugeUndeclared(50 << 20)),
            move |s| format!("discovery document at {} is larger than 1024 KiB", disc(s)),
            "check the URL: this is not a discovery document or JWKS",
        ),
        fault(
            "redirect loop",
            |s| s.set_mode(DISCOVERY_PATH, Mode::Redirect(DISCOVERY_PATH.to_string())),
            move |s| {
                format!(
                    "too many redirects fetching {} (more than 3; a redirect loop?)",
                    disc(s)
                )
            },
            "the server keeps redirecting: open the URL in a browser, and give tokdiag the final https URL",
        ),
        fault(
            "JWKS with no keys",
            |s| s.set_jwks(json!({"keys": []})),
            move |s| format!("JWKS at {}: the key set is empty", jwks(s)),
            not_keys,
        ),
        fault(
            "JWKS with unknown key types only",
            |s| {
                s.set_jwks(json!({"keys": [
                    {"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
                    {"kty": "PQC", "kid": "future", "pub": "AAAA"},
                ]}))
            },
            move |s| {
                format!(
                    "JWKS at {}: none of its 2 keys is a usable public key (RSA, EC P-256/P-384, Ed25519)",
                    jwks(s)
                )
            },
            not_keys,
        ),
        fault(
            "discovery without jwks_uri",
            |s| s.set_discovery(json!({"issuer": ISSUER})),
            move |s| format!("the discovery document at {} has no jwks_uri", disc(s)),
            "check the discovery URL: it must be the issuer's /.well-known/openid-configuration",
        ),
        fault(
            "discovery without issuer",
            |s| s.set_discovery(json!({"jwks_uri": s.jwks_url()})),
            move |s| format!("the discovery document at {} has no issuer", disc(s)),
            "check the discovery URL: an OpenID provider's document names its issuer",
        ),
        fault(
            "connection refused",
            |_| {},
            |_| String::new(),
            "nothing listens there: check the host and port of the URL",
        ),
    ];
    // Connection refused: a port nothing listens on.
    let refused = v.last_mut().unwrap();
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}{DISCOVERY_PATH}");
    let u2 = url.clone();
    refused.url = Box::new(move |_| url.clone());
    refused.message = Box::new(move |_| format!("connection refused by 127.0.0.1 fetching {u2}"));
    // https to a port that speaks plain http.
    let plain = plain_http_server();
    let https = format!("https://{plain}{DISCOVERY_PATH}");
    let h2 = https.clone();
    v.push(Fault {
        name: "https to a plain-http port",
        setup: Box::new(|_| {}),
        url: Box::new(move |_| https.clone()),
        message: Box::new(move |_| {
            format!("127.0.0.1 does not speak TLS on this port, fetching {h2}")
        }),
        hint: "the port serves plain http: use the server's https port (an emulator on loopback may use http://)",
        within: Duration::from_secs(5),
    });
    v
}

/// A server that answers anything, TLS ClientHello included, with a plain HTTP 400 (as nginx or
/// any HTTP server does when spoken TLS to). Returns `127.0.0.1:PORT`.
fn plain_http_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Request",
            );
        }
    });
    addr
}

fn command(cmd: &str, url: &str, cache: &Path) -> assert_cmd::Command {
    let mut c = tokdiag(cache);
    c.env("TOKDIAG_HTTP_TIMEOUT_MS", TIMEOUT_MS.to_string());
    match cmd {
        "verify" => c.args(["verify", "--discovery-url", url, &token()]),
        "keys" => c.args(["keys", "--discovery-url", url]),
        _ => c.args([
            "--json",
            "explain",
            "--config",
            &testdata("seed/.bedrock_agentcore.yaml"),
            "--discovery-url",
            url,
            &token(),
        ]),
    };
    c
}

#[test]
fn every_fault_is_one_clear_line_exit_3_and_leaves_a_clean_cache() {
    let mut report = String::new();
    for f in matrix() {
        let server = JwksServer::start();
        (f.setup)(&server);
        let url = (f.url)(&server);
        let message = (f.message)(&server);
        for cmd in ["verify", "keys", "explain"] {
            let what = format!("{} / {cmd}", f.name);
            let cache = tempfile::tempdir().unwrap();
            let started = Instant::now();
            let (code, out, err) = run(command(cmd, &url, cache.path()));
            let took = started.elapsed();
            assert!(took < f.within, "{what}: took {took:?}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert_eq!(code, 3, "{what}: {out}{err}");
            if cmd == "explain" {
                let v: Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v["verdict"], "unknown", "{what}");
                let sig = v["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == "signature")
                    .unwrap();
                assert_eq!(sig["status"], "skip", "{what}");
                assert_eq!(
                    sig["message"],
                    format!("not checked: {message} ({})", f.hint),
                    "{what}"
                );
            } else {
                assert_eq!(out, "", "{what}");
                assert_eq!(
                    err,
                    format!("tokdiag: error: {message}\n  hint: {}\n", f.hint),
                    "{what}"
                );
            }
            assert_clean_cache(cache.path(), &what);
        }
        report.push_str(&format!("{:<34} exit 3  {message}\n", f.name));
    }
    eprintln!("fault matrix:\n{report}");
}

/// A 50 MB body is never read whole: the client stops at the cap (a declared length is refused
/// before reading), so the server gets to write little more than the socket buffers hold.
#[test]
fn a_huge_body_is_cut_off_early() {
    for mode in [Mode::Huge(50 << 20), Mode::HugeUndeclared(50 << 20)] {
        let server = JwksServer::start();
        server.set_mode(JWKS_PATH, mode.clone());
        let cache = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (code, _, err) = run(command("verify", &server.discovery_url(), cache.path()));
        assert_eq!(code, 3, "{err}");
        assert!(started.elapsed() < Duration::from_secs(3), "{mode:?}");
        // Give the server thread a moment to notice the closed connection.
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            server.bytes_sent() < 24 << 20,
            "{mode:?}: the server wrote {} bytes",
            server.bytes_sent()
        );
    }
}

/// A failing refetch leaves the cached entry as it was (complete, still parsable), and a broken
/// answer never replaces a good one.
#[test]
fn a_failed_fetch_never_touches_a_good_cache_entry() {
    let server = JwksServer::start();
    let cache = tempfile::tempdir().unwrap();
    let (code, _, err) = run(command("verify", &server.discovery_url(), cache.path()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(files(cache.path()).len(), 2, "discovery + JWKS cached");
    // The JWKS entry (the discovery document may be fetched afresh, and rewritten whole, when the
    // JWKS refetch fails: its jwks_uri may have moved).
    let before: Vec<(std::path::PathBuf, String)> = files(cache.path())
        .into_iter()
        .map(|p| {
            let b = std::fs::read_to_string(&p).unwrap();
            (p, b)
        })
        .filter(|(_, b)| b.contains("\"keys\""))
        .collect();
    assert_eq!(before.len(), 1);

    // An unknown kid forces a refetch of the JWKS, which now fails in several ways.
    let other = crate::support::tokens::mint_with(
        "rsa-2.pem",
        "rsa-2",
        jsonwebtoken::Algorithm::RS256,
        &crate::support::tokens::access_claims(),
    );
    for mode in [
        Mode::Status(500),
        Mode::Html,
        Mode::Huge(50 << 20),
        Mode::Hang(Duration::from_secs(5)),
    ] {
        server.set_mode(JWKS_PATH, mode.clone());
        let mut c = tokdiag(cache.path());
        c.env("TOKDIAG_HTTP_TIMEOUT_MS", TIMEOUT_MS.to_string())
            .args(["verify", "--discovery-url", &server.discovery_url(), &other]);
        let (code, _, err) = run(c);
        assert_eq!(code, 3, "{mode:?}: {err}");
        for (p, b) in &before {
            assert_eq!(
                &std::fs::read_to_string(p).unwrap(),
                b,
                "{mode:?}: {} changed",
                p.display()
            );
        }
        assert_clean_cache(cache.path(), &format!("{mode:?}"));
    }
    // A JWKS without usable keys is answered, refused, and not cached either.
    server.set_mode(JWKS_PATH, Mode::Normal);
    server.set_jwks(json!({"keys": []}));
    let mut c = tokdiag(cache.path());
    c.args(["verify", "--discovery-url", &server.discovery_url(), &other]);
    let (code, _, err) = run(c);
    assert_eq!(code, 3, "{err}");
    for (p, b) in &before {
        assert_eq!(
            &std::fs::read_to_string(p).unwrap(),
            b,
            "{} changed",
            p.display()
        );
    }
}

/// Discovery documents and JWKS that were refused are fetched again next time, not served from
/// the cache.
#[test]
fn broken_answers_are_not_cached() {
    let server = JwksServer::start();
    server.set_jwks(json!({"keys": []}));
    let cache = tempfile::tempdir().unwrap();
    let (code, _, _) = run(command("verify", &server.discovery_url(), cache.path()));
    assert_eq!(code, 3);
    server.set_jwks_file("jwks.json");
    let (code, out, err) = run(command("verify", &server.discovery_url(), cache.path()));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(server.jwks_hits(), 2);
    assert_eq!(
        server.discovery_hits(),
        1,
        "the good discovery document was cached"
    );
}

// ---- issue 12 item 4: cache entries that are devices, FIFOs or huge ----------------------------

/// Runs `tokdiag ARGS…` (cache dir `cache`, no stdin) and kills it after 10 s: a read that blocks
/// on a FIFO or streams /dev/zero fails the test instead of hanging it.
fn bounded(cache: &Path, args: &[&str]) -> (i32, String, Duration) {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokdiag"));
    c.env_remove("TOKDIAG_CACHE_DIR")
        .env_remove("TOKDIAG_USERNAME")
        .env("NO_COLOR", "1")
        .env("TOKDIAG_HTTP_TIMEOUT_MS", "2000")
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let err = reader.join().unwrap();
            return (status.code().unwrap_or(-1), err, start.elapsed());
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "tokdiag {args:?} still running after 10 s: {}",
                reader.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(p: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .expect("mkfifo (coreutils)")
        .success();
    assert!(ok, "mkfifo {}", p.display());
}

#[cfg(unix)]
#[test]
fn oidc_cache_entries_that_are_a_fifo_or_dev_zero_are_refused_at_once() {
    let server = JwksServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let oidc = cache.join("oidc");
    std::fs::create_dir_all(&oidc).unwrap();
    let disc = tokdiag::oidc::cache_path(&cache, &server.discovery_url());
    let jwks = tokdiag::oidc::cache_path(&cache, &server.jwks_url());
    mkfifo(&disc);
    std::os::unix::fs::symlink("/dev/zero", &jwks).unwrap();
    let token = token();
    let args = [
        "--now",
        "1780272000",
        "verify",
        "--discovery-url",
        &server.discovery_url(),
        token.trim(),
    ];
    let (code, err, took) = bounded(&cache, &args);
    assert_eq!(code, 0, "{err}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(
        warnings,
        [
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it is not a regular file (a FIFO, device or directory); fix: remove it (rm {0})",
                disc.display()
            ),
            format!(
                "tokdiag: warning: ignoring the cache at {0}: it is a symbolic link; fix: remove it (rm {0})",
                jwks.display()
            ),
        ]
    );
    // Fetched afresh and written over them: a regular file each now.
    assert_eq!(server.total_hits(), 2);
    assert!(std::fs::symlink_metadata(&disc).unwrap().is_file());
    assert!(std::fs::symlink_metadata(&jwks).unwrap().is_file());

    // Over 1 MiB: refused without reading it all.
    let mut big = std::fs::read(&jwks).unwrap();
    big.resize(2 * 1024 * 1024, b' ');
    std::fs::write(&jwks, &big).unwrap();
    let (code, err, _) = bounded(&cache, &args);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "tokdiag: warning: ignoring the cache at {0}: it is larger than 1 MiB; fix: remove it (rm {0})",
            jwks.display()
        )),
        "{err}"
    );
    assert_eq!(server.total_hits(), 3, "only the JWKS fetched again");
}

#[cfg(unix)]
#[test]
fn login_cache_entries_that_are_a_fifo_or_dev_zero_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let tokens = cache.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let last = tokens.join("last.json");
    let no_token = "tokdiag: error: no token given";

    // last.json a FIFO.
    mkfifo(&last);
    let (code, err, _) = bounded(&cache, &["decode"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.lines().next().unwrap_or(""),
        format!(
            "tokdiag: warning: ignoring the cache at {0}: it is not a regular file (a FIFO, device or directory); fix: remove it (rm {0})",
            last.display()
        )
    );
    assert!(err.contains(no_token), "{err}");
    std::fs::remove_file(&last).unwrap();

    // last.json a symlink to /dev/zero.
    std::os::unix::fs::symlink("/dev/zero", &last).unwrap();
    let (code, err, _) = bounded(&cache, &["decode"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with(&format!(
            "tokdiag: warning: ignoring the cache at {0}: it is a symbolic link; fix: remove it (rm {0})\n",
            last.display()
        )),
        "{err}"
    );
    std::fs::remove_file(&last).unwrap();

    // A valid last.json pointing at an entry that is a FIFO, then /dev/zero, then 2 MiB.
    let pointer = json!({"user_pool_id": "us-east-1_h0Vo2Whhx", "client_id": "c", "username": "alice", "at": 1});
    std::fs::write(&last, json!({"latest": pointer}).to_string()).unwrap();
    let entry = tokens.join(format!(
        "{}.json",
        tokdiag::cognito::cache::key("us-east-1_h0Vo2Whhx", "c", "alice")
    ));
    mkfifo(&entry);
    let (code, err, _) = bounded(&cache, &["decode"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with(&format!(
            "tokdiag: warning: ignoring the cache at {0}: it is not a regular file (a FIFO, device or directory); fix: remove it (rm {0})\n",
            entry.display()
        )),
        "{err}"
    );
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
    let (code, err, _) = bounded(&cache, &["decode"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("it is a symbolic link"), "{err}");
    std::fs::remove_file(&entry).unwrap();
    std::fs::write(&entry, vec![b' '; 2 * 1024 * 1024]).unwrap();
    let (code, err, _) = bounded(&cache, &["decode"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("it is larger than 1 MiB"), "{err}");
}

/// The entry of another user picked with TOKDIAG_USERNAME: a FIFO or a symlink to /dev/zero there
/// gets the same trust warning with the fix (it was "no login cached", without a word on why).
#[cfg(unix)]
#[test]
fn a_tokdiag_username_entry_that_is_a_fifo_or_dev_zero_gets_the_trust_warning() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let tokens = cache.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let pointer = json!({"user_pool_id": "us-east-1_h0Vo2Whhx", "client_id": "c", "username": "alice", "at": 1});
    std::fs::write(
        tokens.join("last.json"),
        json!({"latest": pointer}).to_string(),
    )
    .unwrap();
    let entry = tokens.join(format!(
        "{}.json",
        tokdiag::cognito::cache::key("us-east-1_h0Vo2Whhx", "c", "bob")
    ));
    let run = || {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokdiag"));
        c.env_remove("TOKDIAG_CACHE_DIR")
            .env("TOKDIAG_USERNAME", "bob")
            .env("NO_COLOR", "1")
            .arg("--cache-dir")
            .arg(&cache)
            .arg("decode")
            .stdin(std::process::Stdio::null());
        let o = c.output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let no_token = "tokdiag: error: no token given\n  hint: pass TOKEN (or @FILE, or - for stdin), pipe it on stdin, or run `tokdiag login` first\n";
    mkfifo(&entry);
    let (code, err) = run();
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: warning: ignoring the cache at {0}: it is not a regular file (a FIFO, device or directory); fix: remove it (rm {0})\n{no_token}",
            entry.display()
        )
    );
    std::fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
    let (code, err) = run();
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: warning: ignoring the cache at {0}: it is a symbolic link; fix: remove it (rm {0})\n{no_token}",
            entry.display()
        )
    );
    // A missing entry is still "no login cached", named.
    std::fs::remove_file(&entry).unwrap();
    let (code, err) = run();
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        format!(
            "tokdiag: no login cached for TOKDIAG_USERNAME=bob (app client c): run tokdiag login\n{no_token}"
        )
    );
}

// ---- issue 12 item 4: a token endpoint that streams an endless body --------------------------

/// A loopback token endpoint that answers every request with a chunked body that never ends
/// (64 KiB chunks until the client hangs up). Returns its `/oauth2/token` URL.
fn endless_token_endpoint() -> String {
    let server = crate::support::http::Server::start(|_| crate::support::http::Reply::Stream {
        prefix: "{\"access_token\": \"".into(),
        total: None,
        declared: false,
    });
    server.url("/oauth2/token")
}

/// Runs `cmd`, kills it after 10 s, and returns (exit code, stderr, elapsed, peak RSS in KiB) —
/// the peak from `wait4(2)`, for this child alone.
#[cfg(target_os = "linux")]
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4 below, which also gives its peak RSS"
)]
fn run_measured(mut cmd: std::process::Command) -> (i32, String, Duration, i64) {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let pid = child.id() as libc::pid_t;
    let killer = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            // SAFETY: signal 0 only asks whether the process still exists.
            if unsafe { libc::kill(pid, 0) } != 0 {
                return;
            }
        }
        // SAFETY: the child is still ours (not yet reaped: wait4 below reaps it).
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    // The child's own peak RSS: VmHWM of its address space, read until it exits (a zombie has
    // none). wait4's ru_maxrss would not do: it also keeps the high-water mark of the address
    // space the child had before exec, which with posix_spawn (vfork) is this test process's —
    // tens of MiB once other tests of the one test binary have run.
    let hwm = std::thread::spawn(move || {
        let mut peak = 0i64;
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            else {
                break;
            };
            peak = peak.max(kib);
            std::thread::sleep(Duration::from_millis(2));
        }
        peak
    });
    let mut status = 0;
    // SAFETY: pid is our child; status is valid for writes; no rusage is asked for.
    let r = unsafe { libc::wait4(pid, &mut status, 0, std::ptr::null_mut()) };
    assert_eq!(r, pid, "wait4");
    let peak = hwm.join().unwrap();
    let took = start.elapsed();
    let _ = killer.join();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, reader.join().unwrap(), took, peak)
}

#[cfg(target_os = "linux")]
#[test]
fn a_token_endpoint_streaming_an_endless_body_ends_at_1_mib_in_one_line() {
    let endpoint = endless_token_endpoint();
    let dir = tempfile::tempdir().unwrap();
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokdiag"));
    c.current_dir(dir.path())
        .env_remove("TOKDIAG_CACHE_DIR")
        .env("NO_COLOR", "1")
        .env("TOKDIAG_CLIENT_SECRET", "s3cr3t-value")
        .arg("--cache-dir")
        .arg(dir.path())
        .args(["login", "--flow", "client-credentials", "--client-id", "c"])
        .args(["--token-endpoint", &endpoint]);
    let (code, err, took, rss_kib) = run_measured(c);
    eprintln!("endless token endpoint: exit {code} after {took:?}, peak RSS {rss_kib} KiB");
    assert_eq!(
        err,
        format!(
            "tokdiag: error: {endpoint} answered with more than 1 MiB\n  hint: check the URL: a token endpoint or discovery document answers a few KiB\n"
        )
    );
    assert_eq!(code, 3);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // The whole process (binary, runtime, TLS roots) stays well under 64 MiB: the body is
    // never held beyond its 1 MiB cap.
    assert!(rss_kib > 0 && rss_kib < 64 * 1024, "peak RSS {rss_kib} KiB");
}

// ---- issue 12 item 9: write errors on stdout ---------------------------------------------------

/// Runs `tokdiag ARGS` with `input` on stdin, twice: stdout on /dev/full must give exit 2 and the
/// one error line; stdout on a pipe whose reader is gone (`| head -c0`) exit 0 and no word.
#[cfg(target_os = "linux")]
fn assert_a_full_stdout_and_a_closed_pipe(args: &[&str], input: &[u8]) {
    let run_with_stdout = |stdout: std::process::Stdio| {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokdiag"))
            .env("NO_COLOR", "1")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(stdout)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A batch may stop reading once stdout fails: a write error here is expected then.
        let _ = stdin.write_all(input);
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = run_with_stdout(full.into());
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "tokdiag: error: cannot write to stdout: No space left on device (os error 28)\n"
    );

    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = run_with_stdout(writer.into());
    assert_eq!(o.status.code(), Some(0), "{args:?}");
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_exit_2_with_one_line_and_a_closed_pipe_is_quiet_success() {
    assert_a_full_stdout_and_a_closed_pipe(&["decode", token().trim()], b"");
}

#[cfg(target_os = "linux")]
#[test]
fn a_batch_with_a_full_stdout_is_exit_2_with_one_line_and_with_a_closed_pipe_quiet_success() {
    let jwks = testdata("jwks.json");
    let input = format!("{}\n", token().trim()).repeat(2000);
    assert_a_full_stdout_and_a_closed_pipe(&["verify", "--jwks", jwks.as_str()], input.as_bytes());
}
