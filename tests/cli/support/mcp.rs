//! Helpers for the invoke/proxy/doctor tests: the MCP servers of three SDKs from scripts/test.sh
//! (Python 1.x, Python 2.x, TypeScript), or ones started here (`--stateful`, `--json-response`,
//! `--gateway`), `tokdiag proxy` as a child process, a tiny loopback stub that
//! answers every request with a fixed status and body (for statuses only the hosted service
//! produces: 424, 400 session id, 403 method mismatch), and a raw HTTP/1.1 client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::http::{Reply, Server};
use super::tokens::{NOW, root};

/// The Python MCP server started by scripts/test.sh. Fails (never skips) without it.
pub fn mcp_url() -> String {
    std::env::var("TOKDIAG_TEST_MCP_URL").unwrap_or_else(|_| {
        panic!("TOKDIAG_TEST_MCP_URL is not set: run the tests with scripts/test.sh")
    })
}

/// The Python SDK 2.x MCP server started by scripts/test.sh. Fails (never skips) without it.
pub fn mcp2_url() -> String {
    std::env::var("TOKDIAG_TEST_MCP2_URL").unwrap_or_else(|_| {
        panic!("TOKDIAG_TEST_MCP2_URL is not set: run the tests with scripts/test.sh")
    })
}

/// The TypeScript SDK MCP server started by scripts/test.sh. Fails (never skips) without it.
pub fn mcp_ts_url() -> String {
    std::env::var("TOKDIAG_TEST_MCP_TS_URL").unwrap_or_else(|_| {
        panic!("TOKDIAG_TEST_MCP_TS_URL is not set: run the tests with scripts/test.sh")
    })
}

/// The three SDK servers of scripts/test.sh: (name, URL).
pub fn sdk_servers() -> Vec<(&'static str, String)> {
    vec![
        ("python-1", mcp_url()),
        ("python-2", mcp2_url()),
        ("typescript", mcp_ts_url()),
    ]
}

/// The venv's python (for extra servers). Fails without it.
pub fn python() -> String {
    std::env::var("TOKDIAG_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("TOKDIAG_TEST_PYTHON is not set: run the tests with scripts/test.sh")
    })
}

/// Kills a child we started, by its handle.
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// An MCP server started by a test (`--stateful`, `--json-response`, `--gateway`), of any SDK.
pub struct PyServer {
    child: Child,
    /// `http://127.0.0.1:PORT/mcp`.
    pub url: String,
}

impl PyServer {
    /// Starts tests/servers/mcp_server.py (Python SDK 1.x) with `flags` on a free port; waits
    /// until it accepts.
    pub fn start(flags: &[&str]) -> PyServer {
        Self::start_sdk("python-1", flags)
    }

    /// Starts the server of `sdk` (`python-1`, `python-2`, `typescript`) with `flags`.
    pub fn start_sdk(sdk: &str, flags: &[&str]) -> PyServer {
        let port = super::jwks_server::closed_port();
        let env = |v: &str| {
            std::env::var(v)
                .unwrap_or_else(|_| panic!("{v} is not set: run the tests with scripts/test.sh"))
        };
        let mut cmd = match sdk {
            "python-1" => {
                let mut c = Command::new(python());
                c.arg(root().join("tests/servers/mcp_server.py"));
                c.args(["--log-level", "WARNING"]);
                c
            }
            "python-2" => {
                let mut c = Command::new(env("TOKDIAG_TEST_MCP2_PYTHON"));
                c.arg(root().join("tests/servers/mcp2_server.py"));
                c.args(["--log-level", "WARNING"]);
                c
            }
            "typescript" => {
                let mut c = Command::new(env("TOKDIAG_TEST_NODE"));
                c.arg(root().join("tests/servers/ts/server.mjs"));
                c
            }
            other => panic!("no such test server SDK: {other}"),
        };
        let child = cmd
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start MCP server");
        let mut s = PyServer {
            child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _, _)) =
                http(&format!("http://127.0.0.1:{port}/healthz"), "GET", &[], "")
            {
                break;
            }
            if let Ok(Some(st)) = s.child.try_wait() {
                panic!("{sdk} MCP server exited: {st}");
            }
            assert!(
                Instant::now() < deadline,
                "{sdk} MCP server not ready on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        s
    }
}

impl Drop for PyServer {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// `tokdiag proxy` running as a child process, with its stderr log collected.
pub struct Proxy {
    child: Child,
    /// `http://127.0.0.1:PORT` (no path).
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Starts `tokdiag --cache-dir CACHE --now NOW proxy --listen 127.0.0.1:0 ARGS…` and waits for
    /// its "listening on" line.
    pub fn start(cache: &Path, args: &[&str]) -> Proxy {
        Self::start_at(cache, Some(NOW), args)
    }

    /// Like [`Proxy::start`], at a fixed time or (`None`) the clock.
    pub fn start_at(cache: &Path, now: Option<i64>, args: &[&str]) -> Proxy {
        Self::start_cmd(
            Command::new(assert_cmd::cargo::cargo_bin("tokdiag")),
            cache,
            now,
            args,
        )
    }

    /// Like [`Proxy::start_at`], with no AWS_* variable from the test's environment and `env` set
    /// (IAM mode: the credentials it verifies against).
    pub fn start_env(cache: &Path, now: Option<i64>, env: &[(&str, &str)], args: &[&str]) -> Proxy {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tokdiag"));
        for (k, _) in std::env::vars() {
            if k.starts_with("AWS_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(env.iter().copied());
        Self::start_cmd(cmd, cache, now, args)
    }

    fn start_cmd(mut cmd: Command, cache: &Path, now: Option<i64>, args: &[&str]) -> Proxy {
        cmd.env_remove("TOKDIAG_CACHE_DIR")
            .env("NO_COLOR", "1")
            .arg("--cache-dir")
            .arg(cache);
        if let Some(n) = now {
            cmd.args(["--now", &n.to_string()]);
        }
        let mut child = cmd
            .args(["proxy", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tokdiag proxy");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let l2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(Ok(addr));
                }
                l2.lock().unwrap().push(line);
            }
            let _ = tx.send(Err(()));
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(addr)) => Proxy {
                child,
                base: format!("http://{addr}"),
                log,
            },
            _ => {
                stop(&mut child);
                panic!(
                    "tokdiag proxy did not start; its log:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        }
    }

    /// The proxy's MCP URL.
    pub fn url(&self) -> String {
        format!("{}/mcp", self.base)
    }

    /// The log lines so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits (bounded) for a log line containing `needle`; returns it.
    pub fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(l) = self.log().into_iter().find(|l| l.contains(needle)) {
                return l;
            }
            assert!(
                Instant::now() < deadline,
                "no proxy log line with {needle:?}; log:\n{}",
                self.log().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit status.
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st;
            }
            assert!(Instant::now() < deadline, "proxy did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A raw response: status, headers (names lowercased), body.
pub type RawResponse = (u16, Vec<(String, String)>, String);

/// One request a stub received.
pub type Received = super::http::Request;

/// A loopback HTTP stub: every request gets the same answer (or none, with `hang`).
pub struct Stub {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    server: Server,
}

impl Stub {
    /// Answers every request with `status`, `headers` and `body` (JSON).
    pub fn start(status: u16, headers: &[(&str, &str)], body: &str) -> Stub {
        let mut reply = Reply::json(status, body);
        for (k, v) in headers {
            reply = reply.header(k, v);
        }
        Self::serve(reply)
    }

    /// Never answers (reads the request, then holds the connection).
    pub fn hang() -> Stub {
        Self::serve(Reply::Hang(Duration::from_secs(30)))
    }

    fn serve(reply: Reply) -> Stub {
        let server = Server::start(move |_| reply.clone());
        Stub {
            base: server.base.clone(),
            server,
        }
    }

    /// Requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.server.received()
    }
}

/// A raw HTTP/1.1 request (no redirects, `Connection: close`): (status, headers lowercased, body).
pub fn http(
    url: &str,
    method: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<RawResponse> {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut s = TcpStream::connect(host)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, headers, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The headers a well-formed MCP POST carries (plus a bearer token when given).
pub fn mcp_headers(token: Option<&str>) -> Vec<(String, String)> {
    let mut h = vec![
        ("content-type".to_string(), "application/json".to_string()),
        (
            "accept".to_string(),
            "application/json, text/event-stream".to_string(),
        ),
    ];
    if let Some(t) = token {
        h.push(("authorization".to_string(), format!("Bearer {t}")));
    }
    h
}

/// An `initialize` request body.
pub const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"0"}}}"#;

/// POSTs `initialize` to `url` with `headers`.
pub fn post_initialize(
    url: &str,
    headers: &[(String, String)],
) -> (u16, Vec<(String, String)>, String) {
    let h: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    http(url, "POST", &h, INITIALIZE).expect("HTTP request")
}

/// A header of a raw response.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Removes every AWS_* variable and points the profile files at nothing: no ambient credentials,
/// and no instance-metadata lookup (which would leave loopback).
pub fn no_aws(c: &mut assert_cmd::Command, home: &std::path::Path) {
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
}

/// The test access key id.
pub const KEY_ID: &str = "AKIDTOKDIAGTEST00001";
/// The test secret key.
pub const SECRET: &str = "tokdiag/test/secret/key/0123456789abcdefgh";
/// The test session token.
pub const SESSION: &str = "tokdiag-test-session-token-value";

/// [`no_aws`], then static test credentials (with a session token) in the environment.
pub fn with_creds(c: &mut assert_cmd::Command, home: &std::path::Path) {
    no_aws(c, home);
    c.env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", SESSION);
}
