//! Webhooks: the subscriptions, subscribing a URL (its signing secret shown once, on the
//! answer), and one subscription's page: enabling and disabling, a new secret with a grace
//! period, deletion, and its delivery log.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use domain::admin::{Access, Area, DeliveryView};
use domain::events::{NewWebhook, Webhook, catalogue};
use serde::Deserialize;

use super::errors::ConsoleResult;
use super::guard::{Console, ConsoleForm};
use super::shell::{Section, Shell, back};
use super::{ActionForm, Done, confirmed, path_segment};
use crate::web::csp::Csp;
use crate::web::csrf_form::has_csrf;
use crate::web::render;

/// Where the section lives.
const HOME: &str = "/admin/webhooks";

/// How many deliveries a subscription's page shows, newest first.
const LOG_LENGTH: u64 = 100;

/// Grace periods offered for the old secret, in seconds.
const GRACES: [(u64, &str); 4] = [
    (0, "none: the old secret stops now"),
    (3_600, "1 hour"),
    (86_400, "24 hours"),
    (604_800, "7 days"),
];

/// The address of a subscription's page.
fn webhook_href(id: &str) -> String {
    format!("{HOME}/{}", path_segment(id))
}

/// A subscription in the list, with its page's address.
#[derive(Debug)]
struct Row {
    webhook: Webhook,
    href: String,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct WebhooksPage {
    shell: Shell,
    webhooks: Vec<Row>,
    /// Every public event type, for the form's hint.
    types: Vec<&'static str>,
    /// A refused subscription: what was typed, and why.
    form: NewForm,
    problem: Option<String>,
    writable: bool,
}

/// The form subscribing a URL.
#[derive(Debug, Deserialize)]
pub(crate) struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    /// Space-separated event types, or `*`.
    #[serde(default)]
    event_types: String,
    #[serde(default)]
    description: String,
}

impl Default for NewForm {
    fn default() -> Self {
        Self {
            csrf: String::new(),
            url: String::new(),
            event_types: catalogue::ALL.to_owned(),
            description: String::new(),
        }
    }
}

/// The list; a refused subscription is shown again with `problem`.
async fn list_page(
    at: &Console,
    done: &str,
    form: NewForm,
    problem: Option<String>,
    status: StatusCode,
) -> ConsoleResult {
    let webhooks = at
        .ui
        .admin
        .list_webhooks(&at.actor)
        .await?
        .into_iter()
        .map(|webhook| Row {
            href: webhook_href(&webhook.id),
            webhook,
        })
        .collect();
    let page = WebhooksPage {
        shell: Shell::new(at, Section::Webhooks, "Webhooks", done),
        webhooks,
        types: catalogue::types(),
        form,
        problem,
        writable: at.actor.may(Area::System, Access::Write),
    };
    Ok(render::page(status, &page, &Csp::page()))
}

/// `GET /admin/webhooks`
pub(crate) async fn list(at: Console, done: web::Query<Done>) -> ConsoleResult {
    list_page(&at, &done.done, NewForm::default(), None, StatusCode::OK).await
}

/// `POST /admin/webhooks`: subscribes the URL (the SSRF guard applies); its page shows the
/// secret once. A refused URL or type shows the form again with what was typed.
pub(crate) async fn create(ConsoleForm { at, form }: ConsoleForm<NewForm>) -> ConsoleResult {
    let new = NewWebhook {
        url: form.url.trim().to_owned(),
        event_types: form
            .event_types
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        description: Some(form.description.trim().to_owned()).filter(|d| !d.is_empty()),
    };
    match at.ui.admin.create_webhook(&at.actor, new).await {
        Ok((webhook, secret)) => {
            let shown = Shown {
                note: Some("The webhook was created."),
                new_secret: Some(secret),
                ..Shown::default()
            };
            webhook_page(&at, webhook, shown, StatusCode::CREATED).await
        }
        Err(e @ domain::Error::Invalid { .. }) => {
            list_page(&at, "", form, Some(e.to_string()), StatusCode::BAD_REQUEST).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct WebhookPage {
    shell: Shell,
    href: String,
    webhook: Webhook,
    deliveries: Vec<DeliveryView>,
    /// A secret just made: shown this once.
    new_secret: Option<String>,
    writable: bool,
}

/// How a subscription's page is shown: after which action, with which note or secret.
#[derive(Default)]
struct Shown {
    done: String,
    note: Option<&'static str>,
    new_secret: Option<String>,
}

/// A subscription's page with its delivery log.
async fn webhook_page(
    at: &Console,
    webhook: Webhook,
    shown: Shown,
    status: StatusCode,
) -> ConsoleResult {
    let deliveries = at
        .ui
        .admin
        .webhook_deliveries(&at.actor, &webhook.id, LOG_LENGTH)
        .await?;
    let mut shell = Shell::new(at, Section::Webhooks, webhook.url.clone(), &shown.done);
    if shown.note.is_some() {
        shell.message = shown.note;
    }
    let page = WebhookPage {
        shell,
        href: webhook_href(&webhook.id),
        webhook,
        deliveries,
        new_secret: shown.new_secret,
        writable: at.actor.may(Area::System, Access::Write),
    };
    // The copy button's script.
    Ok(render::page(status, &page, &Csp::page().scripts()))
}

/// `GET /admin/webhooks/{id}`
pub(crate) async fn show(
    at: Console,
    id: web::Path<String>,
    done: web::Query<Done>,
) -> ConsoleResult {
    let webhook = at.ui.admin.webhook(&at.actor, &id).await?;
    let shown = Shown {
        done: done.into_inner().done,
        ..Shown::default()
    };
    webhook_page(&at, webhook, shown, StatusCode::OK).await
}

/// `POST /admin/webhooks/{id}/enable`
pub(crate) async fn enable(
    id: web::Path<String>,
    ConsoleForm { at, .. }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_webhook_enabled(&at.actor, &id, true)
        .await?;
    Ok(back(&webhook_href(&id), "webhook_changed"))
}

/// `POST /admin/webhooks/{id}/disable`: no event is queued for it until enabled.
pub(crate) async fn disable(
    id: web::Path<String>,
    ConsoleForm { at, .. }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    at.ui
        .admin
        .set_webhook_enabled(&at.actor, &id, false)
        .await?;
    Ok(back(&webhook_href(&id), "webhook_changed"))
}

/// The form making a new secret.
#[derive(Debug, Deserialize)]
pub(crate) struct RotateForm {
    #[serde(default)]
    csrf: String,
    /// Seconds the old secret also signs.
    #[serde(default)]
    grace: u64,
}

/// `POST /admin/webhooks/{id}/rotate-secret`: the new secret is shown once, on the answer.
pub(crate) async fn rotate(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<RotateForm>,
) -> ConsoleResult {
    let secret = at
        .ui
        .admin
        .rotate_webhook_secret(&at.actor, &id, Duration::from_secs(form.grace))
        .await?;
    let webhook = at.ui.admin.webhook(&at.actor, &id).await?;
    let shown = Shown {
        note: Some("A new secret was made. Copy it now: it is not shown again."),
        new_secret: Some(secret),
        ..Shown::default()
    };
    webhook_page(&at, webhook, shown, StatusCode::OK).await
}

/// `POST /admin/webhooks/{id}/delete`: with its queued deliveries.
pub(crate) async fn delete(
    id: web::Path<String>,
    ConsoleForm { at, form }: ConsoleForm<ActionForm>,
) -> ConsoleResult {
    confirmed(&form.confirm)?;
    at.ui.admin.delete_webhook(&at.actor, &id).await?;
    Ok(back(HOME, "webhook_deleted"))
}

has_csrf!(NewForm, RotateForm);
