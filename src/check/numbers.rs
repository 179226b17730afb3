//! Exact numbers: a JSON number literal → [`Decimal`], read from its text, never through `f64`.
//!
//! Invariant: every value returned has at most [`MAX_PLACES`] decimal places and at most
//! [`MAX_DIGITS`] significant digits (counted on the value with trailing fractional zeros
//! removed), and is normalized; anything else is a [`NumberError`], never a panic.

use rust_decimal::Decimal;

/// At most this many decimal places (after removing trailing zeros).
pub const MAX_PLACES: u32 = 12;
/// At most this many significant digits.
pub const MAX_DIGITS: usize = 18;

/// Why a literal cannot be held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not JSON number syntax (the front-ends never produce this; kept for robustness).
    Syntax,
    /// More than [`MAX_PLACES`] decimal places; carries the count (saturated).
    Places(u64),
    /// More than [`MAX_DIGITS`] significant digits; carries the count (saturated).
    Digits(u64),
}

/// Read a JSON number literal (`-12.50e-1`) exactly.
pub fn parse(text: &str) -> Result<Decimal, NumberError> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || (mantissa.contains('.') && !all_digits(frac_part)) {
        return Err(NumberError::Syntax);
    }
    let exponent = match exponent {
        Some(e) => parse_exponent(e)?,
        None => 0,
    };
    // value = digits × 10^(exponent − |frac|), digits without leading zeros.
    let joined: String = format!("{int_part}{frac_part}");
    let digits = joined.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    if trimmed.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let frac_len = i64::try_from(frac_part.len()).unwrap_or(i64::MAX);
    let trailing = i64::try_from(digits.len() - trimmed.len()).unwrap_or(i64::MAX);
    // value = trimmed × 10^power
    let power = exponent.saturating_sub(frac_len).saturating_add(trailing);
    let places = if power < 0 { power.unsigned_abs() } else { 0 };
    if places > u64::from(MAX_PLACES) {
        return Err(NumberError::Places(places));
    }
    let significant =
        (trimmed.len() as u64).saturating_add(if power > 0 { power as u64 } else { 0 });
    if significant > MAX_DIGITS as u64 {
        return Err(NumberError::Digits(significant));
    }
    // Both fit now: at most 18 digits, at most 12 places.
    let mut mantissa: i128 = 0;
    for b in trimmed.bytes() {
        mantissa = mantissa * 10 + i128::from(b - b'0');
    }
    for _ in 0..power.max(0) {
        mantissa *= 10;
    }
    if negative {
        mantissa = -mantissa;
    }
    let scale = u32::try_from(places).map_err(|_| NumberError::Places(places))?;
    Decimal::try_from_i128_with_scale(mantissa, scale)
        .map(|d| d.normalize())
        .map_err(|_| NumberError::Digits(significant))
}

/// An exponent, saturated far beyond anything that can pass the digit and place limits.
fn parse_exponent(text: &str) -> Result<i64, NumberError> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Syntax);
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = value
            .saturating_mul(10)
            .saturating_add(i64::from(b - b'0'))
            .min(1 << 40);
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn reads_exactly() {
        assert_eq!(parse("100").unwrap(), d("100"));
        assert_eq!(parse("100.0").unwrap(), d("100"));
        assert_eq!(parse("1e2").unwrap(), d("100"));
        assert_eq!(parse("1E+2").unwrap(), d("100"));
        assert_eq!(parse("-0.05").unwrap(), d("-0.05"));
        assert_eq!(parse("5e-2").unwrap(), d("0.05"));
        assert_eq!(parse("0.1").unwrap(), d("0.1"));
        assert_eq!(parse("0e99999999999999999999").unwrap(), Decimal::ZERO);
        assert_eq!(parse("-0").unwrap(), Decimal::ZERO);
        assert_eq!(parse("1.500000000000000000000").unwrap(), d("1.5"));
        assert_eq!(
            parse("123456789012345678").unwrap(),
            d("123456789012345678")
        );
        assert_eq!(parse("0.000000000001").unwrap(), d("0.000000000001"));
        assert_eq!(parse("1000e-3").unwrap(), d("1"));
    }

    #[test]
    fn normalized_output() {
        assert_eq!(parse("2.50").unwrap().to_string(), "2.5");
        assert_eq!(parse("1e2").unwrap().to_string(), "100");
    }

    #[test]
    fn refuses_what_cannot_be_held() {
        assert_eq!(parse("0.0000000000001"), Err(NumberError::Places(13)));
        assert_eq!(parse("1234567890123456789"), Err(NumberError::Digits(19)));
        assert_eq!(parse("1e18"), Err(NumberError::Digits(19)));
        assert!(matches!(
            parse("1e99999999999999999999"),
            Err(NumberError::Digits(_))
        ));
        assert!(matches!(
            parse("1e-99999999999999999999"),
            Err(NumberError::Places(_))
        ));
        assert_eq!(parse("1.2.3"), Err(NumberError::Syntax));
        assert_eq!(parse("abc"), Err(NumberError::Syntax));
        assert_eq!(parse("1e"), Err(NumberError::Syntax));
    }
}
