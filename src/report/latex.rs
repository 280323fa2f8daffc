//! Derivations as mathematics: a LaTeX document of `align*` environments, or Markdown with
//! `$$\begin{aligned}…$$` blocks (for pages that render TeX math). ∂ fractions, Σ with its limits,
//! indices as subscripts, σ, ⊙, ᵀ and primes; optionally a verdict mark per step.

use std::fmt::Write as _;

use crate::check::{DerivationResult, Verdict};
use crate::latex::spell::{name_latex, text_latex};
use crate::latex::write::{function_latex, index_ranges, number_latex, Math};
use crate::syntax::ast::*;

/// The output of `gradproof render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderFormat {
    /// A LaTeX document (article, amsmath, amssymb) with one `align*` per derivation.
    Latex,
    /// Markdown with one `$$\begin{aligned}…\end{aligned}$$` block per derivation.
    Markdown,
}

/// Renders a parsed file. With `results` (from `check`), each step gets a mark: ✓ proved,
/// (✓) checked, ✗ wrong, ? undetermined.
pub fn render_math(file: &File, results: Option<&[DerivationResult]>, format: RenderFormat) -> String {
    let math = Math { ranges: index_ranges(file), spellings: std::collections::HashMap::new() };
    let title = file.items.iter().find_map(|item| match item {
        Item::Title(text, _) => Some(text.as_str()),
        _ => None,
    });
    let mut blocks: Vec<(Option<String>, Vec<String>)> = Vec::new();
    // The shapes and domains of the inputs (`W \in \mathbb{R}^{m \times n}`), then the definitions
    // (`:=`, which the reader skips as it skips every definition and declaration).
    let mut definitions: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Var(vars) => Some(vars),
            _ => None,
        })
        .flatten()
        .filter(|v| v.shape.is_some() || v.domain.is_some())
        .map(|v| format!("{} &\\in {}", math.var_ref(&v.target), declared_set(v)))
        .collect();
    definitions.extend(
        file.items
            .iter()
            .filter_map(|item| match item {
                Item::Let(defs) => Some(defs),
                _ => None,
            })
            .flatten()
            .map(|def| match def {
                Definition::Node { target, body } => {
                    format!("{} &:= {}", math.var_ref(target), math.expr(body))
                }
                Definition::Function { name, params, body } => {
                    let params: Vec<String> = params.iter().map(|p| name_latex(&p.name)).collect();
                    format!(
                        "{}\\left({}\\right) &:= {}",
                        function_latex(&name.name, 0),
                        params.join(", "),
                        math.expr(body)
                    )
                }
            }),
    );
    if !definitions.is_empty() {
        blocks.push((Some("Definitions".to_string()), definitions));
    }
    let mut k = 0;
    for item in &file.items {
        let Item::Derivation(d) = item else { continue };
        k += 1;
        let result = results.and_then(|rs| rs.iter().find(|r| r.span == d.span));
        let mut rows = Vec::new();
        for (s, step) in d.steps.iter().enumerate() {
            let left = if s == 0 { math.expr(&d.head) } else { String::new() };
            let relation = match step.relation {
                Relation::Equal => "=",
                Relation::Approx => "\\approx",
            };
            let mut row = format!("{left} &{relation} {}", math.expr(&step.expr));
            let note = step.note.as_deref().map(strip_expectation).filter(|n| !n.is_empty());
            let mark = result.and_then(|r| r.steps.get(s)).map(|r| match r.verdict {
                Verdict::Proved => "\\checkmark",
                Verdict::Checked => "(\\checkmark)",
                // In Markdown (typeset by KaTeX or MathJax, read aloud from MathML) the legend's
                // ✗: a screen reader read `\times` as "times" (a tester's finding).
                Verdict::Wrong if format == RenderFormat::Markdown => "\\text{✗}",
                Verdict::Wrong => "\\times",
                Verdict::Undetermined => "?",
            });
            if note.is_some() || mark.is_some() {
                row.push_str(" &&");
                if let Some(note) = note {
                    let _ = write!(row, " {}", note_latex(&math, note));
                }
                if let Some(mark) = mark {
                    let _ = write!(row, " \\quad {mark}");
                }
            }
            rows.push(row);
        }
        let name = d.name.clone().unwrap_or_else(|| format!("Derivation {k}"));
        blocks.push((Some(name), rows));
    }
    match format {
        RenderFormat::Latex => latex_document(title, &blocks, results.is_some()),
        RenderFormat::Markdown => markdown_document(title, &blocks, results.is_some()),
    }
}

fn latex_document(title: Option<&str>, blocks: &[(Option<String>, Vec<String>)], verdicts: bool) -> String {
    let mut out = String::from(
        "\\documentclass{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amsmath,amssymb}\n\\allowdisplaybreaks\n\\begin{document}\n",
    );
    if let Some(title) = title {
        let _ = writeln!(out, "\\section*{{{}}}", text_latex(title));
    }
    if verdicts {
        out.push_str(
            "Marks: $\\checkmark$ proved, $(\\checkmark)$ checked numerically, $\\times$ wrong, ? undetermined.\n",
        );
    }
    for (name, rows) in blocks {
        if let Some(name) = name {
            let _ = writeln!(out, "\\subsection*{{{}}}", text_latex(name));
        }
        let _ = writeln!(out, "\\begin{{align*}}\n{}\n\\end{{align*}}", rows.join(" \\\\\n"));
    }
    out.push_str("\\end{document}\n");
    out
}

fn markdown_document(title: Option<&str>, blocks: &[(Option<String>, Vec<String>)], verdicts: bool) -> String {
    let mut out = String::new();
    if let Some(title) = title {
        let _ = writeln!(out, "# {title}\n");
    }
    if verdicts {
        out.push_str("Marks: ✓ proved, (✓) checked numerically, ✗ wrong, ? undetermined.\n\n");
    }
    for (name, rows) in blocks {
        if let Some(name) = name {
            let _ = writeln!(out, "## {name}\n");
        }
        let _ = writeln!(out, "$$\n\\begin{{aligned}}\n{}\n\\end{{aligned}}\n$$\n", rows.join(" \\\\\n"));
    }
    out
}

/// Text set in math mode (a note beside a step): its words in `\text{…}`, its mathematical
/// symbols and Greek letters as math between them (`\sigma\text{' = }\sigma…`), never as
/// `\ensuremath` inside `\text{}` — KaTeX refuses that command and MathJax runs no command in
/// text, so a note would break its whole block on the web. A prime after a symbol stays with it.
fn text_in_math(text: &str) -> String {
    let latex = text_latex(text);
    let mut out = String::new();
    let mut rest = latex.as_str();
    let mut after_math = false;
    const MATH: &str = "\\ensuremath{";
    loop {
        let (words, math) = match rest.find(MATH) {
            Some(at) => {
                let inner = &rest[at + MATH.len()..];
                // The command's argument ends at its matching brace.
                let mut depth = 1usize;
                let end = inner.char_indices().find_map(|(k, c)| {
                    depth = match c {
                        '{' => depth + 1,
                        '}' => depth - 1,
                        _ => depth,
                    };
                    (depth == 0).then_some(k)
                });
                let Some(end) = end else { break };
                let words = &rest[..at];
                rest = &inner[end + 1..];
                (words, Some(&inner[..end]))
            }
            None => (std::mem::take(&mut rest), None),
        };
        let primes = if after_math { words.len() - words.trim_start_matches('\'').len() } else { 0 };
        out.push_str(&words[..primes]);
        if primes < words.len() {
            let _ = write!(out, "\\text{{{}}}", &words[primes..]);
        }
        match math {
            Some(math) => {
                out.push_str(math);
                after_math = true;
            }
            None => break,
        }
    }
    out
}

/// The set an input ranges over: its domain (`> 0` is `(0, \infty)`), to the power of its shape.
fn declared_set(v: &VarItem) -> String {
    // The symmetric positive definite n x n matrices: `\mathbb{S}_{++}^{n}`.
    if let (Some(d), Some(shape)) = (&v.domain, &v.shape) {
        if d.op == "spd" {
            let n = match shape.dims.first() {
                Some(IndexAtom::Int(text, _)) => text.clone(),
                Some(IndexAtom::Name(ident)) => name_latex(&ident.name),
                None => String::new(),
            };
            return format!("\\mathbb{{S}}_{{++}}^{{{n}}}");
        }
    }
    let set = match &v.domain {
        None => "\\mathbb{R}".to_string(),
        // An interval as written; a finite set in braces.
        // A class label: `\{1, \dots, K\}`.
        Some(d) if d.range.is_some() => {
            let r = d.range.as_ref().expect("a range");
            let end = |e: &crate::syntax::ast::IndexExpr| {
                let text: Vec<String> = e
                    .terms
                    .iter()
                    .enumerate()
                    .map(|(k, (sign, atom))| {
                        let sign = if *sign < 0 {
                            "-"
                        } else if k > 0 {
                            "+"
                        } else {
                            ""
                        };
                        match atom {
                            IndexAtom::Int(text, _) => format!("{sign}{text}"),
                            IndexAtom::Name(ident) => format!("{sign}{}", name_latex(&ident.name)),
                        }
                    })
                    .collect();
                text.concat()
            };
            format!("\\{{{}, \\dots, {}\\}}", end(&r.lo), end(&r.hi))
        }
        Some(d) if d.op == "in" => {
            let inner = &d.bound[1..d.bound.len() - 1];
            let numbers: Vec<String> = inner.split(", ").map(number_latex).collect();
            match (d.bound.chars().next(), d.bound.chars().last()) {
                (Some('{'), _) => format!("\\{{{}\\}}", numbers.join(", ")),
                (Some(open), Some(close)) => format!("{open}{}{close}", numbers.join(", ")),
                _ => d.bound.clone(),
            }
        }
        Some(d) => {
            let bound = number_latex(&d.bound);
            match d.op.as_str() {
                ">" => format!("({bound}, \\infty)"),
                ">=" | "≥" => format!("[{bound}, \\infty)"),
                _ => format!("\\mathbb{{R}} \\setminus \\{{{bound}\\}}"),
            }
        }
    };
    match &v.shape {
        Some(shape) => {
            let dims: Vec<String> = shape
                .dims
                .iter()
                .map(|atom| match atom {
                    IndexAtom::Int(text, _) => text.clone(),
                    IndexAtom::Name(ident) => name_latex(&ident.name),
                })
                .collect();
            let set = if set.contains("setminus") { format!("\\left({set}\\right)") } else { set };
            format!("{set}^{{{}}}", dims.join(" \\times "))
        }
        None => set,
    }
}

/// A note split after each `, `, `; ` and `: ` outside brackets, the separators kept.
fn clauses(note: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut chars = note.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' | ';' | ':' if depth == 0 && chars.peek().is_some_and(|(_, n)| *n == ' ') => {
                let (space, _) = chars.next().expect("a space");
                out.push(&note[start..=space]);
                start = space + 1;
            }
            _ => {}
        }
    }
    out.push(&note[start..]);
    out
}

/// A note without the corpus's test annotation (`…; expect: ok`).
fn strip_expectation(note: &str) -> &str {
    match note.find("expect:") {
        Some(at) => note[..at].trim_end().trim_end_matches(';').trim_end(),
        None => note,
    }
}

/// A step's note: each clause (between `, `, `; ` and `: ` outside brackets) that is an
/// equation of expressions (`1 - sigma(x) = sigma(-x)`) as mathematics, the rest as text.
fn note_latex(math: &Math, note: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut text = String::new();
    for clause in clauses(note) {
        let body = clause.trim_end_matches([',', ';', ':', ' ']);
        match math.equation(body) {
            Some(latex) => {
                if !text.is_empty() {
                    parts.push(text_in_math(&std::mem::take(&mut text)));
                }
                parts.push(latex);
                text.push_str(&clause[body.len()..]);
            }
            None => text.push_str(clause),
        }
    }
    if !text.trim().is_empty() {
        parts.push(text_in_math(text.trim_end()));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    fn head(source: &str) -> String {
        let (file, errors) = parse_file(source);
        assert!(errors.is_empty(), "{errors:?}");
        let math = Math { ranges: std::collections::HashMap::new(), spellings: std::collections::HashMap::new() };
        let d = file.items.iter().find_map(|i| if let Item::Derivation(d) = i { Some(d) } else { None }).unwrap();
        math.expr(&d.head)
    }

    #[test]
    fn names_and_indices() {
        assert_eq!(
            head("derive net_phi[t] + s[c,t-1] + theta0 + ζ\n  = 0\n"),
            "\\mathit{net}_{\\phi,t} + s_{c,t-1} + \\theta_{0} + \\zeta"
        );
    }

    #[test]
    fn an_underscore_left_in_a_name_is_escaped() {
        // (`\mathit{pi_}` is no TeX: KaTeX refused an instructor's mixture model.)
        assert_eq!(head("derive pi_ * N_\n  = 0\n"), "\\mathit{pi\\_} \\, \\mathit{N\\_}");
        assert_eq!(head("derive θ_ + x_\n  = 0\n"), "\\mathit{\\theta\\_} + \\mathit{x\\_}");
    }

    #[test]
    fn accents_and_greek_words() {
        assert_eq!(
            head("derive ŷ + ỹ_k + θa + aθ + θ2\n  = 0\n"),
            "\\hat{y} + \\tilde{y}_{k} + \\mathit{\\theta a} + \\mathit{a\\theta} + \\theta_{2}"
        );
        assert_eq!(crate::latex::spell::word_latex("x\u{303}", false), "\\tilde{x}");
        assert_eq!(crate::latex::spell::word_latex("θab", true), "\\mathrm{\\theta ab}");
        assert_eq!(text_latex("ŷ, x\u{303} and θ\u{302}"), "\\^{y}, \\~{x} and \\ensuremath{\\hat{{\\theta}}}");
        // Names that spell their accent out, as the reader reads them (a repair of a student's
        // `\hat{y}` was written `\mathit{yhat}`: a student tester).
        assert_eq!(
            head("derive yhat + x_hat + thetabar + what2\n  = 0\n"),
            "\\hat{y} + \\hat{x} + \\bar{\\theta} + \\mathit{what}_{2}"
        );
        assert_eq!(crate::latex::spell::plain_name_latex("yhat"), "\\mathit{yhat}");
    }

    #[test]
    fn notes_and_declarations() {
        let (file, errors) = parse_file(
            "var W : m x n, p > 0, q >= 0, r != 0, x\nlet y = p * x\nderive y\n  = x * p   # commute: 1 - sigma(x) = sigma(-x); a_b^2, done\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let tex = render_math(&file, None, RenderFormat::Latex);
        for row in [
            "W &\\in \\mathbb{R}^{m \\times n} \\\\",
            "p &\\in (0, \\infty) \\\\",
            "q &\\in [0, \\infty) \\\\",
            "r &\\in \\mathbb{R} \\setminus \\{0\\} \\\\",
            "y &:= p \\, x",
            "&& \\text{commute: } 1 - \\sigma\\left(x\\right) = \\sigma\\left(-x\\right) \\text{; a\\_b\\^{}2, done}",
        ] {
            assert!(tex.contains(row), "{row} in\n{tex}");
        }
    }

    #[test]
    fn symbols_in_a_note_are_math_outside_its_text() {
        // KaTeX and MathJax run no command inside `\text{}`: no `\ensuremath` there.
        assert_eq!(text_in_math("σ' = σ(1 − σ)"), "\\sigma'\\text{ = }\\sigma\\text{(1 }-\\text{ }\\sigma\\text{)}");
        assert_eq!(text_in_math("tanh' = 1 − tanh²"), "\\text{tanh' = 1 }-\\text{ tanh}^2");
        assert_eq!(text_in_math("definition of h; ŷ and θ̂"), "\\text{definition of h; \\^{y} and }\\hat{{\\theta}}");
        assert_eq!(text_in_math("a_b"), "\\text{a\\_b}");
        for format in [RenderFormat::Latex, RenderFormat::Markdown] {
            let (file, _) =
                parse_file("var x\nderive diff(sigmoid(x), x)\n  = sigmoid(x) * (1 - sigmoid(x))  # σ' = σ(1 − σ)\n");
            let out = render_math(&file, None, format);
            assert!(!out.contains("ensuremath") && out.contains("&& \\sigma'\\text{ = }"), "{out}");
        }
    }

    #[test]
    fn derivatives_fractions_and_sums() {
        assert_eq!(
            head("derive ∂E/∂y_phi[t] * sum(c in 1..D, a[c] * b[c]) / 2\n  = 0\n"),
            "\\frac{\\frac{\\partial E}{\\partial y_{\\phi,t}} \\, \\sum_{c=1}^{D} a_{c} \\, b_{c}}{2}"
        );
        assert_eq!(head("derive (a/b)^2 * xᵀ^T\n  = 0\n"), "\\left(\\frac{a}{b}\\right)^{2} \\, {x^{\\top}}^{\\top}");
    }
}
