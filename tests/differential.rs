#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The naive reference evaluator (`tests/reference`) against hand-computed golden reports
//! (`tests/golden-ref/<case>/`), and invariants of its reports on generated plans and traces.
//! The comparison with the real evaluator lives in `differential_eval.rs`.

mod reference;

use proptest::prelude::*;
use reference::gen::{self, Case};
use rust_decimal::Decimal;
use serde_json::Value;
use tariffc::ir::{Document, Mode, Overage, Tier};

#[test]
fn reference_reproduces_every_golden_report() {
    let cases = reference::golden::cases();
    let mut failures = Vec::new();
    for case in &cases {
        let got = reference::simulate(&case.doc, &case.trace, case.until.as_deref());
        if let Some(diff) = reference::compare::first_difference(&case.expected, &got) {
            failures.push(format!(
                "{}: {diff}\n{}",
                case.name,
                serde_json::to_string_pretty(&got).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(cases.len() >= 24, "golden cases missing");
}

#[test]
fn golden_pricing_files_round_trip_through_the_writer() {
    for case in reference::golden::cases() {
        let again = reference::pricing::read(&reference::pricing::write(&case.doc));
        assert_eq!(again, case.doc, "{}:\n{}", case.name, case.pricing);
    }
}

#[test]
fn comparison_finds_the_first_difference_and_ignores_prose() {
    let a = serde_json::json!({"x": [1, {"reason": "a", "n": "1"}], "y": 2});
    let b = serde_json::json!({"x": [1, {"reason": "b", "n": "2"}], "y": 2});
    let diff = reference::compare::first_difference(&a, &b).unwrap();
    assert!(diff.starts_with("/x/1/reason"), "{diff}");
    let (a, b) = (
        reference::compare::strip_prose(&a),
        reference::compare::strip_prose(&b),
    );
    let diff = reference::compare::first_difference(&a, &b).unwrap();
    assert_eq!(diff, r#"/x/1/n: expected "1", got "2""#);
    let c = serde_json::json!({"x": [1]});
    assert_eq!(reference::compare::first_difference(&c, &c), None);
}

#[test]
fn minimize_keeps_only_the_lines_a_failure_needs() {
    let golden = reference::golden::cases()
        .into_iter()
        .find(|c| c.name == "prepaid-spec-example")
        .unwrap();
    let extra =
        r#"{"at":"2026-01-05T00:00:00Z","customer":"org:other","subscribe":"plan:prepaid@1"}"#;
    let case = Case {
        doc: golden.doc,
        trace: format!("{extra}\n{}", golden.trace),
        until: golden.until,
    };
    let rejects = |c: &Case| {
        let report = reference::simulate(&c.doc, &c.trace, c.until.as_deref());
        report["summary"]["rejected"] == 1
    };
    let small = reference::compare::minimize(&case, rejects);
    // The subscribe and the seven reports it takes to run dry; the other customer and the
    // recharge switch after the refusal are gone.
    let expected: Vec<&str> = golden_lines(&case.trace)[1..9].to_vec();
    assert_eq!(golden_lines(&small.trace), expected);
}

fn golden_lines(trace: &str) -> Vec<&str> {
    trace.lines().filter(|l| !l.trim().is_empty()).collect()
}

// ---------------------------------------------------------------------------------------------
// Unit tables of the tier arithmetic (public worked examples)

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn tier(upto: Option<u64>, price: &str, base: &str) -> Tier {
    Tier {
        upto,
        price: d(price),
        base: d(base),
    }
}

fn stripe_tiers() -> Vec<Tier> {
    vec![
        tier(Some(5), "500", "0"),
        tier(Some(10), "400", "0"),
        tier(Some(15), "300", "0"),
        tier(Some(20), "200", "0"),
        tier(None, "100", "0"),
    ]
}

fn amount(tiers: &[Tier], mode: Mode, q: &str) -> i64 {
    reference::round_money(reference::price(tiers, mode, d(q)).1)
}

#[test]
fn stripe_tier_examples() {
    let t = stripe_tiers();
    assert_eq!(amount(&t, Mode::Volume, "5"), 2500);
    assert_eq!(amount(&t, Mode::Volume, "6"), 2400);
    assert_eq!(amount(&t, Mode::Volume, "25"), 2500);
    assert_eq!(amount(&t, Mode::Graduated, "6"), 2900);
    assert_eq!(amount(&[tier(None, "0.05", "0")], Mode::Graduated, "30"), 2);
    // Tier flat fees: graduated charges every reached tier's base (the first even at 0);
    // 6 units = 5 × 500 + 200 + 1 × 400 + 100 = 3200; volume charges the chosen tier's only.
    let flat = [tier(Some(5), "500", "200"), tier(None, "400", "100")];
    assert_eq!(amount(&flat, Mode::Graduated, "6"), 3200);
    assert_eq!(amount(&flat, Mode::Graduated, "0"), 200);
    assert_eq!(amount(&flat, Mode::Volume, "6"), 2500);
}

#[test]
fn divide_rounds_the_uncovered_quantity() {
    let mut f = reference::gen::blank("feature:api".into());
    f.divide = Some(tariffc::ir::Divide {
        by: 1000,
        rounding: tariffc::ir::Rounding::Up,
    });
    assert_eq!(reference::billable(&f, d("1001")), d("2"));
    assert_eq!(reference::billable(&f, d("1000")), d("1"));
    assert_eq!(reference::billable(&f, d("0")), d("0"));
    f.divide = Some(tariffc::ir::Divide {
        by: 3,
        rounding: tariffc::ir::Rounding::Down,
    });
    assert_eq!(reference::billable(&f, d("8.5")), d("2"));
    assert_eq!(reference::div12(d("22"), d("3")), d("7.333333333333"));
    assert_eq!(reference::div12(d("-22"), d("3")), d("-7.333333333333"));
}

#[test]
fn monthly_periods_clamp_from_the_anchor() {
    let t0 = reference::parse_time("2026-01-31T00:00:00Z");
    let starts: Vec<String> = (0..4)
        .map(|k| {
            reference::ts(reference::period_start(
                t0,
                tariffc::ir::Interval::Monthly,
                k,
            ))
        })
        .collect();
    assert_eq!(
        starts,
        [
            "2026-01-31T00:00:00Z",
            "2026-02-28T00:00:00Z",
            "2026-03-31T00:00:00Z",
            "2026-04-30T00:00:00Z"
        ]
    );
    let leap = reference::parse_time("2028-01-31T10:00:00Z");
    let feb = reference::period_start(leap, tariffc::ir::Interval::Monthly, 1);
    assert_eq!(reference::ts(feb), "2028-02-29T10:00:00Z");
    let frac = reference::parse_time("2026-01-01T00:00:01.500+01:00");
    assert_eq!(reference::ts(frac), "2025-12-31T23:00:01.5Z");
}

// ---------------------------------------------------------------------------------------------
// Invariants of the reference's reports on generated plans and traces

fn lines(invoice: &Value) -> &Vec<Value> {
    invoice["lines"].as_array().unwrap()
}

fn customers(report: &Value) -> &Vec<Value> {
    report["customers"].as_array().unwrap()
}

fn check_sums(report: &Value) -> Result<(), TestCaseError> {
    let mut totals = std::collections::BTreeMap::<String, i64>::new();
    let mut invoices = 0;
    for c in customers(report) {
        for inv in c["invoices"].as_array().unwrap() {
            invoices += 1;
            let sum: i64 = lines(inv)
                .iter()
                .map(|l| l["amount"].as_i64().unwrap())
                .sum();
            prop_assert_eq!(inv["total"].as_i64().unwrap(), sum, "total = Σ lines");
            *totals
                .entry(inv["currency"].as_str().unwrap().to_string())
                .or_default() += sum;
            for l in lines(inv).iter().filter(|l| l["kind"] == "usage") {
                let bands: Decimal = l["bands"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| d(b["amount"].as_str().unwrap()))
                    .sum();
                prop_assert_eq!(l["amount"].as_i64().unwrap(), reference::round_money(bands));
            }
        }
    }
    let reported: std::collections::BTreeMap<String, i64> =
        serde_json::from_value(report["summary"]["totals"].clone()).unwrap();
    prop_assert_eq!(reported, totals);
    prop_assert_eq!(report["summary"]["invoices"].as_u64().unwrap(), invoices);
    Ok(())
}

/// Under `deny`, blocks never go negative and capped quantities never pass the cap.
fn check_deny(doc: &Document, report: &Value) -> Result<(), TestCaseError> {
    for c in customers(report) {
        for l in c["limits"].as_array().unwrap() {
            prop_assert!(d(l["balance"].as_str().unwrap()) >= Decimal::ZERO);
        }
        for inv in c["invoices"].as_array().unwrap() {
            let plan = doc.plan(inv["plan"].as_str().unwrap()).unwrap();
            for l in lines(inv).iter().filter(|l| l["kind"] == "usage") {
                let f = plan.feature(l["feature"].as_str().unwrap()).unwrap();
                if let (Some(Overage::Deny), Some(cap)) = (f.overage, f.cap()) {
                    let uncovered =
                        d(l["used"].as_str().unwrap()) - d(l["covered"].as_str().unwrap());
                    prop_assert!(uncovered <= Decimal::from(cap), "{} over its cap", f.id);
                }
            }
        }
    }
    Ok(())
}

/// Rejected lines blanked out (line numbers kept) give the same invoices and limits; the
/// first customer where they do not, if any.
fn rejections_changed_something(case: &Case) -> Option<String> {
    let report = reference::simulate(&case.doc, &case.trace, case.until.as_deref());
    let rejected: Vec<u64> = customers(&report)
        .iter()
        .flat_map(|c| c["rejected"].as_array().unwrap().iter())
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    if rejected.is_empty() {
        return None;
    }
    let blanked: String = case
        .trace
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if rejected.contains(&(i as u64 + 1)) {
                "\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let until = report["until"].as_str().unwrap();
    let again = reference::simulate(&case.doc, &blanked, Some(until));
    customers(&report)
        .iter()
        .zip(customers(&again))
        .find(|(a, b)| {
            a["invoices"] != b["invoices"]
                || a["limits"] != b["limits"]
                || !b["rejected"].as_array().unwrap().is_empty()
        })
        .map(|(a, b)| format!("{}\nwithout the rejected lines:\n{}", a, b))
}

fn check_rejections_change_nothing(case: &Case) -> Result<(), TestCaseError> {
    if rejections_changed_something(case).is_some() {
        let small =
            reference::compare::minimize(case, |c| rejections_changed_something(c).is_some());
        let diff = rejections_changed_something(&small).unwrap_or_default();
        let repro = reference::compare::repro(&small, &Value::Null, &Value::Null);
        return Err(TestCaseError::fail(format!("{diff}\n{repro}")));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn reference_reports_are_consistent(case in gen::case()) {
        let report = reference::simulate(&case.doc, &case.trace, case.until.as_deref());
        check_sums(&report)?;
        check_deny(&case.doc, &report)?;
        check_rejections_change_nothing(&case)?;
    }

    #[test]
    fn reference_reports_with_switches_and_cancels_are_consistent(case in gen::lifecycle_case()) {
        let report = reference::simulate(&case.doc, &case.trace, case.until.as_deref());
        check_sums(&report)?;
        check_deny(&case.doc, &report)?;
        check_rejections_change_nothing(&case)?;
    }

    #[test]
    fn graduated_totals_never_fall_as_usage_grows(
        bytes in proptest::collection::vec(any::<u8>(), 0..32),
        q in 0u32..60, extra in 0u32..60, half in any::<bool>(),
    ) {
        let mut dice = gen::Dice::new(bytes);
        let (tiers, _) = reference::gen::tiers(&mut dice, false);
        let q = Decimal::from(q) / if half { Decimal::TWO } else { Decimal::ONE };
        let more = q + Decimal::from(extra);
        let (_, low) = reference::price(&tiers, Mode::Graduated, q);
        let (_, high) = reference::price(&tiers, Mode::Graduated, more);
        prop_assert!(low <= high, "{} at {} but {} at {}", low, q, high, more);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Reproductions are written as pricing JSON; reading one back gives the same plans.
    #[test]
    fn generated_plans_round_trip_through_pricing_json(case in gen::case()) {
        let text = reference::pricing::write(&case.doc);
        prop_assert_eq!(reference::pricing::read(&text), case.doc);
    }

    /// Every generated plan obeys the checker: it accepts the document and builds the same IR.
    #[test]
    fn generated_plans_pass_the_checker(case in gen::lifecycle_case()) {
        let text = reference::pricing::write(&case.doc);
        let source = tariffc::source::Source::new("pricing.json", text.as_str());
        let loaded = tariffc::load::load(source, tariffc::source::SourceFormat::Json);
        let errors: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{d:?}"))
            .collect();
        prop_assert!(errors.is_empty(), "{}\n{}", errors.join("\n"), text);
        prop_assert_eq!(loaded.document, Some(case.doc));
    }
}

/// The checker reads every golden pricing file as the reference's own reader does, so golden
/// cases mean the same thing to the reference and to the real evaluator.
#[test]
fn checker_reads_golden_pricing_like_the_reference() {
    let mut failures = Vec::new();
    for case in reference::golden::cases() {
        let source = tariffc::source::Source::new("pricing.json", case.pricing.as_str());
        let loaded = tariffc::load::load(source, tariffc::source::SourceFormat::Json);
        match loaded.document {
            Some(doc) if doc == case.doc => {}
            Some(doc) => failures.push(format!(
                "{}: checker\n{doc:#?}\nreference\n{:#?}",
                case.name, case.doc
            )),
            None => failures.push(format!("{}: {:#?}", case.name, loaded.diagnostics)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
