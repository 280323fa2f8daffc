//! Seeded randomness: input values and random smooth instances of unknown functions and nodes.
//!
//! Every random quantity is derived from a key (the sample's seed and what is drawn), so values are
//! reproducible and independent of the order in which they are first needed.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::approx::{Approx, UNIT};
use super::coverage::Meeting;
use super::precise::Precise;
use super::value::ratio_to_f64;
use super::value::{EvalResult, Value};
use crate::model::{Builtin, Domain, DomainSet};

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
#[inline]
pub fn rng(words: &[u64]) -> Pcg64Mcg {
    Pcg64Mcg::seed_from_u64(key(words))
}

/// The magnitudes a sample draws its inputs from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// The usual draws (§6): unrestricted inputs from ±[0.25, 2], positive ones from [0.2, 3].
    Standard,
    /// Magnitudes spread evenly on a log scale between two positive bounds, with a random sign
    /// where the domain allows one: large inputs, or inputs on one side of a kink or at the scale
    /// of a constant added to an input.
    Between(f64, f64),
    /// One side of a scale `scale` (a kink's place, a constant added to an input): magnitudes
    /// from `scale / 2` to `scale / 1.1` below it, or from `1.1 * scale` to `2 * scale` above it,
    /// as [`Band::Between`] draws them. An input of an interval is drawn just beside the scale
    /// (or its negative) where that lies inside the interval, within a tenth of its width: a
    /// kink at 0.95 of an input in `(0, 1)` has its other side in (0.95, 1), which no magnitude
    /// band reaches.
    Side {
        /// The scale.
        scale: f64,
        /// Which side of it.
        above: bool,
        /// In a draw for one input (a family), that input alone is on this side and the others
        /// at the usual magnitudes: `relu(p - 5)*relu(5 - q) = 0` is false only for p above 5
        /// and q below, which draws of all inputs at one magnitude never reach (an adversarial
        /// tester's finding).
        alone: Option<usize>,
        /// Every input of any sign drawn positive (the mirrored draw: negative), so that all of
        /// them are past the scale together on one side of 0: `relu(x - 1000)*relu(y - 1000) = 0`
        /// is false only for x and y both above 1000, which draws of random signs reach in one
        /// pair of two (an adversarial tester: `checked` at 10 of 20 seeds).
        together: bool,
    },
    /// The usual magnitudes with every input of any sign drawn positive (the mirrored draw:
    /// negative), where two inputs meet at a kink (`relu(x - y)`): `step(x)` for `step(x - y)`
    /// differs only where x and y have one sign and x is nearer 0, at one usual draw in four,
    /// and a mirrored pair is one draw (a student tester: `checked` at 2.5% of seeds). An input
    /// of a bounded domain draws as in the usual draws.
    Together,
    /// Between two kinks or edges too close to be two scales (`Coverage::gaps`): as
    /// [`Band::Between`], except that an input of an interval that holds the piece (or its
    /// negative) is drawn inside it: `sqrt(q - 0.5)` beside `step(0.501 - q)` for `q in (0, 1)`
    /// differs only on (0.5, 0.501), which the interval's outer tenth never reaches.
    Gap(f64, f64),
    /// The usual magnitudes with the signs of the inputs set, not drawn: those whose rank among
    /// the inputs read has bit `bit` set negative, the others positive (the mirrored draw: the
    /// other way round). Each pair of these draws takes one bit of the ranks, so that every two
    /// of the first [`SIGNED_INPUTS`] inputs have opposite signs in one pair at least:
    /// `log(u/v)` is undefined where u and v differ in sign, which mirrored pairs of random signs
    /// (each keeps the sign of `u*v`) missed at one seed of a hundred (an adversarial tester).
    /// An input of a bounded domain draws as in the usual draws.
    Signs {
        /// Which bit of an input's rank sets its sign.
        bit: u8,
        /// The entries of the first [`SIGNED_INPUTS`] inputs read, by rank (`u32::MAX` past
        /// the last); an input not among them draws its sign at random.
        ranked: [u32; SIGNED_INPUTS],
    },
    /// Beside 0, where a kink or a domain's edge sits (`relu(y)`, `log(y)`): an input of an
    /// interval that holds 0 is drawn just beside it (within a tenth of the interval's width,
    /// on the side `above` says); other inputs as in [`Band::Standard`]. For `y in (-0.01, 1)`
    /// the usual draws and the outer tenth never go below 0.
    Zero {
        /// Which side of 0.
        above: bool,
        /// Whether each input takes its side at random instead (`relu(u*w)` with both beside 0
        /// is negative only where one is below and the other above; an adversarial tester's
        /// finding).
        mixed: bool,
    },
    /// The usual draws, but for one input drawn near a kink whose argument is a sum of parts at
    /// far ratios ([`Meeting`]): solved from the others, then moved off by a fraction of the
    /// smallest part, above the solution or below it.
    Near {
        /// The kink.
        meeting: Meeting,
        /// Which side of it.
        above: bool,
    },
    /// The usual draws, but for one input drawn between two places where kinks of it sit, one
    /// of them (at least) moving with other inputs ([`crate::numeric::coverage::Coverage::across`]):
    /// each solved as a [`Meeting`]'s input is, and the input put at a random point between.
    Across {
        /// The place at one end (its input is the one drawn).
        from: Meeting,
        /// The place at the other end.
        to: Meeting,
    },
}

impl Band {
    /// The magnitudes of one side of a scale (see [`Band::Side`]).
    fn side(scale: f64, above: bool) -> (f64, f64) {
        if above {
            (scale * 1.1, scale * 2.0)
        } else {
            (scale / 2.0, scale / 1.1)
        }
    }

    /// The smallest magnitude an input of this band is drawn at (about; 0 for the usual draws and
    /// those near a kink).
    pub fn bottom(&self) -> f64 {
        match *self {
            Band::Standard
            | Band::Together
            | Band::Signs { .. }
            | Band::Zero { .. }
            | Band::Near { .. }
            | Band::Across { .. } => 0.0,
            Band::Between(lo, _) | Band::Gap(lo, _) => lo,
            Band::Side { scale, above, .. } => Band::side(scale, above).0,
        }
    }

    /// The largest magnitude an input of this band is drawn at (about).
    pub fn top(&self) -> f64 {
        match *self {
            Band::Standard | Band::Together | Band::Signs { .. } | Band::Zero { .. } => 3.0,
            Band::Between(_, hi) | Band::Gap(_, hi) => hi,
            Band::Side { scale, above, .. } => Band::side(scale, above).1,
            Band::Near { meeting, .. } => meeting.top.max(3.0),
            Band::Across { from, to } => from.top.max(to.top).max(3.0),
        }
    }
}

/// How many inputs read have their signs set in the draws of [`Band::Signs`] (four bits of rank).
pub const SIGNED_INPUTS: usize = 16;

/// Finite differences are tuned to the usual magnitudes: far above this, their error estimates no
/// longer bound their error, and a draw there compares only values they did not give (and does
/// not cross-check forward mode with them).
pub const MODERATE: f64 = 20.0;

/// How far a [`Band::Near`] input is moved off the kink: `e^u - 1` times the smallest part, `u`
/// uniform in this range (from about 0.05 to about 1 times it).
pub const NEAR_SPREAD: (f64, f64) = (0.05, 0.7);

/// The value of an input drawn in a [`Band::Near`]: `solution` (where the kink's argument is 0)
/// moved toward `above` by `e^u - 1` times `smallest` (the smallest part's magnitude); of the
/// input's sign where its domain has one. None where that is not a value of the domain (0 for
/// `> 0` or `!= 0`, which rounding can give) or not finite: the usual draw stays.
pub fn near_value(domain: Domain, solution: f64, smallest: f64, above: bool, words: &[u64]) -> Option<f64> {
    let off = rng(words).gen_range(NEAR_SPREAD.0..NEAR_SPREAD.1).exp_m1() * smallest;
    let v = if above { solution + off } else { solution - off };
    let v = match domain {
        Domain::Positive | Domain::NonNegative => v.abs(),
        _ => v,
    };
    let excluded = v == 0.0 && matches!(domain, Domain::Positive | Domain::NonZero);
    (v.is_finite() && !excluded).then_some(v)
}

/// Whether `v` is a value of a bounded domain as floats read it (an interval's ends as their
/// floats, each a member only where it is closed; a finite set's members). Other domains: true.
pub fn within(domain: Domain, sets: &[DomainSet], v: f64) -> bool {
    let Domain::Set(k) = domain else { return true };
    match &sets[k] {
        DomainSet::Interval { lo, hi, lo_closed, hi_closed } => {
            let (lo, hi) = (ratio_to_f64(lo), ratio_to_f64(hi));
            (v > lo || (*lo_closed && v == lo)) && (v < hi || (*hi_closed && v == hi))
        }
        DomainSet::Finite(values) => values.iter().any(|m| ratio_to_f64(m) == v),
    }
}

/// Where a finite set's member is at a turn of the draws: the turn itself, gone round the set at
/// a stride of the input's own; or a digit of the turn, for one of several inputs that go through
/// every combination of their members ([`FiniteTurns`](super::coverage::FiniteTurns)).
#[derive(Debug, Clone, Copy)]
pub enum Turn {
    /// The turn, for an input alone.
    Own(u64),
    /// The places past the input's random member.
    Digit(u64),
    /// The turn, from a place that every element of the input's family shares: the family drawn
    /// with all its elements at one member.
    All(u64),
}

/// A random value of an input with the given domain (`sets`: the model's bounded domains), from
/// a band of magnitudes. An input of a bounded domain draws as its domain allows: an interval
/// uniformly from its middle 90% in the usual draws (away from the ends, where `log(p)` or
/// `1/(1 - p)` blow up), just beside a scale inside it in a [`Band::Side`] draw, and in its outer
/// tenth (at least a hundredth of its width from the ends) in the other draws of a band, so that
/// a kink or a domain's edge there is crossed; a finite set's member uniformly, or at a `turn`
/// `(place, turn)` the member `turn` places on from `place` (see [`Sample::turn`](super::Sample)).
/// [`mirrored`] gives the other half of the draws.
pub fn input_value(domain: Domain, sets: &[DomainSet], band: Band, turn: Option<(u64, Turn)>, words: &[u64]) -> f64 {
    let mut r = rng(words);
    if let Domain::Set(k) = domain {
        return match &sets[k] {
            DomainSet::Interval { lo, hi, .. } => {
                let (lo, hi) = (ratio_to_f64(lo), ratio_to_f64(hi));
                let width = hi - lo;
                let margin = width / 20.0;
                match band {
                    Band::Zero { above, mixed } if lo < 0.0 && 0.0 < hi => {
                        let above = if mixed { r.gen_bool(0.5) } else { above };
                        let room = if above { hi } else { -lo };
                        let off = room.min(width / 10.0) * r.gen_range(0.02..0.98);
                        if above {
                            off
                        } else {
                            -off
                        }
                    }
                    Band::Standard
                    | Band::Together
                    | Band::Signs { .. }
                    | Band::Near { .. }
                    | Band::Across { .. }
                    | Band::Zero { .. } => r.gen_range(lo + margin..hi - margin),
                    Band::Side { scale, above, .. } => {
                        let inside = |v: f64| v > lo && v < hi;
                        let together = matches!(band, Band::Side { together: true, .. });
                        let at = match (inside(scale), inside(-scale)) {
                            (true, true) if !together && r.gen_bool(0.5) => -scale,
                            (true, _) => scale,
                            (false, true) => -scale,
                            (false, false) => return r.gen_range(lo + margin..hi - margin),
                        };
                        let room = if above { hi - at } else { at - lo };
                        let off = room.min(width / 10.0) * r.gen_range(0.02..0.98);
                        let v = if above { at + off } else { at - off };
                        // A scale within rounding of an end leaves no room: the draw would round
                        // onto the end, outside the domain (a draw on the end of `u in (0, 1)`
                        // made `sqrt(y*(u - u^2)) = sqrt(y)*sqrt(u - u^2)` `wrong`, an adversarial
                        // tester's; see `mirrored`). Then the middle, as the usual draws.
                        if inside(v) {
                            v
                        } else {
                            r.gen_range(lo + margin..hi - margin)
                        }
                    }
                    // (The piece clipped to the interval: an edge at its end, `sqrt(t - 1)` for
                    // `t in (1, 3)`, with a kink at 1.001 is a piece inside it; an adversarial
                    // tester's finding.)
                    Band::Gap(a, b) if a.max(lo) < b.min(hi) => {
                        let (a, b) = (a.max(lo), b.min(hi));
                        a + (b - a) * r.gen_range(0.02..0.98)
                    }
                    Band::Gap(a, b) if (-b).max(lo) < (-a).min(hi) => {
                        let (a, b) = ((-b).max(lo), (-a).min(hi));
                        a + (b - a) * r.gen_range(0.02..0.98)
                    }
                    Band::Between(..) | Band::Gap(..) => {
                        let off = margin * r.gen_range(0.2..1.0);
                        if r.gen_bool(0.5) {
                            lo + off
                        } else {
                            hi - off
                        }
                    }
                }
            }
            DomainSet::Finite(values) => {
                let n = values.len() as u64;
                let at = match turn {
                    // One of several inputs of sets going through their combinations.
                    Some((place, Turn::Digit(digit))) => (place % n + digit) % n,
                    // Every element of a family at one member (see `Evaluator::input`).
                    Some((place, Turn::All(turn))) => (place + turn) % n,
                    // A set of two is gone through by every mirrored pair already.
                    Some((place, Turn::Own(turn))) if n > 2 => {
                        // A step of the entry's own, prime to n, so that two inputs (or two
                        // elements of a family) do not keep one difference over the turns.
                        let units: Vec<u64> = (1..n).filter(|&k| num_integer::gcd(k, n) == 1).collect();
                        let stride = units[((place / n) % units.len() as u64) as usize];
                        (place % n + (turn % n) * stride) % n
                    }
                    _ => r.gen_range(0..n),
                };
                ratio_to_f64(&values[at as usize])
            }
        };
    }
    let positive = matches!(domain, Domain::Positive | Domain::NonNegative);
    let magnitude = match band {
        Band::Standard
        | Band::Together
        | Band::Signs { .. }
        | Band::Near { .. }
        | Band::Across { .. }
        | Band::Zero { .. }
            if positive =>
        {
            return r.gen_range(0.2..3.0)
        }
        Band::Standard
        | Band::Together
        | Band::Signs { .. }
        | Band::Near { .. }
        | Band::Across { .. }
        | Band::Zero { .. } => r.gen_range(0.25..2.0),
        Band::Between(lo, hi) | Band::Gap(lo, hi) => {
            (lo.ln() + r.gen::<f64>() * (hi.ln() - lo.ln())).exp().clamp(lo, hi)
        }
        Band::Side { scale, above, .. } => {
            let (lo, hi) = Band::side(scale, above);
            (lo.ln() + r.gen::<f64>() * (hi.ln() - lo.ln())).exp().clamp(lo, hi)
        }
    };
    if positive || matches!(band, Band::Side { together: true, .. } | Band::Together) || r.gen_bool(0.5) {
        magnitude
    } else {
        -magnitude
    }
}

/// The value of the mirrored draw of an input whose draw was `value` (draws come in pairs, §6):
/// negated where the domain allows every sign, reflected inside an interval (lo + hi - value), and
/// the member half-way round a finite set, so that a pair of draws visits both members of a set of
/// two (`{-1, 1}`, `{0, 1}`); kept where the domain is a sign (`> 0`).
pub fn mirrored(domain: Domain, sets: &[DomainSet], value: f64) -> f64 {
    match domain {
        Domain::Real | Domain::NonZero => -value,
        Domain::Positive | Domain::NonNegative | Domain::PositiveDefinite => value,
        Domain::Set(k) => match &sets[k] {
            // (A draw within rounding of one end mirrors onto the other, outside an open interval:
            // 2.4e-61 in `(0, 1)` is 1 - 2.4e-61, which is 1.0, and a true step was `wrong` there;
            // an adversarial tester. Such a draw stays as it is.)
            DomainSet::Interval { lo, hi, .. } => {
                let other = ratio_to_f64(lo) + ratio_to_f64(hi) - value;
                if within(domain, sets, other) {
                    other
                } else {
                    value
                }
            }
            DomainSet::Finite(values) => {
                let at = values.iter().position(|v| ratio_to_f64(v) == value).unwrap_or(0);
                ratio_to_f64(&values[(at + values.len() / 2) % values.len()])
            }
        },
    }
}

/// The partner of an input's draw `value` in a [`Band::Side`] of an interval that holds both
/// the scale and its negative: the same offset on the same side of the other one (a draw above
/// 0.98 in `(-1, 1)` has its partner above -0.98), so that a pair of draws above and a pair below
/// reach all four sides (a mirror in the interval reaches two of them, a kink at -0.98 half the
/// time: an adversarial tester's finding). None elsewhere, or where the partner falls outside
/// the interval: the mirror stays.
pub fn side_partner(domain: Domain, sets: &[DomainSet], band: Band, value: f64) -> Option<f64> {
    let (Domain::Set(k), Band::Side { scale, above, .. }) = (domain, band) else { return None };
    let DomainSet::Interval { lo, hi, .. } = &sets[k] else { return None };
    let (lo, hi) = (ratio_to_f64(lo), ratio_to_f64(hi));
    let inside = |v: f64| v > lo && v < hi;
    if !(inside(scale) && inside(-scale)) || scale == 0.0 {
        return None;
    }
    // The offset scaled to the other one's room, as `input_value` drew it.
    let room = |at: f64| if above { hi - at } else { at - lo }.min((hi - lo) / 10.0);
    let at = if (value - scale).abs() <= (value + scale).abs() { scale } else { -scale };
    let off = (value - at) * room(-at) / room(at);
    Some(-at + off).filter(|&v| inside(v))
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

    /// The `order`-th derivative in high precision: the same sum, each operation carrying its
    /// error bound.
    pub fn eval_precise(&self, order: u32, x: &Precise) -> EvalResult<Precise> {
        let c = |v: f64| Precise::from_f64(v, 0.0);
        let theta = c(self.w).mul(x)?.add(&c(self.p))?;
        let wave = match order % 4 {
            0 => Precise::builtin(Builtin::Sin, 0, &[theta], 0.0)?,
            1 => Precise::builtin(Builtin::Cos, 0, &[theta], 0.0)?,
            2 => Precise::builtin(Builtin::Sin, 0, &[theta], 0.0)?.neg(),
            _ => Precise::builtin(Builtin::Cos, 0, &[theta], 0.0)?.neg(),
        };
        let periodic = c(self.c).mul(&c(self.w).pow(&Precise::int(i64::from(order)))?)?.mul(&wave)?;
        let poly = match order {
            0 => c(self.a0).add(&c(self.a1).mul(x)?)?.add(&c(self.a2).mul(&x.mul(x)?)?.div(&Precise::int(2))?)?,
            1 => c(self.a1).add(&c(self.a2).mul(x)?)?,
            2 => c(self.a2),
            _ => Precise::int(0),
        };
        poly.add(&periodic)
    }

    /// The `order`-th derivative at an argument with an error bound, with the error bound of the
    /// result: the argument's error times the next derivative, and the rounding of the terms.
    pub fn eval_approx(&self, order: u32, x: Approx) -> Approx {
        let value = self.eval(order, x.value);
        let slope = if x.error == 0.0 { 0.0 } else { self.eval(order + 1, x.value).abs() * x.error };
        let poly = match order {
            0 => self.a0.abs() + (self.a1 * x.value).abs() + (self.a2 * x.value * x.value / 2.0).abs(),
            1 => self.a1.abs() + (self.a2 * x.value).abs(),
            2 => self.a2.abs(),
            _ => 0.0,
        };
        // The sine's argument is rounded, and the sine moves by as much as its argument.
        let phase = (self.w * x.value).abs() + self.p + order as f64 * std::f64::consts::FRAC_PI_2;
        let periodic = (self.c * self.w.powi(order as i32)).abs() * (2.0 + phase);
        Approx { value, error: slope + 8.0 * UNIT * (poly + periodic) }
    }
}

/// A random smooth function of several variables (values only), with interactions between them.
/// Coefficients are drawn per argument position, so the instance is stable whatever the arity.
/// The arguments come with error bounds, and so does the value: the arguments' errors times the
/// partial derivatives, and the rounding of the sums.
pub fn smooth_n(words: &[u64], args: &[(u64, Approx)]) -> Approx {
    let (a0, c1, p1, c2, p2) = smooth_n_coefficients(words);
    let mut linear = 0.0;
    let mut square = 0.0;
    let mut phase1 = p1;
    let mut phase2 = p2;
    // The size of every term summed, and the partial derivatives' parts that do not depend on
    // the phases, with the phases' coefficients and the arguments' errors.
    let mut magnitude = a0.abs() + c1.abs() + c2.abs();
    let (mut phase1_size, mut phase2_size) = (p1, p2);
    let mut partials: smallvec::SmallVec<[(f64, f64, f64, f64); 8]> = smallvec::SmallVec::new();
    for &(arg_key, v) in args {
        let x = v.value;
        let (l, q, w1, w2) = smooth_n_argument(words, arg_key);
        linear += l * x;
        square += q * x * x / 2.0;
        phase1 += w1 * x;
        phase2 += w2 * x;
        magnitude += (l * x).abs() + (q * x * x / 2.0).abs();
        phase1_size += (w1 * x).abs();
        phase2_size += (w2 * x).abs();
        if v.error > 0.0 {
            partials.push((l + q * x, w1, w2, v.error));
        }
    }
    let value = a0 + linear + square + c1 * phase1.sin() + c2 * phase2.cos();
    let propagated: f64 = if partials.is_empty() {
        0.0
    } else {
        let (cos1, sin2) = (phase1.cos(), phase2.sin());
        partials.iter().map(|&(d, w1, w2, e)| (d + c1 * cos1 * w1 - c2 * sin2 * w2).abs() * e).sum()
    };
    // Each running sum is off by its length times a unit of its size; a phase's rounding moves
    // its sine by as much.
    let terms = args.len() as f64 + 4.0;
    magnitude += c1.abs() * phase1_size + c2.abs() * phase2_size;
    Approx { value, error: propagated + 2.0 * terms * UNIT * magnitude }
}

/// The coefficients of [`smooth_n`] shared by all arguments: `a0`, and the amplitude and phase of
/// its two waves.
fn smooth_n_coefficients(words: &[u64]) -> (f64, f64, f64, f64, f64) {
    let mut r = rng(words);
    let a0 = signed(&mut r, 0.2, 1.2);
    let c1 = signed(&mut r, 0.5, 1.5);
    let p1 = r.gen_range(0.0..std::f64::consts::TAU);
    let c2 = signed(&mut r, 0.5, 1.5);
    let p2 = r.gen_range(0.0..std::f64::consts::TAU);
    (a0, c1, p1, c2, p2)
}

/// The coefficients of one argument of [`smooth_n`]: linear, square, and its weights in the two
/// waves' phases.
fn smooth_n_argument(words: &[u64], arg_key: u64) -> (f64, f64, f64, f64) {
    let mut ra = rng(&[key(words), arg_key]);
    (signed(&mut ra, 0.3, 1.2), signed(&mut ra, 0.2, 0.8), ra.gen_range(0.3..1.2), signed(&mut ra, 0.3, 1.0))
}

/// The exact partial derivatives of [`smooth_n`] by each of its arguments, each with an error
/// bound: the arguments' errors times the second derivatives (the Hessian's row, bounded term by
/// term), and the rounding of the phases (a phase off by δ moves its wave's factor by δ) and of
/// the sums.
pub fn smooth_n_partials(words: &[u64], args: &[(u64, Approx)]) -> Vec<Approx> {
    let (_, c1, p1, c2, p2) = smooth_n_coefficients(words);
    let coefficients: Vec<(f64, f64, f64, f64)> = args.iter().map(|&(k, _)| smooth_n_argument(words, k)).collect();
    let (mut phase1, mut phase2) = (p1, p2);
    let (mut phase1_size, mut phase2_size) = (p1, p2);
    // Σ w1_j e_j and Σ |w2_j| e_j: how far the phases may be off through the arguments' errors.
    let (mut drift1, mut drift2) = (0.0, 0.0);
    for (&(_, v), &(_, _, w1, w2)) in args.iter().zip(&coefficients) {
        phase1 += w1 * v.value;
        phase2 += w2 * v.value;
        phase1_size += (w1 * v.value).abs();
        phase2_size += (w2 * v.value).abs();
        drift1 += w1 * v.error;
        drift2 += w2.abs() * v.error;
    }
    let terms = args.len() as f64 + 4.0;
    // Each phase is a running sum, off by its length times a unit of its size.
    let (round1, round2) = (2.0 * terms * UNIT * phase1_size, 2.0 * terms * UNIT * phase2_size);
    let (cos1, sin2) = (phase1.cos(), phase2.sin());
    args.iter()
        .zip(&coefficients)
        .map(|(&(_, v), &(l, q, w1, w2))| {
            let x = v.value;
            let value = l + q * x + c1 * cos1 * w1 - c2 * sin2 * w2;
            let propagated = q.abs() * v.error + (c1 * w1).abs() * drift1 + (c2 * w2).abs() * drift2;
            let rounding = (c1 * w1).abs() * (round1 + 4.0 * UNIT)
                + (c2 * w2).abs() * (round2 + 4.0 * UNIT)
                + 8.0 * UNIT * (l.abs() + (q * x).abs() + (c1 * w1).abs() + (c2 * w2).abs());
            let error = propagated + rounding;
            Approx { value, error: if error.is_nan() { f64::INFINITY } else { error } }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partials_of_smooth_n_agree_with_finite_differences_of_it() {
        for seed in 0..20u64 {
            let words = [seed, 3, 7];
            let args: Vec<(u64, Approx)> = (0..4u64)
                .map(|k| (key(&[k, seed]), Approx::exact(0.4 * k as f64 - 0.9 + 0.01 * seed as f64)))
                .collect();
            let partials = smooth_n_partials(&words, &args);
            for (i, p) in partials.iter().enumerate() {
                let at = |x: f64| {
                    let mut shifted = args.clone();
                    shifted[i].1 = Approx::exact(x);
                    smooth_n(&words, &shifted).value
                };
                let (x, h) = (args[i].1.value, 1e-5);
                let fd = (at(x + h) - at(x - h)) / (2.0 * h);
                assert!((fd - p.value).abs() < 1e-8, "seed {seed}, argument {i}: {p:?} vs {fd}");
                assert!(p.error > 0.0 && p.error < 1e-13, "{p:?}");
            }
            // An argument's error moves every partial: the bound grows with it.
            let mut blurred = args.clone();
            blurred[0].1.error = 1e-9;
            let wide = smooth_n_partials(&words, &blurred);
            assert!(wide.iter().zip(&partials).all(|(w, p)| w.value == p.value && w.error > p.error + 1e-11));
        }
    }
}
