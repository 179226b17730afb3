//! Applying usage, purchases and recharge rules to one subscription: checks, draws, buying.
//!
//! Invariant: a usage event either changes the subscription as the spec says or is refused
//! ([`Reason`]) having changed nothing; blocks change only through `FeatState`'s methods; every
//! product and sum is exact (`arithmetic-overflow` otherwise).

use super::engine::PlanCtx;
use super::intern::{lookup, Sym, Syms};
use super::outcome::{agg_name, hint, internal, trace_err, Fail, Reason};
use super::state::{ceil_div, AddonLine, Block, Life, Source, Sub};
use super::time::Instant;
use crate::exact::{add, less, mul, subtract, Exact, Overflow};
use crate::ir::{Aggregate, FeatureKind};
use crate::money::round_line;
use rust_decimal::Decimal;

#[inline]
pub fn feature_index(p: PlanCtx<'_>, syms: &Syms, s: Sym) -> Result<usize, Fail> {
    match lookup(&p.index.feature_of, s) {
        Some(i) => Ok(i),
        None => {
            let id = syms.name(s);
            let hint = hint(id, p.ir.features.iter().map(|f| f.id.as_str()));
            trace_err(
                "unknown-feature",
                format!(
                    "no feature `{id}` in the customer's current plan `{}`{hint}",
                    p.ir.id
                ),
            )
        }
    }
}

pub fn addon_index(p: PlanCtx<'_>, syms: &Syms, s: Sym) -> Result<usize, Fail> {
    match lookup(&p.index.addon_of, s) {
        Some(i) => Ok(i),
        None => trace_err(
            "unknown-addon",
            format!(
                "no add-on `{}` in the customer's current plan `{}`",
                syms.name(s),
                p.ir.id
            ),
        ),
    }
}

/// The recharge rule on feature `fi`.
pub fn recharge_rule(p: PlanCtx<'_>, syms: &Syms, fi: usize) -> Result<usize, Fail> {
    match p.index.feats.get(fi).and_then(|f| f.rule) {
        Some(ri) => Ok(ri),
        None => {
            let s = p
                .index
                .feature_sym
                .get(fi)
                .copied()
                .unwrap_or(super::intern::NONE);
            trace_err(
                "no-recharge-rule",
                format!(
                    "`{}` has no recharge rule in plan `{}`",
                    syms.name(s),
                    p.ir.id
                ),
            )
        }
    }
}

/// What a usage line must satisfy in the customer's plan; the feature's position. The usual
/// case (a known metered feature, a fitting `n`) is answered inline; [`usage_error`], which
/// checks the same conditions, says what is wrong otherwise. (One function with the messages
/// in its branches measured ~30 instructions more per event.)
#[inline]
pub fn check_usage(
    p: PlanCtx<'_>,
    syms: &Syms,
    s: Sym,
    n: Decimal,
    set: bool,
) -> Result<usize, Fail> {
    if let Some(fi) = lookup(&p.index.feature_of, s) {
        if let Some(f) = p.ir.features.get(fi) {
            let perpetual = f.aggregate == Aggregate::Perpetual;
            let negative = n.is_sign_negative() && !n.is_zero();
            if f.kind != FeatureKind::Flat && (perpetual || !(set || negative)) {
                return Ok(fi);
            }
        }
    }
    usage_error(p, syms, s, n, set)
}

#[cold]
fn usage_error(p: PlanCtx<'_>, syms: &Syms, s: Sym, n: Decimal, set: bool) -> Result<usize, Fail> {
    let fi = feature_index(p, syms, s)?;
    let f = p.ir.features.get(fi).ok_or_else(internal)?;
    let feature = || syms.name(s);
    if f.kind == FeatureKind::Flat {
        return trace_err(
            "flat-usage",
            format!("`{}` is a flat fee: it takes no usage", feature()),
        );
    }
    let perpetual = f.aggregate == Aggregate::Perpetual;
    if n.is_sign_negative() && !n.is_zero() && !perpetual {
        return trace_err(
            "negative-n",
            format!(
                "`n` = {} is negative; only a `perpetual` feature takes negative usage",
                n.normalize()
            ),
        );
    }
    if set && !perpetual {
        return trace_err(
            "set-not-perpetual",
            format!(
                "`set` is only for `perpetual` features; `{}` aggregates by `{}`",
                feature(),
                agg_name(f.aggregate)
            ),
        );
    }
    Ok(fi)
}

/// Buy `qty` of add-on `ai` at `t`: an invoice line and a block per grant entry.
pub fn buy(
    p: PlanCtx<'_>,
    sub: &mut Sub,
    life: &mut Life,
    ai: usize,
    qty: Decimal,
    t: Instant,
    auto: bool,
) -> Exact<()> {
    let Some(addon) = p.ir.addons.get(ai) else {
        return Ok(());
    };
    let what = addon.id.as_str();
    let amount = round_line(mul(addon.price, qty, what)?);
    let purchase = life.next_purchase();
    let targets = p.index.addon_targets.get(ai).map_or(&[][..], Vec::as_slice);
    for (g, &fi) in addon.grants.iter().zip(targets) {
        let left = mul(qty, g.amount, what)?;
        let expiry = g
            .expires_after
            .map(|e| sub.anchor.start(sub.k.saturating_add(e)));
        let issue = life.next_issue();
        if let Some(st) = sub.feats.get_mut(fi) {
            st.insert(Block {
                left,
                expiry,
                source: Source::Addon,
                issued: t,
                order: purchase,
                grant: None,
                issue,
            });
        }
    }
    let quantity = u64::try_from(qty).map_err(|_| Overflow::new(what))?;
    sub.addon_lines.push(AddonLine {
        addon: ai,
        quantity,
        price: addon.price,
        amount,
        at: t,
        auto,
    });
    Ok(())
}

pub fn rule_on(p: PlanCtx<'_>, sub: &Sub, ri: usize) -> bool {
    !p.recharge_off
        && p.index
            .rules
            .get(ri)
            .and_then(|r| sub.feats.get(r.feature))
            .is_some_and(|st| st.rule_on)
}

/// The after-draw check: below the threshold, buy `max(1, ceil((below − balance) ÷ pack))`.
pub fn check_rule(
    p: PlanCtx<'_>,
    sub: &mut Sub,
    life: &mut Life,
    ri: usize,
    t: Instant,
) -> Exact<()> {
    if !rule_on(p, sub, ri) {
        return Ok(());
    }
    let Some(rule) = p.index.rules.get(ri) else {
        return Ok(());
    };
    let balance = match sub.feats.get(rule.feature) {
        Some(st) => st.balance(t)?,
        None => return Ok(()),
    };
    if less(balance, rule.below) {
        let k =
            ceil_div(subtract(rule.below, balance, "a recharge")?, rule.pack)?.max(Decimal::ONE);
        buy(p, sub, life, rule.addon, k, t, true)?;
    }
    Ok(())
}

/// Apply usage `n` of feature `fi` at `t`; `Some` when it is rejected (nothing changed).
pub fn use_feature(
    p: PlanCtx<'_>,
    sub: &mut Sub,
    life: &mut Life,
    fi: usize,
    n: Decimal,
    set: bool,
    t: Instant,
) -> Exact<Option<Reason>> {
    let Some(f) = p.ir.features.get(fi) else {
        return Ok(None);
    };
    let Some(fx) = p.index.feats.get(fi) else {
        return Ok(None);
    };
    match f.kind {
        FeatureKind::Costing => {
            let Some((target, per)) = fx.cost else {
                return Ok(None);
            };
            let x = mul(n, per, &f.id)?;
            let r = take(p, sub, life, target, x, t)?;
            if r.is_none() {
                if let Some(st) = sub.feats.get_mut(fi) {
                    st.used = add(st.used, n, &f.id)?;
                }
            }
            Ok(r)
        }
        FeatureKind::Balance => take(p, sub, life, fi, n, t),
        FeatureKind::Gauge => {
            let Some(st) = sub.feats.get_mut(fi) else {
                return Ok(None);
            };
            let (current, new) = match f.aggregate {
                Aggregate::Max => (st.used, if less(st.used, n) { n } else { st.used }),
                Aggregate::Last => (
                    if st.has_reading {
                        st.used
                    } else {
                        Decimal::ZERO
                    },
                    n,
                ),
                Aggregate::Perpetual | Aggregate::Sum => {
                    let new = if set { n } else { add(st.total, n, &f.id)? };
                    (st.total, new)
                }
            };
            if fx.limited && less(current, new) {
                if let Some(cap) = fx.cap.filter(|c| less(*c, new)) {
                    return Ok(Some(Reason::Gauge {
                        total: f.aggregate == Aggregate::Perpetual,
                        value: new,
                        cap,
                    }));
                }
            }
            match f.aggregate {
                Aggregate::Perpetual | Aggregate::Sum => st.total = new,
                Aggregate::Max | Aggregate::Last => {
                    st.used = new;
                    st.has_reading = true;
                }
            }
            Ok(None)
        }
        FeatureKind::Flat => Ok(None),
    }
}

/// Usage `x ≥ 0` of balance feature `fi`: the tier allowance first on a capped feature, then
/// blocks; under `deny`, buy before refusing when the feature's rule is on; then the
/// after-draw recharge check.
fn take(
    p: PlanCtx<'_>,
    sub: &mut Sub,
    life: &mut Life,
    fi: usize,
    x: Decimal,
    t: Instant,
) -> Exact<Option<Reason>> {
    let (Some(f), Some(fx)) = (p.ir.features.get(fi), p.index.feats.get(fi)) else {
        return Ok(None);
    };
    let Some(st) = sub.feats.get(fi) else {
        return Ok(None);
    };
    // What the cap's tier allowance (units billed so far count against it) does not cover.
    let beyond = match fx.cap {
        Some(cap) => {
            let allowance = subtract(cap, subtract(st.used, st.drawn, &f.id)?, &f.id)?;
            if allowance.is_sign_negative() {
                x
            } else if !less(allowance, x) {
                Decimal::ZERO
            } else {
                subtract(x, allowance, &f.id)?
            }
        }
        None => x,
    };
    let mut balance = st.balance(t)?;
    if fx.limited && less(balance, beyond) {
        match fx.rule.filter(|&ri| rule_on(p, sub, ri)) {
            Some(ri) => {
                let Some(rule) = p.index.rules.get(ri) else {
                    return Ok(None);
                };
                let want = subtract(add(rule.below, beyond, &f.id)?, balance, &f.id)?;
                let k = ceil_div(want, rule.pack)?.max(Decimal::ONE);
                buy(p, sub, life, rule.addon, k, t, true)?;
                balance = sub
                    .feats
                    .get(fi)
                    .map_or(Ok(Decimal::ZERO), |s| s.balance(t))?;
            }
            None => {
                return Ok(Some(match fx.cap {
                    None => Reason::Insufficient {
                        target: fi,
                        need: beyond,
                        left: balance,
                    },
                    Some(cap) => Reason::BeyondCap {
                        target: fi,
                        need: beyond,
                        cap,
                        left: balance,
                    },
                }));
            }
        }
    }
    let Some(st) = sub.feats.get_mut(fi) else {
        return Ok(None);
    };
    // Both are ≥ 0, so the draw is empty exactly when either is zero.
    if !beyond.is_zero() && !balance.is_zero() {
        let d = if less(beyond, balance) {
            beyond
        } else {
            balance
        };
        st.draw(d, t);
        st.drawn = add(st.drawn, d, &f.id)?;
    }
    st.used = add(st.used, x, &f.id)?;
    if let Some(ri) = fx.rule {
        check_rule(p, sub, life, ri, t)?;
    }
    Ok(None)
}
