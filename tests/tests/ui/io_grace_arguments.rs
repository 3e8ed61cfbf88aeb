use ws_test::ws_test;

#[ws_test(io_grace = "sometimes")]
async fn malformed_grace() {}

#[ws_test(start_paused = false, io_grace = "20ms")]
async fn grace_in_real_time() {}

// "off" is harmless anywhere.
#[ws_test(flavor = "multi_thread", io_grace = "off")]
async fn off_in_real_time() {}

fn main() {}
