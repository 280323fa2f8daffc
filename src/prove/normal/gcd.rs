//! Exact division and greatest common divisors of polynomials over the rationals, so that the
//! normaliser can keep fractions in lowest terms (`x (1 + e) / (1 + e)` is `x`).
//!
//! The polynomials here have no negative exponents (the caller clears them with a monomial). The
//! gcd is the classical recursive one: a polynomial is seen as univariate in its largest atom with
//! polynomial coefficients, the content (gcd of the coefficients) is split off recursively, and
//! the primitive parts go through a primitive pseudo-remainder sequence. Every loop draws on a
//! budget of work (products of monomials); past it the answer is `None`, and the caller keeps the
//! fraction as it was. Before that, [`surely_coprime`] rules out a common factor cheaply in most
//! cases.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use num_rational::BigRational;
use num_traits::{One, ToPrimitive};

use super::{rat, AtomId, Mono, Poly, Terms};

/// Takes `cost` units of work (products of monomials) from the budget, and from the file's
/// (`crate::work`); `None` when either is spent.
fn charge(work: &mut u32, cost: usize) -> Option<()> {
    *work = work.checked_sub(u32::try_from(cost).ok()?)?;
    crate::work::charge(cost as u64).ok()
}

/// The lexicographic monomial order with the largest atom most significant (a well-order on
/// monomials without negative exponents that respects multiplication, as division needs).
fn lex(a: &Mono, b: &Mono) -> Ordering {
    let (mut i, mut j) = (a.0.len(), b.0.len());
    loop {
        let x = i.checked_sub(1).map(|k| a.0[k]);
        let y = j.checked_sub(1).map(|k| b.0[k]);
        match (x, y) {
            (None, None) => return Ordering::Equal,
            (Some((_, e)), None) => return e.cmp(&0),
            (None, Some((_, f))) => return 0.cmp(&f),
            (Some((p, e)), Some((q, f))) => match p.cmp(&q) {
                Ordering::Greater => return e.cmp(&0),
                Ordering::Less => return 0.cmp(&f),
                Ordering::Equal if e != f => return e.cmp(&f),
                Ordering::Equal => {
                    i -= 1;
                    j -= 1;
                }
            },
        }
    }
}

/// The leading term in [`lex`] order of a non-zero polynomial.
pub(super) fn leading(p: &Poly) -> Option<(&Mono, &BigRational)> {
    p.0.iter().max_by(|x, y| lex(x.0, y.0))
}

/// `a / b` for monomials, if every exponent stays non-negative.
fn mono_quotient(a: &Mono, b: &Mono) -> Option<Mono> {
    let mut map: BTreeMap<AtomId, i32> = a.0.iter().copied().collect();
    for &(atom, e) in &b.0 {
        let left = map.entry(atom).or_insert(0);
        *left -= e;
        if *left < 0 {
            return None;
        }
    }
    Some(Mono(map.into_iter().filter(|&(_, e)| e != 0).collect()))
}

fn term(m: Mono, c: BigRational) -> Poly {
    Poly(Terms::from([(m, c)]))
}

fn one() -> Poly {
    Poly::constant(rat(1))
}

/// `a / b` when `b` divides `a` exactly: `Some(None)` when it does not, `None` past the budget.
pub(super) fn exact_quotient(a: &Poly, b: &Poly, work: &mut u32) -> Option<Option<Poly>> {
    let Some((lead_b, coef_b)) = leading(b) else { return Some(None) };
    let (lead_b, coef_b) = (lead_b.clone(), coef_b.clone());
    let minus_one = rat(-1);
    let mut rest = a.clone();
    let mut quotient = Poly::default();
    while let Some((lead, coef)) = leading(&rest) {
        charge(work, b.0.len() + rest.0.len() + quotient.0.len())?;
        let Some(m) = mono_quotient(lead, &lead_b) else { return Some(None) };
        let t = term(m, coef / &coef_b);
        rest = rest.add(&t.mul(b)?.scale(&minus_one))?;
        quotient = quotient.add(&t)?;
    }
    Some(Some(quotient))
}

/// The largest exponent of `v` in `p`.
fn degree(p: &Poly, v: AtomId) -> i32 {
    p.0.keys().map(|m| exponent(m, v)).max().unwrap_or(0)
}

fn exponent(m: &Mono, v: AtomId) -> i32 {
    m.0.iter().find(|&&(a, _)| a == v).map_or(0, |&(_, e)| e)
}

/// `p` as a polynomial in `v`: the coefficient (free of `v`) of each power.
fn coefficients(p: &Poly, v: AtomId) -> BTreeMap<i32, Poly> {
    let mut out: BTreeMap<i32, Poly> = BTreeMap::new();
    for (m, c) in &p.0 {
        let rest = Mono(m.0.iter().copied().filter(|&(a, _)| a != v).collect());
        out.entry(exponent(m, v)).or_default().0.insert(rest, c.clone());
    }
    out
}

/// `p · v^k`.
fn times_power(p: &Poly, v: AtomId, k: i32) -> Option<Poly> {
    if k == 0 {
        return Some(p.clone());
    }
    p.mul(&term(Mono(vec![(v, k)]), rat(1)))
}

/// `p` scaled so that its leading coefficient is 1.
fn monic(p: &Poly) -> Poly {
    match leading(p) {
        Some((_, c)) if !c.is_one() => p.scale(&c.recip()),
        _ => p.clone(),
    }
}

/// The gcd of the coefficients of `p` as a polynomial in `v`.
fn content(p: &Poly, v: AtomId, work: &mut u32) -> Option<Poly> {
    let mut g: Option<Poly> = None;
    for c in coefficients(p, v).into_values() {
        let next = match g {
            None => monic(&c),
            Some(g) => gcd(&g, &c, work)?,
        };
        if next.as_constant().is_some() {
            return Some(one());
        }
        g = Some(next);
    }
    Some(g.unwrap_or_else(one))
}

/// `p` divided by its content in `v`, monic.
fn primitive(p: &Poly, v: AtomId, work: &mut u32) -> Option<Poly> {
    let c = content(p, v, work)?;
    Some(monic(&exact_quotient(p, &c, work)??))
}

/// The pseudo-remainder of `a` by `b` in `v` (`b` of degree ≥ 1 in `v`).
fn pseudo_remainder(a: &Poly, b: &Poly, v: AtomId, work: &mut u32) -> Option<Poly> {
    let db = degree(b, v);
    let lead_b = coefficients(b, v).remove(&db)?;
    let minus_one = rat(-1);
    let mut r = a.clone();
    while !r.is_zero() && degree(&r, v) >= db {
        let dr = degree(&r, v);
        let lead_r = coefficients(&r, v).remove(&dr)?;
        charge(work, lead_r.0.len() * b.0.len() + lead_b.0.len() * r.0.len())?;
        // The leading terms cancel, so the degree in `v` drops.
        let t = times_power(&lead_r, v, dr - db)?.mul(b)?;
        r = lead_b.mul(&r)?.add(&t.scale(&minus_one))?;
    }
    Some(r)
}

/// The prime of the images in [`surely_coprime`] (products of two residues fit in a `u64`).
const PRIME: u64 = (1 << 31) - 1;

/// Whether two polynomials without negative exponents surely have no common factor, by a cheap
/// test that never errs when it answers `true` (`false` means only "maybe not"): for each atom `v`
/// in both, every other atom is given a fixed value modulo a prime, and the images, polynomials in
/// `v` over the integers modulo the prime, have a gcd of degree 0. If the two had a common factor
/// `g` of degree `d > 0` in `v`, the image of `g` would divide both images, with degree `d` as long
/// as the image of the leading coefficient of `a` in `v` is not 0 (which is checked), so their gcd
/// would have degree at least `d`.
pub(super) fn surely_coprime(a: &Poly, b: &Poly) -> bool {
    let atoms = |p: &Poly| -> std::collections::BTreeSet<AtomId> {
        p.0.keys().flat_map(|m| m.0.iter().map(|&(x, _)| x)).collect()
    };
    let (in_a, in_b) = (atoms(a), atoms(b));
    let mut shared = in_a.intersection(&in_b).peekable();
    if shared.peek().is_none() {
        return true;
    }
    // Every image needs every coefficient's residue and no negative exponent, whatever `v`.
    let (Some(values_a), Some(values_b)) = (values(a), values(b)) else { return false };
    shared.all(|&v| {
        let (image_a, image_b) = (image(&values_a, v), image(&values_b, v));
        // The leading coefficient of `a` in `v` must not vanish at the point.
        image_a.len() == usize::try_from(degree(a, v)).unwrap_or(0) + 1
            && image_a.last().is_some_and(|&c| c != 0)
            && univariate_gcd_degree(image_a, image_b) == 0
    })
}

/// `x^e` modulo [`PRIME`].
fn power_mod(mut x: u64, mut e: u64) -> u64 {
    let mut r = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = r * x % PRIME;
        }
        x = x * x % PRIME;
        e >>= 1;
    }
    r
}

/// A rational modulo [`PRIME`], if its denominator is invertible.
fn residue(c: &BigRational) -> Option<u64> {
    // Machine integers (nearly every coefficient) without big arithmetic: the same residues.
    let small = |x: &num_bigint::BigInt| x.to_i64().map(|x| x.rem_euclid(PRIME as i64) as u64);
    let (n, d) = match (small(c.numer()), small(c.denom())) {
        (Some(n), Some(d)) => (n, d),
        _ => {
            let p = num_bigint::BigInt::from(PRIME);
            let reduce = |x: &num_bigint::BigInt| -> Option<u64> { u64::try_from(((x % &p) + &p) % &p).ok() };
            (reduce(c.numer())?, reduce(c.denom())?)
        }
    };
    match d {
        0 => None,
        // An integer: no inverse to take.
        1 => Some(n),
        _ => Some(n * power_mod(d, PRIME - 2) % PRIME),
    }
}

/// The fixed value of an atom in the images: a hash of its id, never 0.
fn point(a: AtomId) -> u64 {
    let mut z = u64::from(a).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    1 + (z ^ (z >> 31)) % (PRIME - 1)
}

/// The value of each term of `p` with every atom at its [`point`], beside the term's monomial;
/// `None` where a coefficient has no residue or an exponent is negative (then no image exists).
fn values(p: &Poly) -> Option<Vec<(u64, &Mono)>> {
    p.0.iter()
        .map(|(m, c)| {
            let mut value = residue(c)?;
            for &(x, e) in &m.0 {
                value = value * power_mod(point(x), u64::try_from(e).ok()?) % PRIME;
            }
            Some((value, m))
        })
        .collect()
}

/// The image of a polynomial (its [`values`]) as a polynomial in `v` (coefficients by ascending
/// power, trailing zeros removed), with every other atom at its [`point`]: each term's value
/// divided by the power of `v`'s point (which is not 0 modulo the prime).
fn image(values: &[(u64, &Mono)], v: AtomId) -> Vec<u64> {
    let powers: Vec<usize> = values.iter().map(|(_, m)| exponent(m, v) as usize).collect();
    let mut out = vec![0; powers.iter().copied().max().unwrap_or(0) + 1];
    let inverse = power_mod(point(v), PRIME - 2);
    for (&(value, _), &power) in values.iter().zip(&powers) {
        let value = if power == 0 { value } else { value * power_mod(inverse, power as u64) % PRIME };
        out[power] = (out[power] + value) % PRIME;
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    out
}

/// The degree of the gcd of two polynomials over the integers modulo [`PRIME`] (-1 when both are
/// 0).
fn univariate_gcd_degree(mut a: Vec<u64>, mut b: Vec<u64>) -> i64 {
    while !b.is_empty() {
        // a mod b
        let inverse = power_mod(*b.last().unwrap_or(&1), PRIME - 2);
        while a.len() >= b.len() {
            let factor = a.last().copied().unwrap_or(0) * inverse % PRIME;
            let shift = a.len() - b.len();
            for (i, &x) in b.iter().enumerate() {
                a[shift + i] = (a[shift + i] + PRIME - factor * x % PRIME) % PRIME;
            }
            while a.last() == Some(&0) {
                a.pop();
            }
        }
        std::mem::swap(&mut a, &mut b);
    }
    i64::try_from(a.len()).unwrap_or(i64::MAX) - 1
}

/// A greatest common divisor of two polynomials without negative exponents, monic (unique up to
/// that); `None` past the budget.
pub(super) fn gcd(a: &Poly, b: &Poly, work: &mut u32) -> Option<Poly> {
    charge(work, 1)?;
    if a.is_zero() {
        return Some(monic(b));
    }
    if b.is_zero() {
        return Some(monic(a));
    }
    if a.as_constant().is_some() || b.as_constant().is_some() {
        return Some(one());
    }
    if a.0.len() == 1 || b.0.len() == 1 {
        // A monomial's divisors are monomials: the lowest power of each atom in every term.
        let mut lowest: Option<BTreeMap<AtomId, i32>> = None;
        for m in a.0.keys().chain(b.0.keys()) {
            let here: BTreeMap<AtomId, i32> = m.0.iter().copied().collect();
            lowest = Some(match lowest {
                None => here,
                Some(low) => {
                    low.into_iter().filter_map(|(atom, e)| here.get(&atom).map(|&f| (atom, e.min(f)))).collect()
                }
            });
        }
        return Some(term(Mono(lowest.unwrap_or_default().into_iter().collect()), rat(1)));
    }
    let v = a.0.keys().chain(b.0.keys()).flat_map(|m| m.0.iter().map(|&(x, _)| x)).max()?;
    let (content_a, content_b) = (content(a, v, work)?, content(b, v, work)?);
    let common = gcd(&content_a, &content_b, work)?;
    let pa = exact_quotient(a, &content_a, work)??;
    let pb = exact_quotient(b, &content_b, work)??;
    let g = if degree(&pa, v) == 0 || degree(&pb, v) == 0 {
        one()
    } else {
        let (mut r0, mut r1) = if degree(&pa, v) >= degree(&pb, v) { (pa, pb) } else { (pb, pa) };
        r1 = monic(&r1);
        loop {
            let r = pseudo_remainder(&r0, &r1, v, work)?;
            if r.is_zero() {
                break r1;
            }
            if degree(&r, v) == 0 {
                break one();
            }
            r0 = r1;
            r1 = primitive(&r, v, work)?;
        }
    };
    Some(monic(&common.mul(&g)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A polynomial from terms `(coefficient, [(atom, exponent)])`.
    fn poly(terms: &[(i64, &[(AtomId, i32)])]) -> Poly {
        let mut p = Poly::default();
        for &(c, m) in terms {
            p = p.add(&term(Mono(m.to_vec()), rat(c))).unwrap();
        }
        p
    }

    #[test]
    fn gcd_of_products_is_the_common_factor() {
        // (x + y)(x - 1) and (x + y)(y + 2): gcd x + y.
        let (x, y) = (0, 1);
        let s = poly(&[(1, &[(x, 1)]), (1, &[(y, 1)])]);
        let a = s.mul(&poly(&[(1, &[(x, 1)]), (-1, &[])])).unwrap();
        let b = s.mul(&poly(&[(1, &[(y, 1)]), (2, &[])])).unwrap();
        let mut work = 100_000;
        assert_eq!(gcd(&a, &b, &mut work), Some(monic(&s)));
        let q = exact_quotient(&a, &s, &mut work).unwrap().unwrap();
        assert_eq!(q, poly(&[(1, &[(x, 1)]), (-1, &[])]));
        assert_eq!(exact_quotient(&a, &poly(&[(1, &[(y, 1)]), (2, &[])]), &mut work), Some(None));
    }

    #[test]
    fn coprime_polynomials_have_gcd_one() {
        let (x, y) = (0, 1);
        let a = poly(&[(1, &[(x, 2)]), (1, &[(y, 2)])]);
        let b = poly(&[(1, &[(x, 1)]), (1, &[(y, 1)])]);
        let mut work = 100_000;
        assert_eq!(gcd(&a, &b, &mut work), Some(one()));
    }

    #[test]
    fn the_coprimality_test_sees_common_factors() {
        let (x, y, z) = (0, 1, 2);
        let s = poly(&[(1, &[(x, 1)]), (1, &[(y, 1)]), (3, &[])]);
        let a = s.mul(&poly(&[(1, &[(x, 1), (z, 1)]), (-1, &[])])).unwrap();
        let b = s.mul(&poly(&[(1, &[(y, 2)]), (2, &[(z, 1)])])).unwrap();
        assert!(!surely_coprime(&a, &b));
        assert!(surely_coprime(&a, &poly(&[(1, &[(y, 2)]), (2, &[(z, 1)])])));
        // A common factor in an atom that only one of them has beside it: z (x + 1) and z y.
        let c = poly(&[(1, &[(x, 1), (z, 1)]), (1, &[(z, 1)])]);
        assert!(!surely_coprime(&c, &poly(&[(1, &[(y, 1), (z, 1)])])));
    }

    #[test]
    fn a_spent_budget_gives_no_answer() {
        let (x, y) = (0, 1);
        let a = poly(&[(1, &[(x, 2)]), (1, &[(y, 2)])]);
        let b = poly(&[(1, &[(x, 1)]), (1, &[(y, 1)])]);
        let mut work = 1;
        assert_eq!(gcd(&a, &b, &mut work), None);
    }
}
