//! The JSON report (`--format json`), its streaming form (`--format jsonl`) and `quote`'s
//! invoice, rendered from the evaluation's result.
//!
//! Invariant: exactly the shapes of `trace-and-reports.md` and `tables.md`: money fields
//! `amount`, `total`, `revenue` and `totals` are integers in minor units; prices, band amounts
//! and quantities are exact decimal strings without trailing zeros; times in UTC with `Z`.
//! The customers' entries are written in blocks, each block's text handed to the output before
//! the next is formatted, so memory holds one block, not the report.

use super::json_out::JsonOut;
use super::{minor_units, WriteError};
use crate::eval::result::{CustomerResult, Invoice, Line, Note, Results, Summary};
use crate::eval::time::Instant;
use crate::exact::Exact;
use crate::price::Band;
use crate::trace::Place;
use rust_decimal::Decimal;
use std::io::Write;

/// Customers per block handed to the output.
const BLOCK: usize = 1024;
/// Blocks of at least this many customers are formatted in two halves, on two threads.
const PARALLEL_MIN: usize = 512;

fn money(j: &mut JsonOut, d: Decimal) -> Exact<()> {
    j.int(minor_units(d)?);
    Ok(())
}

/// `file` (when named), then `line` or `row`.
fn place(j: &mut JsonOut, place: &Place<'_>) {
    if let Some(f) = place.file {
        j.key("file").str(f);
    }
    if let Some(l) = place.line {
        j.key("line").int(l);
    }
    if let Some(r) = place.row {
        j.key("row").int(r);
    }
}

fn note(j: &mut JsonOut, n: &Note<'_>) {
    j.obj();
    place(j, &n.place);
    j.key("code").str(n.code);
    j.key("message").str(n.message);
    j.end_obj();
}

fn band(j: &mut JsonOut, b: &Band) {
    j.obj();
    j.key("from").dec(Decimal::from(b.from));
    match b.to {
        Some(to) => j.key("to").dec(Decimal::from(to)),
        None => j.key("to").raw("null"),
    }
    j.key("quantity").dec(b.quantity);
    j.key("price").dec(b.price);
    j.key("base").dec(b.base);
    j.key("amount").dec(b.amount);
    j.end_obj();
}

fn line(j: &mut JsonOut, line: &Line<'_>) -> Exact<()> {
    j.obj();
    j.key("kind").str(line.kind());
    match line {
        Line::Base(b) => {
            j.key("feature").str(b.feature);
            j.key("quantity").str("1");
            j.key("amount");
            money(j, b.amount)?;
            if let Some(p) = &b.prorated {
                j.key("full_amount").dec(p.full_amount);
                j.key("fraction").obj();
                j.key("elapsed").dec(p.elapsed_secs());
                j.key("length").dec(p.length_secs());
                j.end_obj();
            }
        }
        Line::Usage(u) => {
            j.key("feature").str(u.feature);
            j.key("used").dec(u.used);
            j.key("covered").dec(u.covered);
            j.key("billable").dec(u.billable);
            j.key("bands").arr();
            for b in u.bands {
                band(j, b);
            }
            j.end_arr();
            j.key("amount");
            money(j, u.amount)?;
        }
        Line::Addon(a) => {
            j.key("addon").str(a.addon);
            j.key("quantity").int(a.quantity);
            j.key("price").dec(a.price);
            j.key("amount");
            money(j, a.amount)?;
            j.key("at").time(a.at);
            j.key("auto").raw(if a.auto { "true" } else { "false" });
        }
    }
    j.end_obj();
    Ok(())
}

/// `plan`, `currency`, then (for `simulate`) `period` and `status`, then `lines` and `total`.
pub fn invoice(j: &mut JsonOut, inv: &Invoice<'_>) -> Exact<()> {
    j.obj();
    j.key("plan").str(inv.plan);
    j.key("currency").str(&inv.currency.code);
    if let Some((period, status)) = &inv.period {
        j.key("period").obj();
        j.key("start").time(period.start);
        j.key("end").time(period.end);
        j.end_obj();
        j.key("status").str(status.as_str());
    }
    j.key("lines").arr();
    for l in &inv.lines {
        line(j, l)?;
    }
    j.end_arr();
    j.key("total");
    money(j, inv.total)?;
    j.end_obj();
    Ok(())
}

/// `quote`'s invoice as JSON text.
pub fn invoice_text(inv: &Invoice<'_>, pretty: bool) -> Exact<String> {
    let mut j = JsonOut::new(pretty);
    invoice(&mut j, inv)?;
    Ok(j.finish())
}

/// One entry of the report's `customers`.
pub fn customer(j: &mut JsonOut, c: &CustomerResult<'_>) -> Exact<()> {
    j.obj();
    j.key("customer").str(c.customer);
    match c.plan {
        Some(p) => j.key("plan").str(p),
        None => j.key("plan").raw("null"),
    }
    j.key("invoices").arr();
    for inv in &c.invoices {
        invoice(j, inv)?;
    }
    j.end_arr();
    j.key("limits").arr();
    for l in &c.limits {
        j.obj();
        j.key("feature").str(l.feature);
        j.key("used").dec(l.used);
        j.key("balance").dec(l.balance);
        j.key("limit").opt_dec(l.limit);
        j.key("remaining").opt_dec(l.remaining);
        j.end_obj();
    }
    j.end_arr();
    j.key("rejected").arr();
    for r in &c.rejected {
        j.obj();
        place(j, &r.place);
        j.key("at").time(r.at);
        j.key("feature").str(r.feature);
        j.key("n").dec(r.n);
        j.key("code").str(r.code);
        j.key("reason").str(&r.reason);
        j.end_obj();
    }
    j.end_arr();
    j.key("warnings").arr();
    for w in &c.warnings {
        note(j, w);
    }
    j.end_arr();
    j.end_obj();
    Ok(())
}

/// `version` and `until`, which open the report, its JSON Lines' last line and `summary.json`.
fn version_and_until(j: &mut JsonOut, until: Option<Instant>) {
    j.key("version").int(1);
    match until {
        Some(u) => j.key("until").time(u),
        None => j.key("until").raw("null"),
    }
}

/// `summary.json` beside the result tables: `{"version": 1, "until": …, "summary": {…}}`, the
/// report's `summary` object as the report writes it, pretty.
pub fn summary_json(until: Option<Instant>, s: &Summary<'_>) -> Exact<String> {
    let mut j = JsonOut::new(true);
    j.obj();
    version_and_until(&mut j, until);
    j.key("summary");
    summary(&mut j, s)?;
    j.end_obj();
    Ok(j.finish())
}

/// `invalid` and `summary`, the report's last two members.
fn closing(j: &mut JsonOut, invalid: &[Note<'_>], s: &Summary<'_>) -> Exact<()> {
    j.key("invalid").arr();
    for e in invalid {
        note(j, e);
    }
    j.end_arr();
    j.key("summary");
    summary(j, s)?;
    Ok(())
}

/// The report's `summary` object.
pub fn summary(j: &mut JsonOut, s: &Summary<'_>) -> Exact<()> {
    j.obj();
    j.key("customers").int(s.customers);
    j.key("invoices").int(s.invoices);
    j.key("events").int(s.events);
    j.key("rejected").int(s.rejected);
    j.key("invalid").int(s.invalid);
    j.key("after_until").int(s.after_until);
    j.key("totals").obj();
    for (code, t) in &s.totals {
        j.key(code);
        money(j, t.total)?;
    }
    j.end_obj();
    j.key("addons").arr();
    for a in &s.addons {
        j.obj();
        j.key("plan").str(a.plan);
        j.key("addon").str(a.addon);
        j.key("currency").str(&a.currency.code);
        j.key("purchased").int(a.purchased);
        j.key("auto").int(a.auto);
        j.key("recharges").int(a.recharges);
        j.key("revenue");
        money(j, a.revenue)?;
        j.end_obj();
    }
    j.end_arr();
    j.end_obj();
    Ok(())
}

/// Write customers `from..to` with `each` into `j`.
fn customers_into(
    j: &mut JsonOut,
    results: &Results<'_, '_>,
    range: std::ops::Range<usize>,
    each: fn(&mut JsonOut, &CustomerResult<'_>) -> Exact<()>,
) -> Exact<()> {
    for i in range {
        if let Some(c) = results.customer(i)? {
            each(j, &c)?;
        }
    }
    Ok(())
}

/// Every listed customer through `each`, block by block into `w`; a large block is formatted in
/// two halves on two threads (the second continuing the first's container), joined in order,
/// so the text is the same as one thread would write.
fn stream_customers(
    j: &mut JsonOut,
    results: &Results<'_, '_>,
    w: &mut dyn Write,
    each: fn(&mut JsonOut, &CustomerResult<'_>) -> Exact<()>,
) -> Result<(), WriteError> {
    stream_blocks(j, results, w, each, BLOCK, PARALLEL_MIN)
}

/// [`stream_customers`] with its block size and parallel threshold given.
fn stream_blocks(
    j: &mut JsonOut,
    results: &Results<'_, '_>,
    w: &mut dyn Write,
    each: fn(&mut JsonOut, &CustomerResult<'_>) -> Exact<()>,
    block: usize,
    parallel_min: usize,
) -> Result<(), WriteError> {
    let n = results.len();
    let mut start = 0;
    while start < n {
        let end = (start + block.max(1)).min(n);
        if end - start >= parallel_min.max(2) {
            let mid = start + (end - start) / 2;
            let mut second = j.continuing(true);
            let (first, other) = std::thread::scope(|scope| {
                let handle = scope.spawn(|| customers_into(&mut second, results, mid..end, each));
                let first = customers_into(j, results, start..mid, each);
                let other = handle.join().unwrap_or_else(|_| {
                    Err(crate::exact::Overflow::new(
                        "the report's writing thread (internal error)",
                    ))
                });
                (first, other)
            });
            first?;
            other?;
            j.flush_to(w)?;
            w.write_all(second.text().as_bytes())?;
            j.mark_element();
        } else {
            customers_into(j, results, start..end, each)?;
            j.flush_to(w)?;
        }
        start = end;
    }
    Ok(())
}

/// The whole report, streamed to `w` (pretty: serde_json's two-space layout).
pub fn report(
    results: &Results<'_, '_>,
    pretty: bool,
    w: &mut dyn Write,
) -> Result<(), WriteError> {
    let mut j = JsonOut::new(pretty);
    j.obj();
    version_and_until(&mut j, results.until());
    j.key("customers").arr();
    stream_customers(&mut j, results, w, customer)?;
    j.end_arr();
    closing(&mut j, &results.invalid(), results.summary()?)?;
    j.end_obj();
    w.write_all(j.finish().as_bytes())?;
    Ok(())
}

/// The report as JSON Lines: each customer's entry on its own line, then one line holding
/// `version`, `until`, `invalid` and `summary`.
pub fn report_lines(results: &Results<'_, '_>, w: &mut dyn Write) -> Result<(), WriteError> {
    fn one(j: &mut JsonOut, c: &CustomerResult<'_>) -> Exact<()> {
        customer(j, c)?;
        j.end_line();
        Ok(())
    }
    let mut j = JsonOut::new(false);
    stream_customers(&mut j, results, w, one)?;
    j.obj();
    version_and_until(&mut j, results.until());
    closing(&mut j, &results.invalid(), results.summary()?)?;
    j.end_obj();
    j.end_line();
    w.write_all(j.finish().as_bytes())?;
    Ok(())
}

/// The whole report as text.
pub fn report_text(results: &Results<'_, '_>, pretty: bool) -> Result<String, WriteError> {
    let mut out = Vec::new();
    report(results, pretty, &mut out)?;
    String::from_utf8(out).map_err(|_| WriteError::internal("the report is not UTF-8"))
}

/// The whole report as a JSON value (parsed from its text, so both are the same).
pub fn report_value(results: &Results<'_, '_>) -> Result<serde_json::Value, WriteError> {
    let text = report_text(results, false)?;
    serde_json::from_str(&text).map_err(|e| WriteError::internal(&format!("the report ({e})")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::eval::{simulate, Options, Simulation};
    use crate::trace::JsonLines;

    /// The customers' entries as one thread writes them, one after another.
    fn plain(results: &Results<'_, '_>, pretty: bool) -> String {
        let mut j = JsonOut::new(pretty);
        j.obj();
        j.key("customers").arr();
        for c in results.customers() {
            customer(&mut j, &c.unwrap()).unwrap();
        }
        j.end_arr();
        j.end_obj();
        j.finish()
    }

    fn blocked(results: &Results<'_, '_>, pretty: bool, block: usize, par: usize) -> String {
        let mut out = Vec::new();
        let mut j = JsonOut::new(pretty);
        j.obj();
        j.key("customers").arr();
        stream_blocks(&mut j, results, &mut out, customer, block, par).unwrap();
        j.end_arr();
        j.end_obj();
        out.extend_from_slice(j.finish().as_bytes());
        String::from_utf8(out).unwrap()
    }

    /// Run the generated trace of `events` over `customers` against the bench plans.
    fn run<'d>(doc: &'d crate::ir::Document, events: usize, customers: usize) -> Simulation<'d> {
        let trace = crate::eval::gen::trace(events, customers, 3);
        let mut source = JsonLines::new("trace", trace.as_bytes());
        simulate(doc, &mut source, Options::default()).unwrap()
    }

    #[test]
    fn the_report_is_the_same_text_in_any_blocks_and_halves() {
        let doc = crate::eval::gen::bench_document();
        let sim = run(&doc, 6_000, 301);
        let results = sim.results();
        for pretty in [false, true] {
            let whole = plain(&results, pretty);
            assert!(whole.contains("\"customer\":"));
            for (block, par) in [(1, 2), (2, 2), (7, 2), (64, 3), (1024, 512), (400, 10_000)] {
                assert_eq!(
                    blocked(&results, pretty, block, par),
                    whole,
                    "{block}/{par}"
                );
            }
        }
    }

    #[test]
    fn json_lines_concatenate_to_the_report() {
        let doc = crate::eval::gen::bench_document();
        let sim = run(&doc, 3_000, 120);
        let results = sim.results();
        let mut out = Vec::new();
        report_lines(&results, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut last = lines.pop().unwrap();
        let whole = report_value(&results).unwrap();
        assert_eq!(lines.len(), results.len());
        assert_eq!(whole["customers"], serde_json::Value::Array(lines));
        assert_eq!(last["version"], 1);
        assert_eq!(last["until"], whole["until"]);
        assert_eq!(last["summary"], whole["summary"]);
        assert_eq!(last["invalid"], whole["invalid"]);
        last.as_object_mut().unwrap().clear();
    }
}
