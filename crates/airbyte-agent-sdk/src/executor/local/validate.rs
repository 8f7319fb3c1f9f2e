//! Checking an operation without sending it: the same lookups and parameter
//! validation `execute` runs before any I/O, with the request built and
//! thrown away.

use serde_json::{Map, Value};

use super::{LocalExecutor, for_entity};
use crate::definition::ConnectorDefinition;
use crate::error::Result;
use crate::executor::ExecutionConfig;
use crate::local::download::split_download_params;
use crate::local::operation::OperationSpec;
use crate::local::request::{check_header_text, prepare_download, prepare_standard};

impl LocalExecutor {
    /// Checks `config` as [`execute`](crate::Executor::execute) (or, for a
    /// download action, [`download`](crate::Executor::download)) would:
    /// entity and action exist, required parameters are present, values fit
    /// their enums and types, and the request can be built. Sends nothing and
    /// fetches no token.
    ///
    /// Errors are the ones execution would return first, e.g.
    /// [`Error::MissingParameter`](crate::Error::MissingParameter) or
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) with the
    /// allowed values.
    pub fn validate(&self, config: &ExecutionConfig) -> Result<()> {
        let op = self.operation(&config.entity, &config.action)?;
        let params = self.with_scoping(&config.params, false)?;
        check_request(
            op,
            &self.base_url(),
            &params,
            &self.inner.config,
            self.inner.wire.auth_headers(),
        )
    }
}

/// Checks `config` against a definition alone, as
/// [`LocalExecutor::validate`] does but without credentials or config values
/// (for operations executed elsewhere, e.g. by the hosted API). Parameters
/// that the connector's config would fill must be passed explicitly to pass.
pub fn validate_operation(def: &ConnectorDefinition, config: &ExecutionConfig) -> Result<()> {
    let op = OperationSpec::from_definition(def.find_operation(&config.entity, &config.action)?);
    let defaults: Map<String, Value> = def
        .server_variable_defaults()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    check_request(
        &op,
        def.base_url().unwrap_or_default(),
        &config.params,
        &defaults,
        &[],
    )
}

fn check_request(
    op: &OperationSpec,
    base_url: &str,
    params: &Map<String, Value>,
    config: &Map<String, Value>,
    auth_headers: &[String],
) -> Result<()> {
    if op.action == "download" {
        let (_, params) = split_download_params(params).map_err(|e| for_entity(e, op))?;
        prepare_download(op, base_url, &params, config)?;
        return Ok(());
    }
    let req = prepare_standard(op, base_url, params, config)?;
    check_header_text(op, &req.headers, auth_headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::definition::load_str;
    use serde_json::json;

    const DEFINITION: &str = r#"
openapi: 3.1.0
info:
  title: Demo
  version: 1.0.0
  x-airbyte-connector-name: demo
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001
servers:
  - url: http://127.0.0.1:1
paths:
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      parameters:
        - name: status
          in: query
          schema: {type: string, enum: [open, closed]}
      responses:
        "200": {description: ok}
  /items/{id}:
    get:
      x-airbyte-entity: items
      x-airbyte-action: get
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
"#;

    fn check(entity: &str, action: &str, params: Value) -> Result<()> {
        let def = load_str(DEFINITION).expect("definition loads");
        let mut op = ExecutionConfig::new(entity, action);
        if let Value::Object(p) = params {
            op = op.params(p);
        }
        let free = validate_operation(&def, &op);
        let executor = LocalExecutor::builder(def)
            .auth("token", "t")
            .build()
            .expect("executor builds");
        let bound = executor.validate(&op);
        assert_eq!(
            free.as_ref().err().map(|e| e.kind()),
            bound.as_ref().err().map(|e| e.kind())
        );
        bound
    }

    #[test]
    fn valid_calls_pass() {
        check("items", "list", json!({"status": "open"})).expect("valid");
        check("items", "get", json!({"id": "i1"})).expect("valid");
    }

    #[test]
    fn errors_name_what_to_fix() {
        let kind = |r: Result<()>| r.expect_err("invalid").kind();
        assert_eq!(
            kind(check("nope", "list", json!({}))),
            ErrorKind::EntityNotFound
        );
        assert_eq!(
            kind(check("items", "delete", json!({}))),
            ErrorKind::ActionNotSupported
        );
        assert_eq!(
            kind(check("items", "get", json!({}))),
            ErrorKind::MissingParameter
        );
        let err = check("items", "list", json!({"status": "bogus"})).expect_err("bad enum");
        assert_eq!(err.kind(), ErrorKind::InvalidParameter);
        assert!(err.to_string().contains("open"), "{err}");
    }
}
