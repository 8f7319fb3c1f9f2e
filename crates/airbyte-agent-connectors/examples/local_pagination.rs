//! A typed local-mode call with pagination: every Stripe customer, page
//! after page, straight from Stripe's API with your secret key.
//!
//! ```sh
//! STRIPE_API_KEY=sk_test_… cargo run -p airbyte-agent-connectors --example local_pagination -- [MAX]
//! ```
//!
//! `STRIPE_BASE_URL` sends the requests elsewhere (a proxy, a loopback
//! test server); `tests/examples.rs` runs [`customer_emails`] that way.

use airbyte_agent_connectors::Stripe;
use futures::{StreamExt, TryStreamExt};

#[tokio::main]
async fn main() -> airbyte_agent_sdk::Result<()> {
    let key = std::env::var("STRIPE_API_KEY").map_err(|_| {
        airbyte_agent_sdk::Error::invalid_argument(
            "STRIPE_API_KEY",
            "set it to a Stripe secret key",
        )
    })?;
    let max = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let mut local = Stripe::local_bearer_auth(key);
    if let Ok(url) = std::env::var("STRIPE_BASE_URL") {
        local = local.base_url(url);
    }
    let stripe = local.build()?;
    for line in customer_emails(&stripe, max).await? {
        println!("{line}");
    }
    Ok(())
}

/// `id email` of up to `max` customers, following `has_more` / `starting_after`
/// pages (`limit` per request keeps pages small).
pub async fn customer_emails(
    stripe: &Stripe,
    max: usize,
) -> airbyte_agent_sdk::Result<Vec<String>> {
    stripe
        .customers()
        .list()
        .limit(25)
        .paginate()
        .take(max)
        .map_ok(|c| format!("{} {}", c.id, c.email.unwrap_or_else(|| "-".into())))
        .try_collect()
        .await
}
