//! Assertions on what a test receives, waiting on the test's own runtime so that deadlines are virtual: stream
//! assertions (`stream.rs`). The WebSocket assertions live with the transport, in `ws`.

pub(crate) mod stream;
