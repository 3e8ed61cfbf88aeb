//! Where each task is waiting, await point by await point, from tokio's task dumps: the answer to "waiting where?"
//! under a deadlock, a timeout, a runaway virtual clock or a leak. tokio has them only with `--cfg tokio_unstable` and
//! its `taskdump` feature (ws-test's `taskdump` turns it on), and builds them only on Linux (x86, x86_64, aarch64,
//! s390x), so these two settings are the whole condition; without them [`HOW_TO_GET`] says how to get them, and
//! nothing here costs anything.
//!
//! A dump re-polls each task once in tokio's tracing mode, in which tokio's own leaf futures (timers, channels, locks,
//! sockets) record a backtrace and return `Pending` without doing their work; a future of another library polls as
//! usual. Each backtrace is cut down to the user's frames (no std, tokio, ws-test or other dependency), which are the
//! `.await`s that led to the leaf, innermost first.

#[cfg(all(tokio_unstable, feature = "taskdump"))]
mod dumps {
    use std::collections::BTreeMap;
    use std::path::Path;

    use tokio::runtime::dump::{Backtrace, Trace};

    use super::Origin;
    use crate::observe::user_code;

    /// Await points shown per chain, and distinct tasks shown per report: a report stays short enough to read.
    const MOST_AWAITS: usize = 6;
    const MOST_TASKS: usize = 8;

    /// Polls the body once in tracing mode (`poll` does it) and says where it waits: one line, for a failure's
    /// details. What the poll returns is dropped: the body is about to be dropped too.
    pub(crate) fn body<R>(poll: impl FnOnce() -> R) -> Vec<String> {
        let (_, trace) = Trace::capture(poll);
        vec![format!("the body {}", waits_at(&trace))]
    }

    /// Every task of the current-thread runtime this is called in (inside `block_on`), grouped where several wait at
    /// the same place: one line each, for a failure's details. `origin` says where a task came from.
    pub(crate) async fn tasks(origin: impl Fn(tokio::task::Id) -> Option<Origin>) -> Vec<String> {
        let dump = tokio::runtime::Handle::current().dump().await;
        let mut alike: BTreeMap<String, usize> = BTreeMap::new();
        for task in dump.tasks().iter() {
            let spawned = match origin(task.id()) {
                Some(Origin::Service(name)) => format!("background service `{name}`"),
                Some(Origin::Spawned(place)) => format!("a task spawned at {}", relative(&place)),
                None => "a task".to_string(),
            };
            *alike
                .entry(format!("{spawned} {}", waits_at(task.trace())))
                .or_default() += 1;
        }
        let shown = alike.len().min(MOST_TASKS);
        let mut lines: Vec<String> = alike
            .iter()
            .take(MOST_TASKS)
            .map(|(line, count)| match count {
                1 => line.clone(),
                more => format!("{line} ({more} tasks like this one)"),
            })
            .collect();
        let hidden: usize = alike.values().skip(shown).sum();
        if hidden > 0 {
            lines.push(format!(
                "and {} more, elsewhere",
                crate::report::count(hidden, "task", "tasks")
            ));
        }
        lines
    }

    /// "waits at a.rs:3:9, in b.rs:10:5": the user's await points of each backtrace in `trace`, innermost first; a
    /// `join!` or `select!` waits at several.
    fn waits_at(trace: &Trace) -> String {
        let chains: Vec<String> = trace.resolve_backtraces().iter().filter_map(user_chain).collect();
        if chains.is_empty() {
            return "waits outside this crate's code (no await point of its own could be traced)".to_string();
        }
        let mut unique = chains.clone();
        unique.dedup();
        format!("waits at {}", unique.join("; and at "))
    }

    fn user_chain(backtrace: &Backtrace) -> Option<String> {
        let mut places: Vec<String> = Vec::new();
        for frame in backtrace.frames() {
            for symbol in frame.symbols() {
                let (Some(file), Some(line)) = (symbol.filename(), symbol.lineno()) else {
                    continue;
                };
                if !user_code::is_users(file) {
                    continue;
                }
                let place = match symbol.colno() {
                    Some(column) => format!("{}:{line}:{column}", relative(&file.display().to_string())),
                    None => format!("{}:{line}", relative(&file.display().to_string())),
                };
                // Inlined closures of one `async fn` repeat its place.
                if places.last() != Some(&place) {
                    places.push(place);
                }
            }
        }
        if places.is_empty() {
            return None;
        }
        places.truncate(MOST_AWAITS);
        Some(places.join(", in "))
    }

    /// Relative to the workspace (the nearest directory up from the tests' with a `Cargo.lock`), as compiler messages
    /// and spawn locations show paths.
    fn relative(path: &str) -> String {
        let Ok(directory) = std::env::current_dir() else {
            return path.to_string();
        };
        let root = directory
            .ancestors()
            .find(|ancestor| ancestor.join("Cargo.lock").is_file())
            .unwrap_or(&directory);
        Path::new(path)
            .strip_prefix(root)
            .map_or_else(|_| path.to_string(), |relative| relative.display().to_string())
    }
}

#[cfg(not(all(tokio_unstable, feature = "taskdump")))]
mod dumps {
    /// Nothing to say without task dumps, and the body is not polled.
    pub(crate) fn body<R>(_poll: impl FnOnce() -> R) -> Vec<String> {
        Vec::new()
    }

    pub(crate) async fn tasks(_origin: impl Fn(tokio::task::Id) -> Option<super::Origin>) -> Vec<String> {
        Vec::new()
    }
}

pub(crate) use dumps::{body, tasks};

/// Where a task came from, as a dump names it.
#[cfg_attr(not(all(tokio_unstable, feature = "taskdump")), allow(dead_code))]
pub(crate) enum Origin {
    /// A background service, by its name.
    Service(String),
    /// A task spawned at this place (`file:line:column`).
    Spawned(String),
}

/// Whether this build lists where each task waits (see the module's documentation).
pub(crate) const AVAILABLE: bool = cfg!(all(tokio_unstable, feature = "taskdump"));

/// Said in a report that could list where each task waits, when this build cannot; empty when it can.
pub(crate) const HOW_TO_GET: &str = if AVAILABLE {
    ""
} else if cfg!(feature = "taskdump") {
    " To see the await each task is stuck at, ws-test's feature taskdump needs RUSTFLAGS=\"--cfg tokio_unstable\" \
     too."
} else {
    " To see the await each task is stuck at, run with RUSTFLAGS=\"--cfg tokio_unstable\" and ws-test's feature \
     taskdump: cargo test -F ws-test/taskdump (Linux)."
};
