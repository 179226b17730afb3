//! The shipped examples (`examples/*.json`) as IR values, built by hand, so that the docs and
//! diff can be unit-tested without the checker. `tests/docs_*.rs` checks the real files through
//! the CLI.

use crate::ir::*;
use rust_decimal::Decimal;
use std::str::FromStr;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default().normalize()
}

pub fn usd() -> Currency {
    Currency {
        code: "usd".into(),
        exponent: 2,
    }
}

pub fn plan(id: &str, title: &str, features: Vec<Feature>) -> Plan {
    Plan {
        id: id.into(),
        title: title.into(),
        currency: usd(),
        interval: Interval::Monthly,
        features,
        addons: vec![],
        recharge: vec![],
    }
}

pub fn feature(id: &str, title: &str, kind: FeatureKind) -> Feature {
    Feature {
        id: id.into(),
        title: title.into(),
        kind,
        base: Decimal::ZERO,
        mode: Mode::Graduated,
        aggregate: Aggregate::Sum,
        tiers: vec![],
        divide: None,
        grants: vec![],
        overage: None,
        cost: None,
    }
}

pub fn flat(id: &str, title: &str, base: &str) -> Feature {
    Feature {
        base: d(base),
        ..feature(id, title, FeatureKind::Flat)
    }
}

pub fn tier(upto: Option<u64>, price: &str, base: &str) -> Tier {
    Tier {
        upto,
        price: d(price),
        base: d(base),
    }
}

pub fn every(amount: &str, n: u32, rollover: Rollover) -> Grant {
    Grant {
        amount: d(amount),
        schedule: Schedule::Every(n),
        rollover,
        expires_after: None,
    }
}

pub fn addon(id: &str, title: &str, price: &str, feature: &str, amount: &str) -> Addon {
    Addon {
        id: id.into(),
        title: title.into(),
        price: d(price),
        grants: vec![AddonGrant {
            feature: feature.into(),
            amount: d(amount),
            expires_after: None,
        }],
    }
}

pub fn gym() -> Document {
    let session = Feature {
        grants: vec![every("0.5", 1, Rollover::All)],
        tiers: vec![tier(None, "20000", "0")],
        overage: Some(Overage::Bill),
        ..feature(
            "feature:session",
            "Personal training session",
            FeatureKind::Balance,
        )
    };
    Document {
        plans: vec![plan(
            "plan:gym@1",
            "Gym membership",
            vec![flat("feature:membership", "Membership", "10000"), session],
        )],
    }
}

pub fn prepaid() -> Document {
    let credits = Feature {
        grants: vec![Grant {
            amount: d("20"),
            schedule: Schedule::Signup,
            rollover: Rollover::None,
            expires_after: None,
        }],
        overage: Some(Overage::Deny),
        ..feature("feature:credits", "Credits", FeatureKind::Balance)
    };
    let report = Feature {
        cost: Some(Cost {
            feature: "feature:credits".into(),
            amount: d("3"),
        }),
        ..feature("feature:report", "Report", FeatureKind::Costing)
    };
    let mut p = plan(
        "plan:prepaid@1",
        "Prepaid credits",
        vec![
            flat("feature:platform", "Platform", "1000"),
            credits,
            report,
        ],
    );
    p.addons = vec![
        addon(
            "addon:credits20",
            "20 credits",
            "6000",
            "feature:credits",
            "20",
        ),
        addon(
            "addon:credits50",
            "50 credits",
            "15000",
            "feature:credits",
            "50",
        ),
        addon(
            "addon:credits100",
            "100 credits",
            "30000",
            "feature:credits",
            "100",
        ),
    ];
    p.recharge = vec![Recharge {
        feature: "feature:credits".into(),
        below: d("5"),
        buy: "addon:credits20".into(),
        enabled: false,
    }];
    Document { plans: vec![p] }
}

fn word_plan(id: &str, title: &str, fee: &str, words: &str, api: u64, api_addon: bool) -> Plan {
    let words_f = Feature {
        grants: vec![every(words, 1, Rollover::None)],
        overage: Some(Overage::Deny),
        ..feature("feature:words", "Words", FeatureKind::Balance)
    };
    let users = Feature {
        aggregate: Aggregate::Max,
        tiers: vec![tier(Some(5), "0", "0")],
        overage: Some(Overage::Deny),
        ..feature("feature:users", "Users", FeatureKind::Gauge)
    };
    let api_f = Feature {
        tiers: vec![tier(Some(api), "0", "0")],
        overage: Some(Overage::Deny),
        ..feature("feature:api", "API calls", FeatureKind::Balance)
    };
    let mut p = plan(
        id,
        title,
        vec![
            flat("feature:platform", "Platform fee", fee),
            words_f,
            users,
            api_f,
        ],
    );
    let mut words10k = addon(
        "addon:words10k",
        "10,000 extra words",
        "1000",
        "feature:words",
        "10000",
    );
    if let Some(g) = words10k.grants.first_mut() {
        g.expires_after = Some(1);
    }
    p.addons.push(words10k);
    if api_addon {
        p.addons.push(addon(
            "addon:api10",
            "10 extra API calls",
            "500",
            "feature:api",
            "10",
        ));
    }
    p
}

pub fn word_bucket() -> Document {
    Document {
        plans: vec![
            word_plan("plan:starter@1", "Starter", "2900", "20000", 100, true),
            word_plan("plan:boss@1", "Boss Mode", "5900", "50000", 1000, false),
        ],
    }
}

/// Graduated tiers with a divide, a volume feature and sub-cent prices: what the examples lack.
pub fn api_tiers() -> Document {
    let requests = Feature {
        tiers: vec![tier(None, "10", "0")],
        divide: Some(Divide {
            by: 1000,
            rounding: Rounding::Up,
        }),
        overage: Some(Overage::Bill),
        ..feature("feature:requests", "Requests", FeatureKind::Balance)
    };
    let tokens = Feature {
        tiers: vec![
            tier(Some(10000), "0.1", "0"),
            tier(Some(50000), "0.08", "0"),
            tier(None, "0.05", "500"),
        ],
        grants: vec![every("1000", 1, Rollover::Max(d("5000")))],
        overage: Some(Overage::Bill),
        ..feature("feature:tokens", "Tokens", FeatureKind::Balance)
    };
    let seats = Feature {
        mode: Mode::Volume,
        aggregate: Aggregate::Last,
        tiers: vec![tier(Some(5), "1000", "0"), tier(None, "800", "0")],
        overage: Some(Overage::Bill),
        ..feature("feature:seats", "Seats", FeatureKind::Gauge)
    };
    Document {
        plans: vec![plan(
            "plan:api@1",
            "API <b>&</b> \"Pro\"",
            vec![requests, tokens, seats],
        )],
    }
}
