//! Intervals of reals with outward rounding, for the range of a `≈` step over the rounding box of
//! its literals (§5; the search over the box is `rounding.rs`).
//!
//! An interval computed over a box of literal values encloses every value the expression takes at
//! the points of the box where it is defined: each bound is rounded outward (an operation that IEEE
//! rounds correctly moves its result one float outward unless an error-free transformation shows
//! it exact; a function of the maths library moves it `LIBM_ULPS` floats). A function is bounded over
//! an interval through its monotone pieces: its values at the ends and at every turning point
//! inside. `continuous` says that the expression is defined and continuous at every point of the
//! box, so that it takes every value between two of its values there; an operation that is
//! undefined or jumps somewhere in its argument's interval (`log` of an interval reaching 0, `step`
//! of one holding 0, a divisor holding 0) clears it. Where the expression is defined nowhere in the
//! box, the result is `Undefined`.

use num_bigint::BigInt;
use num_rational::BigRational;

use super::value::{ratio_to_f64, EvalError, EvalResult, Value};
use crate::model::{Builtin, Literal};

/// How many floats a result of the maths library (`exp`, `ln`, `tanh`, `sin`, `cos`, `powf`) is
/// moved outward: they are accurate to within one or two units in the last place, and the few
/// correctly rounded operations around them in `sigmoid` and its kin add at most a few more.
const LIBM_ULPS: u32 = 8;

/// A closed interval of reals, possibly unbounded, over a box of literal values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower end (`-inf` when unbounded below).
    pub lo: f64,
    /// Upper end (`inf` when unbounded above).
    pub hi: f64,
    /// Whether the expression is defined and continuous at every point of the box.
    pub continuous: bool,
}

impl Interval {
    /// The interval holding one float.
    pub fn point(x: f64) -> Interval {
        Interval { lo: x, hi: x, continuous: true }
    }

    /// Every real: nothing is known of the value.
    pub fn whole() -> Interval {
        Interval { lo: f64::NEG_INFINITY, hi: f64::INFINITY, continuous: false }
    }

    /// An interval from bounds already rounded outward (a NaN bound is read as unbounded).
    fn new(lo: f64, hi: f64, continuous: bool) -> Interval {
        let lo = if lo.is_nan() { f64::NEG_INFINITY } else { lo };
        let hi = if hi.is_nan() { f64::INFINITY } else { hi };
        Interval { lo, hi, continuous }
    }

    /// The same bounds, with continuity also requiring `other`'s.
    fn and(self, other: bool) -> Interval {
        Interval { continuous: self.continuous && other, ..self }
    }

    /// Whether the interval is one float.
    pub fn is_point(&self) -> bool {
        self.lo == self.hi
    }

    /// Whether the interval holds `x`.
    fn holds(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// The rounding interval of a literal written with a decimal point (half a unit in its last
    /// digit either side), rounded outward; any other literal (or `widen` false) is its value,
    /// rounded outward when it is not a float.
    pub fn literal_bounds(lit: &Literal, widen: bool) -> Interval {
        if !(widen && lit.point) && lit.value.is_integer() {
            if let Some(v) = num_traits::ToPrimitive::to_i64(lit.value.numer()) {
                return Value::int(v);
            }
        }
        match (&lit.half_unit, widen && lit.point) {
            (Some(h), true) => Interval::new(round_down(&(&lit.value - h)), round_up(&(&lit.value + h)), true),
            _ => Interval::new(round_down(&lit.value), round_up(&lit.value), true),
        }
    }

    /// The same interval rounded inward: floats inside the rounding interval, for the points at
    /// which the step is evaluated.
    pub fn literal_inner(lit: &Literal) -> (f64, f64) {
        match &lit.half_unit {
            Some(h) => (round_up(&(&lit.value - h)), round_down(&(&lit.value + h))),
            None => (round_up(&lit.value), round_down(&lit.value)),
        }
    }
}

/// The largest float at most `r`.
pub fn round_down(r: &BigRational) -> f64 {
    directed(r, true)
}

/// The smallest float at least `r`.
pub fn round_up(r: &BigRational) -> f64 {
    directed(r, false)
}

fn directed(r: &BigRational, down: bool) -> f64 {
    let mut x = ratio_to_f64(r);
    if x.is_nan() {
        return if down { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    // `ratio_to_f64` is the nearest float to `r`; step (once at most) until the bound is on the
    // right side, comparing exactly.
    for _ in 0..64 {
        let Some(q) = BigRational::from_float(x.clamp(f64::MIN, f64::MAX)) else { break };
        let beyond_floats = x.is_infinite();
        let ok = if down { q <= *r || (beyond_floats && x < 0.0) } else { q >= *r || (beyond_floats && x > 0.0) };
        if ok {
            return x;
        }
        x = if down { next_down(x) } else { next_up(x) };
    }
    if down {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    }
}

/// The next float above `x` (`f64::next_up` needs a newer Rust than the crate supports).
fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let bits = x.to_bits();
    f64::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

/// The next float below `x`.
fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// `x` moved `n` floats down.
fn down_by(x: f64, n: u32) -> f64 {
    (0..n).fold(x, |y, _| next_down(y))
}

/// `x` moved `n` floats up.
fn up_by(x: f64, n: u32) -> f64 {
    (0..n).fold(x, |y, _| next_up(y))
}

/// Whether a result of this size is far enough from the subnormal range for the error-free
/// transformations below to be exact.
fn normal_enough(x: f64) -> bool {
    x.is_finite() && (x == 0.0 || x.abs() >= f64::MIN_POSITIVE * 2f64.powi(60))
}

/// Lower and upper bounds of `a + b`.
fn add_bounds(a: f64, b: f64) -> (f64, f64) {
    if a == 0.0 || b == 0.0 {
        let s = a + b;
        return (s, s);
    }
    let s = a + b;
    if !s.is_finite() || !normal_enough(a) || !normal_enough(b) {
        return (next_down(s), next_up(s));
    }
    // Knuth's TwoSum: `s + err` is exactly `a + b`.
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    directed_by_sign(s, err)
}

/// `(s, s)` when `err` is 0, else `s` and its neighbour on the side of the exact result.
fn directed_by_sign(s: f64, err: f64) -> (f64, f64) {
    if err == 0.0 {
        (s, s)
    } else if err > 0.0 {
        (s, next_up(s))
    } else {
        (next_down(s), s)
    }
}

/// Lower and upper bounds of `a * b` (0 times anything, even an unbounded end, is 0).
fn mul_bounds(a: f64, b: f64) -> (f64, f64) {
    if a == 0.0 || b == 0.0 {
        return (0.0, 0.0);
    }
    let p = a * b;
    if !normal_enough(p) || !a.is_finite() || !b.is_finite() {
        return (next_down(p), next_up(p));
    }
    directed_by_sign(p, a.mul_add(b, -p))
}

/// Lower and upper bounds of `a / b` (`b` not 0).
fn div_bounds(a: f64, b: f64) -> (f64, f64) {
    if a == 0.0 {
        return (0.0, 0.0);
    }
    let q = a / b;
    if !normal_enough(q) || !a.is_finite() || !b.is_finite() || !normal_enough(a) {
        return (next_down(q), next_up(q));
    }
    // q·b − a has the sign of (q − a/b)·b.
    let r = q.mul_add(b, -a);
    directed_by_sign(q, if b > 0.0 { -r } else { r })
}

/// Lower and upper bounds of `sqrt(x)`, `x ≥ 0`.
fn sqrt_bounds(x: f64) -> (f64, f64) {
    let r = x.sqrt();
    if !normal_enough(r) || !normal_enough(x) || x == 0.0 {
        return (next_down(r).max(0.0), next_up(r));
    }
    // r² − x has the sign of r − √x.
    directed_by_sign(r, -r.mul_add(r, -x))
}

/// A result of the maths library, moved outward.
fn libm(x: f64) -> (f64, f64) {
    (down_by(x, LIBM_ULPS), up_by(x, LIBM_ULPS))
}

/// The interval spanned by the bounds of several results.
fn span(bounds: impl IntoIterator<Item = (f64, f64)>, continuous: bool) -> Interval {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (l, h) in bounds {
        lo = lo.min(if l.is_nan() { f64::NEG_INFINITY } else { l });
        hi = hi.max(if h.is_nan() { f64::INFINITY } else { h });
    }
    Interval::new(lo, hi, continuous)
}

fn undefined<T>(why: &str) -> EvalResult<T> {
    Err(EvalError::Undefined(why.to_string()))
}

/// `x^n` for `x ≥ 0` by repeated squaring, every product rounded down (`down`) or up.
fn pow_nonneg(x: f64, n: u64, down: bool) -> f64 {
    let pick = |(l, h): (f64, f64)| if down { l.max(0.0) } else { h };
    let (mut acc, mut base, mut k) = (1.0f64, x, n);
    while k > 0 {
        if k & 1 == 1 {
            acc = pick(mul_bounds(acc, base));
        }
        k >>= 1;
        if k > 0 {
            base = pick(mul_bounds(base, base));
        }
    }
    acc
}

/// `x^n` over an interval, `n ≥ 0` an integer.
fn pow_int(x: Interval, n: u64) -> Interval {
    if n == 0 {
        return Interval::point(1.0).and(x.continuous);
    }
    if n % 2 == 0 {
        // Even: the image of |x|.
        let (mig, mag) = if x.lo >= 0.0 {
            (x.lo, x.hi)
        } else if x.hi <= 0.0 {
            (-x.hi, -x.lo)
        } else {
            (0.0, x.hi.max(-x.lo))
        };
        return Interval::new(pow_nonneg(mig, n, true), pow_nonneg(mag, n, false), x.continuous);
    }
    // Odd: increasing, and odd.
    let end = |v: f64, down: bool| {
        if v >= 0.0 {
            pow_nonneg(v, n, down)
        } else {
            -pow_nonneg(-v, n, !down)
        }
    };
    Interval::new(end(x.lo, true), end(x.hi, false), x.continuous)
}

/// The image of `x` under a function that is monotone between the listed turning points, with
/// its values at the ends and at every turning point that may lie in `x` (`value` and `turns` give
/// results of the maths library).
fn monotone_pieces(x: Interval, value: impl Fn(f64) -> f64, turns: &[(f64, f64)], continuous: bool) -> Interval {
    let mut bounds = vec![libm(value(x.lo)), libm(value(x.hi))];
    for &(at, v) in turns {
        // The turning points are floats near the true ones: a margin keeps every one that may be
        // inside (one taken too many only widens the result).
        let margin = 1e-12 * at.abs().max(1.0);
        if x.lo <= at + margin && x.hi >= at - margin {
            bounds.push(libm(v));
        }
    }
    span(bounds, continuous && x.continuous)
}

use super::value::{sigmoid, sigmoid1, sigmoid2, tanh1, tanh2};

fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Where σ'' turns: ±ln(2 + √3), with σ''(∓ln(2 + √3)) = ±√3/18. tanh'' turns at half of it,
/// ±atanh(1/√3), with values ∓4/(3√3) (both checked with SymPy).
const SIGMOID2_TURN: f64 = 1.316_957_896_924_816_7;
const SIGMOID2_PEAK: f64 = 0.096_225_044_864_937_63;
const TANH2_TURN: f64 = 0.658_478_948_462_408_4;
const TANH2_PEAK: f64 = 0.769_800_358_919_501;

/// `sin` (`cosine` false) or `cos` over an interval: ±1 where a turning point may be inside.
fn sin_cos(x: Interval, cosine: bool) -> Interval {
    let f = |v: f64| if cosine { v.cos() } else { v.sin() };
    if !x.lo.is_finite() || !x.hi.is_finite() || x.hi - x.lo >= 7.0 {
        return Interval::new(-1.0, 1.0, x.continuous);
    }
    let mut bounds = vec![libm(f(x.lo)), libm(f(x.hi))];
    // Turning points at kπ (cos) or π/2 + kπ (sin), where the value is (−1)^k.
    let offset = if cosine { 0.0 } else { std::f64::consts::FRAC_PI_2 };
    let pi = std::f64::consts::PI;
    let first = ((x.lo - offset) / pi).floor() as i64 - 1;
    let last = ((x.hi - offset) / pi).ceil() as i64 + 1;
    for k in first..=last {
        let at = offset + k as f64 * pi;
        let margin = 1e-12 * at.abs().max(1.0);
        if x.lo <= at + margin && x.hi >= at - margin {
            let v = if k % 2 == 0 { 1.0 } else { -1.0 };
            bounds.push((v, v));
        }
    }
    let y = span(bounds, x.continuous);
    Interval::new(y.lo.max(-1.0), y.hi.min(1.0), y.continuous)
}

/// A builtin of one argument, or one of its derivatives, over an interval.
fn builtin1(b: Builtin, order: u32, x: Interval) -> EvalResult<Interval> {
    let c = x.continuous;
    let holds_zero = x.holds(0.0);
    Ok(match (b, order) {
        (Builtin::Exp, _) => {
            let (lo, hi) = (libm(x.lo.exp()).0.max(0.0), libm(x.hi.exp()).1);
            Interval::new(lo, hi, c)
        }
        (Builtin::Log, 0) => {
            if x.hi <= 0.0 {
                return undefined("log of a number that is not positive");
            }
            let hi = libm(x.hi.ln()).1;
            if x.lo <= 0.0 {
                Interval::new(f64::NEG_INFINITY, hi, false)
            } else {
                Interval::new(libm(x.lo.ln()).0, hi, c)
            }
        }
        (Builtin::Log, 1 | 2) => {
            if x.lo == 0.0 && x.hi == 0.0 {
                return undefined("log of a number that is not positive");
            }
            if holds_zero {
                return Ok(Interval::whole());
            }
            let recip = Interval::point(1.0).div(&x)?;
            if order == 1 {
                recip
            } else {
                pow_int(recip, 2).neg()
            }
        }
        (Builtin::Sqrt, 0) => {
            if x.hi < 0.0 {
                return undefined("square root of a negative number");
            }
            let hi = sqrt_bounds(x.hi).1;
            if x.lo < 0.0 {
                Interval::new(0.0, hi, false)
            } else {
                Interval::new(sqrt_bounds(x.lo).0, hi, c)
            }
        }
        (Builtin::Sqrt, 1 | 2) => {
            if x.hi <= 0.0 {
                return undefined("square root of a negative number");
            }
            if x.lo <= 0.0 {
                return Ok(Interval::whole());
            }
            let root = builtin1(Builtin::Sqrt, 0, x)?;
            if order == 1 {
                Interval::point(0.5).div(&root)?
            } else {
                Interval::point(-0.25).div(&x.mul(&root)?)?
            }
        }
        (Builtin::Abs, 0) => monotone_pieces(x, f64::abs, &[(0.0, 0.0)], true),
        (Builtin::Relu, 0) => Interval::new(x.lo.max(0.0), x.hi.max(0.0), c),
        (Builtin::Sign, 0) => {
            let sign = |v: f64| if v == 0.0 { 0.0 } else { v.signum() };
            let jumps = holds_zero && !x.is_point();
            Interval::new(sign(x.lo), sign(x.hi), c && !jumps)
        }
        (Builtin::Step, 0) => {
            let step = |v: f64| f64::from(u8::from(v >= 0.0));
            let jumps = x.lo < 0.0 && x.hi >= 0.0;
            Interval::new(step(x.lo), step(x.hi), c && !jumps)
        }
        (Builtin::Abs | Builtin::Relu | Builtin::Sign | Builtin::Step, _) => {
            // Defined everywhere but at 0: abs' = sign, relu' = 0 or 1, the others 0.
            if x.lo == 0.0 && x.hi == 0.0 {
                return undefined("the derivative of a kink is not defined at 0");
            }
            let (below, above): (f64, f64) = match (b, order) {
                (Builtin::Abs, 1) => (-1.0, 1.0),
                (Builtin::Relu, 1) => (0.0, 1.0),
                _ => (0.0, 0.0),
            };
            let (lo, hi) = match (x.lo < 0.0, x.hi > 0.0) {
                (true, true) => (below.min(above), below.max(above)),
                (true, false) => (below, below),
                _ => (above, above),
            };
            Interval::new(lo, hi, c && !holds_zero)
        }
        (Builtin::Sigmoid, 0) | (Builtin::Softplus, 1) => monotone_pieces(x, sigmoid, &[], true),
        (Builtin::Sigmoid, 1) | (Builtin::Softplus, 2) => monotone_pieces(x, sigmoid1, &[(0.0, 0.25)], true),
        (Builtin::Sigmoid, 2) => {
            monotone_pieces(x, sigmoid2, &[(-SIGMOID2_TURN, SIGMOID2_PEAK), (SIGMOID2_TURN, -SIGMOID2_PEAK)], true)
        }
        (Builtin::Tanh, 0) => monotone_pieces(x, f64::tanh, &[], true),
        (Builtin::Tanh, 1) => monotone_pieces(x, tanh1, &[(0.0, 1.0)], true),
        (Builtin::Tanh, 2) => monotone_pieces(x, tanh2, &[(-TANH2_TURN, TANH2_PEAK), (TANH2_TURN, -TANH2_PEAK)], true),
        (Builtin::Softplus, 0) => monotone_pieces(x, softplus, &[], true),
        // Increasing; their derivatives are formulas, which the evaluator expands.
        (Builtin::Erf, 0) => monotone_pieces(x, libm::erf, &[], true),
        (Builtin::Atan, 0) => monotone_pieces(x, f64::atan, &[], true),
        (Builtin::Sin | Builtin::Cos, n) => {
            // The derivatives cycle: sin, cos, −sin, −cos (and cos, −sin, −cos, sin).
            let shift = (n + u32::from(b == Builtin::Cos)) % 4;
            let base = sin_cos(x, shift % 2 == 1);
            if shift >= 2 {
                base.neg()
            } else {
                base
            }
        }
        _ => return Err(EvalError::Limit(format!("derivatives of order {order} of `{}` are not supported", b.name()))),
    })
}

/// Whether an interval exponent is one integer, and which.
fn integer_exponent(b: &Interval) -> Option<i64> {
    (b.is_point() && b.lo.fract() == 0.0 && b.lo.abs() < 2_147_483_647.0).then_some(b.lo as i64)
}

/// `x^y` for `x ≥ 0` (the part of `x` at or above 0) and an interval `y`: monotone in each
/// argument, so the corners bound it (`0^y` is 0 for `y > 0`).
fn pow_corners(x: Interval, y: Interval) -> EvalResult<Interval> {
    if x.lo == 0.0 && y.lo <= 0.0 {
        // 0 to a power that may be 0 or negative: 1, or unbounded.
        if x.hi == 0.0 && y.hi < 0.0 {
            return undefined("zero to a negative power");
        }
        return Ok(Interval::whole());
    }
    let mut bounds = Vec::with_capacity(4);
    for a in [x.lo, x.hi] {
        for e in [y.lo, y.hi] {
            bounds.push(if a == 0.0 { (0.0, 0.0) } else { libm(a.powf(e)) });
        }
    }
    let v = span(bounds, x.continuous && y.continuous);
    Ok(Interval::new(v.lo.max(0.0), v.hi, v.continuous))
}

impl Value for Interval {
    fn literal(lit: &Literal, widen: bool) -> Interval {
        Interval::literal_bounds(lit, widen)
    }
    fn int(v: i64) -> Interval {
        if v.unsigned_abs() <= 1 << 53 {
            return Interval::point(v as f64);
        }
        let r = BigRational::from_integer(BigInt::from(v));
        Interval::new(round_down(&r), round_up(&r), true)
    }
    fn to_f64(&self) -> f64 {
        match (self.lo.is_finite(), self.hi.is_finite()) {
            (true, true) => self.lo / 2.0 + self.hi / 2.0,
            (true, false) => self.lo,
            (false, true) => self.hi,
            (false, false) => 0.0,
        }
    }
    fn is_exact_zero(&self) -> bool {
        self.lo == 0.0 && self.hi == 0.0
    }
    fn add(&self, b: &Interval) -> EvalResult<Interval> {
        Ok(Interval::new(add_bounds(self.lo, b.lo).0, add_bounds(self.hi, b.hi).1, self.continuous && b.continuous))
    }
    fn mul(&self, b: &Interval) -> EvalResult<Interval> {
        let c = self.continuous && b.continuous;
        if self.is_exact_zero() || b.is_exact_zero() {
            return Ok(Interval::new(0.0, 0.0, c));
        }
        let corners = [(self.lo, b.lo), (self.lo, b.hi), (self.hi, b.lo), (self.hi, b.hi)];
        Ok(span(corners.iter().map(|&(x, y)| mul_bounds(x, y)), c))
    }
    fn neg(&self) -> Interval {
        Interval { lo: -self.hi, hi: -self.lo, continuous: self.continuous }
    }
    fn div(&self, b: &Interval) -> EvalResult<Interval> {
        if b.is_exact_zero() {
            return undefined("division by zero");
        }
        if b.holds(0.0) {
            // Unbounded near the zero of the divisor, and undefined at it.
            return Ok(Interval::whole());
        }
        let c = self.continuous && b.continuous;
        let corners = [(self.lo, b.lo), (self.lo, b.hi), (self.hi, b.lo), (self.hi, b.hi)];
        Ok(span(corners.iter().map(|&(x, y)| div_bounds(x, y)), c))
    }
    fn pow(&self, b: &Interval) -> EvalResult<Interval> {
        let x = *self;
        if let Some(n) = integer_exponent(b) {
            let powered = pow_int(x, n.unsigned_abs());
            if n >= 0 {
                return Ok(powered);
            }
            if x.is_exact_zero() {
                return undefined("zero to a negative power");
            }
            return Interval::point(1.0).div(&powered);
        }
        // An integer too large for `integer_exponent`: a power of a base that may be negative,
        // its sign unknown.
        if b.is_point() && b.lo.fract() == 0.0 && x.lo < 0.0 {
            return Ok(Interval::whole());
        }
        // A fractional or widened exponent: the base must be at least 0.
        if x.hi < 0.0 {
            if b.is_point() {
                return undefined("a negative number to a fractional power");
            }
            // Defined only at the integers of the exponent's interval, if it holds any.
            if b.lo.ceil() > b.hi.floor() {
                return undefined("a negative number to a fractional power");
            }
            return Ok(Interval::whole());
        }
        let nonnegative = Interval::new(x.lo.max(0.0), x.hi, x.continuous && x.lo >= 0.0);
        let v = pow_corners(nonnegative, *b)?;
        if x.lo < 0.0 && !b.is_point() {
            // The negative part of the base is defined at integer exponents only.
            return Ok(Interval::whole());
        }
        Ok(v)
    }
    fn builtin(b: Builtin, order: u32, args: &[Interval], _near_kink: f64) -> EvalResult<Interval> {
        match (b, args) {
            (Builtin::Max, [x, y]) => Ok(Interval::new(x.lo.max(y.lo), x.hi.max(y.hi), x.continuous && y.continuous)),
            (Builtin::Min, [x, y]) => Ok(Interval::new(x.lo.min(y.lo), x.hi.min(y.hi), x.continuous && y.continuous)),
            (_, [x]) => builtin1(b, order, *x),
            // The float nearest to π is below it, by less than a unit.
            (Builtin::Pi, []) => Ok(Interval::new(std::f64::consts::PI, next_up(std::f64::consts::PI), true)),
            _ => Err(EvalError::Limit("wrong number of arguments".to_string())),
        }
    }
}

/// The interval of a float with an error bound.
pub fn around(value: f64, error: f64) -> Interval {
    if !error.is_finite() || value.is_nan() {
        return Interval { continuous: true, ..Interval::whole() };
    }
    if error == 0.0 {
        return Interval::point(value);
    }
    let (lo, _) = add_bounds(value, -error);
    let (_, hi) = add_bounds(value, error);
    Interval::new(lo, hi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_decimal;

    fn iv(lo: f64, hi: f64) -> Interval {
        Interval::new(lo, hi, true)
    }

    #[test]
    fn decimal_literals_widen_by_half_a_unit_outward() {
        let lit = parse_decimal("418.2").unwrap();
        let i = Interval::literal(&lit, true);
        assert!(i.lo <= 418.15 && 418.15 - i.lo < 1e-12 && i.hi >= 418.25 && i.hi - 418.25 < 1e-12);
        // 418.15 is not a float: the outer bound is below it, the inner one above (418.25 is).
        let (inner_lo, inner_hi) = Interval::literal_inner(&lit);
        assert!(i.lo < inner_lo && inner_hi <= i.hi);
        let exact = |x: f64| BigRational::from_float(x).unwrap();
        let (lo, hi) = (parse_decimal("418.15").unwrap().value, parse_decimal("418.25").unwrap().value);
        assert!(exact(i.lo) <= lo && exact(inner_lo) >= lo && exact(i.hi) >= hi && exact(inner_hi) <= hi);
        assert_eq!(Interval::literal(&parse_decimal("3").unwrap(), true), Interval::point(3.0));
        let small = Interval::literal(&parse_decimal("1.5e-3").unwrap(), true);
        assert!(small.lo <= 0.00145 && small.lo > 0.001449999 && small.hi >= 0.00155 && small.hi < 0.001550001);
    }

    #[test]
    fn neighbouring_floats() {
        assert_eq!(next_up(1.0), 1.0 + f64::EPSILON);
        assert_eq!(next_down(1.0), 1.0 - f64::EPSILON / 2.0);
        assert_eq!(next_up(0.0), f64::from_bits(1));
        assert_eq!(next_down(0.0), -f64::from_bits(1));
        assert_eq!(next_up(f64::MAX), f64::INFINITY);
        assert_eq!(next_down(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert_eq!(next_up(f64::NEG_INFINITY), f64::MIN);
        assert_eq!(next_down(-1.0), -1.0 - f64::EPSILON);
    }

    #[test]
    fn exact_operations_stay_points_and_inexact_ones_enclose() {
        let third = Interval::point(1.0).div(&Interval::point(3.0)).unwrap();
        let exact = |x: f64| BigRational::from_float(x).unwrap();
        let one_third = BigRational::new(1.into(), 3.into());
        assert!(exact(third.lo) < one_third && one_third < exact(third.hi));
        assert_eq!(Interval::point(0.5).mul(&Interval::point(0.5)).unwrap(), Interval::point(0.25));
        let sum = Interval::point(0.1).add(&Interval::point(0.2)).unwrap();
        let true_sum = exact(0.1) + exact(0.2);
        assert!(exact(sum.lo) <= true_sum && true_sum <= exact(sum.hi) && sum.lo < sum.hi);
    }

    #[test]
    fn functions_are_bounded_through_their_turning_points() {
        let s1 = Interval::builtin(Builtin::Sigmoid, 1, &[iv(-0.1, 0.2)], 0.0).unwrap();
        assert!(s1.hi >= 0.25 && s1.hi < 0.2500001 && s1.lo <= sigmoid1(0.2));
        let s2 = Interval::builtin(Builtin::Sigmoid, 2, &[iv(-2.0, 0.0)], 0.0).unwrap();
        assert!(s2.hi >= SIGMOID2_PEAK && s2.lo <= 0.0);
        let sin = Interval::builtin(Builtin::Sin, 0, &[iv(1.0, 2.0)], 0.0).unwrap();
        assert!(sin.hi >= 1.0 && sin.lo <= 1f64.sin());
        let cos1 = Interval::builtin(Builtin::Cos, 1, &[iv(1.0, 2.0)], 0.0).unwrap();
        assert!(cos1.lo <= -1.0 && cos1.hi >= -(1f64.sin()));
        let abs = Interval::builtin(Builtin::Abs, 0, &[iv(-0.01, 0.02)], 0.0).unwrap();
        assert!(abs.lo <= 0.0 && abs.hi >= 0.02 && abs.continuous);
    }

    #[test]
    fn jumps_and_partial_domains_clear_continuity() {
        let step = Interval::builtin(Builtin::Step, 0, &[iv(-0.1, 0.1)], 0.0).unwrap();
        assert_eq!((step.lo, step.hi, step.continuous), (0.0, 1.0, false));
        let log = Interval::builtin(Builtin::Log, 0, &[iv(-1.0, 1.0)], 0.0).unwrap();
        assert!(!log.continuous && log.lo == f64::NEG_INFINITY && log.hi >= 0.0);
        assert!(Interval::builtin(Builtin::Log, 0, &[iv(-2.0, -1.0)], 0.0).is_err());
        let q = Interval::point(1.0).div(&iv(-1.0, 1.0)).unwrap();
        assert!(!q.continuous && q.lo.is_infinite() && q.hi.is_infinite());
    }

    #[test]
    fn integer_powers_are_exact_about_signs() {
        let sq = iv(-2.0, 1.0).pow(&Interval::point(2.0)).unwrap();
        assert_eq!((sq.lo, sq.hi), (0.0, 4.0));
        let cube = iv(-2.0, 1.0).pow(&Interval::point(3.0)).unwrap();
        assert_eq!((cube.lo, cube.hi), (-8.0, 1.0));
        let inv = iv(2.0, 4.0).pow(&Interval::point(-1.0)).unwrap();
        assert!(inv.lo <= 0.25 && inv.hi >= 0.5);
    }
}
