//! `convert` and `fmt` through the binary: outputs, exit codes, in-place writes, stdin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn tariffc() -> Command {
    let mut cmd = Command::cargo_bin("tariffc").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn ir_of(name: &str, text: &str) -> tariffc::ir::Document {
    let source = tariffc::source::Source::new(name, text);
    let format = tariffc::source::SourceFormat::from_path(name).unwrap();
    let loaded = tariffc::load::load(source, format);
    loaded
        .document
        .unwrap_or_else(|| panic!("{name}: {:#?}", loaded.diagnostics))
}

#[test]
fn convert_text_to_json_and_back_keeps_the_ir() {
    let text_path = example("prepaid-credits.tariff");
    let original = ir_of("a.tariff", &std::fs::read_to_string(&text_path).unwrap());
    let out = tariffc()
        .args(["convert", text_path.to_str().unwrap(), "--to", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = String::from_utf8(out).unwrap();
    assert!(json.contains("\"price\": 6000"), "{json}");
    assert_eq!(ir_of("b.json", &json), original);

    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("p.json");
    std::fs::write(&json_path, &json).unwrap();
    let back = dir.path().join("p.tariff");
    tariffc()
        .args(["convert", json_path.to_str().unwrap(), "--to", "text", "-o"])
        .arg(&back)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        ir_of("c.tariff", &std::fs::read_to_string(&back).unwrap()),
        original
    );
}

#[test]
fn convert_reads_standard_input() {
    let out = tariffc()
        .args(["--input-format", "text", "convert", "-", "--to", "json"])
        .write_stdin("plan a@1 { currency jpy  feature x { base 1500 } }")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = String::from_utf8(out).unwrap();
    assert!(json.contains("\"base\": 1500"), "{json}");
    assert!(json.contains("\"plan:a@1\""), "{json}");
}

#[test]
fn convert_refuses_a_document_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.tariff");
    std::fs::write(&path, "plan a@1 {\n  feature x { mode graduatd }\n}\n").unwrap();
    tariffc()
        .args(["convert", path.to_str().unwrap(), "--to", "json"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains("did you mean `graduated`?"));
}

const MESSY: &str = "plan a@1 \"A\"{ # note\nfeature x{base 1.00}\n\n\n  feature y}";
const TIDY: &str = "plan a@1 \"A\" { # note\n  feature x {\n    base 1.00\n  }\n\n  feature y\n}\n";

#[test]
fn fmt_rewrites_in_place_and_check_lists_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("messy.tariff");
    let tidy = dir.path().join("tidy.tariff");
    std::fs::write(&messy, MESSY).unwrap();
    std::fs::write(&tidy, TIDY).unwrap();

    tariffc()
        .args(["fmt", "--check"])
        .arg(&messy)
        .arg(&tidy)
        .assert()
        .code(1)
        .stdout(format!("{}\n", messy.display()));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), MESSY);

    tariffc()
        .arg("fmt")
        .arg(&messy)
        .arg(&tidy)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), TIDY);
    assert_eq!(std::fs::read_to_string(&tidy).unwrap(), TIDY);

    tariffc()
        .args(["fmt", "--check"])
        .arg(&messy)
        .assert()
        .success()
        .stdout("");
}

#[test]
fn fmt_leaves_a_file_with_a_syntax_error_alone_and_formats_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tariff");
    let good = dir.path().join("good.tariff");
    std::fs::write(&bad, "plan a@1 { monthy }").unwrap();
    std::fs::write(&good, MESSY).unwrap();
    tariffc()
        .arg("fmt")
        .arg(&bad)
        .arg(&good)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("did you mean `monthly`?"));
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "plan a@1 { monthy }"
    );
    assert_eq!(std::fs::read_to_string(&good).unwrap(), TIDY);
}

#[test]
fn fmt_refuses_the_json_form_and_formats_stdin_to_stdout() {
    tariffc()
        .arg("fmt")
        .arg(example("gym.json"))
        .assert()
        .code(2);
    tariffc()
        .args(["fmt", "-", "--input-format", "text"])
        .write_stdin(MESSY)
        .assert()
        .success()
        .stdout(TIDY);
}
