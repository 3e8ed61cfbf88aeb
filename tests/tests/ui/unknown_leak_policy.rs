use ws_test::ws_test;

#[ws_test(leaks = "ignore")]
async fn no_such_policy() {}

fn main() {}
