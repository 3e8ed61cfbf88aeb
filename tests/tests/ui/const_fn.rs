use ws_test::ws_test;

#[ws_test]
const async fn at_compile_time() {}

fn main() {}
