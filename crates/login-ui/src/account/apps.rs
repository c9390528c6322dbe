//! The connected apps section: withdrawing an app's access.

use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;

use super::{ItemForm, SignedInForm, done};
use crate::LoginUi;
use crate::web::errors::PageResult;

/// `POST /account/apps/disconnect`: withdraws consent and revokes the app's tokens.
pub async fn disconnect_app(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<ItemForm>,
) -> PageResult {
    ui.consents.revoke(&me.user.id, &form.client_id).await?;
    let event = AuditEvent::success("consent.revoked")
        .subject(me.user.id)
        .client(form.client_id.chars().take(128).collect::<String>());
    done(&ui, &req, event, "app").await
}
