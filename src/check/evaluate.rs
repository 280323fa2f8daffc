//! Evaluation: the value of every expression of a derivation at every sample of the plan (exactly
//! where it can, else in floats with their error bounds; a draw near a kink is redrawn), and on
//! demand in higher precision. It compares nothing and decides no verdict.

use std::cell::RefCell;
use std::collections::HashMap;

use num_rational::BigRational;

use super::plan::{plan, Draws};
use super::{spent_message, CheckOptions};
use crate::model::{Derivation, Expr, IndexId};
use crate::numeric::coverage::Coverage;
use crate::numeric::random::Band;
use crate::numeric::{self, random, Context, EvalError, Interval, Sample};
use crate::work;

/// How often a sample is redrawn when a derivative lands near a kink.
pub(super) const REDRAWS: u64 = 8;

/// How often a draw at other magnitudes is; past that it is left out.
pub(super) const LENIENT_REDRAWS: u64 = 3;

/// The value of one expression at one sample.
#[derive(Debug, Clone)]
pub(super) enum Point {
    Value {
        exact: Option<BigRational>,
        float: f64,
        error: f64,
        scale: f64,
    },
    Undefined,
    /// Floats lost the answer (an operand within its error of a domain edge): the pairs it is in
    /// are compared in higher precision.
    Lost(String),
    Error(String),
}

pub(super) struct Evaluated {
    pub(super) sample: Sample,
    pub(super) points: Vec<Point>,
    pub(super) widened: Vec<Option<Result<Interval, EvalError>>>,
    /// Values in higher precision, computed when a comparison needs them, by expression and bits.
    pub(super) precise: RefCell<HashMap<(usize, usize), PrecisePoint>>,
    /// A draw at other magnitudes than the usual ones: only a comparison of two values counts
    /// (large inputs overflow, and lose to rounding what the usual draws keep).
    pub(super) lenient: bool,
    /// Whether finite differences gave any value at this draw (of any expression: values are
    /// shared through the evaluator's cache). Where none did, a derivative is known as precisely
    /// at large inputs as at the usual ones (forward mode), and a draw there counts.
    pub(super) differenced: bool,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate_all(
    ctx: &Context,
    d_index: usize,
    exprs: &[&Expr],
    free: &[Vec<IndexId>],
    needs_widened: &[bool],
    cover: &Coverage,
    draws: Draws,
    options: &CheckOptions,
) -> Vec<Evaluated> {
    let mut all_free: Vec<IndexId> = free.iter().flatten().copied().collect();
    all_free.sort_unstable();
    all_free.dedup();
    let mut out = Vec::new();
    // An expression that ran into a resource limit is not evaluated again at later samples.
    let mut exhausted: Vec<Option<String>> = vec![None; exprs.len()];
    // Where no random input, function or node is read, other draws at the same sizes and index
    // values would repeat the same numbers.
    let mut drawn_once: Vec<(Vec<i64>, Vec<Option<i64>>)> = Vec::new();
    // A sample's sizes and the values of the derivation's free indices: what tells its draws and
    // elements apart (every other index is `None` in all of them; the model of the search for
    // repairs has thousands).
    let position = |sizes: &[i64], free: &[Option<i64>]| -> (Vec<i64>, Vec<Option<i64>>) {
        (sizes.to_vec(), all_free.iter().map(|&i| free.get(i).copied().flatten()).collect())
    };
    // The array elements compared in some draw, and those left out of one for a kink (or
    // differences that did not converge), with the reason.
    let mut compared: rustc_hash::FxHashSet<(Vec<i64>, Vec<Option<i64>>)> = Default::default();
    let mut kinked: Vec<(Sample, &str)> = Vec::new();
    // Whether an expression is worth evaluating exactly: where it reads a random input, only when
    // nothing in it would make the exact evaluation give up.
    let try_exact: Vec<bool> = cover.random.iter().zip(&cover.rational).map(|(&r, &q)| !r || q).collect();
    let random_read = cover.random.iter().any(|&r| r);
    for group in plan(ctx.model, d_index, &all_free, cover, draws, options) {
        if let Some(why) = work::file_spent() {
            // The samples not yet drawn cannot vouch for anything: the steps that no earlier
            // sample refuted are left undetermined.
            let why = Point::Error(spent_message(options, why));
            out.push(Evaluated {
                sample: group.base,
                points: vec![why; exprs.len()],
                widened: vec![None; exprs.len()],
                precise: RefCell::default(),
                lenient: false,
                differenced: true,
            });
            break;
        }
        let lenient = group.base.band != Band::Standard;
        let key = position(&group.base.sizes, &group.base.free);
        if drawn_once.contains(&key) {
            continue;
        }
        let mut frees: Vec<Vec<Option<i64>>> = group
            .elements
            .iter()
            .map(|pos| {
                let mut free = group.base.free.clone();
                for &(i, v) in pos {
                    free[i] = Some(v);
                }
                free
            })
            .collect();
        let redraws = if lenient { LENIENT_REDRAWS } else { REDRAWS };
        for attempt in 0..redraws {
            let sample = Sample { seed: random::key(&[group.base.seed, attempt]), ..group.base.clone() };
            // Per element: why this draw is redrawn, if it is (a derivative met a kink, or its
            // finite differences did not converge).
            let mut near_kink: Vec<Option<&str>> = vec![None; frees.len()];
            // points[expression][element], and the widened values of `≈` steps likewise.
            let mut batch = numeric::Batch::new(ctx, &sample);
            let mut widened: Vec<Vec<Option<Result<Interval, EvalError>>>> = Vec::new();
            let points: Vec<Vec<Point>> = exprs
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let results = match exhausted[i].clone() {
                        Some(m) => vec![Ok(Point::Error(m)); frees.len()],
                        None => points_at(&mut batch, e, &free[i], &frees, try_exact[i], cover.random[i]),
                    };
                    widened.push(if needs_widened[i] {
                        widened_at(&mut batch, e, &free[i], &frees)
                    } else {
                        vec![None; frees.len()]
                    });
                    results
                        .into_iter()
                        .enumerate()
                        .map(|(k, p)| match p {
                            Err(EvalError::Limit(m)) => {
                                // At other magnitudes a value may overflow where the usual ones
                                // do not: that says nothing of the next draw.
                                if !lenient {
                                    exhausted[i] = Some(m.clone());
                                }
                                Point::Error(m)
                            }
                            Err(EvalError::NearKink) => {
                                // (Where nothing is drawn at random, no redraw moves it: a
                                // student's max-pool tie, `max(3, 3)`, was said to be at a kink
                                // at "every redraw".)
                                near_kink[k] = Some(if random_read { KINK_EVERY_DRAW } else { KINK_AT_THE_NUMBERS });
                                Point::Undefined
                            }
                            Err(EvalError::NotConverged) => {
                                near_kink[k] = near_kink[k].or(Some(UNCONVERGED_EVERY_DRAW));
                                Point::Undefined
                            }
                            Ok(p) => p,
                            Err(other) => Point::Error(error_text(&other)),
                        })
                        .collect()
                })
                .collect();
            let differenced = batch.differenced();
            drop(batch);
            if !random_read {
                drawn_once.push(key.clone());
            }
            let all_undefined = points.iter().flatten().all(|p| matches!(p, Point::Undefined));
            // A draw is redrawn when every element met a kink (for an array, an element that met
            // one is left out of this draw and compared in the others).
            let all_near = near_kink.iter().all(Option::is_some);
            if all_near || all_undefined {
                if attempt + 1 < redraws {
                    continue;
                }
                if lenient {
                    break;
                }
            }
            // (The last use of `frees` for this group: each element's values move into its sample.)
            let array = frees.len() > 1;
            for (k, free) in std::mem::take(&mut frees).into_iter().enumerate() {
                let sample = sample.at(free);
                if let (Some(why), true) = (near_kink[k], array) {
                    kinked.push((sample, why));
                    continue;
                }
                if array {
                    compared.insert(position(&sample.sizes, &sample.free));
                }
                let points: Vec<Point> = if let Some(why) = near_kink[k] {
                    // Still at a kink after every redraw: say so rather than drop the sample.
                    exprs.iter().map(|_| Point::Error(why.to_string())).collect()
                } else {
                    points.iter().map(|per_expr| per_expr[k].clone()).collect()
                };
                let widened = widened.iter_mut().map(|per_expr| per_expr[k].take()).collect();
                out.push(Evaluated { sample, points, widened, precise: RefCell::default(), lenient, differenced });
            }
            break;
        }
    }
    // An element left out of every draw (a kink each time) cannot be compared: say so.
    for (sample, why) in kinked {
        if compared.insert(position(&sample.sizes, &sample.free)) {
            let points = exprs.iter().map(|_| Point::Error(why.to_string())).collect();
            let lenient = sample.band != Band::Standard;
            out.push(Evaluated {
                sample,
                points,
                widened: vec![None; exprs.len()],
                precise: RefCell::default(),
                lenient,
                differenced: true,
            });
        }
    }
    out
}

pub(super) const KINK_EVERY_DRAW: &str =
    "every redraw of a sample put a kink (relu, abs, step, sign, max, min) next to a derivative";

pub(super) const KINK_AT_THE_NUMBERS: &str =
    "at these numbers a derivative is taken at a kink (relu, abs, step, sign, max, min: a tie, or an argument at 0), where it may not exist";

pub(super) const UNCONVERGED_EVERY_DRAW: &str =
    "at every redraw of a sample, the finite differences of a derivative did not settle to the accuracy needed";

pub(super) fn error_text(e: &EvalError) -> String {
    match e {
        EvalError::Undefined(why) => why.clone(),
        EvalError::NearKink => "every sample was too close to a kink".to_string(),
        EvalError::NotConverged => "the finite differences of a derivative did not settle".to_string(),
        EvalError::NotExact => "could not be evaluated".to_string(),
        EvalError::OutOfRange(why) | EvalError::Limit(why) | EvalError::Imprecise(why) => why.clone(),
    }
}

/// The value of an expression at several values of the free indices (the elements of an array):
/// exactly where possible, else in floats. `Err` only for a kink (redraw) or a limit.
///
/// `own` are the free indices the expression reads. Positions that agree on them (an array's
/// elements crossed with those of a step of another shape) have one float value, computed once:
/// an evaluation there would read the same entries, all of them already cached by the first.
pub(super) fn points_at(
    batch: &mut numeric::Batch,
    e: &Expr,
    own: &[IndexId],
    frees: &[Vec<Option<i64>>],
    try_exact: bool,
    reads_inputs: bool,
) -> Vec<Result<Point, EvalError>> {
    let mut out = Vec::with_capacity(frees.len());
    let mut exact = try_exact;
    let mut floats: rustc_hash::FxHashMap<Vec<Option<i64>>, Result<Point, EvalError>> = Default::default();
    for free in frees {
        if exact {
            match batch.exact(e, free, reads_inputs) {
                Ok(v) => {
                    let float = numeric::ratio_to_f64(&v);
                    out.push(Ok(Point::Value { exact: Some(v), float, error: 0.0, scale: 0.0 }));
                    continue;
                }
                Err(EvalError::Undefined(_)) => {
                    out.push(Ok(Point::Undefined));
                    continue;
                }
                Err(EvalError::NotExact) => exact = false,
                Err(other) => {
                    out.push(Err(other));
                    continue;
                }
            }
        }
        let projection = projection(own, free);
        if let Some(point) = floats.get(&projection) {
            out.push(point.clone());
            continue;
        }
        let point = match batch.float(e, free) {
            Ok(v) => Ok(Point::Value { exact: None, float: v.value, error: v.error, scale: v.scale }),
            Err(EvalError::Undefined(_)) => Ok(Point::Undefined),
            Err(EvalError::Imprecise(why)) => Ok(Point::Lost(why)),
            Err(other) => Err(other),
        };
        // An evaluation stopped by its limit leaves a cache that takes the next one further.
        if !matches!(point, Err(EvalError::Limit(_))) {
            floats.insert(projection, point.clone());
        }
        out.push(point);
    }
    out
}

/// The values of the free indices an expression reads (`own`) at a position.
fn projection(own: &[IndexId], free: &[Option<i64>]) -> Vec<Option<i64>> {
    own.iter().map(|&i| free[i]).collect()
}

/// The widened values of a `≈` step at several positions, once per value of its own free indices
/// (as in [`points_at`]).
fn widened_at(
    batch: &mut numeric::Batch,
    e: &Expr,
    own: &[IndexId],
    frees: &[Vec<Option<i64>>],
) -> Vec<Option<Result<Interval, EvalError>>> {
    let mut seen: rustc_hash::FxHashMap<Vec<Option<i64>>, Result<Interval, EvalError>> = Default::default();
    frees
        .iter()
        .map(|free| {
            let projection = projection(own, free);
            if let Some(v) = seen.get(&projection) {
                return Some(v.clone());
            }
            let v = batch.widened(e, free);
            if !matches!(v, Err(EvalError::Limit(_))) {
                seen.insert(projection, v.clone());
            }
            Some(v)
        })
        .collect()
}

/// The precisions a sample is evaluated in again when floats lose the answer, in bits.
pub(super) const PRECISIONS: [usize; 3] = [256, 1024, 4096];

/// The value of one expression at one sample in higher precision.
#[derive(Debug, Clone)]
pub(super) enum PrecisePoint {
    Value(numeric::Precise),
    Undefined,
    /// Still too close to the edge of a domain to tell, or beyond floats inside a derivative.
    Imprecise,
    Error(String),
}

/// Expression `i` at the sample of `ev` with `bits` bits, computed once.
pub(super) fn precise_point(ctx: &Context, d: &Derivation, ev: &Evaluated, i: usize, bits: usize) -> PrecisePoint {
    if let Some(p) = ev.precise.borrow().get(&(i, bits)) {
        return p.clone();
    }
    let p = match numeric::eval_precise(ctx, &ev.sample, expr_at(d, i), bits) {
        Ok(v) => PrecisePoint::Value(v),
        Err(EvalError::Undefined(_)) => PrecisePoint::Undefined,
        Err(EvalError::Imprecise(why)) if why == numeric::BEYOND_FLOATS_IN_A_DERIVATIVE => PrecisePoint::Error(why),
        Err(EvalError::Imprecise(_) | EvalError::NearKink | EvalError::NotConverged | EvalError::NotExact) => {
            PrecisePoint::Imprecise
        }
        Err(e) => PrecisePoint::Error(error_text(&e)),
    };
    ev.precise.borrow_mut().insert((i, bits), p.clone());
    p
}

/// The value of expression `i` at the sample of `ev` a report shows: the most precise found, in
/// higher precision or in floats (a derivative forward mode took in floats is known better than
/// finite differences in 256 bits know it: 4e-18 ± 3e-32 against 0 ± 1e-16).
pub(super) fn value_shown(ev: &Evaluated, i: usize) -> Option<f64> {
    best_known(ev, i).map(|a| a.value)
}

/// The value of expression `i` at the sample of `ev` with the narrowest error bound found, in
/// higher precision or in floats (see [`value_shown`]).
pub(super) fn best_known(ev: &Evaluated, i: usize) -> Option<numeric::Approx> {
    let cache = ev.precise.borrow();
    let precise = PRECISIONS.iter().rev().find_map(|&bits| match cache.get(&(i, bits)) {
        Some(PrecisePoint::Value(v)) => Some(v.approx()).filter(|x| x.value.is_finite()),
        _ => None,
    });
    let float = match ev.points[i] {
        Point::Value { float, error, .. } if float.is_finite() => Some(numeric::Approx { value: float, error }),
        _ => None,
    };
    match (precise, float) {
        (Some(p), Some(f)) if narrower_within(f, p) => Some(f),
        (Some(p), _) => Some(p),
        (None, f) => f,
    }
}

/// Whether the float value `float` is known more narrowly than the value of higher precision
/// `precise`, and the two agree within their bounds: a float bound carried to first order (the
/// slope of σ′ at 0 is 0) can be narrower than the float's true error, and higher precision then
/// shows it.
pub(super) fn narrower_within(float: numeric::Approx, precise: numeric::Approx) -> bool {
    float.error < precise.error && (float.value - precise.value).abs() <= float.error + precise.error
}

pub(super) fn expr_at(d: &Derivation, i: usize) -> &Expr {
    if i == 0 {
        &d.head
    } else {
        &d.steps[i - 1].expr
    }
}

pub(super) fn float_of(p: &Point) -> Option<f64> {
    match p {
        Point::Value { float, .. } => Some(*float),
        _ => None,
    }
}
