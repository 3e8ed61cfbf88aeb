//! What a test's body calls: `settle()`, to wait until every other task is idle without moving the clock, and
//! `background()`, for services that live as long as the body.

pub(crate) mod background;
pub(crate) mod settle;
