//! The evaluator: `quote` (one period of one plan) and `simulate` (records from any
//! [`EventSource`] in, a [`result::Results`] out).
//!
//! Pipeline: a source hands over records (`crate::trace`) → [`intern`] numbers their customers
//! and names (on the reading thread) → [`engine`] hands each event to its [`customer`] (on the
//! evaluating thread; [`usage`], [`period`], [`state`], [`time`], with [`crate::price`] for tier
//! arithmetic) → [`result`] reads the finished evaluation for the writers (`crate::report`).
//! The evaluator sees only the checked IR.

pub mod customer;
pub mod engine;
pub mod gen;
pub mod intern;
pub mod outcome;
pub mod period;
pub mod plan;
pub mod quote;
pub mod result;
pub mod state;
pub mod time;
pub mod usage;

use crate::exact;
use crate::trace::{EventSource, JsonLines, ReadError};
use engine::Engine;
use intern::{Batch, Reader};
use std::ops::ControlFlow;
use std::sync::mpsc;
use time::{Instant, TimeError};

/// What `simulate` was asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub until: Option<Instant>,
    pub skip_invalid: bool,
    /// Report only these customers (empty: all).
    pub customers: Vec<String>,
}

/// Why a simulation produced no report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The trace has invalid lines (and `--skip-invalid` was not given): one message per line.
    Invalid(Vec<String>),
    /// An amount that cannot be held exactly, or a read error: one message.
    Fatal(String),
}

/// Parse `--until`.
pub fn parse_until(text: &str) -> Result<Instant, String> {
    Instant::parse(text).map_err(|e| match e {
        TimeError::MissingOffset => {
            format!("`--until {text}` has no offset: add `Z` or `+HH:MM`")
        }
        TimeError::Malformed => format!("`--until {text}` is not an RFC 3339 timestamp"),
    })
}

/// A finished simulation: the engine's state and the report's `until`.
pub struct Simulation<'d> {
    pub engine: Engine<'d>,
    pub until: Option<Instant>,
    pub options: Options,
}

impl<'d> Simulation<'d> {
    /// The result, read customer by customer (only the customers selected by `options`).
    pub fn results(&self) -> result::Results<'_, 'd> {
        result::Results::new(&self.engine, self.until, &self.options.customers)
    }

    /// The JSON report as text (pretty: serde_json's two-space layout).
    pub fn text(&self, pretty: bool) -> Result<String, Failure> {
        crate::report::json::report_text(&self.results(), pretty)
            .map_err(|e| Failure::Fatal(e.to_string()))
    }

    /// The JSON report as a value.
    pub fn json(&self) -> Result<serde_json::Value, Failure> {
        crate::report::json::report_value(&self.results())
            .map_err(|e| Failure::Fatal(e.to_string()))
    }
}

/// Entries per batch handed from the reading thread to the evaluating one: large enough that
/// the engine can group a batch's events by customer (about 3 MB; at most four are alive).
pub const BATCH: usize = 1 << 16;

/// The most entries per batch: with many customers a batch grows (up to about 24 MB), so that
/// it still holds several events per customer and the engine can group them.
pub const BATCH_MAX: usize = 1 << 19;

/// Entries per batch once `customers` customers have been seen: four events per customer,
/// within [`BATCH`]..=[`BATCH_MAX`]. Small traces keep small batches, so the evaluating
/// thread starts early; many customers get batches the engine can group.
pub fn batch_size(customers: usize) -> usize {
    customers
        .saturating_mul(4)
        .checked_next_power_of_two()
        .unwrap_or(BATCH_MAX)
        .clamp(BATCH, BATCH_MAX)
}

/// Read the trace into batches and hand each to `send`; stop early when it refuses.
fn read_trace(
    doc: &crate::ir::Document,
    source: &mut dyn EventSource,
    mut send: impl FnMut(Batch) -> Option<Batch>,
) -> Result<(), Failure> {
    let mut reader = Reader::new(doc);
    let mut batch = Batch::with_capacity(BATCH + 8);
    let mut stopped = false;
    source
        .read(&mut |pos, record| {
            reader.push(pos, record, &mut batch);
            if batch.len() >= BATCH && batch.len() >= batch_size(reader.customers()) {
                match send(std::mem::take(&mut batch)) {
                    Some(spare) => batch = spare,
                    None => {
                        stopped = true;
                        return ControlFlow::Break(());
                    }
                }
            }
            ControlFlow::Continue(())
        })
        .map_err(|e: ReadError| Failure::Fatal(e.to_string()))?;
    if !batch.is_empty() && !stopped {
        send(batch);
    }
    Ok(())
}

/// Run a trace from any source (streaming: memory does not grow with the trace).
///
/// Two threads: this one reads and parses lines into batches of interned events, another
/// applies them in order (a bounded queue keeps memory flat). The report is the same as one
/// thread would give; the batches carry everything in trace order.
pub fn simulate<'d>(
    doc: &'d crate::ir::Document,
    source: &mut dyn EventSource,
    options: Options,
) -> Result<Simulation<'d>, Failure> {
    let mut engine = Engine::new(doc, options.until);
    engine.inputs = source.inputs();
    let fatal = |o: exact::Overflow| Failure::Fatal(o.to_string());
    let (read, applied) = std::thread::scope(|scope| {
        let (to_engine, batches) = mpsc::sync_channel::<Batch>(1);
        let (to_reader, spares) = mpsc::channel::<Batch>();
        let engine = &mut engine;
        let worker = std::thread::Builder::new()
            .name("tariffc-evaluate".into())
            .spawn_scoped(scope, move || -> exact::Exact<()> {
                for mut batch in batches {
                    engine.take_all(&mut batch)?;
                    // The reader may be gone already; the spare is then simply dropped.
                    let _ = to_reader.send(batch);
                }
                Ok(())
            });
        let worker = match worker {
            Ok(w) => w,
            Err(e) => {
                let no = Failure::Fatal(format!("cannot start the evaluating thread: {e}"));
                return (Err(no), Ok(()));
            }
        };
        let read = read_trace(doc, source, |batch| {
            to_engine.send(batch).ok()?;
            Some(
                spares
                    .try_recv()
                    .unwrap_or_else(|_| Batch::with_capacity(BATCH + 8)),
            )
        });
        drop(to_engine);
        let applied = worker.join().unwrap_or_else(|_| {
            Err(exact::Overflow::new(
                "the evaluating thread (internal error)",
            ))
        });
        (read, applied)
    });
    applied.map_err(fatal)?;
    read?;
    let until = engine.finish().map_err(|o| Failure::Fatal(o.to_string()))?;
    if !options.skip_invalid {
        let invalid = result::invalid(&engine, &options.customers);
        if !invalid.is_empty() {
            return Err(Failure::Invalid(
                invalid
                    .iter()
                    .map(|e| format!("error[{}]: {}: {}", e.code, e.place.describe(), e.message))
                    .collect(),
            ));
        }
    }
    Ok(Simulation {
        engine,
        until,
        options,
    })
}

/// Run a JSONL trace against a document and return the spec's JSON report (`simulate --format json`).
/// `Err` carries the trace errors (as the CLI would print them) when the trace is invalid and skip_invalid is false.
pub fn simulate_json(
    doc: &crate::ir::Document,
    trace: &str,
    until: Option<&str>,
    skip_invalid: bool,
) -> Result<serde_json::Value, Vec<String>> {
    let until = until.map(parse_until).transpose().map_err(|e| vec![e])?;
    let options = Options {
        until,
        skip_invalid,
        customers: Vec::new(),
    };
    let sim = simulate(doc, &mut JsonLines::new("trace", trace.as_bytes()), options).map_err(
        |f| match f {
            Failure::Invalid(v) => v,
            Failure::Fatal(m) => vec![m],
        },
    )?;
    sim.json().map_err(|f| match f {
        Failure::Invalid(v) => v,
        Failure::Fatal(m) => vec![m],
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::load::load;
    use crate::source::{Source, SourceFormat};

    #[test]
    fn batches_grow_with_the_customers_within_bounds() {
        assert_eq!(batch_size(0), BATCH);
        assert_eq!(batch_size(10_000), BATCH);
        assert_eq!(batch_size(20_000), 1 << 17);
        assert_eq!(batch_size(100_000), BATCH_MAX);
        assert_eq!(batch_size(usize::MAX), BATCH_MAX);
    }

    #[test]
    fn lines_split_across_buffer_refills_read_the_same() {
        let doc = crate::eval::gen::bench_document();
        // CRLF endings, a blank line, an invalid UTF-8 line and a last line without `\n`.
        let mut trace = gen::trace(300, 7, 3).replace('\n', "\r\n").into_bytes();
        trace.extend_from_slice(b"\n\xff\xfe\n");
        trace.extend_from_slice(
            br#"{"at":"2026-03-01T00:00:00Z","customer":"cust:1","cancel":true}"#,
        );
        let opts = || Options {
            skip_invalid: true,
            ..Options::default()
        };
        let whole = simulate(
            &doc,
            &mut crate::trace::JsonLines::new("trace", trace.as_slice()),
            opts(),
        )
        .unwrap()
        .text(false)
        .unwrap();
        for cap in [1, 2, 7, 64, 1000] {
            let reader = std::io::BufReader::with_capacity(cap, trace.as_slice());
            let split = simulate(
                &doc,
                &mut crate::trace::JsonLines::new("trace", reader),
                opts(),
            )
            .unwrap()
            .text(false)
            .unwrap();
            assert_eq!(split, whole, "capacity {cap}");
        }
        assert!(whole.contains("not valid UTF-8"));
    }

    /// Line by line, one event at a time, in trace order: the reference for the batched,
    /// grouped path of `simulate`.
    fn one_by_one(doc: &crate::ir::Document, trace: &str, until: Option<Instant>) -> String {
        let mut engine = Engine::new(doc, until);
        for (i, l) in trace.lines().enumerate() {
            if !l.trim().is_empty() {
                let pos = crate::trace::Pos::line(i as u64 + 1);
                engine
                    .feed_record(pos, crate::trace::parse_line(l))
                    .unwrap();
            }
        }
        let until = engine.finish().unwrap();
        let sim = Simulation {
            engine,
            until,
            options: Options {
                until,
                skip_invalid: true,
                customers: Vec::new(),
            },
        };
        sim.text(false).unwrap()
    }

    #[test]
    fn grouping_events_by_customer_changes_nothing() {
        let doc = crate::eval::gen::bench_document();
        // Many events per customer, with invalid lines, unknown names and lines out of order.
        let mut lines: Vec<String> = gen::trace(30_000, 40, 7)
            .lines()
            .map(String::from)
            .collect();
        for i in (500..lines.len()).step_by(97) {
            lines[i] = match i % 4 {
                0 => "{not json".to_string(),
                1 => lines[i].replace("feature:api", "feature:nope"),
                2 => lines[i].replace("plan:bench@2", "plan:gone"),
                _ => lines[i - 300].clone(),
            };
        }
        let trace = lines.join("\n");
        for until in [None, Some(parse_until("2026-01-20T00:00:00Z").unwrap())] {
            let options = Options {
                until,
                skip_invalid: true,
                customers: Vec::new(),
            };
            let batched = simulate(
                &doc,
                &mut crate::trace::JsonLines::new("trace", trace.as_bytes()),
                options,
            )
            .unwrap()
            .text(false)
            .unwrap();
            assert_eq!(batched, one_by_one(&doc, &trace, until));
            assert!(batched.contains("trace-order") && batched.contains("unknown-feature"));
        }
    }

    #[test]
    fn a_grouped_batch_reports_the_overflow_at_the_earliest_line() {
        let text = r#"{"plans":{"plan:x@1":{"features":{
            "feature:a":{"tiers":[{"price":0}]},"feature:b":{"tiers":[{"price":0}]}}}}}"#;
        let loaded = load(Source::new("p.json", text.to_string()), SourceFormat::Json);
        let doc = loaded.document.expect("the plan checks");
        let mut trace = String::new();
        for c in ["A", "B"] {
            trace += &format!(
                "{{\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"{c}\",\"subscribe\":\"plan:x@1\"}}\n"
            );
        }
        // A (applied first when grouped) overflows at a later line than B.
        for i in 0..3000 {
            let (c, f) = if i % 2 == 0 { ("A", "a") } else { ("B", "b") };
            let big = matches!((c, i), ("A", 1000 | 1998) | ("B", 1001 | 1501));
            let n = if big { "5e28" } else { "1" };
            trace += &format!(
                "{{\"at\":\"2026-01-01T00:{:02}:{:02}Z\",\"customer\":\"{c}\",\"feature\":\"feature:{f}\",\"n\":{n}}}\n",
                i / 60 % 60,
                i % 60
            );
        }
        let fatal = |r: Result<Simulation<'_>, Failure>| match r {
            Err(Failure::Fatal(m)) => m,
            _ => String::from("no overflow"),
        };
        let grouped = fatal(simulate(
            &doc,
            &mut crate::trace::JsonLines::new("trace", trace.as_bytes()),
            Options::default(),
        ));
        assert_eq!(
            grouped,
            "error[arithmetic-overflow]: feature:b cannot be held exactly"
        );
        let mut engine = Engine::new(&doc, None);
        let one_by_one = trace
            .lines()
            .enumerate()
            .find_map(|(i, l)| {
                let pos = crate::trace::Pos::line(i as u64 + 1);
                engine.feed_record(pos, crate::trace::parse_line(l)).err()
            })
            .map(|o| o.to_string());
        assert_eq!(one_by_one.as_deref(), Some(grouped.as_str()));
    }
}
