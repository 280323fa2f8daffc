//! Where the display math of an answer file is: byte ranges of the content of each block.

use std::ops::Range;

use super::tree::{ENVIRONMENTS_WITH_ARGUMENT, ROW_ENVIRONMENTS};
use crate::diagnostic::{Diagnostic, Span};

/// Display-math environments of LaTeX packages (`IEEEtrantools`, `breqn`, `empheq`, `cases`)
/// that the reader does not read. Each is reported: a derivation in one would otherwise never be
/// checked, and nothing would say so.
const UNREAD_ENVIRONMENTS: [&str; 13] = [
    "IEEEeqnarray",
    "IEEEeqnarray*",
    "IEEEeqnarraybox",
    "dmath",
    "dmath*",
    "darray",
    "darray*",
    "dseries",
    "dseries*",
    "empheq",
    "numcases",
    "subnumcases",
    "mathpar",
];

/// One `\begin{name} … \end{name}` of the text.
struct Environment<'a> {
    name: &'a str,
    /// `\begin{name}`, with the argument of an environment that takes one.
    begin: Span,
    /// What is between the begin (and its argument) and `\end{name}`.
    content: Range<usize>,
    /// Just past `\end{name}` (the end of the text when it is missing).
    end: usize,
}

/// The environment that begins at `at`, where the text reads `\begin{`.
fn environment_at(text: &str, at: usize) -> Option<Environment<'_>> {
    let name_start = at + "\\begin{".len();
    let close = text[name_start..].find('}')?;
    let name = &text[name_start..name_start + close];
    let mut content = name_start + close + 1;
    if ENVIRONMENTS_WITH_ARGUMENT.contains(&name) {
        content = skip_argument(text, content);
    }
    let end_tag = format!("\\end{{{name}}}");
    let (content_end, end) = match text[content..].find(&end_tag) {
        Some(e) => (content + e, content + e + end_tag.len()),
        None => (text.len(), text.len()),
    };
    Some(Environment { name, begin: Span::new(at, content), content: content..content_end, end })
}

/// Past the `{…}` argument that starts at `from` (after spaces), or `from` when there is none.
fn skip_argument(text: &str, from: usize) -> usize {
    let start = from + (text[from..].len() - text[from..].trim_start().len());
    if !text[start..].starts_with('{') {
        return from;
    }
    let mut depth = 0;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return start + i + 1;
                }
            }
            _ => {}
        }
    }
    from
}

/// What an environment met outside display math is: rows to read, math the reader does not read
/// (an error), or anything else (prose, `subequations`), whose inside is scanned on.
fn outer_environment(env: &Environment, out: &mut Vec<Range<usize>>, errors: &mut Vec<Diagnostic>) -> Option<usize> {
    // `multline`'s rows are one equation: the reader is told so by the environment around them.
    if env.name.starts_with("multline") {
        out.push(env.begin.start..env.end);
        return Some(env.end);
    }
    if ROW_ENVIRONMENTS.contains(&env.name) {
        out.push(env.content.clone());
        return Some(env.end);
    }
    if UNREAD_ENVIRONMENTS.contains(&env.name) {
        errors.push(
            Diagnostic::error(env.begin, format!("the environment `{}` is not read", env.name))
                .with_hint("write the derivation in `align*` (docs/latex.md lists the environments that are read)"),
        );
        return Some(env.end);
    }
    None
}

/// The display-math blocks of a LaTeX document: the row environments, `$$…$$` and `\[…\]`.
/// Comments and inline math `$…$` are skipped. Each range is the content, without delimiters.
/// A math environment that is not read is an error in `errors`.
pub fn tex_blocks(text: &str, errors: &mut Vec<Diagnostic>) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => i = line_end(text, i),
            b'\\' if text[i..].starts_with("\\begin{") => {
                let Some(env) = environment_at(text, i) else { break };
                i = outer_environment(&env, &mut out, errors).unwrap_or(env.begin.end);
            }
            b'\\' if text[i..].starts_with("\\[") => {
                let content = i + 2;
                let end = find_unescaped(text, content, "\\]").unwrap_or(text.len());
                out.push(content..end);
                i = end + 2;
            }
            b'\\' => i += 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8),
            b'$' if text[i..].starts_with("$$") => {
                let content = i + 2;
                let end = find_unescaped(text, content, "$$").unwrap_or(text.len());
                out.push(content..end);
                i = end + 2;
            }
            b'$' => i = find_unescaped(text, i + 1, "$").map_or(text.len(), |e| e + 1),
            _ => i += 1,
        }
    }
    out.retain(|r| r.start <= r.end && r.end <= text.len());
    out
}

/// The display-math blocks of a Markdown text: `$$…$$` outside code, ```` ```math ```` fences,
/// and a row environment written bare in the text (`\begin{align} … \end{align}`), which Jupyter
/// and MathJax render as display math. A math environment that is not read is an error in
/// `errors`.
pub fn markdown_blocks(text: &str, errors: &mut Vec<Diagnostic>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut fence: Option<(String, bool, usize)> = None; // (marker, is math, content start)
    let mut in_math: Option<usize> = None; // content start of an open `$$`
    let mut resume = 0; // the end of a bare environment: the text before it has been read
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let line_start = at;
        at += line.len();
        if at <= resume {
            continue;
        }
        let trimmed = line.trim_start();
        if in_math.is_none() && line_start >= resume {
            if let Some((marker, math, content)) = &fence {
                if trimmed.starts_with(marker.as_str()) && trimmed[marker.len()..].trim().is_empty() {
                    if *math {
                        out.push(*content..line_start);
                    }
                    fence = None;
                }
                continue;
            }
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                let marker: String = trimmed.chars().take_while(|c| *c == '`' || *c == '~').collect();
                let info = trimmed[marker.len()..].trim();
                fence = Some((marker, info == "math" || info.starts_with("math "), at));
                continue;
            }
        }
        // `$$` pairs and bare environments on this line, outside inline code.
        let mut i = resume.saturating_sub(line_start);
        let bytes = line.as_bytes();
        while i < bytes.len() {
            if in_math.is_none() && bytes[i] == b'`' {
                let ticks = line[i..].chars().take_while(|c| *c == '`').count();
                let marker = "`".repeat(ticks);
                i = match line[i + ticks..].find(&marker) {
                    Some(e) => i + ticks + e + ticks,
                    None => bytes.len(),
                };
                continue;
            }
            // (`i` is at a character's start wherever the byte there is ASCII.)
            if in_math.is_none() && bytes[i] == b'\\' && line[i..].starts_with("\\begin{") {
                let Some(env) = environment_at(text, line_start + i) else { break };
                match outer_environment(&env, &mut out, errors) {
                    Some(end) => {
                        resume = end;
                        if end >= at {
                            break;
                        }
                        i = end - line_start;
                    }
                    None => i = env.begin.end - line_start,
                }
                continue;
            }
            if bytes[i] == b'\\' {
                i += 2;
                continue;
            }
            if bytes[i] == b'$' && line[i..].starts_with("$$") {
                match in_math.take() {
                    Some(content) => out.push(content..line_start + i),
                    None => in_math = Some(line_start + i + 2),
                }
                i += 2;
                continue;
            }
            i += 1;
        }
    }
    if let Some(content) = in_math {
        out.push(content..text.len());
    }
    out
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |e| from + e + 1)
}

fn find_unescaped(text: &str, from: usize, pattern: &str) -> Option<usize> {
    let mut i = from;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(pattern) {
            return Some(i);
        }
        if rest.starts_with('\\') {
            i += 1 + rest[1..].chars().next().map_or(0, char::len_utf8);
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    None
}
