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
    for file in ["README.md", "docs/language.md", "docs/derive.md", "docs/grading.md"] {
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
