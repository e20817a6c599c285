// Where perform() runs. It is the job's blocking code: inline on the tokio worker that took the call it costs nothing,
// while handing it to a thread of its own (block_in_place) costs as much as the rest of the call. But a worker held
// by a slow perform() holds the tasks queued on it too (tokio cannot steal its next task), such as a /live probe.
// So a call runs inline only once calls have proven quick (a moving average, starting slow) and while another worker
// stays free; otherwise it goes through block_in_place, and slow calls (a job waiting on I/O, say) hold no other.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// a call is quick below this (the average of the last few, in µs)
const QUICK_US: u64 = 1_000;

pub struct PerformGate {
    inline: AtomicUsize,
    max_inline: usize,
    /// moving average of perform()'s duration, µs (weight 1/8 to the newest)
    average_us: AtomicU64,
}

impl PerformGate {
    /// `workers`: the runtime's worker threads; one of them is never lent to a perform() inline (unless it is the only one)
    pub fn new(workers: usize) -> PerformGate {
        PerformGate {
            inline: AtomicUsize::new(0),
            max_inline: workers.saturating_sub(1).max(1),
            // slow until shown otherwise: the first calls of a job that sleeps never run inline
            average_us: AtomicU64::new(2 * QUICK_US),
        }
    }

    pub fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = if self.average_us.load(Ordering::Relaxed) < QUICK_US && self.enter() {
            let out = work();
            self.inline.fetch_sub(1, Ordering::SeqCst);
            out
        } else {
            tokio::task::block_in_place(work)
        };
        let took = started.elapsed().as_micros().min(u128::from(u64::MAX / 8)) as u64;
        let _ = self
            .average_us
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |avg| Some(avg - avg / 8 + took / 8));
        out
    }

    /// takes an inline place, if one is free
    fn enter(&self) -> bool {
        self.inline
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                if n < self.max_inline {
                    Some(n + 1)
                } else {
                    None
                }
            })
            .is_ok()
    }
}
