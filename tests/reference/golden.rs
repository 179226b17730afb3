//! The hand-computed golden cases in `tests/golden-ref/<case>/`: `pricing.json`, `trace.jsonl`,
//! `expected.json` and an optional `args` file (e.g. `--until 2026-04-01T00:00:00Z`).

use serde_json::Value;
use std::path::{Path, PathBuf};
use tariffc::ir::Document;

pub struct Golden {
    pub name: String,
    pub pricing: String,
    pub doc: Document,
    pub trace: String,
    pub until: Option<String>,
    pub expected: Value,
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

/// Every golden case, sorted by name; pricing read by the reference's own reader.
pub fn cases() -> Vec<Golden> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden-ref");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let pricing = read(&dir, "pricing.json");
            let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
            let words: Vec<&str> = args.split_whitespace().collect();
            let until = words
                .iter()
                .position(|w| *w == "--until")
                .map(|i| words[i + 1].to_string());
            Golden {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                doc: super::pricing::read(&pricing),
                pricing,
                trace: read(&dir, "trace.jsonl"),
                until,
                expected: serde_json::from_str(&read(&dir, "expected.json"))
                    .unwrap_or_else(|e| panic!("{}/expected.json: {e}", dir.display())),
            }
        })
        .collect()
}
