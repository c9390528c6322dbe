//! Property-based tests of the domain's parsers of outside input: email addresses, redirect
//! URIs and origins, claim paths into an upstream's claims. Bounded in CI (proptest's 256
//! cases, or `PROPTEST_CASES`); `bench/fuzz.sh` runs them for minutes.

use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::clients::validate::{check_origin_for_tests, check_redirect_uri_for_tests};
use crate::federation::{claim_at, claim_matches};
use crate::users::normalize_email;

proptest! {
    /// Any text: an address or an error, never a panic; a normalised address is a fixed
    /// point (normalising it again changes nothing) with one `@` kept and no spaces.
    #[test]
    fn prop_normalize_email(raw in ".{0,80}") {
        if let Ok(email) = normalize_email(&raw) {
            prop_assert_eq!(normalize_email(&email).ok(), Some(email.clone()));
            prop_assert!(email.contains('@') && email.len() <= 254);
            prop_assert!(!email.chars().any(char::is_whitespace));
        }
    }

    /// Plausible addresses with any case and padding normalise to the lower-case address.
    #[test]
    fn prop_normalize_email_shapes(local in "[A-Za-z0-9._+-]{1,20}", domain in "[A-Za-z0-9-]{1,20}(\\.[A-Za-z]{2,6}){0,2}", pad in " {0,3}") {
        let raw = format!("{pad}{local}@{domain}{pad}");
        let expected = format!("{local}@{domain}").to_lowercase();
        prop_assert_eq!(normalize_email(&raw).unwrap(), expected);
    }

    /// Any redirect URI text: accepted only when absolute, without a fragment, never a
    /// script or file scheme, and plain http only on a loopback host.
    #[test]
    fn prop_redirect_uri(raw in "(https?|javascript|data|file|com\\.app):(//)?[a-zA-Z0-9.:@/?#%&=_-]{0,60}") {
        if check_redirect_uri_for_tests(&raw).is_ok() {
            let url = url::Url::parse(&raw).unwrap();
            prop_assert!(url.fragment().is_none());
            prop_assert!(!["javascript", "data", "file", "vbscript"].contains(&url.scheme()));
            if url.scheme() == "http" {
                prop_assert!(crate::clients::is_loopback(&url));
            }
        }
    }

    /// An accepted origin is exactly the origin browsers send (`scheme://host[:port]`).
    #[test]
    fn prop_origin(raw in "https?://[a-zA-Z0-9.-]{1,30}(:[0-9]{1,5})?(/[a-z]{0,5})?") {
        if check_origin_for_tests(&raw).is_ok() {
            let url = url::Url::parse(&raw).unwrap();
            prop_assert_eq!(url.origin().ascii_serialization(), raw);
        }
    }

    /// A claim placed under nested objects is found by its dotted path, and matched by its
    /// value (alone or in an array); any path into any claims never panics.
    #[test]
    fn prop_claim_paths(path in proptest::collection::vec("[a-z_]{1,8}", 1..5), leaf in "[a-z0-9]{1,10}", in_array in any::<bool>(), other in "[a-z.]{0,20}") {
        let mut value = if in_array { Value::from(vec![Value::from("x"), Value::from(leaf.clone())]) } else { Value::from(leaf.clone()) };
        for part in path.iter().skip(1).rev() {
            let mut o = Map::new();
            o.insert(part.clone(), value);
            value = Value::Object(o);
        }
        let mut claims = Map::new();
        claims.insert(path[0].clone(), value);
        let dotted = path.join(".");
        prop_assert!(claim_at(&claims, &dotted).is_some());
        prop_assert!(claim_matches(&claims, &dotted, &leaf));
        let absent = format!("{leaf}-not");
        prop_assert!(!claim_matches(&claims, &dotted, &absent));
        let _ = claim_at(&claims, &other);
    }
}
