use ws_test::ws_test;

#[ws_test(crate = "ws_test::<u8>")]
async fn generic_crate_path() {}

fn main() {}
