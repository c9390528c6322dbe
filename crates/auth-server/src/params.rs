//! Form and query parameters: parsed once, empty values treated as absent and repeated
//! parameters refused (RFC 6749 3.1, 3.2), except those defined as repeatable.

use std::collections::HashMap;

/// Most parameters one request may carry.
const MAX_PARAMS: usize = 64;
/// Parameters that may be sent several times: `resource` (RFC 8707 2) and `audience`
/// (RFC 8693 2.1).
const REPEATABLE: &[&str] = &["resource", "audience"];

/// Why parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// A parameter appeared more than once.
    #[error("parameter {0} is repeated")]
    Repeated(String),
    /// Too many parameters.
    #[error("too many parameters")]
    TooMany,
}

/// Parsed parameters.
#[derive(Debug, Clone, Default)]
pub struct Params {
    map: HashMap<String, String>,
    /// Every value of the [`REPEATABLE`] parameters, in order.
    multi: HashMap<String, Vec<String>>,
}

impl Params {
    /// Parses like [`Params::parse`] but keeps the first of repeated parameters and names
    /// the repeated ones, so that an error can still be sent to a verified redirect URI.
    pub fn parse_lenient(raw: &[u8]) -> Result<(Self, Vec<String>), ParamError> {
        let mut map = HashMap::new();
        let mut multi: HashMap<String, Vec<String>> = HashMap::new();
        let mut repeated = Vec::new();
        for (k, v) in url::form_urlencoded::parse(raw) {
            if map.len() + multi.values().map(Vec::len).sum::<usize>() >= MAX_PARAMS {
                return Err(ParamError::TooMany);
            }
            if REPEATABLE.contains(&k.as_ref()) {
                multi
                    .entry(k.into_owned())
                    .or_default()
                    .push(v.into_owned());
            } else if map.contains_key(k.as_ref()) {
                repeated.push(k.into_owned());
            } else {
                map.insert(k.into_owned(), v.into_owned());
            }
        }
        Ok((Self { map, multi }, repeated))
    }

    /// Parses `application/x-www-form-urlencoded` bytes (a query string or a form body).
    pub fn parse(raw: &[u8]) -> Result<Self, ParamError> {
        let mut map = HashMap::new();
        let mut multi: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(raw) {
            if map.len() + multi.values().map(Vec::len).sum::<usize>() >= MAX_PARAMS {
                return Err(ParamError::TooMany);
            }
            if REPEATABLE.contains(&k.as_ref()) {
                multi
                    .entry(k.into_owned())
                    .or_default()
                    .push(v.into_owned());
                continue;
            }
            if map.insert(k.to_string(), v.to_string()).is_some() {
                return Err(ParamError::Repeated(k.to_string()));
            }
        }
        Ok(Self { map, multi })
    }

    /// The members of a JWT's claims as parameters (a request object, RFC 9101): strings
    /// as they are, numbers and booleans in their JSON form, objects (`claims`) as JSON
    /// text, arrays of a repeatable parameter as its values; null is absent.
    pub fn from_claims(
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, ParamError> {
        use serde_json::Value;
        let mut params = Self::default();
        let mut count = 0;
        for (name, value) in claims {
            let values: Vec<String> = match value {
                Value::Null => continue,
                Value::String(s) => vec![s.clone()],
                Value::Array(items) if REPEATABLE.contains(&name.as_str()) => items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect(),
                other => vec![other.to_string()],
            };
            count += values.len();
            if count > MAX_PARAMS {
                return Err(ParamError::TooMany);
            }
            if REPEATABLE.contains(&name.as_str()) {
                params.multi.insert(name.clone(), values);
            } else {
                params.map.insert(name.clone(), values.concat());
            }
        }
        Ok(params)
    }

    /// The value of `name`; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every non-empty value of a repeatable parameter, in request order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.multi
            .get(name)
            .map(|vs| {
                vs.iter()
                    .map(String::as_str)
                    .filter(|v| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sets `name` to `value`, replacing any value.
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.map.insert(name.to_owned(), value.to_owned());
    }

    /// Whether `name` was sent with a value.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_object_claims_become_parameters() {
        let claims = serde_json::json!({
            "scope": "openid",
            "max_age": 300,
            "claims": {"userinfo": {"name": null}},
            "resource": ["https://a.example", "https://b.example"],
            "nonce": null,
        });
        let p = Params::from_claims(claims.as_object().unwrap()).unwrap();
        assert_eq!(p.get("scope"), Some("openid"));
        assert_eq!(p.get("max_age"), Some("300"));
        assert_eq!(p.get("claims"), Some(r#"{"userinfo":{"name":null}}"#));
        assert_eq!(
            p.all("resource"),
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(p.get("nonce"), None);
        let many: serde_json::Map<String, serde_json::Value> =
            (0..100).map(|i| (format!("p{i}"), "x".into())).collect();
        assert_eq!(Params::from_claims(&many).unwrap_err(), ParamError::TooMany);
    }

    #[test]
    fn parses_decodes_and_refuses_repeats() {
        let p = Params::parse(b"a=1&b=x%20y&c=&d=%E2%9C%93").unwrap();
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), Some("x y"));
        assert_eq!(p.get("c"), None, "empty means absent");
        assert_eq!(p.get("d"), Some("✓"));
        assert_eq!(
            Params::parse(b"a=1&a=2").unwrap_err(),
            ParamError::Repeated("a".into())
        );
        let many: Vec<String> = (0..100).map(|i| format!("p{i}=x")).collect();
        assert_eq!(
            Params::parse(many.join("&").as_bytes()).unwrap_err(),
            ParamError::TooMany
        );
        let p =
            Params::parse(b"resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb&resource=").unwrap();
        assert_eq!(p.all("resource"), vec!["https://a", "https://b"]);
        assert!(p.all("audience").is_empty());
        assert!(
            Params::parse(b"%FF%FE=%C3").is_ok(),
            "invalid UTF-8 is replaced, not a panic"
        );
    }

    proptest::proptest! {
        /// Any bytes (a hostile query string or body): an answer, never a panic; parsed
        /// values are never empty through `get`.
        #[test]
        fn prop_params_any_bytes(raw in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            if let Ok(p) = Params::parse(&raw) {
                for (k, _) in url::form_urlencoded::parse(&raw) {
                    proptest::prop_assert!(p.get(&k).is_none_or(|v| !v.is_empty()));
                }
            }
            let _ = Params::parse_lenient(&raw);
        }

        /// Distinct names with any values, encoded as a form: each reads back as sent.
        #[test]
        fn prop_params_round_trip(
            pairs in proptest::collection::btree_map("[a-z_]{1,12}", ".{0,40}", 0..20)
        ) {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                form.append_pair(k, v);
            }
            let p = Params::parse(form.finish().as_bytes()).unwrap();
            for (k, v) in &pairs {
                if REPEATABLE.contains(&k.as_str()) {
                    continue;
                }
                proptest::prop_assert_eq!(p.get(k), (!v.is_empty()).then_some(v.as_str()));
            }
        }
    }
}
