//! What `serve` sends besides verdicts, compiled into the binary so that no request reaches the
//! file system: the page (`web/index.html`), its script (`web/dist/app.js`, built from `web/src/`
//! by `web/build.mjs`; the bundle is committed, so building gradproof needs no Node.js) and the
//! course derivations of the page's menu.

use serde::Serialize;

/// The page.
pub(super) const PAGE: &str = include_str!("../../web/index.html");

/// The page's script: CodeMirror, KaTeX and the playground, bundled.
pub(super) const SCRIPT: &str = include_str!("../../web/dist/app.js");

/// The course derivations of the menu: `(name, text)`, the first the one the page opens with.
const EXAMPLES: &[(&str, &str)] = &[
    ("tour", include_str!("../../examples/tour.deriv")),
    ("sigmoid", include_str!("../../examples/sigmoid.deriv")),
    ("lstm_forget_gate", include_str!("../../derivations/lstm_forget_gate.deriv")),
    ("lstm_input_gate", include_str!("../../derivations/lstm_input_gate.deriv")),
    ("lstm_output_gate", include_str!("../../derivations/lstm_output_gate.deriv")),
    ("sigmoid_derivative", include_str!("../../derivations/sigmoid_derivative.deriv")),
    ("tanh_derivative", include_str!("../../derivations/tanh_derivative.deriv")),
    ("softmax_cross_entropy", include_str!("../../derivations/softmax_cross_entropy.deriv")),
    ("binary_cross_entropy", include_str!("../../derivations/binary_cross_entropy.deriv")),
    ("sparse_autoencoder", include_str!("../../derivations/sparse_autoencoder.deriv")),
    ("mlp_backward", include_str!("../../derivations/mlp_backward.deriv")),
    ("mlp_backward_matrix", include_str!("../../derivations/mlp_backward_matrix.deriv")),
    ("linear_layer_matrix", include_str!("../../derivations/linear_layer_matrix.deriv")),
    ("rnn_gradient", include_str!("../../derivations/rnn_gradient.deriv")),
    ("tanh_rnn_bptt", include_str!("../../derivations/tanh_rnn_bptt.deriv")),
    ("gan_updates", include_str!("../../derivations/gan_updates.deriv")),
    ("kl_standard_normal", include_str!("../../derivations/kl_standard_normal.deriv")),
    ("attention_scores", include_str!("../../derivations/attention_scores.deriv")),
    ("sgd_step", include_str!("../../derivations/sgd_step.deriv")),
    ("perturbation", include_str!("../../examples/perturbation.deriv")),
];

/// One entry of the menu.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Example {
    /// The name to ask for at `/api/examples/NAME`.
    pub name: String,
    /// The file's `title`, or its name.
    pub title: String,
}

/// The menu of course derivations.
pub fn examples() -> Vec<Example> {
    EXAMPLES.iter().map(|(name, text)| Example { name: name.to_string(), title: title_of(text, name) }).collect()
}

/// The text of a course derivation.
pub(super) fn example(name: &str) -> Option<&'static str> {
    EXAMPLES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The `title "…"` of a text (read from its line, without checking the file).
fn title_of(text: &str, name: &str) -> String {
    text.lines()
        .find_map(|line| {
            line.trim().strip_prefix("title")?.trim().strip_prefix('"')?.strip_suffix('"').map(str::to_string)
        })
        .unwrap_or_else(|| name.replace('_', " "))
}
