//! The catalogue of diagnostic codes the JSON front-end and the checker emit.
//!
//! Invariant: codes are stable, kebab-case, and each appears here once with a one-line
//! description (used as the SARIF rule description and in docs); a test checks that every code
//! the corpus produces is listed.

use crate::diag::Severity;

/// (code, severity, description)
pub const CODES: &[(&str, Severity, &str)] = &[
    (
        "json-syntax",
        Severity::Error,
        "the file is not JSON (comments and trailing commas allowed)",
    ),
    (
        "duplicate-key",
        Severity::Error,
        "a key appears twice in one object",
    ),
    (
        "unknown-key",
        Severity::Error,
        "a key the format does not define (keys are case-sensitive)",
    ),
    ("missing-key", Severity::Error, "a required key is absent"),
    (
        "wrong-type",
        Severity::Error,
        "a value of the wrong JSON type",
    ),
    (
        "unknown-value",
        Severity::Error,
        "a string outside the field's allowed values",
    ),
    (
        "empty-list",
        Severity::Error,
        "a list that must not be empty is empty",
    ),
    (
        "null-as-absent",
        Severity::Warning,
        "`null` for an optional field, read as absent",
    ),
    (
        "plan-id",
        Severity::Error,
        "a malformed plan id (tier's rules)",
    ),
    (
        "feature-id",
        Severity::Error,
        "a malformed feature id (tier's rules)",
    ),
    ("addon-id", Severity::Error, "a malformed add-on id"),
    (
        "number-precision",
        Severity::Error,
        "a number with more than 12 decimal places",
    ),
    (
        "number-digits",
        Severity::Error,
        "a number with more than 18 significant digits",
    ),
    (
        "number-integer",
        Severity::Error,
        "a fractional value in a whole-number field",
    ),
    (
        "number-range",
        Severity::Error,
        "a number outside its field's bounds",
    ),
    (
        "number-syntax",
        Severity::Error,
        "a number that is not JSON number syntax",
    ),
    ("no-features", Severity::Error, "a plan without features"),
    (
        "unknown-currency",
        Severity::Error,
        "a currency code that is not ISO 4217 with a minor unit",
    ),
    (
        "currency-case",
        Severity::Warning,
        "a currency code that is not lower case",
    ),
    (
        "empty-tiers",
        Severity::Warning,
        "`tiers: []`, read as absent (as in tier)",
    ),
    (
        "tier-order",
        Severity::Error,
        "tier `upto` values that do not strictly increase",
    ),
    (
        "tier-unbounded",
        Severity::Error,
        "an unbounded tier that is not the last",
    ),
    (
        "base-with-tiers",
        Severity::Error,
        "a feature `base` together with tiers",
    ),
    (
        "free-after-priced",
        Severity::Warning,
        "a free tier after a priced one",
    ),
    (
        "divide-tiers",
        Severity::Error,
        "`divide` without exactly one tier",
    ),
    (
        "divide-base",
        Severity::Error,
        "`divide` with a tier that has a `base`",
    ),
    (
        "grant-schedule",
        Severity::Error,
        "a grant without exactly one of `every` and `on`",
    ),
    (
        "rollover-signup",
        Severity::Error,
        "`rollover` on a signup grant",
    ),
    (
        "not-balance",
        Severity::Error,
        "grants, packs, costs or recharge rules on a feature that is not a balance feature",
    ),
    (
        "costing-field",
        Severity::Error,
        "a field a feature with `cost` cannot have",
    ),
    (
        "overage-flat",
        Severity::Error,
        "`overage` on a flat feature",
    ),
    (
        "overage-bill-without-tiers",
        Severity::Error,
        "`overage: bill` without tiers to price it",
    ),
    (
        "unknown-feature",
        Severity::Error,
        "a reference to a feature the plan does not have",
    ),
    (
        "unknown-addon",
        Severity::Error,
        "a reference to an add-on the plan does not have",
    ),
    (
        "cost-chain",
        Severity::Error,
        "a `cost` whose target has a `cost` itself",
    ),
    (
        "cost-entries",
        Severity::Error,
        "a `cost` without exactly one entry",
    ),
    (
        "recharge-duplicate",
        Severity::Error,
        "a second recharge rule for one feature",
    ),
    (
        "recharge-pack",
        Severity::Error,
        "a recharge rule buying an add-on that does not grant its feature",
    ),
    (
        "deny-without-cap",
        Severity::Warning,
        "`deny` on a feature whose tiers and grants limit nothing",
    ),
    (
        "grants-with-volume",
        Severity::Warning,
        "grants on a feature with volume tiers",
    ),
    (
        "schema",
        Severity::Error,
        "a value the JSON Schema refuses for another reason",
    ),
    (
        "internal",
        Severity::Error,
        "an internal failure of the checker",
    ),
];

/// The description of a code, if it is one of the checker's.
pub fn describe(code: &str) -> Option<&'static str> {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for (code, _, description) in CODES {
            assert!(seen.insert(code), "{code} twice");
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{code}"
            );
            assert!(!description.is_empty());
        }
    }
}
