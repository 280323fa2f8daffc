//! Text → syntax tree with spans, and back (`print`). Knows nothing of evaluation, e-graphs or
//! numbers.

pub mod ast;
pub mod lines;
mod parse;
pub mod print;
pub mod shift;

pub use parse::{
    big_operator_hint, big_operator_subscript, parse_file, parse_file_on, parse_file_remembering, parse_lines,
    LineMemo, SourceLine, Statement,
};
