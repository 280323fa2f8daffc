//! Syntax tree → model: binds every name, numbers indices and entries, checks arities, ranges and
//! cycles. Reports every problem it finds and keeps going.

use std::collections::HashMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};

use std::rc::Rc;

use super::ir::*;
use super::shape::{self, ix_var, Arr, ElemFn, Val, MAX_BOUNDS, ONE};
use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast::{self, BigOp, Definition, ExprKind, IndexAtom, Item, UnknownItem};

/// The longest concrete range a `sum` may run over, and the largest integer in a range.
pub const MAX_RANGE_LEN: i64 = 100_000;
/// The most elements of a declared array of concrete shape (`var W: 1000x1000`).
pub const MAX_ARRAY_ELEMENTS: i64 = 1_000_000;
/// At most this many array operands per file become hidden nodes (past it they stay inline: slower
/// to evaluate, same values).
pub const MAX_HOISTED: usize = 1000;
/// Decimal exponents of literals beyond this are refused (`1e999999`).
pub const MAX_LITERAL_EXPONENT: i64 = 400;

/// Resolves a parsed file into a model. Derivations that have errors are left out of the model; the
/// declarations are kept as far as they resolved.
pub fn resolve(file: &ast::File) -> (Model, Vec<Diagnostic>) {
    if let Some(d) = super::limits::too_many_declarations(file) {
        return (Model { declarations_failed: true, ..Model::default() }, vec![d]);
    }
    let mut r = Resolver::default();
    r.declare(file);
    r.define(file);
    r.check_cycles();
    r.model.declarations_failed = r.diagnostics.len() > r.derivation_errors;
    if !r.model.declarations_failed {
        let (too_large, in_derivations) = super::limits::check_inlined_sizes(&mut r.model);
        r.diagnostics.extend(too_large);
        r.derivation_errors += in_derivations;
    }
    (r.model, r.diagnostics)
}

/// What a global name denotes.
#[derive(Debug, Clone)]
enum Global {
    Size(SizeId),
    Index(IndexId),
    Family(Vec<EntryId>),
    Unknown(FnId),
    UserFn(UserFnId),
}

#[derive(Default)]
struct Resolver {
    model: Model,
    diagnostics: Vec<Diagnostic>,
    globals: HashMap<String, (Global, Span)>,
    /// Bodies still to resolve, by entry (taken out when resolved: an array-valued definition is
    /// resolved on first use, so that its shape is known where it is used).
    pending_defs: Vec<(EntryId, Option<ast::Expr>)>,
    /// How many hidden nodes `hoist` has made.
    hoisted: usize,
    /// Whether the "expression too large" error was given (once per file).
    too_large_reported: bool,
    /// Hidden indices for the element positions of each shape, shared by all derivations (so that
    /// expressions of one shape from different derivations can be compared).
    element_indices: Vec<(Shape, Vec<IndexId>)>,
    /// User function bodies still to resolve.
    pending_fns: Vec<(UserFnId, ast::Expr)>,
    /// Unknown node dependency lists still to resolve.
    pending_deps: Vec<(EntryId, Vec<ast::VarRef>)>,
    /// Names whose declaration failed: their uses are not reported again.
    poisoned: std::collections::HashSet<String>,
    /// How many of the diagnostics belong to derivations (the others to declarations).
    derivation_errors: usize,
}

/// The names an expression can see besides the globals.
#[derive(Default, Clone)]
struct Scope {
    bound: Vec<(String, BoundId)>,
    locals: Vec<String>,
}

impl Resolver {
    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    // ------------------------------------------------------------------ pass 1: declarations

    fn declare(&mut self, file: &ast::File) {
        for item in &file.items {
            match item {
                Item::Title(text, _) => self.model.title = Some(text.clone()),
                Item::Index(decls) => {
                    for decl in decls {
                        self.declare_index(decl);
                    }
                }
                Item::Var(items) => {
                    for item in items {
                        let domain = item.domain.as_ref().map_or(Some(Domain::Real), |d| self.domain(d));
                        let Some(domain) = domain else { continue };
                        match &item.shape {
                            None => {
                                self.declare_entry(&item.target, EntryKind::Input(domain));
                            }
                            Some(decl) => self.declare_shaped(&item.target, decl, domain),
                        }
                    }
                }
                Item::Unknown(items) => {
                    for item in items {
                        match item {
                            UnknownItem::Function { name, params } => {
                                if self.claim(name) {
                                    let id = self.model.functions.len();
                                    self.model
                                        .functions
                                        .push(UnknownFunction { name: name.name.clone(), arity: params.len() });
                                    self.globals.insert(name.name.clone(), (Global::Unknown(id), name.span));
                                }
                            }
                            UnknownItem::Node { name, deps } => {
                                let target =
                                    ast::VarRef { name: name.clone(), subscripts: Vec::new(), span: name.span };
                                if let Some(id) = self.declare_entry(&target, EntryKind::Unknown(Vec::new())) {
                                    self.pending_deps.push((id, deps.clone()));
                                }
                            }
                        }
                    }
                }
                Item::Let(defs) => {
                    for def in defs {
                        match def {
                            Definition::Node { target, body } => {
                                let placeholder = EntryKind::Defined(Expr::Const(int_literal(0)));
                                if let Some(id) = self.declare_entry(target, placeholder) {
                                    self.pending_defs.push((id, Some(body.clone())));
                                }
                            }
                            Definition::Function { name, params, body } => {
                                if self.claim(name) {
                                    let id = self.model.user_functions.len();
                                    self.model.user_functions.push(UserFunction {
                                        name: name.name.clone(),
                                        params: params.iter().map(|p| p.name.clone()).collect(),
                                        body: Expr::Const(int_literal(0)),
                                        span: name.span,
                                    });
                                    self.globals.insert(name.name.clone(), (Global::UserFn(id), name.span));
                                    self.pending_fns.push((id, body.clone()));
                                }
                            }
                        }
                    }
                }
                Item::Grading(g) => self.grading(g),
                Item::Assume(_) | Item::Tolerance(_) | Item::Derivation(_) => {}
            }
        }
    }

    /// `grading final 40%, steps 60%`: each share in 0..1, one of them may be left out (it is the
    /// rest), and together they make 1.
    fn grading(&mut self, g: &ast::Grading) {
        const HINT: &str = "write `grading final 40%, steps 60%` (the shares add up to 100%)";
        if self.model.grading.is_some() {
            return self.error(Diagnostic::error(g.span, "`grading` is set twice").with_hint(HINT));
        }
        let one = BigRational::from_integer(1.into());
        let (mut final_answer, mut steps) = (None, None);
        for (name, value, percent) in &g.shares {
            let hundred = BigRational::from_integer(100.into());
            let share = parse_decimal(value).map(|l| if *percent { l.value / hundred } else { l.value });
            let Some(share) = share.filter(|s| !s.is_negative() && *s <= one) else {
                return self.error(
                    Diagnostic::error(name.span, "a share is a number from 0 to 1, or a percentage").with_hint(HINT),
                );
            };
            let slot = match name.name.as_str() {
                "final" => &mut final_answer,
                "steps" => &mut steps,
                other => {
                    return self.error(
                        Diagnostic::error(name.span, format!("unknown share `{other}`"))
                            .with_hint("the shares are `final` (the final answer) and `steps`"),
                    )
                }
            };
            if slot.replace(share).is_some() {
                return self
                    .error(Diagnostic::error(name.span, format!("`{}` is given twice", name.name)).with_hint(HINT));
            }
        }
        let (final_answer, steps) = match (final_answer, steps) {
            (Some(f), Some(s)) => (f, s),
            (Some(f), None) => (f.clone(), &one - f),
            (None, Some(s)) => (&one - &s, s),
            (None, None) => return,
        };
        if &final_answer + &steps != one {
            return self
                .error(Diagnostic::error(g.span, "the shares of `grading` do not add up to 100%").with_hint(HINT));
        }
        self.model.grading = Some(GradingShares { final_answer, steps });
    }

    /// Reserves a global name, reporting a clash. Returns whether the name is free.
    fn claim(&mut self, name: &ast::Ident) -> bool {
        if let Some(reason) = reserved(&name.name) {
            self.error(
                Diagnostic::error(name.span, format!("`{}` is {reason}", name.name)).with_hint("choose another name"),
            );
            return false;
        }
        if let Some((_, first)) = self.globals.get(&name.name) {
            let first = *first;
            self.error(
                Diagnostic::error(name.span, format!("`{}` is declared twice", name.name))
                    .with_label(first, "first declared here"),
            );
            return false;
        }
        true
    }

    fn declare_index(&mut self, decl: &ast::IndexDecl) {
        let lo = self.declare_bound(&decl.range.lo);
        let hi = self.declare_bound(&decl.range.hi);
        let (Some(lo), Some(hi)) = (lo, hi) else {
            self.poisoned.insert(decl.name.name.clone());
            return;
        };
        if !self.claim(&decl.name) {
            return;
        }
        let id = self.model.indices.len();
        self.model.indices.push(RangeIndex {
            name: decl.name.name.clone(),
            range: IndexRange { lo, hi },
            hidden: false,
        });
        self.globals.insert(decl.name.name.clone(), (Global::Index(id), decl.name.span));
    }

    /// A range bound of an `index` declaration; a new name there is a new size.
    fn declare_bound(&mut self, expr: &ast::IndexExpr) -> Option<Bound> {
        for (_, atom) in &expr.terms {
            if let IndexAtom::Name(name) = atom {
                if !self.globals.contains_key(&name.name) && self.claim(name) {
                    let id = self.model.sizes.len();
                    self.model.sizes.push(name.name.clone());
                    self.globals.insert(name.name.clone(), (Global::Size(id), name.span));
                }
            }
        }
        self.bound(expr)
    }

    /// A range bound: at most one size, plus an integer.
    fn bound(&mut self, expr: &ast::IndexExpr) -> Option<Bound> {
        let mut size = None;
        let mut offset: i64 = 0;
        for (sign, atom) in &expr.terms {
            match atom {
                IndexAtom::Int(text, span) => {
                    let value = self.integer(text, *span)?;
                    offset = offset.checked_add(sign * value)?;
                }
                IndexAtom::Name(name) => match self.globals.get(&name.name) {
                    Some((Global::Size(id), _)) if *sign == 1 && size.is_none() => size = Some(*id),
                    Some((Global::Size(_), _)) => {
                        self.error(
                            Diagnostic::error(expr.span, "a range bound is a size plus or minus an integer")
                                .with_hint("write bounds such as `1..D`, `0..n-1` or `2..5`"),
                        );
                        return None;
                    }
                    _ => {
                        self.error(
                            Diagnostic::error(name.span, format!("`{}` is not a size", name.name))
                                .with_hint("a range bound is an integer, a size symbol such as `D`, or a size plus or minus an integer"),
                        );
                        return None;
                    }
                },
            }
        }
        if offset.abs() > MAX_RANGE_LEN {
            self.error(Diagnostic::error(expr.span, "range bound is too large").with_hint(format!(
                "concrete bounds may be at most {MAX_RANGE_LEN}; use a size symbol such as `n` for a general size"
            )));
            return None;
        }
        Some(Bound { size, offset })
    }

    fn integer(&mut self, text: &str, span: Span) -> Option<i64> {
        match text.parse::<i64>() {
            Ok(v) if v <= MAX_RANGE_LEN => Some(v),
            _ => {
                self.error(
                    Diagnostic::error(span, "integer is too large here")
                        .with_hint(format!("indices may be at most {MAX_RANGE_LEN}")),
                );
                None
            }
        }
    }

    fn domain(&mut self, d: &ast::DomainDecl) -> Option<Domain> {
        let zero = d.bound.trim_start_matches(['-', '−']).parse::<f64>().is_ok_and(|v| v == 0.0);
        let domain = match d.op.as_str() {
            ">" => Domain::Positive,
            ">=" | "≥" => Domain::NonNegative,
            _ => Domain::NonZero,
        };
        if zero {
            Some(domain)
        } else {
            self.error(
                Diagnostic::error(d.span, format!("unsupported domain `{} {}`", d.op, d.bound))
                    .with_hint("a domain is `> 0`, `>= 0` or `!= 0`; rescale the variable for other bounds"),
            );
            None
        }
    }

    /// Declares one entry of a family; returns its id.
    fn declare_entry(&mut self, target: &ast::VarRef, kind: EntryKind) -> Option<EntryId> {
        let name = &target.name;
        if let Some(reason) = reserved(&name.name) {
            self.error(
                Diagnostic::error(name.span, format!("`{}` is {reason}", name.name)).with_hint("choose another name"),
            );
            return None;
        }
        let poisoned_index = target.subscripts.iter().any(|sub| {
            sub.terms.iter().any(|(_, a)| matches!(a, IndexAtom::Name(n) if self.poisoned.contains(&n.name)))
        });
        if poisoned_index {
            self.poisoned.insert(name.name.clone());
            return None;
        }
        let mut slots = Vec::new();
        for sub in &target.subscripts {
            slots.push(self.declared_slot(sub)?);
        }
        for (i, slot) in slots.iter().enumerate() {
            if let Slot::Range(ix) = slot {
                if slots[..i].contains(slot) {
                    let ixname = self.model.indices[*ix].name.clone();
                    self.error(
                        Diagnostic::error(target.span, format!("index `{ixname}` appears twice in a declaration"))
                            .with_hint("each subscript of a declared family must be a different index"),
                    );
                    return None;
                }
            }
        }
        let existing = match self.globals.get(&name.name) {
            None => Vec::new(),
            Some((Global::Family(ids), _)) => ids.clone(),
            Some((_, first)) => {
                let first = *first;
                self.error(
                    Diagnostic::error(name.span, format!("`{}` is declared twice", name.name))
                        .with_label(first, "first declared here"),
                );
                return None;
            }
        };
        for &other in &existing {
            let e = &self.model.entries[other];
            if e.slots.len() != slots.len() {
                let span = e.span;
                self.error(
                    Diagnostic::error(
                        target.span,
                        format!(
                            "`{}` is declared with {} subscripts here and {} before",
                            name.name,
                            slots.len(),
                            e.slots.len()
                        ),
                    )
                    .with_label(span, "declared here before"),
                );
                return None;
            }
            if same_pattern(&e.slots, &slots) {
                let span = e.span;
                self.error(
                    Diagnostic::error(
                        target.span,
                        format!("`{}` is declared twice", render_ref(&self.model, &name.name, &slots)),
                    )
                    .with_label(span, "first declared here"),
                );
                return None;
            }
        }
        let id = self.model.entries.len();
        self.model.entries.push(Entry { name: name.name.clone(), slots, kind, span: target.span });
        let mut ids = existing;
        ids.push(id);
        self.globals.insert(name.name.clone(), (Global::Family(ids), name.span));
        Some(id)
    }

    /// `var W: m x n`: a family over two hidden range indices; new names among the dimensions
    /// are sizes.
    fn declare_shaped(&mut self, target: &ast::VarRef, decl: &ast::ShapeDecl, domain: Domain) {
        if !target.subscripts.is_empty() {
            self.error(Diagnostic::error(decl.span, "a declaration has either subscripts or a shape").with_hint(
                format!("write `var {}: m x n` and use `{}[j,k]` for its elements", target.name.name, target.name.name),
            ));
            return;
        }
        let mut dims = Vec::new();
        for atom in &decl.dims {
            let expr = ast::IndexExpr { terms: vec![(1, atom.clone())], span: decl.span };
            let Some(dim) = self.declare_bound(&expr) else {
                self.poisoned.insert(target.name.name.clone());
                return;
            };
            if dim.size.is_none() && dim.offset < 1 {
                self.error(
                    Diagnostic::error(decl.span, "a dimension must be at least 1")
                        .with_hint("write a shape such as `3`, `2x3` or `m x n`"),
                );
                self.poisoned.insert(target.name.name.clone());
                return;
            }
            dims.push(dim);
        }
        let elements = dims.iter().filter(|d| d.size.is_none()).try_fold(1i64, |acc, d| acc.checked_mul(d.offset));
        if elements.is_none_or(|n| n > MAX_ARRAY_ELEMENTS) {
            self.error(
                Diagnostic::error(decl.span, "array is too large")
                    .with_hint(format!("a declared array may have at most {MAX_ARRAY_ELEMENTS} elements; use size symbols such as `m x n` for a general shape")),
            );
            self.poisoned.insert(target.name.name.clone());
            return;
        }
        let shape = Shape(dims);
        let slots = self.hidden_indices(&shape);
        if let Some(id) = self.declare_entry(target, EntryKind::Input(domain)) {
            self.model.entries[id].slots = slots.into_iter().map(Slot::Range).collect();
        }
    }

    /// New hidden range indices over the dimensions of a shape.
    fn hidden_indices(&mut self, shape: &Shape) -> Vec<IndexId> {
        let names: &[&str] = if shape.0.len() == 1 { &["element"] } else { &["row", "col"] };
        shape
            .0
            .iter()
            .zip(names)
            .map(|(dim, name)| {
                let id = self.model.indices.len();
                self.model.indices.push(RangeIndex {
                    name: name.to_string(),
                    range: IndexRange { lo: ONE, hi: *dim },
                    hidden: true,
                });
                id
            })
            .collect()
    }

    /// The shape of an entry used as a whole array: a family whose one to two subscripts are all
    /// range indices starting at 1 (`var W: m x n`, or `var y[k]` with `index k in 1..n`).
    fn array_shape(&mut self, id: EntryId) -> Option<Shape> {
        self.resolve_pending(id);
        let e = &self.model.entries[id];
        if e.slots.is_empty() || e.slots.len() > 2 {
            return None;
        }
        let mut dims = Vec::new();
        for slot in &e.slots {
            let Slot::Range(ix) = slot else { return None };
            let range = self.model.indices[*ix].range;
            if range.lo != ONE {
                return None;
            }
            dims.push(range.hi);
        }
        Some(Shape(dims))
    }

    /// A subscript of a declaration: a range index, or a label plus or minus an integer.
    fn declared_slot(&mut self, sub: &ast::IndexExpr) -> Option<Slot> {
        if let [(1, IndexAtom::Name(name))] = sub.terms.as_slice() {
            if let Some((Global::Index(id), _)) = self.globals.get(&name.name) {
                return Some(Slot::Range(*id));
            }
        }
        match self.label(sub) {
            Some(slot) => Some(slot),
            None => {
                self.error(
                    Diagnostic::error(sub.span, "a declared subscript is a range index or a label")
                        .with_hint("write a declared index such as `c`, or a label such as `t`, `t-1`, `t+1`"),
                );
                None
            }
        }
    }

    /// `t`, `t-1`, `t+2`: one non-index name with a plus sign, plus integers.
    fn label(&self, sub: &ast::IndexExpr) -> Option<Slot> {
        let mut label = None;
        let mut offset: i64 = 0;
        for (sign, atom) in &sub.terms {
            match atom {
                IndexAtom::Int(text, _) => offset = offset.checked_add(sign * text.parse::<i64>().ok()?)?,
                IndexAtom::Name(name) => {
                    let is_index_like =
                        matches!(self.globals.get(&name.name), Some((Global::Index(_) | Global::Size(_), _)));
                    if label.is_some() || *sign != 1 || is_index_like {
                        return None;
                    }
                    label = Some(name.name.clone());
                }
            }
        }
        label.map(|l| Slot::Label(l, offset))
    }

    // ------------------------------------------------------------------ pass 2: bodies

    fn define(&mut self, file: &ast::File) {
        for (id, body) in std::mem::take(&mut self.pending_fns) {
            let params = self.model.user_functions[id].params.clone();
            let scope = Scope { bound: Vec::new(), locals: params };
            if let Some(expr) = self.expr(&body, &scope) {
                if let Some(span) = first_free_index(&expr).map(|_| body.span) {
                    let name = self.model.user_functions[id].name.clone();
                    self.error(
                        Diagnostic::error(span, format!("the body of `{name}` uses a free index"))
                            .with_hint("a function body may use its parameters and unindexed variables; pass indexed values as arguments"),
                    );
                } else {
                    self.model.user_functions[id].body = expr;
                }
            }
        }
        for id in 0..self.model.entries.len() {
            self.resolve_pending(id);
        }
        for (id, deps) in std::mem::take(&mut self.pending_deps) {
            let resolved: Vec<Dependency> = deps.iter().filter_map(|d| self.dependency(d)).collect();
            self.model.entries[id].kind = EntryKind::Unknown(resolved);
        }
        let mut tolerance = ToleranceRule::Rounding;
        for item in &file.items {
            match item {
                Item::Assume(a) => self.assume(a),
                Item::Tolerance(t) => {
                    if let Some(rule) = self.tolerance(t) {
                        tolerance = rule;
                    }
                }
                Item::Derivation(d) => self.derivation(d, tolerance),
                _ => {}
            }
        }
    }

    /// Resolves the body of a definition if it is still pending. An array-valued body makes the
    /// node a family over hidden indices, one per dimension.
    fn resolve_pending(&mut self, id: EntryId) {
        let Some(at) = self.pending_defs.iter().position(|(e, b)| *e == id && b.is_some()) else { return };
        let Some(body) = self.pending_defs[at].1.take() else { return };
        let Some(val) = self.val(&body, &Scope::default()) else { return };
        let expr = match val {
            Val::Scalar(expr) => expr,
            Val::Array(arr) => {
                let entry = self.model.entries[id].name.clone();
                if !self.model.entries[id].slots.is_empty() {
                    self.error(
                        Diagnostic::error(
                            body.span,
                            format!(
                                "the definition of an element of `{entry}` is {}",
                                arr.shape.describe(&self.model.sizes)
                            ),
                        )
                        .with_hint(format!(
                            "define the whole array with `let {entry} = …`, or write one element in index notation"
                        )),
                    );
                    return;
                }
                let slots = self.hidden_indices(&arr.shape);
                let pos: Vec<Ix> = slots.iter().map(|&i| ix_var(IxVar::Free(i))).collect();
                self.model.entries[id].slots = slots.into_iter().map(Slot::Range).collect();
                (arr.elem)(&mut self.model.bounds, &pos)
            }
        };
        if self.check_size(body.span) {
            return;
        }
        let slots: Vec<IndexId> = self.model.entries[id].range_slots().collect();
        let mut free = Vec::new();
        free_indices(&expr, &mut free);
        if let Some(&extra) = free.iter().find(|i| !slots.contains(i)) {
            let ixname = self.model.indices[extra].name.clone();
            let entry = self.model.entries[id].name.clone();
            self.error(
                Diagnostic::error(
                    body.span,
                    format!("index `{ixname}` is free in the definition of `{entry}` but is not one of its subscripts"),
                )
                .with_hint(format!("sum over it with `sum({ixname}, …)`, or add it to the subscripts of `{entry}`")),
            );
        } else {
            self.model.entries[id].kind = EntryKind::Defined(expr);
        }
    }

    fn dependency(&mut self, r: &ast::VarRef) -> Option<Dependency> {
        // A whole array (`depends on W` for `var W: m x n`).
        if let Some((Global::Family(ids), _)) = self.globals.get(&r.name.name) {
            if let [id] = ids[..] {
                if r.subscripts.is_empty() && self.array_shape(id).is_some() {
                    let n = self.model.entries[id].slots.len();
                    return Some(Dependency { entry: id, args: vec![None; n] });
                }
            }
        }
        let (entry, _) = self.find_entry(r, &Scope::default(), true)?;
        // A range index written in the list means the whole family; an integer one value.
        let mut args = Vec::new();
        let e = &self.model.entries[entry];
        for (slot, sub) in e.slots.clone().iter().zip(&r.subscripts) {
            if let Slot::Range(_) = slot {
                match sub.terms.as_slice() {
                    [(1, IndexAtom::Name(_))] => args.push(None),
                    [(1, IndexAtom::Int(text, span))] => args.push(Some(self.integer(text, *span)?)),
                    _ => {
                        self.error(
                            Diagnostic::error(sub.span, "a dependency is a whole family or one entry")
                                .with_hint("write `s[c,t]` for every `c`, or `s[1,t]` for one entry"),
                        );
                        return None;
                    }
                }
            }
        }
        Some(Dependency { entry, args })
    }

    fn assume(&mut self, a: &ast::Assume) {
        let bad =
            |r: &mut Resolver, why: &str| {
                r.error(Diagnostic::error(a.span, format!("unsupported assumption: {why}")).with_hint(
                    "the supported form is `assume sum(k, y[k]) = 1` for a family `y` declared `>= 0` or `> 0`",
                ))
            };
        let (Some(lhs), Some(rhs)) = (self.expr(&a.lhs, &Scope::default()), self.expr(&a.rhs, &Scope::default()))
        else {
            return;
        };
        let Expr::Big(BigOp::Sum, bound, body) = &lhs else {
            return bad(self, "the left side must be a sum");
        };
        let Expr::Entry(r) = body.as_ref() else {
            return bad(self, "the sum must be over one family");
        };
        let entry = &self.model.entries[r.entry];
        let slots: Vec<IndexId> = entry.range_slots().collect();
        let summed_over_slot = r.args.len() == 1
            && r.args[0] == Ix { constant: 0, terms: vec![(1, IxVar::Bound(*bound))] }
            && slots.len() == 1
            && self.model.indices[slots[0]].range == self.model.bounds[*bound].range;
        if !summed_over_slot {
            return bad(self, "the sum must run over the family's whole range");
        }
        if !matches!(entry.kind, EntryKind::Input(Domain::Positive | Domain::NonNegative)) {
            return bad(self, "the family must be an input declared `>= 0` or `> 0`");
        }
        let Some(total) = constant_value(&rhs).filter(|v| v.is_positive()) else {
            return bad(self, "the right side must be a positive number");
        };
        if self.model.assumptions.iter().any(|x| x.entry == r.entry) {
            return bad(self, "this family is already constrained");
        }
        self.model.assumptions.push(Assumption { entry: r.entry, total });
    }

    fn tolerance(&mut self, t: &ast::Tolerance) -> Option<ToleranceRule> {
        let value = t.value.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
        match value {
            Some(v) if t.percent => Some(ToleranceRule::Relative(v / 100.0)),
            Some(v) if !t.percent => Some(ToleranceRule::Absolute(v)),
            _ => {
                self.error(
                    Diagnostic::error(t.span, "tolerance must be a positive number").with_hint(
                        "write `tolerance 1%` for a relative or `tolerance 0.001` for an absolute tolerance",
                    ),
                );
                None
            }
        }
    }

    fn derivation(&mut self, d: &ast::Derivation, tolerance: ToleranceRule) {
        let before = self.diagnostics.len();
        let head = self.val(&d.head, &Scope::default()).map(|v| self.elements(v));
        let steps: Vec<Option<Step>> = d
            .steps
            .iter()
            .map(|s| {
                self.val(&s.expr, &Scope::default()).map(|v| {
                    let (expr, shape) = self.elements(v);
                    Step { relation: s.relation, expr, note: s.note.clone(), span: s.span, shape }
                })
            })
            .collect();
        let worth = d.worth.as_ref().and_then(|w| parse_decimal(w)).map(|l| l.value);
        self.check_size(d.span);
        self.derivation_errors += self.diagnostics.len() - before;
        if self.diagnostics.len() > before || d.broken {
            return;
        }
        let (Some((head, shape)), Some(steps)) = (head, steps.into_iter().collect::<Option<Vec<_>>>()) else {
            return;
        };
        self.model.derivations.push(Derivation {
            name: d.name.clone(),
            worth,
            head,
            steps,
            span: d.span,
            tolerance,
            shape,
        });
    }

    /// A derivation's expression as a scalar: an array's element at the position given by hidden
    /// free indices, the same ones for every expression of one shape.
    fn elements(&mut self, v: Val) -> (Expr, Shape) {
        match v {
            Val::Scalar(e) => (e, Shape::scalar()),
            Val::Array(arr) => {
                let known = self.element_indices.iter().find(|(s, _)| *s == arr.shape).map(|(_, ix)| ix.clone());
                let indices = match known {
                    Some(ix) => ix,
                    None => {
                        let ix = self.hidden_indices(&arr.shape);
                        self.element_indices.push((arr.shape.clone(), ix.clone()));
                        ix
                    }
                };
                // A dimension 1 (a row vector's rows) has one position, not a free index.
                let pos: Vec<Ix> = indices
                    .iter()
                    .zip(&arr.shape.0)
                    .map(|(&i, d)| if *d == ONE { shape::ix_const(1) } else { ix_var(IxVar::Free(i)) })
                    .collect();
                ((arr.elem)(&mut self.model.bounds, &pos), arr.shape)
            }
        }
    }

    // ------------------------------------------------------------------ expressions

    /// A scalar expression: an array here is an error.
    fn expr(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Expr> {
        match self.val(e, scope)? {
            Val::Scalar(x) => Some(x),
            Val::Array(a) => {
                self.error(
                    Diagnostic::error(
                        e.span,
                        format!("expected a scalar here, found {}", a.shape.describe(&self.model.sizes)),
                    )
                    .with_hint("take an element (`x[i]`), or reduce the array with `sum`, `dot` or `norm`"),
                );
                None
            }
        }
    }

    /// An expression, scalar or array (§7); an error if writing its arrays out in index notation
    /// made too many bound indices.
    fn val(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Val> {
        let v = self.val_inner(e, scope)?;
        if self.check_size(e.span) {
            return None;
        }
        Some(v)
    }

    /// Reports (once) that writing out arrays made too many bound indices; true if it did.
    fn check_size(&mut self, span: Span) -> bool {
        if self.model.bounds.len() < MAX_BOUNDS {
            return false;
        }
        if !self.too_large_reported {
            self.too_large_reported = true;
            self.error(Diagnostic::error(span, "expression too large once its arrays are written out").with_hint(
                format!("a file may create at most {MAX_BOUNDS} bound indices; name intermediate arrays with `let`"),
            ));
        }
        true
    }

    fn val_inner(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Val> {
        Some(match &e.kind {
            ExprKind::Number(text) => match parse_decimal(text) {
                Some(lit) => Val::Scalar(Expr::Const(lit)),
                None => {
                    self.error(
                        Diagnostic::error(e.span, "number is too large")
                            .with_hint(format!("decimal exponents may be at most {MAX_LITERAL_EXPONENT}")),
                    );
                    return None;
                }
            },
            ExprKind::Name(name) => self.name(name, scope)?,
            ExprKind::Indexed(name, subs) => {
                let r = ast::VarRef { name: name.clone(), subscripts: subs.clone(), span: e.span };
                if scope.bound.iter().any(|(n, _)| *n == name.name) {
                    self.error(
                        Diagnostic::error(e.span, format!("`{}` is an index; it cannot be subscripted", name.name))
                            .with_hint("subscripts belong to variables and nodes"),
                    );
                    return None;
                }
                let (_, entry_ref) = self.find_entry(&r, scope, false)?;
                Val::Scalar(Expr::Entry(entry_ref))
            }
            ExprKind::Call { func, primes, args } => self.call(func, *primes, args, scope, e.span)?,
            ExprKind::Neg(a) => {
                let a = self.val(a, scope)?;
                let neg = |x: Vec<Expr>| {
                    let [x] = shape::operands(x);
                    Expr::Neg(Box::new(x))
                };
                self.elementwise(vec![a], Rc::new(neg), "`-`", e.span)?
            }
            ExprKind::Transpose(a) => {
                let a = self.val(a, scope)?;
                shape::transpose(a, &mut self.model.bounds)
            }
            ExprKind::Array(items) => {
                let vals: Vec<Option<Val>> = items.iter().map(|x| self.val(x, scope)).collect();
                let vals = vals.into_iter().collect::<Option<Vec<Val>>>()?;
                match shape::literal(vals, &self.model.sizes, &mut self.model.bounds) {
                    Ok(v) => v,
                    Err(err) => return self.shape_error(e.span, err),
                }
            }
            ExprKind::Binary(ast::BinOp::Pow, a, b, op_span) if self.is_transpose_mark(b, scope) => {
                // `x^T` is a power where `T` is a declared name (a variable, node, index or
                // function), as documented; where `T` is a size (`index t in 1..T`), it is the
                // transpose of an array and a power of a scalar; where `T` is not declared, the
                // transpose (of a scalar, the scalar itself).
                let base = self.val(a, scope)?;
                let power = match self.globals.get("T") {
                    Some((Global::Size(_), _)) => base.shape().is_scalar(),
                    Some(_) => true,
                    None => self.poisoned.contains("T"),
                };
                if !power {
                    return Some(shape::transpose(base, &mut self.model.bounds));
                }
                if base.shape().0.len() == 2 {
                    let message =
                        format!("`^T` of {} is a power, as `T` is declared", base.shape().describe(&self.model.sizes));
                    let hint = "write `Aᵀ` for the transpose, or rename `T`";
                    return self.shape_error(*op_span, shape::ShapeError { message, hint: hint.to_string() });
                }
                let t = self.val(b, scope)?;
                self.binary(ast::BinOp::Pow, base, t, *op_span)?
            }
            ExprKind::Binary(op, a, b, op_span) => {
                let (a, b) = (self.val(a, scope), self.val(b, scope));
                let (a, b) = (a?, b?);
                self.binary(*op, a, b, *op_span)?
            }
            ExprKind::Big { op, binder, range, body } => {
                let range = match range {
                    Some(r) => {
                        let lo = self.bound(&r.lo);
                        let hi = self.bound(&r.hi);
                        IndexRange { lo: lo?, hi: hi? }
                    }
                    None => match self.globals.get(&binder.name) {
                        Some((Global::Index(id), _)) => self.model.indices[*id].range,
                        _ if self.poisoned.contains(&binder.name) => return None,
                        _ => {
                            let word = if *op == BigOp::Sum { "sum" } else { "prod" };
                            self.error(
                                Diagnostic::error(binder.span, format!("`{}` has no range", binder.name)).with_hint(
                                    format!(
                                        "declare `index {0} in 1..n`, or write `{word}({0} in 1..n, …)`",
                                        binder.name
                                    ),
                                ),
                            );
                            return None;
                        }
                    },
                };
                let id = self.model.bounds.len();
                self.model.bounds.push(BoundIndex { name: binder.name.clone(), range });
                let mut inner = scope.clone();
                inner.bound.push((binder.name.clone(), id));
                let op = *op;
                match self.val(body, &inner)? {
                    Val::Scalar(x) => Val::Scalar(Expr::Big(op, id, Box::new(x))),
                    Val::Array(arr) => {
                        let f = arr.elem.clone();
                        let elem: ElemFn = Rc::new(move |b, pos| Expr::Big(op, id, Box::new(f(b, pos))));
                        Val::Array(Arr { shape: arr.shape, elem })
                    }
                }
            }
            ExprKind::Diff { body, wrt } => {
                let mut val = self.val(body, scope)?;
                for target in wrt {
                    val = self.diff(val, target, scope)?;
                }
                val
            }
        })
    }

    /// `x^T`, where `T` is not a function parameter or a bound index.
    fn is_transpose_mark(&self, e: &ast::Expr, scope: &Scope) -> bool {
        let ExprKind::Name(n) = &e.kind else { return false };
        n.name == "T" && !scope.locals.iter().any(|l| l == "T") && !scope.bound.iter().any(|(b, _)| b == "T")
    }

    fn shape_error<T>(&mut self, span: Span, err: shape::ShapeError) -> Option<T> {
        self.error(Diagnostic::error(span, err.message).with_hint(err.hint));
        None
    }

    /// An elementwise operation; a shape mismatch is reported at `span` (the operator).
    fn elementwise(
        &mut self,
        args: Vec<Val>,
        op: Rc<dyn Fn(Vec<Expr>) -> Expr>,
        what: &str,
        span: Span,
    ) -> Option<Val> {
        match shape::map(args, op, &mut self.model.bounds) {
            Ok(v) => Some(v),
            Err((a, b)) => {
                let sizes = &self.model.sizes;
                let message = format!("shape mismatch: {what} of {} and {}", a.describe(sizes), b.describe(sizes));
                let hint = format!(
                    "{what} works element by element on arrays of one shape ({} and {} here), or with a scalar",
                    a.text(sizes),
                    b.text(sizes)
                );
                self.error(Diagnostic::error(span, message).with_hint(hint));
                None
            }
        }
    }

    fn binary(&mut self, op: ast::BinOp, a: Val, b: Val, span: Span) -> Option<Val> {
        let bin = shape::binary;
        match op {
            ast::BinOp::Add => self.elementwise(vec![a, b], bin(Expr::Add), "`+`", span),
            ast::BinOp::Sub => self.elementwise(vec![a, b], bin(Expr::Sub), "`-`", span),
            ast::BinOp::Hadamard => self.elementwise(vec![a, b], bin(Expr::Mul), "`⊙`", span),
            ast::BinOp::Div => self.elementwise(vec![a, b], bin(Expr::Div), "`/`", span),
            ast::BinOp::Mul => {
                let both = !a.shape().is_scalar() && !b.shape().is_scalar();
                let (a, b) = if both { (self.hoist(a, span), self.hoist(b, span)) } else { (a, b) };
                match shape::matmul(a, b, &self.model.sizes, &mut self.model.bounds) {
                    Ok(v) => Some(v),
                    Err(err) => self.shape_error(span, err),
                }
            }
            ast::BinOp::Pow => {
                let sizes = &self.model.sizes;
                let (sa, sb) = (a.shape(), b.shape());
                if !sb.is_scalar() {
                    let message = format!("the exponent is {}", sb.describe(sizes));
                    return self
                        .shape_error(span, shape::ShapeError { message, hint: "an exponent is a scalar".to_string() });
                }
                if sa.0.len() == 2 {
                    let message = format!("`^` of {} is ambiguous", sa.describe(sizes));
                    let hint = "write `A*A` for the matrix product, `A ⊙ A` for the elementwise square, or `A^T` for the transpose";
                    return self.shape_error(span, shape::ShapeError { message, hint: hint.to_string() });
                }
                self.elementwise(vec![a, b], bin(Expr::Pow), "`^`", span)
            }
        }
    }

    /// An array operand whose elements are read many times (a factor of a product, the argument
    /// of `softmax`) becomes a hidden defined node, so that each element is computed once per
    /// sample instead of once per use. The node is never a derivative's target, so by §3.3 it
    /// behaves exactly as the expression it stands for; an expression that depends on an index or
    /// parameter from outside (inside a `sum` or a function body) stays inline.
    fn hoist(&mut self, v: Val, span: Span) -> Val {
        let Val::Array(arr) = &v else { return v };
        if self.hoisted >= MAX_HOISTED {
            return v;
        }
        let mark = self.model.bounds.len();
        let slots = self.hidden_indices(&arr.shape);
        let pos: Vec<Ix> = slots.iter().map(|&i| ix_var(IxVar::Free(i))).collect();
        let body = (arr.elem)(&mut self.model.bounds, &pos);
        if matches!(body, Expr::Entry(_) | Expr::Select(..) | Expr::Const(_)) || !self_contained(&body, &slots, mark) {
            return v;
        }
        self.hoisted += 1;
        let id = self.model.entries.len();
        self.model.entries.push(Entry {
            name: format!("_{id}"),
            slots: slots.into_iter().map(Slot::Range).collect(),
            kind: EntryKind::Defined(body),
            span,
        });
        let elem: ElemFn = Rc::new(move |_, pos| Expr::Entry(EntryRef { entry: id, args: pos.to_vec() }));
        Val::Array(Arr { shape: arr.shape.clone(), elem })
    }

    /// `diff(val, target)`: the derivative of a scalar by an array has the array's shape
    /// (denominator layout); of a vector by a vector, the Jacobian `J[i,j] = ∂y[i]/∂x[j]`; of an
    /// array by a scalar, the array's shape.
    fn diff(&mut self, val: Val, target: &ast::VarRef, scope: &Scope) -> Option<Val> {
        let (entry, r, target_shape) = self.diff_target(target, scope)?;
        let Some(tshape) = target_shape else {
            let f = move |x: Vec<Expr>| {
                let [x] = shape::operands(x);
                Expr::Diff(Box::new(x), r.clone())
            };
            return self.elementwise(vec![val], Rc::new(f), "`diff`", target.span);
        };
        let vshape = val.shape();
        let diff_at =
            move |inner: Expr, pos: &[Ix]| Expr::Diff(Box::new(inner), EntryRef { entry, args: pos.to_vec() });
        let (shape, elem): (Shape, ElemFn) = match (vshape.0.len(), tshape.0.len()) {
            (0, _) => {
                let elem: ElemFn = Rc::new(move |b, pos| diff_at(val.at(b, &[]), pos));
                (tshape, elem)
            }
            (1, 1) => {
                let shape = Shape(vec![vshape.0[0], tshape.0[0]]);
                let elem: ElemFn = Rc::new(move |b, pos| diff_at(val.at(b, &pos[..1]), &pos[1..2]));
                (shape, elem)
            }
            _ => {
                let sizes = &self.model.sizes;
                let message = format!(
                    "the derivative of {} by {} is not supported",
                    vshape.describe(sizes),
                    tshape.describe(sizes)
                );
                let hint =
                    "differentiate a scalar by an array, a vector by a vector (the Jacobian), or one element at a time";
                return self.shape_error(target.span, shape::ShapeError { message, hint: hint.to_string() });
            }
        };
        Some(shape::array(shape, elem, &mut self.model.bounds))
    }

    fn name(&mut self, name: &ast::Ident, scope: &Scope) -> Option<Val> {
        if let Some(pos) = scope.locals.iter().position(|l| *l == name.name) {
            return Some(Val::Scalar(Expr::Local(pos)));
        }
        if let Some((_, id)) = scope.bound.iter().rev().find(|(n, _)| *n == name.name) {
            return Some(Val::Scalar(Expr::Index(Ix { constant: 0, terms: vec![(1, IxVar::Bound(*id))] })));
        }
        match self.globals.get(&name.name).cloned() {
            Some((Global::Index(id), _)) => {
                Some(Val::Scalar(Expr::Index(Ix { constant: 0, terms: vec![(1, IxVar::Free(id))] })))
            }
            Some((Global::Size(id), _)) => Some(Val::Scalar(Expr::Size(id))),
            Some((Global::Family(ids), _)) => {
                if let [id] = ids[..] {
                    if let Some(shape) = self.array_shape(id) {
                        let elem: ElemFn =
                            Rc::new(move |_, pos| Expr::Entry(EntryRef { entry: id, args: pos.to_vec() }));
                        return Some(shape::array(shape, elem, &mut self.model.bounds));
                    }
                }
                let r = ast::VarRef { name: name.clone(), subscripts: Vec::new(), span: name.span };
                self.find_entry(&r, scope, false).map(|(_, r)| Val::Scalar(Expr::Entry(r)))
            }
            Some((Global::Unknown(_) | Global::UserFn(_), _)) => {
                self.error(
                    Diagnostic::error(name.span, format!("`{}` is a function", name.name))
                        .with_hint(format!("call it with an argument: `{}(…)`", name.name)),
                );
                None
            }
            None => {
                if Builtin::from_name(&name.name).is_some() {
                    self.error(
                        Diagnostic::error(name.span, format!("`{}` is a builtin function", name.name))
                            .with_hint(format!("call it with an argument: `{}(…)`", name.name)),
                    );
                } else {
                    self.unknown_name(name, scope);
                }
                None
            }
        }
    }

    fn unknown_name(&mut self, name: &ast::Ident, scope: &Scope) {
        if self.poisoned.contains(&name.name) {
            return;
        }
        let mut candidates: Vec<String> = self.globals.keys().cloned().collect();
        candidates.extend(scope.locals.iter().cloned());
        candidates.extend(scope.bound.iter().map(|(n, _)| n.clone()));
        let mut d = Diagnostic::error(name.span, format!("unknown name `{}`", name.name));
        if let Some(best) = closest(&name.name, candidates.iter().map(String::as_str)) {
            d = d.with_hint(format!("did you mean `{best}`?"));
        } else {
            d = d.with_hint(format!("declare it first, for example `var {}`", name.name));
        }
        self.error(d);
    }

    fn call(&mut self, func: &ast::Ident, primes: u32, args: &[ast::Expr], scope: &Scope, span: Span) -> Option<Val> {
        let global = self.globals.get(&func.name).cloned();
        let is_delta = (func.name == "delta" || func.name == "δ") && global.is_none();
        if is_delta {
            if args.len() != 2 || primes > 0 {
                self.error(
                    Diagnostic::error(span, "`delta` takes two indices")
                        .with_hint("write `delta(i, j)`: 1 when i = j, else 0"),
                );
                return None;
            }
            let a = self.ix_of_expr(&args[0], scope);
            let b = self.ix_of_expr(&args[1], scope);
            return Some(Val::Scalar(Expr::Delta(a?, b?)));
        }
        let resolved: Vec<Option<Val>> = args.iter().map(|a| self.val(a, scope)).collect();
        let args_resolved: Option<Vec<Val>> = resolved.into_iter().collect();
        if global.is_none() {
            if let Some(op) = match func.name.as_str() {
                "sum" => Some(BigOp::Sum),
                "prod" => Some(BigOp::Prod),
                _ => None,
            } {
                let arg = args_resolved?.into_iter().next()?;
                return Some(Val::Scalar(shape::reduce(op, arg, &mut self.model.bounds)));
            }
            if Builtin::from_name(&func.name).is_none() && shape::ARRAY_FUNCTIONS.contains(&func.name.as_str()) {
                if primes > 0 {
                    self.error(
                        Diagnostic::error(func.span, format!("`{}` has no derivative written with primes", func.name))
                            .with_hint("use `diff` for derivatives of array functions"),
                    );
                    return None;
                }
                let mut args = args_resolved?;
                if func.name == "softmax" {
                    args = args.into_iter().map(|a| self.hoist(a, span)).collect();
                }
                return match shape::function(&func.name, args, &self.model.sizes, &mut self.model.bounds)? {
                    Ok(v) => Some(v),
                    Err(err) => self.shape_error(span, err),
                };
            }
        }
        // Scalar functions apply element by element.
        let apply = |r: &mut Resolver, make: Rc<dyn Fn(Vec<Expr>) -> Expr>, args: Vec<Val>| -> Option<Val> {
            r.elementwise(args, make, &format!("`{}`", func.name), span)
        };
        let check_arity = |r: &mut Resolver, want: usize| -> bool {
            if args.len() != want {
                r.error(Diagnostic::error(
                    span,
                    format!(
                        "`{}` takes {want} argument{}, but {} {} given",
                        func.name,
                        plural(want),
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    ),
                ));
                return false;
            }
            if primes > 0 && want != 1 {
                r.error(
                    Diagnostic::error(
                        func.span,
                        format!(
                            "`{}{}` is the derivative of a function of {want} arguments",
                            func.name,
                            "'".repeat(primes as usize)
                        ),
                    )
                    .with_hint(
                        "primes denote derivatives of functions of one argument; use `diff` for partial derivatives",
                    ),
                );
                return false;
            }
            true
        };
        match global {
            Some((Global::UserFn(id), _)) => {
                let arity = self.model.user_functions[id].params.len();
                if !check_arity(self, arity) {
                    return None;
                }
                apply(self, Rc::new(move |x| Expr::Apply(id, primes, x)), args_resolved?)
            }
            Some((Global::Unknown(id), _)) => {
                let arity = self.model.functions[id].arity;
                if !check_arity(self, arity) {
                    return None;
                }
                apply(self, Rc::new(move |x| Expr::Unknown(id, primes, x)), args_resolved?)
            }
            Some((Global::Family(_), _)) => {
                self.error(
                    Diagnostic::error(func.span, format!("`{}` is a variable, not a function", func.name))
                        .with_hint("subscripts are written in brackets: `y[i]`; multiplication needs `*`"),
                );
                None
            }
            Some((Global::Index(_) | Global::Size(_), _)) => {
                self.error(
                    Diagnostic::error(func.span, format!("`{}` is an index, not a function", func.name))
                        .with_hint("multiplication needs `*`"),
                );
                None
            }
            None => match Builtin::from_name(&func.name) {
                Some(b) => {
                    if !check_arity(self, b.arity()) {
                        return None;
                    }
                    apply(self, Rc::new(move |x| Expr::Builtin(b, primes, x)), args_resolved?)
                }
                None => {
                    let mut candidates: Vec<&str> = BUILTIN_NAMES.to_vec();
                    candidates.extend(shape::ARRAY_FUNCTIONS);
                    let fns: Vec<String> = self
                        .globals
                        .iter()
                        .filter(|(_, (g, _))| matches!(g, Global::Unknown(_) | Global::UserFn(_)))
                        .map(|(k, _)| k.clone())
                        .collect();
                    candidates.extend(fns.iter().map(String::as_str));
                    let mut d = Diagnostic::error(func.span, format!("unknown function `{}`", func.name));
                    d = match closest(&func.name, candidates.into_iter()) {
                        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
                        None => d.with_hint(format!(
                            "declare it with `unknown {}(x)` or define it with `let {}(x) = …`",
                            func.name, func.name
                        )),
                    };
                    self.error(d);
                    None
                }
            },
        }
    }

    /// The target of a derivative: an entry, with the target's shape when it is a whole array.
    fn diff_target(&mut self, target: &ast::VarRef, scope: &Scope) -> Option<(EntryId, EntryRef, Option<Shape>)> {
        let not_variable = |r: &mut Resolver, what: &str| {
            r.error(
                Diagnostic::error(
                    target.span,
                    format!("cannot differentiate with respect to `{}`: it is {what}", target.name.name),
                )
                .with_hint("differentiate with respect to a declared variable or a defined node"),
            );
            None
        };
        if scope.locals.contains(&target.name.name) {
            return not_variable(self, "a function parameter");
        }
        if scope.bound.iter().any(|(n, _)| *n == target.name.name) {
            return not_variable(self, "an index");
        }
        match self.globals.get(&target.name.name) {
            Some((Global::Index(_), _)) => not_variable(self, "an index"),
            Some((Global::Size(_), _)) => not_variable(self, "a size"),
            Some((Global::Unknown(_) | Global::UserFn(_), _)) => not_variable(self, "a function"),
            None if Builtin::from_name(&target.name.name).is_some() => not_variable(self, "a builtin function"),
            Some((Global::Family(ids), _)) if ids.len() == 1 && target.subscripts.is_empty() => {
                let id = ids[0];
                match self.array_shape(id) {
                    Some(shape) => Some((id, EntryRef { entry: id, args: Vec::new() }, Some(shape))),
                    None => self.find_entry(target, scope, false).map(|(e, r)| (e, r, None)),
                }
            }
            _ => self.find_entry(target, scope, false).map(|(e, r)| (e, r, None)),
        }
    }

    /// Finds the entry a reference denotes. `whole_family` accepts range indices as stand-ins for
    /// every value (dependency lists).
    fn find_entry(&mut self, r: &ast::VarRef, scope: &Scope, whole_family: bool) -> Option<(EntryId, EntryRef)> {
        let ids = match self.globals.get(&r.name.name) {
            Some((Global::Family(ids), _)) => {
                // An array-valued definition gets its subscripts when its body is resolved.
                let ids = ids.clone();
                for &id in &ids {
                    self.resolve_pending(id);
                }
                ids
            }
            Some(_) => {
                self.error(Diagnostic::error(r.name.span, format!("`{}` is not a variable", r.name.name)));
                return None;
            }
            None => {
                self.unknown_name(&r.name, scope);
                return None;
            }
        };
        let arity = self.model.entries[ids[0]].slots.len();
        if r.subscripts.len() != arity {
            let declared = ids.iter().map(|&i| format!("`{}`", self.entry_display(i))).collect::<Vec<_>>().join(", ");
            let msg = if arity == 0 {
                format!("`{}` has no subscripts", r.name.name)
            } else {
                format!("`{}` needs {arity} subscript{}", r.name.name, plural(arity))
            };
            self.error(Diagnostic::error(r.span, msg).with_hint(format!("declared as {declared}")));
            return None;
        }
        'entries: for &id in &ids {
            let slots = self.model.entries[id].slots.clone();
            let mut args = Vec::new();
            for (slot, sub) in slots.iter().zip(&r.subscripts) {
                match slot {
                    Slot::Label(..) => {
                        if self.label_in_scope(sub, scope).as_ref() != Some(slot) {
                            continue 'entries;
                        }
                    }
                    Slot::Range(_) => {
                        if whole_family {
                            args.push(Ix::default());
                            continue;
                        }
                        match self.try_ix(sub, scope) {
                            Some(ix) => args.push(ix),
                            None => continue 'entries,
                        }
                    }
                }
            }
            return Some((id, EntryRef { entry: id, args }));
        }
        let declared = ids.iter().map(|&i| format!("`{}`", self.entry_display(i))).collect::<Vec<_>>().join(", ");
        let written = &r.span;
        self.error(
            Diagnostic::error(*written, format!("no declared entry matches `{}`", written_ref(r)))
                .with_hint(format!("declared: {declared}; labels such as `t-1` must match a declaration exactly")),
        );
        None
    }

    fn label_in_scope(&self, sub: &ast::IndexExpr, scope: &Scope) -> Option<Slot> {
        let shadowed = sub
            .terms
            .iter()
            .any(|(_, a)| matches!(a, IndexAtom::Name(n) if scope.bound.iter().any(|(b, _)| *b == n.name)));
        if shadowed {
            None
        } else {
            self.label(sub)
        }
    }

    /// An index expression over indices, sizes and integers, or `None` if it is not one (without
    /// reporting: the caller tries other readings).
    fn try_ix(&self, sub: &ast::IndexExpr, scope: &Scope) -> Option<Ix> {
        let mut ix = Ix::default();
        for (sign, atom) in &sub.terms {
            match atom {
                IndexAtom::Int(text, _) => {
                    let v = text.parse::<i64>().ok().filter(|v| *v <= MAX_RANGE_LEN)?;
                    ix.constant = ix.constant.checked_add(sign * v)?;
                }
                IndexAtom::Name(name) => ix.terms.push((*sign, self.ix_var(&name.name, scope)?)),
            }
        }
        Some(ix)
    }

    fn ix_var(&self, name: &str, scope: &Scope) -> Option<IxVar> {
        if let Some((_, id)) = scope.bound.iter().rev().find(|(n, _)| n == name) {
            return Some(IxVar::Bound(*id));
        }
        match self.globals.get(name) {
            Some((Global::Index(id), _)) => Some(IxVar::Free(*id)),
            Some((Global::Size(id), _)) => Some(IxVar::Size(*id)),
            _ => None,
        }
    }

    /// An index expression written as an ordinary expression (the arguments of `delta`).
    fn ix_of_expr(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Ix> {
        fn walk(r: &Resolver, e: &ast::Expr, sign: i64, scope: &Scope, ix: &mut Ix) -> bool {
            match &e.kind {
                // As in brackets: integers beyond any index value would only overflow later.
                ExprKind::Number(t) => t
                    .parse::<i64>()
                    .ok()
                    .filter(|v| *v <= MAX_RANGE_LEN)
                    .and_then(|v| ix.constant.checked_add(sign * v))
                    .map(|c| ix.constant = c)
                    .is_some(),
                ExprKind::Name(n) => r.ix_var(&n.name, scope).map(|v| ix.terms.push((sign, v))).is_some(),
                ExprKind::Neg(a) => walk(r, a, -sign, scope, ix),
                ExprKind::Binary(ast::BinOp::Add, a, b, _) => {
                    walk(r, a, sign, scope, ix) && walk(r, b, sign, scope, ix)
                }
                ExprKind::Binary(ast::BinOp::Sub, a, b, _) => {
                    walk(r, a, sign, scope, ix) && walk(r, b, -sign, scope, ix)
                }
                _ => false,
            }
        }
        let mut ix = Ix::default();
        if walk(self, e, 1, scope, &mut ix) {
            Some(ix)
        } else {
            self.error(Diagnostic::error(e.span, "expected an index expression").with_hint(format!(
                "the arguments of `delta` are indices, sizes and integers up to {MAX_RANGE_LEN} joined by `+` and `-`"
            )));
            None
        }
    }

    fn entry_display(&self, id: EntryId) -> String {
        let e = &self.model.entries[id];
        render_ref(&self.model, &e.name, &e.slots)
    }

    // ------------------------------------------------------------------ cycles

    fn check_cycles(&mut self) {
        let n = self.model.entries.len();
        let fn_edges: Vec<Vec<EntryId>> = self
            .model
            .user_functions
            .iter()
            .map(|f| {
                let mut out = Vec::new();
                entries_read(&f.body, &mut out);
                out
            })
            .collect();
        // User functions are inlined, so a function that calls itself is a cycle too.
        for (id, f) in self.model.user_functions.iter().enumerate() {
            let mut seen = vec![false; self.model.user_functions.len()];
            if fn_reaches(&self.model.user_functions, &f.body, id, &mut seen) {
                let msg = format!("function `{}` calls itself", f.name);
                self.diagnostics.push(
                    Diagnostic::error(f.span, msg).with_hint("functions are inlined, so they cannot be recursive"),
                );
                return;
            }
        }
        let edges: Vec<Vec<EntryId>> = (0..n)
            .map(|id| {
                let mut out = Vec::new();
                match &self.model.entries[id].kind {
                    EntryKind::Defined(body) => {
                        entries_read(body, &mut out);
                        let mut fns = Vec::new();
                        fns_used(body, &self.model.user_functions, &mut fns);
                        for f in fns {
                            out.extend(&fn_edges[f]);
                        }
                    }
                    EntryKind::Unknown(deps) => out.extend(deps.iter().map(|d| d.entry)),
                    EntryKind::Input(_) => {}
                }
                out
            })
            .collect();
        let mut state = vec![0u8; n];
        let mut stack = Vec::new();
        for start in 0..n {
            if state[start] == 0 {
                if let Some(cycle) = dfs(start, &edges, &mut state, &mut stack) {
                    let path = cycle.iter().map(|&i| self.entry_display(i)).collect::<Vec<_>>().join(" → ");
                    let span = self.model.entries[cycle[0]].span;
                    self.diagnostics.push(
                        Diagnostic::error(span, format!("cyclic definition: {path}"))
                            .with_hint("a definition may not depend on itself, directly or through other definitions"),
                    );
                    return;
                }
            }
        }
    }
}

fn dfs(node: usize, edges: &[Vec<usize>], state: &mut [u8], stack: &mut Vec<usize>) -> Option<Vec<usize>> {
    state[node] = 1;
    stack.push(node);
    for &next in &edges[node] {
        if state[next] == 1 {
            let at = stack.iter().position(|&s| s == next).unwrap_or(0);
            let mut cycle = stack[at..].to_vec();
            cycle.push(next);
            return Some(cycle);
        }
        if state[next] == 0 {
            if let Some(c) = dfs(next, edges, state, stack) {
                return Some(c);
            }
        }
    }
    stack.pop();
    state[node] = 2;
    None
}

fn fn_reaches(fns: &[UserFunction], body: &Expr, target: UserFnId, seen: &mut [bool]) -> bool {
    let mut used = Vec::new();
    collect_fns(body, &mut used);
    used.into_iter().any(|f| {
        if f == target {
            return true;
        }
        if seen[f] {
            return false;
        }
        seen[f] = true;
        fn_reaches(fns, &fns[f].body, target, seen)
    })
}

/// The user functions an expression calls directly, with repeats.
pub fn collect_fns(e: &Expr, out: &mut Vec<UserFnId>) {
    if let Expr::Apply(f, _, _) = e {
        out.push(*f);
    }
    e.for_each_child(|c| collect_fns(c, out));
}

/// The user functions an expression uses, transitively.
fn fns_used(e: &Expr, fns: &[UserFunction], out: &mut Vec<UserFnId>) {
    let mut direct = Vec::new();
    collect_fns(e, &mut direct);
    for f in direct {
        if !out.contains(&f) {
            out.push(f);
            fns_used(&fns[f].body, fns, out);
        }
    }
}

/// `reads[e][t]`: entry `e` depends on entry `t`, directly or through other definitions, unknown
/// nodes and user functions.
pub fn dependency_closure(model: &Model) -> Vec<Vec<bool>> {
    let n = model.entries.len();
    let direct: Vec<Vec<EntryId>> = model
        .entries
        .iter()
        .map(|e| {
            let mut out = Vec::new();
            match &e.kind {
                EntryKind::Defined(body) => {
                    entries_read(body, &mut out);
                    let mut fns = Vec::new();
                    fns_used(body, &model.user_functions, &mut fns);
                    for f in fns {
                        entries_read(&model.user_functions[f].body, &mut out);
                    }
                }
                EntryKind::Unknown(deps) => out.extend(deps.iter().map(|d| d.entry)),
                EntryKind::Input(_) => {}
            }
            out
        })
        .collect();
    let mut reads = vec![vec![false; n]; n];
    for (start, row) in reads.iter_mut().enumerate() {
        let mut stack = direct[start].clone();
        while let Some(e) = stack.pop() {
            if !row[e] {
                row[e] = true;
                stack.extend(&direct[e]);
            }
        }
    }
    reads
}

/// The entries an expression reads directly (including derivative targets).
pub fn entries_read(e: &Expr, out: &mut Vec<EntryId>) {
    match e {
        Expr::Entry(r) => out.push(r.entry),
        Expr::Diff(_, r) => out.push(r.entry),
        Expr::NodePartial(node, r) => {
            out.push(*node);
            out.push(r.entry);
        }
        _ => {}
    }
    e.for_each_child(|c| entries_read(c, out));
}

/// Replaces range indices by index expressions, all at once.
pub fn subst_free(e: &Expr, map: &[(IndexId, Ix)]) -> Expr {
    let map: Vec<(IxVar, Ix)> = map.iter().map(|(i, x)| (IxVar::Free(*i), x.clone())).collect();
    subst_ix_vars(e, &map)
}

/// Replaces index variables (free or bound) by index expressions, all at once.
pub fn subst_ix_vars(e: &Expr, map: &[(IxVar, Ix)]) -> Expr {
    if map.is_empty() {
        return e.clone();
    }
    let ix = |x: &Ix| -> Ix {
        let mut out = Ix { constant: x.constant, terms: Vec::new() };
        for &(coef, var) in &x.terms {
            match map.iter().find(|(v, _)| *v == var) {
                Some((_, with)) => {
                    out.constant += coef * with.constant;
                    out.terms.extend(with.terms.iter().map(|&(c, v)| (coef * c, v)));
                }
                None => out.terms.push((coef, var)),
            }
        }
        out
    };
    let r = |r: &EntryRef| EntryRef { entry: r.entry, args: r.args.iter().map(ix).collect() };
    match e {
        Expr::Index(x) => Expr::Index(ix(x)),
        Expr::Entry(x) => Expr::Entry(r(x)),
        Expr::Delta(a, b) => Expr::Delta(ix(a), ix(b)),
        Expr::Diff(body, t) => Expr::Diff(Box::new(subst_ix_vars(body, map)), r(t)),
        Expr::NodePartial(n, t) => Expr::NodePartial(*n, r(t)),
        Expr::Select(k, items) => Expr::Select(ix(k), items.iter().map(|c| subst_ix_vars(c, map)).collect()),
        Expr::InvAt(m, row, col) => {
            let m = Square { body: subst_ix_vars(&m.body, &unbound(map, &[m.row, m.col])), ..(**m).clone() };
            Expr::InvAt(Box::new(m), ix(row), ix(col))
        }
        Expr::Det(m) => Expr::Det(Box::new(Square {
            body: subst_ix_vars(&m.body, &unbound(map, &[m.row, m.col])),
            ..(**m).clone()
        })),
        // A nested binder of the same index (a function applied inside its own sum) shadows it.
        Expr::Big(op, b, body) => Expr::Big(*op, *b, Box::new(subst_ix_vars(body, &unbound(map, &[*b])))),
        _ => e.map_children(|c| subst_ix_vars(c, map)),
    }
}

/// The substitution without the bound indices a binder rebinds.
fn unbound(map: &[(IxVar, Ix)], bound: &[BoundId]) -> Vec<(IxVar, Ix)> {
    map.iter().filter(|(v, _)| !matches!(v, IxVar::Bound(b) if bound.contains(b))).cloned().collect()
}

/// Whether an expression reads no parameter, no free index outside `slots` and no bound index
/// created before `mark` (one bound outside it).
fn self_contained(e: &Expr, slots: &[IndexId], mark: BoundId) -> bool {
    let ok_ix = |ix: &Ix| {
        ix.terms.iter().all(|(_, v)| match v {
            IxVar::Free(i) => slots.contains(i),
            IxVar::Bound(b) => *b >= mark,
            IxVar::Size(_) => true,
        })
    };
    let here = match e {
        Expr::Local(_) => false,
        Expr::Index(ix) | Expr::Select(ix, _) => ok_ix(ix),
        Expr::Entry(r) | Expr::Diff(_, r) | Expr::NodePartial(_, r) => r.args.iter().all(ok_ix),
        Expr::Delta(a, b) | Expr::InvAt(_, a, b) => ok_ix(a) && ok_ix(b),
        _ => true,
    };
    let mut children = true;
    e.for_each_child(|c| children &= self_contained(c, slots, mark));
    here && children
}

/// The free range indices of an expression, each once, in order of appearance.
pub fn free_indices(e: &Expr, out: &mut Vec<IndexId>) {
    let add_ix = |ix: &Ix, out: &mut Vec<IndexId>| {
        for (_, v) in &ix.terms {
            if let IxVar::Free(i) = v {
                if !out.contains(i) {
                    out.push(*i);
                }
            }
        }
    };
    match e {
        Expr::Index(ix) => add_ix(ix, out),
        Expr::Entry(r) | Expr::Diff(_, r) | Expr::NodePartial(_, r) => r.args.iter().for_each(|ix| add_ix(ix, out)),
        Expr::Delta(a, b) | Expr::InvAt(_, a, b) => {
            add_ix(a, out);
            add_ix(b, out);
        }
        Expr::Select(ix, _) => add_ix(ix, out),
        _ => {}
    }
    e.for_each_child(|c| free_indices(c, out));
}

fn first_free_index(e: &Expr) -> Option<IndexId> {
    let mut v = Vec::new();
    free_indices(e, &mut v);
    v.first().copied()
}

/// A reference as written: `x[t+1]`, `s[c,t-1]`.
pub fn written_ref(r: &ast::VarRef) -> String {
    if r.subscripts.is_empty() {
        return r.name.name.clone();
    }
    let subs: Vec<String> = r
        .subscripts
        .iter()
        .map(|ix| {
            let mut text = String::new();
            for (k, (sign, atom)) in ix.terms.iter().enumerate() {
                if *sign < 0 {
                    text.push('-');
                } else if k > 0 {
                    text.push('+');
                }
                match atom {
                    IndexAtom::Int(v, _) => text.push_str(v),
                    IndexAtom::Name(n) => text.push_str(&n.name),
                }
            }
            text
        })
        .collect();
    format!("{}[{}]", r.name.name, subs.join(","))
}

fn same_pattern(a: &[Slot], b: &[Slot]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Slot::Range(_), Slot::Range(_)) => true,
            (Slot::Label(l1, o1), Slot::Label(l2, o2)) => l1 == l2 && o1 == o2,
            _ => false,
        })
}

/// `s[c,t-1]` for a declaration.
pub fn render_ref(model: &Model, name: &str, slots: &[Slot]) -> String {
    if slots.is_empty() {
        return name.to_string();
    }
    let subs: Vec<String> = slots
        .iter()
        .map(|s| match s {
            Slot::Range(i) => model.indices[*i].name.clone(),
            Slot::Label(l, o) => label_text(l, *o),
        })
        .collect();
    format!("{name}[{}]", subs.join(","))
}

/// `t`, `t-1`, `t+2`.
pub fn label_text(label: &str, offset: i64) -> String {
    match offset.cmp(&0) {
        std::cmp::Ordering::Equal => label.to_string(),
        std::cmp::Ordering::Greater => format!("{label}+{offset}"),
        std::cmp::Ordering::Less => format!("{label}{offset}"),
    }
}

const BUILTIN_NAMES: [&str; 17] = [
    "exp", "log", "ln", "sqrt", "abs", "sign", "sigmoid", "σ", "tanh", "relu", "softplus", "sin", "cos", "step",
    "delta", "max", "min",
];

fn reserved(name: &str) -> Option<&'static str> {
    if BUILTIN_NAMES.contains(&name) && name != "δ" {
        Some("a builtin function")
    } else {
        None
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The closest name within a small edit distance.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn int_literal(v: i64) -> Literal {
    Literal { value: BigRational::from_integer(BigInt::from(v)), half_unit: None, point: false }
}

/// The exact value of a decimal literal, and its half unit when it has a decimal point.
pub fn parse_decimal(text: &str) -> Option<Literal> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    if exponent.abs() > MAX_LITERAL_EXPONENT {
        return None;
    }
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: BigInt = format!("{int_part}{frac_part}").parse().ok()?;
    let scale = exponent - frac_part.len() as i64;
    let ten = BigRational::from_integer(BigInt::from(10));
    let pow10 = |e: i64| -> BigRational {
        if e >= 0 {
            num_traits::pow(ten.clone(), e as usize)
        } else {
            num_traits::pow(ten.clone(), (-e) as usize).recip()
        }
    };
    let value = BigRational::from_integer(digits) * pow10(scale);
    let half_unit = Some(pow10(scale) / BigRational::from_integer(BigInt::from(2)));
    let point = mantissa.contains('.');
    Some(Literal { value, half_unit, point })
}

/// The value of an expression made of numbers and arithmetic only.
pub fn constant_value(e: &Expr) -> Option<BigRational> {
    Some(match e {
        Expr::Const(l) => l.value.clone(),
        Expr::Neg(a) => -constant_value(a)?,
        Expr::Add(a, b) => constant_value(a)? + constant_value(b)?,
        Expr::Sub(a, b) => constant_value(a)? - constant_value(b)?,
        Expr::Mul(a, b) => constant_value(a)? * constant_value(b)?,
        Expr::Div(a, b) => {
            let d = constant_value(b)?;
            if d.is_zero() {
                return None;
            }
            constant_value(a)? / d
        }
        Expr::Pow(a, b) => {
            let exp = constant_value(b)?;
            if !exp.is_integer() {
                return None;
            }
            let n = exp.to_integer().to_i32().filter(|n| n.abs() <= 64)?;
            let base = constant_value(a)?;
            if n < 0 && base.is_zero() {
                return None;
            }
            // Refuse results too large to be a sensible constant (`((10^64)^64)^64`).
            let bits = base.numer().bits() + base.denom().bits();
            if bits.saturating_mul(u64::from(n.unsigned_abs())) > 20_000 {
                return None;
            }
            num_traits::pow::Pow::pow(base, n)
        }
        _ => return None,
    })
}
