//! Numbers: sampling, evaluation, finite differences. Never says "proved".

mod approx;
#[cfg(test)]
mod builtin_kernels;
pub mod coverage;
mod dual;
mod eval;
mod fd;
mod interval;
mod linalg;
mod precise;
pub mod random;
mod reach;
mod rounding;
mod value;

pub use approx::Approx;
pub use eval::{
    cross_check_every_derivative, dual_cross_checks, dual_disagreements, entry_key_text, eval_exact, eval_float,
    eval_precise, reads, take_dual_disagreements, Batch, Context, Reads, Sample, BEYOND_FLOATS_IN_A_DERIVATIVE,
    WIDEST_DERIVATIVE_ERROR,
};
pub use interval::Interval;
pub use precise::{NotAFloat, Precise};
pub use rounding::{in_rounding_range, RangeAnswer, RangeQuery};
pub use value::{exact_sqrt, ratio_to_f64, EvalError, Value, TOO_LARGE, TOO_SMALL};
