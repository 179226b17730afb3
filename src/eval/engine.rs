//! The evaluator: applies trace events to customers, period by period.
//!
//! Invariant: events are applied as they are read (a customer's events at one of its period
//! starts wait only until its next later line, so a plan change or cancel at that instant can
//! take effect first); state grows with customers × features, never with events. A rejected
//! event changes nothing. Every amount is exact until [`round_line`].

use super::intern::{lookup, Batch, Ev, Item, Reader, Sym, Syms, K};
use super::plan::PlanX;
use super::state::{ceil_div, AddonLine, Block, FeatState, Invoice, Life, Line, Source, Sub};
use super::time::{Anchor, Instant};
use crate::exact::{add, less, mul, subtract, Exact, Overflow};
use crate::ir::{Aggregate, Document, FeatureKind, Plan, Rollover, Schedule};
use crate::money::{prorate, round_line};
use crate::price::price_feature;
use crate::trace::{Event, Inputs, Pos, TraceError};
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
enum Fail {
    Trace(TraceError),
    Overflow(Overflow),
}

impl From<Overflow> for Fail {
    fn from(o: Overflow) -> Fail {
        Fail::Overflow(o)
    }
}

#[cold]
fn trace_err<T>(code: &'static str, message: String) -> Result<T, Fail> {
    Err(Fail::Trace(TraceError::new(code, message)))
}

/// Everything known about one customer.
///
/// Laid out for the hot path: what every event reads or writes comes first (with the hot part
/// of [`Sub`]), so an event reaches one or two cache lines of its customer, not eight.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Customer {
    /// The time and line of its last line (line 0: none yet).
    last_at: Instant,
    last_line: Option<Pos>,
    /// Events at one of its period starts, waiting for a later line (see the module doc).
    batch_at: Option<Instant>,
    /// Applied lines (accepted or rejected).
    pub events: u64,
    /// The first line applied for it: orders the report.
    pub first_valid: Option<Pos>,
    pub sub: Option<Sub>,
    /// The end of the period holding its last applied event.
    pub last_end: Option<Instant>,
    pub rejected: Vec<Rejected>,
    last_lifecycle: Option<Instant>,
    batch: Vec<(Pos, Ev)>,
    pub life: Life,
    pub id: String,
    pub invoices: Vec<Invoice>,
    pub warnings: Vec<Note>,
    /// Valid lines at or after `until`.
    pub after_until: u64,
    /// The plan later lines are validated against once `until` is passed (`None`: no plan).
    shadow: Option<Option<usize>>,
}

impl Customer {
    fn new(id: String) -> Customer {
        Customer {
            last_at: Instant::from_secs(0),
            last_line: None,
            batch_at: None,
            events: 0,
            first_valid: None,
            sub: None,
            last_end: None,
            rejected: Vec::new(),
            last_lifecycle: None,
            batch: Vec::new(),
            life: Life::default(),
            id,
            invoices: Vec::new(),
            warnings: Vec::new(),
            after_until: 0,
            shadow: None,
        }
    }
}

/// How many events [`Engine::take_all`] reads ahead.
const AHEAD: usize = 16;
/// The fewest events in a batch for [`Engine::take_all`] to group them by customer.
const GROUP_MIN: usize = 1024;

/// Stable counting sort of `evs` by customer (`customers` of them) into `out`.
fn group_by_customer(
    evs: &[(Pos, Ev)],
    customers: usize,
    counts: &mut Vec<usize>,
    out: &mut Vec<(Pos, Ev)>,
) {
    counts.clear();
    counts.resize(customers + 1, 0);
    for (_, ev) in evs {
        if let Some(n) = counts.get_mut(ev.customer as usize + 1) {
            *n += 1;
        }
    }
    let mut sum = 0;
    for n in counts.iter_mut() {
        sum += *n;
        *n = sum;
    }
    out.clear();
    out.resize(evs.len(), (Pos::default(), Ev::default()));
    for &(line, ev) in evs {
        if let Some(at) = counts.get_mut(ev.customer as usize) {
            if let Some(slot) = out.get_mut(*at) {
                *slot = (line, ev);
            }
            *at += 1;
        }
    }
}

/// A simulation in progress.
pub struct Engine<'d> {
    pub sh: Shared<'d>,
    pub customers: Vec<Customer>,
    pub until: Option<Instant>,
    pub errors: Vec<LineError>,
    /// The trace's inputs, to name a place in a message.
    pub inputs: Inputs,
    /// Reads lines for [`Engine::feed`]; a reader on another thread can feed [`Engine::take_all`].
    reader: Reader,
    scratch: Batch,
    /// Reused by [`Engine::take_all`].
    sorted: Vec<(Pos, Ev)>,
    counts: Vec<usize>,
    /// Where each customer's run starts in `sorted`.
    runs: Vec<usize>,
}

/// The document and what was precomputed from it (borrowed apart from the customers).
pub struct Shared<'d> {
    pub doc: &'d Document,
    pub plans: Vec<PlanX>,
    /// The names of the trace's symbols (a mirror of the reader's table).
    pub syms: Syms,
    /// Symbol → plan position.
    plan_of: Vec<u32>,
    /// `quote`: rules never buy.
    pub recharge_off: bool,
}

impl Shared<'_> {
    fn ctx(&self, plan: usize) -> Option<P<'_>> {
        Some(P {
            ir: self.doc.plans.get(plan)?,
            x: self.plans.get(plan)?,
            idx: plan,
            recharge_off: self.recharge_off,
        })
    }
}

/// The context of one plan: its IR and what was precomputed for it.
#[derive(Clone, Copy)]
struct P<'a> {
    ir: &'a Plan,
    x: &'a PlanX,
    idx: usize,
    recharge_off: bool,
}

impl<'d> Engine<'d> {
    pub fn new(doc: &'d Document, until: Option<Instant>) -> Engine<'d> {
        let syms = Syms::from_doc(doc);
        Engine {
            sh: Shared {
                doc,
                plans: PlanX::all(doc, &syms),
                plan_of: super::intern::table(&syms, doc.plans.iter().map(|p| p.id.as_str())),
                syms,
                recharge_off: false,
            },
            customers: Vec::new(),
            until,
            errors: Vec::new(),
            inputs: Inputs::one_jsonl("trace"),
            reader: Reader::new(doc),
            scratch: Batch::default(),
            sorted: Vec::new(),
            counts: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// A trace error becomes an invalid line of the event's customer; an overflow stops the run.
    fn record_failure(&mut self, line: Pos, ci: usize, fail: Fail) -> Exact<()> {
        match fail {
            Fail::Trace(e) => {
                let id = self.customers.get(ci).map(|c| c.id.clone());
                self.error(line, id, e);
                Ok(())
            }
            Fail::Overflow(o) => Err(o),
        }
    }

    fn error(&mut self, line: Pos, customer: Option<String>, error: TraceError) {
        self.errors.push(LineError {
            line,
            customer,
            error,
        });
    }

    /// Read and apply one line (1-based `line`). Only an arithmetic overflow is fatal; trace
    /// errors are collected in `errors`.
    pub fn feed(&mut self, line: u64, text: &str) -> Exact<()> {
        let mut items = std::mem::take(&mut self.scratch);
        if !text.trim().is_empty() {
            self.reader
                .push(Pos::line(line), crate::trace::parse_line(text), &mut items);
        }
        let done = self.take_all(&mut items);
        self.scratch = items;
        done
    }

    /// Apply one parsed event.
    pub fn feed_event(&mut self, line: Pos, ev: Event<'_>) -> Exact<()> {
        let mut items = std::mem::take(&mut self.scratch);
        let ev = self.reader.resolve(&ev, &mut items);
        items.events.push((line, ev));
        let done = self.take_all(&mut items);
        self.scratch = items;
        done
    }

    /// Apply a batch in trace order, leaving it empty.
    ///
    /// Customers are reached at random, so each event's state is usually far from the cache.
    /// Two remedies, neither visible in the result:
    /// - Customers are independent, so when the batch holds enough events per customer they
    ///   are applied grouped by customer (each customer's in trace order): its state is fetched
    ///   once per batch, not once per event. Invalid lines are kept with their line numbers
    ///   and listed in line order anyway; an overflow stops the run at the earliest line that
    ///   overflows, as in trace order.
    /// - Before [`AHEAD`] events are applied, the state the next ones will reach is read
    ///   ([`Engine::touch`]): those reads do not depend on one another, so the memory system
    ///   serves them in parallel.
    pub fn take_all(&mut self, batch: &mut Batch) -> Exact<()> {
        // Names and customers only append to tables, so they can go first.
        for item in batch.other.drain(..) {
            self.take(item);
        }
        let evs = std::mem::take(&mut batch.events);
        let mut result = Ok(());
        if evs.len() >= GROUP_MIN && self.customers.len() <= evs.len() {
            let mut sorted = std::mem::take(&mut self.sorted);
            group_by_customer(&evs, self.customers.len(), &mut self.counts, &mut sorted);
            result = self.apply_grouped(&sorted);
            self.sorted = sorted;
        } else {
            self.touch(evs.iter().take(AHEAD).map(|(_, e)| e));
            for (start, chunk) in evs.chunks(AHEAD).enumerate() {
                let next = evs.iter().skip((start + 1) * AHEAD).take(AHEAD);
                self.touch(next.map(|(_, e)| e));
                for &(line, ev) in chunk {
                    if result.is_ok() {
                        result = self.feed_ev(line, ev);
                    }
                }
            }
        }
        batch.events = evs;
        batch.events.clear();
        result
    }

    /// Apply events sorted by customer; on an overflow, the customer stops and the overflow at
    /// the earliest line is the batch's result.
    ///
    /// While one customer's run is applied, the state of the next ones is read ahead in three
    /// stages ([`Engine::touch_customer`]): each stage follows pointers the previous stage
    /// (one customer earlier) brought in, so no read waits on another.
    fn apply_grouped(&mut self, sorted: &[(Pos, Ev)]) -> Exact<()> {
        let mut runs = std::mem::take(&mut self.runs);
        runs.clear();
        let mut prev = None;
        for (i, (_, ev)) in sorted.iter().enumerate() {
            if prev != Some(ev.customer) {
                runs.push(i);
                prev = Some(ev.customer);
            }
        }
        runs.push(sorted.len());
        let customer_of = |r: usize| {
            runs.get(r)
                .and_then(|&i| sorted.get(i))
                .map(|(_, ev)| ev.customer as usize)
        };
        let mut first: Option<(Pos, Overflow)> = None;
        for r in 0..runs.len().saturating_sub(1) {
            for stage in 0..3 {
                if let Some(ci) = customer_of(r + 3 - stage) {
                    self.touch_customer(ci, stage);
                }
            }
            let (Some(&from), Some(&to)) = (runs.get(r), runs.get(r + 1)) else {
                break;
            };
            for &(line, ev) in sorted.get(from..to).unwrap_or_default() {
                if let Err(o) = self.feed_ev(line, ev) {
                    if first.as_ref().is_none_or(|(l, _)| line < *l) {
                        first = Some((line, o));
                    }
                    break;
                }
            }
        }
        self.runs = runs;
        match first {
            Some((_, o)) => Err(o),
            None => Ok(()),
        }
    }

    /// Read (and discard) one stage of what applying a customer's events reads: 0, its own
    /// lines; 1, the first line of each feature's state; 2, each feature's second line and
    /// first block.
    fn touch_customer(&self, ci: usize, stage: usize) {
        let Some(c) = self.customers.get(ci) else {
            return;
        };
        let mut seen = 0u64;
        match stage {
            0 => {
                seen ^= c.last_line.map_or(0, |p| p.number())
                    ^ c.events
                    ^ c.rejected.len() as u64
                    ^ c.life.issues;
                seen ^= c.last_end.map_or(0, |t| t.secs() as u64);
                if let Some(sub) = &c.sub {
                    seen ^= sub.end.secs() as u64 ^ sub.feats.len() as u64;
                }
            }
            1 => {
                for st in c.sub.iter().flat_map(|s| s.feats.iter()) {
                    seen ^= st.used.mantissa() as u64;
                }
            }
            _ => {
                for st in c.sub.iter().flat_map(|s| s.feats.iter()) {
                    seen ^= u64::from(st.rule_on);
                    if let Some(b) = st.blocks().first() {
                        seen ^= b.issue;
                    }
                }
            }
        }
        std::hint::black_box(seen);
    }

    /// Read (and discard) what applying `events` will read first: each event's customer, the
    /// state of its feature (or of the feature it costs) and that feature's first block. Each
    /// step reads for every event before the next step, so its reads are independent.
    fn touch<'a>(&self, events: impl Iterator<Item = &'a Ev> + Clone) {
        let mut seen = 0u64;
        for ev in events.clone() {
            if let Some(c) = self.customers.get(ev.customer as usize) {
                seen ^= c.events ^ c.sub.as_ref().map_or(0, |s| s.k.into());
            }
        }
        let feature_state = |ev: &Ev| {
            let c = self.customers.get(ev.customer as usize)?;
            let (Some(sub), K::Usage { feature, .. }) = (&c.sub, ev.kind) else {
                return None;
            };
            let x = self.sh.plans.get(sub.plan)?;
            let fi = lookup(&x.feature_of, feature)?;
            let fi = x.feats.get(fi).and_then(|f| f.cost).map_or(fi, |(t, _)| t);
            sub.feats.get(fi)
        };
        for ev in events.clone() {
            if let Some(st) = feature_state(ev) {
                seen ^= st.drawn.mantissa() as u64;
            }
        }
        for ev in events {
            if let Some(b) = feature_state(ev).and_then(|st| st.blocks().first()) {
                seen ^= b.issue;
            }
        }
        std::hint::black_box(seen);
    }

    /// Apply one item from a [`Reader`] that is not an event.
    pub fn take(&mut self, item: Item) {
        match item {
            Item::Name(name) => {
                self.sh.syms.push(name);
            }
            Item::Customer(id) => self.customers.push(Customer::new(id)),
            Item::Invalid(e) => self.errors.push(*e),
        }
    }

    /// Apply one event whose names are interned.
    pub fn feed_ev(&mut self, line: Pos, ev: Ev) -> Exact<()> {
        let ci = ev.customer as usize;
        let Some(c) = self.customers.get_mut(ci) else {
            return Ok(());
        };
        if let Some(prev_line) = c.last_line {
            let prev_at = c.last_at;
            if ev.at < prev_at {
                let place = self.inputs.place(prev_line);
                let unit = if place.row.is_some() { "row" } else { "line" };
                let msg = format!(
                    "{} is earlier than {prev_at} on {}, the previous {unit} of customer `{}`; traces are never re-sorted",
                    ev.at,
                    place.describe(),
                    c.id
                );
                let id = c.id.clone();
                self.error(line, Some(id), TraceError::new("trace-order", msg));
                return Ok(());
            }
        }
        let lifecycle = matches!(ev.kind, K::Subscribe(_) | K::Cancel);
        if lifecycle && c.last_lifecycle == Some(ev.at) {
            let msg = format!(
                "a second subscribe or cancel for customer `{}` at {}",
                c.id, ev.at
            );
            let id = c.id.clone();
            self.error(
                line,
                Some(id),
                TraceError::new("lifecycle-same-instant", msg),
            );
            return Ok(());
        }
        (c.last_at, c.last_line) = (ev.at, Some(line));
        if lifecycle {
            c.last_lifecycle = Some(ev.at);
        }
        if self.until.is_some_and(|u| ev.at >= u) {
            self.flush(ci)?;
            return self.validate_after_until(ci, line, &ev);
        }
        if c.batch_at == Some(ev.at) {
            c.batch.push((line, ev));
            return Ok(());
        }
        self.flush(ci)?;
        let at_boundary = self.advance_before(ci, ev.at)?;
        if at_boundary {
            if let Some(c) = self.customers.get_mut(ci) {
                c.batch_at = Some(ev.at);
                c.batch.push((line, ev));
            }
            return Ok(());
        }
        self.apply_recorded(ci, line, &ev)
    }

    /// Close and open periods that end before `t`; true when a period of the customer ends
    /// exactly at `t` (its events at `t` must wait for the batch).
    #[inline(always)]
    fn advance_before(&mut self, ci: usize, t: Instant) -> Exact<bool> {
        // Most events fall inside the customer's current period: nothing to close.
        match self.customers.get(ci).and_then(|c| c.sub.as_ref()) {
            Some(s) if s.end <= t => self.close_before(ci, s.plan, t),
            _ => Ok(false),
        }
    }

    fn close_before(&mut self, ci: usize, plan: usize, t: Instant) -> Exact<bool> {
        let Some(p) = self.sh.ctx(plan) else {
            return Ok(false);
        };
        let Some(c) = self.customers.get_mut(ci) else {
            return Ok(false);
        };
        let Some(sub) = c.sub.as_mut() else {
            return Ok(false);
        };
        while sub.end < t {
            let end = sub.end;
            c.invoices.push(close(p, sub, end)?);
            open_period(p, sub, &mut c.life, sub.k.saturating_add(1))?;
        }
        Ok(sub.end == t)
    }

    /// Apply a customer's waiting events at its period start: a plan change or cancel first,
    /// else the period opens; then the others in file order.
    #[inline(always)]
    fn flush(&mut self, ci: usize) -> Exact<()> {
        match self.customers.get(ci) {
            Some(c) if c.batch_at.is_some() => self.flush_waiting(ci),
            _ => Ok(()),
        }
    }

    fn flush_waiting(&mut self, ci: usize) -> Exact<()> {
        let Some(c) = self.customers.get_mut(ci) else {
            return Ok(());
        };
        let Some(t) = c.batch_at.take() else {
            return Ok(());
        };
        let batch = std::mem::take(&mut c.batch);
        let Some(plan) = c.sub.as_ref().map(|s| s.plan) else {
            return Ok(());
        };
        let hoisted = batch.iter().position(|(_, e)| match e.kind {
            K::Cancel => true,
            K::Subscribe(p) => lookup(&self.sh.plan_of, p).is_some_and(|np| np != plan),
            _ => false,
        });
        let Some(p) = self.sh.ctx(plan) else {
            return Ok(());
        };
        let Some(c) = self.customers.get_mut(ci) else {
            return Ok(());
        };
        if let Some(sub) = c.sub.as_mut() {
            c.invoices.push(close(p, sub, t)?);
            if hoisted.is_none() {
                open_period(p, sub, &mut c.life, sub.k.saturating_add(1))?;
            }
        }
        if let Some(h) = hoisted {
            if let Some((line, ev)) = batch.get(h) {
                self.apply_recorded(ci, *line, ev)?;
            }
        }
        for (i, (line, ev)) in batch.iter().enumerate() {
            if Some(i) != hoisted {
                self.apply_recorded(ci, *line, ev)?;
            }
        }
        Ok(())
    }

    /// Apply an event; record it as applied or as an invalid line.
    fn apply_recorded(&mut self, ci: usize, line: Pos, ev: &Ev) -> Exact<()> {
        match self.apply(ci, line, ev) {
            Ok(()) => {
                if let Some(c) = self.customers.get_mut(ci) {
                    c.events += 1;
                    c.first_valid.get_or_insert(line);
                    c.last_end = Some(c.sub.as_ref().map_or(ev.at, |s| s.end));
                }
                Ok(())
            }
            Err(fail) => self.record_failure(line, ci, fail),
        }
    }

    fn plan_index(&self, s: Sym) -> Result<usize, Fail> {
        match lookup(&self.sh.plan_of, s) {
            Some(i) => Ok(i),
            None => {
                let id = self.sh.syms.name(s);
                let hint = hint(id, self.sh.doc.plans.iter().map(|p| p.id.as_str()));
                trace_err(
                    "unknown-plan",
                    format!("no plan `{id}` in the pricing file{hint}"),
                )
            }
        }
    }

    fn customer_id(&self, ci: usize) -> &str {
        self.customers.get(ci).map_or("", |c| c.id.as_str())
    }

    fn apply(&mut self, ci: usize, line: Pos, ev: &Ev) -> Result<(), Fail> {
        let t = ev.at;
        let current = self
            .customers
            .get(ci)
            .and_then(|c| c.sub.as_ref().map(|s| s.plan));
        match ev.kind {
            K::Subscribe(id) => {
                let np = self.plan_index(id)?;
                match current {
                    None => self.start(ci, np, t),
                    Some(cp) if cp == np => {
                        if let Some(c) = self.customers.get_mut(ci) {
                            c.warnings.push(Note {
                                line,
                                code: "resubscribe-same-plan",
                                message: format!(
                                    "customer `{}` is already subscribed to `{}`: nothing changes",
                                    c.id,
                                    self.sh.syms.name(id)
                                ),
                            });
                        }
                        Ok(())
                    }
                    Some(cp) => self.switch(ci, cp, np, t),
                }
            }
            K::Cancel => {
                let Some(cp) = current else {
                    return not_subscribed(self.customer_id(ci), "cancel");
                };
                self.cancel(ci, cp, t)
            }
            K::Usage { feature, n, set } => {
                let Some(cp) = current else {
                    return not_subscribed(self.customer_id(ci), "usage");
                };
                self.usage(ci, cp, line, t, feature, n, set)
            }
            K::Purchase { addon, quantity } => {
                let Some(cp) = current else {
                    return not_subscribed(self.customer_id(ci), "purchase");
                };
                let p = self.sh.ctx(cp).ok_or_else(internal)?;
                let ai = addon_index(p, &self.sh.syms, addon)?;
                let c = self.customers.get_mut(ci).ok_or_else(internal)?;
                let sub = c.sub.as_mut().ok_or_else(internal)?;
                buy(p, sub, &mut c.life, ai, Decimal::from(quantity), t, false)?;
                Ok(())
            }
            K::Recharge { feature, enabled } => {
                let Some(cp) = current else {
                    return not_subscribed(self.customer_id(ci), "recharge");
                };
                let p = self.sh.ctx(cp).ok_or_else(internal)?;
                let fi = feature_index(p, &self.sh.syms, feature)?;
                let ri = recharge_rule(p, &self.sh.syms, fi)?;
                let c = self.customers.get_mut(ci).ok_or_else(internal)?;
                c.life.set_recharge(feature, enabled);
                let sub = c.sub.as_mut().ok_or_else(internal)?;
                if let Some(st) = p.x.rules.get(ri).and_then(|r| sub.feats.get_mut(r.feature)) {
                    st.rule_on = enabled;
                }
                if enabled {
                    check_rule(p, sub, &mut c.life, ri, t)?;
                }
                Ok(())
            }
        }
    }

    fn start(&mut self, ci: usize, plan: usize, t: Instant) -> Result<(), Fail> {
        let p = self.sh.ctx(plan).ok_or_else(internal)?;
        let c = self.customers.get_mut(ci).ok_or_else(internal)?;
        let mut sub = new_sub(p, &c.life, t, Vec::new());
        open_period(p, &mut sub, &mut c.life, 0)?;
        c.sub = Some(sub);
        Ok(())
    }

    /// End the current period at `t` (prorated unless it ends there anyway).
    fn end_current(&mut self, ci: usize, plan: usize, t: Instant) -> Result<Option<Sub>, Fail> {
        let p = self.sh.ctx(plan).ok_or_else(internal)?;
        let c = self.customers.get_mut(ci).ok_or_else(internal)?;
        let Some(mut sub) = c.sub.take() else {
            return Ok(None);
        };
        // A lifecycle event exactly at a period start was hoisted: that period is closed.
        if sub.end != t {
            c.invoices.push(close(p, &mut sub, t)?);
        }
        Ok(Some(sub))
    }

    fn switch(&mut self, ci: usize, from: usize, to: usize, t: Instant) -> Result<(), Fail> {
        let Some(old) = self.end_current(ci, from, t)? else {
            return Ok(());
        };
        let po = self.sh.ctx(from).ok_or_else(internal)?;
        let pn = self.sh.ctx(to).ok_or_else(internal)?;
        let feats = carry(po.ir, &old, pn.ir, t);
        let c = self.customers.get_mut(ci).ok_or_else(internal)?;
        let mut sub = new_sub(pn, &c.life, t, feats);
        open_period(pn, &mut sub, &mut c.life, 0)?;
        c.sub = Some(sub);
        Ok(())
    }

    fn cancel(&mut self, ci: usize, plan: usize, t: Instant) -> Result<(), Fail> {
        self.end_current(ci, plan, t)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn usage(
        &mut self,
        ci: usize,
        plan: usize,
        line: Pos,
        t: Instant,
        feature: Sym,
        n: Decimal,
        set: bool,
    ) -> Result<(), Fail> {
        let p = self.sh.ctx(plan).ok_or_else(internal)?;
        let fi = check_usage(p, &self.sh.syms, feature, n, set)?;
        let c = self.customers.get_mut(ci).ok_or_else(internal)?;
        let sub = c.sub.as_mut().ok_or_else(internal)?;
        if let Some(reason) = use_feature(p, sub, &mut c.life, fi, n, set, t)? {
            c.rejected.push(Rejected {
                line,
                at: t,
                plan,
                feature: fi,
                n: n.normalize(),
                reason,
            });
        }
        Ok(())
    }

    /// Lines at or after `until` are read and validated (against the plan the customer would
    /// have), never applied.
    fn validate_after_until(&mut self, ci: usize, line: Pos, ev: &Ev) -> Exact<()> {
        let Some(c) = self.customers.get(ci) else {
            return Ok(());
        };
        let plan = match c.shadow {
            Some(p) => p,
            None => c.sub.as_ref().map(|s| s.plan),
        };
        let syms = &self.sh.syms;
        let result: Result<Option<usize>, Fail> = (|| match ev.kind {
            K::Subscribe(id) => self.plan_index(id).map(Some),
            K::Cancel => match plan {
                Some(_) => Ok(None),
                None => not_subscribed(&c.id, "cancel"),
            },
            other => {
                let Some(pi) = plan else {
                    return not_subscribed(&c.id, "event");
                };
                let p = self.sh.ctx(pi).ok_or_else(internal)?;
                match other {
                    K::Usage { feature, n, set } => {
                        check_usage(p, syms, feature, n, set).map(|_| Some(pi))
                    }
                    K::Purchase { addon, .. } => addon_index(p, syms, addon).map(|_| Some(pi)),
                    K::Recharge { feature, .. } => {
                        let fi = feature_index(p, syms, feature)?;
                        recharge_rule(p, syms, fi).map(|_| Some(pi))
                    }
                    _ => Ok(Some(pi)),
                }
            }
        })();
        match result {
            Ok(next) => {
                if let Some(c) = self.customers.get_mut(ci) {
                    c.shadow = Some(next);
                    c.after_until += 1;
                }
                Ok(())
            }
            Err(fail) => self.record_failure(line, ci, fail),
        }
    }

    /// Apply waiting events, settle `until` and bring every customer up to it.
    pub fn finish(&mut self) -> Exact<Option<Instant>> {
        for ci in 0..self.customers.len() {
            self.flush(ci)?;
        }
        let until = match self.until {
            Some(u) => Some(u),
            None => self.customers.iter().filter_map(|c| c.last_end).max(),
        };
        self.until = until;
        let Some(until) = until else {
            return Ok(None);
        };
        for ci in 0..self.customers.len() {
            let plan = match self.customers.get(ci).and_then(|c| c.sub.as_ref()) {
                Some(s) => s.plan,
                None => continue,
            };
            let Some(p) = self.sh.ctx(plan) else { continue };
            let Some(c) = self.customers.get_mut(ci) else {
                continue;
            };
            let Some(sub) = c.sub.as_mut() else { continue };
            while sub.end < until {
                let end = sub.end;
                c.invoices.push(close(p, sub, end)?);
                open_period(p, sub, &mut c.life, sub.k.saturating_add(1))?;
            }
            if sub.start < until {
                let mut inv = draft(p, sub)?;
                inv.is_final = sub.end <= until;
                c.invoices.push(inv);
            }
        }
        Ok(Some(until))
    }
}

fn internal() -> Fail {
    Fail::Overflow(Overflow::new("the evaluator's state (internal error)"))
}

fn not_subscribed<T>(customer: &str, what: &str) -> Result<T, Fail> {
    trace_err(
        "not-subscribed",
        format!("{what} for customer `{customer}`, who has no plan: subscribe first"),
    )
}

fn agg_name(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Sum => "sum",
        Aggregate::Max => "max",
        Aggregate::Last => "last",
        Aggregate::Perpetual => "perpetual",
    }
}

/// A closest-name hint, e.g. `` (did you mean `feature:api`?)``, or nothing.
fn hint<'a>(id: &str, ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    crate::check::suggest::closest(id, &ids)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

#[inline]
fn feature_index(p: P<'_>, syms: &Syms, s: Sym) -> Result<usize, Fail> {
    match lookup(&p.x.feature_of, s) {
        Some(i) => Ok(i),
        None => {
            let id = syms.name(s);
            let hint = hint(id, p.ir.features.iter().map(|f| f.id.as_str()));
            trace_err(
                "unknown-feature",
                format!(
                    "no feature `{id}` in the customer's current plan `{}`{hint}",
                    p.ir.id
                ),
            )
        }
    }
}

fn addon_index(p: P<'_>, syms: &Syms, s: Sym) -> Result<usize, Fail> {
    match lookup(&p.x.addon_of, s) {
        Some(i) => Ok(i),
        None => trace_err(
            "unknown-addon",
            format!(
                "no add-on `{}` in the customer's current plan `{}`",
                syms.name(s),
                p.ir.id
            ),
        ),
    }
}

/// The recharge rule on feature `fi`.
fn recharge_rule(p: P<'_>, syms: &Syms, fi: usize) -> Result<usize, Fail> {
    match p.x.feats.get(fi).and_then(|f| f.rule) {
        Some(ri) => Ok(ri),
        None => {
            let s =
                p.x.feature_sym
                    .get(fi)
                    .copied()
                    .unwrap_or(super::intern::NONE);
            trace_err(
                "no-recharge-rule",
                format!(
                    "`{}` has no recharge rule in plan `{}`",
                    syms.name(s),
                    p.ir.id
                ),
            )
        }
    }
}

/// What a usage line must satisfy in the customer's plan; the feature's position. The usual
/// case (a known metered feature, a fitting `n`) is answered inline; [`usage_error`], which
/// checks the same conditions, says what is wrong otherwise. (One function with the messages
/// in its branches measured ~30 instructions more per event.)
#[inline]
fn check_usage(p: P<'_>, syms: &Syms, s: Sym, n: Decimal, set: bool) -> Result<usize, Fail> {
    if let Some(fi) = lookup(&p.x.feature_of, s) {
        if let Some(f) = p.ir.features.get(fi) {
            let perpetual = f.aggregate == Aggregate::Perpetual;
            let negative = n.is_sign_negative() && !n.is_zero();
            if f.kind != FeatureKind::Flat && (perpetual || !(set || negative)) {
                return Ok(fi);
            }
        }
    }
    usage_error(p, syms, s, n, set)
}

#[cold]
fn usage_error(p: P<'_>, syms: &Syms, s: Sym, n: Decimal, set: bool) -> Result<usize, Fail> {
    let fi = feature_index(p, syms, s)?;
    let f = p.ir.features.get(fi).ok_or_else(internal)?;
    let feature = || syms.name(s);
    if f.kind == FeatureKind::Flat {
        return trace_err(
            "flat-usage",
            format!("`{}` is a flat fee: it takes no usage", feature()),
        );
    }
    let perpetual = f.aggregate == Aggregate::Perpetual;
    if n.is_sign_negative() && !n.is_zero() && !perpetual {
        return trace_err(
            "negative-n",
            format!(
                "`n` = {} is negative; only a `perpetual` feature takes negative usage",
                n.normalize()
            ),
        );
    }
    if set && !perpetual {
        return trace_err(
            "set-not-perpetual",
            format!(
                "`set` is only for `perpetual` features; `{}` aggregates by `{}`",
                feature(),
                agg_name(f.aggregate)
            ),
        );
    }
    Ok(fi)
}

fn new_sub(p: P<'_>, life: &Life, t: Instant, feats: Vec<FeatState>) -> Sub {
    let anchor = Anchor::new(t, p.ir.interval);
    let feats = if feats.is_empty() {
        p.ir.features
            .iter()
            .map(|f| FeatState::new(f.grants.len()))
            .collect()
    } else {
        feats
    };
    let mut feats = feats;
    for r in &p.x.rules {
        let sym = p.x.feature_sym.get(r.feature).copied();
        if let Some(st) = feats.get_mut(r.feature) {
            st.rule_on = sym.is_some_and(|s| life.recharge_enabled(s, r.enabled));
        }
    }
    Sub {
        plan: p.idx,
        anchor,
        k: 0,
        start: t,
        end: anchor.start(1),
        feats,
        addon_lines: Vec::new(),
    }
}

/// Blocks and perpetual totals that survive a switch from `old` to `new` at `t`.
fn carry(old_plan: &Plan, old: &Sub, new_plan: &Plan, t: Instant) -> Vec<FeatState> {
    let mut feats: Vec<FeatState> = new_plan
        .features
        .iter()
        .map(|f| FeatState::new(f.grants.len()))
        .collect();
    for (f, st) in old_plan.features.iter().zip(&old.feats) {
        let Some((nf, target)) = new_plan
            .features
            .iter()
            .zip(feats.iter_mut())
            .find(|(nf, _)| nf.id == f.id)
        else {
            continue;
        };
        if f.kind == FeatureKind::Balance && nf.kind == FeatureKind::Balance {
            for b in st.blocks().iter().filter(|b| b.live_at(t)) {
                let current = b
                    .grant
                    .is_some_and(|g| st.latest_issue.get(g).copied().flatten() == Some(b.issue));
                if !current {
                    target.insert(Block {
                        grant: None,
                        ..b.clone()
                    });
                }
            }
        }
        if f.aggregate == Aggregate::Perpetual && nf.aggregate == Aggregate::Perpetual {
            target.total = st.total;
        }
    }
    feats
}

/// Open period `k`: reset the period's aggregates, expire blocks, apply rollover caps, issue
/// the period's grants, check recharge rules.
fn open_period(p: P<'_>, sub: &mut Sub, life: &mut Life, k: u32) -> Exact<()> {
    sub.k = k;
    sub.start = sub.anchor.start(k);
    sub.end = sub.anchor.start(k.saturating_add(1));
    let start = sub.start;
    let first_signup = k == 0 && !life.signed_up;
    for (fi, f) in p.ir.features.iter().enumerate() {
        let Some(st) = sub.feats.get_mut(fi) else {
            continue;
        };
        st.used = Decimal::ZERO;
        st.drawn = Decimal::ZERO;
        st.has_reading = false;
        st.expire(start);
        for (gi, g) in f.grants.iter().enumerate() {
            let (source, expiry) = match g.schedule {
                Schedule::Every(n) if n > 0 && k % n == 0 => {
                    if let Rollover::Max(m) = g.rollover {
                        st.cap_grant(gi, m)?;
                    }
                    let expiry = match (g.expires_after, &g.rollover) {
                        (Some(e), _) => Some(sub.anchor.start(k.saturating_add(e))),
                        (None, Rollover::None) => Some(sub.anchor.start(k.saturating_add(n))),
                        (None, _) => None,
                    };
                    (Source::Periodic, expiry)
                }
                Schedule::Signup if first_signup => {
                    (Source::Signup, g.expires_after.map(|e| sub.anchor.start(e)))
                }
                _ => continue,
            };
            let issue = life.next_issue();
            st.insert(Block {
                left: g.amount,
                expiry,
                source,
                issued: start,
                order: gi as u64,
                grant: (source == Source::Periodic).then_some(gi),
                issue,
            });
            if source == Source::Periodic {
                if let Some(slot) = st.latest_issue.get_mut(gi) {
                    *slot = Some(issue);
                }
            }
        }
    }
    if k == 0 {
        life.signed_up = true;
    }
    for ri in 0..p.x.rules.len() {
        check_rule(p, sub, life, ri, start)?;
    }
    Ok(())
}

/// Buy `qty` of add-on `ai` at `t`: an invoice line and a block per grant entry.
fn buy(
    p: P<'_>,
    sub: &mut Sub,
    life: &mut Life,
    ai: usize,
    qty: Decimal,
    t: Instant,
    auto: bool,
) -> Exact<()> {
    let Some(addon) = p.ir.addons.get(ai) else {
        return Ok(());
    };
    let what = addon.id.as_str();
    let amount = round_line(mul(addon.price, qty, what)?);
    let purchase = life.next_purchase();
    let targets = p.x.addon_targets.get(ai).map_or(&[][..], Vec::as_slice);
    for (g, &fi) in addon.grants.iter().zip(targets) {
        let left = mul(qty, g.amount, what)?;
        let expiry = g
            .expires_after
            .map(|e| sub.anchor.start(sub.k.saturating_add(e)));
        let issue = life.next_issue();
        if let Some(st) = sub.feats.get_mut(fi) {
            st.insert(Block {
                left,
                expiry,
                source: Source::Addon,
                issued: t,
                order: purchase,
                grant: None,
                issue,
            });
        }
    }
    let quantity = u64::try_from(qty).map_err(|_| Overflow::new(what))?;
    sub.addon_lines.push(AddonLine {
        addon: ai,
        quantity,
        price: addon.price,
        amount,
        at: t,
        auto,
    });
    Ok(())
}

fn rule_on(p: P<'_>, sub: &Sub, ri: usize) -> bool {
    !p.recharge_off
        && p.x
            .rules
            .get(ri)
            .and_then(|r| sub.feats.get(r.feature))
            .is_some_and(|st| st.rule_on)
}

/// The after-draw check: below the threshold, buy `max(1, ceil((below − balance) ÷ pack))`.
fn check_rule(p: P<'_>, sub: &mut Sub, life: &mut Life, ri: usize, t: Instant) -> Exact<()> {
    if !rule_on(p, sub, ri) {
        return Ok(());
    }
    let Some(rule) = p.x.rules.get(ri) else {
        return Ok(());
    };
    let balance = match sub.feats.get(rule.feature) {
        Some(st) => st.balance(t)?,
        None => return Ok(()),
    };
    if less(balance, rule.below) {
        let k =
            ceil_div(subtract(rule.below, balance, "a recharge")?, rule.pack)?.max(Decimal::ONE);
        buy(p, sub, life, rule.addon, k, t, true)?;
    }
    Ok(())
}

type Reject = Reason;

/// Apply usage `n` of feature `fi` at `t`; `Some` when it is rejected (nothing changed).
fn use_feature(
    p: P<'_>,
    sub: &mut Sub,
    life: &mut Life,
    fi: usize,
    n: Decimal,
    set: bool,
    t: Instant,
) -> Exact<Option<Reject>> {
    let Some(f) = p.ir.features.get(fi) else {
        return Ok(None);
    };
    let Some(fx) = p.x.feats.get(fi) else {
        return Ok(None);
    };
    match f.kind {
        FeatureKind::Costing => {
            let Some((target, per)) = fx.cost else {
                return Ok(None);
            };
            let x = mul(n, per, &f.id)?;
            let r = take(p, sub, life, target, x, t)?;
            if r.is_none() {
                if let Some(st) = sub.feats.get_mut(fi) {
                    st.used = add(st.used, n, &f.id)?;
                }
            }
            Ok(r)
        }
        FeatureKind::Balance => take(p, sub, life, fi, n, t),
        FeatureKind::Gauge => {
            let Some(st) = sub.feats.get_mut(fi) else {
                return Ok(None);
            };
            let (current, new) = match f.aggregate {
                Aggregate::Max => (st.used, if less(st.used, n) { n } else { st.used }),
                Aggregate::Last => (
                    if st.has_reading {
                        st.used
                    } else {
                        Decimal::ZERO
                    },
                    n,
                ),
                Aggregate::Perpetual | Aggregate::Sum => {
                    let new = if set { n } else { add(st.total, n, &f.id)? };
                    (st.total, new)
                }
            };
            if fx.limited && less(current, new) {
                if let Some(cap) = fx.cap.filter(|c| less(*c, new)) {
                    return Ok(Some(Reason::Gauge {
                        total: f.aggregate == Aggregate::Perpetual,
                        value: new,
                        cap,
                    }));
                }
            }
            match f.aggregate {
                Aggregate::Perpetual | Aggregate::Sum => st.total = new,
                Aggregate::Max | Aggregate::Last => {
                    st.used = new;
                    st.has_reading = true;
                }
            }
            Ok(None)
        }
        FeatureKind::Flat => Ok(None),
    }
}

/// Usage `x ≥ 0` of balance feature `fi`: the tier allowance first on a capped feature, then
/// blocks; under `deny`, buy before refusing when the feature's rule is on; then the
/// after-draw recharge check.
fn take(
    p: P<'_>,
    sub: &mut Sub,
    life: &mut Life,
    fi: usize,
    x: Decimal,
    t: Instant,
) -> Exact<Option<Reject>> {
    let (Some(f), Some(fx)) = (p.ir.features.get(fi), p.x.feats.get(fi)) else {
        return Ok(None);
    };
    let Some(st) = sub.feats.get(fi) else {
        return Ok(None);
    };
    // What the cap's tier allowance (units billed so far count against it) does not cover.
    let beyond = match fx.cap {
        Some(cap) => {
            let allowance = subtract(cap, subtract(st.used, st.drawn, &f.id)?, &f.id)?;
            if allowance.is_sign_negative() {
                x
            } else if !less(allowance, x) {
                Decimal::ZERO
            } else {
                subtract(x, allowance, &f.id)?
            }
        }
        None => x,
    };
    let mut balance = st.balance(t)?;
    if fx.limited && less(balance, beyond) {
        match fx.rule.filter(|&ri| rule_on(p, sub, ri)) {
            Some(ri) => {
                let Some(rule) = p.x.rules.get(ri) else {
                    return Ok(None);
                };
                let want = add(rule.below, beyond, &f.id)? - balance;
                let k = ceil_div(want, rule.pack)?.max(Decimal::ONE);
                buy(p, sub, life, rule.addon, k, t, true)?;
                balance = sub
                    .feats
                    .get(fi)
                    .map_or(Ok(Decimal::ZERO), |s| s.balance(t))?;
            }
            None => {
                return Ok(Some(match fx.cap {
                    None => Reason::Insufficient {
                        target: fi,
                        need: beyond,
                        left: balance,
                    },
                    Some(cap) => Reason::BeyondCap {
                        target: fi,
                        need: beyond,
                        cap,
                        left: balance,
                    },
                }));
            }
        }
    }
    let Some(st) = sub.feats.get_mut(fi) else {
        return Ok(None);
    };
    // Both are ≥ 0, so the draw is empty exactly when either is zero.
    if !beyond.is_zero() && !balance.is_zero() {
        let d = if less(beyond, balance) {
            beyond
        } else {
            balance
        };
        st.draw(d, t);
        st.drawn = add(st.drawn, d, &f.id)?;
    }
    st.used = add(st.used, x, &f.id)?;
    if let Some(ri) = fx.rule {
        check_rule(p, sub, life, ri, t)?;
    }
    Ok(None)
}

/// The invoice of `sub`'s current period, ended at `end` (prorated when before its end).
fn close(p: P<'_>, sub: &mut Sub, end: Instant) -> Exact<Invoice> {
    let addons = std::mem::take(&mut sub.addon_lines);
    let lines = lines(p, sub, end, addons)?;
    Invoice::new(p.idx, sub.start, end, lines)
}

/// The invoice of the period in progress (full base fees), leaving the state as it is.
fn draft(p: P<'_>, sub: &Sub) -> Exact<Invoice> {
    let lines = lines(p, sub, sub.end, sub.addon_lines.clone())?;
    let mut inv = Invoice::new(p.idx, sub.start, sub.end, lines)?;
    inv.is_final = false;
    Ok(inv)
}

fn lines(p: P<'_>, sub: &Sub, end: Instant, addons: Vec<AddonLine>) -> Exact<Vec<Line>> {
    // A feature usually has a base or usage line, rarely both: mostly one allocation.
    let mut out = Vec::with_capacity(p.ir.features.len() + addons.len());
    for (fi, f) in p.ir.features.iter().enumerate() {
        if f.base <= Decimal::ZERO {
            continue;
        }
        if end < sub.end {
            let elapsed = sub.start.micros_until(end);
            let length = sub.start.micros_until(sub.end);
            out.push(Line::Base {
                feature: fi,
                amount: prorate(f.base, elapsed, length)?,
                prorated: Some((f.base, elapsed, length)),
            });
        } else {
            out.push(Line::Base {
                feature: fi,
                amount: round_line(f.base),
                prorated: None,
            });
        }
    }
    for (fi, f) in p.ir.features.iter().enumerate() {
        if !f.is_metered() {
            continue;
        }
        let Some(st) = sub.feats.get(fi) else {
            continue;
        };
        let (used, covered) = match f.kind {
            FeatureKind::Gauge if f.aggregate == Aggregate::Perpetual => (st.total, Decimal::ZERO),
            FeatureKind::Gauge => (st.used, Decimal::ZERO),
            _ => (st.used, st.drawn),
        };
        let priced = price_feature(f, used - covered)?;
        out.push(Line::Usage {
            feature: fi,
            used: used.normalize(),
            covered: covered.normalize(),
            priced,
        });
    }
    out.extend(addons.into_iter().map(Line::Addon));
    Ok(out)
}

impl Engine<'_> {
    /// The invoice of a customer's period in progress (as a draft), for `quote`.
    pub fn current_invoice(&self, ci: usize) -> Exact<Option<Invoice>> {
        let Some(sub) = self.customers.get(ci).and_then(|c| c.sub.as_ref()) else {
            return Ok(None);
        };
        let Some(p) = self.sh.ctx(sub.plan) else {
            return Ok(None);
        };
        draft(p, sub).map(Some)
    }
}
