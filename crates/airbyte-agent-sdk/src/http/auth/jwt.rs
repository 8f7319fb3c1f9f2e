//! RFC 7523 JWT-bearer assertions for service-account OAuth2 grants
//! (Google service-account keys).

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// The `grant_type` of a JWT-bearer token request.
pub(crate) const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Lifetime of an assertion, in seconds.
const ASSERTION_LIFETIME: u64 = 3600;

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: String,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

/// Signs an RS256 assertion with the key in `credentials_json` (which must
/// hold `client_email` and a PEM `private_key`), for `scopes`, addressed to
/// the token endpoint `audience`. Errors never contain key material.
pub(crate) fn assertion(
    scheme: &str,
    credentials_json: &str,
    scopes: &[String],
    audience: &str,
) -> Result<String> {
    let bad = |why: &str| {
        Error::invalid_argument(
            "credentials",
            format!("`credentials_json` of auth scheme `{scheme}` {why}"),
        )
    };
    let key: Value =
        serde_json::from_str(credentials_json).map_err(|_| bad("is not valid JSON"))?;
    let field = |name: &str| {
        key.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(email), Some(pem)) = (field("client_email"), field("private_key")) else {
        return Err(bad("lacks `client_email` or `private_key`"));
    };
    let signing_key = EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|_| bad("has a `private_key` that is not an RSA PEM key"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let claims = Claims {
        iss: email,
        scope: scopes.join(" "),
        aud: audience,
        iat: now,
        exp: now + ASSERTION_LIFETIME,
    };
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &signing_key)
        .map_err(|_| bad("could not be used to sign an assertion"))
}
