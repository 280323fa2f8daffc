//! `derivations/generated/`: reference derivations that `gradproof derive` writes for the gradient
//! tasks of the exercise sheets, from the models in `derivations/`. Each file is up to date (it is
//! what `derive` writes now), every step is `proved`, no derivative that could be worked out is
//! left, and the answers are the known ones. `GRADPROOF_BLESS=1 cargo test --release --test suite generated::`
//! rewrites the files.

use gradproof::check::{CheckOptions, Verdict};
use gradproof::check_source;
use gradproof::derive::{derive_all, Goal};
use std::path::Path;

/// Model file, output file, and (goal, name, known answer) per derivation.
type Task = (&'static str, &'static str, &'static [(&'static str, &'static str, &'static str)]);

const TASKS: &[Task] = &[
    (
        "lstm_forget_gate",
        "lstm_forget_gate",
        &[
            ("∂E/∂net_phi[t]", "forget-gate delta", "f_phi'(net_phi[t]) * sum(c, zeta[c,t] * s[c,t-1])"),
            ("∂E/∂s[c,t-1]", "error carried back along the constant error carousel", "zeta[c,t] * y_phi[t]"),
        ],
    ),
    (
        "lstm_input_gate",
        "lstm_input_gate",
        &[
            ("∂E/∂net_in[t]", "input-gate delta", "f_in'(net_in[t]) * sum(c, zeta[c,t] * g(net[c,t]))"),
            ("∂E/∂w_in[m]", "input-gate weights", "f_in'(net_in[t]) * y[m,t-1] * sum(c, zeta[c,t] * g(net[c,t]))"),
            ("∂E/∂net[c,t]", "cell-input delta", "zeta[c,t] * y_in[t] * g'(net[c,t])"),
        ],
    ),
    (
        "lstm_output_gate",
        "lstm_output_gate",
        &[
            ("∂E/∂net_out[t]", "output-gate delta", "f_out'(net_out[t]) * sum(c, eps[c,t] * h(s[c,t]))"),
            ("∂E/∂s[c,t]", "error reaching the cell state through the output", "eps[c,t] * y_out[t] * h'(s[c,t])"),
        ],
    ),
    (
        "sparse_autoencoder",
        "sparse_autoencoder",
        &[
            ("diff(L, V[i,j])", "decoder weights", "2 * (xt[i] - x[i]) * h[j]"),
            ("diff(L, h[j])", "gradient with respect to the code", "sum(i, 2 * e[i] * V[i,j]) + lambda * sign(h[j])"),
            (
                "diff(L, W[j,k])",
                "encoder weights",
                "(sum(i, 2 * e[i] * V[i,j]) + lambda * sign(h[j])) * g'(a[j]) * x[k]",
            ),
        ],
    ),
    (
        "gan_updates",
        "gan_updates",
        &[
            ("diff(V, theta0)", "discriminator bias", "1 - D(x) - D(G(z))"),
            ("diff(V, theta1)", "discriminator weight", "(1 - D(x)) * x - D(G(z)) * G(z)"),
            ("diff(V, beta1)", "generator weight", "-D(G(z)) * theta1 * (1 - G(z)^2) * z"),
            ("diff(V, beta0)", "generator bias", "-D(G(z)) * theta1 * (1 - G(z)^2)"),
        ],
    ),
    (
        "softmax_cross_entropy",
        "softmax_cross_entropy",
        &[
            ("diff(H, a[i])", "gradient with respect to a logit", "p[i] - y[i]"),
            ("diff(p[k], a[i])", "softmax Jacobian", "p[k] * (delta(k, i) - p[i])"),
        ],
    ),
    (
        "mlp_backward",
        "mlp_backward",
        &[
            ("∂L/∂W2[i,j]", "output weights", "(o[i] - y[i]) * h[j]"),
            ("∂L/∂W1[j,k]", "hidden weights", "sum(i, (o[i] - y[i]) * W2[i,j]) * f'(a[j]) * x[k]"),
        ],
    ),
    (
        "tanh_rnn_bptt",
        "tanh_rnn_bptt",
        &[("∂L/∂w", "recurrent weight", "g[t] * (1 - h[t]^2) * (h[t-1] + w * (1 - h[t-1]^2) * h[t-2])")],
    ),
    ("binary_cross_entropy", "binary_cross_entropy", &[("diff(L, z)", "through the probability", "p - y")]),
    (
        "l2_regression",
        "l2_regression",
        &[("diff(L, w[q])", "gradient", "2 * sum(n, (yhat[n] - y[n]) * X[n,q]) + 2 * lambda * w[q]")],
    ),
    (
        "cnn_backward",
        "cnn_backward",
        &[
            ("diff(L, theta)", "gradient for theta", "P - y"),
            ("diff(L, K2[c,a,b])", "layer-2 kernel", "(P - y) * A1[c,a,b]"),
            (
                "diff(L, K1[c,a,b])",
                "layer-1 kernel",
                "(P - y) * sum(i, sum(j, K2[c,i,j] * step(Z1[c,i,j]) * V[i+a-1, j+b-1]))",
            ),
        ],
    ),
    (
        "kl_standard_normal",
        "kl_standard_normal",
        &[
            ("diff(KL, mu[j])", "gradient with respect to a mean", "mu[j]"),
            ("diff(KL, sigma[j])", "gradient with respect to a standard deviation", "sigma[j] - 1 / sigma[j]"),
        ],
    ),
    (
        "relu_network_l1",
        "relu_network_l1",
        &[
            ("diff(L, c)", "output bias", "2 * (yhat - y) * step(o)"),
            ("diff(L, v[j])", "output weights", "2 * (yhat - y) * step(o) * h[j] + lambda * sign(v[j])"),
            ("diff(L, b[j])", "hidden bias", "2 * (yhat - y) * step(o) * v[j] * step(a[j])"),
            (
                "diff(L, W[j,q])",
                "hidden weights",
                "2 * (yhat - y) * step(o) * v[j] * step(a[j]) * x[q] + lambda * sign(W[j,q])",
            ),
        ],
    ),
    (
        "rnn_softmax_outputs",
        "rnn_softmax_outputs",
        &[
            ("diff(L, Why[i,j])", "output weights, both steps", "(p1[i] - y1[i]) * h1[j] + (p2[i] - y2[i]) * h2[j]"),
            ("diff(L2, Why[i,j])", "output weights, output at t = 2 only", "(p2[i] - y2[i]) * h2[j]"),
        ],
    ),
    (
        "hard_threshold_mlp",
        "hard_threshold_mlp",
        &[
            ("diff(H, W2[i,j])", "output weights", "(p[i] - y[i]) * h[j]"),
            ("diff(H, W1[j,q])", "first-layer weights", "0"),
            ("diff(H, b1[j])", "first-layer biases", "0"),
        ],
    ),
    (
        "rnn_gradient",
        "rnn_gradient",
        &[
            ("∂L/∂h[t+1]", "one step back", "∂L/∂h[t+2] * sigmoid'(z[t+2]) * w"),
            ("∂L/∂h[t]", "two steps back", "w^2 * sigmoid'(z[t+1]) * sigmoid'(z[t+2]) * ∂L/∂h[t+2]"),
        ],
    ),
    (
        "sgd_step",
        "sgd_step",
        &[
            ("diff(L, theta1)", "gradient for theta1 on sample 2", "5.912"),
            ("theta1 - 0.001 * diff(L, theta1)", "update of theta1", "1.492088"),
            ("theta2 - 0.001 * diff(L, theta2)", "update of theta2", "0.484176"),
        ],
    ),
    (
        "residual_unit",
        "residual_unit",
        &[(
            "diff(L, x[j])",
            "loss gradient through the skip connection",
            "∂L/∂y[j] + sum(i, ∂L/∂y[i] * sum(k, W2[i,k] * phi'(z[k]) * W1[k,j]))",
        )],
    ),
    // Matrix form (§7): whole vectors and matrices, written as in the course.
    (
        "linear_layer_matrix",
        "linear_layer_matrix",
        &[
            ("diff(L, W)", "weight gradient", "dlt * x^T"),
            ("diff(L, b)", "bias gradient", "dlt"),
            ("diff(L, x)", "input gradient", "W^T * dlt"),
            ("diff(Q, W)", "concrete loss: weight gradient", "(W * x + b - y) * x^T"),
            ("diff(Q, x)", "concrete loss: input gradient", "W^T * (W * x + b - y)"),
        ],
    ),
    (
        "mlp_backward_matrix",
        "mlp_backward_matrix",
        &[
            ("diff(L, W2)", "output weights", "(yhat - y) * h^T"),
            ("diff(L, b2)", "output bias", "yhat - y"),
            ("diff(L, W1)", "hidden weights", "((W2^T * (yhat - y)) ⊙ h ⊙ (1 - h)) * x^T"),
            ("diff(L, b1)", "hidden bias", "(W2^T * (yhat - y)) ⊙ sigmoid'(z1)"),
        ],
    ),
    ("softmax_ce_matrix", "softmax_ce_matrix", &[("diff(L, z)", "gradient with respect to the logits", "p - y")]),
    (
        "sparse_autoencoder_matrix",
        "sparse_autoencoder_matrix",
        &[
            ("diff(L, V)", "decoder weights", "2 * (xt - x) * h^T"),
            ("diff(L, h)", "gradient with respect to the code", "2 * V^T * (xt - x) + lambda * sign(h)"),
            ("diff(L, W)", "encoder weights", "((2 * V^T * (xt - x) + lambda * sign(h)) ⊙ g'(W * x)) * x^T"),
        ],
    ),
    (
        "sgd_step_vector",
        "sgd_step_vector",
        &[
            ("diff(L1, theta0)", "gradient on sample 1", "[2, 2, 4]"),
            ("theta0 - alpha * diff(L1, theta0)", "update on sample 1", "[0.498, 1.498, 0.496]"),
        ],
    ),
    ("adagrad_vector", "adagrad_vector", &[("diff((11 - x1^T * w0)^2, w0)", "gradient on row 1", "[-14, -14, -28]")]),
];

fn generate(model: &str, goals: &[(&str, &str, &str)]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join(format!("derivations/{model}.deriv"))).unwrap();
    let goals: Vec<Goal> = goals.iter().map(|(expr, name, _)| Goal { expr, name: Some(name) }).collect();
    let derived = derive_all(&source, &goals, &CheckOptions::default())
        .unwrap_or_else(|e| panic!("{model}: cannot derive: {e:?}"));
    let header = format!(
        "# Generated by `gradproof derive derivations/{model}.deriv` (tests/generated.rs): do not edit.\n# Regenerate with `GRADPROOF_BLESS=1 cargo test --release --test suite generated::`.\n"
    );
    format!("{header}{}", derived.text)
}

#[test]
fn generated_derivations_are_up_to_date_and_proved() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("GRADPROOF_BLESS").is_some();
    for (model, out, goals) in TASKS {
        let text = generate(model, goals);
        let path = root.join(format!("derivations/generated/{out}.deriv"));
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            on_disk,
            text,
            "{} is out of date: GRADPROOF_BLESS=1 cargo test --release --test suite generated::",
            path.display()
        );
        // Every step of every derivation the generator wrote is proved.
        let report = check_source(&path.display().to_string(), text.as_bytes(), &CheckOptions::default());
        assert!(report.errors.is_empty(), "{out}: {:?}", report.errors);
        let generated: Vec<_> = report.derivations.iter().rev().take(goals.len()).collect();
        assert_eq!(generated.len(), goals.len());
        for d in generated {
            for s in &d.steps {
                assert_eq!(s.verdict, Verdict::Proved, "{out}: a step of `{:?}` is {}", d.name, s.verdict.name());
            }
        }
    }
}

#[test]
fn generated_answers_equal_the_known_answers() {
    // Each known answer is appended as one more step after the generated answer: it must be proved.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (_, out, goals) in TASKS {
        let text = std::fs::read_to_string(root.join(format!("derivations/generated/{out}.deriv"))).unwrap();
        let mut extended = String::new();
        let mut k = 0;
        let lines: Vec<&str> = text.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            extended.push_str(line);
            extended.push('\n');
            let next_is_step = lines.get(at + 1).is_some_and(|l| l.trim_start().starts_with('='));
            if line.trim_start().starts_with('=') && !next_is_step {
                extended.push_str(&format!("  = {}\n", goals[k].2));
                k += 1;
            }
        }
        assert_eq!(k, goals.len(), "{out}");
        let report = check_source(out, extended.as_bytes(), &CheckOptions::default());
        for d in &report.derivations {
            let last = d.steps.last().unwrap();
            assert_eq!(last.verdict, Verdict::Proved, "{out}: the answer of `{:?}` is not the known one", d.name);
        }
    }
}

#[test]
fn no_derivative_is_left_that_could_be_worked_out() {
    // The generated answers contain only derivatives of unknown nodes by their own dependencies.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (_, out, _) in TASKS {
        let text = std::fs::read_to_string(root.join(format!("derivations/generated/{out}.deriv"))).unwrap();
        let answers: Vec<&str> = text
            .lines()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0].trim_start().starts_with('=') && !w[1].trim_start().starts_with('='))
            .map(|w| w[0])
            .collect();
        for answer in answers {
            let code = answer.split('#').next().unwrap();
            for d in code.match_indices('∂').map(|(at, _)| &code[at..]).step_by(2) {
                let numerator = d.trim_start_matches('∂').split('/').next().unwrap();
                assert!(["E", "L"].contains(&numerator), "{out}: `{code}` leaves `∂{numerator}/…`");
            }
            assert!(!code.contains("diff("), "{out}: `{code}` leaves a derivative");
        }
    }
}
