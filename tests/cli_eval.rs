#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `quote`, `simulate` and `schema trace|report` through the binary: exit codes, formats, `-o`.

use assert_cmd::Command;

fn tariffc() -> Command {
    Command::cargo_bin("tariffc").unwrap()
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn quote_prices_the_gym_half_session() {
    let out = tariffc()
        .args([
            "quote",
            "examples/gym.json",
            "--plan",
            "plan:gym@1",
            "feature:session=1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out.stdout);
    assert_eq!(v["total"], 20000);
    assert_eq!(v["lines"][1]["covered"], "0.5");
    assert_eq!(v["lines"][1]["amount"], 10000);
    assert!(v.get("period").is_none() && v.get("status").is_none());
    let human = tariffc()
        .args([
            "quote",
            "examples/gym.json",
            "--plan",
            "plan:gym@1",
            "feature:session=1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("$200.00"), "{text}");
}

/// Human money follows the pricing page's symbols and grouping, with the minor digits kept.
#[test]
fn human_quotes_show_money_as_the_pages_do() {
    for (plan, shown) in [("plan:bh@1", "BHD 1.000"), ("plan:jp@1", "¥1,000")] {
        let out = tariffc()
            .args([
                "quote",
                "tests/corpus/valid/currencies.json",
                "--plan",
                plan,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(shown), "{text}");
    }
}

#[test]
fn quote_over_a_deny_limit_exits_1() {
    let out = tariffc()
        .args([
            "quote",
            "examples/word-bucket.json",
            "--plan",
            "plan:starter@1",
            "feature:api=101",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("quote-over-limit") && err.contains("feature:api") && err.contains("100"),
        "{err}"
    );
}

#[test]
fn quote_usage_errors_exit_2() {
    for args in [
        vec!["feature:report=1", "feature:report=2"],
        vec!["feature:platform=1"],
        vec!["feature:credits=-1"],
        vec!["feature:nope=1"],
        vec!["feature:credits"],
    ] {
        let out = tariffc()
            .args([
                "quote",
                "examples/prepaid-credits.json",
                "--plan",
                "plan:prepaid@1",
            ])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = tariffc()
        .args([
            "quote",
            "examples/prepaid-credits.json",
            "--plan",
            "plan:nope@1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn quote_costing_draws_after_its_target() {
    // 20 signup credits: 14 used directly leave 6, enough for 2 reports (6 credits), not 3.
    let ok = tariffc()
        .args([
            "quote",
            "examples/prepaid-credits.json",
            "--plan",
            "plan:prepaid@1",
            "feature:report=2",
            "feature:credits=14",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let over = tariffc()
        .args([
            "quote",
            "examples/prepaid-credits.json",
            "--plan",
            "plan:prepaid@1",
            "feature:report=3",
            "feature:credits=14",
        ])
        .output()
        .unwrap();
    assert_eq!(over.status.code(), Some(1));
}

#[test]
fn simulate_writes_atomically_with_o_and_filters_customers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let st = tariffc()
        .args([
            "simulate",
            "examples/gym.json",
            "--trace",
            "examples/gym.jsonl",
            "--format",
            "json",
            "--customer",
            "brojo:bob",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0));
    assert!(st.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let full: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/golden/gym-half-session/expected.json").unwrap(),
    )
    .unwrap();
    assert_eq!(v["customers"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["customers"][0], full["customers"][1],
        "a filtered report equals the matching part"
    );
    assert_eq!(v["until"], full["until"]);
    assert_eq!(v["summary"]["customers"], 1);
}

#[test]
fn simulate_reads_the_trace_from_stdin() {
    let trace = std::fs::read_to_string("examples/prepaid-credits.jsonl").unwrap();
    let out = tariffc()
        .args([
            "simulate",
            "examples/prepaid-credits.json",
            "--trace",
            "-",
            "--format",
            "json",
        ])
        .write_stdin(trace)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out.stdout)["summary"]["totals"]["usd"], 7000);
}

#[test]
fn simulate_bad_until_is_a_usage_error() {
    let out = tariffc()
        .args([
            "simulate",
            "examples/gym.json",
            "--trace",
            "examples/gym.jsonl",
            "--until",
            "2026-02-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = tariffc()
        .args([
            "simulate",
            "examples/gym.json",
            "--trace",
            "no/such/trace.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schemas_validate_the_goldens() {
    let report: serde_json::Value = json(
        &tariffc()
            .args(["schema", "report"])
            .output()
            .unwrap()
            .stdout,
    );
    let trace: serde_json::Value =
        json(&tariffc().args(["schema", "trace"]).output().unwrap().stdout);
    let report = jsonschema::validator_for(&report).unwrap();
    let trace = jsonschema::validator_for(&trace).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir("tests/golden").unwrap() {
        let dir = entry.unwrap().path();
        if let Ok(text) = std::fs::read_to_string(dir.join("expected.json")) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let errors: Vec<String> = report
                .iter_errors(&v)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", dir.display());
            checked += 1;
            if v["invalid"].as_array().unwrap().is_empty() {
                let text = std::fs::read_to_string(dir.join("trace"))
                    .map(|p| std::fs::read_to_string(p.trim()).unwrap())
                    .unwrap_or_else(|_| std::fs::read_to_string(dir.join("trace.jsonl")).unwrap());
                for line in text.lines() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let l: serde_json::Value = serde_json::from_str(line).unwrap();
                    assert!(trace.is_valid(&l), "{}: {line}", dir.display());
                }
            }
        }
    }
    assert!(checked >= 5);
    let bad: serde_json::Value = serde_json::from_str(
        r#"{"at":"2026-01-01T00:00:00Z","customer":"c","feature":"feature:x","n":1,"cancel":true}"#,
    )
    .unwrap();
    assert!(!trace.is_valid(&bad));
}

/// `simulate` of `pricing` over `traces` with extra arguments.
fn simulate(pricing: &str, traces: &[&str], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["simulate", pricing];
    for t in traces {
        args.extend(["--trace", t]);
    }
    args.extend(extra);
    tariffc().args(&args).output().unwrap()
}

#[test]
fn jsonl_output_is_the_report_a_customer_per_line() {
    let whole = simulate(
        "examples/word-bucket.json",
        &["examples/word-bucket.jsonl"],
        &["--format", "json"],
    );
    let whole = json(&whole.stdout);
    let out = simulate(
        "examples/word-bucket.json",
        &["examples/word-bucket.jsonl"],
        &["--format", "jsonl"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines: Vec<serde_json::Value> = text.lines().map(|l| json(l.as_bytes())).collect();
    let last = lines.pop().unwrap();
    assert_eq!(serde_json::Value::Array(lines), whole["customers"]);
    for key in ["version", "until", "invalid", "summary"] {
        assert_eq!(last[key], whole[key], "{key}");
    }
}

#[test]
fn several_trace_inputs_are_one_stream_and_name_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("examples/prepaid-credits.jsonl").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(4);
    // A directory stands for its trace files in path order; other files are ignored.
    std::fs::write(dir.path().join("1-first.jsonl"), a.join("\n")).unwrap();
    std::fs::write(
        dir.path().join("2-second.ndjson"),
        b.join("\n") + "\n{bad\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a trace").unwrap();
    let d = dir.path().to_str().unwrap();
    let one = simulate(
        "examples/prepaid-credits.json",
        &["examples/prepaid-credits.jsonl"],
        &["--format", "json"],
    );
    let split = simulate(
        "examples/prepaid-credits.json",
        &[d],
        &["--format", "json", "--skip-invalid"],
    );
    assert_eq!(
        split.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&split.stderr)
    );
    let (one, split) = (json(&one.stdout), json(&split.stdout));
    assert_eq!(
        one["customers"][0]["invoices"],
        split["customers"][0]["invoices"]
    );
    assert_eq!(one["summary"]["totals"], split["summary"]["totals"]);
    // Line 8 of the whole trace is line 4 of the second file, named with its file.
    let rejected = &split["customers"][0]["rejected"][0];
    assert_eq!(rejected["line"], 4);
    assert!(rejected["file"]
        .as_str()
        .unwrap()
        .ends_with("2-second.ndjson"));
    let invalid = &split["invalid"][0];
    assert_eq!(
        (invalid["line"].as_u64(), invalid["code"].as_str()),
        (Some(6), Some("bad-json"))
    );
    // Without --skip-invalid: the error names the file and line, exit 1.
    let failed = simulate("examples/prepaid-credits.json", &[d], &["--format", "json"]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("2-second.ndjson: line 6"), "{stderr}");
    assert!(failed.stdout.is_empty());
}

#[test]
fn trace_inputs_that_cannot_be_read_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("events.txt");
    std::fs::copy("examples/gym.jsonl", &odd).unwrap();
    let odd = odd.to_str().unwrap();
    let out = simulate("examples/gym.json", &[odd], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trace-format"));
    // Naming the format reads it.
    let out = simulate(
        "examples/gym.json",
        &[odd],
        &["--trace-format", "jsonl", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = simulate(
        "examples/gym.json",
        &["examples/gym.jsonl", "no/such.jsonl"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_report_to_an_unwritable_place_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing/report.json");
    let out = simulate(
        "examples/gym.json",
        &["examples/gym.jsonl"],
        &["--format", "json", "-o", target.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!target.exists());
    // A report to a file replaces it whole.
    let file = dir.path().join("report.json");
    std::fs::write(&file, "old").unwrap();
    let out = simulate(
        "examples/gym.json",
        &["examples/gym.jsonl"],
        &["--format", "jsonl", "-o", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .starts_with("{\"customer\":"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn the_report_schema_takes_rows_files_and_lines() {
    let schema = json(
        &tariffc()
            .args(["schema", "report"])
            .output()
            .unwrap()
            .stdout,
    );
    let schema = jsonschema::validator_for(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lines = std::fs::read_to_string("examples/prepaid-credits.jsonl").unwrap();
    let two = dir.path().join("two.jsonl");
    std::fs::write(&two, format!("{lines}{{bad\n")).unwrap();
    let two = two.to_str().unwrap();
    // A table (file and row), several JSON Lines inputs (file and line), one input (line).
    for traces in [
        vec!["examples/prepaid-credits.csv"],
        vec!["examples/prepaid-credits.parquet"],
        vec![two],
        vec!["examples/prepaid-credits.jsonl", two],
    ] {
        let out = simulate(
            "examples/prepaid-credits.json",
            &traces,
            &["--format", "json", "--skip-invalid"],
        );
        assert_eq!(out.status.code(), Some(0));
        let v = json(&out.stdout);
        let errors: Vec<String> = schema
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{traces:?}: {errors:?}");
        assert!(!v["customers"][0]["rejected"].as_array().unwrap().is_empty());
    }
    // A place needs its line, or its row and file.
    let mut v = json(
        &simulate(
            "examples/prepaid-credits.json",
            &["examples/prepaid-credits.csv"],
            &["--format", "json"],
        )
        .stdout,
    );
    let rejected = &mut v["customers"][0]["rejected"][0];
    rejected.as_object_mut().unwrap().remove("file");
    assert!(!schema.is_valid(&v));
}
