//! What a run of `grade` computes once and reuses: the checks' results (a [`Memo`] of
//! derivations, see `check::memo`) and the repairs of wrong steps.
//!
//! The search for repairs (`localise`) works on a whole file at once: its budget of work is the
//! file's, and the samples of a candidate depend on the candidates of the other wrong steps before
//! it. So its results are kept by everything it reads — the text (as resolved with the
//! reference), the model's tables, the derivations checked, their results and the options — and
//! are reused where all of that recurs. Leading lines of comments (a student's name above the
//! answer) only move every offset after them: the key leaves them out, every span in it is
//! counted from where they end, and a replayed repair's span is moved to the submission's own
//! offsets. A search that a safety net in time may have cut is not stored. A replay gives, byte
//! for byte, what a fresh search gives (docs/grading.md, "The memo").

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::check::{CheckOptions, DerivationResult, Memo, Repair, DEFAULT_MEMO_ENTRIES};
use crate::diagnostic::Span;
use crate::model::Model;
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

/// Each step's repair (its span counted from the end of the leading comments) and the number of
/// changes tried, by derivation and step.
type Found = Vec<Vec<(Option<Repair>, usize)>>;

#[derive(Default)]
struct Repairs(Mutex<HashMap<[u8; 32], Arc<Found>>>);

impl std::fmt::Debug for Repairs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Repairs({})", self.0.lock().map_or(0, |m| m.len()))
    }
}

/// A SHA-256 digest fed by `write!`.
struct Hashing(Sha256);

impl Write for Hashing {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// The length of the leading lines of `text` that hold nothing but spaces and comments.
pub(super) fn leading_comments(text: &str) -> usize {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if !(t.is_empty() || t.starts_with('#')) || !line.ends_with('\n') {
            break;
        }
        at += line.len();
    }
    at
}

/// A span counted from `from` (or back to the text's offsets, with `back`).
fn moved(span: Span, from: usize, back: bool) -> Span {
    if back {
        Span::new(span.start + from, span.end + from)
    } else {
        Span::new(span.start.saturating_sub(from), span.end.saturating_sub(from))
    }
}

impl GradeMemo {
    /// How many searches for repairs were replayed.
    pub fn repair_hits(&self) -> usize {
        self.repair_hits.load(Ordering::Relaxed)
    }

    /// The key of the repairs of `results` (the check of `model`, resolved from `text`): all that
    /// the search reads, with the leading comments (`skip` bytes) left out and every span
    /// counted from their end.
    pub(super) fn repair_key(
        text: &str,
        skip: usize,
        model: &Model,
        results: &[DerivationResult],
        options: &CheckOptions,
    ) -> [u8; 32] {
        let mut h = Hashing(Sha256::new());
        let CheckOptions { seed, samples, numeric, prove, prove_budget, explain, repair, file_budget, jobs: _ } =
            options;
        let _ = write!(
            h,
            "gradproof repairs 1|{}|{seed}|{samples}|{numeric}|{prove}|{}|{explain}|{repair}|{}|{}|",
            env!("CARGO_PKG_VERSION"),
            prove_budget.work,
            file_budget.work,
            text.len() - skip
        );
        h.0.update(&text.as_bytes()[skip..]);
        let _ = write!(h, "|{:?}|{:?}|{:?}|", model.sizes, model.indices, model.functions);
        for e in &model.entries {
            let _ = write!(h, "{:?}|{:?}|{:?}|{:?};", e.name, e.slots, e.kind, moved(e.span, skip, false));
        }
        for f in &model.user_functions {
            let _ = write!(h, "{:?}|{:?}|{:?}|{:?};", f.name, f.params, f.body, moved(f.span, skip, false));
        }
        let _ = write!(
            h,
            "{:?}|{:?}|{:?}|{:?}|",
            model.bounds, model.assumptions, model.domain_sets, model.declarations_failed
        );
        for d in &model.derivations {
            let mut d = d.clone();
            d.span = moved(d.span, skip, false);
            for s in &mut d.steps {
                s.span = moved(s.span, skip, false);
                for (_, span) in &mut s.name_uses {
                    *span = moved(*span, skip, false);
                }
            }
            let _ = write!(h, "{d:?};");
        }
        for r in results {
            let mut r = r.clone();
            r.span = moved(r.span, skip, false);
            for s in &mut r.steps {
                s.span = moved(s.span, skip, false);
                if let Some(crate::check::Cause::FreeIndex { at: Some(at), .. }) = &mut s.cause {
                    *at = moved(*at, skip, false);
                }
            }
            let _ = write!(h, "{r:?};");
        }
        h.0.finalize().into()
    }

    /// Puts the repairs stored under `key` into `results`; false when there are none (or they do
    /// not fit).
    pub(super) fn replay_repairs(&self, key: &[u8; 32], skip: usize, results: &mut [DerivationResult]) -> bool {
        let Some(found) = self.repairs.0.lock().ok().and_then(|m| m.get(key).cloned()) else { return false };
        let fits = found.len() == results.len() && found.iter().zip(&*results).all(|(f, r)| f.len() == r.steps.len());
        if !fits {
            return false;
        }
        for (f, r) in found.iter().zip(results) {
            for ((repair, tried), step) in f.iter().zip(&mut r.steps) {
                let mut repair = repair.clone();
                if let Some(culprit) = repair.as_mut().and_then(|r| r.culprit.as_mut()) {
                    *culprit = moved(*culprit, skip, true);
                }
                step.repair = repair;
                step.repairs_tried = *tried;
            }
        }
        self.repair_hits.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Stores the repairs that a search put into `results`.
    pub(super) fn store_repairs(&self, key: [u8; 32], skip: usize, results: &[DerivationResult]) {
        let culprits = results.iter().flat_map(|r| &r.steps).filter_map(|s| s.repair.as_ref()?.culprit);
        if culprits.into_iter().any(|c| c.start < skip) {
            return;
        }
        let found: Found = results
            .iter()
            .map(|r| {
                r.steps
                    .iter()
                    .map(|s| {
                        let mut repair = s.repair.clone();
                        if let Some(culprit) = repair.as_mut().and_then(|r| r.culprit.as_mut()) {
                            *culprit = moved(*culprit, skip, false);
                        }
                        (repair, s.repairs_tried)
                    })
                    .collect()
            })
            .collect();
        if let Ok(mut m) = self.repairs.0.lock() {
            if m.len() < DEFAULT_MEMO_ENTRIES {
                m.entry(key).or_insert_with(|| Arc::new(found));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::leading_comments;

    #[test]
    fn leading_comments_are_whole_lines_of_spaces_and_comments() {
        assert_eq!(leading_comments("# Ada\n\n  # x\nvar x\n"), 13);
        assert_eq!(leading_comments("var x # y\n"), 0);
        // A comment on the last line without its newline is not left out: nothing follows it.
        assert_eq!(leading_comments("# a\n# b"), 4);
    }
}
