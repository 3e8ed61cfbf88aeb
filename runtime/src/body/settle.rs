//! `settle()`: wait until every other task of the test is waiting, without moving the clock.

use std::future::Future;

use crate::config::Flavor;
use crate::setup::registry;

/// Returns once every other task of the test's runtime is waiting, **without advancing virtual time**: the
/// counterpart of Go's `synctest.Wait` and trio's `wait_all_tasks_blocked`. Typical use: send a message, `settle()`,
/// then assert on shared state, with no sleep.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use ws_test::ws_test;
///
/// #[ws_test]
/// async fn the_handler_records_the_message() {
///     let (sender, mut receiver) = tokio::sync::mpsc::channel::<&str>(8);
///     let seen = Arc::new(Mutex::new(Vec::new()));
///     let recorder = Arc::clone(&seen);
///     let handler = tokio::spawn(async move {
///         while let Some(message) = receiver.recv().await {
///             recorder.lock().unwrap().push(message);
///         }
///     });
///     let before = tokio::time::Instant::now();
///     sender.send("subscribe").await.unwrap();
///     ws_test::settle().await;
///     assert_eq!(*seen.lock().unwrap(), ["subscribe"]);
///     assert_eq!(before.elapsed(), std::time::Duration::ZERO); // no time passed
///     drop(sender);
///     handler.await.unwrap();
/// }
/// # the_handler_records_the_message();
/// ```
///
/// # Panics
///
/// Called outside a `#[ws_test]` test (or a [`Builder::run`](crate::Builder::run)), or on a `multi_thread` runtime,
/// whose workers never are all idle at one point.
#[track_caller]
pub fn settle() -> impl Future<Output = ()> {
    let Some(test) = registry::current() else {
        panic!(
            "ws_test::settle() was called outside a #[ws_test] test: it waits for the tasks of the test's own \
             runtime, so call it from the test's body or from a task the test spawned"
        );
    };
    if test.running().flavor == Flavor::MultiThread {
        panic!(
            "ws_test::settle() needs a current_thread or local runtime: the workers of a multi_thread runtime are \
             never all idle at one point. Drop `flavor = \"multi_thread\"`, or wait for the event itself"
        );
    }
    async move { test.running().activity.next_idle_point().await }
}
