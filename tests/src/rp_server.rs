//! A tiny relying party on its own origin (`http://127.0.0.1:PORT`, while the issuer is
//! `http://localhost:PORT`): it records every callback (the query of a GET, the body of a
//! `form_post`), every visit of its home page (`/home`, a client's `client_uri`) and of its
//! front-channel logout page (`/fcl`), shows a
//! page, and redirects to a URL it is given (so that a flow starts
//! from the application's origin, as it does for a real user).
//!
//! Plain std sockets on threads of its own: it serves tests of any runtime.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the relying party received at a callback path.
#[derive(Debug, Clone)]
pub struct Callback {
    /// `GET` or `POST`.
    pub method: String,
    /// The path without the query (`/cb`, `/logged-out`, `/home`, `/fcl`).
    pub path: String,
    /// The query's (GET) or form body's (POST) parameters.
    pub params: Vec<(String, String)>,
}

impl Callback {
    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The relying party's server.
#[derive(Debug, Clone)]
pub struct RpServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    seen: Arc<Mutex<Vec<Callback>>>,
    arrived: Arc<tokio::sync::Notify>,
}

impl RpServer {
    /// Starts the server on a free loopback port; it lives as long as the process.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the RP");
        let base = format!("http://{}", listener.local_addr().expect("RP address"));
        let server = Self {
            base,
            seen: Arc::default(),
            arrived: Arc::default(),
        };
        let accepting = server.clone();
        std::thread::Builder::new()
            .name("test-rp".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let rp = accepting.clone();
                    // A browser's speculative connection may never send anything.
                    let _ = std::thread::Builder::new()
                        .name("test-rp-conn".into())
                        .spawn(move || rp.serve(stream));
                }
            })
            .expect("RP thread");
        server
    }

    /// An absolute URL on the relying party.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A URL on the relying party that redirects the browser to `to`.
    pub fn start_url(&self, to: &str) -> String {
        let mut url = url::Url::parse(&self.url("/go")).expect("RP URL");
        url.query_pairs_mut().append_pair("to", to);
        url.to_string()
    }

    /// Waits (up to 30 s) for a callback at `path` carrying `state`, and returns it.
    pub async fn wait_for(&self, path: &str, state: &str) -> Callback {
        self.wait_for_param(path, "state", state).await
    }

    /// Waits (up to 30 s) for a request to `path` whose parameter `name` is `value` (a
    /// front-channel logout frame carries `sid`, not `state`), and returns it.
    pub async fn wait_for_param(&self, path: &str, name: &str, value: &str) -> Callback {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let arrived = self.arrived.notified();
            if let Some(c) = self.find_param(path, name, value) {
                return c;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let seen = self.seen.lock().expect("RP log").clone();
                panic!("the RP got no {path} with {name}={value:?}; it got {seen:#?}");
            }
        }
    }

    /// The callback at `path` with `state`, if it arrived.
    pub fn find(&self, path: &str, state: &str) -> Option<Callback> {
        self.find_param(path, "state", state)
    }

    fn find_param(&self, path: &str, name: &str, value: &str) -> Option<Callback> {
        self.seen
            .lock()
            .expect("RP log")
            .iter()
            .find(|c| c.path == path && c.get(name) == Some(value))
            .cloned()
    }

    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let mut reader = BufReader::new(match stream.try_clone() {
            Ok(s) => s,
            Err(_) => return,
        });
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length.min(1 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let answer = match (method.as_str(), path) {
            ("GET", "/go") => {
                let to = parse(query)
                    .into_iter()
                    .find(|(n, _)| n == "to")
                    .map(|(_, v)| v)
                    .unwrap_or_default();
                format!(
                    "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
            }
            ("GET", "/cb" | "/logged-out" | "/home" | "/fcl") | ("POST", "/cb") => {
                let params = if method == "POST" {
                    parse(&String::from_utf8_lossy(&body))
                } else {
                    parse(query)
                };
                self.seen.lock().expect("RP log").push(Callback {
                    method: method.clone(),
                    path: path.to_owned(),
                    params,
                });
                self.arrived.notify_waiters();
                page("The application got the answer")
            }
            _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_owned(),
        };
        let mut stream = stream;
        let _ = stream.write_all(answer.as_bytes());
    }
}

fn page(text: &str) -> String {
    let html = format!("<!doctype html><title>RP</title><p id=\"rp\">{text}</p>");
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
        html.len()
    )
}

fn parse(encoded: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect()
}
