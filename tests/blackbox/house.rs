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
        // Besides the signing keys: the request-object encryption key (`use: enc`).
        assert_eq!(keys.iter().filter(|k| k["use"] == "enc").count(), 1);
        let keys: Vec<&Value> = keys.iter().filter(|k| k["use"] != "enc").collect();
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
        assert_eq!(roles, ["gatehouse:admin"]);

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
        assert_eq!(kids.len(), 10, "a new next key joined (9 signing keys, 1 encryption key)");
    }
}

/// Sends `request` on a fresh connection and reads until the server closes it (a generous
/// safety limit, not a timing assertion).
async fn exchange(server: &TestServer, request: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(server.running().addr)
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection stayed open");
    String::from_utf8_lossy(&answer).into_owned()
}

/// A body that never arrives.
mod slow_bodies {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.server.body_timeout_secs = 1;
        };

        async fn finding_v_a_body_that_never_arrives_gets_408_and_the_connection_closes(server) {
            let form = "application/x-www-form-urlencoded";
            for (path, kind) in [("/token", form), ("/login", form), ("/api/register", "application/json")] {
                let answer = exchange(
                    server,
                    &format!(
                        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {kind}\r\nContent-Length: 100\r\n\r\n{{\"grant_type"
                    ),
                )
                .await;
                assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
                assert!(answer.contains("did not arrive in time"), "{path}: {answer}");
                assert!(answer.to_ascii_lowercase().contains("x-content-type-options: nosniff"), "{answer}");
            }
            // A body that does arrive is read as before.
            let res = reqwest::Client::new()
                .post(server.url("/token"))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401);
        }
    }
}

/// Many connections from one address.
mod crowded {
    use super::*;

    harness::shared_server_tests! {
        setup = |c| {
            c.server.max_connections_per_ip = 3;
        };

        async fn finding_v_one_address_gets_at_most_the_configured_connections(server) {
            use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
            let mut open = Vec::new();
            for _ in 0..4 {
                open.push(tokio::net::TcpStream::connect(server.running().addr).await.unwrap());
            }
            let mut served = 0;
            let mut refused = 0;
            for stream in &mut open {
                let _ = stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .await;
                let mut buf = [0u8; 12];
                match tokio::time::timeout(std::time::Duration::from_secs(60), stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => {
                        assert!(buf.starts_with(b"HTTP/1.1 200"), "{:?}", String::from_utf8_lossy(&buf));
                        served += 1;
                    }
                    Ok(_) => refused += 1,
                    Err(_) => panic!("neither answered nor closed"),
                }
            }
            assert_eq!((served, refused), (3, 1));
            // Closing one frees its slot.
            drop(open);
            let answer = loop {
                let answer = exchange(server, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
                // The closed connections are released once the server has noticed them.
                if !answer.is_empty() {
                    break answer;
                }
                tokio::task::yield_now().await;
            };
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
    }
}

server_tests! {
    async fn finding_x_error_answers_have_a_body_and_the_security_headers(server: TestServer) {
        let http = reqwest::Client::new();
        let requests = [
            http.get(server.url("/no-such-page")),
            http.delete(server.url("/token")),
            http.post(server.url("/token")).header("content-type", "application/json").body("{}"),
            http.get(server.url("/authorize?client_id=%ff%fe&response_type=code")),
            http.post(server.url("/login")).header("content-type", "application/x-www-form-urlencoded").body("csrf=%ff"),
            http.post(server.url("/api/register")).header("content-type", "application/json").body("{not json"),
        ];
        for request in requests {
            let res = request.send().await.unwrap();
            let status = res.status();
            let url = res.url().clone();
            assert!(status.is_client_error(), "{url}: {status}");
            assert_security_headers(&res);
            let body = res.text().await.unwrap();
            assert!(!body.trim().is_empty(), "{url}: {status} with an empty body");
        }
        // actix's HTTP/1 codec answers an unreadable request head itself, before any
        // service runs: 400 or 431, then the connection is closed.
        let bad_line = exchange(&server, "GET /a b c\r\n\r\n").await;
        assert!(bad_line.starts_with("HTTP/1.1 400"), "{bad_line}");
        let huge = format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n", "a".repeat(140_000));
        let too_large = exchange(&server, &huge).await;
        assert!(too_large.starts_with("HTTP/1.1 431"), "{too_large}");
    }
}
