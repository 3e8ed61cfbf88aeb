use ws_test::ws_test;

#[ws_test]
async fn generic<T: Default>() {
    let _ = T::default();
}

fn main() {}
