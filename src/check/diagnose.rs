//! Diagnosis: the likely mistake behind a wrong step (a sign, a factor, a transposition, …),
//! read off the values at all samples, as a [`Cause`]: a kind and its data. It changes no verdict,
//! and it holds no words: `report` and `grade` say a cause in theirs.

use super::compare::PairOutcome;
use super::evaluate::{float_of, Evaluated, Point};
use crate::diagnostic::Span;
use crate::model::{expr_text, EntryId, EntryKind, Expr, IndexId, Model};

/// The likely mistake behind a wrong step: its kind, with the data that names it. Decide by the
/// kind, never by the words a report gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// The step is the negation of the step before.
    Sign,
    /// The step is the step before times a constant other than 1: a positive small fraction, or
    /// a number that is no small fraction (of either sign).
    Factor(Constant),
    /// The step is the step before times a negative small fraction: a sign error and a factor.
    SignAndFactor(Fraction),
    /// The step is the step before plus a constant: a missing or extra term.
    Offset(Constant),
    /// The step is 0 at every sample, the step before is not: a term is missing.
    ZeroStep,
    /// The step takes a derivative by a defined node that what it differentiates is not computed
    /// from (`diff(alpha[j], zz[m])` with a `let zz[j] = …` of the student's own that `alpha`
    /// never reads): that derivative is 0 (language.md §3.3), which is rarely what was meant.
    NotComputedFrom {
        /// What is differentiated, as written in the model's terms.
        node: String,
        /// The node it is differentiated by.
        by: String,
    },
    /// A number rounded, written with `=` (`= 0.04211` for 0.008/0.19): the step holds as the `≈`
    /// step it likely means, by the rounding rule or the tolerance in force.
    Rounded,
    /// A `≈` step off by a relative difference far below any rounding it writes (a millionth or
    /// less: Adam's `ε = 1e-8` left out of `≈ 0.5 - 0.01`): the numbers the file gives are exact
    /// in it, so only a rounded result would cover the difference.
    Negligible {
        /// The difference relative to the larger of the two values.
        relative: f64,
    },
    /// One side is defined at a sample where the other is not.
    DomainMismatch,
    /// The step, a square matrix, is the transpose of the step before.
    Transposed,
    /// The step agrees where every size is 1 and differs only at larger sizes: an index or sum
    /// mistake, or a term that vanishes at size 1.
    LargerSizes {
        /// The model's sizes, by name.
        sizes: Vec<String>,
        /// A size from which (for one size: which is at least this; for several: one of them is)
        /// the step differs.
        from: i64,
    },
    /// The step's shape differs from the shape of the step before (§7); each shape is its
    /// dimensions as written, none for a scalar.
    ShapeMismatch {
        /// The shape of the step before (or the head).
        before: Vec<String>,
        /// The step's shape.
        step: Vec<String>,
    },
    /// A range index is free in the step but not in what it is compared with (a forgotten `sum`).
    FreeIndex {
        /// The index, by name.
        index: String,
        /// What the step is compared with.
        against: Against,
        /// Where the step first uses the index, when it is written there (an index the shapes
        /// of arrays bring in is not).
        at: Option<Span>,
    },
}

/// A change of a wrong step that makes it follow from the step before, found by trying the
/// changes typical mistakes call for and verified by the checker: a repair is only ever made
/// with a verdict of `proved` or `checked`.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    /// The kind of mistake the change undoes.
    pub kind: RepairKind,
    /// The part of the step that changes, where it is written (none when something is added to
    /// the whole step).
    pub culprit: Option<Span>,
    /// That part as written (empty when there is none).
    pub culprit_text: String,
    /// Where that text is written more than once in the step: which of them it is (1 for the
    /// first) and how many there are, so that the words can say "`p[k]` (the second of 3)".
    pub occurrence: Option<(usize, usize)>,
    /// What the part becomes, or the factor, term or sum added (empty when the part is removed).
    pub replacement: String,
    /// The whole repaired step, in the derivation language.
    pub step: String,
    /// The checker's verdict on the repaired step: `proved` or `checked`.
    pub verdict: super::Verdict,
    /// For a wrong derivative of a builtin: the derivative of the function at the argument as
    /// the student would write it (`sigmoid'(z)`) and as the rules write it; for a chain-rule
    /// factor, as the rules write it and its value; for a term missing inside a bracket, the sum
    /// it makes with the part beside it (twice).
    pub of: Option<(String, String)>,
}

/// The kinds of change a repair makes, smallest first: the search prefers an earlier kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RepairKind {
    /// A subscript shifted, two swapped or one index for another (`s[c,t]` for `s[c,t-1]`).
    Index,
    /// A function where its derivative is needed, or the reverse (`phi(z)` for `phi'(z)`).
    Derivative,
    /// A wrong derivative of a builtin function (`sigmoid(z) * (1 + sigmoid(z))` for
    /// `sigmoid(z) * (1 - sigmoid(z))`, `1 + tanh(x)^2`, `exp(x)` for the derivative of
    /// `softplus(x)`).
    WrongDerivative,
    /// A function of the step before dropped or one added (`284.36` for `sqrt(284.36)`).
    Function,
    /// A transpose missing or extra (`W` for `Wᵀ`).
    Transpose,
    /// Another declared name in place of the right one (`a[j]` for `h[j]`).
    Name,
    /// The sign of a term inside the step (`1 + σ` for `1 - σ`, `y - out` for `out - y`).
    Sign,
    /// A power dropped or forgotten (`tanh(x)` for `tanh(x)^2`).
    Power,
    /// A factor in place of another (`g(net[c,t])` for `s[c,t-1]`).
    WrongFactor,
    /// A factor that should not be there.
    ExtraFactor,
    /// A divisor that should not be there (`1/2` for `1`, `x / N` for `x`).
    ExtraDivisor,
    /// A constant factor missing or extra (`lambda * w` for `2 * lambda * w`, `1/N` of a mean).
    ConstantFactor,
    /// A `sum` that should not be there.
    ExtraSum,
    /// A `sum` left out: an index is free in the step but not in the step before.
    MissingSum,
    /// A factor left out.
    MissingFactor,
    /// A factor the chain rule brings in left out (`f_phi'(net_phi[t])`, a weight, `x`).
    MissingChainFactor,
    /// A term that should not be there.
    ExtraTerm,
    /// A term left out.
    MissingTerm,
    /// Two parts of two terms exchanged (`b1` and `1 - b1` of a running average: `(1 - b1) *
    /// m1 + b1 * g` for `b1 * m1 + (1 - b1) * g`): the culprit is one, the replacement the
    /// other. Last in rank: in numbers, two numbers exchanged agree by coincidence more than any
    /// other change.
    Swapped,
}

impl RepairKind {
    /// The kind's name in JSON (snake_case).
    pub fn name(self) -> &'static str {
        match self {
            RepairKind::Index => "index",
            RepairKind::Derivative => "derivative",
            RepairKind::WrongDerivative => "wrong_derivative",
            RepairKind::Function => "function",
            RepairKind::Transpose => "transpose",
            RepairKind::Name => "name",
            RepairKind::Sign => "sign",
            RepairKind::Power => "power",
            RepairKind::WrongFactor => "wrong_factor",
            RepairKind::Swapped => "swapped",
            RepairKind::ExtraFactor => "extra_factor",
            RepairKind::ExtraDivisor => "extra_divisor",
            RepairKind::MissingFactor => "missing_factor",
            RepairKind::ConstantFactor => "constant_factor",
            RepairKind::MissingChainFactor => "missing_chain_factor",
            RepairKind::ExtraTerm => "extra_term",
            RepairKind::MissingTerm => "missing_term",
            RepairKind::ExtraSum => "extra_sum",
            RepairKind::MissingSum => "missing_sum",
        }
    }
}

/// What a step is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The head (the first step).
    Head,
    /// The step before.
    StepBefore,
}

/// A constant read off the values: a small fraction where the values show one, else the float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constant {
    /// A fraction of small integers, within rounding.
    Fraction(Fraction),
    /// Any other number.
    Float(f64),
}

impl Constant {
    /// The constant as a float.
    pub fn value(self) -> f64 {
        match self {
            Constant::Fraction(f) => f.value(),
            Constant::Float(x) => x,
        }
    }
}

/// `numer/denom`, in lowest terms with `denom` from 1 to 12 and `numer` non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    /// The numerator, with the sign.
    pub numer: i64,
    /// The denominator, positive.
    pub denom: i64,
}

impl Fraction {
    /// The fraction as a float.
    pub fn value(self) -> f64 {
        self.numer as f64 / self.denom as f64
    }
}

/// The likely mistake behind a wrong step, from the numbers at all samples.
pub(super) fn diagnose(
    model: &Model,
    evaluated: &[Evaluated],
    outcomes: &[PairOutcome],
    read: &[crate::model::SizeId],
    a: usize,
    b: usize,
) -> Option<Cause> {
    // Where the sides differ in value at more samples than one of them is undefined, the values
    // name the mistake (a student: the log-sum-exp shift taken outside the `exp` differs at 24 of
    // 24 samples, and was said to be "not defined for the same inputs", at a point where it is
    // undefined).
    // (Counted at the usual draws where they show either, else at all: the draws at other
    // magnitudes are many and cross the edges on purpose; a reviewer.)
    let count = |kind: PairOutcome, usual: bool| {
        outcomes.iter().zip(evaluated).filter(|(o, ev)| **o == kind && !(usual && ev.lenient)).count()
    };
    let usual = count(PairOutcome::OneUndefined, true) + count(PairOutcome::Disagree, true) > 0;
    let undefined = count(PairOutcome::OneUndefined, usual);
    if undefined > 0 && undefined >= count(PairOutcome::Disagree, usual) {
        return Some(Cause::DomainMismatch);
    }
    // Values beyond the range of floats (an exact 10^19000) say nothing about a sign or a factor.
    let pairs = |usual: bool| -> Vec<(f64, f64)> {
        evaluated
            .iter()
            .zip(outcomes)
            .filter(|(ev, o)| **o != PairOutcome::Skipped && !(usual && ev.lenient))
            .filter_map(|(ev, _)| Some((float_of(&ev.points[a])?, float_of(&ev.points[b])?)))
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect()
    };
    // A cause holds at every sample, or at the usual draws, for at large inputs rounding and
    // cancellation may hide it (an offset: `exp(lv)/2 - 1/2` and `exp(lv)/2` at lv = 50; a factor
    // 2 of a matrix gradient's elements that cancel) — but a zero step, which a kink makes by
    // chance at the usual draws (a reviewer: "this step is 0" of a step 0 only there; the usual
    // draws alone lost it where only the others are not 0).
    match (value_cause(&pairs(false)), value_cause(&pairs(true))) {
        (Some(cause), _) => return Some(cause),
        (None, Some(cause)) if cause != Cause::ZeroStep => return Some(cause),
        _ => {}
    }
    if transposed(model, evaluated, a, b) {
        return Some(Cause::Transposed);
    }
    // A step right for one-element ranges but wrong for larger ones: an index or sum mistake, or a
    // term that is 0 at size 1 (a forgotten `(p[i] - y[i]) * h[j]` with one class).
    // (Of the declared sizes the step depends on, `read`: a sum of sizes in a bound, `n+K`,
    // follows them.)
    if !read.is_empty() {
        let declared = |ev: &Evaluated| -> Vec<i64> { read.iter().map(|&s| ev.sample.sizes[s]).collect() };
        let small = |ev: &Evaluated| declared(ev).iter().all(|&s| s == 1);
        let small_agree = evaluated.iter().zip(outcomes).any(|(ev, o)| small(ev) && *o == PairOutcome::Agree);
        let all_bad_large = evaluated.iter().zip(outcomes).all(|(ev, o)| *o != PairOutcome::Disagree || !small(ev));
        if small_agree && all_bad_large {
            // The size above every one at which the step agrees below the smallest at which it
            // fails: sizes between those are not all tried (a size added to reach `1..n-6`).
            let largest = |ev: &Evaluated| declared(ev).into_iter().max().unwrap_or(1);
            let first_bad = evaluated
                .iter()
                .zip(outcomes)
                .filter(|(_, o)| **o == PairOutcome::Disagree)
                .map(|(ev, _)| largest(ev))
                .min()
                .unwrap_or(2);
            let m = evaluated
                .iter()
                .zip(outcomes)
                .filter(|(ev, o)| **o == PairOutcome::Agree && largest(ev) < first_bad)
                .map(|(ev, _)| largest(ev) + 1)
                .max()
                .unwrap_or(2);
            let sizes = read.iter().map(|&s| model.sizes[s].clone());
            return Some(Cause::LargerSizes { sizes: sizes.collect(), from: m });
        }
    }
    None
}

/// Whether expression `b`, a square matrix, equals the transpose of expression `a` at every sample
/// (and is not simply equal to it).
pub(super) fn transposed(model: &Model, evaluated: &[Evaluated], a: usize, b: usize) -> bool {
    let Some(first) = evaluated.first() else { return false };
    let mut hidden: Vec<IndexId> =
        (0..model.indices.len()).filter(|&i| model.indices[i].hidden && first.sample.free[i].is_some()).collect();
    hidden.sort_unstable();
    let [row, col] = hidden[..] else { return false };
    let key = |ev: &Evaluated, r: i64, c: i64| {
        let mut free = ev.sample.free.clone();
        free[row] = Some(r);
        free[col] = Some(c);
        (ev.sample.seed, ev.sample.mirror, ev.sample.sizes.clone(), free)
    };
    let by_position: rustc_hash::FxHashMap<_, &Point> = evaluated
        .iter()
        .filter_map(|ev| Some((key(ev, ev.sample.free[row]?, ev.sample.free[col]?), &ev.points[a])))
        .collect();
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-12;
    let mut off_diagonal_differs = false;
    // Draws at other magnitudes may leave a value out; the usual ones decide.
    for ev in evaluated.iter().filter(|ev| !ev.lenient) {
        let (Some(r), Some(c)) = (ev.sample.free[row], ev.sample.free[col]) else { return false };
        let Some(mirror) = by_position.get(&key(ev, c, r)).and_then(|p| float_of(p)) else { return false };
        let (Some(here), Some(before)) = (float_of(&ev.points[b]), float_of(&ev.points[a])) else { return false };
        if !close(here, mirror) {
            return false;
        }
        off_diagonal_differs |= !close(here, before);
    }
    off_diagonal_differs
}

/// Causes read off the values alone: a sign, a constant factor, a constant offset.
pub(super) fn value_cause(pairs: &[(f64, f64)]) -> Option<Cause> {
    if pairs.is_empty() {
        return None;
    }
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-6 * x.abs().max(y.abs()) + 1e-9;
    if pairs.iter().all(|&(x, y)| close(-x, y)) && pairs.iter().any(|&(x, _)| x.abs() > 1e-9) {
        return Some(Cause::Sign);
    }
    // Factors and offsets are only meaningful when the values vary between samples.
    let distinct = |xs: &mut Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs.dedup_by(|p, q| close(*p, *q));
        xs.len()
    };
    if pairs.iter().all(|&(_, y)| y == 0.0) && pairs.iter().any(|&(x, _)| x.abs() > 1e-9) {
        return Some(Cause::ZeroStep);
    }
    if distinct(&mut pairs.iter().map(|p| p.0).collect()) < 3 {
        return None;
    }
    let ratios: Vec<f64> = pairs.iter().filter(|(x, _)| x.abs() > 1e-6).map(|(x, y)| y / x).collect();
    let zero_ok = pairs.iter().all(|&(x, y)| x.abs() > 1e-6 || y.abs() < 1e-6);
    let varied_ratios = distinct(&mut pairs.iter().filter(|(x, _)| x.abs() > 1e-6).map(|p| p.0).collect()) >= 3;
    let meaningful = |k: f64| k.abs() > 1e-6 && !close(k, 1.0);
    if let (Some(&k), true) = (ratios.first(), varied_ratios && ratios.first().is_some_and(|&k| meaningful(k))) {
        if zero_ok && ratios.iter().all(|&r| close(r, k)) {
            return Some(match small_fraction(k) {
                Some(f) if k < 0.0 => Cause::SignAndFactor(f),
                Some(f) => Cause::Factor(Constant::Fraction(f)),
                None => Cause::Factor(Constant::Float(k)),
            });
        }
    }
    let offset = pairs[0].1 - pairs[0].0;
    let offset_matters = offset.abs() > 1e-6 * pairs[0].0.abs().max(pairs[0].1.abs());
    if offset_matters && pairs.iter().all(|&(x, y)| close(y - x, offset)) {
        return Some(Cause::Offset(small_fraction(offset).map_or(Constant::Float(offset), Constant::Fraction)));
    }
    None
}

/// `2`, `1/2`, `-3/4` when `x` is one of those within rounding.
pub(super) fn small_fraction(x: f64) -> Option<Fraction> {
    for q in 1..=12i64 {
        let p = (x * q as f64).round();
        if p.abs() <= 1000.0 && p != 0.0 && (x - p / q as f64).abs() <= 1e-7 * x.abs().max(1.0) {
            return Some(Fraction { numer: p as i64, denom: q });
        }
    }
    None
}

/// The first derivative in `e` by a defined node that what it differentiates is not computed from,
/// directly or through other nodes and functions: the two as text (see [`Cause::NotComputedFrom`]).
pub(super) fn derivative_by_unread_node(model: &Model, e: &Expr) -> Option<(String, String)> {
    let mut found = None;
    fn walk(model: &Model, e: &Expr, found: &mut Option<(String, String)>) {
        if found.is_some() {
            return;
        }
        if let Expr::Diff(body, target) = e {
            let defined = matches!(model.entries[target.entry].kind, EntryKind::Defined(_));
            let mut seen = vec![false; model.entries.len()];
            if defined && !reads(model, body, target.entry, &mut seen, 0) {
                let by = expr_text(model, &Expr::Entry(target.clone()));
                *found = Some((expr_text(model, body), by));
                return;
            }
        }
        e.for_each_child(|c| walk(model, c, found));
    }
    walk(model, e, &mut found);
    found
}

/// Whether `e` reads entry `target`, directly or through the definitions, dependencies and
/// functions it uses (`seen` marks the entries looked into; `depth` bounds the functions).
fn reads(model: &Model, e: &Expr, target: EntryId, seen: &mut [bool], depth: usize) -> bool {
    let mut any = match e {
        Expr::Entry(r) => entry_reads(model, r.entry, target, seen, depth),
        Expr::Apply(f, _, _) if depth < 16 => reads(model, &model.user_functions[*f].body, target, seen, depth + 1),
        _ => false,
    };
    if !any {
        e.for_each_child(|c| any = any || reads(model, c, target, seen, depth));
    }
    any
}

/// Whether entry `id` is `target` or is computed from it (see [`reads`]).
fn entry_reads(model: &Model, id: EntryId, target: EntryId, seen: &mut [bool], depth: usize) -> bool {
    if id == target {
        return true;
    }
    if std::mem::replace(&mut seen[id], true) {
        return false;
    }
    match &model.entries[id].kind {
        EntryKind::Defined(body) => reads(model, body, target, seen, depth),
        EntryKind::Unknown(deps) => deps.iter().any(|d| entry_reads(model, d.entry, target, seen, depth)),
        EntryKind::Input(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{small_fraction, Fraction};

    #[test]
    fn small_fractions() {
        let f = |numer, denom| Some(Fraction { numer, denom });
        assert_eq!(small_fraction(2.0), f(2, 1));
        assert_eq!(small_fraction(0.5), f(1, 2));
        assert_eq!(small_fraction(-0.75), f(-3, 4));
        assert_eq!(small_fraction(std::f64::consts::PI), None);
    }
}
