use ws_test::ws_test;

#[ws_test(flavor = "turbo")]
async fn no_such_flavor() {}

fn main() {}
