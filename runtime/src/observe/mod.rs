//! Watching the test's runtime without disturbing it: its park hooks (`activity.rs`), the test's two clocks
//! (`clock.rs`), what a thread spends its time on (`thread_usage.rs`, Linux), the process's CPU time
//! (`process_cpu.rs`, Linux), where live tasks were spawned (`spawn_locations.rs`, `--cfg tokio_unstable`), where
//! each task waits (`task_dumps.rs`, with tokio's task dumps), the real I/O registered with the runtime (`real_io.rs`),
//! a network call of the test's threads (`network_call.rs`), and which source files are the user's (`user_code.rs`).

pub(crate) mod activity;
pub(crate) mod clock;
pub(crate) mod network_call;
pub(crate) mod process_cpu;
pub(crate) mod real_io;
#[cfg(tokio_unstable)]
pub(crate) mod spawn_locations;
pub(crate) mod task_dumps;
#[cfg(target_os = "linux")]
pub(crate) mod thread_usage;
pub(crate) mod user_code;
