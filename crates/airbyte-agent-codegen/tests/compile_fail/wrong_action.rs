// `files` supports `download` only.
#![allow(dead_code)]
#[path = "../golden/demo_shop.rs"]
mod demo_shop;

async fn run(shop: demo_shop::DemoShop) {
    let _ = shop.files().list().send().await;
}

fn main() {}
