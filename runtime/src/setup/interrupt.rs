//! How a guard stops a test from outside the body: it fires the interrupt with its failure, which wakes the runtime
//! (even while it is parked waiting for events) and makes `block_on` return, so the harness regains control and
//! reports instead of hanging.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Poll, Waker};

use crate::lock::lock;
use crate::observe::activity::Activity;
use crate::observe::task_dumps;
use crate::report::Failure;

pub(crate) struct Interrupt {
    /// Set once a failure is stored: the body's every poll reads this, and takes the lock only when it is set.
    fired: AtomicBool,
    state: Mutex<InterruptState>,
}

struct InterruptState {
    failure: Option<Failure>,
    waker: Option<Waker>,
}

impl Interrupt {
    /// Not fired; a constant, so that `const { Interrupt::new() }` costs a test no calls.
    pub(crate) const fn new() -> Interrupt {
        Interrupt {
            fired: AtomicBool::new(false),
            state: Mutex::new(InterruptState {
                failure: None,
                waker: None,
            }),
        }
    }

    /// Stops the test with `failure`. The first interruption wins: it is the cause, later ones are consequences.
    pub(crate) fn fire(&self, failure: Failure) {
        let waker = {
            let mut state = lock(&self.state);
            if state.failure.is_none() {
                state.failure = Some(failure);
            }
            self.fired.store(true, Ordering::SeqCst);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Runs `body` until it completes (`Ok`) or the interrupt fires (`Err`). On an interruption the body is dropped
    /// right away, inside the runtime, so its destructors can still use tokio.
    /// Each poll of the body is counted in `activity`.
    pub(crate) async fn run_until_fired<T>(
        &self,
        body: Pin<Box<dyn Future<Output = T> + '_>>,
        activity: &Activity,
    ) -> Result<T, Failure> {
        let mut body = Some(body);
        // The waker last handed to `fire`: `block_on` polls with the same one each time, so it is stored only once.
        let mut registered: Option<Waker> = None;
        poll_fn(|context| {
            if let Some(running) = body.as_mut() {
                activity.polled();
                if let Poll::Ready(output) = running.as_mut().poll(context) {
                    return Poll::Ready(Ok(output));
                }
            }
            let up_to_date = registered
                .as_ref()
                .is_some_and(|waker| waker.will_wake(context.waker()));
            if up_to_date && !self.fired.load(Ordering::SeqCst) {
                return Poll::Pending;
            }
            let mut state = lock(&self.state);
            match state.failure.take() {
                Some(mut failure) => {
                    drop(state);
                    if let (true, Some(running)) = (failure.kind.asks_where_tasks_wait(), body.as_mut()) {
                        // One more poll, in tokio's tracing mode, to see where the body waits; then it is dropped.
                        failure
                            .details
                            .extend(task_dumps::body(|| running.as_mut().poll(context)));
                    }
                    body = None;
                    Poll::Ready(Err(failure))
                }
                None => {
                    state.waker = Some(context.waker().clone());
                    registered = state.waker.clone();
                    Poll::Pending
                }
            }
        })
        .await
    }
}
