//! SCIM 2.0 at `/scim/v2`: the sequence Entra ID sends to provision a person and a group,
//! the RFC 7644 filter examples applied, paging, ETags, the SCIM error body for each kind
//! of failure, and the discovery endpoints.

use std::collections::BTreeSet;

use crate::admin_api::key_holding;
use harness::rp::{Browser, Landing};
use harness::{REDIRECT_URI, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";
const SCIM: &str = "/scim/v2";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Calls SCIM with an `application/scim+json` body; returns status, headers and JSON.
async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new().request(method, server.url(&format!("{SCIM}{path}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
    };
    (status, headers, json)
}

/// `path?filter=...` with the filter encoded.
fn filtered(path: &str, filter: &str, extra: &str) -> String {
    let mut url = url::Url::parse("http://x").unwrap();
    url.query_pairs_mut().append_pair("filter", filter);
    format!("{path}?{}{extra}", url.query().unwrap())
}

/// Asserts a SCIM error body with this status and, if given, `scimType`.
fn assert_error(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    want: u16,
    scim_type: Option<&str>,
) {
    assert_eq!(status.as_u16(), want, "{body}");
    assert_eq!(body["schemas"], json!([ERROR]), "{body}");
    assert_eq!(
        body["status"],
        json!(want.to_string()),
        "status is a string: {body}"
    );
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    assert_eq!(headers["content-type"], "application/scim+json");
}

/// Signs `email` in through the code flow; the landing at the client or the page shown.
async fn sign_in(
    server: &TestServer,
    browser: &Browser,
    client: &(String, Option<String>),
    email: &str,
    password: &str,
) -> Landing {
    let mut url = url::Url::parse(&server.url("/authorize")).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.0)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("state", "s");
    let landing = browser.open(url.as_str()).await;
    browser.sign_in(&landing, email, password).await
}

async fn access_token(
    server: &TestServer,
    client: &(String, Option<String>),
    landing: &Landing,
) -> String {
    let code = landing.params()["code"].clone();
    let tokens: Value = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth(&client.0, client.1.as_deref())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tokens}"))
        .to_owned()
}

async fn userinfo(server: &TestServer, token: &str) -> u16 {
    reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn user_names(list: &Value) -> BTreeSet<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| r["userName"].as_str().unwrap().to_owned())
        .collect()
}

/// The kinds of the audit events recorded through SCIM.
async fn scim_kinds(server: &TestServer) -> Vec<String> {
    let db = server.running().services.store.db().clone();
    server
        .on_server(async move {
            use domain::entities::audit_event::{Column, Entity};
            use sea_orm::{EntityTrait as _, QueryOrder as _};
            Entity::find()
                .order_by_asc(Column::OccurredAt)
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.data.as_ref().is_some_and(|d| d["via"] == "scim"))
                .map(|r| r.kind)
                .collect::<Vec<_>>()
        })
        .await
}

harness::shared_server_tests! {
    setup = |_| {};

    async fn entra_id_provisions_disables_groups_and_deletes_a_person(server) {
        let key = key_holding(server, "scim-entra-admin@example.com", &["gatehouse:users"]).await;
        let email = "entra.user@example.com";
        let lookup = filtered("/Users", &format!("userName eq \"{email}\""), "");

        // Entra looks the person up by userName first: nobody.
        let (status, headers, found) = call(server, Method::GET, &lookup, Some(&key), None, None).await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(headers["content-type"], "application/scim+json");
        assert_eq!(found["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
        assert_eq!((found["totalResults"].as_u64(), found["Resources"].as_array().map(Vec::len)), (Some(0), Some(0)));

        // Then creates them, as Entra ID sends it (enterprise extension and all).
        let (status, headers, created) = call(server, Method::POST, "/Users", Some(&key), Some(json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "00aa-entra-object-id",
            "userName": email,
            "active": true,
            "displayName": "Entra User",
            "emails": [{"primary": true, "type": "work", "value": email}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Entra User", "familyName": "User", "givenName": "Entra"},
            "password": PASSWORD,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
        })), None).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["userName"], email);
        assert_eq!(created["name"]["givenName"], "Entra");
        assert_eq!(created["externalId"], "00aa-entra-object-id");
        assert_eq!(created["active"], true);
        assert_eq!(created["meta"]["resourceType"], "User");
        assert!(created["meta"]["location"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{id}")));
        assert_eq!(headers["etag"].to_str().unwrap(), created["meta"]["version"].as_str().unwrap());
        assert_eq!(headers["location"].to_str().unwrap(), created["meta"]["location"].as_str().unwrap());

        // Found now, by userName and by externalId.
        let (_, _, found) = call(server, Method::GET, &lookup, Some(&key), None, None).await;
        assert_eq!(found["totalResults"], 1, "{found}");
        assert_eq!(found["Resources"][0]["id"], id.as_str());
        let (_, _, found) = call(server, Method::GET, &filtered("/Users", "externalId eq \"00aa-entra-object-id\"", ""), Some(&key), None, None).await;
        assert_eq!(found["Resources"][0]["id"], id.as_str(), "{found}");

        // The person signs in.
        let client = server.client(|c| c.first_party = true).await;
        let browser = Browser::new(server);
        let landing = sign_in(server, &browser, &client, email, PASSWORD).await;
        let token = access_token(server, &client, &landing).await;
        assert_eq!(userinfo(server, &token).await, 200);

        // Entra deactivates with its quirks: "Replace", and the boolean as a string.
        let (status, _, patched) = call(server, Method::PATCH, &format!("/Users/{id}"), Some(&key), Some(json!({
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        })), None).await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["active"], false);
        assert_eq!(userinfo(server, &token).await, 401, "the tokens ended with the sessions");
        let again = sign_in(server, &Browser::new(server), &client, email, PASSWORD).await;
        let (status, _, body) = again.page();
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("cannot sign in at the moment"), "{body}");
        let (_, _, found) = call(server, Method::GET, &filtered("/Users", &format!("userName eq \"{email}\" and active eq false"), ""), Some(&key), None, None).await;
        assert_eq!(found["totalResults"], 1, "{found}");

        // Profile changes as Entra sends them, and reactivation through a path-less value.
        let (status, _, patched) = call(server, Method::PATCH, &format!("/Users/{id}"), Some(&key), Some(json!({
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "replace", "path": "displayName", "value": "Entra Renamed"},
                {"op": "Add", "path": "name.givenName", "value": "Entrina"},
                {"op": "Add", "path": "title", "value": "Seller"},
                {"op": "Replace", "value": {"active": "True"}},
            ],
        })), None).await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!((patched["displayName"].as_str(), patched["name"]["givenName"].as_str(), patched["active"].as_bool()),
            (Some("Entra Renamed"), Some("Entrina"), Some(true)), "{patched}");
        assert_eq!(patched["name"]["familyName"], "User", "untouched attributes stay");
        let back = sign_in(server, &Browser::new(server), &client, email, PASSWORD).await;
        assert!(back.params().contains_key("code"), "reactivated, the person signs in");

        // A group with spaces and capitals in its name, and a member added, then removed.
        let (status, _, group) = call(server, Method::POST, "/Groups", Some(&key), Some(json!({
            "schemas": [GROUP], "displayName": "Sales Team EU", "externalId": "g-entra-1", "members": [],
        })), None).await;
        assert_eq!(status, 201, "{group}");
        let gid = group["id"].as_str().unwrap().to_owned();
        assert_eq!(group["displayName"], "Sales Team EU");
        let (status, _, dup) = call(server, Method::POST, "/Groups", Some(&key), Some(json!({"schemas": [GROUP], "displayName": "sales team eu"})), None).await;
        assert_eq!((status.as_u16(), dup["scimType"].as_str()), (409, Some("uniqueness")), "{dup}");
        let (status, _, group) = call(server, Method::PATCH, &format!("/Groups/{gid}"), Some(&key), Some(json!({
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Add", "path": "members", "value": [{"value": id}]}],
        })), None).await;
        assert_eq!(status, 200, "{group}");
        assert_eq!(group["members"][0]["value"], id.as_str(), "{group}");
        // Membership is a Gatehouse group membership.
        let groups = server.running().services.groups.clone();
        let shown = server.on_server(async move { groups.show("sales-team-eu").await.unwrap() }).await;
        assert_eq!(shown.members, [email]);
        // Entra checks membership with this filter.
        let member_check = filtered("/Groups", &format!("id eq \"{gid}\" and members[value eq \"{id}\"]"), "&excludedAttributes=members");
        let (_, _, found) = call(server, Method::GET, &member_check, Some(&key), None, None).await;
        assert_eq!(found["totalResults"], 1, "{found}");
        assert!(found["Resources"][0].get("members").is_none(), "members excluded: {found}");
        let (status, _, group) = call(server, Method::PATCH, &format!("/Groups/{gid}"), Some(&key), Some(json!({
            "schemas": [PATCH_OP],
            "Operations": [{"op": "Remove", "path": format!("members[value eq \"{id}\"]")}],
        })), None).await;
        assert_eq!(status, 200, "{group}");
        assert_eq!(group["members"], json!([]));
        let (_, _, found) = call(server, Method::GET, &member_check, Some(&key), None, None).await;
        assert_eq!(found["totalResults"], 0, "{found}");

        // Every step is audited as coming through SCIM (read before the erasure, which
        // drops the details of the person's events).
        let kinds = scim_kinds(server).await;
        for kind in ["user.created", "user.disabled", "user.updated", "user.reactivated", "group.created", "group.updated"] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} not audited via scim: {kinds:?}");
        }

        // Deprovisioned: gone.
        let (status, _, _) = call(server, Method::DELETE, &format!("/Users/{id}"), Some(&key), None, None).await;
        assert_eq!(status, 204);
        let (status, headers, body) = call(server, Method::GET, &format!("/Users/{id}"), Some(&key), None, None).await;
        assert_error(status, &headers, &body, 404, None);
        let (status, _, _) = call(server, Method::DELETE, &format!("/Groups/{gid}"), Some(&key), None, None).await;
        assert_eq!(status, 204);
        let (status, _, _) = call(server, Method::GET, &format!("/Groups/{gid}"), Some(&key), None, None).await;
        assert_eq!(status, 404);
        let kinds = scim_kinds(server).await;
        for kind in ["user.deleted", "group.deleted"] {
            assert!(kinds.iter().any(|k| k == kind), "{kind} not audited via scim: {kinds:?}");
        }
    }

    async fn the_rfc_7644_filter_examples_parse_and_apply(server) {
        let key = key_holding(server, "scim-rfc-admin@example.com", &["gatehouse:users"]).await;
        let mut ids = Vec::new();
        for (user, given, family, external) in [
            ("bjensen@rfc.example", "Barbara", "Jensen", "rfc-1"),
            ("jsmith@rfc.example", "John", "O'Malley", "rfc-2"),
            ("kim@rfc.example", "Kim", "Lee", "rfc-3"),
        ] {
            let (status, _, u) = call(server, Method::POST, "/Users", Some(&key), Some(json!({
                "schemas": [USER], "userName": user, "externalId": external,
                "name": {"givenName": given, "familyName": family}, "displayName": format!("{given} {family}"),
            })), None).await;
            assert_eq!(status, 201, "{u}");
            ids.push((u["id"].as_str().unwrap().to_owned(), u["meta"]["lastModified"].as_str().unwrap().to_owned()));
        }
        let (status, _, _) = call(server, Method::PATCH, &format!("/Users/{}", ids[2].0), Some(&key),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})), None).await;
        assert_eq!(status, 200);
        let (_, _, kim) = call(server, Method::GET, &format!("/Users/{}", ids[2].0), Some(&key), None, None).await;
        let kim_modified = kim["meta"]["lastModified"].as_str().unwrap().to_owned();
        let first_modified = ids[0].1.clone();

        // (filter, the users of this test it selects), with RFC 7644 3.4.2.2's examples first.
        let cases: Vec<(String, &[&str])> = vec![
            (r#"userName eq "bjensen@rfc.example""#.into(), &["bjensen"]),
            (r#"userName eq "BJensen@RFC.example""#.into(), &["bjensen"]),
            (r#"name.familyName co "O'Malley""#.into(), &["jsmith"]),
            (r#"userName sw "J""#.into(), &["jsmith"]),
            (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#.into(), &["jsmith"]),
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#.into(), &["bjensen", "jsmith", "kim"]),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#.into(), &[]),
            (format!(r#"meta.lastModified ge "{first_modified}""#), &["bjensen", "jsmith", "kim"]),
            (format!(r#"meta.lastModified gt "{first_modified}""#), &["jsmith", "kim"]),
            (format!(r#"meta.lastModified le "{first_modified}""#), &["bjensen"]),
            (format!(r#"meta.lastModified lt "{kim_modified}""#), &["bjensen", "jsmith"]),
            (r#"emails co "rfc.example" and (emails co "jensen" or emails.value co "smith")"#.into(), &["bjensen", "jsmith"]),
            (r#"emails co "rfc.example" and not (emails co "jensen" or emails.value co "smith")"#.into(), &["kim"]),
            (r#"emails[value co "@rfc.example" and value sw "k"]"#.into(), &["kim"]),
            (r#"emails co "rfc.example" and active eq false"#.into(), &["kim"]),
            (r#"emails co "rfc.example" and active ne false and displayName ew "Jensen""#.into(), &["bjensen"]),
            (r#"externalId eq "rfc-2" or externalId eq "rfc-3""#.into(), &["jsmith", "kim"]),
            (r#"externalId eq "RFC-2""#.into(), &[]),
            (format!(r#"id eq "{}""#, ids[0].0), &["bjensen"]),
            (r#"emails co "rfc.example" and name.givenName pr and not (name.givenName eq "Kim")"#.into(), &["bjensen", "jsmith"]),
            (r#"EMAILS CO "rfc.example" AND userName eq "\u006bim@rfc.example""#.into(), &["kim"]),
            // LIKE wildcards are taken literally.
            (r#"emails co "rfc.example" and (emails co "%" or userName sw "_")"#.into(), &[]),
        ];
        for (filter, want) in cases {
            let (status, _, list) = call(server, Method::GET, &filtered("/Users", &filter, ""), Some(&key), None, None).await;
            assert_eq!(status, 200, "{filter}: {list}");
            let got: BTreeSet<String> = user_names(&list).into_iter()
                .filter(|u| u.ends_with("@rfc.example"))
                .map(|u| u.trim_end_matches("@rfc.example").to_owned()).collect();
            let want: BTreeSet<String> = want.iter().map(|w| (*w).to_owned()).collect();
            assert_eq!(got, want, "{filter}");
        }
        // The examples naming attributes Gatehouse does not keep are refused, not ignored.
        for filter in [
            r#"title pr"#,
            r#"title pr and userType eq "Employee""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1""#,
            r#"meta.lastModified gt "yesterday""#,
            r#"active eq "maybe""#,
        ] {
            let (status, headers, body) = call(server, Method::GET, &filtered("/Users", filter, ""), Some(&key), None, None).await;
            assert_error(status, &headers, &body, 400, Some("invalidFilter"));
        }
    }

    async fn each_failure_answers_with_the_scim_error_body(server) {
        let key = key_holding(server, "scim-err-admin@example.com", &["gatehouse:users"]).await;
        let clients = key_holding(server, "scim-err-clients@example.com", &["gatehouse:clients"]).await;

        let (s, h, b) = call(server, Method::GET, &filtered("/Users", r#"userName eq"#, ""), Some(&key), None, None).await;
        assert_error(s, &h, &b, 400, Some("invalidFilter"));
        let (s, h, b) = call(server, Method::GET, &filtered("/Users", r#"(userName eq "a""#, ""), Some(&key), None, None).await;
        assert_error(s, &h, &b, 400, Some("invalidFilter"));
        let (s, h, b) = call(server, Method::GET, "/Users/no-such-user", Some(&key), None, None).await;
        assert_error(s, &h, &b, 404, None);
        let (s, h, b) = call(server, Method::PATCH, "/Groups/no-such-group", Some(&key),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": "x"}]}]})), None).await;
        assert_error(s, &h, &b, 404, None);
        let (s, h, b) = call(server, Method::GET, "/Nothing", Some(&key), None, None).await;
        assert_error(s, &h, &b, 404, None);

        let body = json!({"schemas": [USER], "userName": "scim-dup@example.com"});
        let (s, _, created) = call(server, Method::POST, "/Users", Some(&key), Some(body.clone()), None).await;
        assert_eq!(s, 201, "{created}");
        let (s, h, b) = call(server, Method::POST, "/Users", Some(&key), Some(json!({"schemas": [USER], "userName": "SCIM-Dup@example.com"})), None).await;
        assert_error(s, &h, &b, 409, Some("uniqueness"));
        let (s, h, b) = call(server, Method::POST, "/Users", Some(&key), Some(json!({"schemas": [USER], "userName": "not an address"})), None).await;
        assert_error(s, &h, &b, 400, Some("invalidValue"));
        let (s, h, b) = call(server, Method::POST, "/Users", Some(&key), Some(json!({"schemas": [USER], "userName": "scim-weak@example.com", "password": "password"})), None).await;
        assert_error(s, &h, &b, 400, Some("invalidValue"));
        let (s, h, b) = call(server, Method::POST, "/Users", Some(&key), None, None).await;
        assert_error(s, &h, &b, 400, Some("invalidSyntax"));
        let id = created["id"].as_str().unwrap().to_owned();
        let (s, h, b) = call(server, Method::PATCH, &format!("/Users/{id}"), Some(&key),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "explode", "path": "active", "value": true}]})), None).await;
        assert_error(s, &h, &b, 400, Some("invalidSyntax"));
        let (s, h, b) = call(server, Method::PATCH, &format!("/Users/{id}"), Some(&key),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "name..x", "value": "a"}]})), None).await;
        assert_error(s, &h, &b, 400, Some("invalidPath"));

        // ETags: a write with the version read succeeds; one with a stale version is 412.
        let version = created["meta"]["version"].as_str().unwrap().to_owned();
        let (s, h, replaced) = call(server, Method::PUT, &format!("/Users/{id}"), Some(&key),
            Some(json!({"schemas": [USER], "userName": "scim-dup@example.com", "displayName": "Put One"})), Some(&version)).await;
        assert_eq!(s, 200, "{replaced}");
        assert_eq!(replaced["displayName"], "Put One");
        assert_ne!(h["etag"].to_str().unwrap(), version, "a new version");
        let (s, h, b) = call(server, Method::PUT, &format!("/Users/{id}"), Some(&key),
            Some(json!({"schemas": [USER], "userName": "scim-dup@example.com", "displayName": "Lost"})), Some(&version)).await;
        assert_error(s, &h, &b, 412, None);
        let (s, h, b) = call(server, Method::PATCH, &format!("/Users/{id}"), Some(&key),
            Some(json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "Lost"}]})), Some(&version)).await;
        assert_error(s, &h, &b, 412, None);
        let (_, _, now) = call(server, Method::GET, &format!("/Users/{id}"), Some(&key), None, None).await;
        assert_eq!(now["displayName"], "Put One", "the stale writes changed nothing");

        // Credentials: a gatehouse:clients key is forbidden, none or a bad one unauthenticated.
        let (s, h, b) = call(server, Method::GET, "/Users", Some(&clients), None, None).await;
        assert_error(s, &h, &b, 403, None);
        let (s, h, b) = call(server, Method::POST, "/Groups", Some(&clients), Some(json!({"displayName": "x"})), None).await;
        assert_error(s, &h, &b, 403, None);
        let (s, h, b) = call(server, Method::GET, "/Users", None, None, None).await;
        assert_error(s, &h, &b, 401, None);
        assert_eq!(h["www-authenticate"], "Bearer");
        let (s, h, b) = call(server, Method::GET, "/ServiceProviderConfig", Some("not-a-token"), None, None).await;
        assert_error(s, &h, &b, 401, None);
    }

    async fn a_group_granting_an_administrative_role_needs_gatehouse_admin(server) {
        let key = key_holding(server, "scim-grp-users@example.com", &["gatehouse:users"]).await;
        let admin = key_holding(server, "scim-grp-admin@example.com", &["gatehouse:admin"]).await;
        let (_, _, me) = call(server, Method::GET, &filtered("/Users", r#"userName eq "scim-grp-users@example.com""#, ""), Some(&key), None, None).await;
        let my_id = me["Resources"][0]["id"].as_str().unwrap().to_owned();
        let (s, _, g) = call(server, Method::POST, "/Groups", Some(&key), Some(json!({"displayName": "Admins Of Things"})), None).await;
        assert_eq!(s, 201, "{g}");
        let gid = g["id"].as_str().unwrap().to_owned();
        let services = server.running().services.clone();
        server.on_server(async move {
            services.roles.ensure("gatehouse:admin").await.unwrap();
            services.roles.grant_to(None, "gatehouse:admin", &domain::roles::RoleGrantee::Group("admins-of-things".into())).await.unwrap();
        }).await;
        let add_me = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": my_id}]}]});
        let (s, h, b) = call(server, Method::PATCH, &format!("/Groups/{gid}"), Some(&key), Some(add_me.clone()), None).await;
        assert_error(s, &h, &b, 403, None);
        let (s, h, b) = call(server, Method::DELETE, &format!("/Groups/{gid}"), Some(&key), None, None).await;
        assert_error(s, &h, &b, 403, None);
        let (s, _, g) = call(server, Method::PATCH, &format!("/Groups/{gid}"), Some(&admin), Some(add_me), None).await;
        assert_eq!(s, 200, "{g}");
        assert_eq!(g["members"][0]["value"], my_id.as_str());
    }

    async fn paging_walks_more_users_than_a_page(server) {
        let key = key_holding(server, "scim-page-admin@example.com", &["gatehouse:users"]).await;
        let mut made = BTreeSet::new();
        for i in 0..7 {
            let user = format!("pg-{i}@paging.example");
            let (s, _, _) = call(server, Method::POST, "/Users", Some(&key), Some(json!({"userName": user})), None).await;
            assert_eq!(s, 201);
            made.insert(user);
        }
        let filter = r#"userName ew "@paging.example""#;
        let mut seen = BTreeSet::new();
        for (start, want) in [(1, 3), (4, 3), (7, 1), (8, 0)] {
            let (s, _, page) = call(server, Method::GET, &filtered("/Users", filter, &format!("&startIndex={start}&count=3")), Some(&key), None, None).await;
            assert_eq!(s, 200, "{page}");
            assert_eq!(page["totalResults"], 7, "{page}");
            assert_eq!(page["startIndex"], start, "{page}");
            assert_eq!(page["itemsPerPage"], want, "{page}");
            for u in user_names(&page) {
                assert!(seen.insert(u.clone()), "{u} on two pages");
            }
        }
        assert_eq!(seen, made);
        // count=0 gives the total alone; a startIndex below 1 counts as 1.
        let (_, _, page) = call(server, Method::GET, &filtered("/Users", filter, "&count=0"), Some(&key), None, None).await;
        assert_eq!((page["totalResults"].as_u64(), page["Resources"].as_array().map(Vec::len)), (Some(7), Some(0)), "{page}");
        let (_, _, page) = call(server, Method::GET, &filtered("/Users", filter, "&startIndex=-5&count=2"), Some(&key), None, None).await;
        assert_eq!((page["startIndex"].as_u64(), page["itemsPerPage"].as_u64()), (Some(1), Some(2)), "{page}");
        let (s, h, b) = call(server, Method::GET, "/Users?count=many", Some(&key), None, None).await;
        assert_error(s, &h, &b, 400, Some("invalidValue"));
    }

    async fn discovery_describes_what_is_supported(server) {
        let key = key_holding(server, "scim-disc-admin@example.com", &["gatehouse:users"]).await;
        let (s, _, config) = call(server, Method::GET, "/ServiceProviderConfig", Some(&key), None, None).await;
        assert_eq!(s, 200, "{config}");
        assert_eq!(config["patch"]["supported"], true);
        assert_eq!(config["bulk"]["supported"], false);
        assert_eq!(config["filter"]["supported"], true);
        assert!(config["filter"]["maxResults"].as_u64().unwrap() > 0);
        assert_eq!(config["changePassword"]["supported"], true);
        assert_eq!(config["sort"]["supported"], false);
        assert_eq!(config["etag"]["supported"], true);
        assert_eq!(config["authenticationSchemes"][0]["type"], "oauthbearertoken");
        let (_, _, schemas) = call(server, Method::GET, "/Schemas", Some(&key), None, None).await;
        let ids: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [USER, GROUP]);
        let (s, _, user) = call(server, Method::GET, &format!("/Schemas/{USER}"), Some(&key), None, None).await;
        assert_eq!((s.as_u16(), user["name"].as_str()), (200, Some("User")));
        let (_, _, types) = call(server, Method::GET, "/ResourceTypes", Some(&key), None, None).await;
        let endpoints: Vec<&str> = types["Resources"].as_array().unwrap().iter().map(|t| t["endpoint"].as_str().unwrap()).collect();
        assert_eq!(endpoints, ["/Users", "/Groups"]);
        let (s, h, b) = call(server, Method::GET, "/ResourceTypes", None, None, None).await;
        assert_error(s, &h, &b, 401, None);
    }
}
