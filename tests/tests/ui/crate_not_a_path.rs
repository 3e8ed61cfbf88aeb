use ws_test::ws_test;

#[ws_test(crate = "not a path")]
async fn bad_crate_path() {}

fn main() {}
