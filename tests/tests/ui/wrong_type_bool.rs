use ws_test::ws_test;

#[ws_test(start_paused = "yes")]
async fn string_for_bool() {}

fn main() {}
