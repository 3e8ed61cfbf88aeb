use ws_test::ws_test;

#[ws_test(flavor = "multi_thread", core_threads = 2)]
async fn old_argument_name() {}

fn main() {}
