#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The HTML pricing page of every shipped example, opened in a real browser (Debian's headless
//! Chromium): no console messages at all (the page has no scripts, so any message is a broken
//! page), one card per plan and one price curve per metered feature in the DOM the browser
//! built. A screenshot per example (desktop and phone) is kept under
//! `target/docs-screenshots/`, out of the repository.
//!
//! Chromium comes from `scripts/install-chromium.sh`, which this test runs unless
//! `TARIFFC_CHROMIUM_INSTALLED=1` says CI already did (`CHROMIUM` overrides the binary's path).
//! Without a browser the test fails when `CI=true`; on a developer machine it says so and skips.

use assert_cmd::Command as Bin;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The browser binary, installed at most once per test run (the tests share it; two
/// concurrent `apt-get` runs would fight over the package lock).
fn chromium() -> Option<PathBuf> {
    static BROWSER: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    BROWSER.get_or_init(find_or_install).clone()
}

fn find_or_install() -> Option<PathBuf> {
    let bin = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if bin.exists() {
        return Some(bin);
    }
    if std::env::var("TARIFFC_CHROMIUM_INSTALLED").as_deref() != Ok("1") {
        let status = Command::new("bash")
            .arg(root().join("scripts/install-chromium.sh"))
            .stdout(Stdio::null())
            .status();
        eprintln!("scripts/install-chromium.sh: {status:?}");
    }
    bin.exists().then_some(bin)
}

/// The browser, or `None` to skip (only outside CI).
fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(bin) => Some(bin),
        None if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "chromium is not installed and scripts/install-chromium.sh could not install it; \
             the docs browser test cannot run in CI without it"
        ),
        None => {
            eprintln!("SKIPPED: no chromium (run scripts/install-chromium.sh as root)");
            None
        }
    }
}

struct Run {
    stdout: String,
    stderr: String,
}

/// Run headless Chromium on a local file with the flags that work in this sandbox.
fn chromium_run(bin: &Path, page: &Path, extra: &[String]) -> Run {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null());
    let out_dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (out_dir.path().join("out"), out_dir.path().join("err"));
    cmd.stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let mut child = cmd.spawn().expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
            assert!(
                status.success(),
                "chromium failed ({status}) on {page:?}:\n{stderr}"
            );
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium took over 90 s on {page:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run {
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

/// Console messages the page produced (Chromium logs each as `INFO:CONSOLE`).
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples to render");
    files
}

/// How many plan cards and curves the page must show, from the checked IR.
fn expected_counts(file: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(file).unwrap();
    let source = tariffc::source::Source::new(file.display().to_string(), text);
    let loaded = tariffc::load::load(source, tariffc::source::SourceFormat::Json);
    let doc = loaded
        .document
        .unwrap_or_else(|| panic!("{file:?} does not check: {:?}", loaded.diagnostics));
    let curves = doc
        .plans
        .iter()
        .map(|p| p.features.iter().filter(|f| f.is_metered()).count())
        .sum();
    (doc.plans.len(), curves)
}

#[test]
fn every_example_renders_cleanly_in_chromium() {
    let Some(bin) = browser_or_skip() else { return };
    let out = root().join("target/docs-screenshots");
    std::fs::create_dir_all(&out).unwrap();
    for file in examples() {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let page = out.join(format!("{stem}.html"));
        Bin::cargo_bin("tariffc")
            .unwrap()
            .args(["docs", "--format", "html", "-o"])
            .arg(&page)
            .arg(&file)
            .assert()
            .success();

        let dom = chromium_run(&bin, &page, &["--dump-dom".to_string()]);
        let messages = console_messages(&dom.stderr);
        assert!(
            messages.is_empty(),
            "{stem}: console messages: {messages:#?}"
        );
        let (plans, curves) = expected_counts(&file);
        assert_eq!(
            dom.stdout.matches("<section class=\"plan\"").count(),
            plans,
            "{stem}: plan cards in the DOM"
        );
        assert_eq!(
            dom.stdout.matches("<svg class=\"curve\"").count(),
            curves,
            "{stem}: price curves in the DOM"
        );
        assert_eq!(
            dom.stdout.matches("<polyline class=\"line\"").count(),
            curves,
            "{stem}: a drawn line in every curve"
        );

        for (suffix, size) in [("", "1280,1800"), ("-phone", "390,2400")] {
            let png = out.join(format!("{stem}{suffix}.png"));
            let _ = std::fs::remove_file(&png);
            let shot = chromium_run(
                &bin,
                &page,
                &[
                    format!("--window-size={size}"),
                    format!("--screenshot={}", png.display()),
                ],
            );
            let messages = console_messages(&shot.stderr);
            assert!(
                messages.is_empty(),
                "{stem}: console messages: {messages:#?}"
            );
            let len = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
            assert!(
                len > 10_000,
                "{stem}: screenshot {png:?} is missing or blank"
            );
        }
    }
}

/// The console check is not vacuous: a page that logs an error is caught.
#[test]
fn a_console_error_is_detected() {
    let Some(bin) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let run = chromium_run(&bin, &page, &["--dump-dom".to_string()]);
    let messages = console_messages(&run.stderr);
    assert_eq!(messages.len(), 1, "{}", run.stderr);
    assert!(messages[0].contains("boom"));
}
