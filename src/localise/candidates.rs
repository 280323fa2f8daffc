//! The small changes a wrong step is tried with: each one a typical mistake undone, made on the
//! syntax tree of the step so that it can be said in the student's own notation. Nothing here
//! decides whether a change is right; `super` has every candidate checked.

use std::borrow::Cow;

use num_rational::BigRational;
use num_traits::{One, Signed};
use rustc_hash::{FxHashMap, FxHashSet};

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

/// The most constant factors of the worked answer tried as missing.
const MAX_CONSTANTS: usize = 3;

/// The most factors tried in place of each factor of the step.
const MAX_REPLACING: usize = 6;

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
    /// For a wrong derivative of a builtin: the primed call (`sigmoid'(z)`) and its derivative;
    /// for a chain-rule factor said as what it works out to: the factor as the rules write it
    /// (`diff(2 * z, z)`) and that value (`2`); for a term missing inside a bracket: the sum it
    /// makes with the part beside it, twice (said as `(a - b)`).
    pub of: Option<(String, String)>,
}

/// What the step before works out to and what the model brings in, beyond the step before itself:
/// where the parts a wrong step lacks are looked for.
#[derive(Debug, Default)]
pub(super) struct Hints {
    /// The factors the chain rule brings in through the model (see [`chain_factors`]).
    pub chain: Vec<Expr>,
    /// The forms `derive` works the step before and the head out to (unchecked), each answer last.
    pub worked: Vec<Expr>,
    /// What the derivatives that are factors of the step before work out to (`x[k]` for
    /// `∂a[j]/∂W1[j,k]`): tried as missing before anything else the worked forms have.
    pub values: Vec<Expr>,
    /// The range indices free in the head.
    pub head_free: Vec<String>,
    /// Whether the head takes a derivative (else no factor is the chain rule's).
    pub head_has_diff: bool,
    /// The factors the derivatives of the head and the step before carry through (see
    /// [`carried_factors`]).
    pub carried: Vec<String>,
    /// The builtin calls that are differentiated (in the head, the step before or the model's
    /// definitions), each with its derivative spelled out (`sigmoid(z)` and
    /// `sigmoid(z) * (1 - sigmoid(z))`).
    pub derivatives: Vec<(Expr, Expr)>,
    /// Chain-rule factors said as what they work out to, by their text: `2` for `diff(2 * z, z)`,
    /// `exp(x)` for `exp'(x)` (where that is short: `localise::hints`).
    pub said: FxHashMap<String, Expr>,
}

/// `e` with every part whose text is `from` replaced by `to`.
pub(super) fn substituted(e: &Expr, from: &str, to: &Expr) -> Expr {
    if text(e) == from {
        return Expr { span: e.span, ..to.clone() };
    }
    let mut out = e.clone();
    for i in 0..children(e).len() {
        let child = substituted(children(e)[i], from, to);
        *child_mut(&mut out, i) = child;
    }
    out
}

/// The factors of an expression's product and of the products of its terms.
pub(super) fn factors_of(e: &Expr) -> Vec<Cow<'_, Expr>> {
    term_factors(e)
}

/// Whether `e` is a constant: numbers and declared sizes only (`2`, `1/N`, `1 / sqrt(dk)`).
fn is_constant(e: &Expr, known: &Known) -> bool {
    !any_node(e, &|n| match &n.kind {
        ExprKind::Name(name) => !known.sizes.contains(&name.name),
        ExprKind::Indexed(..) | ExprKind::Diff { .. } | ExprKind::Big { .. } | ExprKind::Array(_) => true,
        _ => false,
    })
}

/// Whether some node of `e` (`e` itself included) is one `p` holds for: [`nodes_of`]'s question
/// without copying the nodes.
pub(super) fn any_node(e: &Expr, p: &impl Fn(&Expr) -> bool) -> bool {
    p(e) || children(e).into_iter().any(|c| any_node(c, p))
}

/// The factors of `e`'s product and of its terms, and, inside a factor that is a sum or a
/// `sum`, the factors of its terms (a few levels down): where a worked form keeps the factor a
/// step lacks (`w` in `h[t-1] + w * (1 - h[t-1]^2) * h[t-2]`).
pub(super) fn deep_factors(e: &Expr) -> Vec<Cow<'_, Expr>> {
    fn walk<'e>(e: &'e Expr, depth: usize, out: &mut Vec<Cow<'e, Expr>>) {
        for f in term_factors(e) {
            // (A factor made here, the division by a denominator, is neither a sum nor a `sum`.)
            if let (true, Cow::Borrowed(f)) = (depth > 0, &f) {
                match &f.kind {
                    ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => walk(f, depth - 1, out),
                    ExprKind::Big { body, .. } => walk(body, depth - 1, out),
                    _ => {}
                }
            }
            out.push(f);
        }
    }
    let mut out = Vec::new();
    walk(e, 3, &mut out);
    out
}

/// The changes tried for `step`, whose value should be that of `before`, in the order of their
/// rank: the kind first, then the size of the part changed. `known` is what the model declares;
/// `hints` what the step before works out to and the chain rule brings in, tried after the
/// parts of the step before.
pub(super) fn candidates(before: &Expr, step: &Expr, known: &Known, hints: &Hints) -> Vec<Candidate> {
    let mut out = Vec::new();
    let nodes = nodes(step);
    let mut before_calls: Vec<Expr> = Vec::new();
    // (Their texts, each printed once.)
    let mut before_call_texts: FxHashSet<String> = FxHashSet::default();
    let worked_calls =
        hints.worked.iter().flat_map(nodes_of).filter(|n| !matches!(n.kind, ExprKind::Call { primes: 1.., .. }));
    for n in nodes_of(before).into_iter().chain(worked_calls) {
        if matches!(&n.kind, ExprKind::Call { args, .. } if args.len() == 1) && before_call_texts.insert(text(&n)) {
            before_calls.push(n.clone());
        }
    }
    // The range indices free in the step before or the head, each once.
    let mut renames: Vec<String> = Vec::new();
    for (name, _) in
        before.free_name_uses().into_iter().chain(hints.head_free.iter().cloned().map(|n| (n, Span::new(0, 0))))
    {
        if known.indices.contains(&name) && !renames.contains(&name) {
            renames.push(name);
        }
    }
    // The names the step before and the head read, through the definitions: a name defined as a
    // number that they do not read is no name the step should have (a TA: "`K` where `rw` is
    // needed" in a BCE gradient, `rw = 1` the reward of another exercise on the sheet).
    let read = names_read(known, before, &hints.head_free);
    // The parts written in the step before or in the model's definitions: such a part of the
    // step is carried over, not a derivative the student wrote (`1 - σ(af)` of `log(1 - σ(af))`).
    let written_before: FxHashSet<String> = nodes_of(before)
        .iter()
        .chain(known.definitions.iter().flat_map(|(_, body)| nodes_of(body)).collect::<Vec<_>>().iter())
        .filter(|n| !matches!(n.kind, ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..)))
        .map(|n| text(n))
        .collect();
    for (path, node) in &nodes {
        // Inside a sum, its bound index too: `xhat[k]` where the sum's `xhat[d]` is needed, `a[i]`
        // for `a[j]` (the commonest slip of batch norm, layer norm and attention; a student
        // tester's F03).
        let bound = bound_around(step, path);
        if bound.is_empty() {
            index_changes(step, path, node, &renames, &mut out);
        } else {
            let mut here = renames.clone();
            here.extend(bound.into_iter().filter(|b| !renames.contains(b)));
            index_changes(step, path, node, &here, &mut out);
        }
        derivative_changes(step, path, node, known, &mut out);
        if !written_before.contains(&text(node)) {
            builtin_derivative_changes(step, path, node, &hints.derivatives, &mut out);
        }
        function_changes(step, path, node, &before_calls, &mut out);
        transpose_changes(step, path, node, known, &mut out);
        name_changes(step, path, node, known, &read, &mut out);
        sign_changes(step, path, node, &mut out);
        dropped_parts(step, path, node, known, &mut out);
        extra_sums(step, path, node, &renames, &mut out);
        power_changes(step, path, node, &mut out);
        inverted_factors(step, path, node, known, &mut out);
    }
    swapped_parts(step, &nodes, &mut out);
    // A matrix step written the wrong way round (`h * (o - t)^T` for `(o - t) * h^T`): its
    // transpose, said as written out.
    if nodes.iter().any(|(_, n)| transpose_of(n).is_some()) {
        push_replacement(&mut out, RepairKind::Transpose, step, &[], step.span, transposed(step, step));
    }
    // A step in numbers is repaired in numbers: the names defined as numbers written out.
    let before_in_numbers = in_numbers(before, step, known);
    missing_parts(&before_in_numbers, step, known, hints, &read, &nodes, &mut out);
    missing_inner_terms(&before_in_numbers, step, hints, &nodes, &mut out);
    forgotten_sums(before, step, &known.indices, &nodes, &mut out);
    number_slips(&arithmetic_in_numbers(&before_in_numbers, step, known), step, &nodes, &mut out);
    // Equal changes made two ways are tried once; the smaller culprit is kept.
    let mut seen = FxHashSet::default();
    // A part added to the whole step (no culprit) is the plainest to say: first. A number of the
    // step replaced by an expression with names in it (`2` where `delta(i2, i)` is needed, true
    // only because δ² = δ) ranks after the number dropped or a constant factor put back: an extra
    // `2` is an extra `2`.
    let numbers: FxHashSet<(usize, usize)> = nodes
        .iter()
        .filter(|(_, n)| matches!(n.kind, ExprKind::Number(_)))
        .map(|(_, n)| (n.span.start, n.span.end))
        .collect();
    let named = |t: &str| t.chars().any(char::is_alphabetic);
    // A builtin's derivative turned round (`1 - h[t]^2` → `h[t]^2 - 1`, tanh′ as written) ranks
    // after the other signs: the sign between the terms is the likelier slip
    // (`h[t] - w * (1 - h[t]^2) * h[t-1]` where `+` is needed).
    let derivative_parts: FxHashSet<String> =
        hints.derivatives.iter().flat_map(|(_, d)| factors_of(d).into_iter().map(|f| text(&f))).collect();
    let turned: FxHashSet<(usize, usize)> = nodes
        .iter()
        .filter(|(_, n)| matches!(n.kind, ExprKind::Binary(BinOp::Sub, ..)) && derivative_parts.contains(&text(n)))
        .map(|(_, n)| (n.span.start, n.span.end))
        .collect();
    // A sum replaced whole by another part ranks after the sum taken out (its term left): "the
    // sum should not be there" says the slip, "`sum(k, …)` where `1 - sigmoid(-s[k])` is needed"
    // only what to write (word2vec's negatives summed: a student tester).
    let sums: FxHashSet<(usize, usize)> = nodes
        .iter()
        .filter(|(_, n)| matches!(n.kind, ExprKind::Big { .. }))
        .map(|(_, n)| (n.span.start, n.span.end))
        .collect();
    // A factor put on a part of a term that could go whole ranks after the term dropped: where
    // both make the step follow, the factor makes the term 0 (`diff(w * a, w, w)` missing from
    // `y * a`, `1 / (2 * pi)` from the `2 * pi` of `log(2 * pi) / 2`: a student tester), and the
    // term that should not be there is the slip.
    let dropped: Vec<Span> = out.iter().filter(|c| c.kind == RepairKind::ExtraTerm).filter_map(|c| c.culprit).collect();
    let kills_a_term = |c: &Candidate| {
        matches!(c.kind, RepairKind::MissingFactor | RepairKind::MissingChainFactor)
            && c.culprit.is_some_and(|at| dropped.iter().any(|t| t.start <= at.start && at.end <= t.end))
    };
    out.sort_by_key(|c| {
        let at = c.culprit.map(|s| (s.start, s.end));
        let late =
            c.kind == RepairKind::WrongFactor && named(&c.replacement) && at.is_some_and(|at| numbers.contains(&at))
                || c.kind == RepairKind::Sign && at.is_some_and(|at| turned.contains(&at));
        let of_sum = c.kind == RepairKind::WrongFactor && at.is_some_and(|at| sums.contains(&at));
        let of_term = kills_a_term(c);
        let kind = match (late, of_sum, of_term) {
            (true, ..) => RepairKind::ConstantFactor,
            (false, true, _) => RepairKind::ExtraSum,
            (false, false, true) => RepairKind::ExtraTerm,
            _ => c.kind,
        };
        (kind, late || of_sum || of_term, c.culprit.map_or(0, |s| s.end - s.start))
    });
    // (And the step itself is no change.) Each candidate printed once. A change that makes a
    // part a difference of equal parts (`yh[n] - yh[n]`) removes that part in disguise: the part
    // dropped says it (an extra term), the disguise would say "`t[n]` where `yh[n]` is needed".
    let original = expr_to_string(step, Spelling::Canonical);
    let self_differences = |e: &Expr| {
        nodes_of(e)
            .into_iter()
            .filter(|n| matches!(&n.kind, ExprKind::Binary(BinOp::Sub, a, b, _) if text(a) == text(b)))
            .count()
    };
    let had = self_differences(step);
    out.retain(|c| {
        let changed = expr_to_string(&c.step, Spelling::Canonical);
        changed != original && self_differences(&c.step) <= had && seen.insert(changed)
    });
    out.truncate(MAX_CANDIDATES);
    // A part replaced is said as the whole of what was written where it stands: in LaTeX one
    // notation may read as several nodes (`\tanh^2(x)` as `tanh(x)^2`, `\mathbb{1}[c > a]` as
    // a difference inside a step), all at its place, and "`\tanh^2(a_j)` where `\tilde h_j` is
    // needed" replaced the whole where only `tanh(a_j)` was (a student tester).
    for c in &mut out {
        let replaces = matches!(
            c.kind,
            RepairKind::Index
                | RepairKind::Derivative
                | RepairKind::Function
                | RepairKind::Transpose
                | RepairKind::Name
                | RepairKind::Sign
                | RepairKind::Power
                | RepairKind::WrongFactor
        );
        let Some(at) = c.culprit.filter(|_| replaces) else { continue };
        // (The outermost node written there comes first.)
        let Some((path, _)) = nodes.iter().find(|(_, n)| n.span == at) else { continue };
        if let Some(whole) = node_at(&c.step, path).filter(|n| n.span == at) {
            c.replacement = text(whole);
        }
    }
    out
}

/// What the model declares, as the candidates use it.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The sizes the index ranges are declared with (`N` of `n in 1..N`): constants.
    pub sizes: Vec<String>,
    /// The declared range index names (a forgotten `sum` runs over one of them).
    pub indices: Vec<String>,
    /// Every declared family (inputs, definitions, unknown nodes) with its number of subscripts.
    pub families: Vec<(String, usize)>,
    /// The definitions of nodes: the target as written and its body.
    pub definitions: Vec<(VarRef, Expr)>,
    /// Whether the model declares an input (a `var` or an `unknown`): without one, every step
    /// is a number, and a change is verified at that one point.
    pub inputs: bool,
    /// The inputs declared as one number (`var g`): transposing one changes nothing, so it is no
    /// repair (a step wrong on a sliver the verification's samples missed was "repaired" so).
    pub scalars: Vec<String>,
    /// The names of the inputs (`var`): held fixed, so a derivative of one by anything else is 0.
    pub vars: Vec<String>,
    /// The model's functions (`let g(u) = u * w`): name, parameters and body.
    pub functions: Vec<(String, Vec<String>, Expr)>,
}

/// At most this many factors that only some terms of the step have are tried as missing from the
/// others (after the [`MAX_PARTS`] the step lacks altogether).
const MAX_DEFERRED: usize = 3;

/// At most this many other names are tried in place of one.
const MAX_NAMES: usize = 12;

/// The nodes of an expression, without their paths.
pub(super) fn nodes_of(e: &Expr) -> Vec<&Expr> {
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
/// Whether an expression takes a derivative: a `diff` or a prime (`f'(z)`).
pub(super) fn takes_a_derivative(e: &Expr) -> bool {
    e.has_diff() || nodes_of(e).iter().any(|n| matches!(n.kind, ExprKind::Call { primes: 1.., .. }))
}

/// The names `before` and `head_free` read, and those their definitions read, and so on.
fn names_read(known: &Known, before: &Expr, head_free: &[String]) -> FxHashSet<String> {
    // (Families read with subscripts too: `free_name_uses` names their subscripts only.)
    let names = |e: &Expr| -> Vec<String> {
        let mut out: Vec<String> = e.free_name_uses().into_iter().map(|(n, _)| n).collect();
        out.extend(nodes_of(e).into_iter().filter_map(|n| match &n.kind {
            ExprKind::Indexed(id, _) | ExprKind::Name(id) => Some(id.name.clone()),
            _ => None,
        }));
        out
    };
    let mut read: FxHashSet<String> = names(before).into_iter().collect();
    read.extend(head_free.iter().cloned());
    let mut queue: Vec<String> = read.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        for (_, body) in known.definitions.iter().filter(|(target, _)| target.name.name == name) {
            for n in names(body) {
                if read.insert(n.clone()) {
                    queue.push(n);
                }
            }
        }
    }
    read
}

fn name_changes(
    root: &Expr,
    path: &[usize],
    e: &Expr,
    known: &Known,
    read: &FxHashSet<String>,
    out: &mut Vec<Candidate>,
) {
    let Some((name, subs)) = reference(e) else { return };
    // A name defined as a number alone (`let rw = 1`) stands for that number: only where what is
    // compared reads it.
    let a_number = |other: &str| {
        let mut bodies = known.definitions.iter().filter(|(target, _)| target.name.name == other).peekable();
        bodies.peek().is_some() && bodies.all(|(_, body)| body.free_name_uses().is_empty())
    };
    // What a `diff` differentiates becomes nothing that is computed without what it is
    // differentiated by: `∂s0/∂h2` is 0, and "`L` where `s0` is needed" said that a term should
    // not be there (a student tester), which a dropped term says.
    let by: Vec<&str> = path
        .split_last()
        .filter(|(&last, _)| last == 0)
        .and_then(|(_, parent)| match &node_at(root, parent)?.kind {
            ExprKind::Diff { wrt, .. } => Some(wrt.iter().map(|w| w.name.name.as_str()).collect()),
            _ => None,
        })
        .unwrap_or_default();
    // The names of the same stem first (the others in order of declaration): `o1` for `o2` (a
    // time step slipped) was the 13th of an LSTM's names, past the [`MAX_NAMES`] tried (a student
    // tester). (Nearest in spelling first was tried: it put every one-letter name before `zeta`,
    // and lost the corpus's "`u` where `zeta` is needed".)
    let mut others: Vec<&(String, usize)> = known
        .families
        .iter()
        .filter(|(other, n)| *other != name.name && *n == subs.len())
        .filter(|(other, _)| by.iter().all(|x| may_depend(known, other, x, &mut Vec::new())))
        .filter(|(other, _)| read.contains(other) || !a_number(other))
        .collect();
    let stem = |n: &str| n.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    let own = stem(&name.name);
    others.sort_by_key(|(other, _)| own.is_empty() || own == name.name || stem(other) != own);
    let others = others.into_iter().take(MAX_NAMES);
    for (other, _) in others {
        let ident = Ident { name: other.clone(), span: name.span };
        let kind = if subs.is_empty() { ExprKind::Name(ident) } else { ExprKind::Indexed(ident, subs.to_vec()) };
        push_replacement(out, RepairKind::Name, root, path, e.span, node(kind, e.span));
    }
}

/// Whether the family `name` may be computed from `on`: it is `on`, or not an input and not
/// known to be computed without it (a definition whose body reads nothing that may be).
fn may_depend<'k>(known: &'k Known, name: &'k str, on: &str, seen: &mut Vec<&'k str>) -> bool {
    if name == on {
        return true;
    }
    if known.vars.iter().any(|v| v == name) || seen.contains(&name) {
        return false;
    }
    seen.push(name);
    let mut bodies = known.definitions.iter().filter(|(target, _)| target.name.name == name).peekable();
    if bodies.peek().is_none() {
        // An unknown node, or a name the candidates do not know: it may be.
        return true;
    }
    bodies.any(|(_, body)| reads_what_may_depend(known, body, &[], on, seen))
}

/// Whether an expression reads a name that may be computed from `on` ([`may_depend`]), through
/// the model's functions it calls too (`let g(u) = u*w` reads `w`: a reviewer's `h = g(x)` lost
/// its repair); `params` are the names local to the function whose body this is.
fn reads_what_may_depend<'k>(
    known: &'k Known,
    e: &'k Expr,
    params: &[String],
    on: &str,
    seen: &mut Vec<&'k str>,
) -> bool {
    nodes_of(e).into_iter().any(|n| match &n.kind {
        ExprKind::Call { func, .. } => {
            let Some((name, own, body)) = known.functions.iter().find(|f| f.0 == func.name) else { return false };
            if seen.contains(&name.as_str()) {
                return false;
            }
            seen.push(name);
            reads_what_may_depend(known, body, own, on, seen)
        }
        _ => reference(n)
            .is_some_and(|(read, _)| !params.contains(&read.name) && may_depend(known, &read.name, on, seen)),
    })
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

/// A scalar input multiplied where it divides, or dividing where it multiplies: `T` where `1 / T`
/// is needed (a temperature, a learning rate, a batch size; a student tester's finding: "multiplied
/// by T" had no repair), and `x / T` replaced by `x * T`.
fn inverted_factors(root: &Expr, path: &[usize], e: &Expr, known: &Known, out: &mut Vec<Candidate>) {
    let ExprKind::Name(ident) = &e.kind else { return };
    if !known.scalars.contains(&ident.name) {
        return;
    }
    let Some((_, up)) = path.split_last() else { return };
    let Some(parent) = node_at(root, up) else { return };
    match &parent.kind {
        ExprKind::Binary(BinOp::Mul, ..) => {
            let one = node(ExprKind::Number("1".to_string()), e.span);
            push_replacement(
                out,
                RepairKind::WrongFactor,
                root,
                path,
                e.span,
                binary(BinOp::Div, one, e.clone(), e.span),
            );
        }
        ExprKind::Binary(BinOp::Div, num, den, op) if std::ptr::eq(den.as_ref(), e) => {
            let with = node(ExprKind::Binary(BinOp::Mul, num.clone(), den.clone(), *op), parent.span);
            push_replacement(out, RepairKind::WrongFactor, root, up, parent.span, with);
        }
        _ => {}
    }
}

/// A path from the root to a node: the child taken at each level.
type Path = Vec<usize>;

/// Every node of an expression with its path, in the order of the text (parents first).
fn nodes(e: &Expr) -> Vec<(Path, &Expr)> {
    fn walk<'e>(e: &'e Expr, path: &mut Path, out: &mut Vec<(Path, &'e Expr)>) {
        out.push((path.clone(), e));
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

/// `root` with the node at `path` replaced. (Only the nodes off the path are copied: the node
/// replaced is not copied to be dropped.)
fn replaced(root: &Expr, path: &[usize], with: Expr) -> Expr {
    let Some((&i, rest)) = path.split_first() else { return with };
    let mut child = Some(replaced(children(root)[i], rest, with));
    let mut pick = |k: usize, e: &Expr| if k == i { child.take().expect("one child replaced") } else { e.clone() };
    let kind = match &root.kind {
        ExprKind::Call { func, primes, args } => ExprKind::Call {
            func: func.clone(),
            primes: *primes,
            args: args.iter().enumerate().map(|(k, a)| pick(k, a)).collect(),
        },
        ExprKind::Array(items) => ExprKind::Array(items.iter().enumerate().map(|(k, a)| pick(k, a)).collect()),
        ExprKind::Neg(a) => ExprKind::Neg(Box::new(pick(0, a))),
        ExprKind::Transpose(a) => ExprKind::Transpose(Box::new(pick(0, a))),
        ExprKind::Binary(op, a, b, span) => ExprKind::Binary(*op, Box::new(pick(0, a)), Box::new(pick(1, b)), *span),
        ExprKind::Big { op, binder, range, body } => {
            ExprKind::Big { op: *op, binder: binder.clone(), range: range.clone(), body: Box::new(pick(0, body)) }
        }
        ExprKind::Diff { body, wrt } => ExprKind::Diff { body: Box::new(pick(0, body)), wrt: wrt.clone() },
        ExprKind::Number(_) | ExprKind::Name(_) | ExprKind::Indexed(..) => unreachable!("a leaf has no child"),
    };
    Expr { kind, span: root.span }
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
    out.push(Candidate {
        of: None,
        kind,
        culprit: Some(at),
        replacement: text(&with),
        step: replaced(root, path, with),
    });
}

/// `s[c,t]` → `s[c,t-1]`, `s[c,t+1]`; `W[j,k]` → `W[k,j]`; `p[k]` → `p[i]` for an index `i` free
/// in the step before (`renames`); the same inside what a derivative is taken with respect to.
fn index_changes(root: &Expr, path: &[usize], e: &Expr, renames: &[String], out: &mut Vec<Candidate>) {
    let variants = |subs: &[IndexExpr]| -> Vec<Vec<IndexExpr>> {
        let mut v = Vec::new();
        for i in 0..subs.len() {
            // A lone index name in place of another: `p[k]` where `p[i]` is needed.
            if let [(1, IndexAtom::Name(name))] = subs[i].terms.as_slice() {
                for other in renames.iter().filter(|o| **o != name.name) {
                    let mut s = subs.to_vec();
                    let ident = Ident { name: other.clone(), span: name.span };
                    s[i] = IndexExpr { terms: vec![(1, IndexAtom::Name(ident))], span: subs[i].span };
                    v.push(s);
                }
            }
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

/// At most this many exchanges of two parts are tried.
const MAX_SWAPS: usize = 12;

/// Two parts of the two terms of a sum exchanged: a factor of one for a factor of the other
/// (`(1 - b1) * m1 + b1 * g` for `b1 * m1 + (1 - b1) * g`, the running average's coefficients
/// the wrong way round, in names or in numbers; a student tester's F17: "none found").
fn swapped_parts(root: &Expr, nodes: &[(Path, &Expr)], out: &mut Vec<Candidate>) {
    // The factors of a term, each with its path below the term (the term itself where it is
    // not a product).
    fn term_factors(e: &Expr, at: &mut Path, out: &mut Vec<(Path, Expr)>) {
        match &e.kind {
            ExprKind::Binary(BinOp::Mul, ..) => {
                for (k, c) in children(e).into_iter().enumerate() {
                    at.push(k);
                    term_factors(c, at, out);
                    at.pop();
                }
            }
            _ => out.push((at.clone(), e.clone())),
        }
    }
    let mut tried = 0;
    for (path, n) in nodes {
        let ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) = &n.kind else { continue };
        let terms = children(n);
        let [a, b] = terms.as_slice() else { continue };
        let (mut fa, mut fb) = (Vec::new(), Vec::new());
        term_factors(a, &mut path.iter().copied().chain([0]).collect(), &mut fa);
        term_factors(b, &mut path.iter().copied().chain([1]).collect(), &mut fb);
        for (pa, x) in &fa {
            for (pb, y) in &fb {
                if tried >= MAX_SWAPS || text(x) == text(y) {
                    continue;
                }
                tried += 1;
                let once = replaced(root, pa, y.clone());
                let twice = replaced(&once, pb, x.clone());
                out.push(Candidate {
                    of: None,
                    kind: RepairKind::Swapped,
                    culprit: Some(x.span),
                    replacement: text(y),
                    step: twice,
                });
            }
        }
    }
}

/// The indices bound by the sums and products around the node at `path` (innermost last).
fn bound_around(root: &Expr, path: &[usize]) -> Vec<String> {
    (0..path.len())
        .filter_map(|k| match &node_at(root, &path[..k])?.kind {
            ExprKind::Big { binder, .. } => Some(binder.name.clone()),
            _ => None,
        })
        .collect()
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

/// What `e` transposes, where it is a transpose: `Wᵀ`, `W'`, or `W^T` (a power by the name `T`,
/// which the model reads as a transpose where it declares no `T`).
fn transpose_of(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        ExprKind::Transpose(inner) => Some(inner),
        ExprKind::Binary(BinOp::Pow, inner, t, _) if matches!(&t.kind, ExprKind::Name(n) if n.name == "T") => {
            Some(inner)
        }
        _ => None,
    }
}

/// `W` → `Wᵀ` and `Wᵀ` → `W` (only steps whose shapes agree resolve).
fn transpose_changes(root: &Expr, path: &[usize], e: &Expr, known: &Known, out: &mut Vec<Candidate>) {
    if let Some(inner) = transpose_of(e) {
        push_replacement(out, RepairKind::Transpose, root, path, e.span, inner.clone());
        return;
    }
    // (Not the `T` of `W^T`.)
    if matches!(&e.kind, ExprKind::Name(n) if n.name == "T") && is_exponent(root, path) {
        return;
    }
    // (Nor the `w` of `w^T`: transposing it again is dropping the transpose, said of `w^T`.)
    let transposed_already = path.split_last().is_some_and(|(_, parent)| {
        node_at(root, parent).is_some_and(|p| transpose_of(p).is_some_and(|inner| std::ptr::eq(inner, e)))
    });
    match &e.kind {
        ExprKind::Name(n) if known.scalars.contains(&n.name) => {}
        ExprKind::Name(_) | ExprKind::Indexed(..) if !transposed_already => {
            push_replacement(out, RepairKind::Transpose, root, path, e.span, transpose_node(e, root));
        }
        _ => {}
    }
}

/// The transpose of `e` written out: `(a * b)ᵀ` as `bᵀ * aᵀ`, `(aᵀ)ᵀ` as `a`, a sum or
/// difference term by term, a number as it is (and where it stands in a product: `2 * xᵀ`, not
/// `xᵀ * 2ᵀ`, a student found), anything else with `ᵀ` after it.
/// (Transposes written as in `root`: `x^T` where it writes them so, else `xᵀ`.)
fn transposed(e: &Expr, root: &Expr) -> Expr {
    if let Some(inner) = transpose_of(e) {
        return inner.clone();
    }
    let number = |e: &Expr| matches!(&e.kind, ExprKind::Number(_));
    match &e.kind {
        ExprKind::Number(_) => e.clone(),
        ExprKind::Binary(BinOp::Mul, a, b, op) if number(a) || number(b) => node(
            ExprKind::Binary(BinOp::Mul, Box::new(transposed(a, root)), Box::new(transposed(b, root)), *op),
            e.span,
        ),
        ExprKind::Binary(BinOp::Mul, a, b, op) => node(
            ExprKind::Binary(BinOp::Mul, Box::new(transposed(b, root)), Box::new(transposed(a, root)), *op),
            e.span,
        ),
        ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Hadamard), a, b, at) => {
            node(ExprKind::Binary(*op, Box::new(transposed(a, root)), Box::new(transposed(b, root)), *at), e.span)
        }
        ExprKind::Neg(a) => node(ExprKind::Neg(Box::new(transposed(a, root))), e.span),
        _ => transpose_node(e, root),
    }
}

/// `e` transposed, written as `root` writes its transposes: `e^T` where it writes any so, else `eᵀ`.
fn transpose_node(e: &Expr, root: &Expr) -> Expr {
    let caret = |n: &Expr| matches!(&n.kind, ExprKind::Binary(BinOp::Pow, ..)) && transpose_of(n).is_some();
    if nodes_of(root).into_iter().any(caret) {
        let t = node(ExprKind::Name(Ident { name: "T".to_string(), span: e.span }), e.span);
        node(ExprKind::Binary(BinOp::Pow, Box::new(e.clone()), Box::new(t), e.span), e.span)
    } else {
        node(ExprKind::Transpose(Box::new(e.clone())), e.span)
    }
}

/// The text from the start of `from` to the end of `to`, where `to` ends after `from` starts. A
/// part that a LaTeX answer does not write as such (the indicator of a `cases`, placed at its
/// start) may come before the part it follows in the tree: no span then (a student's `cases`
/// after a derivative: a span that ended before it began stopped the check of the whole file).
fn stretch(from: Span, to: Span) -> Option<Span> {
    (from.start <= to.end).then(|| Span::new(from.start, to.end))
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
                of: None,
                kind: RepairKind::Sign,
                culprit: stretch(*op_span, b.span),
                replacement: format!("{} {term}", symbol(flipped)),
                step: replaced(root, path, with),
            });
            if !matches!(a.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) | ExprKind::Neg(_)) {
                let negated = node(ExprKind::Neg(a.clone()), a.span);
                let replacement = text(&negated);
                let with = node(ExprKind::Binary(*op, Box::new(negated), b.clone(), *op_span), e.span);
                out.push(Candidate {
                    of: None,
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
        // The sign of a sigmoid's argument, whose reflection students confuse with it:
        // `sigmoid(z)` where `sigmoid(-z)` (`exp(-z) / (1 + exp(-z))`) is needed. (A negated
        // argument is the `Neg` above. Not `exp`: `1 / (1 + exp(x))` is `sigmoid(-x)`, and a
        // flipped argument there would hide the forgotten chain-rule factor `exp(x)`.)
        ExprKind::Call { func, primes: 0, args }
            if args.len() == 1
                && !matches!(args[0].kind, ExprKind::Neg(_))
                && crate::builtin::Builtin::from_name(&func.name).is_some_and(|b| b.name() == "sigmoid") =>
        {
            // (Said of the call: `sigmoid(x)` → `sigmoid(-x)`, not `x` → `-x`.)
            let negated = node(ExprKind::Neg(Box::new(args[0].clone())), args[0].span);
            let kind = ExprKind::Call { func: func.clone(), primes: 0, args: vec![negated] };
            push_replacement(out, RepairKind::Sign, root, path, e.span, node(kind, e.span));
        }
        _ => {}
    }
    // A difference the wrong way round: `y - out` where `out - y` is needed.
    if let ExprKind::Binary(BinOp::Sub, a, b, op_span) = &e.kind {
        if matches!(a.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)) {
            return;
        }
        let with = node(ExprKind::Binary(BinOp::Sub, b.clone(), a.clone(), *op_span), e.span);
        push_replacement(out, RepairKind::Sign, root, path, e.span, with);
    }
}

/// A factor or a term that should not be there: `a * b` → `a` or `b`, `a / b` → `a`, `a + b` →
/// `a` or `b`, `a - b` → `a` or `-b`, `sum(c, x)` → `x`.
fn dropped_parts(root: &Expr, path: &[usize], e: &Expr, known: &Known, out: &mut Vec<Candidate>) {
    // Two neighbouring factors that should not be there: `(p - y) * p * (1 - p)` → `p - y`.
    if let ExprKind::Binary(BinOp::Mul, left, last, _) = &e.kind {
        if let ExprKind::Binary(BinOp::Mul, kept, first, _) = &left.kind {
            out.push(Candidate {
                of: None,
                kind: RepairKind::ExtraFactor,
                culprit: stretch(first.span, last.span),
                replacement: String::new(),
                step: replaced(root, path, (**kept).clone()),
            });
        }
    }
    // A constant that should not be there is a constant factor where it multiplies the whole
    // step (`2 * (out - y) * h`); inside a part it is a factor like any other.
    let whole = of_whole_step(root, path);
    // A number dividing a part is a factor of that part missing (`lam / 2 * w` where the 2 of
    // `w^2` cancels it), said where it is missing: with no place, "the factor `2` is missing"
    // reads as the whole step times 2 (a student tester's F02).
    if let ExprKind::Binary(BinOp::Div, a, b, _) = &e.kind {
        if !whole && matches!(b.kind, ExprKind::Number(_)) {
            out.push(Candidate {
                of: None,
                kind: RepairKind::MissingFactor,
                culprit: Some(e.span),
                replacement: text(b),
                step: replaced(root, path, (**a).clone()),
            });
        }
    }
    let mut drop = |kind: RepairKind, dropped: &Expr, kept: Expr| {
        // A constant factor of the whole step that should not be there (`2`, `1/N`).
        let kind = if kind == RepairKind::ExtraFactor && whole && is_constant(dropped, known) {
            RepairKind::ConstantFactor
        } else {
            kind
        };
        out.push(Candidate {
            of: None,
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
        ExprKind::Binary(BinOp::Div, _, b, _) if !whole && matches!(b.kind, ExprKind::Number(_)) => {}
        // (A divisor is told as one: the `2` of `1/2 * x` is no factor of it.)
        ExprKind::Binary(BinOp::Div, a, b, _) => drop(RepairKind::ExtraDivisor, b, (**a).clone()),
        _ => {}
    }
    match &e.kind {
        ExprKind::Binary(BinOp::Add, a, b, _) => {
            drop(RepairKind::ExtraTerm, b, (**a).clone());
            drop(RepairKind::ExtraTerm, a, (**b).clone());
        }
        ExprKind::Binary(BinOp::Sub, a, b, _) => {
            drop(RepairKind::ExtraTerm, b, (**a).clone());
            drop(RepairKind::ExtraTerm, a, node(ExprKind::Neg(b.clone()), b.span));
        }
        ExprKind::Big { op: BigOp::Sum, body, .. } => {
            push_replacement(out, RepairKind::ExtraSum, root, path, e.span, (**body).clone());
        }
        _ => {}
    }
}

/// A `sum` that should not be there, its term taken at an index free in the step before:
/// `sum(i, w[i])` where `w[k]` is needed (the whole `sum` is the culprit).
fn extra_sums(root: &Expr, path: &[usize], e: &Expr, renames: &[String], out: &mut Vec<Candidate>) {
    let ExprKind::Big { op: BigOp::Sum, binder, body, .. } = &e.kind else { return };
    for other in renames.iter().filter(|o| **o != binder.name) {
        if let Some(with) = index_renamed(body, &binder.name, other) {
            push_replacement(out, RepairKind::ExtraSum, root, path, e.span, Expr { span: e.span, ..with });
        }
    }
}

/// `e` with the range index `from` written `to` (in subscripts, in what a derivative is taken
/// with respect to, and as a value); none where either name is bound inside `e`.
fn index_renamed(e: &Expr, from: &str, to: &str) -> Option<Expr> {
    let rename = |subs: &mut [IndexExpr]| {
        for ix in subs {
            for (_, atom) in &mut ix.terms {
                if let IndexAtom::Name(name) = atom {
                    if name.name == from {
                        name.name = to.to_string();
                    }
                }
            }
        }
    };
    let mut out = e.clone();
    match &mut out.kind {
        ExprKind::Big { binder, .. } if binder.name == from || binder.name == to => return None,
        ExprKind::Name(name) if name.name == from => name.name = to.to_string(),
        ExprKind::Indexed(_, subs) => rename(subs),
        ExprKind::Diff { wrt, .. } => wrt.iter_mut().for_each(|w| rename(&mut w.subscripts)),
        _ => {}
    }
    for i in 0..children(e).len() {
        *child_mut(&mut out, i) = index_renamed(children(e)[i], from, to)?;
    }
    Some(out)
}

/// Whether the node at `path` is a factor of the whole step: every node above it (and it) is a
/// product or a quotient's numerator.
fn of_whole_step(root: &Expr, path: &[usize]) -> bool {
    (0..=path.len()).all(|depth| {
        node_at(root, &path[..depth]).is_some_and(|n| match &n.kind {
            ExprKind::Binary(BinOp::Mul | BinOp::Hadamard, ..) | ExprKind::Neg(_) => true,
            // The numerator: its denominator divides the whole step only when it is the root.
            ExprKind::Binary(BinOp::Div, ..) => path.get(depth).is_none_or(|&i| i == 0 || depth == 0),
            _ => depth == path.len(),
        })
    })
}

/// A power dropped or forgotten: `tanh(x)^2` → `tanh(x)`, `tanh(x)` → `tanh(x)^2` (the
/// derivative of `tanh` is `1 - tanh²`).
fn power_changes(root: &Expr, path: &[usize], e: &Expr, out: &mut Vec<Candidate>) {
    // An exponent not lowered by the power rule: `(1 - p)^ga` where `(1 - p)^(ga - 1)` is needed.
    if let ExprKind::Binary(BinOp::Pow, base, exponent, op) = &e.kind {
        if !matches!(exponent.kind, ExprKind::Number(_)) {
            let one = node(ExprKind::Number("1".to_string()), exponent.span);
            // An exponent of numbers lowered is said as its value: `-3/2`, not `-1/2 - 1` (a
            // student tester's finding).
            let lowered = match exact_value(exponent) {
                Some(v) => fraction(&(v - BigRational::one()), exponent.span),
                None => binary(BinOp::Sub, (**exponent).clone(), one, exponent.span),
            };
            let with = node(ExprKind::Binary(BinOp::Pow, base.clone(), Box::new(lowered), *op), e.span);
            push_replacement(out, RepairKind::Power, root, path, e.span, with);
        }
    }
    // A whole-number exponent the power rule did not lower, or raised: `x^3` where `x^2` is
    // needed (`3 * x^3` for the derivative of `x^3`), `q^(-1)` where `q^(-3)` is (`-2 * q^(-1)`
    // for that of `q^(-2)`). (An exponent of 1 is the base alone, tried below.)
    if let ExprKind::Binary(BinOp::Pow, base, exponent, op) = &e.kind {
        let whole = |e: &Expr| -> Option<i64> {
            match &e.kind {
                ExprKind::Number(n) => n.parse::<i64>().ok(),
                ExprKind::Neg(a) => match &a.kind {
                    ExprKind::Number(n) => n.parse::<i64>().ok().map(|v| -v),
                    _ => None,
                },
                _ => None,
            }
        };
        if let Some(v) = whole(exponent).filter(|v| v.abs() <= 100) {
            for k in [v - 1, v - 2].into_iter().filter(|&k| k != 0 && k != 1) {
                let number = node(ExprKind::Number(k.abs().to_string()), exponent.span);
                let lowered = if k < 0 { node(ExprKind::Neg(Box::new(number)), exponent.span) } else { number };
                let with = node(ExprKind::Binary(BinOp::Pow, base.clone(), Box::new(lowered), *op), e.span);
                push_replacement(out, RepairKind::Power, root, path, e.span, with);
            }
        }
    }
    // A number or a bracket that should be squared, as a factor (`0.001 * 0.3` for `g^2` with
    // g = 0.3; `(1 - p) / p` where `(1 - p)^2 / p` is needed).
    let squared_part = match &e.kind {
        // A decimal (a value of the exercise), not an integer of the formula such as an inner
        // derivative's `2`, which is a factor missing rather than a power.
        ExprKind::Number(n) => n.contains(['.', 'e', 'E']) && !is_exponent(root, path),
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => parent_is_product(root, path) || is_numerator(root, path),
        _ => false,
    };
    if squared_part {
        let two = node(ExprKind::Number("2".to_string()), e.span);
        let with = binary(BinOp::Pow, e.clone(), two, e.span);
        push_replacement(out, RepairKind::Power, root, path, e.span, with);
    }
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

/// `e` with every call of the function named `from` spelled `to` (a builtin's derivative, spelled
/// with the canonical name, in the alias the student wrote: `σ`).
pub(super) fn respelled(e: &Expr, from: &str, to: &str) -> Expr {
    fn walk(e: &mut Expr, from: &str, to: &str) {
        if let ExprKind::Call { func, .. } = &mut e.kind {
            if func.name == from {
                func.name = to.to_string();
            }
        }
        for i in 0..children(e).len() {
            walk(child_mut(e, i), from, to);
        }
    }
    let mut out = e.clone();
    walk(&mut out, from, to);
    out
}

/// Whether the node at `path` is the exponent of a power.
fn is_exponent(root: &Expr, path: &[usize]) -> bool {
    let Some((&last, parent)) = path.split_last() else { return false };
    last == 1 && node_at(root, parent).is_some_and(|p| matches!(p.kind, ExprKind::Binary(BinOp::Pow, ..)))
}

/// Whether the node at `path` is the numerator of a quotient.
fn is_numerator(root: &Expr, path: &[usize]) -> bool {
    let Some((&last, parent)) = path.split_last() else { return false };
    last == 0 && node_at(root, parent).is_some_and(|p| matches!(p.kind, ExprKind::Binary(BinOp::Div, ..)))
}

/// Whether the node at `path` is the denominator of a quotient.
fn is_denominator(root: &Expr, path: &[usize]) -> bool {
    let Some((&last, parent)) = path.split_last() else { return false };
    last == 1 && node_at(root, parent).is_some_and(|p| matches!(p.kind, ExprKind::Binary(BinOp::Div, ..)))
}

/// The factors of a product (a quotient's numerator's and the division by its denominator kept
/// whole), through negations.
fn factors<'e>(e: &'e Expr, out: &mut Vec<Cow<'e, Expr>>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, a, b, _) => {
            factors(a, out);
            factors(b, out);
        }
        ExprKind::Binary(BinOp::Div, a, b, span) => {
            factors(a, out);
            // The division by the denominator (`1 / (1 - p)` of `m * x / (1 - p)`).
            let one = node(ExprKind::Number("1".to_string()), b.span);
            out.push(Cow::Owned(node(ExprKind::Binary(BinOp::Div, Box::new(one), b.clone(), *span), b.span)));
        }
        ExprKind::Neg(a) => factors(a, out),
        _ => out.push(Cow::Borrowed(e)),
    }
}

/// The texts of the factors a derivative carries through unchanged: the factors of the body of
/// each `diff` in `e` that mention neither what it is taken with respect to nor a definition
/// (`beta` of `diff(beta * KL, a)`). Put back, such a factor is a factor, not a chain-rule factor.
pub(super) fn carried_factors(e: &Expr, definitions: &[(VarRef, Expr)]) -> Vec<String> {
    let mut out = Vec::new();
    for n in nodes_of(e) {
        let ExprKind::Diff { body, wrt } = &n.kind else { continue };
        let mut fs = Vec::new();
        factors(body, &mut fs);
        if fs.len() < 2 {
            continue;
        }
        for f in fs {
            let names: Vec<String> = f.free_name_uses().into_iter().map(|(n, _)| n).collect();
            let touched = names.iter().any(|name| {
                wrt.iter().any(|w| w.name.name == *name) || definitions.iter().any(|(d, _)| d.name.name == *name)
            });
            if !touched && !matches!(f.kind, ExprKind::Number(_)) {
                out.push(text(&f));
            }
        }
    }
    out
}

/// The factors of the product `f` that `have` lacks, multiplied, where `have` has some of them
/// (by text) and not all.
fn lacking_part(f: &Expr, have: &FxHashSet<String>) -> Option<Expr> {
    // A quotient whose numerator the step has some of lacks the rest over the denominator: `1 /
    // (1 - p)` of `m / (1 - p)` where the step is `gh * m` (a student tester's finding: "`m / (1 -
    // p)` is missing", verified only because m² = m for a mask).
    if let ExprKind::Binary(BinOp::Div, num, den, _) = &f.kind {
        let mut fs = Vec::new();
        factors(num, &mut fs);
        let (had, lacking): (Vec<_>, Vec<_>) = fs.into_iter().partition(|g| have.contains(&text(g)));
        if had.is_empty() {
            return None;
        }
        let one = || node(ExprKind::Number("1".to_string()), num.span);
        let top = lacking.into_iter().map(Cow::into_owned).reduce(|a, b| binary(BinOp::Mul, a, b, f.span));
        return Some(binary(BinOp::Div, top.unwrap_or_else(one), den.as_ref().clone(), f.span));
    }
    if !matches!(f.kind, ExprKind::Binary(BinOp::Mul, ..)) {
        return None;
    }
    let mut fs = Vec::new();
    factors(f, &mut fs);
    let (had, lacking): (Vec<_>, Vec<_>) = fs.into_iter().partition(|g| have.contains(&text(g)));
    if had.is_empty() || lacking.is_empty() {
        return None;
    }
    lacking.into_iter().map(Cow::into_owned).reduce(|a, b| binary(BinOp::Mul, a, b, f.span))
}

/// The factors of an expression's product and of the products of its terms.
fn term_factors(e: &Expr) -> Vec<Cow<'_, Expr>> {
    let mut fs = Vec::new();
    for t in std::iter::once(e).chain(e.term_refs().into_iter().map(|(_, t)| t)) {
        factors(t, &mut fs);
    }
    fs
}

/// A factor or a term of the step before, or of what it works out to, that the step lacks, put
/// back: at the whole step, at each term of a sum, or at each product; a factor of the step in
/// place of one of those; a constant factor the worked answer has.
fn missing_parts(
    before: &Expr,
    step: &Expr,
    known: &Known,
    hints: &Hints,
    read: &FxHashSet<String>,
    nodes: &[(Path, &Expr)],
    out: &mut Vec<Candidate>,
) {
    // Whether a derivative is taken: in the step before, the head, or the definitions they read
    // (`delta_phi[t]` defined as `∂E/∂net_phi[t]`; `read`, of the step before as written: the
    // names its numbers stand for define no derivative).
    let derivative_taken = takes_a_derivative(before)
        || hints.head_has_diff
        || read.iter().any(|name| {
            known.definitions.iter().any(|(target, body)| target.name.name == *name && takes_a_derivative(body))
        });
    // The factors the step has: its own, and those every term of it has (a factor that one term
    // of a sum has, another may lack: `x` of `w*x - y` is missing from the whole step,
    // `(w*x - y) * x`).
    let mut own = Vec::new();
    factors(step, &mut own);
    let mut have: FxHashSet<String> = own.iter().map(|f| text(f)).collect();
    let mut in_every: Option<FxHashSet<String>> = None;
    for (_, t) in step.term_refs() {
        let mut fs = Vec::new();
        factors(t, &mut fs);
        let these: FxHashSet<String> = fs.iter().map(|f| text(f)).collect();
        in_every = Some(match in_every {
            Some(before) => before.intersection(&these).cloned().collect(),
            None => these,
        });
    }
    have.extend(in_every.unwrap_or_default());
    // Those only some terms have, tried after the others (a few).
    let in_some: FxHashSet<String> = term_factors(step).iter().map(|f| text(f)).filter(|t| !have.contains(t)).collect();
    // (Every factor written anywhere in the step: what a product put back lacks of it.)
    let written: FxHashSet<String> = have.union(&in_some).cloned().collect();
    let mut deferred: Vec<(RepairKind, Cow<Expr>, Option<String>, String)> = Vec::new();
    // Every factor of the step before and of its terms, then those of the worked forms (the
    // answer first) and the chain-rule factors of the model, each once, unless the step has it.
    // (With the text of a chain-rule factor said as what it works out to: `diff(2 * z, z)`.)
    let mut wanted: Vec<(RepairKind, Cow<Expr>, Option<String>)> = Vec::new();
    let mut constants: Vec<Expr> = Vec::new();
    // The texts of `wanted` and `constants`, in their order (each printed once).
    let (mut wanted_texts, mut constant_texts): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    // The factors of each worked form with their texts, found and printed once.
    let worked_factors: Vec<Vec<(Cow<Expr>, String)>> = hints
        .worked
        .iter()
        .map(|form| {
            deep_factors(form)
                .into_iter()
                .map(|f| {
                    let t = text(&f);
                    (f, t)
                })
                .collect()
        })
        .collect();
    // The worked forms' factors that are small enough to say, those without a derivative first.
    let mut worked: Vec<(Cow<Expr>, String)> =
        worked_factors.iter().rev().flatten().filter(|(_, t)| t.chars().count() <= MAX_SAID).cloned().collect();
    worked.sort_by_cached_key(|(f, _)| f.has_diff());
    // What the derivatives among the factors of the step before work out to come first: `x[k]`
    // is the mistake to name, not `∂a[j]/∂W1[j,k]`.
    let values =
        hints.values.iter().filter(|v| sayable(v)).map(|f| (RepairKind::MissingChainFactor, Cow::Borrowed(f), None));
    let kinds = values
        .chain(term_factors(before).into_iter().map(|f| (RepairKind::MissingFactor, f, None)))
        .chain(worked.into_iter().map(|(f, t)| (RepairKind::MissingChainFactor, f, Some(t))))
        .chain(hints.chain.iter().map(|f| (RepairKind::MissingChainFactor, Cow::Borrowed(f), None)))
        // The numbers inside the factors of the step before (`0.9` of `0.1 * (0.9 * v0 + g0)`).
        .chain(
            deep_factors(before)
                .into_iter()
                .filter(|f| matches!(f.kind, ExprKind::Number(_)))
                .map(|f| (RepairKind::MissingFactor, f, None)),
        );
    let mut replacing: Vec<Cow<Expr>> = Vec::new();
    // (Sets: a worked form can have thousands of factors, each looked up for each candidate part.)
    let chain_from: FxHashSet<String> = hints.chain.iter().map(text).collect();
    let worked_from: FxHashSet<String> = worked_factors
        .iter()
        .flatten()
        .map(|(_, t)| t.clone())
        .chain(hints.values.iter().flat_map(deep_factors).map(|f| text(&f)))
        .collect();
    for (kind, f, t) in kinds {
        // A product some of whose factors the step has already lacks only the others: `x` of
        // `step(w*x + b) * x` where the step is `step(w*x + b)` (putting the whole product in
        // would verify only because step² = step, and name the wrong part).
        let (f, t) = match lacking_part(&f, &have).or_else(|| lacking_part(&f, &written)) {
            Some(rest) => {
                let t = text(&rest);
                (Cow::Owned(rest), t)
            }
            None => {
                let t = t.unwrap_or_else(|| text(&f));
                (f, t)
            }
        };
        if have.contains(&t) || wanted_texts.contains(&t) || constant_texts.contains(&t) {
            continue;
        }
        if is_constant(&f, known) {
            // (A number that is a term of the step is no constant missing: `2` of `0.45 + 2 +
            // 0.01`. A factor of one term may be missing from another: `2` of `2*a + mu*w`,
            // the penalty's `2` of `2 (WX - Y) X^T + mu W`, was never tried: a student tester.)
            if step.term_refs().iter().any(|(_, term)| text(term) == t) {
                continue;
            }
            // (A sum is no factor: the whole step before in numbers is not put in as one.)
            if t != "1" && !matches!(f.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)) {
                constants.push(f.into_owned());
                constant_texts.push(t);
            }
            continue;
        }
        // In place of a factor of the step: a factor of the step before, or of a worked form
        // that is a single factor and not merely the name of a definition (writing a
        // definition's name out is no mistake); never a derivative (that undoes the work).
        let defined =
            reference(&f).is_some_and(|(name, _)| known.definitions.iter().any(|(d, _)| d.name.name == name.name));
        let single =
            !matches!(f.kind, ExprKind::Binary(BinOp::Mul | BinOp::Div, ..) | ExprKind::Neg(_) | ExprKind::Big { .. });
        let from_before = kind == RepairKind::MissingFactor;
        if !f.has_diff() && !in_some.contains(&t) && (from_before || single && !defined && !chain_from.contains(&t)) {
            replacing.push(f.clone());
        }
        // A factor of the step before that the chain rule brings in is a chain-rule factor.
        let chain_rule = matches!(f.kind, ExprKind::Call { primes: 1.., .. } | ExprKind::Diff { .. })
            || chain_from.contains(&t)
            || worked_from.contains(&t);
        let kind = if from_before && chain_rule { RepairKind::MissingChainFactor } else { kind };
        // A factor the derivative carries through (`beta` of `diff(beta * KL, a)`) is a factor;
        // so is any factor where no derivative is taken (a student: `(1 + b + b^2) * g` for a
        // geometric sum was told of "the chain-rule factor `b`", an unrelated `let v1 = b * g1` in
        // the file).
        let no_chain = !derivative_taken;
        let kind = if hints.carried.contains(&t) || no_chain { RepairKind::MissingFactor } else { kind };
        // A chain-rule factor is put back as what it works out to (`2`, not `diff(2 * z, z)`).
        // (Said so only where a derivative is taken: "the product rule's factor `exp(-a)` (that is
        // `exp'(-a)`)" beside weights with no derivative in sight told a student of a rule
        // nobody used.)
        let (f, said, t) = match hints.said.get(&t) {
            Some(value) if no_chain => (Cow::Owned(value.clone()), None, text(value)),
            Some(value) => (Cow::Owned(value.clone()), Some(t.clone()), t),
            None => (f, None, t),
        };
        if no_chain && have.contains(&t) {
            continue;
        }
        if in_some.contains(&t) {
            if !deferred.iter().any(|(_, _, _, u)| *u == t) {
                deferred.push((kind, f, said, t));
            }
            continue;
        }
        wanted.push((kind, f, said));
        wanted_texts.push(t);
    }
    wanted.truncate(MAX_PARTS);
    wanted_texts.truncate(MAX_PARTS);
    let deferred: Vec<_> = deferred.into_iter().take(MAX_DEFERRED).collect();
    constants.truncate(MAX_CONSTANTS);
    // The inputs the head names (`dl` of `diff(huber(r, dl), r)`), past the others: a factor of
    // a part, or, as a divisor, of the whole step.
    for f in head_inputs(step, known, hints).into_iter().take(MAX_CONSTANTS) {
        let t = text(&f);
        if have.contains(&t) || wanted_texts.contains(&t) || deferred.iter().any(|(.., u)| *u == t) {
            continue;
        }
        let one = node(ExprKind::Number("1".to_string()), step.span);
        let reciprocal = binary(BinOp::Div, one, f.clone(), step.span);
        // (Where the chain rule brings the divisor in, it is said as a chain-rule factor.)
        let said = wanted_texts.contains(&text(&reciprocal));
        wanted.push((RepairKind::MissingFactor, Cow::Owned(f), None));
        wanted_texts.push(t);
        if said {
            continue;
        }
        out.push(whole_step_times(RepairKind::MissingFactor, reciprocal, step));
    }
    replacing.truncate(MAX_REPLACING);
    // A factor of the step in place of one of those: `g(net[c,t])` where `s[c,t-1]` is needed.
    // (A part of a product that is itself a product is two factors, not one.)
    let single = |n: &Expr| !matches!(n.kind, ExprKind::Binary(BinOp::Mul | BinOp::Div | BinOp::Hadamard, ..));
    let replacing_terms: Vec<Vec<String>> =
        replacing.iter().map(|f| f.terms().iter().map(|(_, t)| text(t)).collect()).collect();
    for (path, n) in nodes.iter().filter(|(path, n)| parent_is_product(step, path) && single(n)) {
        let here = text(n);
        for (f, terms) in replacing.iter().zip(&replacing_terms) {
            // A sum with this factor as one of its terms: a term is missing (`missing_inner_terms`).
            if terms.contains(&here) {
                continue;
            }
            push_narrowed(out, RepairKind::WrongFactor, step, path, n, f, None);
        }
    }
    // Places: the whole step, the terms of its sums, its products.
    let places: Vec<&(Path, &Expr)> = nodes
        .iter()
        .filter(|(path, n)| {
            path.is_empty() || matches!(n.kind, ExprKind::Binary(BinOp::Mul, ..)) || parent_is_sum(step, path)
        })
        .take(MAX_PLACES)
        .collect();
    // (Each with whether only some terms of the step have it: then it is put only where it is
    // lacking, at the whole step or a term without it.)
    let deferred = deferred.into_iter().map(|(kind, f, said, t)| ((kind, f, said), t, true));
    let wanted = wanted.into_iter().zip(wanted_texts).map(|(w, t)| (w, t, false)).chain(deferred).map(
        |((kind, f, said), t, lacking)| match said {
            Some(written) => {
                let value = text(&f);
                (kind, f, value.clone(), Some((written, value)), lacking)
            }
            None => (kind, f, t, None, lacking),
        },
    );
    let constants = constants
        .into_iter()
        .zip(constant_texts)
        .map(|(c, t)| (RepairKind::ConstantFactor, Cow::Owned(c), t, None, false));
    for (kind, f, t, of, lacking) in wanted.chain(constants) {
        for (path, n) in &places {
            let has = || {
                let mut fs = Vec::new();
                factors(n, &mut fs);
                fs.iter().any(|g| text(g) == t)
            };
            if lacking && (!(path.is_empty() || parent_is_sum(step, path)) || has()) {
                continue;
            }
            // A constant for the whole step is a likely cause already.
            let with = match kind {
                RepairKind::ConstantFactor => binary(BinOp::Mul, f.clone().into_owned(), (*n).clone(), n.span),
                _ => binary(BinOp::Mul, (*n).clone(), f.clone().into_owned(), n.span),
            };
            // A constant put back into a part of the step is a factor of that part like any
            // other; only the whole step's is a constant factor.
            let kind =
                if kind == RepairKind::ConstantFactor && !path.is_empty() { RepairKind::MissingFactor } else { kind };
            // The derivative of a product's other factor put beside this one is the product
            // rule's factor, not the chain rule's (`exp(x)` missing from `x^2` of `diff(x^2 * exp(x), x)`).
            let kind = match &of {
                Some((written, _)) if kind == RepairKind::MissingChainFactor && product_rule(before, n, written) => {
                    RepairKind::MissingFactor
                }
                _ => kind,
            };
            out.push(Candidate {
                of: of.clone(),
                kind,
                culprit: (!path.is_empty()).then_some(n.span),
                replacement: t.clone(),
                step: replaced(step, path, with),
            });
        }
    }
    // A declared size's usual factors of the whole step (`1/N` of a mean, `1/sqrt(d)` of
    // attention), when the worked answer does not bring them in.
    for size in known.sizes.iter().take(MAX_CONSTANTS) {
        let name = node(ExprKind::Name(Ident { name: size.clone(), span: step.span }), step.span);
        let one = node(ExprKind::Number("1".to_string()), step.span);
        let root = node(
            ExprKind::Call {
                func: Ident { name: "sqrt".to_string(), span: step.span },
                primes: 0,
                args: vec![name.clone()],
            },
            step.span,
        );
        for f in [binary(BinOp::Div, one.clone(), name, step.span), binary(BinOp::Div, one.clone(), root, step.span)] {
            out.push(whole_step_times(RepairKind::ConstantFactor, f, step));
        }
    }
    // Terms: of the step before, then of the worked forms (the answer first), where they have
    // two or more.
    let have: Vec<String> = step.terms().iter().map(|(_, t)| text(t)).collect();
    let mut terms: Vec<(bool, Expr, String)> = Vec::new();
    for form in std::iter::once(before).chain(hints.worked.iter().rev()) {
        let form_terms = form.terms();
        if form_terms.len() < 2 {
            continue;
        }
        for (positive, t) in form_terms {
            let written = text(&t);
            let said = std::ptr::eq(form, before) || written.chars().count() <= MAX_SAID_TERM && !t.has_diff();
            if said && !have.contains(&written) && !terms.iter().any(|(_, _, u)| *u == written) {
                terms.push((positive, t, written));
            }
        }
    }
    let sums: Vec<&(Path, &Expr)> = nodes
        .iter()
        .filter(|(path, n)| path.is_empty() || matches!(n.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)))
        .take(MAX_PLACES)
        .collect();
    for (positive, t, written) in terms.iter().take(MAX_PARTS) {
        for (path, n) in &sums {
            let op = if *positive { BinOp::Add } else { BinOp::Sub };
            let with = binary(op, (*n).clone(), t.clone(), n.span);
            let shown = if *positive { written.clone() } else { format!("-{written}") };
            out.push(Candidate {
                of: in_brackets(step, path, &with),
                kind: RepairKind::MissingTerm,
                culprit: (!path.is_empty()).then_some(n.span),
                replacement: shown,
                step: replaced(step, path, with),
            });
        }
    }
}

/// `before` with the names defined as plain numbers (`let v0 = 0.5`) written as those numbers,
/// where `step` mentions none of them: the parts put back into a step in numbers are numbers.
fn in_numbers(before: &Expr, step: &Expr, known: &Known) -> Expr {
    let numbers: Vec<(&str, &Expr)> = known
        .definitions
        .iter()
        .filter(|(target, body)| target.subscripts.is_empty() && matches!(body.kind, ExprKind::Number(_)))
        .map(|(target, body)| (target.name.name.as_str(), body))
        .collect();
    let uses = step.free_name_uses();
    if numbers.is_empty() || uses.iter().any(|(n, _)| numbers.iter().any(|(m, _)| m == n)) {
        return before.clone();
    }
    numbers.iter().fold(before.clone(), |e, (name, value)| substituted(&e, name, value))
}

/// The most bits of a definition's value [`arithmetic_in_numbers`] writes out.
const MAX_VALUE_BITS: u64 = 256;

/// The most rounds [`arithmetic_in_numbers`] writes definitions out (each round may write out a
/// definition used by one written out in the round before).
const MAX_WRITTEN_OUT: usize = 4;

/// `before` with the scalar definitions whose bodies are arithmetic of numbers (after the same
/// is done to the definitions they use) written out as those bodies, where `step` is numbers
/// only: `sqrt(s1)` with `let s1 = rho * s0 + (1 - rho) * g^2` becomes the square root of
/// numbers, whose value 0.045 the step may have written without the root (a student tester's
/// F11: a function forgotten going from the formula to numbers).
fn arithmetic_in_numbers(before: &Expr, step: &Expr, known: &Known) -> Expr {
    let named = |n: &Expr| matches!(n.kind, ExprKind::Name(_) | ExprKind::Indexed(..) | ExprKind::Diff { .. });
    if any_node(step, &named) || !any_node(before, &named) {
        return before.clone();
    }
    // Each definition written as its value (a number, or a quotient of two), not as its body: a
    // chain of definitions that each read the one before twice doubles at every link (a
    // reviewer's finding: 20 steps of gradient descent held the search for minutes).
    let mut values: Vec<(&str, Expr)> = Vec::new();
    for _ in 0..MAX_WRITTEN_OUT {
        let grown = values.len();
        for (target, body) in &known.definitions {
            let name = target.name.name.as_str();
            if !target.subscripts.is_empty() || values.iter().any(|(n, _)| *n == name) {
                continue;
            }
            let written = values.iter().fold(body.clone(), |e, (n, v)| substituted(&e, n, v));
            if let Some(v) = exact_value(&written).filter(|v| v.numer().bits() + v.denom().bits() <= MAX_VALUE_BITS) {
                values.push((name, fraction(&v, body.span)));
            }
        }
        if values.len() == grown {
            break;
        }
    }
    values.iter().fold(before.clone(), |e, (name, value)| substituted(&e, name, value))
}

/// The inputs the head names without subscripts (declared, not defined, no index or size): a
/// factor such as a threshold or a weight that a part of the step may lack.
fn head_inputs(step: &Expr, known: &Known, hints: &Hints) -> Vec<Expr> {
    hints
        .head_free
        .iter()
        .filter(|n| {
            known.families.iter().any(|(f, subs)| f == *n && *subs == 0)
                && !known.definitions.iter().any(|(d, _)| d.name.name == **n)
                && !known.indices.contains(n)
                && !known.sizes.contains(n)
        })
        .map(|n| node(ExprKind::Name(Ident { name: n.clone(), span: step.span }), step.span))
        .collect()
}

/// The longest factor of a worked form a repair may put in, as text.
pub(super) const MAX_SAID: usize = 48;

/// The longest term of a worked form a repair may put in, as text.
const MAX_SAID_TERM: usize = 64;

/// Whether a factor of a worked form is short enough to be said in a repair (a repair that
/// writes out the whole answer is the answer, not a pointer to a mistake).
fn sayable(e: &Expr) -> bool {
    text(e).chars().count() <= MAX_SAID
}

/// Pushes the step with the node `n` (at `path`) replaced by `f`, narrowed to the one part that
/// differs where both are sums, products, `sum`s over the same index or calls of the same
/// function that differ in one part: `2 * sigma - 1 / sigma^2` for `2 * sigma - 2 / sigma` is
/// `1 / sigma^2` where `2 / sigma` is needed. A narrowed part whose replacement is its negation
/// is a sign; one whose replacement is the part times a factor is that factor missing.
fn push_narrowed(
    out: &mut Vec<Candidate>,
    kind: RepairKind,
    step: &Expr,
    path: &[usize],
    n: &Expr,
    f: &Expr,
    of: Option<(String, String)>,
) {
    let (mut inside, mut wanted) = (n, f);
    let mut at = path.to_vec();
    // Whether the place is the argument of a call (`x` of `tanh(x)` where `tanh(w*x)` is needed).
    let mut argument = false;
    loop {
        let next = match (&inside.kind, &wanted.kind) {
            (ExprKind::Binary(op, a, b, _), ExprKind::Binary(op2, c, d, _)) if op == op2 => {
                match (text(a) == text(c), text(b) == text(d)) {
                    (true, false) => Some((1, &**b, &**d)),
                    (false, true) => Some((0, &**a, &**c)),
                    _ => None,
                }
            }
            (ExprKind::Big { binder, body, .. }, ExprKind::Big { binder: b2, body: body2, .. })
                if binder.name == b2.name =>
            {
                Some((0, &**body, &**body2))
            }
            (ExprKind::Call { func, primes, args }, ExprKind::Call { func: f2, primes: p2, args: a2 })
                if func.name == f2.name && primes == p2 && args.len() == 1 && a2.len() == 1 =>
            {
                Some((0, &args[0], &a2[0]))
            }
            (ExprKind::Neg(a), ExprKind::Neg(c)) => Some((0, &**a, &**c)),
            _ => None,
        };
        let Some((child, i, w)) = next else { break };
        argument = matches!(inside.kind, ExprKind::Call { .. });
        at.push(child);
        (inside, wanted) = (i, w);
    }
    if node_at(step, &at).is_none_or(|x| x.span != inside.span) {
        (at, inside, wanted, argument) = (path.to_vec(), n, f, false);
    }
    let here = text(inside);
    let negation = matches!(&wanted.kind, ExprKind::Neg(w) if text(w) == here)
        || matches!(&inside.kind, ExprKind::Neg(i) if text(i) == text(wanted));
    let times = match &wanted.kind {
        ExprKind::Binary(BinOp::Mul, a, b, _) if text(a) == here => Some(b),
        ExprKind::Binary(BinOp::Mul, a, b, _) if text(b) == here => Some(a),
        _ => None,
    };
    let span = inside.span;
    let changed = replaced(step, &at, Expr { span, ..wanted.clone() });
    // The same family with other subscripts is an index slip (`x[i]` where `x[i+k-1]` is needed).
    let same_family = matches!((&inside.kind, &wanted.kind),
        (ExprKind::Indexed(a, _), ExprKind::Indexed(b, _)) if a.name == b.name);
    let (kind, replacement) = match times {
        _ if same_family && kind == RepairKind::WrongFactor => (RepairKind::Index, text(wanted)),
        // (A call's argument times a factor is another argument, not a factor missing: "`x` where
        // `w * x` is needed" in `tanh(x)`, not "the factor `w` is missing from `x`".)
        Some(factor) if kind == RepairKind::WrongFactor && !argument => (RepairKind::MissingFactor, text(factor)),
        _ if negation && kind == RepairKind::WrongFactor => (RepairKind::Sign, text(wanted)),
        _ => (kind, text(wanted)),
    };
    out.push(Candidate { kind, culprit: Some(span), replacement, step: changed, of });
}

/// A term missing inside a factor: `h[t-1]` → `h[t-1] + w * (1 - h[t-1]^2) * h[t-2]` where the
/// step before or a worked form has that sum as a factor and the step has one of its terms in
/// its place.
fn missing_inner_terms(before: &Expr, step: &Expr, hints: &Hints, nodes: &[(Path, &Expr)], out: &mut Vec<Candidate>) {
    let sums: Vec<Cow<Expr>> = std::iter::once(before)
        .chain(hints.worked.iter().rev())
        .flat_map(term_factors)
        .filter(|f| matches!(f.kind, ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)) && !f.has_diff())
        .collect();
    // (Each part printed once.)
    let parts: Vec<(&Path, &Expr, String)> =
        nodes.iter().filter(|(path, _)| !path.is_empty()).map(|(path, n)| (path, *n, text(n))).collect();
    for sum in sums.iter().take(MAX_PARTS) {
        let terms: Vec<(bool, String)> = sum.term_refs().into_iter().map(|(positive, t)| (positive, text(t))).collect();
        for (path, n, here) in &parts {
            let Some(at) = terms.iter().position(|(positive, t)| *positive && t == here) else { continue };
            let rest: Vec<String> = terms
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, (positive, t))| if *positive { t.clone() } else { format!("-{t}") })
                .collect();
            if !rest.iter().all(|r| r.chars().count() <= MAX_SAID + 2) {
                continue;
            }
            let whole = Expr { span: n.span, ..sum.clone().into_owned() };
            out.push(Candidate {
                of: in_brackets(step, path, &whole),
                kind: RepairKind::MissingTerm,
                culprit: Some(n.span),
                replacement: rest.join(" + "),
                step: replaced(step, path, whole),
            });
        }
    }
}

/// The most changes [`number_slips`] makes of one step.
const MAX_NUMBER_SLIPS: usize = 24;

/// A number of a step in numbers that a part of the step before works out to, where that part
/// is not all the step needs: the root dropped (`0.08` where the step before has
/// `sqrt(0.04 + 0.2^2)` → `sqrt(0.08)`), a term (`0.27` for `0.9 * 0.3 + 0.2` → `0.27 + 0.2`),
/// a factor (`0.01` for `0.01 * 0.5` → `0.01 * 0.5`) or a power (`0.2` for `0.2^2`). The part
/// is matched by its exact value: a student writes what it works out to, not its text.
fn number_slips(before: &Expr, step: &Expr, nodes: &[(Path, &Expr)], out: &mut Vec<Candidate>) {
    let named = |n: &Expr| matches!(n.kind, ExprKind::Name(_) | ExprKind::Indexed(..) | ExprKind::Diff { .. });
    if nodes.iter().any(|(_, n)| named(n)) || any_node(before, &named) {
        return;
    }
    let parts: Vec<(Path, &Expr, BigRational)> =
        self::nodes(before).into_iter().filter_map(|(path, n)| Some((path.clone(), n, exact_value(n)?))).collect();
    let mut made = 0;
    for (path, n) in nodes {
        let ExprKind::Number(_) = n.kind else { continue };
        let Some(value) = exact_value(n) else { continue };
        for (at, part, _) in parts.iter().filter(|(_, _, v)| *v == value) {
            let Some((kind, with, replacement)) = completed(before, at, part, n) else { continue };
            if made == MAX_NUMBER_SLIPS {
                return;
            }
            made += 1;
            let changed = replaced(step, path, with);
            out.push(Candidate { kind, culprit: Some(n.span), replacement, step: changed, of: None });
        }
    }
}

/// The number `n` of a step, standing for the part at `at` of the step before, completed by what
/// that part's parent adds: its kind of change, with the node that replaces `n`, and the text
/// said (the function applied, the term or factor put back, the power).
fn completed(before: &Expr, at: &[usize], part: &Expr, n: &Expr) -> Option<(RepairKind, Expr, String)> {
    let (_, up) = at.split_last()?;
    let parent = node_at(before, up)?;
    let span = n.span;
    match &parent.kind {
        ExprKind::Call { func, args, primes: 0 } if args.len() == 1 => {
            let call = node(ExprKind::Call { func: func.clone(), primes: 0, args: vec![n.clone()] }, span);
            let said = text(&call);
            Some((RepairKind::Function, call, said))
        }
        ExprKind::Binary(BinOp::Pow, base, exponent, op) if std::ptr::eq(base.as_ref(), part) => {
            let power = binary(BinOp::Pow, n.clone(), exponent.as_ref().clone(), *op);
            let said = text(&power);
            Some((RepairKind::Power, Expr { span, ..power }, said))
        }
        ExprKind::Binary(BinOp::Add | BinOp::Sub, ..) => {
            // The whole sum the part is a term of.
            let mut top = up;
            while let Some((_, higher)) = top.split_last() {
                match node_at(before, higher).map(|p| &p.kind) {
                    Some(ExprKind::Binary(BinOp::Add | BinOp::Sub, ..)) => top = higher,
                    _ => break,
                }
            }
            let sum = node_at(before, top)?;
            let terms = sum.term_refs();
            let (positive, _) = terms.iter().find(|(_, t)| std::ptr::eq(*t, part))?;
            if !positive {
                return None;
            }
            let rest: Vec<&(bool, &Expr)> = terms.iter().filter(|(_, t)| !std::ptr::eq(*t, part)).collect();
            let with = rest.iter().fold(n.clone(), |acc, (positive, t)| {
                binary(if *positive { BinOp::Add } else { BinOp::Sub }, acc, (*t).clone(), span)
            });
            let said: Vec<String> =
                rest.iter().map(|(positive, t)| if *positive { text(t) } else { format!("-{}", text(t)) }).collect();
            Some((RepairKind::MissingTerm, with, said.join(" + ")))
        }
        ExprKind::Binary(BinOp::Mul, ..) => {
            // The whole product the part is a factor of.
            let mut top = up;
            while let Some((_, higher)) = top.split_last() {
                match node_at(before, higher).map(|p| &p.kind) {
                    Some(ExprKind::Binary(BinOp::Mul, ..)) => top = higher,
                    _ => break,
                }
            }
            let mut fs = Vec::new();
            factors(node_at(before, top)?, &mut fs);
            let rest: Vec<Expr> = fs
                .into_iter()
                .filter(|f| !matches!(f, Cow::Borrowed(f) if std::ptr::eq(*f, part)))
                .map(Cow::into_owned)
                .collect();
            let missing = rest.into_iter().reduce(|a, b| binary(BinOp::Mul, a, b, span))?;
            let said = text(&missing);
            Some((RepairKind::MissingFactor, binary(BinOp::Mul, n.clone(), missing, span), said))
        }
        _ => None,
    }
}

/// A rational number as an expression: `3`, `-3 / 2` (the sign on the numerator), `-0.134145`
/// (a decimal's product, [`crate::model::decimal_digits`]).
fn fraction(v: &BigRational, span: Span) -> Expr {
    let signed =
        |magnitude: Expr| if v.is_negative() { node(ExprKind::Neg(Box::new(magnitude)), span) } else { magnitude };
    if let Some(digits) = crate::model::decimal_digits(v) {
        return signed(node(ExprKind::Number(digits), span));
    }
    let magnitude = |n: &num_bigint::BigInt| node(ExprKind::Number(n.abs().to_string()), span);
    let top = signed(magnitude(v.numer()));
    if v.is_integer() {
        top
    } else {
        binary(BinOp::Div, top, magnitude(v.denom()), span)
    }
}

/// The exact value of a part made of numbers and arithmetic only.
fn exact_value(e: &Expr) -> Option<BigRational> {
    fn arithmetic(e: &Expr) -> Option<crate::model::Expr> {
        use crate::model::Expr as M;
        let inner = |e: &Expr| arithmetic(e).map(Box::new);
        Some(match &e.kind {
            ExprKind::Number(t) => M::Const(Box::new(crate::model::parse_decimal(t)?)),
            ExprKind::Neg(a) => M::Neg(inner(a)?),
            ExprKind::Binary(op, a, b, _) => {
                let (a, b) = (inner(a)?, inner(b)?);
                match op {
                    BinOp::Add => M::Add(a, b),
                    BinOp::Sub => M::Sub(a, b),
                    BinOp::Mul => M::Mul(a, b),
                    BinOp::Div => M::Div(a, b),
                    BinOp::Pow => M::Pow(a, b),
                    BinOp::Hadamard => return None,
                }
            }
            _ => return None,
        })
    }
    crate::model::constant_value(&arithmetic(e)?)
}

/// A part of the step that stands for the derivative of a builtin call `b(u)` but is not it:
/// `sigmoid(z) * (1 + sigmoid(z))` → `sigmoid(z) * (1 - sigmoid(z))`, `1 + tanh(x)^2` →
/// `1 - tanh(x)^2`, `exp(x)` → `sigmoid(x)` (for `softplus`). The part is built from `u` alone
/// (every name in it is inside a copy of `u`), is neither `u` nor `b(u)`, and holds no
/// derivative.
fn builtin_derivative_changes(
    root: &Expr,
    path: &[usize],
    e: &Expr,
    derivatives: &[(Expr, Expr)],
    out: &mut Vec<Candidate>,
) {
    let here = text(e);
    for (call, derivative) in derivatives {
        let ExprKind::Call { args, .. } = &call.kind else { continue };
        let u = text(&args[0]);
        let holds_call = any_node(e, &|n| matches!(n.kind, ExprKind::Call { .. }));
        // (Not `exp`, whose derivative is itself: an `exp(u)` in a step does not tell a derivative
        // taken, and `exp(-x)` for `-exp(-x)` may be the sign of a quotient rule.)
        if text(derivative) == text(call) {
            continue;
        }
        // (Nor a sum: its index is its own, not `u`'s, so it is no part built from `u`. A sum
        // over `k` that should not be there was told a wrong `sigmoid'(-sn[k])`: a student tester.)
        let holds_sum = any_node(e, &|n| matches!(n.kind, ExprKind::Big { .. }));
        if here == u || here == text(call) || here == text(derivative) || !holds_call || holds_sum || !built_from(e, &u)
        {
            continue;
        }
        let of = Some((primed_text(call), text(derivative)));
        push_narrowed(out, RepairKind::WrongDerivative, root, path, e, derivative, of);
    }
}

/// A call of one argument as its derivative is written, `sigmoid'(z)` for `sigmoid(z)`: the
/// derivative of the function at the argument, which is what a repair of a wrong derivative
/// names (not the derivative of the call by a variable, which has the chain rule's factor too).
pub(super) fn primed_text(call: &Expr) -> String {
    match &call.kind {
        ExprKind::Call { func, primes, args } => {
            text(&node(ExprKind::Call { func: func.clone(), primes: primes + 1, args: args.clone() }, call.span))
        }
        _ => text(call),
    }
}

/// Whether a derivative in `before` is of a product with `part` as one factor and a call whose
/// derivative is written `primed` (`exp'(x)`) as another: that derivative beside `part` is the
/// product rule's term.
fn product_rule(before: &Expr, part: &Expr, primed: &str) -> bool {
    let part = text(part);
    nodes_of(before).into_iter().any(|n| {
        let ExprKind::Diff { body, .. } = &n.kind else { return false };
        let fs = factors_of(body);
        fs.iter().any(|f| text(f) == part) && fs.iter().any(|f| primed_text(f) == primed && text(f) != part)
    })
}

/// Whether `e` is built from copies of the expression whose text is `u` (at least one), numbers
/// and calls, with no other name and no derivative.
fn built_from(e: &Expr, u: &str) -> bool {
    fn walk(e: &Expr, u: &str, seen: &mut bool) -> bool {
        if text(e) == u {
            *seen = true;
            return true;
        }
        match &e.kind {
            ExprKind::Number(_) => true,
            ExprKind::Name(_) | ExprKind::Indexed(..) | ExprKind::Diff { .. } | ExprKind::Big { .. } => false,
            ExprKind::Array(_) | ExprKind::Transpose(_) => false,
            ExprKind::Neg(a) => walk(a, u, seen),
            ExprKind::Binary(_, a, b, _) => walk(a, u, seen) && walk(b, u, seen),
            ExprKind::Call { args, .. } => args.iter().all(|a| walk(a, u, seen)),
        }
    }
    let mut seen = false;
    walk(e, u, &mut seen) && seen
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
                push(f.into_owned(), &mut out);
            }
        }
    }
    out
}

/// A term put beside a part that is an operand of a product, quotient, power or negation goes
/// inside one bracket with it: that sum, as the repair's text says it (`\frac12 \frac{e^a}{e^b}`
/// lacking its `-1` was told "the term `-1` is missing beside the fraction", and applied so the
/// step was still wrong: a TA).
fn in_brackets(root: &Expr, path: &[usize], with: &Expr) -> Option<(String, String)> {
    let (_, parent) = path.split_last()?;
    let p = node_at(root, parent)?;
    matches!(p.kind, ExprKind::Binary(BinOp::Mul | BinOp::Hadamard | BinOp::Div | BinOp::Pow, ..) | ExprKind::Neg(_))
        .then(|| (text(with), text(with)))
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
/// step, a term, a factor, the run of neighbouring factors that holds every use of the index
/// (`f'(a[j]) * sum(i, W2[i,j] * e[i])`) or a `sum` (a sum of sums is written outside); two such
/// indices: two sums.
fn forgotten_sums(before: &Expr, step: &Expr, indices: &[String], nodes: &[(Path, &Expr)], out: &mut Vec<Candidate>) {
    let before_free: Vec<String> = before.free_name_uses().into_iter().map(|(n, _)| n).collect();
    let mut missing: Vec<String> = Vec::new();
    for (name, _) in step.free_name_uses() {
        if indices.contains(&name) && !before_free.contains(&name) && !missing.contains(&name) {
            missing.push(name);
        }
    }
    let mut groups: Vec<Vec<String>> = missing.iter().map(|m| vec![m.clone()]).collect();
    if missing.len() == 2 {
        groups.push(missing.clone());
    }
    let uses = |e: &Expr, names: &[String]| e.free_name_uses().iter().any(|(m, _)| names.contains(m));
    let summed = |names: &[String], body: Expr| {
        names.iter().rev().fold(body, |body, name| {
            let span = body.span;
            let binder = Ident { name: name.clone(), span };
            node(ExprKind::Big { op: BigOp::Sum, binder, range: None, body: Box::new(body) }, span)
        })
    };
    for names in &groups {
        for (path, n) in nodes.iter().take(MAX_PLACES * 2) {
            // Around a part that holds every use of the indices, not the body of a `sum`.
            if uses(&replaced(step, path, node(ExprKind::Number("0".to_string()), n.span)), names)
                || path.split_last().is_some_and(|(_, parent)| {
                    node_at(step, parent).is_some_and(|p| matches!(p.kind, ExprKind::Big { .. }))
                })
            {
                continue;
            }
            let with = summed(names, (*n).clone());
            push_replacement(out, RepairKind::MissingSum, step, path, n.span, with);
            // Inside a product: around the neighbouring factors that use the indices only.
            let mut fs = Vec::new();
            product_factors(n, &mut fs);
            // (Numbers in front go inside with them: `sum(n, 2 * e[n] * X[n,q])`.)
            let Some(first) = fs.iter().position(|f| uses(f, names)) else { continue };
            let first = if fs[..first].iter().all(|f| matches!(f.kind, ExprKind::Number(_))) { 0 } else { first };
            let last = fs.iter().rposition(|f| uses(f, names)).unwrap_or(first);
            if fs.len() < 2 || (first == 0 && last == fs.len() - 1) {
                continue;
            }
            let run =
                fs[first + 1..=last].iter().fold(fs[first].clone(), |a, b| binary(BinOp::Mul, a, b.clone(), n.span));
            let culprit = stretch(fs[first].span, fs[last].span).unwrap_or(n.span);
            let mut product = fs[..first].iter().cloned().chain([summed(names, Expr { span: culprit, ..run })]);
            let head = product.next().expect("one factor at least");
            let rebuilt =
                product.chain(fs[last + 1..].iter().cloned()).fold(head, |a, b| binary(BinOp::Mul, a, b, n.span));
            out.push(Candidate {
                of: None,
                kind: RepairKind::MissingSum,
                culprit: Some(culprit),
                replacement: text(&summed(
                    names,
                    fs[first..=last]
                        .iter()
                        .skip(1)
                        .fold(fs[first].clone(), |a, b| binary(BinOp::Mul, a, b.clone(), n.span)),
                )),
                step: replaced(step, path, rebuilt),
            });
        }
    }
}

/// The factors of a chain of products (`a * b * c`), left to right.
fn product_factors(e: &Expr, out: &mut Vec<Expr>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Mul, a, b, _) => {
            product_factors(a, out);
            product_factors(b, out);
        }
        _ => out.push(e.clone()),
    }
}

/// The whole step times a factor `f` that it is missing: `f * STEP`.
fn whole_step_times(kind: RepairKind, f: Expr, step: &Expr) -> Candidate {
    Candidate {
        of: None,
        kind,
        culprit: None,
        replacement: text(&f),
        step: binary(BinOp::Mul, f, step.clone(), step.span),
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
        candidates(&b, &s, &known, &super::Hints::default())
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
        // A derivative the step before has is a chain-rule factor; another factor is a factor.
        let got = tried("a * f'(z) * w", "a * w", RepairKind::MissingChainFactor);
        assert!(got.contains(&"a * w * f'(z)".to_string()), "{got:?}");
        let got = tried("a * b * w", "a * w", RepairKind::MissingFactor);
        assert!(got.contains(&"a * w * b".to_string()), "{got:?}");
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
    fn an_index_for_another_and_a_difference_the_wrong_way_round() {
        let got = tried("sum(c, p[c]) * q[j]", "q[c]", RepairKind::Index);
        assert!(got.contains(&"q[j]".to_string()), "{got:?}");
        let got = tried("x", "(y - o) * h", RepairKind::Sign);
        assert!(got.contains(&"(o - y) * h".to_string()), "{got:?}");
    }

    #[test]
    fn a_constant_factor_and_two_neighbouring_factors() {
        let got = tried("x", "2 * (o - y)", RepairKind::ConstantFactor);
        assert!(got.contains(&"o - y".to_string()), "{got:?}");
        let got = tried("x", "(p - y) * p * (1 - p)", RepairKind::ExtraFactor);
        assert!(got.contains(&"p - y".to_string()), "{got:?}");
    }

    #[test]
    fn powers_constants_inside_a_part_and_carried_factors() {
        // An exponent the power rule did not lower; a decimal and a bracket squared, an integer not.
        let got = tried("x", "ga * (1 - p)^ga", RepairKind::Power);
        assert!(got.contains(&"ga * (1 - p)^(ga - 1)".to_string()), "{got:?}");
        let got = tried("x", "0.001 * 0.3", RepairKind::Power);
        assert!(got.contains(&"0.001 * 0.3^2".to_string()), "{got:?}");
        let got = tried("x", "(1 - p) / p", RepairKind::Power);
        assert!(got.contains(&"(1 - p)^2 / p".to_string()), "{got:?}");
        let got = tried("x", "2 * f'(2 * z)", RepairKind::Power);
        assert!(!got.iter().any(|s| s.contains("2^2")), "{got:?}");
        // A constant inside a part is an extra factor; only the whole step's is a constant factor.
        let got = tried("x", "a + 2 * b", RepairKind::ExtraFactor);
        assert!(got.contains(&"a + b".to_string()), "{got:?}");
        assert!(tried("x", "a + 2 * b", RepairKind::ConstantFactor).is_empty());
        // The factors a derivative carries through: not what it is taken with respect to.
        let (b, _) = steps("diff(m * x / (1 - p), x)", "m");
        let carried = super::carried_factors(&b, &[]);
        assert!(carried.contains(&"m".to_string()) && !carried.contains(&"x".to_string()), "{carried:?}");
        assert!(carried.iter().any(|f| f.replace(' ', "") == "1/(1-p)"), "{carried:?}");
    }

    #[test]
    fn nothing_unchanged_is_tried() {
        let (b, s) = steps("x + y", "x + y");
        let original = expr_to_string(&s, Spelling::Canonical);
        assert!(candidates(&b, &s, &super::Known::default(), &super::Hints::default())
            .iter()
            .all(|c| expr_to_string(&c.step, Spelling::Canonical) != original));
    }
}
