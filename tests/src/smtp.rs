//! A minimal SMTP sink for the mail tests: speaks enough RFC 5321 (no TLS, no AUTH) for a
//! real client to deliver to it over TCP, and keeps what it receives.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One delivered message.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-stuffing undone).
    pub data: String,
}

/// A running sink.
#[derive(Debug, Clone)]
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// Starts a sink on `port` (0: any free port).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind SMTP sink");
        let sink = Self {
            port: listener.local_addr().expect("addr").port(),
            received: Arc::default(),
            arrived: Arc::default(),
        };
        let shared = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = shared.clone();
                tokio::spawn(async move { s.session(stream).await });
            }
        });
        sink
    }

    /// Waits (up to 20 s) for a message to `to` and returns it.
    pub async fn wait_for(&self, to: &str) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let notified = self.arrived.notified();
            if let Some(m) = self.find(to) {
                return m;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no mail to {to} within 20 s");
            }
        }
    }

    /// A message to `to` received so far, if any.
    pub fn find(&self, to: &str) -> Option<Received> {
        let all = self.received.lock().expect("sink lock");
        all.iter().find(|m| m.to.iter().any(|t| t == to)).cloned()
    }

    async fn session(&self, stream: TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let mut from = String::new();
        let mut to = Vec::new();
        if write.write_all(b"220 sink ESMTP\r\n").await.is_err() {
            return;
        }
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&command["MAIL FROM:".len()..]);
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&command["RCPT TO:".len()..]));
                b"250 OK\r\n"
            } else if upper == "DATA" {
                if write.write_all(b"354 go ahead\r\n").await.is_err() {
                    return;
                }
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.received.lock().expect("sink lock").push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                self.arrived.notify_waiters();
                b"250 queued\r\n"
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                // HELO, RSET, NOOP and anything else.
                b"250 OK\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }
}

fn address(text: &str) -> String {
    text.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or_default()
        .to_owned()
}
