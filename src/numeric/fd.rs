//! Finite differences with step control: Ridders' extrapolation of central differences.

use super::approx::{Approx, UNIT};
use super::value::{EvalError, EvalResult};

/// How much the step shrinks between extrapolation levels.
const SHRINK: f64 = 1.4;
/// The most extrapolation levels.
const LEVELS: usize = 10;
/// Stop when the error grows by this factor over the best so far.
const SAFE: f64 = 2.0;
/// The most tenfold shrinks of the first step where the function is undefined that far out.
const MAX_UNDEFINED_SHRINKS: usize = 20;

/// A derivative from finite differences, with what is known of its error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derivative {
    /// The derivative.
    pub value: f64,
    /// An estimate of the truncation error: the disagreement of neighbouring extrapolations, or
    /// a larger disagreement that showed they had not converged. An estimate, not a bound.
    pub estimate: f64,
    /// A bound on the error that the errors of the function values cause, amplified by the
    /// division by the step and by the extrapolation.
    pub noise: f64,
}

/// The derivative at `x0` of `f` (which gives a value with its error bound at a point). `h0` is
/// the first, largest step; it is shrunk when the function is undefined that far from the point.
pub fn ridders(f: impl FnMut(f64) -> EvalResult<Approx>, x0: f64, h0: f64) -> EvalResult<Derivative> {
    ridders_until(f, x0, h0, |_| false)
}

/// [`ridders`], with the table stopped at the first level (past the first) where it has not got
/// worse and `enough` accepts the derivative so far: a caller that only asks whether the
/// differences agree with a value known otherwise need not refine them further.
pub fn ridders_until(
    mut f: impl FnMut(f64) -> EvalResult<Approx>,
    x0: f64,
    h0: f64,
    enough: impl Fn(&Derivative) -> bool,
) -> EvalResult<Derivative> {
    let mut h = h0;
    let mut last_error = EvalError::Undefined("no step".to_string());
    // Four tenfold shrinks; and on, while the step is still large against the point itself: a
    // domain's edge that near (`sqrt(v + eps)` with v = 0 and eps = 1e-10, differenced by eps)
    // is reached only by a step smaller than the point (it was called undefined at a first step
    // of 0.01, and a right step `wrong`).
    for tries in 0..MAX_UNDEFINED_SHRINKS {
        if tries >= 4 && h <= x0.abs() * 1e-3 {
            break;
        }
        match extrapolate(&mut f, x0, h, &enough) {
            Err(e @ EvalError::Undefined(_)) => {
                last_error = e;
                h /= 10.0;
            }
            other => return other,
        }
    }
    Err(last_error)
}

/// A central difference over the step actually taken (`x0 + h` is rounded), with the bound on
/// its error from the errors of the two values and the rounding of the difference; nothing is
/// known of its truncation error.
pub fn central(f: &mut impl FnMut(f64) -> EvalResult<Approx>, x0: f64, h: f64) -> EvalResult<(f64, f64)> {
    let (above, below) = (x0 + h, x0 - h);
    let (fa, fb) = (f(above)?, f(below)?);
    let width = above - below;
    let d = (fa.value - fb.value) / width;
    Ok((d, (fa.error + fb.error) / width + 2.0 * UNIT * d.abs()))
}

fn extrapolate(
    f: &mut impl FnMut(f64) -> EvalResult<Approx>,
    x0: f64,
    h0: f64,
    enough: &impl Fn(&Derivative) -> bool,
) -> EvalResult<Derivative> {
    let mut table = [[0.0f64; LEVELS]; LEVELS];
    let mut noise = [[0.0f64; LEVELS]; LEVELS];
    let mut h = h0;
    (table[0][0], noise[0][0]) = central(f, x0, h)?;
    let (mut best, mut best_noise) = (table[0][0], noise[0][0]);
    let mut error = f64::INFINITY;
    for i in 1..LEVELS {
        h /= SHRINK;
        (table[0][i], noise[0][i]) = central(f, x0, h)?;
        let mut factor = SHRINK * SHRINK;
        for j in 1..=i {
            table[j][i] = (table[j - 1][i] * factor - table[j - 1][i - 1]) / (factor - 1.0);
            noise[j][i] =
                (noise[j - 1][i] * factor + noise[j - 1][i - 1]) / (factor - 1.0) + 2.0 * UNIT * table[j][i].abs();
            factor *= SHRINK * SHRINK;
            let e = (table[j][i] - table[j - 1][i]).abs().max((table[j][i] - table[j - 1][i - 1]).abs());
            if e <= error {
                error = e;
                best = table[j][i];
                best_noise = noise[j][i];
            }
        }
        if (table[i][i] - table[i - 1][i - 1]).abs() >= SAFE * error {
            // The extrapolation got worse. Where noise explains that, the steps have become too
            // small for the precision of the values, and the best so far stands. Otherwise the
            // table had not converged: neighbouring entries agreed by chance at steps still too
            // large for the function, and the newest entry's distance from the best is the
            // better measure of the best's error.
            let stray = (table[i][i] - best).abs();
            if stray > noise[i][i] + best_noise {
                error = error.max(stray);
            }
            break;
        }
        if best.is_finite() && enough(&Derivative { value: best, estimate: error, noise: best_noise }) {
            break;
        }
    }
    if best.is_finite() {
        Ok(Derivative { value: best, estimate: error, noise: best_noise })
    } else {
        Err(EvalError::Undefined("the derivative is not finite".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivative_of_exp_is_accurate() {
        let d = ridders(|x| Ok(Approx::exact(x.exp())), 1.0, 0.05).unwrap();
        assert!((d.value - 1.0f64.exp()).abs() < 1e-10, "{d:?}");
        assert!(d.estimate < 1e-8);
    }

    #[test]
    fn a_table_stopped_early_takes_fewer_values() {
        // The derivative of exp at 1, and how many values it took, stopped once the estimate is
        // below `stop` (never, at 0).
        let taken = |stop: f64| {
            let mut calls = 0;
            let f = |x: f64| {
                calls += 1;
                Ok(Approx::exact(x.exp()))
            };
            let d = ridders_until(f, 1.0, 0.05, |d| d.estimate < stop).unwrap();
            (d, calls)
        };
        let ((full, all), (early, fewer)) = (taken(0.0), taken(1e-6));
        assert_eq!(full, ridders(|x| Ok(Approx::exact(x.exp())), 1.0, 0.05).unwrap());
        assert!(fewer < all, "{fewer} values against {all}");
        assert!(early.estimate < 1e-6 && (early.value - 1.0f64.exp()).abs() < 1e-6, "{early:?} vs {full:?}");
    }

    #[test]
    fn shrinks_the_step_near_a_domain_edge() {
        let d = ridders(
            |x| if x > 0.0 { Ok(Approx::exact(x.ln())) } else { Err(EvalError::Undefined("log".into())) },
            0.01,
            0.05,
        )
        .unwrap();
        assert!((d.value - 100.0).abs() < 1e-4, "{d:?}");
    }

    #[test]
    fn errors_of_the_values_are_divided_by_the_step() {
        let d = ridders(|x| Ok(Approx { value: x.exp(), error: 1e-12 }), 1.0, 0.05).unwrap();
        assert!(d.noise > 1e-12 / 0.05, "{d:?}");
        assert!((d.value - 1.0f64.exp()).abs() <= d.estimate + d.noise, "{d:?}");
    }

    #[test]
    fn an_accidental_agreement_at_large_steps_is_not_taken_for_accuracy() {
        // sin(438.25 x) + x² at 1: the first steps are nearly a multiple of the period, so the
        // oscillation cancels out of their differences, which agree by chance on 2x alone
        // (Ridders' own estimate, 3.5e-6, would let 1.997 pass for 1.047).
        let w = 438.25;
        let f = |x: f64| Ok(Approx { value: (w * x).sin() + x * x, error: 4.0 * UNIT * (2.0 + (w * x).abs()) });
        let d = ridders(f, 1.0, 0.05).unwrap();
        let exact = w * w.cos() + 2.0;
        assert!((d.value - exact).abs() <= 100.0 * d.estimate + d.noise, "{d:?} vs {exact}");
    }
}
