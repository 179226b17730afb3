//! Traces as tables (CSV, Parquet): each row is one event, columns named like the JSON keys
//! (`../shared/spec/tables.md`).
//!
//! Invariant: a row is judged by [`super::fields::event`], exactly as a JSON line with the same
//! keys would be; a table's columns are checked when it is opened, before any row is read. A
//! cell that cannot be a value at all (a CSV `n` that is no number, a NaN) refuses its row the
//! way text that is not JSON refuses a line: before the fields are judged.

pub mod csv;
pub mod parquet;

use super::fields::{self, Fields, Val, KEYS};
use super::source::{Format, Input, ReadError, Sink};
use super::{exact_number, Event, Kind, Record, Refused, TraceError};
use crate::eval::time::Instant;
use std::borrow::Cow;
use std::ops::ControlFlow;

/// An opened table whose columns can be events: its rows, in order.
pub trait Table {
    /// Hand every row to `sink` as input `index`; `Break` when the sink stopped it.
    fn read(&mut self, index: usize, sink: &mut Sink<'_>) -> Result<ControlFlow<()>, ReadError>;
}

/// Open a table input (no path: standard input) and check its columns; the warnings about it
/// (`unused-column`).
pub fn open(input: &Input) -> Result<(Box<dyn Table>, Vec<String>), ReadError> {
    let path = input.path.as_deref();
    match input.format {
        Format::Csv => {
            let (t, w) = csv::CsvTable::open(&input.name, path)?;
            Ok((Box::new(t), w))
        }
        Format::Parquet => {
            let (t, w) = parquet::ParquetTable::open(&input.name, path)?;
            Ok((Box::new(t), w))
        }
        Format::Jsonl => Err(ReadError {
            input: input.name.clone(),
            code: None,
            message: "JSON Lines is not a table".into(),
        }),
    }
}

/// The trace columns: the top-level keys of a JSON line (in [`KEYS`] order, so that column `i`
/// is slot `i` of [`Fields`]), then `enabled` (`recharge.enabled`).
pub const COLUMNS: [&str; 11] = [
    KEYS[0], KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9],
    "enabled",
];

pub const AT: usize = 0;
pub const CUSTOMER: usize = 1;
pub const SUBSCRIBE: usize = 2;
pub const FEATURE: usize = 3;
pub const N: usize = 4;
pub const SET: usize = 5;
pub const PURCHASE: usize = 6;
pub const QUANTITY: usize = 7;
pub const RECHARGE: usize = 8;
pub const CANCEL: usize = 9;
pub const ENABLED: usize = 10;

/// The trace column a header names.
pub fn column(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| *c == name)
}

/// One row's values by column ([`COLUMNS`]); `None` is absent (an empty field, a null).
pub type Cells<'a> = [Option<Val<'a>>; 11];

/// A cell that cannot be read: its column and why (`bad-value` unless said otherwise).
pub fn bad_cell(col: usize, message: impl std::fmt::Display) -> TraceError {
    let name = COLUMNS.get(col).copied().unwrap_or("?");
    TraceError::new("bad-value", format!("`{name}` {message}"))
}

/// Judge one row: `bad` (the first unreadable cell, in column order) refuses it before its
/// fields are judged; else the fields are judged as a JSON line's. `cancel` = false is absent;
/// `recharge` and `enabled` become the `recharge` object (either alone still makes it, so a
/// row holding only `enabled` is judged as a recharge event missing its feature).
///
/// The two usual shapes (a valid usage or subscribe row) are read straight through by
/// [`fast`], which gives exactly the event [`judge`] would (checked by a test on generated
/// rows); anything else, and anything refused, is [`judge`]'s.
pub fn record(cells: Cells<'_>, bad: Option<TraceError>) -> Record<'_> {
    if bad.is_none() {
        if let Some(e) = fast(&cells) {
            return Ok(e);
        }
    }
    judge(cells, bad)
}

/// A valid usage or subscribe row as its event, without the general validator; `None` for
/// any other row (which [`judge`] then reads).
#[inline]
pub fn fast<'a>(cells: &Cells<'a>) -> Option<Event<'a>> {
    let [at, Some(Val::Str(customer)), subscribe, feature, n, set, None, None, None, cancel, None] =
        cells
    else {
        return None;
    };
    if customer.is_empty() || !matches!(cancel, None | Some(Val::Bool(false))) {
        return None;
    }
    let at = match at {
        Some(Val::Time(t)) => *t,
        Some(Val::Str(s)) => Instant::parse(s).ok()?,
        _ => return None,
    };
    let kind = match (subscribe, feature, n, set) {
        (Some(Val::Str(plan)), None, None, None) if !plan.is_empty() => {
            Kind::Subscribe(plan.clone())
        }
        (None, Some(Val::Str(feature)), Some(n), set) if !feature.is_empty() => Kind::Usage {
            feature: feature.clone(),
            n: match n {
                Val::Dec(d) => *d,
                Val::Num(text) => exact_number(text)?,
                _ => return None,
            },
            set: match set {
                None | Some(Val::Bool(false)) => false,
                Some(Val::Bool(true)) => true,
                _ => return None,
            },
        },
        _ => return None,
    };
    Some(Event {
        at,
        customer: customer.clone(),
        kind,
    })
}

/// Judge one row by the general validator, [`fields::event`] (see [`record`]).
pub fn judge(cells: Cells<'_>, bad: Option<TraceError>) -> Record<'_> {
    let [at, customer, subscribe, feature, n, set, purchase, quantity, recharge, cancel, enabled] =
        cells;
    if let Some(error) = bad {
        let customer = match customer {
            Some(Val::Str(c)) if !c.is_empty() => Some(c),
            _ => None,
        };
        return Err(Refused { customer, error });
    }
    let cancel = cancel.filter(|c| *c != Val::Bool(false));
    let recharge = match (recharge, enabled) {
        (None, None) => None,
        (f, e) => {
            let mut obj = Vec::with_capacity(2);
            if let Some(f) = f {
                obj.push((Cow::Borrowed("feature"), f));
            }
            if let Some(e) = e {
                obj.push((Cow::Borrowed("enabled"), e));
            }
            Some(Val::Obj(obj))
        }
    };
    fields::event(Fields {
        slots: [
            at, customer, subscribe, feature, n, set, purchase, quantity, recharge, cancel,
        ],
        duplicate: None,
        unknown: None,
    })
}

/// The columns of a table's header: for each, its trace column or `None` (ignored); a trace
/// column named twice is an error; the warning naming the ignored columns, if any.
pub fn header<'h>(
    file: &str,
    names: impl IntoIterator<Item = &'h str>,
) -> Result<(Vec<Option<usize>>, Option<String>), ReadError> {
    let mut cols = Vec::new();
    let mut seen = [false; COLUMNS.len()];
    let mut unused: Vec<String> = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let col = column(name);
        if let Some(c) = col {
            match seen.get_mut(c) {
                Some(s) if *s => {
                    return Err(ReadError {
                        input: file.to_string(),
                        code: Some("duplicate-column"),
                        message: format!("the header names column `{name}` twice"),
                    })
                }
                Some(s) => *s = true,
                None => {}
            }
        } else {
            let shown = if name.is_empty() {
                format!("(unnamed, column {})", i + 1)
            } else {
                format!("`{name}`")
            };
            if !unused.contains(&shown) {
                unused.push(shown);
            }
        }
        cols.push(col);
    }
    Ok((cols, unused_warning(file, &unused, &seen)))
}

/// `warning[unused-column]: FILE: columns `a`, `b` are not trace columns and are ignored`,
/// with a hint when an ignored name is a near miss of a trace column the table lacks.
fn unused_warning(file: &str, unused: &[String], seen: &[bool]) -> Option<String> {
    let (first, rest) = unused.split_first()?;
    let list = unused.join(", ");
    let what = if rest.is_empty() {
        format!("column {first} is not a trace column and is ignored")
    } else {
        format!("columns {list} are not trace columns and are ignored")
    };
    let missing: Vec<&str> = COLUMNS
        .iter()
        .zip(seen)
        .filter(|(_, s)| !**s)
        .map(|(c, _)| *c)
        .collect();
    let hints: Vec<String> = unused
        .iter()
        .filter_map(|shown| {
            let name = shown.strip_prefix('`')?.strip_suffix('`')?;
            let near = crate::check::suggest::closest(name, &missing)?;
            Some(format!("`{near}` for {shown}"))
        })
        .collect();
    let hint = if hints.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", hints.join(", "))
    };
    Some(format!("warning[unused-column]: {file}: {what}{hint}"))
}

/// A CSV field (or a STRING cell) of column `col` as its value; `text` is not empty.
pub fn text_cell(col: usize, text: &str) -> Result<Val<'_>, TraceError> {
    match col {
        N | QUANTITY => {
            if crate::trace::number::is_literal(text) {
                Ok(Val::Num(text))
            } else {
                Err(bad_cell(col, format_args!("= `{text}` is not a number")))
            }
        }
        SET | CANCEL | ENABLED => match text {
            "true" => Ok(Val::Bool(true)),
            "false" => Ok(Val::Bool(false)),
            _ => Err(bad_cell(
                col,
                format_args!("must be `true` or `false`, found `{text}`"),
            )),
        },
        _ => Ok(Val::Str(Cow::Borrowed(text))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn columns_follow_the_validators_slots() {
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(fields::key_slot(k), Some(i));
            assert_eq!(column(k), Some(i));
        }
        assert_eq!(column("enabled"), Some(ENABLED));
        assert_eq!(COLUMNS[RECHARGE], "recharge");
        assert_eq!(COLUMNS[CANCEL], "cancel");
    }

    #[test]
    fn header_warns_once_and_refuses_a_trace_column_twice() {
        let (cols, w) = header("t.csv", ["at", "event_id", "At", "", "event_id"]).unwrap();
        assert_eq!(cols, [Some(AT), None, None, None, None]);
        assert_eq!(
            w.unwrap(),
            "warning[unused-column]: t.csv: columns `event_id`, `At`, (unnamed, column 4) are \
             not trace columns and are ignored"
        );
        let (_, w) = header("t.csv", ["at", "custmer"]).unwrap();
        assert_eq!(
            w.unwrap(),
            "warning[unused-column]: t.csv: column `custmer` is not a trace column and is \
             ignored (did you mean `customer` for `custmer`?)"
        );
        let e = header("t.csv", ["at", "n", "n"]).unwrap_err();
        assert_eq!(e.code, Some("duplicate-column"));
        assert_eq!(header("t.csv", ["at"]).unwrap().1, None);
    }

    /// The cells a table can hand over, a few of each kind.
    fn cell(i: usize) -> Option<Val<'static>> {
        let t = crate::eval::time::Instant::from_secs(1_767_225_600);
        [
            None,
            Some(Val::Str(Cow::Borrowed(""))),
            Some(Val::Str(Cow::Borrowed("x"))),
            Some(Val::Str(Cow::Owned("y".into()))),
            Some(Val::Str(Cow::Borrowed("2026-01-01T00:00:00Z"))),
            Some(Val::Str(Cow::Borrowed("2026-01-01T00:00:00"))),
            Some(Val::Num("1.50")),
            Some(Val::Num("1e99")),
            Some(Val::Dec(rust_decimal::Decimal::new(-25, 1))),
            Some(Val::Bool(true)),
            Some(Val::Bool(false)),
            Some(Val::Time(t)),
        ]
        .get(i % 12)
        .cloned()
        .flatten()
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_reads_what_the_validator_reads(
            picks in proptest::collection::vec(0usize..12, 11),
            common in proptest::bool::ANY,
        ) {
            let mut cells: Cells = std::array::from_fn(|i| cell(picks[i]));
            if common {
                // Bias towards the shapes the fast path takes.
                cells[AT] = cell(4 + 7 * (picks[0] % 2));
                cells[CUSTOMER] = cell(2);
                for c in [PURCHASE, QUANTITY, RECHARGE, ENABLED] {
                    cells[c] = None;
                }
            }
            if let Some(e) = fast(&cells) {
                proptest::prop_assert_eq!(judge(cells, None), Ok(e));
            }
        }
    }

    #[test]
    fn the_fast_path_takes_the_usual_rows() {
        let mut cells: Cells = Default::default();
        cells[AT] = cell(11);
        cells[CUSTOMER] = cell(2);
        cells[FEATURE] = cell(3);
        cells[N] = cell(6);
        cells[CANCEL] = cell(10);
        assert!(fast(&cells).is_some());
        cells[FEATURE] = None;
        cells[N] = None;
        cells[SUBSCRIBE] = cell(2);
        cells[AT] = cell(4);
        assert!(fast(&cells).is_some());
        cells[SET] = cell(10);
        assert!(
            fast(&cells).is_none(),
            "`set` on a subscribe row is the validator's to refuse"
        );
    }

    #[test]
    fn cancel_false_is_absent_and_enabled_alone_is_a_recharge() {
        let at = || Some(Val::Str(Cow::Borrowed("2026-01-01T00:00:00Z")));
        let cust = || Some(Val::Str(Cow::Borrowed("c")));
        let mut cells: Cells = Default::default();
        cells[AT] = at();
        cells[CUSTOMER] = cust();
        cells[SUBSCRIBE] = Some(Val::Str(Cow::Borrowed("plan:a")));
        cells[CANCEL] = Some(Val::Bool(false));
        assert!(record(cells, None).is_ok());
        let mut cells: Cells = Default::default();
        cells[AT] = at();
        cells[CUSTOMER] = cust();
        cells[ENABLED] = Some(Val::Bool(true));
        let e = record(cells, None).unwrap_err();
        assert_eq!(e.error.code, "missing-key");
        assert!(e.error.message.contains("recharge.feature"), "{e:?}");
        let mut cells: Cells = Default::default();
        cells[CUSTOMER] = cust();
        let e = record(cells, Some(bad_cell(N, "= `x` is not a number"))).unwrap_err();
        assert_eq!(e.customer.as_deref(), Some("c"));
        assert_eq!(e.error.message, "`n` = `x` is not a number");
    }
}
