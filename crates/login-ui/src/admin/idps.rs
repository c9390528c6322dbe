//! Identity providers (upstreams): the list with a form adding one (generic OpenID Connect
//! or a preset), and one provider's page: its settings (never its client secret or private
//! key, only whether one is stored) edited in place, its claim mapping rules added and
//! removed, and its deletion. Every change goes through `domain::admin`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use domain::admin::{Access, Area, UpstreamView, upstream_version};
use domain::federation::{
    Endpoints, FirstLogin, Mapping, MappingTarget, NewMapping, NewUpstream, Preset, PresetSettings,
    PresetSetup, UpstreamChanges,
};
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{ActionForm, Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

/// An upstream in the list, with its page's address.
#[derive(Debug)]
struct Row {
    upstream: UpstreamView,
    href: String,
}

#[derive(Template)]
#[template(path = "admin/idps.html")]
struct IdpsPage {
    shell: Shell,
    upstreams: Vec<Row>,
    presets: [Preset; 6],
    writable: bool,
}

/// The address of a provider's page.
fn idp_href(name: &str) -> String {
    format!("/admin/idps/{}", path_segment(name))
}

/// `GET /admin/idps`
pub(crate) async fn list(at: Console, done: web::Query<Done>) -> ConsoleResult {
    let upstreams = at
        .ui
        .admin
        .list_upstreams(&at.actor)
        .await?
        .into_iter()
        .map(|upstream| Row {
            href: idp_href(&upstream.upstream.name),
            upstream,
        })
        .collect();
    let page = IdpsPage {
        shell: Shell::new(&at, Section::Idps, "Identity providers", &done.done),
        upstreams,
        presets: Preset::ALL,
        writable: at.actor.may(Area::System, Access::Write),
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// The words of a space- or line-separated field.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A field's text, none when empty.
fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The form adding a provider.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    /// A preset's name, or empty for generic OpenID Connect.
    #[serde(default)]
    preset: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    first_login: String,
    /// Microsoft: the tenant.
    #[serde(default)]
    tenant: String,
    /// Apple: the team id, key id and private key (PKCS#8 PEM).
    #[serde(default)]
    apple_team_id: String,
    #[serde(default)]
    apple_key_id: String,
    #[serde(default)]
    private_key: String,
}

/// `POST /admin/idps`: adds a provider; its page shows the redirect URI to register there.
pub(crate) async fn create(ConsoleForm { at, form }: ConsoleForm<CreateForm>) -> ConsoleResult {
    let preset = match given(&form.preset) {
        None => None,
        Some(p) => Some(PresetSetup {
            preset: Preset::parse(&p)?,
            settings: PresetSettings {
                tenant: given(&form.tenant),
                allowed_tenants: Vec::new(),
                apple_team_id: given(&form.apple_team_id),
                apple_key_id: given(&form.apple_key_id),
            },
            private_key: given(&form.private_key),
        }),
    };
    let new = NewUpstream {
        name: form.name.trim().to_owned(),
        display_name: given(&form.display_name),
        issuer: form.issuer.trim().to_owned(),
        preset,
        endpoints: Endpoints::default(),
        client_id: form.client_id.trim().to_owned(),
        client_secret: given(&form.client_secret),
        scopes: words(&form.scopes),
        first_login: FirstLogin::parse(given(&form.first_login).as_deref().unwrap_or("link"))?,
        trusted_for_email: false,
        trusted_for_acr: false,
        trusted_for_mfa: false,
        enabled: true,
        allowed_clients: Vec::new(),
    };
    let made = at.ui.admin.create_upstream(&at.actor, new).await?;
    Ok(back(&idp_href(&made.upstream.name), "idp_changed"))
}

#[derive(Template)]
#[template(path = "admin/idp.html")]
struct IdpPage {
    shell: Shell,
    view: UpstreamView,
    href: String,
    version: String,
    mappings: Vec<Mapping>,
    writable: bool,
}

/// `GET /admin/idps/{name}`
pub(crate) async fn show(
    at: Console,
    name: web::Path<String>,
    done: web::Query<Done>,
) -> ConsoleResult {
    let view = at.ui.admin.upstream(&at.actor, &name).await?;
    let mappings = at.ui.admin.upstream_mappings(&at.actor, &name).await?;
    Ok(idp_page(&at, view, mappings, &done.done))
}

fn idp_page(at: &Console, view: UpstreamView, mappings: Vec<Mapping>, done: &str) -> HttpResponse {
    let page = IdpPage {
        shell: Shell::new(at, Section::Idps, view.upstream.display_name.clone(), done),
        href: idp_href(&view.upstream.name),
        version: upstream_version(&view.upstream),
        view,
        mappings,
        writable: at.actor.may(Area::System, Access::Write),
    };
    render::page(StatusCode::OK, &page, &Csp::page())
}

/// The settings form: every field is sent; an empty secret keeps the stored one.
#[derive(Debug, Deserialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    csrf: String,
    /// The version the form was made from: a change meanwhile is refused (412).
    #[serde(default)]
    version: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    first_login: String,
    #[serde(default)]
    allowed_clients: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    trusted_for_email: Option<String>,
    #[serde(default)]
    trusted_for_acr: Option<String>,
    #[serde(default)]
    trusted_for_mfa: Option<String>,
}

/// `POST /admin/idps/{name}`
pub(crate) async fn update(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<EditForm>,
) -> ConsoleResult {
    let current = at.ui.admin.upstream(&at.actor, &name).await?;
    // A preset's issuer is the preset's: only a generic provider's is edited here.
    let issuer = current
        .upstream
        .preset
        .is_none()
        .then(|| form.issuer.trim().to_owned());
    let changes = UpstreamChanges {
        display_name: Some(form.display_name.trim().to_owned()),
        issuer,
        client_id: Some(form.client_id.trim().to_owned()),
        client_secret: given(&form.client_secret),
        scopes: Some(words(&form.scopes)),
        first_login: Some(FirstLogin::parse(form.first_login.trim())?),
        trusted_for_email: Some(form.trusted_for_email.is_some()),
        trusted_for_acr: Some(form.trusted_for_acr.is_some()),
        trusted_for_mfa: Some(form.trusted_for_mfa.is_some()),
        enabled: Some(form.enabled.is_some()),
        allowed_clients: Some(words(&form.allowed_clients)),
        ..UpstreamChanges::default()
    };
    let expected = given(&form.version);
    let updated = at
        .ui
        .admin
        .update_upstream(&at.actor, &name, changes, expected.as_deref())
        .await?;
    Ok(back(&idp_href(&updated.upstream.name), "idp_changed"))
}

/// The form adding a mapping rule.
#[derive(Debug, Deserialize)]
pub(crate) struct MappingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    claim: String,
    #[serde(default)]
    value: String,
    /// `role` or `group`.
    #[serde(default)]
    target: String,
    #[serde(default)]
    target_name: String,
}

/// `POST /admin/idps/{name}/mappings`
pub(crate) async fn add_mapping(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<MappingForm>,
) -> ConsoleResult {
    let target_name = form.target_name.trim().to_owned();
    let target = match form.target.as_str() {
        "role" => MappingTarget::Role(target_name),
        "group" => MappingTarget::Group(target_name),
        _ => return Err(domain::Error::invalid("target", "must be role or group").into()),
    };
    let new = NewMapping {
        claim: form.claim.trim().to_owned(),
        value: form.value.trim().to_owned(),
        target,
    };
    at.ui
        .admin
        .add_upstream_mapping(&at.actor, &name, new)
        .await?;
    Ok(back(&idp_href(&name), "idp_changed"))
}

/// `POST /admin/idps/{name}/mappings/remove`: the grants the rule made go too.
pub(crate) async fn remove_mapping(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui
        .admin
        .remove_upstream_mapping(&at.actor, &name, &form.item)
        .await?;
    Ok(back(&idp_href(&name), "idp_changed"))
}

/// `POST /admin/idps/{name}/delete`: with its links (the accounts stay) and rules.
pub(crate) async fn delete(
    name: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.delete_upstream(&at.actor, &name).await?;
    Ok(back("/admin/idps", "idp_deleted"))
}

has_csrf!(CreateForm, EditForm, MappingForm);
