//! # airbyte-agent-connectors
//!
//! Typed connectors generated from the definitions under `definitions/`
//! (our own, checked against the upstream ones by the conformance crate's
//! `equivalence-report`).
