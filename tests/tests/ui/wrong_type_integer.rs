use ws_test::ws_test;

#[ws_test(flavor = "multi_thread", worker_threads = "4")]
async fn string_for_integer() {}

fn main() {}
