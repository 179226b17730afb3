//! Tier arithmetic for one period — `divide`, graduated and volume bands, the line's one
//! rounding — shared by the evaluator (invoices, `quote`) and the pricing page's curves.
//!
//! Invariant: every product, sum and difference is exact ([`crate::exact`]; an intermediate
//! that cannot be held is [`Overflow`], never rounded); a line is rounded once, by
//! [`round_line`]; the page's [`exact_amount`] is the same computation without that rounding.

use crate::exact::{add, mul, subtract, Exact, Overflow};
use crate::ir::{Feature, Mode, Rounding, Tier};
use crate::money::round_line;

use rust_decimal::Decimal;

/// One tier's share of a priced quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    /// The previous tier's `upto` (exclusive), 0 for the first tier.
    pub from: u64,
    /// This tier's `upto` (inclusive); `None` for the last tier.
    pub to: Option<u64>,
    pub quantity: Decimal,
    pub price: Decimal,
    pub base: Decimal,
    /// Exact: `quantity × price + base`.
    pub amount: Decimal,
}

/// A priced quantity: the billable quantity (after `divide`), its bands and the rounded amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub billable: Decimal,
    pub bands: Vec<Band>,
    /// Exact sum of the band amounts.
    pub exact: Decimal,
    /// [`round_line`] of `exact`.
    pub amount: Decimal,
}

/// Apply `divide` to an uncovered quantity: whole divided units, rounded up or down.
pub fn divide(f: &Feature, q: Decimal) -> Exact<Decimal> {
    match &f.divide {
        None => Ok(q),
        Some(d) => {
            let x = q
                .checked_div(Decimal::from(d.by))
                .ok_or_else(|| Overflow::new(&f.id))?;
            Ok(match d.rounding {
                Rounding::Up => x.ceil(),
                Rounding::Down => x.floor(),
            }
            .normalize())
        }
    }
}

/// Price an uncovered quantity `q` (raw, before `divide`) of a metered feature.
pub fn price_feature(f: &Feature, q: Decimal) -> Exact<Priced> {
    let q = divide(f, q.max(Decimal::ZERO))?;
    price_tiers(&f.tiers, f.mode, q, &f.id)
}

/// The exact, unrounded amount in minor units for an uncovered quantity `q` of a metered
/// feature, or `None` when an intermediate cannot be held exactly: a price curve's point (the
/// page draws exact values and leaves out what it cannot compute, rather than rounding).
pub fn exact_amount(f: &Feature, q: Decimal) -> Option<Decimal> {
    price_feature(f, q).ok().map(|p| p.exact)
}

/// Price quantity `q ≥ 0` through `tiers` (the last band extends without bound).
pub fn price_tiers(tiers: &[Tier], mode: Mode, q: Decimal, what: &str) -> Exact<Priced> {
    let mut bands = Vec::with_capacity(tiers.len());
    let last = tiers.len().saturating_sub(1);
    let mut from = 0u64;
    for (i, t) in tiers.iter().enumerate() {
        let lower = Decimal::from(from);
        let to = if i == last { None } else { t.upto };
        match mode {
            Mode::Graduated => {
                if i > 0 && q <= lower {
                    break;
                }
                let top = to.map_or(q, |u| q.min(Decimal::from(u)));
                bands.push(band(t, from, to, subtract(top, lower, what)?, what)?);
            }
            Mode::Volume => {
                let fits = to.is_none_or(|u| q <= Decimal::from(u));
                if fits {
                    bands.push(band(t, from, to, q, what)?);
                    break;
                }
            }
        }
        from = t.upto.unwrap_or(from);
    }
    let mut exact = Decimal::ZERO;
    for b in &bands {
        exact = add(exact, b.amount, what)?;
    }
    Ok(Priced {
        billable: q.normalize(),
        bands,
        exact: exact.normalize(),
        amount: round_line(exact),
    })
}

fn band(t: &Tier, from: u64, to: Option<u64>, quantity: Decimal, what: &str) -> Exact<Band> {
    let amount = add(mul(quantity, t.price, what)?, t.base, what)?;
    Ok(Band {
        from,
        to,
        quantity: quantity.normalize(),
        price: t.price,
        base: t.base,
        amount: amount.normalize(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn tier(upto: Option<u64>, price: &str, base: &str) -> Tier {
        Tier {
            upto,
            price: d(price),
            base: d(base),
        }
    }

    /// Stripe's tier example: upto 5 @500, 10 @400, 15 @300, 20 @200, unbounded @100.
    fn stripe() -> Vec<Tier> {
        vec![
            tier(Some(5), "500", "0"),
            tier(Some(10), "400", "0"),
            tier(Some(15), "300", "0"),
            tier(Some(20), "200", "0"),
            tier(None, "100", "0"),
        ]
    }

    fn amount(tiers: &[Tier], mode: Mode, q: &str) -> Decimal {
        price_tiers(tiers, mode, d(q), "t").unwrap().amount
    }

    #[test]
    fn stripe_volume_and_graduated() {
        let t = stripe();
        for (q, want) in [
            ("5", 2500),
            ("6", 2400),
            ("25", 2500),
            ("0", 0),
            ("20", 4000),
        ] {
            assert_eq!(
                amount(&t, Mode::Volume, q),
                Decimal::from(want),
                "volume q={q}"
            );
        }
        for (q, want) in [("6", 2900), ("5", 2500), ("0", 0), ("25", 7500)] {
            assert_eq!(
                amount(&t, Mode::Graduated, q),
                Decimal::from(want),
                "grad q={q}"
            );
        }
    }

    #[test]
    fn half_cent_rounds_away_from_zero() {
        let t = vec![tier(None, "0.05", "0")];
        assert_eq!(amount(&t, Mode::Graduated, "30"), Decimal::from(2));
        assert_eq!(amount(&t, Mode::Graduated, "10"), Decimal::from(1));
        assert_eq!(amount(&t, Mode::Graduated, "9"), Decimal::ZERO);
    }

    #[test]
    fn first_tier_base_is_charged_at_zero() {
        let t = vec![tier(Some(10), "0", "1000"), tier(None, "50", "200")];
        let p = price_tiers(&t, Mode::Graduated, Decimal::ZERO, "t").unwrap();
        assert_eq!(p.amount, d("1000"));
        assert_eq!(p.bands.len(), 1);
        assert_eq!(p.bands[0].quantity, Decimal::ZERO);
        let p = price_tiers(&t, Mode::Graduated, d("10.5"), "t").unwrap();
        assert_eq!(p.exact, d("1225"));
        assert_eq!(p.bands[1].from, 10);
        assert_eq!(p.bands[1].to, None);
        let v = price_tiers(&t, Mode::Volume, d("11"), "t").unwrap();
        assert_eq!(v.exact, d("750"));
        assert_eq!(v.bands.len(), 1);
        assert_eq!(v.bands[0].from, 10);
    }

    #[test]
    fn bounded_last_tier_prices_beyond_its_upto() {
        let t = vec![tier(Some(100), "10", "0"), tier(Some(200), "5", "0")];
        let p = price_tiers(&t, Mode::Graduated, d("250"), "t").unwrap();
        assert_eq!(p.bands[1].quantity, d("150"));
        assert_eq!(p.bands[1].to, None);
        assert_eq!(p.amount, d("1750"));
        let v = price_tiers(&t, Mode::Volume, d("250"), "t").unwrap();
        assert_eq!(v.amount, d("1250"));
    }

    #[test]
    fn volume_grant_example_from_the_spec() {
        // 50 granted, 120 used: 70 are billed at 10.
        let t = vec![tier(Some(100), "10", "0"), tier(None, "5", "0")];
        assert_eq!(amount(&t, Mode::Volume, "70"), d("700"));
    }

    /// Public worked examples, in cents: (source, mode, tiers (upto, price, base), q, total).
    #[test]
    fn published_examples() {
        type Case<'a> = (&'a str, Mode, Vec<Tier>, &'a str, i64);
        let cases: Vec<Case> = vec![
            // Lago, volume charge model: 0.0010/0.0008/0.0006/0.0004 $ per call with a $10 fee
            // per tier; 65,000 calls cost 65,000 × $0.0006 + $10 = $49.
            (
                "lago volume",
                Mode::Volume,
                vec![
                    tier(Some(10_000), "0.1", "1000"),
                    tier(Some(50_000), "0.08", "1000"),
                    tier(Some(100_000), "0.06", "1000"),
                    tier(None, "0.04", "1000"),
                ],
                "65000",
                4900,
            ),
            // Lago, graduated: $1 for the first 100 calls, $0.50 for the next 100, $0.10 beyond.
            (
                "lago graduated",
                Mode::Graduated,
                vec![
                    tier(Some(100), "100", "0"),
                    tier(Some(200), "50", "0"),
                    tier(None, "10", "0"),
                ],
                "250",
                15_500,
            ),
            // OpenMeter-style rate card (Zuplo's pricing models): 1,000 at $0.10, to 10,000 at
            // $0.05, beyond at $0.01; 15,000 units: $600 graduated, $150 volume.
            (
                "openmeter graduated",
                Mode::Graduated,
                vec![
                    tier(Some(1000), "10", "0"),
                    tier(Some(10_000), "5", "0"),
                    tier(None, "1", "0"),
                ],
                "15000",
                60_000,
            ),
            (
                "openmeter volume",
                Mode::Volume,
                vec![
                    tier(Some(1000), "10", "0"),
                    tier(Some(10_000), "5", "0"),
                    tier(None, "1", "0"),
                ],
                "15000",
                15_000,
            ),
            // Autumn, graduated: 1,000 at $0.01, to 10,000 at $0.008, beyond at $0.005: $107.
            (
                "autumn graduated",
                Mode::Graduated,
                vec![
                    tier(Some(1000), "1", "0"),
                    tier(Some(10_000), "0.8", "0"),
                    tier(None, "0.5", "0"),
                ],
                "15000",
                10_700,
            ),
        ];
        for (name, mode, tiers, q, want) in cases {
            assert_eq!(amount(&tiers, mode, q), Decimal::from(want), "{name}");
        }
    }

    /// Stripe's `transform_quantity`: divide usage by `divide_by`, then round up or down.
    #[test]
    fn stripe_transform_quantity() {
        let feature = |by: u64, rounding: Rounding| Feature {
            id: "feature:x".into(),
            title: "x".into(),
            kind: crate::ir::FeatureKind::Balance,
            base: Decimal::ZERO,
            mode: Mode::Graduated,
            aggregate: crate::ir::Aggregate::Sum,
            tiers: vec![tier(None, "500", "0")],
            divide: Some(crate::ir::Divide { by, rounding }),
            grants: vec![],
            overage: Some(crate::ir::Overage::Bill),
            cost: None,
        };
        let up = feature(1000, Rounding::Up);
        let down = feature(1000, Rounding::Down);
        for (q, u, dn) in [
            ("0", 0, 0),
            ("1", 1, 0),
            ("1000", 1, 1),
            ("1001", 2, 1),
            ("1999", 2, 1),
            ("2000.5", 3, 2),
        ] {
            assert_eq!(divide(&up, d(q)), Ok(Decimal::from(u)), "up {q}");
            assert_eq!(divide(&down, d(q)), Ok(Decimal::from(dn)), "down {q}");
        }
        // 1,001 calls at $5 per started 1,000: $10.
        assert_eq!(price_feature(&up, d("1001")).unwrap().amount, d("1000"));
    }

    fn metered(mode: Mode, tiers: Vec<Tier>) -> Feature {
        Feature {
            id: "feature:x".into(),
            title: "x".into(),
            kind: crate::ir::FeatureKind::Balance,
            base: Decimal::ZERO,
            mode,
            aggregate: crate::ir::Aggregate::Sum,
            tiers,
            divide: None,
            grants: vec![],
            overage: Some(crate::ir::Overage::Bill),
            cost: None,
        }
    }

    /// What the pricing page plots: the exact sum before the line's rounding, or nothing.
    #[test]
    fn the_page_gets_exact_amounts_or_none() {
        let g = metered(
            Mode::Graduated,
            vec![tier(Some(10), "1", "100"), tier(None, "2", "50")],
        );
        assert_eq!(exact_amount(&g, d("0")), Some(d("100")));
        assert_eq!(exact_amount(&g, d("10")), Some(d("110")));
        assert_eq!(exact_amount(&g, d("11")), Some(d("162")));
        let half_cents = metered(Mode::Graduated, vec![tier(None, "0.05", "0")]);
        assert_eq!(exact_amount(&half_cents, d("30")), Some(d("1.5")));
        let v = metered(Mode::Volume, stripe());
        assert_eq!(exact_amount(&v, d("6")), Some(d("2400")));
        let huge = metered(
            Mode::Volume,
            vec![tier(None, "79228162514264337593543950335", "0")],
        );
        assert_eq!(exact_amount(&huge, d("10")), None);
        let tiny = metered(Mode::Volume, vec![tier(None, "0.0000000000077", "0")]);
        assert_eq!(
            exact_amount(&tiny, d("1234567890123456.123456789012")),
            None
        );
    }

    #[test]
    fn overflow_is_reported_not_rounded() {
        let t = vec![tier(None, "79228162514264337593543950335", "0")];
        assert!(price_tiers(&t, Mode::Graduated, d("2"), "feature:x").is_err());
        let t = vec![tier(None, "0.0000000000077", "0")];
        let r = price_tiers(&t, Mode::Graduated, d("1234567890123456.123456789012"), "x");
        assert!(r.is_err());
    }
}
