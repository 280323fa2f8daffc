//! Text → syntax tree with spans. Knows nothing of evaluation, e-graphs or numbers.

pub mod ast;
pub mod lines;
mod parse;

pub use parse::parse_file;
