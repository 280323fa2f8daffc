//! Finite differences with step control: Ridders' extrapolation of central differences.

use super::value::{EvalError, EvalResult};

/// How much the step shrinks between extrapolation levels.
const SHRINK: f64 = 1.4;
/// The most extrapolation levels.
const LEVELS: usize = 10;
/// Stop when the error grows by this factor over the best so far.
const SAFE: f64 = 2.0;

/// The derivative at 0 of `f(h)` (the function at the point plus `h`), and an estimate of its
/// absolute error. `h0` is the first, largest step; it is shrunk when the function is undefined
/// that far from the point.
pub fn ridders(mut f: impl FnMut(f64) -> EvalResult<f64>, h0: f64) -> EvalResult<(f64, f64)> {
    let mut h = h0;
    let mut last_error = EvalError::Undefined("no step".to_string());
    for _ in 0..4 {
        match extrapolate(&mut f, h) {
            Err(e @ EvalError::Undefined(_)) => {
                last_error = e;
                h /= 10.0;
            }
            other => return other,
        }
    }
    Err(last_error)
}

fn extrapolate(f: &mut impl FnMut(f64) -> EvalResult<f64>, h0: f64) -> EvalResult<(f64, f64)> {
    let mut table = [[0.0f64; LEVELS]; LEVELS];
    let mut h = h0;
    table[0][0] = (f(h)? - f(-h)?) / (2.0 * h);
    let mut best = table[0][0];
    let mut error = f64::INFINITY;
    for i in 1..LEVELS {
        h /= SHRINK;
        table[0][i] = (f(h)? - f(-h)?) / (2.0 * h);
        let mut factor = SHRINK * SHRINK;
        for j in 1..=i {
            table[j][i] = (table[j - 1][i] * factor - table[j - 1][i - 1]) / (factor - 1.0);
            factor *= SHRINK * SHRINK;
            let e = (table[j][i] - table[j - 1][i]).abs().max((table[j][i] - table[j - 1][i - 1]).abs());
            if e <= error {
                error = e;
                best = table[j][i];
            }
        }
        if (table[i][i] - table[i - 1][i - 1]).abs() >= SAFE * error {
            break;
        }
    }
    if best.is_finite() {
        Ok((best, error))
    } else {
        Err(EvalError::Undefined("the derivative is not finite".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivative_of_exp_is_accurate() {
        let (d, err) = ridders(|h| Ok((1.0f64 + h).exp()), 0.05).unwrap();
        assert!((d - 1.0f64.exp()).abs() < 1e-10, "{d}");
        assert!(err < 1e-8);
    }

    #[test]
    fn shrinks_the_step_near_a_domain_edge() {
        let (d, _) = ridders(
            |h| {
                if 0.01 + h > 0.0 {
                    Ok((0.01 + h).ln())
                } else {
                    Err(EvalError::Undefined("log".into()))
                }
            },
            0.05,
        )
        .unwrap();
        assert!((d - 100.0).abs() < 1e-4, "{d}");
    }
}
