//! The editor support stays in step with the grammar.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_textmate_grammar_highlights_every_keyword_of_the_pest_grammar() {
    let tm: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/syntaxes/tariff.tmLanguage.json")).unwrap();
    let tm_text = tm.to_string();
    let pest = read("grammar/tariff.pest");
    let keywords: Vec<&str> = pest
        .lines()
        .filter(|l| l.starts_with("kw_"))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(keywords.len() > 40, "found only {keywords:?}");
    for kw in keywords {
        assert!(
            tm_text.contains(&format!("|{kw}|"))
                || tm_text.contains(&format!("({kw}|"))
                || tm_text.contains(&format!("|{kw})"))
                || tm_text.contains(&format!("({kw})")),
            "keyword `{kw}` is not highlighted"
        );
    }
}

#[test]
fn the_vscode_package_points_at_its_files() {
    let package: serde_json::Value =
        serde_json::from_str(&read("editors/vscode/package.json")).unwrap();
    let grammar = package["contributes"]["grammars"][0]["path"]
        .as_str()
        .unwrap();
    let config = package["contributes"]["languages"][0]["configuration"]
        .as_str()
        .unwrap();
    for path in [grammar, config] {
        let full = format!("editors/vscode/{}", path.trim_start_matches("./"));
        serde_json::from_str::<serde_json::Value>(&read(&full)).unwrap();
    }
}
