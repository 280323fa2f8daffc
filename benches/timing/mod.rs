//! Timing shared by the benches: the median wall time of a few runs after a warm-up.

use std::time::{Duration, Instant};

/// The median of the times.
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The median wall time of `runs` runs of `f`, after one run to warm up.
pub fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}
