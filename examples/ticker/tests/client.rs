//! The ticker client's suite: hours of protocol time in well under a second of real time. Run with
//! `cargo test -p ticker -- --nocapture` to see each test's virtual and real time; `mistakes.rs` holds one
//! deliberate mistake per guard, shown by `cargo test -p ticker -- --ignored`.

mod common;

use std::time::Duration;

use common::{answering_server, next_request, send_update, start, tick};
use futures_util::SinkExt;
use ticker::backoff::Backoff;
use ticker::client::{Client, Config, Event};
use ticker::nonce::nonce_manager;
use ticker::protocol::{Request, Update};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws_test::{assert_close, assert_end, assert_next, assert_next_eq, assert_next_matches, ws_test};

#[ws_test]
async fn subscribe_sends_a_signed_request_and_ticks_reach_the_stream() {
    let mut fixture = start(0, Config::default());
    assert_next_eq!(fixture.events, Event::Connected);
    let mut server = fixture.next_server().await;
    let mut ticks = fixture.client.subscribe("btc-usd").await;
    assert_eq!(
        next_request(&mut server).await,
        Request::Subscribe {
            pair: "btc-usd".into(),
            nonce: 1
        }
    );
    send_update(&mut server, &Update::Subscribed { pair: "btc-usd".into() }).await;
    for sequence in 1..=3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        send_update(&mut server, &Update::Tick(tick("btc-usd", sequence))).await;
        assert_next_eq!(ticks, tick("btc-usd", sequence));
    }
    fixture.client.shutdown().await;
}

#[ws_test]
async fn unsubscribe_tells_the_server_and_ends_the_stream() {
    let mut fixture = start(0, Config::default());
    let mut server = fixture.next_server().await;
    let mut ticks = fixture.client.subscribe("eth-usd").await;
    next_request(&mut server).await;
    fixture.client.unsubscribe("eth-usd").await;
    assert_eq!(
        next_request(&mut server).await,
        Request::Unsubscribe {
            pair: "eth-usd".into(),
            nonce: 1
        }
    );
    assert_end!(ticks);
    fixture.client.shutdown().await;
}

#[ws_test]
async fn two_subscribers_share_one_subscription() {
    let mut fixture = start(0, Config::default());
    let mut server = fixture.next_server().await;
    let mut first = fixture.client.subscribe("btc-usd").await;
    let mut second = fixture.client.subscribe("btc-usd").await;
    next_request(&mut server).await;
    send_update(&mut server, &Update::Tick(tick("btc-usd", 1))).await;
    assert_next_eq!(first, tick("btc-usd", 1));
    assert_next_eq!(second, tick("btc-usd", 1));
    fixture.client.shutdown().await;
}

#[ws_test]
async fn the_heartbeat_pings_every_30_seconds() {
    let mut fixture = start(0, Config::default());
    let mut server = fixture.next_server().await;
    let start = Instant::now();
    for beat in 1..=4u64 {
        assert_next_matches!(server, Ok(Message::Ping(_)), within = Duration::from_secs(31));
        assert_eq!(start.elapsed(), Duration::from_secs(30 * beat));
    }
    fixture.client.shutdown().await;
}

#[ws_test]
async fn no_pong_within_10_seconds_means_the_connection_is_dead() {
    let mut fixture = start(0, Config::default());
    assert_next_eq!(fixture.events, Event::Connected);
    let _silent_server = fixture.next_server().await; // never reads, so never answers a ping
    let start = Instant::now();
    assert_next_eq!(
        fixture.events,
        Event::Disconnected {
            reason: "no pong within 10s".into()
        },
        within = Duration::from_secs(60)
    );
    assert_eq!(start.elapsed(), Duration::from_secs(40), "ping at 30 s, dead at 40 s");
    assert_next_matches!(fixture.events, Event::Reconnecting { attempt: 1, .. });
    fixture.client.shutdown().await;
}

#[ws_test]
async fn after_a_heartbeat_timeout_the_client_reconnects_and_resubscribes() {
    let mut fixture = start(0, Config::default());
    let mut first_server = fixture.next_server().await;
    let _ticks = fixture.client.subscribe("sol-usd").await;
    next_request(&mut first_server).await;
    // The first server goes quiet: the heartbeat notices, and a new connection is made.
    let mut second_server = fixture.next_server().await;
    assert_eq!(
        next_request(&mut second_server).await,
        Request::Subscribe {
            pair: "sol-usd".into(),
            nonce: 1
        }
    );
    assert_next_matches!(second_server, Ok(Message::Ping(_)), within = Duration::from_secs(31));
    second_server.flush().await.expect("the pong goes out");
    fixture.client.shutdown().await;
}

#[ws_test]
async fn the_back_off_schedule_doubles_to_its_60_second_cap() {
    let config = Config {
        backoff_seed: 42,
        ..Config::default()
    };
    let mut fixture = start(10, config);
    let mut attempts = Vec::new();
    for _ in 0..=10 {
        attempts.push(fixture.attempts.recv().await.expect("the client keeps trying"));
    }
    let mut expected = Backoff::new(42);
    for (failure, pair) in attempts.windows(2).enumerate() {
        let waited = pair[1] - pair[0];
        let nominal = Backoff::nominal(u32::try_from(failure).expect("few failures"));
        assert_eq!(waited, expected.next_delay(), "seeded jitter is the same every run");
        assert!(
            waited <= nominal && waited >= nominal * 9 / 10,
            "attempt {failure}: {waited:?} vs {nominal:?}"
        );
    }
    let nominal: Vec<u64> = (0..10).map(|failure| Backoff::nominal(failure).as_secs()).collect();
    assert_eq!(nominal, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
    let _server = fixture.next_server().await; // the eleventh attempt connects
    fixture.client.shutdown().await;
}

#[ws_test]
async fn every_subscription_is_restored_after_a_reconnect() {
    let mut fixture = start(0, Config::default());
    let first_server = fixture.next_server().await;
    let _btc = fixture.client.subscribe("btc-usd").await;
    let _eth = fixture.client.subscribe("eth-usd").await;
    ws_test::settle().await;
    drop(first_server); // the server vanishes
    let mut second_server = fixture.next_server().await;
    let mut restored = vec![
        next_request(&mut second_server).await,
        next_request(&mut second_server).await,
    ];
    restored.sort_by_key(|request| format!("{request:?}"));
    assert_eq!(
        restored,
        [
            Request::Subscribe {
                pair: "btc-usd".into(),
                nonce: 1
            },
            Request::Subscribe {
                pair: "eth-usd".into(),
                nonce: 1
            },
        ]
    );
    fixture.client.shutdown().await;
}

#[ws_test(virtual_timeout = "2h")]
async fn requests_carry_the_nonce_refreshed_every_minute_over_an_hour() {
    let mut fixture = start(0, Config::default());
    let mut requests = answering_server(fixture.next_server().await);
    let _btc = fixture.client.subscribe("btc-usd").await;
    assert_eq!(
        requests.recv().await,
        Some(Request::Subscribe {
            pair: "btc-usd".into(),
            nonce: 1
        })
    );
    tokio::time::sleep(Duration::from_secs(61 * 60 + 1)).await;
    let _eth = fixture.client.subscribe("eth-usd").await;
    assert_eq!(
        requests.recv().await,
        Some(Request::Subscribe {
            pair: "eth-usd".into(),
            nonce: 62
        })
    );
    fixture.client.shutdown().await;
}

#[ws_test]
async fn a_server_close_ends_every_stream_when_the_client_gives_up() {
    let mut fixture = start(
        0,
        Config {
            max_reconnects: Some(0),
            ..Config::default()
        },
    );
    let mut server = fixture.next_server().await;
    let mut ticks = fixture.client.subscribe("btc-usd").await;
    next_request(&mut server).await;
    server
        .close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "maintenance".into(),
        }))
        .await
        .expect("sent");
    // The client completes the closing handshake: its reply echoes the code, then the connection ends, and the
    // server closes its end of the transport, as a real one does.
    assert_close!(server, CloseCode::Normal);
    drop(server);
    assert_next_eq!(fixture.events, Event::Connected);
    assert_next_eq!(
        fixture.events,
        Event::Disconnected {
            reason: "the server closed the connection (1000 maintenance)".into()
        }
    );
    assert_next_eq!(fixture.events, Event::GaveUp);
    assert_end!(ticks);
    fixture.client.shutdown().await;
    assert_end!(fixture.events);
}

#[ws_test]
async fn shutdown_closes_with_a_close_frame_and_ends_every_stream() {
    let mut fixture = start(0, Config::default());
    let mut server = fixture.next_server().await;
    let mut ticks = fixture.client.subscribe("btc-usd").await;
    next_request(&mut server).await;
    let client = fixture.client;
    let shutting_down = tokio::spawn(client.shutdown());
    assert_close!(server, CloseCode::Normal);
    shutting_down.await.expect("the shutdown completes");
    // Subscriber streams are fused: after shutdown they stay ended, however often they are polled.
    assert_end!(ticks, fused);
    assert_next_eq!(fixture.events, Event::Connected);
    assert_end!(fixture.events);
}

#[ws_test]
async fn a_malformed_message_is_reported_and_the_connection_survives() {
    let mut fixture = start(0, Config::default());
    assert_next_eq!(fixture.events, Event::Connected);
    let mut server = fixture.next_server().await;
    let mut ticks = fixture.client.subscribe("btc-usd").await;
    next_request(&mut server).await;
    server
        .send(Message::text("{\"type\":\"tick\",\"pair\":"))
        .await
        .expect("sent");
    assert_next_matches!(
        fixture.events,
        Event::ProtocolError { error } if error.starts_with("malformed message from the server (EOF while parsing")
    );
    send_update(&mut server, &Update::Tick(tick("btc-usd", 1))).await;
    assert_next_eq!(ticks, tick("btc-usd", 1));
    fixture.client.shutdown().await;
}

#[ws_test]
async fn a_server_error_is_reported() {
    let mut fixture = start(0, Config::default());
    assert_next_eq!(fixture.events, Event::Connected);
    let mut server = fixture.next_server().await;
    send_update(
        &mut server,
        &Update::Error {
            message: "rate limited".into(),
        },
    )
    .await;
    assert_next_eq!(
        fixture.events,
        Event::ProtocolError {
            error: "the server said: rate limited".into()
        }
    );
    fixture.client.shutdown().await;
}

#[ws_test]
async fn a_server_that_vanishes_without_close_is_noticed_and_replaced() {
    let mut fixture = start(0, Config::default());
    assert_next_eq!(fixture.events, Event::Connected);
    drop(fixture.next_server().await);
    assert_next_matches!(
        fixture.events,
        Event::Disconnected { reason } if reason.contains("without closing handshake")
    );
    assert_next_matches!(fixture.events, Event::Reconnecting { attempt: 1, delay } if delay <= Duration::from_secs(1));
    assert_next_eq!(fixture.events, Event::Connected);
    fixture.client.shutdown().await;
}

#[ws_test]
async fn the_server_sends_a_tick_per_subscription_every_second() {
    let (mut client_end, server_end) = ws_test::ws::pair();
    ws_test::background("server", ticker::server::serve(server_end, Duration::from_secs(1)));
    let subscribe = serde_json::to_string(&Request::Subscribe {
        pair: "btc-usd".into(),
        nonce: 1,
    })
    .expect("json");
    client_end.send(Message::text(subscribe)).await.expect("sent");
    let start = Instant::now();
    let mut updates = Vec::new();
    for _ in 0..=600 {
        if let Ok(Message::Text(text)) = assert_next!(client_end, within = Duration::from_secs(2)) {
            updates.push(serde_json::from_str::<Update>(text.as_str()).expect("valid JSON"));
        }
    }
    assert_eq!(updates[0], Update::Subscribed { pair: "btc-usd".into() });
    assert_eq!(updates[600], Update::Tick(tick("btc-usd", 600)));
    assert_eq!(start.elapsed(), Duration::from_secs(600), "ten minutes of ticks");
}

#[ws_test(start_paused = false, timeout = "20s")]
async fn the_same_client_works_over_real_tcp_on_loopback() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("bound");
    let server = tokio::spawn(ticker::server::listen(listener, Duration::from_millis(20)));
    let (manager, nonces) = nonce_manager();
    ws_test::background("nonce-manager", manager.run());
    let (client, _events) = Client::start(ticker::tcp::TcpConnector { address }, nonces, Config::default());
    let mut ticks = client.subscribe("btc-usd").await;
    assert_next_eq!(ticks, tick("btc-usd", 1));
    assert_next_eq!(ticks, tick("btc-usd", 2));
    client.shutdown().await;
    server.abort();
}
