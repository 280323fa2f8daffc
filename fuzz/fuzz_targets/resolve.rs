//! Any text: parsing and name resolution never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        let (file, _) = gradproof::syntax::parse_file(source);
        let _ = gradproof::model::resolve(&file);
    }
});
