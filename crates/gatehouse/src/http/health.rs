//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use domain::cache::Cache;
use domain::store::Store;

/// How long `/readyz` waits for the database or the cache.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database answers (`"degraded"` while the cache does not),
/// 503 otherwise.
///
/// A shared cache that is down is down for every node: taking them all out of the load
/// balancer would turn a degraded service (sessions live in the database, rate limits fail
/// open) into none at all.
pub async fn readyz(store: web::Data<Store>, cache: web::Data<Cache>) -> HttpResponse {
    // A probe answers within its own deadline, not the pool's acquire timeout.
    let (database, cache) = tokio::join!(bounded(store.ping()), bounded(cache.ping()));
    let status = match (database, cache) {
        (false, _) => "unavailable",
        (true, false) => "degraded",
        (true, true) => "ready",
    };
    let body = serde_json::json!({ "status": status, "database": database, "cache": cache });
    if database {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn bounded(ping: impl std::future::Future<Output = bool>) -> bool {
    tokio::time::timeout(PROBE_TIMEOUT, ping)
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test, web};
    use domain::cache::Cache;
    use domain::testing::{Backend, TestDatabase};

    #[actix_web::test]
    async fn readiness_is_503_when_the_database_is_gone() {
        let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
        let store = db.store().await;
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(store.clone()))
                .app_data(web::Data::new(Cache::memory()))
                .route("/readyz", web::get().to(super::readyz)),
        )
        .await;
        let ok =
            test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
        assert_eq!(ok.status(), 200);

        store.close().await.unwrap();
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
        assert_eq!(res.status(), 503);
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["database"], false);
        assert_eq!(body["status"], "unavailable");
    }
}
