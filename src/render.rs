//! Rendering diagnostics for people (miette, over the whole file) and for machines.
//!
//! Invariant: machine formats never contain colour; line and column are computed here from spans.

use crate::diag::{Diagnostic, Severity};
use crate::source::Source;
use std::fmt;

/// Width of human output; fixed so that snapshots do not depend on the terminal.
pub const HUMAN_WIDTH: usize = 100;

/// One diagnostic over its source, as miette sees it.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: miette::NamedSource<String>,
    /// The span to draw: the diagnostic's, or only its first line when it is long.
    shown: crate::source::Span,
}

/// Spans longer than this many lines are drawn on their first line only (machine formats keep
/// the whole span).
const MAX_SHOWN_LINES: usize = 6;

fn shown_span(text: &str, span: crate::source::Span) -> crate::source::Span {
    let covered = text.get(span.start..span.end).unwrap_or_default();
    if covered.matches('\n').count() < MAX_SHOWN_LINES {
        return span;
    }
    let first_line = covered.find('\n').unwrap_or(covered.len());
    crate::source::Span::new(span.start, span.start + first_line)
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = miette::LabeledSpan::new_with_span(Some("here".to_string()), self.shown);
        Some(Box::new(std::iter::once(label)))
    }
}

/// Lines longer than this are not drawn (miette's renderer cannot place a column past 65,535,
/// and a minified file's one line is no use on a terminal): such a diagnostic is written as
/// one located line with its help.
const MAX_DRAWN_LINE: usize = 4096;

/// Whether the line holding `offset` is too long to draw.
fn too_long_to_draw(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let before = text.as_bytes().get(..offset).unwrap_or_default();
    let after = text.as_bytes().get(offset..).unwrap_or_default();
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = after
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| offset + i);
    end - start > MAX_DRAWN_LINE
}

/// A diagnostic as one located line (and its help), for what cannot be drawn.
fn plain(source: &Source, diag: &Diagnostic, out: &mut String) {
    use std::fmt::Write;
    let at = source.line_col(diag.span.start);
    let _ = writeln!(
        out,
        "{}[{}]: {}:{}:{}: {}",
        diag.severity.as_str(),
        diag.code,
        source.name,
        at.line,
        at.column,
        diag.message
    );
    if let Some(help) = &diag.help {
        let _ = writeln!(out, "  help: {help}");
    }
}

/// Render diagnostics for a person, each over the whole file, in the order given.
pub fn human(source: &Source, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_width(HUMAN_WIDTH);
    let named = source.named_source();
    let mut out = String::new();
    for diag in diagnostics {
        if too_long_to_draw(&source.text, diag.span.start) {
            plain(source, diag, &mut out);
            continue;
        }
        let report = Report {
            diag,
            source: named.clone(),
            shown: shown_span(&source.text, diag.span),
        };
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", diag.code, diag.message));
        }
    }
    out
}

/// One file's diagnostics, for the machine formats.
pub struct FileDiagnostics<'a> {
    pub source: &'a Source,
    pub diagnostics: &'a [Diagnostic],
}

/// Where a diagnostic is, in 1-based lines and columns (end exclusive).
struct Region {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

fn region(source: &Source, diag: &Diagnostic) -> Region {
    let start = source.line_col(diag.span.start);
    let end = source.line_col(diag.span.end);
    Region {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// `check --format json`: `{ "version": 1, "diagnostics": [...] }`, one line per file order.
pub fn json(files: &[FileDiagnostics<'_>]) -> String {
    let diagnostics: Vec<serde_json::Value> = files
        .iter()
        .flat_map(|f| {
            f.diagnostics.iter().map(|d| {
                let r = region(f.source, d);
                serde_json::json!({
                    "code": d.code,
                    "severity": d.severity.as_str(),
                    "message": d.message,
                    "file": f.source.name,
                    "line": r.line,
                    "column": r.column,
                    "end_line": r.end_line,
                    "end_column": r.end_column,
                    "pointer": d.pointer,
                    "help": d.help,
                })
            })
        })
        .collect();
    let doc = serde_json::json!({ "version": 1, "diagnostics": diagnostics });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// `check --format github`: workflow commands that GitHub shows as annotations. Columns are
/// left out when a span crosses lines (GitHub ignores them there).
pub fn github(files: &[FileDiagnostics<'_>]) -> String {
    let mut out = String::new();
    for f in files {
        for d in f.diagnostics {
            let r = region(f.source, d);
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut props = vec![
                format!("file={}", escape_property(&f.source.name)),
                format!("line={}", r.line),
            ];
            if r.line == r.end_line {
                props.push(format!("col={}", r.column));
            }
            props.push(format!("endLine={}", r.end_line));
            if r.line == r.end_line {
                props.push(format!("endColumn={}", r.end_column));
            }
            props.push(format!("title={}", escape_property(d.code)));
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{level} {}::{}\n",
                props.join(","),
                escape_data(&message)
            ));
        }
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `check --format sarif`: SARIF 2.1.0, one run, the diagnostic codes as `ruleId`s.
pub fn sarif(files: &[FileDiagnostics<'_>]) -> String {
    let mut codes: Vec<&str> = files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(|d| d.code))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|code| {
            let text = crate::check::codes::describe(code).unwrap_or(code);
            serde_json::json!({
                "id": code,
                "name": code,
                "shortDescription": { "text": text },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = files
        .iter()
        .flat_map(|f| {
            f.diagnostics.iter().map(|d| {
                let r = region(f.source, d);
                let mut text = d.message.clone();
                if let Some(help) = &d.help {
                    text.push_str("\nhelp: ");
                    text.push_str(help);
                }
                serde_json::json!({
                    "ruleId": d.code,
                    "level": d.severity.as_str(),
                    "message": { "text": text },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": f.source.name },
                            "region": {
                                "startLine": r.line,
                                "startColumn": r.column,
                                "endLine": r.end_line,
                                "endColumn": r.end_column,
                            }
                        },
                        "logicalLocations": [{ "fullyQualifiedName": d.pointer, "kind": "member" }],
                    }],
                })
            })
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tariffc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn a_diagnostic_far_along_a_minified_line_is_written_plainly() {
        // A minified document over 64 KiB: miette cannot draw a column past 65,535.
        let mut text = String::from("{\"plans\":{");
        while text.len() < 70_000 {
            text.push_str("\"x\":1,");
        }
        let at = text.len();
        text.push_str("\"bad\":2}}");
        let source = Source::new("p.json", text);
        let diag = Diagnostic::warning("unknown-key", Span::new(at, at + 5), "unknown key `bad`")
            .with_pointer("/plans/bad");
        for color in [false, true] {
            let out = human(&source, std::slice::from_ref(&diag), color);
            assert_eq!(
                out,
                format!(
                    "warning[unknown-key]: p.json:1:{}: unknown key `bad`\n",
                    at + 1
                )
            );
        }
    }

    fn sample() -> (Source, Vec<Diagnostic>) {
        let source = Source::new("p.json", "{\n  \"a\": 10,\n  \"b\": {\n  }\n}\n");
        let diags = vec![
            Diagnostic::error("tier-order", Span::new(9, 11), "bad, really: 100%")
                .with_pointer("/a")
                .with_help("sort"),
            Diagnostic::warning("empty-tiers", Span::new(20, 25), "spans lines").with_pointer("/b"),
        ];
        (source, diags)
    }

    #[test]
    fn github_omits_columns_across_lines() {
        let (source, diags) = sample();
        let out = github(&[FileDiagnostics {
            source: &source,
            diagnostics: &diags,
        }]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=p.json,line=2,col=8,endLine=2,endColumn=10,title=tier-order::bad, really: 100%25%0Ahelp: sort"
        );
        assert_eq!(
            lines[1],
            "::warning file=p.json,line=3,endLine=4,title=empty-tiers::spans lines"
        );
    }

    #[test]
    fn json_has_the_documented_shape() {
        let (source, diags) = sample();
        let out = json(&[FileDiagnostics {
            source: &source,
            diagnostics: &diags,
        }]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], 1);
        let d = &v["diagnostics"][0];
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "code",
                "severity",
                "message",
                "file",
                "line",
                "column",
                "end_line",
                "end_column",
                "pointer",
                "help"
            ]
        );
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(2), Some(8))
        );
        assert_eq!(d["end_column"].as_u64(), Some(10));
        assert_eq!(v["diagnostics"][1]["help"], serde_json::Value::Null);
    }

    #[test]
    fn sarif_lists_rules_and_results() {
        let (source, diags) = sample();
        let out = sarif(&[FileDiagnostics {
            source: &source,
            diagnostics: &diags,
        }]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
        assert_eq!(run["results"][0]["ruleId"], "tier-order");
        assert_eq!(run["results"][1]["level"], "warning");
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            2
        );
    }
}
