//! Expressions of the syntax tree written as LaTeX: ∂ fractions, Σ with its limits, indices as
//! subscripts, σ, ⊙, ᵀ and primes. `gradproof render` writes whole derivations with it
//! (`report::latex`); an answer read from LaTeX gets its repairs said with it (`source`).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::spell::{name_latex, name_parts};
use crate::builtin::Builtin;
use crate::syntax::ast::*;
use crate::syntax::print::{operand_needs_parens, precedence};

/// A function's name with its primes: builtins as LaTeX writes them, others by [`name_latex`]
/// (upright when they are words, such as `softmax`).
pub fn function_latex(name: &str, primes: u32) -> String {
    let base = match crate::builtin::latex_name(name) {
        Some(latex) => latex.to_string(),
        None => {
            let (base, sub) = name_parts(name);
            let base =
                if base.starts_with("\\mathit{") { base.replacen("\\mathit{", "\\operatorname{", 1) } else { base };
            match sub {
                Some(sub) => format!("{base}_{{{sub}}}"),
                None => base,
            }
        }
    };
    format!("{base}{}", "'".repeat(primes as usize))
}

/// A spelling as its symbol, its own subscript (its braces taken off) and its own superscript as
/// written (`^{(2)}`): `h_{\mathrm{prev}}` is (`h`, `\mathrm{prev}`, ``), `\delta` is (`\delta`,
/// none, ``). `None` where the scripts cannot be told apart so (a script not braced after the
/// first character, primes, a subscript after the superscript).
fn split_scripts(spelled: &str) -> Option<(&str, Option<&str>, &str)> {
    // The end of a script starting at `at` (after its `_` or `^`): a braced group or one character.
    let script_end = |at: usize| -> Option<usize> {
        let rest = &spelled[at..];
        match super::braced(rest) {
            Some((_, after)) => Some(spelled.len() - after.len()),
            None => rest.chars().next().filter(|c| c.is_alphanumeric()).map(|c| at + c.len_utf8()),
        }
    };
    // The first `_` or `^` outside braces.
    let mut depth = 0;
    let first = spelled.char_indices().find(|&(_, c)| {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        depth == 0 && (c == '_' || c == '^')
    });
    let Some((at, mark)) = first else {
        return (!spelled.contains('\'') && !spelled.is_empty()).then_some((spelled, None, ""));
    };
    let base = &spelled[..at];
    let end = script_end(at + 1)?;
    let script = &spelled[at + 1..end];
    fn unbraced(s: &str) -> &str {
        s.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(s)
    }
    match (mark, &spelled[end..]) {
        ('_', "") => Some((base, Some(unbraced(script)), "")),
        ('^', "") => Some((base, None, &spelled[at..])),
        ('_', rest) if rest.starts_with('^') && script_end(end + 1) == Some(spelled.len()) => {
            Some((base, Some(unbraced(script)), rest))
        }
        _ => None,
    }
}

/// The writer of expressions, with the ranges of the file's indices (for the limits of sums).
pub struct Math {
    /// The declared range of each index, for the limits of sums.
    pub ranges: HashMap<String, RangeExpr>,
    /// The model's own spellings (`latex dl "\delta"`), where one is given: a name is written so
    /// (with its subscripts after it, where the spelling has none of its own).
    pub spellings: HashMap<String, String>,
}

impl Math {
    fn index_expr(&self, e: &IndexExpr) -> String {
        let mut out = String::new();
        for (k, (sign, atom)) in e.terms.iter().enumerate() {
            if *sign < 0 {
                out.push('-');
            } else if k > 0 {
                out.push('+');
            }
            match atom {
                IndexAtom::Int(text, _) => out.push_str(text),
                IndexAtom::Name(ident) => out.push_str(&name_latex(&ident.name)),
            }
        }
        out
    }

    fn indexed(&self, name: &str, subscripts: &[IndexExpr]) -> String {
        if let Some(spelled) = self.spellings.get(name) {
            let parts: Vec<String> = subscripts.iter().map(|s| self.index_expr(s)).collect();
            if parts.is_empty() {
                return spelled.clone();
            }
            // The indices after the spelling's own subscript, in one subscript
            // (`h_{\mathrm{prev},j}` for `latex hp "h_{\mathrm{prev}}"`: it fell back to
            // `\mathit{hp}_{j}`, a TA), and before its own superscript (`W_{j}^{(2)}`).
            match split_scripts(spelled) {
                Some((base, None, sup)) => return format!("{base}_{{{}}}{sup}", parts.join(",")),
                Some((base, Some(sub), sup)) => return format!("{base}_{{{sub},{}}}{sup}", parts.join(",")),
                None => {}
            }
        }
        let (base, sub) = name_parts(name);
        let mut parts: Vec<String> = sub.into_iter().collect();
        parts.extend(subscripts.iter().map(|s| self.index_expr(s)));
        if parts.is_empty() {
            base
        } else {
            format!("{base}_{{{}}}", parts.join(","))
        }
    }

    /// A reference to an entry: `s_{c,t-1}`.
    pub fn var_ref(&self, r: &VarRef) -> String {
        self.indexed(&r.name.name, &r.subscripts)
    }

    /// `a = b = …` as LaTeX when every side is an expression of the language.
    pub fn equation(&self, clause: &str) -> Option<String> {
        let sides: Vec<&str> = clause.split('=').map(str::trim).collect();
        if sides.len() < 2 || sides.iter().any(|s| s.is_empty()) {
            return None;
        }
        let mut source = format!("derive {}\n", sides[0]);
        for side in &sides[1..] {
            let _ = writeln!(source, "  = {side}");
        }
        let (file, errors) = crate::syntax::parse_file(&source);
        let [Item::Derivation(d)] = file.items.as_slice() else { return None };
        if !errors.is_empty() || d.steps.len() != sides.len() - 1 {
            return None;
        }
        let mut out = self.expr(&d.head);
        for step in &d.steps {
            let _ = write!(out, " = {}", self.expr(&step.expr));
        }
        Some(out)
    }

    fn parens(&self, e: &Expr) -> String {
        format!("\\left({}\\right)", self.expr(e))
    }

    /// An operand, in parentheses where precedence needs them. A fraction needs none (it is
    /// drawn as one), except as the base of a power. A product (drawn as juxtaposition) and a
    /// Hadamard product are bracketed inside each other: `(A \odot B) \, x` and `A \odot (B \, x)`
    /// would both read as `A \odot B \, x`, whose grouping a reader cannot see.
    fn operand(&self, op: BinOp, e: &Expr, right: bool) -> String {
        let drawn_whole = matches!(e.kind, ExprKind::Binary(BinOp::Div, ..)) && op != BinOp::Pow;
        // A sum, and a derivative drawn as an operator (`\frac{\partial}{\partial x} \left(…\right)`),
        // take the product that follows them when read back (docs/latex.md): on the left of one,
        // they are bracketed.
        // (Also a product that ends with one: `2 \sum_i x_i \, y_i` read back as the sum of `x_i
        // y_i`, for `2 * sum(i, x[i]) * y[i]`; an instructor.)
        fn operator(e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Big { .. } => true,
                ExprKind::Diff { body, .. } => !matches!(body.kind, ExprKind::Name(_) | ExprKind::Indexed(..)),
                ExprKind::Binary(BinOp::Mul | BinOp::Hadamard, _, last, _) | ExprKind::Neg(last) => operator(last),
                _ => false,
            }
        }
        let operator = operator(e);
        let big_on_left = operator && !right && op != BinOp::Add && op != BinOp::Sub;
        let needs = operand_needs_parens(op, e, precedence(e), right);
        let mixed_products = matches!(
            (op, &e.kind),
            (BinOp::Mul, ExprKind::Binary(BinOp::Hadamard, ..)) | (BinOp::Hadamard, ExprKind::Binary(BinOp::Mul, ..))
        );
        if big_on_left
            || mixed_products
            || (needs && !drawn_whole)
            || (op == BinOp::Pow && !right && is_fraction_like(e))
        {
            self.parens(e)
        } else {
            self.expr(e)
        }
    }

    /// An expression as LaTeX.
    pub fn expr(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Number(text) => number_latex(text),
            // (A spelling with a superscript of its own in braces: `W^{(2)}` transposed is
            // `{W^{(2)}}^{\top}`, where `W^{(2)}^{\top}` is read by no reader; reviewers'
            // findings.)
            ExprKind::Name(ident) => match self.spellings.get(&ident.name) {
                Some(spelled) if spelled.contains('^') => format!("{{{spelled}}}"),
                Some(spelled) => spelled.clone(),
                None => name_latex(&ident.name),
            },
            ExprKind::Indexed(ident, subscripts) => self.indexed(&ident.name, subscripts),
            ExprKind::Call { func, primes, args } => self.call(&func.name, *primes, args),
            ExprKind::Neg(inner) => {
                if precedence(inner) <= 3 && !matches!(inner.kind, ExprKind::Binary(BinOp::Div, ..)) {
                    format!("-{}", self.parens(inner))
                } else {
                    format!("-{}", self.expr(inner))
                }
            }
            ExprKind::Binary(BinOp::Div, lhs, rhs, _) => {
                format!("\\frac{{{}}}{{{}}}", self.expr(lhs), self.expr(rhs))
            }
            ExprKind::Binary(BinOp::Pow, lhs, rhs, _) => {
                let base = self.operand(BinOp::Pow, lhs, false);
                let base = if matches!(lhs.kind, ExprKind::Transpose(_)) || is_transpose_power(lhs) {
                    format!("{{{base}}}")
                } else {
                    base
                };
                if matches!(&rhs.kind, ExprKind::Name(n) if n.name == "T") {
                    format!("{base}^{{\\top}}")
                } else {
                    format!("{base}^{{{}}}", self.expr(rhs))
                }
            }
            ExprKind::Binary(op, lhs, rhs, _) => {
                let left = self.operand(*op, lhs, false);
                let right = self.operand(*op, rhs, true);
                let sign = match op {
                    BinOp::Add => " + ",
                    BinOp::Sub => " - ",
                    BinOp::Hadamard => " \\odot ",
                    _ if right.starts_with(|c: char| c.is_ascii_digit()) => " \\cdot ",
                    _ => " \\, ",
                };
                format!("{left}{sign}{right}")
            }
            ExprKind::Transpose(inner) => {
                let base = if precedence(inner) < 5 || is_fraction_like(inner) {
                    self.parens(inner)
                } else if matches!(inner.kind, ExprKind::Transpose(_)) {
                    format!("{{{}}}", self.expr(inner))
                } else {
                    self.expr(inner)
                };
                format!("{base}^{{\\top}}")
            }
            ExprKind::Array(items) => {
                let rows: Vec<String> = items
                    .iter()
                    .map(|item| match &item.kind {
                        ExprKind::Array(cells) => cells.iter().map(|c| self.expr(c)).collect::<Vec<_>>().join(" & "),
                        _ => self.expr(item),
                    })
                    .collect();
                format!("\\begin{{bmatrix}} {} \\end{{bmatrix}}", rows.join(" \\\\ "))
            }
            ExprKind::Big { op, binder, range, body } => {
                let symbol = if *op == BigOp::Sum { "\\sum" } else { "\\prod" };
                if let (None, Some((skip, rest))) = (range, body.skipped(&binder.name)) {
                    // `sum(j != y, f)`: `\sum_{j \ne y} f`.
                    let body_text = if precedence(rest) <= 1 { self.parens(rest) } else { self.expr(rest) };
                    return format!("{symbol}_{{{} \\ne {}}} {body_text}", name_latex(&binder.name), self.expr(skip));
                }
                let range = range.as_deref().or_else(|| self.ranges.get(&binder.name));
                let limits = match range {
                    Some(r) => format!(
                        "_{{{}={}}}^{{{}}}",
                        name_latex(&binder.name),
                        self.index_expr(&r.lo),
                        self.index_expr(&r.hi)
                    ),
                    None => format!("_{{{}}}", name_latex(&binder.name)),
                };
                let body_text = if precedence(body) <= 1 { self.parens(body) } else { self.expr(body) };
                format!("{symbol}{limits} {body_text}")
            }
            ExprKind::Diff { body, wrt } => {
                let order = if wrt.len() > 1 { format!("^{{{}}}", wrt.len()) } else { String::new() };
                let below: Vec<String> = wrt.iter().map(|w| format!("\\partial {}", self.var_ref(w))).collect();
                let below = below.join(" \\, ");
                if matches!(body.kind, ExprKind::Name(_) | ExprKind::Indexed(..)) {
                    format!("\\frac{{\\partial{order} {}}}{{{below}}}", self.expr(body))
                } else {
                    format!("\\frac{{\\partial{order}}}{{{below}}} {}", self.parens(body))
                }
            }
        }
    }

    fn call(&self, name: &str, primes: u32, args: &[Expr]) -> String {
        let args_text = || args.iter().map(|a| self.expr(a)).collect::<Vec<_>>().join(", ");
        // `sqrt` and `abs` as their own notation (`crate::builtin`'s table).
        let enclose = Builtin::from_name(name).and_then(|b| b.spec().enclose);
        match (name, primes, args, enclose) {
            ("delta" | "δ", 0, [i, j], _) => format!("\\delta_{{{},{}}}", self.expr(i), self.expr(j)),
            (_, 0, [x], Some((open, close))) => format!("{open}{}{close}", self.expr(x)),
            _ => format!("{}\\left({}\\right)", function_latex(name, primes), args_text()),
        }
    }
}

/// Whether an expression is drawn as a fraction (which a power's base must bracket).
fn is_fraction_like(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Binary(BinOp::Div, ..) | ExprKind::Diff { .. })
}

/// `x^T`, the transpose written as a power.
fn is_transpose_power(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Binary(BinOp::Pow, _, rhs, _) if matches!(&rhs.kind, ExprKind::Name(n) if n.name == "T"))
}

/// A literal: `2.5E-3` as `2.5 \cdot 10^{-3}`.
pub fn number_latex(text: &str) -> String {
    match text.find(['e', 'E']) {
        Some(at) => {
            let (mantissa, exponent) = (&text[..at], text[at + 1..].trim_start_matches('+'));
            if mantissa == "1" {
                format!("10^{{{exponent}}}")
            } else {
                format!("{mantissa} \\cdot 10^{{{exponent}}}")
            }
        }
        None => text.to_string(),
    }
}

/// An expression written in the derivation language (a repair's replacement, `p[i] * sum(k,
/// t[k])`) as LaTeX (`p_{i} \sum_{k} t_{k}`), with the index ranges of `file`; none where the text
/// is not one expression.
pub fn expression_latex(text: &str, file: &File) -> Option<String> {
    let ranges = index_ranges(file);
    let (parsed, errors) = crate::syntax::parse_file(&format!("derive {text}\n  = 0\n"));
    let [Item::Derivation(d)] = parsed.items.as_slice() else { return None };
    // The model's spellings, first of each name (a repair of a LaTeX answer speaks as the
    // answer does: `\delta`, not `\mathit{dl}`; a student tester's finding).
    let mut spellings = HashMap::new();
    for item in &file.items {
        if let Item::Latex { name, spellings: spelled, .. } = item {
            if let Some(first) = spelled.first() {
                spellings.entry(name.name.clone()).or_insert_with(|| first.trim().to_string());
            }
        }
    }
    errors.is_empty().then(|| Math { ranges, spellings }.expr(&d.head))
}

/// The declared range of each index of a file, for the limits of sums.
pub fn index_ranges(file: &File) -> HashMap<String, RangeExpr> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Index(decls) => Some(decls),
            _ => None,
        })
        .flatten()
        .map(|d| (d.name.name.clone(), d.range.clone()))
        .collect()
}
