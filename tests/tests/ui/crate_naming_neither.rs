use ws_test::ws_test;

// `crate` names tokio (tokio's meaning) or, when it ends in `ws_test`, ws-test; `std` is neither.
#[ws_test(crate = "std")]
async fn names_std() {}

fn main() {}
