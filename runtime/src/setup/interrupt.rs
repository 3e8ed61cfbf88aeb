//! How a guard stops a test from outside the body: it fires the interrupt with its failure, which wakes the runtime
//! (even while it is parked waiting for events) and makes `block_on` return, so the harness regains control and
//! reports instead of hanging.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Poll, Waker};

use crate::lock::lock;
use crate::report::Failure;

#[derive(Default)]
pub(crate) struct Interrupt {
    state: Mutex<InterruptState>,
}

#[derive(Default)]
struct InterruptState {
    failure: Option<Failure>,
    waker: Option<Waker>,
}

impl Interrupt {
    /// Stops the test with `failure`. The first interruption wins: it is the cause, later ones are consequences.
    pub(crate) fn fire(&self, failure: Failure) {
        let waker = {
            let mut state = lock(&self.state);
            if state.failure.is_none() {
                state.failure = Some(failure);
            }
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Runs `body` until it completes (`Ok`) or the interrupt fires (`Err`). On an interruption the body is dropped
    /// right away, inside the runtime, so its destructors can still use tokio.
    pub(crate) async fn run_until_fired<T>(&self, body: Pin<Box<dyn Future<Output = T> + '_>>) -> Result<T, Failure> {
        let mut body = Some(body);
        poll_fn(|context| {
            if let Some(running) = body.as_mut() {
                if let Poll::Ready(output) = running.as_mut().poll(context) {
                    return Poll::Ready(Ok(output));
                }
            }
            let mut state = lock(&self.state);
            match state.failure.take() {
                Some(failure) => {
                    drop(state);
                    body = None;
                    Poll::Ready(Err(failure))
                }
                None => {
                    state.waker = Some(context.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
    }
}
