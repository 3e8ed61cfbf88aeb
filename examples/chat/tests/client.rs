//! The chat client, which dials a URL itself, tested against `ws_test::ws::Server`: the test scripts the server's side
//! with the same assertions as any socket.

use std::time::Duration;

use chat::ChatClient;
use chat::client::Received;
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_test::{assert_text, ws_test};

#[ws_test]
async fn the_client_joins_speaks_answers_pings_and_reports_the_close() {
    let server = ws_test::ws::Server::bind().await.expect("a port");
    let url = server.url();
    let client = tokio::spawn(async move {
        let mut client = ChatClient::connect(&url, "lobby", Duration::from_secs(5))
            .await
            .expect("joins");
        assert_eq!(
            client.next_message(Duration::from_secs(5)).await.expect("read"),
            Received::Text("welcome".into())
        );
        client.say("hello").await.expect("sent");
        // Pings are answered on the way; the close comes with its reason.
        client.next_message(Duration::from_secs(120)).await.expect("read")
    });
    let (mut socket, request) = server.accept().await.expect("the client connects");
    assert_eq!(request.uri().path(), "/rooms/lobby");
    socket.send(Message::text("welcome")).await.expect("sent");
    assert_text!(socket, "hello");
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .expect("sent");
    let pong = futures_util::StreamExt::next(&mut socket)
        .await
        .expect("a frame")
        .expect("readable");
    assert_eq!(pong, Message::Pong(b"are you there".to_vec().into()));
    tokio::time::sleep(Duration::from_secs(60)).await;
    let goodbye = CloseFrame {
        code: CloseCode::Away,
        reason: "idle".into(),
    };
    socket.close(Some(goodbye)).await.expect("closed");
    assert_eq!(
        client.await.expect("the client task ends"),
        Received::Closed(Some("idle".into()))
    );
}

#[ws_test]
async fn a_server_that_is_not_there_is_a_clear_error() {
    let server = ws_test::ws::Server::bind().await.expect("a port");
    let url = server.url();
    drop(server);
    let refused = ChatClient::connect(&url, "lobby", Duration::from_secs(5)).await;
    assert!(refused.is_err(), "nothing listens any more");
}
