//! `gradproof grade SUBMISSION… --reference REF`: every submission graded against a reference,
//! in parallel, with a time limit each; one submission for a platform's autograder (`--results
//! FILE`); and `gradproof grade --template REF`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use rayon::prelude::*;

use super::check::{expand_paths_with, read_entry, read_input};
use crate::check::{CheckOptions, DEFAULT_SEED};
use crate::cli::{GradeArgs, GradeFormat};
use crate::diagnostic::{Diagnostic, Span};
use crate::grade::{grade_answer, grade_submission, GradeOptions, Provenance, Reference, SubmissionGrade};
use crate::latex::AnswerKind;
use crate::report::{
    render_diagnostics, render_grades_csv, render_grades_human, render_grades_json, render_gradescope,
    render_prairielearn, FileReport,
};
use crate::source::{decode_source, CHECK_STACK_BYTES};
use crate::work::Budget;

/// Runs `grade`; returns the exit status: 0 when every submission was graded, 2 when the
/// reference has an error, a submission could not be read, or an output could not be written.
/// With `--results FILE`, 0 whenever FILE was written (it says when the submission could not be
/// read).
pub fn run(args: &GradeArgs) -> i32 {
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let options = options(args);
    if args.results.is_some() && !matches!(args.format, GradeFormat::Gradescope | GradeFormat::Prairielearn) {
        eprintln!("error: `--results FILE` is for `--format gradescope` or `--format prairielearn`");
        return 2;
    }
    if args.format == GradeFormat::Gradescope && args.out.is_none() && args.results.is_none() {
        eprintln!("error: `--format gradescope` needs `--out DIR` (or `--results FILE` for one submission)");
        return 2;
    }
    let reference_path = match (&args.template, &args.reference) {
        (Some(path), _) | (None, Some(path)) => path,
        (None, None) => {
            eprintln!("error: give the reference solution with `--reference REF`");
            return 2;
        }
    };
    let reference = match load_reference(reference_path, &options.check) {
        Ok(reference) => reference,
        Err(report) => {
            eprint!("{}", render_diagnostics(&report, err_color));
            eprintln!("error: the reference {} has errors; nothing was graded", report.path);
            return 2;
        }
    };
    if !reference.warnings.is_empty() {
        let report = FileReport {
            warnings: reference.warnings.clone(),
            ..FileReport::unchecked(reference.path.clone(), reference.source.clone(), Vec::new())
        };
        eprint!("{}", render_diagnostics(&report, err_color));
    }
    if args.template.is_some() {
        return super::print_stdout(&reference.template()).map_or_else(|e| super::output_failed(&e), |()| 0);
    }
    let reference = Arc::new(reference);
    let provenance = Provenance::new(&reference, &options);
    let single = args.results.is_some() || args.format == GradeFormat::Prairielearn;
    if single {
        let grade = grade_one(&args.paths, &reference, &options, reference_path);
        let text = match args.format {
            GradeFormat::Gradescope => render_gradescope(&grade, &provenance),
            _ => render_prairielearn(&grade, &provenance),
        };
        let Some(file) = &args.results else {
            return super::print_stdout(&text).map_or_else(|e| super::output_failed(&e), |()| 0);
        };
        let written = file.parent().filter(|p| !p.as_os_str().is_empty()).map_or(Ok(()), std::fs::create_dir_all);
        return match written.and_then(|()| std::fs::write(file, text)) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", file.display());
                2
            }
        };
    }
    let grades = grade_paths(&args.paths, &reference, &options, Some(reference_path));
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let printed = match args.format {
        GradeFormat::Human => super::print_stdout(&render_grades_human(&grades, &reference, &provenance, color)),
        GradeFormat::Json => super::print_stdout(&render_grades_json(&grades, &reference, &provenance)),
        GradeFormat::Csv => super::print_stdout(&render_grades_csv(&grades, &reference, &provenance)),
        // PrairieLearn's is one submission's (above); Gradescope's without `--out` was refused.
        GradeFormat::Gradescope | GradeFormat::Prairielearn => {
            let Some(dir) = &args.out else { return 2 };
            match write_gradescope(dir, &grades, &provenance) {
                Ok(n) => eprintln!("wrote {n} results.json under {}", dir.display()),
                Err(e) => {
                    eprintln!("error: cannot write under {}: {e}", dir.display());
                    return 2;
                }
            }
            Ok(())
        }
    };
    if let Err(e) = printed {
        return super::output_failed(&e);
    }
    let unreadable: Vec<&str> = grades.iter().filter(|g| g.unreadable).map(|g| g.path.as_str()).collect();
    if !unreadable.is_empty() {
        eprintln!("error: cannot read {}", unreadable.join(", "));
        return 2;
    }
    0
}

/// The options of a `grade` command line.
pub fn options(args: &GradeArgs) -> GradeOptions {
    GradeOptions {
        check: CheckOptions {
            seed: args.seed.unwrap_or(DEFAULT_SEED),
            samples: args.samples as usize,
            prove_budget: super::check::budget(args.prove_work, args.timeout_ms),
            file_budget: Budget { work: args.file_work, ..CheckOptions::default().file_budget },
            ..CheckOptions::default()
        },
        hints: args.hints,
        time_limit: Duration::from_secs(args.timeout_s),
    }
}

/// Reads and prepares the reference; on any error, a report of it for stderr.
pub fn load_reference(path: &Path, options: &CheckOptions) -> Result<Reference, FileReport> {
    let name = path.display().to_string();
    let report = |source: String, errors: Vec<Diagnostic>| FileReport::unchecked(name.clone(), source, errors);
    let bytes = read_input(path).map_err(|e| {
        report(String::new(), vec![Diagnostic::error(Span::default(), format!("cannot read input: {e}"))])
    })?;
    let source = decode_source(&bytes).map_err(|(valid, d)| report(valid, vec![d]))?;
    // The reference is checked like any file, on a thread with room for the deepest input.
    let outcome = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(CHECK_STACK_BYTES)
            .spawn_scoped(scope, || Reference::new(&name, &source, options))
            .ok()
            .and_then(|h| h.join().ok())
    });
    match outcome {
        Some(Ok(reference)) => Ok(reference),
        Some(Err(errors)) => Err(report(source, errors)),
        None => {
            Err(report(source, vec![Diagnostic::error(Span::default(), "internal error while reading the reference")]))
        }
    }
}

/// The kinds of file a directory of submissions is walked for: derivation files and answers in
/// LaTeX, Markdown or notebooks (docs/latex.md).
pub const SUBMISSION_EXTENSIONS: [&str; 6] = ["deriv", "tex", "latex", "md", "markdown", "ipynb"];

/// Grades every submission named by `paths` (directories walked for
/// [`SUBMISSION_EXTENSIONS`], the reference itself left out), in parallel on all cores; the
/// grades come in the order of the paths. A `.tex`, `.md` or `.ipynb` submission is an answer
/// read in the reference's model; anything else is read as a derivation file.
pub fn grade_paths(
    paths: &[PathBuf],
    reference: &Arc<Reference>,
    options: &GradeOptions,
    reference_path: Option<&Path>,
) -> Vec<SubmissionGrade> {
    let reference_file = reference_path.and_then(|p| p.canonicalize().ok());
    let entries: Vec<_> = expand_paths_with(paths, &SUBMISSION_EXTENSIONS)
        .into_iter()
        .filter(|e| match (e, &reference_file) {
            (Ok(path), Some(r)) => path.canonicalize().ok().as_ref() != Some(r),
            _ => true,
        })
        .collect();
    entries
        .into_par_iter()
        .map(|entry| {
            let (name, read) = read_entry(entry);
            let source = match read.map(|b| decode_source(&b)) {
                Ok(Ok(source)) => source,
                Ok(Err((valid, d))) => {
                    return SubmissionGrade::not_graded(reference, &name, &valid, vec![d], "the file is not UTF-8");
                }
                Err(e) => {
                    let d = Diagnostic::error(Span::default(), format!("cannot read input: {e}")).without_source();
                    let mut grade =
                        SubmissionGrade::not_graded(reference, &name, "", vec![d], "the file could not be read");
                    grade.unreadable = true;
                    return grade;
                }
            };
            let kind = AnswerKind::of_path(&name);
            grade_with_time_limit(reference, name, source, kind, options)
        })
        .collect()
}

/// Grades one submission (an answer of `kind`, or a derivation file) on its own thread (with a
/// large stack), giving up on it after the time limit. The grading stops by itself soon after the limit, between two of its stages.
fn grade_with_time_limit(
    reference: &Arc<Reference>,
    path: String,
    source: String,
    kind: Option<AnswerKind>,
    options: &GradeOptions,
) -> SubmissionGrade {
    let (sender, receiver) = mpsc::channel();
    let worker = {
        let (reference, path, source, options) = (Arc::clone(reference), path.clone(), source.clone(), options.clone());
        std::thread::Builder::new().stack_size(CHECK_STACK_BYTES).spawn(move || {
            let grade = match kind {
                Some(kind) => grade_answer(&reference, &path, &source, kind, &options),
                None => grade_submission(&reference, &path, &source, &options),
            };
            let _ = sender.send(grade);
        })
    };
    let internal = |why: &str| {
        let d = Diagnostic::error(Span::default(), format!("internal error while grading this file: {why}"))
            .with_hint("please report this submission to the gradproof developers")
            .without_source();
        SubmissionGrade::not_graded(reference, &path, &source, vec![d], "internal error")
    };
    if worker.is_err() {
        return internal("no thread could be started");
    }
    match receiver.recv_timeout(options.time_limit) {
        Ok(grade) => grade,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            SubmissionGrade::timed_out(reference, &path, &source, options.time_limit)
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => internal("the grading stopped"),
    }
}

/// The grade of the one submission among `paths` (the one file of [`SUBMISSION_EXTENSIONS`],
/// directories walked, the reference left out), as a platform's autograder needs it. No file, or more than one, is a
/// submission that cannot be read, with the reason.
pub fn grade_one(
    paths: &[PathBuf],
    reference: &Arc<Reference>,
    options: &GradeOptions,
    reference_path: &Path,
) -> SubmissionGrade {
    let mut grades = grade_paths(paths, reference, options, Some(reference_path));
    if grades.len() == 1 {
        return grades.remove(0);
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let message = if grades.is_empty() {
        "no submission was given".to_string()
    } else {
        let files: Vec<&str> = grades.iter().map(|g| g.path.as_str()).collect();
        format!(
            "the submission has {} files to grade ({}): submit exactly one (.deriv, .tex, .md or .ipynb)",
            files.len(),
            files.join(", ")
        )
    };
    let d = Diagnostic::error(Span::default(), message).without_source();
    let mut grade =
        SubmissionGrade::not_graded(reference, &names.join(" "), "", vec![d], "the submission could not be read");
    grade.unreadable = true;
    grade
}

/// Writes `DIR/NAME/results.json` for every submission; NAME is the file's stem, or its whole
/// path when two submissions share a stem. Returns how many were written.
pub fn write_gradescope(dir: &Path, grades: &[SubmissionGrade], provenance: &Provenance) -> std::io::Result<usize> {
    let stem = |g: &SubmissionGrade| {
        Path::new(&g.path).file_stem().map_or_else(|| "stdin".to_string(), |s| s.to_string_lossy().into_owned())
    };
    for g in grades {
        let shared = grades.iter().filter(|o| stem(o) == stem(g)).count() > 1;
        let name = if shared { g.path.trim_end_matches(".deriv").replace(['/', '\\', ':'], "__") } else { stem(g) };
        let name = if name.trim_matches('.').is_empty() { "submission".to_string() } else { name };
        let target = dir.join(name);
        std::fs::create_dir_all(&target)?;
        std::fs::write(target.join("results.json"), render_gradescope(g, provenance))?;
    }
    Ok(grades.len())
}
