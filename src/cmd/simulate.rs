//! `tariffc simulate`.

use crate::cli::{CliError, CmdResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file
    pub file: String,
    /// The usage trace (JSON Lines; `-` for standard input)
    #[arg(long, value_name = "TRACE")]
    pub trace: String,
    /// Evaluate up to this instant (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Report only this customer (repeatable)
    #[arg(long = "customer", value_name = "ID")]
    pub customers: Vec<String>,
    /// Write the report here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::cmd::ReportFormat::Human)]
    pub format: crate::cmd::ReportFormat,
    /// Skip invalid trace lines (listed in the report) instead of failing
    #[arg(long)]
    pub skip_invalid: bool,
}

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`simulate` is not implemented yet"))
}
