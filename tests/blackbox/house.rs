//! The house: health, readiness, security headers, request ids, JWKS, restarts.

use harness::{ADMIN_PASSWORD, TestServer, server_tests};
use serde_json::Value;

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
];

fn assert_security_headers(res: &reqwest::Response) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(
            res.headers().get(*name).and_then(|v| v.to_str().ok()),
            Some(*value),
            "{name}"
        );
    }
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "no HSTS on plain http"
    );
}

async fn jwks_kids(server: &TestServer) -> Vec<String> {
    let doc: Value = reqwest::get(server.url("/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

server_tests! {
    async fn health_and_readiness_answer(server: TestServer) {
        let http = server.browser();
        let res = http.get(server.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_security_headers(&res);
        assert_eq!(res.json::<Value>().await.unwrap()["status"], "ok");

        let res = http.get(server.url("/readyz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!((body["database"].as_bool(), body["cache"].as_bool()), (Some(true), Some(true)));
    }

    async fn every_response_has_security_headers_and_a_unique_request_id(server: TestServer) {
        let http = server.browser();
        let a = http.get(server.url("/healthz")).send().await.unwrap();
        let b = http.get(server.url("/no/such/page")).send().await.unwrap();
        assert_eq!(b.status(), 404);
        assert_security_headers(&a);
        assert_security_headers(&b);
        assert_eq!(a.headers()["cache-control"], "no-store");
        let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id(&a).len(), 36);
        assert_ne!(id(&a), id(&b));
    }

    async fn jwks_publishes_public_keys_for_every_algorithm(server: TestServer) {
        let res = reqwest::get(server.url("/jwks")).await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("public, max-age="));
        let doc: Value = res.json().await.unwrap();
        let keys = doc["keys"].as_array().unwrap();
        let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
        algs.sort();
        algs.dedup();
        assert_eq!(algs, ["ES256", "EdDSA", "PS256", "RS256"]);
        for k in keys {
            assert_eq!(k["use"], "sig");
            assert!(k["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(k.get(private).is_none(), "private member {private} in JWKS");
            }
        }
    }

    async fn first_start_creates_the_admin_and_a_restart_reuses_everything(server: TestServer) {
        let admin = server.running().bootstrap_admin.clone().expect("admin created on first start");
        assert_eq!(admin.email, "admin@example.com");
        assert!(admin.generated_password.is_none(), "password came from the environment");
        let users = &server.running().services.users;
        assert!(users.verify_password("admin@example.com", ADMIN_PASSWORD).await.unwrap().is_some());
        let roles = server.running().services.roles.roles_of(&users.get_by_email("admin@example.com").await.unwrap().id).await.unwrap();
        assert_eq!(roles, ["admin"]);

        let kids = jwks_kids(&server).await;
        server.restart().await;
        assert!(server.running().bootstrap_admin.is_none(), "admin created only once");
        assert_eq!(jwks_kids(&server).await, kids, "same keys after restart");
        assert_eq!(server.running().services.users.list().await.unwrap().len(), 1);
    }

    async fn rotation_shows_in_jwks_after_reload(server: TestServer) {
        let services = &server.running().services;
        let keys = services.keys.list().await.unwrap();
        let next = keys.iter().find(|k| k.alg == "ES256" && k.state == "next").unwrap().kid.clone();
        let active = keys.iter().find(|k| k.alg == "ES256" && k.state == "active").unwrap().kid.clone();
        assert!(jwks_kids(&server).await.contains(&next), "next key published before it signs");
        services.keys.rotate(&[domain::keys::KeyAlg::Es256]).await.unwrap();
        server.restart().await;
        let kids = jwks_kids(&server).await;
        assert!(kids.contains(&active), "retired key stays published");
        assert!(kids.contains(&next));
        let ring = server.running().services.keys.load_ring().await.unwrap();
        assert_eq!(ring.active(domain::keys::KeyAlg::Es256).unwrap().kid, next);
        assert_eq!(kids.len(), 9, "a new next key joined");
    }
}
