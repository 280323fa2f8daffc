//! Helpers of the tests of `grade`: the binary run in the project's folder, and validation of
//! the JSON outputs against the committed schemas (schemas/*.json).
#![allow(dead_code)] // a helper may outlive its last use

use std::path::Path;
use std::process::Command;

/// The project's folder.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory of one test's own (`tag`: the test file), emptied first.
pub fn scratch(tag: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gradproof-{tag}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Runs the binary in the project's folder, without colour: its status, stdout and stderr.
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradproof"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary starts");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The violations of `schemas/{schema}` by the JSON `text`.
pub fn violations(schema: &str, text: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(schema);
    let schema_text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema_value: serde_json::Value = serde_json::from_str(&schema_text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema_value).expect("the schema is a valid JSON schema");
    let instance: serde_json::Value = serde_json::from_str(text).expect("the output is JSON");
    validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path)).collect()
}

/// Asserts that `text` is JSON valid against `schemas/{schema}`, naming every violation.
pub fn assert_valid(schema: &str, text: &str) {
    let errors = violations(schema, text);
    assert!(errors.is_empty(), "not valid against {schema}: {errors:#?}\n{text}");
}
