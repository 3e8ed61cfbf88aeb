use ws_test::ws_test;

#[ws_test]
fn not_async() {}

fn main() {}
