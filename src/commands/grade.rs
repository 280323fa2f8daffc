//! `gradproof grade SUBMISSION… --reference REF`: every submission graded against a reference,
//! in parallel, with a time limit each; one shard of a batch (`--shard K/N`), its grades streamed
//! as JSON Lines and resumed after a kill (docs/scale.md); one submission for a platform's
//! autograder (`--results FILE`); and `gradproof grade --template REF`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::check::{read_entry, read_input, walk_paths};
use super::shard::{self, Header, Settings, JSONL_VERSION};
use crate::check::{CheckOptions, DEFAULT_SEED};
use crate::cli::{GradeArgs, GradeFormat};
use crate::diagnostic::{Diagnostic, Span};
use crate::grade::{grade_answer, grade_submission, GradeOptions, Provenance, Reference, SubmissionGrade};
use crate::latex::{read_answer, AnswerKind};
use crate::report::{
    render_batch_csv, render_batch_human, render_batch_json, render_diagnostics, render_gradescope,
    render_prairielearn, render_record_gradescope, BatchInfo, FileReport, GradeRecord,
};
use crate::source::{decode_source, CHECK_STACK_BYTES};
use crate::syntax::parse_file;
use crate::work::Budget;

/// Runs `grade`; returns the exit status: 0 when every submission was graded, 2 when the
/// reference has an error, a submission could not be read, the shard or a resumed file is wrong,
/// or an output could not be written. With `--results FILE`, 0 whenever FILE was written (it says
/// when the submission could not be read).
pub fn run(args: &GradeArgs) -> i32 {
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let options = options(args);
    if args.results.is_some() && !matches!(args.format, GradeFormat::Gradescope | GradeFormat::Prairielearn) {
        eprintln!("error: `--results FILE` is for `--format gradescope` or `--format prairielearn`");
        return 2;
    }
    if args.output.is_some() && args.format != GradeFormat::Jsonl {
        eprintln!("error: `--output FILE` is for `--format jsonl` (`--format gradescope` writes into `--out DIR`)");
        return 2;
    }
    if args.shard.is_some() && (args.results.is_some() || args.format == GradeFormat::Prairielearn) {
        eprintln!("error: `--shard` is for a batch of submissions, not for one graded for a platform");
        return 2;
    }
    let shard = match shard::resolve(args.shard, |name| std::env::var(name).ok()) {
        Ok(shard) => shard,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
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
    let info = BatchInfo::new(&reference, &provenance);
    let entries = submission_entries(&args.paths, Some(reference_path), true);
    let total = entries.len();
    let mine: Vec<Entry> = entries.into_iter().filter(|e| shard.includes(&e.identity)).collect();
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(args.jobs as usize).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start the threads to grade on: {e}");
            return 2;
        }
    };
    if args.format == GradeFormat::Jsonl {
        let header = Header {
            gradproof_grades: JSONL_VERSION,
            shard,
            submissions: total,
            in_shard: mine.len(),
            batch: info,
            settings: Settings::of(args),
        };
        return run_jsonl(args, &header, mine, &pool, &reference, &options, &provenance);
    }
    let color =
        args.format == GradeFormat::Human && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let progress = progress_bar(mine.len() as u64, 0);
    let records: Vec<GradeRecord> = pool.install(|| {
        mine.into_par_iter()
            .map(|e| {
                let record = GradeRecord::new(e.index, &grade_entry(e, &reference, &options), &provenance, color);
                progress.inc(1);
                record
            })
            .collect()
    });
    progress.finish_and_clear();
    let printed = match args.format {
        GradeFormat::Human => super::print_stdout(&render_batch_human(&records, &info)),
        GradeFormat::Json => super::print_stdout(&render_batch_json(&records, &info)),
        GradeFormat::Csv => super::print_stdout(&render_batch_csv(&records, &info)),
        // PrairieLearn's is one submission's (above); Gradescope's without `--out` was refused;
        // JSON Lines were written as they came (above).
        GradeFormat::Gradescope | GradeFormat::Prairielearn | GradeFormat::Jsonl => {
            let Some(dir) = &args.out else { return 2 };
            if let Err(status) = gradescope_files(dir, &records) {
                return status;
            }
            Ok(())
        }
    };
    if let Err(e) = printed {
        return super::output_failed(&e);
    }
    unreadable_status(&records)
}

/// 2, with the paths, when some submission could not be read; else 0.
pub fn unreadable_status(records: &[GradeRecord]) -> i32 {
    let unreadable: Vec<&str> = records.iter().filter(|r| r.unreadable).map(|r| r.path.as_str()).collect();
    if !unreadable.is_empty() {
        eprintln!("error: cannot read {}", unreadable.join(", "));
        return 2;
    }
    0
}

/// A progress bar on standard error when it is a terminal (hidden otherwise): `done` of `len`
/// submissions graded so far.
fn progress_bar(len: u64, done: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() || len == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} graded, {elapsed} (about {eta} to go)") {
        bar.set_style(style);
    }
    bar.set_position(done);
    bar
}

/// `--format jsonl`: the header, then a line per submission as soon as it is graded, flushed,
/// to standard output or `--output FILE` (continued with `--resume`).
fn run_jsonl(
    args: &GradeArgs,
    header: &Header,
    mine: Vec<Entry>,
    pool: &rayon::ThreadPool,
    reference: &Arc<Reference>,
    options: &GradeOptions,
    provenance: &Provenance,
) -> i32 {
    let expected: HashMap<usize, &str> = mine.iter().map(|e| (e.index, e.name.as_str())).collect();
    let (sink, kept): (Box<dyn Write + Send>, Vec<GradeRecord>) = match &args.output {
        None => {
            if let Err(e) = super::print_stdout(&header.line()) {
                return super::output_failed(&e);
            }
            (Box::new(std::io::stdout()), Vec::new())
        }
        Some(path) if args.resume => match shard::resume(path, header, &expected) {
            Ok((file, resumed)) => (Box::new(file), resumed.records),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
        Some(path) => match shard::create(path, header) {
            Ok(file) => (Box::new(file), Vec::new()),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
    };
    let done: std::collections::HashSet<usize> = kept.iter().map(|r| r.index).collect();
    let todo: Vec<Entry> = mine.into_iter().filter(|e| !done.contains(&e.index)).collect();
    let progress = progress_bar(header.in_shard as u64, done.len() as u64);
    let sink = Mutex::new(sink);
    let unreadable = Mutex::new(kept.into_iter().filter(|r| r.unreadable).collect::<Vec<_>>());
    let written: std::io::Result<()> = pool.install(|| {
        todo.into_par_iter().try_for_each(|e| {
            let record = GradeRecord::new(e.index, &grade_entry(e, reference, options), provenance, false);
            let line = record.line();
            {
                let mut sink = sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                match sink.write_all(line.as_bytes()).and_then(|()| sink.flush()) {
                    // A reader that has gone away (`| head`) ends the run quietly.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Err(e),
                    other => other?,
                }
            }
            progress.inc(1);
            if record.unreadable {
                unreadable.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(record);
            }
            Ok(())
        })
    });
    progress.finish_and_clear();
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return 0,
        Err(e) => return super::output_failed(&e),
        Ok(()) => {}
    }
    let mut unreadable = unreadable.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    unreadable.sort_by_key(|r| r.index);
    unreadable_status(&unreadable)
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
        // A CSV has no column for feedback: what only feedback needs is not worked out.
        feedback: args.format != GradeFormat::Csv,
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

/// One submission of a batch, before it is graded.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its place in the batch: the order of the arguments, directories sorted.
    pub index: usize,
    /// Its name where the batch runs ([`shard::identity`]), which decides its shard.
    pub identity: String,
    /// The path as given (its name in the outputs).
    pub name: String,
    /// The file, or the argument that could not be walked and why.
    pub entry: Result<PathBuf, (PathBuf, String)>,
    /// A file of a kind that is not read (`bob.txt` in a directory of answers): not graded, and
    /// said so, where it was skipped without a word and the student missing from the CSV.
    pub unread_kind: bool,
    /// Markdown beside it that is taken for notes (a `README.md` in the student's folder): not
    /// graded, and flagged for a person where it holds derivations of its own.
    pub notes: Vec<Entry>,
    /// Why a person should look at it before it is graded: its folder's files read as one
    /// student's (notes not named so, an answer split over files).
    pub review: Vec<String>,
}

/// Every submission named by `paths` (directories walked for [`SUBMISSION_EXTENSIONS`], the
/// reference itself left out), in the order of the paths, directories sorted.
/// With `others`, a directory's files of other kinds are entries too, to be reported not graded.
pub fn submission_entries(paths: &[PathBuf], reference_path: Option<&Path>, others: bool) -> Vec<Entry> {
    let reference_file = reference_path.and_then(|p| p.canonicalize().ok());
    let mut out: Vec<Entry> = Vec::new();
    for argument in paths {
        let first = out.len();
        for (entry, unread_kind) in walk_paths(std::slice::from_ref(argument), &SUBMISSION_EXTENSIONS, others) {
            let skip = match (&entry, &reference_file) {
                (Ok(path), Some(r)) => path.canonicalize().ok().as_ref() == Some(r),
                _ => false,
            };
            if skip {
                continue;
            }
            let path = match &entry {
                Ok(path) | Err((path, _)) => path,
            };
            let name = if path.as_os_str() == "-" { "<stdin>".to_string() } else { path.display().to_string() };
            let identity = shard::identity(argument, path);
            out.push(Entry {
                index: out.len(),
                identity,
                name,
                entry,
                unread_kind,
                notes: Vec::new(),
                review: Vec::new(),
            });
        }
        // In a batch, a student's folder (`alice/answer.deriv` with `alice/README.md`) is one
        // submission, its answer chosen as a platform's is (a TA: the README was a student of its
        // own, graded 0 and flagged, and the mean counted it).
        if others {
            let walked = out.split_off(first);
            out.extend(by_student_folder(walked));
        }
    }
    for (k, e) in out.iter_mut().enumerate() {
        e.index = k;
    }
    out
}

/// The entries of one argument, a student's folder below it (`alice/` of the identity
/// `alice/answer.deriv`) taken together where it holds notes beside exactly one other answer
/// file: that file, with the notes beside it. Notes are `README` Markdown, and Markdown without
/// display math (`notes.md` of prose: a TA found it a student of its own, graded 0, and its
/// Gradescope folder named `notes`); Markdown with math is an answer (`bob.md` beside
/// `alice.deriv` is bob's, not alice's notes: a reviewer). Prose taken for notes under another
/// name than a note's flags the answer: it may be a student's answer of prose alone. A folder whose
/// `.deriv` files answer parts of other names, each, is one answer split over files: each is
/// graded on its own and flagged (a TA: two rows of half marks, neither flagged).
/// Everything else as it was: files directly in the folder walked.
fn by_student_folder(walked: Vec<Entry>) -> Vec<Entry> {
    let folder = |e: &Entry| e.identity.rsplit_once('/').map(|(f, _)| f.to_string());
    // (By a map from folder to group: a course's batch may have 50,000 folders.)
    let mut groups: Vec<Vec<Entry>> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for e in walked {
        match folder(&e) {
            Some(f) => match at.get(&f) {
                Some(&k) => groups[k].push(e),
                None => {
                    at.insert(f, groups.len());
                    groups.push(vec![e]);
                }
            },
            None => groups.push(vec![e]),
        }
    }
    let mut out = Vec::new();
    for mut group in groups {
        let readable = group.iter().all(|e| !e.unread_kind && e.entry.is_ok());
        let several = group.len() > 1 && group[0].identity.contains('/');
        let (notes, answers): (Vec<Entry>, Vec<Entry>) =
            group.iter().cloned().partition(|e| is_readme(e) || (several && prose_only(e)));
        if readable && !notes.is_empty() && answers.len() == 1 {
            let mut answer = answers.into_iter().next().expect("one answer");
            for note in notes.iter().filter(|n| !is_readme(n) && !named_as_notes(n)) {
                answer.review.push(format!(
                    "{} was taken for notes beside {} (it holds no display math): see whether it is an answer",
                    note.identity, answer.identity
                ));
            }
            answer.notes = notes;
            out.push(answer);
            continue;
        }
        if several {
            split_answer(&mut group);
        }
        out.extend(group);
    }
    out.sort_by_key(|e| e.index);
    out
}

/// Flags the `.deriv` files of one folder where there are several and each answers parts (by
/// their `derive` names) that no other does: one student's answer split over files, graded as
/// several submissions.
fn split_answer(group: &mut [Entry]) {
    let names = |e: &Entry| -> Option<Vec<String>> {
        if AnswerKind::of_path(&e.name).is_some() {
            return None;
        }
        let path = e.entry.as_ref().ok()?;
        let text = decode_source(&std::fs::read(path).ok()?).ok()?;
        let (file, _) = parse_file(&text);
        let names: Vec<String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                crate::syntax::ast::Item::Derivation(d) => d.name.clone(),
                _ => None,
            })
            .collect();
        (!names.is_empty()).then_some(names)
    };
    // (Of the `.deriv` files alone: a README beside them stopped the check; a reviewer.)
    let derivs: Vec<usize> = (0..group.len()).filter(|&k| AnswerKind::of_path(&group[k].name).is_none()).collect();
    let Some(parts) = derivs.iter().map(|&k| names(&group[k])).collect::<Option<Vec<Vec<String>>>>() else { return };
    let apart = parts.iter().enumerate().all(|(i, a)| parts[i + 1..].iter().all(|b| a.iter().all(|n| !b.contains(n))));
    if parts.len() < 2 || !apart {
        return;
    }
    let files: Vec<String> = derivs.iter().map(|&k| group[k].identity.clone()).collect();
    for &k in &derivs {
        group[k].review.push(format!(
            "the files {} answer different parts each: one student's answer split over files? Each is graded on a \
             row of its own: add their scores for the student",
            files.join(", ")
        ));
    }
}

/// Whether a Markdown file holds no display math at all (prose), as the reader finds it.
fn prose_only(e: &Entry) -> bool {
    AnswerKind::of_path(&e.name) == Some(AnswerKind::Markdown) && markdown_math(e, &parse_file("").0) == Some(false)
}

/// Whether a file is named as notes are (`notes.md`, `NOTES.md`, `note.md`, `comments.md`).
fn named_as_notes(e: &Entry) -> bool {
    Path::new(&e.name)
        .file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|stem| ["notes", "note", "comments", "remarks"].iter().any(|n| stem.eq_ignore_ascii_case(n)))
}

/// Markdown named `README` (any case): a student's notes beside an answer.
fn is_readme(e: &Entry) -> bool {
    AnswerKind::of_path(&e.name) == Some(AnswerKind::Markdown)
        && Path::new(&e.name).file_stem().is_some_and(|stem| stem.eq_ignore_ascii_case("readme"))
}

/// One submission's answer among its files, and the notes beside it: one `.deriv` file with
/// Markdown beside it, or one answer file of any kind with `README.md` files beside it
/// (docs/grading.md, "Platform kits"). None for any other choice of several files.
fn answer_and_notes(entries: Vec<Entry>) -> Option<(Entry, Vec<Entry>)> {
    let is_deriv = |e: &Entry| AnswerKind::of_path(&e.name).is_none();
    let markdown = |e: &Entry| AnswerKind::of_path(&e.name) == Some(AnswerKind::Markdown);
    let one_deriv =
        entries.iter().filter(|e| is_deriv(e)).count() == 1 && entries.iter().all(|e| is_deriv(e) || markdown(e));
    // A `README.md` is notes beside whatever the one other file is (`answers.md`, `answer.tex`).
    let one_beside_readmes = entries.iter().filter(|e| !is_readme(e)).count() == 1;
    if !(one_deriv || one_beside_readmes) {
        return None;
    }
    let (answer, notes): (Vec<Entry>, Vec<Entry>) =
        entries.into_iter().partition(|e| if one_deriv { is_deriv(e) } else { !is_readme(e) });
    Some((answer.into_iter().next()?, notes))
}

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
    submission_entries(paths, reference_path, true)
        .into_par_iter()
        .map(|e| grade_entry(e, reference, options))
        .collect()
}

/// Reads and grades one submission of a batch; Markdown beside it taken for notes that holds
/// derivations of its own flags it for a person.
fn grade_entry(mut entry: Entry, reference: &Arc<Reference>, options: &GradeOptions) -> SubmissionGrade {
    let notes = std::mem::take(&mut entry.notes);
    let review = std::mem::take(&mut entry.review);
    let answer_identity = entry.identity.clone();
    let mut grade = grade_file(entry, reference, options);
    grade.review.extend(review);
    if !notes.is_empty() {
        let (model, _) = parse_file(&reference.source);
        for note in notes.iter().filter(|n| holds_derivations(n, &model)) {
            grade.review.push(format!(
                "{} was not graded ({answer_identity} was), though it holds derivations in display math: see \
                 whether it is the answer",
                note.identity
            ));
        }
    }
    grade
}

/// Reads and grades one file of a batch.
fn grade_file(entry: Entry, reference: &Arc<Reference>, options: &GradeOptions) -> SubmissionGrade {
    if entry.unread_kind {
        let kind = Path::new(&entry.name)
            .extension()
            .map_or("this kind of".to_string(), |x| format!("a .{}", x.to_string_lossy()));
        let message = format!("{kind} file is not an answer gradproof reads");
        let d = Diagnostic::error(Span::default(), message.clone())
            .with_hint("gradproof reads .deriv, .tex, .md and .ipynb files: this one is left for a person to grade")
            .without_source();
        return SubmissionGrade::not_graded(reference, &entry.name, "", vec![d], &format!("{kind} file is not read"));
    }
    let (name, read) = read_entry(entry.entry);
    let source = match read.map(|b| decode_source(&b)) {
        Ok(Ok(source)) => source,
        Ok(Err((valid, d))) => {
            return SubmissionGrade::not_graded(reference, &name, &valid, vec![d], "the file is not UTF-8");
        }
        Err(e) => {
            let d = Diagnostic::error(Span::default(), format!("cannot read input: {e}")).without_source();
            let mut grade = SubmissionGrade::not_graded(reference, &name, "", vec![d], "the file could not be read");
            grade.unreadable = true;
            return grade;
        }
    };
    let kind = AnswerKind::of_path(&name);
    grade_with_time_limit(reference, name, source, kind, options)
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
/// directories walked, the reference left out), as a platform's autograder needs it. One `.deriv`
/// file with Markdown beside it (a `README.md`), or one answer file of any kind with `README.md`
/// files beside it, is that file, flagged for a person where the Markdown holds derivations of its
/// own (docs/grading.md, "Platform kits"). No file, or
/// another choice of several, is a submission that is not graded, with the files named.
pub fn grade_one(
    paths: &[PathBuf],
    reference: &Arc<Reference>,
    options: &GradeOptions,
    reference_path: &Path,
) -> SubmissionGrade {
    let mut entries = submission_entries(paths, Some(reference_path), false);
    if entries.len() == 1 {
        return grade_entry(entries.remove(0), reference, options);
    }
    if let Some((mut answer, notes)) = answer_and_notes(entries.clone()) {
        answer.notes = notes;
        return grade_entry(answer, reference, options);
    }
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let (message, why) = if entries.is_empty() {
        ("no submission was given".to_string(), "no answer file was found".to_string())
    } else {
        let files: Vec<&str> = entries.iter().map(|e| e.identity.as_str()).collect();
        let message = format!(
            "the submission has {} files that could be the answer ({}): submit exactly one .deriv, .tex, .md or \
             .ipynb file (a .deriv file may come with Markdown notes, such as a README.md)",
            files.len(),
            files.join(", ")
        );
        (message, format!("the submission has {} answer files ({})", files.len(), files.join(", ")))
    };
    let d = Diagnostic::error(Span::default(), message).without_source();
    let mut grade = SubmissionGrade::not_graded(reference, &names.join(" "), "", vec![d], &why);
    grade.unreadable = true;
    grade
}

/// Whether a Markdown file beside a `.deriv` answer holds derivations of its own: display math
/// that the reader reads as a chain, or refuses (`model`: the reference's declarations). A file
/// that cannot be read holds none.
fn holds_derivations(note: &Entry, model: &crate::syntax::ast::File) -> bool {
    markdown_math(note, model) == Some(true)
}

/// Whether a file read as Markdown in `model` holds display math that the reader reads as a
/// chain, or refuses; `None` where it cannot be read.
fn markdown_math(e: &Entry, model: &crate::syntax::ast::File) -> Option<bool> {
    let path = e.entry.as_ref().ok()?;
    let text = decode_source(&std::fs::read(path).ok()?).ok()?;
    let (derivations, refused) = read_answer(&text, AnswerKind::Markdown, model);
    Some(!derivations.is_empty() || !refused.is_empty())
}

/// Writes one `NAME/results.json` per record under `dir` and says how many on standard error; the
/// exit status 2 when they cannot be written.
pub fn gradescope_files(dir: &Path, records: &[GradeRecord]) -> Result<(), i32> {
    match write_gradescope(dir, records) {
        Ok(n) => {
            eprintln!("wrote {n} results.json under {}", dir.display());
            Ok(())
        }
        Err(e) => {
            eprintln!("error: cannot write under {}: {e}", dir.display());
            Err(2)
        }
    }
}

/// Writes `DIR/NAME/results.json` for every submission; NAME is the file's stem, or its whole
/// path without the extension when two submissions share a stem, or with it when two share that
/// too (`amy/answer.deriv` beside `amy/answer.tex`). Returns how many were written.
pub fn write_gradescope(dir: &Path, records: &[GradeRecord]) -> std::io::Result<usize> {
    let stem = |r: &GradeRecord| {
        Path::new(&r.path).file_stem().map_or_else(|| "stdin".to_string(), |s| s.to_string_lossy().into_owned())
    };
    // The path's own parts (not `./`, which would make a hidden `.__alice__answer`), the last
    // without its extension unless `whole`. (Only `.deriv` lost its extension, `.tex` kept it,
    // in one batch: a TA.)
    let parts = |r: &GradeRecord, whole: bool| {
        let path = Path::new(&r.path);
        let path = if whole { path.to_path_buf() } else { path.with_extension("") };
        path.components()
            .filter_map(|c| match c {
                std::path::Component::Normal(s) => Some(s.to_string_lossy().replace(['\\', ':'], "__")),
                std::path::Component::ParentDir => Some("up".to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("__")
    };
    let count = |names: &[String]| {
        let mut n: HashMap<String, usize> = HashMap::new();
        for name in names {
            *n.entry(name.clone()).or_default() += 1;
        }
        n
    };
    let stems: Vec<String> = records.iter().map(stem).collect();
    let shared = count(&stems);
    let names: Vec<String> =
        records.iter().zip(&stems).map(|(r, s)| if shared[s] > 1 { parts(r, false) } else { s.clone() }).collect();
    let twice = count(&names);
    for (r, name) in records.iter().zip(&names) {
        let name = if twice[name] > 1 { parts(r, true) } else { name.clone() };
        let name = if name.trim_matches('.').is_empty() { "submission".to_string() } else { name };
        let target = dir.join(name);
        std::fs::create_dir_all(&target)?;
        std::fs::write(target.join("results.json"), render_record_gradescope(r))?;
    }
    Ok(records.len())
}
