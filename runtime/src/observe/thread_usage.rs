//! What a thread of this process has spent its time on, from Linux's `/proc`: CPU time, time waiting in the run
//! queue, and whether it is asleep right now, read from files; libc only for the thread's id.

use std::time::Duration;

/// Clock ticks per second of `utime` and `stime` in `/proc/.../stat`; 100 on every Linux architecture Rust supports.
const TICKS_PER_SECOND: u64 = 100;

/// A thread of this process, found while running on it.
#[derive(Clone, Copy)]
pub(crate) struct ThreadUsage {
    /// Its id, for `/proc/self/task/<id>/`.
    thread_id: libc::pid_t,
}

/// One look at the thread.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UsageSample {
    pub(crate) cpu: Duration,
    /// Time spent runnable but waiting for a CPU; `None` where the kernel keeps no scheduler statistics
    /// (`schedstat` reads all zeros).
    pub(crate) run_queue_wait: Option<Duration>,
    /// Asleep (`S`) or in uninterruptible sleep (`D`): blocked, not merely waiting for a CPU (`R`).
    pub(crate) asleep: bool,
}

/// The calling thread's id, as `/proc/self/task/<id>/` names it.
pub(crate) fn current_thread_id() -> libc::pid_t {
    // SAFETY: gettid(2) takes no arguments, touches no memory and cannot fail; it returns the caller's thread id.
    unsafe { libc::gettid() }
}

/// The fields of a `/proc/.../stat` line after the command name, the state first. The name sits in parentheses and
/// may itself contain spaces and parentheses, so the fields start after the last `)`.
pub(crate) fn stat_fields(stat: &str) -> Option<std::str::SplitWhitespace<'_>> {
    Some(stat.get(stat.rfind(')')? + 1..)?.split_whitespace())
}

impl ThreadUsage {
    /// The calling thread.
    pub(crate) fn current() -> ThreadUsage {
        ThreadUsage {
            thread_id: current_thread_id(),
        }
    }

    /// `None` once the thread has ended or `/proc` cannot be read.
    pub(crate) fn sample(&self) -> Option<UsageSample> {
        let task = format!("/proc/self/task/{}", self.thread_id);
        let stat = std::fs::read_to_string(format!("{task}/stat")).ok()?;
        let fields: Vec<&str> = stat_fields(&stat)?.collect();
        let state = fields.first()?;
        let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        let mut cpu = Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND);
        let mut run_queue_wait = None;
        if let Ok(schedstat) = std::fs::read_to_string(format!("{task}/schedstat")) {
            let mut numbers = schedstat.split_whitespace().map(|number| number.parse::<u64>().ok());
            if let (Some(Some(cpu_nanos)), Some(Some(wait_nanos))) = (numbers.next(), numbers.next()) {
                if cpu_nanos > 0 {
                    cpu = Duration::from_nanos(cpu_nanos);
                    run_queue_wait = Some(Duration::from_nanos(wait_nanos));
                }
            }
        }
        Some(UsageSample {
            cpu,
            run_queue_wait,
            asleep: matches!(*state, "S" | "D"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleeping_thread_is_asleep_and_a_spinning_one_uses_cpu() {
        let (sender, receiver) = std::sync::mpsc::channel();
        let sleeper = std::thread::spawn(move || {
            sender.send(ThreadUsage::current()).expect("the test listens");
            std::thread::sleep(Duration::from_secs(2));
        });
        let usage = receiver.recv().expect("the thread reports");
        std::thread::sleep(Duration::from_millis(200));
        assert!(usage.sample().expect("the thread is alive").asleep);
        sleeper.join().expect("the sleeper ends");

        // Spin until this thread's CPU time has grown by 50 ms, however long a loaded machine makes that take: what
        // is proved is that the figure follows the CPU the thread uses, not how fast it gets it.
        let me = ThreadUsage::current();
        let before = me.sample().expect("this thread is alive");
        let give_up = std::time::Instant::now() + Duration::from_secs(20);
        let mut spin = 0u64;
        let mut after = before;
        while after.cpu - before.cpu < Duration::from_millis(50) && std::time::Instant::now() < give_up {
            for _ in 0..100_000 {
                spin = std::hint::black_box(spin.wrapping_add(1));
            }
            after = me.sample().expect("this thread is alive");
        }
        assert!(
            after.cpu - before.cpu >= Duration::from_millis(50),
            "{before:?} -> {after:?}"
        );
        assert!(!after.asleep);
    }
}
