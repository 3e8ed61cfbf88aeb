//! The chat service tested in memory, through `ws_test::http::serve`: the recommended way. No socket, no port, and
//! every ping, idle close and slow handler runs on the virtual clock: an hour and a half of protocol time in well under
//! a second of real time.

use std::time::Duration;

use chat::{Chat, HISTORY_DELAY, IDLE_AFTER, PING_EVERY};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_test::http::Error;
use ws_test::{assert_close, assert_text, ws_test};

#[ws_test]
async fn members_are_greeted_and_hear_each_other() {
    let server = ws_test::http::serve(chat::app(Chat::default()));
    let mut alice = server.ws("/rooms/lobby").await.expect("alice joins");
    assert_text!(alice, "welcome to lobby: 1 online");
    let mut bob = server.ws("/rooms/lobby").await.expect("bob joins");
    assert_text!(bob, "welcome to lobby: 2 online");
    alice.send(Message::text("hi bob")).await.expect("sent");
    assert_text!(bob, "hi bob");
    assert_text!(alice, "hi bob");
    alice.close(None).await.expect("alice leaves");
    bob.close(None).await.expect("bob leaves");
}

#[ws_test]
async fn a_silent_member_is_pinged_every_30s_and_closed_after_60s() {
    let server = ws_test::http::serve(chat::app(Chat::default()));
    let mut quiet = server.ws("/rooms/lobby").await.expect("joins");
    assert_text!(quiet, "welcome to lobby: 1 online");
    let joined = tokio::time::Instant::now();
    let ping = quiet.next().await.expect("a frame").expect("readable");
    assert!(ping.is_ping(), "{ping:?}");
    assert_eq!(joined.elapsed(), PING_EVERY);
    // At 60 s the idle close comes first, and no ping with it.
    assert_close!(quiet, CloseCode::Away, within = IDLE_AFTER);
    assert_eq!(joined.elapsed(), IDLE_AFTER);
}

/// An hour and a half in a room: a message every 50 s keeps the member in, the server pings every 30 s, and the
/// presence service announces who is online every minute.
#[ws_test(virtual_timeout = "2h")]
async fn an_hour_and_a_half_in_a_room_with_the_presence_service() {
    let chat = Chat::default();
    ws_test::background("presence", chat::presence(chat.clone()));
    let server = ws_test::http::serve(chat::app(chat));
    let mut member = server.ws("/rooms/lobby").await.expect("joins");
    assert_text!(member, "welcome to lobby: 1 online");
    let start = tokio::time::Instant::now();
    let (mut pings, mut presence, mut echoes) = (0, 0, 0);
    let mut next_say = start + Duration::from_secs(50);
    while start.elapsed() < Duration::from_secs(90 * 60) {
        tokio::select! {
            frame = member.next() => match frame.expect("open").expect("readable") {
                Message::Ping(_) => pings += 1,
                Message::Text(text) if text.as_str() == "presence: 1 online" => presence += 1,
                Message::Text(text) if text.as_str() == "still here" => echoes += 1,
                other => panic!("unexpected {other:?}"),
            },
            () = tokio::time::sleep_until(next_say) => {
                member.send(Message::text("still here")).await.expect("sent");
                next_say += Duration::from_secs(50);
            }
        }
    }
    // Strictly before the 90th minute: pings at 30 s .. 89:30, presence at 1 .. 89 min, echoes at 50 s .. 89:10.
    assert_eq!((pings, presence, echoes), (179, 89, 107));
    member.close(None).await.expect("leaves");
}

#[ws_test]
async fn the_slow_history_handler_takes_its_2s_of_virtual_time() {
    let server = ws_test::http::serve(chat::app(Chat::default()));
    let asked = tokio::time::Instant::now();
    let history = server.get("/rooms/lobby/history").await.expect("answered");
    assert_eq!(history.body().as_ref(), b"history of lobby: nothing yet");
    assert_eq!(asked.elapsed(), HISTORY_DELAY);
}

#[ws_test]
async fn a_plain_route_is_not_a_websocket() {
    let server = ws_test::http::serve(chat::app(Chat::default()));
    let refused = server.ws("/health").await.expect_err("not a WebSocket route");
    assert!(matches!(refused, Error::NotUpgraded { .. }), "{refused:?}");
    assert_eq!(refused.to_string(), "expected 101 Switching Protocols, got 200 OK: ok");
}
