//! One validator for every input format: a record's fields (by key, as JSON values) → an event.
//!
//! Invariant: JSONL lines and table rows are judged by the same rules, with the same codes and
//! messages; a format only decides how its values become [`Val`]s.

use super::number::exact_number;
use super::{Event, Kind, Refused, TraceError};
use crate::eval::time::{Instant, TimeError};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// The kinds of event, as their key is spelled.
pub const KIND_KEYS: [&str; 5] = ["subscribe", "feature", "purchase", "recharge", "cancel"];
pub const KEYS: [&str; 10] = [
    "at",
    "customer",
    "subscribe",
    "feature",
    "n",
    "set",
    "purchase",
    "quantity",
    "recharge",
    "cancel",
];

#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    /// A number's literal text (JSON, CSV).
    Num(&'a str),
    /// A number already read exactly (a typed column).
    Dec(Decimal),
    /// An instant already read (a timestamp column adjusted to UTC).
    Time(Instant),
    Bool(bool),
    Null,
    Obj(Vec<(Cow<'a, str>, Val<'a>)>),
    Arr,
}

impl Val<'_> {
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Num(_) | Val::Dec(_) => "a number",
            Val::Time(_) => "a timestamp",
            Val::Bool(_) => "a boolean",
            Val::Null => "null",
            Val::Obj(_) => "an object",
            Val::Arr => "an array",
        }
    }
}

/// A record's top-level fields, one slot per key of [`KEYS`], plus the first key seen twice and
/// the first unknown key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields<'a> {
    pub slots: [Option<Val<'a>>; 10],
    pub duplicate: Option<Cow<'a, str>>,
    pub unknown: Option<Cow<'a, str>>,
}

impl<'a> Fields<'a> {
    /// Record `key: val` (the first of a repeated key is kept, the repeat remembered).
    pub fn set(&mut self, key: Cow<'a, str>, val: Val<'a>) {
        match key_slot(&key).and_then(|i| self.slots.get_mut(i)) {
            Some(slot) if slot.is_some() => {
                self.duplicate.get_or_insert(key);
            }
            Some(slot) => *slot = Some(val),
            None => {
                self.unknown.get_or_insert(key);
            }
        }
    }
}

/// Judge a record's fields: the event, or the first thing wrong with it (the customer named
/// when it could be told).
pub fn event(fields: Fields<'_>) -> Result<Event<'_>, Refused<'_>> {
    let Fields {
        slots,
        duplicate,
        unknown,
    } = fields;
    let [at, customer, subscribe, feature, n, set, purchase, quantity, recharge, cancel] = slots;
    let customer = match customer {
        Some(Val::Str(c)) if !c.is_empty() => Some(c),
        _ => None,
    };
    let refuse = |code: &'static str, msg: String| Refused {
        customer: customer.clone(),
        error: TraceError::new(code, msg),
    };
    if let Some(k) = duplicate {
        return Err(refuse("duplicate-key", format!("key `{k}` appears twice")));
    }
    if let Some(k) = unknown {
        let hint = crate::check::suggest::closest(&k, &KEYS)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(refuse("unknown-key", format!("unknown key `{k}`{hint}")));
    }
    let at = match at {
        None => return Err(refuse("missing-key", "missing key `at`".into())),
        Some(Val::Time(t)) => t,
        Some(Val::Str(s)) => match Instant::parse(&s) {
            Ok(t) => t,
            Err(TimeError::MissingOffset) => {
                return Err(refuse(
                    "missing-offset",
                    format!("timestamp `{s}` has no offset: add `Z` or `+HH:MM`"),
                ))
            }
            Err(TimeError::Malformed) => {
                return Err(refuse(
                    "bad-timestamp",
                    format!("`{s}` is not an RFC 3339 timestamp"),
                ))
            }
        },
        Some(v) => {
            return Err(refuse(
                "bad-value",
                format!("`at` must be a string, found {}", v.type_name()),
            ))
        }
    };
    let Some(cust) = customer.clone() else {
        return Err(refuse(
            "missing-key",
            "missing key `customer` (a non-empty string)".into(),
        ));
    };
    let kinds = [
        subscribe.is_some(),
        feature.is_some(),
        purchase.is_some(),
        recharge.is_some(),
        cancel.is_some(),
    ];
    let mut present = KIND_KEYS
        .iter()
        .zip(kinds)
        .filter(|(_, there)| *there)
        .map(|(k, _)| *k);
    let kind_name = match (present.next(), present.next()) {
        (None, _) => {
            return Err(refuse(
                "missing-key",
                "no event kind: expected one of `subscribe`, `feature`, `purchase`, `recharge`, `cancel`"
                    .into(),
            ))
        }
        (Some(one), None) => one,
        (Some(a), Some(b)) => {
            return Err(refuse(
                "two-kinds",
                format!("one line holds two kinds of event: `{a}` and `{b}`"),
            ))
        }
    };
    let extras = [
        ("n", n.is_some()),
        ("set", set.is_some()),
        ("quantity", quantity.is_some()),
    ];
    for (key, there) in extras {
        let fits = matches!(
            (kind_name, key),
            ("feature", "n") | ("feature", "set") | ("purchase", "quantity")
        );
        if there && !fits {
            return Err(refuse(
                "unknown-key",
                format!("`{key}` is not a key of a `{kind_name}` event"),
            ));
        }
    }
    let kind = match kind_name {
        "subscribe" => Kind::Subscribe(string_field("subscribe", subscribe).map_err(|e| refuse(e.code, e.message))?),
        "feature" => {
            let feature = string_field("feature", feature).map_err(|e| refuse(e.code, e.message))?;
            let n = match n {
                None => return Err(refuse("missing-key", "missing key `n`".into())),
                Some(v) => number_field("n", v).map_err(|e| refuse(e.code, e.message))?,
            };
            let set = match set {
                None | Some(Val::Bool(false)) => false,
                Some(Val::Bool(true)) => true,
                Some(v) => {
                    return Err(refuse(
                        "bad-value",
                        format!("`set` must be `true`, found {}", v.type_name()),
                    ))
                }
            };
            Kind::Usage { feature, n, set }
        }
        "purchase" => {
            let addon = string_field("purchase", purchase).map_err(|e| refuse(e.code, e.message))?;
            let quantity = match quantity {
                None => 1,
                Some(v) => {
                    let q = number_field("quantity", v).map_err(|e| refuse(e.code, e.message))?;
                    match (q.fract().is_zero(), u64::try_from(q)) {
                        (true, Ok(k)) if k >= 1 => k,
                        _ => {
                            return Err(refuse(
                                "bad-quantity",
                                format!("`quantity` must be an integer ≥ 1, found {}", q.normalize()),
                            ))
                        }
                    }
                }
            };
            Kind::Purchase { addon, quantity }
        }
        "recharge" => match recharge {
            Some(Val::Obj(fields)) => recharge_fields(fields).map_err(|e| refuse(e.code, e.message))?,
            Some(v) => {
                return Err(refuse(
                    "bad-value",
                    format!(
                        "`recharge` must be an object `{{\"feature\": ..., \"enabled\": ...}}`, found {}",
                        v.type_name()
                    ),
                ))
            }
            None => return Err(refuse("missing-key", "missing key `recharge`".into())),
        },
        _ => match cancel {
            Some(Val::Bool(true)) => Kind::Cancel,
            Some(v) => {
                return Err(refuse(
                    "bad-value",
                    format!("`cancel` must be `true`, found {}", v.type_name()),
                ))
            }
            None => return Err(refuse("missing-key", "missing key `cancel`".into())),
        },
    };
    Ok(Event {
        at,
        customer: cust,
        kind,
    })
}

/// The slot of a top-level key (the position in [`KEYS`]).
pub fn key_slot(key: &str) -> Option<usize> {
    Some(match key {
        "at" => 0,
        "customer" => 1,
        "subscribe" => 2,
        "feature" => 3,
        "n" => 4,
        "set" => 5,
        "purchase" => 6,
        "quantity" => 7,
        "recharge" => 8,
        "cancel" => 9,
        _ => return None,
    })
}

fn recharge_fields<'a>(fields: Vec<(Cow<'a, str>, Val<'a>)>) -> Result<Kind<'a>, TraceError> {
    let mut feature = None;
    let mut enabled = None;
    for (k, v) in fields {
        match k.as_ref() {
            "feature" if feature.is_none() => feature = Some(v),
            "enabled" if enabled.is_none() => enabled = Some(v),
            "feature" | "enabled" => {
                return Err(TraceError::new(
                    "duplicate-key",
                    format!("key `recharge.{k}` appears twice"),
                ))
            }
            other => {
                return Err(TraceError::new(
                    "unknown-key",
                    format!("unknown key `recharge.{other}` (expected `feature` and `enabled`)"),
                ))
            }
        }
    }
    let feature = string_field("recharge.feature", feature)?;
    let enabled = match enabled {
        Some(Val::Bool(b)) => b,
        Some(v) => {
            return Err(TraceError::new(
                "bad-value",
                format!(
                    "`recharge.enabled` must be a boolean, found {}",
                    v.type_name()
                ),
            ))
        }
        None => {
            return Err(TraceError::new(
                "missing-key",
                "missing key `recharge.enabled`",
            ))
        }
    };
    Ok(Kind::Recharge { feature, enabled })
}

fn string_field<'a>(key: &str, v: Option<Val<'a>>) -> Result<Cow<'a, str>, TraceError> {
    match v {
        Some(Val::Str(s)) if !s.is_empty() => Ok(s),
        Some(Val::Str(_)) => Err(TraceError::new("bad-value", format!("`{key}` is empty"))),
        Some(v) => Err(TraceError::new(
            "bad-value",
            format!("`{key}` must be a string, found {}", v.type_name()),
        )),
        None => Err(TraceError::new(
            "missing-key",
            format!("missing key `{key}`"),
        )),
    }
}

/// The refusal of a number `key` = `text` that is spelled right but cannot be held exactly.
pub fn not_exact(key: &str, text: &str) -> TraceError {
    TraceError::new(
        "bad-value",
        format!(
            "`{key}` = {text} cannot be held exactly ({})",
            super::number::LIMITS
        ),
    )
}

fn number_field(key: &str, v: Val<'_>) -> Result<Decimal, TraceError> {
    match v {
        Val::Dec(d) => Ok(d),
        Val::Num(text) => exact_number(text).ok_or_else(|| not_exact(key, text)),
        Val::Str(s) if exact_number(&s).is_some() => Err(TraceError::new(
            "bad-value",
            format!("`{key}` must be a number, found the string \"{s}\": remove the quotes"),
        )),
        v => Err(TraceError::new(
            "bad-value",
            format!("`{key}` must be a number, found {}", v.type_name()),
        )),
    }
}
