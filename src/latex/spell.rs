//! How a model name is written in LaTeX: the one rule that `render --to latex` writes names with
//! and that the reader inverts (the reader parses each model name's spelling with its own LaTeX
//! reader, so the two cannot drift apart).

use std::fmt::Write as _;

use crate::syntax::print::greek_name;

/// Text for `\text{…}` and headings: special characters escaped, mathematical symbols in math
/// mode, anything else outside ASCII spelled as ASCII.
pub fn text_latex(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
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

/// One part of a name: a Greek letter as its symbol, one letter as itself, a word upright.
pub fn word_latex(word: &str, upright_words: bool) -> String {
    let mut chars = word.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() => c.to_string(),
        (Some(c), None) => match greek_name(c) {
            Some(name) => format!("\\{name}"),
            None => format!("\\text{{{}}}", text_latex(word)),
        },
        _ if GREEK_WORDS.contains(&word) => format!("\\{word}"),
        _ if word.chars().all(|c| c.is_ascii_digit()) => word.to_string(),
        _ if word.is_ascii() && upright_words => format!("\\mathrm{{{word}}}"),
        _ if word.is_ascii() => format!("\\mathit{{{word}}}"),
        _ => {
            // A name of several letters, some outside ASCII: each letter on its own.
            word.chars().map(|c| word_latex(&c.to_string(), upright_words)).collect::<Vec<_>>().join("")
        }
    }
}

/// A name split into its symbol and its subscript: `net_phi` → (`\mathit{net}`, `\phi`),
/// `theta0` → (`\theta`, `0`), `W` → (`W`, none).
pub fn name_parts(name: &str) -> (String, Option<String>) {
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

/// A name as LaTeX: `net_phi` → `\mathit{net}_{\phi}`.
pub fn name_latex(name: &str) -> String {
    match name_parts(name) {
        (base, Some(sub)) => format!("{base}_{{{sub}}}"),
        (base, None) => base,
    }
}
