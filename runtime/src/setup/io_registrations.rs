//! Sees every file descriptor registered with a test runtime's I/O driver the moment it is registered, wherever in the
//! test it was made (a helper's `connect`, a client library, a child process), and tells the test ([`RealIo`]).
//!
//! tokio (through mio) registers each socket, pipe and pidfd with libc's `epoll_ctl`. ws-test defines `epoll_ctl` in
//! the test binary, which the static linker binds every call of the program to in place of glibc's (symbol
//! interposition), and makes the system call itself. Each call costs one load of a bitmap more, unless its epoll
//! instance is a running test's; a test's runtime is known by its epoll instance, found while the runtime is built
//! (`observe/real_io.rs`, `capture_epoll`) and kept in the registry with the test.
//!
//! Active on Linux with glibc, dynamically linked (the default there), with the `libc-hooks` feature (on by default):
//! `cfg(ws_test_libc_hooks)`, set by `build.rs`. Elsewhere nothing is defined, so nothing can clash at link time: a
//! static glibc (`+crt-static`) or musl's libc would bring a second `epoll_ctl` into the same link. There, real I/O is
//! seen as before: by the macro's scan of the body, `ws::Server`, and tokio's unstable metrics under
//! `--cfg tokio_unstable`.
//!
//! [`RealIo`]: crate::observe::real_io::RealIo

use crate::observe::real_io::BuiltEpoll;

#[cfg(ws_test_libc_hooks)]
mod hook {
    use crate::observe::real_io;
    use crate::setup::inside_libc::inside_libc;
    use crate::setup::registry;

    /// libc's `epoll_ctl(2)`, for the whole test binary: the system call, then what the registration means to a
    /// running test. It never unwinds: a panic of the harness's part is caught, and the call's result stands.
    ///
    /// # Safety
    ///
    /// As libc's: `event` must be valid for `op`, which the kernel checks and reports as `EFAULT`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn epoll_ctl(
        epoll: libc::c_int,
        op: libc::c_int,
        fd: libc::c_int,
        event: *mut libc::epoll_event,
    ) -> libc::c_int {
        // SAFETY: the system call glibc's `epoll_ctl` makes, with the caller's arguments unchanged: the kernel reads
        // `event` only, and only for an `op` that needs it; glibc's wrapper adds nothing but the errno, which
        // `syscall` sets the same way.
        let result = unsafe { libc::syscall(libc::SYS_epoll_ctl, epoll, op, fd, event) };
        if result == 0 {
            seen(epoll, op, fd);
        }
        // The kernel returns 0 or -1 here.
        result as libc::c_int
    }

    fn seen(epoll: libc::c_int, op: libc::c_int, fd: libc::c_int) {
        let added = op == libc::EPOLL_CTL_ADD;
        // A runtime's own registrations while it is built: never real I/O, and never a search for a duplicate (each
        // would read /proc while another test's duplicate is unknown).
        if added && real_io::registered_on_this_thread(epoll, fd) {
            return;
        }
        let for_a_test = registry::epoll_watched(epoll) || (added && registry::duplicates_unknown());
        if !for_a_test || !(added || op == libc::EPOLL_CTL_DEL) {
            return;
        }
        let _ = inside_libc(|| registry::io_registered(epoll, fd, added));
    }

    /// Keeps the hooks in every test binary: the linker takes an archive's member only for a symbol the program
    /// already needs, and mio and std, which call them, come after ws-test in the link. Inlined into the runtime's
    /// build, whose code then names each hook, so the members that define them are always taken.
    #[inline(always)]
    pub(super) fn linked() {
        std::hint::black_box(epoll_ctl as unsafe extern "C" fn(_, _, _, _) -> _);
        crate::setup::network_calls::linked();
    }
}

/// Where no registration is seen, nothing is defined.
#[cfg(not(ws_test_libc_hooks))]
mod hook {
    #[inline(always)]
    pub(super) fn linked() {}
}

/// Builds a test's runtime with `build`, and returns it with what its build registered, when registrations are seen
/// here.
#[inline(always)]
pub(crate) fn build_watched<T>(build: impl FnOnce() -> T) -> (T, BuiltEpoll) {
    hook::linked();
    crate::observe::real_io::capture_epoll(build)
}
