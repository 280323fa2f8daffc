//! Name resolution and the model: indices, sizes, entries, the definitions DAG.

mod ir;
mod resolve;
mod text;

pub use ir::*;
pub use resolve::{
    constant_value, dependency_closure, entries_read, free_indices, label_text, parse_decimal, render_ref, resolve,
    written_ref,
};
pub use text::{entry_text, expr_text, ix_text};
