//! The resolved model: every name bound to what it means, indices numbered, definitions linked.

use num_rational::BigRational;
use num_traits::{Signed, Zero};

use crate::diagnostic::Span;
use crate::syntax::ast::{BigOp, Relation};

pub use super::shape::Shape;

/// A size symbol (`D`, `n`): a positive integer unknown.
pub type SizeId = usize;
/// A declared range index (`index c in 1..D`).
pub type IndexId = usize;
/// A variable, defined node or unknown node entry.
pub type EntryId = usize;
/// An unknown function (`unknown f(x)`).
pub type FnId = usize;
/// A user function (`let phi(z) = …`).
pub type UserFnId = usize;
/// An index bound by a `sum` or `prod`.
pub type BoundId = usize;

/// The whole resolved file.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The `title`, if any.
    pub title: Option<String>,
    /// Size symbols, by [`SizeId`]: the declared ones and the sums of sizes written in range
    /// bounds (`n+K` of `1..n+K-1`), named as first written.
    pub sizes: Vec<String>,
    /// What each size is a sum of, by [`SizeId`]: the declared sizes it adds, each with its
    /// coefficient (at least 1); empty for a declared size. A sum of sizes is at least 1 wherever
    /// they are, so anything true for independent sizes is true of it, and the prover may treat it
    /// as one more size; the samples give it its value (`Model::fill_sizes`).
    pub size_sums: Vec<Vec<(SizeId, i64)>>,
    /// Declared range indices, by [`IndexId`].
    pub indices: Vec<RangeIndex>,
    /// Variables, nodes and unknown nodes, by [`EntryId`].
    pub entries: Vec<Entry>,
    /// Unknown functions, by [`FnId`].
    pub functions: Vec<UnknownFunction>,
    /// User functions, by [`UserFnId`].
    pub user_functions: Vec<UserFunction>,
    /// Indices bound by `sum` and `prod`, by [`BoundId`].
    pub bounds: Vec<BoundIndex>,
    /// `assume` constraints.
    pub assumptions: Vec<Assumption>,
    /// The bounded domains of inputs (`in (0, 1)`, `in {-1, 1}`), by the number in [`Domain::Set`].
    pub domain_sets: Vec<DomainSet>,
    /// The derivations, in file order.
    pub derivations: Vec<Derivation>,
    /// Whether a declaration had an error (then no derivation should be checked).
    pub declarations_failed: bool,
    /// The `grading` statement of a grading reference, if any.
    pub grading: Option<GradingShares>,
    /// Warnings the resolver found (a reading the file allows that is almost surely not meant);
    /// they change no verdict.
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
    /// Where the numbers' scans found functions of one input to cross a value (`numeric::coverage`),
    /// by the function as written and the value: each a function of the entries, which never
    /// change once resolved, so the answers hold for every derivation and every clone.
    pub scans: ScanMemo,
}

/// The answers of the scans of [`Model::scans`]: by the function's text (its `Debug` form, which
/// names the input scanned) and the bits of the value, the places found.
#[derive(Debug, Clone, Default)]
pub struct ScanMemo(pub std::sync::Arc<std::sync::Mutex<ScanAnswers>>);

/// See [`ScanMemo`].
pub type ScanAnswers = std::collections::HashMap<(String, u64), Option<Vec<f64>>>;

/// `grading final 40%, steps 60%`: the shares of each derivation's points (they add up to 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradingShares {
    /// For a final answer that holds and is in closed form.
    pub final_answer: BigRational,
    /// For the steps that follow from the step before.
    pub steps: BigRational,
    /// How much of the steps' share depends on showing the reference's intermediate work (its
    /// milestones, docs/grading.md): 1 by default, 0 to share it among the steps alone.
    pub milestones: BigRational,
}

/// A range bound: a size plus an integer, or an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    /// The size it is relative to, if any.
    pub size: Option<SizeId>,
    /// The integer added.
    pub offset: i64,
}

/// An inclusive range of integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexRange {
    /// The first value.
    pub lo: Bound,
    /// The last value.
    pub hi: Bound,
}

impl IndexRange {
    /// Whether the number lies in the range for every value of its sizes (sizes are at least 1);
    /// `sums` are the model's [`Model::size_sums`].
    pub fn surely_contains(&self, k: i64, sums: &[Vec<(SizeId, i64)>]) -> bool {
        self.surely_holds(k, &[], sums)
    }

    /// Whether every value of the index expression `constant + Σ coef·v` lies in the range, for
    /// every value of the sizes, where each `v` runs over a range or is a size. Each bound of the
    /// expression and of the range is an affine function of the sizes, so the test is exact for
    /// one variable and sufficient for several: `Σ coef·v` is at least the sum of the terms'
    /// minima (vacuously true where a variable's range is empty: then there is no value at all).
    /// A sum of sizes is read as the sum (`sums`, the model's [`Model::size_sums`]).
    pub fn surely_holds(&self, constant: i64, terms: &[(i64, IxTerm)], sums: &[Vec<(SizeId, i64)>]) -> bool {
        let mut low = SizeAffine::constant(constant);
        let mut high = SizeAffine::constant(constant);
        for &(coef, term) in terms {
            let (lo, hi) = match term {
                IxTerm::Range(r) => (SizeAffine::of(r.lo, sums), SizeAffine::of(r.hi, sums)),
                IxTerm::Size(s) => (SizeAffine::size(s, sums), SizeAffine::size(s, sums)),
            };
            let (min, max) = if coef >= 0 { (lo, hi) } else { (hi, lo) };
            let (Some(l), Some(h)) = (low.plus(&min, coef), high.plus(&max, coef)) else { return false };
            (low, high) = (l, h);
        }
        // low - self.lo >= 0 and self.hi - high >= 0 at every size.
        let above = low.plus(&SizeAffine::of(self.lo, sums), -1);
        let below = SizeAffine::of(self.hi, sums).plus(&high, -1);
        above.is_some_and(|a| a.surely_nonnegative()) && below.is_some_and(|b| b.surely_nonnegative())
    }
}

/// What a variable of an index expression ranges over, for [`IndexRange::surely_holds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IxTerm {
    /// A range index or a bound index: its range.
    Range(IndexRange),
    /// A size: exactly its value.
    Size(SizeId),
}

/// `constant + Σ coef·size`, with checked arithmetic.
#[derive(Debug, Clone, Default)]
struct SizeAffine {
    constant: i64,
    sizes: Vec<(SizeId, i64)>,
}

impl SizeAffine {
    fn constant(k: i64) -> SizeAffine {
        SizeAffine { constant: k, sizes: Vec::new() }
    }

    /// A size, a sum of sizes read as the sum.
    fn size(s: SizeId, sums: &[Vec<(SizeId, i64)>]) -> SizeAffine {
        match sums.get(s) {
            Some(terms) if !terms.is_empty() => SizeAffine { constant: 0, sizes: terms.clone() },
            _ => SizeAffine { constant: 0, sizes: vec![(s, 1)] },
        }
    }

    fn of(b: Bound, sums: &[Vec<(SizeId, i64)>]) -> SizeAffine {
        let sizes = b.size.map(|s| SizeAffine::size(s, sums).sizes).unwrap_or_default();
        SizeAffine { constant: b.offset, sizes }
    }

    /// `self + k·other`, or `None` on overflow.
    fn plus(&self, other: &SizeAffine, k: i64) -> Option<SizeAffine> {
        let mut out = self.clone();
        out.constant = out.constant.checked_add(other.constant.checked_mul(k)?)?;
        for &(s, c) in &other.sizes {
            let add = c.checked_mul(k)?;
            match out.sizes.iter_mut().find(|(t, _)| *t == s) {
                Some((_, existing)) => *existing = existing.checked_add(add)?,
                None => out.sizes.push((s, add)),
            }
        }
        Some(out)
    }

    /// Whether it is ≥ 0 for every value ≥ 1 of its sizes: its coefficients are ≥ 0 and it is
    /// ≥ 0 where every size is 1 (an affine function is smallest there).
    fn surely_nonnegative(&self) -> bool {
        self.sizes.iter().all(|&(_, c)| c >= 0)
            && self.sizes.iter().try_fold(self.constant, |acc, &(_, c)| acc.checked_add(c)).is_some_and(|v| v >= 0)
    }
}

/// `index c in 1..D`
#[derive(Debug, Clone)]
pub struct RangeIndex {
    /// Its name.
    pub name: String,
    /// Its range.
    pub range: IndexRange,
    /// Whether it was made by gradproof for the positions of an array (a shaped declaration, an
    /// array-valued definition, the elements of an array-valued step), not declared by the user.
    pub hidden: bool,
    /// Whether it is a class label (`var y in 1..K`): an integer input used as an index. It is
    /// free wherever it is read, like an input, so the rule on new free indices leaves it alone,
    /// definitions may read it, and every value of its range is drawn.
    pub label: bool,
}

/// An index bound by a `sum` or `prod`.
#[derive(Debug, Clone)]
pub struct BoundIndex {
    /// Its name as written.
    pub name: String,
    /// The range it runs over.
    pub range: IndexRange,
}

/// One subscript position of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A range index: the entry stands for every value of it.
    Range(IndexId),
    /// A label (`t`, `t-1`): a fixed symbolic position.
    Label(String, i64),
}

/// A domain declared for an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// No restriction.
    Real,
    /// `> 0`
    Positive,
    /// `>= 0`
    NonNegative,
    /// `!= 0`
    NonZero,
    /// `in (0, 1)`, `in {-1, 1}`: the set of that number in [`Model::domain_sets`].
    Set(usize),
    /// `spd` (a square matrix): drawn symmetric positive definite as a whole; an element alone
    /// has no domain of its own (every real value is some such matrix's element).
    PositiveDefinite,
}

impl Model {
    /// Whether every value of an input with this domain is > 0.
    pub fn positive_domain(&self, d: Domain) -> bool {
        match d {
            Domain::Positive => true,
            Domain::Set(k) => self.domain_sets.get(k).is_some_and(DomainSet::positive),
            _ => false,
        }
    }

    /// Whether every value of an input with this domain is ≥ 0.
    pub fn nonnegative_domain(&self, d: Domain) -> bool {
        match d {
            Domain::Positive | Domain::NonNegative => true,
            Domain::Set(k) => self.domain_sets.get(k).is_some_and(|s| !s.bounds().0 .0.is_negative()),
            _ => false,
        }
    }

    /// Whether no value of an input with this domain is 0.
    pub fn nonzero_domain(&self, d: Domain) -> bool {
        match d {
            Domain::Positive | Domain::NonZero => true,
            Domain::Set(k) => self.domain_sets.get(k).is_some_and(DomainSet::nonzero),
            _ => false,
        }
    }

    /// Whether every value of an index expression lies in a range at every size, the bound
    /// indices ranging over `bounds` (see [`IndexRange::surely_holds`]).
    pub fn ix_surely_in(&self, range: IndexRange, ix: &Ix, bounds: &[BoundIndex]) -> bool {
        let terms: Option<Vec<(i64, IxTerm)>> = ix
            .terms
            .iter()
            .map(|&(c, v)| {
                Some((
                    c,
                    match v {
                        IxVar::Free(i) => IxTerm::Range(self.indices.get(i)?.range),
                        IxVar::Bound(b) => IxTerm::Range(bounds.get(b)?.range),
                        IxVar::Size(s) => IxTerm::Size(s),
                    },
                ))
            })
            .collect();
        terms.is_some_and(|t| range.surely_holds(ix.constant, &t, &self.size_sums))
    }

    /// Whether a size is declared (not a sum of sizes written in a bound).
    pub fn declared_size(&self, s: SizeId) -> bool {
        self.size_sums.get(s).is_none_or(Vec::is_empty)
    }

    /// Gives every sum of sizes in `values` (by [`SizeId`]) its value from the declared sizes.
    pub fn fill_sizes(&self, values: &mut [i64]) {
        for (s, terms) in self.size_sums.iter().enumerate() {
            if !terms.is_empty() && s < values.len() {
                values[s] = terms.iter().fold(0i64, |acc, &(t, c)| {
                    acc.saturating_add(c.saturating_mul(values.get(t).copied().unwrap_or(1)))
                });
            }
        }
    }

    /// A range as written: `1..K`, `0..n-1`.
    pub fn range_text(&self, r: IndexRange) -> String {
        let bound = |b: Bound| match (b.size, b.offset) {
            (None, k) => k.to_string(),
            (Some(s), 0) => self.sizes[s].clone(),
            (Some(s), k) if k > 0 => format!("{}+{k}", self.sizes[s]),
            (Some(s), k) => format!("{}{k}", self.sizes[s]),
        };
        format!("{}..{}", bound(r.lo), bound(r.hi))
    }

    /// The class labels (`var y in 1..K`) among the range indices.
    pub fn labels(&self) -> impl Iterator<Item = IndexId> + '_ {
        self.indices.iter().enumerate().filter(|(_, i)| i.label).map(|(k, _)| k)
    }

    /// The bounded domain of an input entry, if it has one.
    pub fn domain_set(&self, entry: EntryId) -> Option<&DomainSet> {
        match self.entries.get(entry)?.kind {
            EntryKind::Input(Domain::Set(k)) => self.domain_sets.get(k),
            _ => None,
        }
    }
}

/// A bounded domain: an interval or a finite set of numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainSet {
    /// `(lo, hi)`, `[lo, hi]`, or half-open: `lo < hi`.
    Interval {
        /// The lower end.
        lo: BigRational,
        /// The upper end.
        hi: BigRational,
        /// Whether `lo` belongs to it (`[`).
        lo_closed: bool,
        /// Whether `hi` belongs to it (`]`).
        hi_closed: bool,
    },
    /// `{-1, 1}`: at least two numbers, in increasing order.
    Finite(Vec<BigRational>),
}

impl DomainSet {
    /// Whether every member is > 0.
    pub fn positive(&self) -> bool {
        match self {
            DomainSet::Interval { lo, lo_closed, .. } => lo.is_positive() || (lo.is_zero() && !lo_closed),
            DomainSet::Finite(values) => values.iter().all(|v| v.is_positive()),
        }
    }

    /// Whether no member is 0.
    pub fn nonzero(&self) -> bool {
        match self {
            DomainSet::Interval { lo, hi, lo_closed, hi_closed } => {
                lo.is_positive() || hi.is_negative() || (lo.is_zero() && !lo_closed) || (hi.is_zero() && !hi_closed)
            }
            DomainSet::Finite(values) => values.iter().all(|v| !v.is_zero()),
        }
    }

    /// The greatest lower bound and the least upper bound, each with whether it is a member.
    pub fn bounds(&self) -> ((&BigRational, bool), (&BigRational, bool)) {
        match self {
            DomainSet::Interval { lo, hi, lo_closed, hi_closed } => ((lo, *lo_closed), (hi, *hi_closed)),
            DomainSet::Finite(values) => ((&values[0], true), (&values[values.len() - 1], true)),
        }
    }
}

/// What an entry is.
#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A free input (`var`).
    Input(Domain),
    /// A defined node (`let`), recomputed from its expression.
    Defined(Expr),
    /// An unknown node (`unknown E depends on …`).
    Unknown(Vec<Dependency>),
}

/// One item of an unknown node's dependency list.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The entry depended on.
    pub entry: EntryId,
    /// For each range slot: `None` for the whole range, or one value.
    pub args: Vec<Option<i64>>,
}

/// A variable, defined node or unknown node, possibly a family over range indices.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The family name.
    pub name: String,
    /// Its subscript positions.
    pub slots: Vec<Slot>,
    /// Input, definition or unknown node.
    pub kind: EntryKind,
    /// Where it was declared.
    pub span: Span,
}

impl Entry {
    /// The range indices among the slots, in order: a reference gives one value for each.
    pub fn range_slots(&self) -> impl Iterator<Item = IndexId> + '_ {
        self.slots.iter().filter_map(|s| match s {
            Slot::Range(i) => Some(*i),
            Slot::Label(..) => None,
        })
    }
}

/// `unknown f(x, y)`
#[derive(Debug, Clone)]
pub struct UnknownFunction {
    /// Its name.
    pub name: String,
    /// How many arguments it takes.
    pub arity: usize,
}

/// `let phi(z) = body`
#[derive(Debug, Clone)]
pub struct UserFunction {
    /// Its name.
    pub name: String,
    /// Parameter names (the body refers to them as [`Expr::Local`]).
    pub params: Vec<String>,
    /// The body.
    pub body: Expr,
    /// Where it was defined.
    pub span: Span,
}

/// `assume sum(k, y[k]) = total`, or `assume sum(k, y[n,k]) = total` for every `n` (each row of
/// a batch a probability vector).
#[derive(Debug, Clone)]
pub struct Assumption {
    /// The family that is normalised.
    pub entry: EntryId,
    /// The value of its sum.
    pub total: BigRational,
    /// The position, among the family's range slots, of the one summed over; the sum is the
    /// total at every value of the others.
    pub slot: usize,
}

/// How `≈` steps are judged (§5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ToleranceRule {
    /// The default: decimal literals widened by half a unit in their last digit.
    Rounding,
    /// `tolerance 1%`
    Relative(f64),
    /// `tolerance 0.001`
    Absolute(f64),
}

/// A derivation: a head and the steps claimed equal to it, one after another.
#[derive(Debug, Clone)]
pub struct Derivation {
    /// The quoted name, if any.
    pub name: Option<String>,
    /// `worth N`, if written.
    pub worth: Option<BigRational>,
    /// The head expression.
    pub head: Expr,
    /// The steps.
    pub steps: Vec<Step>,
    /// The `derive` line.
    pub span: Span,
    /// The tolerance rule in force.
    pub tolerance: ToleranceRule,
    /// The head's shape (§7); array-valued expressions are compared element by element, the
    /// element's position given by hidden free indices.
    pub shape: Shape,
    /// The step lines that were not read (a syntax or name error, reported), in order.
    pub unread: Vec<Span>,
}

impl Derivation {
    /// Whether its last line could not be read (a line not read after its last step).
    pub fn unread_last(&self) -> bool {
        self.unread.last().is_some_and(|u| self.steps.last().is_none_or(|s| u.start > s.span.start))
    }

    /// Where the expression that step `at` (1 for the first step) is compared with stands among
    /// the head (0) and the steps: the step before, or the head for a step that restates it.
    pub fn before(&self, at: usize) -> usize {
        if self.steps[at - 1].restates {
            0
        } else {
            at - 1
        }
    }

    /// The expression that step `at` is compared with.
    pub fn expr_before(&self, at: usize) -> &Expr {
        match self.before(at) {
            0 => &self.head,
            k => &self.steps[k - 1].expr,
        }
    }
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// `=` or `≈`.
    pub relation: Relation,
    /// The expression.
    pub expr: Expr,
    /// The note, if any.
    pub note: Option<String>,
    /// The step's line.
    pub span: Span,
    /// The step's shape (§7).
    pub shape: Shape,
    /// The first use of each name the step uses free, with its span (for pointing at a free
    /// index the step brings in).
    pub name_uses: Vec<(String, Span)>,
    /// Compared with the head, not with the step before (`ast::Step::restates`).
    pub restates: bool,
    /// The first and the last line that could not be read between this step and the step it is
    /// compared with (which is then the last step before it that was read, or the head).
    pub after_unread: Option<(Span, Span)>,
}

/// An integer-valued index expression: a constant plus a combination of index variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Ix {
    /// The integer part.
    pub constant: i64,
    /// The variable parts with their coefficients.
    pub terms: Vec<(i64, IxVar)>,
}

/// An integer-valued variable of index expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IxVar {
    /// A declared range index, free in the expression.
    Free(IndexId),
    /// An index bound by a `sum` or `prod`.
    Bound(BoundId),
    /// A size.
    Size(SizeId),
}

/// A reference to one entry of a family: the index values of its range slots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntryRef {
    /// Which entry.
    pub entry: EntryId,
    /// One index expression per range slot.
    pub args: Vec<Ix>,
}

/// A number as written: its exact value, and half a unit in its last written digit when it was
/// written with a decimal point (the widening of `≈` steps).
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The exact value (`0.1` is 1/10).
    pub value: BigRational,
    /// Half a unit in the last written digit (`418.2` → 0.05, `33` → 0.5, `3e1` → 5).
    pub half_unit: Option<BigRational>,
    /// Whether it was written with a decimal point: only those are widened inside a `≈` step; an
    /// integer is widened only when it is the whole step (`≈ 33`).
    pub point: bool,
}

pub use crate::builtin::Builtin;

/// A resolved expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number (boxed: a literal is the largest of the variants, and numbers are rare among them).
    Const(Box<Literal>),
    /// A size used as a value (`k` in `… - k`).
    Size(SizeId),
    /// An index used as a value.
    Index(Ix),
    /// A variable, node or unknown node.
    Entry(EntryRef),
    /// A parameter of the user function whose body this is.
    Local(usize),
    /// `-a`
    Neg(Box<Expr>),
    /// `a + b`
    Add(Box<Expr>, Box<Expr>),
    /// `a - b`
    Sub(Box<Expr>, Box<Expr>),
    /// `a * b`
    Mul(Box<Expr>, Box<Expr>),
    /// `a / b`
    Div(Box<Expr>, Box<Expr>),
    /// `a ^ b`
    Pow(Box<Expr>, Box<Expr>),
    /// A builtin, or its `order`-th derivative (unary builtins only).
    Builtin(Builtin, u32, Vec<Expr>),
    /// An unknown function, or its `order`-th derivative.
    Unknown(FnId, u32, Vec<Expr>),
    /// A user function, or its `order`-th derivative.
    Apply(UserFnId, u32, Vec<Expr>),
    /// `sum` or `prod` over a bound index.
    Big(BigOp, BoundId, Box<Expr>),
    /// Kronecker delta of two index expressions.
    Delta(Ix, Ix),
    /// The derivative of the expression with respect to an entry (§3.3).
    Diff(Box<Expr>, EntryRef),
    /// The partial derivative of an unknown node's function with respect to one of its
    /// dependencies, the others held fixed (produced by symbolic differentiation, never parsed).
    NodePartial(EntryId, EntryRef),
    /// The element at a 1-based position of a list: an element of an array literal (§7).
    Select(Ix, Vec<Expr>),
    /// The determinant of a square matrix (§7).
    Det(Box<Square>),
    /// One element (row, column) of the inverse of a square matrix (§7).
    InvAt(Box<Square>, Ix, Ix),
}

// Every node of every resolved expression has this size: a variant that grows it (a literal,
// once 136 bytes inline) belongs in a box.
const _: () = assert!(std::mem::size_of::<Expr>() <= 72);

/// A square matrix in index form: `body` is its element at (`row`, `col`), two bound indices over
/// 1..`size`.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    /// The number of rows and columns.
    pub size: Bound,
    /// The bound index of the row.
    pub row: BoundId,
    /// The bound index of the column.
    pub col: BoundId,
    /// The element.
    pub body: Expr,
}

impl Expr {
    /// The expression with `f` applied to each direct subexpression.
    pub fn map_children(&self, f: impl Fn(&Expr) -> Expr) -> Expr {
        let b = |x: &Expr| Box::new(f(x));
        match self {
            Expr::Const(_)
            | Expr::Size(_)
            | Expr::Index(_)
            | Expr::Entry(_)
            | Expr::Local(_)
            | Expr::Delta(..)
            | Expr::NodePartial(..) => self.clone(),
            Expr::Neg(a) => Expr::Neg(b(a)),
            Expr::Add(x, y) => Expr::Add(b(x), b(y)),
            Expr::Sub(x, y) => Expr::Sub(b(x), b(y)),
            Expr::Mul(x, y) => Expr::Mul(b(x), b(y)),
            Expr::Div(x, y) => Expr::Div(b(x), b(y)),
            Expr::Pow(x, y) => Expr::Pow(b(x), b(y)),
            Expr::Builtin(g, o, args) => Expr::Builtin(*g, *o, args.iter().map(&f).collect()),
            Expr::Unknown(g, o, args) => Expr::Unknown(*g, *o, args.iter().map(&f).collect()),
            Expr::Apply(g, o, args) => Expr::Apply(*g, *o, args.iter().map(&f).collect()),
            Expr::Big(op, bound, body) => Expr::Big(*op, *bound, b(body)),
            Expr::Diff(body, t) => Expr::Diff(b(body), t.clone()),
            Expr::Select(ix, items) => Expr::Select(ix.clone(), items.iter().map(&f).collect()),
            Expr::Det(m) => Expr::Det(Box::new(Square { body: f(&m.body), ..(**m).clone() })),
            Expr::InvAt(m, r, c) => {
                Expr::InvAt(Box::new(Square { body: f(&m.body), ..(**m).clone() }), r.clone(), c.clone())
            }
        }
    }

    /// Whether it holds a derivative (`diff`), at any depth.
    pub fn contains_diff(&self) -> bool {
        let mut found = matches!(self, Expr::Diff(..));
        self.for_each_child(|c| found |= c.contains_diff());
        found
    }

    /// Calls `f` on every direct subexpression.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match self {
            Expr::Const(_)
            | Expr::Size(_)
            | Expr::Index(_)
            | Expr::Entry(_)
            | Expr::Local(_)
            | Expr::Delta(..)
            | Expr::NodePartial(..) => {}
            Expr::Neg(a) | Expr::Big(_, _, a) | Expr::Diff(a, _) => f(a),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) | Expr::Pow(a, b) => {
                f(a);
                f(b)
            }
            Expr::Builtin(_, _, args) | Expr::Unknown(_, _, args) | Expr::Apply(_, _, args) | Expr::Select(_, args) => {
                args.iter().for_each(f)
            }
            Expr::Det(m) | Expr::InvAt(m, _, _) => f(&m.body),
        }
    }
}
