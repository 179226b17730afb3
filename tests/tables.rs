#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `simulate --format csv|parquet -o DIR` through the binary: every table says what the JSON
//! report of the same run says (cell by cell, from the CSV files), the Parquet files read back
//! with the parquet crate hold the same rows, line amounts add up to invoice totals and those to
//! the summary's, and the directory is replaced whole or not at all.

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int64Type, TimestampMicrosecondType};
use arrow_array::Array;
use assert_cmd::Command;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tariffc::report::tables::{push_micros, push_scaled, Table, Type};

fn tariffc() -> Command {
    Command::cargo_bin("tariffc").unwrap()
}

/// A table's rows as text, `None` for null (CSV: an empty field).
type Rows = Vec<Vec<Option<String>>>;

/// One run: the pricing file and the trace arguments.
struct Case {
    name: &'static str,
    pricing: PathBuf,
    args: Vec<String>,
}

fn examples() -> Vec<Case> {
    ["gym", "prepaid-credits", "word-bucket"]
        .into_iter()
        .map(|name| Case {
            name,
            pricing: PathBuf::from(format!("examples/{name}.json")),
            args: vec!["--trace".into(), format!("examples/{name}.jsonl")],
        })
        .collect()
}

/// The gym trace in two files, with a warning and a skipped line: every place has a file.
fn two_files(dir: &Path) -> Case {
    let text = std::fs::read_to_string("examples/gym.jsonl").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let a = dir.join("a.jsonl");
    let b = dir.join("b.jsonl");
    std::fs::write(&a, lines[..2].join("\n") + "\n").unwrap();
    let mut rest = vec![
        r#"{"at":"2026-01-05T00:00:00Z","customer":"brojo:bob","subscribe":"plan:gym@1"}"#,
        "not json",
    ];
    rest.extend(&lines[2..]);
    std::fs::write(&b, rest.join("\n") + "\n").unwrap();
    Case {
        name: "gym in two files",
        pricing: PathBuf::from("examples/gym.json"),
        args: vec![
            "--trace".into(),
            a.display().to_string(),
            "--trace".into(),
            b.display().to_string(),
            "--skip-invalid".into(),
        ],
    }
}

fn generated(dir: &Path, events: usize, customers: usize) -> Case {
    let path = dir.join("generated.jsonl");
    std::fs::write(&path, tariffc::eval::gen::trace(events, customers, 17)).unwrap();
    Case {
        name: "generated",
        pricing: PathBuf::from("benches/pricing.json"),
        args: vec!["--trace".into(), path.display().to_string()],
    }
}

fn simulate(case: &Case, format: &str, out: Option<&Path>) -> std::process::Output {
    let mut cmd = tariffc();
    cmd.arg("simulate")
        .arg(&case.pricing)
        .args(&case.args)
        .args(["--format", format]);
    if let Some(out) = out {
        cmd.arg("-o").arg(out);
    }
    cmd.output().unwrap()
}

fn report(case: &Case) -> Value {
    let out = simulate(case, "json", None);
    assert_eq!(out.status.code(), Some(0), "{}", case.name);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => panic!("not a cell: {other}"),
    }
}

/// The row of `table` for `object`, after the leading `given` cells (customer, indices): each
/// other column is the object's field of that name (for a prorated line, inside `fraction`).
/// Every field of the object must be a column, apart from `nested` ones.
fn row(
    table: Table,
    given: &[Option<String>],
    object: &Value,
    nested: &[&str],
) -> Vec<Option<String>> {
    let columns = table.columns();
    let obj = object.as_object().unwrap();
    for key in obj.keys() {
        assert!(
            nested.contains(&key.as_str()) || columns.iter().any(|c| c.name == key),
            "`{key}` of {object} is not a column of `{}`",
            table.name()
        );
    }
    let mut cells = given.to_vec();
    for c in &columns[given.len()..] {
        let v = obj
            .get(c.name)
            .or_else(|| object.get("fraction").and_then(|f| f.get(c.name)));
        cells.push(text(v));
    }
    cells
}

/// Every table as the JSON report says it should be.
fn expected(report: &Value) -> BTreeMap<Table, Rows> {
    let mut t: BTreeMap<Table, Rows> = Table::ALL.iter().map(|&t| (t, Rows::new())).collect();
    let n = |i: usize| Some(i.to_string());
    for c in report["customers"].as_array().unwrap() {
        let id = text(c.get("customer"));
        for (ii, inv) in c["invoices"].as_array().unwrap().iter().enumerate() {
            let period = &inv["period"];
            t.get_mut(&Table::Invoices).unwrap().push(vec![
                id.clone(),
                n(ii),
                text(inv.get("plan")),
                text(inv.get("currency")),
                text(period.get("start")),
                text(period.get("end")),
                text(inv.get("status")),
                text(inv.get("total")),
            ]);
            for (li, line) in inv["lines"].as_array().unwrap().iter().enumerate() {
                let given = [id.clone(), n(ii), n(li)];
                let r = row(Table::Lines, &given, line, &["bands", "fraction"]);
                t.get_mut(&Table::Lines).unwrap().push(r);
                for (bi, band) in line["bands"].as_array().into_iter().flatten().enumerate() {
                    let given = [id.clone(), n(ii), n(li), n(bi)];
                    let r = row(Table::Bands, &given, band, &[]);
                    t.get_mut(&Table::Bands).unwrap().push(r);
                }
            }
        }
        for (table, key) in [
            (Table::Limits, "limits"),
            (Table::Rejected, "rejected"),
            (Table::Warnings, "warnings"),
        ] {
            for entry in c[key].as_array().unwrap() {
                let r = row(table, std::slice::from_ref(&id), entry, &[]);
                t.get_mut(&table).unwrap().push(r);
            }
        }
    }
    for entry in report["invalid"].as_array().unwrap() {
        let r = row(Table::Invalid, &[], entry, &[]);
        t.get_mut(&Table::Invalid).unwrap().push(r);
    }
    t
}

fn read_csv(path: &Path, table: Table) -> Rows {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
    assert_eq!(reader.headers().unwrap(), header.as_slice());
    reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|f| (!f.is_empty()).then(|| f.to_string()))
                .collect()
        })
        .collect()
}

/// A Parquet table as text (decimals and times printed as the report prints them), with its
/// money columns as integers.
fn read_parquet(path: &Path, table: Table) -> Rows {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert_eq!(
        builder.schema().fields(),
        table.schema().fields(),
        "{}",
        table.name()
    );
    let mut rows = Rows::new();
    for batch in builder.build().unwrap() {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            let mut r = Vec::new();
            for (a, c) in batch.columns().iter().zip(table.columns()) {
                if a.is_null(i) {
                    r.push(None);
                    continue;
                }
                let mut s = String::new();
                match c.ty {
                    Type::Str => s.push_str(a.as_string::<i32>().value(i)),
                    Type::Int => s.push_str(&a.as_primitive::<Int64Type>().value(i).to_string()),
                    Type::Dec => push_scaled(&mut s, a.as_primitive::<Decimal128Type>().value(i)),
                    Type::Time => push_micros(
                        &mut s,
                        a.as_primitive::<TimestampMicrosecondType>().value(i),
                    ),
                    Type::Bool => s.push_str(&a.as_boolean().value(i).to_string()),
                }
                r.push(Some(s));
            }
            rows.push(r);
        }
    }
    rows
}

fn column(table: Table, name: &str) -> usize {
    table.columns().iter().position(|c| c.name == name).unwrap()
}

fn int(cell: &Option<String>) -> i64 {
    cell.as_deref().unwrap().parse().unwrap()
}

/// Σ lines.amount per invoice = invoices.total; Σ invoices.total per currency = summary totals.
fn check_sums(tables: &BTreeMap<Table, Rows>, summary: &Value) {
    let key = |r: &Vec<Option<String>>| (r[0].clone().unwrap(), int(&r[1]));
    let mut sums: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for r in &tables[&Table::Lines] {
        *sums.entry(key(r)).or_default() += int(&r[column(Table::Lines, "amount")]);
    }
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for r in &tables[&Table::Invoices] {
        let total = int(&r[column(Table::Invoices, "total")]);
        assert_eq!(sums.remove(&key(r)).unwrap_or(0), total, "{r:?}");
        *totals
            .entry(r[column(Table::Invoices, "currency")].clone().unwrap())
            .or_default() += total;
    }
    assert!(sums.is_empty(), "lines of no invoice: {sums:?}");
    let want: BTreeMap<String, i64> = summary["totals"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect();
    assert_eq!(totals, want);
}

fn check(case: &Case) {
    let report = report(case);
    let want = expected(&report);
    let dir = tempfile::tempdir().unwrap();
    let csv_dir = dir.path().join("csv");
    let pq_dir = dir.path().join("parquet");
    for (format, out) in [("csv", &csv_dir), ("parquet", &pq_dir)] {
        let run = simulate(case, format, Some(out));
        assert_eq!(
            run.status.code(),
            Some(0),
            "{} {format}: {}",
            case.name,
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(run.stdout.is_empty());
        let summary: Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["version"], 1);
        assert_eq!(summary["until"], report["until"]);
        assert_eq!(summary["summary"], report["summary"], "{}", case.name);
    }
    let mut parquet = BTreeMap::new();
    for t in Table::ALL {
        let csv = read_csv(&csv_dir.join(format!("{}.csv", t.name())), t);
        assert_eq!(csv, want[&t], "{}: {}.csv", case.name, t.name());
        let pq = read_parquet(&pq_dir.join(format!("{}.parquet", t.name())), t);
        assert_eq!(pq, csv, "{}: {}.parquet", case.name, t.name());
        parquet.insert(t, pq);
    }
    check_sums(&parquet, &report["summary"]);
    // Only the two directories: no temporary one left beside them.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["csv", "parquet"]);
}

#[test]
fn the_examples_tables_say_what_the_report_says() {
    for case in examples() {
        check(&case);
    }
}

#[test]
fn places_name_their_file_and_skipped_lines_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let case = two_files(dir.path());
    let report = report(&case);
    let want = expected(&report);
    assert_eq!(want[&Table::Invalid].len(), 1);
    assert_eq!(want[&Table::Warnings].len(), 1);
    assert!(want[&Table::Warnings][0][column(Table::Warnings, "file")].is_some());
    check(&case);
}

#[test]
fn a_generated_trace_s_tables_say_what_the_report_says() {
    let dir = tempfile::tempdir().unwrap();
    let case = generated(dir.path(), 20_000, 400);
    let report = report(&case);
    let want = expected(&report);
    let kinds: std::collections::BTreeSet<_> = want[&Table::Lines]
        .iter()
        .map(|r| r[column(Table::Lines, "kind")].clone().unwrap())
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(!want[&Table::Rejected].is_empty());
    check(&case);
}

#[test]
fn the_tables_need_a_directory() {
    for format in ["csv", "parquet"] {
        for out in [None, Some(Path::new("-"))] {
            let run = simulate(&examples().remove(0), format, out);
            assert_eq!(run.status.code(), Some(2));
            let err = String::from_utf8_lossy(&run.stderr);
            assert!(
                err.contains(&format!("`--format {format}` writes a directory of tables"))
                    && err.contains("-o DIR"),
                "{err}"
            );
        }
    }
}

#[test]
fn an_existing_directory_is_replaced_whole_and_an_unwritable_one_is_an_error() {
    let case = examples().remove(1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tables");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("stale.txt"), "from an earlier run").unwrap();
    std::fs::write(out.join("invoices.csv"), "old").unwrap();
    let run = simulate(&case, "csv", Some(&out));
    assert_eq!(run.status.code(), Some(0));
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut want: Vec<String> = Table::ALL
        .iter()
        .map(|t| format!("{}.csv", t.name()))
        .chain(["summary.json".to_string()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    // Parquet replaces CSV whole too.
    let run = simulate(&case, "parquet", Some(&out));
    assert_eq!(run.status.code(), Some(0));
    assert!(out.join("invoices.parquet").exists() && !out.join("invoices.csv").exists());
    let beside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(beside.len(), 1, "no temporary directory left beside it");

    // A parent that cannot hold a directory: exit 2, a clear message, nothing left.
    let file = dir.path().join("plain");
    std::fs::write(&file, "x").unwrap();
    let run = simulate(&case, "parquet", Some(&file.join("tables")));
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cannot write `") && err.contains("plain/tables`"),
        "{err}"
    );
    let run = simulate(&case, "csv", Some(&dir.path().join("missing/tables")));
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("No such file or directory"));
    let run = simulate(&case, "csv", Some(&file));
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("is not a directory"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    let mut beside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    beside.sort();
    assert_eq!(beside, ["plain", "tables"]);
}
