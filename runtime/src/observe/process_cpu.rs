//! What the other threads of this process do with the CPU: a thread of the test's own (a server on a thread and a
//! runtime of its own, a fixture) answering while the test's runtime is idle shows here, whether it is running (the
//! process's CPU time grows) or waiting for a CPU on a loaded machine (its state is runnable). Linux only; elsewhere
//! nothing is seen.

use std::time::Duration;

#[cfg(target_os = "linux")]
use crate::observe::thread_usage;

/// CPU time used by every thread of this process so far.
pub(crate) fn used() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime(2) writes one `timespec` through the pointer, which points at a live, writable local
        // of exactly that type; CLOCK_PROCESS_CPUTIME_ID is a valid clock on every Linux since 2.6.12.
        let result = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &raw mut time) };
        if result != 0 {
            return None;
        }
        let seconds = u64::try_from(time.tv_sec).ok()?;
        let nanoseconds = u32::try_from(time.tv_nsec).ok()?;
        Some(Duration::new(seconds, nanoseconds))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Whether a thread of this process other than the caller is running or waiting for a CPU (state `R` in
/// `/proc/self/task/*/stat`). Reads one file per thread: for occasional questions, not for a loop.
pub(crate) fn another_thread_runnable() -> bool {
    #[cfg(target_os = "linux")]
    {
        let me = thread_usage::current_thread_id().to_string();
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return false;
        };
        tasks.flatten().any(|task| {
            task.file_name() != me.as_str()
                && std::fs::read_to_string(task.path().join("stat")).is_ok_and(|stat| is_runnable(&stat))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Whether a `stat` line's state is `R`: running or waiting for a CPU.
#[cfg(target_os = "linux")]
fn is_runnable(stat: &str) -> bool {
    thread_usage::stat_fields(stat).and_then(|mut fields| fields.next()) == Some("R")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_the_state_after_the_command_name() {
        assert!(is_runnable("1234 (tokio-runtime-w) R 1 2 3"));
        assert!(is_runnable("1234 (a (odd) name) R 1 2 3"));
        assert!(!is_runnable("1234 (ws-test-monitor) S 1 2 3"));
        assert!(!is_runnable("garbage"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn sees_another_thread_spinning() {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let spinning = {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        };
        // Running or waiting for a CPU, a spinning thread is runnable whenever it is looked at.
        let seen = another_thread_runnable();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        spinning.join().expect("the spinner ends");
        assert!(seen);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn grows_while_a_thread_of_the_process_works() {
        let before = used().expect("Linux has a process CPU clock");
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        while started.elapsed() < Duration::from_millis(20) {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        let after = used().expect("Linux has a process CPU clock");
        assert!(after > before, "{before:?} -> {after:?}");
    }
}
