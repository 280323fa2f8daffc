//! The terms of a polynomial: its monomials in increasing order, each once, with its coefficient.
//!
//! A sorted vector with the part of a `BTreeMap`'s interface the normaliser uses, in the same
//! order and with the same comparisons and hashes (a map compares and hashes as the sequence of
//! its pairs, and so does this vector). Nearly every polynomial has a handful of terms: a map
//! allocated a node for hundreds of them for each one, and walked it to drop it (7% of the work
//! of the shipped derivations). Sums and products of long polynomials are merged and sorted,
//! never built by inserting into the middle one term at a time.

use std::fmt;

use num_rational::BigRational;

use super::Mono;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Terms(Vec<(Mono, BigRational)>);

impl fmt::Debug for Terms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Terms {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The terms in increasing order of their monomials.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Mono, &BigRational)> + ExactSizeIterator + Clone {
        self.0.iter().map(|(m, c)| (m, c))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Mono> + ExactSizeIterator + Clone {
        self.0.iter().map(|(m, _)| m)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &BigRational> + ExactSizeIterator + Clone {
        self.0.iter().map(|(_, c)| c)
    }

    fn find(&self, m: &Mono) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.cmp(m))
    }

    pub fn get(&self, m: &Mono) -> Option<&BigRational> {
        self.find(m).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, m: &Mono) -> Option<&mut BigRational> {
        self.find(m).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, m: &Mono) -> bool {
        self.find(m).is_ok()
    }

    /// Sets the coefficient of `m`, giving back the one it had.
    pub fn insert(&mut self, m: Mono, c: BigRational) -> Option<BigRational> {
        match self.find(&m) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, c)),
            Err(i) => {
                self.0.insert(i, (m, c));
                None
            }
        }
    }

    pub fn remove(&mut self, m: &Mono) -> Option<BigRational> {
        self.find(m).ok().map(|i| self.0.remove(i).1)
    }

    pub fn first_key_value(&self) -> Option<(&Mono, &BigRational)> {
        self.0.first().map(|(m, c)| (m, c))
    }

    pub fn last_key_value(&self) -> Option<(&Mono, &BigRational)> {
        self.0.last().map(|(m, c)| (m, c))
    }

    /// Terms already in strictly increasing order of their monomials.
    pub(super) fn from_sorted(terms: Vec<(Mono, BigRational)>) -> Terms {
        debug_assert!(terms.windows(2).all(|w| w[0].0 < w[1].0));
        Terms(terms)
    }

    /// The terms, in increasing order of their monomials.
    pub(super) fn into_vec(self) -> Vec<(Mono, BigRational)> {
        self.0
    }
}

/// As a map is collected: in order, and of two pairs with one monomial the later.
impl FromIterator<(Mono, BigRational)> for Terms {
    fn from_iter<I: IntoIterator<Item = (Mono, BigRational)>>(iter: I) -> Terms {
        let mut v: Vec<(Mono, BigRational)> = iter.into_iter().collect();
        if v.windows(2).all(|w| w[0].0 < w[1].0) {
            return Terms(v);
        }
        // (Stable: pairs with one monomial keep their order, and the last of each run is kept.)
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Mono, BigRational)> = Vec::with_capacity(v.len());
        for (m, c) in v {
            match out.last_mut() {
                Some(last) if last.0 == m => last.1 = c,
                _ => out.push((m, c)),
            }
        }
        Terms(out)
    }
}

impl<const N: usize> From<[(Mono, BigRational); N]> for Terms {
    fn from(pairs: [(Mono, BigRational); N]) -> Terms {
        pairs.into_iter().collect()
    }
}

impl IntoIterator for Terms {
    type Item = (Mono, BigRational);
    type IntoIter = std::vec::IntoIter<(Mono, BigRational)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Terms {
    type Item = (&'a Mono, &'a BigRational);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Mono, BigRational)>, fn(&(Mono, BigRational)) -> (&Mono, &BigRational)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(m, c)| (m, c))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::hash::{DefaultHasher, Hash, Hasher};

    use num_bigint::BigInt;
    use num_traits::{One, Zero};
    use proptest::prelude::*;

    use super::super::{product, sum, too_long, Mono, Poly, MAX_TERMS};
    use super::*;

    /// A monomial over three atoms with exponents in -2..=2 (zero exponents left out).
    fn mono(powers: &[(u32, i32)]) -> Mono {
        let mut by_atom: BTreeMap<u32, i32> = BTreeMap::new();
        for &(a, e) in powers {
            *by_atom.entry(a).or_insert(0) += e;
        }
        Mono(by_atom.into_iter().filter(|&(_, e)| e != 0).collect())
    }

    /// A coefficient: small, or (`huge`) past half the bits a coefficient may have, so that a
    /// product of two is too long.
    fn coefficient(k: i64, huge: bool) -> BigRational {
        let base = if huge { BigInt::one() << 10_001 } else { BigInt::zero() };
        BigRational::new(base + k, BigInt::from(1 + k.rem_euclid(3)))
    }

    fn poly(terms: &[(Vec<(u32, i32)>, i64, bool)]) -> BTreeMap<Mono, BigRational> {
        terms.iter().map(|(m, k, huge)| (mono(m), coefficient(*k, *huge))).filter(|(_, c)| !c.is_zero()).collect()
    }

    fn terms_strategy() -> impl Strategy<Value = Vec<(Vec<(u32, i32)>, i64, bool)>> {
        let mono = prop::collection::vec((0u32..3, -2i32..=2), 0..3);
        prop::collection::vec((mono, -3i64..=3, prop::bool::weighted(0.1)), 0..9)
    }

    /// The product as a map of the terms made it (the normaliser's before the terms were a vector).
    fn map_product(
        a: &BTreeMap<Mono, BigRational>,
        b: &BTreeMap<Mono, BigRational>,
    ) -> Option<Vec<(Mono, BigRational)>> {
        let mut out: BTreeMap<Mono, BigRational> = BTreeMap::new();
        for (m1, c1) in a {
            for (m2, c2) in b {
                let m = m1.mul(m2)?;
                let c = product(c1, c2);
                match out.get(&m).cloned() {
                    None if c.is_zero() => {}
                    None if too_long(&c) => return None,
                    None => {
                        out.insert(m, c);
                    }
                    Some(t) => {
                        let total = sum(&t, &c);
                        if total.is_zero() {
                            out.remove(&m);
                        } else if too_long(&total) {
                            return None;
                        } else {
                            out.insert(m, total);
                        }
                    }
                }
            }
        }
        (out.len() <= MAX_TERMS).then(|| out.into_iter().collect())
    }

    /// The sum as a map of the terms made it.
    fn map_sum(a: &BTreeMap<Mono, BigRational>, b: &BTreeMap<Mono, BigRational>) -> Option<Vec<(Mono, BigRational)>> {
        let mut out = a.clone();
        for (m, c) in b {
            if let Some(t) = out.get(m).cloned() {
                let total = sum(&t, c);
                if total.is_zero() {
                    out.remove(m);
                } else if too_long(&total) {
                    return None;
                } else {
                    out.insert(m.clone(), total);
                }
            } else if !c.is_zero() {
                if too_long(c) {
                    return None;
                }
                out.insert(m.clone(), c.clone());
            }
        }
        (out.len() <= MAX_TERMS).then(|| out.into_iter().collect())
    }

    fn hash_of(x: &impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        x.hash(&mut h);
        h.finish()
    }

    fn of_map(map: &BTreeMap<Mono, BigRational>) -> Poly {
        Poly(map.clone().into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        /// Products and sums of polynomials are the terms a map made them, or give up where
        /// the map did.
        #[test]
        fn products_and_sums_are_those_of_a_map(a in terms_strategy(), b in terms_strategy()) {
            let (a, b) = (poly(&a), poly(&b));
            let (pa, pb) = (of_map(&a), of_map(&b));
            prop_assert_eq!(pa.mul(&pb).map(|p| p.0.into_vec()), map_product(&a, &b));
            prop_assert_eq!(pa.add(&pb).map(|p| p.0.into_vec()), map_sum(&a, &b));
        }

        /// Collected, compared and hashed as a map of the same pairs (the last of two pairs with
        /// one monomial kept).
        #[test]
        fn collected_compared_and_hashed_as_a_map(a in terms_strategy(), b in terms_strategy()) {
            let pairs = |t: &[(Vec<(u32, i32)>, i64, bool)]| -> Vec<(Mono, BigRational)> {
                t.iter().map(|(m, k, huge)| (mono(m), coefficient(*k, *huge))).collect()
            };
            let (ma, mb): (BTreeMap<_, _>, BTreeMap<_, _>) = (pairs(&a).into_iter().collect(), pairs(&b).into_iter().collect());
            let (ta, tb): (Terms, Terms) = (pairs(&a).into_iter().collect(), pairs(&b).into_iter().collect());
            prop_assert!(ta.iter().eq(ma.iter()));
            prop_assert_eq!(ta.cmp(&tb), ma.cmp(&mb));
            prop_assert_eq!(ta == tb, ma == mb);
            prop_assert_eq!(hash_of(&ta), hash_of(&ma));
            prop_assert_eq!(format!("{ta:?}"), format!("{ma:?}"));
        }

        /// Put in and taken out one at a time, as a map.
        #[test]
        fn inserted_and_removed_as_a_map(ops in prop::collection::vec((prop::bool::ANY, prop::collection::vec((0u32..3, -2i32..=2), 0..3), -3i64..=3), 0..30)) {
            let mut map: BTreeMap<Mono, BigRational> = BTreeMap::new();
            let mut terms = Terms::default();
            for (put, m, k) in ops {
                let m = mono(&m);
                if put {
                    prop_assert_eq!(terms.insert(m.clone(), coefficient(k, false)), map.insert(m, coefficient(k, false)));
                } else {
                    prop_assert_eq!(terms.remove(&m), map.remove(&m));
                }
                prop_assert!(terms.iter().eq(map.iter()));
                prop_assert_eq!(terms.first_key_value(), map.first_key_value());
                prop_assert_eq!(terms.last_key_value(), map.last_key_value());
            }
        }
    }
}
