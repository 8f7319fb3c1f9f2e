//! Running connector operations: a [`LocalExecutor`] per connector, built
//! from its definition and its sealed credentials.

use std::sync::Arc;

use airbyte_agent_sdk::definition::{AuthType, ConnectorDefinition};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::http::auth::RefreshedTokens;
use airbyte_agent_sdk::{ExecutionConfig, ExecutionResult, Executor};
use secrecy::ExposeSecret;
use serde_json::{Map, Value};

use crate::db::connectors::{self, ConnectorRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The associated data sealing a connector's credentials.
pub(crate) fn credentials_context(connector_id: &str) -> String {
    format!("connector-credentials:{connector_id}")
}

/// Seals credentials for storage on connector `connector_id`.
pub(crate) fn seal_credentials(
    state: &AppState,
    connector_id: &str,
    credentials: &Map<String, Value>,
) -> Vec<u8> {
    let plain = Value::Object(credentials.clone()).to_string();
    state
        .key
        .seal(plain.as_bytes(), &credentials_context(connector_id))
}

/// Opens a connector's stored credentials (empty when it has none).
pub(crate) fn open_credentials(
    state: &AppState,
    row: &ConnectorRow,
) -> ApiResult<Map<String, Value>> {
    let Some(sealed) = &row.credentials else {
        return Ok(Map::new());
    };
    let plain = state
        .key
        .open(sealed, &credentials_context(&row.id))
        .ok_or_else(|| {
            ApiError::internal(
                "the connector's credentials cannot be decrypted with this server's key",
                format!("connector {}", row.id),
            )
        })?;
    match serde_json::from_slice(&plain) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::internal(
            "the connector's stored credentials are unreadable",
            format!("connector {}", row.id),
        )),
    }
}

/// The definition a connector runs, or why it cannot run.
pub(crate) fn definition_of(
    state: &AppState,
    row: &ConnectorRow,
) -> ApiResult<Arc<ConnectorDefinition>> {
    state
        .definitions
        .get(&row.definition_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "connector `{}` uses definition {}, which this server has not loaded; restart it \
             with --definitions DIR holding that definition",
                row.name, row.definition_id
            ))
        })
}

/// Names of every credential field the definition's auth options accept.
fn auth_field_names(def: &ConnectorDefinition) -> Vec<String> {
    def.auth_options
        .iter()
        .flat_map(|o| o.user_config.properties.keys().cloned())
        .collect()
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The executor of a connector, reused while the connector is unchanged.
pub(crate) async fn executor_for(state: &AppState, row: &ConnectorRow) -> ApiResult<LocalExecutor> {
    if let Some((version, exec)) = state
        .executors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&row.id)
        && *version == row.updated_at
    {
        return Ok(exec.clone());
    }
    let def = definition_of(state, row)?;
    let credentials = open_credentials(state, row)?;
    let auth_fields = auth_field_names(&def);
    let mut builder = LocalExecutor::builder((*def).clone());
    if let Some(config) = row
        .replication_config
        .as_deref()
        .and_then(|t| serde_json::from_str::<Map<String, Value>>(t).ok())
    {
        builder = builder.config_values(config);
    }
    // Credential fields go to auth; anything else (subdomain, region…)
    // fills server variables and injected parameters.
    for (k, v) in &credentials {
        if auth_fields.iter().any(|f| f == k) {
            builder = builder.auth(k.clone(), as_text(v));
        } else {
            builder = builder.config(k.clone(), v.clone());
        }
    }
    if let Some(url) = state.definitions.base_url(&def.definition_id) {
        builder = builder.base_url(url);
    }
    builder = builder.on_token_refresh(persist_refreshed_tokens(state, row, &def));
    let exec = builder.build().map_err(|e| {
        ApiError::invalid(format!(
            "connector `{}` cannot run with its stored credentials: {e}",
            row.name
        ))
    })?;
    state
        .executors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(row.id.clone(), (row.updated_at, exec.clone()));
    Ok(exec)
}

/// Runs one operation of a connector.
pub(crate) async fn execute(
    state: &AppState,
    row: &ConnectorRow,
    op: ExecutionConfig,
) -> ApiResult<ExecutionResult> {
    let exec = executor_for(state, row).await?;
    exec.execute(op).await.map_err(|e| {
        tracing::info!(connector = %row.id, error = %e, "operation failed");
        ApiError::from_execution(&e)
    })
}

/// The credential fields that receive refreshed OAuth tokens: the fields
/// the OAuth2 options map to `access_token` / `refresh_token`.
fn token_fields(def: &ConnectorDefinition) -> (Option<String>, Option<String>) {
    let field_for = |param: &str| {
        def.auth_options
            .iter()
            .filter(|o| o.auth_type == AuthType::OAuth2)
            .find_map(|o| {
                let template = o.user_config.auth_mapping.get(param)?;
                let inner = template.trim().strip_prefix("${")?.strip_suffix('}')?;
                Some(inner.trim().to_string())
            })
            .or_else(|| {
                def.auth_options
                    .iter()
                    .any(|o| o.user_config.properties.contains_key(param))
                    .then(|| param.to_string())
            })
    };
    (field_for("access_token"), field_for("refresh_token"))
}

/// Stores tokens from an OAuth2 refresh in the connector's credentials, so
/// a restart does not fall back to the original (possibly rotated) ones.
fn persist_refreshed_tokens(
    state: &AppState,
    row: &ConnectorRow,
    def: &ConnectorDefinition,
) -> impl Fn(&RefreshedTokens) + Send + Sync + 'static {
    let (access_field, refresh_field) = token_fields(def);
    let state = state.clone();
    let connector_id = row.id.clone();
    let runtime = tokio::runtime::Handle::try_current().ok();
    move |tokens: &RefreshedTokens| {
        let mut updates = Map::new();
        if let Some(f) = &access_field {
            updates.insert(
                f.clone(),
                Value::String(tokens.access_token.expose_secret().to_string()),
            );
        }
        if let (Some(f), Some(t)) = (&refresh_field, &tokens.refresh_token) {
            updates.insert(f.clone(), Value::String(t.expose_secret().to_string()));
        }
        let (Some(rt), false) = (&runtime, updates.is_empty()) else {
            return;
        };
        let state = state.clone();
        let id = connector_id.clone();
        rt.spawn(async move {
            if let Err(e) = store_token_updates(&state, &id, updates).await {
                tracing::warn!(connector = %id, error = %e, "could not store refreshed OAuth tokens");
            }
        });
    }
}

async fn store_token_updates(
    state: &AppState,
    connector_id: &str,
    updates: Map<String, Value>,
) -> ApiResult<()> {
    let id = connector_id.to_string();
    let Some(row) = state.db.call(move |c| connectors::get_any(c, &id)).await? else {
        return Ok(());
    };
    let mut creds = open_credentials(state, &row)?;
    creds.extend(updates);
    let sealed = seal_credentials(state, &row.id, &creds);
    let now = state.now_millis();
    let id = row.id.clone();
    state
        .db
        .call(move |c| connectors::update_credentials(c, &id, &sealed, now))
        .await?;
    // The running executor already holds the new tokens; keep it.
    let mut cache = state.executors.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(entry) = cache.get_mut(&row.id) {
        entry.0 = now;
    }
    Ok(())
}
