//! `cargo bench --bench repair`: what the diagnosis of wrong steps (the verified repair, issue 14)
//! adds to `check`, per wrong step. For every file of the corpus with wrong steps (derivations/,
//! examples/, the course examples in ../shared/examples when present, tests/egg_math/), the median
//! in-process time of checking it with repairs and without (`--no-repair`), the difference spread
//! over its wrong steps; then the median, 90th percentile and maximum over the files.

use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "timing/mod.rs"]
mod timing;
use timing::time;

use gradproof::check::{CheckOptions, Verdict};

const RUNS: usize = 5;

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["derivations", "examples", "../shared/examples", "tests/egg_math"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        out.extend(entries.map(|e| e.expect("entry").path()).filter(|p| p.extension().is_some_and(|x| x == "deriv")));
    }
    out.sort();
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let with = CheckOptions::default();
    let without = CheckOptions { repair: false, ..CheckOptions::default() };
    let mut added_per_step: Vec<Duration> = Vec::new();
    let (mut wrong_steps, mut repaired, mut total_added) = (0, 0, Duration::ZERO);
    for path in files(root) {
        let source = std::fs::read(&path).expect("readable");
        let name = path.to_string_lossy().into_owned();
        let report = gradproof::check_source(&name, &source, &with);
        let steps = || report.derivations.iter().flat_map(|d| &d.steps);
        let wrong = steps().filter(|s| s.verdict == Verdict::Wrong).count();
        if wrong == 0 {
            continue;
        }
        wrong_steps += wrong;
        repaired += steps().filter(|s| s.repair.is_some()).count();
        let t_with = time(RUNS, || drop(gradproof::check_source(&name, &source, &with)));
        let t_without = time(RUNS, || drop(gradproof::check_source(&name, &source, &without)));
        let added = t_with.saturating_sub(t_without);
        total_added += added;
        added_per_step.push(added / wrong as u32);
    }
    let files = added_per_step.len();
    added_per_step.sort();
    let at = |q: f64| added_per_step[((files as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "repairs: {files} files, {wrong_steps} wrong steps, {repaired} with a verified repair; added per wrong step \
         (median over files of {RUNS} runs each): median {:.1} ms, p90 {:.1} ms, max {:.1} ms; {:.2} s added in all",
        at(0.5),
        at(0.9),
        at(1.0),
        total_added.as_secs_f64()
    );
}
