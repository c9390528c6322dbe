//! Cedar's diagnostics as a person reads them: the message, then line and column.

use miette::Diagnostic;

/// `message (line L, column C)` for the first labelled span of `diag` within `source`, or
/// the message alone when Cedar gives no position.
pub fn describe(diag: &dyn Diagnostic, source: &str) -> String {
    let mut text = diag.to_string();
    if let Some(help) = diag.help() {
        text.push_str(&format!(" ({help})"));
    }
    let span = diag.labels().and_then(|mut labels| labels.next());
    match span {
        Some(label) => {
            let (line, column) = position(source, label.offset());
            format!("line {line}, column {column}: {text}")
        }
        None => text,
    }
}

/// One-based line and column (in characters) of byte `offset` in `source`.
pub fn position(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = source.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::position;

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let src = "ab\ncdé\nf";
        assert_eq!(position(src, 0), (1, 1));
        assert_eq!(position(src, 3), (2, 1));
        assert_eq!(position(src, 7), (2, 4));
        assert_eq!(
            position(src, 6),
            (2, 3),
            "inside a character: that character"
        );
        assert_eq!(position(src, src.len()), (3, 2));
    }
}
