//! Reconnect back-off: 1 s doubling to 60 s, each delay shortened by up to 10 % of seeded jitter, so that many clients
//! do not reconnect in step, while a test with a fixed seed sees the same schedule every time.

use std::time::Duration;

/// The delays before successive reconnect attempts.
pub struct Backoff {
    failures: u32,
    random: u64,
}

/// The first delay.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest delay.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// How much of a delay the jitter may take off, in percent.
pub const JITTER_PERCENT: u64 = 10;

impl Backoff {
    /// A schedule whose jitter follows `seed`.
    pub fn new(seed: u64) -> Backoff {
        Backoff {
            failures: 0,
            random: seed,
        }
    }

    /// The delay before the next attempt: the nominal delay (doubling, capped) less its jitter.
    pub fn next_delay(&mut self) -> Duration {
        let nominal = Backoff::nominal(self.failures);
        self.failures = self.failures.saturating_add(1);
        let jitter_percent = self.next_random() % (JITTER_PERCENT + 1);
        nominal - nominal * u32::try_from(jitter_percent).unwrap_or(0) / 100
    }

    /// The delay before the attempt after `failures` failures, before jitter.
    pub fn nominal(failures: u32) -> Duration {
        let doublings = failures.min(6);
        (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
    }

    /// After a successful connection the schedule starts again from the first delay.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// SplitMix64: small, seedable, good enough for jitter.
    fn next_random(&mut self) -> u64 {
        self.random = self.random.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.random;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }
}
