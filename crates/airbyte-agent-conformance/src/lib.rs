//! Differential conformance suite for local mode.
//!
//! For every operation of every upstream connector definition shipped with
//! the Python reference (0.1.380), [`cases`] synthesizes parameters (valid
//! and a few invalid variants), auth fields, config values and a canned
//! response from the raw definition. Both executors then run every case
//! against one [`server::CaseServer`] on 127.0.0.1 — the reference through
//! one Python process (`python/run_reference.py`), ours through a
//! [`run::Subject`] — and [`report`] compares what reached the server
//! (method, path, sorted query, headers, body) and the results (data, meta,
//! error kind).
//!
//! Run it with `cargo run -p airbyte-agent-conformance --bin conformance-report`.

pub mod cases;
pub mod definitions;
pub mod equivalence;
pub mod expect;
pub mod observe;
pub mod ours;
pub mod reference;
pub mod report;
pub mod run;
pub mod server;
pub mod spec;
pub mod synth;
