//! The `gradproof` binary: parse arguments, run one command, exit with its status.

use clap::Parser;
use gradproof::cli::{Cli, Command};
use gradproof::commands;

/// mimalloc rather than the system's allocator: the checker allocates many small, short-lived
/// values (expression trees, polynomials), and the system's `malloc`/`free` were about a third of
/// the instructions of checking a file of small derivations (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::try_parse().unwrap_or_else(|e| {
        let code = if e.use_stderr() { 2 } else { 0 };
        let _ = e.print();
        std::process::exit(code)
    });
    let code = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Grade(args) => commands::grade::run(&args),
        Command::Derive(args) => commands::derive::run(&args),
        Command::Fmt(args) => commands::fmt::run(&args),
        Command::Render(args) => commands::render::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Merge(args) => commands::merge::run(&args),
    };
    std::process::exit(commands::finish(code))
}
