//! Properties of the text form over generated documents and arbitrary input.
//!
//! - printing a checked IR and reading it back (parse, check) gives the same IR;
//! - text → JSON (`convert --to json`) → check gives the same IR as the text;
//! - the printer's output is already in `fmt`'s layout, and `fmt` is idempotent and faithful even
//!   with comments sprinkled through the file;
//! - no input makes the parser or the formatter panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use tariffc::ir::*;
use tariffc::syntax::text;

/// A decimal `mantissa × 10^-scale`, normalized as the IR keeps it.
fn decimal(min: u64, max: u64, max_scale: u32) -> impl Strategy<Value = Decimal> {
    (min..=max, 0..=max_scale).prop_map(|(m, s)| Decimal::new(m as i64, s).normalize())
}

fn money() -> impl Strategy<Value = Decimal> {
    decimal(0, 1_000_000_000, 4)
}

fn positive() -> impl Strategy<Value = Decimal> {
    decimal(1, 10_000_000, 3)
}

fn title() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[a-zA-Z0-9 \"\\\\\n\t\u{1}é✓席#{}:,]{1,12}")
}

#[derive(Debug, Clone)]
struct RawTier {
    step: u64,
    price: Decimal,
    base: Decimal,
}

#[derive(Debug, Clone)]
struct RawGrant {
    amount: Decimal,
    every: Option<u32>,
    rollover: u8,
    max: Decimal,
    expires_after: Option<u32>,
}

#[derive(Debug, Clone)]
struct RawFeature {
    kind: u8,
    title: Option<String>,
    base: Decimal,
    volume: bool,
    aggregate: u8,
    tiers: Vec<RawTier>,
    unbounded: bool,
    divide: Option<(u64, bool)>,
    grants: Vec<RawGrant>,
    deny: bool,
    cost: (Decimal, usize),
}

#[derive(Debug, Clone)]
struct RawAddon {
    title: Option<String>,
    price: Decimal,
    grants: Vec<(usize, Decimal, Option<u32>)>,
}

#[derive(Debug, Clone)]
struct RawPlan {
    version: String,
    title: Option<String>,
    currency: usize,
    interval: usize,
    features: Vec<RawFeature>,
    addons: Vec<RawAddon>,
    recharge: Vec<(usize, Decimal, bool)>,
}

fn raw_tier() -> impl Strategy<Value = RawTier> {
    (
        1u64..1000,
        money(),
        prop_oneof![Just(Decimal::ZERO), money()],
    )
        .prop_map(|(step, price, base)| RawTier { step, price, base })
}

fn raw_grant() -> impl Strategy<Value = RawGrant> {
    (
        positive(),
        proptest::option::of(1u32..13),
        0u8..3,
        decimal(0, 100_000, 2),
        proptest::option::of(1u32..13),
    )
        .prop_map(|(amount, every, rollover, max, expires_after)| RawGrant {
            amount,
            every,
            rollover,
            max,
            expires_after,
        })
}

fn raw_feature() -> impl Strategy<Value = RawFeature> {
    (
        (0u8..4, title(), money(), any::<bool>(), 0u8..4),
        (
            proptest::collection::vec(raw_tier(), 0..4),
            any::<bool>(),
            proptest::option::of((1u64..5000, any::<bool>())),
        ),
        (
            proptest::collection::vec(raw_grant(), 0..3),
            any::<bool>(),
            (positive(), 0usize..8),
        ),
    )
        .prop_map(
            |(
                (kind, title, base, volume, aggregate),
                (tiers, unbounded, divide),
                (grants, deny, cost),
            )| RawFeature {
                kind,
                title,
                base,
                volume,
                aggregate,
                tiers,
                unbounded,
                divide,
                grants,
                deny,
                cost,
            },
        )
}

fn raw_plan() -> impl Strategy<Value = RawPlan> {
    (
        ("[a-z0-9]{1,4}", title(), 0usize..6, 0usize..4),
        proptest::collection::vec(raw_feature(), 1..6),
        proptest::collection::vec(
            (
                title(),
                money(),
                proptest::collection::vec(
                    (0usize..8, positive(), proptest::option::of(1u32..4)),
                    1..3,
                ),
            )
                .prop_map(|(title, price, grants)| RawAddon {
                    title,
                    price,
                    grants,
                }),
            0..3,
        ),
        proptest::collection::vec((0usize..8, positive(), any::<bool>()), 0..3),
    )
        .prop_map(
            |((version, title, currency, interval), features, addons, recharge)| RawPlan {
                version,
                title,
                currency,
                interval,
                features,
                addons,
                recharge,
            },
        )
}

const CURRENCIES: &[(&str, u32)] = &[
    ("usd", 2),
    ("jpy", 0),
    ("bhd", 3),
    ("eur", 2),
    ("isk", 2),
    ("krw", 0),
];
const INTERVALS: &[Interval] = &[
    Interval::Daily,
    Interval::Weekly,
    Interval::Monthly,
    Interval::Yearly,
];

fn tiers(raw: &[RawTier], unbounded: bool) -> Vec<Tier> {
    let mut upto = 0;
    let n = raw.len();
    raw.iter()
        .enumerate()
        .map(|(i, t)| {
            upto += t.step;
            Tier {
                upto: if i + 1 == n && unbounded {
                    None
                } else {
                    Some(upto)
                },
                price: t.price,
                base: t.base,
            }
        })
        .collect()
}

fn grant(g: &RawGrant) -> Grant {
    match g.every {
        Some(n) => Grant {
            amount: g.amount,
            schedule: Schedule::Every(n),
            rollover: match g.rollover {
                0 => Rollover::None,
                1 => Rollover::All,
                _ => Rollover::Max(g.max),
            },
            expires_after: g.expires_after,
        },
        None => Grant {
            amount: g.amount,
            schedule: Schedule::Signup,
            rollover: Rollover::None,
            expires_after: g.expires_after,
        },
    }
}

/// Build a plan that satisfies every rule of the JSON contract from raw choices.
fn plan(index: usize, raw: &RawPlan) -> Plan {
    let id = format!("plan:p{index}@{}", raw.version);
    let (code, exponent) = CURRENCIES[raw.currency];
    let mut features: Vec<Feature> = Vec::new();
    // Balance and gauge and flat features first; costing ones need a balance target.
    for (i, f) in raw.features.iter().enumerate() {
        let fid = format!("feature:f{i}");
        let title = f.title.clone().unwrap_or_else(|| fid.clone());
        let mut feature = Feature {
            id: fid,
            title,
            kind: FeatureKind::Flat,
            base: Decimal::ZERO,
            mode: Mode::Graduated,
            aggregate: Aggregate::Sum,
            tiers: Vec::new(),
            divide: None,
            grants: Vec::new(),
            overage: None,
            cost: None,
        };
        match f.kind {
            0 => {
                feature.base = f.base;
                feature.aggregate = [
                    Aggregate::Sum,
                    Aggregate::Max,
                    Aggregate::Last,
                    Aggregate::Perpetual,
                ][usize::from(f.aggregate)];
            }
            1 | 3 => {
                feature.kind = FeatureKind::Balance;
                feature.tiers = tiers(&f.tiers, f.unbounded);
                feature.grants = f.grants.iter().map(grant).collect();
                if feature.tiers.is_empty() && feature.grants.is_empty() {
                    feature.grants.push(grant(&RawGrant {
                        amount: Decimal::ONE,
                        every: Some(1),
                        rollover: 0,
                        max: Decimal::ZERO,
                        expires_after: None,
                    }));
                }
                if feature.tiers.is_empty() {
                    feature.base = f.base;
                    feature.overage = Some(Overage::Deny);
                } else {
                    feature.overage = Some(if f.deny { Overage::Deny } else { Overage::Bill });
                    if f.volume {
                        feature.mode = Mode::Volume;
                    }
                }
            }
            _ => {
                let mut raw_tiers = f.tiers.clone();
                if raw_tiers.is_empty() {
                    raw_tiers.push(RawTier {
                        step: 10,
                        price: Decimal::ONE,
                        base: Decimal::ZERO,
                    });
                }
                feature.kind = FeatureKind::Gauge;
                feature.aggregate = [Aggregate::Max, Aggregate::Last, Aggregate::Perpetual]
                    [usize::from(f.aggregate % 3)];
                feature.tiers = tiers(&raw_tiers, f.unbounded);
                feature.overage = Some(if f.deny { Overage::Deny } else { Overage::Bill });
                if f.volume {
                    feature.mode = Mode::Volume;
                }
            }
        }
        if let (Some((by, up)), [tier]) = (f.divide, feature.tiers.as_mut_slice()) {
            tier.base = Decimal::ZERO;
            feature.divide = Some(Divide {
                by,
                rounding: if up { Rounding::Up } else { Rounding::Down },
            });
        }
        features.push(feature);
    }
    let balances: Vec<String> = features
        .iter()
        .filter(|f| f.kind == FeatureKind::Balance)
        .map(|f| f.id.clone())
        .collect();
    // Costing features: `kind 3` features become costing when there is another balance feature.
    for (i, f) in raw.features.iter().enumerate() {
        if f.kind != 3 {
            continue;
        }
        let others: Vec<&String> = balances.iter().filter(|b| **b != features[i].id).collect();
        let Some(target) = others.get(f.cost.1 % others.len().max(1)) else {
            continue;
        };
        let target = (*target).clone();
        // A costing feature must not itself be a target; only keep it if nothing costs in it.
        let feature = &mut features[i];
        *feature = Feature {
            id: feature.id.clone(),
            title: feature.title.clone(),
            kind: FeatureKind::Costing,
            base: Decimal::ZERO,
            mode: Mode::Graduated,
            aggregate: Aggregate::Sum,
            tiers: Vec::new(),
            divide: None,
            grants: Vec::new(),
            overage: None,
            cost: Some(Cost {
                feature: target,
                amount: f.cost.0,
            }),
        };
    }
    // A costing target must stay a balance feature: undo costing features that others target.
    let targets: Vec<String> = features
        .iter()
        .filter_map(|f| f.cost.as_ref().map(|c| c.feature.clone()))
        .collect();
    let bad: Vec<String> = features
        .iter()
        .filter(|f| f.kind == FeatureKind::Costing && targets.contains(&f.id))
        .map(|f| f.id.clone())
        .collect();
    for f in &mut features {
        if f.cost.as_ref().is_some_and(|c| bad.contains(&c.feature)) {
            f.kind = FeatureKind::Flat;
            f.cost = None;
        }
    }
    let balances: Vec<String> = features
        .iter()
        .filter(|f| f.kind == FeatureKind::Balance)
        .map(|f| f.id.clone())
        .collect();
    let mut addons = Vec::new();
    if !balances.is_empty() {
        for (i, a) in raw.addons.iter().enumerate() {
            let aid = format!("addon:a{i}");
            addons.push(Addon {
                title: a.title.clone().unwrap_or_else(|| aid.clone()),
                id: aid,
                price: a.price,
                grants: a
                    .grants
                    .iter()
                    .map(|(t, amount, expires_after)| AddonGrant {
                        feature: balances[t % balances.len()].clone(),
                        amount: *amount,
                        expires_after: *expires_after,
                    })
                    .collect(),
            });
        }
    }
    let mut recharge: Vec<Recharge> = Vec::new();
    for (a, below, enabled) in &raw.recharge {
        let Some(addon) = addons.get(a % addons.len().max(1)) else {
            continue;
        };
        let feature = addon.grants[0].feature.clone();
        if recharge.iter().any(|r| r.feature == feature) {
            continue;
        }
        recharge.push(Recharge {
            feature,
            below: *below,
            buy: addon.id.clone(),
            enabled: *enabled,
        });
    }
    Plan {
        title: raw.title.clone().unwrap_or_else(|| id.clone()),
        id,
        currency: Currency {
            code: code.to_string(),
            exponent,
        },
        interval: INTERVALS[raw.interval],
        features,
        addons,
        recharge,
    }
}

fn document() -> impl Strategy<Value = Document> {
    proptest::collection::vec(raw_plan(), 0..3).prop_map(|plans| Document {
        plans: plans.iter().enumerate().map(|(i, p)| plan(i, p)).collect(),
    })
}

fn text_to_ir(text: &str) -> Document {
    let tree = text::parse(text).unwrap_or_else(|d| panic!("{d:#?}\n{text}"));
    let checked = tariffc::check::check(&tree);
    match checked.document {
        Some(doc) => doc,
        None => panic!("{:#?}\n{text}", checked.diagnostics),
    }
}

/// Put a comment at the end of every `step`-th line and on its own line before every other.
fn sprinkle_comments(text: &str, step: usize) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i % (step + 1) == 1 {
            out.push_str("# own line\n");
        }
        out.push_str(line);
        if i % step == 0 {
            out.push_str("  # trailing {\"");
        }
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn printed_ir_reads_back_as_the_same_ir(doc in document()) {
        let printed = text::print::print(&doc);
        prop_assert_eq!(text_to_ir(&printed), doc);
    }

    #[test]
    fn text_to_json_keeps_the_ir(doc in document()) {
        let printed = text::print::print(&doc);
        let tree = text::parse(&printed).unwrap();
        let json = tariffc::cmd::convert::to_json(&tree);
        let from_json = tariffc::syntax::json::parse(&json).unwrap();
        let checked = tariffc::check::check(&from_json);
        prop_assert_eq!(checked.document.as_ref(), Some(&doc), "{}", json);
        // And back to text again: json → text → json gives the same document.
        let again = text::print::print(checked.document.as_ref().unwrap());
        prop_assert_eq!(again, printed);
    }

    #[test]
    fn printed_text_is_in_canonical_layout(doc in document()) {
        let printed = text::print::print(&doc);
        prop_assert_eq!(text::format::format(&printed).unwrap(), printed);
    }

    #[test]
    fn fmt_keeps_comments_and_meaning_and_is_idempotent(doc in document(), step in 1usize..6) {
        let commented = sprinkle_comments(&text::print::print(&doc), step);
        let once = text::format::format(&commented).unwrap();
        prop_assert_eq!(text::format::format(&once).unwrap(), once.clone());
        prop_assert_eq!(once.matches('#').count(), commented.matches('#').count());
        prop_assert_eq!(text_to_ir(&once), doc);
    }

    #[test]
    fn arbitrary_input_never_panics(input in "\\PC{0,200}") {
        let _ = text::parse(&input);
        let _ = text::format::format(&input);
    }

    #[test]
    fn token_soup_never_panics(words in proptest::collection::vec(prop_oneof![
        Just("plan"), Just("feature"), Just("addon"), Just("recharge"), Just("{"), Just("}"),
        Just("p@1"), Just("x"), Just("\"t\\u00e9\""), Just("\"\\ud800\""), Just("1.5"), Just("-2"),
        Just("tiers"), Just("up to"), Just("above"), Just(":"), Just(","), Just("+"), Just("free"),
        Just("per unit"), Just("flat"), Just("grant"), Just("every"), Just("months"), Just("on signup"),
        Just("rollover"), Just("expires after"), Just("price"), Just("base"), Just("# c\n"),
        Just("\n"), Just("currency"), Just("jpy"), Just("weekly"), Just("divide by"), Just("round up"),
        Just("cost"), Just("below"), Just("buy"), Just("disabled"), Just("99999999999999999999999999999.9"),
    ], 0..60)) {
        let input = words.join(" ");
        if let Ok(tree) = text::parse(&input) {
            let _ = tariffc::check::check(&tree);
            let once = text::format::format(&input).unwrap();
            prop_assert_eq!(text::format::format(&once).unwrap(), once);
        }
    }
}
