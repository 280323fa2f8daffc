//! What a run of `grade` computes once and reuses: the checks' results (a [`Memo`] of
//! derivations, see `check::memo`) and the repairs of wrong steps.
//!
//! The search for repairs (`localise`) searches each derivation's wrong steps on their own, with a
//! budget of their own: what it finds for one derivation depends on the file's declarations, that
//! derivation as written (its text and syntax tree), its tolerance, the options and, of its
//! check's results, each step's verdict, cause, whether it was an internal error and whether it
//! is known to equal the head (which steps
//! are searched, and the factor or term a cause names; `localise::wrong_steps` reads nothing else
//! of them), and on nothing else. So its results are kept by derivation, under a digest of all of
//! that with every span of the derivation counted from its start (the declarations' spans left
//! out: they are not read), and replayed with the culprits' spans moved to where the derivation is
//! written in the next submission. A search that a safety net in time may have cut is not stored.
//! A replay gives, byte for byte, what a fresh search gives (docs/grading.md, "The memo").

use std::collections::HashMap;
use std::fmt::Write;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::check::{CheckOptions, DerivationResult, Hashing, Memo, Repair, DEFAULT_MEMO_ENTRIES};
use crate::diagnostic::Span;
use crate::model::Model;
use crate::syntax::ast;
use crate::syntax::shift::MapSpans;
use crate::syntax::LineMemo;

/// The memo of a run of `grade`, shared by every submission graded against one reference.
#[derive(Debug, Default)]
pub struct GradeMemo {
    /// The checks' results, by derivation.
    pub checks: Memo,
    /// The logical lines parsed, by text (the reference's lines are parsed again after every
    /// submission, at other offsets; submissions share lines copied from the sheet).
    pub lines: LineMemo,
    repairs: Repairs,
    repair_hits: AtomicUsize,
}

/// Each step's repair (its culprit's span counted from the derivation's start), the number of
/// changes tried, and whether the search set the likely cause aside (a repair that says more: a
/// replay without it showed "differs only when n ≥ 2" beside the same repair, so two identical
/// submissions in one batch read different causes, a TA tester), by step of one derivation.
type Found = Vec<(Option<Repair>, usize, bool)>;

#[derive(Default)]
struct Repairs(Mutex<HashMap<[u8; 32], Arc<Found>>>);

impl std::fmt::Debug for Repairs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Repairs({})", self.0.lock().map_or(0, |m| m.len()))
    }
}

/// A span counted from `from` (or back to the text's offsets, with `back`).
fn moved(span: Span, from: usize, back: bool) -> Span {
    if back {
        Span::new(span.start + from, span.end + from)
    } else {
        Span::new(span.start.saturating_sub(from), span.end.saturating_sub(from))
    }
}

/// Where the repairs of one derivation are kept: the digest, and the derivation's text as the
/// span its culprits lie in.
#[derive(Debug, Clone, Copy)]
pub(super) struct RepairKey {
    digest: [u8; 32],
    written: Span,
}

impl GradeMemo {
    /// How many searches for repairs (of one derivation each) were replayed.
    pub fn repair_hits(&self) -> usize {
        self.repair_hits.load(Ordering::Relaxed)
    }

    /// The key of the repairs of each derivation of `results` (the check of `model`, whose
    /// derivations are written in `file`, the syntax tree of `text`) that has a wrong step: all
    /// that the search reads for it (see the module's note).
    pub(super) fn repair_keys(
        text: &str,
        file: &ast::File,
        model: &Model,
        results: &[DerivationResult],
        options: &CheckOptions,
    ) -> Vec<Option<RepairKey>> {
        let mut common = Hashing(Sha256::new());
        let CheckOptions { seed, samples, numeric, prove, prove_budget, explain, repair, file_budget, jobs: _ } =
            options;
        let _ = write!(
            common,
            "gradproof repairs 4|{}|{seed}|{samples}|{numeric}|{prove}|{}|{explain}|{repair}|{}|",
            env!("CARGO_PKG_VERSION"),
            prove_budget.work,
            file_budget.work,
        );
        // The declarations, wherever they are written.
        common.declarations(file);
        let common = common.0;
        let syntax: HashMap<Span, &ast::Derivation> = file
            .items
            .iter()
            .filter_map(|item| if let ast::Item::Derivation(d) = item { Some((d.span, d)) } else { None })
            .collect();
        results
            .iter()
            .zip(&model.derivations)
            .map(|(r, d)| {
                if !r.steps.iter().any(|s| s.verdict == crate::check::Verdict::Wrong) {
                    return None;
                }
                let written = syntax.get(&d.span)?;
                let span = written.steps.iter().fold(written.span, |all, s| all.join(s.span).join(s.expr.span));
                let source = text.get(span.range())?;
                let mut h = Hashing(common.clone());
                let from = span.start;
                let mut written = (*written).clone();
                written.map_spans(&|s| moved(s, from, false));
                let _ = write!(h, "{}|{source}|", source.len());
                written.hash(&mut h);
                let _ = write!(h, "|{:?}|", d.tolerance);
                // Of the check's results, what the search reads (the counterexamples, values and
                // proofs are not: hashing their text was most of the key's cost).
                let _ = write!(h, "{}|", r.steps.len());
                for s in &r.steps {
                    let mut cause = s.cause.clone();
                    if let Some(crate::check::Cause::FreeIndex { at: Some(at), .. }) = &mut cause {
                        *at = moved(*at, from, false);
                    }
                    let _ = write!(h, "{:?}|{}|{}|{cause:?};", s.verdict, s.internal_error, s.holds && s.holds_known);
                }
                Some(RepairKey { digest: h.0.finalize().into(), written: span })
            })
            .collect()
    }

    /// Puts the repairs stored under `key` into `result`; false when there are none (or they do
    /// not fit).
    pub(super) fn replay_repairs(&self, key: &RepairKey, result: &mut DerivationResult) -> bool {
        let Some(found) = self.repairs.0.lock().ok().and_then(|m| m.get(&key.digest).cloned()) else { return false };
        if found.len() != result.steps.len() {
            return false;
        }
        for ((repair, tried, set_aside), step) in found.iter().zip(&mut result.steps) {
            let mut repair = repair.clone();
            if let Some(culprit) = repair.as_mut().and_then(|r| r.culprit.as_mut()) {
                *culprit = moved(*culprit, key.written.start, true);
            }
            step.repair = repair;
            step.repairs_tried = *tried;
            if *set_aside {
                step.cause = None;
            }
        }
        self.repair_hits.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Stores the repairs that a search put into `result`; `causes` says which of its steps had a
    /// likely cause before the search.
    pub(super) fn store_repairs(&self, key: &RepairKey, result: &DerivationResult, causes: &[bool]) {
        let mut culprits = result.steps.iter().filter_map(|s| s.repair.as_ref()?.culprit);
        if culprits.any(|c| c.start < key.written.start || c.end > key.written.end) {
            return;
        }
        let found: Found = result
            .steps
            .iter()
            .zip(causes)
            .map(|(s, &had_cause)| {
                let mut repair = s.repair.clone();
                if let Some(culprit) = repair.as_mut().and_then(|r| r.culprit.as_mut()) {
                    *culprit = moved(*culprit, key.written.start, false);
                }
                (repair, s.repairs_tried, had_cause && s.cause.is_none())
            })
            .collect();
        if let Ok(mut m) = self.repairs.0.lock() {
            if m.len() < DEFAULT_MEMO_ENTRIES {
                m.entry(key.digest).or_insert_with(|| Arc::new(found));
            }
        }
    }
}
