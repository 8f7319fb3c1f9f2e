//! Typed connectors generated from `definitions/*.yaml` by `cargo run -p airbyte-agent-codegen --bin regenerate-connectors`. Do not edit.
