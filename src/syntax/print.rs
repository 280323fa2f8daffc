//! Syntax tree → text: the canonical form of a file (`gradproof fmt`) and of single expressions.
//!
//! The printed text parses back to the same tree (spans aside): spellings that the tree does not
//! record (`sum`/`Σ`, `*`/`·`, `-`/`−`, `~=`/`≈`, `diff(E, x)`/`∂E/∂x`) are written one canonical
//! way, names and everything the tree records are kept as written, and parentheses are written
//! only where precedence needs them. [`Spelling::Ascii`] writes ASCII only: `sigmoid` for `σ`,
//! `delta` for the builtin `δ`, `.*` for `⊙`, `^T` for `ᵀ`, `~=` for `≈`, `diff(…)` for `∂`, and
//! Greek letters in names spelled out (`ζ` → `zeta`); that text has the same meaning, not always
//! the same tree (`xᵀ` becomes the power `x^T`, which the resolver reads as the transpose).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::ast::*;
use super::{parse_file, parse_lines, SourceLine, Statement};
use crate::diagnostic::{Diagnostic, Span};

/// Which characters the printer may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spelling {
    /// The canonical form: ASCII operators, `≈`, `⊙`, `ᵀ` and `∂A/∂x`, names as written.
    #[default]
    Canonical,
    /// ASCII only.
    Ascii,
}

/// The canonical text of a whole file, keeping its comments and (collapsed) blank lines. A file
/// with syntax errors is refused with them, and so is an `--ascii` rendering that would make two
/// names one.
pub fn format_source(source: &str, spelling: Spelling) -> Result<String, Vec<Diagnostic>> {
    let (_, errors) = parse_file(source);
    if !errors.is_empty() {
        return Err(errors);
    }
    let (lines, errors) = parse_lines(source);
    if !errors.is_empty() {
        return Err(errors);
    }
    // A comment inside a statement that goes on over several lines has no place in the tree, so
    // it could not be kept: refuse rather than drop it.
    let inner_comments: Vec<Diagnostic> = lines
        .iter()
        .filter_map(|line| {
            let text = &source[line.span.range()];
            let last_line = text.rfind('\n')?;
            let at = text[..last_line].find('#')?;
            let start = line.span.start + at;
            Some(
                Diagnostic::error(
                    Span::new(start, start + 1),
                    "a comment inside a statement that continues on the next line",
                )
                .with_hint("move the comment to the end of the statement, or to a line of its own"),
            )
        })
        .collect();
    if !inner_comments.is_empty() {
        return Err(inner_comments);
    }
    let mut printer = Printer::new(spelling, declares_delta(&lines));
    let mut out = String::new();
    let mut k = 0;
    while k < lines.len() {
        // A derivation (its `derive` line, its steps and the comment lines among them) is one
        // block whose notes share a column.
        let end = if matches!(lines[k].statement, Some(Statement::Derive(_))) {
            let mut end = k + 1;
            while end < lines.len() && continues_derivation(&lines[end..]) {
                end += 1;
            }
            end
        } else {
            k + 1
        };
        let block: Vec<(String, Option<String>, bool)> = lines[k..end]
            .iter()
            .map(|line| match &line.statement {
                Some(statement) => (printer.statement(statement), line.comment.clone(), false),
                None => (String::new(), line.comment.clone(), k < end - 1),
            })
            .collect();
        let column = block
            .iter()
            .filter(|(code, comment, _)| !code.is_empty() && comment.is_some())
            .map(|(code, _, _)| code.chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        for (j, (code, comment, indent)) in block.into_iter().enumerate() {
            let line = &lines[k + j];
            let blank_before =
                k + j > 0 && source[lines[k + j - 1].span.end..line.span.start].matches('\n').count() > 1;
            if blank_before {
                out.push('\n');
            }
            let comment = comment.map(|c| printer.comment(&c));
            match comment {
                None => out.push_str(&code),
                Some(text) if code.is_empty() => {
                    let indent = if indent && j > 0 { "  " } else { "" };
                    let _ = write!(out, "{indent}#{text}");
                }
                Some(text) => {
                    let pad = if end - k > 1 { column - code.chars().count() } else { 2 };
                    let _ = write!(out, "{code}{:pad$}# {}", "", text.trim_start());
                }
            }
            out.push('\n');
        }
        k = end;
    }
    printer.check_names()?;
    Ok(out)
}

/// Whether the first line continues the derivation before it: a step, or a comment line followed
/// (after more comment lines) by a step.
fn continues_derivation(rest: &[SourceLine]) -> bool {
    for line in rest {
        match line.statement {
            Some(Statement::Step(..)) => return true,
            Some(_) => return false,
            None => {}
        }
    }
    false
}

/// One expression in canonical form.
pub fn expr_to_string(expr: &Expr, spelling: Spelling) -> String {
    let mut printer = Printer::new(spelling, false);
    let mut out = String::with_capacity(64);
    printer.expr(&mut out, expr);
    out
}

/// An index expression (`t-1`, `i+a-1`) in canonical form.
pub fn index_to_string(index: &IndexExpr) -> String {
    let mut printer = Printer::new(Spelling::Canonical, false);
    let mut out = String::new();
    printer.index_expr(&mut out, index);
    out
}

/// How tightly an expression binds when printed (higher binds tighter): sums 1, products 2,
/// negation 3, powers 4, transposes 5, atoms 6.
pub fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => 1,
        ExprKind::Binary(BinOp::Mul | BinOp::Div | BinOp::Hadamard, ..) => 2,
        ExprKind::Neg(_) => 3,
        ExprKind::Binary(BinOp::Pow, ..) => 4,
        ExprKind::Transpose(_) => 5,
        _ => 6,
    }
}

/// Whether the operand of a binary operator needs parentheses, given the precedences of the
/// operator and the operand. Powers group to the right, everything else to the left; a negation on
/// the right of an operator is bracketed for the reader (`a * (-b)`) except a power's short one
/// (`2^-1`).
pub fn operand_needs_parens(op: BinOp, operand: &Expr, operand_prec: u8, right: bool) -> bool {
    let prec = match op {
        BinOp::Add | BinOp::Sub => 1,
        BinOp::Mul | BinOp::Div | BinOp::Hadamard => 2,
        BinOp::Pow => 4,
    };
    match (op, right) {
        // `(∂u/∂x)^2`: `∂u/∂x^2` is refused as ambiguous (a power, or a second derivative?).
        (BinOp::Pow, false) => operand_prec <= prec || matches!(operand.kind, ExprKind::Diff { .. }),
        (BinOp::Pow, true) => match &operand.kind {
            ExprKind::Neg(inner) => precedence(inner) < 5,
            _ => operand_prec < prec,
        },
        (_, false) => operand_prec < prec || mixes_products(op, operand),
        (_, true) => operand_prec <= prec || matches!(operand.kind, ExprKind::Neg(_)),
    }
}

/// A matrix product on the left of `⊙`, or an elementwise product on the left of `*`: they bind
/// alike and group to the left, but the reader is shown the grouping (`(W * d) ⊙ f'(z)`).
fn mixes_products(op: BinOp, operand: &Expr) -> bool {
    match (op, &operand.kind) {
        (BinOp::Mul, ExprKind::Binary(BinOp::Hadamard, ..)) => true,
        (BinOp::Hadamard, ExprKind::Binary(BinOp::Mul, ..)) => true,
        _ => false,
    }
}

struct Printer {
    spelling: Spelling,
    /// Whether the file declares its own `δ` (then it is not the builtin `delta`).
    declares_delta: bool,
    /// In ASCII: every name printed, as written → as printed, to refuse a clash.
    names: BTreeMap<String, (String, Span)>,
    /// In ASCII: where a transpose was written `^T`.
    transposes: Vec<Span>,
}

impl Printer {
    fn new(spelling: Spelling, declares_delta: bool) -> Printer {
        Printer { spelling, declares_delta, names: BTreeMap::new(), transposes: Vec::new() }
    }

    fn ascii(&self) -> bool {
        self.spelling == Spelling::Ascii
    }

    /// Refuses an ASCII rendering in which two names became one, or `^T` would read a name `T`.
    fn check_names(&self) -> Result<(), Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut by_printed: BTreeMap<&str, &str> = BTreeMap::new();
        for (written, (printed, span)) in &self.names {
            if let Some(other) = by_printed.insert(printed, written) {
                errors.push(
                    Diagnostic::error(*span, format!("`{written}` and `{other}` would both be written `{printed}`"))
                        .with_hint("rename one of them, or format without `--ascii`"),
                );
            }
        }
        if let (Some(span), true) = (self.transposes.first(), by_printed.contains_key("T")) {
            errors.push(
                Diagnostic::error(*span, "a transpose cannot be written `^T` in a file that declares `T`")
                    .with_hint("rename `T`, or format without `--ascii`"),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn name<'i>(&mut self, ident: &'i Ident) -> Cow<'i, str> {
        if !self.ascii() || ident.name.is_ascii() {
            if self.ascii() {
                self.names.entry(ident.name.clone()).or_insert((ident.name.clone(), ident.span));
            }
            return Cow::Borrowed(&ident.name);
        }
        let mut printed = transliterate(&ident.name);
        if is_reserved(&printed) {
            printed.push('_');
        }
        self.names.entry(ident.name.clone()).or_insert((printed.clone(), ident.span));
        Cow::Owned(printed)
    }

    fn function_name<'i>(&mut self, ident: &'i Ident) -> Cow<'i, str> {
        match ident.name.as_str() {
            "σ" if self.ascii() => Cow::Borrowed("sigmoid"),
            "δ" if self.ascii() && !self.declares_delta => Cow::Borrowed("delta"),
            _ => self.name(ident),
        }
    }

    fn comment(&self, text: &str) -> String {
        if self.ascii() {
            ascii_text(text)
        } else {
            text.to_string()
        }
    }

    fn statement(&mut self, statement: &Statement) -> String {
        let mut out = String::new();
        match statement {
            Statement::Item(item) => self.item(&mut out, item),
            Statement::Derive(d) => {
                out.push_str("derive ");
                if let Some(name) = &d.name {
                    let _ = write!(out, "\"{}\" ", self.comment(name));
                }
                if let Some(worth) = &d.worth {
                    let _ = write!(out, "worth {worth} ");
                }
                self.expr(&mut out, &d.head);
            }
            Statement::Step(relation, expr) => {
                out.push_str(match (relation, self.ascii()) {
                    (Relation::Equal, _) => "  = ",
                    (Relation::Approx, false) => "  ≈ ",
                    (Relation::Approx, true) => "  ~= ",
                });
                self.expr(&mut out, expr);
            }
        }
        out
    }

    fn item(&mut self, out: &mut String, item: &Item) {
        match item {
            Item::Title(text, _) => {
                let _ = write!(out, "title \"{}\"", self.comment(text));
            }
            Item::Latex { name, spellings, .. } => {
                let quoted: Vec<String> = spellings.iter().map(|s| format!("\"{s}\"")).collect();
                let _ = write!(out, "latex {} {}", self.name(name), quoted.join(", "));
            }
            Item::Index(decls) => {
                out.push_str("index ");
                for (k, decl) in decls.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    let name = self.name(&decl.name);
                    let _ = write!(out, "{name} in ");
                    self.range(out, &decl.range);
                }
            }
            Item::Var(items) => {
                out.push_str("var ");
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    self.var_ref(out, &item.target);
                    if let Some(shape) = &item.shape {
                        out.push_str(": ");
                        for (d, dim) in shape.dims.iter().enumerate() {
                            if d > 0 {
                                out.push_str(" x ");
                            }
                            self.index_atom(out, dim);
                        }
                    }
                    if let Some(domain) = &item.domain {
                        let (op, bound) = if self.ascii() {
                            let op = match domain.op.as_str() {
                                "≥" => ">=",
                                "≠" => "!=",
                                op => op,
                            };
                            (op.to_string(), domain.bound.replace('−', "-"))
                        } else {
                            (domain.op.clone(), domain.bound.clone())
                        };
                        let _ = write!(out, " {op}");
                        if !bound.is_empty() {
                            let _ = write!(out, " {bound}");
                        }
                    }
                }
            }
            Item::Unknown(items) => {
                out.push_str("unknown ");
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    match item {
                        UnknownItem::Function { name, params } => self.signature(out, name, params),
                        UnknownItem::Node { name, deps } => {
                            let name = self.name(name);
                            let _ = write!(out, "{name} depends on ");
                            for (d, dep) in deps.iter().enumerate() {
                                if d > 0 {
                                    out.push_str(", ");
                                }
                                self.var_ref(out, dep);
                            }
                        }
                    }
                }
            }
            Item::Let(defs) => {
                out.push_str("let ");
                for (k, def) in defs.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    match def {
                        Definition::Node { target, body } => {
                            self.var_ref(out, target);
                            out.push_str(" = ");
                            self.expr(out, body);
                        }
                        Definition::Function { name, params, body } => {
                            self.signature(out, name, params);
                            out.push_str(" = ");
                            self.expr(out, body);
                        }
                    }
                }
            }
            Item::Assume(assume) => {
                out.push_str("assume ");
                self.expr(out, &assume.lhs);
                out.push_str(" = ");
                self.expr(out, &assume.rhs);
            }
            Item::Tolerance(t) => {
                let _ = write!(out, "tolerance {}{}", t.value, if t.percent { "%" } else { "" });
            }
            Item::Grading(g) => {
                out.push_str("grading ");
                for (k, (name, value, percent)) in g.shares.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    let name = self.name(name);
                    let _ = write!(out, "{name} {value}{}", if *percent { "%" } else { "" });
                }
            }
            Item::Derivation(d) => {
                out.push_str(&self.statement(&Statement::Derive(d.clone())));
                for step in &d.steps {
                    out.push('\n');
                    out.push_str(&self.statement(&Statement::Step(step.relation, step.expr.clone())));
                    if let Some(note) = &step.note {
                        let _ = write!(out, "  # {}", self.comment(note));
                    }
                }
            }
        }
    }

    fn signature(&mut self, out: &mut String, name: &Ident, params: &[Ident]) {
        let name = self.name(name);
        out.push_str(&name);
        out.push('(');
        for (k, p) in params.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            let p = self.name(p);
            out.push_str(&p);
        }
        out.push(')');
    }

    fn range(&mut self, out: &mut String, range: &RangeExpr) {
        self.index_expr(out, &range.lo);
        out.push_str("..");
        self.index_expr(out, &range.hi);
    }

    fn var_ref(&mut self, out: &mut String, r: &VarRef) {
        let name = self.name(&r.name);
        out.push_str(&name);
        self.subscripts(out, &r.subscripts);
    }

    fn subscripts(&mut self, out: &mut String, subscripts: &[IndexExpr]) {
        if subscripts.is_empty() {
            return;
        }
        out.push('[');
        for (k, s) in subscripts.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            self.index_expr(out, s);
        }
        out.push(']');
    }

    fn index_expr(&mut self, out: &mut String, e: &IndexExpr) {
        for (k, (sign, atom)) in e.terms.iter().enumerate() {
            if *sign < 0 {
                out.push('-');
            } else if k > 0 {
                out.push('+');
            }
            self.index_atom(out, atom);
        }
    }

    fn index_atom(&mut self, out: &mut String, atom: &IndexAtom) {
        match atom {
            IndexAtom::Int(text, _) => out.push_str(text),
            IndexAtom::Name(ident) => {
                let name = self.name(ident);
                out.push_str(&name);
            }
        }
    }

    /// The precedence of an expression as this printer writes it (`^T` is a power).
    fn prec(&self, e: &Expr) -> u8 {
        match e.kind {
            ExprKind::Transpose(_) if self.ascii() => 4,
            _ => precedence(e),
        }
    }

    fn operand(&mut self, out: &mut String, e: &Expr, parens: bool) {
        if parens {
            out.push('(');
            self.expr(out, e);
            out.push(')');
        } else {
            self.expr(out, e);
        }
    }

    fn expr(&mut self, out: &mut String, e: &Expr) {
        match &e.kind {
            ExprKind::Number(text) => out.push_str(text),
            ExprKind::Name(ident) => {
                let name = self.name(ident);
                out.push_str(&name);
            }
            ExprKind::Indexed(ident, subscripts) => {
                let name = self.name(ident);
                out.push_str(&name);
                self.subscripts(out, subscripts);
            }
            ExprKind::Call { func, primes, args } => {
                let name = self.function_name(func);
                out.push_str(&name);
                for _ in 0..*primes {
                    out.push('\'');
                }
                out.push('(');
                for (k, arg) in args.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    self.expr(out, arg);
                }
                out.push(')');
            }
            ExprKind::Neg(inner) => {
                out.push('-');
                let parens = self.prec(inner) <= 3;
                self.operand(out, inner, parens);
            }
            ExprKind::Binary(op, lhs, rhs, _) => {
                let left = operand_needs_parens(*op, lhs, self.prec(lhs), false);
                self.operand(out, lhs, left);
                out.push_str(match (op, self.ascii()) {
                    (BinOp::Add, _) => " + ",
                    (BinOp::Sub, _) => " - ",
                    (BinOp::Mul, _) => " * ",
                    (BinOp::Div, _) => " / ",
                    (BinOp::Pow, _) => "^",
                    (BinOp::Hadamard, false) => " ⊙ ",
                    (BinOp::Hadamard, true) => " .* ",
                });
                let right = operand_needs_parens(*op, rhs, self.prec(rhs), true);
                match &rhs.kind {
                    // `x^T`: a transpose unless `T` is declared, and then its declaration is what
                    // keeps a transpose from being written `^T` (the exponent alone does not).
                    ExprKind::Name(t) if *op == BinOp::Pow && t.name == "T" => out.push('T'),
                    _ => self.operand(out, rhs, right),
                }
            }
            ExprKind::Transpose(inner) => {
                if self.ascii() {
                    self.transposes.push(e.span);
                    let parens = self.prec(inner) <= 4;
                    self.operand(out, inner, parens);
                    out.push_str("^T");
                } else {
                    let parens = self.prec(inner) < 5;
                    self.operand(out, inner, parens);
                    out.push('ᵀ');
                }
            }
            ExprKind::Array(items) => {
                out.push('[');
                for (k, item) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    self.expr(out, item);
                }
                out.push(']');
            }
            ExprKind::Big { op, binder, range, body } => {
                out.push_str(if *op == BigOp::Sum { "sum(" } else { "prod(" });
                let mut body = body.as_ref();
                let skipped = body.skipped(&binder.name);
                let binder = self.name(binder);
                out.push_str(&binder);
                match (range, skipped) {
                    (Some(range), _) => {
                        out.push_str(" in ");
                        self.range(out, range);
                    }
                    (None, Some((skip, rest))) => {
                        out.push_str(" != ");
                        self.expr(out, skip);
                        body = rest;
                    }
                    (None, None) => {}
                }
                out.push_str(", ");
                self.expr(out, body);
                out.push(')');
            }
            ExprKind::Diff { body, wrt } => {
                let simple = matches!(body.kind, ExprKind::Name(_) | ExprKind::Indexed(..));
                if wrt.len() == 1 && simple && !self.ascii() {
                    out.push('∂');
                    self.expr(out, body);
                    out.push_str("/∂");
                    self.var_ref(out, &wrt[0]);
                } else {
                    out.push_str("diff(");
                    self.expr(out, body);
                    for w in wrt {
                        out.push_str(", ");
                        self.var_ref(out, w);
                    }
                    out.push(')');
                }
            }
        }
    }
}

/// Whether the file declares a name `δ` of its own (then `δ(i, j)` is not the Kronecker delta).
fn declares_delta(lines: &[SourceLine]) -> bool {
    let is_delta = |ident: &Ident| ident.name == "δ";
    lines.iter().any(|line| match &line.statement {
        Some(Statement::Item(Item::Var(items))) => items.iter().any(|i| is_delta(&i.target.name)),
        Some(Statement::Item(Item::Let(defs))) => defs.iter().any(|d| match d {
            Definition::Node { target, .. } => is_delta(&target.name),
            Definition::Function { name, .. } => is_delta(name),
        }),
        Some(Statement::Item(Item::Unknown(items))) => items.iter().any(|u| match u {
            UnknownItem::Function { name, .. } | UnknownItem::Node { name, .. } => is_delta(name),
        }),
        _ => false,
    })
}

/// Words a spelled-out name may not be (keywords and builtin functions).
fn is_reserved(name: &str) -> bool {
    const RESERVED: [&str; 15] = [
        "title",
        "index",
        "in",
        "var",
        "unknown",
        "depends",
        "on",
        "let",
        "assume",
        "tolerance",
        "derive",
        "sum",
        "prod",
        "diff",
        "delta",
    ];
    RESERVED.contains(&name) || crate::builtin::Builtin::from_name(name).is_some()
}

/// The name of a Greek letter (`ζ` → `zeta`), as ASCII and LaTeX spell it.
pub fn greek_name(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "alpha",
        'β' => "beta",
        'γ' => "gamma",
        'δ' => "delta",
        'ε' | 'ϵ' => "epsilon",
        'ζ' => "zeta",
        'η' => "eta",
        'θ' | 'ϑ' => "theta",
        'ι' => "iota",
        'κ' => "kappa",
        'λ' => "lambda",
        'μ' => "mu",
        'ν' => "nu",
        'ξ' => "xi",
        'ο' => "omicron",
        'π' => "pi",
        'ρ' => "rho",
        'σ' | 'ς' => "sigma",
        'τ' => "tau",
        'υ' => "upsilon",
        'φ' | 'ϕ' => "phi",
        'χ' => "chi",
        'ψ' => "psi",
        'ω' => "omega",
        'Γ' => "Gamma",
        'Δ' => "Delta",
        'Θ' => "Theta",
        'Λ' => "Lambda",
        'Ξ' => "Xi",
        'Π' => "Pi",
        'Σ' => "Sigma",
        'Φ' => "Phi",
        'Ψ' => "Psi",
        'Ω' => "Omega",
        _ => return None,
    })
}

/// A name in ASCII letters: Greek letters spelled out, anything else as `u` and its code point.
fn transliterate(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match greek_name(c) {
            _ if c.is_ascii() => out.push(c),
            Some(word) => out.push_str(word),
            None => {
                let _ = write!(out, "u{:04x}", c as u32);
            }
        }
    }
    out
}

/// Free text (comments, titles) in ASCII: mathematical symbols as the language spells them, Greek
/// letters spelled out, typography simplified, anything else `?`.
fn ascii_text(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let s: &str = match c {
            _ if c.is_ascii() => {
                out.push(c);
                continue;
            }
            '∂' => "d",
            '·' | '×' => "*",
            '−' | '–' => "-",
            '—' => "--",
            '≈' => "~=",
            '≥' => ">=",
            '≤' => "<=",
            '≠' => "!=",
            '⊙' => ".*",
            'ᵀ' => "^T",
            '′' | '’' | '‘' => "'",
            '“' | '”' => "\"",
            '…' => "...",
            '→' => "->",
            '←' => "<-",
            '∑' => "sum",
            '∏' => "prod",
            '²' => "^2",
            '³' => "^3",
            '∈' => " in ",
            '∞' => "inf",
            '√' => "sqrt",
            '\u{a0}' => " ",
            _ => match greek_name(c) {
                Some(word) => word,
                None => "?",
            },
        };
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(source: &str) -> String {
        format_source(source, Spelling::Canonical).unwrap()
    }

    #[test]
    fn minimal_parentheses() {
        let out = fmt(
            "var a, b, c\nderive (a - (b - c)) / (a * b) * c\n  = -(a + b)^2 + (-a)^2 + 2^-1 + a^(b^c) + (a^b)^c\n",
        );
        assert_eq!(
            out,
            "var a, b, c\nderive (a - (b - c)) / (a * b) * c\n  = -(a + b)^2 + (-a)^2 + 2^-1 + a^b^c + (a^b)^c\n"
        );
    }

    #[test]
    fn ascii_spellings() {
        let source = "var ζ, x\nlet y = σ(ζ) ⊙ x\nderive ∂y/∂ζ\n  ≈ Σ(k in 1..2, δ(k, 1))  # ∂y/∂ζ\n";
        let out = format_source(source, Spelling::Ascii).unwrap();
        assert_eq!(
            out,
            "var zeta, x\nlet y = sigmoid(zeta) .* x\nderive diff(y, zeta)\n  ~= sum(k in 1..2, delta(k, 1))  # dy/dzeta\n"
        );
    }

    #[test]
    fn comments_and_blank_lines_are_kept() {
        let source = "# head\n#   indented\n\n\nvar x   # the input\nderive x\n  = x # a\n  # between\n  = x + 0 # b\n";
        assert_eq!(
            fmt(source),
            "# head\n#   indented\n\nvar x  # the input\nderive x\n  = x      # a\n  # between\n  = x + 0  # b\n"
        );
    }

    #[test]
    fn a_comment_inside_a_continued_statement_is_not_dropped() {
        let errors = format_source("var x\nlet y = f(x,  # first\n  x)\n", Spelling::Canonical);
        assert!(errors.is_err());
        assert_eq!(
            fmt("var x\nunknown f(a, b)\nlet y = f(x,\n  x)  # end\n"),
            "var x\nunknown f(a, b)\nlet y = f(x, x)  # end\n"
        );
    }

    #[test]
    fn ascii_refuses_a_clash() {
        let errors = format_source("var ζ, zeta\nderive ζ + zeta\n  = zeta + ζ\n", Spelling::Ascii).unwrap_err();
        assert!(errors[0].message.contains("would both be written `zeta`"), "{errors:?}");
    }
}
