//! A typed call through Airbyte (hosted mode): the most recent Stripe
//! customers of a workspace's Stripe connector.
//!
//! ```sh
//! AIRBYTE_CLIENT_ID=… AIRBYTE_CLIENT_SECRET=… \
//!     cargo run -p airbyte-agent-connectors --example hosted_call -- [WORKSPACE]
//! ```
//!
//! `AIRBYTE_API_URL` points it at another API host (e.g. a loopback test
//! server); `tests/examples.rs` runs [`recent_customers`] that way.

use airbyte_agent_connectors::Stripe;

#[tokio::main]
async fn main() -> airbyte_agent_sdk::Result<()> {
    let workspace = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    // Credentials and API URL come from the environment.
    let stripe = Stripe::connect().workspace(workspace).build().await?;
    for line in recent_customers(&stripe, 5).await? {
        println!("{line}");
    }
    Ok(())
}

/// `id email` of the `limit` most recent customers, one line each.
pub async fn recent_customers(
    stripe: &Stripe,
    limit: i64,
) -> airbyte_agent_sdk::Result<Vec<String>> {
    let page = stripe.customers().list().limit(limit).send().await?;
    Ok(page
        .records
        .iter()
        .map(|c| format!("{} {}", c.id, c.email.as_deref().unwrap_or("-")))
        .collect())
}
