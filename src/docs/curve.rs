//! The price curve of a metered feature: total cost of a period against usage, with the tier
//! boundaries marked, drawn as inline SVG.
//!
//! Invariant: every plotted value is computed exactly ([`period_cost`], through the evaluator's
//! own [`crate::price`]) and every label is formatted from an exact Decimal; `f64` appears only
//! when mapping values to pixels.

use super::words::{self, Noun};
use crate::ir::{Feature, FeatureKind, Overage, Plan, Schedule};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Samples along the usage axis, besides the boundaries.
const SAMPLES: u32 = 120;

#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Accessible description: `Cost of API calls a month against usage`.
    pub title: String,
    pub x_label: String,
    /// (usage, cost in minor units), in drawing order; a jump is two points at one usage.
    pub points: Vec<(Decimal, Decimal)>,
    /// Usage where a new tier starts, or where the included amount runs out, with its label.
    pub marks: Vec<(Decimal, String)>,
    pub x_end: Decimal,
    /// Cost axis top and tick step, minor units.
    pub y_end: Decimal,
    pub y_step: Decimal,
    pub x_step: Decimal,
    /// Cost axis labels, `$0`, `$50`, … (exact).
    pub y_labels: Vec<(Decimal, String)>,
    pub x_labels: Vec<(Decimal, String)>,
}

/// The curve of `f`, or `None` when some value cannot be computed exactly.
pub fn build(plan: &Plan, f: &Feature, noun: &Noun) -> Option<Curve> {
    let included = included_per_period(f);
    let cap = f.cap().map(Decimal::from);
    let deny = f.overage == Some(Overage::Deny);
    let mut marks = Vec::new();
    let last = f.tiers.len().saturating_sub(1);
    for (i, t) in f.tiers.iter().enumerate() {
        let Some(u) = t.upto else { continue };
        if i == last && !(cap.is_some() && deny) {
            continue;
        }
        let at = Decimal::from(u);
        let at = if cap.is_some() {
            at
        } else {
            at.checked_add(included)?
        };
        marks.push((at, words::number(at)));
    }
    if !included.is_zero() {
        let at = cap.unwrap_or(Decimal::ZERO).checked_add(included)?;
        marks.push((at, format!("{} included", words::number(included))));
    }
    let limit = match (cap, deny) {
        (Some(c), true) => Some(c.checked_add(included)?),
        _ => None,
    };
    if let Some(l) = limit {
        marks.retain(|(x, _)| *x != l);
        marks.push((l, format!("limit {}", words::number(l))));
    }
    let x_end = match limit {
        Some(l) => l,
        None => {
            let furthest = marks
                .iter()
                .map(|(x, _)| *x)
                .chain(f.divide.as_ref().map(|d| Decimal::from(d.by)))
                .fold(Decimal::ZERO, Decimal::max);
            if furthest.is_zero() {
                Decimal::from(100)
            } else {
                nice_ceil(furthest.checked_mul(Decimal::new(25, 1))?)?
            }
        }
    };
    let x_step = nice_ceil(x_end.checked_div(Decimal::from(4))?)?;
    let mut xs: Vec<Decimal> = Vec::new();
    for i in 0..=SAMPLES {
        xs.push(
            x_end
                .checked_mul(Decimal::from(i))?
                .checked_div(Decimal::from(SAMPLES))?,
        );
    }
    if let Some(div) = &f.divide {
        let by = Decimal::from(div.by);
        let steps = x_end.checked_div(by)?.floor().to_u32().unwrap_or(u32::MAX);
        if steps <= 200 {
            for k in 0..=steps {
                xs.push(by.checked_mul(Decimal::from(k))?);
            }
        }
    }
    xs.extend(marks.iter().map(|(x, _)| *x));
    xs.retain(|x| *x <= x_end);
    xs.sort();
    xs.dedup();
    let nudge = x_end.checked_div(Decimal::from(1_000_000))?;
    let mut points = Vec::new();
    for x in xs {
        // A usage whose cost cannot be held exactly gets no point (never a rounded one).
        let Some(y) = period_cost(f, included, x) else {
            continue;
        };
        points.push((x, y));
        if x < x_end {
            if let Some(right) = right_limit(f, included, (x, y), nudge) {
                points.push((x, right));
            }
        }
    }
    let y_max = points
        .iter()
        .map(|(_, y)| *y)
        .fold(Decimal::ZERO, Decimal::max);
    // A free feature still gets a readable axis: one major unit.
    let y_step = if y_max.is_zero() {
        crate::money::one_major(plan.currency.exponent)?
    } else {
        nice_ceil(y_max.checked_div(Decimal::from(4))?)?
    };
    let y_end = y_step.checked_mul(y_max.checked_div(y_step)?.ceil().max(Decimal::ONE))?;
    let mut y_labels = Vec::new();
    let mut y = Decimal::ZERO;
    while y <= y_end {
        y_labels.push((
            y,
            crate::money::display(y.normalize(), &plan.currency, crate::money::Whole::Bare),
        ));
        y = y.checked_add(y_step)?;
    }
    let mut x_labels = Vec::new();
    let mut x = Decimal::ZERO;
    while x <= x_end {
        x_labels.push((x, words::number(x.normalize())));
        x = x.checked_add(x_step)?;
    }
    let period = words::period(plan.interval);
    // A gauge is a level (users, GB stored), not an amount used up over the period.
    let (title, x_label) = if f.kind == FeatureKind::Gauge {
        (
            format!("Cost a {period} by number of {}", noun.plural),
            capitalize(&noun.plural),
        )
    } else {
        (
            format!("Cost of {} in a {period}, by usage", noun.plural),
            format!("{} in a {period}", capitalize(&noun.plural)),
        )
    };
    Some(Curve {
        title,
        x_label,
        points,
        marks,
        x_end,
        y_end,
        y_step,
        x_step,
        y_labels,
        x_labels,
    })
}

/// Units included every period: the sum of the feature's grants issued every period (signup and
/// multi-period grants are not assumed).
fn included_per_period(feature: &Feature) -> Decimal {
    feature
        .grants
        .iter()
        .filter(|g| g.schedule == Schedule::Every(1))
        .map(|g| g.amount)
        .sum()
}

/// Cost in minor units, exact, of using `used` units in a period that starts with `included`
/// units of blocks: blocks cover usage beyond the cap (or from the first unit when uncapped),
/// and the rest is priced by the tiers as if it were the whole period's usage. `None` when a
/// value cannot be held exactly.
fn period_cost(feature: &Feature, included: Decimal, used: Decimal) -> Option<Decimal> {
    let from = feature.cap().map_or(Decimal::ZERO, Decimal::from);
    let covered = used.checked_sub(from)?.max(Decimal::ZERO).min(included);
    crate::price::exact_amount(feature, used.checked_sub(covered)?)
}

/// The cost just after `x` when the curve jumps there (a tier base, a volume band, a divide
/// step), exactly: the price is linear just after `x`, so two samples a hair apart give the
/// limit from the right (2·f(x+δ) − f(x+2δ)). `None` when there is no jump, or it cannot be
/// computed exactly.
fn right_limit(
    f: &Feature,
    included: Decimal,
    (x, y): (Decimal, Decimal),
    nudge: Decimal,
) -> Option<Decimal> {
    let after = x.checked_add(nudge)?;
    let y_after = period_cost(f, included, after)?;
    if y_after == y || !jump(f, x, y, after, y_after)? {
        return None;
    }
    let y_far = period_cost(f, included, after.checked_add(nudge)?)?;
    let right = y_after.checked_mul(Decimal::TWO)?.checked_sub(y_far)?;
    Some(right.normalize())
}

/// Whether the change between `x` and a hair after it is a jump (a tier base, a volume band,
/// a divide step) rather than the slope of the line: compare with the slope just before.
fn jump(f: &Feature, x: Decimal, y: Decimal, after: Decimal, y_after: Decimal) -> Option<bool> {
    let dx = after.checked_sub(x)?;
    let rise = y_after.checked_sub(y)?;
    // A slope of the largest tier price cannot rise more than this over `dx`.
    let steepest = f
        .tiers
        .iter()
        .map(|t| t.price)
        .fold(Decimal::ZERO, Decimal::max);
    if f.divide.is_some() {
        return Some(true);
    }
    Some(rise.abs() > steepest.checked_mul(dx)?.checked_mul(Decimal::TWO)?)
}

/// The smallest 1, 2, 2.5 or 5 × 10^k that is ≥ `v` (v > 0); 1 for v ≤ 0.
pub fn nice_ceil(v: Decimal) -> Option<Decimal> {
    if v <= Decimal::ZERO {
        return Some(Decimal::ONE);
    }
    let mut magnitude = Decimal::new(1, 12);
    while magnitude.checked_mul(Decimal::TEN)? <= v {
        magnitude = magnitude.checked_mul(Decimal::TEN)?;
    }
    for m in [
        Decimal::ONE,
        Decimal::TWO,
        Decimal::new(25, 1),
        Decimal::new(5, 0),
        Decimal::TEN,
    ] {
        let c = magnitude.checked_mul(m)?;
        if c >= v {
            return Some(c.normalize());
        }
    }
    magnitude.checked_mul(Decimal::TEN).map(|d| d.normalize())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Plot geometry (pixels).
const W: f64 = 360.0;
const H: f64 = 200.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 28.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 40.0;

fn px(v: Decimal, end: Decimal, span: f64) -> f64 {
    let r = v
        .checked_div(end)
        .unwrap_or(Decimal::ZERO)
        .to_f64()
        .unwrap_or(0.0);
    r * span
}

/// The curve as an inline `<svg>` element; every text is escaped with `esc`.
pub fn svg(c: &Curve, id: &str, esc: fn(&str) -> String) -> String {
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |v: Decimal| LEFT + px(v, c.x_end, pw);
    let y = |v: Decimal| TOP + ph - px(v, c.y_end, ph);
    let mut s = String::new();
    s.push_str(&format!(
        "<svg class=\"curve\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-t\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{}</title>",
        esc(&c.title)
    ));
    for (v, label) in &c.y_labels {
        let yy = y(*v);
        s.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            esc(label)
        ));
    }
    for (v, label) in &c.x_labels {
        s.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(*v),
            TOP + ph + 16.0,
            esc(label)
        ));
    }
    for (i, (v, label)) in c.marks.iter().enumerate() {
        let xx = x(*v);
        // Labels sit beside their line, on the side with more room, staggered so that
        // neighbouring boundaries do not overprint each other.
        let (lx, anchor) = if xx < LEFT + pw / 2.0 {
            (xx + 3.0, "start")
        } else {
            (xx - 3.0, "end")
        };
        let ly = TOP + 10.0 + 12.0 * (i % 3) as f64;
        s.push_str(&format!(
            "<g class=\"mark\"><line x1=\"{xx:.1}\" y1=\"{TOP}\" x2=\"{xx:.1}\" y2=\"{:.1}\"/>\
             <text x=\"{lx:.1}\" y=\"{ly:.1}\" text-anchor=\"{anchor}\">{}</text></g>",
            TOP + ph,
            esc(label)
        ));
    }
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
        TOP + ph,
        W - RIGHT,
        TOP + ph
    ));
    let pts = c
        .points
        .iter()
        .map(|(a, b)| format!("{:.2},{:.2}", x(*a), y(*b)))
        .collect::<Vec<_>>()
        .join(" ");
    s.push_str(&format!("<polyline class=\"line\" points=\"{pts}\"/>"));
    s.push_str(&format!(
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></svg>",
        LEFT + pw / 2.0,
        H - 6.0,
        esc(&c.x_label)
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::fixtures;

    #[test]
    fn nice_numbers_round_up() {
        let n = |s: &str| nice_ceil(fixtures::d(s)).map(|d| d.to_string());
        assert_eq!(n("76500").as_deref(), Some("100000"));
        assert_eq!(n("1.5").as_deref(), Some("2"));
        assert_eq!(n("2.2").as_deref(), Some("2.5"));
        assert_eq!(n("0.03").as_deref(), Some("0.05"));
        assert_eq!(n("0").as_deref(), Some("1"));
    }

    #[test]
    fn the_gym_curve_is_free_until_the_included_half_session() {
        let doc = fixtures::gym();
        let plan = &doc.plans[0];
        let f = &plan.features[1];
        let c = build(plan, f, &Noun::of(f)).unwrap();
        let at = |x: &str| {
            c.points
                .iter()
                .find(|(u, _)| *u == fixtures::d(x))
                .map(|(_, y)| *y)
        };
        assert_eq!(at("0.5"), Some(Decimal::ZERO));
        assert_eq!(at("1"), Some(Decimal::from(10000)));
        assert_eq!(
            c.marks,
            vec![(fixtures::d("0.5"), "0.5 included".to_string())]
        );
        assert!(c.points.iter().all(|(_, y)| *y <= c.y_end));
    }

    fn metered(tiers: Vec<crate::ir::Tier>) -> Feature {
        Feature {
            id: "feature:x".into(),
            title: "X".into(),
            kind: FeatureKind::Balance,
            base: Decimal::ZERO,
            mode: crate::ir::Mode::Graduated,
            aggregate: crate::ir::Aggregate::Sum,
            tiers,
            divide: None,
            grants: vec![],
            overage: Some(Overage::Bill),
            cost: None,
        }
    }

    fn per_unit(upto: Option<u64>, price: i64) -> crate::ir::Tier {
        crate::ir::Tier {
            upto,
            price: Decimal::from(price),
            base: Decimal::ZERO,
        }
    }

    #[test]
    fn the_gym_seed_bills_half_a_session() {
        let mut f = metered(vec![per_unit(None, 20000)]);
        f.grants = vec![crate::ir::Grant {
            amount: Decimal::new(5, 1),
            schedule: Schedule::Every(1),
            rollover: crate::ir::Rollover::All,
            expires_after: None,
        }];
        let inc = included_per_period(&f);
        assert_eq!(period_cost(&f, inc, 1.into()), Some(10000.into()));
        assert_eq!(period_cost(&f, inc, Decimal::new(5, 1)), Some(0.into()));
    }

    #[test]
    fn blocks_extend_a_capped_feature_beyond_its_cap() {
        let f = metered(vec![per_unit(Some(100), 2)]);
        assert_eq!(period_cost(&f, 10.into(), 105.into()), Some(200.into()));
        assert_eq!(period_cost(&f, 10.into(), 115.into()), Some(210.into()));
    }

    #[test]
    fn a_hard_limit_ends_the_curve_and_is_marked() {
        let doc = fixtures::word_bucket();
        let plan = &doc.plans[0];
        let api = &plan.features[3];
        let c = build(plan, api, &Noun::of(api)).unwrap();
        assert_eq!(c.x_end, Decimal::from(100));
        assert_eq!(c.marks, vec![(Decimal::from(100), "limit 100".to_string())]);
        assert_eq!(c.y_labels.last().map(|l| l.1.as_str()), Some("$1"));
    }

    #[test]
    fn volume_bands_jump_at_the_boundary() {
        let doc = fixtures::api_tiers();
        let plan = &doc.plans[0];
        let seats = &plan.features[2];
        let c = build(plan, seats, &Noun::of(seats)).unwrap();
        let five: Vec<_> = c
            .points
            .iter()
            .filter(|(u, _)| *u == Decimal::from(5))
            .map(|(_, y)| *y)
            .collect();
        assert_eq!(five, vec![Decimal::from(5000), Decimal::from(4000)]);
        let svg = svg(&c, "s", crate::docs::html::escape);
        assert!(svg.starts_with("<svg class=\"curve\""));
        assert!(svg.contains("class=\"mark\""));
    }
}
