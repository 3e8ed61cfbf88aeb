use ws_test::ws_test;

#[ws_test(timeout = "18446744073709551615s")]
async fn forever_in_seconds() {}

#[ws_test(virtual_timeout = "5124095576030431h")]
async fn forever_in_hours() {}

fn main() {}
