//! References: which declared entry a written reference denotes (the family's entry whose labels
//! match the subscripts exactly, `s[c,t-1]` an input and `s[c,t]` a definition being two entries),
//! its subscripts as index expressions over indices, sizes and integers, the arguments of `delta`,
//! and a family used as a whole array. Also how references and declarations are written back in
//! messages (`s[c,t-1]`).
//!
//! Declaring entries is pass 1 (`declare`); reading a name in an expression is `expr`.

use super::{plural, Global, Resolver, Scope, MAX_RANGE_LEN};
use crate::diagnostic::Diagnostic;
use crate::model::ir::*;
use crate::model::shape::ONE;
use crate::syntax::ast::{self, ExprKind, IndexAtom};

impl Resolver {
    /// The shape of an entry used as a whole array: a family whose one to two subscripts are all
    /// range indices starting at 1 (`var W: m x n`, or `var y[k]` with `index k in 1..n`).
    pub(super) fn array_shape(&mut self, id: EntryId) -> Option<Shape> {
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

    /// Finds the entry a reference denotes. `whole_family` accepts range indices as stand-ins for
    /// every value (dependency lists).
    pub(super) fn find_entry(
        &mut self,
        r: &ast::VarRef,
        scope: &Scope,
        whole_family: bool,
    ) -> Option<(EntryId, EntryRef)> {
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
                self.unknown_name(&r.name, scope, !r.subscripts.is_empty());
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
            let range_slots: Vec<IndexId> = self.model.entries[id].range_slots().collect();
            for (slot, ix) in range_slots.iter().zip(&args) {
                let label = ix.terms.iter().find_map(|(_, v)| match v {
                    IxVar::Free(i) if self.model.indices[*i].label => Some(*i),
                    _ => None,
                });
                let range = self.model.indices[*slot].range;
                if let Some(label) = label.filter(|_| !self.model.ix_surely_in(range, ix, &self.model.bounds)) {
                    let l = &self.model.indices[label];
                    self.error(
                        Diagnostic::error(
                            r.span,
                            format!(
                                "the class label `{}` (in {}) may lie outside the range of `{}`'s subscript ({})",
                                l.name,
                                self.model.range_text(l.range),
                                r.name.name,
                                self.model.range_text(range)
                            ),
                        )
                        .with_hint(format!(
                            "declare the label over the same range: `var {} in {}`",
                            l.name,
                            self.model.range_text(range)
                        )),
                    );
                    return None;
                }
                // A sum over the declared range of an index of another size (`sum(k, o2[k])` with
                // `k in 1..D` for a family over `1..K`): it runs over other terms than the
                // family's, which no sum means — a bare `\sum_k` in an answer takes the model's
                // `k`. (A free index of another size, `h[r]` for `h[q]`, is a wrong step, with its
                // counterexample; a sum given its own range says what it runs over.)
                let single = match ix.terms.as_slice() {
                    [(1, IxVar::Bound(b))] if ix.constant == 0 => self.model.bounds.get(*b).filter(|bound| {
                        matches!(self.globals.get(&bound.name), Some((Global::Index(i), _))
                            if self.model.indices[*i].range == bound.range)
                    }),
                    _ => None,
                }
                .map(|bound| (bound.name.clone(), bound.range));
                if let Some((index, of)) = single.filter(|(_, of)| {
                    of.hi.size.is_some()
                        && range.hi.size.is_some()
                        && of.hi.size != range.hi.size
                        && !self.model.ix_surely_in(range, ix, &self.model.bounds)
                }) {
                    self.error(
                        Diagnostic::error(
                            r.span,
                            format!(
                                "`{index}` runs over {}, but the subscript of `{}` over {}",
                                self.model.range_text(of),
                                r.name.name,
                                self.model.range_text(range)
                            ),
                        )
                        .with_hint({
                            let text = self.model.range_text(range);
                            let (lo, hi) = text.split_once("..").unwrap_or(("1", "…"));
                            // Two subscripts that fit the other way round: swapped (`W2[i,k]`
                            // for `W2[k,i]`), the likelier slip than a sum's range.
                            let natural = |ix: &Ix| match ix.terms.as_slice() {
                                [(1, IxVar::Free(i))] if ix.constant == 0 => Some(self.model.indices[*i].range),
                                [(1, IxVar::Bound(b))] if ix.constant == 0 => self.model.bounds.get(*b).map(|b| b.range),
                                _ => None,
                            };
                            let ranges: Vec<_> = range_slots.iter().map(|s| self.model.indices[*s].range).collect();
                            let swapped = args.len() == 2
                                && ranges.len() == 2
                                && natural(&args[0]) == Some(ranges[1])
                                && natural(&args[1]) == Some(ranges[0]);
                            if swapped {
                                format!(
                                    "the subscripts are the other way round: `{}` is declared `{}`",
                                    r.name.name,
                                    self.entry_display(id)
                                )
                            } else {
                                format!(
                                    "use an index declared over {text} or give a sum its range: `sum({index} in {text}, …)` \
                                     (in LaTeX `\\sum_{{{index}={lo}}}^{{{hi}}}`)"
                                )
                            }
                        }),
                    );
                    return None;
                }
            }
            return Some((id, EntryRef { entry: id, args }));
        }
        // A variable used as a subscript (`p[y]` with `var y in {1, 2, 3}`): only class labels are.
        let variable = r.subscripts.iter().flat_map(|s| &s.terms).find_map(|(_, a)| match a {
            IndexAtom::Name(n) if matches!(self.globals.get(&n.name), Some((Global::Family(_), _))) => Some(n.clone()),
            _ => None,
        });
        if let Some(n) = variable {
            self.error(
                Diagnostic::error(
                    n.span,
                    format!("`{}` is a variable, not an integer: it cannot be a subscript", n.name),
                )
                .with_hint(format!(
                    "a class label used as a subscript is declared with its range of integers: `var {} in 1..K`",
                    n.name
                )),
            );
            return None;
        }
        let declared = ids.iter().map(|&i| format!("`{}`", self.entry_display(i))).collect::<Vec<_>>().join(", ");
        let written = &r.span;
        // One entry at one label (`z[c,t]`) read at another (`z[c,t-1]`): most often the wrong
        // time step, which the model has no value for (a student tester's F04).
        let hint = match ids.as_slice() {
            [_] => format!(
                "the model declares only {declared}, so `{}` has no value: was {declared} meant? (labels such as `t-1` \
                 must match a declaration exactly)",
                written_ref(r)
            ),
            _ => format!("declared: {declared}; labels such as `t-1` must match a declaration exactly"),
        };
        self.error(
            Diagnostic::error(*written, format!("no declared entry matches `{}`", written_ref(r))).with_hint(hint),
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
    pub(super) fn ix_of_expr(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Ix> {
        let hint = format!(
            "the arguments of `delta` are indices, sizes and integers up to {MAX_RANGE_LEN} joined by `+` and `-`"
        );
        self.ix_of_expr_or(e, scope, &hint)
    }

    /// [`Self::ix_of_expr`] with the hint of its error.
    pub(super) fn ix_of_expr_or(&mut self, e: &ast::Expr, scope: &Scope, hint: &str) -> Option<Ix> {
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
            // (A name whose declaration failed was reported there.)
            let poisoned = matches!(&e.kind, ExprKind::Name(n) if self.poisoned.contains(&n.name));
            if !poisoned {
                self.error(Diagnostic::error(e.span, "expected an index expression").with_hint(hint));
            }
            None
        }
    }
}

/// A reference as written: `x[t+1]`, `s[c,t-1]`.
pub fn written_ref(r: &ast::VarRef) -> String {
    if r.subscripts.is_empty() {
        return r.name.name.clone();
    }
    let subs: Vec<String> = r.subscripts.iter().map(ast::IndexExpr::written).collect();
    format!("{}[{}]", r.name.name, subs.join(","))
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
