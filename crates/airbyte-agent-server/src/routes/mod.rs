//! The HTTP API: the endpoints the hosted clients call, one module per area.

mod ask;
mod automations;
mod connectors;
mod oauth;
mod token;
mod workflows;
mod workspaces;

use axum::Router;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use serde::de::DeserializeOwned;

use crate::auth::Caller;
use crate::db::workspaces::{self as ws_db, WorkspaceRow};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The API router.
pub(crate) fn router(state: AppState) -> Router {
    let connectors = "/api/v1/integrations/connectors";
    let workflows = "/api/v1/internal/workflows";
    Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/api/v1/account/applications/token", post(token::issue))
        .route(
            "/api/v1/workspaces",
            get(workspaces::search).post(workspaces::create),
        )
        .route(
            "/api/v1/workspaces/query/structured",
            post(ask::structured_query),
        )
        .route(connectors, get(connectors::list).post(connectors::create))
        .route(
            &format!("{connectors}/oauth/initiate"),
            post(oauth::initiate),
        )
        .route(
            &format!("{connectors}/{{id}}"),
            get(connectors::get).delete(connectors::delete),
        )
        .route(
            &format!("{connectors}/{{id}}/execute"),
            post(connectors::execute),
        )
        .route(
            "/api/v1/integrations/definitions",
            get(connectors::definitions),
        )
        .route("/api/v1/oauth/credentials", put(oauth::set_app_credentials))
        .route(
            "/api/v1/oauth/credentials/connector_type/{connector_type}",
            axum::routing::delete(oauth::delete_app_credentials),
        )
        .route(oauth::CALLBACK_PATH, get(oauth::callback))
        .route(workflows, get(workflows::list).post(workflows::create))
        .route(
            &format!("{workflows}/{{wf}}"),
            get(workflows::get)
                .patch(workflows::update)
                .delete(workflows::delete),
        )
        .route(
            &format!("{workflows}/{{wf}}/runs"),
            get(workflows::list_runs).post(workflows::run_now),
        )
        .route(
            &format!("{workflows}/{{wf}}/automations"),
            get(automations::list).post(automations::create),
        )
        .route(
            &format!("{workflows}/{{wf}}/automations/{{au}}"),
            get(automations::get)
                .patch(automations::update)
                .delete(automations::delete),
        )
        .fallback(|| async {
            ApiError {
                status: axum::http::StatusCode::NOT_FOUND,
                code: "no_route",
                message: "no such endpoint on this server".into(),
                retry_after: None,
            }
        })
        .with_state(state)
}

/// A JSON body; malformed bodies are answered in the API's error format.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::invalid(format!(
                "invalid request body: {}",
                e.body_text()
            ))),
            Err(e) => Err(ApiError::bad_request(format!(
                "the request body must be JSON: {}",
                e.body_text()
            ))),
        }
    }
}

/// Query parameters, with errors in the API's format.
pub(crate) struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e: QueryRejection| {
                ApiError::invalid(format!("invalid query parameters: {}", e.body_text()))
            })
    }
}

/// The workspace with this id if the caller's organization owns it; any
/// other id (unknown, or another organization's) is refused alike, so ids
/// of other organizations cannot be probed.
pub(crate) async fn accessible_workspace(
    state: &AppState,
    caller: &Caller,
    workspace_id: Option<&str>,
) -> ApiResult<WorkspaceRow> {
    let Some(id) = workspace_id.map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(ApiError::invalid(
            "`workspace_id` is required; find it with GET /api/v1/workspaces?name_contains=NAME",
        ));
    };
    let (org, id_owned) = (caller.organization_id.clone(), id.to_string());
    state
        .db
        .call(move |c| ws_db::get(c, &org, &id_owned))
        .await?
        .ok_or_else(|| {
            ApiError::forbidden(format!(
                "this application has no access to workspace `{id}`"
            ))
        })
}

/// A required, non-blank string field.
pub(crate) fn required<'a>(name: &str, value: Option<&'a str>) -> ApiResult<&'a str> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::invalid(format!("`{name}` is required")))
}
