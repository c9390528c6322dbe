//! The account console: one page per section (`/account/profile`, `/account/sessions`, …),
//! each with the navigation to every other, the result of the last action on top, and a
//! refused form shown again with every problem listed, focused, and what was typed kept.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use domain::credentials::Enrollment;
use serde::Deserialize;

use super::SignedIn;
use super::checks::zone_names;
use super::dates::{Clock, HumanDate};
use crate::LoginUi;
use crate::web::csp::Csp;
use crate::web::errors::server_error;
use crate::web::scopes::describe;
use crate::web::{csrf, render};

/// The sections, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Profile,
    Email,
    Password,
    TwoStep,
    Passkeys,
    Linked,
    Apps,
    Sessions,
    Data,
    Delete,
}

impl Section {
    /// Every section, in the navigation's order.
    const ALL: [Section; 10] = [
        Section::Profile,
        Section::Email,
        Section::Password,
        Section::TwoStep,
        Section::Passkeys,
        Section::Linked,
        Section::Apps,
        Section::Sessions,
        Section::Data,
        Section::Delete,
    ];

    /// The last segment of the section's address.
    pub(crate) const fn slug(self) -> &'static str {
        match self {
            Section::Profile => "profile",
            Section::Email => "email",
            Section::Password => "password",
            Section::TwoStep => "two-step",
            Section::Passkeys => "passkeys",
            Section::Linked => "linked",
            Section::Apps => "apps",
            Section::Sessions => "sessions",
            Section::Data => "data",
            Section::Delete => "delete",
        }
    }

    /// The message key of the section's heading and navigation label.
    const fn title_key(self) -> &'static str {
        match self {
            Section::Profile => "account-section-profile",
            Section::Email => "account-section-email",
            Section::Password => "account-section-password",
            Section::TwoStep => "account-section-two-step",
            Section::Passkeys => "account-section-passkeys",
            Section::Linked => "account-section-linked",
            Section::Apps => "account-section-apps",
            Section::Sessions => "account-section-sessions",
            Section::Data => "account-section-data",
            Section::Delete => "account-section-delete",
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// Messages shown after a successful action, by the `done` query value, and the section
/// that shows each.
const DONE: &[(&str, Section, &str)] = &[
    ("profile", Section::Profile, "account-done-profile"),
    ("password", Section::Password, "account-done-password"),
    ("email", Section::Email, "account-done-email"),
    ("app", Section::Apps, "account-done-app"),
    ("session", Section::Sessions, "account-done-session"),
    ("sessions", Section::Sessions, "account-done-sessions"),
    ("mfa", Section::TwoStep, "account-done-mfa"),
    ("mfa_removed", Section::TwoStep, "account-done-mfa-removed"),
    ("codes_saved", Section::TwoStep, "account-done-codes-saved"),
    ("browsers", Section::TwoStep, "account-done-browsers"),
    ("phone", Section::Profile, "account-done-phone"),
    ("mfa_sms", Section::TwoStep, "account-done-mfa-sms"),
    (
        "mfa_sms_removed",
        Section::TwoStep,
        "account-done-mfa-sms-removed",
    ),
    ("passkey", Section::Passkeys, "account-done-passkey"),
    ("linked", Section::Linked, "account-done-linked"),
    ("unlinked", Section::Linked, "account-done-unlinked"),
    (
        "passkey_removed",
        Section::Passkeys,
        "account-done-passkey-removed",
    ),
];

/// The answer to a successful action: its section, with the message for `done` on top.
pub(crate) fn back(done: &str) -> HttpResponse {
    let section = DONE
        .iter()
        .find(|(k, _, _)| *k == done)
        .map_or(Section::Profile, |(_, s, _)| *s);
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/account/{}?done={done}", section.slug()),
        ))
        .finish()
}

/// One problem of a refused form: the input it concerns (its `id`), if one, and what to do.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    /// The `id` of the input, for the link from the summary and the field's own message.
    pub(crate) field: Option<&'static str>,
    /// What is wrong and how to put it right.
    pub(crate) message: String,
}

/// Every problem of a refused form, shown together.
#[derive(Debug, Clone, Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    /// One problem of the input `field`.
    pub(crate) fn of(field: &'static str, message: impl Into<String>) -> Self {
        let mut p = Self::default();
        p.add(field, message);
        p
    }

    /// One problem of the whole form.
    pub(crate) fn general(message: impl Into<String>) -> Self {
        Self(vec![Problem {
            field: None,
            message: message.into(),
        }])
    }

    /// Adds a problem of the input `field`.
    pub(crate) fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(Problem {
            field: Some(field),
            message: message.into(),
        });
    }

    /// Whether there is none.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The problems, in the form's order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// The message for the input `field`, if it has a problem.
    pub(crate) fn field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.field == Some(field))
            .map(|p| p.message.as_str())
    }
}

/// What a refused form sent, by input `id`, to show it again.
#[derive(Debug, Clone, Default)]
pub(crate) struct Typed(Vec<(&'static str, String)>);

impl Typed {
    /// Keeps `value` for the input `field`.
    pub(crate) fn keep(mut self, field: &'static str, value: &str) -> Self {
        self.0.push((field, value.to_owned()));
        self
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// How a section is shown: after an action (`message`) or a refused form (`problems`).
#[derive(Debug)]
pub(crate) struct View {
    section: Section,
    status: StatusCode,
    message: Option<&'static str>,
    problems: Problems,
    typed: Typed,
}

impl View {
    /// The section as it is.
    pub(crate) fn of(section: Section) -> Self {
        Self {
            section,
            status: StatusCode::OK,
            message: None,
            problems: Problems::default(),
            typed: Typed::default(),
        }
    }

    /// The section after a refused form: its problems and what was typed.
    pub(crate) fn refused(section: Section, problems: Problems, typed: Typed) -> Self {
        Self {
            section,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: None,
            problems,
            typed,
        }
    }
}

/// A navigation entry.
#[derive(Debug)]
pub(crate) struct NavItem {
    slug: &'static str,
    /// The message key of its label.
    label: &'static str,
}

const NAV: [NavItem; 10] = {
    let mut items = [const {
        NavItem {
            slug: "",
            label: "",
        }
    }; 10];
    let mut i = 0;
    while i < Section::ALL.len() {
        items[i] = NavItem {
            slug: Section::ALL[i].slug(),
            label: Section::ALL[i].title_key(),
        };
        i += 1;
    }
    items
};

/// What every section page shows around the section: the navigation, who is signed in, the
/// result of the last action and the problems of a refused form.
#[derive(Debug)]
pub(crate) struct Shell<'a> {
    csrf: &'a str,
    email: &'a str,
    slug: &'static str,
    /// Whether the account has a password to re-enter (else a recent sign-in confirms).
    has_password: bool,
    /// The message key of the section's title.
    title: &'static str,
    nav: &'static [NavItem],
    /// The message key of the last action's result.
    message: Option<&'static str>,
    errors: Problems,
}

/// A profile input.
#[derive(Debug)]
struct Field {
    id: &'static str,
    /// The message key of its label.
    label: &'static str,
    kind: &'static str,
    autocomplete: Option<&'static str>,
    list: Option<&'static str>,
    max: usize,
    /// The message key of its hint.
    hint: Option<&'static str>,
    value: String,
}

/// Languages offered as suggestions (any valid BCP 47 tag is accepted), each in its own
/// language.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("en-GB", "English (United Kingdom)"),
    ("en-US", "English (United States)"),
    ("de", "Deutsch"),
    ("de-AT", "Deutsch (Österreich)"),
    ("de-CH", "Deutsch (Schweiz)"),
    ("fr", "Français"),
    ("fr-CA", "Français (Canada)"),
    ("es", "Español"),
    ("es-MX", "Español (México)"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("pt", "Português"),
    ("pt-BR", "Português (Brasil)"),
    ("pl", "Polski"),
    ("sv", "Svenska"),
    ("ja", "日本語"),
    ("zh-Hans", "中文（简体）"),
];

#[derive(Template)]
#[template(path = "account/profile.html")]
struct ProfilePage<'a> {
    shell: Shell<'a>,
    fields: Vec<Field>,
    zones: &'static [String],
    languages: &'static [(&'static str, &'static str)],
    sms_available: bool,
    phone: Option<&'a str>,
    phone_verified: bool,
}

#[derive(Template)]
#[template(path = "account/email.html")]
struct EmailPage<'a> {
    shell: Shell<'a>,
    verified: bool,
    new_email: &'a str,
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage<'a> {
    shell: Shell<'a>,
    min_length: usize,
}

#[derive(Template)]
#[template(path = "account/two_step.html")]
struct TwoStepPage<'a> {
    shell: Shell<'a>,
    mfa: Enrollment,
    trusted_browsers: u64,
    sms_available: bool,
    phone_verified: bool,
}

#[derive(Debug)]
struct PasskeyRow {
    id: String,
    name: String,
    created: HumanDate,
    last_used: Option<HumanDate>,
}

#[derive(Template)]
#[template(path = "account/passkeys.html")]
struct PasskeysPage<'a> {
    shell: Shell<'a>,
    available: bool,
    list: Vec<PasskeyRow>,
}

#[derive(Debug)]
struct LinkRow {
    id: String,
    provider: String,
    email: Option<String>,
    linked: HumanDate,
    last_used: Option<HumanDate>,
}

#[derive(Template)]
#[template(path = "account/linked.html")]
struct LinkedPage<'a> {
    shell: Shell<'a>,
    list: Vec<LinkRow>,
    /// Providers offered on Gatehouse's own pages that the account has no link to:
    /// (name, button text).
    offered: Vec<(String, String)>,
}

#[derive(Debug)]
struct AppRow {
    client_id: String,
    name: String,
    /// What the app may do, in the consent page's words.
    scopes: Vec<String>,
    granted: HumanDate,
}

#[derive(Template)]
#[template(path = "account/apps.html")]
struct AppsPage<'a> {
    shell: Shell<'a>,
    apps: Vec<AppRow>,
}

#[derive(Debug)]
struct SessionRow {
    id: String,
    current: bool,
    device: String,
    created: HumanDate,
    last_seen: HumanDate,
    ip: Option<String>,
    location: Option<String>,
}

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage<'a> {
    shell: Shell<'a>,
    sessions: Vec<SessionRow>,
    zone: String,
}

#[derive(Template)]
#[template(path = "account/data.html")]
struct DataPage<'a> {
    shell: Shell<'a>,
}

#[derive(Template)]
#[template(path = "account/delete.html")]
struct DeletePage<'a> {
    shell: Shell<'a>,
}

/// Query of the section pages.
#[derive(Debug, Deserialize)]
pub struct SectionQuery {
    #[serde(default)]
    done: String,
}

/// The signed-in account, or the answer that sends the browser to sign in and back to `path`.
async fn signed_in_for(
    ui: &LoginUi,
    req: &HttpRequest,
    path: &str,
) -> Result<SignedIn, HttpResponse> {
    match crate::flow::signed_in::signed_in(ui, req).await {
        Ok(Some(me)) => Ok(me),
        Ok(None) => Err(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?next={path}")))
            .finish()),
        Err(e) => Err(server_error(&e)),
    }
}

/// `GET /account`: the section of the last action's message (older links carry `done`),
/// else the profile.
pub async fn home(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<SectionQuery>,
) -> HttpResponse {
    let me = match signed_in_for(&ui, &req, "/account").await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let done = DONE.iter().find(|(k, _, _)| *k == query.done);
    let mut view = View::of(done.map_or(Section::Profile, |(_, s, _)| *s));
    view.message = done.map(|(_, _, m)| *m);
    render_section(&ui, &req, &me, view).await
}

/// `GET /account/{section}`
pub async fn show(
    ui: web::Data<LoginUi>,
    req: HttpRequest,
    query: web::Query<SectionQuery>,
) -> HttpResponse {
    // The last segment: some sections share their address with their form's POST.
    let slug = req.path().rsplit('/').next().unwrap_or_default();
    let Some(section) = Section::from_slug(slug) else {
        return render::end_page(
            StatusCode::NOT_FOUND,
            &crate::t("account-not-found-title"),
            &crate::t("account-not-found"),
            &render::Next::account(),
        );
    };
    let me = match signed_in_for(&ui, &req, &format!("/account/{}", section.slug())).await {
        Ok(me) => me,
        Err(res) => return res,
    };
    let mut view = View::of(section);
    view.message = DONE
        .iter()
        .find(|(k, s, _)| *k == query.done && *s == section)
        .map(|(_, _, m)| *m);
    render_section(&ui, &req, &me, view).await
}

/// The reader's clock: the page's language (their saved one, unless the request asks for
/// another) and their time zone.
fn clock(me: &SignedIn) -> Clock {
    Clock::new(me.user.zoneinfo.as_deref())
}

/// The approximate location of an IP address, when a location database is configured.
pub(crate) fn locate(ui: &LoginUi, ip: Option<&str>) -> Option<String> {
    ui.geoip.as_ref().zip(ip).and_then(|(g, ip)| g.locate(ip))
}

/// Renders a section as `view` says.
pub(crate) async fn render_section(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    view: View,
) -> HttpResponse {
    match section_page(ui, req, me, view).await {
        Ok(res) => res,
        Err(e) => server_error(&e),
    }
}

async fn section_page(
    ui: &LoginUi,
    req: &HttpRequest,
    me: &SignedIn,
    view: View,
) -> Result<HttpResponse, domain::Error> {
    let (token, cookie) = csrf::issue_signed_in(ui, req);
    let user = &me.user;
    let View {
        section,
        status,
        message,
        problems,
        typed,
    } = view;
    let label = user.label();
    let shell = Shell {
        csrf: &token,
        email: &label,
        has_password: ui.users.has_password(&user.id).await?,
        slug: section.slug(),
        title: section.title_key(),
        nav: &NAV,
        message,
        errors: problems,
    };
    let csp = Csp::page();
    let res = match section {
        Section::Profile => {
            let stored = |v: &Option<String>| v.clone().unwrap_or_default();
            let value = |id: &str, saved: &Option<String>| {
                typed.get(id).map_or_else(|| stored(saved), str::to_owned)
            };
            let field = |id, label, kind, autocomplete, max, saved: &Option<String>| Field {
                id,
                label,
                kind,
                autocomplete,
                list: None,
                max,
                hint: None,
                value: value(id, saved),
            };
            let fields = vec![
                field(
                    "name",
                    "account-profile-name",
                    "text",
                    Some("name"),
                    200,
                    &user.display_name,
                ),
                field(
                    "given_name",
                    "account-profile-given-name",
                    "text",
                    Some("given-name"),
                    200,
                    &user.given_name,
                ),
                field(
                    "family_name",
                    "account-profile-family-name",
                    "text",
                    Some("family-name"),
                    200,
                    &user.family_name,
                ),
                Field {
                    hint: Some("account-profile-picture-hint"),
                    ..field(
                        "picture",
                        "account-profile-picture",
                        "url",
                        Some("photo"),
                        2048,
                        &user.picture,
                    )
                },
                Field {
                    list: Some("languages"),
                    hint: Some("account-profile-locale-hint"),
                    ..field(
                        "locale",
                        "account-profile-locale",
                        "text",
                        Some("language"),
                        35,
                        &user.locale,
                    )
                },
                Field {
                    list: Some("zones"),
                    hint: Some("account-profile-zoneinfo-hint"),
                    ..field(
                        "zoneinfo",
                        "account-profile-zoneinfo",
                        "text",
                        None,
                        64,
                        &user.zoneinfo,
                    )
                },
                Field {
                    hint: Some("account-profile-phone-hint"),
                    ..field(
                        "phone_number",
                        "account-profile-phone",
                        "tel",
                        Some("tel"),
                        32,
                        &user.phone_number,
                    )
                },
            ];
            let page = ProfilePage {
                shell,
                fields,
                zones: zone_names(),
                languages: LANGUAGES,
                sms_available: ui.sms.is_some(),
                phone: user.phone_number.as_deref().filter(|p| !p.is_empty()),
                phone_verified: user.phone_number_verified,
            };
            render::page(status, &page, &csp)
        }
        Section::Email => {
            let page = EmailPage {
                shell,
                verified: user.email_verified,
                new_email: typed.get("new_email").unwrap_or_default(),
            };
            render::page(status, &page, &csp)
        }
        Section::Password => {
            let page = PasswordPage {
                shell,
                min_length: ui.settings.password_policy.min_length,
            };
            render::page(status, &page, &csp)
        }
        Section::TwoStep => {
            let mfa = ui.mfa.enrollment(&user.id).await?;
            let trusted_browsers = ui
                .tokens
                .count_open(domain::users::Purpose::TrustedDevice, &user.id)
                .await?;
            let page = TwoStepPage {
                shell,
                mfa,
                trusted_browsers,
                sms_available: ui.sms.is_some(),
                phone_verified: user.phone_number_verified,
            };
            render::page(status, &page, &csp)
        }
        Section::Passkeys => {
            let clock = clock(me);
            let list = match &ui.passkeys {
                Some(p) => p
                    .list(&user.id)
                    .await?
                    .into_iter()
                    .map(|k| PasskeyRow {
                        id: k.id,
                        name: k.name,
                        created: clock.human(k.created_at),
                        last_used: k.last_used_at.map(|t| clock.human(t)),
                    })
                    .collect(),
                None => Vec::new(),
            };
            let page = PasskeysPage {
                shell,
                available: ui.passkeys.is_some(),
                list,
            };
            render::page(status, &page, &Csp::page().scripts())
        }
        Section::Linked => {
            let clock = clock(me);
            let links = ui.federation.links.of_user(&user.id).await?;
            let offered = ui
                .federation
                .upstreams
                .offered_to(None)
                .await?
                .into_iter()
                .filter(|u| !links.iter().any(|l| l.upstream == u.name))
                .map(|u| (u.name, u.display_name))
                .collect();
            let list = links
                .into_iter()
                .map(|l| LinkRow {
                    id: l.id,
                    provider: l.upstream_display_name,
                    email: l.email,
                    linked: clock.human(l.created_at),
                    last_used: l.last_used_at.map(|t| clock.human(t)),
                })
                .collect();
            let page = LinkedPage {
                shell,
                list,
                offered,
            };
            render::page(status, &page, &csp)
        }
        Section::Apps => {
            let clock = clock(me);
            let mut apps = Vec::new();
            for c in ui.consents.of_user(&user.id).await? {
                let Some(client) = ui.clients.find(&c.client_id).await? else {
                    continue;
                };
                let scopes: Vec<String> = serde_json::from_value(c.scopes).unwrap_or_default();
                apps.push(AppRow {
                    client_id: c.client_id,
                    name: client.name,
                    scopes: scopes.iter().map(|s| describe(s)).collect(),
                    granted: clock.human(c.updated_at),
                });
            }
            render::page(status, &AppsPage { shell, apps }, &csp)
        }
        Section::Sessions => {
            let clock = clock(me);
            let sessions = ui
                .sessions
                .live_of_user(&user.id)
                .await?
                .into_iter()
                .map(|s| SessionRow {
                    current: s.id == me.session.id,
                    device: crate::web::device::parse(s.user_agent.as_deref().unwrap_or_default())
                        .to_string(),
                    created: clock.human(s.created_at),
                    last_seen: clock.human(s.last_seen_at),
                    location: locate(ui, s.ip.as_deref()),
                    ip: s.ip,
                    id: s.id,
                })
                .collect();
            let zone = user
                .zoneinfo
                .clone()
                .filter(|z| super::checks::time_zone(z).is_some())
                .unwrap_or_else(|| "UTC".into());
            let page = SessionsPage {
                shell,
                sessions,
                zone,
            };
            render::page(status, &page, &csp)
        }
        Section::Data => render::page(status, &DataPage { shell }, &csp),
        Section::Delete => render::page(status, &DeletePage { shell }, &csp),
    };
    Ok(csrf::attach(res, cookie))
}
