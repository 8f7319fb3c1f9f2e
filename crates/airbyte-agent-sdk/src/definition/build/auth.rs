//! Security schemes, `x-airbyte-auth-config`, and the derived auth options.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::definition::model::{
    ApiKeyLocation, AuthConfigSpec, AuthField, AuthOption, AuthType, GrantType,
    OAuthCredentialsSpec, OAuthFlow, OAuthFlows, SchemeKind, SecurityScheme, Server, TokenRefresh,
};
use crate::definition::node::Node;
use crate::definition::refs::Resolver;
use crate::error::Error;

type R<T> = Result<T, Error>;

const SCHEME_TYPED: &[&str] = &[
    "x-airbyte-auth-config",
    "x-airbyte-token-refresh",
    "x-airbyte-token-extract",
    "x-airbyte-token-path",
    "x-airbyte-oauth-credentials",
    "x-airbyte-untested",
];

/// Parses `components.securitySchemes`.
pub(crate) fn build_security_schemes(
    resolver: &Resolver<'_>,
    schemes: Option<Node<'_>>,
    servers: &[Server],
) -> R<Vec<SecurityScheme>> {
    let Some(schemes) = schemes else {
        return Ok(Vec::new());
    };
    schemes
        .entries()?
        .into_iter()
        .map(|(name, node)| {
            let node = resolver.deref(node)?;
            build_scheme(name, &node, servers)
        })
        .collect()
}

fn build_scheme(name: &str, node: &Node<'_>, servers: &[Server]) -> R<SecurityScheme> {
    let type_node = node.required("type")?;
    let kind = match type_node.as_str()? {
        "apiKey" => {
            let in_node = node.required("in")?;
            let location = match in_node.as_str()? {
                "header" => ApiKeyLocation::Header,
                "query" => ApiKeyLocation::Query,
                "cookie" => ApiKeyLocation::Cookie,
                other => {
                    return Err(in_node.error(format!(
                        "unknown API key location `{other}`; expected header, query or cookie"
                    )));
                }
            };
            SchemeKind::ApiKey {
                name: node.req_nonempty_str("name")?,
                location,
            }
        }
        "http" => SchemeKind::Http {
            scheme: node.req_nonempty_str("scheme")?.to_ascii_lowercase(),
            bearer_format: node.opt_str("bearerFormat")?,
        },
        "oauth2" => SchemeKind::OAuth2 {
            flows: Box::new(build_flows(&node.required("flows")?)?),
        },
        "openIdConnect" => SchemeKind::OpenIdConnect {
            url: node.req_nonempty_str("openIdConnectUrl")?,
        },
        other => {
            return Err(type_node.error(format!(
                "unknown security scheme type `{other}`; expected apiKey, http, oauth2 or openIdConnect"
            )));
        }
    };

    let token_refresh = node
        .field("x-airbyte-token-refresh")?
        .map(|n| build_token_refresh(&n))
        .transpose()?;
    if let (Some(refresh), SchemeKind::OAuth2 { flows }) = (&token_refresh, &kind)
        && refresh.grant_type == Some(GrantType::JwtBearer)
        && flows.preferred().is_none_or(|f| f.scopes.is_empty())
    {
        return Err(node
            .required("x-airbyte-token-refresh")?
            .error("grant_type `jwt_bearer` needs at least one scope on the OAuth2 flow"));
    }

    let token_extract = node.str_list("x-airbyte-token-extract")?;
    if let Some(extract_node) = node.field("x-airbyte-token-extract")? {
        let mut seen = BTreeSet::new();
        let variables: BTreeSet<&str> = servers
            .iter()
            .flat_map(|s| s.variables.keys().map(String::as_str))
            .collect();
        for field in &token_extract {
            if !seen.insert(field.as_str()) {
                return Err(
                    extract_node.error(format!("x-airbyte-token-extract lists `{field}` twice"))
                );
            }
            if !variables.contains(field.as_str()) {
                return Err(extract_node.error(format!(
                    "x-airbyte-token-extract field `{field}` is not a server variable (declared: {})",
                    if variables.is_empty() {
                        "none".to_string()
                    } else {
                        variables.iter().copied().collect::<Vec<_>>().join(", ")
                    }
                )));
            }
        }
    }

    Ok(SecurityScheme {
        name: name.to_string(),
        kind,
        description: node.opt_str("description")?,
        auth_config: node
            .field("x-airbyte-auth-config")?
            .map(|n| build_auth_config(&n))
            .transpose()?,
        token_refresh,
        token_extract,
        token_path: node.opt_str("x-airbyte-token-path")?,
        oauth_credentials: node
            .field("x-airbyte-oauth-credentials")?
            .map(|n| {
                Ok::<_, Error>(OAuthCredentialsSpec {
                    title: n.opt_str("title")?,
                    description: n.opt_str("description")?,
                    required: n.str_list("required")?,
                    properties: build_fields(&n)?,
                })
            })
            .transpose()?,
        untested: node.opt_bool("x-airbyte-untested")?.unwrap_or(false),
        extensions: node.extensions(SCHEME_TYPED)?,
    })
}

fn build_flows(node: &Node<'_>) -> R<OAuthFlows> {
    let flow = |key: &str| -> R<Option<OAuthFlow>> {
        node.field(key)?
            .map(|n| {
                Ok(OAuthFlow {
                    authorization_url: n.opt_str("authorizationUrl")?,
                    token_url: n.opt_str("tokenUrl")?,
                    refresh_url: n.opt_str("refreshUrl")?,
                    scopes: n.str_map("scopes")?,
                })
            })
            .transpose()
    };
    Ok(OAuthFlows {
        authorization_code: flow("authorizationCode")?,
        client_credentials: flow("clientCredentials")?,
        password: flow("password")?,
        implicit: flow("implicit")?,
    })
}

fn build_token_refresh(node: &Node<'_>) -> R<TokenRefresh> {
    let grant_type = match node.field("grant_type")? {
        None => None,
        Some(g) => Some(match g.as_str()? {
            "refresh_token" => GrantType::RefreshToken,
            "jwt_bearer" => GrantType::JwtBearer,
            other => {
                return Err(g.error(format!(
                    "unsupported grant_type `{other}`; expected refresh_token or jwt_bearer"
                )));
            }
        }),
    };
    let known = [
        "auth_style",
        "body_format",
        "header",
        "prefix",
        "grant_type",
    ];
    Ok(TokenRefresh {
        auth_style: node.opt_str("auth_style")?,
        body_format: node.opt_str("body_format")?,
        header: node.opt_str("header")?,
        prefix: node.opt_str("prefix")?,
        grant_type,
        extra: node
            .obj()?
            .iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

fn build_fields(node: &Node<'_>) -> R<IndexMap<String, AuthField>> {
    let Some(props) = node.field("properties")? else {
        return Ok(IndexMap::new());
    };
    props
        .entries()?
        .into_iter()
        .map(|(name, f)| {
            let field_type = f.opt_str("type")?.unwrap_or_else(|| "string".to_string());
            if !["string", "integer", "boolean", "number"].contains(&field_type.as_str()) {
                return Err(f.required("type")?.error(format!(
                    "credential field type `{field_type}` is not one of string, integer, boolean, number"
                )));
            }
            Ok((
                name.to_string(),
                AuthField {
                    field_type,
                    title: f.opt_str("title")?,
                    description: f.opt_str("description")?,
                    format: f.opt_str("format")?,
                    pattern: f.opt_str("pattern")?,
                    default: f.field("default")?.map(|d| d.value.clone()),
                    secret: f.opt_bool("airbyte_secret")?.unwrap_or(false),
                },
            ))
        })
        .collect()
}

/// `${field}` references in an auth mapping template.
fn dollar_refs(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.push(name);
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// `{{ field }}` references in a header template.
fn brace_refs(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.push(name);
                }
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

fn build_auth_config(node: &Node<'_>) -> R<AuthConfigSpec> {
    if let Some(t) = node.field("type")?
        && t.as_str()? != "object"
    {
        return Err(t.error("x-airbyte-auth-config must have `type: object`"));
    }
    let spec = AuthConfigSpec {
        title: node.opt_str("title")?,
        description: node.opt_str("description")?,
        required: node.str_list("required")?,
        properties: build_fields(node)?,
        auth_mapping: node.str_map("auth_mapping")?,
        additional_headers: node.str_map("additional_headers")?,
        replication_auth_key_mapping: node.str_map("replication_auth_key_mapping")?,
        replication_auth_key_constants: node.value_map("replication_auth_key_constants")?,
        generated: false,
    };
    if spec.properties.is_empty() {
        return Err(node.error("x-airbyte-auth-config needs at least one property"));
    }
    if spec.auth_mapping.is_empty() {
        return Err(node.error("x-airbyte-auth-config needs an `auth_mapping`"));
    }
    for (path, target) in &spec.replication_auth_key_mapping {
        if !spec.properties.contains_key(target) {
            return Err(node.required("replication_auth_key_mapping")?.error(format!(
                "replication_auth_key_mapping maps `{path}` to `{target}`, which is not a property"
            )));
        }
    }
    let used: BTreeSet<&str> = spec
        .auth_mapping
        .values()
        .flat_map(|t| dollar_refs(t))
        .chain(spec.additional_headers.values().flat_map(|t| brace_refs(t)))
        .collect();
    let unused: Vec<&str> = spec
        .properties
        .keys()
        .map(String::as_str)
        .filter(|p| !used.contains(p))
        .collect();
    if !unused.is_empty() {
        return Err(node.error(format!(
            "properties not used by auth_mapping (`${{field}}`) or additional_headers (`{{{{ field }}}}`): {}",
            unused.join(", ")
        )));
    }
    Ok(spec)
}

/// The scheme parameters each auth type accepts as `auth_mapping` keys.
pub(crate) fn expected_mapping_keys(auth_type: AuthType) -> &'static [&'static str] {
    match auth_type {
        AuthType::Bearer => &["token"],
        AuthType::Basic => &["username", "password"],
        AuthType::ApiKey => &["api_key"],
        AuthType::OAuth2 => &[
            "access_token",
            "refresh_token",
            "client_id",
            "client_secret",
            "credentials_json",
        ],
    }
}

/// The credential form used when a scheme declares none.
pub(crate) fn default_auth_config(auth_type: AuthType) -> AuthConfigSpec {
    let field = |title: &str, description: &str| AuthField {
        field_type: "string".to_string(),
        title: Some(title.to_string()),
        description: Some(description.to_string()),
        ..AuthField::default()
    };
    let (required, fields): (Vec<&str>, Vec<(&str, AuthField)>) = match auth_type {
        AuthType::Bearer => (
            vec!["token"],
            vec![(
                "token",
                field("Bearer Token", "Authentication bearer token"),
            )],
        ),
        AuthType::Basic => (
            vec!["username", "password"],
            vec![
                ("username", field("Username", "Authentication username")),
                ("password", field("Password", "Authentication password")),
            ],
        ),
        AuthType::ApiKey => (
            vec!["api_key"],
            vec![("api_key", field("API Key", "API authentication key"))],
        ),
        AuthType::OAuth2 => (
            vec![],
            vec![
                ("access_token", field("Access Token", "OAuth2 access token")),
                (
                    "refresh_token",
                    field("Refresh Token", "OAuth2 refresh token (optional)"),
                ),
                (
                    "client_id",
                    field("Client ID", "OAuth2 client ID (optional)"),
                ),
                (
                    "client_secret",
                    field("Client Secret", "OAuth2 client secret (optional)"),
                ),
            ],
        ),
    };
    AuthConfigSpec {
        required: required.into_iter().map(str::to_string).collect(),
        auth_mapping: fields
            .iter()
            .map(|(k, _)| (k.to_string(), format!("${{{k}}}")))
            .collect(),
        properties: fields
            .into_iter()
            .map(|(k, f)| (k.to_string(), f))
            .collect(),
        generated: true,
        ..AuthConfigSpec::default()
    }
}

/// Why a scheme yields no auth option.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OptionProblem {
    /// The engine cannot apply this kind of scheme.
    Unsupported(String),
    /// `auth_mapping` names parameters the scheme does not have.
    BadMapping(String),
}

/// Reduces a scheme to an auth option, or says why it cannot be used.
pub(crate) fn build_option(scheme: &SecurityScheme) -> Result<AuthOption, OptionProblem> {
    let mut option = AuthOption {
        scheme_name: scheme.name.clone(),
        auth_type: AuthType::ApiKey,
        header: None,
        prefix: None,
        api_key_location: None,
        refresh_url: None,
        token_url: None,
        token_refresh: None,
        scopes: Vec::new(),
        token_extract: Vec::new(),
        additional_headers: IndexMap::new(),
        user_config: AuthConfigSpec::default(),
        untested: scheme.untested,
    };
    match &scheme.kind {
        SchemeKind::Http { scheme: s, .. } if s == "bearer" => {
            option.auth_type = AuthType::Bearer;
            option.header = Some("Authorization".to_string());
            option.prefix = Some("Bearer".to_string());
        }
        SchemeKind::Http { scheme: s, .. } if s == "basic" => {
            option.auth_type = AuthType::Basic;
        }
        SchemeKind::Http { scheme: s, .. } => {
            return Err(OptionProblem::Unsupported(format!(
                "HTTP auth scheme `{s}` is not supported (only bearer and basic)"
            )));
        }
        SchemeKind::ApiKey { name, location } => {
            option.auth_type = AuthType::ApiKey;
            option.header = Some(name.clone());
            option.api_key_location = Some(*location);
        }
        SchemeKind::OAuth2 { flows } => {
            option.auth_type = AuthType::OAuth2;
            let refresh = scheme.token_refresh.as_ref();
            option.header = Some(
                refresh
                    .and_then(|r| r.header.clone())
                    .filter(|h| !h.is_empty())
                    .unwrap_or_else(|| "Authorization".to_string()),
            );
            option.prefix = Some(
                refresh
                    .and_then(|r| r.prefix.clone())
                    .unwrap_or_else(|| "Bearer".to_string()),
            );
            if let Some(flow) = flows.preferred() {
                option.refresh_url = flow.refresh_url.clone();
                option.token_url = flow.token_url.clone();
                if refresh.and_then(|r| r.grant_type) == Some(GrantType::JwtBearer) {
                    option.scopes = flow.scopes.keys().cloned().collect();
                }
            }
            option.token_refresh = scheme.token_refresh.clone();
            option.token_extract = scheme.token_extract.clone();
        }
        SchemeKind::OpenIdConnect { .. } => {
            return Err(OptionProblem::Unsupported(
                "openIdConnect auth is not supported".to_string(),
            ));
        }
    }
    if let Some(config) = &scheme.auth_config {
        let expected = expected_mapping_keys(option.auth_type);
        let invalid: Vec<&str> = config
            .auth_mapping
            .keys()
            .map(String::as_str)
            .filter(|k| !expected.contains(k))
            .collect();
        if !invalid.is_empty() {
            return Err(OptionProblem::BadMapping(format!(
                "auth_mapping keys {} are not parameters of {} auth (expected: {})",
                invalid.join(", "),
                serde_json::to_value(option.auth_type)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                expected.join(", ")
            )));
        }
        option.additional_headers = config.additional_headers.clone();
        option.user_config = config.clone();
    } else {
        option.user_config = default_auth_config(option.auth_type);
    }
    Ok(option)
}

/// The auth options of a definition: one per usable scheme, or the default
/// bearer option when there is no scheme. With a single scheme an invalid
/// `auth_mapping` is an error (returned as `Err((scheme index, reason))`);
/// with several, unusable schemes are skipped (as the reference does) and
/// `lint` reports them. Unsupported scheme kinds (HTTP digest,
/// openIdConnect) yield no option; the reference would treat them as an API
/// key without a header, which cannot work.
pub(crate) fn build_options(
    schemes: &[SecurityScheme],
) -> Result<Vec<AuthOption>, (usize, String)> {
    if schemes.is_empty() {
        let mut user_config = default_auth_config(AuthType::Bearer);
        user_config.generated = true;
        return Ok(vec![AuthOption {
            scheme_name: "default".to_string(),
            auth_type: AuthType::Bearer,
            header: Some("Authorization".to_string()),
            prefix: Some("Bearer".to_string()),
            api_key_location: None,
            refresh_url: None,
            token_url: None,
            token_refresh: None,
            scopes: Vec::new(),
            token_extract: Vec::new(),
            additional_headers: IndexMap::new(),
            user_config,
            untested: false,
        }]);
    }
    let mut options = Vec::new();
    for (i, scheme) in schemes.iter().enumerate() {
        match build_option(scheme) {
            Ok(o) => options.push(o),
            Err(OptionProblem::BadMapping(reason)) if schemes.len() == 1 => {
                return Err((i, reason));
            }
            Err(_) => {}
        }
    }
    if options.is_empty() && schemes.len() > 1 {
        return Err((0, "no usable security scheme".to_string()));
    }
    Ok(options)
}
