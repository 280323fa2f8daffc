//! The outputs of `grade`: feedback and a summary table for people, one JSON document, a CSV
//! sheet with one row per submission, Gradescope's and PrairieLearn's `results.json`, and the
//! JSON schemas of the JSON outputs (derived from the types that write them). Every output says
//! which submissions a person should look at and why, and what the grades were made with
//! ([`Provenance`]).

use std::fmt::Write as _;
use std::io::Write as _;

use codespan_reporting::term::termcolor::{Buffer, Color};
use num_bigint::BigInt;
use num_rational::BigRational;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

use super::human::paint;
use super::json::{step_json, StepJson};
use super::{render_diagnostics, FileReport};
use crate::diagnostic::{line_col, Diagnostic, Span};
use crate::grade::{DerivationGrade, Points, Provenance, Reference, SubmissionGrade};

/// Feedback for each submission, then a table of the scores, then what they were made with.
pub fn render_grades_human(
    grades: &[SubmissionGrade],
    reference: &Reference,
    provenance: &Provenance,
    color: bool,
) -> String {
    render_batch_human(&GradeRecord::all(grades, provenance, color), &BatchInfo::new(reference, provenance))
}

fn submission(out: &mut Buffer, g: &SubmissionGrade, color: bool) -> std::io::Result<()> {
    paint(out, None, true, &format!("{} — {} / {}", g.path, g.score, g.max_score))?;
    if g.manual_review() {
        paint(out, Some(Color::Yellow), true, "  (manual review)")?;
    }
    writeln!(out)?;
    for reason in &g.review {
        writeln!(out, "  review: {reason}")?;
    }
    if !g.errors.is_empty() {
        let report = FileReport::unchecked(g.path.clone(), g.source.clone(), g.errors.clone());
        let rendered = render_diagnostics(&report, color);
        for line in rendered.trim_end().lines() {
            if line.trim().is_empty() {
                writeln!(out)?;
            } else {
                writeln!(out, "  {line}")?;
            }
        }
    }
    for d in &g.model_changes {
        writeln!(out, "  model: {}", located(&g.source, d))?;
    }
    for d in &g.derivations {
        derivation(out, &g.source, d)?;
    }
    for note in g.replaced_notes() {
        writeln!(out, "  {note}")?;
    }
    for span in &g.unmatched {
        let line = line_col(&g.source, span.start).0;
        writeln!(out, "  the derivation at line {line} matches none of the reference's (not graded)")?;
    }
    writeln!(out)
}

fn derivation(out: &mut Buffer, source: &str, d: &DerivationGrade) -> std::io::Result<()> {
    let full = d.score == d.max_score;
    write!(out, "  \"{}\" ", d.name)?;
    paint(out, Some(if full { Color::Green } else { Color::Red }), true, &format!("{} / {}", d.score, d.max_score))?;
    if let Some((span, by)) = d.matched {
        write!(out, "  (line {}, matched by {})", line_col(source, span.start).0, by.word())?;
    }
    writeln!(out)?;
    for line in &d.feedback {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}

/// A diagnostic in one line: message, place, hint.
fn located(source: &str, d: &Diagnostic) -> String {
    let hint = d.hints.first().map_or_else(String::new, |h| format!("; {h}"));
    format!("{}{hint}", crate::grade::located(source, d))
}

fn table_text(out: &mut String, records: &[GradeRecord], info: &BatchInfo) {
    let mut header: Vec<String> = vec!["submission".into(), "score".into(), "max".into()];
    header.extend(info.derivations.iter().cloned());
    header.push("notes".into());
    let rows: Vec<&Vec<String>> = records.iter().map(|r| &r.table).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| std::iter::once(&header).chain(rows.iter().copied()).map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in std::iter::once(&header).chain(rows.iter().copied()) {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, text)| {
                let pad = widths[c].saturating_sub(text.chars().count());
                // Names and notes to the left, numbers to the right.
                if c == 0 || c == row.len() - 1 {
                    format!("{text}{}", " ".repeat(pad))
                } else {
                    format!("{}{text}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    let total: Points = records.iter().map(|r| points(r.score)).sum();
    let mean = if records.is_empty() { 0.0 } else { total.as_f64() / records.len() as f64 };
    let review = records.iter().filter(|r| r.manual_review).count();
    let _ = writeln!(
        out,
        "\n{} submission{} graded, mean score {:.2} / {}, {review} for manual review",
        records.len(),
        if records.len() == 1 { "" } else { "s" },
        mean,
        points(info.max_score)
    );
}

/// Short notes for the table: errors, missing derivations, model changes, manual review.
fn notes(g: &SubmissionGrade) -> Vec<String> {
    let mut notes = Vec::new();
    if !g.errors.is_empty() {
        notes.push(format!("{} error{}", g.errors.len(), if g.errors.len() == 1 { "" } else { "s" }));
    }
    let missing: Vec<&str> = g.missing().collect();
    if !missing.is_empty() && g.errors.is_empty() {
        notes.push(format!("missing: {}", missing.join(", ")));
    }
    if !g.model_changes.is_empty() {
        notes.push("model differs".into());
    }
    if g.manual_review() {
        notes.push("manual review".into());
    }
    notes
}

// ---------------------------------------------------------------------------------------- JSON

/// What the grades were made with: the same version, seed and reference give the same grades.
#[derive(Serialize, JsonSchema)]
struct ProvenanceJson<'a> {
    /// The version of gradproof.
    gradproof: &'a str,
    /// The seed of the numeric sampling.
    seed: u64,
    /// The reference's path as given.
    reference: &'a str,
    /// The SHA-256 of the reference's text, in lowercase hexadecimal.
    reference_sha256: &'a str,
}

fn provenance_json(p: &Provenance) -> ProvenanceJson<'_> {
    ProvenanceJson {
        gradproof: p.gradproof,
        seed: p.seed,
        reference: &p.reference,
        reference_sha256: &p.reference_sha256,
    }
}

/// The JSON report of `gradproof grade --format json`.
#[derive(Serialize, JsonSchema)]
struct GradesJson<'a> {
    /// The version of this format.
    version: u32,
    /// The reference's path as given.
    reference: &'a str,
    /// The points there are.
    max_score: f64,
    /// What the grades were made with.
    provenance: ProvenanceJson<'a>,
    /// One per submission, in the order of the arguments (directories sorted).
    submissions: Vec<SubmissionJson<'a>>,
    /// Counts over the submissions.
    summary: SummaryJson,
}

#[derive(Serialize, JsonSchema)]
struct SummaryJson {
    submissions: usize,
    mean_score: f64,
    with_errors: usize,
    manual_review: usize,
}

#[derive(Serialize, JsonSchema)]
struct SubmissionJson<'a> {
    path: &'a str,
    score: f64,
    max_score: f64,
    /// False when it could not be graded at all (unreadable, or errors in every derivation).
    gradable: bool,
    errors: Vec<ErrorJson>,
    model_changes: Vec<ErrorJson>,
    missing: Vec<&'a str>,
    unmatched_lines: Vec<usize>,
    /// Whether a person should look at it (`review_reasons` says why).
    manual_review: bool,
    /// Why a person should look at it, one sentence each.
    review_reasons: &'a [String],
    derivations: Vec<DerivationJson<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct ErrorJson {
    message: String,
    line: Option<usize>,
    column: Option<usize>,
    hint: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct DerivationJson<'a> {
    name: &'a str,
    line: Option<usize>,
    matched_by: Option<&'static str>,
    score: f64,
    max_score: f64,
    final_correct: bool,
    /// The reference's milestones (its intermediate work) the steps show.
    milestones_reached: usize,
    /// The reference's milestones.
    milestones: usize,
    manual_review: bool,
    review_reasons: &'a [String],
    steps: Vec<GradedStepJson<'a>>,
    feedback: &'a [String],
}

#[derive(Serialize, JsonSchema)]
struct GradedStepJson<'a> {
    #[serde(flatten)]
    step: StepJson<'a>,
    credit: f64,
    status: &'static str,
    diagnosis: Option<&'a str>,
    hint: Option<&'a str>,
    /// The reference's intermediate work this step leaps over.
    skips: &'a [String],
    /// The derivation whose wrong answer, as the student gave it, this wrong step follows from
    /// (the error is charged there; this step keeps its credit).
    carried_from: Option<&'a str>,
}

/// The document [`render_grades_json`] writes, as [`GradesJson`] describes it (its schema): the
/// submissions are the records' objects, written out again with the document's indentation.
#[derive(Serialize)]
struct GradesDoc<'a> {
    version: u32,
    reference: &'a str,
    max_score: f64,
    provenance: ProvenanceJson<'a>,
    submissions: Vec<Transcoded<'a>>,
    summary: SummaryJson,
}

/// Every submission, derivation and step as one JSON document.
pub fn render_grades_json(grades: &[SubmissionGrade], reference: &Reference, provenance: &Provenance) -> String {
    render_batch_json(&GradeRecord::all(grades, provenance, false), &BatchInfo::new(reference, provenance))
}

fn pretty(doc: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("grades serialise");
    text.push('\n');
    text
}

fn error_json(source: &str, d: &Diagnostic) -> ErrorJson {
    let located = d.show_source || d.span != Span::default();
    let (line, column) = if located {
        let (l, c) = line_col(source, d.span.start);
        (Some(l), Some(c))
    } else {
        (None, None)
    };
    ErrorJson { message: d.message.clone(), line, column, hint: d.hints.first().cloned() }
}

fn submission_json(g: &SubmissionGrade) -> SubmissionJson<'_> {
    let lines = crate::diagnostic::LineIndex::new(&g.source);
    SubmissionJson {
        path: &g.path,
        score: g.score.as_f64(),
        max_score: g.max_score.as_f64(),
        gradable: g.gradable(),
        errors: g.errors.iter().map(|d| error_json(&g.source, d)).collect(),
        model_changes: g.model_changes.iter().map(|d| error_json(&g.source, d)).collect(),
        missing: g.missing().collect(),
        unmatched_lines: g.unmatched.iter().map(|s| line_col(&g.source, s.start).0).collect(),
        manual_review: g.manual_review(),
        review_reasons: &g.review,
        derivations: g
            .derivations
            .iter()
            .map(|d| DerivationJson {
                name: &d.name,
                line: d.matched.map(|(span, _)| line_col(&g.source, span.start).0),
                matched_by: d.matched.map(|(_, by)| by.word()),
                score: d.score.as_f64(),
                max_score: d.max_score.as_f64(),
                final_correct: d.final_correct,
                milestones_reached: d.milestones.0,
                milestones: d.milestones.1,
                manual_review: d.manual_review(),
                review_reasons: &d.review,
                steps: d
                    .steps
                    .iter()
                    .map(|s| GradedStepJson {
                        step: step_json(&lines, &s.result),
                        credit: s.credit.as_f64(),
                        status: status_word(s.status),
                        diagnosis: s.diagnosis.as_deref(),
                        hint: s.hint.as_deref(),
                        skips: &s.skips,
                        carried_from: s.carried_from.as_deref(),
                    })
                    .collect(),
                feedback: &d.feedback,
            })
            .collect(),
    }
}

fn status_word(s: crate::grade::StepStatus) -> &'static str {
    use crate::grade::StepStatus::*;
    match s {
        Correct => "correct",
        CarriedForward => "carried_forward",
        Repeat => "repeat",
        Wrong => "wrong",
        Undetermined => "undetermined",
    }
}

// ----------------------------------------------------------------------------------------- CSV

/// One row per submission: path, score, max_score, the score of each derivation, then whether a
/// person should look at it and why, and what the grade was made with.
pub fn render_grades_csv(grades: &[SubmissionGrade], reference: &Reference, provenance: &Provenance) -> String {
    render_batch_csv(&GradeRecord::all(grades, provenance, false), &BatchInfo::new(reference, provenance))
}

/// A CSV record (RFC 4180): fields with a comma, quote or line break are quoted.
fn csv_row(out: &mut String, fields: &[String]) {
    let cells: Vec<String> = fields
        .iter()
        .map(|f| if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f.clone() })
        .collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

// ---------------------------------------------------------------------------------- Gradescope

/// Gradescope's `results.json` (its autograder specification), for one submission.
#[derive(Serialize, JsonSchema)]
struct GradescopeJson<'a> {
    /// The points earned.
    score: f64,
    /// For the student: the score, errors, model changes, unmatched derivations, whether a person
    /// will look at it and why, and what the grade was made with (Markdown).
    output: String,
    /// `md`: `output` is Markdown.
    output_format: &'static str,
    /// `md`: each test's `output` is Markdown.
    test_output_format: &'static str,
    visibility: &'static str,
    stdout_visibility: &'static str,
    /// Kept by Gradescope, not shown: the provenance and the review flag as data.
    extra_data: GradescopeExtraJson<'a>,
    /// One per derivation of the reference.
    tests: Vec<GradescopeTest>,
}

#[derive(Serialize, JsonSchema)]
struct GradescopeExtraJson<'a> {
    provenance: ProvenanceJson<'a>,
    gradable: bool,
    manual_review: bool,
    review_reasons: &'a [String],
}

#[derive(Serialize, JsonSchema)]
struct GradescopeTest {
    name: String,
    number: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    output: String,
    output_format: &'static str,
    visibility: &'static str,
}

/// Gradescope's `results.json` for one submission: one test per derivation of the reference,
/// the feedback in Markdown.
pub fn render_gradescope(g: &SubmissionGrade, provenance: &Provenance) -> String {
    pretty(&gradescope_json(g, provenance))
}

fn gradescope_json<'a>(g: &'a SubmissionGrade, provenance: &'a Provenance) -> GradescopeJson<'a> {
    let mut items = Vec::new();
    for d in &g.errors {
        items.push(format!("error: {}", markdown(&located(&g.source, d))));
    }
    for d in &g.model_changes {
        items.push(format!("model: {}", markdown(&located(&g.source, d))));
    }
    items.extend(g.replaced_notes());
    for span in &g.unmatched {
        let line = line_col(&g.source, span.start).0;
        items.push(format!("the derivation at line {line} matches none of the reference's (not graded)"));
    }
    let mut output = format!("**{} / {} points**\n", g.score, g.max_score);
    if !items.is_empty() {
        output.push('\n');
        for item in &items {
            let _ = writeln!(output, "- {item}");
        }
    }
    if g.manual_review() {
        output.push_str("\nThis submission will be looked at by a person:\n\n");
        for reason in &g.review {
            let _ = writeln!(output, "- {}", markdown(reason));
        }
    }
    let _ = write!(output, "\n_graded with {}_\n", markdown(&provenance.line()));
    let tests = g
        .derivations
        .iter()
        .enumerate()
        .map(|(k, d)| GradescopeTest {
            name: d.name.clone(),
            number: (k + 1).to_string(),
            score: d.score.as_f64(),
            max_score: d.max_score.as_f64(),
            status: if d.score == d.max_score { "passed" } else { "failed" },
            output: feedback_markdown(&d.feedback),
            output_format: "md",
            visibility: "visible",
        })
        .collect();
    GradescopeJson {
        score: g.score.as_f64(),
        output,
        output_format: "md",
        test_output_format: "md",
        visibility: "visible",
        stdout_visibility: "hidden",
        extra_data: GradescopeExtraJson {
            provenance: provenance_json(provenance),
            gradable: g.gradable(),
            manual_review: g.manual_review(),
            review_reasons: &g.review,
        },
        tests,
    }
}

/// A derivation's feedback as a Markdown list: a line indented under the one before (a hint)
/// becomes an item of a nested list.
fn feedback_markdown(feedback: &[String]) -> String {
    let mut out = String::new();
    for line in feedback {
        let nested = line.starts_with(' ');
        let _ = writeln!(out, "{}- {}", if nested { "  " } else { "" }, markdown(line.trim_start()));
    }
    out
}

/// Text for Markdown: outside the code spans (between backticks, which the feedback uses for
/// expressions), the characters that Markdown would read as emphasis, links or HTML are escaped.
fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// -------------------------------------------------------------------------------- PrairieLearn

/// PrairieLearn's external-grader `results.json`, for one submission.
#[derive(Serialize, JsonSchema)]
struct PrairieLearnJson<'a> {
    /// False when the submission could not be read or no derivation of it could be graded: the
    /// attempt does not count, and `format_errors` says why.
    gradable: bool,
    /// The score as a fraction of the points, from 0 to 1 (absent when not gradable).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    score: Option<f64>,
    /// One line for the student: the points, or why it could not be graded.
    message: String,
    /// The whole feedback as text, with what the grade was made with.
    output: String,
    /// Why it could not be graded (its errors), empty when it was.
    format_errors: Vec<String>,
    /// One per derivation of the reference (empty when not gradable).
    tests: Vec<PrairieLearnTest<'a>>,
    /// Whether a person should look at it, and why (not read by PrairieLearn).
    manual_review: bool,
    review_reasons: &'a [String],
    /// What the grade was made with (not read by PrairieLearn).
    provenance: ProvenanceJson<'a>,
}

#[derive(Serialize, JsonSchema)]
struct PrairieLearnTest<'a> {
    name: &'a str,
    points: f64,
    max_points: f64,
    message: String,
    output: String,
}

/// PrairieLearn's `results.json` for one submission: a score in [0, 1] and one test per
/// derivation; a submission that cannot be graded at all is `gradable: false` with its errors.
pub fn render_prairielearn(g: &SubmissionGrade, provenance: &Provenance) -> String {
    let gradable = g.gradable();
    let format_errors: Vec<String> =
        if gradable { Vec::new() } else { crate::grade::distinct(g.errors.iter().map(|d| located(&g.source, d))) };
    let message = if gradable {
        let review = if g.manual_review() { "; a person will look at this submission" } else { "" };
        format!("{} / {} points{review}", g.score, g.max_score)
    } else {
        "this submission could not be graded (see the errors); fix it and submit again: this attempt does not count"
            .to_string()
    };
    let mut output = String::new();
    for d in g.errors.iter().filter(|_| gradable) {
        let _ = writeln!(output, "error: {}", located(&g.source, d));
    }
    for d in &g.model_changes {
        let _ = writeln!(output, "model: {}", located(&g.source, d));
    }
    for reason in &g.review {
        let _ = writeln!(output, "review: {reason}");
    }
    let _ = writeln!(output, "graded with {}", provenance.line());
    let fraction = if g.max_score == Points::ZERO { 0.0 } else { g.score.as_f64() / g.max_score.as_f64() };
    let tests = if gradable {
        g.derivations
            .iter()
            .map(|d| PrairieLearnTest {
                name: &d.name,
                points: d.score.as_f64(),
                max_points: d.max_score.as_f64(),
                message: format!("{} / {}", d.score, d.max_score),
                output: d.feedback.join("\n"),
            })
            .collect()
    } else {
        Vec::new()
    };
    pretty(&PrairieLearnJson {
        gradable,
        score: gradable.then(|| (fraction * 1e6).round() / 1e6),
        message,
        output,
        format_errors,
        tests,
        manual_review: g.manual_review(),
        review_reasons: &g.review,
        provenance: provenance_json(provenance),
    })
}

// ------------------------------------------------------------------------------------- Batches

/// What the outputs of a batch say besides its submissions: the reference and what the grades
/// were made with. A line of its own in `grade --format jsonl`; `gradproof merge` writes the
/// outputs from it and the [`GradeRecord`]s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// The reference's path as given.
    pub reference: String,
    /// The reference's points.
    pub max_score: f64,
    /// The names of the reference's derivations, in its order.
    pub derivations: Vec<String>,
    /// The version of gradproof.
    pub gradproof: String,
    /// The seed of the numeric sampling.
    pub seed: u64,
    /// The SHA-256 of the reference's text.
    pub reference_sha256: String,
    /// The provenance in one line, as the human output ends.
    pub graded_with: String,
}

impl BatchInfo {
    /// The batch information of grades made against `reference`.
    pub fn new(reference: &Reference, provenance: &Provenance) -> BatchInfo {
        BatchInfo {
            reference: reference.path.clone(),
            max_score: reference.max_score().as_f64(),
            derivations: reference.derivations.iter().map(|d| d.name.clone()).collect(),
            gradproof: provenance.gradproof.to_string(),
            seed: provenance.seed,
            reference_sha256: provenance.reference_sha256.clone(),
            graded_with: provenance.line(),
        }
    }

    fn provenance(&self) -> ProvenanceJson<'_> {
        ProvenanceJson {
            gradproof: &self.gradproof,
            seed: self.seed,
            reference: &self.reference,
            reference_sha256: &self.reference_sha256,
        }
    }
}

/// One submission's grade as every output of a batch needs it, rendered once: a line of `grade
/// --format jsonl`. The human, JSON, CSV and Gradescope outputs of a batch are put together from
/// records, whether the grades were just made or read back from JSON Lines, so a merged output is
/// the unsharded one byte for byte.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GradeRecord {
    /// The submission's place in the whole batch: the order of the arguments, directories sorted.
    pub index: usize,
    /// The path as graded.
    pub path: String,
    /// The points earned.
    pub score: f64,
    /// The points there are.
    pub max_score: f64,
    /// Whether a person should look at it.
    pub manual_review: bool,
    /// Whether it has errors.
    pub with_errors: bool,
    /// Whether it could not be read at all.
    pub unreadable: bool,
    /// Its object in the JSON output (`--format json`'s `submissions`).
    pub submission: Box<RawValue>,
    /// Its row of the CSV output, without the provenance columns.
    pub csv: Vec<String>,
    /// Its row of the human output's table.
    pub table: Vec<String>,
    /// Its feedback in the human output.
    pub human: String,
    /// Its Gradescope `results.json`.
    pub gradescope: Box<RawValue>,
}

impl GradeRecord {
    /// The record of `g`, the `index`-th submission of its batch; `color` for the human text.
    pub fn new(index: usize, g: &SubmissionGrade, provenance: &Provenance, color: bool) -> GradeRecord {
        let mut human = if color { Buffer::ansi() } else { Buffer::no_color() };
        submission(&mut human, g, color).expect("writing to a buffer cannot fail");
        let mut csv = vec![g.path.clone(), g.score.to_string(), g.max_score.to_string()];
        csv.extend(g.derivations.iter().map(|d| d.score.to_string()));
        csv.push(g.manual_review().to_string());
        csv.push(g.review.join("; "));
        let mut table = vec![g.path.clone(), g.score.to_string(), g.max_score.to_string()];
        table.extend(g.derivations.iter().map(|d| d.score.to_string()));
        table.push(notes(g).join("; "));
        GradeRecord {
            index,
            path: g.path.clone(),
            score: g.score.as_f64(),
            max_score: g.max_score.as_f64(),
            manual_review: g.manual_review(),
            with_errors: !g.errors.is_empty(),
            unreadable: g.unreadable,
            submission: raw(&submission_json(g)),
            csv,
            table,
            human: String::from_utf8_lossy(human.as_slice()).into_owned(),
            gradescope: raw(&gradescope_json(g, provenance)),
        }
    }

    /// The records of a whole batch, in its order.
    pub fn all(grades: &[SubmissionGrade], provenance: &Provenance, color: bool) -> Vec<GradeRecord> {
        grades.iter().enumerate().map(|(i, g)| GradeRecord::new(i, g, provenance, color)).collect()
    }

    /// The record as one line of JSON Lines, with its line break.
    pub fn line(&self) -> String {
        let mut text = serde_json::to_string(self).expect("a record serialises");
        text.push('\n');
        text
    }
}

fn raw(value: &impl Serialize) -> Box<RawValue> {
    RawValue::from_string(serde_json::to_string(value).expect("grades serialise")).expect("serde_json writes JSON")
}

/// A record's JSON, written again through the serializer of the document it is put into (so with
/// that document's indentation): the same bytes as the value serialised there directly, since a
/// number written by serde_json reads back as the same number (`float_roundtrip`).
struct Transcoded<'a>(&'a RawValue);

impl Serialize for Transcoded<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_transcode::transcode(&mut serde_json::Deserializer::from_str(self.0.get()), serializer)
    }
}

/// Points from their value in a record: exact, since points are hundredths and a record's number
/// is the nearest float to one.
fn points(value: f64) -> Points {
    Points::round(&BigRational::new(BigInt::from((value * 100.0).round() as i64), BigInt::from(100)))
}

/// The human output of a batch: each submission's feedback, the table, the provenance.
pub fn render_batch_human(records: &[GradeRecord], info: &BatchInfo) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&r.human);
    }
    table_text(&mut out, records, info);
    let _ = writeln!(out, "graded with {}", info.graded_with);
    out
}

/// The JSON output of a batch (`--format json`).
pub fn render_batch_json(records: &[GradeRecord], info: &BatchInfo) -> String {
    let total: Points = records.iter().map(|r| points(r.score)).sum();
    let doc = GradesDoc {
        version: 1,
        reference: &info.reference,
        max_score: info.max_score,
        provenance: info.provenance(),
        submissions: records.iter().map(|r| Transcoded(&r.submission)).collect(),
        summary: SummaryJson {
            submissions: records.len(),
            mean_score: if records.is_empty() {
                0.0
            } else {
                (total.as_f64() / records.len() as f64 * 100.0).round() / 100.0
            },
            with_errors: records.iter().filter(|r| r.with_errors).count(),
            manual_review: records.iter().filter(|r| r.manual_review).count(),
        },
    };
    pretty(&doc)
}

/// The CSV output of a batch (`--format csv`).
pub fn render_batch_csv(records: &[GradeRecord], info: &BatchInfo) -> String {
    let mut out = String::new();
    let mut header = vec!["path".to_string(), "score".to_string(), "max_score".to_string()];
    header.extend(info.derivations.iter().cloned());
    header.extend(["manual_review", "review_reasons", "gradproof", "seed", "reference_sha256"].map(String::from));
    csv_row(&mut out, &header);
    for r in records {
        let mut row = r.csv.clone();
        row.push(info.gradproof.clone());
        row.push(info.seed.to_string());
        row.push(info.reference_sha256.clone());
        csv_row(&mut out, &row);
    }
    out
}

/// A record's Gradescope `results.json`, as `render_gradescope` writes it.
pub fn render_record_gradescope(record: &GradeRecord) -> String {
    pretty(&Transcoded(&record.gradescope))
}

// ------------------------------------------------------------------------------------- Schemas

/// The JSON schemas of the JSON outputs, each with its file name under `schemas/`: derived from
/// the types above, so they cannot drift from what is written.
pub fn grade_schemas() -> Vec<(&'static str, String)> {
    vec![
        ("grade.schema.json", pretty(&schemars::schema_for!(GradesJson))),
        ("gradescope.schema.json", pretty(&schemars::schema_for!(GradescopeJson))),
        ("prairielearn.schema.json", pretty(&schemars::schema_for!(PrairieLearnJson))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::{grade_submission, GradeOptions};

    /// The outputs put together from records read back from their JSON Lines are the documents
    /// serialised at once from the grades (as `grade` wrote them before records existed): the
    /// transcoding changes no byte, and no number.
    #[test]
    fn records_read_back_give_the_documents_serialised_at_once() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/grade");
        let text = std::fs::read_to_string(dir.join("reference.deriv")).expect("the reference");
        let options = GradeOptions::default();
        let reference = Reference::new("reference.deriv", &text, &options.check).expect("a reference without errors");
        let provenance = Provenance::new(&reference, &options);
        let mut names: Vec<_> = std::fs::read_dir(dir.join("submissions"))
            .expect("the submissions")
            .map(|e| e.expect("an entry").path())
            .collect();
        names.sort();
        let grades: Vec<SubmissionGrade> = names
            .iter()
            .map(|p| {
                let source = std::fs::read_to_string(p).expect("readable");
                grade_submission(&reference, &p.display().to_string(), &source, &options)
            })
            .collect();
        assert!(grades.len() >= 8);
        let records: Vec<GradeRecord> = GradeRecord::all(&grades, &provenance, false)
            .iter()
            .map(|r| serde_json::from_str(&r.line()).expect("a record reads back"))
            .collect();
        let total: Points = grades.iter().map(|g| g.score).sum();
        let at_once = GradesJson {
            version: 1,
            reference: &reference.path,
            max_score: reference.max_score().as_f64(),
            provenance: provenance_json(&provenance),
            submissions: grades.iter().map(submission_json).collect(),
            summary: SummaryJson {
                submissions: grades.len(),
                mean_score: (total.as_f64() / grades.len() as f64 * 100.0).round() / 100.0,
                with_errors: grades.iter().filter(|g| !g.errors.is_empty()).count(),
                manual_review: grades.iter().filter(|g| g.manual_review()).count(),
            },
        };
        let info = BatchInfo::new(&reference, &provenance);
        assert_eq!(render_batch_json(&records, &info), pretty(&at_once));
        for (g, r) in grades.iter().zip(&records) {
            assert_eq!(render_record_gradescope(r), render_gradescope(g, &provenance));
        }
        // Some number of the JSON has all the digits of a float: a counterexample's values.
        assert!(render_batch_json(&records, &info).contains("\"left\": "));
    }
}
