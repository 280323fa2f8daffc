//! Numbers: sampling, evaluation, finite differences. Never says "proved".

mod approx;
pub mod coverage;
mod eval;
mod fd;
mod linalg;
pub mod random;
mod value;

pub use approx::Approx;
pub use eval::{
    entry_key_text, eval_exact, eval_float, eval_widened, inputs_read, Batch, Context, EntryKey, FloatValue, Sample,
};
pub use fd::{ridders, Derivative};
pub use value::{exact_sqrt, ratio_to_f64, EvalError, EvalResult, Interval, Value};
