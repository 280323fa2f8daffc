//! Shapes and whole-array expressions (§7 of the language).
//!
//! An array-valued expression is never evaluated as a whole: it is lowered to index notation. Each
//! array knows how to write its element at a position given by index expressions (`W*x` at `i` is
//! `sum(k, W[i,k]*x[k])`), so everything downstream — the numeric evaluator, the prover, the
//! perturbation semantics of `diff` — sees scalar expressions only. A step between arrays is the
//! scalar claim "equal at every element", with the element's position as free indices.

use std::rc::Rc;

use super::ir::*;
use crate::syntax::ast::BigOp;

/// The shape of a value: no dimension (a scalar), one (a column vector) or two (a matrix, rows
/// first). Every dimension is a range `1..d`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shape(pub Vec<Bound>);

/// The most bound indices a file may create, counting those of written-out arrays.
pub const MAX_BOUNDS: usize = 200_000;

/// The dimension 1.
pub const ONE: Bound = Bound { size: None, offset: 1 };

impl Shape {
    /// The shape of a scalar.
    pub fn scalar() -> Shape {
        Shape(Vec::new())
    }

    /// Whether it is a scalar.
    pub fn is_scalar(&self) -> bool {
        self.0.is_empty()
    }

    /// The shape in words: `a scalar`, `a 3-vector`, `an n x n matrix`.
    pub fn describe(&self, sizes: &[String]) -> String {
        match self.0.as_slice() {
            [] => "a scalar".to_string(),
            [n] => article(format!("{}-vector", dim_text(n, sizes))),
            _ => article(format!("{} matrix", self.text(sizes))),
        }
    }

    /// The shape as written in a declaration: `3`, `2x3`, `m x n`.
    pub fn text(&self, sizes: &[String]) -> String {
        dims_text(&self.dims(sizes))
    }

    /// Each dimension as written: `3`, `n`, `n+1`; none for a scalar.
    pub fn dims(&self, sizes: &[String]) -> Vec<String> {
        self.0.iter().map(|d| dim_text(d, sizes)).collect()
    }

    /// Rows and columns, a vector being one column.
    fn rows_cols(&self) -> (Bound, Bound) {
        match self.0.as_slice() {
            [] => (ONE, ONE),
            [n] => (*n, ONE),
            [r, c, ..] => (*r, *c),
        }
    }
}

/// Dimensions as written in a declaration: `3`, `2x3`, `m x n` (numbers joined by `x`, names by
/// ` x `).
pub fn dims_text(dims: &[String]) -> String {
    if dims.iter().all(|d| d.chars().all(|c| c.is_ascii_digit())) {
        dims.join("x")
    } else {
        dims.join(" x ")
    }
}

fn article(s: String) -> String {
    // By the sound of the first word: "an n-vector", "an 8x3 matrix", "a 3-vector".
    let word: String = s.chars().take_while(|c| c.is_alphanumeric()).collect();
    let vowel = match word.chars().next() {
        Some(c) if word.chars().count() == 1 && c.is_ascii_alphabetic() => "aefhilmnorsxAEFHILMNORSX".contains(c),
        Some(c) if c.is_ascii_digit() => {
            // eight…, eleven…, eighteen… (and eleven thousand, not a hundred ten)
            let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
            digits.starts_with('8') || ((digits.starts_with("11") || digits.starts_with("18")) && digits.len() % 3 == 2)
        }
        Some(c) => "aeiouAEIOU".contains(c),
        None => false,
    };
    if vowel {
        format!("an {s}")
    } else {
        format!("a {s}")
    }
}

/// A dimension as written: `3`, `n`, `n+1`.
pub fn dim_text(d: &Bound, sizes: &[String]) -> String {
    match d.size {
        None => d.offset.to_string(),
        Some(s) => {
            let name = sizes.get(s).map_or("?", String::as_str);
            match d.offset {
                0 => name.to_string(),
                k if k > 0 => format!("{name}+{k}"),
                k => format!("{name}{k}"),
            }
        }
    }
}

/// Writes the element of an array at a position (one index expression per dimension); may
/// create bound indices.
pub type ElemFn = Rc<dyn Fn(&mut Vec<BoundIndex>, &[Ix]) -> Expr>;

/// An array-valued expression: its shape, and its element at any position.
#[derive(Clone)]
pub struct Arr {
    /// The shape (never a scalar).
    pub shape: Shape,
    /// The element at a position.
    pub elem: ElemFn,
}

/// A resolved expression: a scalar, or an array in index form.
#[derive(Clone)]
pub enum Val {
    /// A scalar expression.
    Scalar(Expr),
    /// An array.
    Array(Arr),
}

/// Why an array operation does not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeError {
    /// The message.
    pub message: String,
    /// A hint.
    pub hint: String,
}

/// The hint of a product of two vectors, and its words for an answer in LaTeX.
pub const VECTOR_PRODUCT_HINT: &str = "for the dot product write `dot(x, y)` or `x^T * y`; for the elementwise \
                                       product `x ⊙ y`; for the outer product (a matrix) `x * y^T` or `outer(x, y)`";
/// The hint of a matrix's power, and its words for an answer in LaTeX.
pub const MATRIX_POWER_HINT: &str = "write `A*A` for the matrix product, `A ⊙ A` for the elementwise square, \
                                     `A^T` for the transpose, or `A^(-1)` for the inverse";
/// The hint of the inverse of a matrix that is not square, and its words for an answer in LaTeX.
pub const NOT_SQUARE_INVERSE_HINT: &str =
    "is a transpose missing, or is the pseudo-inverse meant (`inv(A^T * A) * A^T`)?";
/// The hints of the shapes' errors in the words of an answer written in LaTeX (the answer's
/// student writes no `dot(x, y)`: a LaTeX tester).
pub const LATEX_HINTS: [(&str, &str); 3] = [
    (NOT_SQUARE_INVERSE_HINT, "is a transpose missing, or is the pseudo-inverse meant (`(A^\\top A)^{-1} A^\\top`)?"),
    (
        VECTOR_PRODUCT_HINT,
        "for the dot product write `u^\\top v`; for the elementwise product `u \\odot v`; for the outer \
         product (a matrix) `u v^\\top`",
    ),
    (
        MATRIX_POWER_HINT,
        "write `A A` for the matrix product, `A \\odot A` for the elementwise square, `A^\\top` for the \
         transpose, or `A^{-1}` for the inverse",
    ),
];

fn shape_error(message: impl Into<String>, hint: impl Into<String>) -> ShapeError {
    ShapeError { message: message.into(), hint: hint.into() }
}

/// An index expression that is one variable.
pub fn ix_var(v: IxVar) -> Ix {
    Ix { constant: 0, terms: vec![(1, v)] }
}

/// An index expression that is a number.
pub fn ix_const(k: i64) -> Ix {
    Ix { constant: k, terms: Vec::new() }
}

/// A new bound index over `1..dim`.
pub fn fresh_bound(bounds: &mut Vec<BoundIndex>, dim: Bound) -> BoundId {
    let id = bounds.len();
    bounds.push(BoundIndex { name: format!("k{id}"), range: IndexRange { lo: ONE, hi: dim } });
    id
}

impl Val {
    /// The shape.
    pub fn shape(&self) -> Shape {
        match self {
            Val::Scalar(_) => Shape::scalar(),
            Val::Array(a) => a.shape.clone(),
        }
    }

    /// The element at a position (a scalar is its own element at every position). Past
    /// [`MAX_BOUNDS`] bound indices nothing more is written (the resolver reports the expression
    /// as too large), so that an expression whose elements repeat their operands cannot take
    /// exponential time.
    pub fn at(&self, bounds: &mut Vec<BoundIndex>, pos: &[Ix]) -> Expr {
        if bounds.len() >= MAX_BOUNDS {
            return Expr::Const(Box::new(int_literal(0)));
        }
        match self {
            Val::Scalar(e) => e.clone(),
            Val::Array(a) => (a.elem)(bounds, pos),
        }
    }

    /// [`Val::at`], moving a scalar out rather than copying it: an operator applied to the
    /// result of another takes it whole, and a copy at every level made a chain of n operators
    /// (`2*2*…*2`) take time and memory n².
    pub fn into_at(self, bounds: &mut Vec<BoundIndex>, pos: &[Ix]) -> Expr {
        match self {
            Val::Scalar(e) if bounds.len() < MAX_BOUNDS => e,
            other => other.at(bounds, pos),
        }
    }

    /// The element at (row, column), a vector being one column and a scalar a 1×1 matrix.
    fn at2(&self, bounds: &mut Vec<BoundIndex>, r: &Ix, c: &Ix) -> Expr {
        match self.shape().0.len() {
            0 => self.at(bounds, &[]),
            1 => self.at(bounds, std::slice::from_ref(r)),
            _ => self.at(bounds, &[r.clone(), c.clone()]),
        }
    }
}

/// An array with the given shape and elements, simplified: a 1×1 array is a scalar and a matrix
/// with one column a vector.
pub fn array(shape: Shape, elem: ElemFn, bounds: &mut Vec<BoundIndex>) -> Val {
    if shape.0.iter().all(|d| *d == ONE) {
        let ones = vec![ix_const(1); shape.0.len()];
        return Val::Scalar(elem(bounds, &ones));
    }
    if let [r, c] = shape.0.as_slice() {
        if *c == ONE {
            let f = elem.clone();
            let inner: ElemFn = Rc::new(move |b, pos| f(b, &[pos[0].clone(), ix_const(1)]));
            return Val::Array(Arr { shape: Shape(vec![*r]), elem: inner });
        }
    }
    Val::Array(Arr { shape, elem })
}

/// An elementwise operation: the arrays among `args` must share one shape; scalars are used at
/// every element.
/// The error names both shapes; the caller adds the operation.
pub fn map(
    args: Vec<Val>,
    op: Rc<dyn Fn(Vec<Expr>) -> Expr>,
    bounds: &mut Vec<BoundIndex>,
) -> Result<Val, (Shape, Shape)> {
    let mut shape: Option<Shape> = None;
    for a in &args {
        if let Val::Array(arr) = a {
            match &shape {
                None => shape = Some(arr.shape.clone()),
                Some(s) if *s == arr.shape => {}
                Some(s) => return Err((s.clone(), arr.shape.clone())),
            }
        }
    }
    let Some(shape) = shape else {
        let scalars = args.into_iter().map(|a| a.into_at(bounds, &[])).collect();
        return Ok(Val::Scalar(op(scalars)));
    };
    let elem: ElemFn = Rc::new(move |b, pos| op(args.iter().map(|a| a.at(b, pos)).collect()));
    Ok(array(shape, elem, bounds))
}

/// The operands of an elementwise operation, moved out of their vector (see [`Val::into_at`]).
pub fn operands<const N: usize>(x: Vec<Expr>) -> [Expr; N] {
    x.try_into().unwrap_or_else(|x: Vec<Expr>| panic!("an operation of {N} operands was given {}", x.len()))
}

/// The elementwise operation of a binary constructor (`Expr::Add`), taking its operands whole.
pub fn binary(f: fn(Box<Expr>, Box<Expr>) -> Expr) -> Rc<dyn Fn(Vec<Expr>) -> Expr> {
    Rc::new(move |x: Vec<Expr>| {
        let [a, b] = operands(x);
        f(Box::new(a), Box::new(b))
    })
}

/// The linear-algebra product `a * b`.
pub fn matmul(a: Val, b: Val, sizes: &[String], bounds: &mut Vec<BoundIndex>) -> Result<Val, ShapeError> {
    if a.shape().is_scalar() || b.shape().is_scalar() {
        return Ok(map(vec![a, b], binary(Expr::Mul), bounds).unwrap_or_else(|_| unreachable_shapes()));
    }
    let (sa, sb) = (a.shape(), b.shape());
    if sa.0.len() == 1 && sb.0.len() == 1 {
        return Err(shape_error(
            format!("cannot multiply {} by {}", sa.describe(sizes), sb.describe(sizes)),
            VECTOR_PRODUCT_HINT,
        ));
    }
    let ((r, inner_a), (inner_b, c)) = (sa.rows_cols(), sb.rows_cols());
    if inner_a != inner_b {
        return Err(shape_error(
            format!("cannot multiply {} by {}", sa.describe(sizes), sb.describe(sizes)),
            format!(
                "the left factor has {} columns and the right one {} rows; is a transpose missing?",
                dim_text(&inner_a, sizes),
                dim_text(&inner_b, sizes)
            ),
        ));
    }
    let elem: ElemFn = Rc::new(move |bounds, pos| {
        let (i, j) = (pos[0].clone(), pos.get(1).cloned().unwrap_or_else(|| ix_const(1)));
        if inner_a == ONE {
            let one = ix_const(1);
            return Expr::Mul(Box::new(a.at2(bounds, &i, &one)), Box::new(b.at2(bounds, &one, &j)));
        }
        let k = fresh_bound(bounds, inner_a);
        let kx = ix_var(IxVar::Bound(k));
        let term = Expr::Mul(Box::new(a.at2(bounds, &i, &kx)), Box::new(b.at2(bounds, &kx, &j)));
        Expr::Big(BigOp::Sum, k, Box::new(term))
    });
    Ok(array(Shape(vec![r, c]), elem, bounds))
}

/// `a^T`.
pub fn transpose(a: Val, bounds: &mut Vec<BoundIndex>) -> Val {
    let Val::Array(arr) = &a else { return a };
    let (r, c) = arr.shape.rows_cols();
    let elem: ElemFn = Rc::new(move |b, pos| {
        let (i, j) = (pos[0].clone(), pos.get(1).cloned().unwrap_or_else(|| ix_const(1)));
        a.at2(b, &j, &i)
    });
    array(Shape(vec![c, r]), elem, bounds)
}

/// `sum(x)` or `prod(x)` over every element.
pub fn reduce(op: BigOp, a: Val, bounds: &mut Vec<BoundIndex>) -> Expr {
    let shape = a.shape();
    let vars: Vec<BoundId> = shape.0.iter().map(|d| fresh_bound(bounds, *d)).collect();
    let pos: Vec<Ix> = vars.iter().map(|&k| ix_var(IxVar::Bound(k))).collect();
    let mut e = a.at(bounds, &pos);
    for &k in vars.iter().rev() {
        e = Expr::Big(op, k, Box::new(e));
    }
    e
}

/// A literal `[a, b, c]` (a vector of scalars) or `[[…], […]]` (a matrix of rows).
pub fn literal(items: Vec<Val>, sizes: &[String], bounds: &mut Vec<BoundIndex>) -> Result<Val, ShapeError> {
    let n = Bound { size: None, offset: items.len() as i64 };
    let first = items[0].shape();
    if let Some(other) = items.iter().map(Val::shape).find(|s| *s != first) {
        return Err(shape_error(
            format!(
                "the elements of an array differ in shape: {} and {}",
                first.describe(sizes),
                other.describe(sizes)
            ),
            "write a vector as `[1, 2, 3]` and a matrix by rows of equal length: `[[1, 2], [3, 4]]`",
        ));
    }
    match first.0.len() {
        0 => {
            let elem: ElemFn =
                Rc::new(move |b, pos| Expr::Select(pos[0].clone(), items.iter().map(|x| x.at(b, &[])).collect()));
            Ok(array(Shape(vec![n]), elem, bounds))
        }
        1 => {
            let m = first.0[0];
            let elem: ElemFn = Rc::new(move |b, pos| {
                let col = std::slice::from_ref(&pos[1]);
                Expr::Select(pos[0].clone(), items.iter().map(|x| x.at(b, col)).collect())
            });
            Ok(array(Shape(vec![n, m]), elem, bounds))
        }
        _ => Err(shape_error(
            "an array of matrices is not supported",
            "arrays have at most two dimensions: `[[1, 2], [3, 4]]`",
        )),
    }
}

pub use crate::builtin::ARRAY_FUNCTIONS;

/// The array functions of §7 (`dot`, `norm`, `tr`, `det`, `inv`, `outer`, `diag`, `softmax`);
/// `None` if `name` is not one of them.
pub fn function(
    name: &str,
    args: Vec<Val>,
    sizes: &[String],
    bounds: &mut Vec<BoundIndex>,
) -> Option<Result<Val, ShapeError>> {
    let arity = match name {
        "dot" | "outer" => 2,
        "norm" | "tr" | "det" | "inv" | "diag" | "softmax" => 1,
        _ => return None,
    };
    if args.len() != arity {
        let plural = if arity == 1 { "" } else { "s" };
        return Some(Err(shape_error(
            format!("`{name}` takes {arity} argument{plural}, but {} were given", args.len()),
            format!("write `{name}({})`", if arity == 1 { "x" } else { "x, y" }),
        )));
    }
    let shapes: Vec<Shape> = args.iter().map(Val::shape).collect();
    let square = |s: &Shape| -> Result<Bound, ShapeError> {
        match s.0.as_slice() {
            [] => Ok(ONE),
            [r, c] if r == c => Ok(*r),
            _ => Err(shape_error(
                format!("`{name}` needs a square matrix, not {}", s.describe(sizes)),
                "only square matrices have a trace, a determinant and an inverse",
            )),
        }
    };
    let vector = |s: &Shape| -> Result<(), ShapeError> {
        if s.0.len() <= 1 {
            Ok(())
        } else {
            Err(shape_error(
                format!("`{name}` needs vectors, not {}", s.describe(sizes)),
                "for matrices, write the sum over their elements with `sum` and `⊙`",
            ))
        }
    };
    let mut args = args.into_iter();
    let a = args.next()?;
    Some(match name {
        "dot" => {
            let b = args.next()?;
            if shapes[0] != shapes[1] || shapes[0].0.len() > 1 {
                return Some(Err(shape_error(
                    format!(
                        "cannot take the dot product of {} and {}",
                        shapes[0].describe(sizes),
                        shapes[1].describe(sizes)
                    ),
                    "`dot` takes two vectors of the same length",
                )));
            }
            let p = map(vec![a, b], binary(Expr::Mul), bounds).unwrap_or_else(|_| unreachable_shapes());
            Ok(Val::Scalar(reduce(BigOp::Sum, p, bounds)))
        }
        "outer" => {
            let b = args.next()?;
            if let Err(e) = vector(&shapes[0]).and_then(|_| vector(&shapes[1])) {
                return Some(Err(e));
            }
            let (m, n) = (shapes[0].rows_cols().0, shapes[1].rows_cols().0);
            let elem: ElemFn = Rc::new(move |bd, pos| {
                let (i, j) = (&pos[0], pos.get(1).cloned().unwrap_or_else(|| ix_const(1)));
                let x = a.at(bd, &at_vec(&a, i));
                let y = b.at(bd, &at_vec(&b, &j));
                Expr::Mul(Box::new(x), Box::new(y))
            });
            Ok(array(Shape(vec![m, n]), elem, bounds))
        }
        "norm" => {
            let sq: Rc<dyn Fn(Vec<Expr>) -> Expr> = Rc::new(|x: Vec<Expr>| {
                let [x] = operands(x);
                Expr::Pow(Box::new(x), Box::new(Expr::Const(Box::new(int_literal(2)))))
            });
            let p = map(vec![a], sq, bounds).unwrap_or_else(|_| unreachable_shapes());
            let total = reduce(BigOp::Sum, p, bounds);
            Ok(Val::Scalar(Expr::Builtin(Builtin::Sqrt, 0, vec![total])))
        }
        "tr" => square(&shapes[0]).map(|n| {
            let k = fresh_bound(bounds, n);
            let kx = ix_var(IxVar::Bound(k));
            Val::Scalar(Expr::Big(BigOp::Sum, k, Box::new(a.at2(bounds, &kx, &kx))))
        }),
        "det" => square(&shapes[0]).map(|n| Val::Scalar(Expr::Det(Box::new(square_of(&a, n, bounds))))),
        "inv" => square(&shapes[0]).map(|n| {
            let m = square_of(&a, n, bounds);
            let elem: ElemFn = Rc::new(move |_, pos| {
                let (i, j) = (pos[0].clone(), pos.get(1).cloned().unwrap_or_else(|| ix_const(1)));
                Expr::InvAt(Box::new(m.clone()), i, j)
            });
            array(Shape(vec![n, n]), elem, bounds)
        }),
        "diag" => match shapes[0].0.as_slice() {
            [] => Ok(a),
            [n] => {
                let n = *n;
                let elem: ElemFn = Rc::new(move |b, pos| {
                    let (i, j) = (pos[0].clone(), pos[1].clone());
                    let v = a.at(b, std::slice::from_ref(&i));
                    Expr::Mul(Box::new(Expr::Delta(i, j)), Box::new(v))
                });
                Ok(array(Shape(vec![n, n]), elem, bounds))
            }
            _ => square(&shapes[0]).map(|n| {
                let elem: ElemFn = Rc::new(move |b, pos| a.at2(b, &pos[0], &pos[0]));
                array(Shape(vec![n]), elem, bounds)
            }),
        },
        "softmax" if shapes[0].is_scalar() => {
            // The softmax of one number is 1, where the number is defined.
            let z = a.at(bounds, &[]);
            let e = Expr::Builtin(Builtin::Exp, 0, vec![z]);
            Ok(Val::Scalar(Expr::Div(Box::new(e.clone()), Box::new(e))))
        }
        "softmax" => vector(&shapes[0]).map(|_| {
            let exp = |x: Expr| Expr::Builtin(Builtin::Exp, 0, vec![x]);
            let n = shapes[0].rows_cols().0;
            let elem: ElemFn = Rc::new(move |b, pos| {
                let k = fresh_bound(b, n);
                let kx = ix_var(IxVar::Bound(k));
                let num = exp(a.at(b, &at_vec(&a, &pos[0])));
                let den = Expr::Big(BigOp::Sum, k, Box::new(exp(a.at(b, &at_vec(&a, &kx)))));
                Expr::Div(Box::new(num), Box::new(den))
            });
            array(shapes[0].clone(), elem, bounds)
        }),
        _ => return None,
    })
}

/// The position of element `i` of a vector (none for a scalar).
fn at_vec(v: &Val, i: &Ix) -> Vec<Ix> {
    if v.shape().is_scalar() {
        Vec::new()
    } else {
        vec![i.clone()]
    }
}

/// A square matrix in index form, with two new bound indices.
fn square_of(a: &Val, n: Bound, bounds: &mut Vec<BoundIndex>) -> Square {
    let row = fresh_bound(bounds, n);
    let col = fresh_bound(bounds, n);
    let body = a.at2(bounds, &ix_var(IxVar::Bound(row)), &ix_var(IxVar::Bound(col)));
    Square { size: n, row, col, body }
}

/// `map` over arguments whose shapes were checked to agree cannot fail; were it to, a scalar zero
/// is no worse than any other placeholder (never reached).
fn unreachable_shapes() -> Val {
    Val::Scalar(Expr::Const(Box::new(int_literal(0))))
}

fn int_literal(v: i64) -> Literal {
    Literal { value: num_rational::BigRational::from_integer(v.into()), half_unit: None, point: false }
}
