//! Every example ships in both forms, and the two say the same thing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use tariffc::source::Span;
use tariffc::syntax::tree::{Member, Node, Value};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no JSON examples in {}", dir.display());
    paths
}

/// The tree without spans, without `$schema`, and without members that only restate a default
/// the text form always writes (`currency usd`, `monthly`).
fn shape(node: &Node) -> Node {
    let value = match &node.value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|m| m.key != "$schema")
                .filter(|m| {
                    !(m.key == "currency" && m.value.as_str() == Some("usd")
                        || m.key == "interval" && m.value.as_str() == Some("@monthly"))
                })
                .map(|m| Member {
                    key: m.key.clone(),
                    key_span: Span::default(),
                    value: shape(&m.value),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        other => other.clone(),
    };
    Node::new(Span::default(), value)
}

#[test]
fn every_json_example_has_a_text_twin_with_the_same_document() {
    for json_path in examples() {
        let text_path = json_path.with_extension("tariff");
        let json = std::fs::read_to_string(&json_path).unwrap();
        let text = std::fs::read_to_string(&text_path)
            .unwrap_or_else(|_| panic!("{} has no text twin", json_path.display()));
        let from_json = tariffc::syntax::json::parse(&json).unwrap();
        let from_text = tariffc::syntax::text::parse(&text)
            .unwrap_or_else(|d| panic!("{}: {d:?}", text_path.display()));
        assert_eq!(
            shape(&from_text),
            shape(&from_json),
            "{} and {} differ",
            text_path.display(),
            json_path.display()
        );
    }
}
