//! The in-memory WebSocket transport and its assertions, both ways, on the virtual clock.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use support::panic_of;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_test::ws::{self, Socket};
use ws_test::{Builder, Leaks, assert_binary, assert_close, assert_next_matches, assert_text, ws_test};

/// A server that sends back every text and binary message, until the client closes.
fn echo(mut server: Socket) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(Ok(message)) = server.next().await {
            if message.is_text() || message.is_binary() {
                server.send(message).await.expect("the client reads");
            }
        }
    })
}

fn fails(test: impl std::future::Future<Output = ()> + 'static) -> String {
    // A failed assertion leaves its peer task behind; these tests are about the assertion's message.
    panic_of(|| Builder::new("websocket::case").leaks(Leaks::Allow).run(test)).0
}

#[ws_test]
async fn text_and_binary_echo() {
    let (mut client, server) = ws::pair();
    let server = echo(server);
    client.send(Message::text("subscribe btc-usd")).await.expect("sent");
    assert_text!(client, "subscribe btc-usd");
    client
        .send(Message::binary(vec![0u8, 159, 146, 150]))
        .await
        .expect("sent");
    assert_binary!(client, [0u8, 159, 146, 150]);
    client.close(None).await.expect("closed");
    server.await.expect("the server ends");
}

#[ws_test]
async fn a_message_larger_than_the_pipe_buffer_arrives_whole() {
    let (mut client, server) = ws::pair_with_buffer(16);
    let server = echo(server);
    let large = "x".repeat(4096);
    client.send(Message::text(large.clone())).await.expect("sent");
    assert_text!(client, large);
    client.close(None).await.expect("closed");
    server.await.expect("the server ends");
}

#[ws_test]
async fn ping_is_answered_with_pong() {
    let (mut client, mut server) = ws::pair();
    client
        .send(Message::Ping(b"heartbeat 1".to_vec().into()))
        .await
        .expect("sent");
    assert_next_matches!(server, Ok(Message::Ping(payload)) if payload.as_ref() == b"heartbeat 1");
    // tungstenite queued the Pong while the server read the Ping; it goes out with the server's next write.
    server.flush().await.expect("flushed");
    assert_next_matches!(client, Ok(Message::Pong(payload)) if payload.as_ref() == b"heartbeat 1");
}

#[ws_test]
async fn a_heartbeat_timeout_of_ten_seconds_costs_no_real_time() {
    let start = std::time::Instant::now();
    let (mut client, _silent_server) = ws::pair();
    client.send(Message::Ping(Vec::new().into())).await.expect("sent");
    let pong = tokio::time::timeout(Duration::from_secs(10), client.next()).await;
    assert!(pong.is_err(), "a server that never reads never answers");
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[ws_test]
async fn a_close_initiated_by_the_client_is_seen_by_the_server() {
    let (mut client, mut server) = ws::pair();
    let closing = tokio::spawn(async move {
        client
            .close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "done".into(),
            }))
            .await
    });
    assert_close!(server, CloseCode::Normal);
    closing.await.expect("the client task ends").expect("closed");
}

#[ws_test]
async fn a_close_initiated_by_the_server_is_seen_by_the_client() {
    let (mut client, mut server) = ws::pair();
    let closing = tokio::spawn(async move {
        server
            .close(Some(CloseFrame {
                code: CloseCode::Away,
                reason: "maintenance".into(),
            }))
            .await
    });
    assert_close!(client, within = Duration::from_secs(1));
    closing.await.expect("the server task ends").expect("closed");
}

/// The side that receives a Close frame is done once it has replied, though its peer, alive, never ends the
/// connection; the side that started the close then receives the reply and the end.
#[ws_test]
async fn the_receiver_of_a_close_is_done_once_it_has_replied() {
    let (mut client, mut server) = ws::pair();
    let start = tokio::time::Instant::now();
    server.close(None).await.expect("the Close frame is sent");
    assert_close!(client);
    assert_eq!(start.elapsed(), Duration::ZERO, "no waiting for a connection's end");
    assert_close!(server, ended);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[test]
fn ended_waits_for_the_end_of_the_connection_and_says_when_it_does_not_come() {
    let message = fails(async {
        let (mut client, mut server) = ws::pair();
        server.close(None).await.expect("the Close frame is sent");
        // The server holds the connection open and never reads the reply.
        assert_close!(client, ended, within = Duration::from_secs(2));
        drop(server);
    });
    assert_eq!(
        message,
        "expected the end of the connection after its Close frame from `client` within 2s (virtual), but nothing \
         came at virtual 2.000s"
    );
}

#[test]
fn a_server_that_drops_the_connection_without_close_fails_assert_close() {
    let message = fails(async {
        let (mut client, server) = ws::pair();
        drop(server);
        assert_close!(client);
    });
    assert_eq!(
        message,
        "expected a Close frame from `client`, but the peer vanished without a Close frame at virtual 0.000s"
    );
}

#[test]
fn a_wrong_close_code_shows_the_code_received() {
    let message = fails(async {
        let (mut client, mut server) = ws::pair();
        tokio::spawn(async move {
            let goodbye = CloseFrame {
                code: CloseCode::Away,
                reason: "maintenance".into(),
            };
            let _ = server.close(Some(goodbye)).await;
        });
        assert_close!(client, CloseCode::Normal);
    });
    assert_eq!(
        message,
        "expected a Close frame with code 1000 (Normal) from `client`, but it received a Close frame with code 1001 \
         (Away) and reason \"maintenance\" at virtual 0.000s"
    );
}

#[test]
fn a_different_message_is_shown_as_text_not_bytes() {
    let message = fails(async {
        let (mut client, mut server) = ws::pair();
        tokio::time::sleep(Duration::from_secs(30)).await;
        server.send(Message::text("tick 3")).await.expect("sent");
        assert_text!(client, "tick 2");
    });
    assert_eq!(
        message,
        "expected text \"tick 2\" from `client`, but it received text \"tick 3\" at virtual 30.000s"
    );
    let message = fails(async {
        let (mut client, mut server) = ws::pair();
        server.send(Message::text("not bytes")).await.expect("sent");
        assert_binary!(client, b"\x01\x02");
    });
    assert_eq!(
        message,
        "expected binary b\"\\x01\\x02\" (2 bytes) from `client`, but it received text \"not bytes\" at virtual 0.000s"
    );
}

#[test]
fn nothing_within_the_deadline_says_so_without_real_waiting() {
    let start = std::time::Instant::now();
    let message = fails(async {
        let (mut client, _quiet_server) = ws::pair();
        assert_text!(client, "hello");
    });
    assert_eq!(
        message,
        "expected text \"hello\" from `client` within 10s (virtual), but nothing came at virtual 10.000s"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_read_error_is_reported_as_one() {
    let message = fails(async {
        let (mut client, server) = ws::pair();
        // Frames from a client must be masked; writing raw bytes that claim otherwise is a protocol error.
        let mut raw = server.into_inner();
        tokio::io::AsyncWriteExt::write_all(&mut raw, &[0x81, 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9])
            .await
            .expect("written");
        drop(client.send(Message::text("x")).await);
        assert_text!(client, "hello");
    });
    assert!(
        message.starts_with("expected text \"hello\" from `client`, but reading failed: "),
        "{message}"
    );
}

#[ws_test]
async fn a_handshake_shows_the_server_the_request() {
    let mut request = "ws://ticker.test/v1/stream?pairs=btc-usd"
        .into_client_request()
        .expect("a valid URL");
    request
        .headers_mut()
        .insert("authorization", "Bearer token-1".parse().expect("a valid header"));
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "ticker.v2, ticker.v1".parse().expect("a valid header"),
    );
    let (mut client, server, seen) = ws::handshake_pair(request).await.expect("the handshake succeeds");
    assert_eq!(seen.uri().path(), "/v1/stream");
    assert_eq!(seen.uri().query(), Some("pairs=btc-usd"));
    assert_eq!(seen.headers()["authorization"], "Bearer token-1");
    assert_eq!(seen.headers()["sec-websocket-protocol"], "ticker.v2, ticker.v1");
    let server = echo(server);
    client.send(Message::text("after the handshake")).await.expect("sent");
    assert_text!(client, "after the handshake");
    client.close(None).await.expect("closed");
    server.await.expect("the server ends");
}

#[ws_test]
async fn a_malformed_handshake_request_is_an_error() {
    let outcome = ws::handshake_pair("not a url").await;
    assert!(outcome.is_err(), "a request that is not a URL cannot be sent");
}
