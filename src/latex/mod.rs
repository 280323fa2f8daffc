//! Answers written where students write them: the display math of a LaTeX document or of a
//! Markdown text, read as derivations of the syntax tree ([`crate::syntax::ast`]) with the names
//! of a model. Spans are byte offsets of the answer file. The LaTeX is parsed by `mitex-parser`;
//! the step from its tree to our expressions is ours (`tree`, `read`). The contract is
//! docs/latex.md.

mod blocks;
mod names;
mod read;
pub mod spell;
mod tree;

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Derivation, File};

/// The kinds of answer file the reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// A LaTeX document (`.tex`).
    Tex,
    /// Markdown (`.md`, `.markdown`).
    Markdown,
}

impl AnswerKind {
    /// The kind of a file by its extension, if it is an answer file.
    pub fn of_path(path: &str) -> Option<AnswerKind> {
        let ext = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "tex" | "latex" => Some(AnswerKind::Tex),
            "md" | "markdown" => Some(AnswerKind::Markdown),
            _ => None,
        }
    }
}

/// The derivations of an answer text, named by the declarations of `model`, and everything that
/// could not be read (each with its span in `text`). A block that cannot be read does not stop the
/// others.
pub fn read_answer(text: &str, kind: AnswerKind, model: &File) -> (Vec<Derivation>, Vec<Diagnostic>) {
    let ranges = match kind {
        AnswerKind::Tex => blocks::tex_blocks(text),
        AnswerKind::Markdown => blocks::markdown_blocks(text),
    };
    let names = names::Names::of_model(model);
    read::read_blocks(text, &ranges, &names)
}
