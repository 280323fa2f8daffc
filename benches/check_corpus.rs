//! `cargo bench`: median wall time to check the whole corpus in-process, and of one typical
//! 5-step derivation through the release binary including process start.

use std::path::Path;
use std::process::Command;

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
        if path.extension().is_none_or(|e| e != "deriv") {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("readable");
        let (file, _) = gradproof::syntax::parse_file(&source);
        let (model, _) = gradproof::model::resolve(&file);
        for d in &model.derivations {
            let exprs: Vec<&gradproof::model::Expr> =
                std::iter::once(&d.head).chain(d.steps.iter().map(|s| &s.expr)).collect();
            let t = time(5, || {
                let forms = gradproof::internals::normal_forms(
                    &model,
                    &exprs,
                    gradproof::check::CheckOptions::default().prove_budget,
                );
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

    // A 3-layer forward pass with n×n weight matrices (§7): time in process for growing n, and
    // the peak memory of the release binary on it.
    for n in [25, 50, 100, 200] {
        let source = forward_pass(n);
        let t = time(9, || {
            let report = gradproof::check_source("forward.deriv", source.as_bytes(), &options);
            assert!(
                report.errors.is_empty() && report.derivations[0].steps.iter().all(|s| s.verdict.name() == "proved")
            );
        });
        println!(
            "forward pass {n:>3}x{n:<3} (3 steps), in process: median {:>8.1} ms over 9 runs",
            t.as_secs_f64() * 1e3
        );
    }

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
    for n in [50, 100, 200] {
        let path = std::env::temp_dir().join(format!("gradproof-forward-{n}.deriv"));
        std::fs::write(&path, forward_pass(n)).expect("temporary file");
        let out = Command::new("/usr/bin/time").arg("-f").arg("%M").arg(&binary).arg("check").arg(&path).output();
        match out {
            Ok(o) => {
                let stderr = String::from_utf8_lossy(&o.stderr);
                let kb = stderr.lines().last().unwrap_or("?").trim().to_string();
                println!("forward pass {n:>3}x{n:<3}, release binary: peak memory {kb} KB");
            }
            Err(_) => println!("(install GNU time as /usr/bin/time to measure peak memory)"),
        }
    }
}

/// A 3-layer forward pass with `n`×`n` weight matrices.
fn forward_pass(n: usize) -> String {
    format!(
        "title \"3-layer forward pass\"\n\
         var W1: {n}x{n}, W2: {n}x{n}, W3: {n}x{n}, x: {n}, b1: {n}, b2: {n}, b3: {n}\n\
         let h1 = relu(W1*x + b1)\n\
         let h2 = relu(W2*h1 + b2)\n\
         let y = W3*h2 + b3\n\
         derive y\n\
         \x20 = W3*relu(W2*h1 + b2) + b3\n\
         \x20 = W3*relu(W2*relu(W1*x + b1) + b2) + b3\n\
         \x20 = b3 + W3*h2\n"
    )
}
