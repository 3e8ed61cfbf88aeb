//! Sees every file descriptor registered with a test runtime's I/O driver the moment it is registered, wherever in the
//! test it was made (a helper's `connect`, a client library, a child process), and tells the test ([`RealIo`]).
//!
//! tokio (through mio) registers each socket, pipe and pidfd with libc's `epoll_ctl`. ws-test defines `epoll_ctl` in
//! the test binary, which the static linker binds every call of the program to in place of glibc's (symbol
//! interposition), and makes the system call itself. A registration counts for the test whose runtime the calling
//! thread is in, as tokio registers with the driver of that runtime (`setup/registry.rs`, `io_added`); a
//! deregistration, which may be made on any thread, for the test that owns the epoll instance it goes through, known
//! from the test's first registration. A test's runtime is built before any thread is in it, so its build's own
//! registrations cost it one look at the calling thread's runtime, and nothing else.
//!
//! Active on Linux with glibc, dynamically linked (the default there), with the `libc-hooks` feature (on by default):
//! `cfg(ws_test_libc_hooks)`, set by `build.rs`. Elsewhere nothing is defined, so nothing can clash at link time: a
//! static glibc (`+crt-static`) or musl's libc would bring a second `epoll_ctl` into the same link. There, real I/O is
//! seen as before: by the macro's scan of the body, `ws::Server`, and tokio's unstable metrics under
//! `--cfg tokio_unstable`.
//!
//! [`RealIo`]: crate::observe::real_io::RealIo

#[cfg(ws_test_libc_hooks)]
mod hook {
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
        if op == libc::EPOLL_CTL_ADD {
            let _ = inside_libc(|| registry::io_added(epoll, fd));
        } else if op == libc::EPOLL_CTL_DEL && registry::epoll_watched(epoll) {
            let _ = inside_libc(|| registry::io_removed(epoll, fd));
        }
    }

    /// Keeps the hooks in every test binary: the linker takes an archive's member only for a symbol the program
    /// already needs, and mio and std, which call them, come after ws-test in the link. Inlined into code that every
    /// test binary has (the monitor thread's start, once per process), which then names each hook, so the members that
    /// define them are always taken.
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

/// Names the hooks, so that they are linked into every test binary (see `hook::linked`).
#[inline(always)]
pub(crate) fn linked() {
    hook::linked();
}
