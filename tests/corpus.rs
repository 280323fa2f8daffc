//! The corpus: every derivation in `derivations/` comes out as its annotations say, and its report
//! is snapshotted; the course examples in `../shared/examples/` come out as annotated too.

use crate::common;

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
    for field in
        ["index", "line", "relation", "verdict", "holds", "note", "detail", "counterexample", "cause", "cause_data"]
    {
        assert!(step.get(field).is_some(), "step lacks `{field}`: {step}");
    }
    for field in ["steps", "proved", "checked", "wrong", "undetermined", "files_with_errors"] {
        assert!(json["summary"].get(field).is_some(), "summary lacks `{field}`");
    }
}

#[test]
fn json_report_gives_the_cause_as_data() {
    // Each derivation has one wrong step whose mistake is known by hand: a sign, a factor of 1/2
    // (2x written x), a factor that is no small fraction (1.7x for 2x: 0.85), a sign with a factor
    // (-x for 2x: -1/2), a new free index, and a transposed 2x3 matrix.
    let source = "var x\nindex i in 1..n\nvar a[i]\nvar A: 2 x 3\n\
                  derive diff(x^2, x)\n  = -2*x\n\
                  derive diff(x^2, x)\n  = x\n\
                  derive diff(x^2, x)\n  = 1.7*x\n\
                  derive diff(x^2, x)\n  = -x\n\
                  derive sum(i, a[i])\n  = a[i]\n\
                  derive A\n  = A^T\n";
    let report = gradproof::check_source("causes.deriv", source.as_bytes(), &Default::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let json: serde_json::Value = serde_json::from_str(&render_json(&[report])).unwrap();
    let step = |d: usize| json["files"][0]["derivations"][d]["steps"][0].clone();
    for d in 0..6 {
        assert_eq!(step(d)["verdict"], "wrong", "derivation {d}: {}", step(d));
    }
    let fraction =
        |numerator: i64, denominator: i64| serde_json::json!({ "numerator": numerator, "denominator": denominator });

    assert_eq!(step(0)["cause"], "sign error");
    assert_eq!(step(0)["cause_data"], serde_json::json!({ "kind": "sign" }));

    assert_eq!(step(1)["cause"], "off by a factor of 1/2");
    assert_eq!(
        step(1)["cause_data"],
        serde_json::json!({ "kind": "factor", "factor": 0.5, "fraction": fraction(1, 2) })
    );

    assert_eq!(step(2)["cause"], "off by a constant factor 0.85");
    let float_factor = &step(2)["cause_data"];
    assert_eq!(float_factor["kind"], "factor");
    assert!((float_factor["factor"].as_f64().unwrap() - 0.85).abs() < 1e-9, "{float_factor}");
    assert_eq!(float_factor["fraction"], serde_json::Value::Null);

    assert_eq!(step(3)["cause"], "sign error and off by a factor of 1/2");
    assert_eq!(
        step(3)["cause_data"],
        serde_json::json!({ "kind": "sign_and_factor", "factor": -0.5, "fraction": fraction(-1, 2) })
    );

    assert_eq!(step(4)["cause"], "index `i` is free in this step but not in the head");
    // The culprit: the `i` of `a[i]`, line 14 column 7 (`  = a[i]`).
    assert_eq!(
        step(4)["cause_data"],
        serde_json::json!({ "kind": "free_index", "index": "i", "against": "head", "line": 14, "column": 7 })
    );

    assert_eq!(step(5)["cause"], "shape mismatch: 2x3 and 3x2");
    assert_eq!(
        step(5)["cause_data"],
        serde_json::json!({ "kind": "shape_mismatch", "before": ["2", "3"], "step": ["3", "2"] })
    );
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
