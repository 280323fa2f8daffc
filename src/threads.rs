//! The threads that share a file's work: a kept pool of helpers with a large stack, and work split
//! into runs of consecutive items, the first run on the calling thread and the others on the
//! helpers, the results put back in order — what one thread doing the runs one after another
//! would give, whatever the number of threads. Used where the items are independent of each other
//! (the logical lines of a file, the derivations of a file).

/// The stack of a thread that parses or checks: nesting is bounded by the syntax limits, and this
/// leaves room for the deepest input they allow.
pub const STACK_BYTES: usize = 256 << 20;

/// The helpers: one thread per core, each with a stack of [`STACK_BYTES`], started when first
/// needed and kept for the process. Starting threads for every piece of shared work (a file's
/// derivations are checked up to four times: once, then the search for repairs checks its
/// survivors in up to three rounds) cost more than the work they shared on a small file, each new
/// thread's allocator taking fresh pages. `None` if they cannot be started.
pub fn helpers() -> Option<&'static rayon::ThreadPool> {
    static HELPERS: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    HELPERS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
            rayon::ThreadPoolBuilder::new()
                .num_threads(cores)
                .stack_size(STACK_BYTES)
                .thread_name(|i| format!("gradproof-{i}"))
                .build()
                .ok()
        })
        .as_ref()
}

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

/// `work` applied to every run, the first on this thread and the others on the [`helpers`] (all
/// here if there are none), the results joined in the order of the runs. A panic of a run is
/// passed on. The calling thread needs a stack of [`STACK_BYTES`] if the work does.
pub fn map_runs<T: Sync, R: Send>(runs: &[&[T]], work: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    let Some((first, others)) = runs.split_first() else { return Vec::new() };
    let work = &work;
    let mut done: Vec<Option<Vec<R>>> = others.iter().map(|_| None).collect();
    let mut out = match helpers() {
        Some(pool) => pool.in_place_scope(|scope| {
            for (slot, &run) in done.iter_mut().zip(others) {
                scope.spawn(move |_| *slot = Some(work(run)));
            }
            work(first)
        }),
        None => work(first),
    };
    for (slot, &run) in done.into_iter().zip(others) {
        out.extend(slot.unwrap_or_else(|| work(run)));
    }
    out
}

/// `work` applied to every item on up to `jobs` threads (this one and helpers), each thread taking
/// the next item not yet taken, so that a few large items do not leave the other threads idle at
/// the end; the results in the order of the items, whichever thread computed each. A panic of an
/// item is passed on. The calling thread needs a stack of [`STACK_BYTES`] if the work does.
pub fn map_each<T: Sync, R: Send>(items: &[T], jobs: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_each_with(items, jobs, || (), |(), _, item| work(item))
}

/// [`map_each`] with a state of each thread's own, made by `init` when the thread starts and
/// passed to `work` with each item and its index.
pub fn map_each_with<T: Sync, S, R: Send>(
    items: &[T],
    jobs: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, usize, &T) -> R + Sync,
) -> Vec<R> {
    let jobs = jobs.min(items.len());
    let pool = if jobs > 1 { helpers() } else { None };
    let Some(pool) = pool else {
        let mut state = init();
        return items.iter().enumerate().map(|(i, item)| work(&mut state, i, item)).collect();
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::Mutex::new(Vec::with_capacity(items.len()));
    let worker = || {
        let mut state = init();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            let r = work(&mut state, i, item);
            done.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((i, r));
        }
    };
    pool.in_place_scope(|scope| {
        for _ in 1..jobs {
            scope.spawn(|_| worker());
        }
        worker();
    });
    let mut done = done.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
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
            assert_eq!(map_runs(&cut, |run| run.iter().map(|x| x * x).collect()), one, "{runs}");
        }
        for jobs in [0, 1, 2, 7] {
            assert_eq!(map_each(&items, jobs, |x| x * x), one, "{jobs}");
        }
        assert!(map_each(&[] as &[u64], 4, |x| *x).is_empty());
    }
}
