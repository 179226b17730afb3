#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `cargo bench --bench simulate`: events per second of `simulate`, end to end (trace bytes →
//! JSON report written out) and of the evaluation core alone (events read and interned →
//! state, no parsing, no report), on the shapes that matter:
//! - the default shape, `BENCH_EVENTS` (2,000,000) over `BENCH_CUSTOMERS` (10,000): from a JSON
//!   Lines file and from the same events in a Parquet file (both read as the CLI reads them),
//!   the core, and line parsing alone;
//! - many customers, the same events over `BENCH_MANY` (100,000) customers (20 events each):
//!   end to end from JSON Lines (skipped with `BENCH_MANY=0`).
//!
//! `BENCH_RUNS` sets the timings taken (best reported, default 3); `BENCH_ONLY_CORE=1` skips
//! the end-to-end runs. Traces come from the deterministic generator (`gen-trace`). The report
//! goes to a counting sink, as `simulate --format json > /dev/null` would write it.

use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;
use tariffc::eval::engine::Engine;
use tariffc::eval::intern::Reader;
use tariffc::eval::{simulate, Options};
use tariffc::ir::Document;
use tariffc::load::load;
use tariffc::source::{Source, SourceFormat};
use tariffc::trace::{parse_line, EventSource, Kind};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Counts the bytes written to it.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The best of `runs` end-to-end timings of `source()` → JSON report: (seconds, of which
/// writing the report, report MB).
fn end_to_end<'t>(
    doc: &Document,
    runs: usize,
    mut source: impl FnMut() -> Box<dyn EventSource + 't>,
) -> (f64, f64, f64) {
    let mut best = (f64::MAX, 0.0);
    let mut mb = 0.0;
    for _ in 0..runs {
        let start = Instant::now();
        let mut src = source();
        let sim = simulate(doc, &mut *src, Options::default()).unwrap();
        let mid = Instant::now();
        let mut out = Count(0);
        tariffc::report::json::report(&sim.results(), true, &mut out).unwrap();
        let secs = start.elapsed().as_secs_f64();
        if secs < best.0 {
            best = (secs, mid.elapsed().as_secs_f64());
        }
        mb = out.0 as f64 / 1e6;
        drop(sim);
    }
    (best.0, best.1, mb)
}

/// The trace's events as a Parquet file (the columns of `tables.md`, as a warehouse export
/// would hold them: `at` TIMESTAMP(µs, UTC), `n` DECIMAL(38, 12), snappy pages).
fn to_parquet(trace: &str, path: &std::path::Path) {
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("customer", DataType::Utf8, false),
        Field::new("subscribe", DataType::Utf8, true),
        Field::new("feature", DataType::Utf8, true),
        Field::new("n", DataType::Decimal128(38, 12), true),
        Field::new("set", DataType::Boolean, true),
        Field::new("purchase", DataType::Utf8, true),
        Field::new("quantity", DataType::Int64, true),
        Field::new("recharge", DataType::Utf8, true),
        Field::new("enabled", DataType::Boolean, true),
        Field::new("cancel", DataType::Boolean, true),
    ]));
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props)).unwrap();
    let lines: Vec<&str> = trace.lines().collect();
    for chunk in lines.chunks(1 << 16) {
        let mut at = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        let mut customer = StringBuilder::new();
        let (mut subscribe, mut feature, mut purchase, mut recharge) = (
            StringBuilder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
        );
        let mut n = Decimal128Builder::new()
            .with_precision_and_scale(38, 12)
            .unwrap();
        let (mut set, mut enabled, mut cancel) = (
            BooleanBuilder::new(),
            BooleanBuilder::new(),
            BooleanBuilder::new(),
        );
        let mut quantity = Int64Builder::new();
        for l in chunk {
            let e = parse_line(l).unwrap();
            at.append_value(e.at.unix_micros().unwrap());
            customer.append_value(&e.customer);
            let (mut s, mut f, mut p, mut r) = (None, None, None, None);
            let (mut nv, mut setv, mut q, mut en, mut c) = (None, None, None, None, None);
            match &e.kind {
                Kind::Subscribe(plan) => s = Some(plan.to_string()),
                Kind::Usage {
                    feature: id,
                    n: v,
                    set: st,
                } => {
                    f = Some(id.to_string());
                    let mut v = *v;
                    v.rescale(12);
                    nv = Some(v.mantissa());
                    setv = st.then_some(true);
                }
                Kind::Purchase { addon, quantity: k } => {
                    p = Some(addon.to_string());
                    q = Some(*k as i64);
                }
                Kind::Recharge {
                    feature: id,
                    enabled: on,
                } => {
                    r = Some(id.to_string());
                    en = Some(*on);
                }
                Kind::Cancel => c = Some(true),
            }
            subscribe.append_option(s);
            feature.append_option(f);
            purchase.append_option(p);
            recharge.append_option(r);
            n.append_option(nv);
            set.append_option(setv);
            quantity.append_option(q);
            enabled.append_option(en);
            cancel.append_option(c);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(at.finish()),
            Arc::new(customer.finish()),
            Arc::new(subscribe.finish()),
            Arc::new(feature.finish()),
            Arc::new(n.finish()),
            Arc::new(set.finish()),
            Arc::new(purchase.finish()),
            Arc::new(quantity.finish()),
            Arc::new(recharge.finish()),
            Arc::new(enabled.finish()),
            Arc::new(cancel.finish()),
        ];
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
}

fn main() {
    let events = env("BENCH_EVENTS", 2_000_000);
    let customers = env("BENCH_CUSTOMERS", 10_000);
    let many = env("BENCH_MANY", 100_000);
    // The best of `runs` timings is reported (the machine's noise only ever adds time).
    let runs = env("BENCH_RUNS", 3).max(1);
    let only_core = std::env::var_os("BENCH_ONLY_CORE").is_some();
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
    let rate = |s: f64| events as f64 / s / 1e6;

    if !only_core {
        // Both from files, as the CLI reads them (the page cache holds both after the first run).
        let dir = tempfile::tempdir().unwrap();
        let jsonl = dir.path().join("bench.jsonl");
        std::fs::write(&jsonl, &trace).unwrap();
        let parquet = dir.path().join("bench.parquet");
        to_parquet(&trace, &parquet);
        let files = |path: &std::path::Path| -> Box<dyn EventSource> {
            let inputs =
                tariffc::trace::source::inputs(&[path.display().to_string()], None).unwrap();
            Box::new(tariffc::trace::Files::open(inputs).unwrap().0)
        };
        let (secs, report, mb) = end_to_end(&doc, runs, || files(&jsonl));
        println!(
            "simulate end to end (JSONL):   {:>6.2} M events/s ({secs:.3} s; the report {report:.3} s, {mb:.1} MB)",
            rate(secs)
        );
        let size = std::fs::metadata(&parquet).unwrap().len() as f64 / 1e6;
        let (secs, _, _) = end_to_end(&doc, runs, || files(&parquet));
        println!(
            "simulate end to end (Parquet): {:>6.2} M events/s ({secs:.3} s; the file {size:.1} MB)",
            rate(secs)
        );
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
    println!(
        "evaluation core:               {:>6.2} M events/s ({best_core:.3} s)",
        rate(best_core)
    );

    // Parsing alone, for reference.
    let start = Instant::now();
    let mut ok = 0usize;
    for l in trace.lines() {
        ok += usize::from(parse_line(l).is_ok());
    }
    let parse = start.elapsed().as_secs_f64();
    assert_eq!(ok, events);
    println!(
        "line parsing alone:            {:>6.2} M events/s ({parse:.3} s)",
        rate(parse)
    );

    if many > 0 && !only_core {
        drop(trace);
        let trace = tariffc::eval::gen::trace(events, many, 1);
        let (secs, report, mb) = end_to_end(&doc, runs, || {
            Box::new(tariffc::trace::JsonLines::new("bench", trace.as_bytes()))
        });
        println!(
            "many customers ({many}), end to end (JSONL): {:>6.2} M events/s ({secs:.3} s; the report {report:.3} s, {mb:.1} MB)",
            rate(secs)
        );
    }
}
