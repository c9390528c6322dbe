//! The pages' and mails' languages: Fluent messages embedded from `web/locales/<lang>/*.ftl`,
//! the language negotiated once per request, and the functions templates call.
//!
//! A template writes `{{ crate::t("sign-in-title") }}` (or `crate::t1("key", "name", value)`,
//! `crate::t2(…)` with arguments) and `<html lang="{{ crate::lang_tag() }}">`. The language
//! is request-scoped: the [`negotiate`] middleware picks it (the `ui_locales` of the request,
//! the signed-in user's saved language, `Accept-Language`, the configured default) and runs
//! the handler inside it, so handlers and render helpers need no language parameter. A
//! handler that loads a parked authorization request calls [`prefer`] with its
//! `ui_locales`; a mail is rendered in [`Lang::for_user`] (the recipient's saved language,
//! else the page's).

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};
use fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "../../web/locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: every shipped language is written
        // left to right, and the marks would show up in plain-text mail.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static DE: LanguageIdentifier = langid!("de");
static FR: LanguageIdentifier = langid!("fr");
static ES: LanguageIdentifier = langid!("es");

/// A language the pages and mails are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English (the fallback for anything missing).
    #[default]
    En,
    /// German.
    De,
    /// French.
    Fr,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every shipped language, English first.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::De, Lang::Fr, Lang::Es];

    /// The BCP 47 tag (`en`, `de`, …), as in `<html lang>` and discovery.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
        }
    }

    /// The shipped language of a BCP 47 tag, by its primary subtag (`de-CH` is German).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The language of the current request (or rendering), the English fallback outside one.
    pub fn current() -> Lang {
        CURRENT.try_with(Cell::get).unwrap_or_default()
    }

    /// The language of a mail to a user: their saved language when it is shipped, else the
    /// language of the page that caused the mail.
    pub fn for_user(saved: Option<&str>) -> Lang {
        saved.and_then(Lang::from_tag).unwrap_or_else(Lang::current)
    }

    /// Runs `f` (a rendering) in this language.
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(Cell::new(self), f)
    }

    /// The tags of every shipped language, for discovery's `ui_locales_supported`.
    pub fn supported_tags() -> Vec<String> {
        Lang::ALL.iter().map(|l| l.tag().to_owned()).collect()
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
            Lang::Fr => &FR,
            Lang::Es => &ES,
        }
    }

    /// The message `key` in this language with `args`; a key missing here falls back to
    /// English, and a key missing everywhere shows as itself (and is logged).
    pub fn message(
        self,
        key: &str,
        args: Option<&HashMap<Cow<'static, str>, FluentValue>>,
    ) -> String {
        for lang in [self, Lang::En] {
            if let Ok(text) = LOCALES.lookup_single_language(lang.id(), key, args) {
                return text;
            }
        }
        tracing::error!(key, "no translation for a message key");
        key.to_owned()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A tag that names no shipped language.
#[derive(Debug, thiserror::Error)]
#[error("unknown language {0:?}: expected one of en, de, fr, es")]
pub struct UnknownLang(String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::from_tag(s).ok_or_else(|| UnknownLang(s.to_owned()))
    }
}

impl actix_web::FromRequest for Lang {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Lang, Self::Error>>;

    /// The language [`negotiate`] chose for this request.
    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Lang::current_or(
            req.extensions().get::<Lang>().copied(),
        )))
    }
}

impl Lang {
    fn current_or(chosen: Option<Lang>) -> Lang {
        CURRENT
            .try_with(Cell::get)
            .ok()
            .or(chosen)
            .unwrap_or_default()
    }
}

tokio::task_local! {
    /// The language of the request being handled (a cell: a handler may refine it).
    static CURRENT: Cell<Lang>;
}

/// A value a message argument may take: text, or a number (which selects plural forms).
pub trait ToArg {
    /// The Fluent value.
    fn to_arg(&self) -> FluentValue<'static>;
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> FluentValue<'static> {
        (**self).to_arg()
    }
}

impl ToArg for str {
    fn to_arg(&self) -> FluentValue<'static> {
        FluentValue::from(self.to_owned())
    }
}

impl ToArg for String {
    fn to_arg(&self) -> FluentValue<'static> {
        FluentValue::from(self.clone())
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> FluentValue<'static> {
                FluentValue::from(*self)
            }
        }
    )*};
}

number_args!(u8, u16, u32, u64, usize, i32, i64);

/// The message `key` in the current language (templates: `{{ crate::t("key") }}`).
pub fn t(key: &str) -> String {
    Lang::current().message(key, None)
}

/// The message `key` with one argument `$name`.
pub fn t1(key: &str, name: &'static str, value: impl ToArg) -> String {
    let args = HashMap::from([(Cow::Borrowed(name), value.to_arg())]);
    Lang::current().message(key, Some(&args))
}

/// The message `key` with two arguments.
pub fn t2(
    key: &str,
    name1: &'static str,
    value1: impl ToArg,
    name2: &'static str,
    value2: impl ToArg,
) -> String {
    let args = HashMap::from([
        (Cow::Borrowed(name1), value1.to_arg()),
        (Cow::Borrowed(name2), value2.to_arg()),
    ]);
    Lang::current().message(key, Some(&args))
}

/// Why a new password was refused, in the current language. The strength checker's advice
/// exists in English only, so the other languages give their own general advice.
pub fn password_rejection(rejection: &domain::credentials::policy::PasswordRejection) -> String {
    use domain::credentials::policy::PasswordRejection as R;
    match rejection {
        R::TooShort(min) => t1("password-too-short", "min", *min),
        R::TooLong => t1("password-too-long", "max", domain::users::MAX_PASSWORD_LEN),
        R::Common => t("password-common"),
        R::Weak(_) if Lang::current() == Lang::En => rejection.to_string(),
        R::Weak(_) => t("password-weak"),
    }
}

/// The current language's tag, for `<html lang>`.
pub fn lang_tag() -> &'static str {
    Lang::current().tag()
}

/// `work` in the current language, for work spawned to run after the answer (a spawned
/// task does not inherit the request's language).
pub fn carry<F: std::future::Future>(work: F) -> impl std::future::Future<Output = F::Output> {
    CURRENT.scope(Cell::new(Lang::current()), work)
}

/// Makes the first shipped language among a parked authorization request's `ui_locales`
/// the language of the rest of this request: the application's wish comes first.
pub fn prefer(ui_locales: &[String]) {
    if let Some(lang) = first_shipped(ui_locales.iter().map(String::as_str)) {
        // Outside a request (a test, the command line) there is nothing to refine.
        let _ = CURRENT.try_with(|c| c.set(lang));
    }
}

fn first_shipped<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<Lang> {
    tags.into_iter().find_map(Lang::from_tag)
}

/// The languages of an `Accept-Language` header, best first (RFC 9110 §12.5.4): by
/// quality, then in the order given; `q=0` and `*` are left out.
fn accepted(header: &str) -> Vec<&str> {
    let mut ranked: Vec<(u16, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(Some(1000), quality)?;
            (quality > 0 && !tag.is_empty() && tag != "*").then_some((quality, i, tag))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, _, tag)| tag).collect()
}

/// A quality value (`0.8`) in thousandths; `None` when malformed.
fn quality(q: &str) -> Option<u16> {
    let value: f32 = q.trim().parse().ok()?;
    // Truncation is intended: three decimals at most.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

/// What the language choice looks at, in order of precedence.
#[derive(Debug, Default, Clone, Copy)]
pub struct Hints<'a> {
    /// The `ui_locales` of the authorization request (space-separated).
    pub ui_locales: Option<&'a str>,
    /// The signed-in user's saved language.
    pub saved: Option<&'a str>,
    /// The browser's `Accept-Language`.
    pub accept_language: Option<&'a str>,
}

/// Picks the language: `ui_locales`, then the saved language, then `Accept-Language`, then
/// `default`; at each step the first shipped language wins.
pub fn choose(hints: Hints<'_>, default: Lang) -> Lang {
    hints
        .ui_locales
        .and_then(|u| first_shipped(u.split_whitespace()))
        .or_else(|| hints.saved.and_then(Lang::from_tag))
        .or_else(|| {
            hints
                .accept_language
                .and_then(|a| first_shipped(accepted(a)))
        })
        .unwrap_or(default)
}

/// The saved language of the user whose browser session this request carries.
async fn saved_language(ui: &crate::LoginUi, req: &ServiceRequest) -> Option<String> {
    let cookie = req.cookie(domain::sessions::COOKIE_NAME)?;
    let session = ui.sessions.find_live(cookie.value()).await.ok().flatten()?;
    ui.users.find(&session.user_id).await.ok().flatten()?.locale
}

/// Middleware: negotiates the request's language ([`choose`]) and runs the rest of the
/// request in it; HTML answers say their language in `Content-Language`.
pub async fn negotiate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let ui = req.app_data::<web::Data<crate::LoginUi>>().cloned();
    let default = ui
        .as_ref()
        .map(|ui| ui.settings.default_language)
        .unwrap_or_default();
    let query = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let ui_locales = query.get("ui_locales").map(String::as_str);
    let accept_language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Only a page answer needs the saved language: static files and the protocol's JSON
    // endpoints carry no session cookie, or do not need it.
    let saved = match &ui {
        Some(ui)
            if ui_locales
                .and_then(|u| first_shipped(u.split_whitespace()))
                .is_none() =>
        {
            saved_language(ui, &req).await
        }
        _ => None,
    };
    let lang = choose(
        Hints {
            ui_locales,
            saved: saved.as_deref(),
            accept_language: accept_language.as_deref(),
        },
        default,
    );
    req.extensions_mut().insert(lang);
    let (mut res, lang) = CURRENT
        .scope(Cell::new(lang), async move {
            let res = next.call(req).await;
            (res, Lang::current())
        })
        .await;
    if let Ok(res) = &mut res {
        let html = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if html {
            res.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                header::HeaderValue::from_static(lang.tag()),
            );
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    fn locales_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/locales")
    }

    /// The message ids of each `.ftl` file of `lang`, by file name; fails on a syntax error.
    fn keys_of(lang: Lang) -> HashMap<String, BTreeSet<String>> {
        let dir = locales_dir().join(lang.tag());
        let mut files = HashMap::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "ftl") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let resource = fluent_bundle::FluentResource::try_new(source)
                .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
            let keys = resource
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.insert(name, keys);
        }
        files
    }

    #[test]
    fn every_key_exists_in_every_language_and_nowhere_else() {
        let english = keys_of(Lang::En);
        assert!(
            english.len() >= 5,
            "the English files: {:?}",
            english.keys()
        );
        for lang in Lang::ALL {
            let files = keys_of(lang);
            let mut names: Vec<_> = files.keys().collect();
            let mut expected: Vec<_> = english.keys().collect();
            names.sort();
            expected.sort();
            assert_eq!(names, expected, "the files of {lang}");
            for (file, keys) in &english {
                let theirs = &files[file];
                let missing: Vec<_> = keys.difference(theirs).collect();
                let extra: Vec<_> = theirs.difference(keys).collect();
                assert!(missing.is_empty(), "{lang}/{file} lacks {missing:?}");
                assert!(extra.is_empty(), "{lang}/{file} has unknown {extra:?}");
            }
        }
    }

    #[test]
    fn every_message_formats_in_every_language_without_errors() {
        // Each message is looked up in its own language only (no English fallback), with
        // every argument any message uses, so a reference to a missing term or a broken
        // plural shows here.
        let args: HashMap<Cow<'static, str>, FluentValue> = [
            "client",
            "email",
            "name",
            "count",
            "minutes",
            "hours",
            "days",
            "code",
            "link",
            "site",
            "when",
            "device",
            "ip",
            "new_email",
            "wait",
            "status",
            "product",
            "error",
            "min",
            "max",
            "field",
            "app",
            "date",
            "value",
            "phone",
            "domains",
            // signing in with another identity provider
            "provider",
            // the account console (account.ftl)
            "section",
            "place",
            "zone",
            "day",
            "month",
            "year",
            "time",
        ]
        .into_iter()
        .map(|n| (Cow::Borrowed(n), FluentValue::from(2)))
        .collect();
        for lang in Lang::ALL {
            for keys in keys_of(lang).values() {
                for key in keys {
                    let text = LOCALES
                        .lookup_single_language(lang.id(), key, Some(&args))
                        .unwrap_or_else(|e| panic!("{lang} {key}: {e}"));
                    assert!(!text.trim().is_empty(), "{lang} {key} is empty");
                }
            }
        }
    }

    #[test]
    fn a_language_is_found_by_its_primary_subtag() {
        assert_eq!(Lang::from_tag("de-CH"), Some(Lang::De));
        assert_eq!(Lang::from_tag("FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_tag("es_MX"), Some(Lang::Es));
        assert_eq!(Lang::from_tag("nl"), None);
        assert_eq!(Lang::from_tag(""), None);
        assert!("xx".parse::<Lang>().is_err());
    }

    #[test]
    fn accept_language_is_ranked_by_quality_then_order() {
        assert_eq!(
            accepted("fr;q=0.5, de-DE, en;q=0.9, es;q=0, *;q=0.1"),
            ["de-DE", "en", "fr"]
        );
        assert_eq!(accepted("da, en-GB;q=0.8, en;q=0.7"), ["da", "en-GB", "en"]);
        assert_eq!(accepted("de;q=2, fr;q=abc, es"), ["es"]);
    }

    #[test]
    fn the_choice_follows_ui_locales_then_saved_then_accept_language_then_default() {
        let all = Hints {
            ui_locales: Some("nl fr-CA"),
            saved: Some("de"),
            accept_language: Some("es, en;q=0.5"),
        };
        assert_eq!(choose(all, Lang::En), Lang::Fr);
        let no_ui = Hints {
            ui_locales: Some("nl"),
            ..all
        };
        assert_eq!(choose(no_ui, Lang::En), Lang::De);
        let no_saved = Hints {
            saved: Some("pt-BR"),
            ..no_ui
        };
        assert_eq!(choose(no_saved, Lang::En), Lang::Es);
        let nothing = Hints {
            accept_language: Some("nl, da;q=0.8"),
            ..no_saved
        };
        assert_eq!(choose(nothing, Lang::De), Lang::De);
        assert_eq!(choose(Hints::default(), Lang::Fr), Lang::Fr);
    }

    #[test]
    fn templates_text_follows_the_scope_and_prefer_refines_it() {
        let english = Lang::En.scope(|| t("sign-in-title"));
        let german = Lang::De.scope(|| t("sign-in-title"));
        assert_ne!(english, german);
        assert_eq!(Lang::De.scope(lang_tag), "de");
        let preferred = Lang::En.scope(|| {
            prefer(&["nl".to_owned(), "es-ES".to_owned()]);
            (lang_tag(), t("sign-in-title"))
        });
        assert_eq!(preferred, ("es", Lang::Es.scope(|| t("sign-in-title"))));
        // Arguments are filled in, numbers choose the plural form.
        let one = Lang::En.scope(|| t1("mail-link-expires-hours", "hours", 1u64));
        let two = Lang::En.scope(|| t1("mail-link-expires-hours", "hours", 2u64));
        assert!(one.contains("1 hour") && !one.contains("hours"), "{one}");
        assert!(two.contains("2 hours"), "{two}");
    }

    #[test]
    fn a_missing_key_shows_as_itself() {
        assert_eq!(Lang::De.scope(|| t("no-such-key")), "no-such-key");
    }
}
