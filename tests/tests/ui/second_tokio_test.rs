#[ws_test::test]
#[tokio::test]
async fn two_runtimes() {}

fn main() {}
