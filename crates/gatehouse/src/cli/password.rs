//! Reading a password without ever taking it from the command line.

use std::io::{IsTerminal as _, Read as _};

use anyhow::{Context as _, bail};

use crate::services::Services;

/// Reads the password from standard input (`--password-stdin`: all of it, less one trailing
/// newline), or prompts twice on a terminal.
pub fn read(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return read_stdin("password");
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password given: pass --password-stdin, or run in a terminal to be prompted");
    }
    let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
    let second =
        rpassword::prompt_password("Repeat password: ").context("cannot read the password")?;
    if first != second {
        bail!("the passwords do not match");
    }
    Ok(first)
}

/// Reads a secret (`what`: for messages) from all of standard input, less one trailing
/// newline; refuses an empty one.
pub fn read_stdin(what: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the {what} from standard input"))?;
    let secret = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned();
    if secret.is_empty() {
        bail!("no {what} on standard input");
    }
    Ok(secret)
}

/// Applies the password policy of the pages (`[password_policy]`); the error says why.
pub async fn check(
    services: &Services,
    password: String,
    email: &str,
    name: Option<&str>,
) -> anyhow::Result<()> {
    let policy = services.config.password_policy();
    let context: Vec<String> = std::iter::once(email)
        .chain(name)
        .map(str::to_owned)
        .collect();
    // zxcvbn is CPU work: off the executor.
    let verdict = tokio::task::spawn_blocking(move || {
        let words: Vec<&str> = context.iter().map(String::as_str).collect();
        policy.check(&password, &words)
    })
    .await
    .context("the password check panicked")?;
    verdict.map_err(|e| anyhow::anyhow!("password refused: {e}"))
}
