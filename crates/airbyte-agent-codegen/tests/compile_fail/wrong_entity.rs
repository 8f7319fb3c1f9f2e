// `demo-shop` has no `orders` entity.
#![allow(dead_code)]
#[path = "../golden/demo_shop.rs"]
mod demo_shop;

async fn run(shop: demo_shop::DemoShop) {
    let _ = shop.orders().list().send().await;
}

fn main() {}
