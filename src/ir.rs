//! The checked plan IR: what the checker produces and everything downstream consumes.
//!
//! Invariant: an IR value satisfies every rule of `pricing-json.md` (the checker only builds one
//! from a document without errors). Defaults are filled in, feature kinds are decided, ids are
//! well-formed, cross-references (cost targets, add-on grants, recharge rules) resolve to balance
//! features and add-ons of the same plan, and every [`Decimal`] is normalized (no trailing
//! zeros), so that serializing the IR gives canonical, byte-stable JSON (`compile`).
//! Plans, features, add-ons and recharge rules keep document order.

use rust_decimal::Decimal;
use serde::Serialize;

/// A whole pricing document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Document {
    pub plans: Vec<Plan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// `plan:NAME@VERSION`.
    pub id: String,
    pub title: String,
    pub currency: Currency,
    pub interval: Interval,
    pub features: Vec<Feature>,
    pub addons: Vec<Addon>,
    pub recharge: Vec<Recharge>,
}

/// A currency and its minor-unit exponent (Stripe's, where it departs from ISO 4217).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Currency {
    /// Lower-case code, e.g. `usd`.
    pub code: String,
    /// Decimal digits of the minor unit: 2 for usd (cents), 0 for jpy.
    pub exponent: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Interval {
    #[serde(rename = "@daily")]
    Daily,
    #[serde(rename = "@weekly")]
    Weekly,
    #[serde(rename = "@monthly")]
    Monthly,
    #[serde(rename = "@yearly")]
    Yearly,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Daily => "@daily",
            Interval::Weekly => "@weekly",
            Interval::Monthly => "@monthly",
            Interval::Yearly => "@yearly",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// `feature:NAME`.
    pub id: String,
    pub title: String,
    pub kind: FeatureKind,
    /// Flat fee per period, minor units.
    pub base: Decimal,
    pub mode: Mode,
    pub aggregate: Aggregate,
    /// Empty when the feature is not metered.
    pub tiers: Vec<Tier>,
    pub divide: Option<Divide>,
    pub grants: Vec<Grant>,
    /// Resolved (defaults applied); `None` for flat and costing features.
    pub overage: Option<Overage>,
    pub cost: Option<Cost>,
}

impl Feature {
    /// The cap: the largest `upto` when every tier is bounded (raw units), else `None`.
    pub fn cap(&self) -> Option<u64> {
        if self.tiers.is_empty() || self.tiers.iter().any(|t| t.upto.is_none()) {
            return None;
        }
        self.tiers.iter().filter_map(|t| t.upto).max()
    }

    pub fn is_metered(&self) -> bool {
        !self.tiers.is_empty()
    }
}

/// Decided by the checker from the feature's fields and the references to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    /// No tiers, grants or cost and nothing refers to it: billed `base` each period.
    Flat,
    /// `sum` with grants, tiers, or referred to by an add-on grant or a `cost`: holds blocks.
    Balance,
    /// `max`, `last` or `perpetual` with tiers; holds no blocks.
    Gauge,
    /// Has `cost`: its usage is usage of the target balance feature.
    Costing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Graduated,
    Volume,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Sum,
    Max,
    Last,
    Perpetual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    /// Inclusive upper bound; `None` = unbounded (only the last tier).
    pub upto: Option<u64>,
    /// Per unit, minor units.
    pub price: Decimal,
    /// Flat fee for reaching the tier, minor units.
    pub base: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Divide {
    pub by: u64,
    pub rounding: Rounding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    Up,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub amount: Decimal,
    /// Serialized as `{"every": N}` or `"signup"`.
    pub schedule: Schedule,
    /// Always `None` for signup grants.
    pub rollover: Rollover,
    pub expires_after: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// A block at the start of period 0, N, 2N, …
    Every(u32),
    /// One block at the start of the customer's first subscription.
    Signup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rollover {
    None,
    All,
    Max(Decimal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overage {
    Bill,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cost {
    /// The target: a balance feature of the same plan.
    pub feature: String,
    /// Units of the target per unit of this feature (> 0).
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Addon {
    /// `addon:NAME`.
    pub id: String,
    pub title: String,
    /// Per unit purchased, minor units.
    pub price: Decimal,
    pub grants: Vec<AddonGrant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddonGrant {
    /// A balance feature of the same plan.
    pub feature: String,
    pub amount: Decimal,
    pub expires_after: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recharge {
    /// A balance feature of the same plan.
    pub feature: String,
    pub below: Decimal,
    /// An add-on of the same plan that grants `feature` a positive amount.
    pub buy: String,
    /// Initial state for every customer.
    pub enabled: bool,
}

impl Document {
    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }
}

impl Plan {
    pub fn feature(&self, id: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.id == id)
    }

    pub fn addon(&self, id: &str) -> Option<&Addon> {
        self.addons.iter().find(|a| a.id == id)
    }

    /// The plan's name part, `plan:NAME` of `plan:NAME@VERSION`.
    pub fn name(&self) -> &str {
        self.id
            .rsplit_once('@')
            .map_or(self.id.as_str(), |(n, _)| n)
    }

    /// The version part of the id.
    pub fn version(&self) -> &str {
        self.id.rsplit_once('@').map_or("", |(_, v)| v)
    }
}

impl Addon {
    /// Units of `feature` one unit of this add-on grants (sum of its entries for it).
    pub fn pack_size(&self, feature: &str) -> Decimal {
        self.grants
            .iter()
            .filter(|g| g.feature == feature)
            .map(|g| g.amount)
            .sum()
    }
}
