//! What the evaluator precomputes per plan: features, add-ons and rules by position.
//!
//! Invariant: built once per document; every id the checker resolved is turned into an index
//! into the plan's own vectors, so the hot path never compares names it can avoid.

use super::intern::{self, Sym, Syms};
use crate::ir::{Document, Feature, FeatureKind, Overage, Plan};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
pub struct FeatureIndex {
    /// The cap as a decimal (every tier bounded).
    pub cap: Option<Decimal>,
    /// The cost target's position and units per unit.
    pub cost: Option<(usize, Decimal)>,
    /// The recharge rule on this feature, by position.
    pub rule: Option<usize>,
    /// `deny` that can refuse something: capped, or a balance feature without tiers.
    pub limited: bool,
}

#[derive(Debug, Clone)]
pub struct RuleIndex {
    pub feature: usize,
    pub below: Decimal,
    pub addon: usize,
    pub pack: Decimal,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct PlanIndex {
    pub feats: Vec<FeatureIndex>,
    pub rules: Vec<RuleIndex>,
    /// Per add-on, per grant entry: the target feature's position.
    pub addon_targets: Vec<Vec<usize>>,
    /// Symbol → feature position ([`intern::table`]).
    pub feature_of: Vec<u32>,
    /// Symbol → add-on position.
    pub addon_of: Vec<u32>,
    /// Per feature position: its symbol.
    pub feature_sym: Vec<Sym>,
}

fn position(plan: &Plan, id: &str) -> Option<usize> {
    plan.features.iter().position(|f| f.id == id)
}

fn limited(f: &Feature) -> bool {
    if f.overage != Some(Overage::Deny) {
        return false;
    }
    match f.kind {
        FeatureKind::Balance => f.tiers.is_empty() || f.cap().is_some(),
        FeatureKind::Gauge => f.cap().is_some(),
        FeatureKind::Flat | FeatureKind::Costing => false,
    }
}

impl PlanIndex {
    pub fn new(plan: &Plan, syms: &Syms) -> PlanIndex {
        let rules: Vec<RuleIndex> = plan
            .recharge
            .iter()
            .filter_map(|r| {
                let feature = position(plan, &r.feature)?;
                let addon = plan.addons.iter().position(|a| a.id == r.buy)?;
                let pack = plan.addons.get(addon)?.pack_size(&r.feature);
                Some(RuleIndex {
                    feature,
                    below: r.below,
                    addon,
                    pack,
                    enabled: r.enabled,
                })
            })
            .collect();
        let feats = plan
            .features
            .iter()
            .enumerate()
            .map(|(i, f)| FeatureIndex {
                cap: f.cap().map(Decimal::from),
                cost: f
                    .cost
                    .as_ref()
                    .and_then(|c| Some((position(plan, &c.feature)?, c.amount))),
                rule: rules.iter().position(|r| r.feature == i),
                limited: limited(f),
            })
            .collect();
        let addon_targets = plan
            .addons
            .iter()
            .map(|a| {
                a.grants
                    .iter()
                    .filter_map(|g| position(plan, &g.feature))
                    .collect()
            })
            .collect();
        PlanIndex {
            feats,
            rules,
            addon_targets,
            feature_of: intern::table(syms, plan.features.iter().map(|f| f.id.as_str())),
            addon_of: intern::table(syms, plan.addons.iter().map(|a| a.id.as_str())),
            feature_sym: plan
                .features
                .iter()
                .map(|f| syms.get(&f.id).unwrap_or(intern::NONE))
                .collect(),
        }
    }

    pub fn all(doc: &Document, syms: &Syms) -> Vec<PlanIndex> {
        doc.plans.iter().map(|p| PlanIndex::new(p, syms)).collect()
    }
}
