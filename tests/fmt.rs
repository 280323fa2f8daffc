//! `gradproof fmt` over the whole corpus: the canonical text parses back to the same tree (spans
//! aside), formatting it again changes nothing, and checking it gives the same verdicts; the ASCII
//! text is ASCII, stable, and checks the same.

use gradproof::check::CheckOptions;
use gradproof::check_source;
use gradproof::syntax::parse_file;
use gradproof::syntax::print::{format_source, Spelling};
use std::path::{Path, PathBuf};

use crate::common;
use common::tree;

/// Every `.deriv` file of the corpus: `derivations/` (with `generated/`), `tests/`, the docs'
/// examples (`examples/`), and the course examples of `../shared/examples/` when they are here.
fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["derivations", "tests", "../shared/examples", "examples"] {
        let dir = root.join(dir);
        if !dir.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.expect("readable corpus directory");
            if entry.path().extension().is_some_and(|x| x == "deriv") {
                files.push(entry.into_path());
            }
        }
    }
    files
}

/// The report of a text, without the search for repairs: only verdicts and holds are compared,
/// and the search changes neither.
fn report_of(path: &str, source: &str) -> gradproof::FileReport {
    check_source(path, source.as_bytes(), &CheckOptions { repair: false, ..CheckOptions::default() })
}

/// Verdicts and holds of every step of a report without errors, in order.
fn verdicts(path: &str, report: &gradproof::FileReport) -> Vec<(String, bool)> {
    assert!(report.errors.is_empty(), "{path}: {:?}", report.errors);
    report.derivations.iter().flat_map(|d| &d.steps).map(|s| (s.verdict.name().to_string(), s.holds)).collect()
}

#[test]
fn fmt_round_trips_the_corpus() {
    let files = corpus();
    assert!(files.len() >= 40, "only {} files", files.len());
    let mut formatted_files = 0;
    for path in files {
        let name = path.display().to_string();
        let source = std::fs::read_to_string(&path).expect("readable corpus file");
        if !parse_file(&source).1.is_empty() {
            // Files with syntax errors on purpose are refused, with their errors.
            assert!(format_source(&source, Spelling::Canonical).is_err(), "{name}: formatted despite errors");
            continue;
        }
        formatted_files += 1;
        let canonical = format_source(&source, Spelling::Canonical).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(tree(&canonical), tree(&source), "{name}: the canonical text parses to another tree");
        assert_eq!(format_source(&canonical, Spelling::Canonical).unwrap(), canonical, "{name}: not idempotent");
        let ascii = format_source(&source, Spelling::Ascii).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(ascii.is_ascii(), "{name}: --ascii wrote {:?}", ascii.chars().find(|c| !c.is_ascii()));
        assert_eq!(format_source(&ascii, Spelling::Ascii).unwrap(), ascii, "{name}: --ascii not idempotent");
        let report = report_of(&name, &source);
        if report.errors.is_empty() {
            let before = verdicts(&name, &report);
            let canonical = verdicts(&name, &report_of(&name, &canonical));
            assert_eq!(canonical, before, "{name}: the canonical text checks differently");
            let ascii = verdicts(&name, &report_of(&name, &ascii));
            assert_eq!(ascii, before, "{name}: the ASCII text checks differently");
        }
    }
    assert!(formatted_files >= 40, "only {formatted_files} files formatted");
}

#[test]
fn fmt_of_a_file_with_errors_reports_them() {
    let errors = format_source("var x\nderive x +\n  = x\n", Spelling::Canonical).unwrap_err();
    assert!(!errors.is_empty());
}
