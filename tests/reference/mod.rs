//! A deliberately naive reference evaluator, written from `trace-and-reports.md` and
//! `pricing-json.md` alone (never from `src/eval`), so that the real, streaming evaluator can be
//! checked against an independent reading of the contract.
//!
//! Written for obvious correctness, not speed: every customer is simulated on its own from its
//! full list of events; blocks live in one `Vec` and are re-sorted at every draw; every "smallest
//! k" is found by counting up; every division that the spec truncates or floors is corrected
//! with an exact multiplication check. Scope: every event kind of a *valid* trace (subscribe,
//! plan switch, cancel and re-subscribe, usage of every feature kind, purchases, recharge
//! switches); it does not diagnose invalid lines (it panics on them), so `invalid` is always
//! empty. One case is refused as unsupported: the default `until` of a trace whose customer
//! ends with a cancel (the spec does not say which period holds that cancel).

pub mod compare;
pub mod gen;
pub mod golden;
pub mod pricing;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::str::FromStr;
use tariffc::ir::{
    Aggregate, Document, Feature, FeatureKind, Interval, Mode, Overage, Plan, Rollover, Rounding,
    Schedule, Tier,
};

// ---------------------------------------------------------------------------------------------
// Exact numbers and text

const NUM_MARK: &str = "#num#";

/// Rewrites every JSON number token outside strings into a marked string, so that `serde_json`
/// (which would read it through `f64`) keeps its exact source text.
pub fn quote_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '-' || c.is_ascii_digit() {
            let mut number = String::from(c);
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                    number.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push('"');
            out.push_str(NUM_MARK);
            out.push_str(&number);
            out.push('"');
        } else {
            out.push(c);
        }
    }
    out
}

/// The exact decimal of a number read through [`quote_numbers`].
pub fn number(v: &Value) -> Decimal {
    let text = v
        .as_str()
        .and_then(|s| s.strip_prefix(NUM_MARK))
        .unwrap_or_else(|| panic!("expected a number, got {v}"));
    let d = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    d.unwrap_or_else(|e| panic!("bad number {text}: {e}"))
        .normalize()
}

/// A decimal string with no trailing zeros ("0.5", "1", "20000").
pub fn dec(d: Decimal) -> String {
    if d.is_zero() {
        "0".to_string()
    } else {
        d.normalize().to_string()
    }
}

/// One rounding, half away from zero, to whole minor units.
pub fn round_money(d: Decimal) -> i64 {
    let r = d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(r.mantissa() / 10i128.pow(r.scale())).expect("amount fits in i64")
}

/// a ÷ b rounded toward zero to 12 decimal places, exactly (corrected by multiplication).
pub fn div12(a: Decimal, b: Decimal) -> Decimal {
    let unit = Decimal::new(1, 12);
    let negative = (a < Decimal::ZERO) != (b < Decimal::ZERO);
    let (a, b) = (a.abs(), b.abs());
    let mut q = (a / b).trunc_with_scale(12);
    while q * b > a {
        q -= unit;
    }
    while (q + unit) * b <= a {
        q += unit;
    }
    if negative {
        -q
    } else {
        q
    }
}

/// floor(a ÷ b) for a ≥ 0, b > 0, exactly.
fn floor_div(a: Decimal, b: Decimal) -> Decimal {
    let mut q = (a / b).floor();
    while q * b > a {
        q -= Decimal::ONE;
    }
    while (q + Decimal::ONE) * b <= a {
        q += Decimal::ONE;
    }
    q
}

pub fn ts(t: Timestamp) -> String {
    t.to_string()
}

pub fn parse_time(s: &str) -> Timestamp {
    Timestamp::from_str(s).unwrap_or_else(|e| panic!("bad time {s}: {e}"))
}

/// Start of period k of a subscription anchored at t0: always computed from t0, calendar months
/// clamped to the month's last day.
pub fn period_start(t0: Timestamp, interval: Interval, k: i64) -> Timestamp {
    let span = match interval {
        Interval::Daily => Span::new().days(k),
        Interval::Weekly => Span::new().days(7 * k),
        Interval::Monthly => Span::new().months(k),
        Interval::Yearly => Span::new().months(12 * k),
    };
    let civil = t0.to_zoned(TimeZone::UTC).datetime();
    civil
        .checked_add(span)
        .expect("period start in range")
        .to_zoned(TimeZone::UTC)
        .expect("utc")
        .timestamp()
}

// ---------------------------------------------------------------------------------------------
// Pricing one quantity

/// Bands and exact amount of pricing the billable quantity q with a feature's tiers.
pub fn price(tiers: &[Tier], mode: Mode, q: Decimal) -> (Vec<Value>, Decimal) {
    let last = tiers.len() - 1;
    let bound = |i: usize| tiers[i].upto.map(Decimal::from);
    let from = |i: usize| {
        if i == 0 {
            Decimal::ZERO
        } else {
            bound(i - 1).unwrap_or_default()
        }
    };
    let band = |i: usize, quantity: Decimal| {
        let t = &tiers[i];
        let amount = quantity * t.price + t.base;
        let to = if i == last {
            Value::Null
        } else {
            json!(dec(bound(i).unwrap_or_default()))
        };
        let v = json!({
            "from": dec(from(i)), "to": to, "quantity": dec(quantity),
            "price": dec(t.price), "base": dec(t.base), "amount": dec(amount),
        });
        (v, amount)
    };
    let mut bands = Vec::new();
    let mut total = Decimal::ZERO;
    match mode {
        Mode::Graduated => {
            for i in 0..tiers.len() {
                if i > 0 && q <= from(i) {
                    break;
                }
                let top = match bound(i) {
                    Some(u) if i != last => q.min(u),
                    _ => q,
                };
                let (v, amount) = band(i, top - from(i));
                bands.push(v);
                total += amount;
            }
        }
        Mode::Volume => {
            let i = (0..tiers.len())
                .find(|&i| bound(i).is_some_and(|u| q <= u))
                .unwrap_or(last);
            let (v, amount) = band(i, q);
            bands.push(v);
            total += amount;
        }
    }
    (bands, total)
}

/// `divide` applied to an uncovered quantity.
pub fn billable(f: &Feature, uncovered: Decimal) -> Decimal {
    match &f.divide {
        None => uncovered,
        Some(d) => {
            let by = Decimal::from(d.by);
            let down = floor_div(uncovered, by);
            match d.rounding {
                Rounding::Down => down,
                Rounding::Up if down * by == uncovered => down,
                Rounding::Up => down + Decimal::ONE,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The trace

#[derive(Debug, Clone)]
pub struct Event {
    pub line: usize,
    pub at: Timestamp,
    pub customer: String,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Subscribe(String),
    Usage {
        feature: String,
        n: Decimal,
        set: bool,
    },
    Purchase {
        addon: String,
        quantity: i64,
    },
    Recharge {
        feature: String,
        enabled: bool,
    },
    Cancel,
}

/// Parses a valid trace (this reference does not diagnose invalid lines: it panics on them).
pub fn parse_trace(trace: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for (i, text) in trace.lines().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&quote_numbers(text))
            .unwrap_or_else(|e| panic!("line {}: bad json: {e}", i + 1));
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let kind = if let Some(p) = s("subscribe") {
            Kind::Subscribe(p)
        } else if let Some(f) = s("feature") {
            Kind::Usage {
                feature: f,
                n: number(&v["n"]),
                set: v.get("set").and_then(Value::as_bool).unwrap_or(false),
            }
        } else if let Some(a) = s("purchase") {
            let quantity = v.get("quantity").map_or(Decimal::ONE, number);
            Kind::Purchase {
                addon: a,
                quantity: i64::try_from(quantity.mantissa() / 10i128.pow(quantity.scale()))
                    .expect("quantity"),
            }
        } else if let Some(r) = v.get("recharge") {
            Kind::Recharge {
                feature: r["feature"].as_str().expect("recharge.feature").to_string(),
                enabled: r["enabled"].as_bool().expect("recharge.enabled"),
            }
        } else if v.get("cancel").is_some() {
            Kind::Cancel
        } else {
            panic!("line {}: no event kind", i + 1)
        };
        events.push(Event {
            line: i + 1,
            at: parse_time(&s("at").expect("at")),
            customer: s("customer").expect("customer"),
            kind,
        });
    }
    events
}

// ---------------------------------------------------------------------------------------------
// One customer

#[derive(Debug, Clone)]
struct Block {
    feature: String,
    left: Decimal,
    expiry: Option<Timestamp>,
    /// 0 periodic (and units it carried), 1 signup, 2 add-on.
    source: u8,
    issued: Timestamp,
    /// Grant document order, or (purchase number, grant entry).
    order: (usize, usize),
    /// (feature index, grant index) of the current plan's periodic grant that issued it; cleared
    /// when the block is carried into another plan (it is then never capped again).
    grant: Option<(usize, usize)>,
}

impl Block {
    fn live(&self, t: Timestamp) -> bool {
        self.expiry.is_none_or(|e| t < e)
    }
}

/// One invoiced service period and everything counted in it.
#[derive(Debug)]
struct Period<'a> {
    plan: &'a Plan,
    start: Timestamp,
    /// The regular end, or the instant of the switch or cancel that closed it early.
    end: Timestamp,
    /// (elapsed, full length) when closed early.
    proration: Option<(SignedDuration, SignedDuration)>,
    /// Σ accepted n (sum features, costing contributions included).
    used: BTreeMap<String, Decimal>,
    /// Drawn from blocks this period.
    drawn: BTreeMap<String, Decimal>,
    /// Capped features: units that went through the tiers this period.
    through_tiers: BTreeMap<String, Decimal>,
    /// Gauges: the period's aggregate (perpetual: the running total).
    gauge: BTreeMap<String, Decimal>,
    addon_lines: Vec<Value>,
}

/// The subscription in force: its plan, the anchor of its periods and the current period index.
#[derive(Debug, Clone, Copy)]
struct Sub<'a> {
    plan: &'a Plan,
    anchor: Timestamp,
    k: usize,
}

struct Customer<'a> {
    doc: &'a Document,
    sub: Option<Sub<'a>>,
    subscribed_before: bool,
    periods: Vec<Period<'a>>,
    blocks: Vec<Block>,
    perpetual: BTreeMap<String, Decimal>,
    switches: BTreeMap<String, bool>,
    purchases: usize,
    rejected: Vec<Value>,
    warnings: Vec<Value>,
}

fn get(m: &BTreeMap<String, Decimal>, k: &str) -> Decimal {
    m.get(k).copied().unwrap_or_default()
}

fn add(m: &mut BTreeMap<String, Decimal>, k: &str, x: Decimal) {
    *m.entry(k.to_string()).or_default() += x;
}

/// A duration in seconds, fractional seconds beyond microseconds truncated.
fn seconds(d: SignedDuration) -> Decimal {
    Decimal::from_i128_with_scale(d.as_micros(), 6).normalize()
}

impl<'a> Customer<'a> {
    fn new(doc: &'a Document) -> Self {
        Customer {
            doc,
            sub: None,
            subscribed_before: false,
            periods: Vec::new(),
            blocks: Vec::new(),
            perpetual: BTreeMap::new(),
            switches: BTreeMap::new(),
            purchases: 0,
            rejected: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn sub(&self) -> Sub<'a> {
        self.sub.expect("a subscription is in force")
    }

    fn plan(&self) -> &'a Plan {
        self.sub().plan
    }

    fn start(&self, k: usize) -> Timestamp {
        let s = self.sub();
        period_start(s.anchor, s.plan.interval, k as i64)
    }

    fn next_start(&self) -> Option<Timestamp> {
        self.sub
            .map(|s| period_start(s.anchor, s.plan.interval, s.k as i64 + 1))
    }

    fn period(&mut self) -> &mut Period<'a> {
        self.periods.last_mut().expect("a period is open")
    }

    fn feature(&self, id: &str) -> &'a Feature {
        self.plan().feature(id).expect("feature of the plan")
    }

    fn balance(&self, feature: &str, t: Timestamp) -> Decimal {
        self.blocks
            .iter()
            .filter(|b| b.feature == feature && b.live(t))
            .map(|b| b.left)
            .sum()
    }

    /// Takes x from the feature's live blocks in the spec's draw-down order.
    fn draw(&mut self, feature: &str, x: Decimal, t: Timestamp) {
        let mut idx: Vec<usize> = (0..self.blocks.len())
            .filter(|&i| self.blocks[i].feature == feature && self.blocks[i].live(t))
            .collect();
        idx.sort_by_key(|&i| {
            let b = &self.blocks[i];
            (b.expiry.is_none(), b.expiry, b.source, b.issued, b.order)
        });
        let mut need = x;
        for i in idx {
            let take = need.min(self.blocks[i].left);
            self.blocks[i].left -= take;
            need -= take;
        }
        assert!(need.is_zero(), "drew more than the balance");
    }

    fn rule_enabled(&self, feature: &str) -> Option<&'a tariffc::ir::Recharge> {
        let rule = self.plan().recharge.iter().find(|r| r.feature == feature)?;
        let on = self.switches.get(feature).copied().unwrap_or(rule.enabled);
        on.then_some(rule)
    }

    fn buy(&mut self, addon: &str, k: i64, at: Timestamp, auto: bool) {
        let a = self.plan().addon(addon).expect("add-on of the plan");
        self.purchases += 1;
        let p = self.sub().k;
        for (i, g) in a.grants.iter().enumerate() {
            let expiry = g.expires_after.map(|e| self.start(p + e as usize));
            self.blocks.push(Block {
                feature: g.feature.clone(),
                left: g.amount * Decimal::from(k),
                expiry,
                source: 2,
                issued: at,
                order: (self.purchases, i),
                grant: None,
            });
        }
        let line = json!({
            "kind": "addon", "addon": a.id, "quantity": k, "price": dec(a.price),
            "amount": round_money(a.price * Decimal::from(k)), "at": ts(at), "auto": auto,
        });
        self.period().addon_lines.push(line);
    }

    /// After draws, at period starts and when enabled: top up when strictly below `below`.
    fn recharge_check(&mut self, feature: &str, at: Timestamp) {
        let Some(rule) = self.rule_enabled(feature) else {
            return;
        };
        let pack = self
            .plan()
            .addon(&rule.buy)
            .expect("buy")
            .pack_size(feature);
        let balance = self.balance(feature, at);
        if balance < rule.below {
            let mut k = 1;
            while balance + pack * Decimal::from(k) < rule.below {
                k += 1;
            }
            self.buy(&rule.buy, k, at, true);
        }
    }

    /// Period k of the current subscription starts: expiry, rollover caps, issue, recharge.
    fn open_period(&mut self, k: usize, signup: bool) {
        let mut sub = self.sub();
        sub.k = k;
        self.sub = Some(sub);
        let plan = sub.plan;
        let t = self.start(k);
        let mut p = Period {
            plan,
            start: t,
            end: self.start(k + 1),
            proration: None,
            used: BTreeMap::new(),
            drawn: BTreeMap::new(),
            through_tiers: BTreeMap::new(),
            gauge: BTreeMap::new(),
            addon_lines: Vec::new(),
        };
        for f in &plan.features {
            if f.aggregate == Aggregate::Perpetual && f.kind == FeatureKind::Gauge {
                p.gauge.insert(f.id.clone(), get(&self.perpetual, &f.id));
            }
        }
        self.periods.push(p);
        self.blocks.retain(|b| b.live(t));
        for (fi, f) in plan.features.iter().enumerate() {
            for (gi, g) in f.grants.iter().enumerate() {
                match g.schedule {
                    Schedule::Every(n) if k % n as usize == 0 => {
                        if let Rollover::Max(m) = g.rollover {
                            self.cap_rollover((fi, gi), m);
                        }
                        let expiry = match (g.expires_after, &g.rollover) {
                            (Some(e), _) => Some(self.start(k + e as usize)),
                            (None, Rollover::None) => Some(self.start(k + n as usize)),
                            (None, _) => None,
                        };
                        self.blocks.push(Block {
                            feature: f.id.clone(),
                            left: g.amount,
                            expiry,
                            source: 0,
                            issued: t,
                            order: (gi, 0),
                            grant: Some((fi, gi)),
                        });
                    }
                    Schedule::Signup if k == 0 && signup => {
                        let expiry = g.expires_after.map(|e| self.start(e as usize));
                        self.blocks.push(Block {
                            feature: f.id.clone(),
                            left: g.amount,
                            expiry,
                            source: 1,
                            issued: t,
                            order: (gi, 0),
                            grant: None,
                        });
                    }
                    _ => {}
                }
            }
        }
        for rule in &plan.recharge {
            self.recharge_check(&rule.feature, t);
        }
    }

    /// Rollover `{max: M}`: the grant's carried units are cut to M, oldest first.
    fn cap_rollover(&mut self, grant: (usize, usize), max: Decimal) {
        let mut idx: Vec<usize> = (0..self.blocks.len())
            .filter(|&i| self.blocks[i].grant == Some(grant))
            .collect();
        idx.sort_by_key(|&i| self.blocks[i].issued);
        let carried: Decimal = idx.iter().map(|&i| self.blocks[i].left).sum();
        let mut excess = (carried - max).max(Decimal::ZERO);
        for i in idx {
            let cut = excess.min(self.blocks[i].left);
            self.blocks[i].left -= cut;
            excess -= cut;
        }
    }

    /// Opens every period of the current subscription that starts before t.
    fn advance_before(&mut self, t: Timestamp) {
        while let Some(next) = self.next_start() {
            if next >= t {
                break;
            }
            let k = self.sub().k + 1;
            self.open_period(k, false);
        }
    }

    /// Closes the current period at t: prorated when t is not its regular end.
    fn close(&mut self, t: Timestamp) {
        let p = self.period();
        if t != p.end {
            p.proration = Some((t.duration_since(p.start), p.end.duration_since(p.start)));
            p.end = t;
        }
    }

    fn subscribe(&mut self, e: &Event, id: &str) {
        let plan = self.doc.plan(id).expect("plan of the document");
        match self.sub {
            None => {
                self.sub = Some(Sub {
                    plan,
                    anchor: e.at,
                    k: 0,
                });
                let signup = !self.subscribed_before;
                self.subscribed_before = true;
                self.open_period(0, signup);
            }
            Some(s) if s.plan.id == id => self.warnings.push(json!({
                "line": e.line, "code": "resubscribe-same-plan",
                "message": format!("already subscribed to {id}"),
            })),
            Some(s) => {
                self.close(e.at);
                let old = s.plan;
                for (fi, f) in old.features.iter().enumerate() {
                    for (gi, g) in f.grants.iter().enumerate() {
                        if matches!(g.schedule, Schedule::Every(_)) {
                            let current = (0..self.blocks.len())
                                .filter(|&i| self.blocks[i].grant == Some((fi, gi)))
                                .max_by_key(|&i| self.blocks[i].issued);
                            if let Some(i) = current {
                                self.blocks.remove(i);
                            }
                        }
                    }
                }
                self.blocks.retain(|b| {
                    plan.feature(&b.feature)
                        .is_some_and(|f| f.kind == FeatureKind::Balance)
                });
                for b in &mut self.blocks {
                    b.grant = None;
                }
                self.perpetual.retain(|fid, _| {
                    plan.feature(fid)
                        .is_some_and(|f| f.aggregate == Aggregate::Perpetual)
                });
                self.sub = Some(Sub {
                    plan,
                    anchor: e.at,
                    k: 0,
                });
                self.open_period(0, false);
            }
        }
    }

    fn cancel(&mut self, e: &Event) {
        self.close(e.at);
        self.blocks.clear();
        self.perpetual.clear();
        self.sub = None;
    }

    /// Usage x of a balance feature at `at`; on refusal, (need from blocks, balance left).
    fn take(&mut self, f: &Feature, x: Decimal, at: Timestamp) -> Result<(), (Decimal, Decimal)> {
        let cap = f.cap().map(Decimal::from);
        let (tier_part, beyond) = match cap {
            Some(c) => {
                let through = get(&self.periods[self.periods.len() - 1].through_tiers, &f.id);
                let part = x.min((c - through).max(Decimal::ZERO));
                (part, x - part)
            }
            None => (Decimal::ZERO, x),
        };
        let balance = self.balance(&f.id, at);
        let deny = f.overage == Some(Overage::Deny) && (f.tiers.is_empty() || cap.is_some());
        if deny && beyond > balance {
            let Some(rule) = self.rule_enabled(&f.id) else {
                return Err((beyond, balance));
            };
            let pack = self.plan().addon(&rule.buy).expect("buy").pack_size(&f.id);
            let mut k = 1;
            while balance + pack * Decimal::from(k) < rule.below + beyond {
                k += 1;
            }
            self.buy(&rule.buy, k, at, true);
        }
        let drawn = beyond.min(self.balance(&f.id, at));
        self.draw(&f.id, drawn, at);
        let p = self.period();
        add(&mut p.used, &f.id, x);
        add(&mut p.drawn, &f.id, drawn);
        if cap.is_some() {
            add(&mut p.through_tiers, &f.id, tier_part + beyond - drawn);
        }
        Ok(())
    }

    fn reject(&mut self, e: &Event, feature: &str, n: Decimal, code: &str, reason: String) {
        self.rejected.push(json!({
            "line": e.line, "at": ts(e.at), "feature": feature, "n": dec(n),
            "code": code, "reason": reason,
        }));
    }

    fn usage(&mut self, e: &Event, id: &str, n: Decimal, set: bool) {
        let f = self.feature(id);
        match f.kind {
            FeatureKind::Flat => panic!("line {}: usage of a flat feature", e.line),
            FeatureKind::Balance => match self.take(f, n, e.at) {
                Ok(()) => self.recharge_check(id, e.at),
                Err((need, left)) => {
                    let (code, reason) = refusal(f, id, need, left);
                    self.reject(e, id, n, code, reason);
                }
            },
            FeatureKind::Costing => {
                let cost = f.cost.as_ref().expect("costing feature has a cost");
                let target = self.feature(&cost.feature);
                match self.take(target, n * cost.amount, e.at) {
                    Ok(()) => {
                        add(&mut self.period().used, id, n);
                        self.recharge_check(&cost.feature, e.at);
                    }
                    Err((need, left)) => {
                        let (code, reason) = refusal(target, &cost.feature, need, left);
                        self.reject(e, id, n, code, reason);
                    }
                }
            }
            FeatureKind::Gauge => {
                let current = get(&self.period().gauge, id);
                let new = match f.aggregate {
                    Aggregate::Max => current.max(n),
                    Aggregate::Last => n,
                    Aggregate::Perpetual if set => n,
                    Aggregate::Perpetual => current + n,
                    Aggregate::Sum => unreachable!("a gauge is not sum"),
                };
                let cap = f.cap().map(Decimal::from);
                if let (Some(Overage::Deny), Some(cap)) = (f.overage, cap) {
                    if new > current && new > cap {
                        let what = if f.aggregate == Aggregate::Perpetual {
                            "total"
                        } else {
                            "reading"
                        };
                        let reason = format!(
                            "{what} {} of {id} is over its cap of {}",
                            dec(new),
                            dec(cap)
                        );
                        self.reject(e, id, n, "over-limit", reason);
                        return;
                    }
                }
                self.period().gauge.insert(id.to_string(), new);
                if f.aggregate == Aggregate::Perpetual {
                    self.perpetual.insert(id.to_string(), new);
                }
            }
        }
    }

    fn apply(&mut self, e: &Event) {
        match &e.kind {
            Kind::Subscribe(p) => self.subscribe(e, p),
            Kind::Cancel => self.cancel(e),
            Kind::Usage { feature, n, set } => self.usage(e, feature, *n, *set),
            Kind::Purchase { addon, quantity } => self.buy(addon, *quantity, e.at, false),
            Kind::Recharge { feature, enabled } => {
                self.switches.insert(feature.clone(), *enabled);
                if *enabled {
                    self.recharge_check(feature, e.at);
                }
            }
        }
    }

    /// A switch to another plan or a cancel: what takes effect first at a period start.
    fn is_lifecycle_change(&self, e: &Event) -> bool {
        match &e.kind {
            Kind::Cancel => true,
            Kind::Subscribe(p) => self.sub.is_some_and(|s| s.plan.id != *p),
            _ => false,
        }
    }

    /// Runs the customer's events (all before `until`, sorted), then opens every period that
    /// starts before `until` (none when `until` is not known yet).
    fn run(&mut self, events: &[&Event], until: Option<Timestamp>) {
        let mut i = 0;
        while i < events.len() {
            let t = events[i].at;
            let j = i + events[i..].iter().take_while(|e| e.at == t).count();
            let group = &events[i..j];
            self.advance_before(t);
            let mut hoisted = None;
            if self.next_start() == Some(t) {
                hoisted = group.iter().position(|e| self.is_lifecycle_change(e));
                if hoisted.is_none() {
                    let k = self.sub().k + 1;
                    self.open_period(k, false);
                }
            }
            if let Some(h) = hoisted {
                self.apply(group[h]);
            }
            for (n, e) in group.iter().enumerate() {
                if Some(n) != hoisted {
                    self.apply(e);
                }
            }
            i = j;
        }
        if let Some(u) = until {
            self.advance_before(u);
        }
    }

    fn invoices(&self, until: Timestamp) -> Vec<Value> {
        let mut out = Vec::new();
        for p in &self.periods {
            let mut lines = Vec::new();
            for f in p.plan.features.iter().filter(|f| f.base > Decimal::ZERO) {
                lines.push(match p.proration {
                    None => json!({
                        "kind": "base", "feature": f.id, "quantity": "1",
                        "amount": round_money(f.base),
                    }),
                    Some((elapsed, length)) => json!({
                        "kind": "base", "feature": f.id, "quantity": "1",
                        "amount": round_money(f.base * seconds(elapsed) / seconds(length)),
                        "full_amount": dec(f.base),
                        "fraction": { "elapsed": dec(seconds(elapsed)), "length": dec(seconds(length)) },
                    }),
                });
            }
            for f in p.plan.features.iter().filter(|f| f.is_metered()) {
                let (used, covered) = match f.kind {
                    FeatureKind::Gauge => (get(&p.gauge, &f.id), Decimal::ZERO),
                    _ => (get(&p.used, &f.id), get(&p.drawn, &f.id)),
                };
                let q = billable(f, (used - covered).max(Decimal::ZERO));
                let (bands, amount) = price(&f.tiers, f.mode, q);
                lines.push(json!({
                    "kind": "usage", "feature": f.id, "used": dec(used), "covered": dec(covered),
                    "billable": dec(q), "bands": bands, "amount": round_money(amount),
                }));
            }
            lines.extend(p.addon_lines.iter().cloned());
            let total: i64 = lines
                .iter()
                .map(|l| l["amount"].as_i64().expect("amount"))
                .sum();
            out.push(json!({
                "plan": p.plan.id, "currency": p.plan.currency.code,
                "period": { "start": ts(p.start), "end": ts(p.end) },
                "status": if p.end <= until { "final" } else { "draft" },
                "lines": lines, "total": total,
            }));
        }
        out
    }

    /// The feature's row of `limits` as of `until`.
    fn limit(&self, f: &Feature, until: Timestamp) -> Value {
        let p = &self.periods[self.periods.len() - 1];
        let cap = f.cap().map(Decimal::from);
        let opt = |d: Option<Decimal>| d.map_or(Value::Null, |d| json!(dec(d)));
        let (used, balance, limit, remaining) = match f.kind {
            FeatureKind::Flat => (Decimal::ONE, Decimal::ZERO, None, None),
            FeatureKind::Balance => {
                let (limit, remaining) = self.balance_limit(f, until);
                (
                    get(&p.used, &f.id),
                    self.limits_balance(&f.id, until),
                    limit,
                    remaining,
                )
            }
            FeatureKind::Gauge => {
                let used = get(&p.gauge, &f.id);
                (used, Decimal::ZERO, cap, cap.map(|c| c - used))
            }
            FeatureKind::Costing => {
                let cost = f.cost.as_ref().expect("cost");
                let target = self.feature(&cost.feature);
                let used = get(&p.used, &f.id);
                let balance = div12(self.limits_balance(&target.id, until), cost.amount);
                let remaining = self
                    .balance_limit(target, until)
                    .1
                    .map(|r| div12(r, cost.amount));
                (used, balance, remaining.map(|r| used + r), remaining)
            }
        };
        let mut m = Map::new();
        m.insert("feature".into(), json!(f.id));
        m.insert("used".into(), json!(dec(used)));
        m.insert("balance".into(), json!(dec(balance)));
        m.insert("limit".into(), opt(limit));
        m.insert("remaining".into(), opt(remaining));
        Value::Object(m)
    }

    /// Live blocks just before `until` (a block expiring exactly at `until` still counts).
    fn limits_balance(&self, feature: &str, until: Timestamp) -> Decimal {
        self.blocks
            .iter()
            .filter(|b| b.feature == feature && b.expiry.is_none_or(|e| e >= until))
            .map(|b| b.left)
            .sum()
    }

    /// (limit, remaining) of a balance feature.
    fn balance_limit(&self, f: &Feature, until: Timestamp) -> (Option<Decimal>, Option<Decimal>) {
        let p = &self.periods[self.periods.len() - 1];
        let used = get(&p.used, &f.id);
        let drawn = get(&p.drawn, &f.id);
        let balance = self.limits_balance(&f.id, until);
        if f.tiers.is_empty() {
            (Some(drawn + balance), Some(balance))
        } else if let Some(cap) = f.cap() {
            let limit = drawn + balance + Decimal::from(cap);
            (Some(limit), Some(limit - used))
        } else {
            (None, None)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The whole report

/// A summary row: currency, purchased, auto, recharges, revenue.
type AddonRow = (String, i64, i64, i64, i64);

/// The end of the period holding the customer's last event (for the default `until`).
fn end_of_last_period(doc: &Document, events: &[&Event]) -> Timestamp {
    let mut c = Customer::new(doc);
    c.run(events, None);
    match c.sub {
        Some(_) => c.periods.last().expect("a period").end,
        None => panic!("unsupported: default until after a trailing cancel (give --until)"),
    }
}

/// The `simulate --format json` report of a valid trace, as the spec describes it.
pub fn simulate(doc: &Document, trace: &str, until: Option<&str>) -> Value {
    let events = parse_trace(trace);
    let mut order: Vec<String> = Vec::new();
    for e in &events {
        if !order.contains(&e.customer) {
            order.push(e.customer.clone());
        }
    }
    let of = |c: &str| {
        events
            .iter()
            .filter(|e| e.customer == c)
            .collect::<Vec<_>>()
    };
    let until = match until {
        Some(u) => parse_time(u),
        None => order
            .iter()
            .map(|c| end_of_last_period(doc, &of(c)))
            .max()
            .expect("a trace with at least one customer"),
    };

    let mut customers = Vec::new();
    let (mut applied, mut rejected, mut invoices) = (0usize, 0usize, 0usize);
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut addons: BTreeMap<(String, String), AddonRow> = BTreeMap::new();
    for c in &order {
        let evs: Vec<&Event> = of(c).into_iter().filter(|e| e.at < until).collect();
        if evs.is_empty() {
            continue;
        }
        let mut cust = Customer::new(doc);
        cust.run(&evs, Some(until));
        let invs = cust.invoices(until);
        for inv in &invs {
            let currency = inv["currency"].as_str().expect("currency").to_string();
            *totals.entry(currency.clone()).or_default() += inv["total"].as_i64().expect("total");
            for l in inv["lines"].as_array().expect("lines") {
                if l["kind"] == "addon" {
                    let key = (
                        inv["plan"].as_str().expect("plan").to_string(),
                        l["addon"].as_str().expect("id").to_string(),
                    );
                    let row = addons.entry(key).or_insert((currency.clone(), 0, 0, 0, 0));
                    let q = l["quantity"].as_i64().expect("quantity");
                    let auto = l["auto"] == true;
                    row.1 += q;
                    row.2 += if auto { q } else { 0 };
                    row.3 += i64::from(auto);
                    row.4 += l["amount"].as_i64().expect("amount");
                }
            }
        }
        applied += evs.len();
        rejected += cust.rejected.len();
        invoices += invs.len();
        let (plan, limits) = match cust.sub {
            Some(s) => (
                json!(s.plan.id),
                s.plan
                    .features
                    .iter()
                    .map(|f| cust.limit(f, until))
                    .collect(),
            ),
            None => (Value::Null, Vec::new()),
        };
        customers.push(json!({
            "customer": c, "plan": plan, "invoices": invs, "limits": limits,
            "rejected": cust.rejected, "warnings": cust.warnings,
        }));
    }
    let addon_rows: Vec<Value> = addons
        .into_iter()
        .map(
            |((plan, addon), (currency, purchased, auto, recharges, revenue))| {
                json!({
                    "plan": plan, "addon": addon, "currency": currency, "purchased": purchased,
                    "auto": auto, "recharges": recharges, "revenue": revenue,
                })
            },
        )
        .collect();
    let after_until = events.iter().filter(|e| e.at >= until).count();
    let listed = customers.len();
    json!({
        "version": 1,
        "until": ts(until),
        "customers": customers,
        "invalid": [],
        "summary": {
            "customers": listed, "invoices": invoices, "events": applied,
            "rejected": rejected, "invalid": 0, "after_until": after_until,
            "totals": totals, "addons": addon_rows,
        }
    })
}

/// The code and reason for a balance feature that cannot take an event: a capped feature is
/// over its limit (blocks cannot cover what lies beyond the cap), otherwise out of balance.
fn refusal(target: &Feature, id: &str, need: Decimal, left: Decimal) -> (&'static str, String) {
    match target.cap() {
        Some(cap) => (
            "over-limit",
            format!(
                "needs {} of {id} beyond its cap of {cap}, {} left",
                dec(need),
                dec(left)
            ),
        ),
        None => (
            "insufficient-balance",
            format!("needs {} of {id}, {} left", dec(need), dec(left)),
        ),
    }
}
