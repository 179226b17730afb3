//! `tariffc diff`.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::cmd::ReportFormat;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old pricing file
    pub old: String,
    /// The new pricing file
    pub new: String,
    /// Exit 1 when a published plan version was changed in place
    #[arg(long)]
    pub check: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::cmd::ReportFormat::Human)]
    pub format: crate::cmd::ReportFormat,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    if args.old == "-" && args.new == "-" {
        return Err(CliError::new(
            "only one of OLD and NEW can be standard input",
        ));
    }
    // Both files are checked before either result is used, so one run reports both files'
    // problems.
    let old = global.load_checked(&args.old)?;
    let new = global.load_checked(&args.new)?;
    let (Ok((_, old)), Ok((_, new))) = (old, new) else {
        return Ok(Exit::Failure);
    };
    let report = crate::diff::diff(&old, &new);
    let text = match args.format {
        ReportFormat::Human => crate::diff::render::human(&report),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&crate::diff::render::json(&report))
                .map_err(|e| CliError::new(format!("cannot encode the diff: {e}")))?;
            s.push('\n');
            s
        }
    };
    crate::output::write_stdout(text.as_bytes())?;
    if args.check && !report.violations.is_empty() {
        for v in &report.violations {
            eprint!("{}", crate::diff::render::violation(v));
        }
        return Ok(Exit::Failure);
    }
    Ok(Exit::Success)
}
