//! The platform kits (kits/gradescope, kits/prairielearn) run end to end with bash in temporary
//! folders laid out like Gradescope's `/autograder` and PrairieLearn's `/grade`, with the built
//! binary put where the scripts look for it; and the JSON schemas of the outputs (schemas/) are
//! the ones derived from the types, and every JSON output here is valid against them.

use crate::grade_common;

use std::path::{Path, PathBuf};
use std::process::Command;

use grade_common::{assert_valid, root, run, violations};
use serde_json::Value;
use sha2::{Digest, Sha256};

const REFERENCE: &str = "tests/grade/reference.deriv";

/// A fresh scratch folder with the given subfolders.
fn scratch(name: &str, subfolders: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gradproof-kit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in subfolders {
        std::fs::create_dir_all(dir.join(sub)).expect("scratch folder");
    }
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
}

/// Runs a script with bash and the given environment; returns its status and standard error.
fn bash(script: &Path, env: &[(&str, &Path)]) -> (i32, String) {
    let mut command = Command::new("bash");
    command.arg(script).env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("bash starts");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A platform's script for one submission, with where it finds the submission and writes.
struct Kit<'a> {
    script: PathBuf,
    env: &'a [(&'a str, &'a Path)],
    submission: PathBuf,
    results: PathBuf,
}

impl Kit<'_> {
    /// Submits the files, runs the script, and returns the results it wrote, checked against the
    /// schema.
    fn run(&self, files: &[(&str, &[u8])], schema: &str) -> Value {
        submit(&self.submission, files);
        let _ = std::fs::remove_file(&self.results);
        let (code, stderr) = bash(&self.script, self.env);
        assert_eq!(code, 0, "{}: {stderr}", self.script.display());
        let (text, doc) = read_json(&self.results);
        assert_valid(schema, &text);
        doc
    }
}

/// Empties a folder and puts the given files in it.
fn submit(dir: &Path, files: &[(&str, &[u8])]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("submission folder");
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("writable");
    }
}

fn submission(name: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/grade/submissions").join(name)).expect("a test submission")
}

fn read_json(path: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_str(&text).expect("valid JSON");
    (text, value)
}

fn reference_sha256() -> String {
    let bytes = std::fs::read(root().join(REFERENCE)).expect("the reference");
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A submission with a typo in "squared error" and the three other derivations right.
const TYPO: &str = include_str!("grade/submissions/correct.deriv");

fn with_typo() -> String {
    let typo = TYPO.replacen("= 2*(w*x + b - y) * x", "= 2(w*x + b - y) * x", 1);
    assert_ne!(typo, TYPO, "the line to break is in correct.deriv");
    typo
}

#[test]
fn the_gradescope_kit_installs_and_grades_one_submission_per_run() {
    let ag = scratch("gradescope", &["source", "submission", "results", "bin"]);
    // The autograder zip, as Gradescope extracts it into source/ (and copies run_autograder).
    copy(&root().join("kits/gradescope/setup.sh"), &ag.join("source/setup.sh"));
    copy(&root().join("kits/gradescope/run_autograder"), &ag.join("source/run_autograder"));
    copy(&root().join("kits/gradescope/run_autograder"), &ag.join("run_autograder"));
    copy(&root().join(REFERENCE), &ag.join("source/reference.deriv"));
    copy(Path::new(env!("CARGO_BIN_EXE_gradproof")), &ag.join("source/gradproof"));
    let (code, stderr) = bash(&ag.join("source/setup.sh"), &[("AUTOGRADER", &ag), ("BIN_DIR", &ag.join("bin"))]);
    assert_eq!(code, 0, "setup.sh: {stderr}");
    let installed = ag.join("bin/gradproof");
    assert!(installed.is_file(), "setup.sh installs the binary");
    let env = [("AUTOGRADER", ag.as_path()), ("GRADPROOF", installed.as_path())];
    let results = ag.join("results/results.json");
    let kit = Kit { script: ag.join("run_autograder"), env: &env, submission: ag.join("submission"), results };
    let run = |files: &[(&str, &[u8])]| kit.run(files, "gradescope.schema.json");

    let doc = run(&[("answer.deriv", &submission("correct.deriv")), ("notes.txt", b"not a derivation")]);
    assert_eq!(doc["score"], 10.0);
    assert_eq!(doc["output_format"], "md");
    assert_eq!(doc["tests"].as_array().map(Vec::len), Some(4));
    assert_eq!(doc["tests"][0]["name"], "forget gate");
    assert_eq!(doc["tests"][0]["max_score"], 4.0);
    assert_eq!(doc["tests"][0]["output_format"], "md");
    let provenance = &doc["extra_data"]["provenance"];
    assert_eq!(provenance["gradproof"], env!("CARGO_PKG_VERSION"));
    assert_eq!(provenance["reference_sha256"], reference_sha256().as_str());
    assert_eq!(provenance["seed"], gradproof::check::DEFAULT_SEED);
    assert_eq!(doc["extra_data"]["manual_review"], false);
    let output = doc["output"].as_str().unwrap_or_default();
    assert!(output.starts_with("**10 / 10 points**"), "{output}");
    assert!(output.contains(&reference_sha256()), "the provenance is shown: {output}");

    // A typo in a step costs that line as a wrong step of its own (here the answer: the final
    // share and that step's, 0.9 of 3, what a wrong answer costs); the file is flagged with the
    // reason.
    let doc = run(&[("answer.deriv", with_typo().as_bytes())]);
    assert_eq!(doc["score"], 7.9, "{doc:#}");
    assert_eq!(doc["tests"][1]["score"], 0.9);
    assert_eq!(doc["extra_data"]["manual_review"], true);
    let output = doc["output"].as_str().unwrap_or_default();
    assert!(output.contains("This submission will be looked at by a person"), "{output}");
    assert!(output.contains("missing operator between two operands (line 19)"), "{output}");

    // No derivation file, or two: 0 with the reason.
    let doc = run(&[("answer.txt", b"derive x")]);
    assert_eq!(doc["score"], 0.0);
    assert_eq!(doc["extra_data"]["gradable"], false);
    assert!(
        doc["output"]
            .as_str()
            .is_some_and(|o| o.contains("no .deriv, .tex, .latex, .md, .markdown, .ipynb files in this directory")),
        "{doc:#}"
    );
    // A scan alone: named (a TA: the student was told only what the folder does not hold).
    let doc = run(&[("scan.pdf", b"%PDF-1.4\n")]);
    assert_eq!(doc["extra_data"]["gradable"], false);
    assert!(doc["output"].as_str().is_some_and(|o| o.contains("it holds scan.pdf")), "{doc:#}");
    let doc = run(&[("a.deriv", &submission("correct.deriv")), ("b.deriv", &submission("missing.deriv"))]);
    assert_eq!(doc["score"], 0.0);
    assert!(doc["output"].as_str().is_some_and(|o| o.contains("submit exactly one")), "{doc:#}");
    assert!(doc["output"].as_str().is_some_and(|o| o.contains("2 files that could be the answer (a.deriv, b.deriv)")));
    // A TA's test: a `.deriv` answer with a README.md beside it was not graded ("the submission
    // could not be read"). The `.deriv` file is graded; a README with derivations of its own is
    // named for a person to look at, one of notes is not.
    let notes: &[u8] = b"# My answers\n\nThey are in answer.deriv.\n";
    let doc = run(&[("answer.deriv", &submission("correct.deriv")), ("README.md", notes)]);
    assert_eq!((doc["score"].clone(), doc["extra_data"]["manual_review"].clone()), (10.0.into(), false.into()));
    let math: &[u8] = b"# My answers\n\n$$\ny = 2 x\n$$\n";
    let doc = run(&[("answer.deriv", &submission("correct.deriv")), ("README.md", math)]);
    assert_eq!((doc["score"].clone(), doc["extra_data"]["manual_review"].clone()), (10.0.into(), true.into()));
    let output = doc["output"].as_str().unwrap_or_default();
    assert!(output.contains("README.md was not graded (answer.deriv was), though it holds derivations"), "{output}");
    // The second TA: an `answers.md` with a README.md beside it was refused as two answers.
    let answer: &[u8] = b"$$ \\frac{\\partial}{\\partial w} (wx + b - y)^2 = 2(wx + b - y) x $$\n";
    let doc = run(&[("answers.md", answer), ("README.md", notes)]);
    assert!(doc["output"].as_str().is_some_and(|o| !o.contains("answer files")), "{doc:#}");
    assert!(doc["score"].as_f64().is_some_and(|s| s > 0.0), "{doc:#}");
    let _ = std::fs::remove_dir_all(&ag);
}

#[test]
fn the_prairielearn_kit_grades_and_refuses_what_it_cannot_read_without_costing_an_attempt() {
    let grade = scratch("prairielearn", &["tests", "data", "results", "serve", "student"]);
    copy(&root().join("kits/prairielearn/run.sh"), &grade.join("serve/run.sh"));
    copy(&root().join(REFERENCE), &grade.join("tests/reference.deriv"));
    std::fs::write(grade.join("data/data.json"), "{}").expect("writable");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_gradproof"));
    let env = [("GRADE", grade.as_path()), ("GRADPROOF", bin.as_path())];
    let results = grade.join("results/results.json");
    let kit = Kit { script: grade.join("serve/run.sh"), env: &env, submission: grade.join("student"), results };
    let run = |files: &[(&str, &[u8])]| kit.run(files, "prairielearn.schema.json");

    let doc = run(&[("answer.deriv", &submission("correct.deriv"))]);
    assert_eq!((doc["gradable"].clone(), doc["score"].clone()), (Value::Bool(true), 1.0.into()));
    assert_eq!(doc["format_errors"], serde_json::json!([]));
    assert_eq!(doc["tests"][0]["points"], 4.0);
    assert_eq!(doc["tests"][0]["max_points"], 4.0);
    assert_eq!(doc["provenance"]["reference_sha256"], reference_sha256().as_str());

    let doc = run(&[("answer.deriv", &submission("sign_error.deriv"))]);
    assert_eq!(doc["score"], 0.82, "8.2 of 10 points");
    assert_eq!(doc["tests"][1]["points"], 1.2);

    let doc = run(&[("answer.deriv", with_typo().as_bytes())]);
    assert_eq!((doc["gradable"].clone(), doc["score"].clone()), (Value::Bool(true), 0.79.into()));
    assert_eq!(doc["manual_review"], true);

    // Not UTF-8, or errors in its only derivation: not gradable, with the errors; no score.
    for files in [
        vec![("answer.deriv", b"var x\n# caf\xe9\n".to_vec())],
        vec![("answer.deriv", submission("syntax_error.deriv"))],
        vec![],
    ] {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let doc = run(&files);
        assert_eq!(doc["gradable"], false, "{doc:#}");
        assert!(doc.get("score").is_none(), "{doc:#}");
        let errors = doc["format_errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty(), "{doc:#}");
        assert_eq!(doc["tests"], serde_json::json!([]));
    }
    let _ = std::fs::remove_dir_all(&grade);
}

#[test]
fn the_committed_schemas_are_the_generated_ones() {
    // `UPDATE_SCHEMAS=1 cargo test --release --test suite grade_kits::` writes them after a change of
    // the output types.
    for (name, text) in gradproof::report::grade_schemas() {
        let path = root().join("schemas").join(name);
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::create_dir_all(root().join("schemas")).expect("schemas/");
            std::fs::write(&path, &text).expect("writable");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "schemas/{name} differs from the types: run `UPDATE_SCHEMAS=1 cargo test --release --test suite grade_kits::`"
        );
    }
}

#[test]
fn the_schemas_reject_what_the_platforms_would_not_read() {
    let bad = [
        (
            "prairielearn.schema.json",
            r#"{"gradable": true, "score": 1.5, "message": "", "output": "", "format_errors": [], "tests": [], "manual_review": false, "review_reasons": [], "provenance": {"gradproof": "0", "seed": 1, "reference": "r", "reference_sha256": "0"}}"#,
        ),
        ("prairielearn.schema.json", r#"{"gradable": "yes"}"#),
        ("gradescope.schema.json", r#"{"score": "10", "output": ""}"#),
        ("grade.schema.json", r#"{"version": 1, "submissions": [{"path": 3}]}"#),
    ];
    for (schema, text) in bad {
        assert!(!violations(schema, text).is_empty(), "{schema} accepts {text}");
    }
}

#[test]
fn the_json_and_prairielearn_outputs_of_the_test_batch_are_valid_against_their_schemas() {
    let (code, stdout, _) = run(&["grade", "tests/grade/submissions", "--reference", REFERENCE, "--format", "json"]);
    assert_eq!(code, 0);
    assert_valid("grade.schema.json", &stdout);
    let doc: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(doc["provenance"]["reference_sha256"], reference_sha256().as_str());
    assert_eq!(doc["provenance"]["reference"], REFERENCE);
    for name in ["correct", "mistakes", "syntax_error"] {
        let path = format!("tests/grade/submissions/{name}.deriv");
        let (code, stdout, _) = run(&["grade", &path, "--reference", REFERENCE, "--format", "prairielearn"]);
        assert_eq!(code, 0);
        assert_valid("prairielearn.schema.json", &stdout);
    }
}

#[test]
fn results_is_for_one_submission_of_a_platform_format() {
    let (code, stdout, stderr) = run(&[
        "grade",
        "tests/grade/submissions/correct.deriv",
        "--reference",
        REFERENCE,
        "--format",
        "csv",
        "--results",
        "x.json",
    ]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("`--results FILE` is for `--format gradescope` or `--format prairielearn`"), "{stderr}");
    let (code, _, stderr) = run(&["grade", "no_such.deriv", "--reference", REFERENCE, "--format", "gradescope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("needs `--out DIR` (or `--results FILE` for one submission)"), "{stderr}");
    assert!(!stderr.contains("cannot read"), "refused before any grading: {stderr}");
}
