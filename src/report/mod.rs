//! Writers of an evaluation's result: the JSON report and its JSON Lines form ([`json`]), the
//! human tables ([`human`]), and the result tables (CSV, Parquet: [`tables`]).
//!
//! Invariant: a writer reads only [`crate::eval::result`]: it never reaches into the engine,
//! so every format says the same thing; writers stream to any `io::Write`, customer by
//! customer, and never hold a whole report.

pub mod human;
pub mod json;
pub mod json_out;
pub mod tables;

use crate::exact::{Exact, Overflow};
use rust_decimal::Decimal;

/// Why a report could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// An amount that cannot be held exactly.
    Overflow(Overflow),
    /// The output refused the text.
    Io(std::io::Error),
}

impl WriteError {
    pub fn internal(what: &str) -> WriteError {
        WriteError::Overflow(Overflow::new(format!("{what} (internal error)")))
    }
}

impl From<Overflow> for WriteError {
    fn from(o: Overflow) -> WriteError {
        WriteError::Overflow(o)
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Overflow(o) => o.fmt(f),
            WriteError::Io(e) => write!(f, "cannot write the report: {e}"),
        }
    }
}

/// A rounded money amount as a report's integer (64 bits).
pub fn minor_units(d: Decimal) -> Exact<i64> {
    crate::money::to_i64(d)
}
