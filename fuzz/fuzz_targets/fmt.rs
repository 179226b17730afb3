//! Any bytes → `fmt` → `fmt` again: never panics, and the second pass changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tariffc::syntax::text::format::format;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(once) = format(text) else {
        return;
    };
    match format(&once) {
        Ok(twice) => assert_eq!(once, twice, "fmt is not idempotent"),
        Err(diagnostics) => panic!("fmt output does not parse: {diagnostics:#?}\n{once}"),
    }
});
