//! How a model name is written in LaTeX: the one rule that `render --to latex` writes names with
//! and that the reader inverts (the reader parses each model name's spelling with its own LaTeX
//! reader, so the two cannot drift apart).

use std::fmt::Write as _;

use crate::syntax::print::greek_name;

/// An accent as a combining mark: its math command (`\hat`) and its text command (`\^`).
fn accent_commands(mark: char) -> Option<(&'static str, &'static str)> {
    Some(match mark {
        '\u{0302}' => ("hat", "^"),
        '\u{0303}' => ("tilde", "~"),
        '\u{0304}' => ("bar", "="),
        '\u{0307}' => ("dot", "."),
        '\u{0308}' => ("ddot", "\""),
        '\u{20d7}' => ("vec", "\""),
        _ => return None,
    })
}

/// Letters with an accent written as one character (`ŷ`), split into the letter and its
/// combining mark.
fn decompose(c: char) -> Option<(char, char)> {
    const TABLE: [(&str, &str, char); 5] = [
        ("âÂêÊîÎôÔûÛŷŶĉĈĝĜĥĤĵĴŝŜŵŴẑẐ", "aAeEiIoOuUyYcCgGhHjJsSwWzZ", '\u{0302}'),
        ("ãÃẽẼĩĨõÕũŨñÑỹỸṽṼ", "aAeEiIoOuUnNyYvV", '\u{0303}'),
        ("āĀēĒīĪōŌūŪȳȲ", "aAeEiIoOuUyY", '\u{0304}'),
        ("ȧẋẏżŻ", "axyzZ", '\u{0307}'),
        ("äÄëËïÏöÖüÜÿẍ", "aAeEiIoOuUyx", '\u{0308}'),
    ];
    TABLE.iter().find_map(|(accented, plain, mark)| {
        let at = accented.chars().position(|a| a == c)?;
        plain.chars().nth(at).map(|p| (p, *mark))
    })
}

/// The letters of a word, each with the accents written on it (combining marks, or one
/// precomposed character): `x̃a` → [(`x`, [tilde]), (`a`, [])].
fn accented_letters(word: &str) -> Vec<(char, Vec<char>)> {
    let mut letters: Vec<(char, Vec<char>)> = Vec::new();
    for c in word.chars() {
        match (accent_commands(c), letters.last_mut()) {
            (Some(_), Some(last)) => last.1.push(c),
            _ => match decompose(c) {
                Some((base, mark)) => letters.push((base, vec![mark])),
                None => letters.push((c, Vec::new())),
            },
        }
    }
    letters
}

/// Text for `\text{…}` and headings: special characters escaped, mathematical symbols in math
/// mode, accented letters with LaTeX's accents, anything else outside ASCII spelled as ASCII.
pub fn text_latex(text: &str) -> String {
    let mut out = String::new();
    for (c, marks) in accented_letters(text) {
        if !marks.is_empty() {
            let mut letter = text_latex(&c.to_string());
            let math = !c.is_ascii_alphabetic() || marks.contains(&'\u{20d7}');
            for mark in marks {
                let (math_cmd, text_cmd) = accent_commands(mark).expect("an accent");
                letter = if math { format!("\\{math_cmd}{{{letter}}}") } else { format!("\\{text_cmd}{{{letter}}}") };
            }
            if math {
                let _ = write!(out, "\\ensuremath{{{}}}", letter.replace("\\ensuremath", ""));
            } else {
                out.push_str(&letter);
            }
            continue;
        }
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '#' | '%' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            _ if c.is_ascii() => out.push(c),
            _ => {
                let math = match c {
                    '∂' => "\\partial",
                    '·' => "\\cdot",
                    '×' => "\\times",
                    '−' => "-",
                    '≈' => "\\approx",
                    '≥' => "\\geq",
                    '≤' => "\\leq",
                    '≠' => "\\neq",
                    '⊙' => "\\odot",
                    'ᵀ' => "^{\\top}",
                    '→' => "\\to",
                    '∑' | 'Σ' => "\\sum",
                    '∏' | 'Π' => "\\prod",
                    '∈' => "\\in",
                    '∞' => "\\infty",
                    '√' => "\\surd",
                    '²' => "^2",
                    '³' => "^3",
                    '′' => "'",
                    _ => match greek_name(c) {
                        Some(name) => {
                            let _ = write!(out, "\\ensuremath{{\\{name}}}");
                            continue;
                        }
                        None => {
                            out.push_str(match c {
                                '—' => "---",
                                '–' => "--",
                                '’' | '‘' => "'",
                                '“' => "``",
                                '”' => "''",
                                '…' => "\\dots{}",
                                '\u{a0}' => "~",
                                _ => "?",
                            });
                            continue;
                        }
                    },
                };
                let _ = write!(out, "\\ensuremath{{{math}}}");
            }
        }
    }
    out
}

/// Greek letters written out in names (`zeta`, `phi`) that LaTeX has as symbols.
pub const GREEK_WORDS: [&str; 34] = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
];

/// One part of a name: a Greek letter as its symbol, one letter as itself, a word upright (in a
/// subscript) or italic, an accented letter with its accent (`ŷ` → `\hat{y}`, `x̃` → `\tilde{x}`).
/// A word of several letters, some outside ASCII, is one group of its letters (`θa` →
/// `\mathit{\theta a}`), a space keeping a command apart from the letter after it.
pub fn word_latex(word: &str, upright_words: bool) -> String {
    let letters = accented_letters(word);
    match letters.as_slice() {
        [(c, marks)] if !marks.is_empty() => {
            let mut out = word_latex(&c.to_string(), upright_words);
            for mark in marks {
                let (command, _) = accent_commands(*mark).expect("an accent");
                out = format!("\\{command}{{{out}}}");
            }
            return out;
        }
        [_, _, ..] if !word.is_ascii() => {
            let mut out = String::new();
            for (c, marks) in &letters {
                let mut part = String::from(*c);
                part.extend(marks);
                let part = word_latex(&part, upright_words);
                let after_command = out.rfind('\\').is_some_and(|at| {
                    let tail = &out[at + 1..];
                    !tail.is_empty() && tail.chars().all(|c| c.is_ascii_alphabetic())
                });
                if after_command && part.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                    out.push(' ');
                }
                out.push_str(&part);
            }
            let group = if upright_words { "mathrm" } else { "mathit" };
            return format!("\\{group}{{{out}}}");
        }
        _ => {}
    }
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        // (An underscore is escaped, also alone: `θ_` was `\mathit{\theta_}`, a reviewer.)
        (Some('_'), None) => "\\_".to_string(),
        (Some(c), None) if c.is_ascii() => c.to_string(),
        (Some(c), None) => match greek_name(c) {
            Some(name) => format!("\\{name}"),
            None => format!("\\text{{{}}}", text_latex(word)),
        },
        _ if GREEK_WORDS.contains(&word) => format!("\\{word}"),
        _ if word.chars().all(|c| c.is_ascii_digit()) => word.to_string(),
        // (An underscore left in a word, `pi_`, is escaped: `\mathit{pi_}` is no TeX, and KaTeX
        // refused every block of an instructor's mixture model.)
        _ if upright_words => format!("\\mathrm{{{}}}", word.replace('_', "\\_")),
        _ => format!("\\mathit{{{}}}", word.replace('_', "\\_")),
    }
}

/// The accented spelling of a name that spells its accent out (`yhat`, `y_hat` → `\hat{y}`;
/// `xbar` → `\bar{x}`; `thetatilde` → `\tilde{\theta}`): a letter or a Greek word, then the
/// accent's name.
pub fn accent_spelling(name: &str) -> Option<String> {
    ["hat", "bar", "tilde"].iter().find_map(|accent| {
        let base = name.strip_suffix(accent)?;
        let base = base.strip_suffix('_').unwrap_or(base);
        let letter = base.len() == 1 && base.chars().all(|c| c.is_ascii_alphabetic());
        (letter || GREEK_WORDS.contains(&base)).then(|| {
            let symbol = if letter { base.to_string() } else { format!("\\{base}") };
            format!("\\{accent}{{{symbol}}}")
        })
    })
}

/// A name split into its symbol and its subscript: `net_phi` → (`\mathit{net}`, `\phi`),
/// `theta0` → (`\theta`, `0`), `W` → (`W`, none).
pub fn name_parts(name: &str) -> (String, Option<String>) {
    // `yhat` and `y_hat` as the reader reads them, `\hat{y}` (a repair of a student's `\hat{y}`
    // was written `\mathit{yhat}`, and `\hat{x}_i` as `x_{\mathrm{hat},i}`: a student tester).
    if let Some(accented) = accent_spelling(name) {
        return (accented, None);
    }
    plain_name_parts(name)
}

/// [`name_parts`] without accents spelled out: `yhat` → `\mathit{yhat}`.
fn plain_name_parts(name: &str) -> (String, Option<String>) {
    let (base, suffix) = match name.split_once('_') {
        Some((base, suffix)) if !base.is_empty() && !suffix.is_empty() => (base, Some(suffix)),
        _ => (name, None),
    };
    // Trailing digits of the base are a subscript (`theta0`, `W1`), unless the name is all digits.
    let digits_at = base.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (base, digits) = if digits_at > 0 && digits_at < base.len() {
        (&base[..digits_at], Some(&base[digits_at..]))
    } else {
        (base, None)
    };
    let mut subscript: Vec<String> = digits.map(|d| d.to_string()).into_iter().collect();
    if let Some(suffix) = suffix {
        subscript.extend(suffix.split('_').filter(|w| !w.is_empty()).map(|w| word_latex(w, true)));
    }
    let subscript = (!subscript.is_empty()).then(|| subscript.join(","));
    (word_latex(base, false), subscript)
}

/// A name as LaTeX: `net_phi` → `\mathit{net}_{\phi}`, `yhat` → `\hat{y}`.
pub fn name_latex(name: &str) -> String {
    joined(name_parts(name))
}

/// [`name_latex`] without accents spelled out: `yhat` → `\mathit{yhat}`, the spelling another
/// name's accent must not take.
pub fn plain_name_latex(name: &str) -> String {
    joined(plain_name_parts(name))
}

/// A symbol and its subscript as one piece of LaTeX.
fn joined((base, sub): (String, Option<String>)) -> String {
    match sub {
        Some(sub) => format!("{base}_{{{sub}}}"),
        None => base,
    }
}
