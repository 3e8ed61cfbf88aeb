#[tokio::test]
#[ws_test::test]
async fn two_runtimes() {}

fn main() {}
