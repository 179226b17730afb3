#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `simulate --customer ID...` on generated multi-customer traces (`tests/reference/gen.rs`).
//!
//! The spec (`trace-and-reports.md`): "`--customer ID` (repeatable) reports only those
//! customers; every line is still read and attributed, but only their errors count; `until` is
//! computed over the whole trace, so a filtered report equals the matching part of the full
//! one; `summary` covers the selected customers."
//!
//! What is asserted, for a selection S of customers (given in any order, possibly repeated):
//! - `until` of the filtered report is the full report's `until` (also when it is the default,
//!   computed from every customer's last period).
//! - `customers` is exactly the full report's entries whose `customer` is in S, in the full
//!   report's order (the order of first valid lines, not the order of `--customer`).
//! - `invalid` lists exactly the full report's invalid lines that belong to a customer in S
//!   (with `--skip-invalid`); without it, the run fails iff such a line exists, with one
//!   message per such line.
//! - `summary` is recomputed over S alone. Reading of each field, from "`summary` covers the
//!   selected customers" and the definitions of the full summary:
//!   `customers`: the number of listed entries; `invoices`, `rejected`: the sums over the listed
//!   entries; `totals`: the sum of their invoice totals by currency; `addons`: their add-on
//!   lines grouped by (plan, add-on) (sorted by plan, then add-on; packs, automatic packs,
//!   automatic purchases, revenue); `invalid`: the length of `invalid`;
//!   `events`: the valid trace lines of customers in S with `at` < `until` (rejected events
//!   are applied lines, as the spec's example counts 9 events with one rejected);
//!   `after_until`: the valid trace lines of customers in S with `at` ≥ `until`, also of a
//!   selected customer that is not listed because none of its lines is before `until` (READINGS
//!   point 8 for the full report; a filter only restricts it to S).
//!   The same recomputation over every customer must give the full report's summary, so the
//!   reading is checked against the unfiltered evaluator too.
//! - The filtered report equals the report of the trace with every other customer's lines
//!   blanked (line numbers kept) and `--until` set to the full report's `until`: the other
//!   customers have no influence at all beyond `until`.

#[allow(dead_code)]
mod reference;

use proptest::prelude::*;
use reference::{compare, gen};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use tariffc::eval::{parse_until, simulate, Failure, Options};

fn run(
    doc: &tariffc::ir::Document,
    trace: &str,
    until: Option<&str>,
    skip_invalid: bool,
    customers: &[String],
) -> Result<Value, Failure> {
    let options = Options {
        until: until.map(|u| parse_until(u).unwrap()),
        skip_invalid,
        customers: customers.to_vec(),
    };
    simulate(
        doc,
        &mut tariffc::trace::JsonLines::new("trace", trace.as_bytes()),
        options,
    )?
    .json()
}

/// The customer of each trace line (`None` for blank lines), and its time.
fn owners(trace: &str) -> Vec<Option<(String, String)>> {
    trace
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            Some((
                v["customer"].as_str()?.to_string(),
                v["at"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The customers of a trace in the order of their first line.
fn customers_of(trace: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (c, _) in owners(trace).into_iter().flatten() {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The selection: a non-empty subset of `all` chosen by `mask`, in an order and with
/// repetitions chosen by `shape`, sometimes with a customer the trace does not have.
fn selection(all: &[String], mask: u8, shape: u8) -> Vec<String> {
    let mut s: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << (i % 8)) != 0)
        .map(|(_, c)| c.clone())
        .collect();
    if s.is_empty() {
        s.push(all[usize::from(mask) % all.len()].clone());
    }
    if shape & 1 != 0 {
        s.reverse();
    }
    if shape & 2 != 0 {
        s.push(s[0].clone());
    }
    if shape & 4 != 0 {
        s.push("org:nobody".to_string());
    }
    s
}

/// A summary row of one (plan, add-on): currency, purchased, auto, recharges, revenue.
type AddonRow = (String, i64, i64, i64, i64);

/// The summary the spec asks for, recomputed from the report's own entries and the trace.
/// `valid[i]` tells whether trace line i+1 is a valid line.
fn expected_summary(
    report: &Value,
    trace: &str,
    valid: &[bool],
    chosen: &dyn Fn(&str) -> bool,
) -> Value {
    let until = reference::parse_time(report["until"].as_str().unwrap());
    let customers = report["customers"].as_array().unwrap();
    let (mut invoices, mut rejected) = (0usize, 0usize);
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut addons: BTreeMap<(String, String), AddonRow> = BTreeMap::new();
    for c in customers {
        rejected += c["rejected"].as_array().unwrap().len();
        for inv in c["invoices"].as_array().unwrap() {
            invoices += 1;
            let currency = inv["currency"].as_str().unwrap().to_string();
            *totals.entry(currency.clone()).or_default() += inv["total"].as_i64().unwrap();
            for l in inv["lines"].as_array().unwrap() {
                if l["kind"] != "addon" {
                    continue;
                }
                let key = (
                    inv["plan"].as_str().unwrap().to_string(),
                    l["addon"].as_str().unwrap().to_string(),
                );
                let row = addons.entry(key).or_insert((currency.clone(), 0, 0, 0, 0));
                let q = l["quantity"].as_i64().unwrap();
                let auto = l["auto"] == true;
                row.1 += q;
                row.2 += if auto { q } else { 0 };
                row.3 += i64::from(auto);
                row.4 += l["amount"].as_i64().unwrap();
            }
        }
    }
    let (mut events, mut after_until) = (0usize, 0usize);
    for (i, owner) in owners(trace).into_iter().enumerate() {
        let Some((c, at)) = owner else { continue };
        if !valid[i] || !chosen(&c) {
            continue;
        }
        if reference::parse_time(&at) < until {
            events += 1;
        } else {
            after_until += 1;
        }
    }
    let mut totals_json = Map::new();
    for (k, v) in totals {
        totals_json.insert(k, json!(v));
    }
    let addon_rows: Vec<Value> = addons
        .into_iter()
        .map(
            |((plan, addon), (currency, purchased, auto, recharges, revenue))| {
                json!({ "plan": plan, "addon": addon, "currency": currency, "purchased": purchased,
                    "auto": auto, "recharges": recharges, "revenue": revenue })
            },
        )
        .collect();
    json!({
        "customers": customers.len(), "invoices": invoices, "events": events,
        "rejected": rejected, "invalid": report["invalid"].as_array().unwrap().len(),
        "after_until": after_until, "totals": totals_json, "addons": addon_rows,
    })
}

/// The trace with the lines of customers outside the selection blanked (line numbers kept).
fn only(trace: &str, chosen: &dyn Fn(&str) -> bool) -> String {
    trace
        .lines()
        .zip(owners(trace))
        .map(|(l, owner)| match owner {
            Some((c, _)) if !chosen(&c) => "\n".to_string(),
            _ => format!("{l}\n"),
        })
        .collect()
}

fn differs(what: &str, expected: &Value, got: &Value) -> Result<(), TestCaseError> {
    match compare::first_difference(expected, got) {
        None => Ok(()),
        Some(d) => Err(TestCaseError::fail(format!(
            "{what}: {d}\n--- expected\n{expected:#}\n--- got\n{got:#}"
        ))),
    }
}

/// Every assertion of the module comment for one trace (valid lines flagged by `valid`) and
/// one selection, on reports made with `--skip-invalid`.
fn check_filter(case: &gen::Case, valid: &[bool], select: &[String]) -> Result<(), TestCaseError> {
    let until = case.until.as_deref();
    let set: BTreeSet<&str> = select.iter().map(String::as_str).collect();
    let chosen = |c: &str| set.contains(c);
    let full = run(&case.doc, &case.trace, until, true, &[])
        .map_err(|f| TestCaseError::fail(format!("full report refused: {f:?}")))?;
    let filtered = run(&case.doc, &case.trace, until, true, select)
        .map_err(|f| TestCaseError::fail(format!("filtered report refused: {f:?}")))?;
    prop_assert_eq!(&filtered["until"], &full["until"]);
    let part: Vec<Value> = full["customers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| chosen(c["customer"].as_str().unwrap()))
        .cloned()
        .collect();
    differs("customers", &Value::Array(part), &filtered["customers"])?;
    let owners = owners(&case.trace);
    let invalid: Vec<Value> = full["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let line = usize::try_from(e["line"].as_u64().unwrap()).unwrap();
            owners[line - 1].as_ref().is_some_and(|(c, _)| chosen(c))
        })
        .cloned()
        .collect();
    differs("invalid", &Value::Array(invalid), &filtered["invalid"])?;
    let all = |_: &str| true;
    differs(
        "full summary",
        &expected_summary(&full, &case.trace, valid, &all),
        &full["summary"],
    )?;
    differs(
        "filtered summary",
        &expected_summary(&filtered, &case.trace, valid, &chosen),
        &filtered["summary"],
    )?;
    let blanked = only(&case.trace, &chosen);
    let alone = run(&case.doc, &blanked, full["until"].as_str(), true, &[])
        .map_err(|f| TestCaseError::fail(format!("blanked trace refused: {f:?}")))?;
    differs("the selection's trace alone", &alone, &filtered)
}

fn repro(case: &gen::Case, select: &[String]) -> String {
    format!(
        "--- pricing.json\n{}\n--- trace.jsonl\n{}--- until: {:?}\n--- customers: {select:?}\n",
        reference::pricing::write(&case.doc),
        case.trace,
        case.until,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A filtered report is the matching part of the full one, with the summary recomputed
    /// over the selected customers.
    #[test]
    fn filtered_report_is_the_matching_part_of_the_full_one(
        case in prop_oneof![gen::case(), gen::lifecycle_case()],
        mask in any::<u8>(),
        shape in any::<u8>(),
    ) {
        let select = selection(&customers_of(&case.trace), mask, shape);
        let valid = vec![true; case.trace.lines().count()];
        check_filter(&case, &valid, &select)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", repro(&case, &select))))?;
    }
}

/// An invalid line of `customer` at `at` (the time of the valid line before it, so that it
/// cannot disturb the order of that customer's lines); each one is well-formed JSON naming its
/// customer, so that it can be attributed.
fn invalid_line(pick: usize, at: &str, customer: &str) -> String {
    let head = format!(r#"{{"at":"{at}","customer":"{customer}","#);
    match pick % 7 {
        0 => format!(r#"{head}"feature":"feature:zzz","n":1}}"#),
        1 => format!(r#"{head}"feature":"feature:a","n":"1"}}"#),
        2 => format!(r#"{head}"purchase":"addon:zzz"}}"#),
        3 => format!(r#"{head}"recharge":{{"feature":"feature:zzz","enabled":true}}}}"#),
        4 => format!(r#"{head}"feature":"feature:a","n":1,"bogus":true}}"#),
        5 => format!(r#"{head}"feature":"feature:a","n":1,"purchase":"addon:p0"}}"#),
        _ => format!(
            r#"{{"at":"{}","customer":"{customer}","feature":"feature:a","n":1}}"#,
            at.trim_end_matches('Z')
        ),
    }
}

/// The trace with invalid lines inserted after some valid ones (of the same customer, or of
/// `org:ghost`, a customer with no valid line at all), and for each line whether it is valid.
fn with_invalid_lines(trace: &str, picks: &[usize]) -> (String, Vec<bool>) {
    let (mut dirty, mut valid) = (String::new(), Vec::new());
    for (i, line) in trace.lines().enumerate() {
        dirty.push_str(line);
        dirty.push('\n');
        valid.push(true);
        let Some(&pick) = picks.get(i) else { continue };
        let Ok(parsed) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if pick % 3 != 0 {
            continue;
        }
        let at = reference::ts(reference::parse_time(parsed["at"].as_str().unwrap()));
        let customer = if (pick / 3) % 4 == 0 {
            "org:ghost"
        } else {
            parsed["customer"].as_str().unwrap()
        };
        dirty.push_str(&invalid_line(pick / 12, &at, customer));
        dirty.push('\n');
        valid.push(false);
    }
    (dirty, valid)
}

/// Whether `message` names line `n` ("line 12" names 12, not 1).
fn names_line(message: &str, n: usize) -> bool {
    let needle = format!("line {n}");
    message.match_indices(&needle).any(|(i, _)| {
        !message[i + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every line is still read and attributed, but only the selected customers' errors count:
    /// without `--skip-invalid` the filtered run fails iff one of their lines is invalid, with
    /// one message for each; with it, `invalid` lists exactly their invalid lines and the rest
    /// of the report is the matching part of the full one.
    #[test]
    fn only_the_selected_customers_errors_count(
        case in prop_oneof![gen::case(), gen::lifecycle_case()],
        picks in proptest::collection::vec(0usize..84, 0..40),
        mask in any::<u8>(),
        shape in any::<u8>(),
    ) {
        let (dirty, valid) = with_invalid_lines(&case.trace, &picks);
        let dirty_case = gen::Case { trace: dirty, ..case };
        let select = selection(&customers_of(&dirty_case.trace), mask, shape);
        let chosen = |c: &str| select.iter().any(|s| s == c);
        let theirs: Vec<usize> = owners(&dirty_case.trace)
            .iter()
            .enumerate()
            .filter(|(i, o)| !valid[*i] && o.as_ref().is_some_and(|(c, _)| chosen(c)))
            .map(|(i, _)| i + 1)
            .collect();
        let strict = run(&dirty_case.doc, &dirty_case.trace, dirty_case.until.as_deref(), false, &select);
        match strict {
            Ok(_) => prop_assert!(
                theirs.is_empty(),
                "accepted although lines {:?} are invalid\n{}", theirs, repro(&dirty_case, &select)
            ),
            Err(Failure::Invalid(messages)) => {
                prop_assert_eq!(
                    messages.len(), theirs.len(),
                    "{:?} for lines {:?}\n{}", messages, theirs, repro(&dirty_case, &select)
                );
                for n in &theirs {
                    prop_assert!(
                        messages.iter().any(|m| names_line(m, *n)),
                        "no message names line {}: {:?}\n{}", n, messages, repro(&dirty_case, &select)
                    );
                }
            }
            Err(f) => return Err(TestCaseError::fail(format!("{f:?}\n{}", repro(&dirty_case, &select)))),
        }
        check_filter(&dirty_case, &valid, &select)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", repro(&dirty_case, &select))))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `tariffc simulate FILE --trace T --customer ID... --format json` is the library's
    /// filtered report: without `--skip-invalid`, exit 1 iff a selected customer has an invalid
    /// line; with it, exit 0 and those lines listed.
    #[test]
    fn the_command_line_filters_like_the_library(
        case in prop_oneof![gen::case(), gen::lifecycle_case()],
        picks in proptest::collection::vec(0usize..84, 0..40),
        mask in any::<u8>(),
        shape in any::<u8>(),
        skip in any::<bool>(),
    ) {
        let (dirty, valid) = with_invalid_lines(&case.trace, &picks);
        let case = gen::Case { trace: dirty, ..case };
        let select = selection(&customers_of(&case.trace), mask, shape);
        let theirs = owners(&case.trace)
            .iter()
            .enumerate()
            .any(|(i, o)| !valid[i] && o.as_ref().is_some_and(|(c, _)| select.contains(c)));
        let dir = tempfile::tempdir().unwrap();
        let pricing = dir.path().join("pricing.json");
        let trace = dir.path().join("trace.jsonl");
        std::fs::write(&pricing, reference::pricing::write(&case.doc)).unwrap();
        std::fs::write(&trace, &case.trace).unwrap();
        {
            let mut cmd = assert_cmd::Command::cargo_bin("tariffc").unwrap();
            cmd.arg("simulate").arg(&pricing).arg("--trace").arg(&trace);
            cmd.args(["--format", "json"]);
            if let Some(u) = &case.until {
                cmd.args(["--until", u]);
            }
            for c in &select {
                cmd.args(["--customer", c]);
            }
            if skip {
                cmd.arg("--skip-invalid");
            }
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if theirs && !skip {
                prop_assert_eq!(out.status.code(), Some(1), "{}\n{}", stderr, repro(&case, &select));
                return Ok(());
            }
            prop_assert_eq!(out.status.code(), Some(0), "{}\n{}", stderr, repro(&case, &select));
            let got: Value = serde_json::from_slice(&out.stdout).unwrap();
            let library = run(&case.doc, &case.trace, case.until.as_deref(), true, &select)
                .map_err(|f| TestCaseError::fail(format!("{f:?}")))?;
            differs("CLI against library", &library, &got)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{}", repro(&case, &select))))?;
        }
    }
}
