//! Outgoing mail: the outbox drained into `.eml` files (development transport), over real
//! SMTP to a sink, and through an SMTP outage without losing the mail.

use domain::mail::Message;
use harness::smtp::SmtpSink;
use harness::{Backend, TestServer};

fn message(to: &str) -> Message {
    Message {
        kind: "test",
        to: to.into(),
        subject: "Confirm your address".into(),
        text: "Follow this link: https://id.example/verify?t=abc".into(),
        html: "<p>Follow <a href=\"https://id.example/verify?t=abc\">this link</a></p>".into(),
    }
}

/// Queues `message` on the server and wakes its mail worker; returns the outbox id.
async fn enqueue(server: &TestServer, message: Message) -> String {
    let outbox = server.running().services.outbox.clone();
    let id = server
        .on_server(async move { outbox.enqueue(message).await })
        .await
        .expect("queued");
    server.running().mail_waker.notify_one();
    id
}

/// Polls the outbox row until `done` holds for it (the worker's progress is the condition).
async fn wait_row(
    server: &TestServer,
    id: &str,
    done: impl Fn(&domain::entities::mail_outbox::Model) -> bool,
) -> domain::entities::mail_outbox::Model {
    for _ in 0..200 {
        let outbox = server.running().services.outbox.clone();
        let key = id.to_owned();
        let row = server
            .on_server(async move { outbox.get(&key).await })
            .await
            .expect("outbox row")
            .expect("row exists");
        if done(&row) {
            return row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("mail {id} did not reach the expected state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_transport_writes_a_multipart_eml() {
    let server = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let id = enqueue(&server, message("file@example.com")).await;
    wait_row(&server, &id, |r| r.sent_at.is_some()).await;
    let dir = server.data_dir().join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("mail directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: file@example.com"), "{eml}");
    assert!(eml.contains("Subject: Confirm your address"));
    assert!(eml.contains("multipart/alternative"));
    assert!(eml.contains("text/plain") && eml.contains("text/html"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_delivers_to_a_real_smtp_server() {
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let server = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = gatehouse::config::MailTransport::Smtp;
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.mail.smtp_security = gatehouse::config::MailSecurity::None;
        c.mail.from = "Gatehouse <id@example.com>".into();
    })
    .await
    .expect("sqlite");
    let id = enqueue(&server, message("smtp@example.com")).await;
    let got = sink.wait_for("smtp@example.com").await;
    assert_eq!(got.from, "id@example.com");
    assert!(got.data.contains("Subject: Confirm your address"));
    assert!(got.data.contains("https://id.example/verify?t=abc"));
    wait_row(&server, &id, |r| r.sent_at.is_some()).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_outage_delays_mail_but_loses_none() {
    // A port with nothing listening (yet).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = gatehouse::config::MailTransport::Smtp;
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.mail.smtp_security = gatehouse::config::MailSecurity::None;
        c.mail.retry_first_backoff_secs = 1;
        c.mail.retry_max_backoff_secs = 1;
        c.mail.poll_interval_ms = 100;
    })
    .await
    .expect("sqlite");
    let id = enqueue(&server, message("outage@example.com")).await;
    let failed = wait_row(&server, &id, |r| r.attempts >= 1).await;
    assert!(
        failed.sent_at.is_none() && failed.failed_at.is_none(),
        "kept for a retry"
    );
    assert!(failed.last_error.is_some());
    // The server comes back: the retry delivers.
    let sink = SmtpSink::start_on(port).await;
    let got = sink.wait_for("outage@example.com").await;
    assert!(got.data.contains("Confirm your address"));
    wait_row(&server, &id, |r| r.sent_at.is_some()).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_verification_mail_travels_over_smtp() {
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let server = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = gatehouse::config::MailTransport::Smtp;
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.mail.smtp_security = gatehouse::config::MailSecurity::None;
        c.registration.mode = gatehouse::config::RegistrationMode::Open;
    })
    .await
    .expect("sqlite");
    let browser = harness::rp::Browser::new(&server);
    let page = browser.open(&server.url("/register")).await;
    let csrf = harness::rp::hidden(page.page().2, "csrf").unwrap();
    let done = browser
        .post(
            &server.url("/register"),
            &[
                ("csrf", csrf.as_str()),
                ("email", "smtp-reg@example.com"),
                ("password", "violet staircase humming 42"),
            ],
        )
        .await;
    assert!(done.page().2.contains("Check your inbox"));
    let got = sink.wait_for("smtp-reg@example.com").await;
    let data = got.data.replace("=\r\n", "").replace("=3D", "=");
    assert!(
        data.contains("Subject: Confirm your email address"),
        "{data}"
    );
    let link = harness::mailbox::link(&server, &data, "/verify-email?token=");
    let confirm = browser.open(&link).await;
    let token = harness::rp::hidden(confirm.page().2, "token").unwrap();
    let csrf = harness::rp::hidden(confirm.page().2, "csrf").unwrap();
    let confirmed = browser
        .post(
            &server.url("/verify-email"),
            &[("csrf", csrf.as_str()), ("token", token.as_str())],
        )
        .await;
    assert!(confirmed.page().2.contains("Email address confirmed"));
    server.stop().await;
}
