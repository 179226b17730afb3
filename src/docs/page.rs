//! The pricing page as data: what each plan card says, in words, before any markup.
//!
//! Invariant: everything here is plain text (the renderers escape it) and is derived from the IR
//! alone, deterministically and in document order; money is formatted exactly by
//! [`crate::money::display`], whole amounts bare (`$29`).

use super::curve::{self, Curve};
use super::words::{self, Noun};
use crate::ir::{
    Aggregate, Document, Feature, FeatureKind, Grant, Mode, Overage, Plan, Rollover, Rounding,
    Schedule,
};
use crate::money::{self, Whole};
use rust_decimal::Decimal;

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub cards: Vec<Card>,
}

/// One plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub id: String,
    pub title: String,
    /// `$29`: what the plan costs every period before usage.
    pub fee: String,
    /// `month`.
    pub period: &'static str,
    /// `USD`.
    pub currency: String,
    /// `US dollar`, when known.
    pub currency_name: Option<String>,
    /// `plus usage`, `plus add-ons`, … (may be empty).
    pub fee_note: String,
    pub features: Vec<FeatureDoc>,
    pub addons: Vec<AddonRow>,
    /// One sentence per auto-recharge rule.
    pub recharge: Vec<String>,
}

impl Card {
    /// `USD (US dollar)`: the currency code, with its name when known.
    pub fn currency_label(&self) -> String {
        match &self.currency_name {
            Some(name) => format!("{} ({name})", self.currency),
            None => self.currency.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDoc {
    pub id: String,
    pub title: String,
    /// Sentences, in reading order.
    pub lines: Vec<String>,
    pub table: Option<TierTable>,
    /// The price curve of a metered feature (`None` only if it cannot be computed exactly).
    pub curve: Option<Curve>,
}

/// A tier table with ranges written for people.
#[derive(Debug, Clone, PartialEq)]
pub struct TierTable {
    /// `Beyond what is included`, `Volume pricing: …` (may be empty).
    pub caption: String,
    /// Column headings: usage, price, and the flat fee column when any tier has one.
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AddonRow {
    pub id: String,
    pub title: String,
    pub price: String,
    /// `20 credits, never expire`.
    pub gives: String,
}

/// Build the page for a whole document.
pub fn build(doc: &Document) -> Page {
    Page {
        cards: doc.plans.iter().map(card).collect(),
    }
}

fn card(plan: &Plan) -> Card {
    let fee = plan_fee(plan);
    let info = crate::currency::lookup(&plan.currency.code);
    let priced_usage = plan.features.iter().any(|f| {
        f.tiers
            .iter()
            .any(|t| t.price > Decimal::ZERO || (t.base > Decimal::ZERO && f.tiers.len() > 1))
    });
    let mut notes = Vec::new();
    if priced_usage {
        notes.push("plus usage");
    }
    if !plan.addons.is_empty() {
        notes.push("add-ons available");
    }
    Card {
        id: plan.id.clone(),
        title: plan.title.clone(),
        fee: fee.map_or_else(
            || "see below".to_string(),
            |f| money::display(f, &plan.currency, Whole::Bare),
        ),
        period: words::period(plan.interval),
        currency: plan.currency.code.to_ascii_uppercase(),
        currency_name: info.map(|i| i.name),
        fee_note: notes.join(", "),
        features: plan.features.iter().map(|f| feature_doc(plan, f)).collect(),
        addons: plan.addons.iter().map(|a| addon_row(plan, a)).collect(),
        recharge: plan
            .recharge
            .iter()
            .map(|r| recharge_line(plan, r))
            .collect(),
    }
}

/// What a plan costs every period with no usage: every feature's `base`, plus the first tier's
/// base of every metered feature (the first tier is always reached, even at zero usage).
pub fn plan_fee(plan: &Plan) -> Option<Decimal> {
    plan.features.iter().try_fold(Decimal::ZERO, |sum, f| {
        let first = f.tiers.first().map_or(Decimal::ZERO, |t| t.base);
        sum.checked_add(f.base)?.checked_add(first)
    })
}

fn feature_doc(plan: &Plan, f: &Feature) -> FeatureDoc {
    let noun = Noun::of(f);
    let mut lines = Vec::new();
    if f.base > Decimal::ZERO {
        lines.push(format!(
            "{} {}",
            money::display(f.base, &plan.currency, Whole::Bare),
            words::per_periods(plan.interval, 1)
        ));
    }
    match f.kind {
        FeatureKind::Flat => {
            if f.base == Decimal::ZERO {
                lines.push("Included".to_string());
            }
        }
        FeatureKind::Costing => {
            if let Some(cost) = &f.cost {
                let target = plan
                    .feature(&cost.feature)
                    .map_or_else(|| Noun::from_title(&cost.feature), Noun::of);
                lines.push(capitalize(&format!(
                    "{} costs {}",
                    noun.with_article(),
                    target.count(cost.amount)
                )));
            }
        }
        FeatureKind::Gauge => {
            lines.push(gauge_measure(plan, f, &noun));
        }
        FeatureKind::Balance => {
            for g in &f.grants {
                lines.push(capitalize(&grant_sentence(plan, g, &noun)));
            }
        }
    }
    let (usage_lines, table) = usage(plan, f, &noun);
    lines.extend(usage_lines);
    let curve = if f.is_metered() {
        curve::build(plan, f, &noun)
    } else {
        None
    };
    FeatureDoc {
        id: f.id.clone(),
        title: f.title.clone(),
        lines,
        table,
        curve,
    }
}

fn gauge_measure(plan: &Plan, f: &Feature, noun: &Noun) -> String {
    let p = words::period(plan.interval);
    match f.aggregate {
        Aggregate::Max => format!(
            "Counted as the highest number of {} in the {p}",
            noun.plural
        ),
        Aggregate::Last => format!(
            "Counted as the last reported number of {} in the {p}",
            noun.plural
        ),
        Aggregate::Perpetual => format!(
            "Counted as a running total of {} that carries over from {p} to {p}",
            noun.plural
        ),
        Aggregate::Sum => format!("Counted as the {} used in the {p}", noun.plural),
    }
}

/// `0.5 sessions a month, unused sessions carry over`, `20 free credits at signup`.
pub fn grant_sentence(plan: &Plan, g: &Grant, noun: &Noun) -> String {
    let n = |k: u32| u64::from(k);
    match g.schedule {
        Schedule::Signup => {
            let head = format!(
                "{} free {} at signup",
                words::number(g.amount),
                noun.for_amount(g.amount)
            );
            match g.expires_after {
                Some(k) => format!("{head}, valid for {}", words::periods(plan.interval, n(k))),
                None => head,
            }
        }
        Schedule::Every(every) => {
            let head = format!(
                "{} {}",
                noun.count(g.amount),
                words::per_periods(plan.interval, n(every))
            );
            let unused = format!("unused {}", noun.short());
            let expiry = g.expires_after.map(|k| expire_phrase(plan, n(k)));
            let tail = match (&g.rollover, expiry) {
                (Rollover::None, None) if every == 1 => format!(
                    "{unused} expire at the end of the {}",
                    words::period(plan.interval)
                ),
                (Rollover::None, None) => format!("{unused} expire when the next ones arrive"),
                (Rollover::None, Some(e)) => format!("{unused} {e}"),
                (Rollover::All, None) => format!("{unused} carry over"),
                (Rollover::All, Some(e)) => format!("{unused} carry over and {e}"),
                (Rollover::Max(m), _) if m.is_zero() => {
                    format!("{unused} do not carry over")
                }
                (Rollover::Max(m), None) => {
                    format!("{unused} carry over, up to {} in total", words::number(*m))
                }
                (Rollover::Max(m), Some(e)) => format!(
                    "{unused} carry over, up to {} in total, and {e}",
                    words::number(*m)
                ),
            };
            format!("{head}, {tail}")
        }
    }
}

/// `expire at the end of the month`, `expire after 3 months`.
fn expire_phrase(plan: &Plan, k: u64) -> String {
    if k == 1 {
        format!("expire at the end of the {}", words::period(plan.interval))
    } else {
        format!("expire after {}", words::periods(plan.interval, k))
    }
}

/// Limits, overage and the tier table.
fn usage(plan: &Plan, f: &Feature, noun: &Noun) -> (Vec<String>, Option<TierTable>) {
    let mut lines = Vec::new();
    let per = words::per_periods(plan.interval, 1);
    let raised_by_addons = plan
        .addons
        .iter()
        .any(|a| a.grants.iter().any(|g| g.feature == f.id));
    let deny = f.overage == Some(Overage::Deny);
    let level = if f.kind == FeatureKind::Gauge {
        String::new()
    } else {
        format!(" {per}")
    };
    if f.kind == FeatureKind::Balance && f.tiers.is_empty() {
        let fixed = fixed_allowance(f);
        let mut line = match fixed {
            Some(a) if deny => format!("Hard limit: {}{level}", noun.count(a)),
            _ => format!("Hard limit: the {} you hold", noun.plural),
        };
        if raised_by_addons {
            line.push_str(if fixed.is_some() {
                ", raised by add-ons"
            } else {
                "; buy add-ons for more"
            });
        }
        lines.push(line);
        return (lines, None);
    }
    if f.tiers.is_empty() {
        return (lines, None);
    }
    let cap = f.cap();
    if let (Some(cap), true) = (cap, deny) {
        let mut line = format!("Hard limit: {}{level}", noun.count(Decimal::from(cap)));
        match (f.grants.is_empty(), raised_by_addons) {
            (false, true) => {
                line.push_str(&format!(", plus included and purchased {}", noun.short()))
            }
            (false, false) => line.push_str(&format!(", plus included {}", noun.short())),
            (true, true) => line.push_str(", raised by add-ons"),
            (true, false) => {}
        }
        lines.push(line);
    }
    // On a capped feature, blocks only cover what lies beyond the cap.
    let blocks_note = match (cap, f.grants.is_empty(), deny) {
        (Some(cap), false, false) => Some(format!(
            "Included {} cover usage beyond the first {} {per}",
            noun.short(),
            words::count(cap)
        )),
        _ => None,
    };
    let free = f
        .tiers
        .iter()
        .all(|t| t.price.is_zero() && t.base.is_zero());
    if free {
        if cap.is_some() && deny {
            return (lines, None);
        }
        lines.push(format!("No charge for {}", noun.plural));
        return (lines, None);
    }
    let (scale, unit) = price_unit(f, noun);
    let single = f.tiers.len() == 1 && f.tiers.first().is_some_and(|t| t.base.is_zero());
    if single {
        if let Some(t) = f.tiers.first() {
            let price = scaled_price(t.price, scale, plan);
            let lead = if f.grants.is_empty() || cap.is_some() {
                String::new()
            } else {
                "Beyond what is included: ".to_string()
            };
            let mut line = format!("{lead}{price} per {unit}");
            if let Some(note) = divide_note(f) {
                line.push_str(&format!(" ({note})"));
            }
            lines.push(capitalize(&line));
        }
        lines.extend(blocks_note);
        return (lines, None);
    }
    if let Some(note) = divide_note(f) {
        lines.push(capitalize(&note));
    }
    lines.extend(blocks_note);
    (lines, Some(tier_table(plan, f, noun, scale, &unit)))
}

/// A balance feature without tiers whose allowance is the same every period: only grants
/// issued every period that do not roll over or outlive the period.
fn fixed_allowance(f: &Feature) -> Option<Decimal> {
    let fixed = !f.grants.is_empty()
        && f.grants.iter().all(|g| {
            g.schedule == Schedule::Every(1)
                && matches!(g.rollover, Rollover::None)
                && g.expires_after.is_none_or(|k| k == 1)
        });
    fixed.then(|| f.grants.iter().map(|g| g.amount).sum())
}

/// What to multiply a tier price by for display, and the words for the units it is for: with
/// `divide`, the price is already per divided unit (`1,000 requests`); otherwise the smallest power of 1,000 that makes every tier price a whole
/// number of minor units (`$0.50 per 1,000 words` rather than `$0.0005 per word`).
fn price_unit(f: &Feature, noun: &Noun) -> (Decimal, String) {
    if let Some(div) = &f.divide {
        return (Decimal::ONE, noun.count(Decimal::from(div.by)));
    }
    let mut scale = Decimal::ONE;
    for _ in 0..4 {
        let whole = f.tiers.iter().all(|t| {
            t.price
                .checked_mul(scale)
                .is_some_and(|p| p.fract().is_zero())
        });
        if whole {
            break;
        }
        match scale.checked_mul(Decimal::from(1000)) {
            Some(s) => scale = s,
            None => break,
        }
    }
    if scale == Decimal::ONE {
        (scale, noun.singular.clone())
    } else {
        (scale, noun.count(scale))
    }
}

fn scaled_price(price: Decimal, scale: Decimal, plan: &Plan) -> String {
    if price.is_zero() {
        return "free".to_string();
    }
    price.checked_mul(scale).map_or_else(
        || {
            format!(
                "{} per unit",
                money::display(price, &plan.currency, Whole::Bare)
            )
        },
        |p| money::display(p, &plan.currency, Whole::Bare),
    )
}

fn divide_note(f: &Feature) -> Option<String> {
    let div = f.divide.as_ref()?;
    let by = words::count(div.by);
    Some(match div.rounding {
        Rounding::Up => format!("usage is billed in whole {by}s: a started {by} counts in full"),
        Rounding::Down => format!("usage is billed in whole {by}s: an incomplete {by} is free"),
    })
}

fn tier_table(plan: &Plan, f: &Feature, noun: &Noun, scale: Decimal, unit: &str) -> TierTable {
    let with_base = f.tiers.iter().any(|t| !t.base.is_zero());
    let capped_deny = f.cap().is_some() && f.overage == Some(Overage::Deny);
    let last = f.tiers.len().saturating_sub(1);
    let mut rows = Vec::new();
    let mut lower: u64 = 0;
    for (i, t) in f.tiers.iter().enumerate() {
        let bounded_here = match t.upto {
            Some(u) if i < last || capped_deny => Some(u),
            _ => None,
        };
        let range = match (f.mode, bounded_here) {
            (Mode::Graduated, Some(u)) if i == 0 => {
                format!("First {}", noun.count(Decimal::from(u)))
            }
            (Mode::Graduated, Some(u)) => format!(
                "Next {} (up to {})",
                words::count(u.saturating_sub(lower)),
                words::count(u)
            ),
            (Mode::Graduated, None) if i == 0 => format!("Every {}", noun.singular),
            (Mode::Graduated, None) => {
                format!("Beyond {}", noun.count(Decimal::from(lower)))
            }
            (Mode::Volume, Some(u)) if i == 0 => {
                format!("Up to {} in total", noun.count(Decimal::from(u)))
            }
            (Mode::Volume, Some(u)) => {
                format!("{} to {} in total", words::count(lower), words::count(u))
            }
            (Mode::Volume, None) if i == 0 => format!("Any number of {}", noun.plural),
            (Mode::Volume, None) => format!("More than {} in total", words::count(lower)),
        };
        let mut row = vec![range, scaled_price(t.price, scale, plan)];
        if with_base {
            row.push(if t.base.is_zero() {
                "none".to_string()
            } else {
                money::display(t.base, &plan.currency, Whole::Bare)
            });
        }
        rows.push(row);
        lower = t.upto.unwrap_or(lower);
    }
    let usage = if f.kind == FeatureKind::Gauge {
        capitalize(&noun.plural)
    } else {
        format!(
            "{} {}",
            capitalize(&noun.plural),
            words::per_periods(plan.interval, 1)
        )
    };
    let mut headers = vec![usage, format!("Price per {unit}")];
    if with_base {
        headers.push("Flat fee".to_string());
    }
    let mut caption = Vec::new();
    if !f.grants.is_empty() && f.cap().is_none() {
        caption.push("Beyond what is included".to_string());
    }
    caption.push(match f.mode {
        Mode::Graduated => "each band is priced at its own rate".to_string(),
        Mode::Volume => "the band your total falls in sets the price of every unit".to_string(),
    });
    TierTable {
        caption: capitalize(&caption.join("; ")),
        headers,
        rows,
    }
}

fn addon_row(plan: &Plan, a: &crate::ir::Addon) -> AddonRow {
    let gives = a
        .grants
        .iter()
        .map(|g| {
            let noun = plan
                .feature(&g.feature)
                .map_or_else(|| Noun::from_title(&g.feature), Noun::of);
            let lasts = match g.expires_after {
                Some(1) => format!(
                    "expire at the end of the billing {}",
                    words::period(plan.interval)
                ),
                Some(k) => format!(
                    "expire after {}",
                    words::periods(plan.interval, u64::from(k))
                ),
                None => "never expire".to_string(),
            };
            format!("{}, {lasts}", noun.count(g.amount))
        })
        .collect::<Vec<_>>()
        .join("; ");
    AddonRow {
        id: a.id.clone(),
        title: a.title.clone(),
        price: money::display(a.price, &plan.currency, Whole::Bare),
        gives,
    }
}

fn recharge_line(plan: &Plan, r: &crate::ir::Recharge) -> String {
    let noun = plan
        .feature(&r.feature)
        .map_or_else(|| Noun::from_title(&r.feature), Noun::of);
    let what = match plan.addon(&r.buy) {
        Some(a) => format!(
            "the “{}” add-on is bought automatically ({} for {})",
            a.title,
            money::display(a.price, &plan.currency, Whole::Bare),
            noun.count(a.pack_size(&r.feature))
        ),
        None => format!("`{}` is bought automatically", r.buy),
    };
    let state = if r.enabled {
        "On by default; you can turn it off"
    } else {
        "Off until you turn it on"
    };
    format!(
        "When your {} fall below {}, {what}, as many times as needed. {state}.",
        noun.plural,
        words::number(r.below)
    )
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
