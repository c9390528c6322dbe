//! `POST /api/register`: self-registration for apps with their own sign-up screen, under
//! the same rules as the page (mode, allowed domains, password policy, CAPTCHA, no
//! enumeration).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::register::{RegisterForm, check, create_account};
use crate::LoginUi;
use crate::state::RegistrationMode;

/// The request body.
#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    email: String,
    #[serde(default)]
    name: String,
    password: String,
    /// The CAPTCHA answer (`pow_challenge` and `pow_solution`, or the provider's token).
    #[serde(flatten)]
    captcha: crate::io::captcha::CaptchaFields,
}

fn error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "error": code, "error_description": description }))
}

/// `POST /api/register` with a JSON body `{email, name?, password}`.
///
/// 202 `{"status": "verification_sent"}` for a new and for a taken address alike; 422
/// `invalid_request` with a message per field; 403 when registration is by invitation only,
/// 404 when it is disabled.
pub async fn register(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    body: web::Json<RegisterRequest>,
) -> HttpResponse {
    match ui.settings.registration.mode {
        RegistrationMode::Open => {}
        RegistrationMode::InviteOnly => {
            return error(
                StatusCode::FORBIDDEN,
                "invite_only",
                "Accounts are created by invitation.",
            );
        }
        RegistrationMode::Disabled => {
            return error(
                StatusCode::NOT_FOUND,
                "registration_disabled",
                "Registration is closed.",
            );
        }
    }
    let body = body.into_inner();
    let captcha_ok = crate::io::captcha::passes(&ui, &req, &body.captcha).await;
    let form = RegisterForm::json(body.email, body.name, body.password, body.captcha);
    let (email, errors) = check(&ui, &form);
    let (Some(email), false, true) = (email, errors.any(), captcha_ok) else {
        let mut fields = serde_json::Map::new();
        if !captcha_ok {
            fields.insert(
                "captcha".into(),
                "the CAPTCHA answer is missing or wrong".into(),
            );
        }
        for (k, v) in [
            ("email", errors.email),
            ("name", errors.name),
            ("password", errors.password),
        ] {
            if let Some(v) = v {
                fields.insert(k.into(), v.into());
            }
        }
        return HttpResponse::UnprocessableEntity()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({
                "error": "invalid_request",
                "error_description": "some fields are not valid",
                "fields": fields,
            }));
    };
    if let Err(wait) = crate::web::throttle::mail_allowed(&ui, &req, "register", &email).await {
        return wait.on(error(
            StatusCode::TOO_MANY_REQUESTS,
            "invalid_request",
            &format!("too many requests: try again in {} seconds", wait.0),
        ));
    }
    match create_account(&ui, &req, (&email, &form.name, ""), form.password).await {
        Ok(()) => HttpResponse::Accepted()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "status": "verification_sent" })),
        Err(e) if e.is_unavailable() => {
            tracing::warn!(error = %e, "registration unavailable: storage unreachable");
            let mut res = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the service is temporarily unavailable: try again shortly",
            );
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from_static("5"),
            );
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "registration failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "Please try again.",
            )
        }
    }
}

/// `GET /api/captcha`: what a client must solve before `POST /api/register`: `{"kind":
/// "none"}`, `{"kind": "pow", "challenge", "difficulty"}` (send `pow_challenge` and
/// `pow_solution`), or `{"kind": "hcaptcha" | "turnstile" | "recaptcha", "site_key"}`.
pub async fn challenge(ui: web::Data<LoginUi>) -> HttpResponse {
    use crate::io::captcha::{Captcha, Provider};
    let body = match &ui.captcha {
        Captcha::Off => json!({ "kind": "none" }),
        Captcha::ProofOfWork(p) => {
            json!({ "kind": "pow", "challenge": p.issue(), "difficulty": p.difficulty() })
        }
        Captcha::Remote(r) => {
            let kind = match r.provider {
                Provider::HCaptcha => "hcaptcha",
                Provider::Turnstile => "turnstile",
                Provider::ReCaptcha => "recaptcha",
            };
            json!({ "kind": kind, "site_key": r.site_key })
        }
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
