//! Invariants of docs/architecture.md that no other test file holds on its own: the numbers alone
//! never prove, the syntactic rules on free indices and shapes stand against any proof, `≈` steps
//! agree with the numbers in both directions, and switching the prover or the numbers off never
//! turns a verdict into its opposite. Each test names the invariant it holds.

use crate::common;

use common::deriv_files;
use gradproof::check::{CheckOptions, Verdict};
use gradproof::check_source;
use gradproof::FileReport;
use std::path::Path;

fn check(source: &str, options: &CheckOptions) -> FileReport {
    let report = check_source("invariants.deriv", source.as_bytes(), options);
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    report
}

fn verdicts(report: &FileReport) -> Vec<Verdict> {
    report.derivations.iter().flat_map(|d| &d.steps).map(|s| s.verdict).collect()
}

/// "A numeric agreement is `checked`, never `proved`": with the prover off, no step of the corpus
/// is `proved`, and every step the prover proves is at most `checked` by the numbers.
#[test]
fn the_numbers_alone_never_prove() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations");
    let numbers_only = CheckOptions { prove: false, ..CheckOptions::default() };
    let mut proved_with_prover = 0;
    for path in deriv_files(&root).iter().take(12) {
        let text = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let alone = check_source(&name, &text, &numbers_only);
        let both = check_source(&name, &text, &CheckOptions::default());
        for (a, b) in
            alone.derivations.iter().flat_map(|d| &d.steps).zip(both.derivations.iter().flat_map(|d| &d.steps))
        {
            assert_ne!(a.verdict, Verdict::Proved, "{name} at byte {}: proved without the prover", a.span.start);
            if b.verdict == Verdict::Proved {
                proved_with_prover += 1;
                // A proved step is never refuted by the numbers alone.
                assert_ne!(a.verdict, Verdict::Wrong, "{name}: the numbers refute a proof");
            }
        }
    }
    assert!(proved_with_prover > 20, "the sample of the corpus should hold proofs, found {proved_with_prover}");
}

/// "The rule on free indices is syntactic and no proof overrides it": `y*0 = x[i]*0` is 0 on both
/// sides, and the prover proves `0 = 0`, yet the step brings in a free `i` and is wrong.
#[test]
fn a_proof_does_not_override_a_new_free_index() {
    let source = "index i in 1..n\nvar x[i]\nvar y\nderive y*0\n  = x[i]*0\n";
    let report = check(source, &CheckOptions::default());
    let step = &report.derivations[0].steps[0];
    assert_eq!(step.verdict, Verdict::Wrong);
    assert!(!step.internal_error);
    assert!(step.counterexample.is_none(), "decided without samples: {:?}", step.counterexample);
    assert!(!step.holds);
    // The same without the numbers (an adversarial tester: the log-sum-exp shifted by `z[i]` was
    // `wrong` by default and `proved` with `--no-numeric`).
    let source = "index i in 1..n, j in 1..n\nvar z[j]\nderive log(sum(j, exp(z[j])))\n  = z[i] + log(sum(j, exp(z[j] - z[i])))\n";
    for numeric in [true, false] {
        let report = check(source, &CheckOptions { numeric, ..CheckOptions::default() });
        let step = &report.derivations[0].steps[0];
        assert_eq!(step.verdict, Verdict::Wrong, "numeric = {numeric}: {}", step.detail);
        assert!(step.counterexample.is_none());
    }
}

/// The head's own free index is no new one in a step after one that no longer reads it: `x[i] /
/// x[i] = 1` is claimed at every `i`, and `= x[i] / x[i]` after it is right (a student's layer-norm
/// and attention steps that restated the head were `wrong`, "keep more digits"); an index that is
/// free in neither the step before nor the head is still `wrong` without samples, with or without
/// the numbers.
#[test]
fn the_heads_free_index_may_come_back_after_a_step_without_it() {
    let source = "index i in 1..n, j in 1..n
var x[i] > 0, u, y[j]
derive x[i] / x[i]
  = 1
  = x[i] / x[i]
derive u * x[i] / x[i]
  = u
  = u + x[i] - x[i]
  = u + y[j] - y[j]
";
    for numeric in [true, false] {
        let report = check(source, &CheckOptions { numeric, ..CheckOptions::default() });
        assert_eq!(
            verdicts(&report),
            [Verdict::Proved, Verdict::Proved, Verdict::Proved, Verdict::Proved, Verdict::Wrong],
            "numeric = {numeric}"
        );
        let last = &report.derivations[1].steps[2];
        assert!(last.counterexample.is_none() && last.detail.contains("`j`"), "{}", last.detail);
    }
}

/// "… nor does one override a shape mismatch": `0*W`, a 2×3 matrix of zeros, is not the scalar 0.
#[test]
fn a_proof_does_not_override_a_shape_mismatch() {
    let source = "var W: 2 x 3\nderive 0*W\n  = 0\n";
    for prove in [true, false] {
        let report = check(source, &CheckOptions { prove, ..CheckOptions::default() });
        let step = &report.derivations[0].steps[0];
        assert_eq!(step.verdict, Verdict::Wrong, "prove = {prove}");
        assert!(step.counterexample.is_none());
    }
}

/// "A proof stands where the numbers reach no verdict": with the numbers off, a provable step is
/// `proved` and an unprovable one `undetermined`, never `wrong` (only the numbers find a mistake,
/// besides the syntactic rules on free indices and shapes, above).
#[test]
fn without_the_numbers_a_step_is_proved_or_undetermined() {
    let source = "var x\nderive diff(sigmoid(x), x)\n  = sigmoid(x) * (1 - sigmoid(x))\n  = sigmoid(x)^2\n";
    let report = check(source, &CheckOptions { numeric: false, ..CheckOptions::default() });
    assert_eq!(verdicts(&report), [Verdict::Proved, Verdict::Undetermined]);
    let both = check(source, &CheckOptions::default());
    assert_eq!(verdicts(&both), [Verdict::Proved, Verdict::Wrong]);
}

/// "Same file, same options, same seed ⇒ the same report": two runs at every seed agree byte for
/// byte, and the verdicts of a decided file do not depend on the seed.
#[test]
fn the_verdicts_of_a_decided_file_do_not_depend_on_the_seed() {
    let source = "index i in 1..n\nvar x[i]\nlet s = sum(i, exp(x[i]))\nderive diff(log(s), x[i])\n  = exp(x[i]) / s\n  = exp(x[i]) * s\n";
    let first = check(source, &CheckOptions::default());
    for seed in [1, 2, 3, 17, 12345] {
        let options = CheckOptions { seed, ..CheckOptions::default() };
        let a = check(source, &options);
        let b = check(source, &options);
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "seed {seed}: two runs differ");
        assert_eq!(verdicts(&a), verdicts(&first), "seed {seed}");
    }
    assert_eq!(verdicts(&first), [Verdict::Proved, Verdict::Wrong]);
}
