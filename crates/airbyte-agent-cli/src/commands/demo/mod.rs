//! `airbyte-agent demo`: the hosted API, end to end, on this machine.
//!
//! Starts a local Airbyte server (temporary database) and the built-in
//! Stripe sandbox (generated data, not Stripe), then drives the server with
//! the SDK's hosted client exactly as it would drive api.airbyte.ai: creates
//! a connector, makes typed calls, pages through a list, and runs a
//! scheduled automation. Every connection goes to 127.0.0.1.

mod report;
mod services;

use std::time::{Duration, Instant};

use airbyte_agent_connectors::Stripe;
use airbyte_agent_connectors::stripe::Customer;
use airbyte_agent_sandbox::SandboxConfig;
use airbyte_agent_sdk::cloud::NewAutomation;
use airbyte_agent_sdk::{AirbyteAuthConfig, Error, NewConnector, Result, Workspace};
use airbyte_agent_server::{RunInfo, RunQuery};
use clap::Args;
use futures::TryStreamExt as _;
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value, json};

use report::{Report, Style};
use services::Services;

/// The automation's schedule: weekdays at 09:00 in Paris.
const CRON: &str = "0 9 * * 1-5";
const TIMEZONE: &str = "Europe/Paris";

/// Run an offline demo: a local Airbyte server and a Stripe sandbox on
/// 127.0.0.1, driven by the SDK's hosted client (no account, no network)
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Customers the Stripe sandbox generates
    #[arg(long, value_name = "N", default_value_t = 42,
          value_parser = clap::value_parser!(u64).range(1..))]
    customers: u64,

    /// Seed of the sandbox's generated data
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Records per request in the paginated list (1 to 100)
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(i64).range(1..=100))]
    page_size: i64,
}

impl DemoArgs {
    /// Runs the demo, printing a report on stdout.
    pub async fn run(self) -> Result<Option<Value>> {
        let started = Instant::now();
        let mut report = Report::new(std::io::stdout().lock(), Style::detect());
        report.title(
            "airbyte-agent demo: the hosted API, offline",
            &[
                "A local Airbyte server (temporary database) and a Stripe SANDBOX (generated data,",
                "not Stripe), driven by the SDK's hosted client as it would drive api.airbyte.ai.",
                "Every connection stays on 127.0.0.1; no account or network is needed.",
            ],
        )?;
        let config = SandboxConfig {
            customers: self.customers,
            seed: self.seed,
            ..SandboxConfig::default()
        };
        let mut services = Services::start(config.clone()).await?;
        let outcome = self.steps(&mut report, &mut services, &config).await;
        services.stop().await;
        outcome?;
        report.finish(&format!(
            "Done in {:.1} s. The server and the sandbox are stopped and the temporary database \
             is deleted.",
            started.elapsed().as_secs_f64()
        ))?;
        Ok(None)
    }

    async fn steps<W: std::io::Write>(
        &self,
        report: &mut Report<W>,
        services: &mut Services,
        config: &SandboxConfig,
    ) -> Result<()> {
        report.section("Local services")?;
        report.fields(&[
            (
                "Airbyte server",
                format!(
                    "{}  (database in a temporary directory)",
                    services.server.url()
                ),
            ),
            (
                "Stripe sandbox",
                format!(
                    "{}  (SANDBOX: {} generated customers, seed {}; not Stripe)",
                    services.sandbox.url(),
                    config.customers,
                    config.seed
                ),
            ),
            (
                "application",
                format!(
                    "client id {}  (its secret goes to the SDK, not to this screen)",
                    services.app.client_id
                ),
            ),
        ])?;

        let auth = AirbyteAuthConfig::new()
            .api_url(services.server.url())
            .client_id(services.app.client_id.clone())
            .client_secret(services.app.client_secret.expose_secret())
            .workspace_name("default");
        let workspace = Workspace::builder().auth_config(auth.clone()).build()?;
        let connector_id = create_connector(report, &workspace, services).await?;

        let stripe = Stripe::connect().auth_config(auth).build().await?;
        let created = typed_calls(report, &stripe).await?;
        paginate(report, &stripe, self.page_size, config.customers, &created).await?;
        automation(report, &workspace, services, &connector_id).await
    }
}

async fn create_connector<W: std::io::Write>(
    report: &mut Report<W>,
    workspace: &Workspace,
    services: &Services,
) -> Result<String> {
    report.section("Create a Stripe connector through the hosted API")?;
    let mut credentials = Map::new();
    credentials.insert("api_key".into(), json!(services.sandbox.api_key()));
    let connector_id = workspace
        .create_connector(
            NewConnector::new(Stripe::DEFINITION_ID)
                .name("Stripe (sandbox)")
                .credentials(credentials),
        )
        .await?;
    report.line("workspace.create_connector(NewConnector::new(Stripe::DEFINITION_ID)...)")?;
    report.line("The server encrypts the API key at rest and never returns it.")?;
    let connectors = workspace.list_connectors().await?;
    let rows: Vec<Vec<String>> = connectors
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.name.clone(),
                c.connector_type.clone().unwrap_or_default(),
            ]
        })
        .collect();
    report.table(&["connector id", "name", "type"], &rows)?;
    Ok(connector_id)
}

fn date(created: Option<i64>) -> String {
    created
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn customer_row(c: &Customer) -> Vec<String> {
    vec![
        c.id.clone(),
        c.name.clone().unwrap_or_default(),
        c.email.clone().unwrap_or_default(),
        date(c.created),
    ]
}

const CUSTOMER_COLUMNS: &[&str] = &["id", "name", "email", "created (UTC)"];

/// Typed list, get and create; returns the created customer's id.
async fn typed_calls<W: std::io::Write>(report: &mut Report<W>, stripe: &Stripe) -> Result<String> {
    report.section("Typed calls: the generated Stripe connector")?;
    report.line("let stripe = Stripe::connect().auth_config(auth).build().await?;")?;
    report.line("stripe.customers().list().limit(3).send().await?")?;
    let page = stripe.customers().list().limit(3).send().await?;
    let rows: Vec<Vec<String>> = page.records.iter().map(customer_row).collect();
    report.table(CUSTOMER_COLUMNS, &rows)?;

    let first = page.records.first().ok_or_else(|| Error::Execution {
        message: "the sandbox listed no customers; run the demo with --customers 1 or more".into(),
    })?;
    report.line(&format!(
        "stripe.customers().get(\"{}\").send().await?",
        first.id
    ))?;
    let customer = stripe.customers().get(first.id.clone()).send().await?;
    let address = customer.address.as_ref().map(|a| {
        [a.line1.clone(), a.city.clone(), a.country.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    report.fields(&[
        ("name", customer.name.clone().unwrap_or_default()),
        ("email", customer.email.clone().unwrap_or_default()),
        ("address", address.unwrap_or_default()),
        ("currency", customer.currency.clone().unwrap_or_default()),
        ("livemode", customer.livemode.unwrap_or(false).to_string()),
    ])?;

    report.line("stripe.customers().create().name(\"Ada Lovelace\").email(...).send().await?")?;
    let created = stripe
        .customers()
        .create()
        .name("Ada Lovelace")
        .email("ada.lovelace@example.com")
        .send()
        .await?;
    report.table(CUSTOMER_COLUMNS, &[customer_row(&created)])?;
    Ok(created.id)
}

/// Pages through every customer, then streams them.
async fn paginate<W: std::io::Write>(
    report: &mut Report<W>,
    stripe: &Stripe,
    page_size: i64,
    generated: u64,
    created_id: &str,
) -> Result<()> {
    report.section("Paginated list: every customer, page by page")?;
    report.line(&format!(
        "stripe.customers().list().limit({page_size}).starting_after(last id)  until has_more is false"
    ))?;
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    let mut listed = 0usize;
    loop {
        let mut request = stripe.customers().list().limit(page_size);
        if let Some(id) = &after {
            request = request.starting_after(id.clone());
        }
        let page = request.send().await?;
        let has_more = page
            .meta
            .as_ref()
            .and_then(|m| m.get("has_more"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        listed += page.records.len();
        let (first, last) = match (page.records.first(), page.records.last()) {
            (Some(f), Some(l)) => (f.id.clone(), l.id.clone()),
            _ => (String::new(), String::new()),
        };
        rows.push(vec![
            (rows.len() + 1).to_string(),
            page.records.len().to_string(),
            first,
            last.clone(),
            has_more.to_string(),
        ]);
        if !has_more || last.is_empty() {
            break;
        }
        after = Some(last);
    }
    report.table(
        &["page", "records", "first id", "last id", "has_more"],
        &rows,
    )?;

    let streamed: Vec<Customer> = stripe
        .customers()
        .list()
        .limit(page_size)
        .paginate()
        .try_collect()
        .await?;
    let newest_is_created = streamed.first().is_some_and(|c| c.id == created_id);
    report.fields(&[
        (
            "listed",
            format!(
                "{listed} customers in {} pages ({generated} generated + 1 created)",
                rows.len()
            ),
        ),
        (
            "as a stream",
            format!(
                "stripe.customers().list().paginate() yielded {} customers{}",
                streamed.len(),
                if newest_is_created {
                    ", newest first (Ada Lovelace)"
                } else {
                    ""
                }
            ),
        ),
    ])
}

/// Creates a workflow and a scheduled automation, moves the server's clock
/// to the next run, lets the scheduler run it and shows the recorded run
/// and its completion webhook.
async fn automation<W: std::io::Write>(
    report: &mut Report<W>,
    workspace: &Workspace,
    services: &mut Services,
    connector_id: &str,
) -> Result<()> {
    report.section("Automation: a scheduled workflow")?;
    let task = json!({
        "type": "execute",
        "name": "newest customers",
        "connector": connector_id,
        "entity": "customers",
        "action": "list",
        "params": {"limit": 5},
    });
    let workflow = workspace
        .create_workflow("Newest Stripe customers", Some(vec![task]))
        .await?;
    let settings = NewAutomation::schedule(CRON)
        .timezone(TIMEZONE)
        .completion_webhook_url(services.webhook.url());
    let automation = workspace.create_automation(&workflow.id, &settings).await?;
    let next_run = automation
        .next_run_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok_or_else(|| Error::Execution {
            message: "the server did not say when the automation runs next (next_run_at)".into(),
        })?;
    report.fields(&[
        ("workflow", format!("{}  ({})", workflow.name, workflow.id)),
        (
            "task",
            "execute customers.list {\"limit\": 5} on the Stripe connector".into(),
        ),
        (
            "automation",
            format!("{}  cron \"{CRON}\" in {TIMEZONE}", automation.id),
        ),
        (
            "next run",
            next_run.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        ("webhook", services.webhook.url().to_string()),
    ])?;

    report.line("Moving the server's clock to the next run and letting the scheduler fire...")?;
    services.clock.set(next_run);
    let runs = services.server.run_due_automations().await;
    let run = runs.into_iter().next().ok_or_else(|| Error::Execution {
        message: "the scheduler ran nothing at the automation's next run time".into(),
    })?;
    let hook = services.webhook.next(Duration::from_secs(10)).await;
    let recorded = services
        .server
        .database()
        .list_runs(RunQuery::default().automation(automation.id.clone()))
        .await?;
    report.table(
        &[
            "run id",
            "trigger",
            "status",
            "scheduled for",
            "tasks",
            "webhook",
        ],
        &[run_row(&run)],
    )?;
    let event = hook
        .as_ref()
        .and_then(|h| h.get("event"))
        .and_then(Value::as_str)
        .unwrap_or("nothing received");
    report.fields(&[
        ("recorded runs", recorded.len().to_string()),
        ("webhook body", format!("event \"{event}\" with the run")),
    ])?;
    if run.status != "success" {
        return Err(Error::Execution {
            message: format!(
                "the automation's run failed: {}",
                run.error.unwrap_or_default()
            ),
        });
    }
    Ok(())
}

fn run_row(run: &RunInfo) -> Vec<String> {
    let tasks = run.tasks.as_array().map(Vec::as_slice).unwrap_or_default();
    let summary = tasks
        .iter()
        .map(|t| {
            let records = t
                .get("data")
                .and_then(Value::as_array)
                .map(|d| format!(", {} records", d.len()))
                .unwrap_or_default();
            format!(
                "{}{records}",
                t.get("status").and_then(Value::as_str).unwrap_or("?")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        run.id.clone(),
        run.trigger.clone(),
        run.status.clone(),
        run.scheduled_for.clone().unwrap_or_default(),
        summary,
        run.webhook_status.clone().unwrap_or_default(),
    ]
}
