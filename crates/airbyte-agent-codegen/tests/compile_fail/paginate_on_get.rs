// Only list actions paginate; a record's field has its declared type.
#![allow(dead_code)]
#[path = "../golden/demo_shop.rs"]
mod demo_shop;

async fn run(shop: demo_shop::DemoShop) {
    let _ = shop.customers().get("c1").paginate();
    let customer = shop.customers().get("c1").send().await.unwrap();
    let _: i64 = customer.id;
}

fn main() {}
