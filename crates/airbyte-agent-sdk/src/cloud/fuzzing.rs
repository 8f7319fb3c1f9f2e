//! Entry points for the fuzz targets under `fuzz/`, compiled only with
//! `--cfg fuzzing` (which `cargo fuzz` sets): the private wire types of the
//! hosted API are reachable from nowhere else.

use url::Url;

use super::types::{
    ConsentUrl, CreatedId, DataList, ExecuteResponse, TokenResponse, WireConnector,
};
use super::{AskResult, AutomationInfo, ConnectorInfo, WorkflowInfo, WorkspaceInfo, decode};

/// Decodes `body` as every response the hosted client reads, the way the
/// client does, and renders what came out. Errors are fine; panics are bugs.
pub fn decode_every_response(body: &[u8]) {
    let url = Url::parse("https://api.example.invalid/api/v1/x?secret=1").expect("static URL");
    if let Ok(list) =
        decode::<DataList<WireConnector>>(body, "GET", &url, "connectors").map_err(render)
    {
        let infos: Vec<ConnectorInfo> = list.data.into_iter().map(ConnectorInfo::from).collect();
        let _ = serde_json::to_string(&infos);
    }
    if let Ok(r) = decode::<ExecuteResponse>(body, "GET", &url, "execute").map_err(render) {
        let _ = (r.result, r.connector_metadata.filter(|m| !m.is_null()));
    }
    if let Ok(r) = decode::<AskResult>(body, "GET", &url, "ask").map_err(render) {
        let _ = r.is_success();
        let _ = serde_json::to_string(&r);
    }
    let _ = decode::<TokenResponse>(body, "GET", &url, "token").map_err(render);
    let _ = decode::<CreatedId>(body, "GET", &url, "created").map_err(render);
    let _ = decode::<ConsentUrl>(body, "GET", &url, "consent").map_err(render);
    let _ = decode::<DataList<WorkspaceInfo>>(body, "GET", &url, "workspaces").map_err(render);
    let _ = decode::<WorkflowInfo>(body, "GET", &url, "workflow").map_err(render);
    let _ = decode::<DataList<WorkflowInfo>>(body, "GET", &url, "workflows").map_err(render);
    let _ = decode::<AutomationInfo>(body, "GET", &url, "automation").map_err(render);
    let _ = decode::<DataList<AutomationInfo>>(body, "GET", &url, "automations").map_err(render);
}

/// Error messages are rendered too: they quote parts of the body.
fn render(e: crate::Error) {
    let _ = e.to_string();
}
