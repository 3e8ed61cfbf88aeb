//! The network guard: a connection outside the allowed hosts is refused before any packet leaves, and fails its test
//! at once, naming where it went. Every address here stays on this machine: the guard is proved with an allow-list
//! that leaves out an address which is still loopback (127.0.0.2), and with names that resolve locally.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

mod support;

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use support::panic_of;
use ws_test::{Builder, Network, ws_test};

/// A listener on 127.0.0.2, loopback but outside an allow-list of 127.0.0.1 alone; it accepts in the background.
fn listener_on_127_0_0_2() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("a port on 127.0.0.2");
    let address = listener.local_addr().expect("an address");
    std::thread::spawn(move || while listener.accept().is_ok() {});
    address
}

fn only_127_0_0_1() -> Network {
    Network::from_text("127.0.0.1").expect("an allow-list")
}

const HELP: &str = "\nhelp: the code under test reached for a real host instead of its fake. Give it an in-memory one \
    (ws_test::ws::pair(), ws_test::http::serve(app)) or a local server (ws_test::ws::Server::bind(), on 127.0.0.1). If \
    the test means to reach it, allow it: #[ws_test(network = \"";

/// Runs `body` under `network`, which must refuse what it tries; returns the failure message, the real time it took,
/// and what the body saw of the refusal, when it saw it before the guard stopped it (a call on the blocking pool
/// returns to a body the guard has stopped already).
fn refused<T: Send + 'static>(
    name: &str,
    network: Network,
    body: impl FnOnce(mpsc::Sender<T>) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
) -> (String, Duration, Option<T>) {
    let (seen_sender, seen) = mpsc::channel();
    let (message, real_time) = panic_of(|| Builder::new(name.to_string()).network(network).run(body(seen_sender)));
    (message, real_time, seen.try_recv().ok())
}

#[test]
fn a_tokio_connect_outside_the_list_is_refused_and_fails_the_test_at_once() {
    let address = listener_on_127_0_0_2();
    let (message, real_time, error) = refused("network::tokio_connect", only_127_0_0_1(), move |seen| {
        Box::pin(async move {
            let error = tokio::net::TcpStream::connect(address).await.expect_err("refused");
            seen.send(error.kind()).expect("the test listens");
            std::future::pending::<()>().await;
        })
    });
    assert_eq!(error, Some(std::io::ErrorKind::ConnectionRefused));
    assert!(
        message.starts_with(&format!(
            "test `network::tokio_connect` tried to reach {address} over TCP, outside the allowed hosts (127.0.0.1): a \
             real connection escaped the mocks (virtual 0.000s, real "
        )),
        "{message}"
    );
    assert!(
        message.contains("\n   - at ./tests/network.rs:"),
        "no call site: {message}"
    );
    assert!(
        message.contains(
            "\n   - refused before any packet left: the call returned ECONNREFUSED, and later ones outside the allowed \
             hosts are refused too\n"
        ),
        "{message}"
    );
    assert!(
        message.ends_with(&format!(
            "{HELP}127.0.0.1, {address}\")], or network = \"allow\" for no guard; for a whole run, \
             WS_TEST_NETWORK=allow."
        )),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(1), "took {real_time:?}");
}

#[test]
fn a_std_connect_in_spawn_blocking_is_refused() {
    let address = listener_on_127_0_0_2();
    let (message, real_time, error) = refused("network::blocking_connect", only_127_0_0_1(), move |seen| {
        Box::pin(async move {
            let error =
                tokio::task::spawn_blocking(move || std::net::TcpStream::connect(address).expect_err("refused"))
                    .await
                    .expect("the job ends");
            seen.send(error.kind()).expect("the test listens");
            std::future::pending::<()>().await;
        })
    });
    // The job's error reaches the body only if the guard has not stopped it first.
    assert!(
        error.is_none_or(|kind| kind == std::io::ErrorKind::ConnectionRefused),
        "{error:?}"
    );
    assert!(
        message.starts_with(&format!(
            "test `network::blocking_connect` tried to reach {address} over TCP, outside the allowed hosts \
             (127.0.0.1): a real connection escaped the mocks"
        )),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(1), "took {real_time:?}");
}

#[test]
fn a_std_connect_on_the_runtime_thread_is_refused() {
    let address = listener_on_127_0_0_2();
    let (message, _, error) = refused("network::std_connect", only_127_0_0_1(), move |seen| {
        Box::pin(async move {
            let error = std::net::TcpStream::connect(address).expect_err("refused");
            seen.send(error.kind()).expect("the test listens");
            std::future::pending::<()>().await;
        })
    });
    assert_eq!(error, Some(std::io::ErrorKind::ConnectionRefused));
    assert!(
        message.starts_with(&format!(
            "test `network::std_connect` tried to reach {address} over TCP, outside the allowed hosts (127.0.0.1): a \
             real connection escaped the mocks"
        )),
        "{message}"
    );
    assert!(
        message.contains("\n   - at ./tests/network.rs:"),
        "no call site: {message}"
    );
}

#[test]
fn a_udp_send_outside_the_list_is_refused() {
    let (message, _, error) = refused("network::udp_send", only_127_0_0_1(), |seen| {
        Box::pin(async move {
            let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("a socket");
            let error = socket.send_to(b"ping", "127.0.0.2:9").await.expect_err("refused");
            seen.send(error.kind()).expect("the test listens");
            std::future::pending::<()>().await;
        })
    });
    assert_eq!(error, Some(std::io::ErrorKind::ConnectionRefused));
    assert!(
        message.starts_with(
            "test `network::udp_send` tried to reach 127.0.0.2:9 over UDP, outside the allowed hosts (127.0.0.1): a \
             real connection escaped the mocks"
        ),
        "{message}"
    );
}

/// A name is refused before it is looked up (a lookup may send a DNS query): `localhost`, which resolves on this
/// machine, is not in a list of 127.0.0.1 alone.
#[test]
fn a_lookup_of_a_name_outside_the_list_is_refused_from_tokio_and_from_std() {
    let (message, real_time, failed) = refused("network::tokio_lookup", only_127_0_0_1(), |seen| {
        Box::pin(async move {
            let failed = tokio::net::lookup_host("localhost:80").await.is_err();
            seen.send(failed).expect("the test listens");
            std::future::pending::<()>().await;
        })
    });
    assert_ne!(failed, Some(false), "the lookup went through");
    assert!(
        message.starts_with(
            "test `network::tokio_lookup` tried to look up `localhost`, outside the allowed hosts (127.0.0.1): a real \
             connection escaped the mocks"
        ),
        "{message}"
    );
    assert!(
        message.contains("the call returned EAI_FAIL") && message.contains("network = \"127.0.0.1, localhost\""),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(1), "took {real_time:?}");
    let (message, _, failed) = refused("network::std_lookup", only_127_0_0_1(), |seen| {
        Box::pin(async move {
            let failed =
                tokio::task::spawn_blocking(|| std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 80)).is_err())
                    .await
                    .expect("the job ends");
            seen.send(failed).expect("the test listens");
            std::future::pending::<()>().await;
        })
    });
    assert_ne!(failed, Some(false), "the lookup went through");
    assert!(
        message.starts_with("test `network::std_lookup` tried to look up `localhost`"),
        "{message}"
    );
}

/// Loopback and `localhost` are allowed by default under the paused clock.
#[ws_test]
async fn loopback_and_localhost_are_allowed_by_default() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::net::TcpStream::connect(("localhost", port))
        .await
        .expect("connected by name");
    let other = listener_on_127_0_0_2();
    tokio::net::TcpStream::connect(other)
        .await
        .expect("127.0.0.2 is loopback too");
}

/// A name in the list may be looked up, and the addresses it resolved to reached, though the list names no address.
#[ws_test(network = "localhost")]
async fn a_listed_name_and_where_it_resolves_are_allowed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::net::TcpStream::connect(("localhost", port))
        .await
        .expect("connected by name");
}

#[ws_test(network = "allow")]
async fn allow_turns_the_guard_off() {
    let address = listener_on_127_0_0_2();
    tokio::net::TcpStream::connect(address).await.expect("connected");
}

/// This machine's own address on a non-loopback interface: connecting to it never leaves the machine, and is outside
/// `"local"`. Found by the route a UDP socket would take, which sends nothing.
fn this_machines_interface_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").expect("a socket");
    socket
        .connect("192.0.2.1:9")
        .expect("this test needs a non-loopback interface with a route");
    socket.local_addr().expect("an address").ip()
}

/// Real-time tests reach databases and other services: unguarded unless told otherwise.
#[ws_test(start_paused = false)]
async fn a_real_time_test_is_unguarded_by_default() {
    let listener = tokio::net::TcpListener::bind((this_machines_interface_address(), 0))
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    assert!(!address.ip().is_loopback());
    tokio::net::TcpStream::connect(address).await.expect("connected");
}

/// The same address under the paused clock is refused.
#[test]
fn a_non_loopback_address_is_refused_by_default_under_the_paused_clock() {
    let listener = std::net::TcpListener::bind((this_machines_interface_address(), 0)).expect("a port");
    let address = listener.local_addr().expect("an address");
    let (message, _) = panic_of(|| {
        Builder::new("network::interface").run(async move {
            let _ = tokio::net::TcpStream::connect(address).await;
            std::future::pending::<()>().await;
        })
    });
    assert!(
        message.starts_with(&format!(
            "test `network::interface` tried to reach {address} over TCP, outside the allowed hosts (loopback): a real \
             connection escaped the mocks"
        )),
        "{message}"
    );
    assert!(message.contains(&format!("network = \"{address}\"")), "{message}");
}

/// Tests that run in parallel and connect at the same moment: each refusal is its own test's, and the tests allowed
/// to connect pass.
#[test]
fn parallel_tests_connecting_at_once_each_answer_for_their_own() {
    const EACH: usize = 4;
    let outside = listener_on_127_0_0_2();
    let inside = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let address = listener.local_addr().expect("an address");
        std::thread::spawn(move || while listener.accept().is_ok() {});
        address
    };
    let together = std::sync::Arc::new(std::sync::Barrier::new(2 * EACH));
    let mut tests = Vec::new();
    for index in 0..2 * EACH {
        let together = std::sync::Arc::clone(&together);
        let refused = index % 2 == 0;
        tests.push(std::thread::spawn(move || {
            let name = format!("network::parallel_{index}");
            let target = if refused { outside } else { inside };
            let outcome = std::panic::catch_unwind(|| {
                Builder::new(name.clone()).network(only_127_0_0_1()).run(async move {
                    together.wait();
                    let _ = tokio::net::TcpStream::connect(target).await;
                })
            });
            (
                name,
                refused,
                outcome.err().and_then(|payload| payload.downcast::<String>().ok()),
            )
        }));
    }
    for test in tests {
        let (name, refused, failure) = test.join().expect("the test thread ends");
        match (refused, failure) {
            (true, Some(message)) => assert!(
                message.starts_with(&format!("test `{name}` tried to reach {outside} over TCP")),
                "{message}"
            ),
            (false, None) => {}
            (refused, failure) => panic!("`{name}` (refused: {refused}) ended with {failure:?}"),
        }
    }
}

#[ws_test(network = "127.0.0.1")]
#[ignore = "a deliberate escape, run in a child process by the test below"]
async fn escapes_for_the_record() {
    let _ = tokio::net::TcpStream::connect(listener_on_127_0_0_2()).await;
    std::future::pending::<()>().await;
}

/// The failure's kind in `WS_TEST_REPORT` is its own: `network`.
#[test]
fn an_escaped_connection_is_recorded_as_network() {
    let path = std::env::temp_dir().join(format!("ws-test-network-record-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let run = support::run_ignored_test(
        "escapes_for_the_record",
        &[("WS_TEST_REPORT", path.to_str().expect("a UTF-8 path"))],
    );
    assert_eq!(run.exit_code, Some(101), "{}", run.stdout);
    let records = std::fs::read_to_string(&path).expect("the record was written");
    let _ = std::fs::remove_file(&path);
    assert!(
        records.starts_with(
            "{\"test\":\"network::escapes_for_the_record\",\"outcome\":\"failed\",\"failures\":[\"network\"],"
        ),
        "{records}"
    );
}

#[ws_test]
#[ignore = "run by the test below, with WS_TEST_NETWORK set"]
async fn reaches_this_machines_interface_address() {
    // Found on a thread of its own, which is in no runtime: its route lookup (a UDP connect) is not the test's.
    let address = std::thread::spawn(this_machines_interface_address)
        .join()
        .expect("found");
    let listener = tokio::net::TcpListener::bind((address, 0)).await.expect("a port");
    tokio::net::TcpStream::connect(listener.local_addr().expect("an address"))
        .await
        .expect("connected");
}

/// `WS_TEST_NETWORK` sets the default for a whole run; a malformed value names the variable.
#[test]
fn the_environment_sets_the_run_default() {
    let test = "reaches_this_machines_interface_address";
    let allowed = support::run_ignored_test(test, &[("WS_TEST_NETWORK", "allow")]);
    assert_eq!(allowed.exit_code, Some(0), "{}{}", allowed.stdout, allowed.stderr);
    let refused = support::run_ignored_test(test, &[("WS_TEST_NETWORK", "127.0.0.1")]);
    assert_eq!(refused.exit_code, Some(101));
    assert!(
        refused
            .stderr
            .contains("over TCP, outside the allowed hosts (127.0.0.1): a real connection escaped the mocks"),
        "{}",
        refused.stderr
    );
    let malformed = support::run_ignored_test(test, &[("WS_TEST_NETWORK", "10.0.0.0/99")]);
    assert_eq!(malformed.exit_code, Some(101));
    assert!(
        malformed.stderr.contains(
            "test `network::reaches_this_machines_interface_address` cannot start: the environment variable \
             WS_TEST_NETWORK=\"10.0.0.0/99\" is not valid: `10.0.0.0/99`: `/99` is not a prefix length (0-32)"
        ),
        "{}",
        malformed.stderr
    );
}
