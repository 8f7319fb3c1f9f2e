//! Our side: the SDK's `LocalExecutor` driven as a [`Subject`].

use std::collections::HashMap;

use crate::observe::Observation;
use crate::run::Session;

/// Runs every case through our `LocalExecutor`; `None` while it is not wired in.
pub async fn run(_session: &Session) -> Option<HashMap<String, Observation>> {
    None
}
