//! Periods of a subscription: opening one (expiries, rollover caps, grants, recharge checks),
//! carrying blocks over a plan change, and closing one into an invoice.
//!
//! Invariant: period k is computed from the anchor (never chained); an invoice lists base,
//! usage and add-on lines in the spec's order, each rounded once.

use super::engine::PlanCtx;
use super::state::{AddonLine, Block, FeatState, Invoice, Life, Line, Source, Sub};
use super::time::{Anchor, Instant};
use super::usage::check_rule;
use crate::exact::{subtract, Exact};
use crate::ir::{Aggregate, FeatureKind, Plan, Rollover, Schedule};
use crate::money::{prorate, round_line};
use crate::price::price_feature;
use rust_decimal::Decimal;

pub fn new_sub(p: PlanCtx<'_>, life: &Life, t: Instant, feats: Vec<FeatState>) -> Sub {
    let anchor = Anchor::new(t, p.ir.interval);
    let feats = if feats.is_empty() {
        p.ir.features
            .iter()
            .map(|f| FeatState::new(f.grants.len()))
            .collect()
    } else {
        feats
    };
    let mut feats = feats;
    for r in &p.index.rules {
        let sym = p.index.feature_sym.get(r.feature).copied();
        if let Some(st) = feats.get_mut(r.feature) {
            st.rule_on = sym.is_some_and(|s| life.recharge_enabled(s, r.enabled));
        }
    }
    Sub {
        plan: p.position,
        anchor,
        k: 0,
        start: t,
        end: anchor.start(1),
        feats,
        addon_lines: Vec::new(),
    }
}

/// Blocks and perpetual totals that survive a switch from `old` to `new` at `t`.
pub fn carry(old_plan: &Plan, old: &Sub, new_plan: &Plan, t: Instant) -> Vec<FeatState> {
    let mut feats: Vec<FeatState> = new_plan
        .features
        .iter()
        .map(|f| FeatState::new(f.grants.len()))
        .collect();
    for (f, st) in old_plan.features.iter().zip(&old.feats) {
        let Some((nf, target)) = new_plan
            .features
            .iter()
            .zip(feats.iter_mut())
            .find(|(nf, _)| nf.id == f.id)
        else {
            continue;
        };
        if f.kind == FeatureKind::Balance && nf.kind == FeatureKind::Balance {
            for b in st.blocks().iter().filter(|b| b.live_at(t)) {
                let current = b
                    .grant
                    .is_some_and(|g| st.latest_issue.get(g).copied().flatten() == Some(b.issue));
                if !current {
                    target.insert(Block {
                        grant: None,
                        ..b.clone()
                    });
                }
            }
        }
        if f.aggregate == Aggregate::Perpetual && nf.aggregate == Aggregate::Perpetual {
            target.total = st.total;
        }
    }
    feats
}

/// Open period `k`: reset the period's aggregates, expire blocks, apply rollover caps, issue
/// the period's grants, check recharge rules.
pub fn open_period(p: PlanCtx<'_>, sub: &mut Sub, life: &mut Life, k: u32) -> Exact<()> {
    sub.k = k;
    sub.start = sub.anchor.start(k);
    sub.end = sub.anchor.start(k.saturating_add(1));
    let start = sub.start;
    let first_signup = k == 0 && !life.signed_up;
    for (fi, f) in p.ir.features.iter().enumerate() {
        let Some(st) = sub.feats.get_mut(fi) else {
            continue;
        };
        st.used = Decimal::ZERO;
        st.drawn = Decimal::ZERO;
        st.has_reading = false;
        st.expire(start);
        for (gi, g) in f.grants.iter().enumerate() {
            let (source, expiry) = match g.schedule {
                Schedule::Every(n) if n > 0 && k % n == 0 => {
                    if let Rollover::Max(m) = g.rollover {
                        st.cap_grant(gi, m)?;
                    }
                    let expiry = match (g.expires_after, &g.rollover) {
                        (Some(e), _) => Some(sub.anchor.start(k.saturating_add(e))),
                        (None, Rollover::None) => Some(sub.anchor.start(k.saturating_add(n))),
                        (None, _) => None,
                    };
                    (Source::Periodic, expiry)
                }
                Schedule::Signup if first_signup => {
                    (Source::Signup, g.expires_after.map(|e| sub.anchor.start(e)))
                }
                _ => continue,
            };
            let issue = life.next_issue();
            st.insert(Block {
                left: g.amount,
                expiry,
                source,
                issued: start,
                order: gi as u64,
                grant: (source == Source::Periodic).then_some(gi),
                issue,
            });
            if source == Source::Periodic {
                if let Some(slot) = st.latest_issue.get_mut(gi) {
                    *slot = Some(issue);
                }
            }
        }
    }
    if k == 0 {
        life.signed_up = true;
    }
    for ri in 0..p.index.rules.len() {
        check_rule(p, sub, life, ri, start)?;
    }
    Ok(())
}

/// The invoice of `sub`'s current period, ended at `end` (prorated when before its end).
pub fn close(p: PlanCtx<'_>, sub: &mut Sub, end: Instant) -> Exact<Invoice> {
    let addons = std::mem::take(&mut sub.addon_lines);
    let lines = lines(p, sub, end, addons)?;
    Invoice::new(p.position, sub.start, end, lines)
}

/// The invoice of the period in progress (full base fees), leaving the state as it is.
pub fn draft(p: PlanCtx<'_>, sub: &Sub) -> Exact<Invoice> {
    let lines = lines(p, sub, sub.end, sub.addon_lines.clone())?;
    let mut inv = Invoice::new(p.position, sub.start, sub.end, lines)?;
    inv.is_final = false;
    Ok(inv)
}

fn lines(p: PlanCtx<'_>, sub: &Sub, end: Instant, addons: Vec<AddonLine>) -> Exact<Vec<Line>> {
    // A feature usually has a base or usage line, rarely both: mostly one allocation.
    let mut out = Vec::with_capacity(p.ir.features.len() + addons.len());
    for (fi, f) in p.ir.features.iter().enumerate() {
        if f.base <= Decimal::ZERO {
            continue;
        }
        if end < sub.end {
            let elapsed = sub.start.micros_until(end);
            let length = sub.start.micros_until(sub.end);
            out.push(Line::Base {
                feature: fi,
                amount: prorate(f.base, elapsed, length)?,
                prorated: Some((f.base, elapsed, length)),
            });
        } else {
            out.push(Line::Base {
                feature: fi,
                amount: round_line(f.base),
                prorated: None,
            });
        }
    }
    for (fi, f) in p.ir.features.iter().enumerate() {
        if !f.is_metered() {
            continue;
        }
        let Some(st) = sub.feats.get(fi) else {
            continue;
        };
        let (used, covered) = match f.kind {
            FeatureKind::Gauge if f.aggregate == Aggregate::Perpetual => (st.total, Decimal::ZERO),
            FeatureKind::Gauge => (st.used, Decimal::ZERO),
            _ => (st.used, st.drawn),
        };
        let priced = price_feature(f, subtract(used, covered, &f.id)?)?;
        out.push(Line::Usage {
            feature: fi,
            used: used.normalize(),
            covered: covered.normalize(),
            priced,
        });
    }
    out.extend(addons.into_iter().map(Line::Addon));
    Ok(out)
}
