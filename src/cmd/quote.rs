//! `tariffc quote`.

use crate::cli::{CliError, CmdResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file
    pub file: String,
    /// The plan to price
    #[arg(long, value_name = "PLAN_ID")]
    pub plan: String,
    /// Quantities, `FEATURE_ID=QTY`
    #[arg(value_name = "FEATURE_ID=QTY")]
    pub quantities: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::cmd::ReportFormat::Human)]
    pub format: crate::cmd::ReportFormat,
}

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`quote` is not implemented yet"))
}
