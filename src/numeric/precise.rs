//! Numbers of high precision with a bound on their error: the kind a sample is evaluated in again
//! when floats lose the answer (`1 - σ(80)` is 0 in floats, 1.8e-35 here).
//!
//! A value is a binary float of `bits` bits (astro-float) and a bound on its absolute error, kept
//! as a float of 64 bits rounded upward. The bound is the same first-order running error analysis
//! as in `approx.rs` — operands' errors scaled by how much the operation amplifies them, plus the
//! operation's own rounding — but a unit of rounding is 2^(1−bits) and neither the value nor the
//! bound can leave the range of floats. Where an operand's bound reaches the edge of a domain (a
//! divisor or a logarithm's argument that may be 0) the evaluation says `Imprecise`, and the
//! caller tries more bits.

use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::sync::Mutex;

use astro_float_num::{BigFloat, Consts, RoundingMode, Sign, INF_POS};

use super::approx::Approx;
use super::value::{EvalError, EvalResult, Value};
use crate::model::{Builtin, Literal};

/// The precision of error bounds, which are rounded upward.
const ERROR_BITS: usize = 64;
/// How many units a function of the library (and the few operations around it) may be off.
const FUNCTION_UNITS: i32 = 4;

thread_local! {
    /// The precision of the evaluation under way on this thread (see [`with_bits`]).
    static BITS: Cell<usize> = const { Cell::new(256) };
}

/// astro-float's caches of constants (π, ln 2) at the precisions used so far, shared by every
/// thread: an evaluation takes one (or makes one, where none is free) and puts it back, so the
/// constants are computed once per process rather than once per file's thread (ln 2 alone was
/// 0.6 G instructions of the corpus). Which cache serves an evaluation changes no value: a constant
/// is given correctly rounded to the precision asked, whatever its cache holds (astro-float
/// extends the cached value until its rounding is certain).
static CONSTS: Mutex<Vec<Consts>> = Mutex::new(Vec::new());

/// Runs `f` with values of `bits` bits on this thread.
pub fn with_bits<T>(bits: usize, f: impl FnOnce() -> T) -> T {
    let saved = BITS.with(|b| b.replace(bits));
    let out = f();
    BITS.with(|b| b.set(saved));
    out
}

fn bits() -> usize {
    BITS.with(Cell::get)
}

/// The 64-bit words of a number at this thread's precision (at least 1).
pub(super) fn words() -> u64 {
    (bits() / 64).max(1) as u64
}

/// Which function a remembered value is of ([`remembered`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Function {
    Exp,
    Ln,
}

/// A remembered value's key: the function, the precision asked, and the argument exactly (sign,
/// exponent, mantissa and whether it is inexact).
type MemoKey = (Function, usize, Option<Sign>, Option<i32>, bool, Vec<astro_float_num::Word>);

/// How many values a thread remembers before it forgets them all.
const MEMO_ENTRIES: usize = 4096;

thread_local! {
    /// Values of `exp` and `ln` computed on this thread. The same argument recurs (both sides of a
    /// step, and several steps, read the same subexpression at one sample), and a value is a
    /// function of the argument and the precision alone, so what is remembered is what would be
    /// computed again (each is hundreds of thousands to millions of instructions at 256 bits).
    static MEMO: RefCell<HashMap<MemoKey, BigFloat>> = RefCell::new(HashMap::default());
}

/// `f(x)` at `p` bits (`exp` or `ln`, rounded to nearest), remembered on this thread.
fn remembered(function: Function, x: &BigFloat, p: usize) -> EvalResult<BigFloat> {
    let key = x.mantissa_digits().map(|digits| (function, p, x.sign(), x.exponent(), x.inexact(), digits.to_vec()));
    if let Some(v) = key.as_ref().and_then(|k| MEMO.with(|m| m.borrow().get(k).cloned())) {
        return Ok(v);
    }
    let v = with_consts(|cc| match function {
        Function::Exp => x.exp(p, NEAREST, cc),
        Function::Ln => x.ln(p, NEAREST, cc),
    })?;
    if let Some(k) = key {
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= MEMO_ENTRIES {
                m.clear();
            }
            m.insert(k, v.clone());
        });
    }
    Ok(v)
}

fn with_consts<T>(f: impl FnOnce(&mut Consts) -> T) -> EvalResult<T> {
    // A cache lost to a panic elsewhere is only made again.
    let free = CONSTS.lock().ok().and_then(|mut pool| pool.pop());
    let Some(mut consts) = free.or_else(|| Consts::new().ok()) else {
        return Err(EvalError::Limit("high-precision constants could not be prepared".to_string()));
    };
    let out = f(&mut consts);
    if let Ok(mut pool) = CONSTS.lock() {
        pool.push(consts);
    }
    Ok(out)
}

const NEAREST: RoundingMode = RoundingMode::ToEven;
const UP: RoundingMode = RoundingMode::Up;

/// Why a high-precision value cannot be compared as a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAFloat {
    /// Its error bound is too wide to say anything.
    TooWide,
    /// Beyond the largest float.
    TooLarge,
    /// Not 0, and below the smallest float.
    TooSmall,
}

/// A number of high precision and a bound on its absolute error.
#[derive(Debug, Clone)]
pub struct Precise {
    /// The computed value.
    pub value: BigFloat,
    /// A bound on `|value - exact|`, to first order (infinite where nothing can be said).
    pub error: BigFloat,
}

/// Why a value cannot be used: an operand's error bound reaches the edge of a domain.
fn imprecise<T>(what: &str) -> EvalResult<T> {
    Err(EvalError::Imprecise(format!("{what} that the numbers cannot tell from the edge of its domain")))
}

fn undefined<T>(why: &str) -> EvalResult<T> {
    Err(EvalError::Undefined(why.to_string()))
}

fn zero() -> BigFloat {
    BigFloat::from_i64(0, ERROR_BITS)
}

/// An error bound: `x` made non-negative and rounded upward to the precision of bounds, NaN (from
/// an infinite bound times 0) read as infinite.
fn bound(x: &BigFloat) -> BigFloat {
    if x.is_nan() {
        return INF_POS;
    }
    let mut e = x.abs();
    if e.set_precision(ERROR_BITS, UP).is_err() {
        return INF_POS;
    }
    e
}

fn eadd(a: &BigFloat, b: &BigFloat) -> BigFloat {
    bound(&a.add(b, ERROR_BITS, UP))
}

/// `|x| * e`, where an exact 0 wins over an infinite bound.
fn scaled(x: &BigFloat, e: &BigFloat) -> BigFloat {
    if x.is_zero() || e.is_zero() {
        zero()
    } else {
        bound(&x.abs().mul(&e.abs(), ERROR_BITS, UP))
    }
}

fn ediv(a: &BigFloat, b: &BigFloat) -> BigFloat {
    if a.is_zero() {
        return zero();
    }
    if b.is_zero() || b.is_negative() {
        return INF_POS;
    }
    bound(&a.div(b, ERROR_BITS, UP))
}

/// `units` units of rounding of `x`: |x|·2^(1−bits)·units.
fn units(x: &BigFloat, units: i32) -> BigFloat {
    if x.is_zero() || x.is_nan() {
        return zero();
    }
    let mut u = bound(&x.mul(&BigFloat::from_i64(i64::from(units), ERROR_BITS), ERROR_BITS, UP));
    if let Some(e) = u.exponent() {
        let shifted = i64::from(e) + 1 - bits() as i64;
        match i32::try_from(shifted) {
            Ok(s) if s > astro_float_num::EXPONENT_MIN => u.set_exponent(s),
            _ => return BigFloat::min_positive(ERROR_BITS),
        }
    }
    u
}

/// The nearest float (0 below the smallest, infinite beyond the largest).
pub fn to_f64(x: &BigFloat) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.is_inf_pos() {
        return f64::INFINITY;
    }
    if x.is_inf_neg() {
        return f64::NEG_INFINITY;
    }
    let Some((words, _, sign, exponent, _)) = x.as_raw_parts() else { return f64::NAN };
    let Some(&top) = words.last() else { return 0.0 };
    if top == 0 {
        return 0.0;
    }
    // value = (top / 2^64) · 2^exponent, the last factor applied in two halves (each within range).
    let e = exponent.clamp(-2200, 2200);
    let half = e / 2;
    let v = (top as f64) * 2f64.powi(-64) * 2f64.powi(half) * 2f64.powi(e - half);
    if sign == Sign::Neg {
        -v
    } else {
        v
    }
}

fn is_nonzero_finite(x: &BigFloat) -> bool {
    !x.is_nan() && !x.is_inf() && !x.is_zero()
}

/// Past the exponents of high precision (`10^10^10`), or a NaN of the library: no value.
fn beyond<T>() -> EvalResult<T> {
    Err(EvalError::Limit("a value is beyond the range of high-precision numbers".to_string()))
}

/// A value and its error, refusing what is not a number.
fn made(value: BigFloat, error: BigFloat) -> EvalResult<Precise> {
    if value.is_nan() || value.is_inf() {
        return beyond();
    }
    Ok(Precise { value, error: bound(&error) })
}

impl Precise {
    /// A value without error.
    pub fn exact(value: BigFloat) -> Precise {
        Precise { value, error: zero() }
    }

    /// A float and its error bound.
    pub fn from_f64(value: f64, error: f64) -> Precise {
        let error = if error.is_finite() { BigFloat::from_f64(error, ERROR_BITS) } else { INF_POS };
        Precise { value: BigFloat::from_f64(value, bits()), error }
    }

    /// [`Precise::from_f64`] at `bits` bits, outside an evaluation.
    pub fn from_f64_at(value: f64, error: f64, bits: usize) -> Precise {
        with_bits(bits, || Precise::from_f64(value, error))
    }

    /// The value as a float with its error bound as one (rounded outward).
    pub fn approx(&self) -> Approx {
        let value = to_f64(&self.value);
        let error = to_f64(&self.error) * (1.0 + 4.0 * f64::EPSILON) + super::approx::UNIT * value.abs();
        Approx { value, error: if value.is_finite() { error } else { f64::INFINITY } }
    }

    fn from_i64(v: i64) -> Precise {
        Precise::exact(BigFloat::from_i64(v, bits().max(64)))
    }

    /// Whether the error bound leaves no doubt about the sign (0 only if exactly 0).
    pub fn sign_known(&self) -> bool {
        self.error.is_zero() || self.value.abs().cmp(&self.error).is_some_and(|c| c > 0)
    }

    /// `|value| - error`: how far the value is known to be from 0 (negative if it may be 0).
    fn room(&self) -> BigFloat {
        self.value.abs().sub(&self.error, ERROR_BITS, RoundingMode::Down)
    }

    /// The binary exponent of the error bound (`2^(e-1) <= error < 2^e`), where it is finite and
    /// not 0: how [`Precise::as_float`]'s verdict of too wide changes with more bits.
    pub fn error_exponent(&self) -> Option<i32> {
        if self.error.is_zero() || self.error.is_inf() || self.error.is_nan() {
            return None;
        }
        self.error.exponent()
    }

    /// The value as a float with its error bound, to be compared as floats are, if it says
    /// something: its error is within 2^-20 of it, or below 2^(-bits/2) (a value that cancels to 0
    /// has an error of some units of the numbers it came from, which shrinks with more bits), and
    /// it lies within the range of floats (a value within its error of 0 counts as 0).
    pub fn as_float(&self, bits: usize) -> Result<Approx, NotAFloat> {
        let relative = scaled(&self.value, &BigFloat::from_f64(2f64.powi(-20), ERROR_BITS));
        let mut absolute = BigFloat::from_i64(1, ERROR_BITS);
        absolute.set_exponent(1 - (bits / 2) as i32);
        let wide = |limit: &BigFloat| self.error.cmp(limit).is_none_or(|c| c > 0);
        if !self.error.is_zero() && wide(&relative) && wide(&absolute) {
            return Err(NotAFloat::TooWide);
        }
        let f = self.approx();
        if !f.value.is_finite() {
            return Err(NotAFloat::TooLarge);
        }
        let error = if self.error.is_zero() { f.error } else { f.error.max(f64::MIN_POSITIVE) };
        if self.value.is_zero() || f.value.abs() >= f64::MIN_POSITIVE {
            return Ok(Approx { value: f.value, error });
        }
        // Below the smallest float: 0, if it is within its error of 0.
        if self.value.abs().cmp(&self.error).is_some_and(|c| c <= 0) {
            return Ok(Approx { value: 0.0, error });
        }
        Err(NotAFloat::TooSmall)
    }

    /// The value and its error bound times 2^k (exact: only the exponents move), or None where an
    /// exponent would leave the range of these numbers.
    pub fn times_power_of_two(&self, k: i32) -> Option<Precise> {
        let shift = |x: &BigFloat| -> Option<BigFloat> {
            let mut out = x.clone();
            if let Some(e) = x.exponent() {
                let e = e.checked_add(k)?;
                if !(astro_float_num::EXPONENT_MIN..=astro_float_num::EXPONENT_MAX).contains(&e) {
                    return None;
                }
                out.set_exponent(e);
            }
            Some(out)
        };
        Some(Precise {
            value: shift(&self.value)?,
            error: if self.error.is_inf() { self.error.clone() } else { shift(&self.error)? },
        })
    }

    /// The binary exponent of the value (`2^(e-1) <= |value| < 2^e`), where it is not 0.
    pub fn exponent(&self) -> Option<i32> {
        if self.value.is_zero() {
            None
        } else {
            self.value.exponent()
        }
    }

    /// An approximation of the value, for reports.
    pub fn to_f64(&self) -> f64 {
        to_f64(&self.value)
    }
}

/// `ln(1 + t)` for `0 <= t <= 1`, with its rounding error: the series where `1 + t` would lose
/// `t`'s digits.
fn ln_1p(t: &BigFloat) -> EvalResult<(BigFloat, BigFloat)> {
    let p = bits();
    if t.is_zero() {
        return Ok((zero(), zero()));
    }
    let tiny = t.exponent().is_some_and(|e| i64::from(e) < -(p as i64) / 2);
    if tiny {
        // t − t²/2 is off by at most t³/3, below a unit of t.
        let t2 = t.mul(t, p, NEAREST);
        let v = t.sub(&t2.div(&BigFloat::from_i64(2, 64), p, NEAREST), p, NEAREST);
        return Ok((v.clone(), units(t, 2)));
    }
    let one = BigFloat::from_i64(1, 64);
    let v = with_consts(|cc| one.add(t, p, NEAREST).ln(p, NEAREST, cc))?;
    // 1 + t is rounded by a unit of 1, and ln divides that by 1 + t ≥ 1.
    Ok((v.clone(), eadd(&units(&one, 2), &units(&v, FUNCTION_UNITS))))
}

/// `erf(x)` with its rounding and truncation error: 2/√π · exp(−x²) · Σ 2ⁿ x²ⁿ⁺¹ / (1·3···(2n+1)),
/// a series of terms of one sign (no cancellation), summed with 32 guard bits until a term is
/// below 2^−(bits+8) of the sum while the ratio of terms is at most ½, so the rest is at most
/// that term. Where exp(−x²) < 2^−(bits+16), `erf(x)` is ±1 within it.
fn erf(x: &BigFloat) -> EvalResult<(BigFloat, BigFloat)> {
    let p = bits();
    let w = p + 32;
    let one = BigFloat::from_i64(1, 64);
    if x.is_zero() {
        return Ok((zero(), zero()));
    }
    let x2 = x.mul(x, w, NEAREST);
    let tail = with_consts(|cc| x2.neg().exp(ERROR_BITS, NEAREST, cc))?;
    // exp(−x²) rounded to 64 bits, doubled to stay above the true value.
    let tail = bound(&tail.mul(&BigFloat::from_i64(2, 64), ERROR_BITS, UP));
    let negligible = BigFloat::from_i64(1, 64).div(&BigFloat::from_i64(2, 64).powi(p + 16, w, NEAREST), w, NEAREST);
    if tail.cmp(&negligible).is_some_and(|c| c < 0) {
        let v = if x.is_negative() { one.neg() } else { one };
        return Ok((v, tail));
    }
    let two_x2 = x2.mul(&BigFloat::from_i64(2, 64), w, NEAREST);
    let mut term = x.abs();
    let mut sum = term.clone();
    let mut n: i64 = 0;
    let half = BigFloat::from_f64(0.5, 64);
    let unit = BigFloat::from_i64(2, 64).powi(p + 8, w, NEAREST);
    let remainder = loop {
        let denominator = BigFloat::from_i64(2 * n + 3, 64);
        let ratio = two_x2.div(&denominator, w, NEAREST);
        term = term.mul(&ratio, w, NEAREST);
        sum = sum.add(&term, w, NEAREST);
        n += 1;
        // The ratio of the next terms, and the term against the sum.
        let next_ratio = two_x2.div(&BigFloat::from_i64(2 * n + 3, 64), w, NEAREST);
        let small = term.mul(&unit, w, NEAREST);
        if next_ratio.cmp(&half).is_some_and(|c| c <= 0) && small.cmp(&sum).is_some_and(|c| c < 0) {
            break term;
        }
        if n > 1_000_000 {
            return Err(EvalError::NotExact);
        }
    };
    let scale = with_consts(|cc| {
        let e = x2.neg().exp(w, NEAREST, cc);
        let root_pi = cc.pi(w, NEAREST).sqrt(w, NEAREST);
        e.mul(&BigFloat::from_i64(2, 64), w, NEAREST).div(&root_pi, w, NEAREST)
    })?;
    let magnitude = scale.mul(&sum, p, NEAREST);
    let value = if x.is_negative() { magnitude.neg() } else { magnitude.clone() };
    // The rest of the series, scaled; the rounding of the terms (relative, far below a unit of
    // the result with 32 guard bits) is within the function's units.
    let truncation = scaled(&scale, &bound(&remainder));
    Ok((value, eadd(&truncation, &units(&magnitude, FUNCTION_UNITS))))
}

/// σ(x) and σ(−x), each without cancellation.
fn sigmoid_pair(x: &BigFloat) -> EvalResult<(BigFloat, BigFloat)> {
    let p = bits();
    let one = BigFloat::from_i64(1, 64);
    let e = with_consts(|cc| x.abs().neg().exp(p, NEAREST, cc))?;
    let denominator = one.add(&e, p, NEAREST);
    let big = one.div(&denominator, p, NEAREST);
    let small = e.div(&denominator, p, NEAREST);
    Ok(if x.is_negative() { (small, big) } else { (big, small) })
}

impl Value for Precise {
    fn literal(lit: &Literal, _widen: bool) -> Precise {
        let p = bits();
        let convert = |n: &num_bigint::BigInt| -> BigFloat {
            match i64::try_from(n) {
                Ok(v) => BigFloat::from_i64(v, p.max(64)),
                Err(_) => {
                    with_consts(|cc| BigFloat::parse(&n.to_string(), astro_float_num::Radix::Dec, p, NEAREST, cc))
                        .unwrap_or(astro_float_num::NAN)
                }
            }
        };
        let (n, d) = (convert(lit.value.numer()), convert(lit.value.denom()));
        let exact_parts = i64::try_from(lit.value.numer()).is_ok() && i64::try_from(lit.value.denom()).is_ok();
        let v = n.div(&d, p, NEAREST);
        let one_part = lit.value.is_integer() && exact_parts;
        let error = if one_part { zero() } else { units(&v, 2) };
        Precise { value: v, error }
    }
    fn int(v: i64) -> Precise {
        Precise::from_i64(v)
    }
    fn to_f64(&self) -> f64 {
        to_f64(&self.value)
    }
    fn is_exact_zero(&self) -> bool {
        self.value.is_zero() && self.error.is_zero()
    }
    fn add(&self, b: &Precise) -> EvalResult<Precise> {
        let v = self.value.add(&b.value, bits(), NEAREST);
        let e = eadd(&eadd(&self.error, &b.error), &units(&v, 1));
        made(v, e)
    }
    fn mul(&self, b: &Precise) -> EvalResult<Precise> {
        let v = self.value.mul(&b.value, bits(), NEAREST);
        let propagated =
            eadd(&eadd(&scaled(&self.value, &b.error), &scaled(&b.value, &self.error)), &scaled(&self.error, &b.error));
        made(v.clone(), eadd(&propagated, &units(&v, 1)))
    }
    fn neg(&self) -> Precise {
        Precise { value: self.value.neg(), error: self.error.clone() }
    }
    fn div(&self, b: &Precise) -> EvalResult<Precise> {
        if b.value.is_zero() {
            return if b.error.is_zero() { undefined("division by zero") } else { imprecise("a divisor") };
        }
        let v = self.value.div(&b.value, bits(), NEAREST);
        let room = b.room();
        let propagated = if room.is_positive() && !room.is_zero() {
            ediv(&eadd(&self.error, &scaled(&v, &b.error)), &room)
        } else {
            INF_POS
        };
        made(v.clone(), eadd(&propagated, &units(&v, 1)))
    }
    fn pow(&self, b: &Precise) -> EvalResult<Precise> {
        let p = bits();
        let (x, y) = (&self.value, &b.value);
        let integer = b.error.is_zero() && y.is_int();
        // A base that may be 0 within its error, to a positive integer power, is within
        // (|x| + e)^n of 0: `(x*y - y*x)^2` is 0 ± that.
        let positive_integer = integer && y.is_positive() && !y.is_zero();
        if !self.sign_known() && positive_integer {
            let n = to_f64(y);
            if n > 1e6 {
                return imprecise("a base");
            }
            let reach = eadd(&x.abs(), &self.error).powi(n as usize, ERROR_BITS, UP);
            let v = x.powi(n as usize, p, NEAREST);
            let rounding = units(&v, 2 + 2 * (n + 1.0).log2() as i32);
            let error = eadd(&eadd(&reach, &v.abs()), &rounding);
            return made(v, error);
        }
        if !self.sign_known() || !integer && !b.sign_known() && x.is_zero() {
            return imprecise("a base");
        }
        if x.is_zero() {
            return if y.is_negative() {
                undefined("zero to a negative power")
            } else if y.is_zero() {
                Ok(Precise::from_i64(1))
            } else {
                Ok(Precise::exact(zero()))
            };
        }
        if x.is_negative() && !integer {
            // An exponent computed to an integer within its error (`10^19`, rounded) may be that
            // integer or beside it: defined or not, floats of any precision cannot tell.
            let (yf, ef) = (to_f64(y), to_f64(&b.error));
            if y.is_int() || (yf + ef).floor() >= (yf - ef).ceil() {
                return imprecise("an exponent");
            }
            return undefined("a negative number to a fractional power");
        }
        let n =
            if integer { i64::try_from(to_f64(y) as i128).ok().filter(|n| n.unsigned_abs() < 1 << 31) } else { None };
        let v = match n {
            Some(n) => {
                let m = x.powi(n.unsigned_abs() as usize, p, NEAREST);
                if n < 0 {
                    m.reciprocal(p, NEAREST)
                } else {
                    m
                }
            }
            None if x.is_negative() => return Err(EvalError::NotExact),
            // Not rounded to nearest: the library raises its working precision until the
            // rounding is certain, which it never is for a power that is a number of these bits
            // exactly (`(x^2)^(1/2)` of a float `x`: an adversarial tester's step ran for
            // ever). Truncated, it is within a unit, which the rounding below allows for.
            None => with_consts(|cc| x.pow(y, p, RoundingMode::None, cc))?,
        };
        if !is_nonzero_finite(&v) {
            return beyond();
        }
        // ∂/∂x = y·x^(y−1) = y·v/x, ∂/∂y = v·ln x.
        let by_base = if self.error.is_zero() {
            zero()
        } else if !self.sign_known() {
            INF_POS
        } else {
            scaled(&y.mul(&v, ERROR_BITS, UP).div(x, ERROR_BITS, UP), &self.error)
        };
        let by_exponent = if b.error.is_zero() {
            zero()
        } else {
            let ln = with_consts(|cc| x.abs().ln(ERROR_BITS, UP, cc))?;
            scaled(&v.mul(&ln, ERROR_BITS, UP), &b.error)
        };
        let rounding = (2.0 + 2.0 * (to_f64(y).abs() + 1.0).log2()).min(1e6) as i32 + FUNCTION_UNITS;
        made(v.clone(), eadd(&eadd(&by_base, &by_exponent), &units(&v, rounding)))
    }
    fn builtin(b: Builtin, order: u32, args: &[Precise], near_kink: f64) -> EvalResult<Precise> {
        // During finite differences a kink next to the point is refused, as in floats.
        let at_kink = |d: f64| near_kink > 0.0 && d.abs() < near_kink;
        match args {
            [x, y] => {
                if at_kink(to_f64(&x.value.sub(&y.value, 64, NEAREST))) {
                    return Err(EvalError::NearKink);
                }
                let v = match b {
                    Builtin::Max => x.value.max(&y.value),
                    Builtin::Min => x.value.min(&y.value),
                    _ => return Err(EvalError::NotExact),
                };
                let e = if x.error.cmp(&y.error).is_some_and(|c| c >= 0) { x.error.clone() } else { y.error.clone() };
                made(v, e)
            }
            [x] => {
                if matches!(b, Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step) && at_kink(x.to_f64()) {
                    return Err(EvalError::NearKink);
                }
                builtin(b, order, x)
            }
            [] if b == Builtin::Pi => {
                let pi = with_consts(|cc| cc.pi(bits(), NEAREST))?;
                let error = units(&pi, 1);
                made(pi, error)
            }
            _ => Err(EvalError::Limit("wrong number of arguments".to_string())),
        }
    }
}

/// A builtin or one of its first two derivatives: its value, and the size of its next derivative
/// (for the propagated error) and its own rounding.
fn builtin(b: Builtin, order: u32, x: &Precise) -> EvalResult<Precise> {
    let p = bits();
    let v = &x.value;
    let int = |n: i64| BigFloat::from_i64(n, 64);
    let fu = |value: &BigFloat| units(value, FUNCTION_UNITS);
    // (value, slope, rounding)
    let (value, slope, rounding): (BigFloat, BigFloat, BigFloat) = match (b, order) {
        (Builtin::Exp, _) => {
            let e = remembered(Function::Exp, v, p)?;
            (e.clone(), e.clone(), fu(&e))
        }
        (Builtin::Log, n) => {
            if !x.sign_known() {
                return imprecise("the argument of a logarithm");
            }
            if v.is_zero() || (n == 0 && v.is_negative()) {
                return undefined("log of a number that is not positive");
            }
            let room = x.room();
            match n {
                0 => {
                    let l = remembered(Function::Ln, v, p)?;
                    (l.clone(), ediv(&int(1), &room), fu(&l))
                }
                1 => {
                    let r = v.reciprocal(p, NEAREST);
                    (r.clone(), ediv(&int(1), &room.mul(&room, ERROR_BITS, RoundingMode::Down)), fu(&r))
                }
                2 => {
                    let r = v.mul(v, p, NEAREST).reciprocal(p, NEAREST).neg();
                    let cube = room.powi(3, ERROR_BITS, RoundingMode::Down);
                    (r.clone(), ediv(&int(2), &cube), fu(&r))
                }
                _ => return Err(EvalError::NotExact),
            }
        }
        (Builtin::Sqrt, n) => {
            if v.is_negative() || (n > 0 && v.is_zero()) {
                return if x.sign_known() {
                    undefined("square root of a negative number")
                } else {
                    imprecise("a square root's argument")
                };
            }
            let s = v.sqrt(p, NEAREST);
            match n {
                0 => {
                    // Not Lipschitz at 0: within e/√v of √v, or within √e.
                    let slope_error = if x.sign_known() && !v.is_zero() {
                        ediv(&x.error, &s)
                    } else {
                        bound(&x.error.sqrt(ERROR_BITS, UP))
                    };
                    return made(s.clone(), eadd(&slope_error, &fu(&s)));
                }
                1 | 2 => {
                    if !x.sign_known() {
                        return imprecise("a square root's argument");
                    }
                    let room = x.room();
                    let r = if n == 1 {
                        int(1).div(&s.mul(&int(2), p, NEAREST), p, NEAREST)
                    } else {
                        int(-1).div(&v.mul(&s, p, NEAREST).mul(&int(4), p, NEAREST), p, NEAREST)
                    };
                    let root = room.sqrt(ERROR_BITS, RoundingMode::Down);
                    let next = room.powi(n as usize, ERROR_BITS, RoundingMode::Down).mul(
                        &root,
                        ERROR_BITS,
                        RoundingMode::Down,
                    );
                    (r.clone(), ediv(&int(1), &next), fu(&r))
                }
                _ => return Err(EvalError::NotExact),
            }
        }
        (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step, n) => {
            let known = x.sign_known();
            if n > 0 && v.is_zero() {
                return if known {
                    undefined("the derivative of a kink is not defined at 0")
                } else {
                    imprecise("a kink's argument")
                };
            }
            let step = |positive: bool| if positive { int(1) } else { zero() };
            let value = match (b, n) {
                (Builtin::Abs, 0) => v.abs(),
                (Builtin::Relu, 0) => {
                    if v.is_positive() && !v.is_zero() {
                        v.clone()
                    } else {
                        zero()
                    }
                }
                (Builtin::Sign, 0) => {
                    if v.is_zero() {
                        zero()
                    } else {
                        v.signum()
                    }
                }
                (Builtin::Step, 0) => step(!v.is_negative()),
                (Builtin::Abs, 1) => v.signum(),
                (Builtin::Relu, 1) => step(v.is_positive() && !v.is_zero()),
                _ => zero(),
            };
            let error = match (b, n) {
                (Builtin::Abs | Builtin::Relu, 0) => x.error.clone(),
                _ if known => zero(),
                _ => int(2),
            };
            return made(value, error);
        }
        (Builtin::Sigmoid | Builtin::Softplus, n) => {
            let (s, t) = sigmoid_pair(v)?;
            // σ' = σ(x)σ(−x); every derivative of σ up to the third is at most σ' in size.
            let d1 = s.mul(&t, p, NEAREST);
            let sigma_order = if b == Builtin::Softplus { n.checked_sub(1) } else { Some(n) };
            match sigma_order {
                None => {
                    // softplus(x) = max(x, 0) + ln(1 + e^(−|x|)).
                    let e = with_consts(|cc| v.abs().neg().exp(p, NEAREST, cc))?;
                    let (l, l_error) = ln_1p(&e)?;
                    let positive = if v.is_positive() { v.clone() } else { zero() };
                    let value = positive.add(&l, p, NEAREST);
                    (value.clone(), s.clone(), eadd(&l_error, &fu(&value)))
                }
                Some(0) => (s.clone(), d1.clone(), fu(&s)),
                Some(1) => (d1.clone(), d1.clone(), fu(&d1)),
                Some(2) => {
                    let value = d1.mul(&t.sub(&s, p, NEAREST), p, NEAREST);
                    (value.clone(), d1.clone(), eadd(&fu(&value), &fu(&d1)))
                }
                _ => return Err(EvalError::NotExact),
            }
        }
        (Builtin::Tanh, n) => {
            let t = with_consts(|cc| v.tanh(p, NEAREST, cc))?;
            // sech² = 4u/(1+u)² with u = e^(−2|x|), without the cancellation of 1 − tanh².
            let u = with_consts(|cc| v.abs().mul(&int(-2), p, NEAREST).exp(p, NEAREST, cc))?;
            let one_u = int(1).add(&u, p, NEAREST);
            let sech2 = u.mul(&int(4), p, NEAREST).div(&one_u.mul(&one_u, p, NEAREST), p, NEAREST);
            let value = match n {
                0 => t.clone(),
                1 => sech2.clone(),
                2 => t.mul(&sech2, p, NEAREST).mul(&int(-2), p, NEAREST),
                _ => return Err(EvalError::NotExact),
            };
            let slope = if n == 0 { sech2.clone() } else { sech2.mul(&int(4), ERROR_BITS, UP) };
            (value.clone(), slope, eadd(&fu(&value), &fu(&sech2)))
        }
        (Builtin::Sin | Builtin::Cos, n) => {
            let quarter = (n + u32::from(b == Builtin::Cos)) % 4;
            let value = with_consts(|cc| match quarter {
                0 => v.sin(p, NEAREST, cc),
                1 => v.cos(p, NEAREST, cc),
                2 => v.sin(p, NEAREST, cc).neg(),
                _ => v.cos(p, NEAREST, cc).neg(),
            })?;
            (value.clone(), int(1), eadd(&fu(&value), &units(&int(1), FUNCTION_UNITS)))
        }
        // Their derivatives are formulas, which the evaluator expands; erf' ≤ 2/√π < 2 and
        // atan' ≤ 1 bound the slopes.
        (Builtin::Erf, 0) => {
            let (value, rounding) = erf(v)?;
            (value, int(2), rounding)
        }
        (Builtin::Atan, 0) => {
            let value = with_consts(|cc| v.atan(p, NEAREST, cc))?;
            (value.clone(), int(1), fu(&value))
        }
        (Builtin::Max | Builtin::Min | Builtin::Pi, _) => {
            return Err(EvalError::Limit("wrong number of arguments".to_string()))
        }
        // A builtin defined by a formula never reaches a kernel (the evaluator expands it); every
        // primitive is covered above, as `numeric::builtin_kernels` checks.
        #[allow(unreachable_patterns)]
        _ => return Err(EvalError::NotExact),
    };
    made(value, eadd(&scaled(&slope, &x.error), &rounding))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64) -> Precise {
        Precise::from_f64(x, 0.0)
    }

    /// A remembered `ln` or `exp`, and one computed with a shared cache of constants that another
    /// thread filled at a higher precision, are the values computed afresh.
    #[test]
    fn remembered_values_and_shared_constants_change_no_value() {
        let x = BigFloat::from_f64(0.3575586933233620, 256);
        let fresh = |f: Function, bits: usize| {
            let mut cc = Consts::new().unwrap();
            match f {
                Function::Exp => x.exp(bits, NEAREST, &mut cc),
                Function::Ln => x.ln(bits, NEAREST, &mut cc),
            }
        };
        std::thread::spawn(|| remembered(Function::Ln, &BigFloat::from_f64(3.0, 64), 4096).unwrap()).join().unwrap();
        for bits in [256, 1024] {
            for f in [Function::Ln, Function::Exp] {
                let first = remembered(f, &x, bits).unwrap();
                let again = remembered(f, &x, bits).unwrap();
                assert_eq!(first.cmp(&fresh(f, bits)), Some(0), "{f:?} at {bits} bits");
                assert_eq!(again.cmp(&first), Some(0), "{f:?} at {bits} bits, remembered");
                assert_eq!(again.mantissa_digits(), fresh(f, bits).mantissa_digits());
            }
        }
    }

    #[test]
    fn one_minus_a_saturated_sigmoid_keeps_its_digits() {
        with_bits(256, || {
            let s = Precise::builtin(Builtin::Sigmoid, 0, &[p(80.0)], 0.0).unwrap();
            let q = Precise::int(1).sub(&s).unwrap();
            let l = Precise::builtin(Builtin::Log, 0, &[q], 0.0).unwrap();
            let sp = Precise::builtin(Builtin::Softplus, 0, &[p(80.0)], 0.0).unwrap().neg();
            // ln(1 − σ(80)) = −softplus(80) = −80 − 1.8e-35.
            assert!((l.to_f64() + 80.0).abs() < 1e-12, "{l:?}");
            let (fl, fsp) = (l.as_float(256).unwrap(), sp.as_float(256).unwrap());
            assert!((fl.value - fsp.value).abs() <= fl.error + fsp.error && fl.error < 1e-13, "{fl:?} {fsp:?}");
            let wide = Precise { value: l.value.clone(), error: BigFloat::from_f64(1.0, ERROR_BITS) };
            assert_eq!(wide.as_float(256), Err(NotAFloat::TooWide));
        });
    }

    #[test]
    fn a_logarithm_of_a_value_that_may_be_zero_is_imprecise() {
        with_bits(256, || {
            let q = Precise { value: zero(), error: BigFloat::from_f64(1e-70, ERROR_BITS) };
            assert!(matches!(Precise::builtin(Builtin::Log, 0, &[q], 0.0), Err(EvalError::Imprecise(_))));
            let z = Precise::exact(zero());
            assert!(matches!(Precise::builtin(Builtin::Log, 0, &[z], 0.0), Err(EvalError::Undefined(_))));
        });
    }

    #[test]
    fn a_base_that_may_be_zero_is_squared_within_its_error() {
        with_bits(256, || {
            let e = 1e-70;
            let z = Precise { value: zero(), error: BigFloat::from_f64(e, ERROR_BITS) };
            let sq = z.pow(&Precise::int(2)).unwrap();
            assert!(sq.value.is_zero() && to_f64(&sq.error) >= e * e, "{sq:?}");
            assert!(matches!(z.pow(&Precise::int(-1)), Err(EvalError::Imprecise(_))));
        });
    }

    #[test]
    fn floats_convert_both_ways() {
        with_bits(128, || {
            for x in [1.5, -3.25e-300, 7.0e300, 0.1] {
                assert_eq!(to_f64(&p(x).value), x);
            }
            assert_eq!(to_f64(&zero()), 0.0);
        });
    }

    #[test]
    fn softplus_of_a_very_negative_argument_is_not_zero() {
        with_bits(256, || {
            let s = Precise::builtin(Builtin::Softplus, 0, &[p(-200.0)], 0.0).unwrap();
            let exact = (-200.0f64).exp();
            assert!((s.to_f64() - exact).abs() < 1e-12 * exact, "{s:?}");
        });
    }

    #[test]
    fn erf_and_pi_are_accurate_to_their_bounds() {
        // Values from mpmath at 60 digits (about 200 bits), compared at 128 bits.
        with_bits(128, || {
            let parse = |text: &str| {
                with_consts(|cc| BigFloat::parse(text, astro_float_num::Radix::Dec, 256, NEAREST, cc)).unwrap()
            };
            let close = |got: &Precise, want: &str| {
                let diff = got.value.sub(&parse(want), 256, NEAREST).abs();
                // Within the bound (plus the reference's own rounding), and the bound small.
                let slack = got.error.add(&parse("1e-58"), 64, UP);
                assert!(diff.cmp(&slack).is_some_and(|c| c <= 0), "{got:?} vs {want}");
                assert!(to_f64(&got.error) < 1e-35, "{got:?}");
            };
            let erf = |x: f64| Precise::builtin(Builtin::Erf, 0, &[p(x)], 0.0).unwrap();
            close(&erf(0.5), "0.520499877813046537682746653891964528736451575757963700058806");
            close(&erf(-2.5), "-0.999593047982555041060435784260025087279651322596286579860879");
            let one_minus = parse("1").sub(&erf(6.0).value, 256, NEAREST);
            let want = parse("0.0000000000000000215197367124989131165933503991873846304775140414");
            assert!(to_f64(&one_minus.sub(&want, 256, NEAREST).abs()) < 1e-37, "{one_minus:?}");
            // Far out, ±1 within exp(-x²).
            let far = erf(-40.0);
            assert_eq!(to_f64(&far.value), -1.0);
            assert!(to_f64(&far.error) < 1e-600_f64.max(f64::MIN_POSITIVE), "{far:?}");
            close(
                &Precise::builtin(Builtin::Pi, 0, &[], 0.0).unwrap(),
                "3.14159265358979323846264338327950288419716939937510582097494",
            );
            close(
                &Precise::builtin(Builtin::Atan, 0, &[p(2.0)], 0.0).unwrap(),
                "1.10714871779409050301706546017853704007004764540143264667654",
            );
        });
    }
}
