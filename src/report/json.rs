//! The JSON report of `cli.md` (version 1). Fields may be added; none may change meaning.

use serde::Serialize;
use std::collections::BTreeMap;

use super::{FileReport, Summary};
use crate::check::{Against, Cause, Constant, Counterexample, Fraction, StepResult};
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::grade::{cause_text, repair_text};

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
    /// Same fields as `errors`; a warning changes no verdict.
    warnings: Vec<ErrorJson>,
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

#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct StepJson<'a> {
    index: usize,
    line: usize,
    /// Where on its line the step starts (steps on one line, `A = B = C`, are told apart by it).
    column: usize,
    relation: &'static str,
    verdict: &'static str,
    holds: bool,
    holds_known: bool,
    note: Option<&'a str>,
    detail: &'a str,
    counterexample: Option<CounterexampleJson<'a>>,
    cause: Option<String>,
    cause_data: Option<CauseJson<'a>>,
    repair: Option<RepairJson<'a>>,
    repairs_tried: usize,
    explanation: &'a [String],
    internal_error: bool,
    /// Set where lines before the step could not be read (a syntax or name error): the step is
    /// compared with the last step before them that was read, or the head.
    after_unread: Option<AfterUnreadJson>,
}

/// The lines a step is compared across (`after_unread`).
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct AfterUnreadJson {
    /// The first line that could not be read.
    unread_line: usize,
    /// The line of the step it is compared with (the `derive` line for the head).
    compared_line: usize,
}

/// A likely cause as data (`cause_data`): `kind` says which, in snake case, and the other fields
/// are that kind's data. Consumers switch on `kind`; the words are in `cause`.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum CauseJson<'a> {
    Sign,
    Factor { factor: f64, fraction: Option<FractionJson> },
    SignAndFactor { factor: f64, fraction: FractionJson },
    Offset { offset: f64, fraction: Option<FractionJson> },
    ZeroStep,
    NotComputedFrom { node: &'a str, by: &'a str },
    Rounded,
    Negligible { relative: f64 },
    DomainMismatch,
    Transposed,
    LargerSizes { sizes: &'a [String], from: i64 },
    ShapeMismatch { before: &'a [String], step: &'a [String] },
    FreeIndex { index: &'a str, against: &'static str, line: Option<usize>, column: Option<usize> },
}

/// A verified repair (`repair`): the kind in snake case, the part of the step that changes
/// (`culprit`, with its place), what it becomes, the whole repaired step, the checker's verdict
/// on it, and the words.
#[derive(Serialize, schemars::JsonSchema)]
struct RepairJson<'a> {
    kind: &'static str,
    text: String,
    culprit: Option<PlaceJson>,
    culprit_text: &'a str,
    replacement: &'a str,
    step: &'a str,
    verdict: &'static str,
}

/// A place in the file: 1-based line and column, and the byte range.
#[derive(Serialize, schemars::JsonSchema)]
struct PlaceJson {
    line: usize,
    column: usize,
    start: usize,
    end: usize,
}

#[derive(Serialize, schemars::JsonSchema)]
struct FractionJson {
    numerator: i64,
    denominator: i64,
}

#[derive(Serialize, schemars::JsonSchema)]
struct CounterexampleJson<'a> {
    sizes: &'a BTreeMap<String, i64>,
    indices: &'a BTreeMap<String, i64>,
    position: &'a [i64],
    inputs: &'a BTreeMap<String, f64>,
    functions: &'a BTreeMap<String, f64>,
    partials: &'a BTreeMap<String, f64>,
    left: Option<f64>,
    right: Option<f64>,
}

/// Renders the reports as the JSON document of `cli.md`.
pub fn render_json(reports: &[FileReport]) -> String {
    let files = reports.iter().map(file_object).collect();
    let report = Report { version: 1, files, summary: Summary::of(reports) };
    let mut text = serde_json::to_string_pretty(&report).expect("reports serialise");
    text.push('\n');
    text
}

/// One file's object of the JSON report (`files[i]` of [`render_json`]), as a value.
pub fn file_json(r: &FileReport) -> serde_json::Value {
    serde_json::to_value(file_object(r)).expect("reports serialise")
}

fn file_object(r: &FileReport) -> FileJson<'_> {
    let lines = LineIndex::new(&r.source);
    let diagnostics = |list: &[Diagnostic]| -> Vec<ErrorJson> {
        list.iter()
            .map(|d| {
                let (line, column) = lines.line_col(d.span.start);
                ErrorJson { message: d.message.clone(), line, column, hint: d.hints.first().cloned() }
            })
            .collect()
    };
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
    FileJson {
        path: &r.path,
        title: r.title.as_deref(),
        errors: diagnostics(&r.errors),
        warnings: diagnostics(&r.warnings),
        derivations,
    }
}

pub(super) fn step_json<'a>(lines: &LineIndex, s: &'a StepResult) -> StepJson<'a> {
    let (line, column) = lines.line_col(s.span.start);
    StepJson {
        index: s.index,
        line,
        column,
        relation: s.relation.symbol(),
        verdict: s.verdict.name(),
        holds: s.holds,
        holds_known: s.holds_known,
        note: s.note.as_deref(),
        detail: &s.detail,
        counterexample: s.counterexample.as_ref().map(counterexample_json),
        cause: s.cause.as_ref().map(cause_text),
        cause_data: s.cause.as_ref().map(|c| cause_json(lines, c)),
        repair: s.repair.as_ref().map(|r| RepairJson {
            kind: r.kind.name(),
            text: repair_text(r, &s.compared_with(|o| lines.line_col(o).0)),
            culprit: r.culprit.map(|at| {
                let (line, column) = lines.line_col(at.start);
                PlaceJson { line, column, start: at.start, end: at.end }
            }),
            culprit_text: &r.culprit_text,
            replacement: &r.replacement,
            step: &r.step,
            verdict: r.verdict.name(),
        }),
        repairs_tried: s.repairs_tried,
        explanation: &s.explanation,
        internal_error: s.internal_error,
        after_unread: s.after_unread.filter(|_| !s.restates).map(|gap| AfterUnreadJson {
            unread_line: lines.line_col(gap.unread.start).0,
            compared_line: lines.line_col(gap.compared.start).0,
        }),
    }
}

fn counterexample_json(c: &Counterexample) -> CounterexampleJson<'_> {
    CounterexampleJson {
        sizes: &c.sizes,
        indices: &c.indices,
        position: &c.position,
        inputs: &c.inputs,
        functions: &c.functions,
        partials: &c.partials,
        left: c.left,
        right: c.right,
    }
}

fn cause_json<'a>(lines: &LineIndex, cause: &'a Cause) -> CauseJson<'a> {
    let fraction = |f: &Fraction| FractionJson { numerator: f.numer, denominator: f.denom };
    let exact = |c: &Constant| match c {
        Constant::Fraction(f) => Some(fraction(f)),
        Constant::Float(_) => None,
    };
    match cause {
        Cause::Sign => CauseJson::Sign,
        Cause::Factor(c) => CauseJson::Factor { factor: c.value(), fraction: exact(c) },
        Cause::SignAndFactor(f) => CauseJson::SignAndFactor { factor: f.value(), fraction: fraction(f) },
        Cause::Offset(c) => CauseJson::Offset { offset: c.value(), fraction: exact(c) },
        Cause::ZeroStep => CauseJson::ZeroStep,
        Cause::NotComputedFrom { node, by } => CauseJson::NotComputedFrom { node, by },
        Cause::Rounded => CauseJson::Rounded,
        Cause::Negligible { relative } => CauseJson::Negligible { relative: *relative },
        Cause::DomainMismatch => CauseJson::DomainMismatch,
        Cause::Transposed => CauseJson::Transposed,
        Cause::LargerSizes { sizes, from } => CauseJson::LargerSizes { sizes, from: *from },
        Cause::ShapeMismatch { before, step } => CauseJson::ShapeMismatch { before, step },
        Cause::FreeIndex { index, against, at } => CauseJson::FreeIndex {
            index,
            line: at.map(|at| lines.line_col(at.start).0),
            column: at.map(|at| lines.line_col(at.start).1),
            against: match against {
                Against::Head => "head",
                Against::StepBefore => "step_before",
            },
        },
    }
}
