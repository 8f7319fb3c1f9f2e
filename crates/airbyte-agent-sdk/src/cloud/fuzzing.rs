//! Entry points for the fuzz targets under `fuzz/`, compiled only with
//! `--cfg fuzzing` (which `cargo fuzz` sets): the private wire types of the
//! hosted API are reachable from nowhere else.

use serde::de::DeserializeOwned;
use url::Url;

use super::types::{
    ConsentUrl, CreatedId, DataList, ExecuteResponse, TokenResponse, WireConnector,
};
use super::{AskResult, AutomationInfo, ConnectorInfo, WorkflowInfo, WorkspaceInfo, decode};

/// Decodes `body` as every response the hosted client reads, the way the
/// client does, and renders what came out. Errors are fine; panics are bugs.
pub fn decode_every_response(body: &[u8]) {
    let url = Url::parse("https://api.example.invalid/api/v1/x?secret=1").expect("static URL");
    let parse = |what: &str| -> Option<()> {
        fn one<T: DeserializeOwned>(body: &[u8], url: &Url, what: &str) -> Option<T> {
            match decode::<T>(body, "GET", url, what) {
                Ok(v) => Some(v),
                Err(e) => {
                    let _ = e.to_string();
                    None
                }
            }
        }
        match what {
            "connectors" => {
                let list = one::<DataList<WireConnector>>(body, &url, what)?;
                let infos: Vec<ConnectorInfo> =
                    list.data.into_iter().map(ConnectorInfo::from).collect();
                serde_json::to_string(&infos).ok()?;
            }
            "execute" => {
                let r = one::<ExecuteResponse>(body, &url, what)?;
                let _ = (r.result, r.connector_metadata.filter(|m| !m.is_null()));
            }
            "ask" => {
                let r = one::<AskResult>(body, &url, what)?;
                let _ = r.is_success();
                serde_json::to_string(&r).ok()?;
            }
            "token" => drop(one::<TokenResponse>(body, &url, what)?),
            "created" => drop(one::<CreatedId>(body, &url, what)?),
            "consent" => drop(one::<ConsentUrl>(body, &url, what)?),
            "workspaces" => drop(one::<DataList<WorkspaceInfo>>(body, &url, what)?),
            "workflow" => drop(one::<WorkflowInfo>(body, &url, what)?),
            "workflows" => drop(one::<DataList<WorkflowInfo>>(body, &url, what)?),
            "automation" => drop(one::<AutomationInfo>(body, &url, what)?),
            _ => drop(one::<DataList<AutomationInfo>>(body, &url, what)?),
        }
        Some(())
    };
    for what in [
        "connectors",
        "execute",
        "ask",
        "token",
        "created",
        "consent",
        "workspaces",
        "workflow",
        "workflows",
        "automation",
        "automations",
    ] {
        let _ = parse(what);
    }
}
