//! The kernels of every primitive builtin (`crate::builtin`, [`Definition::Primitive`]) against
//! each other, at points drawn from a fixed seed: the float kernel's derivative agrees with finite
//! differences of the kernel one order below, the interval kernel encloses the float kernel (at a
//! point and over a small box around it), and the kernels with error bounds (`Approx`,
//! `Precise`) agree with it. A primitive added to the table without a kernel in one of them fails
//! here, by name. A primitive whose derivative is a formula (`erf`, `atan`) has kernels for its
//! value only in the engines, which expand the formula for a derivative; its float kernel's
//! derivatives are checked against finite differences here, and `tests/builtins.rs` checks the
//! formula against the numbers' finite differences of the value. A constant (`pi`) is compared
//! once, at no argument.

use super::approx::Approx;
use super::interval::{around, Interval};
use super::precise::Precise;
use super::value::{builtin_f64, Value};
use num_rational::BigRational;

use super::value::EvalError;
use crate::builtin::{Builtin, Definition, Domain};

/// The orders of derivative every unary primitive supports.
const ORDERS: u32 = 2;

fn primitives() -> impl Iterator<Item = Builtin> {
    Builtin::ALL.iter().copied().filter(|b| matches!(b.spec().definition, Definition::Primitive(_)))
}

/// Points in [-3, 3], away from 0 (where the kinks of `abs`, `relu`, `sign` and `step` are), from
/// a fixed seed.
fn points() -> Vec<f64> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::new();
    while out.len() < 40 {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let x = ((state >> 11) as f64 / (1u64 << 53) as f64) * 6.0 - 3.0;
        if x.abs() > 0.1 {
            out.push(x);
        }
    }
    out
}

fn f64_kernel(b: Builtin, order: u32, args: &[f64]) -> Option<f64> {
    match args {
        [x] => builtin_f64(b, order, *x, 0.0).ok(),
        _ => f64::builtin(b, order, args, 0.0).ok(),
    }
}

#[test]
fn derivatives_agree_with_finite_differences() {
    for b in primitives().filter(|b| b.arity() == 1) {
        for order in 0..ORDERS {
            let mut compared = 0;
            for x in points() {
                let h = 1e-4;
                let (Some(d), Some(lo), Some(hi)) =
                    (f64_kernel(b, order + 1, &[x]), f64_kernel(b, order, &[x - h]), f64_kernel(b, order, &[x + h]))
                else {
                    continue;
                };
                let fd = (hi - lo) / (2.0 * h);
                assert!(
                    (fd - d).abs() <= 1e-5 * (1.0 + d.abs()),
                    "{}: order {} at {x}: {d} vs {fd}",
                    b.name(),
                    order + 1
                );
                compared += 1;
            }
            assert!(
                compared >= 10,
                "{}: the derivative of order {} is defined at {compared} points",
                b.name(),
                order + 1
            );
        }
    }
}

#[test]
fn every_kernel_agrees_with_the_float_kernel() {
    let xs = points();
    for b in primitives() {
        let orders = if b.arity() == 1 && b.derivative_formula().is_none() { 0..=ORDERS } else { 0..=0 };
        for order in orders {
            let mut compared = 0;
            for (i, &x) in xs.iter().enumerate() {
                let args: Vec<f64> = match b.arity() {
                    0 if i > 0 => break,
                    0 => vec![],
                    1 => vec![x],
                    _ => vec![x, xs[(i + 1) % xs.len()]],
                };
                let Some(v) = f64_kernel(b, order, &args) else { continue };
                let name = format!("{}, order {order}, at {args:?}", b.name());
                let approx: Vec<Approx> = args.iter().map(|&a| Approx::exact(a)).collect();
                let a = Approx::builtin(b, order, &approx, 0.0).unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert!(a.value == v && a.error.is_finite(), "{name}: {a:?} vs {v}");
                // The float kernel is not correctly rounded: the true value is within its bound.
                let (lo, hi) = (v - a.error, v + a.error);
                let point: Vec<Interval> = args.iter().map(|&a| Interval::point(a)).collect();
                let enclosure = Interval::builtin(b, order, &point, 0.0).unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert!(enclosure.lo <= hi && lo <= enclosure.hi, "{name}: {v} ± {} outside {enclosure:?}", a.error);
                let boxed: Vec<Interval> = args.iter().map(|&a| around(a, 1e-3)).collect();
                if let Ok(enclosure) = Interval::builtin(b, order, &boxed, 0.0) {
                    assert!(enclosure.lo <= hi && lo <= enclosure.hi, "{name}: {v} outside the box's {enclosure:?}");
                }
                let precise: Vec<Precise> = args.iter().map(|&a| Precise::from_f64(a, 0.0)).collect();
                let p = Precise::builtin(b, order, &precise, 0.0).unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert!((p.to_f64() - v).abs() <= a.error + 1e-15 * v.abs(), "{name}: {} vs {v}", p.to_f64());
                compared += 1;
            }
            let wanted = if b.arity() == 0 { 1 } else { 10 };
            assert!(compared >= wanted, "{}: order {order} is defined at {compared} points", b.name());
        }
    }
}

/// The facts of the table (which the prover and the sampler rely on) hold for the float kernel.
#[test]
fn the_facts_of_every_primitive_hold() {
    let xs = points();
    for b in primitives() {
        let Some(facts) = b.facts() else { continue };
        let name = b.name();
        if b.arity() == 0 {
            // A constant: defined, positive if the table says so, and never exact.
            let v = f64_kernel(b, 0, &[]).expect(name);
            assert_eq!(facts.positive_up_to.is_some(), v > 0.0, "{name}: {v}");
            assert!(!facts.kink && facts.transcendental, "{name}");
            assert_eq!(BigRational::builtin(b, 0, &[], 0.0), Err(EvalError::NotExact), "{name}");
            continue;
        }
        if b.arity() == 2 {
            assert!(facts.domain == Domain::Everywhere && facts.positive_up_to.is_none(), "{name}");
            // The kink where the arguments are equal: the value follows one argument on one side
            // and the other on the other side.
            let at = |x: f64, y: f64| f64_kernel(b, 0, &[x, y]).expect(name);
            let follows_first = |y: f64| at(1.0, y) == 1.0 && at(1.5, y) == 1.5;
            assert_eq!(facts.kink, follows_first(-3.0) != follows_first(3.0), "{name}: kink");
            continue;
        }
        for &x in &xs {
            let defined = match facts.domain {
                Domain::Everywhere => true,
                Domain::Positive => x > 0.0,
                Domain::NonNegative => x >= 0.0,
            };
            assert_eq!(f64_kernel(b, 0, &[x]).is_some(), defined, "{name} at {x}: domain");
            for order in 0..=facts.positive_up_to.unwrap_or(0).min(ORDERS) {
                if let (true, Some(v)) = (facts.positive_up_to.is_some(), f64_kernel(b, order, &[x])) {
                    assert!(v > 0.0, "{name}, order {order}, at {x}: {v} is not positive");
                }
            }
        }
        let zero_defined = facts.domain != Domain::Positive;
        assert_eq!(f64_kernel(b, 0, &[0.0]).is_some(), zero_defined, "{name} at 0: domain");
        if facts.domain == Domain::Everywhere {
            // A kink at 0: the value or the slope jumps there; otherwise neither does.
            let e = 1e-6;
            let jump = |order: u32| {
                let (l, r) = (f64_kernel(b, order, &[-e]).expect(name), f64_kernel(b, order, &[e]).expect(name));
                (r - l).abs() > 1e-3
            };
            assert_eq!(facts.kink, jump(0) || jump(1), "{name}: kink");
        }
        // Transcendental: the exact kernel gives up at 4 (where sqrt(4) = 2 is exact).
        let four = BigRational::from_integer(4.into());
        let exact = BigRational::builtin(b, 0, &[four], 0.0);
        assert_eq!(facts.transcendental, exact == Err(EvalError::NotExact), "{name}: {exact:?}");
    }
}
