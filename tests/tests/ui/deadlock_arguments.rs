use ws_test::ws_test;

#[ws_test(flavor = "multi_thread", deadlock = "deny")]
async fn real_time_runtime() {}

#[ws_test(deadlock = "maybe")]
async fn no_such_setting() {}

fn main() {}
