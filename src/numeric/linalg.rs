//! Determinants and inverses of the square matrices of `det` and `inv` (§7): in floats with
//! nalgebra's LU decomposition, exactly (rationals) and with intervals by elimination over the
//! evaluator's number kinds. Matrices are row-major.

use nalgebra::DMatrix;

use super::value::{EvalError, EvalResult, Value};

fn singular<T>() -> EvalResult<T> {
    Err(EvalError::Undefined("the matrix is singular".to_string()))
}

/// The determinant in floats.
pub fn det_f64(m: &[f64], n: usize) -> f64 {
    DMatrix::from_row_slice(n, n, m).determinant()
}

/// The inverse in floats, row-major; an error for a singular matrix.
pub fn inverse_f64(m: &[f64], n: usize) -> EvalResult<Vec<f64>> {
    let inv = DMatrix::from_row_slice(n, n, m).try_inverse().filter(|i| i.iter().all(|x| x.is_finite()));
    match inv {
        Some(inv) => Ok(inv.transpose().as_slice().to_vec()),
        None => singular(),
    }
}

/// The determinant by elimination with partial pivoting (exact for rationals).
pub fn det<V: Value>(m: &[V], n: usize) -> EvalResult<V> {
    let mut a = m.to_vec();
    let mut det = V::int(1);
    for col in 0..n {
        let Some(p) = pivot(&a, n, col) else { return Ok(V::int(0)) };
        if p != col {
            swap_rows(&mut a, n, p, col);
            det = det.neg();
        }
        let pv = a[col * n + col].clone();
        det = det.mul(&pv)?;
        for r in col + 1..n {
            let f = a[r * n + col].div(&pv)?;
            for c in col..n {
                let t = f.mul(&a[col * n + c])?;
                a[r * n + c] = a[r * n + c].sub(&t)?;
            }
        }
    }
    Ok(det)
}

/// The inverse by Gauss–Jordan elimination with partial pivoting, row-major.
pub fn inverse<V: Value>(m: &[V], n: usize) -> EvalResult<Vec<V>> {
    let mut a = m.to_vec();
    let mut inv: Vec<V> = (0..n * n).map(|k| V::int(i64::from(k / n == k % n))).collect();
    for col in 0..n {
        let Some(p) = pivot(&a, n, col) else { return singular() };
        swap_rows(&mut a, n, p, col);
        swap_rows(&mut inv, n, p, col);
        let pv = a[col * n + col].clone();
        for c in 0..n {
            a[col * n + c] = a[col * n + c].div(&pv)?;
            inv[col * n + c] = inv[col * n + c].div(&pv)?;
        }
        for r in (0..n).filter(|&r| r != col) {
            let f = a[r * n + col].clone();
            for c in 0..n {
                let t = f.mul(&a[col * n + c])?;
                a[r * n + c] = a[r * n + c].sub(&t)?;
                let t = f.mul(&inv[col * n + c])?;
                inv[r * n + c] = inv[r * n + c].sub(&t)?;
            }
        }
    }
    Ok(inv)
}

/// The row at or below `col` with the largest entry in column `col` (by its float value, then any
/// that is not exactly zero, for rationals too small for a float), if there is one.
fn pivot<V: Value>(a: &[V], n: usize, col: usize) -> Option<usize> {
    let best = (col..n).max_by(|&x, &y| a[x * n + col].to_f64().abs().total_cmp(&a[y * n + col].to_f64().abs()))?;
    if a[best * n + col].to_f64() != 0.0 {
        return Some(best);
    }
    (col..n).find(|&r| !a[r * n + col].is_exact_zero())
}

/// The scale of the rounding error of a float determinant: Hadamard's bound, the product of the
/// rows' Euclidean norms (|det| never exceeds it).
pub fn det_scale(m: &[f64], n: usize) -> f64 {
    (0..n).map(|r| m[r * n..(r + 1) * n].iter().map(|x| x * x).sum::<f64>().sqrt()).product()
}

/// The scale of the rounding error of a float inverse's elements: the condition number
/// (max-norm estimate) times the largest element of the inverse.
pub fn inverse_scale(m: &[f64], inv: &[f64], n: usize) -> f64 {
    let max = |v: &[f64]| v.iter().fold(0.0f64, |acc, x| acc.max(x.abs()));
    n as f64 * max(m) * max(inv) * max(inv)
}

/// A first-order bound on how far the determinant moves when every element moves by its error:
/// the sum over rows of Hadamard's bound with that row replaced by its errors.
pub fn det_error(m: &[f64], errors: &[f64], n: usize) -> f64 {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let rows: Vec<f64> = (0..n).map(|r| norm(&m[r * n..(r + 1) * n])).collect();
    (0..n)
        .map(|r| {
            let e = norm(&errors[r * n..(r + 1) * n]);
            if e == 0.0 {
                return 0.0;
            }
            e * rows.iter().enumerate().filter(|&(k, _)| k != r).map(|(_, x)| x).product::<f64>()
        })
        .sum()
}

/// A first-order bound on how far each element of the inverse moves when the matrix's elements
/// move by their errors: the elements of |inv| · E · |inv| (as d(A⁻¹) = −A⁻¹ dA A⁻¹).
pub fn inverse_error(inv: &[f64], errors: &[f64], n: usize) -> Vec<f64> {
    if errors.iter().all(|&e| e == 0.0) {
        return vec![0.0; n * n];
    }
    let product = |a: &[f64], b: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for k in 0..n {
                let x = a[i * n + k];
                if x != 0.0 {
                    for j in 0..n {
                        out[i * n + j] += x * b[k * n + j];
                    }
                }
            }
        }
        out
    };
    let abs: Vec<f64> = inv.iter().map(|x| x.abs()).collect();
    product(&product(&abs, errors), &abs)
}

fn swap_rows<V>(a: &mut [V], n: usize, r: usize, s: usize) {
    if r != s {
        for c in 0..n {
            a.swap(r * n + c, s * n + c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_rational::BigRational;

    fn q(v: i64) -> BigRational {
        BigRational::from_integer(v.into())
    }

    #[test]
    fn perturbation_bounds_hold_at_the_corners() {
        // Every matrix whose elements are off by at most their errors has its determinant and
        // inverse within the bounds (tried at the corners of the box, where the extremes are).
        let m = [2.0, 1.0, 0.5, 3.0];
        let errors = [1e-3, 0.0, 2e-3, 1e-3];
        let (det, inv) = (det_f64(&m, 2), inverse_f64(&m, 2).unwrap());
        let (det_bound, inv_bound) = (det_error(&m, &errors, 2), inverse_error(&inv, &errors, 2));
        for corner in 0..16 {
            let moved: Vec<f64> =
                (0..4).map(|k| m[k] + if corner >> k & 1 == 1 { errors[k] } else { -errors[k] }).collect();
            // First order: allow the second-order remainder, some 1e-6 here.
            assert!((det_f64(&moved, 2) - det).abs() <= det_bound + 1e-5, "corner {corner}");
            let moved_inv = inverse_f64(&moved, 2).unwrap();
            for k in 0..4 {
                assert!((moved_inv[k] - inv[k]).abs() <= inv_bound[k] + 1e-5, "corner {corner}, element {k}");
            }
        }
    }

    #[test]
    fn exact_and_float_agree() {
        let m = [2, 1, 1, 1, 3, 2, 1, 0, 0];
        let exact: Vec<BigRational> = m.iter().map(|&v| q(v)).collect();
        let float: Vec<f64> = m.iter().map(|&v| v as f64).collect();
        assert_eq!(det(&exact, 3).unwrap(), q(-1));
        assert!((det_f64(&float, 3) + 1.0).abs() < 1e-12);
        let inv = inverse(&exact, 3).unwrap();
        let inv_f = inverse_f64(&float, 3).unwrap();
        for (a, b) in inv.iter().zip(&inv_f) {
            assert!((a.to_f64() - b).abs() < 1e-12, "{a} vs {b}");
        }
        // A · A⁻¹ = I, exactly.
        for i in 0..3 {
            for j in 0..3 {
                let s = (0..3).fold(q(0), |acc, k| acc + &exact[i * 3 + k] * &inv[k * 3 + j]);
                assert_eq!(s, q(i64::from(i == j)));
            }
        }
    }

    #[test]
    fn tiny_exact_pivots_are_not_zero() {
        let tiny = BigRational::new(1.into(), num_bigint::BigInt::from(10).pow(400));
        let m = vec![tiny.clone(), q(0), q(0), q(1)];
        assert_eq!(det(&m, 2).unwrap(), tiny);
        assert!(inverse(&m, 2).is_ok());
    }

    #[test]
    fn singular_matrices() {
        let m: Vec<BigRational> = [1, 2, 2, 4].iter().map(|&v| q(v)).collect();
        assert_eq!(det(&m, 2).unwrap(), q(0));
        assert!(inverse(&m, 2).is_err());
        assert!(inverse_f64(&[1.0, 2.0, 2.0, 4.0], 2).is_err());
    }
}
