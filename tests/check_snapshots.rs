#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Snapshots of rendered diagnostics: human (miette, fixed width, no colour) and JSON.

use tariffc::load::{load, Loaded};
use tariffc::render::{self, FileDiagnostics};
use tariffc::source::{Source, SourceFormat};

fn loaded(path: &str) -> Loaded {
    let text = std::fs::read_to_string(path).unwrap();
    load(Source::new(path, text), SourceFormat::Json)
}

fn human(path: &str) -> String {
    let l = loaded(path);
    render::human(&l.source, &l.diagnostics, false)
}

fn json(path: &str) -> String {
    let l = loaded(path);
    render::json(&[FileDiagnostics {
        source: &l.source,
        diagnostics: &l.diagnostics,
    }])
}

#[test]
fn human_tier_order() {
    insta::assert_snapshot!(human("tests/corpus/invalid/tier-order.json"));
}

#[test]
fn human_unknown_keys() {
    insta::assert_snapshot!(human("tests/corpus/invalid/unknown-keys.json"));
}

#[test]
fn human_misnested_plan() {
    insta::assert_snapshot!(human("tests/corpus/invalid/tier-docs-misnested.json"));
}

#[test]
fn human_warnings() {
    insta::assert_snapshot!(human("tests/corpus/valid/warnings.json"));
}

#[test]
fn human_syntax_error() {
    insta::assert_snapshot!(human("tests/corpus/invalid/json-syntax.json"));
}

#[test]
fn json_recharge() {
    insta::assert_snapshot!(json("tests/corpus/invalid/recharge.json"));
}

#[test]
fn json_numbers() {
    insta::assert_snapshot!(json("tests/corpus/invalid/numbers.json"));
}

/// The IR's serialized form is a contract for `compile` users: lock it on a document with
/// every kind of feature, grant, add-on and recharge rule.
#[test]
fn compile_kinds() {
    let l = loaded("tests/corpus/valid/kinds.json");
    let doc = l.document.unwrap();
    insta::assert_snapshot!(tariffc::cmd::compile::to_json(&doc).unwrap());
}
