//! Floats that carry a bound on their absolute error: a first-order running error analysis of
//! every operation of a float evaluation.
//!
//! Each value is off from the exact result of its expression (at the sampled inputs) by at most
//! its `error`, to first order. An operation passes on its operands' errors, scaled by how much
//! it amplifies them (`a * b` by |a|·eb + |b|·ea, `a / b` by (ea + |a/b|·eb) / (|b| − eb), a
//! function by the size of its derivative), and adds its own rounding. A finite difference enters
//! with the error `eval.rs` gives it: a safety factor times Ridders' estimate of its truncation
//! error, plus a bound on the noise of the values differenced (`fd.rs`). Where nothing can be
//! said (a divisor whose error reaches 0) the bound is infinite.

use crate::model::{Builtin, Literal};

use super::value::{builtin_f64, sigmoid, sigmoid1, sigmoid2, tanh1, tanh2, EvalError, EvalResult, Value};

/// The unit roundoff: a correctly rounded operation is off by at most this share of its result.
pub const UNIT: f64 = f64::EPSILON / 2.0;
/// How many units a builtin of the maths library (and the few operations around it) may be off.
const LIBM_UNITS: f64 = 4.0;
/// Integers up to this size are floats exactly.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// A float and a bound on its absolute error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approx {
    /// The computed value.
    pub value: f64,
    /// A bound on `|value - exact|`, to first order (infinite where nothing can be said).
    pub error: f64,
}

impl Approx {
    /// A value without error (a sampled input, a perturbed point).
    #[inline]
    pub fn exact(value: f64) -> Approx {
        Approx { value, error: 0.0 }
    }

    /// A computed value whose operands had errors amounting to `propagated`, rounded once.
    #[inline]
    fn rounded(value: f64, propagated: f64) -> Approx {
        Approx { value, error: bound(propagated + UNIT * value.abs() + subnormal(value)) }
    }
}

/// The absolute rounding a result below the normal range may have besides its share `UNIT`: the
/// spacing of the subnormal floats (a result there keeps fewer bits; `exp(-744)` is about 1.7
/// units of it, 5e-324 or 1e-323 once rounded).
#[inline]
fn subnormal(value: f64) -> f64 {
    if value != 0.0 && value.abs() < f64::MIN_POSITIVE {
        SUBNORMAL_SPACING
    } else {
        0.0
    }
}

/// The spacing of the subnormal floats, 2⁻¹⁰⁷⁴.
const SUBNORMAL_SPACING: f64 = 5e-324;

/// Floats cannot decide an operation whose operand's error bound reaches the edge of its domain.
fn imprecise<T>(what: &str) -> EvalResult<T> {
    Err(EvalError::Imprecise(format!("{what} that floats cannot tell from the edge of its domain")))
}

/// `x * e` where a zero factor wins over an infinite error: an exact 0 times anything is 0.
#[inline]
fn scaled(x: f64, e: f64) -> f64 {
    if x == 0.0 || e == 0.0 {
        0.0
    } else {
        x.abs() * e
    }
}

/// An error bound, with NaN (from an infinite error) read as unbounded.
#[inline]
fn bound(e: f64) -> f64 {
    if e.is_nan() {
        f64::INFINITY
    } else {
        e
    }
}

impl Value for Approx {
    #[inline]
    fn literal(lit: &Literal, widen: bool) -> Approx {
        let x = f64::literal(lit, widen);
        // `0.1` is not a float; `3` and `0.5` are.
        let exact = lit.value.is_integer() && x.abs() <= EXACT_INTEGERS;
        Approx { value: x, error: if exact { 0.0 } else { UNIT * x.abs() } }
    }
    #[inline]
    fn int(v: i64) -> Approx {
        let x = v as f64;
        Approx { value: x, error: if x.abs() <= EXACT_INTEGERS { 0.0 } else { UNIT * x.abs() } }
    }
    #[inline]
    fn to_f64(&self) -> f64 {
        self.value
    }
    #[inline]
    fn is_exact_zero(&self) -> bool {
        self.value == 0.0 && self.error == 0.0
    }
    #[inline]
    fn add(&self, b: &Approx) -> EvalResult<Approx> {
        Ok(Approx::rounded(self.value.add(&b.value)?, self.error + b.error))
    }
    #[inline]
    fn mul(&self, b: &Approx) -> EvalResult<Approx> {
        let value = self.value.mul(&b.value)?;
        let (x, y) = (self.value.abs(), b.value.abs());
        let mut propagated = x * b.error + y * self.error + self.error * b.error;
        if propagated.is_nan() {
            // An infinite error times an exact 0.
            propagated = scaled(x, b.error) + scaled(y, self.error) + scaled(self.error, b.error);
        }
        Ok(Approx::rounded(value, propagated))
    }
    #[inline]
    fn neg(&self) -> Approx {
        Approx { value: -self.value, error: self.error }
    }
    #[inline]
    fn div(&self, b: &Approx) -> EvalResult<Approx> {
        if b.value == 0.0 && b.error > 0.0 {
            return imprecise("a divisor");
        }
        let value = self.value.div(&b.value)?;
        let room = b.value.abs() - b.error;
        // A divisor whose error reaches 0 leaves the quotient unbounded.
        let propagated = if room > 0.0 { (self.error + scaled(value, b.error)) / room } else { f64::INFINITY };
        Ok(Approx::rounded(value, propagated))
    }
    fn pow(&self, b: &Approx) -> EvalResult<Approx> {
        let (x, y) = (self.value, b.value);
        let value = x.pow(&y).or_else(|e| {
            // A base that may lie on the other side of 0 (or be 0) within its error.
            let edge = self.error > 0.0 && (x - self.error).pow(&y).is_ok() != (x + self.error).pow(&y).is_ok();
            if matches!(e, EvalError::Undefined(_)) && (edge || b.error > 0.0) {
                imprecise("a base")
            } else {
                Err(e)
            }
        })?;
        // ∂/∂x = y·x^(y-1), ∂/∂y = x^y·log x. At a base of 0 (and a positive exponent) the power
        // of anything within the base's error is at most error^y, which error^min(y,1)·max(y,1)
        // bounds. A negative base only takes integer exponents: a computed exponent that is an
        // integer there is taken as that integer.
        let by_base = if self.error == 0.0 || y == 0.0 {
            0.0
        } else if x == 0.0 {
            self.error.powf(y.min(1.0)) * y.max(1.0)
        } else {
            scaled(y * value / x, self.error)
        };
        let by_exponent = if b.error == 0.0 || x <= 0.0 { 0.0 } else { scaled(value * x.ln(), b.error) };
        // `powi` multiplies about 2·log2|y| times, each rounded.
        let units = 2.0 + 2.0 * (y.abs() + 1.0).log2();
        Ok(Approx { value, error: bound(by_base + by_exponent + units * (UNIT * value.abs() + subnormal(value))) })
    }
    fn builtin(b: Builtin, order: u32, args: &[Approx], near_kink: f64) -> EvalResult<Approx> {
        match args {
            [x, y] => {
                let value = f64::builtin(b, order, &[x.value, y.value], near_kink)?;
                // `max` and `min` move by no more than their arguments do.
                Ok(Approx { value, error: x.error.max(y.error) })
            }
            [x] => {
                let value = builtin_f64(b, order, x.value, near_kink).or_else(|e| {
                    // Undefined here, but defined somewhere within the argument's error (`log` of a
                    // `1 - σ(z)` that rounded to 0): floats cannot tell.
                    let (lo, hi) = (x.value - x.error, x.value + x.error);
                    let defined_near = x.error > 0.0
                        && [lo, hi, 0.5 * (lo + x.value), 0.5 * (x.value + hi)]
                            .iter()
                            .any(|&v| builtin_f64(b, order, v, 0.0).is_ok());
                    if matches!(e, EvalError::Undefined(_)) && defined_near {
                        imprecise("an argument")
                    } else {
                        Err(e)
                    }
                })?;
                let libm = LIBM_UNITS * subnormal(value);
                let error = bound(slope(b, order, x, value) + rounding(b, order, x.value, value) + libm);
                Ok(Approx { value, error })
            }
            // A constant: the nearest float, within half a unit.
            [] => {
                let value = f64::builtin(b, order, &[], near_kink)?;
                Ok(Approx { value, error: UNIT * value.abs() })
            }
            _ => Err(EvalError::Limit("wrong number of arguments".to_string())),
        }
    }
}

/// How far a builtin (or its `order`-th derivative), which is `value` at `x`, can move when its
/// argument moves by its error: the size of the next derivative times the error, or for a step the
/// height of the step when the argument may lie on the other side of the kink.
fn slope(b: Builtin, order: u32, x: &Approx, value: f64) -> f64 {
    let (v, e) = (x.value, x.error);
    if e == 0.0 {
        return 0.0;
    }
    let s = || sigmoid(v);
    let t = || v.tanh();
    // The size of the next derivative (from the value itself where it gives it cheaply).
    let derivative = match (b, order) {
        (Builtin::Abs | Builtin::Relu, 0) => 1.0,
        (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step, _) => {
            return if e >= v.abs() { 2.0 } else { 0.0 };
        }
        (Builtin::Exp, _) => value,
        (Builtin::Log, n) => factorial(n) / v.abs().powi(n as i32 + 1),
        // Not Lipschitz at 0: the image of [v - e, v + e] is within e/√v of √v, or within √e.
        (Builtin::Sqrt, 0) => return if e <= v { e / value } else { e.sqrt() },
        (Builtin::Sqrt, 1) => 0.25 / (v * v.sqrt()),
        (Builtin::Sqrt, _) => 0.375 / (v * v * v.sqrt()),
        (Builtin::Sigmoid, 0) => sigmoid1(v),
        (Builtin::Tanh, 0) => tanh1(v),
        (Builtin::Softplus, 0) => s(),
        (Builtin::Sigmoid | Builtin::Softplus, n) => {
            // The (n+1)-th derivative of σ, where softplus is one derivative ahead.
            let n = if b == Builtin::Softplus { n - 1 } else { n };
            let first = sigmoid1(v);
            match n {
                0 => first,
                1 => sigmoid2(v),
                // σ''' = σ'·(1 − 6σ + 6σ²) = σ'·(1 − 6σ').
                _ => first * (1.0 - 6.0 * first),
            }
        }
        (Builtin::Tanh, 1) => tanh2(v),
        // tanh''' = −2·tanh'·(1 − 3·tanh²).
        (Builtin::Tanh, _) => 2.0 * tanh1(v) * (1.0 - 3.0 * t() * t()),
        (Builtin::Sin | Builtin::Cos | Builtin::Max | Builtin::Min, _) => 1.0,
        // Their largest slopes: erf' ≤ 2/√π, atan' ≤ 1 (only the value has a kernel here; the
        // evaluator expands their derivatives' formulas).
        (Builtin::Erf, 0) => std::f64::consts::FRAC_2_SQRT_PI,
        (Builtin::Atan, 0) => 1.0,
        // A builtin defined by a formula never reaches a kernel (the evaluator expands it); every
        // primitive is covered above, as `numeric::builtin_kernels` checks.
        #[allow(unreachable_patterns)]
        _ => f64::INFINITY,
    };
    scaled(derivative, e)
}

fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

/// The rounding error of computing a builtin at `x` (giving `value`). The derivatives of
/// `sigmoid`, `tanh` and `softplus` are computed without the cancellation of `1 - σ` or
/// `1 - tanh²` (`value::sigmoid1`), so their error is relative to the value, tiny or not.
fn rounding(b: Builtin, order: u32, x: f64, value: f64) -> f64 {
    let units = LIBM_UNITS * UNIT;
    match (b, order) {
        (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step | Builtin::Max | Builtin::Min, _) => 0.0,
        // `e / ((1 + e)·(1 + e))` with `e = exp(-|x|)` (`4·e` for tanh′ with `exp(-2|x|)`): the
        // exponential's error and three roundings, relative to the value; the second derivatives
        // a tanh's error and one product more.
        (Builtin::Sigmoid, 1) | (Builtin::Softplus, 2) | (Builtin::Tanh, 1) => 4.0 * units * value.abs(),
        (Builtin::Sigmoid, 2) | (Builtin::Tanh, 2) => 8.0 * units * value.abs(),
        // The argument `x + order·π/2` is rounded before the sine is taken.
        (Builtin::Sin | Builtin::Cos, n) => units * (1.0 + x.abs() + f64::from(n) * std::f64::consts::FRAC_PI_2),
        _ => units * value.abs(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of a computed value against a reference computed more accurately.
    fn within(a: Approx, exact: f64) -> bool {
        (a.value - exact).abs() <= a.error
    }

    #[test]
    fn cancellation_is_bounded_by_its_operands() {
        // 1 - sigmoid(18) cancels: the bound is about one unit of 1, not of the tiny result.
        let p = Approx::builtin(Builtin::Sigmoid, 0, &[Approx::exact(18.0)], 0.0).unwrap();
        let q = Approx::int(1).sub(&p).unwrap();
        let exact = (-18.0f64).exp() / (1.0 + (-18.0f64).exp());
        assert!(within(q, exact), "{q:?} vs {exact}");
        assert!(q.error > 1e-17 && q.error < 1e-15, "{q:?}");
        // Dividing by it amplifies the error of the numerator.
        let d = Approx { value: 1.5e-8, error: 1e-15 }.div(&q).unwrap();
        assert!(d.error > 1e-15 / 1.6e-8, "{d:?}");
    }

    #[test]
    fn results_below_the_normal_range_carry_the_subnormal_spacing() {
        // exp(-744) is 1.7 subnormal spacings: the float keeps no relative precision.
        let a = Approx::builtin(Builtin::Exp, 0, &[Approx::exact(-744.0)], 0.0).unwrap();
        let b = Approx::builtin(Builtin::Exp, 0, &[Approx::exact(-745.0)], 0.0).unwrap();
        assert!(a.error >= SUBNORMAL_SPACING && b.error >= SUBNORMAL_SPACING, "{a:?} {b:?}");
        // Its share of a sum (true: 1/(1 + e⁻¹) = 0.731) cannot be told: the divisor may be 0.
        let share = a.add(&b).and_then(|sum| a.div(&sum));
        assert!(
            share.as_ref().is_ok_and(|q| (q.value - 0.731_058_578_630_004_9).abs() <= q.error) || share.is_err(),
            "{share:?}"
        );
        // A product that lands there too.
        let p = Approx::exact(1e-160).mul(&Approx::exact(1e-160)).unwrap();
        assert!(p.error >= SUBNORMAL_SPACING, "{p:?}");
        // Normal results are as before.
        let n = Approx::exact(3.0).mul(&Approx::exact(1e-300)).unwrap();
        assert_eq!(n.error, UNIT * 3e-300);
    }

    #[test]
    fn products_scale_errors() {
        let a = Approx { value: 1000.0, error: 1e-6 };
        let b = Approx { value: 3.0, error: 0.0 };
        let p = a.mul(&b).unwrap();
        assert!((p.error - 3e-6).abs() < 1e-12, "{p:?}");
        // An exact 0 times an unbounded value is an exact 0.
        let z = Approx::exact(0.0).mul(&Approx { value: 2.0, error: f64::INFINITY }).unwrap();
        assert_eq!(z, Approx::exact(0.0));
    }

    #[test]
    fn a_divisor_that_may_be_zero_leaves_the_quotient_unbounded() {
        let q = Approx::exact(1.0).div(&Approx { value: 1e-9, error: 2e-9 }).unwrap();
        assert_eq!(q.error, f64::INFINITY);
    }

    #[test]
    fn square_roots_near_zero_are_bounded_by_the_root_of_the_error() {
        // The argument may really be 1e-20 + 1e-16, whose root is 100 times the computed one.
        let r = Approx::builtin(Builtin::Sqrt, 0, &[Approx { value: 1e-20, error: 1e-16 }], 0.0).unwrap();
        assert!(within(r, (1e-20f64 + 1e-16).sqrt()) && r.error <= 2e-8, "{r:?}");
        let z = Approx { value: 0.0, error: 1e-12 }.pow(&Approx::int(2)).unwrap();
        assert!(z.error >= 1e-24 && z.error.is_finite(), "{z:?}");
    }

    #[test]
    fn steps_jump_only_across_the_kink() {
        let near = Approx::builtin(Builtin::Step, 0, &[Approx { value: 1e-12, error: 1e-11 }], 0.0).unwrap();
        assert_eq!(near.error, 2.0);
        let far = Approx::builtin(Builtin::Step, 0, &[Approx { value: 0.5, error: 1e-11 }], 0.0).unwrap();
        assert_eq!(far.error, 0.0);
    }

    #[test]
    fn derivatives_of_sigmoid_near_saturation_are_bounded_absolutely() {
        let x = 18.0;
        let d = Approx::builtin(Builtin::Sigmoid, 1, &[Approx::exact(x)], 0.0).unwrap();
        let exact = (-x).exp() / (1.0 + (-x).exp()).powi(2);
        assert!(within(d, exact), "{d:?} vs {exact}");
    }
}
