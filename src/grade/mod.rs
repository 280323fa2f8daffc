//! Grading: a submission checked against a reference solution, with points, error-carried-forward
//! step credit and feedback per step.
//!
//! Built on [`crate::check`] only: the submission's derivations are resolved in the reference's
//! model ([`matching`]), checked from the reference's heads, and the verdicts become points by
//! the [`policy`] and words by the feedback module.

mod carried;
mod feedback;
mod matching;
mod memo;
mod milestones;
pub mod policy;
mod reference;

use std::time::{Duration, Instant};

pub use feedback::{cause_text, repair_text, shown_digits};
pub use matching::MatchedBy;
pub use memo::GradeMemo;
pub use policy::{Points, StepStatus};
pub use reference::{Reference, ReferenceDerivation};

use crate::check::{
    check_model_memo, Cause, CheckOptions, DerivationResult, MemoScope, RepairKind, StepResult, Verdict,
};
use crate::diagnostic::{line_col, Diagnostic, Span};
use crate::latex::AnswerKind;
use crate::localise::localise_only;
use crate::model::{expr_text, Derivation, Model};
use crate::source::answer_file;
use crate::syntax::ast::Item;
use crate::syntax::ast::Relation;
use crate::syntax::{parse_file, parse_file_remembering, LineMemo};
use feedback::WrongStep;
use matching::{
    align, combine, combine_answer, compare_declarations, match_derivations, with_derivations, Aligned, Combined,
    DeclarationChanges, Match, SubmissionDerivation,
};

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// How to check steps.
    pub check: CheckOptions,
    /// Whether feedback shows the reference's next step after a wrong one.
    pub hints: bool,
    /// Whether the output shows feedback at all. Without it (`--format csv`: scores and flags),
    /// the repairs of wrong steps and the terms they miss are not searched: that search is most
    /// of the work of a wrong step and changes no score, flag or verdict.
    pub feedback: bool,
    /// The time one submission may take; past it, it gets 0 and is left to a person.
    pub time_limit: Duration,
}

/// What a grade was made with, in every output of `grade`, so that a disputed grade can be made
/// again: the same version, seed and reference give the same grade.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// This program's version.
    pub gradproof: &'static str,
    /// The seed of the numeric sampling.
    pub seed: u64,
    /// The reference's path as given.
    pub reference: String,
    /// The SHA-256 of the reference's text.
    pub reference_sha256: String,
}

impl Provenance {
    /// The provenance of grades made against `reference` with `options`.
    pub fn new(reference: &Reference, options: &GradeOptions) -> Provenance {
        Provenance {
            gradproof: env!("CARGO_PKG_VERSION"),
            seed: options.check.seed,
            reference: reference.path.clone(),
            reference_sha256: reference.sha256.clone(),
        }
    }

    /// One line for people: `gradproof 0.1.0, seed 42, reference ref.deriv (sha256 …)`.
    pub fn line(&self) -> String {
        format!(
            "gradproof {}, seed {}, reference {} (sha256 {})",
            self.gradproof, self.seed, self.reference, self.reference_sha256
        )
    }
}

/// The default safety net in time per submission: far above normal use, since the budgets of work
/// of the checks (`CheckOptions`) decide; it only stops a run they did not foresee.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(600);

impl Default for GradeOptions {
    fn default() -> Self {
        GradeOptions { check: CheckOptions::default(), hints: false, feedback: true, time_limit: DEFAULT_TIME_LIMIT }
    }
}

/// The grade of one submission.
#[derive(Debug, Clone)]
pub struct SubmissionGrade {
    /// The path as given.
    pub path: String,
    /// Its source text (diagnostics point into it).
    pub source: String,
    /// The points earned.
    pub score: Points,
    /// The points there are.
    pub max_score: Points,
    /// Problems that stopped all or part of it from being graded (syntax and name errors, an
    /// unreadable file, the time limit).
    pub errors: Vec<Diagnostic>,
    /// Declarations that differ from the reference's (the reference's were used).
    pub model_changes: Vec<Diagnostic>,
    /// One grade per derivation of the reference, in the reference's order.
    pub derivations: Vec<DerivationGrade>,
    /// Derivations of the submission that match none of the reference's: their `derive` lines.
    pub unmatched: Vec<Span>,
    /// Further answers to a part answered before (the first is graded).
    pub replaced: Vec<Replaced>,
    /// Why a person should look at it, one sentence each: an error, an unmatched derivation, a
    /// model change where points were lost, anything the grader is unsure of (an undetermined
    /// step, a head other than the reference's, the time limit). Empty: the grade stands as it is.
    pub review: Vec<String>,
    /// Whether the file could not be read at all (a wrong path, say): the run then exits with 2.
    pub unreadable: bool,
}

/// A further answer to a part the submission answers before, under the same name or with the
/// same head: a first attempt, then `# second try` (the first is graded, and the file flagged).
#[derive(Debug, Clone)]
pub struct Replaced {
    /// The further one's `derive` line.
    pub further: Span,
    /// The graded one's.
    pub graded: Span,
    /// The part's name.
    pub name: String,
}

impl SubmissionGrade {
    /// What the reports say of each further answer to a part answered before.
    pub fn replaced_notes(&self) -> Vec<String> {
        let line = |s: &Span| line_col(&self.source, s.start).0;
        let notes = self.replaced.iter().map(|r| {
            format!(
                "the derivation at line {} answers \"{}\" too and is not graded: the one at line {} is",
                line(&r.further),
                r.name,
                line(&r.graded)
            )
        });
        notes.collect()
    }

    /// Why each derivation that is not graded is not: a further answer to a part answered
    /// before, or one that matches none of the reference's.
    pub fn ungraded_notes(&self) -> Vec<String> {
        let line = |s: &Span| line_col(&self.source, s.start).0;
        let unmatched = self
            .unmatched
            .iter()
            .map(|s| format!("the derivation at line {} matches none of the reference's and is not graded", line(s)));
        self.replaced_notes().into_iter().chain(unmatched).collect()
    }
}

/// The grade of one derivation of the reference in a submission.
#[derive(Debug, Clone)]
pub struct DerivationGrade {
    /// The reference's name for it.
    pub name: String,
    /// The submission's derivation graded for it, and how it was found.
    pub matched: Option<(Span, MatchedBy)>,
    /// The points earned.
    pub score: Points,
    /// Its worth.
    pub max_score: Points,
    /// Whether the final answer holds and is in closed form.
    pub final_correct: bool,
    /// How many of the reference's milestones (its intermediate work) the steps show, of how many.
    pub milestones: (usize, usize),
    /// The submission's steps, checked from the reference's head.
    pub steps: Vec<StepGrade>,
    /// What the student reads, one line each.
    pub feedback: Vec<String>,
    /// Why a person should look at it (a step or the final answer was not decided, errors kept
    /// it from being graded, its head is not the reference's), one sentence each.
    pub review: Vec<String>,
}

/// One graded step.
#[derive(Debug, Clone)]
pub struct StepGrade {
    /// The check's result.
    pub result: StepResult,
    /// Why it earns credit or not.
    pub status: StepStatus,
    /// The points it earned.
    pub credit: Points,
    /// The likely mistake of a wrong step: the check's cause, or a missing or extra term.
    pub diagnosis: Option<String>,
    /// With hints on, the reference's next step after a wrong step.
    pub hint: Option<String>,
    /// The reference's intermediate work this step skips (each named: ``the chain rule through
    /// `h[j]` (`…`)``): a leap, which costs the share of the steps for shown work.
    pub skips: Vec<String>,
    /// The reference's derivation whose wrong answer, as the student gave it, this wrong step
    /// follows from: the error is charged there, and this step keeps its credit.
    pub carried_from: Option<String>,
}

impl DerivationGrade {
    /// A grade of 0, for now, with its feedback so far.
    fn zero(reference: &ReferenceDerivation, feedback: Vec<String>) -> Self {
        DerivationGrade {
            name: reference.name.clone(),
            matched: None,
            score: Points::ZERO,
            max_score: reference.max_score,
            final_correct: false,
            milestones: (0, 0),
            steps: Vec::new(),
            feedback,
            review: Vec::new(),
        }
    }

    /// Whether a person should look at it.
    pub fn manual_review(&self) -> bool {
        !self.review.is_empty()
    }

    /// Whether its steps were checked (it was matched, and it parsed and resolved).
    pub fn graded(&self) -> bool {
        !self.steps.is_empty()
    }
}

impl SubmissionGrade {
    /// The reference's derivations the submission has no derivation for.
    pub fn missing(&self) -> impl Iterator<Item = &str> {
        self.derivations.iter().filter(|d| d.matched.is_none()).map(|d| d.name.as_str())
    }

    /// Whether a person should look at it.
    pub fn manual_review(&self) -> bool {
        !self.review.is_empty()
    }

    /// Whether it could be graded at all: it was read, and it is not a file with errors of which
    /// no derivation could be graded (a platform may then let the student submit again at no
    /// cost: PrairieLearn's `gradable: false`).
    pub fn gradable(&self) -> bool {
        !self.unreadable && (self.errors.is_empty() || self.derivations.iter().any(DerivationGrade::graded))
    }

    /// A grade of 0 for a submission that could not be graded, with the reason; it is left to a
    /// person.
    pub fn not_graded(reference: &Reference, path: &str, source: &str, errors: Vec<Diagnostic>, why: &str) -> Self {
        let derivations = reference
            .derivations
            .iter()
            .map(|d| DerivationGrade::zero(d, vec![format!("not graded: {why}")]))
            .collect();
        let mut review = vec![format!("not graded: {why}")];
        review.extend(errors_reason(source, &errors));
        SubmissionGrade {
            path: path.to_string(),
            source: source.to_string(),
            score: Points::ZERO,
            max_score: reference.max_score(),
            errors,
            model_changes: Vec::new(),
            derivations,
            unmatched: Vec::new(),
            replaced: Vec::new(),
            review,
            unreadable: false,
        }
    }

    /// A grade of 0 for a submission that ran out of time, left to a person.
    pub fn timed_out(reference: &Reference, path: &str, source: &str, limit: Duration) -> Self {
        let message = format!(
            "time limit of {} s exceeded: grade this submission manually (this safety net depends on the machine; \
             raise it with --timeout-s)",
            limit.as_secs_f64()
        );
        let error = Diagnostic::error(Span::default(), message).without_source();
        Self::not_graded(reference, path, source, vec![error], "the time limit was exceeded")
    }
}

/// Whether a step that is one number (with its sign) holds the value of what it is compared with
/// within half a unit of its last written digit, at the counterexample.
fn written_range_holds(e: &crate::model::Expr, result: &StepResult) -> bool {
    let Some(literal) = policy::number_literal(e) else { return false };
    let (Some(value), Some(half)) = (
        num_traits::ToPrimitive::to_f64(&literal.value),
        literal.half_unit.as_ref().and_then(num_traits::ToPrimitive::to_f64),
    ) else {
        return false;
    };
    let value = if matches!(e, crate::model::Expr::Neg(_)) { -value } else { value };
    result.counterexample.as_ref().and_then(|c| c.left).is_some_and(|before| (before - value).abs() <= half)
}

/// The most errors a reason for review quotes.
const ERRORS_QUOTED: usize = 3;

/// The reason for review that a file's errors give: how many, and the first few with their lines.
fn errors_reason(source: &str, errors: &[Diagnostic]) -> Option<String> {
    if errors.is_empty() {
        return None;
    }
    let distinct = distinct(errors.iter().map(|e| located(source, e)));
    let quoted: Vec<&str> = distinct.iter().take(ERRORS_QUOTED).map(String::as_str).collect();
    let more = distinct.len().saturating_sub(ERRORS_QUOTED);
    let more = if more > 0 { format!("; and {more} more") } else { String::new() };
    let n = distinct.len();
    Some(format!("{n} error{}: {}{more}", if n == 1 { "" } else { "s" }, quoted.join("; ")))
}

/// Each text once, in order: errors listed for a person (a line of prose gives one error per gap
/// between its words, all alike; a TA found six identical lines in PrairieLearn's
/// `format_errors`).
pub(crate) fn distinct(texts: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in texts {
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// A diagnostic's message with its line, when it has a place: `unknown name `xx` (line 12)`.
pub fn located(source: &str, d: &Diagnostic) -> String {
    if d.show_source || d.span != Span::default() {
        format!("{} (line {})", d.message, line_col(source, d.span.start).0)
    } else {
        d.message.clone()
    }
}

/// Grades one submission (its text) against the reference. Never panics on any input; a
/// submission past `options.time_limit` is stopped between stages and graded 0 for manual review.
pub fn grade_submission(reference: &Reference, path: &str, source: &str, options: &GradeOptions) -> SubmissionGrade {
    let deadline = Instant::now() + options.time_limit;
    // A syntax error costs the derivation it is in (which is then not resolved, and says so) or,
    // on a declaration line, that declaration (the reference's is used); the rest is graded.
    // The submission is parsed once: `combine` reads its derivation lines from `lines` (the
    // run's memo of lines, which also holds the reference's and other submissions' lines).
    let own_lines;
    let lines = match &reference.memo {
        Some(memo) => &memo.lines,
        None => {
            own_lines = LineMemo::default();
            &own_lines
        }
    };
    let (file, mut syntax_errors) = parse_file_remembering(source, lines);
    // A `derive` line with no step below it is a part of the sheet not attempted, not an error of
    // the submission (`check` reports it): the grade says so for that part, and flags nothing.
    syntax_errors.retain(|e| !file.unfilled.iter().any(|d| d.span == e.span));
    // An empty file (or comments alone, or the sheet with no step written) is no answer of 0
    // points to pass unseen: it is told, and flagged, as an answer in LaTeX of which nothing
    // could be read is.
    if syntax_errors.is_empty() && !file.items.iter().any(|item| matches!(item, Item::Derivation(_))) {
        let error = if file.unfilled.is_empty() {
            Diagnostic::error(Span::default(), "no derivation was found in this submission")
                .with_hint("a derivation is a `derive` line with its head and the steps below it; see docs/language.md")
        } else {
            Diagnostic::error(Span::default(), "no derivation of this submission has steps")
                .with_hint("the sheet's `derive` lines are here with no step below any of them: was the filled-in sheet handed in?")
        };
        syntax_errors.push(error.without_source());
    }
    let declarations = compare_declarations(reference, &file, source);
    let mut combined = combine(reference, &file, source, &declarations.blank, lines);
    let mut errors = syntax_errors;
    if combined.clash && !declarations.kept.is_empty() {
        // A declaration the submission added does not resolve, or clashes with the reference's
        // model: grade with the reference's declarations alone.
        let on_added =
            |d: &Diagnostic| declarations.kept.iter().any(|k| k.start <= d.span.start && d.span.start < k.end);
        errors.extend(combined.errors.drain(..).filter(on_added));
        errors.push(
            Diagnostic::error(declarations.kept[0], "the declarations this submission adds clash with the reference's")
                .with_hint("graded without them"),
        );
        let all: Vec<Span> = declarations.blank.iter().chain(&declarations.kept).copied().collect();
        combined = combine(reference, &file, source, &all, lines);
    }
    if combined.clash {
        errors.push(reference_did_not_resolve());
        return SubmissionGrade::not_graded(reference, path, source, errors, "internal error");
    }
    grade_combined(reference, path, source, errors, combined, declarations, deadline, options)
}

/// Grades an answer written in LaTeX, Markdown or a notebook (`kind`) against the reference, as
/// a `.deriv` submission is graded: the reference's declarations are the model (an answer
/// declares nothing), the derivations read from its display math are matched by their heads, and
/// every span, line and column is the answer's (docs/latex.md). What cannot be read is an error of
/// the submission, which sends it to a person; an answer of which nothing could be read is not
/// gradable.
pub fn grade_answer(
    reference: &Reference,
    path: &str,
    text: &str,
    kind: AnswerKind,
    options: &GradeOptions,
) -> SubmissionGrade {
    let deadline = Instant::now() + options.time_limit;
    let (model, _) = parse_file(&reference.source);
    let (file, errors) = answer_file(text, kind, &model);
    let mut combined = combine_answer(reference, &file, text);
    combined.notebook = kind == AnswerKind::Notebook;
    combined.inline = crate::latex::inline_equations(text, kind);
    if combined.clash {
        return SubmissionGrade::not_graded(reference, path, text, vec![reference_did_not_resolve()], "internal error");
    }
    let declarations = DeclarationChanges::default();
    grade_combined(reference, path, text, errors, combined, declarations, deadline, options)
}

/// The error of a submission beside which the reference's model did not resolve as it does alone.
fn reference_did_not_resolve() -> Diagnostic {
    Diagnostic::error(Span::default(), "internal error: the reference's model did not resolve")
        .without_source()
        .with_hint("please report this submission to the gradproof developers")
}

/// Grades a submission resolved in the reference's model: its derivations matched to the
/// reference's, checked, scored, with the reasons for review.
#[allow(clippy::too_many_arguments)]
fn grade_combined(
    reference: &Reference,
    path: &str,
    source: &str,
    mut errors: Vec<Diagnostic>,
    mut combined: Combined,
    mut declarations: DeclarationChanges,
    deadline: Instant,
    options: &GradeOptions,
) -> SubmissionGrade {
    let timed_out = || SubmissionGrade::timed_out(reference, path, source, options.time_limit);
    errors.append(&mut combined.errors);
    errors.sort_by_key(|d| d.span.start);
    if Instant::now() > deadline {
        return timed_out();
    }
    // The submission's own names for the reference's definitions, and heads written element by
    // element, read in the reference's terms.
    // Every check of this submission is in the combined model's tables (they differ only in
    // derivations): one digest of them for the memo.
    let scope = reference.memo.as_ref().map(|m| m.checks.scope(&combined.model, &options.check));
    let memo = scope.as_ref();
    let aligned = align(&mut combined, &options.check, memo);
    for (mine, theirs) in &aligned.renamed {
        let family = mine.split('[').next().unwrap_or(mine);
        let added = format!("added definition of `{family}");
        declarations.added.retain(|d| !d.message.starts_with(&added));
        for d in declarations.changes.iter_mut().filter(|d| d.message.starts_with(&added)) {
            d.hints = vec![format!("graded as the reference's `{theirs}`, which has the same value")];
        }
    }
    let matches = match_derivations(reference, &combined, &options.check, memo);
    if Instant::now() > deadline {
        return timed_out();
    }
    let graded = grade_derivations(reference, &combined, &matches, &aligned, &errors, source, options, memo);
    if Instant::now() > deadline {
        return timed_out();
    }
    let taken: Vec<usize> = matches.iter().flatten().map(|m| m.sub).collect();
    // (One dropped for an error of its own is that error's, told already: not "matches none".)
    let (mut unmatched, mut replaced) = (Vec::new(), Vec::new());
    for s in
        (0..combined.derivations.len()).filter(|s| !taken.contains(s) && combined.derivations[*s].resolved.is_some())
    {
        match answered_again(&combined, &matches, s) {
            Some((graded, name)) => replaced.push(Replaced { further: combined.derivations[s].span, graded, name }),
            None => unmatched.push(combined.derivations[s].span),
        }
    }
    let mut grade = SubmissionGrade {
        path: path.to_string(),
        source: source.to_string(),
        score: graded.iter().map(|d| d.score).sum(),
        max_score: reference.max_score(),
        errors,
        model_changes: declarations.changes.clone(),
        derivations: graded,
        unmatched,
        replaced,
        review: Vec::new(),
        unreadable: false,
    };
    grade.review = review_reasons(&grade, &declarations);
    grade
}

/// Where derivation `s`, which no part took, answers a part that another one did (`matches`):
/// it has that one's name, or no name of its own and its head written as that one's or as the
/// part's in the reference. That one's `derive` line and the part's name (its head where it has
/// none).
fn answered_again(combined: &Combined, matches: &[Option<Match>], s: usize) -> Option<(Span, String)> {
    let mine = &combined.derivations[s];
    let text = |id: usize| expr_text(&combined.model, &combined.model.derivations[id].head);
    let head = |d: &SubmissionDerivation| d.resolved.map(text);
    let (r, m) = matches.iter().enumerate().find_map(|(r, m)| {
        let m = m.as_ref()?;
        let graded = &combined.derivations[m.sub];
        let same = match &mine.name {
            Some(name) => graded.name.as_ref() == Some(name),
            None => head(mine).is_some_and(|h| Some(&h) == head(graded).as_ref() || h == text(combined.reference[r])),
        };
        same.then_some((r, m))
    })?;
    let graded = &combined.derivations[m.sub];
    // The part by its name (the reference's, which names every part), not its head: a TA read a
    // 90-character head in quotes as a part's name.
    let part = combined.model.derivations[combined.reference[r]].name.clone();
    Some((graded.span, graded.name.clone().or(part).unwrap_or_else(|| text(combined.reference[r]))))
}

/// Why a person should look at a graded submission (see [`SubmissionGrade::review`]), given what
/// its declarations did to the reference's model.
fn review_reasons(g: &SubmissionGrade, declarations: &DeclarationChanges) -> Vec<String> {
    let mut reasons: Vec<String> = errors_reason(&g.source, &g.errors).into_iter().collect();
    reasons.extend(g.ungraded_notes());
    let quoted = |changes: &[Diagnostic]| changes.iter().map(|d| located(&g.source, d)).collect::<Vec<_>>().join("; ");
    // Points lost in a derivation the submission has: a part it does not have (missing, or a
    // `derive` line with no steps) scores 0 whatever its declarations, and a derivation that
    // matches none of the reference's is a reason of its own (above).
    let lost = g.derivations.iter().any(|d| d.matched.is_some() && d.score < d.max_score);
    if !declarations.overridden.is_empty() && lost {
        reasons.push(format!(
            "the model differs from the reference's ({}) and points were lost: see whether the change explains the loss",
            quoted(&declarations.overridden)
        ));
    }
    if !declarations.added.is_empty() && lost {
        reasons.push(format!(
            "the submission declares names of its own ({}) and points were lost: see whether they stand for the \
             reference's under other names",
            quoted(&declarations.added)
        ));
    }
    for d in &g.derivations {
        reasons.extend(d.review.iter().map(|r| format!("\"{}\": {r}", d.name)));
    }
    reasons
}

/// Whether a step checked as `≈` follows from the step before.
fn follows(s: &StepResult) -> bool {
    matches!(s.verdict, Verdict::Checked | Verdict::Proved)
}

/// Whether step `i` is the last, one decimal number written with `=` that follows from the step
/// before and does not equal the head as written: a rounded answer after a step that went wrong
/// (`= 0.5 + 0.8165` then `= 1.3165`, the step before's arithmetic on rounded numbers wrong
/// under the rounding rule). It is graded as the `≈` it means, as it would be straight after a
/// right step (a TA: the right answer lost the final share there, and kept it without the
/// middle line).
fn rounded_final(d: &Derivation, r: &DerivationResult, i: usize) -> bool {
    let s = &r.steps[i];
    i + 1 == r.steps.len()
        && i > 0
        && s.verdict != Verdict::Wrong
        && !s.holds
        && s.holds_known
        && d.steps[i].relation == Relation::Equal
        && policy::number_literal(&d.steps[i].expr).is_some_and(|l| l.point)
}

/// Whether step `i` of `d` (its result `s`) is arithmetic on decimal numbers written with `=`
/// that the numbers found wrong: a rounded value the student may mean as `≈`.
fn wrong_arithmetic(model: &Model, d: &Derivation, i: usize, s: &StepResult) -> bool {
    s.verdict == Verdict::Wrong
        && s.counterexample.is_some()
        && d.steps[i].relation == Relation::Equal
        && policy::decimal_arithmetic(model, &d.head, &d.steps[i].expr)
}

/// The lines of `spans` in `source`, each once, in their order.
fn distinct_lines(source: &str, spans: &[Span]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for s in spans {
        let line = line_col(source, s.start).0.to_string();
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// `lines` said by `said(many, lines joined)`, or nothing where there are none.
fn said_at(lines: &[String], said: impl Fn(bool, String) -> String) -> String {
    match lines {
        [] => String::new(),
        [one] => said(false, one.clone()),
        many => said(true, many.join(", ")),
    }
}

/// How far apart (a share of the larger) a wrong step of arithmetic and the value it should have may
/// be for the feedback to say that it holds as `≈`: rounding that a student does moves a value by
/// less; a slip moves it more.
const ROUNDED_NOTE_SHARE: f64 = 0.01;

/// Of the steps `chosen` of each derivation `to_check[k]`, those that hold as `≈` by the rounding
/// rule (`held` of their result: follow from the step before, or equal the head): the derivation
/// is checked once with them as `≈`.
fn holding_as_approx(
    model: &Model,
    to_check: &[Derivation],
    chosen: &[(usize, Vec<usize>)],
    options: &GradeOptions,
    memo: Option<&MemoScope>,
    held: impl Fn(&StepResult) -> bool,
) -> Vec<Vec<usize>> {
    // The sheet's own numbers are exact where a step writes them: only the student's may be
    // rounded (a step that added Adam's ε = 0.00000001 to the sheet's exact numbers was told it
    // holds "within the rounding of the numbers it writes", by the rounding of the sheet's `0.04`;
    // a TA).
    let sheet = milestones::sheet_numbers(model);
    let approx: Vec<Derivation> = chosen
        .iter()
        .map(|(k, steps)| {
            let mut d = to_check[*k].clone();
            d.tolerance = crate::model::ToleranceRule::Rounding;
            for &i in steps {
                d.steps[i].relation = Relation::Approx;
                d.steps[i].expr = exact_where_given(&d.steps[i].expr, &sheet);
            }
            d
        })
        .collect();
    let verdicts = check_model_memo(&with_derivations(model, approx), &options.check, memo);
    chosen
        .iter()
        .zip(&verdicts)
        .map(|((_, steps), r)| steps.iter().copied().filter(|&i| held(&r.steps[i])).collect())
        .collect()
}

/// An expression with the numbers of the sheet it writes taken as exact: not widened in a `≈`
/// step.
fn exact_where_given(e: &crate::model::Expr, sheet: &[num_rational::BigRational]) -> crate::model::Expr {
    match e {
        crate::model::Expr::Const(l) if sheet.contains(&num_traits::Signed::abs(&l.value)) => {
            crate::model::Expr::Const(Box::new(crate::model::Literal {
                half_unit: None,
                point: false,
                ..(**l).clone()
            }))
        }
        _ => e.map_children(|c| exact_where_given(c, sheet)),
    }
}

/// Checks every matched derivation from the reference's head, then turns the verdicts into points
/// and feedback.
#[allow(clippy::too_many_arguments)]
fn grade_derivations(
    reference: &Reference,
    combined: &Combined,
    matches: &[Option<Match>],
    aligned: &Aligned,
    errors: &[Diagnostic],
    source: &str,
    options: &GradeOptions,
    memo: Option<&MemoScope>,
) -> Vec<DerivationGrade> {
    let model = &combined.model;
    let theirs = |r: usize| &model.derivations[combined.reference[r]];
    // The submission's derivations that resolved, each with the reference's head (and tolerance),
    // so that `holds` says whether a step equals what the reference asked for.
    let mut to_check = Vec::new();
    let mut checked_at = vec![None; matches.len()];
    let mut checked_for = Vec::new();
    for (r, m) in matches.iter().enumerate() {
        let Some(id) = m.and_then(|m| combined.derivations[m.sub].resolved) else { continue };
        let mine = &model.derivations[id];
        checked_at[r] = Some(to_check.len());
        checked_for.push(r);
        to_check.push(Derivation {
            head: theirs(r).head.clone(),
            tolerance: theirs(r).tolerance,
            shape: theirs(r).shape.clone(),
            ..mine.clone()
        });
    }
    let mut checked_model = with_derivations(model, to_check.clone());
    let mut results = check_model_memo(&checked_model, &options.check, memo);
    // Rounded values written with `=` (`= 0.04211` for 0.008/0.19, `= 0.25 - 0.01 * 0.04211 /
    // 0.1581`), as students write them, are graded as the `≈` they mean: the derivation is checked
    // again with those wrong steps as `≈`, those still wrong are put back, and the feedback says
    // so of the others. A step that is one number is judged by the reference's tolerance or the
    // rounding rule; arithmetic on rounded numbers only under a `tolerance` line (the rounding
    // rule widens each literal by its last digit: `1.1 + 0.94 / 9.4` would hold within 0.05).
    let mut rounded: Vec<Vec<usize>> = results
        .iter()
        .zip(&to_check)
        .map(|(r, d)| {
            let candidate = |(i, s): &(usize, &StepResult)| {
                s.cause == Some(Cause::Rounded)
                    || (d.tolerance != crate::model::ToleranceRule::Rounding && wrong_arithmetic(model, d, *i, s))
            };
            r.steps.iter().enumerate().filter(candidate).map(|(i, _)| i).collect()
        })
        .collect();
    // A rounded answer after a step that went wrong, where it equals the head within its own
    // rounding (the rounding rule, whatever the reference's tolerance: `= 0.838` for 0.82 is within
    // a `tolerance 0.02` but no rounding of it, and a mistake's value): graded as `≈` too.
    let finals: Vec<(usize, Vec<usize>)> = results
        .iter()
        .zip(&to_check)
        .enumerate()
        .filter(|(_, (r, d))| !r.steps.is_empty() && rounded_final(d, r, r.steps.len() - 1))
        .map(|(k, (r, _))| (k, vec![r.steps.len() - 1]))
        .collect();
    let mut finals_rounded = vec![false; results.len()];
    if !finals.is_empty() {
        let equal_the_head = |s: &StepResult| s.holds && s.holds_known;
        let held = holding_as_approx(model, &to_check, &finals, options, memo, equal_the_head);
        for ((k, _), held) in finals.iter().zip(held) {
            finals_rounded[*k] = !held.is_empty();
            rounded[*k].extend(held);
        }
    }
    // Arithmetic on rounded numbers must hold as `≈` by its own digits as well (the rounding rule),
    // not by the reference's tolerance alone: a relative tolerance of a parameter after a small
    // update took `= 1.2 - 0.01 * 0.2947 / 0.8196`, a square root forgotten and 0.03% off, as
    // right (a reviewer). Those derivations are checked once so, and what fails goes back to `=`.
    let arithmetic: Vec<(usize, Vec<usize>)> = rounded
        .iter()
        .zip(&results)
        .enumerate()
        .map(|(k, (steps, r))| {
            (k, steps.iter().copied().filter(|&i| r.steps[i].cause != Some(Cause::Rounded)).collect())
        })
        .filter(|(_, steps): &(usize, Vec<usize>)| !steps.is_empty())
        .collect();
    if !arithmetic.is_empty() {
        let held = holding_as_approx(model, &to_check, &arithmetic, options, memo, follows);
        for ((k, steps), held) in arithmetic.iter().zip(&held) {
            rounded[*k].retain(|i| !steps.contains(i) || held.contains(i));
        }
    }
    // Each pass reads the candidates left as `≈`; those that do not hold so either are wrong as
    // written and go back to `=` (after three passes, all of them), and the derivations are
    // checked again until what was checked is what is graded.
    for pass in 1..=3 {
        if rounded.iter().all(Vec::is_empty) {
            break;
        }
        for (d, steps) in to_check.iter_mut().zip(&rounded) {
            for &i in steps {
                d.steps[i].relation = Relation::Approx;
            }
        }
        checked_model = with_derivations(model, to_check.clone());
        results = check_model_memo(&checked_model, &options.check, memo);
        let mut put_back = false;
        for ((d, steps), r) in to_check.iter_mut().zip(rounded.iter_mut()).zip(&results) {
            steps.retain(|&i| {
                let keep = pass < 3 && matches!(r.steps[i].verdict, Verdict::Checked | Verdict::Proved);
                if !keep {
                    d.steps[i].relation = Relation::Equal;
                    put_back = true;
                }
                keep
            });
        }
        if !put_back {
            break;
        }
        if rounded.iter().all(Vec::is_empty) {
            checked_model = with_derivations(model, to_check.clone());
            results = check_model_memo(&checked_model, &options.check, memo);
        }
    }
    // Arithmetic on rounded numbers written with `=` under the rounding rule stays wrong (above),
    // but where it holds as `≈` the feedback says so: "wrong" beside two numbers equal to six
    // digits told a student nothing (a TA). Checked once, with those steps as `≈`.
    let mut as_approx: Vec<Vec<usize>> = vec![Vec::new(); results.len()];
    if options.feedback {
        let candidates: Vec<(usize, Vec<usize>)> = results
            .iter()
            .zip(&to_check)
            .enumerate()
            .map(|(k, (r, d))| {
                let steps = (0..r.steps.len())
                    .filter(|&i| {
                        d.tolerance == crate::model::ToleranceRule::Rounding
                            && wrong_arithmetic(model, d, i, &r.steps[i])
                    })
                    .collect();
                (k, steps)
            })
            .filter(|(_, steps): &(usize, Vec<usize>)| !steps.is_empty())
            .collect();
        if !candidates.is_empty() {
            let held = holding_as_approx(model, &to_check, &candidates, options, memo, follows);
            for ((k, _), held) in candidates.iter().zip(held) {
                as_approx[*k] = held;
            }
        }
    }
    // Without feedback (`--format csv`), only the derivations whose first step is wrong without a
    // cause are searched: whether a repair explains that step decides a review flag, which is the
    // same in every format (a TA: a carried sign slip was flagged in the CSV alone).
    let wanted: Vec<bool> = results
        .iter()
        .map(|r| options.feedback || r.steps.first().is_some_and(|s| s.verdict == Verdict::Wrong && s.cause.is_none()))
        .collect();
    if options.check.repair && wanted.contains(&true) {
        // The same repairs as `check` gives: the student's steps are the submission's, at the
        // same offsets in the combined text. Each derivation's repairs are searched on their own;
        // a derivation searched before (the same declarations, text and results) is replayed
        // (see `memo`).
        let keys = reference
            .memo
            .as_ref()
            .map(|_| GradeMemo::repair_keys(&combined.text, &combined.file, &checked_model, &results, &options.check));
        let mut replayed = vec![false; results.len()];
        if let (Some(m), Some(keys)) = (&reference.memo, &keys) {
            for ((key, result), done) in keys.iter().zip(results.iter_mut()).zip(replayed.iter_mut()) {
                *done = key.as_ref().is_some_and(|key| m.replay_repairs(key, result));
            }
        }
        if replayed.iter().zip(&wanted).any(|(done, wanted)| !done && *wanted) {
            let started = Instant::now();
            let had_cause: Vec<Vec<bool>> =
                results.iter().map(|r| r.steps.iter().map(|s| s.cause.is_some()).collect()).collect();
            let only = |k: usize| !replayed[k] && wanted[k];
            localise_only(&combined.text, &combined.file, &checked_model, &mut results, &options.check, only);
            // A search that took less time than every safety net cannot have been cut by one.
            let nets = [options.check.file_budget.time, options.check.prove_budget.time];
            let in_time = nets.into_iter().flatten().min().is_none_or(|net| started.elapsed() < net);
            if let (Some(m), Some(keys), true) = (&reference.memo, &keys, in_time) {
                for ((((key, result), done), causes), searched) in
                    keys.iter().zip(&results).zip(&replayed).zip(&had_cause).zip(&wanted)
                {
                    if let (Some(key), false, true) = (key, done, searched) {
                        m.store_repairs(key, result, causes);
                    }
                }
            }
        }
        for (k, &r) in checked_for.iter().enumerate() {
            // A first step is compared with the reference's head; a repair made against another
            // head of the student's own would not be about that comparison.
            if matches[r].is_some_and(|m| !m.same_head) {
                if let Some(first) = results[k].steps.first_mut() {
                    first.repair = None;
                }
            }
            // A derivation read in the reference's terms is not the text the repairs are made on.
            if matches[r].is_some_and(|m| !aligned.notes[m.sub].is_empty()) {
                for step in &mut results[k].steps {
                    step.repair = None;
                }
            }
        }
        if combined.latex {
            crate::source::repairs_in_latex(&mut results, &combined.file, combined.notebook);
        }
    }
    // The reference's head and steps as the model writes them, to find its next step.
    let reference_exprs: Vec<Vec<String>> = (0..matches.len())
        .map(|r| {
            std::iter::once(&theirs(r).head)
                .chain(theirs(r).steps.iter().map(|s| &s.expr))
                .map(|e| expr_text(model, e))
                .collect()
        })
        .collect();

    // Wrong steps that follow from the student's own wrong answer to another derivation.
    let carried = carried::carried_steps(model, &to_check, &results, &options.check, memo);
    let terms = if options.feedback {
        missing_or_extra_terms(
            model,
            &to_check,
            &results,
            |k| (theirs(checked_for[k]), &reference_exprs[checked_for[k]]),
            options,
            memo,
        )
    } else {
        results.iter().map(|r| vec![None; r.steps.len()]).collect()
    };

    // An error that may hide a part: any of an answer in LaTeX, or one inside a derivation of the
    // submission that no part matched.
    let unread_part = |e: &Diagnostic| {
        e.show_source
            && (combined.latex
                || combined.derivations.iter().enumerate().any(|(k, d)| {
                    d.extent.start <= e.span.start
                        && e.span.start <= d.extent.end
                        && !matches.iter().flatten().any(|m| m.sub == k)
                }))
    };
    // The `derive` lines of a `.deriv` submission that could not be read: the steps below one are
    // not read either (a TA: a missing `)` on it left a right part "missing").
    let broken_heads: Vec<(usize, &str, &Diagnostic)> = errors
        .iter()
        .filter(|e| e.show_source && !combined.latex)
        .filter_map(|e| {
            let line = line_col(source, e.span.start).0;
            let text = source.lines().nth(line - 1)?.trim_start();
            text.starts_with("derive").then_some((line, text, e))
        })
        .collect();
    let mut out = Vec::new();
    for (r, rd) in reference.derivations.iter().enumerate() {
        let Some(Match { sub: s, by, same_head }) = matches[r] else {
            let quoted = format!("\"{}\"", rd.name);
            if let Some((line, _, e)) = broken_heads.iter().find(|(_, text, _)| text.contains(&quoted)) {
                let mut grade = DerivationGrade::zero(
                    rd,
                    vec![format!(
                        "not graded: the `derive` line at line {line} has an error ({}), so the steps below it were not read",
                        e.message
                    )],
                );
                grade.review.push(format!("the `derive` line at line {line} has an error and its part is not graded"));
                out.push(grade);
                continue;
            }
            // A `derive` line left with no step below it (a part of the sheet as handed out) is a
            // part not attempted: 0 points, as a missing one, and no reason to look at the file.
            let why = match combined.unfilled.iter().find(|u| u.is(rd)) {
                Some(u) => {
                    format!("not attempted: the derivation at line {} has no steps", line_col(source, u.span.start).0)
                }
                // Parts of an answer in LaTeX that could not be read (a chain with an error is no
                // derivation, unlike a derivation of a `.deriv` file) may be this one: said, so
                // that "missing" is not read as "not written".
                // Likewise a derivation of a `.deriv` file that matched no part and has errors (a
                // TA: an unnamed part with an undeclared index was "missing", though written).
                None if errors.iter().any(&unread_part) => {
                    let spans: Vec<Span> = errors.iter().filter(|e| unread_part(e)).map(|e| e.span).collect();
                    let lines = distinct_lines(source, &spans);
                    format!(
                        "missing: no derivation named \"{}\" or with the head `{}` was read; the answer has parts \
                         that could not be ({} {}), which may hold it",
                        rd.name,
                        rd.head_text,
                        if lines.len() == 1 { "line" } else { "lines" },
                        lines.join(", ")
                    )
                }
                None => {
                    // The submission's derivations that no part took, where there are any: the
                    // part may be one of them, its head written otherwise (a TA: a LaTeX Adam step
                    // that started from rounded numbers was told only "missing").
                    let taken: Vec<usize> = matches.iter().flatten().map(|m| m.sub).collect();
                    let unmatched: Vec<String> = (0..combined.derivations.len())
                        .filter(|&k| !taken.contains(&k) && answered_again(combined, matches, k).is_none())
                        .map(|k| line_col(source, combined.derivations[k].span.start).0.to_string())
                        .collect();
                    let others = said_at(&unmatched, |many, at| match many {
                        false => format!("; the derivation at line {at} matched no part (its head is no part's)"),
                        true => format!("; the derivations at lines {at} matched no part (their heads are no part's)"),
                    });
                    // And `derive` lines that could not be read, of no part's name: one may be it.
                    let unread: Vec<String> = broken_heads
                        .iter()
                        .filter(|(_, text, _)| !text.contains('"'))
                        .map(|(line, _, _)| line.to_string())
                        .collect();
                    let unread = said_at(&unread, |many, at| match many {
                        false => format!("; the `derive` line at line {at} could not be read, and its steps with it"),
                        true => {
                            format!("; the `derive` lines at lines {at} could not be read, and their steps with them")
                        }
                    });
                    // Inline math with an equation, which is not read: the part may be written
                    // there (a TA: a whole chain in `$…$` was "missing" and sent to no one).
                    let inline = said_at(&distinct_lines(source, &combined.inline), |many, at| {
                        let lines = if many { "lines" } else { "line" };
                        format!("; the inline math (`$…$`) at {lines} {at} is not read and may hold it")
                    });
                    format!(
                        "missing: no derivation named \"{}\" or with the head `{}`{others}{unread}{inline}",
                        rd.name, rd.head_text
                    )
                }
            };
            let mut grade = DerivationGrade::zero(rd, vec![why]);
            if let Some(s) = combined.inline.first().filter(|_| combined.unfilled.iter().all(|u| !u.is(rd))) {
                let line = line_col(source, s.start).0;
                grade
                    .review
                    .push(format!("its part is missing, and inline math with an equation (line {line}) is not read"));
            }
            out.push(grade);
            continue;
        };
        let mut grade = DerivationGrade::zero(rd, Vec::new());
        grade.matched = Some((combined.derivations[s].span, by));
        let sub = &combined.derivations[s];
        let line = line_col(source, sub.span.start).0;
        if let Some(name) = sub.name.as_ref().filter(|n| by == MatchedBy::Head && Some(*n) != rd.written_name.as_ref())
        {
            grade.feedback.push(format!("your \"{name}\" (line {line}) is graded as \"{}\": same head", rd.name));
        }
        let Some(k) = checked_at[r] else {
            let first = errors.iter().find(|e| sub.extent.start <= e.span.start && e.span.start <= sub.extent.end);
            let why = first
                .map_or_else(String::new, |e| format!(": {} (line {})", e.message, line_col(source, e.span.start).0));
            grade.feedback.push(format!("not graded: the derivation at line {line} has errors{why}"));
            grade.review.push(format!("the derivation at line {line} has errors and is not graded"));
            out.push(grade);
            continue;
        };
        let (d, result) = (&to_check[k], &results[k]);
        let rounded = &rounded[k];
        let final_rounded = finals_rounded[k];
        let as_approx = &as_approx[k];
        grade.feedback.extend(aligned.notes[s].iter().cloned());
        if !same_head {
            grade.feedback.push(format!(
                "your head is not the reference's `{}`: your steps are checked from the reference's head",
                rd.head_text
            ));
            grade.review.push(format!("its head (line {line}) is not the reference's `{}`", rd.head_text));
        }
        let mut statuses = Vec::new();
        let mut steps = Vec::new();
        for (i, step) in result.steps.iter().enumerate() {
            let before = d.expr_before(i + 1);
            let before_text = expr_text(model, before);
            let repeat = before_text == expr_text(model, &d.steps[i].expr);
            let carried_from = carried[k][i].map(|a| &reference.derivations[checked_for[a]].name);
            let status = match carried_from {
                Some(_) => StepStatus::CarriedForward,
                // A rounded step that equals the head within its own rounding, after steps that
                // all do: each is a right rounding, and they differ only by how many digits each
                // kept (a TA: `≈ -0.5 + 0.031623` after `≈ -0.5 + 0.005 / 0.15811` lost its share,
                // was told "not the value asked for" and flagged as a possible copy).
                None if step.verdict == Verdict::Wrong
                    && rounding_drift(result, i, source.get(step.span.range()).unwrap_or_default()) =>
                {
                    StepStatus::Correct
                }
                None => StepStatus::of(step, repeat),
            };
            let term = terms[k][i].clone();
            // A term named from the step before, else the check's cause; then the verified repair,
            // which names the part of the step (the same as `check` gives).
            // A repair that puts back or removes a term says no more than the term named; the
            // reciprocal of the ratio put back in front of the whole step (`1.5` for `2` where
            // `0.5 + 1.5 + 1` is 3) says less.
            let reciprocal =
                step.repair.as_ref().is_some_and(|r| r.kind == RepairKind::ConstantFactor && r.culprit.is_none());
            let same = term.is_some()
                && (reciprocal
                    || step
                        .repair
                        .as_ref()
                        .is_some_and(|r| matches!(r.kind, RepairKind::MissingTerm | RepairKind::ExtraTerm)));
            let named = term.or_else(|| step.shown_cause().map(feedback::mistake));
            let repair = step
                .repair
                .as_ref()
                .filter(|_| !same)
                .map(|r| feedback::repair_text(r, &step.compared_with(|o| line_col(source, o).0)));
            let diagnosis = match (named, repair) {
                _ if carried_from.is_some() => None,
                (Some(named), Some(repair)) => Some(format!("{named}; {repair}")),
                (named, repair) => named.or(repair),
            };
            let hint = (options.hints && options.feedback && status == StepStatus::Wrong)
                .then(|| feedback::hint(&reference_exprs[r], &rd.step_texts, &before_text, i + 1));
            statuses.push(status);
            let mut result = step.clone();
            if same && reciprocal {
                // (Not shown: the JSON says what the feedback says.)
                result.repair = None;
            }
            if let Some(c) = result.counterexample.as_mut() {
                // In the student's names for the indices the head was read with.
                // (All taken out first: the names may be swapped, `V[j,i]` read as `V[i,j]`.)
                let moved: Vec<(String, i64)> = aligned.indices[s]
                    .iter()
                    .filter_map(|(theirs, mine)| c.indices.remove(theirs).map(|v| (mine.clone(), v)))
                    .collect();
                c.indices.extend(moved);
            }
            if carried_from.is_some() {
                // The step follows from the student's own answer: what would have made it follow
                // from the step before is no mistake of this step (the feedback names none either).
                (result.cause, result.repair) = (None, None);
            }
            steps.push(StepGrade {
                result,
                status,
                credit: Points::ZERO,
                diagnosis,
                hint,
                skips: Vec::new(),
                carried_from: carried_from.cloned(),
            });
        }
        // The reference's intermediate work that the steps show.
        let reference_steps: Vec<milestones::ReferenceStep> = theirs(r)
            .steps
            .iter()
            .enumerate()
            .map(|(k, s)| milestones::ReferenceStep {
                expr: &s.expr,
                note: s.note.as_deref(),
                written: rd.step_texts.get(k).map(String::as_str),
                approx: s.relation == Relation::Approx,
            })
            .collect();
        let shown = milestones::milestones(model, &theirs(r).head, &reference_steps);
        // (The numbers of this part of the sheet: those its head reads.)
        let sheet = milestones::sheet_numbers_of(model, &theirs(r).head);
        let marks: Vec<milestones::Marks> =
            d.steps.iter().map(|s| milestones::Marks::of(model, &s.expr, &combined.own, &sheet)).collect();
        let reference_final = theirs(r).steps.last().map_or(&theirs(r).head, |s| &s.expr);
        let worked_otherwise = marks
            .last()
            .is_some_and(|m| m.worked_otherwise(&milestones::Marks::of(model, reference_final, &[], &sheet)));
        let last = d.steps.last().map_or(&d.head, |s| &s.expr);
        let left_over = policy::not_closed_form(model, last, &rd.derivatives_left);
        // A number asked for (the reference ends with one) and its arithmetic left undone: the
        // chain stops before the answer as one that leaves a derivative does (a TA: the numbers
        // put in, and nothing after, took 1.2 of 2, more than the right answer alone). Not one
        // that wrote a number on its way (`1.498`, then `1.498 * 1`): it went to an answer.
        let number_left = left_over.is_empty() && policy::a_number(reference_final) && !policy::a_number(last);
        let stopped = !left_over.is_empty() || (number_left && !d.steps.iter().any(|s| policy::a_number(&s.expr)));
        // (A chain that stops with a derivative the reference works out: its last step is no
        // answer, and may be a stage of its own route.)
        // A head of the submission's own that is not the one checked from (an answer in LaTeX
        // starts from the formula with the numbers put in, the reference's first step) shows its
        // work like a step (a TA: such an answer was told it "skips" the step it started from).
        let own_head = sub.resolved.map(|id| &model.derivations[id].head);
        // (Only a head the check showed equal to the reference's: a wrong head, matched by its
        // name, shows no work — a reviewer: `x^7 + 1` then the right answer took 4 of 4.)
        let lead: Vec<milestones::Marks> = own_head
            .filter(|h| by == MatchedBy::Head && expr_text(model, h) != expr_text(model, &d.head))
            .map(|h| milestones::Marks::of(model, h, &combined.own, &sheet))
            .into_iter()
            .collect();
        let wrong: Vec<bool> = lead
            .iter()
            .map(|_| false)
            // (Not a rounding that drifted, graded as right: a final `≈ 0.48246` after a coarser `≈
            // 0.5 - 0.0175` stood for a milestone as a wrong leap, an adversarial tester found.)
            .chain(steps.iter().map(|s| {
                s.result.verdict == Verdict::Wrong && s.carried_from.is_none() && s.status != StepStatus::Correct
            }))
            .collect();
        let led = lead.len();
        let coverage = milestones::cover(
            &shown,
            &milestones::Marks::of(model, &d.head, &[], &sheet),
            &lead.into_iter().chain(marks).collect::<Vec<_>>(),
            &milestones::Marks::of(model, reference_final, &[], &sheet),
            stopped,
            &wrong,
            options.hints,
        );
        let mut skipped = coverage.skipped;
        if led > 0 && skipped.len() > 1 {
            let at_head = skipped.remove(0);
            skipped[0].extend(at_head);
        }
        for (step, skips) in steps.iter_mut().zip(skipped) {
            step.skips = skips;
        }
        grade.milestones = (coverage.reached, coverage.total);
        let holds = result.final_holds();
        // A right answer written otherwise than the reference's answer and than its step of the
        // derivatives worked out, with that step not reached: the same work in another form (a
        // TA: a Huber derivative's two pieces written `1 - step(…)`, or as three cases, took the
        // answer's share alone) or another form of the answer alone? The checker cannot tell
        // which; a person sees it.
        // (Only where that step is not reached, and the answer is written with a builtin the
        // reference's answer does not use and one of that step's: the pieces of `step`, `abs`
        // and `sign`, or `relu` and `sign`, against a `clamp`. A `max(-dl, min(r, dl))` is
        // another form of the answer alone, and so is a number written to other digits.)
        let own_builtins = milestones::builtins_used(last);
        let final_builtins = milestones::builtins_used(reference_final);
        let like_worked_step =
            shown.iter().zip(&coverage.each).filter(|(m, reached)| m.worked_out() && !**reached).any(|(m, _)| {
                theirs(r).steps.get(m.position - 1).is_some_and(|step| {
                    let theirs = milestones::builtins_used(&step.expr);
                    !own_builtins.is_subset(&final_builtins) && !own_builtins.is_disjoint(&theirs)
                })
            });
        if holds && left_over.is_empty() && !policy::a_number(reference_final) && like_worked_step && worked_otherwise {
            grade.review.push(
                "its right answer is written otherwise than the reference's answer and its step of the derivatives \
                 worked out, which it does not reach: that work in another form, or the answer alone?"
                    .to_string(),
            );
        }
        // A chain that starts from a closed form and ends with the derivative (the reference's
        // answer down to its question) may be a right proof written backwards: a person judges it.
        let closed = |h: &crate::model::Expr| policy::not_closed_form(model, h, &rd.derivatives_left).is_empty();
        if holds && !left_over.is_empty() && !d.steps.is_empty() && own_head.is_some_and(closed) {
            grade.review.push(
                "its head has no derivative left and its last step has: written from the answer back to the question?"
                    .to_string(),
            );
        }
        // A chain that stops with a derivative or arithmetic the reference works out has not
        // shown the work after its last step: the answer worked out is one milestone more, not
        // reached (a chain
        // that goes on to a wrong answer reaches it, and loses that step's share instead).
        // (Where the reference asks for no milestone, its work is one stage, and it is reached.)
        // A last line not read is such an answer, graded as a wrong step of its own (a TA: a typo
        // in the answer cost more than a wrong answer, 0.3 against 0.6 of 2).
        if stopped && !d.steps.is_empty() && !d.unread_last() {
            if grade.milestones.1 == 0 {
                grade.milestones = (1, 2);
            } else {
                grade.milestones.1 += 1;
            }
        }
        // A number asked for (the reference ends with one) and its arithmetic left undone.
        let mut left_over = left_over;
        if number_left {
            // As written (`0.9 * 0.02`, not the values `9/10*(1/50)`).
            let written = d.steps.last().and_then(|s| source.get(s.span.range())).map(|t| {
                let t = t.split('#').next().unwrap_or_default();
                t.trim().trim_start_matches(['=', '≈', '~']).trim_start_matches("\\approx").trim().to_string()
            });
            left_over.push(written.filter(|t| !t.is_empty()).unwrap_or_else(|| expr_text(model, last)));
        }
        let after_approx = d.steps.iter().any(|s| s.relation == Relation::Approx);
        let coarse =
            d.steps.last().and_then(|s| policy::coarser_than_reference(s, after_approx, d.tolerance, reference_final));
        // The last line not read: the answer is not known, and no step before it is taken for it (a
        // reviewer: a right step, then a wrong answer with a typo, had the final share).
        let answer_unread = d.unread.last().filter(|_| d.unread_last());
        grade.final_correct = holds && left_over.is_empty() && coarse.is_none() && answer_unread.is_none();
        // A final answer that is wrong only by an error carried from another derivation, through
        // steps that all keep their credit, keeps the final share: the error is charged once.
        let carried_final = !holds
            && left_over.is_empty()
            && result.steps.last().is_some_and(|s| s.holds_known)
            && steps.iter().any(|s| s.carried_from.is_some())
            && statuses.iter().all(|s| s.earns_credit());
        // A line not read is a step that earns nothing, as a wrong one: its share is lost (a tester:
        // a wrong step hidden behind a typo cost nothing, where written cleanly it cost its share).
        let with_unread: Vec<StepStatus> =
            statuses.iter().copied().chain(d.unread.iter().map(|_| StepStatus::Wrong)).collect();
        let award = policy::award(
            &rd.worth,
            &reference.shares,
            &with_unread,
            grade.final_correct || carried_final,
            grade.milestones,
        );
        for (step, credit) in steps.iter_mut().zip(award.step_credits) {
            step.credit = credit;
        }
        // Steps that share a line (`A = B = C` in one row of LaTeX) are told apart by column, as
        // in the report of `check`.
        let step_lines: Vec<(usize, usize)> = steps.iter().map(|s| line_col(source, s.result.span.start)).collect();
        let place = |k: usize| {
            let (line, column) = step_lines[k];
            let shared = step_lines.iter().filter(|(l, _)| *l == line).count() > 1;
            if shared {
                format!("{line}:{column}")
            } else {
                line.to_string()
            }
        };
        // A line that could not be read is said at its place: it earns nothing (its share is lost,
        // above), and the step after it is compared with the last step before it that was read (a
        // TA: a `p[i] sum(j, q[j])` cost the whole part).
        let unread_line = |u: &Span| {
            let line = line_col(source, u.start).0;
            let why = errors
                .iter()
                .find(|e| u.start <= e.span.start && e.span.start <= u.end)
                .map_or_else(String::new, |e| format!(": {}", e.message));
            let after = if d.steps.last().is_some_and(|s| s.span.start > u.start) {
                "; the step after it is graded from the step before it"
            } else {
                ", and no final share: the answer is not known"
            };
            format!("line {line}: not read{why} (no credit{after})")
        };
        let mut last_end = d.span.end;
        for (k, step) in steps.iter().enumerate() {
            for u in d.unread.iter().filter(|u| last_end <= u.start && u.start < step.result.span.start) {
                grade.feedback.push(unread_line(u));
            }
            last_end = step.result.span.end;
            let at = place(k);
            let rounded_note = rounded.contains(&k).then_some(if final_rounded && k + 1 == steps.len() {
                " (written with `=`, it differs from the head only within its rounding: graded as `≈`; write `≈` where a number is rounded)"
            } else {
                " (written with `=`, it differs from the step before only within the rounding of its numbers: graded as `≈`; write `≈` where a number is rounded)"
            });
            let mut line = match &step.carried_from {
                Some(name) => format!(
                    "line {at}: follows from your answer to \"{name}\", whose mistake is charged there (credit kept)"
                ),
                None => {
                    // Without `--hints`, the value of a part in numbers is its answer: not shown
                    // beside a wrong step compared with the head or with a step that equals it (a
                    // TA: "the step before is 0.710552" gave the answer of the momentum part away).
                    let before_holds = k > 0 && steps[k - 1].result.holds && steps[k - 1].result.holds_known;
                    let head_is_answer = !options.hints && (k == 0 || step.result.restates || before_holds);
                    // A number right to the digits it writes, refused by the sheet's `tolerance`
                    // (`≈ 1.30` for 1.30122 under `tolerance 0.00005`): too few digits, not a wrong
                    // value (a TA: it was told "not the value asked for").
                    let coarse_only = step.status == StepStatus::Wrong
                        && d.tolerance != crate::model::ToleranceRule::Rounding
                        && d.steps.get(k).is_some_and(|s| {
                            s.relation == Relation::Approx && written_range_holds(&s.expr, &step.result)
                        });
                    feedback::step_line(
                        &at,
                        &step.result.compared_with(|o| line_col(source, o).0),
                        &step.result,
                        step.status,
                        step.diagnosis.as_deref(),
                        head_is_answer,
                        coarse_only,
                    )
                }
            };
            // (Where no step of the reference is reached, the steps' share is 0: "credit kept"
            // beside a part worth 0 contradicted itself, a TA.)
            if step.status == StepStatus::CarriedForward && grade.milestones.0 == 0 && grade.milestones.1 > 0 {
                line = line.replace(
                    "(credit kept)",
                    "(not charged again; but no step of the reference is reached, so the steps' share is 0)",
                );
            }
            if let Some(note) = rounded_note {
                line.push_str(note);
            }
            // (Only where the value is near the one it should be: a bias correction by `1 - 0.9`
            // for `1 - 0.9^2`, 90% off, "held as `≈`" by the ±0.05 of a `0.1` written for `1 -
            // 0.9`, and the note invited the student to write `≈` there: a TA.)
            let near = step.result.counterexample.as_ref().is_some_and(|c| match (c.left, c.right) {
                (Some(l), Some(r)) => (l - r).abs() <= ROUNDED_NOTE_SHARE * l.abs().max(r.abs()),
                _ => false,
            });
            if as_approx.contains(&k) && step.status == StepStatus::Wrong && near {
                line.push_str(
                    " (it holds as `≈`, within the rounding of the numbers it writes; under this sheet's rounding rule, \
                     arithmetic on rounded numbers written with `=` is graded as written: write `≈` where a number is rounded)",
                );
            }
            if !step.skips.is_empty() {
                line.push_str(&format!("; it skips {} (the steps' share rewards shown work)", step.skips.join("; ")));
            }
            grade.feedback.push(line);
            if let Some(hint) = &step.hint {
                grade.feedback.push(format!("  hint: {hint}"));
            }
        }
        for u in d.unread.iter().filter(|u| last_end <= u.start) {
            grade.feedback.push(unread_line(u));
        }
        let known = result.steps.last().is_none_or(|s| s.holds_known);
        if carried_final {
            grade.feedback.push(
                "final answer: consistent with your earlier answer, whose mistake is charged where it was made \
                 (final share kept)"
                    .to_string(),
            );
        } else {
            grade.feedback.push(match coarse {
                _ if answer_unread.is_some() => format!(
                    "final answer: line {} could not be read; the step before it is not taken as the answer",
                    line_col(source, answer_unread.map_or(0, |u| u.start)).0
                ),
                // (Without `--hints` the reference's number is not quoted: a TA found it gave the
                // answer to every student who resubmits.)
                Some((asked, _)) if holds && options.hints => format!(
                    "final answer: equal to the head when rounded, but written less precisely than the reference's \
                     `{asked}`"
                ),
                Some((_, precision)) if holds => format!(
                    "final answer: equal to the head when rounded, but written less precisely than the reference's \
                     answer ({precision})"
                ),
                _ => final_line(holds, &left_over, known),
            });
        }
        // A right answer reached only by a wrong step that lands on the head again (after a slip
        // before it) may be a correction or an answer written down without the work: the final
        // share is given, and a person sees which.
        let rejoins =
            steps.iter().position(|s| s.status == StepStatus::Wrong && s.result.holds && s.result.holds_known);
        if let Some(k) = rejoins.filter(|_| grade.final_correct) {
            let at = place(k);
            grade.review.push(format!(
                "its right answer is reached from a wrong step (line {at} equals the head again after a mistake): \
                 a correction, or the answer written without the work?"
            ));
        }
        // Credit only for steps carried forward from a first step that is wrong, with nothing
        // that explains it (no cause, no repair): a slip carried through, or a wrong answer
        // rewritten (a TA: `= s1^3/s2^2` and two rewrites of it took 1.2 of 3, the line alone 0).
        // The credit stands (the checker cannot tell the two apart); a person sees which.
        // (Not of numbers alone: a number put in wrong and its arithmetic carried is the usual
        // slip of an optimiser step, and each step after it does arithmetic.)
        // (A term the reference's next step shows missing explains it too: the review said "no
        // cause explains" beside the feedback's "missing term …", a TA.)
        let unexplained_start = steps.first().is_some_and(|s| {
            s.status == StepStatus::Wrong
                && s.result.cause.is_none()
                && s.result.repair.is_none()
                && s.diagnosis.is_none()
        }) && d.steps.first().is_some_and(|s| crate::localise::reads_input(model, &[&s.expr]));
        let credited: Vec<&StepGrade> = steps.iter().filter(|s| s.credit != Points::ZERO).collect();
        if unexplained_start
            && !grade.final_correct
            && !credited.is_empty()
            && credited.iter().all(|s| s.status == StepStatus::CarriedForward)
        {
            grade.review.push(format!(
                "its credit is for steps carried forward from a wrong first step (line {}) that no cause explains: a \
                 slip carried through, or a wrong answer rewritten?",
                place(0)
            ));
        }
        for step in steps.iter().filter(|s| s.status == StepStatus::Undetermined) {
            let at = line_col(source, step.result.span.start).0;
            grade.review.push(format!("the step at line {at} could not be decided"));
        }
        if !known {
            grade.review.push("its final answer could not be compared with the head".to_string());
        }
        grade.score = award.score;
        grade.steps = steps;
        out.push(grade);
    }
    out
}

/// For each checked derivation and step: the missing or extra term that explains a wrong step,
/// where the check found no simpler cause (a sign or a factor). `reference_of(k)` is the
/// reference's derivation for checked derivation `k`, and its expressions as the model writes them.
fn missing_or_extra_terms<'a>(
    model: &Model,
    checked: &[Derivation],
    results: &[DerivationResult],
    reference_of: impl Fn(usize) -> (&'a Derivation, &'a Vec<String>),
    options: &GradeOptions,
    memo: Option<&MemoScope>,
) -> Vec<Vec<Option<String>>> {
    let mut wrong = Vec::new();
    let mut at = Vec::new();
    for (k, (d, result)) in checked.iter().zip(results).enumerate() {
        let (theirs, reference_exprs) = reference_of(k);
        for (i, step) in result.steps.iter().enumerate() {
            let simple = matches!(step.cause, Some(Cause::Sign | Cause::Factor(_) | Cause::SignAndFactor(_)));
            // (A step that equals the head again undoes a mistake before it: no term of its own.)
            let undoes = step.holds && step.holds_known;
            if step.verdict != Verdict::Wrong || step.counterexample.is_none() || simple || undoes {
                continue;
            }
            let before = d.expr_before(i + 1);
            // When the step before holds, the reference's next step has the right value.
            let before_holds = match d.before(i + 1) {
                0 => true,
                k => result.steps[k - 1].holds,
            };
            let next = feedback::next_reference(reference_exprs, &expr_text(model, before), i + 1);
            let reference = next.filter(|_| before_holds).and_then(|j| theirs.steps.get(j)).map(|s| &s.expr);
            wrong.push(WrongStep { before, step: &d.steps[i].expr, reference, shape: &d.steps[i].shape });
            at.push((k, i));
        }
    }
    let mut terms: Vec<Vec<Option<String>>> = results.iter().map(|r| vec![None; r.steps.len()]).collect();
    for ((k, i), term) in at.into_iter().zip(feedback::name_terms(model, &wrong, &options.check, memo)) {
        terms[k][i] = term;
    }
    terms
}

/// The line about the final answer.
fn final_line(holds: bool, left_over: &[String], known: bool) -> String {
    match (holds, left_over) {
        (true, []) => "final answer: correct".to_string(),
        (true, left) => format!(
            "final answer: equal to the head, but not worked out: `{}` {} left, which the reference resolves",
            left.join("`, `"),
            if left.len() == 1 { "is" } else { "are" }
        ),
        (false, _) if !known => {
            "final answer: could not be compared with the head; flagged for manual review".to_string()
        }
        (false, _) => "final answer: does not equal the head".to_string(),
    }
}

/// Whether step `i` of a result (written `text`) is wrong from the step before only by rounding:
/// it is a `≈` step equal to the head within its rounding, as every step before it is, and the two
/// differ by at most ten half-units of its finest decimal (a step before that holds only because a
/// coarse `1.0` in it is widened by 0.05 — `≈ 1.0 - 0.002 / 0.1300` for 0.98246, a TA's wrong
/// middle step — is no rounding of the answer to the digits the step after keeps).
fn rounding_drift(result: &DerivationResult, i: usize, text: &str) -> bool {
    let holds = |s: &StepResult| s.holds && s.holds_known;
    let Some(step) = result.steps.get(i) else { return false };
    let (Some(finest), Some(c)) = (finest_half_unit(text), step.counterexample.as_ref()) else { return false };
    let close = matches!((c.left, c.right), (Some(a), Some(b)) if (a - b).abs() <= 10.0 * finest);
    step.relation == Relation::Approx && holds(step) && close && result.steps[..i].iter().all(holds)
}

/// Half a unit in the last digit of the decimal written with the most digits after its point
/// (`0.031623`: 5e-7), if a decimal is written.
fn finest_half_unit(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut places: Option<i32> = None;
    for (k, &b) in bytes.iter().enumerate() {
        let after_digit = k > 0 && bytes[k - 1].is_ascii_digit();
        if b == b'.' && after_digit && bytes.get(k + 1).is_some_and(u8::is_ascii_digit) {
            let n = bytes[k + 1..].iter().take_while(|d| d.is_ascii_digit()).count() as i32;
            places = Some(places.map_or(n, |p| p.max(n)));
        }
    }
    places.map(|p| 0.5 * 10f64.powi(-p))
}
