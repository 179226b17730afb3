//! `tariffc compile`.

use crate::cli::{CliError, CmdResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file (`-` for standard input)
    pub file: String,
    /// Write the IR here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`compile` is not implemented yet"))
}
