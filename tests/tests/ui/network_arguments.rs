use ws_test::ws_test;

#[ws_test(network = "db.internal:http")]
async fn a_port_that_is_a_name() {}

#[ws_test(network = "10.0.0.0/33, 127.0.0.1")]
async fn a_prefix_too_long() {}

#[ws_test(network = "")]
async fn empty() {}

#[ws_test(network = local)]
async fn not_a_string() {}

// A list, "local" and "allow" are fine anywhere, in real time too.
#[ws_test(network = "127.0.0.1, db.internal:5432, 10.0.0.0/8, [::1]:8080")]
async fn a_list() {}

#[ws_test(start_paused = false, network = "local")]
async fn local_in_real_time() {}

fn main() {}
