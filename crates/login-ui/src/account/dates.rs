//! Dates as people read them, in their language and time zone: "2 hours ago",
//! "30 Nov 2026, 18:42". Month abbreviations and word order follow CLDR's medium date format
//! for each shipped language; other languages read English.

use jiff::Timestamp;
use jiff::tz::TimeZone;

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

/// Formats moments for one reader: their language, their time zone, and "now".
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    words: &'static Words,
    zone: TimeZone,
    now: Timestamp,
}

impl Clock {
    /// A clock for a reader of `language` (a BCP 47 tag; unknown ones read English) in the
    /// IANA zone `zone` (unknown or absent: UTC).
    pub(crate) fn new(language: &str, zone: Option<&str>) -> Self {
        Self::at(language, zone, Timestamp::now())
    }

    /// The same, with "now" given (tests).
    pub(crate) fn at(language: &str, zone: Option<&str>, now: Timestamp) -> Self {
        let zone = zone
            .filter(|z| !z.is_empty())
            .and_then(|z| jiff::tz::db().get(z).ok())
            .unwrap_or(TimeZone::UTC);
        Self {
            words: words(language),
            zone,
            now,
        }
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

    fn relative(&self, ago: i64) -> String {
        let w = self.words;
        // A moment slightly ahead (clocks of two nodes) reads as now.
        let ago = ago.max(0);
        let (n, one, many) = match ago {
            0..60 => return w.now.to_owned(),
            60..3_600 => (ago / 60, w.minute, w.minutes),
            3_600..86_400 => (ago / 3_600, w.hour, w.hours),
            _ => (ago / 86_400, w.day, w.days),
        };
        let phrase = if n == 1 { one } else { many };
        phrase.replace("{n}", &n.to_string())
    }

    fn absolute(&self, ts: Timestamp) -> String {
        let z = ts.to_zoned(self.zone.clone());
        let month = usize::try_from(z.month() - 1)
            .ok()
            .and_then(|i| self.words.months.get(i))
            .copied()
            .unwrap_or_default();
        (self.words.date)(z.day(), month, z.year(), z.hour(), z.minute())
    }
}

/// One language's words for dates.
#[derive(Debug)]
struct Words {
    now: &'static str,
    minute: &'static str,
    minutes: &'static str,
    hour: &'static str,
    hours: &'static str,
    day: &'static str,
    days: &'static str,
    months: [&'static str; 12],
    /// Day, month abbreviation, year, hour, minute in the language's order.
    date: fn(i8, &str, i16, i8, i8) -> String,
}

fn words(language: &str) -> &'static Words {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        "de" => &DE,
        "fr" => &FR,
        "es" => &ES,
        _ => &EN,
    }
}

const EN: Words = Words {
    now: "just now",
    minute: "1 minute ago",
    minutes: "{n} minutes ago",
    hour: "1 hour ago",
    hours: "{n} hours ago",
    day: "1 day ago",
    days: "{n} days ago",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    date: |d, m, y, h, min| format!("{d} {m} {y}, {h:02}:{min:02}"),
};

const DE: Words = Words {
    now: "gerade eben",
    minute: "vor 1 Minute",
    minutes: "vor {n} Minuten",
    hour: "vor 1 Stunde",
    hours: "vor {n} Stunden",
    day: "vor 1 Tag",
    days: "vor {n} Tagen",
    months: [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ],
    date: |d, m, y, h, min| format!("{d}. {m} {y}, {h:02}:{min:02}"),
};

const FR: Words = Words {
    now: "à l’instant",
    minute: "il y a 1 minute",
    minutes: "il y a {n} minutes",
    hour: "il y a 1 heure",
    hours: "il y a {n} heures",
    day: "il y a 1 jour",
    days: "il y a {n} jours",
    months: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    date: |d, m, y, h, min| format!("{d} {m} {y}, {h:02}:{min:02}"),
};

const ES: Words = Words {
    now: "ahora mismo",
    minute: "hace 1 minuto",
    minutes: "hace {n} minutos",
    hour: "hace 1 hora",
    hours: "hace {n} horas",
    day: "hace 1 día",
    days: "hace {n} días",
    months: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    date: |d, m, y, h, min| format!("{d} {m} {y}, {h:02}:{min:02}"),
};

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
            ("en", "2 hours ago"),
            ("en-GB", "2 hours ago"),
            ("de", "vor 2 Stunden"),
            ("fr-CA", "il y a 2 heures"),
            ("es", "hace 2 horas"),
            ("ja", "2 hours ago"),
        ];
        for (lang, expected) in cases {
            let clock = Clock::at(lang, None, now());
            assert_eq!(clock.human(two_hours).relative, expected, "{lang}");
        }
        let clock = Clock::at("en", None, now());
        assert_eq!(
            clock.human(moment("2026-11-30T20:41:30Z")).relative,
            "just now"
        );
        assert_eq!(
            clock.human(moment("2026-11-30T20:41:00Z")).relative,
            "1 minute ago"
        );
        assert_eq!(
            clock.human(moment("2026-11-27T20:00:00Z")).relative,
            "3 days ago"
        );
        // A moment a little in the future (another node's clock) is "now".
        assert_eq!(
            clock.human(moment("2026-11-30T20:43:00Z")).relative,
            "just now"
        );
    }

    #[test]
    fn absolute_in_the_readers_zone_and_language() {
        let t = moment("2026-11-30T17:42:00Z");
        let paris = Clock::at("en", Some("Europe/Paris"), now());
        assert_eq!(paris.human(t).absolute, "30 Nov 2026, 18:42");
        assert_eq!(paris.human(t).iso, "2026-11-30T17:42:00Z");
        let utc = Clock::at("en", None, now());
        assert_eq!(utc.human(t).absolute, "30 Nov 2026, 17:42");
        // Past midnight in Tokyo: the next day.
        let tokyo = Clock::at("de", Some("Asia/Tokyo"), now());
        assert_eq!(tokyo.human(t).absolute, "1. Dez. 2026, 02:42");
        let fr = Clock::at("fr", Some("Europe/Paris"), now());
        assert_eq!(
            fr.human(moment("2026-02-03T08:05:00Z")).absolute,
            "3 févr. 2026, 09:05"
        );
        let es = Clock::at("es", Some("America/Mexico_City"), now());
        assert_eq!(es.human(t).absolute, "30 nov 2026, 11:42");
        // An unknown zone reads as UTC rather than failing the page.
        let unknown = Clock::at("en", Some("Mars/Olympus"), now());
        assert_eq!(unknown.human(t).absolute, "30 Nov 2026, 17:42");
    }
}
