use ws_test::ws_test;

#[ws_test(timeout = 60)]
async fn number_without_unit() {}

fn main() {}
