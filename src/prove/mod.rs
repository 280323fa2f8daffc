//! Symbolic reasoning. For now: symbolic differentiation under the perturbation semantics and
//! inlining ([`lower`]), validated against the numeric engine; the e-graph prover builds on it.

pub mod lower;
