//! An error carried forward across derivations: a slip is charged where it was made, and a later
//! derivation that uses the slipped result consistently keeps its credit (docs/grading.md, "Error
//! carried forward").
//!
//! A wrong step of one derivation is *carried* from another derivation when it follows from the
//! step before once the other derivation's head, where the step before writes it, is replaced by
//! the student's own (wrong) answer to it: `∂L/∂h[j] · ∂h[j]/∂W[j,k]` followed by
//! `(their ∂L/∂h[j]) · g'(a[j]) · x[k]`. That is checked like any step, so credit is only ever
//! kept for a step the checker shows consistent with what the student wrote before.

use crate::check::{check_model_memo, CheckOptions, DerivationResult, MemoScope, Verdict};
use crate::model::{Derivation, EntryKind, Expr, IndexId, Ix, IxVar, Model};

use super::matching::{index_renaming, with_derivations};

/// The most steps tried as carried in one submission.
const MAX_TRIED: usize = 64;

/// For each checked derivation and step: the derivation (by its position among the checked ones)
/// whose wrong answer the wrong step carries consistently, if any.
pub(super) fn carried_steps(
    model: &Model,
    checked: &[Derivation],
    results: &[DerivationResult],
    options: &CheckOptions,
    memo: Option<&MemoScope>,
) -> Vec<Vec<Option<usize>>> {
    let mut out: Vec<Vec<Option<usize>>> = results.iter().map(|r| vec![None; r.steps.len()]).collect();
    // The derivations whose final answer is wrong (decided), with that answer.
    let slipped: Vec<(usize, &Expr)> = checked
        .iter()
        .zip(results)
        .enumerate()
        .filter(|(_, (d, r))| !d.steps.is_empty() && !r.final_holds() && r.steps.last().is_some_and(|s| s.holds_known))
        .filter_map(|(k, (d, _))| d.steps.last().map(|s| (k, &s.expr)))
        .collect();
    if slipped.is_empty() {
        return out;
    }
    let mut tried = Vec::new();
    let mut derivations = Vec::new();
    for (k, (d, result)) in checked.iter().zip(results).enumerate() {
        for (i, step) in result.steps.iter().enumerate() {
            if step.verdict != Verdict::Wrong || derivations.len() >= MAX_TRIED {
                continue;
            }
            let before = d.expr_before(i + 1);
            // (A `≈` step is judged as written, with the derivation's tolerance: a TA's Adam step
            // `≈ 1.2 - 0.01 * 0.56 / 1.28` on the student's own moments was judged exactly, and
            // its credit lost.)
            let as_step = |head: Expr| Derivation {
                name: None,
                worth: None,
                head,
                steps: vec![d.steps[i].clone()],
                span: d.span,
                tolerance: d.tolerance,
                shape: d.steps[i].shape.clone(),
                unread: Vec::new(),
            };
            // Each other answer put in, and (where the step before has two or more) all at
            // once: the two paths of backpropagation through time, each with the student's own
            // answer (a TA's RNN sheet).
            let mut with_all = before.clone();
            let mut put_in = Vec::new();
            for &(a, answer) in slipped.iter().filter(|(a, _)| *a != k) {
                let Some(with_answer) = replaced(model, before, &checked[a].head, answer) else { continue };
                tried.push((k, i, a));
                derivations.push(as_step(with_answer));
                if let Some(next) = replaced(model, &with_all, &checked[a].head, answer) {
                    with_all = next;
                    put_in.push(a);
                }
            }
            if put_in.len() >= 2 {
                tried.push((k, i, put_in[0]));
                derivations.push(as_step(with_all));
            }
        }
    }
    if derivations.is_empty() {
        return out;
    }
    let verdicts = check_model_memo(&with_derivations(model, derivations), options, memo);
    for ((k, i, a), v) in tried.into_iter().zip(verdicts) {
        let follows = v.steps.first().is_some_and(|s| matches!(s.verdict, Verdict::Proved | Verdict::Checked));
        if follows && out[k][i].is_none() {
            out[k][i] = Some(a);
        }
    }
    out
}

/// `e` with every occurrence of `head` (also with its free indices renamed) replaced by `answer`
/// (its free indices renamed alike); `None` when `head` does not occur.
fn replaced(model: &Model, e: &Expr, head: &Expr, answer: &Expr) -> Option<Expr> {
    fn walk(model: &Model, e: &Expr, head: &Expr, answer: &Expr, hit: &std::cell::Cell<bool>) -> Expr {
        if e == head {
            hit.set(true);
            return answer.clone();
        }
        if std::mem::discriminant(e) == std::mem::discriminant(head) {
            if let Some(map) = index_renaming(model, head, e).or_else(|| bound_renaming(head, e)) {
                hit.set(true);
                return crate::model::subst_free(answer, &map);
            }
        }
        // `diff(L, z1) * x^T`: a whole array written inside a product is a node of its own, read
        // at the product's position; it is the head when its element there is.
        if let Some(element) = hoisted_element(model, e) {
            if element == *head {
                hit.set(true);
                return answer.clone();
            }
            if let Some(map) = index_renaming(model, head, &element) {
                hit.set(true);
                return crate::model::subst_free(answer, &map);
            }
        }
        e.map_children(|c| walk(model, c, head, answer, hit))
    }
    let hit = std::cell::Cell::new(false);
    let out = walk(model, e, head, answer, &hit);
    hit.get().then_some(out)
}

/// The element an array node made by the resolver (a whole array inside an expression, see
/// `Resolver::hoist`) has where `e` reads it; `None` when `e` reads no such node.
fn hoisted_element(model: &Model, e: &Expr) -> Option<Expr> {
    let Expr::Entry(r) = e else { return None };
    let entry = &model.entries[r.entry];
    let EntryKind::Defined(body) = &entry.kind else { return None };
    if !entry.name.starts_with('_') {
        return None;
    }
    let map: Vec<(IndexId, Ix)> = entry.range_slots().zip(r.args.iter().cloned()).collect();
    Some(crate::model::subst_free(body, &map))
}

/// The head's free indices put for index variables of `e`, free or bound, so that the head is
/// `e`: `diff(L, a2[j])` inside `sum(j, …)` of the step before, `j` bound there (a TA's layer norm
/// and RNN sheets: a slip in the first part was charged again in every part that sums over its
/// head). At most two free indices, each tried at every variable of `e`.
fn bound_renaming(head: &Expr, e: &Expr) -> Option<Vec<(IndexId, Ix)>> {
    let mut free = Vec::new();
    crate::model::free_indices(head, &mut free);
    let mut theirs: Vec<IxVar> = Vec::new();
    crate::model::for_each_ix_var(e, &mut |v| {
        if !matches!(v, IxVar::Size(_)) && !theirs.contains(&v) {
            theirs.push(v);
        }
    });
    if free.is_empty() || free.len() > 2 || theirs.len() < free.len() || theirs.len() > 8 {
        return None;
    }
    let try_map = |chosen: &[IxVar]| -> Option<Vec<(IndexId, Ix)>> {
        let map: Vec<(IndexId, Ix)> = free.iter().zip(chosen).map(|(&i, &v)| (i, crate::model::ix_var(v))).collect();
        (crate::model::subst_free(head, &map) == *e).then_some(map)
    };
    match free.as_slice() {
        [_] => theirs.iter().find_map(|&v| try_map(&[v])),
        _ => theirs.iter().find_map(|&v| theirs.iter().filter(|&&w| w != v).find_map(|&w| try_map(&[v, w]))),
    }
}
