//! A minimal, fast MCP upstream for `bench/proxy.sh`: every POST gets a small JSON-RPC result
//! (`tools/list` with one tool, `validate_content`), every other method a 405. HTTP/1.1 keep-alive,
//! multi-threaded; it exists so the benchmark measures the proxy, not a slow test server.
//!
//! `cargo run --release --example fast_upstream -- 127.0.0.1:PORT` (loopback only).

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const RESULT: &[u8] = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"validate_content","description":"bench","inputSchema":{"type":"object"}}]}}"#;

async fn answer(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != Method::POST {
        return Ok(Response::builder()
            .status(405)
            .body(Full::new(Bytes::new()))
            .unwrap_or_default());
    }
    // Read the body whole, as a real server would.
    let _ = req.into_body().collect().await;
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(RESULT)))
        .unwrap_or_default())
}

fn main() {
    let addr: SocketAddr = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(a)) => a,
        _ => {
            eprintln!("usage: fast_upstream 127.0.0.1:PORT");
            std::process::exit(2);
        }
    };
    if !addr.ip().is_loopback() {
        eprintln!("fast_upstream: {addr} is not a loopback address");
        std::process::exit(2);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let listener = match TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("fast_upstream: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        };
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(answer))
                    .await;
            });
        }
    });
}
