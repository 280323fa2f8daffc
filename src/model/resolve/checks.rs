//! The checks on resolved bodies and on the model as a whole: the free indices of a definition
//! (each one of the node's subscripts) and of a user function's body (none), the supported form of
//! an `assume` (the sum of one family declared `> 0` or `>= 0`, over its whole range, equals a
//! positive constant), and cycles in the definitions DAG (through definitions, unknown nodes'
//! dependencies and inlined user functions, which may not call themselves).
//!
//! Arities and shapes are checked where an expression is resolved (`expr`), not here; the free
//! indices of a derivation's steps are `check`'s (a step with a new free index is `wrong`, not an
//! error).

use num_traits::Signed;

use super::literal::constant_value;
use super::walk::{collect_fns, entries_read, fns_used, free_indices};
use super::{Resolver, Scope};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::ir::*;
use crate::syntax::ast::{self, BigOp};

impl Resolver {
    /// Whether a user function's body uses no free index (it may use its parameters and
    /// unindexed variables); reports it at the body's span if it does.
    pub(super) fn function_body_is_closed(&mut self, id: UserFnId, body: &Expr, span: Span) -> bool {
        let mut free = Vec::new();
        free_indices(body, &mut free);
        // A class label is an input: a body may read it like an unindexed variable.
        if free.iter().all(|&i| self.model.indices[i].label) {
            return true;
        }
        let name = self.model.user_functions[id].name.clone();
        self.error(Diagnostic::error(span, format!("the body of `{name}` uses a free index")).with_hint(
            "a function body may use its parameters and unindexed variables; pass indexed values as arguments",
        ));
        false
    }

    /// Whether every index free in the body of a definition is one of the node's subscripts
    /// (`let s[c,t] = …` defines every `s[c,t]`); reports the first that is not at the body's span.
    pub(super) fn definition_indices_are_subscripts(&mut self, id: EntryId, body: &Expr, span: Span) -> bool {
        let slots: Vec<IndexId> = self.model.entries[id].range_slots().collect();
        let mut free = Vec::new();
        free_indices(body, &mut free);
        let Some(&extra) = free.iter().find(|&&i| !slots.contains(&i) && !self.model.indices[i].label) else {
            return true;
        };
        let ixname = self.model.indices[extra].name.clone();
        let entry = self.model.entries[id].name.clone();
        self.error(
            Diagnostic::error(
                span,
                format!("index `{ixname}` is free in the definition of `{entry}` but is not one of its subscripts"),
            )
            .with_hint(format!("sum over it with `sum({ixname}, …)`, or add it to the subscripts of `{entry}`")),
        );
        false
    }

    pub(super) fn assume(&mut self, a: &ast::Assume) {
        let bad = |r: &mut Resolver, why: &str| {
            r.error(Diagnostic::error(a.span, format!("unsupported assumption: {why}")).with_hint(
                    "the supported forms are `assume sum(k, y[k]) = 1` and, for every row `n`, `assume sum(k, y[n,k]) = 1`, for a family `y` declared `>= 0` or `> 0`",
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
        // The summed slot: the bound index over that slot's whole range. Every other subscript
        // is a range index of its slot's range, written once: the sum holds at each value of it
        // (`assume sum(k, y[n,k]) = 1`: every row a probability vector).
        let summed = Ix { constant: 0, terms: vec![(1, IxVar::Bound(*bound))] };
        let slot = r.args.iter().position(|ix| *ix == summed);
        let mut rows = Vec::new();
        let rows_ok = r.args.iter().zip(&slots).enumerate().all(|(k, (ix, &s))| {
            Some(k) == slot
                || match ix.terms.as_slice() {
                    [(1, IxVar::Free(i))] if ix.constant == 0 && !rows.contains(i) => {
                        rows.push(*i);
                        let index = &self.model.indices[*i];
                        !index.label && index.range == self.model.indices[s].range
                    }
                    _ => false,
                }
        });
        let summed_over_slot =
            slot.is_some_and(|k| self.model.indices[slots[k]].range == self.model.bounds[*bound].range);
        if !summed_over_slot || !rows_ok {
            return bad(self, "the sum must run over the family's whole range");
        }
        let slot = slot.unwrap_or(0);
        if !matches!(entry.kind, EntryKind::Input(Domain::Positive | Domain::NonNegative)) {
            return bad(self, "the family must be an input declared `>= 0` or `> 0`");
        }
        let Some(total) = constant_value(&rhs).filter(|v| v.is_positive()) else {
            return bad(self, "the right side must be a positive number");
        };
        if self.model.assumptions.iter().any(|x| x.entry == r.entry) {
            return bad(self, "this family is already constrained");
        }
        self.model.assumptions.push(Assumption { entry: r.entry, total, slot });
    }

    pub(super) fn check_cycles(&mut self) {
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
