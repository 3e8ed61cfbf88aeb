use ws_test::ws_test;

#[ws_test(flavor = "current_thread", flavor = "multi_thread")]
async fn flavor_twice() {}

fn main() {}
