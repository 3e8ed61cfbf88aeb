use ws_test::ws_test;

#[ws_test]
#[test]
async fn tested_twice() {}

fn main() {}
