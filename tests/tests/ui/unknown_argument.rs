use ws_test::ws_test;

#[ws_test(timeuot = "10s")]
async fn misspelled() {}

fn main() {}
