//! Comparison: how two expressions compare at each sample, by the step's relation and tolerance
//! (in higher precision where floats lose the answer), and the judgement of a step from those
//! outcomes — wrong with a counterexample, checked, or undetermined. Why a wrong step is wrong is
//! left to the diagnosis.

use std::collections::BTreeMap;

use super::diagnose::{derivative_by_unread_node, diagnose, Against, Cause};
use super::evaluate::{
    best_known, error_text, expr_at, float_of, narrower_within, precise_point, value_shown, Evaluated, Point,
    PrecisePoint, PRECISIONS,
};
use super::plan::{COVER_MAX_SIZE, MODERATE, WIDE};
use super::text::{call_text, exact_texts};
use super::{compared_with, Counterexample, Verdict};
use crate::model::{Derivation, Expr, IndexId, IndexRange, Model, ToleranceRule};
use crate::numeric::coverage::{self, Coverage};
use crate::numeric::{
    self, entry_key_text, random::Band, Context, EvalError, Interval, RangeAnswer, RangeQuery, Sample, TOO_LARGE,
    TOO_SMALL,
};
use crate::prove;
use crate::syntax::ast::Relation;

/// How two expressions compare at one sample.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum PairOutcome {
    Agree,
    Disagree,
    BothUndefined,
    OneUndefined,
    Error(String),
    /// A draw at other magnitudes whose comparison does not count (see [`Evaluated::lenient`]).
    Skipped,
}

/// Relative slack for floating-point error.
pub(super) const FLOAT_SLACK: f64 = 1e-9;

/// The rounding error of a sum, relative to its largest operand (an absolute floor that scales
/// with the numbers involved, so small values are still compared relatively).
pub(super) const CANCELLATION: f64 = 1e-12;

/// Decides whether a value is in a `≈` step's range over the rounding box of its literals.
pub(super) type RangeOracle<'a> = dyn FnMut(&RangeQuery) -> Result<RangeAnswer, EvalError> + 'a;

pub(super) fn compare(
    a: &Point,
    b: &Point,
    b_widened: Option<&Result<Interval, EvalError>>,
    relation: Relation,
    rule: ToleranceRule,
    range: &mut RangeOracle,
) -> PairOutcome {
    let (ea, fa, xa, eb, fb, xb, floor) = match (a, b) {
        (Point::Error(m), _) | (_, Point::Error(m)) | (Point::Lost(m), _) | (_, Point::Lost(m)) => {
            return PairOutcome::Error(m.clone())
        }
        (Point::Undefined, Point::Undefined) => return PairOutcome::BothUndefined,
        // A `≈` step undefined at its literals as written may still take the value elsewhere in
        // their rounding box (`15 ≈ 1/(0.1 - 0.1)`: 1/(0.15 - 1/12) = 15).
        (Point::Value { float: fa, error: ea, scale: sa, .. }, Point::Undefined)
            if relation == Relation::Approx && rule == ToleranceRule::Rounding =>
        {
            let query =
                RangeQuery { target: *fa, slack: CANCELLATION * sa + ea, relative: FLOAT_SLACK, scale: fa.abs() };
            return match b_widened {
                // Where the search cannot show the value reached, the step stays undefined where
                // it is written, as the spec's rule on domains says.
                Some(Ok(_)) if matches!(range(&query), Ok(RangeAnswer::Inside)) => PairOutcome::Agree,
                _ => PairOutcome::OneUndefined,
            };
        }
        // The other way round: the step before undefined where the `≈` step as written is
        // defined, and a reading in its rounding box undefined too (`sqrt(u - 0.004) ≈ sqrt(u -
        // 0.00)` at u = 0.002: 0.00 stands for [-0.005, 0.005]): neither side tells (a
        // reviewer's finding; a step with nothing rounded, `log(abs(x - 2)) ≈ log(2 - x)`, still
        // counts).
        (Point::Undefined, Point::Value { .. }) if relation == Relation::Approx && rule == ToleranceRule::Rounding => {
            return match b_widened {
                // (Not known to be defined and continuous over the box: a reading may be undefined.)
                Some(Err(_)) | Some(Ok(Interval { continuous: false, .. })) => PairOutcome::BothUndefined,
                _ => PairOutcome::OneUndefined,
            };
        }
        (Point::Undefined, _) | (_, Point::Undefined) => return PairOutcome::OneUndefined,
        (
            Point::Value { exact: xa, float: fa, error: ea, scale: sa },
            Point::Value { exact: xb, float: fb, error: eb, scale: sb },
        ) => (ea, fa, xa, eb, fb, xb, CANCELLATION * sa.max(*sb)),
    };
    // An exact number beyond the range of floats (`1e400`) can only be compared exactly.
    let exactly = relation == Relation::Equal && xa.is_some() && xb.is_some();
    if !(exactly || fa.is_finite() && fb.is_finite()) {
        return PairOutcome::Error("a value is too large for floating-point numbers (beyond ±1.8e308)".to_string());
    }
    // Each side's error bound (rounding and finite differences, carried through its arithmetic),
    // and an allowance for underflow (`underflow`: 0 or the smallest normal float).
    let scale = fa.abs().max(fb.abs());
    let mut agreement = |underflow: f64, shift: f64| -> Result<bool, PairOutcome> {
        let error_slack = ea + eb + underflow;
        let fa = &(fa + shift);
        Ok(match relation {
            Relation::Equal => match (xa, xb) {
                (Some(x), Some(y)) => x == y,
                _ => (fa - fb).abs() <= FLOAT_SLACK * scale + floor + error_slack,
            },
            Relation::Approx => match rule {
                ToleranceRule::Relative(r) => (fa - fb).abs() <= r * scale + error_slack,
                ToleranceRule::Absolute(t) => (fa - fb).abs() <= t + error_slack,
                ToleranceRule::Rounding => match b_widened {
                    Some(Ok(enclosure)) => {
                        // The enclosure over the whole box may rule the value out at once; otherwise
                        // the range is searched (numeric/rounding.rs). The slack for rounding is
                        // relative to the values compared, not to the largest value the step takes
                        // somewhere in the box (`-1 ≈ 1.0e12 * 0.0^2` is wrong).
                        let query =
                            RangeQuery { target: *fa, slack: floor + error_slack, relative: FLOAT_SLACK, scale };
                        if query.excludes(enclosure) {
                            false
                        } else {
                            match range(&query) {
                                Ok(RangeAnswer::Inside) => true,
                                Ok(RangeAnswer::Outside) => false,
                                Ok(RangeAnswer::Unknown(why)) => return Err(PairOutcome::Error(why)),
                                Err(e) => return Err(PairOutcome::Error(error_text(&e))),
                            }
                        }
                    }
                    // A derivative in the step: its literals are taken as written.
                    Some(Err(EvalError::NotExact)) | None => {
                        (fa - fb).abs() <= FLOAT_SLACK * scale + floor + error_slack
                    }
                    // The rounding interval leaves a domain (a divisor interval holding 0).
                    Some(Err(_)) => {
                        return Err(PairOutcome::Error(
                            "the rounding interval of this step cannot be evaluated".to_string(),
                        ))
                    }
                },
            },
        })
    };
    // Near and below the smallest normal float, values are rounded to subnormals or 0 and no
    // longer comparable (`x*x*…*x` and `x^1999` underflow differently): an agreement that needs
    // that much more allowance decides nothing (`exp(-740) ≈ 9.2e-322` is 4.19e-322, `exp(-708)
    // = 4e-308` is 3.3e-308). It can only matter where the values are that small.
    // A value below it (a subnormal float) has lost its relative precision (`exp(-740)` is
    // 4.19e-322, and the nearest float to 4.21e-322 is the same float): an agreement with it
    // stands only if it stands for every value within the smallest normal float of it (`exp(-740)
    // ≈ 0.0` does).
    let underflow_matters = scale < f64::MIN_POSITIVE / FLOAT_SLACK;
    let subnormal = |f: f64| f != 0.0 && f.abs() < f64::MIN_POSITIVE;
    match agreement(0.0, 0.0) {
        Ok(true) if !exactly && (subnormal(*fa) || subnormal(*fb)) => {
            match (agreement(0.0, f64::MIN_POSITIVE), agreement(0.0, -f64::MIN_POSITIVE)) {
                (Ok(true), Ok(true)) => PairOutcome::Agree,
                (Err(outcome), _) | (_, Err(outcome)) => outcome,
                _ => PairOutcome::Error(TOO_SMALL.to_string()),
            }
        }
        Ok(true) => PairOutcome::Agree,
        Ok(false) if underflow_matters => match agreement(f64::MIN_POSITIVE, 0.0) {
            Ok(true) => PairOutcome::Error(TOO_SMALL.to_string()),
            Ok(false) => PairOutcome::Disagree,
            Err(outcome) => outcome,
        },
        Ok(false) => PairOutcome::Disagree,
        Err(outcome) => outcome,
    }
}

pub(super) type Judgement = (Verdict, String, Option<Counterexample>, Option<Cause>);

/// Compares expression `b` (a step) with expression `a` (the step before, or the head). A wrong
/// step's counterexample and cause are made only where `lowered` is given: a screen keeps the
/// verdict alone (a counterexample evaluates both sides again, recording what they read). A
/// screen also compares in higher precision at the first of [`PRECISIONS`] only: a candidate that
/// 256 bits cannot compare does not pass it (more bits cost up to a hundred times more, and on
/// the corpus decided none of the search's candidates that 256 bits had left open).
#[allow(clippy::too_many_arguments)]
pub(super) fn judge(
    ctx: &Context,
    d: &Derivation,
    evaluated: &[Evaluated],
    free: &[Vec<IndexId>],
    cover: &Coverage,
    a: usize,
    b: usize,
    relation: Relation,
    against: Against,
    lowered: Option<&Lowered>,
) -> Judgement {
    let model = ctx.model;
    if let Some(judgement) = free_index(model, d, free, a, b, against) {
        return judgement;
    }
    let step = expr_at(d, b);
    // Finite differences are tuned to the usual magnitudes: far above them, their error estimates
    // no longer bound their error.
    let differenced = cover.differenced[a] || cover.differenced[b];
    let precisions = if lowered.is_some() { &PRECISIONS[..] } else { &PRECISIONS[..1] };
    let outcomes: Vec<PairOutcome> = evaluated
        .iter()
        .map(|ev| {
            // Where forward mode took every derivative of the draw, the values carry bounds that
            // hold at any magnitude, and the draw counts as one without derivatives would (an
            // adversarial tester: `diff(relu(x - 11), x) = 0` was `checked` at every seed, every
            // draw past 10 left out; `diff(huber(x, 50), x) = x` too). Its values in higher
            // precision are finite differences again: where floats cannot tell, it does not count.
            let far = ev.lenient && differenced && ev.sample.band.top() > MODERATE;
            let mut range = |q: &RangeQuery| numeric::in_rounding_range(ctx, &ev.sample, step, q);
            let outcome =
                compare(&ev.points[a], &ev.points[b], ev.widened[b].as_ref(), relation, d.tolerance, &mut range);
            if far && ev.differenced {
                // Finite differences far out cannot make a step wrong, nor can they be ignored
                // where they see the sides apart: such a step is not `checked` (an adversarial
                // tester: `diff(huber(x, 50), x, x) = 1`, whose outer derivative only differences
                // take, was `checked` at every seed, every draw past 20 left out).
                // (Beside a scale, by the band's lower end: by its top, the draws above a kink
                // past 500 were all left out, `diff(relu(x - 520)^2, x, x) = 0` `checked`; a
                // reviewer. A wide band, up to 10⁹ from 20, by its top.)
                let magnitude = match ev.sample.band {
                    Band::Side { .. } => ev.sample.band.bottom(),
                    band => band.top(),
                };
                let near_enough = magnitude <= FAR_DIFFERENCES_TOP;
                return if near_enough && clearly_apart(&ev.points[a], &ev.points[b], &outcome) {
                    PairOutcome::Error(FAR_DIFFERENCES_APART.to_string())
                } else {
                    PairOutcome::Skipped
                };
            }
            let precise = needs_precision(&ev.points[a], &ev.points[b], relation, d.tolerance, &outcome);
            let loose = loosely_agree(
                &ev.points[a],
                &ev.points[b],
                &outcome,
                loosely_differenced(&ev.points, [a, b], [cover.differenced[a], cover.differenced[b]]),
            );
            if far && (precise || loose) {
                return PairOutcome::Skipped;
            }
            let outcome = if precise
                && !(outcome == PairOutcome::Agree
                    && agrees_without_floor(
                        &ev.points[a],
                        &ev.points[b],
                        ev.widened[b].as_ref(),
                        relation,
                        d.tolerance,
                        &mut range,
                    )) {
                compare_precisely(ctx, d, ev, a, b, relation, precisions, differenced, &mut range)
            } else if loose {
                // Where a side takes a derivative, or inputs are rescaled to meet an assumption,
                // 256 bits only: finite differences in higher precision, and those inputs, are
                // known to a float's precision at best, at any number of bits. Else up to 1,024
                // bits (at 4,096 an agreement already found in floats is not worth the cost: on
                // the corpus a fifth more instructions, for leftovers of identities that stay
                // about 0; so `1 - sigmoid(800)`, 1e-348, 0 ± 2e-308 at 1,024 bits, agrees).
                let float_precise = differenced || !model.assumptions.is_empty();
                let precisions = &precisions[..if float_precise { 1 } else { precisions.len().min(2) }];
                match compare_precisely(ctx, d, ev, a, b, relation, precisions, differenced, &mut range) {
                    // Higher precision found a side of an `=` below the floats and not within
                    // its error of 0 (`1 - sigmoid(800)`, 1e-348): the floats' agreement, within
                    // their bounds, hid it, and does not stand. (A `≈` step's rounding box may
                    // hold such a value as it holds 0: `exp(-740) ≈ 0.0`.)
                    PairOutcome::Error(m) if !differenced && relation == Relation::Equal && m == TOO_SMALL => {
                        PairOutcome::Error(m)
                    }
                    PairOutcome::Error(_) => loose_agreement(ctx, d, ev, a, b, differenced, outcome),
                    decided => decided,
                }
            } else {
                outcome
            };
            let outcome = if outcome == PairOutcome::Agree
                && differences_cannot_tell(ev, [a, b], [cover.differenced[a], cover.differenced[b]])
            {
                PairOutcome::Error(DIFFERENCES_CANNOT_TELL.to_string())
            } else {
                outcome
            };
            // Beside a kink or a domain's edge at a moderate magnitude, one side defined and the
            // other not is what the draw is for (`exp(log(p - 0.1)) = p - 0.1` below 0.1); at any
            // magnitude where neither side is differenced (`log(abs(x + 30)) = log(x + 30)`
            // below -30), and so is a draw between two edges too close to be two scales
            // (`log((x+2)^2 - 0.01)`, undefined between -2.1 and -1.9) or on its own beside an
            // edge where inputs meet (`log(abs(y + p)) = log(y + p)` for y below -p).
            // (Not for a `≈` step: where the step before is undefined and the step defined, a
            // rounded reading of the step may be undefined there too, `log((x+2)^2 - 0.0102) ≈
            // log((x+2)^2 - 0.01)`; a reviewer's finding.)
            let exact_sides = (!differenced || !ev.differenced) && relation == Relation::Equal;
            let edge = match ev.sample.band {
                Band::Side { .. } | Band::Zero { .. } | Band::Signs { .. } => {
                    ev.sample.band.top() <= MODERATE || exact_sides
                }
                Band::Between(lo, hi) => exact_sides && cover.relative_kink && (lo, hi) == WIDE,
                Band::Gap(..) => exact_sides,
                Band::Near { .. } | Band::Across { .. } => exact_sides,
                Band::Standard | Band::Together => false,
            };
            match outcome {
                PairOutcome::OneUndefined if edge => PairOutcome::OneUndefined,
                // At other magnitudes, only two values compared count (either way).
                PairOutcome::OneUndefined | PairOutcome::BothUndefined | PairOutcome::Error(_) if ev.lenient => {
                    PairOutcome::Skipped
                }
                other => other,
            }
        })
        .collect();
    let bad: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, PairOutcome::Disagree | PairOutcome::OneUndefined))
        .map(|(i, _)| i)
        .collect();
    let agreeing = outcomes.iter().filter(|o| **o == PairOutcome::Agree).count();
    if !bad.is_empty() {
        let Some(lowered) = lowered else { return (Verdict::Wrong, String::new(), None, None) };
        let mut cause = diagnose(model, evaluated, &outcomes, &cover.sizes, a, b);
        // A derivative by a node of the step's own that what it differentiates is not computed
        // from is 0, and names the mistake better than "a term is missing" (a TA tester: a
        // student's `let zz[j] = s[j] / sqrt(dk)` and `diff(alpha[j], zz[m])`). Not where the
        // step before has it too: it carries it.
        if matches!(cause, None | Some(Cause::ZeroStep | Cause::Offset(_))) {
            let unread = derivative_by_unread_node(model, expr_at(d, b));
            if unread.is_some() && unread != derivative_by_unread_node(model, expr_at(d, a)) {
                cause = unread.map(|(node, by)| Cause::NotComputedFrom { node, by });
            }
        }
        // The point shown is one of the cause's: where one side is undefined, for that cause (a
        // tester: "not defined for the same inputs" above two values, `(x^2)^(1/n)` and
        // `x^(2/n)` at n = 2).
        // Else one where both sides have values, where there is one (a student: a batch norm
        // with `eps` dropped was shown at N = 1, "this step = undefined", where 51 of 54 samples
        // have two values).
        let of_kind =
            |kind: PairOutcome| -> Vec<usize> { bad.iter().copied().filter(|&k| outcomes[k] == kind).collect() };
        let (undefined, differing) = (of_kind(PairOutcome::OneUndefined), of_kind(PairOutcome::Disagree));
        let shown = match cause {
            Some(Cause::DomainMismatch) if !undefined.is_empty() => &undefined,
            _ if !differing.is_empty() => &differing,
            _ => &bad,
        };
        let ev = &evaluated[shown_sample(evaluated, shown, a, b)];
        let exprs = [expr_at(d, a), expr_at(d, b)];
        let mut counterexample = counterexample(ctx, ev, &free[a], &free[b], &exprs, &cover.sizes, lowered, a, b);
        // A value that higher precision found (where floats lost it, or their bounds were too
        // wide to tell) is shown as it found it.
        counterexample.left = value_shown(ev, a).or(counterexample.left);
        counterexample.right = value_shown(ev, b).or(counterexample.right);
        let counted = outcomes.iter().filter(|o| **o != PairOutcome::Skipped).count();
        let detail = if counted == 1 {
            "differs at the one sample compared".to_string()
        } else {
            format!("differs at {} of {counted} samples", bad.len())
        };
        return (Verdict::Wrong, detail, Some(counterexample), cause);
    }
    if let Some(PairOutcome::Error(message)) = outcomes.iter().find(|o| matches!(o, PairOutcome::Error(_))) {
        return (Verdict::Undetermined, message.clone(), None, None);
    }
    if agreeing == 0 {
        let detail = if evaluated.is_empty() {
            "no sample could be drawn: every size instance leaves an index range empty".to_string()
        } else {
            "neither side is defined at any sample".to_string()
        };
        return (Verdict::Undetermined, detail, None, None);
    }
    // A sum that no agreeing sample gave a term says nothing of its terms (`sum(i in 1..n-6, …)`
    // at sizes up to 6): its step is not `checked`.
    let mut sums = cover.sums[a].iter().chain(&cover.sums[b]);
    let reached = |r: IndexRange| {
        evaluated
            .iter()
            .zip(&outcomes)
            .any(|(ev, o)| *o == PairOutcome::Agree && !coverage::empty_at(r, &ev.sample.sizes))
    };
    if let Some(&r) = sums.find(|&&r| !reached(r)) {
        let sizes = &model.sizes;
        let range = format!("{}..{}", crate::model::dim_text(&r.lo, sizes), crate::model::dim_text(&r.hi, sizes));
        let detail = format!(
            "not decided: a sum or product over {range} is empty at every sample where both sides agree \
             (sizes up to {COVER_MAX_SIZE} tried)"
        );
        return (Verdict::Undetermined, detail, None, None);
    }
    let samples = if agreeing == 1 { "sample" } else { "samples" };
    // An `=` whose sides agree only within the relative tolerance of 1e-9 (spec §5), further apart
    // than their error bounds: `checked`, as the spec asks, and the report says by how much they
    // differ (a student: `sigmoid(25) = 1` was `checked` with nothing said, and `1 - sigmoid(25)
    // = 0` on the next line `wrong`). Not where a side takes a derivative (which finite
    // differences may take: their bound is an estimate).
    let apart = (relation == Relation::Equal && !differenced)
        .then(|| {
            evaluated.iter().zip(&outcomes).filter(|(_, o)| **o == PairOutcome::Agree).find_map(|(ev, _)| {
                match (&ev.points[a], &ev.points[b]) {
                    (
                        Point::Value { float: x, error: ex, exact: None, .. },
                        Point::Value { float: y, error: ey, .. },
                    )
                    | (
                        Point::Value { float: x, error: ex, .. },
                        Point::Value { float: y, error: ey, exact: None, .. },
                    ) if (x - y).abs() > (4.0 * (ex + ey)).max(APART_ONLY_BY_TOLERANCE * x.abs().max(y.abs())) => {
                        Some((x - y).abs() / x.abs().max(y.abs()))
                    }
                    _ => None,
                }
            })
        })
        .flatten();
    let detail = match apart {
        Some(relative) => format!(
            "agrees at {agreeing} {samples}, {WITHIN_TOLERANCE} (spec §5): the sides differ by {} of their size",
            super::text::significant(relative, 2)
        ),
        None => format!("agrees at {agreeing} {samples}"),
    };
    (Verdict::Checked, detail, None, None)
}

/// The least relative gap between the sides of an `=` that the detail of its `checked` reports:
/// well above rounding, whose bounds are estimates in places (the inverse of a matrix: the
/// Matrix Cookbook's `inv(A^T) = inv(A)^T` differs by 1.1e-15 beyond them).
const APART_ONLY_BY_TOLERANCE: f64 = 1e-12;

/// What the detail of a `checked` step says where its sides agree only within the relative
/// tolerance of an `=` (the human report shows it).
pub const WITHIN_TOLERANCE: &str = "equal only within the relative tolerance of 1e-9 for `=`";

/// The rule on free indices (spec §3.4): a step that depends on an index the expression it is compared
/// with does not is `wrong`, without samples (and whatever a proof says; with `--no-numeric` too:
/// an adversarial tester found such a step `proved` there and `wrong` by default).
pub(super) fn free_index(
    model: &Model,
    d: &Derivation,
    free: &[Vec<IndexId>],
    a: usize,
    b: usize,
    against: Against,
) -> Option<Judgement> {
    // A step before that no longer reads an index of the head is claimed at every value of it
    // (`x[i]/x[i] = 1`): the head's index read again after it is no new one (a student's true
    // `= x[i]/x[i]` after `= 1` was `wrong`).
    let head = free.first().map_or(&[][..], Vec::as_slice);
    let &extra = free[b].iter().find(|i| !free[a].contains(i) && !head.contains(i))?;
    let name = &model.indices[extra].name;
    let at = d.steps[b - 1].name_uses.iter().find(|(n, _)| n == name).map(|(_, span)| *span);
    let cause = Cause::FreeIndex { index: name.clone(), against, at };
    let against = compared_with(against);
    let detail = format!("a forgotten `sum({name}, …)`? the step depends on `{name}`, {against} does not");
    Some((Verdict::Wrong, detail, None, Some(cause)))
}

/// Why a step whose sides finite differences see apart only far from the usual magnitudes is not
/// decided.
const FAR_DIFFERENCES_APART: &str = "not decided: far from the usual magnitudes, where a derivative is \
     taken by finite differences, the sides differ; the differences cannot decide there";

/// The largest magnitude of a draw (beside a scale, its band's lower end) where finite differences
/// that see a step's sides apart make it `undetermined`: their first step is a share of the point
/// (a thousandth), here up to about 1, which still resolves the features of the course's
/// functions; farther out it averages them away (the second derivative of `cos` at 10⁸, by a step
/// of 10⁴, came out 1.0 with a small error estimate: a reviewer's true step stays `checked`).
const FAR_DIFFERENCES_TOP: f64 = 1e3;

/// Two values that differ by a tenth of the larger at least and by ten times their error bounds:
/// more than finite differences' error far out, where their estimates no longer bound it.
fn clearly_apart(a: &Point, b: &Point, outcome: &PairOutcome) -> bool {
    match (a, b) {
        (Point::Value { float: x, error: ex, .. }, Point::Value { float: y, error: ey, .. }) => {
            let gap = (x - y).abs();
            *outcome == PairOutcome::Disagree && gap > 0.1 * x.abs().max(y.abs()) && gap > 10.0 * (ex + ey)
        }
        _ => false,
    }
}

/// Of the samples where a step differs (`bad`, in the order drawn), the one its counterexample
/// shows: the first where the two values differ by at least 0.1% of the larger, so that the
/// values a report writes to six digits differ within their first three or four; else the one
/// where they differ most for their size. (The first alone showed `-0.00214725` against
/// `-0.00214736` where `a[j]` was written for `tanh(a[j])` at a ≈ -0.012, and 13 other samples
/// told them apart at a glance.)
fn shown_sample(evaluated: &[Evaluated], bad: &[usize], a: usize, b: usize) -> usize {
    let apart = |k: usize| {
        let ev = &evaluated[k];
        let value = |i| value_shown(ev, i);
        let undefined = |i: usize| matches!(ev.points[i], Point::Undefined);
        match (value(a), value(b)) {
            (Some(x), Some(y)) => {
                let scale = x.abs().max(y.abs());
                if scale == 0.0 {
                    0.0
                } else {
                    (x - y).abs() / scale
                }
            }
            // One side undefined, the other a value: told apart as it is.
            (Some(_), None) if undefined(b) => f64::INFINITY,
            (None, Some(_)) if undefined(a) => f64::INFINITY,
            // A value a report cannot show (beyond the range of floats): shown last.
            _ => -1.0,
        }
    };
    let gaps: Vec<(usize, f64)> = bad.iter().map(|&k| (k, apart(k))).collect();
    // (Of those apart, one drawn nearest the usual magnitudes: a draw of the large band came
    // first, `g = -91.55, x = 10.37` where one beside the kink showed `g = -9.7, x = 9.74`.)
    let top = |k: usize| (evaluated[k].sample.band.top() / Band::Standard.top()).ln().abs();
    gaps.iter()
        .filter(|(_, gap)| *gap >= 1e-3)
        .min_by(|x, y| top(x.0).total_cmp(&top(y.0)).then(x.0.cmp(&y.0)))
        .or_else(|| gaps.iter().max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0))))
        .map_or(bad[0], |&(k, _)| k)
}

/// A disagreement in floats smaller than this share of the values' size (or of the largest operand
/// of an addition) is within reach of cancellation: it is confirmed in higher precision first.
pub(super) const CANCELLATION_REACH: f64 = 1e-8;

/// Whether floats may have lost the answer of a comparison: one side was lost (undefined in floats
/// but perhaps not in exact arithmetic), or the sides of an `=` step differ by so little next to
/// the numbers involved that cancellation may explain it, or a `≈` step by the rounding rule has a
/// floor for cancellation wider than the rest of what it allows (the caller asks whether its
/// agreement stands without the floor: [`agrees_without_floor`]).
pub(super) fn needs_precision(
    a: &Point,
    b: &Point,
    relation: Relation,
    rule: ToleranceRule,
    outcome: &PairOutcome,
) -> bool {
    match (a, b) {
        (Point::Lost(_), _) | (_, Point::Lost(_)) => true,
        // An `=` whose sides agree only thanks to the fixed floor for cancellation, not their
        // error bounds (`exp(30) + 1 - exp(30) = 0`): higher precision tells.
        (
            Point::Value { exact: xa, float: fa, error: ea, .. },
            Point::Value { exact: xb, float: fb, error: eb, .. },
        ) if *outcome == PairOutcome::Agree && relation == Relation::Equal && !(xa.is_some() && xb.is_some()) => {
            (fa - fb).abs() > FLOAT_SLACK * fa.abs().max(fb.abs()) + ea + eb
        }
        // A `≈` step by the rounding rule whose floor for cancellation is wider than the rest of
        // the slack: its agreement may be the floor's alone (`exp(10) + 0.001 - exp(10) ≈
        // 0.00100002`, 2e-8 apart, within a floor of 2.2e-8), and higher precision, which has
        // no floor, tells. (The other `≈` rules have no floor.)
        (
            Point::Value { float: fa, error: ea, scale: sa, .. },
            Point::Value { float: fb, error: eb, scale: sb, .. },
        ) if *outcome == PairOutcome::Agree && relation == Relation::Approx && rule == ToleranceRule::Rounding => {
            CANCELLATION * sa.max(*sb) > FLOAT_SLACK * fa.abs().max(fb.abs()) + ea + eb
        }
        (
            Point::Value { exact: xa, float: fa, scale: sa, .. },
            Point::Value { exact: xb, float: fb, scale: sb, .. },
        ) if *outcome == PairOutcome::Disagree && !(xa.is_some() && xb.is_some()) => {
            let size = fa.abs().max(fb.abs()).max(*sa).max(*sb);
            (fa - fb).abs() <= CANCELLATION_REACH * size
        }
        _ => false,
    }
}

/// Whether a `≈` step's agreement stands without the floor for cancellation (its rounding box, or
/// the sides' error bounds, allow it already): `diff(exp(20)*w + atan(w), w) - exp(20) ≈ 0.3` is
/// not evaluated again in higher precision for a floor of 5e-4 inside a box of ±0.05 (where
/// finite differences in more bits are no more precise). `=` steps ask this of the numbers
/// directly (`needs_precision`).
fn agrees_without_floor(
    a: &Point,
    b: &Point,
    b_widened: Option<&Result<Interval, EvalError>>,
    relation: Relation,
    rule: ToleranceRule,
    range: &mut RangeOracle,
) -> bool {
    let unfloored = |p: &Point| match p {
        Point::Value { exact, float, error, .. } => {
            Point::Value { exact: exact.clone(), float: *float, error: *error, scale: 0.0 }
        }
        other => other.clone(),
    };
    relation == Relation::Approx
        && compare(&unfloored(a), &unfloored(b), b_widened, relation, rule, range) == PairOutcome::Agree
}

/// More bits narrow an error bound that rounding makes by about as many bits; one that narrowed by
/// fewer than this many from one of [`PRECISIONS`] to the next (they are 768 and 3,072 bits apart)
/// comes from what more bits cannot make more precise — a derivative taken by finite differences,
/// known to a float's precision at best — and the next precision is not tried. (The floats' own
/// bound is no measure for the first: the bounds of higher precision are another, more cautious
/// analysis, 1.9e39 at 256 bits for the sum of the inverse of a Hilbert matrix of order 30, whose
/// floats carry 2.3e23.)
const STALLED: i32 = 32;

const STALLED_TEXT: &str = "not decided at one sample: floats lose the value there, and more bits do not narrow \
     its error bound (a derivative by finite differences is known to a float's precision at best)";

/// An agreement within error bounds wider than this share of the values compared — 2^-20, the
/// widest bound a value of higher precision may carry to be compared at all (`Precise::as_float`)
/// — is looked at again in higher precision: the bounds alone could hide a disagreement
/// (`exp(40) + x - exp(40)` is 0 ± 235 in floats, `1 - sigmoid(40)` is 0 ± 1.1e-16, not 4.2e-18).
/// Where a side takes a derivative, the share is of the larger value or 1: a derivative is known
/// to a share of its size or 1 at best (`MAX_RELATIVE_FD_ERROR`), in higher precision too, where
/// finite differences take it; a gradient that should be 0, known as 1e-17 ± 1e-15, is not
/// evaluated again for nothing.
const LOOSE: f64 = 1.0 / (1u64 << 20) as f64;

/// What stands of an agreement in floats within loose bounds that higher precision did not decide: where
/// more bits cannot narrow the bounds either (a derivative by finite differences), an agreement
/// within bounds no wider than a derivative's own (those of the precise values where there are
/// some, else the floats') stands, as it does for every derivative known no better; within wider
/// ones it says nothing, nor, where no side takes a derivative, within bounds that exceed a
/// value known beside them ([`loose_beside_a_value`]).
fn loose_agreement(
    ctx: &Context,
    d: &Derivation,
    ev: &Evaluated,
    a: usize,
    b: usize,
    differenced: bool,
    agreed: PairOutcome,
) -> PairOutcome {
    let precise = |i: usize| match precise_point(ctx, d, ev, i, PRECISIONS[0]) {
        PrecisePoint::Value(v) => Some(v.approx()),
        _ => None,
    };
    // Bounds no wider than a derivative's, unless they hide a value known beside them (a side
    // that cancelled to 0 ± 4e-69 beside 2e-304: `loose_beside_a_value`).
    let narrow = |x: numeric::Approx, y: numeric::Approx| {
        within_a_derivatives_bound(&precise_as_point(x), &precise_as_point(y))
            && (differenced || !loose_beside_a_value(x, y))
    };
    let float = |p: &Point| match p {
        Point::Value { float, error, .. } => Some(numeric::Approx { value: *float, error: *error }),
        _ => None,
    };
    let told = |x: Option<numeric::Approx>, y: Option<numeric::Approx>| x.zip(y).is_some_and(|(x, y)| narrow(x, y));
    if told(precise(a), precise(b)) || told(float(&ev.points[a]), float(&ev.points[b])) {
        agreed
    } else {
        PairOutcome::Error(LOOSE_TEXT.to_string())
    }
}

/// A value of higher precision as a float point with its error bound, to be compared as floats are.
/// Two values of an `=` step, neither 0, one or both beyond the range of floats (below the smallest
/// or above the largest), scaled by one power of two into it: `=` compares them relative to their
/// size (their error bounds, the float slack), which the scaling keeps, so `exp(-400*x)^2 =
/// exp(-800*x)` at x = 2 (both about 1e-695) or x = -2 is compared. Not where a side is 0 (a value
/// below floats is not compared with 0), nor for `≈`, whose rounding of literals and tolerances
/// are absolute; None where the smaller is still below the floats when the larger is brought into
/// them.
fn scaled_into_floats(
    x: &numeric::Precise,
    y: &numeric::Precise,
    relation: Relation,
    bits: usize,
) -> Option<(numeric::Approx, numeric::Approx)> {
    if relation != Relation::Equal {
        return None;
    }
    let top = x.exponent()?.max(y.exponent()?);
    let (x, y) = (x.times_power_of_two(-top)?, y.times_power_of_two(-top)?);
    Some((x.as_float(bits).ok()?, y.as_float(bits).ok()?))
}

/// The value of higher precision `p`, or the float value `float` where its error bound is the
/// narrower (and not 0: a float value known exactly is an exact rational, which higher precision
/// holds too).
fn tighter(p: PrecisePoint, float: &Point, bits: usize) -> PrecisePoint {
    let Point::Value { float, error, .. } = *float else { return p };
    // Only where the two agree within their bounds: a float bound carried to first order (the
    // slope of σ′ at 0 is 0) can be narrower than the float's true error
    // (`diff(sigmoid(1e17 + x - 1e17), x)`), and the value of higher precision then shows it.
    let narrower = match &p {
        PrecisePoint::Value(v) => narrower_within(numeric::Approx { value: float, error }, v.approx()),
        PrecisePoint::Imprecise | PrecisePoint::Undefined | PrecisePoint::Error(_) => false,
    };
    if narrower && error > 0.0 && error.is_finite() && float.is_finite() {
        PrecisePoint::Value(numeric::Precise::from_f64_at(float, error, bits))
    } else {
        p
    }
}

fn precise_as_point(f: numeric::Approx) -> Point {
    Point::Value { exact: None, float: f.value, error: f.error, scale: 0.0 }
}

const LOOSE_TEXT: &str = "not decided at one sample: the sides agree in floats only within error bounds too wide \
     to tell them apart (cancellation lost the digits that would), and higher precision cannot narrow them";

const DIFFERENCES_CANNOT_TELL: &str = "not decided at one sample: a derivative taken by finite differences is known \
     there only within an error larger than the other side's whole value (a function that saturates, its \
     derivative far below 1), so it cannot tell that value from 0 or from its negative";

/// Whether an agreement is one that finite differences cannot make: a side that takes a derivative
/// by them, known to a share of 1 at best, beside a side known to its rounding whose whole value
/// is within that error (`diff(softplus(w*x + 40), w, w)` beside `-x^2 * sigmoid'(w*x + 40)`,
/// 4e-18 against 0 ± 1e-9: a sign error agrees as well as the right answer).
fn differences_cannot_tell(ev: &Evaluated, sides: [usize; 2], differenced: [bool; 2]) -> bool {
    // (Each side as well as it is known: in higher precision where that was asked, so that a
    // bound that cancellation widened in floats, `exp(40) + diff(x^3, x) - exp(40)`, is not
    // taken for the derivative's.)
    let best = |i: usize| best_known(ev, i);
    let known = |i: usize| best(i).filter(|&v| known_to_its_rounding(v)).map(|v| v.value.abs());
    let loose = |i: usize, d: bool| best(i).filter(|_| d && known(i).is_none()).map(|v| v.error);
    let [a, b] = sides;
    let [da, db] = differenced;
    matches!((loose(a, da), known(b)), (Some(e), Some(v)) if v <= e)
        || matches!((loose(b, db), known(a)), (Some(e), Some(v)) if v <= e)
}

/// Whether a side of a pair takes a derivative known only as finite differences know it (to a
/// share of its size or 1): one that forward mode took is known to its rounding
/// (`diff(sigmoid(w*x + 40), w)`, 4e-18 ± 3e-32), and an agreement with a side that
/// cancelled to 0 ± 1e-15 is as loose as any other.
fn loosely_differenced(points: &[Point], sides: [usize; 2], differenced: [bool; 2]) -> bool {
    sides.into_iter().zip(differenced).any(|(i, d)| {
        d && !matches!(points[i], Point::Value { float, error, .. }
            if known_to_its_rounding(numeric::Approx { value: float, error }))
    })
}

/// Whether a value is known to [`LOOSE`] of its size, and is not 0.
fn known_to_its_rounding(v: numeric::Approx) -> bool {
    v.value != 0.0 && v.error <= LOOSE * v.value.abs()
}

/// Whether two values agree only within error bounds wide enough to hide a difference (see
/// [`LOOSE`]); `differenced`: whether a side takes a derivative known to a share of its size or
/// 1 at best ([`loosely_differenced`]).
fn loosely_agree(a: &Point, b: &Point, outcome: &PairOutcome, differenced: bool) -> bool {
    match (a, b) {
        (Point::Value { float: fa, error: ea, .. }, Point::Value { float: fb, error: eb, .. }) => {
            let floor = if differenced { 1.0 } else { 0.0 };
            *outcome == PairOutcome::Agree && ea + eb > LOOSE * fa.abs().max(fb.abs()).max(floor)
        }
        _ => false,
    }
}

/// Whether an agreement of values in higher precision is within error bounds too wide to tell
/// them apart from a value that is known: a side known to [`LOOSE`] of its size (not 0), whose
/// size the bounds together exceed that share of. `exp(300) + exp(-500)*s - exp(300)` at 1,024
/// bits is 0 ± 1.7e-177, a value small enough to be taken as a float (`Precise::as_float`: the
/// leftover of an identity that is 0, `sin(x)^2 + cos(x)^2 - 1`, is compared as it is); beside
/// 3.61467e-215 it says nothing (the side is 3.51e-215). Where neither side is known that well
/// (both are leftovers about 0), the agreement stands. Not asked where a side takes a derivative:
/// finite differences know it to a share of its size or 1 at best, in any number of bits.
fn loose_beside_a_value(x: numeric::Approx, y: numeric::Approx) -> bool {
    // (A value of higher precision as a float carries at least the smallest normal float as its
    // error bound: `exp(-700)` is known to that.)
    let known = |v: numeric::Approx| v.value != 0.0 && v.error <= (LOOSE * v.value.abs()).max(f64::MIN_POSITIVE);
    let size = [x, y].into_iter().filter(|&v| known(v)).map(|v| v.value.abs()).fold(0.0, f64::max);
    size > 0.0 && x.error + y.error > (LOOSE * size).max(2.0 * f64::MIN_POSITIVE)
}

/// Whether two values' error bounds together are within the widest a derivative by finite
/// differences may carry ([`numeric::WIDEST_DERIVATIVE_ERROR`] of the larger, at least 1): an
/// agreement within them says what the numbers say of any such derivative.
fn within_a_derivatives_bound(a: &Point, b: &Point) -> bool {
    match (a, b) {
        (Point::Value { float: fa, error: ea, .. }, Point::Value { float: fb, error: eb, .. }) => {
            ea + eb <= numeric::WIDEST_DERIVATIVE_ERROR * fa.abs().max(fb.abs()).max(1.0)
        }
        _ => false,
    }
}

/// Compares expressions `a` and `b` at one sample in higher precision, at each of `precisions`
/// bits in turn while the error bounds are too wide to tell; a sample none decides gives no
/// verdict.
#[allow(clippy::too_many_arguments)]
pub(super) fn compare_precisely(
    ctx: &Context,
    d: &Derivation,
    ev: &Evaluated,
    a: usize,
    b: usize,
    relation: Relation,
    precisions: &[usize],
    differenced: bool,
    range: &mut RangeOracle,
) -> PairOutcome {
    // What floats said, for where higher precision cannot say more.
    let lost = [&ev.points[a], &ev.points[b]].into_iter().find_map(|p| match p {
        Point::Lost(m) => Some(m.clone()),
        _ => None,
    });
    // The error bounds of the sides too wide at the precision before (see `STALLED`).
    let mut wide_before: [Option<i32>; 2] = [None, None];
    // At the first precision both sides are evaluated (a limit either meets ends the comparison
    // there). After it, the side that floats lost, or that the bits before could not tell, is
    // evaluated first, and where it cannot be told at these bits either, the other is not
    // evaluated: its value could not decide the pair, and a limit it met would only be named
    // instead of "cannot tell" (the step is `undetermined` either way). A side defined nowhere
    // (`1/(s - s)` added to an RNN's derivative) is never told, and the other side's finite
    // differences in 1,024 and 4,096 bits took 7 s.
    let mut first =
        if matches!(ev.points[b], Point::Lost(_)) && !matches!(ev.points[a], Point::Lost(_)) { b } else { a };
    for (round, &bits) in precisions.iter().enumerate() {
        if round > 0 && matches!(precise_point(ctx, d, ev, first, bits), PrecisePoint::Imprecise) {
            continue;
        }
        // A side known better in floats than these bits know it (a derivative forward mode took,
        // where these bits take finite differences) is compared as floats know it.
        let (pa, pb) = (
            tighter(precise_point(ctx, d, ev, a, bits), &ev.points[a], bits),
            tighter(precise_point(ctx, d, ev, b, bits), &ev.points[b], bits),
        );
        if matches!(pb, PrecisePoint::Imprecise) {
            first = b;
        } else if matches!(pa, PrecisePoint::Imprecise) {
            first = a;
        }
        let (x, y) = match (&pa, &pb) {
            (PrecisePoint::Error(m), _) | (_, PrecisePoint::Error(m)) => {
                // A value beyond floats is said as floats said it; a limit met on the way as itself.
                let beyond_floats = lost.as_deref().filter(|l| [TOO_LARGE, TOO_SMALL].contains(l));
                return PairOutcome::Error(beyond_floats.map_or_else(|| m.clone(), str::to_string));
            }
            (PrecisePoint::Imprecise, _) | (_, PrecisePoint::Imprecise) => continue,
            (PrecisePoint::Undefined, PrecisePoint::Undefined) => return PairOutcome::BothUndefined,
            (PrecisePoint::Undefined, _) | (_, PrecisePoint::Undefined) => return PairOutcome::OneUndefined,
            (PrecisePoint::Value(x), PrecisePoint::Value(y)) => (x, y),
        };
        // The precise values (with their error bounds) are compared by the step's own rule, as
        // floats. Values beyond the range of floats stay undetermined, as in floats: only the way to
        // them may leave it (`exp(1000 a)` in a softmax).
        let (fx, fy) = match (x.as_float(bits), y.as_float(bits)) {
            (Ok(fx), Ok(fy)) => (fx, fy),
            (rx @ Err(numeric::NotAFloat::TooWide), ry) | (rx, ry @ Err(numeric::NotAFloat::TooWide)) => {
                // Bounds too wide to show an agreement may still lie far enough apart to show a
                // disagreement (`0 ± 1e-10` is not 1000).
                let (px, py) = (x.approx(), y.approx());
                if px.value.is_finite()
                    && py.value.is_finite()
                    && compare(
                        &precise_as_point(px),
                        &precise_as_point(py),
                        ev.widened[b].as_ref(),
                        relation,
                        d.tolerance,
                        range,
                    ) == PairOutcome::Disagree
                {
                    return PairOutcome::Disagree;
                }
                // Each side too wide now, and its error bound now and before.
                let now = [(&rx, x), (&ry, y)]
                    .map(|(r, p)| (*r == Err(numeric::NotAFloat::TooWide)).then(|| p.error_exponent()).flatten());
                let stalled = |(now, before): (Option<i32>, Option<i32>)| matches!((now, before), (Some(n), Some(b)) if n > b - STALLED);
                let wide_now = now.iter().filter(|e| e.is_some()).count();
                if wide_now > 0 && now.into_iter().zip(wide_before).filter(|(n, _)| n.is_some()).all(stalled) {
                    return PairOutcome::Error(STALLED_TEXT.to_string());
                }
                wide_before = now;
                continue;
            }
            (rx, ry) => match scaled_into_floats(x, y, relation, bits) {
                Some(pair) => pair,
                None if [rx, ry].contains(&Err(numeric::NotAFloat::TooLarge)) => {
                    return PairOutcome::Error(lost.unwrap_or_else(|| TOO_LARGE.to_string()))
                }
                // A side that these bits leave within its error of 0 (`1 - sigmoid(800)`, 0 ±
                // 1e-308 at 1,024 bits, beside `sigmoid(-800)`, 1e-348) may be told with more.
                None if round + 1 < precisions.len()
                    && [x, y].iter().any(|p| p.exponent().is_none() || !p.sign_known()) =>
                {
                    continue
                }
                None => return PairOutcome::Error(lost.unwrap_or_else(|| TOO_SMALL.to_string())),
            },
        };
        let outcome =
            compare(&precise_as_point(fx), &precise_as_point(fy), ev.widened[b].as_ref(), relation, d.tolerance, range);
        // A side these bits leave within its error of 0 agrees with a 0 it may not be
        // (`1 - sigmoid(180)` is 0 ± 8.6e-78 at 256 bits, and 6.7e-79): more bits tell, where
        // there are more (at the last, a leftover about 0 is taken as 0, as an identity's is).
        let about_zero = |v: numeric::Approx| v.error > 0.0 && v.value.abs() <= v.error;
        if outcome == PairOutcome::Agree
            && !differenced
            && round + 1 < precisions.len()
            && (about_zero(fx) || about_zero(fy))
        {
            continue;
        }
        if outcome == PairOutcome::Agree && !differenced && loose_beside_a_value(fx, fy) {
            // At a draw of other magnitudes, only two values compared count: this one does not
            // (more bits would cost more than the usual draws, which tell most such steps).
            if ev.lenient {
                return PairOutcome::Skipped;
            }
            continue;
        }
        return outcome;
    }
    PairOutcome::Error(format!(
        "not decided at one sample: floats cannot tell the sides apart there, and numbers of {} bits cannot either",
        precisions.last().copied().unwrap_or(0)
    ))
}

/// The prover's forms of a derivation's expressions, one set per element instance (see
/// `check::element_instances`); none when the prover did not run.
pub(super) struct Lowered<'f> {
    instances: &'f [Vec<(IndexId, i64)>],
    forms: &'f [prove::Forms],
    /// The evaluation context of each set's model, made when a counterexample first needs it.
    contexts: Vec<std::cell::OnceCell<Context<'f>>>,
}

impl<'f> Lowered<'f> {
    pub(super) fn new(instances: &'f [Vec<(IndexId, i64)>], forms: &'f [prove::Forms]) -> Lowered<'f> {
        Lowered { instances, forms, contexts: forms.iter().map(|_| std::cell::OnceCell::new()).collect() }
    }

    /// What the lowered forms of expressions `a` and `b` read at a sample: where an expression
    /// holds a derivative, the values of the unknown functions' derivatives and of the unknown
    /// nodes' partial derivatives that differentiating it by hand needs (`f'(x)` in
    /// `diff(f(x), x)`), which the finite differences of the expression itself never compute.
    fn reads(&self, sample: &Sample, a: usize, b: usize) -> Option<numeric::Reads> {
        let at = |inst: &Vec<(IndexId, i64)>| inst.iter().all(|&(i, v)| sample.free[i] == Some(v));
        let k = self.instances.iter().position(at)?;
        // (Without the prover there are instances but no forms.)
        let forms = self.forms.get(k)?;
        let exprs: Vec<Expr> =
            [a, b].iter().filter_map(|&e| forms.forms[e].as_ref()).map(|f| without_guards(&f.lowered)).collect();
        let exprs: Vec<&Expr> = exprs.iter().collect();
        let ctx = self.contexts[k].get_or_init(|| Context::new(&forms.model));
        (!exprs.is_empty()).then(|| numeric::reads(ctx, sample, &exprs))
    }
}

/// A lowered expression without the terms `0 * g` that keep the domain of `g` (`prove::lower`):
/// their values are no part of the hand computation.
fn without_guards(e: &Expr) -> Expr {
    match e {
        Expr::Add(value, guard) if matches!(guard.as_ref(), Expr::Mul(zero, _) if is_zero(zero)) => {
            without_guards(value)
        }
        _ => e.map_children(without_guards),
    }
}

fn is_zero(e: &Expr) -> bool {
    matches!(e, Expr::Const(l) if num_traits::Zero::is_zero(&l.value))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn counterexample(
    ctx: &Context,
    ev: &Evaluated,
    free_a: &[IndexId],
    free_b: &[IndexId],
    exprs: &[&Expr],
    read_sizes: &[crate::model::SizeId],
    lowered: &Lowered,
    a: usize,
    b: usize,
) -> Counterexample {
    let model = ctx.model;
    // The declared sizes the derivation reads (a sum of them written in a bound follows from them).
    let sizes = read_sizes.iter().map(|&s| (model.sizes[s].clone(), ev.sample.sizes[s])).collect();
    let mut indices = BTreeMap::new();
    // The hidden indices of array sides, in the order of their dimensions.
    let mut hidden = BTreeMap::new();
    for &i in free_a.iter().chain(free_b) {
        if let Some(v) = ev.sample.free[i] {
            if model.indices[i].hidden {
                hidden.insert(i, v);
            } else {
                indices.insert(model.indices[i].name.clone(), v);
            }
        }
    }
    let mut reads = numeric::reads(ctx, &ev.sample, exprs);
    if let Some(more) = lowered.reads(&ev.sample, a, b) {
        reads.extend(more);
    }
    let inputs = reads.inputs.iter().map(|(k, v)| (entry_key_text(model, k), *v)).collect();
    let exact_text = exact_texts(&ev.points[a], &ev.points[b]);
    Counterexample {
        sizes,
        indices,
        position: hidden.into_values().collect(),
        inputs,
        functions: function_values(model, &reads),
        partials: reads
            .partials
            .iter()
            .map(|((node, dep), v)| (format!("∂{}/∂{}", entry_key_text(model, node), entry_key_text(model, dep)), *v))
            .collect(),
        left: float_of(&ev.points[a]),
        right: float_of(&ev.points[b]),
        exact_text,
    }
}

/// The values of unknown functions and nodes read, by their text: `f'(0.31)`, `g(0.1, 2)`, `E`.
/// Arguments are written to six significant digits, or more where that would write two calls alike.
fn function_values(model: &crate::model::Model, reads: &numeric::Reads) -> BTreeMap<String, f64> {
    let nodes = reads.nodes.iter().map(|(k, v)| (entry_key_text(model, k), *v));
    let calls = |digits: i32| -> BTreeMap<String, f64> {
        reads
            .functions
            .iter()
            .map(|r| (call_text(&model.functions[r.function].name, r.order, &r.args, digits), r.value))
            .chain(nodes.clone())
            .collect()
    };
    let expected = reads.functions.len() + reads.nodes.len();
    [6, 10].into_iter().map(calls).find(|m| m.len() == expected).unwrap_or_else(|| calls(17))
}
