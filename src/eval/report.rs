//! The JSON report of a simulation (`simulate --format json`), and invoices for `quote`.
//!
//! Invariant: exactly the shape of `trace-and-reports.md`: money fields `amount`, `total`,
//! `revenue` and `totals` are integers in minor units; prices, band amounts and quantities are
//! exact decimal strings without trailing zeros; times in UTC with `Z`.

use super::engine::{Customer, Engine, Shared};
use super::state::{Invoice, Line, Sub};
use super::time::Instant;
use crate::exact::{add, div12, Exact, Overflow};
use crate::ir::{Aggregate, FeatureKind};
use crate::price::Band;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A decimal as the report prints it: no trailing zeros, no negative zero.
pub fn dec(d: Decimal) -> String {
    if d.is_zero() {
        return "0".to_string();
    }
    d.normalize().to_string()
}

fn seconds(micros: i64) -> String {
    dec(Decimal::new(micros, 6))
}

/// A JSON text writer in serde_json's layouts (compact, or pretty with two-space indents):
/// the report is written straight to text, never built as a tree.
pub struct JsonOut {
    out: String,
    pretty: bool,
    /// Per open container: whether it has an element yet.
    open: Vec<bool>,
    /// A key was just written: the next value is its value, not a new element.
    after_key: bool,
}

impl JsonOut {
    pub fn new(pretty: bool) -> JsonOut {
        JsonOut {
            out: String::with_capacity(1 << 16),
            pretty,
            open: Vec::new(),
            after_key: false,
        }
    }

    /// A writer for text that continues this one's innermost open container at its depth
    /// (`has_elements`: whether that container already has an element before it).
    fn continuing(&self, has_elements: bool) -> JsonOut {
        let mut open = self.open.clone();
        if let Some(last) = open.last_mut() {
            *last = has_elements;
        }
        JsonOut {
            out: String::new(),
            pretty: self.pretty,
            open,
            after_key: false,
        }
    }

    /// Record that the innermost open container has an element (written by a continuation).
    fn mark_element(&mut self) {
        if let Some(last) = self.open.last_mut() {
            *last = true;
        }
    }

    pub fn finish(mut self) -> String {
        if self.pretty {
            self.out.push('\n');
        }
        self.out
    }

    fn newline(&mut self, depth: usize) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..depth {
                self.out.push_str("  ");
            }
        }
    }

    fn element(&mut self) {
        let depth = self.open.len();
        if let Some(has) = self.open.last_mut() {
            let comma = *has;
            *has = true;
            if comma {
                self.out.push(',');
            }
            self.newline(depth);
        }
    }

    fn prefix(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else {
            self.element();
        }
    }

    pub fn obj(&mut self) {
        self.prefix();
        self.out.push('{');
        self.open.push(false);
    }

    pub fn arr(&mut self) {
        self.prefix();
        self.out.push('[');
        self.open.push(false);
    }

    fn end(&mut self, c: char) {
        if self.open.pop() == Some(true) {
            let depth = self.open.len();
            self.newline(depth);
        }
        self.out.push(c);
    }

    pub fn end_obj(&mut self) {
        self.end('}');
    }

    pub fn end_arr(&mut self) {
        self.end(']');
    }

    pub fn key(&mut self, k: &str) -> &mut Self {
        self.element();
        self.escaped(k);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
        self.after_key = true;
        self
    }

    pub fn str(&mut self, s: &str) {
        self.prefix();
        self.escaped(s);
    }

    pub fn dec(&mut self, d: Decimal) {
        self.prefix();
        // `normalize` strips trailing zeros and turns -0 into 0, as [`dec`] does.
        self.out.push('"');
        push_decimal(&mut self.out, d.normalize());
        self.out.push('"');
    }

    pub fn opt_dec(&mut self, d: Option<Decimal>) {
        match d {
            Some(d) => self.dec(d),
            None => self.raw("null"),
        }
    }

    pub fn int<I: TryInto<i128> + std::fmt::Display + Copy>(&mut self, i: I) {
        self.prefix();
        // Every integer the report prints (u64, usize, i64) fits in i128.
        match i.try_into() {
            Ok(v) => push_int(&mut self.out, v),
            Err(_) => {
                let _ = write!(self.out, "{i}");
            }
        }
    }

    pub fn money(&mut self, d: Decimal) -> Exact<()> {
        self.int(crate::money::to_i64(d)?);
        Ok(())
    }

    pub fn time(&mut self, t: Instant) {
        self.prefix();
        self.out.push('"');
        t.push_to(&mut self.out);
        self.out.push('"');
    }

    pub fn raw(&mut self, s: &str) {
        self.prefix();
        self.out.push_str(s);
    }

    fn escaped(&mut self, s: &str) {
        self.out.push('"');
        if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            self.out.push_str(s);
            self.out.push('"');
            return;
        }
        let mut run = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(s.get(run..i).unwrap_or_default());
            run = i + 1;
            if esc.is_empty() {
                let _ = write!(self.out, "\\u{b:04x}");
            } else {
                self.out.push_str(esc);
            }
        }
        self.out.push_str(s.get(run..).unwrap_or_default());
        self.out.push('"');
    }
}

/// The decimal digits of `v`, written without the formatting machinery.
fn push_int(out: &mut String, v: i128) {
    if v < 0 {
        out.push('-');
    }
    push_digits(out, v.unsigned_abs(), 0);
}

/// The digits of `m`, at least `min` of them (leading zeros).
fn push_digits(out: &mut String, mut m: u128, min: usize) {
    let mut buf = [b'0'; 40];
    let mut i = buf.len();
    while m > 0 || buf.len() - i < min.max(1) {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `m % 10` is below 10.
            *slot = b'0' + (m % 10) as u8;
        }
        m /= 10;
        if i == 0 {
            break;
        }
    }
    for &c in buf.get(i..).unwrap_or_default() {
        out.push(char::from(c));
    }
}

/// `d` as `Decimal`'s `Display` prints it (sign, digits, a point before the last `scale`
/// digits, a leading `0.` and zeros when needed), without the formatting machinery.
pub fn push_decimal(out: &mut String, d: Decimal) {
    let m = d.mantissa();
    let scale = d.scale() as usize;
    if m < 0 {
        out.push('-');
    }
    let u = m.unsigned_abs();
    if scale == 0 {
        push_digits(out, u, 1);
        return;
    }
    let p = 10u128.pow(d.scale());
    push_digits(out, u / p, 1);
    out.push('.');
    push_digits(out, u % p, scale);
}

fn write_band(j: &mut JsonOut, b: &Band) {
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

fn write_line(j: &mut JsonOut, sh: &Shared<'_>, plan: usize, line: &Line) -> Exact<()> {
    let p = sh.doc.plans.get(plan);
    let fid = |fi: usize| {
        p.and_then(|p| p.features.get(fi))
            .map_or("", |f| f.id.as_str())
    };
    j.obj();
    match line {
        Line::Base {
            feature,
            amount,
            prorated,
        } => {
            j.key("kind").str("base");
            j.key("feature").str(fid(*feature));
            j.key("quantity").str("1");
            j.key("amount").money(*amount)?;
            if let Some((full, elapsed, length)) = prorated {
                j.key("full_amount").dec(*full);
                j.key("fraction").obj();
                j.key("elapsed").str(&seconds(*elapsed));
                j.key("length").str(&seconds(*length));
                j.end_obj();
            }
        }
        Line::Usage {
            feature,
            used,
            covered,
            priced,
        } => {
            j.key("kind").str("usage");
            j.key("feature").str(fid(*feature));
            j.key("used").dec(*used);
            j.key("covered").dec(*covered);
            j.key("billable").dec(priced.billable);
            j.key("bands").arr();
            for b in &priced.bands {
                write_band(j, b);
            }
            j.end_arr();
            j.key("amount").money(priced.amount)?;
        }
        Line::Addon(a) => {
            j.key("kind").str("addon");
            j.key("addon").str(
                p.and_then(|p| p.addons.get(a.addon))
                    .map_or("", |x| x.id.as_str()),
            );
            j.key("quantity").int(a.quantity);
            j.key("price").dec(a.price);
            j.key("amount").money(a.amount)?;
            j.key("at").time(a.at);
            j.key("auto").raw(if a.auto { "true" } else { "false" });
        }
    }
    j.end_obj();
    Ok(())
}

/// `plan`, `currency`, then (for `simulate`) `period` and `status`, then `lines` and `total`.
pub fn write_invoice(
    j: &mut JsonOut,
    sh: &Shared<'_>,
    inv: &Invoice,
    with_period: bool,
) -> Exact<()> {
    let p = sh.doc.plans.get(inv.plan);
    j.obj();
    j.key("plan").str(p.map_or("", |p| p.id.as_str()));
    j.key("currency")
        .str(p.map_or("", |p| p.currency.code.as_str()));
    if with_period {
        j.key("period").obj();
        j.key("start").time(inv.start);
        j.key("end").time(inv.end);
        j.end_obj();
        j.key("status")
            .str(if inv.is_final { "final" } else { "draft" });
    }
    j.key("lines").arr();
    for l in &inv.lines {
        write_line(j, sh, inv.plan, l)?;
    }
    j.end_arr();
    j.key("total").money(inv.total)?;
    j.end_obj();
    Ok(())
}

/// A `quote`'s invoice as JSON text.
pub fn invoice_text(sh: &Shared<'_>, inv: &Invoice, pretty: bool) -> Exact<String> {
    let mut j = JsonOut::new(pretty);
    write_invoice(&mut j, sh, inv, false)?;
    Ok(j.finish())
}

/// One limits row, as decimals: (used, balance, limit, remaining).
pub type LimitRow = (Decimal, Decimal, Option<Decimal>, Option<Decimal>);

/// The limits of every feature of the customer's current plan as of `until`.
pub fn limits(sh: &Shared<'_>, sub: &Sub, until: Instant) -> Exact<Vec<(String, LimitRow)>> {
    let Some(plan) = sh.doc.plans.get(sub.plan) else {
        return Ok(Vec::new());
    };
    let Some(px) = sh.plans.get(sub.plan) else {
        return Ok(Vec::new());
    };
    let balance_row = |fi: usize| -> Exact<Option<LimitRow>> {
        let (Some(f), Some(fx), Some(st)) =
            (plan.features.get(fi), px.feats.get(fi), sub.feats.get(fi))
        else {
            return Ok(None);
        };
        let balance = st.balance_for_limits(until)?;
        let limit_base = add(st.drawn, balance, "a limit")?;
        Ok(Some(if f.tiers.is_empty() {
            (st.used, balance, Some(limit_base), Some(balance))
        } else if let Some(cap) = fx.cap {
            let limit = add(limit_base, cap, "a limit")?;
            (st.used, balance, Some(limit), Some(limit - st.used))
        } else {
            (st.used, balance, None, None)
        }))
    };
    let mut out = Vec::new();
    for (fi, f) in plan.features.iter().enumerate() {
        let (Some(fx), Some(st)) = (px.feats.get(fi), sub.feats.get(fi)) else {
            continue;
        };
        let row = match f.kind {
            FeatureKind::Flat => (Decimal::ONE, Decimal::ZERO, None, None),
            FeatureKind::Balance => match balance_row(fi)? {
                Some(r) => r,
                None => continue,
            },
            FeatureKind::Gauge => {
                let used = if f.aggregate == Aggregate::Perpetual {
                    st.total
                } else {
                    st.used
                };
                let remaining = fx
                    .cap
                    .map(|c| c.checked_sub(used).ok_or_else(|| Overflow::new("a limit")))
                    .transpose()?;
                (used, Decimal::ZERO, fx.cap, remaining)
            }
            FeatureKind::Costing => {
                let Some((target, per)) = fx.cost else {
                    continue;
                };
                let Some((_, tb, _, tr)) = balance_row(target)? else {
                    continue;
                };
                let remaining = tr.map(|r| div12(r, per, "a limit division")).transpose()?;
                (
                    st.used,
                    div12(tb, per, "a limit division")?,
                    remaining.map(|r| add(st.used, r, "a limit")).transpose()?,
                    remaining,
                )
            }
        };
        out.push((f.id.clone(), row));
    }
    Ok(out)
}

fn write_limit(j: &mut JsonOut, id: &str, row: &LimitRow) {
    j.obj();
    j.key("feature").str(id);
    j.key("used").dec(row.0);
    j.key("balance").dec(row.1);
    j.key("limit").opt_dec(row.2);
    j.key("remaining").opt_dec(row.3);
    j.end_obj();
}

/// Whether a customer is reported (`--customer` given and not naming it: no).
pub fn selected(select: &[String], id: &str) -> bool {
    select.is_empty() || select.iter().any(|s| s == id)
}

/// The customers of the report, in the order of their first valid line.
pub fn listed<'e>(engine: &'e Engine<'_>, select: &[String]) -> Vec<&'e Customer> {
    let mut cs: Vec<&Customer> = engine
        .customers
        .iter()
        .filter(|c| c.first_valid.is_some() && selected(select, &c.id))
        .collect();
    cs.sort_by_key(|c| c.first_valid);
    cs
}

/// Per (plan, add-on): purchased packs, automatic packs, automatic purchases, revenue.
pub type AddonStats = BTreeMap<(String, String), (String, u64, u64, u64, Decimal)>;

pub fn addon_stats(engine: &Engine<'_>, customers: &[&Customer]) -> AddonStats {
    let mut stats = AddonStats::new();
    for c in customers {
        for inv in &c.invoices {
            let Some(p) = engine.sh.doc.plans.get(inv.plan) else {
                continue;
            };
            for l in &inv.lines {
                if let Line::Addon(a) = l {
                    let Some(addon) = p.addons.get(a.addon) else {
                        continue;
                    };
                    let e = stats
                        .entry((p.id.clone(), addon.id.clone()))
                        .or_insert_with(|| (p.currency.code.clone(), 0, 0, 0, Decimal::ZERO));
                    e.1 += a.quantity;
                    if a.auto {
                        e.2 += a.quantity;
                        e.3 += 1;
                    }
                    e.4 = e.4.saturating_add(a.amount);
                }
            }
        }
    }
    stats
}

/// Counts and per-currency totals over the customers written so far.
#[derive(Default)]
struct Tally<'d> {
    totals: BTreeMap<&'d str, Decimal>,
    invoices: usize,
    events: u64,
    rejected: usize,
}

impl<'d> Tally<'d> {
    /// Add `amount` to the total in currency `code`.
    fn add_total(&mut self, code: &'d str, amount: Decimal) -> Exact<()> {
        let t = self.totals.entry(code).or_default();
        *t = crate::exact::add(*t, amount, "a currency total")?;
        Ok(())
    }

    /// Add another part's tally (exact sums: the order of parts changes nothing).
    fn merge(&mut self, other: Tally<'d>) -> Exact<()> {
        for (code, t) in other.totals {
            self.add_total(code, t)?;
        }
        self.invoices += other.invoices;
        self.events += other.events;
        self.rejected += other.rejected;
        Ok(())
    }
}

/// Customers at or above which the report's customer entries are written on two threads.
const PARALLEL_MIN: usize = 1024;

/// The whole report as JSON text.
pub fn report_text(
    engine: &Engine<'_>,
    until: Option<Instant>,
    select: &[String],
    pretty: bool,
) -> Exact<String> {
    report_text_in(engine, until, select, pretty, |customers| {
        if customers >= PARALLEL_MIN {
            2
        } else {
            1
        }
    })
}

/// [`report_text`] with the customer entries written in `parts(customers listed)` contiguous
/// parts, the first on this thread and each other on its own, joined in order: the text is the
/// same for any number of parts.
fn report_text_in(
    engine: &Engine<'_>,
    until: Option<Instant>,
    select: &[String],
    pretty: bool,
    parts: impl Fn(usize) -> usize,
) -> Exact<String> {
    let customers = listed(engine, select);
    let mut j = JsonOut::new(pretty);
    j.obj();
    j.key("version").int(1);
    match until {
        Some(u) => j.key("until").time(u),
        None => j.key("until").raw("null"),
    }
    j.key("customers").arr();
    // Room for every part: the others are copied in after the first without regrowth.
    j.out.reserve(estimate(&customers));
    let chunk = customers
        .len()
        .div_ceil(parts(customers.len()).max(1))
        .max(1);
    // The first part is written here, straight into the report; the others on their own
    // threads, each continuing the `customers` array, then copied in after it.
    let mut chunks = customers.chunks(chunk);
    let first = chunks.next().unwrap_or_default();
    let rest: Vec<&[&Customer]> = chunks.collect();
    let mut tally = Tally::default();
    let others = std::thread::scope(|scope| -> Exact<Vec<(String, Tally<'_>)>> {
        let handles: Vec<_> = rest
            .iter()
            .map(|&part| {
                let mut pj = j.continuing(true);
                scope.spawn(move || -> Exact<(String, Tally<'_>)> {
                    let t = write_customers(&mut pj, engine, part, until)?;
                    Ok((pj.out, t))
                })
            })
            .collect();
        tally = write_customers(&mut j, engine, first, until)?;
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Overflow::new(
                        "the report's writing thread (internal error)",
                    ))
                })
            })
            .collect()
    })?;
    if !others.is_empty() {
        j.out
            .reserve(others.iter().map(|(text, _)| text.len()).sum::<usize>() + (1 << 16));
        for (text, t) in others {
            j.out.push_str(&text);
            drop(text);
            tally.merge(t)?;
        }
        j.mark_element();
    }
    let Tally {
        totals,
        invoices,
        events,
        rejected,
    } = tally;
    j.end_arr();
    let invalid = invalid_lines(engine, select);
    j.key("invalid").arr();
    for e in &invalid {
        write_note(
            &mut j,
            engine.inputs.place(e.line),
            e.error.code,
            &e.error.message,
        );
    }
    j.end_arr();
    let after_until: u64 = engine
        .customers
        .iter()
        .filter(|c| selected(select, &c.id))
        .map(|c| c.after_until)
        .sum();
    j.key("summary").obj();
    j.key("customers").int(customers.len());
    j.key("invoices").int(invoices);
    j.key("events").int(events);
    j.key("rejected").int(rejected);
    j.key("invalid").int(invalid.len());
    j.key("after_until").int(after_until);
    j.key("totals").obj();
    for (code, t) in &totals {
        j.key(code).money(*t)?;
    }
    j.end_obj();
    j.key("addons").arr();
    for ((plan, addon), (currency, purchased, auto, recharges, revenue)) in
        addon_stats(engine, &customers)
    {
        j.obj();
        j.key("plan").str(&plan);
        j.key("addon").str(&addon);
        j.key("currency").str(&currency);
        j.key("purchased").int(purchased);
        j.key("auto").int(auto);
        j.key("recharges").int(recharges);
        j.key("revenue").money(revenue)?;
        j.end_obj();
    }
    j.end_arr();
    j.end_obj();
    j.end_obj();
    Ok(j.finish())
}

/// A rough size of the customers' entries (a rejected event ≈ 250 bytes, an invoice ≈ 2 kB),
/// reserved up front: fewer regrowth copies.
fn estimate(customers: &[&Customer]) -> usize {
    let (n_rejected, n_invoices) = customers.iter().fold((0usize, 0usize), |(r, i), c| {
        (r + c.rejected.len(), i + c.invoices.len())
    });
    n_rejected
        .saturating_mul(250)
        .saturating_add(n_invoices.saturating_mul(2000))
}

/// The entries of `customers` in the report's `customers` array; their tally.
fn write_customers<'d>(
    j: &mut JsonOut,
    engine: &Engine<'d>,
    customers: &[&Customer],
    until: Option<Instant>,
) -> Exact<Tally<'d>> {
    let doc = engine.sh.doc;
    let mut tally = Tally::default();
    j.out.reserve(estimate(customers));
    let mut scratch = String::new();
    for c in customers {
        j.obj();
        j.key("customer").str(&c.id);
        match c.sub.as_ref().and_then(|s| doc.plans.get(s.plan)) {
            Some(p) => j.key("plan").str(&p.id),
            None => j.key("plan").raw("null"),
        }
        j.key("invoices").arr();
        for inv in &c.invoices {
            write_invoice(j, &engine.sh, inv, true)?;
            if let Some(p) = doc.plans.get(inv.plan) {
                tally.add_total(p.currency.code.as_str(), inv.total)?;
            }
        }
        j.end_arr();
        tally.invoices += c.invoices.len();
        tally.events += c.events;
        tally.rejected += c.rejected.len();
        j.key("limits").arr();
        if let (Some(sub), Some(u)) = (&c.sub, until) {
            for (id, row) in limits(&engine.sh, sub, u)? {
                write_limit(j, &id, &row);
            }
        }
        j.end_arr();
        j.key("rejected").arr();
        for r in &c.rejected {
            j.obj();
            write_place(j, engine.inputs.place(r.line));
            j.key("at").time(r.at);
            j.key("feature").str(r.feature_id(doc));
            j.key("n").dec(r.n);
            j.key("code").str(r.code());
            scratch.clear();
            r.write_message(doc, &mut scratch);
            j.key("reason").str(&scratch);
            j.end_obj();
        }
        j.end_arr();
        j.key("warnings").arr();
        for w in &c.warnings {
            write_note(j, engine.inputs.place(w.line), w.code, &w.message);
        }
        j.end_arr();
        j.end_obj();
    }
    Ok(tally)
}

/// The whole report as a JSON value (parsed from [`report_text`], so both are the same).
pub fn report_json(engine: &Engine<'_>, until: Option<Instant>, select: &[String]) -> Exact<Value> {
    let text = report_text(engine, until, select, false)?;
    serde_json::from_str(&text).map_err(|e| Overflow::new(format!("the report ({e})")))
}

/// `file` (when named), then `line` or `row`.
fn write_place(j: &mut JsonOut, place: crate::trace::Place<'_>) {
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

fn write_note(j: &mut JsonOut, place: crate::trace::Place<'_>, code: &str, message: &str) {
    j.obj();
    write_place(j, place);
    j.key("code").str(code);
    j.key("message").str(message);
    j.end_obj();
}

/// The invalid lines that count for the selection (a line naming no customer always counts),
/// in line order.
pub fn invalid_lines<'e>(
    engine: &'e Engine<'_>,
    select: &[String],
) -> Vec<&'e super::engine::LineError> {
    let mut v: Vec<_> = engine
        .errors
        .iter()
        .filter(|e| e.customer.as_deref().is_none_or(|c| selected(select, c)))
        .collect();
    v.sort_by_key(|e| e.line);
    v
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_report_is_the_same_text_in_any_number_of_parts() {
        let doc = crate::eval::gen::bench_document();
        let trace = crate::eval::gen::trace(20_000, 301, 3);
        let sim = crate::eval::simulate(
            &doc,
            &mut crate::trace::JsonLines::new("trace", trace.as_bytes()),
            Default::default(),
        )
        .unwrap();
        for pretty in [false, true] {
            let whole = super::report_text_in(&sim.engine, sim.until, &[], pretty, |_| 1).unwrap();
            assert!(whole.contains("\"customer\":") || whole.contains("\"customer\": "));
            for parts in [2, 3, 7, 400] {
                let split =
                    super::report_text_in(&sim.engine, sim.until, &[], pretty, |_| parts).unwrap();
                assert_eq!(split, whole, "{parts} parts, pretty: {pretty}");
            }
        }
        // A selection of one customer, and of none.
        let one = ["cust:7".to_string()];
        let none = ["nobody".to_string()];
        for select in [&one[..], &none[..]] {
            let whole = super::report_text_in(&sim.engine, sim.until, select, true, |_| 1).unwrap();
            let split = super::report_text_in(&sim.engine, sim.until, select, true, |_| 2).unwrap();
            assert_eq!(split, whole);
        }
    }

    #[test]
    fn hand_written_numbers_match_display() {
        use std::str::FromStr;
        for t in [
            "0",
            "1",
            "-1",
            "0.5",
            "-0.05",
            "10",
            "123.456",
            "1000000",
            "0.000000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "1.10",
            "100.00",
            "-0",
        ] {
            let d = Decimal::from_str(t).unwrap();
            for d in [d, d.normalize()] {
                let mut s = String::new();
                push_decimal(&mut s, d);
                assert_eq!(s, d.to_string(), "{t}");
            }
        }
        for v in [
            0i128,
            1,
            -1,
            9,
            10,
            99,
            100,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(u64::MAX),
        ] {
            let mut s = String::new();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }
    use super::*;

    #[test]
    fn writer_matches_serde_json_layouts() {
        for pretty in [false, true] {
            let mut j = JsonOut::new(pretty);
            j.obj();
            j.key("a").str("x\"y\\z\n\u{1}é");
            j.key("empty").arr();
            j.end_arr();
            j.key("obj").obj();
            j.end_obj();
            j.key("list").arr();
            j.int(1);
            j.raw("null");
            j.obj();
            j.key("d").dec(Decimal::new(1500, 3));
            j.end_obj();
            j.end_arr();
            j.end_obj();
            let text = j.finish();
            let v: Value = serde_json::from_str(&text).unwrap();
            let want = if pretty {
                serde_json::to_string_pretty(&v).unwrap() + "\n"
            } else {
                serde_json::to_string(&v).unwrap()
            };
            assert_eq!(text, want);
            assert_eq!(v["list"][2]["d"], "1.5");
        }
    }

    #[test]
    fn decimals_print_without_trailing_zeros_or_negative_zero() {
        let mut z = Decimal::new(0, 3);
        z.set_sign_negative(true);
        let mut j = JsonOut::new(false);
        j.arr();
        j.dec(z);
        j.dec(Decimal::new(20000, 0));
        j.dec(Decimal::new(-2500, 2));
        j.end_arr();
        assert_eq!(j.finish(), r#"["0","20000","-25"]"#);
        assert_eq!(dec(z), "0");
    }
}
