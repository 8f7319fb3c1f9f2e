//! The Python reference SDK 0.1.47, unmodified, against our server: its
//! base-URL override (`SDK_DEV_ADP_API_HOST`) points it at the server on
//! 127.0.0.1, and it runs its whole hosted surface (connect + execute,
//! Workspace connectors, workflows, automations, ask).

mod support;

use std::process::Stdio;

use airbyte_agent_testkit::reference::{Version, python};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_reference_runs_its_hosted_surface_against_the_server() {
    let Some(py) = python(Version::V0_1_47) else {
        return;
    };
    let llm = start_llm().await;
    let h = Harness::start_with(Some(llm_config(&llm)), false).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/reference_047.py");
    let out = tokio::process::Command::new(py)
        .arg(script)
        .env("SDK_DEV_ADP_API_HOST", h.url())
        .env("AIRBYTE_CLIENT_ID", &h.app.client_id)
        .env("AIRBYTE_CLIENT_SECRET", h.app.client_secret.expose_secret())
        .env_remove("AIRBYTE_ORGANIZATION_ID")
        .env("STRIPE_DEFINITION_ID", stripe_definition_id())
        .env("VENDOR_KEY", VENDOR_KEY)
        .env("AIRBYTE_TELEMETRY_MODE", "disabled")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert!(
        r.get("error").is_none(),
        "the reference failed: {}",
        r["error"]
    );

    let id = r["created_id"].as_str().unwrap();
    assert_eq!(r["connect_execute"]["data"], json!(customers()[..2]));
    assert_eq!(r["connect_execute"]["meta"], json!({"has_more": true}));

    let listed = r["list_connectors"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["name"], "py-stripe");
    assert_eq!(listed[0]["connector_type"], "Stripe");
    assert_eq!(
        r["get_connector_execute"],
        json!({"success": true, "data": customers()[3], "meta": null})
    );

    let wf = &r["create_workflow"];
    assert_eq!(wf["name"], "py-workflow");
    assert_eq!(r["list_workflows"][0]["id"], wf["id"]);
    assert_eq!(r["get_workflow"]["workspace_id"], wf["workspace_id"]);
    assert_eq!(r["update_workflow"]["name"], "py-workflow-renamed");

    let au = &r["create_automation"];
    assert_eq!(au["workflow_id"], wf["id"]);
    assert_eq!(au["enabled"], true);
    assert_eq!(au["trigger_type"], "schedule");
    assert_eq!(au["cron_expression"], "15 6 * * 1-5");
    assert_eq!(au["timezone"], "America/New_York");
    assert_eq!(au["completion_webhook_url"], "http://127.0.0.1:9/done");
    assert_eq!(r["list_automations"], json!([au]));
    assert_eq!(r["get_automation"], *au);
    assert_eq!(r["update_automation"]["enabled"], false);
    assert_eq!(r["automations_after_delete"], json!([]));
    assert_eq!(r["workflows_after_delete"], json!([]));

    let ask = &r["ask"];
    assert_eq!(ask["outcome"], "success", "{ask}");
    assert_eq!(
        ask["answer"],
        "The two newest customers are cus_1 and cus_2."
    );
    assert_eq!(ask["results"].as_array().unwrap().len(), 1);
    assert_eq!(ask["results"][0]["source_id"], id);
    assert_eq!(ask["results"][0]["params"], json!({"limit": 2}));
    assert_eq!(ask["results"][0]["status"], "success");

    assert_eq!(r["connectors_after_delete"], json!([]));
}
