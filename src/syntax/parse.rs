//! pest → syntax tree. Each logical line is parsed on its own; lines are then grouped into
//! declarations and derivations.

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use std::sync::OnceLock;

use super::ast::*;
use super::lines;
use crate::diagnostic::{Diagnostic, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/derivation.pest"]
struct LineParser;

/// Parses a whole file. Returns every item that parsed, and every problem found.
pub fn parse_file(source: &str) -> (File, Vec<Diagnostic>) {
    parse_file_with(source, lines::split(source), &mut parse_line)
}

/// How many bytes of logical lines each thread of [`parse_file_on`] must have at least: below
/// that, starting a thread costs more than it saves.
const PARALLEL_PARSE_BYTES: usize = 1_024;

/// [`parse_file`], with the logical lines parsed on up to `jobs` threads, each a run of
/// consecutive lines of about the same size: the same tree and problems, in the same order
/// (each line is parsed on its own; only the grouping into derivations, done afterwards in
/// order, joins them).
pub fn parse_file_on(source: &str, jobs: usize) -> (File, Vec<Diagnostic>) {
    let split = lines::split(source);
    let texts: Vec<(&str, usize)> =
        split.0.iter().filter(|l| !l.rejected).map(|l| (&source[l.span.range()], l.span.start)).collect();
    let bytes: usize = texts.iter().map(|(t, _)| t.len()).sum();
    let jobs = jobs.min(bytes / PARALLEL_PARSE_BYTES);
    if jobs <= 1 {
        return parse_file_with(source, split, &mut parse_line);
    }
    let runs = crate::threads::runs_by_weight(&texts, jobs, |(text, _)| text.len());
    let parsed =
        crate::threads::map_runs(&runs, |run| run.iter().map(|&(text, base)| parse_line(text, base)).collect());
    let mut parsed = parsed.into_iter();
    parse_file_with(source, split, &mut |_, _| parsed.next().expect("one parse per line, in order"))
}

/// The logical lines parsed so far, by text, each as parsed at offset 0: a text parsed again
/// with some lines changed (`grade` blanks a submission's declarations and appends the
/// reference), or another text with the same lines at other offsets (the next submission of a
/// batch), parses only the lines it has not seen, and gets exactly what parsing them again would
/// give: a line's parse depends on its offset only through its spans, which are moved to it.
/// Shared by threads; at most [`LINE_MEMO_ENTRIES`] lines of [`LINE_MEMO_BYTES`] bytes in all
/// are kept (a tree is a few dozen times its line's bytes).
#[derive(Default)]
pub struct LineMemo(std::sync::Mutex<(std::collections::HashMap<String, LineParse>, usize)>);

/// How many lines a [`LineMemo`] keeps at most (past that, it keeps no more).
pub const LINE_MEMO_ENTRIES: usize = 100_000;

/// How many bytes of lines a [`LineMemo`] keeps at most: a batch of long lines is not all kept.
pub const LINE_MEMO_BYTES: usize = 4 << 20;

impl std::fmt::Debug for LineMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LineMemo({})", self.0.lock().map_or(0, |m| m.0.len()))
    }
}

/// What parsing one logical line gives: its statement and note, if it parsed, and its problems.
type LineParse = (Option<ParsedLine>, Vec<Diagnostic>);

/// [`parse_file`], reusing the lines `memo` has parsed before and remembering the others.
pub fn parse_file_remembering(source: &str, memo: &LineMemo) -> (File, Vec<Diagnostic>) {
    use super::shift::MapSpans;
    parse_file_with(source, lines::split(source), &mut |text, base| {
        // (A poisoned lock only means another thread panicked: the lines it holds are whole.)
        let seen = memo.0.lock().unwrap_or_else(|p| p.into_inner()).0.get(text).cloned();
        let (mut parsed, mut diagnostics) = seen.unwrap_or_else(|| {
            let parsed = parse_line(text, 0);
            let mut guard = memo.0.lock().unwrap_or_else(|p| p.into_inner());
            let (lines, bytes) = &mut *guard;
            if lines.len() < LINE_MEMO_ENTRIES && *bytes + text.len() <= LINE_MEMO_BYTES {
                if let std::collections::hash_map::Entry::Vacant(slot) = lines.entry(text.to_string()) {
                    *bytes += text.len();
                    slot.insert(parsed.clone());
                }
            }
            parsed
        });
        if base > 0 {
            if let Some((statement, _)) = &mut parsed {
                statement.shift(base);
            }
            diagnostics.shift(base);
        }
        (parsed, diagnostics)
    })
}

/// The file of the logical lines `split` of `source` found, each parsed by `parse_line` (called
/// once per line that was not rejected, in order).
fn parse_file_with(
    source: &str,
    split: (Vec<lines::LogicalLine>, Vec<Diagnostic>),
    parse_line: &mut impl FnMut(&str, usize) -> LineParse,
) -> (File, Vec<Diagnostic>) {
    let (logical_lines, mut diagnostics) = split;
    let mut file = File::default();
    // The derivation whose steps are being collected, and whether its head line failed to parse
    // (then its steps are dropped silently rather than reported as orphans; any broken line that
    // is no declaration counts as a head).
    let mut open: Option<Derivation> = None;
    let mut broken_head = false;
    for line in logical_lines {
        let base = line.span.start;
        let text = &source[line.span.range()];
        if line.rejected {
            // Its error is reported already; keep the grouping of steps as if it had parsed.
            if starts_like_step(text) {
                if let Some(derivation) = open.as_mut() {
                    derivation.unread.push(line.span);
                }
            } else {
                close(&mut file, &mut open, &mut diagnostics);
                broken_head = !starts_like_declaration(text);
            }
            continue;
        }
        let (parsed, mut line_diagnostics) = parse_line(text, base);
        let failed = !line_diagnostics.is_empty();
        diagnostics.append(&mut line_diagnostics);
        let is_step =
            parsed.as_ref().map_or_else(|| starts_like_step(text), |l| matches!(l.0, Some(Statement::Step(..))));
        if failed && !is_step {
            // A broken declaration or head line ends the open derivation. A broken line that is no
            // declaration was likely meant as a head (`derivation "x" …`): its steps are not
            // reported again as steps outside a derivation.
            close(&mut file, &mut open, &mut diagnostics);
            broken_head = !starts_like_declaration(text);
            continue;
        }
        if failed {
            // A step line with an error is not read, even where the parser made something of it
            // (`2x`, which the grammar reads only to point at the missing `*`).
            if let Some(derivation) = open.as_mut() {
                derivation.unread.push(line.span);
            }
            continue;
        }
        let Some((stmt, note)) = parsed else { continue };
        let note = note.map(|n| n.trim().to_string());
        match stmt {
            Some(Statement::Step(relation, expr)) => {
                let step = Step { relation, expr, note, span: line.span, restates: false };
                match open.as_mut() {
                    Some(derivation) => derivation.steps.push(step),
                    None if broken_head => {}
                    None => {
                        diagnostics.push(Diagnostic::error(line.span, "step outside a derivation").with_hint(
                            "start the derivation with `derive EXPRESSION` on the line before its first step",
                        ))
                    }
                }
            }
            Some(Statement::Derive(derivation)) => {
                close(&mut file, &mut open, &mut diagnostics);
                broken_head = false;
                open = Some(derivation);
            }
            Some(Statement::Item(item)) => {
                close(&mut file, &mut open, &mut diagnostics);
                broken_head = false;
                file.items.push(item);
            }
            None => {}
        }
    }
    close(&mut file, &mut open, &mut diagnostics);
    (file, diagnostics)
}

fn starts_like_step(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('=') || t.starts_with('≈') || t.starts_with("~=")
}

fn close(file: &mut File, open: &mut Option<Derivation>, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(derivation) = open.take() {
        if derivation.steps.is_empty() && derivation.unread.is_empty() {
            diagnostics.push(
                Diagnostic::error(derivation.span, "derivation has no steps")
                    .with_hint("write each step on its own line, starting with `=` or `≈`"),
            );
            file.unfilled.push(derivation);
        } else {
            file.items.push(Item::Derivation(derivation));
        }
    }
}

/// What one logical line holds.
#[derive(Debug, Clone)]
pub enum Statement {
    /// A declaration.
    Item(Item),
    /// A `derive` line (its `steps` are empty: they are lines of their own).
    Derive(Derivation),
    /// A step line.
    Step(Relation, Expr),
}

/// One logical line of a file, parsed on its own: what `gradproof fmt` works on, since it keeps
/// the comments that the tree of [`parse_file`] leaves out.
#[derive(Debug, Clone)]
pub struct SourceLine {
    /// The logical line, without its final newline.
    pub span: Span,
    /// The statement, if the line has one.
    pub statement: Option<Statement>,
    /// The comment that ends the line, without the `#` and without trailing whitespace.
    pub comment: Option<String>,
}

/// Every logical line of `source` that parsed, in order, and the problems of those that did not.
pub fn parse_lines(source: &str) -> (Vec<SourceLine>, Vec<Diagnostic>) {
    let (logical_lines, mut diagnostics) = lines::split(source);
    let mut out = Vec::new();
    for line in logical_lines.into_iter().filter(|l| !l.rejected) {
        let (parsed, mut line_diagnostics) = parse_line(&source[line.span.range()], line.span.start);
        if !line_diagnostics.is_empty() {
            diagnostics.append(&mut line_diagnostics);
            continue;
        }
        if let Some((statement, comment)) = parsed {
            out.push(SourceLine { span: line.span, statement, comment });
        }
    }
    (out, diagnostics)
}

/// A parsed logical line: its statement, if any, and its raw comment, if any.
type ParsedLine = (Option<Statement>, Option<String>);

/// One logical line at offset `base` of its file: its statement and raw comment, if it parsed, and
/// its problems.
fn parse_line(text: &str, base: usize) -> LineParse {
    let text = &*lines::blank_inner_comments(text);
    let mut builder = Builder { base, diagnostics: Vec::new() };
    let parsed = match LineParser::parse(Rule::line, text) {
        Ok(mut pairs) => builder.line(pairs.next().expect("the line rule always yields one pair")),
        Err(error) => {
            builder.diagnostics.push(pest_error(&error, base, text));
            None
        }
    };
    (parsed, builder.diagnostics)
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::hadamard, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::implicit, Assoc::Left))
            .op(Op::prefix(Rule::neg))
            .op(Op::infix(Rule::pow, Assoc::Right))
            .op(Op::postfix(Rule::transpose) | Op::postfix(Rule::superscript))
    })
}

/// Turns pest pairs into syntax nodes, shifting spans by the line's offset in the file.
struct Builder {
    base: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.base + s.start(), self.base + s.end())
    }

    fn line(&mut self, pair: Pair<Rule>) -> Option<ParsedLine> {
        let mut stmt = None;
        let mut note = None;
        for inner in pair.into_inner() {
            match inner.as_rule() {
                Rule::note => {
                    let text = inner.into_inner().next().map_or("", |p| p.as_str());
                    note = Some(text.trim_end().to_string());
                }
                Rule::EOI => {}
                _ => stmt = Some(self.statement(inner)),
            }
        }
        Some((stmt, note))
    }

    fn statement(&mut self, pair: Pair<Rule>) -> Statement {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let first = inner.next().expect("a statement starts with a keyword or a relation");
        match rule {
            Rule::title_stmt => {
                let text = inner.next().map(|s| string_text(&s)).unwrap_or_default();
                Statement::Item(Item::Title(text, span))
            }
            Rule::latex_stmt => {
                let name = self.ident(inner.next().expect("grammar: a name"));
                let spellings = inner.map(|s| string_text(&s)).collect();
                Statement::Item(Item::Latex { name, spellings, span })
            }
            Rule::index_stmt => Statement::Item(Item::Index(inner.map(|d| self.index_decl(d)).collect())),
            Rule::var_stmt => Statement::Item(Item::Var(inner.map(|v| self.var_item(v)).collect())),
            Rule::unknown_stmt => Statement::Item(Item::Unknown(inner.map(|u| self.unknown_item(u)).collect())),
            Rule::let_stmt => Statement::Item(Item::Let(inner.map(|d| self.definition(d)).collect())),
            Rule::assume_stmt => {
                let lhs = self.expr(inner.next().expect("assume has a left side"));
                let rhs = self.expr(inner.next().expect("assume has a right side"));
                Statement::Item(Item::Assume(Assume { lhs, rhs, span }))
            }
            Rule::tolerance_stmt => {
                let value = inner.next().map(|n| n.as_str().to_string()).unwrap_or_default();
                let percent = inner.next().is_some();
                Statement::Item(Item::Tolerance(Tolerance { value, percent, span }))
            }
            Rule::grading_stmt => {
                let shares = inner
                    .map(|share| {
                        let mut parts = share.into_inner();
                        let name = self.ident(parts.next().expect("a share has a name"));
                        let value = parts.next().map(|n| n.as_str().to_string()).unwrap_or_default();
                        (name, value, parts.next().is_some())
                    })
                    .collect();
                Statement::Item(Item::Grading(Grading { shares, span }))
            }
            Rule::derive_stmt => {
                let mut name = None;
                let mut worth = None;
                let mut head = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::string => name = Some(string_text(&part)),
                        Rule::worth => worth = part.into_inner().nth(1).map(|n| n.as_str().to_string()),
                        _ => head = Some(self.expr(part)),
                    }
                }
                let head = head.expect("derive has a head expression");
                Statement::Derive(Derivation { name, worth, head, steps: Vec::new(), span, unread: Vec::new() })
            }
            Rule::step_stmt => {
                let relation = if first.as_str() == "=" { Relation::Equal } else { Relation::Approx };
                let expr = self.expr(inner.next().expect("a step has an expression"));
                Statement::Step(relation, expr)
            }
            other => unreachable!("not a statement rule: {other:?}"),
        }
    }

    fn index_decl(&mut self, pair: Pair<Rule>) -> IndexDecl {
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("index name"));
        inner.next(); // `in`
        let range = self.range(inner.next().expect("index range"));
        IndexDecl { name, range }
    }

    fn range(&mut self, pair: Pair<Rule>) -> RangeExpr {
        let mut inner = pair.into_inner();
        let lo = self.index_expr(inner.next().expect("lower bound"));
        let hi = self.index_expr(inner.next().expect("upper bound"));
        RangeExpr { lo, hi }
    }

    fn var_item(&mut self, pair: Pair<Rule>) -> VarItem {
        let mut inner = pair.into_inner();
        let target = self.var_ref(inner.next().expect("var item has a reference"));
        let mut next = inner.next();
        let shape = match next.as_ref().map(|p| p.as_rule()) {
            Some(Rule::shape_decl) => {
                let decl = next.take().expect("shape");
                next = inner.next();
                let span = self.span(&decl);
                let dims = decl
                    .into_inner()
                    .flat_map(|s| s.into_inner())
                    .map(|d| match d.as_rule() {
                        Rule::integer => IndexAtom::Int(d.as_str().to_string(), self.span(&d)),
                        _ => IndexAtom::Name(self.ident(d)),
                    })
                    .collect();
                Some(ShapeDecl { dims, span })
            }
            _ => None,
        };
        let domain = next.map(|d| {
            let span = self.span(&d);
            let mut parts = d.into_inner();
            let op = parts.next().map(|p| p.as_str().to_string()).unwrap_or_default();
            let mut range = None;
            // A number, or an interval or a finite set written in the canonical form `(0, 1)`,
            // `{-1, 1}` (so that formatting it parses back to the same tree).
            let bound = parts
                .next()
                .map(|p| match p.as_rule() {
                    Rule::interval | Rule::finite_set => {
                        let items: Vec<String> = p.into_inner().map(|q| q.as_str().to_string()).collect();
                        match items.as_slice() {
                            [open, lo, hi, close] if open == "(" || open == "[" => format!("{open}{lo}, {hi}{close}"),
                            _ => format!("{{{}}}", items.join(", ")),
                        }
                    }
                    Rule::range => {
                        let r = self.range(p);
                        let text = format!("{}..{}", r.lo.written(), r.hi.written());
                        range = Some(r);
                        text
                    }
                    _ => p.as_str().to_string(),
                })
                .unwrap_or_default();
            DomainDecl { op, bound, range, span }
        });
        VarItem { target, domain, shape }
    }

    fn unknown_item(&mut self, pair: Pair<Rule>) -> UnknownItem {
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("unknown has a name"));
        match rule {
            Rule::unknown_fn => UnknownItem::Function { name, params: inner.map(|p| self.ident(p)).collect() },
            _ => {
                inner.next(); // depends
                inner.next(); // on
                UnknownItem::Node { name, deps: inner.map(|d| self.var_ref(d)).collect() }
            }
        }
    }

    fn definition(&mut self, pair: Pair<Rule>) -> Definition {
        let rule = pair.as_rule();
        let mut inner: Vec<Pair<Rule>> = pair.into_inner().collect();
        let body = self.expr(inner.pop().expect("a definition has a body"));
        let mut inner = inner.into_iter();
        match rule {
            Rule::fn_def => {
                let name = self.ident(inner.next().expect("function name"));
                Definition::Function { name, params: inner.map(|p| self.ident(p)).collect(), body }
            }
            _ => Definition::Node { target: self.var_ref(inner.next().expect("defined reference")), body },
        }
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn var_ref(&mut self, pair: Pair<Rule>) -> VarRef {
        let mut inner = pair.into_inner();
        let name = self.ident(inner.next().expect("a reference has a name"));
        // The reference's span ends at its name or its `]` (never at whitespace after it).
        let (subscripts, end) = match inner.next() {
            Some(s) => (self.subscripts(s.clone()), self.span(&s).end),
            None => (Vec::new(), name.span.end),
        };
        let span = Span::new(name.span.start, end);
        VarRef { name, subscripts, span }
    }

    fn subscripts(&mut self, pair: Pair<Rule>) -> Vec<IndexExpr> {
        pair.into_inner().map(|e| self.index_expr(e)).collect()
    }

    fn index_expr(&mut self, pair: Pair<Rule>) -> IndexExpr {
        let span = self.span(&pair);
        let mut terms = Vec::new();
        let mut sign = 1;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::index_sign => sign = if part.as_str() == "+" { 1 } else { -1 },
                Rule::integer => {
                    terms.push((sign, IndexAtom::Int(part.as_str().to_string(), self.span(&part))));
                    sign = 1;
                }
                _ => {
                    terms.push((sign, IndexAtom::Name(self.ident(part))));
                    sign = 1;
                }
            }
        }
        IndexExpr { terms, span }
    }

    fn expr(&mut self, pair: Pair<Rule>) -> Expr {
        let pairs = pair.into_inner();
        self.pratt_expr(pairs)
    }

    fn pratt_expr(&mut self, pairs: Pairs<Rule>) -> Expr {
        // The Pratt parser's closures cannot borrow `self` mutably three times at once; collect the
        // implicit-multiplication diagnostics in a cell and append them afterwards.
        let cell = std::cell::RefCell::new(std::mem::take(&mut self.diagnostics));
        let base = self.base;
        let this = std::cell::RefCell::new(Builder { base, diagnostics: Vec::new() });
        let expr = pratt()
            .map_primary(|p| this.borrow_mut().primary(p))
            .map_prefix(|op, rhs| {
                let span = Span::new(base + op.as_span().start(), rhs.span.end);
                Expr { kind: ExprKind::Neg(Box::new(rhs)), span }
            })
            .map_postfix(|lhs, op| {
                let op_span = Span::new(base + op.as_span().start(), base + op.as_span().end());
                // `∂(x^3)/∂x²`: a power of the derivative, or the second derivative the page means?
                if op.as_rule() == Rule::superscript && matches!(lhs.kind, ExprKind::Diff { .. }) {
                    cell.borrow_mut().push(
                        Diagnostic::error(op_span, "a superscript on a derivative: its power, or a higher derivative?")
                            .with_hint(
                                "a second derivative is `diff(y, x, x)`; a power of the derivative is `diff(y, x)^2`",
                            ),
                    );
                }
                let span = Span::new(lhs.span.start, op_span.end);
                let kind = match op.as_rule() {
                    Rule::superscript => ExprKind::Binary(
                        BinOp::Pow,
                        Box::new(lhs),
                        Box::new(superscript_exponent(op.as_str(), op_span)),
                        op_span,
                    ),
                    _ => ExprKind::Transpose(Box::new(lhs)),
                };
                Expr { kind, span }
            })
            .map_infix(|lhs, op, rhs| {
                let span = lhs.span.join(rhs.span);
                let op_span = Span::new(base + op.as_span().start(), base + op.as_span().end());
                let bin = match op.as_rule() {
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::mul => BinOp::Mul,
                    Rule::div => BinOp::Div,
                    Rule::pow => {
                        // `∂u/∂x^2` is `(∂u/∂x)^2` to the grammar, and the second derivative to
                        // a page that means `∂²u/∂x²`: refused as `∂u/∂x²` is (an adversarial
                        // tester: read as a power, silently). Parenthesised or as `diff`, a power.
                        let input = op.as_span().get_input();
                        let written = input.get(lhs.span.start.saturating_sub(base)..).unwrap_or("");
                        if matches!(lhs.kind, ExprKind::Diff { .. }) && written.starts_with('∂') {
                            cell.borrow_mut().push(
                                Diagnostic::error(op_span, "a power of a derivative, or a higher derivative?").with_hint(
                                    "a second derivative is `diff(y, x, x)`; a power of the derivative is `(∂y/∂x)^2` or `diff(y, x)^2`",
                                ),
                            );
                        }
                        BinOp::Pow
                    }
                    Rule::hadamard => BinOp::Hadamard,
                    _ => {
                        cell.borrow_mut().push(implicit_multiplication(&lhs, &rhs));
                        BinOp::Mul
                    }
                };
                Expr { kind: ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs), op_span), span }
            })
            .parse(pairs);
        let mut diagnostics = cell.into_inner();
        diagnostics.append(&mut this.into_inner().diagnostics);
        self.diagnostics = diagnostics;
        expr
    }

    fn primary(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let kind = match rule {
            Rule::number => ExprKind::Number(pair.as_str().to_string()),
            // A parenthesised expression spans its parentheses, so that its text, and that of
            // every expression starting or ending with it, is the text as written.
            Rule::paren => {
                let inner = self.expr(pair.into_inner().next().expect("parenthesised expression"));
                return Expr { span, ..inner };
            }
            Rule::named => {
                let mut inner = pair.into_inner().peekable();
                let name = self.ident(inner.next().expect("a name"));
                match inner.peek().map(Pair::as_rule) {
                    // (The rule's own span may end after the spaces that follow the name.)
                    None => return Expr { span: name.span, kind: ExprKind::Name(name) },
                    Some(Rule::subscripts) => {
                        ExprKind::Indexed(name, self.subscripts(inner.next().expect("subscripts")))
                    }
                    Some(_) => {
                        let mut primes = 0;
                        let mut args = Vec::new();
                        for part in inner {
                            if part.as_rule() == Rule::prime {
                                primes += 1;
                            } else {
                                args.push(self.expr(part));
                            }
                        }
                        ExprKind::Call { func: name, primes, args }
                    }
                }
            }
            Rule::array => ExprKind::Array(pair.into_inner().map(|e| self.expr(e)).collect()),
            Rule::sum_expr | Rule::prod_expr => {
                let op = if rule == Rule::sum_expr { BigOp::Sum } else { BigOp::Prod };
                let mut inner = pair.into_inner();
                let keyword = inner.next().expect("keyword");
                let first = inner.next().expect("binder or argument");
                if first.as_rule() == Rule::expr {
                    // `sum(x)`: every element of an array, resolved like a builtin call.
                    let name = if op == BigOp::Sum { "sum" } else { "prod" };
                    let func = Ident { name: name.to_string(), span: self.span(&keyword) };
                    return Expr { kind: ExprKind::Call { func, primes: 0, args: vec![self.expr(first)] }, span };
                }
                let binder_span = self.span(&first);
                let mut binder_parts = first.into_inner();
                let binder = self.ident(binder_parts.next().expect("bound index"));
                let mut range = None;
                let mut skip = None;
                match binder_parts.next() {
                    Some(p) if p.as_rule() == Rule::skip => {
                        skip = Some(self.expr(p.into_inner().next().expect("skipped value")));
                    }
                    Some(_) => range = binder_parts.next().map(|r| Box::new(self.range(r))), // after `in`
                    None => {}
                }
                let mut body = self.expr(inner.next().expect("body"));
                if let Some(skip) = skip {
                    // `sum(j != y, f)` is `sum(j, [j ≠ y] * f)`: the indicator is a call that
                    // cannot be written, so the printers write the sum back as it was written.
                    body = Expr::skip_body(&binder, skip, body, binder_span);
                }
                ExprKind::Big { op, binder, range, body: Box::new(body) }
            }
            Rule::root => {
                let radicand = pair.into_inner().next().expect("radicand");
                let func = Ident { name: "sqrt".to_string(), span: Span::new(span.start, self.span(&radicand).start) };
                ExprKind::Call { func, primes: 0, args: vec![self.primary(radicand)] }
            }
            Rule::diff_expr => {
                let mut inner = pair.into_inner();
                inner.next(); // keyword
                let body = Box::new(self.expr(inner.next().expect("differentiated expression")));
                ExprKind::Diff { body, wrt: inner.map(|v| self.var_ref(v)).collect() }
            }
            Rule::partial => {
                let mut inner = pair.into_inner();
                let num = inner.next().expect("numerator");
                let body = if num.as_rule() == Rule::paren {
                    self.expr(num.into_inner().next().expect("parenthesised expression"))
                } else {
                    let r = self.var_ref(num);
                    let kind = if r.subscripts.is_empty() {
                        ExprKind::Name(r.name)
                    } else {
                        ExprKind::Indexed(r.name, r.subscripts)
                    };
                    Expr { kind, span: r.span }
                };
                let wrt = self.var_ref(inner.next().expect("denominator"));
                ExprKind::Diff { body: Box::new(body), wrt: vec![wrt] }
            }
            other => unreachable!("not a primary rule: {other:?}"),
        };
        Expr { kind, span }
    }
}

/// The exponent of a power written in superscript digits (`²` → 2, `⁻¹` → -1).
fn superscript_exponent(text: &str, span: Span) -> Expr {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let digits: String =
        text.chars().filter_map(|c| DIGITS.iter().position(|&d| d == c)).map(|d| char::from(b'0' + d as u8)).collect();
    let number = Expr { kind: ExprKind::Number(digits), span };
    if text.starts_with('⁻') {
        Expr { kind: ExprKind::Neg(Box::new(number)), span }
    } else {
        number
    }
}

fn string_text(pair: &Pair<Rule>) -> String {
    pair.clone().into_inner().next().map(|s| s.as_str().to_string()).unwrap_or_default()
}

fn implicit_multiplication(lhs: &Expr, rhs: &Expr) -> Diagnostic {
    let span = Span::new(lhs.span.end, rhs.span.start.max(lhs.span.end));
    let d =
        Diagnostic::error(span.join(Span::new(lhs.span.end, rhs.span.start)), "missing operator between two operands")
            .with_label(lhs.span.join(rhs.span), "implicit multiplication is not allowed");
    // `Σ_c x[c]`: the sum of the blackboard, read as a name times its body.
    if let ExprKind::Name(name) = &lhs.kind {
        if let Some((word, index)) = big_operator_subscript(&name.name) {
            return d.with_hint(big_operator_hint(word, index));
        }
    }
    // `tanh²(z)`: a power of a function's value, written on its name (a student: told to call
    // `tanh` with an argument and to write `*`, neither of which is the fix).
    if let ExprKind::Binary(BinOp::Pow, base, exponent, _) = &lhs.kind {
        if let (ExprKind::Name(name), ExprKind::Number(n)) = (&base.kind, &exponent.kind) {
            if crate::builtin::Builtin::from_name(&name.name).is_some() {
                return d
                    .with_hint(format!("a power of a function's value goes after its call: `{}(…)^{n}`", name.name));
            }
        }
    }
    d.with_hint("write `*` between the two factors, as in `2*x`")
}

/// Whether text ends inside the brackets of a sum or a product right after its index: `… sum(i `.
fn sum_index_before(before: &str) -> bool {
    let trimmed = before.trim_end();
    let name_start = trimmed.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |k| k + 1);
    let (rest, name) = trimmed.split_at(name_start);
    !name.is_empty() && ["sum(", "prod(", "Σ(", "∑(", "Π(", "∏("].iter().any(|op| rest.trim_end().ends_with(op))
}

/// Converts a pest error into a diagnostic, with the rules named as a student would name them.
fn pest_error(error: &pest::error::Error<Rule>, base: usize, text: &str) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let end = text[pos..].chars().next().map_or(pos, |c| pos + c.len_utf8());
    let span = Span::new(base + pos, base + end);
    let mut expected: Vec<&str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().filter_map(|r| describe(*r)).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let found = match text[pos..].chars().next() {
        None => "end of line".to_string(),
        // A control character (a NUL byte, say) would be invisible in the message.
        Some(c) if c.is_control() => format!("character U+{:04X}", u32::from(c)),
        // A combining mark would be drawn over the character before it in the message.
        Some(c) if is_combining_mark(c) => format!("combining mark U+{:04X}", u32::from(c)),
        // Nor would a character of no width (pasted from a PDF or a web page) show.
        Some(c) if is_invisible(c) => format!("invisible character U+{:04X}", u32::from(c)),
        Some(c) => format!("`{c}`"),
    };
    let message = if pos == 0 || text[..pos].trim().is_empty() {
        "expected a statement".to_string()
    } else if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("unexpected {found}, expected {}", join_or(&expected))
    };
    let mut diagnostic = Diagnostic::error(span, message);
    let head_line = leading_word(text.trim_start()) == "derive";
    let full_width = outside_quotes(text).find(|c| ('\u{FF01}'..='\u{FF5E}').contains(c));
    if let Some(c) = text[pos..].chars().next().filter(|&c| is_invisible(c)) {
        diagnostic = diagnostic.with_hint(format!(
            "delete it (U+{:04X} has no width: it comes with text pasted from a PDF or a web page)",
            u32::from(c)
        ));
    } else if let Some(c) = full_width {
        // `diff（x^2, x）`: a full-width character, from a keyboard set to Chinese or Japanese.
        let ascii = char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c);
        diagnostic = diagnostic.with_hint(format!("`{c}` is a full-width character: write `{ascii}`"));
    } else if text[pos..].starts_with(['“', '”', '„', '«', '»']) {
        diagnostic = diagnostic.with_hint("write a name in straight quotes: `\"…\"`");
    } else if text[pos..].starts_with('=') && !text[pos..].starts_with("==") && sum_index_before(&text[..pos]) {
        // `sum(i = 1..n, …)`: told to put a step on a line of its own, cut mid-bracket (a student).
        diagnostic = diagnostic.with_hint(
            "a sum's index and its range are written `sum(i in 1..n, …)`, or `sum(i, …)` over the index's declared range",
        );
    } else if leading_word(text.trim_start()) == "let" && text.contains(":=") {
        // `let f(u) := u^2`: "expected `[`" at the bracket, and nothing on the `:=` (a student).
        diagnostic = diagnostic.with_hint("a definition is written `let y = …`, a function `let f(u) = u^2`");
    } else if head_line && text[pos..].starts_with(['=', '≈']) && !text[pos..].starts_with("==") {
        let (head, step) = (text[..pos].trim(), text[pos..].trim());
        let (head, step) = if head.chars().count() + step.chars().count() <= 80 {
            (head, step)
        } else {
            ("derive diff(x^2, x)", "= 2*x")
        };
        diagnostic = diagnostic.with_hint(format!(
            "each step goes on a line of its own below the head, starting with `=`: `{head}`, and on the next line `  {step}`"
        ));
    } else if pos == 0 || text[..pos].trim().is_empty() {
        diagnostic = diagnostic.with_hint(statement_repair(text).unwrap_or_else(|| {
            "a line starts with `title`, `index`, `var`, `unknown`, `let`, `assume`, `tolerance`, `derive`, or a step `= …` / `≈ …`"
                .to_string()
        }));
    } else if text[pos..].starts_with("**") || (text[..pos].ends_with('*') && text[pos..].starts_with('*')) {
        diagnostic = diagnostic.with_hint("powers are written `x^2`");
    } else if text[pos..].starts_with("//") || (text[..pos].ends_with('/') && text[pos..].starts_with('/')) {
        diagnostic = diagnostic.with_hint("a comment starts with `#`: `= 3*x^2   # power rule`");
    } else if text[pos..].starts_with("==") || (text[..pos].trim_end().ends_with('=') && text[pos..].starts_with('=')) {
        diagnostic = diagnostic.with_hint("a step starts with one `=`: `  = 3*x^2`");
    } else if text[pos..].starts_with(['>', '<', '≥', '≤']) {
        diagnostic = diagnostic.with_hint(
            "a condition is not a value: `step(w*x)` is 1 where `w*x > 0` and 0 elsewhere (`relu'(w*x)` away from 0)",
        );
    } else if text[..pos].trim_end().ends_with(['\'', '′']) {
        diagnostic = diagnostic.with_hint(
            "a prime marks the derivative of a function, as in `f'(x)`; for a variable or node write `diff(y, x)`, \
             for a transpose `W^T`",
        );
    } else if text[..pos].trim_end().ends_with('∂') && text[pos..].starts_with(['²', '³']) {
        diagnostic = diagnostic.with_hint("a second derivative is written `diff(y, x, x)`");
    } else if text[..pos].trim_end().ends_with('√') {
        diagnostic = diagnostic.with_hint("put what the root is of in parentheses: `√(x)`, or write `sqrt(x)`");
    } else if text[pos..].starts_with('⁻') {
        diagnostic = diagnostic.with_hint("a power is written with digits after `⁻`, as in `x⁻¹`, or `x^-1`");
    } else if decimal_comma(&text[..pos], &text[pos..]) {
        diagnostic = diagnostic.with_hint("a decimal is written with a point: `0.5`, not `0,5`");
    } else if text[..pos].contains("∂(") && text[pos..].contains("/∂") {
        // `∂(w*x - y)^2/∂w`: the power outside the parentheses of the derivative (a student:
        // "unexpected `)`" and no hint).
        diagnostic = diagnostic.with_hint(
            "a derivative of an expression has all of it inside its parentheses: `∂((w*x - y)^2)/∂w`, or write \
             `diff((w*x - y)^2, w)`",
        );
    } else if after_partial_name(&text[..pos]) {
        diagnostic = diagnostic.with_hint("put a compound expression in parentheses: `∂(x^2)/∂x`");
    } else if text[pos..].starts_with(')') && diff_without_variable(&text[..pos]) {
        diagnostic = diagnostic.with_hint("`diff` takes what to differentiate and the variable: `diff(x^2, x)`");
    } else if text[..pos].contains("diff(") && text[..pos].trim_end().ends_with(',') {
        diagnostic = diagnostic
            .with_hint("the arguments of `diff` after the first are the variables to differentiate by: `diff(x^2, x)`");
    } else if let Some(hint) = latex_notation_hint(&text[..pos], &text[pos..]) {
        diagnostic = diagnostic.with_hint(hint);
    } else if text[pos..].starts_with(['+', '-'])
        && leading_word(text.trim_start()) == "var"
        && text[..pos].contains(':')
        && !text[..pos].contains(['(', '{', '>', '<'])
    {
        // `var X: n+K x d`: a shape of sums of sizes (a tester found only "expected a domain").
        diagnostic = diagnostic.with_hint(
            "a shape's dimensions are sizes or integers, not sums: declare indices over them (`index j in 1..n+K, \
             c in 1..d`) and the input by them (`var X[j,c]`)",
        );
    } else if text[pos..].starts_with('*') && expected.contains(&"an index") {
        // `x[2*i + a]`: a stride (a student tester's finding: the hints never said how).
        diagnostic = diagnostic.with_hint(
            "a subscript joins indices, sizes and integers with `+` and `-`: a stride `2*i` is written `i + i`",
        );
    } else if let Some(word) = builtin_after_operand(&text[..pos], &text[pos..]) {
        // `p[i] sum(j, q[j])`: two factors side by side (a TA: "unexpected `s`" said no more, where
        // `p[i] q[i]` gets "missing operator").
        diagnostic = diagnostic.with_hint(format!("missing operator: write `*` between two factors, `… * {word}(…)`"));
    } else if text[pos..].starts_with('[') && text[..pos].trim_end().ends_with(')') {
        // `inv(A)[1,2]`: an element of an expression (an adversarial tester got no hint).
        diagnostic = diagnostic
            .with_hint("only a name takes subscripts: name the expression first, `let B = inv(A)`, and write `B[1,2]`");
    } else if text[pos..].starts_with('{') {
        diagnostic = diagnostic.with_hint("group with `(` and `)`");
    } else if leading_word(text.trim_start()) == "var" && text[pos..].starts_with('∈') {
        diagnostic = diagnostic.with_hint(
            "a domain is written with `in`, as in `var p in (0, 1)`; an input is a real number unless a domain \
             says otherwise: write `var x` (a vector of n of them: `var x: n`)",
        );
    } else if leading_word(text.trim_start()) == "var" && real_line_domain(&text[..pos]) {
        // `var x in R`: the real line is every input's domain (a student tester was told
        // "expected an index").
        diagnostic = diagnostic.with_hint(
            "an input is a real number unless a domain says otherwise: write `var x` (a vector of n of them: \
             `var x: n`); the domains are `> 0`, `>= 0`, `!= 0`, an interval `in (0, 1)`, a set `in {-1, 1}` and \
             a class label `in 1..K`",
        );
    } else if text[..pos].trim_start().starts_with("var") && text[..pos].contains("..") {
        // `var y in 1..2.5`: a class label's range is one of integers.
        diagnostic = diagnostic.with_hint(
            "a class label is an integer: write its range with integers and sizes, `var y in 1..K`; \
             an interval of numbers is `var p in (0, 1)`",
        );
    } else if let Some(digits) =
        text[pos..].strip_prefix('.').filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    {
        let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
        diagnostic = diagnostic.with_hint(format!("a number starts with a digit: write `0.{digits}`"));
    }
    diagnostic
}

/// Whether `before` ends with `in` and a name of the real numbers (`R`, `ℝ`, `reals`).
fn real_line_domain(before: &str) -> bool {
    let mut words = before.split_whitespace().rev();
    let last = words.next().unwrap_or("");
    let last = last.split('^').next().unwrap_or(last);
    matches!(words.next(), Some("in" | "∈")) && ["R", "ℝ", "real", "reals", "Real", "Reals"].contains(&last)
}

/// The word called at the error (`sum`, `diff`, `exp`, …) where it follows an operand (a name, a
/// number or a closing bracket) with a space between: a `*` left out.
fn builtin_after_operand<'a>(before: &str, after: &'a str) -> Option<&'a str> {
    let word = &after[..after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len())];
    let called = after[word.len()..].starts_with('(') && !word.is_empty();
    let operand = before.ends_with(char::is_whitespace)
        && before.trim_end().ends_with(|c: char| c.is_alphanumeric() || matches!(c, ')' | ']' | '_' | '\''));
    (called && operand && !matches!(word, "in" | "depends" | "on" | "worth")).then_some(word)
}

/// Whether the error is at the digits after `0,` or `3,` (a decimal comma: `let theta = 0,5`).
fn decimal_comma(before: &str, after: &str) -> bool {
    before.ends_with(',')
        && before[..before.len() - 1].ends_with(|c: char| c.is_ascii_digit())
        && after.starts_with(|c: char| c.is_ascii_digit())
}

/// Characters that take no room when drawn: a zero-width space, joiners, marks of direction, a
/// word joiner, a byte-order mark inside a line, a soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{202A}'..='\u{202E}')
}

/// The characters of a line outside its quoted names and before its comment.
fn outside_quotes(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut quoted = false;
    text.chars()
        .take_while(move |&c| {
            if c == '"' {
                quoted = !quoted;
            }
            quoted || c != '#'
        })
        .scan(false, |inside, c| {
            if c == '"' {
                *inside = !*inside;
                return Some(None);
            }
            Some((!*inside).then_some(c))
        })
        .flatten()
}

/// Whether the text before a `)` ends inside `diff(` with no comma at its level: `diff(x^2)`.
fn diff_without_variable(before: &str) -> bool {
    let Some(open) = before.rfind("diff(") else { return false };
    let mut depth = 0i32;
    for c in before[open + "diff(".len()..].chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => return false,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// The keywords a declaration line starts with (`derive` starts a derivation).
const DECLARATION_KEYWORDS: [&str; 9] =
    ["title", "index", "var", "unknown", "let", "assume", "tolerance", "latex", "grading"];

/// Whether a line starts with a declaration's keyword: a line that does not, and fails, may have
/// been meant as a derivation's head.
fn starts_like_declaration(text: &str) -> bool {
    DECLARATION_KEYWORDS.contains(&leading_word(text.trim_start()))
}

/// The hint for a line that starts with no statement, when one small change makes it parse: a
/// near keyword put right (`derivation "x" f(x)` → `derive "x" f(x)`, `variables x` → `var x`) or
/// a head written without `derive` (`diff(tan(x), x)` → `derive diff(tan(x), x)`). The changed
/// line is parsed before it is suggested.
fn statement_repair(text: &str) -> Option<String> {
    let line = text.trim();
    let word = leading_word(line);
    let rest = &line[word.len()..];
    let lower = word.to_lowercase();
    let near = |k: &&str| {
        let k = *k;
        let common = lower.chars().zip(k.chars()).take_while(|(a, b)| a == b).count();
        lower == k
            || (lower.len() > k.len() && lower.starts_with(k))
            || common >= 4.min(k.len())
            || strsim::damerau_levenshtein(&lower, k) <= (lower.chars().count() / 3).max(1)
    };
    let keywords = DECLARATION_KEYWORDS.into_iter().chain(["derive"]);
    // Words of the blackboard for what a keyword says.
    const SYNONYMS: [(&str, &str); 7] = [
        ("proof", "derive"),
        ("prove", "derive"),
        ("show", "derive"),
        ("def", "let"),
        ("define", "let"),
        ("given", "assume"),
        ("assuming", "assume"),
    ];
    let keyword = if word.is_empty() || DECLARATION_KEYWORDS.contains(&word) || word == "derive" {
        None
    } else {
        SYNONYMS
            .iter()
            .find(|(w, _)| *w == lower)
            .map(|(_, k)| *k)
            .or_else(|| keywords.filter(near).min_by_key(|k| strsim::damerau_levenshtein(&lower, k)))
    };
    if let Some(keyword) = keyword {
        let changed = format!("{keyword}{rest}");
        if parses_cleanly(&changed) {
            return Some(format!("`{word}` is not a keyword: did you mean `{}`?", shortened(&changed)));
        }
    }
    let headed = format!("derive {line}");
    (!line.is_empty() && parses_cleanly(&headed))
        .then(|| format!("a derivation starts with `derive` and its head, then its steps: `{}`", shortened(&headed)))
}

/// Whether `text` is a line that parses with no diagnostic (no hint of [`pest_error`] is made).
fn parses_cleanly(text: &str) -> bool {
    let Ok(mut pairs) = LineParser::parse(Rule::line, text) else { return false };
    let mut builder = Builder { base: 0, diagnostics: Vec::new() };
    let parsed = pairs.next().and_then(|pair| builder.line(pair));
    builder.diagnostics.is_empty() && parsed.is_some_and(|(statement, _)| statement.is_some())
}

/// A line as a hint quotes it: at most 60 characters.
fn shortened(line: &str) -> String {
    if line.chars().count() <= 60 {
        return line.to_string();
    }
    format!("{} …", line.chars().take(58).collect::<String>())
}

/// The hint for what students write first in the notation of the blackboard or of LaTeX, at the
/// place where parsing stopped (`rest` starts there): a sum with its index as a subscript
/// (`Σ_{c=1}^D`), a subscript or superscript in braces (`x_{i}`, `h^{(t)}`), a mark over a letter
/// (`x̃`, `x~`), `|x|`, a LaTeX command, `@` and `.T` of NumPy, `:=`, `∇`.
fn latex_notation_hint(before: &str, rest: &str) -> Option<String> {
    let next = rest.chars().next()?;
    let name_before = trailing_word(before);
    // `∑` and `∏` are symbols, not letters, so `∑_c` stops at the `∑` (`Σ_c` is read as a name).
    if let Some((word, after)) = big_operator_subscript(rest) {
        let index = braced(after).and_then(|b| b.split('=').next()).unwrap_or(leading_word(after));
        return Some(big_operator_hint(word, index.trim()));
    }
    if next == '{' && before.ends_with('_') {
        let braced = braced(rest);
        if let Some((word, _)) = big_operator_subscript(name_before) {
            // `Σ_{c=1}^D`: the index is what comes before `=`.
            let index = braced.and_then(|b| b.split('=').next()).unwrap_or("");
            return Some(big_operator_hint(word, index.trim()));
        }
        let base = name_before.trim_end_matches('_');
        let sub = braced.filter(|b| !b.is_empty() && b.len() <= 20).unwrap_or("i");
        if is_word(base) {
            return Some(format!("a subscript is written in brackets: `{base}[{sub}]`, not `{base}_{{{sub}}}`"));
        }
    }
    if next == '{' && before.ends_with('^') {
        let base = trailing_word(before.trim_end_matches('^'));
        let sup = braced(rest).map(|b| b.trim_start_matches('(').trim_end_matches(')')).filter(|b| b.len() <= 20);
        return Some(match (is_word(base), sup) {
            (true, Some(sup)) if !sup.is_empty() => format!(
                "`^{{…}}` is LaTeX: a time step or an index is a subscript, `{base}[{sup}]`; a power is `{base}^({sup})`"
            ),
            _ => "`^{…}` is LaTeX: a time step or an index is a subscript, `h[t]`; a power is `x^(…)`".to_string(),
        });
    }
    if is_combining_mark(next) || (next == '~' && !rest.starts_with("~=")) {
        let (mark, suffix) = match next {
            '\u{0302}' => ("a hat", "hat"),
            '\u{0304}' | '\u{0305}' => ("a bar", "bar"),
            '\u{0307}' => ("a dot", "dot"),
            '\u{20D7}' | '\u{20D1}' => ("an arrow", "vec"),
            '~' | '\u{0303}' => ("a tilde", "tilde"),
            _ => ("a mark", "2"),
        };
        let base = if is_word(name_before) { name_before } else { "x" };
        return Some(format!(
            "{mark} over a letter is not part of a name: name it `{base}_{suffix}` (or use a letter with the mark \
             built in, such as `ã` or `ŷ`, where there is one)"
        ));
    }
    Some(match next {
        '|' if rest.starts_with("||") || rest.starts_with('‖') => "a norm is written `norm(x)`".to_string(),
        '|' => "an absolute value is written `abs(x)`; a norm `norm(x)`".to_string(),
        '‖' => "a norm is written `norm(x)`".to_string(),
        '\\' => "a `.deriv` file is not LaTeX: write `sigmoid(z)`, `a/b`, `sum(c, …)`; an answer in LaTeX is \
                  checked with `gradproof check ANSWER.tex --model MODEL.deriv`"
            .to_string(),
        '@' => "a matrix product is written `*`".to_string(),
        '.' if rest.starts_with(".T") => {
            format!("a transpose is written `{0}^T` or `{0}ᵀ`", if is_word(name_before) { name_before } else { "A" })
        }
        ':' if rest.starts_with(":=") => "a definition is written `let y = …`".to_string(),
        '∇' => "a gradient is written `diff(L, W)` (or `∂L/∂W`)".to_string(),
        _ => return None,
    })
}

/// `Σ_c`, `sum_c`, `Π_{c`: a sum or a product written with its index as a subscript, as on the
/// blackboard or in LaTeX. The word to write instead (`sum`, `prod`) and what follows the `_`.
pub fn big_operator_subscript(name: &str) -> Option<(&'static str, &str)> {
    const PREFIXES: [(&str, &str); 6] =
        [("Σ_", "sum"), ("∑_", "sum"), ("sum_", "sum"), ("Π_", "prod"), ("∏_", "prod"), ("prod_", "prod")];
    PREFIXES.iter().find_map(|(prefix, word)| name.strip_prefix(prefix).map(|rest| (*word, rest)))
}

/// The hint for a sum or product written with its index as a subscript ([`big_operator_subscript`]);
/// `index` is what was written as the subscript (`c` where that is not a name).
pub fn big_operator_hint(word: &str, index: &str) -> String {
    let what = if word == "sum" { "sum" } else { "product" };
    let index = if is_word(index) { index } else { "c" };
    format!(
        "a {what} is written `{word}({index}, …)`, over the declared range of `{index}`, or `{word}({index} in 1..n, …)`"
    )
}

/// The identifier (or a prefix of one) at the end of a text.
fn trailing_word(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(text.len(), |(i, _)| i);
    &text[start..]
}

/// The identifier (or a prefix of one) at the start of a text.
fn leading_word(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

fn is_word(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_alphabetic) && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// What is inside the braces at the start of `rest` (`{c=1}` → `c=1`), when they close.
fn braced(rest: &str) -> Option<&str> {
    let inner = rest.strip_prefix('{')?;
    inner.find('}').map(|end| &inner[..end])
}

/// Whether a character is a combining mark drawn over the one before it (`x̃`, `x⃗`): never part
/// of a name, so that `x̃` and the letter `x` are not confused.
fn is_combining_mark(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Whether the text ends with `∂name` (and maybe subscripts): a compound numerator needs parentheses.
fn after_partial_name(before: &str) -> bool {
    let Some(at) = before.rfind('∂') else { return false };
    let rest = &before[at + '∂'.len_utf8()..];
    !rest.is_empty() && !rest.contains('/') && !rest.starts_with('(')
}

fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::expr | Rule::primary | Rule::number | Rule::paren | Rule::named => "an expression",
        Rule::infix
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::hadamard
        | Rule::div
        | Rule::pow
        | Rule::implicit
        | Rule::transpose => "an operator",
        Rule::array => "an array `[…]`",
        Rule::shape_decl | Rule::shape => "a shape such as `: n` or `: m x n`",
        Rule::ident | Rule::var_ref => "a name",
        Rule::index_expr | Rule::integer | Rule::index_sign => "an index",
        Rule::relation => "`=` or `≈`",
        Rule::range => "a range `1..n`",
        Rule::domain | Rule::domain_op => "a domain such as `> 0`",
        Rule::string => "a quoted name",
        Rule::note => "a comment",
        Rule::EOI => "end of line",
        Rule::kw_in => "`in`",
        Rule::kw_on => "`on`",
        Rule::kw_depends => "`depends on`",
        Rule::percent => "`%`",
        Rule::prime => "`'`",
        Rule::subscripts => "`[`",
        _ => return None,
    })
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parsed_on_threads_give_the_file_parsed_on_one() {
        // Every kind of line, broken ones among them, comments inside continued lines, and a line
        // as deeply nested as the limits allow; many times over, so that there are many runs.
        let depth = lines::MAX_NESTING;
        let deep = format!("var x\nderive {}x{}\n  = x\n", "(".repeat(depth), ")".repeat(depth));
        let block = "title \"t # not a comment\"\nindex i in 1..3\nvar w[i], p > 0\n\
                     let y = sum(i, w[i] * x)  # a note\nderive \"d\" diff(y, x)\n  = sum(i,  # inside\n    w[i])\n\
                     = 2x\n  ≈ f'(x)[1]\nderive (x +\n  = 1\nvar z in {1, 2\n  = 3\n";
        let source = format!("{deep}{}", block.repeat(40));
        // (On a stack as large as a checking thread's, as the helpers that `parse_file_on` uses
        // have: a line as deeply nested as the limits allow parses alike on both.)
        let run = move || {
            let one = parse_file(&source);
            assert!(one.1.iter().all(|d| d.span.start > deep.len()), "the deep line parses: {:?}", one.1);
            assert!(one.1.len() >= 80, "the broken lines are reported: {:?}", one.1);
            for jobs in [2, 3, 8] {
                assert_eq!(format!("{:?}", parse_file_on(&source, jobs)), format!("{one:?}"), "{jobs} jobs");
            }
        };
        let thread = std::thread::Builder::new().stack_size(crate::threads::STACK_BYTES).spawn(run).expect("a thread");
        thread.join().expect("no panic");
    }
}
