//! The integration tests, one binary: each file of `tests/` is a module of it (the files are
//! listed here; `tests/layers.rs` checks that none is left out). One binary links the library once
//! instead of once per file, and its tests share the cores in one run (docs/performance.md, "Clone
//! to green").

mod common;
mod grade_common;

mod builtins;
mod cli;
mod corpus;
mod counterexample;
mod derive;
mod determinism;
mod docs;
mod errors;
mod fmt;
mod forward_mode;
mod generated;
mod grade;
mod grade_answers;
mod grade_kits;
mod grade_memo;
mod invariants;
mod latex;
mod layers;
mod limits;
mod lowering;
mod nested_diff;
mod numeric;
mod properties;
mod prove;
mod render;
mod repair;
mod rounding;
mod sampling;
mod serve;
mod shard;
