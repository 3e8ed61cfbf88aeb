//! `cargo run --release -p ws-test-bench`: generates throwaway test crates under `target/bench`, builds and runs them,
//! and prints a markdown table for BENCHMARKS.md. Each comparison alternates the two sides run after run and reports
//! the median of the per-pair ratios (and the median times), so that a machine's drift during the run affects both
//! alike. Per-test overhead is measured as users run tests, in both profiles: debug (`cargo test`) and release.
//! `-- services` measures only the second table: `http::serve` against `ws::pair()`, and the real-I/O grace.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Tests in the per-test overhead comparison.
const OVERHEAD_TESTS: usize = 1000;
/// Tests in the compile-time comparison.
const COMPILE_TESTS: usize = 500;
/// Runs of each side, alternated.
const RUNS: usize = 21;
/// Tests in the memory check, against the overhead comparison's: the RSS must not grow with the count.
const MEMORY_TESTS: usize = 10_000;
/// Rebuilds of each side, alternated.
const BUILDS: usize = 3;

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the workspace")
        .to_path_buf();
    let bench = workspace.join("target").join("bench");
    let shared_target = bench.join("target");
    // `cargo run --release -p ws-test-bench -- services` measures only the services table.
    if std::env::args().nth(1).as_deref() == Some("services") {
        println!("{}", services(&bench, &workspace, &shared_target));
        return;
    }
    let mut table = String::from("| measure | #[ws_test] | #[tokio::test] | ratio | target |\n|---|---|---|---|---|\n");

    for (shape, description, target_debug, target_release) in [
        ("yield", "trivial tests (`yield_now()`)", "≤ 1.2", "≤ 1.2"),
        (
            "talk",
            "tests that spawn, sleep 0-49 ms (virtual) and receive over a oneshot",
            "≤ 1.15",
            "≤ 1.10",
        ),
    ] {
        eprintln!("per-test overhead: {OVERHEAD_TESTS} {description} each ...");
        let ws = generate(
            &bench,
            &workspace,
            &format!("{shape}_ws"),
            &tests(shape, OVERHEAD_TESTS, "#[ws_test::test]"),
        );
        let tokio = generate(
            &bench,
            &workspace,
            &format!("{shape}_tokio"),
            &tests(shape, OVERHEAD_TESTS, "#[tokio::test(start_paused = true)]"),
        );
        for (release, target) in [(false, target_debug), (true, target_release)] {
            let profile = if release { "release" } else { "debug" };
            let ws_binary = fresh_copy(
                &build_test_binary(&ws, &shared_target, release),
                &bench,
                &format!("{shape}_ws_{profile}"),
            );
            let tokio_binary = fresh_copy(
                &build_test_binary(&tokio, &shared_target, release),
                &bench,
                &format!("{shape}_tokio_{profile}"),
            );
            let (ws_time, tokio_time, ratio) =
                alternate(RUNS, || run_quietly(&ws_binary), || run_quietly(&tokio_binary));
            let per_test = |total: Duration| total.as_secs_f64() * 1e6 / OVERHEAD_TESTS as f64;
            let _ = writeln!(
                table,
                "| {OVERHEAD_TESTS} {description}, {profile}, test binary wall time (median of {RUNS}) | {} ({:.0} µs/test) | {} ({:.0} µs/test) | {ratio:.2} | {target} |",
                seconds(ws_time),
                per_test(ws_time),
                seconds(tokio_time),
                per_test(tokio_time),
            );
            if !release {
                let (ws_faults, tokio_faults) = (faults_per_test(&ws_binary), faults_per_test(&tokio_binary));
                let _ = writeln!(
                    table,
                    "| {description}, debug: minor page faults per test (BENCHMARKS.md, \"Stack depth\") | {ws_faults:.2} | {tokio_faults:.2} | {:.2} | no more than tokio's |",
                    ws_faults / tokio_faults.max(0.01),
                );
            }
        }
    }

    // The light shape, in a debug build: 10 000 tests that talk take rustc over 18 GB to build in release, and any
    // shape shows whether memory grows with the count. libtest's own bookkeeping grows with it on both sides.
    eprintln!("memory: {OVERHEAD_TESTS} and {MEMORY_TESTS} tests ...");
    let mut peaks = Vec::new();
    for (side, attribute) in [
        ("ws", "#[ws_test::test]"),
        ("tokio", "#[tokio::test(start_paused = true)]"),
    ] {
        let root = generate(
            &bench,
            &workspace,
            &format!("memory_{side}"),
            &tests("yield", MEMORY_TESTS, attribute),
        );
        let binary = build_test_binary(&root, &shared_target, false);
        // The first thousand tests alone (their names start with `test_00`), then all of them.
        peaks.push((peak_memory(&binary, &["test_00"]), peak_memory(&binary, &[])));
    }
    let [(ws_few, ws_many), (tokio_few, tokio_many)] = [peaks[0], peaks[1]];
    let growth =
        |few: u64, many: u64| many.saturating_sub(few) as f64 * 1024.0 / (MEMORY_TESTS - OVERHEAD_TESTS) as f64;
    let _ = writeln!(
        table,
        "| peak RSS of a debug test binary of trivial tests: {OVERHEAD_TESTS} tests, then {MEMORY_TESTS} | {} MiB, then {} MiB ({:.0} bytes more per test) | {} MiB, then {} MiB ({:.0} bytes more per test) | {:.2} | no growth beyond libtest's |",
        ws_few / 1024,
        ws_many / 1024,
        growth(ws_few, ws_many),
        tokio_few / 1024,
        tokio_many / 1024,
        growth(tokio_few, tokio_many),
        growth(ws_few, ws_many) / growth(tokio_few, tokio_many).max(1.0)
    );

    eprintln!("compile time: {COMPILE_TESTS} tests each, rebuilding the test crate ...");
    let ws = generate(
        &bench,
        &workspace,
        "compile_ws",
        &tests("yield", COMPILE_TESTS, "#[ws_test::test]"),
    );
    let tokio = generate(
        &bench,
        &workspace,
        "compile_tokio",
        &tests("yield", COMPILE_TESTS, "#[tokio::test(start_paused = true)]"),
    );
    build_test_binary(&ws, &shared_target, false);
    build_test_binary(&tokio, &shared_target, false);
    let (ws_build, tokio_build, build_ratio) = alternate(
        BUILDS,
        || rebuild_tests(&ws, &shared_target),
        || rebuild_tests(&tokio, &shared_target),
    );
    let _ = writeln!(
        table,
        "| `cargo build --tests` of {COMPILE_TESTS} tests, the test crate only (median of {BUILDS}) | {} | {} | {:.2} | ≤ 1.3 |",
        seconds(ws_build),
        seconds(tokio_build),
        build_ratio
    );

    eprintln!("time-heavy suite: the ticker showcase ...");
    let (virtual_total, real_total) = ticker_suite_clocks(&workspace);
    let _ = writeln!(
        table,
        "| ticker showcase: protocol time covered vs real time taken | {} real | {} (the virtual time it covers) | {:.0}× faster | |",
        seconds(real_total),
        seconds(virtual_total),
        virtual_total.as_secs_f64() / real_total.as_secs_f64().max(1e-6)
    );

    eprintln!("hang to failure ...");
    let hangs = generate(&bench, &workspace, "hangs", HANG_TESTS);
    let hangs_binary = build_test_binary(&hangs, &shared_target, true);
    for (test, what) in [
        ("deadlock", "a deadlock (every task waiting, no timer)"),
        ("leaked_ticker", "a leaked ticker while the body waits"),
        ("blocking_sleep", "a 2 s `std::thread::sleep` in a helper"),
    ] {
        let (elapsed, output) = time_run(&hangs_binary, &["--exact", test]);
        let failed = !output.status.success();
        let _ = writeln!(
            table,
            "| time from {what} to the failing test result | {}{} | never (hangs until killed or a 60 s CI timeout) | | |",
            seconds(elapsed),
            if failed { "" } else { " (DID NOT FAIL)" }
        );
    }
    table.push('\n');
    table.push_str(&services(&bench, &workspace, &shared_target));
    println!("{table}");
    std::fs::write(bench.join("results.md"), &table).expect("target/bench is writable");
    eprintln!("(also written to {})", bench.join("results.md").display());
}

/// Runs of each side in the services comparisons, alternated.
const SERVICE_RUNS: usize = 11;
/// Round trips and connections in the services comparisons, and clock jumps in the grace's.
const ROUND_TRIPS: usize = 1000;
const CONNECTIONS: usize = 100;
const JUMPS: usize = 100;
/// Tests run by hand (`Builder`) in the leftovers comparisons, in one process, and those with real I/O in play.
const LOOKS: usize = 200;
const LOOKS_WITH_IO: usize = 20;
/// Sockets registered and deregistered in the real-I/O detection's comparison, and `epoll_ctl` calls in its fast path's.
const REGISTRATIONS: usize = 2000;
const EPOLL_CALLS: usize = 200_000;
/// Datagrams sent in the network guard's comparison, each a guarded call.
const GUARDED_CALLS: usize = 20_000;

/// What serving an app in memory and the real-I/O grace cost, as users run tests (debug builds): a WebSocket through
/// `http::serve` against the same through `ws::pair()`, and a clock jump with a real socket in play against one
/// without. Each test runs alone in its own process; process start-up is in both sides of each comparison.
fn services(bench: &Path, workspace: &Path, target: &Path) -> String {
    eprintln!("services: http::serve against ws::pair(), and the real-I/O grace ...");
    let root = generate_with(
        bench,
        workspace,
        "services",
        &SERVICE_TESTS
            .replace("ROUND_TRIPS", &ROUND_TRIPS.to_string())
            .replace("CONNECTIONS", &CONNECTIONS.to_string())
            .replace("LOOKS_WITH_IO", &LOOKS_WITH_IO.to_string())
            .replace("REGISTRATIONS", &REGISTRATIONS.to_string())
            .replace("EPOLL_CALLS", &EPOLL_CALLS.to_string())
            .replace("GUARDED_CALLS", &GUARDED_CALLS.to_string())
            .replace("LOOKS", &LOOKS.to_string())
            .replace("JUMPS", &JUMPS.to_string()),
        "\"http\"",
        "axum = { version = \"0.8.9\", default-features = false, features = [\"http1\", \"tokio\", \"ws\"] }\n\
         futures-util = { version = \"0.3.31\", default-features = false, features = [\"sink\"] }\n\
         tokio-tungstenite = { version = \"0.30.0\", default-features = false }\n\
         libc = \"0.2.172\"\n",
    );
    let binary = build_test_binary(&root, target, false);
    let run_one = |test: &str| {
        let (elapsed, output) = time_run(&binary, &["--quiet", "--exact", test]);
        assert!(
            output.status.success(),
            "{test} failed:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        elapsed
    };
    // Two tests of the crate, alternated run after run: their medians and the median of their ratios.
    let compare = |measured: &str, baseline: &str| alternate(SERVICE_RUNS, || run_one(measured), || run_one(baseline));
    let micros = |duration: Duration, count: usize| duration.as_secs_f64() * 1e6 / count as f64;
    let mut table = String::from("| measure, debug build | measured | baseline | difference |\n|---|---|---|---|\n");

    let (serve, pair, ratio) = compare("serve_round_trips", "pair_round_trips");
    let _ = writeln!(
        table,
        "| {ROUND_TRIPS} WebSocket echo round trips on one connection (median of {SERVICE_RUNS}) | through `http::serve` and an axum handler: {} | through `ws::pair()` and a spawned echo task: {} | {ratio:.2}×, {:+.1} µs per round trip |",
        seconds(serve),
        seconds(pair),
        micros(serve.saturating_sub(pair), ROUND_TRIPS)
    );
    let (serve, pair, ratio) = compare("serve_connections", "pair_connections");
    let _ = writeln!(
        table,
        "| {CONNECTIONS} connections, each opened, one round trip, closed (median of {SERVICE_RUNS}) | through `http::serve` (an HTTP/1.1 upgrade handshake each): {} | through `ws::pair()` (no handshake): {} | {ratio:.2}×, {:+.0} µs per connection |",
        seconds(serve),
        seconds(pair),
        micros(serve.saturating_sub(pair), CONNECTIONS)
    );
    let (held, free, _) = compare("jumps_with_a_socket", "jumps_without_io");
    let _ = writeln!(
        table,
        "| {JUMPS} jumps of the paused clock (1 s sleeps) (median of {SERVICE_RUNS}) | a listener open, so each jump waits the 5 ms grace: {} | no real I/O, each jump at once: {} | {:+.2} ms per jump |",
        seconds(held),
        seconds(free),
        micros(held.saturating_sub(free), JUMPS) / 1000.0
    );
    let (grace, off, ratio) = compare("loopback_echo", "loopback_echo_grace_off");
    let _ = writeln!(
        table,
        "| a loopback TCP echo test with no timer (median of {SERVICE_RUNS}) | grace on (the default with real I/O): {} | `io_grace = \"off\"`: {} | {ratio:.2}× |",
        seconds(grace),
        seconds(off)
    );
    let (quiet, stopped, _) = compare("quiet_leftovers", "stopped_leftovers");
    let _ = writeln!(
        table,
        "| {LOOKS} tests (`Builder::run`), each leaving a worker waiting on its inbox (median of {SERVICE_RUNS}) | left waiting, looked at for 10 virtual minutes: {} | the worker stopped before the body ends: {} | {:+.0} µs per test with a quiet task left |",
        seconds(quiet),
        seconds(stopped),
        micros(quiet.saturating_sub(stopped), LOOKS)
    );
    let (working, _, _) = compare("working_leftovers", "stopped_leftovers");
    let _ = writeln!(
        table,
        "| {LOOKS} tests, each leaving a heartbeat every 30 s (`leaks = \"warn\"`, median of {SERVICE_RUNS}) | looked at until its 20 beats in 10 virtual minutes: {} | the worker stopped, as above: {} | {:+.0} µs per test with a working task left |",
        seconds(working),
        seconds(stopped),
        micros(working.saturating_sub(stopped), LOOKS)
    );
    let (quiet_io, stopped_io, _) = compare("quiet_leftovers_with_real_io", "stopped_leftovers_with_real_io");
    let (working_io, _, _) = compare("working_leftovers_with_real_io", "stopped_leftovers_with_real_io");
    let _ = writeln!(
        table,
        "| {LOOKS_WITH_IO} tests with real I/O in play (a 5 ms `io_grace` from the start), each leaving a quiet task, or a heartbeat every 30 s (median of {SERVICE_RUNS}) | quiet: {}; heartbeat: {} | the task stopped: {} | {:+.1} ms per quiet look, {:+.0} ms per working one (the look's bound: 2 s) |",
        seconds(quiet_io),
        seconds(working_io),
        seconds(stopped_io),
        micros(quiet_io.saturating_sub(stopped_io), LOOKS_WITH_IO) / 1000.0,
        micros(working_io.saturating_sub(stopped_io), LOOKS_WITH_IO) / 1000.0
    );
    let (in_test, outside, _) = compare("registrations_in_a_test", "registrations_outside_a_test");
    let _ = writeln!(
        table,
        "| {REGISTRATIONS} UDP sockets bound and dropped, each registered with the runtime and deregistered (median of {SERVICE_RUNS}) | in a test, each seen by ws-test's `epoll_ctl` (what it is, read from /proc): {} | in a runtime of no test (the hook finds the thread's runtime is no test's): {} | {:+.1} µs per socket a test registers |",
        seconds(in_test),
        seconds(outside),
        micros(in_test.saturating_sub(outside), REGISTRATIONS)
    );
    let (hooked, raw, _) = compare("epoll_ctl_through_the_hook", "epoll_ctl_as_a_system_call");
    let _ = writeln!(
        table,
        "| {EPOLL_CALLS} `epoll_ctl` calls, an eventfd added to and deleted from an epoll of no test, by a thread in a runtime of no test (median of {SERVICE_RUNS}) | through ws-test's `epoll_ctl` (each addition asks which test's runtime the thread is in): {} | the system calls themselves: {} | {:+.3} µs per call |",
        seconds(hooked),
        seconds(raw),
        micros(hooked.saturating_sub(raw), EPOLL_CALLS)
    );
    let (guarded, unguarded, _) = alternate(SERVICE_RUNS, || run_one("guarded_sends"), || run_one("unguarded_sends"));
    let _ = writeln!(
        table,
        "| {GUARDED_CALLS} UDP datagrams sent to 127.0.0.1 with `send_to` (median of {SERVICE_RUNS}) | under the network guard (`\"local\"`, the default), each call judged: {} | `network = \"allow\"`: {} | {:+.2} µs per guarded call |",
        seconds(guarded),
        seconds(unguarded),
        micros(guarded.saturating_sub(unguarded), GUARDED_CALLS)
    );
    table
}

const SERVICE_TESTS: &str = r#"
use std::time::Duration;

use axum::extract::ws::{Message as AxumMessage, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use ws_test::ws::Socket;

async fn echo(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if let AxumMessage::Text(_) = message {
            if socket.send(message).await.is_err() {
                return;
            }
        }
    }
}

fn app() -> axum::Router {
    axum::Router::new().route("/echo", get(|upgrade: WebSocketUpgrade| async { upgrade.on_upgrade(echo) }))
}

async fn talk(socket: &mut Socket, round_trips: usize) {
    for index in 0..round_trips {
        socket.send(Message::text(index.to_string())).await.unwrap();
        match socket.next().await {
            Some(Ok(Message::Text(text))) => assert_eq!(text.as_str(), index.to_string()),
            other => panic!("expected an echo, got {other:?}"),
        }
    }
}

/// The server end of a pair, echoing as the axum handler does.
fn pair_with_echo() -> Socket {
    let (client, mut server) = ws_test::ws::pair();
    tokio::spawn(async move {
        while let Some(Ok(message)) = server.next().await {
            if message.is_text() && server.send(message).await.is_err() {
                return;
            }
        }
    });
    client
}

#[ws_test::test]
async fn serve_round_trips() {
    let server = ws_test::http::serve(app());
    let mut socket = server.ws("/echo").await.unwrap();
    talk(&mut socket, ROUND_TRIPS).await;
    socket.close(None).await.unwrap();
}

#[ws_test::test]
async fn pair_round_trips() {
    let mut socket = pair_with_echo();
    talk(&mut socket, ROUND_TRIPS).await;
    socket.close(None).await.unwrap();
}

#[ws_test::test]
async fn serve_connections() {
    let server = ws_test::http::serve(app());
    for _ in 0..CONNECTIONS {
        let mut socket = server.ws("/echo").await.unwrap();
        talk(&mut socket, 1).await;
        socket.close(None).await.unwrap();
    }
}

#[ws_test::test]
async fn pair_connections() {
    for _ in 0..CONNECTIONS {
        let mut socket = pair_with_echo();
        talk(&mut socket, 1).await;
        socket.close(None).await.unwrap();
    }
}

#[ws_test::test]
async fn jumps_with_a_socket() {
    let _listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    for _ in 0..JUMPS {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[ws_test::test]
async fn jumps_without_io() {
    for _ in 0..JUMPS {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn one_echo() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = [0; 5];
        stream.read_exact(&mut buffer).await.unwrap();
        stream.write_all(&buffer).await.unwrap();
    });
    let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
    client.write_all(b"hello").await.unwrap();
    let mut buffer = [0; 5];
    client.read_exact(&mut buffer).await.unwrap();
    assert_eq!(&buffer, b"hello");
    server.await.unwrap();
}

#[ws_test::test]
async fn loopback_echo() {
    let _listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    one_echo().await;
}

#[ws_test::test(io_grace = "off")]
async fn loopback_echo_grace_off() {
    one_echo().await;
}

/// A worker on its inbox, left waiting (`stop: false`) or stopped by dropping its sender before the body ends.
async fn worker(stop: bool) {
    let (jobs, mut inbox) = tokio::sync::mpsc::channel::<u32>(1);
    let worker = tokio::spawn(async move { while inbox.recv().await.is_some() {} });
    jobs.send(1).await.unwrap();
    if stop {
        drop(jobs);
        worker.await.unwrap();
    } else {
        std::mem::forget(jobs);
    }
}

fn heartbeat() {
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    });
}

fn runs(count: usize, name: &str, grace: Option<Duration>, body: fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>) {
    for index in 0..count {
        let mut builder = ws_test::Builder::new(format!("{name}_{index}")).leaks(ws_test::Leaks::Warn);
        if let Some(grace) = grace {
            builder = builder.io_grace(ws_test::IoGrace::Always(grace));
        }
        builder.run(body());
    }
}

#[test]
fn quiet_leftovers() {
    runs(LOOKS, "quiet", None, || Box::pin(worker(false)));
}

#[test]
fn stopped_leftovers() {
    runs(LOOKS, "stopped", None, || Box::pin(worker(true)));
}

#[test]
fn working_leftovers() {
    runs(LOOKS, "working", None, || Box::pin(async {
        worker(true).await;
        heartbeat();
    }));
}

const GRACE: Option<Duration> = Some(Duration::from_millis(5));

#[test]
fn quiet_leftovers_with_real_io() {
    runs(LOOKS_WITH_IO, "quiet_io", GRACE, || Box::pin(worker(false)));
}

#[test]
fn stopped_leftovers_with_real_io() {
    runs(LOOKS_WITH_IO, "stopped_io", GRACE, || Box::pin(worker(true)));
}

/// Sockets registered with the runtime and deregistered again, as a test that opens connections does.
async fn register_sockets() {
    for _ in 0..REGISTRATIONS {
        drop(tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap());
    }
}

#[test]
fn registrations_in_a_test() {
    ws_test::Builder::new("registrations").run(register_sockets());
}

#[test]
fn registrations_outside_a_test() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(register_sockets());
}

/// An epoll of no test, to which an eventfd is added and from which it is deleted, `EPOLL_CALLS` calls of `call` in
/// all, made inside a runtime of no test: what a fixture's own runtime pays for each registration.
fn add_and_delete(call: fn(i32, i32, i32, *mut libc::epoll_event) -> i64) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        unsafe {
            let epoll = libc::epoll_create1(libc::EPOLL_CLOEXEC);
            let event_fd = libc::eventfd(0, libc::EFD_CLOEXEC);
            let mut event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 0 };
            for _ in 0..EPOLL_CALLS / 2 {
                assert_eq!(call(epoll, libc::EPOLL_CTL_ADD, event_fd, &mut event), 0);
                assert_eq!(call(epoll, libc::EPOLL_CTL_DEL, event_fd, &mut event), 0);
            }
            libc::close(event_fd);
            libc::close(epoll);
        }
    });
}

#[test]
fn epoll_ctl_through_the_hook() {
    add_and_delete(|epoll, op, fd, event| unsafe { libc::epoll_ctl(epoll, op, fd, event) as i64 });
}

#[test]
fn epoll_ctl_as_a_system_call() {
    add_and_delete(|epoll, op, fd, event| unsafe { libc::syscall(libc::SYS_epoll_ctl, epoll, op, fd, event) });
}

/// Datagrams to the socket itself: each `send_to` is a call the network guard judges.
async fn send_datagrams() {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let target = socket.local_addr().unwrap();
    for _ in 0..GUARDED_CALLS {
        socket.send_to(b"x", target).await.unwrap();
    }
}

#[test]
fn guarded_sends() {
    ws_test::Builder::new("guarded").run(send_datagrams());
}

#[test]
fn unguarded_sends() {
    ws_test::Builder::new("unguarded").network(ws_test::Network::Allow).run(send_datagrams());
}

#[test]
fn working_leftovers_with_real_io() {
    runs(LOOKS_WITH_IO, "working_io", GRACE, || Box::pin(async {
        worker(true).await;
        heartbeat();
    }));
}
"#;

/// `count` tests of one shape: `yield` does nothing but yield; `talk` spawns a task that sleeps 0-49 virtual ms
/// and answers over a oneshot, as tests of a service do.
fn tests(shape: &str, count: usize, attribute: &str) -> String {
    let mut source = String::from("#![allow(unused_imports)]\nuse std::time::Duration;\n\n");
    for index in 0..count {
        let body = match shape {
            "yield" => "    tokio::task::yield_now().await;".to_string(),
            _ => format!(
                "    let (sender, receiver) = tokio::sync::oneshot::channel();\n    tokio::spawn(async move {{\n        \
                 tokio::time::sleep(Duration::from_millis({})).await;\n        let _ = sender.send({index}u32);\n    \
                 }});\n    assert_eq!(receiver.await.unwrap(), {index});",
                index % 50
            ),
        };
        let _ = writeln!(source, "{attribute}\nasync fn test_{index:05}() {{\n{body}\n}}\n");
    }
    source
}

/// The peak resident memory of a test binary's run, in KiB, from the kernel's high-water mark (`VmHWM`), read while
/// it runs: the last reading before it exits.
/// Minor page faults per test beyond the binary's start, best of a few runs: a test's thread that touches its stack
/// deeper than glibc keeps for the next thread shows as one more per test (BENCHMARKS.md, "Stack depth").
fn faults_per_test(binary: &Path) -> f64 {
    let faults_of = |arguments: &[&str]| {
        (0..5)
            .map(|_| {
                let before = children_minor_faults();
                let (_, output) = time_run(binary, arguments);
                assert!(output.status.success(), "{} failed", binary.display());
                children_minor_faults() - before
            })
            .min()
            .unwrap_or(0)
    };
    let all = faults_of(&["--quiet", "--test-threads=2"]);
    let one = faults_of(&["--quiet", "--test-threads=2", "--exact", "test_00000"]);
    all.saturating_sub(one) as f64 / (OVERHEAD_TESTS - 1) as f64
}

/// The minor page faults of this process's children that have ended and been waited for (`cminflt` in
/// `/proc/self/stat`, the 11th field; the fields after the parenthesised command name start at the 3rd).
fn children_minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("Linux has /proc/self/stat");
    let after_name = &stat[stat.rfind(')').expect("a stat line names its command") + 1..];
    after_name
        .split_whitespace()
        .nth(11 - 3)
        .and_then(|field| field.parse().ok())
        .expect("cminflt is a number")
}

fn peak_memory(binary: &Path, filter: &[&str]) -> u64 {
    let mut child = Command::new(binary)
        .args(["--quiet", "--test-threads=2"])
        .args(filter)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the test binary runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().expect("the child can be waited for").is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let high_water = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak = peak.max(high_water.unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    peak
}

const HANG_TESTS: &str = r#"
use std::time::Duration;

#[ws_test::test]
async fn deadlock() {
    let (_sender, receiver) = tokio::sync::oneshot::channel::<()>();
    let _ = receiver.await;
}

#[ws_test::test]
async fn leaked_ticker() {
    tokio::spawn(async {
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        loop {
            ticker.tick().await;
        }
    });
    let (_sender, receiver) = tokio::sync::oneshot::channel::<()>();
    let _ = receiver.await;
}

fn load_fixture() {
    std::thread::sleep(Duration::from_secs(2));
}

#[ws_test::test]
async fn blocking_sleep() {
    load_fixture();
}
"#;

/// A crate of its own (its own `[workspace]`) with `source` as its one test file.
fn generate(bench: &Path, workspace: &Path, name: &str, source: &str) -> PathBuf {
    generate_with(bench, workspace, name, source, "", "")
}

/// [`generate`], with ws-test's `features` (e.g. `"\"http\""`) and more dev-dependencies (TOML lines).
fn generate_with(
    bench: &Path,
    workspace: &Path,
    name: &str,
    source: &str,
    features: &str,
    dependencies: &str,
) -> PathBuf {
    let root = bench.join(name);
    std::fs::create_dir_all(root.join("tests")).expect("target/bench is writable");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n\
         [dev-dependencies]\nws-test = {{ path = {:?}, features = [{features}] }}\ntokio = {{ version = \"1.54.1\", features = [\"rt\", \"macros\", \"time\", \"sync\", \"net\", \"io-util\", \"test-util\"] }}\n{dependencies}",
        workspace.join("runtime")
    );
    std::fs::write(root.join("Cargo.toml"), manifest).expect("target/bench is writable");
    std::fs::write(root.join("tests").join("suite.rs"), source).expect("target/bench is writable");
    root
}

/// Builds the crate's test binary and returns its path.
fn build_test_binary(root: &Path, target: &Path, release: bool) -> PathBuf {
    let mut command = cargo(root, target);
    command.args(["test", "--no-run", "--message-format=json"]);
    if release {
        command.arg("--release");
    }
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "building {} failed:\n{}",
        root.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = String::from_utf8_lossy(&output.stdout);
    let executable = messages
        .lines()
        .filter(|line| line.contains("\"executable\":\"") && line.contains("suite"))
        .filter_map(|line| line.split("\"executable\":\"").nth(1)?.split('"').next())
        .next_back()
        .expect("cargo reports the test binary");
    PathBuf::from(executable)
}

/// A copy of `binary` in a file of its own, written in one go, to be timed instead of the file the linker wrote: the same
/// bytes run 2-3% faster from such a copy, and by different amounts for different binaries (BENCHMARKS.md, at the top),
/// so that timing the linkers' files would add a lottery of its own to every ratio.
fn fresh_copy(binary: &Path, bench: &Path, name: &str) -> PathBuf {
    let timed = bench.join("timed");
    std::fs::create_dir_all(&timed).expect("target/bench is writable");
    let copy = timed.join(name);
    // Removed first: a new file, not old pages rewritten.
    let _ = std::fs::remove_file(&copy);
    std::fs::copy(binary, &copy).expect("the test binary can be copied");
    copy
}

/// Touches the test file and rebuilds: the cost of expanding and compiling the tests, dependencies already built.
fn rebuild_tests(root: &Path, target: &Path) -> Duration {
    let file = root.join("tests").join("suite.rs");
    let source = std::fs::read_to_string(&file).expect("the suite exists");
    std::fs::write(&file, source).expect("the suite is writable");
    let start = Instant::now();
    let status = cargo(root, target)
        .args(["build", "--tests", "--quiet"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "rebuilding {} failed", root.display());
    start.elapsed()
}

fn cargo(root: &Path, target: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root).env("CARGO_TARGET_DIR", target);
    command
}

fn run_quietly(binary: &Path) -> Duration {
    let (elapsed, output) = time_run(binary, &["--quiet", "--test-threads=2"]);
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        binary.display(),
        String::from_utf8_lossy(&output.stdout)
    );
    elapsed
}

fn time_run(binary: &Path, arguments: &[&str]) -> (Duration, Output) {
    let start = Instant::now();
    let output = Command::new(binary)
        .args(arguments)
        .env_remove("WS_TEST_TIMEOUT")
        .output()
        .expect("the test binary runs");
    (start.elapsed(), output)
}

/// Runs `a` and `b` alternately `runs` times each (each going first every other time) and returns their medians and
/// the median of the ratios `a / b` of each pair: a drift of the machine during the run cancels out of each pair.
fn alternate(
    runs: usize,
    mut a: impl FnMut() -> Duration,
    mut b: impl FnMut() -> Duration,
) -> (Duration, Duration, f64) {
    let (mut a_times, mut b_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let (a_time, b_time) = if run % 2 == 0 {
            let a_time = a();
            (a_time, b())
        } else {
            let b_time = b();
            (a(), b_time)
        };
        a_times.push(a_time);
        b_times.push(b_time);
        ratios.push(a_time.as_secs_f64() / b_time.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    (median(a_times), median(b_times), ratios[ratios.len() / 2])
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The ticker showcase's clocks, summed over its tests, from their `--nocapture` lines.
fn ticker_suite_clocks(workspace: &Path) -> (Duration, Duration) {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace)
        .args([
            "test",
            "--release",
            "-p",
            "ticker",
            "--test",
            "client",
            "--",
            "--nocapture",
        ])
        .output()
        .expect("cargo runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let (mut virtual_total, mut real_total) = (0.0, 0.0);
    for line in text.lines().filter(|line| line.starts_with("ws-test: ")) {
        let number_after = |label: &str| -> f64 {
            line.split(label)
                .nth(1)
                .and_then(|rest| rest.split('s').next())
                .and_then(|number| number.parse().ok())
                .unwrap_or(0.0)
        };
        virtual_total += number_after("(virtual ");
        real_total += number_after(", real ");
    }
    (
        Duration::from_secs_f64(virtual_total),
        Duration::from_secs_f64(real_total),
    )
}

fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}
