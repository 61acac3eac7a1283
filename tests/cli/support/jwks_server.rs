//! A loopback HTTP server for the OIDC tests: serves a discovery document and a JWKS from
//! testdata, counts requests per path, and can misbehave on demand (500, HTML, hang, no jwks_uri,
//! Cache-Control, key rotation). Plain std::net + one thread per connection: no async in tests.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// The pool id used in paths.
pub const POOL: &str = "us-east-1_h0Vo2Whhx";
/// Path of the discovery document.
pub const DISCOVERY_PATH: &str = "/us-east-1_h0Vo2Whhx/.well-known/openid-configuration";
/// Path of the JWKS.
pub const JWKS_PATH: &str = "/us-east-1_h0Vo2Whhx/.well-known/jwks.json";

/// How a path answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// The document, 200.
    Normal,
    /// This status with a small JSON error body.
    Status(u16),
    /// 200 with an HTML page.
    Html,
    /// Sleep this long before answering (longer than the client's timeout).
    Hang(Duration),
    /// 200 `application/json` with a body of this many bytes (`{"keys":[` then spaces), streamed
    /// in 64 KiB chunks until the client hangs up; [`JwksServer::bytes_sent`] tells how far it got.
    Huge(usize),
    /// The same without `content-length` (the body ends when the connection closes), so only
    /// the client's running count can stop it.
    HugeUndeclared(usize),
    /// 302 to this location (absolute, or a path on this server).
    Redirect(String),
    /// 200 with this exact body and content type.
    Body(&'static str, String),
    /// The normal answer, after this delay (a slow issuer, so concurrent clients overlap).
    Delay(Duration),
}

#[derive(Debug)]
struct State {
    issuer: String,
    jwks: Value,
    discovery_override: Option<Value>,
    cache_control: Option<String>,
    modes: HashMap<String, Mode>,
    counts: HashMap<String, usize>,
    bytes_sent: usize,
}

/// The running server. It lives until the test process ends.
#[derive(Clone)]
pub struct JwksServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    state: Arc<Mutex<State>>,
}

fn read_json(rel: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(&p).expect("testdata file")).expect("json")
}

impl JwksServer {
    /// Starts a server with testdata/jwks.json and the Cognito issuer of testdata/discovery.json.
    pub fn start() -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let discovery = read_json("discovery.json");
        let issuer = discovery["issuer"].as_str().unwrap_or_default().to_string();
        let state = Arc::new(Mutex::new(State {
            issuer,
            jwks: read_json("jwks.json"),
            discovery_override: None,
            cache_control: None,
            modes: HashMap::new(),
            counts: HashMap::new(),
            bytes_sent: 0,
        }));
        let server = JwksServer { base, state };
        let s = server.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || s.handle(conn));
            }
        });
        server
    }

    /// The discovery URL.
    pub fn discovery_url(&self) -> String {
        format!("{}{DISCOVERY_PATH}", self.base)
    }

    /// The JWKS URL.
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.base)
    }

    /// Sets the `issuer` the discovery document publishes.
    pub fn set_issuer(&self, iss: &str) {
        self.state.lock().unwrap().issuer = iss.to_string();
    }

    /// Serves this JWKS from now on (key rotation).
    pub fn set_jwks(&self, jwks: Value) {
        self.state.lock().unwrap().jwks = jwks;
    }

    /// Serves a testdata JWKS file from now on.
    pub fn set_jwks_file(&self, rel: &str) {
        self.set_jwks(read_json(rel));
    }

    /// Serves this discovery document verbatim (e.g. one without `jwks_uri`).
    pub fn set_discovery(&self, doc: Value) {
        self.state.lock().unwrap().discovery_override = Some(doc);
    }

    /// Sends this `Cache-Control` header (None: no header).
    pub fn set_cache_control(&self, v: Option<&str>) {
        self.state.lock().unwrap().cache_control = v.map(str::to_string);
    }

    /// Makes a path misbehave.
    pub fn set_mode(&self, path: &str, mode: Mode) {
        self.state
            .lock()
            .unwrap()
            .modes
            .insert(path.to_string(), mode);
    }

    /// Requests seen for a path.
    pub fn count(&self, path: &str) -> usize {
        *self.state.lock().unwrap().counts.get(path).unwrap_or(&0)
    }

    /// Requests seen for any path.
    pub fn total_hits(&self) -> usize {
        self.state.lock().unwrap().counts.values().sum()
    }

    /// Body bytes written by [`Mode::Huge`] answers so far.
    pub fn bytes_sent(&self) -> usize {
        self.state.lock().unwrap().bytes_sent
    }

    /// Requests to the discovery document.
    pub fn discovery_hits(&self) -> usize {
        self.count(DISCOVERY_PATH)
    }

    /// Requests to the JWKS.
    pub fn jwks_hits(&self) -> usize {
        self.count(JWKS_PATH)
    }

    fn handle(&self, mut conn: TcpStream) {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 2048];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
            match conn.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf);
        let path = head
            .lines()
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .to_string();
        let (mode, cache_control, body) = {
            let mut st = self.state.lock().unwrap();
            *st.counts.entry(path.clone()).or_insert(0) += 1;
            let mode = st.modes.get(&path).cloned().unwrap_or(Mode::Normal);
            let body = if path == DISCOVERY_PATH {
                Some(st.discovery_override.clone().unwrap_or_else(|| {
                    let mut d = read_json("discovery.json");
                    d["issuer"] = Value::String(st.issuer.clone());
                    d["jwks_uri"] = Value::String(format!("{}{JWKS_PATH}", self.base));
                    d
                }))
            } else if path == JWKS_PATH {
                Some(st.jwks.clone())
            } else {
                None
            };
            (mode, st.cache_control.clone(), body)
        };
        let (status, ctype, text) = match (&mode, body) {
            (Mode::Hang(d), _) => {
                std::thread::sleep(*d);
                return;
            }
            (Mode::Huge(n), _) => {
                self.stream_huge(conn, *n, true);
                return;
            }
            (Mode::HugeUndeclared(n), _) => {
                self.stream_huge(conn, *n, false);
                return;
            }
            (Mode::Redirect(to), _) => {
                let resp = format!(
                    "HTTP/1.1 302 Found\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = conn.write_all(resp.as_bytes());
                return;
            }
            (Mode::Body(ctype, text), _) => (200, *ctype, text.clone()),
            (Mode::Delay(d), Some(b)) => {
                std::thread::sleep(*d);
                (200, "application/json", b.to_string())
            }
            (Mode::Delay(_), None) => (
                404,
                "application/json",
                "{\"error\":\"not found\"}".to_string(),
            ),
            (Mode::Status(s), _) => (
                *s,
                "application/json",
                format!("{{\"error\":\"status {s}\"}}"),
            ),
            (Mode::Html, _) => (
                200,
                "text/html",
                "<!DOCTYPE html><html><body>Sign in</body></html>".to_string(),
            ),
            (Mode::Normal, Some(b)) => (200, "application/json", b.to_string()),
            (Mode::Normal, None) => (
                404,
                "application/json",
                "{\"error\":\"not found\"}".to_string(),
            ),
        };
        let mut resp = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n",
            text.len()
        );
        if let Some(cc) = cache_control {
            resp.push_str(&format!("cache-control: {cc}\r\n"));
        }
        resp.push_str("\r\n");
        resp.push_str(&text);
        let _ = conn.write_all(resp.as_bytes());
        let _ = conn.flush();
    }
}

impl JwksServer {
    fn stream_huge(&self, mut conn: TcpStream, n: usize, declared: bool) {
        let length = if declared {
            format!("content-length: {n}\r\n")
        } else {
            String::new()
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n{{\"keys\":["
        );
        if conn.write_all(head.as_bytes()).is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        let mut left = n.saturating_sub(9);
        while left > 0 {
            let k = left.min(chunk.len());
            if conn.write_all(&chunk[..k]).is_err() {
                return;
            }
            left -= k;
            self.state.lock().unwrap().bytes_sent += k;
        }
    }
}

/// A loopback port with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let p = l.local_addr().expect("addr").port();
    drop(l);
    p
}
