//! Identifier grammar: `plan:NAME@VERSION`, `feature:NAME`, `addon:NAME`.
//!
//! Invariant: the messages for malformed plan and feature ids are tier's, word for word, so a
//! tier user sees the message they know; add-on ids follow the same pattern.

/// Why a plan id is malformed (tier's message), or `None` when it is well-formed.
pub fn plan_error(id: &str) -> Option<&'static str> {
    let Some(rest) = id.strip_prefix("plan:") else {
        return Some("plan name must start with 'plan:'");
    };
    let (name, version) = rest.split_once('@').unwrap_or((rest, ""));
    if version.is_empty() {
        return Some("plan must have version");
    }
    if !is_name(name) {
        return Some("plan name must match [a-zA-Z0-9:]+");
    }
    if !is_version(version) {
        return Some("plan version must match [a-zA-Z0-9]+");
    }
    None
}

/// Why a feature id is malformed (tier's message), or `None`.
pub fn feature_error(id: &str) -> Option<&'static str> {
    match id.strip_prefix("feature:") {
        None => Some("feature name must start with 'feature:'"),
        Some(name) if !is_name(name) => Some("feature name must match [a-zA-Z0-9:]+"),
        Some(_) => None,
    }
}

/// Why an add-on id is malformed, or `None`.
pub fn addon_error(id: &str) -> Option<&'static str> {
    match id.strip_prefix("addon:") {
        None => Some("addon name must start with 'addon:'"),
        Some(name) if !is_name(name) => Some("addon name must match [a-zA-Z0-9:]+"),
        Some(_) => None,
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':')
}

fn is_version(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_ids_follow_tier() {
        assert_eq!(plan_error("plan:pro@1"), None);
        assert_eq!(plan_error("plan:a:b@v2"), None);
        assert_eq!(
            plan_error("pro@1"),
            Some("plan name must start with 'plan:'")
        );
        assert_eq!(
            plan_error("Plan:pro@1"),
            Some("plan name must start with 'plan:'")
        );
        assert_eq!(plan_error("plan:pro"), Some("plan must have version"));
        assert_eq!(plan_error("plan:pro@"), Some("plan must have version"));
        assert_eq!(
            plan_error("plan:@1"),
            Some("plan name must match [a-zA-Z0-9:]+")
        );
        assert_eq!(
            plan_error("plan:p-x@1"),
            Some("plan name must match [a-zA-Z0-9:]+")
        );
        assert_eq!(
            plan_error("plan:p@1@2"),
            Some("plan version must match [a-zA-Z0-9]+")
        );
        assert_eq!(
            plan_error("plan:p@1.0"),
            Some("plan version must match [a-zA-Z0-9]+")
        );
    }

    #[test]
    fn feature_and_addon_ids() {
        assert_eq!(feature_error("feature:api:calls"), None);
        assert_eq!(
            feature_error("api"),
            Some("feature name must start with 'feature:'")
        );
        assert_eq!(
            feature_error("feature:"),
            Some("feature name must match [a-zA-Z0-9:]+")
        );
        assert_eq!(
            feature_error("feature:x@1"),
            Some("feature name must match [a-zA-Z0-9:]+")
        );
        assert_eq!(addon_error("addon:pack20"), None);
        assert_eq!(
            addon_error("pack"),
            Some("addon name must start with 'addon:'")
        );
        assert_eq!(
            addon_error("addon:p k"),
            Some("addon name must match [a-zA-Z0-9:]+")
        );
    }
}
