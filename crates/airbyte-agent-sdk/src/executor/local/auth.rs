//! From the definition's auth model to the HTTP layer's auth schemes and
//! retry policy.

use std::time::Duration;

use crate::definition::{self, AuthType, ConnectorDefinition, GrantType};
use crate::http::RetryPolicy;
use crate::http::auth::{
    ApiKeyLocation, AuthOptions, AuthScheme, ClientAuthStyle, CredentialMapping, OAuth2Config,
    OAuth2Grant, SchemeKind, TokenBodyFormat,
};

/// Every auth option of the definition as an HTTP-layer scheme.
pub(super) fn auth_options(def: &ConnectorDefinition) -> AuthOptions {
    AuthOptions::new(def.auth_options.iter().map(scheme_of).collect())
}

fn scheme_of(opt: &definition::AuthOption) -> AuthScheme {
    let kind = match opt.auth_type {
        AuthType::ApiKey => SchemeKind::ApiKey {
            location: match opt.api_key_location {
                Some(definition::ApiKeyLocation::Query) => ApiKeyLocation::Query,
                Some(definition::ApiKeyLocation::Cookie) => ApiKeyLocation::Cookie,
                _ => ApiKeyLocation::Header,
            },
            name: opt.header.clone().unwrap_or_else(|| "Authorization".into()),
        },
        AuthType::Basic => SchemeKind::Basic,
        AuthType::OAuth2 => {
            let refresh = opt.token_refresh.as_ref();
            let mut config = OAuth2Config {
                refresh_url: opt.refresh_url.clone().or_else(|| opt.token_url.clone()),
                token_extract: opt.token_extract.clone(),
                ..OAuth2Config::default()
            };
            if let Some(h) = opt.header.clone() {
                config.header = h;
            }
            if let Some(p) = opt.prefix.clone() {
                config.prefix = p;
            }
            if let Some(r) = refresh {
                if let Some(style) = r.auth_style.as_deref().and_then(ClientAuthStyle::parse) {
                    config.client_auth = style;
                }
                if let Some(fmt) = r.body_format.as_deref().and_then(TokenBodyFormat::parse) {
                    config.body_format = fmt;
                }
                if r.grant_type == Some(GrantType::JwtBearer) {
                    config.grant = OAuth2Grant::JwtBearer {
                        scopes: opt.scopes.clone(),
                    };
                }
            }
            SchemeKind::OAuth2(config)
        }
        _ => SchemeKind::Bearer {
            header: opt.header.clone().unwrap_or_else(|| "Authorization".into()),
            prefix: opt.prefix.clone().unwrap_or_else(|| "Bearer".into()),
        },
    };
    let mut scheme = AuthScheme::new(opt.scheme_name.clone(), kind);
    let user = &opt.user_config;
    if !user.generated && !user.auth_mapping.is_empty() {
        scheme = scheme.with_credentials(CredentialMapping::new(
            user.properties.keys().cloned().collect(),
            Some(user.required.clone()),
            user.auth_mapping
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ));
    }
    for (name, template) in &opt.additional_headers {
        scheme = scheme.with_additional_header(name.clone(), template.clone());
    }
    scheme
}

/// The definition's `x-airbyte-retry-config` (or the defaults).
pub(super) fn retry_policy(def: &ConnectorDefinition) -> RetryPolicy {
    let c = def.retry_config();
    let secs = |s: f64| Duration::from_secs_f64(if s.is_finite() && s >= 0.0 { s } else { 0.0 });
    RetryPolicy {
        max_attempts: c.max_attempts.max(1),
        initial_delay: secs(c.initial_delay_seconds),
        max_delay: secs(c.max_delay_seconds),
        exponential_base: c.exponential_base,
        jitter: c.jitter,
        retry_on_status_codes: c.retry_on_status_codes.clone(),
        retry_on_timeout: c.retry_on_timeout,
        retry_on_network_error: c.retry_on_network_error,
        retry_after_header: c.retry_after_header.clone(),
        retry_after_format: match c.retry_after_format {
            definition::extensions::RetryAfterFormat::Milliseconds => {
                crate::http::RetryAfterFormat::Milliseconds
            }
            definition::extensions::RetryAfterFormat::UnixTimestamp => {
                crate::http::RetryAfterFormat::UnixTimestamp
            }
            _ => crate::http::RetryAfterFormat::Seconds,
        },
    }
}
