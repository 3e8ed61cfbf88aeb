use ws_test::ws_test;

#[ws_test(timeout)]
async fn no_value() {}

fn main() {}
