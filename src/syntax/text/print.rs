//! The printer: checked IR → canonical text form (what `convert --to text` writes).
//!
//! Invariant: parsing the output and checking it gives back the same IR; the output is already in
//! `fmt`'s canonical layout (two-space indent, one statement a line, a blank line before each
//! group of features, add-ons and recharge rules, and between plans). Money is written in major
//! units with exactly the currency's decimals, or more when the amount has fractions of a minor
//! unit. Defaults the reader might wonder about (currency, interval, rounding) are written out;
//! the others (`mode graduated`, `aggregate sum`, default overage, a title equal to the id) are not.

use crate::ir::{
    Addon, AddonGrant, Aggregate, Document, Feature, Interval, Mode, Overage, Plan, Recharge,
    Rollover, Rounding, Schedule, Tier,
};
use crate::money::{self, Whole};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The whole document as canonical text.
pub fn print(document: &Document) -> String {
    let plans: Vec<String> = document.plans.iter().map(plan).collect();
    plans.join("\n")
}

/// One plan, ending with a newline.
fn plan(plan: &Plan) -> String {
    let ctx = Ctx {
        exponent: plan.currency.exponent,
        unit: period_word(plan.interval),
    };
    let mut out = String::new();
    let id = plan.id.strip_prefix("plan:").unwrap_or(&plan.id);
    let _ = writeln!(out, "plan {id}{} {{", title(&plan.title, &plan.id));
    let _ = writeln!(out, "  currency {}", plan.currency.code);
    let _ = writeln!(out, "  {}", plan.interval.as_str().trim_start_matches('@'));
    for (i, f) in plan.features.iter().enumerate() {
        if i == 0 {
            out.push('\n');
        }
        out.push_str(&feature(f, &ctx));
    }
    for (i, a) in plan.addons.iter().enumerate() {
        if i == 0 {
            out.push('\n');
        }
        out.push_str(&addon(a, &ctx));
    }
    for (i, r) in plan.recharge.iter().enumerate() {
        if i == 0 {
            out.push('\n');
        }
        out.push_str(&recharge(r));
    }
    out.push_str("}\n");
    out
}

struct Ctx {
    exponent: u32,
    unit: &'static str,
}

fn period_word(interval: Interval) -> &'static str {
    match interval {
        Interval::Daily => "day",
        Interval::Weekly => "week",
        Interval::Monthly => "month",
        Interval::Yearly => "year",
    }
}

fn feature(f: &Feature, ctx: &Ctx) -> String {
    let name = f.id.strip_prefix("feature:").unwrap_or(&f.id);
    let mut lines: Vec<String> = Vec::new();
    if !f.base.is_zero() {
        lines.push(format!("base {}", amount(f.base, ctx.exponent)));
    }
    if f.mode == Mode::Volume {
        lines.push("mode volume".to_string());
    }
    let aggregate = match f.aggregate {
        Aggregate::Sum => None,
        Aggregate::Max => Some("max"),
        Aggregate::Last => Some("last"),
        Aggregate::Perpetual => Some("perpetual"),
    };
    if let Some(a) = aggregate {
        lines.push(format!("aggregate {a}"));
    }
    match f.tiers.as_slice() {
        [] => {}
        [only] if only.upto.is_none() && !only.price.is_zero() => {
            lines.push(format!("price {}", charge(only, ctx)));
        }
        tiers => {
            lines.push("tiers {".to_string());
            for t in tiers {
                let bound = match t.upto {
                    Some(n) => format!("up to {n}"),
                    None => "above".to_string(),
                };
                lines.push(format!("  {bound}: {}", charge(t, ctx)));
            }
            lines.push("}".to_string());
        }
    }
    if let Some(d) = &f.divide {
        let round = match d.rounding {
            Rounding::Up => "up",
            Rounding::Down => "down",
        };
        lines.push(format!("divide by {}, round {round}", d.by));
    }
    for g in &f.grants {
        let mut line = format!("grant {}", g.amount.normalize());
        match g.schedule {
            Schedule::Every(n) => line.push_str(&format!(" every {}", periods(n, ctx))),
            Schedule::Signup => line.push_str(" on signup"),
        }
        match &g.rollover {
            Rollover::None => {}
            Rollover::All => line.push_str(", rollover all"),
            Rollover::Max(m) => line.push_str(&format!(", rollover up to {}", m.normalize())),
        }
        if let Some(n) = g.expires_after {
            line.push_str(&format!(", expires after {}", count(n, ctx)));
        }
        lines.push(line);
    }
    let default_overage = if f.tiers.is_empty() {
        Overage::Deny
    } else {
        Overage::Bill
    };
    match f.overage {
        Some(o) if o != default_overage => lines.push(format!("overage {}", overage(o))),
        _ => {}
    }
    if let Some(c) = &f.cost {
        let target = c.feature.strip_prefix("feature:").unwrap_or(&c.feature);
        lines.push(format!("cost {} {target}", c.amount.normalize()));
    }
    block("feature", name, title(&f.title, &f.id), &lines)
}

fn overage(o: Overage) -> &'static str {
    match o {
        Overage::Bill => "bill",
        Overage::Deny => "deny",
    }
}

/// `free`, `0.10 per unit`, `5.00 flat` or `0.10 per unit + 5.00 flat`.
fn charge(t: &Tier, ctx: &Ctx) -> String {
    match (t.price.is_zero(), t.base.is_zero()) {
        (true, true) => "free".to_string(),
        (false, true) => format!("{} per unit", amount(t.price, ctx.exponent)),
        (true, false) => format!("{} flat", amount(t.base, ctx.exponent)),
        (false, false) => format!(
            "{} per unit + {} flat",
            amount(t.price, ctx.exponent),
            amount(t.base, ctx.exponent)
        ),
    }
}

fn addon(a: &Addon, ctx: &Ctx) -> String {
    let name = a.id.strip_prefix("addon:").unwrap_or(&a.id);
    let mut lines = vec![format!("price {}", amount(a.price, ctx.exponent))];
    lines.extend(a.grants.iter().map(|g| addon_grant(g, ctx)));
    block("addon", name, title(&a.title, &a.id), &lines)
}

fn addon_grant(g: &AddonGrant, ctx: &Ctx) -> String {
    let target = g.feature.strip_prefix("feature:").unwrap_or(&g.feature);
    let mut line = format!("grant {} {target}", g.amount.normalize());
    if let Some(n) = g.expires_after {
        line.push_str(&format!(", expires after {}", count(n, ctx)));
    }
    line
}

fn recharge(r: &Recharge) -> String {
    let feature = r.feature.strip_prefix("feature:").unwrap_or(&r.feature);
    let buy = r.buy.strip_prefix("addon:").unwrap_or(&r.buy);
    let state = if r.enabled { "" } else { ", disabled" };
    format!(
        "  recharge {feature} below {} buy {buy}{state}\n",
        r.below.normalize()
    )
}

/// A `feature`/`addon` statement at plan level, with its block when it has statements.
fn block(keyword: &str, name: &str, title: String, lines: &[String]) -> String {
    if lines.is_empty() {
        return format!("  {keyword} {name}{title}\n");
    }
    let mut out = format!("  {keyword} {name}{title} {{\n");
    for line in lines {
        let _ = writeln!(out, "    {line}");
    }
    out.push_str("  }\n");
    out
}

/// `1` → `month`, `3` → `3 months`, in the plan's period word (for `every`).
fn periods(n: u32, ctx: &Ctx) -> String {
    if n == 1 {
        ctx.unit.to_string()
    } else {
        count(n, ctx)
    }
}

/// `1` → `1 month`, `3` → `3 months` (for `expires after`).
fn count(n: u32, ctx: &Ctx) -> String {
    if n == 1 {
        format!("1 {}", ctx.unit)
    } else {
        format!("{n} {}s", ctx.unit)
    }
}

/// ` "Title"` (with a leading space), or nothing when the title is the id (the default).
fn title(title: &str, id: &str) -> String {
    if title == id {
        String::new()
    } else {
        format!(" {}", quote(title))
    }
}

/// A double-quoted string with JSON escapes for quotes, backslashes and control characters.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Minor units → major units with at least the currency's decimals, as [`money::display`]
/// shows them without the symbol and grouping: 10000 (usd) → `100.00`, 0.5 → `0.005`.
fn amount(minor: Decimal, exponent: u32) -> String {
    match money::major_shown(minor, exponent, Whole::WithMinorDigits) {
        Some(major) => major.to_string(),
        // Only beyond 28 decimal places, which checked amounts (at most 12, exponents at most
        // 4) never reach.
        None => minor.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_are_major_units_with_the_currency_decimals() {
        assert_eq!(amount(d("10000"), 2), "100.00");
        assert_eq!(amount(d("20000"), 2), "200.00");
        assert_eq!(amount(d("5"), 2), "0.05");
        assert_eq!(amount(d("0.5"), 2), "0.005");
        assert_eq!(amount(d("1500"), 0), "1500");
        assert_eq!(amount(d("0"), 2), "0.00");
        assert_eq!(amount(d("1234"), 3), "1.234");
    }

    #[test]
    fn titles_are_quoted_with_json_escapes() {
        assert_eq!(quote("a \"b\" \\ c\n\u{1}é"), r#""a \"b\" \\ c\n\u0001é""#);
    }
}
