use ws_test::ws_test;

#[ws_test]
async unsafe fn trusts_the_caller() {}

fn main() {}
