//! Stripe connector definitions executed by our `LocalExecutor` against the
//! sandbox on 127.0.0.1: the sandbox speaks Stripe as they expect. Every
//! scenario runs with our own definition (embedded in `airbyte-agent-connectors`)
//! and with the upstream one (read from the installed Python reference at
//! test time; skipped when it is not installed).

use airbyte_agent_connectors::Stripe;
use airbyte_agent_sandbox::{Sandbox, SandboxConfig};
use airbyte_agent_sdk::definition::{self, ConnectorDefinition};
use airbyte_agent_sdk::executor::local::LocalExecutor;
use airbyte_agent_sdk::{ErrorKind, ExecutionConfig, Executor};
use airbyte_agent_testkit::reference::{Version, specs_dir};
use futures::TryStreamExt as _;
use serde_json::{Value, json};

/// Our definition and, when the reference is installed, the upstream one.
fn stripe_definitions() -> Vec<(&'static str, ConnectorDefinition)> {
    let mut defs = vec![(
        "ours",
        Stripe::definition().expect("our stripe definition loads"),
    )];
    if let Some(specs) = specs_dir(Version::V0_1_380) {
        let upstream = specs.join("stripe/connector.yaml");
        defs.push((
            "upstream",
            definition::load_path(&upstream).expect("upstream stripe definition loads"),
        ));
    }
    defs
}

fn executor(def: ConnectorDefinition, sandbox: &Sandbox, key: &str) -> LocalExecutor {
    LocalExecutor::builder(def)
        .auth("api_key", key)
        .base_url(sandbox.url())
        .build()
        .expect("executor builds")
}

async fn setup(def: &ConnectorDefinition, config: SandboxConfig) -> (Sandbox, LocalExecutor) {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let key = sandbox.api_key().to_string();
    let exec = executor(def.clone(), &sandbox, &key);
    (sandbox, exec)
}

/// Runs `scenario` with every definition.
async fn with_each_definition<F, Fut>(scenario: F)
where
    F: Fn(ConnectorDefinition) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (label, def) in stripe_definitions() {
        eprintln!("with the {label} definition");
        scenario(def).await;
    }
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn customers_list_returns_a_page_and_has_more() {
    with_each_definition(customers_list_returns_a_page_and_has_more_with).await;
}

async fn customers_list_returns_a_page_and_has_more_with(def: ConnectorDefinition) {
    let (_sandbox, exec) = setup(&def, SandboxConfig::default()).await;
    let result = exec
        .execute(ExecutionConfig::new("customers", "list").param("limit", json!(3)))
        .await
        .expect("list");
    let records = result.data.as_array().expect("records");
    assert_eq!(records.len(), 3);
    assert_eq!(result.meta, Some(json!({"has_more": true})));
    for r in records {
        assert_eq!(r["object"], "customer");
        assert!(r["id"].as_str().unwrap().starts_with("cus_"));
        assert!(r["email"].as_str().unwrap().ends_with("@example.com"));
        assert_eq!(r["livemode"], false);
    }
    let created: Vec<i64> = records
        .iter()
        .map(|r| r["created"].as_i64().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] > w[1]),
        "newest first: {created:?}"
    );
}

#[tokio::test]
async fn paginate_streams_every_customer_once_in_order() {
    with_each_definition(paginate_streams_every_customer_once_in_order_with).await;
}

async fn paginate_streams_every_customer_once_in_order_with(def: ConnectorDefinition) {
    let (_sandbox, exec) = setup(&def, SandboxConfig::default().with_records(0).with_seed(7)).await;
    // An empty sandbox lists nothing.
    let none: Vec<Value> = exec
        .paginate(ExecutionConfig::new("customers", "list"))
        .try_collect()
        .await
        .expect("paginate");
    assert!(none.is_empty());

    let config = SandboxConfig {
        customers: 237,
        ..SandboxConfig::default()
    };
    let (_sandbox, exec) = setup(&def, config).await;
    let all: Vec<Value> = exec
        .paginate(ExecutionConfig::new("customers", "list").param("limit", json!(100)))
        .try_collect()
        .await
        .expect("paginate");
    assert_eq!(all.len(), 237);
    let mut unique = ids(&all);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 237);
    let created: Vec<i64> = all.iter().map(|r| r["created"].as_i64().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] > w[1]));

    // The default page size (10) walks the same records.
    let small: Vec<Value> = exec
        .paginate(ExecutionConfig::new("customers", "list"))
        .try_collect()
        .await
        .expect("paginate");
    assert_eq!(ids(&small), ids(&all));
}

#[tokio::test]
async fn customers_get_create_update_delete_round_trip() {
    with_each_definition(customers_get_create_update_delete_round_trip_with).await;
}

async fn customers_get_create_update_delete_round_trip_with(def: ConnectorDefinition) {
    let (_sandbox, exec) = setup(&def, SandboxConfig::default()).await;
    let first = exec
        .execute(ExecutionConfig::new("customers", "list").param("limit", json!(1)))
        .await
        .expect("list");
    let listed = first.data[0].clone();
    let id = listed["id"].as_str().unwrap().to_string();
    let got = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!(id)))
        .await
        .expect("get");
    assert_eq!(got.data, listed);

    let created = exec
        .execute(
            ExecutionConfig::new("customers", "create")
                .param("email", json!("grace@example.com"))
                .param("name", json!("Grace Hopper"))
                .param("address", json!({"city": "Arlington", "country": "US"}))
                .param("metadata", json!({"team": "compilers"})),
        )
        .await
        .expect("create");
    let new_id = created.data["id"].as_str().expect("id").to_string();
    assert!(new_id.starts_with("cus_"));
    assert_eq!(created.data["email"], "grace@example.com");
    assert_eq!(created.data["address"]["city"], "Arlington");
    assert_eq!(created.data["address"]["line1"], Value::Null);
    assert_eq!(created.data["metadata"], json!({"team": "compilers"}));

    // The new customer is the newest: first in the list.
    let head = exec
        .execute(ExecutionConfig::new("customers", "list").param("limit", json!(2)))
        .await
        .expect("list");
    assert_eq!(head.data[0]["id"], new_id.as_str());
    assert_eq!(head.data[1]["id"], id.as_str());

    let updated = exec
        .execute(
            ExecutionConfig::new("customers", "update")
                .param("id", json!(new_id))
                .param("phone", json!("+1-555-0142"))
                .param("metadata", json!({"team": "", "role": "admiral"})),
        )
        .await
        .expect("update");
    assert_eq!(updated.data["phone"], "+1-555-0142");
    assert_eq!(updated.data["email"], "grace@example.com");
    assert_eq!(updated.data["metadata"], json!({"role": "admiral"}));

    let deleted = exec
        .execute(ExecutionConfig::new("customers", "delete").param("id", json!(new_id)))
        .await
        .expect("delete");
    assert_eq!(
        deleted.data,
        json!({"id": new_id, "object": "customer", "deleted": true})
    );
    let gone = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!(new_id)))
        .await
        .expect_err("deleted customer is gone");
    assert_eq!(gone.status(), Some(404));
    assert!(gone.to_string().contains("No such customer"), "{gone}");
}

#[tokio::test]
async fn search_invoices_charges_and_products_follow_the_definition() {
    with_each_definition(search_invoices_charges_and_products_follow_the_definition_with).await;
}

async fn search_invoices_charges_and_products_follow_the_definition_with(def: ConnectorDefinition) {
    let (_sandbox, exec) = setup(&def, SandboxConfig::default()).await;
    let some = exec
        .execute(ExecutionConfig::new("customers", "list").param("limit", json!(1)))
        .await
        .expect("list");
    let email = some.data[0]["email"].as_str().unwrap().to_string();
    let found = exec
        .execute(
            ExecutionConfig::new("customers", "search")
                .param("query", json!(format!("email:'{email}'"))),
        )
        .await
        .expect("search");
    assert_eq!(found.data.as_array().map(Vec::len), Some(1));
    assert_eq!(found.data[0]["email"], email.as_str());

    let invoices = exec
        .execute(
            ExecutionConfig::new("invoices", "list")
                .param("status", json!("paid"))
                .param("limit", json!(5)),
        )
        .await
        .expect("invoices");
    let invoices = invoices.data.as_array().expect("invoices").clone();
    assert_eq!(invoices.len(), 5);
    assert!(
        invoices
            .iter()
            .all(|i| i["status"] == "paid" && i["amount_paid"] == i["total"])
    );
    let customer = invoices[0]["customer"].as_str().unwrap().to_string();
    let owner = exec
        .execute(ExecutionConfig::new("customers", "get").param("id", json!(customer)))
        .await
        .expect("an invoice's customer exists");
    assert_eq!(owner.data["email"], invoices[0]["customer_email"]);

    let charges: Vec<Value> = exec
        .paginate(ExecutionConfig::new("charges", "list").param("customer", json!(customer)))
        .try_collect()
        .await
        .expect("charges");
    assert!(charges.iter().all(|c| c["customer"] == customer.as_str()));

    let product = exec
        .execute(
            ExecutionConfig::new("products", "create")
                .param("name", json!("Sandbox Sticker"))
                .param("shippable", json!(true)),
        )
        .await
        .expect("product");
    assert_eq!(product.data["shippable"], true);
    let got = exec
        .execute(ExecutionConfig::new("products", "get").param("id", product.data["id"].clone()))
        .await
        .expect("get product");
    assert_eq!(got.data, product.data);
}

#[tokio::test]
async fn wrong_key_is_an_authentication_error_without_the_key() {
    with_each_definition(wrong_key_is_an_authentication_error_without_the_key_with).await;
}

async fn wrong_key_is_an_authentication_error_without_the_key_with(def: ConnectorDefinition) {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("start");
    let exec = executor(def, &sandbox, "sk_live_not_the_sandbox_key");
    let err = exec
        .execute(ExecutionConfig::new("customers", "list"))
        .await
        .expect_err("rejected");
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert_eq!(err.status(), Some(401));
    let text = format!("{err} {err:?}");
    assert!(text.contains("Invalid API Key"), "{text}");
    assert!(!text.contains("sk_live_not_the_sandbox_key"), "{text}");
}

#[tokio::test]
async fn check_uses_the_preferred_operation() {
    with_each_definition(check_uses_the_preferred_operation_with).await;
}

async fn check_uses_the_preferred_operation_with(def: ConnectorDefinition) {
    let (_sandbox, exec) = setup(&def, SandboxConfig::default()).await;
    let check = exec.check().await.expect("check runs");
    assert!(check.healthy, "{check:?}");
}
