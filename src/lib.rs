//! gradproof checks derivations in deep-learning courses step by step.
//!
//! The pipeline, one module per stage: [`syntax`] (text → tree, and back), [`model`] (names,
//! indices, definitions, shapes), [`numeric`] (sampling, evaluation and finite differences) and
//! [`prove`] (symbolic differentiation and normal forms) beside each other, [`check`] (verdicts),
//! then [`grade`] (points and feedback against a reference) and [`derive`](mod@derive) (reference
//! derivations) on top of it, and [`report`] (human, JSON, CSV, Gradescope, LaTeX and Markdown
//! output). [`work`] holds the budgets of work that every limit counts, [`diagnostic`] the errors
//! with their spans; [`cli`] and [`commands`] are what the binary runs.
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod commands;
pub mod derive;
pub mod diagnostic;
pub mod grade;
pub mod model;
pub mod numeric;
pub mod prove;
pub mod report;
pub mod syntax;
pub mod work;
