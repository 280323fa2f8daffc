//! `gradproof fmt FILE…`: the canonical form of each file (`--ascii` for ASCII only).

use std::io::IsTerminal;
use std::path::PathBuf;

use super::check::{expand_paths, read_entry};
use crate::cli::FmtArgs;
use crate::diagnostic::{Diagnostic, Span};
use crate::report::{render_diagnostics, FileReport};
use crate::source::decode_source;
use crate::syntax::print::{format_source, Spelling};

/// Formats one file's text: the canonical text, or the report of why it cannot be formatted.
pub fn format_file(path: &str, bytes: &[u8], spelling: Spelling) -> Result<String, FileReport> {
    let report = |source: String, errors: Vec<Diagnostic>| FileReport::unchecked(path, source, errors);
    let source = decode_source(bytes).map_err(|(valid, d)| report(valid, vec![d]))?;
    format_source(&source, spelling).map_err(|errors| report(source, errors))
}

/// Runs `fmt`; returns the exit status: 0 when every file was formatted (and, with `--check`,
/// already was), 1 when `--check` found a file to reformat, 2 on an error.
pub fn run(args: &FmtArgs) -> i32 {
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let spelling = if args.ascii { Spelling::Ascii } else { Spelling::Canonical };
    let entries = expand_paths(&args.paths);
    if entries.len() > 1 && !args.check && !args.write {
        eprintln!("error: give one file, or `--write` / `--check` to format several");
        return 2;
    }
    let mut status = 0;
    for entry in entries {
        let path: Option<PathBuf> = entry.as_ref().ok().filter(|p| p.as_os_str() != "-").cloned();
        let (name, bytes) = read_entry(entry);
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(message) => {
                let report = FileReport::unchecked(
                    name,
                    String::new(),
                    vec![Diagnostic::error(Span::default(), format!("cannot read input: {message}"))],
                );
                eprint!("{}", render_diagnostics(&report, err_color));
                status = 2;
                continue;
            }
        };
        let formatted = match format_file(&name, &bytes, spelling) {
            Ok(text) => text,
            Err(report) => {
                eprint!("{}", render_diagnostics(&report, err_color));
                status = 2;
                continue;
            }
        };
        let unchanged = formatted.as_bytes() == bytes.as_slice();
        if args.check {
            if !unchanged {
                status = status.max(1);
                if let Err(e) = super::print_stdout(&format!("{name}: not formatted\n")) {
                    return super::output_failed(&e);
                }
            }
        } else if args.write {
            match path {
                Some(path) if !unchanged => {
                    if let Err(e) = std::fs::write(&path, formatted) {
                        eprintln!("error: cannot write {name}: {e}");
                        status = 2;
                    }
                }
                Some(_) => {}
                None => {
                    if let Err(e) = super::print_stdout(&formatted) {
                        return super::output_failed(&e);
                    }
                }
            }
        } else if let Err(e) = super::print_stdout(&formatted) {
            return super::output_failed(&e);
        }
    }
    status
}
