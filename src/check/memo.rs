//! A memo of derivation results, for runs that check the same derivation in the same model many
//! times (`grade`: the steps copied from the sheet, the same right or wrong derivation written by
//! many students).
//!
//! A derivation's result depends on the model's meaning, the derivation's position among those
//! checked (it seeds the samples), its head, steps, shapes and tolerance, and the options; not on
//! its spans, its name or its notes, which the result only carries, and not on the other
//! derivations (each is checked on its own; see `check_in_parallel`). The memo is keyed by a
//! SHA-256 digest of all of it (spans left out), and a hit is replayed with the derivation's own
//! spans, name and notes. Limits count work: a result is stored with the work it took, and a hit
//! charges that work to the file's budget; where the budget left could not cover it, the
//! derivation is checked afresh (and so stops where a fresh check stops). A result that a spent
//! budget or a safety net in time shaped is never stored. So a hit gives, byte for byte, what a
//! fresh check gives, and the memo changes no report (docs/grading.md, "The memo").

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::{AfterUnread, Cause, CheckOptions, DerivationResult};
use crate::diagnostic::Span;
use crate::model::{Derivation, Model};

/// The most results a memo keeps by default; past it, no more are stored (hits go on).
pub const DEFAULT_MEMO_ENTRIES: usize = 100_000;

/// Derivation results by what they depend on, shared by the threads of a run.
pub struct Memo {
    entries: Mutex<HashMap<[u8; 32], Arc<Memoised>>>,
    capacity: usize,
    hits: AtomicUsize,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memo({} of at most {} results)", self.len(), self.capacity)
    }
}

impl Default for Memo {
    fn default() -> Self {
        Memo::new(DEFAULT_MEMO_ENTRIES)
    }
}

/// A memo and the digest of a model's tables and the options (see [`Memo::scope`]).
pub struct MemoScope<'a> {
    pub(super) memo: &'a Memo,
    pub(super) digest: [u8; 32],
}

/// One stored result: what a fresh check gave, the work it took, and the spans of the derivation
/// it was made for (the derivation's, its steps', then every step's uses of names, in order).
pub(super) struct Memoised {
    result: DerivationResult,
    work: u64,
    spans: Vec<Span>,
}

impl Memo {
    /// An empty memo that keeps at most `capacity` results.
    pub fn new(capacity: usize) -> Memo {
        Memo { entries: Mutex::new(HashMap::new()), capacity, hits: AtomicUsize::new(0) }
    }

    /// How many results it holds.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |m| m.len())
    }

    /// How many results were replayed from it.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    pub(super) fn count_hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The memo for checking models that share `model`'s tables (its declarations, indices,
    /// bounds and nodes; any derivations), with `options`: the digest of all that is computed
    /// once.
    pub fn scope<'a>(&'a self, model: &Model, options: &CheckOptions) -> MemoScope<'a> {
        MemoScope { memo: self, digest: model_digest(model, options) }
    }

    pub(super) fn get(&self, key: &[u8; 32]) -> Option<Arc<Memoised>> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub(super) fn insert(&self, key: [u8; 32], d: &Derivation, result: &DerivationResult, work: u64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() < self.capacity {
            entries.entry(key).or_insert_with(|| Arc::new(Memoised { result: result.clone(), work, spans: spans(d) }));
        }
    }
}

impl Memoised {
    /// The work the fresh check took.
    pub(super) fn work(&self) -> u64 {
        self.work
    }

    /// The stored result as a fresh check of `d` gives it: `d`'s name, spans and notes. `None`
    /// when the result holds a span that is not one of the derivation's (then it is checked
    /// afresh).
    pub(super) fn replay(&self, d: &Derivation) -> Option<DerivationResult> {
        let now = spans(d);
        if now.len() != self.spans.len() || self.result.steps.len() != d.steps.len() {
            return None;
        }
        let moved = |old: Span| self.spans.iter().position(|&s| s == old).map(|p| now[p]);
        let mut result = self.result.clone();
        result.name = d.name.clone();
        result.span = d.span;
        result.unread_last = d.unread_last();
        for (step, written) in result.steps.iter_mut().zip(&d.steps) {
            step.span = written.span;
            step.note = written.note.clone();
            // The lines not read before a step are this derivation's own (they were the stored
            // one's, and the JSON named another submission's lines: a TA).
            step.after_unread = match (step.after_unread, written.after_unread) {
                (None, None) => None,
                (Some(old), Some((unread, last))) => {
                    Some(AfterUnread { unread, last, compared: moved(old.compared)?, head: old.head })
                }
                _ => return None,
            };
            if let Some(Cause::FreeIndex { at: Some(at), .. }) = &mut step.cause {
                *at = moved(*at)?;
            }
        }
        Some(result)
    }
}

/// The spans of a derivation that a result may carry, in a fixed order.
fn spans(d: &Derivation) -> Vec<Span> {
    std::iter::once(d.span)
        .chain(d.steps.iter().map(|s| s.span))
        .chain(d.steps.iter().flat_map(|s| s.name_uses.iter().map(|(_, span)| *span)))
        .collect()
}

/// A SHA-256 digest fed by `write!`, so that a long `Debug` text is hashed without being built,
/// and by a derived `Hash` (the memos of `grade` feed syntax trees so: every field, each
/// collection with its length, each string with its end), which is cheaper than their text.
pub(crate) struct Hashing(pub(crate) Sha256);

impl Write for Hashing {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

impl Hashing {
    /// Feeds a file's declarations (every item but its derivations), wherever they are written:
    /// their number first (so that the digest reads where they end), then each without spans.
    pub(crate) fn declarations(&mut self, file: &crate::syntax::ast::File) {
        use crate::syntax::shift::MapSpans;
        use std::hash::Hash;
        let declarations = file.items.iter().filter(|item| !matches!(item, crate::syntax::ast::Item::Derivation(_)));
        let _ = write!(self, "{}|", declarations.clone().count());
        for item in declarations {
            let mut item = item.clone();
            item.map_spans(&|_| Span::default());
            item.hash(self);
        }
    }
}

impl std::hash::Hasher for Hashing {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Not used: the key is the SHA-256 of what was written.
    fn finish(&self) -> u64 {
        0
    }
}

/// The digest of what every derivation's result in `model` depends on besides the derivation
/// itself: the model's meaning (its declarations, without their spans, and the indices, bounds
/// and nodes the resolver made) and the options that change results. The title, the `grading`
/// line and the derivations are left out: checking reads none of them (the others' hoisted nodes
/// and bound indices are in the model's tables, and so in the digest).
fn model_digest(model: &Model, options: &CheckOptions) -> [u8; 32] {
    let mut h = Hashing(Sha256::new());
    // The number of threads changes no result; the safety nets in time only shape results
    // that are not stored.
    let CheckOptions { seed, samples, numeric, prove, prove_budget, explain, repair, file_budget, jobs: _ } = options;
    let _ = write!(
        h,
        "gradproof memo 1|{}|{seed}|{samples}|{numeric}|{prove}|{}|{explain}|{repair}|{}|",
        env!("CARGO_PKG_VERSION"),
        prove_budget.work,
        file_budget.work
    );
    let _ = write!(h, "{:?}|{:?}|", model.sizes, model.indices);
    for e in &model.entries {
        let _ = write!(h, "{:?}|{:?}|{:?};", e.name, e.slots, e.kind);
    }
    let _ = write!(h, "{:?}|", model.functions);
    for f in &model.user_functions {
        let _ = write!(h, "{:?}|{:?}|{:?};", f.name, f.params, f.body);
    }
    let _ =
        write!(h, "{:?}|{:?}|{:?}|{:?}", model.bounds, model.assumptions, model.domain_sets, model.declarations_failed);
    h.0.finalize().into()
}

/// The key of a derivation's result: the model's digest, its position among the derivations
/// checked (which seeds its samples), and its head, steps, shapes and tolerance without spans,
/// names or notes.
pub(super) fn derivation_key(model_digest: &[u8; 32], position: usize, d: &Derivation) -> [u8; 32] {
    let mut h = Hashing(Sha256::new());
    h.0.update(model_digest);
    let _ = write!(h, "|{position}|{:?}|{:?}|{:?}|", d.head, d.shape, d.tolerance);
    for s in &d.steps {
        let names: Vec<&str> = s.name_uses.iter().map(|(n, _)| n.as_str()).collect();
        let _ = write!(h, "{:?}|{:?}|{:?}|{}|{names:?};", s.relation, s.expr, s.shape, s.restates);
    }
    h.0.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::Memo;
    use crate::check::{check_derivation, check_model, check_model_memo, file_context, CheckOptions};
    use crate::model::{resolve, Model};
    use crate::syntax::parse_file;
    use crate::work::{self, Budget};

    fn model(text: &str) -> Model {
        let (file, errors) = parse_file(text);
        assert!(errors.is_empty(), "{errors:?}");
        let (model, diagnostics) = resolve(&file);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        model
    }

    const P: &str = "derive diff(x^2, x)\n  = 2*x\n";
    const Q: &str = "derive diff(exp(x)*sin(x)*x^2*y, x)\n  = y*(exp(x)*sin(x)*x^2 + exp(x)*cos(x)*x^2 + 2*x*exp(x)*sin(x))\n  = y*exp(x)*x*(x*sin(x) + x*cos(x) + 2*sin(x))\n  = y*exp(x)*x*(x*sin(x) + x*cos(x) + 3*sin(x))\n";
    const X: &str = "derive diff(x^3 * y, x)\n  = 3*x^2*y\n  = 3*y*x^3\n";
    const Z: &str = "derive diff(sin(x)*cos(y), y)\n  = -sin(x)*sin(y)\n  = -sin(y)*sin(x)\n  = sin(y)*sin(x)\n";

    /// The work of checking each derivation of `m` on its own.
    fn work_of(m: &Model, options: &CheckOptions) -> Vec<u64> {
        let ctx = file_context(m, options);
        (0..m.derivations.len())
            .map(|i| {
                work::file(Budget { work: u64::MAX, time: None }, || {
                    check_derivation(&ctx, i, &m.derivations[i], options);
                    work::used()
                })
            })
            .collect()
    }

    fn with_budget(work: u64) -> CheckOptions {
        CheckOptions { file_budget: Budget { work, time: None }, ..CheckOptions::default() }
    }

    #[test]
    fn a_hit_is_what_a_fresh_check_gives_at_other_offsets() {
        let options = CheckOptions::default();
        let a = model(&format!("var x, y\n{X}"));
        let b =
            model(&format!("# a header of some length\n\nvar x, y\n\n{}", X.replace("\n  =", "   # a note\n    =")));
        let memo = Memo::default();
        check_model_memo(&a, &options, Some(&memo.scope(&a, &options)));
        let replayed = check_model_memo(&b, &options, Some(&memo.scope(&b, &options)));
        assert_eq!(memo.hits(), 1);
        assert_eq!(format!("{replayed:?}"), format!("{:?}", check_model(&b, &options)));
    }

    #[test]
    fn a_hit_charges_the_recorded_work_and_one_the_budget_cannot_cover_is_checked_afresh() {
        let declarations = "var x, y\n";
        let first = model(&format!("{declarations}{P}{X}"));
        let w = work_of(&model(&format!("{declarations}{P}{X}{Z}")), &CheckOptions::default());
        let q = work_of(&model(&format!("{declarations}{Q}{X}")), &CheckOptions::default())[0];
        let (p, x, z) = (w[0], w[1], w[2]);
        assert!(q > p && z > 1, "Q must cost more than P: {w:?}, {q}");

        // Z runs out of budget halfway: the hit on X must have charged X's work for Z to stop
        // where a fresh check stops.
        let options = with_budget(p + x + z / 2);
        let memo = Memo::default();
        check_model_memo(&first, &options, Some(&memo.scope(&first, &options)));
        let m = model(&format!("{declarations}{P}{X}{Z}"));
        let replayed = check_model_memo(&m, &options, Some(&memo.scope(&m, &options)));
        assert!(memo.hits() >= 1, "X (and P) are replayed");
        let fresh = check_model(&m, &options);
        assert_eq!(format!("{replayed:?}"), format!("{fresh:?}"));
        let unlimited = check_model(&m, &CheckOptions::default());
        assert_ne!(format!("{:?}", fresh[2]), format!("{:?}", unlimited[2]), "Z must be cut by the budget");

        // After Q, the budget left cannot cover X's recorded work: X is checked afresh, and stops
        // where a fresh check stops.
        let options = with_budget(q + x / 2);
        let memo = Memo::default();
        check_model_memo(&first, &options, Some(&memo.scope(&first, &options)));
        let m = model(&format!("{declarations}{Q}{X}"));
        let hits = memo.hits();
        let replayed = check_model_memo(&m, &options, Some(&memo.scope(&m, &options)));
        assert_eq!(memo.hits(), hits, "no hit past the budget");
        let fresh = check_model(&m, &options);
        assert_eq!(format!("{replayed:?}"), format!("{fresh:?}"));
        let unlimited = check_model(&m, &CheckOptions::default());
        assert_ne!(format!("{:?}", fresh[1]), format!("{:?}", unlimited[1]), "X must be cut by the budget");
    }
}
