//! The chat service over real loopback sockets, under the paused clock: real I/O is in play, so each jump of the
//! clock waits until the runtime has been idle for the grace (`io_grace`), and a reply from a server on its own thread
//! lands before the timeout that races it. Run these 20 times on a loaded machine with `scripts/load-test`.
//!
//! The sockets are made in helpers (`serve_on_loopback`, `ChatClient::connect`), where `#[ws_test]` cannot see them,
//! and on stable Rust the runtime cannot count its sockets: so these tests say that real I/O is in play with an
//! `io_grace` of their own. (With `--cfg tokio_unstable`, the runtime sees the sockets and the default does it.)

use std::net::SocketAddr;
use std::time::Duration;

use chat::client::Received;
use chat::{Chat, ChatClient, IDLE_AFTER};
use ws_test::ws_test;

/// The service on a loopback port of the test's own runtime, Nagle off as in production.
async fn serve_on_loopback(chat: Chat) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("ws://{}", listener.local_addr().expect("an address"));
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
        let _ = stream.set_nodelay(true);
    });
    ws_test::background("chat server", async move {
        let _ = axum::serve(listener, chat::app(chat)).await;
    });
    url
}

/// Alice, then Bob, join the lobby at `url`, each greeted with the count of members online.
async fn alice_and_bob_join(url: &str, within: Duration) -> (ChatClient, ChatClient) {
    let mut alice = ChatClient::connect(url, "lobby", within).await.expect("alice joins");
    assert_eq!(
        alice.next_message(within).await.expect("read"),
        Received::Text("welcome to lobby: 1 online".into())
    );
    let mut bob = ChatClient::connect(url, "lobby", within).await.expect("bob joins");
    assert_eq!(
        bob.next_message(within).await.expect("read"),
        Received::Text("welcome to lobby: 2 online".into())
    );
    (alice, bob)
}

/// The service on a thread and a runtime of its own, in real time: a common fixture.
fn serve_on_its_own_thread() -> SocketAddr {
    let (address_sender, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
            address_sender
                .send(listener.local_addr().expect("an address"))
                .expect("the test listens");
            let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
                let _ = stream.set_nodelay(true);
            });
            let _ = axum::serve(listener, chat::app(Chat::default())).await;
        });
    });
    address.recv().expect("the server starts")
}

#[ws_test(io_grace = "5ms")]
async fn members_hear_each_other_over_loopback() {
    let url = serve_on_loopback(Chat::default()).await;
    let within = Duration::from_secs(5);
    let (mut alice, mut bob) = alice_and_bob_join(&url, within).await;
    alice.say("hi bob").await.expect("sent");
    assert_eq!(
        bob.next_message(within).await.expect("read"),
        Received::Text("hi bob".into())
    );
    alice.leave().await.expect("alice leaves");
    bob.leave().await.expect("bob leaves");
}

/// An hour over loopback: a line every 50 s keeps the member in, the server pings every 30 s over the real socket,
/// and silence then closes it after a minute.
#[ws_test(io_grace = "5ms", virtual_timeout = "2h")]
async fn an_hour_over_loopback_then_the_idle_close() {
    let url = serve_on_loopback(Chat::default()).await;
    let mut member = ChatClient::connect(&url, "lobby", Duration::from_secs(5))
        .await
        .expect("joins");
    let start = tokio::time::Instant::now();
    assert_eq!(
        member.next_message(Duration::from_secs(5)).await.expect("read"),
        Received::Text("welcome to lobby: 1 online".into())
    );
    for line in 1..=72 {
        assert_eq!(
            member.next_message(Duration::from_secs(50)).await.expect("read"),
            Received::Nothing
        );
        member.say(&format!("line {line}")).await.expect("sent");
        assert_eq!(
            member.next_message(Duration::from_secs(5)).await.expect("read"),
            Received::Text(format!("line {line}"))
        );
    }
    assert_eq!(start.elapsed(), Duration::from_secs(72 * 50));
    let silent = tokio::time::Instant::now();
    assert_eq!(
        member
            .next_message(IDLE_AFTER + Duration::from_secs(1))
            .await
            .expect("read"),
        Received::Closed(Some("idle".into()))
    );
    assert_eq!(silent.elapsed(), IDLE_AFTER);
}

/// A server on its own thread answers in real time; its greeting and relays land before the client's 5 s timeouts,
/// which the paused clock would otherwise jump past at once. It needs CPU time of its own to answer, and on a loaded
/// machine (CI) it may wait tens of milliseconds for it: a grace of 50 ms. It costs nothing here, where the clock never
/// jumps; the grace is paid only when the test waits for a timer.
#[ws_test(io_grace = "50ms")]
async fn a_server_on_its_own_thread_answers_before_every_timeout() {
    let url = format!("ws://{}", serve_on_its_own_thread());
    let within = Duration::from_secs(5);
    let (mut alice, mut bob) = alice_and_bob_join(&url, within).await;
    for round in 0..20 {
        alice.say(&format!("round {round}")).await.expect("sent");
        assert_eq!(
            bob.next_message(within).await.expect("read"),
            Received::Text(format!("round {round}"))
        );
        assert_eq!(
            alice.next_message(within).await.expect("read"),
            Received::Text(format!("round {round}"))
        );
    }
    alice.leave().await.expect("alice leaves");
    bob.leave().await.expect("bob leaves");
}
