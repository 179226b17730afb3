//! Comparing two reports: the first difference by JSON path, and a self-contained reproduction.

use super::gen::Case;
use serde_json::Value;

/// The report without free-text fields (`reason`, `message`), whose wording the spec leaves
/// open beyond its one example.
pub fn strip_prose(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != "reason" && *k != "message")
                .map(|(k, v)| (k.clone(), strip_prose(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_prose).collect()),
        other => other.clone(),
    }
}

/// The first place where two JSON values differ, as `path: expected … got …`.
pub fn first_difference(expected: &Value, got: &Value) -> Option<String> {
    walk(expected, got, "")
}

fn walk(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = format!("{path}/{k}");
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = walk(v, w, &p) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{p}: expected {v}, got nothing")),
                }
            }
            y.iter()
                .find(|(k, _)| !x.contains_key(*k))
                .map(|(k, w)| format!("{path}/{k}: expected nothing, got {w}"))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if let Some(d) = walk(v, w, &format!("{path}/{i}")) {
                    return Some(d);
                }
            }
            (x.len() != y.len())
                .then(|| format!("{path}: expected {} items, got {}", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{path}: expected {a}, got {b}")),
    }
}

/// Everything needed to reproduce a disagreement from the command line.
pub fn repro(case: &Case, expected: &Value, got: &Value) -> String {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    format!(
        "--- pricing.json\n{}\n--- trace.jsonl\n{}--- until: {:?}\n--- reference report\n{}\n--- real report\n{}\n",
        super::pricing::write(&case.doc),
        case.trace,
        case.until,
        pretty(expected),
        pretty(got),
    )
}

/// A smaller case for which `still` holds: whole customers, then single lines, are deleted
/// greedily. `still` is treated as false where it panics (the reference panics on the invalid
/// traces a deletion can produce), so every step keeps a valid trace.
pub fn minimize(case: &Case, still: impl Fn(&Case) -> bool) -> Case {
    let holds = |c: &Case| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| still(c))).unwrap_or(false)
    };
    let with_lines = |lines: &[&str]| Case {
        doc: case.doc.clone(),
        trace: lines.iter().map(|l| format!("{l}\n")).collect(),
        until: case.until.clone(),
    };
    let customer = |line: &str| {
        serde_json::from_str::<Value>(line)
            .ok()
            .and_then(|v| v["customer"].as_str().map(str::to_string))
    };
    let mut best = case.clone();
    loop {
        let lines: Vec<&str> = best
            .trace
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let mut customers: Vec<String> = lines.iter().filter_map(|l| customer(l)).collect();
        customers.dedup();
        let smaller = customers.iter().find_map(|c| {
            let kept: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| customer(l).as_deref() != Some(c.as_str()))
                .collect();
            let candidate = with_lines(&kept);
            (!kept.is_empty() && holds(&candidate)).then_some(candidate)
        });
        match smaller {
            Some(c) => best = c,
            None => break,
        }
    }
    let mut i = 0;
    loop {
        let lines: Vec<&str> = best
            .trace
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if i >= lines.len() {
            return best;
        }
        let kept: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, l)| *l)
            .collect();
        let candidate = with_lines(&kept);
        if holds(&candidate) {
            best = candidate;
        } else {
            i += 1;
        }
    }
}
