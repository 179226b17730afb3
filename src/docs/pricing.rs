//! One period's price of a metered feature, exactly, for the price curve.
//!
//! This is `pricing-json.md`'s arithmetic (divide, graduated/volume bands, the last band
//! extending without bound) restricted to what a pricing page shows: the cost of a period's usage
//! given the amount included every period. It never rounds (the curve is drawn from exact
//! values) and returns `None` instead of overflowing.

use crate::ir::{Feature, Mode, Rounding, Schedule};
use rust_decimal::Decimal;

/// Amount in minor units for `q` billable (uncovered, undivided) units of `feature`.
pub fn tiers_amount(feature: &Feature, q: Decimal) -> Option<Decimal> {
    let q = match &feature.divide {
        Some(div) => {
            let units = q.checked_div(Decimal::from(div.by))?;
            match div.rounding {
                Rounding::Up => units.ceil(),
                Rounding::Down => units.floor(),
            }
        }
        None => q,
    };
    match feature.mode {
        Mode::Graduated => graduated(feature, q),
        Mode::Volume => volume(feature, q),
    }
}

fn graduated(feature: &Feature, q: Decimal) -> Option<Decimal> {
    let mut total = Decimal::ZERO;
    let mut lower = Decimal::ZERO;
    let last = feature.tiers.len().saturating_sub(1);
    for (i, tier) in feature.tiers.iter().enumerate() {
        if i > 0 && q <= lower {
            break;
        }
        let upper = match tier.upto {
            Some(u) if i < last => Decimal::from(u),
            _ => q.max(lower),
        };
        let units = q.min(upper).checked_sub(lower)?.max(Decimal::ZERO);
        total = total
            .checked_add(units.checked_mul(tier.price)?)?
            .checked_add(tier.base)?;
        lower = upper;
    }
    Some(total)
}

fn volume(feature: &Feature, q: Decimal) -> Option<Decimal> {
    let last = feature.tiers.len().saturating_sub(1);
    let tier = feature
        .tiers
        .iter()
        .enumerate()
        .find(|(i, t)| *i == last || t.upto.is_some_and(|u| q <= Decimal::from(u)))
        .map(|(_, t)| t)?;
    q.checked_mul(tier.price)?.checked_add(tier.base)
}

/// Units included every period: the sum of the feature's grants issued every period.
pub fn included_per_period(feature: &Feature) -> Decimal {
    feature
        .grants
        .iter()
        .filter(|g| g.schedule == Schedule::Every(1))
        .map(|g| g.amount)
        .sum()
}

/// Cost in minor units of using `used` units in a period that starts with `included` units
/// of blocks: blocks cover usage beyond the cap (or from the first unit when uncapped), and the
/// rest is priced by the tiers as if it were the whole period's usage.
pub fn period_cost(feature: &Feature, included: Decimal, used: Decimal) -> Option<Decimal> {
    let from = feature.cap().map_or(Decimal::ZERO, Decimal::from);
    let covered = used.checked_sub(from)?.max(Decimal::ZERO).min(included);
    tiers_amount(feature, used.checked_sub(covered)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Aggregate, Divide, FeatureKind, Grant, Overage, Rollover, Tier};

    fn tier(upto: Option<u64>, price: i64, base: i64) -> Tier {
        Tier {
            upto,
            price: Decimal::from(price),
            base: Decimal::from(base),
        }
    }

    fn feature(mode: Mode, tiers: Vec<Tier>) -> Feature {
        Feature {
            id: "feature:x".into(),
            title: "X".into(),
            kind: FeatureKind::Balance,
            base: Decimal::ZERO,
            mode,
            aggregate: Aggregate::Sum,
            tiers,
            divide: None,
            grants: vec![],
            overage: Some(Overage::Bill),
            cost: None,
        }
    }

    fn stripe_tiers() -> Vec<Tier> {
        vec![
            tier(Some(5), 500, 0),
            tier(Some(10), 400, 0),
            tier(Some(15), 300, 0),
            tier(Some(20), 200, 0),
            tier(None, 100, 0),
        ]
    }

    #[test]
    fn stripe_examples_from_the_spec() {
        let v = feature(Mode::Volume, stripe_tiers());
        assert_eq!(tiers_amount(&v, 5.into()), Some(2500.into()));
        assert_eq!(tiers_amount(&v, 6.into()), Some(2400.into()));
        assert_eq!(tiers_amount(&v, 25.into()), Some(2500.into()));
        let g = feature(Mode::Graduated, stripe_tiers());
        assert_eq!(tiers_amount(&g, 6.into()), Some(2900.into()));
    }

    #[test]
    fn first_tier_base_is_charged_at_zero_and_bases_once_reached() {
        let g = feature(
            Mode::Graduated,
            vec![tier(Some(10), 1, 100), tier(None, 2, 50)],
        );
        assert_eq!(tiers_amount(&g, 0.into()), Some(100.into()));
        assert_eq!(tiers_amount(&g, 10.into()), Some(110.into()));
        assert_eq!(tiers_amount(&g, 11.into()), Some(162.into()));
    }

    #[test]
    fn last_tier_extends_beyond_its_upto_for_pricing() {
        let g = feature(Mode::Graduated, vec![tier(Some(100), 3, 0)]);
        assert_eq!(tiers_amount(&g, 150.into()), Some(450.into()));
    }

    #[test]
    fn divide_rounds_before_pricing() {
        let mut f = feature(Mode::Graduated, vec![tier(None, 10, 0)]);
        f.divide = Some(Divide {
            by: 1000,
            rounding: Rounding::Up,
        });
        assert_eq!(tiers_amount(&f, 1001.into()), Some(20.into()));
        f.divide = Some(Divide {
            by: 1000,
            rounding: Rounding::Down,
        });
        assert_eq!(tiers_amount(&f, 1999.into()), Some(10.into()));
    }

    #[test]
    fn the_gym_seed_bills_half_a_session() {
        let mut f = feature(Mode::Graduated, vec![tier(None, 20000, 0)]);
        f.grants = vec![Grant {
            amount: Decimal::new(5, 1),
            schedule: Schedule::Every(1),
            rollover: Rollover::All,
            expires_after: None,
        }];
        let inc = included_per_period(&f);
        assert_eq!(period_cost(&f, inc, 1.into()), Some(10000.into()));
        assert_eq!(period_cost(&f, inc, Decimal::new(5, 1)), Some(0.into()));
    }

    #[test]
    fn blocks_extend_a_capped_feature_beyond_its_cap() {
        let f = feature(Mode::Graduated, vec![tier(Some(100), 2, 0)]);
        assert_eq!(period_cost(&f, 10.into(), 105.into()), Some(200.into()));
        assert_eq!(period_cost(&f, 10.into(), 115.into()), Some(210.into()));
    }

    #[test]
    fn overflow_is_none_not_a_panic() {
        let mut f = feature(Mode::Volume, vec![tier(None, 0, 0)]);
        f.tiers[0].price = Decimal::MAX;
        assert_eq!(tiers_amount(&f, 10.into()), None);
    }
}
