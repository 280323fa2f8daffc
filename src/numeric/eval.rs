//! Evaluation of model expressions at one sample, under the perturbation semantics of `diff`
//! (§3.3): a derivative with respect to an entry perturbs that entry's value, recomputes every
//! node downstream of it, and holds everything else fixed.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use num_rational::BigRational;

use super::approx::{Approx, UNIT};
use super::coverage::{FiniteTurns, Meeting};
use super::dual::Dual;
use super::fd::{central, ridders, ridders_until, Derivative};
use super::interval::{around, Interval};
use super::linalg;
use super::precise::{self, Precise};
use super::random::{self, input_value, smooth_n, smooth_n_partials, Band, Smooth1, Turn};
use super::value::{self, EvalError, EvalResult, Value};
use crate::model::{expansion, Bound, EntryId, EntryKind, EntryRef, Expr, Ix, IxVar, Literal, Model, Slot};
use crate::syntax::ast::BigOp;

/// Finite differences refuse a derivative (and the sample is redrawn) when a kink is closer than
/// this to the point or to a point differenced; forward mode needs no such room (`dual_child`).
pub const KINK_MARGIN: f64 = 0.05;
/// How many times finite differences shrink their margin (and step) by 10 where a kink is too
/// near: down to 5e-7 ([`Evaluator::differences`]).
const KINK_SHRINKS: usize = 5;
/// The step of the one central difference that checks a derivative from Ridders' table, as a
/// fraction of the table's first step ([`Evaluator::differences`]).
const PROBE_STEP: f64 = 1e-3;
/// How far (relative) that difference may lie from the table's derivative beyond their error
/// bounds: its truncation error, far below this at the usual magnitudes, is not bounded.
const PROBE_AGREEMENT: f64 = 1e-3;
/// A derivative whose error estimate exceeds this share of its size is unreliable; the sample is
/// redrawn.
const MAX_RELATIVE_FD_ERROR: f64 = 1e-5;
/// How many times its own estimate the truncation error of a finite difference may be: the error
/// bound a derivative carries into the arithmetic around it.
const FD_SAFETY: f64 = 100.0;
/// The widest error bound a derivative by finite differences may carry, as a share of its size
/// (at least 1): its estimate within [`MAX_RELATIVE_FD_ERROR`] taken [`FD_SAFETY`] times, and its
/// noise within it once.
pub const WIDEST_DERIVATIVE_ERROR: f64 = (FD_SAFETY + 1.0) * MAX_RELATIVE_FD_ERROR;
/// The step of the first, quick comparison of a cross-check, relative to the point (at least 1):
/// small enough that a central difference's truncation error (about `h² f'''/6`) is below
/// [`QUICK_AGREEMENT`] for the functions of the course, large enough that rounding is far below it.
const QUICK_STEP: f64 = 1e-4;
/// How close (relative to its value, beyond both error bounds) a central difference over
/// [`QUICK_STEP`] must come to a derivative in forward mode to confirm it without Ridders' table.
const QUICK_AGREEMENT: f64 = 1e-7;
/// The step, relative to the point (at least 1), of the difference that looks past the tables of a
/// cross-check where they disagree with the dual ([`differences`]).
const TINY_STEP: f64 = 1e-9;
/// How close (relative to its value, beyond both error bounds) the difference over [`TINY_STEP`]
/// must come to the dual: its truncation error is far below that for the functions of the course
/// (a wrong dual, off by a millionth, still disagrees).
const TINY_AGREEMENT: f64 = 1e-8;
/// The most noise (relative to its value) the difference over [`TINY_STEP`] may carry to confirm
/// the dual: rounding divided by so small a step is large where the value is large beside its
/// derivative.
const TINY_NOISE: f64 = 1e-7;
/// The most elementary operations one evaluation may take.
pub const EVAL_BUDGET: u64 = 5_000_000;
/// An evaluation charges the file's meter of work (`crate::work`) in batches of this many
/// operations.
const CHARGE_EVERY: u64 = 64;
/// The most operations the exact evaluations that read sampled inputs may take at one sample, all
/// expressions and array elements together.
const EXACT_INPUT_BUDGET: u64 = 20_000;

/// The largest matrix `det` and `inv` take.
pub const MAX_MATRIX_SIZE: i64 = 400;
/// The most terms one `sum` or `prod` may have.
pub const MAX_SUM_TERMS: i64 = 1_000_000;
/// The most entries an unknown node may depend on (`unknown E depends on W[i,j]` over two
/// concrete ranges of 100,000 would be 10¹⁰ of them).
pub const MAX_NODE_DEPENDENCIES: u64 = 10_000;
/// Tags that keep the random streams of different kinds of thing apart.
const TAG_INPUT: u64 = 1;
/// The factor a matrix declared `spd` is made of (see [`Evaluator::positive_definite`]).
const TAG_SPD: u64 = 23;
/// The most columns of the factor a matrix declared `spd` is made of.
const SPD_RANK: i64 = 8;
/// The tag of an input's offset from a kink in a [`Band::Near`] draw.
const TAG_NEAR: u64 = 0x7a71;
/// The tag of an input's place between two kinks in a [`Band::Across`] draw.
const TAG_ACROSS: u64 = 0x7a72;
const TAG_FUNCTION: u64 = 2;
const TAG_NODE: u64 = 3;

/// The values of a builtin's or an unknown function's arguments, on the stack for up to two.
type Args<V> = smallvec::SmallVec<[V; 2]>;

/// The binders being evaluated, with their values (see `Evaluator::bound`).
type Binders = smallvec::SmallVec<[(usize, i64); 4]>;

/// One entry with concrete index values for its range slots.
pub type EntryKey = (EntryId, smallvec::SmallVec<[i64; 3]>);

/// What the evaluator needs to know about a model, computed once.
pub struct Context<'m> {
    /// The model.
    pub model: &'m Model,
    /// `reads[e][t]`: entry `e` depends on entry `t`, directly or through other definitions.
    reads: Vec<Vec<bool>>,
    /// The same at the level of elements (`y[k]` reads row `k` of `W`): `reach.rs`.
    reach: super::reach::Reach,
    /// The class labels of the model (`Model::labels`), read by every definition computed.
    labels: Vec<crate::model::IndexId>,
    /// What an evaluation stopped by the file's budget of work, or by its safety net in time, says.
    spent_messages: Option<(String, String)>,
    /// The expressions (by address) and positions that cannot be evaluated exactly. An exact
    /// value reads nothing random, so it is the same at every draw: a refusal, perhaps after a
    /// whole budget of work on large numbers, is not tried again.
    not_exact: RefCell<rustc_hash::FxHashSet<ExactKey>>,
}

/// An expression (by address), the sizes and the free index values it was evaluated at (those
/// that have one, with their index: the model of the search for repairs has thousands of indices,
/// nearly all without a value).
type ExactKey = (usize, Vec<i64>, smallvec::SmallVec<[(usize, i64); 4]>);

impl<'m> Context<'m> {
    /// Prepares a model for evaluation.
    pub fn new(model: &'m Model) -> Context<'m> {
        Context {
            model,
            reads: crate::model::dependency_closure(model),
            reach: super::reach::Reach::new(model),
            labels: model.labels().collect(),
            spent_messages: None,
            not_exact: RefCell::new(rustc_hash::FxHashSet::default()),
        }
    }

    /// The same context, in which an evaluation stopped by the file's budget of work (see
    /// `crate::work`) fails with `work`, and one stopped by the file's safety net in time with
    /// `time`.
    pub fn with_spent_messages(self, work: String, time: String) -> Context<'m> {
        Context { spent_messages: Some((work, time)), ..self }
    }

    /// The error of an evaluation stopped by a spent budget.
    fn spent(&self, why: crate::work::Spent) -> EvalError {
        EvalError::Limit(match (&self.spent_messages, why.by_time()) {
            (Some((_, time)), true) => time.clone(),
            (Some((work, _)), false) => work.clone(),
            (None, true) => "the time limit was reached".to_string(),
            (None, false) => "the budget of work was spent".to_string(),
        })
    }

    /// Whether entry `e` changes when entry `t` is perturbed.
    fn depends(&self, e: EntryId, t: EntryId) -> bool {
        e == t || self.reads[e][t]
    }

    /// Whether entry `key` may change when entry `target` is perturbed, at the sample's `sizes`:
    /// [`Context::depends`] refined element by element (`reach.rs`; never `false` where it is
    /// `true`).
    fn moves(&self, sizes: &[i64], key: &EntryKey, target: &EntryKey) -> bool {
        self.depends(key.0, target.0) && self.reach.may_depend(&self.reads, sizes, key, target)
    }
}

/// One point of the sample space: sizes, free index values, and the seed of the random inputs and
/// function instances.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// A value for every size.
    pub sizes: Vec<i64>,
    /// A value for every free range index of the derivation (others `None`).
    pub free: Vec<Option<i64>>,
    /// The seed of inputs and random functions.
    pub seed: u64,
    /// Whether every unrestricted input is negated (samples come in mirrored pairs).
    pub mirror: bool,
    /// The magnitudes the inputs are drawn from.
    pub band: Band,
    /// Whether exact evaluation reads the inputs as the rationals their floats are (else an input
    /// makes an expression inexact). Inputs of a family under an `assume` stay inexact: their
    /// rescaling is rounded.
    pub exact_inputs: bool,
    /// The turn of this draw among its combination's: an input of a finite set takes the member
    /// this many places past its random one, so that the pairs of draws of a combination go
    /// through every member of a set (one of twelve was missed at half the seeds: a tester). None
    /// for a draw of its own (another band).
    pub turn: Option<u64>,
    /// The scalar inputs of finite sets that go through every combination of their members over
    /// the turns (at a turn, each takes its digit's member past its random one).
    pub finite: Option<FiniteTurns>,
}

impl Sample {
    /// The same sample at other values of the free indices (without copying this one's).
    pub fn at(&self, free: Vec<Option<i64>>) -> Sample {
        Sample { sizes: self.sizes.clone(), free, ..*self }
    }

    /// A sample with the usual draws of inputs, which exact evaluation does not read.
    pub fn standard(sizes: Vec<i64>, free: Vec<Option<i64>>, seed: u64, mirror: bool) -> Sample {
        Sample { sizes, free, seed, mirror, band: Band::Standard, exact_inputs: false, turn: None, finite: None }
    }
}

/// How a value is computed: the kind of number, with what it can and cannot do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Float,
    Exact,
    Interval,
    /// High precision, for the samples where floats lose the answer (`precise.rs`).
    Precise,
    /// Floats with a tangent, for derivatives in forward mode (`dual.rs`).
    Dual,
}

trait Kinded: Value {
    const KIND: Kind;
    /// A value of which nothing is known (only intervals have one: every real).
    fn unbounded() -> EvalResult<Self> {
        Err(EvalError::NotExact)
    }
    /// The same value, not known to be continuous over the box of an interval evaluation.
    fn discontinuous(self) -> Self {
        self
    }
    /// A float computed elsewhere, with its error bound (an interval takes the point).
    fn from_approx(x: Approx) -> EvalResult<Self>;
    /// A float without error: a sampled input or a perturbed value.
    fn from_float(x: f64) -> EvalResult<Self> {
        Self::from_approx(Approx::exact(x))
    }
    /// A float taken as the exact number it is (an exact rational keeps every bit of it).
    fn from_exact(x: f64) -> EvalResult<Self> {
        Self::from_float(x)
    }
    /// A random smooth function of one variable, or one of its derivatives.
    fn smooth1(&self, g: &Smooth1, order: u32) -> EvalResult<Self>;
    /// The value as a float with an error bound (an interval: its midpoint and half its width).
    fn approx(&self) -> Approx;
    /// The work of `a + b` beyond one operation (more than nothing only for large exact numbers).
    fn sum_work(_a: &Self, _b: &Self) -> u64 {
        0
    }
    /// The work of `a * b` or `a / b` beyond one operation.
    fn product_work(_a: &Self, _b: &Self) -> u64 {
        0
    }
    /// The determinant of a square matrix, row-major, paying for the work with `charge`.
    fn det(m: &[Self], n: usize, charge: linalg::Charge) -> EvalResult<Self> {
        linalg::det(m, n, charge)
    }
    /// The inverse of a square matrix, row-major, paying for the work with `charge`.
    fn inverse(m: &[Self], n: usize, charge: linalg::Charge) -> EvalResult<Vec<Self>> {
        linalg::inverse(m, n, charge)
    }
    /// The tangent of a dual number (other kinds have none).
    fn tangent(&self) -> Option<Approx> {
        None
    }
    /// A dual number of a value and its tangent (other kinds cannot be one).
    fn with_tangent(_value: Approx, _tangent: Approx) -> EvalResult<Self> {
        Err(EvalError::NotExact)
    }
    /// `diff(body, x)` at `x0` in forward mode, where the kind can (floats; see [`Forward`]);
    /// `NearKink` where they meet a kink at the point, which no finite difference would tell
    /// better.
    fn forward_diff(
        _ev: &mut Evaluator<'_, '_, Self>,
        _body: &Expr,
        _free: &[Option<i64>],
        _key: &EntryKey,
        _x0: Approx,
    ) -> EvalResult<Forward> {
        Ok(Forward::Unavailable)
    }
    /// The first derivative of a function with body `body` at `x` in forward mode, where the kind
    /// can (floats): `None` where the dual numbers cannot take it.
    fn forward_apply<'a>(_ev: &mut Evaluator<'a, '_, Self>, _body: &'a Expr, _x: Approx) -> Option<Approx> {
        None
    }
}

/// What forward mode says of a derivative ([`Kinded::forward_diff`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Forward {
    /// Its value, as precisely as a finite difference must be.
    Value(Approx),
    /// Bounds on it too wide to stand for it (an input of the large band through a fast
    /// oscillation: `1e-12*sin(1e12*x)` has a derivative `cos(1e12*x)` known to 1e-4): finite
    /// differences give the value, and where they fall outside these bounds they did not resolve
    /// the function (steps far wider than its period average it away), and the sample is redrawn.
    Bounds(Approx),
    /// The dual numbers cannot take it (a construct without a dual rule, a nested derivative, a
    /// value outside a domain, a kink within the margin): finite differences decide.
    Unavailable,
}

impl Kinded for Approx {
    const KIND: Kind = Kind::Float;
    fn from_approx(x: Approx) -> EvalResult<Approx> {
        Ok(x)
    }
    fn smooth1(&self, g: &Smooth1, order: u32) -> EvalResult<Approx> {
        Ok(g.eval_approx(order, *self))
    }
    fn approx(&self) -> Approx {
        *self
    }
    fn forward_diff(
        ev: &mut Evaluator<'_, '_, Approx>,
        body: &Expr,
        free: &[Option<i64>],
        key: &EntryKey,
        x0: Approx,
    ) -> EvalResult<Forward> {
        ev.forward_diff(body, free, key, x0)
    }
    fn forward_apply<'a>(ev: &mut Evaluator<'a, '_, Approx>, body: &'a Expr, x: Approx) -> Option<Approx> {
        ev.forward_apply(body, x)
    }
}

impl Kinded for Dual {
    const KIND: Kind = Kind::Dual;
    fn from_approx(x: Approx) -> EvalResult<Dual> {
        Ok(Dual::constant(x))
    }
    fn smooth1(&self, g: &Smooth1, order: u32) -> EvalResult<Dual> {
        let value = g.eval_approx(order, self.value);
        if self.is_flat() {
            return Ok(Dual::constant(value));
        }
        Ok(Dual { value, tangent: g.eval_approx(order + 1, self.value).mul(&self.tangent)? })
    }
    fn approx(&self) -> Approx {
        self.value
    }
    fn tangent(&self) -> Option<Approx> {
        Some(self.tangent)
    }
    fn with_tangent(value: Approx, tangent: Approx) -> EvalResult<Dual> {
        Ok(Dual { value, tangent })
    }
    // No rule for the tangents of `det` and `inv` yet: finite differences take them.
    fn det(_: &[Self], _: usize, _: linalg::Charge) -> EvalResult<Self> {
        Err(EvalError::NotExact)
    }
    fn inverse(_: &[Self], _: usize, _: linalg::Charge) -> EvalResult<Vec<Self>> {
        Err(EvalError::NotExact)
    }
}

impl Kinded for Precise {
    const KIND: Kind = Kind::Precise;
    /// An inverse in higher precision, charged by the words of its numbers (see `Expr::Det` in
    /// [`Evaluator::eval`]).
    fn inverse(m: &[Self], n: usize, charge: linalg::Charge) -> EvalResult<Vec<Self>> {
        charge(linalg::elimination_steps(n).saturating_mul(3 * super::precise::words()))?;
        linalg::inverse(m, n, charge)
    }
    fn from_approx(x: Approx) -> EvalResult<Precise> {
        Ok(Precise::from_f64(x.value, x.error))
    }
    fn smooth1(&self, g: &Smooth1, order: u32) -> EvalResult<Precise> {
        g.eval_precise(order, self)
    }
    fn approx(&self) -> Approx {
        Precise::approx(self)
    }
}

impl Kinded for BigRational {
    const KIND: Kind = Kind::Exact;
    fn from_approx(_: Approx) -> EvalResult<BigRational> {
        Err(EvalError::NotExact)
    }
    fn from_exact(x: f64) -> EvalResult<BigRational> {
        value::float_as_rational(x).ok_or(EvalError::NotExact)
    }
    fn smooth1(&self, _: &Smooth1, _: u32) -> EvalResult<BigRational> {
        Err(EvalError::NotExact)
    }
    fn approx(&self) -> Approx {
        Approx::exact(self.to_f64())
    }
    fn sum_work(a: &Self, b: &Self) -> u64 {
        value::sum_work(a, b)
    }
    fn product_work(a: &Self, b: &Self) -> u64 {
        value::product_work(a, b)
    }
    fn det(m: &[Self], n: usize, charge: linalg::Charge) -> EvalResult<Self> {
        linalg::det_exact(m, n, charge)
    }
    fn inverse(m: &[Self], n: usize, charge: linalg::Charge) -> EvalResult<Vec<Self>> {
        linalg::inverse_exact(m, n, charge)
    }
}

impl Kinded for Interval {
    const KIND: Kind = Kind::Interval;
    fn unbounded() -> EvalResult<Interval> {
        Ok(Interval::whole())
    }
    fn discontinuous(self) -> Interval {
        Interval { continuous: false, ..self }
    }
    /// A float with its error bound: the interval it stands for.
    fn from_approx(x: Approx) -> EvalResult<Interval> {
        Ok(around(x.value, x.error))
    }
    /// Only at a thin interval (see [`thin`]): the float's first-order error bound.
    fn smooth1(&self, g: &Smooth1, order: u32) -> EvalResult<Interval> {
        Interval::from_approx(g.eval_approx(order, self.approx()))
    }
    fn approx(&self) -> Approx {
        let error =
            if self.lo.is_finite() && self.hi.is_finite() { self.hi / 2.0 - self.lo / 2.0 } else { f64::INFINITY };
        Approx { value: self.to_f64(), error }
    }
}

/// Whether a value is known as closely as a float's rounding (an interval at most 2⁻⁴⁰ of its size
/// wide): there the parts that interval arithmetic cannot bound (random functions, derivatives by
/// finite differences) are taken at its midpoint with their float error bound, which is then
/// exact to first order. A wider interval makes them unbounded.
fn thin<V: Kinded>(v: &V) -> bool {
    let a = v.approx();
    a.error <= a.value.abs().max(1.0) * 2f64.powi(-40)
}

/// The outcome of evaluating an expression in floats.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatValue {
    /// The value.
    pub value: f64,
    /// A bound on its absolute error, from rounding and finite differences, carried through the
    /// arithmetic (see `approx.rs`).
    pub error: f64,
    /// The largest operand of any addition or subtraction: the scale of cancellation error.
    pub scale: f64,
}

/// Shared between an evaluator and the children it creates for finite differences.
struct Shared {
    /// The operations this evaluation may still take.
    budget: Cell<u64>,
    /// Set once the file's budget was found spent: every later operation fails with it.
    spent: Cell<Option<crate::work::Spent>>,
    /// The sum of the raw draws of each row of a family under an `assume`, and the sum of their
    /// magnitudes, by entry and row.
    assumed_totals: RefCell<HashMap<(EntryId, Vec<i64>), (f64, f64)>>,
    /// What the evaluation read at the sample's own point, for counterexamples (recorded only
    /// when asked for: `recording`).
    reads: RefCell<Reads>,
    /// Whether to record them.
    recording: Cell<bool>,
    /// Above 0 while a dual evaluation reads the values it holds fixed from the float evaluator it
    /// was made from: what is computed there is read away from the point, as in finite
    /// differences, and not recorded.
    quiet: Cell<u32>,
    /// Whether a derivative in forward mode was already checked against finite differences here
    /// (once per sample: see [`Evaluator::cross_check`]).
    cross_checked: Cell<bool>,
    /// Whether finite differences gave a value here (a derivative no dual rule took, a partial of
    /// an unknown node): set once and kept, for the values of every later evaluation may read it
    /// from a cache (see [`Batch::differenced`]).
    differenced: Cell<bool>,
    /// Values of the free indices (one per index of the model, every one `None`) for the bodies of
    /// definitions, kept between uses: a model with many indices (the search for repairs resolves
    /// every candidate into one) would otherwise allocate and clear a long one per entry computed.
    free_pool: RefCell<Vec<Vec<Option<i64>>>>,
}

/// How many derivatives in forward mode disagreed with their finite differences beyond both
/// error bounds, in this process: a bug in a rule of `dual.rs` or of the evaluator, never a
/// verdict (`tests/numeric.rs` holds it at 0 over the corpus).
static DISAGREEMENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// What the first disagreements were (at most [`KEPT_DISAGREEMENTS`]), for the command to report.
static DISAGREEMENT_TEXTS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
const KEPT_DISAGREEMENTS: usize = 20;
/// How many derivatives in forward mode were compared with converged finite differences.
static CROSS_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Whether every derivative in forward mode is checked against finite differences, not one per
/// sample (for tests: it costs the differences the duals save).
static CROSS_CHECK_EVERY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How many derivatives in forward mode disagreed with their finite differences so far in this
/// process (see `docs/performance.md`, "Forward-mode derivatives"). Always 0 unless there is a bug.
pub fn dual_disagreements() -> u64 {
    DISAGREEMENTS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The disagreements found since the last call (the first 20 of them described), for the command
/// to report on standard error as internal errors (the library does not print).
pub fn take_dual_disagreements() -> Vec<String> {
    std::mem::take(&mut *DISAGREEMENT_TEXTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// How many derivatives in forward mode were compared with finite differences that converged, so
/// far in this process.
pub fn dual_cross_checks() -> u64 {
    CROSS_CHECKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Checks every derivative in forward mode against finite differences (`true`), or one per
/// sample (`false`, the default), for the rest of this process.
pub fn cross_check_every_derivative(every: bool) {
    CROSS_CHECK_EVERY.store(every, std::sync::atomic::Ordering::Relaxed);
}

/// Evaluates `expr` at a sample in floats.
pub fn eval_float(ctx: &Context, sample: &Sample, expr: &Expr) -> EvalResult<FloatValue> {
    let mut ev = Evaluator::<Approx>::new(ctx, sample, false);
    let v = ev.eval(expr, &sample.free)?;
    Ok(FloatValue { value: v.value, error: v.error, scale: ev.scale })
}

/// Evaluates `expr` at a sample with numbers of `bits` bits that carry an error bound (see
/// `precise.rs`): for the samples where floats lose the answer. Derivatives are finite differences
/// of high-precision values, taken at float steps.
pub fn eval_precise(ctx: &Context, sample: &Sample, expr: &Expr, bits: usize) -> EvalResult<Precise> {
    precise::with_bits(bits, || Evaluator::<Precise>::new(ctx, sample, false).eval(expr, &sample.free))
}

/// Evaluates several expressions at one sample, and each at several values of the free indices
/// (the elements of an array), sharing the values of inputs and nodes between all of them.
pub struct Batch<'a> {
    exact: Evaluator<'a, 'a, BigRational>,
    float: Evaluator<'a, 'a, Approx>,
    widened: Evaluator<'a, 'a, Interval>,
    /// The operations left to exact evaluations of sampled inputs at this sample, all of them.
    exact_inputs_left: u64,
}

impl<'a> Batch<'a> {
    /// A batch at one sample.
    pub fn new(ctx: &'a Context<'a>, sample: &'a Sample) -> Batch<'a> {
        Batch {
            exact: Evaluator::new(ctx, sample, false),
            float: Evaluator::new(ctx, sample, false),
            widened: Evaluator::new(ctx, sample, true),
            exact_inputs_left: EXACT_INPUT_BUDGET,
        }
    }

    /// The work limits apply to each element of each expression on its own.
    fn fresh_limits(&self) {
        for shared in [&self.exact.shared, &self.float.shared, &self.widened.shared] {
            shared.budget.set(EVAL_BUDGET);
        }
    }

    /// Evaluates exactly (see [`eval_exact`]). Where the sample's inputs are read exactly, the
    /// evaluations share a smaller budget of their own, and past it or any other limit give way to
    /// floats (`NotExact`), which have their own limits.
    /// `reads_inputs`: whether the expression reads a sampled input; one that reads none is the
    /// same number at every draw and has the budget of one evaluation to itself
    /// (`sum(k in 1..458, 1/2^k)` is compared exactly, not in floats).
    pub fn exact(&mut self, expr: &Expr, free: &[Option<i64>], reads_inputs: bool) -> EvalResult<BigRational> {
        let ctx = self.exact.ctx;
        let given = free.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).collect();
        let key = (std::ptr::from_ref(expr) as usize, self.exact.sample.sizes.clone(), given);
        if ctx.not_exact.borrow().contains(&key) {
            return Err(EvalError::NotExact);
        }
        self.fresh_limits();
        if !self.exact.sample.exact_inputs || !reads_inputs {
            // Without sampled inputs read exactly, the answer is the same at every draw.
            let result = self.exact.eval(expr, free);
            if result == Err(EvalError::NotExact) {
                ctx.not_exact.borrow_mut().insert(key);
            }
            return result;
        }
        if self.exact_inputs_left == 0 {
            return Err(EvalError::NotExact);
        }
        self.exact.shared.budget.set(self.exact_inputs_left);
        let result = self.exact.eval(expr, free);
        self.exact_inputs_left = self.exact.shared.budget.get();
        match result {
            Err(EvalError::Limit(_)) => Err(EvalError::NotExact),
            other => other,
        }
    }

    /// Evaluates in floats (see [`eval_float`]).
    pub fn float(&mut self, expr: &Expr, free: &[Option<i64>]) -> EvalResult<FloatValue> {
        self.fresh_limits();
        self.float.scale = 0.0;
        let v = self.float.eval(expr, free)?;
        Ok(FloatValue { value: v.value, error: v.error, scale: self.float.scale })
    }

    /// Whether any value of this batch so far came from finite differences (the float and widened
    /// evaluations; exact ones take no derivative). Where none did, every value is as precise at
    /// large inputs as at the usual ones: forward mode's derivatives carry their error bounds.
    pub fn differenced(&self) -> bool {
        self.float.shared.differenced.get() || self.widened.shared.differenced.get()
    }

    /// Evaluates `expr` with its own decimal literals widened to their rounding intervals (§5).
    pub fn widened(&mut self, expr: &Expr, free: &[Option<i64>]) -> EvalResult<Interval> {
        if let Some(whole) = whole_literal(expr, free) {
            return Ok(whole);
        }
        self.fresh_limits();
        self.widened.eval(expr, free)
    }
}

/// A step that is one number (`≈ 33`, `≈ -3e1`), or an array literal whose element here is one
/// number (`≈ [33, 1]`), is a rounded result, integer or not: its rounding interval.
fn whole_literal(expr: &Expr, free: &[Option<i64>]) -> Option<Interval> {
    let (lit, negated) = whole_literal_of(expr, free)?;
    let widened = Interval::literal(&Literal { point: true, ..lit.clone() }, true);
    Some(if negated { widened.neg() } else { widened })
}

/// The literal that a step (or its element here) is, and whether it is negated.
pub(super) fn whole_literal_of<'e>(expr: &'e Expr, free: &[Option<i64>]) -> Option<(&'e Literal, bool)> {
    let mut expr = expr;
    while let Expr::Select(ix, items) = expr {
        let mut k = ix.constant;
        for (c, v) in &ix.terms {
            let IxVar::Free(i) = v else { return None };
            k = k.checked_add(c.checked_mul(free.get(*i).copied().flatten()?)?)?;
        }
        expr = items.get(usize::try_from(k).ok()?.checked_sub(1)?)?;
    }
    match expr {
        Expr::Const(lit) => Some((lit, false)),
        Expr::Neg(inner) => match inner.as_ref() {
            Expr::Const(lit) => Some((lit, true)),
            _ => None,
        },
        _ => None,
    }
}

/// The most elementary operations all the evaluations of one `≈` step's range may take together.
pub(super) const RANGE_BUDGET: u64 = 2 * EVAL_BUDGET;

/// Evaluates a `≈` step over boxes and at points of the rounding box of its literals
/// (`rounding.rs`), sharing the values of inputs and nodes between the evaluations.
pub(super) struct RangeEvaluator<'a> {
    ev: Evaluator<'a, 'a, Interval>,
    /// Operations left of [`RANGE_BUDGET`].
    left: u64,
}

impl<'a> RangeEvaluator<'a> {
    pub(super) fn new(ctx: &'a Context<'a>, sample: &'a Sample) -> RangeEvaluator<'a> {
        let mut ev = Evaluator::new(ctx, sample, true);
        ev.literal_box = Some(LiteralBox { values: HashMap::default(), seen: Vec::new() });
        RangeEvaluator { ev, left: RANGE_BUDGET }
    }

    /// The value of `expr` with the literals at these addresses taking these values (the others
    /// their whole rounding interval). `Limit` with `None` when the range's budget is spent.
    pub(super) fn eval(
        &mut self,
        expr: &Expr,
        free: &[Option<i64>],
        values: HashMap<usize, Interval>,
    ) -> Result<Interval, Option<EvalError>> {
        if self.left == 0 {
            return Err(None);
        }
        let budget = self.left.min(EVAL_BUDGET);
        self.ev.shared.budget.set(budget);
        // An inverse of a matrix with literals of the step changes with their values.
        self.ev.inverses.clear();
        if let Some(literals) = self.ev.literal_box.as_mut() {
            literals.values = values;
        }
        let result = self.ev.eval(expr, free);
        let used = budget - self.ev.shared.budget.get();
        self.left -= used.min(self.left);
        match result {
            // (A spent budget of the file is its own error, not the range's.)
            Err(EvalError::Limit(_)) if budget < EVAL_BUDGET && self.ev.shared.spent.get().is_none() => Err(None),
            other => other.map_err(Some),
        }
    }

    /// The literals met with no value given, in the order they were met.
    pub(super) fn seen(&self) -> Vec<(usize, Literal)> {
        self.ev.literal_box.as_ref().map(|b| b.seen.clone()).unwrap_or_default()
    }
}

/// Evaluates `expr` exactly, if it needs no sampled input, derivative or transcendental value.
pub fn eval_exact(ctx: &Context, sample: &Sample, expr: &Expr) -> EvalResult<BigRational> {
    Evaluator::<BigRational>::new(ctx, sample, false).eval(expr, &sample.free)
}

/// What evaluating expressions at one sample reads there, for a counterexample that can be redone
/// by hand: the inputs, and the values of unknown functions, unknown nodes and their partial
/// derivatives at the sample's own point — never at the points that finite differences probe.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reads {
    /// The inputs, by entry, with their drawn values (a perturbed input reads its override instead,
    /// which is never recorded).
    pub inputs: BTreeMap<EntryKey, f64>,
    /// The values of unknown nodes, by entry.
    pub nodes: BTreeMap<EntryKey, f64>,
    /// The values of unknown functions and their derivatives, in the order first read.
    pub functions: Vec<FunctionRead>,
    /// The partial derivatives of unknown nodes, by node and dependency: `∂E/∂s[2,3]` as the
    /// language means it, the derivative of `E` when `s[2,3]` is perturbed.
    pub partials: BTreeMap<(EntryKey, EntryKey), f64>,
    /// The function, order and arguments (as bits) of every value in `functions`.
    functions_seen: rustc_hash::FxHashSet<(usize, u32, Vec<u64>)>,
}

impl Reads {
    /// Adds what another evaluation at the same sample read; a value already there is kept.
    pub fn extend(&mut self, other: Reads) {
        for (k, v) in other.inputs {
            self.inputs.entry(k).or_insert(v);
        }
        for (k, v) in other.nodes {
            self.nodes.entry(k).or_insert(v);
        }
        for (k, v) in other.partials {
            self.partials.entry(k).or_insert(v);
        }
        for r in other.functions {
            if self.functions_seen.insert((r.function, r.order, r.args.iter().map(|a| a.to_bits()).collect())) {
                self.functions.push(r);
            }
        }
    }
}

/// One value of an unknown function read at the sample's point: `f'(0.31) = 0.72`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionRead {
    /// The function, by its index in `Model::functions`.
    pub function: usize,
    /// The order of the derivative (0 for the function itself).
    pub order: u32,
    /// The arguments.
    pub args: Vec<f64>,
    /// The value.
    pub value: f64,
}

/// What evaluating `exprs` in floats at a sample reads there (see [`Reads`]). Values met before an
/// evaluation fails are kept: they are still the values at the sample.
pub fn reads(ctx: &Context, sample: &Sample, exprs: &[&Expr]) -> Reads {
    let mut ev = Evaluator::<Approx>::new(ctx, sample, false);
    ev.shared.recording.set(true);
    for e in exprs {
        let _ = ev.eval(e, &sample.free);
    }
    let reads = ev.shared.reads.take();
    reads
}

struct Evaluator<'a, 'p, V> {
    /// The caches of the evaluators this one was perturbed from, each with the number of overrides
    /// in force when it was filled: an entry cached there is valid here unless it depends on a
    /// later override.
    inherited: Vec<(&'p HashMap<EntryKey, Cached<V>>, usize)>,
    ctx: &'a Context<'a>,
    sample: &'a Sample,
    overrides: Vec<(EntryKey, f64)>,
    cache: HashMap<EntryKey, Cached<V>>,
    /// The values of the binders (`model.bounds`) of the sums, products and matrices being
    /// evaluated, innermost last; a binder not among them reads 0. A stack of the few that are
    /// active, not a value per binder of the model: a perturbed child copies it, and the model of
    /// the search for repairs has thousands of binders.
    bound: Binders,
    locals: Vec<Vec<V>>,
    near_kink: f64,
    widen: bool,
    /// The largest operand of any addition so far (floats only): the scale of rounding error.
    scale: f64,
    shared: Rc<Shared>,
    /// Inverses computed so far, by the matrix and the index values it was taken at.
    inverses: HashMap<InverseKey, Rc<(usize, Vec<V>)>>,
    /// The index variables each matrix of `inv` reads (by address).
    square_vars: HashMap<usize, Rc<Vec<IxVar>>>,
    /// For the range of a `≈` step: the values its own literals take in this evaluation.
    literal_box: Option<LiteralBox<V>>,
    /// Set while finite differences evaluate a function at points around its argument (`phi'(x)`
    /// of a user function), where what is read is not recorded (see [`Reads`]).
    probing: bool,
    /// In a dual evaluation: the float evaluator it was made from, which gives the values of the
    /// entries that do not move with the seeded one (held fixed, tangent 0).
    held: Option<&'p mut (dyn Held + 'p)>,
    /// In a dual evaluation of `diff`: the entry seeded with the tangent 1, and its value.
    seed: Option<(EntryKey, Approx)>,
}

/// The values a dual evaluation holds fixed: entries read from the float evaluator it was made
/// from.
trait Held {
    fn held(&mut self, key: &EntryKey) -> EvalResult<Approx>;
}

impl Held for Evaluator<'_, '_, Approx> {
    /// An entry's float value, computed (and cached) by this evaluator: it does not move with the
    /// seed, so a kink next to it is no matter (it is not differenced); nothing read is recorded
    /// nor added to this evaluation's scale.
    fn held(&mut self, key: &EntryKey) -> EvalResult<Approx> {
        let scale = self.scale;
        self.shared.quiet.set(self.shared.quiet.get() + 1);
        let v = self.entry(key);
        self.shared.quiet.set(self.shared.quiet.get() - 1);
        self.scale = scale;
        v
    }
}

/// The values of a `≈` step's own literals (those written with a decimal point) in one evaluation
/// of its range (`rounding.rs`), by the address of their node in the step, so that a literal is
/// one variable however often a function or a sum reads it.
struct LiteralBox<V> {
    values: HashMap<usize, V>,
    /// The literals met that had no value here (they take their whole rounding interval), in order.
    seen: Vec<(usize, Literal)>,
}

/// A cached value of an entry (in floats with its error bound), with the cancellation scale of
/// computing it.
#[derive(Clone)]
struct Cached<V> {
    value: V,
    scale: f64,
}

/// A matrix of `inv` (by address) and the values of the index variables it reads.
type InverseKey = (usize, Vec<i64>);

/// The index variables an expression reads, each once.
fn ix_vars(e: &Expr) -> Vec<IxVar> {
    fn add(ix: &Ix, out: &mut Vec<IxVar>) {
        for (_, v) in &ix.terms {
            if !out.contains(v) {
                out.push(*v);
            }
        }
    }
    fn walk(e: &Expr, out: &mut Vec<IxVar>) {
        match e {
            Expr::Index(ix) | Expr::Select(ix, _) => add(ix, out),
            Expr::Entry(r) | Expr::Diff(_, r) | Expr::NodePartial(_, r) => r.args.iter().for_each(|ix| add(ix, out)),
            Expr::Delta(a, b) | Expr::InvAt(_, a, b) => {
                add(a, out);
                add(b, out);
            }
            _ => {}
        }
        e.for_each_child(|c| walk(c, out));
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

impl<'a, 'p, V: Kinded> Evaluator<'a, 'p, V> {
    fn new(ctx: &'a Context<'a>, sample: &'a Sample, widen: bool) -> Self {
        Evaluator {
            inherited: Vec::new(),
            ctx,
            sample,
            overrides: Vec::new(),
            cache: HashMap::default(),
            bound: Binders::new(),
            locals: Vec::new(),
            near_kink: 0.0,
            widen,
            scale: 0.0,
            inverses: HashMap::default(),
            square_vars: HashMap::default(),
            literal_box: None,
            probing: false,
            held: None,
            seed: None,
            shared: Rc::new(Shared {
                budget: Cell::new(EVAL_BUDGET),
                spent: Cell::new(None),
                assumed_totals: RefCell::new(HashMap::default()),
                reads: RefCell::new(Reads::default()),
                recording: Cell::new(false),
                quiet: Cell::new(0),
                cross_checked: Cell::new(false),
                differenced: Cell::new(false),
                free_pool: RefCell::new(Vec::new()),
            }),
        }
    }

    fn tick(&self) -> EvalResult<()> {
        self.charge(1)
    }

    /// Takes `work` operations from the budget: one per node evaluated, more for arithmetic on
    /// large exact numbers and for `det` and `inv` (about 0.1 µs each). Past the evaluation's
    /// budget, exact arithmetic gives way to floats, which have their own; floats and intervals
    /// stop. The file's meter is charged the same work.
    #[inline]
    fn charge(&self, work: u64) -> EvalResult<()> {
        if let Some(why) = self.shared.spent.get() {
            return Err(self.ctx.spent(why));
        }
        if work == 0 {
            // (Most operations on floats: nothing taken, no batch passed.)
            return Ok(());
        }
        let left = self.shared.budget.get();
        if work > left {
            self.shared.budget.set(0);
            if V::KIND == Kind::Exact {
                return Err(EvalError::NotExact);
            }
            return Err(EvalError::Limit(format!("evaluation needs more than {EVAL_BUDGET} operations")));
        }
        self.shared.budget.set(left - work);
        // In batches of CHARGE_EVERY: as many as the count passed.
        let batches = left / CHARGE_EVERY - (left - work) / CHARGE_EVERY;
        if batches > 0 {
            if let Err(why) = crate::work::charge(batches * CHARGE_EVERY) {
                self.shared.spent.set(Some(why));
                return Err(self.ctx.spent(why));
            }
        }
        Ok(())
    }

    fn eval(&mut self, e: &Expr, free: &[Option<i64>]) -> EvalResult<V> {
        self.tick()?;
        match e {
            Expr::Const(lit) => {
                let v = match self.literal_box.as_mut() {
                    Some(literals) if self.widen && lit.point && lit.half_unit.is_some() => {
                        let at = std::ptr::from_ref(e) as usize;
                        match literals.values.get(&at) {
                            Some(v) => v.clone(),
                            None => {
                                if !literals.seen.iter().any(|(p, _)| *p == at) {
                                    literals.seen.push((at, (**lit).clone()));
                                }
                                V::literal(lit, true)
                            }
                        }
                    }
                    _ => V::literal(lit, self.widen),
                };
                // `1e-400` is not 0, and `1e400` is not infinite: outside floats, unless exact.
                if matches!(V::KIND, Kind::Float | Kind::Interval | Kind::Dual)
                    && !num_traits::Zero::is_zero(&lit.value)
                {
                    let x = v.to_f64().abs();
                    if x == 0.0 {
                        return super::value::underflow();
                    }
                    if !x.is_finite() {
                        return Err(EvalError::Limit(
                            "a value is too large for floating-point numbers (beyond ±1.8e308)".to_string(),
                        ));
                    }
                }
                Ok(v)
            }
            Expr::Size(s) => Ok(V::int(self.sample.sizes[*s])),
            Expr::Index(ix) => Ok(V::int(self.ix(ix, free)?)),
            Expr::Entry(r) => {
                let key = self.entry_key(r, free)?;
                self.entry(&key)
            }
            Expr::Local(i) => self
                .locals
                .last()
                .and_then(|frame| frame.get(*i))
                .cloned()
                .ok_or_else(|| EvalError::Limit("unbound parameter".into())),
            Expr::Neg(a) => Ok(self.eval(a, free)?.neg()),
            Expr::Add(a, b) => {
                let (a, b) = (self.eval(a, free)?, self.eval(b, free)?);
                self.note_scale(&a, &b);
                self.charge(V::sum_work(&a, &b))?;
                a.add(&b)
            }
            Expr::Sub(a, b) => {
                let (a, b) = (self.eval(a, free)?, self.eval(b, free)?);
                self.note_scale(&a, &b);
                self.charge(V::sum_work(&a, &b))?;
                a.sub(&b)
            }
            Expr::Mul(a, b) => {
                let (a, b) = (self.eval(a, free)?, self.eval(b, free)?);
                self.charge(V::product_work(&a, &b))?;
                a.mul(&b)
            }
            Expr::Div(a, b) => {
                let (a, b) = (self.eval(a, free)?, self.eval(b, free)?);
                self.charge(V::product_work(&a, &b))?;
                a.div(&b)
            }
            Expr::Pow(a, b) => {
                let power = self.eval(a, free)?.pow(&self.eval(b, free)?)?;
                // Repeated squaring costs about as much as the last squaring.
                self.charge(V::product_work(&power, &power))?;
                Ok(power)
            }
            Expr::Builtin(b, order, args) => {
                let values = args.iter().map(|a| self.eval(a, free)).collect::<EvalResult<Args<V>>>()?;
                if let Some((body, order)) = expansion(*b, *order) {
                    // Defined by a formula, or a derivative given by one: evaluated as a user
                    // function with that body.
                    return self.apply(body, order, values.into_vec());
                }
                // An exact square root or comparison costs about a product.
                for v in &values {
                    self.charge(V::product_work(v, v))?;
                }
                if let ([x], Some((body, next))) = (values.as_slice(), expansion(*b, *order + 1)) {
                    // A dual whose builtin's next derivative is a formula (`erf`, `atan`): the
                    // formula, at the value, gives the slope.
                    if let Some(t) = x.tangent().filter(|t| !t.is_exact_zero()) {
                        let point = V::from_approx(x.approx())?;
                        let value = V::builtin(*b, *order, std::slice::from_ref(&point), self.near_kink)?;
                        let slope = self.apply(body, next, vec![point])?.approx();
                        return V::with_tangent(value.approx(), slope.mul(&t)?);
                    }
                }
                V::builtin(*b, *order, &values, self.near_kink)
            }
            Expr::Unknown(f, order, args) => {
                let values = args.iter().map(|a| self.eval(a, free)).collect::<EvalResult<Args<V>>>()?;
                self.unknown_function(*f, *order, &values)
            }
            Expr::Apply(f, order, args) => {
                let values = args.iter().map(|a| self.eval(a, free)).collect::<EvalResult<Vec<V>>>()?;
                let body = &self.ctx.model.user_functions[*f].body;
                self.apply(body, *order, values)
            }
            Expr::Big(op, b, body) => {
                let range = self.ctx.model.bounds[*b].range;
                let (lo, hi) = (self.bound_value(range.lo), self.bound_value(range.hi));
                if hi.saturating_sub(lo) > MAX_SUM_TERMS {
                    return Err(EvalError::Limit(format!(
                        "a {} over {} terms",
                        if *op == BigOp::Sum { "sum" } else { "product" },
                        hi - lo + 1
                    )));
                }
                self.bound.push((*b, lo));
                let mut acc = V::int(if *op == BigOp::Sum { 0 } else { 1 });
                for v in lo..=hi {
                    self.set_innermost(v);
                    let term = self.eval(body, free);
                    let term = match term {
                        Ok(t) => t,
                        Err(err) => {
                            self.bound.pop();
                            return Err(err);
                        }
                    };
                    let added = if *op == BigOp::Sum {
                        self.note_scale(&acc, &term);
                        self.charge(V::sum_work(&acc, &term)).and_then(|()| acc.add(&term))
                    } else {
                        self.charge(V::product_work(&acc, &term)).and_then(|()| acc.mul(&term))
                    };
                    acc = match added {
                        Ok(v) => v,
                        Err(err) => {
                            self.bound.pop();
                            return Err(err);
                        }
                    };
                }
                self.bound.pop();
                Ok(acc)
            }
            Expr::Delta(a, b) => Ok(V::int(i64::from(self.ix(a, free)? == self.ix(b, free)?))),
            Expr::Select(ix, items) => {
                let k = self.ix(ix, free)?;
                match usize::try_from(k).ok().and_then(|k| k.checked_sub(1)).and_then(|k| items.get(k)) {
                    Some(item) => self.eval(item, free),
                    None => Err(EvalError::OutOfRange(format!("element {k} of an array of {} is read", items.len()))),
                }
            }
            Expr::Det(m) => {
                if V::KIND == Kind::Precise {
                    // An elimination in higher precision is charged by the words of its numbers,
                    // before the matrix's entries are computed: a multiply-add of `b` bits costs
                    // some `b / 64` float operations or more (at 4,096 bits the determinant of a
                    // 200 × 200 matrix took minutes).
                    let n = usize::try_from(self.bound_value(m.size)).unwrap_or(0);
                    self.charge(linalg::elimination_steps(n).saturating_mul(super::precise::words()))?;
                }
                let (n, values) = self.square(m, free)?;
                if V::KIND == Kind::Float {
                    let floats: Vec<f64> = values.iter().map(Value::to_f64).collect();
                    let errors: Vec<f64> = values.iter().map(|v| v.approx().error).collect();
                    // Rounding in the elimination: its scale sets the comparison's absolute floor.
                    self.scale = self.scale.max(linalg::det_scale(&floats, n));
                    let error = linalg::det_error(&floats, &errors, n);
                    self.charge(linalg::lu_work(n))?;
                    return V::from_approx(Approx { value: linalg::det_f64(&floats, n), error });
                }
                V::det(&values, n, &mut |work| self.charge(work))
            }
            Expr::InvAt(m, r, c) => {
                let (r, c) = (self.ix(r, free)?, self.ix(c, free)?);
                // The inverse depends on the index values its matrix reads, not on the element read
                // from it: one computation serves every element.
                let ptr = std::ptr::from_ref::<crate::model::Square>(m) as usize;
                let vars = self.square_vars.entry(ptr).or_insert_with(|| Rc::new(ix_vars(&m.body))).clone();
                let values = vars
                    .iter()
                    .map(|v| match v {
                        IxVar::Free(i) => free.get(*i).copied().flatten().unwrap_or(i64::MIN),
                        IxVar::Bound(b) => self.bound_at(*b),
                        IxVar::Size(s) => self.sample.sizes[*s],
                    })
                    .collect();
                let key = (ptr, values);
                // Inside a user function the matrix may depend on the parameters: not cached.
                let cached = if self.locals.is_empty() { self.inverses.get(&key).cloned() } else { None };
                let inverse = match cached {
                    Some(inv) => inv,
                    None => {
                        let (n, values) = self.square(m, free)?;
                        let inv = if V::KIND == Kind::Float {
                            let floats: Vec<f64> = values.iter().map(Value::to_f64).collect();
                            let errors: Vec<f64> = values.iter().map(|v| v.approx().error).collect();
                            self.charge(linalg::lu_work(n))?;
                            let inv = linalg::inverse_f64(&floats, n)?;
                            self.scale = self.scale.max(linalg::inverse_scale(&floats, &inv, n));
                            let inv_errors = linalg::inverse_error(&inv, &errors, n);
                            inv.into_iter()
                                .zip(inv_errors)
                                .map(|(value, error)| V::from_approx(Approx { value, error }))
                                .collect::<EvalResult<Vec<V>>>()?
                        } else {
                            V::inverse(&values, n, &mut |work| self.charge(work))?
                        };
                        let inv = Rc::new((n, inv));
                        self.inverses.insert(key, Rc::clone(&inv));
                        inv
                    }
                };
                let n = inverse.0 as i64;
                if r < 1 || r > n || c < 1 || c > n {
                    return Err(EvalError::OutOfRange(format!("element ({r}, {c}) of an inverse of size {n} is read")));
                }
                Ok(inverse.1[((r - 1) * n + (c - 1)) as usize].clone())
            }
            Expr::NodePartial(node, dep) => match V::KIND {
                // (A dual would need the node's second derivatives: finite differences take it.)
                Kind::Exact | Kind::Dual => Err(EvalError::NotExact),
                Kind::Interval => self.interval_by_floats(e, free),
                Kind::Float | Kind::Precise => {
                    let key = self.entry_key(dep, free)?;
                    let v = self.node_partial(*node, &key)?;
                    if self.at_point() && self.partial_is_total(*node, key.0) {
                        self.record_partial((*node, smallvec::SmallVec::new()), key, &v);
                    }
                    Ok(v)
                }
            },
            Expr::Diff(body, target) => match V::KIND {
                // (A `diff` inside a dual evaluation: the outer derivative is taken by finite
                // differences instead.)
                Kind::Exact | Kind::Dual => Err(EvalError::NotExact),
                Kind::Interval => self.interval_by_floats(e, free),
                Kind::Float | Kind::Precise => {
                    let key = self.entry_key(target, free)?;
                    let x0a = self.entry(&key)?.approx();
                    let x0 = x0a.value;
                    let v = match V::forward_diff(self, body, free, &key, x0a)? {
                        Forward::Value(d) => V::from_approx(d)?,
                        forward => {
                            // What is differentiated must be defined at the point itself: the
                            // differences reach over a gap of its domain narrower than their steps
                            // (`diff(log(cos(x^3))*0, x)` was 0 where cos(x³) < 0, from points
                            // either side, and a true step `wrong`: a second tester). Only its
                            // domain is asked here; a kink near the point is the differences' to
                            // handle.
                            let at_point = self.child_perturbing(&key, x0, KINK_MARGIN).eval(body, free);
                            if let Err(EvalError::Undefined(why)) = at_point {
                                return Err(EvalError::Undefined(why));
                            }
                            // The perturbed values carry error bounds (rounding, and the
                            // derivatives inside them): the differences divide them by the step.
                            let d = self.differences(x0, |ev, x, margin| {
                                finite_approx(&ev.child_perturbing(&key, x, margin).eval(body, free)?)
                            })?;
                            let v = self.derivative_result(d)?;
                            if let Forward::Bounds(b) = forward {
                                let fd = v.approx();
                                if (fd.value - b.value).abs() > b.error + fd.error {
                                    return Err(EvalError::NotConverged);
                                }
                            }
                            v
                        }
                    };
                    // `∂E/∂x` of an unknown node `E` by one of its dependencies is a number a hand
                    // computation cannot find (by another entry, it follows from those by the chain rule).
                    if let Expr::Entry(r) = body.as_ref() {
                        if self.at_point() && self.partial_is_total(r.entry, key.0) {
                            if let Ok(node) = self.entry_key(r, free) {
                                self.record_partial(node, key, &v);
                            }
                        }
                    }
                    Ok(v)
                }
            },
        }
    }

    /// The elements of a square matrix, row-major.
    fn square(&mut self, m: &crate::model::Square, free: &[Option<i64>]) -> EvalResult<(usize, Vec<V>)> {
        let n = self.bound_value(m.size);
        if n > MAX_MATRIX_SIZE {
            return Err(EvalError::Limit(format!("a {n}x{n} matrix in `det` or `inv` (at most {MAX_MATRIX_SIZE})")));
        }
        let n = usize::try_from(n).unwrap_or(0);
        self.bound.push((m.row, 0));
        self.bound.push((m.col, 0));
        let mut values = Vec::with_capacity(n * n);
        let mut result = Ok(());
        'rows: for i in 1..=n as i64 {
            for j in 1..=n as i64 {
                let at = self.bound.len();
                self.bound[at - 2].1 = i;
                self.bound[at - 1].1 = j;
                match self.eval(&m.body, free) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        result = Err(e);
                        break 'rows;
                    }
                }
            }
        }
        self.bound.truncate(self.bound.len() - 2);
        result.map(|()| (n, values))
    }

    fn note_scale(&mut self, a: &V, b: &V) {
        if V::KIND == Kind::Float {
            self.scale = self.scale.max(a.to_f64().abs()).max(b.to_f64().abs());
        }
    }

    /// A derivative from finite differences as a value, with its error: the safety factor times
    /// the estimate of the truncation error, plus the bound on the noise. (The point it is taken
    /// at counts as exact: the point's own rounding would move it by that times the second
    /// derivative, which the differences do not give, and which is negligible next to the rest.)
    fn derivative_result(&mut self, d: Derivative) -> EvalResult<V> {
        if not_settled(&d) {
            return Err(EvalError::NotConverged);
        }
        V::from_approx(Approx { value: d.value, error: FD_SAFETY * d.estimate + d.noise })
    }

    /// Whether what is read here is recorded: recording is on, and this is the sample's own point
    /// (no entry perturbed, no finite difference probing around an argument).
    fn at_point(&self) -> bool {
        self.shared.recording.get()
            && self.overrides.is_empty()
            && !self.probing
            && V::KIND != Kind::Dual
            && self.shared.quiet.get() == 0
    }

    /// Whether `node` is an unknown node that depends on `dep` directly, and its partial derivative
    /// by `dep` is what `∂E/∂x` means in the language, the derivative when `x` is perturbed: no
    /// dependency of the node depends on `dep`.
    fn partial_is_total(&self, node: EntryId, dep: EntryId) -> bool {
        let EntryKind::Unknown(deps) = &self.ctx.model.entries[node].kind else { return false };
        deps.iter().any(|d| d.entry == dep) && deps.iter().all(|d| !self.ctx.reads[d.entry][dep])
    }

    fn record_partial(&self, node: EntryKey, dep: EntryKey, v: &V) {
        self.shared.reads.borrow_mut().partials.entry((node, dep)).or_insert(v.approx().value);
    }

    /// A derivative inside an interval evaluation, by the float evaluator (its literals are taken
    /// as written): a constant over the box with its error bound, unless it reads the parameters
    /// of a user function and one of them is not thin, where nothing is known.
    fn interval_by_floats(&mut self, e: &Expr, free: &[Option<i64>]) -> EvalResult<V> {
        if self.locals.last().is_some_and(|frame| !frame.iter().all(thin)) {
            return V::unbounded();
        }
        let v = self.float_twin().eval(e, free)?;
        V::from_approx(v)
    }

    /// A float evaluator with this one's state, for the parts of an interval evaluation that are
    /// taken at points (entries, derivatives).
    fn float_twin(&self) -> Evaluator<'a, 'static, Approx> {
        Evaluator {
            inherited: Vec::new(),
            ctx: self.ctx,
            sample: self.sample,
            overrides: self.overrides.clone(),
            cache: HashMap::default(),
            bound: self.bound.clone(),
            locals: self.locals.iter().map(|f| f.iter().map(Kinded::approx).collect()).collect(),
            near_kink: self.near_kink,
            widen: false,
            scale: 0.0,
            shared: Rc::clone(&self.shared),
            inverses: HashMap::default(),
            square_vars: HashMap::default(),
            literal_box: None,
            probing: self.probing,
            held: None,
            seed: None,
        }
    }

    fn ix(&self, ix: &Ix, free: &[Option<i64>]) -> EvalResult<i64> {
        let mut v = ix.constant;
        for (coef, var) in &ix.terms {
            let x = match var {
                IxVar::Free(i) => {
                    free.get(*i).copied().flatten().ok_or_else(|| EvalError::Limit("an index has no value".into()))?
                }
                IxVar::Bound(b) => self.bound_at(*b),
                IxVar::Size(s) => self.sample.sizes[*s],
            };
            v = coef
                .checked_mul(x)
                .and_then(|t| v.checked_add(t))
                .ok_or_else(|| EvalError::OutOfRange("an index value overflows".into()))?;
        }
        Ok(v)
    }

    /// The value of binder `b` (0 outside its sum, product or matrix).
    fn bound_at(&self, b: usize) -> i64 {
        self.bound.iter().rev().find(|(k, _)| *k == b).map_or(0, |&(_, v)| v)
    }

    /// Sets the innermost binder's value (the term of a sum or product being evaluated).
    fn set_innermost(&mut self, v: i64) {
        if let Some(last) = self.bound.last_mut() {
            last.1 = v;
        }
    }

    fn bound_value(&self, b: Bound) -> i64 {
        b.offset + b.size.map_or(0, |s| self.sample.sizes[s])
    }

    fn entry_key(&self, r: &EntryRef, free: &[Option<i64>]) -> EvalResult<EntryKey> {
        let entry = &self.ctx.model.entries[r.entry];
        let mut args = smallvec::SmallVec::new();
        for (ix, slot) in r.args.iter().zip(entry.range_slots()) {
            let v = self.ix(ix, free)?;
            let range = self.ctx.model.indices[slot].range;
            let (lo, hi) = (self.bound_value(range.lo), self.bound_value(range.hi));
            if v < lo || v > hi {
                return Err(EvalError::OutOfRange(format!(
                    "`{}` is read at {} = {v}, outside its range {lo}..{hi}",
                    entry.name, self.ctx.model.indices[slot].name
                )));
            }
            args.push(v);
        }
        Ok((r.entry, args))
    }

    fn entry(&mut self, key: &EntryKey) -> EvalResult<V> {
        if let Some((seed, x0)) = &self.seed {
            if seed == key {
                return V::with_tangent(*x0, Approx::exact(1.0));
            }
        }
        if let Some((_, v)) = self.overrides.iter().rev().find(|(k, _)| k == key) {
            return V::from_float(*v);
        }
        // A dual evaluation holds fixed what does not move with the seeded entry.
        let sizes = &self.sample.sizes;
        let moves =
            |seed: &Option<(EntryKey, Approx)>| seed.as_ref().is_some_and(|(s, _)| self.ctx.moves(sizes, key, s));
        if self.held.is_some() && !moves(&self.seed) {
            let held = self.held.as_deref_mut().expect("a dual evaluation holds values");
            return V::from_approx(held.held(key)?);
        }
        if let Some(c) = self.cache.get(key) {
            let c = c.clone();
            return Ok(self.reuse(c));
        }
        for (cache, n) in self.inherited.iter().rev() {
            if let Some(c) = cache.get(key) {
                if self.overrides[*n..].iter().all(|(k, _)| !self.ctx.moves(&self.sample.sizes, key, k)) {
                    let c = c.clone();
                    return Ok(self.reuse(c));
                }
                // Older caches predate even more overrides.
                break;
            }
        }
        // The scale of this entry's own computation is kept with its value (as its error is in
        // it), so that a later read (another element of an array) accounts for it too.
        let outer_scale = std::mem::take(&mut self.scale);
        // An entry reads no parameter of a function: inside the differences of one it still has its
        // value at the sample's point, and what it reads is recorded as such.
        let probing = std::mem::replace(&mut self.probing, false);
        let value = self.compute_entry(key);
        self.probing = probing;
        let scale = self.scale;
        self.scale = self.scale.max(outer_scale);
        let value = value?;
        self.cache.insert(key.clone(), Cached { value: value.clone(), scale });
        Ok(value)
    }

    /// A cached entry: its value, with its scale added to this evaluation's.
    fn reuse(&mut self, c: Cached<V>) -> V {
        self.scale = self.scale.max(c.scale);
        c.value
    }

    fn compute_entry(&mut self, key: &EntryKey) -> EvalResult<V> {
        let model = self.ctx.model;
        let entry = &model.entries[key.0];
        let value = match &entry.kind {
            EntryKind::Input(domain) => {
                let (x, rounding) = self.input(key, *domain);
                if V::KIND == Kind::Exact
                    && self.sample.exact_inputs
                    && !model.assumptions.iter().any(|a| a.entry == key.0)
                {
                    // A float is a rational: exact arithmetic on it tells apart what rounding cannot.
                    V::from_exact(x)?
                } else {
                    V::from_approx(Approx { value: x, error: rounding })?
                }
            }
            EntryKind::Defined(body) => {
                if V::KIND == Kind::Interval {
                    let v = self.float_twin().entry(key)?;
                    V::from_approx(v)?
                } else {
                    let pooled = self.shared.free_pool.borrow_mut().pop();
                    let mut free = pooled.unwrap_or_else(|| vec![None; model.indices.len()]);
                    // A class label a definition reads (`let L = -log(p[y])`) is an input: its
                    // value is the sample's.
                    for &label in &self.ctx.labels {
                        free[label] = self.sample.free.get(label).copied().flatten();
                    }
                    for (slot, v) in entry.range_slots().zip(&key.1) {
                        free[slot] = Some(*v);
                    }
                    let widen = std::mem::replace(&mut self.widen, false);
                    let locals = std::mem::take(&mut self.locals);
                    let v = self.eval(body, &free);
                    self.widen = widen;
                    self.locals = locals;
                    // Back to every index `None`, for the next definition.
                    for &label in &self.ctx.labels {
                        free[label] = None;
                    }
                    for slot in entry.range_slots() {
                        free[slot] = None;
                    }
                    self.shared.free_pool.borrow_mut().push(free);
                    v?
                }
            }
            EntryKind::Unknown(_) => {
                if V::KIND == Kind::Exact {
                    return Err(EvalError::NotExact);
                }
                let deps = self.node_args(key.0)?;
                let args: Vec<(u64, Approx)> = deps.iter().map(|(_, k, v)| (*k, v.approx())).collect();
                let words = [self.sample.seed, TAG_NODE, key.0 as u64];
                let value = smooth_n(&words, &args);
                if self.at_point() {
                    self.shared.reads.borrow_mut().nodes.entry(key.clone()).or_insert(value.value);
                }
                let tangents: Vec<Approx> = deps.iter().filter_map(|(_, _, v)| v.tangent()).collect();
                if tangents.iter().any(|t| !t.is_exact_zero()) {
                    // The chain rule through the node's dependencies.
                    V::with_tangent(value, chain(&smooth_n_partials(&words, &args), &tangents)?)?
                } else {
                    V::from_approx(value)?
                }
            }
        };
        Ok(value)
    }

    /// The arguments of an unknown node's random function: every dependency instance, with the
    /// key its coefficients are drawn from, and its value (in floats, with its error bound).
    fn node_args(&mut self, node: EntryId) -> EvalResult<Vec<(EntryKey, u64, V)>> {
        let model = self.ctx.model;
        let EntryKind::Unknown(deps) = &model.entries[node].kind else { return Ok(Vec::new()) };
        let mut args = Vec::new();
        for dep in deps {
            let ranges: Vec<(i64, i64)> = model.entries[dep.entry]
                .range_slots()
                .zip(&dep.args)
                .map(|(slot, fixed)| match fixed {
                    Some(v) => (*v, *v),
                    None => {
                        let r = model.indices[slot].range;
                        (self.bound_value(r.lo), self.bound_value(r.hi))
                    }
                })
                .collect();
            let instances = ranges
                .iter()
                .fold(1u64, |n, (lo, hi)| n.saturating_mul(hi.saturating_sub(*lo).saturating_add(1).max(0) as u64));
            if instances.saturating_add(args.len() as u64) > MAX_NODE_DEPENDENCIES {
                return Err(EvalError::Limit(format!(
                    "`{}` depends on more than {MAX_NODE_DEPENDENCIES} entries",
                    model.entries[node].name
                )));
            }
            for index_values in cartesian(&ranges) {
                let dep_key = (dep.entry, index_values);
                let v = self.entry(&dep_key)?;
                let words: Words =
                    std::iter::once(dep_key.0 as u64).chain(dep_key.1.iter().map(|&i| i as u64)).collect();
                args.push((dep_key, random::key(&words), v));
            }
        }
        Ok(args)
    }

    /// The partial derivative of an unknown node's function with respect to one dependency
    /// instance, the others held fixed.
    fn node_partial(&mut self, node: EntryId, dep: &EntryKey) -> EvalResult<V> {
        let args = self.node_args(node)?;
        let Some(pos) = args.iter().position(|(k, _, _)| k == dep) else { return Ok(V::int(0)) };
        // The function's exact partial derivative, with the error the arguments' errors cause.
        let base: Vec<(u64, Approx)> = args.iter().map(|(_, k, v)| (*k, v.approx())).collect();
        let words = [self.sample.seed, TAG_NODE, node as u64];
        V::from_approx(smooth_n_partials(&words, &base)[pos])
    }

    /// The sample's value of an input, with a bound on its error: 0, except in a family under an
    /// assumption (`assume sum(k, t[n,k]) = 1`), whose row is rescaled to meet it in floats — the
    /// rounded values meet it only to within the rounding of the row's sum and the rescaling,
    /// which higher precision would otherwise take for a disagreement.
    fn input(&self, k: &EntryKey, domain: crate::model::Domain) -> (f64, f64) {
        if domain == crate::model::Domain::PositiveDefinite {
            let value = self.positive_definite(k);
            if self.shared.recording.get() {
                self.shared.reads.borrow_mut().inputs.entry(k.clone()).or_insert(value);
            }
            return (value, 0.0);
        }
        let band = match self.sample.band {
            Band::Side { alone: Some(entry), .. } if entry != k.0 => Band::Standard,
            band => band,
        };
        let raw = |args: &[i64]| {
            let words: Words =
                [self.sample.seed, TAG_INPUT, k.0 as u64].into_iter().chain(args.iter().map(|&a| a as u64)).collect();
            // A finite set's member at a turn: a place of the entry's own (the same at every
            // draw, different for each element) and the turn on from it. At the first turn every
            // element of a family of a set of two takes one place, so that the family is also
            // drawn with all its elements at one member, and (mirrored) at the other: `prod(i,
            // t[i])` of a mask in `{0, 1}` is 1 there (a step false only where every element is 1
            // was `checked` at 8 of 20 seeds: an adversarial tester). (Not of a larger set: its
            // elements meet in their other combinations at their own places, `t[1] = 3, t[2] = 0`
            // of `{0, 1, 2, 3}` at the first turn.)
            let pair = matches!(domain, crate::model::Domain::Set(set)
                if matches!(&self.ctx.model.domain_sets[set], crate::model::DomainSet::Finite(v) if v.len() == 2));
            let turn = self.sample.turn.map(|t| {
                if pair && t == 0 && !args.is_empty() {
                    return (random::key(&words[1..3]), Turn::All(t));
                }
                let place = random::key(&words[1..]);
                match self.sample.finite.and_then(|f| f.digit(k.0, t)) {
                    Some(digit) => (place, Turn::Digit(digit)),
                    None => (place, Turn::Own(t)),
                }
            });
            input_value(domain, &self.ctx.model.domain_sets, band, turn, &words)
        };
        let model = self.ctx.model;
        let mut value = raw(&k.1);
        if let (Band::Signs { bit, ranked }, crate::model::Domain::Real | crate::model::Domain::NonZero) =
            (band, domain)
        {
            if let Some(rank) = ranked.iter().position(|&e| e as usize == k.0) {
                value = if rank >> bit & 1 == 1 { -value.abs() } else { value.abs() };
            }
        }
        let mut rounding = 0.0;
        if self.sample.mirror {
            value = random::side_partner(domain, &model.domain_sets, band, value)
                .unwrap_or_else(|| random::mirrored(domain, &model.domain_sets, value));
        }
        if let Band::Near { meeting, above } = self.sample.band {
            if meeting.input == k.0 {
                value = self.near_kink(k, domain, &meeting, above, value);
            }
        }
        if let Band::Across { from, to } = self.sample.band {
            if from.input == k.0 {
                value = self.across_kinks(k, domain, (&from, &to), value);
            }
        }
        if let Some(a) = model.assumptions.iter().find(|a| a.entry == k.0) {
            let slot = model.entries[k.0].range_slots().nth(a.slot).expect("an assumed family has the summed slot");
            let r = model.indices[slot].range;
            // The row's draws (the other subscripts fixed), summed once per evaluation rather
            // than once per entry read.
            let mut row: Vec<i64> = k.1.to_vec();
            let (lo, hi) = (self.bound_value(r.lo), self.bound_value(r.hi));
            let (total, magnitudes) = *self
                .shared
                .assumed_totals
                .borrow_mut()
                .entry((k.0, {
                    row[a.slot] = 0;
                    row.clone()
                }))
                .or_insert_with(|| {
                    (lo..=hi).fold((0.0, 0.0), |(sum, magnitudes), i| {
                        row[a.slot] = i;
                        let x = raw(&row);
                        (sum + x, magnitudes + x.abs())
                    })
                });
            value *= super::value::ratio_to_f64(&a.total) / total;
            // The sum of n terms is off by at most (n - 1) units of their magnitudes' sum; the
            // target's float, the quotient and the product add one unit each (to first order).
            let terms = (hi - lo + 1).max(1) as f64;
            rounding = (terms + 2.0) * UNIT * value.abs() * (magnitudes / total.abs()).max(1.0);
        }
        if self.shared.recording.get() {
            self.shared.reads.borrow_mut().inputs.entry(k.clone()).or_insert(value);
        }
        (value, rounding)
    }

    /// An element of a matrix declared `spd`: of `c·(A·Aᵀ/r + δ·I)`, with `A` of `r` columns (the
    /// matrix's size, at most [`SPD_RANK`]) drawn as an input of every sign under a key of the
    /// matrix's own, and a scale `c` (from 0.05 to 5, evenly in its logarithm) and a ridge `δ`
    /// (from 0.02 to 1) drawn once per matrix and sample. So every draw is symmetric (an element
    /// and the one across the diagonal sum the same products in the same order) and positive
    /// definite, its smallest eigenvalue anywhere from about 0.001 to 5 (a tester: with `A·Aᵀ/n +
    /// I/2` it was never below 1/2, and `relu(S[1,1] - 1/2) = S[1,1] - 1/2` was `checked`), and an
    /// element costs at most 2·[`SPD_RANK`] draws whatever the size. Bands, mirrors and draws
    /// near kinks leave it as it is: an element moved alone could make it indefinite.
    fn positive_definite(&self, k: &EntryKey) -> f64 {
        let model = self.ctx.model;
        let (Some(&i), Some(&j)) = (k.1.first(), k.1.get(1)) else { return 1.0 };
        let Some(slot) = model.entries[k.0].range_slots().nth(1) else { return 1.0 };
        let r = model.indices[slot].range;
        let size = (self.bound_value(r.hi) - self.bound_value(r.lo) + 1).clamp(1, SPD_RANK);
        let factor = |row: i64, col: i64| {
            let words = [self.sample.seed, TAG_SPD, k.0 as u64, row as u64, col as u64];
            input_value(crate::model::Domain::Real, &[], Band::Standard, None, &words)
        };
        let mut whole = random::rng(&[self.sample.seed, TAG_SPD, k.0 as u64]);
        let scale = rand::Rng::gen_range(&mut whole, 0.05f64.ln()..5f64.ln()).exp();
        let ridge = rand::Rng::gen_range(&mut whole, 0.02..1.0);
        let dot: f64 = (0..size).map(|c| factor(i, c) * factor(j, c)).sum();
        scale * (dot / size as f64 + if i == j { ridge } else { 0.0 })
    }

    /// The value of the input of a [`Meeting`] in a draw near its kink: solved from the partners
    /// (read at the input's subscripts, or at none) and moved off to one side by a fraction of
    /// the smallest part; with no part to go by, around its usual draw `value`.
    fn near_kink(&self, k: &EntryKey, domain: crate::model::Domain, meeting: &Meeting, above: bool, value: f64) -> f64 {
        let model = self.ctx.model;
        let (solution, smallest) = self.kink_place(k, meeting, value);
        let words: Words =
            [self.sample.seed, TAG_NEAR, k.0 as u64].into_iter().chain(k.1.iter().map(|&a| a as u64)).collect();
        // (Not outside a bounded domain, where a kink sits at or near an end of an interval: a
        // draw at u = 1.0 for `u in (0, 1)` made a true step `wrong`, an adversarial tester's; that
        // one came from a mirror, and no draw of any kind leaves the domain.)
        random::near_value(domain, solution, smallest, above, &words)
            .filter(|&v| random::within(domain, &model.domain_sets, v))
            .unwrap_or(value)
    }

    /// The value of the input of two places of kinks in a draw between them ([`Band::Across`]):
    /// each solved from its partners, and a random point strictly between (kept in the input's
    /// domain; else the usual draw `value`).
    fn across_kinks(
        &self,
        k: &EntryKey,
        domain: crate::model::Domain,
        (from, to): (&Meeting, &Meeting),
        value: f64,
    ) -> f64 {
        let (a, _) = self.kink_place(k, from, value);
        let (b, _) = self.kink_place(k, to, value);
        let words: Words =
            [self.sample.seed, TAG_ACROSS, k.0 as u64].into_iter().chain(k.1.iter().map(|&a| a as u64)).collect();
        let t: f64 = rand::Rng::gen_range(&mut random::rng(&words), 0.02..0.98);
        let v = a + t * (b - a);
        let excluded = match domain {
            crate::model::Domain::Positive => v <= 0.0,
            crate::model::Domain::NonNegative => v < 0.0,
            crate::model::Domain::NonZero => v == 0.0,
            _ => false,
        };
        if a != b && v.is_finite() && !excluded && random::within(domain, &self.ctx.model.domain_sets, v) {
            v
        } else {
            value
        }
    }

    /// Where a [`Meeting`]'s kink sits for its input at this draw (solved from its partners, read
    /// at the input's subscripts or at none), and the smallest part's magnitude (`value`'s where
    /// there is none).
    fn kink_place(&self, k: &EntryKey, meeting: &Meeting, value: f64) -> (f64, f64) {
        let model = self.ctx.model;
        let mut solution = meeting.constant;
        let mut smallest = if meeting.constant != 0.0 { meeting.constant.abs() } else { f64::INFINITY };
        for p in meeting.partners.iter().flatten() {
            let entry = &model.entries[p.input];
            let slots = entry.range_slots().count();
            let (EntryKind::Input(d), true) = (&entry.kind, slots == 0 || slots == k.1.len()) else { continue };
            let args = if slots == 0 { EntryKey::default().1 } else { k.1.clone() };
            let read = self.input(&(p.input, args), *d).0;
            let part = p.coefficient * if p.abs { read.abs() } else { read };
            solution += part;
            smallest = smallest.min(part.abs());
        }
        if !(smallest.is_finite() && smallest > 0.0) {
            smallest = value.abs();
        }
        (solution, smallest)
    }

    fn unknown_function(&mut self, f: usize, order: u32, args: &[V]) -> EvalResult<V> {
        if V::KIND == Kind::Exact {
            return Err(EvalError::NotExact);
        }
        if V::KIND == Kind::Interval && !args.iter().all(thin) {
            return V::unbounded();
        }
        let words = [self.sample.seed, TAG_FUNCTION, f as u64];
        let value = if let [x] = args {
            x.smooth1(&Smooth1::new(&words), order)?
        } else {
            let values: Vec<(u64, Approx)> = args.iter().enumerate().map(|(i, v)| (i as u64, v.approx())).collect();
            let value = smooth_n(&words, &values);
            let tangents: Vec<Approx> = args.iter().filter_map(Kinded::tangent).collect();
            if tangents.iter().any(|t| !t.is_exact_zero()) {
                if order > 0 {
                    return Err(EvalError::NotExact);
                }
                V::with_tangent(value, chain(&smooth_n_partials(&words, &values), &tangents)?)?
            } else {
                V::from_approx(value)?
            }
        };
        if self.at_point() {
            let args: Vec<f64> = args.iter().map(|a| a.approx().value).collect();
            let mut reads = self.shared.reads.borrow_mut();
            if reads.functions_seen.insert((f, order, args.iter().map(|a| a.to_bits()).collect())) {
                reads.functions.push(FunctionRead { function: f, order, args, value: value.approx().value });
            }
        }
        Ok(value)
    }

    /// A user function, or a builtin defined by a formula, with body `body`.
    fn apply(&mut self, body: &'a Expr, order: u32, args: Vec<V>) -> EvalResult<V> {
        if order == 0 {
            self.locals.push(args);
            let widen = std::mem::replace(&mut self.widen, false);
            let v = self.eval(body, &[]);
            self.widen = widen;
            self.locals.pop();
            return v;
        }
        match V::KIND {
            // (A derivative of a function inside a dual evaluation: finite differences take the
            // outer derivative.)
            Kind::Exact | Kind::Dual => Err(EvalError::NotExact),
            Kind::Interval => {
                // Finite differences at the midpoint of a thin argument; a user function's
                // derivative may jump (a kink in its body), so it is never called continuous.
                let x = args.first().cloned().ok_or(EvalError::NotExact)?;
                if !thin(&x) {
                    return V::unbounded();
                }
                let v = self.float_twin().apply(body, order, vec![x.approx()])?;
                Ok(V::from_approx(v)?.discontinuous())
            }
            Kind::Float | Kind::Precise => {
                let x = args.first().map(Value::to_f64).unwrap_or_default();
                if order == 1 {
                    if let Some(d) = V::forward_apply(self, body, args[0].approx()) {
                        return V::from_approx(d);
                    }
                }
                // A kink next to the point would fool the differences, as for `diff`.
                let near_kink = self.near_kink;
                let probing = std::mem::replace(&mut self.probing, true);
                let result = self.differences(x, |ev, x, margin| {
                    ev.near_kink = margin;
                    finite_approx(&ev.apply(body, order - 1, vec![V::from_float(x)?])?)
                });
                self.near_kink = near_kink;
                self.probing = probing;
                self.derivative_result(result?)
            }
        }
    }

    /// Ridders' differences at `x0` of `f(evaluator, x, margin)`, which evaluates at `x` keeping
    /// `margin` of room from every kink (a point nearer refuses, `NearKink`). The first step is
    /// `margin·max(1, |x0|)` with the margin [`KINK_MARGIN`]; where a kink is too near for them,
    /// the margin and the step are shrunk together, by 10, up to [`KINK_SHRINKS`] times, so that
    /// a kink's zone narrower than the margin (`huber(x, 0.01)`'s |x| < 0.01) is differenced
    /// inside. The step keeps its ratio to the margin, as at the first try. Inside another
    /// difference (a second derivative), the margin is the enclosing one's, never shrunk here:
    /// the enclosing difference shrinks its own, and its step with it. Every derivative the table
    /// gives is checked by one central difference at a step [`PROBE_STEP`] times the first: where
    /// they disagree, a kink lies within the step (its argument moving faster than the margin
    /// allows for), and that counts as a kink too near; so does, at the sample's point, a table
    /// that did not settle while smaller steps remain to be tried.
    fn differences(
        &mut self,
        x0: f64,
        mut f: impl FnMut(&mut Self, f64, f64) -> EvalResult<Approx>,
    ) -> EvalResult<Derivative> {
        self.shared.differenced.set(true);
        // Inside another difference, the margin is its own, and a kink too near is its to handle:
        // shrinking here would difference across the kink the enclosing step reaches over.
        let (mut margin, most) =
            if self.near_kink > 0.0 { (self.near_kink.min(KINK_MARGIN), 0) } else { (KINK_MARGIN, KINK_SHRINKS) };
        let mut shrinks = 0;
        // Whether a try was refused for not settling or for its probe, not for a kink seen.
        let mut unsettled = false;
        loop {
            let h0 = margin * x0.abs().max(1.0);
            let result = ridders(|x| f(self, x, margin), x0, h0).and_then(|d| {
                // A table that did not settle may have reached over a kink: smaller steps may
                // settle (at the sample's point; inside another difference, it is the enclosing
                // one's to shrink, and the table is refused as before).
                if shrinks < most && not_settled(&d) {
                    unsettled = true;
                    return Err(EvalError::NearKink);
                }
                // A kink whose argument moves fast (`hardtanh(100*x)`) is reached by a step that
                // keeps the margin in its argument: the table then sees one side only and settles
                // on it. A difference far closer to the point tells.
                let probe = central(&mut |x| f(self, x, margin), x0, h0 * PROBE_STEP);
                match probe {
                    Ok((p, noise))
                        if (p - d.value).abs()
                            <= PROBE_AGREEMENT * p.abs().max(d.value.abs())
                                + noise
                                + FD_SAFETY * d.estimate
                                + d.noise =>
                    {
                        Ok(d)
                    }
                    Ok(_) => {
                        unsettled = true;
                        Err(EvalError::NearKink)
                    }
                    // A probe that cannot be taken (its points lie within the table's, so this
                    // is a kink or the work's limit; anything else leaves the table as it was).
                    Err(e @ (EvalError::NearKink | EvalError::Limit(_))) => Err(e),
                    Err(_) => Ok(d),
                }
            });
            if shrinks == most || !matches!(result, Err(EvalError::NearKink)) {
                // At the last try at the sample's point, differences that would not settle are
                // said to be so: no kink need be there (`sin(1e9*x)`'s derivative).
                if unsettled && most > 0 && matches!(result, Err(EvalError::NearKink)) {
                    return Err(EvalError::NotConverged);
                }
                return result;
            }
            margin /= 10.0;
            shrinks += 1;
        }
    }

    /// A child evaluator in which `key` has the value `value` and everything that depends on it
    /// is recomputed.
    /// `margin` is the room it keeps from kinks (see [`Evaluator::differences`]).
    fn child_perturbing<'c>(&'c self, key: &EntryKey, value: f64, margin: f64) -> Evaluator<'a, 'c, V> {
        // Later overrides shadow earlier ones (lookups search from the end).
        let mut overrides = self.overrides.clone();
        overrides.push((key.clone(), value));
        let mut inherited: Vec<(&'c HashMap<EntryKey, Cached<V>>, usize)> = self.inherited.clone();
        inherited.push((&self.cache, self.overrides.len()));
        Evaluator {
            inherited,
            ctx: self.ctx,
            sample: self.sample,
            overrides,
            cache: HashMap::default(),
            bound: self.bound.clone(),
            locals: self.locals.clone(),
            near_kink: margin,
            widen: false,
            scale: 0.0,
            shared: Rc::clone(&self.shared),
            inverses: HashMap::default(),
            square_vars: HashMap::default(),
            literal_box: None,
            probing: self.probing,
            held: None,
            seed: None,
        }
    }
}

/// `Σ partials[i] · tangents[i]`: the tangent of a function of several arguments (the chain rule),
/// with the error bounds of both.
fn chain(partials: &[Approx], tangents: &[Approx]) -> EvalResult<Approx> {
    let mut sum = Approx::exact(0.0);
    for (p, t) in partials.iter().zip(tangents) {
        if !t.is_exact_zero() {
            sum = sum.add(&p.mul(t)?)?;
        }
    }
    Ok(sum)
}

impl<'a, 'p> Evaluator<'a, 'p, Approx> {
    /// A dual evaluator made from this one: the same sample, overrides, bound and local values
    /// (held fixed), reading from this one every entry that does not move with `seed`, which is
    /// seeded with its value's error bound. At the sample's point it takes derivatives next to a
    /// kink at any distance (a finite difference needs [`KINK_MARGIN`] of room): on either side
    /// of a kink a dual number is exact, and where an argument's error bound reaches the kink the
    /// tangent is refused (finite differences decide then, and refuse it too). So a kink at a
    /// small scale (`huber(x, 0.01)`'s at ±0.01) has its derivative sampled inside it. Inside a
    /// finite difference (a perturbed evaluator, differencing a derivative) it keeps the margin
    /// its parent has: the points differenced must lie on the side of a kink the point is on, or
    /// the second derivative of `relu(u)^2/2` at 0 would come out as a one-sided 1.
    fn dual_child<'c>(&'c mut self, seed: Option<(EntryKey, Approx)>) -> Evaluator<'a, 'c, Dual> {
        let locals = self.locals.iter().map(|f| f.iter().map(|&a| Dual::constant(a)).collect()).collect();
        Evaluator {
            inherited: Vec::new(),
            ctx: self.ctx,
            sample: self.sample,
            overrides: self.overrides.clone(),
            cache: HashMap::default(),
            bound: self.bound.clone(),
            locals,
            near_kink: self.near_kink,
            widen: false,
            scale: 0.0,
            shared: Rc::clone(&self.shared),
            inverses: HashMap::default(),
            square_vars: HashMap::default(),
            literal_box: None,
            probing: self.probing,
            seed,
            held: Some(self),
        }
    }

    /// `diff(body, x)` at `x0` in forward mode: `body` evaluated once with `x` seeded with the
    /// tangent 1, everything downstream of it recomputed in dual numbers, everything else held
    /// fixed (the semantics of [`Evaluator::child_perturbing`]). [`Forward::Unavailable`] where
    /// the duals cannot take it (a construct without a dual rule, a nested derivative, a value
    /// outside a domain, a kink within the margin), [`Forward::Bounds`] where the tangent is known
    /// less precisely than a finite difference must be: finite differences decide then.
    ///
    /// A kink met at the point (a tie, an argument exactly at a jump or at a root's 0) is refused,
    /// not handed to finite differences: their symmetric differences of `sqrt(w^2)` at 0 are 0,
    /// and `diff(sqrt(w1^2 + w2^2), w1) = 0` at the origin was `checked` (an adversarial tester);
    /// where they would see the kink too, they refuse the same.
    fn forward_diff(&mut self, body: &Expr, free: &[Option<i64>], key: &EntryKey, x0a: Approx) -> EvalResult<Forward> {
        let x0 = x0a.value;
        let d = match self.dual_child(Some((key.clone(), x0a))).eval(body, free) {
            Ok(v) => v.tangent,
            Err(EvalError::NearKink) => return Err(EvalError::NearKink),
            Err(_) => return Ok(Forward::Unavailable),
        };
        if !precise_enough(d) {
            let bounded = d.value.is_finite() && d.error.is_finite();
            return Ok(if bounded { Forward::Bounds(d) } else { Forward::Unavailable });
        }
        let what = |model: &Model| format!("by `{}`", entry_key_text(model, key));
        self.cross_check(d, x0, what, |ev, x| {
            finite_approx(&ev.child_perturbing(key, x, KINK_MARGIN).eval(body, free)?)
        });
        Ok(Forward::Value(d))
    }

    /// The first derivative of a function with body `body` at `x` in forward mode (`None` as for
    /// [`Evaluator::forward_diff`]).
    fn forward_apply(&mut self, body: &'a Expr, xa: Approx) -> Option<Approx> {
        let x = xa.value;
        let mut child = self.dual_child(None);
        child.locals.push(vec![Dual { value: xa, tangent: Approx::exact(1.0) }]);
        let d = child.eval(body, &[]).ok()?.tangent;
        if !precise_enough(d) {
            return None;
        }
        self.cross_check(
            d,
            x,
            |_: &Model| "of a function".to_string(),
            |ev, x| {
                let near_kink = std::mem::replace(&mut ev.near_kink, KINK_MARGIN);
                let probing = std::mem::replace(&mut ev.probing, true);
                let v = ev.apply(body, 0, vec![Approx::exact(x)]);
                (ev.near_kink, ev.probing) = (near_kink, probing);
                finite_approx(&v?)
            },
        );
        Some(d)
    }

    /// The independent check of a derivative in forward mode, `dual` at `x0`: finite differences
    /// of `f` (the value perturbed along the same direction; see [`differences`]), once per sample
    /// (the first derivative taken there; every one after [`cross_check_every_derivative`]). Where
    /// the differences converge and the two differ by more than both error bounds together, one of
    /// them is wrong: that is a bug, reported on standard error and counted
    /// ([`dual_disagreements`]), never a verdict (the dual value stands).
    fn cross_check(
        &mut self,
        dual: Approx,
        x0: f64,
        what: impl Fn(&Model) -> String,
        mut f: impl FnMut(&mut Self, f64) -> EvalResult<Approx>,
    ) {
        let every = CROSS_CHECK_EVERY.load(std::sync::atomic::Ordering::Relaxed);
        // (Far above the usual magnitudes the differences are no check: at W1 = 711 they were
        // 2.87677e24 ± 5e17 against forward mode's 2.87678e24 ± 5e10.)
        if self.sample.band.top() > random::MODERATE || (self.shared.cross_checked.replace(true) && !every) {
            return;
        }
        match differences(dual, x0, |x| f(self, x)) {
            Differences::CannotTell => {}
            Differences::Agree => {
                CROSS_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Differences::Disagree { value, allowed } => {
                CROSS_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                DISAGREEMENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut texts = DISAGREEMENT_TEXTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if texts.len() < KEPT_DISAGREEMENTS {
                    texts.push(format!(
                        "a derivative {} at {x0} (seed {}) in forward mode, {} ± {:e}, disagrees with its finite differences, {value} ± {allowed:e}",
                        what(self.ctx.model),
                        self.sample.seed,
                        dual.value,
                        dual.error,
                    ));
                }
            }
        }
    }
}

/// What finite differences say of a derivative in forward mode ([`differences`]).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Differences {
    /// They confirm it.
    Agree,
    /// They converged on another value, beyond both error bounds: `value`, with the error
    /// `allowed` them.
    Disagree { value: f64, allowed: f64 },
    /// They did not converge (a kink or the edge of a domain near the point, noisy values).
    CannotTell,
}

/// Finite differences of `f` (a value perturbed along the direction of a derivative) at `x0`
/// against `dual`, the derivative in forward mode there.
///
/// First, one central difference over a small step ([`QUICK_STEP`]). Where it comes within
/// [`QUICK_AGREEMENT`] of its value (beyond both error bounds) of the dual, the dual is confirmed:
/// a wrong one would have to be off by the difference's own truncation error, to seven digits.
/// That is stricter than the table's agreement below (within its estimate, which may be up to
/// 1e-5 of the value), at two evaluations instead of four to fourteen. Elsewhere (a large third
/// derivative, a kink or an edge of a domain within the step, noisy values) Ridders' table
/// decides.
///
/// The table is taken from the usual first step, and where it disagrees, from one a thousand
/// times smaller: a function that oscillates faster than the usual steps can resolve (an unknown
/// function of an input of the large band) makes neighbouring extrapolations agree by chance on a
/// wrong value, which the smaller steps see past. It stops at the first level where the
/// differences have converged and agree with the dual within both error bounds with their
/// estimate counted once, not `FD_SAFETY` times: what the full table would report then is the same
/// agreement (its later levels refine the value by about that estimate), at half the evaluations
/// or less. A disagreement counts only where both tables converged and disagree.
fn differences(dual: Approx, x0: f64, mut f: impl FnMut(f64) -> EvalResult<Approx>) -> Differences {
    let quick = central(&mut f, x0, QUICK_STEP * x0.abs().max(1.0));
    if quick.is_ok_and(|(d, noise)| (dual.value - d).abs() <= dual.error + noise + QUICK_AGREEMENT * d.abs()) {
        return Differences::Agree;
    }
    let converged = |fd: &Derivative| !not_settled(fd);
    let agrees_closely = |fd: &Derivative| (dual.value - fd.value).abs() <= dual.error + fd.estimate + fd.noise;
    let mut disagreement = None;
    for h0 in [0.05 * x0.abs().max(1.0), 5e-5 * x0.abs().max(1.0)] {
        let Ok(fd) = ridders_until(&mut f, x0, h0, |fd| converged(fd) && agrees_closely(fd)) else {
            return Differences::CannotTell;
        };
        if !converged(&fd) {
            return Differences::CannotTell;
        }
        let allowed = FD_SAFETY * fd.estimate + fd.noise;
        if (dual.value - fd.value).abs() <= dual.error + allowed {
            return Differences::Agree;
        }
        disagreement.get_or_insert(Differences::Disagree { value: fd.value, allowed });
    }
    // Both tables are blind to an oscillation faster than their smallest step (`x^2/2 +
    // 1e-16*sin(1e8*x)`: they average it away and agree on `x`, an adversarial tester): one
    // difference over a step far below theirs that confirms the dual, with little enough noise
    // to tell a dual off by a millionth, shows they could not tell.
    let tiny = central(&mut f, x0, TINY_STEP * x0.abs().max(1.0));
    if tiny.is_ok_and(|(d, noise)| {
        noise <= TINY_NOISE * d.abs() && (dual.value - d).abs() <= dual.error + noise + TINY_AGREEMENT * d.abs()
    }) {
        return Differences::CannotTell;
    }
    disagreement.unwrap_or(Differences::CannotTell)
}

/// Whether differences did not settle to the accuracy a derivative needs (their estimate or
/// noise above [`MAX_RELATIVE_FD_ERROR`] of it, or of 1).
fn not_settled(d: &Derivative) -> bool {
    d.estimate.max(d.noise) > MAX_RELATIVE_FD_ERROR * d.value.abs().max(1.0)
}

/// Whether a tangent is known as precisely as a finite difference must be (see
/// `Evaluator::derivative_result`); a less precise one leaves the derivative to the differences.
fn precise_enough(d: Approx) -> bool {
    d.value.is_finite() && d.error <= MAX_RELATIVE_FD_ERROR * d.value.abs().max(1.0)
}

/// Why a derivative by finite differences cannot be taken: a value it differences is beyond the
/// range of floats. Floats lose it, and higher precision finds the same magnitude at every number
/// of bits (the differences are taken in floats), so it ends the search for a precision that tells.
pub const BEYOND_FLOATS_IN_A_DERIVATIVE: &str = "a value beyond the range of floats inside a derivative";

/// A value as a float for finite differences: a high-precision value beyond the range of floats
/// cannot be differenced in floats, nor can one below it that is not 0 (σ(-1000) is 5e-435: as
/// a float it is 0, and so would the differences of it be).
fn finite_approx<V: Kinded>(v: &V) -> EvalResult<Approx> {
    let a = v.approx();
    let below = a.value.abs() < f64::MIN_POSITIVE && a.error < f64::MIN_POSITIVE && !v.is_exact_zero();
    if a.value.is_finite() && !below {
        Ok(a)
    } else {
        Err(EvalError::Imprecise(BEYOND_FLOATS_IN_A_DERIVATIVE.to_string()))
    }
}

/// The words a random quantity is keyed by, on the stack for up to 8 (an entry with 5 indices):
/// an input is read at every evaluation that does not find it cached (every perturbed child of a
/// finite difference), and a key on the heap would cost more than the draw.
type Words = smallvec::SmallVec<[u64; 8]>;

/// Every combination of values from inclusive ranges, the last varying fastest, each as the index
/// values of an [`EntryKey`].
fn cartesian(ranges: &[(i64, i64)]) -> Vec<smallvec::SmallVec<[i64; 3]>> {
    let mut out = vec![smallvec::SmallVec::new()];
    for &(lo, hi) in ranges {
        let mut next = Vec::with_capacity(out.len() * usize::try_from(hi - lo + 1).unwrap_or(0));
        for prefix in &out {
            for v in lo..=hi {
                let mut p = prefix.clone();
                p.push(v);
                next.push(p);
            }
        }
        out = next;
    }
    out
}

/// `s[2,t-1]`: an entry with its index values, for counterexamples.
pub fn entry_key_text(model: &Model, key: &EntryKey) -> String {
    let entry = &model.entries[key.0];
    if entry.slots.is_empty() {
        return entry.name.clone();
    }
    let mut values = key.1.iter();
    let subs: Vec<String> = entry
        .slots
        .iter()
        .map(|s| match s {
            Slot::Range(_) => values.next().map_or_else(String::new, i64::to_string),
            Slot::Label(l, o) => crate::model::label_text(l, *o),
        })
        .collect();
    format!("{}[{}]", entry.name, subs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::approx::UNIT;

    /// `f` in floats, with the error bound of a few roundings, counting its evaluations.
    fn counted<'a>(f: impl Fn(f64) -> f64 + 'a, calls: &'a Cell<u32>) -> impl FnMut(f64) -> EvalResult<Approx> + 'a {
        move |x| {
            calls.set(calls.get() + 1);
            let value = f(x);
            Ok(Approx { value, error: 4.0 * UNIT * value.abs() })
        }
    }

    fn exact(value: f64) -> Approx {
        Approx { value, error: 2.0 * UNIT * value.abs() }
    }

    /// A right derivative is confirmed by one central difference, two evaluations, where the
    /// function is smooth at the scale of the step; one off by a millionth of its value, or by a
    /// thousandth, is a disagreement (the table decides those, and both of its runs disagree).
    #[test]
    fn the_differences_confirm_a_right_derivative_quickly_and_find_a_wrong_one() {
        for (f, df, x0) in [
            (f64::sin as fn(f64) -> f64, f64::cos as fn(f64) -> f64, 0.7),
            (
                |x: f64| (x * x).exp() / (1.0 + x * x),
                |x: f64| 2.0 * x * (x * x).exp() * (x * x) / (1.0 + x * x).powi(2),
                -1.3,
            ),
            (|x: f64| (1.0 + (-x).exp()).recip(), |x: f64| (-x).exp() / (1.0 + (-x).exp()).powi(2), 1.9),
        ] {
            let calls = Cell::new(0);
            assert_eq!(differences(exact(df(x0)), x0, counted(f, &calls)), Differences::Agree, "at {x0}");
            assert_eq!(calls.get(), 2, "at {x0}");
            for off in [1e-6, 1e-3] {
                let wrong = exact(df(x0) * (1.0 + off));
                let calls = Cell::new(0);
                let said = differences(wrong, x0, counted(f, &calls));
                assert!(matches!(said, Differences::Disagree { .. }), "off by {off} at {x0}: {said:?}");
                assert!(calls.get() > 2, "off by {off} at {x0}");
            }
        }
    }

    /// Where one central difference over the small step cannot confirm the derivative (a large
    /// third derivative), Ridders' table does; across a kink the differences cannot tell, and say
    /// so rather than disagree.
    #[test]
    fn the_table_decides_where_one_difference_cannot() {
        let calls = Cell::new(0);
        let steep = |x: f64| (8.0 * x).exp();
        assert_eq!(differences(exact(8.0 * (8.0 * 1.9f64).exp()), 1.9, counted(steep, &calls)), Differences::Agree);
        assert!(calls.get() > 2);
        let calls = Cell::new(0);
        assert_eq!(differences(exact(1.0), 3e-5, counted(f64::abs, &calls)), Differences::CannotTell);
    }

    /// An oscillation faster than the table's steps is averaged away by them: they agree on the
    /// derivative without it. One difference over a far smaller step sees it, so a right dual is
    /// no disagreement (it was reported as an internal error: an adversarial tester); a wrong one
    /// still is.
    #[test]
    fn a_fast_oscillation_the_tables_cannot_see_is_no_disagreement() {
        let f = |x: f64| x * x / 2.0 + 1e-16 * (1e8 * x).sin();
        let x0: f64 = -0.007_117_56;
        let right = x0 + 1e-8 * (1e8 * x0).cos();
        assert_eq!(differences(exact(right), x0, counted(f, &Cell::new(0))), Differences::CannotTell);
        let wrong = right * (1.0 + 1e-6);
        let said = differences(exact(wrong), x0, counted(f, &Cell::new(0)));
        assert!(matches!(said, Differences::Disagree { .. }), "{said:?}");
    }
}
