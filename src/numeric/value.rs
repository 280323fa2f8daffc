//! The kinds of number the evaluator computes with: `f64` (and, in `approx.rs`, floats with an
//! error bound), exact rationals (concrete exercises), and (in `interval.rs`) intervals for the
//! range of `≈` steps.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::model::{Builtin, Literal};

/// Why an evaluation produced no number.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// Outside the domain of an operation (log of a negative number, division by zero).
    Undefined(String),
    /// A derivative was taken too close to a kink; the sample is redrawn.
    NearKink,
    /// The finite differences of a derivative did not settle to the accuracy needed (a function
    /// that varies too fast for them, with or without a kink); the sample is redrawn.
    NotConverged,
    /// Exact or interval evaluation is not possible here; the caller falls back to `f64`.
    NotExact,
    /// An entry was read outside its declared range.
    OutOfRange(String),
    /// Too much work; the step is left undetermined.
    Limit(String),
    /// Floats cannot decide: an operand whose error bound reaches the edge of a domain (a divisor
    /// or a logarithm's argument that may be 0). The caller evaluates again in higher precision.
    Imprecise(String),
}

/// The result of evaluating anything.
pub type EvalResult<T> = Result<T, EvalError>;

fn undefined<T>(why: &str) -> EvalResult<T> {
    Err(EvalError::Undefined(why.to_string()))
}

/// The largest number of bits an exact rational may have before evaluation falls back to floats.
pub(super) const MAX_EXACT_BITS: u64 = 20_000;

/// Arithmetic the evaluator needs from a kind of number.
pub trait Value: Clone + std::fmt::Debug {
    /// A literal; `widen` asks for its rounding interval (§5).
    fn literal(lit: &Literal, widen: bool) -> Self;
    /// An integer.
    fn int(v: i64) -> Self;
    /// The value as a float (for sums of interval bounds, reports and causes).
    fn to_f64(&self) -> f64;
    /// Whether it is exactly zero (an interval: only the point 0).
    fn is_exact_zero(&self) -> bool;
    /// `a + b`
    fn add(&self, b: &Self) -> EvalResult<Self>;
    /// `a * b`
    fn mul(&self, b: &Self) -> EvalResult<Self>;
    /// `-a`
    fn neg(&self) -> Self;
    /// `a / b`
    fn div(&self, b: &Self) -> EvalResult<Self>;
    /// `a ^ b`
    fn pow(&self, b: &Self) -> EvalResult<Self>;
    /// A builtin's value, or its `order`-th derivative. `near_kink` is the distance from a kink
    /// below which the evaluation is refused (during finite differences), or 0.
    fn builtin(b: Builtin, order: u32, args: &[Self], near_kink: f64) -> EvalResult<Self>;
    /// `a - b`
    fn sub(&self, b: &Self) -> EvalResult<Self> {
        self.add(&b.neg())
    }
}

/// The message of a value beyond the largest float.
pub const TOO_LARGE: &str = "a value is too large for floating-point numbers (beyond ±1.8e308)";
/// The message of a non-zero value below the smallest float.
pub const TOO_SMALL: &str = "a value is too small for floating-point numbers (below ±2.2e-308)";

/// Checks a float result: infinities and NaN are not values. A computed value beyond the range of
/// floats is `Imprecise`: higher precision may still compare it (`exp(1000 a) / sum(…)`).
fn finite(x: f64) -> EvalResult<f64> {
    if x.is_finite() {
        Ok(x)
    } else if x.is_nan() {
        undefined("not a number")
    } else {
        Err(EvalError::Imprecise(TOO_LARGE.to_string()))
    }
}

/// The error of a value that is not 0 but too small for a float: it would be compared as 0.
pub fn underflow<T>() -> EvalResult<T> {
    Err(EvalError::Limit(TOO_SMALL.to_string()))
}

/// Checks the result of an operation on non-zero operands: 0 there is an underflow, which higher
/// precision may still see past.
fn nonzero(x: f64) -> EvalResult<f64> {
    if x == 0.0 {
        Err(EvalError::Imprecise(TOO_SMALL.to_string()))
    } else {
        finite(x)
    }
}

/// σ'(x) = e/(1 + e)² with e = exp(−|x|): no cancellation in the tails (σ(1 − σ) is 0 in floats
/// from x ≈ 37 on, where σ' is 4e-17 and below).
pub(super) fn sigmoid1(x: f64) -> f64 {
    let e = (-x.abs()).exp();
    e / ((1.0 + e) * (1.0 + e))
}

/// σ''(x) = σ'(x)·(1 − 2σ(x)) = −σ'(x)·tanh(x/2).
pub(super) fn sigmoid2(x: f64) -> f64 {
    -sigmoid1(x) * (x / 2.0).tanh()
}

/// tanh'(x) = 4e/(1 + e)² with e = exp(−2|x|).
pub(super) fn tanh1(x: f64) -> f64 {
    let e = (-2.0 * x.abs()).exp();
    4.0 * e / ((1.0 + e) * (1.0 + e))
}

/// tanh''(x) = −2·tanh(x)·tanh'(x).
pub(super) fn tanh2(x: f64) -> f64 {
    -2.0 * x.tanh() * tanh1(x)
}

pub(super) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn sign(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x.signum()
    }
}

fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// A unary builtin or one of its first two derivatives, in floats.
pub(super) fn builtin_f64(b: Builtin, order: u32, x: f64, near_kink: f64) -> EvalResult<f64> {
    let kink = |at: f64| -> EvalResult<()> {
        if near_kink > 0.0 && (x - at).abs() < near_kink {
            Err(EvalError::NearKink)
        } else {
            Ok(())
        }
    };
    let v = match (b, order) {
        (Builtin::Exp, _) => return nonzero(x.exp()),
        (Builtin::Log, 0) if x > 0.0 => x.ln(),
        (Builtin::Log, 1) if x != 0.0 => 1.0 / x,
        (Builtin::Log, 2) if x != 0.0 => -1.0 / (x * x),
        (Builtin::Log, _) => return undefined("log of a number that is not positive"),
        (Builtin::Sqrt, 0) if x >= 0.0 => x.sqrt(),
        (Builtin::Sqrt, 1) if x > 0.0 => 0.5 / x.sqrt(),
        (Builtin::Sqrt, 2) if x > 0.0 => -0.25 / (x * x.sqrt()),
        (Builtin::Sqrt, _) => return undefined("square root of a negative number"),
        (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step, _) => {
            kink(0.0)?;
            match (b, order) {
                (Builtin::Abs, 0) => x.abs(),
                (Builtin::Relu, 0) => x.max(0.0),
                (Builtin::Sign, 0) => sign(x),
                (Builtin::Step, 0) => f64::from(u8::from(x >= 0.0)),
                _ if x == 0.0 => return undefined("the derivative of a kink is not defined at 0"),
                (Builtin::Abs, 1) => sign(x),
                (Builtin::Relu, 1) => f64::from(u8::from(x > 0.0)),
                _ => 0.0,
            }
        }
        // σ, softplus and their first derivatives are positive everywhere, and σ'' is 0 at 0 alone:
        // a 0 elsewhere is an underflow (σ(-1000) is 5e-435), which higher precision sees past.
        (Builtin::Sigmoid, 0) | (Builtin::Softplus, 1) => return nonzero(sigmoid(x)),
        // (The derivatives in forms without the cancellation of `1 - σ` and `1 - tanh²`, whose
        // absolute error would hide a saturated derivative's sign: `diff(sigmoid(w*x + 40), w)`.)
        (Builtin::Sigmoid, 1) | (Builtin::Softplus, 2) => return nonzero(sigmoid1(x)),
        (Builtin::Sigmoid, 2) if x == 0.0 => 0.0,
        (Builtin::Sigmoid, 2) => return nonzero(sigmoid2(x)),
        (Builtin::Tanh, 0) => x.tanh(),
        // tanh′ is positive everywhere and tanh″ 0 at 0 alone: a 0 elsewhere is an underflow
        // (tanh′(400) is 7e-348), which higher precision sees past.
        (Builtin::Tanh, 1) => return nonzero(tanh1(x)),
        (Builtin::Tanh, 2) if x == 0.0 => 0.0,
        (Builtin::Tanh, 2) => return nonzero(tanh2(x)),
        (Builtin::Softplus, 0) => return nonzero(softplus(x)),
        // The derivatives of `erf` and `atan` are formulas (`crate::builtin`) that the evaluator
        // expands; these kernels of them are for `numeric::builtin_kernels`, which checks the
        // value's kernel against them.
        (Builtin::Erf, 0) => libm::erf(x),
        (Builtin::Erf, 1) => std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp(),
        (Builtin::Erf, 2) => -2.0 * x * std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp(),
        (Builtin::Atan, 0) => x.atan(),
        (Builtin::Atan, 1) => 1.0 / (1.0 + x * x),
        (Builtin::Atan, 2) => -2.0 * x / (1.0 + x * x).powi(2),
        (Builtin::Sin, n) => (x + f64::from(n) * std::f64::consts::FRAC_PI_2).sin(),
        (Builtin::Cos, n) => (x + f64::from(n) * std::f64::consts::FRAC_PI_2).cos(),
        _ => return Err(EvalError::Limit(format!("derivatives of order {order} of `{}` are not supported", b.name()))),
    };
    finite(v)
}

impl Value for f64 {
    fn literal(lit: &Literal, _widen: bool) -> f64 {
        ratio_to_f64(&lit.value)
    }
    fn int(v: i64) -> f64 {
        v as f64
    }
    fn to_f64(&self) -> f64 {
        *self
    }
    fn is_exact_zero(&self) -> bool {
        *self == 0.0
    }
    fn add(&self, b: &f64) -> EvalResult<f64> {
        finite(self + b)
    }
    fn mul(&self, b: &f64) -> EvalResult<f64> {
        if *self == 0.0 || *b == 0.0 {
            return Ok(self * b);
        }
        nonzero(self * b)
    }
    fn neg(&self) -> f64 {
        -self
    }
    fn div(&self, b: &f64) -> EvalResult<f64> {
        if *b == 0.0 {
            return undefined("division by zero");
        }
        if *self == 0.0 {
            return Ok(0.0);
        }
        nonzero(self / b)
    }
    fn pow(&self, b: &f64) -> EvalResult<f64> {
        let (x, y) = (*self, *b);
        if x == 0.0 && y < 0.0 {
            return undefined("zero to a negative power");
        }
        if x < 0.0 && y.fract() != 0.0 {
            return undefined("a negative number to a fractional power");
        }
        if x < 0.0 && y.abs() >= 9_007_199_254_740_992.0 {
            // Past 2^53 a float holds even integers only: the exponent as written may be odd
            // (`(-1)^(2^53 + 1)`), and its parity is the sign.
            return Err(EvalError::Imprecise("a negative number to a power beyond 2^53".to_string()));
        }
        let v = if y.fract() == 0.0 && y.abs() < 2_147_483_647.0 { x.powi(y as i32) } else { x.powf(y) };
        if x == 0.0 {
            return finite(v);
        }
        nonzero(v)
    }
    fn builtin(b: Builtin, order: u32, args: &[f64], near_kink: f64) -> EvalResult<f64> {
        match (b, args) {
            (Builtin::Max | Builtin::Min, [x, y]) => {
                if near_kink > 0.0 && (x - y).abs() < near_kink {
                    return Err(EvalError::NearKink);
                }
                Ok(if b == Builtin::Max { x.max(*y) } else { x.min(*y) })
            }
            (_, [x]) => builtin_f64(b, order, *x, near_kink),
            // The nearest float to π.
            (Builtin::Pi, []) => Ok(std::f64::consts::PI),
            _ => Err(EvalError::Limit("wrong number of arguments".to_string())),
        }
    }
}

/// Converts a rational to the nearest float (also for huge numerators and denominators, and
/// for values near the ends of the range of floats: `99597/10^309` is 9.9597e-305, not 0 as a
/// quotient of the two scaled alike made it); beyond that range ±infinity or ±0.
pub fn ratio_to_f64(r: &BigRational) -> f64 {
    // num-rational rounds correctly (to nearest, ties to even) where both parts are big.
    num_traits::ToPrimitive::to_f64(r).unwrap_or(f64::NAN)
}

fn bits(r: &BigRational) -> u64 {
    r.numer().bits() + r.denom().bits()
}

/// The work of adding exact `a` and `b` beyond one operation of the evaluator (about 0.1 µs),
/// from the sizes of the numbers: integers are added in linear time, and a sum that is not an
/// integer is normalised with num-bigint's binary gcd, about bits² / 2¹⁴ for the bits of both
/// operands together (17 ms for two fractions of 40,000 bits each). Small numbers cost nothing
/// extra.
pub(super) fn sum_work(a: &BigRational, b: &BigRational) -> u64 {
    if a.is_integer() && b.is_integer() {
        (bits(a) + bits(b)) >> 12
    } else {
        gcd_work(a, b)
    }
}

/// The work of multiplying or dividing exact `a` and `b` beyond one operation (see
/// [`sum_work`]): integers are multiplied in about bits_a · bits_b / 2¹⁶ (170 µs for two of
/// 20,000 bits); fractions are reduced with gcds.
pub(super) fn product_work(a: &BigRational, b: &BigRational) -> u64 {
    if a.is_integer() && b.is_integer() {
        bits(a).saturating_mul(bits(b)) >> 16
    } else {
        gcd_work(a, b)
    }
}

fn gcd_work(a: &BigRational, b: &BigRational) -> u64 {
    let t = bits(a).saturating_add(bits(b));
    t.saturating_mul(t) >> 14
}

/// The `k` of a rational whose denominator is `2^k` (a float read exactly, and the sums and
/// products of such), if it is one.
fn binary_exponent(r: &BigRational) -> Option<u64> {
    let d = r.denom().magnitude();
    (d.count_ones() == 1).then(|| d.trailing_zeros().unwrap_or(0))
}

/// `n / 2^k` in lowest terms, made without a gcd: the only common factors are twos.
fn over_power_of_two(n: BigInt, k: u64) -> BigRational {
    let Some(zeros) = n.trailing_zeros() else { return BigRational::zero() };
    let shift = zeros.min(k);
    BigRational::new_raw(n >> shift, BigInt::one() << (k - shift))
}

/// `x` exactly, as a rational (see [`over_power_of_two`]); none for an infinity or NaN.
pub(super) fn float_as_rational(x: f64) -> Option<BigRational> {
    if !x.is_finite() {
        return None;
    }
    let (mantissa, exponent, sign) = num_traits::float::FloatCore::integer_decode(x);
    let n = BigInt::from(mantissa) * i64::from(sign);
    Some(if exponent >= 0 {
        BigRational::from_integer(n << exponent.unsigned_abs())
    } else {
        over_power_of_two(n, u64::from(exponent.unsigned_abs()))
    })
}

fn exact(r: BigRational) -> EvalResult<BigRational> {
    if bits(&r) > MAX_EXACT_BITS {
        Err(EvalError::NotExact)
    } else {
        Ok(r)
    }
}

fn rat(n: i64, d: i64) -> BigRational {
    BigRational::new(BigInt::from(n), BigInt::from(d))
}

/// Exact square root of a rational that is a perfect square.
pub fn exact_sqrt(r: &BigRational) -> Option<BigRational> {
    if r.is_negative() {
        return None;
    }
    let n = r.numer().sqrt();
    let d = r.denom().sqrt();
    (&n * &n == *r.numer() && &d * &d == *r.denom()).then(|| BigRational::new(n, d))
}

impl Value for BigRational {
    fn literal(lit: &Literal, _widen: bool) -> BigRational {
        lit.value.clone()
    }
    fn int(v: i64) -> BigRational {
        BigRational::from_integer(BigInt::from(v))
    }
    fn to_f64(&self) -> f64 {
        ratio_to_f64(self)
    }
    fn is_exact_zero(&self) -> bool {
        num_traits::Zero::is_zero(self)
    }
    fn add(&self, b: &BigRational) -> EvalResult<BigRational> {
        // Binary fractions (integers, sampled inputs read exactly, and their sums and products)
        // skip the gcd that normalising a rational costs: num-bigint's binary gcd of a 20,000-bit
        // number and 1 takes quadratic time (`prod(i in 1..100000, i)` took 40 s).
        if let (Some(ka), Some(kb)) = (binary_exponent(self), binary_exponent(b)) {
            let k = ka.max(kb);
            return exact(over_power_of_two((self.numer() << (k - ka)) + (b.numer() << (k - kb)), k));
        }
        exact(self + b)
    }
    fn mul(&self, b: &BigRational) -> EvalResult<BigRational> {
        if let (Some(ka), Some(kb)) = (binary_exponent(self), binary_exponent(b)) {
            return exact(over_power_of_two(self.numer() * b.numer(), ka + kb));
        }
        exact(self * b)
    }
    fn neg(&self) -> BigRational {
        -self
    }
    fn div(&self, b: &BigRational) -> EvalResult<BigRational> {
        if b.is_zero() {
            return undefined("division by zero");
        }
        exact(self / b)
    }
    fn pow(&self, b: &BigRational) -> EvalResult<BigRational> {
        if !b.is_integer() {
            // x^(1/2) of a perfect square is exact; anything else falls back to floats.
            if *b == rat(1, 2) {
                if self.is_negative() {
                    return undefined("a negative number to a fractional power");
                }
                return exact_sqrt(self).ok_or(EvalError::NotExact);
            }
            return Err(EvalError::NotExact);
        }
        // 0, 1 and -1 to any integer power, however large (`(-1)^(2^53 + 1)` is -1).
        if self.is_zero() || self.abs().is_one() {
            let odd = !(b.to_integer() % BigInt::from(2)).is_zero();
            return if self.is_zero() {
                if b.is_negative() {
                    undefined("zero to a negative power")
                } else if b.is_zero() {
                    Ok(BigRational::one())
                } else {
                    Ok(BigRational::zero())
                }
            } else if self.is_negative() && odd {
                Ok(-BigRational::one())
            } else {
                Ok(BigRational::one())
            };
        }
        let n = b.to_integer().to_i64().filter(|n| n.unsigned_abs() <= 100_000).ok_or(EvalError::NotExact)?;
        if self.is_zero() && n < 0 {
            return undefined("zero to a negative power");
        }
        if bits(self).saturating_mul(n.unsigned_abs()) > MAX_EXACT_BITS {
            return Err(EvalError::NotExact);
        }
        Ok(num_traits::pow::Pow::pow(self.clone(), n as i32))
    }
    fn builtin(b: Builtin, order: u32, args: &[BigRational], _near_kink: f64) -> EvalResult<BigRational> {
        let zero = BigRational::zero();
        let one = BigRational::one();
        let Some(x) = args.first() else {
            return Err(EvalError::NotExact);
        };
        let at_zero = x.is_zero();
        Ok(match (b, order) {
            (Builtin::Max, 0) => args.iter().max().cloned().unwrap_or(zero),
            (Builtin::Min, 0) => args.iter().min().cloned().unwrap_or(zero),
            (Builtin::Relu, 0) => x.max(&zero).clone(),
            (Builtin::Abs, 0) => x.abs(),
            (Builtin::Sign, 0) => x.signum(),
            (Builtin::Step, 0) if x.is_negative() => zero,
            (Builtin::Step, 0) => one,
            (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step, _) if at_zero => {
                return undefined("the derivative of a kink is not defined at 0")
            }
            (Builtin::Abs, 1) => x.signum(),
            (Builtin::Relu, 1) if x.is_negative() => zero,
            (Builtin::Relu, 1) => one,
            (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step, _) => zero,
            (Builtin::Exp, _) if at_zero => one,
            (Builtin::Log, 0) if *x == one => zero,
            (Builtin::Log, 0) if !x.is_positive() => return undefined("log of a number that is not positive"),
            (Builtin::Log, 1) if !at_zero => x.recip(),
            (Builtin::Log, 2) if !at_zero => -(x * x).recip(),
            (Builtin::Sqrt, 0) if x.is_negative() => return undefined("square root of a negative number"),
            (Builtin::Sqrt, 0) => exact_sqrt(x).ok_or(EvalError::NotExact)?,
            (Builtin::Sigmoid, 0) if at_zero => rat(1, 2),
            (Builtin::Sigmoid, 1) if at_zero => rat(1, 4),
            (Builtin::Sigmoid, 2) if at_zero => zero,
            // π is irrational: an exact evaluation gives up on it.
            (Builtin::Pi, _) => return Err(EvalError::NotExact),
            (Builtin::Tanh, 0) | (Builtin::Sin, 0) | (Builtin::Erf, 0) | (Builtin::Atan, 0) if at_zero => zero,
            (Builtin::Tanh, 1) | (Builtin::Cos, 0) | (Builtin::Sin, 1) if at_zero => one,
            (Builtin::Tanh, 2) | (Builtin::Cos, 1) if at_zero => zero,
            (Builtin::Softplus, 1) if at_zero => rat(1, 2),
            (Builtin::Softplus, 2) if at_zero => rat(1, 4),
            _ => return Err(EvalError::NotExact),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_decimal;

    /// The nearest float, also where numerator and denominator are far apart in size or beyond
    /// the range of floats themselves (Rust's parsing of decimals rounds correctly too).
    #[test]
    fn rationals_become_the_nearest_float() {
        for text in [
            "9.9597e-305",
            "1e-300",
            "2.5e-310",
            "1.7976931348623157e308",
            "0.1",
            "123456789.123456789",
            "0.12345678901234567890123456789",
            "9007199254740993",
        ] {
            let r = parse_decimal(text).unwrap().value;
            assert_eq!(ratio_to_f64(&r), text.parse::<f64>().unwrap(), "{text}");
        }
        let tiny = parse_decimal("1e-400").unwrap().value;
        assert_eq!(ratio_to_f64(&tiny), 0.0);
        assert_eq!(ratio_to_f64(&-parse_decimal("1e400").unwrap().value), f64::NEG_INFINITY);
    }

    #[test]
    fn rationals_are_exact() {
        let a = parse_decimal("0.1").unwrap().value;
        let b = parse_decimal("0.2").unwrap().value;
        assert_eq!(a.add(&b).unwrap(), parse_decimal("0.3").unwrap().value);
    }

    /// Floats read exactly, and the sums and products of binary fractions made without a gcd,
    /// are num-rational's own results in lowest terms, numerator and denominator alike.
    #[test]
    fn binary_fractions_are_num_rationals_own() {
        let floats = [0.0, -0.0, 1.0, -3.0, 0.5, 0.1, -1.7320508075688772, 2.5e-7, 1e300, 3.0e-320, 1.5, -0.375];
        let same = |a: &BigRational, b: &BigRational| a.numer() == b.numer() && a.denom() == b.denom();
        for &x in &floats {
            let q = float_as_rational(x).unwrap();
            assert!(same(&q, &BigRational::from_float(x).unwrap()), "{x}");
            for &y in &floats {
                let r = float_as_rational(y).unwrap();
                assert!(same(&q.add(&r).unwrap(), &(&q + &r)), "{x} + {y}");
                assert!(same(&q.mul(&r).unwrap(), &(&q * &r)), "{x} * {y}");
            }
        }
        assert!(float_as_rational(f64::NAN).is_none() && float_as_rational(f64::INFINITY).is_none());
        // One side not a binary fraction: the general way.
        let third = rat(1, 3);
        assert!(same(&third.add(&rat(1, 4)).unwrap(), &rat(7, 12)));
        assert!(same(&third.mul(&rat(3, 4)).unwrap(), &rat(1, 4)));
    }

    #[test]
    fn kinks_are_refused_during_differences() {
        assert_eq!(f64::builtin(Builtin::Relu, 0, &[0.01], 0.1), Err(EvalError::NearKink));
        assert_eq!(f64::builtin(Builtin::Relu, 0, &[0.0], 0.0), Ok(0.0));
    }
}
