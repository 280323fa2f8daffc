//! Determinants and inverses of the square matrices of `det` and `inv` (§7): in floats with
//! nalgebra's LU decomposition, exactly (rationals) by fraction-free elimination, and with
//! intervals by elimination over the evaluator's number kinds. Matrices are row-major.
//!
//! Every function takes `charge`, which pays the evaluator's operation budget for the work as it
//! is done (an operation is about 0.1 µs), so that a large matrix stops at the budget instead of
//! running for minutes; past it, exact arithmetic gives way to floats.

use nalgebra::DMatrix;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Zero};

use super::value::{EvalError, EvalResult, Value, MAX_EXACT_BITS};

/// What pays for work: takes a number of the evaluator's operations, or fails past its budget.
pub type Charge<'c> = &'c mut dyn FnMut(u64) -> EvalResult<()>;

fn singular<T>() -> EvalResult<T> {
    Err(EvalError::Undefined("the matrix is singular".to_string()))
}

/// The multiply-adds of eliminating an n×n matrix, about n³/3: the work of an LU decomposition
/// in floats, and the least work of any elimination.
pub fn elimination_steps(n: usize) -> u64 {
    let n = n as u64;
    n * n * n / 3 + 1
}

/// The multiply-adds of Gauss–Jordan elimination of an n×n matrix beside the identity, leaving
/// columns already cleared alone: (n − 1)(3n² − n)/2, about 1.5 n³.
fn gauss_jordan_steps(n: usize) -> u64 {
    let n = n as u64;
    n.saturating_sub(1) * (3 * n * n - n) / 2 + 1
}

/// The work of the float LU decomposition of an n×n matrix, in operations: a multiply-add of
/// floats is some 1/64 of an operation of the evaluator.
pub fn lu_work(n: usize) -> u64 {
    elimination_steps(n) / 64 + 1
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

/// The determinant by elimination with partial pivoting (for intervals; exact rationals use
/// [`det_exact`]).
pub fn det<V: Value>(m: &[V], n: usize, charge: Charge) -> EvalResult<V> {
    charge(elimination_steps(n))?;
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

/// The inverse by Gauss–Jordan elimination with partial pivoting, row-major (for intervals;
/// exact rationals use [`inverse_exact`]).
pub fn inverse<V: Value>(m: &[V], n: usize, charge: Charge) -> EvalResult<Vec<V>> {
    charge(2 * gauss_jordan_steps(n))?;
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

// Exact determinants and inverses use fraction-free (Bareiss) elimination: every row is scaled
// to integers by the lcm of its denominators, and each step `(p·a − b·c) / q` divides exactly, so
// no gcd is taken on the way. (Gaussian elimination over rationals normalised every entry with
// num-bigint's binary gcd, quadratic in its bits: a 100×100 Hilbert matrix took 8 s, a 200×200 one
// over a minute.) Every entry on the way is a minor of the integer matrix, so Hadamard's bound on
// the minors bounds the size of every number, and with it the work, before any is done: the
// whole elimination is paid for up front, and a matrix whose bound is past the budget goes to
// floats at once (it is tried again at every sample). An entry past the exact limit does too.

/// The determinant of a matrix of rationals, exactly.
pub fn det_exact(m: &[BigRational], n: usize, charge: Charge) -> EvalResult<BigRational> {
    let (mut a, lcms) = integer_rows(m, n, charge)?;
    let minors = minor_bits(&a, n, n);
    let steps = (0..n).map(|k| ((n - 1 - k) as u64).pow(2) * (1 + bits_work(minors[(k + 2).min(n)])));
    charge(steps.fold(0, u64::saturating_add))?;
    let mut negated = false;
    let mut previous = BigInt::one();
    for k in 0..n {
        let Some(p) = (k..n).find(|&r| !a[r * n + k].is_zero()) else { return Ok(BigRational::zero()) };
        if p != k {
            swap_rows(&mut a, n, p, k);
            negated = !negated;
        }
        for i in k + 1..n {
            for j in k + 1..n {
                a[i * n + j] =
                    fraction_free_step(&a[k * n + k], &a[i * n + j], &a[i * n + k], &a[k * n + j], &previous)?;
            }
        }
        previous = a[k * n + k].clone();
    }
    let det = if negated { -previous } else { previous };
    let denominator = lcms.iter().product::<BigInt>();
    charge(gcd_work(det.bits().max(denominator.bits())))?;
    exact(BigRational::new(det, denominator))
}

/// The inverse of a matrix of rationals, exactly, row-major: fraction-free Gauss–Jordan
/// elimination of the integer matrix beside the identity leaves its determinant times its inverse.
pub fn inverse_exact(m: &[BigRational], n: usize, charge: Charge) -> EvalResult<Vec<BigRational>> {
    let (integers, lcms) = integer_rows(m, n, charge)?;
    let width = 2 * n;
    let mut a: Vec<BigInt> = Vec::with_capacity(n * width);
    for (r, row) in integers.chunks(n.max(1)).enumerate().take(n) {
        a.extend(row.iter().cloned());
        a.extend((0..n).map(|c| BigInt::from(u8::from(c == r))));
    }
    let minors = minor_bits(&a, n, width);
    let lcm_bits = lcms.iter().map(BigInt::bits).max().unwrap_or(0);
    let steps = (0..n).map(|k| ((n - 1) * (width - 1 - k)) as u64 * (1 + bits_work(minors[(k + 2).min(n)])));
    let normalising = (n * n) as u64 * gcd_work(minors[n] + lcm_bits);
    charge(steps.fold(normalising, u64::saturating_add))?;
    let mut previous = BigInt::one();
    for k in 0..n {
        let Some(p) = (k..n).find(|&r| !a[r * width + k].is_zero()) else { return singular() };
        swap_rows(&mut a, width, p, k);
        for i in (0..n).filter(|&i| i != k) {
            // Columns left of k hold only the diagonal by now, and it is not needed.
            for j in k + 1..width {
                a[i * width + j] = fraction_free_step(
                    &a[k * width + k],
                    &a[i * width + j],
                    &a[i * width + k],
                    &a[k * width + j],
                    &previous,
                )?;
            }
        }
        previous = a[k * width + k].clone();
    }
    // The integer matrix M is D A with D the lcms on the diagonal, so A⁻¹ = M⁻¹ D, and the right
    // half is det(M) M⁻¹ (the last pivot is det(M), up to the sign of the row swaps, which the
    // right half shares).
    let mut out = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let numerator = &a[i * width + n + j] * &lcms[j];
            out.push(exact(BigRational::new(numerator, previous.clone()))?);
        }
    }
    Ok(out)
}

/// `(p·a − b·c) / q`, exact by Sylvester's identity; an entry beyond the exact limit leaves the
/// matrix to floats.
fn fraction_free_step(p: &BigInt, a: &BigInt, b: &BigInt, c: &BigInt, q: &BigInt) -> EvalResult<BigInt> {
    let v = (p * a - b * c) / q;
    if v.bits() > MAX_EXACT_BITS {
        return Err(EvalError::NotExact);
    }
    Ok(v)
}

/// Bounds on the bits of the minors of every order (0 to n) of the first `n` rows of an integer
/// matrix of `width` columns, capped at the exact limit (past it the elimination stops): by
/// Hadamard's inequality a minor is at most the product of its rows' Euclidean norms, and a row's
/// norm at most √width times its largest entry.
fn minor_bits(a: &[BigInt], n: usize, width: usize) -> Vec<u64> {
    let spread = u64::from(usize::BITS - width.leading_zeros()).div_ceil(2);
    let mut rows: Vec<u64> =
        a.chunks(width.max(1)).take(n).map(|row| row.iter().map(BigInt::bits).max().unwrap_or(0) + spread).collect();
    rows.sort_unstable_by(|x, y| y.cmp(x));
    let mut out = vec![0];
    for r in rows {
        let last = out[out.len() - 1];
        out.push((last + r).min(MAX_EXACT_BITS));
    }
    out
}

/// Each row times the lcm of its denominators, and those lcms.
fn integer_rows(m: &[BigRational], n: usize, charge: Charge) -> EvalResult<(Vec<BigInt>, Vec<BigInt>)> {
    let mut out = Vec::with_capacity(n * n);
    let mut lcms = Vec::with_capacity(n);
    for row in m.chunks(n.max(1)).take(n) {
        let mut lcm = BigInt::one();
        for x in row {
            let d = x.denom();
            charge(1 + bits_work(d.bits()) + (lcm.bits() + d.bits()) / 4096)?;
            // gcd(lcm, d) = gcd(d, lcm mod d): a binary gcd of the large lcm itself would take
            // time quadratic in its bits.
            let common = d.gcd(&(&lcm % d));
            lcm = lcm / common * d;
            if lcm.bits() > MAX_EXACT_BITS {
                return Err(EvalError::NotExact);
            }
        }
        out.extend(row.iter().map(|x| x.numer() * (&lcm / x.denom())));
        lcms.push(lcm);
    }
    Ok((out, lcms))
}

/// The work of multiplying or dividing integers of `bits` bits beyond one operation of the
/// evaluator: bits² / 2¹⁶ (num-bigint takes some 170 µs to multiply two of 20,000 bits and some
/// 90 µs to divide).
fn bits_work(bits: u64) -> u64 {
    bits.saturating_mul(bits) / (1 << 16)
}

/// The work of num-bigint's binary gcd of integers of `bits` bits: about bits² / 2¹², as it takes
/// one pass over the limbs per bit.
fn gcd_work(bits: u64) -> u64 {
    1 + bits.saturating_mul(bits) / (1 << 12)
}

fn exact(r: BigRational) -> EvalResult<BigRational> {
    if r.numer().bits() + r.denom().bits() > MAX_EXACT_BITS {
        Err(EvalError::NotExact)
    } else {
        Ok(r)
    }
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

    /// A budget without limit.
    fn free() -> impl FnMut(u64) -> EvalResult<()> {
        |_| Ok(())
    }

    fn hilbert(n: usize) -> Vec<BigRational> {
        (0..n * n).map(|k| BigRational::new(1.into(), ((k / n + k % n + 1) as i64).into())).collect()
    }

    #[test]
    fn fraction_free_elimination_agrees_with_gaussian_elimination() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(12);
        for case in 0..300 {
            let n = rng.gen_range(1..=6);
            // Small fractions, many zeros (pivots must be searched for), and in some cases a row
            // repeated (singular).
            let mut m: Vec<BigRational> = (0..n * n)
                .map(|_| {
                    if rng.gen_bool(0.3) {
                        q(0)
                    } else {
                        BigRational::new(rng.gen_range(-9..=9).into(), rng.gen_range(1..=7).into())
                    }
                })
                .collect();
            if n > 1 && case % 5 == 0 {
                let (from, to) = (rng.gen_range(0..n), rng.gen_range(0..n));
                for c in 0..n {
                    m[to * n + c] = m[from * n + c].clone();
                }
            }
            let expected = det(&m, n, &mut free()).unwrap();
            assert_eq!(det_exact(&m, n, &mut free()).unwrap(), expected, "case {case}: {m:?}");
            match inverse_exact(&m, n, &mut free()) {
                Ok(inv) => {
                    assert_ne!(expected, q(0), "case {case}");
                    assert_eq!(inv, inverse(&m, n, &mut free()).unwrap(), "case {case}");
                    // A · A⁻¹ = I, exactly.
                    for i in 0..n {
                        for j in 0..n {
                            let s = (0..n).fold(q(0), |acc, k| acc + &m[i * n + k] * &inv[k * n + j]);
                            assert_eq!(s, q(i64::from(i == j)), "case {case}");
                        }
                    }
                }
                Err(e) => {
                    assert_eq!(expected, q(0), "case {case}");
                    assert!(matches!(e, EvalError::Undefined(_)), "case {case}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn hilbert_determinant_has_its_closed_form() {
        // det H_n = c_n⁴ / c_2n with c_n = 1! 2! … (n−1)!.
        let c = |n: u32| (1..n).map(|i| (1..=i).map(BigInt::from).product::<BigInt>()).product::<BigInt>();
        for n in [1, 2, 5, 12] {
            let expected = BigRational::new(c(n).pow(4), c(2 * n));
            assert_eq!(det_exact(&hilbert(n as usize), n as usize, &mut free()).unwrap(), expected, "n = {n}");
        }
    }

    #[test]
    fn large_exact_matrices_are_paid_for_up_front() {
        // A 100x100 Hilbert matrix: minors of up to some 15,000 bits. The elimination is paid for
        // before it starts, so past a budget nothing of it is done: the caller goes to floats.
        let m = hilbert(100);
        let mut largest = 0;
        let mut budget = |work: u64| {
            largest = largest.max(work);
            if work > 5_000_000 {
                Err(EvalError::NotExact)
            } else {
                Ok(())
            }
        };
        assert_eq!(det_exact(&m, 100, &mut budget), Err(EvalError::NotExact));
        assert_eq!(inverse_exact(&m, 100, &mut budget), Err(EvalError::NotExact));
        assert!(largest > 5_000_000, "{largest}");
        // A small one costs little.
        let mut total = 0;
        det_exact(&hilbert(8), 8, &mut |w| {
            total += w;
            Ok(())
        })
        .unwrap();
        assert!(total < 10_000, "{total}");
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
        assert_eq!(det_exact(&exact, 3, &mut free()).unwrap(), q(-1));
        assert!((det_f64(&float, 3) + 1.0).abs() < 1e-12);
        let inv = inverse_exact(&exact, 3, &mut free()).unwrap();
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
        assert_eq!(det_exact(&m, 2, &mut free()).unwrap(), tiny);
        assert_eq!(inverse_exact(&m, 2, &mut free()).unwrap()[0], tiny.recip());
        assert_eq!(det(&m, 2, &mut free()).unwrap(), tiny);
        assert!(inverse(&m, 2, &mut free()).is_ok());
    }

    #[test]
    fn singular_matrices() {
        let m: Vec<BigRational> = [1, 2, 2, 4].iter().map(|&v| q(v)).collect();
        assert_eq!(det_exact(&m, 2, &mut free()).unwrap(), q(0));
        assert!(matches!(inverse_exact(&m, 2, &mut free()), Err(EvalError::Undefined(_))));
        assert_eq!(det(&m, 2, &mut free()).unwrap(), q(0));
        assert!(inverse(&m, 2, &mut free()).is_err());
        assert!(inverse_f64(&[1.0, 2.0, 2.0, 4.0], 2).is_err());
    }
}
