//! Test support shared by the workspace's integration tests.
//!
//! - [`RecordingServer`]: an HTTP server bound to 127.0.0.1 that records
//!   every request it receives and answers with whatever a responder closure
//!   says. Tests assert on what went over the wire.
//! - [`faults::FaultServer`]: a raw HTTP/1.1 server on 127.0.0.1 that
//!   resets, stalls, truncates and floods on purpose, for fault-injection
//!   tests.
//! - [`hosted`]: a stand-in for the hosted Airbyte API (token, connector
//!   lookup, execute) to run hosted-mode clients against.
//! - [`reference`]: locating and running the Python reference SDK (the test
//!   oracle) installed by `scripts/setup-reference`.

pub mod faults;
pub mod hosted;
pub mod reference;
mod server;

pub use server::{MockResponse, RecordedRequest, RecordingServer, Responder};
