//! Streaming batch `verify`: output in input order on a large mixed batch, bounded memory on
//! 200k tokens, a result before the input ends, a closed stdout stopping the work, and lines that
//! are not tokens (too long, not UTF-8) as failed results instead of an abort.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::jwks_server::closed_port;
use crate::support::tokens::{ISSUER, NOW, access_claims, mint, mint_with, testdata};
use serde_json::Value;

fn tok(name: &str) -> String {
    std::fs::read_to_string(testdata(&format!("tokens/{name}")))
        .expect("testdata token")
        .trim()
        .to_string()
}

/// `tokdiag verify --jwks testdata/jwks.json --issuer ISSUER` at NOW, pipes on all three streams.
fn spawn(extra: &[&str]) -> (Child, tempfile::TempDir) {
    spawn_at(NOW, extra)
}

/// [`spawn`] at another time.
fn spawn_at(now: i64, extra: &[&str]) -> (Child, tempfile::TempDir) {
    let cache = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tokdiag"))
        .env_remove("TOKDIAG_CACHE_DIR")
        .env("NO_COLOR", "1")
        .arg("--cache-dir")
        .arg(cache.path())
        .arg("--now")
        .arg(now.to_string())
        .args(extra)
        .args([
            "verify",
            "--jwks",
            &testdata("jwks.json"),
            "--issuer",
            ISSUER,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tokdiag");
    (child, cache)
}

/// Feeds `input` on a thread (so a large batch never deadlocks on full pipes) and collects the rest.
fn run_with(extra: &[&str], input: String) -> (i32, String, String) {
    run_at(NOW, extra, input)
}

/// [`run_with`] at another time.
fn run_at(now: i64, extra: &[&str], input: String) -> (i32, String, String) {
    let (mut child, _cache) = spawn_at(now, extra);
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn sub_of(i: usize) -> String {
    format!("user-{i:03}")
}

/// Distinct valid tokens, each with its own `sub`.
fn distinct_tokens(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let mut c = access_claims();
            c["sub"] = Value::String(sub_of(i));
            c["jti"] = Value::String(format!("jti-{i}"));
            mint(&c)
        })
        .collect()
}

const OPAQUE: &str = "this is an opaque string, not a JWT (no '.' separators)";

#[test]
fn a_mixed_batch_of_10k_comes_out_in_input_order() {
    let valid = distinct_tokens(50);
    let expired = tok("expired.jwt");
    let wrong_key = tok("wrong-key.jwt");
    let mut input = String::new();
    // (input line, expected text line, expected sub or None, valid)
    let mut want: Vec<(usize, String, Option<String>, bool)> = Vec::new();
    let mut line = 0;
    for i in 0..10_000 {
        line += 1;
        match i % 7 {
            0 | 2 | 4 => {
                let k = (i * 31) % valid.len();
                input.push_str(&valid[k]);
                want.push((
                    line,
                    format!(
                        "✓ rsa-1/RS256 cognito-access sub={} exp 2026-06-01T00:50:00Z (in 50 min)",
                        sub_of(k)
                    ),
                    Some(sub_of(k)),
                    true,
                ));
            }
            1 => {
                input.push_str(&expired);
                want.push((
                    line,
                    "✗ expiry: expired at 2026-01-01T01:00:00Z (150 d ago)".into(),
                    Some("c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90".into()),
                    false,
                ));
            }
            3 => {
                input.push_str(&format!("opaque-{i}"));
                want.push((line, format!("✗ format: not a JWT: {OPAQUE}"), None, false));
            }
            5 => {
                input.push_str(&wrong_key);
                want.push((
                    line,
                    "✗ signature: the RS256 signature does not match key 'rsa-1': signed with another key, or altered after signing".into(),
                    Some("c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90".into()),
                    false,
                ));
            }
            _ => {
                // A blank line: skipped, but counted in the line numbers.
                input.push_str("   \n");
                line += 1;
                let k = i % valid.len();
                input.push_str(&format!("Bearer {}", valid[k]));
                want.push((
                    line,
                    format!(
                        "✓ rsa-1/RS256 cognito-access sub={} exp 2026-06-01T00:50:00Z (in 50 min)",
                        sub_of(k)
                    ),
                    Some(sub_of(k)),
                    true,
                ));
            }
        }
        input.push('\n');
    }
    let refused = want.iter().filter(|w| !w.3).count();

    let (code, out, err) = run_with(&[], input.clone());
    assert_eq!(code, 1, "{err}");
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(*g, w.1, "output line {i}");
    }
    assert_eq!(
        err,
        format!(
            "tokdiag: 10000 tokens: {} valid, {refused} refused\n",
            10_000 - refused
        )
    );

    // JSON lines: the same order, with the input line numbers.
    let (code, out, _) = run_with(&["--json"], input);
    assert_eq!(code, 1);
    let docs: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), want.len());
    for (d, w) in docs.iter().zip(&want) {
        assert_eq!(d["line"], w.0, "{d}");
        assert_eq!(d["valid"], w.3, "{d}");
        match &w.2 {
            Some(sub) => assert_eq!(d["token"]["claims"]["sub"], sub.as_str()),
            None => assert_eq!(d["token"], Value::Null),
        }
    }
}

/// Peak resident memory of a running process, in kB.
fn vm_hwm_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

#[test]
fn memory_stays_bounded_on_200k_tokens() {
    const N: usize = 200_000;
    let tokens = distinct_tokens(10);
    let (mut child, _cache) = spawn(&["--json"]);
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    // Count the output as it comes, keeping none of it.
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        let (mut n, mut last) = (0usize, String::new());
        while r.read_line(&mut line).unwrap() > 0 {
            n += 1;
            if n == N {
                last = line.clone();
            }
            line.clear();
        }
        (n, last)
    });
    let mut written = 0u64;
    for i in 0..N {
        let t = &tokens[i % tokens.len()];
        stdin.write_all(t.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        written += t.len() as u64 + 1;
    }
    stdin.flush().unwrap();
    // The peak so far, read before the end of input lets the process exit.
    std::thread::sleep(Duration::from_millis(200));
    let peak = vm_hwm_kb(pid);
    drop(stdin);
    let status = child.wait().unwrap();
    let (n, last) = reader.join().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(n, N);
    let last: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(last["line"], N);
    assert!(
        written > 150 * 1024 * 1024,
        "the input is large: {written} bytes"
    );
    assert!(
        peak < 40 * 1024,
        "peak RSS {peak} kB for {written} bytes of input"
    );
}

/// Reads one line from the child's stdout on a thread, with a deadline.
fn line_within(r: &mut Option<BufReader<std::process::ChildStdout>>, limit: Duration) -> String {
    let mut reader = r.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut l = String::new();
        reader.read_line(&mut l).unwrap();
        let _ = tx.send((l, reader));
    });
    let (l, reader) = rx
        .recv_timeout(limit)
        .expect("no result line before the deadline");
    *r = Some(reader);
    l
}

#[test]
fn each_result_comes_as_its_token_arrives_not_at_the_end() {
    let t = tok("cognito-access.jwt");
    let (mut child, _cache) = spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    let mut out = Some(BufReader::new(child.stdout.take().unwrap()));
    // Two lines make it a batch; from then on every line is answered while the input stays open.
    writeln!(stdin, "{t}\n{t}").unwrap();
    stdin.flush().unwrap();
    let limit = Duration::from_secs(10);
    for _ in 0..2 {
        assert!(line_within(&mut out, limit).starts_with("✓ rsa-1/RS256"));
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let start = Instant::now();
        writeln!(stdin, "{t}").unwrap();
        stdin.flush().unwrap();
        assert!(line_within(&mut out, limit).starts_with("✓ rsa-1/RS256"));
        slowest = slowest.max(start.elapsed());
    }
    writeln!(stdin, "opaque").unwrap();
    stdin.flush().unwrap();
    assert_eq!(
        line_within(&mut out, limit),
        format!("✗ format: not a JWT: {OPAQUE}\n")
    );
    drop(stdin);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1));
    assert_eq!(err, "tokdiag: 8 tokens: 7 valid, 1 refused\n");
    eprintln!("slowest result after its token: {slowest:?}");
}

#[test]
fn closing_stdout_stops_an_endless_batch_quietly() {
    let t = tok("cognito-access.jwt");
    let (mut child, _cache) = spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    // An input without end: the feeder stops only when tokdiag is gone.
    let feeder = std::thread::spawn(move || {
        let line = format!("{t}\n");
        while stdin.write_all(line.as_bytes()).is_ok() {}
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with("✓ rsa-1/RS256"), "{first}");
    drop(out);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "tokdiag still running after its stdout was closed"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    feeder.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(err, "");
}

#[test]
fn lines_that_are_not_tokens_are_failed_results_not_an_abort() {
    let t = tok("cognito-access.jwt");
    let mut input = format!("{t}\n").into_bytes();
    input.extend(std::iter::repeat_n(b'a', 200 * 1024));
    input.extend(b"\n\xff\xfe not utf-8\n");
    input.extend(format!("{t}\n").as_bytes());
    let (mut child, _cache) = spawn(&[]);
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let ok = "✓ rsa-1/RS256 cognito-access sub=c4a8e4d8-7061-70b5-9e3f-2d6a1b7c8e90 exp 2100-01-01T00:00:00Z (in 73 y)";
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .collect::<Vec<_>>(),
        [
            ok,
            "✗ format: not a JWT: the token is 204800 bytes, over the 64 KiB limit",
            "✗ format: not a JWT: the line is not UTF-8 text",
            ok,
        ]
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "tokdiag: 4 tokens: 2 valid, 2 refused\n"
    );
}

#[test]
fn a_batch_of_non_tokens_never_loads_keys() {
    // The discovery URL points at a closed port: any fetch would fail with exit 3.
    let cache = tempfile::tempdir().unwrap();
    let url = format!(
        "http://127.0.0.1:{}/.well-known/openid-configuration",
        closed_port()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tokdiag"))
        .env("NO_COLOR", "1")
        .arg("--cache-dir")
        .arg(cache.path())
        .args(["verify", "--discovery-url", &url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"a.b.c\nc.d.e\nnot-a-token\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.lines().all(|l| l.starts_with("✗ format: not a JWT: ")));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "tokdiag: 3 tokens: 0 valid, 3 refused\n"
    );
}

#[test]
fn repeated_tokens_are_verified_once_per_worker_and_still_time_checked() {
    // The same token at two times: the memo keeps signature results only, so expiry still follows
    // --now.
    let mut c = access_claims();
    c["exp"] = Value::from(NOW + 10);
    let t = mint_with("rsa-1.pem", "rsa-1", jsonwebtoken::Algorithm::RS256, &c);
    let input = format!("{t}\n").repeat(300);
    let (code, out, _) = run_with(&[], input.clone());
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 300);
    let (code, out, _) = run_at(NOW + 60, &[], input);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .all(|l| l == "✗ expiry: expired at 2026-06-01T00:00:10Z (50 s ago)"),
        "{out}"
    );
}
