//! The memo of a `grade` run (docs/grading.md, "The memo"): a derivation checked, or its repairs
//! searched, once and replayed wherever the same thing recurs, and a line parsed once, change no
//! byte of any output. Graded with and without the memo, on one thread and on two, in shards
//! merged and in one run, a batch of the test submissions written again and again (under headers
//! of other lengths, every fifth with one more wrong constant, every seventh with a wrong constant
//! of its own in one derivation) gives the same bytes. The 3,000 submissions of
//! docs/scale.md ("Speed") are checked the same way by the ignored test at the end
//! (`cargo test --release --test suite grade_memo:: -- --ignored`).

use crate::grade_common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use grade_common::root;
use gradproof::check::CheckOptions;
use gradproof::commands::grade::{grade_paths, load_reference};
use gradproof::grade::{GradeOptions, Provenance, Reference};
use gradproof::report::{render_batch_csv, render_batch_human, render_batch_json, BatchInfo, GradeRecord};

const REFERENCE: &str = "tests/grade/reference.deriv";

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    grade_common::scratch("memo", name)
}

/// Writes `n` submissions: the test submissions in turn, under headers of several lengths (none,
/// one line, two lines and a blank one), every fifth with one more wrong constant, every seventh
/// with a wrong constant that few others have.
fn generate(dir: &Path, n: usize) -> PathBuf {
    let samples = root().join("tests/grade/submissions");
    let mut bases: Vec<(String, String)> = std::fs::read_dir(&samples)
        .expect("the test submissions")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "deriv"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("readable")))
        .collect();
    bases.sort();
    let batch = dir.join("batch");
    std::fs::create_dir_all(&batch).expect("a batch directory");
    for i in 0..n {
        let header = match i % 3 {
            0 => format!("# student {i}\n"),
            1 => format!("# student {i}\n# group {}\n\n", i % 7),
            _ => String::new(),
        };
        let mut text = format!("{header}{}", bases[i % bases.len()].1);
        if i % 5 == 0 {
            text = text.replace("x^2*exp(x)\n", "3*x^2*exp(x)\n");
        }
        if i % 7 == 3 {
            // A wrong constant of its own, one digit or two: a file like no other, whose other
            // derivations' repairs are replayed (by derivation) at other offsets.
            text = text.replacen("= 2*x*exp(x) + x^2*exp(x)", &format!("= {}*x*exp(x) + x^2*exp(x)", 3 + i % 11), 1);
        }
        std::fs::write(batch.join(format!("student_{i:04}.deriv")), text).expect("writable");
    }
    batch
}

/// The batch graded in process against `reference`: its human, JSON and CSV outputs.
fn outputs(batch: &Path, reference: &Arc<Reference>) -> [String; 3] {
    let reference_path = root().join(REFERENCE);
    let options = GradeOptions::default();
    let provenance = Provenance::new(reference, &options);
    let grades = grade_paths(&[batch.to_path_buf()], reference, &options, Some(&reference_path));
    let info = BatchInfo::new(reference, &provenance);
    let records = GradeRecord::all(&grades, &provenance, false);
    [render_batch_human(&records, &info), render_batch_json(&records, &info), render_batch_csv(&records, &info)]
}

fn reference(memo: bool) -> Arc<Reference> {
    let mut reference = load_reference(&root().join(REFERENCE), &CheckOptions::default()).expect("the reference");
    if !memo {
        reference.memo = None;
    }
    Arc::new(reference)
}

/// Runs the binary in the project's folder: its status and stdout.
fn run(args: &[&str]) -> (i32, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradproof"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .expect("the binary starts");
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// The binary's outputs of the batch: with `--jobs 1` and `--jobs 2`, and in two shards merged.
fn binary_outputs_agree(dir: &Path, batch: &Path) {
    let b = batch.display().to_string();
    for format in ["json", "csv"] {
        let (s1, one) = run(&["grade", &b, "--reference", REFERENCE, "--format", format, "--jobs", "1"]);
        let (s2, two) = run(&["grade", &b, "--reference", REFERENCE, "--format", format, "--jobs", "2"]);
        assert_eq!((s1, s2), (0, 0));
        assert!(!one.is_empty());
        assert!(one == two, "{format}: --jobs 1 and --jobs 2 differ");
        let mut files = Vec::new();
        for k in 0..2 {
            let file = dir.join(format!("shard-{k}-{format}.jsonl")).display().to_string();
            let shard = format!("{k}/2");
            let (status, _) = run(&[
                "grade",
                &b,
                "--reference",
                REFERENCE,
                "--format",
                "jsonl",
                "--shard",
                &shard,
                "--output",
                &file,
            ]);
            assert_eq!(status, 0);
            files.push(file);
        }
        let mut args = vec!["merge", "--format", format];
        args.extend(files.iter().map(String::as_str));
        let (status, merged) = run(&args);
        assert_eq!(status, 0);
        assert!(merged == one, "{format}: two shards merged differ from one run");
    }
}

#[test]
fn the_memo_changes_no_byte_of_any_output() {
    let dir = scratch("bytes");
    let batch = generate(&dir, 60);
    let with = reference(true);
    let fresh = outputs(&batch, &reference(false));
    let memoised = outputs(&batch, &with);
    for (format, (a, b)) in ["human", "json", "csv"].iter().zip(fresh.iter().zip(&memoised)) {
        assert!(a == b, "{format}: the outputs with and without the memo differ");
    }
    // The comparison is worth something only if results were replayed: every submission is
    // written seven or more times.
    let memo = with.memo.as_ref().expect("a memo");
    assert!(memo.checks.hits() > 100, "{} checks replayed", memo.checks.hits());
    assert!(memo.repair_hits() > 10, "{} searches for repairs replayed", memo.repair_hits());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_thread_two_threads_and_two_shards_merged_give_the_same_bytes() {
    let dir = scratch("jobs");
    let batch = generate(&dir, 40);
    binary_outputs_agree(&dir, &batch);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 3,000 submissions of docs/scale.md ("Speed"): about 35 s of CPU without the memo, so not
/// run by default.
#[test]
#[ignore = "grades 3,000 submissions five times (about a minute of CPU)"]
fn three_thousand_submissions_give_the_same_bytes_with_and_without_the_memo() {
    let dir = scratch("3000");
    let batch = generate(&dir, 3000);
    let fresh = outputs(&batch, &reference(false));
    let memoised = outputs(&batch, &reference(true));
    for (format, (a, b)) in ["human", "json", "csv"].iter().zip(fresh.iter().zip(&memoised)) {
        assert!(a == b, "{format}: the outputs with and without the memo differ");
    }
    binary_outputs_agree(&dir, &batch);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two identical submissions in one batch read the same feedback: the second one's repairs are
/// replayed, and the search had set the likely cause aside for the repair ("differs only when
/// n ≥ 2" beside "the chain-rule factor `1 / sqrt(dk)` is missing"); the replay set it aside too
/// only after a TA tester found the two students reading different causes.
#[test]
fn a_replayed_search_sets_the_same_causes_aside() {
    let (status, out) = run(&[
        "grade",
        "tests/data/memo_cause/batch",
        "--reference",
        "tests/data/memo_cause/reference.deriv",
        "--format",
        "json",
        "--jobs",
        "1",
    ]);
    assert_eq!(status, 0);
    let json: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let steps: Vec<&serde_json::Value> =
        json["submissions"].as_array().expect("submissions").iter().map(|s| &s["derivations"][0]["steps"]).collect();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0], steps[1]);
    let repaired = steps[0].as_array().expect("steps").iter().find(|s| !s["repair"].is_null()).expect("a repair");
    assert!(repaired["repair"].to_string().contains("sqrt(dk)"), "{repaired}");
    assert!(repaired["cause"].is_null(), "{repaired}");
}

/// The lines not read before a step are each submission's own when the result is replayed from
/// another's (a TA: the JSON named the first submission's lines for the second, and which was
/// graded first, by thread, decided the bytes). Two submissions with one unread line each, at
/// lines that differ by the length of a header: each says its own lines, at one thread and at four.
#[test]
fn a_replayed_result_names_its_own_unread_lines() {
    let dir = scratch("after_unread");
    let reference = dir.join("ref.deriv");
    std::fs::write(
        &reference,
        "var mu1, mu2, lv2\nlet KL = 1/2 * ((mu1 - mu2)^2 / exp(lv2))\n\
         derive \"KL mean\" worth 2 diff(KL, mu1)\n  = 1/2 * diff((mu1 - mu2)^2, mu1) / exp(lv2)\n  = (mu1 - mu2) / exp(lv2)\n",
    )
    .expect("writable");
    let body = "derive \"KL mean\" diff(KL, mu1)\n  = 2(mu1 - mu2) / (2 * exp(lv2))\n  = (mu1 - mu2) / exp(lv2)\n";
    std::fs::write(dir.join("a.deriv"), format!("# a\n{body}")).expect("writable");
    std::fs::write(dir.join("b.deriv"), format!("# b\n# two lines more\n\n{body}")).expect("writable");
    let lines = |jobs: &str| {
        let (a, b) = (dir.join("a.deriv"), dir.join("b.deriv"));
        let args = ["grade", a.to_str().unwrap(), b.to_str().unwrap(), "--reference", reference.to_str().unwrap()];
        let (code, out, err) = grade_common::run(&[&args[..], &["--format", "json", "--jobs", jobs]].concat());
        assert_eq!(code, 0, "{err}");
        let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let mut found = Vec::new();
        for s in json["submissions"].as_array().expect("submissions") {
            for d in s["derivations"].as_array().expect("derivations") {
                for step in d["steps"].as_array().into_iter().flatten() {
                    if let Some(gap) = step.get("after_unread").filter(|g| !g.is_null()) {
                        found.push((gap["unread_line"].as_u64(), gap["compared_line"].as_u64()));
                    }
                }
            }
        }
        (found, out)
    };
    let (one, out_one) = lines("1");
    // a: the `derive` line is line 2, the unread step line 3; b: two lines further down.
    assert_eq!(one, [(Some(3), Some(2)), (Some(5), Some(4))], "{out_one}");
    let (four, out_four) = lines("4");
    assert_eq!(out_one, out_four);
    assert_eq!(one, four);
}
