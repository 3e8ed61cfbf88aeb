use ws_test::ws_test;

const FLAVOR: &str = "multi_thread";

#[ws_test(flavor = FLAVOR)]
async fn constant_value() {}

fn main() {}
