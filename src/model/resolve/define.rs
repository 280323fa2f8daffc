//! Pass 2: the bodies. User function bodies, every pending definition (an array-valued body gives
//! its node hidden subscripts), the dependency lists of unknown nodes, then the statements in the
//! order of the file: `assume`, `tolerance` (in force for the derivations below it) and the
//! derivations, whose array expressions are written at hidden free indices, one set per shape.
//!
//! How an expression is bound is in `expr` and `refs`; the free indices of bodies and the form of
//! an `assume` are checked in `checks`; cycles are looked for there after this pass.

use super::literal::parse_decimal;
use super::{Global, Resolver, Scope};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::ir::*;
use crate::model::shape::{self, ix_var, Val, ONE};
use crate::syntax::ast::{self, IndexAtom, Item};

impl Resolver {
    pub(super) fn define(&mut self, file: &ast::File) {
        for (id, body) in std::mem::take(&mut self.pending_fns) {
            let params = self.model.user_functions[id].params.clone();
            let scope = Scope { bound: Vec::new(), locals: params };
            if let Some(expr) = self.expr(&body, &scope) {
                if self.function_body_is_closed(id, &expr, body.span) {
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
    pub(super) fn resolve_pending(&mut self, id: EntryId) {
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
        if self.definition_indices_are_subscripts(id, &expr, body.span) {
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
        let head_failed = self.diagnostics.len() > before;
        // A step that does not resolve (an unknown name, say) is not read, like a line with a
        // syntax error: it is reported, and the step after it is compared with the one before.
        let mut unread = d.unread.clone();
        let mut steps = Vec::new();
        for s in &d.steps {
            let at = self.diagnostics.len();
            let step = self.val(&s.expr, &Scope::default()).map(|v| {
                let (expr, shape) = self.elements(v);
                let name_uses = s.expr.free_name_uses();
                Step {
                    relation: s.relation,
                    expr,
                    note: s.note.clone(),
                    span: s.span,
                    shape,
                    name_uses,
                    restates: s.restates,
                    after_unread: None,
                }
            });
            match step {
                Some(step) if self.diagnostics.len() == at => steps.push(step),
                _ => unread.push(s.span),
            }
        }
        unread.sort_by_key(|u| u.start);
        // The first line not read between each step and the expression it is compared with.
        let mut last = d.span.end;
        for step in &mut steps {
            if !step.restates {
                let between: Vec<Span> =
                    unread.iter().filter(|u| last <= u.start && u.start < step.span.start).copied().collect();
                step.after_unread = between.first().zip(between.last()).map(|(a, b)| (*a, *b));
            }
            last = step.span.end;
        }
        let worth = d.worth.as_ref().and_then(|w| parse_decimal(w)).map(|l| l.value);
        let too_large = self.check_size(d.span);
        self.derivation_errors += self.diagnostics.len() - before;
        let Some((head, shape)) = head.filter(|_| !head_failed && !too_large && !steps.is_empty()) else {
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
            unread,
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
}
