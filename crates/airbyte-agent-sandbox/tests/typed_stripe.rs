//! Every record the sandbox generates decodes into the typed Stripe
//! connector's structs (generated from our definition's schemas), so typed
//! code written against the sandbox works against Stripe's shapes.

use airbyte_agent_connectors::Stripe;
use airbyte_agent_sandbox::{Sandbox, SandboxConfig};
use futures::TryStreamExt as _;

#[tokio::test]
async fn generated_records_decode_into_the_typed_stripe_structs() {
    let config = SandboxConfig {
        customers: 130,
        products: 30,
        invoices: 150,
        charges: 160,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let stripe = Stripe::local_bearer_auth(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .expect("typed connector builds");

    let customers: Vec<_> = stripe
        .customers()
        .list()
        .limit(100)
        .paginate()
        .try_collect()
        .await
        .expect("customers");
    assert_eq!(customers.len(), 130);
    assert!(
        customers
            .iter()
            .all(|c| c.email.is_some() && c.address.is_some())
    );

    let products: Vec<_> = stripe
        .products()
        .list()
        .limit(100)
        .paginate()
        .try_collect()
        .await
        .expect("products");
    assert_eq!(products.len(), 30);

    let invoices: Vec<_> = stripe
        .invoices()
        .list()
        .limit(100)
        .paginate()
        .try_collect()
        .await
        .expect("invoices");
    assert_eq!(invoices.len(), 150);

    let charges: Vec<_> = stripe
        .charges()
        .list()
        .limit(100)
        .paginate()
        .try_collect()
        .await
        .expect("charges");
    assert_eq!(charges.len(), 160);

    let customer = stripe
        .customers()
        .get(customers[0].id.clone())
        .send()
        .await
        .expect("typed get");
    assert_eq!(customer.id, customers[0].id);
}
