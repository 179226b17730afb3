//! Every example ships in both forms, and the two say the same thing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

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

fn load(path: &Path) -> tariffc::load::Loaded {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "cannot read {p}: every example ships in both forms; write the text twin with \
             `tariffc convert {json} --to text -o {p}` and add the JSON file's comments",
            p = path.display(),
            json = path.with_extension("json").display()
        )
    });
    let source = tariffc::source::Source::new(path.display().to_string(), text);
    let format = tariffc::source::SourceFormat::from_path(&source.name).unwrap();
    tariffc::load::load(source, format)
}

#[test]
fn every_json_example_has_a_text_twin_with_the_same_ir() {
    for json_path in examples() {
        let text_path = json_path.with_extension("tariff");
        let from_json = load(&json_path);
        let from_text = load(&text_path);
        assert!(
            !from_text.has_errors(),
            "{}: {:#?}",
            text_path.display(),
            from_text.diagnostics
        );
        assert!(from_json.document.is_some(), "{}", json_path.display());
        assert_eq!(
            from_text.document,
            from_json.document,
            "{} and {} give different IR",
            text_path.display(),
            json_path.display()
        );
    }
}

#[test]
fn converting_each_json_example_to_text_gives_back_its_ir() {
    for json_path in examples() {
        let ir = load(&json_path).document.unwrap();
        let printed = tariffc::syntax::text::print::print(&ir);
        let tree = tariffc::syntax::text::parse(&printed)
            .unwrap_or_else(|d| panic!("{}: {d:#?}\n{printed}", json_path.display()));
        let checked = tariffc::check::check(&tree);
        assert_eq!(checked.document.as_ref(), Some(&ir), "{printed}");
    }
}

/// The ```tariff blocks of the language reference.
fn reference_blocks() -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md"))
            .unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```tariff") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(blocks.len() > 5, "too few examples in docs/language.md");
    blocks
}

#[test]
fn every_reference_example_is_valid_text() {
    for block in reference_blocks() {
        let candidates = [
            block.clone(),
            format!("plan x@1 {{\n{block}\n}}"),
            format!("plan x@1 {{\n feature words\n feature credits {{ grant 1 every month }}\n feature credits20 {{ {block} }}\n}}"),
        ];
        let parsed = candidates
            .iter()
            .find_map(|c| tariffc::syntax::text::parse(c).ok());
        let tree = parsed.unwrap_or_else(|| panic!("does not parse:\n{block}"));
        if block.contains("plan ") {
            let checked = tariffc::check::check(&tree);
            assert!(
                checked.document.is_some(),
                "{block}\n{:#?}",
                checked.diagnostics
            );
        }
    }
}

#[test]
fn the_reference_teaches_the_gym_plan() {
    let gym = reference_blocks().into_iter().next().unwrap();
    let from_reference = tariffc::check::check(&tariffc::syntax::text::parse(&gym).unwrap());
    let json = load(&example("gym.json"));
    assert_eq!(from_reference.document, json.document);
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}
