//! `gradproof check FILE|DIR|- …`: every derivation of every file, step by step.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::check::{check_model, CheckOptions, DEFAULT_SEED};
use crate::cli::CheckArgs;
use crate::diagnostic::{Diagnostic, Span};
use crate::model::resolve;
use crate::report::{render_diagnostics, render_human, render_json, FileReport, HumanOptions, Summary};
use crate::syntax::parse_file;
use crate::work::Budget;

/// Files larger than this are refused unread.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// The JSON report of `cli.md`.
    Json,
}

/// The stack of the thread that checks a file: nesting is bounded by the syntax limits, and this
/// leaves room for the deepest input they allow.
pub const CHECK_STACK_BYTES: usize = 256 << 20;

/// Checks the text of one file. `bytes` may be anything; problems are reported, never panicked on.
pub fn check_source(path: &str, bytes: &[u8], options: &CheckOptions) -> FileReport {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(CHECK_STACK_BYTES)
            .spawn_scoped(scope, || check_source_here(path, bytes, options));
        match worker.map(|h| h.join()) {
            Ok(Ok(report)) => report,
            _ => FileReport {
                path: path.to_string(),
                source: String::from_utf8_lossy(bytes).into_owned(),
                title: None,
                errors: vec![Diagnostic::error(Span::default(), "internal error while checking this file")
                    .with_hint("please report this input to the gradproof developers")],
                derivations: Vec::new(),
            },
        }
    })
}

fn check_source_here(path: &str, bytes: &[u8], options: &CheckOptions) -> FileReport {
    let source = match decode_source(bytes) {
        Ok(source) => source,
        Err((valid, d)) => {
            return FileReport {
                path: path.to_string(),
                source: valid,
                title: None,
                errors: vec![d],
                derivations: Vec::new(),
            };
        }
    };
    let (file, mut errors) = parse_file(&source);
    let (model, resolve_errors) = resolve(&file);
    errors.extend(resolve_errors);
    errors.sort_by_key(|d| d.span.start);
    // Errors in declarations can change the meaning of every derivation; errors confined to
    // derivation lines only drop those derivations (the resolver leaves them out).
    let declarations_ok = !model.declarations_failed && errors.iter().all(|d| on_derivation_line(&source, d.span));
    let derivations = if declarations_ok { check_model(&model, options) } else { Vec::new() };
    FileReport { path: path.to_string(), source, title: model.title.clone(), errors, derivations }
}

/// The text of a file's bytes, a byte-order mark (files saved on Windows) turned into spaces,
/// which keeps every offset. For bytes that are not UTF-8: the valid prefix and an error at the
/// first bad byte, in the prefix's coordinates.
pub fn decode_source(bytes: &[u8]) -> Result<String, (String, Diagnostic)> {
    let source = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(e) => {
            let valid = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
            let at = valid.len();
            let d = Diagnostic::error(Span::new(at, at), "file is not valid UTF-8")
                .with_hint("save the file with UTF-8 encoding");
            return Err((valid, d));
        }
    };
    Ok(match source.strip_prefix('\u{FEFF}') {
        Some(rest) => format!("   {rest}"),
        None => source,
    })
}

fn on_derivation_line(source: &str, span: Span) -> bool {
    let start = source[..span.start.min(source.len())].rfind('\n').map_or(0, |i| i + 1);
    let line = source[start..].trim_start();
    ["derive", "=", "≈", "~="].iter().any(|p| line.starts_with(p))
}

/// The files named by the arguments: files as given, directories walked for `*.deriv` in sorted
/// order, `-` for standard input.
pub fn expand_paths(args: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" || !arg.is_dir() {
            out.push(Ok(arg.clone()));
            continue;
        }
        let mut found: Vec<PathBuf> = walkdir::WalkDir::new(arg)
            .sort_by_file_name()
            .into_iter()
            .filter_map(|e| match e {
                Ok(e) => (e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "deriv"))
                    .then(|| Ok(e.into_path())),
                Err(err) => Some(Err((arg.clone(), err.to_string()))),
            })
            .filter_map(|r| match r {
                Ok(p) => Some(p),
                Err((p, e)) => {
                    out.push(Err((p, e)));
                    None
                }
            })
            .collect();
        found.sort();
        if found.is_empty() {
            out.push(Err((arg.clone(), "no .deriv files in this directory".to_string())));
        }
        out.extend(found.into_iter().map(Ok));
    }
    out
}

/// The bytes of a file, or of standard input for `-`; refuses files over [`MAX_FILE_BYTES`].
pub fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        return read_at_most(std::io::stdin(), "input");
    }
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("file is larger than {MAX_FILE_BYTES} bytes"));
    }
    // The size a device or a pipe reports says nothing (`/dev/zero` reports 0): read at most the
    // limit in any case.
    read_at_most(std::fs::File::open(path).map_err(|e| e.to_string())?, "file")
}

fn read_at_most(reader: impl Read, what: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    reader.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("{what} is larger than {MAX_FILE_BYTES} bytes"));
    }
    Ok(bytes)
}

/// Reads one entry of [`expand_paths`]: the name reports show (`<stdin>` for `-`) and its bytes.
pub fn read_entry(entry: Result<PathBuf, (PathBuf, String)>) -> (String, Result<Vec<u8>, String>) {
    let (path, bytes) = match entry {
        Ok(path) => {
            let bytes = read_input(&path);
            (path, bytes)
        }
        Err((path, e)) => (path, Err(e)),
    };
    let name = if path.as_os_str() == "-" { "<stdin>".to_string() } else { path.display().to_string() };
    (name, bytes)
}

/// Reads and checks every file named by `paths`.
pub fn check_paths(paths: &[PathBuf], options: &CheckOptions) -> Vec<FileReport> {
    expand_paths(paths)
        .into_iter()
        .map(|entry| match read_entry(entry) {
            (name, Ok(bytes)) => check_source(&name, &bytes, options),
            (name, Err(message)) => FileReport {
                path: name,
                source: String::new(),
                title: None,
                errors: vec![Diagnostic::error(Span::default(), format!("cannot read input: {message}"))],
                derivations: Vec::new(),
            },
        })
        .collect()
}

/// The options of a `check` command line.
pub fn options(args: &CheckArgs) -> CheckOptions {
    CheckOptions {
        seed: args.seed.unwrap_or(DEFAULT_SEED),
        samples: args.samples as usize,
        numeric: !args.no_numeric,
        prove: !args.no_prove,
        prove_budget: budget(args.prove_work, args.timeout_ms),
        explain: args.explain,
        file_budget: budget(args.file_work, args.file_timeout_ms),
    }
}

/// A budget of `work` units with a safety net of `millis` milliseconds.
pub fn budget(work: u64, millis: u64) -> Budget {
    Budget { work, time: Some(std::time::Duration::from_millis(millis)) }
}

/// Runs `check` and prints the report; returns the exit status.
pub fn run(args: &CheckArgs) -> i32 {
    let reports = check_paths(&args.paths, &options(args));
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for r in &reports {
        if !r.errors.is_empty() {
            eprint!("{}", render_diagnostics(r, err_color));
        }
    }
    let text = match args.format {
        Format::Human => render_human(&reports, HumanOptions { color, explain: args.explain }),
        Format::Json => render_json(&reports),
    };
    if let Err(e) = super::print_stdout(&text) {
        return super::output_failed(&e);
    }
    Summary::of(&reports).exit_code()
}
