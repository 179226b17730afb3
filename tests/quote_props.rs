#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `quote` against the naive reference evaluator (`tests/reference`).
//!
//! The contract (`cli.md`, `quote`; `trace-and-reports.md`, "Precise points"): a quote prices
//! period 0 of one plan; each quantity is one usage event at the start of period 0 (a `set` for
//! `perpetual`), non-costing features first, then costing ones, each group in command-line
//! order; signup and period-0 blocks apply; recharge is off and nothing is ever bought; a
//! feature not named has QTY 0. So a quote must equal the reference's `simulate` of the trace
//!
//! ```text
//! subscribe PLAN at t0
//! recharge {feature, enabled: false}      (every rule of the plan, at t0)
//! usage F n=Q [set]                       (at t0, in the order above)
//! --until = the end of period 0
//! ```
//!
//! restricted to that period's invoice (`plan`, `currency`, `lines`, `total`; the quote has no
//! `period` and no `status`). When the reference rejects one of those events, the quote must
//! fail with `quote-over-limit` naming the first rejected feature.
//!
//! Reading chosen here: "recharge is off" and "never recharges" mean that no rule buys at all,
//! also not at the period-0 check that follows the subscribe (which a `recharge … enabled:
//! false` line *after* the subscribe would come too late to prevent). The reference therefore
//! runs on a copy of the document with every rule's `enabled` false, while the quoted pricing
//! file keeps its rules as generated.

#[allow(dead_code)]
mod reference;

use assert_cmd::Command;
use proptest::prelude::*;
use reference::gen::{self, Dice};
use reference::{compare, dec};
use rust_decimal::Decimal;
use serde_json::Value;
use std::path::Path;
use tariffc::eval::quote::QuoteError;
use tariffc::ir::{Aggregate, Document, FeatureKind};

const T0: &str = "2026-01-01T00:00:00Z";
const CUSTOMER: &str = "org:quote";

fn d(s: &str) -> Decimal {
    s.parse::<Decimal>().unwrap().normalize()
}

/// A document, the plan to quote and the quantities in command-line order.
#[derive(Debug, Clone)]
struct QuoteCase {
    doc: Document,
    plan: String,
    quantities: Vec<(String, Decimal)>,
}

impl QuoteCase {
    fn plan(&self) -> &tariffc::ir::Plan {
        self.doc.plan(&self.plan).unwrap()
    }

    fn feature(&self, id: &str) -> &tariffc::ir::Feature {
        self.plan().feature(id).unwrap()
    }

    fn args(&self) -> Vec<String> {
        self.quantities
            .iter()
            .map(|(f, q)| format!("{f}={}", dec(*q)))
            .collect()
    }
}

/// A generated plan and a random subset of its non-flat features, in random order, with
/// quantities that include 0, fractions and (for `perpetual`) negative totals.
fn quote_case(bytes: Vec<u8>) -> QuoteCase {
    let mut dice = Dice::new(bytes);
    let doc = gen::document(&mut dice, 1);
    let plan = doc.plans[dice.pick(doc.plans.len())].clone();
    let mut pool: Vec<&tariffc::ir::Feature> = plan
        .features
        .iter()
        .filter(|f| f.kind != FeatureKind::Flat && !dice.chance(4))
        .collect();
    let mut quantities = Vec::new();
    while !pool.is_empty() {
        let f = pool.remove(dice.pick(pool.len()));
        let mut options: Vec<Decimal> = [
            "1", "0", "2", "0.5", "3", "10", "25", "5", "0.05", "12.5", "100", "7",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        if f.aggregate == Aggregate::Perpetual && dice.chance(2) {
            options = ["-1", "-3", "-0.5", "-12.25"]
                .iter()
                .map(|s| d(s))
                .collect();
        }
        quantities.push((f.id.clone(), dice.one_of(&options)));
    }
    QuoteCase {
        doc,
        plan: plan.id,
        quantities,
    }
}

/// The equivalent trace (see the module comment), one line per entry, and its `--until`.
fn equivalent_trace(case: &QuoteCase) -> (Vec<String>, String) {
    let plan = case.plan();
    let head = format!(r#"{{"at":"{T0}","customer":"{CUSTOMER}","#);
    let mut lines = vec![format!(r#"{head}"subscribe":"{}"}}"#, plan.id)];
    for r in &plan.recharge {
        lines.push(format!(
            r#"{head}"recharge":{{"feature":"{}","enabled":false}}}}"#,
            r.feature
        ));
    }
    let costing = |id: &str| case.feature(id).kind == FeatureKind::Costing;
    let ordered = case
        .quantities
        .iter()
        .filter(|(f, _)| !costing(f))
        .chain(case.quantities.iter().filter(|(f, _)| costing(f)));
    for (f, q) in ordered {
        let set = if case.feature(f).aggregate == Aggregate::Perpetual {
            r#","set":true"#
        } else {
            ""
        };
        lines.push(format!(r#"{head}"feature":"{f}","n":{}{set}}}"#, dec(*q)));
    }
    let until = reference::period_start(reference::parse_time(T0), plan.interval, 1);
    (lines, reference::ts(until))
}

/// What the reference says the quote must be.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// The invoice of period 0, without `period` and `status`.
    Invoice(Value),
    /// The first rejected feature and its `limit` just before the rejected event.
    OverLimit {
        feature: String,
        limit: Option<String>,
    },
}

fn reference_quote(case: &QuoteCase) -> Expected {
    let mut doc = case.doc.clone();
    for p in &mut doc.plans {
        for r in &mut p.recharge {
            r.enabled = false;
        }
    }
    let (lines, until) = equivalent_trace(case);
    let run = |lines: &[String]| {
        let trace: String = lines.iter().map(|l| format!("{l}\n")).collect();
        reference::simulate(&doc, &trace, Some(&until))
    };
    let report = run(&lines);
    let customer = &report["customers"][0];
    if let Some(first) = customer["rejected"].as_array().unwrap().first() {
        let feature = first["feature"].as_str().unwrap().to_string();
        let line = usize::try_from(first["line"].as_u64().unwrap()).unwrap();
        let before = run(&lines[..line - 1]);
        let limit = before["customers"][0]["limits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["feature"] == feature.as_str())
            .and_then(|row| row["limit"].as_str().map(str::to_string));
        return Expected::OverLimit { feature, limit };
    }
    let invoices = customer["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "one period: {report}");
    let mut invoice = invoices[0].clone();
    let m = invoice.as_object_mut().unwrap();
    m.remove("period");
    m.remove("status");
    Expected::Invoice(invoice)
}

/// What `tariffc quote FILE --plan P F=Q... --format json` did.
#[derive(Debug)]
struct Got {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn tariffc() -> Command {
    Command::cargo_bin("tariffc").unwrap()
}

fn run_quote(pricing: &Path, plan: &str, args: &[String]) -> Got {
    let out = tariffc()
        .arg("quote")
        .arg(pricing)
        .args(["--plan", plan, "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    Got {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The disagreement between the CLI (and, for the failing case, the library) and the
/// reference, if any.
fn disagreement(case: &QuoteCase) -> Option<String> {
    let expected = reference_quote(case);
    let dir = tempfile::tempdir().unwrap();
    let pricing = dir.path().join("pricing.json");
    std::fs::write(&pricing, reference::pricing::write(&case.doc)).unwrap();
    let got = run_quote(&pricing, &case.plan, &case.args());
    match &expected {
        Expected::Invoice(invoice) => {
            if got.code != Some(0) {
                return Some(format!("expected exit 0, got {:?}", got.code));
            }
            let quoted: Value = serde_json::from_str(&got.stdout).ok()?;
            compare::first_difference(invoice, &quoted)
        }
        Expected::OverLimit { feature, limit } => {
            if got.code != Some(1) {
                return Some(format!(
                    "expected exit 1 (quote-over-limit on {feature}), got {:?}",
                    got.code
                ));
            }
            let line = got
                .stderr
                .lines()
                .find(|l| l.contains("quote-over-limit"))
                .unwrap_or_default();
            if !line.contains(feature.as_str()) {
                return Some(format!("no quote-over-limit naming {feature}"));
            }
            if let Some(limit) = limit {
                if !line.contains(limit.as_str()) {
                    return Some(format!("quote-over-limit does not name the limit {limit}"));
                }
            }
            match tariffc::eval::quote::quote(&case.doc, &case.plan, &case.quantities) {
                Err(QuoteError::OverLimit { feature: f, .. }) if f == *feature => None,
                Err(e) => Some(format!(
                    "library: expected OverLimit on {feature}, got {e:?}"
                )),
                Ok(_) => Some(format!(
                    "library: expected OverLimit on {feature}, got a quote"
                )),
            }
        }
    }
}

/// Drops quantities one at a time while the disagreement stays.
fn minimize(case: &QuoteCase) -> QuoteCase {
    let mut best = case.clone();
    let mut i = 0;
    while i < best.quantities.len() {
        let mut smaller = best.clone();
        smaller.quantities.remove(i);
        if disagreement(&smaller).is_some() {
            best = smaller;
        } else {
            i += 1;
        }
    }
    best
}

fn repro(case: &QuoteCase) -> String {
    let (lines, until) = equivalent_trace(case);
    let dir = tempfile::tempdir().unwrap();
    let pricing = dir.path().join("pricing.json");
    std::fs::write(&pricing, reference::pricing::write(&case.doc)).unwrap();
    let got = run_quote(&pricing, &case.plan, &case.args());
    format!(
        "{}\n--- pricing.json\n{}\n--- tariffc quote pricing.json --plan {} {} --format json\n\
         --- equivalent trace (--until {until})\n{}\n--- reference\n{:#?}\n--- exit {:?}\n{}{}",
        disagreement(case).unwrap_or_default(),
        reference::pricing::write(&case.doc),
        case.plan,
        case.args().join(" "),
        lines.join("\n"),
        reference_quote(case),
        got.code,
        got.stdout,
        got.stderr,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A quote is the reference's period-0 invoice of the equivalent trace, or `quote-over-limit`
    /// on the feature the reference rejects first.
    #[test]
    fn quote_agrees_with_the_reference(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let case = quote_case(bytes);
        if disagreement(&case).is_some() {
            let small = minimize(&case);
            return Err(TestCaseError::fail(repro(&small)));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Table cases

/// Stripe's tiers from `pricing-json.md`, as a volume and a graduated feature of two plans, and
/// a plan pricing a twentieth of a cent.
const STRIPE: &str = r#"{
  "plans": {
    "plan:volume@1": {
      "features": {
        "feature:units": {
          "mode": "volume",
          "tiers": [
            { "upto": 5, "price": 500 }, { "upto": 10, "price": 400 },
            { "upto": 15, "price": 300 }, { "upto": 20, "price": 200 }, { "price": 100 }
          ]
        }
      }
    },
    "plan:graduated@1": {
      "features": {
        "feature:units": {
          "tiers": [
            { "upto": 5, "price": 500 }, { "upto": 10, "price": 400 },
            { "upto": 15, "price": 300 }, { "upto": 20, "price": 200 }, { "price": 100 }
          ]
        }
      }
    },
    "plan:nickel@1": {
      "features": { "feature:units": { "tiers": [ { "price": 0.05 } ] } }
    }
  }
}"#;

/// Prepaid credits: a flat platform fee, 20 signup credits (deny: no tiers), a report costing
/// 3 credits, a perpetual seat gauge, and an enabled recharge rule that must never fire.
const PREPAID: &str = r#"{
  "plans": {
    "plan:prepaid@1": {
      "features": {
        "feature:platform": { "base": 1000 },
        "feature:credits": { "grants": [ { "amount": 20, "on": "signup" } ] },
        "feature:report": { "cost": { "feature:credits": 3 } },
        "feature:seats": { "aggregate": "perpetual", "tiers": [ { "upto": 10, "price": 100 } ],
                           "overage": "deny" }
      },
      "addons": {
        "addon:credits20": { "title": "20 credits", "price": 6000,
                             "grants": [ { "feature": "feature:credits", "amount": 20 } ] }
      },
      "recharge": [ { "feature": "feature:credits", "below": 30, "buy": "addon:credits20" } ]
    }
  }
}"#;

fn file(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("pricing.json");
    std::fs::write(&path, text).unwrap();
    path
}

fn quote_json(pricing: &Path, plan: &str, args: &[&str]) -> Value {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let got = run_quote(pricing, plan, &args);
    assert_eq!(got.code, Some(0), "{args:?}: {}", got.stderr);
    serde_json::from_str(&got.stdout).unwrap()
}

#[test]
fn quote_prices_stripes_examples() {
    let dir = tempfile::tempdir().unwrap();
    let pricing = file(&dir, STRIPE);
    for (plan, q, total) in [
        ("plan:volume@1", "5", 2500),
        ("plan:volume@1", "6", 2400),
        ("plan:volume@1", "25", 2500),
        ("plan:graduated@1", "6", 2900),
        ("plan:nickel@1", "30", 2),
    ] {
        let arg = format!("feature:units={q}");
        let v = quote_json(&pricing, plan, &[&arg]);
        assert_eq!(v["total"], total, "{plan} q={q}: {v:#}");
        assert_eq!(v["plan"], plan);
        assert_eq!(v["currency"], "usd");
        let lines = v["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 1, "{v:#}");
        assert_eq!(lines[0]["kind"], "usage");
        assert_eq!(lines[0]["used"], q);
        assert_eq!(lines[0]["amount"], total);
        assert!(
            v.get("period").is_none() && v.get("status").is_none(),
            "{v:#}"
        );
    }
    // Graduated q = 6: five units at 500 and one at 400, two bands.
    let v = quote_json(&pricing, "plan:graduated@1", &["feature:units=6"]);
    let bands = v["lines"][0]["bands"].as_array().unwrap();
    assert_eq!(bands.len(), 2, "{v:#}");
    assert_eq!(bands[0]["quantity"], "5");
    assert_eq!(bands[1]["quantity"], "1");
    assert_eq!(bands[1]["from"], "5");
    // 0.05 × 30 = 1.5 exactly in the band, rounded once to 2 on the line.
    let v = quote_json(&pricing, "plan:nickel@1", &["feature:units=30"]);
    assert_eq!(v["lines"][0]["bands"][0]["amount"], "1.5", "{v:#}");
}

#[test]
fn quote_of_nothing_is_the_base_fees_and_signup_blocks_apply() {
    let dir = tempfile::tempdir().unwrap();
    let pricing = file(&dir, PREPAID);
    // No quantities: every metered feature at 0, the base fee, no add-on although the enabled
    // rule would buy at subscribe (20 credits < 30).
    let v = quote_json(&pricing, "plan:prepaid@1", &[]);
    assert_eq!(v["total"], 1000, "{v:#}");
    assert!(
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["kind"] != "addon"),
        "{v:#}"
    );
    // 14 credits and 2 reports (6 credits) use all 20 signup credits: nothing to pay beyond the
    // base, and still no recharge although the balance ends at 0.
    let v = quote_json(
        &pricing,
        "plan:prepaid@1",
        &["feature:report=2", "feature:credits=14", "feature:seats=-2"],
    );
    assert_eq!(v["total"], 1000, "{v:#}");
    assert!(
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["kind"] != "addon"),
        "{v:#}"
    );
}

#[test]
fn quote_over_a_deny_limit_exits_1_naming_the_feature_and_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let pricing = file(&dir, PREPAID);
    for (args, feature, limit) in [
        (vec!["feature:credits=21"], "feature:credits", "20"),
        // The report draws after the credits' own 14: 6 left, 2 reports at most.
        (
            vec!["feature:report=3", "feature:credits=14"],
            "feature:report",
            "2",
        ),
        (vec!["feature:seats=11"], "feature:seats", "10"),
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let got = run_quote(&pricing, "plan:prepaid@1", &args);
        assert_eq!(got.code, Some(1), "{args:?}: {}", got.stderr);
        assert!(got.stdout.is_empty(), "{args:?}: {}", got.stdout);
        let line = got
            .stderr
            .lines()
            .find(|l| l.contains("quote-over-limit"))
            .unwrap_or_else(|| panic!("{args:?}: {}", got.stderr));
        assert!(
            line.contains(feature) && line.contains(limit),
            "{args:?}: {line}"
        );
    }
}

#[test]
fn quote_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let pricing = file(&dir, PREPAID);
    for args in [
        vec!["feature:credits=1", "feature:credits=2"],
        vec!["feature:report=1", "feature:credits=1", "feature:report=1"],
        vec!["feature:platform=1"],
        vec!["feature:platform=0"],
        vec!["feature:credits=-1"],
        vec!["feature:report=-0.5"],
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let got = run_quote(&pricing, "plan:prepaid@1", &args);
        assert_eq!(got.code, Some(2), "{args:?}: {}", got.stderr);
        assert!(got.stdout.is_empty(), "{args:?}: {}", got.stdout);
    }
    // A negative perpetual total is allowed (and priced as 0).
    let v = quote_json(&pricing, "plan:prepaid@1", &["feature:seats=-3"]);
    let seats = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["feature"] == "feature:seats")
        .unwrap();
    assert_eq!(seats["used"], "-3", "{v:#}");
    assert_eq!(seats["amount"], 0, "{v:#}");
}
