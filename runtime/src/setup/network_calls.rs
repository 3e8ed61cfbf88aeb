//! Sees every connection a test's threads try to make, before any packet leaves, for the network guard: libc's
//! `connect`, `sendto`, `sendmsg` and `getaddrinfo`, defined in the test binary as `epoll_ctl` is
//! (`io_registrations.rs`, where the mechanism and where it is active are explained). A call counts for the test whose
//! runtime the calling thread is in: its runtime thread, its blocking pool (`spawn_blocking`, `lookup_host`), a
//! worker of a multi-thread runtime. A thread of its own that the test starts is in no runtime, and not guarded.
//!
//! The system calls are made directly (`syscall`); `getaddrinfo`, which is no system call, is glibc's own, found
//! with `dlsym(RTLD_NEXT)`. A refused call returns what a refused connection does (`ECONNREFUSED`; `EAI_FAIL` for a
//! lookup), which clients do not retry forever; the test fails at once (`guards/network.rs`). Nothing here unwinds:
//! the harness's part runs under `catch_unwind`, and a call it cannot judge is let through.

#[cfg(ws_test_libc_hooks)]
mod hook {
    use std::ffi::{CStr, c_char, c_int};
    use std::net::IpAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use crate::observe::network_call::NetworkCall;
    use crate::observe::real_io::{ip_address, socket_option};
    use crate::setup::inside_libc::{inside_libc, set_errno};
    use crate::setup::registry;

    /// libc's `connect(2)`: a TCP connection, or a UDP socket's default peer.
    ///
    /// # Safety
    ///
    /// As libc's: `address` points to `length` readable bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn connect(fd: c_int, address: *const libc::sockaddr, length: libc::socklen_t) -> c_int {
        // SAFETY: the caller's promise, passed on.
        if let Some(address) = unsafe { ip_address(address, length) } {
            if !allowed(NetworkCall::Reach {
                address,
                transport: transport(fd),
            }) {
                return refused(libc::ECONNREFUSED) as c_int;
            }
        }
        // SAFETY: the system call glibc's `connect` makes, with the caller's arguments unchanged; the kernel checks
        // them. The result is 0 or -1.
        unsafe { libc::syscall(libc::SYS_connect, fd, address, length) as c_int }
    }

    /// libc's `sendto(2)`: a datagram to an address.
    ///
    /// # Safety
    ///
    /// As libc's: `buffer` holds `length` readable bytes, `address` (if not null) `address_length`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn sendto(
        fd: c_int,
        buffer: *const libc::c_void,
        length: libc::size_t,
        flags: c_int,
        address: *const libc::sockaddr,
        address_length: libc::socklen_t,
    ) -> libc::ssize_t {
        // SAFETY: the caller's promise, passed on.
        if let Some(address) = unsafe { ip_address(address, address_length) } {
            if !allowed(NetworkCall::Reach {
                address,
                transport: transport(fd),
            }) {
                return refused(libc::ECONNREFUSED);
            }
        }
        // SAFETY: the system call glibc's `sendto` makes, with the caller's arguments unchanged.
        unsafe { libc::syscall(libc::SYS_sendto, fd, buffer, length, flags, address, address_length) as libc::ssize_t }
    }

    /// libc's `sendmsg(2)`: a message, to the address it names if it names one.
    ///
    /// # Safety
    ///
    /// As libc's: `message` points to a valid `msghdr`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn sendmsg(fd: c_int, message: *const libc::msghdr, flags: c_int) -> libc::ssize_t {
        // SAFETY: the caller's promise: a valid `msghdr`, whose `msg_name` (if not null) holds `msg_namelen` bytes.
        let address = unsafe {
            match message.as_ref() {
                Some(message) => ip_address(message.msg_name.cast(), message.msg_namelen),
                None => None,
            }
        };
        if let Some(address) = address {
            if !allowed(NetworkCall::Reach {
                address,
                transport: transport(fd),
            }) {
                return refused(libc::ECONNREFUSED);
            }
        }
        // SAFETY: the system call glibc's `sendmsg` makes, with the caller's arguments unchanged.
        unsafe { libc::syscall(libc::SYS_sendmsg, fd, message, flags) as libc::ssize_t }
    }

    type GetAddrInfo =
        unsafe extern "C" fn(*const c_char, *const c_char, *const libc::addrinfo, *mut *mut libc::addrinfo) -> c_int;

    /// glibc's `getaddrinfo`, once found.
    static GLIBC_GETADDRINFO: AtomicUsize = AtomicUsize::new(0);

    /// libc's `getaddrinfo(3)`: a name's lookup is judged before it is made, since a lookup may send a DNS query.
    ///
    /// # Safety
    ///
    /// As libc's: `node` and `service` are null or NUL-terminated, `hints` null or valid, `result` writable.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn getaddrinfo(
        node: *const c_char,
        service: *const c_char,
        hints: *const libc::addrinfo,
        result: *mut *mut libc::addrinfo,
    ) -> c_int {
        // SAFETY: the caller's promise: null or NUL-terminated.
        let name = unsafe { host_name(node) };
        if let Some(name) = &name {
            if !allowed(NetworkCall::Lookup { name: name.clone() }) {
                return libc::EAI_FAIL;
            }
        }
        let Some(glibc) = glibc_getaddrinfo() else {
            return libc::EAI_SYSTEM;
        };
        // SAFETY: glibc's own `getaddrinfo`, with the caller's arguments unchanged.
        let status = unsafe { glibc(node, service, hints, result) };
        if let (0, Some(name)) = (status, name) {
            // SAFETY: on success glibc wrote a list of valid `addrinfo` to `*result`.
            let addresses = unsafe { addresses_of(*result) };
            let _ = inside_libc(|| registry::name_resolved(&name, &addresses));
        }
        status
    }

    fn glibc_getaddrinfo() -> Option<GetAddrInfo> {
        let mut found = GLIBC_GETADDRINFO.load(Ordering::SeqCst);
        if found == 0 {
            // SAFETY: a NUL-terminated name; `RTLD_NEXT` looks past this binary's own definition, to glibc's.
            found = unsafe { libc::dlsym(libc::RTLD_NEXT, c"getaddrinfo".as_ptr()) } as usize;
            GLIBC_GETADDRINFO.store(found, Ordering::SeqCst);
        }
        // SAFETY: `dlsym` found glibc's `getaddrinfo`, whose type this is.
        (found != 0).then(|| unsafe { std::mem::transmute::<usize, GetAddrInfo>(found) })
    }

    /// The host name looked up, unless there is none or it is a numeric address (nothing is sent for one).
    ///
    /// # Safety
    ///
    /// `node` is null or NUL-terminated.
    unsafe fn host_name(node: *const c_char) -> Option<String> {
        if node.is_null() {
            return None;
        }
        // SAFETY: the caller's promise.
        let name = unsafe { CStr::from_ptr(node) }.to_str().ok()?;
        (name.parse::<IpAddr>().is_err()).then(|| name.to_string())
    }

    /// The addresses of a lookup's result list.
    ///
    /// # Safety
    ///
    /// `list` is null or a valid `addrinfo` list.
    unsafe fn addresses_of(mut list: *const libc::addrinfo) -> Vec<IpAddr> {
        let mut addresses = Vec::new();
        // SAFETY: the caller's promise: each node is valid, its `ai_addr` holds `ai_addrlen` bytes.
        while let Some(entry) = unsafe { list.as_ref() } {
            if let Some(address) = unsafe { ip_address(entry.ai_addr, entry.ai_addrlen) } {
                addresses.push(address.ip());
            }
            list = entry.ai_next;
        }
        addresses
    }

    fn transport(fd: c_int) -> &'static str {
        match socket_option(fd, libc::SO_TYPE) {
            Some(libc::SOCK_STREAM) => "TCP",
            Some(libc::SOCK_DGRAM) => "UDP",
            _ => "IP",
        }
    }

    /// Whether the call may go on: not a running test's, or one its guard allows. Errno is kept as it was.
    fn allowed(call: NetworkCall) -> bool {
        if !registry::networks_guarded() {
            return true;
        }
        inside_libc(|| registry::network_call(&call)).unwrap_or(true)
    }

    fn refused(errno: c_int) -> libc::ssize_t {
        set_errno(errno);
        -1
    }

    /// Keeps the hooks in every test binary (see `io_registrations.rs`, `linked`).
    #[inline(always)]
    pub(crate) fn linked() {
        std::hint::black_box(connect as unsafe extern "C" fn(_, _, _) -> _);
        std::hint::black_box(sendto as unsafe extern "C" fn(_, _, _, _, _, _) -> _);
        std::hint::black_box(sendmsg as unsafe extern "C" fn(_, _, _) -> _);
        std::hint::black_box(getaddrinfo as GetAddrInfo);
    }
}

#[cfg(ws_test_libc_hooks)]
pub(crate) use hook::linked;
