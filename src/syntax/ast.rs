//! The syntax tree of a derivation file. Every node keeps its span; nothing here knows about
//! evaluation or proofs.

use crate::diagnostic::Span;

/// A name as written, with its place.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A whole file: its declarations and derivations in source order.
#[derive(Debug, Clone, Default, Hash)]
pub struct File {
    /// Declarations and derivations, in the order they were written.
    pub items: Vec<Item>,
    /// The `derive` lines with no step below them, in the order they were written: not in
    /// `items`, and each an error (`derivation has no steps`). A grader takes them for parts of
    /// a sheet not attempted.
    pub unfilled: Vec<Derivation>,
}

/// One top-level item.
#[derive(Debug, Clone, Hash)]
pub enum Item {
    /// `title "…"`
    Title(String, Span),
    /// `latex NAME "SPELLING", …`: how a declared name may be written in a LaTeX answer (the
    /// first is also how `render` writes it).
    Latex {
        /// The declared name spelled.
        name: Ident,
        /// Its spellings, as written between the quotes.
        spellings: Vec<String>,
        /// The whole statement.
        span: Span,
    },
    /// `index c in 1..D, …`
    Index(Vec<IndexDecl>),
    /// `var x, W[j,k] > 0, …`
    Var(Vec<VarItem>),
    /// `unknown f(x), E depends on s[c,t]`
    Unknown(Vec<UnknownItem>),
    /// `let y = …, f(x) = …`
    Let(Vec<Definition>),
    /// `assume sum(k, y[k]) = 1`
    Assume(Assume),
    /// `tolerance 1%`
    Tolerance(Tolerance),
    /// `grading final 40%, steps 60%`
    Grading(Grading),
    /// `derive …` with its steps.
    Derivation(Derivation),
}

/// `c in lo..hi`
#[derive(Debug, Clone, Hash)]
pub struct IndexDecl {
    /// The index name.
    pub name: Ident,
    /// The range.
    pub range: RangeExpr,
}

/// `lo..hi`
#[derive(Debug, Clone, Hash)]
pub struct RangeExpr {
    /// Lower bound, inclusive.
    pub lo: IndexExpr,
    /// Upper bound, inclusive.
    pub hi: IndexExpr,
}

/// A variable reference: `x`, `W[j,k]`, `s[c,t-1]`.
#[derive(Debug, Clone, Hash)]
pub struct VarRef {
    /// The family name.
    pub name: Ident,
    /// The subscripts, if any were written.
    pub subscripts: Vec<IndexExpr>,
    /// The whole reference.
    pub span: Span,
}

/// A sum of signed integer literals and names inside brackets: `i+a-1`, `t-1`, `D`.
#[derive(Debug, Clone, Hash)]
pub struct IndexExpr {
    /// The terms with their signs (`+1` or `-1`).
    pub terms: Vec<(i64, IndexAtom)>,
    /// The whole expression.
    pub span: Span,
}

impl IndexExpr {
    /// The index expression as written, without spaces: `1`, `K`, `n-1`, `-2+n`.
    pub fn written(&self) -> String {
        let mut text = String::new();
        for (k, (sign, atom)) in self.terms.iter().enumerate() {
            if *sign < 0 {
                text.push('-');
            } else if k > 0 {
                text.push('+');
            }
            match atom {
                IndexAtom::Int(v, _) => text.push_str(v),
                IndexAtom::Name(n) => text.push_str(&n.name),
            }
        }
        text
    }
}

/// One term of an index expression.
#[derive(Debug, Clone, Hash)]
pub enum IndexAtom {
    /// An integer literal (the text, which may not fit a machine integer).
    Int(String, Span),
    /// A name: a range index, a bound index, a size or a label.
    Name(Ident),
}

/// One item of a `var` declaration.
#[derive(Debug, Clone, Hash)]
pub struct VarItem {
    /// The declared reference.
    pub target: VarRef,
    /// `> 0`, `>= 0`, `!= 0`, `in (0, 1)`, `in {-1, 1}`.
    pub domain: Option<DomainDecl>,
    /// `: m x n`, if written (§7).
    pub shape: Option<ShapeDecl>,
}

/// The shape written in a declaration: one or two dimensions, each an integer or a size name.
#[derive(Debug, Clone, Hash)]
pub struct ShapeDecl {
    /// The dimensions, rows first.
    pub dims: Vec<IndexAtom>,
    /// Where it was written.
    pub span: Span,
}

/// A domain as written.
#[derive(Debug, Clone, Hash)]
pub struct DomainDecl {
    /// The operator as written: `>`, `>=`, `!=` (or `≥`, `≠`), or `in`.
    pub op: String,
    /// The number on the right; after `in`, the interval, finite set or range in canonical form
    /// (`(0, 1)`, `[0, 1)`, `{-1, 1}`, `1..K`).
    pub bound: String,
    /// `in 1..K`: the range of a class label.
    pub range: Option<RangeExpr>,
    /// The whole domain.
    pub span: Span,
}

/// One item of an `unknown` declaration.
#[derive(Debug, Clone, Hash)]
pub enum UnknownItem {
    /// `f(x, y)`: an unknown smooth function.
    Function {
        /// Its name.
        name: Ident,
        /// Its placeholder parameters.
        params: Vec<Ident>,
    },
    /// `E depends on s[c,t], y`: an unknown node.
    Node {
        /// Its name.
        name: Ident,
        /// What it depends on.
        deps: Vec<VarRef>,
    },
}

/// One definition of a `let` statement.
#[derive(Debug, Clone, Hash)]
pub enum Definition {
    /// `let y[t] = expr`
    Node {
        /// The defined reference.
        target: VarRef,
        /// The defining expression.
        body: Expr,
    },
    /// `let phi(z) = expr`
    Function {
        /// The function name.
        name: Ident,
        /// The local parameter names.
        params: Vec<Ident>,
        /// The body.
        body: Expr,
    },
}

/// `assume lhs = rhs`
#[derive(Debug, Clone, Hash)]
pub struct Assume {
    /// The left side (a sum).
    pub lhs: Expr,
    /// The right side (a positive constant).
    pub rhs: Expr,
    /// The whole statement.
    pub span: Span,
}

/// `tolerance 1%` or `tolerance 0.001`.
#[derive(Debug, Clone, Hash)]
pub struct Tolerance {
    /// The number as written.
    pub value: String,
    /// Whether a `%` followed.
    pub percent: bool,
    /// The whole statement.
    pub span: Span,
}

/// `grading final 40%, steps 60%`: how a grading reference shares out each derivation's points.
#[derive(Debug, Clone, Hash)]
pub struct Grading {
    /// The shares as written: a name (`final`, `steps`), the number, and whether a `%` followed.
    pub shares: Vec<(Ident, String, bool)>,
    /// The whole statement.
    pub span: Span,
}

/// `derive "name" worth N HEAD` and its steps.
#[derive(Debug, Clone, Hash)]
pub struct Derivation {
    /// The optional quoted name.
    pub name: Option<String>,
    /// The optional points.
    pub worth: Option<String>,
    /// The head expression.
    pub head: Expr,
    /// The steps, each claimed equal to the one before.
    pub steps: Vec<Step>,
    /// The `derive` line.
    pub span: Span,
    /// The step lines that could not be read (a syntax error, a line over a limit), in order: they
    /// are reported, and each step after one is compared with the last step before it that was
    /// read (or the head).
    pub unread: Vec<Span>,
}

impl Derivation {
    /// The expression that step `at` (1 for the first step) is compared with: the step before,
    /// or the head for a step that restates it.
    pub fn expr_before(&self, at: usize) -> &Expr {
        if at == 1 || self.steps[at - 1].restates {
            &self.head
        } else {
            &self.steps[at - 2].expr
        }
    }
}

/// `=` or `≈`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// Exact equality.
    Equal,
    /// Equality up to the rounding of the step's decimal literals (§5).
    Approx,
}

impl Relation {
    /// The relation as the reports print it.
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Equal => "=",
            Relation::Approx => "≈",
        }
    }
}

/// One step of a derivation.
#[derive(Debug, Clone, Hash)]
pub struct Step {
    /// `=` or `≈`.
    pub relation: Relation,
    /// The claimed expression.
    pub expr: Expr,
    /// The comment at the end of the line, without the `#`.
    pub note: Option<String>,
    /// The whole step line.
    pub span: Span,
    /// Written with the head again in front of it (a LaTeX row `\frac{\partial L}{\partial w} = …`
    /// under a row with the same left side): a claim about the head, compared with the head and
    /// not with the step before.
    pub restates: bool,
}

/// An expression with its span.
#[derive(Debug, Clone, Hash)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `^`
    Pow,
    /// `⊙`, `.*`: the elementwise product.
    Hadamard,
}

/// The name of the indicator `[j ≠ y]` that `sum(j != y, f)` is read into (`sum(j, [j ≠ y] * f)`);
/// it is no name a file can write, so only that form produces it.
pub const SKIP_FN: &str = "≠";

/// `sum` or `prod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BigOp {
    /// `sum(c, …)`
    Sum,
    /// `prod(c, …)`
    Prod,
}

/// The kinds of expression.
#[derive(Debug, Clone, Hash)]
pub enum ExprKind {
    /// A decimal literal, as written.
    Number(String),
    /// A bare name.
    Name(Ident),
    /// `x[i, t-1]`
    Indexed(Ident, Vec<IndexExpr>),
    /// `f(a, b)`, `sigmoid'(x)`: `primes` counts the `'`.
    Call {
        /// The function name.
        func: Ident,
        /// How many primes followed the name.
        primes: u32,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `-a`
    Neg(Box<Expr>),
    /// `a op b`, with the operator's span
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// `Aᵀ` (`A^T` is parsed as a power and recognised by the resolver).
    Transpose(Box<Expr>),
    /// `[a, b, c]`: a column vector, or a matrix when the elements are rows.
    Array(Vec<Expr>),
    /// `sum(c, body)`, `prod(c in 1..3, body)`
    Big {
        /// Sum or product.
        op: BigOp,
        /// The bound index.
        binder: Ident,
        /// The explicit range, if written (boxed: it is rare, and the largest part of a node).
        range: Option<Box<RangeExpr>>,
        /// The body.
        body: Box<Expr>,
    },
    /// `diff(A, x, y)` or `∂A/∂x`.
    Diff {
        /// What is differentiated.
        body: Box<Expr>,
        /// With respect to what, innermost first.
        wrt: Vec<VarRef>,
    },
}

// Every node of every syntax tree has this size (152 bytes while a `sum`'s range was inline).
const _: () = assert!(std::mem::size_of::<Expr>() <= 88);

impl Expr {
    /// The body of `sum(j != y, f)`: `[j ≠ y] * f`, the indicator spanning `at` (the binder).
    pub fn skip_body(binder: &Ident, skip: Expr, body: Expr, at: Span) -> Expr {
        let index = Expr { kind: ExprKind::Name(binder.clone()), span: binder.span };
        let func = Ident { name: SKIP_FN.to_string(), span: at };
        let indicator = Expr { kind: ExprKind::Call { func, primes: 0, args: vec![index, skip] }, span: at };
        let span = body.span;
        Expr { kind: ExprKind::Binary(BinOp::Mul, Box::new(indicator), Box::new(body), at), span }
    }

    /// An index expression as an expression (`t-1`: the names and integers joined by `+`, `-`).
    pub fn of_index(ix: &IndexExpr) -> Expr {
        let atom = |a: &IndexAtom| match a {
            IndexAtom::Int(text, span) => Expr { kind: ExprKind::Number(text.clone()), span: *span },
            IndexAtom::Name(n) => Expr { kind: ExprKind::Name(n.clone()), span: n.span },
        };
        let mut out: Option<Expr> = None;
        for (sign, a) in &ix.terms {
            let term = atom(a);
            out = Some(match out {
                None if *sign < 0 => Expr { span: ix.span, kind: ExprKind::Neg(Box::new(term)) },
                None => term,
                Some(acc) => {
                    let op = if *sign < 0 { BinOp::Sub } else { BinOp::Add };
                    Expr { span: ix.span, kind: ExprKind::Binary(op, Box::new(acc), Box::new(term), ix.span) }
                }
            });
        }
        out.unwrap_or(Expr { kind: ExprKind::Number("0".to_string()), span: ix.span })
    }

    /// For the body of a `sum(j != y, f)` (bound index `j`): the skipped value `y` and `f`.
    pub fn skipped(&self, binder: &str) -> Option<(&Expr, &Expr)> {
        let ExprKind::Binary(BinOp::Mul, indicator, rest, _) = &self.kind else { return None };
        let ExprKind::Call { func, primes: 0, args } = &indicator.kind else { return None };
        match args.as_slice() {
            [index, skip] if func.name == SKIP_FN && matches!(&index.kind, ExprKind::Name(n) if n.name == binder) => {
                Some((skip, rest))
            }
            _ => None,
        }
    }

    /// The terms of a sum, each with its sign (`true` for a term added, `false` for one
    /// subtracted), through nested sums, differences and negations; any other expression is its
    /// own one term.
    pub fn terms(&self) -> Vec<(bool, Expr)> {
        self.term_refs().into_iter().map(|(positive, t)| (positive, t.clone())).collect()
    }

    /// [`Expr::terms`] without copying them.
    pub fn term_refs(&self) -> Vec<(bool, &Expr)> {
        fn walk<'e>(e: &'e Expr, positive: bool, out: &mut Vec<(bool, &'e Expr)>) {
            match &e.kind {
                ExprKind::Binary(BinOp::Add, a, b, _) => {
                    walk(a, positive, out);
                    walk(b, positive, out);
                }
                ExprKind::Binary(BinOp::Sub, a, b, _) => {
                    walk(a, positive, out);
                    walk(b, !positive, out);
                }
                ExprKind::Neg(a) => walk(a, !positive, out),
                _ => out.push((positive, e)),
            }
        }
        let mut out = Vec::new();
        walk(self, true, &mut out);
        out
    }

    /// Whether it holds a derivative (`diff`, `∂`) anywhere.
    pub fn has_diff(&self) -> bool {
        match &self.kind {
            ExprKind::Diff { .. } => true,
            ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => false,
            ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter().any(Expr::has_diff),
            ExprKind::Neg(a) | ExprKind::Transpose(a) => a.has_diff(),
            ExprKind::Binary(_, a, b, _) => a.has_diff() || b.has_diff(),
            ExprKind::Big { body, .. } => body.has_diff(),
        }
    }

    /// Each name this expression uses free (not bound by a `sum` or `prod` inside it), with the
    /// span of its first use, in the order of the text: bare names, subscripts, and the subscripts
    /// of what a `diff` is taken with respect to. A name bound inside is recorded where it is
    /// used outside its binder only.
    pub fn free_name_uses(&self) -> Vec<(String, Span)> {
        let mut uses = Vec::new();
        let mut bound = Vec::new();
        self.collect_uses(&mut bound, &mut uses);
        uses.sort_by_key(|(_, span): &(String, Span)| span.start);
        uses
    }

    fn collect_uses(&self, bound: &mut Vec<String>, uses: &mut Vec<(String, Span)>) {
        fn note(name: &Ident, bound: &[String], uses: &mut Vec<(String, Span)>) {
            if !bound.contains(&name.name) && !uses.iter().any(|(n, _)| *n == name.name) {
                uses.push((name.name.clone(), name.span));
            }
        }
        fn index(e: &IndexExpr, bound: &[String], uses: &mut Vec<(String, Span)>) {
            for (_, atom) in &e.terms {
                if let IndexAtom::Name(name) = atom {
                    note(name, bound, uses);
                }
            }
        }
        match &self.kind {
            ExprKind::Number(_) => {}
            ExprKind::Name(name) => note(name, bound, uses),
            ExprKind::Indexed(_, subscripts) => {
                for e in subscripts {
                    index(e, bound, uses);
                }
            }
            ExprKind::Call { args, .. } | ExprKind::Array(args) => {
                for a in args {
                    a.collect_uses(bound, uses);
                }
            }
            ExprKind::Neg(a) | ExprKind::Transpose(a) => a.collect_uses(bound, uses),
            ExprKind::Binary(_, a, b, _) => {
                a.collect_uses(bound, uses);
                b.collect_uses(bound, uses);
            }
            ExprKind::Big { binder, range, body, .. } => {
                if let Some(r) = range {
                    index(&r.lo, bound, uses);
                    index(&r.hi, bound, uses);
                }
                bound.push(binder.name.clone());
                body.collect_uses(bound, uses);
                bound.pop();
            }
            ExprKind::Diff { body, wrt } => {
                body.collect_uses(bound, uses);
                for v in wrt {
                    for e in &v.subscripts {
                        index(e, bound, uses);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::parse_file;

    /// The first free use of each name of a step: the name and its offset in the step's text.
    fn uses(step: &str) -> Vec<(String, usize)> {
        let source = format!("derive x\n  = {step}\n");
        let (file, errors) = parse_file(&source);
        assert!(errors.is_empty(), "{errors:?}");
        let super::Item::Derivation(d) = &file.items[0] else { panic!("a derivation") };
        let start = source.find(step).unwrap();
        d.steps[0].expr.free_name_uses().into_iter().map(|(n, s)| (n, s.start - start)).collect()
    }

    #[test]
    fn free_uses_skip_what_a_sum_binds() {
        // The `i` inside the sum is bound; the free one is that of `b[i,j]`.
        let step = "sum(i, a[i]) * b[i,j]";
        let at = |text: &str| step.find(text).unwrap();
        assert_eq!(uses(step), [("i".to_string(), at("i,j")), ("j".to_string(), at("j]"))]);
        // Subscripts of what a derivative is taken with respect to are uses too.
        assert_eq!(uses("diff(y, x[k])"), [("y".to_string(), 5), ("k".to_string(), 10)]);
    }
}
