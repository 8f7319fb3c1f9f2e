//! Connectors: create (with credentials), list / look up by definition,
//! get, delete, execute; and the definitions the server can run.

use airbyte_agent_sdk::ExecutionConfig;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{JsonBody, QueryParams, required};
use crate::auth::Caller;
use crate::clock::format_millis;
use crate::db::connectors::{self, ConnectorRow};
use crate::db::{new_id, workspaces as ws_db};
use crate::error::{ApiError, ApiResult};
use crate::runtime;
use crate::state::AppState;

/// The API view of a connector. Credentials are never part of it.
pub(crate) fn connector_json(state: &AppState, c: &ConnectorRow) -> Value {
    let def = state.definitions.get(&c.definition_id);
    json!({
        "id": c.id,
        "name": c.name,
        "workspace_id": c.workspace_id,
        "workspace_name": c.workspace_name,
        "definition_id": c.definition_id,
        "summarized_source_template": {
            "name": def.map(|d| d.display_name.clone()),
            "connector_name": def.map(|d| d.name.clone()),
            "definition_id": c.definition_id,
        },
        "created_at": format_millis(c.created_at),
        "updated_at": format_millis(c.updated_at),
    })
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    workspace_name: Option<String>,
    /// The reference 0.1.47's name for `workspace_name` in listings.
    customer_name: Option<String>,
    definition_id: Option<String>,
}

/// `GET /api/v1/integrations/connectors?workspace_name=W[&definition_id=D]`
/// (or `customer_name=W`).
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<axum::Json<Value>> {
    let workspace = q.workspace_name.or(q.customer_name);
    let org = caller.organization_id;
    let rows = state
        .db
        .call(move |c| connectors::list(c, &org, workspace.as_deref(), q.definition_id.as_deref()))
        .await?;
    Ok(axum::Json(json!({
        "data": rows.iter().map(|r| connector_json(&state, r)).collect::<Vec<_>>()
    })))
}

#[derive(Deserialize)]
pub(crate) struct CreateConnector {
    name: Option<String>,
    definition_id: Option<String>,
    workspace_name: Option<String>,
    customer_name: Option<String>,
    credentials: Option<Map<String, Value>>,
    replication_config: Option<Map<String, Value>>,
    server_side_oauth_secret_id: Option<String>,
    /// Accepted for compatibility; the local server has no source templates.
    #[allow(dead_code)]
    source_template_id: Option<String>,
}

/// `POST /api/v1/integrations/connectors`: checks the credentials fit the
/// definition (no vendor call), seals them and stores the connector.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateConnector>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let definition_id = required("definition_id", body.definition_id.as_deref())?.to_string();
    let workspace_name = required(
        "workspace_name",
        body.workspace_name
            .as_deref()
            .or(body.customer_name.as_deref()),
    )?
    .to_string();
    if body.server_side_oauth_secret_id.is_some() {
        return Err(ApiError::invalid(
            "`server_side_oauth_secret_id` is not used by the local server: \
             POST /api/v1/integrations/connectors/oauth/initiate creates the connector itself \
             after consent; otherwise pass `credentials`",
        ));
    }
    let Some(def) = state.definitions.get(&definition_id).cloned() else {
        return Err(ApiError::invalid(format!(
            "this server has no connector definition {definition_id}; loaded: [{}]. Start it \
             with --definitions DIR holding the definition",
            state.definitions.describe_all().join(", ")
        )));
    };
    let credentials = body.credentials.unwrap_or_default();
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{}-{workspace_name}", def.name));
    let now = state.now_millis();
    let org = caller.organization_id.clone();
    let ws_name = workspace_name.clone();
    let workspace = state
        .db
        .call(move |c| ws_db::ensure(c, &org, &ws_name, now))
        .await?;
    let id = new_id();
    let row = ConnectorRow {
        credentials: Some(runtime::seal_credentials(&state, &id, &credentials)),
        id,
        workspace_id: workspace.id,
        workspace_name,
        name,
        definition_id: def.definition_id.clone(),
        replication_config: body
            .replication_config
            .map(|m| Value::Object(m).to_string()),
        created_at: now,
        updated_at: now,
    };
    // Building the executor checks the credentials against the definition's
    // auth schemes without calling the vendor.
    runtime::executor_for(&state, &row).await?;
    let stored = row.clone();
    state
        .db
        .call(move |c| connectors::insert(c, &stored))
        .await?;
    tracing::info!(connector = %row.id, definition = %row.definition_id, client = %caller.client_id, "created connector");
    Ok((
        StatusCode::CREATED,
        axum::Json(connector_json(&state, &row)),
    ))
}

async fn visible_connector(state: &AppState, caller: &Caller, id: &str) -> ApiResult<ConnectorRow> {
    let (org, id_owned) = (caller.organization_id.clone(), id.to_string());
    state
        .db
        .call(move |c| connectors::get(c, &org, &id_owned))
        .await?
        .ok_or_else(|| ApiError::not_found("connector", id))
}

/// `GET /api/v1/integrations/connectors/{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    let row = visible_connector(&state, &caller, &id).await?;
    Ok(axum::Json(connector_json(&state, &row)))
}

/// `DELETE /api/v1/integrations/connectors/{id}`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (org, id_owned) = (caller.organization_id.clone(), id.clone());
    let deleted = state
        .db
        .call(move |c| connectors::delete(c, &org, &id_owned))
        .await?;
    if !deleted {
        return Err(ApiError::not_found("connector", &id));
    }
    state.forget_executor(&id);
    tracing::info!(connector = %id, "deleted connector");
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(crate) struct ExecuteBody {
    entity: Option<String>,
    action: Option<String>,
    #[serde(default)]
    params: Option<Map<String, Value>>,
}

/// `POST /api/v1/integrations/connectors/{id}/execute` →
/// `{result, connector_metadata}`.
pub(crate) async fn execute(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ExecuteBody>,
) -> ApiResult<axum::Json<Value>> {
    let entity = required("entity", body.entity.as_deref())?.to_string();
    let action = required("action", body.action.as_deref())?.to_string();
    let row = visible_connector(&state, &caller, &id).await?;
    let op = ExecutionConfig::new(entity, action).params(body.params.unwrap_or_default());
    let result = runtime::execute(&state, &row, op).await?;
    Ok(axum::Json(json!({
        "result": result.data,
        "connector_metadata": result.meta,
    })))
}

/// `GET /api/v1/integrations/definitions`: what connectors can be created here.
pub(crate) async fn definitions(
    State(state): State<AppState>,
    _caller: Caller,
) -> axum::Json<Value> {
    let data: Vec<Value> = state
        .definitions
        .all()
        .iter()
        .map(|d| {
            json!({
                "definition_id": d.definition_id,
                "name": d.name,
                "display_name": d.display_name,
                "version": d.version,
                "entities": d.entities.iter().map(|e| json!({
                    "name": e.name,
                    "actions": e.action_names(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    axum::Json(json!({ "data": data }))
}
