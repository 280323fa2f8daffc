//! What the samples of a derivation must reach, read off its expressions and everything they use
//! (definitions, functions, unknown nodes' dependencies): the index ranges whose emptiness depends
//! on the sizes, the entries read at index arithmetic, and the magnitudes at which an input changes
//! behaviour (a kink at `min(g, 5)`, a constant added to it in `sqrt(v + 1e-12)`).
//!
//! Nothing here evaluates the model at a sample; it is read once per derivation, and the plan of
//! samples (`check/plan.rs`) chooses sizes and input bands from it. (Floats of numbers and of a
//! function of one input only say where to sample.)

use super::value::ratio_to_f64;
use crate::model::{
    expansion, subst_locals, Builtin, Domain, DomainSet, EntryId, EntryKind, EntryRef, Expr, IndexId, IndexRange, Ix,
    IxVar, Model, SizeId,
};

/// `constant + Σ coef·size`, saturating.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Affine {
    constant: i64,
    sizes: Vec<(SizeId, i64)>,
}

impl Affine {
    fn constant(k: i64) -> Affine {
        Affine { constant: k, sizes: Vec::new() }
    }

    fn of(b: crate::model::Bound) -> Affine {
        Affine { constant: b.offset, sizes: b.size.map(|s| vec![(s, 1)]).unwrap_or_default() }
    }

    /// `self + k·other`.
    fn plus(&self, other: &Affine, k: i64) -> Affine {
        let mut out = self.clone();
        out.constant = out.constant.saturating_add(other.constant.saturating_mul(k));
        for &(s, c) in &other.sizes {
            let add = c.saturating_mul(k);
            match out.sizes.iter_mut().find(|(t, _)| *t == s) {
                Some((_, existing)) => *existing = existing.saturating_add(add),
                None => out.sizes.push((s, add)),
            }
        }
        out.sizes.retain(|&(_, c)| c != 0);
        out
    }

    /// The value at the given sizes.
    pub fn at(&self, sizes: &[i64]) -> i64 {
        self.sizes.iter().fold(self.constant, |acc, &(s, c)| {
            acc.saturating_add(c.saturating_mul(sizes.get(s).copied().unwrap_or(1)))
        })
    }

    /// Whether it depends on a size.
    fn varies(&self) -> bool {
        !self.sizes.is_empty()
    }

    /// Whether it is ≥ 0 at some sizes ≥ 1 (it grows without bound in a size with a positive
    /// coefficient; otherwise it is largest where every size is 1).
    fn sometimes_nonnegative(&self) -> bool {
        self.sizes.iter().any(|&(_, c)| c > 0) || self.at(&[]) >= 0
    }

    /// Whether it is < 0 at some sizes ≥ 1.
    fn sometimes_negative(&self) -> bool {
        self.sizes.iter().any(|&(_, c)| c < 0) || self.at(&[]) < 0
    }
}

/// The number of values of a range less one (negative when it is empty).
fn width(r: IndexRange) -> Affine {
    Affine::of(r.hi).plus(&Affine::of(r.lo), -1)
}

/// Whether a range is empty at the given sizes.
pub fn empty_at(r: IndexRange, sizes: &[i64]) -> bool {
    width(r).at(sizes) < 0
}

/// Whether a range has a value strictly between its bounds at the given sizes.
pub fn has_interior_at(r: IndexRange, sizes: &[i64]) -> bool {
    width(r).at(sizes) >= 2
}

/// Whether a range is empty at some sizes and not at others: a `sum` over it may be vacuous.
pub fn may_be_vacuous(r: IndexRange) -> bool {
    let w = width(r);
    w.varies() && w.sometimes_negative() && w.sometimes_nonnegative()
}

/// Whether a range's number of values depends on the sizes.
pub fn varies(r: IndexRange) -> bool {
    width(r).varies()
}

/// An entry read at index expressions: in its range at given sizes when some range it is read
/// under is empty there (the read never happens), or when every least and greatest value of its
/// index expressions lies in the slot's range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The ranges of the sums and indices the read happens under.
    guards: Vec<IndexRange>,
    /// `value - lower bound` and `upper bound - value` at the extremes, each to be ≥ 0.
    margins: Vec<Affine>,
}

impl Read {
    /// Whether the read stays in its ranges at the given sizes.
    pub fn in_range_at(&self, sizes: &[i64]) -> bool {
        self.guards.iter().any(|&g| empty_at(g, sizes)) || self.margins.iter().all(|m| m.at(sizes) >= 0)
    }
}

/// What the samples of a derivation must reach.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Every index range used whose number of values depends on the sizes, once each.
    pub ranges: Vec<IndexRange>,
    /// Every entry read at an index expression that depends on a size or a range.
    pub reads: Vec<Read>,
    /// For each expression: the ranges of its `sum`s and `prod`s (with those of the definitions
    /// and functions it uses) that are empty at some sizes and not at others.
    pub sums: Vec<Vec<IndexRange>>,
    /// Magnitudes at which an input changes behaviour: where a kink sits (solved for the thing
    /// it is a kink of, where that is linear: `min(g, 5)` at 5, `step(0.2 - abs(x))` at 0.2), and
    /// constants added to an input that lie outside the usual draws (`v + 1e-12`). At most
    /// [`MAX_SCALES`], kinks first, none within a factor of [`SCALE_RATIO`] of another.
    pub scales: Vec<f64>,
    /// Magnitudes between two kinks too close to be two scales (within [`SCALE_RATIO`]): the
    /// piece between them, which the bands of their scale leave out (`hardtanh(100*x - 50)` is
    /// steep only on (0.49, 0.51)). At most [`MAX_SCALES`].
    pub gaps: Vec<(f64, f64)>,
    /// Whether a kink sits where two inputs (or other random parts) meet rather than at a
    /// magnitude: `step(dl - abs(yh))`, `max(a, b)`, `clamp(x, -d, d)` (a formula of `max` and `min`). Which side a draw lands on
    /// then depends on the inputs' ratio, which the usual draws (all at one scale) may never
    /// change enough: a bounded `yh in (0, 1)` beside a positive `dl` drawn from [0.2, 3] is past
    /// the threshold in one draw of nine. The plan adds draws at independent magnitudes.
    pub relative_kink: bool,
    /// Whether a kink or a domain's edge sits at 0 (`relu(y)`, `log(y)`) and the model has an
    /// input whose interval holds 0 in its outer tenth (`y in (-0.01, 1)`), which the usual
    /// draws never put on the short side of it: the plan adds a draw on each side of 0.
    pub zero_kink: bool,
    /// Whether a kink or a domain's edge sits at 0 of something the expressions compute
    /// (`log(u/v)`, `relu(x*y)`): the plan adds draws of set signs ([`Band::Signs`]) where two
    /// inputs or more are read.
    pub edge_at_zero: bool,
    /// Inputs drawn near a kink where parts meet at far ratios (`step(1000*x - y)` sits where y
    /// is 1000 times x, which draws of the two at like magnitudes never reach). At most
    /// [`MAX_MEETINGS`].
    pub meetings: Vec<Meeting>,
    /// Pairs of places where two kinks of one input sit, at least one of them moving with other
    /// inputs (`step(Q - r)` beside `step(1.2 - r)`: r = Q and r = 1.2), to draw the input
    /// between (the piece where the two kinks disagree, narrow where Q's interval is: `Q in
    /// (1.05, 1.3)`, a PPO clip with ε put in as 0.2; a student's `step(Q - r) = step(1.2 - r)`
    /// was `checked` at 24 of 40 seeds). At most [`MAX_ACROSS`].
    pub across: Vec<(Meeting, Meeting)>,
    /// For each expression: whether it reads a random quantity (an input, an unknown function or
    /// node).
    pub random: Vec<bool>,
    /// The declared sizes the expressions depend on (through a range they use, an index or a value
    /// that reads a size), in model order: a counterexample names these only (a TA: every
    /// counterexample of a numbers-only Adam part began "at Dk = 1, Dv = 1, N = 1, T = 1", the
    /// sizes of other parts).
    pub sizes: Vec<SizeId>,
    /// For each expression: whether it is worth evaluating exactly at sampled inputs — it has no
    /// derivative, unknown function or node, or transcendental function that would make the
    /// exact evaluation give up anyway.
    pub rational: Vec<bool>,
    /// For each expression: whether its value comes from finite differences (a `diff`, a partial
    /// derivative of an unknown node, a prime of a `let` function).
    pub differenced: Vec<bool>,
    /// The largest number an index is compared with: a constant of an index expression (`x[i+6]`,
    /// `delta(n, 6)`) or a bound of a range (`k in 1..8`, `1..n-6`). Sizes past it change what
    /// such a step says (`sum(i, sum(k in 1..5, delta(i, k)))` is `min(n, 5)`).
    pub index_constant: i64,
    /// The numbers an index is compared with or bounded by, as written (`3` of `delta(i, 3)` and
    /// of `x[3]`, `8` of `k in 1..8`), at most [`MAX_INDEX_VALUES`], smallest first: the plan
    /// draws each free index at each of them and one past it that its range holds (an adversarial
    /// tester: `0*x[i] = delta(i, 3)*x[i]` with `i in 1..4` was `checked` at 7 of 20 seeds, and
    /// `delta(y, 37)*z = 0` for a label of 100 classes at 20 of 20).
    pub index_values: Vec<i64>,
    /// Pairs of free indices that a Kronecker delta compares at an offset, `(a, b, d)` for
    /// `delta(a, b + d)` (d ≠ 0), at most [`MAX_OFFSETS`]: the plan draws them so (a tester:
    /// `delta(i, j+2)*c = 0` was `checked` at 9 of 20 seeds, i = j + 2 drawn by chance only).
    pub offsets: Vec<(IndexId, IndexId, i64)>,
    /// The families under an `assume` that the expressions read (through definitions too).
    pub assumed: Vec<EntryId>,
    /// The scalar inputs of finite sets the expressions read, where there are two to eight and
    /// their combinations take at most [`MAX_FINITE_TURNS`] turns: the draws go through every
    /// combination ([`FiniteTurns`]).
    pub finite: Option<FiniteTurns>,
    /// For each scale, the input families what sits there reads (the kink's argument, the input a
    /// constant is added to), as far as [`INPUTS_READ`] nodes tell.
    pub scale_inputs: Vec<Vec<EntryId>>,
    /// The input families the expressions read (through definitions too), in the model's order.
    pub inputs: Vec<EntryId>,
}

/// At most this many numbers of [`Coverage::index_values`] are kept.
pub const MAX_INDEX_VALUES: usize = 8;

/// At most this many offset pairs of free indices are drawn at.
pub const MAX_OFFSETS: usize = 4;

/// The most turns the draws take to go through the combinations of the members of finite sets
/// ([`Coverage::finite`]): 64, seven inputs of two members (a step false at one combination of
/// four inputs of `{0, 1}` was `checked` at 4 of 20 seeds, of seven at 8 of 10: an adversarial
/// tester).
pub const MAX_FINITE_TURNS: u64 = 64;

/// The scalar inputs of finite sets a derivation reads, as the digits of a number in mixed radix:
/// at turn `t` of a combination's draws, input `r` takes the member `(t / Π_{j<r} n_j) mod n_r`
/// places past its own random one, so that turns `0..combinations` go through every
/// combination of their members. Where the last (most significant) has two members, half the
/// turns do: the mirrored draw of a pair takes every input's member half-way round its set
/// ([`mirrored`](super::random::mirrored)), a one-to-one map that turns that digit over, so the
/// combinations with it at 0 and their mirrors are all of them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FiniteTurns {
    /// The inputs (entries), the first `count` of them.
    pub entries: [EntryId; 8],
    /// Their sets' sizes.
    pub members: [u64; 8],
    /// How many there are.
    pub count: usize,
}

impl FiniteTurns {
    /// The number of turns that go through every combination of the members.
    pub fn turns(&self) -> u64 {
        let all: u64 = self.members[..self.count].iter().product();
        if self.count > 0 && self.members[self.count - 1] == 2 {
            all / 2
        } else {
            all
        }
    }

    /// The number of combinations of the members: the turns that go through every one of them in
    /// the first draws of the pairs alone (where the mirrored draws leave them: a draw beside a
    /// scale inside an interval, mirrored to the other end).
    pub fn combinations(&self) -> u64 {
        self.members[..self.count].iter().product()
    }

    /// How many places past its random member an input takes at a turn, where it is one of them.
    pub fn digit(&self, entry: EntryId, turn: u64) -> Option<u64> {
        let r = self.entries[..self.count].iter().position(|&e| e == entry)?;
        let below: u64 = self.members[..r].iter().product();
        Some((turn / below) % self.members[r])
    }
}

/// An input to draw near a kink whose argument is a sum of parts at far ratios (`1000*x - y`,
/// `x - y + 0.001*z`): solved from the other parts, `input = Σ c·partner + constant` (the
/// argument's 0), then moved off it to one side by a fraction of the smallest part
/// (`Band::Near`). Parts that are not inputs read at the input's subscripts (or at none) are left
/// out of the sum: the draw is then only near the kink.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meeting {
    /// The input drawn so (every entry of its family): the part with the largest coefficient
    /// that is an input.
    pub input: EntryId,
    /// The inputs it is solved from.
    pub partners: [Option<Partner>; MEETING_PARTNERS],
    /// `-c/a` of the argument's constant `c`.
    pub constant: f64,
    /// About the largest magnitude the input is drawn at (from the partners' domains).
    pub top: f64,
}

/// A part of a [`Meeting`]'s kink that is an input, read at the solved input's subscripts (or at
/// none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Partner {
    /// The input read.
    pub input: EntryId,
    /// Its coefficient in the solution: `-b/a` of `a·solved + b·partner`.
    pub coefficient: f64,
    /// Whether the part is its magnitude (`abs(y)`).
    pub abs: bool,
}

/// The most pairs of kinks of one input drawn between ([`Coverage::across`]), two pairs of draws
/// each.
pub const MAX_ACROSS: usize = 6;
/// The most places of kinks solved for an input that [`Coverage::across`] pairs.
const MAX_SOLUTIONS: usize = 16;

/// The most other parts an input of a [`Meeting`] is solved from.
pub const MEETING_PARTNERS: usize = 4;

/// The most magnitudes drawn at besides the usual ones.
pub const MAX_SCALES: usize = 6;
/// The most kinks at far ratios drawn near ([`Meeting`]), two pairs of draws each.
pub const MAX_MEETINGS: usize = 3;
/// Parts of a kink whose coefficients lie this far apart meet at a far ratio: nearer ratios are
/// reached by the usual draws (±[0.25, 2]) and the wide ones. (It was 4: the wedge between
/// `x = y` and `x = 2y`, where `diff(relu(x - 2*y), x)` and `step(x - y)` differ, was missed at a
/// third of the seeds; an adversarial tester's finding.)
pub const RATIO_MIN: f64 = 1.5;
/// The most parts of a kink's argument looked at for far ratios.
const RATIO_PARTS: usize = 8;
/// Magnitudes closer than this factor are drawn at once.
pub const SCALE_RATIO: f64 = 1.25;
/// Two kinks' magnitudes within this factor of each other have the piece between them drawn at
/// (a [`Coverage::gaps`] entry) as well as each one's sides.
const NEAR_SCALES: f64 = 2.0;
/// Constants added to an input between these bounds are inside the usual draws.
const USUAL_SCALES: (f64, f64) = (0.2, 3.0);

/// Reads what the samples of the expressions of a derivation must reach.
pub fn coverage(model: &Model, exprs: &[&Expr]) -> Coverage {
    let mut out = Coverage::default();
    let mut kinks: Vec<Place> = Vec::new();
    let mut constants: Vec<Place> = Vec::new();
    let mut inputs: Vec<EntryId> = Vec::new();
    let mut solutions: Vec<Meeting> = Vec::new();
    for e in exprs {
        let mut walk = Walk::new(model);
        walk.expr(e);
        for r in &walk.ranges {
            walk.sizes.extend(r.lo.size.into_iter().chain(r.hi.size));
        }
        for &s in &walk.sizes {
            let sum = model.size_sums.get(s).filter(|t| !t.is_empty());
            for t in sum.map_or_else(|| vec![s], |t| t.iter().map(|&(t, _)| t).collect()) {
                if !out.sizes.contains(&t) {
                    out.sizes.push(t);
                }
            }
        }
        out.index_constant = out.index_constant.max(walk.index_constant);
        for v in walk.index_values {
            if !out.index_values.contains(&v) && out.index_values.len() < MAX_INDEX_VALUES {
                out.index_values.push(v);
            }
        }
        out.index_values.sort_unstable();
        for (id, _) in walk.entries_seen.iter().enumerate().filter(|(_, seen)| **seen) {
            if model.assumptions.iter().any(|a| a.entry == id) && !out.assumed.contains(&id) {
                out.assumed.push(id);
            }
            if matches!(model.entries[id].kind, EntryKind::Input(_)) && !inputs.contains(&id) {
                inputs.push(id);
            }
        }
        for pair in walk.offsets {
            if out.offsets.len() < MAX_OFFSETS && !out.offsets.contains(&pair) {
                out.offsets.push(pair);
            }
        }
        for r in walk.ranges {
            if varies(r) && !out.ranges.contains(&r) {
                out.ranges.push(r);
            }
        }
        for read in walk.reads {
            if !out.reads.contains(&read) {
                out.reads.push(read);
            }
        }
        out.sums.push(walk.sums);
        kinks.extend(walk.kinks);
        out.relative_kink |= walk.relative_kink;
        out.zero_kink |= walk.zero_kink && model.domain_sets.iter().any(zero_near_an_end);
        out.edge_at_zero |= walk.zero_kink;
        for m in walk.meetings {
            if out.meetings.len() < MAX_MEETINGS && !out.meetings.contains(&m) {
                out.meetings.push(m);
            }
        }
        for m in walk.solutions {
            if solutions.len() < MAX_SOLUTIONS && !solutions.contains(&m) {
                solutions.push(m);
            }
        }
        if walk.truncated {
            kinks.extend(walk.body_kinks);
            out.relative_kink |= walk.body_relative;
        }
        constants.extend(walk.constants);
        out.random.push(walk.random);
        out.rational.push(walk.rational);
        out.differenced.push(walk.differenced);
    }
    out.finite = finite_turns(model, &inputs);
    let unusual = constants.into_iter().filter(|c| c.0 < USUAL_SCALES.0 || c.0 > USUAL_SCALES.1);
    let n_kinks = kinks.len();
    let mut places: Vec<f64> = kinks.iter().map(|k| k.0).filter(|c| c.is_finite() && *c > 0.0).collect();
    // Each scale's inputs with the fewest inputs of a kink there that reads them: an input a kink
    // reads alone comes first (`relu(e - 500)` beside `relu(a + b + c + d - 500)`: `e` was the
    // fifth, past those drawn alone; a second reviewer).
    let mut ranked: Vec<Vec<(usize, EntryId)>> = Vec::new();
    for (i, (c, inputs)) in kinks.into_iter().chain(unusual).enumerate() {
        if !c.is_finite() || c <= 0.0 {
            continue;
        }
        let arity = inputs.len();
        let Some(k) = out.scales.iter().position(|&s| c.max(s) / c.min(s) < SCALE_RATIO) else {
            if out.scales.len() < MAX_SCALES {
                out.scales.push(c);
                ranked.push(inputs.into_iter().map(|input| (arity, input)).collect());
            }
            continue;
        };
        // One scale: what sits there reads the inputs of both.
        for input in inputs {
            match ranked[k].iter_mut().find(|(_, seen)| *seen == input) {
                Some(known) => known.0 = known.0.min(arity),
                None => ranked[k].push((arity, input)),
            }
        }
        // Two kinks at distinct magnitudes, one scale: the piece between them.
        let s = out.scales[k];
        if i < n_kinks && c.max(s) / c.min(s) > 1.0 + 1e-9 && out.gaps.len() < MAX_SCALES {
            let gap = (c.min(s), c.max(s));
            if !out.gaps.contains(&gap) {
                out.gaps.push(gap);
            }
        }
    }
    // Two kinks at near scales: the piece between them too (the sides of each scale reach into
    // it at random: `sqrt((x - 3)*(x - 4))^2 = (x - 3)*(x - 4)`, false on (3, 4), was `checked`
    // at half the seeds, a second tester).
    places.sort_by(f64::total_cmp);
    places.dedup();
    // (Not two places of one kink found twice, a root and a pole at 30 and 30.000000000000004:
    // every draw between them was one of them, where one side may be undefined; an adversarial
    // tester's `relu(1/(x - 30) - 1)*(x - 30)^2 = relu((31 - x)*(x - 30))`, `wrong` at x = 30.)
    for pair in places.windows(2) {
        let gap = (pair[0], pair[1]);
        let apart = gap.1 / gap.0 > 1.0 + 1e-9;
        if apart && gap.1 / gap.0 <= NEAR_SCALES && out.gaps.len() < MAX_SCALES && !out.gaps.contains(&gap) {
            out.gaps.push(gap);
        }
    }
    out.scale_inputs = ranked
        .into_iter()
        .map(|mut inputs| {
            inputs.sort_by_key(|&(arity, _)| arity);
            inputs.into_iter().map(|(_, input)| input).collect()
        })
        .collect();
    // Two places of one input's kinks, one of them moving with another input: the piece between.
    // (Two numbers are the gaps above.)
    'pairs: for (i, a) in solutions.iter().enumerate() {
        for b in &solutions[i + 1..] {
            if out.across.len() >= MAX_ACROSS {
                break 'pairs;
            }
            let moving = |m: &Meeting| m.partners.iter().any(Option::is_some);
            if a.input == b.input && (moving(a) || moving(b)) {
                out.across.push((*a, *b));
            }
        }
    }
    out.sizes.sort_unstable();
    inputs.sort_unstable();
    out.inputs = inputs;
    out
}

/// Whether an interval holds 0 where the usual draws (its middle 90%) and those of its outer
/// tenth may leave one side of 0 unvisited: within a tenth of its width of an end.
fn zero_near_an_end(set: &DomainSet) -> bool {
    let DomainSet::Interval { lo, hi, .. } = set else { return false };
    let (lo, hi) = (ratio_to_f64(lo), ratio_to_f64(hi));
    lo < 0.0 && 0.0 < hi && (-lo).min(hi) < (hi - lo) / 10.0
}

/// One pass over an expression and everything it uses, each definition and function once.
struct Walk<'m> {
    model: &'m Model,
    entries_seen: Vec<bool>,
    functions_seen: Vec<bool>,
    formulas_seen: Vec<Builtin>,
    /// How many bodies of functions and formulas (over their parameters) are being walked: their
    /// kinks are read at each use instead, with the arguments put in ([`Walk::instance`]).
    in_body: usize,
    /// How many more nodes [`Walk::instance`] may visit and build.
    instance_budget: usize,
    /// Whether [`Walk::instance`] stopped short (at its depth or budget) somewhere: then the kinks
    /// of the bodies over their parameters count too, as they did before kinks were read at uses.
    truncated: bool,
    /// The kinks of the bodies read over their parameters (and whether one was relative).
    body_kinks: Vec<Place>,
    body_relative: bool,
    /// Whether a function's body has a kink anywhere in it, once known.
    kinked_functions: Vec<Option<bool>>,
    /// The ranges of the `sum`s being walked through.
    guards: Vec<IndexRange>,
    ranges: Vec<IndexRange>,
    /// Sizes read as values or in index expressions (those of ranges are in `ranges`).
    sizes: Vec<SizeId>,
    /// See [`Coverage::index_constant`].
    index_constant: i64,
    /// See [`Coverage::index_values`] (here without a limit).
    index_values: Vec<i64>,
    offsets: Vec<(IndexId, IndexId, i64)>,
    reads: Vec<Read>,
    sums: Vec<IndexRange>,
    kinks: Vec<Place>,
    relative_kink: bool,
    zero_kink: bool,
    meetings: Vec<Meeting>,
    /// Where kinks sit, each solved for one input (a [`Meeting`] at any ratio, or a number).
    solutions: Vec<Meeting>,
    constants: Vec<Place>,
    random: bool,
    rational: bool,
    differenced: bool,
    /// [`constant`]'s answers for the nodes this walk reaches (all of them live as long as it).
    constants_of: Constants,
}

/// How deep the search for where a kink sits follows definitions and nested kinks.
const KINK_DEPTH: usize = 8;
/// How deep [`Walk::instance`] follows the uses of functions and formulas inside one another.
const INSTANCE_DEPTH: usize = 8;
/// How many nodes of bodies [`Walk::instance`] visits and builds for one expression, at most: past
/// it, or past its depth, the kinks of the bodies over their parameters are taken instead.
const INSTANCE_BUDGET: usize = 20_000;

impl<'m> Walk<'m> {
    fn new(model: &'m Model) -> Walk<'m> {
        Walk {
            model,
            entries_seen: vec![false; model.entries.len()],
            functions_seen: vec![false; model.user_functions.len()],
            formulas_seen: Vec::new(),
            in_body: 0,
            instance_budget: INSTANCE_BUDGET,
            truncated: false,
            body_kinks: Vec::new(),
            body_relative: false,
            kinked_functions: vec![None; model.user_functions.len()],
            guards: Vec::new(),
            ranges: Vec::new(),
            sizes: Vec::new(),
            index_constant: 0,
            index_values: Vec::new(),
            offsets: Vec::new(),
            reads: Vec::new(),
            sums: Vec::new(),
            kinks: Vec::new(),
            relative_kink: false,
            zero_kink: false,
            meetings: Vec::new(),
            solutions: Vec::new(),
            constants: Vec::new(),
            random: false,
            rational: true,
            differenced: false,
            constants_of: Constants::default(),
        }
    }

    fn range(&mut self, r: IndexRange) {
        if !self.ranges.contains(&r) {
            self.ranges.push(r);
            self.index_constant =
                self.index_constant.max(r.lo.offset.saturating_abs()).max(r.hi.offset.saturating_abs());
            for b in [r.lo, r.hi] {
                if b.size.is_none() && !self.index_values.contains(&b.offset) {
                    self.index_values.push(b.offset);
                }
            }
        }
    }

    /// The ranges of the variables of an index expression.
    fn ix_ranges(&mut self, ix: &Ix) {
        self.index_constant = self.index_constant.max(ix.constant.saturating_abs());
        if ix.terms.is_empty() && !self.index_values.contains(&ix.constant) {
            self.index_values.push(ix.constant);
        }
        for &(_, v) in &ix.terms {
            match v {
                IxVar::Free(i) => self.range(self.model.indices[i].range),
                IxVar::Bound(b) => self.range(self.model.bounds[b].range),
                IxVar::Size(s) => self.sizes.push(s),
            }
        }
    }

    /// The least and greatest values of an index expression, as functions of the sizes, with the
    /// ranges of its variables (where one is empty, the expression has no value).
    fn extremes(&self, ix: &Ix) -> (Affine, Affine, Vec<IndexRange>) {
        let mut low = Affine::constant(ix.constant);
        let mut high = Affine::constant(ix.constant);
        let mut guards = Vec::new();
        for &(coef, v) in &ix.terms {
            let (lo, hi) = match v {
                IxVar::Free(i) => {
                    let r = self.model.indices[i].range;
                    guards.push(r);
                    (Affine::of(r.lo), Affine::of(r.hi))
                }
                IxVar::Bound(b) => {
                    let r = self.model.bounds[b].range;
                    guards.push(r);
                    (Affine::of(r.lo), Affine::of(r.hi))
                }
                IxVar::Size(s) => {
                    let a = Affine { constant: 0, sizes: vec![(s, 1)] };
                    (a.clone(), a)
                }
            };
            let (min, max) = if coef >= 0 { (lo, hi) } else { (hi, lo) };
            low = low.plus(&min, coef);
            high = high.plus(&max, coef);
        }
        (low, high, guards)
    }

    fn entry_ref(&mut self, r: &EntryRef) {
        let entry = &self.model.entries[r.entry];
        let slots: Vec<usize> = entry.range_slots().collect();
        for (ix, slot) in r.args.iter().zip(slots) {
            let range = self.model.indices[slot].range;
            self.range(range);
            self.ix_ranges(ix);
            if ix.terms.is_empty() && !Affine::of(range.lo).varies() && !Affine::of(range.hi).varies() {
                continue;
            }
            let (low, high, mut guards) = self.extremes(ix);
            guards.extend(self.guards.iter().copied());
            let margins = vec![low.plus(&Affine::of(range.lo), -1), Affine::of(range.hi).plus(&high, -1)];
            let read = Read { guards, margins };
            if !self.reads.contains(&read) {
                self.reads.push(read);
            }
        }
        self.entry(r.entry);
    }

    /// An entry's definition, or an unknown node's dependencies, once.
    fn entry(&mut self, id: usize) {
        if std::mem::replace(&mut self.entries_seen[id], true) {
            return;
        }
        let model = self.model;
        let entry = &model.entries[id];
        for slot in entry.range_slots() {
            self.range(model.indices[slot].range);
        }
        // A definition is computed wherever it is read: the sums it is read under do not guard it.
        // It has no parameters: its kinks are read where it is.
        let guards = std::mem::take(&mut self.guards);
        let in_body = std::mem::replace(&mut self.in_body, 0);
        match &entry.kind {
            EntryKind::Input(_) => self.random = true,
            EntryKind::Defined(body) => self.expr(body),
            EntryKind::Unknown(deps) => {
                self.random = true;
                self.rational = false;
                for dep in deps {
                    self.entry(dep.entry);
                }
            }
        }
        self.guards = guards;
        self.in_body = in_body;
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Index(ix) => self.ix_ranges(ix),
            Expr::Size(s) => self.sizes.push(*s),
            Expr::Entry(r) => self.entry_ref(r),
            Expr::Diff(_, r) | Expr::NodePartial(_, r) => {
                self.rational = false;
                self.differenced = true;
                self.entry_ref(r);
            }
            Expr::Delta(a, b) => {
                self.ix_ranges(a);
                self.ix_ranges(b);
                let single = |ix: &Ix| match ix.terms[..] {
                    [(1, IxVar::Free(i))] => Some((i, ix.constant)),
                    _ => None,
                };
                if let (Some((i, p)), Some((j, q))) = (single(a), single(b)) {
                    // i + p = j + q: i = j + (q - p).
                    let pair = (i, j, q - p);
                    if i != j && q != p && !self.offsets.contains(&pair) {
                        self.offsets.push(pair);
                    }
                }
            }
            Expr::Select(ix, _) => self.ix_ranges(ix),
            Expr::Det(m) | Expr::InvAt(m, _, _) => {
                self.range(IndexRange { lo: crate::model::Bound { size: None, offset: 1 }, hi: m.size });
                if let Expr::InvAt(_, r, c) = e {
                    self.ix_ranges(r);
                    self.ix_ranges(c);
                }
            }
            Expr::Unknown(..) => {
                self.random = true;
                self.rational = false;
            }
            Expr::Apply(f, order, args) => {
                if *order > 0 {
                    self.rational = false;
                    self.differenced = true;
                }
                let model = self.model;
                let body = &model.user_functions[*f].body;
                if !std::mem::replace(&mut self.functions_seen[*f], true) {
                    let guards = std::mem::take(&mut self.guards);
                    self.in_body += 1;
                    self.expr(body);
                    self.in_body -= 1;
                    self.guards = guards;
                }
                // Outside every body, a use's kinks are read with its arguments put in.
                if self.in_body == 0 && self.kinked_function(*f) {
                    self.use_of(body, args);
                }
            }
            Expr::Builtin(b, order, args) => match expansion(*b, *order) {
                // Defined by a formula (or a derivative given by one): read like a user function,
                // its body walked once (expanding it at every use would repeat the arguments' walk
                // once per use of a parameter, at every level of nesting) and its kinks read at
                // each use (`Walk::instance`), and a prime is differenced.
                Some((body, order)) => {
                    if order > 0 {
                        self.rational = false;
                        self.differenced = true;
                    }
                    // A builtin has one body: its formula, or its derivative's.
                    if !self.formulas_seen.contains(b) {
                        self.formulas_seen.push(*b);
                        let guards = std::mem::take(&mut self.guards);
                        self.in_body += 1;
                        self.expr(body);
                        self.in_body -= 1;
                        self.guards = guards;
                    }
                    if self.in_body == 0 && self.kinked(body) {
                        self.use_of(body, args);
                    }
                    if let (Builtin::Clamp, 0, [x, _, hi]) = (*b, order, &args[..]) {
                        self.at_body_level(|walk| walk.clamp_top(x, hi));
                    }
                }
                None => self.builtin(*b, args),
            },
            // A fractional power is undefined below 0, as a root is: its edge is where the base
            // is 0 (`((y + 2)^(1/2))^2 = y + 2` was `checked`, the draws never below -2, where
            // `sqrt(y + 2)` was `wrong`; an adversarial tester).
            Expr::Pow(base, exponent)
                if constant(self.model, exponent, &self.constants_of).is_some_and(|c| c.fract() != 0.0) =>
            {
                self.at_body_level(|walk| walk.kink_at(&linear(walk.model, base), 0.0, KINK_DEPTH));
            }
            Expr::Add(a, b) | Expr::Sub(a, b) => {
                for (c, other) in [(a, b), (b, a)] {
                    if let Some(v) = constant(self.model, c, &self.constants_of) {
                        if constant(self.model, other, &self.constants_of).is_none() && v != 0.0 {
                            let inputs = inputs_read(self.model, other);
                            self.constants.push((v.abs(), inputs));
                        }
                    }
                }
            }
            _ => {}
        }
        if let Expr::Big(_, b, _) = e {
            let r = self.model.bounds[*b].range;
            self.range(r);
            if may_be_vacuous(r) && !self.sums.contains(&r) {
                self.sums.push(r);
            }
            self.guards.push(r);
            e.for_each_child(|c| self.expr(c));
            self.guards.pop();
        } else {
            e.for_each_child(|c| self.expr(c));
        }
    }

    /// A primitive builtin (the table's facts): where its kink is, and whether it is transcendental.
    /// Inside the body of a function or formula, the kink is read at each use instead.
    fn builtin(&mut self, b: Builtin, args: &[Expr]) {
        let Some(facts) = b.facts() else {
            self.rational = false;
            return;
        };
        self.at_body_level(|walk| walk.kink_of(b, args));
        if facts.transcendental {
            self.rational = false;
        }
    }

    /// Records the kinks `find` finds: inside the body of a function or formula they are kept
    /// aside, for where a use is too deep to read (`Walk::instance`).
    fn at_body_level(&mut self, find: impl FnOnce(&mut Self)) {
        if self.in_body == 0 {
            find(self);
        } else {
            std::mem::swap(&mut self.kinks, &mut self.body_kinks);
            std::mem::swap(&mut self.relative_kink, &mut self.body_relative);
            find(self);
            std::mem::swap(&mut self.kinks, &mut self.body_kinks);
            std::mem::swap(&mut self.relative_kink, &mut self.body_relative);
        }
    }

    /// The upper kink of `clamp(x, lo, hi)` = `min(max(x, lo), hi)`, where x = hi (for lo < hi),
    /// as `min(x, hi)` has it: the formula's own `min` has it where `max(x, lo)` meets `hi`, which
    /// is not solved for x (a PPO clip `clamp(r, 1 - eps, 1 + eps)` beside a student's `step(1.2 -
    /// r)`, the piece between r = 1 + eps and 1.2 not drawn).
    fn clamp_top(&mut self, x: &Expr, hi: &Expr) {
        self.kink_of(Builtin::Min, &[x.clone(), hi.clone()]);
    }

    /// Where a primitive builtin with the given arguments has its kink, if it has one; and the
    /// edge of its domain (`log(p - 0.1)` ends at p = 0.1), where a step whose other side is
    /// defined beyond it differs, as at a kink.
    fn kink_of(&mut self, b: Builtin, args: &[Expr]) {
        let edge = b.facts().is_some_and(|f| f.domain != crate::builtin::Domain::Everywhere);
        if let ([x], true) = (args, edge) {
            return self.kink_at(&linear(self.model, x), 0.0, KINK_DEPTH);
        }
        if !b.facts().is_some_and(|f| f.kink) {
            return;
        }
        match args {
            [x] => self.kink_at(&linear(self.model, x), 0.0, KINK_DEPTH),
            [x, y] => match linear(self.model, x).combined(&linear(self.model, y), -1.0) {
                Some(form) => self.kink_at(&form, 0.0, KINK_DEPTH),
                None => {
                    self.relative_kink = true;
                    self.far_meeting(&[(x, 1.0), (y, -1.0)], 0.0);
                }
            },
            _ => {}
        }
    }

    /// Whether an expression has a kink anywhere in it, through the functions and formulas it
    /// uses (definitions aside: their kinks are read where they are).
    fn kinked(&mut self, e: &Expr) -> bool {
        let here = match e {
            Expr::Builtin(b, order, _) => match expansion(*b, *order) {
                Some((inner, _)) => self.kinked(inner),
                None => b.facts().is_some_and(|f| f.kink),
            },
            Expr::Apply(f, _, _) => self.kinked_function(*f),
            _ => false,
        };
        let mut any = here;
        e.for_each_child(|c| any = any || self.kinked(c));
        any
    }

    /// Whether a function's body has a kink anywhere in it (read once).
    fn kinked_function(&mut self, f: usize) -> bool {
        if let Some(k) = self.kinked_functions[f] {
            return k;
        }
        let model = self.model;
        let k = self.kinked(&model.user_functions[f].body);
        self.kinked_functions[f] = Some(k);
        k
    }

    /// The kinks of the body of a function or formula at one use, with its arguments put in for
    /// its parameters: `hardtanh(20*x)` has its kinks at x = ±0.05, `huber(x, 0.01)` at ±0.01,
    /// where the body alone (`x - relu(x - 1) + relu(-1 - x)`) has them at ±1. Uses inside the
    /// body are followed to `depth`; everything else of the body was walked once, at its first
    /// use. Every node visited or built is charged to the budget; where it or the depth runs out,
    /// the walk is marked truncated.
    fn instance(&mut self, body: &Expr, args: &[Expr], sizes: &[usize], depth: usize) {
        if self.instance_budget == 0 {
            self.truncated = true;
            return;
        }
        self.instance_budget -= 1;
        let model = self.model;
        match body {
            Expr::Builtin(b, order, parts) => match expansion(*b, *order) {
                Some((inner, _)) => {
                    let kinked = self.kinked(inner);
                    self.instance_of(inner, parts, (args, sizes), depth, kinked);
                    if let (Builtin::Clamp, 0, [_, _, _]) = (*b, *order, &parts[..]) {
                        if let Some((put, _)) = self.put_in(parts, args, sizes) {
                            self.clamp_top(&put[0], &put[2]);
                        }
                    }
                }
                None if b.facts().is_some_and(|f| f.kink) => {
                    if let Some((parts, _)) = self.put_in(parts, args, sizes) {
                        self.kink_of(*b, &parts);
                    }
                }
                None => {}
            },
            Expr::Apply(f, _, parts) => {
                let kinked = self.kinked_function(*f);
                self.instance_of(&model.user_functions[*f].body, parts, (args, sizes), depth, kinked);
            }
            _ => {}
        }
        body.for_each_child(|c| self.instance(c, args, sizes, depth));
    }

    /// A use, inside a body being read at a use, of a function or formula with body `inner`
    /// (`kinked` where it has a kink anywhere), the body's arguments with their sizes.
    fn instance_of(&mut self, inner: &Expr, parts: &[Expr], args: (&[Expr], &[usize]), depth: usize, kinked: bool) {
        if !kinked {
            return;
        }
        if depth == 0 {
            self.truncated = true;
            return;
        }
        if let Some((parts, sizes)) = self.put_in(parts, args.0, args.1) {
            self.instance(inner, &parts, &sizes, depth - 1);
        }
    }

    /// The parts of a body with the arguments (of the given sizes) put in for its parameters, and
    /// their sizes, charged to the budget before they are built. Where the budget cannot pay, this
    /// use is left (truncated), and the budget stays for cheaper ones.
    fn put_in(&mut self, parts: &[Expr], args: &[Expr], sizes: &[usize]) -> Option<(Vec<Expr>, Vec<usize>)> {
        let out_sizes: Vec<usize> = parts.iter().map(|p| size_with(p, sizes)).collect();
        let cost = out_sizes.iter().fold(0usize, |n, s| n.saturating_add(*s));
        if cost > self.instance_budget {
            self.truncated = true;
            return None;
        }
        self.instance_budget -= cost;
        Some((parts.iter().map(|p| subst_locals(p, args)).collect(), out_sizes))
    }

    /// A use outside every body, of a function or formula with body `body` that has a kink.
    fn use_of(&mut self, body: &Expr, args: &[Expr]) {
        let sizes: Vec<usize> = args.iter().map(|a| size_with(a, &[])).collect();
        self.instance(body, args, &sizes, INSTANCE_DEPTH);
    }

    /// Records where the thing a linear form is linear in equals `t`: at its magnitude, or
    /// further in where that thing is itself a kink or a definition.
    fn kink_at(&mut self, form: &Linear, t: f64, depth: usize) {
        let Some(atom) = form.atom else { return };
        if form.coef == 0.0 {
            return;
        }
        let x = (t - form.constant) / form.coef;
        // A sum or difference that is not linear in one thing: two parts meet there (where it
        // equals x).
        if matches!(atom, Expr::Add(..) | Expr::Sub(..)) {
            self.relative_kink = true;
            if x.is_finite() {
                self.far_meeting(&[(atom, 1.0)], -x);
            }
        }
        // `a·exp(p) + b·exp(q) + c` with q = s - p (a cosh, the bottom of a sech, a sinh, also as
        // the builtins) is x where Y = e^p is a root of a·Y² + (c - x)·Y + b·e^s (an adversarial
        // tester: `relu(2/(exp(t) + exp(-t)) - 0.999)`, a bump written out, and `relu(1/cosh(t) -
        // 0.9999)` were `checked` = 0 at every seed).
        if depth > 0
            && matches!(atom, Expr::Add(..) | Expr::Sub(..) | Expr::Builtin(Builtin::Cosh | Builtin::Sinh, 0, _))
        {
            let (mut terms, mut c) = (Vec::new(), 0.0);
            if exponentials(self.model, atom, 1.0, &mut terms, &mut c) && terms.len() == 2 {
                let (p, q) = (linear(self.model, &terms[0].1), linear(self.model, &terms[1].1));
                if p.atom.is_some() && p.atom == q.atom && p.coef == -q.coef && p.coef != 0.0 {
                    let (a, b) = (terms[0].0, terms[1].0 * (p.constant + q.constant).exp());
                    let (lin, disc) = (c - x, (c - x).powi(2) - 4.0 * a * b);
                    let ys = if a == 0.0 {
                        vec![-b / lin]
                    } else {
                        vec![(-lin + disc.sqrt()) / (2.0 * a), (-lin - disc.sqrt()) / (2.0 * a)]
                    };
                    for y in ys.into_iter().filter(|y| *y > 0.0 && y.is_finite()) {
                        self.kink_at(&p, y.ln(), depth - 1);
                    }
                    return;
                }
            }
        }
        // A polynomial of degree two or more in one thing is x where that thing is a real root of
        // `p - x`: `sqrt(x^2 - 7*x + 12)` ends at 3 and 4 (an adversarial tester: the step that
        // dropped the root was `checked` at 12 to 18 of 20 seeds, the draws never between them).
        if depth > 0 && matches!(atom, Expr::Add(..) | Expr::Sub(..) | Expr::Mul(..) | Expr::Pow(..)) {
            if let Some((mut coefficients, inner)) = polynomial(self.model, atom) {
                coefficients[0] -= x;
                let form = linear(self.model, inner);
                for root in real_roots(&coefficients) {
                    self.kink_at(&form, root, depth - 1);
                }
                return;
            }
        }
        // A function's value is x where its body, with the arguments put in, is.
        // (Charged to the budget of [`Walk::instance`], as a use's kinks are.)
        if let (Expr::Apply(f, 0, args), true) = (atom, depth > 0) {
            let model = self.model;
            let sizes: Vec<usize> = args.iter().map(|a| size_with(a, &[])).collect();
            let body = std::slice::from_ref(&model.user_functions[*f].body);
            if let Some((instance, _)) = self.put_in(body, args, &sizes) {
                return self.kink_at(&linear(model, &instance[0]), x, depth - 1);
            }
        }
        // A kink of a periodic function's value comes back at every period: `abs(sin(x))` has
        // kinks at 0 and at π, where the usual draws (which have x and -x, and sin(x) and x alike
        // in sign up to π) never tell `sign(sin(x))` from `sign(x)`. The next one out is a scale.
        // The first one is a scale too (`cos(x) = -0.999` at x = 3.097, and at 3.186: an edge
        // of `log(cos(x) + 0.999)`, which the two then make a gap between; `sin(x) = 0.9999` at
        // 1.557 and 1.585, a sliver the usual draws reach once in sixty; an adversarial
        // tester's finding).
        if depth > 0 && x.abs() <= 1.0 {
            if let Expr::Builtin(b @ (Builtin::Sin | Builtin::Cos), 0, args) = atom {
                // (For `sin` below 0 the sliver lies across 3π/2 and -π/2: `sin(x) = -0.999` at
                // 4.668 and 4.757, and at -1.526 and -1.616; the first and next are each paired
                // with the one a period away. An adversarial tester's finding.)
                let tau = 2.0 * std::f64::consts::PI;
                let places = if *b == Builtin::Sin {
                    let (first, next) = (x.asin(), std::f64::consts::PI - x.asin());
                    if x < 0.0 {
                        vec![first, next, first + tau, next - tau]
                    } else {
                        vec![first, next]
                    }
                } else {
                    // (Both sides of 0 too: `cos(x - 1.3) = 0.9999` at x - 1.3 = ±0.014, a sliver
                    // across 0 that the first and its period, 6.27, never bound; an adversarial
                    // tester, `checked` at 9 seeds of 10.)
                    let a = x.acos();
                    vec![a, -a, tau - a, a - tau]
                };
                let form = linear(self.model, &args[0]);
                for t in places {
                    self.kink_at(&form, t, depth - 1);
                }
            }
        }
        // A quotient is x where its numerator less x times its denominator is 0, and it changes
        // sign at its pole: `1/(x - 30) - 1` is positive on (30, 31), `1/(1 + (x - 30)^2) - 0.5` on
        // (29, 31), `1/(1 + abs(x - 30)) - 0.5` too (an adversarial tester: `relu` of each was
        // `checked` = 0 at every seed and at 1,000 samples, the edges never found).
        if let (Expr::Div(a, b), true) = (atom, depth > 0 && x != 0.0 && x.is_finite()) {
            if self.quotient_at(a, b, x, depth - 1) {
                return;
            }
        }
        // The derivative of the logistic and of tanh is a bump: σ'(t) = σ(1 - σ) is c where σ is
        // (1 ± √(1 - 4c))/2, tanh'(t) = 1 - tanh² where tanh is ±√(1 - c) (the same tester).
        if let (Expr::Builtin(b @ (Builtin::Sigmoid | Builtin::Tanh), 1, args), true) = (atom, depth > 0 && x > 0.0) {
            let form = linear(self.model, &args[0]);
            let places: Vec<f64> = if *b == Builtin::Sigmoid {
                let d = (1.0 - 4.0 * x).sqrt();
                [(1.0 + d) / 2.0, (1.0 - d) / 2.0].iter().map(|s| (s / (1.0 - s)).ln()).collect()
            } else {
                let t = (1.0 - x).sqrt();
                vec![t.atanh(), -t.atanh()]
            };
            for t in places.into_iter().filter(|t| t.is_finite()) {
                self.kink_at(&form, t, depth - 1);
            }
            return;
        }
        if x == 0.0 {
            self.zero_kink = true;
            // A product or quotient is 0 (and changes sign) where a factor is: `sqrt((x - 3)*(x -
            // 4))` ends at 3 and 4, `sqrt(q*sin(q))` at π (an adversarial tester: the steps that
            // dropped them were `checked`, the draws never between the roots).
            if depth > 0 {
                if let Expr::Mul(a, b) | Expr::Div(a, b) = atom {
                    for f in [a, b] {
                        self.kink_at(&linear(self.model, f), 0.0, depth - 1);
                    }
                    return;
                }
                // And a power where its base is (`sqrt((q - 1)^3)` ends at 1, a reviewer).
                if let Expr::Pow(base, _) = atom {
                    return self.kink_at(&linear(self.model, base), 0.0, depth - 1);
                }
            }
        }
        // At 0 a kink is at no magnitude, but a definition may hide where parts meet in it, and
        // a log is 0 at 1 (`log(log(x))` ends at x = 1).
        let log = matches!(atom, Expr::Builtin(Builtin::Log, 0, _));
        if !x.is_finite() || (x == 0.0 && !matches!(atom, Expr::Entry(_)) && !log) {
            return;
        }
        if depth > 0 {
            match atom {
                // |y| = x and relu(y) = x (x > 0) where y = ±x; max and min where one argument is x.
                Expr::Builtin(Builtin::Abs | Builtin::Relu, 0, args) if x > 0.0 => {
                    return self.kink_at(&linear(self.model, &args[0]), x, depth - 1);
                }
                Expr::Builtin(Builtin::Max | Builtin::Min, 0, args) => {
                    for a in args {
                        self.kink_at(&linear(self.model, a), x, depth - 1);
                    }
                    return;
                }
                // Where a monotone function of y is x, y is its inverse at x: a domain's edge
                // that is not linear in the input (`log(exp(p) - 1.1)` ends at p = log 1.1,
                // `log(sigmoid(x) - 0.001)` at logit(0.001), a clipped log-likelihood) is crossed
                // as a linear one is (language.md, "Samples stay inside").
                Expr::Builtin(
                    b @ (Builtin::Exp | Builtin::Log | Builtin::Sigmoid | Builtin::Tanh | Builtin::Sqrt),
                    0,
                    args,
                ) => {
                    let inverse = match b {
                        Builtin::Exp if x > 0.0 => Some(x.ln()),
                        Builtin::Log => Some(x.exp()),
                        Builtin::Sigmoid if x > 0.0 && x < 1.0 => Some((x / (1.0 - x)).ln()),
                        Builtin::Tanh if x.abs() < 1.0 => Some(x.atanh()),
                        Builtin::Sqrt if x > 0.0 => Some(x * x),
                        _ => None,
                    };
                    if let Some(y) = inverse.filter(|y| y.is_finite()) {
                        self.kink_at(&linear(self.model, &args[0]), y, depth - 1);
                    }
                    return;
                }
                // A square is x at ±√x.
                Expr::Pow(base, exponent)
                    // (A fresh memo: the atom may be a use's body with its arguments put in, which
                    // lives shorter than the walk's memo.)
                    if x > 0.0 && constant(self.model, exponent, &Constants::default()) == Some(2.0) =>
                {
                    let form = linear(self.model, base);
                    self.kink_at(&form, x.sqrt(), depth - 1);
                    self.kink_at(&form, -x.sqrt(), depth - 1);
                    return;
                }
                Expr::Entry(r) => {
                    if let EntryKind::Defined(body) = &self.model.entries[r.entry].kind {
                        let form = linear(self.model, body);
                        // Into the definition where it is linear in a part of it, where parts
                        // meet in it (`let z = 1000*x - y`), or where it is a product, quotient or
                        // power, whose factors' zeros are its own (`let a = (x - 3)*(x - 4)`: a
                        // second adversarial tester, `checked` at 5 to 8 seeds of 10).
                        let parts_meet =
                            matches!(body, Expr::Add(..) | Expr::Sub(..) | Expr::Mul(..) | Expr::Div(..) | Expr::Pow(..));
                        // (And into a kink or a function: `let v = abs(x - 4.25)` with `relu(0.5 - v)`
                        // sits at x = 3.75 and 4.75, where the scan of one input never looked; an
                        // adversarial tester, `checked` at 18 seeds of 20.)
                        let applied = matches!(body, Expr::Builtin(..) | Expr::Apply(..));
                        if form.atom.is_some_and(|a| !std::ptr::eq(a, body) || parts_meet || applied) {
                            return self.kink_at(&form, x, depth - 1);
                        }
                    }
                }
                _ => {}
            }
        }
        // A function of one input that none of the forms above solves (`x^2*exp(-x^2)`, SiLU's
        // `x*sigmoid(x)`, `gelu_exact(x)`): x where a scan of its values crosses x, its extrema
        // included, so that a threshold just below a bump's peak is found (an adversarial tester:
        // `relu(x^2*exp(-x^2) - 0.3675) = 0`, false on two bands 0.045 wide, was `checked` at 17
        // seeds of 20).
        if depth > 0 && x.is_finite() && !matches!(atom, Expr::Entry(_)) {
            if let Some((input, roots)) = scanned_roots(self.model, atom, x) {
                let form = linear(self.model, input);
                for root in roots {
                    self.kink_at(&form, root, depth - 1);
                }
                return;
            }
        }
        // An input's kink at a number, a place to pair with one that moves ([`Coverage::across`]).
        if let Some((input, _, false)) = self.input_of(atom).filter(|p| self.continuous(p.0)) {
            let meeting = Meeting { input, partners: [None; MEETING_PARTNERS], constant: x, top: 2.1 * x.abs() };
            if !self.solutions.contains(&meeting) {
                self.solutions.push(meeting);
            }
        }
        if x != 0.0 {
            let inputs = inputs_read(self.model, atom);
            self.kinks.push((x.abs(), inputs));
        }
    }
}

/// The half-width of the scan of [`scanned_roots`]: the usual draws (±[0.25, 2]) and well past.
const SCAN_REACH: f64 = 8.0;
/// The points of that scan.
const SCAN_POINTS: usize = 401;
/// The most nodes of an expression scanned (definitions' bodies included, each time read).
const SCAN_NODES: usize = 256;
/// The most places [`scanned_roots`] gives.
const SCAN_ROOTS: usize = 16;

/// Where `e`, a function of one index-free input alone (through definitions without subscripts),
/// equals `x` in [-[`SCAN_REACH`], [`SCAN_REACH`]]: the input's reference, and the places, each
/// found by bisection between scanned values on either side of `x`, the scan's extrema refined
/// first (a bump whose top only just passes `x` lies between two scanned points). `None` where
/// `e` reads anything else, is too large, or never crosses `x` there.
fn scanned_roots<'m>(model: &'m Model, e: &'m Expr, x: f64) -> Option<(&'m Expr, Vec<f64>)> {
    let input = one_input(model, e, SCAN_NODES)?;
    let Expr::Entry(r) = input else { return None };
    // (Each function once for the model: a model of 60 such kinks read by 20 derivations took
    // 38 s where it had taken 0.4, a reviewer.)
    let key = (format!("{e:?}"), x.to_bits());
    if let Some(known) = model.scans.0.lock().ok().and_then(|memo| memo.get(&key).cloned()) {
        return known.map(|roots| (input, roots));
    }
    let found = scan(model, e, r.entry, x);
    if let Ok(mut memo) = model.scans.0.lock() {
        memo.insert(key, found.clone());
    }
    found.map(|roots| (input, roots))
}

/// [`scanned_roots`]'s places where `e`, a function of the input `input` alone, is `x`.
fn scan(model: &Model, e: &Expr, input: EntryId, x: f64) -> Option<Vec<f64>> {
    let function = Float::of(model, e, input, 8)?;
    let f = |v: f64| function.at(v, &[]).map(|y| y - x);
    let step = 2.0 * SCAN_REACH / (SCAN_POINTS - 1) as f64;
    let mut points: Vec<(f64, f64)> = (0..SCAN_POINTS)
        .filter_map(|k| {
            let v = -SCAN_REACH + step * k as f64;
            f(v).map(|y| (v, y))
        })
        .collect();
    // Each extremum between three scanned points, by golden sections.
    let mut extrema = Vec::new();
    for w in points.windows(3) {
        let [(a, fa), (_, fm), (b, fb)] = [w[0], w[1], w[2]];
        if (fm - fa) * (fb - fm) >= 0.0 || b - a > 2.5 * step {
            continue;
        }
        // Only where the top may cross `x` between the points: the parabola through them says
        // how far past the middle one it reaches (a wiggly function has a hundred extrema, and
        // refining each made a model of sixty such kinks forty times slower: a reviewer).
        let bend = fm - (fa + fb) / 2.0;
        if fm.signum() == (fm + bend).signum() && fm.abs() > 2.0 * bend.abs() {
            continue;
        }
        let sign = if fm > fa { -1.0 } else { 1.0 };
        let (mut lo, mut hi) = (a, b);
        let golden = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..40 {
            let (c, d) = (hi - golden * (hi - lo), lo + golden * (hi - lo));
            match (f(c), f(d)) {
                (Some(fc), Some(fd)) if sign * fc < sign * fd => hi = d,
                (Some(_), Some(_)) => lo = c,
                _ => break,
            }
        }
        let v = (lo + hi) / 2.0;
        if let Some(y) = f(v) {
            extrema.push((v, y));
        }
    }
    points.extend(extrema);
    points.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut roots: Vec<f64> = Vec::new();
    for w in points.windows(2) {
        let [(a, fa), (b, fb)] = [w[0], w[1]];
        if fa == 0.0 {
            roots.push(a);
        } else if fa * fb < 0.0 && b - a <= step * 1.000_001 {
            let (mut lo, mut hi, flo) = (a, b, fa);
            for _ in 0..60 {
                let mid = (lo + hi) / 2.0;
                match f(mid) {
                    Some(fm) if fm * flo > 0.0 => lo = mid,
                    Some(_) => hi = mid,
                    None => break,
                }
            }
            roots.push((lo + hi) / 2.0);
        }
        if roots.len() > SCAN_ROOTS {
            return None;
        }
    }
    (!roots.is_empty()).then_some(roots)
}

/// The one input `e` reads, index-free, through definitions without subscripts, as one of its
/// references; `None` where it reads another input, an unknown, an indexed entry, or more than
/// `budget` nodes.
fn one_input<'m>(model: &'m Model, e: &'m Expr, budget: usize) -> Option<&'m Expr> {
    fn walk<'m>(model: &'m Model, e: &'m Expr, found: &mut Option<&'m Expr>, budget: &mut usize) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        match e {
            Expr::Entry(r) if !r.args.is_empty() => false,
            Expr::Entry(r) => match &model.entries[r.entry].kind {
                EntryKind::Input(_) => match found {
                    Some(Expr::Entry(f)) => f.entry == r.entry,
                    _ => {
                        *found = Some(e);
                        true
                    }
                },
                EntryKind::Defined(body) => walk(model, body, found, budget),
                EntryKind::Unknown(_) => false,
            },
            Expr::Const(_)
            | Expr::Builtin(..)
            | Expr::Neg(_)
            | Expr::Add(..)
            | Expr::Sub(..)
            | Expr::Mul(..)
            | Expr::Div(..)
            | Expr::Pow(..) => {
                let mut ok = true;
                e.for_each_child(|c| ok = ok && walk(model, c, found, budget));
                ok
            }
            _ => false,
        }
    }
    let mut found = None;
    let mut budget = budget;
    walk(model, e, &mut found, &mut budget).then_some(found).flatten()
}

/// A function of one input in floats, for [`scan`]: its numbers converted once (converting them at
/// each of the scan's points was a third of its time).
enum Float {
    Number(f64),
    Input,
    /// A parameter of a builtin's formula.
    Local(usize),
    Neg(Box<Float>),
    Add(Box<Float>, Box<Float>),
    Sub(Box<Float>, Box<Float>),
    Mul(Box<Float>, Box<Float>),
    Div(Box<Float>, Box<Float>),
    Pow(Box<Float>, Box<Float>),
    Max(Vec<Float>),
    Min(Vec<Float>),
    Builtin(Builtin, u32, Box<Float>),
    /// A builtin written as a formula of others (`gelu_exact`): the formula and its arguments.
    Formula(Box<Float>, Vec<Float>),
}

impl Float {
    /// `e` where `input` (index-free) is the variable, through definitions and formulas `depth`
    /// deep; `None` where it reads anything else.
    fn of(model: &Model, e: &Expr, input: EntryId, depth: usize) -> Option<Float> {
        let of = |e: &Expr| Float::of(model, e, input, depth).map(Box::new);
        let all = |args: &[Expr]| args.iter().map(|a| Float::of(model, a, input, depth)).collect::<Option<Vec<_>>>();
        Some(match e {
            Expr::Const(lit) => Float::Number(ratio_to_f64(&lit.value)),
            Expr::Local(k) => Float::Local(*k),
            Expr::Entry(r) if r.entry == input && r.args.is_empty() => Float::Input,
            Expr::Entry(r) if r.args.is_empty() => match &model.entries[r.entry].kind {
                EntryKind::Defined(body) if depth > 0 => Float::of(model, body, input, depth - 1)?,
                _ => return None,
            },
            Expr::Neg(a) => Float::Neg(of(a)?),
            Expr::Add(a, b) => Float::Add(of(a)?, of(b)?),
            Expr::Sub(a, b) => Float::Sub(of(a)?, of(b)?),
            Expr::Mul(a, b) => Float::Mul(of(a)?, of(b)?),
            Expr::Div(a, b) => Float::Div(of(a)?, of(b)?),
            Expr::Pow(a, b) => Float::Pow(of(a)?, of(b)?),
            Expr::Builtin(Builtin::Pi, 0, _) => Float::Number(std::f64::consts::PI),
            Expr::Builtin(Builtin::Max, 0, args) => Float::Max(all(args)?),
            Expr::Builtin(Builtin::Min, 0, args) => Float::Min(all(args)?),
            Expr::Builtin(b, order, args) if depth > 0 && matches!(expansion(*b, *order), Some((_, 0))) => {
                let (body, _) = expansion(*b, *order)?;
                Float::Formula(Box::new(Float::of(model, body, input, depth - 1)?), all(args)?)
            }
            Expr::Builtin(b, order, args) if args.len() == 1 => Float::Builtin(*b, *order, of(&args[0])?),
            _ => return None,
        })
    }

    /// The value where the input is `v` (`locals` the formula's parameters); `None` where it is
    /// not finite or not defined.
    fn at(&self, v: f64, locals: &[f64]) -> Option<f64> {
        let at = |f: &Float| f.at(v, locals);
        let y = match self {
            Float::Number(c) => *c,
            Float::Input => v,
            Float::Local(k) => *locals.get(*k)?,
            Float::Neg(a) => -at(a)?,
            Float::Add(a, b) => at(a)? + at(b)?,
            Float::Sub(a, b) => at(a)? - at(b)?,
            Float::Mul(a, b) => at(a)? * at(b)?,
            Float::Div(a, b) => at(a)? / at(b)?,
            Float::Pow(a, b) => {
                let (a, b) = (at(a)?, at(b)?);
                if b.fract() == 0.0 && b.abs() <= 64.0 {
                    a.powi(b as i32)
                } else if a < 0.0 {
                    return None;
                } else {
                    a.powf(b)
                }
            }
            Float::Max(args) => args.iter().try_fold(f64::NEG_INFINITY, |m, a| Some(m.max(at(a)?)))?,
            Float::Min(args) => args.iter().try_fold(f64::INFINITY, |m, a| Some(m.min(at(a)?)))?,
            Float::Builtin(b, order, a) => super::value::builtin_f64(*b, *order, at(a)?, 0.0).ok()?,
            Float::Formula(body, args) => {
                let args = args.iter().map(at).collect::<Option<Vec<f64>>>()?;
                body.at(v, &args)?
            }
        };
        y.is_finite().then_some(y)
    }
}

impl<'m> Walk<'m> {
    /// Records where `a / b` equals `x` (not 0): where `a - x·b` is 0 — the roots of a polynomial
    /// where both are polynomials in one thing, else where `b` is `a / x` for a number `a` — and
    /// where `b` is 0, across which the quotient changes sign. False where it finds neither (`x /
    /// y`): the quotient is then a scale of its inputs, as before (a reviewer).
    fn quotient_at(&mut self, a: &Expr, b: &Expr, x: f64, depth: usize) -> bool {
        let memo = Constants::default();
        let mut inner: Option<&Expr> = None;
        let top = polynomial_in(self.model, a, &mut inner, &memo);
        let bottom = polynomial_in(self.model, b, &mut inner, &memo);
        if let (Some(top), Some(bottom), Some(inner)) = (top, bottom, inner) {
            let mut level = vec![0.0; top.len().max(bottom.len())];
            for (i, c) in top.iter().enumerate() {
                level[i] += c;
            }
            for (i, c) in bottom.iter().enumerate() {
                level[i] -= x * c;
            }
            let form = linear(self.model, inner);
            let roots: Vec<f64> = real_roots(&level).into_iter().chain(real_roots(&bottom)).collect();
            for root in roots.into_iter().filter(|r| r.is_finite()) {
                self.kink_at(&form, root, depth);
            }
            return true;
        }
        let Some(k) = constant(self.model, a, &memo) else { return false };
        let form = linear(self.model, b);
        self.kink_at(&form, k / x, depth);
        self.kink_at(&form, 0.0, depth);
        true
    }

    /// Where a kink's argument, `shift + Σ k·e` over `sums`, is a sum of parts whose
    /// coefficients lie at least [`RATIO_MIN`] apart, and one of them is an input: a [`Meeting`]
    /// to draw near.
    fn far_meeting<'e>(&mut self, sums: &[(&'e Expr, f64)], shift: f64)
    where
        'm: 'e,
    {
        let mut parts = Vec::new();
        let mut constant = shift;
        for &(e, k) in sums {
            terms(self.model, e, k, &mut parts, &mut constant, KINK_DEPTH);
        }
        parts.truncate(RATIO_PARTS);
        // A number added counts as a part (`x - y - 0.001`: a slab a thousandth wide).
        let magnitudes = parts.iter().map(|p| p.1.abs()).chain((constant != 0.0).then_some(constant.abs()));
        let (least, most) = magnitudes.fold((f64::INFINITY, 0.0f64), |(lo, hi), c| (lo.min(c), hi.max(c)));
        if parts.len() < 2 || least == 0.0 || !most.is_finite() {
            return;
        }
        // At near ratios, only a place for draws between kinks ([`Walk::solutions`]).
        let far = most >= RATIO_MIN * least;
        // The input with the largest coefficient: solved for, it is the smallest of the parts'
        // inputs, which keeps finite differences in their range.
        let mut solved: Option<(usize, f64)> = None;
        for (k, &(e, c)) in parts.iter().enumerate() {
            if self.input_of(e).is_some_and(|p| self.redrawable(p.0)) && solved.is_none_or(|s| c.abs() > s.1.abs()) {
                solved = Some((k, c));
            }
        }
        // Each input of every sign or of an interval solved for, a place of its kinks to draw
        // between ([`Coverage::across`]; `r in (0, 2)` beside `Q in (1.19, 1.21)` in `step(Q -
        // r)`: a second tester); the one with the largest coefficient is also drawn near, at far
        // ratios.
        for at in 0..parts.len() {
            if !self.input_of(parts[at].0).is_some_and(|p| self.continuous(p.0)) {
                continue;
            }
            let Some(meeting) = self.solved_for(&parts, constant, at) else { continue };
            let nearest = solved.is_some_and(|(k, _)| k == at);
            if far && nearest && self.meetings.len() < MAX_MEETINGS && !self.meetings.contains(&meeting) {
                self.meetings.push(meeting);
            }
            if !self.solutions.contains(&meeting) {
                self.solutions.push(meeting);
            }
        }
    }

    /// The kink where `constant + Σ k·e` over `parts` is 0, solved for the input of `parts[at]`
    /// from the other inputs read at its subscripts (or at none), as a [`Meeting`]; `None` where
    /// no other input is so read, or one input has two coefficients.
    fn solved_for(&self, parts: &[(&Expr, f64)], constant: f64, at: usize) -> Option<Meeting> {
        let (input, subscripts, _) = self.input_of(parts[at].0)?;
        let a = parts[at].1;
        // The other inputs, read at its subscripts (or at none), with a bound on their
        // magnitudes; the smallest part first among them (it sets a slab's width: `x - y - w -
        // v + 0.001*z`), then as written.
        let mut readable = Vec::new();
        for (k, &(e, b)) in parts.iter().enumerate() {
            match self.input_of(e) {
                _ if k == at => {}
                // One input at two coefficients (`1000*x - x`) meets nothing.
                Some((p, _, _)) if p == input => return None,
                Some((p, on, abs)) if on.is_empty() || on == subscripts => {
                    if let Some(m) = self.magnitude(p) {
                        readable.push((Partner { input: p, coefficient: -b / a, abs }, m));
                    }
                }
                _ => {}
            }
        }
        if readable.is_empty() {
            return None;
        }
        if let Some(least) = (0..readable.len())
            .min_by(|&i, &j| readable[i].0.coefficient.abs().total_cmp(&readable[j].0.coefficient.abs()))
        {
            let smallest = readable.remove(least);
            readable.insert(0, smallest);
        }
        readable.truncate(MEETING_PARTNERS);
        let mut partners = [None; MEETING_PARTNERS];
        let mut bound = (constant / a).abs();
        for (slot, (partner, m)) in partners.iter_mut().zip(readable) {
            *slot = Some(partner);
            bound += partner.coefficient.abs() * m;
        }
        // The solution and an offset of at most about as much again.
        let top = 2.1 * bound;
        top.is_finite().then_some(Meeting { input, partners, constant: -constant / a, top })
    }

    /// Whether an input takes every value of an interval of reals (of every sign, of one, or of a
    /// declared interval), not under an `assume`: one that may be drawn between two places.
    fn continuous(&self, id: EntryId) -> bool {
        match self.model.entries[id].kind {
            EntryKind::Input(Domain::Set(k)) => {
                matches!(self.model.domain_sets.get(k), Some(DomainSet::Interval { .. }))
                    && !self.model.assumptions.iter().any(|a| a.entry == id)
            }
            _ => self.redrawable(id),
        }
    }

    /// The input a part of a kink's argument is (its family, subscripts, and whether it is under
    /// `abs`, whose magnitude is the input's).
    fn input_of<'e>(&self, e: &'e Expr) -> Option<(EntryId, &'e [Ix], bool)> {
        match e {
            Expr::Builtin(Builtin::Abs, 0, args) => self.input_of(args.first()?).map(|(id, at, _)| (id, at, true)),
            Expr::Entry(r) if matches!(self.model.entries[r.entry].kind, EntryKind::Input(_)) => {
                Some((r.entry, &r.args[..], false))
            }
            _ => None,
        }
    }

    /// A bound on the magnitude of an input's draws, where one is known: 2 or 3 for the usual
    /// draws (of every sign, or of one), the ends of an interval, the members of a set. An input
    /// under an `assume` is rescaled to its total: none.
    fn magnitude(&self, id: EntryId) -> Option<f64> {
        if self.model.assumptions.iter().any(|a| a.entry == id) {
            return None;
        }
        let EntryKind::Input(domain) = self.model.entries[id].kind else { return None };
        Some(match domain {
            // Drawn as a whole matrix: no element is drawn again alone.
            Domain::PositiveDefinite => return None,
            Domain::Real | Domain::NonZero => 2.0,
            Domain::Positive | Domain::NonNegative => 3.0,
            Domain::Set(k) => match &self.model.domain_sets[k] {
                DomainSet::Interval { lo, hi, .. } => ratio_to_f64(lo).abs().max(ratio_to_f64(hi).abs()),
                DomainSet::Finite(values) => values.iter().map(|v| ratio_to_f64(v).abs()).fold(0.0, f64::max),
            },
        })
    }

    /// Whether an input can be drawn at another value than its usual draws: of every sign, or of
    /// one sign (not of a bounded domain), and not under an `assume` (no known magnitude).
    fn redrawable(&self, id: EntryId) -> bool {
        !matches!(self.model.entries[id].kind, EntryKind::Input(Domain::Set(_))) && self.magnitude(id).is_some()
    }
}

/// The parts of `k·e` as a sum: each term not a number, with its constant factor (through
/// negation, sums, differences, products and quotients by numbers, and definitions without
/// subscripts `depth` deep), and the numbers added into `sum`.
fn terms<'e>(model: &'e Model, e: &'e Expr, k: f64, out: &mut Vec<(&'e Expr, f64)>, sum: &mut f64, depth: usize) {
    terms_in(model, e, k, (out, sum), depth, &Constants::default());
}

fn terms_in<'e>(
    model: &'e Model,
    e: &'e Expr,
    k: f64,
    (out, sum): (&mut Vec<(&'e Expr, f64)>, &mut f64),
    depth: usize,
    memo: &Constants,
) {
    if let Some(c) = constant(model, e, memo) {
        *sum += k * c;
        return;
    }
    if out.len() > RATIO_PARTS {
        return;
    }
    match e {
        Expr::Neg(a) => terms_in(model, a, -k, (out, sum), depth, memo),
        Expr::Add(a, b) => {
            terms_in(model, a, k, (out, sum), depth, memo);
            terms_in(model, b, k, (out, sum), depth, memo);
        }
        Expr::Sub(a, b) => {
            terms_in(model, a, k, (out, sum), depth, memo);
            terms_in(model, b, -k, (out, sum), depth, memo);
        }
        Expr::Mul(a, b) => match (constant(model, a, memo), constant(model, b, memo)) {
            (Some(c), _) => terms_in(model, b, k * c, (out, sum), depth, memo),
            (_, Some(c)) => terms_in(model, a, k * c, (out, sum), depth, memo),
            _ => out.push((e, k)),
        },
        Expr::Div(a, b) => match constant(model, b, memo) {
            Some(c) if c != 0.0 => terms_in(model, a, k / c, (out, sum), depth, memo),
            _ => out.push((e, k)),
        },
        Expr::Entry(r) if depth > 0 && r.args.is_empty() => match &model.entries[r.entry].kind {
            EntryKind::Defined(body) => terms_in(model, body, k, (out, sum), depth - 1, memo),
            _ => out.push((e, k)),
        },
        _ => out.push((e, k)),
    }
}

/// How many nodes an expression has once `sizes[i]` nodes are put in for each parameter `i`.
fn size_with(e: &Expr, sizes: &[usize]) -> usize {
    if let Expr::Local(i) = e {
        return sizes.get(*i).copied().unwrap_or(1);
    }
    let mut n = 1usize;
    e.for_each_child(|c| n = n.saturating_add(size_with(c, sizes)));
    n
}

/// The number an expression is whatever the inputs, where it is written as one: literals, `pi`, the
/// arithmetic and powers of numbers, `sqrt`, `exp` and `log` of one, and a definition that is one
/// (`let d = 0.003`, `0.02^2`, `10^4`, `exp(-8)`). Floats: it only says where to sample.
fn constant(model: &Model, e: &Expr, memo: &Constants) -> Option<f64> {
    constant_to(model, e, KINK_DEPTH, memo)
}

/// [`constant`]'s answers by node address and depth, for nodes that outlive the memo: asked at
/// every sum, product and part of a kink's argument, the question walked a chain of 2,000
/// additions once per prefix (0.2 s per derivation, quadratic in the chain).
///
/// Nothing is remembered for the first [`CONSTANTS_UNREMEMBERED`] nodes asked about: most
/// expressions are small, and for them looking up costs more than reading again.
#[derive(Default)]
struct Constants {
    known: std::cell::RefCell<rustc_hash::FxHashMap<(usize, usize), Option<f64>>>,
    asked: std::cell::Cell<u32>,
}

/// See [`Constants`].
const CONSTANTS_UNREMEMBERED: u32 = 256;

/// [`constant`], following definitions `depth` deep.
fn constant_to(model: &Model, e: &Expr, depth: usize, memo: &Constants) -> Option<f64> {
    // (Only sums, products, roots, `exp`, `log` and definitions are remembered: numbers,
    // negations and powers are read through, the rest is no number.)
    match e {
        Expr::Const(lit) => return Some(super::value::ratio_to_f64(&lit.value)).filter(|v| v.is_finite()),
        Expr::Add(..) | Expr::Sub(..) | Expr::Mul(..) | Expr::Div(..) | Expr::Entry(_) => {}
        Expr::Neg(a) => return constant_to(model, a, depth, memo).map(|v| -v),
        // (`sin(x - 1.3 + pi/2)`: the edges of a sliver at its top were not found with `pi` no
        // number; an adversarial tester.)
        Expr::Builtin(Builtin::Pi, 0, _) => return Some(std::f64::consts::PI),
        Expr::Pow(a, b) => {
            let v = constant_to(model, a, depth, memo)?.powf(constant_to(model, b, depth, memo)?);
            return v.is_finite().then_some(v);
        }
        Expr::Builtin(Builtin::Sqrt | Builtin::Exp | Builtin::Log, 0, _) => {}
        _ => return None,
    }
    let key = (std::ptr::from_ref(e) as usize, depth);
    let remember = memo.asked.get() >= CONSTANTS_UNREMEMBERED;
    if remember {
        if let Some(&known) = memo.known.borrow().get(&key) {
            return known;
        }
    } else {
        memo.asked.set(memo.asked.get() + 1);
    }
    let c = |x: &Expr| constant_to(model, x, depth, memo);
    let v = (|| {
        let v = match e {
            Expr::Add(a, b) => c(a)? + c(b)?,
            Expr::Sub(a, b) => c(a)? - c(b)?,
            Expr::Mul(a, b) => c(a)? * c(b)?,
            Expr::Div(a, b) => c(a)? / c(b)?,
            Expr::Builtin(Builtin::Sqrt, 0, a) => c(a.first()?)?.sqrt(),
            Expr::Builtin(Builtin::Exp, 0, a) => c(a.first()?)?.exp(),
            Expr::Builtin(Builtin::Log, 0, a) => c(a.first()?)?.ln(),
            Expr::Entry(r) if depth > 0 && r.args.is_empty() => match &model.entries[r.entry].kind {
                EntryKind::Defined(body) => constant_to(model, body, depth - 1, memo)?,
                _ => return None,
            },
            _ => return None,
        };
        v.is_finite().then_some(v)
    })();
    if remember {
        memo.known.borrow_mut().insert(key, v);
    }
    v
}

/// The scalar inputs of finite sets among `inputs`, where there are two to eight of them that
/// take at most [`MAX_FINITE_TURNS`] turns, a set of two members last where there is one.
fn finite_turns(model: &Model, inputs: &[EntryId]) -> Option<FiniteTurns> {
    let mut out = FiniteTurns::default();
    let members = |e: EntryId| match model.domain_set(e) {
        Some(crate::model::DomainSet::Finite(values)) => values.len(),
        _ => 0,
    };
    let mut inputs = inputs.to_vec();
    // (A stable sort: the sets of two members last, in the order read.)
    inputs.sort_by_key(|&e| members(e) == 2);
    for e in inputs {
        let Some(crate::model::DomainSet::Finite(values)) = model.domain_set(e) else { continue };
        if !model.entries[e].slots.is_empty() || values.len() < 2 {
            continue;
        }
        if out.count == out.entries.len() {
            return None;
        }
        out.entries[out.count] = e;
        out.members[out.count] = values.len() as u64;
        out.count += 1;
    }
    (out.count >= 2
        && out.members[..out.count].iter().try_fold(1u64, |a, &n| a.checked_mul(n)).is_some()
        && out.turns() <= MAX_FINITE_TURNS)
        .then_some(out)
}

/// A place an input changes behaviour at (a kink's, or a constant added to it), and the input
/// families what sits there reads.
type Place = (f64, Vec<EntryId>);

/// The most nodes [`inputs_read`] looks at, definitions' bodies included.
const INPUTS_READ: usize = 4_096;

/// The input families an expression reads, through the definitions it reads (each once), in the
/// order first read; as far as [`INPUTS_READ`] nodes tell.
fn inputs_read(model: &Model, e: &Expr) -> Vec<EntryId> {
    fn walk(model: &Model, e: &Expr, out: &mut Vec<EntryId>, seen: &mut Vec<Seen>, budget: &mut usize) {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        match e {
            Expr::Entry(r) => match &model.entries[r.entry].kind {
                EntryKind::Input(_) if !out.contains(&r.entry) => out.push(r.entry),
                EntryKind::Defined(body) if !seen.contains(&Seen::Entry(r.entry)) => {
                    seen.push(Seen::Entry(r.entry));
                    walk(model, body, out, seen, budget);
                }
                _ => {}
            },
            // A function's body may read an input it is not given (`let g(u) = u*w`; a reviewer's
            // `relu(g(x) - 50)` never had `w` drawn past 50).
            Expr::Apply(f, _, _) if !seen.contains(&Seen::Function(*f)) => {
                seen.push(Seen::Function(*f));
                if let Some(function) = model.user_functions.get(*f) {
                    walk(model, &function.body, out, seen, budget);
                }
            }
            _ => {}
        }
        e.for_each_child(|c| walk(model, c, out, seen, budget));
    }
    #[derive(PartialEq)]
    enum Seen {
        Entry(EntryId),
        Function(usize),
    }
    let (mut out, mut seen, mut budget) = (Vec::new(), Vec::new(), INPUTS_READ);
    walk(model, e, &mut out, &mut seen, &mut budget);
    out
}

/// The most degree [`polynomial`] reads (at 8, a polynomial of degree 10 was no edge: a second
/// adversarial tester).
const POLYNOMIAL_DEGREE: usize = 24;

/// An expression as a polynomial of degree two or more in one part of it that is not a number,
/// with its coefficients from the constant up: `x^2 - 7*x + 12` is `[12, -7, 1]` in `x`,
/// `(w - 1)*(w + 2)` is `[-2, 1, 1]` in `w`.
fn polynomial<'e>(model: &Model, e: &'e Expr) -> Option<(Vec<f64>, &'e Expr)> {
    let memo = Constants::default();
    let mut inner: Option<&'e Expr> = None;
    let p = polynomial_in(model, e, &mut inner, &memo)?;
    (p.len() > 2 && p.iter().all(|c| c.is_finite())).then_some((p, inner?))
}

/// [`polynomial`]'s coefficients, the part `inner` found on the way (every other part must be it).
fn polynomial_in<'e>(model: &Model, e: &'e Expr, inner: &mut Option<&'e Expr>, memo: &Constants) -> Option<Vec<f64>> {
    if let Some(v) = constant(model, e, memo) {
        return Some(vec![v]);
    }
    let sum = |a: Vec<f64>, b: Vec<f64>, sign: f64| {
        let mut out = vec![0.0; a.len().max(b.len())];
        for (i, c) in a.iter().enumerate() {
            out[i] += c;
        }
        for (i, c) in b.iter().enumerate() {
            out[i] += sign * c;
        }
        out
    };
    let product = |a: &[f64], b: &[f64]| {
        let mut out = vec![0.0; a.len() + b.len() - 1];
        for (i, x) in a.iter().enumerate() {
            for (j, y) in b.iter().enumerate() {
                out[i + j] += x * y;
            }
        }
        out
    };
    let p = match e {
        Expr::Neg(a) => polynomial_in(model, a, inner, memo)?.iter().map(|c| -c).collect(),
        Expr::Add(a, b) => sum(polynomial_in(model, a, inner, memo)?, polynomial_in(model, b, inner, memo)?, 1.0),
        Expr::Sub(a, b) => sum(polynomial_in(model, a, inner, memo)?, polynomial_in(model, b, inner, memo)?, -1.0),
        Expr::Mul(a, b) => product(&polynomial_in(model, a, inner, memo)?, &polynomial_in(model, b, inner, memo)?),
        Expr::Div(a, b) => {
            let k = constant(model, b, memo).filter(|k| *k != 0.0)?;
            polynomial_in(model, a, inner, memo)?.iter().map(|c| c / k).collect()
        }
        Expr::Pow(a, b) => {
            let n = constant(model, b, memo)
                .filter(|n| n.fract() == 0.0 && (0.0..=POLYNOMIAL_DEGREE as f64).contains(n))?;
            let base = polynomial_in(model, a, inner, memo)?;
            (0..n as usize).fold(vec![1.0], |acc, _| product(&acc, &base))
        }
        _ => {
            match inner {
                Some(seen) if *seen != e => return None,
                _ => *inner = Some(e),
            }
            vec![0.0, 1.0]
        }
    };
    (p.len() <= POLYNOMIAL_DEGREE + 1).then_some(p)
}

/// The real roots of a polynomial (coefficients from the constant up), each once: between the
/// roots of its derivative it is monotone, so each piece holds at most one, found by bisection.
fn real_roots(p: &[f64]) -> Vec<f64> {
    let mut p = p.to_vec();
    while p.len() > 1 && p.last() == Some(&0.0) {
        p.pop();
    }
    // A constant term 0 is a root 0, exactly: bisection found `u - u^2`'s as 4.7e-61, and draws
    // beside that "scale" of `u in (0, 1)` took a derivative by differences across 0 (a second
    // adversarial tester: a true second derivative `wrong` at every seed).
    if p.len() > 1 && p[0] == 0.0 {
        let mut roots = real_roots(&p[1..]);
        if !roots.contains(&0.0) {
            roots.push(0.0);
        }
        roots.sort_by(f64::total_cmp);
        return roots;
    }
    let n = p.len() - 1;
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![-p[0] / p[1]].into_iter().filter(|r| r.is_finite()).collect();
    }
    let value = |x: f64| p.iter().rev().fold(0.0, |acc, c| acc * x + c);
    // Every root lies within Cauchy's bound.
    let bound = 1.0 + p[..n].iter().map(|c| (c / p[n]).abs()).fold(0.0, f64::max);
    if !bound.is_finite() {
        return Vec::new();
    }
    let derivative: Vec<f64> = p.iter().enumerate().skip(1).map(|(i, c)| i as f64 * c).collect();
    let mut ends = vec![-bound];
    ends.extend(real_roots(&derivative).into_iter().filter(|r| r.abs() < bound));
    ends.push(bound);
    let scale = p.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    let mut roots: Vec<f64> = Vec::new();
    for w in ends.windows(2) {
        let (mut lo, mut hi) = (w[0], w[1]);
        let (vlo, vhi) = (value(lo), value(hi));
        // A double root sits at a root of the derivative.
        let root = if vlo.abs() <= 1e-12 * scale {
            Some(lo)
        } else if vlo.signum() == vhi.signum() {
            None
        } else {
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if mid <= lo || mid >= hi {
                    break;
                }
                if value(mid).signum() == vlo.signum() {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Some(0.5 * (lo + hi))
        };
        if let Some(r) = root.filter(|r| roots.last().is_none_or(|l| (r - l).abs() > 1e-12 * bound)) {
            roots.push(r);
        }
    }
    roots
}

/// `coef·atom + constant`, where `atom` is the one part that is not a number (if any).
struct Linear<'e> {
    atom: Option<&'e Expr>,
    coef: f64,
    constant: f64,
}

impl<'e> Linear<'e> {
    fn opaque(e: &'e Expr) -> Linear<'e> {
        Linear { atom: Some(e), coef: 1.0, constant: 0.0 }
    }

    fn scaled(self, k: f64) -> Linear<'e> {
        Linear { atom: self.atom, coef: self.coef * k, constant: self.constant * k }
    }

    fn combined(&self, other: &Linear<'e>, sign: f64) -> Option<Linear<'e>> {
        let atom = match (self.atom, other.atom) {
            (Some(a), Some(b)) if a != b => return None,
            (a, b) => a.or(b),
        };
        let coef = if self.atom.is_some() { self.coef } else { 0.0 }
            + sign * if other.atom.is_some() { other.coef } else { 0.0 };
        Some(Linear { atom, coef, constant: self.constant + sign * other.constant })
    }
}

/// An expression as a linear form in one part of it, where it is one.
fn linear<'e>(model: &Model, e: &'e Expr) -> Linear<'e> {
    linear_in(model, e, &Constants::default())
}

fn linear_in<'e>(model: &Model, e: &'e Expr, memo: &Constants) -> Linear<'e> {
    if let Some(v) = constant(model, e, memo) {
        return Linear { atom: None, coef: 0.0, constant: v };
    }
    let l = |x: &'e Expr| linear_in(model, x, memo);
    match e {
        Expr::Neg(a) => l(a).scaled(-1.0),
        Expr::Add(a, b) => l(a).combined(&l(b), 1.0).unwrap_or_else(|| Linear::opaque(e)),
        Expr::Sub(a, b) => l(a).combined(&l(b), -1.0).unwrap_or_else(|| Linear::opaque(e)),
        Expr::Mul(a, b) => match (constant(model, a, memo), constant(model, b, memo)) {
            (Some(k), _) => l(b).scaled(k),
            (_, Some(k)) => l(a).scaled(k),
            _ => Linear::opaque(e),
        },
        Expr::Div(a, b) => match constant(model, b, memo) {
            Some(k) if k != 0.0 => l(a).scaled(1.0 / k),
            _ => Linear::opaque(e),
        },
        _ => Linear::opaque(e),
    }
}

/// `e` as `Σ k·exp(p) + c` (each exponential with its factor, `sign` times), with `cosh` and `sinh`
/// written out; false where a term is anything else.
fn exponentials(model: &Model, e: &Expr, sign: f64, terms: &mut Vec<(f64, Expr)>, c: &mut f64) -> bool {
    if let Some(v) = constant(model, e, &Constants::default()) {
        *c += sign * v;
        return true;
    }
    let negated = |t: &Expr| Expr::Neg(Box::new(t.clone()));
    match e {
        Expr::Add(a, b) => exponentials(model, a, sign, terms, c) && exponentials(model, b, sign, terms, c),
        Expr::Sub(a, b) => exponentials(model, a, sign, terms, c) && exponentials(model, b, -sign, terms, c),
        Expr::Neg(a) => exponentials(model, a, -sign, terms, c),
        Expr::Mul(a, b) => match (constant(model, a, &Constants::default()), constant(model, b, &Constants::default()))
        {
            (Some(k), _) => exponentials(model, b, sign * k, terms, c),
            (_, Some(k)) => exponentials(model, a, sign * k, terms, c),
            _ => false,
        },
        Expr::Div(a, b) => match constant(model, b, &Constants::default()) {
            Some(k) if k != 0.0 => exponentials(model, a, sign / k, terms, c),
            _ => false,
        },
        Expr::Builtin(Builtin::Exp, 0, p) => {
            terms.push((sign, p[0].clone()));
            true
        }
        Expr::Builtin(b @ (Builtin::Cosh | Builtin::Sinh), 0, t) => {
            let other = if *b == Builtin::Cosh { sign / 2.0 } else { -sign / 2.0 };
            terms.push((sign / 2.0, t[0].clone()));
            terms.push((other, negated(&t[0])));
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(source: &str) -> Model {
        let (file, errors) = crate::syntax::parse_file(source);
        assert!(errors.is_empty(), "{errors:?}");
        let (model, diagnostics) = crate::model::resolve(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        model
    }

    fn of(source: &str) -> Coverage {
        let m = model(source);
        let d = &m.derivations[0];
        let exprs: Vec<&Expr> = std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).collect();
        coverage(&m, &exprs)
    }

    #[test]
    fn kinks_are_solved_for_what_they_are_kinks_of() {
        assert_eq!(of("var x\nderive min(x, 5)\n  = x\n").scales, vec![5.0]);
        assert_eq!(of("var x\nderive relu(2*x - 3)\n  = x\n").scales, vec![1.5]);
        assert_eq!(of("var x\nderive step(0.2 - abs(x))\n  = 1\n").scales, vec![0.2]);
        assert_eq!(of("var x\nlet my_relu6(z) = min(max(z, 0), 6)\nderive my_relu6(x)\n  = x\n").scales, vec![6.0]);
        assert_eq!(of("var x\nlet g = 2*x + 1\nderive max(g, 0.5)\n  = g\n").scales, vec![0.25]);
        // A kink at 0 is where the usual draws change sign.
        assert!(of("var x\nderive relu(x)\n  = x\n").scales.is_empty());
    }

    #[test]
    fn parts_that_meet_at_far_ratios_are_solved_for_the_largest_coefficient() {
        let meetings = |src: &str| of(src).meetings;
        let p = |input, coefficient| Some(Partner { input, coefficient, abs: false });
        // x = y/1000 (entries 0 and 1).
        let m = meetings("var x, y\nderive step(1000*x - y)\n  = 1\n");
        assert_eq!(
            m,
            vec![Meeting { input: 0, partners: [p(1, 0.001), None, None, None], constant: 0.0, top: 2.1 * 0.002 }]
        );
        // Through a definition, and with a constant: x = y/1000 - 0.002.
        let m = meetings("var x, y\nlet z = 1000*x - y + 2\nderive step(z)\n  = 1\n");
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].input, m[0].partners[0].map(|p| p.input)), (0, Some(1)));
        assert!((m[0].constant + 0.002).abs() < 1e-15, "{m:?}");
        // A slab: x = y - 0.001*z; the two arguments of `max` meet where 1000*x = y.
        let m = meetings("var x, y, z\nderive step(x - y + 0.001*z)\n  = 1\n");
        assert_eq!(m[0].partners, [p(2, -0.001), p(1, 1.0), None, None]);
        let m = meetings("var x, y\nderive max(1000*x, y)\n  = 1\n");
        assert_eq!(
            m,
            vec![Meeting { input: 0, partners: [p(1, 0.001), None, None, None], constant: 0.0, top: 2.1 * 0.002 }]
        );
        // Like coefficients are reached by the usual draws (but not those 2 apart: the wedge
        // between x = y and x = 2y was missed at a sixth of the seeds); an input in a bounded
        // domain, or one input twice, is not drawn so.
        assert!(meetings("var x, y\nderive step(1.2*x - y)\n  = 1\n").is_empty());
        assert_eq!(meetings("var x, y\nderive step(2*x - y)\n  = 1\n").len(), 1);
        assert!(meetings("var x in (0, 1), y in (0, 1)\nderive step(1000*x - y)\n  = 1\n").is_empty());
        // A bounded input is read, not drawn: y = 1000*x.
        let m = meetings("var x in (0, 1), y\nderive step(1000*x - y)\n  = 1\n");
        assert_eq!(
            m,
            vec![Meeting { input: 1, partners: [p(0, 1000.0), None, None, None], constant: 0.0, top: 2.1 * 1000.0 }]
        );
        // Under `abs`, the magnitude: x = |y|/1000.
        let m = meetings("var x, y\nderive step(1000*x - abs(y))\n  = 1\n");
        assert_eq!(m[0].partners[0], Some(Partner { input: 1, coefficient: 0.001, abs: true }));
        assert!(meetings("var x\nderive step(1000*x - x)\n  = 1\n").is_empty());
    }

    #[test]
    fn the_real_roots_of_a_polynomial_are_found_once_each() {
        let close = |got: Vec<f64>, want: &[f64]| {
            got.len() == want.len() && got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-9)
        };
        assert!(close(real_roots(&[12.0, -7.0, 1.0]), &[3.0, 4.0]));
        assert!(close(real_roots(&[-6.0, 11.0, -6.0, 1.0]), &[1.0, 2.0, 3.0]));
        // A double root, where the polynomial touches 0 without changing sign.
        assert!(close(real_roots(&[1.0, -2.0, 1.0]), &[1.0]));
        assert!(real_roots(&[5.0, -2.0, 1.0]).is_empty());
        // A root 0 exactly (`u - u^2`, `x^3 - x`), not a tiny number bisection lands on.
        assert_eq!(real_roots(&[0.0, 1.0, -1.0])[0], 0.0);
        assert!(close(real_roots(&[0.0, 1.0, -1.0]), &[0.0, 1.0]));
        assert_eq!(real_roots(&[0.0, -1.0, 0.0, 1.0])[1], 0.0);
        // x⁴ - 5x² + 4: ±1, ±2.
        assert!(close(real_roots(&[4.0, 0.0, -5.0, 0.0, 1.0]), &[-2.0, -1.0, 1.0, 2.0]));
        // The edges of `sqrt(x^2 - 7x + 12)` leave the piece between them drawn at.
        let gaps = of("var x\nderive sqrt(x^2 - 7*x + 12)\n  = x\n").gaps;
        assert!(gaps.iter().any(|(lo, hi)| (lo - 3.0).abs() < 1e-9 && (hi - 4.0).abs() < 1e-9), "{gaps:?}");
    }

    #[test]
    fn kinks_too_close_to_be_two_scales_leave_a_gap() {
        let c = of("var x\nderive hardtanh(100*x - 50)\n  = x\n");
        // (50, added to an input, is a scale too.)
        assert_eq!(c.scales, vec![0.51, 50.0]);
        assert_eq!(c.gaps.len(), 1);
        let (lo, hi) = c.gaps[0];
        assert!((lo - 0.49).abs() < 1e-12 && (hi - 0.51).abs() < 1e-12, "{:?}", c.gaps);
        // ±0.05 is one magnitude: no gap.
        assert!(of("var x\nderive hardtanh(20*x)\n  = x\n").gaps.is_empty());
    }

    #[test]
    fn an_edge_through_a_log_at_zero_is_at_one() {
        assert_eq!(of("var x > 0\nderive sqrt(log(x))\n  = x\n").scales, vec![1.0]);
        let c = of("var x > 0\nderive log(log(x)) * (1 + step(1.001 - x))\n  = log(log(x))\n");
        assert_eq!(c.gaps, vec![(1.0, 1.001)]);
    }

    #[test]
    fn numbers_written_as_arithmetic_or_definitions_are_scales() {
        assert_eq!(of("var x\nlet d = 0.003\nderive relu(x - d)\n  = x\n").scales, vec![0.003]);
        assert_eq!(of("var x\nderive step(10^4*x - 1)\n  = 1\n").scales, vec![1e-4]);
        assert_eq!(of("var x\nderive min(x, 0.02^2)\n  = x\n").scales, vec![0.02f64.powi(2)]);
        assert_eq!(of("var x\nderive max(x, exp(-8))\n  = x\n").scales, vec![(-8f64).exp()]);
        assert_eq!(of("var x\nlet e = sqrt(1e-6)\nlet d = 2*e\nderive huber(x, d)\n  = x\n").scales, vec![0.002]);
        // A constant added to an input, outside the usual draws.
        assert_eq!(of("var x\nderive log(x^2 + 10^-9)\n  = x\n").scales, vec![1e-9]);
        // Not a number: an input in it.
        assert!(of("var x, y\nderive relu(x - y^2)\n  = x\n").scales.is_empty());
    }

    #[test]
    fn kinks_of_formulas_and_functions_are_read_at_each_use() {
        assert_eq!(of("var x\nderive relu6(x)\n  = x\n").scales, vec![6.0]);
        assert_eq!(of("var x\nderive hardtanh(20*x)\n  = x\n").scales, vec![0.05]);
        assert_eq!(of("var x, g\nderive g*diff(huber(x, 0.01), x)\n  = x\n").scales, vec![0.01]);
        assert_eq!(of("var x\nderive smooth_l1(x, 0.01)\n  = x\n").scales, vec![0.01]);
        assert_eq!(of("var x\nderive clamp(x, -0.02, 0.02)\n  = x\n").scales, vec![0.02]);
        let c = of("var x\nlet ht(u) = min(max(u, -1), 1)\nderive ht(20*x) + ht(x/100)\n  = x\n");
        assert_eq!(c.scales, vec![0.05, 100.0]);
        // Through a function's use of a formula.
        assert_eq!(of("var x\nlet f(u) = hardtanh(4*u)\nderive f(x/2)\n  = x\n").scales, vec![0.5]);
        // A definition read inside a function's body has its kinks where it is.
        assert_eq!(of("var x\nlet k = min(x, 5)\nlet f(u) = u*k\nderive f(x)\n  = x\n").scales, vec![5.0]);

        // Past the budget, a body's kinks are read over its parameters, as before: min(u, 3) at 3
        // (with 10·10 copies of x put in, at 0.03; with 150·150, past the budget).
        let copies = |v: &str, n: usize| vec![v; n].join("+");
        let f = |n| {
            format!(
                "var x\nlet q(u) = min(u, 3)\nlet p(v) = q({})\nderive p({})\n  = x\n",
                copies("v", n),
                copies("x", n)
            )
        };
        assert_eq!(of(&f(10)).scales, vec![0.03]);
        assert_eq!(of(&f(150)).scales, vec![3.0]);
        // A body without a kink is not read at its uses.
        let m = model("var x\nlet f(u) = u*u + sin(u)\nlet g(u) = f(u) + hardtanh(u)\nderive g(x)\n  = x\n");
        let mut w = Walk::new(&m);
        assert!(!w.kinked_function(0));
        assert!(w.kinked_function(1));
    }

    #[test]
    fn kinks_where_two_inputs_meet_are_relative() {
        assert!(of("var x, d > 0\nderive step(d - abs(x))\n  = 1\n").relative_kink);
        assert!(of("var a, b\nderive max(a, b)\n  = a\n").relative_kink);
        assert!(of("var x, d > 0\nderive huber(x, d)\n  = x\n").relative_kink);
        assert!(of("var x, d > 0\nderive clamp(x, -d, d)\n  = x\n").relative_kink);
        // At a magnitude, or at 0: the usual draws and the bands of scales reach both sides.
        assert!(!of("var x\nderive step(0.2 - abs(x))\n  = 1\n").relative_kink);
        assert!(!of("var x\nderive relu(2*x - 3)\n  = x\n").relative_kink);
        assert!(!of("var x\nderive max(x, 0)\n  = x\n").relative_kink);
    }

    #[test]
    fn constants_added_outside_the_usual_draws_are_scales() {
        let c = of("var x, v > 0\nderive x / sqrt(v + 1e-12)\n  = x / sqrt(v)\n");
        assert_eq!(c.scales, vec![1e-12]);
        assert!(of("var x\nderive 1 - x\n  = x\n").scales.is_empty());
    }

    #[test]
    fn ranges_that_may_be_empty_are_found_through_definitions() {
        let c = of("index i in 1..n\nvar x[i]\nlet s = sum(k in 1..n-6, x[k])\nderive s\n  = 0\n");
        assert_eq!(c.sums[0].len(), 1);
        assert!(c.sums[1].is_empty());
        let r = c.sums[0][0];
        assert!(empty_at(r, &[5]) && !empty_at(r, &[7]) && !has_interior_at(r, &[8]) && has_interior_at(r, &[9]));
    }

    #[test]
    fn reads_know_their_extremes() {
        let c = of("index i in 1..n\nvar x[i]\nderive x[n-1]\n  = 0\n");
        assert_eq!(c.reads.len(), 1);
        assert!(!c.reads[0].in_range_at(&[1]) && c.reads[0].in_range_at(&[2]));
        // Under a sum that is empty, nothing is read.
        let c = of("index i in 1..n\nvar x[i]\nderive sum(k in 1..n-6, x[k+6])\n  = 0\n");
        assert!(c.reads.iter().all(|r| r.in_range_at(&[3]) && r.in_range_at(&[9])));
    }

    #[test]
    fn exactness_and_randomness() {
        let c = of("var x\nunknown f(u)\nderive diff(x^2, x)\n  = 2*x\n  = exp(x)\n  = f(x)\n  = 3\n");
        assert_eq!(c.rational, vec![false, true, false, false, true]);
        assert_eq!(c.random, vec![true, true, true, true, false]);
        assert_eq!(c.differenced, vec![true, false, false, false, false]);
        let c = of("var x\nlet z = diff(x^3, x)\nlet phi(u) = u^2\nderive z\n  = phi'(x)\n  = 3*x^2\n");
        assert_eq!(c.differenced, vec![true, true, false]);
    }
}
