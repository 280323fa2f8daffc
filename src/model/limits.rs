//! Limits on the size of a model that the syntax limits alone do not bound: the number of
//! declarations of a file, and the size of an expression once its user functions are inlined
//! (`let f2(x) = f1(x)*f1(x)` doubles the work at every level of nesting).

use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast::{self, Definition, Item, UnknownItem};

use super::ir::{EntryKind, Expr, Model};

/// The most names one file may declare (indices, variables, unknown functions and nodes,
/// definitions): every later stage may take time quadratic in this number.
pub const MAX_DECLARATIONS: usize = 2_000;

/// The most operations an expression may have once the user functions it calls are inlined.
pub const MAX_INLINED_SIZE: u64 = 100_000;

/// An error at the first declaration past [`MAX_DECLARATIONS`], if there is one.
pub fn too_many_declarations(file: &ast::File) -> Option<Diagnostic> {
    let spans = file.items.iter().flat_map(|item| -> Vec<Span> {
        match item {
            Item::Index(decls) => decls.iter().map(|d| d.name.span).collect(),
            Item::Var(items) => items.iter().map(|v| v.target.span).collect(),
            Item::Unknown(items) => items
                .iter()
                .map(|u| match u {
                    UnknownItem::Function { name, .. } | UnknownItem::Node { name, .. } => name.span,
                })
                .collect(),
            Item::Let(defs) => defs
                .iter()
                .map(|d| match d {
                    Definition::Node { target, .. } => target.span,
                    Definition::Function { name, .. } => name.span,
                })
                .collect(),
            Item::Title(..)
            | Item::Latex { .. }
            | Item::Assume(_)
            | Item::Tolerance(_)
            | Item::Derivation(_)
            | Item::Grading(_) => Vec::new(),
        }
    });
    let span = spans.into_iter().nth(MAX_DECLARATIONS)?;
    Some(
        Diagnostic::error(span, format!("too many declarations (more than {MAX_DECLARATIONS})"))
            .with_hint(format!("a file may declare at most {MAX_DECLARATIONS} names; split it into several files")),
    )
}

/// Reports every definition and derivation whose expressions are larger than
/// [`MAX_INLINED_SIZE`] once user functions are inlined. Such derivations are removed from the
/// model; such a definition marks the declarations as failed. Returns the diagnostics and how many
/// of them belong to derivations.
pub fn check_inlined_sizes(model: &mut Model) -> (Vec<Diagnostic>, usize) {
    let fns = function_sizes(model);
    let too_large = |e: &Expr| inlined_size(e, &fns).base > MAX_INLINED_SIZE;
    let error = |span: Span| {
        Diagnostic::error(
            span,
            format!("expression is too large once its functions are inlined (more than {MAX_INLINED_SIZE} operations)"),
        )
        .with_hint("every use of a function copies its body; name intermediate values with `let` nodes instead")
    };
    let mut diagnostics = Vec::new();
    for entry in &model.entries {
        if let EntryKind::Defined(body) = &entry.kind {
            if too_large(body) {
                diagnostics.push(error(entry.span));
            }
        }
    }
    if !diagnostics.is_empty() {
        model.declarations_failed = true;
    }
    let mut in_derivations = 0;
    model.derivations.retain(|d| {
        let span =
            if too_large(&d.head) { Some(d.span) } else { d.steps.iter().find(|s| too_large(&s.expr)).map(|s| s.span) };
        if let Some(span) = span {
            diagnostics.push(error(span));
            in_derivations += 1;
        }
        span.is_none()
    });
    (diagnostics, in_derivations)
}

/// The size of an expression once inlined: operations outside the parameters of the enclosing
/// function, and how often each parameter is used (arithmetic saturates).
#[derive(Debug, Clone, Default)]
struct Size {
    base: u64,
    uses: Vec<u64>,
}

fn function_sizes(model: &Model) -> Vec<Size> {
    fn visit(f: usize, model: &Model, memo: &mut Vec<Option<Size>>, visiting: &mut [bool]) {
        if memo[f].is_some() || std::mem::replace(&mut visiting[f], true) {
            return;
        }
        let mut called = Vec::new();
        super::collect_fns(&model.user_functions[f].body, &mut called);
        for g in called {
            visit(g, model, memo, visiting);
        }
        let fns: Vec<Size> = memo.iter().map(|s| s.clone().unwrap_or_default()).collect();
        memo[f] = Some(inlined_size(&model.user_functions[f].body, &fns));
    }
    let n = model.user_functions.len();
    let mut memo = vec![None; n];
    let mut visiting = vec![false; n];
    for f in 0..n {
        visit(f, model, &mut memo, &mut visiting);
    }
    memo.into_iter().map(Option::unwrap_or_default).collect()
}

/// The inlined size of `e`, given the inlined sizes of the user functions.
fn inlined_size(e: &Expr, fns: &[Size]) -> Size {
    match e {
        Expr::Local(i) => {
            let mut uses = vec![0; i + 1];
            uses[*i] = 1;
            Size { base: 0, uses }
        }
        Expr::Apply(f, _, args) => {
            let callee = fns.get(*f).cloned().unwrap_or_default();
            let mut out = Size { base: callee.base.saturating_add(1), uses: Vec::new() };
            for (arg, &n) in args.iter().zip(&callee.uses) {
                let a = inlined_size(arg, fns);
                out.add(&a, n);
            }
            out
        }
        _ => {
            let mut out = Size { base: 1, uses: Vec::new() };
            e.for_each_child(|c| out.add(&inlined_size(c, fns), 1));
            out
        }
    }
}

impl Size {
    /// Adds `times` copies of `other`.
    fn add(&mut self, other: &Size, times: u64) {
        self.base = self.base.saturating_add(other.base.saturating_mul(times));
        if self.uses.len() < other.uses.len() {
            self.uses.resize(other.uses.len(), 0);
        }
        for (u, &o) in self.uses.iter_mut().zip(&other.uses) {
            *u = u.saturating_add(o.saturating_mul(times));
        }
    }
}
