//! A crate on tokio-tungstenite 0.29 uses ws-test's transport and assertions (feature `tungstenite-0-29`).

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_test::ws::tungstenite_0_29::pair;
use ws_test::{assert_close, assert_text, ws_test};

#[ws_test]
async fn the_server_hears_a_0_29_client_subscribe() {
    let (mut client, mut server) = pair();
    tungstenite_0_29_user::subscribe(&mut client, "btc")
        .await
        .expect("sent");
    assert_text!(server, "subscribe btc");
    let goodbye = CloseFrame {
        code: CloseCode::Away,
        reason: "maintenance".into(),
    };
    server.close(Some(goodbye)).await.expect("closing");
    assert_close!(client, CloseCode::Away);
    assert_close!(server, CloseCode::Away, ended);
}

#[ws_test]
#[should_panic(
    expected = "expected text \"subscribe eth\" from `server`, but it received text \"subscribe btc\" at virtual 0.000s"
)]
async fn a_different_message_fails_with_both() {
    let (mut client, mut server) = pair();
    tungstenite_0_29_user::subscribe(&mut client, "btc")
        .await
        .expect("sent");
    assert_text!(server, "subscribe eth");
}

#[ws_test]
#[should_panic(
    expected = "expected a Close frame with code 1000 (Normal) from `client`, but it received a Close frame with code 1001 (Away) and reason \"maintenance\""
)]
async fn a_close_code_is_compared_and_named() {
    let (mut client, mut server) = pair();
    let goodbye = CloseFrame {
        code: CloseCode::Away,
        reason: "maintenance".into(),
    };
    server.close(Some(goodbye)).await.expect("closing");
    assert_close!(client, CloseCode::Normal);
}

#[ws_test]
async fn a_message_sent_with_0_29_types_reads_as_sent() {
    let (mut client, mut server) = pair();
    client.send(Message::text("price 101")).await.expect("sent");
    assert_text!(server, "price 101");
}
