//! Clients: the list, registering one, and one client's page: its settings (every field
//! editable in place, the `client_id` stays), the secret's rotation with a grace period,
//! enabling and disabling, deletion, and what its developers need (the discovery URL and a
//! configuration snippet to copy).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::admin::{Access, Area, ClientPatch, PageRequest, client_version};
use domain::clients::{Client, NewClient};
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{ActionForm, Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

#[derive(Template)]
#[template(path = "admin/clients.html")]
struct ClientsPage {
    shell: Shell,
    clients: Vec<Client>,
    next: Option<String>,
    writable: bool,
}

/// The list's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    cursor: String,
    #[serde(default)]
    done: String,
}

/// `GET /admin/clients`
pub(crate) async fn list(at: Console, query: web::Query<ListQuery>) -> ConsoleResult {
    let page = PageRequest {
        cursor: Some(query.cursor.clone()).filter(|c| !c.is_empty()),
        limit: Some(50),
    };
    let found = at.ui.admin.list_clients(&at.actor, &page).await?;
    let next = found.next_cursor.map(|cursor| {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("cursor", &cursor)
            .finish();
        format!("/admin/clients?{q}")
    });
    let page = ClientsPage {
        shell: Shell::new(&at, Section::Clients, "Clients", &query.done),
        clients: found.items,
        next,
        writable: at.actor.may(Area::Clients, Access::Write),
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// The form registering a client.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    public: Option<String>,
}

/// `POST /admin/clients`: registered with the defaults; its page shows the secret once.
pub(crate) async fn create(ConsoleForm { at, form }: ConsoleForm<CreateForm>) -> ConsoleResult {
    let new = NewClient {
        name: form.name.trim().to_owned(),
        redirect_uris: lines(&form.redirect_uris),
        public: form.public.is_some(),
        ..NewClient::default()
    };
    let (client, secret) = at.ui.admin.create_client(&at.actor, new).await?;
    let shown = Shown {
        note: Some("The client was registered."),
        new_secret: secret,
        ..Shown::default()
    };
    Ok(client_page(&at, client, shown, StatusCode::CREATED))
}

/// The non-empty lines (or space-separated words) of a field.
fn lines(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// The address of a client's page.
fn client_href(id: &str) -> String {
    format!("/admin/clients/{}", path_segment(id))
}

/// What the edit form shows: the stored values, or what was typed into a refused form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    csrf: String,
    /// The version the form was made from: a change meanwhile is refused.
    #[serde(default)]
    version: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    grant_types: String,
    #[serde(default)]
    response_types: String,
    #[serde(default)]
    allowed_origins: String,
    #[serde(default)]
    resources: String,
    #[serde(default)]
    role_claims: String,
    #[serde(default)]
    token_endpoint_auth_method: String,
    #[serde(default)]
    access_token_format: String,
    #[serde(default)]
    id_token_signed_response_alg: String,
    #[serde(default)]
    userinfo_signed_response_alg: String,
    #[serde(default)]
    access_token_signing_alg: String,
    #[serde(default)]
    client_uri: String,
    #[serde(default)]
    logo_uri: String,
    #[serde(default)]
    policy_uri: String,
    #[serde(default)]
    tos_uri: String,
    #[serde(default)]
    backchannel_logout_uri: String,
    #[serde(default)]
    backchannel_logout_session_required: Option<String>,
    #[serde(default)]
    frontchannel_logout_uri: String,
    #[serde(default)]
    frontchannel_logout_session_required: Option<String>,
    #[serde(default)]
    first_party: Option<String>,
    #[serde(default)]
    require_pkce: Option<String>,
    #[serde(default)]
    require_mfa: Option<String>,
    #[serde(default)]
    allow_guests: Option<String>,
    #[serde(default)]
    require_pushed_authorization_requests: Option<String>,
    #[serde(default)]
    dpop_bound_access_tokens: Option<String>,
    #[serde(default)]
    allow_impersonation: Option<String>,
}

impl EditForm {
    /// The form filled with `c`'s settings.
    fn of(c: &Client) -> Self {
        let flag = |b: bool| b.then(|| "yes".to_owned());
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            csrf: String::new(),
            version: client_version(c),
            name: c.name.clone(),
            redirect_uris: c.redirect_uris.join("\n"),
            post_logout_redirect_uris: c.post_logout_redirect_uris.join("\n"),
            scopes: c.scopes.join(" "),
            grant_types: c.grant_types.join(" "),
            response_types: c.response_types.join(" "),
            allowed_origins: c.allowed_origins.join("\n"),
            resources: c.resources.join("\n"),
            role_claims: c.role_claims.join(" "),
            token_endpoint_auth_method: c.token_endpoint_auth_method.clone(),
            access_token_format: c.access_token_format.clone(),
            id_token_signed_response_alg: c.id_token_signed_response_alg.clone(),
            userinfo_signed_response_alg: text(&c.userinfo_signed_response_alg),
            access_token_signing_alg: c.access_token_signing_alg.clone(),
            client_uri: text(&c.client_uri),
            logo_uri: text(&c.logo_uri),
            policy_uri: text(&c.policy_uri),
            tos_uri: text(&c.tos_uri),
            backchannel_logout_uri: text(&c.backchannel_logout_uri),
            backchannel_logout_session_required: flag(c.backchannel_logout_session_required),
            frontchannel_logout_uri: text(&c.frontchannel_logout_uri),
            frontchannel_logout_session_required: flag(c.frontchannel_logout_session_required),
            first_party: flag(c.first_party),
            require_pkce: flag(c.require_pkce),
            require_mfa: flag(c.require_mfa),
            allow_guests: flag(c.allow_guests),
            require_pushed_authorization_requests: flag(c.require_pushed_authorization_requests),
            dpop_bound_access_tokens: flag(c.dpop_bound_access_tokens),
            allow_impersonation: flag(c.allow_impersonation),
        }
    }

    /// Every field as a change (the form always sends them all). A public client's
    /// authentication method stays `none`.
    fn patch(&self, public: bool) -> ClientPatch {
        let text = |v: &str| Some(v.trim().to_owned());
        ClientPatch {
            name: text(&self.name),
            public: None,
            redirect_uris: Some(lines(&self.redirect_uris)),
            post_logout_redirect_uris: Some(lines(&self.post_logout_redirect_uris)),
            grant_types: Some(lines(&self.grant_types)),
            response_types: Some(lines(&self.response_types)),
            scopes: Some(lines(&self.scopes)),
            token_endpoint_auth_method: (!public)
                .then(|| self.token_endpoint_auth_method.trim().to_owned()),
            access_token_format: text(&self.access_token_format),
            id_token_signed_response_alg: text(&self.id_token_signed_response_alg),
            userinfo_signed_response_alg: text(&self.userinfo_signed_response_alg),
            access_token_signing_alg: text(&self.access_token_signing_alg),
            first_party: Some(self.first_party.is_some()),
            require_pkce: Some(self.require_pkce.is_some()),
            require_mfa: Some(self.require_mfa.is_some()),
            client_uri: text(&self.client_uri),
            logo_uri: text(&self.logo_uri),
            policy_uri: text(&self.policy_uri),
            tos_uri: text(&self.tos_uri),
            backchannel_logout_uri: text(&self.backchannel_logout_uri),
            backchannel_logout_session_required: Some(
                self.backchannel_logout_session_required.is_some(),
            ),
            frontchannel_logout_uri: text(&self.frontchannel_logout_uri),
            frontchannel_logout_session_required: Some(
                self.frontchannel_logout_session_required.is_some(),
            ),
            allowed_origins: Some(lines(&self.allowed_origins)),
            resources: Some(lines(&self.resources)),
            allow_impersonation: Some(self.allow_impersonation.is_some()),
            role_claims: Some(lines(&self.role_claims)),
            allow_guests: Some(self.allow_guests.is_some()),
            require_pushed_authorization_requests: Some(
                self.require_pushed_authorization_requests.is_some(),
            ),
            dpop_bound_access_tokens: Some(self.dpop_bound_access_tokens.is_some()),
            // Keys, algorithms and subject type are not on the form: left as they are.
            ..ClientPatch::default()
        }
    }
}

#[derive(Template)]
#[template(path = "admin/client.html")]
struct ClientPage<'a> {
    shell: Shell,
    href: String,
    client: Client,
    form: EditForm,
    /// Why the form was refused (shown above it, with what was typed kept).
    problem: Option<String>,
    /// A secret just made: shown this once.
    new_secret: Option<String>,
    issuer: &'a str,
    writable: bool,
}

/// Grace periods offered for the old secret, in seconds.
const GRACES: [(u64, &str); 5] = [
    (0, "none: the old secret stops now"),
    (3_600, "1 hour"),
    (86_400, "24 hours"),
    (604_800, "7 days"),
    (2_592_000, "30 days"),
];

/// How a client's page is shown: after which action, with which note, secret or refusal.
#[derive(Default)]
struct Shown {
    /// The `done` of the action that led here.
    done: String,
    /// A note of this answer's own.
    note: Option<&'static str>,
    /// A secret just made.
    new_secret: Option<String>,
    /// A refused edit: what was typed, and why.
    refused: Option<(EditForm, String)>,
}

/// A client's page.
fn client_page(at: &Console, client: Client, shown: Shown, status: StatusCode) -> HttpResponse {
    let mut shell = Shell::new(at, Section::Clients, client.name.clone(), &shown.done);
    if shown.note.is_some() {
        shell.message = shown.note;
    }
    let (form, problem) = match shown.refused {
        Some((form, problem)) => (form, Some(problem)),
        None => (EditForm::of(&client), None),
    };
    let page = ClientPage {
        shell,
        href: client_href(&client.client_id),
        form,
        problem,
        new_secret: shown.new_secret,
        issuer: &at.ui.settings.issuer,
        writable: at.actor.may(Area::Clients, Access::Write),
        client,
    };
    // The copy button's script.
    render::page(status, &page, &Csp::page().scripts())
}

/// `GET /admin/clients/{id}`
pub(crate) async fn show(
    at: Console,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> ConsoleResult {
    let client = at.ui.admin.client(&at.actor, &id).await?;
    let shown = Shown {
        done: done.into_inner().done,
        ..Shown::default()
    };
    Ok(client_page(&at, client, shown, StatusCode::OK))
}

/// `POST /admin/clients/{id}`: saves every field; a refused change shows the form again
/// with the reason and what was typed.
pub(crate) async fn update(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<EditForm>,
) -> ConsoleResult {
    let current = at.ui.admin.client(&at.actor, &id).await?;
    let expected = Some(form.version.clone()).filter(|v| !v.is_empty());
    let patch = form.patch(current.public);
    match at
        .ui
        .admin
        .update_client(&at.actor, &id, patch, expected.as_deref())
        .await
    {
        Ok(updated) => Ok(back(&client_href(&updated.client_id), "client_updated")),
        Err(e @ (domain::Error::Invalid { .. } | domain::Error::Stale(_))) => {
            let status = match e {
                domain::Error::Stale(_) => StatusCode::PRECONDITION_FAILED,
                _ => StatusCode::BAD_REQUEST,
            };
            let mut form = form;
            if matches!(e, domain::Error::Stale(_)) {
                // Saving again overwrites the other change knowingly: the form now carries the
                // version just read.
                form.version = client_version(&current);
            }
            let shown = Shown {
                refused: Some((form, e.to_string())),
                ..Shown::default()
            };
            Ok(client_page(&at, current, shown, status))
        }
        Err(e) => Err(e.into()),
    }
}

/// The form rotating a secret.
#[derive(Debug, Deserialize)]
pub(crate) struct RotateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    /// Seconds the old secret keeps working.
    #[serde(default)]
    grace: u64,
}

/// `POST /admin/clients/{id}/rotate-secret`: the new secret is shown once, on the answer.
pub(crate) async fn rotate(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<RotateForm>,
) -> ConsoleResult {
    let expected = Some(form.version).filter(|v| !v.is_empty());
    let (client, secret) = at
        .ui
        .admin
        .rotate_client_secret(
            &at.actor,
            &id,
            std::time::Duration::from_secs(form.grace),
            expected.as_deref(),
        )
        .await?;
    let shown = Shown {
        note: Some("A new secret was made. Copy it now: it is not shown again."),
        new_secret: Some(secret),
        ..Shown::default()
    };
    Ok(client_page(&at, client, shown, StatusCode::OK))
}

/// `POST /admin/clients/{id}/enable`
pub(crate) async fn enable(
    id: web::Path<String>,
    ConsoleForm { at, .. }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_client_enabled(&at.actor, &id, true, None)
        .await?;
    Ok(back(&client_href(&id), "client_enabled"))
}

/// `POST /admin/clients/{id}/disable`
pub(crate) async fn disable(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui
        .admin
        .set_client_enabled(&at.actor, &id, false, None)
        .await?;
    Ok(back(&client_href(&id), "client_disabled"))
}

/// `POST /admin/clients/{id}/delete`
pub(crate) async fn delete(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.delete_client(&at.actor, &id).await?;
    Ok(back("/admin/clients", "client_deleted"))
}

has_csrf!(CreateForm, EditForm, RotateForm);
