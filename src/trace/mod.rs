//! Reading usage traces: every input (JSON Lines, CSV, Parquet, events in memory) becomes the
//! same stream of [`Record`]s, each at its [`Pos`].
//!
//! Invariant: numbers are read exactly from their text or their column type (never through
//! `f64` arithmetic); only what one record can tell is checked here (through one validator,
//! [`fields::event`], whatever the input's format); what depends on a customer's state (current
//! plan, order) is the evaluator's. Rooms: [`fast`] (the writers' usual JSONL line, straight
//! through) and [`json`] (any JSONL line) feed [`fields`]; [`source`] is the one interface the
//! evaluator reads from.

pub mod fast;
pub mod fields;
pub mod json;
pub mod number;
pub mod source;
pub mod table;

use crate::eval::time::Instant;
use rust_decimal::Decimal;
use std::borrow::Cow;

pub use number::exact_number;
pub use source::{
    EventSource, Files, Format, Input, Inputs, JsonLines, Memory, Place, Pos, ReadError,
};

/// A trace error: a stable code and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    pub code: &'static str,
    pub message: String,
}

impl TraceError {
    pub fn new(code: &'static str, message: impl Into<String>) -> TraceError {
        TraceError {
            code,
            message: message.into(),
        }
    }
}

/// One valid-looking event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    pub at: Instant,
    pub customer: Cow<'a, str>,
    pub kind: Kind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    Subscribe(Cow<'a, str>),
    Usage {
        feature: Cow<'a, str>,
        n: Decimal,
        set: bool,
    },
    Purchase {
        addon: Cow<'a, str>,
        quantity: u64,
    },
    Recharge {
        feature: Cow<'a, str>,
        enabled: bool,
    },
    Cancel,
}

/// A line that could not be read: the customer when it could be told, and the error.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused<'a> {
    pub customer: Option<Cow<'a, str>>,
    pub error: TraceError,
}

/// What one line or row reads as: an event, or why it was refused.
pub type Record<'a> = Result<Event<'a>, Refused<'a>>;

/// Parse one non-blank JSONL trace line: the fast path for the writers' usual shape, else the
/// general parser (both give the same answer; `tests` check it on generated lines).
pub fn parse_line(line: &str) -> Record<'_> {
    match fast::line(line) {
        Some(e) => Ok(e),
        None => json::line(line),
    }
}
