#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Properties: the reader and the checker never panic, whatever they are given, and what they
//! report is well-formed (sorted, in bounds, pointing at nodes that exist).

use proptest::prelude::*;
use tariffc::check::check;
use tariffc::syntax::json::parse;
use tariffc::syntax::tree::Node;

/// Everything `check` reports is in source order, within the text, and located by a pointer
/// that resolves in the tree; the IR comes exactly when there is no error.
fn well_formed(text: &str, tree: &Node) {
    let checked = check(tree);
    let diags = &checked.diagnostics;
    assert!(diags.windows(2).all(|w| w[0].span.start <= w[1].span.start));
    // Under a duplicated key a pointer cannot say which twin it means (RFC 6901 follows the
    // first); everywhere else it must resolve.
    let twins = diags.iter().any(|d| d.code == "duplicate-key");
    for d in diags {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "{d:?}"
        );
        assert!(
            twins || tree.pointer(&d.pointer).is_some(),
            "{d:?} in {text}"
        );
        assert!(!d.message.is_empty() && !d.message.contains('\n'));
    }
    let has_errors = diags.iter().any(|d| d.is_error());
    assert_eq!(checked.document.is_some(), !has_errors, "{diags:?}");
    if let Some(doc) = checked.document {
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(json, serde_json::to_string(&doc).unwrap());
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        ".{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((".{0,8}", inner), 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Pricing-shaped text: keys and values from the format's own vocabulary, numbers of every
/// awkward kind, duplicates and comments, so generated documents reach the deep rules.
fn pricing_text() -> impl Strategy<Value = String> {
    const KEYS: &[&str] = &[
        "plans",
        "plan:a@1",
        "plan:b@2",
        "plan:x",
        "title",
        "currency",
        "interval",
        "features",
        "feature:a",
        "feature:b",
        "feature:c",
        "feature",
        "addons",
        "addon:p",
        "addon:q",
        "recharge",
        "base",
        "mode",
        "aggregate",
        "tiers",
        "divide",
        "by",
        "rounding",
        "grants",
        "amount",
        "every",
        "on",
        "rollover",
        "max",
        "expires_after",
        "overage",
        "cost",
        "upto",
        "price",
        "below",
        "buy",
        "enabled",
        "$schema",
        "prise",
    ];
    const ATOMS: &[&str] = &[
        "0",
        "1",
        "-1",
        "2",
        "10",
        "100",
        "0.5",
        "1e2",
        "1.5",
        "1e400",
        "1e-13",
        "-0",
        "1E+1",
        "123456789012345678901",
        "4294967296",
        "1000000000000001",
        "null",
        "true",
        "false",
        "\"sum\"",
        "\"max\"",
        "\"last\"",
        "\"perpetual\"",
        "\"volume\"",
        "\"graduated\"",
        "\"bill\"",
        "\"deny\"",
        "\"signup\"",
        "\"all\"",
        "\"none\"",
        "\"up\"",
        "\"down\"",
        "\"usd\"",
        "\"EUR\"",
        "\"xxx\"",
        "\"@monthly\"",
        "\"feature:a\"",
        "\"feature:b\"",
        "\"addon:p\"",
        "\"addon:q\"",
        "\"\"",
        "[]",
        "{}",
    ];
    let atom = prop::sample::select(ATOMS).prop_map(str::to_string);
    atom.prop_recursive(6, 96, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..5).prop_map(|m| {
                let members: Vec<String> = m
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                format!("{{ /* c */ {}, }}", members.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(tree) = parse(&text) {
            well_formed(&text, &tree);
        }
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let text = serde_json::to_string_pretty(&value).unwrap();
        let tree = parse(&text).unwrap();
        well_formed(&text, &tree);
        let wrapped = format!("{{\"plans\": {{\"plan:a@1\": {{\"features\": {{\"feature:a\": {text}}}}}}}}}");
        well_formed(&wrapped, &parse(&wrapped).unwrap());
    }

    #[test]
    fn pricing_shaped_documents_never_panic(text in pricing_text()) {
        if let Ok(tree) = parse(&text) {
            well_formed(&text, &tree);
        }
        let wrapped = format!("{{\"plans\": {{\"plan:a@1\": {text}}}}}");
        if let Ok(tree) = parse(&wrapped) {
            well_formed(&wrapped, &tree);
        }
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse(&text).is_err());
    // Just under the reader's limit, the checker and the schema pass still cope.
    for (open, close, depth) in [("[", "]", 500), ("{\"tiers\": ", "}", 250)] {
        let inner = format!("{}1{}", open.repeat(depth), close.repeat(depth));
        let text = format!(
            "{{\"plans\": {{\"plan:a@1\": {{\"features\": {{\"feature:a\": {inner}}}}}}}}}"
        );
        let tree = parse(&text).unwrap();
        well_formed(&text, &tree);
    }
}
