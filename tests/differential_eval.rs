#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Differential testing: the naive reference evaluator (`tests/reference`) against the real one
//! (`tariffc::eval::simulate_json`) on generated plans and traces, and on every golden case.
//!
//! Kept as `differential_eval.rs.pending` until the evaluator is merged; rename it to
//! `differential_eval.rs` then. Free-text fields (`reason`, `message`) are compared only on the
//! golden cases, where the expected wording is written down. A third property checks
//! `--skip-invalid`: invalid lines inserted into a valid trace are reported in `invalid` and
//! change nothing else (the reference runs the trace with those lines blank).

#[allow(dead_code)]
mod reference;

use proptest::prelude::*;
use reference::{compare, gen};
use serde_json::Value;

fn real(
    doc: &tariffc::ir::Document,
    trace: &str,
    until: Option<&str>,
) -> Result<Value, Vec<String>> {
    tariffc::eval::simulate_json(doc, trace, until, false)
}

/// The first difference between the two reports of a case (free text aside), if both run.
fn difference(case: &gen::Case) -> Option<String> {
    let expected = reference::simulate(&case.doc, &case.trace, case.until.as_deref());
    let got = real(&case.doc, &case.trace, case.until.as_deref()).ok()?;
    compare::first_difference(
        &compare::strip_prose(&expected),
        &compare::strip_prose(&got),
    )
}

/// On a disagreement, reports the smallest trace (by deleting customers and lines) that still
/// shows it, with both reports.
fn agree(case: &gen::Case) -> Result<(), TestCaseError> {
    let expected = reference::simulate(&case.doc, &case.trace, case.until.as_deref());
    if let Err(errors) = real(&case.doc, &case.trace, case.until.as_deref()) {
        let msg = format!(
            "refused a valid trace: {errors:?}\n{}",
            compare::repro(case, &expected, &Value::Null)
        );
        return Err(TestCaseError::fail(msg));
    }
    if difference(case).is_none() {
        return Ok(());
    }
    let small = compare::minimize(case, |c| difference(c).is_some());
    let expected = reference::simulate(&small.doc, &small.trace, small.until.as_deref());
    let got = real(&small.doc, &small.trace, small.until.as_deref()).unwrap_or(Value::Null);
    Err(TestCaseError::fail(format!(
        "{}\n{}",
        difference(&small).unwrap_or_default(),
        compare::repro(&small, &expected, &got)
    )))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn real_evaluator_agrees_with_the_reference(case in gen::case()) {
        agree(&case)?;
    }

    #[test]
    fn real_evaluator_agrees_with_the_reference_on_switches_and_cancels(
        case in gen::lifecycle_case()
    ) {
        agree(&case)?;
    }
}

#[test]
fn real_evaluator_reproduces_every_golden_report() {
    let mut failures = Vec::new();
    for case in reference::golden::cases() {
        match real(&case.doc, &case.trace, case.until.as_deref()) {
            Ok(got) => {
                if let Some(diff) = compare::first_difference(&case.expected, &got) {
                    let pretty = serde_json::to_string_pretty(&got).unwrap();
                    failures.push(format!("{}: {diff}\n{pretty}", case.name));
                }
            }
            Err(errors) => failures.push(format!("{}: refused: {errors:?}", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Invalid lines, each repeating the time and customer of a valid line so that it cannot
/// disturb the order of that customer's lines: (the line, whether it names a customer).
fn invalid_line(pick: usize, at: &str, customer: &str) -> String {
    let head = format!(r#"{{"at":"{at}","customer":"{customer}","#);
    match pick % 8 {
        0 => format!(r#"{head}"feature":"feature:zzz","n":1}}"#),
        1 => format!(r#"{head}"feature":"feature:a","n":"1"}}"#),
        2 => format!(r#"{head}"purchase":"addon:zzz"}}"#),
        3 => format!(r#"{head}"recharge":{{"feature":"feature:zzz","enabled":true}}}}"#),
        4 => format!(r#"{head}"feature":"feature:a","n":1,"bogus":true}}"#),
        5 => format!(r#"{head}"feature":"feature:a","n":1,"purchase":"addon:p0"}}"#),
        6 => head,
        _ => format!(
            r#"{{"at":"{}","customer":"{customer}","feature":"feature:a","n":1}}"#,
            at.trim_end_matches('Z')
        ),
    }
}

/// The trace with invalid lines inserted after some valid ones, the same trace with those
/// lines left blank (line numbers kept), and the inserted line numbers.
fn with_invalid_lines(trace: &str, picks: &[usize]) -> (String, String, Vec<u64>) {
    let (mut dirty, mut blank, mut lines) = (String::new(), String::new(), Vec::new());
    let mut n = 0u64;
    for (i, line) in trace.lines().enumerate() {
        n += 1;
        dirty.push_str(line);
        dirty.push('\n');
        blank.push_str(line);
        blank.push('\n');
        let Some(&pick) = picks.get(i) else { continue };
        let parsed: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(_) => continue,
        };
        if pick % 3 != 0 {
            continue;
        }
        let at = reference::ts(reference::parse_time(parsed["at"].as_str().unwrap()));
        let customer = parsed["customer"].as_str().unwrap();
        n += 1;
        dirty.push_str(&invalid_line(pick / 3, &at, customer));
        dirty.push('\n');
        blank.push('\n');
        lines.push(n);
    }
    (dirty, blank, lines)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// `--skip-invalid` skips exactly the invalid lines and reports them; the rest of the report
    /// is the reference's report of the trace with those lines blank.
    #[test]
    fn skipped_invalid_lines_change_nothing_else(
        case in prop_oneof![gen::case(), gen::lifecycle_case()],
        picks in proptest::collection::vec(0usize..48, 0..40),
    ) {
        let (dirty, blank, inserted) = with_invalid_lines(&case.trace, &picks);
        let until = case.until.as_deref();
        let expected = reference::simulate(&case.doc, &blank, until);
        let got = tariffc::eval::simulate_json(&case.doc, &dirty, until, true);
        let mut got = match got {
            Ok(v) => v,
            Err(errors) => return Err(TestCaseError::fail(format!(
                "--skip-invalid refused: {errors:?}\n{dirty}"))),
        };
        let reported: Vec<u64> = got["invalid"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["line"].as_u64().unwrap())
            .collect();
        prop_assert_eq!(&reported, &inserted, "{}", dirty);
        prop_assert_eq!(got["summary"]["invalid"].as_u64(), Some(inserted.len() as u64));
        got["invalid"] = Value::Array(Vec::new());
        got["summary"]["invalid"] = Value::from(0);
        let diff = compare::first_difference(
            &compare::strip_prose(&expected),
            &compare::strip_prose(&got),
        );
        prop_assert!(diff.is_none(), "{}\n{}", diff.unwrap_or_default(),
                     compare::repro(&gen::Case { trace: dirty, ..case }, &expected, &got));
    }
}
