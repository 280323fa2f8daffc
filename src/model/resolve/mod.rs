//! Syntax tree → model: binds every name, numbers indices and entries, checks arities, ranges and
//! cycles. Reports every problem it finds and keeps going.
//!
//! This file holds the entry point [`resolve`] and the resolver's state; the work is split by
//! phase, each an `impl Resolver` block of its own:
//!
//! 1. `declare` — pass 1, the declarations: sizes, range indices, labels, entries (inputs,
//!    definitions with their bodies still pending, unknown nodes), unknown and user functions,
//!    shaped arrays, `grading`.
//! 2. `define` — pass 2, the bodies: user function bodies, definitions, dependency lists, then the
//!    statements in file order (`assume`, `tolerance`, derivations).
//! 3. `expr` and `refs` — expressions, used by pass 2: names bound to what they denote, `sum`
//!    binders, calls and their arities, shapes (§7); references to entries by their subscripts
//!    and labels, and index expressions.
//! 4. `checks` — the free indices of definitions and function bodies, the forms of `assume`, and
//!    the cycles of the definitions DAG (looked for after pass 2).
//! 5. `suggest` — the closest known name for an unknown name or function.
//!
//! `walk` and `literal` are functions over resolved expressions and literals that the rest of the
//! crate uses too (free indices, entries read, substitution of indices, exact decimals).
//!
//! The resolver does not evaluate anything and knows no number beyond exact literals; the limits
//! on a file's size that the syntax alone does not bound are in `model::limits`.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::ir::*;
use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast;

mod checks;
mod declare;
mod define;
mod expr;
mod literal;
mod refs;
mod suggest;
mod walk;

#[cfg(test)]
mod tests;

pub use literal::{constant_value, decimal_digits, parse_decimal};
pub use refs::{label_text, render_ref, written_ref};
pub use walk::{
    collect_fns, dependency_closure, entries_read, entries_read_inlined, for_each_ix_var, free_indices, labels_read,
    subst_free, subst_ix_vars,
};

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
    literal::given_numbers_exact(&mut r.model);
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
    poisoned: FxHashSet<String>,
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

    fn entry_display(&self, id: EntryId) -> String {
        let e = &self.model.entries[id];
        render_ref(&self.model, &e.name, &e.slots)
    }
}

/// The names of the builtin functions (`crate::builtin`'s table) and `delta`: they cannot be
/// declared (`δ` can: a file's own `δ` wins over the Kronecker delta), and they are the first
/// candidates for an unknown function's hint.
fn builtin_names() -> Vec<&'static str> {
    Builtin::names().chain(["delta"]).collect()
}

fn reserved(name: &str) -> Option<&'static str> {
    if Builtin::from_name(name).is_some_and(|b| b.arity() == 0) {
        Some("a builtin constant")
    } else if builtin_names().contains(&name) {
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
