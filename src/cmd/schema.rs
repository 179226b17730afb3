//! `tariffc schema`.

use crate::cli::{CliError, CmdResult, Exit, Global};

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

pub fn run(args: &Args, _global: &Global) -> CmdResult {
    let text = match args.which {
        SchemaName::Pricing => crate::check::schema::PRICING_SCHEMA,
        SchemaName::Trace => {
            return Err(CliError::new(
                "the `trace` schema is not available in this build",
            ))
        }
        SchemaName::Report => {
            return Err(CliError::new(
                "the `report` schema is not available in this build",
            ))
        }
    };
    crate::output::write_stdout(text.as_bytes())?;
    Ok(Exit::Success)
}
