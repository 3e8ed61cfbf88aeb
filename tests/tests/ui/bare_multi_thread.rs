use ws_test::ws_test;

#[ws_test(multi_thread)]
async fn flavor_without_name() {}

fn main() {}
