//! Money: every rule about amounts of money — the one rounding, proration, the report's
//! integers.
//!
//! Invariant: amounts are exact `Decimal`s in minor units; [`round_line`] is the only rounding
//! of money (half away from zero to a whole minor unit), and [`prorate`] applies that same rule
//! to one exact quotient.

use crate::exact::{Exact, Overflow};
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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

    proptest! {
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
