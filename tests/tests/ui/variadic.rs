use ws_test::ws_test;

#[ws_test]
async fn takes_anything(...) {}

fn main() {}
