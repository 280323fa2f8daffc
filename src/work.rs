//! Budgets of work. Every limit that can change a verdict counts operations — evaluation steps,
//! lowered nodes, products of monomials, gcd steps — never seconds, so that the same input, options
//! and seed give the same report on an idle machine and on a loaded one.
//!
//! A *meter* counts the work of one file on the thread that checks it: [`file()`] sets it up, the
//! numeric and symbolic engines [`charge`] it, and [`within`] gives one part of the work (the
//! prover's work on one expression) a budget of its own inside the file's. Besides the count, the
//! meter holds the file's wall-clock *safety net*: a deadline far above normal use that only stops
//! a run the counts did not foresee, and whose effect is reported as depending on the machine.
//!
//! A caller that will not use a result may also [`stop`](stoppable) the work on its thread (the
//! playground stops the check of a text the student has already changed): the file's net is then
//! seen as reached at the next clock reading. A stopped result is thrown away, never shown.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why work stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// The budget of work of the part (see [`within`]) is spent.
    Part,
    /// The part's safety net in time was reached.
    PartTime,
    /// The file's budget of work is spent.
    File,
    /// The file's safety net in time was reached.
    FileTime,
}

impl Spent {
    /// Whether a safety net in time (which depends on the machine) stopped the work.
    pub fn by_time(self) -> bool {
        matches!(self, Spent::PartTime | Spent::FileTime)
    }
}

/// The limits of one file's work, or of one part of it.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Units of work.
    pub work: u64,
    /// The safety net in time; `None` for none.
    pub time: Option<Duration>,
}

/// The limits of the work on this thread (its count is in `USED`).
#[derive(Clone, Copy)]
struct Meter {
    file: Limit,
    /// The limit of the innermost [`within`].
    part: Limit,
}

/// A limit in units of work (a value of `used`) and in time.
#[derive(Clone, Copy)]
struct Limit {
    work: u64,
    deadline: Option<Instant>,
    /// Set once the deadline has been seen to pass, so that every later question has the same
    /// answer.
    late: bool,
    /// Whether a stop asked ([`stoppable`]) reaches it: a file's limit only, never the unlimited
    /// meter of a thread outside any file (which nothing would reset: a reviewer).
    stoppable: bool,
}

impl Limit {
    const NONE: Limit = Limit { work: u64::MAX, deadline: None, late: false, stoppable: false };

    fn starting_at(used: u64, budget: Budget) -> Limit {
        Limit {
            work: used.saturating_add(budget.work),
            deadline: budget.time.and_then(|t| Instant::now().checked_add(t)),
            // A limit of no time at all is reached before the first clock reading.
            late: budget.time.is_some_and(|t| t.is_zero()),
            stoppable: true,
        }
    }

    fn read_clock(&mut self) {
        if !self.late {
            self.late = self.deadline.is_some_and(|d| Instant::now() >= d);
        }
    }
}

/// Whether the caller of [`stoppable`] on this thread has asked the work to stop.
pub fn stop_asked() -> bool {
    STOP.with(|s| s.borrow().as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed)))
}

const UNLIMITED: Meter = Meter { file: Limit::NONE, part: Limit::NONE };

/// How often, in units of work, the clock of the safety net is read.
const CLOCK_EVERY: u64 = 4096;

thread_local! {
    static METER: Cell<Meter> = const { Cell::new(UNLIMITED) };
    /// The units of work done so far.
    static USED: Cell<u64> = const { Cell::new(0) };
    /// While the count stays below this, no limit is reached and no clock is due: a charge only
    /// adds (most charges are of a few units, made millions of times).
    static QUIET: Cell<u64> = const { Cell::new(0) };
    /// The flag of [`stoppable`]: once set, the file's net counts as reached.
    static STOP: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `f` on this thread so that setting `stop` (from any thread) stops its work: every file
/// checked inside then reaches its safety net at the next clock reading (within
/// `CLOCK_EVERY` units), as if its time were up. What `f` returns after a stop is not a result
/// to show; only the caller knows whether it stopped it (`stop`'s value). Work that `f` hands to
/// other threads is stopped too where it carries the flag there ([`StopFlag`]).
pub fn stoppable<R>(stop: Arc<AtomicBool>, f: impl FnOnce() -> R) -> R {
    StopFlag(Some(stop)).run(f)
}

/// The stop flag of the work on this thread (none outside [`stoppable`]), to be carried to a
/// thread that does a part of that work.
#[derive(Clone, Default)]
pub struct StopFlag(Option<Arc<AtomicBool>>);

impl StopFlag {
    /// The flag of the work on this thread.
    pub fn here() -> StopFlag {
        StopFlag(STOP.with(|s| s.borrow().clone()))
    }

    /// Runs `f` on this thread under this flag.
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        let outer = STOP.with(|s| s.replace(self.0));
        let out = f();
        STOP.with(|s| *s.borrow_mut() = outer);
        out
    }
}

/// Sets the meter and the count, and what a charge may take quietly after them.
fn set(meter: Meter, used: u64) {
    METER.with(|m| m.set(meter));
    USED.with(|u| u.set(used));
    let quiet = if meter.file.late || meter.part.late {
        0
    } else {
        // Past the smaller limit, or into the next period of the clock.
        let limit = meter.file.work.min(meter.part.work).saturating_add(1);
        limit.min((used / CLOCK_EVERY).saturating_add(1).saturating_mul(CLOCK_EVERY))
    };
    QUIET.with(|q| q.set(quiet));
}

fn meter() -> Meter {
    METER.with(Cell::get)
}

/// Runs `f` with a fresh meter for one file: `budget.work` units in all, and the safety net
/// `budget.time` from now. The previous meter is restored afterwards.
pub fn file<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    let outer = (meter(), used());
    set(Meter { file: Limit::starting_at(0, budget), part: Limit::NONE }, 0);
    let out = f();
    set(outer.0, outer.1);
    out
}

/// Runs `f` as a part of the file's work with a budget of its own: at most `budget.work` more
/// units (and no more than the file has left), and the safety net `budget.time` from now. The
/// work done counts for the file too. Parts do not nest: an inner part replaces the outer one
/// until it ends.
pub fn within<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    let outer = meter();
    set(Meter { part: Limit::starting_at(used(), budget), ..outer }, used());
    let out = f();
    set(Meter { part: outer.part, ..meter() }, used());
    out
}

/// Takes `units` of work from the budgets; `Err` once one of them is spent (and at every later
/// charge).
pub fn charge(units: u64) -> Result<(), Spent> {
    let before = used();
    let now = before.saturating_add(units);
    if now < QUIET.with(Cell::get) {
        USED.with(|u| u.set(now));
        return Ok(());
    }
    let mut meter = meter();
    if before / CLOCK_EVERY != now / CLOCK_EVERY {
        meter.file.read_clock();
        meter.part.read_clock();
        if meter.file.stoppable {
            meter.file.late |= stop_asked();
        }
    }
    set(meter, now);
    status(now, &meter)
}

/// Whether a budget is spent, without charging anything.
pub fn spent() -> Option<Spent> {
    status(used(), &meter()).err()
}

/// Whether the file's own budget (of work or of time) is spent, whatever the part's.
pub fn file_spent() -> Option<Spent> {
    status(used(), &Meter { part: Limit::NONE, ..meter() }).err()
}

/// Whether `units` more units of work would leave every budget unspent, without charging them (a
/// memory of work done before charges it again only where it would have been let through).
pub fn fits(units: u64) -> bool {
    status(used().saturating_add(units), &meter()).is_ok()
}

/// The units of work done so far in this file.
pub fn used() -> u64 {
    USED.with(Cell::get)
}

fn status(used: u64, meter: &Meter) -> Result<(), Spent> {
    if meter.file.late {
        Err(Spent::FileTime)
    } else if used > meter.file.work {
        Err(Spent::File)
    } else if meter.part.late {
        Err(Spent::PartTime)
    } else if used > meter.part.work {
        Err(Spent::Part)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_stops_before_the_file() {
        let budget = Budget { work: 100, time: None };
        file(budget, || {
            within(Budget { work: 10, time: None }, || {
                assert_eq!(charge(10), Ok(()));
                assert_eq!(charge(1), Err(Spent::Part));
            });
            // Outside the part, the file still has work left; the part's work counted.
            assert_eq!(used(), 11);
            assert_eq!(charge(89), Ok(()));
            assert_eq!(charge(1), Err(Spent::File));
            assert_eq!(file_spent(), Some(Spent::File));
        });
        // The meter of the file is gone.
        assert_eq!(spent(), None);
    }

    #[test]
    fn a_past_deadline_is_seen_at_the_next_clock_reading() {
        let budget = Budget { work: u64::MAX, time: Some(Duration::from_nanos(1)) };
        file(budget, || {
            std::thread::sleep(Duration::from_millis(1));
            assert_eq!(charge(1), Ok(()), "the clock is read only every CLOCK_EVERY units");
            assert_eq!(charge(CLOCK_EVERY), Err(Spent::FileTime));
            assert_eq!(spent(), Some(Spent::FileTime));
        });
        file(Budget { work: u64::MAX, time: Some(Duration::ZERO) }, || {
            assert_eq!(charge(1), Err(Spent::FileTime), "no time at all is spent at once");
        });
    }

    #[test]
    fn a_stop_asked_is_seen_at_the_next_clock_reading_as_the_file_net() {
        let flag = Arc::new(AtomicBool::new(false));
        stoppable(Arc::clone(&flag), || {
            file(Budget { work: u64::MAX, time: None }, || {
                assert_eq!(charge(CLOCK_EVERY), Ok(()), "not asked yet");
                flag.store(true, Ordering::Relaxed);
                assert_eq!(charge(1), Ok(()), "the flag is read only every CLOCK_EVERY units");
                assert_eq!(charge(CLOCK_EVERY), Err(Spent::FileTime));
            });
        });
        // Outside a file's meter, a stop asked changes nothing (nothing would reset it).
        stoppable(Arc::clone(&flag), || assert_eq!(charge(2 * CLOCK_EVERY), Ok(())));
        assert_eq!(spent(), None);
        // Outside, the flag is not read; carried to another thread, it is.
        file(Budget { work: u64::MAX, time: None }, || assert_eq!(charge(2 * CLOCK_EVERY), Ok(())));
        let carried = stoppable(flag, StopFlag::here);
        std::thread::spawn(move || {
            carried.run(|| file(Budget { work: u64::MAX, time: None }, || charge(2 * CLOCK_EVERY)))
        })
        .join()
        .map(|spent| assert_eq!(spent, Err(Spent::FileTime)))
        .expect("the thread ends");
    }

    #[test]
    fn a_part_safety_net_stops_the_part_only() {
        file(Budget { work: u64::MAX, time: None }, || {
            within(Budget { work: u64::MAX, time: Some(Duration::ZERO) }, || {
                assert_eq!(charge(CLOCK_EVERY), Err(Spent::PartTime));
            });
            assert_eq!(charge(1), Ok(()));
            assert_eq!(file_spent(), None);
        });
    }
}
