//! What can come of applying an event besides a change of state: a rejection (with its reason
//! and words), a warning, an invalid line, or an amount that cannot be held.
//!
//! Invariant: a rejection or an invalid line changed nothing; its message is built only when a
//! report is written (a rejection) or in a cold path (a trace error), never on the hot path.

use super::time::Instant;
use crate::exact::Overflow;
use crate::ir::{Aggregate, Document};
use crate::trace::{Pos, TraceError};
use rust_decimal::Decimal;

/// Why a usage event was refused; its message is written only for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A balance feature without tiers cannot cover `need` from its blocks.
    Insufficient {
        target: usize,
        need: Decimal,
        left: Decimal,
    },
    /// A capped balance feature cannot cover `need` beyond its cap.
    BeyondCap {
        target: usize,
        need: Decimal,
        cap: Decimal,
        left: Decimal,
    },
    /// A capped gauge's new reading (or perpetual total) is over its cap.
    Gauge {
        total: bool,
        value: Decimal,
        cap: Decimal,
    },
}

/// A usage event the rules refused: reported, and it changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: Pos,
    pub at: Instant,
    pub plan: usize,
    /// The event's feature (a costing feature, not its target).
    pub feature: usize,
    pub n: Decimal,
    pub reason: Reason,
}

impl Rejected {
    pub fn code(&self) -> &'static str {
        match self.reason {
            Reason::Insufficient { .. } => "insufficient-balance",
            Reason::BeyondCap { .. } | Reason::Gauge { .. } => "over-limit",
        }
    }

    /// The one-line reason, e.g. `needs 3 of feature:credits, 2 left`.
    pub fn message(&self, doc: &Document) -> String {
        let mut out = String::new();
        self.write_message(doc, &mut out);
        out
    }

    /// [`Rejected::message`], appended to `out`.
    pub fn write_message(&self, doc: &Document, out: &mut String) {
        use std::fmt::Write;
        let plan = doc.plans.get(self.plan);
        let id = |fi: usize| {
            plan.and_then(|p| p.features.get(fi))
                .map_or("", |f| f.id.as_str())
        };
        let _ = match &self.reason {
            Reason::Insufficient { target, need, left } => write!(
                out,
                "needs {} of {}, {} left",
                need.normalize(),
                id(*target),
                left.normalize()
            ),
            Reason::BeyondCap {
                target,
                need,
                cap,
                left,
            } => write!(
                out,
                "needs {} of {} beyond its cap of {cap}, {} left",
                need.normalize(),
                id(*target),
                left.normalize()
            ),
            Reason::Gauge { total, value, cap } => write!(
                out,
                "{} {} of {} is over its cap of {cap}",
                if *total { "total" } else { "reading" },
                value.normalize(),
                id(self.feature)
            ),
        };
    }

    /// The event's feature id.
    pub fn feature_id<'d>(&self, doc: &'d Document) -> &'d str {
        doc.plans
            .get(self.plan)
            .and_then(|p| p.features.get(self.feature))
            .map_or("", |f| f.id.as_str())
    }
}

/// A warning or an invalid line: `{line, code, message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: Pos,
    pub code: &'static str,
    pub message: String,
}

/// An invalid line and the customer it names, when it could be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: Pos,
    pub customer: Option<String>,
    pub error: TraceError,
}

/// Why an event could not be applied.
pub enum Fail {
    Trace(TraceError),
    Overflow(Overflow),
}

impl From<Overflow> for Fail {
    fn from(o: Overflow) -> Fail {
        Fail::Overflow(o)
    }
}

#[cold]
pub fn trace_err<T>(code: &'static str, message: String) -> Result<T, Fail> {
    Err(Fail::Trace(TraceError::new(code, message)))
}

pub fn internal() -> Fail {
    Fail::Overflow(Overflow::new("the evaluator's state (internal error)"))
}

pub fn not_subscribed<T>(customer: &str, what: &str) -> Result<T, Fail> {
    trace_err(
        "not-subscribed",
        format!("{what} for customer `{customer}`, who has no plan: subscribe first"),
    )
}

pub fn agg_name(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Sum => "sum",
        Aggregate::Max => "max",
        Aggregate::Last => "last",
        Aggregate::Perpetual => "perpetual",
    }
}

/// A closest-name hint, e.g. `` (did you mean `feature:api`?)``, or nothing.
pub fn hint<'a>(id: &str, ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    crate::check::suggest::closest(id, &ids)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}
