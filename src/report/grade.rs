//! The outputs of `grade`: feedback and a summary table for people, one JSON document, a CSV
//! sheet with one row per submission, and Gradescope's `results.json`.

use std::fmt::Write as _;
use std::io::Write as _;

use codespan_reporting::term::termcolor::{Buffer, Color};
use serde::Serialize;

use super::human::paint;
use super::json::{step_json, StepJson};
use super::{render_diagnostics, FileReport};
use crate::diagnostic::{line_col, Diagnostic, Span};
use crate::grade::{DerivationGrade, Points, Reference, SubmissionGrade};

/// Feedback for each submission, then a table of the scores.
pub fn render_grades_human(grades: &[SubmissionGrade], reference: &Reference, color: bool) -> String {
    let mut out = if color { Buffer::ansi() } else { Buffer::no_color() };
    for g in grades {
        submission(&mut out, g, color).expect("writing to a buffer cannot fail");
    }
    let mut table = String::new();
    table_text(&mut table, grades, reference);
    let _ = write!(out, "{table}");
    String::from_utf8_lossy(out.as_slice()).into_owned()
}

fn submission(out: &mut Buffer, g: &SubmissionGrade, color: bool) -> std::io::Result<()> {
    paint(out, None, true, &format!("{} — {} / {}", g.path, g.score, g.max_score))?;
    if g.manual_review {
        paint(out, Some(Color::Yellow), true, "  (manual review)")?;
    }
    writeln!(out)?;
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
    let place = if d.show_source || d.span != Span::default() {
        format!(" (line {})", line_col(source, d.span.start).0)
    } else {
        String::new()
    };
    let hint = d.hints.first().map_or_else(String::new, |h| format!("; {h}"));
    format!("{}{place}{hint}", d.message)
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
    let review = grades.iter().filter(|g| g.manual_review).count();
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
    if g.manual_review {
        notes.push("manual review".into());
    }
    notes
}

// ---------------------------------------------------------------------------------------- JSON

#[derive(Serialize)]
struct GradesJson<'a> {
    version: u32,
    reference: &'a str,
    max_score: f64,
    submissions: Vec<SubmissionJson<'a>>,
    summary: SummaryJson,
}

#[derive(Serialize)]
struct SummaryJson {
    submissions: usize,
    mean_score: f64,
    with_errors: usize,
    manual_review: usize,
}

#[derive(Serialize)]
struct SubmissionJson<'a> {
    path: &'a str,
    score: f64,
    max_score: f64,
    errors: Vec<ErrorJson>,
    model_changes: Vec<ErrorJson>,
    missing: Vec<&'a str>,
    unmatched_lines: Vec<usize>,
    manual_review: bool,
    derivations: Vec<DerivationJson<'a>>,
}

#[derive(Serialize)]
struct ErrorJson {
    message: String,
    line: Option<usize>,
    column: Option<usize>,
    hint: Option<String>,
}

#[derive(Serialize)]
struct DerivationJson<'a> {
    name: &'a str,
    line: Option<usize>,
    matched_by: Option<&'static str>,
    score: f64,
    max_score: f64,
    final_correct: bool,
    manual_review: bool,
    steps: Vec<GradedStepJson<'a>>,
    feedback: &'a [String],
}

#[derive(Serialize)]
struct GradedStepJson<'a> {
    #[serde(flatten)]
    step: StepJson<'a>,
    credit: f64,
    status: &'static str,
    diagnosis: Option<&'a str>,
    hint: Option<&'a str>,
}

/// Every submission, derivation and step as one JSON document.
pub fn render_grades_json(grades: &[SubmissionGrade], reference: &Reference) -> String {
    let total: Points = grades.iter().map(|g| g.score).sum();
    let doc = GradesJson {
        version: 1,
        reference: &reference.path,
        max_score: reference.max_score().as_f64(),
        submissions: grades.iter().map(submission_json).collect(),
        summary: SummaryJson {
            submissions: grades.len(),
            mean_score: if grades.is_empty() {
                0.0
            } else {
                (total.as_f64() / grades.len() as f64 * 100.0).round() / 100.0
            },
            with_errors: grades.iter().filter(|g| !g.errors.is_empty()).count(),
            manual_review: grades.iter().filter(|g| g.manual_review).count(),
        },
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("grades serialise");
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
    SubmissionJson {
        path: &g.path,
        score: g.score.as_f64(),
        max_score: g.max_score.as_f64(),
        errors: g.errors.iter().map(|d| error_json(&g.source, d)).collect(),
        model_changes: g.model_changes.iter().map(|d| error_json(&g.source, d)).collect(),
        missing: g.missing().collect(),
        unmatched_lines: g.unmatched.iter().map(|s| line_col(&g.source, s.start).0).collect(),
        manual_review: g.manual_review,
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
                manual_review: d.manual_review,
                steps: d
                    .steps
                    .iter()
                    .map(|s| GradedStepJson {
                        step: step_json(&crate::diagnostic::LineIndex::new(&g.source), &s.result),
                        credit: s.credit.as_f64(),
                        status: status_word(s.status),
                        diagnosis: s.diagnosis.as_deref(),
                        hint: s.hint.as_deref(),
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

/// One row per submission: path, score, max_score, then the score of each derivation.
pub fn render_grades_csv(grades: &[SubmissionGrade], reference: &Reference) -> String {
    let mut out = String::new();
    let mut header = vec!["path".to_string(), "score".to_string(), "max_score".to_string()];
    header.extend(reference.derivations.iter().map(|d| d.name.clone()));
    csv_row(&mut out, &header);
    for g in grades {
        let mut row = vec![g.path.clone(), g.score.to_string(), g.max_score.to_string()];
        row.extend(g.derivations.iter().map(|d| d.score.to_string()));
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

#[derive(Serialize)]
struct GradescopeJson {
    score: f64,
    output: String,
    visibility: &'static str,
    stdout_visibility: &'static str,
    tests: Vec<GradescopeTest>,
}

#[derive(Serialize)]
struct GradescopeTest {
    name: String,
    number: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    output: String,
    visibility: &'static str,
}

/// Gradescope's `results.json` for one submission: one test per derivation of the reference.
pub fn render_gradescope(g: &SubmissionGrade) -> String {
    let mut output = format!("{} / {} points", g.score, g.max_score);
    for d in &g.errors {
        let _ = write!(output, "\nerror: {}", located(&g.source, d));
    }
    for d in &g.model_changes {
        let _ = write!(output, "\nmodel: {}", located(&g.source, d));
    }
    for span in &g.unmatched {
        let line = line_col(&g.source, span.start).0;
        let _ = write!(output, "\nthe derivation at line {line} matches none of the reference's (not graded)");
    }
    if g.manual_review {
        output.push_str("\nthis submission will be looked at by a person");
    }
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
            output: d.feedback.join("\n"),
            visibility: "visible",
        })
        .collect();
    let doc =
        GradescopeJson { score: g.score.as_f64(), output, visibility: "visible", stdout_visibility: "hidden", tests };
    let mut text = serde_json::to_string_pretty(&doc).expect("results serialise");
    text.push('\n');
    text
}
