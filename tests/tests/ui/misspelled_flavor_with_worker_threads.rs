use ws_test::ws_test;

// Only the misspelled flavor is reported, not worker_threads, which would be right with the intended flavor.
#[ws_test(flavor = "multi_threaded", worker_threads = 2)]
async fn misspelled_flavor() {}

fn main() {}
