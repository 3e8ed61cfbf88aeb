use ws_test::ws_test;

#[ws_test]
async fn returns_the_wrong_type() -> Result<(), String> {
    let reply = "pong";
    reply
}

fn main() {}
