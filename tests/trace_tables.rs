#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Traces as tables (`shared/spec/tables.md`, "Trace tables"): CSV and Parquet give the report
//! their JSON Lines spelling gives, with places named by file and row; bad tables fail with
//! located errors, never a panic. Parquet files are written here with the arrow writer.

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Decimal256Array, DictionaryArray,
    Float32Array, Float64Array, Int64Array, LargeStringArray, NullArray, RecordBatch, StringArray,
    StringViewArray, TimestampMicrosecondArray, TimestampMillisecondArray,
    TimestampNanosecondArray, UInt8Array,
};
use arrow_buffer::i256;
use assert_cmd::Command;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn simulate(pricing: &str, traces: &[&Path], extra: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("tariffc").unwrap();
    cmd.args(["simulate", pricing, "--format", "json"]);
    for t in traces {
        cmd.arg("--trace").arg(t);
    }
    run(cmd.args(extra))
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `simulate examples/gym.json --format json` of a `format` table given on standard input.
fn from_stdin(format: &str, bytes: Vec<u8>) -> Run {
    run(Command::cargo_bin("tariffc")
        .unwrap()
        .args([
            "simulate",
            "examples/gym.json",
            "--trace",
            "-",
            "--trace-format",
            format,
        ])
        .args(["--format", "json"])
        .write_stdin(bytes))
}

/// The JSON Lines report with every `"line": L` read as `"file": FILE, "row": R`, where `rows`
/// maps each non-blank line to its row (blank lines are no rows).
fn as_rows(report: &str, file: &str, rows: &dyn Fn(u64) -> u64) -> String {
    fn walk(v: Value, file: &str, rows: &dyn Fn(u64) -> u64) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .flat_map(|(k, v)| match (k.as_str(), v.as_u64()) {
                        ("line", Some(l)) => vec![
                            ("file".to_string(), Value::from(file)),
                            ("row".to_string(), Value::from(rows(l))),
                        ],
                        _ => vec![(k, walk(v, file, rows))],
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(|v| walk(v, file, rows)).collect()),
            v => v,
        }
    }
    let v: Value = serde_json::from_str(report).unwrap();
    let mut out = serde_json::to_string_pretty(&walk(v, file, rows)).unwrap();
    out.push('\n');
    out
}

/// Row of each line of a JSON Lines file: non-blank lines, counted from 1.
fn row_of_line(jsonl: &Path) -> impl Fn(u64) -> u64 {
    let text = std::fs::read_to_string(jsonl).unwrap();
    let mut rows = vec![0];
    let mut row = 0;
    for line in text.lines() {
        if !line.trim().is_empty() {
            row += 1;
        }
        rows.push(row);
    }
    move |l| rows[l as usize]
}

#[test]
fn example_tables_report_as_their_json_lines() {
    for name in ["gym", "prepaid-credits", "word-bucket"] {
        let pricing = format!("examples/{name}.json");
        let jsonl = PathBuf::from(format!("examples/{name}.jsonl"));
        let reference = simulate(&pricing, &[&jsonl], &[]);
        assert_eq!(reference.code, Some(0), "{}", reference.stderr);
        let rows = row_of_line(&jsonl);
        for ext in ["csv", "parquet"] {
            let table = format!("examples/{name}.{ext}");
            let run = simulate(&pricing, &[Path::new(&table)], &[]);
            assert_eq!(run.code, Some(0), "{table}: {}", run.stderr);
            assert_eq!(run.stderr, "", "{table}");
            // Pretty JSON as the reference prints it, so this is byte for byte.
            assert_eq!(
                serde_json::to_string_pretty(&serde_json::from_str::<Value>(&run.stdout).unwrap())
                    .unwrap()
                    + "\n",
                run.stdout,
                "the report's layout"
            );
            assert_eq!(
                run.stdout,
                as_rows(&reference.stdout, &table, &rows),
                "{table}"
            );
        }
    }
    // The one rejection of the prepaid story is named by file and row.
    let run = simulate(
        "examples/prepaid-credits.json",
        &[Path::new("examples/prepaid-credits.parquet")],
        &[],
    );
    assert!(
        run.stdout
            .contains("\"file\": \"examples/prepaid-credits.parquet\",\n          \"row\": 8,"),
        "{}",
        run.stdout
    );
}

/// A scratch directory holding the test's files.
fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const WORDS: &str = "examples/word-bucket.json";

/// The same events as JSON Lines and as a table give the same report (places aside).
fn same_as_jsonl(jsonl: &str, table: &Path, pricing: &str) {
    let d = dir();
    let reference = write(d.path(), "t.jsonl", jsonl);
    let a = simulate(pricing, &[&reference], &[]);
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    let b = simulate(pricing, &[table], &[]);
    assert_eq!(b.code, Some(0), "{}", b.stderr);
    let name = table.display().to_string();
    assert_eq!(
        b.stdout,
        as_rows(&a.stdout, &name, &row_of_line(&reference))
    );
}

/// The report's `invalid` entries as (row, code).
fn invalid(run: &Run) -> Vec<(u64, String)> {
    let v: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{}", run.stderr));
    v["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_quoting_crlf_bom_empty_fields_and_blank_rows() {
    let d = dir();
    let csv = "\u{feff}at,customer,\"feature\",n,subscribe,cancel,purchase,quantity\r\n\
               2026-01-01T00:00:00Z,\"a,\"\"b\"\"\",,,plan:starter@1,false,,\r\n\
               ,,,,,,,\r\n\
               2026-01-02T00:00:00Z,\"a,\"\"b\"\"\",feature:api,1e1,,,,\r\n\
               2026-01-03T00:00:00Z,\"a,\"\"b\"\"\",feature:api,0.5,,,,\r\n\
               2026-01-04T00:00:00Z,\"a,\"\"b\"\"\",,,,,addon:words10k,2\r\n\
               2026-01-05T00:00:00+01:00,\"a,\"\"b\"\"\",,,,true,,\r\n";
    let table = write(d.path(), "t.csv", csv);
    let jsonl = "{\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"a,\\\"b\\\"\",\"subscribe\":\"plan:starter@1\"}\n\
                 \n\
                 {\"at\":\"2026-01-02T00:00:00Z\",\"customer\":\"a,\\\"b\\\"\",\"feature\":\"feature:api\",\"n\":1e1}\n\
                 {\"at\":\"2026-01-03T00:00:00Z\",\"customer\":\"a,\\\"b\\\"\",\"feature\":\"feature:api\",\"n\":0.5}\n\
                 {\"at\":\"2026-01-04T00:00:00Z\",\"customer\":\"a,\\\"b\\\"\",\"purchase\":\"addon:words10k\",\"quantity\":2}\n\
                 {\"at\":\"2026-01-05T00:00:00+01:00\",\"customer\":\"a,\\\"b\\\"\",\"cancel\":true}\n";
    // The row of empty fields is row 2 (numbered, no event), as the blank line is line 2;
    // counting blank JSON lines as rows keeps the two numberings equal here.
    let reference = write(d.path(), "t.jsonl", jsonl);
    let a = simulate(WORDS, &[&reference], &[]);
    let b = simulate(WORDS, &[&table], &[]);
    assert_eq!(b.code, Some(0), "{}", b.stderr);
    assert_eq!(b.stderr, "");
    let name = table.display().to_string();
    assert_eq!(b.stdout, as_rows(&a.stdout, &name, &|l| l));
    assert!(b.stdout.contains("\"used\": \"10.5\""), "{}", b.stdout);
}

#[test]
fn csv_without_an_at_column_refuses_every_row() {
    let d = dir();
    let t = write(
        d.path(),
        "t.csv",
        "customer,subscribe,when\nc,plan:starter@1,2026-01-01\nc,plan:starter@1,2026-01-02\n",
    );
    let run = simulate(WORDS, &[&t], &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("missing key `at`"), "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "warning[unused-column]: {}: column `when` is not a trace column and is ignored\n",
            t.display()
        )),
        "{}",
        run.stderr
    );
    let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        invalid(&run),
        [(1, "missing-key".into()), (2, "missing-key".into())]
    );
}

#[test]
fn csv_ragged_rows_bad_utf8_and_bad_cells_are_refused_at_their_row() {
    let d = dir();
    let mut bytes = b"at,customer,feature,n,subscribe,set,notes\n\
        2026-01-01T00:00:00Z,c,,,plan:starter@1,,\n\
        2026-01-02T00:00:00Z,c,feature:words,1\n\
        2026-01-03T00:00:00Z,c\xff,feature:words,1,,,\n\
        2026-01-03T00:00:00Z,c,feature:words,1,,,caf\xe9 is ignored\n\
        2026-01-04T00:00:00Z,c,feature:words,one,,,\n\
        2026-01-05T00:00:00Z,c,feature:words,1,,yes,\n\
        2026-01-05T00:00:00Z,c,feature:words,\"2\",,,\n"
        .to_vec();
    bytes.extend_from_slice(b"2026-01-06T00:00:00Z,c,feature:words,1,,,,\n");
    let t = write(d.path(), "t.csv", bytes);
    let run = simulate(WORDS, &[&t], &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    let name = t.display().to_string();
    for (row, what) in [
        (2, "the row has 4 fields where the header has 7"),
        (3, "`customer` is not valid UTF-8"),
        (5, "`n` = `one` is not a number"),
        (6, "`set` must be `true` or `false`, found `yes`"),
        (8, "the row has 8 fields where the header has 7"),
    ] {
        assert!(
            run.stderr.contains(&format!("{name}: row {row}")) && run.stderr.contains(what),
            "row {row}: {what}\n{}",
            run.stderr
        );
    }
    let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        invalid(&run),
        [
            (2, "bad-csv".into()),
            (3, "bad-csv".into()),
            (5, "bad-value".into()),
            (6, "bad-value".into()),
            (8, "bad-csv".into())
        ]
    );
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["invalid"][0]["file"], name.as_str());
    // Rows 4 and 7 (a quoted number is a number in CSV) were applied: 1 + 2 words.
    assert_eq!(v["summary"]["events"], 3);
}

#[test]
fn csv_header_problems_stop_the_file_before_anything_is_evaluated() {
    let d = dir();
    for (name, text, code, what) in [
        (
            "dup.csv",
            &b"at,customer,at\n2026-01-01T00:00:00Z,c,x\n"[..],
            "duplicate-column",
            "the header names column `at` twice",
        ),
        (
            "empty.csv",
            b"",
            "bad-csv",
            "the file is empty: a header row is required",
        ),
        (
            "head.csv",
            b"at,cust\xffomer\n",
            "bad-csv",
            "the header is not valid UTF-8",
        ),
    ] {
        let t = write(d.path(), name, text);
        let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
        assert_eq!(run.code, Some(1), "{name}");
        assert_eq!(run.stdout, "", "{name}");
        assert!(
            run.stderr
                .contains(&format!("error[{code}]: {}: {what}", t.display())),
            "{name}: {}",
            run.stderr
        );
    }
    // A header alone is a trace without events.
    let t = write(d.path(), "head-only.csv", "at,customer,subscribe\n");
    let run = simulate(WORDS, &[&t], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn csv_reads_from_standard_input() {
    let csv = std::fs::read("examples/gym.csv").unwrap();
    let out = from_stdin("csv", csv);
    let file = simulate("examples/gym.json", &[Path::new("examples/gym.csv")], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, file.stdout.replace("examples/gym.csv", "-"));
}

#[test]
fn tables_and_json_lines_form_one_stream() {
    let d = dir();
    let first = write(
        d.path(),
        "a.jsonl",
        "{\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"c\",\"subscribe\":\"plan:starter@1\"}\n",
    );
    let second = write(
        d.path(),
        "b.csv",
        "at,customer,feature,n\n2026-01-02T00:00:00Z,c,feature:words,5\n2026-01-01T12:00:00Z,c,feature:words,5\n",
    );
    let run = simulate(WORDS, &[&first, &second], &["--skip-invalid"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let bad = &v["invalid"][0];
    assert_eq!(bad["code"], "trace-order");
    assert_eq!(bad["file"], second.display().to_string().as_str());
    assert_eq!(bad["row"], 2);
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("b.csv: row 1, the previous row"),
        "{bad}"
    );
}

// ---------------------------------------------------------------- Parquet

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter_with_nullable(columns.into_iter().map(|(n, a)| (n, a, true)))
        .unwrap()
}

fn parquet(
    dir: &Path,
    name: &str,
    batches: &[RecordBatch],
    rows_per_group: Option<usize>,
) -> PathBuf {
    let p = dir.join(name);
    let file = std::fs::File::create(&p).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(rows_per_group)
        .build();
    let mut w = ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    p
}

fn utc_micros(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(v).with_timezone("UTC"))
}

fn strs(v: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

const JAN1: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

#[test]
fn parquet_numbers_are_exact_and_strings_come_in_every_layout() {
    let d = dir();
    let day = 86_400_000_000i64;
    let at = utc_micros((0..6).map(|i| Some(JAN1 * 1_000_000 + i * day)).collect());
    let customer: ArrayRef = Arc::new(DictionaryArray::<Int32Type>::from_iter(
        std::iter::repeat_n("c", 6),
    ));
    let subscribe: ArrayRef = Arc::new(LargeStringArray::from(vec![
        Some("plan:starter@1"),
        None,
        None,
        None,
        None,
        None,
    ]));
    let feature: ArrayRef = Arc::new(StringViewArray::from(vec![
        None,
        Some("feature:words"),
        Some("feature:words"),
        Some("feature:words"),
        None,
        Some("feature:users"),
    ]));
    let n: ArrayRef = Arc::new(Float64Array::from(vec![
        None,
        Some(0.1),
        Some(1e3),
        Some(0.2),
        None,
        Some(3.0),
    ]));
    let purchase = strs(vec![None, None, None, None, Some("addon:words10k"), None]);
    let quantity: ArrayRef = Arc::new(UInt8Array::from(vec![
        None,
        None,
        None,
        None,
        Some(2),
        None,
    ]));
    let t = parquet(
        d.path(),
        "t.parquet",
        &[batch(vec![
            ("at", at),
            ("customer", customer),
            ("subscribe", subscribe),
            ("feature", feature),
            ("n", n),
            ("purchase", purchase),
            ("quantity", quantity),
        ])],
        None,
    );
    let jsonl = [
        r#"{"at":"2026-01-01T00:00:00Z","customer":"c","subscribe":"plan:starter@1"}"#,
        r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"feature:words","n":0.1}"#,
        r#"{"at":"2026-01-03T00:00:00Z","customer":"c","feature":"feature:words","n":1000}"#,
        r#"{"at":"2026-01-04T00:00:00Z","customer":"c","feature":"feature:words","n":0.2}"#,
        r#"{"at":"2026-01-05T00:00:00Z","customer":"c","purchase":"addon:words10k","quantity":2}"#,
        r#"{"at":"2026-01-06T00:00:00Z","customer":"c","feature":"feature:users","n":3}"#,
    ]
    .join("\n");
    same_as_jsonl(&jsonl, &t, WORDS);
    let run = simulate(WORDS, &[&t], &[]);
    // 0.1 + 1000 + 0.2 exactly (through f64 arithmetic it would be 1000.3000000000001).
    assert!(
        run.stdout.contains("\"used\": \"1000.3\""),
        "{}",
        run.stdout
    );
}

#[test]
fn parquet_decimals_integer_customers_and_sub_second_instants() {
    let d = dir();
    let at: ArrayRef = Arc::new(
        TimestampNanosecondArray::from(vec![
            JAN1 * 1_000_000_000,
            JAN1 * 1_000_000_000 + 86_400_000_000_000 + 123_456_789,
            JAN1 * 1_000_000_000 + 2 * 86_400_000_000_000 + 500_000_000,
        ])
        .with_timezone("+00:00"),
    );
    let customer: ArrayRef = Arc::new(Int64Array::from(vec![-42, -42, -42]));
    let subscribe = strs(vec![Some("plan:starter@1"), None, None]);
    let feature = strs(vec![None, Some("feature:words"), Some("feature:words")]);
    let n: ArrayRef = Arc::new(
        Decimal128Array::from(vec![None, Some(1_500_000_000_000), Some(12_345)])
            .with_precision_and_scale(38, 12)
            .unwrap(),
    );
    let t = parquet(
        d.path(),
        "t.parquet",
        &[batch(vec![
            ("at", at),
            ("customer", customer),
            ("subscribe", subscribe),
            ("feature", feature),
            ("n", n),
        ])],
        None,
    );
    let jsonl = [
        r#"{"at":"2026-01-01T00:00:00Z","customer":"-42","subscribe":"plan:starter@1"}"#,
        r#"{"at":"2026-01-02T00:00:00.123456789Z","customer":"-42","feature":"feature:words","n":1.5}"#,
        r#"{"at":"2026-01-03T00:00:00.5Z","customer":"-42","feature":"feature:words","n":0.000000012345}"#,
    ]
    .join("\n");
    same_as_jsonl(&jsonl, &t, WORDS);
    let run = simulate(WORDS, &[&t], &[]);
    assert!(
        run.stdout.contains("\"used\": \"1.500000012345\""),
        "{}",
        run.stdout
    );

    // DECIMAL(76, 40) and FLOAT, millisecond instants.
    let at: ArrayRef = Arc::new(
        TimestampMillisecondArray::from(vec![JAN1 * 1000, JAN1 * 1000 + 1]).with_timezone("UTC"),
    );
    let big = i256::from_i128(25).wrapping_mul(i256::from_i128(10).wrapping_pow(39));
    let n: ArrayRef = Arc::new(
        Decimal256Array::from(vec![None, Some(big)])
            .with_precision_and_scale(76, 40)
            .unwrap(),
    );
    let f: ArrayRef = Arc::new(Float32Array::from(vec![None, Some(0.1f32)]));
    let base = vec![
        ("at", at),
        ("customer", strs(vec![Some("c"), Some("c")])),
        ("subscribe", strs(vec![Some("plan:starter@1"), None])),
        ("feature", strs(vec![None, Some("feature:words")])),
    ];
    let jsonl = [
        r#"{"at":"2026-01-01T00:00:00Z","customer":"c","subscribe":"plan:starter@1"}"#,
        r#"{"at":"2026-01-01T00:00:00.001Z","customer":"c","feature":"feature:words","n":2.5}"#,
    ]
    .join("\n");
    let mut cols = base.clone();
    cols.push(("n", n));
    let t = parquet(d.path(), "wide.parquet", &[batch(cols)], None);
    same_as_jsonl(&jsonl, &t, WORDS);
    let mut cols = base;
    cols.push(("n", f));
    let t = parquet(d.path(), "float.parquet", &[batch(cols)], None);
    same_as_jsonl(&jsonl.replace("2.5", "0.1"), &t, WORDS);
}

#[test]
fn parquet_booleans_recharge_and_cancel() {
    let d = dir();
    let at = utc_micros(vec![
        Some(JAN1 * 1_000_000),
        Some((JAN1 + 86_400) * 1_000_000),
        Some((JAN1 + 2 * 86_400) * 1_000_000),
    ]);
    let t = parquet(
        d.path(),
        "t.parquet",
        &[batch(vec![
            ("at", at),
            ("customer", strs(vec![Some("org:acme"); 3])),
            ("subscribe", strs(vec![Some("plan:prepaid@1"), None, None])),
            ("recharge", strs(vec![None, Some("feature:credits"), None])),
            (
                "enabled",
                Arc::new(BooleanArray::from(vec![None, Some(true), None])) as ArrayRef,
            ),
            (
                "cancel",
                Arc::new(BooleanArray::from(vec![
                    Some(false),
                    Some(false),
                    Some(true),
                ])) as ArrayRef,
            ),
            ("set", Arc::new(NullArray::new(3)) as ArrayRef),
        ])],
        None,
    );
    let jsonl = [
        r#"{"at":"2026-01-01T00:00:00Z","customer":"org:acme","subscribe":"plan:prepaid@1"}"#,
        r#"{"at":"2026-01-02T00:00:00Z","customer":"org:acme","recharge":{"feature":"feature:credits","enabled":true}}"#,
        r#"{"at":"2026-01-03T00:00:00Z","customer":"org:acme","cancel":true}"#,
    ]
    .join("\n");
    same_as_jsonl(&jsonl, &t, "examples/prepaid-credits.json");
}

#[test]
fn parquet_nulls_naive_timestamps_and_bad_numbers_refuse_their_rows() {
    let d = dir();
    let at = utc_micros(vec![
        Some(JAN1 * 1_000_000),
        None,
        Some((JAN1 + 60) * 1_000_000),
        Some((JAN1 + 120) * 1_000_000),
        Some(i64::MAX),
    ]);
    let n: ArrayRef = Arc::new(Float64Array::from(vec![
        None,
        Some(1.0),
        Some(f64::NAN),
        Some(f64::INFINITY),
        Some(1.0),
    ]));
    let t = parquet(
        d.path(),
        "nulls.parquet",
        &[batch(vec![
            ("at", at),
            ("customer", strs(vec![Some("c"); 5])),
            (
                "subscribe",
                strs(vec![Some("plan:starter@1"), None, None, None, None]),
            ),
            (
                "feature",
                strs(vec![
                    None,
                    Some("feature:words"),
                    Some("feature:words"),
                    Some("feature:words"),
                    Some("feature:words"),
                ]),
            ),
            ("n", n),
        ])],
        None,
    );
    let run = simulate(WORDS, &[&t], &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("row 2"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`n` is NaN, not a number"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`at` is outside the years 0000 to 9999"),
        "{}",
        run.stderr
    );
    let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
    assert_eq!(
        invalid(&run),
        [
            (2, "missing-key".into()),
            (3, "bad-value".into()),
            (4, "bad-value".into()),
            (5, "bad-timestamp".into())
        ]
    );
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["invalid"][0]["file"], t.display().to_string().as_str());
    assert_eq!(v["invalid"][0]["message"], "missing key `at`");

    // A TIMESTAMP not adjusted to UTC: every row, none evaluated.
    let at: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![
        Some(JAN1 * 1_000_000),
        None,
        Some(JAN1 * 1_000_000),
    ]));
    let t = parquet(
        d.path(),
        "naive.parquet",
        &[batch(vec![
            ("at", at),
            ("customer", strs(vec![Some("c"); 3])),
            ("subscribe", strs(vec![Some("plan:starter@1"); 3])),
        ])],
        None,
    );
    let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
    assert_eq!(
        invalid(&run),
        [
            (1, "missing-offset".into()),
            (2, "missing-key".into()),
            (3, "missing-offset".into())
        ]
    );
}

#[test]
fn parquet_column_of_a_type_not_accepted_is_one_error_at_open() {
    let d = dir();
    let cases: Vec<(&str, ArrayRef, &str)> = vec![
        (
            "at",
            Arc::new(Date32Array::from(vec![20_454])),
            "column `at` is DATE, where a trace's `at` is TIMESTAMP with UTC adjustment or STRING",
        ),
        (
            "quantity",
            Arc::new(
                Decimal128Array::from(vec![150])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            "column `quantity` is DECIMAL(10, 2), where a trace's `quantity` is INT8–INT64, UINT8–UINT64 or DECIMAL with scale 0",
        ),
        (
            "set",
            strs(vec![Some("true")]),
            "column `set` is STRING, where a trace's `set` is BOOLEAN",
        ),
    ];
    for (col, array, message) in cases {
        let mut cols = vec![
            ("customer", strs(vec![Some("c")])),
            ("subscribe", strs(vec![Some("plan:starter@1")])),
        ];
        if col != "at" {
            cols.push(("at", utc_micros(vec![Some(JAN1 * 1_000_000)])));
        }
        cols.push((col, array));
        let t = parquet(d.path(), &format!("{col}.parquet"), &[batch(cols)], None);
        let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
        assert_eq!(run.code, Some(1), "{col}");
        assert_eq!(run.stdout, "", "{col}: no report");
        assert_eq!(
            run.stderr,
            format!("error[column-type]: {}: {message}\n", t.display()),
            "{col}"
        );
    }
}

#[test]
fn parquet_unused_columns_are_one_warning() {
    let d = dir();
    let t = parquet(
        d.path(),
        "t.parquet",
        &[batch(vec![
            ("event_id", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("at", utc_micros(vec![Some(JAN1 * 1_000_000)])),
            ("customer", strs(vec![Some("c")])),
            ("subscribe", strs(vec![Some("plan:starter@1")])),
            (
                "properties",
                Arc::new(Date32Array::from(vec![1])) as ArrayRef,
            ),
        ])],
        None,
    );
    let run = simulate(WORDS, &[&t], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "warning[unused-column]: {}: columns `event_id`, `properties` are not trace columns and are ignored\n",
            t.display()
        )
    );
}

#[test]
fn parquet_rows_are_counted_across_batches_and_row_groups() {
    let d = dir();
    let rows = 20_000i64;
    let at = utc_micros(
        (0..rows)
            .map(|i| (i != 12_345).then_some((JAN1 + i) * 1_000_000))
            .collect(),
    );
    let subscribe = strs(
        (0..rows)
            .map(|i| (i == 0).then_some("plan:starter@1"))
            .collect(),
    );
    let feature = strs(
        (0..rows)
            .map(|i| (i != 0).then_some("feature:words"))
            .collect(),
    );
    let n: ArrayRef = Arc::new(Int64Array::from(
        (0..rows).map(|i| (i != 0).then_some(1)).collect::<Vec<_>>(),
    ));
    let all = batch(vec![
        ("at", at),
        ("customer", strs(vec![Some("c"); rows as usize])),
        ("subscribe", subscribe),
        ("feature", feature),
        ("n", n),
    ]);
    let t = parquet(
        d.path(),
        "t.parquet",
        &[all.slice(0, 7_000), all.slice(7_000, 13_000)],
        Some(3_000),
    );
    let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(invalid(&run), [(12_346, "missing-key".into())]);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["summary"]["events"], rows - 1);
}

#[test]
fn parquet_truncated_or_not_parquet_is_a_clean_error_naming_the_file() {
    let d = dir();
    let good = std::fs::read("examples/word-bucket.parquet").unwrap();
    for (name, bytes) in [
        ("cut.parquet", good[..good.len() / 2].to_vec()),
        ("tail.parquet", good[..good.len() - 5].to_vec()),
        ("text.parquet", b"at,customer\n".to_vec()),
        ("empty.parquet", Vec::new()),
    ] {
        let t = write(d.path(), name, bytes);
        let run = simulate(WORDS, &[&t], &[]);
        assert_eq!(run.code, Some(1), "{name}: {}", run.stderr);
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.starts_with(&format!(
                "error[bad-parquet]: {}: not a readable Parquet file",
                t.display()
            )),
            "{name}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

// ---------------------------------------------------------------- never a panic

/// Read a file as a trace through the library: any error is fine, a panic is not.
fn read_any(path: &Path) {
    let arg = path.display().to_string();
    let Ok(inputs) = tariffc::trace::source::inputs(&[arg], None) else {
        return;
    };
    let Ok((mut files, _)) = tariffc::trace::Files::open(inputs) else {
        return;
    };
    let mut seen = 0u32;
    let _ = tariffc::trace::EventSource::read(&mut files, &mut |_, r| {
        seen += 1;
        if let Err(e) = r {
            assert!(!e.error.message.is_empty());
        }
        std::ops::ControlFlow::Continue(())
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let d = dir();
        read_any(&write(d.path(), "t.csv", &bytes));
        read_any(&write(d.path(), "t.parquet", &bytes));
        let mut csv = b"at,customer,feature,n,set,quantity,enabled,recharge,cancel\n".to_vec();
        csv.extend_from_slice(&bytes);
        read_any(&write(d.path(), "h.csv", &csv));
    }

    #[test]
    fn damaged_parquet_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = std::fs::read("examples/prepaid-credits.parquet").unwrap();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let d = dir();
        read_any(&write(d.path(), "t.parquet", &bytes));
        let keep = cut.index(bytes.len());
        bytes.truncate(keep);
        read_any(&write(d.path(), "c.parquet", &bytes));
    }
}

#[test]
fn parquet_reads_from_standard_input_and_without_any_trace_column() {
    let bytes = std::fs::read("examples/gym.parquet").unwrap();
    let out = from_stdin("parquet", bytes);
    let file = simulate(
        "examples/gym.json",
        &[Path::new("examples/gym.parquet")],
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout, file.stdout.replace("examples/gym.parquet", "-"));

    // No trace column at all: nothing is decoded, yet every row is counted and refused.
    let d = dir();
    let t = parquet(
        d.path(),
        "t.parquet",
        &[batch(vec![(
            "event_id",
            Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef,
        )])],
        None,
    );
    let run = simulate(WORDS, &[&t], &["--skip-invalid"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        invalid(&run),
        [
            (1, "missing-key".into()),
            (2, "missing-key".into()),
            (3, "missing-key".into())
        ]
    );
}
