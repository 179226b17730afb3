//! The engine: a run's customers and the document's shared tables; it takes the reader's
//! batches and hands each event to its customer.
//!
//! Invariant: events reach each customer in trace order, whatever the batching: a large batch
//! is applied grouped by customer (customers are independent), and an overflow stops the run at
//! the earliest line that overflows, as in trace order. State grows with customers × features,
//! never with events. How a customer applies an event is [`super::customer`]'s; reading ahead
//! (the `touch` functions) only reads, so it can change timings, never results.

use super::customer::{Ctx, Customer};
use super::intern::{lookup, Batch, IdEvent, IdKind, Item, Reader, Sym, Syms};
use super::outcome::{hint, trace_err, Fail, LineError};
use super::plan::PlanIndex;
use super::state::Invoice;
use super::time::Instant;
use crate::exact::{Exact, Overflow};
use crate::ir::{Document, Plan};
use crate::trace::{Inputs, Pos};

/// How many events [`Engine::take_all`] reads ahead.
const AHEAD: usize = 16;
/// The fewest events in a batch for [`Engine::take_all`] to group them by customer.
const GROUP_MIN: usize = 1024;

/// Stable counting sort of `evs` by customer (`customers` of them) into `out`.
fn group_by_customer(
    evs: &[(Pos, IdEvent)],
    customers: usize,
    counts: &mut Vec<usize>,
    out: &mut Vec<(Pos, IdEvent)>,
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
    out.resize(evs.len(), (Pos::default(), IdEvent::default()));
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
    pub shared: Shared<'d>,
    pub customers: Vec<Customer>,
    pub until: Option<Instant>,
    pub errors: Vec<LineError>,
    /// The trace's inputs, to name a place in a message.
    pub inputs: Inputs,
    /// Interns the records given to [`Engine::feed_record`] (`simulate` interns on its reading
    /// thread and hands over batches to [`Engine::take_all`]).
    interner: Reader,
    scratch: Batch,
    /// Reused by [`Engine::take_all`].
    sorted: Vec<(Pos, IdEvent)>,
    counts: Vec<usize>,
    /// Where each customer's run starts in `sorted`.
    runs: Vec<usize>,
}

/// The document and what was precomputed from it (borrowed apart from the customers).
pub struct Shared<'d> {
    pub doc: &'d Document,
    pub plans: Vec<PlanIndex>,
    /// The names of the trace's symbols (a mirror of the reader's table).
    pub syms: Syms,
    /// Symbol → plan position.
    pub plan_of: Vec<u32>,
    /// `quote`: rules never buy.
    pub recharge_off: bool,
}

impl Shared<'_> {
    pub fn ctx(&self, plan: usize) -> Option<PlanCtx<'_>> {
        Some(PlanCtx {
            ir: self.doc.plans.get(plan)?,
            index: self.plans.get(plan)?,
            position: plan,
            recharge_off: self.recharge_off,
        })
    }
}

/// The context of one plan: its IR and what was precomputed for it.
#[derive(Clone, Copy)]
pub struct PlanCtx<'a> {
    pub ir: &'a Plan,
    pub index: &'a PlanIndex,
    /// The plan's position in the document.
    pub position: usize,
    pub recharge_off: bool,
}

impl<'d> Engine<'d> {
    pub fn new(doc: &'d Document, until: Option<Instant>) -> Engine<'d> {
        let syms = Syms::from_doc(doc);
        Engine {
            shared: Shared {
                doc,
                plans: PlanIndex::all(doc, &syms),
                plan_of: super::intern::table(&syms, doc.plans.iter().map(|p| p.id.as_str())),
                syms,
                recharge_off: false,
            },
            customers: Vec::new(),
            until,
            errors: Vec::new(),
            inputs: Inputs::one_jsonl("trace"),
            interner: Reader::new(doc),
            scratch: Batch::default(),
            sorted: Vec::new(),
            counts: Vec::new(),
            runs: Vec::new(),
        }
    }

    /// Apply one record of a trace, here and now (no batching, no second thread: `quote`, and
    /// tests' reference for the batched path). Only an arithmetic overflow is fatal; a refused
    /// record or a trace error is collected in `errors`.
    pub fn feed_record(&mut self, pos: Pos, record: crate::trace::Record<'_>) -> Exact<()> {
        let mut items = std::mem::take(&mut self.scratch);
        self.interner.push(pos, record, &mut items);
        let done = self.take_all(&mut items);
        self.scratch = items;
        done
    }

    /// Apply one parsed event ([`Engine::feed_record`] of an event).
    pub fn feed_event(&mut self, line: Pos, ev: crate::trace::Event<'_>) -> Exact<()> {
        let mut items = std::mem::take(&mut self.scratch);
        let ev = self.interner.resolve(&ev, &mut items);
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
    fn apply_grouped(&mut self, sorted: &[(Pos, IdEvent)]) -> Exact<()> {
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
                if let Some(c) = customer_of(r + 3 - stage).and_then(|ci| self.customers.get(ci)) {
                    std::hint::black_box(c.touch(stage));
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

    /// Read (and discard) what applying `events` will read first: each event's customer, the
    /// state of its feature (or of the feature it costs) and that feature's first block. Each
    /// step reads for every event before the next step, so its reads are independent.
    fn touch<'a>(&self, events: impl Iterator<Item = &'a IdEvent> + Clone) {
        let mut seen = 0u64;
        for ev in events.clone() {
            if let Some(c) = self.customers.get(ev.customer as usize) {
                seen ^= c.events ^ c.sub.as_ref().map_or(0, |s| s.k.into());
            }
        }
        let feature_state = |ev: &IdEvent| {
            let c = self.customers.get(ev.customer as usize)?;
            let (Some(sub), IdKind::Usage { feature, .. }) = (&c.sub, ev.kind) else {
                return None;
            };
            let x = self.shared.plans.get(sub.plan)?;
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
                self.shared.syms.push(name);
            }
            Item::Customer(id) => self.customers.push(Customer::new(id)),
            Item::Invalid(e) => self.errors.push(*e),
        }
    }

    /// Apply one event whose names are interned, to its customer.
    #[inline]
    pub fn feed_ev(&mut self, line: Pos, ev: IdEvent) -> Exact<()> {
        let (customers, mut cx) = self.split();
        match customers.get_mut(ev.customer as usize) {
            Some(c) => c.feed(&mut cx, line, ev),
            None => Ok(()),
        }
    }

    /// The customers, borrowed apart from what applying their lines needs.
    #[inline]
    fn split(&mut self) -> (&mut Vec<Customer>, Ctx<'_, 'd>) {
        let cx = Ctx {
            shared: &self.shared,
            until: self.until,
            inputs: &self.inputs,
            errors: &mut self.errors,
        };
        (&mut self.customers, cx)
    }

    /// Apply waiting events, settle `until` and bring every customer up to it.
    pub fn finish(&mut self) -> Exact<Option<Instant>> {
        let (customers, mut cx) = self.split();
        for c in customers.iter_mut() {
            c.flush(&mut cx)?;
        }
        let settled = match self.until {
            Some(u) => Some(u),
            None => self.customers.iter().filter_map(|c| c.last_end).max(),
        };
        self.until = settled;
        let Some(u) = settled else {
            return Ok(None);
        };
        for c in self.customers.iter_mut() {
            c.settle(&self.shared, u)?;
        }
        Ok(Some(u))
    }

    /// The invoice of a customer's period in progress (as a draft), for `quote`.
    pub fn current_invoice(&self, ci: usize) -> Exact<Option<Invoice>> {
        match self.customers.get(ci) {
            Some(c) => c.current_invoice(&self.shared),
            None => Ok(None),
        }
    }
}

impl Shared<'_> {
    /// The plan a subscribe names, or `unknown-plan` with a "did you mean".
    pub fn plan_index(&self, s: Sym) -> Result<usize, Fail> {
        match lookup(&self.plan_of, s) {
            Some(i) => Ok(i),
            None => {
                let id = self.syms.name(s);
                let hint = hint(id, self.doc.plans.iter().map(|p| p.id.as_str()));
                trace_err(
                    "unknown-plan",
                    format!("no plan `{id}` in the pricing file{hint}"),
                )
            }
        }
    }
}
