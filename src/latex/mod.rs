//! Answers written where students write them: the display math of a LaTeX document or of a
//! Markdown text, read as derivations of the syntax tree ([`crate::syntax::ast`]) with the names
//! of a model. Spans are byte offsets of the answer file. The LaTeX is parsed by `mitex-parser`;
//! the step from its tree to our expressions is ours (`tree`, `read`). The contract is
//! docs/latex.md.

mod bars;
mod blocks;
mod macros;
mod names;
mod notebook;
mod read;
pub mod spell;
mod tree;
pub mod write;

use std::borrow::Cow;

use crate::diagnostic::{Diagnostic, Span};
use crate::syntax::ast::{Derivation, Expr, ExprKind, File, IndexAtom, IndexExpr, VarRef};

/// The inside of the braced group `text` starts with (`{…}`, nested braces and all), and what
/// follows it.
fn braced(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('{')?;
    let mut depth = 1;
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&inner[..k], &inner[k + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// The kinds of answer file the reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// A LaTeX document (`.tex`).
    Tex,
    /// Markdown (`.md`, `.markdown`).
    Markdown,
    /// A Jupyter notebook (`.ipynb`): its markdown cells, read as Markdown.
    Notebook,
}

impl AnswerKind {
    /// The kind of a file by its extension, if it is an answer file.
    pub fn of_path(path: &str) -> Option<AnswerKind> {
        let ext = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "tex" | "latex" => Some(AnswerKind::Tex),
            "md" | "markdown" => Some(AnswerKind::Markdown),
            "ipynb" => Some(AnswerKind::Notebook),
            _ => None,
        }
    }
}

/// The `latex` spellings of a model that answers could never be read with (errors of the model).
pub fn unread_spellings(model: &File) -> Vec<Diagnostic> {
    names::unread_spellings(model)
}

/// The derivations of an answer text, named by the declarations of `model`, and everything that
/// could not be read (each with its span in `text`). A block that cannot be read does not stop the
/// others.
pub fn read_answer(text: &str, kind: AnswerKind, model: &File) -> (Vec<Derivation>, Vec<Diagnostic>) {
    let names = names::Names::of_model(model);
    let mut unread = Vec::new();
    // Markdown is read with its code, HTML and quote markers blanked (same offsets).
    let (shown, ranges) = match kind {
        AnswerKind::Tex => (Cow::Borrowed(text), blocks::tex_blocks(text, &mut unread)),
        AnswerKind::Markdown => {
            let (shown, ranges) = blocks::markdown_blocks(text, &mut unread);
            (Cow::Owned(shown), ranges)
        }
        AnswerKind::Notebook => {
            let cells = match notebook::markdown_cells(text) {
                Ok(cells) => cells,
                Err(d) => return (Vec::new(), vec![d]),
            };
            let mut derivations: Vec<Derivation> = Vec::new();
            let mut errors = Vec::new();
            // A cell that starts with `=` goes on from the derivation the cell above ended with,
            // as a Markdown block does from the block above (a LaTeX tester's chain split over two
            // cells was "no left side").
            let mut ended = false;
            for cell in cells {
                let mut unread = Vec::new();
                let (shown, ranges) = blocks::markdown_blocks(&cell.text, &mut unread);
                let above = if ended { derivations.pop() } else { None };
                let mapped = above.as_ref().map_or(0, |d| d.steps.len());
                let (mut ds, mut es, ends) = read::read_blocks_after(&shown, &ranges, &names, above);
                ended = ends;
                merge_unread(&mut es, unread);
                for (k, d) in ds.iter_mut().enumerate() {
                    if k == 0 && mapped > 0 {
                        // (The cell above's steps are mapped already.)
                        for step in &mut d.steps[mapped..] {
                            step.span = cell.map(step.span);
                            map_expr(&mut step.expr, &|s| cell.map(s));
                        }
                    } else {
                        map_derivation(d, &|s| cell.map(s));
                    }
                }
                derivations.extend(ds);
                errors.extend(es.into_iter().map(|mut e| {
                    e.span = cell.map(e.span);
                    e
                }));
            }
            return (derivations, errors);
        }
    };
    let (derivations, mut errors) = read::read_blocks(&shown, &ranges, &names);
    merge_unread(&mut errors, unread);
    (derivations, errors)
}

/// The inline math of an answer (`$…$`, not `$$`) that writes an equation: it is not read, so a
/// part written there is never graded, and a part found missing says where it may be (a TA: a
/// chain written in `$…$` beside display math was "missing" without a word).
pub fn inline_equations(text: &str, kind: AnswerKind) -> Vec<Span> {
    match kind {
        AnswerKind::Tex => blocks::tex_inline_equations(text),
        AnswerKind::Markdown => blocks::markdown_inline_equations(text),
        AnswerKind::Notebook => notebook::markdown_cells(text)
            .unwrap_or_default()
            .iter()
            .flat_map(|cell| {
                blocks::markdown_inline_equations(&cell.text).into_iter().map(|s| cell.map(s)).collect::<Vec<_>>()
            })
            .collect(),
    }
}

/// Puts each environment that is not read in its place among the errors of the blocks.
fn merge_unread(errors: &mut Vec<Diagnostic>, unread: Vec<Diagnostic>) {
    for e in unread {
        let at = errors.iter().position(|d| d.span.start > e.span.start).unwrap_or(errors.len());
        errors.insert(at, e);
    }
}

/// Moves every span of a derivation (read from a notebook cell's text) into the notebook.
fn map_derivation(d: &mut Derivation, f: &dyn Fn(Span) -> Span) {
    d.span = f(d.span);
    map_expr(&mut d.head, f);
    for step in &mut d.steps {
        step.span = f(step.span);
        map_expr(&mut step.expr, f);
    }
}

fn map_index(e: &mut IndexExpr, f: &dyn Fn(Span) -> Span) {
    e.span = f(e.span);
    for (_, atom) in &mut e.terms {
        match atom {
            IndexAtom::Int(_, span) => *span = f(*span),
            IndexAtom::Name(id) => id.span = f(id.span),
        }
    }
}

fn map_var(v: &mut VarRef, f: &dyn Fn(Span) -> Span) {
    v.span = f(v.span);
    v.name.span = f(v.name.span);
    v.subscripts.iter_mut().for_each(|s| map_index(s, f));
}

fn map_expr(e: &mut Expr, f: &dyn Fn(Span) -> Span) {
    e.span = f(e.span);
    match &mut e.kind {
        ExprKind::Number(_) => {}
        ExprKind::Name(id) => id.span = f(id.span),
        ExprKind::Indexed(id, subs) => {
            id.span = f(id.span);
            subs.iter_mut().for_each(|s| map_index(s, f));
        }
        ExprKind::Call { func, args, .. } => {
            func.span = f(func.span);
            args.iter_mut().for_each(|a| map_expr(a, f));
        }
        ExprKind::Neg(inner) | ExprKind::Transpose(inner) => map_expr(inner, f),
        ExprKind::Binary(_, a, b, op) => {
            *op = f(*op);
            map_expr(a, f);
            map_expr(b, f);
        }
        ExprKind::Array(items) => items.iter_mut().for_each(|a| map_expr(a, f)),
        ExprKind::Big { binder, range, body, .. } => {
            binder.span = f(binder.span);
            if let Some(r) = range {
                map_index(&mut r.lo, f);
                map_index(&mut r.hi, f);
            }
            map_expr(body, f);
        }
        ExprKind::Diff { body, wrt } => {
            map_expr(body, f);
            wrt.iter_mut().for_each(|w| map_var(w, f));
        }
    }
}
