//! `lint`: things in a definition that load fine but deserve a look —
//! unknown extensions, ignored operations, unusable auth schemes, path
//! placeholders without parameters, list operations that cannot paginate,
//! component schemas other Airbyte tooling would refuse.

mod component_schemas;

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::build::{OptionProblem, build_option};
use super::extensions::known_extension;
use super::model::{Action, ConnectorDefinition, MetaSource, Operation, ParamLocation};
use super::node::{child_pointer, escape_token};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something will not work as written.
    Error,
    /// Probably a mistake, or something the engine ignores.
    Warning,
    /// Worth knowing.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LintFinding {
    /// Severity.
    pub severity: Severity,
    /// Stable identifier of the check, e.g. `unknown-extension`.
    pub code: &'static str,
    /// JSON pointer of the node concerned.
    pub pointer: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] {}: {}",
            self.severity,
            self.code,
            if self.pointer.is_empty() {
                "/"
            } else {
                &self.pointer
            },
            self.message
        )
    }
}

/// The findings for one definition.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LintReport {
    /// The connector name.
    pub connector: String,
    /// The file, when loaded from disk.
    pub file: Option<PathBuf>,
    /// Findings, most severe first, then in document order.
    pub findings: Vec<LintFinding>,
}

impl LintReport {
    /// Findings of one severity.
    pub fn with_severity(&self, severity: Severity) -> impl Iterator<Item = &LintFinding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.with_severity(Severity::Error).next().is_some()
    }

    /// Whether there are no errors and no warnings.
    pub fn is_clean(&self) -> bool {
        self.findings.iter().all(|f| f.severity == Severity::Info)
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = self
            .file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| self.connector.clone());
        if self.findings.is_empty() {
            return writeln!(f, "{origin}: no findings");
        }
        for finding in &self.findings {
            writeln!(f, "{origin}: {finding}")?;
        }
        Ok(())
    }
}

/// Checks a loaded definition.
pub fn lint(def: &ConnectorDefinition) -> LintReport {
    let mut findings = Vec::new();
    let mut push = |severity, code, pointer: String, message: String| {
        findings.push(LintFinding {
            severity,
            code,
            pointer,
            message,
        })
    };

    unknown_extensions(&def.document, "", &mut |pointer, name| {
        push(
            Severity::Warning,
            "unknown-extension",
            pointer,
            format!("`{name}` is not an extension this engine knows; it is kept but has no effect"),
        )
    });
    vendor_extensions(def, &mut |pointer, name| {
        push(
            Severity::Info,
            "vendor-extension",
            pointer,
            format!("`{name}` is kept but has no effect"),
        )
    });
    ignored_operations(&def.document, &mut |pointer, message| {
        push(Severity::Warning, "ignored-operation", pointer, message)
    });
    unknown_fields(&def.document, &mut |pointer, field, object| {
        push(
            Severity::Warning,
            "unknown-field",
            pointer,
            format!(
                "`{field}` is not a field of an OpenAPI {object}; it is ignored (extensions need an `x-` prefix)"
            ),
        )
    });

    component_schemas::strictly_typed_fields(&def.document, &mut |pointer, message| {
        push(Severity::Error, "non-portable-schema", pointer, message)
    });

    for entity in &def.entities {
        for shadowed in &entity.shadowed {
            let winner = entity.action(shadowed.action);
            push(
                Severity::Warning,
                "duplicate-action",
                shadowed.pointer.clone(),
                format!(
                    "{}.{} is declared more than once; this declaration ({} {}) is replaced by {}",
                    entity.name,
                    shadowed.action,
                    shadowed.method,
                    shadowed.path,
                    winner
                        .map(|w| format!("{} {}", w.method, w.path))
                        .unwrap_or_default()
                ),
            );
        }
        for op in entity.operations.values() {
            operation_findings(def, op, &mut push);
        }
    }

    let scheme_pointer = |name: &str| format!("/components/securitySchemes/{}", escape_token(name));
    for scheme in &def.security_schemes {
        match build_option(scheme) {
            Ok(_) => {}
            Err(OptionProblem::Unsupported(reason)) => push(
                Severity::Error,
                "unsupported-auth",
                scheme_pointer(&scheme.name),
                format!("{reason}; this scheme cannot be used"),
            ),
            Err(OptionProblem::BadMapping(reason)) => push(
                Severity::Error,
                "bad-auth-mapping",
                scheme_pointer(&scheme.name),
                format!("{reason}; this scheme is skipped"),
            ),
        }
    }
    if def.auth_options.is_empty() {
        push(
            Severity::Error,
            "no-auth",
            "/components/securitySchemes".to_string(),
            "no security scheme is usable, so no request can be authenticated".to_string(),
        );
    }

    if def.servers.is_empty() {
        push(
            Severity::Warning,
            "no-server",
            "/servers".to_string(),
            "no server is declared; callers must always pass a base URL".to_string(),
        );
    }
    for (i, server) in def.servers.iter().enumerate() {
        for var in placeholders(&server.url) {
            if !server.variables.contains_key(var) {
                push(
                    Severity::Warning,
                    "undeclared-server-variable",
                    format!("/servers/{i}/url"),
                    format!("`{{{var}}}` has no entry in `variables`; it must come from config"),
                );
            }
        }
        for (name, var) in &server.variables {
            if let Some(allowed) = &var.enum_values
                && !var.default.is_empty()
                && !allowed.contains(&var.default)
            {
                push(
                    Severity::Warning,
                    "server-variable-default",
                    format!("/servers/{i}/variables/{}", escape_token(name)),
                    format!("default `{}` is not one of its enum values", var.default),
                );
            }
        }
    }
    if def.check_operation().is_none() {
        push(
            Severity::Info,
            "no-check-operation",
            "/paths".to_string(),
            "no operation is marked x-airbyte-preferred-for-check and no list operation runs without parameters, so `check` cannot run".to_string(),
        );
    }

    findings.sort_by_key(|f| f.severity);
    LintReport {
        connector: def.name.clone(),
        file: def.file.clone(),
        findings,
    }
}

fn operation_findings(
    def: &ConnectorDefinition,
    op: &Operation,
    push: &mut impl FnMut(Severity, &'static str, String, String),
) {
    let label = format!("{}.{}", op.entity, op.action);
    let path_params: BTreeSet<&str> = op
        .parameters_in(ParamLocation::Path)
        .map(|p| p.name.as_str())
        .collect();
    let template = placeholders(op.request_path());
    for name in &template {
        let scoped = def.scoping.iter().any(|s| s.param == *name);
        if !path_params.contains(name) && !scoped {
            push(
                Severity::Error,
                "undeclared-path-parameter",
                op.pointer.clone(),
                format!(
                    "{label}: `{{{name}}}` in `{}` has no path parameter and no x-airbyte-scoping entry",
                    op.request_path()
                ),
            );
        }
    }
    let file_url_vars = op.file_url.as_deref().map(placeholders).unwrap_or_default();
    for name in path_params {
        if !template.contains(&name) && !file_url_vars.contains(&name) {
            push(
                Severity::Warning,
                "unused-path-parameter",
                child_pointer(&op.pointer, "parameters"),
                format!(
                    "{label}: path parameter `{name}` does not appear in `{}`",
                    op.request_path()
                ),
            );
        }
    }
    if op.action == Action::List && op.meta_extractor.is_empty() && op.no_pagination.is_none() {
        push(
            Severity::Info,
            "no-pagination-info",
            op.pointer.clone(),
            format!(
                "{label}: no x-airbyte-meta-extractor and no x-airbyte-no-pagination; only the first page can be read"
            ),
        );
    }
    if let Some(path) = &op.record_extractor
        && !path.starts_with('$')
    {
        push(
            Severity::Warning,
            "extractor-syntax",
            child_pointer(&op.pointer, "x-airbyte-record-extractor"),
            format!("{label}: `{path}` is not a JSONPath (it should start with `$`)"),
        );
    }
    for (name, source) in op.meta_sources() {
        let problem = match source {
            MetaSource::JsonPath(p) if !p.starts_with('$') => Some(format!(
                "`{p}` is not a JSONPath (it should start with `$`), `@link.<rel>` or `@header.<name>`"
            )),
            MetaSource::LinkHeader("") | MetaSource::Header("") => {
                Some("names no link relation or header".to_string())
            }
            _ => None,
        };
        if let Some(problem) = problem {
            push(
                Severity::Warning,
                "extractor-syntax",
                child_pointer(
                    &child_pointer(&op.pointer, "x-airbyte-meta-extractor"),
                    name,
                ),
                format!("{label}: meta field `{name}`: {problem}"),
            );
        }
    }
    if let Some(param) = &op.upload_file_param
        && !op.parameters.iter().any(|p| &p.name == param)
        && !op
            .request_body
            .as_ref()
            .is_some_and(|b| b.fields.contains(param) || b.accepts_any_field)
    {
        push(
            Severity::Warning,
            "unknown-upload-param",
            child_pointer(&op.pointer, "x-airbyte-upload-file-param"),
            format!("{label}: upload parameter `{param}` is neither a parameter nor a body field"),
        );
    }
    let schemas = op
        .parameters
        .iter()
        .map(|p| &p.schema)
        .chain(op.request_body.iter().filter_map(|b| b.schema.as_ref()))
        .chain(op.response.schema());
    if schemas.into_iter().any(contains_ref) {
        push(
            Severity::Info,
            "recursive-schema",
            op.pointer.clone(),
            format!(
                "{label}: a schema refers to itself; the recursive part is left as a `$ref` and not validated"
            ),
        );
    }
}

/// `{name}` placeholders of a URL or path template.
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        if end > 0 {
            out.push(&after[..end]);
        }
        rest = &after[end + 1..];
    }
    out
}

fn contains_ref(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("$ref") || m.values().any(contains_ref),
        Value::Array(a) => a.iter().any(contains_ref),
        _ => false,
    }
}

/// Keys whose children are names chosen by the author (property names,
/// header names, example payloads), not extension slots.
const NAME_MAPS: &[&str] = &[
    "properties",
    "example",
    "examples",
    "default",
    "enum",
    "const",
    "additional_headers",
    "auth_mapping",
    "replication_auth_key_mapping",
    "replication_auth_key_constants",
    "variables",
    "map",
];

fn unknown_extensions(v: &Value, pointer: &str, report: &mut impl FnMut(String, &str)) {
    match v {
        Value::Object(map) => {
            for (key, child) in map {
                let child_ptr = child_pointer(pointer, key);
                if key.starts_with("x-airbyte-") && known_extension(key).is_none() {
                    report(child_ptr.clone(), key);
                }
                if NAME_MAPS.contains(&key.as_str()) {
                    // Skip the names, but still look inside property schemas.
                    if key == "properties"
                        && let Value::Object(props) = child
                    {
                        for (name, schema) in props {
                            unknown_extensions(schema, &child_pointer(&child_ptr, name), report);
                        }
                    }
                    continue;
                }
                unknown_extensions(child, &child_ptr, report);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                unknown_extensions(child, &format!("{pointer}/{i}"), report);
            }
        }
        _ => {}
    }
}

/// Non-Airbyte `x-` keys on the nodes the model reads.
fn vendor_extensions(def: &ConnectorDefinition, report: &mut impl FnMut(String, &str)) {
    let mut check = |pointer: &str, ext: &super::model::Extensions| {
        for key in ext.keys().filter(|k| !k.starts_with("x-airbyte-")) {
            report(child_pointer(pointer, key), key);
        }
    };
    check("/info", &def.extensions);
    for (i, server) in def.servers.iter().enumerate() {
        check(&format!("/servers/{i}"), &server.extensions);
    }
    for scheme in &def.security_schemes {
        check(
            &format!("/components/securitySchemes/{}", escape_token(&scheme.name)),
            &scheme.extensions,
        );
    }
    for op in def.declared_operations() {
        check(&op.pointer, &op.extensions);
        for p in &op.parameters {
            check(&child_pointer(&op.pointer, "parameters"), &p.extensions);
        }
        if let Some(body) = &op.request_body {
            check(&child_pointer(&op.pointer, "requestBody"), &body.extensions);
        }
    }
}

/// Operations under methods the engine does not run.
fn ignored_operations(doc: &Value, report: &mut impl FnMut(String, String)) {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in ["head", "options", "trace"] {
            if item.contains_key(method) {
                report(
                    child_pointer(&child_pointer("/paths", path), method),
                    format!(
                        "{} {path} is ignored: only GET, POST, PUT, PATCH and DELETE operations are executed",
                        method.to_uppercase()
                    ),
                );
            }
        }
    }
}

const ROOT_FIELDS: &[&str] = &[
    "openapi",
    "info",
    "servers",
    "paths",
    "components",
    "security",
    "tags",
    "externalDocs",
    "jsonSchemaDialect",
    "webhooks",
];
const INFO_FIELDS: &[&str] = &[
    "title",
    "version",
    "description",
    "summary",
    "termsOfService",
    "contact",
    "license",
];
const SERVER_FIELDS: &[&str] = &["url", "description", "variables"];
const PATH_ITEM_FIELDS: &[&str] = &[
    "$ref",
    "summary",
    "description",
    "servers",
    "parameters",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
];
const OPERATION_FIELDS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
];
const PARAMETER_FIELDS: &[&str] = &[
    "$ref",
    "name",
    "in",
    "description",
    "required",
    "deprecated",
    "allowEmptyValue",
    "schema",
    "style",
    "explode",
    "allowReserved",
    "example",
    "examples",
    "content",
];
const REQUEST_BODY_FIELDS: &[&str] = &["$ref", "description", "content", "required"];
const AUTH_CONFIG_FIELDS: &[&str] = &[
    "title",
    "description",
    "type",
    "required",
    "properties",
    "auth_mapping",
    "additional_headers",
    "replication_auth_key_mapping",
    "replication_auth_key_constants",
];
const TOKEN_REFRESH_FIELDS: &[&str] = &[
    "auth_style",
    "body_format",
    "header",
    "prefix",
    "grant_type",
];
const SCHEME_FIELDS: &[&str] = &[
    "$ref",
    "type",
    "description",
    "name",
    "in",
    "scheme",
    "bearerFormat",
    "flows",
    "openIdConnectUrl",
];

/// Non-extension keys that OpenAPI does not define, on the objects the
/// engine reads (typos such as `paramters` would otherwise go unnoticed).
fn unknown_fields(doc: &Value, report: &mut impl FnMut(String, &str, &str)) {
    let mut check = |value: &Value, pointer: &str, allowed: &[&str], object: &str| {
        if let Some(map) = value.as_object() {
            for key in map.keys() {
                if !key.starts_with("x-") && !allowed.contains(&key.as_str()) {
                    report(child_pointer(pointer, key), key, object);
                }
            }
        }
    };
    check(doc, "", ROOT_FIELDS, "document");
    if let Some(info) = doc.get("info") {
        check(info, "/info", INFO_FIELDS, "info object");
    }
    for (i, server) in doc
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        check(server, &format!("/servers/{i}"), SERVER_FIELDS, "server");
    }
    if let Some(schemes) = doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, scheme) in schemes {
            let ptr = child_pointer("/components/securitySchemes", name);
            check(scheme, &ptr, SCHEME_FIELDS, "security scheme");
            if let Some(config) = scheme.get("x-airbyte-auth-config") {
                let at = child_pointer(&ptr, "x-airbyte-auth-config");
                check(config, &at, AUTH_CONFIG_FIELDS, "x-airbyte-auth-config");
            }
            if let Some(refresh) = scheme.get("x-airbyte-token-refresh") {
                let at = child_pointer(&ptr, "x-airbyte-token-refresh");
                check(
                    refresh,
                    &at,
                    TOKEN_REFRESH_FIELDS,
                    "x-airbyte-token-refresh",
                );
            }
        }
    }
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        let item_ptr = child_pointer("/paths", path);
        check(item, &item_ptr, PATH_ITEM_FIELDS, "path item");
        let Some(item) = item.as_object() else {
            continue;
        };
        let mut param_lists = vec![(
            item.get("parameters"),
            child_pointer(&item_ptr, "parameters"),
        )];
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(op) = item.get(method) else { continue };
            let op_ptr = child_pointer(&item_ptr, method);
            check(op, &op_ptr, OPERATION_FIELDS, "operation");
            param_lists.push((op.get("parameters"), child_pointer(&op_ptr, "parameters")));
            if let Some(body) = op.get("requestBody") {
                check(
                    body,
                    &child_pointer(&op_ptr, "requestBody"),
                    REQUEST_BODY_FIELDS,
                    "request body",
                );
            }
        }
        for (list, ptr) in param_lists {
            for (i, param) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                check(param, &format!("{ptr}/{i}"), PARAMETER_FIELDS, "parameter");
            }
        }
    }
}
