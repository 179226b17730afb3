//! Money: every rule about amounts of money — the one rounding, proration, the report's
//! integers, major units, and how an amount is shown to people.
//!
//! Invariant: amounts are exact `Decimal`s in minor units; [`round_line`] is the only rounding
//! of money (half away from zero to a whole minor unit), and [`prorate`] applies that same rule
//! to one exact quotient; converting to or from major units is exact or refused; every amount
//! shown to a person — pricing pages, diffs, human reports — goes through [`display`].

use crate::exact::{Exact, Overflow};
use crate::ir::Currency;
use rust_decimal::{Decimal, RoundingStrategy};

/// Round an exact line amount once, half away from zero, to whole minor units.
pub fn round_line(exact: Decimal) -> Decimal {
    exact
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// `base × elapsed ÷ length` rounded like a line ([`round_line`]), from one exact integer
/// multiply-then-divide: durations are whole microseconds, so nothing is rounded before the
/// end. A non-positive `length` (an empty period) charges the whole `base`.
pub fn prorate(base: Decimal, elapsed: i64, length: i64) -> Exact<Decimal> {
    let o = || Overflow::new("a prorated base fee");
    if length <= 0 {
        return Ok(round_line(base));
    }
    let num = base
        .mantissa()
        .checked_mul(i128::from(elapsed))
        .ok_or_else(o)?;
    let den = 10i128
        .checked_pow(base.scale())
        .and_then(|p| p.checked_mul(i128::from(length)))
        .ok_or_else(o)?;
    // `den` > 0, so neither the quotient nor the remainder can overflow.
    let (q, r) = (
        num.checked_div(den).ok_or_else(o)?,
        num.checked_rem(den).ok_or_else(o)?,
    );
    // Half away from zero: a remainder of at least half the divisor moves one further out.
    let half_or_more = r.unsigned_abs().checked_mul(2).ok_or_else(o)? >= den.unsigned_abs();
    let q = if half_or_more {
        q.checked_add(num.signum()).ok_or_else(o)?
    } else {
        q
    };
    Decimal::try_from_i128_with_scale(q, 0).map_err(|_| o())
}

/// A rounded amount (a line, a total) as the report's integer of minor units: 64 bits, or
/// [`Overflow`]. Only whole amounts reach the report; were a fraction to, it would be rounded
/// by the one rule ([`round_line`]), never another.
pub fn to_i64(amount: Decimal) -> Exact<i64> {
    debug_assert!(amount.fract().is_zero(), "{amount} is not a whole amount");
    i64::try_from(round_line(amount)).map_err(|_| Overflow::new("a money amount beyond 64 bits"))
}

/// One major unit in minor units: `10^exponent` (`None` beyond `Decimal`'s range).
pub fn one_major(exponent: u32) -> Option<Decimal> {
    let mut v = Decimal::ONE;
    for _ in 0..exponent {
        v = v.checked_mul(Decimal::TEN)?;
    }
    Some(v)
}

/// Minor units → major units, exactly and normalized: 10000 → 100, 5 → 0.05 (exponent 2).
/// `None` when the result would need more than 28 decimal places, which no checked amount (at
/// most 12 places, exponents at most 4) does.
pub fn to_major(minor: Decimal, exponent: u32) -> Option<Decimal> {
    let minor = minor.normalize();
    let mut major = minor;
    // Moving the decimal point is exact; `set_scale` refuses beyond 28 places.
    major.set_scale(minor.scale().checked_add(exponent)?).ok()?;
    Some(major.normalize())
}

/// Major units → minor units, exactly and normalized: 100.00 → 10000, 0.005 → 0.5 (exponent 2).
/// `None` when the result is beyond `Decimal`'s range (multiplying by a power of ten never
/// rounds: `rust_decimal` only drops the zeros it appended).
pub fn from_major(major: Decimal, exponent: u32) -> Option<Decimal> {
    Some(major.checked_mul(one_major(exponent)?)?.normalize())
}

/// How a whole amount is shown; amounts with a fraction always show at least the currency's
/// minor digits, and sub-minor amounts all their digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// `$29`: pricing pages and diffs, where round prices read best bare.
    Bare,
    /// `$29.00`: human reports, where amounts line up in columns (the spec's "$100.00").
    WithMinorDigits,
}

/// An amount for people, exactly (never rounded), in major units with the currency's symbol:
/// `$0.10`, `$29` or `$29.00` (as `whole` says), `¥1,500`, `$0.0005`, `CA$15`, `BHD 1.234`,
/// `-$1.50`. Thousands are grouped with commas. An amount that cannot be moved to major units
/// exactly is written in minor units instead (`1 usd minor units`), never approximated.
pub fn display(minor: Decimal, currency: &Currency, whole: Whole) -> String {
    let Some(major) = major_shown(minor, currency.exponent, whole) else {
        return format!("{} {} minor units", grouped(minor), currency.code);
    };
    let sign = if major.is_sign_negative() && !major.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{}{}", symbol(currency), grouped(major.abs()))
}

/// The major amount with the scale it is shown at (see [`Whole`]): 10000 → `100` or `100.00`,
/// 10 → `0.10`, 0.05 → `0.0005` (exponent 2). The text form's printer writes this bare.
pub fn major_shown(minor: Decimal, exponent: u32, whole: Whole) -> Option<Decimal> {
    let mut major = to_major(minor, exponent)?;
    let pad = whole == Whole::WithMinorDigits || !major.fract().is_zero();
    if pad && major.scale() < exponent {
        major.rescale(exponent);
    }
    Some(major)
}

/// A decimal with thousands separators, exactly as its scale says: `10000` → `10,000`,
/// `1234.50` → `1,234.50`.
pub fn grouped(d: Decimal) -> String {
    let text = d.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// The symbol written before an amount: `$`, `€`, `¥`, `CA$` for other dollars, or the
/// upper-case code followed by a space when the currency has no symbol of its own in Latin
/// script (or is unknown).
fn symbol(currency: &Currency) -> String {
    let code = currency.code.to_ascii_uppercase();
    match crate::currency::lookup(&currency.code) {
        Some(info) if info.symbol == "$" && currency.code != "usd" => {
            format!("{}$", code.get(..2).unwrap_or(&code))
        }
        Some(info) if !info.symbol.is_empty() && info.symbol != code && latin(&info.symbol) => {
            let ends_alpha = info.symbol.chars().last().is_some_and(char::is_alphabetic);
            if ends_alpha {
                format!("{} ", info.symbol)
            } else {
                info.symbol
            }
        }
        _ => format!("{code} "),
    }
}

/// A symbol that reads left to right among Latin text: ASCII and the currency-sign blocks
/// (`£`, `¥`, `€`, `₹`); others (Arabic, Cyrillic abbreviations) give way to the ISO code.
fn latin(symbol: &str) -> bool {
    symbol.chars().all(|c| {
        c.is_ascii() || ('\u{A2}'..='\u{A5}').contains(&c) || ('\u{20A0}'..='\u{20CF}').contains(&c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cur(code: &str, exponent: u32) -> Currency {
        Currency {
            code: code.into(),
            exponent,
        }
    }

    #[test]
    fn a_line_rounds_half_away_from_zero() {
        assert_eq!(round_line(d("2.5")), d("3"));
        assert_eq!(round_line(d("-1.5")), d("-2"));
        assert_eq!(round_line(d("2.4999")), d("2"));
        assert_eq!(round_line(d("3.5000")).scale(), 0);
    }

    #[test]
    fn proration_is_one_exact_division() {
        let day = 86_400_000_000i64;
        // The spec's example: 4900 for 10 of 31 days is 1580.645… → 1581.
        assert_eq!(prorate(d("4900"), 10 * day, 31 * day), Ok(d("1581")));
        // Exactly half a cent rounds up: 1 × 1 ÷ 2.
        assert_eq!(prorate(d("1"), 1, 2), Ok(d("1")));
        assert_eq!(prorate(d("0.5"), 1, 2), Ok(d("0")));
        assert_eq!(prorate(d("1000"), 0, 31 * day), Ok(d("0")));
        assert_eq!(prorate(d("1000"), 31 * day, 31 * day), Ok(d("1000")));
        assert_eq!(prorate(d("12.5"), 0, 0), Ok(d("13")));
        assert!(prorate(Decimal::MAX, i64::MAX, 3).is_err());
    }

    #[test]
    fn report_integers_are_64_bits() {
        assert_eq!(to_i64(d("4900")), Ok(4900));
        assert_eq!(to_i64(d("-12")), Ok(-12));
        assert!(to_i64(d("9223372036854775808")).is_err());
    }

    #[test]
    fn major_units_are_exact() {
        assert_eq!(to_major(d("10000"), 2), Some(d("100")));
        assert_eq!(to_major(d("0.5"), 2), Some(d("0.005")));
        assert_eq!(to_major(d("1500"), 0), Some(d("1500")));
        assert_eq!(to_major(d("0.0000000000000000000000000001"), 2), None);
        assert_eq!(from_major(d("100.00"), 2), Some(d("10000")));
        assert_eq!(from_major(d("0.005"), 2), Some(d("0.5")));
        assert_eq!(from_major(d("-2.5"), 2), Some(d("-250")));
        assert_eq!(from_major(Decimal::MAX, 2), None);
        assert_eq!(one_major(3), Some(d("1000")));
    }

    #[test]
    fn pages_show_whole_amounts_bare() {
        let usd = cur("usd", 2);
        let page = |minor: &str, c: &Currency| display(d(minor), c, Whole::Bare);
        assert_eq!(page("10", &usd), "$0.10");
        assert_eq!(page("2900", &usd), "$29");
        assert_eq!(page("1050", &usd), "$10.50");
        assert_eq!(page("0.05", &usd), "$0.0005");
        assert_eq!(page("123456789", &usd), "$1,234,567.89");
        assert_eq!(page("1500", &cur("jpy", 0)), "¥1,500");
        assert_eq!(page("1500", &cur("eur", 2)), "€15");
        assert_eq!(page("1500", &cur("cad", 2)), "CA$15");
        assert_eq!(page("1234", &cur("bhd", 3)), "BHD 1.234");
        assert_eq!(page("1500", &cur("sek", 2)), "kr 15");
        assert_eq!(page("1500", &cur("xyz", 2)), "XYZ 15");
    }

    #[test]
    fn reports_show_at_least_the_minor_digits() {
        let usd = cur("usd", 2);
        let report = |minor: &str, c: &Currency| display(d(minor), c, Whole::WithMinorDigits);
        assert_eq!(report("10000", &usd), "$100.00");
        assert_eq!(report("7", &usd), "$0.07");
        assert_eq!(report("0", &usd), "$0.00");
        assert_eq!(report("0.05", &usd), "$0.0005");
        assert_eq!(report("2.5", &usd), "$0.025");
        assert_eq!(report("123456", &usd), "$1,234.56");
        assert_eq!(report("-150", &usd), "-$1.50");
        assert_eq!(report("500", &cur("jpy", 0)), "¥500");
        assert_eq!(report("1234", &cur("bhd", 3)), "BHD 1.234");
        assert_eq!(report("1500", &cur("cad", 2)), "CA$15.00");
    }

    #[test]
    fn the_printer_digits_are_major_units() {
        let shown = |minor: &str, e: u32| major_shown(d(minor), e, Whole::WithMinorDigits);
        assert_eq!(
            shown("10000", 2).map(|m| m.to_string()).as_deref(),
            Some("100.00")
        );
        assert_eq!(
            shown("0.5", 2).map(|m| m.to_string()).as_deref(),
            Some("0.005")
        );
        assert_eq!(
            shown("0", 2).map(|m| m.to_string()).as_deref(),
            Some("0.00")
        );
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(grouped(d("10000")), "10,000");
        assert_eq!(grouped(d("1234.5")), "1,234.5");
        assert_eq!(grouped(d("0.5")), "0.5");
        assert_eq!(grouped(d("100")), "100");
        assert_eq!(grouped(d("-1000")), "-1,000");
    }

    proptest! {
        /// Major and minor units are exact inverses, and what is shown is the amount.
        #[test]
        fn major_units_round_trip(m in -1_000_000_000_000i64..1_000_000_000_000, scale in 0u32..=12, exponent in 0u32..=4) {
            let minor = Decimal::new(m, scale);
            let major = to_major(minor, exponent).unwrap();
            prop_assert_eq!(from_major(major, exponent), Some(minor.normalize()));
            for whole in [Whole::Bare, Whole::WithMinorDigits] {
                let shown = major_shown(minor, exponent, whole).unwrap();
                prop_assert_eq!(shown, major);
                prop_assert!(shown.scale() >= exponent || (whole == Whole::Bare && shown.fract().is_zero()));
            }
        }

        /// Proration agrees with the exact rational, rounded half away from zero.
        #[test]
        fn proration_matches_rationals(base in 0i64..100_000_000, scale in 0u32..=4, elapsed in 0i64..10_000_000_000, extra in 1i64..10_000_000_000) {
            let base = Decimal::new(base, scale);
            let length = elapsed + extra;
            let exact = base * Decimal::from(elapsed) / Decimal::from(length);
            let got = prorate(base, elapsed, length).unwrap();
            // The quotient's 28 digits are more than enough to tell a half from a near half here
            // (the denominator is below 10^15), so rounding it gives the exact answer.
            prop_assert_eq!(got, round_line(exact));
        }
    }
}
