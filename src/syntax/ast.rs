//! The syntax tree of a derivation file. Every node keeps its span; nothing here knows about
//! evaluation or proofs.

use crate::diagnostic::Span;

/// A name as written, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A whole file: its declarations and derivations in source order.
#[derive(Debug, Clone, Default)]
pub struct File {
    /// Declarations and derivations, in the order they were written.
    pub items: Vec<Item>,
}

/// One top-level item.
#[derive(Debug, Clone)]
pub enum Item {
    /// `title "…"`
    Title(String, Span),
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
#[derive(Debug, Clone)]
pub struct IndexDecl {
    /// The index name.
    pub name: Ident,
    /// The range.
    pub range: RangeExpr,
}

/// `lo..hi`
#[derive(Debug, Clone)]
pub struct RangeExpr {
    /// Lower bound, inclusive.
    pub lo: IndexExpr,
    /// Upper bound, inclusive.
    pub hi: IndexExpr,
}

/// A variable reference: `x`, `W[j,k]`, `s[c,t-1]`.
#[derive(Debug, Clone)]
pub struct VarRef {
    /// The family name.
    pub name: Ident,
    /// The subscripts, if any were written.
    pub subscripts: Vec<IndexExpr>,
    /// The whole reference.
    pub span: Span,
}

/// A sum of signed integer literals and names inside brackets: `i+a-1`, `t-1`, `D`.
#[derive(Debug, Clone)]
pub struct IndexExpr {
    /// The terms with their signs (`+1` or `-1`).
    pub terms: Vec<(i64, IndexAtom)>,
    /// The whole expression.
    pub span: Span,
}

/// One term of an index expression.
#[derive(Debug, Clone)]
pub enum IndexAtom {
    /// An integer literal (the text, which may not fit a machine integer).
    Int(String, Span),
    /// A name: a range index, a bound index, a size or a label.
    Name(Ident),
}

/// One item of a `var` declaration.
#[derive(Debug, Clone)]
pub struct VarItem {
    /// The declared reference.
    pub target: VarRef,
    /// `> 0`, `>= 0`, `!= 0`.
    pub domain: Option<DomainDecl>,
    /// `: m x n`, if written (§7).
    pub shape: Option<ShapeDecl>,
}

/// The shape written in a declaration: one or two dimensions, each an integer or a size name.
#[derive(Debug, Clone)]
pub struct ShapeDecl {
    /// The dimensions, rows first.
    pub dims: Vec<IndexAtom>,
    /// Where it was written.
    pub span: Span,
}

/// A domain as written.
#[derive(Debug, Clone)]
pub struct DomainDecl {
    /// The operator as written: `>`, `>=`, `!=` (or `≥`, `≠`).
    pub op: String,
    /// The number on the right.
    pub bound: String,
    /// The whole domain.
    pub span: Span,
}

/// One item of an `unknown` declaration.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct Assume {
    /// The left side (a sum).
    pub lhs: Expr,
    /// The right side (a positive constant).
    pub rhs: Expr,
    /// The whole statement.
    pub span: Span,
}

/// `tolerance 1%` or `tolerance 0.001`.
#[derive(Debug, Clone)]
pub struct Tolerance {
    /// The number as written.
    pub value: String,
    /// Whether a `%` followed.
    pub percent: bool,
    /// The whole statement.
    pub span: Span,
}

/// `grading final 40%, steps 60%`: how a grading reference shares out each derivation's points.
#[derive(Debug, Clone)]
pub struct Grading {
    /// The shares as written: a name (`final`, `steps`), the number, and whether a `%` followed.
    pub shares: Vec<(Ident, String, bool)>,
    /// The whole statement.
    pub span: Span,
}

/// `derive "name" worth N HEAD` and its steps.
#[derive(Debug, Clone)]
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
    /// Whether a step line had a syntax error (the derivation is then reported, not checked).
    pub broken: bool,
}

/// `=` or `≈`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone)]
pub struct Step {
    /// `=` or `≈`.
    pub relation: Relation,
    /// The claimed expression.
    pub expr: Expr,
    /// The comment at the end of the line, without the `#`.
    pub note: Option<String>,
    /// The whole step line.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// `sum` or `prod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BigOp {
    /// `sum(c, …)`
    Sum,
    /// `prod(c, …)`
    Prod,
}

/// The kinds of expression.
#[derive(Debug, Clone)]
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
        /// The explicit range, if written.
        range: Option<RangeExpr>,
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
