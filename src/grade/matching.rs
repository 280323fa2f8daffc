//! A submission in the reference's model: its declarations compared with the reference's, its
//! derivations resolved against the reference's declarations, and matched to the reference's
//! derivations by name, else by an equal head.

use std::collections::HashMap;

use super::reference::{declarations, Declaration, Reference};
use crate::check::{check_model_memo, CheckOptions, MemoScope, Verdict};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::{
    expr_text, free_indices, ix_var, resolve, subst_free, Derivation, EntryId, EntryKind, EntryRef, Expr, IndexId, Ix,
    IxVar, Model, Shape, Slot, Step, ToleranceRule,
};

use crate::syntax::ast::{self, Item, Relation};
use crate::syntax::{lines, parse_file, parse_file_remembering, LineMemo};

/// The most derivations of a submission whose heads are compared with the reference's.
const MAX_HEAD_CANDIDATES: usize = 32;

/// How a submission's derivation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// Same quoted name.
    Name,
    /// A head that the check shows equal to the reference's.
    Head,
}

impl MatchedBy {
    /// `name` or `head`.
    pub fn word(self) -> &'static str {
        match self {
            MatchedBy::Name => "name",
            MatchedBy::Head => "head",
        }
    }
}

/// A submission's derivation as parsed.
#[derive(Debug, Clone)]
pub(super) struct SubmissionDerivation {
    /// Its quoted name, if any.
    pub name: Option<String>,
    /// The `derive` line.
    pub span: Span,
    /// From the `derive` line to the end of the last step.
    pub extent: Span,
    /// Its index among the combined model's derivations, when it resolved.
    pub resolved: Option<usize>,
}

/// A submission and the reference in one model.
pub(super) struct Combined {
    /// The reference's declarations (and the names the submission added), the submission's
    /// derivations and then the reference's.
    pub model: Model,
    /// Name errors of the submission.
    pub errors: Vec<Diagnostic>,
    /// Whether the reference's part did not resolve as it does alone (a name the submission
    /// added clashes with it), or a declaration failed.
    pub clash: bool,
    /// The submission's derivations, in file order.
    pub derivations: Vec<SubmissionDerivation>,
    /// For each derivation of the reference, its index among the model's derivations.
    pub reference: Vec<usize>,
    /// The submission's text (declarations blanked; an answer's as written) and the reference's,
    /// as one text: what the model was resolved from (the repairs of wrong steps quote it).
    pub text: String,
    /// The syntax tree of `text`.
    pub file: ast::File,
    /// The entries the submission declares itself (its own names, kept).
    pub own: Vec<EntryId>,
    /// The length of the reference's text at the end of `text`.
    pub reference_len: usize,
    /// The submission's `derive` lines with no step below them: parts not attempted.
    pub unfilled: Vec<Unfilled>,
    /// Whether the submission is an answer in LaTeX, Markdown or a notebook: its repairs are said
    /// in LaTeX, as its culprits are written.
    pub latex: bool,
    /// Whether it is a notebook, whose text is JSON: its culprits are quoted unescaped.
    pub notebook: bool,
    /// The answer's inline math that writes an equation (not read: a missing part may be there).
    pub inline: Vec<Span>,
}

/// A `derive` line of a submission with no step below it (a part of the sheet left as handed out).
pub(super) struct Unfilled {
    /// Its quoted name, if any.
    pub name: Option<String>,
    /// The `derive` line.
    pub span: Span,
    /// Its head as written, without white space.
    pub head: String,
}

impl Unfilled {
    /// Whether it is the reference's derivation `r`: by its name, else by its head written alike.
    pub fn is(&self, r: &super::ReferenceDerivation) -> bool {
        match &self.name {
            Some(name) => Some(name) == r.written_name.as_ref(),
            None => self.head == without_space(&r.head_text),
        }
    }
}

/// A text without its white space.
fn without_space(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// What a submission's declarations do to the reference's model (none, by default: an answer
/// read from LaTeX declares nothing).
#[derive(Default)]
pub(super) struct DeclarationChanges {
    /// One diagnostic (with a span in the submission) per changed, missing or added declaration.
    pub changes: Vec<Diagnostic>,
    /// Those of `changes` where the submission's own declaration is not used (changed, or added
    /// and ignored): the ones that may cost points.
    pub overridden: Vec<Diagnostic>,
    /// Those of `changes` that add a new name, kept: perhaps the reference's under another name.
    pub added: Vec<Diagnostic>,
    /// The parts of the submission's declaration lines to blank: all but the keywords and the
    /// declarations that only add a new name.
    pub blank: Vec<Span>,
    /// The parts kept (blank them too to use the reference's declarations alone).
    pub kept: Vec<Span>,
}

/// Compares a submission's declarations with the reference's by their syntax trees.
pub(super) fn compare_declarations(reference: &Reference, file: &ast::File, source: &str) -> DeclarationChanges {
    let lines: Vec<Span> = lines::split(source).0.into_iter().map(|l| l.span).collect();
    let mine = declarations(file, &lines);
    let theirs: HashMap<&str, &Declaration> = reference.declarations.iter().map(|d| (d.name.as_str(), d)).collect();
    let quote = |d: &Declaration| one_line(&reference.source[d.line.range()]);
    let mut changes = Vec::new();
    let mut overridden = Vec::new();
    let mut added_changes = Vec::new();
    let mut added = vec![false; mine.len()];
    for (k, d) in mine.iter().enumerate() {
        let (message, hint) = match theirs.get(d.name.as_str()) {
            Some(r) if r.canonical == d.canonical => continue,
            // How the points are shared is the reference's to say: a `grading` line of the
            // submission changes nothing, and explains no loss.
            Some(r) if r.what == "grading" => {
                let note = Diagnostic::error(d.line, "the `grading` line of a submission is ignored")
                    .with_hint(format!("graded with the reference's `{}`", quote(r)));
                changes.push(note);
                continue;
            }
            // (A tolerance has no name: `tolerance 2` is the second line, `d.name` a key.)
            Some(r) if r.what == "tolerance" => (
                format!("changed tolerance: `{}`", one_line(&source[d.line.range()])),
                format!("graded with the reference's `{}`", quote(r)),
            ),
            Some(r) => {
                (format!("changed {} of `{}`", r.what, r.name), format!("graded with the reference's `{}`", quote(r)))
            }
            None if d.addable && !reference.words.contains(family(&d.name)) => {
                added[k] = true;
                let message = format!("added {} of `{}`, which the reference does not have", d.what, d.name);
                (message, "kept, as it only introduces a new name".to_string())
            }
            None if d.addable => (
                format!("added {} of `{}`, a name the reference uses otherwise", d.what, d.name),
                "ignored: declaring it would change what the reference's lines mean".to_string(),
            ),
            None => (
                format!("added {} `{}`, which the reference does not have", d.what, one_line(&source[d.line.range()])),
                format!("ignored: only the reference's {}s count", d.what),
            ),
        };
        let change = Diagnostic::error(d.line, message).with_hint(hint);
        // (An index of its own is named among the changes, but stands for none of the reference's
        // quantities: no reason to look at the submission.)
        if added[k] {
            if !d.index {
                added_changes.push(change.clone())
            }
        } else {
            overridden.push(change.clone())
        }
        changes.push(change);
    }
    /// The most missing declarations named one by one.
    const MISSING_NAMED: usize = 8;
    // Only what declares names is reported missing (the reference's `assume`, `tolerance` and
    // `grading` apply anyway), and many at once in one line.
    let missing: Vec<&Declaration> =
        reference.declarations.iter().filter(|r| r.addable && !mine.iter().any(|d| d.name == r.name)).collect();
    if missing.len() > 3 {
        // At most eight named (a TA: an empty file's feedback listed all 35 of the sheet's).
        let mut names: Vec<String> = missing.iter().take(MISSING_NAMED).map(|r| format!("`{}`", r.name)).collect();
        if missing.len() > MISSING_NAMED {
            names.push(format!("and {} more", missing.len() - MISSING_NAMED));
        }
        changes.push(
            Diagnostic::error(
                Span::default(),
                format!("missing {} of the reference's declarations: {}", missing.len(), names.join(", ")),
            )
            .with_hint("graded with the reference's model")
            .without_source(),
        );
    } else {
        for r in missing {
            changes.push(
                Diagnostic::error(Span::default(), format!("missing {} of `{}`", r.what, r.name))
                    .with_hint(format!("graded with the reference's `{}`", quote(r)))
                    .without_source(),
            );
        }
    }
    // Every declaration line is blanked but for its keyword and its added declarations (each
    // after the first with the comma before it), so that these are read at their own offsets.
    let mut blank = Vec::new();
    let mut kept = Vec::new();
    for line in &lines {
        let t = source[line.range()].trim_start();
        if ["derive", "=", "≈", "~="].iter().any(|p| t.starts_with(p)) {
            continue;
        }
        let on_line: Vec<usize> = (0..mine.len()).filter(|&k| mine[k].line == *line).collect();
        let mut keep = Vec::new();
        for (n, &k) in on_line.iter().enumerate().filter(|(_, &k)| added[k]) {
            let end =
                on_line.get(n + 1).map_or(line.end, |&next| comma_before(source, mine[k].start, mine[next].start));
            let start = if keep.is_empty() { mine[k].start } else { comma_before(source, line.start, mine[k].start) };
            keep.push(Span::new(start, end));
        }
        if let Some(first) = on_line.first().filter(|_| !keep.is_empty()) {
            keep.insert(0, Span::new(line.start, mine[*first].start));
        }
        let mut at = line.start;
        for k in &keep {
            blank.push(Span::new(at, k.start));
            at = k.end;
        }
        blank.push(Span::new(at, line.end));
        kept.extend(keep);
    }
    DeclarationChanges { changes, overridden, added: added_changes, blank, kept }
}

/// Whether an entry is a hidden node made by the resolver (its name is no identifier: `_12`).
pub(super) fn is_hidden(name: &str) -> bool {
    name.starts_with('_')
}

/// The family of a declared name: `s` for `s[c,t]`.
fn family(name: &str) -> &str {
    name.split('[').next().unwrap_or(name)
}

/// The offset of the last comma in `from..to` (or `to` when there is none).
fn comma_before(source: &str, from: usize, to: usize) -> usize {
    source.get(from..to).and_then(|t| t.rfind(',')).map_or(to, |i| from + i)
}

/// The submission's derivations followed by the reference, resolved as one file: the
/// submission's declaration lines are blanked (keeping every offset), so its derivations are read
/// in the reference's model, and every span below the submission's length is in the submission.
/// `parsed` holds the lines parsed before (the submission's; with the run's memo, also the
/// reference's and other submissions'): those are not parsed again.
pub(super) fn combine(
    reference: &Reference,
    file: &ast::File,
    source: &str,
    blank: &[Span],
    parsed: &LineMemo,
) -> Combined {
    let text = format!("{}\n{}", blanked(source, blank), reference.source);
    let (combined_file, syntax_errors) = parse_file_remembering(&text, parsed);
    resolve_combined(reference, file, source.len(), text, combined_file, &syntax_errors)
}

/// An answer read from LaTeX, Markdown or a notebook (`file`: its derivations, with spans in
/// `answer`) followed by the reference, resolved as one file: the reference's items are parsed
/// after the answer's text blanked whole, so their spans lie past the answer's, as in [`combine`].
pub(super) fn combine_answer(reference: &Reference, file: &ast::File, answer: &str) -> Combined {
    let blank = blanked(answer, &[Span::new(0, answer.len())]);
    let (mut combined_file, syntax_errors) = parse_file(&format!("{blank}\n{}", reference.source));
    combined_file.items.splice(0..0, file.items.iter().cloned());
    let text = format!("{answer}\n{}", reference.source);
    let combined = resolve_combined(reference, file, answer.len(), text, combined_file, &syntax_errors);
    Combined { latex: true, ..combined }
}

/// The submission's derivations (`file`, the first `len` bytes of `text`) and the reference's in
/// `combined_file`, resolved.
fn resolve_combined(
    reference: &Reference,
    file: &ast::File,
    len: usize,
    text: String,
    mut combined_file: ast::File,
    syntax_errors: &[Diagnostic],
) -> Combined {
    let offset = len + 1;
    // The reference's indices are declared first, so that a definition the submission adds
    // (`let z[j] = …`, above the reference's text) may use them as subscripts.
    combined_file
        .items
        .sort_by_key(|item| !matches!(item, Item::Index(d) if d.first().is_some_and(|d| d.name.span.start >= offset)));
    let (model, diagnostics) = resolve(&combined_file);
    // A submission's syntax error must not reach into the reference's lines.
    let reference_broken = syntax_errors.iter().any(|d| d.span.end > offset);
    let (errors, in_reference): (Vec<Diagnostic>, Vec<Diagnostic>) =
        diagnostics.into_iter().partition(|d| d.span.start < offset);
    let errors = errors.into_iter().map(|d| within(d, len)).collect();
    let mut derivations = Vec::new();
    for item in &file.items {
        if let Item::Derivation(d) = item {
            let end =
                d.steps.iter().map(|s| s.span.end).chain(d.unread.iter().map(|u| u.end)).fold(d.span.end, usize::max);
            derivations.push(SubmissionDerivation {
                name: d.name.clone(),
                span: d.span,
                extent: Span::new(d.span.start, end),
                resolved: model.derivations.iter().position(|m| m.span == d.span),
            });
        }
    }
    let reference_ids: Vec<usize> =
        (0..model.derivations.len()).filter(|&k| model.derivations[k].span.start >= offset).collect();
    let clash = model.declarations_failed
        || reference_broken
        || !in_reference.is_empty()
        || reference_ids.len() != reference.derivations.len();
    // Not the hidden nodes the resolver makes of array operands (`_12`): they are no one's names.
    let own = (0..model.entries.len())
        .filter(|&id| model.entries[id].span.start < offset && !is_hidden(&model.entries[id].name))
        .collect();
    let reference_len = reference.source.len();
    let unfilled = file
        .unfilled
        .iter()
        .map(|d| Unfilled {
            name: d.name.clone(),
            span: d.span,
            head: without_space(text.get(d.head.span.range()).unwrap_or_default()),
        })
        .collect();
    Combined {
        model,
        errors,
        clash,
        derivations,
        reference: reference_ids,
        text,
        file: combined_file,
        own,
        reference_len,
        unfilled,
        latex: false,
        notebook: false,
        inline: Vec::new(),
    }
}

/// A derivation of the submission matched to one of the reference's.
#[derive(Debug, Clone, Copy)]
pub(super) struct Match {
    /// Its index among the submission's derivations.
    pub sub: usize,
    /// How it was found.
    pub by: MatchedBy,
    /// Whether its head equals the reference's (always, when found by its head).
    pub same_head: bool,
}

/// Matches the reference's derivations (by position) to the submission's: by name first, then by
/// a head the check shows equal (written alike, or proved or checked equal).
pub(super) fn match_derivations(
    reference: &Reference,
    combined: &Combined,
    options: &CheckOptions,
    memo: Option<&MemoScope>,
) -> Vec<Option<Match>> {
    let model = &combined.model;
    let text = |id: usize| expr_text(model, &model.derivations[id].head);
    let theirs: Vec<String> = combined.reference.iter().map(|&id| text(id)).collect();
    let mine: Vec<Option<String>> = combined.derivations.iter().map(|d| d.resolved.map(text)).collect();
    let mut by_name: Vec<Option<usize>> = vec![None; reference.derivations.len()];
    let mut taken = vec![false; combined.derivations.len()];
    // A head written exactly as one of the reference's (and no other's) is that derivation,
    // whatever its name: two names swapped by a slip of copy and paste are no answers to the
    // other questions. (Matched by name where the names agree too.)
    let mut written_alike: Vec<Option<usize>> = vec![None; reference.derivations.len()];
    for r in 0..theirs.len() {
        if theirs.iter().filter(|t| **t == theirs[r]).count() > 1 {
            continue;
        }
        // (Not an unnamed one where a derivation has this part's name: that is the answer, and
        // the unnamed one a check beside it; a second reviewer: a named answer with its head
        // reordered scored 2 of 6 for an unnamed check written like the reference's head.)
        let named = reference.derivations[r]
            .written_name
            .as_ref()
            .is_some_and(|name| combined.derivations.iter().any(|d| d.name.as_ref() == Some(name)));
        let candidate = |s: usize| {
            !taken[s] && mine[s].as_ref() == Some(&theirs[r]) && !(named && combined.derivations[s].name.is_none())
        };
        if let Some(s) = (0..taken.len()).find(|&s| candidate(s)) {
            taken[s] = true;
            written_alike[r] = Some(s);
        }
    }
    for (r, rd) in reference.derivations.iter().enumerate() {
        if let Some(s) = written_alike[r] {
            if rd.written_name.is_some() && combined.derivations[s].name == rd.written_name {
                by_name[r] = Some(s);
            }
            continue;
        }
        let Some(name) = &rd.written_name else { continue };
        if let Some(s) = (0..taken.len()).find(|&s| !taken[s] && combined.derivations[s].name.as_ref() == Some(name)) {
            taken[s] = true;
            by_name[r] = Some(s);
        }
    }
    // Past a few dozen unmatched derivations a file is not a submission of this sheet; their
    // heads are not all tried (each pair is a derivation to check).
    let open: Vec<usize> = (0..taken.len()).filter(|&s| !taken[s]).take(MAX_HEAD_CANDIDATES).collect();
    let candidates: Vec<(usize, usize)> = (0..theirs.len())
        .flat_map(|r| match by_name[r] {
            Some(s) => vec![(r, s)],
            None => open.iter().map(|&s| (r, s)).collect(),
        })
        .filter(|&(_, s)| mine[s].is_some())
        .collect();
    // Heads written alike are equal; the others are checked, all at once.
    let written_apart: Vec<(usize, usize)> =
        candidates.iter().copied().filter(|&(r, s)| mine[s].as_ref() != Some(&theirs[r])).collect();
    let equal_by_check = heads_equal(combined, &written_apart, options, memo);
    let equal = |r: usize, s: usize| match written_apart.iter().position(|&p| p == (r, s)) {
        Some(k) => equal_by_check.get(k).copied().unwrap_or(false),
        None => mine[s].is_some(),
    };
    let mut matches: Vec<Option<Match>> = by_name
        .iter()
        .enumerate()
        .map(|(r, m)| m.map(|s| Match { sub: s, by: MatchedBy::Name, same_head: mine[s].is_none() || equal(r, s) }))
        .collect();
    for (r, s) in written_alike.iter().enumerate().filter_map(|(r, s)| Some((r, (*s)?))) {
        if matches[r].is_none() {
            matches[r] = Some(Match { sub: s, by: MatchedBy::Head, same_head: true });
        }
    }
    for (r, s) in candidates {
        if matches[r].is_none() && !taken[s] && equal(r, s) {
            taken[s] = true;
            matches[r] = Some(Match { sub: s, by: MatchedBy::Head, same_head: true });
        }
    }
    matches
}

/// Whether the heads of each pair are equal: one derivation per pair, the reference's head with
/// the submission's as its one step, checked together.
fn heads_equal(
    combined: &Combined,
    pairs: &[(usize, usize)],
    options: &CheckOptions,
    memo: Option<&MemoScope>,
) -> Vec<bool> {
    if pairs.is_empty() {
        return Vec::new();
    }
    let model = &combined.model;
    let derivations = pairs
        .iter()
        .filter_map(|&(r, s)| {
            let theirs = &model.derivations[*combined.reference.get(r)?];
            let mine = &model.derivations[combined.derivations[s].resolved?];
            let step = Step {
                relation: Relation::Equal,
                expr: mine.head.clone(),
                note: None,
                span: mine.span,
                shape: mine.shape.clone(),
                name_uses: Vec::new(),
                restates: false,
                after_unread: None,
            };
            Some(Derivation {
                name: None,
                worth: None,
                head: theirs.head.clone(),
                steps: vec![step],
                span: mine.span,
                tolerance: ToleranceRule::Rounding,
                shape: theirs.shape.clone(),
                unread: Vec::new(),
            })
        })
        .collect();
    check_model_memo(&with_derivations(model, derivations), options, memo)
        .iter()
        .map(|d| d.steps.first().is_some_and(|s| matches!(s.verdict, Verdict::Proved | Verdict::Checked)))
        .collect()
}

/// The model with other derivations (declarations and bound indices shared).
pub(super) fn with_derivations(model: &Model, derivations: Vec<Derivation>) -> Model {
    let mut m = Model { derivations: Vec::new(), ..model.clone() };
    m.derivations = derivations;
    m
}

/// What [`align`] did to a submission's derivations to read them in the reference's terms.
#[derive(Debug, Default)]
pub(super) struct Aligned {
    /// The submission's own definitions graded as the reference's of the same value: its name and
    /// the reference's, as written (`z[j]`, `a[j]`).
    pub renamed: Vec<(String, String)>,
    /// For each of the submission's derivations (in file order), how it was rewritten, in words
    /// (empty: as written).
    pub notes: Vec<Vec<String>>,
    /// For each of the submission's derivations, the reference's names of the free indices its
    /// head was read with and the submission's own (`i`, `r`): a counterexample is told in the
    /// student's.
    pub indices: Vec<Vec<(String, String)>>,
}

/// Reads a submission's derivations in the reference's terms, where they differ only in names:
///
/// - a definition of its own whose value is a definition of the reference's (`let z[j] = …` for the
///   reference's `a[j]`, proved or checked equal with the same range of every subscript) is
///   graded as the reference's, so that `∂L/∂z[j]` is the derivative through the reference's
///   model rather than 0 (nothing in it depends on a name the reference does not have);
/// - a head written element by element (`diff(L, W[j,k])`) where the reference has the whole array
///   (`diff(L, W)`), or the other way round, is the reference's head: the derivation's free indices
///   are renamed to the reference's positions and its steps are compared element by element.
pub(super) fn align(combined: &mut Combined, options: &CheckOptions, memo: Option<&MemoScope>) -> Aligned {
    let n = combined.derivations.len();
    let mut aligned = Aligned { renamed: Vec::new(), notes: vec![Vec::new(); n], indices: vec![Vec::new(); n] };
    let mine: Vec<(usize, usize)> =
        combined.derivations.iter().enumerate().filter_map(|(s, d)| d.resolved.map(|id| (s, id))).collect();
    if mine.is_empty() {
        return aligned;
    }
    let renames = same_definitions(combined, options, memo);
    if !renames.is_empty() {
        let model = &mut combined.model;
        for &(s, id) in &mine {
            let d = &model.derivations[id];
            let head = rename_entries(&d.head, &renames);
            let steps: Vec<Expr> = d.steps.iter().map(|st| rename_entries(&st.expr, &renames)).collect();
            if head != d.head || steps.iter().zip(&d.steps).any(|(a, b)| *a != b.expr) {
                aligned.notes[s].push(String::new());
            }
            let d = &mut model.derivations[id];
            d.head = head;
            for (st, e) in d.steps.iter_mut().zip(steps) {
                st.expr = e;
            }
        }
        let text = |id: EntryId| {
            let e = &combined.model.entries[id];
            // Every subscript, labels too (`zeta[c,t]`, not `zeta[c]`).
            let args: Vec<String> = e
                .slots
                .iter()
                .map(|slot| match slot {
                    Slot::Range(i) => combined.model.indices[*i].name.clone(),
                    Slot::Label(label, 0) => label.clone(),
                    Slot::Label(label, k) => format!("{label}{k:+}"),
                })
                .collect();
            if args.is_empty() {
                e.name.clone()
            } else {
                format!("{}[{}]", e.name, args.join(","))
            }
        };
        aligned.renamed = renames.iter().map(|&(a, b)| (text(a), text(b))).collect();
        let said: Vec<String> = aligned.renamed.iter().map(|(a, b)| format!("`{a}` as `{b}`")).collect();
        let note =
            format!("read with the reference's names for your definitions of the same value: {}", said.join(", "));
        for n in aligned.notes.iter_mut().flatten() {
            *n = note.clone();
        }
    }
    // Element by element, or the whole array: the head's free indices renamed to the reference's.
    let model = &mut combined.model;
    for &(s, id) in &mine {
        for &r in &combined.reference {
            let (theirs, d) = (&model.derivations[r], &model.derivations[id]);
            if theirs.head == d.head {
                break;
            }
            let Some(map) = index_renaming(model, &d.head, &theirs.head) else { continue };
            let shape = theirs.shape.clone();
            let written = |span: Span| {
                combined.file.items.iter().find_map(|item| match item {
                    Item::Derivation(a) if a.span == span => combined.text.get(a.head.span.range()),
                    _ => None,
                })
            };
            let as_text = |d: &Derivation| written(d.span).map_or_else(|| expr_text(model, &d.head), str::to_string);
            let (written, whole) = (as_text(d), as_text(theirs));
            aligned.indices[s] = map
                .iter()
                .filter_map(|(mine, ix)| match ix.terms.as_slice() {
                    [(1, IxVar::Free(theirs))] if ix.constant == 0 && theirs != mine => {
                        Some((model.indices[*theirs].name.clone(), model.indices[*mine].name.clone()))
                    }
                    _ => None,
                })
                .collect();
            let d = &mut model.derivations[id];
            d.head = subst_free(&d.head, &map);
            for st in &mut d.steps {
                st.expr = subst_free(&st.expr, &map);
                st.shape = shape.clone();
            }
            d.shape = shape;
            aligned.notes[s].push(format!(
                "your head `{written}` is read as the reference's `{whole}`: your steps are compared with it element by element"
            ));
            break;
        }
    }
    aligned
}

/// The submission's own definitions that have the value of one of the reference's (each at most
/// once), checked all at once as `derive a[j] = z[j]`.
fn same_definitions(combined: &Combined, options: &CheckOptions, memo: Option<&MemoScope>) -> Vec<(EntryId, EntryId)> {
    let model = &combined.model;
    let offset = combined.text.len() - combined.reference_len;
    let defined = |id: EntryId| matches!(model.entries[id].kind, EntryKind::Defined(_));
    let theirs: Vec<EntryId> =
        (0..model.entries.len()).filter(|&id| model.entries[id].span.start >= offset && defined(id)).collect();
    let same_slots = |a: EntryId, b: EntryId| {
        let (a, b) = (&model.entries[a].slots, &model.entries[b].slots);
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| match (x, y) {
                (Slot::Range(i), Slot::Range(j)) => model.indices[*i].range == model.indices[*j].range,
                (x, y) => x == y,
            })
    };
    let mut pairs = Vec::new();
    for &mine in combined.own.iter().filter(|&&id| defined(id)) {
        for &r in theirs.iter().filter(|&&r| same_slots(mine, r)) {
            pairs.push((mine, r));
        }
    }
    if pairs.is_empty() || pairs.len() > MAX_HEAD_CANDIDATES {
        return Vec::new();
    }
    let at = |id: EntryId, slots_of: EntryId| {
        let args = model.entries[slots_of].range_slots().map(|i| ix_var(IxVar::Free(i))).collect();
        Expr::Entry(EntryRef { entry: id, args })
    };
    let derivations = pairs
        .iter()
        .map(|&(mine, r)| Derivation {
            name: None,
            worth: None,
            head: at(r, r),
            steps: vec![Step {
                relation: Relation::Equal,
                expr: at(mine, r),
                note: None,
                span: model.entries[mine].span,
                shape: Shape::scalar(),
                name_uses: Vec::new(),
                restates: false,
                after_unread: None,
            }],
            span: model.entries[mine].span,
            tolerance: ToleranceRule::Rounding,
            shape: Shape::scalar(),
            unread: Vec::new(),
        })
        .collect();
    let equal: Vec<bool> = check_model_memo(&with_derivations(model, derivations), options, memo)
        .iter()
        .map(|d| d.steps.first().is_some_and(|s| matches!(s.verdict, Verdict::Proved | Verdict::Checked)))
        .collect();
    let mut out: Vec<(EntryId, EntryId)> = Vec::new();
    for (&(mine, r), ok) in pairs.iter().zip(equal) {
        if ok && !out.iter().any(|&(a, b)| a == mine || b == r) {
            out.push((mine, r));
        }
    }
    out
}

/// An expression with some entries replaced by others (the same subscripts).
fn rename_entries(e: &Expr, map: &[(EntryId, EntryId)]) -> Expr {
    let r = |x: &EntryRef| match map.iter().find(|(a, _)| *a == x.entry) {
        Some(&(_, b)) => EntryRef { entry: b, args: x.args.clone() },
        None => x.clone(),
    };
    match e {
        Expr::Entry(x) => Expr::Entry(r(x)),
        Expr::Diff(body, t) => Expr::Diff(Box::new(rename_entries(body, map)), r(t)),
        Expr::NodePartial(n, t) => Expr::NodePartial(*n, r(t)),
        _ => e.map_children(|c| rename_entries(c, map)),
    }
}

/// The renaming of `mine`'s free indices to `theirs`' that makes the two equal, if there is one:
/// the free indices of each in the order they appear, pairwise of the same range, and at least
/// one of them renamed.
pub(super) fn index_renaming(model: &Model, mine: &Expr, theirs: &Expr) -> Option<Vec<(IndexId, Ix)>> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    free_indices(mine, &mut a);
    free_indices(theirs, &mut b);
    if a.len() != b.len() || a == b {
        return None;
    }
    if a.iter().zip(&b).any(|(i, j)| model.indices[*i].range != model.indices[*j].range) {
        return None;
    }
    let map: Vec<(IndexId, Ix)> = a.iter().zip(&b).map(|(&i, &j)| (i, ix_var(IxVar::Free(j)))).collect();
    (subst_free(mine, &map) == *theirs).then_some(map)
}

/// The text with every byte of the spans but newlines made a space (so every offset is kept).
fn blanked(source: &str, spans: &[Span]) -> String {
    let mut bytes = source.as_bytes().to_vec();
    for span in spans {
        for b in bytes.get_mut(span.range()).into_iter().flatten() {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Spans are logical lines, which start and end at character boundaries.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A diagnostic of the combined text made to point only into the submission.
fn within(mut d: Diagnostic, len: usize) -> Diagnostic {
    d.labels.retain(|(span, _)| span.end <= len);
    if d.span.end > len {
        d.span = Span::new(d.span.start.min(len), len);
    }
    d
}

/// The first line of a text, trimmed.
fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::blanked;
    use crate::diagnostic::Span;

    #[test]
    fn blanking_keeps_offsets_and_newlines() {
        let expected = format!("var x\n{}\nderive x", " ".repeat(10));
        assert_eq!(blanked("var x\nlet ζ = 1\nderive x", &[Span::new(6, 16)]), expected);
    }
}
