//! Any bytes as an answer in LaTeX and in Markdown, read against the LSTM forget-gate model: the
//! reader (block scanner, mitex-parser, our tree and expressions) never panics. Checking what it
//! read is the `check` target's business.
#![no_main]

use std::sync::OnceLock;

use gradproof::latex::{read_answer, AnswerKind};
use gradproof::syntax::ast::File;
use gradproof::syntax::parse_file;
use libfuzzer_sys::fuzz_target;

fn model() -> &'static File {
    static MODEL: OnceLock<File> = OnceLock::new();
    MODEL.get_or_init(|| parse_file(include_str!("../../derivations/lstm_forget_gate.deriv")).0)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [AnswerKind::Tex, AnswerKind::Markdown] {
        let (derivations, errors) = read_answer(text, kind, model());
        for e in &errors {
            assert!(e.span.start <= e.span.end && e.span.end <= text.len(), "{e:?}");
        }
        for d in &derivations {
            assert!(!d.steps.is_empty());
        }
    }
});
