//! `cargo bench --bench derive`: median wall time of `derive` (proposing the steps and checking
//! them with the full checker) for each LSTM gate of the exercise sheet, in process. The target is
//! under 200 ms each.

use std::path::Path;

#[path = "timing/mod.rs"]
mod timing;
use timing::time;

use gradproof::check::CheckOptions;
use gradproof::derive::derive;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = CheckOptions::default();
    let gates = [
        ("forget gate", "lstm_forget_gate", "∂E/∂net_phi[t]"),
        ("input gate", "lstm_input_gate", "∂E/∂net_in[t]"),
        ("input-gate weights", "lstm_input_gate", "∂E/∂w_in[m]"),
        ("cell input", "lstm_input_gate", "∂E/∂net[c,t]"),
        ("output gate", "lstm_output_gate", "∂E/∂net_out[t]"),
        ("cell state via output", "lstm_output_gate", "∂E/∂s[c,t]"),
        ("softmax cross-entropy", "softmax_cross_entropy", "diff(H, a[i])"),
        ("sparse autoencoder W", "sparse_autoencoder", "diff(L, W[j,k])"),
    ];
    for (label, file, goal) in gates {
        let source = std::fs::read_to_string(root.join(format!("derivations/{file}.deriv"))).expect("corpus file");
        let median = time(15, || {
            let derived = derive(&source, goal, None, &options).expect("derivable");
            assert!(derived.steps > 0);
        });
        println!("derive {label:<24} {goal:<18} median {:>7.1} ms over 15 runs", median.as_secs_f64() * 1e3);
    }
}
