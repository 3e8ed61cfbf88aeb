use ws_test::ws_test;

#[ws_test]
async fn returns_the_wrong_type() -> Result<(), String> {
    let reply = "pong";
    reply
}

#[ws_test]
async fn forgets_to_return() -> Result<(), String> {}

#[ws_test]
async fn returns_after_a_loop() {
    for _ in 0..1 {}
    5
}

fn main() {}
