//! Splits a file into logical lines: a line that ends inside an open `(` or `[` continues on the
//! next one, unless the next one starts a new statement (then the bracket is reported unclosed,
//! so that one missing `)` does not swallow the rest of the file).

use crate::diagnostic::{Diagnostic, Span};

/// Deeper bracket nesting than this is refused before parsing, so that no input can exhaust the
/// parser's stack.
pub const MAX_NESTING: usize = 200;
/// More operators than this in one logical line are refused before parsing (each one nests the
/// syntax tree one level deeper).
pub const MAX_OPERATORS: usize = 2_000;
/// Longer logical lines than this (in bytes) are refused before parsing.
pub const MAX_LINE_BYTES: usize = 20_000;

/// A logical line: a byte range of the file that holds one statement (and its note).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogicalLine {
    /// The byte range, without the final newline.
    pub span: Span,
    /// Refused before parsing (too long, too deep, an unclosed bracket); its error is reported.
    pub rejected: bool,
}

/// The logical lines of `source`, and the problems found while splitting (those lines are left out).
pub fn split(source: &str) -> (Vec<LogicalLine>, Vec<Diagnostic>) {
    let mut lines = Vec::new();
    let mut diagnostics = Vec::new();
    let mut start = 0;
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut max_depth = 0;
    let mut operators = 0;
    let mut in_comment = false;
    let mut in_string = false;
    for (i, ch) in source.char_indices() {
        match ch {
            '\n' => {
                in_comment = false;
                in_string = false;
                let continues = !open.is_empty() && !next_line_starts_statement(&source[i + 1..]);
                if continues {
                    continue;
                }
                finish(source, start, i, &mut open, (max_depth, operators), &mut lines, &mut diagnostics);
                max_depth = 0;
                operators = 0;
                start = i + 1;
            }
            _ if in_comment => {}
            '"' => in_string = !in_string,
            _ if in_string => {}
            '#' => in_comment = true,
            '(' | '[' => {
                open.push((ch, i));
                max_depth = max_depth.max(open.len());
            }
            ')' | ']' => {
                open.pop();
            }
            '+' | '-' | '*' | '/' | '^' | '−' | '·' | '×' => operators += 1,
            _ => {}
        }
    }
    finish(source, start, source.len(), &mut open, (max_depth, operators), &mut lines, &mut diagnostics);
    (lines, diagnostics)
}

/// `text`, one logical line, with each comment that a newline ends inside it (a comment within a
/// continued line) blanked out: its bytes become spaces, so that every offset stays the same. The
/// comment that ends the logical line is its note and is kept. Comments are found as [`split`]
/// finds them: a `#` outside a quoted string, up to the end of its physical line. The parser then
/// has no comments to skip between tokens.
pub fn blank_inner_comments(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\n') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    let mut comment: Option<usize> = None;
    let mut in_string = false;
    for (i, ch) in text.char_indices() {
        match ch {
            '\n' => {
                if let Some(start) = comment.take() {
                    bytes[start..i].fill(b' ');
                }
                in_string = false;
            }
            _ if comment.is_some() => {}
            '"' => in_string = !in_string,
            _ if in_string => {}
            '#' => comment = Some(i),
            _ => {}
        }
    }
    // Whole characters were replaced by as many ASCII spaces as they had bytes.
    std::borrow::Cow::Owned(String::from_utf8(bytes).expect("comments are blanked whole"))
}

fn finish(
    source: &str,
    start: usize,
    end: usize,
    open: &mut Vec<(char, usize)>,
    (max_depth, operators): (usize, usize),
    lines: &mut Vec<LogicalLine>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let span = Span::new(start, end);
    if source[start..end].trim().is_empty() {
        open.clear();
        return;
    }
    if end - start > MAX_LINE_BYTES {
        diagnostics.push(
            Diagnostic::error(Span::new(start, start), format!("line is too long ({} bytes)", end - start)).with_hint(
                format!("a statement may have at most {MAX_LINE_BYTES} bytes; split it with `let` definitions"),
            ),
        );
    } else if operators > MAX_OPERATORS {
        diagnostics.push(
            Diagnostic::error(Span::new(start, start), format!("expression is too large ({operators} operators)"))
                .with_hint(format!("a statement may have at most {MAX_OPERATORS} operators; name parts with `let`"))
                .without_source(),
        );
    } else if max_depth > MAX_NESTING {
        diagnostics.push(
            Diagnostic::error(Span::new(start, start), format!("brackets are nested too deeply ({max_depth} levels)"))
                .with_hint(format!("at most {MAX_NESTING} levels are allowed; name parts with `let`"))
                .without_source(),
        );
    } else if let Some(&(ch, at)) = open.first() {
        let close = if ch == '(' { ')' } else { ']' };
        diagnostics.push(
            Diagnostic::error(Span::new(at, at + ch.len_utf8()), format!("unclosed `{ch}`"))
                .with_hint(format!("add the missing `{close}`")),
        );
    } else {
        lines.push(LogicalLine { span, rejected: false });
        open.clear();
        return;
    }
    lines.push(LogicalLine { span, rejected: true });
    open.clear();
}

/// Whether a line begins with something that can only start a statement, so a bracket left open
/// on the line before is a mistake rather than a continuation.
fn next_line_starts_statement(rest: &str) -> bool {
    let line = rest.trim_start_matches([' ', '\t']);
    const STARTS: [&str; 11] =
        ["title", "index", "var", "unknown", "let", "assume", "tolerance", "grading", "derive", "≈", "~="];
    if line.starts_with('=') {
        return true;
    }
    STARTS.iter().any(|kw| {
        line.strip_prefix(kw).is_some_and(|after| {
            !kw.chars().all(char::is_alphabetic)
                || after.chars().next().is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<&str> {
        split(source).0.iter().filter(|l| !l.rejected).map(|l| &source[l.span.range()]).collect()
    }

    #[test]
    fn joins_lines_inside_brackets() {
        assert_eq!(texts("let a = f(x,\n  y)\nvar z"), vec!["let a = f(x,\n  y)", "var z"]);
    }

    #[test]
    fn unclosed_bracket_before_a_statement_is_an_error() {
        let (lines, diagnostics) = split("let a = f(x\n= 3\n");
        assert_eq!(lines.iter().filter(|l| !l.rejected).count(), 1);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].message, "unclosed `(`");
    }

    #[test]
    fn brackets_in_comments_and_strings_do_not_count() {
        assert_eq!(texts("title \"a (b\"\nvar x # (\nvar y"), vec!["title \"a (b\"", "var x # (", "var y"]);
    }

    #[test]
    fn inner_comments_are_blanked_and_the_note_is_kept() {
        let line = "let a = f(x, # first (é\n  \"#\" y) # note";
        let blanked = blank_inner_comments(line);
        assert_eq!(blanked.len(), line.len());
        let comment = "# first (é";
        assert_eq!(blanked, line.replace(comment, &" ".repeat(comment.len())));
        assert!(matches!(blank_inner_comments("var x # note"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let source = format!("derive {}x{}", "(".repeat(300), ")".repeat(300));
        let (lines, diagnostics) = split(&source);
        assert!(lines.iter().all(|l| l.rejected));
        assert!(diagnostics[0].message.contains("nested too deeply"));
    }
}
