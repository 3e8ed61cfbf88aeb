use ws_test::ws_test;

#[ws_test(flavor = "multi_thread", virtual_timeout = "2h")]
async fn real_time_runtime() {}

#[ws_test(start_paused = false, virtual_timeout = "2h")]
async fn unpaused_clock() {}

// The body pauses tokio's clock itself, so the test starts in real time and the guard could not watch.
#[ws_test(virtual_timeout = "2h")]
async fn pauses_the_clock_itself() {
    tokio::time::pause();
}

fn main() {}
