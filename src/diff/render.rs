//! The diff for people (one block per plan, one line per change) and for machines (versioned
//! JSON), and the `--check` verdict.

use super::{PlanDiff, Report, Status, Violation};
use serde_json::{json, Value};

/// The human report: changed, added and removed plans with their changes; unchanged plans are
/// only counted.
pub fn human(report: &Report) -> String {
    let mut s = String::new();
    for p in &report.plans {
        if p.status == Status::Unchanged {
            continue;
        }
        s.push_str(&plan_block(p));
    }
    s.push_str(&summary(report));
    s.push('\n');
    s
}

fn plan_block(p: &PlanDiff) -> String {
    let billing = p.changes.iter().any(|c| c.affects_invoices);
    let heading = match p.status {
        Status::Changed if billing => "changed in place",
        Status::Changed => "changed, no effect on invoices",
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Unchanged => "unchanged",
    };
    let title = if p.title == p.id {
        String::new()
    } else {
        format!(" {}", super::compare::quote(&p.title))
    };
    let mut s = format!("{}{title}: {heading}\n", p.id);
    if let Some(earlier) = &p.compared_with {
        if p.changes.is_empty() {
            s.push_str(&format!("  same prices as {earlier}\n"));
        } else {
            s.push_str(&format!("  compared with {earlier}:\n"));
        }
    }
    for c in &p.changes {
        let note = if c.affects_invoices {
            ""
        } else {
            " (no effect on invoices)"
        };
        s.push_str(&format!("  - {}{note}\n", c.message));
    }
    s
}

fn summary(report: &Report) -> String {
    let count = |st: Status| report.plans.iter().filter(|p| p.status == st).count();
    let parts: Vec<String> = [
        (Status::Changed, "changed"),
        (Status::Added, "added"),
        (Status::Removed, "removed"),
        (Status::Unchanged, "unchanged"),
    ]
    .iter()
    .filter(|(st, _)| count(*st) > 0)
    .map(|(st, word)| format!("{} {word}", count(*st)))
    .collect();
    if report.plans.iter().all(|p| p.status == Status::Unchanged) {
        let n = report.plans.len();
        return format!("no changes ({n} {})", if n == 1 { "plan" } else { "plans" });
    }
    let n: usize = report.plans.len();
    format!(
        "{n} {}: {}",
        if n == 1 { "plan" } else { "plans" },
        parts.join(", ")
    )
}

/// What `--check` prints to stderr for each violation: the rule and how to fix it.
pub fn violation(v: &Violation) -> String {
    let what = if v.changes == 1 {
        "1 change that affects invoices".to_string()
    } else {
        format!("{} changes that affect invoices", v.changes)
    };
    let help = if v.already_added {
        format!(
            "restore `{}` as it was; the new prices belong in `{}`, which this change adds",
            v.plan, v.publish_as
        )
    } else {
        format!(
            "publish it as `{}` (a copy with the new prices) and restore `{}` as it was",
            v.publish_as, v.plan
        )
    };
    format!(
        "error[plan-changed-in-place]: `{}` is published and was changed in place ({what}); a published plan version is immutable\n  help: {help}\n",
        v.plan
    )
}

/// The machine report, `version: 1`.
pub fn json(report: &Report) -> Value {
    let plans: Vec<Value> = report
        .plans
        .iter()
        .map(|p| {
            let mut v = json!({
                "plan": p.id,
                "title": p.title,
                "status": p.status.as_str(),
                "changes": p.changes.iter().map(|c| json!({
                    "pointer": c.pointer,
                    "message": c.message,
                    "affects_invoices": c.affects_invoices,
                })).collect::<Vec<_>>(),
            });
            if let (Some(earlier), Some(obj)) = (&p.compared_with, v.as_object_mut()) {
                obj.insert("compared_with".into(), json!(earlier));
            }
            v
        })
        .collect();
    let violations: Vec<Value> = report
        .violations
        .iter()
        .map(|v| {
            json!({
                "code": "plan-changed-in-place",
                "plan": v.plan,
                "publish_as": v.publish_as,
                "changes": v.changes,
            })
        })
        .collect();
    json!({ "version": 1, "plans": plans, "violations": violations })
}
