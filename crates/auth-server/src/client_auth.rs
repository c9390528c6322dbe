//! Client authentication at the token, introspection, revocation, PAR and device
//! authorization endpoints: `client_secret_basic`, `client_secret_post`, the JWT
//! assertions `private_key_jwt` and `client_secret_jwt` ([`assertion`]), and `none` for
//! public clients.
//!
//! A client with a shared secret may send it either way: the two methods carry the same
//! secret over the same TLS connection, so they are equally strong, and relying-party
//! libraries pick one by default (openid-client 6 posts it, most others use Basic).

pub mod assertion;

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use domain::clients::Client;

use crate::Provider;
use crate::error::OAuthError;
use crate::params::Params;

/// Authenticates the calling client with the method it used: a shared-secret method for a
/// client registered with either shared-secret method, a JWT assertion for a client
/// registered with that kind of assertion, `none` only for public clients. Every failure
/// is the same `invalid_client` (401).
pub async fn authenticate(
    provider: &Provider,
    req: &HttpRequest,
    params: &Params,
) -> Result<Client, OAuthError> {
    let basic = basic_credentials(req)?;
    if params.has("client_assertion") || params.has("client_assertion_type") {
        if basic.is_some() || params.has("client_secret") {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not several",
            ));
        }
        return assertion::authenticate(provider, req, params).await;
    }
    let (client, method) = match (basic, params.get("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "use one client authentication method, not several",
            ));
        }
        (Some((id, secret)), None) => {
            if params.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(OAuthError::invalid_request(
                    "client_id does not match the credentials",
                ));
            }
            (
                provider.clients.authenticate(&id, &secret).await?,
                "client_secret_basic",
            )
        }
        (None, Some(secret)) => {
            let id = params
                .get("client_id")
                .ok_or_else(OAuthError::invalid_client)?;
            (
                provider.clients.authenticate(id, secret).await?,
                "client_secret_post",
            )
        }
        (None, None) => {
            let id = params
                .get("client_id")
                .ok_or_else(OAuthError::invalid_client)?;
            let client = provider.clients.find(id).await?.filter(|c| c.public);
            (client, "none")
        }
    };
    match client {
        Some(c) if accepts(&c.token_endpoint_auth_method, method) => Ok(c),
        _ => {
            tracing::info!(method, "client authentication failed");
            Err(OAuthError::invalid_client())
        }
    }
}

/// The client a token-endpoint request names (Basic credentials, else the body's
/// `client_id`), authenticated or not: used only to pick the CORS origins of the answer.
pub fn claimed_client_id(req: &HttpRequest, body: &[u8]) -> Option<String> {
    if let Ok(Some((id, _))) = basic_credentials(req) {
        return Some(id);
    }
    let params = Params::parse(body).ok()?;
    params
        .get("client_id")
        .map(str::to_owned)
        .or_else(|| assertion::claimed_client_id(&params))
}

/// Whether a client registered with `registered` may authenticate with `used`: the two
/// shared-secret methods are one family; anything else (the assertions included) must
/// match exactly.
fn accepts(registered: &str, used: &str) -> bool {
    const SHARED_SECRET: [&str; 2] = ["client_secret_basic", "client_secret_post"];
    registered == used || (SHARED_SECRET.contains(&registered) && SHARED_SECRET.contains(&used))
}

/// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| OAuthError::invalid_client())?;
    let Some(encoded) = text
        .strip_prefix("Basic ")
        .or_else(|| text.strip_prefix("basic "))
    else {
        return Err(OAuthError::invalid_client());
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(OAuthError::invalid_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(OAuthError::invalid_client)?;
    let decode = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((decode(id), decode(secret))))
}

#[cfg(test)]
mod tests {
    use super::accepts;
    use actix_web::http::header;
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn shared_secret_methods_are_one_family() {
        for registered in ["client_secret_basic", "client_secret_post"] {
            assert!(accepts(registered, "client_secret_basic"));
            assert!(accepts(registered, "client_secret_post"));
            assert!(!accepts(registered, "none"));
        }
        assert!(accepts("none", "none"));
        assert!(!accepts("none", "client_secret_basic"));
        assert!(!accepts("none", "client_secret_post"));
        assert!(!accepts("private_key_jwt", "client_secret_post"));
        assert!(!accepts("client_secret_jwt", "client_secret_basic"));
        assert!(!accepts("client_secret_jwt", "client_secret_post"));
    }

    fn basic(value: &str) -> actix_web::HttpRequest {
        actix_web::test::TestRequest::default()
            .insert_header((header::AUTHORIZATION, value))
            .to_http_request()
    }

    proptest::proptest! {
        /// Any client id and secret, encoded as RFC 6749 2.3.1 says (form-urlencoded, then
        /// joined by `:` and base64): read back exactly.
        #[test]
        fn prop_basic_credentials_round_trip(id in ".{1,40}", secret in ".{0,60}") {
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let value = format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(&id), enc(&secret))));
            let got = super::basic_credentials(&basic(&value)).unwrap();
            proptest::prop_assert_eq!(got, Some((id, secret)));
        }

        /// Any header text: `invalid_client` or credentials, never a panic.
        #[test]
        fn prop_basic_credentials_any_header(text in "[ -~]{0,120}") {
            let _ = super::basic_credentials(&basic(&text));
            let _ = super::basic_credentials(&basic(&format!("Basic {text}")));
        }
    }
}
