#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Invariants of the evaluator on generated tier tables and generated traces.

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;
use tariffc::ir::{Document, Mode, Tier};
use tariffc::load::load;
use tariffc::money::prorate;
use tariffc::price::price_tiers;
use tariffc::source::{Source, SourceFormat};

fn doc(path: &str) -> Document {
    let text = std::fs::read_to_string(path).unwrap();
    load(Source::new(path, text), SourceFormat::Json)
        .document
        .unwrap()
}

fn tiers() -> impl Strategy<Value = Vec<Tier>> {
    prop::collection::vec((1u64..50, 0i64..100_000, 0i64..5000, 0u32..4), 1..6).prop_map(|raw| {
        let mut upto = 0;
        let last = raw.len() - 1;
        raw.iter()
            .enumerate()
            .map(|(i, (step, price, base, scale))| {
                upto += step;
                Tier {
                    upto: (i < last).then_some(upto),
                    price: Decimal::new(*price, *scale),
                    base: Decimal::new(*base, 0),
                }
            })
            .collect()
    })
}

fn amounts(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn graduated_totals_never_fall(t in tiers(), a in 0i64..100_000, b in 0i64..100_000, s in 0u32..3) {
        let (lo, hi) = (Decimal::new(a.min(b), s), Decimal::new(a.max(b), s));
        let p_lo = price_tiers(&t, Mode::Graduated, lo, "t").unwrap();
        let p_hi = price_tiers(&t, Mode::Graduated, hi, "t").unwrap();
        prop_assert!(p_lo.exact <= p_hi.exact);
        prop_assert!(p_lo.amount <= p_hi.amount);
        // The line is the exact sum of its bands, rounded once.
        let sum: Decimal = p_hi.bands.iter().map(|b| b.amount).sum();
        prop_assert_eq!(sum, p_hi.exact);
        prop_assert!((p_hi.amount - p_hi.exact).abs() <= Decimal::new(5, 1));
    }

    #[test]
    fn volume_uses_exactly_one_band(t in tiers(), q in 0i64..10_000) {
        let p = price_tiers(&t, Mode::Volume, Decimal::from(q), "t").unwrap();
        prop_assert_eq!(p.bands.len(), 1);
        prop_assert_eq!(p.bands[0].quantity, Decimal::from(q));
    }

    #[test]
    fn proration_splits_within_one_minor_unit(base in 0i64..10_000_000, scale in 0u32..3, len in 1i64..3_000_000_000_000, cut in 0.0f64..1.0) {
        // (f64 only picks the cut point of the test, never an amount.)
        let base = Decimal::new(base, scale);
        let t = ((len as f64) * cut) as i64;
        let a = prorate(base, t, len).unwrap();
        let b = prorate(base, len - t, len).unwrap();
        prop_assert!((a + b - base).abs() <= Decimal::ONE);
    }

    #[test]
    fn reports_of_generated_traces_hold_the_invariants(seed in 1u64..10_000, events in 50usize..400, customers in 1usize..8) {
        let d = doc("benches/pricing.json");
        let trace = tariffc::eval::gen::trace(events, customers, seed);
        let r = tariffc::eval::simulate_json(&d, &trace, None, false).unwrap();
        let mut totals = std::collections::BTreeMap::<String, i64>::new();
        for c in r["customers"].as_array().unwrap() {
            for inv in c["invoices"].as_array().unwrap() {
                let sum: i64 = inv["lines"].as_array().unwrap().iter().map(|l| amounts(&l["amount"])).sum();
                prop_assert_eq!(sum, amounts(&inv["total"]));
                *totals.entry(inv["currency"].as_str().unwrap().to_string()).or_default() += sum;
            }
            for l in c["limits"].as_array().unwrap() {
                let bal: Decimal = l["balance"].as_str().unwrap().parse().unwrap();
                prop_assert!(bal >= Decimal::ZERO, "negative balance {l}");
                // Every capped or credit feature of the bench plans is under `deny`.
                if let Some(rem) = l["remaining"].as_str() {
                    let rem: Decimal = rem.parse().unwrap();
                    prop_assert!(rem >= Decimal::ZERO, "over the limit under deny: {l}");
                }
            }
        }
        for (cur, t) in totals {
            prop_assert_eq!(amounts(&r["summary"]["totals"][&cur]), t);
        }
    }

    #[test]
    fn rejected_events_change_nothing(seed in 1u64..10_000, events in 50usize..300) {
        let d = doc("benches/pricing.json");
        let trace = tariffc::eval::gen::trace(events, 3, seed);
        let r = tariffc::eval::simulate_json(&d, &trace, None, false).unwrap();
        let rejected: Vec<u64> = r["customers"].as_array().unwrap().iter()
            .flat_map(|c| c["rejected"].as_array().unwrap().iter().map(|x| x["line"].as_u64().unwrap()))
            .collect();
        // Blank out the rejected lines (line numbers stay): the report must be the same but for
        // the rejections themselves.
        let blanked: String = trace.lines().enumerate()
            .map(|(i, l)| if rejected.contains(&(i as u64 + 1)) { "\n".to_string() } else { format!("{l}\n") })
            .collect();
        let mut without = tariffc::eval::simulate_json(&d, &blanked, r["until"].as_str(), false).unwrap();
        let mut with = r.clone();
        for c in with["customers"].as_array_mut().unwrap() {
            c["rejected"] = Value::Array(vec![]);
        }
        with["summary"]["rejected"] = Value::from(0);
        let n = with["summary"]["events"].as_u64().unwrap() - rejected.len() as u64;
        with["summary"]["events"] = Value::from(n);
        // A rejection leaves the customer's `until` contribution unchanged only if it was not
        // its last event; compare with the same `until`.
        without["until"] = with["until"].clone();
        prop_assert_eq!(with, without);
    }
}

#[test]
fn the_prepaid_seed_never_runs_dry_once_opted_in() {
    let d = doc("examples/prepaid-credits.json");
    let mut trace = String::from(
        "{\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"c\",\"subscribe\":\"plan:prepaid@1\"}\n\
         {\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"c\",\"recharge\":{\"feature\":\"feature:credits\",\"enabled\":true}}\n",
    );
    for day in 2..28 {
        for n in [1, 7, 2] {
            trace.push_str(&format!(
                "{{\"at\":\"2026-01-{day:02}T00:00:00Z\",\"customer\":\"c\",\"feature\":\"feature:report\",\"n\":{n}}}\n"
            ));
        }
    }
    let r = tariffc::eval::simulate_json(&d, &trace, None, false).unwrap();
    assert_eq!(r["summary"]["rejected"], 0);
    let credits = &r["customers"][0]["limits"][1];
    let bal: Decimal = credits["balance"].as_str().unwrap().parse().unwrap();
    assert!(bal >= Decimal::from(5), "{credits}");
    assert!(r["summary"]["addons"][0]["recharges"].as_u64().unwrap() > 1);
}

/// A usage history on `plan:basic@1` of the lifecycle golden (credits: 100 a month rolled over,
/// 50 at signup, packs of 10): the trace, and what a hand model says the live credits are
/// before the last event and how many of them belong to the current month's issue.
fn credits_history(draws: &[(u32, u32, u32)], packs: &[(u32, u32)]) -> (String, Decimal, Decimal) {
    let mut events: Vec<(u32, u32, String)> = Vec::new();
    for (month, day, n) in draws {
        events.push((
            *month,
            *day,
            format!("\"feature\":\"feature:credits\",\"n\":{n}"),
        ));
    }
    for (month, day) in packs {
        events.push((*month, *day, "\"purchase\":\"addon:credits10\"".to_string()));
    }
    events.sort_by_key(|(m, d, _)| (*m, *d));
    let mut trace = String::from(
        "{\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"c\",\"subscribe\":\"plan:basic@1\"}\n",
    );
    // The model: periodic units left, signup and pack units left.
    let (mut periodic, mut other) = (Decimal::ZERO, Decimal::from(50));
    let mut month_seen = 0;
    periodic += Decimal::from(100);
    for (month, day, body) in &events {
        while month_seen < *month {
            month_seen += 1;
            periodic += Decimal::from(100);
        }
        trace.push_str(&format!(
            "{{\"at\":\"2026-{:02}-{day:02}T00:00:00Z\",\"customer\":\"c\",{body}}}\n",
            month + 1
        ));
        if body.contains("purchase") {
            other += Decimal::from(10);
        } else {
            let n: Decimal = body.rsplit(':').next().unwrap().parse().unwrap();
            if n <= periodic + other {
                let from_periodic = n.min(periodic);
                periodic -= from_periodic;
                other -= n - from_periodic;
            }
        }
    }
    while month_seen < 3 {
        month_seen += 1;
        periodic += Decimal::from(100);
    }
    // Periodic blocks are drawn oldest first, so the newest issue is the last to go.
    let current = periodic.min(Decimal::from(100));
    (trace, periodic + other, current)
}

fn credits_balance(report: &Value) -> Decimal {
    let limits = report["customers"][0]["limits"].as_array().unwrap();
    let credits = limits
        .iter()
        .find(|l| l["feature"] == "feature:credits")
        .unwrap();
    credits["balance"].as_str().unwrap().parse().unwrap()
}

/// Draws `(month, day, n)` and pack purchases `(month, day)`.
type History = (Vec<(u32, u32, u32)>, Vec<(u32, u32)>);

fn history() -> impl Strategy<Value = History> {
    (
        prop::collection::vec((0u32..3, 2u32..28, 0u32..90), 0..12),
        prop::collection::vec((0u32..3, 2u32..28), 0..3),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_switch_never_creates_or_destroys_carried_units((draws, packs) in history()) {
        let d = doc("tests/golden/lifecycle/pricing.json");
        let (mut trace, live, current) = credits_history(&draws, &packs);
        let before = tariffc::eval::simulate_json(&d, &trace, Some("2026-04-10T00:00:00Z"), false).unwrap();
        prop_assert_eq!(credits_balance(&before), live);
        trace.push_str("{\"at\":\"2026-04-10T00:00:00Z\",\"customer\":\"c\",\"subscribe\":\"plan:euro@1\"}\n");
        let after = tariffc::eval::simulate_json(&d, &trace, Some("2026-04-10T01:00:00Z"), false).unwrap();
        // Carried: everything live but the current issue; plus the new plan's first grant.
        prop_assert_eq!(credits_balance(&after), live - current + Decimal::from(100));
    }

    #[test]
    fn no_block_survives_a_cancel((draws, packs) in history()) {
        let d = doc("tests/golden/lifecycle/pricing.json");
        let (mut trace, _, _) = credits_history(&draws, &packs);
        trace.push_str("{\"at\":\"2026-04-10T00:00:00Z\",\"customer\":\"c\",\"cancel\":true}\n");
        let cancelled = tariffc::eval::simulate_json(&d, &trace, Some("2026-04-11T00:00:00Z"), false).unwrap();
        prop_assert_eq!(&cancelled["customers"][0]["limits"], &Value::Array(vec![]));
        prop_assert_eq!(&cancelled["customers"][0]["plan"], &Value::Null);
        trace.push_str("{\"at\":\"2026-04-20T00:00:00Z\",\"customer\":\"c\",\"subscribe\":\"plan:basic@1\"}\n");
        let back = tariffc::eval::simulate_json(&d, &trace, Some("2026-04-21T00:00:00Z"), false).unwrap();
        // Only the new subscription's first periodic block: no signup grant the second time.
        prop_assert_eq!(credits_balance(&back), Decimal::from(100));
    }
}

/// Lines that are valid, garbled, or carry extreme numbers.
fn wild_line() -> impl Strategy<Value = String> {
    let n = prop_oneof![
        Just("79228162514264337593543950335".to_string()),
        Just("-79228162514264337593543950335".to_string()),
        Just("0.0000000000000000000000000001".to_string()),
        Just("1e28".to_string()),
        Just("1e-30".to_string()),
        (0u64..1000).prop_map(|v| v.to_string()),
        (-1000i64..1000).prop_map(|v| format!("{v}.5")),
    ];
    let feature = prop::sample::select(vec![
        "feature:api",
        "feature:seats",
        "feature:storage",
        "feature:gauge",
        "feature:calls",
        "feature:credits",
        "feature:export",
        "feature:platform",
        "feature:nope",
    ]);
    let day = 1u32..28;
    let cust = prop::sample::select(vec!["a", "b", "c"]);
    prop_oneof![
        (day.clone(), cust.clone(), feature, n.clone(), any::<bool>()).prop_map(|(d, c, f, n, set)| {
            format!(r#"{{"at":"2026-01-{d:02}T00:00:00Z","customer":"{c}","feature":"{f}","n":{n}{}}}"#, if set { r#","set":true"# } else { "" })
        }),
        (day.clone(), cust.clone(), prop::sample::select(vec!["plan:bench@1", "plan:bench@2", "plan:x@1"]))
            .prop_map(|(d, c, p)| format!(r#"{{"at":"2026-01-{d:02}T00:00:00Z","customer":"{c}","subscribe":"{p}"}}"#)),
        (day.clone(), cust.clone(), n).prop_map(|(d, c, q)| {
            format!(r#"{{"at":"2026-01-{d:02}T00:00:00Z","customer":"{c}","purchase":"addon:credits100","quantity":{q}}}"#)
        }),
        (day.clone(), cust.clone(), any::<bool>()).prop_map(|(d, c, on)| {
            format!(r#"{{"at":"2026-01-{d:02}T00:00:00Z","customer":"{c}","recharge":{{"feature":"feature:credits","enabled":{on}}}}}"#)
        }),
        (day, cust).prop_map(|(d, c)| format!(r#"{{"at":"2026-01-{d:02}T00:00:00Z","customer":"{c}","cancel":true}}"#)),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the lines, `--skip-invalid` gives a report or a clean overflow error, never a panic.
    #[test]
    fn any_trace_gives_a_report_or_an_error(mut lines in prop::collection::vec(wild_line(), 1..40)) {
        let d = doc("benches/pricing.json");
        lines.insert(0, r#"{"at":"2026-01-01T00:00:00Z","customer":"a","subscribe":"plan:bench@1"}"#.to_string());
        let trace = lines.join("\n");
        match tariffc::eval::simulate_json(&d, &trace, None, true) {
            Ok(r) => prop_assert!(r["summary"]["events"].as_u64().is_some()),
            Err(e) => prop_assert!(e.iter().all(|m| m.contains("arithmetic-overflow")), "{e:?}"),
        }
        let _ = tariffc::eval::simulate_json(&d, &trace, Some("2026-01-15T00:00:00Z"), false);
    }
}
