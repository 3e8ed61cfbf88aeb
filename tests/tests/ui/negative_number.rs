use ws_test::ws_test;

#[ws_test(flavor = -1)]
async fn negative_flavor() {}

#[ws_test(flavor = "multi_thread", worker_threads = -2)]
async fn negative_workers() {}

fn main() {}
