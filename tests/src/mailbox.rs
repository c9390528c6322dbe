//! Reading the mail Gatehouse wrote with its file transport (`<data_dir>/mail/*.eml`).

use std::time::Duration;

use crate::TestServer;

/// Every mail file decoded from quoted-printable (soft line breaks and `=3D`).
fn all(server: &TestServer) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(server.data_dir().join("mail")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|t| t.replace("=\r\n", "").replace("=3D", "="))
        .collect()
}

fn matches(mail: &str, to: &str, subject: &str) -> bool {
    mail.contains(&format!("To: {to}")) && mail.contains(subject)
}

/// Waits until the outbox holds no mail that is due (so every queued mail was written).
pub async fn drain(server: &TestServer) {
    let outbox = server.running().services.outbox.clone();
    for _ in 0..400 {
        let o = outbox.clone();
        let pending = server
            .on_server(async move { o.pending_count().await })
            .await;
        if pending.is_ok_and(|n| n == 0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the outbox did not drain");
}

/// The mails to `to` whose text contains `subject`, once every queued mail was written.
pub async fn all_to(server: &TestServer, to: &str, subject: &str) -> Vec<String> {
    drain(server).await;
    all(server)
        .into_iter()
        .filter(|m| matches(m, to, subject))
        .collect()
}

/// The mail to `to` with `subject`; waits for the mail worker (the file is the condition).
pub async fn mail_to(server: &TestServer, to: &str, subject: &str) -> String {
    for _ in 0..400 {
        if let Some(m) = all(server).into_iter().find(|m| matches(m, to, subject)) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no mail to {to} with {subject:?}");
}

/// The first link in `mail` to `path` on the server (e.g. `/reset-password?token=`).
pub fn link(server: &TestServer, mail: &str, path: &str) -> String {
    let prefix = server.url(path);
    let start = mail
        .find(&prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {mail}"));
    mail[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap_or_default()
        .to_owned()
}
