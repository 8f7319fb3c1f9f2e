// `limit` is an integer.
#![allow(dead_code)]
#[path = "../golden/demo_shop.rs"]
mod demo_shop;

async fn run(shop: demo_shop::DemoShop) {
    let _ = shop.customers().list("eu").limit("five").send().await;
}

fn main() {}
