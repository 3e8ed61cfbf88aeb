//! How a guard stops a test from outside the body: it fires the interrupt with its failure, which wakes the runtime
//! (even while it is parked waiting for events) and makes `block_on` return, so the harness regains control and
//! reports instead of hanging.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

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

    /// Whether a failure was fired.
    pub(crate) fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// After the body: `waker` is woken when the interrupt fires (the look at the tasks it left stops then).
    pub(crate) fn wake_on_fire(&self, waker: &Waker) {
        let mut state = lock(&self.state);
        if !state
            .waker
            .as_ref()
            .is_some_and(|registered| registered.will_wake(waker))
        {
            state.waker = Some(waker.clone());
        }
    }

    /// The failure fired after the body ended, when nobody raced the interrupt any more: reported with the others.
    pub(crate) fn take_failure(&self) -> Option<Failure> {
        if !self.fired() {
            return None;
        }
        lock(&self.state).failure.take()
    }

    /// Runs `body` until it completes (`Ok`) or the interrupt fires (`Err`). On an interruption the body is dropped
    /// right away, inside the runtime, so its destructors can still use tokio.
    /// Each poll of the body is counted in `activity`.
    pub(crate) fn run_until_fired<'a, T>(
        &'a self,
        body: Pin<Box<dyn Future<Output = T> + 'a>>,
        activity: &'a Activity,
    ) -> UntilFired<'a, T> {
        UntilFired {
            interrupt: self,
            body: Some(body),
            activity,
            registered: None,
        }
    }
}

/// The body raced against the interrupt. A future of its own rather than an `async fn` around `poll_fn`: every poll
/// of every test goes through it, and each layer is one more cold call in the debug builds tests run as.
pub(crate) struct UntilFired<'a, T> {
    interrupt: &'a Interrupt,
    body: Option<Pin<Box<dyn Future<Output = T> + 'a>>>,
    activity: &'a Activity,
    /// The waker last handed to `fire`: `block_on` polls with the same one each time, so it is stored only once.
    registered: Option<Waker>,
}

impl<T> Future for UntilFired<'_, T> {
    type Output = Result<T, Failure>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Result<T, Failure>> {
        let this = self.get_mut();
        if let Some(running) = &mut this.body {
            this.activity.polled();
            if let Poll::Ready(output) = running.as_mut().poll(context) {
                return Poll::Ready(Ok(output));
            }
        }
        let up_to_date = match &this.registered {
            Some(waker) => waker.will_wake(context.waker()),
            None => false,
        };
        if up_to_date && !this.interrupt.fired.load(Ordering::SeqCst) {
            return Poll::Pending;
        }
        let mut state = lock(&this.interrupt.state);
        match state.failure.take() {
            Some(mut failure) => {
                drop(state);
                if let (true, Some(running)) = (failure.kind.asks_where_tasks_wait(), &mut this.body) {
                    // One more poll, in tokio's tracing mode, to see where the body waits; then it is dropped.
                    failure
                        .details
                        .extend(task_dumps::body(|| running.as_mut().poll(context)));
                }
                this.body = None;
                Poll::Ready(Err(failure))
            }
            None => {
                state.waker = Some(context.waker().clone());
                this.registered = state.waker.clone();
                Poll::Pending
            }
        }
    }
}
