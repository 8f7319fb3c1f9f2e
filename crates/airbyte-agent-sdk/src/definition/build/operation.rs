//! Building [`Operation`]s from path items.

use indexmap::IndexMap;
use serde_json::Value;

use crate::definition::model::{
    Action, BodyContentType, ConfigInject, DefaultFields, GraphqlBody, HttpMethod, Operation,
    ParamLocation, ParamSource, ParamStyle, Parameter, RequestBody, ResponseInfo,
    SecurityRequirement,
};
use crate::definition::node::{Node, type_name};
use crate::definition::refs::Resolver;
use crate::error::Error;

type R<T> = Result<T, Error>;

const PROBE_DEFAULT: &str = "x-airbyte-probe-default";

/// Operation keys mapped to typed fields (everything else `x-…` stays raw).
const OPERATION_TYPED: &[&str] = &[
    "x-airbyte-entity",
    "x-airbyte-action",
    "x-airbyte-path-override",
    "x-airbyte-record-extractor",
    "x-airbyte-meta-extractor",
    "x-airbyte-record-transform",
    "x-airbyte-record-filter",
    "x-airbyte-file-url",
    "x-airbyte-no-pagination",
    "x-airbyte-preferred-for-check",
    "x-airbyte-upload-file-param",
    "x-airbyte-param-sources",
    "x-airbyte-untested",
    "x-airbyte-untested-reason",
    "x-airbyte-ai-hints",
];

/// Builds one operation. `path_params` are the path item's own parameters.
pub(crate) fn build_operation(
    resolver: &Resolver<'_>,
    path: &str,
    method: HttpMethod,
    op: &Node<'_>,
    path_params: &[Parameter],
) -> R<Operation> {
    op.obj()?;
    let entity = op.req_nonempty_str("x-airbyte-entity")?;
    let action_node = op.required("x-airbyte-action")?;
    let action_name = action_node.as_str()?;
    let action = Action::parse(action_name).ok_or_else(|| {
        action_node.error(format!(
            "unknown action `{action_name}`; valid actions are {}",
            Action::ALL.map(Action::as_str).join(", ")
        ))
    })?;

    let file_url = op.opt_str("x-airbyte-file-url")?;
    if let Some(url) = &file_url {
        let at = op.required("x-airbyte-file-url")?;
        if action != Action::Download {
            return Err(at.error(format!(
                "x-airbyte-file-url is only allowed on download operations, not `{action}`"
            )));
        }
        if url.trim().is_empty() {
            return Err(at.error("x-airbyte-file-url must not be empty"));
        }
    }

    let path_override = match op.field("x-airbyte-path-override")? {
        None => None,
        Some(n) => {
            let p = n.req_str("path")?;
            if !p.starts_with('/') {
                return Err(n
                    .required("path")?
                    .error(format!("path override `{p}` must start with `/`")));
            }
            Some(p)
        }
    };

    let mut parameters: Vec<Parameter> = path_params.to_vec();
    if let Some(list) = op.field("parameters")? {
        for item in list.items()? {
            let param = build_parameter(resolver, &item)?;
            match parameters
                .iter_mut()
                .find(|p| p.name == param.name && p.location == param.location)
            {
                Some(existing) => *existing = param,
                None => parameters.push(param),
            }
        }
    }

    let request_body = op
        .field("requestBody")?
        .map(|n| build_request_body(resolver, &n))
        .transpose()?;
    let response = build_responses(resolver, op)?;
    if let Some(body) = &request_body {
        // Probe defaults of body fields are merged into the same parameter
        // map as query/header parameters, so a shared name would leak the
        // probe value into the URL or headers.
        let colliding: Vec<&str> = body
            .probe_defaults
            .keys()
            .map(String::as_str)
            .filter(|name| {
                parameters.iter().any(|p| {
                    p.name == *name
                        && matches!(p.location, ParamLocation::Query | ParamLocation::Header)
                })
            })
            .collect();
        if !colliding.is_empty() {
            return Err(op.required("requestBody")?.error(format!(
                "body fields with x-airbyte-probe-default collide with query/header parameters: {}",
                colliding.join(", ")
            )));
        }
    }

    let meta_extractor = op.str_map("x-airbyte-meta-extractor")?;
    let record_transform = op.str_map("x-airbyte-record-transform")?;

    let mut param_sources = IndexMap::new();
    if let Some(n) = op.field("x-airbyte-param-sources")? {
        for (name, src) in n.entries()? {
            param_sources.insert(
                name.to_string(),
                ParamSource {
                    parent_entity: src.req_str("parent_entity")?,
                    parent_key: src.req_str("parent_key")?,
                },
            );
        }
    }

    let no_pagination = op.opt_str("x-airbyte-no-pagination")?;
    if let Some(reason) = &no_pagination
        && reason.trim().is_empty()
    {
        return Err(op
            .required("x-airbyte-no-pagination")?
            .error("x-airbyte-no-pagination needs a non-empty justification"));
    }

    Ok(Operation {
        entity,
        action,
        declared_action: action_name.to_string(),
        method,
        path: path.to_string(),
        path_override,
        pointer: op.pointer.clone(),
        operation_id: op.opt_str("operationId")?,
        summary: op.opt_str("summary")?,
        description: op.opt_str("description")?,
        parameters,
        request_body,
        response,
        record_extractor: op.opt_str("x-airbyte-record-extractor")?,
        meta_extractor,
        record_transform,
        record_filter: op.opt_str("x-airbyte-record-filter")?,
        file_url,
        no_pagination,
        preferred_for_check: op
            .opt_bool("x-airbyte-preferred-for-check")?
            .unwrap_or(false),
        upload_file_param: op.opt_str("x-airbyte-upload-file-param")?,
        param_sources,
        untested: op.opt_bool("x-airbyte-untested")?.unwrap_or(false),
        untested_reason: op.opt_str("x-airbyte-untested-reason")?,
        security: op
            .field("security")?
            .map(|n| security_list(&n))
            .transpose()?,
        ai_hints: op.field("x-airbyte-ai-hints")?.map(|n| n.value.clone()),
        extensions: op.extensions(OPERATION_TYPED)?,
    })
}

/// Parses a `security` list (`[{scheme: [scopes]}]`).
pub(crate) fn security_list(node: &Node<'_>) -> R<Vec<SecurityRequirement>> {
    node.items()?
        .into_iter()
        .map(|req| {
            req.entries()?
                .into_iter()
                .map(|(name, scopes)| {
                    let scopes = scopes
                        .items()?
                        .into_iter()
                        .map(|s| s.as_str().map(str::to_string))
                        .collect::<R<Vec<_>>>()?;
                    Ok((name.to_string(), scopes))
                })
                .collect::<R<SecurityRequirement>>()
        })
        .collect()
}

/// Builds one parameter (following a `$ref` to `components/parameters`).
pub(crate) fn build_parameter(resolver: &Resolver<'_>, node: &Node<'_>) -> R<Parameter> {
    let node = resolver.deref(node.clone())?;
    let name = node.req_nonempty_str("name")?;
    let in_node = node.required("in")?;
    let location = match in_node.as_str()? {
        "path" => ParamLocation::Path,
        "query" => ParamLocation::Query,
        "header" => ParamLocation::Header,
        "cookie" => ParamLocation::Cookie,
        other => {
            return Err(in_node.error(format!(
                "unknown parameter location `{other}`; expected path, query, header or cookie"
            )));
        }
    };
    let schema = match node.field("schema")? {
        Some(s) => {
            s.obj()?;
            resolver.inline(&s)?
        }
        None => Value::Object(Default::default()),
    };
    let schema_type = schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string);
    let default = schema.get("default").filter(|v| !v.is_null()).cloned();
    let enum_values = match schema.get("enum") {
        None | Some(Value::Null) => None,
        Some(Value::Array(values)) => Some(values.clone()),
        Some(other) => {
            return Err(node.error(format!(
                "`schema.enum` must be an array, found {}",
                type_name(other)
            )));
        }
    };
    let probe_default = schema.get(PROBE_DEFAULT).cloned();
    let style = match node.field("style")? {
        None => None,
        Some(s) => {
            let text = s.as_str()?;
            Some(ParamStyle::parse(text).ok_or_else(|| {
                s.error(format!(
                    "unknown parameter style `{text}`; expected form, simple, matrix, label, spaceDelimited, pipeDelimited or deepObject"
                ))
            })?)
        }
    };
    let config_inject = match node.field("x-airbyte-param-config-inject")? {
        None => None,
        Some(n) => Some(ConfigInject {
            source: n.req_nonempty_str("source")?,
            map: n.value_map("map")?,
        }),
    };
    let declared_required = node.opt_bool("required")?.unwrap_or(false);
    Ok(Parameter {
        required: declared_required || location == ParamLocation::Path,
        name,
        location,
        schema_type,
        default,
        enum_values,
        schema,
        style,
        explode: node.opt_bool("explode")?,
        description: node.opt_str("description")?,
        deprecated: node.opt_bool("deprecated")?.unwrap_or(false),
        allow_empty_value: node.opt_bool("allowEmptyValue")?.unwrap_or(false),
        example: node.field("example")?.map(|n| n.value.clone()),
        config_inject,
        probe_default,
        extensions: node.extensions(&["x-airbyte-param-config-inject"])?,
    })
}

fn build_request_body(resolver: &Resolver<'_>, node: &Node<'_>) -> R<RequestBody> {
    let node = resolver.deref(node.clone())?;
    let mut media_types = IndexMap::new();
    if let Some(content) = node.field("content")? {
        for (mime, media) in content.entries()? {
            let schema = match media.field("schema")? {
                Some(s) => Some(resolver.inline(&s)?),
                None => None,
            };
            media_types.insert(mime.to_string(), schema);
        }
    }
    let content_type = if media_types.contains_key("application/x-www-form-urlencoded") {
        BodyContentType::FormUrlEncoded
    } else if media_types.contains_key("multipart/form-data") {
        BodyContentType::MultipartFormData
    } else if media_types.contains_key("multipart/related") {
        BodyContentType::MultipartRelated
    } else {
        BodyContentType::Json
    };

    let graphql = node
        .field("x-airbyte-body-type")?
        .map(|n| build_graphql(&n))
        .transpose()?;

    let mut body = RequestBody {
        required: node.opt_bool("required")?.unwrap_or(false),
        description: node.opt_str("description")?,
        content_type,
        media_types,
        schema: None,
        fields: Vec::new(),
        required_fields: Vec::new(),
        accepts_any_field: false,
        is_array: false,
        defaults: IndexMap::new(),
        probe_defaults: IndexMap::new(),
        graphql,
        extensions: node.extensions(&["x-airbyte-body-type"])?,
    };
    if body.graphql.is_none()
        && let Some(schema) = body.media_types.values().last().cloned().flatten()
    {
        describe_body_schema(&mut body, &schema);
        body.schema = Some(schema);
    }
    Ok(body)
}

/// Fills the field list, defaults and flags from the body schema (the
/// reference's rules: `additionalProperties: true` without `properties` or
/// an array of untyped items accept any field; arrays use `items`).
fn describe_body_schema(body: &mut RequestBody, schema: &Value) {
    let props_of = |s: &Value| s.get("properties").and_then(Value::as_object).cloned();
    let properties = if schema.get("additionalProperties") == Some(&Value::Bool(true))
        && schema.get("properties").is_none()
    {
        body.accepts_any_field = true;
        None
    } else if schema.get("type").and_then(Value::as_str) == Some("array") {
        body.is_array = true;
        let items = schema
            .get("items")
            .filter(|i| i.get("properties").is_some());
        match items {
            Some(items) => props_of(items),
            None => {
                body.accepts_any_field = true;
                None
            }
        }
    } else {
        props_of(schema)
    };
    let object_schema = if body.is_array {
        schema.get("items")
    } else {
        Some(schema)
    };
    body.required_fields = object_schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    for (name, prop) in properties.into_iter().flatten() {
        if let Some(default) = prop.get("default") {
            body.defaults.insert(name.clone(), default.clone());
        }
        if let Some(probe) = prop.get(PROBE_DEFAULT) {
            body.probe_defaults.insert(name.clone(), probe.clone());
        }
        body.fields.push(name);
    }
}

fn build_graphql(node: &Node<'_>) -> R<GraphqlBody> {
    let kind = node.req_str("type")?;
    if kind != "graphql" {
        return Err(node.required("type")?.error(format!(
            "unsupported x-airbyte-body-type `{kind}`; the only supported type is `graphql`"
        )));
    }
    let variables = match node.field("variables")? {
        None => None,
        Some(v) => Some(v.obj()?.clone()),
    };
    let default_fields = match node.field("default_fields")? {
        None => None,
        Some(n) => Some(match n.value {
            Value::String(s) => DefaultFields::Text(s.clone()),
            Value::Array(_) => DefaultFields::List(
                n.items()?
                    .into_iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<R<_>>()?,
            ),
            other => {
                return Err(n.error(format!(
                    "default_fields must be a string or a list of strings, found {}",
                    type_name(other)
                )));
            }
        }),
    };
    Ok(GraphqlBody {
        query: node.req_nonempty_str("query")?,
        variables,
        operation_name: node.opt_str("operationName")?,
        default_fields,
        nullable_variables: node.str_list("x-airbyte-nullable-variables")?,
    })
}

fn build_responses(resolver: &Resolver<'_>, op: &Node<'_>) -> R<ResponseInfo> {
    let mut info = ResponseInfo::default();
    let Some(responses) = op.field("responses")? else {
        return Ok(info);
    };
    let entries = responses.entries()?;
    info.status_codes = entries.iter().map(|(k, _)| k.to_string()).collect();
    info.no_content = entries.iter().any(|(k, _)| *k == "204");
    for code in ["200", "201"] {
        let Some((_, response)) = entries.iter().find(|(k, _)| *k == code) else {
            continue;
        };
        let response = resolver.deref(response.clone())?;
        if let Some(content) = response.field("content")?
            && let Some(json) = content.field("application/json")?
            && let Some(schema) = json.field("schema")?
        {
            info.schema = Some(resolver.lazy(&schema)?);
        }
        break;
    }
    Ok(info)
}
