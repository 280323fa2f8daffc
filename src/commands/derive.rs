//! `gradproof derive FILE --goal EXPR`: a reference derivation, proved step by step.

use std::io::IsTerminal;

use super::check::read_input;
use crate::check::CheckOptions;
use crate::cli::{DeriveArgs, DeriveFormat};
use crate::derive::{derive_all, DeriveError, Goal};
use crate::diagnostic::{Diagnostic, Span};
use crate::report::{render_diagnostics, render_math, FileReport, RenderFormat};
use crate::source::decode_source;
use crate::syntax::parse_file;

/// Runs `derive`; returns the exit status: 0 when a derivation was written, 1 when the goal could
/// not be derived with every step proved, 2 when the file or the goal has errors.
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
    match derive_all(&source, &goals, &options) {
        Ok(derived) => {
            let text = match args.format {
                DeriveFormat::Deriv => derived.text,
                DeriveFormat::Latex | DeriveFormat::Markdown => {
                    let (file, _) = parse_file(&derived.text);
                    let to =
                        if args.format == DeriveFormat::Latex { RenderFormat::Latex } else { RenderFormat::Markdown };
                    render_math(&file, None, to)
                }
            };
            super::print_stdout(&text).map_or_else(|e| super::output_failed(&e), |()| 0)
        }
        Err(DeriveError::Input(text, errors)) => {
            let path = if text == source { name.as_str() } else { "<goal>" };
            fail(path, text, errors)
        }
        Err(DeriveError::Failed(why)) => {
            eprintln!("error: cannot derive: {why}");
            1
        }
    }
}
