//! Parts of the wire-conformance test against the reference 0.1.47.

pub mod allowed;
pub mod outputs;
pub mod scenario;
pub mod wire;
