//! Helpers shared by the integration tests.
#![allow(dead_code)] // a helper may outlive its last use

use gradproof::check::{CheckOptions, Verdict};
use gradproof::check_source;
use gradproof::diagnostic::line_col;
use gradproof::syntax::parse_file;
use gradproof::FileReport;
use std::path::{Path, PathBuf};

/// The `*.deriv` files of a directory, sorted.
pub fn deriv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "deriv"))
        .collect();
    files.sort();
    files
}

/// Checks one file with the default options (whose budgets count work, so a debug build on a
/// loaded machine gives the same verdicts), under a stable display path.
pub fn check_file(path: &Path, display: &str) -> FileReport {
    let bytes = std::fs::read(path).expect("readable corpus file");
    check_source(display, &bytes, &CheckOptions::default())
}

/// What a step's `# expect:` annotation says; unannotated steps are correct and hold.
#[derive(Debug, PartialEq, Eq)]
pub struct Expectation {
    pub ok: bool,
    pub holds: bool,
}

pub fn expectation(note: Option<&str>) -> Option<Expectation> {
    let note = note?;
    let at = note.find("expect:")?;
    let mut words = note[at + "expect:".len()..].split_whitespace();
    let ok = match words.next()? {
        "ok" => true,
        "wrong" => false,
        other => panic!("unknown expectation `{other}` in note `{note}`"),
    };
    let mut holds = ok;
    for w in words {
        match w {
            "holds=true" => holds = true,
            "holds=false" => holds = false,
            _ => {}
        }
    }
    Some(Expectation { ok, holds })
}

/// Asserts that every step of a report comes out as annotated. `require_annotations` demands an
/// annotation on every step (the project's own corpus); otherwise unannotated steps must be correct.
pub fn assert_expectations(report: &FileReport, require_annotations: bool) -> usize {
    assert!(report.errors.is_empty(), "{}: unexpected errors: {:?}", report.path, report.errors);
    assert!(!report.derivations.is_empty(), "{}: no derivation was checked", report.path);
    let mut failures = Vec::new();
    let mut n = 0;
    for d in &report.derivations {
        for s in &d.steps {
            n += 1;
            let line = line_col(&report.source, s.span.start).0;
            let expected = match expectation(s.note.as_deref()) {
                Some(e) => e,
                None if require_annotations => {
                    panic!("{}:{line}: step has no `# expect:` annotation", report.path)
                }
                None => Expectation { ok: true, holds: true },
            };
            assert!(!s.internal_error, "{}:{line}: a proof contradicts the numeric check: {}", report.path, s.detail);
            let ok = matches!(s.verdict, Verdict::Proved | Verdict::Checked);
            if s.verdict == Verdict::Undetermined || ok != expected.ok || s.holds != expected.holds {
                failures.push(format!(
                    "{}:{line}: got {} holds={}, expected {} holds={} ({})",
                    report.path,
                    s.verdict.name(),
                    s.holds,
                    if expected.ok { "ok" } else { "wrong" },
                    expected.holds,
                    s.detail
                ));
            }
        }
    }
    assert!(failures.is_empty(), "verdicts differ from the annotations:\n{}", failures.join("\n"));
    n
}

/// Checks every file of a directory (shown as `prefix/name`) and asserts its annotations; returns
/// the number of steps.
pub fn assert_directory(dir: &Path, prefix: &str, require_annotations: bool) -> usize {
    deriv_files(dir)
        .iter()
        .map(|path| {
            let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
            assert_expectations(&check_file(path, &format!("{prefix}/{name}")), require_annotations)
        })
        .sum()
}

/// The tree's debug text with every span blanked.
pub fn tree(source: &str) -> String {
    let (file, errors) = parse_file(source);
    assert!(errors.is_empty(), "{errors:?}");
    let text = format!("{file:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("a span's debug text ends with `}`");
        out.push('_');
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out
}
