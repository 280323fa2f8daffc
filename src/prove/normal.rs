//! The normaliser: a lowered expression (no `diff`, nodes or user functions; see [`super::lower`])
//! becomes a canonical fraction of Laurent polynomials with exact rational coefficients over atoms.
//!
//! Everything outside the commutative-ring fragment is an atom: inputs, unknown nodes and their
//! partials, sizes, index values, Kronecker deltas, function applications (with normalised
//! arguments), sums and products (with their bound index renamed canonically, so alpha-equivalent
//! sums are the same atom). The rewrites applied on the way are all equalities that hold wherever
//! both sides are defined, and the *definedness conditions* met on the way (divisors, arguments of
//! `log` and `sqrt`, kinks of derivatives) are collected separately: two expressions are proved
//! equal only when their fractions cross-multiply to the same polynomial *and* their conditions are
//! the same, so no proof can hide a point where one side is undefined and the other is not.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::model::{
    Bound, BoundId, Builtin, Domain, DomainSet, EntryId, EntryKind, Expr, FnId, IndexId, IndexRange, Ix, IxTerm, IxVar,
    Model, SizeId,
};
use crate::syntax::ast::BigOp;

mod gcd;
mod terms;
mod trig;

use terms::Terms;

/// A substitution of index variables: given a variable and the number of sum atoms between its
/// use and the top of the fraction being rewritten, what replaces it (or `None` to keep it).
type IxMap<'a> = &'a dyn Fn(Var, u32) -> Option<CIx>;

/// The most monomials a polynomial may have before the normaliser gives up.
const MAX_TERMS: usize = 4_000;
/// The largest integer power that is expanded.
const MAX_POWER: i64 = 24;
/// The largest exponent of an atom in a monomial.
const MAX_DEGREE: i32 = 1_000;
/// The most bits (numerator and denominator) of a coefficient, as for exact numbers in the
/// numeric check: `((2^24)^24)^24` is given up rather than computed.
const MAX_COEFFICIENT_BITS: u64 = 20_000;
/// The work (products of monomials in divisions and pseudo-remainders) spent on bringing one
/// fraction to lowest terms before it is left as it is.
const MAX_GCD_WORK: u32 = 50_000;

/// How many factors known positive [`Normaliser::positive_by_factors`] takes out of one polynomial.
const FACTOR_DEPTH: u32 = 3;

type AtomId = u32;
/// An atom with its exponent in a monomial.
type Factor = (AtomId, i32);

/// An index variable of a canonical index expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Var {
    /// A free range index of the derivation.
    Free(IndexId),
    /// A bound index whose sum is still being normalised.
    Bound(BoundId),
    /// A bound index inside a sum atom: the number of sum atoms between its use and its binder.
    Level(u32),
    /// A size.
    Size(SizeId),
}

/// A canonical integer index expression: a constant and sorted, merged terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CIx {
    constant: i64,
    terms: Vec<(Var, i64)>,
}

impl CIx {
    fn var(v: Var) -> CIx {
        CIx { constant: 0, terms: vec![(v, 1)] }
    }

    fn canonical(constant: i64, terms: impl IntoIterator<Item = (Var, i64)>) -> CIx {
        let mut map: BTreeMap<Var, i64> = BTreeMap::new();
        for (v, c) in terms {
            *map.entry(v).or_insert(0) += c;
        }
        CIx { constant, terms: map.into_iter().filter(|(_, c)| *c != 0).collect() }
    }

    fn as_constant(&self) -> Option<i64> {
        self.terms.is_empty().then_some(self.constant)
    }

    fn mentions(&self, v: Var) -> bool {
        self.terms.iter().any(|(w, _)| *w == v)
    }

    fn substitute(&self, f: &impl Fn(Var) -> Option<CIx>) -> CIx {
        let mut constant = self.constant;
        let mut terms = Vec::new();
        for &(v, c) in &self.terms {
            match f(v) {
                Some(with) => {
                    constant += c * with.constant;
                    terms.extend(with.terms.iter().map(|&(w, k)| (w, k * c)));
                }
                None => terms.push((v, c)),
            }
        }
        CIx::canonical(constant, terms)
    }

    fn minus(&self, other: &CIx) -> CIx {
        CIx::canonical(
            self.constant - other.constant,
            self.terms.iter().copied().chain(other.terms.iter().map(|&(v, c)| (v, -c))),
        )
    }
}

/// What a function atom applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Head {
    /// A builtin that is kept as an atom (log, sqrt, kinks, sin, cos, max, min).
    Builtin(Builtin),
    /// An unknown function.
    Unknown(FnId),
}

/// Everything that is not ring arithmetic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Atom {
    /// An input entry.
    Input(EntryId, Vec<CIx>),
    /// An unknown node.
    Node(EntryId),
    /// The partial derivative of an unknown node with respect to a dependency.
    Partial(EntryId, EntryId, Vec<CIx>),
    /// A size.
    Size(SizeId),
    /// A non-constant index used as a value.
    Index(CIx),
    /// A Kronecker delta of two index expressions that are not known equal or different.
    Delta(CIx, CIx),
    /// `exp` of a polynomial argument that is one monomial with coefficient 1, or of any fraction.
    Exp(Frac),
    /// A function application, or its derivative of some order.
    Func(Head, u32, Vec<Frac>),
    /// A power with an exponent that is not a small integer.
    Pow(Frac, Frac),
    /// A sum over a range: the body's own index is `Level(0)`.
    Sum(Range, Frac),
    /// A product over a range.
    Prod(Range, Frac),
}

/// A range key: the two bounds.
pub type Range = (i64, Option<SizeId>, i64, Option<SizeId>);

/// The index standing for the bound index of a sum atom while its body is opened.
const PLACEHOLDER: BoundId = usize::MAX;

fn range_from_key((lo, lo_size, hi, hi_size): Range) -> IndexRange {
    IndexRange { lo: Bound { size: lo_size, offset: lo }, hi: Bound { size: hi_size, offset: hi } }
}

fn range_key(r: IndexRange) -> Range {
    (r.lo.offset, r.lo.size, r.hi.offset, r.hi.size)
}

/// A monomial: atoms with non-zero integer exponents (negative only for atoms that are never zero).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mono(Vec<(AtomId, i32)>);

/// A Laurent polynomial with exact coefficients.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Poly(Terms);

/// A fraction of polynomials (the denominator 1 for a polynomial).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frac {
    num: Poly,
    den: Poly,
}

/// A definedness condition met while normalising.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Condition {
    /// A divisor (or an argument at a kink) must not be zero.
    NonZero(Frac),
    /// The argument of `log` must be positive.
    Positive(Frac),
    /// The argument of `sqrt` must not be negative.
    NonNegative(Frac),
    /// `a^b` with an exponent that is not an integer.
    Power(Frac, Frac),
    /// The condition for every value of a range (the bound index is `Level(0)` inside); true
    /// when the range is empty.
    ForAll(Range, Box<Condition>),
    /// An entry is read at an index value that must lie in its range.
    InRange(Range, CIx),
}

impl Condition {
    /// A condition on a number that fails (an expression undefined everywhere proves nothing).
    fn is_never_met(&self) -> bool {
        match self {
            Condition::NonZero(f) => f.as_constant().is_some_and(|c| c.is_zero()),
            Condition::Positive(f) => f.as_constant().is_some_and(|c| !c.is_positive()),
            Condition::NonNegative(f) => f.as_constant().is_some_and(|c| c.is_negative()),
            Condition::Power(a, b) => {
                // A negative number to a non-integer power.
                a.as_constant().is_some_and(|a| a.is_negative()) && b.as_constant().is_some_and(|b| !b.is_integer())
            }
            Condition::ForAll(..) => false,
            // An index that is outside the range for every size (`x[0]` over 1..n, `x[n+1]`).
            Condition::InRange((lo, lo_size, hi, hi_size), c) => match (c.as_constant(), c.terms.as_slice()) {
                (Some(k), _) => (lo_size.is_none() && k < *lo) || (hi_size.is_none() && k > *hi),
                (None, [(Var::Size(s), 1)]) => hi_size == &Some(*s) && c.constant > *hi,
                _ => false,
            },
        }
    }
}

/// Whether condition `d` implies a different condition `c`: `x > 0` implies `x ≠ 0` and `x ≥ 0`, also
/// for every value of one range.
fn implies(d: &Condition, c: &Condition) -> bool {
    match (d, c) {
        (Condition::Positive(x), Condition::NonZero(y) | Condition::NonNegative(y)) => x == y,
        (Condition::ForAll(r, d), Condition::ForAll(s, c)) => r == s && implies(d, c),
        _ => false,
    }
}

/// `a + b`, without the gcd of a rational for integers (num-bigint's binary gcd of a large number
/// and 1 takes quadratic time).
/// The most sums of one nest whose every order is tried for its canonical form (5! = 120 orders).
const MAX_PERMUTED_NEST: usize = 5;

/// Every order of `0..k`, the identity first.
fn permutations(k: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new()];
    for _ in 0..k {
        let mut longer = Vec::new();
        for p in &out {
            for x in (0..k).filter(|x| !p.contains(x)) {
                let mut q = p.clone();
                q.push(x);
                longer.push(q);
            }
        }
        out = longer;
    }
    out
}

fn sum(a: &BigRational, b: &BigRational) -> BigRational {
    if let (Some((p, q)), Some((r, s))) = (small(a), small(b)) {
        return lowest(p * s + r * q, q * s);
    }
    if a.is_integer() && b.is_integer() {
        BigRational::from_integer(a.numer() + b.numer())
    } else {
        a + b
    }
}

/// `a * b`, likewise.
fn product(a: &BigRational, b: &BigRational) -> BigRational {
    if let (Some((p, q)), Some((r, s))) = (small(a), small(b)) {
        return lowest(p * r, q * s);
    }
    if a.is_integer() && b.is_integer() {
        BigRational::from_integer(a.numer() * b.numer())
    } else {
        a * b
    }
}

/// A coefficient whose numerator and denominator are machine integers (nearly every one), widened
/// so that sums and products of two of them cannot overflow.
fn small(c: &BigRational) -> Option<(i128, i128)> {
    Some((i128::from(c.numer().to_i64()?), i128::from(c.denom().to_i64()?)))
}

/// `n/d` for `d > 0` in lowest terms with a positive denominator, as [`BigRational`] keeps every
/// value (`0` is `0/1`), without big arithmetic.
fn lowest(n: i128, d: i128) -> BigRational {
    let big = |x: i128| i64::try_from(x).map_or_else(|_| BigInt::from(x), BigInt::from);
    if d == 1 {
        return BigRational::new_raw(big(n), BigInt::one());
    }
    match i128::try_from(binary_gcd(n.unsigned_abs(), d.unsigned_abs())) {
        Ok(g) if g > 1 => BigRational::new_raw(big(n / g), big(d / g)),
        _ => BigRational::new_raw(big(n), big(d)),
    }
}

/// The greatest common divisor (`gcd(0, d) = d`).
fn binary_gcd(mut a: u128, mut b: u128) -> u128 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// A sum of coefficients as the terms keep it: none where it is 0 (no term), and `None` (give up)
/// where it has grown past [`MAX_COEFFICIENT_BITS`].
fn kept(c: BigRational) -> Option<Option<BigRational>> {
    if c.is_zero() {
        Some(None)
    } else if too_long(&c) {
        None
    } else {
        Some(Some(c))
    }
}

/// Whether a coefficient has grown past [`MAX_COEFFICIENT_BITS`].
fn too_long(c: &BigRational) -> bool {
    c.numer().bits() + c.denom().bits() > MAX_COEFFICIENT_BITS
}

/// The most terms of degree 2 that [`Normaliser::positive_with_square_form`] eliminates.
const MAX_FORM_TERMS: usize = 36;

/// The most sums one normaliser keeps as known ≥ 0 ([`Normaliser::nonnegative_sums`]).
const MAX_NONNEGATIVE_SUMS: usize = 16;

/// Whether a symmetric matrix of rationals is positive semidefinite, by elimination (every pivot
/// ≥ 0, a zero pivot's row zero): `None` where it is not, else whether it is positive definite
/// (every pivot > 0).
fn semidefinite(mut m: Vec<Vec<BigRational>>) -> Option<bool> {
    let n = m.len();
    let mut definite = true;
    for k in 0..n {
        let pivot = m[k][k].clone();
        if pivot.is_negative() {
            return None;
        }
        if pivot.is_zero() {
            if m[k][k + 1..].iter().any(|x| !x.is_zero()) {
                return None;
            }
            definite = false;
            continue;
        }
        let (done, below) = m.split_at_mut(k + 1);
        let row = &done[k];
        for other in below {
            let f = &other[k] / &pivot;
            if f.is_zero() {
                continue;
            }
            for (x, y) in other[k..].iter_mut().zip(&row[k..]) {
                *x = &*x - &f * y;
            }
        }
    }
    Some(definite)
}

fn rat(v: i64) -> BigRational {
    BigRational::from_integer(BigInt::from(v))
}

impl Mono {
    fn one() -> Mono {
        Mono(Vec::new())
    }

    /// The product; `None` past [`MAX_DEGREE`] (nested powers such as `((x^24)^24)^24` multiply
    /// their exponents).
    fn mul(&self, other: &Mono) -> Option<Mono> {
        if self.is_sorted() && other.is_sorted() {
            return self.merged(other);
        }
        let mut map: BTreeMap<AtomId, i32> = self.0.iter().copied().collect();
        for &(a, e) in &other.0 {
            let sum = map.entry(a).or_insert(0);
            *sum = sum.checked_add(e).filter(|d| d.abs() <= MAX_DEGREE)?;
        }
        Some(Mono(map.into_iter().filter(|(_, e)| *e != 0).collect()))
    }

    /// Whether the atoms are strictly increasing (as every monomial built here has them).
    fn is_sorted(&self) -> bool {
        self.0.windows(2).all(|w| w[0].0 < w[1].0)
    }

    /// [`Mono::mul`] of two sorted monomials, merged without a map: the same product, the same
    /// checks (an exponent of `other` or a sum past [`MAX_DEGREE`] gives `None`).
    fn merged(&self, other: &Mono) -> Option<Mono> {
        let checked = |e: i32| (e.abs() <= MAX_DEGREE).then_some(e);
        let (a, b) = (&self.0, &other.0);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let (atom, e) = match (a.get(i), b.get(j)) {
                (Some(&(x, e)), Some(&(y, _))) if x < y => {
                    i += 1;
                    (x, e)
                }
                (Some(&(x, d)), Some(&(y, e))) if x == y => {
                    i += 1;
                    j += 1;
                    (x, checked(d.checked_add(e)?)?)
                }
                (Some(&(x, e)), None) => {
                    i += 1;
                    (x, e)
                }
                (_, Some(&(y, e))) => {
                    j += 1;
                    (y, checked(e)?)
                }
                (None, None) => unreachable!("the loop runs while one side has atoms"),
            };
            if e != 0 {
                out.push((atom, e));
            }
        }
        Some(Mono(out))
    }
}

impl Poly {
    fn constant(c: BigRational) -> Poly {
        let mut p = Poly::default();
        if !c.is_zero() {
            p.0.insert(Mono::one(), c);
        }
        p
    }

    fn atom(a: AtomId) -> Poly {
        let mut p = Poly::default();
        p.0.insert(Mono(vec![(a, 1)]), rat(1));
        p
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn as_constant(&self) -> Option<BigRational> {
        match self.0.len() {
            0 => Some(rat(0)),
            1 => self.0.get(&Mono::one()).cloned(),
            _ => None,
        }
    }

    fn add(&self, other: &Poly) -> Option<Poly> {
        let mut out = self.clone();
        out.add_in_place(other)?;
        Some(out)
    }

    /// `self + other` in place (`None`, and `self` left half-summed, where [`Poly::add`] gives up):
    /// a long sum built term by term is not copied at every term.
    fn add_in_place(&mut self, other: &Poly) -> Option<()> {
        // A few terms are put in place; more are merged with the terms in one pass (the same
        // sums in the same order either way).
        if other.0.len() <= 4 {
            let out = &mut self.0;
            for (m, c) in &other.0 {
                if let Some(entry) = out.get_mut(m) {
                    match kept(sum(entry, c))? {
                        Some(total) => *entry = total,
                        None => {
                            out.remove(m);
                        }
                    }
                } else if let Some(c) = kept(c.clone())? {
                    out.insert(m.clone(), c);
                }
            }
        } else {
            let mine = std::mem::take(&mut self.0).into_vec();
            let mut out: Vec<(Mono, BigRational)> = Vec::with_capacity(mine.len() + other.0.len());
            let mut mine = mine.into_iter().peekable();
            for (m, c) in &other.0 {
                while let Some(lower) = mine.next_if(|(k, _)| k < m) {
                    out.push(lower);
                }
                let (m, total) = match mine.next_if(|(k, _)| k == m) {
                    Some((k, v)) => (k, kept(sum(&v, c))?),
                    None => (m.clone(), kept(c.clone())?),
                };
                if let Some(total) = total {
                    out.push((m, total));
                }
            }
            out.extend(mine);
            self.0 = Terms::from_sorted(out);
        }
        (self.0.len() <= MAX_TERMS).then_some(())
    }

    fn scale(&self, k: &BigRational) -> Poly {
        if k.is_zero() {
            return Poly::default();
        }
        Poly(self.0.iter().map(|(m, c)| (m.clone(), product(c, k))).collect())
    }

    fn mul(&self, other: &Poly) -> Option<Poly> {
        let products = self.0.len().saturating_mul(other.0.len());
        if products > MAX_TERMS * 4 {
            return None;
        }
        crate::work::charge(products as u64).ok()?;
        // Every product, then those of one monomial summed in the order they were made (the
        // sort is stable), as a map would sum them: each partial sum is the same, so is where
        // a coefficient grows too long.
        let mut made: Vec<(Mono, BigRational)> = Vec::with_capacity(products);
        for (m1, c1) in &self.0 {
            for (m2, c2) in &other.0 {
                made.push((m1.mul(m2)?, product(c1, c2)));
            }
        }
        made.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Mono, BigRational)> = Vec::new();
        let mut made = made.into_iter().peekable();
        while let Some((m, first)) = made.next() {
            let mut total: Option<BigRational> = None;
            let mut next = Some(first);
            while let Some(c) = next.take() {
                total = kept(match total {
                    None => c,
                    Some(t) => sum(&t, &c),
                })?;
                next = made.next_if(|(k, _)| *k == m).map(|(_, c)| c);
            }
            if let Some(t) = total {
                out.push((m, t));
            }
        }
        let out = Terms::from_sorted(out);
        (out.len() <= MAX_TERMS).then_some(Poly(out))
    }
}

impl Frac {
    fn poly(p: Poly) -> Frac {
        Frac { num: p, den: Poly::constant(rat(1)) }
    }

    fn constant(c: BigRational) -> Frac {
        Frac::poly(Poly::constant(c))
    }

    fn atom(a: AtomId) -> Frac {
        Frac::poly(Poly::atom(a))
    }

    fn as_constant(&self) -> Option<BigRational> {
        let n = self.num.as_constant()?;
        let d = self.den.as_constant()?;
        // A polynomial's denominator is 1: no division (and no gcd in it).
        if d.is_one() {
            return Some(n);
        }
        (!d.is_zero()).then(|| n / d)
    }

    /// `self + other` in place, as [`Frac::add`] (`None` where it gives up).
    fn add_in_place(&mut self, other: &Frac) -> Option<()> {
        if self.den == other.den {
            return self.num.add_in_place(&other.num);
        }
        *self = self.add(other)?;
        Some(())
    }

    fn add(&self, other: &Frac) -> Option<Frac> {
        if self.den == other.den {
            return Some(Frac { num: self.num.add(&other.num)?, den: self.den.clone() });
        }
        let num = self.num.mul(&other.den)?.add(&other.num.mul(&self.den)?)?;
        Some(Frac { num, den: self.den.mul(&other.den)? }.tidy())
    }

    fn neg(&self) -> Frac {
        Frac { num: self.num.scale(&rat(-1)), den: self.den.clone() }
    }

    fn mul(&self, other: &Frac) -> Option<Frac> {
        if self.num.is_zero() || other.num.is_zero() {
            return Some(Frac::constant(rat(0)));
        }
        Some(Frac { num: self.num.mul(&other.num)?, den: self.den.mul(&other.den)? }.tidy())
    }

    /// A constant denominator moves into the numerator; a zero numerator has denominator 1.
    fn tidy(self) -> Frac {
        if self.num.is_zero() {
            return Frac::constant(rat(0));
        }
        match self.den.as_constant() {
            Some(d) if !d.is_zero() && !d.is_one() => Frac::poly(self.num.scale(&d.recip())),
            _ => self,
        }
    }

    fn is_poly(&self) -> bool {
        self.den.as_constant().is_some_and(|d| d.is_one())
    }
}

/// Normalises the expressions of one model into fractions over a shared table of atoms.
pub struct Normaliser<'m> {
    model: &'m Model,
    atoms: Vec<Atom>,
    index: HashMap<Atom, AtomId>,
    conditions: BTreeSet<Condition>,
    /// Names of the rewrites used, for explanations.
    pub rules: BTreeSet<&'static str>,
    /// The atoms substituted so far in the innermost [`Normaliser::substitute`], by atom and depth:
    /// an atom met in many monomials (a deep sum of a network's layers) is substituted once.
    substituted: HashMap<(AtomId, u32), Frac>,
    /// Every `cos(u)` atom's `sin(u)` atom, for the reduction `cos² = 1 − sin²` ([`trig`]).
    sine_of: HashMap<AtomId, AtomId>,
    /// Whether an atom mentions an index variable, as worked out so far. Atoms are interned and
    /// never change, so an answer holds for the normaliser's life; without it, the question walks
    /// the atoms' nest as a tree, and the nests of a deep network share their inner sums: the
    /// walk of an MLP of 12 layers took 11 G instructions, past every budget, never charged.
    mentions: std::cell::RefCell<HashMap<(AtomId, Var), bool>>,
    /// [`Normaliser::double_sum`]'s answers so far, by range and body: the nests of a derivation's
    /// steps are mostly the same. Atoms are interned and never change, so an answer holds for the
    /// normaliser's life.
    double_sums: HashMap<(Range, Frac), Remembered>,
    /// Sums that are ≥ 0 whatever their atoms' values, as linearity wrote them: `Σ_n (x[n] - c)²`
    /// is `Σ x² - 2 c Σ x + N c²`, whose terms alone say nothing of its sign (an instructor: batch
    /// norm's shift was refused, `1/sqrt(Σ_n (x[n] - c)² + eps)` not known defined). Each is
    /// true for every value of its atoms, so it holds for the normaliser's life
    /// ([`Normaliser::positive_by_sums`]).
    nonnegative_sums: Vec<Poly>,
    /// Polynomials shown positive through [`Normaliser::nonnegative_sums`] (`Σ x² - (1/N) (Σ x)²
    /// + eps`): factors that [`Normaliser::positive_by_factors`] tries, so that their powers
    /// (a denominator `(va + eps)²` from `(va + eps)^(-3/2)`) are positive too.
    positive_sums: std::cell::RefCell<Vec<Poly>>,
    /// The questions about atoms' signs being asked ([`Normaliser::asking`]): one asked again
    /// inside its own answer is not known (the log of `y` is positive where `y - 1` is, and a
    /// sum ≥ 0 with `log(y)` in it brought `y - 1` back to the log: a stack overflow, an
    /// adversarial tester).
    asked: std::cell::RefCell<Vec<(Question, AtomId)>>,
    /// Whether [`Normaliser::positive_at_ends`] is at work (it is not asked again inside).
    at_ends: std::cell::Cell<bool>,
    /// The answers to questions about atoms' signs, kept: each atom's is asked many times, and
    /// an atom nested in itself asked again at every level (seven nested `log(1 + u^2)` took 32
    /// s, growing tenfold a level, past every limit: an adversarial tester). A "known" is kept
    /// always; a "not known" only where no question met itself inside it and the ends rule was
    /// free (otherwise it may be known when asked afresh).
    answers: std::cell::RefCell<BTreeMap<(Question, AtomId), bool>>,
    /// Whether a question met itself inside the answer being worked out ([`Normaliser::asking`]).
    met_itself: std::cell::Cell<bool>,
}

/// How many inputs [`Normaliser::positive_at_ends`] tries the ends of, at most.
const MAX_END_INPUTS: usize = 4;

/// What is asked of an atom's sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Question {
    Positive,
    Negative,
    NeverZero,
}

/// An answer worked out before, with the units of work it took and the conditions and rules it
/// recorded: taken from memory only where that work fits in what the budgets have left (so
/// every limit stops where it did), and charged again.
#[derive(Clone)]
struct Remembered {
    value: Option<Frac>,
    work: u64,
    conditions: BTreeSet<Condition>,
    rules: BTreeSet<&'static str>,
}

/// The normal form of one expression: its fraction and its definedness conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Normal {
    frac: Frac,
    conditions: BTreeSet<Condition>,
    /// The `cos(u)` atoms of the fraction with their `sin(u)` atoms, to reduce the cross products
    /// of [`Normal::same_as`] by `cos² = 1 − sin²` ([`trig`]); empty without cosines.
    sine_of: Vec<(AtomId, AtomId)>,
    /// The roots in the fraction of polynomials known ≥ 0 but not > 0, with their arguments
    /// (`sqrt(S)` for `S = Σ x_k²`): their powers are folded in the cross products of
    /// [`Normal::compare`], where they are all positive powers.
    roots: Vec<(AtomId, Poly)>,
}

impl Normal {
    /// Whether two normal forms (from the same normaliser) denote the same function on the same
    /// domain.
    pub fn same_as(&self, other: &Normal) -> bool {
        self.compare(other) == Some(true)
    }

    /// [`Normal::same_as`], or `None` where the cross products are past the normaliser's limits
    /// (then the forms were not compared).
    pub fn compare(&self, other: &Normal) -> Option<bool> {
        if self.conditions != other.conditions || self.conditions.iter().any(Condition::is_never_met) {
            return Some(false);
        }
        let (a, b) = (&self.frac, &other.frac);
        let (x, y) = (a.num.mul(&b.den)?, b.num.mul(&a.den)?);
        if self.sine_of.is_empty() && other.sine_of.is_empty() {
            if x != y && !(self.roots.is_empty() && other.roots.is_empty()) {
                // `sqrt(S)^(2q + r) = S^q sqrt(S)^r` for `S ≥ 0` and q ≥ 0: `norm(x)^2 = x^T x` (it
                // was only `checked`, a student). Folded in the cross products only, where the
                // roots have positive powers, so that a root left in a denominator on one side
                // does not keep the two forms apart (folded in the normal forms, the cosine
                // similarity's gradient was no longer proved).
                let roots: HashMap<AtomId, &Poly> =
                    self.roots.iter().chain(&other.roots).map(|(a, p)| (*a, p)).collect();
                return Some(fold_roots_in(&x, &roots)? == fold_roots_in(&y, &roots)?);
            }
            return Some(x == y);
        }
        let pairs: HashMap<AtomId, AtomId> = self.sine_of.iter().chain(&other.sine_of).copied().collect();
        let sine_of = |a: AtomId| pairs.get(&a).copied();
        Some(trig::reduce(&x, &sine_of)? == trig::reduce(&y, &sine_of)?)
    }
}

/// A polynomial with the powers of the roots given folded: `sqrt(S)^(2q + r)` is `S^q sqrt(S)^r`
/// for `q ≥ 0` (the roots' arguments are ≥ 0). `None` past the limits, or where a root has a
/// negative power.
fn fold_roots_in(p: &Poly, roots: &HashMap<AtomId, &Poly>) -> Option<Poly> {
    let mut total = Poly::default();
    for (m, c) in &p.0 {
        let mut term = Poly(Terms::from([(Mono(Vec::new()), c.clone())]));
        for &(a, e) in &m.0 {
            let factor = match roots.get(&a) {
                Some(arg) if e >= 2 => {
                    let mut power = Poly::constant(rat(1));
                    for _ in 0..e / 2 {
                        power = power.mul(arg)?;
                    }
                    if e % 2 != 0 {
                        power = power.mul(&Poly::atom(a))?;
                    }
                    power
                }
                Some(_) if e < 0 => return None,
                _ => Poly(Terms::from([(Mono(vec![(a, e)]), rat(1))])),
            };
            term = term.mul(&factor)?;
        }
        total.add_in_place(&term)?;
    }
    Some(total)
}

impl<'m> Normaliser<'m> {
    /// A normaliser for a model (the extended model of the lowerer, whose bounds include the
    /// indices lowering created).
    pub fn new(model: &'m Model) -> Normaliser<'m> {
        Normaliser {
            model,
            atoms: Vec::new(),
            index: HashMap::default(),
            conditions: BTreeSet::new(),
            rules: BTreeSet::new(),
            substituted: HashMap::default(),
            sine_of: HashMap::default(),
            mentions: Default::default(),
            double_sums: HashMap::default(),
            nonnegative_sums: Vec::new(),
            positive_sums: Default::default(),
            asked: Default::default(),
            at_ends: Default::default(),
            answers: Default::default(),
            met_itself: Default::default(),
        }
    }

    /// How much the normaliser has learnt that decides forms (the sums it knows ≥ 0): where it
    /// grows, forms made before may differ from those made after.
    pub fn known(&self) -> usize {
        self.nonnegative_sums.len() + self.positive_sums.borrow().len()
    }

    /// Forgets the answers remembered so far (made knowing less), keeping the atoms and what it
    /// has learnt.
    pub fn forget_answers(&mut self) {
        self.double_sums.clear();
        // (A sign "not known" may be known now; a "known" stays known.)
        self.answers.get_mut().retain(|_, known| *known);
    }

    /// The normal form of a lowered expression, or `None` where the normaliser gives up.
    pub fn normalise(&mut self, e: &Expr) -> Option<Normal> {
        self.conditions.clear();
        let frac = self.norm(e)?;
        // Conditions in lowest terms too, so that two ways of writing one condition are one.
        let conditions: BTreeSet<Condition> =
            std::mem::take(&mut self.conditions).into_iter().map(|c| self.condition_in_lowest_terms(c)).collect();
        // A condition implied by another one adds nothing to their conjunction: `x ≠ 0` beside
        // `x > 0` (as `log'(x) = 1/x` and the domain of `log(x)` give).
        let implied = |c: &Condition| conditions.iter().any(|d| implies(d, c));
        let kept = conditions.iter().filter(|c| !implied(c)).cloned().collect();
        let mut sine_of: Vec<(AtomId, AtomId)> = Vec::new();
        if !self.sine_of.is_empty() {
            let atoms = [&frac.num, &frac.den].into_iter().flat_map(|p| p.0.keys().flat_map(|m| m.0.iter()));
            sine_of = atoms.filter_map(|&(a, _)| Some((a, *self.sine_of.get(&a)?))).collect();
            sine_of.sort_unstable();
            sine_of.dedup();
        }
        let mut roots: Vec<(AtomId, Poly)> = Vec::new();
        for &(a, _) in [&frac.num, &frac.den].into_iter().flat_map(|p| p.0.keys().flat_map(|m| m.0.iter())) {
            if let Atom::Func(Head::Builtin(Builtin::Sqrt), 0, args) = &self.atoms[a as usize] {
                let known = |arg: &Frac| arg.is_poly() && !self.positive(arg) && self.at_least_zero(&arg.num);
                if args.len() == 1 && known(&args[0]) && !roots.iter().any(|(b, _)| *b == a) {
                    roots.push((a, args[0].num.clone()));
                }
            }
        }
        Some(Normal { frac, conditions: kept, sine_of, roots })
    }

    fn condition_in_lowest_terms(&self, c: Condition) -> Condition {
        match c {
            Condition::NonZero(x) => Condition::NonZero(self.lowest_terms(x)),
            Condition::Positive(x) => Condition::Positive(self.lowest_terms(x)),
            Condition::NonNegative(x) => Condition::NonNegative(self.lowest_terms(x)),
            Condition::Power(x, y) => Condition::Power(self.lowest_terms(x), self.lowest_terms(y)),
            Condition::ForAll(r, inner) => Condition::ForAll(r, Box::new(self.condition_in_lowest_terms(*inner))),
            Condition::InRange(..) => c,
        }
    }

    /// A fraction in lowest terms, so that equal fractions are equal as data (which matters where
    /// they are parts of atoms: the bodies of sums, the arguments of functions).
    ///
    /// The denominator becomes a polynomial without negative exponents and without a power of a
    /// never-zero atom as a factor (such a power moves to the numerator, as a negative power), with
    /// no factor in common with the numerator, and leading coefficient 1: a unique choice among
    /// the ways of writing one fraction. Cancelling a common factor `g` of numerator and
    /// denominator is sound because every denominator met is non-zero wherever the expression's
    /// conditions hold (each division records that its divisor is not zero unless that is known),
    /// so `g` is not zero there either: the conditions stay, only the fraction gets smaller. Where
    /// the work needed passes [`MAX_GCD_WORK`], the fraction stays as it is (only less canonical).
    fn lowest_terms(&self, f: Frac) -> Frac {
        let f = f.tidy();
        // cos² = 1 − sin² first ([`trig`]): the gcd then sees the reduced polynomials.
        let f = if self.sine_of.is_empty() {
            f
        } else {
            match (self.reduce_pythagoras(&f.num), self.reduce_pythagoras(&f.den)) {
                (Some(num), Some(den)) => Frac { num, den }.tidy(),
                _ => f,
            }
        };
        if f.den.as_constant().is_some() {
            return f;
        }
        self.reduce(&f).unwrap_or(f)
    }

    fn reduce(&self, f: &Frac) -> Option<Frac> {
        let exponent = |m: &Mono, a: AtomId| m.0.iter().find(|&&(x, _)| x == a).map_or(0, |&(_, e)| e);
        let lowest = |p: &Poly, a: AtomId| p.0.keys().map(|m| exponent(m, a)).min().unwrap_or(0);
        let atoms = |p: &Poly| -> BTreeSet<AtomId> { p.0.keys().flat_map(|m| m.0.iter().map(|&(a, _)| a)).collect() };
        let monomial = |powers: Vec<(AtomId, i32)>| Poly(Terms::from([(Mono(powers), rat(1))]));
        // Negative powers of the denominator, and powers of never-zero atoms common to all its
        // terms, move to the numerator (both are multiplied by the same never-zero monomial).
        let unit: Vec<(AtomId, i32)> = atoms(&f.den)
            .into_iter()
            .filter_map(|a| {
                let low = lowest(&f.den, a);
                (low < 0 || (low > 0 && self.never_zero(a))).then_some((a, -low))
            })
            .collect();
        let (num, den) = if unit.is_empty() {
            (f.num.clone(), f.den.clone())
        } else {
            let unit = monomial(unit);
            (f.num.mul(&unit)?, f.den.mul(&unit)?)
        };
        // The numerator without negative powers, for the gcd.
        let clear: Vec<(AtomId, i32)> =
            atoms(&num).into_iter().map(|a| (a, -lowest(&num, a))).filter(|&(_, e)| e > 0).collect();
        let cleared = if clear.is_empty() { num.clone() } else { num.mul(&monomial(clear.clone()))? };
        let mut work = MAX_GCD_WORK;
        let common = if gcd::surely_coprime(&cleared, &den) {
            Poly::constant(rat(1))
        } else if crate::work::spent().is_some() {
            return None;
        } else {
            gcd::gcd(&cleared, &den, &mut work)?
        };
        let (num, den) = if common.as_constant().is_some() {
            (num, den)
        } else {
            let num = gcd::exact_quotient(&cleared, &common, &mut work)??;
            let num = if clear.is_empty() {
                num
            } else {
                num.mul(&monomial(clear.into_iter().map(|(a, e)| (a, -e)).collect()))?
            };
            (num, gcd::exact_quotient(&den, &common, &mut work)??)
        };
        let lead = gcd::leading(&den)?.1.recip();
        Some(Frac { num: num.scale(&lead), den: den.scale(&lead) }.tidy())
    }

    fn intern(&mut self, a: Atom) -> AtomId {
        // The fractions inside an atom in lowest terms, so that equal atoms are one.
        let a = match a {
            Atom::Exp(x) => Atom::Exp(self.lowest_terms(x)),
            Atom::Func(h, order, args) => {
                Atom::Func(h, order, args.into_iter().map(|x| self.lowest_terms(x)).collect())
            }
            Atom::Pow(x, y) => Atom::Pow(self.lowest_terms(x), self.lowest_terms(y)),
            Atom::Sum(r, body) => Atom::Sum(r, self.lowest_terms(body)),
            Atom::Prod(r, body) => Atom::Prod(r, self.lowest_terms(body)),
            other => other,
        };
        if let Some(&id) = self.index.get(&a) {
            return id;
        }
        let id = self.atoms.len() as AtomId;
        self.atoms.push(a.clone());
        self.index.insert(a, id);
        id
    }

    fn atom(&mut self, a: Atom) -> Frac {
        Frac::atom(self.intern(a))
    }

    fn cix(&self, ix: &Ix) -> CIx {
        CIx::canonical(
            ix.constant,
            ix.terms.iter().map(|&(c, v)| {
                (
                    match v {
                        IxVar::Free(i) => Var::Free(i),
                        IxVar::Bound(b) => Var::Bound(b),
                        IxVar::Size(s) => Var::Size(s),
                    },
                    c,
                )
            }),
        )
    }

    fn index_value(&mut self, c: CIx) -> Frac {
        match c.as_constant() {
            Some(v) => Frac::constant(rat(v)),
            None => {
                // A lone size is the size atom, so `k` and an index expression `k` agree.
                if let [(Var::Size(s), 1)] = c.terms.as_slice() {
                    if c.constant == 0 {
                        return self.atom(Atom::Size(*s));
                    }
                }
                let mut out = Frac::constant(rat(c.constant));
                for &(v, k) in &c.terms {
                    let term = match v {
                        Var::Size(s) => self.atom(Atom::Size(s)),
                        _ => self.atom(Atom::Index(CIx::var(v))),
                    };
                    let scaled = Frac { num: term.num.scale(&rat(k)), den: term.den };
                    out = out.add(&scaled).unwrap_or(out);
                }
                out
            }
        }
    }

    fn delta(&mut self, a: CIx, b: CIx) -> Frac {
        let diff = a.minus(&b);
        match diff.as_constant() {
            Some(0) => Frac::constant(rat(1)),
            Some(_) => Frac::constant(rat(0)),
            None => {
                let (x, y) = if a <= b { (a, b) } else { (b, a) };
                self.atom(Atom::Delta(x, y))
            }
        }
    }

    /// The normal form of an expression, in lowest terms.
    fn norm(&mut self, e: &Expr) -> Option<Frac> {
        let f = self.norm_node(e)?;
        let f = self.fold_roots(f);
        let f = self.lowest_terms(f);
        // Lowest terms move the powers of a root known non-zero to the numerator, where they fold.
        Some(match self.fold_powers_of_roots(&f) {
            Some(folded) => self.lowest_terms(folded),
            None => f,
        })
    }

    /// `sqrt(c · a1^k1 · …)` for a positive coefficient and positive atoms: `sqrt(c) · Π
    /// sqrt(ai)^ki`, each root of an atom at an even power written as a power (√(ab) = √a √b for
    /// a, b ≥ 0, and √(a²) = a for a > 0). So `sqrt(2*pi) = sqrt(2)*sqrt(pi)` and `sqrt(4*x^2) =
    /// 2*x` for `x > 0` are one form. `None` for anything else, and for a number or a single atom.
    fn root_of_product(&mut self, x: &Frac) -> Option<Frac> {
        if !x.is_poly() || x.num.0.len() != 1 {
            return None;
        }
        let (m, c) = x.num.0.iter().next()?;
        // A number, or one atom to the first power, is its own root's argument.
        let single = m.0.is_empty() || (c.is_one() && matches!(m.0.as_slice(), [(_, 1)]));
        // Each factor ≥ 0: a positive atom, or one at an even power (`sqrt(x^2) = abs(x)`, the
        // root of a value ≥ 0 for every real x; it was only `checked`, a student), or one ≥ 0 to a
        // positive power.
        let factor_at_least_zero =
            |&(a, e): &(AtomId, i32)| self.positive_atom(a) || (e > 0 && (e % 2 == 0 || self.nonnegative_atom(a)));
        if single || !c.is_positive() || !m.0.iter().all(factor_at_least_zero) {
            return None;
        }
        self.rules.insert(if m.0.iter().all(|&(a, _)| self.positive_atom(a)) {
            "root of a product of positive factors"
        } else {
            "root of a product of factors ≥ 0"
        });
        let (m, c) = (m.clone(), c.clone());
        let mut result =
            if c.is_one() { Frac::constant(rat(1)) } else { self.builtin(Builtin::Sqrt, 0, vec![Frac::constant(c)])? };
        for (a, e) in m.0 {
            let root = if e % 2 == 0 && !self.nonnegative_atom(a) && (e / 2) % 2 != 0 {
                // √(a^(2k)) = |a|^k, and |a|^k = a^k for an even k or an `a` ≥ 0.
                let abs = self.builtin(Builtin::Abs, 0, vec![Frac::atom(a)])?;
                self.power(abs, Frac::constant(rat(i64::from(e / 2))))?
            } else if e % 2 == 0 {
                self.power(Frac::atom(a), Frac::constant(rat(i64::from(e / 2))))?
            } else {
                let single = self.atom(Atom::Func(Head::Builtin(Builtin::Sqrt), 0, vec![Frac::atom(a)]));
                self.power(single, Frac::constant(rat(i64::from(e))))?
            };
            result = result.mul(&root)?;
        }
        Some(result)
    }

    /// The root of a positive constant `c` as an atom with exponent 0 or 1: `sqrt(c)^(2q + r)` is
    /// `c^q sqrt(c)^r`, which holds for every exponent as `sqrt(c)` is positive. So
    /// `sqrt(2)^2 = 2` and `1/sqrt(2) = sqrt(2)/2` are one form.
    fn fold_roots(&mut self, f: Frac) -> Frac {
        let root_of = |n: &Normaliser, a: AtomId| match &n.atoms[a as usize] {
            Atom::Func(Head::Builtin(Builtin::Sqrt), 0, args) => {
                args.first().and_then(Frac::as_constant).filter(|c| c.is_positive())
            }
            _ => None,
        };
        let has_root_power =
            |p: &Poly| p.0.keys().any(|m| m.0.iter().any(|&(a, e)| (e >= 2 || e < 0) && root_of(self, a).is_some()));
        if !has_root_power(&f.num) && !has_root_power(&f.den) {
            return f;
        }
        self.rules.insert("square roots of numbers");
        let fold = |p: &Poly| -> Poly {
            let mut out: BTreeMap<Mono, BigRational> = BTreeMap::new();
            for (m, c) in &p.0 {
                let mut coefficient = c.clone();
                let mut powers = Vec::new();
                for &(a, e) in &m.0 {
                    match root_of(self, a) {
                        Some(base) => {
                            let (q, r) = (e.div_euclid(2), e.rem_euclid(2));
                            coefficient *= num_traits::pow::Pow::pow(base, q);
                            if r != 0 {
                                powers.push((a, r));
                            }
                        }
                        None => powers.push((a, e)),
                    }
                }
                let entry = out.entry(Mono(powers)).or_insert_with(|| rat(0));
                *entry += coefficient;
            }
            Poly(out.into_iter().filter(|(_, c)| !c.is_zero()).collect())
        };
        Frac { num: fold(&f.num), den: fold(&f.den) }.tidy()
    }

    /// The powers of the root of a value that is not a number but is known positive (an input
    /// declared `> 0`, `sum(i, x[i]^2) + eps`): `sqrt(a)^(2q + r)` is `a^q sqrt(a)^r` (r = 0 or
    /// 1), for every integer q, as `sqrt(a)^2 = a` and `a > 0`. The form is folded only where no root is left in the
    /// denominator (a root known non-zero is in the numerator, with a negative power, after
    /// lowest terms), so that it is one: a numerator of at most the first power of each root
    /// over a denominator without roots. So `sqrt(s)^3 = s sqrt(s)` and `1/sqrt(s) =
    /// sqrt(s)/s` (for `s > 0`) are one form, as for the roots of numbers
    /// ([`Self::fold_roots`]). `None` where there is nothing to fold, where a root stays in a
    /// denominator (a root of a value not known positive), or past a limit.
    fn fold_powers_of_roots(&mut self, f: &Frac) -> Option<Frac> {
        let is_root = |n: &Normaliser, a: AtomId| n.root_to_fold(a).is_some();
        let in_num = f.num.0.keys().any(|m| m.0.iter().any(|&(a, e)| (e >= 2 || e < 0) && is_root(self, a)));
        let in_den = f.den.0.keys().any(|m| m.0.iter().any(|&(a, _)| is_root(self, a)));
        if !in_num && !in_den {
            return None;
        }
        let (num, den) = (self.fold_poly(&f.num)?, self.fold_poly(&f.den)?);
        // The denominator keeps its value, which is not 0 wherever this side is defined.
        let folded = Frac { num: num.num.mul(&den.den)?, den: num.den.mul(&den.num)? };
        let roots: BTreeSet<AtomId> =
            folded.den.0.keys().flat_map(|m| m.0.iter().map(|&(a, _)| a)).filter(|&a| is_root(self, a)).collect();
        if !roots.is_empty() {
            return None;
        }
        if folded.den.is_zero() {
            return None;
        }
        self.rules.insert("powers of a square root: sqrt(a)^2 = a");
        Some(folded.tidy())
    }

    /// The argument of a root whose powers [`Self::fold_powers_of_roots`] folds: the root of a
    /// value that is not a number and is known positive. (The root of a value only known where
    /// its condition holds is left as it is: folding it in some parts of a side and not in
    /// others would give one value two forms.)
    fn root_to_fold(&self, a: AtomId) -> Option<&Frac> {
        match &self.atoms[a as usize] {
            Atom::Func(Head::Builtin(Builtin::Sqrt), 0, args)
                if args.len() == 1 && args[0].as_constant().is_none() && self.positive(&args[0]) =>
            {
                Some(&args[0])
            }
            _ => None,
        }
    }

    /// A polynomial with every power of a root of a non-number folded ([`Self::fold_powers_of_roots`]).
    fn fold_poly(&self, p: &Poly) -> Option<Frac> {
        let mut total = Frac::constant(rat(0));
        for (m, c) in &p.0 {
            let mut term = Frac::constant(c.clone());
            for &(a, e) in &m.0 {
                let arg = match self.root_to_fold(a) {
                    Some(arg) if e >= 2 || e < 0 => arg,
                    _ => {
                        term = term.mul(&Frac::poly(Poly(Terms::from([(Mono(vec![(a, e)]), rat(1))]))))?;
                        continue;
                    }
                };
                let (q, r) = (e.div_euclid(2), e.rem_euclid(2));
                // arg^q: for q < 0 the flipped fraction (arg is known positive then).
                let (top, bottom) = if q >= 0 { (&arg.num, &arg.den) } else { (&arg.den, &arg.num) };
                let mut power = Frac { num: Poly::constant(rat(1)), den: Poly::constant(rat(1)) };
                for _ in 0..q.unsigned_abs() {
                    power = Frac { num: power.num.mul(top)?, den: power.den.mul(bottom)? };
                }
                if r != 0 {
                    power = power.mul(&Frac::atom(a))?;
                }
                term = term.mul(&power)?;
            }
            total.add_in_place(&term)?;
        }
        Some(total)
    }

    fn norm_node(&mut self, e: &Expr) -> Option<Frac> {
        crate::work::charge(1).ok()?;
        Some(match e {
            Expr::Const(l) => Frac::constant(l.value.clone()),
            Expr::Size(s) => self.atom(Atom::Size(*s)),
            Expr::Index(ix) => {
                let c = self.cix(ix);
                self.index_value(c)
            }
            Expr::Entry(r) => match &self.model.entries[r.entry].kind {
                EntryKind::Input(_) => {
                    let args = self.entry_args(r.entry, &r.args);
                    self.atom(Atom::Input(r.entry, args))
                }
                EntryKind::Unknown(_) => self.atom(Atom::Node(r.entry)),
                EntryKind::Defined(_) => return None,
            },
            Expr::NodePartial(n, r) => {
                let args = self.entry_args(r.entry, &r.args);
                self.atom(Atom::Partial(*n, r.entry, args))
            }
            // Never in a lowered expression (the lowering gives up on the array forms).
            Expr::Local(_) | Expr::Apply(..) | Expr::Diff(..) | Expr::Select(..) | Expr::Det(_) | Expr::InvAt(..) => {
                return None
            }
            Expr::Neg(a) => self.norm(a)?.neg(),
            Expr::Add(a, b) => self.norm(a)?.add(&self.norm(b)?)?,
            Expr::Sub(a, b) => self.norm(a)?.add(&self.norm(b)?.neg())?,
            Expr::Mul(a, b) => self.norm(a)?.mul(&self.norm(b)?)?,
            Expr::Div(a, b) => {
                let (a, b) = (self.norm(a)?, self.norm(b)?);
                self.divide(&a, &b)?
            }
            Expr::Pow(a, b) => {
                let (a, b) = (self.norm(a)?, self.norm(b)?);
                self.power(a, b)?
            }
            Expr::Delta(a, b) => {
                let (a, b) = (self.cix(a), self.cix(b));
                self.delta(a, b)
            }
            Expr::Builtin(b, order, args) => {
                let args: Vec<Frac> = args.iter().map(|a| self.norm(a)).collect::<Option<_>>()?;
                self.builtin(*b, *order, args)?
            }
            Expr::Unknown(f, order, args) => {
                let args = args.iter().map(|a| self.norm(a)).collect::<Option<_>>()?;
                self.atom(Atom::Func(Head::Unknown(*f), *order, args))
            }
            Expr::Big(op, b, body) => self.big(*op, *b, body)?,
        })
    }

    /// The index values of an entry reference, recording that each lies in its slot's range
    /// unless that is evident (the same declared range, or a number inside it).
    fn entry_args(&mut self, entry: EntryId, args: &[Ix]) -> Vec<CIx> {
        let slots: Vec<IndexId> = self.model.entries[entry].range_slots().collect();
        let mut out = Vec::new();
        for (slot, a) in slots.into_iter().zip(args) {
            let c = self.cix(a);
            let range = self.model.indices[slot].range;
            let evident = self.in_range(&c, range)
                || c.as_constant().is_some_and(|k| range.surely_contains(k, &self.model.size_sums));
            if !evident {
                self.conditions.insert(Condition::InRange(range_key(range), c.clone()));
            }
            out.push(c);
        }
        out
    }

    /// `a / b`: exact when `b` is a monomial of atoms that are never zero; otherwise a fraction,
    /// with the condition that `b` is not zero unless that is known.
    fn divide(&mut self, a: &Frac, b: &Frac) -> Option<Frac> {
        if let Some(c) = b.as_constant() {
            if c.is_zero() {
                return None;
            }
            return a.mul(&Frac::constant(c.recip()));
        }
        if let Some(inverse) = self.laurent_inverse(b) {
            return a.mul(&inverse);
        }
        self.require_nonzero(b);
        Some(Frac { num: a.num.mul(&b.den)?, den: a.den.mul(&b.num)? }.tidy())
    }

    /// Records that a fraction must not be zero, unless that is known. A monomial is non-zero when
    /// each of its atoms is, so `x^2` and `x` give the same condition.
    fn require_nonzero(&mut self, b: &Frac) {
        if self.nonzero(b) {
            return;
        }
        if b.num.0.len() == 1 {
            let atoms: Vec<AtomId> = b.num.0.keys().flat_map(|m| m.0.iter().map(|&(a, _)| a)).collect();
            for a in atoms {
                let f = Frac::atom(a);
                if !self.nonzero(&f) {
                    self.conditions.insert(Condition::NonZero(f));
                }
            }
        } else {
            self.conditions.insert(Condition::NonZero(b.clone()));
        }
    }

    /// The inverse of a fraction whose numerator is one monomial of never-zero atoms.
    fn laurent_inverse(&mut self, b: &Frac) -> Option<Frac> {
        if b.num.0.len() != 1 {
            return None;
        }
        let (m, c) = b.num.0.iter().next()?;
        if c.is_zero() || !m.0.iter().all(|&(a, _)| self.never_zero(a)) {
            return None;
        }
        let inv = Mono(m.0.iter().map(|&(a, e)| (a, -e)).collect());
        let mut num = Poly::default();
        num.0.insert(inv, c.recip());
        Some(Frac { num: num.mul(&b.den)?, den: Poly::constant(rat(1)) })
    }

    /// The answer of `answer` to a question about an atom's sign, or `false` (not known) where the
    /// question is already being asked: an answer that needs itself proves nothing.
    fn asking(&self, question: Question, a: AtomId, answer: impl FnOnce() -> bool) -> bool {
        if let Some(&known) = self.answers.borrow().get(&(question, a)) {
            return known;
        }
        if self.asked.borrow().contains(&(question, a)) {
            self.met_itself.set(true);
            return false;
        }
        let outer = self.met_itself.replace(false);
        self.asked.borrow_mut().push((question, a));
        let known = answer();
        self.asked.borrow_mut().pop();
        let met = self.met_itself.get();
        self.met_itself.set(outer || met);
        if known || (!met && !self.at_ends.get()) {
            self.answers.borrow_mut().insert((question, a), known);
        }
        known
    }

    /// Atoms that are defined and non-zero everywhere they occur (so negative powers are safe).
    fn never_zero(&self, a: AtomId) -> bool {
        self.asking(Question::NeverZero, a, || self.never_zero_atom(a))
    }

    fn never_zero_atom(&self, a: AtomId) -> bool {
        match &self.atoms[a as usize] {
            Atom::Exp(_) | Atom::Size(_) | Atom::Func(Head::Builtin(Builtin::Pi), ..) => true,
            Atom::Func(Head::Builtin(Builtin::Sqrt), 0, args) => self.positive(&args[0]),
            // The log of a positive number other than 1: of more than 1, or of less
            // (`log(u)` for `u in (0, 1)`, the Gumbel noise `-log(-log(u))`: an instructor).
            Atom::Func(Head::Builtin(Builtin::Log), 0, args) => {
                let one = Frac::constant(rat(1));
                self.positive(&args[0])
                    && (args[0].add(&Frac::constant(rat(-1))).is_some_and(|above| self.positive(&above))
                        || one.add(&args[0].neg()).is_some_and(|below| self.positive(&below)))
            }
            Atom::Input(e, _) => match self.model.entries[*e].kind {
                EntryKind::Input(d) => self.model.nonzero_domain(d),
                _ => false,
            },
            _ => false,
        }
    }

    fn positive_atom(&self, a: AtomId) -> bool {
        self.asking(Question::Positive, a, || self.positive_atom_now(a))
    }

    fn positive_atom_now(&self, a: AtomId) -> bool {
        match &self.atoms[a as usize] {
            Atom::Exp(_) | Atom::Size(_) | Atom::Func(Head::Builtin(Builtin::Pi), ..) => true,
            // The root of a positive value.
            Atom::Func(Head::Builtin(Builtin::Sqrt), 0, args) => self.positive(&args[0]),
            // A sum of positive terms over a range that is never empty; a product of positives.
            Atom::Sum(r, body) => self.positive(body) && self.never_empty(*r),
            Atom::Prod(_, body) => self.positive(body),
            Atom::Input(e, _) => match self.model.entries[*e].kind {
                EntryKind::Input(d) => self.model.positive_domain(d),
                _ => false,
            },
            Atom::Pow(base, _) => self.positive(base),
            // The log of more than 1: `softplus(z) = log(1 + exp(z))` (an instructor: a Poisson
            // NLL with a softplus rate was refused, `log(softplus(z))` not known defined).
            Atom::Func(Head::Builtin(Builtin::Log), 0, args) => {
                args[0].add(&Frac::constant(rat(-1))).is_some_and(|above| self.positive(&above))
            }
            _ => false,
        }
    }

    fn positive_poly(&self, p: &Poly) -> bool {
        self.positive_poly_within(p, FACTOR_DEPTH)
    }

    /// Atoms < 0 wherever they are defined: the log of a positive number below 1 (`log(u)` for `u
    /// in (0, 1)`; the Gumbel noise `-log(-log(u))` was refused for want of it, an instructor).
    fn negative_atom(&self, a: AtomId) -> bool {
        self.asking(Question::Negative, a, || self.negative_atom_now(a))
    }

    fn negative_atom_now(&self, a: AtomId) -> bool {
        match &self.atoms[a as usize] {
            Atom::Func(Head::Builtin(Builtin::Log), 0, args) => {
                self.positive(&args[0])
                    && Frac::constant(rat(1)).add(&args[0].neg()).is_some_and(|below| self.positive(&below))
            }
            _ => false,
        }
    }

    /// Whether a product of atoms has a known sign (each atom positive, negative, or non-zero at an
    /// even power): `Some(true)` for > 0, `Some(false)` for < 0.
    fn term_sign(&self, m: &Mono) -> Option<bool> {
        let mut positive = true;
        for &(a, e) in &m.0 {
            if self.positive_atom(a) || (e % 2 == 0 && self.never_zero(a)) {
                continue;
            }
            if self.negative_atom(a) {
                positive ^= e % 2 != 0;
                continue;
            }
            return None;
        }
        Some(positive)
    }

    /// [`Self::positive_poly`], taking out at most `depth` factors known positive by the bounds
    /// of the inputs' domains.
    fn positive_poly_within(&self, p: &Poly, depth: u32) -> bool {
        (!p.is_zero() && p.0.iter().all(|(m, c)| c.is_positive() && self.term_above_zero(m)))
            || (!p.is_zero() && p.0.iter().all(|(m, c)| self.term_sign(m) == Some(c.is_positive())))
            || self.positive_by_bounds(p)
            || self.positive_with_squares(p)
            || self.positive_with_square_form(p)
            || self.positive_by_factors(p, depth)
            || self.positive_by_sums(p, depth)
            || self.positive_at_ends(p, depth)
    }

    /// Whether a polynomial of degree 1 in an input of a bounded domain is positive at both ends
    /// of that domain (with every value of its other atoms): between them it takes the values
    /// between, so it is positive on the whole domain. A mixture's `w e^m + (1 - w)` for `w in (0,
    /// 1)` is `1` at one end and `e^m` at the other (an instructor: a mixture's log-likelihood
    /// was refused, its log not known defined).
    ///
    /// (One input's ends at a time, never inside another's, and at most [`MAX_END_INPUTS`] inputs
    /// tried: with 40 bounded inputs a step not proved took a second, a reviewer.)
    fn positive_at_ends(&self, p: &Poly, depth: u32) -> bool {
        if depth == 0 || p.0.len() < 2 || self.at_ends.get() {
            return false;
        }
        let mut inputs: Vec<AtomId> = p.0.iter().flat_map(|(m, _)| m.0.iter().map(|&(a, _)| a)).collect();
        inputs.sort_unstable();
        inputs.dedup();
        let bounded: Vec<(AtomId, &DomainSet)> = inputs
            .into_iter()
            .filter(|&a| !p.0.iter().any(|(m, _)| m.0.iter().any(|&(b, k)| b == a && k != 1)))
            .filter_map(|a| match &self.atoms[a as usize] {
                Atom::Input(e, _) => self.model.domain_set(*e).map(|set| (a, set)),
                _ => None,
            })
            .take(MAX_END_INPUTS)
            .collect();
        self.at_ends.set(true);
        let shown = bounded.into_iter().any(|(a, set)| {
            let ((lo, _), (hi, _)) = set.bounds();
            let at = |value: &BigRational| -> Option<Poly> {
                let mut out = Poly::default();
                for (m, c) in &p.0 {
                    let term = if m.0.iter().any(|&(b, _)| b == a) {
                        (Mono(m.0.iter().filter(|&&(b, _)| b != a).copied().collect()), product(c, value))
                    } else {
                        (m.clone(), c.clone())
                    };
                    out.add_in_place(&Poly(Terms::from([term])))?;
                }
                Some(out)
            };
            let positive_at = |value| at(value).is_some_and(|q| self.positive_poly_within(&q, depth - 1));
            positive_at(lo) && positive_at(hi)
        });
        self.at_ends.set(false);
        shown
    }

    /// Whether a polynomial is `λ k F + q` for a sum `F` known ≥ 0
    /// ([`Normaliser::nonnegative_sums`]), a number `λ > 0`, a product `k` of positive atoms and a
    /// polynomial `q` known positive: `Σ_n (x[n] - c)² + eps`, and batch norm's `(1/N) Σ_n (x[n] -
    /// μ)² + eps` with `μ = (1/N) Σ_m x[m]`, whose sum opens to `Σ x² - (1/N) (Σ x)²`.
    fn positive_by_sums(&self, p: &Poly, depth: u32) -> bool {
        if depth == 0 {
            return false;
        }
        self.nonnegative_sums.iter().any(|f| {
            let Some((fm, fc)) = f.0.iter().next() else { return false };
            p.0.iter().any(|(pm, pc)| {
                let ratio = product(pc, &fc.recip());
                if !ratio.is_positive() {
                    return false;
                }
                let Some(k) = pm.mul(&Mono(fm.0.iter().map(|&(a, e)| (a, -e)).collect())) else { return false };
                if !k.0.iter().all(|&(a, _)| self.positive_atom(a)) {
                    return false;
                }
                let scaled = Poly(Terms::from([(k, -ratio)]));
                let Some(q) = scaled.mul(f).and_then(|minus| p.add(&minus)) else { return false };
                let shown = !q.is_zero() && self.positive_poly_within(&q, depth - 1);
                let mut kept = self.positive_sums.borrow_mut();
                if shown && p.0.len() > 1 && kept.len() < MAX_NONNEGATIVE_SUMS && !kept.contains(p) {
                    kept.push(p.clone());
                }
                shown
            })
        })
    }

    /// Whether a polynomial is ≥ 0 for every value of its atoms: each term ≥ 0, or a quadratic
    /// form ≥ 0 and terms each ≥ 0 ([`Normaliser::square_form`]).
    fn at_least_zero(&self, p: &Poly) -> bool {
        let term = |(m, c): (&Mono, &BigRational)| c.is_positive() && self.term_at_least_zero(m);
        let shown = |p: &Poly| {
            p.0.iter().all(term)
                || [false, true]
                    .into_iter()
                    .any(|all_free| self.square_form(p, all_free).is_some_and(|(rest, _)| rest.into_iter().all(term)))
        };
        shown(p) || self.positive_squares_halved(p).is_some_and(|halved| shown(&halved))
    }

    /// Whether a polynomial is a quadratic form ≥ 0 plus terms that are each ≥ 0, one of them > 0,
    /// or a form > 0 (positive definite) in the atoms and the number 1 plus terms ≥ 0: its terms
    /// of degree 2 in the atoms not known positive (`x^2 - 2 x c + c^2`; with positive factors
    /// that are products of scales, `x^2 - 2 N^-1 x S + N^-2 S^2`) are `vᵀ M v` for the vector
    /// `v` of those atoms times their scales, with `M` positive semidefinite (exact symmetric
    /// elimination: every pivot ≥ 0, a zero pivot's row zero), so ≥ 0 for every real value of the
    /// atoms; the other terms as [`Self::positive_with_squares`] asks. So `(x - c)^2 + eps` (`eps
    /// > 0`) is positive, the denominator of batch and layer norm (an instructor: `diff(L, beta)`
    /// was refused for want of it, where `x^2 + eps` was proved). Terms of degree 1 pair an atom
    /// with the number 1, a number is 1's square ([`Self::square_form`]): `x^2 - 2 x + 2` is
    /// `(x - 1)^2 + 1`.
    ///
    /// Atoms known positive are first taken as scales; where that shows nothing, every atom is a
    /// value of the form (a form ≥ 0 for every real value is ≥ 0 for positive ones): `1 + (exp(x)
    /// - 1)^2` opens to `E^2 - 2 E + 2` in the positive `E = exp(x)`, the form of `(E, 1)`.
    ///
    /// A positive atom found only at even powers is also taken at half of them (its square a
    /// positive value of its own): `exp(x)` is `exp(x/2)^2`,
    /// and `exp(x)^2 - 2 exp(x) + 2` is `E^4 - 2 E^2 + 2` in `E = exp(x/2)`.
    fn positive_with_square_form(&self, p: &Poly) -> bool {
        let shown = |p: &Poly| {
            [false, true].into_iter().any(|all_free| {
                self.square_form(p, all_free).is_some_and(|(rest, definite)| {
                    (definite && rest.iter().all(|&(m, c)| c.is_positive() && self.term_at_least_zero(m)))
                        || (!rest.is_empty() && self.at_least_zero_one_above(rest.into_iter()))
                })
            })
        };
        shown(p) || self.positive_squares_halved(p).is_some_and(|halved| shown(&halved))
    }

    /// `p` with every positive atom that it has at even powers only taken at half of them (a
    /// square of a positive value is a positive value: every fact about signs that the forms use
    /// of the atom holds of it), where there is one: `E^4 - 2 E^2 + 1` as `E^2 - 2 E + 1`, for
    /// `exp(x)`, which is `exp(x/2)^2`.
    fn positive_squares_halved(&self, p: &Poly) -> Option<Poly> {
        let mut even: BTreeMap<AtomId, bool> = BTreeMap::new();
        for m in p.0.keys() {
            for &(a, k) in &m.0 {
                *even.entry(a).or_insert(true) &= k % 2 == 0 && self.positive_atom(a);
            }
        }
        even.values().any(|&e| e).then(|| {
            Poly(
                p.0.iter()
                    .map(|(m, c)| {
                        let powers = m.0.iter().map(|&(a, k)| (a, if even[&a] { k / 2 } else { k })).collect();
                        (Mono(powers), c.clone())
                    })
                    .collect(),
            )
        })
    }

    /// The terms of a polynomial outside a quadratic form ≥ 0 in its atoms not known positive
    /// (with at least one product of two of them), as [`Self::positive_with_square_form`] says,
    /// and whether the form is positive definite with the number 1 among its values (then it is
    /// positive everywhere); `None` where there is no such form. A term of degree 1 in such an atom
    /// is its product with 1 (at a scale that makes it one, from a number term: `1` in `x^2 - 2
    /// x + 1`, `N^-1` in `N^-1 x^2 - 2 N^-1 x + N^-1`), so `(x - 1)^2` is the form of `(x, 1)`.
    #[allow(clippy::type_complexity)]
    fn square_form<'p>(&self, p: &'p Poly, all_free: bool) -> Option<(Vec<(&'p Mono, &'p BigRational)>, bool)> {
        // Each term as its coefficient, its atoms not known positive (of degree 2 for the form)
        // and its positive atoms: a *scale*, `N^-1` in `-2 N^-1 x S` of batch norm's
        // `(x - S/N)^2` with a size `N`.
        type Powers = Vec<(AtomId, i32)>;
        // The number 1 among the form's values (no atom has this id).
        const ONE: AtomId = AtomId::MAX;
        let split =
            |m: &Mono| -> (Powers, Powers) { m.0.iter().partition(|&&(a, _)| all_free || !self.positive_atom(a)) };
        let quadratic = |free: &Powers| matches!(free.as_slice(), [(_, 2)] | [(_, 1), (_, 1)]);
        let times = |x: &Powers, y: &Powers| -> Powers {
            let mut all: BTreeMap<AtomId, i32> = BTreeMap::new();
            for &(a, e) in x.iter().chain(y) {
                *all.entry(a).or_insert(0) += e;
            }
            all.into_iter().filter(|&(_, e)| e != 0).collect()
        };
        let halved = |scale: &Powers| -> Option<Powers> {
            scale.iter().all(|&(_, e)| e % 2 == 0).then(|| scale.iter().map(|&(b, e)| (b, e / 2)).collect())
        };
        let mut form: Vec<(Powers, Powers, &BigRational)> = Vec::new();
        let mut linear: Vec<(&Mono, Powers, Powers, &BigRational)> = Vec::new();
        let mut numbers: Vec<(&Mono, Powers, &BigRational)> = Vec::new();
        let mut rest: Vec<(&Mono, &BigRational)> = Vec::new();
        for (m, c) in &p.0 {
            let (free, scale) = split(m);
            if quadratic(&free) {
                form.push((free, scale, c));
            } else if matches!(free.as_slice(), [(_, 1)]) {
                linear.push((m, free, scale, c));
            } else if free.is_empty() {
                numbers.push((m, scale, c));
            } else {
                rest.push((m, c));
            }
        }
        // The scale of each atom of the form, half its square's (`N^-2 S^2`: `N^-1`); every term
        // of the form is then `c (s_a a)(s_b b)`, a form in the real values `s_a a`.
        let mut scales: BTreeMap<AtomId, Powers> = BTreeMap::new();
        for (free, scale, _) in &form {
            if let [(a, 2)] = free.as_slice() {
                let half = halved(scale)?;
                if scales.insert(*a, half.clone()).is_some_and(|before| before != half) {
                    return None;
                }
            }
        }
        // Terms of degree 1 in an atom of the form pair it with 1, at the scale their first one
        // gives, squared in a number term of that scale; the others are left to the rest.
        let (paired, unpaired): (Vec<_>, Vec<_>) =
            linear.into_iter().partition(|(_, free, ..)| scales.contains_key(&free[0].0));
        rest.extend(unpaired.into_iter().map(|(m, _, _, c)| (m, c)));
        let mut linear = paired;
        let one = linear.first().and_then(|(_, free, scale, _)| {
            let unit = times(scale, &scales.get(&free[0].0)?.iter().map(|&(a, e)| (a, -e)).collect());
            let square = times(&unit, &unit);
            let at = numbers.iter().position(|(_, scale, _)| *scale == square)?;
            Some((unit, at))
        });
        match one {
            Some((unit, at)) => {
                let (_, square, c) = numbers.remove(at);
                form.push((vec![(ONE, 2)], square, c));
                scales.insert(ONE, unit);
                for (_, free, scale, c) in linear.drain(..) {
                    form.push((vec![free[0], (ONE, 1)], scale, c));
                }
            }
            None => rest.extend(linear.drain(..).map(|(m, _, _, c)| (m, c))),
        }
        rest.extend(numbers.into_iter().map(|(m, _, c)| (m, c)));
        // Only a form with a product of two values says more than the squares alone.
        if !form.iter().any(|(free, ..)| free.len() == 2) || form.len() > MAX_FORM_TERMS {
            return None;
        }
        let atoms: Vec<AtomId> = scales.keys().copied().collect();
        let at = |a: AtomId| atoms.iter().position(|&b| b == a);
        let n = atoms.len();
        let mut matrix = vec![vec![rat(0); n]; n];
        let half = BigRational::new(1.into(), 2.into());
        for (free, scale, c) in &form {
            match free.as_slice() {
                [(a, 2)] => {
                    let i = at(*a)?;
                    matrix[i][i] = sum(&matrix[i][i], c);
                }
                [(a, 1), (b, 1)] => {
                    let (i, j) = (at(*a)?, at(*b)?);
                    if times(&scales[a], &scales[b]) != times(scale, &Vec::new()) {
                        return None;
                    }
                    let h = product(c, &half);
                    matrix[i][j] = sum(&matrix[i][j], &h);
                    matrix[j][i] = sum(&matrix[j][i], &h);
                }
                _ => return None,
            }
        }
        let with_one = scales.contains_key(&ONE);
        let definite = semidefinite(matrix)?;
        Some((rest, with_one && definite))
    }

    /// Whether a polynomial is a sum of terms that are each ≥ 0, one of them > 0: every
    /// coefficient positive, every atom positive or at an even power (every atom is a real
    /// number, so its even powers are ≥ 0), and in one term every atom positive or non-zero at an
    /// even power (a number is such a term). So `1 + x^2` and `x^2 + y^2 + eps` (`eps > 0`) are
    /// positive for every real `x` and `y`.
    fn positive_with_squares(&self, p: &Poly) -> bool {
        self.at_least_zero_one_above(p.0.iter())
    }

    /// Whether terms are each ≥ 0 (a positive coefficient, a term ≥ 0) and one of them > 0.
    fn at_least_zero_one_above<'t>(&self, terms: impl Iterator<Item = (&'t Mono, &'t BigRational)> + Clone) -> bool {
        terms.clone().all(|(m, c)| c.is_positive() && self.term_at_least_zero(m))
            && terms.into_iter().any(|(m, _)| self.term_above_zero(m))
    }

    /// Whether a product of atoms is ≥ 0: each atom at an even power or ≥ 0.
    fn term_at_least_zero(&self, m: &Mono) -> bool {
        m.0.iter().all(|&(a, e)| e % 2 == 0 || self.nonnegative_atom(a))
    }

    /// Whether a product of atoms is > 0: each atom positive, or non-zero at an even power.
    fn term_above_zero(&self, m: &Mono) -> bool {
        m.0.iter().all(|&(a, e)| self.positive_atom(a) || (e % 2 == 0 && self.never_zero(a)))
    }

    /// Atoms that are ≥ 0 wherever they are defined: the positive ones, roots, `abs`, `relu`,
    /// and a sum whose body is a polynomial of terms ≥ 0 (`sum(n, x[n]^2)`).
    fn nonnegative_atom(&self, a: AtomId) -> bool {
        if self.positive_atom(a) {
            return true;
        }
        match &self.atoms[a as usize] {
            Atom::Func(Head::Builtin(Builtin::Sqrt | Builtin::Abs | Builtin::Relu), 0, _) => true,
            // (`t >= 0`, `t in {0, 1}`: a Dice loss's targets; `s + t` was not known positive
            // for `s > 0`, an instructor.)
            Atom::Input(e, _) => match self.model.entries[*e].kind {
                EntryKind::Input(d) => self.model.nonnegative_domain(d),
                _ => false,
            },
            Atom::Sum(_, body) => {
                body.is_poly() && body.num.0.iter().all(|(m, c)| c.is_positive() && self.term_at_least_zero(m))
            }
            _ => false,
        }
    }

    /// Whether a polynomial is a product of a factor known positive and a polynomial known
    /// positive: the factors tried are the positive atoms of its terms and, for an input with a
    /// bounded domain, the distance to an end the input never reaches (`p` and `1 - p` for
    /// `p in (0, 1)`, `1 + r` and `1 - r` for `r in (-1, 1)`). So `p - p^2 = p (1 - p)` and
    /// `1 - r^2 = (1 - r)(1 + r)` are positive. Each factor divides the polynomial exactly (the
    /// quotient times the factor is the polynomial, term by term), and a product of positives is
    /// positive.
    fn positive_by_factors(&self, p: &Poly, depth: u32) -> bool {
        if depth == 0 || p.0.len() < 2 || p.0.keys().any(|m| m.0.iter().any(|&(_, e)| e < 0)) {
            return false;
        }
        let atoms: BTreeSet<AtomId> = p.0.keys().flat_map(|m| m.0.iter().map(|&(a, _)| a)).collect();
        let mut factors: Vec<Poly> = Vec::new();
        for a in atoms {
            if self.positive_atom(a) {
                factors.push(Poly::atom(a));
            }
            let Atom::Input(e, _) = &self.atoms[a as usize] else { continue };
            let Some(set) = self.model.domain_set(*e) else { continue };
            let ((lo, lo_in), (hi, hi_in)) = set.bounds();
            let atom = Poly::atom(a);
            if !lo_in {
                // a - lo > 0
                factors.extend(atom.add(&Poly::constant(-lo.clone())));
            }
            if !hi_in {
                // hi - a > 0
                factors.extend(Poly::constant(hi.clone()).add(&atom.scale(&rat(-1))));
            }
        }
        factors.extend(self.positive_sums.borrow().iter().filter(|f| f.0.len() < p.0.len()).cloned());
        let mut work = MAX_GCD_WORK;
        factors.iter().any(|f| match gcd::exact_quotient(p, f, &mut work) {
            Some(Some(q)) => !q.is_zero() && self.positive_poly_within(&q, depth - 1),
            _ => false,
        })
    }

    /// Whether an affine polynomial of inputs with bounded domains is positive by their bounds:
    /// `1 - p` for `p in (0, 1)`. Its infimum is the sum of its terms' infima (each term at an end
    /// of its input's domain, whatever the other terms do); positive when that is > 0, or is 0
    /// and some term never reaches its infimum (an open end).
    fn positive_by_bounds(&self, p: &Poly) -> bool {
        let mut infimum = rat(0);
        let mut strict = false;
        for (m, c) in &p.0 {
            match m.0.as_slice() {
                [] => infimum = sum(&infimum, c),
                [(a, 1)] => {
                    let Atom::Input(e, _) = &self.atoms[*a as usize] else { return false };
                    let Some(set) = self.model.domain_set(*e) else { return false };
                    let ((lo, lo_in), (hi, hi_in)) = set.bounds();
                    let (end, reached) = if c.is_positive() { (lo, lo_in) } else { (hi, hi_in) };
                    infimum = sum(&infimum, &product(c, end));
                    strict |= !reached;
                }
                _ => return false,
            }
        }
        infimum.is_positive() || (infimum.is_zero() && strict)
    }

    /// Whether a range has at least one element for every size ≥ 1.
    fn never_empty(&self, (lo, lo_size, hi, hi_size): Range) -> bool {
        match (lo_size, hi_size) {
            (None, None) => hi >= lo,
            (None, Some(_)) => hi + 1 >= lo,
            (Some(a), Some(b)) => a == b && hi >= lo,
            (Some(_), None) => false,
        }
    }

    /// Whether a fraction is known positive for all admissible values: its numerator and
    /// denominator both positive, or both negative (`(1 - p) / (1 - q)` is kept as `(p - 1) / (q -
    /// 1)`: the log of it was not taken apart, and Jensen–Shannon of two Bernoullis was refused by
    /// `derive`, an instructor).
    fn positive(&self, f: &Frac) -> bool {
        (self.positive_poly(&f.num) && self.positive_poly(&f.den)) || self.both_negative(f)
    }

    /// Whether a fraction's numerator and denominator are both known negative.
    fn both_negative(&self, f: &Frac) -> bool {
        let minus = rat(-1);
        f.den.as_constant().is_none()
            && self.positive_poly(&f.num.scale(&minus))
            && self.positive_poly(&f.den.scale(&minus))
    }

    /// Whether a fraction is known non-zero for all admissible values.
    fn nonzero(&self, f: &Frac) -> bool {
        if self.positive(f) || f.as_constant().is_some_and(|c| !c.is_zero()) {
            return true;
        }
        f.num.0.len() == 1 && f.num.0.keys().all(|m| m.0.iter().all(|&(a, _)| self.never_zero(a)))
    }

    fn power(&mut self, a: Frac, b: Frac) -> Option<Frac> {
        if b.as_constant().is_none() && self.positive(&a) {
            // a^b = exp(b log a) for a > 0, so powers of one base multiply like exponentials.
            self.rules.insert("power through exp and log");
            let log_a = self.log(a)?;
            return self.exp(b.mul(&log_a)?);
        }
        let Some(n) = b.as_constant() else {
            self.conditions.insert(Condition::Power(a.clone(), b.clone()));
            return Some(self.atom(Atom::Pow(a, b)));
        };
        if !n.is_integer() {
            // a^(k/2) = sqrt(a)^k: both are defined where a ≥ 0 (a > 0 for k < 0), as the
            // numbers take a negative number to a fractional power as undefined and 0^(k/2) as 0
            // for k > 0; the conditions are then those of the root and of the division.
            let twice = &n * rat(2);
            if twice.is_integer() && twice.abs() <= rat(MAX_POWER) {
                self.rules.insert("half-integer power as a square root");
                let root = self.builtin(Builtin::Sqrt, 0, vec![a])?;
                return self.power(root, Frac::constant(twice));
            }
            if !self.positive(&a) {
                self.conditions.insert(Condition::Power(a.clone(), b.clone()));
            }
            return Some(self.atom(Atom::Pow(a, b)));
        }
        // (`i64::MIN` has no magnitude in an `i64`: `x^(-9223372036854775808)` was a panic, a tester.)
        let n = n.to_integer().to_i64().filter(|&n| n != i64::MIN)?;
        if let Some(c) = a.as_constant().filter(|c| n.abs() > MAX_POWER && !c.is_zero()) {
            // A number to a larger integer power is a number (`2^2000`, `(1/2)^-30`), computed
            // where it fits in a coefficient (smaller powers are the products below).
            let bits = c.numer().bits() + c.denom().bits();
            if n.unsigned_abs().saturating_mul(bits) <= MAX_COEFFICIENT_BITS {
                self.rules.insert("a number to a power");
                let power = num_traits::Pow::pow(&c, n.unsigned_abs());
                let power = if n < 0 { power.recip() } else { power };
                return Some(Frac::constant(power));
            }
        }
        if n.abs() > MAX_POWER {
            return None;
        }
        let mut result = Frac::constant(rat(1));
        for _ in 0..n.abs() {
            result = result.mul(&a)?;
        }
        if n < 0 {
            let one = Frac::constant(rat(1));
            return self.divide(&one, &result);
        }
        Some(result)
    }

    /// `exp` of a fraction: a product of powers of `exp` of monomials where the argument is a
    /// polynomial, so that `exp(a + b) = exp(a) exp(b)` and `exp(-a) = 1 / exp(a)` hold by construction.
    fn exp(&mut self, x: Frac) -> Option<Frac> {
        if !x.is_poly() {
            return Some(self.atom(Atom::Exp(x)));
        }
        self.rules.insert("exp of a sum");
        let mut result = Frac::constant(rat(1));
        for (m, c) in x.num.0.clone() {
            if let Some(s) = self.log_argument(&m) {
                // exp(c·log S) = S^c: the atom `log S` exists only where its condition S > 0 was
                // recorded on this side (or S is known positive), so the two are equal wherever
                // the side is defined; `exp(log x) = x` for `var x` keeps the condition x > 0.
                self.rules.insert("exp of a log");
                result = result.mul(&self.power(s, Frac::constant(c))?)?;
                continue;
            }
            let mono_poly = Poly(Terms::from([(m.clone(), rat(1))]));
            // A monomial of the inputs with a whole or half coefficient: a power of `exp(m/2)`,
            // so that `exp(a/2)^2`, `exp(a/2) exp(a/2)` and `exp(a)` are one (a VAE's σ =
            // `exp(lv/2)`; they were only `checked`: a student). (Numbers keep `exp(1)`: the
            // log-sum-exp trick looks for other numbers.)
            let twice = &c * rat(2);
            let (base, power) = if !m.0.is_empty() && twice.is_integer() && twice.abs() <= rat(MAX_POWER) {
                (Frac::poly(Poly(Terms::from([(m.clone(), rat(1) / rat(2))]))), twice.to_integer().to_i32()?)
            } else if c.is_integer() && c.abs() <= rat(MAX_POWER) {
                (Frac::poly(mono_poly), c.to_integer().to_i32()?)
            } else {
                (Frac::poly(Poly(Terms::from([(m, c)]))), 1)
            };
            let id = self.intern(Atom::Exp(base));
            let mut p = Poly::default();
            p.0.insert(Mono(vec![(id, power)]), rat(1));
            result = result.mul(&Frac::poly(p))?;
        }
        Some(result)
    }

    /// The argument `S` of a monomial that is `log S` to the power 1.
    fn log_argument(&self, m: &Mono) -> Option<Frac> {
        let [(a, 1)] = m.0.as_slice() else { return None };
        match &self.atoms[*a as usize] {
            Atom::Func(Head::Builtin(Builtin::Log), 0, args) if args.len() == 1 => Some(args[0].clone()),
            _ => None,
        }
    }

    fn sigmoid(&mut self, x: &Frac) -> Option<Frac> {
        // σ(x) = 1 / (1 + exp(-x)); the denominator is positive.
        self.rules.insert("sigmoid through exp");
        let e = self.exp(x.neg())?;
        let den = Frac::constant(rat(1)).add(&e)?;
        self.divide(&Frac::constant(rat(1)), &den)
    }

    fn tanh(&mut self, x: &Frac) -> Option<Frac> {
        // tanh(x) = (1 - exp(-2x)) / (1 + exp(-2x)); the denominator is positive.
        self.rules.insert("tanh through exp");
        let e = self.exp(x.mul(&Frac::constant(rat(-2)))?)?;
        let one = Frac::constant(rat(1));
        self.divide(&one.add(&e.neg())?, &one.add(&e)?)
    }

    fn builtin(&mut self, b: Builtin, order: u32, args: Vec<Frac>) -> Option<Frac> {
        // A builtin defined by a formula, or a derivative given by one, is expanded by lowering;
        // none is left to normalise.
        if crate::model::expansion(b, order).is_some() {
            return None;
        }
        // Builtins of numbers with an exact value (relu(-2), abs(3), sqrt(4), sigmoid(0)) are that value.
        let constants: Option<Vec<BigRational>> = args.iter().map(Frac::as_constant).collect();
        if let Some(values) = constants {
            match <BigRational as crate::numeric::Value>::builtin(b, order, &values, 0.0) {
                Ok(v) => {
                    self.rules.insert("arithmetic");
                    return Some(Frac::constant(v));
                }
                // Undefined at these numbers (`relu'(0)`): nothing to prove.
                Err(crate::numeric::EvalError::Undefined(_)) => return None,
                Err(_) => {}
            }
        }
        if b == Builtin::Pi {
            // An opaque positive constant: π is irrational, so no exact rule applies to it.
            return Some(self.atom(Atom::Func(Head::Builtin(b), 0, Vec::new())));
        }
        let one = Frac::constant(rat(1));
        let x = args.first()?.clone();
        Some(match (b, order) {
            // Opaque odd functions defined everywhere; their derivatives are formulas, expanded by
            // lowering (`model::expansion`), so only the value reaches here. f(-u) = -f(u) holds
            // for every u: of u and -u (both in lowest terms, so equal arguments are equal data)
            // the larger (a positive first coefficient) is the atom's argument, so `erf(-x)` and
            // `-erf(x)` are one form.
            (Builtin::Erf | Builtin::Atan, 0) => {
                let x = self.lowest_terms(x);
                let negated = self.lowest_terms(x.neg());
                if negated > x {
                    self.rules.insert("odd function");
                    self.atom(Atom::Func(Head::Builtin(b), 0, vec![negated])).neg()
                } else {
                    self.atom(Atom::Func(Head::Builtin(b), 0, vec![x]))
                }
            }
            (Builtin::Exp, _) => self.exp(x)?,
            (Builtin::Log, 0) => self.log(x)?,
            (Builtin::Log, 1) => self.divide(&one, &x)?,
            (Builtin::Log, 2) => {
                let sq = x.mul(&x)?;
                self.divide(&one, &sq)?.neg()
            }
            (Builtin::Sigmoid, 0) => self.sigmoid(&x)?,
            (Builtin::Sigmoid, 1) | (Builtin::Softplus, 2) => {
                self.rules.insert("sigmoid' = sigmoid (1 - sigmoid)");
                let s = self.sigmoid(&x)?;
                s.mul(&one.add(&s.neg())?)?
            }
            (Builtin::Sigmoid, 2) => {
                let s = self.sigmoid(&x)?;
                let two_s = s.mul(&Frac::constant(rat(2)))?;
                s.mul(&one.add(&s.neg())?)?.mul(&one.add(&two_s.neg())?)?
            }
            (Builtin::Softplus, 1) => {
                self.rules.insert("softplus' = sigmoid");
                self.sigmoid(&x)?
            }
            (Builtin::Softplus, 0) => {
                // softplus(x) = log(1 + exp(x)), whose argument is positive.
                self.rules.insert("softplus through exp");
                let arg = one.add(&self.exp(x)?)?;
                self.log(arg)?
            }
            (Builtin::Tanh, 0) => self.tanh(&x)?,
            (Builtin::Tanh, 1) => {
                self.rules.insert("tanh' = 1 - tanh^2");
                let t = self.tanh(&x)?;
                one.add(&t.mul(&t)?.neg())?
            }
            (Builtin::Tanh, 2) => {
                let t = self.tanh(&x)?;
                t.mul(&one.add(&t.mul(&t)?.neg())?)?.mul(&Frac::constant(rat(-2)))?
            }
            (Builtin::Sin | Builtin::Cos, n) => {
                // sin^(n)(x) = sin(x + nπ/2): one of ±sin, ±cos.
                let shift = (n + if b == Builtin::Cos { 1 } else { 0 }) % 4;
                let (cosine, sign) = match shift {
                    0 => (false, 1),
                    1 => (true, 1),
                    2 => (false, -1),
                    _ => (true, -1),
                };
                self.sine_or_cosine(cosine, x)?.mul(&Frac::constant(rat(sign)))?
            }
            (Builtin::Sqrt, 0) => {
                if let Some(c) = x.as_constant() {
                    if let Some(r) = crate::numeric::exact_sqrt(&c) {
                        return Some(Frac::constant(r));
                    }
                }
                if let Some(split) = self.root_of_product(&x) {
                    return Some(split);
                }
                // (No condition where it always holds: `sqrt(x^2 + y^2)^2 = x^2 + y^2` was not
                // proved for the condition on one side only.)
                if !(self.positive(&x) || (x.is_poly() && self.at_least_zero(&x.num))) {
                    self.conditions.insert(Condition::NonNegative(x.clone()));
                }
                self.atom(Atom::Func(Head::Builtin(Builtin::Sqrt), 0, vec![x]))
            }
            (Builtin::Sqrt, 1) => {
                let root = self.builtin(Builtin::Sqrt, 0, vec![x])?;
                self.divide(&Frac::constant(BigRational::new(BigInt::from(1), BigInt::from(2))), &root)?
            }
            (Builtin::Max | Builtin::Min, 0) => {
                let mut args = args;
                args.sort();
                self.atom(Atom::Func(Head::Builtin(b), 0, args))
            }
            (Builtin::Relu | Builtin::Abs | Builtin::Sign | Builtin::Step, 0) => {
                self.atom(Atom::Func(Head::Builtin(b), 0, vec![x]))
            }
            (Builtin::Relu | Builtin::Abs | Builtin::Sign | Builtin::Step, n) => {
                // Derivatives of kinks exist everywhere but at the kink, where they are undefined;
                // like the numeric check, which never samples at a kink, the prover states them
                // away from it: relu' = step, abs' = sign, and every higher derivative is 0.
                if !self.kink_measure_zero(&x) {
                    // The argument may sit at the kink for whole ranges of inputs, sizes or
                    // indices (`relu'(n - 7)`, `abs'(x[i] - x[j])`): no proof.
                    return None;
                }
                self.rules.insert("derivatives of kinks (away from the kink)");
                match (b, n) {
                    (Builtin::Relu, 1) => self.atom(Atom::Func(Head::Builtin(Builtin::Step), 0, vec![x])),
                    (Builtin::Abs, 1) => self.atom(Atom::Func(Head::Builtin(Builtin::Sign), 0, vec![x])),
                    _ => Frac::constant(rat(0)),
                }
            }
            _ => return None,
        })
    }

    /// Whether an argument is 0 only on a set of inputs of measure zero, for every value of the
    /// sizes and indices: a monomial of generic atoms (inputs, unknown nodes and functions, `exp`,
    /// `log`), or a polynomial of such atoms without index variables. Unknown functions count as
    /// generic, as in the numeric check (not, say, identically zero).
    fn kink_measure_zero(&self, x: &Frac) -> bool {
        if !x.is_poly() || x.num.is_zero() {
            return false;
        }
        let without_indices = |a: AtomId| match &self.atoms[a as usize] {
            Atom::Input(_, args) | Atom::Partial(_, _, args) => args.iter().all(|c| c.as_constant().is_some()),
            Atom::Node(_) => true,
            _ => false,
        };
        let atoms: Vec<AtomId> = x.num.0.keys().flat_map(|m| m.0.iter().map(|&(a, _)| a)).collect();
        if atoms.is_empty() {
            return false;
        }
        if x.num.0.len() == 1 {
            // One monomial: a product of factors each not identically 0 on any open set.
            return atoms.iter().all(|&a| self.generic_atom(a) || self.generic_sum(a) || self.level_sets_null(a));
        }
        if atoms.iter().all(|&a| self.generic_atom(a) && without_indices(a)) {
            return true;
        }
        // A number not 0 and one monomial of inputs to positive powers, or of sums of such
        // (`1 - Σ_k w[k] x[k]`, a hinge's margin; `1 - w[k] x[k]`): 0 where the monomial takes one
        // value, a level set of a polynomial in the inputs that is not constant whatever the
        // indices and sizes (equal indices make two factors one power, a sum's terms add up and
        // never cancel), so of measure zero (an instructor: the SVM's gradient was refused).
        if let [(m1, c1), (m2, c2)] = x.num.0.iter().collect::<Vec<_>>().as_slice() {
            let (number, monomial) = if m1.0.is_empty() { (c1, m2) } else { (c2, m1) };
            let lone = monomial.0.iter().all(|&(a, e)| e > 0 && (self.generic_input(a) || self.generic_input_sum(a)));
            if (m1.0.is_empty() || m2.0.is_empty()) && !number.is_zero() && !monomial.0.is_empty() && lone {
                return true;
            }
            // A number and a power of one function of a polynomial (`|x + y| - 1`, Huber's
            // threshold; `1 - tanh(w)^2`): the power takes one value where the function takes
            // one of at most two, so where the polynomial is in a set of isolated points — a
            // countable union of its level sets (an instructor: Huber with its default
            // threshold was refused, with an input threshold derived).
            if let ([(a, e)], false) = (monomial.0.as_slice(), number.is_zero()) {
                if (m1.0.is_empty() || m2.0.is_empty()) && *e > 0 && self.level_sets_null(*a) {
                    return true;
                }
            }
        }
        self.lone_linear_input(x)
    }

    /// Whether a polynomial is `c·v + R` with `v` an input that `R` does not involve (a bias:
    /// `Σ_k W[j,k] x[k] + b[j]`, `Σ_j v[j] relu(…) + c`): for every value of the rest, it takes each
    /// value at one value of `v` only. (Also times inputs of a finite set without 0, `y[i]·b` of a
    /// margin `1 - y[i]·(Σ_k w[k] X[i,k] + b)` with `y in {-1, 1}`: for every value of them its
    /// coefficient is not 0; an instructor's SVM.)
    fn lone_linear_input(&self, x: &Frac) -> bool {
        x.num.0.keys().any(|m| {
            m.0.iter().any(|&(a, power)| {
                let Atom::Input(e, _) = &self.atoms[a as usize] else { return false };
                power == 1
                    && self.generic_atom(a)
                    && m.0.iter().all(|&(b, _)| b == a || (self.nonzero_label(b) && self.free_of(b, *e)))
                    && x.num
                        .0
                        .keys()
                        .filter(|other| *other != m)
                        .all(|other| other.0.iter().all(|&(b, _)| self.free_of(b, *e)))
            })
        })
    }

    /// Whether an atom surely does not involve input entry `e` (at any index): unknown nodes and
    /// their partial derivatives may, through their dependencies.
    fn free_of(&self, a: AtomId, e: EntryId) -> bool {
        let frac = |f: &Frac| {
            [&f.num, &f.den].iter().all(|p| p.0.keys().all(|m| m.0.iter().all(|&(b, _)| self.free_of(b, e))))
        };
        match &self.atoms[a as usize] {
            Atom::Input(e2, _) => *e2 != e,
            Atom::Node(_) | Atom::Partial(..) => false,
            Atom::Size(_) | Atom::Index(_) | Atom::Delta(..) => true,
            Atom::Exp(f) => frac(f),
            Atom::Func(_, _, args) => args.iter().all(frac),
            Atom::Pow(x, y) => frac(x) && frac(y),
            Atom::Sum(_, body) | Atom::Prod(_, body) => frac(body),
        }
    }

    /// Whether an atom is a sum, over a range never empty, of one monomial `c·m(b)` of generic
    /// atoms (inputs, unknown nodes and functions, `exp`, or such sums again): `Σ_b c·m(b)` is `c`
    /// times a sum of monomials with positive integer coefficients once the inner sums are written
    /// out, so no two terms cancel and it is a polynomial that is not 0 — zero only on a set of
    /// measure zero (`Σ_a Σ_b K[a,b] V[i+a-1, j+b-1]`, a convolution without bias). Not inside a
    /// polynomial of several terms: `Σ_i x[i] - x[1]` is identically 0 when the range is `1..1`.
    fn generic_sum(&self, a: AtomId) -> bool {
        let Atom::Sum(range, body) = &self.atoms[a as usize] else { return false };
        if !self.never_empty(*range) || !body.is_poly() || body.num.0.len() != 1 {
            return false;
        }
        body.num.0.keys().all(|m| m.0.iter().all(|&(b, _)| self.generic_atom(b) || self.generic_sum(b)))
    }

    /// Whether an atom is an input of a finite set that does not hold 0 (`y in {-1, 1}`).
    fn nonzero_label(&self, a: AtomId) -> bool {
        let Atom::Input(e, _) = &self.atoms[a as usize] else { return false };
        matches!(self.model.domain_set(*e), Some(DomainSet::Finite(values)) if values.iter().all(|v| !v.is_zero()))
    }

    /// Whether an atom takes each value only on a set of inputs of measure zero: a function that
    /// is analytic and not constant where it is defined (its level sets are isolated points), or
    /// `abs` (two points), of a polynomial of generic inputs without index variables that is not
    /// constant, or of one linear in a lone input (whose level sets are of measure zero).
    fn level_sets_null(&self, a: AtomId) -> bool {
        let u = match &self.atoms[a as usize] {
            Atom::Exp(u) => u,
            Atom::Func(Head::Builtin(b), 0, args) if args.len() == 1 => {
                use Builtin as B;
                let analytic = matches!(
                    b,
                    B::Abs
                        | B::Log
                        | B::Sqrt
                        | B::Sigmoid
                        | B::Tanh
                        | B::Softplus
                        | B::Sin
                        | B::Cos
                        | B::Erf
                        | B::Atan
                        | B::Sinh
                        | B::Cosh
                        | B::Tan
                );
                if !analytic {
                    return false;
                }
                &args[0]
            }
            _ => return false,
        };
        let atoms: Vec<AtomId> = u.num.0.keys().flat_map(|m| m.0.iter().map(|&(b, _)| b)).collect();
        let index_free = |b: AtomId| match &self.atoms[b as usize] {
            Atom::Input(_, args) => args.iter().all(|c| c.as_constant().is_some()),
            _ => false,
        };
        // (Or, at any indices, linear in an input the rest does not involve: Huber of a family of
        // residuals, `abs(w*x[n] + b - y[n]) - 1`, is 0 at two values of `b` for each value of
        // the rest.)
        u.is_poly()
            && !atoms.is_empty()
            && (atoms.iter().all(|&b| self.generic_input(b) && index_free(b)) || self.lone_linear_input(u))
    }

    /// Whether an atom is an input that is generic for the kink rules (see [`Self::generic_atom`]).
    fn generic_input(&self, a: AtomId) -> bool {
        matches!(self.atoms[a as usize], Atom::Input(..)) && self.generic_atom(a)
    }

    /// Whether an atom is a sum, over a range never empty, of one monomial of generic inputs to
    /// positive powers (`Σ_k w[k] x[k]`): a polynomial in the inputs that is not constant.
    fn generic_input_sum(&self, a: AtomId) -> bool {
        let Atom::Sum(range, body) = &self.atoms[a as usize] else { return false };
        self.never_empty(*range)
            && body.is_poly()
            && body.num.0.len() == 1
            && body.num.0.keys().all(|m| {
                !m.0.is_empty()
                    && m.0.iter().all(|&(b, e)| e > 0 && (self.generic_input(b) || self.generic_input_sum(b)))
            })
    }

    /// Whether an atom is generic for the kink rules: an input (not one whose family an `assume`
    /// ties together), an unknown node or function or a partial derivative of one, or `exp` — not
    /// `log`, which is 0 wherever its argument is 1, which sizes or indices can make it.
    fn generic_atom(&self, a: AtomId) -> bool {
        match &self.atoms[a as usize] {
            // Not an input of a finite set (`{0, 1}` puts a kink's argument at 0 for a whole
            // part of the inputs), nor one an `assume` ties together, nor an element of a
            // symmetric matrix (`spd`: `S[1,2] - S[2,1]` is 0 at every draw; `abs'` of it was
            // proved, a reviewer).
            Atom::Input(e, _) => {
                !self.model.assumptions.iter().any(|x| x.entry == *e)
                    && !matches!(self.model.domain_set(*e), Some(DomainSet::Finite(_)))
                    && !matches!(self.model.entries[*e].kind, EntryKind::Input(Domain::PositiveDefinite))
            }
            Atom::Node(_) | Atom::Partial(..) | Atom::Exp(_) => true,
            Atom::Func(Head::Unknown(_), _, _) => true,
            _ => false,
        }
    }

    /// `log`: of `exp` and of products of known-positive factors it is taken apart; anything
    /// else is an atom with the condition that its argument is positive.
    fn log(&mut self, x: Frac) -> Option<Frac> {
        if let Some(c) = x.as_constant() {
            if c.is_one() {
                return Some(Frac::constant(rat(0)));
            }
            if !c.is_positive() {
                return None;
            }
            return Some(self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![x])));
        }
        if self.positive(&x) {
            // log(N / D) = log N - log D for positive N and D, each taken apart further; for
            // negative ones, log(-N) - log(-D).
            self.rules.insert("log of a product of positive factors");
            let (num, den) = if self.both_negative(&x) {
                (x.num.scale(&rat(-1)), x.den.scale(&rat(-1)))
            } else {
                (x.num.clone(), x.den.clone())
            };
            let n = self.log_positive(&num)?;
            let d = self.log_positive(&den)?;
            return n.add(&d.neg());
        }
        if !self.positive(&x) {
            self.conditions.insert(Condition::Positive(x.clone()));
        }
        Some(self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![x])))
    }

    /// `log p` for a positive polynomial: a monomial of positive atoms is taken apart; a sum has the
    /// lowest powers of its never-zero atoms factored out (`1 + e^-x = e^-x (e^x + 1)`), and what
    /// is left is an atom.
    fn log_positive(&mut self, p: &Poly) -> Option<Frac> {
        if p.as_constant().is_some_and(|c| c.is_one()) {
            return Some(Frac::constant(rat(0)));
        }
        let all_positive_atoms = |n: &Normaliser, m: &Mono| m.0.iter().all(|&(a, _)| n.positive_atom(a));
        if p.0.len() == 1 {
            let (m, c) = p.0.iter().next()?;
            if c.is_positive() && all_positive_atoms(self, m) {
                return self.log_monomial(p);
            }
            return Some(self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![Frac::poly(p.clone())])));
        }
        if let Some(split) = self.log_of_large_exponentials(p) {
            return Some(split);
        }
        // The lowest (negative) power of each never-zero atom over all terms.
        let mut lowest: BTreeMap<AtomId, i32> = BTreeMap::new();
        for m in p.0.keys() {
            for &(a, e) in &m.0 {
                if e < 0 && self.positive_atom(a) {
                    let entry = lowest.entry(a).or_insert(0);
                    *entry = (*entry).min(e);
                }
            }
        }
        if lowest.is_empty() {
            return Some(self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![Frac::poly(p.clone())])));
        }
        self.rules.insert("common factor taken out of a log");
        let factor = Mono(lowest.iter().map(|(&a, &e)| (a, e)).collect());
        let inverse = Mono(lowest.iter().map(|(&a, &e)| (a, -e)).collect());
        let rest = p.mul(&Poly(Terms::from([(inverse, rat(1))])))?;
        let log_factor = self.log_monomial(&Poly(Terms::from([(factor, rat(1))])))?;
        let log_rest = self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![Frac::poly(rest)]));
        log_factor.add(&log_rest)
    }

    /// The log-sum-exp trick, for a positive sum of terms with `exp` of numbers that `exp` keeps
    /// as atoms of their own (`exp(1000)`, `exp(1/2)`: not powers of `exp(1)`):
    /// `log(Σ tᵢ·exp(cᵢ)) = c + log(Σ tᵢ·exp(cᵢ - c))` with `c` the largest `cᵢ`, which holds for
    /// every positive sum (`exp(c) > 0`). So `log(exp(1000) + exp(1001) + exp(1002))` is
    /// `1002 + log(exp(-2) + exp(-1) + 1)`. `None` where no term has such an atom or `c` is 0.
    fn log_of_large_exponentials(&mut self, p: &Poly) -> Option<Frac> {
        // exp(c) of a number c, as an atom: its argument.
        let exp_of_number = |n: &Normaliser, a: AtomId| match &n.atoms[a as usize] {
            Atom::Exp(arg) => arg.as_constant(),
            _ => None,
        };
        let one = rat(1);
        let large = p.0.keys().any(|m| m.0.iter().any(|&(a, _)| exp_of_number(self, a).is_some_and(|c| c != one)));
        if !large {
            return None;
        }
        // Each term as (coefficient, the rest of its monomial, the sum of its exponents c·k).
        let mut terms = Vec::new();
        for (m, coefficient) in &p.0 {
            let mut exponent = rat(0);
            let mut rest = Vec::new();
            for &(a, k) in &m.0 {
                match exp_of_number(self, a) {
                    Some(c) => exponent = sum(&exponent, &product(&c, &rat(i64::from(k)))),
                    None => rest.push((a, k)),
                }
            }
            terms.push((coefficient.clone(), Mono(rest), exponent));
        }
        let largest = terms.iter().map(|(_, _, c)| c.clone()).max()?;
        if largest.is_zero() {
            return None;
        }
        self.rules.insert("log-sum-exp: the largest exp of a number taken out of a log");
        let mut shifted = Frac::constant(rat(0));
        for (coefficient, rest, exponent) in terms {
            let factor = self.exp(Frac::constant(sum(&exponent, &-largest.clone())))?;
            let term = Frac::poly(Poly(Terms::from([(rest, coefficient)])));
            shifted = shifted.add(&term.mul(&factor)?)?;
        }
        Frac::constant(largest).add(&self.log(shifted)?)
    }

    /// `log(c · a1^k1 · …)` for a positive coefficient and positive atoms.
    fn log_monomial(&mut self, p: &Poly) -> Option<Frac> {
        let (m, c) = p.0.iter().next()?;
        let mut total = if c.is_one() {
            Frac::constant(rat(0))
        } else {
            self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![Frac::constant(c.clone())]))
        };
        for &(a, k) in &m.0 {
            let log_a = match self.atoms[a as usize].clone() {
                Atom::Exp(arg) => {
                    self.rules.insert("log of exp");
                    arg
                }
                // (Not while another product is opened: the placeholder would stand for both.)
                Atom::Prod(r, body) if self.positive(&body) && !self.frac_mentions(&body, Var::Bound(PLACEHOLDER)) => {
                    // log Π_b f(b) = Σ_b log f(b) for positive factors: open the body with a
                    // placeholder index, take its log, and sum that.
                    self.rules.insert("log of a product is a sum of logs");
                    let open = self.substitute(
                        &body,
                        &|v, depth| (v == Var::Level(depth)).then(|| CIx::var(Var::Bound(PLACEHOLDER))),
                        0,
                    )?;
                    let log_body = self.log(open)?;
                    self.sum_of(range_from_key(r), PLACEHOLDER, log_body)?
                }
                _ => self.atom(Atom::Func(Head::Builtin(Builtin::Log), 0, vec![Frac::atom(a)])),
            };
            total = total.add(&log_a.mul(&Frac::constant(rat(i64::from(k))))?)?;
        }
        Some(total)
    }

    /// `sum` and `prod` over a bound index.
    fn big(&mut self, op: BigOp, b: BoundId, body: &Expr) -> Option<Frac> {
        let range = self.model.bounds.get(b)?.range;
        let before = std::mem::take(&mut self.conditions);
        let body = self.norm(body)?;
        // Conditions met in the body must hold for every value of the bound index: those that do
        // not depend on it hold outright when the range is never empty; the others (and all of
        // them for a range that may be empty) become conditions over the range.
        let inner = std::mem::replace(&mut self.conditions, before);
        for c in inner {
            let lifted = if !self.condition_mentions(&c, Var::Bound(b)) && self.never_empty(range_key(range)) {
                c
            } else {
                Condition::ForAll(range_key(range), Box::new(self.bind_condition(&c, b, 0)?))
            };
            self.conditions.insert(lifted);
        }
        if op == BigOp::Prod {
            let key = self.bind(&body, b)?;
            return Some(self.atom(Atom::Prod(range_key(range), key)));
        }
        self.sum_of(range, b, body)
    }

    /// `Σ_b body` for a normalised body in which `b` is still a raw bound index.
    fn sum_of(&mut self, range: IndexRange, b: BoundId, body: Frac) -> Option<Frac> {
        let body = self.lowest_terms(body);
        // A denominator that depends on the index stays inside; so does any denominator when the
        // range may be empty (the empty sum is 0 even where the denominator is 0).
        let den_inside = self
            .frac_mentions(&Frac { num: body.den.clone(), den: Poly::constant(rat(1)) }, Var::Bound(b))
            || (!body.is_poly() && !self.never_empty(range_key(range)));
        if den_inside {
            if let Some(picked) = self.kronecker_fraction(range, b, &body) {
                return picked;
            }
            // Linearity over the numerator's terms, each over the whole denominator: `Σ_b (n₁ +
            // n₂)/d = Σ_b n₁/d + Σ_b n₂/d` where the terms are defined (where `d ≠ 0`, the same
            // condition for both), and also over an empty range. So `Σ_j W[j,k] (s + c) / d[j]`
            // and `s Σ_j W[j,k] / d[j] + c Σ_j W[j,k] / d[j]` meet.
            let mut total = Frac::constant(rat(0));
            for (m, c) in body.num.0.clone() {
                let term = Frac { num: Poly(Terms::from([(m, c)])), den: body.den.clone() };
                if let Some(picked) = self.kronecker_fraction(range, b, &term) {
                    total = total.add(&picked?)?;
                    continue;
                }
                let (factor, rest) = self.split_off_free_factor(&term, b)?;
                let key = self.bind(&rest, b)?;
                let summed = match self.double_sum(range_key(range), &key) {
                    Some(double) => double,
                    None => self.atom(Atom::Sum(range_key(range), key)),
                };
                total = total.add(&factor.mul(&summed)?)?;
            }
            if body.num.0.len() > 1 {
                self.rules.insert("sum linearity");
            }
            return Some(total);
        }
        // Linearity: one sum per monomial, with the factors free of the index pulled out.
        self.rules.insert("sum linearity");
        let den = Frac::poly(body.den.clone());
        let mut total = Frac::constant(rat(0));
        for (m, c) in body.num.0.clone() {
            let (free, dependent): (Vec<Factor>, Vec<Factor>) =
                m.0.iter().partition(|&&(a, _)| !self.atom_mentions(a, Var::Bound(b)));
            let mut term = Frac::poly(Poly(Terms::from([(Mono(free), c)])));
            let summed = self.sum_monomial(range, b, Mono(dependent))?;
            term = term.mul(&summed)?;
            total = total.add(&term)?;
        }
        if body.is_poly() && total.is_poly() {
            self.remember_nonnegative_sum(&body.num, &total.num);
        }
        let one = Frac::constant(rat(1));
        let inv_den = self.divide(&one, &den)?;
        total.mul(&inv_den)
    }

    /// The sums known ≥ 0 that mention `v` at the value `with` too, where a Kronecker delta puts
    /// it in: a sum ≥ 0 for every value of its atoms is ≥ 0 at any of them. (Else which side of a
    /// step is normalised first decides what is known: `Σ_c δ(c, e) x[1,c] / (Σ_m (x[m,c] - 1)² +
    /// eps)` beside `x[1,e] / (Σ_m (x[m,e] - 1)² + eps)`.)
    fn specialise_nonnegative_sums(&mut self, v: Var, with: &CIx) {
        let mentioning: Vec<Poly> = self
            .nonnegative_sums
            .iter()
            .filter(|f| self.frac_mentions(&Frac::poly((*f).clone()), v))
            .cloned()
            .collect();
        for f in mentioning {
            if self.nonnegative_sums.len() >= MAX_NONNEGATIVE_SUMS {
                return;
            }
            let Some(at) = self.substitute(&Frac::poly(f), &|u, _| (u == v).then(|| with.clone()), 0) else { continue };
            if at.is_poly() && !self.nonnegative_sums.contains(&at.num) {
                self.nonnegative_sums.push(at.num);
            }
        }
    }

    /// Keeps a sum that linearity opened as a fact ≥ 0 where its body is ≥ 0 for every value of its
    /// atoms (the bound index's among them) and its terms alone do not say so: a sum of values
    /// ≥ 0 is ≥ 0, also over an empty range.
    fn remember_nonnegative_sum(&mut self, body: &Poly, total: &Poly) {
        if self.nonnegative_sums.len() >= MAX_NONNEGATIVE_SUMS
            || total.0.len() < 2
            || total.0.iter().all(|(m, c)| c.is_positive() && self.term_at_least_zero(m))
            || self.nonnegative_sums.contains(total)
            || !self.at_least_zero(body)
        {
            return;
        }
        self.nonnegative_sums.push(total.clone());
    }

    /// `n/d = c·m · (n/(c·m))/d` for the leading coefficient `c` of the numerator (in lowest terms)
    /// and the powers `m` of atoms free of `b` that divide every term of it: `Σ_b c·m·f(b)` is
    /// `c·m·Σ_b f(b)` (also over an empty range, where both are 0), so `Σ_b (-f)` and `-Σ_b f` are
    /// one atom. The denominator stays inside: outside it would be a divisor also where the
    /// range is empty.
    fn split_off_free_factor(&self, body: &Frac, b: BoundId) -> Option<(Frac, Frac)> {
        let (_, coefficient) = gcd::leading(&body.num)?;
        let mut lowest: Option<BTreeMap<AtomId, i32>> = None;
        for m in body.num.0.keys() {
            let here: BTreeMap<AtomId, i32> =
                m.0.iter().copied().filter(|&(a, _)| !self.atom_mentions(a, Var::Bound(b))).collect();
            lowest = Some(match lowest {
                None => here,
                Some(low) => {
                    let atoms: BTreeSet<AtomId> = low.keys().chain(here.keys()).copied().collect();
                    atoms
                        .into_iter()
                        .map(|a| (a, low.get(&a).copied().unwrap_or(0).min(here.get(&a).copied().unwrap_or(0))))
                        .filter(|&(_, e)| e != 0)
                        .collect()
                }
            });
        }
        let powers: Vec<(AtomId, i32)> = lowest.unwrap_or_default().into_iter().collect();
        let factor = Poly(Terms::from([(Mono(powers.clone()), coefficient.clone())]));
        let inverse = Poly(Terms::from([(Mono(powers.iter().map(|&(a, e)| (a, -e)).collect()), coefficient.recip())]));
        let rest = Frac { num: body.num.mul(&inverse)?, den: body.den.clone() };
        Some((Frac::poly(factor), rest))
    }

    /// `Σ_b δ(b, e) n(b)/d(b) = n(e)/d(e)` when every term of the numerator has the factor δ(b, e)
    /// and `e` lies in the range of `b` at every size (so the range is never empty). The
    /// denominator's conditions were recorded, for every `b`, when the body was normalised.
    fn kronecker_fraction(&mut self, range: IndexRange, b: BoundId, body: &Frac) -> Option<Option<Frac>> {
        let bv = Var::Bound(b);
        let (first, _) = body.num.0.iter().next()?;
        let (delta, other) = first.0.iter().find_map(|&(a, k)| {
            let Atom::Delta(x, y) = self.atoms[a as usize].clone() else { return None };
            let other = if x == CIx::var(bv) {
                y
            } else if y == CIx::var(bv) {
                x
            } else {
                return None;
            };
            (k == 1 && !other.mentions(bv) && self.in_range(&other, range)).then_some((a, other))
        })?;
        if !body.num.0.keys().all(|m| m.0.contains(&(delta, 1))) {
            return None;
        }
        let num = Poly(
            body.num
                .0
                .iter()
                .map(|(m, c)| (Mono(m.0.iter().copied().filter(|&(a, _)| a != delta).collect()), c.clone()))
                .collect(),
        );
        let rest = Frac { num, den: body.den.clone() };
        self.rules.insert("Kronecker elimination");
        self.specialise_nonnegative_sums(bv, &other);
        Some(self.substitute(&rest, &|v, _| (v == bv).then(|| other.clone()), 0))
    }

    /// `Σ_b m(b)` for a monomial `m`: Kronecker elimination, counting, or a sum atom.
    fn sum_monomial(&mut self, range: IndexRange, b: BoundId, m: Mono) -> Option<Frac> {
        let bv = Var::Bound(b);
        if m.0.is_empty() {
            // Σ_b 1 = hi - lo + 1, when that is never negative.
            let count = self.count(range)?;
            self.rules.insert("sum of a constant");
            return Some(count);
        }
        // Σ_b δ(b, e) f(b) = f(e) when e is in the range of b.
        for &(a, k) in &m.0 {
            if k != 1 {
                continue;
            }
            if let Atom::Delta(x, y) = self.atoms[a as usize].clone() {
                let other = if x == CIx::var(bv) {
                    y
                } else if y == CIx::var(bv) {
                    x
                } else {
                    continue;
                };
                if other.mentions(bv) || !self.in_range(&other, range) {
                    continue;
                }
                self.rules.insert("Kronecker elimination");
                let rest = Mono(m.0.iter().copied().filter(|&(x2, _)| x2 != a).collect());
                let rest = Frac::poly(Poly(Terms::from([(rest, rat(1))])));
                self.specialise_nonnegative_sums(bv, &other);
                return self.substitute(&rest, &|v, _| (v == bv).then(|| other.clone()), 0);
            }
        }
        // `assume sum(k, y[k]) = c`: the sum of a constrained family over its whole range is c.
        if let [(a, 1)] = m.0.as_slice() {
            if let Atom::Input(e, args) = &self.atoms[*a as usize] {
                // (Only over a range that is never empty: an empty family cannot sum to c.)
                // The summed slot at the bound index, the others (a row) free of it.
                let whole = |slot: usize| {
                    args.iter()
                        .enumerate()
                        .all(|(k, ix)| (k == slot) == (*ix == CIx::var(bv)) && (k == slot || !ix.mentions(bv)))
                        && self.never_empty(range_key(range))
                        && self.model.entries[*e]
                            .range_slots()
                            .nth(slot)
                            .is_some_and(|i| self.model.indices[i].range == range)
                };
                if let Some(assumption) = self.model.assumptions.iter().find(|x| x.entry == *e && whole(x.slot)) {
                    self.rules.insert("assumption");
                    return Some(Frac::constant(assumption.total.clone()));
                }
            }
        }
        let body = Frac::poly(Poly(Terms::from([(m, rat(1))])));
        let key = self.bind(&body, b)?;
        if let Some(double) = self.double_sum(range_key(range), &key) {
            return Some(double);
        }
        Some(self.atom(Atom::Sum(range_key(range), key)))
    }

    /// `Σ_a f(a) Σ_b g(a, b)` in a canonical order of its sums: the factor is moved into the inner
    /// sum (`Σ_a Σ_b f(a) g(a, b)`, equal also when the inner range is empty), and so on down a
    /// nest of such sums (`Σ_a f Σ_b g Σ_c h` is `Σ_a Σ_b Σ_c f g h`: the chain rule through the
    /// layers of an MLP); of the nest in every order of its indices (finite sums over ranges that
    /// do not depend on each other commute), the one interned first is used — both sides of a step
    /// share the table of atoms and try the same orders, so both pick the same. `key` is the
    /// outer body with its own index at `Level(0)`. `None` unless one sum atom is a factor of
    /// every term of the numerator, to the first power, and no other sum atom occurs in the
    /// numerator or the denominator. The factor `f` may be a fraction (`Σ_j tanh(x[j]) Σ_i …`,
    /// where `tanh` is a quotient of exponentials): its denominator moves into the inner sum with
    /// it, which changes no value where the outer body is defined, and the conditions under which
    /// it is were recorded when the body was normalised. A nest of more than
    /// [`MAX_PERMUTED_NEST`] sums is only tried in its first two orders (as written, and its two
    /// outer sums exchanged).
    fn double_sum(&mut self, outer: Range, key: &Frac) -> Option<Frac> {
        let memo_key = (outer, key.clone());
        if let Some(done) = self.double_sums.get(&memo_key) {
            if crate::work::fits(done.work) {
                let done = done.clone();
                crate::work::charge(done.work).ok()?;
                self.conditions.extend(done.conditions);
                self.rules.extend(done.rules);
                return done.value;
            }
        }
        let work = crate::work::used();
        let outer_conditions = std::mem::take(&mut self.conditions);
        let outer_rules = std::mem::take(&mut self.rules);
        let value = self.double_sum_anew(outer, key);
        let conditions = std::mem::replace(&mut self.conditions, outer_conditions);
        let rules = std::mem::replace(&mut self.rules, outer_rules);
        self.conditions.extend(conditions.iter().cloned());
        self.rules.extend(&rules);
        // Only what the budget let through is remembered (an answer cut short by it is not the
        // answer).
        if crate::work::spent().is_none() {
            let done = Remembered { value: value.clone(), work: crate::work::used() - work, conditions, rules };
            self.double_sums.insert(memo_key, done);
        }
        value
    }

    /// [`Normaliser::double_sum`] worked out.
    fn double_sum_anew(&mut self, outer: Range, key: &Frac) -> Option<Frac> {
        // The nest flattened: its ranges, outermost first, and the product of every factor, in
        // which the innermost index is `Level(0)` and the outermost `Level(k - 1)`.
        let mut ranges = vec![outer];
        let mut body = key.clone();
        while let Some((inner, g, rest)) = self.nested_sum(&body) {
            // Under one more binder, the rest's references to the binders so far move one out.
            let shifted = self.substitute(
                &rest,
                &|v, d| match v {
                    Var::Level(k) if k >= d => Some(CIx::var(Var::Level(k + 1))),
                    _ => None,
                },
                0,
            )?;
            body = g.mul(&shifted)?;
            ranges.push(inner);
            if ranges.len() > MAX_PERMUTED_NEST {
                break;
            }
        }
        let k = ranges.len();
        if k < 2 {
            return None;
        }
        let orders: Vec<Vec<usize>> = if k <= MAX_PERMUTED_NEST {
            permutations(k)
        } else {
            let mut swapped: Vec<usize> = (0..k).collect();
            swapped.swap(0, 1);
            vec![(0..k).collect(), swapped]
        };
        let mut best: Option<Frac> = None;
        for order in orders {
            // `order[q]` is the binder (by its place as written, outermost first) put at place q.
            // As written, the binder at place p is `Level(k - 1 - p)`.
            let mut level_of = vec![0u32; k];
            for (q, &p) in order.iter().enumerate() {
                level_of[k - 1 - p] = (k - 1 - q) as u32;
            }
            let k32 = k as u32;
            let permuted = self.substitute(
                &body,
                &|v, d| match v {
                    Var::Level(l) if l >= d && l < d + k32 => {
                        Some(CIx::var(Var::Level(d + level_of[(l - d) as usize])))
                    }
                    _ => None,
                },
                0,
            )?;
            let mut nest = self.atom(Atom::Sum(ranges[order[k - 1]], permuted));
            for q in (0..k - 1).rev() {
                nest = self.atom(Atom::Sum(ranges[order[q]], nest));
            }
            let first = |f: &Frac| f.num.0.keys().next().map(|m| m.0.clone());
            if best.as_ref().is_none_or(|b| first(&nest) < first(b)) {
                best = Some(nest);
            }
        }
        self.rules.insert("nested sums in a canonical order");
        best
    }

    /// `body` as `S · rest` for the one sum atom `S = Σ_inner g` that is a factor of every term
    /// of its numerator, to the first power, with no other sum atom in the numerator or the
    /// denominator: `(inner, g, rest)`.
    fn nested_sum(&self, body: &Frac) -> Option<(Range, Frac, Frac)> {
        let is_sum = |n: &Normaliser, a: AtomId| matches!(n.atoms[a as usize], Atom::Sum(..));
        if body.den.0.keys().any(|m| m.0.iter().any(|&(a, _)| is_sum(self, a))) {
            return None;
        }
        let mut monos = body.num.0.keys();
        let sums: Vec<(AtomId, i32)> = monos.next()?.0.iter().copied().filter(|&(a, _)| is_sum(self, a)).collect();
        let [(inner_atom, 1)] = sums[..] else { return None };
        if !monos.all(|m| m.0.iter().filter(|&&(a, _)| is_sum(self, a)).eq([(inner_atom, 1)].iter())) {
            return None;
        }
        let Atom::Sum(inner, g) = self.atoms[inner_atom as usize].clone() else { return None };
        let num = Poly(
            body.num
                .0
                .iter()
                .map(|(m, c)| (Mono(m.0.iter().copied().filter(|&(a, _)| a != inner_atom).collect()), c.clone()))
                .collect(),
        );
        Some((inner, g, Frac { num, den: body.den.clone() }))
    }

    /// `hi - lo + 1` as a fraction, if it is never negative for sizes ≥ 1.
    fn count(&mut self, r: IndexRange) -> Option<Frac> {
        let value = |n: &mut Normaliser, b: Bound| -> Frac {
            let size = b.size.map_or(Frac::constant(rat(0)), |s| n.atom(Atom::Size(s)));
            size.add(&Frac::constant(rat(b.offset))).unwrap_or(size)
        };
        let ok = match (r.lo.size, r.hi.size) {
            (None, None) => r.hi.offset - r.lo.offset + 1 >= 0,
            (None, Some(_)) => r.hi.offset - r.lo.offset + 2 >= 0,
            (Some(a), Some(c)) if a == c => r.hi.offset - r.lo.offset + 1 >= 0,
            _ => false,
        };
        if !ok {
            return None;
        }
        let hi = value(self, r.hi);
        let lo = value(self, r.lo);
        hi.add(&lo.neg())?.add(&Frac::constant(rat(1)))
    }

    /// Whether an index expression lies in a range for every admissible value.
    fn in_range(&self, e: &CIx, r: IndexRange) -> bool {
        // Every value of the index expression lies in the range (`f` of `1..2` in `1..3`, `i + a - 1`
        // with `i`, `a` in `1..2` in `1..3`, a number inside the range at every size).
        let terms: Option<Vec<(i64, IxTerm)>> = e
            .terms
            .iter()
            .map(|&(v, c)| {
                Some((
                    c,
                    match v {
                        Var::Free(i) => IxTerm::Range(self.model.indices[i].range),
                        Var::Bound(b) => IxTerm::Range(self.model.bounds.get(b)?.range),
                        Var::Size(s) => IxTerm::Size(s),
                        // A bound index of an enclosing sum atom: its range is not at hand.
                        Var::Level(_) => return None,
                    },
                ))
            })
            .collect();
        terms.is_some_and(|t| r.surely_holds(e.constant, &t, &self.model.size_sums))
    }

    /// The body of a sum over `b` as a key: `b` becomes `Level(0)`, and `Level`s of enclosing
    /// sums inside nested sum atoms shift accordingly.
    fn bind(&mut self, body: &Frac, b: BoundId) -> Option<Frac> {
        self.rename_frac(body, Var::Bound(b), 0)
    }

    fn rename_frac(&mut self, f: &Frac, from: Var, depth: u32) -> Option<Frac> {
        self.substitute(f, &move |v: Var, d| (v == from).then(|| CIx::var(Var::Level(d))), depth)
    }

    /// A condition inside a sum over `b`, with `b` renamed to the level of its binder.
    fn bind_condition(&mut self, c: &Condition, b: BoundId, depth: u32) -> Option<Condition> {
        let from = Var::Bound(b);
        Some(match c {
            Condition::NonZero(x) => Condition::NonZero(self.rename_frac(x, from, depth)?),
            Condition::Positive(x) => Condition::Positive(self.rename_frac(x, from, depth)?),
            Condition::NonNegative(x) => Condition::NonNegative(self.rename_frac(x, from, depth)?),
            Condition::Power(x, y) => {
                Condition::Power(self.rename_frac(x, from, depth)?, self.rename_frac(y, from, depth)?)
            }
            Condition::ForAll(r, inner) => Condition::ForAll(*r, Box::new(self.bind_condition(inner, b, depth + 1)?)),
            Condition::InRange(r, c) => {
                Condition::InRange(*r, c.substitute(&|v| (v == from).then(|| CIx::var(Var::Level(depth)))))
            }
        })
    }

    fn condition_mentions(&self, c: &Condition, v: Var) -> bool {
        match c {
            Condition::NonZero(x) | Condition::Positive(x) | Condition::NonNegative(x) => self.frac_mentions(x, v),
            Condition::Power(x, y) => self.frac_mentions(x, v) || self.frac_mentions(y, v),
            Condition::ForAll(_, inner) => self.condition_mentions(inner, v),
            Condition::InRange(_, c) => c.mentions(v),
        }
    }

    /// Substitutes in a polynomial; `depth` counts the sum atoms entered (for renaming to levels).
    /// Every monomial and every atom in it is charged to the budget of work.
    fn substitute_poly(&mut self, p: &Poly, map: IxMap, depth: u32) -> Option<Frac> {
        let mut total = Frac::constant(rat(0));
        for (m, c) in &p.0 {
            crate::work::charge(1 + m.0.len() as u64).ok()?;
            // While every atom so far became one atom (a renamed index: the usual case), the term
            // is `c` times one monomial, built by merging; the general products below take over
            // from the first atom that did not.
            let mut renamed = (!c.is_zero() && !too_long(c)).then(Mono::one);
            let mut term = if renamed.is_some() { Frac::poly(Poly::default()) } else { Frac::constant(c.clone()) };
            for &(a, k) in &m.0 {
                if !self.substituted.contains_key(&(a, depth)) {
                    let f = self.substitute_atom(a, map, depth)?;
                    self.substituted.insert((a, depth), f);
                }
                let replaced = &self.substituted[&(a, depth)];
                if let Some(mono) = renamed.take() {
                    match self.rename_factor(&mono, replaced, k) {
                        Some(next) => {
                            renamed = Some(next?);
                            continue;
                        }
                        None => term = Frac::poly(Poly(Terms::from([(mono, c.clone())]))),
                    }
                }
                let replaced = replaced.clone();
                let powered = if k >= 0 {
                    let mut r = Frac::constant(rat(1));
                    for _ in 0..k {
                        r = r.mul(&replaced)?;
                    }
                    r
                } else {
                    // Negative powers only occur for never-zero atoms, which stay never zero.
                    let inv = self.laurent_inverse(&replaced)?;
                    let mut r = Frac::constant(rat(1));
                    for _ in 0..(-k) {
                        r = r.mul(&inv)?;
                    }
                    r
                };
                term = term.mul(&powered)?;
            }
            if let Some(mono) = renamed {
                term = Frac::poly(Poly(Terms::from([(mono, c.clone())])));
            }
            total.add_in_place(&term)?;
        }
        Some(total)
    }

    /// `mono · b^k` where an atom's substitute `replaced` is the single atom `b`, as the general
    /// products of [`Normaliser::substitute_poly`] give it: they multiply the term by the power
    /// `b^k`, built by `|k|` products (after the inverse, for `k < 0`), of numerator and
    /// denominator each, all of single monomials; as many units of work are charged here, one at
    /// a time as there, so that the budget stops at the same place. `None` where the general
    /// products are needed (`replaced` is not one atom), `Some(None)` where they give up.
    fn rename_factor(&self, mono: &Mono, replaced: &Frac, k: i32) -> Option<Option<Mono>> {
        let (Some((Mono(powers), one)), true) = (replaced.num.0.iter().next(), replaced.is_poly()) else { return None };
        let &[(b, 1)] = powers.as_slice() else { return None };
        if replaced.num.0.len() != 1 || !one.is_one() || k.abs() > MAX_DEGREE || (k < 0 && !self.never_zero(b)) {
            return None;
        }
        // The power's products, the inverse's, and the numerators' product of term and power.
        let before = 2 * u64::from(k.unsigned_abs()) + u64::from(k < 0) + 1;
        for _ in 0..before {
            if crate::work::charge(1).is_err() {
                return Some(None);
            }
        }
        let Some(next) = mono.mul(&Mono(vec![(b, k)])) else { return Some(None) };
        // The denominators' product.
        Some(crate::work::charge(1).ok().map(|()| next))
    }

    fn substitute_atom(&mut self, a: AtomId, map: IxMap, depth: u32) -> Option<Frac> {
        let atom = self.atoms[a as usize].clone();
        let cix = |c: &CIx| c.substitute(&|v| map(v, depth));
        Some(match atom {
            Atom::Input(e, args) => self.atom(Atom::Input(e, args.iter().map(cix).collect())),
            Atom::Partial(n, e, args) => self.atom(Atom::Partial(n, e, args.iter().map(cix).collect())),
            Atom::Node(_) | Atom::Size(_) => Frac::atom(a),
            Atom::Index(c) => {
                let c = cix(&c);
                self.index_value(c)
            }
            Atom::Delta(x, y) => {
                let (x, y) = (cix(&x), cix(&y));
                self.delta(x, y)
            }
            Atom::Exp(arg) => {
                let arg = self.substitute_within(&arg, map, depth)?;
                self.exp(arg)?
            }
            Atom::Func(h, order, args) => {
                let args: Vec<Frac> =
                    args.iter().map(|x| self.substitute_within(x, map, depth)).collect::<Option<_>>()?;
                match h {
                    Head::Builtin(b) if order == 0 && b == Builtin::Log => self.log(args.into_iter().next()?)?,
                    // An angle put in is taken apart again (`sin(x[i] + x[j])` at j = i).
                    Head::Builtin(b @ (Builtin::Sin | Builtin::Cos)) if order == 0 => {
                        self.sine_or_cosine(b == Builtin::Cos, args.into_iter().next()?)?
                    }
                    // Numbers put in (`relu(z[y] - z[y] + 1)` at j = y) give the exact value, as
                    // where the builtin was first normalised (or nothing, where it is undefined).
                    Head::Builtin(b) if !args.is_empty() && args.iter().all(|x| x.as_constant().is_some()) => {
                        self.builtin(b, order, args)?
                    }
                    _ => self.atom(Atom::Func(h, order, args)),
                }
            }
            Atom::Pow(x, y) => {
                let (x, y) = (self.substitute_within(&x, map, depth)?, self.substitute_within(&y, map, depth)?);
                self.atom(Atom::Pow(x, y))
            }
            Atom::Sum(r, body) | Atom::Prod(r, body) => {
                // Inside a sum atom, uses are one binder deeper.
                let inner = self.substitute_within(&body, map, depth + 1)?;
                let is_sum = matches!(self.atoms[a as usize], Atom::Sum(..));
                self.atom(if is_sum { Atom::Sum(r, inner) } else { Atom::Prod(r, inner) })
            }
        })
    }

    /// Substitutes index variables in a fraction; `depth` counts the sum atoms entered. The
    /// atoms substituted are remembered for this substitution (one `map`) only: a substitution
    /// that a rewrite on the way starts has its own.
    fn substitute(&mut self, f: &Frac, map: IxMap, depth: u32) -> Option<Frac> {
        let outer = std::mem::take(&mut self.substituted);
        let out = self.substitute_within(f, map, depth);
        self.substituted = outer;
        out
    }

    /// [`Normaliser::substitute`] inside one substitution.
    fn substitute_within(&mut self, f: &Frac, map: IxMap, depth: u32) -> Option<Frac> {
        let num = self.substitute_poly(&f.num, map, depth)?;
        let den = self.substitute_poly(&f.den, map, depth)?;
        Some(Frac { num: num.num.mul(&den.den)?, den: num.den.mul(&den.num)? }.tidy())
    }

    fn atom_mentions(&self, a: AtomId, v: Var) -> bool {
        if let Some(&known) = self.mentions.borrow().get(&(a, v)) {
            return known;
        }
        // Each atom is looked into once per variable: charged, like every other walk here. An
        // answer past the budget is still right; the next charge stops the normaliser.
        let _ = crate::work::charge(1);
        let answer = self.atom_mentions_uncached(a, v);
        self.mentions.borrow_mut().insert((a, v), answer);
        answer
    }

    fn atom_mentions_uncached(&self, a: AtomId, v: Var) -> bool {
        match &self.atoms[a as usize] {
            Atom::Input(_, args) | Atom::Partial(_, _, args) => args.iter().any(|c| c.mentions(v)),
            Atom::Node(_) | Atom::Size(_) => false,
            Atom::Index(c) => c.mentions(v),
            Atom::Delta(x, y) => x.mentions(v) || y.mentions(v),
            Atom::Exp(f) => self.frac_mentions(f, v),
            Atom::Func(_, _, args) => args.iter().any(|f| self.frac_mentions(f, v)),
            Atom::Pow(x, y) => self.frac_mentions(x, v) || self.frac_mentions(y, v),
            Atom::Sum(_, body) | Atom::Prod(_, body) => self.frac_mentions(body, v),
        }
    }

    fn frac_mentions(&self, f: &Frac, v: Var) -> bool {
        [&f.num, &f.den].iter().any(|p| p.0.keys().any(|m| m.0.iter().any(|&(a, _)| self.atom_mentions(a, v))))
    }
}
