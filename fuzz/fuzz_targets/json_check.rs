//! Any bytes → JSON front-end → checker → every diagnostic format, and for a valid document the
//! passes after the checker: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tariffc::source::SourceFormat;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        tariffc_fuzz::check_and_render("fuzz.json", text, SourceFormat::Json);
    }
});
