//! Which source files are the user's: not the standard library's, not a dependency's (tokio's among them), not
//! ws-test's own. Where a report points into code, at the await points a task waits at (`task_dumps.rs`) or at the
//! call that tried to reach a real host (`guards/network.rs`), it points there.

use std::path::Path;

/// Whether `file`, as a backtrace names it, is the user's code.
pub(crate) fn is_users(file: &Path) -> bool {
    let path = file.to_string_lossy();
    let ours = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    !(path.starts_with("/rustc/")
        || path.contains("/.cargo/registry/")
        || path.contains("/.cargo/git/")
        || path.contains("/lib/rustlib/")
        || path.starts_with(ours)
        || file.is_relative() && path.starts_with("library/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_users_own_files_are_the_users() {
        assert!(is_users(Path::new("./tests/network.rs")));
        assert!(is_users(Path::new("/home/me/app/src/client.rs")));
        for theirs in [
            "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/net/tcp.rs",
            "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/tokio-1.54.1/src/net/tcp/stream.rs",
            "/root/.cargo/git/checkouts/mio-0123/src/sys/unix/net.rs",
            "library/core/src/ops/function.rs",
            concat!(env!("CARGO_MANIFEST_DIR"), "/src/guards/network.rs"),
        ] {
            assert!(!is_users(Path::new(theirs)), "{theirs} was taken for the user's");
        }
    }
}
