//! The paginator follows each pagination style against loopback servers.

mod local_support;

use airbyte_agent_sdk::{ExecutionConfig, Executor, Result};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use futures::StreamExt as _;
use local_support::{definition, executor};
use serde_json::{Value, json};

async fn collect(exec: &impl Executor, op: ExecutionConfig) -> Vec<Value> {
    let results: Vec<Result<Value>> = exec.paginate(op).collect().await;
    results.into_iter().map(|r| r.expect("record")).collect()
}

fn ids(records: &[Value]) -> Vec<i64> {
    records.iter().filter_map(|r| r["id"].as_i64()).collect()
}

/// Three pages of two records; `page_of` says which page a request asks for.
fn three_pages(
    page_of: impl Fn(&RecordedRequest) -> usize + Send + Sync + 'static,
    body: fn(usize, Value) -> Value,
) -> impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static {
    move |r| {
        let page = page_of(r);
        let records = if page < 3 {
            json!([{"id": page * 2 + 1}, {"id": page * 2 + 2}])
        } else {
            json!([])
        };
        MockResponse::json(200, body(page, records))
    }
}

#[tokio::test]
async fn cursor_style() {
    let def = definition(
        r#"
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
      x-airbyte-meta-extractor:
        next_cursor: $.meta.next_cursor
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer}}
"#,
    );
    let server = RecordingServer::start(three_pages(
        |r| {
            r.query_param("cursor")
                .map_or(0, |c| c[1..].parse().unwrap_or(9))
        },
        |page, records| {
            let next = if page < 2 {
                json!(format!("c{}", page + 1))
            } else {
                Value::Null
            };
            json!({"items": records, "meta": {"next_cursor": next}})
        },
    ))
    .await;
    let exec = executor(def, &server);
    let records = collect(
        &exec,
        ExecutionConfig::new("items", "list").param("limit", json!(2)),
    )
    .await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[1].raw_query.as_deref(), Some("limit=2&cursor=c1"));
    assert_eq!(reqs[2].raw_query.as_deref(), Some("limit=2&cursor=c2"));
}

#[tokio::test]
async fn repeated_cursor_stops() {
    let def = definition(
        r#"
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
      x-airbyte-meta-extractor:
        next_cursor: $.next
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
"#,
    );
    let server = RecordingServer::start(|_| {
        MockResponse::json(200, json!({"items": [{"id": 1}], "next": "same"}))
    })
    .await;
    let exec = executor(def, &server);
    let records = collect(&exec, ExecutionConfig::new("items", "list")).await;
    assert_eq!(ids(&records), vec![1, 1]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn link_header_style_same_server() {
    let def = definition(
        r#"
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-meta-extractor:
        next: "@link.next"
      parameters:
        - {name: per_page, in: query, schema: {type: integer}}
        - {name: X-Version, in: header, schema: {type: string, default: v9}}
"#,
    );
    let server = RecordingServer::start(|r| {
        let page: usize = r
            .query_param("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let host = r.header("host").unwrap_or_default().to_string();
        let mut resp = MockResponse::json(200, json!([{"id": page * 2 + 1}, {"id": page * 2 + 2}]));
        if page < 2 {
            resp = resp.header(
                "link",
                &format!(
                    "<http://{host}/items?page={}&per_page=2>; rel=\"next\"",
                    page + 1
                ),
            );
        }
        resp
    })
    .await;
    let exec = executor(def, &server);
    let records = collect(
        &exec,
        ExecutionConfig::new("items", "list").param("per_page", json!(2)),
    )
    .await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[2].raw_query.as_deref(), Some("page=2&per_page=2"));
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some("Bearer sk_test_secret"))
    );
    assert!(reqs.iter().all(|r| r.header("x-version") == Some("v9")));
}

#[tokio::test]
async fn next_url_in_body_style() {
    let def = definition(
        r#"
  /query:
    get:
      x-airbyte-entity: accounts
      x-airbyte-action: list
      x-airbyte-record-extractor: $.records
      x-airbyte-meta-extractor:
        done: $.done
        nextRecordsUrl: $.nextRecordsUrl
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
"#,
    );
    let server = RecordingServer::start(three_pages(
        |r| r.path.strip_prefix("/query/next").map_or(0, |n| n.parse().unwrap_or(9)),
        |page, records| {
            json!({"records": records, "done": page >= 2, "nextRecordsUrl": format!("/query/next{}", page + 1)})
        },
    ))
    .await;
    let exec = executor(def, &server);
    let records = collect(
        &exec,
        ExecutionConfig::new("accounts", "list").param("q", json!("SELECT Id")),
    )
    .await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "done=true stops");
    assert_eq!(reqs[1].path, "/query/next1");
    assert_eq!(reqs[0].raw_query.as_deref(), Some("q=SELECT+Id"));
}

#[tokio::test]
async fn last_id_style() {
    let def = definition(
        r#"
  /v1/customers:
    get:
      x-airbyte-entity: customers
      x-airbyte-action: list
      x-airbyte-record-extractor: $.data
      x-airbyte-meta-extractor:
        has_more: $.has_more
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: starting_after, in: query, schema: {type: string}}
"#,
    );
    let server = RecordingServer::start(three_pages(
        |r| {
            r.query_param("starting_after")
                .map_or(0, |id| id.parse::<usize>().unwrap_or(0) / 2)
        },
        |page, records| json!({"data": records, "has_more": page < 2}),
    ))
    .await;
    let exec = executor(def, &server);
    let records = collect(&exec, ExecutionConfig::new("customers", "list")).await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[1].query_param("starting_after"), Some("2"));
}

#[tokio::test]
async fn page_number_style_stops_on_empty_page() {
    let def = definition(
        r#"
  /forms:
    get:
      x-airbyte-entity: forms
      x-airbyte-action: list
      x-airbyte-record-extractor: $.items
      x-airbyte-meta-extractor:
        page_count: $.page_count
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: page_size, in: query, schema: {type: integer}}
"#,
    );
    let server = RecordingServer::start(three_pages(
        |r| {
            r.query_param("page")
                .map_or(0, |p| p.parse::<usize>().unwrap_or(1) - 1)
        },
        |_, records| json!({"items": records, "page_count": 3}),
    ))
    .await;
    let exec = executor(def, &server);
    let records = collect(&exec, ExecutionConfig::new("forms", "list")).await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    let pages: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.query_param("page").map(str::to_string))
        .collect();
    assert_eq!(
        pages,
        vec![None, Some("2".into()), Some("3".into()), Some("4".into())]
    );
}

#[tokio::test]
async fn offset_style() {
    let def = definition(
        r#"
  /lists:
    get:
      x-airbyte-entity: lists
      x-airbyte-action: list
      x-airbyte-record-extractor: $.lists
      x-airbyte-meta-extractor:
        total_items: $.total_items
      parameters:
        - {name: count, in: query, schema: {type: integer}}
        - {name: offset, in: query, schema: {type: integer}}
"#,
    );
    let server = RecordingServer::start(three_pages(
        |r| {
            r.query_param("offset")
                .map_or(0, |o| o.parse::<usize>().unwrap_or(0) / 2)
        },
        |_, records| json!({"lists": records, "total_items": 6}),
    ))
    .await;
    let exec = executor(def, &server);
    let records = collect(
        &exec,
        ExecutionConfig::new("lists", "list").param("count", json!(2)),
    )
    .await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(server.requests()[2].query_param("offset"), Some("4"));
}

#[tokio::test]
async fn graphql_cursor_style_uses_body_variables() {
    let def = definition(
        r#"
  /graphql:issues:
    post:
      x-airbyte-entity: issues
      x-airbyte-action: list
      x-airbyte-path-override:
        path: /graphql
      x-airbyte-record-extractor: $.data.issues.nodes
      x-airbyte-meta-extractor:
        hasNextPage: $.data.issues.pageInfo.hasNextPage
        endCursor: $.data.issues.pageInfo.endCursor
      requestBody:
        x-airbyte-body-type:
          type: graphql
          query: "query($after: String) { issues(after: $after) { nodes { id } } }"
          variables:
            after: "{{ after }}"
        content:
          application/json:
            schema: {type: object}
"#,
    );
    let server = RecordingServer::start(three_pages(
        |r| {
            r.json()
                .and_then(|b| b["variables"]["after"].as_str().map(|c| c[1..].parse().unwrap_or(9)))
                .unwrap_or(0)
        },
        |page, records| {
            json!({"data": {"issues": {"nodes": records, "pageInfo": {"hasNextPage": page < 2, "endCursor": format!("c{}", page + 1)}}}})
        },
    ))
    .await;
    let exec = executor(def, &server);
    let records = collect(&exec, ExecutionConfig::new("issues", "list")).await;
    assert_eq!(ids(&records), vec![1, 2, 3, 4, 5, 6]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3, "hasNextPage=false stops");
    assert_eq!(reqs[0].json().unwrap()["variables"], json!({}));
    assert_eq!(reqs[2].json().unwrap()["variables"]["after"], "c2");
}

#[tokio::test]
async fn errors_end_the_stream_and_no_pagination_is_one_page() {
    let def = definition(
        r#"
  /items:
    get:
      x-airbyte-entity: items
      x-airbyte-action: list
      x-airbyte-no-pagination: "returns everything at once"
      x-airbyte-meta-extractor:
        next_cursor: $.next
      parameters:
        - {name: cursor, in: query, schema: {type: string}}
  /broken:
    get:
      x-airbyte-entity: broken
      x-airbyte-action: list
"#,
    );
    let server = RecordingServer::start(|r| {
        if r.path == "/broken" {
            MockResponse::json(404, json!({"message": "gone"}))
        } else {
            MockResponse::json(200, json!([{"id": 1}]))
        }
    })
    .await;
    let exec = executor(def, &server);
    let records = collect(&exec, ExecutionConfig::new("items", "list")).await;
    assert_eq!(ids(&records), vec![1]);
    let broken: Vec<Result<Value>> = exec
        .paginate(ExecutionConfig::new("broken", "list"))
        .collect()
        .await;
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].as_ref().unwrap_err().status(), Some(404));
    let unknown: Vec<Result<Value>> = exec
        .paginate(ExecutionConfig::new("nope", "list"))
        .collect()
        .await;
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].is_err());
}
