//! `quote`: price period 0 of one plan for given quantities.
//!
//! Invariant: a quote is a simulation of one customer subscribed at one instant, each quantity
//! one usage event at that instant (a `set` for `perpetual`), non-costing features first, then
//! costing ones, in command-line order; recharge is off and nothing is bought.

use super::engine::Engine;
use super::state::Invoice;
use super::time::Instant;
use crate::ir::{Aggregate, Document, FeatureKind};
use crate::report::json_out::dec;
use crate::trace::{Event, Kind};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// Why there is no quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteError {
    /// Bad usage (exit 2): unknown plan or feature, a feature named twice, a flat feature, a
    /// negative quantity where not allowed, a malformed `FEATURE_ID=QTY`.
    Usage(String),
    /// A `deny` feature cannot take its quantity (exit 1, diagnostic `quote-over-limit`).
    OverLimit { feature: String, message: String },
    /// An amount that cannot be held exactly.
    Overflow(String),
}

/// The instant a quote's period 0 starts (any instant gives the same amounts).
const T0: Instant = Instant::from_secs(1_767_225_600);

/// Parse `FEATURE_ID=QTY`.
pub fn parse_quantity(arg: &str) -> Result<(String, Decimal), QuoteError> {
    let (id, qty) = arg
        .split_once('=')
        .ok_or_else(|| QuoteError::Usage(format!("`{arg}` is not `FEATURE_ID=QTY`")))?;
    let text = qty.trim();
    let q = crate::trace::exact_number(text)
        .filter(|_| !text.is_empty())
        .ok_or_else(|| {
            // A well-formed number too large or too precise to hold is not "not a number".
            let number = crate::trace::number::is_literal(text);
            QuoteError::Usage(if number {
                format!(
                    "`{qty}` in `{arg}` cannot be held exactly ({})",
                    crate::trace::number::LIMITS
                )
            } else {
                format!("`{qty}` in `{arg}` is not a number")
            })
        })?;
    Ok((id.trim().to_string(), q))
}

/// Price period 0 of `plan` for `quantities` (in command-line order).
pub fn quote<'d>(
    doc: &'d Document,
    plan: &str,
    quantities: &[(String, Decimal)],
) -> Result<(Engine<'d>, Invoice), QuoteError> {
    let Some(p) = doc.plan(plan) else {
        let ids: Vec<&str> = doc.plans.iter().map(|p| p.id.as_str()).collect();
        return Err(QuoteError::Usage(format!(
            "no plan `{plan}` in the pricing file (plans: {})",
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            }
        )));
    };
    let mut ordered: Vec<(&str, Decimal)> = Vec::new();
    let mut costing: Vec<(&str, Decimal)> = Vec::new();
    for (i, (id, q)) in quantities.iter().enumerate() {
        if quantities.iter().take(i).any(|(other, _)| other == id) {
            return Err(QuoteError::Usage(format!("`{id}` is named twice")));
        }
        let Some(f) = p.feature(id) else {
            return Err(QuoteError::Usage(format!(
                "no feature `{id}` in plan `{plan}`"
            )));
        };
        if f.kind == FeatureKind::Flat {
            return Err(QuoteError::Usage(format!(
                "`{id}` is a flat fee: it takes no quantity"
            )));
        }
        if *q < Decimal::ZERO && f.aggregate != Aggregate::Perpetual {
            return Err(QuoteError::Usage(format!(
                "the quantity of `{id}` is negative ({})",
                dec(*q)
            )));
        }
        if f.kind == FeatureKind::Costing {
            costing.push((id, *q));
        } else {
            ordered.push((id, *q));
        }
    }
    ordered.extend(costing);
    let mut engine = Engine::new(doc, None);
    engine.shared.recharge_off = true;
    let overflow = |o: crate::exact::Overflow| QuoteError::Overflow(o.what);
    let customer = Cow::Borrowed("quote");
    engine
        .feed_event(
            crate::trace::Pos::line(1),
            Event {
                at: T0,
                customer: customer.clone(),
                kind: Kind::Subscribe(Cow::Borrowed(plan)),
            },
        )
        .map_err(overflow)?;
    for (i, (id, q)) in ordered.iter().enumerate() {
        let perpetual = p
            .feature(id)
            .is_some_and(|f| f.aggregate == Aggregate::Perpetual);
        let limit_before = feature_limit(&engine, id);
        engine
            .feed_event(
                crate::trace::Pos::line(i as u64 + 2),
                Event {
                    at: T0,
                    customer: customer.clone(),
                    kind: Kind::Usage {
                        feature: Cow::Borrowed(id),
                        n: *q,
                        set: perpetual,
                    },
                },
            )
            .map_err(overflow)?;
        if let Some(e) = engine.errors.first() {
            return Err(QuoteError::Usage(e.error.message.clone()));
        }
        let rejected = engine
            .customers
            .first()
            .is_some_and(|c| !c.rejected.is_empty());
        if rejected {
            let limit = limit_before.map_or("none".to_string(), dec);
            return Err(QuoteError::OverLimit {
                feature: id.to_string(),
                message: format!("`{id}` cannot take {}: its limit is {limit}", dec(*q)),
            });
        }
    }
    let inv = engine
        .current_invoice(0)
        .map_err(overflow)?
        .ok_or_else(|| QuoteError::Overflow("the quote's period".into()))?;
    Ok((engine, inv))
}

/// The `limit` of a feature in the quote's current state.
fn feature_limit(engine: &Engine<'_>, id: &str) -> Option<Decimal> {
    let sub = engine.customers.first()?.sub.as_ref()?;
    super::result::limits(engine, sub, T0)
        .ok()?
        .into_iter()
        .find(|l| l.feature == id)
        .and_then(|l| l.limit)
}
