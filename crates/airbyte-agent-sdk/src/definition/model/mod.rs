//! The typed connector definition model: the contract between the loader
//! and the local engine (request building, auth, response handling).
//!
//! All types are read-only views built by the loader; they are
//! `#[non_exhaustive]` so fields can be added without breaking callers.
//! Every schema has its `$ref`s resolved: parameter and body schemas at
//! load, response and entity schemas ([`LazySchema`]) when first read.

mod auth;
mod connector;
mod operation;
mod schema;

pub use auth::{
    ApiKeyLocation, AuthConfigSpec, AuthField, AuthOption, AuthType, GrantType,
    OAuthCredentialsSpec, OAuthFlow, OAuthFlows, SchemeKind, SecurityScheme, TokenRefresh,
};
pub use connector::{CheckOperation, ConnectorDefinition, Server, ServerVariable};
pub use operation::{
    Action, BodyContentType, ConfigInject, DefaultFields, Entity, GraphqlBody, HttpMethod,
    MetaSource, Operation, ParamLocation, ParamSource, ParamStyle, Parameter, RequestBody,
    ResponseInfo, SecurityRequirement,
};
pub use schema::LazySchema;

/// Extensions kept raw, by name (`x-…` key → value), in document order.
pub type Extensions = indexmap::IndexMap<String, serde_json::Value>;
