use ws_test::ws_test;

#[ws_test]
struct NotATest;

fn main() {}
