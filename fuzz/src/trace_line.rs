//! The trace line parser's invariant, for the `trace_line` fuzz target and for
//! `tests/trace_parse_props.rs` (which includes this file, so the same check runs in CI on
//! stable): the fast path returns an event only when the general parser returns exactly that
//! event, and `parse_line` answers as the general parser does.

use std::borrow::Cow;
use std::ops::ControlFlow;
use tariffc::trace::{fast, json, parse_line, EventSource, JsonLines, Kind, Record};

/// Check one line (any text; `parse_line` must not panic on it either). `Err` says what
/// disagrees.
pub fn check_line(line: &str) -> Result<(), String> {
    let general = json::line(line);
    if let Some(event) = fast::line(line) {
        let fast = Ok(event);
        if fast != general || exact(&fast) != exact(&general) {
            return Err(format!(
                "the fast path and the general parser disagree on {line:?}:\n  fast:    {}\n  general: {}",
                exact(&fast),
                exact(&general)
            ));
        }
    }
    let answer = parse_line(line);
    if answer != general || exact(&answer) != exact(&general) {
        return Err(format!(
            "parse_line and the general parser disagree on {line:?}:\n  parse_line: {}\n  general:    {}",
            exact(&answer),
            exact(&general)
        ));
    }
    // The general parser allocates a string only to undo escapes.
    if !line.contains('\\') && strings(&general).iter().any(|s| matches!(s, Cow::Owned(_))) {
        return Err(format!(
            "a string was copied from a line without escapes: {line:?}\n  {}",
            exact(&general)
        ));
    }
    Ok(())
}

/// Check every line of `data` (split at `\n`, as a trace file is) that is valid UTF-8, then read
/// all of it as a JSON Lines input (which must not panic either).
pub fn check_bytes(data: &[u8]) -> Result<(), String> {
    for line in data.split(|&c| c == b'\n') {
        if let Ok(line) = std::str::from_utf8(line) {
            check_line(line)?;
        }
    }
    let mut input = JsonLines::new("fuzz.jsonl", data);
    let _ = input.read(&mut |_, _| ControlFlow::Continue(()));
    Ok(())
}

/// The strings a record holds.
fn strings<'r, 'a>(record: &'r Record<'a>) -> Vec<&'r Cow<'a, str>> {
    match record {
        Ok(e) => {
            let mut all = vec![&e.customer];
            match &e.kind {
                Kind::Subscribe(s)
                | Kind::Usage { feature: s, .. }
                | Kind::Purchase { addon: s, .. }
                | Kind::Recharge { feature: s, .. } => all.push(s),
                Kind::Cancel => {}
            }
            all
        }
        Err(r) => r.customer.iter().collect(),
    }
}

/// A record spelled out to the last detail `==` does not see: each decimal's scale, and whether
/// each string is borrowed from the line.
pub fn exact(record: &Record<'_>) -> String {
    #[allow(clippy::ptr_arg)] // whether the string is borrowed is the point
    fn s(c: &Cow<'_, str>) -> String {
        let how = match c {
            Cow::Borrowed(_) => "borrowed",
            Cow::Owned(_) => "owned",
        };
        format!("{c:?}({how})")
    }
    match record {
        Ok(e) => {
            let kind = match &e.kind {
                Kind::Subscribe(plan) => format!("subscribe {}", s(plan)),
                Kind::Usage { feature, n, set } => {
                    let sign = if n.is_sign_negative() { "-" } else { "+" };
                    format!(
                        "usage {} n={n} ({sign}, scale {}) set={set}",
                        s(feature),
                        n.scale()
                    )
                }
                Kind::Purchase { addon, quantity } => {
                    format!("purchase {} quantity={quantity}", s(addon))
                }
                Kind::Recharge { feature, enabled } => {
                    format!("recharge {} enabled={enabled}", s(feature))
                }
                Kind::Cancel => "cancel".to_string(),
            };
            format!("at={:?} customer={} {kind}", e.at, s(&e.customer))
        }
        Err(r) => format!(
            "refused customer={:?} code={} message={:?}",
            r.customer.as_ref().map(s),
            r.error.code,
            r.error.message
        ),
    }
}
