//! Two Gatehouse processes' worth of nodes on one database and one cache: a session made on
//! one is valid on the other, and ending it or revoking on one is seen by the other at once.
//! (On PostgreSQL + Redis this is the scale-out deployment; on SQLite both nodes share the
//! file and only state kept in the database crosses over.)

use harness::rp::hidden;
use harness::{REDIRECT_URI, TestServer};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// GET without following redirects: the status and the Location.
async fn get(http: &reqwest::Client, url: &str) -> (u16, String, String) {
    let res = http.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap_or_default())
}

async fn token(base: &str, id: &str, secret: &str, form: &[(&str, &str)]) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/token"))
        .basic_auth(id, Some(secret))
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn active(base: &str, id: &str, secret: &str, t: &str) -> bool {
    let v: Value = reqwest::Client::new()
        .post(format!("{base}/introspect"))
        .basic_auth(id, Some(secret))
        .form(&[("token", t)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["active"] == true
}

harness::server_tests! {
    async fn sessions_and_revocations_cross_nodes(server: TestServer) {
        let email = "nodes@example.com";
        server.user(email, PASSWORD).await;
        let (client_id, secret) = server.client(|c| c.first_party = true).await;
        let secret = secret.unwrap();
        let (b_base, node_b) = server.another_node().await;
        let a_base = server.base.clone();
        let browser = server.browser();

        // Sign in on node A through an authorization request.
        let mut url = url::Url::parse(&format!("{a_base}/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid offline_access");
        let (status, login, _) = get(&browser, url.as_str()).await;
        assert_eq!(status, 303);
        let (_, _, page) = get(&browser, &format!("{a_base}{login}")).await;
        let form = [
            ("csrf", hidden(&page, "csrf").unwrap()),
            ("request", hidden(&page, "request").unwrap()),
            ("next", String::new()),
            ("email", email.to_owned()),
            ("password", PASSWORD.to_owned()),
        ];
        let res = browser.post(format!("{a_base}/login")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 303);
        let resume = res.headers()["location"].to_str().unwrap().to_owned();
        // The rest of the flow on node B: the browser session made on A is valid there.
        let (status, to_client, _) = get(&browser, &format!("{b_base}{resume}")).await;
        assert!(matches!(status, 302 | 303), "node B resumes node A's request");
        let code = url::Url::parse(&to_client).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
        let tokens = token(&b_base, &client_id, &secret, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT_URI)]).await;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        assert!(active(&a_base, &client_id, &secret, &access).await);
        let (status, _, page) = get(&browser, &format!("{b_base}/account")).await;
        assert_eq!(status, 200, "the account page on node B knows the session");

        // Sign out on node B: node A sees it at once.
        let csrf = hidden(&page, "csrf").unwrap();
        let res = browser.post(format!("{b_base}/account/sign-out")).form(&[("csrf", csrf)]).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let (status, location, _) = get(&browser, &format!("{a_base}/account")).await;
        assert_eq!((status, location.as_str()), (303, "/login?next=/account"), "signed out on node A too");
        assert!(!active(&a_base, &client_id, &secret, &access).await, "access token revoked on A");
        let refused = token(&a_base, &client_id, &secret, &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
        assert_eq!(refused["error"], "invalid_grant");
        node_b.stop(true).await.unwrap();
    }
}
