#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Golden evaluation files: pricing + trace → expected report, run through the library and the
//! CLI. Each case is a directory of `tests/golden/`:
//! - `pricing.json`, or `pricing` holding a path (from the repository root) to a shipped example;
//! - `trace.jsonl`, or `trace` holding a path to a shipped example trace;
//! - `args` (optional): extra `simulate` arguments, one per line (`--until`, `--customer`, …);
//! - `expected.json` (the report, exit 0) or `expected.err` (stderr lines, exit 1).
//!
//! `TARIFFC_BLESS=1 cargo test --test golden` rewrites the expectations from the current output;
//! review the diff before committing it.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tariffc::eval::{simulate, Failure, Options};
use tariffc::load::load;
use tariffc::source::{Source, SourceFormat};

fn pricing_path(dir: &Path) -> PathBuf {
    let indirect = dir.join("pricing");
    if indirect.exists() {
        PathBuf::from(std::fs::read_to_string(indirect).unwrap().trim())
    } else {
        dir.join("pricing.json")
    }
}

fn trace_path(dir: &Path) -> PathBuf {
    let indirect = dir.join("trace");
    if indirect.exists() {
        PathBuf::from(std::fs::read_to_string(indirect).unwrap().trim())
    } else {
        dir.join("trace.jsonl")
    }
}

fn args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn options(args: &[String]) -> Options {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--until" => o.until = Some(tariffc::eval::parse_until(it.next().unwrap()).unwrap()),
            "--customer" => o.customers.push(it.next().unwrap().clone()),
            "--skip-invalid" => o.skip_invalid = true,
            other => panic!("unknown golden arg {other}"),
        }
    }
    o
}

/// Run one case through the library: the report, or the error lines.
fn run_lib(dir: &Path) -> Result<serde_json::Value, Vec<String>> {
    let path = pricing_path(dir);
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = load(
        Source::new(path.display().to_string(), text),
        SourceFormat::Json,
    );
    let doc = loaded
        .document
        .unwrap_or_else(|| panic!("{}: {:#?}", path.display(), loaded.diagnostics));
    let trace = std::fs::read_to_string(trace_path(dir)).unwrap();
    match simulate(
        &doc,
        &mut tariffc::trace::JsonLines::new("trace", trace.as_bytes()),
        options(&args(dir)),
    ) {
        Ok(sim) => sim.json().map_err(|f| vec![format!("{f:?}")]),
        Err(Failure::Invalid(v)) => Err(v),
        Err(Failure::Fatal(m)) => Err(vec![m]),
    }
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/golden")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn golden_reports() {
    let bless = std::env::var_os("TARIFFC_BLESS").is_some();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 5, "golden cases are missing");
    for dir in &cases {
        let got = run_lib(dir);
        let (exp_json, exp_err) = (dir.join("expected.json"), dir.join("expected.err"));
        let same = std::fs::read_to_string(&exp_json)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|want| got.as_ref().is_ok_and(|v| *v == want));
        if bless && !same {
            let _ = std::fs::remove_file(&exp_json);
            let _ = std::fs::remove_file(&exp_err);
            match &got {
                Ok(v) => std::fs::write(&exp_json, serde_json::to_string_pretty(v).unwrap() + "\n")
                    .unwrap(),
                Err(e) => std::fs::write(&exp_err, e.join("\n") + "\n").unwrap(),
            }
            continue;
        }
        let ok = if exp_json.exists() {
            let want: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&exp_json).unwrap()).unwrap();
            match &got {
                Ok(v) if *v == want => true,
                Ok(v) => {
                    eprintln!(
                        "{}: report differs:\n{}",
                        dir.display(),
                        serde_json::to_string_pretty(v).unwrap()
                    );
                    false
                }
                Err(e) => {
                    eprintln!("{}: failed: {e:?}", dir.display());
                    false
                }
            }
        } else {
            let want: Vec<String> = std::fs::read_to_string(&exp_err)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            match &got {
                Err(e) if *e == want => true,
                other => {
                    eprintln!("{}: expected errors {want:?}, got {other:?}", dir.display());
                    false
                }
            }
        };
        if !ok {
            failures.push(dir.display().to_string());
        }
    }
    assert!(failures.is_empty(), "golden cases failed: {failures:?}");
}

#[test]
fn golden_reports_through_the_cli() {
    for dir in cases() {
        let exp_json = dir.join("expected.json");
        let mut cmd = Command::cargo_bin("tariffc").unwrap();
        cmd.arg("simulate")
            .arg(pricing_path(&dir))
            .arg("--trace")
            .arg(trace_path(&dir))
            .arg("--format")
            .arg("json")
            .args(args(&dir));
        let out = cmd.output().unwrap();
        if exp_json.exists() {
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let want: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&exp_json).unwrap()).unwrap();
            assert_eq!(got, want, "{}", dir.display());
            // The human form of the same run succeeds and shows every invoice total.
            let human = Command::cargo_bin("tariffc")
                .unwrap()
                .arg("simulate")
                .arg(pricing_path(&dir))
                .arg("--trace")
                .arg(trace_path(&dir))
                .args(args(&dir))
                .output()
                .unwrap();
            assert_eq!(human.status.code(), Some(0));
            assert!(String::from_utf8_lossy(&human.stdout).contains("summary:"));
        } else {
            assert_eq!(out.status.code(), Some(1), "{}", dir.display());
            assert!(
                out.stdout.is_empty(),
                "{}: no report on invalid traces",
                dir.display()
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            for line in std::fs::read_to_string(dir.join("expected.err"))
                .unwrap()
                .lines()
            {
                assert!(
                    stderr.contains(line),
                    "{}: stderr lacks {line:?}:\n{stderr}",
                    dir.display()
                );
            }
        }
    }
}
