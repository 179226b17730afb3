//! `tariffc fmt`.

use crate::cli::{CliError, CmdResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Text-form files to format in place
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Do not write; list the files that would change and exit 1 if any
    #[arg(long)]
    pub check: bool,
}

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`fmt` is not implemented yet"))
}
