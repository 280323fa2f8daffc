//! The sampling plan: at which size instances, values of the free indices, array elements and
//! magnitudes of the inputs a derivation is evaluated. It only chooses samples (deterministically,
//! from the seed); it evaluates nothing and compares nothing.

use rand::Rng;

use super::CheckOptions;
use crate::model::{IndexId, IndexRange, Model};
use crate::numeric::coverage::{self, Coverage};
use crate::numeric::random::{Band, SIGNED_INPUTS};
use crate::numeric::{random, Sample};

/// The fewest samples a derivation is checked at.
pub(super) const MIN_SAMPLES: usize = 12;

/// The most combinations of the finite sets' members that the draws beside a scale go through.
const MAX_BAND_COMBINATIONS: u64 = 8;

/// A free index of a fixed range of up to this many values is drawn at every value.
const MAX_EVERY_VALUE: i64 = 64;

/// Sizes are tried from 1 to this.
pub(super) const MAX_SIZE: i64 = 5;

/// Every assignment of values to indices in their ranges.
pub(super) fn every_position(ranges: &[(IndexId, i64, i64)]) -> Vec<Vec<(IndexId, i64)>> {
    let mut all = vec![Vec::new()];
    for &(i, lo, hi) in ranges {
        all = all
            .into_iter()
            .flat_map(|p: Vec<(IndexId, i64)>| (lo..=hi).map(move |v| [p.clone(), vec![(i, v)]].concat()))
            .collect();
    }
    all
}

/// A size instance and index assignment drawn at: the instance's position, the sizes, the free
/// indices and the array elements.
pub(super) type Drawn = (usize, Vec<i64>, Vec<Option<i64>>, Vec<Vec<(IndexId, i64)>>);

/// Samples that differ only in the position of an array element: one evaluation serves them all.
pub(super) struct Group {
    /// The sample, without values for the element indices.
    pub(super) base: Sample,
    /// The values of the element indices, one assignment per element tried.
    pub(super) elements: Vec<Vec<(IndexId, i64)>>,
}

/// The samples of a derivation: several instances of the sizes (with more where a range the
/// derivation uses is empty or has no interior point at all of them), several values of the free
/// indices (bounds, random, interior, diagonals), several random draws of inputs and functions for
/// each; a few draws at other magnitudes (large, and on both sides of every kink and of a
/// constant added to an input); and for an array, every element (or, for a large one, its corners
/// and a random selection).
///
/// Without `searching` (every comparison is proved), the draws at other magnitudes and the exact
/// evaluation of sampled inputs are left out. A screen draws far less (see [`Draws::Screen`]).
pub(super) fn plan(
    model: &Model,
    d_index: usize,
    free: &[IndexId],
    cover: &Coverage,
    draws: Draws,
    options: &CheckOptions,
) -> Vec<Group> {
    let searching = draws == Draws::Search;
    let screen = draws == Draws::Screen;
    // The instances are drawn for the declared sizes; a sum of sizes written in a bound takes its
    // value from them.
    let declared: Vec<usize> = (0..model.sizes.len()).filter(|&s| model.declared_size(s)).collect();
    let n_sizes = declared.len();
    let full = |values: &[i64]| {
        let mut all = vec![1; model.sizes.len()];
        for (&s, &v) in declared.iter().zip(values) {
            all[s] = v;
        }
        model.fill_sizes(&mut all);
        all
    };
    let mut instances: Vec<Vec<i64>> = if screen {
        // A candidate that is right passes at any size; size 2 rules out most wrong ones (size 1
        // would hide index and sum mistakes) with the fewest array elements.
        vec![vec![2; n_sizes]]
    } else {
        (1..=MAX_SIZE).map(|v| vec![v; n_sizes]).collect()
    };
    if n_sizes >= 2 && !screen {
        let mut r = random::rng(&[options.seed, d_index as u64, 0x5126]);
        instances.extend(ordered_instances(n_sizes, &mut r));
        instances.push((0..n_sizes).map(|_| r.gen_range(1..=MAX_SIZE)).collect());
        instances.extend(one_apart_instances(n_sizes));
        // Two sizes: every pair of values up to MAX_SIZE (an adversarial tester: `delta(n, 4) *
        // delta(m, 1) * z = 0` and `delta(n, 2) * delta(m, 4) * z = 0` were `checked` at 20 of 20
        // seeds, their one pair never drawn).
        if n_sizes == 2 {
            for a in 1..=MAX_SIZE {
                for b in 1..=MAX_SIZE {
                    if !instances.contains(&vec![a, b]) {
                        instances.push(vec![a, b]);
                    }
                }
            }
        }
    }
    if n_sizes == 0 {
        instances.truncate(1);
    } else if !screen {
        instances.extend(past_constants(n_sizes, cover.index_constant));
    }
    // A declared size equal to a sum of others and one above it, each with the others at 1 (a
    // tester: `sum(j in 1..m+K, delta(j, i)) = 1` with `i in 1..n` holds only where n ≤ m + K,
    // and no instance put n above m + K: `checked` at 19 of 20 seeds).
    if !screen {
        let mut pairs = 0;
        for terms in model.size_sums.iter().filter(|t| !t.is_empty()) {
            let total: i64 = terms.iter().map(|&(_, c)| c).sum();
            for (k, &s) in declared.iter().enumerate() {
                if terms.iter().any(|&(t, _)| t == s) || pairs >= MAX_SUM_PAIRS {
                    continue;
                }
                pairs += 1;
                for v in [total, total + 1] {
                    let mut instance = vec![1; n_sizes];
                    instance[k] = v.min(COVER_MAX_SIZE);
                    instances.push(instance);
                }
            }
        }
    }
    instances.dedup();
    let mut instances: Vec<Vec<i64>> = instances.iter().map(|v| full(v)).collect();
    let (elements, free): (Vec<IndexId>, Vec<IndexId>) = free.iter().partition(|&&i| model.indices[i].hidden);
    let sampled: Vec<IndexRange> = free.iter().chain(&elements).map(|&i| model.indices[i].range).collect();
    if !screen {
        let extra = covering_instances(n_sizes, &full, &instances, cover, &sampled);
        instances.extend(extra);
    }
    // An `assume` of a sum over a range that is empty at some sizes cannot hold there (the sum is
    // 0, its total positive): where the derivation reads the family, the size at the range's
    // upper end is raised until the range has a value (a tester: with `index a in 1..n-1` and
    // `assume sum(a, y[a]) = 1`, the step restating the assumption was `wrong` "at n = 1"). Where
    // the family has no rows at those sizes, the assumption holds as it is. (Dropping the
    // instances lost the values they gave other sizes: a second tester.)
    let empty_sum = |a: &crate::model::Assumption, sizes: &[i64]| {
        let slots: Vec<IndexId> = model.entries[a.entry].range_slots().collect();
        let rows =
            slots.iter().enumerate().all(|(k, &i)| k == a.slot || !coverage::empty_at(model.indices[i].range, sizes));
        slots.get(a.slot).copied().filter(|&i| rows && coverage::empty_at(model.indices[i].range, sizes))
    };
    let read: Vec<&crate::model::Assumption> =
        model.assumptions.iter().filter(|a| cover.assumed.contains(&a.entry)).collect();
    if !read.is_empty() {
        let mut kept: Vec<Vec<i64>> = Vec::with_capacity(instances.len());
        for mut sizes in std::mem::take(&mut instances) {
            let mut raised = 0;
            while let Some(i) = read.iter().find_map(|a| empty_sum(a, &sizes)) {
                let r = model.indices[i].range;
                let value = |b: crate::model::Bound| b.offset + b.size.map_or(0, |s| sizes[s]);
                match r.hi.size.filter(|&s| model.declared_size(s)) {
                    Some(s) if raised < 4 => sizes[s] += value(r.lo) - value(r.hi),
                    _ => break,
                }
                model.fill_sizes(&mut sizes);
                raised += 1;
            }
            if read.iter().all(|a| empty_sum(a, &sizes).is_none()) && !kept.contains(&sizes) {
                kept.push(sizes);
            }
        }
        if !kept.is_empty() {
            instances = kept;
        }
    }
    // Free indices at their upper bounds, at random values, and at their lower bounds; then, with
    // one pair of draws each, at interior values and on the diagonals.
    let assignments = if free.is_empty() { 1 } else { 3 };
    let largest_set = model
        .domain_sets
        .iter()
        .map(|set| match set {
            crate::model::DomainSet::Finite(values) => values.len(),
            crate::model::DomainSet::Interval { .. } => 0,
        })
        .max()
        .unwrap_or(0);
    // Few combinations (a scalar derivation) get more draws each, so that every derivation is
    // tried at MIN_SAMPLES points at least. Draws come in mirrored pairs (every unrestricted input
    // negated), so each sign of each input is tried.
    let combos = instances.len() * assignments;
    // The values each free index is also drawn at, a pair of draws each at the first instance
    // whose range holds it: the numbers it is compared with or bounded by and one past each, and
    // every value of a fixed range of up to MAX_EVERY_VALUE values (the bounds, random and interior
    // values miss one value in the middle of a fixed range: an adversarial tester).
    let mut wanted: Vec<(IndexId, i64)> = Vec::new();
    if !screen {
        for &i in &free {
            let r = model.indices[i].range;
            let fixed = (r.lo.size.is_none() && r.hi.size.is_none()).then_some((r.lo.offset, r.hi.offset));
            let every = fixed.filter(|(lo, hi)| hi - lo < MAX_EVERY_VALUE);
            let values = cover
                .index_values
                .iter()
                .flat_map(|&v| [v, v + 1])
                .chain(every.into_iter().flat_map(|(lo, hi)| lo..=hi));
            for v in values {
                if fixed.is_none_or(|(lo, hi)| (lo..=hi).contains(&v)) && !wanted.contains(&(i, v)) {
                    wanted.push((i, v));
                }
            }
        }
    }
    let mut groups = Vec::new();
    // Every size instance and index assignment drawn at, for the draws at other magnitudes.
    let mut drawn: Vec<Drawn> = Vec::new();
    for (inst_idx, sizes) in instances.iter().enumerate() {
        let bound = |b: crate::model::Bound| b.offset + b.size.map_or(0, |s| sizes[s]);
        let range = |i: IndexId| {
            let r = model.indices[i].range;
            (i, bound(r.lo), bound(r.hi))
        };
        let ranges: Vec<(IndexId, i64, i64)> = free.iter().map(|&i| range(i)).collect();
        let element_ranges: Vec<(IndexId, i64, i64)> = elements.iter().map(|&i| range(i)).collect();
        if ranges.iter().chain(&element_ranges).any(|&(_, lo, hi)| lo > hi) {
            continue;
        }
        let mut r = random::rng(&[options.seed, d_index as u64, inst_idx as u64, 0xe1]);
        let positions = element_positions(&element_ranges, &mut r);
        // Every element of an array counts as a sample (at least `--samples` draws, in pairs).
        let mut per_combo =
            options.samples.max(1).max(MIN_SAMPLES.div_ceil(combos * positions.len())).next_multiple_of(2);
        // Class labels take every value of their range over the draws of an instance: the pairs
        // after the first of each kind of assignment (all of the random kind) go through the
        // values strictly inside the range, the first pairs have the bounds.
        let labels: Vec<(IndexId, i64, i64)> =
            ranges.iter().copied().filter(|&(i, _, _)| model.indices[i].label).collect();
        let widest = labels.iter().map(|&(_, lo, hi)| hi - lo + 1).max().unwrap_or(0);
        if !screen && widest > 2 {
            let pairs = ((widest - 2 + 2) / 3 + 1).min(MAX_LABEL_PAIRS) as usize;
            per_combo = per_combo.max(2 * pairs);
        }
        // Several labels go through their combinations (three kinds of assignment rotate them,
        // one rotation per pair of draws after the first of the bounds' kinds).
        if !screen && labels.len() >= 2 {
            let pairs = (label_combinations(&labels).saturating_add(4) / 3).min(MAX_LABEL_COMBINATION_PAIRS) as usize;
            per_combo = per_combo.max(2 * pairs);
        }
        // A finite set's members, a pair of draws for two of them at every other pair (`Sample::turn`;
        // the pairs between draw at random, so that two inputs of sets meet in other
        // combinations too): enough pairs to go through a set of up to 2 MAX_LABEL_PAIRS members.
        if !screen && largest_set > 2 {
            per_combo = per_combo.max(4 * largest_set.div_ceil(2).min(MAX_LABEL_PAIRS as usize));
        }
        // Several scalar inputs of sets go through every combination of their members, one at each
        // turn (a turn every other pair of draws).
        let finite = cover.finite.filter(|_| !screen);
        if let Some(f) = finite {
            per_combo = per_combo.max(4 * f.turns() as usize);
        }
        let mut rotation = 0i64;
        let mut assigned: Vec<Vec<Option<i64>>> = Vec::new();
        // The values wanted (above) that this instance's ranges hold.
        let here: Vec<(IndexId, i64)> = wanted
            .iter()
            .copied()
            .filter(|&(i, v)| ranges.iter().any(|&(j, lo, hi)| j == i && (lo..=hi).contains(&v)))
            .collect();
        wanted.retain(|w| !here.contains(w));
        // Two free indices or more also take their bounds apart (kind 4), one order at the even
        // instances and the other at the odd ones.
        let kinds = match free.len() {
            0 => 1,
            1 => 4,
            _ => 5,
        };
        // A screen draws once, at random values of the free indices.
        let (kinds, per_combo) = match (screen, free.is_empty()) {
            (false, _) => (0..kinds, per_combo),
            (true, true) => (0..1, 1),
            (true, false) => (1..2, 1),
        };
        // Three free indices or more also take the patterns of equal ones between (`i = j ≠ k`):
        // each a pair of draws (kinds from `PATTERNS` on).
        let patterns = if screen { Vec::new() } else { equality_patterns(ranges.len(), options.seed, d_index) };
        // Free indices that a delta compares at an offset (`delta(i, j+2)`) are also drawn so.
        let offsets: &[(IndexId, IndexId, i64)] = if screen { &[] } else { &cover.offsets };
        let offsets_from = PATTERNS + patterns.len();
        let values_from = offsets_from + offsets.len();
        for a in kinds.chain(PATTERNS..values_from + here.len()) {
            let mut r = random::rng(&[options.seed, d_index as u64, inst_idx as u64, a as u64, 0x1d]);
            let kind = if a == 4 { 4 + inst_idx % 2 } else { a };
            let values = if a >= values_from {
                let (i, v) = here[a - values_from];
                let mut values = assignment(1, &ranges, model.indices.len(), true, &mut r);
                values[i] = Some(v);
                values
            } else if a >= offsets_from {
                match offset_assignment(offsets[a - offsets_from], &ranges, model.indices.len(), &mut r) {
                    Some(values) => values,
                    None => continue,
                }
            } else {
                match a.checked_sub(PATTERNS) {
                    Some(p) => match pattern_assignment(&patterns[p], &ranges, model.indices.len(), &mut r) {
                        Some(values) => values,
                        None => continue,
                    },
                    None => assignment(kind, &ranges, model.indices.len(), !screen, &mut r),
                }
            };
            // (The kinds that rotate labels are never dropped as repeats: where the random kind
            // drew a bound, the bounds' kind was, and with it the label's lower bound, `delta(y,
            // 1) = 0` for `y in 1..3` `checked` at 7 of 20 seeds: a reviewer.)
            if (a >= 3 || labels.is_empty()) && assigned.contains(&values) {
                continue;
            }
            assigned.push(values.clone());
            drawn.push((inst_idx, sizes.clone(), values.clone(), positions.clone()));
            let draws = if a < 3 { per_combo } else { 2 };
            for s in 0..draws {
                let pair = (s / 2) as u64;
                let seed = random::key(&[options.seed, d_index as u64, inst_idx as u64, a as u64, pair]);
                let mut values = values.clone();
                if a < 3 && (pair > 0 || a == 1) && !labels.is_empty() {
                    match labels.as_slice() {
                        [(i, lo, hi)] => values[*i] = Some(label_value(*lo, *hi, rotation)),
                        _ => {
                            for (&(i, _, _), v) in labels.iter().zip(label_combination(&labels, rotation)) {
                                values[i] = Some(v);
                            }
                        }
                    }
                    if s % 2 == 1 {
                        rotation += 1;
                    }
                }
                let mut base = Sample::standard(sizes.clone(), values, seed, s % 2 == 1);
                // (A screen's one draw stays a random member, as do the odd pairs.)
                base.turn = (!screen && pair.is_multiple_of(2)).then_some(pair / 2);
                base.finite = finite;
                // The first draw of each combination is also evaluated exactly where it can be:
                // rational steps are then compared without rounding.
                base.exact_inputs = searching && s == 0;
                groups.push(Group { base, elements: positions.clone() });
            }
        }
    }
    // One mirrored pair of draws per band (one draw for each half of the small band), spread over
    // the combinations drawn at.
    let bands = if searching { bands(cover) } else { Vec::new() };
    for (j, &(band, draws)) in bands.iter().enumerate() {
        if drawn.is_empty() {
            break;
        }
        let at =
            if bands.len() <= drawn.len() { (2 * j + 1) * drawn.len() / (2 * bands.len()) } else { j % drawn.len() };
        let (inst_idx, sizes, values, positions) = &drawn[at];
        // The magnitudes matter here, not the elements: a spread of them is enough.
        let step = positions.len().div_ceil(BAND_ELEMENTS).max(1);
        let elements: Vec<Vec<(IndexId, i64)>> = positions.iter().step_by(step).cloned().collect();
        // Beside a scale (a kink's place), scalar inputs of finite sets go through their few
        // combinations too, a pair of draws each (an adversarial tester: `t*s*step(p - 0.97) =
        // 0` with `t`, `s` in `{0, 1}` met `t = s = 1` beside 0.97 at 3 of 20 seeds only).
        // (Every combination in the first draws of the pairs: the mirrored ones may leave the
        // scale, as an interval's are taken to its other end.)
        let finite =
            cover.finite.filter(|f| f.combinations() <= MAX_BAND_COMBINATIONS && matches!(band, Band::Side { .. }));
        let draws = finite.map_or(draws, |f| draws.max(2 * f.combinations() as usize));
        for s in 0..draws {
            let seed = random::key(&[options.seed, d_index as u64, *inst_idx as u64, 0xba4d, j as u64]);
            let mut base = Sample { band, ..Sample::standard(sizes.clone(), values.clone(), seed, s % 2 == 1) };
            if finite.is_some() {
                base.turn = Some((s / 2) as u64);
                base.finite = finite;
            }
            groups.push(Group { base, elements: elements.clone() });
        }
    }
    groups
}

/// Two instances of `n` sizes in which every two sizes are ordered one way and then the other:
/// the first gives the sizes different values spread over 2 to [`MAX_SIZE`] (2 and 5 for two
/// sizes; 2, 3 or 4, and 5 for three), in a random order (random values once there are more
/// sizes than values), and the second mirrors it (`s` → `MAX_SIZE + 2 - s`), which reverses every
/// strict order. A step that holds only where `n ≤ m` (`sum(i, sum(j, delta(i, j))) = n`, which
/// is `min(n, m)`) is then drawn where it fails at every seed, and so is one that holds only where
/// two sizes are at most one apart (`sum(k in m..n, c) = (n - m + 1)*c`, false where the range is
/// empty, m ≥ n + 2); three independent random instances missed `n > m` at one seed in five.
/// (Equal sizes are drawn at the instances 1, 2, …, and sizes of 1 at the first of them and the
/// random instance.)
pub(super) fn ordered_instances(n: usize, r: &mut impl Rng) -> [Vec<i64>; 2] {
    let all: Vec<i64> = (2..=MAX_SIZE).collect();
    // The values spread over the range: its two ends first, then values between them at random.
    let mut values: Vec<i64> = vec![all[0], all[all.len() - 1]];
    let mut between: Vec<i64> = all[1..all.len() - 1].to_vec();
    while values.len() < n.min(all.len()) {
        values.push(between.swap_remove(r.gen_range(0..between.len())));
    }
    values.truncate(n);
    // In a random order (a Fisher–Yates shuffle), then random values for the sizes past them.
    for k in (1..values.len()).rev() {
        values.swap(k, r.gen_range(0..=k));
    }
    let first: Vec<i64> = (0..n).map(|k| values.get(k).copied().unwrap_or_else(|| r.gen_range(2..=MAX_SIZE))).collect();
    let mirrored = first.iter().map(|s| MAX_SIZE + 2 - s).collect();
    [first, mirrored]
}

/// Instances where one size is one or two more than every other (2 and 3 against 1, 3 against 2), for each of
/// the first [`MAX_ONE_APART`] sizes: a step false only where two sizes are one apart (`delta(n,
/// m + 1) z = 0`, false at n = m + 1; `sum(k in 2..n, …)` empty at n = 1 beside m = 2) was drawn
/// at the instances above at few seeds (`checked` at 17 of 20: an adversarial tester), and one
/// false where they are two apart (`delta(n, m + 2) z = 0`) at 11 of 20 (a reviewer).
pub(super) fn one_apart_instances(n: usize) -> Vec<Vec<i64>> {
    // (And 3 against 2: `delta(n, m + 1) delta(m, 2) z = 0` is false at (3, 2) alone, a second
    // tester.)
    [(2, 1), (3, 1), (3, 2)]
        .into_iter()
        .flat_map(|(v, others)| {
            (0..n.min(MAX_ONE_APART)).map(move |k| {
                let mut instance = vec![others; n];
                instance[k] = v;
                instance
            })
        })
        .collect()
}

/// How many sizes [`one_apart_instances`] raises in turn, at most.
const MAX_ONE_APART: usize = 4;

/// Two instances with every size at the largest number an index is compared with, and one past
/// it (up to [`COVER_MAX_SIZE`]), where that number is beyond the sizes drawn anyway: `sum(i,
/// sum(k in 1..5, delta(i, k))) = n` holds up to n = 5, `delta(n, 6) * c = 0` fails at n = 6
/// only, `sum(t in 1..8, delta(i, t)) * c = c` from n = 9; each was `checked` at every seed.
pub(super) fn past_constants(n: usize, constant: i64) -> Vec<Vec<i64>> {
    if constant < MAX_SIZE {
        return Vec::new();
    }
    let at = constant.min(COVER_MAX_SIZE);
    let past = (constant + 1).min(COVER_MAX_SIZE);
    let mut out = vec![vec![at; n]];
    if past != at {
        out.push(vec![past; n]);
    }
    out
}

/// The value of a class label over `lo..=hi` at the `c`-th pair of draws that rotate it: the
/// values strictly inside the range in turn (the bounds are drawn at the first pairs).
pub(super) fn label_value(lo: i64, hi: i64, c: i64) -> i64 {
    if hi - lo >= 2 {
        lo + 1 + c.rem_euclid(hi - lo - 1)
    } else {
        lo + c.rem_euclid(hi - lo + 1)
    }
}

/// At most this many pairs of draws per kind of assignment are made for the values of labels.
pub(super) const MAX_LABEL_PAIRS: i64 = 8;

/// At most this many pairs of draws per kind of assignment for the combinations of several
/// labels: enough for every combination of two labels of up to 6 values (3 × 13 - 2 rotations:
/// a label of `0..K` beside one of `1..K`, a second tester); past that number of combinations,
/// each label rotates on its own (see [`label_combination`]).
const MAX_LABEL_COMBINATION_PAIRS: i64 = 13;

/// How many combinations of values several labels have (at most `i64::MAX`).
fn label_combinations(labels: &[(IndexId, i64, i64)]) -> i64 {
    labels.iter().fold(1i64, |n, &(_, lo, hi)| n.saturating_mul((hi - lo + 1).max(1)))
}

/// The values of several class labels at the `c`-th pair of draws that rotates them: their
/// combinations over their whole ranges, in an order that changes every label's value from one
/// rotation to the next (a stride coprime to their number), so that `c` = 0, 1, … goes through
/// every combination before one comes again. Each label had the same rotation of its own range
/// before, so two labels of one range were drawn equal or at the bounds only: `delta(ya, 1) *
/// delta(yb, 2) = 0` was `checked` at every seed (a student tester).
fn label_combination(labels: &[(IndexId, i64, i64)], c: i64) -> Vec<i64> {
    let total = label_combinations(labels).max(1);
    // More combinations than the draws go through (a label of a wide range, three labels): each
    // label goes through its own range at a stride of its own, so that every label changes at
    // every pair (counted in one number, the first label of 1..1000 went through 25 values while
    // the second stayed at its lower bound: `delta(yb, 3) * step(ya - 2) = 0` was `checked` at 16
    // of 20 seeds, a reviewer).
    if total > 3 * MAX_LABEL_COMBINATION_PAIRS - 2 {
        const STRIDES: [i64; 9] = [1, 7, 11, 13, 17, 19, 23, 29, 31];
        return labels
            .iter()
            .enumerate()
            .map(|(k, &(_, lo, hi))| {
                let width = (hi - lo + 1).max(1);
                let stride = STRIDES.iter().skip(k % STRIDES.len()).find(|&&p| width % p != 0).copied().unwrap_or(1);
                lo + (c.rem_euclid(width) as i128 * stride as i128 + k as i128).rem_euclid(width as i128) as i64
            })
            .collect();
    }
    let stride = [7, 11, 13, 17, 19, 23, 29, 31, 37].into_iter().find(|p| total % p != 0).unwrap_or(1);
    let mut k = (c.rem_euclid(total) as i128 * stride as i128 % total as i128) as i64;
    labels
        .iter()
        .map(|&(_, lo, hi)| {
            let width = (hi - lo + 1).max(1);
            let v = lo + k % width;
            k /= width;
            v
        })
        .collect()
}

/// How many draws a plan makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Draws {
    /// Every comparison is proved: the numbers cross-check the proofs at the usual draws.
    CrossCheck,
    /// The full plan: also draws at other magnitudes, and exact evaluation of sampled inputs.
    Search,
    /// A screen of many candidates: one draw at size 2 and at random values of the free indices.
    /// It rules candidates out; it never makes a verdict.
    Screen,
}

/// The values of the free indices for one kind of assignment: 0 their upper bounds, 1 random
/// values (different from each other where their ranges leave room, unless `distinct` is false),
/// 2 their lower bounds, 3 interior values on the diagonals (indices whose ranges meet take
/// one value, strictly inside the common part of their ranges where it has such values), 4 and 5
/// their bounds in turn (the first at its lower bound, the second at its upper one, …; 5 the
/// other way round), so that two indices of one range are as far apart as it allows, each way
/// (`sum(k in 0..n, delta(k, i - l + 1)) = 1` fails only where l ≥ i + 2).
pub(super) fn assignment(
    kind: usize,
    ranges: &[(IndexId, i64, i64)],
    n_indices: usize,
    distinct: bool,
    r: &mut impl Rng,
) -> Vec<Option<i64>> {
    // Only the indices of `ranges` get a value: `evaluate_all` tells samples apart by those alone.
    let mut values = vec![None; n_indices];
    match kind {
        1 => {
            // Random values, each different from those already drawn for the other free indices
            // where its range leaves room (a few tries): the bounds and the diagonals put indices
            // of one range at one value, so this is where `j ≠ l` is visited (`(δ(j, l) - p[j])`
            // for `(δ(j, l) - p[l])` differs only there). A repair's screen (`distinct` false)
            // draws each independently: a change that matters only on a diagonal must show there.
            let mut used: Vec<i64> = Vec::new();
            for &(i, lo, hi) in ranges {
                let mut v = r.gen_range(lo..=hi);
                for _ in 0..if distinct { 16 } else { 0 } {
                    if !used.contains(&v) {
                        break;
                    }
                    v = r.gen_range(lo..=hi);
                }
                used.push(v);
                values[i] = Some(v);
            }
        }
        0 | 2 => {
            for &(i, lo, hi) in ranges {
                values[i] = Some(if kind == 0 { hi } else { lo });
            }
        }
        4 | 5 => {
            for (k, &(i, lo, hi)) in ranges.iter().enumerate() {
                values[i] = Some(if (k % 2 == 0) == (kind == 4) { lo } else { hi });
            }
        }
        _ => {
            // Classes of indices whose ranges share a part, each with that part.
            let mut classes: Vec<(Vec<IndexId>, i64, i64)> = Vec::new();
            for &(i, lo, hi) in ranges {
                match classes.iter_mut().find(|(_, l, h)| lo.max(*l) <= hi.min(*h)) {
                    Some(class) => {
                        class.0.push(i);
                        class.1 = class.1.max(lo);
                        class.2 = class.2.min(hi);
                    }
                    None => classes.push((vec![i], lo, hi)),
                }
            }
            for (members, lo, hi) in classes {
                let v = inside(r, lo, hi);
                for i in members {
                    values[i] = Some(v);
                }
            }
        }
    }
    values
}

/// The first kind of assignment that is a pattern of equal indices (after the kinds of
/// [`assignment`]).
const PATTERNS: usize = 6;

/// Up to this many free indices, every pattern of equal ones is drawn at (15 for four, 52 for
/// five); past it, this many patterns drawn at random.
const ALL_PATTERNS_UP_TO: usize = 5;
const RANDOM_PATTERNS: usize = 24;

/// The patterns of equality among `n` free indices that the other kinds of assignment do not draw
/// (all equal, all different): each as the block of every index (indices of one block take one
/// value, of two blocks different values). The kinds of [`assignment`] put every index at one
/// value, at different values, or alternately at the two bounds; a step wrong only where two of
/// three indices are equal and the third is not (`diff(x[i]*x[j], x[k])` as `delta(i,k)*x[j] +
/// delta(j,k)*x[j]`, wrong only where j = k ≠ i) was `checked` at every seed (the prover tester,
/// 5 December).
fn equality_patterns(n: usize, seed: u64, d_index: usize) -> Vec<Vec<usize>> {
    if n < 3 {
        return Vec::new();
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    if n <= ALL_PATTERNS_UP_TO {
        // Every set partition, as a restricted growth string (each index in a block already
        // opened or the next one).
        let mut growth = vec![0usize; n];
        loop {
            out.push(growth.clone());
            // The next string: the last position that can grow grows, those after it restart.
            let Some(k) = (1..n).rev().find(|&k| growth[k] <= *growth[..k].iter().max().unwrap_or(&0)) else {
                break;
            };
            growth[k] += 1;
            growth[k + 1..].iter_mut().for_each(|g| *g = 0);
        }
    } else {
        let mut r = random::rng(&[seed, d_index as u64, 0x9a77]);
        for _ in 0..RANDOM_PATTERNS {
            let mut growth = vec![0usize; n];
            for k in 1..n {
                let open = growth[..k].iter().max().map_or(0, |m| m + 1);
                growth[k] = r.gen_range(0..=open);
            }
            if !out.contains(&growth) {
                out.push(growth);
            }
        }
    }
    // All equal and all different are drawn by the other kinds.
    out.retain(|g| g.iter().any(|&b| b != 0) && g.iter().enumerate().any(|(k, &b)| b != k));
    out
}

/// The values of the free indices with `a = b + d` (`offset`), the others at random values: `b`
/// at a random value that puts `a` inside its range too. None where no value does, or where `a`
/// or `b` is not among `ranges`.
fn offset_assignment(
    (a, b, d): (IndexId, IndexId, i64),
    ranges: &[(IndexId, i64, i64)],
    n_indices: usize,
    r: &mut impl Rng,
) -> Option<Vec<Option<i64>>> {
    let range = |i: IndexId| ranges.iter().find(|m| m.0 == i).map(|m| (m.1, m.2));
    let ((a_lo, a_hi), (b_lo, b_hi)) = (range(a)?, range(b)?);
    let (lo, hi) = (b_lo.max(a_lo.saturating_sub(d)), b_hi.min(a_hi.saturating_sub(d)));
    if lo > hi {
        return None;
    }
    let mut values = assignment(1, ranges, n_indices, true, r);
    let v = r.gen_range(lo..=hi);
    values[b] = Some(v);
    values[a] = Some(v + d);
    Some(values)
}

/// The values of the free indices for a pattern of equality (`blocks[k]` the block of the k-th
/// index of `ranges`): each block at one value inside every range of its indices, different from
/// the other blocks' where the ranges leave room (a few tries). None where a block's ranges have
/// no value in common.
fn pattern_assignment(
    blocks: &[usize],
    ranges: &[(IndexId, i64, i64)],
    n_indices: usize,
    r: &mut impl Rng,
) -> Option<Vec<Option<i64>>> {
    let mut values = vec![None; n_indices];
    let mut used: Vec<i64> = Vec::new();
    for block in 0..=blocks.iter().copied().max().unwrap_or(0) {
        let members: Vec<&(IndexId, i64, i64)> =
            ranges.iter().zip(blocks).filter(|(_, &b)| b == block).map(|(m, _)| m).collect();
        let lo = members.iter().map(|m| m.1).max()?;
        let hi = members.iter().map(|m| m.2).min()?;
        if lo > hi {
            return None;
        }
        let mut v = r.gen_range(lo..=hi);
        for _ in 0..16 {
            if !used.contains(&v) {
                break;
            }
            v = r.gen_range(lo..=hi);
        }
        used.push(v);
        for m in members {
            values[m.0] = Some(v);
        }
    }
    Some(values)
}

/// A random value strictly between two bounds, or between them where there is none.
pub(super) fn inside(r: &mut impl Rng, lo: i64, hi: i64) -> i64 {
    if hi - lo >= 2 {
        r.gen_range(lo + 1..hi)
    } else {
        r.gen_range(lo..=hi)
    }
}

/// The bands of magnitudes drawn at besides the usual one, each with its number of draws: large
/// inputs, inputs on each side of every scale the derivation has (a kink, a constant added to an
/// input) and between two kinks too close to be two scales, and small inputs. A band is drawn at by a mirrored pair; the small band's two halves
/// once each, unmirrored, so that its two draws are at two magnitudes (a mirrored pair is at one,
/// and a positive input keeps its value in it), one of them below [`SMALL_SPLIT`].
pub(super) fn bands(cover: &Coverage) -> Vec<(Band, usize)> {
    if !cover.random.contains(&true) {
        return Vec::new();
    }
    // (Large draws compare only values computed without finite differences: forward mode takes
    // most derivatives, and a draw where differences gave a value is left out when compared.)
    let mut out: Vec<Band> = LARGE.iter().map(|&(lo, hi)| Band::Between(lo, hi)).collect();
    for &scale in &cover.scales {
        out.push(Band::Side { scale, above: false, alone: None, together: false });
        out.push(Band::Side { scale, above: true, alone: None, together: false });
        // Where two inputs or more are read, a pair with all of them past the scale on one side
        // of 0 together (the pair above, of random signs, reaches that in one pair of two).
        if cover.inputs.len() >= 2 {
            out.push(Band::Side { scale, above: true, alone: None, together: true });
        }
    }
    out.extend(cover.gaps.iter().map(|&(lo, hi)| Band::Gap(lo, hi)));
    if cover.relative_kink {
        out.extend([Band::Between(WIDE.0, WIDE.1); WIDE_DRAWS]);
        out.extend([Band::Together; TOGETHER_DRAWS]);
    }
    let mut out: Vec<(Band, usize)> = out.into_iter().map(|b| (b, 2)).collect();
    // Beside a kink at 0 of an input whose interval holds 0 near one end, a draw on each side.
    if cover.zero_kink {
        out.extend([(Band::Zero { above: true, mixed: false }, 1), (Band::Zero { above: false, mixed: false }, 1)]);
        out.extend([(Band::Zero { above: true, mixed: true }, 1); ZERO_MIXED_DRAWS]);
    }
    // Where a kink or a domain's edge sits at 0 of something and two inputs or more are read,
    // draws of set signs: in the pair of bit `b`, the inputs whose rank has bit `b` set are
    // negative, so that every two of them differ in sign in one pair (see [`Band::Signs`]).
    if cover.edge_at_zero && cover.inputs.len() >= 2 {
        let mut ranked = [u32::MAX; SIGNED_INPUTS];
        for (slot, &entry) in ranked.iter_mut().zip(&cover.inputs) {
            *slot = u32::try_from(entry).unwrap_or(u32::MAX);
        }
        let signed = cover.inputs.len().min(SIGNED_INPUTS);
        let bits = usize::BITS - (signed - 1).leading_zeros();
        out.extend((0..bits).map(|bit| (Band::Signs { bit: bit as u8, ranked }, 2)));
    }
    out.extend([(Band::Between(SMALL.0, SMALL_SPLIT), 1), (Band::Between(SMALL_SPLIT, SMALL.1), 1)]);
    // Where two inputs or more are read, draws with one of them on a side of a scale and the
    // others at the usual magnitudes: a mirrored pair each (an input of any sign is on the side at
    // both signs), for up to [`ALONE_INPUTS`] inputs of each scale, those that what sits there
    // reads (else the model's first ones). (The first six inputs of the model at the first three
    // scales were tried: a ninth input, or a fourth scale, was never drawn so; a second tester.)
    if cover.inputs.len() >= 2 {
        for (k, &scale) in cover.scales.iter().enumerate() {
            let own = cover.scale_inputs.get(k).filter(|ins| !ins.is_empty());
            let inputs = own.unwrap_or(&cover.inputs);
            for above in [false, true] {
                let alone = inputs.iter().take(ALONE_INPUTS);
                out.extend(alone.map(|&entry| (Band::Side { scale, above, alone: Some(entry), together: false }, 2)));
            }
        }
    }
    // Near each kink where parts meet at far ratios, on each side a mirrored pair of draws
    // (inputs of every sign on both sides of 0) and one more draw (the mirror keeps inputs of
    // one sign, whose pair is one point twice).
    for &meeting in &cover.meetings {
        for above in [true, false] {
            out.extend([(Band::Near { meeting, above }, 2), (Band::Near { meeting, above }, 1)]);
        }
    }
    // Between two places of one input's kinks, two mirrored pairs of draws (the mirror moves
    // the inputs the places are solved from, and the drawn input with them).
    for &(from, to) in &cover.across {
        out.extend([(Band::Across { from, to }, 2), (Band::Across { from, to }, 2)]);
    }
    out
}

/// How many inputs of a scale have draws of their own on a side of it (see [`Band::Side`]): those
/// its kinks read with the fewest others first.
pub(super) const ALONE_INPUTS: usize = 6;

/// The band of a derivation with a kink where two inputs meet (`step(dl - abs(yh))`): each input
/// drawn on its own over three decades, so that their ratio, and the side of the kink, varies
/// (an input of a bounded domain keeps its interval).
pub(super) const WIDE: (f64, f64) = (0.02, 20.0);

/// How many pairs of draws the wide band gets: a threshold between two positive inputs (whose
/// mirrored draws are the same) is passed at about one wide draw in two.
pub(super) const WIDE_DRAWS: usize = 4;

/// How many pairs of draws the band of inputs of one sign gets ([`Band::Together`]): each pair
/// passes between a kink where two inputs meet and one at 0 at one time in two (with four, one
/// seed of 200 still missed `diff(relu(x - y), y) = -step(x)`; with six, none of 300, and one of
/// 300 missed `diff(max(x, y), y) = step(y)`).
pub(super) const TOGETHER_DRAWS: usize = 6;

/// The magnitudes of the small draws, below the usual ones (which start at 0.2): two draws, one
/// in each half (split at [`SMALL_SPLIT`]), where a step is wrong only near 0 (`log(exp(40*x) + exp(-40*x))/40 = abs(x)` is off by
/// 0.017 at 0 and by 5e-11 at 0.25).
pub(super) const SMALL: (f64, f64) = (1e-3, 0.2);

/// Where the small band is halved (on a log scale).
pub(super) const SMALL_SPLIT: f64 = 0.014;

/// The magnitudes of the large draws: one pair of draws in each band.
pub(super) const LARGE: [(f64, f64); 2] = [(10.0, 100.0), (100.0, 1000.0)];

/// At most this many elements of an array are compared at a draw at other magnitudes.
pub(super) const BAND_ELEMENTS: usize = 16;

/// Draws at magnitudes beyond this compare only values computed without finite differences.
pub(super) const MODERATE: f64 = random::MODERATE;

/// The draws beside 0 in which each input of an interval takes its side at random: two inputs are
/// on two sides at one of them in all but one in 256.
const ZERO_MIXED_DRAWS: usize = 8;

/// The largest size an instance added to reach a range may have.
pub(super) const COVER_MAX_SIZE: i64 = 16;

/// How many vectors of sizes the search for such an instance looks at, at most.
pub(super) const COVER_SEARCH: usize = 20_000;

/// How many such instances are added, at most.
pub(super) const MAX_COVER_INSTANCES: usize = 2;

/// Instances of the sizes to add so that every range that the derivation uses and whose length
/// depends on the sizes is non-empty, and has a value strictly between its bounds, at some
/// instance: each the smallest (by its largest size, then in order) that reaches the most of the
/// ranges not yet reached, up to sizes of [`COVER_MAX_SIZE`]. An added instance leaves no free
/// index without values, and reads no entry outside its range where every instance tried before
/// reads inside it.
pub(super) fn covering_instances(
    n_sizes: usize,
    full: &dyn Fn(&[i64]) -> Vec<i64>,
    base: &[Vec<i64>],
    cover: &Coverage,
    sampled: &[IndexRange],
) -> Vec<Vec<i64>> {
    if n_sizes == 0 || cover.ranges.is_empty() {
        return Vec::new();
    }
    let valid = |sizes: &[i64]| sampled.iter().all(|&r| !coverage::empty_at(r, sizes));
    let level = |r: IndexRange, sizes: &[i64]| {
        if coverage::has_interior_at(r, sizes) {
            2
        } else {
            u8::from(!coverage::empty_at(r, sizes))
        }
    };
    let tried: Vec<&Vec<i64>> = base.iter().filter(|s| valid(s)).collect();
    let kept_reads: Vec<&coverage::Read> =
        cover.reads.iter().filter(|read| tried.iter().all(|s| read.in_range_at(s))).collect();
    let mut reached: Vec<u8> =
        cover.ranges.iter().map(|&r| tried.iter().map(|s| level(r, s)).max().unwrap_or(0)).collect();
    let mut added = Vec::new();
    while added.len() < MAX_COVER_INSTANCES && reached.iter().any(|&l| l < 2) {
        let mut best: Option<(usize, Vec<i64>)> = None;
        let mut looked = 0;
        'search: for m in 1..=COVER_MAX_SIZE {
            let mut declared = vec![1; n_sizes];
            loop {
                looked += 1;
                if looked > COVER_SEARCH {
                    break 'search;
                }
                let sizes = full(&declared);
                if declared.contains(&m) && valid(&sizes) && kept_reads.iter().all(|read| read.in_range_at(&sizes)) {
                    let gain: usize = cover
                        .ranges
                        .iter()
                        .zip(&reached)
                        .map(|(&r, &l)| usize::from(level(r, &sizes).saturating_sub(l)))
                        .sum();
                    if gain > best.as_ref().map_or(0, |b| b.0) {
                        best = Some((gain, sizes.clone()));
                    }
                }
                // The next vector of [1, m]^n, the last size fastest.
                let Some(k) = (0..n_sizes).rev().find(|&k| declared[k] < m) else { break };
                declared[k] += 1;
                declared[k + 1..].iter_mut().for_each(|s| *s = 1);
            }
        }
        let Some((_, sizes)) = best else { break };
        for (l, &r) in reached.iter_mut().zip(&cover.ranges) {
            *l = (*l).max(level(r, &sizes));
        }
        added.push(sizes);
    }
    added
}

/// At most this many pairs of a sum of sizes and another size are drawn apart (two instances
/// each: the size equal to the sum, and one above it).
const MAX_SUM_PAIRS: usize = 4;

/// Arrays with at most this many elements are compared at every element.
pub(super) const MAX_ELEMENTS: i64 = 4096;

/// Larger ones at their corners and this many random elements.
pub(super) const RANDOM_ELEMENTS: usize = 256;

/// The element positions to compare: all of them, or for a large array its corners and a random
/// selection.
pub(super) fn element_positions(ranges: &[(IndexId, i64, i64)], r: &mut impl Rng) -> Vec<Vec<(IndexId, i64)>> {
    let count = ranges.iter().try_fold(1i64, |acc, &(_, lo, hi)| acc.checked_mul(hi - lo + 1));
    if count.is_some_and(|c| c <= MAX_ELEMENTS) {
        return every_position(ranges);
    }
    let mut picked: Vec<Vec<(IndexId, i64)>> = Vec::new();
    for corner in 0..(1usize << ranges.len()) {
        picked.push(
            ranges
                .iter()
                .enumerate()
                .map(|(k, &(i, lo, hi))| (i, if corner >> k & 1 == 1 { hi } else { lo }))
                .collect(),
        );
    }
    for _ in 0..RANDOM_ELEMENTS {
        picked.push(ranges.iter().map(|&(i, lo, hi)| (i, r.gen_range(lo..=hi))).collect());
    }
    picked.sort();
    picked.dedup();
    picked
}

#[cfg(test)]
mod tests {
    use super::{label_combination, label_combinations, label_value};

    #[test]
    fn several_labels_go_through_every_combination() {
        for (a, b) in [(3, 3), (5, 5), (2, 5), (4, 1)] {
            let labels = [(0, 1, a), (1, 1, b)];
            let total = label_combinations(&labels);
            let mut seen: Vec<Vec<i64>> = (0..total).map(|c| label_combination(&labels, c)).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len() as i64, total, "{a} × {b}");
        }
    }

    #[test]
    fn labels_of_a_wide_range_change_each_at_every_rotation() {
        // (A reviewer: counted in one number, `yb` stayed at its lower bound.)
        let labels = [(0, 1, 1000), (1, 1, 5)];
        let second: Vec<i64> = (0..5).map(|c| label_combination(&labels, c)[1]).collect();
        let mut seen = second.clone();
        seen.sort();
        seen.dedup();
        assert_eq!(seen, [1, 2, 3, 4, 5], "{second:?}");
        // (And four labels of 1..100000 overflow nothing.)
        let wide = [(0, 1, 100_000), (1, 1, 100_000), (2, 1, 100_000), (3, 1, 100_000)];
        assert_eq!(label_combinations(&wide), i64::MAX);
        assert_eq!(label_combination(&wide, 12).len(), 4);
    }

    #[test]
    fn labels_go_through_every_value_inside_their_range() {
        // 1..7: the bounds at the first pairs, 2..6 in turn at the others.
        let inside: Vec<i64> = (0..5).map(|c| label_value(1, 7, c)).collect();
        assert_eq!(inside, [2, 3, 4, 5, 6]);
        assert_eq!(label_value(1, 7, 5), 2);
        // Two values: both in turn.
        assert_eq!([label_value(0, 1, 0), label_value(0, 1, 1)], [0, 1]);
    }
}
