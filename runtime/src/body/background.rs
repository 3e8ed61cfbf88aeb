//! `background()`: a service that belongs to the test (a heartbeat, a nonce manager, a broadcaster).

use std::future::Future;

use tokio::task::JoinHandle;

use crate::setup::registry;

/// Spawns `service` as a task that belongs to the test and lives as long as its body: it is aborted when the body
/// returns (before the leak check, which therefore does not count it), its panic fails the test naming `name`, and
/// it does not keep the virtual clock running once the body is done. The returned handle aborts it or awaits it
/// early.
///
/// ```
/// use std::time::Duration;
/// use ws_test::ws_test;
///
/// #[ws_test]
/// async fn requests_use_a_fresh_nonce() {
///     let (nonces, mut latest) = tokio::sync::watch::channel(0u64);
///     ws_test::background("nonce-manager", async move {
///         let mut every_minute = tokio::time::interval(Duration::from_secs(60));
///         loop {
///             every_minute.tick().await;
///             nonces.send_modify(|nonce| *nonce += 1);
///         }
///     });
///     tokio::time::sleep(Duration::from_secs(30 * 60 + 1)).await;
///     assert_eq!(*latest.borrow_and_update(), 31);
///     // No abort needed: the service ends with the body, and is no leak.
/// }
/// # requests_use_a_fresh_nonce();
/// ```
///
/// # Panics
///
/// Called outside a `#[ws_test]` test (or a [`Builder::run`](crate::Builder::run)).
#[track_caller]
pub fn background<F>(name: impl Into<String>, service: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let name = name.into();
    let Some(test) = registry::current() else {
        panic!(
            "ws_test::background(\"{name}\", ..) was called outside a #[ws_test] test: a background service belongs \
             to the test whose runtime runs it; outside one, use tokio::spawn"
        );
    };
    let handle = tokio::spawn(service);
    test.running().add_service(name, handle.id(), handle.abort_handle());
    handle
}

/// Spawns a service of ws-test's own (an in-memory connection): a background service of the running test, or a
/// plain task in a runtime that runs no test.
#[cfg(feature = "http")]
pub(crate) fn spawn_service<F>(name: String, service: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let handle = tokio::spawn(service);
    if let Some(test) = registry::current() {
        test.running().add_service(name, handle.id(), handle.abort_handle());
    }
}
