//! The outputs of `grade`: feedback and a summary table for people, one JSON document, a CSV
//! sheet with one row per submission, Gradescope's and PrairieLearn's `results.json`, and the
//! JSON schemas of the JSON outputs (derived from the types that write them). Every output says
//! which submissions a person should look at and why, and what the grades were made with
//! ([`Provenance`]).

use std::fmt::Write as _;
use std::io::Write as _;

use codespan_reporting::term::termcolor::{Buffer, Color};
use schemars::JsonSchema;
use serde::Serialize;

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
    let mut out = if color { Buffer::ansi() } else { Buffer::no_color() };
    for g in grades {
        submission(&mut out, g, color).expect("writing to a buffer cannot fail");
    }
    let mut table = String::new();
    table_text(&mut table, grades, reference);
    let _ = write!(out, "{table}");
    let _ = writeln!(out, "graded with {}", provenance.line());
    String::from_utf8_lossy(out.as_slice()).into_owned()
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

fn table_text(out: &mut String, grades: &[SubmissionGrade], reference: &Reference) {
    let mut header: Vec<String> = vec!["submission".into(), "score".into(), "max".into()];
    header.extend(reference.derivations.iter().map(|d| d.name.clone()));
    header.push("notes".into());
    let rows: Vec<Vec<String>> = grades
        .iter()
        .map(|g| {
            let mut row = vec![g.path.clone(), g.score.to_string(), g.max_score.to_string()];
            row.extend(g.derivations.iter().map(|d| d.score.to_string()));
            row.push(notes(g).join("; "));
            row
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| std::iter::once(&header).chain(&rows).map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
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
    let total: Points = grades.iter().map(|g| g.score).sum();
    let mean = if grades.is_empty() { 0.0 } else { total.as_f64() / grades.len() as f64 };
    let review = grades.iter().filter(|g| g.manual_review()).count();
    let _ = writeln!(
        out,
        "\n{} submission{} graded, mean score {:.2} / {}, {review} for manual review",
        grades.len(),
        if grades.len() == 1 { "" } else { "s" },
        mean,
        reference.max_score()
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

/// Every submission, derivation and step as one JSON document.
pub fn render_grades_json(grades: &[SubmissionGrade], reference: &Reference, provenance: &Provenance) -> String {
    let total: Points = grades.iter().map(|g| g.score).sum();
    let doc = GradesJson {
        version: 1,
        reference: &reference.path,
        max_score: reference.max_score().as_f64(),
        provenance: provenance_json(provenance),
        submissions: grades.iter().map(submission_json).collect(),
        summary: SummaryJson {
            submissions: grades.len(),
            mean_score: if grades.is_empty() {
                0.0
            } else {
                (total.as_f64() / grades.len() as f64 * 100.0).round() / 100.0
            },
            with_errors: grades.iter().filter(|g| !g.errors.is_empty()).count(),
            manual_review: grades.iter().filter(|g| g.manual_review()).count(),
        },
    };
    pretty(&doc)
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
    let mut out = String::new();
    let mut header = vec!["path".to_string(), "score".to_string(), "max_score".to_string()];
    header.extend(reference.derivations.iter().map(|d| d.name.clone()));
    header.extend(["manual_review", "review_reasons", "gradproof", "seed", "reference_sha256"].map(String::from));
    csv_row(&mut out, &header);
    for g in grades {
        let mut row = vec![g.path.clone(), g.score.to_string(), g.max_score.to_string()];
        row.extend(g.derivations.iter().map(|d| d.score.to_string()));
        row.push(g.manual_review().to_string());
        row.push(g.review.join("; "));
        row.push(provenance.gradproof.to_string());
        row.push(provenance.seed.to_string());
        row.push(provenance.reference_sha256.clone());
        csv_row(&mut out, &row);
    }
    out
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
    let mut items = Vec::new();
    for d in &g.errors {
        items.push(format!("error: {}", markdown(&located(&g.source, d))));
    }
    for d in &g.model_changes {
        items.push(format!("model: {}", markdown(&located(&g.source, d))));
    }
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
    pretty(&GradescopeJson {
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
    })
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
        if gradable { Vec::new() } else { g.errors.iter().map(|d| located(&g.source, d)).collect() };
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
