#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Every shipped example checks cleanly and lowers to the IR its story describes.

use rust_decimal::Decimal;
use std::str::FromStr;
use tariffc::ir::{FeatureKind, Overage, Rollover, Schedule};
use tariffc::load::load;
use tariffc::source::{Source, SourceFormat};

fn ir(path: &str) -> tariffc::ir::Document {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = load(Source::new(path, text), SourceFormat::Json);
    assert!(
        loaded.diagnostics.is_empty(),
        "{path}: {:#?}",
        loaded.diagnostics
    );
    loaded.document.unwrap()
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn every_example_checks_cleanly() {
    let mut count = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let doc = ir(path.to_str().unwrap());
            assert!(!doc.plans.is_empty(), "{}", path.display());
            count += 1;
        }
    }
    assert!(count >= 3);
}

#[test]
fn prepaid_credits() {
    let doc = ir("examples/prepaid-credits.json");
    let plan = doc.plan("plan:prepaid@1").unwrap();
    assert_eq!(plan.currency.code, "usd");
    assert_eq!(plan.currency.exponent, 2);
    let kinds: Vec<FeatureKind> = plan.features.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FeatureKind::Flat,
            FeatureKind::Balance,
            FeatureKind::Costing
        ]
    );
    let credits = plan.feature("feature:credits").unwrap();
    assert_eq!(credits.overage, Some(Overage::Deny));
    assert_eq!(credits.grants[0].schedule, Schedule::Signup);
    let report = plan.feature("feature:report").unwrap();
    assert_eq!(report.overage, None);
    assert_eq!(report.cost.as_ref().unwrap().amount, dec("3"));
    let ids: Vec<&str> = plan.addons.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        ["addon:credits20", "addon:credits50", "addon:credits100"]
    );
    assert_eq!(plan.recharge.len(), 1);
    assert!(!plan.recharge[0].enabled);
    assert_eq!(
        plan.addon("addon:credits20")
            .unwrap()
            .pack_size("feature:credits"),
        dec("20")
    );
}

#[test]
fn word_bucket() {
    let doc = ir("examples/word-bucket.json");
    let ids: Vec<&str> = doc.plans.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["plan:starter@1", "plan:boss@1"]);
    let starter = &doc.plans[0];
    let users = starter.feature("feature:users").unwrap();
    assert_eq!(users.kind, FeatureKind::Gauge);
    assert_eq!(users.cap(), Some(5));
    let api = starter.feature("feature:api").unwrap();
    assert_eq!(api.kind, FeatureKind::Balance);
    assert_eq!(api.overage, Some(Overage::Deny));
    assert_eq!(api.cap(), Some(100));
    let words = starter.feature("feature:words").unwrap();
    assert_eq!(words.grants[0].schedule, Schedule::Every(1));
    assert_eq!(words.grants[0].rollover, Rollover::None);
    assert_eq!(words.overage, Some(Overage::Deny));
}

#[test]
fn gym() {
    let doc = ir("examples/gym.json");
    let plan = &doc.plans[0];
    assert_eq!(plan.title, "Gym membership");
    let session = plan.feature("feature:session").unwrap();
    assert_eq!(session.kind, FeatureKind::Balance);
    assert_eq!(session.grants[0].amount, dec("0.5"));
    assert_eq!(session.grants[0].rollover, Rollover::All);
    assert_eq!(session.overage, Some(Overage::Bill));
    assert_eq!(session.tiers[0].price, dec("20000"));
    assert_eq!(session.tiers[0].upto, None);
}
