//! The JSON Schema pass: `schemas/pricing.schema.json`, enforced with the `jsonschema` crate.
//!
//! Invariant: every schema error becomes one readable diagnostic at the span of the value (or
//! key) it is about, never the validator's raw text. Numbers, ids and cross-field rules belong
//! to the checker's own passes (they need exact decimals and tier's messages), so the schema's
//! numeric bounds, patterns and `propertyNames` serve editors only and their errors are left
//! to those passes.

use super::ctx::{article, unknown_key, unknown_value};
use super::lower;
use super::numbers;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::tree::{Node, Value};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;
use std::sync::OnceLock;

/// The schema's text, as `tariffc schema pricing` prints it.
pub const PRICING_SCHEMA: &str = include_str!("../../schemas/pricing.schema.json");

fn validator() -> Result<&'static jsonschema::Validator, String> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            let schema: Json = serde_json::from_str(PRICING_SCHEMA).map_err(|e| e.to_string())?;
            jsonschema::validator_for(&schema).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Validate a document's structure against the schema.
pub fn validate(tree: &Node) -> Vec<Diagnostic> {
    let validator = match validator() {
        Ok(v) => v,
        Err(e) => {
            return vec![Diagnostic::error(
                "internal",
                Span::new(0, 0),
                format!("the pricing schema does not compile: {e}"),
            )
            .with_help("this is a bug in tariffc; please report it")]
        }
    };
    let instance = to_json(tree, Place::Root);
    let mut out = Vec::new();
    for error in validator.iter_errors(&instance) {
        let ptr = error.instance_path().as_str();
        let Some(node) = tree.pointer(ptr) else {
            continue;
        };
        out.extend(diagnose(error.kind(), node, ptr));
    }
    out
}

/// Where an object sits, to tell maps (keyed by ids, where `null` is a wrong value) from
/// fixed-field objects (where `null` means absent and is dropped before validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Plans,
    Plan,
    Features,
    Feature,
    Addons,
    Addon,
    Cost,
    Other,
}

impl Place {
    fn is_map(self) -> bool {
        matches!(
            self,
            Place::Plans | Place::Features | Place::Addons | Place::Cost
        )
    }

    fn child(self, key: &str) -> Place {
        match (self, key) {
            (Place::Root, "plans") => Place::Plans,
            (Place::Plans, _) => Place::Plan,
            (Place::Plan, "features") => Place::Features,
            (Place::Plan, "addons") => Place::Addons,
            (Place::Features, _) => Place::Feature,
            (Place::Addons, _) => Place::Addon,
            (Place::Feature, "cost") => Place::Cost,
            _ => Place::Other,
        }
    }
}

/// The tree as a `serde_json` value for the validator: first of duplicate keys, `null` members
/// of fixed-field objects dropped (absent), numbers by their exact value (or 0 when they cannot
/// be held; the number pass reports those).
fn to_json(node: &Node, place: Place) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Number(text) => {
            let number = numbers::parse(text)
                .ok()
                .and_then(|d| d.to_string().parse::<serde_json::Number>().ok())
                .unwrap_or_else(|| serde_json::Number::from(0));
            Json::Number(number)
        }
        Value::Array(items) => {
            Json::Array(items.iter().map(|i| to_json(i, Place::Other)).collect())
        }
        Value::Object(members) => {
            let mut map = serde_json::Map::new();
            for m in members {
                if map.contains_key(&m.key) || (!place.is_map() && m.value.value == Value::Null) {
                    continue;
                }
                map.insert(m.key.clone(), to_json(&m.value, place.child(&m.key)));
            }
            Json::Object(map)
        }
    }
}

/// The reference tokens of a pointer, unescaped.
fn tokens(ptr: &str) -> Vec<String> {
    ptr.split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// What kind of fixed-field object a pointer names: its description and its keys.
pub fn object_kind(ptr: &str) -> (&'static str, &'static [&'static str]) {
    let (what, keys, _) = object_def(ptr);
    (what, keys)
}

/// The object a pointer names: description, keys, and its definition in the schema.
fn object_def(ptr: &str) -> (&'static str, &'static [&'static str], Option<&'static str>) {
    let t = tokens(ptr);
    let t: Vec<&str> = t.iter().map(String::as_str).collect();
    match t.as_slice() {
        [] => ("the document", lower::ROOT_KEYS, None),
        ["plans", _] => ("a plan", lower::PLAN_KEYS, Some("plan")),
        ["plans", _, "features", _] => ("a feature", lower::FEATURE_KEYS, Some("feature")),
        ["plans", _, "features", _, "tiers", _] => ("a tier", lower::TIER_KEYS, Some("tier")),
        ["plans", _, "features", _, "divide"] => ("`divide`", lower::DIVIDE_KEYS, Some("divide")),
        ["plans", _, "features", _, "grants", _] => ("a grant", lower::GRANT_KEYS, Some("grant")),
        ["plans", _, "features", _, "grants", _, "rollover"] => {
            ("`rollover`", lower::ROLLOVER_KEYS, Some("rolloverMax"))
        }
        ["plans", _, "addons", _] => ("an add-on", lower::ADDON_KEYS, Some("addon")),
        ["plans", _, "addons", _, "grants", _] => (
            "an add-on grant",
            lower::ADDON_GRANT_KEYS,
            Some("addonGrant"),
        ),
        ["plans", _, "recharge", _] => ("a recharge rule", lower::RECHARGE_KEYS, Some("recharge")),
        _ => ("an object", &[], None),
    }
}

fn schema_json() -> Option<&'static Json> {
    static SCHEMA: OnceLock<Option<Json>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| serde_json::from_str(PRICING_SCHEMA).ok())
        .as_ref()
}

/// The schema's description of the value a pointer names, as help text.
pub fn describe(ptr: &str) -> Option<String> {
    let schema = schema_json()?;
    let (parent, field) = ptr.rsplit_once('/')?;
    let path = match object_def(parent) {
        (_, _, Some(def)) => format!("/$defs/{def}/properties/{field}/description"),
        ("the document", _, None) => format!("/properties/{field}/description"),
        _ => format!("/$defs/{}/description", object_def(ptr).2?),
    };
    let text = schema.pointer(&path)?.as_str()?;
    let field = field.replace("~1", "/").replace("~0", "~");
    Some(format!("`{field}`: {}", lower_first(text)))
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The field a pointer ends in, for messages.
fn field(ptr: &str) -> String {
    tokens(ptr).pop().unwrap_or_default()
}

fn json_type_name(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    };
    let names: Vec<String> = names.iter().map(|n| article(n)).collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "another type".to_string(),
    }
}

/// One schema error → at most a few diagnostics (none for what other passes own).
fn diagnose(kind: &ValidationErrorKind, node: &Node, ptr: &str) -> Vec<Diagnostic> {
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let (what, known) = object_kind(ptr);
            unexpected
                .iter()
                .map(|key| {
                    let span = node
                        .members()
                        .and_then(|ms| ms.iter().find(|m| &m.key == key))
                        .map_or(node.span, |m| m.key_span);
                    unknown_key(key, span, &crate::diag::pointer_push(ptr, key), known, what)
                })
                .collect()
        }
        ValidationErrorKind::Required { property } => {
            let key = property.as_str().unwrap_or_default();
            let (what, _) = object_kind(ptr);
            if what == "a plan" && key == "features" {
                return vec![no_features(node.span, ptr)];
            }
            vec![missing_key(node.span, ptr, what, key)]
        }
        ValidationErrorKind::Type { kind } => {
            let integer_only = matches!(kind, TypeKind::Single(jsonschema::JsonType::Integer));
            if integer_only && matches!(node.value, Value::Number(_)) {
                return Vec::new(); // `number-integer`, from the exact value
            }
            let name = field(ptr);
            let subject = if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
                String::new()
            } else {
                format!(" for `{name}`")
            };
            let diag = Diagnostic::error(
                "wrong-type",
                node.span,
                format!(
                    "expected {}{subject}, found {}",
                    json_type_name(kind),
                    article(node.type_name())
                ),
            )
            .with_pointer(ptr);
            vec![with_description(diag, ptr)]
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<&str> = options
                .as_array()
                .map(|a| a.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            vec![enum_value(node, ptr, &options)]
        }
        ValidationErrorKind::Constant { expected_value } => {
            let options: Vec<&str> = expected_value.as_str().into_iter().collect();
            vec![enum_value(node, ptr, &options)]
        }
        ValidationErrorKind::MinItems { .. } => {
            let name = field(ptr);
            vec![
                Diagnostic::error("empty-list", node.span, format!("`{name}` is empty"))
                    .with_pointer(ptr)
                    .with_help(format!("remove `{name}`, or list at least one entry")),
            ]
        }
        ValidationErrorKind::MinProperties { .. } if field(ptr) == "features" => {
            vec![no_features(node.span, ptr)]
        }
        // Owned by the number, id and cost passes, which know the exact values.
        ValidationErrorKind::MinProperties { .. }
        | ValidationErrorKind::MaxProperties { .. }
        | ValidationErrorKind::Minimum { .. }
        | ValidationErrorKind::Maximum { .. }
        | ValidationErrorKind::ExclusiveMinimum { .. }
        | ValidationErrorKind::ExclusiveMaximum { .. }
        | ValidationErrorKind::MultipleOf { .. }
        | ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::PropertyNames { .. } => Vec::new(),
        other => vec![with_description(
            Diagnostic::error(
                "schema",
                node.span,
                format!(
                    "the value does not match the schema's `{}`",
                    other.keyword()
                ),
            )
            .with_pointer(ptr),
            ptr,
        )],
    }
}

fn enum_value(node: &Node, ptr: &str, options: &[&str]) -> Diagnostic {
    match node.as_str() {
        Some(s) => unknown_value(&field(ptr), s, node.span, ptr, options),
        None => with_description(
            Diagnostic::error(
                "wrong-type",
                node.span,
                format!(
                    "expected {} for `{}`, found {}",
                    super::suggest::list(options),
                    field(ptr),
                    article(node.type_name())
                ),
            )
            .with_pointer(ptr),
            ptr,
        ),
    }
}

/// Attach the schema's description of the value at `ptr` as help, when there is one.
pub fn with_description(diag: Diagnostic, ptr: &str) -> Diagnostic {
    match describe(ptr) {
        Some(help) => diag.with_help(help),
        None => diag.with_help("`tariffc schema pricing` prints the format"),
    }
}

/// `missing-key` for `key` of the object at `ptr`, with the key's description as help.
pub fn missing_key(span: Span, ptr: &str, what: &str, key: &str) -> Diagnostic {
    let diag = Diagnostic::error("missing-key", span, format!("{what} is missing `{key}`"))
        .with_pointer(ptr);
    with_description(diag, &crate::diag::pointer_push(ptr, key))
}

/// tier's message for a plan without features.
pub fn no_features(span: Span, ptr: &str) -> Diagnostic {
    Diagnostic::error("no-features", span, "plans must have at least one feature")
        .with_pointer(ptr)
        .with_help("add a feature under `features`, e.g. `\"feature:base\": { \"base\": 1000 }`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_compiles() {
        assert!(validator().is_ok(), "{:?}", validator().err());
    }

    /// The schema and the lowerer agree on every object's keys.
    #[test]
    fn schema_keys_match_the_lowerer() {
        let schema: Json = serde_json::from_str(PRICING_SCHEMA).unwrap();
        let keys = |path: &str| -> Vec<String> {
            let mut k: Vec<String> = schema
                .pointer(path)
                .and_then(Json::as_object)
                .unwrap()
                .keys()
                .cloned()
                .collect();
            k.sort();
            k
        };
        let sorted = |k: &[&str]| -> Vec<String> {
            let mut v: Vec<String> = k.iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(keys("/properties"), sorted(lower::ROOT_KEYS));
        for (def, known) in [
            ("plan", lower::PLAN_KEYS),
            ("feature", lower::FEATURE_KEYS),
            ("tier", lower::TIER_KEYS),
            ("divide", lower::DIVIDE_KEYS),
            ("grant", lower::GRANT_KEYS),
            ("rolloverMax", lower::ROLLOVER_KEYS),
            ("addon", lower::ADDON_KEYS),
            ("addonGrant", lower::ADDON_GRANT_KEYS),
            ("recharge", lower::RECHARGE_KEYS),
        ] {
            assert_eq!(
                keys(&format!("/$defs/{def}/properties")),
                sorted(known),
                "{def}"
            );
        }
    }

    /// Every property in the schema has a description (editors show them).
    #[test]
    fn every_property_is_described() {
        fn walk(v: &Json, path: &str) {
            if let Some(props) = v.get("properties").and_then(Json::as_object) {
                for (k, p) in props {
                    assert!(p.get("description").is_some(), "{path}/properties/{k}");
                    walk(p, &format!("{path}/properties/{k}"));
                }
            }
            if let Some(defs) = v.get("$defs").and_then(Json::as_object) {
                for (k, d) in defs {
                    assert!(d.get("description").is_some(), "{path}/$defs/{k}");
                    walk(d, &format!("{path}/$defs/{k}"));
                }
            }
        }
        walk(&serde_json::from_str(PRICING_SCHEMA).unwrap(), "");
    }
}

#[cfg(test)]
mod mapping_tests {
    use super::*;

    fn diags(text: &str) -> Vec<(String, String, String)> {
        let tree = crate::syntax::json::parse(text).unwrap();
        validate(&tree)
            .into_iter()
            .map(|d| {
                let at = text[d.span.start..d.span.end].to_string();
                (d.code.to_string(), d.pointer, at)
            })
            .collect()
    }

    #[test]
    fn errors_land_on_the_offending_key_or_value() {
        let text = r#"{ "plans": { "plan:a@1": { "features": {
            "feature:x": { "tiers": [ { "prise": 1 } ], "mode": "Volume", "base": "1" } },
            "addons": { "addon:p": { "price": 1 } } } } }"#;
        let got = diags(text);
        let want = [
            (
                "unknown-key",
                "/plans/plan:a@1/features/feature:x/tiers/0/prise",
                "\"prise\"",
            ),
            (
                "unknown-value",
                "/plans/plan:a@1/features/feature:x/mode",
                "\"Volume\"",
            ),
            (
                "wrong-type",
                "/plans/plan:a@1/features/feature:x/base",
                "\"1\"",
            ),
            (
                "missing-key",
                "/plans/plan:a@1/addons/addon:p",
                "{ \"price\": 1 }",
            ),
        ];
        for w in want {
            let w = (w.0.to_string(), w.1.to_string(), w.2.to_string());
            assert!(got.contains(&w), "{w:?} not in {got:?}");
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
    }

    #[test]
    fn numbers_ids_and_patterns_are_left_to_the_checker() {
        let text = r#"{ "plans": { "bad": { "currency": "dollars", "features": {
            "feature:x": { "base": -1, "tiers": [ { "upto": 1.5 } ] } } } } }"#;
        assert_eq!(diags(text), []);
    }

    #[test]
    fn nulls_are_absent_in_fixed_objects_only() {
        let text =
            r#"{ "plans": { "plan:a@1": { "title": null, "features": { "feature:x": null } } } }"#;
        let got = diags(text);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "/plans/plan:a@1/features/feature:x");
    }

    #[test]
    fn descriptions_become_help() {
        assert!(describe("/plans/plan:a@1/features/feature:x/tiers/0/upto")
            .unwrap()
            .starts_with("`upto`: inclusive upper bound"));
        assert!(describe("/plans/plan:a@1/title").is_some());
        assert!(describe("/plans").is_some());
        assert!(describe("/plans/plan:a@1/features/feature:x").is_some());
    }
}
