//! An account without a password (made through an upstream) uses the account page's
//! confirmed actions: a sign-in of the last ten minutes stands in for the password, an
//! older one is sent to sign in again first.

use domain::entities::browser_session;
use domain::federation::{Endpoints, FirstLogin, NewUpstream};
use harness::TestServer;
use harness::rp::{Browser, Landing, hidden, unescape};
use harness::upstream::{CLIENT_ID, CLIENT_SECRET, MockUpstream, walk};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::json;

/// Signs the browser in to Gatehouse's own pages through the upstream `name`.
async fn sign_in_through(server: &TestServer, browser: &Browser, login: &Landing, name: &str) {
    let (_, _, page) = login.page();
    let marker = format!("href=\"/login/upstream/{name}?");
    let start = page.find(&marker).expect("the upstream's button") + "href=\"".len();
    let href = unescape(&page[start..start + page[start..].find('"').unwrap()]);
    let landing = walk(&browser.http, &server.url(&href), |_| false).await;
    let (status, url, body) = landing.page();
    assert!(
        status == 200 && url.contains("/account"),
        "{status} {url}: {body}"
    );
}

/// Submits the form of the account section `slug` to `action` with `fields`.
async fn submit(
    server: &TestServer,
    browser: &Browser,
    slug: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = browser.open(&server.url(&format!("/account/{slug}"))).await;
    let (_, _, body) = page.page();
    assert!(
        !body.contains("type=\"password\" autocomplete=\"current-password\""),
        "no password to ask for: {body}"
    );
    assert!(
        body.contains("a sign-in of the last 10 minutes confirms this"),
        "{body}"
    );
    let csrf = hidden(body, "csrf").expect("csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    browser
        .http
        .post(server.url(action))
        .form(&form)
        .send()
        .await
        .expect("POST")
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn a_recent_sign_in_confirms_for_an_account_without_a_password(server) {
        let mock = MockUpstream::start();
        let fed = server.running().services.federation.clone();
        let issuer = mock.issuer.clone();
        server.on_server(async move {
            fed.upstreams.create(NewUpstream {
                name: "nopass".into(), display_name: None, issuer, endpoints: Endpoints::default(),
                client_id: CLIENT_ID.into(), client_secret: Some(CLIENT_SECRET.into()), scopes: vec![],
                first_login: FirstLogin::Create, trusted_for_email: true, trusted_for_acr: false, trusted_for_mfa: false, enabled: true, allowed_clients: vec![], preset: None,
            }, "test").await
        }).await.expect("upstream");
        mock.sign_in_as(json!({ "sub": "np-1", "email": "nopass@example.com", "email_verified": true }));
        let browser = Browser::new(server);
        let login = browser.open(&server.url("/login?next=/account")).await;
        sign_in_through(server, &browser, &login, "nopass").await;

        // Fresh: the address change goes ahead without a password.
        let res = submit(server, &browser, "email", "/account/email", &[("new_email", "np.new@example.com")]).await;
        assert_eq!(res.status(), 303);
        assert!(res.headers()["location"].to_str().unwrap().starts_with("/account/email"));
        harness::mailbox::mail_to(server, "np.new@example.com", "Confirm your new email address").await;

        // Twenty minutes later: sign in again first, then back to the section.
        let users = server.running().services.users.clone();
        let user = server.on_server(async move { users.find_by_email("nopass@example.com").await }).await.unwrap().unwrap();
        let db = server.running().services.store.db().clone();
        let id = user.id.clone();
        server.on_server(async move {
            browser_session::Entity::update_many()
                .col_expr(browser_session::Column::AuthTime, Expr::value(time::OffsetDateTime::now_utc() - time::Duration::minutes(20)))
                .filter(browser_session::Column::UserId.eq(id))
                .exec(&db).await
        }).await.unwrap();
        let res = submit(server, &browser, "delete", "/account/delete", &[]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"].to_str().unwrap(), "/login?next=%2Faccount%2Fdelete");
        let users = server.running().services.users.clone();
        let id = user.id.clone();
        assert!(server.on_server(async move { users.find(&id).await }).await.unwrap().is_some(), "not deleted");

        let login = browser.open(&server.url("/login?next=%2Faccount%2Fdelete")).await;
        sign_in_through(server, &browser, &login, "nopass").await;
        let res = submit(server, &browser, "delete", "/account/delete", &[]).await;
        assert_eq!(res.status(), 200);
        let users = server.running().services.users.clone();
        let id = user.id.clone();
        assert!(server.on_server(async move { users.find(&id).await }).await.unwrap().is_none(), "deleted");
    }
}
