//! `tariffc check`: parse and validate pricing files, report every problem.
//!
//! Invariant: exit 0 when no file has errors (nor warnings, with `--deny-warnings`), 1 when one
//! has, 2 when a file cannot be read; machine formats go to stdout, human output to stderr.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::diag::Severity;
use crate::load::{load, Loaded};
use crate::render::{self, FileDiagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Pricing files to check (`-` for standard input)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    let mut loaded: Vec<Loaded> = Vec::new();
    let mut unreadable: Vec<CliError> = Vec::new();
    for path in &args.files {
        match global.read_source(path) {
            Ok((source, format)) => loaded.push(load(source, format)),
            Err(e) => unreadable.push(e),
        }
    }
    let files: Vec<FileDiagnostics<'_>> = loaded
        .iter()
        .map(|l| FileDiagnostics {
            source: &l.source,
            diagnostics: &l.diagnostics,
        })
        .collect();
    let output = match args.format {
        CheckFormat::Human if files.is_empty() => None,
        CheckFormat::Human => {
            eprint!("{}", human(&files, global.color_stderr()));
            None
        }
        CheckFormat::Json => Some(render::json(&files)),
        CheckFormat::Github => Some(render::github(&files)),
        CheckFormat::Sarif => Some(render::sarif(&files)),
    };
    if let Some(text) = output {
        crate::output::write_stdout(text.as_bytes())?;
    }
    if let Some(first) = unreadable.pop() {
        for e in &unreadable {
            eprintln!("error: {e}");
        }
        return Err(first);
    }
    let failing = |s: Severity| s == Severity::Error || args.deny_warnings;
    let failed = loaded
        .iter()
        .any(|l| l.diagnostics.iter().any(|d| failing(d.severity)));
    Ok(if failed { Exit::Failure } else { Exit::Success })
}

/// Every file's diagnostics rendered by miette, then a one-line summary.
fn human(files: &[FileDiagnostics<'_>], color: bool) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for f in files {
        out.push_str(&render::human(f.source, f.diagnostics, color));
        errors += f.diagnostics.iter().filter(|d| d.is_error()).count();
        warnings += f.diagnostics.len() - f.diagnostics.iter().filter(|d| d.is_error()).count();
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "checked {}: {}, {}\n",
        plural(files.len(), "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    ));
    out
}
