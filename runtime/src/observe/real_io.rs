//! The test runtime's real I/O: the file descriptors registered with its I/O driver (sockets, listeners, pipes, the
//! pidfds by which tokio waits for child processes), wherever in the test they were made, and what they are, for a
//! failure's report. `setup/io_registrations.rs` sees each registration as it happens and `setup/registry.rs` gives it
//! to the test whose runtime the registering thread is in; this file knows nothing of how.
//!
//! tokio registers an I/O resource with the driver of the runtime the calling thread is in, so a registration made in
//! a test's runtime is the test's. The runtime's own registrations while it is built (its waker, its signal pipe) are
//! made before any thread is in it: they are its baseline, and never seen here. One kind of registration made in the
//! test's runtime is not the test's: that of another runtime built there (a fixture's service runtime, built in a
//! helper the body calls), whose build registers its waker with its own, new epoll instance; [`RealIo::added`] tells
//! them apart by what each epoll instance lists.

// Without the hooks nothing registers, and most of this waits unused.
#![cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::lock::lock;

/// The real I/O of one test's runtime.
pub(crate) struct RealIo {
    /// What is registered now, and the epoll instances registrations came through.
    seen: Mutex<Seen>,
    /// How many of the registrations are child processes: while one runs, the paused clock keeps to real time.
    children: AtomicU32,
    /// Registrations since the start, including those gone again.
    ever: AtomicU32,
}

struct Seen {
    /// What is registered now, beyond the runtime's baseline, in the order it came.
    registered: Vec<Registration>,
    /// Each epoll instance a registration in the test's runtime went through, by number.
    epolls: Vec<Epoll>,
}

/// An epoll instance registered with from inside the test's runtime.
#[derive(Clone, Copy)]
struct Epoll {
    number: i32,
    /// The runtime's own (tokio registers through a duplicate of the instance it made, another number for it), or that
    /// of another runtime built inside it.
    runtimes: bool,
    /// For another runtime's: its waker, the first registration with it, by which a duplicate of it is known.
    waker: i32,
}

/// What [`RealIo::added`] saw.
pub(crate) struct Added {
    /// The first registration through this epoll number: the registry now knows it as the test's.
    pub(crate) new_epoll: bool,
    /// The first real I/O of the test.
    pub(crate) first: bool,
}

/// One file descriptor registered with the runtime, and what it was when registered: a socket's addresses are read
/// when a report asks, since a connection's peer is known only once it is established.
struct Registration {
    fd: i32,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Socket,
    /// A child process: its pid and its program's name.
    Child(u32, String),
    Pipe,
    /// Something else, as /proc names it (`anon_inode:[eventfd]`, a file).
    Other(String),
}

impl RealIo {
    /// No real I/O yet; a constant, so that a test without any costs no calls.
    pub(crate) const fn new() -> RealIo {
        RealIo {
            seen: Mutex::new(Seen {
                registered: Vec::new(),
                epolls: Vec::new(),
            }),
            children: AtomicU32::new(0),
            ever: AtomicU32::new(0),
        }
    }

    /// Whether any real I/O was registered: only then does the registry know an epoll number as the test's.
    pub(crate) fn any(&self) -> bool {
        self.ever.load(Ordering::SeqCst) > 0
    }

    /// The numbers of the runtime's epoll instance that registrations came through.
    pub(crate) fn runtimes_epolls(&self) -> Vec<i32> {
        lock(&self.seen)
            .epolls
            .iter()
            .filter(|epoll| epoll.runtimes)
            .map(|epoll| epoll.number)
            .collect()
    }

    /// `fd` was registered with `epoll` by a thread in the test's runtime. `None` when it is not the runtime's
    /// registration but that of another runtime built inside it.
    pub(crate) fn added(&self, epoll: i32, fd: i32) -> Option<Added> {
        let known = lock(&self.seen)
            .epolls
            .iter()
            .find(|known| known.number == epoll)
            .map(|known| known.runtimes);
        let runtimes = match known {
            Some(runtimes) => runtimes,
            None => self.first_through(epoll, fd),
        };
        if !runtimes {
            return None;
        }
        let kind = kind_of(fd);
        if matches!(kind, Kind::Child(..)) {
            self.children.fetch_add(1, Ordering::SeqCst);
        }
        lock(&self.seen).registered.push(Registration { fd, kind });
        Some(Added {
            new_epoll: known.is_none(),
            first: self.ever.fetch_add(1, Ordering::SeqCst) == 0,
        })
    }

    /// The first registration through `epoll` seen in the test's runtime; returns whether `epoll` is the runtime's.
    /// The runtime's own instance lists its waker, registered while it was built, beside `fd`. An instance that lists
    /// `fd` alone is new: another runtime's being built (its waker), and so is a duplicate of it, which lists that
    /// waker (tokio registers its signal pipe through one). Read once per epoll number and test.
    fn first_through(&self, epoll: i32, fd: i32) -> bool {
        let listed = registered_with(epoll);
        let mut seen = lock(&self.seen);
        let other_runtimes_waker = if listed == [fd] {
            Some(fd)
        } else {
            seen.epolls
                .iter()
                .find(|known| !known.runtimes && listed.contains(&known.waker))
                .map(|known| known.waker)
        };
        seen.epolls.push(Epoll {
            number: epoll,
            runtimes: other_runtimes_waker.is_none(),
            waker: other_runtimes_waker.unwrap_or(-1),
        });
        other_runtimes_waker.is_none()
    }

    /// `fd` was deregistered from the runtime (it is about to be closed).
    pub(crate) fn removed(&self, fd: i32) {
        let mut seen = lock(&self.seen);
        if let Some(index) = seen.registered.iter().position(|registration| registration.fd == fd) {
            if matches!(seen.registered.swap_remove(index).kind, Kind::Child(..)) {
                self.children.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// Whether a child process the test started is running (tokio still waits for it).
    pub(crate) fn child_running(&self) -> bool {
        self.children.load(Ordering::SeqCst) > 0
    }

    /// What the real I/O is, for a report: "2 TCP sockets to 127.0.0.1:41233, 1 child process (pid 4242, sh)";
    /// `None` when none was seen (ws-test cannot see it on this target, or it came from `ws::Server` alone).
    pub(crate) fn describe(&self) -> Option<String> {
        let ever = self.ever.load(Ordering::SeqCst);
        if ever == 0 {
            return None;
        }
        let now: Vec<(Kind, Option<Socket>)> = lock(&self.seen)
            .registered
            .iter()
            .map(|registration| match &registration.kind {
                Kind::Child(pid, program) => (
                    Kind::Child(*pid, program_of(*pid).unwrap_or_else(|| program.clone())),
                    None,
                ),
                kind => (kind.clone(), socket_of(registration)),
            })
            .collect();
        let mut parts = describe_all(&now);
        let gone = (ever as usize).saturating_sub(now.len());
        if gone > 0 {
            parts.push(format!("{gone} more closed earlier"));
        }
        Some(parts.join(", "))
    }
}

/// The file descriptors registered with `epoll`, from its fdinfo in /proc.
fn registered_with(epoll: i32) -> Vec<i32> {
    let Ok(fdinfo) = std::fs::read_to_string(format!("/proc/self/fdinfo/{epoll}")) else {
        return Vec::new();
    };
    fdinfo
        .lines()
        .filter_map(|line| line.strip_prefix("tfd:")?.split_whitespace().next()?.parse().ok())
        .collect()
}

fn socket_of(registration: &Registration) -> Option<Socket> {
    match registration.kind {
        Kind::Socket => Some(read_socket(registration.fd)),
        _ => None,
    }
}

/// A registered socket as the kernel describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Socket {
    transport: &'static str,
    listening: bool,
    local: Option<std::net::SocketAddr>,
    peer: Option<std::net::SocketAddr>,
}

/// One part per kind of thing, connections first: what a reader looks for first is who the test talked to.
fn describe_all(registered: &[(Kind, Option<Socket>)]) -> Vec<String> {
    let sockets: Vec<&Socket> = registered.iter().filter_map(|(_, socket)| socket.as_ref()).collect();
    let mut parts = Vec::new();
    // A connection between two sockets of the runtime: counted once, from the side whose peer is the other.
    let inside = |socket: &Socket| {
        socket.peer.is_some()
            && sockets
                .iter()
                .any(|other| other.local == socket.peer && other.peer == socket.local)
    };
    let mut pairs: Vec<String> = Vec::new();
    let mut to_peers: Vec<(&'static str, std::net::SocketAddr, usize)> = Vec::new();
    let mut unconnected: Vec<String> = Vec::new();
    for socket in &sockets {
        match (socket.peer, socket.local) {
            (Some(peer), Some(local)) if inside(socket) => {
                // Said from the client's side, the one whose peer a listener listens on; by port without one.
                let listens_on = |address| {
                    sockets
                        .iter()
                        .any(|other| other.listening && other.local == Some(address))
                };
                let client_side = match (listens_on(peer), listens_on(local)) {
                    (true, false) => true,
                    (false, true) => false,
                    _ => (local.port(), local.ip()) < (peer.port(), peer.ip()),
                };
                if client_side {
                    pairs.push(format!("{local} ↔ {peer}"));
                }
            }
            (Some(peer), _) => match to_peers
                .iter_mut()
                .find(|(transport, address, _)| *transport == socket.transport && *address == peer)
            {
                Some((_, _, sockets)) => *sockets += 1,
                None => to_peers.push((socket.transport, peer, 1)),
            },
            (None, Some(local)) if socket.listening => {
                unconnected.push(format!("1 {} listener on {local}", socket.transport))
            }
            (None, Some(local)) if socket.transport == "UDP" => unconnected.push(format!("1 UDP socket on {local}")),
            _ => unconnected.push(format!("1 {} socket", socket.transport)),
        }
    }
    for (transport, peer, sockets) in to_peers {
        parts.push(format!(
            "{} to {peer}",
            count(sockets, &format!("{transport} socket"), &format!("{transport} sockets"))
        ));
    }
    if !pairs.is_empty() {
        parts.push(format!(
            "{} between sockets of the test's own runtime ({}), which cannot be late",
            count(pairs.len(), "TCP connection", "TCP connections"),
            pairs.join(", ")
        ));
    }
    parts.extend(unconnected);
    let children: Vec<String> = registered
        .iter()
        .filter_map(|(kind, _)| match kind {
            Kind::Child(pid, program) => Some(format!("pid {pid}, {program}")),
            _ => None,
        })
        .collect();
    if !children.is_empty() {
        parts.push(format!(
            "{} ({})",
            count(children.len(), "child process", "child processes"),
            children.join("; ")
        ));
    }
    let pipes = registered.iter().filter(|(kind, _)| *kind == Kind::Pipe).count();
    if pipes > 0 {
        parts.push(count(pipes, "pipe", "pipes"));
    }
    for (kind, _) in registered {
        if let Kind::Other(name) = kind {
            parts.push(format!("1 file descriptor ({name})"));
        }
    }
    parts
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What `fd` is, as /proc names it.
#[cfg(target_os = "linux")]
fn kind_of(fd: i32) -> Kind {
    let Ok(target) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
        return Kind::Other("closed".to_string());
    };
    let target = target.to_string_lossy();
    if target.starts_with("socket:") {
        Kind::Socket
    } else if target.starts_with("pipe:") {
        Kind::Pipe
    } else if target == "anon_inode:[pidfd]" {
        child_of(fd).unwrap_or_else(|| Kind::Other(target.into_owned()))
    } else {
        Kind::Other(target.into_owned())
    }
}

#[cfg(not(target_os = "linux"))]
fn kind_of(_fd: i32) -> Kind {
    Kind::Other("unknown".to_string())
}

/// The child process a pidfd refers to: its pid from the pidfd's fdinfo, its program from /proc.
#[cfg(target_os = "linux")]
fn child_of(pidfd: i32) -> Option<Kind> {
    let fdinfo = std::fs::read_to_string(format!("/proc/self/fdinfo/{pidfd}")).ok()?;
    let pid: u32 = fdinfo
        .lines()
        .find_map(|line| line.strip_prefix("Pid:"))?
        .trim()
        .parse()
        .ok()?;
    Some(Kind::Child(pid, program_of(pid).unwrap_or_default()))
}

/// The program a process runs, by its name in /proc. Read again for a report: tokio may register a child's pidfd
/// before the kernel has renamed the child after the program it executes (until then it has its parent thread's name).
#[cfg(target_os = "linux")]
fn program_of(pid: u32) -> Option<String> {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(name.trim().to_string())
}

#[cfg(not(target_os = "linux"))]
fn program_of(_pid: u32) -> Option<String> {
    None
}

#[cfg(target_os = "linux")]
fn read_socket(fd: i32) -> Socket {
    let option = |name| socket_option(fd, name);
    let transport = match (option(libc::SO_DOMAIN), option(libc::SO_TYPE)) {
        (Some(libc::AF_UNIX), _) => "Unix",
        (_, Some(libc::SOCK_STREAM)) => "TCP",
        (_, Some(libc::SOCK_DGRAM)) => "UDP",
        _ => "other",
    };
    Socket {
        transport,
        listening: option(libc::SO_ACCEPTCONN) == Some(1),
        local: address(fd, libc::getsockname),
        peer: address(fd, libc::getpeername),
    }
}

/// A socket-level option of `fd` (`SO_TYPE`, `SO_DOMAIN`, ...), `None` when it cannot be read (not a socket, closed).
/// Shared by the reports (what a registered socket is) and the network guard (TCP or UDP).
#[cfg(target_os = "linux")]
pub(crate) fn socket_option(fd: i32, name: libc::c_int) -> Option<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut length = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `length` are live locals of the sizes given; on a closed or reused descriptor the call fails
    // or reads another socket's option, which can only make the words that describe it wrong.
    let result = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, name, (&raw mut value).cast(), &raw mut length) };
    (result == 0).then_some(value)
}

#[cfg(not(target_os = "linux"))]
fn read_socket(_fd: i32) -> Socket {
    Socket {
        transport: "other",
        listening: false,
        local: None,
        peer: None,
    }
}

/// A socket's own address or its peer's (by `read`, `getsockname` or `getpeername`), when it is an IP address.
#[cfg(target_os = "linux")]
fn address(
    fd: i32,
    read: unsafe extern "C" fn(libc::c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> libc::c_int,
) -> Option<std::net::SocketAddr> {
    // SAFETY: all-zero bytes are a valid `sockaddr_storage` (a plain C struct of integers).
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut length = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage` is a live local as large as `length` says, the size the kernel may write at most.
    if unsafe { read(fd, (&raw mut storage).cast(), &raw mut length) } != 0 {
        return None;
    }
    // SAFETY: the kernel wrote `length` bytes of an address into `storage`.
    unsafe { ip_address((&raw const storage).cast(), length) }
}

/// An IPv4 or IPv6 socket address; `None` for any other family (Unix sockets) or none at all. Shared by the reports
/// (a socket's own address and its peer's) and the network guard (where a call goes).
///
/// # Safety
///
/// `address` is null or points to `length` readable bytes.
#[cfg(target_os = "linux")]
pub(crate) unsafe fn ip_address(
    address: *const libc::sockaddr,
    length: libc::socklen_t,
) -> Option<std::net::SocketAddr> {
    if address.is_null() || (length as usize) < std::mem::size_of::<libc::sa_family_t>() {
        return None;
    }
    // SAFETY: at least the family is readable, and the family's structure when the length says so; they are read
    // unaligned, as a caller's buffer may be.
    unsafe {
        match libc::c_int::from(std::ptr::read_unaligned(&raw const (*address).sa_family)) {
            libc::AF_INET if length as usize >= std::mem::size_of::<libc::sockaddr_in>() => {
                let ipv4 = std::ptr::read_unaligned(address.cast::<libc::sockaddr_in>());
                Some(std::net::SocketAddr::from((
                    u32::from_be(ipv4.sin_addr.s_addr).to_be_bytes(),
                    u16::from_be(ipv4.sin_port),
                )))
            }
            libc::AF_INET6 if length as usize >= std::mem::size_of::<libc::sockaddr_in6>() => {
                let ipv6 = std::ptr::read_unaligned(address.cast::<libc::sockaddr_in6>());
                Some(std::net::SocketAddr::from((
                    ipv6.sin6_addr.s6_addr,
                    u16::from_be(ipv6.sin6_port),
                )))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(local: &str, peer: Option<&str>, listening: bool) -> (Kind, Option<Socket>) {
        (
            Kind::Socket,
            Some(Socket {
                transport: "TCP",
                listening,
                local: Some(local.parse().expect("an address")),
                peer: peer.map(|peer| peer.parse().expect("an address")),
            }),
        )
    }

    #[test]
    fn sockets_to_one_peer_are_counted_and_a_child_is_named() {
        let registered = [
            tcp("127.0.0.1:50001", Some("127.0.0.1:41233"), false),
            tcp("127.0.0.1:50002", Some("127.0.0.1:41233"), false),
            (Kind::Child(4242, "sh".to_string()), None),
            (Kind::Pipe, None),
            (Kind::Pipe, None),
        ];
        assert_eq!(
            describe_all(&registered).join(", "),
            "2 TCP sockets to 127.0.0.1:41233, 1 child process (pid 4242, sh), 2 pipes"
        );
    }

    #[test]
    fn a_connection_inside_the_runtime_is_said_once_and_cannot_be_late() {
        let registered = [
            tcp("127.0.0.1:41233", None, true),
            tcp("127.0.0.1:50112", Some("127.0.0.1:41233"), false),
            tcp("127.0.0.1:41233", Some("127.0.0.1:50112"), false),
        ];
        assert_eq!(
            describe_all(&registered).join(", "),
            "1 TCP connection between sockets of the test's own runtime (127.0.0.1:50112 ↔ 127.0.0.1:41233), which \
             cannot be late, 1 TCP listener on 127.0.0.1:41233"
        );
    }

    /// A fresh epoll instance with `waker` registered, as a runtime's build leaves it.
    #[cfg(target_os = "linux")]
    fn epoll_with_waker() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
        use std::os::fd::FromRawFd;
        // SAFETY: plain system calls; each returned descriptor is new and owned by the `OwnedFd` made of it.
        unsafe {
            let epoll = libc::epoll_create1(libc::EPOLL_CLOEXEC);
            let waker = libc::eventfd(0, libc::EFD_CLOEXEC);
            assert!(epoll >= 0 && waker >= 0, "no epoll or eventfd");
            register(epoll, waker);
            (
                std::os::fd::OwnedFd::from_raw_fd(epoll),
                std::os::fd::OwnedFd::from_raw_fd(waker),
            )
        }
    }

    #[cfg(target_os = "linux")]
    fn register(epoll: i32, fd: i32) {
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: 0,
        };
        // SAFETY: `event` is a live local; the kernel checks the descriptors.
        let result = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &raw mut event) };
        assert_eq!(result, 0, "epoll_ctl: {}", std::io::Error::last_os_error());
    }

    /// What the test's runtime registers is the test's, whichever of the instance's numbers it goes through; the
    /// registrations of another runtime built inside it (a new instance, then a duplicate of it) are not.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_runtimes_registrations_are_told_from_another_runtime_built_in_it() {
        use std::os::fd::AsRawFd;
        let io = RealIo::new();
        let (epoll, _waker) = epoll_with_waker();
        let duplicate = epoll.try_clone().expect("a duplicate");
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a socket");
        register(duplicate.as_raw_fd(), socket.as_raw_fd());
        let added = io
            .added(duplicate.as_raw_fd(), socket.as_raw_fd())
            .expect("the runtime's");
        assert!(added.new_epoll && added.first);
        let (reader, writer) = std::io::pipe().expect("a pipe");
        register(duplicate.as_raw_fd(), reader.as_raw_fd());
        let added = io
            .added(duplicate.as_raw_fd(), reader.as_raw_fd())
            .expect("the runtime's");
        assert!(!added.new_epoll && !added.first);

        // Another runtime's build: its waker with a new instance, its signal pipe through a duplicate of that.
        // SAFETY: plain system calls; each descriptor is closed below.
        let (other, other_waker) = unsafe {
            (
                libc::epoll_create1(libc::EPOLL_CLOEXEC),
                libc::eventfd(0, libc::EFD_CLOEXEC),
            )
        };
        register(other, other_waker);
        assert!(
            io.added(other, other_waker).is_none(),
            "another runtime's waker was taken for the test's"
        );
        // SAFETY: `other` is open; the duplicate is closed below.
        let other_duplicate = unsafe { libc::fcntl(other, libc::F_DUPFD_CLOEXEC, 3) };
        register(other_duplicate, writer.as_raw_fd());
        assert!(
            io.added(other_duplicate, writer.as_raw_fd()).is_none(),
            "another runtime's signal pipe was taken for the test's"
        );
        assert_eq!(io.runtimes_epolls(), [duplicate.as_raw_fd()]);
        let address = socket.local_addr().expect("an address");
        assert_eq!(io.describe(), Some(format!("1 UDP socket on {address}, 1 pipe")));
        // SAFETY: the three descriptors made above, closed once.
        unsafe {
            libc::close(other_duplicate);
            libc::close(other_waker);
            libc::close(other);
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_real_socket_and_child_are_read_from_the_kernel() {
        use std::os::fd::AsRawFd;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let client = std::net::TcpStream::connect(listener.local_addr().expect("an address")).expect("connected");
        let (epoll, _waker) = epoll_with_waker();
        register(epoll.as_raw_fd(), client.as_raw_fd());
        register(epoll.as_raw_fd(), listener.as_raw_fd());
        let io = RealIo::new();
        assert!(io.describe().is_none() && !io.any());
        assert!(
            io.added(epoll.as_raw_fd(), client.as_raw_fd())
                .is_some_and(|added| added.first)
        );
        assert!(
            io.added(epoll.as_raw_fd(), listener.as_raw_fd())
                .is_some_and(|added| !added.first)
        );
        let server = listener.local_addr().expect("an address");
        assert_eq!(
            io.describe().expect("described"),
            format!("1 TCP socket to {server}, 1 TCP listener on {server}")
        );
        io.removed(client.as_raw_fd());
        assert_eq!(
            io.describe().expect("described"),
            format!("1 TCP listener on {server}, 1 more closed earlier")
        );
        assert!(!io.child_running());
    }
}
