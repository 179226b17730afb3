//! `gen-trace EVENTS CUSTOMERS [SEED]`: a deterministic JSONL trace for `benches/pricing.json`.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> Option<u64> {
        match args.get(i) {
            Some(a) => a.parse().ok(),
            None => Some(default),
        }
    };
    let (Some(events), Some(customers), Some(seed)) = (num(0, 1_000_000), num(1, 1000), num(2, 1))
    else {
        eprintln!("usage: gen-trace EVENTS CUSTOMERS [SEED]");
        return ExitCode::from(2);
    };
    let trace = tariffc::eval::gen::trace(events as usize, customers as usize, seed);
    match std::io::stdout().lock().write_all(trace.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-trace: {e}");
            ExitCode::from(2)
        }
    }
}
