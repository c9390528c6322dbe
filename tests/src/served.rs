//! A document a relying party publishes at a URL (its JWK Set at `jwks_uri`, a request
//! object at a `request_uri`): a loopback listener that answers every GET with the current
//! body, which the test can change, and counts the requests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// The published document and its URL.
#[derive(Debug, Clone)]
pub struct Served {
    /// `http://127.0.0.1:PORT/PATH`.
    pub url: String,
    body: Arc<Mutex<(String, String)>>,
    hits: Arc<AtomicUsize>,
}

impl Served {
    /// Publishes `body` with `content_type` at `path` on a fresh port.
    pub async fn start(path: &str, content_type: &str, body: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}{path}", listener.local_addr().expect("address"));
        let served = Self {
            url,
            body: Arc::new(Mutex::new((content_type.to_owned(), body.to_owned()))),
            hits: Arc::default(),
        };
        let (body, hits) = (served.body.clone(), served.hits.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (body, hits) = (body.clone(), hits.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    hits.fetch_add(1, Ordering::SeqCst);
                    let (content_type, body) = body.lock().expect("body").clone();
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        served
    }

    /// Publishes a JSON document (a JWK Set) at `/jwks`.
    pub async fn json(value: &serde_json::Value) -> Self {
        Self::start("/jwks", "application/json", &value.to_string()).await
    }

    /// Replaces the body.
    pub fn set(&self, body: &str) {
        self.body.lock().expect("body").1 = body.to_owned();
    }

    /// How many requests it answered.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}
