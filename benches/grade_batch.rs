//! `cargo bench --bench grade_batch`: median wall time to grade a generated batch of 300
//! submissions of a 4-derivation sheet (tests/grade/reference.deriv), in process and through the
//! release binary, on all cores.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

#[path = "timing/mod.rs"]
mod timing;
use timing::time;

use gradproof::check::CheckOptions;
use gradproof::commands::grade::{grade_paths, load_reference};
use gradproof::grade::GradeOptions;

const SUBMISSIONS: usize = 300;

/// Writes the batch: the test submissions (correct, a carried sign error, the typical mistakes,
/// renamed and reordered, a changed model, a missing derivation, a syntax error) in turn, each
/// under its own header, every fifth with one more wrong constant.
fn generate(root: &Path, dir: &Path) -> usize {
    let samples = root.join("tests/grade/submissions");
    let mut bases: Vec<String> = std::fs::read_dir(&samples)
        .expect("the test submissions")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "deriv"))
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    bases.sort();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("a scratch directory");
    for i in 0..SUBMISSIONS {
        let mut text = format!("# student {i:03}\n{}", bases[i % bases.len()]);
        if i % 5 == 0 {
            text = text.replace("x^2*exp(x)\n", "3*x^2*exp(x)\n");
        }
        std::fs::write(dir.join(format!("student_{i:03}.deriv")), text).expect("writable");
    }
    SUBMISSIONS
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir: PathBuf = std::env::temp_dir().join(format!("gradproof-bench-batch-{}", std::process::id()));
    let n = generate(root, &dir);
    let reference_path = root.join("tests/grade/reference.deriv");
    let reference = Arc::new(load_reference(&reference_path, &CheckOptions::default()).expect("the reference"));
    let options = GradeOptions::default();
    let threads = rayon::current_num_threads();
    let mut total = 0.0;
    let in_process = time(5, || {
        let grades = grade_paths(std::slice::from_ref(&dir), &reference, &options, None);
        assert_eq!(grades.len(), n);
        total = grades.iter().map(|g| g.score.as_f64()).sum::<f64>();
    });
    println!(
        "grade {n} submissions × 4 derivations, in process ({threads} threads): median {:>7.2} s over 5 runs (mean score {:.2})",
        in_process.as_secs_f64(),
        total / n as f64
    );
    let binary = root.join("target/release/gradproof");
    if binary.exists() {
        let through_binary = time(3, || {
            let out = Command::new(&binary)
                .args(["grade", "--format", "csv", "--reference"])
                .arg(&reference_path)
                .arg(&dir)
                .output()
                .expect("the binary runs");
            assert!(out.status.success());
        });
        println!(
            "grade {n} submissions × 4 derivations, release binary:          median {:>7.2} s over 3 runs",
            through_binary.as_secs_f64()
        );
    } else {
        println!("(build with `cargo build --release` to time the binary)");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
