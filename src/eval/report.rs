//! The JSON report of a simulation (`simulate --format json`), and invoices for `quote`.
//!
//! Invariant: exactly the shape of `trace-and-reports.md`: money fields `amount`, `total`,
//! `revenue` and `totals` are integers in minor units; prices, band amounts and quantities are
//! exact decimal strings without trailing zeros; times in UTC with `Z`.

use super::engine::{Customer, Engine, Shared};
use super::price::{Band, Exact, Overflow};
use super::state::{Invoice, Line, Sub};
use super::time::Instant;
use crate::ir::{Aggregate, FeatureKind};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// A decimal as the report prints it: no trailing zeros, no negative zero.
pub fn dec(d: Decimal) -> String {
    if d.is_zero() {
        return "0".to_string();
    }
    d.normalize().to_string()
}

/// A rounded money amount as a JSON integer.
pub fn money(d: Decimal) -> Exact<Value> {
    i64::try_from(d.round())
        .map(Value::from)
        .map_err(|_| Overflow::new("a money amount beyond 64 bits"))
}

/// A division rounded toward zero to 12 decimal places.
fn div12(a: Decimal, b: Decimal) -> Exact<Decimal> {
    let q = a
        .checked_div(b)
        .ok_or_else(|| Overflow::new("a limit division"))?;
    Ok(q.round_dp_with_strategy(12, RoundingStrategy::ToZero)
        .normalize())
}

fn seconds(micros: i64) -> String {
    dec(Decimal::new(micros, 6))
}

fn band_json(b: &Band) -> Value {
    json!({
        "from": b.from.to_string(),
        "to": b.to.map(|u| u.to_string()),
        "quantity": dec(b.quantity),
        "price": dec(b.price),
        "base": dec(b.base),
        "amount": dec(b.amount),
    })
}

fn line_json(sh: &Shared<'_>, plan: usize, line: &Line) -> Exact<Value> {
    let p = sh.doc.plans.get(plan);
    let fid = |fi: usize| {
        p.and_then(|p| p.features.get(fi))
            .map(|f| f.id.clone())
            .unwrap_or_default()
    };
    Ok(match line {
        Line::Base {
            feature,
            amount,
            prorated,
        } => {
            let mut m = Map::new();
            m.insert("kind".into(), "base".into());
            m.insert("feature".into(), fid(*feature).into());
            m.insert("quantity".into(), "1".into());
            m.insert("amount".into(), money(*amount)?);
            if let Some((full, elapsed, length)) = prorated {
                m.insert("full_amount".into(), dec(*full).into());
                m.insert(
                    "fraction".into(),
                    json!({ "elapsed": seconds(*elapsed), "length": seconds(*length) }),
                );
            }
            Value::Object(m)
        }
        Line::Usage {
            feature,
            used,
            covered,
            priced,
        } => json!({
            "kind": "usage",
            "feature": fid(*feature),
            "used": dec(*used),
            "covered": dec(*covered),
            "billable": dec(priced.billable),
            "bands": priced.bands.iter().map(band_json).collect::<Vec<_>>(),
            "amount": money(priced.amount)?,
        }),
        Line::Addon(a) => json!({
            "kind": "addon",
            "addon": p.and_then(|p| p.addons.get(a.addon)).map(|x| x.id.clone()).unwrap_or_default(),
            "quantity": a.quantity,
            "price": dec(a.price),
            "amount": money(a.amount)?,
            "at": a.at.to_string(),
            "auto": a.auto,
        }),
    })
}

/// `plan`, `currency`, then (for `simulate`) `period` and `status`, then `lines` and `total`.
pub fn invoice_json(sh: &Shared<'_>, inv: &Invoice, with_period: bool) -> Exact<Value> {
    let p = sh.doc.plans.get(inv.plan);
    let mut m = Map::new();
    m.insert(
        "plan".into(),
        p.map(|p| p.id.clone()).unwrap_or_default().into(),
    );
    m.insert(
        "currency".into(),
        p.map(|p| p.currency.code.clone())
            .unwrap_or_default()
            .into(),
    );
    if with_period {
        m.insert(
            "period".into(),
            json!({ "start": inv.start.to_string(), "end": inv.end.to_string() }),
        );
        m.insert(
            "status".into(),
            if inv.is_final { "final" } else { "draft" }.into(),
        );
    }
    let lines = inv
        .lines
        .iter()
        .map(|l| line_json(sh, inv.plan, l))
        .collect::<Exact<Vec<_>>>()?;
    m.insert("lines".into(), Value::Array(lines));
    m.insert("total".into(), money(inv.total)?);
    Ok(Value::Object(m))
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
        let limit_base = st.drawn + balance;
        Ok(Some(if f.tiers.is_empty() {
            (st.used, balance, Some(limit_base), Some(balance))
        } else if let Some(cap) = fx.cap {
            let limit = limit_base + cap;
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
                (used, Decimal::ZERO, fx.cap, fx.cap.map(|c| c - used))
            }
            FeatureKind::Costing => {
                let Some((target, per)) = fx.cost else {
                    continue;
                };
                let Some((_, tb, _, tr)) = balance_row(target)? else {
                    continue;
                };
                let remaining = tr.map(|r| div12(r, per)).transpose()?;
                (
                    st.used,
                    div12(tb, per)?,
                    remaining.map(|r| st.used + r),
                    remaining,
                )
            }
        };
        out.push((f.id.clone(), row));
    }
    Ok(out)
}

fn limit_json(id: &str, row: &LimitRow) -> Value {
    json!({
        "feature": id,
        "used": dec(row.0),
        "balance": dec(row.1),
        "limit": row.2.map(dec),
        "remaining": row.3.map(dec),
    })
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
                    e.4 += a.amount;
                }
            }
        }
    }
    stats
}

/// The whole report.
pub fn report_json(engine: &Engine<'_>, until: Option<Instant>, select: &[String]) -> Exact<Value> {
    let customers = listed(engine, select);
    let mut out = Vec::new();
    let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
    let (mut invoices, mut events, mut rejected) = (0usize, 0u64, 0usize);
    for c in &customers {
        let plan = c
            .sub
            .as_ref()
            .and_then(|s| engine.sh.doc.plans.get(s.plan))
            .map(|p| p.id.clone());
        let mut invs = Vec::new();
        for inv in &c.invoices {
            invs.push(invoice_json(&engine.sh, inv, true)?);
            if let Some(p) = engine.sh.doc.plans.get(inv.plan) {
                *totals.entry(p.currency.code.clone()).or_default() += inv.total;
            }
        }
        invoices += c.invoices.len();
        events += c.events;
        rejected += c.rejected.len();
        let lims = match (&c.sub, until) {
            (Some(sub), Some(u)) => limits(&engine.sh, sub, u)?
                .iter()
                .map(|(id, r)| limit_json(id, r))
                .collect(),
            _ => Vec::new(),
        };
        out.push(json!({
            "customer": c.id,
            "plan": plan,
            "invoices": invs,
            "limits": lims,
            "rejected": c.rejected.iter().map(|r| json!({
                "line": r.line, "at": r.at.to_string(), "feature": r.feature_id(engine.sh.doc), "n": dec(r.n),
                "code": r.code(), "reason": r.message(engine.sh.doc),
            })).collect::<Vec<_>>(),
            "warnings": c.warnings.iter().map(|w| json!({
                "line": w.line, "code": w.code, "message": w.message,
            })).collect::<Vec<_>>(),
        }));
    }
    let invalid = invalid_lines(engine, select);
    let after_until: u64 = engine
        .customers
        .iter()
        .filter(|c| selected(select, &c.id))
        .map(|c| c.after_until)
        .sum();
    let mut totals_json = Map::new();
    for (code, t) in &totals {
        totals_json.insert(code.clone(), money(*t)?);
    }
    let mut addons = Vec::new();
    for ((plan, addon), (currency, purchased, auto, recharges, revenue)) in
        addon_stats(engine, &customers)
    {
        addons.push(json!({
            "plan": plan, "addon": addon, "currency": currency,
            "purchased": purchased, "auto": auto, "recharges": recharges,
            "revenue": money(revenue)?,
        }));
    }
    Ok(json!({
        "version": 1,
        "until": until.map(|u| u.to_string()),
        "customers": out,
        "invalid": invalid.iter().map(|e| json!({
            "line": e.line, "code": e.error.code, "message": e.error.message,
        })).collect::<Vec<_>>(),
        "summary": {
            "customers": customers.len(),
            "invoices": invoices,
            "events": events,
            "rejected": rejected,
            "invalid": invalid.len(),
            "after_until": after_until,
            "totals": totals_json,
            "addons": addons,
        }
    }))
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
