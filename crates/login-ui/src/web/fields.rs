//! Checks of form fields that several pages share.

/// Longest display name.
const MAX_NAME: usize = 200;

/// What form decoding puts in place of bytes that are not UTF-8.
pub(crate) const UNREADABLE: char = '\u{FFFD}';

/// A display name's problem, if any (too long, control characters).
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.contains(UNREADABLE) {
        Err(crate::t("error-unreadable-value"))
    } else if name.chars().count() > MAX_NAME {
        Err(crate::t1("error-name-too-long", "max", MAX_NAME))
    } else if name.chars().any(char::is_control) {
        Err(crate::t("error-name-characters"))
    } else {
        Ok(())
    }
}
