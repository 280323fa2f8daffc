//! Pass 1: the declarations. Every `index`, `var`, `unknown` and `let` of the file is entered in
//! the model and in the table of global names before any body is read, so that a definition may use
//! a name declared below it: sizes (new names in a range bound or a shape), range indices, entries
//! of a family (a range index or a label `t`, `t-1` per subscript; inputs with their domains, unknown
//! nodes, definitions), shaped arrays over hidden range indices, unknown functions and user
//! functions, and the `grading` shares. Clashes (a name declared twice, a builtin's name, the same
//! subscript pattern twice) are reported here.
//!
//! Bodies are not read here: a definition gets a placeholder, and its body, a user function's body
//! and an unknown node's dependency list wait for pass 2 (`define`).

use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive};

use super::literal::{int_literal, parse_decimal};
use super::refs::render_ref;
use super::{reserved, Global, Resolver, MAX_ARRAY_ELEMENTS, MAX_RANGE_LEN};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::ir::*;
use crate::model::shape::ONE;
use crate::syntax::ast::{self, Definition, IndexAtom, Item, UnknownItem};

impl Resolver {
    pub(super) fn declare(&mut self, file: &ast::File) {
        // A family declared over an index that an `index` line further down declares (`var x[i]`
        // above `index i in 1..n`) waits for it: declarations may come in any order, and read
        // at its own place the `i` would be a label.
        let index_at: Vec<(usize, &str)> = file
            .items
            .iter()
            .enumerate()
            .filter_map(|(k, item)| match item {
                Item::Index(decls) => Some(decls.iter().map(move |d| (k, d.name.name.as_str()))),
                _ => None,
            })
            .flatten()
            .collect();
        let waits = |k: usize, item: &Item| {
            subscript_names(item).any(|name| index_at.iter().any(|&(at, index)| at > k && index == name))
        };
        let (now, later): (Vec<_>, Vec<_>) = file.items.iter().enumerate().partition(|&(k, item)| !waits(k, item));
        for (_, item) in now.into_iter().chain(later) {
            self.declare_item(item);
        }
        self.check_latex_spellings(file);
    }

    fn declare_item(&mut self, item: &Item) {
        {
            match item {
                Item::Title(text, _) => self.model.title = Some(text.clone()),
                Item::Index(decls) => {
                    for decl in decls {
                        self.declare_index(decl);
                    }
                }
                Item::Var(items) => {
                    for item in items {
                        if let Some(range) = item.domain.as_ref().and_then(|d| d.range.as_ref()) {
                            self.declare_label(item, range);
                            continue;
                        }
                        let domain = item.domain.as_ref().map_or(Some(Domain::Real), |d| self.domain(d));
                        let Some(domain) = domain else { continue };
                        if domain == Domain::PositiveDefinite && !square(item.shape.as_ref()) {
                            let span = item.domain.as_ref().map_or(item.target.span, |d| d.span);
                            self.error(
                                Diagnostic::error(
                                    span,
                                    "`spd` (symmetric positive definite) is a domain of a square matrix",
                                )
                                .with_hint(format!("declare its shape: `var {}: n x n spd`", item.target.name.name)),
                            );
                            self.poisoned.insert(item.target.name.name.clone());
                            continue;
                        }
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
                                let placeholder = EntryKind::Defined(Expr::Const(Box::new(int_literal(0))));
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
                                        body: Expr::Const(Box::new(int_literal(0))),
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
                Item::Assume(_) | Item::Tolerance(_) | Item::Derivation(_) | Item::Latex { .. } => {}
            }
        }
    }

    /// A `latex` spelling names something the model declares (anywhere in the file).
    fn check_latex_spellings(&mut self, file: &ast::File) {
        for item in &file.items {
            let Item::Latex { name, spellings, .. } = item else { continue };
            if !self.globals.contains_key(&name.name) {
                self.error(
                    Diagnostic::error(
                        name.span,
                        format!("`latex` spells `{}`, which the model does not declare", name.name),
                    )
                    .with_hint("declare it with `var`, `let` or `unknown`, or spell a declared name"),
                );
            } else if spellings.iter().any(|s| s.trim().is_empty()) {
                self.error(
                    Diagnostic::error(name.span, "an empty LaTeX spelling")
                        .with_hint("write the spelling between the quotes: `latex y_hat \"\\hat{y}\"`"),
                );
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
        let (mut final_answer, mut steps, mut milestones) = (None, None, None);
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
                "milestones" => &mut milestones,
                other => {
                    return self.error(Diagnostic::error(name.span, format!("unknown share `{other}`")).with_hint(
                        "the shares are `final` (the final answer) and `steps`, and `milestones` (how much of \
                             the steps' share asks for the reference's intermediate work)",
                    ))
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
            (None, None) => (BigRational::new(1.into(), 2.into()), BigRational::new(1.into(), 2.into())),
        };
        if &final_answer + &steps != one {
            return self
                .error(Diagnostic::error(g.span, "the shares of `grading` do not add up to 100%").with_hint(HINT));
        }
        let milestones = milestones.unwrap_or(one);
        self.model.grading = Some(GradingShares { final_answer, steps, milestones });
    }

    /// Reserves a global name, reporting a clash. Returns whether the name is free.
    fn claim(&mut self, name: &ast::Ident) -> bool {
        if let Some(reason) = reserved(&name.name) {
            self.error(
                Diagnostic::error(name.span, format!("`{}` is {reason}", name.name))
                    .with_hint(another_name(&name.name)),
            );
            // Its uses are the declaration's error, not each one of its own.
            self.poisoned.insert(name.name.clone());
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
            label: false,
        });
        self.globals.insert(decl.name.name.clone(), (Global::Index(id), decl.name.span));
    }

    /// `var y in 1..K`: a class label, an integer input used as an index (a range index that is
    /// an input: see [`RangeIndex::label`]). A new name in a bound is a size, as for `index`.
    fn declare_label(&mut self, item: &ast::VarItem, range: &ast::RangeExpr) {
        let name = &item.target.name;
        let span = item.domain.as_ref().map_or(item.target.span, |d| d.span);
        if !item.target.subscripts.is_empty() || item.shape.is_some() {
            self.poisoned.insert(name.name.clone());
            return self.error(
                Diagnostic::error(
                    item.target.span,
                    format!("a class label is one integer: `{}` cannot have subscripts or a shape", name.name),
                )
                .with_hint(format!("declare one label per example: `var {} in 1..K`", name.name)),
            );
        }
        let lo = self.declare_bound(&range.lo);
        let hi = self.declare_bound(&range.hi);
        let (Some(lo), Some(hi)) = (lo, hi) else {
            self.poisoned.insert(name.name.clone());
            return;
        };
        if lo.size == hi.size && lo.offset >= hi.offset {
            self.poisoned.insert(name.name.clone());
            return self.error(
                Diagnostic::error(span, "a class label needs at least two values")
                    .with_hint("write its range with the lower end first: `var y in 1..K`"),
            );
        }
        if !self.claim(name) {
            return;
        }
        let id = self.model.indices.len();
        self.model.indices.push(RangeIndex {
            name: name.name.clone(),
            range: IndexRange { lo, hi },
            hidden: false,
            label: true,
        });
        self.globals.insert(name.name.clone(), (Global::Index(id), name.span));
    }

    /// A range bound of an `index` declaration; a new name there is a new size.
    fn declare_bound(&mut self, expr: &ast::IndexExpr) -> Option<Bound> {
        for (_, atom) in &expr.terms {
            if let IndexAtom::Name(name) = atom {
                if !self.globals.contains_key(&name.name) && self.claim(name) {
                    let id = self.model.sizes.len();
                    self.model.sizes.push(name.name.clone());
                    self.model.size_sums.resize(id + 1, Vec::new());
                    self.globals.insert(name.name.clone(), (Global::Size(id), name.span));
                }
            }
        }
        self.bound(expr)
    }

    /// A range bound: sizes added (`n+K`, `m+m`), plus an integer. Sizes added are one more size
    /// of the model, a sum (`Model::size_sums`); a size subtracted is refused, as the bound could
    /// then be below the range's start at some sizes (an input of length `n+K-1` and an output of
    /// length `n` say what `n-K+1` would).
    pub(super) fn bound(&mut self, expr: &ast::IndexExpr) -> Option<Bound> {
        // The declared sizes added, in the order written (a size written twice, twice).
        let mut added: Vec<(SizeId, String)> = Vec::new();
        let mut offset: i64 = 0;
        for (sign, atom) in &expr.terms {
            match atom {
                IndexAtom::Int(text, span) => {
                    let value = self.integer(text, *span)?;
                    offset = offset.checked_add(sign * value)?;
                }
                IndexAtom::Name(name) => match self.globals.get(&name.name) {
                    Some((Global::Size(id), _)) if *sign == 1 => added.push((*id, name.name.clone())),
                    Some((Global::Size(_), _)) => {
                        self.error(
                            Diagnostic::error(expr.span, "a range bound adds sizes; it cannot subtract one").with_hint(
                                "write bounds such as `1..D`, `0..n-1`, `1..n+K-1` or `2..5`; for a valid \
                                     convolution, name the output's length `n` and the input's `1..n+K-1`",
                            ),
                        );
                        return None;
                    }
                    // `sum(j in i..n, …)`, a triangular sum (an adversarial tester was told only
                    // that `i` is not a size).
                    Some((Global::Index(_), _)) => {
                        self.error(
                            Diagnostic::error(name.span, format!("`{}` is an index: a range's bounds are sizes and integers", name.name))
                                // (The example's own index other than this one: "for the sum's
                                // index `j`, `j >= j`", an adversarial tester.)
                                .with_hint({
                                    let own = if name.name == "j" { "m" } else { "j" };
                                    format!(
                                        "a sum or product cannot start or stop at an index; take the whole range and mask the terms: for the sum's index `{own}`, `{own} >= {0}` is `step({own} - {0} + 1/2)`, as in `sum({own}, step({own} - {0} + 1/2) * y[{own}])`",
                                        name.name
                                    )
                                }),
                        );
                        return None;
                    }
                    _ => {
                        self.error(
                            Diagnostic::error(name.span, format!("`{}` is not a size", name.name))
                                .with_hint("a range bound is an integer, a size symbol such as `D`, or sizes added plus or minus an integer (`n+K-1`)"),
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
        let size = match added.as_slice() {
            [] => None,
            [(id, _)] => Some(*id),
            _ => Some(self.size_sum(&added)),
        };
        Some(Bound { size, offset })
    }

    /// The size that is the sum of `added` (declared sizes, as written): the one made by an
    /// earlier bound that adds the same sizes as often, in any order, or a new one named as
    /// written (`n+K`).
    fn size_sum(&mut self, added: &[(SizeId, String)]) -> SizeId {
        let mut terms: Vec<(SizeId, i64)> = Vec::new();
        for &(id, _) in added {
            match terms.iter_mut().find(|(t, _)| *t == id) {
                Some((_, c)) => *c += 1,
                None => terms.push((id, 1)),
            }
        }
        terms.sort_unstable();
        if let Some(id) = self.model.size_sums.iter().position(|t| *t == terms) {
            return id;
        }
        let id = self.model.sizes.len();
        let name = added.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("+");
        self.model.sizes.push(name);
        self.model.size_sums.resize(id, Vec::new());
        self.model.size_sums.push(terms);
        id
    }

    pub(super) fn integer(&mut self, text: &str, span: Span) -> Option<i64> {
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
        if d.op == "spd" {
            return Some(Domain::PositiveDefinite);
        }
        if d.op == "in" {
            let set = self.domain_set(d)?;
            self.model.domain_sets.push(set);
            return Some(Domain::Set(self.model.domain_sets.len() - 1));
        }
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
                Diagnostic::error(name.span, format!("`{}` is {reason}", name.name))
                    .with_hint(another_name(&name.name)),
            );
            self.poisoned.insert(name.name.clone());
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
            // `var x: real` reads as a vector of `real` entries, which nothing else would say
            // (a counterexample then showed `element [1]` of a scalar).
            if let ast::IndexAtom::Name(word) = atom {
                if ["real", "reals", "Real", "scalar", "float", "double", "number"].contains(&word.name.as_str()) {
                    let name = &target.name.name;
                    self.model.warnings.push(
                        Diagnostic::warning(
                            word.span,
                            if decl.dims.len() == 1 {
                                format!("`{}` is read as a size: `{name}` is a vector of `{}` entries", word.name, word.name)
                            } else {
                                format!("`{}` is read as a size: a dimension of the array `{name}`", word.name)
                            },
                        )
                        .with_hint(format!(
                            "a real number is declared without a shape, `var {name}`; a shape gives sizes, `var {name}: n`"
                        )),
                    );
                }
            }
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
    pub(super) fn hidden_indices(&mut self, shape: &Shape) -> Vec<IndexId> {
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
                    label: false,
                });
                id
            })
            .collect()
    }

    /// A subscript of a declaration: a range index, or a label plus or minus an integer.
    fn declared_slot(&mut self, sub: &ast::IndexExpr) -> Option<Slot> {
        if let [(1, IndexAtom::Name(name))] = sub.terms.as_slice() {
            if let Some((Global::Index(id), _)) = self.globals.get(&name.name) {
                if self.model.indices[*id].label {
                    self.error(
                        Diagnostic::error(sub.span, format!("`{}` is a class label, not an index of a family", name.name))
                            .with_hint("declare the family over an index of the label's range (`index k in 1..K`, `var x[k]`) and read it at the label: `x[y]`"),
                    );
                    return None;
                }
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
    pub(super) fn label(&self, sub: &ast::IndexExpr) -> Option<Slot> {
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
}

/// The names written alone as subscripts of the families an item declares (`i` of `var x[i, t]`).
fn subscript_names(item: &Item) -> impl Iterator<Item = &str> {
    let targets: Vec<&ast::VarRef> = match item {
        Item::Var(items) => items.iter().map(|v| &v.target).collect(),
        Item::Let(defs) => defs
            .iter()
            .filter_map(|d| match d {
                Definition::Node { target, .. } => Some(target),
                Definition::Function { .. } => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    targets.into_iter().flat_map(|t| &t.subscripts).filter_map(|sub| match sub.terms.as_slice() {
        [(1, IndexAtom::Name(name))] => Some(name.name.as_str()),
        _ => None,
    })
}

fn same_pattern(a: &[Slot], b: &[Slot]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Slot::Range(_), Slot::Range(_)) => true,
            (Slot::Label(l1, o1), Slot::Label(l2, o2)) => l1 == l2 && o1 == o2,
            _ => false,
        })
}

impl Resolver {
    /// `in (0, 1)`, `in [0, 1)`, `in {-1, 1}`: the interval or set, or an error where it is empty,
    /// a single number, or lists a number twice.
    fn domain_set(&mut self, d: &ast::DomainDecl) -> Option<DomainSet> {
        let text = d.bound.as_str();
        let (open, inner, close) = (text.chars().next()?, &text[1..text.len() - 1], text.chars().last()?);
        let numbers: Option<Vec<BigRational>> =
            inner.split(',').map(|n| parse_decimal(&n.trim().replace('−', "-")).map(|l| l.value)).collect();
        let Some(numbers) = numbers else {
            self.error(Diagnostic::error(d.span, "a number of this domain is too large or too small"));
            return None;
        };
        if open == '{' {
            let mut sorted = numbers.clone();
            sorted.sort();
            sorted.dedup();
            if sorted.len() != numbers.len() {
                self.error(
                    Diagnostic::error(d.span, format!("the set `{text}` lists a number twice"))
                        .with_hint("list each value once"),
                );
                return None;
            }
            if sorted.len() < 2 {
                self.error(
                    Diagnostic::error(d.span, format!("the set `{text}` has one value only"))
                        .with_hint("a fixed number is a definition: `let y = …`"),
                );
                return None;
            }
            // The numbers draw their members as floats: two that are one float are one member (a
            // step false at one of them was `checked`: an adversarial tester).
            let floats: Vec<f64> = sorted.iter().filter_map(|v| v.to_f64()).filter(|v| v.is_finite()).collect();
            if floats.len() < sorted.len() || floats.windows(2).any(|w| w[0] == w[1]) {
                self.error(
                    Diagnostic::error(d.span, format!("the set `{text}` has numbers that floats cannot tell apart"))
                        .with_hint(
                        "rescale the variable so that its values differ in their first 15 digits and lie within ±1e300",
                    ),
                );
                return None;
            }
            return Some(DomainSet::Finite(sorted));
        }
        let [lo, hi] = <[BigRational; 2]>::try_from(numbers).ok()?;
        let (lo_closed, hi_closed) = (open == '[', close == ']');
        if lo >= hi {
            let what = if lo == hi { "a single number" } else { "empty" };
            self.error(
                Diagnostic::error(d.span, format!("the interval `{text}` is {what}"))
                    .with_hint("write the lower end first, below the upper one: `in (0, 1)`"),
            );
            return None;
        }
        // Values are drawn as floats inside the interval, away from its ends: an interval whose
        // width is no float, or whose ends floats cannot tell apart, leaves nothing to draw (a
        // panic: an adversarial tester).
        let (a, b) = (lo.to_f64().unwrap_or(f64::NAN), hi.to_f64().unwrap_or(f64::NAN));
        let margin = (b - a) / 20.0;
        if !(a.is_finite() && b.is_finite() && margin.is_finite() && a + margin < b - margin) {
            self.error(
                Diagnostic::error(
                    d.span,
                    format!("the interval `{text}` is too wide or too narrow to draw values from"),
                )
                .with_hint("rescale the variable: its ends within ±1e300, and apart in their first 12 digits"),
            );
            return None;
        }
        Some(DomainSet::Interval { lo, hi, lo_closed, hi_closed })
    }
}

/// The hint for a reserved name declared: another name, and for `delta` (Huber's threshold) the
/// ones that work (a student: "choose another name" said nothing of `δ`).
fn another_name(name: &str) -> String {
    if name == "delta" {
        "choose another name: `δ` (a name of its own once declared; the Kronecker delta is `delta(i, j)`), or `dl` \
         written `\\delta` in LaTeX answers with `latex dl \"\\delta\"`"
            .to_string()
    } else {
        "choose another name".to_string()
    }
}

/// Whether a declared shape is that of a square matrix: two dimensions written alike (`n x n`,
/// `3 x 3`).
fn square(shape: Option<&ast::ShapeDecl>) -> bool {
    let text = |atom: &ast::IndexAtom| match atom {
        ast::IndexAtom::Int(v, _) => v.trim_start_matches('0').to_string(),
        ast::IndexAtom::Name(n) => n.name.clone(),
    };
    matches!(shape.map(|s| s.dims.as_slice()), Some([a, b]) if text(a) == text(b))
}
