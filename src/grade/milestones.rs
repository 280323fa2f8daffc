//! Credit for shown work: the reference's intermediate steps are milestones that a submission's
//! chain reaches in its own words and its own order of small steps; a leap straight to the answer
//! reaches none of them (docs/grading.md, "Shown work").
//!
//! Two expressions are at the same *stage* of a derivation when they leave the same derivatives
//! unresolved (their [`signature`]), and are *written alike* when they are the same up to the
//! order of terms and factors and the folding of numbers ([`ac_text`]). Values cannot tell stages
//! apart: every step that holds equals the head.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};

use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::policy::{through_definitions, without_constant_factors};
use crate::model::{
    constant_value, entry_text, expr_text, subst_free, subst_locals, whole_entry_text, Builtin, EntryId, EntryKind,
    Expr, Literal, Model,
};
use crate::syntax::ast::BigOp;

impl Milestone {
    /// Whether a step of numbers writes only numbers it may write to reach this milestone by
    /// value: any, unless its value needs a piecewise function; then the sheet's and the values
    /// of the parts of the reference's steps (a reviewer: `6 * 10 / 13` reached clipping's `12 *
    /// min(1, 5 / sqrt(3^2 + 4^2 + 12^2))` with numbers made up, and `2 * 0.1` soft-thresholding's
    /// `sign(0.6) * max(0.6 - 0.4, 0)`; `12 * 5 / sqrt(9 + 16 + 144)` writes the values of `3^2`,
    /// `4^2` and `12^2`).
    fn known(&self, s: &Marks) -> bool {
        let Some(known) = &self.known_numbers else { return true };
        s.literals.iter().all(|&v| {
            v == 0.0
                || v.abs() == 1.0
                || known.iter().any(|&k| (k.abs() - v.abs()).abs() <= 1e-12 * k.abs().max(v.abs()))
        })
    }

    /// Whether it is the derivatives worked out (a step written so), not a stage of them.
    pub fn worked_out(&self) -> bool {
        matches!(self.kind, Kind::Written(..))
    }
}

/// One of the reference's intermediate steps that a submission is expected to show.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// Its position in the reference's chain (1 is the first step after the head).
    pub position: usize,
    /// What it is: a stage of the derivatives, or the derivatives worked out.
    kind: Kind,
    /// How the feedback names it with `--hints`: ``the chain rule through `h[j]`, as in the
    /// reference's step `…` ``.
    pub label: String,
    /// How it names it otherwise, without the reference's step (which a student would read as
    /// the solution: a TA's finding): ``the chain rule through `h[j]` ``, `a step of the
    /// reference (product rule)`.
    pub plain: String,
    /// Whether it is the head's derivative with the sheet's definitions written out (the
    /// reference asks for that step): reached by any step that is, however it is written.
    restates: bool,
    /// Its terms' values, where it is numbers alone (see [`numeric_terms`]), and whether it is a
    /// `≈` step (only then does a term match within the rounding of a number: an `=` step's terms
    /// are matched by their exact values).
    terms: Option<(Vec<Term>, bool)>,
    /// Its terms' values with its piecewise functions of numbers resolved (see [`resolved`]):
    /// `0.6 - 0.4` of soft-thresholding's `sign(0.6) * max(0.6 - 0.4, 0)`.
    resolved_terms: Option<Vec<Term>>,
    /// Where its value needs a piecewise or squashing function of numbers (`min`, `max`, `abs`,
    /// `sign`, `relu`, `sigmoid`, `tanh`), the numbers a step reaching it by value may write: the
    /// sheet's and the values of every part of the reference's steps (`9` of `3^2`, `0.6` of `1 -
    /// 0.2 * 2`); see [`Milestone::known`].
    known_numbers: Option<Vec<f64>>,
    /// How much arithmetic its numbers leave to do (see [`arithmetic`]).
    arithmetic: usize,
    /// The sheet's numbers it writes, where it is numbers alone (see [`put_in`]).
    put_in: BTreeSet<BigRational>,
}

/// A term of a step of numbers alone: its value, and half a unit in the last digit of the one
/// number it is where it is one number written with a decimal point (`0.01754`: a quotient
/// worked out and rounded), else 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    value: f64,
    half: f64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A stage of the chain rule: the derivatives it leaves.
    Stage(BTreeSet<String>),
    /// An expression without derivatives, other than the final answer (the rules applied, before
    /// simplifying): reached by a step written alike, as it is or with the sheet's definitions
    /// written out (`exp(z[i]) / sum(m, exp(z[m]))` for `p[i]`).
    Written(String, String),
}

/// An expression's marks: its stage and how it is written.
#[derive(Debug, Clone)]
pub struct Marks {
    signature: BTreeSet<String>,
    /// It leaves derivatives, and only of unknown nodes (`∂L/∂a[j]`, the upstream gradient a
    /// sheet gives): the rules of everything defined are applied.
    upstream_only: bool,
    written: String,
    /// As written with every definition written out.
    expanded: String,
    /// The variables it differentiates by (`diff(_, x)`), as written.
    targets: BTreeSet<String>,
    /// Where it is one derivative alone, up to a constant factor (`diff(B, x)`, `2 * s'(x)`):
    /// the variables that derivative is by (a primed call's arguments, where each is a variable),
    /// and what it differentiates (see [`Differentiated`]).
    lone: Option<(BTreeSet<String>, Differentiated)>,
    /// Where it is one derivative alone, up to a constant factor: the variable it is by, and what
    /// it differentiates with every definition and function of the sheet written out and its
    /// constant factors left out (see [`undifferentiated`]).
    undifferentiated: Option<(String, String)>,
    /// How it is written with every formula of the sheet written out, its numbers left as
    /// names (`let w0 = 1.0` stays `w0`): a step written so as the head is is the question
    /// asked again, no work (`w0 - lr * m1` for the head `w1`, `wn - diff(3*wn^2 - 2*wn + 1, wn)
    /// / …` for `wn - diff(fq, wn) / …`). `None` past a size.
    restated: Option<String>,
    /// Its value, where it is numbers added up (`3 + 1`, `0.4 + 0.096`): the final answer
    /// written in pieces is still the answer, no step of its own. (A product or a power of
    /// numbers, `2 * (2 - 3) * (-2)` or `(-0.988)^2`, shows a computation: not this.)
    value: Option<BigRational>,
    /// How many numbers other than 1 it multiplies or raises, which its written form folds
    /// (`\frac{1}{2} \cdot 2\mu` has two): more than the answer has, it is a step that shows
    /// that work, though written alike with the answer `μ`.
    numbers: usize,
    /// Its terms' values, where it is numbers alone, of two terms or more (`0.5 - 0.002 /
    /// sqrt(0.013)`).
    terms: Option<Vec<Term>>,
    /// How much arithmetic its numbers leave to do (see [`arithmetic`]).
    arithmetic: usize,
    /// The sheet's numbers it writes, where it is numbers alone (see [`put_in`]).
    put_in: BTreeSet<BigRational>,
    /// The values of the numbers it writes.
    literals: Vec<f64>,
}

impl Marks {
    /// The marks of an expression of `model`, the definitions `own` (a submission's names for its
    /// own intermediates) written out, `sheet` the numbers of the sheet's part (see
    /// [`sheet_numbers_of`]).
    pub fn of(model: &Model, e: &Expr, own: &[EntryId], sheet: &[BigRational]) -> Marks {
        let targets = diff_targets(model, e).into_iter().map(|(_, t)| t).collect();
        let signature = signature(model, e);
        let upstream_only = !signature.is_empty() && only_upstream(model, e);
        let written = ac_text(model, e, own);
        // Written out only where it is compared (no derivative left), and not past a size: a
        // chain of definitions that each read the one before twice doubles at every link.
        let small = expansion_size(model, e, &mut HashMap::new()) <= MAX_EXPANSION;
        let expanded = if signature.is_empty() && small {
            let defined: Vec<EntryId> = (0..model.entries.len())
                .filter(|&id| matches!(model.entries[id].kind, EntryKind::Defined(_)))
                .collect();
            ac_text(model, e, &defined)
        } else {
            written.clone()
        };
        // With the formulas written out and the sheet's numbers left as names: `w0 - lr * m1`
        // and `w0 - lr * (beta * m0 + (1 - beta) * g0)` for the head `w1` are the question asked
        // again; `1.0 - 0.1 * m1` has numbers put in.
        let restated = small.then(|| {
            let formulas: Vec<EntryId> = (0..model.entries.len())
                .filter(
                    |&id| matches!(&model.entries[id].kind, EntryKind::Defined(body) if constant_value(body).is_none()),
                )
                .collect();
            ac_text(model, e, &formulas)
        });
        let undifferentiated = undifferentiated(model, e);
        Marks {
            signature,
            upstream_only,
            written,
            expanded,
            targets,
            lone: lone(model, e),
            undifferentiated,
            restated,
            value: sum_of_numbers(e),
            numbers: numbers_multiplied(e, sheet),
            terms: numeric_terms(e, sheet),
            arithmetic: arithmetic(e),
            put_in: put_in(e, sheet),
            literals: literal_values(e),
        }
    }

    /// Whether it has worked out every derivative (none left but the upstream gradients), in
    /// another form than `answer` is written: where it is a right answer and the reference's step
    /// of derivatives worked out was not reached, the answer may be that work in another form
    /// (`1 - step(…)` for `step(-…)`, three cases for two) or an answer alone.
    pub fn worked_otherwise(&self, answer: &Marks) -> bool {
        (self.signature.is_empty() || self.upstream_only) && !self.is_answer(answer)
    }

    /// Whether it is the answer `answer` written alike, or its value in numbers alone. (Not a
    /// step that multiplies numbers the answer has folded: `\frac{1}{2} \cdot 2\mu` before `μ`
    /// shows the power rule carried out, where it counted as the answer written again and the
    /// reference's step `\frac{1}{2} \frac{\partial \mu^2}{\partial \mu}` as skipped.)
    fn is_answer(&self, answer: &Marks) -> bool {
        (self.written == answer.written && self.numbers <= answer.numbers)
            || (self.value.is_some() && self.value == answer.value)
    }

    /// Whether a step with these marks is at the stage of the head `head`: it leaves the head's
    /// derivatives, or it is one derivative by the head's variables alone — the question asked
    /// again in other words (`s'(x)` or `diff(sigmoid(x), x)` for `diff(s(x), x)`).
    fn at_stage_of(&self, head: &Marks) -> bool {
        let same = !head.signature.is_empty() && self.signature == head.signature;
        // (By the head's variables exactly: `diff(g, y)` for the head `diff(diff(f, x), y)` has
        // the inner derivative worked out; and of the head's quantity, or of one function of
        // the variables alone: `diff(2*log(x) + x, x)` for `diff(log(x^2 * exp(x)), x)` has the
        // rules of `log` applied.)
        let restated = self.lone.as_ref().is_some_and(|(by, what)| {
            !by.is_empty()
                && *by == head.targets
                && match what {
                    Differentiated::Function => true,
                    Differentiated::Written(w) => {
                        head.lone.as_ref().is_some_and(|(_, h)| *h == Differentiated::Written(w.clone()))
                    }
                }
        });
        // The head's own derivative with the sheet's definitions written out, or its terms and
        // constant factors moved (`diff(1/(1 + exp(-x)), x)` for `diff(s(x), x)`,
        // `-diff(sum(k, …), a[i])` for `diff(H, a[i])`): nothing is differentiated yet.
        let unworked = self.undifferentiated.is_some() && self.undifferentiated == head.undifferentiated;
        same || restated || unworked || self.restates(head)
    }

    /// Whether it is the head with the sheet's formulas written out (see [`Marks::restated`]).
    fn restates(&self, head: &Marks) -> bool {
        self.restated.is_some() && self.restated == head.restated
    }
}

/// Where `e` is one derivative alone, up to a constant factor (`diff(B, x)`, `-1 * diff(B, x)`):
/// the variable it is by, and `B` with every definition and function of the sheet written out,
/// without its constant factors, as [`ac_text`] writes it. `None` past a size.
fn undifferentiated(model: &Model, e: &Expr) -> Option<(String, String)> {
    let budget = Cell::new(MAX_EXPANSION);
    let (body, by) = match without_numbers(e) {
        Expr::Diff(body, by) => (written_out(model, body, &RefCell::new(Vec::new()), &budget), by),
        // A factor that does not change with the variable moved out of the derivative (`G *
        // diff(log(p[a]), th[b])` for `diff(G * log(p[a]), th[b])`, `G` an input): moved back
        // in, nothing is differentiated yet (a TA: it took 0.7 of 3 as a step of its own).
        other => {
            let (mut coefficient, mut num, mut den) = (BigRational::one(), Vec::new(), Vec::new());
            factors(other, false, &mut coefficient, &mut num, &mut den);
            let at = num.iter().position(|f| matches!(f, Expr::Diff(..)))?;
            let Expr::Diff(inner, by) = num.remove(at) else { return None };
            let fixed = |f: &&Expr| {
                let mut read = Vec::new();
                crate::model::entries_read(f, &mut read);
                !f.contains_diff()
                    && read.iter().all(|&id| id != by.entry && matches!(model.entries[id].kind, EntryKind::Input(_)))
            };
            if !num.iter().chain(&den).all(fixed) {
                return None;
            }
            let mut body = written_out(model, inner, &RefCell::new(Vec::new()), &budget);
            for f in num {
                body = Expr::Mul(Box::new(f.clone()), Box::new(body));
            }
            for f in den {
                body = Expr::Div(Box::new(body), Box::new(f.clone()));
            }
            (body, by)
        }
    };
    if budget.get() == 0 {
        return None;
    }
    Some((entry_text(model, by), unscaled_text(model, &body)))
}

/// The builtins an expression applies, as written (with the order of their derivatives).
pub fn builtins_used(e: &Expr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        if let Expr::Builtin(b, order, _) = x {
            out.insert(format!("{b:?}{order}"));
        }
        x.for_each_child(|c| stack.push(c));
    }
    out
}

/// `e` without its constant factors (`-2 * x / 3` is `x`, `-(1/u)` is `1/u`), where one factor
/// is left, and without numbers added to it (`u + 7` is `u`: what a derivative makes 0).
fn without_numbers(e: &Expr) -> &Expr {
    let mut e = e;
    loop {
        let next = match e {
            Expr::Neg(a) => a,
            Expr::Add(a, b) | Expr::Sub(a, b) if constant_value(b).is_some() => a,
            Expr::Add(a, b) if constant_value(a).is_some() => b,
            _ => {
                let (mut coefficient, mut num, mut den) = (BigRational::one(), Vec::new(), Vec::new());
                factors(e, false, &mut coefficient, &mut num, &mut den);
                match (num.as_slice(), den.is_empty()) {
                    ([one], true) if !coefficient.is_zero() => *one,
                    _ => return e,
                }
            }
        };
        if std::ptr::eq(next, e) {
            return e;
        }
        e = next;
    }
}

/// The values of the terms of a step of numbers alone with two terms or more, in order of value
/// (`0.5 - 0.002 / sqrt(0.013)` is 0.5 and -0.0175…): the numbers of a term count by their value,
/// whatever arithmetic inside it is done (`0.01 * 0.2 / sqrt(0.9 * 0.01 + 0.1 * 0.2^2)`, `0.002 /
/// sqrt(0.013)` and, rounded, `0.01754`), as a product's do in [`ac_text`]; terms are not added.
fn numeric_terms(e: &Expr, sheet: &[BigRational]) -> Option<Vec<Term>> {
    let mut terms = Vec::new();
    signed_terms(e, false, &mut terms);
    if terms.len() < 2 && !terms.first().is_some_and(|(_, t)| computed(t)) {
        return None;
    }
    let mut out: Vec<Term> = terms
        .into_iter()
        .map(|(negative, t)| {
            let value = closed_value(t).filter(|v| v.is_finite())?;
            // (Not a number the sheet gives, `0.5` of `let w0 = 0.5`: it is exact.)
            let half = match t {
                Expr::Const(l) if l.point && !written_on_the_sheet(&l.value, sheet) => {
                    l.half_unit.as_ref().and_then(ToPrimitive::to_f64).unwrap_or(0.0)
                }
                _ => 0.0,
            };
            Some(Term { value: if negative { -value } else { value }, half })
        })
        .collect::<Option<_>>()?;
    // A term 0 is no term: `0 - 4 / 10` is the answer `-0.4` made up as a quotient, not the
    // reference's `0 - 0.5 / 1.25` from `w = 0` (a TA: 3 of a fair 1.2, unflagged).
    let computing = terms_computed(e);
    out.retain(|t| t.value != 0.0 || t.half != 0.0);
    if out.len() < 2 && !(out.len() == 1 && computing) {
        return None;
    }
    out.sort_by(|a, b| a.value.total_cmp(&b.value));
    Some(out)
}

/// Whether a term of numbers is a computation of two numbers or more other than 0 and 1 (a
/// product, a root, a quotient of decimals: `sqrt(0.9 * 0.8) * 2`), so that a step of one such
/// term is compared by its value as a sum's terms are (a TA: DDPM's mean `sqrt(0.9 * 0.8) * 2` was
/// told it skipped the reference's `sqrt((1 - 0.1) * (1 - 0.2)) * 2`, 1.05 of a fair 1.5); the
/// answer alone, `0.496 * 1` and a quotient of whole numbers are not.
fn computed(t: &Expr) -> bool {
    let mut n = 0;
    each_literal(t, &mut |v| n += usize::from(!v.is_zero() && !v.abs().is_one()));
    arithmetic(t) > 0 && n >= 2 && closed_value(t).is_some()
}

/// Calls `f` with the value of every number `e` writes, in order.
fn each_literal(e: &Expr, f: &mut impl FnMut(&BigRational)) {
    if let Expr::Const(l) = e {
        f(&l.value);
    }
    e.for_each_child(|c| each_literal(c, f));
}

/// Whether the one term other than 0 of a step of numbers is [`computed`] (`0 + sqrt(0.9 * 0.8)`).
fn terms_computed(e: &Expr) -> bool {
    let mut terms = Vec::new();
    signed_terms(e, false, &mut terms);
    let nonzero: Vec<&Expr> =
        terms.into_iter().map(|(_, t)| t).filter(|t| closed_value(t).is_none_or(|v| v != 0.0)).collect();
    matches!(nonzero.as_slice(), [t] if computed(t))
}

/// The numbers of the sheet (other than 0 and 1) that a step of numbers alone writes: where the
/// submission's first such step writes every one that the reference's first such step writes, it
/// puts the numbers in as that step does, in another arrangement (a TA: Q-learning's `(1 - 0.5) *
/// 0.2 + 0.5 * (1 + 0.9 * 0.7)` was told it skipped `0.2 + 0.5 * (1 + 0.9 * 0.7 - 0.2)`, 1.4 of
/// 2 for the textbook's form; so was AdamW's decay taken first). Empty for other steps.
fn put_in(e: &Expr, sheet: &[BigRational]) -> BTreeSet<BigRational> {
    fn walk(e: &Expr, sheet: &[BigRational], out: &mut BTreeSet<BigRational>, alone: &mut bool) {
        match e {
            Expr::Const(l) => {
                if !l.value.is_zero() && !l.value.abs().is_one() && written_on_the_sheet(&l.value, sheet) {
                    out.insert(l.value.abs());
                }
            }
            Expr::Neg(_) | Expr::Add(..) | Expr::Sub(..) | Expr::Mul(..) | Expr::Div(..) | Expr::Pow(..) => {}
            Expr::Builtin(_, 0, _) => {}
            _ => *alone = false,
        }
        e.for_each_child(|c| walk(c, sheet, out, alone));
    }
    let (mut out, mut alone) = (BTreeSet::new(), true);
    walk(e, sheet, &mut out, &mut alone);
    if alone {
        out
    } else {
        BTreeSet::new()
    }
}

/// How many operations on numbers an expression writes (`+`, `-`, `*`, `/`, `^`, `sqrt`, …; a
/// quotient of two whole numbers, `2/1000`, is a number, and a sign is none): how much arithmetic
/// a step of numbers leaves to do. A step whose terms have a milestone's values has done that
/// milestone's arithmetic when it leaves no more (see [`cover`]).
fn arithmetic(e: &Expr) -> usize {
    // (A sign is none: `-4 / 10` is read `(-4) / 10`, a number.)
    fn whole(e: &Expr) -> bool {
        match e {
            Expr::Const(l) => !l.point && l.value.is_integer(),
            Expr::Neg(a) => whole(a),
            _ => false,
        }
    }
    match e {
        Expr::Const(_) => 0,
        Expr::Neg(a) => arithmetic(a),
        Expr::Div(a, b) if whole(a) && whole(b) => 0,
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
            1 + arithmetic(a) + arithmetic(b)
        }
        Expr::Builtin(_, _, args) => 1 + args.iter().map(arithmetic).sum::<usize>(),
        _ => 0,
    }
}

/// Whether two steps of numbers have the same terms: equal values (to within floats), or where
/// `rounded` (a `≈` milestone) to within the rounding of a term that is one rounded number.
fn same_terms(a: &[Term], b: &[Term], rounded: bool) -> bool {
    let slack = |x: &Term, y: &Term| if rounded { x.half + y.half } else { 0.0 };
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.value - y.value).abs() <= slack(x, y) + 1e-12 * x.value.abs().max(y.value.abs()))
}

/// An expression of numbers with its piecewise functions of numbers resolved to the piece they
/// take (`max(0.6 - 0.4, 0)` is `0.6 - 0.4`, `sign(0.6)` is 1 and drops out of a product,
/// `abs(-0.3)` is `-(-0.3)`, `relu(0.2)` is `0.2`, `min(1, 5 / 13)` is `5 / 13`), exactly where
/// the values are exact and a piece is taken strictly; `None` where it has none to resolve.
fn resolved(e: &Expr) -> Option<Expr> {
    fn exact(e: &Expr) -> Option<BigRational> {
        constant_value(e)
    }
    fn one(e: &Expr) -> bool {
        matches!(e, Expr::Const(l) if l.value.is_one())
    }
    fn minus_one(e: &Expr) -> bool {
        matches!(e, Expr::Const(l) if (-l.value.clone()).is_one())
    }
    fn walk(e: &Expr, changed: &mut bool) -> Option<Expr> {
        let arg = |args: &[Expr], k: usize, changed: &mut bool| walk(&args[k], changed);
        Some(match e {
            Expr::Builtin(b @ (Builtin::Max | Builtin::Min), 0, args) if args.len() == 2 => {
                let (x, y) = (exact(&args[0])?, exact(&args[1])?);
                if x == y {
                    return None;
                }
                *changed = true;
                let first = (x > y) == (*b == Builtin::Max);
                arg(args, if first { 0 } else { 1 }, changed)?
            }
            Expr::Builtin(Builtin::Abs | Builtin::Relu | Builtin::Sign, 0, args) if args.len() == 1 => {
                let x = exact(&args[0])?;
                if x.is_zero() {
                    return None;
                }
                *changed = true;
                match (e, x.is_positive()) {
                    (Expr::Builtin(Builtin::Sign, ..), positive) => Expr::Const(Box::new(Literal {
                        value: if positive { BigRational::one() } else { -BigRational::one() },
                        half_unit: None,
                        point: false,
                    })),
                    (_, true) => arg(args, 0, changed)?,
                    (Expr::Builtin(Builtin::Relu, ..), false) => {
                        Expr::Const(Box::new(Literal { value: BigRational::zero(), half_unit: None, point: false }))
                    }
                    (_, false) => Expr::Neg(Box::new(arg(args, 0, changed)?)),
                }
            }
            Expr::Mul(a, b) => {
                let (a, b) = (walk(a, changed)?, walk(b, changed)?);
                // (`sign(-0.6)` is -1: the product is the negation, `-(0.6 - 0.4)`, a reviewer.)
                match (one(&a), one(&b), minus_one(&a), minus_one(&b)) {
                    (true, ..) => b,
                    (_, true, ..) => a,
                    (_, _, true, _) => Expr::Neg(Box::new(b)),
                    (_, _, _, true) => Expr::Neg(Box::new(a)),
                    _ => Expr::Mul(Box::new(a), Box::new(b)),
                }
            }
            Expr::Neg(a) => Expr::Neg(Box::new(walk(a, changed)?)),
            Expr::Add(a, b) => Expr::Add(Box::new(walk(a, changed)?), Box::new(walk(b, changed)?)),
            Expr::Sub(a, b) => Expr::Sub(Box::new(walk(a, changed)?), Box::new(walk(b, changed)?)),
            Expr::Div(a, b) => Expr::Div(Box::new(walk(a, changed)?), Box::new(walk(b, changed)?)),
            other => other.clone(),
        })
    }
    let mut changed = false;
    let out = walk(e, &mut changed)?;
    changed.then_some(out)
}

/// Whether an expression has a piecewise or squashing function of the table (`min`, `max`,
/// `abs`, `sign`, `relu`, `sigmoid`, `tanh`), whose value a milestone of numbers needs.
fn piecewise(e: &Expr) -> bool {
    let mut found = matches!(
        e,
        Expr::Builtin(
            Builtin::Min
                | Builtin::Max
                | Builtin::Abs
                | Builtin::Sign
                | Builtin::Relu
                | Builtin::Sigmoid
                | Builtin::Tanh,
            ..
        )
    );
    e.for_each_child(|c| found |= piecewise(c));
    found
}

/// The values of every part of an expression that is numbers alone, into `out`.
fn part_values(e: &Expr, out: &mut Vec<f64>) {
    if let Some(v) = closed_value(e).filter(|v| v.is_finite()) {
        out.push(v);
    }
    e.for_each_child(|c| part_values(c, out));
}

/// The values of the numbers an expression writes.
fn literal_values(e: &Expr) -> Vec<f64> {
    let mut out = Vec::new();
    each_literal(e, &mut |v| out.extend(v.to_f64()));
    out
}

/// The value of an expression of numbers, arithmetic, roots, `exp`, `log` and the piecewise and
/// squashing functions, as a float.
fn closed_value(e: &Expr) -> Option<f64> {
    Some(match e {
        Expr::Const(l) => l.value.to_f64()?,
        Expr::Neg(a) => -closed_value(a)?,
        Expr::Add(a, b) => closed_value(a)? + closed_value(b)?,
        Expr::Sub(a, b) => closed_value(a)? - closed_value(b)?,
        Expr::Mul(a, b) => closed_value(a)? * closed_value(b)?,
        Expr::Div(a, b) => closed_value(a)? / closed_value(b)?,
        Expr::Pow(a, b) => closed_value(a)?.powf(closed_value(b)?),
        // The functions of the table a sheet of numbers writes, at their values (`min(1, 5 /
        // sqrt(169))`, `abs(-0.5)`): a
        // clipping sheet's `12 * min(1, 5 / sqrt(3^2 + 4^2 + 12^2))` is a term of value 60/13, and
        // `12 * 5 / sqrt(9 + 16 + 144)` reaches it (a TA: it was told it skipped that step).
        Expr::Builtin(b, 0, args) => {
            let args = args.iter().map(closed_value).collect::<Option<Vec<f64>>>()?;
            match (b, args.as_slice()) {
                (Builtin::Sqrt, [x]) if *x >= 0.0 => x.sqrt(),
                (Builtin::Exp, [x]) => x.exp(),
                (Builtin::Log, [x]) if *x > 0.0 => x.ln(),
                (Builtin::Abs, [x]) => x.abs(),
                (Builtin::Relu, [x]) => x.max(0.0),
                (Builtin::Sign, [x]) => {
                    if *x == 0.0 {
                        0.0
                    } else {
                        x.signum()
                    }
                }
                (Builtin::Max, [x, y]) => x.max(*y),
                (Builtin::Min, [x, y]) => x.min(*y),
                (Builtin::Sigmoid, [x]) => 1.0 / (1.0 + (-x).exp()),
                (Builtin::Tanh, [x]) => x.tanh(),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// The value of a sum of numbers written out (`3 + 1`, `1 - 0.504`), exactly.
fn sum_of_numbers(e: &Expr) -> Option<BigRational> {
    match e {
        Expr::Const(l) => Some(l.value.clone()),
        Expr::Neg(a) => Some(-sum_of_numbers(a)?),
        Expr::Add(a, b) => Some(sum_of_numbers(a)? + sum_of_numbers(b)?),
        Expr::Sub(a, b) => Some(sum_of_numbers(a)? - sum_of_numbers(b)?),
        _ => None,
    }
}

/// `e` with every definition it reads (`H`, `p[k]`) and every call of a function the sheet
/// defines (`s(x)`) written out; a definition inside itself (`open`: a recurrence) is left as it
/// is. Each node spends one of `budget`; at 0 the rest is left as it is.
fn written_out(model: &Model, e: &Expr, open: &RefCell<Vec<EntryId>>, budget: &Cell<usize>) -> Expr {
    if budget.get() == 0 {
        return e.clone();
    }
    budget.set(budget.get() - 1);
    match e {
        Expr::Entry(r) if !open.borrow().contains(&r.entry) => match &model.entries[r.entry].kind {
            EntryKind::Defined(body) => {
                let slots: Vec<_> = model.entries[r.entry].range_slots().collect();
                let map: Vec<_> = slots.into_iter().zip(r.args.iter().cloned()).collect();
                open.borrow_mut().push(r.entry);
                let out = written_out(model, &subst_free(body, &map), open, budget);
                open.borrow_mut().pop();
                out
            }
            _ => e.clone(),
        },
        Expr::Apply(f, 0, args) if *f < model.user_functions.len() => {
            let args: Vec<Expr> = args.iter().map(|a| written_out(model, a, open, budget)).collect();
            written_out(model, &subst_locals(&model.user_functions[*f].body, &args), open, budget)
        }
        _ => e.map_children(|c| written_out(model, c, open, budget)),
    }
}

/// The most nodes an expression with its definitions written out may have to be compared so.
const MAX_EXPANSION: usize = 4_000;

/// How many nodes `e` has with every definition it reads written out (each definition as often as
/// it is read; a definition read inside itself, a recurrence, counts once).
fn expansion_size(model: &Model, e: &Expr, memo: &mut HashMap<EntryId, usize>) -> usize {
    let mut n = 1usize;
    if let Expr::Entry(r) = e {
        if let EntryKind::Defined(body) = &model.entries[r.entry].kind {
            let size = match memo.get(&r.entry) {
                Some(&size) => size,
                None => {
                    memo.insert(r.entry, 1);
                    let size = expansion_size(model, body, memo);
                    memo.insert(r.entry, size);
                    size
                }
            };
            n = n.saturating_add(size);
        }
    }
    e.for_each_child(|c| n = n.saturating_add(expansion_size(model, c, memo)));
    n.min(MAX_EXPANSION + 1)
}

/// The variables of one derivative standing alone (up to a constant factor and a sign): a `diff`,
/// or a primed call of a builtin or a course's function whose arguments are variables.
fn lone(model: &Model, e: &Expr) -> Option<(BTreeSet<String>, Differentiated)> {
    let variables = |args: &[Expr]| -> Option<BTreeSet<String>> {
        args.iter()
            .map(|a| match a {
                Expr::Entry(r) => Some(entry_text(model, r)),
                _ => None,
            })
            .collect()
    };
    match without_constant_factors(e) {
        Expr::Diff(body, t) => {
            let what = match &**body {
                Expr::Apply(_, 0, args) | Expr::Builtin(_, 0, args) if variables(args).is_some() => {
                    Differentiated::Function
                }
                _ => Differentiated::Written(ac_text(model, body, &[])),
            };
            Some((BTreeSet::from([entry_text(model, t)]), what))
        }
        Expr::Apply(_, order, args) | Expr::Builtin(_, order, args) if *order > 0 => {
            Some((variables(args)?, Differentiated::Function))
        }
        _ => None,
    }
}

/// What a derivative standing alone differentiates.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Differentiated {
    /// A function of variables alone (`sigmoid(x)`, `s(x)`, or the function of a primed call).
    Function,
    /// Anything else, as written (see [`ac_text`]).
    Written(String),
}

/// A step of the reference: its expression, its note, and its text as the reference writes it.
pub struct ReferenceStep<'a> {
    pub expr: &'a Expr,
    pub note: Option<&'a str>,
    pub written: Option<&'a str>,
    /// Written with `≈`: its numbers are rounded, and a step's rounded numbers may match them
    /// within their rounding.
    pub approx: bool,
}

/// The reference's milestones, from its head, its steps and the notes of its steps.
///
/// - A step that leaves other derivatives than the head and the final answer is a stage of the
///   chain rule (one milestone per stage, however many steps it takes).
/// - A step without derivatives (or with only those the final answer leaves: the upstream
///   gradient), written otherwise than the final answer, shows the derivatives worked out
///   before the answer is simplified: when the head has a derivative, the first such
///   step is one milestone (the simplifications after it are the student's own); when it has
///   none (algebra, numbers), each is.
pub fn milestones(model: &Model, head: &Expr, steps: &[ReferenceStep]) -> Vec<Milestone> {
    let Some((last, between)) = steps.split_last() else { return Vec::new() };
    let last = last.expr;
    let sheet = sheet_numbers_of(model, head);
    let head_marks = Marks::of(model, head, &[], &sheet);
    let final_marks = Marks::of(model, last, &[], &sheet);
    let head_targets: Vec<usize> = diff_targets(model, head).into_iter().map(|(id, _)| id).collect();
    // The numbers a step may write on its way to a milestone of piecewise functions: the sheet's,
    // and the values of the parts of the reference's steps.
    let mut known: Vec<f64> = sheet.iter().filter_map(ToPrimitive::to_f64).collect();
    for step in steps {
        part_values(step.expr, &mut known);
    }
    let mut out: Vec<Milestone> = Vec::new();
    // The first step of bookkeeping (below), a milestone only where the reference asks for no
    // other work: its one shown step (`-1/2 * sum(q, -2 * mu[q] * delta(q, l))` before `mu[l]`).
    // Each with its position, its kind and whether it restates the head (its marks read once).
    let mut bookkeeping: Option<(usize, Kind, bool)> = None;
    let mut candidates: Vec<(usize, Kind, bool)> = Vec::new();
    for (k, step) in between.iter().enumerate() {
        let e = step.expr;
        let marks = Marks::of(model, e, &[], &sheet);
        let restates = (marks.undifferentiated.is_some() && marks.undifferentiated == head_marks.undifferentiated)
            || marks.restates(&head_marks);
        // A derivative the final answer leaves too (the upstream gradient `∂L/∂a[j]` of a
        // backpropagation sheet) is given, not work left: a step that leaves only those has the
        // rules applied (the softmax's Jacobian, `∂x̂/∂x` of layer norm), as a step with no
        // derivative has. (Before 6 December it was no milestone at all, and a chain rule written
        // straight before the answer scored the whole part: a TA's attention and layer norm.)
        // (Not one that is the answer with a factor on the other side of a sum's sign: the
        // forget gate's `sum(c, zeta[c,t] * s[c,t-1] * f_phi'(net_phi[t]))` before
        // `f_phi'(net_phi[t]) * sum(c, zeta[c,t] * s[c,t-1])` asks for no work of its own.)
        let given = !marks.signature.is_empty()
            && marks.signature == final_marks.signature
            && marks.signature != head_marks.signature
            && ac_text(model, &factors_out(e), &[]) != ac_text(model, &factors_out(last), &[]);
        let kind = if !marks.signature.is_empty() && !given {
            if marks.signature == head_marks.signature || marks.signature == final_marks.signature {
                continue;
            }
            Kind::Stage(marks.signature)
        } else {
            if marks.written == final_marks.written {
                continue;
            }
            let worked_out_before = candidates.iter().any(|(_, m, _)| matches!(m, Kind::Written(..)));
            if worked_out_before && !head_marks.signature.is_empty() {
                continue;
            }
            let kind = Kind::Written(marks.written, marks.expanded);
            if sums_out_a_delta(e) || final_with_primes(model, e, last) {
                if bookkeeping.is_none() {
                    bookkeeping = Some((k, kind, restates));
                }
                continue;
            }
            kind
        };
        candidates.push((k, kind, restates));
    }
    if candidates.is_empty() {
        candidates.extend(bookkeeping);
    }
    for (k, kind, restates) in candidates {
        let step = &between[k];
        let (e, note) = (step.expr, step.note);
        if out.iter().any(|m| m.kind == kind) {
            continue;
        }
        // Named by the derivatives this stage brings in (BPTT's second stage, `∂h1/∂w`, goes
        // through `h1`; named by every derivative it leaves, it was "through `h2`", which the
        // stage before brought in: a TA's sheet), else by every one it leaves.
        let before = if k == 0 { head } else { between[k - 1].expr };
        // (A stage that brings in only derivatives of expressions, `∂tanh(w x)/∂w`, goes through
        // no name: it is said as the reference's step, not by the names it leaves.)
        let through: Vec<String> = match stage_through(model, e, before, &head_targets) {
            Some(new) => new,
            None => diff_targets(model, e)
                .into_iter()
                .filter(|(id, _)| !head_targets.contains(id))
                .map(|(_, t)| format!("`{t}`"))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        // As the reference writes it (`0.5 - 0.001 * 4`, not `1/2 - 1/1000*4`).
        let quoted = format!("`{}`", step.written.map_or_else(|| expr_text(model, e), str::to_string));
        let (label, plain) = match (note, matches!(kind, Kind::Stage(_)) && !through.is_empty()) {
            (_, true) => (
                format!("the chain rule through {}, as in the reference's step {quoted}", through.join(", ")),
                format!("the chain rule through {}", through.join(", ")),
            ),
            (Some(note), false) => {
                (format!("the reference's step {quoted} ({note})"), format!("a step of the reference ({note})"))
            }
            (None, false) => (format!("the reference's step {quoted}"), "a step of the reference".to_string()),
        };
        let terms = numeric_terms(e, &sheet).map(|t| (t, step.approx));
        let resolved_terms = resolved(e).and_then(|r| numeric_terms(&r, &sheet));
        let known_numbers = piecewise(e).then(|| known.clone());
        let put_in = put_in(e, &sheet);
        out.push(Milestone {
            position: k + 1,
            kind,
            label,
            plain,
            restates,
            terms,
            resolved_terms,
            known_numbers,
            arithmetic: arithmetic(e),
            put_in,
        });
    }
    out
}

/// Whether a step is the final answer with the derivatives of builtins left as primes, up to the
/// sheet's definitions (`((W2ᵀ * (yhat - y)) ⊙ tanh'(z1)) * xᵀ` before `((W2ᵀ * (yhat - y)) ⊙ (1 -
/// h^2)) * xᵀ`): writing `tanh'` out is the student's own simplification, and a chain that wrote
/// `1 - h^2` from the start has not skipped it (a tester's finding: a fully shown matrix MLP lost
/// a quarter of a part against a reference from `derive`, which writes such a step at every
/// builtin).
fn final_with_primes(model: &Model, e: &Expr, last: &Expr) -> bool {
    fn primes_written_out(e: &Expr) -> Expr {
        use crate::model::Builtin as B;
        let call = |b: B, x: &Expr| Expr::Builtin(b, 0, vec![x.clone()]);
        let int = |v: i64| {
            Box::new(Expr::Const(Box::new(crate::model::Literal {
                value: BigRational::from_integer(v.into()),
                half_unit: None,
                point: false,
            })))
        };
        let one = || int(1);
        match e {
            // The derivatives a course writes out, as `derive` writes them (`σ' = σ(1 − σ)`).
            Expr::Builtin(b, 1, args) if args.len() == 1 => {
                let x = primes_written_out(&args[0]);
                match b {
                    B::Tanh => Expr::Sub(one(), Box::new(Expr::Pow(Box::new(call(B::Tanh, &x)), int(2)))),
                    B::Sigmoid => Expr::Mul(
                        Box::new(call(B::Sigmoid, &x)),
                        Box::new(Expr::Sub(one(), Box::new(call(B::Sigmoid, &x)))),
                    ),
                    B::Exp => call(B::Exp, &x),
                    B::Log => Expr::Div(one(), Box::new(x)),
                    B::Relu => call(B::Step, &x),
                    B::Softplus => call(B::Sigmoid, &x),
                    _ => e.map_children(primes_written_out),
                }
            }
            _ => e.map_children(primes_written_out),
        }
    }
    let size = |x: &Expr| expansion_size(model, x, &mut HashMap::new());
    if size(e) > MAX_EXPANSION || size(last) > MAX_EXPANSION {
        return false;
    }
    let out = |x: &Expr| {
        let whole = written_out(model, x, &RefCell::new(Vec::new()), &Cell::new(MAX_EXPANSION));
        primes_written_out(&whole)
    };
    let (step, answer) = (out(e), out(last));
    ac_text(model, &step, &[]) == ac_text(model, &answer, &[])
}

/// Whether an expression has a Kronecker delta of a `sum`'s own index inside that sum
/// (`sum(j2, delta(j2, j) * h[j2])`): the derivative of a definition written out element by
/// element, which the next step sums out. No sheet asks a student to write it, and `derive`
/// writes one at every definition: such a step is no milestone (a tester's finding: a reference
/// from `derive` took a quarter of a part from a fully shown textbook derivation, "it skips the
/// reference's step `(yhat - y) * sum(j2 in 1..m, delta(j2, j) * h[j2])`").
fn sums_out_a_delta(e: &Expr) -> bool {
    // A factor of the summand (`delta(j2, j) * h[j2]`; not the softmax's `y[k] * (delta(k, i) -
    // p[i])`, a step a sheet writes).
    fn delta_of(e: &Expr, bound: crate::model::BoundId) -> bool {
        let of = |ix: &crate::model::Ix| ix.terms.iter().any(|&(_, v)| v == crate::model::IxVar::Bound(bound));
        match e {
            Expr::Delta(a, b) => of(a) || of(b),
            Expr::Mul(a, b) => delta_of(a, bound) || delta_of(b, bound),
            Expr::Neg(a) => delta_of(a, bound),
            _ => false,
        }
    }
    if let Expr::Big(BigOp::Sum, bound, body) = e {
        if delta_of(body, *bound) {
            return true;
        }
    }
    let mut any = false;
    e.for_each_child(|c| any = any || sums_out_a_delta(c));
    any
}

/// How far a submission's chain shows the reference's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// How many milestones it reaches.
    pub reached: usize,
    /// How many there are.
    pub total: usize,
    /// Whether each milestone is reached, in the order given.
    pub each: Vec<bool>,
    /// For each step of the submission, the milestones it skips (their labels): on the first step
    /// after them that shows where the chain is.
    pub skipped: Vec<Vec<String>>,
}

/// Which milestones a chain reaches. `steps` are the marks of the submission's steps, with
/// `head` the marks of the head it was checked from, `reference_final`
/// those of the reference's final answer.
///
/// A milestone is reached by a step at its stage (a stage), or written alike (the derivatives
/// worked out). The steps that reach none — in between, not written like the final answer or
/// like each other, not at the head's stage — are the student's own route: each reaches one of
/// the milestones left, in order. What is left after that was skipped. Right or wrong: a wrong
/// step loses its own credit, not the work it shows (else a slip in a step that stands for a
/// stage the reference writes out would be charged twice, on the step and on every other step's
/// share).
pub fn cover(
    milestones: &[Milestone],
    head: &Marks,
    steps: &[Marks],
    reference_final: &Marks,
    stopped: bool,
    wrong: &[bool],
    hints: bool,
) -> Coverage {
    let mut skipped = vec![Vec::new(); steps.len()];
    if milestones.is_empty() || steps.is_empty() {
        return Coverage {
            reached: milestones.len(),
            total: milestones.len(),
            each: vec![true; milestones.len()],
            skipped,
        };
    }
    // With the definitions written out only on the way to the answer: the answer itself written
    // with a definition (`p - y` for `exp(a)/(1 + exp(a)) - y`) is the leap to it.
    let last_at = steps.len() - 1;
    let unworked =
        |s: &Marks| (s.undifferentiated.is_some() && s.undifferentiated == head.undifferentiated) || s.restates(head);
    // (Not the head restated, written out to a reference's step of numbers put in: `w0 - lr *
    // m1` reached the reference's `1.0 - 0.1 * (0.9 * 0.2 + 0.1 * 0.5)`, and written twice before
    // the answer took the whole part; a TA.)
    let alike = |m: &Milestone, s: &Marks, at: usize| match &m.kind {
        Kind::Stage(sig) => s.signature == *sig || (m.restates && unworked(s)),
        Kind::Written(w, expanded) => {
            s.written == *w
                || (m.restates && s.restates(head))
                || (at != last_at && s.expanded == *expanded && !s.restates(head))
        }
    };
    // (Or the terms of the milestone with its piecewise functions of numbers resolved: `0.6 - 0.4`
    // is soft-thresholding's `sign(0.6) * max(0.6 - 0.4, 0)` on its positive branch, the step
    // most students write; it was told it skipped that step, 1.4 of a fair 2 for 5 students of a
    // TA's sheet.)
    let same_values = |m: &Milestone, s: &Marks| {
        matches!(m.kind, Kind::Written(..))
            && m.known(s)
            && m.terms.as_ref().zip(s.terms.as_deref()).is_some_and(|((a, rounded), b)| {
                same_terms(a, b, *rounded) || m.resolved_terms.as_deref().is_some_and(|r| same_terms(r, b, *rounded))
            })
    };
    // The milestones each step reaches: those it is written like, and of the milestones of
    // numbers whose terms have its values, those whose arithmetic it has done (it leaves no more
    // to do), and the next one too where it has done more than each of those (a step of its own
    // route between two). A step that only puts the numbers in does not reach the reference's
    // next step with the same terms' values, the inner arithmetic done (a TA: `2.0 - 0.1 * (0.9 *
    // 0.3 - 0.4)` alone reached the velocity worked out too, and took more than the right answer).
    let mut hits: Vec<Vec<usize>> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // (Numbers are folded in how a step is written: `2.0 - 0.1 * (0.9 * 0.3 - 0.4)` is
            // written like `2.0 - 0.1 * (-0.13)`. Between two steps of numbers alone, what counts
            // is the arithmetic.)
            let numbers = |k: usize| s.terms.is_some() && milestones[k].terms.is_some();
            let mut out: Vec<usize> =
                (0..milestones.len()).filter(|&k| !numbers(k) && alike(&milestones[k], s, i)).collect();
            let valued: Vec<usize> = (0..milestones.len())
                .filter(|&k| numbers(k) && (alike(&milestones[k], s, i) || same_values(&milestones[k], s)))
                .collect();
            let done: Vec<usize> =
                valued.iter().copied().filter(|&k| milestones[k].arithmetic >= s.arithmetic).collect();
            if done.is_empty() {
                // (More written out than any of them: the first, the numbers put in.)
                out.extend(valued.first());
            } else {
                let past = done.iter().all(|&k| milestones[k].arithmetic > s.arithmetic);
                let after = done.iter().map(|&k| milestones[k].position).max().unwrap_or(0);
                out.extend(&done);
                if past {
                    out.extend(valued.iter().copied().find(|&k| milestones[k].position > after));
                }
            }
            out
        })
        .collect();
    // The submission's first step of numbers alone puts the numbers in, as the reference's first
    // does, where it writes every sheet's number that one writes (see [`put_in`]), in whatever
    // arrangement of the formula.
    if let (Some(i), Some(k)) =
        (steps.iter().position(|s| !s.put_in.is_empty()), milestones.iter().position(|m| !m.put_in.is_empty()))
    {
        if milestones[k].put_in.is_subset(&steps[i].put_in) && !hits[i].contains(&k) {
            hits[i].push(k);
        }
    }
    let hits_at = |k: usize, at: usize| hits[at].contains(&k);
    let mut reached = vec![false; milestones.len()];
    // Where each step is in the reference's chain, when it says: the last milestone it reaches,
    // the end for a step at the final answer.
    let end = milestones.iter().map(|m| m.position).max().unwrap_or(0) + 1;
    let mut position: Vec<Option<usize>> = vec![None; steps.len()];
    for (i, s) in steps.iter().enumerate() {
        if s.is_answer(reference_final) || i + 1 == steps.len() {
            position[i] = Some(end);
        }
        // A step at a milestone shows that work, right or wrong (a wrong step loses its own
        // credit); so does a step of its own route, below.
        for &k in &hits[i] {
            reached[k] = true;
            let at = milestones[k].position;
            position[i] = Some(position[i].map_or(at, |p| p.max(at)));
        }
    }
    // A step at a reference's step that applies the rules, leaving only the upstream derivatives,
    // shows the stages of the chain rule before it too, as a step of its own route in that form
    // does (below; a reviewer: the reference's own step, written as such, scored less than the same
    // step written otherwise).
    for i in (0..steps.len()).filter(|&i| steps[i].upstream_only) {
        if let Some(k) =
            (0..milestones.len()).find(|&k| matches!(milestones[k].kind, Kind::Written(..)) && hits_at(k, i))
        {
            for (m, hit) in milestones[..k].iter().zip(reached.iter_mut()) {
                *hit |= matches!(m.kind, Kind::Stage(_));
            }
        }
    }
    let last = &steps[steps.len() - 1];
    // The way to the answer ends where a step is written as the final answer (the submission's
    // or the reference's): steps after it show no work towards it (`x^5`, `x^2*x^3` after the
    // answer, wrong and then carried, would stand for the reference's stages).
    // A sum of numbers whose terms are the values of the step before's terms, each worked out
    // (`0.1 + 0.565` after `0.5 * 0.2 + 0.5 * (0.5 + 0.9 * 0.7)`), is that route's next stage,
    // not the answer in pieces (a TA: Q-learning's `(1 - α) Q + α target`, worked out so, was told
    // it skipped the reference's TD error).
    let worked_terms: Vec<bool> = (0..steps.len())
        .map(|i| {
            i > 0
                && steps[i].value.is_some()
                && steps[i - 1].value.is_none()
                && steps[i - 1].arithmetic > steps[i].arithmetic
                && steps[i]
                    .terms
                    .as_deref()
                    .zip(steps[i - 1].terms.as_deref())
                    .is_some_and(|(a, b)| same_terms(a, b, false))
        })
        .collect();
    let answered_at = |i: usize| {
        let s = &steps[i];
        !worked_terms[i] && ((!stopped && s.is_answer(last)) || s.is_answer(reference_final))
    };
    // (A chain that stops before the answer has none: its last step may be a stage of its own
    // route, `∂L/∂a2[j] * h1[m] + ∂L/∂a1[j] * h0[m]` for the reference's stage through `h1`.)
    let way = (0..steps.len()).position(answered_at).unwrap_or(if stopped { steps.len() } else { steps.len() - 1 });
    // A wrong step that leaps to the answer (the first written as it) may be the reference's next
    // step done wrong: it stands for that one, as a step of its own route does, and loses its own
    // share (a TA's sheet: `1/p[a] * (delta(a, m) - p[m])` for the reference's `1/p[a] * p[a] *
    // (delta(a, m) - p[m])`, then the same written again as the answer, was charged the step, the
    // answer and the milestone; written otherwise, only the first two).
    // (Not a first step: a wrong leap straight from the question shows no work to stand for.)
    let way_wrong = way > 0 && way < steps.len() && wrong.get(way).copied().unwrap_or(false);
    // So does a last step, after others, that leaves only the upstream derivatives and is not
    // written like the reference's answer: the rules applied, in the form the reference writes
    // before it simplifies (a TA's attention sheet: the chain rule, then the softmax's Jacobian
    // applied as the answer, was told it skipped that Jacobian).
    let way_own = !way_wrong
        && way > 0
        && way + 1 == steps.len()
        && !stopped
        && steps[way].upstream_only
        && !steps[way].is_answer(reference_final);
    let way_wrong = way_wrong || way_own;
    let mut own: Vec<&str> = Vec::new();
    for (i, s) in steps[..way + usize::from(way_wrong)].iter().enumerate() {
        let at_a_milestone = !hits[i].is_empty();
        let answer = !stopped && s.is_answer(last) && !worked_terms[i] && (!way_wrong || i != way);
        if at_a_milestone || s.at_stage_of(head) || answer || own.contains(&s.written.as_str()) {
            continue;
        }
        own.push(&s.written);
        // The first milestone left after where the steps before it are in the chain: a step
        // after the reference's second step stands for its third, and the first, not written, is
        // the one skipped (a TA: the step named as skipped was the one written, in other digits).
        // None before it: a simplification after a milestone does not stand for one skipped
        // before it (a TA: the chain rule written with its factor worked out, then the answer,
        // was told it skipped the chain rule, 2.1 of 3, and one line more after it took 3).
        let since = position[..i].iter().flatten().filter(|&&p| p < end).max().copied().unwrap_or(0);
        let after = milestones.iter().zip(&reached).position(|(m, r)| !r && m.position > since);
        if let Some(k) = after {
            reached[k] = true;
            position[i] = Some(milestones[k].position);
            // A step that leaves only the upstream derivatives, for a stage of the chain rule, has
            // the rules of that stage applied too: it stands for the stages up to the first step
            // of the reference that applies them (layer norm by the paper's three paths, each
            // worked out in one step: before 6 December, evening, it stood for the chain rule
            // alone, and the step applying the rules was named as skipped).
            if s.upstream_only && matches!(milestones[k].kind, Kind::Stage(_)) {
                let applied = milestones.iter().zip(&reached).position(|(m, r)| {
                    !r && m.position > milestones[k].position && matches!(m.kind, Kind::Written(..))
                });
                if let Some(w) = applied {
                    for j in 0..=w {
                        if milestones[j].position > since && milestones[j].position <= milestones[w].position {
                            reached[j] = true;
                        }
                    }
                    position[i] = Some(milestones[w].position);
                }
            }
        }
    }
    for (m, _) in milestones.iter().zip(&reached).filter(|(_, r)| !**r) {
        let at = (0..steps.len()).find(|&i| position[i].is_some_and(|p| p > m.position)).unwrap_or(steps.len() - 1);
        // Two stages may go through the same quantity: named once.
        let label = if hints { &m.label } else { &m.plain };
        if !skipped[at].contains(label) {
            skipped[at].push(label.clone());
        }
    }
    Coverage { reached: reached.iter().filter(|r| **r).count(), total: milestones.len(), each: reached, skipped }
}

/// `e` with every factor of a sum's terms that does not read the sum's index in front of the sum
/// (`sum(c, a * x[c]) / d` as `a * sum(c, x[c]) / d`; a divisor too).
fn factors_out(e: &Expr) -> Expr {
    fn product(e: &Expr, out: &mut Vec<Expr>) {
        match e {
            Expr::Mul(a, b) => {
                product(a, out);
                product(b, out);
            }
            _ => out.push(e.clone()),
        }
    }
    fn reads(e: &Expr, b: crate::model::BoundId) -> bool {
        let mut found = false;
        crate::model::for_each_ix_var(e, &mut |v| found |= v == crate::model::IxVar::Bound(b));
        found
    }
    let e = e.map_children(factors_out);
    let Expr::Big(BigOp::Sum, b, body) = &e else { return e };
    let (body, divisor) = match &**body {
        Expr::Div(n, d) if !reads(d, *b) => (&**n, Some(&**d)),
        other => (other, None),
    };
    let mut factors = Vec::new();
    product(body, &mut factors);
    let (inside, outside): (Vec<Expr>, Vec<Expr>) = factors.into_iter().partition(|f| reads(f, *b));
    if inside.is_empty() || (outside.is_empty() && divisor.is_none()) {
        return e;
    }
    let join = |fs: Vec<Expr>| fs.into_iter().reduce(|x, y| Expr::Mul(Box::new(x), Box::new(y)));
    let sum = Expr::Big(BigOp::Sum, *b, Box::new(join(inside).expect("a factor reads the index")));
    let mut out = join(outside).map_or(sum.clone(), |o| Expr::Mul(Box::new(o), Box::new(sum)));
    if let Some(d) = divisor {
        out = Expr::Div(Box::new(out), Box::new(d.clone()));
    }
    out
}

/// Whether every derivative `e` leaves (also through the definitions it reads) is of an unknown
/// node.
fn only_upstream(model: &Model, e: &Expr) -> bool {
    fn walk(model: &Model, e: &Expr, all: &mut bool) {
        if let Expr::Diff(body, _) = e {
            *all &= matches!(&**body, Expr::Entry(r) if matches!(model.entries[r.entry].kind, EntryKind::Unknown(_)));
        }
        e.for_each_child(|c| walk(model, c, all));
    }
    let mut all = true;
    through_definitions(model, e, |x| walk(model, x, &mut all));
    all
}

/// The derivatives an expression leaves, also through the definitions it reads (`zeta[c,t]` for
/// `∂E/∂s[c,t]`), each written as [`ac_text`] writes it.
pub fn signature(model: &Model, e: &Expr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    through_definitions(model, e, |x| diffs(model, x, &mut out));
    out
}

fn diffs(model: &Model, e: &Expr, out: &mut BTreeSet<String>) {
    if let Expr::Diff(_, t) = e {
        // By an entry at an index of a range (`sum(i, diff(L, xhat[i]) …)`, or a definition's own
        // `zeta[c,t] = ∂E/∂s[c,t]` read in a sum): the same stage whatever the index is called
        // (`xhat[j]` in the reference). A label's offset (`s[c,t-1]`) is kept.
        let mut text = ac_text(model, e, &[]);
        for (_, v) in t.args.iter().flat_map(|ix| &ix.terms) {
            let name = match v {
                crate::model::IxVar::Bound(b) => model.bounds.get(*b).map(|b| b.name.as_str()),
                crate::model::IxVar::Free(i) => model.indices.get(*i).filter(|x| !x.label).map(|x| x.name.as_str()),
                crate::model::IxVar::Size(_) => None,
            };
            if let Some(name) = name {
                text = renamed_word(&text, name, "ι");
            }
        }
        out.insert(text);
    }
    e.for_each_child(|c| diffs(model, c, out));
}

/// What the derivatives of `e` that `before` does not have go through: each one's variable
/// where the head does not differentiate by it (`∂L/∂h2`), else what it differentiates where that
/// is a name of the model (`∂h1/∂w`), quoted; None where `e` has no derivative `before` has not.
fn stage_through(model: &Model, e: &Expr, before: &Expr, head_targets: &[usize]) -> Option<Vec<String>> {
    fn walk<'a>(e: &'a Expr, out: &mut Vec<(&'a Expr, &'a crate::model::EntryRef)>) {
        if let Expr::Diff(f, t) = e {
            out.push((f, t));
        }
        e.for_each_child(|c| walk(c, out));
    }
    let (mut old, mut new) = (Vec::new(), Vec::new());
    walk(before, &mut old);
    walk(e, &mut new);
    let key = |(f, t): &(&Expr, &crate::model::EntryRef)| (expr_text(model, f), whole_entry_text(model, t));
    let old: BTreeSet<(String, String)> = old.iter().map(key).collect();
    let new: Vec<_> = new.into_iter().filter(|d| !old.contains(&key(d))).collect();
    if new.is_empty() {
        return None;
    }
    let named = new
        .iter()
        .filter_map(|(f, t)| match f {
            _ if !head_targets.contains(&t.entry) => Some(whole_entry_text(model, t)),
            Expr::Entry(r) => Some(whole_entry_text(model, r)),
            _ => None,
        })
        .map(|t| format!("`{t}`"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Some(named)
}

/// The entries an expression differentiates by: their ids, and as written (`h[j]`; `yhat` for a
/// whole array, not `yhat[element]`).
fn diff_targets(model: &Model, e: &Expr) -> Vec<(usize, String)> {
    fn walk(model: &Model, e: &Expr, out: &mut Vec<(usize, String)>) {
        if let Expr::Diff(_, t) = e {
            out.push((t.entry, whole_entry_text(model, t)));
        }
        e.for_each_child(|c| walk(model, c, out));
    }
    let mut out = Vec::new();
    walk(model, e, &mut out);
    out
}

/// An expression written so that two expressions that differ only in the order of their terms
/// and factors, in how a sign or a quotient is written, or in how the numbers of one term are
/// written (`0.002`, `2/1000`, `0.001*2`; `1*x`; a term `0`) are written alike. Two terms are
/// not added into one (`1.5 - 0.002` is not written like `1.498`): that is a step's arithmetic.
pub fn ac_text(model: &Model, e: &Expr, own: &[EntryId]) -> String {
    match e {
        Expr::Add(..) | Expr::Sub(..) | Expr::Neg(_) => {
            // Each term on its own, its numbers multiplied out (`0.001*2`, `2/1000` and `0.002`
            // are one term `1/500`), a term 0 left out; the terms are not added up: adding is
            // the arithmetic a step shows (`1.5 - 0.002` before `1.498`).
            let mut terms = Vec::new();
            signed_terms(e, false, &mut terms);
            let mut texts: Vec<String> = terms
                .into_iter()
                .map(|(negative, t)| product_text(model, t, negative, own))
                .filter(|t| t != "0")
                .collect();
            if texts.is_empty() {
                return "0".to_string();
            }
            if texts.len() == 1 {
                return texts.pop().unwrap_or_default();
            }
            texts.sort();
            format!("(+ {})", texts.join(" "))
        }
        Expr::Mul(..) | Expr::Div(..) => product_text(model, e, false, own),
        Expr::Pow(_, b) if is_minus_one(b) => product_text(model, e, false, own),
        Expr::Pow(a, b) => format!("(^ {} {})", ac_text(model, a, own), ac_text(model, b, own)),
        Expr::Big(op, b, body) => {
            let word = if *op == BigOp::Sum { "sum" } else { "prod" };
            let name = model.bounds.get(*b).map_or("?", |x| x.name.as_str());
            // A bound index named by its place, not as written (`sum(m, y[m])` is `sum(i, y[i])`:
            // a student's own letter restated the sheet's sum as well). The inner sums are named
            // first, so the name is fresh.
            let inner = ac_text(model, body, own);
            let fresh = format!("ι{}", inner.matches('ι').count());
            format!("({word} {fresh} {})", renamed_word(&inner, name, &fresh))
        }
        Expr::Diff(body, t) => format!("(d {} / {})", ac_text(model, body, own), entry_text(model, t)),
        Expr::Builtin(..) | Expr::Unknown(..) | Expr::Apply(..) => {
            let mut args = Vec::new();
            e.for_each_child(|c| args.push(ac_text(model, c, own)));
            let head = expr_text(model, e);
            let name = head.split('(').next().unwrap_or_default();
            format!("({name} {})", args.join(" "))
        }
        Expr::Const(l) => number(&l.value),
        // The submission's own names, and the hidden nodes made of array operands, written out.
        Expr::Entry(r) if own.contains(&r.entry) || model.entries[r.entry].name.starts_with('_') => {
            match &model.entries[r.entry].kind {
                EntryKind::Defined(body) => {
                    let slots: Vec<_> = model.entries[r.entry].range_slots().collect();
                    let map: Vec<_> = slots.into_iter().zip(r.args.iter().cloned()).collect();
                    let own: Vec<EntryId> = own.iter().copied().filter(|&id| id != r.entry).collect();
                    ac_text(model, &subst_free(body, &map), &own)
                }
                _ => expr_text(model, e),
            }
        }
        _ => expr_text(model, e),
    }
}

/// A product (or any term) with its numbers folded into one coefficient, negated when `negative`.
fn product_text(model: &Model, e: &Expr, negative: bool, own: &[EntryId]) -> String {
    let (mut num, mut den) = (Vec::new(), Vec::new());
    let mut coefficient = if negative { -BigRational::one() } else { BigRational::one() };
    factors(e, false, &mut coefficient, &mut num, &mut den);
    if coefficient.is_zero() {
        return "0".to_string();
    }
    if num.is_empty() && den.is_empty() {
        return number(&coefficient);
    }
    let body = factors_text(model, &num, &den, own);
    if coefficient.is_one() {
        body
    } else {
        format!("(* {} {body})", number(&coefficient))
    }
}

/// A product of factors over factors (not all none), in any order, as [`ac_text`] writes it.
fn factors_text(model: &Model, num: &[&Expr], den: &[&Expr], own: &[EntryId]) -> String {
    let mut num: Vec<String> = num.iter().map(|f| ac_text(model, f, own)).collect();
    let mut den: Vec<String> = den.iter().map(|f| ac_text(model, f, own)).collect();
    num.sort();
    den.sort();
    match (num.len(), den.is_empty()) {
        (1, true) => num[0].clone(),
        (_, true) => format!("(* {})", num.join(" ")),
        _ => format!("(* {} / {})", num.join(" "), den.join(" ")),
    }
}

/// `text` with the word `from` (not a part of a longer name) written `to`.
fn renamed_word(text: &str, from: &str, to: &str) -> String {
    let part = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\'');
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (at, _) in text.match_indices(from) {
        if at < done {
            continue;
        }
        let (before, after) = (text[..at].chars().next_back(), text[at + from.len()..].chars().next());
        if !part(before) && !part(after) {
            out.push_str(&text[done..at]);
            out.push_str(to);
            done = at + from.len();
        }
    }
    out.push_str(&text[done..]);
    out
}

/// `e` as [`ac_text`] writes it, without numbers added to it and without its constant factor
/// (`-1/(1 + exp(-x)) + 7` is written as `1/(1 + exp(-x))`): what differentiating it gives up to
/// a constant factor.
fn unscaled_text(model: &Model, e: &Expr) -> String {
    let e = without_numbers(e);
    let (mut coefficient, mut num, mut den) = (BigRational::one(), Vec::new(), Vec::new());
    factors(e, false, &mut coefficient, &mut num, &mut den);
    match (coefficient.is_zero(), num.is_empty() && den.is_empty()) {
        (true, _) => "0".to_string(),
        (false, true) => "1".to_string(),
        (false, false) => factors_text(model, &num, &den, &[]),
    }
}

/// The factors of a product, numbers multiplied into `coefficient` (a factor 0 makes it 0).
fn factors<'a>(
    e: &'a Expr,
    below: bool,
    coefficient: &mut BigRational,
    num: &mut Vec<&'a Expr>,
    den: &mut Vec<&'a Expr>,
) {
    match e {
        Expr::Mul(a, b) => {
            factors(a, below, coefficient, num, den);
            factors(b, below, coefficient, num, den);
        }
        Expr::Div(a, b) => {
            factors(a, below, coefficient, num, den);
            factors(b, !below, coefficient, num, den);
        }
        Expr::Neg(a) => {
            *coefficient = -&*coefficient;
            factors(a, below, coefficient, num, den);
        }
        // `u^(-1)` is `1/u` written otherwise.
        Expr::Pow(a, b) if is_minus_one(b) => factors(a, !below, coefficient, num, den),
        Expr::Const(l) if below && !l.value.is_zero() => *coefficient /= &l.value,
        Expr::Const(l) if !below => *coefficient *= &l.value,
        _ if below => den.push(e),
        _ => num.push(e),
    }
}

/// The numbers other than 1 that an expression's products multiply or divide by (a number alone
/// is a product of one), and its powers of numbers raise (two each), all told: more than the
/// answer's is arithmetic written out (`0.496 * 1` has one, as `0.496` has).
fn numbers_multiplied(e: &Expr, sheet: &[BigRational]) -> usize {
    fn number(e: &Expr) -> Option<&BigRational> {
        match e {
            Expr::Const(l) => Some(&l.value),
            Expr::Neg(a) => number(a),
            _ => None,
        }
    }
    fn factors_of<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
        match e {
            Expr::Mul(a, b) | Expr::Div(a, b) => {
                factors_of(a, out);
                factors_of(b, out);
            }
            Expr::Neg(a) if number(a).is_none() => factors_of(a, out),
            e => out.push(e),
        }
    }
    match e {
        Expr::Mul(..) | Expr::Div(..) => {
            let mut all = Vec::new();
            factors_of(e, &mut all);
            all.iter()
                .map(|f| match number(f) {
                    Some(v) if v.abs().is_one() || !written_on_the_sheet(v, sheet) => 0,
                    Some(_) => 1,
                    None => numbers_multiplied(f, sheet),
                })
                .sum()
        }
        Expr::Pow(a, b) if number(a).is_some() && number(b).is_some() => 2,
        // A number alone is a product of one where the sheet writes it: the answer's own number
        // is none (`0.1 * 0.4` before `0.04` multiplies the sheet's 0.4, and was the answer
        // written again: a second reviewer's momentum buffer from `v0 = 0`); a term 0 is no
        // term (`0 - 0.5 / 1.25` multiplies no more than `-0.5 / 1.25`, a reviewer).
        e if number(e).is_some() => {
            usize::from(number(e).is_some_and(|v| !v.abs().is_one() && !v.is_zero() && written_on_the_sheet(v, sheet)))
        }
        _ => {
            let mut n = 0;
            e.for_each_child(|c| n += numbers_multiplied(c, sheet));
            n
        }
    }
}

/// Whether a number (or its reciprocal: `0.5` for the `2` of `1/2`) is written in the sheet's
/// definitions: the numbers a computation carried out on them multiplies (`\frac{1}{2} \cdot 2\mu`
/// from `1/2 * (… + mu^2 …)`), not factors made up to cancel (`3 * mu / 3`).
fn written_on_the_sheet(v: &BigRational, sheet: &[BigRational]) -> bool {
    let v = v.abs();
    sheet.iter().any(|s| *s == v || (!v.is_zero() && *s == v.recip()))
}

/// The numbers written in the model's definitions and functions, without their signs.
pub(super) fn sheet_numbers(model: &Model) -> Vec<BigRational> {
    let mut out = Vec::new();
    let bodies = model.entries.iter().filter_map(|entry| match &entry.kind {
        EntryKind::Defined(body) => Some(body),
        _ => None,
    });
    for body in bodies.chain(model.user_functions.iter().map(|f| &f.body)) {
        each_literal(body, &mut |v| out.push(v.abs()));
    }
    out.sort();
    out.dedup();
    out
}

/// The numbers the definitions and functions of the sheet that `head` reads (through one another)
/// write, without their signs: the numbers of the sheet's part. (Of the whole sheet, a padding
/// `(ht - hp) * 0.9 * z * (1 - z) / 0.9` before a GRU gate's answer multiplied a number of the
/// momentum part's and counted as work: 3 of 3 where the answer alone took 1.2, a TA.)
pub fn sheet_numbers_of(model: &Model, head: &Expr) -> Vec<BigRational> {
    fn walk(model: &Model, e: &Expr, seen: &mut Vec<EntryId>, functions: &mut Vec<usize>, out: &mut Vec<BigRational>) {
        match e {
            Expr::Entry(r) if !seen.contains(&r.entry) => {
                seen.push(r.entry);
                if let EntryKind::Defined(body) = &model.entries[r.entry].kind {
                    each_literal(body, &mut |v| out.push(v.abs()));
                    walk(model, body, seen, functions, out);
                }
            }
            Expr::Apply(f, _, _) if *f < model.user_functions.len() && !functions.contains(f) => {
                functions.push(*f);
                let body = &model.user_functions[*f].body;
                each_literal(body, &mut |v| out.push(v.abs()));
                walk(model, body, seen, functions, out);
            }
            _ => {}
        }
        if let Expr::Diff(_, target) | Expr::NodePartial(_, target) = e {
            walk(model, &Expr::Entry(target.clone()), seen, functions, out);
        }
        e.for_each_child(|c| walk(model, c, seen, functions, out));
    }
    let mut out = Vec::new();
    walk(model, head, &mut Vec::new(), &mut Vec::new(), &mut out);
    out.sort();
    out.dedup();
    out
}

/// Whether `e` is the number -1, as a literal or negated.
fn is_minus_one(e: &Expr) -> bool {
    match e {
        Expr::Const(l) => -&l.value == BigRational::one(),
        Expr::Neg(a) => matches!(&**a, Expr::Const(l) if l.value.is_one()),
        _ => false,
    }
}

fn signed_terms<'a>(e: &'a Expr, negative: bool, out: &mut Vec<(bool, &'a Expr)>) {
    match e {
        Expr::Add(a, b) => {
            signed_terms(a, negative, out);
            signed_terms(b, negative, out);
        }
        Expr::Sub(a, b) => {
            signed_terms(a, negative, out);
            signed_terms(b, !negative, out);
        }
        Expr::Neg(a) => signed_terms(a, !negative, out),
        _ => out.push((negative, e)),
    }
}

fn number(v: &BigRational) -> String {
    if v.is_integer() {
        v.numer().to_string()
    } else {
        format!("{}/{}", v.numer(), v.denom())
    }
}
