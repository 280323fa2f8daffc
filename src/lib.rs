//! gradproof checks derivations in deep-learning courses step by step.
//!
//! The pipeline, one module per stage: [`syntax`] (text → tree), [`model`] (names, indices,
//! definitions), [`numeric`] (sampling and finite differences), [`check`] (verdicts), [`report`]
//! (human and JSON output), and [`commands`] (what the binary runs).
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
