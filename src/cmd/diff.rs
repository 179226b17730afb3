//! `tariffc diff`.

use crate::cli::{CliError, CmdResult, Global};

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

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`diff` is not implemented yet"))
}
