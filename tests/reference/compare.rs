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
