//! Human output: the same content as the JSON report, as aligned tables, money in major units.
//!
//! Invariant: no information only here (it is a view of the JSON report's data); money is
//! printed by [`money::display`] with at least the currency's minor digits ("$100.00"), never
//! rounded again.

use super::engine::Engine;
use super::report::{addon_stats, dec, invalid_lines, limits, listed, LimitRow};
use super::state::{Invoice, Line};
use super::Simulation;
use crate::exact::Exact;
use crate::ir::Currency;
use crate::money::{self, Whole};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
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
pub fn invoice(engine: &Engine<'_>, inv: &Invoice, out: &mut String, indent: &str) {
    let Some(plan) = engine.sh.doc.plans.get(inv.plan) else {
        return;
    };
    let cur = &plan.currency;
    let mut t = Table::new(
        &["line", "item", "quantity", "detail", "amount"],
        &[false, false, true, false, true],
    );
    for l in &inv.lines {
        match l {
            Line::Base {
                feature,
                amount,
                prorated: p,
            } => {
                let id = plan.features.get(*feature).map_or("", |f| f.id.as_str());
                let detail = p.map_or(String::new(), |(full, e, len)| {
                    format!("{} of {}", prorated(e, len), major(full, cur))
                });
                t.row(vec![
                    "base".into(),
                    id.into(),
                    "1".into(),
                    detail,
                    major(*amount, cur),
                ]);
            }
            Line::Usage {
                feature,
                used,
                covered,
                priced,
            } => {
                let id = plan.features.get(*feature).map_or("", |f| f.id.as_str());
                let bands: Vec<String> = priced
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
                    dec(*used),
                    dec(*covered),
                    dec(priced.billable),
                    bands.join(" + ")
                );
                t.row(vec![
                    "usage".into(),
                    id.into(),
                    dec(priced.billable),
                    detail,
                    major(priced.amount, cur),
                ]);
            }
            Line::Addon(a) => {
                let id = plan.addons.get(a.addon).map_or("", |x| x.id.as_str());
                let detail = format!(
                    "{} each, at {}{}",
                    major(a.price, cur),
                    a.at,
                    if a.auto { ", auto-recharge" } else { "" }
                );
                t.row(vec![
                    "addon".into(),
                    id.into(),
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

/// The whole simulation as text.
pub fn simulation(sim: &Simulation<'_>, _color: bool) -> Exact<String> {
    let engine = &sim.engine;
    let select = &sim.options.customers;
    let mut out = String::new();
    let until = sim.until.map_or("-".to_string(), |u| u.to_string());
    let _ = writeln!(out, "until {until}");
    let customers = listed(engine, select);
    let mut totals: BTreeMap<&str, (&Currency, Decimal)> = BTreeMap::new();
    let (mut n_inv, mut events, mut rejected) = (0usize, 0u64, 0usize);
    for c in &customers {
        let plan = c
            .sub
            .as_ref()
            .and_then(|s| engine.sh.doc.plans.get(s.plan))
            .map_or("no plan (cancelled)".to_string(), |p| p.id.clone());
        let _ = writeln!(out, "\ncustomer {}: {plan}", c.id);
        for inv in &c.invoices {
            let Some(p) = engine.sh.doc.plans.get(inv.plan) else {
                continue;
            };
            let _ = writeln!(
                out,
                "\n  invoice {} – {}  {}  {}",
                inv.start,
                inv.end,
                p.id,
                if inv.is_final { "final" } else { "draft" }
            );
            invoice(engine, inv, &mut out, "    ");
            let t = totals
                .entry(p.currency.code.as_str())
                .or_insert((&p.currency, Decimal::ZERO));
            t.1 = t.1.saturating_add(inv.total);
        }
        n_inv += c.invoices.len();
        events += c.events;
        rejected += c.rejected.len();
        if let (Some(sub), Some(u)) = (&c.sub, sim.until) {
            let rows: Vec<(String, LimitRow)> = limits(&engine.sh, sub, u)?;
            let _ = writeln!(out, "\n  limits at {u}");
            let mut t = Table::new(
                &["feature", "used", "balance", "limit", "remaining"],
                &[false, true, true, true, true],
            );
            for (id, (used, bal, lim, rem)) in rows {
                t.row(vec![id, dec(used), dec(bal), opt(lim), opt(rem)]);
            }
            t.render(&mut out, "    ");
        }
        if !c.rejected.is_empty() {
            let _ = writeln!(out, "\n  rejected");
            let mut t = Table::new(
                &["line", "at", "feature", "n", "code", "reason"],
                &[true, false, false, true, false, false],
            );
            for r in &c.rejected {
                t.row(vec![
                    r.line.number().to_string(),
                    r.at.to_string(),
                    r.feature_id(engine.sh.doc).to_string(),
                    dec(r.n),
                    r.code().into(),
                    r.message(engine.sh.doc),
                ]);
            }
            t.render(&mut out, "    ");
        }
        for w in &c.warnings {
            let _ = writeln!(
                out,
                "\n  warning[{}]: line {}: {}",
                w.code,
                w.line.number(),
                w.message
            );
        }
    }
    let invalid = invalid_lines(engine, select);
    if !invalid.is_empty() {
        let _ = writeln!(out, "\nskipped invalid lines");
        let mut t = Table::new(&["line", "code", "message"], &[true, false, false]);
        for e in &invalid {
            t.row(vec![
                e.line.number().to_string(),
                e.error.code.into(),
                e.error.message.clone(),
            ]);
        }
        t.render(&mut out, "  ");
    }
    let after: u64 = engine
        .customers
        .iter()
        .filter(|c| super::report::selected(select, &c.id))
        .map(|c| c.after_until)
        .sum();
    let _ = writeln!(
        out,
        "\nsummary: {} customer{}, {n_inv} invoice{}, {events} events, {rejected} rejected, {} invalid, {after} after until",
        customers.len(),
        if customers.len() == 1 { "" } else { "s" },
        if n_inv == 1 { "" } else { "s" },
        invalid.len()
    );
    for (code, (cur, t)) in &totals {
        let _ = writeln!(out, "  total {code}: {}", major(*t, cur));
    }
    let stats = addon_stats(engine, &customers);
    if !stats.is_empty() {
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
        for ((plan, addon), (_, purchased, auto, recharges, revenue)) in stats {
            let Some(p) = engine.sh.doc.plans.iter().find(|p| p.id == plan) else {
                continue;
            };
            t.row(vec![
                plan,
                addon,
                purchased.to_string(),
                auto.to_string(),
                recharges.to_string(),
                major(revenue, &p.currency),
            ]);
        }
        let _ = writeln!(out);
        t.render(&mut out, "  ");
    }
    Ok(out)
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
