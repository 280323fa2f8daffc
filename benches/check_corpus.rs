//! `cargo bench`: median wall time to check the whole corpus in-process, and of one typical
//! 5-step derivation through the release binary including process start.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[path = "timing/mod.rs"]
mod timing;
use timing::{median, time};

use gradproof::check::CheckOptions;
use gradproof::commands::check::check_paths;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("derivations");
    let options = CheckOptions::default();
    let corpus_time = time(15, || {
        let reports = check_paths(std::slice::from_ref(&corpus), &options);
        assert!(!reports.is_empty());
    });
    println!("corpus, in process:                 median {:>8.1} ms over 15 runs", corpus_time.as_secs_f64() * 1e3);

    // The prover alone: lowering and normalising every expression of a derivation, per step.
    let mut per_step = Vec::new();
    for entry in std::fs::read_dir(&corpus).expect("corpus") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("readable");
        let (file, _) = gradproof::syntax::parse_file(&source);
        let (model, _) = gradproof::model::resolve(&file);
        for d in &model.derivations {
            let exprs: Vec<&gradproof::model::Expr> =
                std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).collect();
            let t = time(5, || {
                let forms = gradproof::prove::normal_forms(&model, &exprs, Duration::from_secs(2));
                assert_eq!(forms.forms.len(), exprs.len());
            });
            per_step.push(t / d.steps.len() as u32);
        }
    }
    let n = per_step.len();
    let worst = per_step.iter().max().copied().unwrap_or_default();
    println!(
        "prover per step ({n} derivations):   median {:>8.3} ms, worst derivation {:.3} ms per step",
        median(per_step).as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );

    let binary = root.join("target/release/gradproof");
    if !binary.exists() {
        println!("(build with `cargo build --release` to time the binary)");
        return;
    }
    let corpus_binary = time(9, || {
        Command::new(&binary).args(["check", "derivations/"]).current_dir(root).output().expect("binary runs");
    });
    println!("corpus, release binary:             median {:>8.1} ms over 9 runs", corpus_binary.as_secs_f64() * 1e3);
    let one = time(21, || {
        Command::new(&binary)
            .args(["check", "../shared/examples/lstm_forget_gate.deriv"])
            .current_dir(root)
            .output()
            .expect("binary runs");
    });
    println!("LSTM forget gate (4 steps), binary: median {:>8.1} ms over 21 runs", one.as_secs_f64() * 1e3);
    let five = time(21, || {
        Command::new(&binary)
            .args(["check", "../shared/examples/sigmoid_derivative.deriv"])
            .current_dir(root)
            .output()
            .expect("binary runs");
    });
    println!("sigmoid derivative (5 steps), binary:median {:>8.1} ms over 21 runs", five.as_secs_f64() * 1e3);
}
