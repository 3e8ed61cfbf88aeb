use ws_test::ws_test;

#[ws_test(timeout = "0s")]
async fn no_time_at_all() {}

fn main() {}
