//! `diff`: what changed between two pricing documents, plan by plan, in pricing terms, and
//! which published plan versions were changed in place.
//!
//! Invariant: the diff is semantic — it compares checked IR (defaults filled, decimals
//! normalized), so layout, comments, key order and spelled-out defaults never show up. Every
//! change says whether it can affect an invoice; only titles cannot. A plan version present in
//! both documents with a change that can affect an invoice is a violation of tier's rule that a
//! published plan version is immutable, and comes with the version to publish instead.

pub(crate) mod compare;
pub mod render;

use crate::ir::{Document, Plan};

/// One difference, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// RFC 6901 pointer into the JSON form of the new document (the old one for removals).
    pub pointer: String,
    /// `tier 2 price $0.0008 → $0.0007 a unit`.
    pub message: String,
    /// False only for changes no invoice can see (titles).
    pub affects_invoices: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
    Unchanged,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
            Status::Unchanged => "unchanged",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDiff {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// For a changed plan: its changes. For an added plan with an earlier version of the same
    /// name in the old document: the changes from that version (see `compared_with`).
    pub changes: Vec<Change>,
    pub compared_with: Option<String>,
}

/// A published plan version changed in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub plan: String,
    /// The version id to publish the new prices under.
    pub publish_as: String,
    /// Whether `publish_as` is already added by the new document.
    pub already_added: bool,
    /// How many changes affect invoices.
    pub changes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// New document order, then removed plans in old document order.
    pub plans: Vec<PlanDiff>,
    pub violations: Vec<Violation>,
}

/// Compare two documents.
pub fn diff(old: &Document, new: &Document) -> Report {
    let mut report = Report::default();
    for plan in &new.plans {
        match old.plan(&plan.id) {
            Some(before) => {
                let changes = compare::plan(before, plan);
                let billing = changes.iter().filter(|c| c.affects_invoices).count();
                if billing > 0 {
                    report.violations.push(violation(old, new, plan, billing));
                }
                report.plans.push(PlanDiff {
                    id: plan.id.clone(),
                    title: plan.title.clone(),
                    status: if changes.is_empty() {
                        Status::Unchanged
                    } else {
                        Status::Changed
                    },
                    changes,
                    compared_with: None,
                });
            }
            None => {
                let earlier = old.plans.iter().rev().find(|p| p.name() == plan.name());
                report.plans.push(PlanDiff {
                    id: plan.id.clone(),
                    title: plan.title.clone(),
                    status: Status::Added,
                    changes: earlier.map_or_else(Vec::new, |e| compare::plan(e, plan)),
                    compared_with: earlier.map(|e| e.id.clone()),
                });
            }
        }
    }
    for plan in &old.plans {
        if new.plan(&plan.id).is_none() {
            report.plans.push(PlanDiff {
                id: plan.id.clone(),
                title: plan.title.clone(),
                status: Status::Removed,
                changes: Vec::new(),
                compared_with: None,
            });
        }
    }
    report
}

fn violation(old: &Document, new: &Document, plan: &Plan, changes: usize) -> Violation {
    let added = new
        .plans
        .iter()
        .find(|p| p.name() == plan.name() && old.plan(&p.id).is_none());
    match added {
        Some(p) => Violation {
            plan: plan.id.clone(),
            publish_as: p.id.clone(),
            already_added: true,
            changes,
        },
        None => Violation {
            plan: plan.id.clone(),
            publish_as: next_version(old, new, plan),
            already_added: false,
            changes,
        },
    }
}

/// The next free version id of a plan's name: one more than the largest numeric version in
/// either document (`plan:pro@2` after `plan:pro@1`), or the version with its trailing number
/// raised (`v1` → `v2`, `beta` → `beta2`) until it is unused.
pub fn next_version(old: &Document, new: &Document, plan: &Plan) -> String {
    let name = plan.name();
    let taken = |v: &str| {
        let id = format!("{name}@{v}");
        old.plan(&id).is_some() || new.plan(&id).is_some()
    };
    let numeric = old
        .plans
        .iter()
        .chain(&new.plans)
        .filter(|p| p.name() == name)
        .filter_map(|p| p.version().parse::<u64>().ok())
        .max();
    let version = plan.version();
    if let (Some(max), Ok(_)) = (numeric, version.parse::<u64>()) {
        return format!("{name}@{}", max.saturating_add(1));
    }
    let digits = version
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .count();
    let (stem, number) = version.split_at(version.len() - digits);
    let mut n = number.parse::<u64>().unwrap_or(1);
    loop {
        n = n.saturating_add(1);
        let candidate = format!("{stem}{n}");
        if !taken(&candidate) || n == u64::MAX {
            return format!("{name}@{candidate}");
        }
    }
}

/// RFC 6901 pointer from reference tokens.
pub(crate) fn pointer(tokens: &[&str]) -> String {
    tokens
        .iter()
        .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::fixtures::{self, d};
    use crate::ir::{Rollover, Schedule};

    fn messages(r: &Report, plan: &str) -> Vec<String> {
        r.plans
            .iter()
            .find(|p| p.id == plan)
            .map(|p| p.changes.iter().map(|c| c.message.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let doc = fixtures::word_bucket();
        let r = diff(&doc, &doc);
        assert!(r.violations.is_empty());
        assert!(r.plans.iter().all(|p| p.status == Status::Unchanged));
        assert_eq!(render::human(&r), "no changes (2 plans)\n");
    }

    #[test]
    fn a_price_change_in_place_is_a_violation_with_the_next_version() {
        let old = fixtures::api_tiers();
        let mut new = old.clone();
        new.plans[0].features[1].tiers[1].price = d("0.07");
        let r = diff(&old, &new);
        assert_eq!(
            messages(&r, "plan:api@1"),
            vec!["`feature:tokens` tier 2 price $0.0008 → $0.0007 a unit"]
        );
        assert_eq!(r.violations.len(), 1);
        assert_eq!(r.violations[0].publish_as, "plan:api@2");
        let c = &r.plans[0].changes[0];
        assert_eq!(
            c.pointer,
            "/plans/plan:api@1/features/feature:tokens/tiers/1/price"
        );
        assert!(render::violation(&r.violations[0]).contains("publish it as `plan:api@2`"));
    }

    #[test]
    fn titles_are_reported_but_not_violations() {
        let old = fixtures::prepaid();
        let mut new = old.clone();
        new.plans[0].title = "Prepaid".into();
        new.plans[0].features[1].title = "Tokens".into();
        new.plans[0].addons[0].title = "Small pack".into();
        let r = diff(&old, &new);
        assert!(r.violations.is_empty());
        assert_eq!(r.plans[0].changes.len(), 3);
        assert!(r.plans[0].changes.iter().all(|c| !c.affects_invoices));
        assert!(render::human(&r).contains("(no effect on invoices)"));
    }

    #[test]
    fn titles_cannot_break_lines_or_send_terminal_escapes() {
        let old = fixtures::gym();
        let mut new = old.clone();
        new.plans[0].title = "Gym\n  - fee $0\u{1b}[31m".into();
        let text = render::human(&diff(&old, &new));
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("“Gym\\n  - fee $0\\u{1b}[31m”"));
    }

    #[test]
    fn grant_changes_are_worded() {
        let old = fixtures::gym();
        let mut new = old.clone();
        new.plans[0].features[1].grants[0].expires_after = Some(3);
        new.plans[0].features[1].grants[0].rollover = Rollover::Max(d("2"));
        new.plans[0].features[1].grants.push(crate::ir::Grant {
            amount: d("1"),
            schedule: Schedule::Signup,
            rollover: Rollover::None,
            expires_after: None,
        });
        let r = diff(&old, &new);
        assert_eq!(
            messages(&r, "plan:gym@1"),
            vec![
                "`feature:session` grant of 0.5 personal training sessions rollover all → up to 2",
                "`feature:session` grant of 0.5 personal training sessions now expires after 3 periods",
                "`feature:session` grant added: 1 free personal training session at signup",
            ]
        );
    }

    #[test]
    fn fee_currency_and_interval_changes() {
        let old = fixtures::word_bucket();
        let mut new = old.clone();
        new.plans[0].features[0].base = d("3900");
        new.plans[1].currency.code = "eur".into();
        new.plans[1].interval = crate::ir::Interval::Yearly;
        let r = diff(&old, &new);
        assert_eq!(
            messages(&r, "plan:starter@1"),
            vec![
                "fee $29 a month → $39 a month",
                "`feature:platform` base fee $29 → $39"
            ]
        );
        let boss = messages(&r, "plan:boss@1");
        assert_eq!(boss[0], "currency USD → EUR");
        assert_eq!(
            boss[1],
            "billed every month → every year (@monthly → @yearly)"
        );
        assert_eq!(boss[2], "fee $59 a month → €59 a year");
        assert_eq!(r.violations.len(), 2);
    }

    #[test]
    fn added_and_removed_plans_and_parts() {
        let old = fixtures::word_bucket();
        let mut new = old.clone();
        let mut v2 = new.plans[0].clone();
        v2.id = "plan:starter@2".into();
        v2.addons.remove(1);
        new.plans.push(v2);
        new.plans.remove(1);
        let r = diff(&old, &new);
        assert!(r.violations.is_empty());
        let statuses: Vec<_> = r.plans.iter().map(|p| (p.id.as_str(), p.status)).collect();
        assert_eq!(
            statuses,
            vec![
                ("plan:starter@1", Status::Unchanged),
                ("plan:starter@2", Status::Added),
                ("plan:boss@1", Status::Removed),
            ]
        );
        assert_eq!(r.plans[1].compared_with.as_deref(), Some("plan:starter@1"));
        assert_eq!(
            messages(&r, "plan:starter@2"),
            vec!["`addon:api10` “10 extra API calls” removed"]
        );
    }

    #[test]
    fn an_in_place_edit_next_to_an_added_version_points_at_it() {
        let old = fixtures::gym();
        let mut new = old.clone();
        let mut v2 = new.plans[0].clone();
        v2.id = "plan:gym@2".into();
        new.plans.push(v2);
        new.plans[0].features[0].base = d("12000");
        let r = diff(&old, &new);
        assert_eq!(r.violations.len(), 1);
        assert!(r.violations[0].already_added);
        assert_eq!(r.violations[0].publish_as, "plan:gym@2");
    }

    #[test]
    fn next_versions() {
        let mk = |ids: &[&str]| crate::ir::Document {
            plans: ids
                .iter()
                .map(|id| fixtures::plan(id, id, vec![]))
                .collect(),
        };
        let doc = mk(&[
            "plan:pro@1",
            "plan:pro@7",
            "plan:x@v1",
            "plan:x@v2",
            "plan:b@beta",
        ]);
        let next = |id: &str| next_version(&doc, &doc, doc.plan(id).unwrap());
        assert_eq!(next("plan:pro@1"), "plan:pro@8");
        assert_eq!(next("plan:x@v1"), "plan:x@v3");
        assert_eq!(next("plan:b@beta"), "plan:b@beta2");
    }

    #[test]
    fn the_json_report_is_versioned() {
        let old = fixtures::prepaid();
        let mut new = old.clone();
        new.plans[0].recharge[0].enabled = true;
        let v = render::json(&diff(&old, &new));
        assert_eq!(v["version"], 1);
        assert_eq!(v["violations"][0]["publish_as"], "plan:prepaid@2");
        assert_eq!(
            v["plans"][0]["changes"][0]["message"],
            "auto-recharge of `feature:credits` is now on by default (was off)"
        );
        assert_eq!(v["plans"][0]["changes"][0]["affects_invoices"], true);
    }
}
