//! What a test is given before its body runs: its settings (`settings.rs`, from the builder and `WS_TEST_*`
//! variables in `environment.rs`), its own runtime (`runtime.rs`), the interrupt through which a guard stops it
//! (`interrupt.rs`), and its entry in the registry of running tests (`registry.rs`), where the monitor thread
//! (`monitor.rs`) looks at it from outside.

pub(crate) mod environment;
pub(crate) mod inside_libc;
pub(crate) mod interrupt;
pub(crate) mod io_registrations;
pub(crate) mod monitor;
pub(crate) mod network_calls;
pub(crate) mod registry;
pub(crate) mod runtime;
pub(crate) mod settings;
