//! Exact decimal arithmetic: the checked sums, differences and products every amount and
//! quantity goes through, the error they share, and the one division the reports round.
//!
//! Invariant: a result is exact or an [`Overflow`] — `rust_decimal` never rounds an intermediate
//! silently here; the only rounding is [`div12`]'s, by the spec's rule for divisions. The
//! same-scale fast paths ([`add`], [`subtract`], [`minus`], [`less`]) are on the evaluator's
//! usage path: they stay `#[inline]` with `rust_decimal`'s general path kept out of line, and a
//! property test checks them against `rust_decimal`.

use rust_decimal::{Decimal, RoundingStrategy};

/// An intermediate that `rust_decimal` cannot hold exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow {
    /// What was being computed, e.g. `feature:api usage`.
    pub what: String,
}

impl Overflow {
    pub fn new(what: impl Into<String>) -> Overflow {
        Overflow { what: what.into() }
    }
}

/// The diagnostic every command prints for it: `error[arithmetic-overflow]: WHAT cannot be held
/// exactly`.
impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "error[arithmetic-overflow]: {} cannot be held exactly",
            self.what
        )
    }
}

pub type Exact<T> = Result<T, Overflow>;

/// A decimal's sign, scale and 96-bit magnitude, read in one go.
#[inline]
fn unpack(d: Decimal) -> (bool, u32, u128) {
    let v = u128::from_le_bytes(d.serialize());
    let flags = (v & 0xFFFF_FFFF) as u32;
    (flags >> 31 == 1, (flags >> 16) & 0xFF, v >> 32)
}

/// `a ± b` when both have one scale and the result fits in 96 bits: exactly what
/// `checked_add` gives (a zero is never negative), on the magnitudes, without its general
/// path. The usage path runs on these; `None` sends the caller to `rust_decimal`.
#[inline]
fn same_scale(a: Decimal, b: Decimal, negate_b: bool) -> Option<Decimal> {
    let (na, sa, ma) = unpack(a);
    let (nb, sb, mb) = unpack(b);
    if sa != sb {
        return None;
    }
    let nb = nb != negate_b;
    // Magnitudes are below 2^96, so neither the sum nor the difference wraps.
    let (negative, m) = if na == nb {
        (na, ma + mb)
    } else if ma >= mb {
        (na, ma - mb)
    } else {
        (nb, mb - ma)
    };
    if m >> 96 != 0 {
        return None;
    }
    let part = |shift: u32| ((m >> shift) & 0xFFFF_FFFF) as u32;
    Some(Decimal::from_parts(
        part(0),
        part(32),
        part(64),
        negative,
        sa,
    ))
}

/// `a + b`, or [`Overflow`] naming `what`.
#[inline]
pub fn add(a: Decimal, b: Decimal, what: &str) -> Exact<Decimal> {
    match same_scale(a, b, false) {
        Some(s) => Ok(s),
        None => add_slow(a, b, what),
    }
}

/// `a + b` by `rust_decimal`'s general path, kept out of line so the fast path inlines.
#[cold]
#[inline(never)]
fn add_slow(a: Decimal, b: Decimal, what: &str) -> Exact<Decimal> {
    a.checked_add(b).ok_or_else(|| Overflow::new(what))
}

/// `a − b`, or [`Overflow`] naming `what`.
#[inline]
pub fn subtract(a: Decimal, b: Decimal, what: &str) -> Exact<Decimal> {
    match same_scale(a, b, true) {
        Some(s) => Ok(s),
        None => add_slow(a, -b, what),
    }
}

/// `a − b` where the difference is known to fit (units drawn from a balance that holds them):
/// with `0 ≤ b ≤ a` the difference is at most `a`, so `rust_decimal` cannot overflow.
#[inline]
pub fn minus(a: Decimal, b: Decimal) -> Decimal {
    match same_scale(a, b, true) {
        Some(d) => d,
        None => minus_slow(a, b),
    }
}

#[cold]
#[inline(never)]
fn minus_slow(a: Decimal, b: Decimal) -> Decimal {
    a - b
}

/// `a < b`; compares magnitudes when the scales agree (the common case on the usage path).
#[inline]
pub fn less(a: Decimal, b: Decimal) -> bool {
    let (na, sa, ma) = unpack(a);
    let (nb, sb, mb) = unpack(b);
    if sa != sb {
        return less_slow(a, b);
    }
    match (na, nb) {
        (false, false) => ma < mb,
        (true, true) => ma > mb,
        // −x < +y unless both are zero.
        (true, false) => ma != 0 || mb != 0,
        (false, true) => false,
    }
}

#[cold]
#[inline(never)]
fn less_slow(a: Decimal, b: Decimal) -> bool {
    a < b
}

/// `a × b`, exact, or [`Overflow`] naming `what`.
pub fn mul(a: Decimal, b: Decimal, what: &str) -> Exact<Decimal> {
    let p = a.checked_mul(b).ok_or_else(|| Overflow::new(what))?;
    // rust_decimal drops the product's last digits when it needs more than 28 places or 96 bits;
    // that is exact only when every digit dropped is a zero.
    let full = a.scale() + b.scale();
    if p.scale() < full && !dropped_zeros(a, b, full - p.scale()) {
        return Err(Overflow::new(what));
    }
    Ok(p)
}

/// Whether `10^k` divides the product of `a`'s and `b`'s mantissas (so the product's last `k`
/// digits are zeros), counted as factors of 2 and 5 without forming the 192-bit product.
#[cold]
#[inline(never)]
fn dropped_zeros(a: Decimal, b: Decimal, k: u32) -> bool {
    let (ma, mb) = (a.mantissa().unsigned_abs(), b.mantissa().unsigned_abs());
    if ma == 0 || mb == 0 {
        return true;
    }
    let fives = |mut m: u128| {
        let mut n = 0;
        while n < k && m % 5 == 0 {
            m /= 5;
            n += 1;
        }
        n
    };
    ma.trailing_zeros() + mb.trailing_zeros() >= k && fives(ma) + fives(mb) >= k
}

/// `a ÷ b` rounded toward zero to 12 decimal places: the spec's rule for the divisions a report
/// shows (balances and limits counted in uses of a costing feature). A zero `b` or a quotient
/// beyond `Decimal` is [`Overflow`] naming `what`.
pub fn div12(a: Decimal, b: Decimal, what: &str) -> Exact<Decimal> {
    let q = a.checked_div(b).ok_or_else(|| Overflow::new(what))?;
    Ok(q.round_dp_with_strategy(12, RoundingStrategy::ToZero)
        .normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn products_that_would_round_are_refused() {
        assert_eq!(mul(d("1.5"), d("2"), "t"), Ok(d("3.0")));
        assert!(mul(Decimal::MAX, d("2"), "t").is_err());
        // 29 significant digits, which rust_decimal would round to 28: in either order (dividing
        // back by the larger factor cannot tell, the smaller one's last digits lie beyond 28
        // places).
        let (small, big) = (d("0.0000000000077"), d("1234567890123456.123456789012"));
        assert!(mul(big, small, "t").is_err());
        assert!(mul(small, big, "t").is_err());
        // A counterexample to the old check (found by the property below): 33 digits whose
        // last five are not all zeros.
        assert!(mul(d("1545326304552563.894"), d("6886147093700.00"), "t").is_err());
        // Far below the smallest Decimal: rounded to zero, so refused.
        assert!(mul(d("1e-20"), d("1e-20"), "t").is_err());
        // 29 places whose last digit is a zero: dropping it is exact.
        assert_eq!(
            mul(d("0.5000000000000000000000000000"), d("0.2"), "t"),
            Ok(d("0.1"))
        );
    }

    #[test]
    fn divisions_round_toward_zero_at_12_places() {
        assert_eq!(div12(d("10"), d("3"), "t"), Ok(d("3.333333333333")));
        assert_eq!(div12(d("-10"), d("3"), "t"), Ok(d("-3.333333333333")));
        assert_eq!(div12(d("2"), d("3"), "t"), Ok(d("0.666666666666")));
        assert_eq!(div12(d("12"), d("3"), "t"), Ok(d("4")));
        assert!(div12(d("1"), Decimal::ZERO, "t").is_err());
    }

    fn decimal() -> impl proptest::strategy::Strategy<Value = Decimal> {
        use proptest::prelude::*;
        // Small and huge mantissas, scales that agree often and sometimes not.
        (
            prop_oneof![-1_000_000i128..1_000_000, any::<i128>()],
            prop_oneof![Just(0u32), Just(2), 0u32..=28],
        )
            .prop_map(|(m, scale)| {
                let m = m % (1i128 << 96);
                Decimal::try_from_i128_with_scale(m, scale).unwrap_or(Decimal::ZERO)
            })
    }

    proptest::proptest! {
        /// A product is refused exactly when `Decimal` cannot hold it: checked against the
        /// product of mantissas below 2^63, exact in a u128.
        #[test]
        fn products_are_exact_or_refused(
            (ma, sa) in (0u64..1 << 63, 0u32..=28),
            (mb, sb) in (0u64..1 << 63, 0u32..=28),
            zeros in 0u32..6,
            negative: bool,
        ) {
            let mb = mb / 10u64.pow(zeros) * 10u64.pow(zeros);
            let a = Decimal::from_i128_with_scale(i128::from(ma), sa);
            let b = Decimal::from_i128_with_scale(if negative { -i128::from(mb) } else { i128::from(mb) }, sb);
            let exact = u128::from(ma) * u128::from(mb);
            let held = match a.checked_mul(b) {
                None => false,
                Some(p) => 10u128
                    .checked_pow(sa + sb - p.scale())
                    .and_then(|f| p.mantissa().unsigned_abs().checked_mul(f))
                    == Some(exact),
            };
            match mul(a, b, "t") {
                Ok(p) => {
                    proptest::prop_assert!(held);
                    proptest::prop_assert_eq!(Some(p), a.checked_mul(b));
                }
                Err(_) => proptest::prop_assert!(!held),
            }
        }

        #[test]
        fn the_fast_paths_agree_with_rust_decimal(a in decimal(), b in decimal()) {
            let same = |x: Exact<Decimal>, y: Option<Decimal>| match (x, y) {
                (Ok(x), Some(y)) => x == y && x.scale() == y.scale(),
                (Err(_), None) => true,
                _ => false,
            };
            proptest::prop_assert!(same(add(a, b, "t"), a.checked_add(b)));
            proptest::prop_assert!(same(subtract(a, b, "t"), a.checked_sub(b)));
            proptest::prop_assert_eq!(less(a, b), a < b);
            if let Some(d) = a.checked_sub(b) {
                proptest::prop_assert_eq!(minus(a, b), d);
            }
        }
    }
}
