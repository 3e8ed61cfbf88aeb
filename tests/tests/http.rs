//! `ws_test::http::serve`: an axum app served in memory, WebSocket routes through a real upgrade handshake, plain
//! routes through hyper's client, every connection a background service of the test; and the clear failures of each
//! way a request can go wrong.

mod support;

use std::time::Duration;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use futures_util::SinkExt;
use support::panic_of;
use tokio_tungstenite::tungstenite;
use ws_test::http::{Error, WebSocketRequest};
use ws_test::{Builder, assert_close, assert_text, ws_test};

/// Greets, echoes text, pings every 25 s and closes after 60 s without a message: what a service's socket does.
async fn session(mut socket: WebSocket) {
    if socket.send(Message::Text("welcome".into())).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(25),
        Duration::from_secs(25),
    );
    let mut idle_until = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        tokio::select! {
            received = socket.recv() => match received {
                Some(Ok(Message::Text(text))) => {
                    idle_until = tokio::time::Instant::now() + Duration::from_secs(60);
                    if socket.send(Message::Text(format!("echo: {}", text.as_str()).into())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            () = tokio::time::sleep_until(idle_until) => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Sends a tick every 10 s for as long as the socket is open: a handler that keeps working.
async fn ticks(mut socket: WebSocket) {
    let mut every_ten_seconds = tokio::time::interval(Duration::from_secs(10));
    loop {
        every_ten_seconds.tick().await;
        if socket.send(Message::Text("tick".into())).await.is_err() {
            return;
        }
    }
}

async fn boom() -> &'static str {
    panic!("the handler failed")
}

fn app() -> Router {
    Router::new()
        .route(
            "/feed",
            get(|upgrade: WebSocketUpgrade| async { upgrade.on_upgrade(session) }),
        )
        .route(
            "/ticks",
            get(|upgrade: WebSocketUpgrade| async { upgrade.on_upgrade(ticks) }),
        )
        .route("/health", get(|| async { "ok" }))
        .route("/count", post(|body: String| async move { body.len().to_string() }))
        .route(
            "/private",
            get(|headers: HeaderMap, upgrade: WebSocketUpgrade| async move {
                if headers.get("authorization").is_some_and(|token| token == "Bearer abc") {
                    Ok(upgrade.on_upgrade(session))
                } else {
                    Err((StatusCode::UNAUTHORIZED, "a token is required"))
                }
            }),
        )
        .route("/boom", get(boom))
        .route("/slow", get(|| async { std::future::pending::<&'static str>().await }))
}

#[ws_test]
async fn a_websocket_route_is_served_in_memory_on_the_virtual_clock() {
    let server = ws_test::http::serve(app());
    let mut socket = server.ws("/feed?room=1").await.expect("the route upgrades");
    assert_text!(socket, "welcome");
    socket.send("hello".into()).await.expect("sent");
    assert_text!(socket, "echo: hello");
    let start = tokio::time::Instant::now();
    // tokio-tungstenite answers pings by itself; the stream shows them, and the idle close comes at 60 s.
    let mut pings = 0;
    loop {
        match futures_util::StreamExt::next(&mut socket).await {
            Some(Ok(tungstenite::Message::Ping(_))) => pings += 1,
            Some(Ok(tungstenite::Message::Close(_))) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(pings, 2, "a ping at 25 s and at 50 s");
    assert_eq!(start.elapsed(), Duration::from_secs(60));
}

#[ws_test]
async fn headers_reach_the_handler_and_plain_routes_answer() {
    let server = ws_test::http::serve(app());
    let mut request = "/private".into_request().expect("a valid path");
    request
        .headers_mut()
        .insert("authorization", "Bearer abc".parse().expect("a header value"));
    let mut socket = server.ws(request).await.expect("the token is accepted");
    assert_text!(socket, "welcome");
    socket.close(None).await.expect("closed");

    let health = server.get("/health").await.expect("answered");
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.body().as_ref(), b"ok");
    let count = axum::http::Request::post("/count")
        .body(String::from("four"))
        .expect("a request");
    assert_eq!(server.request(count).await.expect("answered").body().as_ref(), b"4");
}

#[ws_test]
async fn a_route_that_does_not_upgrade_is_an_error_with_its_status_and_body() {
    let server = ws_test::http::serve(app());
    let refused = server.ws("/private").await.expect_err("no token");
    assert!(
        matches!(&refused, Error::NotUpgraded { status, .. } if *status == StatusCode::UNAUTHORIZED),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "expected 101 Switching Protocols, got 401 Unauthorized: a token is required"
    );
    let missing = server.ws("/nowhere").await.expect_err("no such route");
    assert_eq!(
        missing.to_string(),
        "expected 101 Switching Protocols, got 404 Not Found (empty body)"
    );
    let plain = server.ws("/health").await.expect_err("not a WebSocket route");
    assert_eq!(plain.to_string(), "expected 101 Switching Protocols, got 200 OK: ok");
}

#[ws_test]
async fn a_malformed_request_is_an_error_that_says_so() {
    let server = ws_test::http::serve(app());
    let url = server.ws("ws://[::1").await.expect_err("not a URL");
    assert!(url.to_string().starts_with("the WebSocket handshake failed: "), "{url}");
    let path = server.get("/with space").await.expect_err("not a URI");
    assert_eq!(path.to_string(), "the request is malformed: invalid uri character");
}

#[test]
fn a_handler_that_panics_fails_the_test_naming_its_route() {
    let (message, _) = panic_of(|| {
        Builder::new("http::handler_panics").run(async {
            let server = ws_test::http::serve(app());
            let failed = server.get("/boom").await.expect_err("the connection broke");
            assert!(matches!(failed, Error::Http(_)), "{failed:?}");
        })
    });
    assert!(
        message.starts_with("test `http::handler_panics` failed: a spawned task panicked (virtual 0.000s, real "),
        "{message}"
    );
    assert!(
        message.contains("\n   - background service `HTTP connection 1 (GET /boom)` at tests/tests/http.rs:"),
        "{message}"
    );
    assert!(message.contains(": the handler failed\n"), "{message}");
}

#[test]
fn a_handler_that_never_answers_is_a_deadlock_naming_the_connection() {
    let (message, real_time) = panic_of(|| {
        Builder::new("http::handler_never_answers").run(async {
            let server = ws_test::http::serve(app());
            let _ = server.get("/slow").await;
        })
    });
    assert!(
        message.starts_with(
            "test `http::handler_never_answers` deadlocked: the body and 2 tasks are all waiting, no timer is \
             pending, and nothing arrived for 500ms (virtual 0.000s, real "
        ),
        "{message}"
    );
    assert!(
        message.contains("\n   - still running: background service `HTTP connection 1 (GET /slow)`\n"),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

/// A connection is a service of the test, not a leak; a WebSocket handler the app spawned, which keeps working on a
/// socket nobody closed, is.
#[test]
fn the_apps_own_tasks_are_still_guarded() {
    let (message, _) = panic_of(|| {
        Builder::new("http::socket_left_open").run(async {
            let server = ws_test::http::serve(app());
            let socket = server.ws("/ticks").await.expect("the route upgrades");
            // Kept open past the body: the handler, ticking on it, outlives the test.
            std::mem::forget(socket);
        })
    });
    assert!(
        message.starts_with(
            "test `http::socket_left_open` leaked 1 task that kept working after the body returned: timers fired 60 \
             times in the next 10m of virtual time"
        ),
        "{message}"
    );
}

/// The feed's handler, left with a socket nobody closed, closes it itself after 60 s without a message, as a
/// service's idle timeout does: it ends during the look at what the body left, and the test passes.
#[ws_test]
async fn a_handler_that_closes_an_idle_socket_by_itself_is_no_leak() {
    let server = ws_test::http::serve(app());
    let mut socket = server.ws("/feed").await.expect("the route upgrades");
    assert_text!(socket, "welcome");
    std::mem::forget(socket);
}

#[ws_test]
async fn a_closed_socket_ends_its_handler_and_nothing_leaks() {
    let server = ws_test::http::serve(app());
    let mut socket = server.ws("/feed").await.expect("the route upgrades");
    assert_text!(socket, "welcome");
    socket.close(None).await.expect("closed");
    assert_close!(socket);
}
