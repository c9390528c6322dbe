//! Independent relying-party libraries at pinned versions, used with their defaults:
//! openid-client 6 (Node, `tests/interop/node`) and Authlib (Python, `tests/interop/python`).
//! Each library runs as a subprocess with the issuer and its credentials in the environment;
//! it prints the authorization URL it built, headless Chromium signs in and consents on the
//! hosted pages, the test hands the callback URL the browser reached back to the library,
//! which then does the code exchange, ID-token validation, userinfo, refresh with rotation,
//! introspection, revocation and client_credentials, and builds the end-session URL; the
//! browser follows it. The callback and post-logout pages are on another origin than the
//! issuer (a listener of the test that answers anything with 200).

use std::path::{Path, PathBuf};
use std::process::Stdio;

use harness::webdriver::{self, Chrome};
use harness::{NewClient, TestServer};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdout, Command};

const PASSWORD: &str = "correct horse battery staple";
const MACHINE_SCOPE: &str = "api:read";

/// The directory of one library's scripts.
pub(crate) fn interop_dir(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("interop")
        .join(which)
}

/// Whether the pinned openid-client is installed (`npm ci --prefix tests/interop/node`).
pub(crate) fn node_ready() -> bool {
    interop_dir("node")
        .join("node_modules/openid-client/package.json")
        .exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Whether Authlib and requests import (`pip install -r tests/interop/python/requirements.txt`).
fn python_ready() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import authlib, requests, joserfc"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An HTTP listener on another origin (another port) that answers every request with 200:
/// the relying party's callback and post-logout pages. Returns its base URL.
async fn callback_origin() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut reader = BufReader::new(&mut stream);
                let mut line = String::new();
                // Read the request head up to the empty line.
                while reader.read_line(&mut line).await.is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    line.clear();
                }
                let body = "relying party";
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

/// One line of JSON from the library.
async fn next_json(out: &mut tokio::io::Lines<BufReader<ChildStdout>>, child: &mut Child) -> Value {
    match out.next_line().await.expect("read the library's output") {
        Some(line) => serde_json::from_str(&line).unwrap_or_else(|_| panic!("JSON line: {line}")),
        None => {
            let status = child.wait().await.expect("exit status");
            panic!("the library exited ({status}) without an answer; its stderr is above");
        }
    }
}

/// Runs one library against `server` with the browser in the middle; returns its result.
async fn run_library(
    server: &TestServer,
    tag: &str,
    program: &str,
    script: &Path,
) -> (Value, Chrome, String, String) {
    run_library_with(server, tag, program, script, &[]).await
}

/// [`run_library`] with extra environment variables for the library.
pub(crate) async fn run_library_with(
    server: &TestServer,
    tag: &str,
    program: &str,
    script: &Path,
    env: &[(&str, &str)],
) -> (Value, Chrome, String, String) {
    run_library_for(server, tag, program, script, env, |_| {}).await
}

/// [`run_library_with`] for a client registered with `adjust` applied (its secret, if it
/// has one, in `CLIENT_SECRET`).
pub(crate) async fn run_library_for(
    server: &TestServer,
    tag: &str,
    program: &str,
    script: &Path,
    env: &[(&str, &str)],
    adjust: impl FnOnce(&mut NewClient) + Send + 'static,
) -> (Value, Chrome, String, String) {
    let email = format!("interop-{tag}@example.com");
    server.user(&email, PASSWORD).await;
    // The relying party lives on another origin than the issuer (another port), as real
    // applications do: the return from the consent form crosses origins (finding 1).
    let origin = callback_origin().await;
    let callback = format!("{origin}/callback");
    let logged_out = format!("{origin}/logged-out");
    let (client_id, secret) = {
        let (callback, logged_out) = (callback.clone(), logged_out.clone());
        let name = format!("Interop {tag}");
        server
            .client(move |c| {
                c.name = name;
                c.redirect_uris = vec![callback];
                c.post_logout_redirect_uris = vec![logged_out];
                adjust(c);
            })
            .await
    };
    let (machine_id, machine_secret) = server
        .client(|c| {
            c.grant_types = vec!["client_credentials".into()];
            c.redirect_uris = vec![];
            c.scopes = vec![MACHINE_SCOPE.into()];
        })
        .await;

    let mut command = Command::new(program);
    if let Some(secret) = secret {
        command.env("CLIENT_SECRET", secret);
    }
    let mut child = command
        .arg(script)
        .current_dir(script.parent().expect("script directory"))
        .env("GATEHOUSE_ISSUER", &server.base)
        .env("CLIENT_ID", &client_id)
        .env("REDIRECT_URI", &callback)
        .env("POST_LOGOUT_REDIRECT_URI", &logged_out)
        .env("CC_CLIENT_ID", &machine_id)
        .env(
            "CC_CLIENT_SECRET",
            machine_secret.expect("confidential client"),
        )
        .env("CC_SCOPE", MACHINE_SCOPE)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{program} starts: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();

    let first = next_json(&mut out, &mut child).await;
    let authorization_url = first["authorization_url"]
        .as_str()
        .unwrap_or_else(|| panic!("the library failed before the browser: {first}"))
        .to_owned();
    assert!(
        authorization_url.starts_with(&server.url("/authorize?")),
        "{authorization_url}"
    );

    let chrome = Chrome::start().await;
    chrome.goto(&authorization_url).await;
    chrome.type_into("#email", &email).await;
    chrome.type_into("#password", PASSWORD).await;
    chrome
        .click("form[action='/login'] button[type=submit]")
        .await;
    chrome
        .wait_for_text("name=\"decision\" value=\"allow\"")
        .await;
    chrome.click("button[name=decision][value=allow]").await;
    let reached = wait_for_url(&chrome, &callback).await;

    stdin
        .write_all(format!("{reached}\n").as_bytes())
        .await
        .expect("hand the callback to the library");
    stdin.flush().await.expect("flush");
    let last = next_json(&mut out, &mut child).await;
    let status = child.wait().await.expect("exit status");
    assert!(
        status.success() && last.get("result").is_some(),
        "{program} {}: {last}",
        script.display()
    );
    (last["result"].clone(), chrome, email, logged_out)
}

/// Waits (up to 30 s) until the browser's URL starts with `prefix`; returns it.
async fn wait_for_url(chrome: &Chrome, prefix: &str) -> String {
    let mut last = String::new();
    for _ in 0..600 {
        last = chrome.url().await;
        if last.starts_with(prefix) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "the browser never reached {prefix}; it is at {last}: {}",
        chrome.source().await
    );
}

/// The checks both libraries must pass.
pub(crate) async fn assert_interop(
    server: &TestServer,
    library: &str,
    result: &Value,
    chrome: Chrome,
    email: &str,
    logged_out: &str,
) {
    let why = |step: &str| format!("{library}: {step}: {result}");
    assert_eq!(
        result["discovery"]["issuer"],
        server.base.as_str(),
        "{}",
        why("discovery")
    );
    assert_eq!(
        result["tokens"]["token_type"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bearer"),
        "{}",
        why("tokens")
    );
    assert_eq!(
        result["tokens"]["has_refresh_token"],
        true,
        "{}",
        why("tokens")
    );
    let sub = result["id_token"]["sub"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", why("id token")));
    assert_eq!(
        result["id_token"]["iss"],
        server.base.as_str(),
        "{}",
        why("id token")
    );
    assert_eq!(
        result["id_token"]["signature_verified"],
        true,
        "{}",
        why("id token")
    );
    assert_eq!(result["userinfo"]["sub"], sub, "{}", why("userinfo"));
    assert_eq!(result["userinfo"]["email"], email, "{}", why("userinfo"));
    assert_eq!(result["refresh"]["rotated"], true, "{}", why("refresh"));
    assert_eq!(
        result["refresh"]["new_access_token"],
        true,
        "{}",
        why("refresh")
    );
    assert_eq!(
        result["introspection"]["active"],
        true,
        "{}",
        why("introspection")
    );
    assert_eq!(
        result["introspection"]["sub"],
        sub,
        "{}",
        why("introspection")
    );
    assert_eq!(
        result["revocation"]["refresh_token_active"],
        false,
        "{}",
        why("revocation")
    );
    assert_eq!(
        result["revocation"]["refresh_with_revoked"],
        "invalid_grant",
        "{}",
        why("revocation")
    );
    assert_eq!(
        result["revocation"]["refresh_with_rotated"],
        "invalid_grant",
        "{}",
        why("rotation")
    );
    assert_eq!(
        result["client_credentials"]["scope"],
        MACHINE_SCOPE,
        "{}",
        why("client_credentials")
    );
    assert_eq!(
        result["client_credentials"]["active"],
        true,
        "{}",
        why("client_credentials")
    );
    assert_eq!(
        result["client_credentials"]["other_clients_token_active"],
        false,
        "{}",
        why("client_credentials")
    );

    // The end-session URL the library built signs the browser out (the hint is the library's
    // ID token) and returns to the registered post-logout URI with the state.
    let end_session = result["end_session_url"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", why("end session")));
    assert!(
        end_session.starts_with(&server.url("/end_session?")),
        "{}",
        why("end session")
    );
    chrome.goto(end_session).await;
    let back = wait_for_url(&chrome, logged_out).await;
    assert!(back.contains("state=interop-logout"), "{library}: {back}");
    chrome.goto(&server.url("/account")).await;
    chrome.wait_for_text("action=\"/login\"").await;
    chrome.quit().await;
}

/// The checks of `assertion.mjs`: code exchange, refresh and introspection all
/// authenticated with the library's assertions.
async fn assert_assertion_interop(server: &TestServer, library: &str, result: &Value, email: &str) {
    let why = |step: &str| format!("{library}: {step}: {result}");
    assert_eq!(
        result["discovery"]["issuer"],
        server.base.as_str(),
        "{}",
        why("discovery")
    );
    assert_eq!(
        result["tokens"]["has_refresh_token"],
        true,
        "{}",
        why("tokens")
    );
    assert_eq!(
        result["id_token"]["iss"],
        server.base.as_str(),
        "{}",
        why("id token")
    );
    let sub = result["id_token"]["sub"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", why("id token")));
    assert!(!email.is_empty());
    assert_eq!(result["refresh"]["rotated"], true, "{}", why("refresh"));
    assert_eq!(
        result["refresh"]["new_access_token"],
        true,
        "{}",
        why("refresh")
    );
    assert_eq!(
        result["introspection"]["active"],
        true,
        "{}",
        why("introspection")
    );
    assert_eq!(
        result["introspection"]["sub"],
        sub,
        "{}",
        why("introspection")
    );
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn openid_client_6_with_its_defaults(server) {
        if !webdriver::available() || !node_ready() {
            harness::skip_or_fail("Chromium, node and `npm ci --prefix tests/interop/node`");
            return;
        }
        let script = interop_dir("node").join("rp.mjs");
        let (result, chrome, email, logged_out) = run_library(server, "node", "node", &script).await;
        assert_interop(server, "openid-client", &result, chrome, &email, &logged_out).await;
    }

    async fn openid_client_6_private_key_jwt(server) {
        if !webdriver::available() || !node_ready() {
            harness::skip_or_fail("Chromium, node and `npm ci --prefix tests/interop/node`");
            return;
        }
        let mut private = josekit::jwk::Jwk::generate_rsa_key(2048).unwrap();
        private.set_key_id("interop-ps256");
        private.set_algorithm("PS256");
        let mut public = private.to_public_key().unwrap();
        public.set_key_id("interop-ps256");
        let public = Value::Object(public.as_ref().clone());
        let private = Value::Object(private.as_ref().clone()).to_string();
        let script = interop_dir("node").join("assertion.mjs");
        let env = [("CLIENT_AUTH", "private_key_jwt"), ("PRIVATE_JWK", private.as_str())];
        let (result, chrome, email, _) = run_library_for(server, "node-pkjwt", "node", &script, &env, move |c| {
            c.token_endpoint_auth_method = Some("private_key_jwt".into());
            c.metadata.jwks = Some(serde_json::json!({ "keys": [public] }));
            c.metadata.token_endpoint_auth_signing_alg = Some("PS256".into());
        }).await;
        chrome.quit().await;
        assert_assertion_interop(server, "openid-client PrivateKeyJwt", &result, &email).await;
    }

    async fn openid_client_6_client_secret_jwt(server) {
        if !webdriver::available() || !node_ready() {
            harness::skip_or_fail("Chromium, node and `npm ci --prefix tests/interop/node`");
            return;
        }
        let script = interop_dir("node").join("assertion.mjs");
        let env = [("CLIENT_AUTH", "client_secret_jwt")];
        let (result, chrome, email, _) = run_library_for(server, "node-csjwt", "node", &script, &env, |c| {
            c.token_endpoint_auth_method = Some("client_secret_jwt".into());
        }).await;
        chrome.quit().await;
        assert_assertion_interop(server, "openid-client ClientSecretJwt", &result, &email).await;
    }

    async fn authlib_with_its_defaults(server) {
        if !webdriver::available() || !python_ready() {
            harness::skip_or_fail("Chromium, python3 and `pip install -r tests/interop/python/requirements.txt`");
            return;
        }
        let script = interop_dir("python").join("rp.py");
        let (result, chrome, email, logged_out) = run_library(server, "python", "python3", &script).await;
        assert_interop(server, "Authlib", &result, chrome, &email, &logged_out).await;
    }
}

/// openid-client 6 with its own DPoP support, against a server that requires DPoP nonces.
mod dpop {
    use super::*;
    use harness::rp::{Browser, Landing};

    /// Runs `tests/interop/node/dpop.mjs` for a public client, signing in with the harness
    /// browser; returns the library's result and the user's email.
    async fn run_dpop_script(server: &TestServer) -> (Value, String) {
        let email = "interop-dpop@example.com".to_owned();
        server.user(&email, PASSWORD).await;
        let (client_id, _) = server
            .client(|c| {
                c.public = true;
                c.first_party = true;
            })
            .await;
        let script = interop_dir("node").join("dpop.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .current_dir(interop_dir("node"))
            .env("GATEHOUSE_ISSUER", &server.base)
            .env("CLIENT_ID", &client_id)
            .env("REDIRECT_URI", harness::REDIRECT_URI)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = next_json(&mut out, &mut child).await;
        let authorization_url = first["authorization_url"]
            .as_str()
            .unwrap_or_else(|| panic!("the library failed before the browser: {first}"))
            .to_owned();
        let landing = Browser::new(server)
            .authorize(&authorization_url, &email, PASSWORD)
            .await;
        let Landing::Client { url, params } = &landing else {
            panic!("{landing:?}")
        };
        let mut callback = url::Url::parse(url).expect("callback URL");
        callback.query_pairs_mut().extend_pairs(params.iter());
        stdin
            .write_all(format!("{callback}\n").as_bytes())
            .await
            .expect("hand the callback to the library");
        stdin.flush().await.expect("flush");
        let last = next_json(&mut out, &mut child).await;
        let status = child.wait().await.expect("exit status");
        assert!(
            status.success() && last.get("result").is_some(),
            "dpop.mjs: {last}"
        );
        (last["result"].clone(), email)
    }

    harness::shared_server_tests! {
        setup = |c| c.oauth.dpop_nonce = true;

        async fn openid_client_6_with_dpop_and_nonces(server) {
            if !node_ready() {
                harness::skip_or_fail("node and `npm ci --prefix tests/interop/node`");
                return;
            }
            let (result, email) = run_dpop_script(server).await;
            let jkt = result["jkt"].as_str().expect("the library's thumbprint").to_owned();
            assert!(result["dpop_signing_alg_values_supported"].as_array().is_some_and(|a| a.contains(&"ES256".into())), "{result}");
            assert_eq!(result["tokens"]["token_type"].as_str().map(str::to_ascii_lowercase).as_deref(), Some("dpop"), "{result}");
            assert_eq!(result["tokens"]["has_refresh_token"], true, "{result}");
            assert_eq!(result["tokens"]["cnf_jkt"], jkt.as_str(), "the server's thumbprint is jose's: {result}");
            assert_eq!(result["userinfo"]["sub"], true, "{result}");
            assert_eq!(result["userinfo"]["email"], email.as_str(), "{result}");
            assert_eq!(result["userinfo"]["as_bearer"], "invalid_token", "{result}");
            assert_eq!(result["refresh"]["with_other_key"], "invalid_grant", "{result}");
            assert_eq!(result["refresh"]["token_type"].as_str().map(str::to_ascii_lowercase).as_deref(), Some("dpop"), "{result}");
            assert_eq!(result["refresh"]["rotated"], true, "{result}");
            assert_eq!(result["refresh"]["cnf_jkt"], jkt.as_str(), "{result}");
            assert_eq!(result["refresh"]["userinfo_email"], email.as_str(), "{result}");
        }
    }
}
