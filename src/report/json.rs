//! The JSON report of `cli.md` (version 1). Fields may be added; none may change meaning.

use serde::Serialize;
use std::collections::BTreeMap;

use super::{FileReport, Summary};
use crate::check::{Counterexample, StepResult};
use crate::diagnostic::LineIndex;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    files: Vec<FileJson<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct FileJson<'a> {
    path: &'a str,
    title: Option<&'a str>,
    errors: Vec<ErrorJson>,
    derivations: Vec<DerivationJson<'a>>,
}

#[derive(Serialize)]
struct ErrorJson {
    message: String,
    line: usize,
    column: usize,
    hint: Option<String>,
}

#[derive(Serialize)]
struct DerivationJson<'a> {
    name: Option<&'a str>,
    line: usize,
    steps: Vec<StepJson<'a>>,
    final_holds: bool,
}

#[derive(Serialize)]
pub(super) struct StepJson<'a> {
    index: usize,
    line: usize,
    relation: &'static str,
    verdict: &'static str,
    holds: bool,
    holds_known: bool,
    note: Option<&'a str>,
    detail: &'a str,
    counterexample: Option<CounterexampleJson<'a>>,
    cause: Option<&'a str>,
    explanation: &'a [String],
    internal_error: bool,
}

#[derive(Serialize)]
struct CounterexampleJson<'a> {
    sizes: &'a BTreeMap<String, i64>,
    indices: &'a BTreeMap<String, i64>,
    inputs: &'a BTreeMap<String, f64>,
    left: Option<f64>,
    right: Option<f64>,
}

/// Renders the reports as the JSON document of `cli.md`.
pub fn render_json(reports: &[FileReport]) -> String {
    let files = reports.iter().map(file_json).collect();
    let report = Report { version: 1, files, summary: Summary::of(reports) };
    let mut text = serde_json::to_string_pretty(&report).expect("reports serialise");
    text.push('\n');
    text
}

fn file_json(r: &FileReport) -> FileJson<'_> {
    let lines = LineIndex::new(&r.source);
    let errors = r
        .errors
        .iter()
        .map(|d| {
            let (line, column) = lines.line_col(d.span.start);
            ErrorJson { message: d.message.clone(), line, column, hint: d.hints.first().cloned() }
        })
        .collect();
    let derivations = r
        .derivations
        .iter()
        .map(|d| DerivationJson {
            name: d.name.as_deref(),
            line: lines.line_col(d.span.start).0,
            steps: d.steps.iter().map(|s| step_json(&lines, s)).collect(),
            final_holds: d.final_holds(),
        })
        .collect();
    FileJson { path: &r.path, title: r.title.as_deref(), errors, derivations }
}

pub(super) fn step_json<'a>(lines: &LineIndex, s: &'a StepResult) -> StepJson<'a> {
    StepJson {
        index: s.index,
        line: lines.line_col(s.span.start).0,
        relation: s.relation.symbol(),
        verdict: s.verdict.name(),
        holds: s.holds,
        holds_known: s.holds_known,
        note: s.note.as_deref(),
        detail: &s.detail,
        counterexample: s.counterexample.as_ref().map(counterexample_json),
        cause: s.cause.as_deref(),
        explanation: &s.explanation,
        internal_error: s.internal_error,
    }
}

fn counterexample_json(c: &Counterexample) -> CounterexampleJson<'_> {
    CounterexampleJson { sizes: &c.sizes, indices: &c.indices, inputs: &c.inputs, left: c.left, right: c.right }
}
