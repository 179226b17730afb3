//! Lowering: the spanned tree → drafts, one plan at a time, reading every field exactly.
//!
//! Invariant: a draft holds only values that passed their own field's checks (type, enum,
//! number limits, id grammar); every value that did not left a diagnostic behind. Rules that
//! relate fields or features to each other are [`super::rules`]' job.

use super::ctx::{Ctx, Field, Loc, Min, Obj};
use super::ids;
use crate::diag::pointer_push;
use crate::ir::{Aggregate, Interval, Mode, Overage, Rollover, Rounding};
use crate::syntax::tree::Node;
use rust_decimal::Decimal;

/// `upto` is at most 10^15.
pub const MAX_UPTO: u64 = 1_000_000_000_000_000;
/// Period counts (`every`, `expires_after`) fit in 32 bits.
const MAX_PERIODS: u64 = u32::MAX as u64;
/// `divide.by` is held in 18 digits anyway.
const MAX_DIVIDE: u64 = 999_999_999_999_999_999;

pub const ROOT_KEYS: &[&str] = &["$schema", "plans"];
pub const PLAN_KEYS: &[&str] = &[
    "title", "currency", "interval", "features", "addons", "recharge",
];
pub const FEATURE_KEYS: &[&str] = &[
    "title",
    "base",
    "mode",
    "aggregate",
    "tiers",
    "divide",
    "grants",
    "overage",
    "cost",
];
pub const TIER_KEYS: &[&str] = &["upto", "price", "base"];
pub const DIVIDE_KEYS: &[&str] = &["by", "rounding"];
pub const GRANT_KEYS: &[&str] = &["amount", "every", "on", "rollover", "expires_after"];
pub const ROLLOVER_KEYS: &[&str] = &["max"];
pub const ADDON_KEYS: &[&str] = &["title", "price", "grants"];
pub const ADDON_GRANT_KEYS: &[&str] = &["feature", "amount", "expires_after"];
pub const RECHARGE_KEYS: &[&str] = &["feature", "below", "buy", "enabled"];

pub const INTERVALS: &[(&str, Interval)] = &[
    ("@daily", Interval::Daily),
    ("@weekly", Interval::Weekly),
    ("@monthly", Interval::Monthly),
    ("@yearly", Interval::Yearly),
];
pub const MODES: &[(&str, Mode)] = &[("graduated", Mode::Graduated), ("volume", Mode::Volume)];
pub const AGGREGATES: &[(&str, Aggregate)] = &[
    ("sum", Aggregate::Sum),
    ("max", Aggregate::Max),
    ("last", Aggregate::Last),
    ("perpetual", Aggregate::Perpetual),
];
pub const ROUNDINGS: &[(&str, Rounding)] = &[("up", Rounding::Up), ("down", Rounding::Down)];
pub const OVERAGES: &[(&str, Overage)] = &[("bill", Overage::Bill), ("deny", Overage::Deny)];
pub const ON: &[(&str, ())] = &[("signup", ())];
/// `rollover` as a string: `"all"` (true) or `"none"` (false).
pub const ROLLOVERS: &[(&str, bool)] = &[("none", false), ("all", true)];

#[derive(Debug)]
pub struct PlanDraft {
    pub id: String,
    pub title: Option<String>,
    pub currency: Option<crate::ir::Currency>,
    pub interval: Interval,
    pub features: Vec<FeatureDraft>,
    pub addons: Vec<AddonDraft>,
    pub recharge: Vec<RechargeDraft>,
}

#[derive(Debug)]
pub struct FeatureDraft {
    pub id: String,
    pub title: Option<String>,
    pub base: Option<Field<Decimal>>,
    pub mode: Option<Field<Mode>>,
    pub aggregate: Option<Field<Aggregate>>,
    /// Absent, or a non-empty list (`[]` reads as absent).
    pub tiers: Option<Field<Vec<TierDraft>>>,
    pub divide: Option<Field<crate::ir::Divide>>,
    pub grants: Option<Field<Vec<GrantDraft>>>,
    pub overage: Option<Field<Overage>>,
    pub cost: Option<Field<CostDraft>>,
}

impl FeatureDraft {
    /// The aggregate in effect: `sum` when none is given.
    pub fn aggregate_or_sum(&self) -> Aggregate {
        self.aggregate.as_ref().map_or(Aggregate::Sum, |a| a.value)
    }
}

#[derive(Debug)]
pub struct TierDraft {
    pub loc: Loc,
    /// No unknown keys: what it says is what it means (warnings about it are worth giving).
    pub clean: bool,
    pub upto: Option<Field<u64>>,
    pub price: Decimal,
    pub base: Option<Field<Decimal>>,
}

#[derive(Debug)]
pub struct GrantDraft {
    pub loc: Loc,
    pub amount: Decimal,
    pub every: Option<Field<u32>>,
    pub on: Option<Loc>,
    pub rollover: Option<Field<Rollover>>,
    pub expires_after: Option<u32>,
}

#[derive(Debug)]
pub struct CostDraft {
    /// The target feature id, located at its key.
    pub target: Field<String>,
    pub amount: Decimal,
}

#[derive(Debug)]
pub struct AddonDraft {
    pub id: String,
    pub title: Option<String>,
    pub price: Decimal,
    pub grants: Vec<AddonGrantDraft>,
}

#[derive(Debug)]
pub struct AddonGrantDraft {
    pub feature: Field<String>,
    pub amount: Decimal,
    pub expires_after: Option<u32>,
}

#[derive(Debug)]
pub struct RechargeDraft {
    pub feature: Field<String>,
    pub below: Decimal,
    pub buy: Field<String>,
    pub enabled: bool,
}

/// Read the whole document into plan drafts.
pub fn document(cx: &mut Ctx, root: &Node) -> Vec<PlanDraft> {
    let Some(obj) = cx.object(root, "", ROOT_KEYS, "the document") else {
        return Vec::new();
    };
    if let Some((node, ptr)) = obj.get("$schema") {
        cx.string(node, &ptr);
    }
    let Some((plans, ptr)) = obj.get("plans") else {
        return Vec::new();
    };
    let mut drafts = Vec::new();
    for m in cx.map(plans, &ptr, "plans") {
        let loc = Loc::new(m.key_span, pointer_push(&ptr, &m.key));
        if let Some(message) = ids::plan_error(&m.key) {
            cx.error("plan-id", &loc, message).help =
                Some("plan ids look like `plan:pro@1`".to_string());
        }
        if let Some(d) = plan(cx, &m.key, loc, &m.value) {
            drafts.push(d);
        }
    }
    drafts
}

/// A title; empty reads as absent, as tier's decoder does (the id is shown instead).
fn title(cx: &mut Ctx, obj: &Obj<'_>) -> Option<String> {
    let (node, ptr) = obj.get("title")?;
    cx.string(node, &ptr)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn plan(cx: &mut Ctx, id: &str, loc: Loc, node: &Node) -> Option<PlanDraft> {
    let obj = cx.object(node, &loc.ptr, PLAN_KEYS, "a plan")?;
    let title = title(cx, &obj);
    let currency = match obj.get("currency") {
        None => Some(crate::ir::Currency {
            code: "usd".to_string(),
            exponent: 2,
        }),
        Some((node, ptr)) => currency(cx, node, &ptr),
    };
    let interval = obj
        .get("interval")
        .and_then(|(n, p)| cx.choice(n, &p, "interval", INTERVALS))
        .unwrap_or(Interval::Monthly);
    Some(PlanDraft {
        id: id.to_string(),
        title,
        currency,
        interval,
        features: features(cx, &obj),
        addons: addons(cx, &obj),
        recharge: recharges(cx, &obj),
    })
}

fn features(cx: &mut Ctx, plan: &Obj<'_>) -> Vec<FeatureDraft> {
    let Some((node, ptr)) = plan.get("features") else {
        no_features(cx, &plan.loc());
        return Vec::new();
    };
    if node.members().is_some_and(<[_]>::is_empty) {
        no_features(cx, &Loc::new(node.span, ptr.clone()));
    }
    let mut drafts = Vec::new();
    for m in cx.map(node, &ptr, "features") {
        let loc = Loc::new(m.key_span, pointer_push(&ptr, &m.key));
        if let Some(message) = ids::feature_error(&m.key) {
            cx.error("feature-id", &loc, message).help =
                Some("feature ids look like `feature:api:calls`".to_string());
        }
        drafts.extend(feature(cx, &m.key, loc, &m.value));
    }
    drafts
}

fn addons(cx: &mut Ctx, plan: &Obj<'_>) -> Vec<AddonDraft> {
    let Some((node, ptr)) = plan.get("addons") else {
        return Vec::new();
    };
    let mut drafts = Vec::new();
    for m in cx.map(node, &ptr, "addons") {
        let loc = Loc::new(m.key_span, pointer_push(&ptr, &m.key));
        if let Some(message) = ids::addon_error(&m.key) {
            cx.error("addon-id", &loc, message).help =
                Some("add-on ids look like `addon:credits50`".to_string());
        }
        drafts.extend(addon(cx, &m.key, loc, &m.value));
    }
    drafts
}

fn recharges(cx: &mut Ctx, plan: &Obj<'_>) -> Vec<RechargeDraft> {
    let Some((node, ptr)) = plan.get("recharge") else {
        return Vec::new();
    };
    let Some(items) = cx.array(node, &ptr, "recharge rules") else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| recharge(cx, item, &pointer_push(&ptr, &i.to_string())))
        .collect()
}

/// tier's rule; structural because the schema's `required` and `minProperties` say it too.
fn no_features(cx: &mut Ctx, loc: &Loc) {
    cx.structural(super::schema::no_features(loc.span, &loc.ptr));
}

fn currency(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<crate::ir::Currency> {
    let code = cx.string(node, ptr)?;
    let loc = Loc::new(node.span, ptr);
    let Some(info) = crate::currency::lookup(code) else {
        cx.error(
            "unknown-currency",
            &loc,
            format!("unknown currency `{code}`"),
        )
        .help = Some("use an ISO 4217 code such as `usd`, `eur` or `jpy`".to_string());
        return None;
    };
    if info.code != code {
        cx.warning(
            "currency-case",
            &loc,
            format!("currency `{code}` is not lower case"),
        )
        .help = Some(format!("write `{}`", info.code));
    }
    Some(crate::ir::Currency {
        code: info.code,
        exponent: info.exponent,
    })
}

fn feature(cx: &mut Ctx, id: &str, loc: Loc, node: &Node) -> Option<FeatureDraft> {
    let obj = cx.object(node, &loc.ptr, FEATURE_KEYS, "a feature")?;
    let title = title(cx, &obj);
    let base = decimal_field(cx, &obj, "base", Min::Zero);
    let mode = choice_field(cx, &obj, "mode", MODES);
    let aggregate = choice_field(cx, &obj, "aggregate", AGGREGATES);
    let overage = choice_field(cx, &obj, "overage", OVERAGES);
    let tiers = obj.get("tiers").and_then(|(node, ptr)| {
        let items = cx.array(node, &ptr, "tiers")?;
        let loc = Loc::new(node.span, ptr.clone());
        if items.is_empty() {
            cx.warning(
                "empty-tiers",
                &loc,
                "`tiers` is empty and is treated as absent",
            )
            .help = Some("remove `tiers`, or add at least one tier".to_string());
            return None;
        }
        let tiers = items
            .iter()
            .enumerate()
            .filter_map(|(i, t)| tier(cx, t, &pointer_push(&ptr, &i.to_string())))
            .collect();
        Some(Field { value: tiers, loc })
    });
    let divide = obj
        .get("divide")
        .and_then(|(node, ptr)| divide(cx, node, &ptr));
    let grants = obj.get("grants").and_then(|(node, ptr)| {
        let items = cx.array(node, &ptr, "grants")?;
        let loc = Loc::new(node.span, ptr.clone());
        if items.is_empty() {
            cx.structural(
                crate::diag::Diagnostic::error("empty-list", node.span, "`grants` is empty")
                    .with_pointer(&ptr)
                    .with_help("remove `grants`, or add at least one grant"),
            );
            return None;
        }
        let grants = items
            .iter()
            .enumerate()
            .filter_map(|(i, g)| grant(cx, g, &pointer_push(&ptr, &i.to_string())))
            .collect();
        Some(Field { value: grants, loc })
    });
    let cost = obj.get("cost").and_then(|(node, ptr)| cost(cx, node, &ptr));
    Some(FeatureDraft {
        id: id.to_string(),
        title,
        base,
        mode,
        aggregate,
        tiers,
        divide,
        grants,
        overage,
        cost,
    })
}

/// The member `key` read by `read`, with where it was; `None` when absent or unreadable.
fn field<T>(
    cx: &mut Ctx,
    obj: &Obj<'_>,
    key: &str,
    read: impl FnOnce(&mut Ctx, &Node, &str) -> Option<T>,
) -> Option<Field<T>> {
    let (node, ptr) = obj.get(key)?;
    let value = read(cx, node, &ptr)?;
    Some(Field {
        value,
        loc: Loc::new(node.span, ptr),
    })
}

fn decimal_field(cx: &mut Ctx, obj: &Obj<'_>, key: &str, min: Min) -> Option<Field<Decimal>> {
    field(cx, obj, key, |cx, node, ptr| {
        cx.decimal(node, ptr, key, min)
    })
}

fn choice_field<T: Copy>(
    cx: &mut Ctx,
    obj: &Obj<'_>,
    key: &str,
    options: &[(&str, T)],
) -> Option<Field<T>> {
    field(cx, obj, key, |cx, node, ptr| {
        cx.choice(node, ptr, key, options)
    })
}

fn integer_field(cx: &mut Ctx, obj: &Obj<'_>, key: &str, max: u64) -> Option<Field<u64>> {
    field(cx, obj, key, |cx, node, ptr| {
        cx.integer(node, ptr, key, max)
    })
}

fn periods(cx: &mut Ctx, obj: &Obj<'_>, key: &str) -> Option<Field<u32>> {
    let f = integer_field(cx, obj, key, MAX_PERIODS)?;
    Some(Field {
        value: u32::try_from(f.value).ok()?,
        loc: f.loc,
    })
}

/// Report a required key that is missing (structural: the schema's `required` says it too).
fn require(cx: &mut Ctx, obj: &Obj<'_>, key: &str, what: &str) {
    if !obj.has(key) {
        cx.structural(super::schema::missing_key(
            obj.node.span,
            &obj.ptr,
            what,
            key,
        ));
    }
}

fn tier(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<TierDraft> {
    let obj = cx.object(node, ptr, TIER_KEYS, "a tier")?;
    let upto = integer_field(cx, &obj, "upto", MAX_UPTO);
    let price = decimal_field(cx, &obj, "price", Min::Zero);
    let base = decimal_field(cx, &obj, "base", Min::Zero);
    let failed = (obj.has("upto") && upto.is_none())
        || (obj.has("price") && price.is_none())
        || (obj.has("base") && base.is_none());
    if failed {
        return None;
    }
    Some(TierDraft {
        loc: obj.loc(),
        clean: !obj.has_unknown,
        upto,
        price: price.map_or(Decimal::ZERO, |f| f.value),
        base,
    })
}

fn divide(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<Field<crate::ir::Divide>> {
    let obj = cx.object(node, ptr, DIVIDE_KEYS, "`divide`")?;
    require(cx, &obj, "by", "`divide`");
    let by = integer_field(cx, &obj, "by", MAX_DIVIDE)?;
    let rounding = match obj.get("rounding") {
        Some((n, p)) => cx.choice(n, &p, "rounding", ROUNDINGS)?,
        None => Rounding::Down,
    };
    Some(Field {
        value: crate::ir::Divide {
            by: by.value,
            rounding,
        },
        loc: obj.loc(),
    })
}

fn grant(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<GrantDraft> {
    let obj = cx.object(node, ptr, GRANT_KEYS, "a grant")?;
    require(cx, &obj, "amount", "a grant");
    let amount = decimal_field(cx, &obj, "amount", Min::Positive);
    let every = periods(cx, &obj, "every");
    let on = obj
        .get("on")
        .and_then(|(n, p)| cx.choice(n, &p, "on", ON).map(|()| Loc::new(n.span, p)));
    let rollover = obj.get("rollover").and_then(|(n, p)| rollover(cx, n, &p));
    let expires_after = periods(cx, &obj, "expires_after");
    let failed = (obj.has("every") && every.is_none())
        || (obj.has("on") && on.is_none())
        || (obj.has("rollover") && rollover.is_none())
        || (obj.has("expires_after") && expires_after.is_none());
    let amount = amount?;
    if failed {
        return None;
    }
    Some(GrantDraft {
        loc: obj.loc(),
        amount: amount.value,
        every,
        on,
        rollover,
        expires_after: expires_after.map(|f| f.value),
    })
}

fn rollover(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<Field<Rollover>> {
    let loc = Loc::new(node.span, ptr);
    if node.members().is_some() {
        let obj = cx.object(node, ptr, ROLLOVER_KEYS, "`rollover`")?;
        require(cx, &obj, "max", "`rollover`");
        let max = decimal_field(cx, &obj, "max", Min::Zero)?;
        return Some(Field {
            value: Rollover::Max(max.value),
            loc,
        });
    }
    if node.as_str().is_none() {
        cx.wrong_type(node, ptr, "`\"none\"`, `\"all\"` or `{ \"max\": N }`");
        return None;
    }
    let all = cx.choice(node, ptr, "rollover", ROLLOVERS)?;
    let value = if all { Rollover::All } else { Rollover::None };
    Some(Field { value, loc })
}

fn cost(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<Field<CostDraft>> {
    let members = cx.map(node, ptr, "`cost`");
    if members.is_empty() && node.members().is_none() {
        return None;
    }
    let loc = Loc::new(node.span, ptr);
    if members.len() != 1 {
        cx.error(
            "cost-entries",
            &loc,
            format!("`cost` must have exactly one entry, found {}", members.len()),
        )
        .help = Some("`cost` names the one balance feature this feature's usage draws on, e.g. `{ \"feature:credits\": 3 }`".to_string());
        return None;
    }
    let m = &members[0];
    let key_loc = Loc::new(m.key_span, pointer_push(ptr, &m.key));
    if let Some(message) = ids::feature_error(&m.key) {
        cx.error("feature-id", &key_loc, message);
        return None;
    }
    let amount = cx.decimal(&m.value, &key_loc.ptr, "cost", Min::Positive)?;
    Some(Field {
        value: CostDraft {
            target: Field {
                value: m.key.clone(),
                loc: key_loc,
            },
            amount,
        },
        loc,
    })
}

fn addon(cx: &mut Ctx, id: &str, loc: Loc, node: &Node) -> Option<AddonDraft> {
    let obj = cx.object(node, &loc.ptr, ADDON_KEYS, "an add-on")?;
    let title = title(cx, &obj);
    require(cx, &obj, "price", "an add-on");
    require(cx, &obj, "grants", "an add-on");
    let price = decimal_field(cx, &obj, "price", Min::Zero);
    let grants = obj.get("grants").and_then(|(node, ptr)| {
        let items = cx.array(node, &ptr, "add-on grants")?;
        if items.is_empty() {
            cx.structural(
                crate::diag::Diagnostic::error("empty-list", node.span, "`grants` is empty")
                    .with_pointer(&ptr)
                    .with_help("an add-on grants at least one feature an amount"),
            );
            return None;
        }
        let grants: Vec<AddonGrantDraft> = items
            .iter()
            .enumerate()
            .filter_map(|(i, g)| addon_grant(cx, g, &pointer_push(&ptr, &i.to_string())))
            .collect();
        Some(grants)
    });
    // Kept even when a field failed (that left an error), so its references are checked too.
    Some(AddonDraft {
        id: id.to_string(),
        title,
        price: price.map_or(Decimal::ZERO, |p| p.value),
        grants: grants.unwrap_or_default(),
    })
}

fn reference(cx: &mut Ctx, obj: &Obj<'_>, key: &str) -> Option<Field<String>> {
    let (node, ptr) = obj.get(key)?;
    let s = cx.string(node, &ptr)?;
    Some(Field {
        value: s.to_string(),
        loc: Loc::new(node.span, ptr),
    })
}

fn addon_grant(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<AddonGrantDraft> {
    let obj = cx.object(node, ptr, ADDON_GRANT_KEYS, "an add-on grant")?;
    require(cx, &obj, "feature", "an add-on grant");
    require(cx, &obj, "amount", "an add-on grant");
    let feature = reference(cx, &obj, "feature");
    let amount = decimal_field(cx, &obj, "amount", Min::Positive);
    let expires_after = periods(cx, &obj, "expires_after");
    if obj.has("expires_after") && expires_after.is_none() {
        return None;
    }
    Some(AddonGrantDraft {
        feature: feature?,
        amount: amount?.value,
        expires_after: expires_after.map(|f| f.value),
    })
}

fn recharge(cx: &mut Ctx, node: &Node, ptr: &str) -> Option<RechargeDraft> {
    let obj = cx.object(node, ptr, RECHARGE_KEYS, "a recharge rule")?;
    for key in ["feature", "below", "buy"] {
        require(cx, &obj, key, "a recharge rule");
    }
    let feature = reference(cx, &obj, "feature");
    let below = decimal_field(cx, &obj, "below", Min::Positive);
    let buy = reference(cx, &obj, "buy");
    let enabled = match obj.get("enabled") {
        Some((n, p)) => cx.boolean(n, &p),
        None => Some(true),
    };
    Some(RechargeDraft {
        feature: feature?,
        below: below?.value,
        buy: buy?,
        enabled: enabled?,
    })
}
