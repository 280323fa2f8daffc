//! Symbolic differentiation under the perturbation semantics of `diff` (§3.3 of the language
//! spec), and inlining of nodes and user functions.
//!
//! `lower` turns a model expression into one without `diff`, defined nodes or user functions: only
//! inputs, unknown functions and their derivatives, unknown nodes and their partial derivatives
//! ([`Expr::NodePartial`]), builtins, sums and products remain. Under `diff(·, x)` every node is
//! unfolded into its definition except `x` itself, which is never unfolded: that is exactly the
//! perturbation semantics (a node downstream of `x` is recomputed, `x` is cut from its definition).
//! Everything under `diff(·, x)` is computed in that model: also the values a rule copies into the
//! derivative (the `b` of `(a b)' = a' b + a b'`), whose `diff`s hold `x` fixed, and the inner
//! derivative of `diff(diff(A, w), x)`, which keeps `x` as a node for the outer one (`Cut`).
//!
//! Where a rule would need a fact that is not known (the derivative of `a^b` with a variable base
//! and exponent, of a `prod` whose factors may be 0 outside a `log`), lowering gives up (`None`)
//! rather than guess.

use crate::model::{
    constant_value, dependency_closure, derivative_body, expansion, subst_free, subst_ix_vars, subst_locals,
    BoundIndex, Builtin, Domain, EntryId, EntryKind, EntryRef, Expr, IndexId, IndexRange, Ix, IxTerm, IxVar, Literal,
    Model,
};
use crate::syntax::ast::BigOp;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use rustc_hash::FxHashMap as HashMap;

/// The most nodes a lowered expression may have.
const MAX_NODES: usize = 50_000;
/// How many definitions deep the prover looks for a node's sign.
const KNOWN_DEPTH: u32 = 8;

/// What a derivative is taken with respect to.
#[derive(Debug, Clone, PartialEq)]
enum Wrt {
    /// An entry instance: an input, a defined node or an unknown node.
    Entry(EntryRef),
    /// A parameter of a user function (for `phi'(e)`).
    Local(usize),
}

/// A node cut from its definition by an enclosing derivative (§3.3): inside `diff(B, y)` every
/// value is computed in the model where `y` is an input of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Cut {
    /// The target of a derivative still to be taken of what is being lowered (the `y` of
    /// `diff(diff(A, x), y)` while the inner derivative is lowered): kept as an atom, since the outer
    /// derivative differentiates by it.
    Varying(EntryRef),
    /// The target of the derivative that a copied value appears in (the `b` of the product rule's
    /// `a' b`): the value is taken at the point itself, where the node equals its definition, so it
    /// is unfolded; but every derivative inside the value holds the node fixed.
    Fixed(EntryRef),
}

impl Cut {
    fn target(&self) -> &EntryRef {
        match self {
            Cut::Varying(t) | Cut::Fixed(t) => t,
        }
    }
}

/// Lowers expressions of one model. New bound indices (sums over the dependencies of unknown
/// nodes) are appended to `bounds`, which extends the model's own.
pub struct Lowerer<'m> {
    model: &'m Model,
    reads: Vec<Vec<bool>>,
    /// The model's bound indices followed by those created while lowering.
    pub bounds: Vec<BoundIndex>,
    /// Names of the rules used, for explanations.
    pub rules: std::collections::BTreeSet<&'static str>,
    /// The targets of enclosing derivatives: inside `diff(diff(A, x), y)` the inner derivative is
    /// taken in the model where `y` is cut from its definition, so `y` is held fixed there; so is
    /// every `diff` in a value that a rule of differentiation copies (`diff(y * diff(y, u), y)` is
    /// `1 * diff(y, u) + …` with `diff(y, u)` taken where `y` is cut: 0).
    cut: Vec<Cut>,
    nodes: usize,
    /// The entries each user function's body reads, through the functions it calls: computed once,
    /// so that asking whether a call depends on an entry never unfolds nested calls (which is
    /// exponential in the nesting of `let f2(x) = f1(x)*f1(x)`).
    fn_reads: Vec<Vec<EntryId>>,
    /// Defined nodes unfolded and lowered so far, by node and the nodes cut ([`Self::unfold`]).
    unfolded: HashMap<(EntryRef, Vec<Cut>), Unfolded>,
}

/// A defined node lowered: the expression, the nodes and units of work it took, the rules used.
struct Unfolded {
    lowered: Expr,
    nodes: usize,
    work: u64,
    rules: std::collections::BTreeSet<&'static str>,
}

impl<'m> Lowerer<'m> {
    /// A lowerer for a model.
    pub fn new(model: &'m Model) -> Lowerer<'m> {
        Lowerer {
            model,
            reads: dependency_closure(model),
            bounds: model.bounds.clone(),
            rules: Default::default(),
            cut: Vec::new(),
            nodes: 0,
            fn_reads: function_reads(model),
            unfolded: HashMap::default(),
        }
    }

    /// The model with the bound indices created while lowering, for evaluating lowered expressions.
    /// Its derivations are left out: lowered expressions never refer to them, and copying them
    /// for every derivation would take time quadratic in their number.
    pub fn extended_model(&self) -> Model {
        let m = self.model;
        Model {
            title: m.title.clone(),
            sizes: m.sizes.clone(),
            size_sums: m.size_sums.clone(),
            indices: m.indices.clone(),
            entries: m.entries.clone(),
            functions: m.functions.clone(),
            user_functions: m.user_functions.clone(),
            bounds: self.bounds.clone(),
            assumptions: m.assumptions.clone(),
            domain_sets: m.domain_sets.clone(),
            derivations: Vec::new(),
            declarations_failed: m.declarations_failed,
            grading: m.grading.clone(),
            warnings: Vec::new(),
            scans: m.scans.clone(),
        }
    }

    /// Counts work; false once the node limit or a budget of work (`crate::work`) is passed.
    fn tick(&mut self) -> bool {
        self.nodes += 1;
        self.nodes <= MAX_NODES && crate::work::charge(1).is_ok()
    }

    /// The expression without `diff`, defined nodes or user functions; `None` where a needed rule
    /// does not apply.
    pub fn lower(&mut self, e: &Expr) -> Option<Expr> {
        if !self.tick() {
            return None;
        }
        Some(match e {
            Expr::Const(_)
            | Expr::Size(_)
            | Expr::Index(_)
            | Expr::Delta(..)
            | Expr::NodePartial(..)
            | Expr::Local(_) => e.clone(),
            Expr::Entry(r) => match &self.model.entries[r.entry].kind {
                EntryKind::Defined(body) => {
                    // A node that an enclosing derivative still differentiates by stays a node (the
                    // outer derivative treats it); another instance of its family may or may not be
                    // it. A node held fixed only inside derivatives has its defined value here.
                    let varying = self.cut.iter().filter_map(|c| match c {
                        Cut::Varying(t) if t.entry == r.entry => Some(t),
                        _ => None,
                    });
                    let mut same_family = false;
                    for t in varying {
                        if t.args == r.args {
                            return Some(e.clone());
                        }
                        same_family = true;
                    }
                    if same_family {
                        return None;
                    }
                    // A node read outside its range has no value; unfolding it would hide that.
                    if !self.evidently_in_range(r) {
                        return None;
                    }
                    self.rules.insert("definitions unfolded");
                    self.unfold(r, body)?
                }
                EntryKind::Input(_) | EntryKind::Unknown(_) => e.clone(),
            },
            Expr::Neg(a) => neg(self.lower(a)?),
            Expr::Add(a, b) => add(self.lower(a)?, self.lower(b)?),
            Expr::Sub(a, b) => sub(self.lower(a)?, self.lower(b)?),
            // Not `mul`: a factor 0 must not hide where the other factor is undefined.
            Expr::Mul(a, b) => times(self.lower(a)?, self.lower(b)?),
            Expr::Div(a, b) => Expr::Div(Box::new(self.lower(a)?), Box::new(self.lower(b)?)),
            Expr::Pow(a, b) => Expr::Pow(Box::new(self.lower(a)?), Box::new(self.lower(b)?)),
            Expr::Builtin(b, order, args) => match expansion(*b, *order) {
                Some((body, order)) => {
                    let expanded = self.expand_body(body, order, args)?;
                    self.lower(&expanded)?
                }
                None => Expr::Builtin(*b, *order, self.lower_all(args)?),
            },
            Expr::Unknown(f, order, args) => Expr::Unknown(*f, *order, self.lower_all(args)?),
            Expr::Apply(f, order, args) => {
                let expanded = self.expand_apply(*f, *order, args)?;
                self.lower(&expanded)?
            }
            Expr::Big(op, b, body) => match self.lower(body) {
                Some(body) => Expr::Big(*op, *b, Box::new(body)),
                // A sum over a short concrete range whose terms read array literals at the bound
                // index: written out term by term, each term reads a known element.
                None => self.unroll(*op, *b, body)?,
            },
            // An element of an array literal at a known position is that element; elsewhere, and
            // for determinants and inverses, the numbers decide.
            Expr::Select(ix, items) => self.lower(selected(ix, items)?)?,
            Expr::Det(_) | Expr::InvAt(..) => return None,
            Expr::Diff(body, target) => {
                if !self.evidently_in_range(target) {
                    // A derivative with respect to an entry that may not exist.
                    return None;
                }
                let wrt = Wrt::Entry(target.clone());
                let d = self.deriv(body, &wrt)?;
                // The derivative exists only where the expression is defined, including the parts
                // the differentiation rules dropped as constant (`diff(x + log(y), x)` needs y > 0):
                // `0 * body` keeps those conditions without changing the value. The expression is
                // taken where the target is cut, as its derivative is.
                let body = self.copy(body, &wrt)?;
                // And defined on both sides of the point: a root or a fractional power of what the
                // perturbation moves has a two-sided derivative only where its base is positive
                // (at `w = 0`, `diff(w^(3/2), w) = 0` was proved and `diff(w*sqrt(w), w) = 0` was a
                // proof the numbers contradicted: an adversarial tester). `log` of the base records
                // that condition, only where the base is numbers alone (a point given in numbers:
                // the target's value is in the copy, so whether the base moves with it is not
                // asked, and a base at 0 that does not move costs a proof no sheet writes). For
                // inputs the canonical forms would compare `u > 0` with a side's `u ≥ 0` and
                // `sqrt(u) ≠ 0`, the same condition written otherwise, and lose proofs (cosine
                // similarity's norm); a base at 0 at a point no sample draws is left to the
                // conditions as they were.
                let mut interior = Vec::new();
                roots_of_numbers(&body, &mut interior);
                let d = interior.into_iter().fold(with_domain_of(d, body), with_domain_of);
                // The target's own value must exist too: `diff(y, r)` with `let r = log(x)` has no
                // value where `x <= 0`, whether or not the expression reads `r`.
                // Unfolding it for that condition is no step of the proof: its rules are not listed.
                match &self.model.entries[target.entry].kind {
                    EntryKind::Defined(_) => {
                        let rules = self.rules.clone();
                        let value = self.lower(&Expr::Entry(target.clone()));
                        self.rules = rules;
                        with_domain_of(d, value?)
                    }
                    EntryKind::Input(_) | EntryKind::Unknown(_) => d,
                }
            }
        })
    }

    /// A defined node's body at the node's index values, lowered. Lowering it again where the
    /// same nodes are cut gives the same expression with the same work: the expression is
    /// remembered with the nodes and units of work it took and the rules it used, and taken from
    /// memory only where those fit in what is left (so every limit stops where it did), charged
    /// again. An unfolding that created bound indices (a chain rule through an unknown node) is
    /// not remembered: done again, it would create new ones.
    fn unfold(&mut self, r: &EntryRef, body: &Expr) -> Option<Expr> {
        let key = (r.clone(), self.cut.clone());
        if let Some(done) = self.unfolded.get(&key) {
            if self.nodes + done.nodes <= MAX_NODES && crate::work::fits(done.work) {
                self.nodes += done.nodes;
                crate::work::charge(done.work).ok()?;
                self.rules.extend(&done.rules);
                return Some(done.lowered.clone());
            }
        }
        let (nodes, work, bounds) = (self.nodes, crate::work::used(), self.bounds.len());
        let outer_rules = std::mem::take(&mut self.rules);
        let lowered = self.lower(&subst_free(body, &self.slot_map(r)));
        let rules = std::mem::replace(&mut self.rules, outer_rules);
        self.rules.extend(&rules);
        if let Some(lowered) = &lowered {
            if self.bounds.len() == bounds {
                let done = Unfolded {
                    lowered: lowered.clone(),
                    nodes: self.nodes - nodes,
                    work: crate::work::used() - work,
                    rules,
                };
                self.unfolded.insert(key, done);
            }
        }
        lowered
    }

    fn lower_all(&mut self, args: &[Expr]) -> Option<Vec<Expr>> {
        args.iter().map(|a| self.lower(a)).collect()
    }

    /// Whether every index value of a reference lies in its slot's range for all sizes: the same
    /// declared range, or a number inside it.
    fn evidently_in_range(&self, r: &EntryRef) -> bool {
        self.model.entries[r.entry].range_slots().zip(&r.args).all(|(slot, ix)| {
            let terms: Option<Vec<(i64, IxTerm)>> = ix
                .terms
                .iter()
                .map(|&(c, v)| {
                    Some((
                        c,
                        match v {
                            IxVar::Free(i) => IxTerm::Range(self.model.indices[i].range),
                            IxVar::Bound(b) => IxTerm::Range(self.bounds.get(b)?.range),
                            IxVar::Size(s) => IxTerm::Size(s),
                        },
                    ))
                })
                .collect();
            terms.is_some_and(|t| self.model.indices[slot].range.surely_holds(ix.constant, &t, &self.model.size_sums))
        })
    }

    /// The substitution of a definition's subscripts by a reference's index values.
    fn slot_map(&self, r: &EntryRef) -> Vec<(IndexId, Ix)> {
        self.model.entries[r.entry].range_slots().zip(r.args.iter().cloned()).collect()
    }

    /// A user function applied to arguments: its body with the arguments for its parameters,
    /// differentiated `order` times first.
    fn expand_apply(&mut self, f: usize, order: u32, args: &[Expr]) -> Option<Expr> {
        let model = self.model;
        self.expand_body(&model.user_functions[f].body, order, args)
    }

    /// A function with body `original` (a user function, or a builtin defined by a formula), or
    /// its `order`-th derivative, applied to `args`.
    fn expand_body(&mut self, original: &Expr, order: u32, args: &[Expr]) -> Option<Expr> {
        if original.contains_diff() {
            // `diff` of a parameter inside a function body reads the parameter as a value in the
            // numeric check; the prover does not reason about it.
            return None;
        }
        let mut body = original.clone();
        for _ in 0..order {
            body = self.deriv(&body, &Wrt::Local(0))?;
        }
        let expanded = subst_locals(&body, args);
        // Inlining copies every argument once per use of its parameter: count the copies, so that
        // nested functions (`let f2(x) = f1(x)*f1(x)`) reach the node limit instead of memory.
        self.nodes = self.nodes.saturating_add(node_count(&expanded));
        if self.nodes > MAX_NODES {
            return None;
        }
        // As for `diff`: `phi'(e)` exists only where `phi(e)` does.
        Some(if order > 0 { with_domain_of(expanded, subst_locals(original, args)) } else { expanded })
    }

    /// `sum` or `prod` over a concrete range of at most [`MAX_UNROLLED`] values, written out.
    fn unroll(&mut self, op: BigOp, b: crate::model::BoundId, body: &Expr) -> Option<Expr> {
        let mut acc: Option<Expr> = None;
        for term in self.unrolled_terms(b, body)? {
            let term = self.lower(&term)?;
            acc = Some(match acc {
                None => term,
                Some(a) if op == BigOp::Sum => add(a, term),
                Some(a) => times(a, term),
            });
        }
        Some(acc.unwrap_or_else(|| if op == BigOp::Sum { zero() } else { one() }))
    }

    /// The terms of a `sum` or `prod` over a concrete range of at most [`MAX_UNROLLED`] values.
    fn unrolled_terms(&mut self, b: crate::model::BoundId, body: &Expr) -> Option<Vec<Expr>> {
        let range = self.bounds.get(b)?.range;
        let (None, None) = (range.lo.size, range.hi.size) else { return None };
        let (lo, hi) = (range.lo.offset, range.hi.offset);
        if hi - lo + 1 > MAX_UNROLLED {
            return None;
        }
        self.rules.insert("sum over a concrete range written out");
        Some(
            (lo..=hi)
                .map(|v| subst_ix_vars(body, &[(IxVar::Bound(b), Ix { constant: v, terms: Vec::new() })]))
                .collect(),
        )
    }

    /// Whether `e` can change when `wrt` is perturbed.
    fn depends(&self, e: &Expr, wrt: &Wrt) -> bool {
        let mut found = false;
        let mut stack = vec![e];
        while let Some(x) = stack.pop() {
            found |= match (x, wrt) {
                (Expr::Local(i), Wrt::Local(j)) => i == j,
                (Expr::Entry(r) | Expr::Diff(_, r), Wrt::Entry(t)) => {
                    r.entry == t.entry || self.reads[r.entry][t.entry]
                }
                (Expr::NodePartial(n, r), Wrt::Entry(t)) => {
                    *n == t.entry || self.reads[*n][t.entry] || r.entry == t.entry || self.reads[r.entry][t.entry]
                }
                (Expr::Apply(f, _, _), Wrt::Entry(t)) => {
                    self.fn_reads[*f].iter().any(|&e| e == t.entry || self.reads[e][t.entry])
                }
                _ => false,
            };
            if found {
                return true;
            }
            x.for_each_child(|c| stack.push(c));
        }
        false
    }

    /// The value of a subexpression that a rule of differentiation by `wrt` copies into the
    /// derivative (the `b` of `(a b)' = a' b + a b'`), lowered: it is taken in the model where `wrt`
    /// is cut from its definition (§3.3), which changes the `diff`s in it and the nodes defined
    /// through one (`diff(y, u)` is 0 there for `let y = f(u)`), not the nodes themselves.
    fn copy(&mut self, e: &Expr, wrt: &Wrt) -> Option<Expr> {
        match wrt {
            Wrt::Entry(t) => {
                self.cut.push(Cut::Fixed(t.clone()));
                let value = self.lower(e);
                self.cut.pop();
                value
            }
            // A parameter of a user function is no node: nothing is cut.
            Wrt::Local(_) => self.lower(e),
        }
    }

    /// `factor * copy(e)`, without lowering `e` when the factor is 0 (which `mul` drops anyway).
    fn times_copy(&mut self, factor: Expr, e: &Expr, wrt: &Wrt) -> Option<Expr> {
        if is_const(&factor, 0) {
            return Some(factor);
        }
        // A value 0 (at a point given in numbers) does not drop a factor that may be undefined
        // there: `step'(w) * w` at `w = 0` is undefined, as `step(w) * w` has no derivative there.
        Some(times_kept(factor, self.copy(e, wrt)?))
    }

    /// The derivative of `e` with respect to `wrt`, lowered: every value a rule copies into it is
    /// lowered by [`Self::copy`], where `wrt` is cut.
    fn deriv(&mut self, e: &Expr, wrt: &Wrt) -> Option<Expr> {
        if !self.tick() {
            return None;
        }
        if !self.depends(e, wrt) {
            return Some(zero());
        }
        Some(match e {
            Expr::Const(_) | Expr::Size(_) | Expr::Index(_) | Expr::Delta(..) => zero(),
            Expr::Local(i) => match wrt {
                Wrt::Local(j) if i == j => one(),
                _ => zero(),
            },
            Expr::Entry(r) => {
                let Wrt::Entry(t) = wrt else { return Some(zero()) };
                if r.entry == t.entry {
                    self.rules.insert("the variable differentiated by: 1 (its definition is cut)");
                    // The target itself (never unfolded): 1 where the indices agree.
                    return Some(deltas(&r.args, &t.args));
                }
                // A node cut by an enclosing derivative is held fixed; another instance of its
                // family is it where their indices agree: `1 - delta` keeps the rest.
                let mut elsewhere = one();
                for c in &self.cut {
                    let c = c.target();
                    if c.entry != r.entry {
                        continue;
                    }
                    if c.args == r.args {
                        return Some(zero());
                    }
                    elsewhere = mul(elsewhere, sub(one(), deltas(&r.args, &c.args)));
                }
                let through = match &self.model.entries[r.entry].kind {
                    EntryKind::Input(_) => zero(),
                    EntryKind::Defined(_) if !self.evidently_in_range(r) => return None,
                    EntryKind::Defined(body) => {
                        let body = subst_free(body, &self.slot_map(r));
                        self.deriv(&body, wrt)?
                    }
                    EntryKind::Unknown(_) => self.deriv_unknown_node(r.entry, wrt)?,
                };
                mul(elsewhere, through)
            }
            Expr::NodePartial(..) | Expr::Det(_) | Expr::InvAt(..) => return None,
            Expr::Select(ix, items) => self.deriv(selected(ix, items)?, wrt)?,
            Expr::Neg(a) => neg(self.deriv(a, wrt)?),
            Expr::Add(a, b) => add(self.deriv(a, wrt)?, self.deriv(b, wrt)?),
            Expr::Sub(a, b) => sub(self.deriv(a, wrt)?, self.deriv(b, wrt)?),
            Expr::Mul(a, b) => {
                self.rules.insert("product rule");
                let (da, db) = (self.deriv(a, wrt)?, self.deriv(b, wrt)?);
                add(self.times_copy(da, b, wrt)?, self.times_copy(db, a, wrt)?)
            }
            Expr::Div(a, b) => {
                self.rules.insert("quotient rule");
                // (a/b)' = a'/b - a b'/b², written so that it is defined exactly where a/b is.
                let (da, db) = (self.deriv(a, wrt)?, self.deriv(b, wrt)?);
                let b = self.copy(b, wrt)?;
                let first = div(da, b.clone());
                let second = div(self.times_copy(db, a, wrt)?, Expr::Pow(Box::new(b), Box::new(int(2))));
                sub(first, second)
            }
            Expr::Pow(a, b) => {
                if self.depends(b, wrt) || constant_value(b).is_none() && self.known_positive(a, KNOWN_DEPTH) {
                    // a^b with a varying exponent needs log(a), defined only for a > 0: for a
                    // base known positive, (a^b)' = a^b (b' log a + b a'/a); otherwise the
                    // numbers decide.
                    if !self.known_positive(a, KNOWN_DEPTH) {
                        return None;
                    }
                    self.rules.insert("power rule with a varying exponent (positive base)");
                    let (da, db) = (self.deriv(a, wrt)?, self.deriv(b, wrt)?);
                    let power = self.copy(e, wrt)?;
                    let a = self.copy(a, wrt)?;
                    let b = self.copy(b, wrt)?;
                    let through_exponent = mul(db, Expr::Builtin(Builtin::Log, 0, vec![a.clone()]));
                    let through_base = div(mul(b, da), a);
                    return Some(mul(power, add(through_exponent, through_base)));
                }
                self.rules.insert("power rule");
                match constant_value(b) {
                    // a^0 = 1 (also at a = 0): its derivative is 0, without the a^-1 of the rule.
                    Some(c) if c.is_zero() => return Some(zero()),
                    Some(_) => {}
                    // An exponent of sizes or indices may be 0 for some of them, where the rule's
                    // a^(b-1) is undefined at a = 0 although the derivative exists.
                    None => return None,
                }
                let da = self.deriv(a, wrt)?;
                let (a, b) = (self.copy(a, wrt)?, self.copy(b, wrt)?);
                let exponent = sub(b.clone(), one());
                // A base that moves but not at this point keeps `a^(b-1)`'s conditions
                // (`(y*w^2)^(1/3)` at `w = 0` has no derivative).
                times_kept(mul(b, Expr::Pow(Box::new(a), Box::new(exponent))), da)
            }
            Expr::Builtin(b, order, args) => match (b, args.as_slice()) {
                _ if expansion(*b, *order).is_some() => {
                    let (body, order) = expansion(*b, *order)?;
                    let expanded = self.expand_body(body, order, args)?;
                    self.deriv(&expanded, wrt)?
                }
                // A constant (`pi`).
                (_, []) => zero(),
                (Builtin::Max | Builtin::Min, [x, y]) if *order == 0 => {
                    // Away from the kink x = y, max follows the larger argument and min the smaller:
                    // max' = step(x - y) x' + (1 - step(x - y)) y'.
                    self.rules.insert("derivative of max/min (away from the kink)");
                    let (dx, dy) = (self.deriv(x, wrt)?, self.deriv(y, wrt)?);
                    let (first, second) = if *b == Builtin::Max { (dx, dy) } else { (dy, dx) };
                    // relu'(x - y) is step(x - y) away from the kink, and undefined where x = y.
                    let difference = self.copy(&sub(x.clone(), y.clone()), wrt)?;
                    let s = Expr::Builtin(Builtin::Relu, 1, vec![difference]);
                    add(mul(s.clone(), first), mul(sub(one(), s), second))
                }
                (Builtin::Max | Builtin::Min, _) => return None,
                (Builtin::Log, [a]) if *order == 0 => match self.deriv(a, wrt) {
                    Some(da) => {
                        self.rules.insert("chain rule");
                        if is_const(&da, 0) {
                            return Some(da);
                        }
                        mul(Expr::Builtin(Builtin::Log, 1, vec![self.copy(a, wrt)?]), da)
                    }
                    None => {
                        // Where the chain rule has no derivative of the argument (a `prod` of
                        // factors not known to be non-zero), the logarithmic derivative
                        // takes the argument apart. It is defined on a larger set than
                        // `log(a)`, so it keeps the domain of `log(a)`.
                        let d = self.log_derivative(a, wrt)?;
                        self.rules.insert("logarithmic derivative");
                        with_domain_of(d, self.copy(e, wrt)?)
                    }
                },
                (_, [a]) => {
                    self.rules.insert("chain rule");
                    let da = self.deriv(a, wrt)?;
                    let a = self.copy(a, wrt)?;
                    // `times_kept`, not `mul`: where the argument moves but not at this point
                    // (`sign(w^2)` at `w = 0`), `f'(a) * 0` is 0 only where `f'(a)` is defined
                    // (`sign` jumps there and has no derivative; `relu(w^2)` has 0).
                    match derivative_body(*b) {
                        // A derivative given by a formula (`erf`, `atan`): the formula at the
                        // copied argument. The formula reads nothing of the model, so lowering it
                        // over its parameter and putting the lowered argument in is lowering it
                        // at the argument.
                        Some(body) => {
                            self.rules.insert("derivative of a builtin by its formula");
                            let local = subst_locals(&self.lower(body)?, &[a]);
                            times_kept(local, da)
                        }
                        None => times_kept(Expr::Builtin(*b, order + 1, vec![a]), da),
                    }
                }
                _ => return None,
            },
            Expr::Unknown(f, order, args) => match args.as_slice() {
                [a] => {
                    self.rules.insert("chain rule");
                    let da = self.deriv(a, wrt)?;
                    if is_const(&da, 0) {
                        return Some(da);
                    }
                    mul(Expr::Unknown(*f, order + 1, vec![self.copy(a, wrt)?]), da)
                }
                // Partial derivatives of unknown functions of several arguments have no notation.
                _ => return None,
            },
            Expr::Apply(f, order, args) => {
                let expanded = self.expand_apply(*f, *order, args)?;
                self.deriv(&expanded, wrt)?
            }
            Expr::Big(BigOp::Sum, b, body) => {
                self.rules.insert("derivative of a sum");
                match self.deriv(body, wrt) {
                    Some(d) => Expr::Big(BigOp::Sum, *b, Box::new(d)),
                    // As in `lower`: terms that read array literals at the bound index are
                    // differentiated one by one.
                    None => {
                        let mut total = zero();
                        for term in self.unrolled_terms(*b, body)? {
                            total = add(total, self.deriv(&term, wrt)?);
                        }
                        total
                    }
                }
            }
            Expr::Big(BigOp::Prod, b, body) => {
                // (Π_b f)' = Π_b f · Σ_b f'/f, where every factor is non-zero: only for factors
                // known to be non-zero for all values (the general rule, a sum of products
                // leaving one factor out each, has no closed form here).
                if !self.known_nonzero(body, KNOWN_DEPTH) {
                    return None;
                }
                self.rules.insert("derivative of a product of non-zero factors");
                let ratio = div(self.deriv(body, wrt)?, self.copy(body, wrt)?);
                mul(self.copy(e, wrt)?, Expr::Big(BigOp::Sum, *b, Box::new(ratio)))
            }
            Expr::Diff(..) => {
                // The inner derivative is taken where the outer target is cut (§3.3), and lowered
                // there, with the outer target kept as a node for the outer derivative.
                let outer = match wrt {
                    Wrt::Entry(t) => Some(Cut::Varying(t.clone())),
                    Wrt::Local(_) => None,
                };
                let pushed = outer.is_some();
                self.cut.extend(outer);
                let inner = self.lower(e);
                if pushed {
                    self.cut.pop();
                }
                self.deriv(&inner?, wrt)?
            }
        })
    }

    /// The logarithmic derivative `Λ(e) = e'/e`, taken apart along the structure of `e`:
    /// `Λ(a b) = Λ(a) + Λ(b)`, `Λ(a / b) = Λ(a) - Λ(b)`, `Λ(-a) = Λ(a)`, `Λ(a^c) = c Λ(a)` for a
    /// number `c ≠ 0` (`Λ(a^0) = Λ(1) = 0`), `Λ(exp(a)) = a'`, `Λ(Π_b f) = Σ_b Λ(f)`, 0 for what
    /// does not depend on the variable, and `e'/e` otherwise; nodes other than the variable (and
    /// the nodes cut by enclosing derivatives) are unfolded, as `deriv` does.
    ///
    /// Each step holds wherever `e` is not zero, since then no factor, divisor or base in it is
    /// zero either (`d log|a b| = d log|a| + d log|b|`); the result is used only where `e > 0`
    /// (under `log`), and every division it writes is by such a factor.
    fn log_derivative(&mut self, e: &Expr, wrt: &Wrt) -> Option<Expr> {
        if !self.tick() {
            return None;
        }
        if !self.depends(e, wrt) {
            return Some(zero());
        }
        Some(match e {
            Expr::Mul(a, b) => add(self.log_derivative(a, wrt)?, self.log_derivative(b, wrt)?),
            Expr::Div(a, b) => sub(self.log_derivative(a, wrt)?, self.log_derivative(b, wrt)?),
            Expr::Neg(a) => self.log_derivative(a, wrt)?,
            Expr::Pow(a, c) if constant_value(c).is_some() => {
                if constant_value(c).is_some_and(|c| c.is_zero()) {
                    return Some(zero());
                }
                let d = self.log_derivative(a, wrt)?;
                self.times_copy(d, c, wrt)?
            }
            Expr::Builtin(Builtin::Exp, _, args) if args.len() == 1 => self.deriv(&args[0], wrt)?,
            Expr::Big(BigOp::Prod, b, body) => Expr::Big(BigOp::Sum, *b, Box::new(self.log_derivative(body, wrt)?)),
            Expr::Entry(r) if self.unfoldable(r, wrt) => {
                let EntryKind::Defined(body) = &self.model.entries[r.entry].kind else { return None };
                let body = subst_free(body, &self.slot_map(r));
                self.log_derivative(&body, wrt)?
            }
            _ => {
                let d = self.deriv(e, wrt)?;
                if is_const(&d, 0) {
                    return Some(d);
                }
                div(d, self.copy(e, wrt)?)
            }
        })
    }

    /// Whether a reference is a defined node that a derivative by `wrt` unfolds: not the
    /// variable, not cut by an enclosing derivative, and evidently inside its range.
    fn unfoldable(&self, r: &EntryRef, wrt: &Wrt) -> bool {
        matches!(self.model.entries[r.entry].kind, EntryKind::Defined(_))
            && !matches!(wrt, Wrt::Entry(t) if t.entry == r.entry)
            && !self.cut.iter().any(|c| c.target().entry == r.entry)
            && self.evidently_in_range(r)
    }

    /// Whether `e` is positive for all admissible values, from its form alone: positive numbers,
    /// sizes, inputs declared `> 0`, `exp`, `sigmoid`, `sigmoid'`, `softplus` and its first two
    /// derivatives, sums, products and quotients of positives, a positive base to any power, a
    /// non-zero base to an even power, products over positive factors, and defined nodes (other
    /// than those cut by an enclosing derivative) whose definitions are positive, up to `depth`
    /// definitions deep.
    fn known_positive(&self, e: &Expr, depth: u32) -> bool {
        match e {
            Expr::Const(l) => l.value.is_positive(),
            Expr::Size(_) => true,
            Expr::Entry(r) => match &self.model.entries[r.entry].kind {
                EntryKind::Input(d) => self.model.positive_domain(*d),
                EntryKind::Defined(body) => depth > 0 && !self.varies(r) && self.known_positive(body, depth - 1),
                EntryKind::Unknown(_) => false,
            },
            // `exp`, `sigmoid`, `sigmoid'`, `softplus` and its first two derivatives (the table's facts).
            Expr::Builtin(b, order, _) => b.positive(*order),
            Expr::Add(a, b) | Expr::Mul(a, b) | Expr::Div(a, b)
                if self.known_positive(a, depth) && self.known_positive(b, depth) =>
            {
                true
            }
            Expr::Add(..) | Expr::Sub(..) | Expr::Neg(_) | Expr::Mul(..) => {
                matches!(self.lower_bound(e, depth), Some((b, reached)) if b.is_positive() || (b.is_zero() && !reached))
            }
            Expr::Div(..) => false,
            Expr::Pow(a, c) => {
                self.known_positive(a, depth)
                    || (constant_value(c).is_some_and(|c| c.is_integer() && c.to_integer().is_even())
                        && self.known_nonzero(a, depth))
            }
            Expr::Big(BigOp::Prod, _, body) => self.known_positive(body, depth),
            _ => false,
        }
    }

    /// The greatest lower bound of an affine expression of numbers and inputs with domains
    /// bounded below, and whether it may be reached: `1 - p` for `p in (0, 1)` is above 0, never
    /// 0. Interval arithmetic: a sum's bound is the sum of the bounds (reached only if both
    /// are), a number times a term scales the term's lower or upper bound.
    fn lower_bound(&self, e: &Expr, depth: u32) -> Option<(BigRational, bool)> {
        self.bound_of(e, false, depth)
    }

    /// The least upper bound (`upper`) or the greatest lower bound of `e`, as in
    /// [`Self::lower_bound`], through at most `depth` definitions.
    fn bound_of(&self, e: &Expr, upper: bool, depth: u32) -> Option<(BigRational, bool)> {
        match e {
            Expr::Const(l) => Some((l.value.clone(), true)),
            Expr::Entry(r) => match &self.model.entries[r.entry].kind {
                // (`let p = sigmoid(x)`, then `1 - p`: `derive` refused the focal loss by the logit.)
                EntryKind::Defined(body) if depth > 0 && !self.varies(r) => self.bound_of(body, upper, depth - 1),
                EntryKind::Input(Domain::Positive) if !upper => Some((BigRational::zero(), false)),
                EntryKind::Input(Domain::NonNegative) if !upper => Some((BigRational::zero(), true)),
                EntryKind::Input(_) => {
                    let set = self.model.domain_set(r.entry)?;
                    let ((lo, lo_in), (hi, hi_in)) = set.bounds();
                    Some(if upper { (hi.clone(), hi_in) } else { (lo.clone(), lo_in) })
                }
                _ => None,
            },
            Expr::Neg(a) => self.bound_of(a, !upper, depth).map(|(b, r)| (-b, r)),
            Expr::Add(a, b) => {
                let ((x, rx), (y, ry)) = (self.bound_of(a, upper, depth)?, self.bound_of(b, upper, depth)?);
                Some((x + y, rx && ry))
            }
            Expr::Sub(a, b) => {
                let ((x, rx), (y, ry)) = (self.bound_of(a, upper, depth)?, self.bound_of(b, !upper, depth)?);
                Some((x - y, rx && ry))
            }
            Expr::Mul(a, b) => {
                let (c, t) = match (constant_value(a), constant_value(b)) {
                    (Some(c), _) => (c, b),
                    (None, Some(c)) => (c, a),
                    _ => return None,
                };
                if c.is_zero() {
                    return Some((c, true));
                }
                let (x, r) = self.bound_of(t, if c.is_positive() { upper } else { !upper }, depth)?;
                Some((c * x, r))
            }
            // The open ranges of the squashing functions and the bound below of `exp`: `1 -
            // sigmoid(x)` is above 0, never 0 (the focal loss's `(1 - p)^gam` by the logit was only
            // `checked`, its base not known positive; a student and an instructor).
            Expr::Builtin(b, 0, _) => match (b, upper) {
                (Builtin::Sigmoid, false) | (Builtin::Exp | Builtin::Softplus, false) => {
                    Some((BigRational::zero(), false))
                }
                (Builtin::Sigmoid | Builtin::Tanh, true) => Some((BigRational::one(), false)),
                (Builtin::Tanh, false) => Some((-BigRational::one(), false)),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether `e` is non-zero for all admissible values, from its form alone: what
    /// [`Self::known_positive`] knows, non-zero numbers, inputs declared `!= 0`, and negations,
    /// products, quotients, integer powers and `prod`s of non-zero factors.
    fn known_nonzero(&self, e: &Expr, depth: u32) -> bool {
        if self.known_positive(e, depth) {
            return true;
        }
        match e {
            Expr::Const(l) => !l.value.is_zero(),
            Expr::Entry(r) => match &self.model.entries[r.entry].kind {
                EntryKind::Input(d) => self.model.nonzero_domain(*d),
                EntryKind::Defined(body) => depth > 0 && !self.varies(r) && self.known_nonzero(body, depth - 1),
                EntryKind::Unknown(_) => false,
            },
            Expr::Neg(a) => self.known_nonzero(a, depth),
            Expr::Mul(a, b) | Expr::Div(a, b) => self.known_nonzero(a, depth) && self.known_nonzero(b, depth),
            Expr::Pow(a, c) => constant_value(c).is_some_and(|c| c.is_integer()) && self.known_nonzero(a, depth),
            Expr::Big(BigOp::Prod, _, body) => self.known_nonzero(body, depth),
            _ => false,
        }
    }

    /// Whether a node is kept as a node because an enclosing derivative differentiates by its
    /// family: its sign is then not that of its definition. (A node held fixed only inside
    /// derivatives has the value of its definition: it is unfolded.)
    fn varies(&self, r: &EntryRef) -> bool {
        self.cut.iter().any(|c| matches!(c, Cut::Varying(t) if t.entry == r.entry))
    }

    /// The derivative of an unknown node: the chain rule through every dependency,
    /// `Σ_d ∂E/∂d · ∂d/∂wrt`, with a sum over each dependency family.
    fn deriv_unknown_node(&mut self, node: EntryId, wrt: &Wrt) -> Option<Expr> {
        let EntryKind::Unknown(deps) = &self.model.entries[node].kind else { return Some(zero()) };
        self.rules.insert("chain rule through an unknown node");
        let mut total = zero();
        for dep in deps.clone() {
            let entry = &self.model.entries[dep.entry];
            let probe = Expr::Entry(EntryRef { entry: dep.entry, args: vec![Ix::default(); dep.args.len()] });
            if !self.depends(&probe, wrt) {
                continue;
            }
            // One fresh bound index per range slot that the dependency covers whole.
            let mut binders = Vec::new();
            let mut args = Vec::new();
            for (slot, fixed) in entry.range_slots().zip(&dep.args) {
                match fixed {
                    Some(v) => args.push(Ix { constant: *v, terms: Vec::new() }),
                    None => {
                        let range: IndexRange = self.model.indices[slot].range;
                        let id = self.bounds.len();
                        self.bounds.push(BoundIndex { name: format!("{}'", self.model.indices[slot].name), range });
                        binders.push(id);
                        args.push(Ix { constant: 0, terms: vec![(1, IxVar::Bound(id))] });
                    }
                }
            }
            let dep_ref = EntryRef { entry: dep.entry, args };
            let inner = self.deriv(&Expr::Entry(dep_ref.clone()), wrt)?;
            let mut term = mul(Expr::NodePartial(node, dep_ref), inner);
            for b in binders.into_iter().rev() {
                term = Expr::Big(BigOp::Sum, b, Box::new(term));
            }
            total = add(total, term);
        }
        Some(total)
    }
}

/// For every user function, the entries its body reads, directly or through the functions it
/// calls (functions are not recursive; a cycle, already reported by the resolver, is cut).
fn function_reads(model: &Model) -> Vec<Vec<EntryId>> {
    fn visit(f: usize, model: &Model, memo: &mut Vec<Option<Vec<EntryId>>>, visiting: &mut [bool]) -> Vec<EntryId> {
        if let Some(done) = &memo[f] {
            return done.clone();
        }
        if std::mem::replace(&mut visiting[f], true) {
            return Vec::new();
        }
        let body = &model.user_functions[f].body;
        let mut out = Vec::new();
        crate::model::entries_read(body, &mut out);
        let mut called = Vec::new();
        crate::model::collect_fns(body, &mut called);
        for g in called {
            out.extend(visit(g, model, memo, visiting));
        }
        out.sort_unstable();
        out.dedup();
        memo[f] = Some(out.clone());
        out
    }
    let n = model.user_functions.len();
    let mut memo = vec![None; n];
    let mut visiting = vec![false; n];
    (0..n).map(|f| visit(f, model, &mut memo, &mut visiting)).collect()
}

/// The number of nodes of an expression.
pub(super) fn node_count(e: &Expr) -> usize {
    let mut n = 1;
    e.for_each_child(|c| n += node_count(c));
    n
}

/// `1` where every index of `a` equals the one of `b` in its place, else `0`.
fn deltas(a: &[Ix], b: &[Ix]) -> Expr {
    a.iter().zip(b).fold(one(), |acc, (a, b)| mul(acc, Expr::Delta(a.clone(), b.clone())))
}

/// `log(u)` for every root `sqrt(u)` and power `u^c` with a constant exponent that is no integer
/// in the lowered `e` whose base `u` is numbers alone: where each is defined, `u > 0`, the power is
/// defined around the point.
fn roots_of_numbers(e: &Expr, out: &mut Vec<Expr>) {
    let base = match e {
        Expr::Builtin(Builtin::Sqrt, 0, args) => args.first(),
        Expr::Pow(a, c) if constant_value(c).is_some_and(|c| !c.is_integer()) => Some(&**a),
        _ => None,
    };
    if let Some(u) = base.filter(|u| is_closed(u)) {
        out.push(Expr::Builtin(Builtin::Log, 0, vec![u.clone()]));
    }
    e.for_each_child(|c| roots_of_numbers(c, out));
}

/// Whether `e` is numbers alone: no input, node, size or index.
fn is_closed(e: &Expr) -> bool {
    let mut closed = matches!(
        e,
        Expr::Const(_)
            | Expr::Neg(_)
            | Expr::Add(..)
            | Expr::Sub(..)
            | Expr::Mul(..)
            | Expr::Div(..)
            | Expr::Pow(..)
            | Expr::Builtin(..)
    );
    e.for_each_child(|c| closed &= is_closed(c));
    closed
}

/// `value + 0 * guard`: the value, defined only where `guard` is.
fn with_domain_of(value: Expr, guard: Expr) -> Expr {
    Expr::Add(Box::new(value), Box::new(Expr::Mul(Box::new(zero()), Box::new(guard))))
}

fn int(v: i64) -> Expr {
    Expr::Const(Box::new(Literal { value: BigRational::from_integer(BigInt::from(v)), half_unit: None, point: false }))
}

fn zero() -> Expr {
    int(0)
}

fn one() -> Expr {
    int(1)
}

fn is_const(e: &Expr, v: i64) -> bool {
    matches!(e, Expr::Const(l) if l.value == BigRational::from_integer(BigInt::from(v)))
}

// Constructors that drop additions of 0 and multiplications by 0 and 1, so derivatives stay small.
// Dropping `0 * a` is sound only because `a` is defined wherever the expression it came from is:
// every factor built here is a derivative or a subterm of a defined expression.

fn neg(a: Expr) -> Expr {
    if is_const(&a, 0) {
        a
    } else {
        Expr::Neg(Box::new(a))
    }
}

fn add(a: Expr, b: Expr) -> Expr {
    match (is_const(&a, 0), is_const(&b, 0)) {
        (true, _) => b,
        (_, true) => a,
        _ => Expr::Add(Box::new(a), Box::new(b)),
    }
}

fn sub(a: Expr, b: Expr) -> Expr {
    match (is_const(&a, 0), is_const(&b, 0)) {
        (_, true) => a,
        (true, _) => neg(b),
        _ => Expr::Sub(Box::new(a), Box::new(b)),
    }
}

fn mul(a: Expr, b: Expr) -> Expr {
    if is_const(&a, 0) || is_const(&b, 0) {
        zero()
    } else if is_const(&a, 1) {
        b
    } else if is_const(&b, 1) {
        a
    } else {
        Expr::Mul(Box::new(a), Box::new(b))
    }
}

/// `a * b` of a rule of differentiation, where `b` may be 0 at a point given in numbers: `a` is
/// kept where it may be undefined at a point where the expression is defined — a derivative of a
/// jump (`step'`, `sign'`, `relu''`), a root or a fractional power — so that `step'(w) * w` and
/// `sign'(w^2) * 2w` at `w = 0` are not 0 (`step(w) * w` and `sign(w^2)` have no derivative
/// there; an adversarial tester). A kink of a continuous function is dropped as before:
/// `relu'(w) * w` is 0 at 0, as `relu(w) * w` has derivative 0 there (it moves by at most `|w|`
/// times its factor).
fn times_kept(a: Expr, b: Expr) -> Expr {
    fn may_jump(e: &Expr) -> bool {
        let here = match e {
            Expr::Builtin(Builtin::Step | Builtin::Sign, 1.., _)
            | Expr::Builtin(Builtin::Relu | Builtin::Abs, 2.., _) => true,
            Expr::Builtin(Builtin::Sqrt, ..) => true,
            Expr::Pow(_, c) => constant_value(c).is_none_or(|c| !c.is_integer()),
            _ => false,
        };
        let mut inside = false;
        e.for_each_child(|c| inside |= may_jump(c));
        here || inside
    }
    if may_jump(&a) {
        times(a, b)
    } else {
        mul(a, b)
    }
}

/// `a * b`, dropping only a factor 1 (a literal 1 is defined everywhere).
fn times(a: Expr, b: Expr) -> Expr {
    if is_const(&a, 1) {
        b
    } else if is_const(&b, 1) {
        a
    } else {
        Expr::Mul(Box::new(a), Box::new(b))
    }
}

fn div(a: Expr, b: Expr) -> Expr {
    if is_const(&b, 1) {
        a
    } else {
        Expr::Div(Box::new(a), Box::new(b))
    }
}

/// The longest concrete range a sum is written out over.
const MAX_UNROLLED: i64 = 16;

/// The element of a list at a position that is a number, if it is one and inside the list.
fn selected<'e>(ix: &Ix, items: &'e [Expr]) -> Option<&'e Expr> {
    if !ix.terms.is_empty() {
        return None;
    }
    items.get(usize::try_from(ix.constant).ok()?.checked_sub(1)?)
}
