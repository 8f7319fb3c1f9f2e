// `type` only takes the definition's enum values (or `Unknown`).
#![allow(dead_code)]
#[path = "../golden/demo_shop.rs"]
mod demo_shop;

use demo_shop::CustomersListType;

async fn run(shop: demo_shop::DemoShop) {
    let _ = shop.customers().list("eu").r#type(CustomersListType::Reseller).send().await;
    let _ = shop.customers().list("eu").r#type("company").send().await;
}

fn main() {}
