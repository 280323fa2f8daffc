//! The small changes a wrong step is tried with: each one a typical mistake undone, made on the
//! syntax tree of the step so that it can be said in the student's own notation. Nothing here
//! decides whether a change is right; `super` has every candidate checked.

use crate::check::RepairKind;
use crate::diagnostic::Span;
use crate::syntax::ast::{BigOp, BinOp, Expr, ExprKind, Ident, IndexAtom, IndexExpr, VarRef};
use crate::syntax::print::{expr_to_string, Spelling};

/// The most candidates tried for one step.
pub(super) const MAX_CANDIDATES: usize = 400;

/// The most factors (or terms) of the step before tried as missing.
const MAX_PARTS: usize = 10;

/// The most places of the step a missing factor or term is tried at.
const MAX_PLACES: usize = 10;

/// One changed step.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    /// What kind of mistake the change undoes; also its rank (earlier kinds are smaller changes).
    pub kind: RepairKind,
    /// The part of the step that changes, where it is written (none when something is added).
    pub culprit: Option<Span>,
    /// What that part becomes, or what is added (a missing factor or term), as text.
    pub replacement: String,
    /// The whole changed step.
    pub step: Expr,
}

/// The changes tried for `step`, whose value should be that of `before`, in the order of their
/// rank: the kind first, then the size of the part changed. `indices` are the declared range
/// index names (a forgotten `sum` runs over one of them); `chain_factors` the factors the chain
/// rule brings in through the model (see [`chain_factors`]), tried as missing after the factors
/// of the step before.
pub(super) fn candidates(before: &Expr, step: &Expr, known: &Known, chain_factors: &[Expr]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let nodes = nodes(step);
    let before_calls: Vec<Expr> = nodes_of(before)
        .into_iter()
        .filter(|n| matches!(&n.kind, ExprKind::Call { args, .. } if args.len() == 1))
        .collect();
    for (path, node) in &nodes {
        index_changes(step, path, node, &mut out);
        derivative_changes(step, path, node, known, &mut out);
        function_changes(step, path, node, &before_calls, &mut out);
        transpose_changes(step, path, node, &mut out);
        name_changes(step, path, node, known, &mut out);
        sign_changes(step, path, node, &mut out);
        dropped_parts(step, path, node, &mut out);
        power_changes(step, path, node, &mut out);
    }
    missing_parts(before, step, chain_factors, &nodes, &mut out);
    forgotten_sums(before, step, &known.indices, &nodes, &mut out);
    // Equal changes made two ways are tried once; the smaller culprit is kept.
    let mut seen = std::collections::HashSet::new();
    // A part added to the whole step (no culprit) is the plainest to say: first.
    out.sort_by_key(|c| (c.kind, c.culprit.map_or(0, |s| s.end - s.start)));
    out.retain(|c| seen.insert(expr_to_string(&c.step, Spelling::Canonical)));
    let original = expr_to_string(step, Spelling::Canonical);
    out.retain(|c| expr_to_string(&c.step, Spelling::Canonical) != original);
    out.truncate(MAX_CANDIDATES);
    out
}

/// What the model declares, as the candidates use it.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The declared range index names (a forgotten `sum` runs over one of them).
    pub indices: Vec<String>,
    /// Every declared family (inputs, definitions, unknown nodes) with its number of subscripts.
    pub families: Vec<(String, usize)>,
    /// The definitions of nodes: the target as written and its body.
    pub definitions: Vec<(VarRef, Expr)>,
}

/// At most this many other names are tried in place of one.
const MAX_NAMES: usize = 12;

/// The nodes of an expression, without their paths.
fn nodes_of(e: &Expr) -> Vec<Expr> {
    nodes(e).into_iter().map(|(_, n)| n).collect()
}

/// The text of a name's subscripts, to compare references.
fn subscripts_text(subs: &[IndexExpr]) -> Vec<String> {
    subs.iter().map(crate::syntax::print::index_to_string).collect()
}

/// The family name and subscripts of a reference node.
fn reference(e: &Expr) -> Option<(&Ident, &[IndexExpr])> {
    match &e.kind {
        ExprKind::Name(name) => Some((name, &[])),
        ExprKind::Indexed(name, subs) => Some((name, subs)),
        _ => None,
    }
}

/// A node defined as a call where the call's derivative is needed: `y_phi[t]` (defined as
/// `f_phi(net_phi[t])`) → `f_phi'(net_phi[t])`, `h` (defined as `relu(z)`) → `relu'(z)`.
fn defined_derivative(e: &Expr, known: &Known) -> Option<Expr> {
    let (name, subs) = reference(e)?;
    let (_, body) = known.definitions.iter().find(|(target, _)| {
        target.name.name == name.name && subscripts_text(&target.subscripts) == subscripts_text(subs)
    })?;
    let ExprKind::Call { func, primes, args } = &body.kind else { return None };
    (args.len() == 1)
        .then(|| node(ExprKind::Call { func: func.clone(), primes: primes + 1, args: args.clone() }, e.span))
}

/// `a[j]` → `h[j]`: another declared family with as many subscripts, the same subscripts.
fn name_changes(root: &Expr, path: &[usize], e: &Expr, known: &Known, out: &mut Vec<Candidate>) {
    let Some((name, subs)) = reference(e) else { return };
    let others = known.families.iter().filter(|(other, n)| *other != name.name && *n == subs.len()).take(MAX_NAMES);
    for (other, _) in others {
        let ident = Ident { name: other.clone(), span: name.span };
        let kind = if subs.is_empty() { ExprKind::Name(ident) } else { ExprKind::Indexed(ident, subs.to_vec()) };
        push_replacement(out, RepairKind::Name, root, path, e.span, node(kind, e.span));
    }
}

/// A function of the step before dropped or added: `284.36` → `sqrt(284.36)` where the step
/// before has `sqrt(284.36)`; `f(u)` → `u` for a call the step before does not have.
fn function_changes(root: &Expr, path: &[usize], e: &Expr, before_calls: &[Expr], out: &mut Vec<Candidate>) {
    let here = text(e);
    for call in before_calls {
        let ExprKind::Call { args, .. } = &call.kind else { continue };
        if text(&args[0]) == here && !parent_calls(root, path, call) {
            let with = Expr { span: e.span, ..call.clone() };
            push_replacement(out, RepairKind::Function, root, path, e.span, with);
        }
    }
    if let ExprKind::Call { args, .. } = &e.kind {
        if args.len() == 1 && !before_calls.iter().any(|c| text(c) == here) {
            push_replacement(out, RepairKind::Function, root, path, e.span, args[0].clone());
        }
    }
}

/// Whether the node at `path` is already the argument of a call like `call`.
fn parent_calls(root: &Expr, path: &[usize], call: &Expr) -> bool {
    let Some((_, parent)) = path.split_last() else { return false };
    let same = |a: &Expr, b: &Expr| match (&a.kind, &b.kind) {
        (ExprKind::Call { func: f, primes: p, .. }, ExprKind::Call { func: g, primes: q, .. }) => {
            f.name == g.name && p == q
        }
        _ => false,
    };
    node_at(root, parent).is_some_and(|p| same(p, call))
}

/// A path from the root to a node: the child taken at each level.
type Path = Vec<usize>;

/// Every node of an expression with its path, in the order of the text (parents first).
fn nodes(e: &Expr) -> Vec<(Path, Expr)> {
    fn walk(e: &Expr, path: &mut Path, out: &mut Vec<(Path, Expr)>) {
        out.push((path.clone(), e.clone()));
        for (i, child) in children(e).into_iter().enumerate() {
            path.push(i);
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(e, &mut Vec::new(), &mut out);
    out
}

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => Vec::new(),
        ExprKind::Call { args, .. } | ExprKind::Array(args) => args.iter().collect(),
        ExprKind::Neg(a) | ExprKind::Transpose(a) => vec![a],
        ExprKind::Binary(_, a, b, _) => vec![a, b],
        ExprKind::Big { body, .. } | ExprKind::Diff { body, .. } => vec![body],
    }
}

fn child_mut(e: &mut Expr, i: usize) -> &mut Expr {
    match &mut e.kind {
        ExprKind::Call { args, .. } | ExprKind::Array(args) => &mut args[i],
        ExprKind::Neg(a) | ExprKind::Transpose(a) => a,
        ExprKind::Binary(_, a, b, _) => {
            if i == 0 {
                a
            } else {
                b
            }
        }
        ExprKind::Big { body, .. } | ExprKind::Diff { body, .. } => body,
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => unreachable!("a leaf has no child"),
    }
}

/// `root` with the node at `path` replaced.
fn replaced(root: &Expr, path: &[usize], with: Expr) -> Expr {
    let mut out = root.clone();
    let mut at = &mut out;
    for &i in path {
        at = child_mut(at, i);
    }
    *at = with;
    out
}

/// The node at `path`, if there is one.
fn node_at<'e>(root: &'e Expr, path: &[usize]) -> Option<&'e Expr> {
    let mut at = root;
    for &i in path {
        at = *children(at).get(i)?;
    }
    Some(at)
}

fn node(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn binary(op: BinOp, a: Expr, b: Expr, span: Span) -> Expr {
    node(ExprKind::Binary(op, Box::new(a), Box::new(b), span), span)
}

fn text(e: &Expr) -> String {
    expr_to_string(e, Spelling::Canonical)
}

/// Pushes the step with the node at `path` replaced by `with`, the node being the culprit.
fn push_replacement(out: &mut Vec<Candidate>, kind: RepairKind, root: &Expr, path: &[usize], at: Span, with: Expr) {
    out.push(Candidate { kind, culprit: Some(at), replacement: text(&with), step: replaced(root, path, with) });
}

/// `s[c,t]` → `s[c,t-1]`, `s[c,t+1]`; `W[j,k]` → `W[k,j]`; the same inside what a derivative is
/// taken with respect to.
fn index_changes(root: &Expr, path: &[usize], e: &Expr, out: &mut Vec<Candidate>) {
    let variants = |subs: &[IndexExpr]| -> Vec<Vec<IndexExpr>> {
        let mut v = Vec::new();
        for i in 0..subs.len() {
            for delta in [-1, 1] {
                let mut s = subs.to_vec();
                s[i] = shifted(&s[i], delta);
                v.push(s);
            }
            for j in i + 1..subs.len() {
                let mut s = subs.to_vec();
                s.swap(i, j);
                v.push(s);
            }
        }
        v
    };
    match &e.kind {
        ExprKind::Indexed(name, subs) => {
            for s in variants(subs) {
                let with = node(ExprKind::Indexed(name.clone(), s), e.span);
                push_replacement(out, RepairKind::Index, root, path, e.span, with);
            }
        }
        ExprKind::Diff { body, wrt } => {
            for (k, r) in wrt.iter().enumerate() {
                for s in variants(&r.subscripts) {
                    let mut wrt = wrt.clone();
                    wrt[k] = VarRef { subscripts: s, ..r.clone() };
                    let with = node(ExprKind::Diff { body: body.clone(), wrt }, e.span);
                    push_replacement(out, RepairKind::Index, root, path, e.span, with);
                }
            }
        }
        _ => {}
    }
}

/// An index expression plus `delta`: `t` → `t-1`, `t-1` → `t`.
fn shifted(ix: &IndexExpr, delta: i64) -> IndexExpr {
    let mut terms = ix.terms.clone();
    let constant: i64 = terms
        .iter()
        .filter_map(|(sign, atom)| match atom {
            IndexAtom::Int(text, _) => text.parse::<i64>().ok().map(|v| sign * v),
            IndexAtom::Name(_) => None,
        })
        .sum::<i64>()
        + delta;
    terms.retain(|(_, atom)| matches!(atom, IndexAtom::Name(_)));
    if constant != 0 {
        terms.push((constant.signum(), IndexAtom::Int(constant.abs().to_string(), ix.span)));
    }
    if terms.is_empty() {
        terms.push((1, IndexAtom::Int("0".to_string(), ix.span)));
    }
    IndexExpr { terms, span: ix.span }
}

/// `phi(z)` → `phi'(z)`, `phi'(z)` → `phi(z)`, `f''(x)` → `f'(x)`; a node defined as a call →
/// the call's derivative.
fn derivative_changes(root: &Expr, path: &[usize], e: &Expr, known: &Known, out: &mut Vec<Candidate>) {
    if let Some(with) = defined_derivative(e, known) {
        push_replacement(out, RepairKind::Derivative, root, path, e.span, with);
    }
    if let ExprKind::Call { func, primes, args } = &e.kind {
        let mut orders = vec![primes + 1];
        if *primes > 0 {
            orders.push(primes - 1);
        }
        for p in orders {
            let with = node(ExprKind::Call { func: func.clone(), primes: p, args: args.clone() }, e.span);
            push_replacement(out, RepairKind::Derivative, root, path, e.span, with);
        }
    }
}

/// `W` → `Wᵀ` and `Wᵀ` → `W` (only steps whose shapes agree resolve).
fn transpose_changes(root: &Expr, path: &[usize], e: &Expr, out: &mut Vec<Candidate>) {
    match &e.kind {
        ExprKind::Transpose(inner) => {
            push_replacement(out, RepairKind::Transpose, root, path, e.span, (**inner).clone());
        }
        ExprKind::Name(_) | ExprKind::Indexed(..) => {
            let with = node(ExprKind::Transpose(Box::new(e.clone())), e.span);
            push_replacement(out, RepairKind::Transpose, root, path, e.span, with);
        }
        _ => {}
    }
}

/// The sign of one term inside the step: `1 + σ` → `1 - σ`, `a - b` → `a + b`, `-x` → `x` (below
/// the root: a step that is the negation of the one before has that cause already).
fn sign_changes(root: &Expr, path: &[usize], e: &Expr, out: &mut Vec<Candidate>) {
    match &e.kind {
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b, op_span) => {
            // The culprit is the term with its sign: `+ σ(z)` where `- σ(z)` is needed.
            let flipped = if *op == BinOp::Add { BinOp::Sub } else { BinOp::Add };
            let symbol = |op: BinOp| if op == BinOp::Add { "+" } else { "-" };
            let term = if crate::syntax::print::precedence(b) <= 1 { format!("({})", text(b)) } else { text(b) };
            let with = node(ExprKind::Binary(flipped, a.clone(), b.clone(), *op_span), e.span);
            out.push(Candidate {
                kind: RepairKind::Sign,
                culprit: Some(Span::new(op_span.start, b.span.end)),
                replacement: format!("{} {term}", symbol(flipped)),
                step: replaced(root, path, with),
            });
            if !matches!(a.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) | ExprKind::Neg(_)) {
                let negated = node(ExprKind::Neg(a.clone()), a.span);
                let replacement = text(&negated);
                let with = node(ExprKind::Binary(*op, Box::new(negated), b.clone(), *op_span), e.span);
                out.push(Candidate {
                    kind: RepairKind::Sign,
                    culprit: Some(a.span),
                    replacement,
                    step: replaced(root, path, with),
                });
            }
        }
        ExprKind::Neg(inner) if !path.is_empty() => {
            push_replacement(out, RepairKind::Sign, root, path, e.span, (**inner).clone());
        }
        _ => {}
    }
}

/// A factor or a term that should not be there: `a * b` → `a` or `b`, `a / b` → `a`, `a + b` →
/// `a` or `b`, `a - b` → `a` or `-b`, `sum(c, x)` → `x`.
fn dropped_parts(root: &Expr, path: &[usize], e: &Expr, out: &mut Vec<Candidate>) {
    let mut drop = |kind: RepairKind, dropped: &Expr, kept: Expr| {
        out.push(Candidate {
            kind,
            culprit: Some(dropped.span),
            replacement: String::new(),
            step: replaced(root, path, kept),
        });
    };
    match &e.kind {
        ExprKind::Binary(BinOp::Mul | BinOp::Hadamard, a, b, _) => {
            drop(RepairKind::ExtraFactor, b, (**a).clone());
            drop(RepairKind::ExtraFactor, a, (**b).clone());
        }
        ExprKind::Binary(BinOp::Div, a, b, _) => drop(RepairKind::ExtraFactor, b, (**a).clone()),
        ExprKind::Binary(BinOp::Add, a, b, _) => {
            drop(RepairKind::ExtraTerm, b, (**a).clone());
            drop(RepairKind::ExtraTerm, a, (**b).clone());
        }
        ExprKind::Binary(BinOp::Sub, a, b, _) => {
            drop(RepairKind::ExtraTerm, b, (**a).clone());
            drop(RepairKind::ExtraTerm, a, node(ExprKind::Neg(b.clone()), b.span));
        }
        ExprKind::Big { op: BigOp::Sum, body, .. } => {
            let sum_span = Span::new(e.span.start, body.span.start);
            out.push(Candidate {
                kind: RepairKind::ExtraSum,
                culprit: Some(sum_span),
                replacement: String::new(),
                step: replaced(root, path, (**body).clone()),
            });
        }
        _ => {}
    }
}

/// A power dropped or forgotten: `tanh(x)^2` → `tanh(x)`, `tanh(x)` → `tanh(x)^2` (the
/// derivative of `tanh` is `1 - tanh²`).
fn power_changes(root: &Expr, path: &[usize], e: &Expr, out: &mut Vec<Candidate>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Pow, base, exponent, _) if matches!(exponent.kind, ExprKind::Number(_)) => {
            push_replacement(out, RepairKind::Power, root, path, e.span, (**base).clone());
        }
        _ if matches!(e.kind, ExprKind::Call { .. } | ExprKind::Name(_) | ExprKind::Indexed(..))
            || is_denominator(root, path) =>
        {
            let two = node(ExprKind::Number("2".to_string()), e.span);
            let with = binary(BinOp::Pow, e.clone(), two, e.span);
            push_replacement(out, RepairKind::Power, root, path, e.span, with);
        }
        _ => {}
    }
}

/// Whether the node at `path` is the denominator of a quotient.
fn is_denominator(root: &Expr, path: &[usize]) -> bool {
    let Some((&last, parent)) = path.split_last() else { return false };
    last == 1 && node_at(root, parent).is_some_and(|p| matches!(p.kind, ExprKind::Binary(BinOp::Div, ..)))
}

/// The factors of a product (a quotient's numerator's and the division by its denominator kept
/// whole), through negations.
fn factors(e: &Expr, out: &mut Vec<Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, a, b, _) => {
            factors(a, out);
            factors(b, out);
        }
        ExprKind::Binary(BinOp::Div, a, _, _) => factors(a, out),
        ExprKind::Neg(a) => factors(a, out),
        _ => out.push(e.clone()),
    }
}

/// The factors of an expression's product and of the products of its terms.
fn term_factors(e: &Expr) -> Vec<Expr> {
    let mut fs = Vec::new();
    for t in std::iter::once(e.clone()).chain(e.terms().into_iter().map(|(_, t)| t)) {
        factors(&t, &mut fs);
    }
    fs
}

/// A factor or a term of the step before that the step lacks, put back: at the whole step, at
/// each term of a sum, or at each product.
fn missing_parts(before: &Expr, step: &Expr, extra: &[Expr], nodes: &[(Path, Expr)], out: &mut Vec<Candidate>) {
    let have: Vec<String> = term_factors(step).iter().map(text).collect();
    // Every factor of the step before and of its terms, then the chain-rule factors `extra`, each
    // once, unless the step has it.
    let mut wanted: Vec<(RepairKind, Expr)> = Vec::new();
    let kinds = term_factors(before)
        .into_iter()
        .map(|f| (RepairKind::MissingFactor, f))
        .chain(extra.iter().map(|f| (RepairKind::MissingChainFactor, f.clone())));
    for (kind, f) in kinds {
        let t = text(&f);
        if !have.contains(&t) && !wanted.iter().any(|(_, w)| text(w) == t) && !matches!(f.kind, ExprKind::Number(_)) {
            wanted.push((kind, f));
        }
    }
    wanted.truncate(MAX_PARTS);
    // A factor of the step in place of one of those: `g(net[c,t])` where `s[c,t-1]` is needed.
    for (path, n) in nodes.iter().filter(|(path, _)| parent_is_product(step, path)) {
        for (_, f) in wanted.iter().filter(|(kind, _)| *kind == RepairKind::MissingFactor) {
            push_replacement(out, RepairKind::WrongFactor, step, path, n.span, Expr { span: n.span, ..f.clone() });
        }
    }
    // Places: the whole step, the terms of its sums, its products.
    let places: Vec<&(Path, Expr)> = nodes
        .iter()
        .filter(|(path, n)| {
            path.is_empty() || matches!(n.kind, ExprKind::Binary(BinOp::Mul, ..)) || parent_is_sum(step, path)
        })
        .take(MAX_PLACES)
        .collect();
    for (kind, f) in &wanted {
        for (path, n) in &places {
            let with = binary(BinOp::Mul, n.clone(), f.clone(), n.span);
            out.push(Candidate {
                kind: *kind,
                culprit: (!path.is_empty()).then_some(n.span),
                replacement: text(f),
                step: replaced(step, path, with),
            });
        }
    }
    let have: Vec<String> = step.terms().iter().map(|(_, t)| text(t)).collect();
    let before_terms = before.terms();
    let sums: Vec<&(Path, Expr)> = nodes
        .iter()
        .filter(|(path, n)| path.is_empty() || matches!(n.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)))
        .take(MAX_PLACES)
        .collect();
    for (positive, t) in before_terms.iter().filter(|(_, t)| !have.contains(&text(t))).take(MAX_PARTS) {
        if before_terms.len() < 2 {
            break;
        }
        for (path, n) in &sums {
            let op = if *positive { BinOp::Add } else { BinOp::Sub };
            let with = binary(op, n.clone(), t.clone(), n.span);
            let shown = if *positive { text(t) } else { format!("-{}", text(t)) };
            out.push(Candidate {
                kind: RepairKind::MissingTerm,
                culprit: (!path.is_empty()).then_some(n.span),
                replacement: shown,
                step: replaced(step, path, with),
            });
        }
    }
}

/// The factors the chain rule brings in: for every call `f(u)` in the model's definitions and in
/// what the head or the step before differentiate, `f'(u)`; and `∂u/∂x` for the argument `u` of a
/// call inside a derivative with respect to `x`. Each once, in the order found.
pub(super) fn chain_factors(definitions: &[&Expr], differentiated: &[&Expr]) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    let push = |e: Expr, out: &mut Vec<Expr>| {
        if !out.iter().any(|o| text(o) == text(&e)) {
            out.push(e);
        }
    };
    let derivative_of = |n: &Expr| -> Option<Expr> {
        let ExprKind::Call { func, primes, args } = &n.kind else { return None };
        (args.len() == 1)
            .then(|| node(ExprKind::Call { func: func.clone(), primes: primes + 1, args: args.clone() }, n.span))
    };
    for e in differentiated {
        for (_, n) in nodes(e) {
            let ExprKind::Diff { body, wrt } = &n.kind else { continue };
            for (_, inner) in nodes(body) {
                if let Some(d) = derivative_of(&inner) {
                    push(d, &mut out);
                }
                if let ExprKind::Call { args, .. } = &inner.kind {
                    for a in args.iter().filter(|a| !matches!(a.kind, ExprKind::Name(_) | ExprKind::Indexed(..))) {
                        let d = node(ExprKind::Diff { body: Box::new(a.clone()), wrt: wrt.clone() }, a.span);
                        push(d, &mut out);
                    }
                }
            }
        }
    }
    for e in definitions {
        for (_, n) in nodes(e) {
            if let Some(d) = derivative_of(&n) {
                push(d, &mut out);
            }
        }
    }
    // The factors of the definitions' products (a gate `y_out[t]`, a weight `W[i,k]`).
    for e in definitions {
        let mut fs = Vec::new();
        let ts = e.terms();
        for (_, t) in &ts {
            factors(t, &mut fs);
        }
        if fs.len() > ts.len() {
            for f in fs.into_iter().filter(|f| !matches!(f.kind, ExprKind::Number(_))) {
                push(f, &mut out);
            }
        }
    }
    out
}

fn parent_is_product(root: &Expr, path: &[usize]) -> bool {
    let Some((_, parent)) = path.split_last() else { return false };
    node_at(root, parent).is_some_and(|p| matches!(p.kind, ExprKind::Binary(BinOp::Mul | BinOp::Hadamard, ..)))
}

fn parent_is_sum(root: &Expr, path: &[usize]) -> bool {
    let Some((_, parent)) = path.split_last() else { return false };
    node_at(root, parent).is_some_and(|p| matches!(p.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)))
}

/// A range index free in the step but not in the step before: a `sum` over it, around the whole
/// step, a term or a factor.
fn forgotten_sums(before: &Expr, step: &Expr, indices: &[String], nodes: &[(Path, Expr)], out: &mut Vec<Candidate>) {
    let before_free: Vec<String> = before.free_name_uses().into_iter().map(|(n, _)| n).collect();
    for (name, _) in step.free_name_uses() {
        if !indices.contains(&name) || before_free.contains(&name) {
            continue;
        }
        for (path, n) in nodes.iter().take(MAX_PLACES * 2) {
            // Around a part that holds every use of the index.
            let rest = replaced(step, path, node(ExprKind::Number("0".to_string()), n.span));
            if rest.free_name_uses().iter().any(|(m, _)| *m == name) {
                continue;
            }
            let binder = Ident { name: name.clone(), span: n.span };
            let with = node(ExprKind::Big { op: BigOp::Sum, binder, range: None, body: Box::new(n.clone()) }, n.span);
            out.push(Candidate {
                kind: RepairKind::MissingSum,
                culprit: Some(n.span),
                replacement: text(&with),
                step: replaced(step, path, with),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{candidates, shifted};
    use crate::check::RepairKind;
    use crate::syntax::ast::{IndexExpr, Item};
    use crate::syntax::parse_file;
    use crate::syntax::print::{expr_to_string, index_to_string, Spelling};

    fn steps(before: &str, step: &str) -> (crate::syntax::ast::Expr, crate::syntax::ast::Expr) {
        let (file, errors) = parse_file(&format!("derive {before}\n  = {step}\n"));
        assert!(errors.is_empty(), "{errors:?}");
        let Item::Derivation(d) = &file.items[0] else { panic!("a derivation") };
        (d.head.clone(), d.steps[0].expr.clone())
    }

    fn tried(before: &str, step: &str, kind: RepairKind) -> Vec<String> {
        let (b, s) = steps(before, step);
        let known = super::Known { indices: vec!["c".to_string(), "j".to_string()], ..Default::default() };
        candidates(&b, &s, &known, &[])
            .into_iter()
            .filter(|c| c.kind == kind)
            .map(|c| expr_to_string(&c.step, Spelling::Canonical))
            .collect()
    }

    #[test]
    fn index_shifts_and_swaps() {
        let (_, s) = steps("x", "s[c, t]");
        let crate::syntax::ast::ExprKind::Indexed(_, subs) = &s.kind else { panic!() };
        let text = |ix: &IndexExpr| index_to_string(ix);
        assert_eq!(text(&shifted(&subs[1], -1)), "t-1");
        assert_eq!(text(&shifted(&shifted(&subs[1], -1), 1)), "t");
        let got = tried("x", "s[c, t]", RepairKind::Index);
        for want in ["s[c,t-1]", "s[c,t+1]", "s[t,c]"] {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
    }

    #[test]
    fn missing_factor_of_the_step_before() {
        let got = tried("a * f'(z) * w", "a * w", RepairKind::MissingFactor);
        assert!(got.contains(&"a * w * f'(z)".to_string()), "{got:?}");
    }

    #[test]
    fn sign_inside_a_sum_and_a_dropped_term() {
        let got = tried("x", "s * (1 + s)", RepairKind::Sign);
        assert!(got.contains(&"s * (1 - s)".to_string()), "{got:?}");
        let got = tried("x", "a + b * c", RepairKind::ExtraTerm);
        assert!(got.contains(&"a".to_string()) && got.contains(&"b * c".to_string()), "{got:?}");
    }

    #[test]
    fn forgotten_sum_around_the_part_that_uses_the_index() {
        let got = tried("sum(c, w[c]) + b", "w[c] + b", RepairKind::MissingSum);
        assert!(got.contains(&"sum(c, w[c]) + b".to_string()), "{got:?}");
    }

    #[test]
    fn nothing_unchanged_is_tried() {
        let (b, s) = steps("x + y", "x + y");
        let original = expr_to_string(&s, Spelling::Canonical);
        assert!(candidates(&b, &s, &super::Known::default(), &[])
            .iter()
            .all(|c| expr_to_string(&c.step, Spelling::Canonical) != original));
    }
}
