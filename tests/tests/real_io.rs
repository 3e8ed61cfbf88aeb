//! Real I/O under the paused clock: a peer outside the test's runtime answers in real time, and the clock waits for it
//! (`io_grace`) instead of jumping to the timer that races the reply; `ws_test::ws::Server` for client code that dials
//! a URL.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use support::panic_of;
use tokio_tungstenite::tungstenite::Message;
use ws_test::{Builder, IoGrace, assert_close, assert_text, ws_test};

/// A server on a thread and a runtime of its own, in real time, as a common fixture starts one: each connection is
/// handed to `serve` in a task of its own.
fn serve_on_its_own_thread<Serving>(serve: impl Fn(tokio::net::TcpStream) -> Serving + Send + 'static) -> SocketAddr
where
    Serving: std::future::Future<Output = ()> + Send + 'static,
{
    let (address_sender, address) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
            address_sender
                .send(listener.local_addr().expect("an address"))
                .expect("the test listens");
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream));
            }
        });
    });
    address.recv().expect("the server starts")
}

/// A WebSocket echo server on a thread of its own; `reply_after` delays its handshake, as a slow peer would.
fn echo_server_on_its_own_thread(reply_after: Duration) -> SocketAddr {
    serve_on_its_own_thread(move |stream| websocket_echo(stream, reply_after))
}

async fn websocket_echo(stream: tokio::net::TcpStream, reply_after: Duration) {
    tokio::time::sleep(reply_after).await;
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = socket.next().await {
        if message.is_text() && socket.send(message).await.is_err() {
            return;
        }
    }
}

/// A server on a thread of its own answers in real time, before the timeouts that race it. It needs CPU time of its own
/// to answer, and on a loaded machine it may wait tens of milliseconds for it (ws-test stretches the grace while
/// another thread of the process works or waits for a CPU, but a reply can also wait in the kernel): a grace of 50 ms,
/// which costs nothing here, where the clock never jumps.
#[ws_test(io_grace = "50ms")]
async fn a_server_on_its_own_thread_answers_before_the_timeout_that_races_it() {
    let address = echo_server_on_its_own_thread(Duration::ZERO);
    let url = format!("ws://{address}");
    let connecting = tokio_tungstenite::connect_async_with_config(url, None, true);
    let (mut socket, _) = tokio::time::timeout(Duration::from_secs(5), connecting)
        .await
        .expect("the server answers within 5 virtual seconds")
        .expect("connected");
    for round in 0..20 {
        socket.send(Message::text(format!("ping {round}"))).await.expect("sent");
        assert_text!(socket, format!("ping {round}"), within = Duration::from_secs(5));
    }
}

#[test]
fn without_the_grace_the_paused_clock_races_a_real_reply() {
    let address = echo_server_on_its_own_thread(Duration::from_millis(30));
    let raced = Builder::new("real_io::races").io_grace(IoGrace::Off).run(async move {
        let connecting = tokio_tungstenite::connect_async(format!("ws://{address}"));
        tokio::time::timeout(Duration::from_secs(5), connecting).await.is_err()
    });
    assert!(
        raced,
        "the clock jumped the 5 s before the reply, 30 ms away in real time"
    );
    let answered = Builder::new("real_io::waits")
        .io_grace(IoGrace::Always(Duration::from_millis(500)))
        .run(async move {
            let connecting = tokio_tungstenite::connect_async(format!("ws://{address}"));
            tokio::time::timeout(Duration::from_secs(5), connecting).await.is_ok()
        });
    assert!(answered, "the clock waited for the reply");
}

/// Client code that dials a URL itself, scripted against `ws::Server`.
#[ws_test]
async fn a_client_that_dials_a_url_is_tested_against_a_scriptable_server() {
    let server = ws_test::ws::Server::bind().await.expect("a port");
    let url = server.url();
    let client = tokio::spawn(async move {
        let (mut socket, _) = tokio_tungstenite::connect_async(url).await.expect("connected");
        socket.send(Message::text("subscribe btc")).await.expect("sent");
        assert_text!(socket, "price 101");
        socket.close(None).await.expect("closed");
    });
    let (mut socket, request) = server.accept().await.expect("a client");
    assert_eq!(request.uri().path(), "/");
    assert_text!(socket, "subscribe btc");
    socket.send(Message::text("price 101")).await.expect("sent");
    assert_close!(socket);
    client.await.expect("the client task ends");
}

/// A server and a client in the test's own runtime, over loopback TCP: a heartbeat every 30 virtual seconds for an
/// hour. Each jump of the clock waits the grace for the frames in flight; `TCP_NODELAY` on both ends keeps the kernel
/// from holding a small frame back.
#[ws_test]
async fn an_hour_of_heartbeats_over_loopback_tcp() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("a client");
        stream.set_nodelay(true).expect("no Nagle");
        let mut socket = tokio_tungstenite::accept_async(stream).await.expect("a handshake");
        let mut heartbeat = tokio::time::interval(Duration::from_secs(30));
        heartbeat.tick().await;
        for beat in 1..=120 {
            heartbeat.tick().await;
            socket.send(Message::text(format!("beat {beat}"))).await.expect("sent");
        }
        socket.close(None).await.expect("closed");
    });
    let start = tokio::time::Instant::now();
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(format!("ws://{address}"), None, true)
        .await
        .expect("connected");
    for beat in 1..=120 {
        assert_text!(socket, format!("beat {beat}"), within = Duration::from_secs(31));
    }
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
    assert_close!(socket);
    server.await.expect("the server ends");
}

/// The body binds a listener itself: `#[ws_test]` sees it, and from then on each jump of the clock waits until the
/// runtime has been idle for the default grace (5 ms) of real time. Measured as a lower bound, so a loaded machine cannot
/// make it fail.
#[ws_test]
async fn a_socket_the_body_makes_holds_each_jump_of_the_clock_for_the_grace() {
    let _listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    four_jumps_wait_for_the_default_grace().await;
}

/// Four jumps of the paused clock take at least four default graces (5 ms) of real time.
async fn four_jumps_wait_for_the_default_grace() {
    let real_start = std::time::Instant::now();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let held = real_start.elapsed();
    assert!(
        held >= 4 * Duration::from_millis(5),
        "4 jumps in {held:?}: the clock did not wait for the real I/O"
    );
}

/// `ws::Server` says itself that real I/O is in play (the macro does not count it as the body's own): from its bind on,
/// each jump of the clock waits for the default grace too. Its listening socket is enough; nothing needs to connect.
/// A lower bound again.
#[ws_test]
async fn a_ws_server_holds_each_jump_of_the_clock_for_the_grace_from_its_bind_on() {
    let _server = ws_test::ws::Server::bind().await.expect("a port");
    four_jumps_wait_for_the_default_grace().await;
}

/// A child process answers in real time too; a slow one needs a grace of its own.
#[ws_test(io_grace = "2s")]
async fn a_child_process_is_waited_for() {
    let status = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::process::Command::new("sh").args(["-c", "exit 3"]).status(),
    )
    .await
    .expect("the child ends within 5 virtual seconds")
    .expect("the child ran");
    assert_eq!(status.code(), Some(3));
}

/// A peer that never answers is still a deadlock, and the report says real I/O was in play.
#[test]
fn a_peer_that_never_answers_is_a_deadlock_that_names_real_io() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let address = listener.local_addr().expect("an address");
    let (message, real_time) = panic_of(|| {
        Builder::new("real_io::silent_peer")
            .io_grace(IoGrace::Always(Duration::from_millis(5)))
            .run(async move {
                use tokio::io::AsyncReadExt;
                let mut stream = tokio::net::TcpStream::connect(address).await.expect("connected");
                let mut buffer = [0u8; 1];
                let _ = stream.read(&mut buffer).await;
            })
    });
    drop(listener);
    assert!(
        message.starts_with(
            "test `real_io::silent_peer` deadlocked: the body is waiting, no timer is pending, and nothing arrived \
             for 500ms (virtual 0.000s, real "
        ),
        "{message}"
    );
    assert!(
        message.contains("Real I/O was in play (a socket, a child process): a peer outside the runtime did not answer"),
        "{message}"
    );
    // On Linux ws-test sees the socket registered, and says where it goes.
    let what = if cfg!(target_os = "linux") {
        format!("1 TCP socket to {address}")
    } else {
        "a socket, a listener, a child process or ws::Server".to_string()
    };
    assert!(
        message.contains(&format!("\n   - real I/O was in play: {what}\n")),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

/// A connection between two sockets of the test's own runtime is said to be one: neither end can be late, so the
/// wait is the test's own.
#[test]
fn a_deadlock_over_a_connection_inside_the_runtime_says_that_peer_cannot_be_late() {
    let (addresses_sender, addresses) = std::sync::mpsc::channel();
    let (message, _) = panic_of(|| {
        Builder::new("real_io::silent_server").run(async move {
            use tokio::io::AsyncReadExt;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
            let server = listener.local_addr().expect("an address");
            let mut client = tokio::net::TcpStream::connect(server).await.expect("connected");
            let (_accepted, _) = listener.accept().await.expect("a client");
            addresses_sender
                .send((client.local_addr().expect("an address"), server))
                .expect("the test listens");
            let mut buffer = [0u8; 1];
            let _ = client.read(&mut buffer).await;
        })
    });
    assert!(
        message.starts_with("test `real_io::silent_server` deadlocked: the body is waiting, no timer is pending"),
        "{message}"
    );
    let (client, server) = addresses.recv().expect("the addresses");
    let what = if cfg!(target_os = "linux") {
        format!(
            "1 TCP connection between sockets of the test's own runtime ({client} ↔ {server}), which cannot be late, \
             1 TCP listener on {server}"
        )
    } else {
        "a socket, a listener, a child process or ws::Server".to_string()
    };
    assert!(
        message.contains(&format!("\n   - real I/O was in play: {what}\n")),
        "{message}"
    );
}

/// A child process that outlives the real-time budget: the clock kept to real time while it ran, and the report says
/// which process it was.
#[cfg(target_os = "linux")]
#[test]
fn a_timeout_while_a_child_runs_names_the_child() {
    let (message, real_time) = panic_of(|| {
        Builder::new("real_io::slow_child")
            .timeout(Duration::from_secs(1))
            .run(async move {
                let mut child = tokio::process::Command::new("sleep")
                    .arg("30")
                    .kill_on_drop(true)
                    .spawn()
                    .expect("a child");
                let waited = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
                panic!("the child's 20 s timeout fired early: {waited:?}");
            })
    });
    assert!(
        message.starts_with(
            "test `real_io::slow_child` timed out: still running after its real-time budget of 1s (virtual "
        ),
        "{message}"
    );
    let line = message
        .lines()
        .find(|line| line.starts_with("   - real I/O was in play: "))
        .unwrap_or_else(|| panic!("no line says what the real I/O was: {message}"));
    assert!(
        line.starts_with("   - real I/O was in play: 1 child process (pid ") && line.ends_with(", sleep)"),
        "{line}"
    );
    assert!(
        real_time >= Duration::from_secs(1) && real_time < Duration::from_secs(10),
        "took {real_time:?}"
    );
}

/// Sockets and child processes made where the macro cannot see them (in helpers, in client libraries): on Linux
/// ws-test sees them registered with the test's runtime (with `--cfg tokio_unstable`, tokio counts them too), so the
/// clock waits for their replies. CI runs this file in both builds.
#[cfg(target_os = "linux")]
mod made_in_helpers {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::time::{Instant, timeout};

    use super::*;

    async fn connect_in_a_helper(address: SocketAddr) -> TcpStream {
        let stream = TcpStream::connect(address).await.expect("connected");
        stream.set_nodelay(true).expect("no Nagle");
        stream
    }

    #[ws_test]
    async fn a_socket_made_in_a_helper_is_waited_for() {
        let address = echo_server_on_its_own_thread(Duration::ZERO);
        let stream = connect_in_a_helper(address).await;
        let handshake = tokio_tungstenite::client_async(format!("ws://{address}"), stream);
        let (mut socket, _) = tokio::time::timeout(Duration::from_secs(5), handshake)
            .await
            .expect("the server answers within 5 virtual seconds")
            .expect("a handshake");
        socket.send(Message::text("hello")).await.expect("sent");
        assert_text!(socket, "hello", within = Duration::from_secs(5));
    }

    /// A plain TCP echo service, started by a helper as a fixture would: on a thread and a runtime of its own.
    fn start_echo_service_on_its_own_thread() -> SocketAddr {
        serve_on_its_own_thread(echo)
    }

    /// The same service, as a task of the runtime the helper is called on.
    async fn start_echo_service_in_this_runtime() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(echo(stream));
            }
        });
        address
    }

    async fn echo(mut stream: TcpStream) {
        stream.set_nodelay(true).expect("no Nagle");
        let mut buffer = [0u8; 64];
        while let Ok(read) = stream.read(&mut buffer).await {
            if read == 0 || stream.write_all(&buffer[..read]).await.is_err() {
                return;
            }
        }
    }

    /// 50 echoes, each under `timeout(2s)`, while a 5 s timer of the test is pending. From a service on a thread of
    /// its own, the paused clock would jump to the 2 s timeout at the first wait for a reply were the socket not seen
    /// (checked: it did, before). From a service in the test's runtime, the reply is ready before the runtime parks
    /// either way: that test keeps the second shape passing, it does not prove the detection. Returns the
    /// virtual time it took.
    async fn fifty_echoes_while_a_5s_timer_is_pending(address: SocketAddr) -> Duration {
        let start = Instant::now();
        let pending = tokio::spawn(tokio::time::sleep(Duration::from_secs(5)));
        let mut stream = connect_in_a_helper(address).await;
        for round in 0..50u8 {
            stream.write_all(&[round; 8]).await.expect("sent");
            let mut reply = [0u8; 8];
            timeout(Duration::from_secs(2), stream.read_exact(&mut reply))
                .await
                .unwrap_or_else(|_| panic!("echo {round} timed out after 2 virtual seconds"))
                .expect("read");
            assert_eq!(reply, [round; 8]);
        }
        assert!(
            !pending.is_finished(),
            "the 5 s timer fired: the clock raced the replies"
        );
        start.elapsed()
    }

    #[ws_test]
    async fn fifty_echoes_from_a_service_on_its_own_thread_each_within_2s() {
        let address = start_echo_service_on_its_own_thread();
        let took = fifty_echoes_while_a_5s_timer_is_pending(address).await;
        assert!(took < Duration::from_secs(5), "virtual time reached {took:?}");
    }

    #[ws_test]
    async fn fifty_echoes_from_a_service_in_the_tests_runtime_each_within_2s() {
        let address = start_echo_service_in_this_runtime().await;
        let took = fifty_echoes_while_a_5s_timer_is_pending(address).await;
        assert!(took < Duration::from_secs(5), "virtual time reached {took:?}");
    }

    /// A service runtime built by a helper the body calls, so inside the test's runtime, then served on a thread of its
    /// own: its build registers with its own epoll instance from the test's runtime, which is not the test's real I/O;
    /// the test's connection to it is.
    fn build_a_service_runtime_here() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime")
    }

    #[ws_test]
    async fn fifty_echoes_from_a_service_whose_runtime_was_built_in_the_body_each_within_2s() {
        let service = build_a_service_runtime_here();
        let listener = service
            .spawn(async { TcpListener::bind("127.0.0.1:0").await })
            .await
            .expect("bound")
            .expect("a port");
        let address = listener.local_addr().expect("an address");
        service.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(echo(stream));
            }
        });
        let took = fifty_echoes_while_a_5s_timer_is_pending(address).await;
        assert!(took < Duration::from_secs(5), "virtual time reached {took:?}");
        // A runtime may not be dropped inside another.
        std::thread::spawn(move || drop(service));
    }

    /// Building that runtime alone is no real I/O of the test: the clock's jumps do not wait. Were its build taken for
    /// the test's, each of the 400 jumps would wait the default grace of 5 ms (2 s).
    #[ws_test]
    async fn a_runtime_built_in_the_body_is_not_the_tests_real_io() {
        let service = build_a_service_runtime_here();
        let real_start = std::time::Instant::now();
        for _ in 0..400 {
            tokio::time::sleep(Duration::from_secs(9)).await;
        }
        let real_time = real_start.elapsed();
        assert!(
            real_time < Duration::from_secs(1),
            "400 jumps took {real_time:?}: the service runtime's build was taken for real I/O"
        );
        std::thread::spawn(move || drop(service));
    }

    /// A child that takes half a second of real time, inside a 3 s timeout: the paused clock keeps to real time while
    /// it runs, so the timeout gives it 3 real seconds, as under `#[tokio::test]`.
    fn a_slow_child() -> tokio::process::Command {
        let mut command = tokio::process::Command::new("sh");
        command.args(["-c", "sleep 0.5; echo done"]);
        command
    }

    async fn run_a_slow_child_in_a_helper() -> std::process::Output {
        timeout(Duration::from_secs(3), a_slow_child().output())
            .await
            .expect("the child ends within the 3 s timeout")
            .expect("the child ran")
    }

    #[ws_test]
    async fn a_child_slower_than_the_grace_started_in_the_body_gets_real_time() {
        let real_start = std::time::Instant::now();
        let start = Instant::now();
        let output = timeout(
            Duration::from_secs(3),
            tokio::process::Command::new("sh")
                .args(["-c", "sleep 0.5; echo done"])
                .output(),
        )
        .await
        .expect("the child ends within the 3 s timeout")
        .expect("the child ran");
        assert_eq!(output.stdout, b"done\n");
        assert!(
            start.elapsed() <= real_start.elapsed(),
            "the clock ran ahead of real time"
        );
    }

    #[ws_test]
    async fn a_child_slower_than_the_grace_started_in_a_helper_gets_real_time() {
        let output = run_a_slow_child_in_a_helper().await;
        assert_eq!(output.stdout, b"done\n");
        // Once it has ended, the clock jumps again at once.
        let real_start = std::time::Instant::now();
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert!(
            real_start.elapsed() < Duration::from_secs(2),
            "the clock kept to real time after the child"
        );
    }
}
