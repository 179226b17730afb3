//! `tariffc fmt`: rewrite text-form files in canonical layout, in place, keeping comments.
//!
//! Invariant: a file is rewritten (atomically) only when its layout changes; `--check` writes
//! nothing, lists the files that would change on stdout and exits 1 if any would. A file with a
//! syntax error is reported and left alone (exit 1); the other files are still formatted.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::output;
use crate::source::SourceFormat;
use crate::syntax::text::format::format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Text-form files to format in place
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Do not write; list the files that would change and exit 1 if any
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    let mut failed = false;
    let mut would_change = Vec::new();
    for path in &args.files {
        let (source, form) = global.read_source(path)?;
        if form != SourceFormat::Text {
            return Err(CliError::with_help(
                format!("`{path}` is not in the text form"),
                "`fmt` formats `.tariff` files; pass `--input-format text` for other names",
            ));
        }
        let formatted = match format(&source.text) {
            Ok(f) => f,
            Err(diagnostics) => {
                eprint!(
                    "{}",
                    crate::render::human(&source, &diagnostics, global.color_stderr())
                );
                failed = true;
                continue;
            }
        };
        if path == "-" {
            if !args.check {
                output::write_stdout(formatted.as_bytes())?;
            }
            if formatted != *source.text {
                would_change.push(source.name.clone());
            }
            continue;
        }
        if formatted != *source.text {
            if !args.check {
                output::write_atomic(std::path::Path::new(path), formatted.as_bytes())?;
            }
            would_change.push(path.clone());
        }
    }
    if args.check && !would_change.is_empty() {
        let mut list = would_change.join("\n");
        list.push('\n');
        output::write_stdout(list.as_bytes())?;
        failed = true;
    }
    Ok(if failed { Exit::Failure } else { Exit::Success })
}
