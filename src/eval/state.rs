//! Per-customer state: blocks, period aggregates, invoices in progress.
//!
//! Invariant: a feature's blocks are kept sorted in draw-down order (expiry soonest first, no
//! expiry last; periodic, signup, add-on; issue time; grant or purchase order), and a block is
//! live at `t` iff `t < expiry`. Blocks change only through [`FeatState`]'s methods, which keep
//! the cached sum of their units and their soonest expiry exact, so a balance before that expiry
//! is read without visiting the blocks. State is indexed by feature position in the current
//! plan; it grows with features, never with events.

use super::intern::Sym;
use super::time::{Anchor, Instant};
use crate::exact::{add, less, minus, Exact, Overflow};
use crate::price::Priced;
use rust_decimal::Decimal;

/// Where a block came from (its rank in the draw-down order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Periodic = 0,
    Signup = 1,
    Addon = 2,
}

/// Units of a balance feature that usage draws down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub left: Decimal,
    /// Fixed at issue; `None` = never expires.
    pub expiry: Option<Instant>,
    pub source: Source,
    pub issued: Instant,
    /// Grant position in its feature (periodic, signup) or the customer's purchase number.
    pub order: u64,
    /// The periodic grant of the current subscription that issued it (`None` once carried over).
    pub grant: Option<usize>,
    /// Unique per customer: tells a grant's current issue from its rolled-over units.
    pub issue: u64,
}

impl Block {
    fn key(&self) -> (bool, Option<Instant>, Source, Instant, u64, u64) {
        (
            self.expiry.is_none(),
            self.expiry,
            self.source,
            self.issued,
            self.order,
            self.issue,
        )
    }

    pub fn live_at(&self, t: Instant) -> bool {
        self.expiry.is_none_or(|e| t < e)
    }
}

/// No block expires (the cached `soonest` of a feature without expiring blocks).
const NEVER: Instant = Instant::from_secs(i64::MAX);
/// The cached sum cannot be held: every balance is summed from the blocks.
const UNHELD: Instant = Instant::from_secs(i64::MIN);

/// One feature's state for the current period.
///
/// Laid out for the hot path: what a usage event reads (the period's aggregates and the cached
/// balance) fills the first cache line; blocks and grant bookkeeping the second.
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct FeatState {
    /// The period's aggregate: Σ n (sum), largest (max) or last reading (last).
    pub used: Decimal,
    /// Drawn from blocks this period.
    pub drawn: Decimal,
    /// Σ `left` over every block (dead ones too), unless `soonest` is `UNHELD`.
    sum: Decimal,
    /// The soonest expiry among the blocks (`NEVER` if none expires): before it, the balance
    /// is `sum`.
    soonest: Instant,
    blocks: Vec<Block>,
    /// Per grant position: the issue number of its latest block.
    pub latest_issue: Box<[Option<u64>]>,
    /// The perpetual total (carries across periods).
    pub total: Decimal,
    /// Whether `last` has a reading this period.
    pub has_reading: bool,
    /// Whether the recharge rule on this feature is on for the customer (its switch, else the
    /// rule's `enabled`); false without a rule.
    pub rule_on: bool,
}

impl Default for FeatState {
    fn default() -> FeatState {
        FeatState::new(0)
    }
}

impl FeatState {
    /// A feature with `grants` grants and no blocks yet.
    pub fn new(grants: usize) -> FeatState {
        FeatState {
            used: Decimal::ZERO,
            drawn: Decimal::ZERO,
            sum: Decimal::ZERO,
            soonest: NEVER,
            blocks: Vec::new(),
            latest_issue: vec![None; grants].into_boxed_slice(),
            total: Decimal::ZERO,
            has_reading: false,
            rule_on: false,
        }
    }

    /// The blocks, in draw-down order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Live units at `t`.
    pub fn balance(&self, t: Instant) -> Exact<Decimal> {
        if t < self.soonest {
            return Ok(self.sum);
        }
        let mut b = Decimal::ZERO;
        for blk in self.blocks.iter().filter(|b| b.live_at(t)) {
            b = add(b, blk.left, "a balance")?;
        }
        Ok(b)
    }

    /// Recompute the cached sum and soonest expiry from the blocks.
    fn recount(&mut self) {
        let mut sum = Some(Decimal::ZERO);
        let mut soonest = NEVER;
        for b in &self.blocks {
            sum = sum.and_then(|s| s.checked_add(b.left));
            soonest = soonest.min(b.expiry.unwrap_or(NEVER));
        }
        match sum {
            Some(sum) => {
                self.sum = sum;
                self.soonest = soonest;
            }
            None => self.soonest = UNHELD,
        }
    }

    /// Units that count in the limits reported as of `until` (a block expiring exactly there
    /// still counts).
    pub fn balance_for_limits(&self, until: Instant) -> Exact<Decimal> {
        let mut b = Decimal::ZERO;
        for blk in self
            .blocks
            .iter()
            .filter(|b| b.expiry.is_none_or(|e| until <= e))
        {
            b = add(b, blk.left, "a balance")?;
        }
        Ok(b)
    }

    pub fn insert(&mut self, block: Block) {
        let key = block.key();
        let at = self.blocks.partition_point(|b| b.key() <= key);
        let (left, expiry) = (block.left, block.expiry);
        self.blocks.insert(at, block);
        match self
            .sum
            .checked_add(left)
            .filter(|_| self.soonest != UNHELD)
        {
            Some(sum) => {
                self.sum = sum;
                self.soonest = self.soonest.min(expiry.unwrap_or(NEVER));
            }
            None => self.recount(),
        }
    }

    /// Take `x` (≤ the balance at `t`) from live blocks in draw-down order.
    pub fn draw(&mut self, mut x: Decimal, t: Instant) {
        if self.soonest != UNHELD {
            // Exact: the units taken were counted in the sum (the live ones are a part of it).
            self.sum = minus(self.sum, x);
        }
        let mut emptied = false;
        for b in self.blocks.iter_mut() {
            if x.is_zero() {
                break;
            }
            if b.left.is_zero() || !b.live_at(t) {
                continue;
            }
            if less(x, b.left) {
                b.left = minus(b.left, x);
                x = Decimal::ZERO;
            } else {
                x = minus(x, b.left);
                b.left = Decimal::ZERO;
                emptied = true;
            }
        }
        if emptied {
            self.blocks.retain(|b| !b.left.is_zero());
            self.recount();
        }
    }

    /// Drop blocks whose expiry is at or before `t`.
    pub fn expire(&mut self, t: Instant) {
        if self.soonest <= t {
            self.blocks.retain(|b| b.live_at(t));
            self.recount();
        }
    }

    /// Forfeit units of grant `gi`'s earlier issues beyond `max`, oldest first.
    pub fn cap_grant(&mut self, gi: usize, max: Decimal) -> Exact<()> {
        let mut total = Decimal::ZERO;
        for b in self.blocks.iter().filter(|b| b.grant == Some(gi)) {
            total = add(total, b.left, "a rollover total")?;
        }
        let mut excess = total - max;
        if excess <= Decimal::ZERO {
            return Ok(());
        }
        let mut order: Vec<usize> = (0..self.blocks.len())
            .filter(|&i| self.blocks.get(i).is_some_and(|b| b.grant == Some(gi)))
            .collect();
        order.sort_by_key(|&i| self.blocks.get(i).map(|b| (b.issued, b.issue)));
        for i in order {
            if excess <= Decimal::ZERO {
                break;
            }
            if let Some(b) = self.blocks.get_mut(i) {
                let take = excess.min(b.left);
                b.left = minus(b.left, take);
                excess = minus(excess, take);
            }
        }
        self.blocks.retain(|b| !b.left.is_zero());
        self.recount();
        Ok(())
    }
}

/// An add-on purchase, as it appears on its period's invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonLine {
    pub addon: usize,
    pub quantity: u64,
    pub price: Decimal,
    pub amount: Decimal,
    pub at: Instant,
    pub auto: bool,
}

/// A line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Base {
        feature: usize,
        amount: Decimal,
        /// Set when the period was cut short: (full amount, elapsed µs, length µs).
        prorated: Option<(Decimal, i64, i64)>,
    },
    Usage {
        feature: usize,
        used: Decimal,
        covered: Decimal,
        priced: Priced,
    },
    Addon(AddonLine),
}

impl Line {
    pub fn amount(&self) -> Decimal {
        match self {
            Line::Base { amount, .. } => *amount,
            Line::Usage { priced, .. } => priced.amount,
            Line::Addon(a) => a.amount,
        }
    }
}

/// One invoice: a service period of one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub plan: usize,
    pub start: Instant,
    pub end: Instant,
    /// `false` while the period has not ended by `until`.
    pub is_final: bool,
    pub lines: Vec<Line>,
    pub total: Decimal,
}

impl Invoice {
    pub fn new(plan: usize, start: Instant, end: Instant, lines: Vec<Line>) -> Exact<Invoice> {
        let mut total = Decimal::ZERO;
        for l in &lines {
            total = add(total, l.amount(), "an invoice total")?;
        }
        Ok(Invoice {
            plan,
            start,
            end,
            is_final: true,
            lines,
            total,
        })
    }
}

/// A subscription in progress: the plan, its anchor and the current period (what every event
/// reads first).
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C)]
pub struct Sub {
    pub plan: usize,
    pub end: Instant,
    pub feats: Vec<FeatState>,
    pub start: Instant,
    pub k: u32,
    pub anchor: Anchor,
    pub addon_lines: Vec<AddonLine>,
}

/// What lasts a customer's whole life: through cancels and plan changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Life {
    pub signed_up: bool,
    /// Per-customer recharge switches by feature id (interned); override the rule's `enabled`.
    pub recharge: Vec<(Sym, bool)>,
    /// Next issue number for blocks.
    pub issues: u64,
    /// Next purchase number.
    pub purchases: u64,
}

impl Life {
    pub fn next_issue(&mut self) -> u64 {
        self.issues += 1;
        self.issues
    }

    pub fn next_purchase(&mut self) -> u64 {
        self.purchases += 1;
        self.purchases
    }

    pub fn recharge_enabled(&self, feature: Sym, default: bool) -> bool {
        self.recharge
            .iter()
            .find(|(f, _)| *f == feature)
            .map_or(default, |(_, on)| *on)
    }

    pub fn set_recharge(&mut self, feature: Sym, on: bool) {
        match self.recharge.iter_mut().find(|(f, _)| *f == feature) {
            Some(slot) => slot.1 = on,
            None => self.recharge.push((feature, on)),
        }
    }
}

/// `ceil(x ÷ p)` for `x ≥ 0`, `p > 0`, exactly.
pub fn ceil_div(x: Decimal, p: Decimal) -> Exact<Decimal> {
    let q = x
        .checked_div(p)
        .ok_or_else(|| Overflow::new("a recharge quantity"))?
        .floor();
    let back = q
        .checked_mul(p)
        .ok_or_else(|| Overflow::new("a recharge quantity"))?;
    if back < x {
        q.checked_add(Decimal::ONE)
            .ok_or_else(|| Overflow::new("a recharge quantity"))
    } else {
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blk(left: i64, expiry: Option<i64>, source: Source, issued: i64, issue: u64) -> Block {
        Block {
            left: Decimal::from(left),
            expiry: expiry.map(Instant::from_secs),
            source,
            issued: Instant::from_secs(issued),
            order: 0,
            grant: None,
            issue,
        }
    }

    #[test]
    fn draw_down_order() {
        let mut f = FeatState::default();
        f.insert(blk(5, None, Source::Addon, 0, 1));
        f.insert(blk(5, None, Source::Signup, 10, 2));
        f.insert(blk(5, Some(100), Source::Addon, 20, 3));
        f.insert(blk(5, Some(50), Source::Periodic, 30, 4));
        f.insert(blk(5, None, Source::Periodic, 40, 5));
        let issues: Vec<u64> = f.blocks.iter().map(|b| b.issue).collect();
        assert_eq!(issues, [4, 3, 5, 2, 1]);
        f.draw(Decimal::from(12), Instant::from_secs(60));
        // The block expiring at 50 is dead at 60 and is skipped.
        let left: Vec<(u64, i64)> = f
            .blocks
            .iter()
            .map(|b| (b.issue, i64::try_from(b.left).unwrap()))
            .collect();
        assert_eq!(left, [(4, 5), (2, 3), (1, 5)]);
        assert_eq!(f.balance(Instant::from_secs(60)).unwrap(), Decimal::from(8));
        assert_eq!(
            f.balance(Instant::from_secs(49)).unwrap(),
            Decimal::from(13)
        );
        assert_eq!(
            f.balance_for_limits(Instant::from_secs(50)).unwrap(),
            Decimal::from(13)
        );
    }

    #[test]
    fn ceil_div_is_exact() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(ceil_div(d("3"), d("20")).unwrap(), d("1"));
        assert_eq!(ceil_div(d("40"), d("20")).unwrap(), d("2"));
        assert_eq!(ceil_div(d("1"), d("3")).unwrap(), d("1"));
        assert_eq!(ceil_div(d("0"), d("3")).unwrap(), d("0"));
        assert_eq!(ceil_div(d("10"), d("0.3")).unwrap(), d("34"));
    }
}
