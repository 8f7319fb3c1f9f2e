//! HTTP routes: Stripe's URL layout, parameters and response envelopes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::entity::{self, Entity};
use crate::error::ApiError;
use crate::search::Query;
use crate::store::{Cursor, ListQuery, Store};
use crate::{SANDBOX_HEADER, SANDBOX_HEADER_VALUE, SandboxConfig, form};

/// Stripe's page size bounds.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

/// List filters whose values are booleans.
const BOOLEAN_FILTERS: &[&str] = &["active", "shippable"];

#[derive(Clone)]
struct AppState {
    store: Arc<Store>,
    api_key: Arc<str>,
    requests: Arc<AtomicU64>,
    summary: Arc<Value>,
}

type ApiResult = Result<axum::Json<Value>, ApiError>;

/// The sandbox's axum application for `config`.
pub(crate) fn router(config: &SandboxConfig) -> Router {
    let state = AppState {
        store: Arc::new(Store::new(config)),
        api_key: Arc::from(config.api_key.as_str()),
        requests: Arc::default(),
        summary: Arc::new(summary(config)),
    };
    Router::new()
        .route("/", get(info))
        .route("/v1/{collection}", get(list).post(create))
        .route("/v1/{collection}/search", get(search))
        .route(
            "/v1/{collection}/{id}",
            get(retrieve).post(update).delete(delete),
        )
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(state.clone(), label))
        .with_state(state)
}

fn summary(config: &SandboxConfig) -> Value {
    let records: Map<String, Value> = Entity::ALL
        .iter()
        .map(|e| (e.path().to_string(), json!(config.records(*e))))
        .collect();
    json!({
        "sandbox": true,
        "vendor": "stripe",
        "description": "Airbyte agent SDK sandbox: a small Stripe-shaped API serving generated \
                        data on this machine. It is not Stripe and holds no real account.",
        "seed": config.seed,
        "records": records,
        "endpoints": [
            "GET /v1/{customers|products|invoices|charges}",
            "GET /v1/{customers|products|invoices|charges}/{id}",
            "GET /v1/{customers|products|invoices|charges}/search?query=...",
            "POST /v1/{customers|products}",
            "POST /v1/{customers|products}/{id}",
            "DELETE /v1/{customers|products}/{id}",
        ],
        "auth": "Authorization: Bearer <sandbox API key>",
    })
}

/// Marks every response as the sandbox's and logs the request.
async fn label(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let n = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        SANDBOX_HEADER,
        HeaderValue::from_static(SANDBOX_HEADER_VALUE),
    );
    if let Ok(id) = HeaderValue::from_str(&format!("req_sandbox_{n:012}")) {
        headers.insert("request-id", id);
    }
    tracing::info!(
        target: "airbyte_agent_sandbox",
        %method,
        %path,
        status = response.status().as_u16(),
        "stripe sandbox request (generated data)"
    );
    response
}

/// Bearer auth with the sandbox key; `GET /` is public.
async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() == "/" {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let Some(given) = given else {
        return ApiError::no_api_key().into_response();
    };
    let token = given
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if token == Some(&*state.api_key) {
        next.run(req).await
    } else {
        ApiError::invalid_api_key().into_response()
    }
}

async fn info(State(state): State<AppState>) -> axum::Json<Value> {
    axum::Json(Value::clone(&state.summary))
}

async fn unrecognized(method: Method, uri: Uri) -> ApiError {
    ApiError::unrecognized(method.as_str(), uri.path())
}

fn entity_for(collection: &str, method: &Method, uri: &Uri) -> Result<Entity, ApiError> {
    Entity::from_path(collection).ok_or_else(|| ApiError::unrecognized(method.as_str(), uri.path()))
}

fn writable_entity(collection: &str, method: &Method, uri: &Uri) -> Result<Entity, ApiError> {
    let entity = entity_for(collection, method, uri)?;
    if entity.writable() {
        Ok(entity)
    } else {
        Err(ApiError::read_only(
            method.as_str(),
            uri.path(),
            entity.path(),
        ))
    }
}

fn query_params(raw: Option<String>) -> Result<Map<String, Value>, ApiError> {
    form::parse(raw.as_deref().unwrap_or_default())
}

fn limit(value: Option<Value>) -> Result<usize, ApiError> {
    let Some(value) = value else {
        return Ok(DEFAULT_LIMIT);
    };
    let n = entity::integer("limit", &value)?;
    usize::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(
                format!("Invalid limit: {n}. It must be between 1 and {MAX_LIMIT}."),
                Some("limit"),
            )
        })
}

fn id_param(params: &mut Map<String, Value>, name: &str) -> Result<Option<String>, ApiError> {
    params
        .remove(name)
        .map(|v| entity::text(name, v))
        .transpose()
}

fn list_query(entity: Entity, mut params: Map<String, Value>) -> Result<ListQuery, ApiError> {
    let limit = limit(params.remove("limit"))?;
    let after = id_param(&mut params, "starting_after")?;
    let before = id_param(&mut params, "ending_before")?;
    let cursor = match (after, before) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "You may only specify one of these parameters: starting_after, ending_before.",
                Some("ending_before"),
            ));
        }
        (Some(id), None) => Cursor::After(id),
        (None, Some(id)) => Cursor::Before(id),
        (None, None) => Cursor::Start,
    };
    let (mut created_min, mut created_max) = (None, None);
    match params.remove("created") {
        None => {}
        Some(Value::Object(bounds)) => {
            for (op, value) in bounds {
                let param = format!("created[{op}]");
                let t = entity::integer(&param, &value)?;
                match op.as_str() {
                    "gt" => created_min = Some(t.saturating_add(1)),
                    "gte" => created_min = Some(t),
                    "lt" => created_max = Some(t.saturating_sub(1)),
                    "lte" => created_max = Some(t),
                    _ => return Err(ApiError::unknown_param(&param)),
                }
            }
        }
        Some(value) => {
            let t = entity::integer("created", &value)?;
            (created_min, created_max) = (Some(t), Some(t));
        }
    }
    let mut filters = Vec::new();
    for (name, value) in params {
        if !entity.list_filters().contains(&name.as_str()) {
            return Err(ApiError::unknown_param(&name));
        }
        let values = match value {
            Value::Array(items) => items
                .into_iter()
                .map(|v| entity::text(&name, v))
                .collect::<Result<Vec<_>, _>>()?,
            v if BOOLEAN_FILTERS.contains(&name.as_str()) => {
                vec![entity::boolean(&name, v)?.to_string()]
            }
            v => vec![entity::text(&name, v)?],
        };
        let field = if name == "ids" {
            "id".to_string()
        } else {
            name
        };
        filters.push((field, values));
    }
    Ok(ListQuery {
        limit,
        cursor,
        filters,
        created_min,
        created_max,
    })
}

async fn list(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let entity = entity_for(&collection, &method, &uri)?;
    let query = list_query(entity, query_params(raw)?)?;
    let page = state.store.list(entity, &query)?;
    Ok(axum::Json(json!({
        "object": "list",
        "data": page.data,
        "has_more": page.has_more,
        "url": format!("/v1/{}", entity.path()),
    })))
}

async fn search(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let entity = entity_for(&collection, &method, &uri)?;
    let mut params = query_params(raw)?;
    let limit = limit(params.remove("limit"))?;
    let page = id_param(&mut params, "page")?;
    let text = id_param(&mut params, "query")?.ok_or_else(|| ApiError::missing_param("query"))?;
    if let Some(name) = params.keys().next() {
        return Err(ApiError::unknown_param(name));
    }
    let query = Query::parse(entity, &text)?;
    let (page, next_page) = state.store.search(entity, &query, limit, page.as_deref())?;
    Ok(axum::Json(json!({
        "object": "search_result",
        "data": page.data,
        "has_more": page.has_more,
        "next_page": next_page,
        "url": format!("/v1/{}/search", entity.path()),
    })))
}

async fn retrieve(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let entity = entity_for(&collection, &method, &uri)?;
    if let Some(name) = query_params(raw)?.keys().next() {
        return Err(ApiError::unknown_param(name));
    }
    Ok(axum::Json(Value::Object(state.store.get(entity, &id)?)))
}

/// Parameters of a write: the query string plus a form-encoded body (as
/// Stripe takes them) or a JSON object body.
fn write_params(
    headers: &HeaderMap,
    raw_query: Option<String>,
    body: &Bytes,
) -> Result<Map<String, Value>, ApiError> {
    let mut params = query_params(raw_query)?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    let from_body = if body.is_empty() {
        Map::new()
    } else if is_json {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(ApiError::invalid(
                    "Invalid request body: send form-encoded parameters (as Stripe takes them) \
                     or a JSON object.",
                    None,
                ));
            }
        }
    } else {
        form::parse(&String::from_utf8_lossy(body))?
    };
    params.extend(from_body);
    Ok(params)
}

async fn create(
    State(state): State<AppState>,
    Path(collection): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    let entity = writable_entity(&collection, &method, &uri)?;
    let params = write_params(&headers, raw, &body)?;
    Ok(axum::Json(Value::Object(
        state.store.create(entity, params)?,
    )))
}

async fn update(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> ApiResult {
    let entity = writable_entity(&collection, &method, &uri)?;
    let params = write_params(&headers, raw, &body)?;
    Ok(axum::Json(Value::Object(
        state.store.update(entity, &id, params)?,
    )))
}

async fn delete(
    State(state): State<AppState>,
    Path((collection, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let entity = writable_entity(&collection, &method, &uri)?;
    if let Some(name) = query_params(raw)?.keys().next() {
        return Err(ApiError::unknown_param(name));
    }
    Ok(axum::Json(state.store.delete(entity, &id)?))
}
