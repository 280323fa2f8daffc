//! The grading policy: how a derivation's points are shared between its final answer and its
//! steps, which steps earn credit, and when a final answer counts as closed form.

use std::collections::{BTreeMap, BTreeSet};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive};

use crate::check::{StepResult, Verdict};
use crate::model::{entries_read, expr_text, whole_entry_text, EntryKind, Expr, GradingShares, Model, ToleranceRule};

/// Points, exact to a hundredth (scores are rounded to two decimals once, per derivation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Points(i64);

impl Points {
    /// Zero points.
    pub const ZERO: Points = Points(0);

    /// `value` rounded to the nearest hundredth (halves away from zero).
    pub fn round(value: &BigRational) -> Points {
        let hundredths = (value * BigRational::from_integer(BigInt::from(100))).round();
        Points(hundredths.to_integer().to_i64().unwrap_or(if value.is_negative() { i64::MIN } else { i64::MAX }))
    }

    /// The points as a number, for JSON.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::fmt::Display for Points {
    /// `10`, `7.5`, `3.33`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, cents) = (self.0.unsigned_abs() / 100, self.0.unsigned_abs() % 100);
        match cents {
            0 => write!(f, "{sign}{whole}"),
            c if c % 10 == 0 => write!(f, "{sign}{whole}.{}", c / 10),
            c => write!(f, "{sign}{whole}.{c:02}"),
        }
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, other: Points) -> Points {
        Points(self.0.saturating_add(other.0))
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, |a, b| a + b)
    }
}

/// The default shares: half the points for the final answer, half for the steps.
pub fn default_shares() -> GradingShares {
    let half = BigRational::new(BigInt::from(1), BigInt::from(2));
    GradingShares { final_answer: half.clone(), steps: half, milestones: BigRational::from_integer(BigInt::from(1)) }
}

/// Why a step earns its credit or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// It follows from the step before and equals the head.
    Correct,
    /// It follows from the step before, which was already wrong: error carried forward, credit kept.
    CarriedForward,
    /// It writes the step before again: no credit.
    Repeat,
    /// It does not follow from the step before.
    Wrong,
    /// Not decided: no credit, and a person should look at it.
    Undetermined,
}

impl StepStatus {
    /// The status of a checked step; `repeat` says whether it writes the step before again.
    pub fn of(step: &StepResult, repeat: bool) -> StepStatus {
        match step.verdict {
            Verdict::Undetermined => StepStatus::Undetermined,
            Verdict::Wrong => StepStatus::Wrong,
            Verdict::Proved | Verdict::Checked if repeat => StepStatus::Repeat,
            Verdict::Proved | Verdict::Checked if step.holds || !step.holds_known => StepStatus::Correct,
            Verdict::Proved | Verdict::Checked => StepStatus::CarriedForward,
        }
    }

    /// Whether the step earns its share of the step points.
    pub fn earns_credit(self) -> bool {
        matches!(self, StepStatus::Correct | StepStatus::CarriedForward)
    }
}

/// The points of one derivation: `worth × final share` for a correct final answer, and
/// `worth × steps share` shared equally among the steps, for those that earn credit, scaled by the
/// shown work: with `reached` of `total` milestones and the `milestones` weight `w`, by
/// `(1 − w) + w × reached / total` (1 when the reference has no milestone).
pub struct Award {
    /// The derivation's score, rounded once.
    pub score: Points,
    /// The credit of each step, rounded for display.
    pub step_credits: Vec<Points>,
}

/// Applies the shares to a derivation's steps; `shown` is how many of the reference's milestones
/// the steps reach, and how many there are.
pub fn award(
    worth: &BigRational,
    shares: &GradingShares,
    statuses: &[StepStatus],
    final_correct: bool,
    shown: (usize, usize),
) -> Award {
    // A repeat earns nothing and takes nothing from the others: writing the head again through
    // its definition (`δ = ∂E/∂net = …`, as the sheet does) costs a complete answer nothing.
    let n = statuses.iter().filter(|s| **s != StepStatus::Repeat).count().max(1);
    let int = |k: usize| BigRational::from_integer(BigInt::from(k));
    let work = match shown {
        (_, 0) => int(1),
        (reached, total) => int(1) - &shares.milestones + &shares.milestones * int(reached) / int(total),
    };
    let per_step = worth * &shares.steps * work / int(n);
    let earned = statuses.iter().filter(|s| s.earns_credit()).count();
    let mut total = &per_step * int(earned);
    if final_correct {
        total += worth * &shares.final_answer;
    }
    let step_credits =
        statuses.iter().map(|s| if s.earns_credit() { Points::round(&per_step) } else { Points::ZERO }).collect();
    Award { score: Points::round(&total), step_credits }
}

/// Whether a final answer written with `≈` by the rounding rule is written less precisely than the
/// reference's final answer, a decimal number: `≈ 0` for `0.496` is true of the value rounded (to
/// a whole number) and says nothing of it. The widest rounding of the answer's literals is
/// compared with the reference's last digit; the reference's author sets the precision asked for
/// by the digits written (`= 0.50` asks for two decimals), or by a `tolerance` line.
/// Gives the reference's answer as written (`0.496`) where it is, and how precisely it is written
/// ("to 3 decimal places", "to the nearest 100").
/// A final answer written with `=` after a `≈` step is judged so too: it equals the head as the
/// `≈` before it does, within its rounding (`≈ 0.8262` then `= 1` took the final share: a
/// student).
pub fn coarser_than_reference(
    answer: &crate::model::Step,
    after_approx: bool,
    rule: ToleranceRule,
    reference_final: &Expr,
) -> Option<(String, String)> {
    fn widest(e: &Expr, whole: bool, out: &mut Option<BigRational>) {
        if let Expr::Const(l) = e {
            if let Some(h) = l.half_unit.as_ref().filter(|_| l.point || whole) {
                if out.as_ref().is_none_or(|w| h > w) {
                    *out = Some(h.clone());
                }
            }
        }
        e.for_each_child(|c| widest(c, false, out));
    }
    if (answer.relation != crate::syntax::ast::Relation::Approx && !after_approx) || rule != ToleranceRule::Rounding {
        return None;
    }
    let asked = number_literal(reference_final).filter(|l| l.point)?;
    let unit = asked.half_unit.as_ref()?;
    let mut given = None;
    widest(&answer.expr, number_literal(&answer.expr).is_some(), &mut given);
    given.filter(|g| g > unit)?;
    // Written with as many decimals as the reference's last digit has (half a unit of it is
    // `unit`), its sign included.
    let place = (2.0 * unit.to_f64()?).log10().round() as i32;
    let decimals = (-place).max(0) as usize;
    let value = if matches!(reference_final, Expr::Neg(_)) { -&asked.value } else { asked.value.clone() };
    let precision = match place {
        0 => "to the unit".to_string(),
        p if p > 0 => format!("to the nearest {}", 10u64.pow(p.unsigned_abs().min(18))),
        _ => format!("to {decimals} decimal place{}", if decimals == 1 { "" } else { "s" }),
    };
    Some((format!("{:.decimals$}", value.to_f64()?), precision))
}

/// The number an expression is, written as one literal with its signs (`0.496`, `-0.5`).
pub(super) fn number_literal(e: &Expr) -> Option<&crate::model::Literal> {
    match e {
        Expr::Const(l) => Some(l),
        Expr::Neg(a) => number_literal(a),
        _ => None,
    }
}

/// The derivatives a final answer leaves that the reference's final answer does not (`allowed`,
/// from [`derivatives_left_through_definitions`]): empty when it is in closed form. Those it
/// leaves through the definitions it reads count too, the submission's own and the sheet's: the
/// head under another name (`delta_phi[t]` for `let delta_phi[t] = ∂E/∂net_phi[t]`, a student's
/// `let G[j,k] = ∂L/∂W1[j,k]`) is the question, not its answer.
pub fn not_closed_form(model: &Model, answer: &Expr, allowed: &BTreeMap<String, String>) -> Vec<String> {
    let mut left = left_through_definitions(model, answer);
    // A builtin's prime alone, up to a constant factor, is the question asked again
    // (`sigmoid'(x)` for the derivative of the logistic function).
    if let Some(b) = lone_builtin_prime(answer) {
        left.insert(format!("{}'", b.name()), Left::of(model, answer));
    }
    left.into_iter()
        .filter(|(key, left)| !allowed.contains_key(key) && !allowed.contains_key(&earlier_head_key(&left.text)))
        .map(|(_, left)| left.shown)
        .collect()
}

/// The key of a derivative that is an earlier part's head (`diff(L, xhat[i])`): the derivative as
/// written, its index names numbered in the order they appear (`diff(L, xhat[j])` in a sum is the
/// same; `diff(L, w[1])` is not `diff(L, w[i])`, nor `W[j,i]` `W[i,j]` of another head), and not
/// merely of the same quantities by the same variable (`diff(exp(s[i]) / …, q[e])` is not the part
/// `diff(s[j], q[e])`).
pub fn earlier_head_key(text: &str) -> String {
    let mut out = String::from("head: ");
    let mut names: Vec<String> = Vec::new();
    let mut depth = 0;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, names: &mut Vec<String>, depth: i32| {
        if word.is_empty() {
            return;
        }
        // A name inside brackets (not a number) is an index: numbered by its first appearance.
        if depth > 0 && word.starts_with(|c: char| c.is_alphabetic()) {
            let k = names.iter().position(|n| n == word).unwrap_or_else(|| {
                names.push(word.clone());
                names.len() - 1
            });
            out.push_str(&format!("ι{k}"));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' || c == '\'' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out, &mut names, depth);
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        out.push(c);
    }
    flush(&mut word, &mut out, &mut names, depth);
    out
}

/// Whether an expression is a number as an answer writes one: a literal (`0.008`, `3e1`), with
/// its sign, a fraction of two (`1/125`) or in scientific notation (`8 * 10^(-3)`). A numeric
/// exercise whose reference ends with one asks for one: `0.9 * 0.02 + 0.1 * (-0.1)` is right but
/// not worked out.
pub fn a_number(e: &Expr) -> bool {
    // (With its sign: `-2/5` reads as `(-2)/5`; a TA's students lost the final share for it.)
    let literal = |e: &Expr| match e {
        Expr::Neg(x) => matches!(&**x, Expr::Const(_)),
        x => matches!(x, Expr::Const(_)),
    };
    let ten_to = |e: &Expr| match e {
        Expr::Pow(base, exponent) => {
            matches!(&**base, Expr::Const(l) if l.value == BigRational::from_integer(10.into()))
                && match &**exponent {
                    Expr::Neg(x) => literal(x),
                    x => literal(x),
                }
        }
        _ => false,
    };
    match e {
        Expr::Neg(a) => a_number(a),
        Expr::Div(a, b) => literal(a) && literal(b),
        Expr::Mul(a, b) => literal(a) && ten_to(b),
        e => literal(e) || ten_to(e),
    }
}

/// Whether an expression is arithmetic on numbers with a decimal among them that is not a number
/// the sheet gives (`0.25 - 0.01 * 0.04211 / 0.1581`): it reads no input and no unknown, directly
/// or through the definitions it reads. A numeric exercise's step that students write with `=` for
/// `≈`. The sheet's numbers are its given constants and the numbers in the formulas of the head
/// `head` is defined by (the `0.1` of `let t = 1 - 0.1 * 2 * a`).
pub fn decimal_arithmetic(model: &Model, head: &Expr, e: &Expr) -> bool {
    fn walk(e: &Expr, sheet: &[&BigRational], decimal: &mut bool, unknown: &mut bool) {
        match e {
            // (A number the sheet gives, copied, is exact: not a rounded one. TAs: under a
            // `tolerance` line, `= 1.2 - 0.01 * mh / (vh + 0.00000001)`, the sheet's numbers and a
            // square root forgotten, and `= 0.9 - 0.1 * (1 + 0.9 * 2 * 0.9 / (1 + 0.9^2))`, the
            // momentum's coefficients swapped, were graded as `≈` and took full marks.)
            Expr::Const(l) => *decimal |= l.point && l.half_unit.is_some() && !sheet.contains(&&l.value),
            Expr::Unknown(..) | Expr::NodePartial(..) => *unknown = true,
            _ => {}
        }
        e.for_each_child(|c| walk(c, sheet, decimal, unknown));
    }
    fn numbers<'a>(e: &'a Expr, out: &mut Vec<&'a BigRational>) {
        if let Expr::Const(l) = e {
            out.push(&l.value);
        }
        e.for_each_child(|c| numbers(c, out));
    }
    let mut sheet = Vec::new();
    through_definitions(model, head, |x| numbers(x, &mut sheet));
    let (mut decimal, mut unknown) = (false, false);
    walk(e, &sheet, &mut decimal, &mut unknown);
    let mut read = Vec::new();
    through_definitions(model, e, |x| {
        walk(x, &[], &mut false, &mut unknown);
        entries_read(x, &mut read);
    });
    decimal && !unknown && read.iter().all(|&id| matches!(model.entries[id].kind, EntryKind::Defined(_)))
}

fn lone_builtin_prime(e: &Expr) -> Option<crate::model::Builtin> {
    match without_constant_factors(e) {
        Expr::Builtin(b, order, _) if *order > 0 => Some(*b),
        _ => None,
    }
}

/// An expression without its sign and its constant factors and divisors (`s'(x)` of
/// `-2 * s'(x) / 3`): what stands alone in it.
pub(super) fn without_constant_factors(e: &Expr) -> &Expr {
    match e {
        Expr::Neg(a) => without_constant_factors(a),
        Expr::Mul(a, b) | Expr::Div(a, b) if matches!(**b, Expr::Const(_)) => without_constant_factors(a),
        Expr::Mul(a, b) if matches!(**a, Expr::Const(_)) => without_constant_factors(b),
        _ => e,
    }
}

/// The derivatives an expression leaves unresolved, also through the definitions it reads
/// (`zeta[c,t] = ∂E/∂s[c,t]` leaves `∂E/∂s[c,t]`), keyed by "quantities read / variable" (two
/// derivatives of the same quantities by the same variable are one, however their indices are
/// named), each with its text. Those of the reference's final answer a submission may leave too.
pub fn derivatives_left_through_definitions(model: &Model, e: &Expr) -> BTreeMap<String, String> {
    left_through_definitions(model, e).into_iter().map(|(key, left)| (key, left.text)).collect()
}

fn left_through_definitions(model: &Model, e: &Expr) -> BTreeMap<String, Left> {
    let mut out = BTreeMap::new();
    through_definitions(model, e, |x| collect_derivatives(model, x, &mut out));
    out
}

/// Calls `visit` on an expression and on the body of every definition it reads, directly or
/// through other definitions, each once.
pub fn through_definitions<'a>(model: &'a Model, e: &'a Expr, mut visit: impl FnMut(&'a Expr)) {
    visit(e);
    let mut seen = vec![false; model.entries.len()];
    let mut todo = Vec::new();
    entries_read(e, &mut todo);
    while let Some(id) = todo.pop() {
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        if let EntryKind::Defined(body) = &model.entries[id].kind {
            visit(body);
            entries_read(body, &mut todo);
        }
    }
}

/// A derivative left: as the checker writes it (the key of an earlier part's head is made from
/// that) and as feedback shows it, a derivative by a whole array written as one (`diff(L, yhat)`,
/// not by its element).
struct Left {
    text: String,
    shown: String,
}

impl Left {
    fn of(model: &Model, e: &Expr) -> Left {
        let text = expr_text(model, e);
        let shown = match e {
            Expr::Diff(body, target) => match &**body {
                Expr::Entry(r) => format!("diff({}, {})", whole_entry_text(model, r), whole_entry_text(model, target)),
                _ => text.clone(),
            },
            _ => text.clone(),
        };
        Left { text, shown }
    }
}

fn collect_derivatives(model: &Model, e: &Expr, out: &mut BTreeMap<String, Left>) {
    if let Expr::Diff(body, target) = e {
        let mut read = Vec::new();
        entries_read(body, &mut read);
        let names: BTreeSet<&str> = read.iter().map(|&id| model.entries[id].name.as_str()).collect();
        let names: Vec<&str> = names.into_iter().collect();
        let key = format!("{} / {}", names.join(" "), model.entries[target.entry].name);
        out.entry(key).or_insert_with(|| Left::of(model, e));
    }
    // A prime of a function the course defines is a derivative left too (`s'(x)` for `let s(z) =
    // …`: its derivative not worked out); a prime of an unknown function is as far as it can be
    // worked out (`f_phi'(net_phi[t])`), and one of a builtin is how a backward pass is written
    // (`(a - y) * sigmoid'(z) * x`), except alone (see `not_closed_form`).
    if let Expr::Apply(f, order, _) = e {
        if let Some(u) = model.user_functions.get(*f).filter(|_| *order > 0) {
            let key = format!("{}{}", u.name, "'".repeat(*order as usize));
            out.entry(key).or_insert_with(|| Left::of(model, e));
        }
    }
    e.for_each_child(|c| collect_derivatives(model, c, out));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(p: i64, q: i64) -> BigRational {
        BigRational::new(BigInt::from(p), BigInt::from(q))
    }

    #[test]
    fn points_round_and_print() {
        assert_eq!(Points::round(&ratio(10, 3)).to_string(), "3.33");
        assert_eq!(Points::round(&ratio(15, 2)).to_string(), "7.5");
        assert_eq!(Points::round(&ratio(10, 1)).to_string(), "10");
        assert_eq!(Points::round(&ratio(1, 200)).to_string(), "0.01");
        assert_eq!(Points::round(&ratio(-1, 4)).to_string(), "-0.25");
    }

    #[test]
    fn full_marks_are_exactly_the_worth() {
        let statuses = [StepStatus::Correct; 3];
        let a = award(&ratio(10, 1), &default_shares(), &statuses, true, (2, 2));
        assert_eq!(a.score.to_string(), "10");
        assert_eq!(a.step_credits.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["1.67", "1.67", "1.67"]);
    }

    #[test]
    fn carried_errors_keep_their_step_credit() {
        let statuses = [StepStatus::Correct, StepStatus::Wrong, StepStatus::CarriedForward, StepStatus::Repeat];
        let a = award(&ratio(8, 1), &default_shares(), &statuses, false, (0, 0));
        // (The repeat is not among the three steps the share is divided by.)
        assert_eq!(a.score.to_string(), "2.67");
    }

    #[test]
    fn a_repeat_takes_nothing_from_the_other_steps() {
        let plain = award(&ratio(10, 1), &default_shares(), &[StepStatus::Correct; 2], true, (0, 0));
        let statuses = [StepStatus::Repeat, StepStatus::Correct, StepStatus::Correct];
        let restated = award(&ratio(10, 1), &default_shares(), &statuses, true, (0, 0));
        assert_eq!((plain.score.to_string(), restated.score.to_string()), ("10".to_string(), "10".to_string()));
        assert_eq!(restated.step_credits.iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["0", "2.5", "2.5"]);
    }

    #[test]
    fn a_leap_earns_the_final_share_only() {
        // One right step straight to the answer, past both of the reference's milestones.
        let a = award(&ratio(10, 1), &default_shares(), &[StepStatus::Correct], true, (0, 2));
        assert_eq!(a.score.to_string(), "5");
        // One of two shown: half the steps' share.
        let b = award(&ratio(10, 1), &default_shares(), &[StepStatus::Correct; 2], true, (1, 2));
        assert_eq!(b.score.to_string(), "7.5");
        // With `milestones 0%` the steps' share is the steps' alone.
        let shares = GradingShares { milestones: ratio(0, 1), ..default_shares() };
        let c = award(&ratio(10, 1), &shares, &[StepStatus::Correct], true, (0, 2));
        assert_eq!(c.score.to_string(), "10");
    }
}
