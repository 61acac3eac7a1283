//! The one loopback HTTP server of the tests, on hyper: every discovery/JWKS issuer, OAuth token
//! endpoint and stub upstream in these tests is a handler over [`Server`]. A handler is a plain
//! function of the request (it may block: it runs on tokio's blocking pool) returning a [`Reply`]:
//! a whole body, a streamed body of any length (declared or not), or no answer at all.
//!
//! Only peers that must break HTTP itself (a plain-text answer to a TLS ClientHello, a truncated
//! head) keep a raw socket in their own test.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// Largest request body a handler is given (bigger ones are cut off: the tests send a few KiB).
const MAX_REQUEST_BODY: usize = 16 << 20;
/// Size of the chunks a streamed reply is written in.
const CHUNK: usize = 64 * 1024;

/// A request as a handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// Request target (path and query).
    pub target: String,
    /// Headers, names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    /// Body (lossy UTF-8).
    pub body: String,
}

impl Request {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a handler answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status, headers and body.
    Full {
        /// Status code.
        status: u16,
        /// Extra headers (`content-length` is set from the body).
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
    },
    /// 200 `application/json`: `prefix`, then spaces, in 64 KiB chunks, `total` bytes in all
    /// (`None`: until the client hangs up). With `declared`, `content-length: total` is sent;
    /// without it the body is chunked and only the client's own count can stop it.
    /// [`Server::streamed`] tells how many body bytes were handed to the connection.
    Stream {
        /// Start of the body.
        prefix: String,
        /// Length of the whole body, or endless.
        total: Option<usize>,
        /// Send `content-length`.
        declared: bool,
    },
    /// Holds the request this long, then closes the connection without an answer.
    Hang(Duration),
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply::typed(status, "application/json", body)
    }

    /// `status` with a body of this content type.
    pub fn typed(status: u16, content_type: &str, body: impl Into<String>) -> Reply {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// The same reply with one more header (a no-op on streamed and hanging replies).
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running server; it lives until the test process ends.
#[derive(Clone)]
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The bound address.
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Request>>>,
    streamed: Arc<AtomicUsize>,
}

impl Server {
    /// Starts serving every request with `handler` (one connection per request: `connection:
    /// close`, as the hand-written servers these replace did, so request counts are exact).
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("addr");
        let server = Server {
            base: format!("http://{addr}"),
            addr,
            received: Arc::new(Mutex::new(Vec::new())),
            streamed: Arc::new(AtomicUsize::new(0)),
        };
        let handler: Arc<Handler> = Arc::new(handler);
        let (received, streamed) = (server.received.clone(), server.streamed.clone());
        std::thread::Builder::new()
            .name(format!("test-http-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test server runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(std_listener).expect("listener");
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        let (handler, received, streamed) =
                            (handler.clone(), received.clone(), streamed.clone());
                        tokio::spawn(async move {
                            let svc = service_fn(move |req| {
                                serve(req, handler.clone(), received.clone(), streamed.clone())
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .keep_alive(false)
                                .serve_connection(TokioIo::new(stream), svc)
                                .await;
                        });
                    }
                });
            })
            .expect("spawn test server");
        server
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Request> {
        self.received.lock().unwrap().clone()
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Requests received so far for `path` (query ignored).
    pub fn hits_on(&self, path: &str) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path() == path)
            .count()
    }

    /// Body bytes of streamed replies handed to connections so far.
    pub fn streamed(&self) -> usize {
        self.streamed.load(Ordering::Relaxed)
    }
}

/// No answer: closes the connection (hyper drops it on a service error).
#[derive(Debug)]
struct NoAnswer;

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no answer")
    }
}

impl std::error::Error for NoAnswer {}

async fn serve(
    req: hyper::Request<Incoming>,
    handler: Arc<Handler>,
    received: Arc<Mutex<Vec<Request>>>,
    streamed: Arc<AtomicUsize>,
) -> Result<hyper::Response<BoxBody<Bytes, Infallible>>, NoAnswer> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let request = Request {
        method: parts.method.to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    received.lock().unwrap().push(request.clone());
    let reply = tokio::task::spawn_blocking(move || handler(&request))
        .await
        .map_err(|_| NoAnswer)?;
    match reply {
        Reply::Hang(d) => {
            tokio::time::sleep(d).await;
            Err(NoAnswer)
        }
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut b = hyper::Response::builder().status(status);
            for (k, v) in headers {
                b = b.header(k, v);
            }
            Ok(b.body(Full::new(Bytes::from(body)).boxed())
                .expect("response"))
        }
        Reply::Stream {
            prefix,
            total,
            declared,
        } => {
            let mut b = hyper::Response::builder()
                .status(200)
                .header("content-type", "application/json");
            if let (true, Some(n)) = (declared, total) {
                b = b.header("content-length", n);
            }
            let left = total.map(|n| n.saturating_sub(prefix.len()));
            let first = Bytes::from(prefix);
            let filler = Bytes::from(vec![b' '; CHUNK]);
            let chunks = futures_util::stream::unfold(
                (Some(first), left, streamed),
                move |(first, left, streamed)| {
                    let filler = filler.clone();
                    async move {
                        let (chunk, left) = match (first, left) {
                            (Some(f), left) if !f.is_empty() => (f, left),
                            (_, Some(0)) => return None,
                            (_, Some(n)) => (filler.slice(..n.min(CHUNK)), Some(n - n.min(CHUNK))),
                            (_, None) => (filler, None),
                        };
                        streamed.fetch_add(chunk.len(), Ordering::Relaxed);
                        Some((
                            Ok::<_, Infallible>(Frame::data(chunk)),
                            (None, left, streamed),
                        ))
                    }
                },
            );
            Ok(b.body(StreamBody::new(chunks).boxed()).expect("response"))
        }
    }
}
