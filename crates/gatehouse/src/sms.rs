//! Text-message senders: a generic HTTP API (URL, credentials, body template: covers
//! Twilio-style APIs) and, for development, one file per message under `<data_dir>/sms`.

use std::path::PathBuf;
use std::time::Duration;

use login_ui::sms::{SmsFuture, SmsSender};

use crate::config::{SmsConfig, SmsTransport};

/// Writes each message to `<dir>/<timestamp>-<to>.txt`.
#[derive(Debug)]
pub struct FileSms {
    dir: PathBuf,
}

impl SmsSender for FileSms {
    fn send(&self, to: &str, text: &str) -> SmsFuture {
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let path = self
            .dir
            .join(format!("{stamp}-{}.txt", to.trim_start_matches('+')));
        let body = format!("To: {to}\n\n{text}\n");
        Box::pin(async move {
            tokio::fs::write(&path, body)
                .await
                .map_err(|e| format!("{}: {e}", path.display()))
        })
    }
}

/// Posts each message to an HTTP API.
#[derive(Debug)]
pub struct HttpSms {
    http: reqwest::Client,
    url: String,
    username: String,
    password: String,
    bearer_token: String,
    content_type: String,
    body_template: String,
    from: String,
}

impl HttpSms {
    /// The request body: the template with `{to}`, `{from}` and `{message}` replaced, each
    /// encoded for the content type (JSON string escapes, or form URL-encoding).
    fn body(&self, to: &str, text: &str) -> String {
        let json = self.content_type.contains("json");
        let encode = |v: &str| {
            if json {
                let quoted = serde_json::Value::String(v.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            } else {
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
            }
        };
        self.body_template
            .replace("{to}", &encode(to))
            .replace("{from}", &encode(&self.from))
            .replace("{message}", &encode(text))
    }
}

impl SmsSender for HttpSms {
    fn send(&self, to: &str, text: &str) -> SmsFuture {
        let mut req = self
            .http
            .post(&self.url)
            .timeout(Duration::from_secs(10))
            .header(reqwest::header::CONTENT_TYPE, self.content_type.clone())
            .body(self.body(to, text));
        if !self.username.is_empty() {
            req = req.basic_auth(&self.username, Some(&self.password));
        }
        if !self.bearer_token.is_empty() {
            req = req.bearer_auth(&self.bearer_token);
        }
        Box::pin(async move {
            let res = domain::telemetry::send(req)
                .await
                .map_err(|e| e.to_string())?;
            if res.status().is_success() {
                Ok(())
            } else {
                Err(format!("the SMS API answered {}", res.status()))
            }
        })
    }
}

/// The sender the configuration asks for (`None` for `sms.transport = "none"`).
pub fn sender(
    config: &SmsConfig,
    data_dir: &std::path::Path,
) -> anyhow::Result<login_ui::sms::Sms> {
    Ok(match config.transport {
        SmsTransport::None => None,
        SmsTransport::File => {
            let dir = data_dir.join("sms");
            domain::store::create_private_dir(&dir)?;
            Some(std::sync::Arc::new(FileSms { dir }))
        }
        SmsTransport::Http => Some(std::sync::Arc::new(HttpSms {
            http: reqwest::Client::new(),
            url: config.http_url.clone(),
            username: config.http_username.clone(),
            password: config.http_password.clone(),
            bearer_token: config.http_bearer_token.clone(),
            content_type: config.http_content_type.clone(),
            body_template: config.http_body_template.clone(),
            from: config.from.clone(),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(content_type: &str, template: &str) -> HttpSms {
        HttpSms {
            http: reqwest::Client::new(),
            url: String::new(),
            username: String::new(),
            password: String::new(),
            bearer_token: String::new(),
            content_type: content_type.into(),
            body_template: template.into(),
            from: "+15550001".into(),
        }
    }

    #[test]
    fn bodies_are_encoded_for_their_content_type() {
        let form = http(
            "application/x-www-form-urlencoded",
            "To={to}&From={from}&Body={message}",
        );
        assert_eq!(
            form.body("+33612345678", "Code: 12 & \"x\""),
            "To=%2B33612345678&From=%2B15550001&Body=Code%3A+12+%26+%22x%22"
        );
        let json = http("application/json", r#"{"to":"{to}","text":"{message}"}"#);
        assert_eq!(
            json.body("+1", "say \"hi\"\n"),
            r#"{"to":"+1","text":"say \"hi\"\n"}"#
        );
    }
}
