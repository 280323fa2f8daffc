//! The report a student reads at a glance: one line per step, the counterexample under a wrong
//! step, diagnostics rendered by codespan-reporting.

use std::io::Write;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{
    self,
    termcolor::{Buffer, Color, ColorSpec, WriteColor},
};

use super::{FileReport, Summary};
use crate::check::{significant, Cause, Counterexample, RepairKind, StepResult, Verdict};
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::grade::{cause_text, repair_text};

/// How the human report looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// The rules behind each proved step.
    pub explain: bool,
}

/// Renders the reports for a person.
pub fn render_human(reports: &[FileReport], options: HumanOptions) -> String {
    let mut out = if options.color { Buffer::ansi() } else { Buffer::no_color() };
    for r in reports {
        file(&mut out, r, options).expect("writing to a buffer cannot fail");
    }
    summary(&mut out, &Summary::of(reports)).expect("writing to a buffer cannot fail");
    String::from_utf8_lossy(out.as_slice()).into_owned()
}

/// Renders one file's diagnostics (for stderr): its errors, then its warnings.
pub fn render_diagnostics(r: &FileReport, color: bool) -> String {
    let mut out = if color { Buffer::ansi() } else { Buffer::no_color() };
    for d in &r.errors {
        diagnostic(&mut out, r, d, Severity::Error);
    }
    for d in &r.warnings {
        diagnostic(&mut out, r, d, Severity::Warning);
    }
    String::from_utf8_lossy(out.as_slice()).into_owned()
}

fn diagnostic(out: &mut Buffer, r: &FileReport, d: &Diagnostic, severity: Severity) {
    if r.source.is_empty() || !d.show_source {
        // Nothing worth quoting (an unreadable file, a runaway line): the place and the message.
        let (line, column) = crate::diagnostic::line_col(&r.source, d.span.start);
        let word = if severity == Severity::Warning { "warning" } else { "error" };
        let _ = writeln!(out, "{word}: {}\n  ┌─ {}:{line}:{column}", d.message, r.path);
        for h in &d.hints {
            let _ = writeln!(out, "  = hint: {h}");
        }
        let _ = writeln!(out);
        return;
    }
    let mut labels = vec![Label::primary((), d.span.range())];
    labels.extend(d.labels.iter().map(|(span, msg)| Label::secondary((), span.range()).with_message(msg)));
    let notes = d.hints.iter().map(|h| format!("hint: {h}")).collect();
    let cs = CsDiagnostic::new(severity).with_message(&d.message).with_labels(labels).with_notes(notes);
    let file = SimpleFile::new(r.path.as_str(), r.source.as_str());
    term::emit(out, &term::Config::default(), &file, &cs).expect("writing to a buffer cannot fail");
}

/// Writes `text` in a colour (when the buffer has colours).
pub(super) fn paint(out: &mut Buffer, color: Option<Color>, bold: bool, text: &str) -> std::io::Result<()> {
    out.set_color(ColorSpec::new().set_fg(color).set_bold(bold))?;
    write!(out, "{text}")?;
    out.reset()
}

fn file(out: &mut Buffer, r: &FileReport, options: HumanOptions) -> std::io::Result<()> {
    let heading = match &r.title {
        Some(t) => format!("{} — {t}", r.path),
        None => r.path.clone(),
    };
    paint(out, None, true, &heading)?;
    writeln!(out)?;
    if !r.errors.is_empty() {
        let n = r.errors.len();
        paint(out, Some(Color::Red), true, &format!("  {n} error{} (shown above)", if n == 1 { "" } else { "s" }))?;
        writeln!(out)?;
    }
    warnings_line(out, r)?;
    let lines = LineIndex::new(&r.source);
    for d in &r.derivations {
        let line = lines.line_col(d.span.start).0;
        let name = d.name.as_deref().map_or_else(String::new, |n| format!(" \"{n}\""));
        writeln!(out, "  derive{name} (line {line})")?;
        for (i, s) in d.steps.iter().enumerate() {
            // Every step before holds: a step wrong from the one before and right from the head
            // differs from it by that step's rounding (`≈`), not by a mistake undone.
            let rounded_before = d.steps[..i].iter().all(|b| b.holds && b.holds_known);
            // Steps that share a line (`A = B = C` in one row of LaTeX) are told apart by column.
            let line = lines.line_col(s.span.start).0;
            let shared = d.steps.iter().filter(|o| lines.line_col(o.span.start).0 == line).count() > 1;
            step(out, &lines, s, rounded_before, shared, options)?;
        }
    }
    writeln!(out)
}

/// The count of a file's warnings, which `render_diagnostics` shows in full.
fn warnings_line(out: &mut Buffer, r: &FileReport) -> std::io::Result<()> {
    let n = r.warnings.len();
    if n > 0 {
        let text = format!("  {n} warning{} (shown above)", if n == 1 { "" } else { "s" });
        paint(out, Some(Color::Yellow), true, &text)?;
        writeln!(out)?;
    }
    Ok(())
}

fn step(
    out: &mut Buffer,
    lines: &LineIndex,
    s: &StepResult,
    rounded_before: bool,
    with_column: bool,
    options: HumanOptions,
) -> std::io::Result<()> {
    let (line, column) = lines.line_col(s.span.start);
    let line = if with_column { format!("{line}:{column}") } else { line.to_string() };
    let (mark, color) = match s.verdict {
        Verdict::Proved => ("✓", Color::Green),
        Verdict::Checked => ("✓", Color::Green),
        Verdict::Wrong => ("✗", Color::Red),
        Verdict::Undetermined => ("?", Color::Yellow),
    };
    write!(out, "    ")?;
    paint(out, Some(color), true, mark)?;
    write!(out, " line {line:<4} {} ", s.relation.symbol())?;
    paint(out, Some(color), s.verdict == Verdict::Wrong, &format!("{:<12}", s.verdict.name()))?;
    if !s.holds && s.holds_known {
        paint(out, Some(Color::Yellow), false, " no longer equals the head")?;
    } else if s.verdict == Verdict::Wrong && s.holds_known {
        // Wrong from the step before, right from the head: the mistake is in a step before it.
        paint(out, Some(Color::Yellow), false, " equals the head again")?;
    }
    if let Some(note) = &s.note {
        write!(out, "  # {note}")?;
    }
    writeln!(out)?;
    if let Some(why) = s.unread_text(|o| lines.line_col(o).0) {
        writeln!(out, "        compared with {}: {why}", s.compared_with(|o| lines.line_col(o).0))?;
    }
    if s.verdict == Verdict::Wrong && s.holds && s.holds_known {
        if rounded_before {
            writeln!(
                out,
                // (Not "keep more digits there": after `≈ 0.333`, `= 0.3` is the coarser one, and the
                // sentence blamed the precise step; an adversarial tester.)
                "        it equals the head within its rounding, and the step before within its own: the two differ by their roundings (keep more digits in the coarser one)"
            )?;
        } else {
            writeln!(out, "        the mistake is in a step before it: this step undoes it")?;
        }
    }
    if let Some(cause) = s.shown_cause() {
        write!(out, "        likely cause: ")?;
        // A rounding beside a change of a part that makes the `=` hold exactly: either may be the
        // mistake, and `≈` alone would hide the part left out (`= 0.9` for `0.9 + 0.1/4`, one
        // digit covering 0.925: a student tester).
        let structural = s.repair.as_ref().is_some_and(|r| {
            r.verdict == Verdict::Proved
                && matches!(
                    r.kind,
                    RepairKind::MissingTerm
                        | RepairKind::MissingFactor
                        | RepairKind::MissingChainFactor
                        | RepairKind::ExtraTerm
                        | RepairKind::ExtraFactor
                )
        });
        let text = match cause {
            Cause::Rounded if structural => {
                "a part left out or added (the repair below), or a rounded value written with `=`: write `≈` only if you rounded"
                    .to_string()
            }
            _ => cause_text(cause),
        };
        paint(out, Some(Color::Red), false, &text)?;
        writeln!(out)?;
        // Where a side is undefined at a negative input, that input may be one the course takes
        // positive, declared without its domain (`diff(log(x), x) = 1/x` for `var x`: no word of
        // the domain, a student).
        let negative = s.counterexample.as_ref().and_then(|c| c.inputs.iter().find(|(_, v)| **v < 0.0));
        if let (Cause::DomainMismatch, Some((name, _))) = (cause, negative) {
            let family = name.split('[').next().unwrap_or(name);
            writeln!(
                out,
                "        hint: as declared, `{family}` may be negative; if it is positive in your course (a variance, a rate, a probability), declare it so: `var {family} > 0` or `var {family} in (0, 1)`"
            )?;
        }
    }
    if let Some(repair) = &s.repair {
        writeln!(
            out,
            "        repair: {} ({})",
            repair_text(repair, &s.compared_with(|o| lines.line_col(o).0)),
            repair.verdict.name()
        )?;
    } else if s.repairs_tried > 0 && s.cause.is_none() {
        // Where a cause names the mistake (a sign of the whole step), it is enough.
        writeln!(
            out,
            "        repair: none found: no single change of the {} tried makes this step follow from {}",
            s.repairs_tried,
            s.compared_with(|o| lines.line_col(o).0)
        )?;
    }
    if s.verdict == Verdict::Checked && s.detail.contains(crate::check::WITHIN_TOLERANCE) {
        write!(out, "        ")?;
        paint(out, Some(Color::Yellow), false, &s.detail)?;
        writeln!(out)?;
    }
    if s.verdict == Verdict::Undetermined {
        let color = if s.internal_error { Color::Red } else { Color::Yellow };
        write!(out, "        ")?;
        paint(out, Some(color), s.internal_error, &s.detail)?;
        writeln!(out)?;
    }
    if options.explain && !s.explanation.is_empty() {
        if s.explanation[0].starts_with('=') {
            // A chain of rewrites: one line each.
            writeln!(out, "        by:")?;
            for line in &s.explanation {
                writeln!(out, "          {line}")?;
            }
        } else {
            writeln!(out, "        by: {}", s.explanation.join("; "))?;
        }
    }
    if let Some(c) = &s.counterexample {
        counterexample(out, c, &s.compared_with(|o| lines.line_col(o).0))?;
    }
    Ok(())
}

fn counterexample(out: &mut Buffer, c: &Counterexample, before: &str) -> std::io::Result<()> {
    let mut at = c.place();
    at.extend(folded(&c.inputs));
    if !at.is_empty() {
        writeln!(out, "        at: {}", at.join(", "))?;
    }
    // The values of unknown functions and nodes a hand computation of the two values needs.
    if !(c.functions.is_empty() && c.partials.is_empty()) {
        writeln!(out, "        using: {}", folded(c.functions.iter().chain(&c.partials)).join(", "))?;
    }
    let digits = crate::grade::shown_digits(c);
    let value = |v: Option<f64>| v.map_or_else(|| "undefined".to_string(), |x| significant(x, digits));
    let (left, right) = c.exact_text.clone().unwrap_or_else(|| (value(c.left), value(c.right)));
    let before = before.trim_start_matches("the ");
    writeln!(out, "        {before} = {left}, this step = {right}")
}

/// At most [`SHOWN`] values as `name = value`, and how many more there are and where to see them
/// (the JSON report never folds).
fn folded<'a>(values: impl IntoIterator<Item = (&'a String, &'a f64)>) -> Vec<String> {
    let mut parts = Vec::new();
    let mut more = 0;
    for (k, v) in values {
        if parts.len() < SHOWN {
            parts.push(format!("{k} = {}", significant(*v, 6)));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        parts.push(format!("… and {more} more (see --format json)"));
    }
    parts
}

/// How many inputs, and how many values of unknown functions and nodes, a counterexample shows.
const SHOWN: usize = 8;

fn summary(out: &mut Buffer, s: &Summary) -> std::io::Result<()> {
    let mut text = format!(
        "{} step{}: {} proved, {} checked, {} wrong, {} undetermined",
        s.steps,
        if s.steps == 1 { "" } else { "s" },
        s.proved,
        s.checked,
        s.wrong,
        s.undetermined
    );
    if s.files_with_errors > 0 {
        text.push_str(&format!(
            "; {} file{} with errors",
            s.files_with_errors,
            if s.files_with_errors == 1 { "" } else { "s" }
        ));
    }
    paint(out, None, true, &text)?;
    writeln!(out)
}
