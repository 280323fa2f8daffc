//! The `≈` rule (§5): is a value one that a step takes when every decimal literal written in it
//! ranges over its rounding interval? Decided by branch and bound over the box of those intervals.
//!
//! Each literal of the step is one variable, however often a function or a sum reads it (the
//! evaluator keys literals by their node). Interval evaluation over a box (`interval.rs`, rounded
//! outward) encloses every value the step takes there: a box whose enclosure is clear of the
//! compared value, within its tolerance, holds no value near it. Evaluation at a point of the box
//! (a float inside every rounding interval) encloses the value there. The compared value is
//! reached when a point's value is within its tolerance, or when two points of one box on which
//! the step is defined and continuous (so that it takes every value between) have values on
//! either side of it. Boxes neither cleared nor settled are halved, along the literal that moves
//! the step most, until one answer is certain or the budget of subdivisions is spent: then the
//! answer is "unknown", never a guess.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use super::eval::{whole_literal_of, Context, RangeEvaluator, Sample};
use super::interval::Interval;
use super::value::{EvalError, EvalResult};
use crate::model::{Expr, Literal};

/// The most boxes one decision halves.
pub const MAX_SUBDIVISIONS: usize = 500;
/// The most points the local search for a value near the target evaluates.
const LOCAL_SEARCH_POINTS: usize = 400;
/// The most steps of one golden-section search along a literal (0.618⁶⁰ ≈ 3·10⁻¹³ of its width).
const GOLDEN_STEPS: usize = 60;

/// The compared value and its tolerance: `y` agrees with it when |y − target| ≤ `slack` +
/// `relative` · max(|target|, `scale`, |y|).
#[derive(Debug, Clone, Copy)]
pub struct RangeQuery {
    /// The value the step is compared against.
    pub target: f64,
    /// The absolute part of the tolerance (error bounds, the cancellation floor).
    pub slack: f64,
    /// The relative part of the tolerance.
    pub relative: f64,
    /// The size of the values compared (the target and the step at its written literals), which
    /// the relative part also scales with, besides the value at each point evaluated: the points
    /// are floats, and the true extreme of a step may lie between two of them.
    pub scale: f64,
}

impl RangeQuery {
    fn tolerance(&self, y: f64) -> f64 {
        let y = if y.is_finite() { y.abs() } else { 0.0 };
        self.slack + self.relative * self.target.abs().max(self.scale).max(y)
    }

    /// Whether every value in `y` is at most the target, within the tolerance.
    fn below(&self, y: &Interval) -> bool {
        y.hi <= self.target + self.tolerance(y.hi)
    }

    /// Whether every value in `y` is at least the target, within the tolerance.
    fn above(&self, y: &Interval) -> bool {
        y.lo >= self.target - self.tolerance(y.lo)
    }

    /// Whether no value in `y` agrees with the target.
    pub fn excludes(&self, y: &Interval) -> bool {
        y.lo > self.target + self.tolerance(y.lo) || y.hi < self.target - self.tolerance(y.hi)
    }
}

/// Whether the target is in the step's range over the rounding box.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeAnswer {
    /// The step takes a value that agrees with the target.
    Inside,
    /// No value of the step agrees with the target.
    Outside,
    /// Not decided within the budget; why.
    Unknown(String),
}

/// Decides whether `query`'s target is in the range of `expr` (a `≈` step) at `sample` when each
/// decimal literal written in it ranges over its rounding interval.
pub fn in_rounding_range(ctx: &Context, sample: &Sample, expr: &Expr, query: &RangeQuery) -> EvalResult<RangeAnswer> {
    let free = &sample.free;
    if let Some((lit, negated)) = whole_literal_of(expr, free) {
        return Ok(whole_literal(lit, negated, query));
    }
    let mut ev = RangeEvaluator::new(ctx, sample);
    let root = match ev.eval(expr, free, HashMap::default()) {
        Ok(v) => v,
        Err(Some(EvalError::Undefined(_))) => return Ok(RangeAnswer::Unknown(NOWHERE_DEFINED.to_string())),
        Err(Some(e)) => return Err(e),
        Err(None) => return Ok(RangeAnswer::Unknown(out_of_budget())),
    };
    if query.excludes(&root) {
        return Ok(RangeAnswer::Outside);
    }
    let dims: Vec<Dim> = ev
        .seen()
        .into_iter()
        .map(|(at, lit)| {
            let outer = Interval::literal_bounds(&lit, true);
            let (lo, hi) = Interval::literal_inner(&lit);
            Dim { at, outer: (outer.lo, outer.hi), inner: (lo, hi.max(lo)) }
        })
        .collect();
    if dims.is_empty() {
        // No literal of the step is widened: its value is the enclosure.
        return Ok(if query.below(&root) && query.above(&root) {
            RangeAnswer::Inside
        } else {
            RangeAnswer::Unknown(TOO_WIDE.to_string())
        });
    }
    let mut search = Search { ev, expr, free, query, dims, sides: Vec::new(), slopes: Vec::new(), nearest: None };
    match search.run(root) {
        Ok(answer) => Ok(answer),
        Err(Some(e)) => Err(e),
        Err(None) => Ok(RangeAnswer::Unknown(out_of_budget())),
    }
}

const NOWHERE_DEFINED: &str = "the step is not defined anywhere in the rounding intervals of its numbers";
const TOO_WIDE: &str = "the step's value is not known closely enough to compare it";

fn out_of_budget() -> String {
    format!(
        "not decided: {MAX_SUBDIVISIONS} subdivisions of the rounding intervals of this step's numbers did not \
         settle whether it takes the compared value (it may lie at the edge of the step's range, or by a \
         jump or pole of the step)"
    )
}

/// A step that is one literal (`≈ 0.0177`, `≈ -3e1`, an element of `≈ [33, 1]`) takes exactly
/// the values of its rounding interval.
fn whole_literal(lit: &Literal, negated: bool, query: &RangeQuery) -> RangeAnswer {
    let widened = Literal { point: true, ..lit.clone() };
    let outer = Interval::literal_bounds(&widened, true);
    let (lo, hi) = Interval::literal_inner(&widened);
    let (outer, lo, hi) = if negated { (crate::numeric::Value::neg(&outer), -hi, -lo) } else { (outer, lo, hi) };
    if query.below(&Interval::point(lo.min(hi))) && query.above(&Interval::point(hi.max(lo))) {
        RangeAnswer::Inside
    } else if query.excludes(&outer) {
        RangeAnswer::Outside
    } else {
        RangeAnswer::Unknown(
            "not decided: the compared value is at the very edge of this number's rounding interval".to_string(),
        )
    }
}

/// One literal of the step: its node's address, its rounding interval rounded outward (the box
/// the enclosures cover) and inward (where points are taken).
struct Dim {
    at: usize,
    outer: (f64, f64),
    inner: (f64, f64),
}

/// A box: an interval per literal, and the continuous component it lies in (the largest box
/// around it on which the step was found defined and continuous), if any.
struct Node {
    bounds: Vec<(f64, f64)>,
    component: Option<usize>,
}

type Step<T> = Result<T, Option<EvalError>>;

struct Search<'a, 'e> {
    ev: RangeEvaluator<'a>,
    expr: &'e Expr,
    free: &'e [Option<i64>],
    query: &'e RangeQuery,
    dims: Vec<Dim>,
    /// Per continuous component: whether a value at most / at least the target was found in it.
    sides: Vec<(bool, bool)>,
    /// How much the step moves along each literal (from the middle of the box to its upper end).
    slopes: Vec<f64>,
    /// The point evaluated so far whose value is nearest the target, with its distance.
    nearest: Option<(Vec<f64>, f64)>,
}

impl Search<'_, '_> {
    fn run(&mut self, root: Interval) -> Step<RangeAnswer> {
        let root_bounds: Vec<(f64, f64)> = self.dims.iter().map(|d| d.outer).collect();
        let component = self.component_of(&root, None);
        let node = Node { bounds: root_bounds, component };
        if self.settled_by_enclosure(&node, &root) {
            return Ok(RangeAnswer::Inside);
        }
        if self.first_points(&node)? || self.local_search(node.component)? {
            return Ok(RangeAnswer::Inside);
        }
        let mut queue = VecDeque::from([node]);
        let mut stuck = false;
        let mut subdivisions = 0;
        while let Some(node) = queue.pop_front() {
            let Some(k) = self.split_dimension(&node) else {
                // Every interval of the box is one or two floats wide.
                stuck = true;
                continue;
            };
            if subdivisions == MAX_SUBDIVISIONS {
                return Err(None);
            }
            subdivisions += 1;
            let (lo, hi) = node.bounds[k];
            let mid = lo / 2.0 + hi / 2.0;
            for half in [(lo, mid), (mid, hi)] {
                let mut bounds = node.bounds.clone();
                bounds[k] = half;
                let enclosure = match self.ev.eval(self.expr, self.free, self.box_values(&bounds)) {
                    Ok(v) => v,
                    // Defined nowhere in this box: it holds no value.
                    Err(Some(EvalError::Undefined(_))) => continue,
                    Err(e) => return Err(e),
                };
                let child = Node { component: self.component_of(&enclosure, node.component), bounds };
                if self.query.excludes(&enclosure) {
                    // A cleared box of a continuous component still tells on which side it lies.
                    if self.settled_by_enclosure(&child, &enclosure) {
                        return Ok(RangeAnswer::Inside);
                    }
                    continue;
                }
                if self.settled_by_enclosure(&child, &enclosure) {
                    return Ok(RangeAnswer::Inside);
                }
                if let Some(point) = self.midpoint(&child.bounds) {
                    if self.witness(&point, child.component)?.0 {
                        return Ok(RangeAnswer::Inside);
                    }
                }
                queue.push_back(child);
            }
        }
        Ok(if stuck { RangeAnswer::Unknown(out_of_budget()) } else { RangeAnswer::Outside })
    }

    /// A box's component: its parent's, or a new one if the step is continuous on it.
    fn component_of(&mut self, enclosure: &Interval, parent: Option<usize>) -> Option<usize> {
        parent.or_else(|| {
            enclosure.continuous.then(|| {
                self.sides.push((false, false));
                self.sides.len() - 1
            })
        })
    }

    /// Whether the box lies (partly) inside the rounding box proper, so that its enclosure speaks
    /// of values the step takes there.
    fn meets_inner(&self, bounds: &[(f64, f64)]) -> bool {
        self.dims.iter().zip(bounds).all(|(d, &(lo, hi))| lo <= d.inner.1 && hi >= d.inner.0)
    }

    /// Records what the enclosure of a box in a continuous component says of the sides; whether
    /// that settles the question.
    fn settled_by_enclosure(&mut self, node: &Node, enclosure: &Interval) -> bool {
        let Some(c) = node.component else { return false };
        if !self.meets_inner(&node.bounds) {
            return false;
        }
        let side = &mut self.sides[c];
        side.0 |= self.query.below(enclosure);
        side.1 |= self.query.above(enclosure);
        side.0 && side.1
    }

    /// Evaluates at a point; whether that settles the question (its value agrees, or it completes
    /// a pair on either side within one continuous component), and the value as a float (NaN
    /// where the step is undefined).
    fn witness(&mut self, point: &[f64], component: Option<usize>) -> Step<(bool, f64)> {
        let y = match self.ev.eval(self.expr, self.free, self.point_values(point)) {
            Ok(y) => y,
            Err(Some(EvalError::Undefined(_))) => return Ok((false, f64::NAN)),
            Err(e) => return Err(e),
        };
        let value = crate::numeric::Value::to_f64(&y);
        let distance = (value - self.query.target).abs();
        if distance.is_finite() && self.nearest.as_ref().is_none_or(|(_, d)| distance < *d) {
            self.nearest = Some((point.to_vec(), distance));
        }
        let (below, above) = (self.query.below(&y), self.query.above(&y));
        if below && above {
            return Ok((true, value));
        }
        let Some(c) = component else { return Ok((false, value)) };
        let side = &mut self.sides[c];
        side.0 |= below;
        side.1 |= above;
        Ok((side.0 && side.1, value))
    }

    /// The points tried before any subdivision: the middle of the box, and the two corners where
    /// the step would be least and greatest if it were monotone in each literal (the direction
    /// read off a step from the middle along each literal).
    fn first_points(&mut self, node: &Node) -> Step<bool> {
        let Some(middle) = self.midpoint(&node.bounds) else { return Ok(false) };
        let (settled, at_middle) = self.witness(&middle, node.component)?;
        if settled {
            return Ok(true);
        }
        let mut slopes = Vec::with_capacity(self.dims.len());
        for k in 0..self.dims.len() {
            let mut probe = middle.clone();
            probe[k] = self.dims[k].inner.1;
            let (settled, there) = self.witness(&probe, node.component)?;
            if settled {
                return Ok(true);
            }
            let moved = there - at_middle;
            slopes.push(if moved.is_finite() { moved } else { 0.0 });
        }
        self.slopes = slopes;
        for lowest in [true, false] {
            let corner: Vec<f64> = (0..self.dims.len())
                .map(|k| {
                    let (lo, hi) = self.dims[k].inner;
                    let slope = self.slopes[k];
                    if slope == 0.0 {
                        middle[k]
                    } else if (slope > 0.0) == lowest {
                        lo
                    } else {
                        hi
                    }
                })
                .collect();
            if self.witness(&corner, node.component)?.0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Looks for a point whose value agrees with the target by minimising the distance to it from
    /// the nearest point so far, one literal at a time (golden-section search along each): this
    /// finds an extreme inside the box (`abs(0.3 - 0.31)` is 0 where the two literals meet), which
    /// halving boxes approaches too slowly. Any point it finds is checked like every other.
    fn local_search(&mut self, component: Option<usize>) -> Step<bool> {
        const RATIO: f64 = 0.618_033_988_749_895;
        let Some((mut best, _)) = self.nearest.clone() else { return Ok(false) };
        let mut points = 0;
        // The distance of a point's value to the target (infinite where undefined).
        let distance = |search: &mut Self, point: &[f64], points: &mut usize| -> Step<Option<f64>> {
            *points += 1;
            let (settled, value) = search.witness(point, component)?;
            if settled {
                return Ok(None);
            }
            let d = (value - search.query.target).abs();
            Ok(Some(if d.is_nan() { f64::INFINITY } else { d }))
        };
        for _sweep in 0..2 {
            for k in 0..self.dims.len() {
                let (mut lo, mut hi) = self.dims[k].inner;
                let at = |x: f64| {
                    let mut p = best.clone();
                    p[k] = x;
                    p
                };
                let mut c = hi - RATIO * (hi - lo);
                let mut d = lo + RATIO * (hi - lo);
                let Some(mut fc) = distance(self, &at(c), &mut points)? else { return Ok(true) };
                let Some(mut fd) = distance(self, &at(d), &mut points)? else { return Ok(true) };
                for _ in 0..GOLDEN_STEPS {
                    if points >= LOCAL_SEARCH_POINTS || !(lo < c && c < d && d < hi) {
                        break;
                    }
                    if fc <= fd {
                        (hi, d, fd) = (d, c, fc);
                        c = hi - RATIO * (hi - lo);
                        let Some(f) = distance(self, &at(c), &mut points)? else { return Ok(true) };
                        fc = f;
                    } else {
                        (lo, c, fc) = (c, d, fd);
                        d = lo + RATIO * (hi - lo);
                        let Some(f) = distance(self, &at(d), &mut points)? else { return Ok(true) };
                        fd = f;
                    }
                }
                if let Some((nearest, _)) = &self.nearest {
                    best = nearest.clone();
                }
                if points >= LOCAL_SEARCH_POINTS {
                    return Ok(false);
                }
            }
        }
        Ok(false)
    }

    /// The literal along which to halve a box: the one that moves the step most over its width
    /// there (literals that did not move it at all come last), if any can still be halved.
    fn split_dimension(&self, node: &Node) -> Option<usize> {
        let largest = self.slopes.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        let floor = largest * 1e-9 + f64::MIN_POSITIVE;
        (0..self.dims.len())
            .filter_map(|k| {
                let (lo, hi) = node.bounds[k];
                let mid = lo / 2.0 + hi / 2.0;
                if !(lo < mid && mid < hi) {
                    return None;
                }
                let (olo, ohi) = self.dims[k].outer;
                let share = (hi - lo) / (ohi - olo);
                let slope = self.slopes.get(k).map_or(0.0, |s| s.abs());
                Some((k, share * (slope + floor)))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(k, _)| k)
    }

    /// The middle of a box, moved inside the rounding box proper (`None` if the box lies outside it).
    fn midpoint(&self, bounds: &[(f64, f64)]) -> Option<Vec<f64>> {
        if !self.meets_inner(bounds) {
            return None;
        }
        Some(
            self.dims
                .iter()
                .zip(bounds)
                .map(|(d, &(lo, hi))| (lo / 2.0 + hi / 2.0).clamp(lo.max(d.inner.0), hi.min(d.inner.1)))
                .collect(),
        )
    }

    fn box_values(&self, bounds: &[(f64, f64)]) -> HashMap<usize, Interval> {
        self.dims.iter().zip(bounds).map(|(d, &(lo, hi))| (d.at, Interval { lo, hi, continuous: true })).collect()
    }

    fn point_values(&self, point: &[f64]) -> HashMap<usize, Interval> {
        self.dims.iter().zip(point).map(|(d, &x)| (d.at, Interval::point(x))).collect()
    }
}
