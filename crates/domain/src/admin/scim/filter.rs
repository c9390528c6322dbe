//! The SCIM filter language (RFC 7644 3.4.2.2), parsed by hand: comparisons, `pr`, `and`,
//! `or`, `not`, parentheses, value paths (`emails[type eq "work"]`) and JSON string
//! escapes. Bounded in length and depth so that no input can exhaust the stack; any text
//! gives a filter or an error, never a panic.

use std::fmt;

/// The longest filter accepted.
pub const MAX_LEN: usize = 4096;
/// The deepest nesting of parentheses, `not` and value paths accepted.
pub const MAX_DEPTH: usize = 32;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// It does not hold.
    Not(Box<Filter>),
    /// The attribute has a value.
    Present(AttrPath),
    /// The attribute compares with a value.
    Compare(AttrPath, Op, Value),
    /// A multi-valued attribute has a value matching the inner filter
    /// (`emails[type eq "work"]`), whose paths are relative to it.
    ValuePath(AttrPath, Box<Filter>),
}

/// An attribute path: `userName`, `name.familyName`, or with a schema URN prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN, when given (`urn:ietf:params:scim:schemas:core:2.0:User`).
    pub uri: Option<String>,
    /// The attribute (as written; compare case-insensitively).
    pub name: String,
    /// The sub-attribute, if any.
    pub sub: Option<String>,
}

impl AttrPath {
    /// `name` or `name.sub`, lower-cased, without the URN: the key for allow-lists.
    pub fn key(&self) -> String {
        match &self.sub {
            Some(sub) => format!("{}.{}", self.name, sub).to_ascii_lowercase(),
            None => self.name.to_ascii_lowercase(),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(uri) = &self.uri {
            write!(f, "{uri}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }
}

/// A literal compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (escapes resolved).
    Str(String),
    /// A number, as written.
    Num(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// Why a filter does not parse (answered as `invalidFilter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FilterError {}

fn err<T>(message: impl Into<String>) -> Result<T, FilterError> {
    Err(FilterError(message.into()))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '$' | '+')
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '[' => {
                chars.next();
                tokens.push(Token::OpenBracket);
            }
            ']' => {
                chars.next();
                tokens.push(Token::CloseBracket);
            }
            '"' => {
                chars.next();
                tokens.push(Token::Str(string(&mut chars)?));
            }
            c if is_word_char(c) => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if !is_word_char(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            other => return err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

/// The rest of a JSON string after its opening quote.
fn string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, FilterError> {
    let mut out = String::new();
    loop {
        match chars.next() {
            None => return err("unterminated string"),
            Some('"') => return Ok(out),
            Some('\\') => match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('/') => out.push('/'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    let high = hex4(chars)?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        // A surrogate pair: the low half must follow as \uXXXX.
                        if chars.next() != Some('\\') || chars.next() != Some('u') {
                            return err("unpaired surrogate in string");
                        }
                        let low = hex4(chars)?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return err("unpaired surrogate in string");
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    match char::from_u32(code) {
                        Some(c) => out.push(c),
                        None => return err("invalid \\u escape"),
                    }
                }
                _ => return err("invalid escape in string"),
            },
            Some(c) => out.push(c),
        }
    }
}

fn hex4(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<u32, FilterError> {
    let mut code = 0u32;
    for _ in 0..4 {
        let digit = chars
            .next()
            .and_then(|c| c.to_digit(16))
            .ok_or_else(|| FilterError("invalid \\u escape".into()))?;
        code = code * 16 + digit;
    }
    Ok(code)
}

/// Parses an attribute path (`name`, `name.sub`, `urn:...:name.sub`).
pub fn parse_attr_path(word: &str) -> Result<AttrPath, FilterError> {
    let (uri, rest) = match word.rfind(':') {
        Some(i) => (Some(word[..i].to_owned()), &word[i + 1..]),
        None => (None, word),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    let valid = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    if !valid(name) || sub.is_some_and(|s| !valid(s)) {
        return err(format!("{word:?} is not an attribute path"));
    }
    Ok(AttrPath {
        uri: uri.filter(|u| !u.is_empty()),
        name: name.to_owned(),
        sub: sub.map(str::to_owned),
    })
}

/// Parses a filter.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    if text.len() > MAX_LEN {
        return err(format!("the filter is longer than {MAX_LEN} bytes"));
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, at: 0 };
    let filter = parser.or(0)?;
    if parser.at != parser.tokens.len() {
        return err("unexpected text after the filter");
    }
    Ok(filter)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self, depth: usize) -> Result<Filter, FilterError> {
        if depth > MAX_DEPTH {
            return err(format!("the filter nests deeper than {MAX_DEPTH}"));
        }
        let mut left = self.and(depth)?;
        while self.peek_keyword("or") {
            self.at += 1;
            let right = self.and(depth)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Filter, FilterError> {
        let mut left = self.atom(depth)?;
        while self.peek_keyword("and") {
            self.at += 1;
            let right = self.atom(depth)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn atom(&mut self, depth: usize) -> Result<Filter, FilterError> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or(depth + 1)?;
                self.expect(Token::Close, "')'")?;
                Ok(inner)
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => {
                self.expect(Token::Open, "'(' after not")?;
                let inner = self.or(depth + 1)?;
                self.expect(Token::Close, "')'")?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Some(Token::Word(w)) => {
                let path = parse_attr_path(&w)?;
                if self.peek() == Some(&Token::OpenBracket) {
                    self.at += 1;
                    let inner = self.or(depth + 1)?;
                    self.expect(Token::CloseBracket, "']'")?;
                    return Ok(Filter::ValuePath(path, Box::new(inner)));
                }
                self.comparison(path)
            }
            Some(other) => err(format!("expected an attribute, found {}", describe(&other))),
            None => err("the filter ends too early"),
        }
    }

    fn comparison(&mut self, path: AttrPath) -> Result<Filter, FilterError> {
        let Some(Token::Word(op)) = self.next() else {
            return err(format!("expected an operator after {path}"));
        };
        if op.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = Op::parse(&op) else {
            return err(format!("unknown operator {op:?}"));
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::Str(s),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                number if is_number(number) => Value::Num(number.to_owned()),
                other => return err(format!("{other:?} is not a value: quote strings")),
            },
            Some(other) => return err(format!("expected a value, found {}", describe(&other))),
            None => return err("the filter ends before the value"),
        };
        Ok(Filter::Compare(path, op, value))
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), FilterError> {
        if self.next() == Some(token) {
            Ok(())
        } else {
            err(format!("expected {what}"))
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("{w:?}"),
        Token::Str(_) => "a string".into(),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::OpenBracket => "'['".into(),
        Token::CloseBracket => "']'".into(),
    }
}

/// A JSON number: `-`? digits, optional fraction and exponent.
fn is_number(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && frac.is_none_or(digits)
        && exponent.is_none_or(|e| {
            digits(
                e.strip_prefix('+')
                    .or_else(|| e.strip_prefix('-'))
                    .unwrap_or(e),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            uri: None,
            name: name.into(),
            sub: sub.map(str::to_owned),
        }
    }

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }

    #[test]
    fn the_rfc_7644_examples_parse() {
        // RFC 7644 section 3.4.2.2, every example filter.
        let examples = [
            r#"userName eq "bjensen""#,
            r#"name.familyName co "O'Malley""#,
            r#"userName sw "J""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            r#"title pr"#,
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            r#"title pr and userType eq "Employee""#,
            r#"title pr or userType eq "Intern""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        ];
        for e in examples {
            assert!(parse(e).is_ok(), "{e}: {:?}", parse(e));
        }
    }

    #[test]
    fn shapes_and_precedence() {
        assert_eq!(
            parse(r#"userName eq "bjensen""#).unwrap(),
            Filter::Compare(path("userName", None), Op::Eq, s("bjensen"))
        );
        let uri =
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName EQ "x""#).unwrap();
        let Filter::Compare(p, Op::Eq, _) = uri else {
            panic!("{uri:?}")
        };
        assert_eq!(
            p.uri.as_deref(),
            Some("urn:ietf:params:scim:schemas:core:2.0:User")
        );
        assert_eq!(p.key(), "name.familyname");
        // and binds tighter than or.
        let f = parse(r#"a eq 1 or b eq true and c pr"#).unwrap();
        assert_eq!(
            f,
            Filter::Or(
                Box::new(Filter::Compare(
                    path("a", None),
                    Op::Eq,
                    Value::Num("1".into())
                )),
                Box::new(Filter::And(
                    Box::new(Filter::Compare(path("b", None), Op::Eq, Value::Bool(true))),
                    Box::new(Filter::Present(path("c", None)))
                ))
            )
        );
        let f = parse(r#"not (active eq false) AND (x eq null)"#).unwrap();
        assert!(matches!(f, Filter::And(l, _) if matches!(*l, Filter::Not(_))));
        let f = parse(r#"members[value eq "u1"]"#).unwrap();
        assert!(matches!(f, Filter::ValuePath(p, _) if p.name == "members"));
    }

    #[test]
    fn string_escapes_are_resolved() {
        let f = parse(r#"displayName eq "a \"quoted\" \\ \u00e9\ud83d\ude00 \/""#).unwrap();
        assert_eq!(
            f,
            Filter::Compare(
                path("displayName", None),
                Op::Eq,
                s("a \"quoted\" \\ \u{e9}\u{1f600} /")
            )
        );
    }

    #[test]
    fn bad_filters_are_errors() {
        for bad in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName xx "a""#,
            r#"userName eq bjensen"#,
            r#"(userName eq "a""#,
            r#"userName eq "a")"#,
            r#"userName eq "a" and"#,
            r#"not userName eq "a""#,
            r#"userName eq "unterminated"#,
            r#"userName eq "\x""#,
            r#"userName eq "\ud800""#,
            r#"emails[type eq "work""#,
            r#"1abc eq "a""#,
            r#"a..b eq "a""#,
            r#"userName eq "a" "b""#,
            "userName eq \"a\" ; drop table users",
        ] {
            assert!(parse(bad).is_err(), "{bad} parsed: {:?}", parse(bad));
        }
        let deep = format!("{}a pr{}", "(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).is_err());
        assert!(parse(&"a pr and ".repeat(1000)).is_err());
    }

    proptest::proptest! {
        /// Any text: a filter or an error, never a panic.
        #[test]
        fn prop_any_text_parses_or_fails_cleanly(text in ".{0,200}") {
            let _ = parse(&text);
        }

        /// Text made of the filter's own pieces: never a panic either.
        #[test]
        fn prop_filter_pieces_never_panic(parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("("), proptest::strategy::Just(")"),
                proptest::strategy::Just("["), proptest::strategy::Just("]"),
                proptest::strategy::Just(" and "), proptest::strategy::Just(" or "),
                proptest::strategy::Just("not "), proptest::strategy::Just(" eq "),
                proptest::strategy::Just(" pr"), proptest::strategy::Just("userName"),
                proptest::strategy::Just("\"\\u00"), proptest::strategy::Just("\"x\""),
                proptest::strategy::Just("urn:a:b"), proptest::strategy::Just("."),
                proptest::strategy::Just("12e"), proptest::strategy::Just("true"),
            ], 0..40)) {
            let _ = parse(&parts.concat());
        }

        /// A well-formed comparison of any string value round-trips its value.
        #[test]
        fn prop_string_values_round_trip(value in ".{0,40}") {
            let quoted = serde_json::to_string(&value).unwrap();
            let parsed = parse(&format!("displayName eq {quoted}")).unwrap();
            proptest::prop_assert_eq!(parsed, Filter::Compare(path("displayName", None), Op::Eq, Value::Str(value)));
        }
    }
}
