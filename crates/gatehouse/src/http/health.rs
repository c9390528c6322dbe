//! Liveness and readiness probes.

use actix_web::{HttpResponse, web};
use domain::cache::Cache;
use domain::store::Store;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database (and cache) answer, 503 otherwise.
pub async fn readyz(store: web::Data<Store>, cache: web::Data<Cache>) -> HttpResponse {
    let (database, cache) = tokio::join!(store.ping(), cache.ping());
    let body = serde_json::json!({
        "status": if database && cache { "ready" } else { "unavailable" },
        "database": database,
        "cache": cache,
    });
    if database && cache {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
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
