//! Mail delivery: a background worker drains the outbox through SMTP (STARTTLS, TLS or
//! plain, with optional authentication) or, for development, into `.eml` files.

use std::sync::Arc;
use std::time::Duration;

use domain::mail::{Claimed, Outbox};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::config::{MailConfig, MailSecurity, MailTransport};

/// How mail leaves this node.
#[derive(Clone)]
enum Sender {
    /// The transport and the server's host name (for the trace span).
    Smtp(AsyncSmtpTransport<Tokio1Executor>, String),
    File(AsyncFileTransport<Tokio1Executor>),
}

/// The delivery worker's inputs, built once at start.
#[derive(Clone)]
pub struct Mailer {
    sender: Sender,
    from: Mailbox,
    outbox: Outbox,
    poll: Duration,
    wake: Arc<Notify>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the transport from the configuration (`file_dir` already resolved).
    pub fn new(config: &MailConfig, outbox: Outbox) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
        let sender = match config.transport {
            MailTransport::File => {
                // Mails hold sign-in links and codes: owner only.
                domain::store::create_private_dir(std::path::Path::new(&config.file_dir))?;
                Sender::File(AsyncFileTransport::new(&config.file_dir))
            }
            MailTransport::Smtp => {
                let builder = match config.smtp_security {
                    MailSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)?
                    }
                    MailSecurity::Tls => {
                        AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)?
                    }
                    MailSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host)
                    }
                };
                let mut builder = builder
                    .port(config.smtp_port)
                    .timeout(Some(Duration::from_secs(config.smtp_timeout_secs)));
                if !config.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        config.smtp_username.clone(),
                        config.smtp_password.clone(),
                    ));
                }
                Sender::Smtp(builder.build(), config.smtp_host.clone())
            }
        };
        Ok(Self {
            sender,
            from,
            outbox,
            poll: Duration::from_millis(config.poll_interval_ms),
            wake: Arc::new(Notify::new()),
        })
    }

    /// A handle that makes the worker look at the outbox now (after an enqueue on this node).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Starts the worker: it drains due mail, then sleeps until woken or the poll interval
    /// passes (other nodes' mail and retries are found by polling).
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.drain().await {
                    tracing::error!(error = %e, "mail outbox unavailable; retrying");
                }
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(self.poll) => {}
                }
            }
        })
    }

    async fn drain(&self) -> Result<(), domain::Error> {
        loop {
            // One at a time: a claim's lease runs from the claim, so mails claimed in a batch
            // behind a slow SMTP server could outlive their lease before their turn and be
            // claimed (and sent) by another node as well.
            let batch = self.outbox.claim_due(1).await?;
            if batch.is_empty() {
                return Ok(());
            }
            for mail in batch {
                self.deliver(&mail).await?;
            }
        }
    }

    async fn deliver(&self, mail: &Claimed) -> Result<(), domain::Error> {
        let row = &mail.row;
        match self.send(mail).await {
            Ok(()) => {
                tracing::info!(id = %row.id, kind = %row.kind, "mail sent");
                self.outbox.mark_sent(&row.id).await
            }
            Err(error) => {
                let retry = self.outbox.mark_failed(row, &error).await?;
                if retry {
                    tracing::warn!(id = %row.id, kind = %row.kind, %error, "mail delivery failed; will retry");
                } else {
                    tracing::error!(id = %row.id, kind = %row.kind, %error, "mail delivery failed; giving up");
                }
                Ok(())
            }
        }
    }

    async fn send(&self, mail: &Claimed) -> Result<(), String> {
        let row = &mail.row;
        let to: Mailbox = row
            .to_address
            .parse()
            .map_err(|e| format!("recipient: {e}"))?;
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| format!("message: {e}"))?;
        match &self.sender {
            Sender::Smtp(t, server) => {
                // The worker runs outside any request: this span starts its own trace.
                let span = domain::telemetry::smtp_span(server);
                let result = t.send(message).instrument(span.clone()).await;
                domain::telemetry::record_outcome(&span, result.is_ok());
                result.map(drop).map_err(|e| e.to_string())
            }
            Sender::File(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
        }
    }
}
