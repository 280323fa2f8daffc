//! Functions over resolved expressions that the resolver and the later stages share: the user
//! functions and entries an expression reads, the dependency closure of a model, its free range
//! indices, and the substitution of index variables by index expressions.
//!
//! Nothing here reports a diagnostic or reads the syntax tree.

use crate::model::ir::*;

/// The user functions an expression calls directly, with repeats.
pub fn collect_fns(e: &Expr, out: &mut Vec<UserFnId>) {
    if let Expr::Apply(f, _, _) = e {
        out.push(*f);
    }
    e.for_each_child(|c| collect_fns(c, out));
}

/// The user functions an expression uses, transitively.
pub(super) fn fns_used(e: &Expr, fns: &[UserFunction], out: &mut Vec<UserFnId>) {
    let mut direct = Vec::new();
    collect_fns(e, &mut direct);
    for f in direct {
        if !out.contains(&f) {
            out.push(f);
            fns_used(&fns[f].body, fns, out);
        }
    }
}

/// `reads[e][t]`: entry `e` depends on entry `t`, directly or through other definitions, unknown
/// nodes and user functions.
pub fn dependency_closure(model: &Model) -> Vec<Vec<bool>> {
    let n = model.entries.len();
    let direct: Vec<Vec<EntryId>> = model
        .entries
        .iter()
        .map(|e| match &e.kind {
            EntryKind::Defined(body) => entries_read_inlined(body, &model.user_functions),
            EntryKind::Unknown(deps) => deps.iter().map(|d| d.entry).collect(),
            EntryKind::Input(_) => Vec::new(),
        })
        .collect();
    let mut reads = vec![vec![false; n]; n];
    for (start, row) in reads.iter_mut().enumerate() {
        let mut stack = direct[start].clone();
        while let Some(e) = stack.pop() {
            if !row[e] {
                row[e] = true;
                stack.extend(&direct[e]);
            }
        }
    }
    reads
}

/// The entries an expression reads directly (including derivative targets).
pub fn entries_read(e: &Expr, out: &mut Vec<EntryId>) {
    match e {
        Expr::Entry(r) => out.push(r.entry),
        Expr::Diff(_, r) => out.push(r.entry),
        Expr::NodePartial(node, r) => {
            out.push(*node);
            out.push(r.entry);
        }
        _ => {}
    }
    e.for_each_child(|c| entries_read(c, out));
}

/// The entries an expression reads directly or in the bodies of the user functions it calls
/// (including derivative targets), with repeats.
pub fn entries_read_inlined(e: &Expr, fns: &[UserFunction]) -> Vec<EntryId> {
    let mut out = Vec::new();
    entries_read(e, &mut out);
    let mut used = Vec::new();
    fns_used(e, fns, &mut used);
    for f in used {
        entries_read(&fns[f].body, &mut out);
    }
    out
}

/// Replaces range indices by index expressions, all at once.
pub fn subst_free(e: &Expr, map: &[(IndexId, Ix)]) -> Expr {
    let map: Vec<(IxVar, Ix)> = map.iter().map(|(i, x)| (IxVar::Free(*i), x.clone())).collect();
    subst_ix_vars(e, &map)
}

/// Replaces index variables (free or bound) by index expressions, all at once.
pub fn subst_ix_vars(e: &Expr, map: &[(IxVar, Ix)]) -> Expr {
    if map.is_empty() {
        return e.clone();
    }
    let ix = |x: &Ix| -> Ix {
        let mut out = Ix { constant: x.constant, terms: Vec::new() };
        for &(coef, var) in &x.terms {
            match map.iter().find(|(v, _)| *v == var) {
                Some((_, with)) => {
                    out.constant += coef * with.constant;
                    out.terms.extend(with.terms.iter().map(|&(c, v)| (coef * c, v)));
                }
                None => out.terms.push((coef, var)),
            }
        }
        out
    };
    let r = |r: &EntryRef| EntryRef { entry: r.entry, args: r.args.iter().map(ix).collect() };
    match e {
        Expr::Index(x) => Expr::Index(ix(x)),
        Expr::Entry(x) => Expr::Entry(r(x)),
        Expr::Delta(a, b) => Expr::Delta(ix(a), ix(b)),
        Expr::Diff(body, t) => Expr::Diff(Box::new(subst_ix_vars(body, map)), r(t)),
        Expr::NodePartial(n, t) => Expr::NodePartial(*n, r(t)),
        Expr::Select(k, items) => Expr::Select(ix(k), items.iter().map(|c| subst_ix_vars(c, map)).collect()),
        Expr::InvAt(m, row, col) => {
            let m = Square { body: subst_ix_vars(&m.body, &unbound(map, &[m.row, m.col])), ..(**m).clone() };
            Expr::InvAt(Box::new(m), ix(row), ix(col))
        }
        Expr::Det(m) => Expr::Det(Box::new(Square {
            body: subst_ix_vars(&m.body, &unbound(map, &[m.row, m.col])),
            ..(**m).clone()
        })),
        // A nested binder of the same index (a function applied inside its own sum) shadows it.
        Expr::Big(op, b, body) => Expr::Big(*op, *b, Box::new(subst_ix_vars(body, &unbound(map, &[*b])))),
        _ => e.map_children(|c| subst_ix_vars(c, map)),
    }
}

/// The substitution without the bound indices a binder rebinds.
fn unbound(map: &[(IxVar, Ix)], bound: &[BoundId]) -> Vec<(IxVar, Ix)> {
    map.iter().filter(|(v, _)| !matches!(v, IxVar::Bound(b) if bound.contains(b))).cloned().collect()
}

/// Whether an expression reads no parameter, no free index outside `slots` and no bound index
/// created before `mark` (one bound outside it).
pub(super) fn self_contained(e: &Expr, slots: &[IndexId], mark: BoundId) -> bool {
    let ok_ix = |ix: &Ix| {
        ix.terms.iter().all(|(_, v)| match v {
            IxVar::Free(i) => slots.contains(i),
            IxVar::Bound(b) => *b >= mark,
            IxVar::Size(_) => true,
        })
    };
    let here = match e {
        Expr::Local(_) => false,
        Expr::Index(ix) | Expr::Select(ix, _) => ok_ix(ix),
        Expr::Entry(r) | Expr::Diff(_, r) | Expr::NodePartial(_, r) => r.args.iter().all(ok_ix),
        Expr::Delta(a, b) | Expr::InvAt(_, a, b) => ok_ix(a) && ok_ix(b),
        _ => true,
    };
    let mut children = true;
    e.for_each_child(|c| children &= self_contained(c, slots, mark));
    here && children
}

/// The free range indices of an expression, each once, in order of appearance.
pub fn free_indices(e: &Expr, out: &mut Vec<IndexId>) {
    for_each_ix_var(e, &mut |v| {
        if let IxVar::Free(i) = v {
            if !out.contains(&i) {
                out.push(i);
            }
        }
    });
}

/// Calls `f` on every index variable an expression's index expressions read (free, bound or a
/// size), in order of appearance, with repeats.
pub fn for_each_ix_var(e: &Expr, f: &mut impl FnMut(IxVar)) {
    let mut each = |ix: &Ix| ix.terms.iter().for_each(|&(_, v)| f(v));
    match e {
        Expr::Index(ix) | Expr::Select(ix, _) => each(ix),
        Expr::Entry(r) | Expr::Diff(_, r) | Expr::NodePartial(_, r) => r.args.iter().for_each(&mut each),
        Expr::Delta(a, b) | Expr::InvAt(_, a, b) => {
            each(a);
            each(b);
        }
        _ => {}
    }
    e.for_each_child(|c| for_each_ix_var(c, f));
}

/// The class labels (`var y in 1..K`) that expressions read, directly or through the
/// definitions, unknown nodes and user functions they use, in order of appearance.
pub fn labels_read(model: &Model, exprs: &[&Expr]) -> Vec<IndexId> {
    // (Most models declare no class label: nothing to walk for.)
    if !model.indices.iter().any(|i| i.label) {
        return Vec::new();
    }
    let mut free = Vec::new();
    let mut seen = vec![false; model.entries.len()];
    let mut seen_fns = vec![false; model.user_functions.len()];
    let mut bodies: Vec<&Expr> = exprs.to_vec();
    while let Some(e) = bodies.pop() {
        free_indices(e, &mut free);
        let mut fns = Vec::new();
        collect_fns(e, &mut fns);
        for f in fns {
            if !std::mem::replace(&mut seen_fns[f], true) {
                bodies.push(&model.user_functions[f].body);
            }
        }
        let mut read = Vec::new();
        entries_read(e, &mut read);
        while let Some(id) = read.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            match &model.entries[id].kind {
                EntryKind::Defined(body) => bodies.push(body),
                EntryKind::Unknown(deps) => read.extend(deps.iter().map(|d| d.entry)),
                EntryKind::Input(_) => {}
            }
        }
    }
    free.retain(|&i| model.indices[i].label);
    free
}
