use ws_test::ws_test;

#[ws_test]
async fn constrained() where u8: Copy {}

fn main() {}
