//! Human output: the same content as the JSON report, as aligned tables, money in major units.
//!
//! Invariant: no information only here (it is a view of the JSON report's data); money is
//! printed by [`money::display`] with at least the currency's minor digits ("$100.00"), never
//! rounded again.

use super::json_out::dec;
use super::WriteError;
use crate::eval::result::{CustomerResult, Invoice, Line, Results};
use crate::eval::time::Instant;
use crate::ir::Currency;
use crate::money::{self, Whole};
use crate::trace::Place;
use rust_decimal::Decimal;
use std::fmt::Write;

/// Money as reports show it ([`money::display`]): the currency's minor digits even on whole
/// amounts, "$100.00"; unit prices exactly, "$0.0005".
fn major(minor: Decimal, currency: &Currency) -> String {
    money::display(minor, currency, Whole::WithMinorDigits)
}

/// A table: a header and rows, columns padded; `right` marks right-aligned columns.
struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    fn new(head: &[&str], right: &[bool]) -> Table {
        Table {
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String, indent: &str) {
        let cols = self.head.len();
        let mut w = vec![0usize; cols];
        for r in std::iter::once(&self.head).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                if let Some(x) = w.get_mut(i) {
                    *x = (*x).max(c.chars().count());
                }
            }
        }
        for r in std::iter::once(&self.head).chain(&self.rows) {
            let mut line = String::from(indent);
            for (i, c) in r.iter().enumerate().take(cols) {
                let width = w.get(i).copied().unwrap_or(0);
                let right = self.right.get(i).copied().unwrap_or(false);
                if i > 0 {
                    line.push_str("  ");
                }
                if right {
                    let _ = write!(line, "{c:>width$}");
                } else {
                    let _ = write!(line, "{c:<width$}");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

fn duration(micros: i64) -> String {
    const DAY: i64 = 86_400_000_000;
    if micros % DAY == 0 {
        let d = micros / DAY;
        return format!("{d} day{}", if d == 1 { "" } else { "s" });
    }
    format!("{}s", dec(Decimal::new(micros, 6)))
}

fn prorated(elapsed: i64, length: i64) -> String {
    const DAY: i64 = 86_400_000_000;
    // Whole or half days (a switch at noon) read as days; anything else as exact seconds.
    let days = |us: i64| (us % (DAY / 2) == 0).then(|| dec(Decimal::new(us * 10 / DAY, 1)));
    match (days(elapsed), days(length)) {
        (Some(e), Some(l)) => format!("prorated {e} of {l} days"),
        _ => format!("prorated {} of {}", duration(elapsed), duration(length)),
    }
}

/// An invoice as a table of lines and a total.
pub fn invoice(inv: &Invoice<'_>, out: &mut String, indent: &str) {
    let cur = inv.currency;
    let mut t = Table::new(
        &["line", "item", "quantity", "detail", "amount"],
        &[false, false, true, false, true],
    );
    for l in &inv.lines {
        match l {
            Line::Base(b) => {
                let detail = b.prorated.map_or(String::new(), |p| {
                    format!(
                        "{} of {}",
                        prorated(p.elapsed_micros, p.length_micros),
                        major(p.full_amount, cur)
                    )
                });
                t.row(vec![
                    "base".into(),
                    b.feature.into(),
                    "1".into(),
                    detail,
                    major(b.amount, cur),
                ]);
            }
            Line::Usage(u) => {
                let bands: Vec<String> = u
                    .bands
                    .iter()
                    .map(|b| {
                        let range = match b.to {
                            Some(to) => format!("{}–{to}", b.from),
                            None => format!(">{}", b.from),
                        };
                        let mut s =
                            format!("{} × {} ({range})", dec(b.quantity), major(b.price, cur));
                        if !b.base.is_zero() {
                            let _ = write!(s, " + {}", major(b.base, cur));
                        }
                        s
                    })
                    .collect();
                let detail = format!(
                    "used {}, covered {}, billable {}: {}",
                    dec(u.used),
                    dec(u.covered),
                    dec(u.billable),
                    bands.join(" + ")
                );
                t.row(vec![
                    "usage".into(),
                    u.feature.into(),
                    dec(u.billable),
                    detail,
                    major(u.amount, cur),
                ]);
            }
            Line::Addon(a) => {
                let detail = format!(
                    "{} each, at {}{}",
                    major(a.price, cur),
                    a.at,
                    if a.auto { ", auto-recharge" } else { "" }
                );
                t.row(vec![
                    "addon".into(),
                    a.addon.into(),
                    a.quantity.to_string(),
                    detail,
                    major(a.amount, cur),
                ]);
            }
        }
    }
    t.row(vec![
        "total".into(),
        String::new(),
        String::new(),
        String::new(),
        major(inv.total, cur),
    ]);
    t.render(out, indent);
}

fn opt(d: Option<Decimal>) -> String {
    d.map_or("-".to_string(), dec)
}

/// Where a line is, as a table cell: its number for one JSON Lines input, else file and row.
fn place_cell(place: &Place<'_>) -> String {
    match (place.file, place.line) {
        (None, Some(l)) => l.to_string(),
        _ => place.describe(),
    }
}

/// The header of a column of places: `line`, or `place` when files or rows are named.
fn place_head<'p>(mut places: impl Iterator<Item = &'p Place<'p>>) -> &'static str {
    if places.any(|p| p.file.is_some() || p.row.is_some()) {
        "place"
    } else {
        "line"
    }
}

/// One customer's entry.
fn customer(c: &CustomerResult<'_>, until: Option<Instant>, out: &mut String) {
    let plan = c.plan.unwrap_or("no plan (cancelled)");
    let _ = writeln!(out, "\ncustomer {}: {plan}", c.customer);
    for inv in &c.invoices {
        if let Some((period, status)) = &inv.period {
            let _ = writeln!(
                out,
                "\n  invoice {} – {}  {}  {}",
                period.start,
                period.end,
                inv.plan,
                status.as_str()
            );
        }
        invoice(inv, out, "    ");
    }
    if let (Some(_), Some(u)) = (c.plan, until) {
        let _ = writeln!(out, "\n  limits at {u}");
        let mut t = Table::new(
            &["feature", "used", "balance", "limit", "remaining"],
            &[false, true, true, true, true],
        );
        for l in &c.limits {
            t.row(vec![
                l.feature.to_string(),
                dec(l.used),
                dec(l.balance),
                opt(l.limit),
                opt(l.remaining),
            ]);
        }
        t.render(out, "    ");
    }
    if !c.rejected.is_empty() {
        let _ = writeln!(out, "\n  rejected");
        let head = place_head(c.rejected.iter().map(|r| &r.place));
        let mut t = Table::new(
            &[head, "at", "feature", "n", "code", "reason"],
            &[head == "line", false, false, true, false, false],
        );
        for r in &c.rejected {
            t.row(vec![
                place_cell(&r.place),
                r.at.to_string(),
                r.feature.to_string(),
                dec(r.n),
                r.code.into(),
                r.reason.clone(),
            ]);
        }
        t.render(out, "    ");
    }
    for w in &c.warnings {
        let _ = writeln!(
            out,
            "\n  warning[{}]: {}: {}",
            w.code,
            w.place.describe(),
            w.message
        );
    }
}

/// The whole simulation as text, streamed to `w` customer by customer.
pub fn simulation(results: &Results<'_, '_>, w: &mut dyn std::io::Write) -> Result<(), WriteError> {
    let mut out = String::new();
    let until = results.until();
    let _ = writeln!(
        out,
        "until {}",
        until.map_or("-".to_string(), |u| u.to_string())
    );
    for c in results.customers() {
        customer(&c?, until, &mut out);
        if out.len() >= 1 << 16 {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    let invalid = results.invalid();
    if !invalid.is_empty() {
        let _ = writeln!(out, "\nskipped invalid lines");
        let head = place_head(invalid.iter().map(|e| &e.place));
        let mut t = Table::new(&[head, "code", "message"], &[head == "line", false, false]);
        for e in &invalid {
            t.row(vec![
                place_cell(&e.place),
                e.code.into(),
                e.message.to_string(),
            ]);
        }
        t.render(&mut out, "  ");
    }
    let s = results.summary()?;
    let _ = writeln!(
        out,
        "\nsummary: {} customer{}, {} invoice{}, {} events, {} rejected, {} invalid, {} after until",
        s.customers,
        if s.customers == 1 { "" } else { "s" },
        s.invoices,
        if s.invoices == 1 { "" } else { "s" },
        s.events,
        s.rejected,
        s.invalid,
        s.after_until
    );
    for (code, t) in &s.totals {
        let _ = writeln!(out, "  total {code}: {}", major(t.total, t.currency));
    }
    if !s.addons.is_empty() {
        let mut t = Table::new(
            &[
                "plan",
                "add-on",
                "purchased",
                "auto",
                "recharges",
                "revenue",
            ],
            &[false, false, true, true, true, true],
        );
        for a in &s.addons {
            t.row(vec![
                a.plan.to_string(),
                a.addon.to_string(),
                a.purchased.to_string(),
                a.auto.to_string(),
                a.recharges.to_string(),
                major(a.revenue, a.currency),
            ]);
        }
        let _ = writeln!(out);
        t.render(&mut out, "  ");
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_shows_the_minor_digits() {
        let cur = |code: &str, exponent| Currency {
            code: code.into(),
            exponent,
        };
        let usd = cur("usd", 2);
        assert_eq!(major(Decimal::from(10000), &usd), "$100.00");
        assert_eq!(major(Decimal::from(7), &usd), "$0.07");
        assert_eq!(major(Decimal::new(5, 2), &usd), "$0.0005");
        assert_eq!(major(Decimal::from(123456), &usd), "$1,234.56");
        assert_eq!(major(Decimal::from(500), &cur("jpy", 0)), "¥500");
        assert_eq!(major(Decimal::from(1234), &cur("bhd", 3)), "BHD 1.234");
        assert_eq!(major(Decimal::from(1500), &cur("cad", 2)), "CA$15.00");
    }

    #[test]
    fn proration_reads_in_days() {
        assert_eq!(
            prorated(10 * 86_400_000_000, 31 * 86_400_000_000),
            "prorated 10 of 31 days"
        );
        assert_eq!(
            prorated(90_500_000, 86_400_000_000),
            "prorated 90.5s of 1 day"
        );
    }
}
