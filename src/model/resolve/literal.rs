//! Literals: a decimal number as an exact rational (with its half unit, for `≈` steps), and the
//! exact value of an expression made of numbers and arithmetic only.
//!
//! Nothing here is a float; evaluation is `numeric`'s.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

use super::MAX_LITERAL_EXPONENT;
use crate::model::ir::*;

pub(super) fn int_literal(v: i64) -> Literal {
    Literal { value: BigRational::from_integer(BigInt::from(v)), half_unit: None, point: false }
}

/// The digits of a number that reads as a decimal rather than a fraction, without its sign:
/// `0.134145` for 26829/200000, `0.05` for 1/20 — a fraction whose denominator is a product of
/// 2s and 5s with at least one 5 (a course's constants written as decimals, and their products:
/// GELU's `3 * 0.044715`). Halves, quarters, eighths and the fifths below 1 (`2 / 5`) stay
/// fractions, as do integers, other denominators and a decimal of more than 24 places.
pub fn decimal_digits(value: &BigRational) -> Option<String> {
    const MAX_PLACES: usize = 24;
    let mut d = value.denom().clone();
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    let (mut twos, mut fives) = (0usize, 0usize);
    while (&d % &two).is_zero() && twos <= MAX_PLACES {
        d /= &two;
        twos += 1;
    }
    while (&d % &five).is_zero() && fives <= MAX_PLACES {
        d /= &five;
        fives += 1;
    }
    let places = twos.max(fives);
    let proper_fifth = value.denom() < &BigInt::from(10) && value.numer().abs() < *value.denom();
    if d != BigInt::from(1) || fives == 0 || places > MAX_PLACES || proper_fifth {
        return None;
    }
    let scaled = (value.abs() * BigRational::from_integer(num_traits::pow(BigInt::from(10), places))).to_integer();
    let digits = format!("{scaled:0>width$}", width = places + 1);
    let (int_part, frac_part) = digits.split_at(digits.len() - places);
    Some(format!("{int_part}.{frac_part}"))
}

/// The exact value of a decimal literal, and its half unit when it has a decimal point.
pub fn parse_decimal(text: &str) -> Option<Literal> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    if exponent.abs() > MAX_LITERAL_EXPONENT {
        return None;
    }
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let scale = exponent - frac_part.len() as i64;
    let point = mantissa.contains('.');
    short_decimal(int_part, frac_part, scale, point).or_else(|| long_decimal(int_part, frac_part, scale, point))
}

/// The literal with digits `int_part` and `frac_part`, times 10^`scale`, in big numbers.
fn long_decimal(int_part: &str, frac_part: &str, scale: i64, point: bool) -> Option<Literal> {
    let digits: BigInt = format!("{int_part}{frac_part}").parse().ok()?;
    // 10^|scale| as one integer, and each value reduced once (a power of a rational reduces at
    // every product).
    let power = num_traits::pow(BigInt::from(10), scale.unsigned_abs() as usize);
    let (value, half_unit) = if scale >= 0 {
        (BigRational::from_integer(digits * &power), BigRational::new(power, BigInt::from(2)))
    } else {
        (BigRational::new(digits, power.clone()), BigRational::new(BigInt::from(1), power * 2))
    };
    Some(Literal { value, half_unit: Some(half_unit), point })
}

/// [`parse_decimal`] for a literal of at most 18 digits and a scale of at most 18 digits either
/// way (nearly all of them), in machine integers: the same value and half unit in lowest terms,
/// without big numbers or a binary gcd of them.
fn short_decimal(int_part: &str, frac_part: &str, scale: i64, point: bool) -> Option<Literal> {
    let digits = int_part.len() + frac_part.len();
    if digits == 0 || digits > 18 || scale.abs() > 18 {
        return None;
    }
    let mut d: u128 = 0;
    for b in int_part.bytes().chain(frac_part.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        d = d * 10 + u128::from(b - b'0');
    }
    let power = 10u128.pow(scale.unsigned_abs() as u32);
    let ratio = |n: u128, m: u128| BigRational::new_raw(BigInt::from(n), BigInt::from(m));
    let (value, half_unit) = if scale >= 0 {
        // 10^s / 2 is 5 · 10^(s-1), or 1/2.
        (ratio(d * power, 1), if scale == 0 { ratio(1, 2) } else { ratio(power / 2, 1) })
    } else {
        let g = num_integer::gcd(d, power);
        (ratio(d / g, power / g), ratio(1, 2 * power))
    };
    Some(Literal { value, half_unit: Some(half_unit), point })
}

/// The value of an expression made of numbers and arithmetic only.
pub fn constant_value(e: &Expr) -> Option<BigRational> {
    Some(match e {
        Expr::Const(l) => l.value.clone(),
        Expr::Neg(a) => -constant_value(a)?,
        Expr::Add(a, b) => constant_value(a)? + constant_value(b)?,
        Expr::Sub(a, b) => constant_value(a)? - constant_value(b)?,
        Expr::Mul(a, b) => constant_value(a)? * constant_value(b)?,
        Expr::Div(a, b) => {
            let d = constant_value(b)?;
            if d.is_zero() {
                return None;
            }
            constant_value(a)? / d
        }
        Expr::Pow(a, b) => {
            let exp = constant_value(b)?;
            if !exp.is_integer() {
                return None;
            }
            let n = exp.to_integer().to_i32().filter(|n| n.abs() <= 64)?;
            let base = constant_value(a)?;
            if n < 0 && base.is_zero() {
                return None;
            }
            // Refuse results too large to be a sensible constant (`((10^64)^64)^64`).
            let bits = base.numer().bits() + base.denom().bits();
            if bits.saturating_mul(u64::from(n.unsigned_abs())) > 20_000 {
                return None;
            }
            num_traits::pow::Pow::pow(base, n)
        }
        _ => return None,
    })
}

/// A number the file gives (`let w = 0.5`) is exact where a step writes it inside arithmetic and
/// the derivation has read it by name (in its head or a step before, directly or through the
/// definitions they read): `≈ 0.5 - 0.01 * (-6)` after
/// `w - lr * diff(L, w)` copies `w` and the rate, it does not round them, so they are not widened
/// (widened, `0.5` would stand for [0.45, 0.55] and hide a gradient of -6 for -8). A number the
/// derivation never reads is widened, and a step that is one number alone stays a rounded result.
/// So is a number the head writes (`1 - 0.001 * 0.3`) where a step copies it (widened, the rate
/// `0.001` stood for ±50% and `≈ 1 - 0.001 * 0.2` was `checked`, a student tester): see
/// [`exact_where_copied`].
/// (A rounded intermediate that equals a given number the derivation reads is taken as that
/// number: `4 * 0.5` for `4 * sigmoid(w * x)` with `w = 0.5`; documented in language.md.)
pub(super) fn given_numbers_exact(model: &mut Model) {
    let given: Vec<Option<BigRational>> = model
        .entries
        .iter()
        .map(|e| match &e.kind {
            EntryKind::Defined(body) => number(body),
            EntryKind::Input(_) | EntryKind::Unknown(_) => None,
        })
        .collect();
    let bodies: Vec<Option<Expr>> = model
        .entries
        .iter()
        .map(|e| match &e.kind {
            EntryKind::Defined(body) => Some(body.clone()),
            EntryKind::Input(_) | EntryKind::Unknown(_) => None,
        })
        .collect();
    for d in &mut model.derivations {
        let mut read: Vec<BigRational> = Vec::new();
        named_numbers(&d.head, &bodies, &given, &mut read);
        let mut in_head = Vec::new();
        written_numbers(&d.head, &mut Vec::new(), false, &mut in_head);
        for s in &mut d.steps {
            if !read.is_empty() && !whole_numbers(&s.expr) {
                read.sort();
                read.dedup();
                s.expr = exact_where_given(&s.expr, &read);
            }
            if !in_head.is_empty() && !whole_numbers(&s.expr) {
                let unclaimed = std::cell::RefCell::new(in_head.clone());
                s.expr = exact_where_copied(&s.expr, &mut Vec::new(), false, &unclaimed);
            }
            named_numbers(&s.expr, &bodies, &given, &mut read);
        }
    }
}

/// A number as written in an expression: its value with its sign, its half unit (the digits
/// written) and where it stands.
#[derive(Debug, Clone, PartialEq)]
struct Written {
    value: BigRational,
    half_unit: BigRational,
    place: Vec<Place>,
}

/// One level of where a number stands: the operation (a builtin by name) and which of its operands
/// holds the number (a negation is looked through).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    Of(std::mem::Discriminant<Expr>, usize),
    Builtin(crate::builtin::Builtin, usize),
}

impl Place {
    fn of(e: &Expr, operand: usize) -> Place {
        match e {
            Expr::Builtin(b, _, _) => Place::Builtin(*b, operand),
            e => Place::Of(std::mem::discriminant(e), operand),
        }
    }
}

/// The numbers an expression writes (of a head: given, never rounded), each with where it stands
/// below `place`.
fn written_numbers(e: &Expr, place: &mut Vec<Place>, negated: bool, out: &mut Vec<Written>) {
    match e {
        Expr::Const(l) => {
            if let Some(half_unit) = &l.half_unit {
                let value = if negated { -l.value.clone() } else { l.value.clone() };
                out.push(Written { value, half_unit: half_unit.clone(), place: place.clone() });
            }
        }
        Expr::Neg(a) => written_numbers(a, place, !negated, out),
        _ => {
            let mut operand = 0;
            e.for_each_child(|c| {
                place.push(Place::of(e, operand));
                written_numbers(c, place, false, out);
                place.pop();
                operand += 1;
            });
        }
    }
}

/// `e` with each number that copies one the head writes exact: the same value and sign, the same
/// digits, standing where the head's stands (the same operand of the same operations, from the
/// top), each of the head's copied once: the rate of `1 - 0.001 * 0.3` in `1 - 0.001 * 0.2`. A
/// rounded intermediate that equals a number of the head stands elsewhere: `2 * 0.23` after
/// `2 * tanh(0.23)`, `0.125 + 2 * 0.5` after `0.5 * 0.25 + 2 * tanh(0.55)` (a first version
/// matched values alone, a second the operation alone; right rounded steps were `wrong`).
fn exact_where_copied(
    e: &Expr,
    place: &mut Vec<Place>,
    negated: bool,
    unclaimed: &std::cell::RefCell<Vec<Written>>,
) -> Expr {
    match e {
        Expr::Const(l) if l.point => {
            let Some(half_unit) = &l.half_unit else { return e.clone() };
            let value = if negated { -l.value.clone() } else { l.value.clone() };
            let written = Written { value, half_unit: half_unit.clone(), place: place.clone() };
            let mut pool = unclaimed.borrow_mut();
            match pool.iter().position(|w| *w == written) {
                Some(k) => {
                    pool.remove(k);
                    Expr::Const(Box::new(Literal { half_unit: None, ..(**l).clone() }))
                }
                None => e.clone(),
            }
        }
        Expr::Neg(a) => Expr::Neg(Box::new(exact_where_copied(a, place, !negated, unclaimed))),
        _ => {
            let operand = std::cell::Cell::new(0);
            let place = std::cell::RefCell::new(std::mem::take(place));
            let out = e.map_children(|c| {
                let mut at = place.borrow_mut();
                at.push(Place::of(e, operand.get()));
                let mapped = exact_where_copied(c, &mut at, false, unclaimed);
                at.pop();
                operand.set(operand.get() + 1);
                mapped
            });
            out
        }
    }
}

/// The values of the given numbers an expression reads by name, directly or through the
/// definitions it reads (`theta1` defined by the update reads `theta0`).
fn named_numbers(e: &Expr, bodies: &[Option<Expr>], given: &[Option<BigRational>], out: &mut Vec<BigRational>) {
    fn walk(e: &Expr, seen: &mut [bool], todo: &mut Vec<usize>) {
        if let Expr::Entry(r) = e {
            if r.entry < seen.len() && !std::mem::replace(&mut seen[r.entry], true) {
                todo.push(r.entry);
            }
        }
        e.for_each_child(|c| walk(c, seen, todo));
    }
    let mut seen = vec![false; given.len()];
    let mut todo = Vec::new();
    walk(e, &mut seen, &mut todo);
    while let Some(id) = todo.pop() {
        if let Some(v) = &given[id] {
            out.push(v.clone());
        } else if let Some(body) = &bodies[id] {
            walk(body, &mut seen, &mut todo);
        }
    }
}

/// The absolute value of a number, negated or not.
fn number(e: &Expr) -> Option<BigRational> {
    match e {
        Expr::Const(l) => Some(l.value.abs()),
        Expr::Neg(a) => number(a),
        _ => None,
    }
}

/// A number, or an array literal of numbers: each is a result, not an operand.
fn whole_numbers(e: &Expr) -> bool {
    match e {
        Expr::Select(_, items) => items.iter().all(whole_numbers),
        _ => number(e).is_some(),
    }
}

fn exact_where_given(e: &Expr, given: &[BigRational]) -> Expr {
    match e {
        Expr::Const(l) if l.half_unit.is_some() && given.binary_search(&l.value.abs()).is_ok() => {
            Expr::Const(Box::new(Literal { half_unit: None, ..(**l).clone() }))
        }
        _ => e.map_children(|c| exact_where_given(c, given)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short literals, made in machine integers, are what the general way makes of them.
    #[test]
    fn short_literals_are_the_general_ones() {
        let same = |a: &BigRational, b: &BigRational| a.numer() == b.numer() && a.denom() == b.denom();
        for (int_part, frac_part, scale) in [
            ("0", "", 0),
            ("1", "", 0),
            ("10", "", 0),
            ("0", "5", -1),
            ("0", "25", -2),
            ("0", "1", -1),
            ("0", "0177", -4),
            ("418", "2", -1),
            ("7", "39", -2),
            ("0", "000", -3),
            ("1", "", 3),
            ("2", "5", -4),
            ("1", "5", 1),
            ("3", "", -18),
            ("123456789012345678", "", 0),
            ("0", "12345678901234567", -17),
            ("999999999999999999", "", 18),
        ] {
            let point = !frac_part.is_empty();
            let short = short_decimal(int_part, frac_part, scale, point).unwrap();
            let long = long_decimal(int_part, frac_part, scale, point).unwrap();
            let at = format!("{int_part}.{frac_part}e{scale}");
            assert!(same(&short.value, &long.value), "{at}: {} against {}", short.value, long.value);
            assert!(same(short.half_unit.as_ref().unwrap(), long.half_unit.as_ref().unwrap()), "{at}: the half unit");
            assert_eq!(short.point, long.point);
        }
    }

    #[test]
    fn decimals_read_as_decimals_and_fractions_as_fractions() {
        let r = |n: i64, d: i64| BigRational::new(BigInt::from(n), BigInt::from(d));
        assert_eq!(decimal_digits(&r(26829, 200000)).as_deref(), Some("0.134145"));
        assert_eq!(decimal_digits(&r(1, 20)).as_deref(), Some("0.05"));
        assert_eq!(decimal_digits(&r(-1, 125)).as_deref(), Some("0.008"));
        assert_eq!(decimal_digits(&r(1234, 10)).as_deref(), Some("123.4"));
        assert_eq!(decimal_digits(&r(6, 5)).as_deref(), Some("1.2"));
        for (n, d) in [(1, 2), (3, 4), (1, 8), (2, 5), (-4, 5), (1, 3), (1, 30), (7, 1)] {
            assert_eq!(decimal_digits(&r(n, d)), None, "{n}/{d} stays a fraction");
        }
        for text in ["0.134145", "0.05", "123.4", "0.000001", "98765.4321"] {
            let value = parse_decimal(text).unwrap().value;
            assert_eq!(decimal_digits(&value).as_deref(), Some(text), "{text} round-trips");
        }
    }
}
