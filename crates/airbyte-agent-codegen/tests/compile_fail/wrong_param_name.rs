// `customers.list` takes `limit`, not `limt`.
#![allow(dead_code)]
#[path = "../golden/demo_shop.rs"]
mod demo_shop;

async fn run(shop: demo_shop::DemoShop) {
    let _ = shop.customers().list("eu").limt(5).send().await;
}

fn main() {}
