//! A naive reader of *valid* pricing JSON into the IR (defaults and feature kinds as
//! `pricing-json.md` states them), and a writer back to pricing JSON for reproductions.
//!
//! It exists so that golden cases can be read without depending on the checker; it diagnoses
//! nothing and panics on anything it does not understand.

use super::{dec, number, quote_numbers};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use tariffc::ir::{
    Addon, AddonGrant, Aggregate, Cost, Currency, Divide, Document, Feature, FeatureKind, Grant,
    Interval, Mode, Overage, Plan, Recharge, Rollover, Rounding, Schedule, Tier,
};

fn int(v: &Value) -> u64 {
    let d = number(v);
    assert!(d.fract().is_zero(), "not an integer: {d}");
    u64::try_from(d.mantissa() / 10i128.pow(d.scale())).expect("integer in range")
}

fn opt_dec(obj: &Value, key: &str) -> Option<Decimal> {
    obj.get(key).filter(|v| !v.is_null()).map(number)
}

fn string(obj: &Value, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_string)
}

fn entries(obj: &Value, key: &str) -> Vec<(String, Value)> {
    obj.get(key)
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Reads a valid pricing document (plain JSON, no comments).
pub fn read(text: &str) -> Document {
    let root: Value = serde_json::from_str(&quote_numbers(text)).expect("pricing json");
    let plans = entries(&root, "plans")
        .into_iter()
        .map(|(id, p)| read_plan(id, &p))
        .collect();
    Document { plans }
}

fn read_plan(id: String, p: &Value) -> Plan {
    let code = string(p, "currency").unwrap_or_else(|| "usd".into());
    let info = tariffc::currency::lookup(&code).expect("known currency");
    let interval = match string(p, "interval").as_deref() {
        None | Some("@monthly") => Interval::Monthly,
        Some("@daily") => Interval::Daily,
        Some("@weekly") => Interval::Weekly,
        Some("@yearly") => Interval::Yearly,
        Some(other) => panic!("interval {other}"),
    };
    let addons: Vec<Addon> = entries(p, "addons")
        .into_iter()
        .map(|(id, a)| Addon {
            title: string(&a, "title").unwrap_or_else(|| id.clone()),
            price: opt_dec(&a, "price").unwrap_or_default(),
            grants: a["grants"]
                .as_array()
                .expect("addon grants")
                .iter()
                .map(|g| AddonGrant {
                    feature: string(g, "feature").expect("grant feature"),
                    amount: number(&g["amount"]),
                    expires_after: g.get("expires_after").map(|v| int(v) as u32),
                })
                .collect(),
            id,
        })
        .collect();
    let recharge: Vec<Recharge> = p
        .get("recharge")
        .and_then(Value::as_array)
        .map(|rules| {
            rules
                .iter()
                .map(|r| Recharge {
                    feature: string(r, "feature").expect("rule feature"),
                    below: number(&r["below"]),
                    buy: string(r, "buy").expect("rule buy"),
                    enabled: r.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                })
                .collect()
        })
        .unwrap_or_default();
    let raw: Vec<(String, Value)> = entries(p, "features");
    let mut features: Vec<Feature> = raw.iter().map(|(id, f)| read_feature(id, f)).collect();
    let targets: Vec<String> = addons
        .iter()
        .flat_map(|a| a.grants.iter().map(|g| g.feature.clone()))
        .chain(
            features
                .iter()
                .filter_map(|f| f.cost.as_ref().map(|c| c.feature.clone())),
        )
        .collect();
    decide_kinds(&mut features, &targets);
    for (f, (_, v)) in features.iter_mut().zip(&raw) {
        f.overage = match (f.kind, string(v, "overage").as_deref()) {
            (FeatureKind::Flat | FeatureKind::Costing, _) => None,
            (_, Some("bill")) => Some(Overage::Bill),
            (_, Some("deny")) => Some(Overage::Deny),
            (_, None) if f.tiers.is_empty() => Some(Overage::Deny),
            (_, None) => Some(Overage::Bill),
            (_, Some(other)) => panic!("overage {other}"),
        };
    }
    Plan {
        title: string(p, "title").unwrap_or_else(|| id.clone()),
        id,
        currency: Currency {
            code: info.code,
            exponent: info.exponent,
        },
        interval,
        features,
        addons,
        recharge,
    }
}

/// The checker's feature kinds, from the fields and the ids that add-on grants and costs name.
pub fn decide_kinds(features: &mut [Feature], targets: &[String]) {
    for f in features.iter_mut() {
        let targeted = targets.contains(&f.id);
        f.kind = if f.cost.is_some() {
            FeatureKind::Costing
        } else if f.aggregate != Aggregate::Sum {
            FeatureKind::Gauge
        } else if !f.grants.is_empty() || !f.tiers.is_empty() || targeted {
            FeatureKind::Balance
        } else {
            FeatureKind::Flat
        };
    }
}

fn read_feature(id: &str, f: &Value) -> Feature {
    let tiers = f
        .get("tiers")
        .and_then(Value::as_array)
        .map(|ts| {
            ts.iter()
                .map(|t| Tier {
                    upto: t.get("upto").filter(|v| !v.is_null()).map(int),
                    price: opt_dec(t, "price").unwrap_or_default(),
                    base: opt_dec(t, "base").unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let grants = f
        .get("grants")
        .and_then(Value::as_array)
        .map(|gs| gs.iter().map(read_grant).collect())
        .unwrap_or_default();
    Feature {
        id: id.to_string(),
        title: string(f, "title").unwrap_or_else(|| id.to_string()),
        kind: FeatureKind::Flat,
        base: opt_dec(f, "base").unwrap_or_default(),
        mode: match string(f, "mode").as_deref() {
            Some("volume") => Mode::Volume,
            _ => Mode::Graduated,
        },
        aggregate: match string(f, "aggregate").as_deref() {
            None | Some("sum") => Aggregate::Sum,
            Some("max") => Aggregate::Max,
            Some("last") => Aggregate::Last,
            Some("perpetual") => Aggregate::Perpetual,
            Some(other) => panic!("aggregate {other}"),
        },
        tiers,
        divide: f.get("divide").map(|d| Divide {
            by: int(&d["by"]),
            rounding: match string(d, "rounding").as_deref() {
                Some("up") => Rounding::Up,
                _ => Rounding::Down,
            },
        }),
        grants,
        overage: None,
        cost: f.get("cost").and_then(Value::as_object).map(|m| {
            let (target, amount) = m.iter().next().expect("one cost entry");
            Cost {
                feature: target.clone(),
                amount: number(amount),
            }
        }),
    }
}

fn read_grant(g: &Value) -> Grant {
    let schedule = match g.get("every") {
        Some(n) => Schedule::Every(int(n) as u32),
        None => Schedule::Signup,
    };
    let rollover = match g.get("rollover") {
        None => Rollover::None,
        Some(Value::Object(m)) => Rollover::Max(number(&m["max"])),
        Some(v) if v == "all" => Rollover::All,
        Some(_) => Rollover::None,
    };
    Grant {
        amount: number(&g["amount"]),
        schedule,
        rollover,
        expires_after: g.get("expires_after").map(|v| int(v) as u32),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A JSON number from an exact decimal (written through its text, not through f64).
fn num(d: Decimal) -> Value {
    serde_json::from_str(&dec(d)).unwrap_or_else(|_| json!(dec(d)))
}

/// The pricing JSON of an IR document (explicit fields, for reproductions).
pub fn write(doc: &Document) -> String {
    let mut plans = Map::new();
    for p in &doc.plans {
        let mut features = Map::new();
        for f in &p.features {
            features.insert(f.id.clone(), write_feature(f));
        }
        let mut plan = Map::new();
        plan.insert("currency".into(), json!(p.currency.code));
        plan.insert("interval".into(), json!(p.interval.as_str()));
        plan.insert("features".into(), Value::Object(features));
        if !p.addons.is_empty() {
            let mut addons = Map::new();
            for a in &p.addons {
                let grants: Vec<Value> = a
                    .grants
                    .iter()
                    .map(|g| {
                        let mut m = Map::new();
                        m.insert("feature".into(), json!(g.feature));
                        m.insert("amount".into(), num(g.amount));
                        if let Some(e) = g.expires_after {
                            m.insert("expires_after".into(), json!(e));
                        }
                        Value::Object(m)
                    })
                    .collect();
                addons.insert(
                    a.id.clone(),
                    json!({ "title": a.title, "price": num(a.price), "grants": grants }),
                );
            }
            plan.insert("addons".into(), Value::Object(addons));
        }
        if !p.recharge.is_empty() {
            let rules: Vec<Value> = p
                .recharge
                .iter()
                .map(|r| {
                    json!({ "feature": r.feature, "below": num(r.below), "buy": r.buy,
                            "enabled": r.enabled })
                })
                .collect();
            plan.insert("recharge".into(), json!(rules));
        }
        plans.insert(p.id.clone(), Value::Object(plan));
    }
    serde_json::to_string_pretty(&json!({ "plans": plans })).expect("json")
}

fn write_feature(f: &Feature) -> Value {
    let mut m = Map::new();
    if f.base > Decimal::ZERO {
        m.insert("base".into(), num(f.base));
    }
    if let Some(c) = &f.cost {
        let mut cost = Map::new();
        cost.insert(c.feature.clone(), num(c.amount));
        m.insert("cost".into(), Value::Object(cost));
        return Value::Object(m);
    }
    if f.mode == Mode::Volume {
        m.insert("mode".into(), json!("volume"));
    }
    let aggregate = match f.aggregate {
        Aggregate::Sum => None,
        Aggregate::Max => Some("max"),
        Aggregate::Last => Some("last"),
        Aggregate::Perpetual => Some("perpetual"),
    };
    if let Some(a) = aggregate {
        m.insert("aggregate".into(), json!(a));
    }
    if !f.tiers.is_empty() {
        let tiers: Vec<Value> = f
            .tiers
            .iter()
            .map(|t| {
                let mut tm = Map::new();
                if let Some(u) = t.upto {
                    tm.insert("upto".into(), json!(u));
                }
                tm.insert("price".into(), num(t.price));
                if t.base > Decimal::ZERO {
                    tm.insert("base".into(), num(t.base));
                }
                Value::Object(tm)
            })
            .collect();
        m.insert("tiers".into(), json!(tiers));
    }
    if let Some(d) = &f.divide {
        let rounding = if d.rounding == Rounding::Up {
            "up"
        } else {
            "down"
        };
        m.insert("divide".into(), json!({ "by": d.by, "rounding": rounding }));
    }
    if !f.grants.is_empty() {
        let grants: Vec<Value> = f
            .grants
            .iter()
            .map(|g| {
                let mut gm = Map::new();
                gm.insert("amount".into(), num(g.amount));
                match g.schedule {
                    Schedule::Every(n) => gm.insert("every".into(), json!(n)),
                    Schedule::Signup => gm.insert("on".into(), json!("signup")),
                };
                match &g.rollover {
                    Rollover::None => None,
                    Rollover::All => gm.insert("rollover".into(), json!("all")),
                    Rollover::Max(x) => gm.insert("rollover".into(), json!({ "max": num(*x) })),
                };
                if let Some(e) = g.expires_after {
                    gm.insert("expires_after".into(), json!(e));
                }
                Value::Object(gm)
            })
            .collect();
        m.insert("grants".into(), json!(grants));
    }
    if let Some(o) = f.overage {
        let o = if o == Overage::Deny { "deny" } else { "bill" };
        m.insert("overage".into(), json!(o));
    }
    Value::Object(m)
}
