//! Where an end page leads (a confirmed address, a new password, a link already used or
//! expired): back to the application when one is known, else to the account page when the
//! browser is signed in, else to sign in.

use actix_web::HttpRequest;

use crate::LoginUi;
use crate::web::render::Next;

/// The next action after a mailed token whose `data` may name the parked authorization
/// `request` it was issued for and that request's `client`:
/// 1. the request, while it is parked: sign in to the application;
/// 2. the client's registered home page (`client_uri`), when the request is gone;
/// 3. the account page, for a signed-in browser;
/// 4. sign-in.
pub(crate) async fn after_token(
    ui: &LoginUi,
    req: &HttpRequest,
    data: Option<&serde_json::Value>,
) -> Next {
    let field = |name: &str| {
        data.and_then(|d| d.get(name))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let request = field("request");
    let live = if request.is_empty() || request.len() > 128 {
        None
    } else {
        super::purpose::load(ui, &request).await
    };
    if let Some(pending) = live {
        let name = client_name(ui, &pending.client_id).await;
        return Next {
            href: crate::web::render::sign_in_of(&request),
            label: match name {
                Some(name) => crate::t1("next-sign-in-to-app", "client", name),
                None => crate::t("next-sign-in"),
            },
        };
    }
    let client = field("client");
    if !client.is_empty()
        && client.len() <= 255
        && let Some(next) = home_page(ui, &client).await
    {
        return next;
    }
    signed_in_or_not(ui, req).await
}

/// The account page for a signed-in browser, else sign-in.
pub(crate) async fn signed_in_or_not(ui: &LoginUi, req: &HttpRequest) -> Next {
    match super::signed_in::signed_in(ui, req).await {
        Ok(Some(_)) => Next::account(),
        Ok(None) => Next::sign_in(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the browser session");
            Next::sign_in()
        }
    }
}

/// Back to the client `client_id`'s registered home page, if it has one.
async fn home_page(ui: &LoginUi, client_id: &str) -> Option<Next> {
    match ui.clients.find(client_id).await {
        Ok(Some(c)) => c
            .client_uri
            .as_deref()
            .map(|uri| Next::back_to(&c.name, uri)),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a client");
            None
        }
    }
}

async fn client_name(ui: &LoginUi, client_id: &str) -> Option<String> {
    match ui.clients.find(client_id).await {
        Ok(c) => c.map(|c| c.name),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a client");
            None
        }
    }
}
