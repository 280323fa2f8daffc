//! Numbers as text for reports: floats to a number of significant digits, exact rationals beyond
//! the range of floats. No verdict depends on them.

use num_rational::BigRational;

use super::evaluate::Point;

/// Two exact values that differ, written with enough digits to tell them apart, when their floats
/// print the same (to 15 digits).
pub(super) fn exact_texts(a: &Point, b: &Point) -> Option<(String, String)> {
    let (Point::Value { exact: Some(x), float: fx, .. }, Point::Value { exact: Some(y), float: fy, .. }) = (a, b)
    else {
        return None;
    };
    if x == y || significant(*fx, 15) != significant(*fy, 15) {
        return None;
    }
    (6..=60).map(|digits| (exact_significant(x, digits), exact_significant(y, digits))).find(|(p, q)| p != q)
}

/// An exact rational with `digits` significant digits (rounded), in scientific notation beyond
/// the range where `significant` writes it plainly: `1e-400`, `-2.5`, `0`.
pub fn exact_significant(r: &BigRational, digits: usize) -> String {
    use num_bigint::BigInt;
    use num_traits::{Signed, Zero};
    if r.is_zero() {
        return "0".to_string();
    }
    let sign = if r.is_negative() { "-" } else { "" };
    let x = r.abs();
    let ten = BigRational::from_integer(BigInt::from(10));
    let digits = digits.max(1);
    // The decimal exponent: estimated from the bit lengths, then corrected.
    let bits = x.numer().bits() as i64 - x.denom().bits() as i64;
    let mut e = (bits as f64 * std::f64::consts::LOG10_2).floor() as i64;
    let pow = |k: i64| -> BigRational {
        let p = num_traits::pow::pow(ten.clone(), k.unsigned_abs() as usize);
        if k >= 0 {
            p
        } else {
            p.recip()
        }
    };
    let lower = BigInt::from(10).pow(digits as u32 - 1);
    let upper = BigInt::from(10).pow(digits as u32);
    let mut mantissa = BigInt::zero();
    for _ in 0..8 {
        let scaled = &x * pow(digits as i64 - 1 - e);
        mantissa = scaled.round().to_integer();
        if mantissa >= upper {
            e += 1;
        } else if mantissa < lower {
            e -= 1;
        } else {
            break;
        }
    }
    let text = mantissa.to_string();
    let (head, tail) = text.split_at(1);
    let tail = tail.trim_end_matches('0');
    let body = if tail.is_empty() { head.to_string() } else { format!("{head}.{tail}") };
    if e == 0 {
        format!("{sign}{body}")
    } else {
        format!("{sign}{body}e{e}")
    }
}

/// A call of an unknown function at numbers, as the language writes it: `f'(0.31)`, `g(0.1, 2)`.
pub(super) fn call_text(name: &str, order: u32, args: &[f64], digits: i32) -> String {
    let args: Vec<String> = args.iter().map(|&x| significant(x, digits)).collect();
    format!("{name}{}({})", "'".repeat(order as usize), args.join(", "))
}

/// `x` with `digits` significant digits, without trailing zeros.
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 {
        // Also -0.0, which a student reads as a sign.
        return "0".to_string();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-5..digits + 2).contains(&magnitude) {
        return format!("{x:.prec$e}", prec = (digits - 1) as usize);
    }
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::exact_significant;
    use num_rational::BigRational;

    #[test]
    fn exact_values_beyond_floats_are_written_out() {
        let r = |s: &str| crate::model::parse_decimal(s).unwrap().value;
        assert_eq!(exact_significant(&r("1e-400"), 6), "1e-400");
        assert_eq!(exact_significant(&-r("2.5"), 6), "-2.5");
        assert_eq!(exact_significant(&r("1.00000000000000000001"), 21), "1.00000000000000000001");
        assert_eq!(exact_significant(&r("123456"), 3), "1.23e5");
        assert_eq!(exact_significant(&BigRational::from_integer(0.into()), 6), "0");
    }
}
