use ws_test::ws_test;

#[ws_test(timeout = "10 parsecs")]
async fn not_a_duration() {}

fn main() {}
