//! Runs inside the throwaway crate built by `generated_module_runs.rs`: the
//! generated `demo_shop` module driven through an executor that forwards
//! each operation over HTTP to a loopback recording server.

use std::sync::Arc;

use airbyte_agent_sdk::{
    ByteStream, CheckResult, Error, ErrorKind, ExecutionConfig, ExecutionResult, Executor,
    RecordStream, Result,
};
use airbyte_agent_testkit::{MockResponse, RecordedRequest, RecordingServer};
use codegen_check::demo_shop::{CustomerStatus, CustomersListType, DemoShop};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

/// Sends `ExecutionConfig`s as JSON to `POST /execute` and downloads from
/// `POST /download`: the smallest executor that crosses a real socket.
struct ForwardingExecutor {
    client: reqwest::Client,
    base: String,
}

impl ForwardingExecutor {
    async fn post(&self, path: &str, op: &ExecutionConfig) -> Result<reqwest::Response> {
        self.client
            .post(format!("{}{path}", self.base))
            .json(op)
            .send()
            .await
            .map_err(|e| Error::Decode {
                what: "forwarded request".into(),
                message: e.to_string(),
            })
    }
}

#[async_trait::async_trait]
impl Executor for ForwardingExecutor {
    async fn execute(&self, op: ExecutionConfig) -> Result<ExecutionResult> {
        let response = self.post("/execute", &op).await?;
        response.json().await.map_err(|e| Error::Decode {
            what: "forwarded result".into(),
            message: e.to_string(),
        })
    }

    async fn check(&self) -> Result<CheckResult> {
        Ok(CheckResult::healthy(None, None))
    }

    fn paginate(&self, op: ExecutionConfig) -> RecordStream {
        let this = ForwardingExecutor {
            client: self.client.clone(),
            base: self.base.clone(),
        };
        futures::stream::once(async move { this.execute(op).await })
            .flat_map(|result| {
                let items: Vec<Result<Value>> = match result {
                    Ok(r) => match r.data {
                        Value::Array(items) => items.into_iter().map(Ok).collect(),
                        other => vec![Ok(other)],
                    },
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(items)
            })
            .boxed()
    }

    async fn download(&self, op: ExecutionConfig) -> Result<ByteStream> {
        let response = self.post("/download", &op).await?;
        Ok(response
            .bytes_stream()
            .map(|chunk| {
                chunk.map_err(|e| Error::Decode {
                    what: "download".into(),
                    message: e.to_string(),
                })
            })
            .boxed())
    }
}

fn customer(id: &str, status: &str) -> Value {
    json!({"id": id, "status": status, "email": null, "vendor_added": {"x": 1}, "2fa": true})
}

fn respond(req: &RecordedRequest) -> MockResponse {
    let op = req.json().unwrap_or(Value::Null);
    if req.path == "/download" {
        return MockResponse::text(200, "file-bytes");
    }
    let data = match (op["entity"].as_str(), op["action"].as_str()) {
        (Some("customers"), Some("list")) => {
            json!([customer("c1", "active"), customer("c2", "archived")])
        }
        (Some("customers"), Some("get")) => json!({"status": "active"}),
        (Some("customers"), Some("create")) => customer("c3", "on-hold"),
        _ => Value::Null,
    };
    MockResponse::json(200, json!({"data": data, "meta": {"next": "abc"}}))
}

async fn setup() -> (RecordingServer, DemoShop) {
    let server = RecordingServer::start(respond).await;
    let shop = DemoShop::new(ForwardingExecutor {
        client: reqwest::Client::new(),
        base: server.url(),
    });
    (server, shop)
}

#[tokio::test]
async fn list_sends_typed_params_and_decodes_records() {
    let (server, shop) = setup().await;
    let page = shop
        .customers()
        .list("eu")
        .limit(2)
        .r#type(CustomersListType::Company)
        .send()
        .await
        .unwrap();
    let sent = server.requests()[0].json().unwrap();
    assert_eq!(
        sent,
        json!({"entity": "customers", "action": "list",
               "params": {"region": "eu", "limit": 2, "type": "company"}})
    );
    assert_eq!(page.records.len(), 2);
    assert_eq!(page.records[0].status, CustomerStatus::Active);
    assert_eq!(page.records[0].n2fa, Some(true));
    assert_eq!(page.records[0].email, None);
    // Values and fields the definition does not know survive.
    assert_eq!(page.records[1].status, CustomerStatus::Unknown("archived".into()));
    assert_eq!(page.records[1].extra["vendor_added"], json!({"x": 1}));
    assert_eq!(page.meta, Some(json!({"next": "abc"})));
    // Round trip keeps the original field names.
    let back = serde_json::to_value(&page.records[1]).unwrap();
    assert_eq!(back["status"], "archived");
    assert_eq!(back["2fa"], true);
}

#[tokio::test]
async fn paginate_streams_decoded_records() {
    let (_server, shop) = setup().await;
    let ids: Vec<String> = shop
        .customers()
        .list("us")
        .paginate()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["c1", "c2"]);
}

#[tokio::test]
async fn create_puts_required_and_optional_body_fields_in_params() {
    let (server, shop) = setup().await;
    let created = shop
        .customers()
        .create("a@shop.example")
        .tags(vec!["vip".into()])
        .send_welcome(false)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status, CustomerStatus::OnHold);
    assert_eq!(
        server.requests()[0].json().unwrap()["params"],
        json!({"email": "a@shop.example", "tags": ["vip"], "send-welcome": false})
    );
}

#[tokio::test]
async fn a_record_missing_a_required_field_is_a_decode_error() {
    let (_server, shop) = setup().await;
    let err = shop.customers().get("c9").send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("customers.get"), "{err}");
}

#[tokio::test]
async fn download_streams_bytes() {
    let (server, shop) = setup().await;
    let stream = shop.files().download("f1").send().await.unwrap();
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), b"file-bytes");
    assert_eq!(
        server.requests()[0].json().unwrap()["params"],
        json!({"file_id": "f1"})
    );
}

#[tokio::test]
async fn connector_exposes_its_definition_and_executor() {
    let (_server, shop) = setup().await;
    assert_eq!(DemoShop::NAME, "demo-shop");
    assert_eq!(DemoShop::DEFINITION_VERSION, "2.1.0");
    assert!(shop.check().await.unwrap().healthy);
    let shared = DemoShop::from_arc(Arc::clone(shop.executor()));
    let op = shared.customers().get("c1").into_config().unwrap();
    assert_eq!(op.params["id"], "c1");
}
