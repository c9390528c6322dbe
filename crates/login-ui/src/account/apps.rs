//! The connected apps section: withdrawing an app's access.

use actix_web::{HttpRequest, HttpResponse, web};
use domain::audit::AuditEvent;

use super::console::back;
use super::{ItemForm, require_form};
use crate::LoginUi;
use crate::web::audit::record;
use crate::web::errors::server_error;

/// `POST /account/apps/disconnect`: withdraws consent and revokes the app's tokens.
pub async fn disconnect_app(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    form: web::Form<ItemForm>,
) -> HttpResponse {
    let me = match require_form(&ui, &req, &form.csrf).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    if let Err(e) = ui.consents.revoke(&me.user.id, &form.client_id).await {
        return server_error(&e);
    }
    let event = AuditEvent::success("consent.revoked")
        .subject(me.user.id)
        .client(form.client_id.chars().take(128).collect::<String>());
    record(&ui, &req, event).await;
    back("app")
}
