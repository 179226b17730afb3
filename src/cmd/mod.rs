//! One module per command: its `Args` (clap) and `run`.

pub mod check;
pub mod compile;
pub mod convert;
pub mod diff;
pub mod docs;
pub mod fmt;
pub mod quote;
pub mod schema;
pub mod simulate;

/// `--format` of commands that print a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
}
