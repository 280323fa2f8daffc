//! The transcripts in the README and docs/ (a fenced block starting with `$ gradproof …`) are run
//! and must print what the docs show, so that the docs cannot drift from the tool.

use std::path::Path;
use std::process::Command;

/// One transcript: where it is, the arguments after `gradproof`, and the output shown.
struct Transcript {
    place: String,
    args: Vec<String>,
    shown: String,
}

/// The words of a command line, with double quotes grouping words.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

fn transcripts(file: &str) -> Vec<Transcript> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(file)).expect("readable doc");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(command) = line.strip_prefix("$ gradproof ") else { continue };
        if i == 0 || !lines[i - 1].starts_with("```") {
            continue;
        }
        let shown: Vec<&str> = lines[i + 1..].iter().take_while(|l| !l.starts_with("```")).copied().collect();
        out.push(Transcript { place: format!("{file}:{}", i + 1), args: words(command), shown: shown.join("\n") });
    }
    out
}

/// The text without the spaces at the ends of its lines (the human report pads its columns).
fn tidy(text: &str) -> String {
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string()
}

#[test]
fn the_transcripts_of_the_docs_are_what_the_tool_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for file in ["README.md", "docs/language.md", "docs/derive.md", "docs/grading.md", "docs/mistakes.md"] {
        all.extend(transcripts(file));
    }
    assert!(all.len() >= 8, "the docs' transcripts were found ({})", all.len());
    let mut drifted = Vec::new();
    for t in &all {
        let out = Command::new(env!("CARGO_BIN_EXE_gradproof"))
            .args(&t.args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .expect("the binary runs");
        let printed = tidy(&String::from_utf8_lossy(&out.stdout));
        let shown = tidy(&t.shown);
        // A transcript that starts with `…` shows the end of the output only.
        let same = match shown.strip_prefix("…\n") {
            Some(tail) => printed.ends_with(tail),
            None => printed == shown,
        };
        if !same {
            drifted.push(format!("{}:\n--- shown\n{shown}\n--- printed\n{printed}", t.place));
        }
    }
    assert!(drifted.is_empty(), "{} of {} transcripts drifted:\n{}", drifted.len(), all.len(), drifted.join("\n\n"));
}

/// Every invariant in docs/architecture.md names the tests that hold it (`*Held by*`), and every
/// test it names exists: `tests/FILE.rs` (`test_name`, …) must name functions of that file.
#[test]
fn every_invariant_names_tests_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let section = doc.split("## Invariants\n").nth(1).expect("an Invariants section");
    let section = section.split("\n## ").next().unwrap();
    let items: Vec<&str> = section.split("\n- ").skip(1).collect();
    assert!(items.len() >= 10, "found {} invariants", items.len());
    let mut named = 0;
    for item in &items {
        let held = item.split("*Held by*").nth(1);
        assert!(held.is_some(), "an invariant without the tests that hold it: {item}");
        let held = held.unwrap().replace('\n', " ");
        // `tests/FILE.rs` followed by an optional parenthesis of `names`.
        let mut rest = held.as_str();
        while let Some(at) = rest.find("`tests/") {
            rest = &rest[at + 1..];
            let file = &rest[..rest.find('`').unwrap()];
            let text =
                std::fs::read_to_string(root.join(file)).unwrap_or_else(|_| panic!("{file} is named but missing"));
            rest = &rest[file.len() + 1..];
            let after = rest.trim_start();
            if let Some(list) = after.strip_prefix('(') {
                let list = &list[..list.find(')').unwrap()];
                for name in list.split('`').skip(1).step_by(2) {
                    if name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                        assert!(text.contains(&format!("fn {name}(")), "{file} has no test `{name}`");
                        named += 1;
                    }
                }
            }
        }
    }
    assert!(named >= 15, "only {named} tests are named");
}
