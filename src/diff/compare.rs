//! Plan against plan: every difference as a [`Change`] worded in pricing terms.

use super::{pointer, Change};
use crate::docs::page::{grant_sentence, plan_fee};
use crate::docs::words::{self, Noun};
use crate::ir::{
    Addon, AddonGrant, Aggregate, Currency, Divide, Feature, FeatureKind, Interval, Mode, Overage,
    Plan, Recharge, Rollover, Rounding, Schedule, Tier,
};
use crate::money::{self, Whole};
use rust_decimal::Decimal;

/// Collects changes under one plan.
struct Out<'a> {
    plan: &'a str,
    changes: Vec<Change>,
}

impl Out<'_> {
    fn push(&mut self, path: &[&str], message: String, affects_invoices: bool) {
        let mut tokens = vec!["plans", self.plan];
        tokens.extend_from_slice(path);
        self.changes.push(Change {
            pointer: pointer(&tokens),
            message,
            affects_invoices,
        });
    }

    fn billing(&mut self, path: &[&str], message: String) {
        self.push(path, message, true);
    }
}

/// The money context of each side.
#[derive(Clone, Copy)]
struct Sides<'a> {
    old: &'a Plan,
    new: &'a Plan,
}

impl Sides<'_> {
    /// Whether an amount changed: its value, or its currency when it is not zero (a free tier
    /// stays free whatever the currency).
    fn money_changed(&self, a: Decimal, b: Decimal) -> bool {
        a != b || (self.old.currency != self.new.currency && !a.is_zero())
    }
    fn old_money(&self, minor: Decimal) -> String {
        money::display(minor, &self.old.currency, Whole::Bare)
    }
    fn new_money(&self, minor: Decimal) -> String {
        money::display(minor, &self.new.currency, Whole::Bare)
    }
}

pub fn plan(old: &Plan, new: &Plan) -> Vec<Change> {
    let mut out = Out {
        plan: &new.id,
        changes: Vec::new(),
    };
    let s = Sides { old, new };
    if old.title != new.title {
        out.push(
            &["title"],
            format!("title {} → {}", quote(&old.title), quote(&new.title)),
            false,
        );
    }
    if old.currency != new.currency {
        out.billing(
            &["currency"],
            format!("currency {} → {}", code(&old.currency), code(&new.currency)),
        );
    }
    if old.interval != new.interval {
        out.billing(
            &["interval"],
            format!(
                "billed every {} → every {} ({} → {})",
                words::period(old.interval),
                words::period(new.interval),
                old.interval.as_str(),
                new.interval.as_str()
            ),
        );
    }
    let (fee_old, fee_new) = (plan_fee(old), plan_fee(new));
    if let (Some(a), Some(b)) = (fee_old, fee_new) {
        if s.money_changed(a, b) {
            let (ma, mb) = (s.old_money(a), s.new_money(b));
            {
                out.billing(
                    &[],
                    format!(
                        "fee {ma} a {} → {mb} a {}",
                        words::period(old.interval),
                        words::period(new.interval)
                    ),
                );
            }
        }
    }
    for f in &new.features {
        match old.feature(&f.id) {
            Some(before) => feature(&mut out, s, before, f),
            None => out.billing(
                &["features", &f.id],
                format!(
                    "{} added: {}",
                    label(&f.id, &f.title),
                    feature_summary(new, f)
                ),
            ),
        }
    }
    for f in &old.features {
        if new.feature(&f.id).is_none() {
            out.billing(
                &["features", &f.id],
                format!("{} removed", label(&f.id, &f.title)),
            );
        }
    }
    for a in &new.addons {
        match old.addon(&a.id) {
            Some(before) => addon(&mut out, s, before, a),
            None => out.billing(
                &["addons", &a.id],
                format!(
                    "{} added: {}",
                    label(&a.id, &a.title),
                    addon_summary(new, a)
                ),
            ),
        }
    }
    for a in &old.addons {
        if new.addon(&a.id).is_none() {
            out.billing(
                &["addons", &a.id],
                format!("{} removed", label(&a.id, &a.title)),
            );
        }
    }
    recharge(&mut out, s);
    out.changes
}

/// A title in quotes, with control characters escaped so that user input cannot break the
/// report's lines or send terminal escapes.
pub fn quote(title: &str) -> String {
    let mut s = String::from("“");
    for c in title.chars() {
        if c.is_control() {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    s.push('”');
    s
}

fn code(c: &Currency) -> String {
    c.code.to_ascii_uppercase()
}

fn label(id: &str, title: &str) -> String {
    if title == id {
        format!("`{id}`")
    } else {
        format!("`{id}` {}", quote(title))
    }
}

fn kind_name(k: FeatureKind) -> &'static str {
    match k {
        FeatureKind::Flat => "a flat feature",
        FeatureKind::Balance => "a balance feature",
        FeatureKind::Gauge => "a gauge",
        FeatureKind::Costing => "a costing feature",
    }
}

fn feature_summary(plan: &Plan, f: &Feature) -> String {
    let mut parts = vec![kind_name(f.kind).to_string()];
    if !f.base.is_zero() {
        parts.push(format!(
            "{} a {}",
            money::display(f.base, &plan.currency, Whole::Bare),
            words::period(plan.interval)
        ));
    }
    if !f.tiers.is_empty() {
        parts.push(format!(
            "{} {}",
            f.tiers.len(),
            if f.tiers.len() == 1 { "tier" } else { "tiers" }
        ));
    }
    let noun = Noun::of(f);
    for g in &f.grants {
        parts.push(grant_sentence(plan, g, &noun));
    }
    if let Some(c) = &f.cost {
        parts.push(format!(
            "costs {} of `{}`",
            words::number(c.amount),
            c.feature
        ));
    }
    parts.join("; ")
}

fn addon_summary(plan: &Plan, a: &Addon) -> String {
    let gives = a
        .grants
        .iter()
        .map(|g| addon_grant_words(plan, g))
        .collect::<Vec<_>>()
        .join(" and ");
    format!(
        "{} for {gives}",
        money::display(a.price, &plan.currency, Whole::Bare)
    )
}

fn addon_grant_words(plan: &Plan, g: &AddonGrant) -> String {
    let noun = plan
        .feature(&g.feature)
        .map_or_else(|| Noun::from_title(&g.feature), Noun::of);
    match g.expires_after {
        Some(k) => format!("{} expiring {}", noun.count(g.amount), expiry(Some(k))),
        None => noun.count(g.amount),
    }
}

fn feature(out: &mut Out, s: Sides, a: &Feature, b: &Feature) {
    let id = b.id.as_str();
    let at = |field: &'static str| -> [&str; 3] { ["features", id, field] };
    let who = format!("`{id}`");
    if a.title != b.title {
        out.push(
            &["features", id, "title"],
            format!("{who} title {} → {}", quote(&a.title), quote(&b.title)),
            false,
        );
    }
    if a.kind != b.kind {
        out.billing(
            &["features", id],
            format!(
                "{who} is now {} (was {})",
                kind_name(b.kind),
                kind_name(a.kind)
            ),
        );
    }
    if s.money_changed(a.base, b.base) {
        let (ma, mb) = (s.old_money(a.base), s.new_money(b.base));
        {
            out.billing(&at("base"), format!("{who} base fee {ma} → {mb}"));
        }
    }
    if a.mode != b.mode {
        out.billing(
            &at("mode"),
            format!("{who} mode {} → {}", mode(a.mode), mode(b.mode)),
        );
    }
    if a.aggregate != b.aggregate {
        out.billing(
            &at("aggregate"),
            format!(
                "{who} aggregate {} → {}",
                aggregate(a.aggregate),
                aggregate(b.aggregate)
            ),
        );
    }
    tiers(out, s, a, b);
    if a.divide != b.divide {
        out.billing(
            &at("divide"),
            format!(
                "{who} divide {} → {}",
                divide(a.divide.as_ref()),
                divide(b.divide.as_ref())
            ),
        );
    }
    grants(out, s, a, b);
    if a.overage != b.overage {
        out.billing(
            &at("overage"),
            format!(
                "{who} overage {} → {}",
                overage(a.overage),
                overage(b.overage)
            ),
        );
    }
    if a.cost != b.cost {
        let words = |c: Option<&crate::ir::Cost>| match c {
            Some(c) => format!("{} of `{}`", words::number(c.amount), c.feature),
            None => "nothing".to_string(),
        };
        out.billing(
            &at("cost"),
            format!(
                "{who} now costs {} (was {})",
                words(b.cost.as_ref()),
                words(a.cost.as_ref())
            ),
        );
    }
}

fn mode(m: Mode) -> &'static str {
    match m {
        Mode::Graduated => "graduated",
        Mode::Volume => "volume",
    }
}

fn aggregate(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Sum => "sum",
        Aggregate::Max => "max",
        Aggregate::Last => "last",
        Aggregate::Perpetual => "perpetual",
    }
}

fn overage(o: Option<Overage>) -> &'static str {
    match o {
        Some(Overage::Bill) => "bill",
        Some(Overage::Deny) => "deny",
        None => "none",
    }
}

fn divide(d: Option<&Divide>) -> String {
    match d {
        Some(d) => format!(
            "by {}, rounded {}",
            words::count(d.by),
            match d.rounding {
                Rounding::Up => "up",
                Rounding::Down => "down",
            }
        ),
        None => "none".to_string(),
    }
}

/// `a unit`, or `per 1,000 units` when the feature divides usage.
fn per_unit(f: &Feature) -> String {
    match &f.divide {
        Some(d) => format!("per {} units", words::count(d.by)),
        None => "a unit".to_string(),
    }
}

fn upto(t: &Tier) -> String {
    match t.upto {
        Some(u) => format!("up to {}", words::count(u)),
        None => "unbounded".to_string(),
    }
}

fn tier_words(s: Sides, new_side: bool, f: &Feature, t: &Tier) -> String {
    let m = |v| {
        if new_side {
            s.new_money(v)
        } else {
            s.old_money(v)
        }
    };
    let mut text = format!("{}, {} {}", upto(t), m(t.price), per_unit(f));
    if !t.base.is_zero() {
        text.push_str(&format!(", flat fee {}", m(t.base)));
    }
    text
}

fn tiers(out: &mut Out, s: Sides, a: &Feature, b: &Feature) {
    let id = b.id.as_str();
    let who = format!("`{id}`");
    for (i, (ta, tb)) in a.tiers.iter().zip(&b.tiers).enumerate() {
        let n = i + 1;
        let idx = i.to_string();
        let path = |field: &'static str| -> Vec<&str> {
            let mut p = vec!["features", id, "tiers", idx.as_str()];
            if !field.is_empty() {
                p.push(field);
            }
            p
        };
        if ta.upto != tb.upto {
            out.billing(
                &path("upto"),
                format!("{who} tier {n} {} → {}", upto(ta), upto(tb)),
            );
        }
        let (pa, pb) = (s.old_money(ta.price), s.new_money(tb.price));
        if s.money_changed(ta.price, tb.price) {
            out.billing(
                &path("price"),
                format!("{who} tier {n} price {pa} → {pb} {}", per_unit(b)),
            );
        }
        let (ba, bb) = (s.old_money(ta.base), s.new_money(tb.base));
        if s.money_changed(ta.base, tb.base) {
            out.billing(
                &path("base"),
                format!("{who} tier {n} flat fee {ba} → {bb}"),
            );
        }
    }
    for (i, t) in b.tiers.iter().enumerate().skip(a.tiers.len()) {
        let idx = i.to_string();
        out.billing(
            &["features", id, "tiers", &idx],
            format!("{who} tier {} added: {}", i + 1, tier_words(s, true, b, t)),
        );
    }
    for (i, t) in a.tiers.iter().enumerate().skip(b.tiers.len()) {
        let idx = i.to_string();
        out.billing(
            &["features", id, "tiers", &idx],
            format!(
                "{who} tier {} removed (was {})",
                i + 1,
                tier_words(s, false, a, t)
            ),
        );
    }
}

fn schedule(interval: Interval, s: Schedule) -> String {
    match s {
        Schedule::Every(n) => words::per_periods(interval, u64::from(n)),
        Schedule::Signup => "at signup".to_string(),
    }
}

fn rollover(r: &Rollover) -> String {
    match r {
        Rollover::None => "none".to_string(),
        Rollover::All => "all".to_string(),
        Rollover::Max(m) => format!("up to {}", words::number(*m)),
    }
}

fn expiry(k: Option<u32>) -> String {
    match k {
        Some(1) => "after 1 period".to_string(),
        Some(k) => format!("after {k} periods"),
        None => "never".to_string(),
    }
}

fn grants(out: &mut Out, s: Sides, a: &Feature, b: &Feature) {
    let id = b.id.as_str();
    let who = format!("`{id}`");
    let noun_a = Noun::of(a);
    let noun_b = Noun::of(b);
    for (i, (ga, gb)) in a.grants.iter().zip(&b.grants).enumerate() {
        let idx = i.to_string();
        let path = |field: &'static str| -> Vec<&str> {
            vec!["features", id, "grants", idx.as_str(), field]
        };
        let name = format!("{who} grant of {}", noun_a.count(ga.amount));
        if ga.amount != gb.amount {
            out.billing(
                &path("amount"),
                format!("{name} is now {}", noun_b.count(gb.amount)),
            );
        }
        if ga.schedule != gb.schedule {
            let field = match gb.schedule {
                Schedule::Every(_) => "every",
                Schedule::Signup => "on",
            };
            out.billing(
                &path(field),
                format!(
                    "{name} {} → {}",
                    schedule(s.old.interval, ga.schedule),
                    schedule(s.new.interval, gb.schedule)
                ),
            );
        }
        if ga.rollover != gb.rollover {
            out.billing(
                &path("rollover"),
                format!(
                    "{name} rollover {} → {}",
                    rollover(&ga.rollover),
                    rollover(&gb.rollover)
                ),
            );
        }
        if ga.expires_after != gb.expires_after {
            let message = match (ga.expires_after, gb.expires_after) {
                (None, Some(_)) => format!("{name} now expires {}", expiry(gb.expires_after)),
                (Some(_), None) => format!(
                    "{name} no longer expires (was {})",
                    expiry(ga.expires_after)
                ),
                _ => format!(
                    "{name} now expires {} (was {})",
                    expiry(gb.expires_after),
                    expiry(ga.expires_after)
                ),
            };
            out.billing(&path("expires_after"), message);
        }
    }
    for (i, g) in b.grants.iter().enumerate().skip(a.grants.len()) {
        let idx = i.to_string();
        out.billing(
            &["features", id, "grants", &idx],
            format!("{who} grant added: {}", grant_sentence(s.new, g, &noun_b)),
        );
    }
    for (i, g) in a.grants.iter().enumerate().skip(b.grants.len()) {
        let idx = i.to_string();
        out.billing(
            &["features", id, "grants", &idx],
            format!(
                "{who} grant removed (was {})",
                grant_sentence(s.old, g, &noun_a)
            ),
        );
    }
}

fn addon(out: &mut Out, s: Sides, a: &Addon, b: &Addon) {
    let id = b.id.as_str();
    let who = format!("`{id}`");
    if a.title != b.title {
        out.push(
            &["addons", id, "title"],
            format!("{who} title {} → {}", quote(&a.title), quote(&b.title)),
            false,
        );
    }
    let (pa, pb) = (s.old_money(a.price), s.new_money(b.price));
    if s.money_changed(a.price, b.price) {
        out.billing(&["addons", id, "price"], format!("{who} price {pa} → {pb}"));
    }
    if a.grants != b.grants {
        let gives = |p: &Plan, x: &Addon| {
            x.grants
                .iter()
                .map(|g| addon_grant_words(p, g))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        out.billing(
            &["addons", id, "grants"],
            format!(
                "{who} now gives {} (was {})",
                gives(s.new, b),
                gives(s.old, a)
            ),
        );
    }
}

fn recharge(out: &mut Out, s: Sides) {
    let find = |p: &Plan, feature: &str| -> Option<(usize, Recharge)> {
        p.recharge
            .iter()
            .enumerate()
            .find(|(_, r)| r.feature == feature)
            .map(|(i, r)| (i, r.clone()))
    };
    let state = |on: bool| if on { "on" } else { "off" };
    for (i, rb) in s.new.recharge.iter().enumerate() {
        let idx = i.to_string();
        let path = ["recharge", idx.as_str()];
        let who = format!("auto-recharge of `{}`", rb.feature);
        match find(s.old, &rb.feature) {
            None => out.billing(
                &path,
                format!(
                    "{who} added: below {} buy `{}` ({} by default)",
                    words::number(rb.below),
                    rb.buy,
                    state(rb.enabled)
                ),
            ),
            Some((_, ra)) => {
                if ra.below != rb.below {
                    out.billing(
                        &["recharge", &idx, "below"],
                        format!(
                            "{who} threshold {} → {}",
                            words::number(ra.below),
                            words::number(rb.below)
                        ),
                    );
                }
                if ra.buy != rb.buy {
                    out.billing(
                        &["recharge", &idx, "buy"],
                        format!("{who} buys `{}` → `{}`", ra.buy, rb.buy),
                    );
                }
                if ra.enabled != rb.enabled {
                    out.billing(
                        &["recharge", &idx, "enabled"],
                        format!(
                            "{who} is now {} by default (was {})",
                            state(rb.enabled),
                            state(ra.enabled)
                        ),
                    );
                }
            }
        }
    }
    for (i, ra) in s.old.recharge.iter().enumerate() {
        if find(s.new, &ra.feature).is_none() {
            let idx = i.to_string();
            out.billing(
                &["recharge", &idx],
                format!("auto-recharge of `{}` removed", ra.feature),
            );
        }
    }
}
