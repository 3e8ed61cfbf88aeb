//! How failures are worded. Every message names the test, says what happened and what to do, and shows both
//! clocks; the pieces that several messages share are worded once, in `wording.rs`. `record.rs` writes the
//! machine-readable line of each test that `WS_TEST_REPORT` asks for.

mod clock_reading;
mod failure;
pub(crate) mod record;
mod wording;

pub(crate) use clock_reading::ClockReading;
pub(crate) use failure::{Failure, Kind, render};
pub(crate) use wording::{budget_text, count, panic_text, seconds};
