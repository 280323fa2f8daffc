//! Dual numbers for forward-mode derivatives: a value and its tangent (the derivative of the value
//! along one seeded input), each a float with its error bound (`approx.rs`), so that the tangent's
//! bound comes from the same first-order analysis as the value's.
//!
//! The evaluator (`eval.rs`) takes `diff(body, x)` at a point by evaluating `body` once with `x`
//! seeded with the tangent 1: every rule here is the derivative of the operation on values. What
//! has no rule here (a builtin's derivative of an order no kernel gives, a value outside a domain)
//! fails, and the evaluator falls back to finite differences: a dual never guesses.

use crate::model::{Builtin, Literal};

use super::approx::Approx;
use super::value::{EvalError, EvalResult, Value};

/// A value and its tangent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dual {
    /// The value, with its error bound.
    pub value: Approx,
    /// The derivative of the value along the seeded direction, with its error bound.
    pub tangent: Approx,
}

/// A tangent of exactly 0 (what does not depend on the seeded input).
const FLAT: Approx = Approx { value: 0.0, error: 0.0 };

impl Dual {
    /// A value that does not move with the seeded input.
    #[inline]
    pub fn constant(value: Approx) -> Dual {
        Dual { value, tangent: FLAT }
    }

    /// Whether the tangent is exactly 0 (nothing here depends on the seeded input).
    #[inline]
    pub fn is_flat(&self) -> bool {
        self.tangent.is_exact_zero()
    }
}

/// `a · b` where a flat factor contributes nothing (and an unbounded error cannot leak in).
#[inline]
fn times(a: &Approx, t: &Approx) -> EvalResult<Approx> {
    if t.is_exact_zero() {
        Ok(FLAT)
    } else {
        a.mul(t)
    }
}

/// `a + b` of two tangents, skipping flat ones.
#[inline]
fn plus(a: Approx, b: Approx) -> EvalResult<Approx> {
    if a.is_exact_zero() {
        Ok(b)
    } else if b.is_exact_zero() {
        Ok(a)
    } else {
        a.add(&b)
    }
}

impl Value for Dual {
    #[inline]
    fn literal(lit: &Literal, widen: bool) -> Dual {
        Dual::constant(Approx::literal(lit, widen))
    }
    #[inline]
    fn int(v: i64) -> Dual {
        Dual::constant(Approx::int(v))
    }
    #[inline]
    fn to_f64(&self) -> f64 {
        self.value.value
    }
    #[inline]
    fn is_exact_zero(&self) -> bool {
        self.value.is_exact_zero() && self.is_flat()
    }
    #[inline]
    fn add(&self, b: &Dual) -> EvalResult<Dual> {
        Ok(Dual { value: self.value.add(&b.value)?, tangent: plus(self.tangent, b.tangent)? })
    }
    #[inline]
    fn mul(&self, b: &Dual) -> EvalResult<Dual> {
        let value = self.value.mul(&b.value)?;
        // (a b)' = a' b + a b'
        let tangent = plus(times(&b.value, &self.tangent)?, times(&self.value, &b.tangent)?)?;
        Ok(Dual { value, tangent })
    }
    #[inline]
    fn neg(&self) -> Dual {
        Dual { value: self.value.neg(), tangent: self.tangent.neg() }
    }
    #[inline]
    fn div(&self, b: &Dual) -> EvalResult<Dual> {
        let value = self.value.div(&b.value)?;
        // (a / b)' = (a' - (a / b) b') / b
        let tangent = if self.is_flat() && b.is_flat() {
            FLAT
        } else {
            let numerator = self.tangent.sub(&times(&value, &b.tangent)?)?;
            numerator.div(&b.value)?
        };
        Ok(Dual { value, tangent })
    }
    fn pow(&self, b: &Dual) -> EvalResult<Dual> {
        let value = self.value.pow(&b.value)?;
        // (a^b)' = b a^(b-1) a' + a^b log(a) b'
        // A base at 0 with a tangent 0 under a power below 1 (`(y*w^2)^(1/3)` at `w = 0`, a cusp):
        // whether the base moves there, the tangent cannot tell, and if it does the power has no
        // derivative (as for a jump, below).
        let cusp = b.is_flat() && b.value.value < 1.0 && b.value.value.fract() != 0.0;
        let by_base = if self.is_flat() && self.value.is_exact_zero() && cusp {
            return Err(EvalError::NearKink);
        } else if self.is_flat() {
            FLAT
        } else {
            let lowered = b.value.sub(&Approx::int(1))?;
            b.value.mul(&self.value.pow(&lowered)?)?.mul(&self.tangent)?
        };
        let by_exponent = if b.is_flat() {
            FLAT
        } else {
            let log = Approx::builtin(Builtin::Log, 0, &[self.value], 0.0)?;
            value.mul(&log)?.mul(&b.tangent)?
        };
        Ok(Dual { value, tangent: plus(by_base, by_exponent)? })
    }
    fn builtin(b: Builtin, order: u32, args: &[Dual], near_kink: f64) -> EvalResult<Dual> {
        let values: smallvec::SmallVec<[Approx; 2]> = args.iter().map(|a| a.value).collect();
        let value = Approx::builtin(b, order, &values, near_kink)?;
        let tangent = match args {
            [] => FLAT,
            // A jump at its point, with a tangent 0: the argument may not move here (a constant),
            // or move only at second order (`sign(w^2)` at `w = 0`, which jumps from 0 to 1 and
            // has no derivative; an adversarial tester found it `checked`). Which one, a tangent
            // cannot tell: no guess.
            [x] if x.is_flat()
                && x.value.is_exact_zero()
                && (matches!(b, Builtin::Step | Builtin::Sign | Builtin::Sqrt)
                    || (order > 0 && matches!(b, Builtin::Relu | Builtin::Abs))) =>
            {
                return Err(EvalError::NearKink)
            }
            [x] if x.is_flat() => FLAT,
            // `relu` and `abs` move by no more than their argument does (|f(u) - f(v)| ≤ |u - v|):
            // where the argument's tangent is 0 within its bound, so is theirs, on either side of
            // the kink or at it, wherever the derivative exists. (An adversarial tester:
            // `relu(x - abs(x))` sits at its kink for every x > 0, each draw there was refused,
            // and `diff(relu(x - abs(x)), x) = step(x)` was `checked`.)
            [x] if order == 0
                && matches!(b, Builtin::Relu | Builtin::Abs)
                && x.tangent.value.abs() <= x.tangent.error =>
            {
                Approx { value: 0.0, error: x.tangent.value.abs() + x.tangent.error }
            }
            // The next derivative's kernel (where the argument's error bound reaches a kink, its
            // bound covers both sides).
            [x] => Approx::builtin(b, order + 1, &values, near_kink)?.mul(&x.tangent)?,
            // `max` and `min`: the tangent of the argument taken.
            [x, y] if order == 0 && matches!(b, Builtin::Max | Builtin::Min) => {
                let first =
                    if b == Builtin::Max { x.value.value >= y.value.value } else { x.value.value <= y.value.value };
                // Which argument is taken is known only where they lie farther apart than their
                // error bounds (the evaluation refuses no kink by distance: `dual_child`).
                let apart = (x.value.value - y.value.value).abs() > x.value.error + y.value.error;
                let (tx, ty) = (x.tangent, y.tangent);
                let gap = (tx.value - ty.value).abs();
                if apart {
                    if first {
                        tx
                    } else {
                        ty
                    }
                } else if gap <= tx.error + ty.error {
                    // Tied within their bounds, with tangents that agree within theirs: either
                    // is the derivative (where the two are equal and so are their derivatives,
                    // the max is differentiable; `max(x, relu(x))` for x > 0), to within both
                    // bounds and the gap.
                    Approx { value: tx.value, error: tx.error.max(ty.error) + gap }
                } else {
                    return Err(EvalError::NearKink);
                }
            }
            _ => return Err(EvalError::NotExact),
        };
        Ok(Dual { value, tangent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded(x: f64) -> Dual {
        Dual { value: Approx::exact(x), tangent: Approx::exact(1.0) }
    }

    #[test]
    fn products_quotients_and_powers_follow_their_rules() {
        let x = seeded(1.5);
        let c = Dual::constant(Approx::exact(3.0));
        let p = x.mul(&x).unwrap().mul(&c).unwrap(); // 3x², 6x
        assert!((p.tangent.value - 9.0).abs() <= p.tangent.error + 1e-15, "{p:?}");
        let q = c.div(&x).unwrap(); // 3/x, -3/x²
        assert!((q.tangent.value + 3.0 / 2.25).abs() <= q.tangent.error.max(1e-15), "{q:?}");
        let r = x.pow(&c).unwrap(); // x³, 3x²
        assert!((r.tangent.value - 6.75).abs() <= r.tangent.error.max(1e-15), "{r:?}");
        let s = c.pow(&x).unwrap(); // 3^x, 3^x log 3
        let exact = 3f64.powf(1.5) * 3f64.ln();
        assert!((s.tangent.value - exact).abs() <= s.tangent.error, "{s:?} vs {exact}");
    }

    #[test]
    fn builtins_take_the_next_derivative() {
        let x = seeded(0.7);
        let s = Dual::builtin(Builtin::Sigmoid, 0, &[x], 0.0).unwrap();
        let sig = 1.0 / (1.0 + (-0.7f64).exp());
        assert!((s.tangent.value - sig * (1.0 - sig)).abs() <= s.tangent.error.max(1e-16), "{s:?}");
        // Past the kernels' orders: no guess.
        assert!(Dual::builtin(Builtin::Tanh, 2, &[x], 0.0).is_err());
        // Within a margin (inside a finite difference, where the points differenced must lie on
        // the point's side): refused, as finite differences are.
        assert_eq!(Dual::builtin(Builtin::Relu, 0, &[seeded(0.01)], 0.05), Err(EvalError::NearKink));
        // Exactly at one, even without a margin: the derivative is not defined.
        assert!(Dual::builtin(Builtin::Abs, 0, &[seeded(0.0)], 0.0).is_err());
        let m = Dual::builtin(Builtin::Max, 0, &[seeded(1.0), Dual::constant(Approx::exact(1.0))], 0.0);
        assert_eq!(m, Err(EvalError::NearKink));
    }
}
