//! What the binary runs: one module per subcommand.

pub mod check;
pub mod derive;
pub mod fmt;
pub mod grade;
pub mod merge;
pub mod render;
pub mod serve;
pub mod shard;

use std::io::Write;

/// Writes a command's output on standard output. A reader that has gone away (`gradproof check
/// derivations | head -1`) is not a failure: the rest of the output is dropped quietly and the
/// command ends with the status it would have had. Any other failure is returned.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Says that the output could not be written (a full disk); returns the exit status, 2.
pub fn output_failed(e: &std::io::Error) -> i32 {
    let _ = writeln!(std::io::stderr(), "error: cannot write the output: {e}");
    2
}

/// The status a command exits with, after reporting on standard error every internal error the
/// numbers found (a derivative in forward mode that disagrees with its finite differences, see
/// docs/performance.md): a bug of the tool, not of the input, which changes no verdict nor the
/// status.
pub fn finish(code: i32) -> i32 {
    let (total, texts) = crate::check::internal_derivative_errors();
    for text in &texts {
        eprintln!("gradproof: internal error (please report): {text}");
    }
    if total > texts.len() as u64 {
        eprintln!("gradproof: internal error (please report): {} more such disagreements", total - texts.len() as u64);
    }
    code
}
