use ws_test::ws_test;

#[ws_test(flavor = "multi_thread", unhandled_panic = "shutdown_runtime")]
async fn unhandled_panic_on_workers() {}

fn main() {}
