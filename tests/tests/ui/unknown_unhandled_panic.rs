use ws_test::ws_test;

#[ws_test(unhandled_panic = "abort")]
async fn no_such_behaviour() {}

fn main() {}
