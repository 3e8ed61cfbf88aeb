use ws_test::ws_test;

#[ws_test(flavor = "multi_thread", virtual_timeout = "2h")]
async fn real_time_runtime() {}

#[ws_test(start_paused = false, virtual_timeout = "2h")]
async fn unpaused_clock() {}

fn main() {}
