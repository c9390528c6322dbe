//! Client metadata of OpenID Connect Dynamic Client Registration and RFC 7591 that no query
//! filters on: the client's keys, the algorithms it uses, and its subject type. Stored as one
//! JSON document (`clients.metadata`) and checked here like the rest of a registration.

use serde::{Deserialize, Serialize};

use super::validate::check_web_uri;
use crate::{Error, Result};

/// Algorithms a client may sign its JWTs (client assertions, request objects) with. HS256
/// is only for `client_secret_jwt`, keyed with the client secret.
pub const CLIENT_SIGNING_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA", "HS256"];
/// Key management algorithms Gatehouse encrypts ID tokens and userinfo with.
pub const ENCRYPTION_ALGS: &[&str] = &[
    "RSA-OAEP-256",
    "RSA-OAEP",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A256KW",
];
/// Content encryption algorithms (A128CBC-HS256 is the registration default).
pub const ENCRYPTION_ENCS: &[&str] = &["A128CBC-HS256", "A128GCM", "A256GCM"];
/// Security profiles a client may be held to.
pub const PROFILES: &[&str] = &[FAPI2];
/// The FAPI 2.0 Security Profile.
pub const FAPI2: &str = "fapi2";
/// The only signing algorithms FAPI 2.0 allows (Security Profile 5.4).
pub const FAPI2_SIGNING_ALGS: &[&str] = &["PS256", "ES256", "EdDSA"];
/// Subject identifier types (OIDC Core 8).
pub const SUBJECT_TYPES: &[&str] = &["public", "pairwise"];
/// Application types (OIDC Dynamic Client Registration 2): what redirect URIs may be.
pub const APPLICATION_TYPES: &[&str] = &["web", "native"];

/// JWK members that only a private or symmetric key has: a published key set carrying one
/// would leak the key.
const PRIVATE_JWK_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
/// Upper bound on a registered key set: it is stored and parsed on every assertion.
const MAX_JWKS_BYTES: usize = 16 * 1024;

/// The client's keys, algorithms and subject type. Every field is optional; defaults are
/// what the field's doc says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClientMetadata {
    /// The client's public keys by value (a JWK Set): for `private_key_jwt`, signed
    /// request objects and encryption. Exclusive with `jwks_uri`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<serde_json::Value>,
    /// Where the client publishes its public keys (https). Exclusive with `jwks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The only algorithm accepted for the client's token-endpoint assertions; none: any of
    /// [`CLIENT_SIGNING_ALGS`] that fits the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg: Option<String>,
    /// The only algorithm accepted for the client's request objects (`none` allows
    /// unsigned ones); none: any signed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_object_signing_alg: Option<String>,
    /// Encrypt ID tokens to the client's key with this algorithm (signed, then encrypted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_alg: Option<String>,
    /// The content encryption of encrypted ID tokens; none: A128CBC-HS256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_enc: Option<String>,
    /// Encrypt userinfo answers to the client's key with this algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_alg: Option<String>,
    /// The content encryption of encrypted userinfo answers; none: A128CBC-HS256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_enc: Option<String>,
    /// The algorithm of JARM authorization responses (`response_mode=jwt`); none: RS256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_signed_response_alg: Option<String>,
    /// A security profile the client is held to: `fapi2` (FAPI 2.0 Security Profile:
    /// pushed requests, PKCE, private_key_jwt, sender-constrained tokens, PS256/ES256/EdDSA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `public` (default: the same `sub` for every client) or `pairwise` (a `sub` per
    /// sector).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    /// An https URL listing the client's redirect URIs as a JSON array; its host is the
    /// pairwise sector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    /// Contact addresses of the people responsible for the client.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// The software the client runs (RFC 7591 `software_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_id: Option<String>,
    /// Its version (RFC 7591 `software_version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    /// `web` (redirect URIs https only) or `native` (also http on loopback and private-use
    /// schemes); none (clients registered by an administrator): either kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
}

impl ClientMetadata {
    /// Whether the client is held to the FAPI 2.0 Security Profile.
    pub fn is_fapi2(&self) -> bool {
        self.profile.as_deref() == Some(FAPI2)
    }

    /// The signing algorithm used when the client registered none: PS256 under FAPI 2.0
    /// (which forbids RS256), RS256 otherwise.
    pub fn default_signing_alg(&self) -> &'static str {
        if self.is_fapi2() { "PS256" } else { "RS256" }
    }

    /// The `(alg, enc)` ID tokens are encrypted with, if the client asked for encryption.
    pub fn id_token_encryption(&self) -> Option<(&str, &str)> {
        encryption(
            &self.id_token_encrypted_response_alg,
            &self.id_token_encrypted_response_enc,
        )
    }

    /// The `(alg, enc)` userinfo answers are encrypted with, if the client asked for it.
    pub fn userinfo_encryption(&self) -> Option<(&str, &str)> {
        encryption(
            &self.userinfo_encrypted_response_alg,
            &self.userinfo_encrypted_response_enc,
        )
    }

    /// The subject type, `public` when none was registered.
    pub fn subject_type(&self) -> &str {
        self.subject_type.as_deref().unwrap_or("public")
    }

    /// Whether the client registered any key, by value or by reference.
    pub fn has_keys(&self) -> bool {
        self.jwks.is_some() || self.jwks_uri.is_some()
    }

    /// Reads the stored document; null is all defaults.
    pub(crate) fn from_column(value: Option<serde_json::Value>) -> Result<Self> {
        match value {
            None | Some(serde_json::Value::Null) => Ok(Self::default()),
            Some(v) => serde_json::from_value(v)
                .map_err(|e| Error::Corrupt(format!("stored client metadata: {e}"))),
        }
    }

    /// The document to store.
    pub(crate) fn to_column(&self) -> Option<serde_json::Value> {
        (self != &Self::default())
            .then(|| serde_json::to_value(self).ok())
            .flatten()
    }

    /// Checks the metadata against the rest of the registration (`auth_method` after
    /// defaults).
    pub(crate) fn check(&self, auth_method: &str) -> Result<()> {
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            return Err(Error::invalid(
                "jwks",
                "give the keys by value (jwks) or by reference (jwks_uri), not both",
            ));
        }
        if let Some(jwks) = &self.jwks {
            check_jwks(jwks)?;
        }
        for (field, uri) in [
            ("jwks_uri", &self.jwks_uri),
            ("sector_identifier_uri", &self.sector_identifier_uri),
        ] {
            if let Some(uri) = uri {
                check_web_uri(field, uri)?;
            }
        }
        if auth_method == "private_key_jwt" && !self.has_keys() {
            return Err(Error::invalid(
                "jwks",
                "private_key_jwt needs the client's public keys (jwks or jwks_uri)",
            ));
        }
        if let Some(alg) = &self.token_endpoint_auth_signing_alg {
            one_of("token_endpoint_auth_signing_alg", alg, CLIENT_SIGNING_ALGS)?;
            let symmetric = alg.starts_with("HS");
            let fits = match auth_method {
                "client_secret_jwt" => symmetric,
                "private_key_jwt" => !symmetric,
                _ => true,
            };
            if !fits {
                return Err(Error::invalid(
                    "token_endpoint_auth_signing_alg",
                    format!("{alg} does not fit token_endpoint_auth_method {auth_method}"),
                ));
            }
        }
        if self.is_fapi2() {
            for (field, alg) in [
                (
                    "token_endpoint_auth_signing_alg",
                    &self.token_endpoint_auth_signing_alg,
                ),
                (
                    "request_object_signing_alg",
                    &self.request_object_signing_alg,
                ),
                (
                    "authorization_signed_response_alg",
                    &self.authorization_signed_response_alg,
                ),
            ] {
                if let Some(alg) = alg {
                    one_of(field, alg, FAPI2_SIGNING_ALGS)?;
                }
            }
        }
        if let Some(alg) = &self.request_object_signing_alg
            && alg != "none"
        {
            one_of("request_object_signing_alg", alg, CLIENT_SIGNING_ALGS)?;
        }
        if let Some(alg) = &self.authorization_signed_response_alg {
            one_of(
                "authorization_signed_response_alg",
                alg,
                super::validate::SIGNING_ALGS,
            )?;
        }
        for (what, alg, enc) in [
            (
                "id_token_encrypted_response",
                &self.id_token_encrypted_response_alg,
                &self.id_token_encrypted_response_enc,
            ),
            (
                "userinfo_encrypted_response",
                &self.userinfo_encrypted_response_alg,
                &self.userinfo_encrypted_response_enc,
            ),
        ] {
            check_encryption(what, alg, enc, self.has_keys())?;
        }
        if let Some(p) = &self.profile {
            one_of("profile", p, PROFILES)?;
            if auth_method != "private_key_jwt" {
                return Err(Error::invalid(
                    "token_endpoint_auth_method",
                    "the fapi2 profile needs private_key_jwt (a confidential client with keys)",
                ));
            }
        }
        if let Some(t) = &self.subject_type {
            one_of("subject_type", t, SUBJECT_TYPES)?;
        }
        if let Some(t) = &self.application_type {
            one_of("application_type", t, APPLICATION_TYPES)?;
        }
        for contact in &self.contacts {
            if contact.trim().is_empty() || contact.len() > 320 {
                return Err(Error::invalid(
                    "contacts",
                    "each contact is 1 to 320 characters",
                ));
            }
        }
        for (field, v) in [
            ("software_id", &self.software_id),
            ("software_version", &self.software_version),
        ] {
            if v.as_ref().is_some_and(|v| v.len() > 200) {
                return Err(Error::invalid(field, "at most 200 characters"));
            }
        }
        Ok(())
    }
}

fn encryption<'a>(alg: &'a Option<String>, enc: &'a Option<String>) -> Option<(&'a str, &'a str)> {
    let alg = alg.as_deref()?;
    Some((alg, enc.as_deref().unwrap_or("A128CBC-HS256")))
}

/// An `…_alg`/`…_enc` pair (OIDC Dynamic Registration 2): `enc` only with `alg`, both
/// ones Gatehouse encrypts with, and a key to encrypt to.
fn check_encryption(
    what: &'static str,
    alg: &Option<String>,
    enc: &Option<String>,
    has_keys: bool,
) -> Result<()> {
    // The field names, for the error (the pair shares its prefix).
    let (alg_field, enc_field) = match what {
        "id_token_encrypted_response" => (
            "id_token_encrypted_response_alg",
            "id_token_encrypted_response_enc",
        ),
        _ => (
            "userinfo_encrypted_response_alg",
            "userinfo_encrypted_response_enc",
        ),
    };
    match (alg, enc) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(Error::invalid(
            enc_field,
            format!("needs {alg_field} as well"),
        )),
        (Some(a), e) => {
            one_of(alg_field, a, ENCRYPTION_ALGS)?;
            if let Some(e) = e {
                one_of(enc_field, e, ENCRYPTION_ENCS)?;
            }
            if !has_keys {
                return Err(Error::invalid(
                    alg_field,
                    "encryption needs the client's public keys (jwks or jwks_uri)",
                ));
            }
            Ok(())
        }
    }
}

/// A JWK Set of public keys: an object with a `keys` array of objects, each with a `kty`,
/// none with private members.
fn check_jwks(jwks: &serde_json::Value) -> Result<()> {
    let bad = |why: &str| Error::invalid("jwks", why.to_owned());
    if jwks.to_string().len() > MAX_JWKS_BYTES {
        return Err(bad("is larger than 16 KiB"));
    }
    let keys = jwks
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or_else(|| bad("must be a JWK Set: an object with a \"keys\" array"))?;
    if keys.is_empty() {
        return Err(bad("holds no key"));
    }
    for key in keys {
        let obj = key
            .as_object()
            .ok_or_else(|| bad("each key must be a JSON object"))?;
        if !obj.get("kty").is_some_and(|k| k.is_string()) {
            return Err(bad("each key needs a \"kty\""));
        }
        if let Some(m) = PRIVATE_JWK_MEMBERS.iter().find(|m| obj.contains_key(**m)) {
            return Err(bad(&format!(
                "holds private or symmetric key material (\"{m}\"): publish public keys only"
            )));
        }
    }
    Ok(())
}

fn one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{value:?} is not one of {}", allowed.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_stored_as_null_and_read_back() {
        let m = ClientMetadata::default();
        assert_eq!(m.to_column(), None);
        assert_eq!(ClientMetadata::from_column(None).unwrap(), m);
        assert_eq!(m.subject_type(), "public");
    }

    #[test]
    fn private_key_material_and_bad_sets_are_refused() {
        let with = |jwks| ClientMetadata {
            jwks: Some(jwks),
            ..Default::default()
        };
        let rsa_pub = json!({"keys": [{"kty": "RSA", "n": "xx", "e": "AQAB"}]});
        assert!(with(rsa_pub.clone()).check("private_key_jwt").is_ok());
        for bad in [
            json!({"keys": [{"kty": "RSA", "n": "xx", "e": "AQAB", "d": "secret"}]}),
            json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}),
            json!({"keys": []}),
            json!({"keys": [{"n": "xx"}]}),
            json!([{"kty": "RSA"}]),
        ] {
            let err = with(bad.clone()).check("private_key_jwt").unwrap_err();
            assert!(err.to_string().contains("jwks"), "{bad}: {err}");
        }
        let both = ClientMetadata {
            jwks: Some(rsa_pub),
            jwks_uri: Some("https://rp.example/jwks".into()),
            ..Default::default()
        };
        assert!(both.check("private_key_jwt").is_err());
    }

    #[test]
    fn encryption_pairs_need_a_known_alg_and_keys() {
        let keys = || ClientMetadata {
            jwks_uri: Some("https://rp.example/jwks".into()),
            ..Default::default()
        };
        let ok = ClientMetadata {
            id_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
            ..keys()
        };
        assert!(ok.check("client_secret_basic").is_ok());
        assert_eq!(
            ok.id_token_encryption(),
            Some(("RSA-OAEP-256", "A128CBC-HS256"))
        );
        assert_eq!(ok.userinfo_encryption(), None);
        for (bad, field) in [
            (
                ClientMetadata {
                    id_token_encrypted_response_enc: Some("A128GCM".into()),
                    ..keys()
                },
                "id_token_encrypted_response_enc",
            ),
            (
                ClientMetadata {
                    userinfo_encrypted_response_alg: Some("RSA1_5".into()),
                    ..keys()
                },
                "userinfo_encrypted_response_alg",
            ),
            (
                ClientMetadata {
                    userinfo_encrypted_response_alg: Some("ECDH-ES".into()),
                    userinfo_encrypted_response_enc: Some("A192GCM".into()),
                    ..keys()
                },
                "userinfo_encrypted_response_enc",
            ),
            (
                ClientMetadata {
                    id_token_encrypted_response_alg: Some("RSA-OAEP-256".into()),
                    ..Default::default()
                },
                "id_token_encrypted_response_alg",
            ),
        ] {
            let err = bad.check("client_secret_basic").unwrap_err();
            assert!(
                matches!(&err, Error::Invalid { field: f, .. } if *f == field),
                "{err}"
            );
        }
    }

    #[test]
    fn algorithms_subject_types_and_keys_must_fit_the_method() {
        assert!(
            ClientMetadata::default().check("private_key_jwt").is_err(),
            "private_key_jwt without keys"
        );
        let alg = |a: &str| ClientMetadata {
            jwks_uri: Some("https://rp.example/jwks".into()),
            token_endpoint_auth_signing_alg: Some(a.into()),
            ..Default::default()
        };
        assert!(alg("PS256").check("private_key_jwt").is_ok());
        assert!(alg("HS256").check("private_key_jwt").is_err());
        assert!(alg("HS256").check("client_secret_jwt").is_ok());
        assert!(alg("RS256").check("client_secret_jwt").is_err());
        assert!(alg("none").check("private_key_jwt").is_err());
        let subject = |t: &str| ClientMetadata {
            subject_type: Some(t.into()),
            ..Default::default()
        };
        assert!(subject("pairwise").check("client_secret_basic").is_ok());
        assert!(subject("secret").check("client_secret_basic").is_err());
        let http = ClientMetadata {
            sector_identifier_uri: Some("http://rp.example/sector".into()),
            ..Default::default()
        };
        assert!(http.check("client_secret_basic").is_err());
    }
}
