//! Identity providers (upstreams): the list, and one provider's settings (never its client
//! secret or private key, only whether one is stored) with its claim mapping rules.
//!
//! Read-only for now: `domain::admin` has no upstream operations yet, so these pages read
//! `domain::federation` directly after the same check `domain::admin` would make; changes
//! are made with `gatehouse upstream ...`.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use domain::admin::{Access, Area};
use domain::federation::{Mapping, Upstream};

use super::errors::ConsoleResult;
use super::guard::Console;
use super::shell::{Section, Shell};
use super::{Done, path_segment};
use crate::web::csp::Csp;
use crate::web::render;

/// An upstream in the list, with its page's address.
#[derive(Debug)]
struct Row {
    upstream: Upstream,
    href: String,
}

#[derive(Template)]
#[template(path = "admin/idps.html")]
struct IdpsPage {
    shell: Shell,
    upstreams: Vec<Row>,
}

/// `GET /admin/idps`
pub(crate) async fn list(at: Console, done: web::Query<Done>) -> ConsoleResult {
    at.actor.require(Area::System, Access::Read)?;
    let upstreams = at
        .ui
        .federation
        .upstreams
        .list()
        .await?
        .into_iter()
        .map(|upstream| Row {
            href: format!("/admin/idps/{}", path_segment(&upstream.name)),
            upstream,
        })
        .collect();
    let page = IdpsPage {
        shell: Shell::new(&at, Section::Idps, "Identity providers", &done.done),
        upstreams,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}

#[derive(Template)]
#[template(path = "admin/idp.html")]
struct IdpPage {
    shell: Shell,
    upstream: Upstream,
    mappings: Vec<Mapping>,
}

/// `GET /admin/idps/{name}`
pub(crate) async fn show(
    at: Console,
    name: web::Path<String>,
    done: web::Query<Done>,
) -> ConsoleResult {
    at.actor.require(Area::System, Access::Read)?;
    let upstream = at
        .ui
        .federation
        .upstreams
        .find(&name)
        .await?
        .ok_or(domain::Error::NotFound("identity provider"))?;
    let mappings = at.ui.federation.mappings.list(&upstream).await?;
    let page = IdpPage {
        shell: Shell::new(
            &at,
            Section::Idps,
            upstream.display_name.clone(),
            &done.done,
        ),
        upstream,
        mappings,
    };
    Ok(render::page(StatusCode::OK, &page, &Csp::page()))
}
