//! `tariffc schema`.

use crate::cli::{CmdResult, Exit, Global};

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

/// The JSON Schema of a usage trace line.
pub const TRACE: &str = include_str!("../../schemas/trace.schema.json");
/// The JSON Schema of the `simulate --format json` report.
pub const REPORT: &str = include_str!("../../schemas/report.schema.json");

pub fn run(args: &Args, _global: &Global) -> CmdResult {
    let text = match args.which {
        SchemaName::Pricing => crate::check::schema::PRICING_SCHEMA,
        SchemaName::Trace => TRACE,
        SchemaName::Report => REPORT,
    };
    crate::output::write_stdout(text.as_bytes())?;
    Ok(Exit::Success)
}
