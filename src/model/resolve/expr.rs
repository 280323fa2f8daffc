//! Expressions: each syntax node becomes a resolved [`Expr`], or an array ([`Val::Array`], §7)
//! that is written out in index notation where it is used. Names are bound here (function
//! parameters first, then `sum` binders, innermost first, then globals); each `sum`/`prod` gets a
//! fresh numbered bound index, so shadowing and alpha-renaming are settled once. Calls are checked
//! against the arity of the builtin, unknown or user function; shapes are checked with the
//! operator's span; compound array operands of products are hoisted into hidden nodes.
//!
//! References to entries by their subscripts, and index expressions, are in `refs`; the hint for an
//! unknown name or function in `suggest`.

use std::rc::Rc;

use super::literal::parse_decimal;
use super::walk::self_contained;
use super::{plural, Global, Resolver, Scope, MAX_HOISTED, MAX_LITERAL_EXPONENT};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::ir::*;
use crate::model::shape::{self, ix_var, Arr, ElemFn, Val, MAX_BOUNDS};
use crate::syntax::ast::{self, BigOp, ExprKind};

impl Resolver {
    /// A scalar expression: an array here is an error.
    pub(super) fn expr(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Expr> {
        match self.val(e, scope)? {
            Val::Scalar(x) => Some(x),
            Val::Array(a) => {
                self.error(
                    Diagnostic::error(
                        e.span,
                        format!("expected a scalar here, found {}", a.shape.describe(&self.model.sizes)),
                    )
                    .with_hint("take an element (`x[i]`), or reduce the array with `sum`, `dot` or `norm`"),
                );
                None
            }
        }
    }

    /// An expression, scalar or array (§7); an error if writing its arrays out in index notation
    /// made too many bound indices.
    pub(super) fn val(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Val> {
        let v = self.val_inner(e, scope)?;
        if self.check_size(e.span) {
            return None;
        }
        Some(v)
    }

    /// Reports (once) that writing out arrays made too many bound indices; true if it did.
    pub(super) fn check_size(&mut self, span: Span) -> bool {
        if self.model.bounds.len() < MAX_BOUNDS {
            return false;
        }
        if !self.too_large_reported {
            self.too_large_reported = true;
            self.error(Diagnostic::error(span, "expression too large once its arrays are written out").with_hint(
                format!("a file may create at most {MAX_BOUNDS} bound indices; name intermediate arrays with `let`"),
            ));
        }
        true
    }

    fn val_inner(&mut self, e: &ast::Expr, scope: &Scope) -> Option<Val> {
        Some(match &e.kind {
            ExprKind::Number(text) => match parse_decimal(text) {
                Some(lit) => Val::Scalar(Expr::Const(Box::new(lit))),
                None => {
                    // (`1e-600` was "too large": an adversarial tester.)
                    let small = text.split(['e', 'E']).nth(1).is_some_and(|x| x.starts_with('-'));
                    let message = if small { "number is too small to write" } else { "number is too large" };
                    self.error(Diagnostic::error(e.span, message).with_hint(format!(
                        "decimal exponents may be from -{MAX_LITERAL_EXPONENT} to {MAX_LITERAL_EXPONENT}"
                    )));
                    return None;
                }
            },
            ExprKind::Name(name) => self.name(name, scope)?,
            ExprKind::Indexed(name, subs) => {
                let r = ast::VarRef { name: name.clone(), subscripts: subs.clone(), span: e.span };
                if scope.bound.iter().any(|(n, _)| *n == name.name) {
                    self.error(
                        Diagnostic::error(e.span, format!("`{}` is an index; it cannot be subscripted", name.name))
                            .with_hint("subscripts belong to variables and nodes"),
                    );
                    return None;
                }
                let (_, entry_ref) = self.find_entry(&r, scope, false)?;
                Val::Scalar(Expr::Entry(entry_ref))
            }
            ExprKind::Call { func, primes, args } => self.call(func, *primes, args, scope, e.span)?,
            ExprKind::Neg(a) => {
                let a = self.val(a, scope)?;
                let neg = |x: Vec<Expr>| {
                    let [x] = shape::operands(x);
                    Expr::Neg(Box::new(x))
                };
                self.elementwise(vec![a], Rc::new(neg), "`-`", e.span)?
            }
            ExprKind::Transpose(a) => {
                let a = self.val(a, scope)?;
                shape::transpose(a, &mut self.model.bounds)
            }
            ExprKind::Array(items) => {
                let vals: Vec<Option<Val>> = items.iter().map(|x| self.val(x, scope)).collect();
                let vals = vals.into_iter().collect::<Option<Vec<Val>>>()?;
                match shape::literal(vals, &self.model.sizes, &mut self.model.bounds) {
                    Ok(v) => v,
                    Err(err) => return self.shape_error(e.span, err),
                }
            }
            ExprKind::Binary(ast::BinOp::Pow, a, b, op_span) if self.is_transpose_mark(b, scope) => {
                // `x^T` is a power where `T` is a declared name (a variable, node, index or
                // function), as documented; where `T` is a size (`index t in 1..T`), it is the
                // transpose of an array and a power of a scalar; where `T` is not declared, the
                // transpose (of a scalar, the scalar itself).
                let base = self.val(a, scope)?;
                let power = match self.globals.get("T") {
                    Some((Global::Size(_), _)) => base.shape().is_scalar(),
                    Some(_) => true,
                    None => self.poisoned.contains("T"),
                };
                if !power {
                    return Some(shape::transpose(base, &mut self.model.bounds));
                }
                if base.shape().0.len() == 2 {
                    let message =
                        format!("`^T` of {} is a power, as `T` is declared", base.shape().describe(&self.model.sizes));
                    let hint = "write `Aᵀ` for the transpose, or rename `T`";
                    return self.shape_error(*op_span, shape::ShapeError { message, hint: hint.to_string() });
                }
                if base.shape().0.len() == 1 {
                    // `v^T * A * v` beside a temperature `var T`: the power of each element, and
                    // the product's shape error then asked "is a transpose missing?" (a student).
                    let message = format!(
                        "`^T` of {} is the power `T` of each element, as `T` is declared",
                        base.shape().describe(&self.model.sizes)
                    );
                    let hint = "write `vᵀ` for the transpose, or rename `T`";
                    self.model.warnings.push(Diagnostic::warning(*op_span, message).with_hint(hint));
                } else if writes_a_transpose(a) {
                    // `(aᵀc)^T`: a 1×1 product's transpose, read as the power of a size.
                    let message = "`^T` of this scalar is the power `T`, as `T` is a size here".to_string();
                    let hint = "a 1×1 product is its own transpose: drop the `^T`, or write `ᵀ`, which is always the transpose";
                    self.model.warnings.push(Diagnostic::warning(*op_span, message).with_hint(hint));
                }
                let t = self.val(b, scope)?;
                self.binary(ast::BinOp::Pow, base, t, *op_span)?
            }
            ExprKind::Binary(op, a, b, op_span) => {
                if *op == ast::BinOp::Pow {
                    if let Some(d) = self.superscript_position(a, b, scope, e.span) {
                        self.error(d);
                        return None;
                    }
                }
                let (a_val, b_val) = (self.val(a, scope), self.val(b, scope));
                let (a_val, b_val) = (a_val?, b_val?);
                if *op == ast::BinOp::Pow && a_val.shape().0.len() == 2 && is_minus_one(b) {
                    // `A^{-1}`, `A^(-1)` of a matrix: its inverse, as every text writes it (the
                    // elementwise reciprocal is `1 / A`); it was refused as an ambiguous power,
                    // with a hint in the wrong syntax for LaTeX (a LaTeX tester).
                    let shape = a_val.shape();
                    if let [r, c] = shape.0.as_slice() {
                        if r != c {
                            let message = format!(
                                "`^-1` of {}: only a square matrix has an inverse",
                                shape.describe(&self.model.sizes)
                            );
                            let hint = shape::NOT_SQUARE_INVERSE_HINT.to_string();
                            return self.shape_error(*op_span, shape::ShapeError { message, hint });
                        }
                    }
                    return match shape::function("inv", vec![a_val], &self.model.sizes, &mut self.model.bounds)? {
                        Ok(v) => Some(v),
                        Err(err) => self.shape_error(*op_span, err),
                    };
                }
                self.binary(*op, a_val, b_val, *op_span)?
            }
            ExprKind::Big { op, binder, range, body } => {
                if *op == BigOp::Prod && body.skipped(&binder.name).is_some() {
                    self.error(
                        Diagnostic::error(
                            binder.span,
                            "only a `sum` skips a value: `prod(j != y, …)` is not supported",
                        )
                        .with_hint("divide the full product by the skipped factor, or write the sum of logs"),
                    );
                    return None;
                }
                let range = match range {
                    Some(r) => {
                        let lo = self.bound(&r.lo);
                        let hi = self.bound(&r.hi);
                        IndexRange { lo: lo?, hi: hi? }
                    }
                    None => match self.globals.get(&binder.name) {
                        Some((Global::Index(id), _)) if self.model.indices[*id].label => {
                            let range = self.model.range_text(self.model.indices[*id].range);
                            self.error(
                                Diagnostic::error(binder.span, format!("`{}` is a class label, not an index to sum over", binder.name))
                                    .with_hint(format!("sum over an index of its range (`index j in {range}`, `sum(j, …)`), or skip the label: `sum(j != {}, …)`", binder.name)),
                            );
                            return None;
                        }
                        Some((Global::Index(id), _)) => self.model.indices[*id].range,
                        _ if self.poisoned.contains(&binder.name) => return None,
                        _ => {
                            let word = if *op == BigOp::Sum { "sum" } else { "prod" };
                            self.error(
                                Diagnostic::error(binder.span, format!("`{}` has no range", binder.name)).with_hint(
                                    format!(
                                        "declare `index {0} in 1..n`, or write `{word}({0} in 1..n, …)`",
                                        binder.name
                                    ),
                                ),
                            );
                            return None;
                        }
                    },
                };
                let id = self.model.bounds.len();
                self.model.bounds.push(BoundIndex { name: binder.name.clone(), range });
                let mut inner = scope.clone();
                inner.bound.push((binder.name.clone(), id));
                let op = *op;
                match self.val(body, &inner)? {
                    Val::Scalar(x) => Val::Scalar(Expr::Big(op, id, Box::new(x))),
                    Val::Array(arr) => {
                        let f = arr.elem.clone();
                        let elem: ElemFn = Rc::new(move |b, pos| Expr::Big(op, id, Box::new(f(b, pos))));
                        Val::Array(Arr { shape: arr.shape, elem })
                    }
                }
            }
            ExprKind::Diff { body, wrt } => {
                let mut val = self.val(body, scope)?;
                for target in wrt {
                    val = self.diff(val, target, scope)?;
                }
                val
            }
        })
    }

    /// `x^T`, where `T` is not a function parameter or a bound index.
    fn is_transpose_mark(&self, e: &ast::Expr, scope: &Scope) -> bool {
        let ExprKind::Name(n) = &e.kind else { return false };
        n.name == "T" && !scope.locals.iter().any(|l| l == "T") && !scope.bound.iter().any(|(b, _)| b == "T")
    }

    fn shape_error<T>(&mut self, span: Span, err: shape::ShapeError) -> Option<T> {
        self.error(Diagnostic::error(span, err.message).with_hint(err.hint));
        None
    }

    /// An elementwise operation; a shape mismatch is reported at `span` (the operator).
    fn elementwise(
        &mut self,
        args: Vec<Val>,
        op: Rc<dyn Fn(Vec<Expr>) -> Expr>,
        what: impl std::fmt::Display,
        span: Span,
    ) -> Option<Val> {
        match shape::map(args, op, &mut self.model.bounds) {
            Ok(v) => Some(v),
            Err((a, b)) => {
                let sizes = &self.model.sizes;
                let message = format!("shape mismatch: {what} of {} and {}", a.describe(sizes), b.describe(sizes));
                let hint = format!(
                    "{what} works element by element on arrays of one shape ({} and {} here), or with a scalar",
                    a.text(sizes),
                    b.text(sizes)
                );
                self.error(Diagnostic::error(span, message).with_hint(hint));
                None
            }
        }
    }

    fn binary(&mut self, op: ast::BinOp, a: Val, b: Val, span: Span) -> Option<Val> {
        // Two scalars, the usual case: the operation itself, as `shape::map` and `shape::matmul`
        // make it, without their closures and vectors.
        let make: Option<fn(Box<Expr>, Box<Expr>) -> Expr> = match op {
            ast::BinOp::Add => Some(Expr::Add),
            ast::BinOp::Sub => Some(Expr::Sub),
            ast::BinOp::Mul | ast::BinOp::Hadamard => Some(Expr::Mul),
            ast::BinOp::Div => Some(Expr::Div),
            ast::BinOp::Pow => None,
        };
        let (a, b) = match (a, b, make) {
            (Val::Scalar(x), Val::Scalar(y), Some(make)) if self.model.bounds.len() < MAX_BOUNDS => {
                return Some(Val::Scalar(make(Box::new(x), Box::new(y))));
            }
            (a, b, _) => (a, b),
        };
        let bin = shape::binary;
        match op {
            ast::BinOp::Add => self.elementwise(vec![a, b], bin(Expr::Add), "`+`", span),
            ast::BinOp::Sub => self.elementwise(vec![a, b], bin(Expr::Sub), "`-`", span),
            ast::BinOp::Hadamard => self.elementwise(vec![a, b], bin(Expr::Mul), "`⊙`", span),
            ast::BinOp::Div => self.elementwise(vec![a, b], bin(Expr::Div), "`/`", span),
            ast::BinOp::Mul => {
                let both = !a.shape().is_scalar() && !b.shape().is_scalar();
                let (a, b) = if both { (self.hoist(a, span), self.hoist(b, span)) } else { (a, b) };
                match shape::matmul(a, b, &self.model.sizes, &mut self.model.bounds) {
                    Ok(v) => Some(v),
                    Err(mut err) => {
                        // (Where `T` is declared, `p * p^T` is a vector times a power of one: the
                        // hint said to write `x * y^T`, what was written; a student.)
                        let t_declared = matches!(self.globals.get("T"), Some((g, _)) if !matches!(g, Global::Size(_)));
                        if t_declared && err.hint == shape::VECTOR_PRODUCT_HINT {
                            err.hint = "for the dot product write `dot(x, y)` or `xᵀ * y`; for the elementwise \
                                        product `x ⊙ y`; for the outer product (a matrix) `x * yᵀ` or `outer(x, y)` \
                                        (`^T` is a power here, as `T` is declared)"
                                .to_string();
                        }
                        self.shape_error(span, err)
                    }
                }
            }
            ast::BinOp::Pow => {
                let sizes = &self.model.sizes;
                let (sa, sb) = (a.shape(), b.shape());
                if !sb.is_scalar() {
                    let message = format!("the exponent is {}", sb.describe(sizes));
                    return self
                        .shape_error(span, shape::ShapeError { message, hint: "an exponent is a scalar".to_string() });
                }
                if sa.0.len() == 2 {
                    let message = format!("`^` of {} is ambiguous", sa.describe(sizes));
                    let hint = shape::MATRIX_POWER_HINT.to_string();
                    return self.shape_error(span, shape::ShapeError { message, hint });
                }
                self.elementwise(vec![a, b], bin(Expr::Pow), "`^`", span)
            }
        }
    }

    /// An array operand whose elements are read many times (a factor of a product, the argument
    /// of `softmax`) becomes a hidden defined node, so that each element is computed once per
    /// sample instead of once per use. The node is never a derivative's target, so by §3.3 it
    /// behaves exactly as the expression it stands for; an expression that depends on an index or
    /// parameter from outside (inside a `sum` or a function body) stays inline.
    fn hoist(&mut self, v: Val, span: Span) -> Val {
        let Val::Array(arr) = &v else { return v };
        if self.hoisted >= MAX_HOISTED {
            return v;
        }
        let mark = self.model.bounds.len();
        let indices = self.model.indices.len();
        let slots = self.hidden_indices(&arr.shape);
        let pos: Vec<Ix> = slots.iter().map(|&i| ix_var(IxVar::Free(i))).collect();
        let body = (arr.elem)(&mut self.model.bounds, &pos);
        if matches!(body, Expr::Entry(_) | Expr::Select(..) | Expr::Const(_)) || !self_contained(&body, &slots, mark) {
            // The indices made for the node are dropped with it: every sample has a value for
            // each index of the model (the search for repairs resolves thousands of candidates).
            self.model.indices.truncate(indices);
            return v;
        }
        self.hoisted += 1;
        let id = self.model.entries.len();
        self.model.entries.push(Entry {
            name: format!("_{id}"),
            slots: slots.into_iter().map(Slot::Range).collect(),
            kind: EntryKind::Defined(body),
            span,
        });
        let elem: ElemFn = Rc::new(move |_, pos| Expr::Entry(EntryRef { entry: id, args: pos.to_vec() }));
        Val::Array(Arr { shape: arr.shape.clone(), elem })
    }

    /// `diff(val, target)`: the derivative of a scalar by an array has the array's shape
    /// (denominator layout); of a vector by a vector, the Jacobian `J[i,j] = ∂y[i]/∂x[j]`; of an
    /// array by a scalar, the array's shape.
    fn diff(&mut self, val: Val, target: &ast::VarRef, scope: &Scope) -> Option<Val> {
        let (entry, r, target_shape) = self.diff_target(target, scope)?;
        let Some(tshape) = target_shape else {
            let f = move |x: Vec<Expr>| {
                let [x] = shape::operands(x);
                Expr::Diff(Box::new(x), r.clone())
            };
            return self.elementwise(vec![val], Rc::new(f), "`diff`", target.span);
        };
        let vshape = val.shape();
        let diff_at =
            move |inner: Expr, pos: &[Ix]| Expr::Diff(Box::new(inner), EntryRef { entry, args: pos.to_vec() });
        let (shape, elem): (Shape, ElemFn) = match (vshape.0.len(), tshape.0.len()) {
            (0, _) => {
                let elem: ElemFn = Rc::new(move |b, pos| diff_at(val.at(b, &[]), pos));
                (tshape, elem)
            }
            (1, 1) => {
                let shape = Shape(vec![vshape.0[0], tshape.0[0]]);
                let elem: ElemFn = Rc::new(move |b, pos| diff_at(val.at(b, &pos[..1]), &pos[1..2]));
                (shape, elem)
            }
            _ => {
                let sizes = &self.model.sizes;
                let message = format!(
                    "the derivative of {} by {} is not supported",
                    vshape.describe(sizes),
                    tshape.describe(sizes)
                );
                let hint =
                    "differentiate a scalar by an array, a vector by a vector (the Jacobian), or one element at a time";
                return self.shape_error(target.span, shape::ShapeError { message, hint: hint.to_string() });
            }
        };
        Some(shape::array(shape, elem, &mut self.model.bounds))
    }

    fn name(&mut self, name: &ast::Ident, scope: &Scope) -> Option<Val> {
        if let Some(pos) = scope.locals.iter().position(|l| *l == name.name) {
            return Some(Val::Scalar(Expr::Local(pos)));
        }
        if let Some((_, id)) = scope.bound.iter().rev().find(|(n, _)| *n == name.name) {
            return Some(Val::Scalar(Expr::Index(Ix { constant: 0, terms: vec![(1, IxVar::Bound(*id))] })));
        }
        match self.globals.get(&name.name).cloned() {
            Some((Global::Index(id), _)) => {
                Some(Val::Scalar(Expr::Index(Ix { constant: 0, terms: vec![(1, IxVar::Free(id))] })))
            }
            Some((Global::Size(id), _)) => Some(Val::Scalar(Expr::Size(id))),
            Some((Global::Family(ids), _)) => {
                if let [id] = ids[..] {
                    if let Some(shape) = self.array_shape(id) {
                        let elem: ElemFn =
                            Rc::new(move |_, pos| Expr::Entry(EntryRef { entry: id, args: pos.to_vec() }));
                        return Some(shape::array(shape, elem, &mut self.model.bounds));
                    }
                }
                let r = ast::VarRef { name: name.clone(), subscripts: Vec::new(), span: name.span };
                self.find_entry(&r, scope, false).map(|(_, r)| Val::Scalar(Expr::Entry(r)))
            }
            Some((Global::Unknown(_) | Global::UserFn(_), _)) => {
                self.error(
                    Diagnostic::error(name.span, format!("`{}` is a function", name.name))
                        .with_hint(format!("call it with an argument: `{}(…)`", name.name)),
                );
                None
            }
            None => {
                if let Some(b) = Builtin::from_name(&name.name).filter(|b| b.arity() == 0) {
                    // A constant (`pi`).
                    return Some(Val::Scalar(Expr::Builtin(b, 0, Vec::new())));
                }
                if Builtin::from_name(&name.name).is_some() {
                    self.error(
                        Diagnostic::error(name.span, format!("`{}` is a builtin function", name.name))
                            .with_hint(format!("call it with an argument: `{}(…)`", name.name)),
                    );
                } else {
                    self.unknown_name(name, scope, false);
                }
                None
            }
        }
    }

    fn call(&mut self, func: &ast::Ident, primes: u32, args: &[ast::Expr], scope: &Scope, span: Span) -> Option<Val> {
        let global = self.globals.get(&func.name).cloned();
        let is_delta = (func.name == "delta" || func.name == "δ") && global.is_none();
        if is_delta {
            if args.len() != 2 || primes > 0 {
                self.error(
                    Diagnostic::error(span, "`delta` takes two indices")
                        .with_hint("write `delta(i, j)`: 1 when i = j, else 0"),
                );
                return None;
            }
            let a = self.ix_of_expr(&args[0], scope);
            let b = self.ix_of_expr(&args[1], scope);
            return Some(Val::Scalar(Expr::Delta(a?, b?)));
        }
        if func.name == ast::SKIP_FN && args.len() == 2 {
            return self.skip_indicator(&args[0], &args[1], scope);
        }
        let resolved: Vec<Option<Val>> = args.iter().map(|a| self.val(a, scope)).collect();
        let args_resolved: Option<Vec<Val>> = resolved.into_iter().collect();
        if global.is_none() {
            if let Some(op) = match func.name.as_str() {
                "sum" => Some(BigOp::Sum),
                "prod" => Some(BigOp::Prod),
                _ => None,
            } {
                let arg = args_resolved?.into_iter().next()?;
                return Some(Val::Scalar(shape::reduce(op, arg, &mut self.model.bounds)));
            }
            if Builtin::from_name(&func.name).is_none() && shape::ARRAY_FUNCTIONS.contains(&func.name.as_str()) {
                if primes > 0 {
                    self.error(
                        Diagnostic::error(func.span, format!("`{}` has no derivative written with primes", func.name))
                            .with_hint("use `diff` for derivatives of array functions"),
                    );
                    return None;
                }
                let mut args = args_resolved?;
                if func.name == "softmax" {
                    args = args.into_iter().map(|a| self.hoist(a, span)).collect();
                }
                return match shape::function(&func.name, args, &self.model.sizes, &mut self.model.bounds)? {
                    Ok(v) => Some(v),
                    Err(err) => self.shape_error(span, err),
                };
            }
        }
        // Scalar functions apply element by element.
        let apply = |r: &mut Resolver, make: Rc<dyn Fn(Vec<Expr>) -> Expr>, args: Vec<Val>| -> Option<Val> {
            // (The name is written out only for an error: this runs for every call resolved.)
            r.elementwise(args, make, format_args!("`{}`", func.name), span)
        };
        let check_arity = |r: &mut Resolver, want: usize| -> bool {
            if args.len() != want {
                // (`max` and `min` take any number from 2 on.)
                let at_least = if matches!(Builtin::from_name(&func.name), Some(Builtin::Max | Builtin::Min))
                    && global.is_none()
                {
                    "at least "
                } else {
                    ""
                };
                r.error(Diagnostic::error(
                    span,
                    format!(
                        "`{}` takes {at_least}{want} argument{}, but {} {} given",
                        func.name,
                        plural(want),
                        args.len(),
                        if args.len() == 1 { "was" } else { "were" }
                    ),
                ));
                return false;
            }
            if primes > 0 && want != 1 {
                r.error(
                    Diagnostic::error(
                        func.span,
                        format!(
                            "`{}{}` is the derivative of a function of {want} arguments",
                            func.name,
                            "'".repeat(primes as usize)
                        ),
                    )
                    .with_hint(
                        "primes denote derivatives of functions of one argument; use `diff` for partial derivatives",
                    ),
                );
                return false;
            }
            true
        };
        match global {
            Some((Global::UserFn(id), _)) => {
                let arity = self.model.user_functions[id].params.len();
                if !check_arity(self, arity) {
                    return None;
                }
                apply(self, Rc::new(move |x| Expr::Apply(id, primes, x)), args_resolved?)
            }
            Some((Global::Unknown(id), _)) => {
                let arity = self.model.functions[id].arity;
                if !check_arity(self, arity) {
                    return None;
                }
                apply(self, Rc::new(move |x| Expr::Unknown(id, primes, x)), args_resolved?)
            }
            Some((Global::Family(_), _)) => {
                self.error(
                    Diagnostic::error(func.span, format!("`{}` is a variable, not a function", func.name))
                        .with_hint("subscripts are written in brackets: `y[i]`; multiplication needs `*`"),
                );
                None
            }
            Some((global @ (Global::Index(_) | Global::Size(_)), _)) => {
                let what = if matches!(global, Global::Size(_)) { "a size" } else { "an index" };
                self.error(
                    Diagnostic::error(func.span, format!("`{}` is {what}, not a function", func.name))
                        .with_hint("multiplication needs `*`"),
                );
                None
            }
            None => match Builtin::from_name(&func.name) {
                Some(b @ (Builtin::Max | Builtin::Min)) if args.len() > 2 && primes == 0 => {
                    // `max(a, b, c)` is `max(max(a, b), c)`: the largest of all, each pair a kink.
                    let mut args_resolved = args_resolved?.into_iter();
                    let make: Rc<dyn Fn(Vec<Expr>) -> Expr> = Rc::new(move |x| Expr::Builtin(b, 0, x));
                    let first = args_resolved.next()?;
                    args_resolved.try_fold(first, |acc, next| apply(self, make.clone(), vec![acc, next]))
                }
                Some(b) => {
                    // Trailing parameters with a default may be left out (`elu(x)` is `elu(x, 1)`).
                    let defaults = b.spec().defaults;
                    if !defaults.is_empty() && (args.len() < b.min_arity() || args.len() > b.arity()) {
                        let example = example_call(b);
                        self.error(
                            Diagnostic::error(
                                span,
                                format!(
                                    "`{}` takes {} or {} arguments, but {} {} given",
                                    func.name,
                                    b.min_arity(),
                                    b.arity(),
                                    args.len(),
                                    if args.len() == 1 { "was" } else { "were" }
                                ),
                            )
                            .with_hint(format!("write `{example}`; the last may be left out for its default")),
                        );
                        return None;
                    }
                    let given = args.len().max(b.min_arity());
                    if !check_arity(self, if defaults.is_empty() { b.arity() } else { given }) {
                        return None;
                    }
                    if primes > 0 && b.arity() != 1 {
                        // `elu'(x)` leaves out a parameter, but is still a function of two.
                        self.error(
                            Diagnostic::error(
                                func.span,
                                format!(
                                    "`{}{}` is the derivative of a function of {} arguments",
                                    func.name,
                                    "'".repeat(primes as usize),
                                    b.arity()
                                ),
                            )
                            .with_hint(format!("use `diff`: `diff({}, x)`", example_call(b))),
                        );
                        return None;
                    }
                    let mut args_resolved = args_resolved?;
                    for text in &defaults[defaults.len() + given - b.arity()..] {
                        args_resolved.push(Val::Scalar(Expr::Const(Box::new(default_literal(text)?))));
                    }
                    apply(self, Rc::new(move |x| Expr::Builtin(b, primes, x)), args_resolved)
                }
                None => {
                    self.unknown_function(func);
                    None
                }
            },
        }
    }

    /// The target of a derivative: an entry, with the target's shape when it is a whole array.
    fn diff_target(&mut self, target: &ast::VarRef, scope: &Scope) -> Option<(EntryId, EntryRef, Option<Shape>)> {
        let not_variable = |r: &mut Resolver, what: &str| {
            r.error(
                Diagnostic::error(
                    target.span,
                    format!("cannot differentiate with respect to `{}`: it is {what}", target.name.name),
                )
                .with_hint("differentiate with respect to a declared variable or a defined node"),
            );
            None
        };
        if scope.locals.contains(&target.name.name) {
            return not_variable(self, "a function parameter");
        }
        if scope.bound.iter().any(|(n, _)| *n == target.name.name) {
            return not_variable(self, "an index");
        }
        match self.globals.get(&target.name.name) {
            Some((Global::Index(_), _)) => not_variable(self, "an index"),
            Some((Global::Size(_), _)) => not_variable(self, "a size"),
            Some((Global::Unknown(_) | Global::UserFn(_), _)) => not_variable(self, "a function"),
            None if Builtin::from_name(&target.name.name).is_some_and(|b| b.arity() == 0) => {
                not_variable(self, "a constant")
            }
            None if Builtin::from_name(&target.name.name).is_some() => not_variable(self, "a builtin function"),
            Some((Global::Family(ids), _)) if ids.len() == 1 && target.subscripts.is_empty() => {
                let id = ids[0];
                match self.array_shape(id) {
                    Some(shape) => Some((id, EntryRef { entry: id, args: Vec::new() }, Some(shape))),
                    None => self.find_entry(target, scope, false).map(|(e, r)| (e, r, None)),
                }
            }
            _ => self.find_entry(target, scope, false).map(|(e, r)| (e, r, None)),
        }
    }
}

/// A default argument of a builtin (the table's decimal text) as an exact number, never widened
/// in a `≈` step: it is not written there.
fn default_literal(text: &str) -> Option<Literal> {
    parse_decimal(text).map(|l| Literal { value: l.value, half_unit: None, point: false })
}

/// A call of a builtin with every parameter and its defaults written out: `elu(x, 1)`.
fn example_call(b: Builtin) -> String {
    let defaults = b.spec().defaults;
    let params = ["x", "y", "z"].iter().take(b.min_arity()).map(|p| p.to_string());
    let args: Vec<String> = params.chain(defaults.iter().map(|d| d.to_string())).collect();
    format!("{}({})", b.name(), args.join(", "))
}

impl Resolver {
    /// The indicator `[j ≠ y]` of `sum(j != y, f)`, read as `sum(j, (1 - delta(j, y)) * f)`: the
    /// skipped value must lie in the range of `j` at every size (a label or index of that range,
    /// or a number inside it), else the sum would skip nothing at some values.
    fn skip_indicator(&mut self, index: &ast::Expr, skip: &ast::Expr, scope: &Scope) -> Option<Val> {
        let j = self.ix_of_expr(index, scope)?;
        let hint = "the value a sum skips is a class label (`var y in 1..K`), an index, a size or an integer";
        let y = self.ix_of_expr_or(skip, scope, hint)?;
        let Some(&(_, IxVar::Bound(b))) = j.terms.first() else { return None };
        let range = self.model.bounds[b].range;
        if !self.model.ix_surely_in(range, &y, &self.model.bounds) {
            let name = match &index.kind {
                ExprKind::Name(n) => n.name.clone(),
                _ => String::new(),
            };
            self.error(
                Diagnostic::error(
                    skip.span,
                    format!(
                        "the skipped value may lie outside the range of `{name}` ({})",
                        self.model.range_text(range)
                    ),
                )
                .with_hint(format!(
                    "skip a label or index of the same range: `var y in {}`",
                    self.model.range_text(range)
                )),
            );
            return None;
        }
        let one = Expr::Const(Box::new(super::literal::int_literal(1)));
        Some(Val::Scalar(Expr::Sub(Box::new(one), Box::new(Expr::Delta(j, y)))))
    }
}

/// Whether an expression writes a transpose (`aᵀ`, or `a^T` of an array) outside its sums and calls:
/// then a scalar it gives is a 1×1 product.
fn writes_a_transpose(e: &ast::Expr) -> bool {
    match &e.kind {
        ExprKind::Transpose(_) => true,
        ExprKind::Binary(ast::BinOp::Pow, _, b, _) if matches!(&b.kind, ExprKind::Name(n) if n.name == "T") => true,
        ExprKind::Binary(_, a, b, _) => writes_a_transpose(a) || writes_a_transpose(b),
        ExprKind::Neg(a) => writes_a_transpose(a),
        _ => false,
    }
}

/// The exponent `-1` as written: `-1`, `(-1)`.
fn is_minus_one(e: &ast::Expr) -> bool {
    match &e.kind {
        ExprKind::Neg(inner) => matches!(&inner.kind, ExprKind::Number(n) if n == "1"),
        ExprKind::Number(n) => n == "-1",
        _ => false,
    }
}
