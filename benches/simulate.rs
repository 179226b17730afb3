#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `cargo bench --bench simulate`: events per second of `simulate`, end to end (JSONL bytes →
//! JSON report text) and of the evaluation core alone (events read and interned → state, no
//! parsing, no report). `BENCH_EVENTS` and `BENCH_CUSTOMERS` set the trace size (default 2,000,000 over
//! 10,000 customers; `BENCH_RUNS` the timings taken, best reported, default 3); the trace comes
//! from the deterministic generator (`gen-trace`). `BENCH_ONLY_CORE=1` skips the end-to-end runs.

use std::time::Instant;
use tariffc::eval::engine::Engine;
use tariffc::eval::intern::Reader;
use tariffc::eval::{simulate, Options};
use tariffc::load::load;
use tariffc::source::{Source, SourceFormat};
use tariffc::trace::parse_line;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let events = env("BENCH_EVENTS", 2_000_000);
    let customers = env("BENCH_CUSTOMERS", 10_000);
    // The best of `runs` timings is reported (the machine's noise only ever adds time).
    let runs = env("BENCH_RUNS", 3).max(1);
    let text = std::fs::read_to_string("benches/pricing.json").unwrap();
    let loaded = load(
        Source::new("benches/pricing.json", text),
        SourceFormat::Json,
    );
    let doc = loaded.document.expect("benches/pricing.json checks");
    let trace = tariffc::eval::gen::trace(events, customers, 1);
    println!(
        "trace: {events} events over {customers} customers, {:.1} MB",
        trace.len() as f64 / 1e6
    );

    // End to end: bytes in, report text out (as `simulate --format json` writes it).
    let only_core = std::env::var_os("BENCH_ONLY_CORE").is_some();
    let mut best_e2e = f64::MAX;
    let mut best_report = f64::MAX;
    let mut report_mb = 0.0;
    for _ in 0..if only_core { 0 } else { runs } {
        let start = Instant::now();
        let sim = simulate(
            &doc,
            &mut tariffc::trace::JsonLines::new("bench", trace.as_bytes()),
            Options::default(),
        )
        .unwrap();
        let mid = Instant::now();
        let report = sim.text(true).unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert!(report.len() > 100);
        report_mb = report.len() as f64 / 1e6;
        best_e2e = best_e2e.min(secs);
        best_report = best_report.min(mid.elapsed().as_secs_f64());
        drop(sim);
    }

    // Core: lines already read and interned (customers and names are numbers); applying the
    // events and settling `until`.
    let mut best_core = f64::MAX;
    for _ in 0..runs {
        // In batches, as `simulate` hands them over.
        let mut reader = Reader::new(&doc);
        let mut batches = vec![tariffc::eval::intern::Batch::default()];
        for (i, l) in trace.lines().enumerate() {
            if batches.last().unwrap().len() >= tariffc::eval::BATCH {
                batches.push(tariffc::eval::intern::Batch::default());
            }
            let pos = tariffc::trace::Pos::line(i as u64 + 1);
            reader.push(pos, parse_line(l), batches.last_mut().unwrap());
        }
        let start = Instant::now();
        let mut engine = Engine::new(&doc, None);
        for mut batch in batches {
            engine.take_all(&mut batch).unwrap();
        }
        engine.finish().unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert!(engine.errors.is_empty(), "{:?}", engine.errors.first());
        best_core = best_core.min(secs);
    }

    // Parsing alone, for reference.
    let start = Instant::now();
    let mut ok = 0usize;
    for l in trace.lines() {
        ok += usize::from(parse_line(l).is_ok());
    }
    let parse = start.elapsed().as_secs_f64();
    assert_eq!(ok, events);

    let rate = |s: f64| events as f64 / s / 1e6;
    if !only_core {
        println!(
            "simulate end to end: {:>7.2} M events/s ({best_e2e:.3} s; the report {best_report:.3} s, {report_mb:.1} MB)",
            rate(best_e2e)
        );
    }
    println!(
        "evaluation core:     {:>7.2} M events/s ({best_core:.3} s)",
        rate(best_core)
    );
    println!(
        "line parsing alone:  {:>7.2} M events/s ({parse:.3} s)",
        rate(parse)
    );
}
