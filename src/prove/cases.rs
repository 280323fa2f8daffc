//! A case split over the pieces of a piecewise expression: two lowered expressions whose kinks
//! (`relu`, `abs`, `sign`, `step` and their derivatives, `max`, `min`) have arguments affine in
//! one input `x` are equal when they are equal on every piece and at every threshold between
//! pieces (`relu(x) - relu(-x) = x`, `step(x + 1) = 1 - step(-1 - x)` away from the kink).
//!
//! The thresholds `t₁ < … < tₖ` are where an argument `a·x + b` is 0. On the open interval
//! between two of them every such argument has one sign, so every kink of it is one of its
//! pieces (`relu(u)` is `u` or 0, `max(p, q)` is `p` or `q`); the two sides with their kinks so
//! replaced are normalised as usual, and must be equal as fractions over atoms, for every `x` —
//! more than the piece needs, so sound. At a threshold, `x` is replaced by the number `tᵢ`
//! everywhere, and the two sides are normalised as usual (`relu(0) = 0`, `step(0) = 1`). A
//! threshold where a *derivative* of a kink sits is left out: there the derivative is undefined
//! and, as everywhere else (decision 18 of docs/language.md), the prover states it away from
//! the kink. Pieces and thresholds outside the declared domain of `x` are left out.
//!
//! An input of a finite set (`y in {-1, 1}`) is split into its members instead: the two sides
//! are compared with `x` replaced by each of them (`y^2 = 1`), with no point left out.
//!
//! `x` must be an input (not of a family that an `assume` ties together) read at one position
//! only, without a bound index, so that replacing it replaces every read of it. What else the
//! sides contain (unknown nodes that depend on `x`, other kinks) stays an atom: an identity for
//! every value of the atoms holds in particular for theirs.

use std::cell::RefCell;
use std::collections::BTreeSet;

use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::normal::Normaliser;
use crate::model::{Builtin, Domain, DomainSet, EntryKind, EntryRef, Expr, IxVar, Literal, Model};

/// At most this many thresholds (pieces: one more).
const MAX_THRESHOLDS: usize = 8;
/// At most this many inputs are tried as the variable of the split.
const MAX_CANDIDATES: usize = 3;

/// Whether two lowered expressions are equal on every piece and threshold of a case split over
/// an input that their kinks are affine in. `false` where no split applies or one case is not
/// proved.
pub fn equal_by_cases(model: &Model, a: &Expr, b: &Expr) -> bool {
    let mut candidates = Vec::new();
    for e in [a, b] {
        // Inputs of a finite set first: each member is a case of its own.
        entry_refs(e, &mut |r| {
            if matches!(model.domain_set(r.entry), Some(DomainSet::Finite(_))) && !candidates.contains(r) {
                candidates.push(r.clone());
            }
        });
    }
    for e in [a, b] {
        kink_inputs(e, &mut candidates);
    }
    let finite: Vec<EntryRef> = candidates
        .iter()
        .filter(|r| matches!(model.domain_set(r.entry), Some(DomainSet::Finite(_))))
        .cloned()
        .collect();
    if finite.len() >= 2 && split_finite_proves(model, a, b, &finite) {
        return true;
    }
    candidates.truncate(MAX_CANDIDATES);
    candidates.into_iter().any(|x| split_proves(model, a, b, &x))
}

/// At most this many cases (combinations of members) in a split over several inputs of finite
/// sets.
const MAX_FINITE_CASES: usize = 64;

/// A split over several inputs of finite sets at once (`y in {-1, 1}`, `t in {0, 1}`: four
/// cases), every combination of their members compared, none left out. Each input must be one
/// that a split over it alone may replace (as in `split_proves`), read as a value only (not the
/// variable of a derivative, which a number in its place would turn into 0).
fn split_finite_proves(model: &Model, a: &Expr, b: &Expr, xs: &[EntryRef]) -> bool {
    let mut cases: usize = 1;
    let mut members = Vec::new();
    for x in xs {
        let Some(DomainSet::Finite(values)) = model.domain_set(x.entry) else { return false };
        let replaceable = matches!(model.entries[x.entry].kind, EntryKind::Input(_))
            && !model.assumptions.iter().any(|s| s.entry == x.entry)
            && !x.args.iter().any(|ix| ix.terms.iter().any(|(_, v)| matches!(v, IxVar::Bound(_))))
            && reads_only_at(a, x)
            && reads_only_at(b, x)
            && only_as_value(a, x)
            && only_as_value(b, x);
        if !replaceable {
            return false;
        }
        cases = cases.saturating_mul(values.len());
        members.push(values.clone());
    }
    if cases > MAX_FINITE_CASES {
        return false;
    }
    let mut normaliser = Normaliser::new(model);
    let mut choice = vec![0usize; xs.len()];
    loop {
        let (mut l, mut r) = (a.clone(), b.clone());
        for (k, x) in xs.iter().enumerate() {
            l = at_point(&l, x, &members[k][choice[k]]);
            r = at_point(&r, x, &members[k][choice[k]]);
        }
        match (normaliser.normalise(&l), normaliser.normalise(&r)) {
            (Some(l), Some(r)) if l.same_as(&r) => {}
            _ => return false,
        }
        // The next combination, the first input counting fastest.
        let mut k = 0;
        loop {
            if k == xs.len() {
                return true;
            }
            choice[k] += 1;
            if choice[k] < members[k].len() {
                break;
            }
            choice[k] = 0;
            k += 1;
        }
    }
}

/// Whether `x` occurs in `e` only as a value read, never as the variable of a derivative.
fn only_as_value(e: &Expr, x: &EntryRef) -> bool {
    let mut ok = true;
    let mut stack = vec![e];
    while let Some(y) = stack.pop() {
        if let Expr::Diff(_, r) | Expr::NodePartial(_, r) = y {
            ok &= r.entry != x.entry;
        }
        y.for_each_child(|c| stack.push(c));
    }
    ok
}

/// One split over `x`.
fn split_proves(model: &Model, a: &Expr, b: &Expr, x: &EntryRef) -> bool {
    let EntryKind::Input(domain) = model.entries[x.entry].kind else { return false };
    if model.assumptions.iter().any(|s| s.entry == x.entry)
        || x.args.iter().any(|ix| ix.terms.iter().any(|(_, v)| matches!(v, IxVar::Bound(_))))
        || !reads_only_at(a, x)
        || !reads_only_at(b, x)
    {
        return false;
    }
    let mut normaliser = Normaliser::new(model);
    let mut same = |l: Expr, r: Expr| -> bool {
        match (normaliser.normalise(&l), normaliser.normalise(&r)) {
            (Some(l), Some(r)) => l.same_as(&r),
            _ => false,
        }
    };
    if let Some(DomainSet::Finite(members)) = model.domain_set(x.entry) {
        // Every value `x` takes is a case; a kink there is no null set, so none is left out.
        return members.iter().all(|v| same(at_point(a, x, v), at_point(b, x, v)));
    }
    let Some((pieces, ts)) = pieces(a, b, x, domain) else { return false };
    let admissible = |v: &BigRational, point: bool| match domain {
        // A bounded domain: every piece and threshold is compared (more than needed).
        Domain::Real | Domain::Set(_) | Domain::PositiveDefinite => true,
        Domain::Positive => v.is_positive(),
        Domain::NonNegative => !v.is_negative(),
        Domain::NonZero => !(point && v.is_zero()),
    };
    for piece in pieces.iter().filter(|p| admissible(&p.inner, false)) {
        let seen = RefCell::new(Vec::new());
        if !same(on_piece(a, x, piece, &seen), on_piece(b, x, piece, &seen)) {
            return false;
        }
    }
    for t in ts.iter().filter(|t| admissible(t, true)) {
        let (l, r) = (at_point(a, x, t), at_point(b, x, t));
        // At the kink of a derivative, which is undefined there: away from it, as everywhere.
        if at_derivative_kink(&l) || at_derivative_kink(&r) {
            continue;
        }
        if !same(l, r) {
            return false;
        }
    }
    true
}

/// Whether `e` (with `x` replaced by a number) holds a derivative of a kink whose argument is
/// exactly 0, where it is undefined.
fn at_derivative_kink(e: &Expr) -> bool {
    let here = match e {
        Expr::Builtin(Builtin::Relu | Builtin::Abs | Builtin::Sign | Builtin::Step, 1.., args) => {
            args.first().and_then(number).is_some_and(|v| v.is_zero())
        }
        _ => false,
    };
    let mut inside = false;
    e.for_each_child(|c| inside |= at_derivative_kink(c));
    here || inside
}

/// The exact value of an expression of numbers, arithmetic and kinks, if it is one.
fn number(e: &Expr) -> Option<BigRational> {
    let zero = BigRational::zero;
    Some(match e {
        Expr::Const(l) => l.value.clone(),
        Expr::Neg(a) => -number(a)?,
        Expr::Add(a, b) => number(a)? + number(b)?,
        Expr::Sub(a, b) => number(a)? - number(b)?,
        Expr::Mul(a, b) => number(a)? * number(b)?,
        Expr::Div(a, b) => {
            let d = number(b)?;
            if d.is_zero() {
                return None;
            }
            number(a)? / d
        }
        Expr::Builtin(f, 0, args) => {
            let v: Vec<BigRational> = args.iter().map(number).collect::<Option<_>>()?;
            match (f, v.as_slice()) {
                (Builtin::Relu, [u]) => u.clone().max(zero()),
                (Builtin::Abs, [u]) => u.abs(),
                (Builtin::Sign, [u]) => u.signum(),
                (Builtin::Step, [u]) => BigRational::from_integer(i64::from(!u.is_negative()).into()),
                (Builtin::Max, [p, q]) => p.clone().max(q.clone()),
                (Builtin::Min, [p, q]) => p.clone().min(q.clone()),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// The kinks affine in `x` (also those that become affine on a piece: `relu(abs(x) - 1)` is
/// `relu(x - 1)` for x > 0), the pieces between their thresholds, and the thresholds; `None`
/// where there are none or too many.
fn pieces(a: &Expr, b: &Expr, x: &EntryRef, domain: Domain) -> Option<(Vec<Piece>, Vec<BigRational>)> {
    let mut kinks = Vec::new();
    for e in [a, b] {
        collect_kinks(e, x, &mut kinks);
    }
    if kinks.is_empty() {
        return None;
    }
    let mut rounds = 0;
    loop {
        let mut thresholds: BTreeSet<BigRational> = kinks.iter().map(|k| k.threshold.clone()).collect();
        if domain != Domain::Real {
            // So that no piece straddles 0, where the domain begins.
            thresholds.insert(BigRational::zero());
        }
        if thresholds.len() > MAX_THRESHOLDS {
            return None;
        }
        let ts: Vec<BigRational> = thresholds.into_iter().collect();
        let pieces = between(&ts);
        let seen = RefCell::new(Vec::new());
        for piece in &pieces {
            for e in [a, b] {
                on_piece(e, x, piece, &seen);
            }
        }
        let mut more = seen.into_inner();
        more.retain(|k| !kinks.iter().any(|old: &Kink| old.threshold == k.threshold && old.derivative == k.derivative));
        if more.is_empty() {
            return Some((pieces, ts));
        }
        rounds += 1;
        if rounds > 3 {
            return None;
        }
        kinks.extend(more);
    }
}

/// The open intervals between sorted thresholds, each with a number inside it.
fn between(ts: &[BigRational]) -> Vec<Piece> {
    let one = BigRational::one();
    let mut out = vec![Piece { lo: None, hi: Some(ts[0].clone()), inner: &ts[0] - &one }];
    out.extend(ts.windows(2).map(|w| Piece {
        lo: Some(w[0].clone()),
        hi: Some(w[1].clone()),
        inner: (&w[0] + &w[1]) / BigRational::from_integer(2.into()),
    }));
    let last = &ts[ts.len() - 1];
    out.push(Piece { lo: Some(last.clone()), hi: None, inner: last + &one });
    out
}

/// An open interval of values of `x` on which no threshold lies.
struct Piece {
    lo: Option<BigRational>,
    hi: Option<BigRational>,
    /// A number inside it.
    inner: BigRational,
}

impl Piece {
    /// Whether `t` lies strictly inside.
    fn contains(&self, t: &BigRational) -> bool {
        self.lo.as_ref().is_none_or(|lo| lo < t) && self.hi.as_ref().is_none_or(|hi| t < hi)
    }
}

/// A kink whose argument is affine in the variable of the split.
struct Kink {
    /// Where its argument is 0.
    threshold: BigRational,
    /// Whether it is a derivative of a kink (undefined at its threshold).
    derivative: bool,
}

/// The argument at whose sign a kink changes: `u` of `relu(u)`, `p - q` of `max(p, q)`.
fn kink_argument(e: &Expr) -> Option<(Expr, bool)> {
    match e {
        Expr::Builtin(Builtin::Relu | Builtin::Abs | Builtin::Sign | Builtin::Step, order, args) if args.len() == 1 => {
            Some((args[0].clone(), *order > 0))
        }
        Expr::Builtin(Builtin::Max | Builtin::Min, 0, args) if args.len() == 2 => {
            Some((Expr::Sub(Box::new(args[0].clone()), Box::new(args[1].clone())), false))
        }
        _ => None,
    }
}

/// The inputs read in kink arguments, in order of first appearance.
fn kink_inputs(e: &Expr, out: &mut Vec<EntryRef>) {
    if let Some((u, _)) = kink_argument(e) {
        entry_refs(&u, &mut |r| {
            if !out.contains(r) {
                out.push(r.clone());
            }
        });
    }
    e.for_each_child(|c| kink_inputs(c, out));
}

fn entry_refs(e: &Expr, f: &mut impl FnMut(&EntryRef)) {
    match e {
        Expr::Entry(r) => f(r),
        Expr::Diff(_, r) | Expr::NodePartial(_, r) => f(r),
        _ => {}
    }
    e.for_each_child(|c| entry_refs(c, f));
}

/// Whether every read of `x`'s family in `e` is at `x`'s own position.
fn reads_only_at(e: &Expr, x: &EntryRef) -> bool {
    let mut ok = true;
    entry_refs(e, &mut |r| ok &= r.entry != x.entry || r == x);
    ok
}

/// The kinks of `e` whose arguments are affine in `x` with a non-zero coefficient.
fn collect_kinks(e: &Expr, x: &EntryRef, out: &mut Vec<Kink>) {
    if let Some((u, derivative)) = kink_argument(e) {
        if let Some((a, b)) = affine(&u, x).filter(|(a, _)| !a.is_zero()) {
            out.push(Kink { threshold: -b / a, derivative });
        }
    }
    e.for_each_child(|c| collect_kinks(c, x, out));
}

/// `e` as `a·x + b` with numbers `a` and `b`, if it is one.
fn affine(e: &Expr, x: &EntryRef) -> Option<(BigRational, BigRational)> {
    let zero = BigRational::zero;
    Some(match e {
        Expr::Const(l) => (zero(), l.value.clone()),
        Expr::Entry(r) if r == x => (BigRational::one(), zero()),
        Expr::Neg(p) => {
            let (a, b) = affine(p, x)?;
            (-a, -b)
        }
        Expr::Add(p, q) | Expr::Sub(p, q) => {
            let ((a1, b1), (a2, b2)) = (affine(p, x)?, affine(q, x)?);
            if matches!(e, Expr::Add(..)) {
                (a1 + a2, b1 + b2)
            } else {
                (a1 - a2, b1 - b2)
            }
        }
        Expr::Mul(p, q) => {
            let ((a1, b1), (a2, b2)) = (affine(p, x)?, affine(q, x)?);
            match (a1.is_zero(), a2.is_zero()) {
                (true, _) => (&b1 * a2, b1 * b2),
                (_, true) => (a1 * &b2, b1 * b2),
                _ => return None,
            }
        }
        Expr::Div(p, q) => {
            let ((a1, b1), (a2, b2)) = (affine(p, x)?, affine(q, x)?);
            if !a2.is_zero() || b2.is_zero() {
                return None;
            }
            (a1 / &b2, b1 / b2)
        }
        _ => return None,
    })
}

/// `e` on a piece: every kink whose argument is affine in `x` and does not change sign on the
/// piece replaced by the branch that sign selects (inner kinks first, so that `relu(abs(x) - 1)`
/// becomes `relu(x - 1)` and then `x - 1` or 0). A kink whose threshold lies inside the piece is
/// left as it is. Every kink met whose argument is affine (once inner kinks are replaced) is
/// recorded in `seen`.
fn on_piece(e: &Expr, x: &EntryRef, piece: &Piece, seen: &RefCell<Vec<Kink>>) -> Expr {
    let e = e.map_children(|c| on_piece(c, x, piece, seen));
    let Some((u, derivative)) = kink_argument(&e) else { return e };
    let Some((a, b)) = affine(&u, x).filter(|(a, _)| !a.is_zero()) else { return e };
    let threshold = -&b / &a;
    let inside = piece.contains(&threshold);
    seen.borrow_mut().push(Kink { threshold, derivative });
    if inside {
        return e;
    }
    let positive = (a * &piece.inner + b).is_positive();
    let number = |v: i64| {
        Expr::Const(Box::new(Literal { value: BigRational::from_integer(v.into()), half_unit: None, point: false }))
    };
    let Expr::Builtin(f, order, args) = &e else { return e };
    match (f, order) {
        (Builtin::Relu, 0) => {
            if positive {
                u
            } else {
                number(0)
            }
        }
        // relu' is step; every other derivative of a kink but abs' is 0 away from the kink.
        (Builtin::Relu, 1) => number(i64::from(positive)),
        (Builtin::Relu | Builtin::Abs, 2..) | (Builtin::Sign | Builtin::Step, 1..) => number(0),
        (Builtin::Abs, 0) => {
            if positive {
                u
            } else {
                Expr::Neg(Box::new(u))
            }
        }
        (Builtin::Abs, 1) | (Builtin::Sign, 0) => number(if positive { 1 } else { -1 }),
        (Builtin::Step, 0) => number(i64::from(positive)),
        (Builtin::Max, _) => args[if positive { 0 } else { 1 }].clone(),
        (Builtin::Min, _) => args[if positive { 1 } else { 0 }].clone(),
        _ => e,
    }
}

/// `e` with `x` replaced by the number `t`.
fn at_point(e: &Expr, x: &EntryRef, t: &BigRational) -> Expr {
    match e {
        Expr::Entry(r) if r == x => Expr::Const(Box::new(Literal { value: t.clone(), half_unit: None, point: false })),
        _ => e.map_children(|c| at_point(c, x, t)),
    }
}
