//! Stream assertions, both ways, with their exact messages; waiting is on the virtual clock.

mod support;

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use support::{panic_of, run_ignored_test};
use tokio_stream::wrappers::ReceiverStream;
use ws_test::{Builder, Leaks, assert_end, assert_next, assert_next_eq, assert_next_matches, assert_pending, ws_test};

/// Items sent by a task, the first after `delay` of virtual time; the stream ends when the task is done.
fn delayed(items: Vec<&'static str>, delay: Duration) -> ReceiverStream<&'static str> {
    let (sender, receiver) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        for item in items {
            sender.send(item).await.expect("the test reads");
        }
    });
    ReceiverStream::new(receiver)
}

/// A stream that stays open, with nothing to say.
fn silent() -> (tokio::sync::mpsc::Sender<&'static str>, ReceiverStream<&'static str>) {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    (sender, ReceiverStream::new(receiver))
}

/// What a stream that is not fused does once it has returned `None`.
#[derive(Clone, Copy)]
enum AfterEnd {
    YieldsAgain,
    Panics,
}

struct NotFused {
    ended: bool,
    after_end: AfterEnd,
}

impl Stream for NotFused {
    type Item = &'static str;

    fn poll_next(mut self: Pin<&mut Self>, _context: &mut Context<'_>) -> Poll<Option<&'static str>> {
        if !self.ended {
            self.ended = true;
            return Poll::Ready(None);
        }
        match self.after_end {
            AfterEnd::YieldsAgain => Poll::Ready(Some("zombie tick")),
            AfterEnd::Panics => panic!("polled after completion"),
        }
    }
}

/// Runs a test that must fail, and returns its message. A failed assertion leaves the stream's producer behind; these
/// tests are about the assertion's own message, so the leak guard stays out of it.
fn fails(test: impl std::future::Future<Output = ()> + 'static) -> (String, Duration) {
    panic_of(|| Builder::new("streams::case").leaks(Leaks::Allow).run(test))
}

#[ws_test]
async fn an_item_arriving_after_30_seconds_passes_with_a_60_second_deadline() {
    let start = std::time::Instant::now();
    let mut ticks = delayed(vec!["tick 1"], Duration::from_secs(30));
    assert_eq!(assert_next!(ticks, within = Duration::from_secs(60)), "tick 1");
    assert!(start.elapsed() < Duration::from_secs(1), "waiting is virtual");
}

#[test]
fn the_same_item_fails_the_default_deadline_of_10_seconds() {
    let (message, real_time) = fails(async {
        let mut ticks = delayed(vec!["tick 1"], Duration::from_secs(30));
        assert_next!(ticks);
    });
    assert_eq!(
        message,
        "expected an item from `ticks` within 10s (virtual), but it was still pending at virtual 10.000s"
    );
    // Under the 10 s the wait covers, with room for printing the panic on a loaded machine.
    assert!(real_time < Duration::from_secs(5), "waiting is virtual: {real_time:?}");
    assert_eq!(ws_test::DEFAULT_DEADLINE, Duration::from_secs(10));
}

#[test]
fn assert_next_on_an_ended_stream_says_it_ended() {
    let (message, _) = fails(async {
        let mut ticks = delayed(vec![], Duration::from_secs(2));
        assert_next!(ticks);
    });
    assert_eq!(
        message,
        "expected an item from `ticks`, but the stream had ended (it returned None) at virtual 2.000s"
    );
}

#[ws_test]
async fn assert_next_eq_and_matches_pass_on_the_right_items() {
    let mut ticks = delayed(vec!["tick 1", "tick 2", "tick 3"], Duration::from_secs(1));
    assert_next_eq!(ticks, "tick 1");
    assert_next_matches!(ticks, "tick 2");
    assert_next_matches!(ticks, text if text.ends_with('3'), within = Duration::from_secs(1));
    assert_end!(ticks);
}

#[test]
fn assert_next_eq_shows_both_items() {
    let (message, _) = fails(async {
        let mut ticks = delayed(vec!["tick 2"], Duration::from_secs(3));
        assert_next_eq!(ticks, "tick 1");
    });
    assert_eq!(
        message,
        "expected `\"tick 1\"` from `ticks`, but it yielded `\"tick 2\"` at virtual 3.000s"
    );
}

#[test]
fn assert_next_matches_shows_the_pattern_and_the_item() {
    let (message, _) = fails(async {
        let mut ticks = delayed(vec!["tick 9"], Duration::ZERO);
        assert_next_matches!(ticks, text if text.ends_with('1'));
    });
    assert_eq!(
        message,
        "expected an item matching `text if text.ends_with('1')` from `ticks`, but it yielded `\"tick 9\"` at \
         virtual 0.000s"
    );
}

#[test]
fn assert_end_shows_the_item_that_came_instead() {
    let (message, _) = fails(async {
        let mut ticks = delayed(vec!["tick 3"], Duration::from_secs(30));
        assert_end!(ticks, within = Duration::from_secs(60));
    });
    assert_eq!(
        message,
        "expected the stream `ticks` to end, but it yielded `\"tick 3\"` at virtual 30.000s"
    );
}

#[test]
fn a_stream_that_never_ends_fails_assert_end_with_no_real_waiting() {
    let (message, real_time) = fails(async {
        let (_keep_open, mut feed) = silent();
        assert_end!(feed);
    });
    assert_eq!(
        message,
        "expected the end of `feed` within 10s (virtual), but it was still pending at virtual 10.000s"
    );
    // Under the 10 s the wait covers, with room for printing the panic on a loaded machine.
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

/// `futures::stream::unfold`, the usual way to write a test stream, panics when polled after its end, as the
/// `Stream` contract allows: `assert_end!` checks the end only.
#[ws_test]
async fn assert_end_checks_the_end_only_as_the_stream_contract_promises() {
    let mut countdown = Box::pin(futures_util::stream::unfold(2u8, |left| async move {
        (left > 0).then(|| (left, left - 1))
    }));
    assert_next_eq!(countdown, 2);
    assert_next_eq!(countdown, 1);
    assert_end!(countdown);
    let mut not_fused = NotFused {
        ended: false,
        after_end: AfterEnd::YieldsAgain,
    };
    assert_end!(not_fused, within = Duration::from_secs(1));
}

#[ws_test]
async fn assert_end_fused_passes_on_a_fused_stream() {
    let (sender, mut feed) = silent();
    drop(sender);
    assert_end!(feed, fused);
    assert_end!(feed, fused, within = Duration::from_secs(1));
}

#[test]
fn an_unfold_stream_is_not_fused() {
    let (message, _) = fails(async {
        let mut countdown = Box::pin(futures_util::stream::unfold(0u8, |_| async { None::<(u8, u8)> }));
        assert_end!(countdown, fused);
    });
    assert_eq!(
        message,
        "the stream `countdown` is not fused: it ended (returned None), then panicked (Unfold must not be polled after \
         it returned `Poll::Ready(None)`) when polled again at virtual 0.000s"
    );
}

#[test]
fn a_stream_that_yields_after_its_end_is_not_fused() {
    let (message, _) = fails(async {
        let mut feed = NotFused {
            ended: false,
            after_end: AfterEnd::YieldsAgain,
        };
        assert_end!(feed, fused);
    });
    assert_eq!(
        message,
        "the stream `feed` is not fused: it ended (returned None), then yielded `\"zombie tick\"` when polled again \
         at virtual 0.000s"
    );
}

#[test]
fn a_stream_that_panics_after_its_end_is_not_fused() {
    let (message, _) = fails(async {
        let mut feed = NotFused {
            ended: false,
            after_end: AfterEnd::Panics,
        };
        assert_end!(feed, fused);
    });
    assert_eq!(
        message,
        "the stream `feed` is not fused: it ended (returned None), then panicked (polled after completion) when \
         polled again at virtual 0.000s"
    );
}

#[ws_test]
async fn assert_pending_passes_on_a_quiet_stream_and_other_tasks_keep_running() {
    let (sender, mut feed) = silent();
    assert_pending!(feed);
    tokio::spawn(async move { sender.send("late").await.expect("the test reads") });
    assert_next_eq!(feed, "late");
}

#[test]
fn assert_pending_shows_what_was_ready() {
    let (message, _) = fails(async {
        let mut ticks = tokio_stream::iter(["ready"]);
        assert_pending!(ticks);
    });
    assert_eq!(
        message,
        "expected `ticks` to be pending, but it yielded `\"ready\"` at virtual 0.000s"
    );
    let (message, _) = fails(async {
        let mut ticks = tokio_stream::iter(Vec::<u8>::new());
        assert_pending!(ticks);
    });
    assert_eq!(
        message,
        "expected `ticks` to be pending, but it had ended (it returned None) at virtual 0.000s"
    );
}

#[tokio::test]
async fn the_assertions_work_outside_ws_test_without_the_virtual_time() {
    let mut ticks = tokio_stream::iter([1, 2]);
    assert_next_eq!(ticks, 1);
    let message = tokio::spawn(async move {
        assert_next_eq!(ticks, 5);
    })
    .await
    .expect_err("the assertion fails");
    let payload = message.into_panic();
    let text = payload.downcast_ref::<String>().expect("a String message");
    assert_eq!(text, "expected `5` from `ticks`, but it yielded `2`");
}

#[ws_test]
#[ignore = "run by a_failed_assertion_points_at_its_own_line in a child process"]
async fn fails_on_line_with_marker() {
    let mut ticks = tokio_stream::iter(["wrong"]);
    assert_next_eq!(ticks, "right"); // MARKER
}

#[test]
fn a_failed_assertion_points_at_its_own_line() {
    let source = include_str!("streams.rs");
    let marker_line = source
        .lines()
        .position(|line| line.ends_with("// MARKER"))
        .expect("the marker is in this file")
        + 1;
    let child = run_ignored_test("fails_on_line_with_marker", &[]);
    child.assert_failed_with(&format!("panicked at tests/tests/streams.rs:{marker_line}:5:"));
}
