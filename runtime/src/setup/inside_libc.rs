//! What the harness's part of a libc function it defines (`io_registrations.rs`, `network_calls.rs`) must keep: no
//! unwinding into C, and errno as the caller left it.
#![cfg(ws_test_libc_hooks)]

/// Runs the harness's part of a libc function: `None` if it panicked (nothing unwinds into C), and errno as it was
/// before (a caller may read it even after a call that succeeded).
pub(crate) fn inside_libc<T>(part: impl FnOnce() -> T + std::panic::UnwindSafe) -> Option<T> {
    // SAFETY: `__errno_location` returns this thread's errno, valid for the thread's life. Read in place rather than
    // through `io::Error`: every registration in the process passes here, every test's runtime build among them.
    let errno = unsafe { *libc::__errno_location() };
    let result = std::panic::catch_unwind(part).ok();
    set_errno(errno);
    result
}

/// Sets this thread's errno, as a libc function that fails does.
pub(crate) fn set_errno(errno: libc::c_int) {
    // SAFETY: `__errno_location` returns this thread's errno, valid for the thread's life.
    unsafe { *libc::__errno_location() = errno };
}
