//! The macros a student's document defines for itself — `\newcommand{\pd}[2]{\frac{\partial
//! #1}{\partial #2}}`, `\renewcommand`, `\providecommand`, `\def\R{…}`, `\DeclareMathOperator` —
//! expanded before its display math is read, as LaTeX expands them. The expanded text is the text
//! the answer is checked as (its lines are the document's: a newline in a macro's body is a
//! space), so every span, culprit and counterexample refers to it.
//!
//! What is not expanded stays as written and is refused where it is read (an optional argument
//! with a default, `\newcommand{\x}[1][0]{…}`; a macro that expands past [`MAX_EXPANDED`]).

/// A macro's definition: its number of arguments and its body (`#1` … `#9` its parameters).
#[derive(Debug, Clone)]
struct Macro {
    name: String,
    arguments: usize,
    body: String,
}

/// Expansions of one use inside another at most this deep.
const MAX_DEPTH: usize = 16;

/// An expanded text at most this many times the document's length (and 1 MiB, a file's limit).
const MAX_EXPANDED: usize = 8;

/// The text with the macros it defines expanded, or `None` when it defines none.
pub fn expand_macros(text: &str) -> Option<String> {
    let (macros, definitions) = definitions(text);
    if macros.is_empty() {
        return None;
    }
    let limit = (text.len() * MAX_EXPANDED).min(1 << 20);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in definitions.iter().chain(std::iter::once(&(text.len()..text.len()))) {
        out.push_str(&expand(&text[at..span.start], &macros, 0, limit)?);
        out.push_str(&text[span.clone()]);
        at = span.end;
    }
    Some(out)
}

/// The macros a text defines, and where their definitions are written (not expanded themselves).
fn definitions(text: &str) -> (Vec<Macro>, Vec<std::ops::Range<usize>>) {
    let mut macros: Vec<Macro> = Vec::new();
    let mut spans = Vec::new();
    let mut i = 0;
    while let Some(found) = text[i..].find('\\') {
        let start = i + found;
        let name = command_name(text, start);
        i = start + 1 + name.len().max(1);
        let defined = match name {
            "newcommand" | "renewcommand" | "providecommand" => new_command(text, i),
            "DeclareMathOperator" => math_operator(text, i),
            "def" => def(text, i),
            _ => None,
        };
        if let Some((m, end)) = defined {
            spans.push(start..end);
            i = end;
            if let Some(m) = m {
                // The last definition of a name is the one in force (`\renewcommand`).
                macros.retain(|old| old.name != m.name);
                macros.push(m);
            }
        }
    }
    (macros, spans)
}

/// The letters of the command at `at` (a backslash), or the one character after it.
fn command_name(text: &str, at: usize) -> &str {
    let rest = &text[at + 1..];
    let letters = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    if letters > 0 {
        &rest[..letters]
    } else {
        rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
    }
}

/// `[*]{\name}[n]{body}` or `\name[n]{body}` from `at`; the macro (none where it has an optional
/// argument with a default, which is not expanded) and the end of the definition.
fn new_command(text: &str, at: usize) -> Option<(Option<Macro>, usize)> {
    let mut i = skip_spaces(text, at);
    if text[i..].starts_with('*') {
        i += 1;
    }
    let (name, after) = defined_name(text, skip_spaces(text, i))?;
    i = skip_spaces(text, after);
    let mut arguments = 0;
    if text[i..].starts_with('[') {
        let close = i + text[i..].find(']')?;
        arguments = text[i + 1..close].trim().parse::<usize>().ok().filter(|n| *n <= 9)?;
        i = skip_spaces(text, close + 1);
    }
    let default = text[i..].starts_with('[');
    if default {
        i = skip_spaces(text, i + text[i..].find(']')? + 1);
    }
    let (body, end) = group(text, i)?;
    let m = (!default).then(|| Macro { name, arguments, body: body.replace('\n', " ") });
    Some((m, end))
}

/// `[*]{\name}{text}`: the operator `\operatorname{text}`.
fn math_operator(text: &str, at: usize) -> Option<(Option<Macro>, usize)> {
    let mut i = skip_spaces(text, at);
    if text[i..].starts_with('*') {
        i += 1;
    }
    let (name, after) = defined_name(text, skip_spaces(text, i))?;
    let (operator, end) = group(text, skip_spaces(text, after))?;
    Some((Some(Macro { name, arguments: 0, body: format!("\\operatorname{{{operator}}}") }), end))
}

/// `\name#1#2{body}`.
fn def(text: &str, at: usize) -> Option<(Option<Macro>, usize)> {
    let i = skip_spaces(text, at);
    if !text[i..].starts_with('\\') {
        return None;
    }
    let name = command_name(text, i).to_string();
    let mut j = i + 1 + name.len();
    let mut arguments = 0;
    while text[j..].starts_with('#') && text[j + 1..].starts_with(|c: char| c.is_ascii_digit()) {
        arguments += 1;
        j += 2;
    }
    let (body, end) = group(text, skip_spaces(text, j))?;
    Some((Some(Macro { name, arguments, body: body.replace('\n', " ") }), end))
}

/// `{\name}` or `\name` at `at`: the name without its backslash, and the end.
fn defined_name(text: &str, at: usize) -> Option<(String, usize)> {
    if text[at..].starts_with('{') {
        let inner = skip_spaces(text, at + 1);
        if !text[inner..].starts_with('\\') {
            return None;
        }
        let name = command_name(text, inner).to_string();
        let close = skip_spaces(text, inner + 1 + name.len());
        return text[close..].starts_with('}').then_some((name, close + 1));
    }
    if text[at..].starts_with('\\') {
        let name = command_name(text, at).to_string();
        let end = at + 1 + name.len();
        return Some((name, end));
    }
    None
}

/// The inside of the balanced `{…}` at `at`, and the end past its `}`.
fn group(text: &str, at: usize) -> Option<(String, usize)> {
    if !text[at..].starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    let mut escaped = false;
    for (k, c) in text[at..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((text[at + 1..at + k].to_string(), at + k + 1));
                }
            }
            _ => {}
        }
    }
    None
}

fn skip_spaces(text: &str, at: usize) -> usize {
    at + (text[at..].len() - text[at..].trim_start_matches([' ', '\t']).len())
}

/// One argument of a use at `at` (after spaces): a group's inside, or one token.
fn argument(text: &str, at: usize) -> Option<(String, usize)> {
    let i = skip_spaces(text, at);
    if text[i..].starts_with('{') {
        return group(text, i);
    }
    if text[i..].starts_with('\\') {
        let name = command_name(text, i);
        let end = i + 1 + name.len();
        return Some((text[i..end].to_string(), end));
    }
    let c = text[i..].chars().next().filter(|c| !matches!(c, '}' | '\n'))?;
    Some((c.to_string(), i + c.len_utf8()))
}

/// `text` with every use of `macros` expanded (and what the expansion writes, to `MAX_DEPTH`);
/// `None` past `limit` bytes.
fn expand(text: &str, macros: &[Macro], depth: usize, limit: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find('\\') {
        let start = i + found;
        out.push_str(&text[i..start]);
        let name = command_name(text, start);
        let end = start + 1 + name.len().max(1).min(text.len() - start - 1);
        let Some(m) = macros.iter().find(|m| m.name == name && depth < MAX_DEPTH) else {
            out.push_str(&text[start..end]);
            i = end;
            continue;
        };
        let mut args = Vec::with_capacity(m.arguments);
        let mut after = end;
        for _ in 0..m.arguments {
            let Some((arg, next)) = argument(text, after) else { break };
            args.push(arg);
            after = next;
        }
        if args.len() < m.arguments {
            out.push_str(&text[start..end]);
            i = end;
            continue;
        }
        let mut body = String::with_capacity(m.body.len());
        let mut chars = m.body.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().and_then(|d| d.to_digit(10))) {
                ('#', Some(k)) if (1..=args.len() as u32).contains(&k) => {
                    chars.next();
                    body.push_str(&args[k as usize - 1]);
                }
                _ => body.push(c),
            }
        }
        // A command name runs on into the letters after it (`\Why_{,ij}` is `W_{hy}_{,ij}`, but
        // `\R x` must not become `\mathbb{R}x` read as one word): a space keeps them apart.
        let expanded = expand(&body, macros, depth + 1, limit)?;
        out.push_str(&expanded);
        if text[after..].starts_with(|c: char| c.is_ascii_alphabetic())
            && expanded.ends_with(|c: char| c.is_ascii_alphabetic())
        {
            out.push(' ');
        }
        if out.len() > limit {
            return None;
        }
        i = after;
    }
    out.push_str(&text[i..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::expand_macros;

    #[test]
    fn macros_with_and_without_arguments_are_expanded_where_they_are_used() {
        let text = "\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}\n\\newcommand\\Why{W_{hy}}\n\
                    \\DeclareMathOperator{\\sm}{softmax}\n\\def\\R{\\mathbb{R}}\n$$ \\pd{L}{\\Why_{ij}} = \\sm(o) \\R $$\n";
        let expanded = expand_macros(text).expect("macros");
        assert!(
            expanded.ends_with(
                "$$ \\frac{\\partial L}{\\partial W_{hy}_{ij}} = \\operatorname{softmax}(o) \\mathbb{R} $$\n"
            ),
            "{expanded}"
        );
        // The definitions themselves stay as written, and so do the lines.
        assert!(expanded.starts_with("\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}\n"));
        assert_eq!(expanded.lines().count(), text.lines().count());
    }

    #[test]
    fn no_macro_no_change_and_a_runaway_macro_is_left_unexpanded() {
        assert_eq!(expand_macros("$$ x = y $$"), None);
        let runaway = "\\newcommand{\\a}{\\a\\a}\n$$ \\a $$\n";
        assert_eq!(expand_macros(runaway), None);
        // An optional argument with a default is not expanded.
        let default = "\\newcommand{\\x}[1][0]{#1}\n$$ \\x = 1 $$\n";
        assert_eq!(expand_macros(default), None);
    }
}
