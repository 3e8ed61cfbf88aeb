// tokio's own tests/macros_rename_test.rs with `#[tokio1::test]` swapped for `#[ws_test::test]`: `crate` keeps
// tokio's meaning, the path of tokio, even when `tokio` itself names something else.
#[allow(unused_imports)]
use std as tokio;

use ::tokio as tokio1;

mod test {
    pub use ::tokio;
}

async fn compute() -> usize {
    let join = tokio1::spawn(async { 1 });
    join.await.unwrap()
}

#[ws_test::test(crate = "tokio1")]
async fn crate_rename_test() {
    assert_eq!(1, compute().await);
}

#[ws_test::test(crate = "test::tokio")]
async fn crate_path_test() {
    assert_eq!(1, compute().await);
}

// A crate that re-exports ws_test passes its own path, as before.
mod support {
    pub use ::ws_test;
}

#[support::ws_test::test(crate = "support::ws_test")]
async fn through_a_reexport() {
    assert_eq!(1, compute().await);
}

fn main() {
    crate_rename_test();
    crate_path_test();
    through_a_reexport();
}
