#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `check`, `compile` and `schema pricing` commands as a user runs them: exit codes,
//! standard input, every output format.

use assert_cmd::Command;

fn tariffc() -> Command {
    let mut cmd = Command::cargo_bin("tariffc").unwrap();
    cmd.env_remove("NO_COLOR").arg("--color").arg("never");
    cmd
}

const INVALID: &str = "tests/corpus/invalid/tier-order.json";
const WARNINGS: &str = "tests/corpus/valid/warnings.json";

#[test]
fn check_exit_codes() {
    tariffc()
        .args(["check", "examples/gym.json", "examples/word-bucket.json"])
        .assert()
        .code(0);
    tariffc().args(["check", INVALID]).assert().code(1);
    tariffc()
        .args(["check", "examples/gym.json", INVALID])
        .assert()
        .code(1);
    tariffc()
        .args(["check", "tests/corpus/no-such-file.json"])
        .assert()
        .code(2);
    tariffc().args(["check"]).assert().code(2);
    tariffc()
        .args(["check", "--format", "xml", "examples/gym.json"])
        .assert()
        .code(2);
}

#[test]
fn warnings_fail_only_when_denied() {
    tariffc().args(["check", WARNINGS]).assert().code(0);
    tariffc()
        .args(["check", "--deny-warnings", WARNINGS])
        .assert()
        .code(1);
    tariffc()
        .args(["check", "--deny-warnings", "examples/gym.json"])
        .assert()
        .code(0);
}

#[test]
fn human_output_goes_to_stderr_without_colour() {
    let out = tariffc().args(["check", INVALID]).output().unwrap();
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("tier-order"), "{err}");
    assert!(
        err.contains("tier `upto` values must increase: 10 after 20"),
        "{err}"
    );
    assert!(
        err.contains("checked 1 file: 3 errors, 0 warnings"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "colour in {err}");
}

#[test]
fn colour_can_be_forced() {
    let out = Command::cargo_bin("tariffc")
        .unwrap()
        .args(["--color", "always", "check", INVALID])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stderr).unwrap().contains('\u{1b}'));
}

#[test]
fn json_format() {
    let out = tariffc()
        .args(["check", "--format", "json", INVALID, "examples/gym.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let first = &v["diagnostics"][0];
    assert_eq!(first["code"], "tier-order");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], INVALID);
    assert_eq!(
        first["pointer"],
        "/plans/plan:pro@1/features/feature:api/tiers/1/upto"
    );
    assert_eq!(first["help"], "sort the tiers by `upto`");
    let line = first["line"].as_u64().unwrap();
    let text = std::fs::read_to_string(INVALID).unwrap();
    let source_line = text
        .lines()
        .nth(usize::try_from(line).unwrap() - 1)
        .unwrap();
    let col = usize::try_from(first["column"].as_u64().unwrap()).unwrap();
    let end = usize::try_from(first["end_column"].as_u64().unwrap()).unwrap();
    assert_eq!(&source_line[col - 1..end - 1], "10");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 3);
}

#[test]
fn github_format() {
    let out = tariffc()
        .args(["check", "--format", "github", INVALID])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with(&format!("::error file={INVALID},line=")));
    assert!(lines[0].contains(",title=tier-order::tier `upto` values must increase"));
    // A missing key is reported on its whole (multi-line) object: no columns.
    let out = tariffc()
        .args(["check", "--format", "github", "-"])
        .write_stdin("{ \"plans\": { \"plan:a@1\": {\n \"title\": \"A\"\n } } }")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("::error file=<stdin>,line=1,endLine=3,title=no-features::"),
        "{text}"
    );
}

#[test]
fn sarif_format() {
    let out = tariffc()
        .args(["check", "--format", "sarif", INVALID, WARNINGS])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tariffc");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    assert_eq!(results[0]["ruleId"], "tier-order");
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[5]["level"], "warning");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"deny-without-cap"));
    assert!(rules.contains(&"tier-unbounded"));
}

#[test]
fn stdin_with_a_name() {
    let text = std::fs::read_to_string(INVALID).unwrap();
    let out = tariffc()
        .args([
            "--stdin-filename",
            "pricing.json",
            "check",
            "--format",
            "json",
            "-",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["file"], "pricing.json");
    tariffc()
        .args(["check", "-"])
        .write_stdin("{ \"plans\": {} }")
        .assert()
        .code(0);
    tariffc()
        .args(["check", "-"])
        .write_stdin("{ \"plans\": ")
        .assert()
        .code(1);
}

#[test]
fn compile_is_canonical_and_byte_stable() {
    let run = |path: &str| {
        let out = tariffc().args(["compile", path]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{path}");
        out.stdout
    };
    let first = run("examples/prepaid-credits.json");
    assert_eq!(first, run("examples/prepaid-credits.json"));
    let v: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let credits = &v["plans"][0]["features"][1];
    assert_eq!(credits["id"], "feature:credits");
    assert_eq!(credits["kind"], "balance");
    assert_eq!(credits["overage"], "deny");
    assert_eq!(credits["grants"][0]["amount"], "20");
    // The same document written differently compiles to the same bytes.
    let a = "{ \"plans\": { \"plan:a@1\": { \"features\": { \"feature:x\": { \"tiers\": [ { \"upto\": 1e2, \"price\": 0.50 } ] } } } } }";
    let b = "// same\n{\"plans\":{\"plan:a@1\":{\"currency\":\"usd\",\"interval\":\"@monthly\",\"features\":{\"feature:x\":{\"mode\":\"graduated\",\"tiers\":[{\"upto\":100,\"price\":0.5,\"base\":0}],},},},},}";
    let compile = |text: &str| {
        tariffc()
            .args(["compile", "-"])
            .write_stdin(text)
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(compile(a), compile(b));
    assert!(String::from_utf8(compile(a))
        .unwrap()
        .contains("\"price\": \"0.5\""));
}

#[test]
fn compile_writes_atomically_and_refuses_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ir.json");
    tariffc()
        .args(["compile", "examples/gym.json", "-o"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout("");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["plans"][0]["id"], "plan:gym@1");
    let out = tariffc().args(["compile", INVALID]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("tier-order"));
}

#[test]
fn schema_pricing_prints_the_schema() {
    let out = tariffc().args(["schema", "pricing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        out.stdout,
        std::fs::read("schemas/pricing.schema.json").unwrap()
    );
}
