#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The corpus runner: every file under `tests/corpus/{valid,invalid}` is checked, and its
//! diagnostics must be exactly the `// expect: CODE POINTER` lines of its header, in order.
//! Files under `valid/` must give the IR (warnings allowed); files under `invalid/` must not.

use std::path::{Path, PathBuf};
use tariffc::load::load;
use tariffc::source::{Source, SourceFormat};

fn files(dir: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(Path::new("tests/corpus").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
}

/// The `// expect: CODE [POINTER]` lines at the top of a file.
fn expectations(text: &str) -> Vec<(String, String)> {
    text.lines()
        .take_while(|l| l.starts_with("//"))
        .filter_map(|l| l.strip_prefix("// expect:"))
        .map(|rest| {
            let mut parts = rest.trim().splitn(2, ' ');
            let code = parts.next().unwrap_or_default().to_string();
            let pointer = parts.next().unwrap_or_default().trim().to_string();
            (code, pointer)
        })
        .collect()
}

/// Check every file of a directory; return the failures as readable text.
fn run(dir: &str, valid: bool) -> Vec<String> {
    let paths = files(dir);
    assert!(!paths.is_empty(), "no corpus files in {dir}");
    let mut failures = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = expectations(&text);
        let name = path.display().to_string();
        let loaded = load(Source::new(name.clone(), text), SourceFormat::Json);
        let got: Vec<(String, String)> = loaded
            .diagnostics
            .iter()
            .map(|d| (d.code.to_string(), d.pointer.clone()))
            .collect();
        if got != expected {
            let show = |v: &[(String, String)]| {
                v.iter()
                    .map(|(c, p)| format!("// expect: {c} {p}").trim_end().to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            failures.push(format!(
                "{name}\n  expected:\n{}\n  got:\n{}\n  messages: {:?}",
                show(&expected),
                show(&got),
                loaded
                    .diagnostics
                    .iter()
                    .map(|d| &d.message)
                    .collect::<Vec<_>>()
            ));
        }
        if valid != loaded.document.is_some() {
            failures.push(format!(
                "{name}: expected {} IR",
                if valid { "an" } else { "no" }
            ));
        }
        if !valid && !loaded.has_errors() {
            failures.push(format!("{name}: an invalid file without errors"));
        }
        for d in &loaded.diagnostics {
            let known = tariffc::check::codes::describe(d.code).is_some();
            let lower = d.message.chars().next().is_none_or(|c| !c.is_uppercase());
            if !known || !lower || d.message.contains('\n') || d.message.ends_with('.') {
                failures.push(format!("{name}: bad diagnostic {d:?}"));
            }
            if d.help.is_none() {
                failures.push(format!("{name}: no help for {}", d.code));
            }
        }
    }
    failures
}

#[test]
fn valid_corpus() {
    let failures = run("valid", true);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_corpus() {
    let failures = run("invalid", false);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Messages users know from tier are kept word for word.
#[test]
fn tier_messages_verbatim() {
    let messages = |path: &str| -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        load(Source::new(path, text), SourceFormat::Json)
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    };
    assert_eq!(
        messages("tests/corpus/invalid/plan-ids.json"),
        [
            "plan name must start with 'plan:'",
            "plan must have version",
            "plan name must match [a-zA-Z0-9:]+",
            "plan version must match [a-zA-Z0-9]+",
            "plan version must match [a-zA-Z0-9]+",
        ]
    );
    assert_eq!(
        messages("tests/corpus/invalid/feature-and-addon-ids.json")[..3],
        [
            "feature name must start with 'feature:'",
            "feature name must match [a-zA-Z0-9:]+",
            "feature name must match [a-zA-Z0-9:]+",
        ]
    );
    assert_eq!(
        messages("tests/corpus/invalid/no-features.json"),
        [
            "plans must have at least one feature",
            "plans must have at least one feature"
        ]
    );
    assert_eq!(
        messages("tests/corpus/invalid/base-with-tiers.json"),
        ["base must be zero with tiers"]
    );
}
