//! Any bytes: the whole pipeline (parse, resolve, prove, sample, report) never panics. Budgets are
//! small so that each input is fast; libFuzzer's `-timeout` (see run.sh) catches a hang. One input
//! in 16 (by length) also asks for `--explain` (the e-graph, up to 100 ms per proved step).
#![no_main]

use std::time::Duration;

use gradproof::check::CheckOptions;
use gradproof::check_source;
use gradproof::report::{render_diagnostics, render_human, render_json, HumanOptions};
use gradproof::Budget;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = CheckOptions {
        samples: 1,
        prove_budget: Budget { work: 500_000, time: Some(Duration::from_millis(200)) },
        file_budget: Budget { work: 10_000_000, time: Some(Duration::from_millis(1000)) },
        explain: data.len() % 16 == 0,
        ..CheckOptions::default()
    };
    let report = check_source("fuzz.deriv", data, &options);
    // `check_source` turns a panic of its worker thread into this error; libFuzzer's panic hook
    // aborts first, but say it here too.
    assert!(!report.errors.iter().any(|e| e.message.starts_with("internal error")), "{:?}", report.errors);
    let reports = [report];
    let _ = render_diagnostics(&reports[0], false);
    let _ = render_human(&reports, HumanOptions { color: false, explain: options.explain });
    let _ = render_json(&reports);
});
