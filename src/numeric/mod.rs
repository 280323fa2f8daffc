//! Numbers: sampling, evaluation, finite differences. Never says "proved".

mod eval;
mod fd;
mod linalg;
pub mod random;
mod value;

pub use eval::{
    entry_key_text, eval_exact, eval_float, eval_widened, inputs_read, Batch, Context, EntryKey, FloatValue, Sample,
};
pub use fd::ridders;
pub use value::{exact_sqrt, ratio_to_f64, EvalError, EvalResult, Interval, Value};
