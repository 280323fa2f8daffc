//! Symbolic reasoning: symbolic differentiation under the perturbation semantics and inlining
//! ([`lower`]), and a normaliser to canonical fractions over atoms ([`normal`]). A step is proved
//! when both sides lower and normalise to the same fraction with the same definedness conditions.

pub mod cases;
pub mod egraph;
pub mod lower;
pub mod normal;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::model::{Expr, Model};
use crate::work::{self, Budget, Spent};
use lower::Lowerer;
use normal::{Normal, Normaliser};

/// The normal form of an expression, with the names of the rules used to reach it.
#[derive(Debug, Clone)]
pub struct Form {
    normal: Normal,
    /// The expression after symbolic differentiation and inlining.
    pub lowered: Expr,
    /// The rules used, for `--explain`.
    pub rules: BTreeSet<&'static str>,
}

/// The normal forms of the expressions of one model, and the model their lowered forms refer to
/// (with the bound indices that lowering created).
pub struct Forms {
    /// One per expression; `None` where the prover gives up.
    pub forms: Vec<Option<Form>>,
    /// One per expression: the budget that stopped the prover on it, if one did.
    pub stopped: Vec<Option<Spent>>,
    /// The model extended by lowering.
    pub model: Model,
    /// One per expression: the lowered expression, also where normalising it gave up (a
    /// derivative of a kink whose argument may vanish on a whole piece can still be split into
    /// pieces); `None` where lowering gave up.
    lowered: Vec<Option<Expr>>,
    /// The prover's budget per expression, for a case split.
    budget: Budget,
    /// The pairs whose normal forms were compared, and the outcome ([`Forms::compare`]).
    compared: Memo<Option<bool>>,
    /// The pairs a case split was tried on, and the outcome.
    by_cases: Memo<bool>,
    /// The pairs the e-graph was asked about, its answers ([`egraph::decide`]), and the budget
    /// that stopped it, if one did.
    decided: Memo<(bool, Option<Spent>)>,
}

impl Forms {
    /// Whether the expressions `a` and `b` are proved equal: their normal forms are equal, or
    /// they are equal on every piece of a case split over the sign of their kinks' arguments
    /// ([`cases`]), within the budget of one expression. Remembered, as `check` asks each pair
    /// up to three times.
    pub fn proves_equal(&self, a: usize, b: usize) -> bool {
        if self.compare(a, b) == Some(true) {
            return true;
        }
        let (Some(x), Some(y)) = (&self.lowered[a], &self.lowered[b]) else { return false };
        remembered(&self.by_cases, (a, b), || work::within(self.budget, || cases::equal_by_cases(&self.model, x, y)))
    }

    /// The comparison of the normal forms of `a` and `b` ([`Normal::compare`]): `None` where one
    /// has none or their cross products are past the limits. Remembered (the cross products of two
    /// large forms cost as much as normalising them).
    fn compare(&self, a: usize, b: usize) -> Option<bool> {
        let (Some(x), Some(y)) = (&self.forms[a], &self.forms[b]) else { return None };
        remembered(&self.compared, (a, b), || x.normal.compare(&y.normal))
    }

    /// Whether, where the normaliser gave up on `a` or `b` (no normal form: past its limits of
    /// size, or on a construct it does not normalise; or cross products past those limits), the
    /// e-graph connects their lowered forms ([`egraph::decide`], within the budget of one
    /// expression). Normal forms that were compared and differ differ as functions (but for the
    /// rare identity they miss): there the e-graph is not tried, as it would spend its limits in
    /// vain on every wrong step. The answer is remembered.
    pub fn proves_equal_in_egraph(&self, a: usize, b: usize) -> bool {
        // Nor where a budget of work stopped the normaliser: the e-graph would spend the rest of
        // the file's budget, which the numbers need.
        if self.compare(a, b).is_some()
            || self.stopped[a].is_some()
            || self.stopped[b].is_some()
            || work::file_spent().is_some()
        {
            return false;
        }
        let (Some(x), Some(y)) = (&self.lowered[a], &self.lowered[b]) else { return false };
        let decide = || {
            work::within(self.budget, || {
                let equal = egraph::decide(&self.model, x, y);
                (equal, work::spent())
            })
        };
        remembered(&self.decided, (a, b), decide).0
    }

    /// The budget that stopped the e-graph on `a` and `b`, if one did (a safety net in time
    /// depends on the machine: the step says so).
    pub fn egraph_stopped(&self, a: usize, b: usize) -> Option<Spent> {
        recalled(&self.decided, (a, b)).and_then(|(_, spent)| spent)
    }

    /// The rules that a proof of `a = b` used, for `--explain`: those of the normal forms, and
    /// the case split or the e-graph where the normal forms alone do not prove it.
    pub fn rules(&self, a: usize, b: usize) -> Vec<String> {
        let mut rules: BTreeSet<&'static str> = BTreeSet::new();
        for f in [&self.forms[a], &self.forms[b]].into_iter().flatten() {
            rules.extend(&f.rules);
        }
        // (Asked of a proved step: what did not prove it by normal forms, a case split or the
        // e-graph did, and the e-graph's answer is remembered.)
        let by_normal_forms = self.compare(a, b) == Some(true);
        let by_egraph = recalled(&self.decided, (a, b)).is_some_and(|(equal, _)| equal);
        if by_egraph {
            rules.insert(
                "rewriting in an e-graph (equal subterms shared, sums and products reordered, \
                 derivatives of builtins written out)",
            );
        } else if !by_normal_forms {
            rules.insert("case split (each piece and threshold of the kinks, or each member of a finite set)");
        }
        rules.into_iter().map(str::to_string).collect()
    }
}

/// A memo of the pairs of expressions, either way round.
type Memo<T> = Mutex<HashMap<(usize, usize), T>>;

/// The memo's lock (a thread that panicked while holding it left a complete map: every insert is
/// one call).
fn lock<T>(memo: &Memo<T>) -> std::sync::MutexGuard<'_, HashMap<(usize, usize), T>> {
    memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The answer remembered for the pair `(a, b)`, if there is one.
fn recalled<T: Copy>(memo: &Memo<T>, (a, b): (usize, usize)) -> Option<T> {
    lock(memo).get(&(a.min(b), a.max(b))).copied()
}

/// The remembered answer for the pair `(a, b)`, or `f`'s, remembered.
fn remembered<T: Copy>(memo: &Memo<T>, (a, b): (usize, usize), f: impl FnOnce() -> T) -> T {
    if let Some(answer) = recalled(memo, (a, b)) {
        return answer;
    }
    let answer = f();
    lock(memo).insert((a.min(b), a.max(b)), answer);
    answer
}

/// The most times [`normal_forms`] normalises a derivation's expressions.
const NORMAL_PASSES: usize = 3;

/// The normal forms of expressions of one model, comparable with each other; `None` where the
/// prover gives up.
///
/// Lowering each expression, and normalising it, each get `budget` (units of work, see
/// [`crate::work`], and a safety net in time); past it, the prover gives up on that expression (its
/// steps are then decided by the numbers alone). The work counts for the file's budget too.
pub fn normal_forms(model: &Model, exprs: &[&Expr], budget: Budget) -> Forms {
    let mut lowerer = Lowerer::new(model);
    let mut stopped = vec![None; exprs.len()];
    let lowered: Vec<Option<(Expr, BTreeSet<&'static str>)>> = exprs
        .iter()
        .zip(stopped.iter_mut())
        .map(|(e, stopped)| {
            lowerer.rules.clear();
            let lowered = work::within(budget, || {
                let l = lowerer.lower(e);
                *stopped = work::spent();
                l
            });
            lowered.map(|l| (l, std::mem::take(&mut lowerer.rules)))
        })
        .collect();
    let extended = lowerer.extended_model();
    let lowered_only: Vec<Option<Expr>> = lowered.iter().map(|l| l.as_ref().map(|(e, _)| e.clone())).collect();
    let mut normaliser = Normaliser::new(&extended);
    let pass = |normaliser: &mut Normaliser, stopped: &mut [Option<work::Spent>]| -> Vec<Option<Form>> {
        lowered
            .iter()
            .zip(stopped.iter_mut())
            .map(|(l, stopped)| {
                let (expr, rules) = l.as_ref()?;
                let mut rules = rules.clone();
                normaliser.rules.clear();
                let normal = work::within(budget, || {
                    let n = normaliser.normalise(expr);
                    *stopped = work::spent();
                    n
                })?;
                rules.extend(std::mem::take(&mut normaliser.rules));
                Some(Form { normal, lowered: expr.clone(), rules })
            })
            .collect()
    };
    // What the normaliser learns on the way (sums known ≥ 0) decides forms met after it: where a
    // pass learnt something, every expression is normalised again knowing it from the start, so
    // that the order of the steps decides nothing (at most [`NORMAL_PASSES`] passes).
    let mut known = normaliser.known();
    let mut forms = pass(&mut normaliser, &mut stopped);
    for _ in 1..NORMAL_PASSES {
        if normaliser.known() == known {
            break;
        }
        known = normaliser.known();
        normaliser.forget_answers();
        forms = pass(&mut normaliser, &mut stopped);
    }
    drop(normaliser);
    Forms {
        forms,
        stopped,
        model: extended,
        lowered: lowered_only,
        budget,
        compared: Default::default(),
        by_cases: Default::default(),
        decided: Default::default(),
    }
}
