//! Reading a trace line into an id-only event: names become numbers once, at the reader.
//!
//! Invariant: the document's plan, feature and add-on ids are symbols `0..Syms::seeded` in a
//! fixed order, so every plan's lookup tables can be built before the trace is read; a name the
//! document does not know is interned after them and is announced by an [`Item::Name`] in the
//! [`Batch`] of the first event that uses it. Customers are numbered in the order they first
//! appear, each announced by an [`Item::Customer`]. An engine that applies a batch's items
//! before its events mirrors both tables, so batches can cross a thread boundary.

use super::outcome::LineError;
use super::time::Instant;
use crate::ir::Document;
use crate::trace::{Event, Kind, Pos, Record};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

/// A plan, feature or add-on name, interned.
pub type Sym = u32;

/// The symbol table: names ↔ numbers.
#[derive(Debug, Clone, Default)]
pub struct Syms {
    /// Fx (rustc's hash): names and customer ids are hashed once per line, so speed matters
    /// more than resistance to crafted collisions in a local command-line run.
    map: FxHashMap<String, Sym>,
    names: Vec<String>,
    /// How many symbols the document itself holds (they come first).
    pub seeded: usize,
}

impl Syms {
    /// The document's ids: plans, then each plan's features and add-ons, in file order.
    pub fn from_doc(doc: &Document) -> Syms {
        let mut s = Syms::default();
        for p in &doc.plans {
            s.intern(&p.id);
        }
        for p in &doc.plans {
            for f in &p.features {
                s.intern(&f.id);
            }
            for a in &p.addons {
                s.intern(&a.id);
            }
        }
        s.seeded = s.names.len();
        s
    }

    /// The symbol of `name`, and whether it is new.
    pub fn intern(&mut self, name: &str) -> (Sym, bool) {
        match self.map.get(name) {
            Some(&s) => (s, false),
            None => (self.push(name.to_string()), true),
        }
    }

    pub fn get(&self, name: &str) -> Option<Sym> {
        self.map.get(name).copied()
    }

    /// Add a name (a new one, or one announced by a reader): it has the next number.
    pub fn push(&mut self, name: String) -> Sym {
        let s = Sym::try_from(self.names.len()).unwrap_or(Sym::MAX);
        self.map.insert(name.clone(), s);
        self.names.push(name);
        s
    }

    pub fn name(&self, s: Sym) -> &str {
        self.names.get(s as usize).map_or("", String::as_str)
    }
}

/// An event with every name interned: small and `Copy`, so it can wait in a batch or be sent
/// to another thread without allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdEvent {
    pub at: Instant,
    pub customer: u32,
    pub kind: IdKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IdKind {
    Subscribe(Sym),
    Usage { feature: Sym, n: Decimal, set: bool },
    Purchase { addon: Sym, quantity: u64 },
    Recharge { feature: Sym, enabled: bool },
    Cancel,
}

/// What a reader hands the engine besides events, in trace order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// The next symbol's name (a name the document does not know).
    Name(String),
    /// The next customer's id.
    Customer(String),
    /// A line that could not be read.
    Invalid(Box<LineError>),
}

/// What a reader hands the engine for a run of lines. Events are kept apart from the rest:
/// they are plain numbers (no drop, no match), and what they need (names, customers) only
/// appends to tables, so it can be applied before them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    /// Lines read into events, with their line numbers, in trace order.
    pub events: Vec<(Pos, IdEvent)>,
    /// Names, customers and unreadable lines, in trace order.
    pub other: Vec<Item>,
}

impl Batch {
    pub fn with_capacity(events: usize) -> Batch {
        Batch {
            events: Vec::with_capacity(events),
            other: Vec::new(),
        }
    }

    /// Lines held (events and unreadable lines) plus names and customers.
    pub fn len(&self) -> usize {
        self.events.len() + self.other.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.other.is_empty()
    }
}

/// Reads lines into [`Batch`]es: parsing and interning, nothing that needs a customer's state.
#[derive(Debug, Clone)]
pub struct Reader {
    syms: Syms,
    /// Customer ids → numbers, in order of first appearance (hashed like [`Syms`]' names).
    customers: FxHashMap<IdKey, u32>,
}

/// A customer id as a map key. Ids of up to [`IdKey::INLINE`] bytes (nearly all) are held in
/// the map's own slot, so finding one compares bytes already at hand instead of following a
/// pointer into another allocation: with many customers, one cache miss fewer per event.
/// Hashed and compared as bytes, like the `[u8]` it is looked up by.
#[derive(Debug, Clone)]
enum IdKey {
    Inline { len: u8, bytes: [u8; IdKey::INLINE] },
    Heap(Box<[u8]>),
}

impl IdKey {
    const INLINE: usize = 23;

    fn new(id: &str) -> IdKey {
        let b = id.as_bytes();
        let mut bytes = [0u8; IdKey::INLINE];
        match (bytes.get_mut(..b.len()), u8::try_from(b.len())) {
            (Some(slot), Ok(len)) => {
                slot.copy_from_slice(b);
                IdKey::Inline { len, bytes }
            }
            _ => IdKey::Heap(b.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            IdKey::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            IdKey::Heap(b) => b,
        }
    }
}

impl PartialEq for IdKey {
    fn eq(&self, other: &IdKey) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for IdKey {}

impl std::hash::Hash for IdKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl std::borrow::Borrow<[u8]> for IdKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Default for IdEvent {
    /// A placeholder (a cancel at the epoch for customer 0).
    fn default() -> IdEvent {
        IdEvent {
            at: Instant::from_secs(0),
            customer: 0,
            kind: IdKind::Cancel,
        }
    }
}

impl Reader {
    pub fn new(doc: &Document) -> Reader {
        Reader {
            syms: Syms::from_doc(doc),
            customers: FxHashMap::default(),
        }
    }

    /// How many customers have been seen.
    pub fn customers(&self) -> usize {
        self.customers.len()
    }

    fn sym(&mut self, name: &str, out: &mut Batch) -> Sym {
        let (s, new) = self.syms.intern(name);
        if new {
            out.other.push(Item::Name(name.to_string()));
        }
        s
    }

    fn customer(&mut self, id: &str, out: &mut Batch) -> u32 {
        if let Some(&c) = self.customers.get(id.as_bytes()) {
            return c;
        }
        let c = u32::try_from(self.customers.len()).unwrap_or(u32::MAX);
        self.customers.insert(IdKey::new(id), c);
        out.other.push(Item::Customer(id.to_string()));
        c
    }

    /// Take one record of the trace at `pos`.
    pub fn push(&mut self, pos: Pos, record: Record<'_>, out: &mut Batch) {
        match record {
            Ok(ev) => {
                let ev = self.resolve(&ev, out);
                out.events.push((pos, ev));
            }
            Err(r) => out.other.push(Item::Invalid(Box::new(LineError {
                line: pos,
                customer: r.customer.map(std::borrow::Cow::into_owned),
                error: r.error,
            }))),
        }
    }

    /// Intern a parsed event's names.
    pub fn resolve(&mut self, ev: &Event<'_>, out: &mut Batch) -> IdEvent {
        let customer = self.customer(&ev.customer, out);
        let kind = match &ev.kind {
            Kind::Subscribe(p) => IdKind::Subscribe(self.sym(p, out)),
            Kind::Usage { feature, n, set } => IdKind::Usage {
                feature: self.sym(feature, out),
                n: *n,
                set: *set,
            },
            Kind::Purchase { addon, quantity } => IdKind::Purchase {
                addon: self.sym(addon, out),
                quantity: *quantity,
            },
            Kind::Recharge { feature, enabled } => IdKind::Recharge {
                feature: self.sym(feature, out),
                enabled: *enabled,
            },
            Kind::Cancel => IdKind::Cancel,
        };
        IdEvent {
            at: ev.at,
            customer,
            kind,
        }
    }
}

/// Per plan: symbol → position in the plan's features or add-ons (`NONE` when absent).
pub const NONE: u32 = u32::MAX;

/// A table from the document's symbols to positions.
pub fn table<'a>(syms: &Syms, ids: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut t = vec![NONE; syms.seeded];
    for (i, id) in ids.enumerate() {
        if let (Some(s), Ok(i)) = (syms.get(id), u32::try_from(i)) {
            if let Some(slot) = t.get_mut(s as usize) {
                *slot = i;
            }
        }
    }
    t
}

/// Look a symbol up in a [`table`].
pub fn lookup(table: &[u32], s: Sym) -> Option<usize> {
    table
        .get(s as usize)
        .copied()
        .filter(|&i| i != NONE)
        .map(|i| i as usize)
}

#[cfg(test)]
mod id_key_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_and_long_ids_are_found_by_their_bytes() {
        let mut map: FxHashMap<IdKey, u32> = FxHashMap::default();
        let ids = [
            "",
            "a",
            "cust:12345",
            "exactly-twenty-three-by",
            "twenty-four-bytes-long!!",
            "é",
        ];
        for (i, id) in ids.iter().enumerate() {
            map.insert(IdKey::new(id), i as u32);
        }
        assert!(matches!(IdKey::new(ids[3]), IdKey::Inline { len: 23, .. }));
        assert!(matches!(IdKey::new(ids[4]), IdKey::Heap(_)));
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(map.get(id.as_bytes()), Some(&(i as u32)), "{id}");
        }
        assert_eq!(map.get("cust:1234".as_bytes()), None);
    }
}
