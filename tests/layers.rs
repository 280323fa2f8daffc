//! The layers stay apart (docs/architecture.md, "Invariants"), in the manner of rust-analyzer's
//! tidy tests: which part of `src/` may use which, and where egg, clap and printing may appear.
//! Adding an import against the pipeline makes this test fail and name the file.

use std::path::{Path, PathBuf};

/// Each part of the library and the parts it may use. The pipeline runs down this list: text,
/// model, numbers and proofs, verdicts, then what is built on them; the binary's layer is last.
const LAYERS: &[(&str, &[&str])] = &[
    ("diagnostic", &[]),
    ("work", &[]),
    ("builtin", &[]),
    ("threads", &[]),
    ("syntax", &["diagnostic", "builtin", "threads"]),
    ("latex", &["diagnostic", "builtin", "syntax"]),
    ("model", &["diagnostic", "builtin", "syntax"]),
    ("numeric", &["diagnostic", "builtin", "syntax", "model", "work"]),
    ("prove", &["diagnostic", "builtin", "syntax", "model", "numeric", "work"]),
    ("check", &["diagnostic", "syntax", "model", "numeric", "prove", "work", "threads"]),
    ("localise", &["diagnostic", "builtin", "syntax", "model", "check", "derive", "work", "threads"]),
    ("source", &["diagnostic", "syntax", "latex", "model", "check", "localise", "work"]),
    ("grade", &["diagnostic", "syntax", "latex", "model", "check", "localise", "source", "work"]),
    ("derive", &["diagnostic", "builtin", "syntax", "model", "check", "work"]),
    ("report", &["diagnostic", "builtin", "syntax", "latex", "model", "check", "grade", "source"]),
    ("serve", &["diagnostic", "syntax", "latex", "check", "source", "report", "work"]),
    ("cli", &["check"]),
    (
        "commands",
        &[
            "diagnostic",
            "syntax",
            "latex",
            "model",
            "check",
            "source",
            "grade",
            "derive",
            "report",
            "serve",
            "cli",
            "work",
        ],
    ),
];

/// The Rust files of one part: `src/NAME.rs` or the files under `src/NAME/`.
fn files_of(part: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let single = src.join(format!("{part}.rs"));
    let mut out = Vec::new();
    if single.is_file() {
        out.push(single);
    }
    let mut dirs = vec![src.join(part)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The parts of the library a file names through `crate::`.
fn parts_used(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string()
}

#[test]
fn every_part_of_src_is_in_the_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).expect("src") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().expect("a name").to_string_lossy().into_owned();
        if ["lib", "main"].contains(&name.as_str()) {
            continue;
        }
        assert!(LAYERS.iter().any(|(part, _)| *part == name), "src/{name} has no place in LAYERS");
    }
}

#[test]
fn no_part_uses_one_it_may_not() {
    let mut wrong = Vec::new();
    for (part, allowed) in LAYERS {
        let files = files_of(part);
        assert!(!files.is_empty(), "no files for {part}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for used in parts_used(&text) {
                if used != *part && !allowed.contains(&used.as_str()) {
                    wrong.push(format!("{} uses crate::{used}", relative(&file)));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn egg_clap_and_printing_stay_where_they_belong() {
    let mut wrong = Vec::new();
    for (part, _) in LAYERS {
        for file in files_of(part) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            let name = relative(&file);
            if text.contains("egg::") && !["prove", "derive"].contains(part) {
                wrong.push(format!("{name} uses egg (only prove/ and derive/ may)"));
            }
            if text.contains("clap::") && !["cli", "commands"].contains(part) {
                wrong.push(format!("{name} uses clap (only cli.rs and commands/ may)"));
            }
            let prints = ["print!(", "println!(", "eprint!(", "eprintln!("].iter().any(|m| text.contains(m));
            if prints && *part != "commands" {
                wrong.push(format!("{name} prints (only commands/ and main.rs may)"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The integration tests are one binary, `tests/suite.rs` (`autotests = false` in Cargo.toml):
/// a file of `tests/` that it does not declare as a module would never be compiled or run.
#[test]
fn every_file_of_the_tests_is_a_module_of_the_suite() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let suite = std::fs::read_to_string(tests.join("suite.rs")).expect("tests/suite.rs");
    let declared: Vec<&str> = suite.lines().filter_map(|line| line.strip_prefix("mod ")?.strip_suffix(';')).collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&tests).expect("tests/") {
        let path = entry.expect("entry").path();
        let module =
            // (A folder with a `main.rs` was a test of its own before `autotests = false`: it is
            // named too, to be made a module with a `mod.rs`.)
            if path.is_dir() {
                path.join("mod.rs").is_file() || path.join("main.rs").is_file()
            } else {
                path.extension().is_some_and(|e| e == "rs")
            };
        let name = path.file_stem().expect("a name").to_string_lossy().into_owned();
        if module && name != "suite" && !declared.contains(&name.as_str()) {
            missing.push(relative(&path));
        }
    }
    missing.sort();
    assert!(declared.len() > 30, "tests/suite.rs declares {} modules", declared.len());
    assert!(missing.is_empty(), "not declared in tests/suite.rs, so never run: {}", missing.join(", "));
}
