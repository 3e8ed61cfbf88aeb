use ws_test::ws_test;

#[ws_test(flavor = "threaded_scheduler")]
async fn old_flavor_name() {}

fn main() {}
