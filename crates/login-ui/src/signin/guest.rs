//! Signing in as a guest: an application allowed to (`allow_guests`) sends `guest=true`,
//! and instead of the sign-in page the person gets a new guest account (no address, no
//! credential; `amr` `guest`, the lowest `acr`) and a short browser session. Registering
//! from that session turns the guest into an ordinary account with the same `sub`.

use actix_web::HttpRequest;
use domain::audit::AuditEvent;
use domain::entities::user;
use domain::sessions::COOKIE_NAME;

use crate::LoginUi;
use crate::flow::acr::{ACR_GUEST, AMR_GUEST};
use crate::flow::completion::{Factors, complete};
use crate::flow::purpose::SignInFor;
use crate::web::audit::{record, with_client};
use crate::web::errors::PageResult;

/// Makes a guest account for the parked request and signs it in. The request's `guest` is
/// used once: if the application then asks for more (a second factor, a new sign-in), the
/// sign-in page shows as usual instead of making another guest.
pub(crate) async fn start(
    ui: &LoginUi,
    req: &HttpRequest,
    mut purpose: SignInFor,
    request_id: &str,
) -> PageResult {
    let SignInFor::Authorize(pending) = &mut purpose else {
        return Err(crate::web::errors::PageError::RequestExpired);
    };
    pending.guest = false;
    ui.requests.update(request_id, pending).await?;
    let client_id = pending.client_id.clone();
    let user = ui.users.create_guest().await?;
    record(
        ui,
        req,
        with_client(
            AuditEvent::success("user.guest_created").subject(user.id.clone()),
            Some(&client_id),
        ),
    )
    .await;
    let factors = Factors {
        amr: vec![AMR_GUEST.to_owned()],
        acr: ACR_GUEST,
        remember: false,
    };
    complete(ui, req, &user, factors, purpose, request_id).await
}

/// The guest signed in in this browser, if the browser's session is a guest's.
pub(crate) async fn current_guest(
    ui: &LoginUi,
    req: &HttpRequest,
) -> Result<Option<user::Model>, domain::Error> {
    let Some(cookie) = req.cookie(COOKIE_NAME) else {
        return Ok(None);
    };
    let Some(session) = ui.sessions.find_live(cookie.value()).await? else {
        return Ok(None);
    };
    Ok(ui.users.find(&session.user_id).await?.filter(|u| u.guest))
}
