//! Reading one JSONL trace line into an [`Event`], with stable error codes.
//!
//! Invariant: numbers are read exactly from their text (never through `f64`); a line is parsed
//! without allocating unless it holds escapes or a nested object. Only what one line can tell is
//! checked here; what depends on the customer's state (current plan, order) is the engine's.

use super::time::{Instant, TimeError};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// A trace error: a stable code and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    pub code: &'static str,
    pub message: String,
}

impl TraceError {
    pub fn new(code: &'static str, message: impl Into<String>) -> TraceError {
        TraceError {
            code,
            message: message.into(),
        }
    }
}

/// One valid-looking event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    pub at: Instant,
    pub customer: Cow<'a, str>,
    pub kind: Kind<'a>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    Subscribe(Cow<'a, str>),
    Usage {
        feature: Cow<'a, str>,
        n: Decimal,
        set: bool,
    },
    Purchase {
        addon: Cow<'a, str>,
        quantity: u64,
    },
    Recharge {
        feature: Cow<'a, str>,
        enabled: bool,
    },
    Cancel,
}

/// A line that could not be read: the customer when it could be told, and the error.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused<'a> {
    pub customer: Option<Cow<'a, str>>,
    pub error: TraceError,
}

/// The kinds of event, as their key is spelled.
const KIND_KEYS: [&str; 5] = ["subscribe", "feature", "purchase", "recharge", "cancel"];
const KEYS: [&str; 10] = [
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
enum Val<'a> {
    Str(Cow<'a, str>),
    Num(&'a str),
    Bool(bool),
    Null,
    Obj(Vec<(Cow<'a, str>, Val<'a>)>),
    Arr,
}

impl Val<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Val::Str(_) => "a string",
            Val::Num(_) => "a number",
            Val::Bool(_) => "a boolean",
            Val::Null => "null",
            Val::Obj(_) => "an object",
            Val::Arr => "an array",
        }
    }
}

/// Parse one non-blank trace line.
pub fn parse_line(line: &str) -> Result<Event<'_>, Refused<'_>> {
    match fast_line(line) {
        Some(e) => Ok(e),
        None => parse_general(line),
    }
}

/// The shape trace writers (and `gen-trace`) use: no whitespace, keys in the documented order
/// (`at`, `customer`, then the event's), strings without escapes, plain numbers. Read straight
/// through, without building values; `None` for any other line and for anything refused, which
/// [`parse_general`] then reads (and explains) as before. What is returned here is exactly what
/// [`parse_general`] would return.
#[inline]
fn fast_line(line: &str) -> Option<Event<'_>> {
    let rest = line.strip_prefix("{\"at\":\"")?;
    let (at, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(",\"customer\":\"")?;
    let (customer, rest) = plain_name(rest)?;
    let rest = rest.strip_prefix(",\"")?;
    let (kind, rest) = if let Some(r) = rest.strip_prefix("feature\":\"") {
        let (feature, r) = plain_name(r)?;
        let r = r.strip_prefix(",\"n\":")?;
        let (n, r) = plain_number(r)?;
        let (set, r) = if let Some(r) = r.strip_prefix(",\"set\":true") {
            (true, r)
        } else if let Some(r) = r.strip_prefix(",\"set\":false") {
            (false, r)
        } else {
            (false, r)
        };
        (
            Kind::Usage {
                feature: Cow::Borrowed(feature),
                n,
                set,
            },
            r,
        )
    } else if let Some(r) = rest.strip_prefix("subscribe\":\"") {
        let (plan, r) = plain_name(r)?;
        (Kind::Subscribe(Cow::Borrowed(plan)), r)
    } else if let Some(r) = rest.strip_prefix("purchase\":\"") {
        let (addon, r) = plain_name(r)?;
        let (quantity, r) = match r.strip_prefix(",\"quantity\":") {
            None => (1, r),
            Some(r) => {
                let len = r.bytes().take_while(u8::is_ascii_digit).count();
                let (digits, r) = r.split_at_checked(len)?;
                let q = small_integer(digits)?;
                if q < 1 || digits.starts_with('0') {
                    return None;
                }
                (q, r)
            }
        };
        (
            Kind::Purchase {
                addon: Cow::Borrowed(addon),
                quantity,
            },
            r,
        )
    } else if let Some(r) = rest.strip_prefix("recharge\":{\"feature\":\"") {
        let (feature, r) = plain_name(r)?;
        let (enabled, r) = if let Some(r) = r.strip_prefix(",\"enabled\":true}") {
            (true, r)
        } else {
            (false, r.strip_prefix(",\"enabled\":false}")?)
        };
        (
            Kind::Recharge {
                feature: Cow::Borrowed(feature),
                enabled,
            },
            r,
        )
    } else {
        (Kind::Cancel, rest.strip_prefix("cancel\":true")?)
    };
    if rest != "}" {
        return None;
    }
    let at = Instant::parse(at).ok()?;
    Some(Event {
        at,
        customer: Cow::Borrowed(customer),
        kind,
    })
}

/// [`plain_string`] that is not empty (an id).
#[inline]
fn plain_name(rest: &str) -> Option<(&str, &str)> {
    plain_string(rest).filter(|(name, _)| !name.is_empty())
}

/// The text of a string up to its closing quote (which `rest` starts after), and what follows;
/// `None` if the string holds an escape or a control character, or is not closed.
#[inline]
fn plain_string(rest: &str) -> Option<(&str, &str)> {
    let len = rest
        .bytes()
        .position(|c| c == b'"' || c == b'\\' || c < 0x20)?;
    if rest.as_bytes().get(len) != Some(&b'"') {
        return None;
    }
    Some((rest.get(..len)?, rest.get(len + 1..)?))
}

/// Up to 18 ASCII digits as a number (`None` if empty, longer, or not all digits).
#[inline]
fn small_integer(digits: &str) -> Option<u64> {
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    digits.bytes().try_fold(0u64, |acc, c| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(acc * 10 + u64::from(d))
    })
}

/// A number with at most 18 digits, an optional `-` and an optional fraction, no exponent, at
/// the start of `rest`: its exact value (as [`exact_number`] reads it) and what follows.
#[inline]
fn plain_number(rest: &str) -> Option<(Decimal, &str)> {
    let b = rest.as_bytes();
    let negative = b.first() == Some(&b'-');
    let int_start = usize::from(negative);
    let int_len = b
        .get(int_start..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let int_end = int_start + int_len;
    if int_len == 0 || (int_len > 1 && b.get(int_start) == Some(&b'0')) {
        return None;
    }
    let (end, frac_len) = if b.get(int_end) == Some(&b'.') {
        let frac_len = b
            .get(int_end + 1..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if frac_len == 0 {
            return None;
        }
        (int_end + 1 + frac_len, frac_len)
    } else {
        (int_end, 0)
    };
    if matches!(b.get(end), Some(b'e' | b'E')) {
        return None;
    }
    let (text, after) = rest.split_at_checked(end)?;
    if !negative && frac_len == 0 {
        // Plain non-negative integers: `exact_number` reads them unnormalized.
        let v = small_integer(text)?;
        return Some((Decimal::from(v), after));
    }
    let int = rest.get(int_start..int_end)?;
    let frac = if frac_len == 0 {
        ""
    } else {
        rest.get(int_end + 1..end)?
    };
    if int.len() + frac.len() > 18 {
        return None;
    }
    let m = int.bytes().chain(frac.bytes()).try_fold(0i64, |acc, c| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(acc * 10 + i64::from(d))
    })?;
    if m == 0 {
        // Zero (and its sign) as `exact_number` has it.
        return Some((exact_number(text)?, after));
    }
    let m = if negative { -m } else { m };
    let d = Decimal::try_new(m, u32::try_from(frac_len).ok()?).ok()?;
    Some((d.normalize(), after))
}

/// Parse one non-blank trace line, whatever its shape.
fn parse_general(line: &str) -> Result<Event<'_>, Refused<'_>> {
    let mut slots: [Option<Val<'_>>; 10] = Default::default();
    let mut unknown: Option<Cow<'_, str>> = None;
    let bad = |e: TraceError| Refused {
        customer: None,
        error: e,
    };
    let mut p = Parser {
        b: line.as_bytes(),
        s: line,
        i: 0,
    };
    p.ws();
    p.expect(b'{').map_err(bad)?;
    p.ws();
    let mut duplicate: Option<Cow<'_, str>> = None;
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            p.ws();
            let key = p.string().map_err(bad)?;
            p.ws();
            p.expect(b':').map_err(bad)?;
            p.ws();
            let val = p.value(0).map_err(bad)?;
            match key_slot(&key) {
                Some(i) => {
                    let slot = slots.get_mut(i).ok_or_else(|| bad(json_error("key")))?;
                    if slot.is_some() {
                        duplicate.get_or_insert(key);
                    } else {
                        *slot = Some(val);
                    }
                }
                None => {
                    unknown.get_or_insert(key);
                }
            }
            p.ws();
            match p.next() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(bad(json_error("`,` or `}`"))),
            }
        }
    }
    p.ws();
    if p.i != p.b.len() {
        return Err(bad(json_error("the end of the line")));
    }
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
        let hint = crate::eval::trace::closest(&k, &KEYS)
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(refuse("unknown-key", format!("unknown key `{k}`{hint}")));
    }
    let at = match at {
        None => return Err(refuse("missing-key", "missing key `at`".into())),
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
fn key_slot(key: &str) -> Option<usize> {
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

fn number_field(key: &str, v: Val<'_>) -> Result<Decimal, TraceError> {
    match v {
        Val::Num(text) => exact_number(text).ok_or_else(|| {
            TraceError::new(
                "bad-value",
                format!("`{key}` = {text} cannot be held exactly (at most 28 significant digits)"),
            )
        }),
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

/// A JSON number literal read exactly, exponent included; `None` if it cannot be held.
pub fn exact_number(text: &str) -> Option<Decimal> {
    // Fast path: a plain non-negative integer of up to 18 digits.
    if !text.is_empty() && text.len() <= 18 && text.bytes().all(|c| c.is_ascii_digit()) {
        let v = text
            .bytes()
            .fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0'));
        return Some(Decimal::from(v));
    }
    let d = if text.contains(['e', 'E']) {
        let (mant, exp) = text.split_once(['e', 'E'])?;
        let mant = Decimal::from_str_exact(mant).ok()?;
        let exp: i64 = exp.parse().ok()?;
        let mut d = mant;
        let ten = Decimal::TEN;
        if exp >= 0 {
            for _ in 0..exp.min(64) {
                d = d.checked_mul(ten)?;
            }
            if exp > 64 && !d.is_zero() {
                return None;
            }
        } else {
            let shift = u32::try_from(-exp).ok()?;
            let scale = d.scale().checked_add(shift)?;
            if scale > 28 {
                // Exact only if the extra digits are trailing zeros of the mantissa.
                let n = d.normalize();
                let scale = n.scale().checked_add(shift)?;
                if scale > 28 {
                    return if n.is_zero() {
                        Some(Decimal::ZERO)
                    } else {
                        None
                    };
                }
                let mut r = n;
                r.set_scale(scale).ok()?;
                return Some(r.normalize());
            }
            d.set_scale(scale).ok()?;
        }
        d
    } else {
        Decimal::from_str_exact(text).ok()?
    };
    Some(d.normalize())
}

fn json_error(expected: &str) -> TraceError {
    TraceError::new(
        "bad-json",
        format!("not a JSON object: expected {expected}"),
    )
}

/// The closest candidate by edit distance (≤ 2) or by case, for "did you mean".
pub fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (edit_distance(&word.to_lowercase(), c), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

const MAX_DEPTH: usize = 32;

impl<'a> Parser<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    #[inline]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), TraceError> {
        if self.next() == Some(c) {
            Ok(())
        } else {
            Err(json_error(&format!("`{}`", char::from(c))))
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, TraceError> {
        self.expect(b'"')?;
        let start = self.i;
        let rest = self.b.get(start..).unwrap_or_default();
        // Trace strings are short: a plain scan beats a vectorized search's setup.
        let Some(len) = rest
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        else {
            return Err(json_error("a closing `\"`"));
        };
        match rest.get(len) {
            Some(b'"') => {
                self.i = start + len + 1;
                let s = self
                    .s
                    .get(start..start + len)
                    .ok_or_else(|| json_error("text"))?;
                Ok(Cow::Borrowed(s))
            }
            Some(b'\\') => self.escaped_string().map(Cow::Owned),
            _ => Err(json_error("no control character in a string")),
        }
    }

    fn escaped_string(&mut self) -> Result<String, TraceError> {
        let mut out = String::new();
        loop {
            let rest = self.s.get(self.i..).ok_or_else(|| json_error("text"))?;
            let mut chars = rest.char_indices();
            let Some((_, c)) = chars.next() else {
                return Err(json_error("a closing `\"`"));
            };
            self.i += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = self.next().ok_or_else(|| json_error("an escape"))?;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                                    return Err(json_error("a low surrogate"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(json_error("a low surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code).ok_or_else(|| json_error("a character"))?,
                            );
                        }
                        _ => return Err(json_error("a valid escape")),
                    }
                }
                c if u32::from(c) < 0x20 => {
                    return Err(json_error("no control character in a string"))
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, TraceError> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| json_error("4 hex digits"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| json_error("4 hex digits"))?;
        self.i += 4;
        Ok(v)
    }

    fn number(&mut self) -> Result<&'a str, TraceError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - s
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.b.get(int_start) == Some(&b'0')) {
            return Err(json_error("a number"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(json_error("digits after `.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(json_error("exponent digits"));
            }
        }
        self.s
            .get(start..self.i)
            .ok_or_else(|| json_error("a number"))
    }

    fn literal(&mut self, word: &str, v: Val<'a>) -> Result<Val<'a>, TraceError> {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(json_error("a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Val<'a>, TraceError> {
        if depth > MAX_DEPTH {
            return Err(json_error("less nesting"));
        }
        match self.peek() {
            Some(b'"') => self.string().map(Val::Str),
            Some(b'-' | b'0'..=b'9') => self.number().map(Val::Num),
            Some(b't') => self.literal("true", Val::Bool(true)),
            Some(b'f') => self.literal("false", Val::Bool(false)),
            Some(b'n') => self.literal("null", Val::Null),
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Val::Obj(fields));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.expect(b':')?;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    fields.push((k, v));
                    self.ws();
                    match self.next() {
                        Some(b',') => {}
                        Some(b'}') => return Ok(Val::Obj(fields)),
                        _ => return Err(json_error("`,` or `}`")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Val::Arr);
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next() {
                        Some(b',') => {}
                        Some(b']') => return Ok(Val::Arr),
                        _ => return Err(json_error("`,` or `]`")),
                    }
                }
            }
            _ => Err(json_error("a JSON value")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(line: &str) -> &'static str {
        parse_line(line).unwrap_err().error.code
    }

    #[test]
    fn reads_every_kind() {
        let e = parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"org:acme","feature":"feature:report","n":1}"#)
            .unwrap();
        assert_eq!(e.customer, "org:acme");
        assert_eq!(
            e.kind,
            Kind::Usage {
                feature: "feature:report".into(),
                n: Decimal::ONE,
                set: false
            }
        );
        let e = parse_line(r#" { "at": "2026-01-02T00:00:00+00:00", "customer": "a\u0062", "purchase": "addon:x", "quantity": 2e0 } "#).unwrap();
        assert_eq!(e.customer, "ab");
        assert_eq!(
            e.kind,
            Kind::Purchase {
                addon: "addon:x".into(),
                quantity: 2
            }
        );
        let e = parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","recharge":{"feature":"feature:credits","enabled":true}}"#).unwrap();
        assert_eq!(
            e.kind,
            Kind::Recharge {
                feature: "feature:credits".into(),
                enabled: true
            }
        );
        let e =
            parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true}"#).unwrap();
        assert_eq!(e.kind, Kind::Cancel);
        let e = parse_line(
            r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":-2.50,"set":true}"#,
        )
        .unwrap();
        assert_eq!(
            e.kind,
            Kind::Usage {
                feature: "f".into(),
                n: Decimal::new(-25, 1),
                set: true
            }
        );
    }

    #[test]
    fn stable_codes() {
        assert_eq!(code("{"), "bad-json");
        assert_eq!(code("{\"at\":\"x\ty\"}"), "bad-json");
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c"#),
            "bad-json"
        );
        assert_eq!(code("[1]"), "bad-json");
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true} x"#),
            "bad-json"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":01}"#),
            "bad-json"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true,"cancel":true}"#),
            "duplicate-key"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancle":true}"#),
            "unknown-key"
        );
        assert_eq!(code(r#"{"customer":"c","cancel":true}"#), "missing-key");
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","cancel":true}"#),
            "missing-key"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c"}"#),
            "missing-key"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00","customer":"c","cancel":true}"#),
            "missing-offset"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-32T00:00:00Z","customer":"c","cancel":true}"#),
            "bad-timestamp"
        );
        assert_eq!(
            code(
                r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true,"subscribe":"plan:a@1"}"#
            ),
            "two-kinds"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":"5"}"#),
            "bad-value"
        );
        assert_eq!(
            code(
                r#"{"at":"2026-01-02T00:00:00Z","customer":"c","purchase":"addon:x","quantity":1.5}"#
            ),
            "bad-quantity"
        );
        assert_eq!(
            code(
                r#"{"at":"2026-01-02T00:00:00Z","customer":"c","purchase":"addon:x","quantity":0}"#
            ),
            "bad-quantity"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","subscribe":"plan:a@1","n":1}"#),
            "unknown-key"
        );
        let quoted =
            parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":"5"}"#)
                .unwrap_err();
        assert!(quoted.error.message.contains("remove the quotes"));
        assert_eq!(quoted.customer.as_deref(), Some("c"));
    }

    #[test]
    fn numbers_are_exact() {
        assert_eq!(exact_number("1e2"), Some(Decimal::from(100)));
        assert_eq!(exact_number("1.50"), Some(Decimal::new(15, 1)));
        assert_eq!(exact_number("15e-1"), Some(Decimal::new(15, 1)));
        assert_eq!(exact_number("0.1"), Some(Decimal::new(1, 1)));
        assert_eq!(exact_number("1e400"), None);
        assert_eq!(exact_number("1.00000000000000000000000000001"), None);
    }
}
