use ws_test::ws_test;

// rustc refuses `r#crate` itself; the macro reads it as `crate` and adds nothing.
#[ws_test(r#crate = "ws_test")]
async fn raw_crate() {}

#[ws_test(r#flavor = "multi_thread", Self = 1)]
async fn keyword_as_name() {}

fn main() {}
