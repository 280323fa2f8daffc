//! Seeded randomness: input values and random smooth instances of unknown functions and nodes.
//!
//! Every random quantity is derived from a key (the sample's seed and what is drawn), so values are
//! reproducible and independent of the order in which they are first needed.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::model::Domain;

/// Mixes a list of words into one seed (SplitMix64 finaliser over a running state).
pub fn key(words: &[u64]) -> u64 {
    let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
    for &w in words {
        h = h.wrapping_add(w).wrapping_add(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}

/// A generator seeded from a key.
pub fn rng(words: &[u64]) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(key(words))
}

/// A random value of an input with the given domain (§6): unrestricted inputs from ±[0.25, 2],
/// positive ones from [0.2, 3].
pub fn input_value(domain: Domain, words: &[u64]) -> f64 {
    let mut r = rng(words);
    match domain {
        Domain::Positive | Domain::NonNegative => r.gen_range(0.2..3.0),
        Domain::Real | Domain::NonZero => {
            let magnitude = r.gen_range(0.25..2.0);
            if r.gen_bool(0.5) {
                magnitude
            } else {
                -magnitude
            }
        }
    }
}

/// Draws a signed coefficient with magnitude in `lo..hi`.
fn signed(r: &mut Pcg64Mcg, lo: f64, hi: f64) -> f64 {
    let m = r.gen_range(lo..hi);
    if r.gen_bool(0.5) {
        m
    } else {
        -m
    }
}

/// A random smooth function of one variable with every derivative known exactly:
/// `a0 + a1 x + a2 x²/2 + c sin(w x + p)`.
#[derive(Debug, Clone, Copy)]
pub struct Smooth1 {
    a0: f64,
    a1: f64,
    a2: f64,
    c: f64,
    w: f64,
    p: f64,
}

impl Smooth1 {
    /// The instance for a key.
    pub fn new(words: &[u64]) -> Smooth1 {
        let mut r = rng(words);
        Smooth1 {
            a0: signed(&mut r, 0.2, 1.2),
            a1: signed(&mut r, 0.3, 1.2),
            a2: signed(&mut r, 0.3, 1.0),
            c: signed(&mut r, 0.5, 1.5),
            w: r.gen_range(0.5..1.5),
            p: r.gen_range(0.0..std::f64::consts::TAU),
        }
    }

    /// The `order`-th derivative at `x`.
    pub fn eval(&self, order: u32, x: f64) -> f64 {
        let periodic = self.c
            * self.w.powi(order as i32)
            * (self.w * x + self.p + order as f64 * std::f64::consts::FRAC_PI_2).sin();
        let poly = match order {
            0 => self.a0 + self.a1 * x + self.a2 * x * x / 2.0,
            1 => self.a1 + self.a2 * x,
            2 => self.a2,
            _ => 0.0,
        };
        poly + periodic
    }
}

/// A random smooth function of several variables (values only), with interactions between them.
/// Coefficients are drawn per argument position, so the instance is stable whatever the arity.
pub fn smooth_n(words: &[u64], args: &[(u64, f64)]) -> f64 {
    let mut r = rng(words);
    let a0 = signed(&mut r, 0.2, 1.2);
    let c1 = signed(&mut r, 0.5, 1.5);
    let p1 = r.gen_range(0.0..std::f64::consts::TAU);
    let c2 = signed(&mut r, 0.5, 1.5);
    let p2 = r.gen_range(0.0..std::f64::consts::TAU);
    let mut linear = 0.0;
    let mut square = 0.0;
    let mut phase1 = p1;
    let mut phase2 = p2;
    for &(arg_key, v) in args {
        let mut ra = rng(&[key(words), arg_key]);
        linear += signed(&mut ra, 0.3, 1.2) * v;
        square += signed(&mut ra, 0.2, 0.8) * v * v / 2.0;
        phase1 += ra.gen_range(0.3..1.2) * v;
        phase2 += signed(&mut ra, 0.3, 1.0) * v;
    }
    a0 + linear + square + c1 * phase1.sin() + c2 * phase2.cos()
}
