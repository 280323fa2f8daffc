//! Where the display math of an answer file is: byte ranges of the content of each block.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::braced;
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

/// Environments whose content LaTeX never typesets as math: verbatim text, code listings and the
/// `comment` package's comments. Their end is the first `\end{name}`, as LaTeX reads it (a `%`
/// inside them is text, not a comment).
const HIDDEN_ENVIRONMENTS: [&str; 8] =
    ["verbatim", "verbatim*", "Verbatim", "Verbatim*", "comment", "lstlisting", "minted", "minted*"];

/// The language of an answer's text, where the two read it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Markup {
    /// A LaTeX document: `%` starts a comment, `$…$` is inline math, and verbatim text,
    /// `\iffalse … \fi` and what follows `\end{document}` are never typeset.
    Tex,
    /// Markdown, with its code and HTML already blanked (`markdown_blocks`): `%` and `$` are
    /// text, as they are where Jupyter and MathJax look for math.
    Markdown,
}

/// One `\begin{name} … \end{name}` of the text.
struct Environment<'a> {
    name: &'a str,
    /// `\begin{name}`, with the argument of an environment that takes one.
    begin: Span,
    /// What is between the begin (and its argument) and `\end{name}`.
    content: Range<usize>,
    /// Just past `\end{name}` (the end of the text when it is missing).
    end: usize,
    /// Whether `\end{name}` is there.
    closed: bool,
}

/// The environment that begins at `at`, where the text reads `\begin{`. In LaTeX its end is the
/// first `\end{name}` outside a comment, except in a verbatim environment, where `%` is text.
fn environment_at(text: &str, at: usize, markup: Markup) -> Option<Environment<'_>> {
    let name_start = at + "\\begin{".len();
    let close = text[name_start..].find('}')?;
    let name = &text[name_start..name_start + close];
    let mut content = name_start + close + 1;
    let end_tag = format!("\\end{{{name}}}");
    let content_end = if markup == Markup::Tex && HIDDEN_ENVIRONMENTS.contains(&name) {
        text[content..].find(&end_tag).map(|e| content + e)
    } else {
        if ENVIRONMENTS_WITH_ARGUMENT.contains(&name) {
            content = skip_argument(text, content);
        }
        find_closing(text, content, &end_tag, markup)
    };
    let (content_end, end) = match content_end {
        Some(e) => (e, e + end_tag.len()),
        None => (text.len(), text.len()),
    };
    let closed = content_end < text.len() || text.ends_with(&end_tag);
    Some(Environment { name, begin: Span::new(at, content), content: content..content_end, end, closed })
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
fn outer_environment(
    text: &str,
    env: &Environment,
    markup: Markup,
    out: &mut Vec<Range<usize>>,
    errors: &mut Vec<Diagnostic>,
) -> Option<usize> {
    // A display environment begun inside another (`\begin{align*}` where the `align*` before it
    // was never closed): LaTeX refuses it, and read as rows of the first it would join two
    // derivations into one. The first ends where the second begins, and says so.
    if ROW_ENVIRONMENTS.contains(&env.name) || env.name.starts_with("multline") {
        if let Some((at, inner)) = nested_display(text, env, markup) {
            errors.push(
                Diagnostic::error(
                    Span::new(at, at + inner.len()),
                    format!("`{inner}` inside the `{}` begun before it: is its `\\end{{{}}}` missing?", env.name, env.name),
                )
                .with_hint(format!(
                    "close the `{}` with `\\end{{{}}}` before the next display begins (LaTeX allows no display inside another)",
                    env.name, env.name
                )),
            );
            out.push(env.content.start..at);
            return Some(at);
        }
    }
    // `multline`'s rows are one equation, and `eqnarray`'s middle column is the relation's: the
    // reader is told so by the environment around them.
    // A display never closed (its `\end` forgotten, or in the next cell of a notebook, which
    // Jupyter renders on its own): LaTeX and MathJax show no math, and its rows are not read
    // (they were read to the end of the cell, and the next cell's false step passed over without
    // a word: a LaTeX tester).
    let display =
        ROW_ENVIRONMENTS.contains(&env.name) || env.name.starts_with("multline") || env.name.starts_with("eqnarray");
    if display && !env.closed {
        errors.push(Diagnostic::error(env.begin, format!("this `\\begin{{{}}}` is never closed", env.name)).with_hint(
            format!(
                "add `\\end{{{}}}` where its rows end (in a notebook, in the same cell: each cell is shown on its own)",
                env.name
            ),
        ));
        return Some(env.end);
    }
    if env.name.starts_with("multline") || env.name.starts_with("eqnarray") {
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

/// The row environments that stand inside another display (`aligned` in `equation`, `split`):
/// the others stand alone in a paragraph, never inside a display.
const INNER_ENVIRONMENTS: [&str; 4] = ["aligned", "alignedat", "split", "gathered"];

/// The first display environment begun inside `env` (outside comments), with its name.
fn nested_display(text: &str, env: &Environment, markup: Markup) -> Option<(usize, String)> {
    let inside = &text[..env.content.end];
    let mut from = env.content.start;
    let mut begun = None;
    while let Some(at) = find_closing(inside, from, "\\begin{", markup) {
        let name_start = at + "\\begin{".len();
        let name = &text[name_start..name_start + text[name_start..].find('}')?];
        if ROW_ENVIRONMENTS.contains(&name) && !INNER_ENVIRONMENTS.contains(&name) {
            begun = Some((at, format!("\\begin{{{name}}}")));
            break;
        }
        from = name_start;
    }
    // `$$` or `\[` opened inside it: display math inside a display too.
    let opened = ["$$", "\\["].into_iter().filter_map(|opening| {
        find_closing(inside, env.content.start, opening, markup).map(|at| (at, opening.to_string()))
    });
    begun.into_iter().chain(opened).min_by_key(|(at, _)| *at)
}

/// The display-math blocks of a LaTeX document: the row environments, `$$…$$` and `\[…\]`.
/// Comments, inline math `$…$`, verbatim text (`verbatim`, `lstlisting`, `minted`, `\verb|…|`),
/// the `comment` environment, `\iffalse … \fi` and everything after `\end{document}` are
/// skipped. Each range is the content, without delimiters. A math environment that is not read
/// is an error in `errors`.
pub fn tex_blocks(text: &str, errors: &mut Vec<Diagnostic>) -> Vec<Range<usize>> {
    errors.extend(included_files(text));
    display_math(text, Markup::Tex, errors)
}

/// An error for each file a LaTeX document takes in (`\input{part2}`, `\include`, `\subfile`,
/// `\import`) outside comments, in its body (after `\begin{document}`, where it has one: a
/// preamble's `\input{macros}` brings no derivation) and before `\end{document}`: it is not read,
/// and its derivations would go unchecked without a word (a LaTeX tester: the report was clean).
fn included_files(text: &str) -> Vec<Diagnostic> {
    const COMMANDS: [&str; 4] = ["\\input{", "\\include{", "\\subfile{", "\\import{"];
    let mut out = Vec::new();
    let mut offset = 0;
    let mut in_body = !text.contains("\\begin{document}");
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        // The line without its comment (a `%` not escaped).
        let bytes = line.as_bytes();
        let code_end =
            (0..bytes.len()).find(|&i| bytes[i] == b'%' && (i == 0 || bytes[i - 1] != b'\\')).unwrap_or(line.len());
        let code = &line[..code_end];
        if code.contains("\\end{document}") {
            break;
        }
        if let Some(at) = code.find("\\begin{document}") {
            in_body = true;
            if !COMMANDS.iter().any(|c| code[at..].contains(c)) {
                continue;
            }
        }
        if !in_body {
            continue;
        }
        for command in COMMANDS {
            let Some(at) = code.find(command) else { continue };
            let name_end = code[at..].find('}').map_or(code.len(), |k| at + k + 1);
            let written = &code[at..name_end];
            out.push(
                Diagnostic::error(Span::new(start + at, start + name_end), format!("`{written}` is not followed: what that file holds is not checked"))
                    .with_hint("check the file on its own (`gradproof check FILE.tex --model MODEL.deriv`), or paste its derivations into this one"),
            );
        }
    }
    out
}

/// Whether `at` lies inside a `$$ … $$` of the text, counting the `$$` before it outside the
/// parts hidden so far (code, HTML). `dollars` is where the count got to and whether a `$$` was
/// open there: the events come in the order of the text, so each byte is counted once.
fn inside_display_math(text: &str, hidden: &[Range<usize>], dollars: &mut (usize, bool), at: usize) -> bool {
    let (mut i, mut open) = *dollars;
    while let Some(k) = text.get(i..at).and_then(|t| t.find("$$")) {
        let here = i + k;
        // (The hidden parts are in the order of the text: the last ones are the nearest.)
        if !hidden.iter().rev().take_while(|r| r.end > here).any(|r| r.contains(&here)) {
            open = !open;
        }
        i = here + 2;
    }
    *dollars = (i.max(dollars.0), open);
    open
}

/// The inline math of a LaTeX document (`$…$`, `\(…\)`) that writes an equation (`=`, `≈`,
/// `\approx`), found by the scan of its display math: never in a comment, verbatim text, a false
/// `\iffalse`, after `\end{document}`, or inside display math (`\text{… $x = 0$}`).
pub fn tex_inline_equations(text: &str) -> Vec<Span> {
    let mut inline = Vec::new();
    let _ = display_math_with(text, Markup::Tex, &mut Vec::new(), &mut inline);
    inline
}

/// The inline math of a Markdown text (`$…$` as pulldown-cmark finds it, and `\(…\)`) that writes
/// an equation, outside code, HTML and display math.
pub fn markdown_inline_equations(text: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Parser::new_ext(text, Options::ENABLE_MATH)
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::InlineMath(_)))
        .map(|(_, range)| range)
        .filter(|range| writes_equation(&text[range.clone()]))
        .map(|range| Span::new(range.start, range.end))
        .collect();
    let (shown, display) = markdown_blocks(text, &mut Vec::new());
    let mut from = 0;
    while let Some(at) = shown[from..].find("\\(").map(|k| from + k) {
        let Some(end) = shown[at + 2..].find("\\)").map(|k| at + 2 + k) else { break };
        if !display.iter().any(|r| r.start <= at && at < r.end) && writes_equation(&shown[at + 2..end]) {
            out.push(Span::new(at, end + 2));
        }
        from = end + 2;
    }
    out.sort_by_key(|s| s.start);
    out
}

/// Whether inline math writes an equation.
fn writes_equation(math: &str) -> bool {
    math.contains(['=', '≈', '＝', '﹦', '⩵']) || math.contains("\\approx")
}

/// The display-math blocks of a Markdown text, and the text as the reader reads it. The blocks
/// are `$$…$$`, `\[…\]`, ```` ```math ```` fences, and a row environment written bare in the
/// text (`\begin{align} … \end{align}`), which Jupyter and MathJax render as display math. Code
/// (fenced, indented, inline) and HTML (blocks, tags, comments), which never show math, are
/// blanked in the returned text, and so are the `>` of block quotes; every byte keeps its offset.
/// A math environment that is not read, or display math inside an HTML block, is an error in
/// `errors`.
pub fn markdown_blocks(text: &str, errors: &mut Vec<Diagnostic>) -> (String, Vec<Range<usize>>) {
    let mut hidden = Vec::new();
    let mut quotes = Vec::new();
    let mut fences = Vec::new(); // (the whole fenced block, its content)
    let mut math_fence: Option<(Range<usize>, Option<Range<usize>>)> = None;
    let mut dollars = (0, false);
    for (event, range) in Parser::new_ext(text, Options::ENABLE_MATH).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.split_whitespace().next() == Some("math") =>
            {
                math_fence = Some((range, None));
            }
            Event::Text(_) if math_fence.is_some() => {
                if let Some((_, content)) = &mut math_fence {
                    let start = content.as_ref().map_or(range.start, |c| c.start);
                    *content = Some(start..range.end);
                }
            }
            Event::End(TagEnd::CodeBlock) if math_fence.is_some() => {
                if let Some((block, Some(content))) = math_fence.take() {
                    fences.push((block, content));
                }
            }
            // An indented block inside an open `$$` (a blank line in the math, then a row
            // indented as code): Jupyter takes the display math out before the Markdown is read,
            // and shows it; so is it read here.
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented))
                if inside_display_math(text, &hidden, &mut dollars, range.start) => {}
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) | Event::InlineHtml(_) => hidden.push(range),
            Event::Start(Tag::HtmlBlock) => {
                if let Some(at) = display_math_in_html(&text[range.clone()]) {
                    let at = range.start + at;
                    errors.push(
                        Diagnostic::error(Span::new(at, at), "display math inside an HTML block is not read")
                            .with_hint("leave a blank line after the HTML tag, so that the math is Markdown again"),
                    );
                }
                hidden.push(range);
            }
            // (A row of display math that starts with `>` is no quote: `1 \\ > 2x` in `$$`.)
            Event::Start(Tag::BlockQuote(_)) if !inside_display_math(text, &hidden, &mut dollars, range.start) => {
                quotes.push(range)
            }
            _ => {}
        }
    }
    let mut shown = text.as_bytes().to_vec();
    for range in &hidden {
        blank(&mut shown, range.clone());
    }
    blank_quote_markers(&mut shown, &quotes);
    // The fences' content is read as it is; the scan below must not find `$$` in it again.
    let mut scanned = shown.clone();
    for (block, _) in &fences {
        blank(&mut scanned, block.clone());
    }
    // Blanking replaces whole characters (pulldown-cmark's ranges and `>` are at character
    // boundaries), so both stay UTF-8; were that ever not so, the text would be read unblanked.
    let shown = String::from_utf8(shown).unwrap_or_else(|_| text.to_owned());
    let scanned = String::from_utf8(scanned).unwrap_or_else(|_| shown.clone());
    let mut out = display_math(&scanned, Markup::Markdown, errors);
    out.extend(fences.into_iter().map(|(_, content)| content));
    out.sort_by_key(|r| r.start);
    (shown, out)
}

/// Where display math (`$$`, `\[`, `\begin{`) is in an HTML block that shows its text (not a
/// comment, nor `<pre>`, `<script>`, `<style>` or `<textarea>`, nor `<!…>` or `<?…>`), which
/// MathJax may render but a Markdown reader does not parse.
fn display_math_in_html(block: &str) -> Option<usize> {
    let head = block.trim_start().chars().take(9).collect::<String>().to_ascii_lowercase();
    let raw = ["<!", "<?", "<pre", "<script", "<style", "<textarea"];
    if raw.iter().any(|r| head.starts_with(r)) {
        return None;
    }
    ["$$", "\\[", "\\begin{"].iter().filter_map(|m| block.find(m)).min()
}

/// Spaces for the bytes of `range`, newlines kept.
fn blank(bytes: &mut [u8], range: Range<usize>) {
    for b in &mut bytes[range] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

/// Spaces for the `>` that open the lines of the block quotes `quotes` (outer ones first, as
/// pulldown-cmark gives them). A line's run of markers is walked once, by the first quote that
/// reaches it: a quote nested in it starts inside that run (`> > x`), unless something stands
/// between them (`> - > x`). Walking it again for each of a thousand nested quotes was quadratic.
fn blank_quote_markers(bytes: &mut [u8], quotes: &[Range<usize>]) {
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)).collect();
    // Where the blanked run of markers of each line ends.
    let mut blanked_to = vec![0; line_starts.len()];
    for quote in quotes {
        let first = line_starts.partition_point(|&s| s <= quote.start).saturating_sub(1);
        for (line, &line_start) in line_starts.iter().enumerate().skip(first) {
            if line_start >= quote.end {
                break;
            }
            let mut i = line_start.max(quote.start);
            if i < blanked_to[line] {
                continue;
            }
            while i < quote.end && matches!(bytes[i], b' ' | b'\t' | b'>') {
                if bytes[i] == b'>' {
                    bytes[i] = b' ';
                }
                i += 1;
            }
            blanked_to[line] = i;
        }
    }
}

/// The display math of a text: row environments, `$$…$$` and `\[…\]`, with what `markup` skips.
///
/// Where a `$$` is left open, the `$$` of the text were paired one after another from it on, and
/// the error put at the last: a `$$` forgotten after part 1 took part 2's opening as its closing,
/// the prose between was read as math, and part 2's right closing was "never closed" (a student
/// tester). The `$$` left open is the one whose leaving out pairs the others with the fewest blank
/// lines inside displays (a display ends at a blank line where Jupyter and LaTeX read it, though
/// many pages show one across it); the last where that is a tie. Displays closed across a blank
/// line stay read (a first version cut every display at its blank lines once one was left open: a
/// reviewer).
fn display_math(text: &str, markup: Markup, errors: &mut Vec<Diagnostic>) -> Vec<Range<usize>> {
    display_math_with(text, markup, errors, &mut Vec::new())
}

/// [`display_math`], with the inline equations of a LaTeX document put in `inline`.
fn display_math_with(
    text: &str,
    markup: Markup,
    errors: &mut Vec<Diagnostic>,
    inline: &mut Vec<Span>,
) -> Vec<Range<usize>> {
    let (mut found, mut dollars) = (Vec::new(), Vec::new());
    let out = scan_display_math(text, markup, None, &mut dollars, &mut found, inline);
    let left_open = match dollars.len() {
        n if n % 2 == 1 && n <= MAX_DOLLARS_PAIRED => left_open(text, &dollars),
        _ => None,
    };
    let Some(at) = left_open.filter(|&k| k + 1 < dollars.len()) else {
        errors.extend(found);
        return out;
    };
    let mut found = Vec::new();
    inline.clear();
    let out = scan_display_math(text, markup, Some(dollars[at]), &mut Vec::new(), &mut found, inline);
    errors.extend(found);
    out
}

/// Where a LaTeX document's body begins.
const DOCUMENT: &str = "\\begin{document}";

/// The environments the document defines as displays (`\newenvironment{myeq}{\begin{equation}}
/// {\end{equation}}`: its begin code opens display math), each with the line of its definition:
/// what one holds cannot be read without expanding it. (An environment of the document that only
/// wraps displays written in it, a template's `solution`, is scanned as any other.)
fn defined_displays(text: &str) -> std::collections::HashMap<&str, usize> {
    const DEFINING: [&str; 5] = [
        "newenvironment",
        "renewenvironment",
        "NewDocumentEnvironment",
        "RenewDocumentEnvironment",
        "DeclareDocumentEnvironment",
    ];
    let mut out = std::collections::HashMap::new();
    for command in DEFINING {
        let pattern = format!("\\{command}");
        let mut from = 0;
        while let Some(at) = find_closing(text, from, &pattern, Markup::Tex) {
            from = at + pattern.len();
            let rest = text[from..].trim_start();
            let rest = rest.strip_prefix('*').unwrap_or(rest).trim_start();
            let Some(inner) = rest.strip_prefix('{') else { continue };
            let Some(close) = inner.find('}') else { continue };
            let name = &inner[..close];
            // The begin code: the group after the name and its optional arguments (`[1]`,
            // `[default]`; `{…}` argument specifications of `\NewDocumentEnvironment` too).
            let mut rest = inner[close + 1..].trim_start();
            while let Some(r) = rest.strip_prefix('[') {
                let Some(end) = r.find(']') else { break };
                rest = r[end + 1..].trim_start();
            }
            if command.ends_with("DocumentEnvironment") {
                rest = braced(rest).map_or(rest, |(_, after)| after.trim_start());
            }
            let Some((begin, _)) = braced(rest) else { continue };
            let opens = begin.contains("\\[")
                || begin.contains("$$")
                || ROW_ENVIRONMENTS.iter().any(|e| begin.contains(&format!("\\begin{{{e}}}")));
            if opens {
                out.entry(name).or_insert(text[..at].matches('\n').count() + 1);
            }
        }
    }
    out
}

/// The most `$$` of a text whose pairing is chosen (quadratic in their number).
const MAX_DOLLARS_PAIRED: usize = 2_000;

/// Of an odd number of `$$` at `at`, the one left open (see [`display_math`]).
fn left_open(text: &str, at: &[usize]) -> Option<usize> {
    // Blank lines between each `$$` and the next.
    let blanks: Vec<usize> = at.windows(2).map(|w| blank_lines(&text[w[0] + 2..w[1]])).collect();
    let cost = |left: usize| {
        let rest: Vec<usize> = (0..at.len()).filter(|&k| k != left).collect();
        rest.chunks(2).map(|pair| (pair[0]..pair[1]).map(|k| blanks[k]).sum::<usize>()).sum::<usize>()
    };
    (0..at.len()).rev().min_by_key(|&k| cost(k))
}

/// How many blank lines (lines of spaces only, between two line ends) a text holds.
fn blank_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.split('\n').collect();
    lines.iter().enumerate().filter(|(k, l)| *k > 0 && *k + 1 < lines.len() && l.trim().is_empty()).count()
}

/// `display_math`'s scan; the `$$` it pairs are put in `dollars`, and the one at `left_open` is an
/// error, left open, and the scan goes on after it.
fn scan_display_math(
    text: &str,
    markup: Markup,
    left_open: Option<usize>,
    dollars: &mut Vec<usize>,
    errors: &mut Vec<Diagnostic>,
    inline: &mut Vec<Span>,
) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // A document's preamble is never typeset: its math is definitions
    // (`\newenvironment{myeq}{\begin{equation}}{\end{equation}}` was read as a display left open).
    let mut i = match markup {
        Markup::Tex => find_closing(text, 0, DOCUMENT, markup).map_or(0, |at| at + DOCUMENT.len()),
        Markup::Markdown => 0,
    };
    let switches = if markup == Markup::Tex { Switches::of(text) } else { Switches::default() };
    let displays = if markup == Markup::Tex { defined_displays(text) } else { Default::default() };
    // The `\else … \fi` of conditionals found true, by where each begins and ends.
    let mut skipped: Vec<(usize, usize)> = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'%' if markup == Markup::Tex => i = line_end(text, i),
            b'\\' if text[i..].starts_with("\\begin{") => {
                let Some(env) = environment_at(text, i, markup) else { break };
                if markup == Markup::Tex && HIDDEN_ENVIRONMENTS.contains(&env.name) {
                    i = env.end;
                    continue;
                }
                // `\begin{math} … \end{math}` is inline math, as `$…$` is.
                if markup == Markup::Tex && env.name == "math" {
                    if writes_equation(&text[env.content.clone()]) {
                        inline.push(Span::new(i, env.end));
                    }
                    i = env.end;
                    continue;
                }
                // An environment the document defines itself, holding an equation: what it prints
                // cannot be told (its false step was passed over without a word: a LaTeX tester).
                if let Some(&line) = displays.get(env.name).filter(|_| markup == Markup::Tex) {
                    {
                        errors.push(
                            Diagnostic::error(
                                env.begin,
                                format!("the environment `{}` is one this document defines (line {line})", env.name),
                            )
                            .with_hint("environments of a document are not expanded: write the display as `\\[ … \\]` or `align*`"),
                        );
                        i = env.end;
                        continue;
                    }
                }
                i = outer_environment(text, &env, markup, &mut out, errors).unwrap_or(env.begin.end);
            }
            b'\\' if text[i..].starts_with("\\[") => {
                let content = i + 2;
                let Some(end) = find_closing(text, content, "\\]", markup) else {
                    errors.push(never_closed(i, "\\[", "\\]"));
                    break;
                };
                // A `\[` before the `\]`: this one is left open, and the next is read.
                if let Some(next) = find_closing(&text[..end], content, "\\[", markup) {
                    errors.push(left_open_error(i, "\\[", "\\]"));
                    i = next;
                    continue;
                }
                out.push(content..end);
                i = end + 2;
            }
            b'\\' if markup == Markup::Tex && text[i..].starts_with("\\end{document}") => break,
            // A conditional whose branch is known: `\iffalse`, `\iftrue`, and a switch the document
            // makes with `\newif` and sets (`\ifsolutions` after `\solutionsfalse`; the hidden
            // branch was read and its wrong step counted: a LaTeX tester). The branch not taken is
            // skipped.
            b'\\' if markup == Markup::Tex && switches.value(command_at(text, i), i).is_some() => {
                let name = command_at(text, i);
                let after = i + 1 + name.len();
                if switches.value(name, i) == Some(true) {
                    if let Some((at, end)) = else_branch(text, after, &switches) {
                        skipped.push((at, end));
                    }
                    i = after;
                } else {
                    i = skip_iffalse(text, after, &switches);
                }
            }
            b'\\' if markup == Markup::Tex && skipped.iter().any(|&(at, _)| at == i) => {
                i = skipped.iter().find(|&&(at, _)| at == i).map_or(i + 1, |&(_, end)| end);
            }
            b'\\' if markup == Markup::Tex && command_at(text, i) == "verb" => i = skip_verb(text, i + 5),
            b'\\' if markup == Markup::Tex && text[i..].starts_with("\\(") => {
                let end = find_closing(text, i + 2, "\\)", markup);
                if let Some(e) = end.filter(|&e| writes_equation(&text[i + 2..e])) {
                    inline.push(Span::new(i, e + 2));
                }
                i = end.map_or(text.len(), |e| e + 2);
            }
            b'\\' => i += 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8),
            b'$' if text[i..].starts_with("$$") && left_open == Some(i) => {
                errors.push(left_open_error(i, "$$", "$$"));
                i += 2;
            }
            b'$' if text[i..].starts_with("$$") => {
                let content = i + 2;
                dollars.push(i);
                let Some(end) = find_closing(text, content, "$$", markup) else {
                    errors.push(never_closed(i, "$$", "$$"));
                    break;
                };
                dollars.push(end);
                out.push(content..end);
                i = end + 2;
            }
            // Inline math, `$…$` and `\(…\)`: not read; an equation there is noted (a part of an
            // answer written so is named where it is missing).
            b'$' if markup == Markup::Tex => {
                let end = find_closing(text, i + 1, "$", markup);
                if let Some(e) = end.filter(|&e| writes_equation(&text[i + 1..e])) {
                    inline.push(Span::new(i, e + 1));
                }
                i = end.map_or(text.len(), |e| e + 1);
            }
            _ => i += 1,
        }
    }
    out.retain(|r| r.start <= r.end && r.end <= text.len());
    out
}

/// A display opened at `at` and left open before the next one opens.
fn left_open_error(at: usize, opening: &str, closing: &str) -> Diagnostic {
    Diagnostic::error(
        Span::new(at, at + opening.len()),
        format!("this `{opening}` is never closed: the next display opens before it ends"),
    )
    .with_hint(format!("close the display with `{closing}` where it ends; the displays after it are read"))
}

/// A display opened at `at` and never closed: LaTeX stops at it, a Markdown page shows it as text,
/// so what follows is not read as math (it was, to the end of the text: a student tester).
fn never_closed(at: usize, opening: &str, closing: &str) -> Diagnostic {
    Diagnostic::error(Span::new(at, at + opening.len()), format!("this `{opening}` is never closed"))
        .with_hint(format!("close the display with `{closing}`; what follows it is not read"))
}

/// The name of the control word at `at` (where the text reads `\`): its letters, or "".
fn command_at(text: &str, at: usize) -> &str {
    let name = &text[at + 1..];
    let len = name.bytes().take_while(u8::is_ascii_alphabetic).count();
    &name[..len]
}

/// The conditionals of TeX (and of e-TeX) that a false branch counts to find its `\fi`.
const TEX_CONDITIONALS: [&str; 21] = [
    "if",
    "ifcat",
    "ifnum",
    "ifdim",
    "ifodd",
    "ifvmode",
    "ifhmode",
    "ifmmode",
    "ifinner",
    "ifvoid",
    "ifhbox",
    "ifvbox",
    "ifx",
    "ifeof",
    "iftrue",
    "iffalse",
    "ifcase",
    "ifdefined",
    "ifcsname",
    "iffontchar",
    "ifincsname",
];

/// The switches a document makes with `\newif\ifname`, each with where it is set
/// (`\nametrue`, `\namefalse`), outside comments. A switch starts false, as `\newif` makes it.
/// Its value is known only where every setting stands at the top level of the document: outside
/// braces (a group's setting is undone at its end, a macro's body may never run) and outside
/// conditionals (`{\soltrue}` and a setting in a false branch were taken as set, and the branch
/// TeX prints dropped: a second tester). Other switches are conditionals of unknown value.
#[derive(Default)]
struct Switches {
    /// The switches whose value is known, with their settings in the order of the text.
    settings: std::collections::HashMap<String, Vec<(usize, bool)>>,
    /// Every switch's name.
    names: std::collections::HashSet<String>,
}

impl Switches {
    fn of(text: &str) -> Switches {
        let mut names = std::collections::HashSet::new();
        let mut declared: std::collections::HashMap<String, Vec<usize>> = Default::default();
        let mut from = 0;
        while let Some(at) = find_closing(text, from, "\\newif", Markup::Tex) {
            from = at + "\\newif".len();
            let rest = text[from..].trim_start();
            let Some(name) = rest.strip_prefix("\\if") else { continue };
            let name = &name[..name.bytes().take_while(u8::is_ascii_alphabetic).count()];
            if !name.is_empty() {
                names.insert(name.to_string());
                declared.entry(name.to_string()).or_default().push(at);
            }
        }
        let mut settings: std::collections::HashMap<String, Vec<(usize, bool)>> = Default::default();
        // Known only where TeX's reading is plain: one `\newif` and every setting after it in the
        // preamble, at its top level (outside braces, groups, environments, conditionals); no
        // `\csname`, `\unless` or `\let` that could set or turn it unseen (a third tester: a
        // switch set in `\begin{center}`, by `\csname showtrue\endcsname`, read by `\unless`,
        // set before its `\newif`, took the branch TeX skips).
        let body = find_closing(text, 0, DOCUMENT, Markup::Tex);
        if names.is_empty() || body.is_none() || find_closing(text, 0, "\\csname", Markup::Tex).is_some() {
            return Switches { settings, names };
        }
        let body = body.unwrap_or(text.len());
        let mut unknown: std::collections::HashSet<String> =
            declared.iter().filter(|(_, at)| at.len() != 1 || at[0] > body).map(|(n, _)| n.clone()).collect();
        let mut depth = 0usize;
        let mut i = 0;
        while i < text.len() {
            match text.as_bytes()[i] {
                b'%' => i = line_end(text, i),
                b'{' => {
                    depth += 1;
                    i += 1;
                }
                b'}' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b'\\' => {
                    let name = command_at(text, i);
                    let after = i + 1 + name.len();
                    match name {
                        "newif" => {
                            i = super::macros::past_words(text, after, 1);
                            continue;
                        }
                        "let" | "unless" => {
                            // (What they take is a switch turned or read otherwise: unknown.)
                            let next = super::macros::past_words(text, after, 1);
                            let word = text[after..next].trim_start_matches([' ', '\t', '\n', '=']);
                            if let Some(n) = word.strip_prefix("\\if").filter(|n| names.contains(*n)) {
                                unknown.insert(n.to_string());
                            }
                            i = next;
                            continue;
                        }
                        "begingroup" | "bgroup" | "begin" => depth += 1,
                        "endgroup" | "egroup" | "end" | "fi" => depth = depth.saturating_sub(1),
                        "verb" => {
                            i = skip_verb(text, after);
                            continue;
                        }
                        n if TEX_CONDITIONALS.contains(&n)
                            || n.strip_prefix("if").is_some_and(|n| names.contains(n)) =>
                        {
                            depth += 1;
                        }
                        _ => {}
                    }
                    for (word, value) in [("true", true), ("false", false)] {
                        if let Some(switch) = name.strip_suffix(word).filter(|n| names.contains(*n)) {
                            let after_newif = declared.get(switch).is_some_and(|at| at.iter().all(|&d| d < i));
                            if depth == 0 && i < body && after_newif {
                                settings.entry(switch.to_string()).or_default().push((i, value));
                            } else {
                                unknown.insert(switch.to_string());
                            }
                        }
                    }
                    i = if name.is_empty() {
                        i + 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8)
                    } else {
                        after
                    };
                }
                _ => i += 1,
            }
        }
        for name in &names {
            if !unknown.contains(name) {
                settings.entry(name.clone()).or_default();
            }
        }
        settings.retain(|name, _| !unknown.contains(name));
        Switches { settings, names }
    }

    /// The value of the conditional `\{command}` met at `at`, where it is known: `\iftrue`,
    /// `\iffalse`, a switch of the document (as last set before `at`).
    fn value(&self, command: &str, at: usize) -> Option<bool> {
        match command {
            "iftrue" => Some(true),
            "iffalse" => Some(false),
            _ => {
                let set = self.settings.get(command.strip_prefix("if")?)?;
                Some(set.iter().take_while(|(k, _)| *k < at).last().is_some_and(|(_, v)| *v))
            }
        }
    }

    /// Whether `\{command}` opens a conditional: TeX's own, or a switch of the document.
    /// (`\iff`, the relation, `\ifthenelse` and the like are macros, no conditionals.)
    fn is_conditional(&self, command: &str) -> bool {
        TEX_CONDITIONALS.contains(&command) || command.strip_prefix("if").is_some_and(|n| self.names.contains(n))
    }
}

/// The `\else … \fi` of a conditional whose true branch begins at `from`: where the `\else`
/// begins and where its `\fi` ends, if it has one.
fn else_branch(text: &str, from: usize, switches: &Switches) -> Option<(usize, usize)> {
    let end = skip_iffalse(text, from, switches);
    let at = end.checked_sub("\\else".len())?;
    text[at..end].eq("\\else").then(|| (at, skip_iffalse(text, end, switches)))
}

/// Past the false branch of a conditional whose name ends at `from`: after the `\else` or `\fi`
/// that matches it, counting the conditionals (`\if…`) inside, as TeX skips them; comments
/// are skipped too. The end of the text when it is not closed.
fn skip_iffalse(text: &str, from: usize, switches: &Switches) -> usize {
    let mut depth = 0usize;
    let mut i = from;
    while i < text.len() {
        match text.as_bytes()[i] {
            b'%' => i = line_end(text, i),
            b'\\' => {
                let name = command_at(text, i);
                let after = i + 1 + name.len();
                match name {
                    "fi" | "else" if depth == 0 => return after,
                    "fi" => depth -= 1,
                    // (The switch `\newif` declares, the words `\let` names: no conditionals
                    // opened, a third tester.)
                    "newif" | "let" => {
                        i = super::macros::past_words(text, after, if name == "newif" { 1 } else { 2 });
                        continue;
                    }
                    n if switches.is_conditional(n) => depth += 1,
                    _ => {}
                }
                i = if name.is_empty() {
                    i + 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8)
                } else {
                    after
                };
            }
            _ => i += 1,
        }
    }
    text.len()
}

/// Past a `\verb|…|` (or `\verb*|…|`) whose name ends at `from`: its delimiter is the character
/// after it, and it ends at the next one on the same line (LaTeX stops at the line's end).
fn skip_verb(text: &str, from: usize) -> usize {
    let from = from + usize::from(text[from..].starts_with('*'));
    let Some(delimiter) = text[from..].chars().next() else { return text.len() };
    if delimiter == '\n' {
        return from;
    }
    let content = from + delimiter.len_utf8();
    let line = &text[content..line_end(text, content)];
    match line.find(delimiter) {
        Some(e) => content + e + delimiter.len_utf8(),
        None => content + line.len(),
    }
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |e| from + e + 1)
}

/// Where `pattern` next occurs from `from`, outside `\`-escapes and, in LaTeX, outside `%`
/// comments (LaTeX never sees what a comment holds).
fn find_closing(text: &str, from: usize, pattern: &str, markup: Markup) -> Option<usize> {
    let mut i = from;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(pattern) {
            return Some(i);
        }
        if let Some(escaped) = rest.strip_prefix('\\') {
            i += 1 + escaped.chars().next().map_or(0, char::len_utf8);
            continue;
        }
        if markup == Markup::Tex && rest.starts_with('%') {
            i = line_end(text, i);
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    None
}
