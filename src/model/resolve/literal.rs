//! Literals: a decimal number as an exact rational (with its half unit, for `≈` steps), and the
//! exact value of an expression made of numbers and arithmetic only.
//!
//! Nothing here is a float; evaluation is `numeric`'s.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

use super::MAX_LITERAL_EXPONENT;
use crate::model::ir::*;

pub(super) fn int_literal(v: i64) -> Literal {
    Literal { value: BigRational::from_integer(BigInt::from(v)), half_unit: None, point: false }
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
    let digits: BigInt = format!("{int_part}{frac_part}").parse().ok()?;
    let scale = exponent - frac_part.len() as i64;
    // 10^|scale| as one integer, and each value reduced once (a power of a rational reduces at
    // every product).
    let power = num_traits::pow(BigInt::from(10), scale.unsigned_abs() as usize);
    let (value, half_unit) = if scale >= 0 {
        (BigRational::from_integer(digits * &power), BigRational::new(power, BigInt::from(2)))
    } else {
        (BigRational::new(digits, power.clone()), BigRational::new(BigInt::from(1), power * 2))
    };
    let half_unit = Some(half_unit);
    let point = mantissa.contains('.');
    Some(Literal { value, half_unit, point })
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
