//! gradproof checks derivations in deep-learning courses step by step.
//!
//! The pipeline, one module per stage: [`syntax`] (text → tree, and back), [`model`] (names,
//! indices, definitions, shapes), [`numeric`] (sampling, evaluation and finite differences) and
//! [`prove`] (symbolic differentiation and normal forms) beside each other, [`check`] (verdicts),
//! then [`grade`] (points and feedback against a reference) and [`derive`](mod@derive) (reference
//! derivations) on top of it, and [`report`] (human, JSON, CSV, Gradescope, LaTeX and Markdown
//! output). [`work`] holds the budgets of work that every limit counts, [`diagnostic`] the errors
//! with their spans; [`cli`] and [`commands`] are what the binary runs.
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

pub use source::{check_answer, check_source, decode_source, FileReport};

pub mod check;
pub mod cli;
pub mod commands;
pub mod derive;
pub mod diagnostic;
pub mod grade;
pub mod latex;
pub mod model;
pub mod numeric;
pub mod prove;
pub mod report;
pub mod source;
pub mod syntax;
pub mod work;
