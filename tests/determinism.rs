//! A verdict depends on the input, the options and the seed only: every limit that can change one
//! counts work, never seconds. The corpus's JSON report is the same, byte for byte, whether the
//! machine is idle or every core is kept busy by other work, and whether it is checked on one
//! thread or on several (`--jobs`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gradproof::check::CheckOptions;
use gradproof::commands::check::check_paths;
use gradproof::report::render_json;

fn corpus_json() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("derivations");
    render_json(&check_paths(&[dir], &CheckOptions::default()))
}

/// Runs `f` while one busy thread per core spins beside it. The spinning is bounded: it stops
/// when `f` returns, and after ten minutes in any case.
fn under_load<R>(f: impl FnOnce() -> R) -> R {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..cores {
            scope.spawn(|| {
                let start = Instant::now();
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(600) {
                    for i in 0..100_000u64 {
                        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
                    }
                }
                x
            });
        }
        let out = f();
        stop.store(true, Ordering::Relaxed);
        out
    })
}

#[test]
fn the_corpus_report_is_the_same_on_an_idle_and_a_loaded_machine() {
    let idle = corpus_json();
    let loaded = under_load(corpus_json);
    assert!(idle.contains("\"verdict\": \"proved\""), "the corpus was checked");
    assert!(!idle.contains("safety limit"), "no safety net in time was reached");
    if idle != loaded {
        let first = idle.lines().zip(loaded.lines()).position(|(a, b)| a != b).unwrap_or(0);
        let context = |text: &str| text.lines().skip(first.saturating_sub(5)).take(12).collect::<Vec<_>>().join("\n");
        panic!("the reports differ from line {}:\nidle:\n{}\nloaded:\n{}", first + 1, context(&idle), context(&loaded));
    }
}

/// The output of `gradproof check derivations/ ARGS…` (standard output and error, exit status).
fn check_corpus_with(args: &[&str]) -> (String, String, Option<i32>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradproof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "derivations/"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn the_corpus_output_is_the_same_on_one_thread_and_on_four() {
    for format in ["human", "json"] {
        let one = check_corpus_with(&["--jobs", "1", "--format", format]);
        let four = check_corpus_with(&["--jobs", "4", "--format", format]);
        assert!(one.0.contains("proved"), "the corpus was checked: {}", one.1);
        assert!(one == four, "--jobs 1 and --jobs 4 differ in the {format} output");
    }
}

/// The output of `gradproof check FILE --jobs JOBS --format json` (standard output, exit status).
fn check_file_on(file: &str, jobs: &str) -> (String, Option<i32>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradproof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", file, "--jobs", jobs, "--format", "json"])
        .output()
        .expect("the binary runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code())
}

#[test]
fn a_file_checked_alone_gives_the_same_report_on_one_thread_and_on_four() {
    // A file alone has every thread: its derivations are checked side by side, and so are the
    // searches for repairs of its derivations with wrong steps (each file here has several).
    for file in [
        "derivations/class_labels.deriv",
        "derivations/ext_losses.deriv",
        "derivations/matrix_cookbook.deriv",
        "bench/cas/cas.deriv",
    ] {
        let one = check_file_on(file, "1");
        let four = check_file_on(file, "4");
        assert_eq!(one.1, Some(1), "{file} has wrong steps");
        let repairs = one.0.matches("\"repair\": {").count();
        assert!(repairs >= 4, "{file}: repairs were found in several derivations ({repairs})");
        assert!(one == four, "{file}: --jobs 1 and --jobs 4 differ");
    }
}
