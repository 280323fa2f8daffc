//! Verdicts: for every step, does it follow from the step before (`verdict`), and does it still
//! equal the head (`holds`)? Decided here from the numeric samples; a numeric agreement is
//! `checked`, never `proved`.
//!
//! This module holds the public types and the loop over a derivation's steps, which combines the
//! prover's normal forms with the numbers and applies the rules on shapes and free indices. The
//! phases of the numbers are its parts: `plan` chooses the samples, `evaluate` computes the values,
//! `compare` judges a step from them, `diagnose` names the likely mistake of a wrong one, and
//! `text` writes numbers for reports.

mod compare;
mod diagnose;
mod evaluate;
mod memo;
mod plan;
mod text;

pub use compare::WITHIN_TOLERANCE;
pub use diagnose::{Against, Cause, Constant, Fraction, Repair, RepairKind};
pub(crate) use memo::Hashing;
pub use memo::{Memo, MemoScope, DEFAULT_MEMO_ENTRIES};
pub use text::{exact_significant, significant};

/// The internal errors of derivatives in forward mode found so far in this process (see
/// `numeric::dual_disagreements`): their count, and the descriptions not yet taken.
pub fn internal_derivative_errors() -> (u64, Vec<String>) {
    (crate::numeric::dual_disagreements(), crate::numeric::take_dual_disagreements())
}

use std::collections::BTreeMap;

use num_rational::BigRational;

use crate::diagnostic::Span;
use crate::model::{free_indices, labels_read, Derivation, Expr, IndexId, Model};
use crate::numeric::coverage;
use crate::numeric::{self, Context, Sample};
use crate::prove;
use crate::syntax::ast::Relation;
use crate::work::{self, Budget, Spent};
use compare::{judge, Lowered};
use evaluate::evaluate_all;
use plan::{every_position, Draws};

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
    /// Whether to search a verified repair for each wrong step (`localise`, after the check).
    pub repair: bool,
    /// The budget of a whole file, prover and numbers together (units of work, and a safety net
    /// in time); past it, the steps not yet decided are `undetermined`.
    pub file_budget: Budget,
    /// How many threads may check at once: files of a command line, and one file's derivations
    /// (1: one after another, on the calling thread). Reports are the same, byte for byte, at
    /// every number of threads.
    pub jobs: usize,
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
            repair: true,
            file_budget: Budget { work: DEFAULT_FILE_WORK, time: Some(DEFAULT_FILE_TIMEOUT) },
            jobs: 1,
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
    /// Where in the two sides the values were read when the sides are arrays: the element of a
    /// vector, the row and column of a matrix (empty for scalars).
    pub position: Vec<i64>,
    /// The inputs read, by entry (`s[2,t-1]`).
    pub inputs: BTreeMap<String, f64>,
    /// The values of the unknown functions and their derivatives at the arguments the two values
    /// read them at (`f'(0.31)`, `g(0.1, 2)`), and of unknown nodes (`E`), by their text.
    pub functions: BTreeMap<String, f64>,
    /// The partial derivatives of unknown nodes the two values read (`∂E/∂s[2,3]`), by their text.
    pub partials: BTreeMap<String, f64>,
    /// The value being compared against (the previous step), if defined.
    pub left: Option<f64>,
    /// The step's value, if defined.
    pub right: Option<f64>,
    /// Both values written out exactly, when they are exact and differ but their floats would
    /// print alike (an exact determinant of 1e-400 is 0 as a float).
    pub exact_text: Option<(String, String)>,
}

impl Counterexample {
    /// Where the two values were read, as a reader writes it: the sizes, the element of array
    /// sides (`element [1,2]`), the free indices (`D = 2, element [3], c = 1`).
    pub fn place(&self) -> Vec<String> {
        let mut parts: Vec<String> = self.sizes.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        if !self.position.is_empty() {
            let at: Vec<String> = self.position.iter().map(i64::to_string).collect();
            parts.push(format!("element [{}]", at.join(",")));
        }
        parts.extend(self.indices.iter().map(|(k, v)| format!("{k} = {v}")));
        parts
    }
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
    pub cause: Option<Cause>,
    /// For a wrong step: the smallest change found that makes it follow from the step before,
    /// verified by the checker (filled in by the search of `localise`, after the check).
    pub repair: Option<Repair>,
    /// For a wrong step: how many changes the search tried (0 when it did not search).
    pub repairs_tried: usize,
    /// For a proved step: the rules the proof used.
    pub explanation: Vec<String>,
    /// Set when a proof contradicts the numeric check: a bug in gradproof, never a verdict.
    pub internal_error: bool,
    /// Whether the prover's work budget (`--prove-work`) kept this step from a proof: the detail
    /// says so, and `derive` names the option only then.
    pub prover_out_of_work: bool,
    /// Compared with the head, which the step writes again (`ast::Step::restates`), rather than
    /// with the step before.
    pub restates: bool,
    /// Lines before it could not be read (a syntax or name error): the step is compared with the
    /// last step before them that was read, or the head.
    pub after_unread: Option<AfterUnread>,
}

/// A step compared across lines that could not be read.
#[derive(Debug, Clone, Copy)]
pub struct AfterUnread {
    /// The first line not read.
    pub unread: Span,
    /// The last line not read (the first, where there is one).
    pub last: Span,
    /// The step it is compared with (the `derive` line for the head).
    pub compared: Span,
    /// Whether that is the head.
    pub head: bool,
}

impl StepResult {
    /// What the step is compared with, in words: "the step before", or "the head"; across a line
    /// that could not be read, the line of the step before it that was read (`line_of` gives the
    /// line of an offset).
    pub fn compared_with(&self, line_of: impl Fn(usize) -> usize) -> String {
        match &self.after_unread {
            Some(gap) if !gap.head && !self.restates => format!("line {}", line_of(gap.compared.start)),
            Some(_) => "the head".to_string(),
            None if self.restates => "the head".to_string(),
            None => "the step before".to_string(),
        }
    }

    /// Why a step is compared across lines, in words: "line 4 has an error and was not read",
    /// "lines 4 to 5 have errors and were not read".
    pub fn unread_text(&self, line_of: impl Fn(usize) -> usize) -> Option<String> {
        let gap = self.after_unread.filter(|_| !self.restates)?;
        let (first, last) = (line_of(gap.unread.start), line_of(gap.last.start));
        Some(if first == last {
            format!("line {first} has an error and was not read")
        } else {
            format!("lines {first} to {last} have errors and were not read")
        })
    }

    /// The likely cause as the reports say it to a student: not "differs only at larger sizes"
    /// (an index or sum mistake, as it suggests) where a verified repair puts a factor back that
    /// explains it better (`1 / N` of a mean, `1 / sqrt(d)` of attention).
    pub fn shown_cause(&self) -> Option<&Cause> {
        let factor = self.repair.as_ref().is_some_and(|r| {
            matches!(r.kind, RepairKind::ConstantFactor | RepairKind::MissingFactor | RepairKind::ExtraFactor)
        });
        self.cause.as_ref().filter(|c| !(factor && matches!(c, Cause::LargerSizes { .. })))
    }
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
    /// Whether its last line could not be read: its answer is not known.
    pub unread_last: bool,
}

impl DerivationResult {
    /// Whether the last step still equals the head (not known where the last line was not read).
    pub fn final_holds(&self) -> bool {
        !self.unread_last && self.steps.last().is_some_and(|s| s.holds)
    }
}

/// Checks every derivation of a model, within the file's budget, on up to `options.jobs` threads.
/// The results are those of checking the derivations one after another, whatever the number of
/// threads (see [`check_in_parallel`]).
pub fn check_model(model: &Model, options: &CheckOptions) -> Vec<DerivationResult> {
    let n = model.derivations.len();
    let jobs = options.jobs.min(n);
    let done = if jobs > 1 { check_in_parallel(model, options, jobs) } else { Vec::new() };
    let used: u64 = done.iter().map(|(_, used)| used).sum();
    let mut results: Vec<DerivationResult> = done.into_iter().map(|(r, _)| r).collect();
    let first = results.len();
    if first == n {
        return results;
    }
    let ctx = file_context(model, options);
    work::file(options.file_budget, || {
        // The rest continue the file's meter where the derivations before them left it.
        let _ = work::charge(used);
        results.extend(
            model.derivations.iter().enumerate().skip(first).map(|(i, d)| check_derivation(&ctx, i, d, options)),
        );
    });
    results
}

/// Checks every derivation of a model as [`check_model`] does, one after another, looking each
/// derivation up in the memo first: the results, and the work charged to the file's budget, are
/// those of `check_model` with `jobs` 1, byte for byte (see [`Memo`]). The scope must be one made
/// for a model with the same tables as `model` (`Memo::scope`) and for `options`. Without a memo,
/// this is `check_model`.
pub fn check_model_memo(model: &Model, options: &CheckOptions, scope: Option<&MemoScope>) -> Vec<DerivationResult> {
    let Some(MemoScope { memo, digest }) = scope else { return check_model(model, options) };
    let ctx = file_context(model, options);
    // A check that took less wall-clock time than every safety net cannot have been stopped by
    // one (each starts within it); only such a result is stored.
    let net = [options.prove_budget.time, options.file_budget.time].into_iter().flatten().min();
    work::file(options.file_budget, || {
        let mut results = Vec::with_capacity(model.derivations.len());
        for (i, d) in model.derivations.iter().enumerate() {
            if work::file_spent().is_some() {
                results.push(check_derivation(&ctx, i, d, options));
                continue;
            }
            let key = memo::derivation_key(digest, i, d);
            let hit = memo.get(&key).filter(|m| work::used().saturating_add(m.work()) <= options.file_budget.work);
            if let Some((m, result)) = hit.and_then(|m| m.replay(d).map(|r| (m, r))) {
                // What the fresh check would have charged, which it would have done within the
                // budget.
                let _ = work::charge(m.work());
                memo.count_hit();
                results.push(result);
                continue;
            }
            let (before, started) = (work::used(), std::time::Instant::now());
            let result = check_derivation(&ctx, i, d, options);
            let in_time = net.is_none_or(|net| started.elapsed() < net);
            if work::file_spent().is_none() && in_time {
                memo.insert(key, d, &result, work::used() - before);
            }
            results.push(result);
        }
        results
    })
}

/// The stack of a thread that checks (see [`crate::threads::STACK_BYTES`]).
pub const CHECK_STACK_BYTES: usize = crate::threads::STACK_BYTES;

fn file_context<'m>(model: &'m Model, options: &CheckOptions) -> Context<'m> {
    Context::new(model)
        .with_spent_messages(spent_message(options, Spent::File), spent_message(options, Spent::FileTime))
}

/// The derivations of a model checked on `jobs` threads, each on a meter of its own with the whole
/// file's budget, and the work each took; of these, the longest first part that a check one
/// after another gives alike: those whose work, added up in order, stays within the file's
/// budget. (A derivation's work and result do not depend on where the meter stood when it
/// started, only on whether the file's budget ran out during it; and no derivation reads what
/// another computed.) The caller checks the rest one after another. The calling thread is one of
/// the `jobs`: it needs a checking thread's stack ([`CHECK_STACK_BYTES`]), as it does for one job.
fn check_in_parallel(model: &Model, options: &CheckOptions, jobs: usize) -> Vec<(DerivationResult, u64)> {
    // This thread is a worker too (the one that would wait for the others), and the others are
    // the helpers' threads, each with a context of its own. A panic of a worker is the file's:
    // passed on to the caller, which reports it.
    let stop = work::StopFlag::here();
    let all = crate::threads::map_each_with(
        &model.derivations,
        jobs,
        || file_context(model, options),
        |ctx, i, d| {
            stop.clone().run(|| {
                work::file(options.file_budget, || {
                    let result = check_derivation(ctx, i, d, options);
                    // A result that a spent budget (of work or time) shaped is not kept.
                    (result, work::used(), work::file_spent().is_none())
                })
            })
        },
    );
    let mut total = 0u64;
    let mut kept = Vec::new();
    for (result, used, clean) in all {
        total = total.saturating_add(used);
        if !clean || total > options.file_budget.work {
            break;
        }
        kept.push((result, used));
    }
    kept
}

/// For every derivation of a model, whether each step equals the head at a few samples of the
/// numbers (one draw at size 2; no proofs), within the file's budget and at most `each` units of
/// work per derivation. A screen that rules many candidates out cheaply, never a verdict: what
/// passes it is checked in full. A step whose shape or free indices differ from the head's, or
/// that the budget leaves unevaluated, does not pass. The samples of derivation `i` are drawn as
/// those of the derivation at position `draws[i]` (its position, where `draws` is shorter).
pub fn screen_against_head(model: &Model, options: &CheckOptions, each: u64, draws: &[usize]) -> Vec<Vec<bool>> {
    let verdicts = screen_verdicts(model, options, each, draws);
    verdicts.into_iter().map(|d| d.into_iter().map(|v| v == Some(Verdict::Checked)).collect()).collect()
}

/// [`screen_against_head`]'s verdicts: `checked` where a step equals the head at the screen's
/// draw, `wrong` where it differs there, `undetermined` where the numbers could not tell (the
/// budget, values undefined there, a range empty at size 2), none for a step of another shape or
/// free indices, which is not evaluated.
pub fn screen_verdicts(model: &Model, options: &CheckOptions, each: u64, draws: &[usize]) -> Vec<Vec<Option<Verdict>>> {
    let ctx = Context::new(model);
    work::file(options.file_budget, || {
        model
            .derivations
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let at = draws.get(i).copied().unwrap_or(i);
                work::within(Budget { work: each, time: None }, || screen_derivation(&ctx, at, d, options))
            })
            .collect()
    })
}

/// A derivation's head and steps, and the free indices of each. The class labels the derivation
/// reads (also through definitions) are free in every one of them: they are inputs, drawn at each
/// sample, and never a new free index of a step.
fn expressions<'a>(model: &Model, d: &'a Derivation) -> (Vec<&'a Expr>, Vec<Vec<IndexId>>) {
    let exprs: Vec<&Expr> = std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).collect();
    let free = exprs.iter().map(|e| free_of(e)).collect();
    with_labels(model, exprs, free)
}

/// [`expressions`] given the free indices of each expression (as `free_indices` finds them).
fn with_labels<'a>(
    model: &Model,
    exprs: Vec<&'a Expr>,
    mut free: Vec<Vec<IndexId>>,
) -> (Vec<&'a Expr>, Vec<Vec<IndexId>>) {
    let labels = labels_read(model, &exprs);
    if !labels.is_empty() {
        for v in &mut free {
            v.retain(|i| !labels.contains(i));
            v.extend(&labels);
        }
    }
    (exprs, free)
}

/// The free indices of an expression.
fn free_of(e: &Expr) -> Vec<IndexId> {
    let mut v = Vec::new();
    free_indices(e, &mut v);
    v
}

/// Whether a screen evaluates `step` against a head of shape `shape` whose free indices are
/// `head_free` (`model::free_indices` of the head): a step of another shape, or with an index
/// free that the head does not have, cannot pass and is not evaluated (its array elements would
/// multiply the samples of all the others). A class label read is free in every expression
/// alike: it does not tell.
pub fn screened(model: &Model, head_free: &[IndexId], shape: &crate::model::Shape, step: &crate::model::Step) -> bool {
    fits(model, head_free, shape, &step.shape, &free_of(&step.expr))
}

/// [`screened`] given the step's shape and free indices.
fn fits(
    model: &Model,
    head_free: &[IndexId],
    shape: &crate::model::Shape,
    step_shape: &crate::model::Shape,
    step_free: &[IndexId],
) -> bool {
    step_shape == shape && step_free.iter().all(|&i| model.indices[i].label || head_free.contains(&i))
}

fn screen_derivation(ctx: &Context, d_index: usize, d: &Derivation, options: &CheckOptions) -> Vec<Option<Verdict>> {
    // The steps the screen evaluates (`screened`); the others do not pass. (The candidates of a
    // search come already sifted so: then the derivation is not copied.) The free indices of
    // each expression are found once.
    let mut free: Vec<Vec<IndexId>> =
        std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).map(free_of).collect();
    let eligible: Vec<bool> =
        d.steps.iter().zip(&free[1..]).map(|(step, f)| fits(ctx.model, &free[0], &d.shape, &step.shape, f)).collect();
    let kept = if eligible.iter().all(|&e| e) {
        std::borrow::Cow::Borrowed(d)
    } else {
        let mut keep = std::iter::once(true).chain(eligible.iter().copied());
        free.retain(|_| keep.next().unwrap_or(false));
        std::borrow::Cow::Owned(Derivation {
            name: d.name.clone(),
            worth: d.worth.clone(),
            head: d.head.clone(),
            steps: d.steps.iter().zip(&eligible).filter(|(_, &e)| e).map(|(s, _)| s.clone()).collect(),
            span: d.span,
            tolerance: d.tolerance,
            shape: d.shape.clone(),
            unread: d.unread.clone(),
        })
    };
    let kept = kept.as_ref();
    let exprs: Vec<&Expr> = std::iter::once(&kept.head).chain(kept.steps.iter().map(|s| &s.expr)).collect();
    let (exprs, free) = with_labels(ctx.model, exprs, free);
    let needs_widened: Vec<bool> =
        std::iter::once(false).chain(kept.steps.iter().map(|s| s.relation == Relation::Approx)).collect();
    let cover = coverage::coverage(ctx.model, &exprs);
    let evaluated = evaluate_all(ctx, d_index, &exprs, &free, &needs_widened, &cover, Draws::Screen, options);
    // A screen keeps only the verdict: no counterexamples, no causes.
    let mut verdicts =
        kept.steps.iter().enumerate().map(|(k, step)| {
            judge(ctx, kept, &evaluated, &free, &cover, 0, k + 1, step.relation, Against::Head, None).0
        });
    eligible.iter().map(|&e| if e { verdicts.next() } else { None }).collect()
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

/// What a step is compared with, in the words of a step's detail.
fn compared_with(against: Against) -> &'static str {
    match against {
        Against::Head => "the head",
        Against::StepBefore => "the step before",
    }
}

fn check_derivation(ctx: &Context, d_index: usize, d: &Derivation, options: &CheckOptions) -> DerivationResult {
    if let Some(why) = work::file_spent() {
        return spent_result(d, &spent_message(options, why));
    }
    let (exprs, free) = expressions(ctx.model, d);
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
    let proved =
        |a: usize, b: usize| -> bool { !all_forms.is_empty() && all_forms.iter().all(|f| f.proves_equal(a, b)) };
    // The e-graph too, where the normaliser gave up on a side: asked only where the
    // numbers checked the step (equal at every sample, and defined at some). It has no conditions
    // of its own: two sides defined nowhere (`log(-1) * a`), or reading an entry outside its range,
    // are equal terms to it, and the numbers are what tell them apart; and on a wrong step it
    // would spend its limits in vain.
    let proved_at_all = |a: usize, b: usize, numbers: Verdict| -> bool {
        !all_forms.is_empty()
            && all_forms
                .iter()
                .all(|f| f.proves_equal(a, b) || (numbers == Verdict::Checked && f.proves_equal_in_egraph(a, b)))
    };
    let cover = coverage::coverage(ctx.model, &exprs);
    // A `=` step that is one decimal number may be a rounded value (`= 0.04211`): if it is wrong,
    // its comparison as `≈` says whether it holds when rounded (the widened values that needs are
    // computed for such steps, which cost little). Only a number alone: in `1.1 + 0.94 / 9.4`
    // every literal is widened by its last digit, and `≈` says little of the step.
    let rounded_candidate: Vec<bool> = std::iter::once(false)
        .chain(d.steps.iter().map(|s| s.relation == Relation::Equal && a_decimal(&s.expr)))
        .collect();
    let needs_widened: Vec<bool> = needs_widened.iter().zip(&rounded_candidate).map(|(a, b)| *a || *b).collect();
    // Where every comparison is proved, the numbers only cross-check the proofs: the draws that
    // look for what the usual ones miss (other magnitudes, exact rational values) are spared.
    let all_proved = (1..exprs.len()).all(|k| proved(k - 1, k) && proved(0, k));
    let evaluated = if options.numeric {
        let draws = if all_proved { Draws::CrossCheck } else { Draws::Search };
        evaluate_all(ctx, d_index, &exprs, &free, &needs_widened, &cover, draws, options)
    } else {
        Vec::new()
    };
    // How a proved step was proved: the chain of rewrites where the e-graph finds one (only with
    // --explain, as it costs time), else the rules the normal forms used.
    let explanation_of = |a: usize, b: usize| -> Vec<String> {
        let Some(f) = forms else { return Vec::new() };
        let (Some(x), Some(y)) = (&f.forms[a], &f.forms[b]) else { return f.rules(a, b) };
        let chain = (options.explain && work::file_spent().is_none())
            .then(|| prove::egraph::explain(&f.model, &x.lowered, &y.lowered))
            .flatten();
        chain.unwrap_or_else(|| f.rules(a, b))
    };

    let lowered = Lowered::new(&instances, &all_forms);
    let mut steps = Vec::new();
    for (k, step) in d.steps.iter().enumerate() {
        let at = k + 1;
        let relation_verdict = step.relation;
        let relation_holds = if first_approx.is_some_and(|f| k >= f) { Relation::Approx } else { Relation::Equal };
        // The expression the step is compared with: the step before, or the head it restates.
        let from = d.before(at);
        let against = if from == 0 { Against::Head } else { Against::StepBefore };
        let numeric = |a: usize, relation: Relation, against: Against| {
            if options.numeric {
                judge(ctx, d, &evaluated, &free, &cover, a, at, relation, against, Some(&lowered))
            } else {
                compare::free_index(ctx.model, d, &free, a, at, against).unwrap_or_else(|| {
                    (Verdict::Undetermined, "numeric checking is off and no proof was found".to_string(), None, None)
                })
            }
        };
        let mut internal_error = false;
        // The numbers' verdict on the step against the one before, if they were asked.
        let mut numbers_verdict = None;
        let before_shape = if from == 0 { &d.shape } else { &d.steps[from - 1].shape };
        let (mut verdict, mut detail, mut counterexample, mut cause) = if step.shape != *before_shape {
            // §7: a step whose shape differs from the step before is wrong, without samples (and,
            // like the rule on free indices, whatever a proof says).
            let sizes = &ctx.model.sizes;
            let detail = format!(
                "{} is {}, this step is {}",
                compared_with(against),
                before_shape.describe(sizes),
                step.shape.describe(sizes)
            );
            let cause = Cause::ShapeMismatch { before: before_shape.dims(sizes), step: step.shape.dims(sizes) };
            (Verdict::Wrong, detail, None, Some(cause))
        } else {
            let judgement = numeric(from, relation_verdict, against);
            numbers_verdict = Some(judgement.0);
            judgement
        };
        let mut step_explanation = Vec::new();
        // The rules on free indices and shapes are syntactic and stand; otherwise a proof decides,
        // and the numbers must agree with it.
        let static_wrong = verdict == Verdict::Wrong && counterexample.is_none();
        match settle(verdict, proved_at_all(from, at, verdict), static_wrong) {
            Settled::Contradiction => {
                internal_error = true;
                verdict = Verdict::Undetermined;
                detail =
                    "internal error: a symbolic proof contradicts the numeric check; please report this derivation"
                        .to_string();
            }
            Settled::Proved => {
                verdict = Verdict::Proved;
                detail = "proved by symbolic differentiation and normalisation".to_string();
                counterexample = None;
                cause = None;
                step_explanation = explanation_of(from, at);
            }
            Settled::Numbers => {}
        }
        let mut prover_out_of_work = false;
        if verdict != Verdict::Proved {
            // A safety net in time depends on the machine: a step it kept from a proof says so.
            // So does its work budget (a step that budget kept from a proof was told nothing,
            // and `derive` advised raising `--prove-work` where no limit was met: an instructor).
            let stops: Vec<Spent> = all_forms
                .iter()
                .flat_map(|f| [f.stopped[from], f.stopped[at], f.egraph_stopped(from, at)])
                .flatten()
                .collect();
            // (Not the work budget beside a step the numbers found wrong: no budget proves it.)
            let work = stops.iter().find(|s| **s == Spent::Part).filter(|_| verdict != Verdict::Wrong);
            prover_out_of_work = work.is_some();
            if let Some(&why) = stops.iter().find(|s| s.by_time()).or(work) {
                let said = spent_message(options, why);
                if !detail.contains(&said) {
                    detail = format!("{detail}; {said}");
                }
            }
        }
        // A rounded value written with `=`: the cause says it holds as `≈`.
        if verdict == Verdict::Wrong
            && counterexample.is_some()
            && rounded_candidate[at]
            && matches!(numeric(from, Relation::Approx, against).0, Verdict::Checked | Verdict::Proved)
        {
            cause = Some(Cause::Rounded);
        }
        // A `≈` step off by a millionth or less that writes no rounded number (only numbers the
        // file gives, exact in it): a tiny term left out (a `≈ 0.1234569` for 0.123456789 has
        // its last digit wrong, a reviewer found, and is not this).
        if verdict == Verdict::Wrong
            && relation_verdict == Relation::Approx
            && cause.is_none()
            && !has_rounded_literal(&step.expr)
        {
            if let Some(relative) = counterexample.as_ref().and_then(negligible_difference) {
                cause = Some(Cause::Negligible { relative });
            }
        }
        // The first step's comparison with the head is the one just made (the same sides, relation
        // and samples): not made again.
        let same = numbers_verdict.filter(|_| from == 0 && relation_holds == relation_verdict);
        let mut holds_verdict = match same {
            Some(v) => v,
            None if step.shape == d.shape => numeric(0, relation_holds, Against::Head).0,
            None => Verdict::Wrong,
        };
        let holds_static_wrong = step.shape != d.shape || free[at].iter().any(|i| !free[0].contains(i));
        match settle(holds_verdict, proved_at_all(0, at, holds_verdict), holds_static_wrong) {
            Settled::Contradiction => internal_error = true,
            Settled::Proved => holds_verdict = Verdict::Proved,
            Settled::Numbers => {}
        }
        let holds = matches!(holds_verdict, Verdict::Checked | Verdict::Proved);
        let holds_known = holds_verdict != Verdict::Undetermined;
        if verdict == Verdict::Wrong && holds && holds_known && cause != Some(Cause::Rounded) {
            // Wrong from the step before, right from the head: the step undoes a mistake made
            // before it, and what tells it from the step before ("sign error") is that mistake,
            // not one of this step's. (A rounded value written with `=` is the step's own: after
            // a `≈` step it holds from the head too, and `= 0.8004` after `≈ 0.9 - 0.1 * 1.8947 /
            // 1.9026` was graded wrong and flagged as a correction; a TA.)
            cause = None;
        }
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
            repair: None,
            repairs_tried: 0,
            explanation: step_explanation,
            internal_error,
            prover_out_of_work,
            restates: step.restates,
            after_unread: step.after_unread.map(|(unread, last)| AfterUnread {
                unread,
                last,
                compared: if from == 0 { d.span } else { d.steps[from - 1].span },
                head: from == 0,
            }),
        });
    }
    DerivationResult { name: d.name.clone(), span: d.span, steps, unread_last: d.unread_last() }
}

/// Whether an expression writes a number that a `≈` step widens (a decimal not given by the
/// file, or a number alone).
fn has_rounded_literal(e: &Expr) -> bool {
    let mut found = matches!(e, Expr::Const(l) if l.half_unit.is_some());
    e.for_each_child(|c| found |= has_rounded_literal(c));
    found
}

/// The difference of a counterexample's two values relative to the larger, where it is a
/// millionth or less (and not 0).
fn negligible_difference(c: &Counterexample) -> Option<f64> {
    let (l, r) = (c.left?, c.right?);
    let relative = (l - r).abs() / l.abs().max(r.abs());
    (relative > 0.0 && relative <= 1e-6).then_some(relative)
}

/// Whether an expression is one number written with a decimal point (`0.04211`, `-1.2`).
fn a_decimal(e: &Expr) -> bool {
    match e {
        Expr::Const(l) => l.point,
        Expr::Neg(a) => a_decimal(a),
        _ => false,
    }
}

/// What decides a step, given the verdict of the numbers, whether the prover proved it, and
/// whether a syntactic rule (a new free index, a shape mismatch) made it wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    /// The proof: the numbers agree or reach no verdict.
    Proved,
    /// The numbers' verdict stands: no proof, or a syntactic rule that no proof overrides.
    Numbers,
    /// A proof the numbers refute: a bug, reported as an internal error, never `proved` or `wrong`.
    Contradiction,
}

fn settle(numbers: Verdict, proved: bool, static_wrong: bool) -> Settled {
    match (proved && !static_wrong, numbers) {
        (false, _) => Settled::Numbers,
        (true, Verdict::Wrong) => Settled::Contradiction,
        (true, _) => Settled::Proved,
    }
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
            repair: None,
            repairs_tried: 0,
            explanation: Vec::new(),
            internal_error: false,
            prover_out_of_work: false,
            restates: step.restates,
            after_unread: None,
        })
        .collect();
    DerivationResult { name: d.name.clone(), span: d.span, steps, unread_last: d.unread_last() }
}

#[cfg(test)]
mod tests {
    use super::{settle, Settled, Verdict};

    #[test]
    fn a_proof_the_numbers_refute_is_an_internal_error_never_a_verdict() {
        assert_eq!(settle(Verdict::Wrong, true, false), Settled::Contradiction);
        // A proof stands where the numbers agree or reach no verdict.
        assert_eq!(settle(Verdict::Checked, true, false), Settled::Proved);
        assert_eq!(settle(Verdict::Undetermined, true, false), Settled::Proved);
        // The syntactic rules stand against any proof; without a proof the numbers decide.
        assert_eq!(settle(Verdict::Wrong, true, true), Settled::Numbers);
        assert_eq!(settle(Verdict::Wrong, false, false), Settled::Numbers);
        assert_eq!(settle(Verdict::Checked, false, false), Settled::Numbers);
    }
}
