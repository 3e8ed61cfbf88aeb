use ws_test::ws_test;

#[ws_test(name = "")]
async fn unnamed_runtime() {}

fn main() {}
