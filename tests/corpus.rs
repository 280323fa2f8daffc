//! The corpus: every derivation in `derivations/` comes out as its annotations say, and its report
//! is snapshotted; the course examples in `../shared/examples/` come out as annotated too.

mod common;

use common::{assert_directory, check_file, deriv_files};
use gradproof::report::{render_human, render_json, HumanOptions};
use std::path::Path;

#[test]
fn corpus_verdicts_match_annotations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations");
    assert!(deriv_files(&dir).len() >= 15, "the corpus is too small");
    let steps = assert_directory(&dir, "derivations", true);
    assert!(steps >= 200, "only {steps} steps in the corpus");
}

#[test]
fn corpus_reports_are_stable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations");
    for path in deriv_files(&dir) {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let report = check_file(&path, &format!("derivations/{name}"));
        insta::assert_snapshot!(
            format!("report__{stem}"),
            render_human(&[report], HumanOptions { color: false, explain: true })
        );
    }
}

#[test]
fn json_report_has_the_contract_fields() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations/lstm_forget_gate.deriv");
    let report = check_file(&path, "derivations/lstm_forget_gate.deriv");
    let json: serde_json::Value = serde_json::from_str(&render_json(&[report])).unwrap();
    assert_eq!(json["version"], 1);
    let file = &json["files"][0];
    assert_eq!(file["path"], "derivations/lstm_forget_gate.deriv");
    let step = &file["derivations"][0]["steps"][0];
    for field in ["index", "line", "relation", "verdict", "holds", "note", "detail", "counterexample", "cause"] {
        assert!(step.get(field).is_some(), "step lacks `{field}`: {step}");
    }
    for field in ["steps", "proved", "checked", "wrong", "undetermined", "files_with_errors"] {
        assert!(json["summary"].get(field).is_some(), "summary lacks `{field}`");
    }
}

#[test]
fn shared_examples_match_annotations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/examples");
    if !dir.is_dir() {
        eprintln!("../shared/examples is not here; skipping the course examples");
        return;
    }
    assert_directory(&dir, "examples", false);
}

#[test]
fn egg_math_cases_match_annotations() {
    // egg's tests/math.rs equalities, restated in our language.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/egg_math");
    assert!(deriv_files(&dir).len() >= 4);
    assert_directory(&dir, "egg_math", true);
}

#[test]
fn reports_are_deterministic() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations/softmax_cross_entropy.deriv");
    let a = render_human(&[check_file(&path, "a")], HumanOptions::default());
    let b = render_human(&[check_file(&path, "a")], HumanOptions::default());
    assert_eq!(a, b);
}
