//! One name for where ws-test sees real I/O through libc (`setup/io_registrations.rs`): `cfg(ws_test_libc_hooks)`,
//! on Linux with glibc, dynamically linked, with the `libc-hooks` feature. A static glibc or musl's libc would bring a
//! second `epoll_ctl` into the link; elsewhere there is no `epoll_ctl` at all.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ws_test_libc_hooks)");
    let target = |name: &str| std::env::var(name).unwrap_or_default();
    let hooks = std::env::var_os("CARGO_FEATURE_LIBC_HOOKS").is_some()
        && target("CARGO_CFG_TARGET_OS") == "linux"
        && target("CARGO_CFG_TARGET_ENV") == "gnu"
        && !target("CARGO_CFG_TARGET_FEATURE")
            .split(',')
            .any(|feature| feature == "crt-static");
    if hooks {
        println!("cargo::rustc-cfg=ws_test_libc_hooks");
    }
}
