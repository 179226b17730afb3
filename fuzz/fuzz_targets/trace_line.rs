//! Any bytes as a JSON Lines trace: no line makes the parser panic, and on every line the fast
//! path agrees exactly with the general parser (`tariffc_fuzz::trace_line`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(mismatch) = tariffc_fuzz::trace_line::check_bytes(data) {
        panic!("{mismatch}");
    }
});
