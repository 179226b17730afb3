#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Parquet result tables read by real external readers: `tests/python/check_tables.py`
//! loads them with pyarrow (and DuckDB when installed) and compares every cell and the sums
//! with the JSON report of the same run, for the shipped examples and a generated trace large
//! enough to span several row groups.
//!
//! pyarrow comes from `python3 -m pip install pyarrow duckdb` (`.ci/run` does it; `PYTHON`
//! overrides the interpreter). Without it the test fails when `CI=true`; on a developer machine
//! it says so and skips.

use assert_cmd::Command as Bin;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Whether pyarrow can be imported; `false` means skip (only outside CI).
fn pyarrow_or_skip() -> bool {
    let found = Command::new(python())
        .args(["-c", "import pyarrow"])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "pyarrow is not installed (`{} -c \"import pyarrow\"` failed); the tables test \
             cannot run in CI without it: python3 -m pip install pyarrow duckdb",
            python()
        );
    }
    eprintln!("SKIPPED: no pyarrow (python3 -m pip install pyarrow duckdb)");
    false
}

/// Simulate `pricing` over `trace` as the JSON report and as Parquet tables, then run the
/// Python check on them (`min_groups`: the fewest row groups the largest table must have;
/// `every`: compare every `every`-th row's cells with the report, all rows' sums).
fn check(pricing: &Path, trace: &Path, min_groups: usize, every: usize) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let tables = dir.path().join("tables");
    for (format, out) in [("json", &report), ("parquet", &tables)] {
        let run = Bin::cargo_bin("tariffc")
            .unwrap()
            .arg("simulate")
            .arg(pricing)
            .arg("--trace")
            .arg(trace)
            .args(["--format", format, "-o"])
            .arg(out)
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}: {}",
            trace.display(),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let run = Command::new(python())
        .arg(root().join("tests/python/check_tables.py"))
        .arg(&tables)
        .arg(&report)
        .arg(min_groups.to_string())
        .arg(every.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "{}: the Python check failed:\n{stdout}{stderr}",
        trace.display()
    );
    eprintln!("{}: {}", trace.display(), stdout.trim());
}

#[test]
fn pyarrow_reads_the_examples_tables_as_the_report() {
    if !pyarrow_or_skip() {
        return;
    }
    for name in ["gym", "prepaid-credits", "word-bucket"] {
        let pricing = root().join(format!("examples/{name}.json"));
        let trace = root().join(format!("examples/{name}.jsonl"));
        check(&pricing, &trace, 1, 1);
    }
}

#[test]
fn pyarrow_reads_a_large_generated_trace_s_tables_as_the_report() {
    if !pyarrow_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("generated.jsonl");
    // About 120k invoice lines: more than one batch (and row group) of 65,536 rows. Sums over
    // every row; cells of every 97th row (tests/tables.rs compares every cell, in Rust).
    std::fs::write(&trace, tariffc::eval::gen::trace(100_000, 10_000, 5)).unwrap();
    check(&root().join("benches/pricing.json"), &trace, 2, 97);
}
