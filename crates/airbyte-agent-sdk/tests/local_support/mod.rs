//! Shared helpers for the local-executor integration tests: a small
//! hand-written connector definition served by a loopback recording server.

#![allow(dead_code)]

use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_testkit::RecordingServer;

/// Wraps `paths` (YAML, indented for the `paths:` key) into a definition.
pub fn definition(paths: &str) -> ConnectorDefinition {
    definition_with(paths, "")
}

/// Like [`definition`] with extra `info` extensions (YAML indented two spaces).
pub fn definition_with(paths: &str, info_extra: &str) -> ConnectorDefinition {
    let text = format!(
        r#"openapi: 3.1.0
info:
  title: Test Connector
  version: 1.0.0
  x-airbyte-connector-name: test-connector
  x-airbyte-connector-definition-id: 00000000-0000-0000-0000-000000000001
{info_extra}
servers:
  - url: https://{{subdomain}}.example.invalid/api
    variables:
      subdomain:
        default: acme
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      x-airbyte-auth-config:
        type: object
        required: [api_key]
        properties:
          api_key:
            type: string
        auth_mapping:
          token: "${{api_key}}"
security:
  - bearerAuth: []
paths:
{paths}"#
    );
    match definition::load_str(&text) {
        Ok(d) => d,
        Err(e) => panic!("test definition does not load: {e}\n{text}"),
    }
}

/// An executor for `def` pointed at `server`.
pub fn executor(def: ConnectorDefinition, server: &RecordingServer) -> LocalExecutor {
    LocalExecutor::builder(def)
        .auth("api_key", "sk_test_secret")
        .base_url(server.url())
        .build()
        .expect("executor builds")
}
