//! Work split into runs of consecutive items, each run on a thread of its own, the results put
//! back in order: what one thread doing the runs one after another would give, whatever the
//! number of threads. Used where the items are independent of each other (the logical lines of a
//! file, the wrong steps whose changes are made).

/// `items` cut into at most `runs` runs of consecutive items of about the same `weight` each (at
/// least one item per run; no runs for no items).
pub fn runs_by_weight<T>(items: &[T], runs: usize, weight: impl Fn(&T) -> usize) -> Vec<&[T]> {
    let total: usize = items.iter().map(&weight).sum();
    let runs = runs.max(1);
    let mut out = Vec::with_capacity(runs);
    let (mut start, mut so_far) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        so_far += weight(item);
        // A run ends where the weight so far reaches the next share of the total; the last run
        // takes whatever is left (items of no weight among it).
        let last = out.len() + 1 == runs;
        if i + 1 == items.len() || (!last && so_far.saturating_mul(runs) >= total.saturating_mul(out.len() + 1)) {
            out.push(&items[start..=i]);
            start = i + 1;
        }
    }
    out
}

/// `work` applied to every run, the first on this thread and each other on a new thread with a
/// stack of `stack` bytes (a run whose thread cannot be started is done here), and the results
/// joined in the order of the runs. A panic of a thread is passed on.
pub fn map_runs<T: Sync, R: Send>(runs: &[&[T]], stack: usize, work: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let Some((first, others)) = runs.split_first() else { return Vec::new() };
    let work = &work;
    std::thread::scope(|scope| {
        let threads: Vec<_> = others
            .iter()
            .map(|&run| std::thread::Builder::new().stack_size(stack).spawn_scoped(scope, move || work(run)).ok())
            .collect();
        let mut out = work(first);
        for (&run, thread) in others.iter().zip(threads) {
            out.extend(match thread {
                Some(thread) => thread.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => work(run),
            });
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_items_in_order_with_about_equal_weight() {
        let items: Vec<usize> = (1..=100).collect();
        for runs in [1, 2, 3, 7, 100, 500] {
            let cut = runs_by_weight(&items, runs, |&w| w);
            assert!(cut.len() <= runs && cut.iter().all(|r| !r.is_empty()), "{runs}: {cut:?}");
            assert_eq!(cut.concat(), items, "{runs}");
        }
        let halves = runs_by_weight(&items, 2, |&w| w);
        let weights: Vec<usize> = halves.iter().map(|r| r.iter().sum()).collect();
        assert!(weights[0].abs_diff(weights[1]) <= 100, "{weights:?}");
        assert!(runs_by_weight(&[] as &[usize], 4, |&w| w).is_empty());
        // Items of no weight never make more runs than asked for.
        for (weights, runs) in [(vec![1, 0], 1), (vec![0, 0, 0, 0], 2), (vec![5, 0, 0, 1, 0], 3)] {
            let cut = runs_by_weight(&weights, runs, |&w| w);
            assert!(cut.len() <= runs, "{weights:?} in {runs}: {cut:?}");
            assert_eq!(cut.concat(), weights);
        }
    }

    #[test]
    fn results_come_back_in_order_whatever_the_threads() {
        let items: Vec<u64> = (0..1_000).collect();
        let one: Vec<u64> = items.iter().map(|x| x * x).collect();
        for runs in [1, 2, 5] {
            let cut = runs_by_weight(&items, runs, |_| 1);
            assert_eq!(map_runs(&cut, 1 << 20, |run| run.iter().map(|x| x * x).collect()), one, "{runs}");
        }
    }
}
