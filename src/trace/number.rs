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
}
