//! Derivatives in forward mode (dual numbers, `src/numeric/dual.rs`) against the finite
//! differences they replaced: with every derivative cross-checked, not one of the corpus, the
//! course examples or the test data disagrees with its differences beyond both error bounds.
//! (A disagreement is a bug of a dual rule, reported on standard error and counted; it never
//! decides a verdict.) A binary of its own: the switch and the counters are the process's.

use crate::common;

use std::path::Path;

use common::{check_file, deriv_files};
use gradproof::internals::{cross_check_every_derivative, dual_cross_checks, dual_disagreements};

#[test]
fn every_derivative_in_forward_mode_agrees_with_its_finite_differences() {
    cross_check_every_derivative(true);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("derivations"),
        root.join("derivations/generated"),
        root.join("examples"),
        root.join("tests/egg_math"),
        root.join("tests/data"),
    ];
    let shared = root.join("../shared/examples");
    if shared.is_dir() {
        dirs.push(shared);
    }
    let mut files = 0;
    for dir in dirs {
        for path in deriv_files(&dir) {
            let _ = check_file(&path, &path.display().to_string());
            files += 1;
        }
    }
    assert!(files >= 80, "{files} files");
    // Not vacuous: thousands of derivatives were taken in forward mode and compared.
    let compared = dual_cross_checks();
    assert!(compared >= 1000, "only {compared} derivatives were compared");
    eprintln!("{compared} derivatives in forward mode compared with finite differences");
    assert_eq!(dual_disagreements(), 0, "of {compared} derivatives compared (see standard error)");
}
