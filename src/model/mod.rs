//! Name resolution and the model: indices, sizes, entries, shapes, the definitions DAG.

mod formula;
mod ir;
mod limits;
mod lint;
mod resolve;
mod shape;
mod text;

pub use formula::{derivative_body, expansion, formula_body, subst_locals};
pub use ir::*;
pub use limits::{MAX_DECLARATIONS, MAX_INLINED_SIZE};
pub use lint::warnings;
pub use resolve::{
    collect_fns, constant_value, decimal_digits, dependency_closure, entries_read, for_each_ix_var, free_indices,
    label_text, labels_read, parse_decimal, render_ref, resolve, subst_free, subst_ix_vars, written_ref,
};
pub use shape::{dim_text, dims_text, ix_var, LATEX_HINTS, ONE};
pub use text::{entry_text, expr_text, ix_text, whole_entry_text};

/// The model of a source text (parsed and resolved), with every error of both in the order of the
/// text.
pub fn model_of(source: &str) -> (Model, Vec<crate::diagnostic::Diagnostic>) {
    let (file, mut errors) = crate::syntax::parse_file(source);
    let (model, resolve_errors) = resolve(&file);
    errors.extend(resolve_errors);
    errors.sort_by_key(|d| d.span.start);
    (model, errors)
}
