//! What the binary runs: one module per subcommand.

pub mod check;
pub mod derive;
pub mod fmt;
pub mod grade;
pub mod render;
