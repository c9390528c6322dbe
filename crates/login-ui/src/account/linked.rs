//! The account's links to other providers: removing one (linking one is a sign-in at the
//! provider in link mode, in `signin::upstream`). The last way to sign in cannot be removed.

use actix_web::{HttpRequest, web};
use domain::audit::AuditEvent;
use domain::federation::Unlinked;
use serde::Deserialize;

use super::console::{self, Problems, Section, Typed};
use super::{SignedInForm, refuse};
use crate::LoginUi;
use crate::web::audit::record;
use crate::web::csrf_form::has_csrf;
use crate::web::errors::PageResult;

/// The "Unlink" form of one link.
#[derive(Debug, Deserialize)]
pub struct UnlinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
}

has_csrf!(UnlinkForm);

/// `POST /account/linked/unlink`: removes the link `id` of this account, unless the account
/// would be left with no way to sign in: no password, no passkey, no link to another
/// enabled provider, and no verified address for sign-in codes.
pub async fn unlink(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    SignedInForm { me, form }: SignedInForm<UnlinkForm>,
) -> PageResult {
    // An account without an address (X, guests) has no mailbox to sign in with.
    let email_counts = me.user.email.is_some() && me.user.email_verified;
    match ui
        .federation
        .links
        .unlink(&me.user.id, &form.id, email_counts)
        .await?
    {
        Unlinked::Removed(link) => {
            let mut event = AuditEvent::success("upstream.unlinked")
                .subject(me.user.id.clone())
                .data(serde_json::json!({
                    "upstream": link.upstream,
                    "issuer": link.issuer,
                    "upstream_subject": link.subject,
                    "via": "account",
                }));
            event.session_id = Some(me.session.id.clone());
            record(&ui, &req, event).await;
            Ok(console::back("unlinked"))
        }
        Unlinked::LastWay => {
            let event = AuditEvent::failure("upstream.unlink_refused", "last way to sign in")
                .subject(me.user.id.clone());
            record(&ui, &req, event).await;
            let problems = Problems::general(crate::t("account-linked-last-way"));
            Ok(refuse(&ui, &req, &me, Section::Linked, problems, Typed::default()).await)
        }
        Unlinked::NotFound => {
            let problems = Problems::general(crate::t("account-linked-not-found"));
            Ok(refuse(&ui, &req, &me, Section::Linked, problems, Typed::default()).await)
        }
    }
}
