//! The result of an evaluation, as named types: what every writer (JSON, JSON Lines, human,
//! tables) and every library user reads, and nothing else.
//!
//! Invariant: a result is read, customer by customer, straight from the finished evaluation
//! (ids borrowed from the document and the engine, band lists borrowed from the invoices), so
//! rendering never holds more than one customer's entries beside the evaluation itself.
//! Amounts are exact `Decimal`s in minor units; rounding to a report's integer is the writers'
//! (through `money`), so a result is exact whatever it is written as.

use super::customer::Customer;
use super::engine::Engine;
use super::outcome::LineError;
use super::state::{self, Sub};
use super::time::Instant;
use crate::exact::{add, div12, Exact, Overflow};
use crate::ir::{Aggregate, Currency, Document, FeatureKind};
use crate::price::Band;
use crate::trace::{Inputs, Place};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One customer's entry of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerResult<'a> {
    pub customer: &'a str,
    /// The current plan as of `until`; `None` once cancelled.
    pub plan: Option<&'a str>,
    pub invoices: Vec<Invoice<'a>>,
    pub limits: Vec<Limit<'a>>,
    pub rejected: Vec<Rejected<'a>>,
    pub warnings: Vec<Note<'a>>,
}

/// Whether an invoice's period had ended by `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Final,
    Draft,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Final => "final",
            Status::Draft => "draft",
        }
    }
}

/// A service period: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Instant,
    pub end: Instant,
}

/// One invoice. `quote`'s has no period or status.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice<'a> {
    pub plan: &'a str,
    pub currency: &'a Currency,
    pub period: Option<(Period, Status)>,
    pub lines: Vec<Line<'a>>,
    /// Σ line amounts, minor units.
    pub total: Decimal,
}

/// A line of an invoice, in the spec's order: base, usage, add-on.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    Base(BaseLine<'a>),
    Usage(UsageLine<'a>),
    Addon(AddonLine<'a>),
}

impl Line<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Line::Base(_) => "base",
            Line::Usage(_) => "usage",
            Line::Addon(_) => "addon",
        }
    }

    /// The line's amount (rounded, minor units).
    pub fn amount(&self) -> Decimal {
        match self {
            Line::Base(b) => b.amount,
            Line::Usage(u) => u.amount,
            Line::Addon(a) => a.amount,
        }
    }
}

/// A feature's `base` fee.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseLine<'a> {
    pub feature: &'a str,
    pub amount: Decimal,
    /// Set when the period was cut short by a switch or a cancel.
    pub prorated: Option<Proration>,
}

/// A base fee prorated over part of its period: `full_amount × elapsed ÷ length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proration {
    pub full_amount: Decimal,
    /// Microseconds of the period that elapsed.
    pub elapsed_micros: i64,
    /// Microseconds of the whole period.
    pub length_micros: i64,
}

impl Proration {
    /// The elapsed part in seconds, as reports write it (`fraction.elapsed`).
    pub fn elapsed_secs(&self) -> Decimal {
        Decimal::new(self.elapsed_micros, 6)
    }

    /// The whole period in seconds, as reports write it (`fraction.length`).
    pub fn length_secs(&self) -> Decimal {
        Decimal::new(self.length_micros, 6)
    }
}

/// A metered feature's usage over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageLine<'a> {
    pub feature: &'a str,
    /// The period's aggregate quantity (raw).
    pub used: Decimal,
    /// Drawn from blocks (raw).
    pub covered: Decimal,
    /// Uncovered, after `divide`.
    pub billable: Decimal,
    pub bands: &'a [Band],
    pub amount: Decimal,
}

/// An add-on purchase.
#[derive(Debug, Clone, PartialEq)]
pub struct AddonLine<'a> {
    pub addon: &'a str,
    pub quantity: u64,
    pub price: Decimal,
    pub amount: Decimal,
    pub at: Instant,
    /// Bought by a recharge rule.
    pub auto: bool,
}

/// A feature's limits as of `until`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit<'a> {
    pub feature: &'a str,
    pub used: Decimal,
    pub balance: Decimal,
    pub limit: Option<Decimal>,
    pub remaining: Option<Decimal>,
}

/// A usage event the rules refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected<'a> {
    pub place: Place<'a>,
    pub at: Instant,
    /// The event's feature (a costing feature, not its target).
    pub feature: &'a str,
    pub n: Decimal,
    pub code: &'static str,
    pub reason: String,
}

/// A warning about a customer's line, or a line that was skipped as invalid.
#[derive(Debug, Clone, PartialEq)]
pub struct Note<'a> {
    pub place: Place<'a>,
    pub code: &'a str,
    pub message: &'a str,
}

/// The report's `summary`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary<'a> {
    pub customers: usize,
    pub invoices: usize,
    /// Applied lines.
    pub events: u64,
    pub rejected: usize,
    pub invalid: usize,
    pub after_until: u64,
    /// Σ invoice totals by currency code (minor units).
    pub totals: BTreeMap<&'a str, CurrencyTotal<'a>>,
    /// By plan, then add-on.
    pub addons: Vec<AddonRow<'a>>,
}

/// The invoices' total in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyTotal<'a> {
    pub currency: &'a Currency,
    /// Minor units.
    pub total: Decimal,
}

/// Purchases and revenue of one add-on of one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct AddonRow<'a> {
    pub plan: &'a str,
    pub addon: &'a str,
    pub currency: &'a Currency,
    /// Packs bought (Σ quantity).
    pub purchased: u64,
    /// Packs bought by recharge rules.
    pub auto: u64,
    /// Automatic purchases.
    pub recharges: u64,
    pub revenue: Decimal,
}

/// A finished evaluation, read as a result: the customers (in report order), the invalid lines
/// and the summary, for the customers selected.
pub struct Results<'e, 'd> {
    engine: &'e Engine<'d>,
    until: Option<Instant>,
    /// Indices of the listed customers, in the order of their first valid line.
    listed: Vec<usize>,
    select: &'e [String],
    /// The summary, computed once (a command checks it before writing, then writes it).
    summary: std::sync::OnceLock<Exact<Summary<'d>>>,
}

/// Whether a customer is reported (`--customer` given and not naming it: no).
pub fn selected(select: &[String], id: &str) -> bool {
    select.is_empty() || select.iter().any(|s| s == id)
}

impl<'e, 'd> Results<'e, 'd> {
    pub fn new(engine: &'e Engine<'d>, until: Option<Instant>, select: &'e [String]) -> Self {
        let mut listed: Vec<usize> = (0..engine.customers.len())
            .filter(|&i| {
                engine
                    .customers
                    .get(i)
                    .is_some_and(|c| c.first_valid.is_some() && selected(select, &c.id))
            })
            .collect();
        listed.sort_by_key(|&i| engine.customers.get(i).and_then(|c| c.first_valid));
        Results {
            engine,
            until,
            listed,
            select,
            summary: std::sync::OnceLock::new(),
        }
    }

    /// The instant every customer was evaluated up to (`None`: an empty trace).
    pub fn until(&self) -> Option<Instant> {
        self.until
    }

    pub fn inputs(&self) -> &'e Inputs {
        &self.engine.inputs
    }

    /// How many customers are listed.
    pub fn len(&self) -> usize {
        self.listed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    fn doc(&self) -> &'d Document {
        self.engine.shared.doc
    }

    fn customer_at(&self, i: usize) -> Option<&'e Customer> {
        self.listed
            .get(i)
            .and_then(|&ci| self.engine.customers.get(ci))
    }

    /// The `i`-th listed customer's entry.
    pub fn customer(&self, i: usize) -> Exact<Option<CustomerResult<'e>>>
    where
        'd: 'e,
    {
        let Some(c) = self.customer_at(i) else {
            return Ok(None);
        };
        let doc: &'e Document = self.doc();
        let inputs = &self.engine.inputs;
        let plan = c
            .sub
            .as_ref()
            .and_then(|s| doc.plans.get(s.plan))
            .map(|p| p.id.as_str());
        let invoices = c
            .invoices
            .iter()
            .map(|inv| invoice(doc, inv, true))
            .collect();
        let limits = match (&c.sub, self.until) {
            (Some(sub), Some(u)) => limits(self.engine, sub, u)?,
            _ => Vec::new(),
        };
        let rejected = c
            .rejected
            .iter()
            .map(|r| Rejected {
                place: inputs.place(r.line),
                at: r.at,
                feature: r.feature_id(doc),
                n: r.n,
                code: r.code(),
                reason: r.message(doc),
            })
            .collect();
        let warnings = c
            .warnings
            .iter()
            .map(|w| Note {
                place: inputs.place(w.line),
                code: w.code,
                message: &w.message,
            })
            .collect();
        Ok(Some(CustomerResult {
            customer: &c.id,
            plan,
            invoices,
            limits,
            rejected,
            warnings,
        }))
    }

    /// Every listed customer's entry, in report order.
    pub fn customers(&self) -> impl Iterator<Item = Exact<CustomerResult<'e>>> + use<'_, 'e, 'd>
    where
        'd: 'e,
    {
        (0..self.listed.len()).filter_map(|i| self.customer(i).transpose())
    }

    /// The invalid lines that count for the selection (a line naming no customer always
    /// counts), in trace order.
    pub fn invalid(&self) -> Vec<Note<'e>> {
        invalid(self.engine, self.select)
    }

    /// The summary over the listed customers.
    pub fn summary(&self) -> Result<&Summary<'d>, Overflow> {
        self.summary
            .get_or_init(|| self.compute_summary())
            .as_ref()
            .map_err(Clone::clone)
    }

    fn compute_summary(&self) -> Exact<Summary<'d>> {
        let doc = self.doc();
        let mut s = Summary {
            customers: self.listed.len(),
            invoices: 0,
            events: 0,
            rejected: 0,
            invalid: invalid_lines(self.engine, self.select).len(),
            after_until: self
                .engine
                .customers
                .iter()
                .filter(|c| selected(self.select, &c.id))
                .map(|c| c.after_until)
                .sum(),
            totals: BTreeMap::new(),
            addons: Vec::new(),
        };
        let mut addons: BTreeMap<(&'d str, &'d str), AddonRow<'d>> = BTreeMap::new();
        for i in 0..self.listed.len() {
            let Some(c) = self.customer_at(i) else {
                continue;
            };
            s.invoices += c.invoices.len();
            s.events += c.events;
            s.rejected += c.rejected.len();
            for inv in &c.invoices {
                let Some(p) = doc.plans.get(inv.plan) else {
                    continue;
                };
                let total = s
                    .totals
                    .entry(p.currency.code.as_str())
                    .or_insert(CurrencyTotal {
                        currency: &p.currency,
                        total: Decimal::ZERO,
                    });
                total.total = add(total.total, inv.total, "a currency total")?;
                for l in &inv.lines {
                    let state::Line::Addon(a) = l else { continue };
                    let Some(addon) = p.addons.get(a.addon) else {
                        continue;
                    };
                    let row = addons
                        .entry((p.id.as_str(), addon.id.as_str()))
                        .or_insert_with(|| AddonRow {
                            plan: &p.id,
                            addon: &addon.id,
                            currency: &p.currency,
                            purchased: 0,
                            auto: 0,
                            recharges: 0,
                            revenue: Decimal::ZERO,
                        });
                    let count = |x: u64, by: u64| {
                        x.checked_add(by)
                            .ok_or_else(|| Overflow::new("an add-on count"))
                    };
                    row.purchased = count(row.purchased, a.quantity)?;
                    if a.auto {
                        row.auto = count(row.auto, a.quantity)?;
                        row.recharges = count(row.recharges, 1)?;
                    }
                    row.revenue = add(row.revenue, a.amount, "an add-on's revenue")?;
                }
            }
        }
        s.addons = addons.into_values().collect();
        Ok(s)
    }
}

/// What an invoice of a plan that cannot be found would name (never happens: invoices are
/// made from the document's plans).
static NO_CURRENCY: Currency = Currency {
    code: String::new(),
    exponent: 2,
};

/// An engine invoice as a result (`with_period`: `simulate`'s, with its period and status).
pub fn invoice<'a>(doc: &'a Document, inv: &'a state::Invoice, with_period: bool) -> Invoice<'a> {
    let p = doc.plans.get(inv.plan);
    let feature = |fi: usize| {
        p.and_then(|p| p.features.get(fi))
            .map_or("", |f| f.id.as_str())
    };
    let lines = inv
        .lines
        .iter()
        .map(|l| match l {
            state::Line::Base {
                feature: fi,
                amount,
                prorated,
            } => Line::Base(BaseLine {
                feature: feature(*fi),
                amount: *amount,
                prorated: prorated.map(|(full_amount, elapsed, length)| Proration {
                    full_amount,
                    elapsed_micros: elapsed,
                    length_micros: length,
                }),
            }),
            state::Line::Usage {
                feature: fi,
                used,
                covered,
                priced,
            } => Line::Usage(UsageLine {
                feature: feature(*fi),
                used: *used,
                covered: *covered,
                billable: priced.billable,
                bands: &priced.bands,
                amount: priced.amount,
            }),
            state::Line::Addon(a) => Line::Addon(AddonLine {
                addon: p
                    .and_then(|p| p.addons.get(a.addon))
                    .map_or("", |x| x.id.as_str()),
                quantity: a.quantity,
                price: a.price,
                amount: a.amount,
                at: a.at,
                auto: a.auto,
            }),
        })
        .collect();
    let status = if inv.is_final {
        Status::Final
    } else {
        Status::Draft
    };
    Invoice {
        plan: p.map_or("", |p| p.id.as_str()),
        currency: p.map_or(&NO_CURRENCY, |p| &p.currency),
        period: with_period.then_some((
            Period {
                start: inv.start,
                end: inv.end,
            },
            status,
        )),
        lines,
        total: inv.total,
    }
}

fn sub_exact(a: Decimal, b: Decimal) -> Exact<Decimal> {
    a.checked_sub(b).ok_or_else(|| Overflow::new("a limit"))
}

/// The limits of every feature of the customer's current plan as of `until`.
pub fn limits<'a>(engine: &Engine<'a>, sub: &Sub, until: Instant) -> Exact<Vec<Limit<'a>>> {
    let doc: &'a Document = engine.shared.doc;
    let (Some(plan), Some(px)) = (doc.plans.get(sub.plan), engine.shared.plans.get(sub.plan))
    else {
        return Ok(Vec::new());
    };
    // (used, balance, limit, remaining) of a balance feature.
    let balance_row = |fi: usize| -> Exact<Option<[Option<Decimal>; 4]>> {
        let (Some(f), Some(fx), Some(st)) =
            (plan.features.get(fi), px.feats.get(fi), sub.feats.get(fi))
        else {
            return Ok(None);
        };
        let balance = st.balance_for_limits(until)?;
        let limit_base = add(st.drawn, balance, "a limit")?;
        Ok(Some(if f.tiers.is_empty() {
            [
                Some(st.used),
                Some(balance),
                Some(limit_base),
                Some(balance),
            ]
        } else if let Some(cap) = fx.cap {
            let limit = add(limit_base, cap, "a limit")?;
            [
                Some(st.used),
                Some(balance),
                Some(limit),
                Some(sub_exact(limit, st.used)?),
            ]
        } else {
            [Some(st.used), Some(balance), None, None]
        }))
    };
    let mut out = Vec::with_capacity(plan.features.len());
    for (fi, f) in plan.features.iter().enumerate() {
        let (Some(fx), Some(st)) = (px.feats.get(fi), sub.feats.get(fi)) else {
            continue;
        };
        let [used, balance, limit, remaining] = match f.kind {
            FeatureKind::Flat => [Some(Decimal::ONE), Some(Decimal::ZERO), None, None],
            FeatureKind::Balance => match balance_row(fi)? {
                Some(r) => r,
                None => continue,
            },
            FeatureKind::Gauge => {
                let used = if f.aggregate == Aggregate::Perpetual {
                    st.total
                } else {
                    st.used
                };
                let remaining = fx.cap.map(|c| sub_exact(c, used)).transpose()?;
                [Some(used), Some(Decimal::ZERO), fx.cap, remaining]
            }
            FeatureKind::Costing => {
                let Some((target, per)) = fx.cost else {
                    continue;
                };
                let Some([_, Some(tb), _, tr]) = balance_row(target)? else {
                    continue;
                };
                let remaining = tr.map(|r| div12(r, per, "a limit division")).transpose()?;
                [
                    Some(st.used),
                    Some(div12(tb, per, "a limit division")?),
                    remaining.map(|r| add(st.used, r, "a limit")).transpose()?,
                    remaining,
                ]
            }
        };
        out.push(Limit {
            feature: &f.id,
            used: used.unwrap_or_default(),
            balance: balance.unwrap_or_default(),
            limit,
            remaining,
        });
    }
    Ok(out)
}

/// The invalid lines that count for the selection `select`, as the report lists them (a line
/// naming no customer always counts), in trace order.
pub fn invalid<'e>(engine: &'e Engine<'_>, select: &[String]) -> Vec<Note<'e>> {
    invalid_lines(engine, select)
        .into_iter()
        .map(|e| Note {
            place: engine.inputs.place(e.line),
            code: e.error.code,
            message: &e.error.message,
        })
        .collect()
}

/// The invalid lines that count for the selection (a line naming no customer always counts),
/// in trace order.
fn invalid_lines<'e>(engine: &'e Engine<'_>, select: &[String]) -> Vec<&'e LineError> {
    let mut v: Vec<_> = engine
        .errors
        .iter()
        .filter(|e| e.customer.as_deref().is_none_or(|c| selected(select, c)))
        .collect();
    v.sort_by_key(|e| e.line);
    v
}
