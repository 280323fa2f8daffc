//! `gradproof render FILE --to latex|markdown [--verdicts]`: derivations as mathematics.

use std::io::IsTerminal;

use super::check::read_input;
use crate::check::{check_model, CheckOptions};
use crate::cli::{RenderArgs, RenderTo};
use crate::diagnostic::{Diagnostic, Span};
use crate::model::resolve;
use crate::report::{render_diagnostics, render_math, FileReport, RenderFormat};
use crate::source::decode_source;
use crate::syntax::parse_file;

/// Runs `render`; returns the exit status: 0 when the file was rendered, 2 when it could not be
/// read or has errors.
pub fn run(args: &RenderArgs) -> i32 {
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let name = if args.path.as_os_str() == "-" { "<stdin>".to_string() } else { args.path.display().to_string() };
    let fail = |source: String, errors: Vec<Diagnostic>| {
        let report = FileReport::unchecked(name.clone(), source, errors);
        eprint!("{}", render_diagnostics(&report, err_color));
        2
    };
    let bytes = match read_input(&args.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return fail(String::new(), vec![Diagnostic::error(Span::default(), format!("cannot read input: {e}"))]);
        }
    };
    let source = match decode_source(&bytes) {
        Ok(source) => source,
        Err((valid, d)) => return fail(valid, vec![d]),
    };
    let (file, mut errors) = parse_file(&source);
    let (model, resolve_errors) = resolve(&file);
    errors.extend(resolve_errors);
    if !errors.is_empty() || model.declarations_failed {
        errors.sort_by_key(|d| d.span.start);
        return fail(source, errors);
    }
    let results = args.verdicts.then(|| check_model(&model, &CheckOptions::default()));
    let format = match args.to {
        RenderTo::Latex => RenderFormat::Latex,
        RenderTo::Markdown => RenderFormat::Markdown,
    };
    super::print_stdout(&render_math(&file, results.as_deref(), format))
        .map_or_else(|e| super::output_failed(&e), |()| 0)
}
