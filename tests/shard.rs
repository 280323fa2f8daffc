//! Batches split into shards and joined again (docs/scale.md): `grade --shard K/N --format jsonl`
//! on every shard, then `gradproof merge`, writes what one unsharded `grade` writes, byte for byte
//! and with the same exit status; a run killed mid-line resumes to the same result. A property
//! test joins random splits of a graded batch, in random orders, cut at random bytes and resumed.

use crate::grade_common;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use grade_common::root;
use gradproof::check::CheckOptions;
use gradproof::commands::grade::{grade_paths, load_reference};
use gradproof::commands::shard::{self, Header, Settings, Shard, JSONL_VERSION};
use gradproof::grade::{GradeOptions, Provenance};
use gradproof::report::{render_batch_csv, render_batch_human, render_batch_json, BatchInfo, GradeRecord};
use proptest::prelude::*;

const REFERENCE: &str = "tests/grade/reference.deriv";

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    grade_common::scratch("shard", name)
}

/// A batch laid out as a course's: the test submissions at the top, two of them again in
/// folders of their own (so two share a file name), and a file that is not UTF-8.
fn batch(dir: &Path) -> PathBuf {
    let batch = dir.join("batch");
    std::fs::create_dir_all(batch.join("alice")).unwrap();
    std::fs::create_dir_all(batch.join("bob")).unwrap();
    let samples = root().join("tests/grade/submissions");
    for entry in std::fs::read_dir(&samples).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, batch.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(samples.join("correct.deriv"), batch.join("alice/correct.deriv")).unwrap();
    std::fs::copy(samples.join("sign_error.deriv"), batch.join("bob/correct.deriv")).unwrap();
    std::fs::write(batch.join("latin1.deriv"), b"var x\n# caf\xe9\n").unwrap();
    batch
}

/// Runs the binary in the project's folder, without colour, with `env`: status, stdout, stderr.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<u8>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gradproof"));
    command.args(args).current_dir(root()).env("NO_COLOR", "1");
    for name in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let out = command.output().expect("the binary starts");
    (out.status.code().unwrap_or(-1), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn run(args: &[&str]) -> (i32, Vec<u8>, String) {
    run_with(args, &[])
}

fn text(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Every file under `dir`, by its path under it, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .map(|p| (p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn shards_merged_write_what_one_unsharded_run_writes() {
    let dir = scratch("merge");
    let batch = batch(&dir);
    let b = text(&batch);
    for n in [1, 3] {
        let mut files = Vec::new();
        for k in 0..n {
            let file = dir.join(format!("shard-{k}-of-{n}.jsonl"));
            let shard = format!("{k}/{n}");
            let (status, stdout, stderr) = run(&[
                "grade",
                b,
                "--reference",
                REFERENCE,
                "--format",
                "jsonl",
                "--shard",
                &shard,
                "--output",
                text(&file),
            ]);
            assert!(stdout.is_empty(), "the lines go to --output");
            // latin1.deriv cannot be read as UTF-8: graded 0 and flagged, not unreadable.
            assert_eq!(status, 0, "{stderr}");
            files.push(file.display().to_string());
        }
        for format in ["human", "json", "csv"] {
            let (status, unsharded, _) = run(&["grade", b, "--reference", REFERENCE, "--format", format]);
            let mut args = vec!["merge", "--format", format];
            args.extend(files.iter().map(String::as_str));
            let (merged_status, merged, stderr) = run(&args);
            assert_eq!(merged_status, status, "{stderr}");
            assert!(!unsharded.is_empty());
            assert!(
                merged == unsharded,
                "{n} shards, {format}:\n--- merged\n{}\n--- unsharded\n{}",
                String::from_utf8_lossy(&merged),
                String::from_utf8_lossy(&unsharded)
            );
        }
        let (one, many) = (dir.join(format!("gradescope-{n}")), dir.join(format!("gradescope-merged-{n}")));
        let (s1, _, e1) = run(&["grade", b, "--reference", REFERENCE, "--format", "gradescope", "--out", text(&one)]);
        let mut args = vec!["merge", "--format", "gradescope", "--out", text(&many)];
        args.extend(files.iter().map(String::as_str));
        let (s2, _, e2) = run(&args);
        assert_eq!((s1, s2), (0, 0), "{e1}{e2}");
        let (t1, t2) = (tree(&one), tree(&many));
        assert_eq!(t1.len(), 11, "one results.json per submission: {:?}", t1.iter().map(|t| &t.0).collect::<Vec<_>>());
        assert!(t1 == t2, "the Gradescope folders differ");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_submission_is_in_exactly_one_shard_whatever_the_order_of_the_arguments() {
    let dir = scratch("partition");
    let batch = batch(&dir);
    let b = text(&batch);
    let paths = |k: usize| -> Vec<String> {
        let (status, stdout, stderr) =
            run(&["grade", b, "--reference", REFERENCE, "--format", "jsonl", "--shard", &format!("{k}/4")]);
        assert_eq!(status, 0, "{stderr}");
        let text = String::from_utf8(stdout).unwrap();
        text.lines()
            .skip(1)
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["path"].to_string())
            .collect()
    };
    let mut all: Vec<String> = (0..4).flat_map(paths).collect();
    all.sort();
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(all.len(), 11);
    assert_eq!(unique.len(), 11, "{all:?}");
    // A shard is decided by the path under the directory: the same files given one by one fall
    // into the same shards.
    let (_, by_directory, _) = run(&["grade", b, "--reference", REFERENCE, "--format", "csv", "--shard", "1/4"]);
    let top: Vec<String> = ["correct", "mistakes", "renamed", "missing"]
        .iter()
        .map(|n| batch.join(format!("{n}.deriv")).display().to_string())
        .collect();
    let mut args = vec!["grade", "--reference", REFERENCE, "--format", "csv", "--shard", "1/4"];
    args.extend(top.iter().map(String::as_str));
    let (_, by_file, _) = run(&args);
    let rows = |out: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(out).lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect()
    };
    let in_shard: Vec<String> = rows(&by_directory).into_iter().filter(|p| top.contains(p)).collect();
    assert_eq!(rows(&by_file), in_shard);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn auto_takes_the_shard_from_kubernetes_or_slurm_and_refuses_without_either() {
    let dir = scratch("auto");
    let batch = batch(&dir);
    let b = text(&batch);
    let args = ["grade", b, "--reference", REFERENCE, "--format", "csv", "--shard"];
    let (_, fixed, _) = run(&[&args[..], &["2/3"]].concat());
    let (s1, kubernetes, _) = run_with(&[&args[..], &["auto/3"]].concat(), &[("JOB_COMPLETION_INDEX", "2")]);
    let (s2, slurm, _) =
        run_with(&[&args[..], &["auto/3"]].concat(), &[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1")]);
    assert_eq!((s1, s2), (0, 0));
    assert_eq!(kubernetes, fixed);
    assert_eq!(slurm, fixed);
    let (status, stdout, stderr) = run(&[&args[..], &["auto/3"]].concat());
    assert_eq!(status, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("neither is set"), "{stderr}");
    let (status, _, stderr) = run_with(&[&args[..], &["auto/3"]].concat(), &[("JOB_COMPLETION_INDEX", "3")]);
    assert_eq!(status, 2);
    assert!(stderr.contains("numbered 0 to 2"), "{stderr}");
    let (status, _, stderr) = run(&[&args[..], &["3/3"]].concat());
    assert_eq!(status, 2);
    assert!(stderr.contains("shard 3 of 3 does not exist"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_killed_mid_line_resumes_without_grading_again_what_it_wrote() {
    let dir = scratch("resume");
    let batch = batch(&dir);
    let b = text(&batch);
    let file = dir.join("all.jsonl");
    let f = text(&file);
    let grade = |extra: &[&str]| {
        let mut args = vec!["grade", b, "--reference", REFERENCE, "--format", "jsonl", "--output", f, "--jobs", "2"];
        args.extend(extra);
        run(&args)
    };
    let (status, _, stderr) = grade(&[]);
    assert_eq!(status, 0, "{stderr}");
    let whole = std::fs::read(&file).unwrap();
    let (_, unsharded, _) = run(&["grade", b, "--reference", REFERENCE, "--format", "json"]);
    // Killed while writing the fifth line: the header, three records and half of a fourth.
    let ends: Vec<usize> = whole.iter().enumerate().filter(|(_, &c)| c == b'\n').map(|(i, _)| i + 1).collect();
    let cut = ends[3] + (ends[4] - ends[3]) / 2;
    std::fs::write(&file, &whole[..cut]).unwrap();
    let (status, _, stderr) = run(&["merge", "--format", "json", f]);
    assert_eq!(status, 2);
    assert!(stderr.contains("incomplete: 3 of its 11 submissions, and its last line is torn"), "{stderr}");
    let (status, _, stderr) = grade(&["--resume"]);
    assert_eq!(status, 0, "{stderr}");
    let resumed = std::fs::read(&file).unwrap();
    assert!(resumed.starts_with(&whole[..ends[3]]), "the whole lines written before are kept as they were");
    assert_eq!(resumed.iter().filter(|&&c| c == b'\n').count(), 12, "the header and 11 records");
    let (status, merged, stderr) = run(&["merge", "--format", "json", f]);
    assert_eq!(status, 0, "{stderr}");
    assert!(merged == unsharded, "the resumed run merges to the uninterrupted one");
    // Resuming a complete file grades nothing and changes nothing.
    let (status, _, _) = grade(&["--resume"]);
    assert_eq!(status, 0);
    assert_eq!(std::fs::read(&file).unwrap(), resumed);
    // A file of another run is refused, not mixed.
    let (status, _, stderr) = grade(&["--resume", "--seed", "7"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("another seed or the options"), "{stderr}");
    let (status, _, stderr) = grade(&["--resume", "--shard", "1/2"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("number of shards"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), resumed, "a refused resume leaves the file alone");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn merge_refuses_missing_doubled_and_foreign_shards() {
    let dir = scratch("refuse");
    let batch = batch(&dir);
    let b = text(&batch);
    let shard = |k: usize, seed: &str| {
        let file = dir.join(format!("s{k}-{seed}.jsonl"));
        let (status, _, stderr) = run(&[
            "grade",
            b,
            "--reference",
            REFERENCE,
            "--format",
            "jsonl",
            "--shard",
            &format!("{k}/3"),
            "--seed",
            seed,
            "--output",
            text(&file),
        ]);
        assert_eq!(status, 0, "{stderr}");
        file.display().to_string()
    };
    let (s0, s1, s2, other) = (shard(0, "1"), shard(1, "1"), shard(2, "1"), shard(2, "2"));
    let (status, stdout, stderr) = run(&["merge", "--format", "csv", &s0, &s2]);
    assert_eq!(status, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("shard 1/3 is missing"), "{stderr}");
    let (status, _, stderr) = run(&["merge", "--format", "csv", &s0, &s1, &s2, &s1]);
    assert_eq!(status, 2);
    assert!(stderr.contains("shard 1/3 is given twice"), "{stderr}");
    let (status, _, stderr) = run(&["merge", "--format", "csv", &s0, &s1, &other]);
    assert_eq!(status, 2);
    assert!(stderr.contains("not of the same batch: the seed or the options differs"), "{stderr}");
    let (status, _, stderr) = run(&["merge", "--format", "csv", REFERENCE]);
    assert_eq!(status, 2);
    assert!(stderr.contains("not the first line of `gradproof grade --format jsonl`"), "{stderr}");
    let (status, _, _) = run(&["merge", "--format", "csv", &s2, &s0, &s1]);
    assert_eq!(status, 0, "the order of the files does not matter");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreadable_submission_fails_the_merge_as_it_fails_the_run() {
    let dir = scratch("unreadable");
    let batch = batch(&dir);
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (b, e) = (text(&batch), text(&empty));
    let (status, unsharded, stderr) = run(&["grade", b, e, "--reference", REFERENCE, "--format", "csv"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
    let mut files = Vec::new();
    for k in 0..2 {
        let file = dir.join(format!("{k}.jsonl"));
        run(&[
            "grade",
            b,
            e,
            "--reference",
            REFERENCE,
            "--format",
            "jsonl",
            "--shard",
            &format!("{k}/2"),
            "--output",
            text(&file),
        ]);
        files.push(file.display().to_string());
    }
    let (status, merged, stderr) = run(&["merge", "--format", "csv", &files[0], &files[1]]);
    assert_eq!(status, 2);
    assert!(stderr.contains(&format!("cannot read {e}")), "{stderr}");
    assert!(merged == unsharded);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The graded test batch as records, with its batch information (graded once for every case).
fn graded() -> &'static (BatchInfo, Vec<GradeRecord>) {
    static GRADED: std::sync::OnceLock<(BatchInfo, Vec<GradeRecord>)> = std::sync::OnceLock::new();
    GRADED.get_or_init(|| {
        let dir = scratch("property");
        let batch = batch(&dir);
        let reference_path = root().join(REFERENCE);
        let reference = Arc::new(load_reference(&reference_path, &CheckOptions::default()).expect("the reference"));
        let options = GradeOptions::default();
        let provenance = Provenance::new(&reference, &options);
        let grades = grade_paths(&[batch], &reference, &options, Some(&reference_path));
        let _ = std::fs::remove_dir_all(&dir);
        (BatchInfo::new(&reference, &provenance), GradeRecord::all(&grades, &provenance, false))
    })
}

fn header(info: &BatchInfo, shard: Shard, submissions: usize, in_shard: usize) -> Header {
    Header {
        gradproof_grades: JSONL_VERSION,
        shard,
        submissions,
        in_shard,
        batch: info.clone(),
        settings: Settings { samples: 3, prove_work: 1, timeout_ms: 1, file_work: 1, timeout_s: 1, hints: false },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any split of the batch into N shards, each file's records in any order (the order they
    /// were graded in), one file cut at any byte and resumed: joined, every output is the
    /// unsharded one, byte for byte.
    #[test]
    fn any_split_merges_to_the_unsharded_output(
        count in 1u64..6,
        assignment in prop::collection::vec(0u64..1000, 11),
        order in prop::collection::vec(0u64..1000, 11),
        cut_file in 0usize..6,
        cut_at in 0.0f64..1.0,
    ) {
        let (info, records) = graded();
        prop_assert_eq!(records.len(), 11);
        let dir = scratch(&format!("case-{}", rand_name(&assignment, &order)));
        let mut files = Vec::new();
        let cut_file = cut_file % count as usize;
        for k in 0..count {
            let mut mine: Vec<&GradeRecord> =
                records.iter().filter(|r| assignment[r.index] % count == k).collect();
            mine.sort_by_key(|r| order[r.index]);
            let shard = Shard { index: k, count };
            let h = header(info, shard, records.len(), mine.len());
            let mut text = h.line();
            for r in &mine {
                text.push_str(&r.line());
            }
            let path = dir.join(format!("{k}.jsonl"));
            if k as usize == cut_file {
                // Killed at some byte, then resumed: the records it kept, then the others.
                let cut = ((text.len() as f64) * cut_at) as usize;
                std::fs::write(&path, &text.as_bytes()[..cut]).unwrap();
                let expected: HashMap<usize, &str> = mine.iter().map(|r| (r.index, r.path.as_str())).collect();
                let (mut file, resumed) = shard::resume(&path, &h, &expected).map_err(TestCaseError::fail)?;
                let kept: Vec<usize> = resumed.records.iter().map(|r| r.index).collect();
                for r in mine.iter().filter(|r| !kept.contains(&r.index)) {
                    file.write_all(r.line().as_bytes()).unwrap();
                }
            } else {
                std::fs::write(&path, text).unwrap();
            }
            files.push(path);
        }
        let (joined_info, joined) = shard::join(&files).map_err(|e| TestCaseError::fail(e.join("\n")))?;
        prop_assert_eq!(&joined_info, info);
        prop_assert!(render_batch_json(&joined, &joined_info) == render_batch_json(records, info));
        prop_assert!(render_batch_csv(&joined, &joined_info) == render_batch_csv(records, info));
        prop_assert!(render_batch_human(&joined, &joined_info) == render_batch_human(records, info));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A name for a case's scratch directory.
fn rand_name(a: &[u64], b: &[u64]) -> String {
    let h = a.iter().chain(b).fold(0u64, |h, &x| h.wrapping_mul(1_000_003).wrapping_add(x));
    format!("{h:x}")
}
