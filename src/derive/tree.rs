//! Building and taking apart syntax trees: constructors that fold the trivial cases (`0 * a`,
//! `a + 0`), substitution of indices and values, and the names an expression mentions.

use std::collections::{BTreeSet, HashMap};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use crate::diagnostic::Span;
use crate::model::parse_decimal;
use crate::syntax::ast::*;
use crate::syntax::print::{expr_to_string, index_to_string, Spelling};

pub fn ident(name: &str) -> Ident {
    Ident { name: name.to_string(), span: Span::default() }
}

pub fn mk(kind: ExprKind) -> Expr {
    Expr { kind, span: Span::default() }
}

pub fn text(e: &Expr) -> String {
    expr_to_string(e, Spelling::Canonical)
}

pub fn number(value: &BigRational) -> Expr {
    let int = |n: &BigInt| mk(ExprKind::Number(n.abs().to_string()));
    let magnitude = if value.is_integer() {
        int(value.numer())
    } else if let Some(digits) = crate::model::decimal_digits(value) {
        mk(ExprKind::Number(digits))
    } else {
        binary(BinOp::Div, int(value.numer()), int(value.denom()))
    };
    if value.is_negative() {
        mk(ExprKind::Neg(Box::new(magnitude)))
    } else {
        magnitude
    }
}

pub fn integer(n: i64) -> Expr {
    number(&BigRational::from_integer(BigInt::from(n)))
}

/// The value of a number literal, or of a negated one.
pub fn constant(e: &Expr) -> Option<BigRational> {
    match &e.kind {
        ExprKind::Number(text) => parse_decimal(text).map(|l| l.value),
        ExprKind::Neg(inner) => constant(inner).map(|v| -v),
        ExprKind::Binary(BinOp::Div, a, b, _) => {
            let b = constant(b)?;
            (!b.is_zero()).then(|| constant(a).map(|a| a / b)).flatten()
        }
        _ => None,
    }
}

pub fn is_zero(e: &Expr) -> bool {
    constant(e).is_some_and(|v| v.is_zero())
}

pub fn is_one(e: &Expr) -> bool {
    constant(e).is_some_and(|v| v.is_one())
}

pub fn binary(op: BinOp, a: Expr, b: Expr) -> Expr {
    mk(ExprKind::Binary(op, Box::new(a), Box::new(b), Span::default()))
}

pub fn neg(a: Expr) -> Expr {
    match a.kind {
        _ if is_zero(&a) => integer(0),
        ExprKind::Neg(inner) => *inner,
        _ => mk(ExprKind::Neg(Box::new(a))),
    }
}

pub fn add(a: Expr, b: Expr) -> Expr {
    if is_zero(&a) {
        b
    } else if is_zero(&b) {
        a
    } else if let ExprKind::Neg(inner) = b.kind {
        binary(BinOp::Sub, a, *inner)
    } else {
        binary(BinOp::Add, a, b)
    }
}

pub fn sub(a: Expr, b: Expr) -> Expr {
    if is_zero(&b) {
        a
    } else if is_zero(&a) {
        neg(b)
    } else if let ExprKind::Neg(inner) = b.kind {
        binary(BinOp::Add, a, *inner)
    } else {
        binary(BinOp::Sub, a, b)
    }
}

pub fn mul(a: Expr, b: Expr) -> Expr {
    if is_zero(&a) || is_zero(&b) {
        integer(0)
    } else if is_one(&a) {
        b
    } else if is_one(&b) {
        a
    } else {
        binary(BinOp::Mul, a, b)
    }
}

pub fn div(a: Expr, b: Expr) -> Expr {
    if is_zero(&a) {
        integer(0)
    } else if is_one(&b) {
        a
    } else {
        binary(BinOp::Div, a, b)
    }
}

pub fn call(name: &str, primes: u32, args: Vec<Expr>) -> Expr {
    mk(ExprKind::Call { func: ident(name), primes, args })
}

pub fn delta(a: &IndexExpr, b: &IndexExpr) -> Expr {
    if index_to_string(a) == index_to_string(b) {
        integer(1)
    } else {
        call("delta", 0, vec![index_value(a), index_value(b)])
    }
}

pub fn diff(body: Expr, wrt: VarRef) -> Expr {
    mk(ExprKind::Diff { body: Box::new(body), wrt: vec![wrt] })
}

pub fn sum(binder: &str, range: Option<Box<RangeExpr>>, body: Expr) -> Expr {
    if is_zero(&body) {
        return integer(0);
    }
    mk(ExprKind::Big { op: BigOp::Sum, binder: ident(binder), range, body: Box::new(body) })
}

pub fn var_ref(name: &str, subscripts: Vec<IndexExpr>) -> VarRef {
    VarRef { name: ident(name), subscripts, span: Span::default() }
}

/// A reference as an expression.
pub fn reference(r: &VarRef) -> Expr {
    if r.subscripts.is_empty() {
        mk(ExprKind::Name(r.name.clone()))
    } else {
        mk(ExprKind::Indexed(r.name.clone(), r.subscripts.clone()))
    }
}

pub fn index_name(name: &str) -> IndexExpr {
    IndexExpr { terms: vec![(1, IndexAtom::Name(ident(name)))], span: Span::default() }
}

/// An index expression used as a value (`delta(k, i)`, `t - 1`).
pub fn index_value(ix: &IndexExpr) -> Expr {
    let atom = |a: &IndexAtom| match a {
        IndexAtom::Int(text, _) => mk(ExprKind::Number(text.clone())),
        IndexAtom::Name(ident) => mk(ExprKind::Name(ident.clone())),
    };
    let mut out: Option<Expr> = None;
    for (sign, a) in &ix.terms {
        out = Some(match (out, *sign < 0) {
            (None, false) => atom(a),
            (None, true) => mk(ExprKind::Neg(Box::new(atom(a)))),
            (Some(e), false) => binary(BinOp::Add, e, atom(a)),
            (Some(e), true) => binary(BinOp::Sub, e, atom(a)),
        });
    }
    out.unwrap_or_else(|| integer(0))
}

/// A value that is an index expression (a name, integers, sums and differences of them).
pub fn as_index(e: &Expr) -> Option<IndexExpr> {
    let mut terms = Vec::new();
    fn walk(e: &Expr, sign: i64, terms: &mut Vec<(i64, IndexAtom)>) -> Option<()> {
        match &e.kind {
            ExprKind::Name(ident) => terms.push((sign, IndexAtom::Name(ident.clone()))),
            ExprKind::Number(text) if text.chars().all(|c| c.is_ascii_digit()) => {
                terms.push((sign, IndexAtom::Int(text.clone(), Span::default())))
            }
            ExprKind::Neg(inner) => walk(inner, -sign, terms)?,
            ExprKind::Binary(BinOp::Add, a, b, _) => {
                walk(a, sign, terms)?;
                walk(b, sign, terms)?;
            }
            ExprKind::Binary(BinOp::Sub, a, b, _) => {
                walk(a, sign, terms)?;
                walk(b, -sign, terms)?;
            }
            _ => return None,
        }
        Some(())
    }
    walk(e, 1, &mut terms)?;
    Some(IndexExpr { terms, span: Span::default() })
}

/// The single name an index expression is, if it is one.
pub fn single_name(ix: &IndexExpr) -> Option<&str> {
    match ix.terms.as_slice() {
        [(1, IndexAtom::Name(ident))] => Some(&ident.name),
        _ => None,
    }
}

/// `ix` with each name of `map` replaced by its index expression.
pub fn subst_index(ix: &IndexExpr, map: &HashMap<String, IndexExpr>) -> IndexExpr {
    let mut terms = Vec::new();
    for (sign, atom) in &ix.terms {
        match atom {
            IndexAtom::Name(ident) if map.contains_key(&ident.name) => {
                terms.extend(map[&ident.name].terms.iter().map(|(s, a)| (s * sign, a.clone())));
            }
            _ => terms.push((*sign, atom.clone())),
        }
    }
    // `c+1-1` is `c`: cancel a name against its negation, and add up the integers.
    let mut names: Vec<(i64, IndexAtom)> = Vec::new();
    let mut constant: i64 = 0;
    let mut exact = true;
    for (sign, atom) in terms {
        match &atom {
            IndexAtom::Int(text, _) => match text.parse::<i64>() {
                Ok(v) => constant += sign * v,
                Err(_) => {
                    exact = false;
                    names.push((sign, atom));
                }
            },
            IndexAtom::Name(ident) => {
                if let Some(k) = names
                    .iter()
                    .position(|(s, a)| matches!(a, IndexAtom::Name(other) if other.name == ident.name && *s == -sign))
                {
                    names.remove(k);
                } else {
                    names.push((sign, atom));
                }
            }
        }
    }
    if exact && constant != 0 {
        let sign = if constant < 0 { -1 } else { 1 };
        names.push((sign, IndexAtom::Int(constant.abs().to_string(), Span::default())));
    }
    if names.is_empty() {
        names.push((1, IndexAtom::Int("0".to_string(), Span::default())));
    }
    IndexExpr { terms: names, span: Span::default() }
}

/// `e` with the index names of `map` replaced (in subscripts, ranges and as values), stopping
/// under a `sum` that binds one of them.
pub fn subst(e: &Expr, map: &HashMap<String, IndexExpr>) -> Expr {
    subst_with(e, map, &HashMap::new())
}

/// `e` with index names replaced by `map` and value names (function parameters) by `values`.
pub fn subst_with(e: &Expr, map: &HashMap<String, IndexExpr>, values: &HashMap<String, Expr>) -> Expr {
    if map.is_empty() && values.is_empty() {
        return e.clone();
    }
    let kind = match &e.kind {
        ExprKind::Number(_) => return e.clone(),
        ExprKind::Name(ident) => {
            if let Some(v) = values.get(&ident.name) {
                return v.clone();
            }
            match map.get(&ident.name) {
                Some(ix) => return index_value(ix),
                None => return e.clone(),
            }
        }
        ExprKind::Indexed(ident, subs) => {
            ExprKind::Indexed(ident.clone(), subs.iter().map(|s| subst_index(s, map)).collect())
        }
        ExprKind::Call { func, primes, args } => ExprKind::Call {
            func: func.clone(),
            primes: *primes,
            args: args.iter().map(|a| subst_with(a, map, values)).collect(),
        },
        ExprKind::Neg(a) => ExprKind::Neg(Box::new(subst_with(a, map, values))),
        ExprKind::Binary(op, a, b, span) => {
            ExprKind::Binary(*op, Box::new(subst_with(a, map, values)), Box::new(subst_with(b, map, values)), *span)
        }
        ExprKind::Transpose(a) => ExprKind::Transpose(Box::new(subst_with(a, map, values))),
        ExprKind::Array(items) => ExprKind::Array(items.iter().map(|a| subst_with(a, map, values)).collect()),
        ExprKind::Big { op, binder, range, body } => {
            let range = range
                .as_ref()
                .map(|r| Box::new(RangeExpr { lo: subst_index(&r.lo, map), hi: subst_index(&r.hi, map) }));
            let mut inner = map.clone();
            inner.remove(&binder.name);
            let mut inner_values = values.clone();
            inner_values.remove(&binder.name);
            ExprKind::Big {
                op: *op,
                binder: binder.clone(),
                range,
                body: Box::new(subst_with(body, &inner, &inner_values)),
            }
        }
        ExprKind::Diff { body, wrt } => ExprKind::Diff {
            body: Box::new(subst_with(body, map, values)),
            wrt: wrt
                .iter()
                .map(|w| VarRef { subscripts: w.subscripts.iter().map(|s| subst_index(s, map)).collect(), ..w.clone() })
                .collect(),
        },
    };
    Expr { kind, span: e.span }
}

/// Every name an expression mentions (references, indices, functions, binders).
pub fn names(e: &Expr, out: &mut BTreeSet<String>) {
    let ix = |i: &IndexExpr, out: &mut BTreeSet<String>| {
        for (_, a) in &i.terms {
            if let IndexAtom::Name(n) = a {
                out.insert(n.name.clone());
            }
        }
    };
    match &e.kind {
        ExprKind::Number(_) => {}
        ExprKind::Name(n) => {
            out.insert(n.name.clone());
        }
        ExprKind::Indexed(n, subs) => {
            out.insert(n.name.clone());
            subs.iter().for_each(|s| ix(s, out));
        }
        ExprKind::Call { func, args, .. } => {
            out.insert(func.name.clone());
            args.iter().for_each(|a| names(a, out));
        }
        ExprKind::Neg(a) | ExprKind::Transpose(a) => names(a, out),
        ExprKind::Binary(_, a, b, _) => {
            names(a, out);
            names(b, out);
        }
        ExprKind::Array(items) => items.iter().for_each(|a| names(a, out)),
        ExprKind::Big { binder, range, body, .. } => {
            out.insert(binder.name.clone());
            if let Some(r) = range {
                ix(&r.lo, out);
                ix(&r.hi, out);
            }
            names(body, out);
        }
        ExprKind::Diff { body, wrt } => {
            names(body, out);
            for w in wrt {
                out.insert(w.name.name.clone());
                w.subscripts.iter().for_each(|s| ix(s, out));
            }
        }
    }
}

/// The names `e` mentions free: references, indices and functions not bound by a `sum` or `prod`
/// inside it.
pub fn free_names(e: &Expr) -> BTreeSet<String> {
    fn walk(e: &Expr, bound: &mut Vec<String>, out: &mut BTreeSet<String>) {
        let ix = |i: &IndexExpr, bound: &[String], out: &mut BTreeSet<String>| {
            for (_, a) in &i.terms {
                if let IndexAtom::Name(n) = a {
                    if !bound.contains(&n.name) {
                        out.insert(n.name.clone());
                    }
                }
            }
        };
        match &e.kind {
            ExprKind::Big { binder, range, body, .. } => {
                if let Some(r) = range {
                    ix(&r.lo, bound, out);
                    ix(&r.hi, bound, out);
                }
                bound.push(binder.name.clone());
                walk(body, bound, out);
                bound.pop();
            }
            ExprKind::Name(n) if !bound.contains(&n.name) => {
                out.insert(n.name.clone());
            }
            ExprKind::Indexed(n, subs) => {
                out.insert(n.name.clone());
                subs.iter().for_each(|s| ix(s, bound, out));
            }
            ExprKind::Diff { body, wrt } => {
                walk(body, bound, out);
                for w in wrt {
                    out.insert(w.name.name.clone());
                    w.subscripts.iter().for_each(|s| ix(s, bound, out));
                }
            }
            ExprKind::Call { func, args, .. } => {
                out.insert(func.name.clone());
                args.iter().for_each(|a| walk(a, bound, out));
            }
            ExprKind::Neg(a) | ExprKind::Transpose(a) => walk(a, bound, out),
            ExprKind::Binary(_, a, b, _) => {
                walk(a, bound, out);
                walk(b, bound, out);
            }
            ExprKind::Array(items) => items.iter().for_each(|a| walk(a, bound, out)),
            ExprKind::Number(_) | ExprKind::Name(_) => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(e, &mut Vec::new(), &mut out);
    out
}

/// Whether `e` mentions the name `name` free (not bound by a `sum` inside it).
pub fn mentions(e: &Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Big { binder, range, body, .. } => {
            range.as_ref().is_some_and(|r| index_mentions(&r.lo, name) || index_mentions(&r.hi, name))
                || (binder.name != name && mentions(body, name))
        }
        _ => {
            let mut found = BTreeSet::new();
            names(e, &mut found);
            found.contains(name)
        }
    }
}

pub fn index_mentions(ix: &IndexExpr, name: &str) -> bool {
    ix.terms.iter().any(|(_, a)| matches!(a, IndexAtom::Name(n) if n.name == name))
}

/// The factors of a product: the numeric coefficient and the other factors, in order.
pub fn factors(e: &Expr) -> (BigRational, Vec<Expr>) {
    fn walk(e: &Expr, coef: &mut BigRational, out: &mut Vec<Expr>) {
        match &e.kind {
            ExprKind::Binary(BinOp::Mul, a, b, _) => {
                walk(a, coef, out);
                walk(b, coef, out);
            }
            ExprKind::Neg(a) => {
                *coef = -coef.clone();
                walk(a, coef, out);
            }
            _ => match constant(e) {
                Some(v) => *coef *= v,
                None => out.push(e.clone()),
            },
        }
    }
    let mut coef = BigRational::one();
    let mut out = Vec::new();
    walk(e, &mut coef, &mut out);
    (coef, out)
}

/// A product from a coefficient and factors.
pub fn product(coef: &BigRational, factors: Vec<Expr>) -> Expr {
    if coef.is_zero() {
        return integer(0);
    }
    let magnitude = coef.abs();
    let mut all = Vec::with_capacity(factors.len() + 1);
    if !magnitude.is_one() || factors.is_empty() {
        all.push(number(&magnitude));
    }
    all.extend(factors);
    // A minus sign on the first factor: `-2 * x`, `-a * b`.
    if coef.is_negative() {
        all[0] = neg(all[0].clone());
    }
    all.into_iter().reduce(mul).unwrap_or_else(|| integer(1))
}

/// The factors of a product of quotients: the coefficient, the numerator's factors and the
/// denominator's.
pub fn split_quotient(e: &Expr) -> (BigRational, Vec<Expr>, Vec<Expr>) {
    fn walk(e: &Expr, c: &mut BigRational, num: &mut Vec<Expr>, den: &mut Vec<Expr>) {
        let (coef, fs) = factors(e);
        *c *= coef;
        for f in fs {
            match &f.kind {
                ExprKind::Binary(BinOp::Div, a, b, _) if !is_zero(b) => {
                    walk(a, c, num, den);
                    let mut dc = BigRational::one();
                    walk(b, &mut dc, den, num);
                    if dc.is_zero() {
                        num.push(f.clone());
                    } else {
                        *c /= dc;
                    }
                }
                _ => num.push(f),
            }
        }
    }
    let mut c = BigRational::one();
    let (mut num, mut den) = (Vec::new(), Vec::new());
    walk(e, &mut c, &mut num, &mut den);
    (c, num, den)
}

/// `coef * num… / den₁ / den₂ …`, sums last in the numerator.
pub fn quotient(coef: &BigRational, num: Vec<Expr>, den: Vec<Expr>) -> Expr {
    let (sums, mut rest): (Vec<Expr>, Vec<Expr>) =
        num.into_iter().partition(|f| matches!(f.kind, ExprKind::Big { .. }));
    rest.extend(sums);
    if den.is_empty() {
        return product(coef, rest);
    }
    let numerator = product(&coef.abs(), rest);
    let q = den.into_iter().fold(numerator, div);
    if coef.is_negative() {
        neg(q)
    } else {
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_cancels_and_adds_up_integers() {
        let ix = IndexExpr {
            terms: vec![(1, IndexAtom::Name(ident("k"))), (-1, IndexAtom::Int("1".into(), Span::default()))],
            span: Span::default(),
        };
        let map = HashMap::from([(
            "k".to_string(),
            IndexExpr {
                terms: vec![(1, IndexAtom::Name(ident("t"))), (1, IndexAtom::Int("1".into(), Span::default()))],
                span: Span::default(),
            },
        )]);
        assert_eq!(index_to_string(&subst_index(&ix, &map)), "t");
    }

    #[test]
    fn trivial_products_and_sums_fold() {
        let x = mk(ExprKind::Name(ident("x")));
        assert_eq!(text(&mul(integer(1), x.clone())), "x");
        assert_eq!(text(&mul(integer(0), x.clone())), "0");
        assert_eq!(text(&add(x.clone(), neg(x.clone()))), "x - x");
        assert_eq!(text(&product(&BigRational::from_integer((-2).into()), vec![x])), "-2 * x");
    }
}
