//! Currencies: ISO 4217 codes (from the `iso_currency` tables) with Stripe's minor units.
//!
//! Invariant: money in the JSON form and the IR is in minor units; `exponent` is the number of
//! decimal digits of the minor unit as Stripe's API uses it, which departs from ISO 4217 for a
//! few currencies (Stripe bills ISK in two decimals and MGA in none).

use iso_currency::Currency as Iso;

/// Stripe's departures from ISO 4217 minor units: (lower-case code, exponent).
const STRIPE_EXPONENTS: &[(&str, u32)] = &[("isk", 2), ("mga", 0)];

/// A known currency: its lower-case code, minor-unit exponent and symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyInfo {
    pub code: String,
    pub exponent: u32,
    pub symbol: String,
    pub name: String,
}

/// Look a code up, case-insensitively. `None` for unknown codes and for ISO codes without a
/// minor unit (precious metals, testing codes), which cannot price anything.
pub fn lookup(code: &str) -> Option<CurrencyInfo> {
    let iso = Iso::from_code(&code.to_ascii_uppercase())?;
    let lower = code.to_ascii_lowercase();
    let exponent = STRIPE_EXPONENTS
        .iter()
        .find(|(c, _)| *c == lower)
        .map(|(_, e)| *e)
        .or_else(|| iso.exponent().map(u32::from))?;
    Some(CurrencyInfo {
        code: lower,
        exponent,
        symbol: iso.symbol().to_string(),
        name: iso.name().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponents_follow_stripe() {
        let e = |c: &str| lookup(c).map(|i| i.exponent);
        assert_eq!(e("usd"), Some(2));
        assert_eq!(e("JPY"), Some(0));
        assert_eq!(e("bhd"), Some(3));
        assert_eq!(e("isk"), Some(2));
        assert_eq!(e("mga"), Some(0));
        assert_eq!(e("xau"), None);
        assert_eq!(e("usdx"), None);
        assert_eq!(lookup("Usd").map(|i| i.code), Some("usd".to_string()));
    }
}
