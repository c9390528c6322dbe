//! What a sign-in through an upstream counts for here: its method references (`amr`), the
//! authentication context class of the session (`acr`), and whether it stands in for the
//! local second factor. The upstream's word on how the person signed in is believed only as
//! far as the upstream is trusted: for `acr` (step-up) and for MFA, each a flag of its own.

use super::AMR_FEDERATED;
use super::protocol::UpstreamIdentity;
use super::upstreams::Upstream;
use crate::signin_rules::{ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR};

/// OpenID PAPE's policy URIs for a multi-factor sign-in; an upstream trusted for `acr` that
/// sends one of them (or Gatehouse's own `urn:gatehouse:loa:2`) reached multi-factor assurance.
const MULTI_FACTOR_ACRS: &[&str] = &[
    ACR_MULTI_FACTOR,
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical",
];

/// RFC 8176 methods by the kind of factor they are.
const KNOWLEDGE: &[&str] = &["pwd", "pin", "kba"];
const POSSESSION: &[&str] = &["otp", "hwk", "swk", "sms", "tel", "sc"];
const INHERENCE: &[&str] = &["fpt", "face", "iris", "retina", "vbm"];

/// How much of the upstream's `amr` is kept (each value a short token).
const MAX_AMR: usize = 10;

/// What a sign-in through an upstream counts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assurance {
    /// The session's method references: `fed`, then (from an upstream trusted for MFA) the
    /// upstream's own, with `mfa` when they show a second factor.
    pub amr: Vec<String>,
    /// The session's authentication context class.
    pub acr: &'static str,
    /// The upstream is trusted for MFA and its `amr` shows a second factor: the local second
    /// factor is not asked, even by a client or policy that requires one.
    pub second_factor: bool,
}

/// Whether `amr` shows a second factor: `mfa`, or methods of two kinds (something known,
/// something held, something one is), such as `pwd` + `otp` or `swk` + `pin`. One method
/// alone (`otp`, `hwk`) is a single factor, however strong.
pub fn shows_second_factor(amr: &[String]) -> bool {
    if amr.iter().any(|m| m == "mfa") {
        return true;
    }
    let has = |kind: &[&str]| amr.iter().any(|m| kind.contains(&m.as_str()));
    [KNOWLEDGE, POSSESSION, INHERENCE]
        .into_iter()
        .filter(|k| has(k))
        .count()
        >= 2
}

/// The `acr` of the session for an upstream's `acr`, when the upstream is trusted for it.
fn honoured_acr(acr: Option<&str>) -> Option<&'static str> {
    match acr? {
        a if MULTI_FACTOR_ACRS.contains(&a) => Some(ACR_MULTI_FACTOR),
        a if a == ACR_SINGLE_FACTOR => Some(ACR_SINGLE_FACTOR),
        _ => None,
    }
}

/// What the sign-in of `identity` through `upstream` counts for.
pub fn assurance(upstream: &Upstream, identity: &UpstreamIdentity) -> Assurance {
    let mut amr = vec![AMR_FEDERATED.to_owned()];
    let second_factor = upstream.trusted_for_mfa && shows_second_factor(&identity.amr);
    // An untrusted upstream's methods are not repeated: policies and applications read `amr`
    // (`otp` in it would pass for a second factor nobody here vouches for).
    if upstream.trusted_for_mfa {
        let token = |m: &&String| {
            (1..=32).contains(&m.len())
                && m.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        for m in identity.amr.iter().filter(token).take(MAX_AMR) {
            if !amr.contains(m) {
                amr.push(m.clone());
            }
        }
        if second_factor && !amr.iter().any(|m| m == "mfa") {
            amr.push("mfa".to_owned());
        }
    }
    let from_acr = if upstream.trusted_for_acr {
        honoured_acr(identity.acr.as_deref())
    } else {
        None
    };
    let acr = if second_factor || from_acr == Some(ACR_MULTI_FACTOR) {
        ACR_MULTI_FACTOR
    } else {
        ACR_SINGLE_FACTOR
    };
    Assurance {
        amr,
        acr,
        second_factor,
    }
}
