//! Signing keys: the list (kid, algorithm, state, dates; never a private part), rotation, and
//! unpublishing a retired key at once (one believed compromised).

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use domain::admin::{Access, Area};
use domain::keys::KeyInfo;
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{ActionForm, Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

/// Where the section lives.
const HOME: &str = "/admin/keys";

#[derive(Template)]
#[template(path = "admin/keys.html")]
struct KeysPage {
    shell: Shell,
    keys: Vec<KeyInfo>,
    /// The algorithms in use, each once, for the rotation form.
    algs: Vec<String>,
    writable: bool,
}

impl KeysPage {
    /// The address retiring `kid`.
    fn retire_action(&self, kid: &str) -> String {
        format!("{HOME}/{}/retire", path_segment(kid))
    }
}

/// `GET /admin/keys`
pub(crate) async fn list(at: Console, done: web::Query<Done>) -> ConsoleResult {
    let keys = at.ui.admin.list_keys(&at.actor).await?;
    let mut algs: Vec<String> = keys.iter().map(|k| k.alg.clone()).collect();
    algs.sort();
    algs.dedup();
    let page = KeysPage {
        shell: Shell::new(&at, Section::Keys, "Signing keys", &done.done),
        keys,
        algs,
        writable: at.actor.may(Area::System, Access::Write),
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

/// The rotation form.
#[derive(Debug, Deserialize)]
pub(crate) struct RotateForm {
    #[serde(default)]
    csrf: String,
    /// One algorithm; empty: every configured one.
    #[serde(default)]
    alg: String,
}

/// `POST /admin/keys/rotate`: each next key starts signing; the active ones are retired
/// and stay published until the tokens they signed expire.
pub(crate) async fn rotate(ConsoleForm { at, form }: ConsoleForm<RotateForm>) -> ConsoleResult {
    let algs: Vec<String> = Some(form.alg.trim().to_owned())
        .filter(|a| !a.is_empty())
        .into_iter()
        .collect();
    at.ui.admin.rotate_keys(&at.actor, &algs).await?;
    Ok(back(HOME, "keys_rotated"))
}

/// `POST /admin/keys/{kid}/retire`: a retired key leaves the JWKS now (tokens it signed stop
/// verifying).
pub(crate) async fn retire(
    kid: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.retire_key(&at.actor, &kid).await?;
    Ok(back(HOME, "key_retired"))
}

has_csrf!(RotateForm);
