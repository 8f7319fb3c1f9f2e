//! Unit tests of the loader, `$ref` resolution, lint and describe.

mod cache;
mod errors;
mod lazy;
mod model;
mod refs;

use serde_json::{Value, json};

use super::{ConnectorDefinition, load_str};
use crate::error::Error;

/// A small valid definition used as the base of most tests.
pub(super) fn base() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Test API",
            "version": "1.2.3",
            "x-airbyte-connector-definition-id": "12345678-9ABC-def0-1234-56789abcdef0"
        },
        "servers": [{
            "url": "https://{subdomain}.example.com/api",
            "variables": {"subdomain": {"default": "acme", "enum": ["acme", "other"]}}
        }],
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "User": {
                    "type": "object",
                    "x-airbyte-entity-name": "users",
                    "x-airbyte-stream-name": "users_stream",
                    "properties": {"id": {"type": "string"}}
                }
            }
        },
        "paths": {
            "/users": {
                "get": {
                    "x-airbyte-entity": "users",
                    "x-airbyte-action": "list",
                    "x-airbyte-record-extractor": "$.data",
                    "x-airbyte-meta-extractor": {"next": "$.next", "link": "@link.next"},
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}},
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}}
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}
                },
                "post": {
                    "x-airbyte-entity": "users",
                    "x-airbyte-action": "create",
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["name"],
                            "properties": {"name": {"type": "string"}, "role": {"type": "string", "default": "member"}}
                        }}}
                    },
                    "responses": {"201": {"description": "created"}}
                }
            },
            "/users/{id}": {
                "get": {
                    "x-airbyte-entity": "users",
                    "x-airbyte-action": "get",
                    "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}}
                }
            }
        }
    })
}

pub(super) fn load(doc: &Value) -> Result<ConnectorDefinition, Error> {
    load_str(&doc.to_string())
}

pub(super) fn load_ok(doc: &Value) -> ConnectorDefinition {
    match load(doc) {
        Ok(d) => d,
        Err(e) => panic!("expected the definition to load: {e}"),
    }
}

/// Asserts a definition error at `pointer` whose message contains `needle`.
pub(super) fn assert_definition_error(
    result: Result<ConnectorDefinition, Error>,
    pointer: &str,
    needle: &str,
) {
    match result {
        Err(Error::Definition {
            pointer: p,
            message,
            file,
        }) => {
            assert_eq!(p, pointer, "pointer (message: {message})");
            assert!(
                message.contains(needle),
                "message `{message}` should contain `{needle}`"
            );
            assert!(file.is_none(), "definitions from strings have no file");
        }
        Err(other) => panic!("expected a definition error, got {other:?}"),
        Ok(_) => panic!("expected a definition error at {pointer}, but it loaded"),
    }
}

/// Sets the node at `pointer` (creating nothing: the parent must exist).
pub(super) fn set(doc: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent).expect("parent exists") {
        Value::Object(m) => {
            m.insert(key, value);
        }
        Value::Array(a) => {
            let i: usize = key.parse().expect("index");
            if i == a.len() {
                a.push(value);
            } else {
                a[i] = value;
            }
        }
        _ => panic!("parent is not a container"),
    }
}

/// Removes the node at `pointer`.
pub(super) fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    let key = key.replace("~1", "/").replace("~0", "~");
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .expect("parent object")
        .shift_remove(&key);
}
