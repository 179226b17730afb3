//! The fast path: the JSONL line shape trace writers (and `gen-trace`) use, read straight through.
//!
//! Invariant: whatever this returns is exactly what [`super::json::line`] returns for the same
//! line; anything else (another shape, or a line to refuse) is `None`, and the general parser
//! reads and explains it.

use super::number::exact_number;
use super::{Event, Kind};
use crate::eval::time::Instant;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// The shape trace writers (and `gen-trace`) use: no whitespace, keys in the documented order
/// (`at`, `customer`, then the event's), strings without escapes, plain numbers. Read straight
/// through, without building values; `None` for any other line and for anything refused, which
/// [`super::json::line`] then reads (and explains) as before. What is returned here is exactly what
/// [`super::json::line`] would return.
#[inline]
pub fn line(line: &str) -> Option<Event<'_>> {
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
