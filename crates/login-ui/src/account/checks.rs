//! Profile values checked against real lists: time zones against the IANA time zone
//! database (bundled in the binary, so every node agrees), languages against BCP 47 (RFC 5646
//! "valid" tags: every subtag in the IANA Language Subtag Registry).

use std::sync::OnceLock;

/// The IANA name of the time zone typed (any letter case), or `None` when it is not one.
pub(crate) fn time_zone(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() || typed.len() > 64 {
        return None;
    }
    let zone = jiff::tz::db().get(typed).ok()?;
    zone.iana_name().map(str::to_owned)
}

/// The language tag typed in its conventional letter case (`en-GB`, `sr-Latn-RS`), or
/// `None` when it is not a valid BCP 47 tag.
pub(crate) fn language(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() || typed.len() > 35 {
        return None;
    }
    let tag = language_tags::LanguageTag::parse(typed).ok()?;
    tag.validate().ok()?;
    Some(tag.as_str().to_owned())
}

/// Every IANA time zone name, sorted (the profile form offers them).
pub(crate) fn zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            // Links kept for old systems (`US/Pacific`, `EST5EDT`) still validate, but the
            // list offers the Area/City names people look for.
            .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !n.starts_with("US/"))
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(time_zone("Europe/Paris").as_deref(), Some("Europe/Paris"));
        assert_eq!(
            time_zone(" america/new_york ").as_deref(),
            Some("America/New_York")
        );
        assert_eq!(time_zone("UTC").as_deref(), Some("UTC"));
        for wrong in [
            "",
            "Mars/Olympus",
            "Europe/Paris/Left",
            "+02:00",
            "CEST",
            "../etc/passwd",
        ] {
            assert_eq!(time_zone(wrong), None, "{wrong:?}");
        }
        let names = zone_names();
        assert!(names.len() > 300, "{}", names.len());
        assert!(names.iter().any(|n| n == "Asia/Tokyo"));
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn languages_are_valid_bcp47_tags() {
        assert_eq!(language("en").as_deref(), Some("en"));
        assert_eq!(language("EN-gb").as_deref(), Some("en-GB"));
        assert_eq!(language("sr-latn-rs").as_deref(), Some("sr-Latn-RS"));
        assert_eq!(language("de-CH-1996").as_deref(), Some("de-CH-1996"));
        // Well-formed but not in the registry, or not well-formed at all.
        for wrong in [
            "",
            "zz",
            "klingon",
            "en-UK",
            "fr-",
            "en_GB",
            "de-1996-1996",
            "x",
        ] {
            assert_eq!(language(wrong), None, "{wrong:?}");
        }
    }
}
