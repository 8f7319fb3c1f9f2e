//! Auth strategies from a loaded connector definition: a direct mapping of
//! the definition's [`AuthOption`]s (one per security scheme, with the
//! reference's defaults already applied by the loader).

use crate::definition::{self, AuthOption, AuthType, ConnectorDefinition, GrantType, TokenRefresh};
use crate::error::{Error, Result};

use super::{
    ApiKeyLocation, AuthOptions, AuthScheme, ClientAuthStyle, CredentialMapping, OAuth2Config,
    OAuth2Grant, SchemeKind, TokenBodyFormat,
};

impl AuthOptions {
    /// Every auth option of `definition`, in declaration order.
    ///
    /// ```no_run
    /// use airbyte_agent_sdk::definition;
    /// use airbyte_agent_sdk::http::auth::{AuthContext, AuthOptions, Credentials};
    ///
    /// let def = definition::load_path("specs/stripe/connector.yaml")?;
    /// let creds = Credentials::new().with("api_key", "sk_test_123");
    /// let auth = AuthOptions::from_definition(&def)?.authenticator(&creds, None, AuthContext::new())?;
    /// # let _ = auth; Ok::<(), airbyte_agent_sdk::Error>(())
    /// ```
    pub fn from_definition(definition: &ConnectorDefinition) -> Result<Self> {
        definition
            .auth_options
            .iter()
            .map(|option| {
                AuthScheme::from_option(option).map_err(|message| Error::Definition {
                    file: definition.file.clone(),
                    pointer: format!(
                        "/components/securitySchemes/{}",
                        escape_pointer(&option.scheme_name)
                    ),
                    message,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(AuthOptions::new)
    }
}

impl AuthScheme {
    /// The scheme described by one auth option of a definition. The error
    /// says what the engine cannot use.
    pub fn from_option(option: &AuthOption) -> std::result::Result<Self, String> {
        let header = || {
            option
                .header
                .clone()
                .unwrap_or_else(|| "Authorization".into())
        };
        let kind = match option.auth_type {
            AuthType::Bearer => SchemeKind::Bearer {
                header: header(),
                prefix: option.prefix.clone().unwrap_or_else(|| "Bearer".into()),
            },
            AuthType::Basic => SchemeKind::Basic,
            AuthType::ApiKey => SchemeKind::ApiKey {
                location: match option.api_key_location {
                    Some(definition::ApiKeyLocation::Query) => ApiKeyLocation::Query,
                    Some(definition::ApiKeyLocation::Cookie) => ApiKeyLocation::Cookie,
                    _ => ApiKeyLocation::Header,
                },
                name: header(),
            },
            AuthType::OAuth2 => SchemeKind::OAuth2(oauth2_config(option)?),
        };
        let spec = &option.user_config;
        // The model keeps `required` as a list, so an auth config that omits
        // it means "nothing required" here, where the reference would require
        // every referenced field. Every upstream definition lists it.
        let credentials = CredentialMapping::new(
            spec.properties.keys().cloned().collect(),
            Some(spec.required.clone()),
            spec.auth_mapping
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        let mut scheme =
            AuthScheme::new(option.scheme_name.clone(), kind).with_credentials(credentials);
        for (name, template) in &option.additional_headers {
            scheme = scheme.with_additional_header(name.clone(), template.clone());
        }
        Ok(scheme)
    }
}

fn oauth2_config(option: &AuthOption) -> std::result::Result<OAuth2Config, String> {
    let refresh = option.token_refresh.clone().unwrap_or_default();
    let TokenRefresh {
        auth_style,
        body_format,
        ..
    } = &refresh;
    let mut config = OAuth2Config::default();
    if let Some(h) = &option.header {
        config.header = h.clone();
    }
    if let Some(p) = &option.prefix {
        config.prefix = p.clone();
    }
    config.refresh_url = option.refresh_url.clone();
    if let Some(style) = auth_style {
        config.client_auth = ClientAuthStyle::parse(style).ok_or_else(|| {
            format!("x-airbyte-token-refresh auth_style `{style}` is not one of body, basic, none")
        })?;
    }
    if let Some(format) = body_format {
        config.body_format = TokenBodyFormat::parse(format).ok_or_else(|| {
            format!("x-airbyte-token-refresh body_format `{format}` is not one of form, json")
        })?;
    }
    config.grant = match refresh.grant_type {
        Some(GrantType::JwtBearer) => OAuth2Grant::JwtBearer {
            scopes: option.scopes.clone(),
        },
        _ => OAuth2Grant::RefreshToken,
    };
    config.token_extract = option.token_extract.clone();
    Ok(config)
}

/// Escapes a JSON pointer segment (RFC 6901).
fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn definition_with(schemes: &str) -> ConnectorDefinition {
        let yaml = format!(
            r#"
openapi: 3.1.0
info:
  title: Example
  version: 1.0.0
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001
servers: [{{url: "https://api.example.com"}}]
components:
  securitySchemes:
{schemes}
paths:
  /users:
    get:
      x-airbyte-entity: users
      x-airbyte-action: list
      responses: {{"200": {{description: ok}}}}
"#
        );
        definition::load_str(&yaml).unwrap()
    }

    #[test]
    fn maps_every_field_of_an_oauth2_scheme() {
        let def = definition_with(
            r#"
    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://x.example/authorize
          tokenUrl: https://x.example/token
          refreshUrl: "https://{{subdomain}}.x.example/token"
          scopes: {read: Read}
      x-airbyte-token-refresh: {auth_style: basic, body_format: json, header: X-Token, prefix: ""}
      x-airbyte-auth-config:
        type: object
        required: [refresh_token]
        properties:
          refresh_token: {type: string}
          client_id: {type: string}
          developer_token: {type: string}
        auth_mapping:
          refresh_token: "${refresh_token}"
          client_id: "${client_id}"
        additional_headers:
          developer-token: "{{ developer_token }}"
"#,
        );
        let options = AuthOptions::from_definition(&def).unwrap();
        let [scheme] = options.schemes.as_slice() else {
            panic!("one scheme expected: {options:?}")
        };
        let SchemeKind::OAuth2(config) = &scheme.kind else {
            panic!("oauth2 expected: {scheme:?}")
        };
        assert_eq!(config.header, "X-Token");
        assert_eq!(config.prefix, "");
        assert_eq!(
            config.refresh_url.as_deref(),
            Some("https://{{subdomain}}.x.example/token")
        );
        assert_eq!(config.client_auth, ClientAuthStyle::Basic);
        assert_eq!(config.body_format, TokenBodyFormat::Json);
        assert_eq!(config.grant, OAuth2Grant::RefreshToken);
        assert_eq!(scheme.credentials.required_fields(), ["refresh_token"]);
        assert_eq!(
            scheme.credentials.fields,
            ["refresh_token", "client_id", "developer_token"]
        );
        assert_eq!(
            scheme.additional_headers,
            [(
                "developer-token".to_string(),
                "{{ developer_token }}".to_string()
            )]
        );
    }

    #[test]
    fn unknown_refresh_style_is_a_definition_error() {
        let def = definition_with(
            r#"
    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://x.example/authorize
          tokenUrl: https://x.example/token
          refreshUrl: https://x.example/token
      x-airbyte-token-refresh: {auth_style: header}
"#,
        );
        let err = AuthOptions::from_definition(&def).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Definition);
        let msg = err.to_string();
        assert!(msg.contains("/components/securitySchemes/oauth2"), "{msg}");
        assert!(msg.contains("auth_style `header`"), "{msg}");
    }

    #[test]
    fn api_key_and_basic_schemes() {
        let def = definition_with(
            r#"
    key:
      type: apiKey
      in: query
      name: token
    basic:
      type: http
      scheme: basic
"#,
        );
        let options = AuthOptions::from_definition(&def).unwrap();
        assert_eq!(
            options.schemes[0].kind,
            SchemeKind::ApiKey {
                location: ApiKeyLocation::Query,
                name: "token".into()
            }
        );
        assert_eq!(options.schemes[1].kind, SchemeKind::Basic);
        // Generated defaults: the scheme's own field names.
        assert_eq!(
            options.schemes[1].credentials.required_fields(),
            ["username", "password"]
        );
    }
}
