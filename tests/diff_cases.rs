#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Diff cases as data: each `tests/diff-cases/<case>/` holds `old.json`, `new.json` and
//! `expected.txt`, run as `tariffc diff old.json new.json ARGS` from inside the case folder.
//!
//! `expected.txt` starts with a header — `args: …` (optional) and `exit: N` — then
//! `--- stdout` and `--- stderr` sections with the exact expected text; a section whose only
//! line is `<any>` is not compared. `UPDATE_EXPECT=1 cargo test --test diff_cases` rewrites the
//! expectations from the actual output (review the git diff before committing).

use std::path::{Path, PathBuf};

struct Expected {
    args: Vec<String>,
    exit: i32,
    stdout: String,
    stderr: String,
}

fn parse(text: &str, case: &Path) -> Expected {
    let (head, body) = text
        .split_once("--- stdout\n")
        .unwrap_or_else(|| panic!("{case:?}: expected.txt has no `--- stdout` line"));
    let (stdout, stderr) = body
        .split_once("--- stderr\n")
        .unwrap_or_else(|| panic!("{case:?}: expected.txt has no `--- stderr` line"));
    let mut args = Vec::new();
    let mut exit = None;
    for line in head.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_once(": ") {
            Some(("args", a)) => args = a.split_whitespace().map(String::from).collect(),
            Some(("exit", e)) => exit = Some(e.trim().parse().unwrap()),
            _ => panic!("{case:?}: unknown header line `{line}`"),
        }
    }
    Expected {
        args,
        exit: exit.unwrap_or_else(|| panic!("{case:?}: no `exit:` line")),
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    }
}

fn render(e: &Expected) -> String {
    let mut s = String::new();
    if !e.args.is_empty() {
        s.push_str(&format!("args: {}\n", e.args.join(" ")));
    }
    s.push_str(&format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        e.exit, e.stdout, e.stderr
    ));
    s
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff-cases");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn diff_cases() {
    let update = std::env::var("UPDATE_EXPECT").as_deref() == Ok("1");
    let cases = cases();
    assert!(cases.len() >= 8, "the diff cases are missing");
    let mut failures = Vec::new();
    for case in &cases {
        let path = case.join("expected.txt");
        let expected = parse(&std::fs::read_to_string(&path).unwrap(), case);
        let out = assert_cmd::Command::cargo_bin("tariffc")
            .unwrap()
            .current_dir(case)
            .args(["--color", "never", "diff", "old.json", "new.json"])
            .args(&expected.args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let actual = Expected {
            args: expected.args.clone(),
            exit: out.status.code().unwrap_or(-1),
            stdout: keep_any(&expected.stdout, String::from_utf8(out.stdout).unwrap()),
            stderr: keep_any(&expected.stderr, String::from_utf8(out.stderr).unwrap()),
        };
        let (want, got) = (render(&expected), render(&actual));
        if want != got {
            if update {
                std::fs::write(&path, &got).unwrap();
            } else {
                failures.push(format!(
                    "== {}\n-- expected\n{want}-- actual\n{got}",
                    case.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn keep_any(expected: &str, actual: String) -> String {
    if expected == "<any>\n" {
        expected.to_string()
    } else {
        actual
    }
}
