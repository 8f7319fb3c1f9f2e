//! The sandbox's wire behaviour, over HTTP on 127.0.0.1: envelopes,
//! cursors, filters, errors, labels and determinism.

use airbyte_agent_sandbox::{DEFAULT_API_KEY, SANDBOX_HEADER, Sandbox, SandboxConfig};
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(sandbox: &Sandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: sandbox.url(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let req = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(DEFAULT_API_KEY);
        let (status, _, body) = self.send(req).await;
        (status, body)
    }

    async fn post(&self, path: &str, form: &str) -> (u16, Value) {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(DEFAULT_API_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_string());
        let (status, _, body) = self.send(req).await;
        (status, body)
    }
}

async fn start(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let client = Client::new(&sandbox);
    (sandbox, client)
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

fn assert_error(status: u16, body: &Value, want_status: u16, param: Option<&str>, needle: &str) {
    assert_eq!(status, want_status, "{body}");
    let error = &body["error"];
    assert_eq!(error["type"], "invalid_request_error", "{body}");
    assert_eq!(error["param"].as_str(), param, "{body}");
    let message = error["message"].as_str().expect("message");
    assert!(message.contains(needle), "{message}");
}

#[tokio::test]
async fn every_response_is_labelled_as_the_sandbox() {
    let (_sandbox, client) = start(SandboxConfig::default()).await;
    let (status, headers, info) = client
        .send(client.http.get(format!("{}/", client.base)))
        .await;
    assert_eq!(status, 200);
    assert_eq!(info["sandbox"], true);
    assert_eq!(info["vendor"], "stripe");
    assert!(info["description"].as_str().unwrap().contains("not Stripe"));
    assert_eq!(info["records"]["customers"], 50);
    assert!(!info.to_string().contains(DEFAULT_API_KEY));
    assert!(headers.contains_key(SANDBOX_HEADER));

    for req in [
        client.http.get(format!("{}/v1/customers", client.base)),
        client
            .http
            .get(format!("{}/v1/customers", client.base))
            .bearer_auth(DEFAULT_API_KEY),
        client
            .http
            .get(format!("{}/v1/nothing", client.base))
            .bearer_auth(DEFAULT_API_KEY),
    ] {
        let (_, headers, _) = client.send(req).await;
        let label = headers[SANDBOX_HEADER].to_str().unwrap();
        assert!(label.contains("sandbox"), "{label}");
        let request_id = headers["request-id"].to_str().unwrap();
        assert!(request_id.starts_with("req_sandbox_"), "{request_id}");
    }
}

#[tokio::test]
async fn bearer_auth_with_the_sandbox_key() {
    let config = SandboxConfig::default().with_api_key("sk_test_custom");
    let (_sandbox, client) = start(config).await;
    let url = format!("{}/v1/customers", client.base);
    let (status, _, body) = client.send(client.http.get(&url)).await;
    assert_error(status, &body, 401, None, "did not provide an API key");
    let (status, _, body) = client
        .send(
            client
                .http
                .get(&url)
                .bearer_auth("sk_live_real_looking_key"),
        )
        .await;
    assert_error(status, &body, 401, None, "Invalid API Key");
    assert!(!body.to_string().contains("sk_live_real_looking_key"));
    let (status, _, _) = client
        .send(client.http.get(&url).basic_auth("sk_test_custom", Some("")))
        .await;
    assert_eq!(status, 401);
    let (status, _, body) = client
        .send(
            client
                .http
                .get(&url)
                .header("authorization", "bearer sk_test_custom"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn lists_use_stripes_envelope_and_cursors() {
    let (_sandbox, client) = start(SandboxConfig::default()).await;
    let (status, first) = client.get("/v1/customers?limit=20").await;
    assert_eq!(status, 200);
    assert_eq!(first["object"], "list");
    assert_eq!(first["url"], "/v1/customers");
    assert_eq!(first["has_more"], true);
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 20);

    let (_, default) = client.get("/v1/customers").await;
    assert_eq!(ids(&default), first_ids[..10]);

    let (_, second) = client
        .get(&format!(
            "/v1/customers?limit=20&starting_after={}",
            first_ids[19]
        ))
        .await;
    let (_, third) = client
        .get(&format!(
            "/v1/customers?limit=20&starting_after={}",
            ids(&second)[19]
        ))
        .await;
    assert_eq!(ids(&third).len(), 10);
    assert_eq!(third["has_more"], false);

    // ending_before walks back: the 20 records just before the second page.
    let (_, back) = client
        .get(&format!(
            "/v1/customers?limit=20&ending_before={}",
            ids(&second)[0]
        ))
        .await;
    assert_eq!(ids(&back), first_ids);
    assert_eq!(back["has_more"], false);
    let (_, back5) = client
        .get(&format!(
            "/v1/customers?limit=5&ending_before={}",
            ids(&second)[0]
        ))
        .await;
    assert_eq!(ids(&back5), first_ids[15..]);
    assert_eq!(back5["has_more"], true);

    // created bounds, inclusive and exclusive.
    let created: Vec<i64> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["created"].as_i64().unwrap())
        .collect();
    let (_, window) = client
        .get(&format!(
            "/v1/customers?limit=100&created[gt]={}&created[lte]={}",
            created[10], created[2]
        ))
        .await;
    assert_eq!(ids(&window), first_ids[2..10]);
    let (_, exact) = client
        .get(&format!("/v1/customers?created={}", created[4]))
        .await;
    assert_eq!(ids(&exact), first_ids[4..5]);
}

#[tokio::test]
async fn list_filters_compare_fields() {
    let (_sandbox, client) = start(SandboxConfig::default()).await;
    let (_, first) = client.get("/v1/customers?limit=1").await;
    let email = first["data"][0]["email"].as_str().unwrap();
    let (_, by_email) = client.get(&format!("/v1/customers?email={email}")).await;
    assert_eq!(ids(&by_email), ids(&first));

    let (_, inactive) = client.get("/v1/products?active=false&limit=100").await;
    assert!(
        inactive["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["active"] == false)
    );
    let (_, products) = client.get("/v1/products?limit=3").await;
    let three = ids(&products);
    let (_, picked) = client
        .get(&format!(
            "/v1/products?ids[]={}&ids[]={}",
            three[0], three[2]
        ))
        .await;
    assert_eq!(ids(&picked), vec![three[0].clone(), three[2].clone()]);
    let (status, body) = client.get("/v1/products?active=maybe").await;
    assert_error(status, &body, 400, Some("active"), "true or false");
}

#[tokio::test]
async fn invalid_requests_get_stripe_errors() {
    let (_sandbox, client) = start(SandboxConfig::default()).await;
    for (query, param, needle) in [
        ("limit=0", "limit", "between 1 and 100"),
        ("limit=101", "limit", "between 1 and 100"),
        ("limit=ten", "limit", "Invalid integer"),
        ("colour=blue", "colour", "unknown parameter"),
        ("created[soon]=1", "created[soon]", "unknown parameter"),
        (
            "starting_after=cus_x&ending_before=cus_y",
            "ending_before",
            "only specify one",
        ),
        (
            "starting_after=cus_nope",
            "starting_after",
            "No such customer",
        ),
    ] {
        let (status, body) = client.get(&format!("/v1/customers?{query}")).await;
        let want = if needle.starts_with("No such") {
            404
        } else {
            400
        };
        assert_error(status, &body, want, Some(param), needle);
    }
    let (status, body) = client.get("/v1/customers/cus_00000000000").await;
    assert_error(
        status,
        &body,
        404,
        Some("id"),
        "No such customer: 'cus_00000000000'",
    );
    assert_eq!(body["error"]["code"], "resource_missing");
    let (status, body) = client.get("/v1/refunds").await;
    assert_error(
        status,
        &body,
        404,
        None,
        "Unrecognized request URL (GET: /v1/refunds)",
    );
    let (status, body) = client.post("/v1/invoices", "customer=cus_x").await;
    assert_error(status, &body, 404, None, "read-only");
    let req = client
        .http
        .put(format!("{}/v1/customers", client.base))
        .bearer_auth(DEFAULT_API_KEY);
    let (status, _, body) = client.send(req).await;
    assert_error(status, &body, 404, None, "Unrecognized request URL (PUT");
    let (status, body) = client.get("/v1/customers/search").await;
    assert_error(
        status,
        &body,
        400,
        Some("query"),
        "Missing required param: query",
    );
}

#[tokio::test]
async fn writes_take_form_bodies_with_brackets_or_json() {
    let (_sandbox, client) = start(SandboxConfig::default()).await;
    let (status, created) = client
        .post(
            "/v1/customers",
            "name=Ada+Lovelace&address[city]=London&address[country]=GB&metadata[plan]=pro",
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["name"], "Ada Lovelace");
    assert_eq!(created["address"]["city"], "London");
    assert_eq!(created["metadata"], json!({"plan": "pro"}));
    let id = created["id"].as_str().unwrap();

    let req = client
        .http
        .post(format!("{}/v1/customers/{id}", client.base))
        .bearer_auth(DEFAULT_API_KEY)
        .json(&json!({"description": "", "address": {"line1": "12 St James's Square"}}));
    let (status, _, updated) = client.send(req).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["address"]["line1"], "12 St James's Square");
    assert_eq!(updated["address"]["city"], "London");

    let (status, body) = client.post("/v1/customers", "nickname=ada").await;
    assert_error(status, &body, 400, Some("nickname"), "unknown parameter");
    let (status, body) = client.post("/v1/customers", "address[planet]=Earth").await;
    assert_error(
        status,
        &body,
        400,
        Some("address[planet]"),
        "unknown parameter",
    );
    let (status, body) = client.post("/v1/products", "active=true").await;
    assert_error(
        status,
        &body,
        400,
        Some("name"),
        "Missing required param: name",
    );
    assert_eq!(body["error"]["code"], "parameter_missing");

    let (status, product) = client
        .post(
            "/v1/products",
            "id=prod_sticker&name=Sticker&package_dimensions[height]=1&package_dimensions[length]=2\
             &package_dimensions[weight]=0.5&package_dimensions[width]=2&marketing_features[0][name]=Shiny",
        )
        .await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["id"], "prod_sticker");
    assert_eq!(product["package_dimensions"]["weight"], 0.5);
    assert_eq!(product["marketing_features"], json!([{"name": "Shiny"}]));
    let (status, body) = client
        .post("/v1/products", "id=prod_sticker&name=Again")
        .await;
    assert_error(status, &body, 400, Some("id"), "already exists");
    let (status, got) = client.get("/v1/products/prod_sticker").await;
    assert_eq!((status, &got), (200, &product));

    let req = client
        .http
        .delete(format!("{}/v1/products/prod_sticker", client.base))
        .bearer_auth(DEFAULT_API_KEY);
    let (status, _, deleted) = client.send(req).await;
    assert_eq!(status, 200);
    assert_eq!(
        deleted,
        json!({"id": "prod_sticker", "object": "product", "deleted": true})
    );
    let (status, _) = client.get("/v1/products/prod_sticker").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn search_pages_by_token_or_number() {
    let (_sandbox, client) = start(SandboxConfig::default()).await;
    let (status, gold) = client
        .get("/v1/customers/search?query=metadata%5B%27tier%27%5D%3A%27gold%27&limit=3")
        .await;
    assert_eq!(status, 200, "{gold}");
    assert_eq!(gold["object"], "search_result");
    assert_eq!(gold["url"], "/v1/customers/search");
    assert_eq!(gold["has_more"], true);
    assert!(
        gold["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["metadata"]["tier"] == "gold")
    );
    let token = gold["next_page"].as_str().expect("next_page");
    let q = "metadata%5B%27tier%27%5D%3A%27gold%27&limit=3";
    let (_, by_token) = client
        .get(&format!("/v1/customers/search?query={q}&page={token}"))
        .await;
    let (_, by_number) = client
        .get(&format!("/v1/customers/search?query={q}&page=2"))
        .await;
    assert_eq!(ids(&by_token), ids(&by_number));
    assert_eq!(ids(&by_token).len(), 3);
    assert!(ids(&gold).iter().all(|id| !ids(&by_token).contains(id)));
    let (status, body) = client
        .get(&format!("/v1/customers/search?query={q}&page=bogus"))
        .await;
    assert_error(status, &body, 400, Some("page"), "next_page");
}

#[tokio::test]
async fn data_is_a_function_of_the_seed() {
    let (_a, a) = start(SandboxConfig::default()).await;
    let (_b, b) = start(SandboxConfig::default()).await;
    let (_c, c) = start(SandboxConfig::default().with_seed(43)).await;
    for path in [
        "/v1/customers?limit=100",
        "/v1/invoices?limit=100",
        "/v1/charges?limit=5",
    ] {
        let (_, pa) = a.get(path).await;
        let (_, pb) = b.get(path).await;
        let (_, pc) = c.get(path).await;
        assert_eq!(pa, pb, "{path}");
        assert_ne!(ids(&pa), ids(&pc), "{path}");
    }
}

#[tokio::test]
async fn a_million_records_are_served_without_being_stored() {
    let config = SandboxConfig::default().with_records(1_000_000);
    let (_sandbox, client) = start(config).await;
    let (_, newest) = client.get("/v1/customers?limit=100").await;
    assert_eq!(ids(&newest).len(), 100);
    assert_eq!(
        newest["data"][0]["description"],
        "Sandbox customer #999999 (generated)"
    );

    // The oldest records, found by their creation time (2024-01-01).
    let (_, oldest) = client
        .get("/v1/customers?limit=3&created[lt]=1704067380")
        .await;
    let oldest_ids = ids(&oldest);
    assert_eq!(oldest_ids.len(), 3);
    assert_eq!(
        oldest["data"][2]["description"],
        "Sandbox customer #0 (generated)"
    );
    assert_eq!(oldest["has_more"], false);
    let (_, after_last) = client
        .get(&format!("/v1/customers?starting_after={}", oldest_ids[2]))
        .await;
    assert_eq!(after_last["data"], json!([]));
    assert_eq!(after_last["has_more"], false);

    // Deep cursors cost no more than shallow ones: any id is a position.
    let (_, mid) = client
        .get(&format!(
            "/v1/customers?limit=100&ending_before={}",
            oldest_ids[0]
        ))
        .await;
    assert_eq!(mid["data"].as_array().unwrap().len(), 100);
    assert_eq!(
        mid["data"][99]["description"],
        "Sandbox customer #3 (generated)"
    );
    assert_eq!(mid["has_more"], true);
    let (_, invoices) = client.get("/v1/invoices?limit=100").await;
    assert_eq!(ids(&invoices).len(), 100);
}
