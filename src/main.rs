//! The `gradproof` binary: parse arguments, run one command, exit with its status.

use clap::Parser;
use gradproof::check::{CheckOptions, DEFAULT_SEED};
use gradproof::cli::{Cli, Command};
use gradproof::commands;

fn main() {
    let cli = Cli::try_parse().unwrap_or_else(|e| {
        let code = if e.use_stderr() { 2 } else { 0 };
        let _ = e.print();
        std::process::exit(code)
    });
    let code = match cli.command {
        Command::Check(args) => {
            let options = CheckOptions {
                seed: args.seed.unwrap_or(DEFAULT_SEED),
                samples: args.samples as usize,
                numeric: !args.no_numeric,
            };
            commands::check::run(&args.paths, &options, args.format)
        }
    };
    std::process::exit(code)
}
