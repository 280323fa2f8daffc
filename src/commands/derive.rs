//! `gradproof derive FILE --goal EXPR`: a reference derivation, proved step by step.

use std::io::IsTerminal;

use super::check::read_input;
use crate::check::CheckOptions;
use crate::cli::{DeriveArgs, DeriveFormat};
use crate::derive::{derive_each, DeriveError, Goal};
use crate::diagnostic::{Diagnostic, Span};
use crate::report::{render_diagnostics, render_math, FileReport, RenderFormat};
use crate::source::decode_source;
use crate::syntax::parse_file;

/// Runs `derive`; returns the exit status: 0 when every goal was derived, 1 when one could not be
/// derived with every step proved, 2 when the file or a goal has errors. The goals derived are
/// written whatever happened to the others.
pub fn run(args: &DeriveArgs) -> i32 {
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let name = if args.path.as_os_str() == "-" { "<stdin>".to_string() } else { args.path.display().to_string() };
    let fail = |path: &str, source: String, errors: Vec<Diagnostic>| {
        let report = FileReport::unchecked(path, source, errors);
        eprint!("{}", render_diagnostics(&report, err_color));
        2
    };
    let bytes = match read_input(&args.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return fail(
                &name,
                String::new(),
                vec![Diagnostic::error(Span::default(), format!("cannot read input: {e}"))],
            )
        }
    };
    let source = match decode_source(&bytes) {
        Ok(source) => source,
        Err((valid, d)) => return fail(&name, valid, vec![d]),
    };
    let options = CheckOptions {
        prove_budget: super::check::budget(args.prove_work, args.timeout_ms),
        ..CheckOptions::default()
    };
    let goals: Vec<Goal> = args
        .goal
        .iter()
        .enumerate()
        .map(|(k, expr)| Goal { expr, name: args.name.get(k).map(String::as_str) })
        .collect();
    // A goal that could not be derived says why; one with an error is shown at its place.
    let report = |failure: DeriveError| match failure {
        DeriveError::Input(text, errors) => {
            let path = if text == source { name.as_str() } else { "<goal>" };
            fail(path, text, errors)
        }
        DeriveError::Failed(why) => {
            eprintln!("error: cannot derive: {why}");
            1
        }
    };
    let outcome = match derive_each(&source, &goals, &options) {
        Ok(outcome) => outcome,
        Err(file_error) => return report(file_error),
    };
    // The goals derived are written, then the others reported; the status is the worst: 2 for a
    // goal with an error, 1 for one that could not be derived.
    if let Some(derived) = outcome.derived {
        let text = match args.format {
            DeriveFormat::Deriv => derived.text,
            DeriveFormat::Latex | DeriveFormat::Markdown => {
                let (file, _) = parse_file(&derived.text);
                let to = if args.format == DeriveFormat::Latex { RenderFormat::Latex } else { RenderFormat::Markdown };
                render_math(&file, None, to)
            }
        };
        if let Err(e) = super::print_stdout(&text) {
            return super::output_failed(&e);
        }
    }
    outcome.failures.into_iter().map(report).max().unwrap_or(0)
}
