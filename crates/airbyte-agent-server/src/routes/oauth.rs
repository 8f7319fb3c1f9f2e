//! OAuth: the organization's OAuth app credentials per connector type, and
//! the server-side consent flow that creates a connector.
//!
//! 1. `PUT /api/v1/oauth/credentials` `{connector_type, configuration}`
//!    stores the OAuth app's `client_id` / `client_secret` (sealed).
//! 2. `POST /api/v1/integrations/connectors/oauth/initiate` answers a
//!    `consent_url` at the vendor (the definition's authorization-code
//!    flow), whose `redirect_uri` is this server's callback.
//! 3. The vendor sends the user to `GET /api/v1/oauth/callback?code&state`;
//!    the server exchanges the code at the flow's token URL, creates the
//!    connector with the tokens, and redirects to the caller's
//!    `redirect_url?connector_id=…`.

use std::sync::Arc;

use airbyte_agent_sdk::definition::{ConnectorDefinition, OAuthFlow, SchemeKind};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{JsonBody, QueryParams, required};
use crate::auth::Caller;
use crate::crypto::{random_secret, sha256_hex};
use crate::db::connectors::{self, ConnectorRow};
use crate::db::{new_id, oauth as oauth_db, workspaces as ws_db};
use crate::error::{ApiError, ApiResult};
use crate::runtime;
use crate::state::{AppState, OUTGOING_TIMEOUT};

/// Where vendors send users back after consent.
pub(crate) const CALLBACK_PATH: &str = "/api/v1/oauth/callback";

/// How long a consent link stays usable.
const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;

fn app_credentials_context(organization_id: &str, connector_type: &str) -> String {
    format!("oauth-app:{organization_id}:{connector_type}")
}

fn definition_for_type(
    state: &AppState,
    connector_type: &str,
) -> ApiResult<Arc<ConnectorDefinition>> {
    state
        .definitions
        .by_type(connector_type)
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown connector_type `{connector_type}`; this server has: [{}]",
                state.definitions.describe_all().join(", ")
            ))
        })
}

#[derive(Deserialize)]
pub(crate) struct AppCredentialsBody {
    connector_type: Option<String>,
    configuration: Option<Map<String, Value>>,
}

/// `PUT /api/v1/oauth/credentials`.
pub(crate) async fn set_app_credentials(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<AppCredentialsBody>,
) -> ApiResult<axum::Json<Value>> {
    let def = definition_for_type(
        &state,
        required("connector_type", body.connector_type.as_deref())?,
    )?;
    let configuration = body
        .configuration
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                "`configuration` must hold the OAuth app's client_id and client_secret",
            )
        })?;
    let org = caller.organization_id;
    let sealed = state.key.seal(
        Value::Object(configuration).to_string().as_bytes(),
        &app_credentials_context(&org, &def.name),
    );
    let (now, kind) = (state.now_millis(), def.name.clone());
    state
        .db
        .call(move |c| oauth_db::upsert_app_credentials(c, &org, &kind, &sealed, now))
        .await?;
    Ok(axum::Json(
        json!({"connector_type": def.name, "configured": true}),
    ))
}

/// `DELETE /api/v1/oauth/credentials/connector_type/{type}`: idempotent.
pub(crate) async fn delete_app_credentials(
    State(state): State<AppState>,
    caller: Caller,
    Path(connector_type): Path<String>,
) -> ApiResult<StatusCode> {
    let kind = state
        .definitions
        .by_type(&connector_type)
        .map(|d| d.name.clone())
        .unwrap_or(connector_type);
    let org = caller.organization_id;
    state
        .db
        .call(move |c| oauth_db::delete_app_credentials(c, &org, &kind))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A pending consent flow, stored until the callback.
#[derive(Serialize, Deserialize)]
struct PendingFlow {
    definition_id: String,
    name: Option<String>,
    redirect_url: String,
    replication_config: Option<Map<String, Value>>,
    environment: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
pub(crate) struct InitiateBody {
    workspace_name: Option<String>,
    definition_id: Option<String>,
    redirect_url: Option<String>,
    name: Option<String>,
    replication_config: Option<Map<String, Value>>,
    environment: Option<Map<String, Value>>,
    /// Accepted for compatibility; there are no source templates here.
    #[allow(dead_code)]
    source_template_id: Option<String>,
}

/// The definition's authorization-code flow.
fn authorization_code_flow(def: &ConnectorDefinition) -> Option<&OAuthFlow> {
    def.security_schemes.iter().find_map(|s| match &s.kind {
        SchemeKind::OAuth2 { flows } => flows
            .authorization_code
            .as_ref()
            .filter(|f| f.authorization_url.is_some() && f.token_url.is_some()),
        _ => None,
    })
}

/// `{name}` placeholders of a flow URL filled from the flow's environment.
fn render(template: &str, environment: Option<&Map<String, Value>>) -> String {
    let mut out = template.to_string();
    for (k, v) in environment.into_iter().flatten() {
        let text = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        out = out.replace(&format!("{{{k}}}"), &text);
    }
    out
}

async fn app_credentials(
    state: &AppState,
    org: &str,
    def: &ConnectorDefinition,
) -> ApiResult<Map<String, Value>> {
    let (o, kind) = (org.to_string(), def.name.clone());
    let sealed = state
        .db
        .call(move |c| oauth_db::get_app_credentials(c, &o, &kind))
        .await?
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "no OAuth app credentials for `{}`: set them first with PUT /api/v1/oauth/credentials \
                 {{\"connector_type\": \"{}\", \"configuration\": {{\"client_id\": ..., \"client_secret\": ...}}}}",
                def.name, def.name
            ))
        })?;
    let plain = state
        .key
        .open(&sealed, &app_credentials_context(org, &def.name))
        .ok_or_else(|| {
            ApiError::internal("the OAuth app credentials cannot be decrypted", &def.name)
        })?;
    match serde_json::from_slice(&plain) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::internal(
            "the stored OAuth app credentials are unreadable",
            &def.name,
        )),
    }
}

/// `POST /api/v1/integrations/connectors/oauth/initiate` → `{consent_url}`.
pub(crate) async fn initiate(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<InitiateBody>,
) -> ApiResult<axum::Json<Value>> {
    let workspace_name = required("workspace_name", body.workspace_name.as_deref())?.to_string();
    let definition_id = required("definition_id", body.definition_id.as_deref())?;
    let redirect_url = required("redirect_url", body.redirect_url.as_deref())?.to_string();
    if !url::Url::parse(&redirect_url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
        return Err(ApiError::invalid(format!(
            "`redirect_url` must be an http(s) URL, got `{redirect_url}`"
        )));
    }
    let def = state
        .definitions
        .get(definition_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "this server has no connector definition {definition_id}"
            ))
        })?;
    let flow = authorization_code_flow(&def).ok_or_else(|| {
        ApiError::invalid(format!(
            "connector `{}` has no OAuth authorization-code flow; create it with `credentials`",
            def.name
        ))
    })?;
    let app = app_credentials(&state, &caller.organization_id, &def).await?;
    let client_id = app
        .get("client_id")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "the OAuth app credentials of `{}` have no client_id",
                def.name
            ))
        })?;
    let authorize = render(
        flow.authorization_url.as_deref().unwrap_or_default(),
        body.environment.as_ref(),
    );
    let mut consent = url::Url::parse(&authorize).map_err(|e| {
        ApiError::invalid(format!("the authorization URL `{authorize}` is not valid: {e}; pass `environment` values for its placeholders"))
    })?;
    let state_token = random_secret("oas_");
    {
        let mut q = consent.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair(
                "redirect_uri",
                &format!("{}{CALLBACK_PATH}", state.public_url()),
            )
            .append_pair("state", &state_token);
        if !flow.scopes.is_empty() {
            q.append_pair(
                "scope",
                &flow.scopes.keys().cloned().collect::<Vec<_>>().join(" "),
            );
        }
    }
    let now = state.now_millis();
    let (org, ws_name) = (caller.organization_id.clone(), workspace_name);
    let workspace = state
        .db
        .call(move |c| ws_db::ensure(c, &org, &ws_name, now))
        .await?;
    let pending = PendingFlow {
        definition_id: def.definition_id.clone(),
        name: body.name,
        redirect_url,
        replication_config: body.replication_config,
        environment: body.environment,
    };
    let request = serde_json::to_string(&pending)
        .map_err(|e| ApiError::internal("could not store the flow", e))?;
    let hash = sha256_hex(&state_token);
    state
        .db
        .call(move |c| {
            oauth_db::insert_flow(c, &hash, &workspace.id, &request, now + FLOW_LIFETIME_MS)
        })
        .await?;
    Ok(axum::Json(json!({"consent_url": consent.to_string()})))
}

#[derive(Deserialize)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /api/v1/oauth/callback`: the vendor's redirect after consent. The
/// `state` (single use, 10 minutes) authenticates it.
pub(crate) async fn callback(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<CallbackQuery>,
) -> ApiResult<Response> {
    let token = required("state", q.state.as_deref())?;
    let (hash, now) = (sha256_hex(token), state.now_millis());
    let (workspace_id, request) = state
        .db
        .call(move |c| oauth_db::take_flow(c, &hash, now))
        .await?
        .ok_or_else(|| {
            ApiError::bad_request("unknown or expired OAuth state; start the flow again")
        })?;
    let flow: PendingFlow = serde_json::from_str(&request)
        .map_err(|e| ApiError::internal("unreadable OAuth flow", e))?;
    let redirect = url::Url::parse(&flow.redirect_url)
        .map_err(|e| ApiError::internal("the flow's redirect URL is invalid", e))?;
    let back = |params: &[(&str, &str)]| -> Response {
        let mut url = redirect.clone();
        url.query_pairs_mut().extend_pairs(params);
        Redirect::to(url.as_str()).into_response()
    };
    if let Some(err) = q.error {
        return Ok(back(&[("error", &err)]));
    }
    let code = required("code", q.code.as_deref())?;
    match finish_flow(&state, &workspace_id, &flow, code).await {
        Ok(connector_id) => Ok(back(&[("connector_id", &connector_id)])),
        Err(e) => {
            tracing::warn!(error = %e.message, "OAuth flow failed");
            Ok(back(&[
                ("error", "oauth_failed"),
                ("error_description", &e.message),
            ]))
        }
    }
}

/// Exchanges the code and creates the connector; returns its id.
async fn finish_flow(
    state: &AppState,
    workspace_id: &str,
    flow: &PendingFlow,
    code: &str,
) -> ApiResult<String> {
    let ws = workspace_id.to_string();
    let workspace = state
        .db
        .call(move |c| ws_db::get_by_id(c, &ws))
        .await?
        .ok_or_else(|| ApiError::invalid("the workspace of this OAuth flow no longer exists"))?;
    let def = state
        .definitions
        .get(&flow.definition_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid("the connector definition of this flow is no longer loaded")
        })?;
    let oauth = authorization_code_flow(&def).ok_or_else(|| {
        ApiError::invalid("the definition no longer has an authorization-code flow")
    })?;
    let mut credentials = app_credentials(state, &workspace.organization_id, &def).await?;
    let token_url = render(
        oauth.token_url.as_deref().unwrap_or_default(),
        flow.environment.as_ref(),
    );
    let mut form: Vec<(String, String)> = vec![
        ("grant_type".into(), "authorization_code".into()),
        ("code".into(), code.into()),
        (
            "redirect_uri".into(),
            format!("{}{CALLBACK_PATH}", state.public_url()),
        ),
    ];
    for key in ["client_id", "client_secret"] {
        if let Some(v) = credentials.get(key).and_then(Value::as_str) {
            form.push((key.into(), v.into()));
        }
    }
    let resp = state
        .http
        .post(&token_url)
        .timeout(OUTGOING_TIMEOUT)
        .form(&form)
        .send()
        .await
        .map_err(|e| {
            ApiError::upstream(format!("the token exchange failed: {}", e.without_url()))
        })?;
    let status = resp.status();
    let tokens: Value = resp.json().await.unwrap_or(Value::Null);
    let access = tokens.get("access_token").and_then(Value::as_str);
    let Some(access) = access.filter(|_| status.is_success()) else {
        return Err(ApiError::upstream(format!(
            "the vendor's token endpoint answered HTTP {} without an access_token",
            status.as_u16()
        )));
    };
    credentials.insert("access_token".into(), json!(access));
    if let Some(refresh) = tokens.get("refresh_token").and_then(Value::as_str) {
        credentials.insert("refresh_token".into(), json!(refresh));
    }
    if let Some(env) = &flow.environment {
        for (k, v) in env {
            credentials.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let now = state.now_millis();
    let id = new_id();
    let row = ConnectorRow {
        credentials: Some(runtime::seal_credentials(state, &id, &credentials)),
        id,
        workspace_id: workspace.id,
        workspace_name: workspace.name.clone(),
        name: flow
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-{}", def.name, workspace.name)),
        definition_id: def.definition_id.clone(),
        replication_config: flow
            .replication_config
            .clone()
            .map(|m| Value::Object(m).to_string()),
        created_at: now,
        updated_at: now,
    };
    runtime::executor_for(state, &row).await?;
    let stored = row.clone();
    state
        .db
        .call(move |c| connectors::insert(c, &stored))
        .await?;
    tracing::info!(connector = %row.id, "created connector from an OAuth flow");
    Ok(row.id)
}
