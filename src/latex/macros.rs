//! The macros a LaTeX document defines itself (`\newcommand`, `\renewcommand`, `\def`, `\let`,
//! `\DeclareMathOperator`, …). They are not expanded: a command the document defines is refused
//! where it is read, with the line of its definition — also a command the reader knows, whose
//! meaning the document has changed (`\renewcommand{\cdot}{+}` printed `x + y` where the reader
//! read `x·y`, and a false step was proved: a LaTeX tester). The exceptions are plain: an
//! operator name declared with letters only (`\DeclareMathOperator{\tr}{tr}`, in every course's
//! preamble) is read as `\operatorname{…}` of its text, and a command defined as another taking
//! the same arguments (`\renewcommand{\epsilon}{\varepsilon}`, `\let\sig\sigma`,
//! `\renewcommand{\vec}[1]{\mathbf{#1}}`) as that one — where every definition of it agrees.

use std::collections::HashMap;

use super::braced;
use super::tree::Node;

/// A command the document defines.
#[derive(Debug, Clone)]
struct Macro {
    /// The line of its first definition (from 1).
    line: usize,
    /// What every definition of it makes it, where they all agree and say it plainly.
    reading: Option<Reading>,
}

/// How a command the document defines is read.
#[derive(Debug, Clone, PartialEq)]
enum Reading {
    /// An operator name of letters (`\DeclareMathOperator{\tr}{tr}`): `\operatorname{tr}`.
    Operator(String),
    /// Another command, taking the same arguments in the same order (`\renewcommand{\epsilon}
    /// {\varepsilon}`, `\let\sig\sigma`, `\renewcommand{\vec}[1]{\mathbf{#1}}`): that command.
    Alias(String, usize),
}

/// The commands a document defines, by name (without the backslash).
#[derive(Debug, Clone, Default)]
pub(super) struct Macros {
    by_name: HashMap<String, Macro>,
}

/// Commands that define a command named next (`\newcommand{\x}`, `\newcommand*\x`, `\def\x`).
const DEFINING: [&str; 21] = [
    "newcommand",
    "renewcommand",
    "providecommand",
    "DeclareRobustCommand",
    "NewDocumentCommand",
    "RenewDocumentCommand",
    "ProvideDocumentCommand",
    "DeclareDocumentCommand",
    "NewCommandCopy",
    "RenewCommandCopy",
    "def",
    "gdef",
    "edef",
    "xdef",
    "let",
    "mathchardef",
    "chardef",
    "DeclareMathSymbol",
    "DeclareMathOperator",
    "DeclarePairedDelimiter",
    "csname",
];

impl Macros {
    /// The commands `text` defines outside `%` comments — anywhere: a definition TeX never runs
    /// (in a false branch) still makes the command refused, which is safe.
    pub(super) fn of(text: &str) -> Macros {
        let mut by_name: HashMap<String, Macro> = HashMap::new();
        // A plain reading holds only for a definition at the top level of the preamble: TeX
        // applies one in a group, an environment or a conditional only there, and one in the body
        // only after it (read everywhere, `{\renewcommand{\log}{\exp}}` made the printed
        // `\log(0) = 1` read as `\exp(0) = 1` and proved: a third tester).
        let body = text.find("\\begin{document}").unwrap_or(0);
        let bytes = text.as_bytes();
        let (mut i, mut depth) = (0, 0usize);
        while i < bytes.len() {
            match bytes[i] {
                b'%' => i = text[i..].find('\n').map_or(text.len(), |e| i + e + 1),
                b'{' => {
                    depth += 1;
                    i += 1;
                }
                b'}' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b'\\' => {
                    let name = letters_at(text, i + 1);
                    let after = i + 1 + name.len().max(1);
                    match name {
                        // (Any `\if…` opens a conditional here, `\ifthenelse` too: what follows
                        // it is then not at the top level, which only refuses more.)
                        "begingroup" | "bgroup" | "begin" => depth += 1,
                        "endgroup" | "egroup" | "end" | "fi" => depth = depth.saturating_sub(1),
                        n if n.starts_with("if") && n != "iff" => depth += 1,
                        _ => {}
                    }
                    if DEFINING.contains(&name) {
                        if let Some((defined, reading)) = definition(text, after, name) {
                            let line = text[..i].matches('\n').count() + 1;
                            let reading = reading.filter(|_| i < body && depth == 0);
                            by_name
                                .entry(defined)
                                .and_modify(|m| {
                                    if m.reading != reading {
                                        m.reading = None;
                                    }
                                })
                                .or_insert(Macro { line, reading });
                        }
                    }
                    // (The words `\newif` and `\let` name are no conditionals: `\newif\ifsol`,
                    // `\let\ifshow\iftrue`.)
                    i = match name {
                        "newif" => past_words(text, after, 1),
                        "let" => past_words(text, after, 2),
                        _ => after.min(text.len()),
                    };
                    while !text.is_char_boundary(i) {
                        i += 1;
                    }
                }
                _ => i += 1,
            }
        }
        // Every `\csname name\endcsname` may define `\name`, however it is reached (`\expandafter
        // \let\csname cdot\endcsname +`, whose `\let` the loop above passes with its words).
        let mut from = 0;
        while let Some(at) = text[from..].find("\\csname").map(|k| from + k) {
            from = at + "\\csname".len();
            // (In a comment too: refusing is safe.)
            if let Some((name, _)) = definition(text, from, "csname") {
                let line = text[..at].matches('\n').count() + 1;
                let m = by_name.entry(name).or_insert(Macro { line, reading: None });
                m.reading = None;
            }
        }
        Macros { by_name }
    }

    /// `nodes` with each command the document defines read as it defines it, where that is plain
    /// (an operator name, another command), else marked as such to be refused where read.
    pub(super) fn apply(&self, nodes: &mut [Node]) {
        if self.by_name.is_empty() {
            return;
        }
        for node in nodes.iter_mut() {
            match node {
                Node::Cmd(name, args, span) => {
                    args.iter_mut().for_each(|a| self.apply(a));
                    let Some(m) = self.by_name.get(name.as_str()) else { continue };
                    *node = match &m.reading {
                        Some(Reading::Operator(text)) if args.is_empty() => {
                            Node::Cmd("operatorname".into(), vec![vec![Node::Word(text.clone(), *span)]], *span)
                        }
                        // (Not to a command the document defines too: that one is its own.)
                        Some(Reading::Alias(target, arity))
                            if args.len() == *arity && !self.by_name.contains_key(target) =>
                        {
                            Node::Cmd(target.clone(), std::mem::take(args), *span)
                        }
                        _ => Node::Defined(name.clone(), m.line, *span),
                    };
                }
                Node::Group(inner, _) | Node::Paren(_, inner, _, _) | Node::Env(_, inner, _) => self.apply(inner),
                Node::Attach { base, sub, sup, .. } => {
                    self.apply(std::slice::from_mut(&mut **base));
                    for script in [sub, sup].into_iter().flatten() {
                        self.apply(script);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Where `count` control words after `from` end (spaces and a `=` between them skipped).
pub(super) fn past_words(text: &str, from: usize, count: usize) -> usize {
    let mut at = from.min(text.len());
    for _ in 0..count {
        let rest = &text[at..];
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '\n', '=']).len();
        let start = at + skipped;
        if !text[start..].starts_with('\\') {
            return at;
        }
        at = start + 1 + letters_at(text, start + 1).len().max(1);
        while !text.is_char_boundary(at) {
            at += 1;
        }
    }
    at
}

/// The ASCII letters of a control word's name starting at `at`.
fn letters_at(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or("");
    &rest[..rest.bytes().take_while(u8::is_ascii_alphabetic).count()]
}

/// `text` from `from` with spaces, line ends and `%` comments skipped.
fn skip_blank(text: &str, from: usize) -> &str {
    let mut rest = &text[from.min(text.len())..];
    loop {
        let trimmed = rest.trim_start();
        match trimmed.strip_prefix('%') {
            Some(comment) => rest = comment.find('\n').map_or("", |e| &comment[e + 1..]),
            None => return trimmed,
        }
    }
}

/// The command a definition starting at `from` (after its defining command `how`) defines —
/// `{\x}`, `*{\x}`, `\x`, `\csname x\endcsname` — and how it is read where that is plain.
fn definition(text: &str, from: usize, how: &str) -> Option<(String, Option<Reading>)> {
    if how == "csname" {
        let rest = skip_blank(text, from);
        let name = &rest[..rest.find("\\endcsname")?];
        return Some((name.trim().to_string(), None));
    }
    let rest = skip_blank(text, from);
    let rest = rest.strip_prefix('*').map_or(rest, |r| skip_blank(r, 0));
    let (name, rest) = match braced(rest) {
        Some((inner, after)) => (inner.trim(), after),
        None => {
            let control = rest.strip_prefix('\\')?;
            let len = match letters_at(control, 0).len() {
                0 => control.chars().next()?.len_utf8(),
                n => n,
            };
            (&rest[..len + 1], &control[len..])
        }
    };
    let name = name.strip_prefix('\\')?.to_string();
    let reading = match how {
        "DeclareMathOperator" => braced(skip_blank(rest, 0)).and_then(|(body, _)| {
            let letters = body.trim();
            (!letters.is_empty() && letters.bytes().all(|b| b.is_ascii_alphabetic()))
                .then(|| Reading::Operator(letters.to_string()))
        }),
        "let" => {
            let rest = skip_blank(rest, 0);
            let rest = rest.strip_prefix('=').map_or(rest, |r| skip_blank(r, 0));
            // (`\let\a=x` defines `\a` too: no reading, refused by name.)
            let target = rest.strip_prefix('\\').map(|r| letters_at(r, 0)).unwrap_or_default();
            (!target.is_empty()).then(|| Reading::Alias(target.to_string(), 0))
        }
        "newcommand" | "renewcommand" | "providecommand" | "def" | "gdef" => {
            // `[1]` (or `#1` of `\def`) before the body: the number of arguments.
            let rest = skip_blank(rest, 0);
            let (arity, rest) = match rest.strip_prefix('[') {
                Some(r) => (r[..r.find(']')?].trim().parse::<usize>().ok()?, &r[r.find(']')? + 1..]),
                None if rest.starts_with("#1") && !rest[2..].trim_start().starts_with('#') => (1, &rest[2..]),
                None => (0, rest),
            };
            braced(skip_blank(rest, 0)).and_then(|(body, _)| alias(body.trim(), arity))
        }
        _ => None,
    };
    Some((name, reading))
}

/// A body that is one command taking the macro's arguments in order: `\varepsilon` (none),
/// `\mathbf{#1}` (one).
fn alias(body: &str, arity: usize) -> Option<Reading> {
    let command = body.strip_prefix('\\')?;
    let name = letters_at(command, 0);
    let rest = command[name.len()..].trim();
    let plain = match arity {
        0 => rest.is_empty(),
        1 => rest == "{#1}" || rest == "#1",
        _ => false,
    };
    (!name.is_empty() && plain).then(|| Reading::Alias(name.to_string(), arity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_found_outside_comments() {
        let text = "\\newcommand{\\half}{\\frac12}\n% \\def\\hidden{x}\n\\renewcommand*\\cdot{+}\n\\let\\sig\\sigma\n\
                    \\DeclareMathOperator{\\diag}{tr}\n\\DeclareMathOperator*{\\argmax}{arg\\,max}\n\\def\\pd#1#2{x}\n\
                    \\renewcommand{\\epsilon}{\\varepsilon}\n\\renewcommand{\\vec}[1]{\\mathbf{#1}}\n\
                    \\DeclareMathOperator{\\act}{exp}\n\\renewcommand{\\act}{\\log}\n\\renewcommand%\n\\times{+}\n\
                    \\expandafter\\def\\csname oplus\\endcsname{+}\n{\\renewcommand{\\log}{\\exp}}\n\\begin{document}\n\
                    \\renewcommand{\\ln}{\\exp}\n";
        let m = Macros::of(text);
        let line = |n: &str| m.by_name.get(n).map(|d| d.line);
        let reading = |n: &str| m.by_name.get(n).and_then(|d| d.reading.clone());
        assert_eq!(line("half"), Some(1));
        assert_eq!(line("hidden"), None);
        assert_eq!((line("cdot"), reading("cdot")), (Some(3), None));
        assert_eq!(reading("sig"), Some(Reading::Alias("sigma".into(), 0)));
        assert_eq!(reading("diag"), Some(Reading::Operator("tr".into())));
        assert_eq!((line("argmax"), reading("argmax")), (Some(6), None));
        assert_eq!((line("pd"), reading("pd")), (Some(7), None));
        assert_eq!(reading("epsilon"), Some(Reading::Alias("varepsilon".into(), 0)));
        assert_eq!(reading("vec"), Some(Reading::Alias("mathbf".into(), 1)));
        // Two definitions that disagree: neither is read.
        assert_eq!((line("act"), reading("act")), (Some(10), None));
        assert_eq!((line("times"), reading("times")), (Some(12), None));
        assert_eq!(line("oplus"), Some(14));
        // Read as defined only at the preamble's top level: not in a group, nor in the body.
        assert_eq!((line("log"), reading("log")), (Some(15), None));
        assert_eq!((line("ln"), reading("ln")), (Some(17), None));
    }
}
