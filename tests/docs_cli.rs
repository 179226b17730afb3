#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `tariffc docs` through the command line: Markdown snapshots of every shipped example, HTML
//! written atomically with `-o`, and exit codes.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn docs(file: &Path, format: &str) -> String {
    let out = Command::cargo_bin("tariffc")
        .unwrap()
        .args(["docs", "--format", format])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{file:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn markdown_of_every_example() {
    let files = examples();
    assert!(files.len() >= 3);
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("docs_md_{stem}"), docs(&file, "md"));
    }
}

#[test]
fn html_is_deterministic_and_written_atomically() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/word-bucket.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pricing.html");
    std::fs::write(&out, "old").unwrap();
    Command::cargo_bin("tariffc")
        .unwrap()
        .args(["docs", "--format", "html", "-o"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, docs(&file, "html"));
    assert!(written.starts_with("<!DOCTYPE html>"));
    assert_eq!(written.matches("<section class=\"plan\"").count(), 2);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_invalid_document_exits_1_and_a_missing_file_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{ "plans": { "plan:x@1": { "features": {} } } }"#).unwrap();
    Command::cargo_bin("tariffc")
        .unwrap()
        .args(["docs", "--format", "md"])
        .arg(&bad)
        .assert()
        .code(1)
        .stdout("");
    Command::cargo_bin("tariffc")
        .unwrap()
        .args(["docs", "--format", "md", "no-such-file.json"])
        .assert()
        .code(2);
}

/// Everything the examples do not show: graduated tiers with flat fees, volume, divide, sub-cent
/// prices, a perpetual gauge, rollover caps, expiring grants, a capped feature that bills
/// overage, a zero-exponent currency and a hostile title.
const RICH: &str = r#"{
  "plans": {
    "plan:api@1": {
      "title": "API <script>alert(1)</script> | *Pro*",
      "interval": "@yearly",
      "features": {
        "feature:requests": { "title": "Requests", "tiers": [ { "price": 10 } ],
                              "divide": { "by": 1000, "rounding": "up" } },
        "feature:tokens": {
          "title": "Tokens",
          "grants": [ { "amount": 1000, "every": 1, "rollover": { "max": 5000 } },
                      { "amount": 200, "on": "signup", "expires_after": 3 } ],
          "tiers": [ { "upto": 10000, "price": 0.1 }, { "upto": 50000, "price": 0.08 },
                     { "price": 0.05, "base": 500 } ]
        },
        "feature:storage": { "title": "GB stored", "aggregate": "perpetual",
                             "tiers": [ { "upto": 100, "price": 0 }, { "price": 25 } ] },
        "feature:seats": { "title": "Seats", "aggregate": "last", "mode": "volume",
                           "tiers": [ { "upto": 5, "price": 1000 }, { "price": 800 } ] },
        "feature:builds": { "title": "Builds", "grants": [ { "amount": 10, "every": 3, "expires_after": 6 } ],
                            "tiers": [ { "upto": 50, "price": 20 } ], "overage": "bill" }
      }
    },
    "plan:tokyo@1": {
      "title": "Tokyo",
      "currency": "jpy",
      "features": {
        "feature:base": { "title": "Base", "base": 1500 },
        "feature:sso": { "title": "SSO" }
      }
    }
  }
}"#;

#[test]
fn markdown_of_a_document_with_every_kind_of_price() {
    let out = Command::cargo_bin("tariffc")
        .unwrap()
        .args([
            "docs",
            "--format",
            "md",
            "--stdin-filename",
            "rich.json",
            "-",
        ])
        .write_stdin(RICH)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(!md.contains("<script>"));
    insta::assert_snapshot!("docs_md_rich", md);

    let html = Command::cargo_bin("tariffc")
        .unwrap()
        .args([
            "docs",
            "--format",
            "html",
            "--stdin-filename",
            "rich.json",
            "-",
        ])
        .write_stdin(RICH)
        .output()
        .unwrap();
    assert!(html.status.success());
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(!html.contains("<script>"));
    assert!(html.contains("API &lt;script&gt;alert(1)&lt;/script&gt; | *Pro*"));
    assert_eq!(html.matches("<svg class=\"curve\"").count(), 5);
}
