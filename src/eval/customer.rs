//! One customer's life: its lines in order, its subscription through periods, plan changes
//! and cancels, and each event applied to it.
//!
//! Invariant: everything here reads and writes one customer (borrowed apart from the engine)
//! and the document's shared tables, nothing else: customers are independent, which is what
//! lets the engine apply a batch grouped by customer. A customer's lines are taken in trace
//! order; events at one of its period starts wait (in `waiting`) only until its next later
//! line, so a plan change or cancel at that instant can take effect first. A rejected event
//! changes nothing; a line that cannot be applied is a [`LineError`], never a partial change.

use super::engine::Shared;
use super::intern::{lookup, IdEvent, IdKind, Sym};
use super::outcome::{internal, not_subscribed, Fail, LineError, Note, Rejected};
use super::period::{carry, close, draft, new_sub, open_period};
use super::state::{Invoice, Life, Sub};
use super::time::Instant;
use super::usage::{
    addon_index, buy, check_rule, check_usage, feature_index, recharge_rule, use_feature,
};
use crate::exact::Exact;
use crate::trace::{Inputs, Pos, TraceError};
use rust_decimal::Decimal;

/// What applying a customer's line needs besides the customer: the document's tables, the
/// run's `until`, its inputs (to name places) and where invalid lines go.
pub struct Ctx<'a, 'd> {
    pub shared: &'a Shared<'d>,
    pub until: Option<Instant>,
    pub inputs: &'a Inputs,
    pub errors: &'a mut Vec<LineError>,
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
    waiting_at: Option<Instant>,
    /// Applied lines (accepted or rejected).
    pub events: u64,
    /// The first line applied for it: orders the report.
    pub first_valid: Option<Pos>,
    pub sub: Option<Sub>,
    /// The end of the period holding its last applied event.
    pub last_end: Option<Instant>,
    pub rejected: Vec<Rejected>,
    last_lifecycle: Option<Instant>,
    waiting: Vec<(Pos, IdEvent)>,
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
    pub fn new(id: String) -> Customer {
        Customer {
            last_at: Instant::from_secs(0),
            last_line: None,
            waiting_at: None,
            events: 0,
            first_valid: None,
            sub: None,
            last_end: None,
            rejected: Vec::new(),
            last_lifecycle: None,
            waiting: Vec::new(),
            life: Life::default(),
            id,
            invoices: Vec::new(),
            warnings: Vec::new(),
            after_until: 0,
            shadow: None,
        }
    }

    /// A trace error becomes an invalid line of this customer; an overflow stops the run.
    fn record_failure(&self, cx: &mut Ctx<'_, '_>, line: Pos, fail: Fail) -> Exact<()> {
        match fail {
            Fail::Trace(error) => {
                cx.errors.push(LineError {
                    line,
                    customer: Some(self.id.clone()),
                    error,
                });
                Ok(())
            }
            Fail::Overflow(o) => Err(o),
        }
    }

    /// Take this customer's next line (in trace order): check its order, hold it while it
    /// waits at a period start, validate it past `until`, else apply it.
    pub fn feed(&mut self, cx: &mut Ctx<'_, '_>, line: Pos, ev: IdEvent) -> Exact<()> {
        if let Some(prev_line) = self.last_line {
            let prev_at = self.last_at;
            if ev.at < prev_at {
                let place = cx.inputs.place(prev_line);
                let unit = if place.row.is_some() { "row" } else { "line" };
                let msg = format!(
                    "{} is earlier than {prev_at} on {}, the previous {unit} of customer `{}`; traces are never re-sorted",
                    ev.at,
                    place.describe(),
                    self.id
                );
                let fail = Fail::Trace(TraceError::new("trace-order", msg));
                return self.record_failure(cx, line, fail);
            }
        }
        let lifecycle = matches!(ev.kind, IdKind::Subscribe(_) | IdKind::Cancel);
        if lifecycle && self.last_lifecycle == Some(ev.at) {
            let msg = format!(
                "a second subscribe or cancel for customer `{}` at {}",
                self.id, ev.at
            );
            let fail = Fail::Trace(TraceError::new("lifecycle-same-instant", msg));
            return self.record_failure(cx, line, fail);
        }
        (self.last_at, self.last_line) = (ev.at, Some(line));
        if lifecycle {
            self.last_lifecycle = Some(ev.at);
        }
        if cx.until.is_some_and(|u| ev.at >= u) {
            self.flush(cx)?;
            return self.validate_after_until(cx, line, &ev);
        }
        if self.waiting_at == Some(ev.at) {
            self.waiting.push((line, ev));
            return Ok(());
        }
        self.flush(cx)?;
        if self.advance_before(cx.shared, ev.at)? {
            self.waiting_at = Some(ev.at);
            self.waiting.push((line, ev));
            return Ok(());
        }
        self.apply_recorded(cx, line, &ev)
    }

    /// Close and open periods that end before `t`; true when a period ends exactly at `t`
    /// (the events at `t` must wait).
    #[inline(always)]
    fn advance_before(&mut self, shared: &Shared<'_>, t: Instant) -> Exact<bool> {
        // Most events fall inside the customer's current period: nothing to close.
        match &self.sub {
            Some(s) if s.end <= t => self.close_before(shared, t),
            _ => Ok(false),
        }
    }

    fn close_before(&mut self, shared: &Shared<'_>, t: Instant) -> Exact<bool> {
        let Some(sub) = self.sub.as_mut() else {
            return Ok(false);
        };
        let Some(p) = shared.ctx(sub.plan) else {
            return Ok(false);
        };
        while sub.end < t {
            let end = sub.end;
            self.invoices.push(close(p, sub, end)?);
            open_period(p, sub, &mut self.life, sub.k.saturating_add(1))?;
        }
        Ok(sub.end == t)
    }

    /// Apply the events waiting at a period start: a plan change or cancel first, else the
    /// period opens; then the others in file order.
    #[inline(always)]
    pub fn flush(&mut self, cx: &mut Ctx<'_, '_>) -> Exact<()> {
        if self.waiting_at.is_some() {
            self.flush_waiting(cx)
        } else {
            Ok(())
        }
    }

    fn flush_waiting(&mut self, cx: &mut Ctx<'_, '_>) -> Exact<()> {
        let Some(t) = self.waiting_at.take() else {
            return Ok(());
        };
        let waiting = std::mem::take(&mut self.waiting);
        let Some(plan) = self.sub.as_ref().map(|s| s.plan) else {
            return Ok(());
        };
        let hoisted = waiting.iter().position(|(_, e)| match e.kind {
            IdKind::Cancel => true,
            IdKind::Subscribe(p) => lookup(&cx.shared.plan_of, p).is_some_and(|np| np != plan),
            _ => false,
        });
        let Some(p) = cx.shared.ctx(plan) else {
            return Ok(());
        };
        if let Some(sub) = self.sub.as_mut() {
            self.invoices.push(close(p, sub, t)?);
            if hoisted.is_none() {
                open_period(p, sub, &mut self.life, sub.k.saturating_add(1))?;
            }
        }
        if let Some((line, ev)) = hoisted.and_then(|h| waiting.get(h)) {
            self.apply_recorded(cx, *line, ev)?;
        }
        for (i, (line, ev)) in waiting.iter().enumerate() {
            if Some(i) != hoisted {
                self.apply_recorded(cx, *line, ev)?;
            }
        }
        // Keep the allocation for the next period start.
        self.waiting = waiting;
        self.waiting.clear();
        Ok(())
    }

    /// Apply an event; record it as applied or as an invalid line.
    fn apply_recorded(&mut self, cx: &mut Ctx<'_, '_>, line: Pos, ev: &IdEvent) -> Exact<()> {
        match self.apply(cx.shared, line, ev) {
            Ok(()) => {
                self.events += 1;
                self.first_valid.get_or_insert(line);
                self.last_end = Some(self.sub.as_ref().map_or(ev.at, |s| s.end));
                Ok(())
            }
            Err(fail) => self.record_failure(cx, line, fail),
        }
    }

    fn apply(&mut self, shared: &Shared<'_>, line: Pos, ev: &IdEvent) -> Result<(), Fail> {
        let t = ev.at;
        let current = self.sub.as_ref().map(|s| s.plan);
        match ev.kind {
            IdKind::Subscribe(id) => {
                let np = shared.plan_index(id)?;
                match current {
                    None => self.start(shared, np, t),
                    Some(cp) if cp == np => {
                        self.warnings.push(Note {
                            line,
                            code: "resubscribe-same-plan",
                            message: format!(
                                "customer `{}` is already subscribed to `{}`: nothing changes",
                                self.id,
                                shared.syms.name(id)
                            ),
                        });
                        Ok(())
                    }
                    Some(cp) => self.switch(shared, cp, np, t),
                }
            }
            IdKind::Cancel => {
                let Some(cp) = current else {
                    return not_subscribed(&self.id, "cancel");
                };
                self.end_current(shared, cp, t)?;
                Ok(())
            }
            IdKind::Usage { feature, n, set } => {
                let Some(cp) = current else {
                    return not_subscribed(&self.id, "usage");
                };
                self.usage(shared, cp, line, t, feature, n, set)
            }
            IdKind::Purchase { addon, quantity } => {
                let Some(cp) = current else {
                    return not_subscribed(&self.id, "purchase");
                };
                let p = shared.ctx(cp).ok_or_else(internal)?;
                let ai = addon_index(p, &shared.syms, addon)?;
                let sub = self.sub.as_mut().ok_or_else(internal)?;
                buy(
                    p,
                    sub,
                    &mut self.life,
                    ai,
                    Decimal::from(quantity),
                    t,
                    false,
                )?;
                Ok(())
            }
            IdKind::Recharge { feature, enabled } => {
                let Some(cp) = current else {
                    return not_subscribed(&self.id, "recharge");
                };
                let p = shared.ctx(cp).ok_or_else(internal)?;
                let fi = feature_index(p, &shared.syms, feature)?;
                let ri = recharge_rule(p, &shared.syms, fi)?;
                self.life.set_recharge(feature, enabled);
                let sub = self.sub.as_mut().ok_or_else(internal)?;
                if let Some(st) = p
                    .index
                    .rules
                    .get(ri)
                    .and_then(|r| sub.feats.get_mut(r.feature))
                {
                    st.rule_on = enabled;
                }
                if enabled {
                    check_rule(p, sub, &mut self.life, ri, t)?;
                }
                Ok(())
            }
        }
    }

    fn start(&mut self, shared: &Shared<'_>, plan: usize, t: Instant) -> Result<(), Fail> {
        let p = shared.ctx(plan).ok_or_else(internal)?;
        let mut sub = new_sub(p, &self.life, t, Vec::new());
        open_period(p, &mut sub, &mut self.life, 0)?;
        self.sub = Some(sub);
        Ok(())
    }

    /// End the current period at `t` (prorated unless it ends there anyway).
    fn end_current(
        &mut self,
        shared: &Shared<'_>,
        plan: usize,
        t: Instant,
    ) -> Result<Option<Sub>, Fail> {
        let p = shared.ctx(plan).ok_or_else(internal)?;
        let Some(mut sub) = self.sub.take() else {
            return Ok(None);
        };
        // A lifecycle event exactly at a period start was hoisted: that period is closed.
        if sub.end != t {
            self.invoices.push(close(p, &mut sub, t)?);
        }
        Ok(Some(sub))
    }

    fn switch(
        &mut self,
        shared: &Shared<'_>,
        from: usize,
        to: usize,
        t: Instant,
    ) -> Result<(), Fail> {
        let Some(old) = self.end_current(shared, from, t)? else {
            return Ok(());
        };
        let po = shared.ctx(from).ok_or_else(internal)?;
        let pn = shared.ctx(to).ok_or_else(internal)?;
        let feats = carry(po.ir, &old, pn.ir, t);
        let mut sub = new_sub(pn, &self.life, t, feats);
        open_period(pn, &mut sub, &mut self.life, 0)?;
        self.sub = Some(sub);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn usage(
        &mut self,
        shared: &Shared<'_>,
        plan: usize,
        line: Pos,
        t: Instant,
        feature: Sym,
        n: Decimal,
        set: bool,
    ) -> Result<(), Fail> {
        let p = shared.ctx(plan).ok_or_else(internal)?;
        let fi = check_usage(p, &shared.syms, feature, n, set)?;
        let sub = self.sub.as_mut().ok_or_else(internal)?;
        if let Some(reason) = use_feature(p, sub, &mut self.life, fi, n, set, t)? {
            self.rejected.push(Rejected {
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
    fn validate_after_until(&mut self, cx: &mut Ctx<'_, '_>, line: Pos, ev: &IdEvent) -> Exact<()> {
        let plan = match self.shadow {
            Some(p) => p,
            None => self.sub.as_ref().map(|s| s.plan),
        };
        let shared = cx.shared;
        let syms = &shared.syms;
        let result: Result<Option<usize>, Fail> = match ev.kind {
            IdKind::Subscribe(id) => shared.plan_index(id).map(Some),
            IdKind::Cancel => match plan {
                Some(_) => Ok(None),
                None => not_subscribed(&self.id, "cancel"),
            },
            other => match plan.and_then(|pi| Some((pi, shared.ctx(pi)?))) {
                None if plan.is_none() => not_subscribed(&self.id, "event"),
                None => Err(internal()),
                Some((pi, p)) => match other {
                    IdKind::Usage { feature, n, set } => {
                        check_usage(p, syms, feature, n, set).map(|_| Some(pi))
                    }
                    IdKind::Purchase { addon, .. } => addon_index(p, syms, addon).map(|_| Some(pi)),
                    IdKind::Recharge { feature, .. } => feature_index(p, syms, feature)
                        .and_then(|fi| recharge_rule(p, syms, fi))
                        .map(|_| Some(pi)),
                    _ => Ok(Some(pi)),
                },
            },
        };
        match result {
            Ok(next) => {
                self.shadow = Some(next);
                self.after_until += 1;
                Ok(())
            }
            Err(fail) => self.record_failure(cx, line, fail),
        }
    }

    /// Bring the subscription up to `until`: close the periods that ended, and draft the one
    /// in progress (final when it ends exactly at `until`).
    pub fn settle(&mut self, shared: &Shared<'_>, until: Instant) -> Exact<()> {
        let Some(sub) = self.sub.as_mut() else {
            return Ok(());
        };
        let Some(p) = shared.ctx(sub.plan) else {
            return Ok(());
        };
        while sub.end < until {
            let end = sub.end;
            self.invoices.push(close(p, sub, end)?);
            open_period(p, sub, &mut self.life, sub.k.saturating_add(1))?;
        }
        if sub.start < until {
            let mut inv = draft(p, sub)?;
            inv.is_final = sub.end <= until;
            self.invoices.push(inv);
        }
        Ok(())
    }

    /// The invoice of the period in progress (as a draft), for `quote`.
    pub fn current_invoice(&self, shared: &Shared<'_>) -> Exact<Option<Invoice>> {
        let Some(sub) = &self.sub else {
            return Ok(None);
        };
        let Some(p) = shared.ctx(sub.plan) else {
            return Ok(None);
        };
        draft(p, sub).map(Some)
    }

    /// The state read ahead before this customer's events are applied (see
    /// [`super::engine::Engine::take_all`]): the hot fields, in three dependent stages.
    pub fn touch(&self, stage: usize) -> u64 {
        let mut seen = 0u64;
        match stage {
            0 => {
                seen ^= self.last_line.map_or(0, |p| p.number())
                    ^ self.events
                    ^ self.rejected.len() as u64
                    ^ self.life.issues;
                seen ^= self.last_end.map_or(0, |t| t.secs() as u64);
                if let Some(sub) = &self.sub {
                    seen ^= sub.end.secs() as u64 ^ sub.feats.len() as u64;
                }
            }
            1 => {
                for st in self.sub.iter().flat_map(|s| s.feats.iter()) {
                    seen ^= st.used.mantissa() as u64;
                }
            }
            _ => {
                for st in self.sub.iter().flat_map(|s| s.feats.iter()) {
                    seen ^= u64::from(st.rule_on);
                    if let Some(b) = st.blocks().first() {
                        seen ^= b.issue;
                    }
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// The read-ahead ([`Customer::touch`]) and the hot path count on where fields lie: what
    /// every event reads sits in the customer's first two cache lines, and a usage event's
    /// part of a feature's state in its first. Reordering or growing these fields fails here
    /// instead of silently slowing the evaluator down.
    #[test]
    fn hot_fields_stay_in_the_first_cache_lines() {
        let end = |offset: usize, size: usize| offset + size;
        for (name, at) in [
            (
                "last_at",
                end(offset_of!(Customer, last_at), size_of::<Instant>()),
            ),
            (
                "last_line",
                end(offset_of!(Customer, last_line), size_of::<Option<Pos>>()),
            ),
            (
                "waiting_at",
                end(
                    offset_of!(Customer, waiting_at),
                    size_of::<Option<Instant>>(),
                ),
            ),
            (
                "events",
                end(offset_of!(Customer, events), size_of::<u64>()),
            ),
            // The hot part of the subscription: its plan, its period's end and its features
            // (`Sub` is `repr(C)` with them first).
            (
                "sub.feats",
                end(
                    offset_of!(Customer, sub) + offset_of!(Sub, feats),
                    size_of::<Vec<crate::eval::state::FeatState>>(),
                ),
            ),
        ] {
            assert!(
                at <= 128,
                "Customer::{name} ends at byte {at}, past two cache lines"
            );
        }
        use crate::eval::state::FeatState;
        for (name, at) in [
            (
                "used",
                end(offset_of!(FeatState, used), size_of::<Decimal>()),
            ),
            (
                "drawn",
                end(offset_of!(FeatState, drawn), size_of::<Decimal>()),
            ),
        ] {
            assert!(
                at <= 64,
                "FeatState::{name} ends at byte {at}, past one cache line"
            );
        }
    }
}
