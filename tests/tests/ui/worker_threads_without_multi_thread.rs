use ws_test::ws_test;

#[ws_test(worker_threads = 2)]
async fn workers_on_current_thread() {}

fn main() {}
