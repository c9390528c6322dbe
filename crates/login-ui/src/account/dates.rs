//! Dates as people read them, in the page's language and the reader's time zone:
//! "2 hours ago", "30 Nov 2026, 18:42". The words and the order of day, month and year come
//! from the language's messages (`date-*` in `account.ftl`, after CLDR's medium format).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::i18n::Lang;

/// A moment ready for a page: relative and absolute wording, and the machine-readable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HumanDate {
    /// "2 hours ago", "just now".
    pub(crate) relative: String,
    /// "30 Nov 2026, 18:42" in the reader's time zone.
    pub(crate) absolute: String,
    /// RFC 3339 in UTC, for `<time datetime>`.
    pub(crate) iso: String,
}

/// Formats moments for one reader: the page's language, their time zone, and "now".
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    lang: Lang,
    zone: TimeZone,
    now: Timestamp,
}

impl Clock {
    /// A clock for a reader in the IANA zone `zone` (unknown or absent: UTC), in the
    /// language of the page being rendered.
    pub(crate) fn new(zone: Option<&str>) -> Self {
        Self::at(Lang::current(), zone, Timestamp::now())
    }

    /// The same, with the language and "now" given (tests).
    pub(crate) fn at(lang: Lang, zone: Option<&str>, now: Timestamp) -> Self {
        let zone = zone
            .filter(|z| !z.is_empty())
            .and_then(|z| jiff::tz::db().get(z).ok())
            .unwrap_or(TimeZone::UTC);
        Self { lang, zone, now }
    }

    /// `t` as the reader reads it.
    pub(crate) fn human(&self, t: time::OffsetDateTime) -> HumanDate {
        let seconds = t.unix_timestamp();
        let ts = Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH);
        HumanDate {
            relative: self.relative(self.now.as_second().saturating_sub(seconds)),
            absolute: self.absolute(ts),
            iso: ts.to_string(),
        }
    }

    fn message(
        &self,
        key: &str,
        args: &[(&'static str, fluent_bundle::FluentValue<'static>)],
    ) -> String {
        let args = args
            .iter()
            .map(|(k, v)| (std::borrow::Cow::Borrowed(*k), v.clone()))
            .collect();
        self.lang.message(key, Some(&args))
    }

    fn relative(&self, ago: i64) -> String {
        // A moment slightly ahead (clocks of two nodes) reads as now.
        let ago = ago.max(0);
        let (n, key) = match ago {
            0..60 => return self.message("date-just-now", &[]),
            60..3_600 => (ago / 60, "date-minutes-ago"),
            3_600..86_400 => (ago / 3_600, "date-hours-ago"),
            _ => (ago / 86_400, "date-days-ago"),
        };
        self.message(key, &[("count", n.into())])
    }

    fn absolute(&self, ts: Timestamp) -> String {
        let z = ts.to_zoned(self.zone.clone());
        let months = self.message("date-months", &[]);
        let month = usize::try_from(z.month() - 1)
            .ok()
            .and_then(|i| months.split(' ').nth(i))
            .unwrap_or_default()
            .to_owned();
        self.message(
            "date-absolute",
            &[
                ("day", z.day().to_string().into()),
                ("month", month.into()),
                ("year", z.year().to_string().into()),
                ("time", format!("{:02}:{:02}", z.hour(), z.minute()).into()),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moment(rfc3339: &str) -> time::OffsetDateTime {
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
    }

    fn now() -> Timestamp {
        "2026-11-30T20:42:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn relative_wording_by_language() {
        let two_hours = moment("2026-11-30T18:42:00Z");
        let cases = [
            (Lang::En, "2 hours ago"),
            (Lang::De, "vor 2 Stunden"),
            (Lang::Fr, "il y a 2 heures"),
            (Lang::Es, "hace 2 horas"),
        ];
        for (lang, expected) in cases {
            let clock = Clock::at(lang, None, now());
            assert_eq!(clock.human(two_hours).relative, expected, "{lang}");
        }
        let clock = Clock::at(Lang::En, None, now());
        let at = |t| clock.human(moment(t)).relative;
        assert_eq!(at("2026-11-30T20:41:30Z"), "just now");
        assert_eq!(at("2026-11-30T20:41:00Z"), "1 minute ago");
        assert_eq!(at("2026-11-27T20:00:00Z"), "3 days ago");
        // A moment a little in the future (another node's clock) is "now".
        assert_eq!(at("2026-11-30T20:43:00Z"), "just now");
        let de = Clock::at(Lang::De, None, now());
        assert_eq!(
            de.human(moment("2026-11-30T20:41:00Z")).relative,
            "vor 1 Minute"
        );
    }

    #[test]
    fn absolute_in_the_readers_zone_and_language() {
        let t = moment("2026-11-30T17:42:00Z");
        let paris = Clock::at(Lang::En, Some("Europe/Paris"), now());
        assert_eq!(paris.human(t).absolute, "30 Nov 2026, 18:42");
        assert_eq!(paris.human(t).iso, "2026-11-30T17:42:00Z");
        let utc = Clock::at(Lang::En, None, now());
        assert_eq!(utc.human(t).absolute, "30 Nov 2026, 17:42");
        // Past midnight in Tokyo: the next day.
        let tokyo = Clock::at(Lang::De, Some("Asia/Tokyo"), now());
        assert_eq!(tokyo.human(t).absolute, "1. Dez. 2026, 02:42");
        let fr = Clock::at(Lang::Fr, Some("Europe/Paris"), now());
        let feb = moment("2026-02-03T08:05:00Z");
        assert_eq!(fr.human(feb).absolute, "3 févr. 2026, 09:05");
        let es = Clock::at(Lang::Es, Some("America/Mexico_City"), now());
        assert_eq!(es.human(t).absolute, "30 nov 2026, 11:42");
        // An unknown zone reads as UTC rather than failing the page.
        let unknown = Clock::at(Lang::En, Some("Mars/Olympus"), now());
        assert_eq!(unknown.human(t).absolute, "30 Nov 2026, 17:42");
    }
}
