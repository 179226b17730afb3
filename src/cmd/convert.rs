//! `tariffc convert`.

use crate::cli::{CliError, CmdResult, Global};

pub use crate::cli::InputFormat as InputForm;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file (`-` for standard input)
    pub file: String,
    /// The form to write
    #[arg(long, value_enum)]
    pub to: InputForm,
    /// Write here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(_args: &Args, _global: &Global) -> CmdResult {
    Err(CliError::new("`convert` is not implemented yet"))
}
