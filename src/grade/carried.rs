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
use crate::model::{Derivation, EntryKind, Expr, IndexId, Ix, Model, Step, ToleranceRule};
use crate::syntax::ast::Relation;

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
            for &(a, answer) in slipped.iter().filter(|(a, _)| *a != k) {
                let Some(with_answer) = replaced(model, before, &checked[a].head, answer) else { continue };
                tried.push((k, i, a));
                derivations.push(Derivation {
                    name: None,
                    worth: None,
                    head: with_answer,
                    steps: vec![Step { relation: Relation::Equal, ..d.steps[i].clone() }],
                    span: d.span,
                    tolerance: ToleranceRule::Rounding,
                    shape: d.steps[i].shape.clone(),
                });
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
            if let Some(map) = index_renaming(model, head, e) {
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
