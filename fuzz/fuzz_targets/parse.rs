//! Any text: splitting into logical lines and parsing never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        let _ = gradproof::syntax::parse_file(source);
    }
});
