use ws_test::ws_test;

#[ws_test]
async fn takes_a_port(port: u16) {
    let _ = port;
}

fn main() {}
