//! `tariffc check`.

use crate::cli::{CliError, CmdResult, Global};

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

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`check` is not implemented yet"))
}
