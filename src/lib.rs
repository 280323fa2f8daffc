//! gradproof checks derivations in deep-learning courses step by step.
//!
//! The pipeline, one module per stage: [`syntax`] (text → tree, and back), [`model`] (names,
//! indices, definitions, shapes), `numeric` (sampling, evaluation and finite differences) and
//! `prove` (symbolic differentiation and normal forms) beside each other, [`check`] (verdicts),
//! then [`grade`] (points and feedback against a reference) and [`derive`](mod@derive) (reference
//! derivations) on top of it, [`report`] (human, JSON, CSV, Gradescope, LaTeX and Markdown
//! output) and [`serve`] (the playground's server). `source` runs the whole pipeline for one text
//! (the front door below); `work` holds the budgets of work that every limit counts ([`Budget`]);
//! [`diagnostic`] the errors with their spans; `localise` searches a verified repair for each wrong
//! step after the check. `localise`, `numeric`, `prove`, `source` and `work` are private:
//! they are reached through [`check`] and the front door. `cli` and `commands` are what the binary
//! runs, not part of the API.
//!
//! The front door is [`check_source`]: one source text in, a [`FileReport`] out, with the text
//! decoded, parsed, resolved and every derivation checked on a thread of its own (a large stack,
//! a panic reported as an error of the file, budgets of work from the options):
//!
//! ```
//! use gradproof::check::{CheckOptions, Verdict};
//!
//! let text = "var x\nderive diff(sigmoid(x), x)\n  = sigmoid(x) * (1 - sigmoid(x))\n  = sigmoid(x)^2\n";
//! let report = gradproof::check_source("sigmoid.deriv", text.as_bytes(), &CheckOptions::default());
//! assert!(report.errors.is_empty());
//! let verdicts: Vec<Verdict> = report.derivations[0].steps.iter().map(|s| s.verdict).collect();
//! assert_eq!(verdicts, [Verdict::Proved, Verdict::Wrong]);
//! ```
#![warn(missing_docs)]

pub use source::{check_answer, check_source, decode_source, FileReport, MAX_FILE_BYTES};
pub use work::Budget;

// The library: what a tool built on gradproof uses.
pub mod builtin;
pub mod check;
pub mod derive;
pub mod diagnostic;
pub mod grade;
pub mod latex;
pub mod model;
pub mod report;
pub mod serve;
pub mod syntax;

// Stages reached through the modules above, never directly.
mod localise;
mod numeric;
mod prove;
mod source;
mod threads;
mod work;

// What the binary runs: argument structs and subcommands, not part of the library's API.
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod commands;

/// Internals that the project's own tests and benches compare with each other (the lowering of
/// derivatives against finite differences, the prover's time per step). Not part of the API: they
/// change without notice.
#[doc(hidden)]
pub mod internals {
    pub use crate::numeric::{
        cross_check_every_derivative, dual_cross_checks, dual_disagreements, eval_float, Context, EvalError, Sample,
    };
    pub use crate::prove::lower::Lowerer;
    pub use crate::prove::normal_forms;
}
