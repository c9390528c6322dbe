//! What a sign-in is for: an authorization request parked by `/authorize`, or one of
//! Gatehouse's own pages; and the page policy of a page in that flow.

use crate::LoginUi;
use crate::web::csp::Csp;

/// Where a sign-in without an authorization request goes afterwards: a path on the
/// issuer's own origin only (no open redirect), the account page by default.
///
/// `next` is resolved against the issuer the way a browser would resolve it, so tricks that
/// browsers normalise away (`/\t/evil`, `/\\evil`, `///evil`) cannot name another host; what
/// is kept is the normalised path and query, never the raw input.
fn local_next(issuer: &str, next: &str) -> String {
    const DEFAULT: &str = "/account";
    if !next.starts_with('/')
        || next.len() > 512
        || next.chars().any(|c| c.is_control() || c == '\\')
    {
        return DEFAULT.to_owned();
    }
    let Ok(base) = url::Url::parse(issuer) else {
        return DEFAULT.to_owned();
    };
    match base.join(next) {
        Ok(target) if target.origin() == base.origin() && !target.path().starts_with("//") => {
            match target.query() {
                Some(q) => format!("{}?{q}", target.path()),
                None => target.path().to_owned(),
            }
        }
        _ => DEFAULT.to_owned(),
    }
}

/// Which sign-in this is: for an authorization request, or for Gatehouse's own pages.
pub(crate) enum SignInFor {
    Authorize(Box<domain::authorization::PendingRequest>),
    Local(String),
}

/// The sign-in's purpose from the form or query; `None` when its request expired.
pub(crate) async fn purpose(ui: &LoginUi, request: &str, next: &str) -> Option<SignInFor> {
    if request.is_empty() {
        return Some(SignInFor::Local(local_next(&ui.settings.issuer, next)));
    }
    load(ui, request)
        .await
        .map(|p| SignInFor::Authorize(Box::new(p)))
}

/// The parked authorization request `id`; `None` when it is unknown or expired. Its
/// `ui_locales` become the page's language wish.
pub(crate) async fn load(ui: &LoginUi, id: &str) -> Option<domain::authorization::PendingRequest> {
    match ui.requests.get(id).await {
        Ok(p) => {
            // The application's wish for the language comes first.
            if let Some(p) = &p {
                crate::i18n::prefer(&p.ui_locales);
            }
            p
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read an authorization request");
            None
        }
    }
}

/// The policies of the pages of a sign-in flow.
impl Csp {
    /// `self` for a page of a sign-in for `purpose`: its forms may end at the client when the
    /// sign-in is for an authorization request.
    pub(crate) fn in_flow(self, purpose: &SignInFor) -> Self {
        match purpose {
            SignInFor::Authorize(pending) => self.form_action(&pending.redirect_uri),
            SignInFor::Local(_) => self,
        }
    }

    /// `self` for a page of the flow of the parked request `request` (empty: a sign-in for
    /// our own pages), read from storage: the redirect URI is the one `/authorize` verified.
    pub(crate) async fn in_flow_of(self, ui: &LoginUi, request: &str) -> Self {
        if request.is_empty() {
            return self;
        }
        match load(ui, request).await {
            Some(pending) => self.form_action(&pending.redirect_uri),
            None => self,
        }
    }
}
