//! Warnings: a file that resolves and checks, but almost surely does not say what was meant.
//!
//! Besides the resolver's own (`Model::warnings`: `(aᵀc)^T` with a size `T` is a power), the
//! warning here is a derivation whose head is identically 0 because of the
//! declarations alone: `diff(E, y)` where `E` is an input (`var E`), or more generally where
//! nothing that `diff`'s first argument reads depends on `y`. By the perturbation semantics
//! (§3.3) an input other than `y` is held fixed when `y` is perturbed, so every step that is 0 is
//! then right, `42 * diff(E, y)` included. The usual cause is a loss declared `var E` instead of
//! `unknown E depends on y` (or a `let`).
//!
//! The decision is made on the dependency closure of the model (definitions, the dependency
//! lists of unknown nodes, the bodies of user functions), which over-approximates what an
//! expression depends on: an entry read anywhere counts, whatever its indices, and so does the
//! target of a `diff` inside. So a warning is given only where the head is 0 for every value of
//! everything; a head that might not be 0 is never warned about. Nor is one whose target is
//! computed from what the body reads (`diff(u, y)` with `let y = f(u)`, the lesson of §3.3): the
//! declarations relate the two, and the advice to declare a dependency would make a cycle. A
//! warning changes no verdict.

use super::ir::*;
use super::resolve::{dependency_closure, entries_read_inlined};
use super::text::{expr_text, whole_entry_text};
use crate::diagnostic::Diagnostic;

/// The warnings of a resolved model, in the order of its derivations.
pub fn warnings(model: &Model) -> Vec<Diagnostic> {
    let mut out = model.warnings.clone();
    // The closure is quadratic in the entries: computed only for a model with a derivative head.
    if model.derivations.iter().any(|d| matches!(d.head, Expr::Diff(..))) {
        let reads = dependency_closure(model);
        out.extend(model.derivations.iter().filter_map(|d| zero_head(model, &reads, d)));
    }
    out.extend(log_of_determinants(model));
    out.sort_by_key(|d| d.span.start);
    out
}

/// The warning of an input matrix not declared `spd` whose determinant is taken a `log` or a
/// square root of: a matrix of unrestricted elements has a negative determinant at about half the
/// draws, where the step is then undefined (a student's covariance gradients were `wrong`, "not
/// defined for the same inputs"). One warning per matrix, at its declaration.
fn log_of_determinants(model: &Model) -> Vec<Diagnostic> {
    fn visit(model: &Model, e: &Expr, found: &mut Vec<EntryId>) {
        if let Expr::Builtin(Builtin::Log | Builtin::Sqrt, 0, args) = e {
            if let [Expr::Det(m)] = args.as_slice() {
                if let Expr::Entry(r) = &m.body {
                    let unrestricted =
                        matches!(model.entries[r.entry].kind, EntryKind::Input(d) if d != Domain::PositiveDefinite);
                    if unrestricted && !found.contains(&r.entry) {
                        found.push(r.entry);
                    }
                }
            }
        }
        e.for_each_child(|c| visit(model, c, found));
    }
    let mut found = Vec::new();
    for entry in &model.entries {
        if let EntryKind::Defined(body) = &entry.kind {
            visit(model, body, &mut found);
        }
    }
    for f in &model.user_functions {
        visit(model, &f.body, &mut found);
    }
    for d in &model.derivations {
        visit(model, &d.head, &mut found);
        for step in &d.steps {
            visit(model, &step.expr, &mut found);
        }
    }
    found
        .into_iter()
        .map(|id| {
            let name = &model.entries[id].name;
            Diagnostic::warning(
                model.entries[id].span,
                format!("`det({name})` is negative at about half the draws of a matrix of unrestricted elements, where its log or square root is undefined"),
            )
            .with_hint(format!(
                "if `{name}` is symmetric positive definite (a covariance), declare it so: `var {name}: n x n spd`"
            ))
        })
        .collect()
}

/// The warning of a derivation whose head is a derivative that is 0 by the declarations.
fn zero_head(model: &Model, reads: &[Vec<bool>], d: &Derivation) -> Option<Diagnostic> {
    let (body, target) = vanishing_derivative(model, reads, &d.head)?;
    let target_text = whole_entry_text(model, target);
    // A derivative by a defined node exists only where the node has a value (`let r = log(x)`).
    let after = match model.entries[target.entry].kind {
        EntryKind::Defined(_) => {
            format!("as declared, every step that is 0 is right where `{target_text}` has a value")
        }
        EntryKind::Input(_) | EntryKind::Unknown(_) => "as declared, every step that is 0 is right".to_string(),
    };
    let (message, hint) = match body {
        Expr::Entry(r) => {
            let name = whole_entry_text(model, r);
            match &model.entries[r.entry].kind {
                EntryKind::Input(_) => (
                    format!("the head is identically 0: `{name}` is a `var`, held fixed when `{target_text}` changes"),
                    format!(
                        "if `{name}` is computed from `{target_text}`, declare `unknown {name} depends on \
                         {target_text}` or define it with `let`; {after}"
                    ),
                ),
                EntryKind::Unknown(_) => (
                    format!("the head is identically 0: `{name}` does not depend on `{target_text}`"),
                    format!("if it does, add `{target_text}` to the list after `depends on`; {after}"),
                ),
                EntryKind::Defined(_) => (
                    format!("the head is identically 0: `{name}` does not depend on `{target_text}`"),
                    format!("its definition does not read `{target_text}`, directly or through other nodes; {after}"),
                ),
            }
        }
        _ => (
            format!("the head is identically 0: `{}` does not depend on `{target_text}`", expr_text(model, body)),
            format!("nothing it reads depends on `{target_text}` by the declarations; {after}"),
        ),
    };
    Some(Diagnostic::warning(d.span, message).with_hint(hint))
}

/// The derivative `diff(body, target)` that makes `head` identically 0, if `head` is a derivative
/// of an expression that does not depend on its target, or a derivative of such a derivative.
fn vanishing_derivative<'e>(model: &Model, reads: &[Vec<bool>], head: &'e Expr) -> Option<(&'e Expr, &'e EntryRef)> {
    let Expr::Diff(body, target) = head else { return None };
    if let Some(inner) = vanishing_derivative(model, reads, body) {
        return Some(inner);
    }
    let t = target.entry;
    // Unrelated in both directions: where the target is computed from what the body reads
    // (`diff(u, y)` with `let y = f(u)`), the declarations do connect them, and declaring the body
    // to depend on the target would make a cycle.
    let related =
        entries_read_inlined(body, &model.user_functions).into_iter().any(|e| e == t || reads[e][t] || reads[t][e]);
    (!related).then_some((&**body, target))
}
