//! The nonce manager: a background service that refreshes the signing nonce every minute; every request carries the
//! nonce in force when it is sent.

use std::time::Duration;

use tokio::sync::watch;

/// How often the nonce changes.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// The service that advances the nonce; run it for as long as requests are made.
pub struct NonceManager {
    nonces: watch::Sender<u64>,
}

/// Reads the nonce in force.
#[derive(Clone)]
pub struct Nonces {
    current: watch::Receiver<u64>,
}

/// A manager starting at nonce 1, and the reader requests use.
pub fn nonce_manager() -> (NonceManager, Nonces) {
    let (nonces, current) = watch::channel(1);
    (NonceManager { nonces }, Nonces { current })
}

impl NonceManager {
    /// Refreshes the nonce every [`REFRESH_EVERY`], until every reader is gone.
    pub async fn run(self) {
        let start = tokio::time::Instant::now() + REFRESH_EVERY;
        let mut every_minute = tokio::time::interval_at(start, REFRESH_EVERY);
        loop {
            every_minute.tick().await;
            if self.nonces.is_closed() {
                return;
            }
            // Not `send(*borrow() + 1)`: the read guard of `borrow()` would still be held when `send` takes the write
            // lock, and the thread would wait for itself forever.
            self.nonces.send_modify(|nonce| *nonce += 1);
        }
    }
}

impl Nonces {
    /// The nonce to sign the next request with.
    pub fn current(&self) -> u64 {
        *self.current.borrow()
    }
}
