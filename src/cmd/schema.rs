//! `tariffc schema`.

use crate::cli::{CliError, CmdResult, Global};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaName {
    Pricing,
    Trace,
    Report,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which format
    #[arg(value_enum)]
    pub which: SchemaName,
}

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`schema` is not implemented yet"))
}
