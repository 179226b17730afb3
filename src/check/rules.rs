//! Semantic rules over a plan draft: feature kinds, tiers, grants, overage, cross-references,
//! and the warnings; then the IR plan with every default filled in.
//!
//! Invariant: every rule of `pricing-json.md` that relates fields, features, add-ons or
//! recharge rules lives here, and each violation is reported at the value that breaks it.

use super::ctx::{Ctx, Field, Loc};
use super::lower::{
    AddonDraft, FeatureDraft, GrantDraft, PlanDraft, RechargeDraft, TierDraft, AGGREGATES,
};
use super::suggest;
use crate::ir::{self, Aggregate, FeatureKind, Mode, Overage, Rollover, Schedule};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

/// Check one plan's rules and build its IR (meaningful only when no error was reported).
pub fn plan(cx: &mut Ctx, d: PlanDraft) -> Option<ir::Plan> {
    let features = Features::new(&d);
    let addon_granted: HashSet<&str> = d
        .addons
        .iter()
        .flat_map(|a| a.grants.iter().map(|g| g.feature.value.as_str()))
        .collect();
    for (f, &k) in d.features.iter().zip(&features.kinds) {
        feature_rules(cx, f, k, addon_granted.contains(f.id.as_str()));
    }
    cost_rules(cx, &features);
    for g in d.addons.iter().flat_map(|a| &a.grants) {
        features.balance(cx, &g.feature, "an add-on grant");
    }
    recharge_rules(cx, &features, &d);
    let kinds = features.kinds;
    plan_ir(d, &kinds)
}

/// A plan's features with their decided kinds, for resolving references.
struct Features<'a> {
    plan: &'a str,
    drafts: &'a [FeatureDraft],
    /// First feature of each id (a repeated id is a `duplicate-key` error already).
    index: HashMap<&'a str, usize>,
    kinds: Vec<FeatureKind>,
}

impl<'a> Features<'a> {
    fn new(d: &'a PlanDraft) -> Self {
        let index: HashMap<&str, usize> = d
            .features
            .iter()
            .enumerate()
            .rev()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect();
        // Which features an add-on grant or a `cost` names.
        let costs = d.features.iter().filter_map(|f| f.cost.as_ref());
        let packs = d.addons.iter().flat_map(|a| &a.grants);
        let named: HashSet<&str> = costs
            .map(|c| c.value.target.value.as_str())
            .chain(packs.map(|g| g.feature.value.as_str()))
            .collect();
        let kinds = d
            .features
            .iter()
            .map(|f| kind(f, named.contains(f.id.as_str())))
            .collect();
        Features {
            plan: &d.id,
            drafts: &d.features,
            index,
            kinds,
        }
    }

    fn get(&self, id: &str) -> Option<(&'a FeatureDraft, FeatureKind)> {
        let &i = self.index.get(id)?;
        Some((&self.drafts[i], self.kinds[i]))
    }

    /// Whether a reference names a balance feature of this plan; reports it when not.
    fn balance(&self, cx: &mut Ctx, reference: &Field<String>, what: &str) -> bool {
        let (id, loc) = (reference.value.as_str(), &reference.loc);
        let Some((f, kind)) = self.get(id) else {
            let ids: Vec<&str> = self.drafts.iter().map(|f| f.id.as_str()).collect();
            let help = match suggest::reference(id, "feature:", &ids) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the plan's features are {}", suggest::list(&ids)),
            };
            cx.error(
                "unknown-feature",
                loc,
                format!("`{id}` is not a feature of `{}`", self.plan),
            )
            .help = Some(help);
            return false;
        };
        if kind == FeatureKind::Balance {
            return true;
        }
        let agg = f.aggregate_or_sum();
        let why = if f.cost.is_some() {
            "it has a `cost` itself".to_string()
        } else if agg == Aggregate::Sum {
            "it has no grants or tiers, and no add-on grant or `cost` names it".to_string()
        } else {
            format!("its aggregate is `{}`", aggregate_name(agg))
        };
        cx.error(
            "not-balance",
            loc,
            format!("{what} must name a balance feature, but `{id}` is not: {why}"),
        )
        .help = Some(
            "only a `sum` feature without `cost` holds blocks that grants fill and usage draws"
                .to_string(),
        );
        false
    }
}

/// A `cost` names a balance feature that has no `cost` itself.
fn cost_rules(cx: &mut Ctx, features: &Features<'_>) {
    for f in features.drafts {
        let Some(c) = &f.cost else { continue };
        let target = &c.value.target;
        if features
            .get(&target.value)
            .is_some_and(|(t, _)| t.cost.is_some())
        {
            cx.error(
                "cost-chain",
                &target.loc,
                format!("`{}` has a `cost` itself; costs cannot chain", target.value),
            )
            .help = Some("point `cost` at the balance feature that is finally drawn".to_string());
            continue;
        }
        features.balance(cx, target, "`cost`");
    }
}

/// One rule per balance feature, buying an add-on that grants it.
fn recharge_rules(cx: &mut Ctx, features: &Features<'_>, d: &PlanDraft) {
    let mut recharged: HashSet<&str> = HashSet::new();
    for r in &d.recharge {
        if features.balance(cx, &r.feature, "a recharge rule")
            && !recharged.insert(r.feature.value.as_str())
        {
            cx.error(
                "recharge-duplicate",
                &r.feature.loc,
                format!("`{}` already has a recharge rule", r.feature.value),
            )
            .help = Some("a feature has at most one recharge rule; merge them".to_string());
        }
        recharge_buy(cx, r, &d.addons);
    }
}

fn plan_ir(d: PlanDraft, kinds: &[FeatureKind]) -> Option<ir::Plan> {
    let features = d
        .features
        .iter()
        .zip(kinds)
        .map(|(f, &k)| feature_ir(f, k))
        .collect();
    Some(ir::Plan {
        title: d.title.unwrap_or_else(|| d.id.clone()),
        id: d.id,
        currency: d.currency?,
        interval: d.interval,
        features,
        addons: d.addons.into_iter().map(addon_ir).collect(),
        recharge: d
            .recharge
            .into_iter()
            .map(|r| ir::Recharge {
                feature: r.feature.value,
                below: r.below.normalize(),
                buy: r.buy.value,
                enabled: r.enabled,
            })
            .collect(),
    })
}

/// How the document writes an aggregate.
fn aggregate_name(a: Aggregate) -> &'static str {
    AGGREGATES
        .iter()
        .find(|(_, value)| *value == a)
        .map_or("sum", |(name, _)| name)
}

/// The kind, from the feature's fields and whether something names it.
fn kind(f: &FeatureDraft, targeted: bool) -> FeatureKind {
    let aggregate = f.aggregate_or_sum();
    if f.cost.is_some() {
        FeatureKind::Costing
    } else if aggregate == Aggregate::Sum {
        if f.grants.is_some() || f.tiers.is_some() || targeted {
            FeatureKind::Balance
        } else {
            FeatureKind::Flat
        }
    } else if f.tiers.is_some() {
        FeatureKind::Gauge
    } else {
        FeatureKind::Flat
    }
}

fn feature_rules(cx: &mut Ctx, f: &FeatureDraft, kind: FeatureKind, addon_granted: bool) {
    if kind == FeatureKind::Costing {
        costing_rules(cx, f);
        return;
    }
    if let (Some(grants), false) = (&f.grants, kind == FeatureKind::Balance) {
        cx.error(
            "not-balance",
            &grants.loc,
            format!(
                "`grants` need a balance feature, but `{}` has aggregate `{}`",
                f.id,
                aggregate_name(f.aggregate_or_sum())
            ),
        )
        .help = Some(
            "grants issue blocks that `sum` usage draws down; use `\"aggregate\": \"sum\"`"
                .to_string(),
        );
    }
    if let Some(tiers) = &f.tiers {
        tier_rules(cx, &tiers.value);
        if let Some(base) = f.base.as_ref().filter(|b| !b.value.is_zero()) {
            cx.error("base-with-tiers", &base.loc, "base must be zero with tiers")
                .help = Some(
                "put a flat fee in the first tier's `base`, or in a separate flat feature"
                    .to_string(),
            );
        }
    }
    if let Some(divide) = &f.divide {
        divide_rules(cx, f, &divide.loc);
    }
    if let Some(grants) = &f.grants {
        grants.value.iter().for_each(|g| grant_rules(cx, g));
    }
    overage_rules(cx, f, kind, addon_granted);
    if let (Some(mode), true) = (&f.mode, f.grants.is_some() || addon_granted) {
        if mode.value == Mode::Volume && f.tiers.is_some() && kind == FeatureKind::Balance {
            cx.warning(
                "grants-with-volume",
                &mode.loc,
                "volume tiers are chosen by the quantity grants leave uncovered",
            )
            .help = Some("with grants, `volume` prices the uncovered units as if they were the whole period's usage; `graduated` is usually meant".to_string());
        }
    }
}

/// Exactly one of `every` and `on`; `rollover` only with `every`.
fn grant_rules(cx: &mut Ctx, g: &GrantDraft) {
    match (&g.every, &g.on) {
        (Some(_), Some(on)) => {
            cx.error("grant-schedule", on, "a grant has both `every` and `on`")
                .help = Some(
                "use `every` for periodic blocks or `on: \"signup\"` for one block, not both"
                    .to_string(),
            );
        }
        (None, None) => {
            cx.error("grant-schedule", &g.loc, "a grant needs `every` or `on`")
                .help = Some(
                "add `\"every\": 1` for a block each period, or `\"on\": \"signup\"` for one block"
                    .to_string(),
            );
        }
        (None, Some(_)) => {
            if let Some(r) = &g.rollover {
                cx.error(
                    "rollover-signup",
                    &r.loc,
                    "`rollover` applies only to periodic grants",
                )
                .help = Some("a signup block lives until `expires_after`, or forever".to_string());
            }
        }
        (Some(_), None) => {}
    }
}

fn costing_rules(cx: &mut Ctx, f: &FeatureDraft) {
    let refuse = |cx: &mut Ctx, loc: &Loc, key: &str| {
        cx.error(
            "costing-field",
            loc,
            format!("a feature with `cost` cannot have `{key}`"),
        )
        .help =
            Some("its usage is paid in its target's units; price and limit the target".to_string());
    };
    if let Some(a) = f.aggregate.as_ref().filter(|a| a.value != Aggregate::Sum) {
        refuse(cx, &a.loc, "aggregate");
    }
    let fields: [(&str, Option<&Loc>); 6] = [
        ("base", f.base.as_ref().map(|x| &x.loc)),
        ("mode", f.mode.as_ref().map(|x| &x.loc)),
        ("tiers", f.tiers.as_ref().map(|x| &x.loc)),
        ("divide", f.divide.as_ref().map(|x| &x.loc)),
        ("grants", f.grants.as_ref().map(|x| &x.loc)),
        ("overage", f.overage.as_ref().map(|x| &x.loc)),
    ];
    for (key, loc) in fields {
        if let Some(loc) = loc {
            refuse(cx, loc, key);
        }
    }
}

fn tier_rules(cx: &mut Ctx, tiers: &[TierDraft]) {
    let last = tiers.len().saturating_sub(1);
    let mut previous: Option<u64> = None;
    let mut priced = false;
    for (i, t) in tiers.iter().enumerate() {
        match &t.upto {
            None if i != last => {
                cx.error(
                    "tier-unbounded",
                    &t.loc,
                    "only the last tier may be unbounded",
                )
                .help = Some("give this tier an `upto`, or move it last".to_string());
            }
            Some(u) => {
                if let Some(p) = previous.filter(|&p| u.value <= p) {
                    cx.error(
                        "tier-order",
                        &u.loc,
                        format!("tier `upto` values must increase: {} after {p}", u.value),
                    )
                    .help = Some("sort the tiers by `upto`".to_string());
                }
                previous = Some(previous.map_or(u.value, |p| p.max(u.value)));
            }
            None => {}
        }
        let base = t.base.as_ref().map_or(Decimal::ZERO, |b| b.value);
        if priced && t.clean && t.price.is_zero() && base.is_zero() {
            cx.warning(
                "free-after-priced",
                &t.loc,
                format!("tier {} of {} is free after a priced tier", i + 1, tiers.len()),
            )
            .help = Some("usage in this band costs nothing; set its `price`, or make the tier before it the last".to_string());
        }
        priced |= !t.price.is_zero();
    }
}

fn divide_rules(cx: &mut Ctx, f: &FeatureDraft, loc: &Loc) {
    let count = f.tiers.as_ref().map_or(0, |t| t.value.len());
    if count != 1 {
        cx.error(
            "divide-tiers",
            loc,
            format!("`divide` needs exactly one tier, found {count}"),
        )
        .help = Some(
            "as in Stripe, a quantity transform cannot combine with several tiers".to_string(),
        );
        return;
    }
    let tier_base = f
        .tiers
        .as_ref()
        .and_then(|t| t.value.first())
        .and_then(|t| t.base.as_ref())
        .filter(|b| !b.value.is_zero());
    if let Some(base) = tier_base {
        cx.error(
            "divide-base",
            &base.loc,
            "the tier of a feature with `divide` cannot have a `base`",
        )
        .help = Some("charge a flat fee with a separate flat feature".to_string());
    }
}

fn overage_rules(cx: &mut Ctx, f: &FeatureDraft, kind: FeatureKind, addon_granted: bool) {
    let Some(overage) = &f.overage else { return };
    match kind {
        FeatureKind::Flat => {
            cx.error(
                "overage-flat",
                &overage.loc,
                "`overage` applies only to metered or balance features",
            )
            .help = Some("this feature has no tiers, grants or packs, so nothing is limited or billed per unit".to_string());
        }
        _ if overage.value == Overage::Bill && f.tiers.is_none() => {
            cx.error(
                "overage-bill-without-tiers",
                &overage.loc,
                "`overage: bill` requires tiers",
            )
            .help =
                Some("nothing prices the uncovered usage; add `tiers` or use `deny`".to_string());
        }
        _ if overage.value == Overage::Deny => {
            let unbounded = f
                .tiers
                .as_ref()
                .and_then(|t| t.value.last())
                .is_some_and(|t| t.upto.is_none());
            if unbounded && f.grants.is_none() && !addon_granted {
                cx.warning(
                    "deny-without-cap",
                    &overage.loc,
                    "`deny` limits nothing: the last tier is unbounded and nothing grants blocks",
                )
                .help = Some("give the last tier an `upto` to set a cap".to_string());
            }
        }
        _ => {}
    }
}

fn recharge_buy(cx: &mut Ctx, r: &RechargeDraft, addons: &[AddonDraft]) {
    let Some(addon) = addons.iter().find(|a| a.id == r.buy.value) else {
        let ids: Vec<&str> = addons.iter().map(|a| a.id.as_str()).collect();
        let help = match suggest::reference(&r.buy.value, "addon:", &ids) {
            Some(s) => format!("did you mean `{s}`?"),
            None if ids.is_empty() => {
                "the plan has no add-ons; define one under `addons`".to_string()
            }
            None => format!("the plan's add-ons are {}", suggest::list(&ids)),
        };
        cx.error(
            "unknown-addon",
            &r.buy.loc,
            format!("`{}` is not an add-on of this plan", r.buy.value),
        )
        .help = Some(help);
        return;
    };
    let pack: Decimal = addon
        .grants
        .iter()
        .filter(|g| g.feature.value == r.feature.value)
        .map(|g| g.amount)
        .sum();
    if pack <= Decimal::ZERO {
        cx.error(
            "recharge-pack",
            &r.buy.loc,
            format!("`{}` does not grant `{}`", r.buy.value, r.feature.value),
        )
        .help = Some(
            "a recharge rule buys an add-on that grants its feature a positive amount".to_string(),
        );
    }
}

fn feature_ir(f: &FeatureDraft, kind: FeatureKind) -> ir::Feature {
    let overage = match kind {
        FeatureKind::Flat | FeatureKind::Costing => None,
        _ => Some(f.overage.as_ref().map_or(
            if f.tiers.is_some() {
                Overage::Bill
            } else {
                Overage::Deny
            },
            |o| o.value,
        )),
    };
    ir::Feature {
        id: f.id.clone(),
        title: f.title.clone().unwrap_or_else(|| f.id.clone()),
        kind,
        base: f
            .base
            .as_ref()
            .map_or(Decimal::ZERO, |b| b.value.normalize()),
        mode: f.mode.as_ref().map_or(Mode::Graduated, |m| m.value),
        aggregate: f.aggregate_or_sum(),
        tiers: f.tiers.as_ref().map_or_else(Vec::new, |t| {
            t.value
                .iter()
                .map(|t| ir::Tier {
                    upto: t.upto.as_ref().map(|u| u.value),
                    price: t.price.normalize(),
                    base: t
                        .base
                        .as_ref()
                        .map_or(Decimal::ZERO, |b| b.value.normalize()),
                })
                .collect()
        }),
        divide: f.divide.as_ref().map(|d| d.value.clone()),
        grants: f.grants.as_ref().map_or_else(Vec::new, |g| {
            g.value
                .iter()
                .map(|g| ir::Grant {
                    amount: g.amount.normalize(),
                    schedule: g
                        .every
                        .as_ref()
                        .map_or(Schedule::Signup, |e| Schedule::Every(e.value)),
                    rollover: match &g.rollover {
                        Some(r) => match &r.value {
                            Rollover::Max(m) => Rollover::Max(m.normalize()),
                            other => other.clone(),
                        },
                        None => Rollover::None,
                    },
                    expires_after: g.expires_after,
                })
                .collect()
        }),
        overage,
        cost: f.cost.as_ref().map(|c| ir::Cost {
            feature: c.value.target.value.clone(),
            amount: c.value.amount.normalize(),
        }),
    }
}

fn addon_ir(a: AddonDraft) -> ir::Addon {
    ir::Addon {
        title: a.title.unwrap_or_else(|| a.id.clone()),
        id: a.id,
        price: a.price.normalize(),
        grants: a
            .grants
            .into_iter()
            .map(|g| ir::AddonGrant {
                feature: g.feature.value,
                amount: g.amount.normalize(),
                expires_after: g.expires_after,
            })
            .collect(),
    }
}
