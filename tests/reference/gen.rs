//! Generators of small valid plans and traces, driven by a byte string so that proptest shrinks
//! them toward the simplest choice (every byte 0 picks the first, simplest option).
//!
//! Every plan obeys the checker's rules in `pricing-json.md`: feature kinds, `base` zero with
//! tiers, `divide` only with one tier without base, grants only on balance features, rollover only
//! on periodic grants, cost and add-on grants naming balance features of the same plan, at most
//! one recharge rule per feature whose add-on grants it a positive amount, `overage` only where
//! allowed (`bill` needs tiers). Traces are valid: sorted per customer, every event kind (plan
//! switches and cancels only in [`lifecycle_case`]).

use super::pricing::decide_kinds;
use super::{dec, period_start, ts};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use rust_decimal::Decimal;
use tariffc::ir::{
    Addon, AddonGrant, Aggregate, Cost, Currency, Divide, Document, Feature, FeatureKind, Grant,
    Interval, Mode, Overage, Plan, Recharge, Rollover, Rounding, Schedule, Tier,
};

/// A stream of choices; exhausted bytes read as 0.
pub struct Dice {
    bytes: Vec<u8>,
    at: usize,
}

impl Dice {
    pub fn new(bytes: Vec<u8>) -> Self {
        Dice { bytes, at: 0 }
    }

    /// A choice in 0..n.
    pub fn pick(&mut self, n: usize) -> usize {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        usize::from(b) % n.max(1)
    }

    pub fn one_of<T: Clone>(&mut self, options: &[T]) -> T {
        options[self.pick(options.len())].clone()
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.pick(one_in) == one_in - 1
    }
}

fn d(s: &str) -> Decimal {
    s.parse::<Decimal>().expect("decimal literal").normalize()
}

fn ds(options: &[&str]) -> Vec<Decimal> {
    options.iter().map(|s| d(s)).collect()
}

pub fn tiers(dice: &mut Dice, allow_divide: bool) -> (Vec<Tier>, Option<Divide>) {
    let prices = ds(&["1", "0", "10", "0.05", "2.5", "100", "7"]);
    let bases = ds(&["0", "0", "50", "3.5"]);
    let count = 1 + dice.pick(3);
    let mut upto = 0u64;
    let mut out = Vec::new();
    for i in 0..count {
        let last = i == count - 1;
        upto += 1 + dice.one_of(&[2u64, 4, 9, 0, 19]);
        out.push(Tier {
            upto: (!last || dice.chance(2)).then_some(upto),
            price: dice.one_of(&prices),
            base: dice.one_of(&bases),
        });
    }
    let divide = if allow_divide && count == 1 && out[0].base.is_zero() && dice.chance(3) {
        Some(Divide {
            by: dice.one_of(&[2u64, 3, 10]),
            rounding: dice.one_of(&[Rounding::Down, Rounding::Up]),
        })
    } else {
        None
    };
    (out, divide)
}

fn grants(dice: &mut Dice) -> Vec<Grant> {
    let amounts = ds(&["1", "0.5", "2", "5", "10", "3"]);
    let count = dice.pick(3);
    (0..count)
        .map(|_| {
            let amount = dice.one_of(&amounts);
            if dice.chance(3) {
                Grant {
                    amount,
                    schedule: Schedule::Signup,
                    rollover: Rollover::None,
                    expires_after: dice.chance(3).then(|| 1 + dice.pick(3) as u32),
                }
            } else {
                let rollover = match dice.pick(3) {
                    0 => Rollover::None,
                    1 => Rollover::All,
                    _ => Rollover::Max(dice.one_of(&ds(&["1", "0", "2.5", "4"]))),
                };
                Grant {
                    amount,
                    schedule: Schedule::Every(1 + dice.pick(2) as u32),
                    rollover,
                    expires_after: dice.chance(4).then(|| 1 + dice.pick(3) as u32),
                }
            }
        })
        .collect()
}

pub fn blank(id: String) -> Feature {
    Feature {
        title: id.clone(),
        id,
        kind: FeatureKind::Flat,
        base: Decimal::ZERO,
        mode: Mode::Graduated,
        aggregate: Aggregate::Sum,
        tiers: Vec::new(),
        divide: None,
        grants: Vec::new(),
        overage: None,
        cost: None,
    }
}

/// One valid plan.
pub fn plan(dice: &mut Dice, id: &str) -> Plan {
    let names = ["a", "b", "c", "d", "e"];
    let count = 1 + dice.pick(4);
    let mut features = Vec::new();
    let mut costing = Vec::new();
    for name in names.iter().take(count) {
        let mut f = blank(format!("feature:{name}"));
        match dice.pick(5) {
            0 => {
                // metered balance feature
                f.mode = dice.one_of(&[Mode::Graduated, Mode::Volume]);
                (f.tiers, f.divide) = tiers(dice, true);
                f.grants = grants(dice);
            }
            1 => {
                // credits: no tiers; a balance feature when granted or targeted
                f.grants = grants(dice);
            }
            2 => {
                f.aggregate = dice.one_of(&[Aggregate::Max, Aggregate::Last, Aggregate::Perpetual]);
                f.mode = dice.one_of(&[Mode::Graduated, Mode::Volume]);
                (f.tiers, f.divide) = tiers(dice, true);
            }
            3 => {
                f.base = dice.one_of(&ds(&["1000", "0", "99.5", "1"]));
            }
            _ => costing.push((
                features.len(),
                dice.pick(8),
                dice.one_of(&ds(&["1", "3", "0.5"])),
            )),
        }
        features.push(f);
    }
    let eligible: Vec<usize> = (0..features.len())
        .filter(|&i| features[i].aggregate == Aggregate::Sum && !costing.iter().any(|c| c.0 == i))
        .collect();
    for (i, pick, amount) in costing {
        match eligible.get(pick % eligible.len().max(1)) {
            Some(&t) if !eligible.is_empty() => {
                features[i].cost = Some(Cost {
                    feature: features[t].id.clone(),
                    amount,
                })
            }
            _ => features[i].base = d("5"),
        }
    }
    let mut addons = Vec::new();
    if !eligible.is_empty() {
        for a in 0..dice.pick(3) {
            let entries = 1 + dice.pick(2);
            let grants = (0..entries)
                .map(|_| AddonGrant {
                    feature: features[eligible[dice.pick(eligible.len())]].id.clone(),
                    amount: dice.one_of(&ds(&["10", "5", "0.5", "20"])),
                    expires_after: dice.chance(3).then(|| 1 + dice.pick(2) as u32),
                })
                .collect();
            addons.push(Addon {
                id: format!("addon:p{a}"),
                title: format!("pack {a}"),
                price: dice.one_of(&ds(&["1500", "0", "99.5", "250"])),
                grants,
            });
        }
    }
    let targets: Vec<String> = addons
        .iter()
        .flat_map(|a: &Addon| a.grants.iter().map(|g| g.feature.clone()))
        .chain(
            features
                .iter()
                .filter_map(|f| f.cost.as_ref().map(|c| c.feature.clone())),
        )
        .collect();
    decide_kinds(&mut features, &targets);
    for f in &mut features {
        f.overage = match f.kind {
            FeatureKind::Flat | FeatureKind::Costing => None,
            _ if f.tiers.is_empty() => Some(Overage::Deny),
            _ => Some(dice.one_of(&[Overage::Bill, Overage::Deny])),
        };
        if f.kind == FeatureKind::Flat {
            f.grants.clear();
        }
    }
    let mut recharge = Vec::new();
    for f in features.iter().filter(|f| f.kind == FeatureKind::Balance) {
        let buyers: Vec<&Addon> = addons
            .iter()
            .filter(|a| a.pack_size(&f.id) > Decimal::ZERO)
            .collect();
        if !buyers.is_empty() && !dice.chance(3) {
            recharge.push(Recharge {
                feature: f.id.clone(),
                below: dice.one_of(&ds(&["5", "1", "0.5", "12"])),
                buy: buyers[dice.pick(buyers.len())].id.clone(),
                enabled: !dice.chance(3),
            });
        }
    }
    Plan {
        id: id.to_string(),
        title: id.to_string(),
        currency: dice.one_of(&[
            Currency {
                code: "usd".into(),
                exponent: 2,
            },
            Currency {
                code: "jpy".into(),
                exponent: 0,
            },
        ]),
        interval: dice.one_of(&[
            Interval::Monthly,
            Interval::Daily,
            Interval::Weekly,
            Interval::Yearly,
        ]),
        features,
        addons,
        recharge,
    }
}

/// `least` to `least + 1` valid plans.
pub fn document(dice: &mut Dice, least: usize) -> Document {
    let count = least + dice.pick(2);
    Document {
        plans: (0..count)
            .map(|i| plan(dice, &format!("plan:p{i}@1")))
            .collect(),
    }
}

fn at_text(dice: &mut Dice, t: Timestamp) -> String {
    if dice.chance(5) {
        let zoned = t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(2)));
        zoned.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()
    } else {
        ts(t)
    }
}

/// The body of one non-lifecycle event for the plan (`None` when the plan offers nothing).
fn body(dice: &mut Dice, plan: &Plan) -> Option<String> {
    let usable: Vec<&Feature> = plan
        .features
        .iter()
        .filter(|f| f.kind != FeatureKind::Flat)
        .collect();
    Some(match dice.pick(8) {
        0 | 1 if !plan.addons.is_empty() => {
            let a = &plan.addons[dice.pick(plan.addons.len())];
            match dice.pick(3) {
                0 => format!(r#""purchase":"{}""#, a.id),
                q => format!(r#""purchase":"{}","quantity":{}"#, a.id, q),
            }
        }
        2 if !plan.recharge.is_empty() => {
            let r = &plan.recharge[dice.pick(plan.recharge.len())];
            format!(
                r#""recharge":{{"feature":"{}","enabled":{}}}"#,
                r.feature,
                dice.pick(2) == 0
            )
        }
        _ if !usable.is_empty() => {
            let f = usable[dice.pick(usable.len())];
            let mut ns = ds(&["1", "0", "2", "0.5", "3", "5", "10", "25"]);
            if f.aggregate == Aggregate::Perpetual {
                ns.extend(ds(&["-1", "-3"]));
            }
            let n = dec(dice.one_of(&ns));
            if f.aggregate == Aggregate::Perpetual && dice.chance(3) {
                format!(r#""feature":"{}","n":{},"set":true"#, f.id, n)
            } else {
                format!(r#""feature":"{}","n":{}"#, f.id, n)
            }
        }
        _ => return None,
    })
}

/// A valid trace for the document: a few customers, each sorted by time, interleaved; with
/// `lifecycle`, also plan switches, cancels and re-subscribes. Never two subscribes or cancels of
/// one customer at one instant, never a switch or cancel after another line of the same instant
/// (so hoisting at a period start never reorders lines), nothing at a cancel's instant after it.
pub fn trace(dice: &mut Dice, doc: &Document, lifecycle: bool) -> (String, Option<String>) {
    let jan1: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
    let customers = 1 + dice.pick(3);
    let mut queues: Vec<Vec<(Timestamp, String)>> = Vec::new();
    let mut trailing_cancel = false;
    for c in 0..customers {
        let first = &doc.plans[dice.pick(doc.plans.len())];
        let id = format!("org:{c}");
        let day = dice.one_of(&[0i64, 30, 14, 27, 59]);
        let t0 = jan1 + SignedDuration::from_hours(24 * day + dice.one_of(&[0i64, 9]));
        let mut times: Vec<Timestamp> = (0..dice.pick(if lifecycle { 16 } else { 11 }))
            .map(|_| {
                let k = dice.pick(3) as i64;
                let offset = dice.one_of(&[
                    SignedDuration::ZERO,
                    SignedDuration::from_hours(1),
                    SignedDuration::from_hours(24 * 3),
                    SignedDuration::from_millis(1500),
                    SignedDuration::from_hours(24 * 10),
                ]);
                period_start(t0, first.interval, k) + offset
            })
            .collect();
        times.sort();
        let mut events = vec![(t0, format!(r#""subscribe":"{}""#, first.id))];
        let mut plan = Some(first);
        let mut last_lifecycle = t0;
        let mut cancelled_at = None;
        for t in times {
            let previous = events[events.len() - 1].0;
            let may_lifecycle = t != last_lifecycle && t != previous;
            let change = lifecycle && may_lifecycle && dice.chance(5);
            let line = match plan {
                None if cancelled_at == Some(t) || !may_lifecycle => None,
                None => {
                    let p = &doc.plans[dice.pick(doc.plans.len())];
                    plan = Some(p);
                    Some(format!(r#""subscribe":"{}""#, p.id))
                }
                Some(p) if t != last_lifecycle && dice.chance(12) => {
                    Some(format!(r#""subscribe":"{}""#, p.id))
                }
                Some(_) if change && dice.chance(3) => {
                    plan = None;
                    cancelled_at = Some(t);
                    Some(r#""cancel":true"#.to_string())
                }
                Some(_) if change => {
                    let p = &doc.plans[dice.pick(doc.plans.len())];
                    plan = Some(p);
                    Some(format!(r#""subscribe":"{}""#, p.id))
                }
                Some(p) => body(dice, p),
            };
            if let Some(line) = line {
                if line.starts_with(r#""subscribe""#) || line.starts_with(r#""cancel""#) {
                    last_lifecycle = t;
                }
                events.push((t.max(t0), line));
            }
        }
        trailing_cancel |= plan.is_none();
        let lines = events
            .into_iter()
            .map(|(t, body)| {
                (
                    t,
                    format!(
                        r#"{{"at":"{}","customer":"{}",{}}}"#,
                        at_text(dice, t),
                        id,
                        body
                    ),
                )
            })
            .collect();
        queues.push(lines);
    }
    let mut out = String::new();
    while queues.iter().any(|q| !q.is_empty()) {
        let live: Vec<usize> = (0..queues.len())
            .filter(|&i| !queues[i].is_empty())
            .collect();
        let q = &mut queues[live[dice.pick(live.len())]];
        out.push_str(&q.remove(0).1);
        out.push('\n');
        if dice.chance(16) {
            out.push('\n');
        }
    }
    let until = match dice.pick(4) {
        0 | 1 if !trailing_cancel => None,
        _ => Some(ts(jan1
            + SignedDuration::from_hours(
                24 * dice.one_of(&[10i64, 31, 45, 62, 1]),
            ))),
    };
    (out, until)
}

/// A generated plan document with a trace and an optional `--until`.
#[derive(Debug, Clone)]
pub struct Case {
    pub doc: Document,
    pub trace: String,
    pub until: Option<String>,
}

/// Plans and traces without plan switches or cancels.
pub fn case() -> impl Strategy<Value = Case> {
    cases(false)
}

/// Plans and traces with plan switches, cancels and re-subscribes.
pub fn lifecycle_case() -> impl Strategy<Value = Case> {
    cases(true)
}

fn cases(lifecycle: bool) -> impl Strategy<Value = Case> {
    proptest::collection::vec(any::<u8>(), 0..400).prop_map(move |bytes| {
        let mut dice = Dice::new(bytes);
        let doc = document(&mut dice, if lifecycle { 2 } else { 1 });
        let (trace, until) = trace(&mut dice, &doc, lifecycle);
        Case { doc, trace, until }
    })
}
