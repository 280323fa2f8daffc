//! Verdicts: for every step, does it follow from the step before (`verdict`), and does it still
//! equal the head (`holds`)? Decided here from the numeric samples; a numeric agreement is
//! `checked`, never `proved`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use num_rational::BigRational;
use rand::Rng;

use crate::diagnostic::Span;
use crate::model::{free_indices, Derivation, Expr, IndexId, IndexRange, Model, ToleranceRule};
use crate::numeric::coverage::{self, Coverage};
use crate::numeric::random::Band;
use crate::numeric::{
    self, entry_key_text, random, Context, EvalError, Interval, RangeAnswer, RangeQuery, Sample, TOO_LARGE, TOO_SMALL,
};
use crate::prove;
use crate::syntax::ast::Relation;
use crate::work::{self, Budget, Spent};

/// How to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The seed of all sampling.
    pub seed: u64,
    /// Samples per size instance and index assignment.
    pub samples: usize,
    /// Whether to run the numeric check.
    pub numeric: bool,
    /// Whether to run the symbolic prover.
    pub prove: bool,
    /// The prover's budget per expression (units of work, and a safety net in time); past it,
    /// the numbers decide.
    pub prove_budget: Budget,
    /// Whether to look for a chain of rewrites behind each proof.
    pub explain: bool,
    /// The budget of a whole file, prover and numbers together (units of work, and a safety net
    /// in time); past it, the steps not yet decided are `undetermined`.
    pub file_budget: Budget,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            seed: DEFAULT_SEED,
            samples: 3,
            numeric: true,
            prove: true,
            prove_budget: Budget { work: DEFAULT_PROVE_WORK, time: Some(DEFAULT_PROVE_TIMEOUT) },
            explain: false,
            file_budget: Budget { work: DEFAULT_FILE_WORK, time: Some(DEFAULT_FILE_TIMEOUT) },
        }
    }
}

/// The prover's default budget of work per expression (`--prove-work`), in units of
/// [`crate::work`]: lowered nodes, normalised nodes, products of monomials and gcd steps.
pub const DEFAULT_PROVE_WORK: u64 = 5_000_000;
/// The prover's default safety net in time per expression (`--timeout-ms`): far above what the
/// budget of work allows on a slow machine, so that it never decides a verdict in normal use.
pub const DEFAULT_PROVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);
/// The default budget of work for checking one file (`--file-work`), in units of [`crate::work`]:
/// evaluation operations, and the prover's units.
pub const DEFAULT_FILE_WORK: u64 = 200_000_000;
/// The default safety net in time for checking one file (`--file-timeout-ms`), far above what the
/// budget of work takes on a slow machine.
pub const DEFAULT_FILE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The fixed default seed, so that runs are reproducible.
pub const DEFAULT_SEED: u64 = 0x6772_6164_7072_6f6f;
/// The fewest samples a derivation is checked at.
const MIN_SAMPLES: usize = 12;
/// Sizes are tried from 1 to this.
const MAX_SIZE: i64 = 5;
/// How often a sample is redrawn when a derivative lands near a kink.
const REDRAWS: u64 = 8;
/// How often a draw at other magnitudes is; past that it is left out.
const LENIENT_REDRAWS: u64 = 3;

/// The verdict of one step (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A symbolic proof shows the step equal to the one before.
    Proved,
    /// Not proved, but equal at every sample.
    Checked,
    /// A counterexample was found.
    Wrong,
    /// Neither proved nor evaluable.
    Undetermined,
}

impl Verdict {
    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Proved => "proved",
            Verdict::Checked => "checked",
            Verdict::Wrong => "wrong",
            Verdict::Undetermined => "undetermined",
        }
    }
}

/// A sample at which two expressions differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterexample {
    /// The sizes, by name.
    pub sizes: BTreeMap<String, i64>,
    /// The free indices, by name.
    pub indices: BTreeMap<String, i64>,
    /// The inputs read, by entry (`s[2,t-1]`).
    pub inputs: BTreeMap<String, f64>,
    /// The value being compared against (the previous step), if defined.
    pub left: Option<f64>,
    /// The step's value, if defined.
    pub right: Option<f64>,
    /// Both values written out exactly, when they are exact and differ but their floats would
    /// print alike (an exact determinant of 1e-400 is 0 as a float).
    pub exact_text: Option<(String, String)>,
}

/// The result for one step.
#[derive(Debug, Clone)]
pub struct StepResult {
    /// 1-based position in the derivation.
    pub index: usize,
    /// The step's line.
    pub span: Span,
    /// `=` or `≈`.
    pub relation: Relation,
    /// Does it follow from the step before?
    pub verdict: Verdict,
    /// Does it still equal the head?
    pub holds: bool,
    /// Whether `holds` was decided (false when the comparison with the head was undetermined).
    pub holds_known: bool,
    /// The step's note.
    pub note: Option<String>,
    /// One line on how the verdict was reached.
    pub detail: String,
    /// For a wrong step: where it fails.
    pub counterexample: Option<Counterexample>,
    /// For a wrong step: the likely mistake.
    pub cause: Option<String>,
    /// For a proved step: the rules the proof used.
    pub explanation: Vec<String>,
    /// Set when a proof contradicts the numeric check: a bug in gradproof, never a verdict.
    pub internal_error: bool,
}

/// The result for one derivation.
#[derive(Debug, Clone)]
pub struct DerivationResult {
    /// Its name, if any.
    pub name: Option<String>,
    /// The `derive` line.
    pub span: Span,
    /// One result per step.
    pub steps: Vec<StepResult>,
}

impl DerivationResult {
    /// Whether the last step still equals the head.
    pub fn final_holds(&self) -> bool {
        self.steps.last().is_some_and(|s| s.holds)
    }
}

/// Checks every derivation of a model, within the file's budget.
pub fn check_model(model: &Model, options: &CheckOptions) -> Vec<DerivationResult> {
    let ctx = Context::new(model)
        .with_spent_messages(spent_message(options, Spent::File), spent_message(options, Spent::FileTime));
    work::file(options.file_budget, || {
        model.derivations.iter().enumerate().map(|(i, d)| check_derivation(&ctx, i, d, options)).collect()
    })
}

/// The exact value of an expression of a model that gives every name in it a number (no sizes,
/// sampled inputs, free indices or unknown functions), if it has one.
pub fn exact_value(model: &Model, e: &Expr) -> Option<BigRational> {
    if !model.sizes.is_empty() {
        return None;
    }
    let ctx = Context::new(model);
    let sample = Sample::standard(Vec::new(), vec![None; model.indices.len()], 0, false);
    numeric::eval_exact(&ctx, &sample, e).ok()
}

/// Why a step was not decided when a budget was spent.
fn spent_message(options: &CheckOptions, why: Spent) -> String {
    let millis = |b: &Budget| b.time.map_or(0, |t| t.as_millis());
    match why {
        Spent::File => format!(
            "not decided: checking the file needs more than its budget of {} units of work (raise it with --file-work)",
            options.file_budget.work
        ),
        Spent::FileTime => format!(
            "not decided: checking the file reached the safety limit of {} ms, which depends on the machine \
             (raise it with --file-timeout-ms)",
            millis(&options.file_budget)
        ),
        Spent::Part => format!(
            "the prover gave up: the expression needs more than {} units of work (raise it with --prove-work)",
            options.prove_budget.work
        ),
        Spent::PartTime => format!(
            "the prover stopped at its safety limit of {} ms, which depends on the machine (raise it with --timeout-ms)",
            millis(&options.prove_budget)
        ),
    }
}

/// The value of one expression at one sample.
#[derive(Debug, Clone)]
enum Point {
    Value {
        exact: Option<BigRational>,
        float: f64,
        error: f64,
        scale: f64,
    },
    Undefined,
    /// Floats lost the answer (an operand within its error of a domain edge): the pairs it is in
    /// are compared in higher precision.
    Lost(String),
    Error(String),
}

/// How two expressions compare at one sample.
#[derive(Debug, Clone, PartialEq)]
enum PairOutcome {
    Agree,
    Disagree,
    BothUndefined,
    OneUndefined,
    Error(String),
    /// A draw at other magnitudes whose comparison does not count (see [`Evaluated::lenient`]).
    Skipped,
}

struct Evaluated {
    sample: Sample,
    points: Vec<Point>,
    widened: Vec<Option<Result<Interval, EvalError>>>,
    /// Values in higher precision, computed when a comparison needs them, by expression and bits.
    precise: RefCell<HashMap<(usize, usize), PrecisePoint>>,
    /// A draw at other magnitudes than the usual ones: only a comparison of two values counts
    /// (large inputs overflow, and lose to rounding what the usual draws keep).
    lenient: bool,
}

fn check_derivation(ctx: &Context, d_index: usize, d: &Derivation, options: &CheckOptions) -> DerivationResult {
    if let Some(why) = work::file_spent() {
        return spent_result(d, &spent_message(options, why));
    }
    let exprs: Vec<&Expr> = std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).collect();
    let free: Vec<Vec<IndexId>> = exprs
        .iter()
        .map(|e| {
            let mut v = Vec::new();
            free_indices(e, &mut v);
            v
        })
        .collect();
    // Widened values are needed for `≈` steps, and for `holds` after the first `≈`.
    let first_approx = d.steps.iter().position(|s| s.relation == Relation::Approx);
    let needs_widened: Vec<bool> =
        std::iter::once(false).chain((0..d.steps.len()).map(|k| first_approx.is_some_and(|f| k >= f))).collect();

    // The prover first: it is usually the cheaper of the two, and where the file's time runs out
    // during the numbers, a proof still stands. An array of concrete shape is proved element by
    // element: each element's position is a number, so the elements of literals can be read off.
    let instances = element_instances(ctx.model, &free);
    let all_forms: Vec<prove::Forms> = if options.prove {
        instances
            .iter()
            .map(|inst| {
                let map: Vec<(IndexId, crate::model::Ix)> =
                    inst.iter().map(|&(i, v)| (i, crate::model::Ix { constant: v, terms: Vec::new() })).collect();
                let substituted: Vec<Expr> = exprs.iter().map(|e| crate::model::subst_free(e, &map)).collect();
                let refs: Vec<&Expr> = substituted.iter().collect();
                prove::normal_forms(ctx.model, &refs, options.prove_budget)
            })
            .collect()
    } else {
        Vec::new()
    };
    let forms = all_forms.first();
    let proved = |a: usize, b: usize| -> bool {
        !all_forms.is_empty()
            && all_forms.iter().all(|f| match (&f.forms[a], &f.forms[b]) {
                (Some(x), Some(y)) => x.proves_equal(y),
                _ => false,
            })
    };
    let cover = coverage::coverage(ctx.model, &exprs);
    // Where every comparison is proved, the numbers only cross-check the proofs: the draws that
    // look for what the usual ones miss (other magnitudes, exact rational values) are spared.
    let all_proved = (1..exprs.len()).all(|k| proved(k - 1, k) && proved(0, k));
    let evaluated = if options.numeric {
        evaluate_all(ctx, d_index, &exprs, &free, &needs_widened, &cover, !all_proved, options)
    } else {
        Vec::new()
    };
    // How a proved step was proved: the chain of rewrites where the e-graph finds one (only with
    // --explain, as it costs time), else the rules the normal forms used.
    let explanation_of = |a: usize, b: usize| -> Vec<String> {
        let Some(f) = forms else { return Vec::new() };
        let (Some(x), Some(y)) = (&f.forms[a], &f.forms[b]) else { return Vec::new() };
        let chain = (options.explain && work::file_spent().is_none())
            .then(|| prove::egraph::explain(&f.model, &x.lowered, &y.lowered))
            .flatten();
        chain.unwrap_or_else(|| x.rules.union(&y.rules).map(|r| r.to_string()).collect())
    };

    let mut steps = Vec::new();
    for (k, step) in d.steps.iter().enumerate() {
        let at = k + 1;
        let relation_verdict = step.relation;
        let relation_holds = if first_approx.is_some_and(|f| k >= f) { Relation::Approx } else { Relation::Equal };
        let against = if at == 1 { "the head" } else { "the step before" };
        let numeric = |a: usize, relation: Relation, against: &str| {
            if options.numeric {
                judge(ctx, d, &evaluated, &free, &cover, a, at, relation, against)
            } else {
                (Verdict::Undetermined, "numeric checking is off and no proof was found".to_string(), None, None)
            }
        };
        let mut internal_error = false;
        let before_shape = if at == 1 { &d.shape } else { &d.steps[at - 2].shape };
        let (mut verdict, mut detail, mut counterexample, mut cause) = if step.shape != *before_shape {
            // §7: a step whose shape differs from the step before is wrong, without samples (and,
            // like the rule on free indices, whatever a proof says).
            let sizes = &ctx.model.sizes;
            let detail =
                format!("{against} is {}, this step is {}", before_shape.describe(sizes), step.shape.describe(sizes));
            let cause = format!(
                "shape mismatch: {} and {}",
                before_shape.text_or_scalar(sizes),
                step.shape.text_or_scalar(sizes)
            );
            (Verdict::Wrong, detail, None, Some(cause))
        } else {
            numeric(at - 1, relation_verdict, against)
        };
        let mut step_explanation = Vec::new();
        // The rules on free indices and shapes are syntactic and stand; otherwise a proof decides,
        // and the numbers must agree with it.
        let static_wrong = verdict == Verdict::Wrong && counterexample.is_none();
        if proved(at - 1, at) && !static_wrong {
            if verdict == Verdict::Wrong {
                internal_error = true;
                verdict = Verdict::Undetermined;
                detail =
                    "internal error: a symbolic proof contradicts the numeric check; please report this derivation"
                        .to_string();
            } else {
                verdict = Verdict::Proved;
                detail = "proved by symbolic differentiation and normalisation".to_string();
                counterexample = None;
                cause = None;
                step_explanation = explanation_of(at - 1, at);
            }
        }
        if verdict != Verdict::Proved {
            // A safety net in time depends on the machine: a step it kept from a proof says so.
            let timed_out =
                all_forms.iter().flat_map(|f| [f.stopped[at - 1], f.stopped[at]]).flatten().find(|s| s.by_time());
            if let Some(why) = timed_out {
                detail = format!("{detail}; {}", spent_message(options, why));
            }
        }
        let mut holds_verdict =
            if step.shape == d.shape { numeric(0, relation_holds, "the head").0 } else { Verdict::Wrong };
        let holds_static_wrong = step.shape != d.shape || free[at].iter().any(|i| !free[0].contains(i));
        if proved(0, at) && !holds_static_wrong {
            if holds_verdict == Verdict::Wrong {
                internal_error = true;
            } else {
                holds_verdict = Verdict::Proved;
            }
        }
        let holds = matches!(holds_verdict, Verdict::Checked | Verdict::Proved);
        let holds_known = holds_verdict != Verdict::Undetermined;
        steps.push(StepResult {
            index: at,
            span: step.span,
            relation: step.relation,
            verdict,
            holds,
            holds_known,
            note: step.note.clone(),
            detail,
            counterexample,
            cause,
            explanation: step_explanation,
            internal_error,
        });
    }
    DerivationResult { name: d.name.clone(), span: d.span, steps }
}

/// Arrays with at most this many elements of concrete position are proved element by element.
const MAX_PROVED_ELEMENTS: i64 = 36;

/// The assignments of the element indices of concrete range (every element of an array of
/// concrete shape), or one empty assignment.
fn element_instances(model: &Model, free: &[Vec<IndexId>]) -> Vec<Vec<(IndexId, i64)>> {
    let mut hidden: Vec<IndexId> = free.iter().flatten().copied().filter(|&i| model.indices[i].hidden).collect();
    hidden.sort_unstable();
    hidden.dedup();
    let concrete: Vec<(IndexId, i64, i64)> = hidden
        .iter()
        .filter_map(|&i| {
            let r = model.indices[i].range;
            (r.lo.size.is_none() && r.hi.size.is_none()).then_some((i, r.lo.offset, r.hi.offset))
        })
        .collect();
    let count = concrete.iter().try_fold(1i64, |acc, &(_, lo, hi)| acc.checked_mul((hi - lo + 1).max(0)));
    if concrete.is_empty() || !count.is_some_and(|c| (1..=MAX_PROVED_ELEMENTS).contains(&c)) {
        return vec![Vec::new()];
    }
    every_position(&concrete)
}

/// Every assignment of values to indices in their ranges.
fn every_position(ranges: &[(IndexId, i64, i64)]) -> Vec<Vec<(IndexId, i64)>> {
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
type Drawn = (usize, Vec<i64>, Vec<Option<i64>>, Vec<Vec<(IndexId, i64)>>);

/// Samples that differ only in the position of an array element: one evaluation serves them all.
struct Group {
    /// The sample, without values for the element indices.
    base: Sample,
    /// The values of the element indices, one assignment per element tried.
    elements: Vec<Vec<(IndexId, i64)>>,
}

/// Every step undetermined: the file's budget ran out before this derivation.
fn spent_result(d: &Derivation, why: &str) -> DerivationResult {
    let steps = d
        .steps
        .iter()
        .enumerate()
        .map(|(k, step)| StepResult {
            index: k + 1,
            span: step.span,
            relation: step.relation,
            verdict: Verdict::Undetermined,
            holds: false,
            holds_known: false,
            note: step.note.clone(),
            detail: why.to_string(),
            counterexample: None,
            cause: None,
            explanation: Vec::new(),
            internal_error: false,
        })
        .collect();
    DerivationResult { name: d.name.clone(), span: d.span, steps }
}

/// The samples of a derivation: several instances of the sizes (with more where a range the
/// derivation uses is empty or has no interior point at all of them), several values of the free
/// indices (bounds, random, interior, diagonals), several random draws of inputs and functions for
/// each; a few draws at other magnitudes (large, and on both sides of every kink and of a
/// constant added to an input); and for an array, every element (or, for a large one, its corners
/// and a random selection).
///
/// Without `searching` (every comparison is proved), the draws at other magnitudes and the exact
/// evaluation of sampled inputs are left out.
fn plan(
    model: &Model,
    d_index: usize,
    free: &[IndexId],
    cover: &Coverage,
    searching: bool,
    options: &CheckOptions,
) -> Vec<Group> {
    let n_sizes = model.sizes.len();
    let mut instances: Vec<Vec<i64>> = (1..=MAX_SIZE).map(|v| vec![v; n_sizes]).collect();
    if n_sizes >= 2 {
        let mut r = random::rng(&[options.seed, d_index as u64, 0x5126]);
        for _ in 0..3 {
            instances.push((0..n_sizes).map(|_| r.gen_range(1..=MAX_SIZE)).collect());
        }
    }
    if n_sizes == 0 {
        instances.truncate(1);
    }
    instances.dedup();
    let (elements, free): (Vec<IndexId>, Vec<IndexId>) = free.iter().partition(|&&i| model.indices[i].hidden);
    let sampled: Vec<IndexRange> = free.iter().chain(&elements).map(|&i| model.indices[i].range).collect();
    let extra = covering_instances(n_sizes, &instances, cover, &sampled);
    instances.extend(extra);
    // Free indices at their upper bounds, at random values, and at their lower bounds; then, with
    // one pair of draws each, at interior values and on the diagonals.
    let assignments = if free.is_empty() { 1 } else { 3 };
    // Few combinations (a scalar derivation) get more draws each, so that every derivation is
    // tried at MIN_SAMPLES points at least. Draws come in mirrored pairs (every unrestricted input
    // negated), so each sign of each input is tried.
    let combos = instances.len() * assignments;
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
        let per_combo = options.samples.max(1).max(MIN_SAMPLES.div_ceil(combos * positions.len())).next_multiple_of(2);
        let mut assigned: Vec<Vec<Option<i64>>> = Vec::new();
        let kinds = if free.is_empty() { 1 } else { 4 };
        for a in 0..kinds {
            let mut r = random::rng(&[options.seed, d_index as u64, inst_idx as u64, a as u64, 0x1d]);
            let values = assignment(a, &ranges, model.indices.len(), &mut r);
            if assigned.contains(&values) {
                continue;
            }
            assigned.push(values.clone());
            drawn.push((inst_idx, sizes.clone(), values.clone(), positions.clone()));
            let draws = if a < 3 { per_combo } else { 2 };
            for s in 0..draws {
                let pair = (s / 2) as u64;
                let seed = random::key(&[options.seed, d_index as u64, inst_idx as u64, a as u64, pair]);
                let mut base = Sample::standard(sizes.clone(), values.clone(), seed, s % 2 == 1);
                // The first draw of each combination is also evaluated exactly where it can be:
                // rational steps are then compared without rounding.
                base.exact_inputs = searching && s == 0;
                groups.push(Group { base, elements: positions.clone() });
            }
        }
    }
    // One mirrored pair of draws per band, spread over the combinations drawn at.
    let bands = if searching { bands(cover) } else { Vec::new() };
    for (j, band) in bands.iter().enumerate() {
        if drawn.is_empty() {
            break;
        }
        let at =
            if bands.len() <= drawn.len() { (2 * j + 1) * drawn.len() / (2 * bands.len()) } else { j % drawn.len() };
        let (inst_idx, sizes, values, positions) = &drawn[at];
        // The magnitudes matter here, not the elements: a spread of them is enough.
        let step = positions.len().div_ceil(BAND_ELEMENTS).max(1);
        let elements: Vec<Vec<(IndexId, i64)>> = positions.iter().step_by(step).cloned().collect();
        for s in 0..2 {
            let seed = random::key(&[options.seed, d_index as u64, *inst_idx as u64, 0xba4d, j as u64]);
            let base = Sample { band: *band, ..Sample::standard(sizes.clone(), values.clone(), seed, s % 2 == 1) };
            groups.push(Group { base, elements: elements.clone() });
        }
    }
    groups
}

/// The values of the free indices for one kind of assignment: 0 their upper bounds, 1 random
/// values, 2 their lower bounds, 3 interior values on the diagonals (indices whose ranges meet take
/// one value, strictly inside the common part of their ranges where it has such values).
fn assignment(kind: usize, ranges: &[(IndexId, i64, i64)], n_indices: usize, r: &mut impl Rng) -> Vec<Option<i64>> {
    let mut values = vec![None; n_indices];
    match kind {
        0..=2 => {
            for &(i, lo, hi) in ranges {
                values[i] = Some(match kind {
                    0 => hi,
                    1 => r.gen_range(lo..=hi),
                    _ => lo,
                });
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

/// A random value strictly between two bounds, or between them where there is none.
fn inside(r: &mut impl Rng, lo: i64, hi: i64) -> i64 {
    if hi - lo >= 2 {
        r.gen_range(lo + 1..hi)
    } else {
        r.gen_range(lo..=hi)
    }
}

/// The bands of magnitudes drawn at besides the usual one: large inputs, and inputs on each side
/// of every scale the derivation has (a kink, a constant added to an input).
fn bands(cover: &Coverage) -> Vec<Band> {
    if !cover.random.contains(&true) {
        return Vec::new();
    }
    // Large draws compare only values computed without finite differences: some step must have
    // them on both sides of a comparison (with the step before, or with the head).
    let fd = &cover.differenced;
    let undifferenced_pair = (1..fd.len()).any(|k| !fd[k] && (!fd[k - 1] || !fd[0]));
    let mut out: Vec<Band> = LARGE.iter().map(|&(lo, hi)| Band::Between(lo, hi)).collect();
    for &c in &cover.scales {
        out.push(Band::Between(c / 2.0, c / 1.1));
        out.push(Band::Between(c * 1.1, c * 2.0));
    }
    out.retain(|b| undifferenced_pair || matches!(b, Band::Between(_, hi) if *hi <= MODERATE));
    out
}

/// The magnitudes of the large draws: one pair of draws in each band.
const LARGE: [(f64, f64); 2] = [(10.0, 100.0), (100.0, 1000.0)];
/// At most this many elements of an array are compared at a draw at other magnitudes.
const BAND_ELEMENTS: usize = 16;
/// Draws at magnitudes beyond this compare only values computed without finite differences.
const MODERATE: f64 = 20.0;
/// The largest size an instance added to reach a range may have.
const COVER_MAX_SIZE: i64 = 16;
/// How many vectors of sizes the search for such an instance looks at, at most.
const COVER_SEARCH: usize = 20_000;
/// How many such instances are added, at most.
const MAX_COVER_INSTANCES: usize = 2;

/// Instances of the sizes to add so that every range that the derivation uses and whose length
/// depends on the sizes is non-empty, and has a value strictly between its bounds, at some
/// instance: each the smallest (by its largest size, then in order) that reaches the most of the
/// ranges not yet reached, up to sizes of [`COVER_MAX_SIZE`]. An added instance leaves no free
/// index without values, and reads no entry outside its range where every instance tried before
/// reads inside it.
fn covering_instances(n_sizes: usize, base: &[Vec<i64>], cover: &Coverage, sampled: &[IndexRange]) -> Vec<Vec<i64>> {
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
            let mut sizes = vec![1; n_sizes];
            loop {
                looked += 1;
                if looked > COVER_SEARCH {
                    break 'search;
                }
                if sizes.contains(&m) && valid(&sizes) && kept_reads.iter().all(|read| read.in_range_at(&sizes)) {
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
                let Some(k) = (0..n_sizes).rev().find(|&k| sizes[k] < m) else { break };
                sizes[k] += 1;
                sizes[k + 1..].iter_mut().for_each(|s| *s = 1);
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

/// Arrays with at most this many elements are compared at every element.
const MAX_ELEMENTS: i64 = 4096;
/// Larger ones at their corners and this many random elements.
const RANDOM_ELEMENTS: usize = 256;

/// The element positions to compare: all of them, or for a large array its corners and a random
/// selection.
fn element_positions(ranges: &[(IndexId, i64, i64)], r: &mut impl Rng) -> Vec<Vec<(IndexId, i64)>> {
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

#[allow(clippy::too_many_arguments)]
fn evaluate_all(
    ctx: &Context,
    d_index: usize,
    exprs: &[&Expr],
    free: &[Vec<IndexId>],
    needs_widened: &[bool],
    cover: &Coverage,
    searching: bool,
    options: &CheckOptions,
) -> Vec<Evaluated> {
    let mut all_free: Vec<IndexId> = free.iter().flatten().copied().collect();
    all_free.sort_unstable();
    all_free.dedup();
    let mut out = Vec::new();
    // An expression that ran into a resource limit is not evaluated again at later samples.
    let mut exhausted: Vec<Option<String>> = vec![None; exprs.len()];
    // Where no random input, function or node is read, other draws at the same sizes and index
    // values would repeat the same numbers.
    let mut drawn_once: Vec<(Vec<i64>, Vec<Option<i64>>)> = Vec::new();
    // The array elements compared in some draw, and those left out of one for a kink (or
    // differences that did not converge), with the reason.
    let mut compared: std::collections::HashSet<(Vec<i64>, Vec<Option<i64>>)> = std::collections::HashSet::new();
    let mut kinked: Vec<(Sample, &str)> = Vec::new();
    // Whether an expression is worth evaluating exactly: where it reads a random input, only when
    // nothing in it would make the exact evaluation give up.
    let try_exact: Vec<bool> = cover.random.iter().zip(&cover.rational).map(|(&r, &q)| !r || q).collect();
    let random_read = cover.random.iter().any(|&r| r);
    for group in plan(ctx.model, d_index, &all_free, cover, searching, options) {
        if let Some(why) = work::file_spent() {
            // The samples not yet drawn cannot vouch for anything: the steps that no earlier
            // sample refuted are left undetermined.
            let why = Point::Error(spent_message(options, why));
            out.push(Evaluated {
                sample: group.base,
                points: vec![why; exprs.len()],
                widened: vec![None; exprs.len()],
                precise: RefCell::default(),
                lenient: false,
            });
            break;
        }
        let lenient = group.base.band != Band::Standard;
        let key = (group.base.sizes.clone(), group.base.free.clone());
        if drawn_once.contains(&key) {
            continue;
        }
        let frees: Vec<Vec<Option<i64>>> = group
            .elements
            .iter()
            .map(|pos| {
                let mut free = group.base.free.clone();
                for &(i, v) in pos {
                    free[i] = Some(v);
                }
                free
            })
            .collect();
        let redraws = if lenient { LENIENT_REDRAWS } else { REDRAWS };
        for attempt in 0..redraws {
            let sample = Sample { seed: random::key(&[group.base.seed, attempt]), ..group.base.clone() };
            // Per element: why this draw is redrawn, if it is (a derivative met a kink, or its
            // finite differences did not converge).
            let mut near_kink: Vec<Option<&str>> = vec![None; frees.len()];
            // points[expression][element], and the widened values of `≈` steps likewise.
            let mut batch = numeric::Batch::new(ctx, &sample);
            let mut widened: Vec<Vec<Option<Result<Interval, EvalError>>>> = Vec::new();
            let points: Vec<Vec<Point>> = exprs
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let results = match exhausted[i].clone() {
                        Some(m) => vec![Ok(Point::Error(m)); frees.len()],
                        None => points_at(&mut batch, e, &frees, try_exact[i]),
                    };
                    widened.push(frees.iter().map(|f| needs_widened[i].then(|| batch.widened(e, f))).collect());
                    results
                        .into_iter()
                        .enumerate()
                        .map(|(k, p)| match p {
                            Err(EvalError::Limit(m)) => {
                                // At other magnitudes a value may overflow where the usual ones
                                // do not: that says nothing of the next draw.
                                if !lenient {
                                    exhausted[i] = Some(m.clone());
                                }
                                Point::Error(m)
                            }
                            Err(EvalError::NearKink) => {
                                near_kink[k] = Some(KINK_EVERY_DRAW);
                                Point::Undefined
                            }
                            Err(EvalError::NotConverged) => {
                                near_kink[k] = near_kink[k].or(Some(UNCONVERGED_EVERY_DRAW));
                                Point::Undefined
                            }
                            Ok(p) => p,
                            Err(other) => Point::Error(error_text(&other)),
                        })
                        .collect()
                })
                .collect();
            drop(batch);
            if !random_read {
                drawn_once.push(key.clone());
            }
            let all_undefined = points.iter().flatten().all(|p| matches!(p, Point::Undefined));
            // A draw is redrawn when every element met a kink (for an array, an element that met
            // one is left out of this draw and compared in the others).
            let all_near = near_kink.iter().all(Option::is_some);
            if all_near || all_undefined {
                if attempt + 1 < redraws {
                    continue;
                }
                if lenient {
                    break;
                }
            }
            for (k, free) in frees.iter().enumerate() {
                let sample = Sample { free: free.clone(), ..sample.clone() };
                if let (Some(why), true) = (near_kink[k], frees.len() > 1) {
                    kinked.push((sample, why));
                    continue;
                }
                if frees.len() > 1 {
                    compared.insert((sample.sizes.clone(), sample.free.clone()));
                }
                let points: Vec<Point> = if let Some(why) = near_kink[k] {
                    // Still at a kink after every redraw: say so rather than drop the sample.
                    exprs.iter().map(|_| Point::Error(why.to_string())).collect()
                } else {
                    points.iter().map(|per_expr| per_expr[k].clone()).collect()
                };
                let widened = widened.iter_mut().map(|per_expr| per_expr[k].take()).collect();
                out.push(Evaluated { sample, points, widened, precise: RefCell::default(), lenient });
            }
            break;
        }
    }
    // An element left out of every draw (a kink each time) cannot be compared: say so.
    for (sample, why) in kinked {
        if compared.insert((sample.sizes.clone(), sample.free.clone())) {
            let points = exprs.iter().map(|_| Point::Error(why.to_string())).collect();
            let lenient = sample.band != Band::Standard;
            out.push(Evaluated {
                sample,
                points,
                widened: vec![None; exprs.len()],
                precise: RefCell::default(),
                lenient,
            });
        }
    }
    out
}

const KINK_EVERY_DRAW: &str =
    "every redraw of a sample put a kink (relu, abs, step, sign, max, min) next to a derivative";
const UNCONVERGED_EVERY_DRAW: &str =
    "at every redraw of a sample, the finite differences of a derivative did not settle to the accuracy needed";

fn error_text(e: &EvalError) -> String {
    match e {
        EvalError::Undefined(why) => why.clone(),
        EvalError::NearKink => "every sample was too close to a kink".to_string(),
        EvalError::NotConverged => "the finite differences of a derivative did not settle".to_string(),
        EvalError::NotExact => "could not be evaluated".to_string(),
        EvalError::OutOfRange(why) | EvalError::Limit(why) | EvalError::Imprecise(why) => why.clone(),
    }
}

/// The value of an expression at several values of the free indices (the elements of an array):
/// exactly where possible, else in floats. `Err` only for a kink (redraw) or a limit.
fn points_at(
    batch: &mut numeric::Batch,
    e: &Expr,
    frees: &[Vec<Option<i64>>],
    try_exact: bool,
) -> Vec<Result<Point, EvalError>> {
    let mut out = Vec::with_capacity(frees.len());
    let mut exact = try_exact;
    for free in frees {
        if exact {
            match batch.exact(e, free) {
                Ok(v) => {
                    let float = numeric::ratio_to_f64(&v);
                    out.push(Ok(Point::Value { exact: Some(v), float, error: 0.0, scale: 0.0 }));
                    continue;
                }
                Err(EvalError::Undefined(_)) => {
                    out.push(Ok(Point::Undefined));
                    continue;
                }
                Err(EvalError::NotExact) => exact = false,
                Err(other) => {
                    out.push(Err(other));
                    continue;
                }
            }
        }
        out.push(match batch.float(e, free) {
            Ok(v) => Ok(Point::Value { exact: None, float: v.value, error: v.error, scale: v.scale }),
            Err(EvalError::Undefined(_)) => Ok(Point::Undefined),
            Err(EvalError::Imprecise(why)) => Ok(Point::Lost(why)),
            Err(other) => Err(other),
        });
    }
    out
}

/// Relative slack for floating-point error.
const FLOAT_SLACK: f64 = 1e-9;
/// The rounding error of a sum, relative to its largest operand (an absolute floor that scales
/// with the numbers involved, so small values are still compared relatively).
const CANCELLATION: f64 = 1e-12;

/// Decides whether a value is in a `≈` step's range over the rounding box of its literals.
type RangeOracle<'a> = dyn FnMut(&RangeQuery) -> Result<RangeAnswer, EvalError> + 'a;

fn compare(
    a: &Point,
    b: &Point,
    b_widened: Option<&Result<Interval, EvalError>>,
    relation: Relation,
    rule: ToleranceRule,
    range: &mut RangeOracle,
) -> PairOutcome {
    let (ea, fa, xa, eb, fb, xb, floor) = match (a, b) {
        (Point::Error(m), _) | (_, Point::Error(m)) | (Point::Lost(m), _) | (_, Point::Lost(m)) => {
            return PairOutcome::Error(m.clone())
        }
        (Point::Undefined, Point::Undefined) => return PairOutcome::BothUndefined,
        // A `≈` step undefined at its literals as written may still take the value elsewhere in
        // their rounding box (`15 ≈ 1/(0.1 - 0.1)`: 1/(0.15 - 1/12) = 15).
        (Point::Value { float: fa, error: ea, scale: sa, .. }, Point::Undefined)
            if relation == Relation::Approx && rule == ToleranceRule::Rounding =>
        {
            let query =
                RangeQuery { target: *fa, slack: CANCELLATION * sa + ea, relative: FLOAT_SLACK, scale: fa.abs() };
            return match b_widened {
                // Where the search cannot show the value reached, the step stays undefined where
                // it is written, as the spec's rule on domains says.
                Some(Ok(_)) if matches!(range(&query), Ok(RangeAnswer::Inside)) => PairOutcome::Agree,
                _ => PairOutcome::OneUndefined,
            };
        }
        (Point::Undefined, _) | (_, Point::Undefined) => return PairOutcome::OneUndefined,
        (
            Point::Value { exact: xa, float: fa, error: ea, scale: sa },
            Point::Value { exact: xb, float: fb, error: eb, scale: sb },
        ) => (ea, fa, xa, eb, fb, xb, CANCELLATION * sa.max(*sb)),
    };
    // An exact number beyond the range of floats (`1e400`) can only be compared exactly.
    let exactly = relation == Relation::Equal && xa.is_some() && xb.is_some();
    if !(exactly || fa.is_finite() && fb.is_finite()) {
        return PairOutcome::Error("a value is too large for floating-point numbers (beyond ±1.8e308)".to_string());
    }
    // Each side's error bound (rounding and finite differences, carried through its arithmetic).
    // Below the smallest normal float, values are rounded to subnormals or 0 and no longer
    // comparable (`x*x*…*x` and `x^1999` underflow differently): that much difference is always
    // allowed.
    let error_slack = ea + eb + f64::MIN_POSITIVE;
    let scale = fa.abs().max(fb.abs());
    let agree = match relation {
        Relation::Equal => match (xa, xb) {
            (Some(x), Some(y)) => x == y,
            _ => (fa - fb).abs() <= FLOAT_SLACK * scale + floor + error_slack,
        },
        Relation::Approx => match rule {
            ToleranceRule::Relative(r) => (fa - fb).abs() <= r * scale + error_slack,
            ToleranceRule::Absolute(t) => (fa - fb).abs() <= t + error_slack,
            ToleranceRule::Rounding => match b_widened {
                Some(Ok(enclosure)) => {
                    // The enclosure over the whole box may rule the value out at once; otherwise the
                    // range is searched (numeric/rounding.rs).
                    // The slack for rounding is relative to the values compared, not to the largest
                    // value the step takes somewhere in the box (`-1 ≈ 1.0e12 * 0.0^2` is wrong).
                    let query = RangeQuery { target: *fa, slack: floor + error_slack, relative: FLOAT_SLACK, scale };
                    if query.excludes(enclosure) {
                        false
                    } else {
                        match range(&query) {
                            Ok(RangeAnswer::Inside) => true,
                            Ok(RangeAnswer::Outside) => false,
                            Ok(RangeAnswer::Unknown(why)) => return PairOutcome::Error(why),
                            Err(e) => return PairOutcome::Error(error_text(&e)),
                        }
                    }
                }
                // A derivative in the step: its literals are taken as written.
                Some(Err(EvalError::NotExact)) | None => (fa - fb).abs() <= FLOAT_SLACK * scale + floor + error_slack,
                // The rounding interval leaves a domain (a divisor interval holding 0).
                Some(Err(_)) => {
                    return PairOutcome::Error("the rounding interval of this step cannot be evaluated".to_string())
                }
            },
        },
    };
    if agree {
        PairOutcome::Agree
    } else {
        PairOutcome::Disagree
    }
}

type Judgement = (Verdict, String, Option<Counterexample>, Option<String>);

/// Compares expression `b` (a step) with expression `a` (the step before, or the head).
#[allow(clippy::too_many_arguments)]
fn judge(
    ctx: &Context,
    d: &Derivation,
    evaluated: &[Evaluated],
    free: &[Vec<IndexId>],
    cover: &Coverage,
    a: usize,
    b: usize,
    relation: Relation,
    against: &str,
) -> Judgement {
    let model = ctx.model;
    if let Some(&extra) = free[b].iter().find(|i| !free[a].contains(i)) {
        let name = &model.indices[extra].name;
        let cause = format!("index `{name}` is free in this step but not in {against}");
        let detail = format!("a forgotten `sum({name}, …)`? the step depends on `{name}`, {against} does not");
        return (Verdict::Wrong, detail, None, Some(cause));
    }
    let step = expr_at(d, b);
    // Finite differences are tuned to the usual magnitudes: far above them, their error estimates
    // no longer bound their error.
    let differenced = cover.differenced[a] || cover.differenced[b];
    let outcomes: Vec<PairOutcome> = evaluated
        .iter()
        .map(|ev| {
            if ev.lenient && differenced && matches!(ev.sample.band, Band::Between(_, hi) if hi > MODERATE) {
                return PairOutcome::Skipped;
            }
            let mut range = |q: &RangeQuery| numeric::in_rounding_range(ctx, &ev.sample, step, q);
            let outcome =
                compare(&ev.points[a], &ev.points[b], ev.widened[b].as_ref(), relation, d.tolerance, &mut range);
            let outcome = if needs_precision(&ev.points[a], &ev.points[b], relation, &outcome) {
                compare_precisely(ctx, d, ev, a, b, relation, &mut range)
            } else {
                outcome
            };
            match outcome {
                // At other magnitudes, only two values compared count (either way).
                PairOutcome::OneUndefined | PairOutcome::BothUndefined | PairOutcome::Error(_) if ev.lenient => {
                    PairOutcome::Skipped
                }
                other => other,
            }
        })
        .collect();
    let bad: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, PairOutcome::Disagree | PairOutcome::OneUndefined))
        .map(|(i, _)| i)
        .collect();
    let agreeing = outcomes.iter().filter(|o| **o == PairOutcome::Agree).count();
    if let Some(&first) = bad.first() {
        let ev = &evaluated[first];
        let exprs = [expr_at(d, a), expr_at(d, b)];
        let mut counterexample = counterexample(ctx, ev, &free[a], &free[b], &exprs, a, b);
        // A value that floats lost is shown as the higher precision found it.
        counterexample.left = counterexample.left.or_else(|| precise_shown(ev, a));
        counterexample.right = counterexample.right.or_else(|| precise_shown(ev, b));
        let cause = diagnose(model, evaluated, &outcomes, a, b);
        let counted = outcomes.iter().filter(|o| **o != PairOutcome::Skipped).count();
        let detail = format!("differs at {} of {counted} samples", bad.len());
        return (Verdict::Wrong, detail, Some(counterexample), cause);
    }
    if let Some(PairOutcome::Error(message)) = outcomes.iter().find(|o| matches!(o, PairOutcome::Error(_))) {
        return (Verdict::Undetermined, message.clone(), None, None);
    }
    if agreeing == 0 {
        let detail = if evaluated.is_empty() {
            "no sample could be drawn: every size instance leaves an index range empty".to_string()
        } else {
            "neither side is defined at any sample".to_string()
        };
        return (Verdict::Undetermined, detail, None, None);
    }
    // A sum that no agreeing sample gave a term says nothing of its terms (`sum(i in 1..n-6, …)`
    // at sizes up to 6): its step is not `checked`.
    let mut sums = cover.sums[a].iter().chain(&cover.sums[b]);
    let reached = |r: IndexRange| {
        evaluated
            .iter()
            .zip(&outcomes)
            .any(|(ev, o)| *o == PairOutcome::Agree && !coverage::empty_at(r, &ev.sample.sizes))
    };
    if let Some(&r) = sums.find(|&&r| !reached(r)) {
        let sizes = &model.sizes;
        let range = format!("{}..{}", crate::model::dim_text(&r.lo, sizes), crate::model::dim_text(&r.hi, sizes));
        let detail = format!(
            "not decided: a sum or product over {range} is empty at every sample where both sides agree \
             (sizes up to {COVER_MAX_SIZE} tried)"
        );
        return (Verdict::Undetermined, detail, None, None);
    }
    (Verdict::Checked, format!("agrees at {agreeing} samples"), None, None)
}

/// The precisions a sample is evaluated in again when floats lose the answer, in bits.
const PRECISIONS: [usize; 3] = [256, 1024, 4096];
/// A disagreement in floats smaller than this share of the values' size (or of the largest operand
/// of an addition) is within reach of cancellation: it is confirmed in higher precision first.
const CANCELLATION_REACH: f64 = 1e-8;

/// The value of one expression at one sample in higher precision.
#[derive(Debug, Clone)]
enum PrecisePoint {
    Value(numeric::Precise),
    Undefined,
    /// Still too close to the edge of a domain to tell, or beyond floats inside a derivative.
    Imprecise,
    Error(String),
}

/// Whether floats may have lost the answer of a comparison: one side was lost (undefined in floats
/// but perhaps not in exact arithmetic), or an `=` step's sides differ by so little next to the
/// numbers involved that cancellation may explain it.
fn needs_precision(a: &Point, b: &Point, relation: Relation, outcome: &PairOutcome) -> bool {
    match (a, b) {
        (Point::Lost(_), _) | (_, Point::Lost(_)) => true,
        // An `=` whose sides agree only thanks to the fixed floor for cancellation, not their
        // error bounds (`exp(30) + 1 - exp(30) = 0`): higher precision tells.
        (
            Point::Value { exact: xa, float: fa, error: ea, .. },
            Point::Value { exact: xb, float: fb, error: eb, .. },
        ) if *outcome == PairOutcome::Agree && relation == Relation::Equal && !(xa.is_some() && xb.is_some()) => {
            (fa - fb).abs() > FLOAT_SLACK * fa.abs().max(fb.abs()) + ea + eb + f64::MIN_POSITIVE
        }
        (
            Point::Value { exact: xa, float: fa, scale: sa, .. },
            Point::Value { exact: xb, float: fb, scale: sb, .. },
        ) if *outcome == PairOutcome::Disagree && !(xa.is_some() && xb.is_some()) => {
            let size = fa.abs().max(fb.abs()).max(*sa).max(*sb);
            (fa - fb).abs() <= CANCELLATION_REACH * size
        }
        _ => false,
    }
}

/// Compares expressions `a` and `b` at one sample in higher precision, with more bits while the
/// error bounds are too wide to tell; a sample no precision decides gives no verdict.
fn compare_precisely(
    ctx: &Context,
    d: &Derivation,
    ev: &Evaluated,
    a: usize,
    b: usize,
    relation: Relation,
    range: &mut RangeOracle,
) -> PairOutcome {
    // What floats said, for where higher precision cannot say more.
    let lost = [&ev.points[a], &ev.points[b]].into_iter().find_map(|p| match p {
        Point::Lost(m) => Some(m.clone()),
        _ => None,
    });
    for bits in PRECISIONS {
        let (pa, pb) = (precise_point(ctx, d, ev, a, bits), precise_point(ctx, d, ev, b, bits));
        let (x, y) = match (&pa, &pb) {
            (PrecisePoint::Error(m), _) | (_, PrecisePoint::Error(m)) => {
                // A value beyond floats is said as floats said it; a limit met on the way as itself.
                let beyond_floats = lost.as_deref().filter(|l| [TOO_LARGE, TOO_SMALL].contains(l));
                return PairOutcome::Error(beyond_floats.map_or_else(|| m.clone(), str::to_string));
            }
            (PrecisePoint::Imprecise, _) | (_, PrecisePoint::Imprecise) => continue,
            (PrecisePoint::Undefined, PrecisePoint::Undefined) => return PairOutcome::BothUndefined,
            (PrecisePoint::Undefined, _) | (_, PrecisePoint::Undefined) => return PairOutcome::OneUndefined,
            (PrecisePoint::Value(x), PrecisePoint::Value(y)) => (x, y),
        };
        // The precise values (with their error bounds) are compared by the step's own rule, as
        // floats. Values beyond the range of floats stay undetermined, as in floats: only the way to
        // them may leave it (`exp(1000 a)` in a softmax).
        let (fx, fy) = match (x.as_float(bits), y.as_float(bits)) {
            (Ok(fx), Ok(fy)) => (fx, fy),
            (Err(numeric::NotAFloat::TooWide), _) | (_, Err(numeric::NotAFloat::TooWide)) => continue,
            (Err(numeric::NotAFloat::TooLarge), _) | (_, Err(numeric::NotAFloat::TooLarge)) => {
                return PairOutcome::Error(lost.unwrap_or_else(|| TOO_LARGE.to_string()))
            }
            _ => return PairOutcome::Error(lost.unwrap_or_else(|| TOO_SMALL.to_string())),
        };
        let point = |f: numeric::Approx| Point::Value { exact: None, float: f.value, error: f.error, scale: 0.0 };
        return compare(&point(fx), &point(fy), ev.widened[b].as_ref(), relation, d.tolerance, range);
    }
    PairOutcome::Error(format!(
        "not decided at one sample: floats lose the value there, and numbers of {} bits cannot tell",
        PRECISIONS[PRECISIONS.len() - 1]
    ))
}

/// Expression `i` at the sample of `ev` with `bits` bits, computed once.
fn precise_point(ctx: &Context, d: &Derivation, ev: &Evaluated, i: usize, bits: usize) -> PrecisePoint {
    if let Some(p) = ev.precise.borrow().get(&(i, bits)) {
        return p.clone();
    }
    let p = match numeric::eval_precise(ctx, &ev.sample, expr_at(d, i), bits) {
        Ok(v) => PrecisePoint::Value(v),
        Err(EvalError::Undefined(_)) => PrecisePoint::Undefined,
        Err(EvalError::Imprecise(_) | EvalError::NearKink | EvalError::NotConverged | EvalError::NotExact) => {
            PrecisePoint::Imprecise
        }
        Err(e) => PrecisePoint::Error(error_text(&e)),
    };
    ev.precise.borrow_mut().insert((i, bits), p.clone());
    p
}

/// The most precise value of expression `i` found at the sample of `ev`, for reports.
fn precise_shown(ev: &Evaluated, i: usize) -> Option<f64> {
    let cache = ev.precise.borrow();
    PRECISIONS.iter().rev().find_map(|&bits| match cache.get(&(i, bits)) {
        Some(PrecisePoint::Value(v)) => Some(v.to_f64()).filter(|x| x.is_finite()),
        _ => None,
    })
}

fn expr_at(d: &Derivation, i: usize) -> &Expr {
    if i == 0 {
        &d.head
    } else {
        &d.steps[i - 1].expr
    }
}

fn float_of(p: &Point) -> Option<f64> {
    match p {
        Point::Value { float, .. } => Some(*float),
        _ => None,
    }
}

fn counterexample(
    ctx: &Context,
    ev: &Evaluated,
    free_a: &[IndexId],
    free_b: &[IndexId],
    exprs: &[&Expr],
    a: usize,
    b: usize,
) -> Counterexample {
    let model = ctx.model;
    let sizes = model.sizes.iter().cloned().zip(ev.sample.sizes.iter().copied()).collect();
    let mut indices = BTreeMap::new();
    for &i in free_a.iter().chain(free_b) {
        if let Some(v) = ev.sample.free[i] {
            indices.insert(model.indices[i].name.clone(), v);
        }
    }
    let inputs =
        numeric::inputs_read(ctx, &ev.sample, exprs).into_iter().map(|(k, v)| (entry_key_text(model, &k), v)).collect();
    let exact_text = exact_texts(&ev.points[a], &ev.points[b]);
    Counterexample { sizes, indices, inputs, left: float_of(&ev.points[a]), right: float_of(&ev.points[b]), exact_text }
}

/// Two exact values that differ, written with enough digits to tell them apart, when their floats
/// print the same (to 15 digits).
fn exact_texts(a: &Point, b: &Point) -> Option<(String, String)> {
    let (Point::Value { exact: Some(x), float: fx, .. }, Point::Value { exact: Some(y), float: fy, .. }) = (a, b)
    else {
        return None;
    };
    if x == y || significant(*fx, 15) != significant(*fy, 15) {
        return None;
    }
    (6..=60).map(|digits| (exact_significant(x, digits), exact_significant(y, digits))).find(|(p, q)| p != q)
}

/// An exact rational with `digits` significant digits (rounded), in scientific notation beyond
/// the range where `significant` writes it plainly: `1e-400`, `-2.5`, `0`.
pub fn exact_significant(r: &BigRational, digits: usize) -> String {
    use num_bigint::BigInt;
    use num_traits::{Signed, Zero};
    if r.is_zero() {
        return "0".to_string();
    }
    let sign = if r.is_negative() { "-" } else { "" };
    let x = r.abs();
    let ten = BigRational::from_integer(BigInt::from(10));
    let digits = digits.max(1);
    // The decimal exponent: estimated from the bit lengths, then corrected.
    let bits = x.numer().bits() as i64 - x.denom().bits() as i64;
    let mut e = (bits as f64 * std::f64::consts::LOG10_2).floor() as i64;
    let pow = |k: i64| -> BigRational {
        let p = num_traits::pow::pow(ten.clone(), k.unsigned_abs() as usize);
        if k >= 0 {
            p
        } else {
            p.recip()
        }
    };
    let lower = BigInt::from(10).pow(digits as u32 - 1);
    let upper = BigInt::from(10).pow(digits as u32);
    let mut mantissa = BigInt::zero();
    for _ in 0..8 {
        let scaled = &x * pow(digits as i64 - 1 - e);
        mantissa = scaled.round().to_integer();
        if mantissa >= upper {
            e += 1;
        } else if mantissa < lower {
            e -= 1;
        } else {
            break;
        }
    }
    let text = mantissa.to_string();
    let (head, tail) = text.split_at(1);
    let tail = tail.trim_end_matches('0');
    let body = if tail.is_empty() { head.to_string() } else { format!("{head}.{tail}") };
    if e == 0 {
        format!("{sign}{body}")
    } else {
        format!("{sign}{body}e{e}")
    }
}

/// The likely mistake behind a wrong step, from the numbers at all samples.
fn diagnose(model: &Model, evaluated: &[Evaluated], outcomes: &[PairOutcome], a: usize, b: usize) -> Option<String> {
    if outcomes.contains(&PairOutcome::OneUndefined) {
        return Some("the two sides are not defined for the same inputs".to_string());
    }
    // Values beyond the range of floats (an exact 10^19000) say nothing about a sign or a factor.
    let pairs: Vec<(f64, f64)> = evaluated
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| **o != PairOutcome::Skipped)
        .filter_map(|(ev, _)| Some((float_of(&ev.points[a])?, float_of(&ev.points[b])?)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if let Some(cause) = value_cause(&pairs) {
        return Some(cause);
    }
    if transposed(model, evaluated, a, b) {
        return Some("transposed: this step is the transpose of the step before".to_string());
    }
    // A step right for one-element ranges but wrong for larger ones: an index or sum mistake, or a
    // term that is 0 at size 1 (a forgotten `(p[i] - y[i]) * h[j]` with one class).
    if !model.sizes.is_empty() {
        let small = |ev: &Evaluated| ev.sample.sizes.iter().all(|&s| s == 1);
        let small_agree = evaluated.iter().zip(outcomes).any(|(ev, o)| small(ev) && *o == PairOutcome::Agree);
        let all_bad_large = evaluated.iter().zip(outcomes).all(|(ev, o)| *o != PairOutcome::Disagree || !small(ev));
        if small_agree && all_bad_large {
            // The size above every one at which the step agrees below the smallest at which it
            // fails: sizes between those are not all tried (a size added to reach `1..n-6`).
            let largest = |ev: &Evaluated| ev.sample.sizes.iter().copied().max().unwrap_or(1);
            let first_bad = evaluated
                .iter()
                .zip(outcomes)
                .filter(|(_, o)| **o == PairOutcome::Disagree)
                .map(|(ev, _)| largest(ev))
                .min()
                .unwrap_or(2);
            let m = evaluated
                .iter()
                .zip(outcomes)
                .filter(|(ev, o)| **o == PairOutcome::Agree && largest(ev) < first_bad)
                .map(|(ev, _)| largest(ev) + 1)
                .max()
                .unwrap_or(2);
            let names = model.sizes.join(", ");
            let which =
                if model.sizes.len() == 1 { format!("{names} ≥ {m}") } else { format!("one of {names} is ≥ {m}") };
            return Some(format!(
                "differs only when {which} (an index or sum mistake, or a term that vanishes at size 1)"
            ));
        }
    }
    None
}

/// Whether expression `b`, a square matrix, equals the transpose of expression `a` at every sample
/// (and is not simply equal to it).
fn transposed(model: &Model, evaluated: &[Evaluated], a: usize, b: usize) -> bool {
    let Some(first) = evaluated.first() else { return false };
    let mut hidden: Vec<IndexId> =
        (0..model.indices.len()).filter(|&i| model.indices[i].hidden && first.sample.free[i].is_some()).collect();
    hidden.sort_unstable();
    let [row, col] = hidden[..] else { return false };
    let key = |ev: &Evaluated, r: i64, c: i64| {
        let mut free = ev.sample.free.clone();
        free[row] = Some(r);
        free[col] = Some(c);
        (ev.sample.seed, ev.sample.mirror, ev.sample.sizes.clone(), free)
    };
    let by_position: std::collections::HashMap<_, &Point> = evaluated
        .iter()
        .filter_map(|ev| Some((key(ev, ev.sample.free[row]?, ev.sample.free[col]?), &ev.points[a])))
        .collect();
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()) + 1e-12;
    let mut off_diagonal_differs = false;
    // Draws at other magnitudes may leave a value out; the usual ones decide.
    for ev in evaluated.iter().filter(|ev| !ev.lenient) {
        let (Some(r), Some(c)) = (ev.sample.free[row], ev.sample.free[col]) else { return false };
        let Some(mirror) = by_position.get(&key(ev, c, r)).and_then(|p| float_of(p)) else { return false };
        let (Some(here), Some(before)) = (float_of(&ev.points[b]), float_of(&ev.points[a])) else { return false };
        if !close(here, mirror) {
            return false;
        }
        off_diagonal_differs |= !close(here, before);
    }
    off_diagonal_differs
}

/// Causes read off the values alone: a sign, a constant factor, a constant offset.
fn value_cause(pairs: &[(f64, f64)]) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-6 * x.abs().max(y.abs()) + 1e-9;
    if pairs.iter().all(|&(x, y)| close(-x, y)) && pairs.iter().any(|&(x, _)| x.abs() > 1e-9) {
        return Some("sign error".to_string());
    }
    // Factors and offsets are only meaningful when the values vary between samples.
    let distinct = |xs: &mut Vec<f64>| {
        xs.sort_by(f64::total_cmp);
        xs.dedup_by(|p, q| close(*p, *q));
        xs.len()
    };
    if pairs.iter().all(|&(_, y)| y == 0.0) && pairs.iter().any(|&(x, _)| x.abs() > 1e-9) {
        return Some("this step is 0 but the step before is not (a term is missing)".to_string());
    }
    if distinct(&mut pairs.iter().map(|p| p.0).collect()) < 3 {
        return None;
    }
    let ratios: Vec<f64> = pairs.iter().filter(|(x, _)| x.abs() > 1e-6).map(|(x, y)| y / x).collect();
    let zero_ok = pairs.iter().all(|&(x, y)| x.abs() > 1e-6 || y.abs() < 1e-6);
    let varied_ratios = distinct(&mut pairs.iter().filter(|(x, _)| x.abs() > 1e-6).map(|p| p.0).collect()) >= 3;
    let meaningful = |k: f64| k.abs() > 1e-6 && !close(k, 1.0);
    if let (Some(&k), true) = (ratios.first(), varied_ratios && ratios.first().is_some_and(|&k| meaningful(k))) {
        if zero_ok && ratios.iter().all(|&r| close(r, k)) {
            return Some(match small_fraction(k) {
                Some(text) if k < 0.0 => {
                    format!("sign error and off by a factor of {}", &text[1..])
                }
                Some(text) => format!("off by a factor of {text}"),
                None => format!("off by a constant factor {}", significant(k, 6)),
            });
        }
    }
    let offset = pairs[0].1 - pairs[0].0;
    let offset_matters = offset.abs() > 1e-6 * pairs[0].0.abs().max(pairs[0].1.abs());
    if offset_matters && pairs.iter().all(|&(x, y)| close(y - x, offset)) {
        let text = small_fraction(offset).unwrap_or_else(|| significant(offset, 6));
        return Some(format!("differs by the constant {text} (a missing or extra term)"));
    }
    None
}

/// `x` with `digits` significant digits, without trailing zeros.
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 {
        // Also -0.0, which a student reads as a sign.
        return "0".to_string();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-5..digits + 2).contains(&magnitude) {
        return format!("{x:.prec$e}", prec = (digits - 1) as usize);
    }
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `2`, `1/2`, `-3/4` when `x` is one of those within rounding.
fn small_fraction(x: f64) -> Option<String> {
    for q in 1..=12i64 {
        let p = (x * q as f64).round();
        if p.abs() <= 1000.0 && p != 0.0 && (x - p / q as f64).abs() <= 1e-7 * x.abs().max(1.0) {
            let p = p as i64;
            return Some(if q == 1 { p.to_string() } else { format!("{p}/{q}") });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{exact_significant, small_fraction};
    use num_rational::BigRational;

    #[test]
    fn exact_values_beyond_floats_are_written_out() {
        let r = |s: &str| crate::model::parse_decimal(s).unwrap().value;
        assert_eq!(exact_significant(&r("1e-400"), 6), "1e-400");
        assert_eq!(exact_significant(&-r("2.5"), 6), "-2.5");
        assert_eq!(exact_significant(&r("1.00000000000000000001"), 21), "1.00000000000000000001");
        assert_eq!(exact_significant(&r("123456"), 3), "1.23e5");
        assert_eq!(exact_significant(&BigRational::from_integer(0.into()), 6), "0");
    }

    #[test]
    fn small_fractions() {
        assert_eq!(small_fraction(2.0).as_deref(), Some("2"));
        assert_eq!(small_fraction(0.5).as_deref(), Some("1/2"));
        assert_eq!(small_fraction(-0.75).as_deref(), Some("-3/4"));
        assert_eq!(small_fraction(std::f64::consts::PI), None);
    }
}
