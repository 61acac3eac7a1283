//! A loopback OIDC issuer for the tests: serves a discovery document and a JWKS from testdata,
//! counts requests per path, and can misbehave on demand (500, HTML, hang, no jwks_uri,
//! Cache-Control, key rotation). A handler over the one test server, [`super::http::Server`].

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use super::http::{Reply, Request, Server};

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
}

/// The running server. It lives until the test process ends.
#[derive(Clone)]
pub struct JwksServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    state: Arc<Mutex<State>>,
    server: Server,
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
        let discovery = read_json("discovery.json");
        let issuer = discovery["issuer"].as_str().unwrap_or_default().to_string();
        let state = Arc::new(Mutex::new(State {
            issuer,
            jwks: read_json("jwks.json"),
            discovery_override: None,
            cache_control: None,
            modes: HashMap::new(),
        }));
        // The base URL is known only once the server is bound: the handler reads it from here.
        let base: Arc<OnceLock<String>> = Arc::default();
        let (st, b) = (state.clone(), base.clone());
        let server =
            Server::start(move |req| answer(req, &st, b.get().map(String::as_str).unwrap_or("")));
        let _ = base.set(server.base.clone());
        JwksServer {
            base: server.base.clone(),
            state,
            server,
        }
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
        self.server.hits_on(path)
    }

    /// Requests seen for any path.
    pub fn total_hits(&self) -> usize {
        self.server.hits()
    }

    /// Body bytes written by [`Mode::Huge`] answers so far.
    pub fn bytes_sent(&self) -> usize {
        self.server.streamed()
    }

    /// Requests to the discovery document.
    pub fn discovery_hits(&self) -> usize {
        self.count(DISCOVERY_PATH)
    }

    /// Requests to the JWKS.
    pub fn jwks_hits(&self) -> usize {
        self.count(JWKS_PATH)
    }
}

fn not_found() -> Reply {
    Reply::json(404, "{\"error\":\"not found\"}")
}

fn answer(req: &Request, state: &Mutex<State>, base: &str) -> Reply {
    let path = req.path();
    let (mode, cache_control, body) = {
        let st = state.lock().unwrap();
        let mode = st.modes.get(path).cloned().unwrap_or(Mode::Normal);
        let body = if path == DISCOVERY_PATH {
            Some(st.discovery_override.clone().unwrap_or_else(|| {
                let mut d = read_json("discovery.json");
                d["issuer"] = Value::String(st.issuer.clone());
                d["jwks_uri"] = Value::String(format!("{base}{JWKS_PATH}"));
                d
            }))
        } else if path == JWKS_PATH {
            Some(st.jwks.clone())
        } else {
            None
        };
        (mode, st.cache_control.clone(), body)
    };
    let reply = match (mode, body) {
        (Mode::Hang(d), _) => return Reply::Hang(d),
        (Mode::Huge(n), _) => {
            return Reply::Stream {
                prefix: "{\"keys\":[".into(),
                total: Some(n),
                declared: true,
            };
        }
        (Mode::HugeUndeclared(n), _) => {
            return Reply::Stream {
                prefix: "{\"keys\":[".into(),
                total: Some(n),
                declared: false,
            };
        }
        (Mode::Redirect(to), _) => {
            return Reply::Full {
                status: 302,
                headers: vec![("location".into(), to)],
                body: String::new(),
            };
        }
        (Mode::Body(ctype, text), _) => Reply::typed(200, ctype, text),
        (Mode::Delay(d), Some(b)) => {
            std::thread::sleep(d);
            Reply::json(200, b.to_string())
        }
        (Mode::Delay(_), None) | (Mode::Normal, None) => not_found(),
        (Mode::Status(s), _) => Reply::json(s, format!("{{\"error\":\"status {s}\"}}")),
        (Mode::Html, _) => Reply::typed(
            200,
            "text/html",
            "<!DOCTYPE html><html><body>Sign in</body></html>",
        ),
        (Mode::Normal, Some(b)) => Reply::json(200, b.to_string()),
    };
    match cache_control {
        Some(cc) => reply.header("cache-control", &cc),
        None => reply,
    }
}

/// A loopback port with nothing listening (bound, then released): for a refused connection, or
/// for a server to start on.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let p = l.local_addr().expect("addr").port();
    drop(l);
    p
}
