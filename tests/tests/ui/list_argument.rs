use ws_test::ws_test;

#[ws_test(flavor("multi_thread"))]
async fn call_syntax() {}

fn main() {}
