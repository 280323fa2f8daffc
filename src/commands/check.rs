//! `gradproof check FILE|DIR|- …`: every derivation of every file, step by step.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::check::{CheckOptions, DEFAULT_SEED};
use crate::cli::{CheckArgs, Format};
use crate::diagnostic::{Diagnostic, Span};
use crate::latex::AnswerKind;
use crate::report::{render_diagnostics, render_human, render_json, HumanOptions, Summary};
use crate::source::{check_answer, check_source, FileReport};
use crate::work::Budget;

pub use crate::source::MAX_FILE_BYTES;

/// The files named by the arguments: files as given, directories walked for `*.deriv` in sorted
/// order, `-` for standard input.
pub fn expand_paths(args: &[PathBuf]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    expand_paths_with(args, &["deriv"])
}

/// The kinds of file a student may hand in as an answer that gradproof does not read: in a folder
/// of submissions each is a submission not graded, flagged (other files, such as a `grades.csv`
/// written there, are not students).
const ANSWER_LIKE: [&str; 15] =
    ["txt", "pdf", "doc", "docx", "odt", "rtf", "png", "jpg", "jpeg", "heic", "gif", "html", "htm", "py", "zip"];

/// A file found, or the argument that could not be walked and why.
pub type Walked = Result<PathBuf, (PathBuf, String)>;

/// The files named by the arguments, directories walked for files with one of `extensions`.
pub fn expand_paths_with(args: &[PathBuf], extensions: &[&str]) -> Vec<Result<PathBuf, (PathBuf, String)>> {
    walk_paths(args, extensions, false).into_iter().map(|(entry, _)| entry).collect()
}

/// The files named by the arguments, directories walked for files with one of `extensions`; with
/// `others`, a directory's files of the kinds students hand in ([`ANSWER_LIKE`]) too (not in
/// hidden folders; not one in a student's folder that holds an answer), each marked `true`: a
/// batch of submissions accounts for every student.
pub fn walk_paths(args: &[PathBuf], extensions: &[&str], others: bool) -> Vec<(Walked, bool)> {
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" || !arg.is_dir() {
            out.push((Ok(arg.clone()), false));
            continue;
        }
        let kind = |p: &Path| p.extension().and_then(|x| x.to_str()).map(str::to_ascii_lowercase);
        let of_kind = |p: &Path| kind(p).is_some_and(|x| extensions.contains(&x.as_str()));
        let answer_like = |p: &Path| kind(p).is_some_and(|x| ANSWER_LIKE.contains(&x.as_str()));
        // Hidden folders and files (`.git`, `.DS_Store`) and caches are nobody's submission.
        let skipped = |e: &walkdir::DirEntry| {
            e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with('.') || n == "__pycache__" || n == "node_modules")
        };
        // A submission linked into the directory is a submission (a link that loops is an error).
        let mut found: Vec<(PathBuf, bool)> = Vec::new();
        // Files of the kinds students hand in that are not read, where they are not entries.
        let mut not_read: Vec<PathBuf> = Vec::new();
        for e in
            walkdir::WalkDir::new(arg).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| !skipped(e))
        {
            match e {
                Ok(e) if e.file_type().is_file() => {
                    let path = e.into_path();
                    if of_kind(&path) {
                        found.push((path, false));
                    } else if answer_like(&path) {
                        if others {
                            found.push((path, true));
                        } else {
                            not_read.push(path);
                        }
                    }
                }
                Ok(_) => {}
                Err(err) => out.push((Err((arg.clone(), err.to_string())), false)),
            }
        }
        // Beside a student's answer in a folder of its own (`alice/answer.tex`, `alice/plot.png`),
        // another file is part of that submission; directly in the directory walked, or in a
        // folder with no answer, it is a submission of its own.
        let answered: std::collections::HashSet<PathBuf> =
            found.iter().filter(|(_, other)| !other).filter_map(|(p, _)| p.parent().map(Path::to_path_buf)).collect();
        // (In a student's folder at any depth: `alice/figs/plot.png` beside `alice/answer.tex`.)
        let beside_an_answer = |p: &Path| {
            p.ancestors()
                .skip(1)
                .take_while(|d| *d != arg.as_path() && d.starts_with(arg))
                .any(|d| answered.contains(d))
        };
        found.retain(|(p, other)| !other || !beside_an_answer(p));
        found.sort();
        // (A folder of files of other kinds alone, `dan/scan.pdf`, is those files, each reported
        // not read: one row for the student, not a second one saying the folder has no answer; a
        // TA.)
        if found.is_empty() {
            let kinds: Vec<String> = extensions.iter().map(|x| format!(".{x}")).collect();
            // (Naming what is there, `scan.pdf`: a platform's student was told only what is not.)
            let held = match not_read.as_slice() {
                [] => String::new(),
                files => {
                    let names: Vec<String> =
                        files.iter().take(3).map(|p| p.strip_prefix(arg).unwrap_or(p).display().to_string()).collect();
                    let more = if files.len() > 3 { format!(" and {} more", files.len() - 3) } else { String::new() };
                    format!(" (it holds {}{more}, which gradproof does not read)", names.join(", "))
                }
            };
            out.push((Err((arg.clone(), format!("no {} files in this directory{held}", kinds.join(", ")))), false));
        }
        out.extend(found.into_iter().map(|(path, other)| (Ok(path), other)));
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

/// Reads and checks every file named by `paths`, on `options.jobs` threads; the reports come in
/// the order of the paths whatever the number of threads.
pub fn check_paths(paths: &[PathBuf], options: &CheckOptions) -> Vec<FileReport> {
    let entries = expand_paths(paths);
    let each = per_file(options, entries.len());
    let size = |entry: &Result<PathBuf, (PathBuf, String)>| entry.as_ref().map_or(0, |path| file_size(path));
    in_order(entries, options.jobs, size, |entry| {
        match read_entry(entry) {
        // An answer in LaTeX or Markdown names the symbols of a model: without one it is no
        // derivation file, and reading it as one would only list errors of syntax.
        (name, Ok(_)) if AnswerKind::of_path(&name).is_some() => FileReport::unchecked(
            name.clone(),
            String::new(),
            vec![Diagnostic::error(Span::default(), format!("`{name}` is an answer in LaTeX or Markdown: it is read with the names of a model"))
                .with_hint("add `--model MODEL.deriv`, the derivation file that declares every symbol the answer uses (docs/latex.md)")],
        ),
        (name, Ok(bytes)) => check_source(&name, &bytes, &each),
        (name, Err(message)) => unreadable(name, &message),
    }
    })
}

/// The options each of `files` files is checked with: the threads shared out between the files,
/// so that one file alone checks its derivations on every thread and many files take a thread
/// each. (Threads within files as well as between them only contended: `check derivations/` took
/// 1.49 s of wall time with them and 1.24 s without on 2 cores, and a quarter of a second of system
/// time went to making threads.) A report does not depend on the number of threads.
fn per_file(options: &CheckOptions, files: usize) -> CheckOptions {
    CheckOptions { jobs: (options.jobs / files.max(1)).max(1), ..options.clone() }
}

/// `check` applied to every item, on `jobs` threads (one: in order on this thread), the results
/// in the order of the items. Each file is checked on a thread of its own with a large stack
/// (`source::check_source`), so these threads only wait for it.
///
/// The threads take the items largest first, by `size` (a file's bytes), so that a large file is
/// not the last one left while the other threads have nothing to do. What each item gives does
/// not depend on which thread checks it, nor when.
fn in_order<T: Send, R: Send>(
    items: Vec<T>,
    jobs: usize,
    size: impl Fn(&T) -> u64,
    check: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    if jobs <= 1 || items.len() <= 1 {
        return items.into_iter().map(check).collect();
    }
    let n = items.len();
    let mut queue: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    // Popped from the end: the largest last, and among equals the first.
    queue.sort_by_key(|(i, item)| (size(item), std::cmp::Reverse(*i)));
    let queue = std::sync::Mutex::new(queue);
    let results = std::sync::Mutex::new((0..n).map(|_| None).collect::<Vec<Option<R>>>());
    let work = || loop {
        let Some((i, item)) = lock(&queue).pop() else { break };
        let result = check(item);
        lock(&results)[i] = Some(result);
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(n) {
            // No thread to be had: the others (or this one, below) take the work.
            let _ = std::thread::Builder::new().spawn_scoped(scope, work);
        }
    });
    work();
    // (A panic of a thread would have been passed on by the scope: every item has its result.)
    results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).into_iter().flatten().collect()
}

fn lock<X>(m: &std::sync::Mutex<X>) -> std::sync::MutexGuard<'_, X> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A file's size in bytes (0 where it cannot be read), to check the largest first.
fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn unreadable(path: String, message: &str) -> FileReport {
    FileReport::unchecked(
        path,
        String::new(),
        vec![Diagnostic::error(Span::default(), format!("cannot read input: {message}"))],
    )
}

/// Reads and checks answers written in LaTeX or Markdown against the model at `model`.
pub fn check_answers(paths: &[PathBuf], model: &Path, options: &CheckOptions) -> Vec<FileReport> {
    let model_name = model.display().to_string();
    let model_bytes = match read_input(model) {
        Ok(bytes) => bytes,
        Err(message) => return vec![unreadable(model_name, &message)],
    };
    let each = per_file(options, paths.len());
    in_order(
        paths.to_vec(),
        options.jobs,
        |path| file_size(path),
        |path| {
            let (name, bytes) = read_entry(Ok(path));
            let bytes = match bytes {
                Ok(bytes) => bytes,
                Err(message) => return unreadable(name, &message),
            };
            match AnswerKind::of_path(&name) {
                Some(kind) => check_answer(&name, &bytes, kind, &model_name, &model_bytes, &each),
                None => unreadable(name, "with --model, an answer is a .tex, .md or .ipynb file"),
            }
        },
    )
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
        repair: !args.no_repair,
        file_budget: budget(args.file_work, args.file_timeout_ms),
        jobs: jobs(args.jobs),
    }
}

/// The threads `--jobs N` asks for; 0 (the default) is one per core.
pub fn jobs(requested: u64) -> usize {
    match usize::try_from(requested) {
        Ok(0) | Err(_) => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        Ok(n) => n,
    }
}

/// A budget of `work` units with a safety net of `millis` milliseconds.
pub fn budget(work: u64, millis: u64) -> Budget {
    Budget { work, time: Some(std::time::Duration::from_millis(millis)) }
}

/// Runs `check` and prints the report; returns the exit status.
pub fn run(args: &CheckArgs) -> i32 {
    let reports = match &args.model {
        Some(model) => check_answers(&args.paths, model, &options(args)),
        None => check_paths(&args.paths, &options(args)),
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let err_color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for r in &reports {
        if !r.errors.is_empty() || !r.warnings.is_empty() {
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
