//! The pages the protocol needs shown. The protocol never builds HTML: the hosted-pages
//! crate renders these, and the binary wires the two together.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// Renders the protocol's pages.
pub trait Pages: Send + Sync {
    /// An error the user sees because the client cannot be trusted with a redirect.
    fn error(&self, status: StatusCode, error: &str, description: &str) -> HttpResponse;
    /// The auto-submitting form of `response_mode=form_post`, POSTing `params` to `action`.
    fn form_post(&self, action: &str, params: &[(&str, String)]) -> HttpResponse;
    /// Asks the user to confirm signing out; the form POSTs `fields` back to `action`.
    /// `app` is the application the request names, when it names one.
    fn logout_confirm(
        &self,
        action: &str,
        fields: &[(&str, String)],
        app: Option<&LogoutApp>,
    ) -> HttpResponse;
    /// Tells the user they are signed out. `app` is the application the logout request
    /// named (by `client_id` or `id_token_hint`), when it named one: the page leads back to
    /// its home page. `frames` are the front-channel logout URLs of the applications the
    /// session used, loaded in iframes; with them, `next` (the verified post-logout
    /// redirect) is where the page continues once they have loaded.
    fn logged_out(
        &self,
        app: Option<&LogoutApp>,
        frames: &[String],
        next: Option<&str>,
    ) -> HttpResponse;
}

/// The application asking to sign the user out, as the confirmation names it.
#[derive(Debug, Clone)]
pub struct LogoutApp {
    /// The client's display name.
    pub name: String,
    /// The client's home page (`client_uri`), where Cancel and the signed-out page lead
    /// back to.
    pub uri: Option<String>,
}
