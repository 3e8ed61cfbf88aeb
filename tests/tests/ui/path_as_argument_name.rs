use ws_test::ws_test;

#[ws_test(runtime::flavor = "multi_thread")]
async fn qualified_name() {}

fn main() {}
