//! The text-form corpus: one runner for every file under `tests/corpus-text/`.
//!
//! - `valid/*.tariff` must check without errors and be in canonical layout (`fmt` leaves them
//!   as they are, comments included); a sibling `.json` must spell the same document (spans
//!   aside) and give the same IR.
//! - `lowering/*.tariff` must parse (checking may fail) into the same document as their `.json`,
//!   and format idempotently.
//! - `invalid/*.tariff` start with `# expect: CODE LINE:COL` lines: parsing and checking must report
//!   exactly those diagnostics (errors and warnings), in order; the rendered diagnostics are insta
//!   snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use tariffc::source::{Source, SourceFormat, Span};
use tariffc::syntax::text;
use tariffc::syntax::tree::{Member, Node, Value};

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus-text")
        .join(kind);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tariff"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "empty corpus {}", dir.display());
    paths
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The tree with every span zeroed, for comparing documents.
fn shape(node: &Node) -> Node {
    let value = match &node.value {
        Value::Object(members) => Value::Object(
            members
                .iter()
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

/// Every span in the tree lies inside the text, on character boundaries.
fn assert_spans_inside(node: &Node, text: &str, file: &Path) {
    let ok = |s: Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    assert!(
        ok(node.span),
        "{}: bad span {:?}",
        file.display(),
        node.span
    );
    match &node.value {
        Value::Object(members) => {
            for m in members {
                assert!(ok(m.key_span), "{}: bad key span", file.display());
                assert_spans_inside(&m.value, text, file);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|i| assert_spans_inside(i, text, file)),
        _ => {}
    }
}

fn load(path: &Path) -> tariffc::load::Loaded {
    let source = Source::new(path.display().to_string(), read(path));
    let format = SourceFormat::from_path(&source.name).unwrap();
    tariffc::load::load(source, format)
}

#[test]
fn valid_files_check_and_format_idempotently() {
    for path in corpus("valid") {
        let loaded = load(&path);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        let source = read(&path);
        let tree = loaded.tree.clone().unwrap();
        assert_spans_inside(&tree, &source, &path);
        let once = text::format::format(&source).unwrap();
        let twice = text::format::format(&once).unwrap();
        assert_eq!(once, twice, "{}: fmt is not idempotent", path.display());
        // Valid files are kept in canonical layout, so they are golden files for `fmt` too.
        assert_eq!(once, source, "{}: not in canonical layout", path.display());
        let reformatted = text::parse(&once).unwrap();
        assert_eq!(
            shape(&reformatted),
            shape(&tree),
            "{}: fmt changed the document",
            path.display()
        );
        let comments = |s: &str| s.matches('#').count();
        assert_eq!(comments(&once), comments(&source), "{}", path.display());
        let twin = path.with_extension("json");
        if twin.exists() {
            let json = load(&twin);
            assert_eq!(
                shape(&tree),
                shape(json.tree.as_ref().unwrap()),
                "{} vs its .json",
                path.display()
            );
            assert_eq!(loaded.document, json.document, "{} IR", path.display());
        }
    }
}

#[test]
fn lowering_files_spell_their_json_twins() {
    for path in corpus("lowering") {
        let source = read(&path);
        let tree = text::parse(&source).unwrap_or_else(|d| panic!("{}: {d:#?}", path.display()));
        assert_spans_inside(&tree, &source, &path);
        let json = tariffc::syntax::json::parse(&read(&path.with_extension("json"))).unwrap();
        assert_eq!(
            shape(&tree),
            shape(&json),
            "{} vs its .json",
            path.display()
        );
        let once = text::format::format(&source).unwrap();
        assert_eq!(
            text::format::format(&once).unwrap(),
            once,
            "{}",
            path.display()
        );
        assert_eq!(
            shape(&text::parse(&once).unwrap()),
            shape(&tree),
            "{}",
            path.display()
        );
    }
}

#[test]
fn invalid_files_report_the_expected_diagnostics() {
    for path in corpus("invalid") {
        let text = read(&path);
        let expected: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .map(str::to_string)
            .collect();
        assert!(
            !expected.is_empty(),
            "{}: no `# expect:` line",
            path.display()
        );
        let diagnostics = load(&path).diagnostics;
        let source = Source::new(format!("{}.tariff", name(&path)), text.as_str());
        let found: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                let at = source.line_col(d.span.start);
                format!("{} {}:{}", d.code, at.line, at.column)
            })
            .collect();
        assert_eq!(found, expected, "{}", path.display());
        let rendered = tariffc::render::human(&source, &diagnostics, false);
        let pointers: Vec<&str> = diagnostics.iter().map(|d| d.pointer.as_str()).collect();
        insta::assert_snapshot!(
            format!("text_corpus_{}", name(&path)),
            format!("pointers: {pointers:?}\n{rendered}")
        );
    }
}

/// A text file's checker diagnostics are those of the JSON it converts to: same codes, messages
/// and pointers (only the spans differ, each pointing into its own file).
#[test]
fn checker_diagnostics_match_between_text_and_its_json() {
    for path in corpus("invalid") {
        let Ok(tree) = text::parse(&read(&path)) else {
            continue;
        };
        let json = tariffc::cmd::convert::to_json(&tree);
        let json_tree = tariffc::syntax::json::parse(&json).unwrap();
        let key = |d: &tariffc::diag::Diagnostic| (d.code, d.pointer.clone(), d.message.clone());
        let mut from_text: Vec<_> = tariffc::check::check(&tree)
            .diagnostics
            .iter()
            .map(key)
            .collect();
        let mut from_json: Vec<_> = tariffc::check::check(&json_tree)
            .diagnostics
            .iter()
            .map(key)
            .collect();
        from_text.sort();
        from_json.sort();
        assert!(!from_text.is_empty(), "{}", path.display());
        assert_eq!(from_text, from_json, "{}", path.display());
    }
}

#[test]
fn fmt_is_idempotent_and_faithful_on_every_example() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "tariff") {
            continue;
        }
        let source = read(&path);
        let once = text::format::format(&source).unwrap();
        assert_eq!(
            once,
            source,
            "{} is not in canonical layout",
            path.display()
        );
    }
}
