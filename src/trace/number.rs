//! Exact numbers from their text.
//!
//! Invariant: a value is returned only when it is exactly the literal's value; never `f64`,
//! never a panic, whatever the exponent.

use rust_decimal::Decimal;

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
            let shift = u32::try_from(exp.unsigned_abs()).unwrap_or(u32::MAX);
            let scale = d.scale().saturating_add(shift);
            if scale > 28 {
                // Exact only if the extra digits are trailing zeros of the mantissa.
                let n = d.normalize();
                let scale = n.scale().saturating_add(shift);
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

/// What a number that cannot be held is told: the two limits of an exact decimal.
pub const LIMITS: &str = "at most 28 significant digits, magnitude below 7.9e28";

/// Whether `text` is spelled as a number: `-`, digits, an optional fraction and exponent
/// (`1e400`, `0.5`, `-3E-2`), whether or not its value can be held.
pub fn is_literal(text: &str) -> bool {
    fn digits(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    digits(int) && frac.is_none_or(digits) && exponent.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn extreme_exponents_are_refused_or_exact_never_a_panic() {
        assert_eq!(exact_number("1e-9223372036854775808"), None);
        assert_eq!(exact_number("0e-9223372036854775808"), Some(Decimal::ZERO));
        assert_eq!(exact_number("1e9223372036854775807"), None);
        assert_eq!(exact_number("0e9223372036854775807"), Some(Decimal::ZERO));
        assert_eq!(exact_number("15e-1").unwrap().to_string(), "1.5");
    }

    #[test]
    fn literals_are_told_from_other_text() {
        for yes in [
            "0", "1e400", "-0.5", "3E-2", "1e+3", "123.456", "0.1", "007", "-2.5E-1",
        ] {
            assert!(is_literal(yes), "{yes}");
        }
        for no in [
            "", "-", "1.", ".5", "1e", "e3", "1x", "NaN", "1_000", "--1", "+1", " 1", "1 ", "0x10",
            "1e+",
        ] {
            assert!(!is_literal(no), "{no}");
        }
    }
}
