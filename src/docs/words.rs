//! Words for people: exact money in major units, grouped numbers, nouns from feature titles,
//! billing periods. Shared by the pricing page and the diff.
//!
//! Invariant: every amount is formatted from an exact [`Decimal`]; nothing is rounded. A value
//! that cannot be held exactly (only possible near `Decimal`'s limits) falls back to minor units
//! written out, never to an approximation.

use crate::ir::{Currency, Feature, Interval};
use rust_decimal::Decimal;

/// `10^exp` as a Decimal (`None` beyond Decimal's range).
pub fn pow10(exp: u32) -> Option<Decimal> {
    let mut v = Decimal::ONE;
    for _ in 0..exp {
        v = v.checked_mul(Decimal::TEN)?;
    }
    Some(v)
}

/// A number with thousands separators, exactly as its scale says: `10000` → `10,000`,
/// `1234.5` → `1,234.5` (IR decimals are normalized, so no trailing zeros appear).
pub fn number(d: Decimal) -> String {
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

/// An integer count with thousands separators.
pub fn count(n: u64) -> String {
    number(Decimal::from(n))
}

/// The symbol to write before an amount: `$`, `€`, `¥`, `CA$` for other dollars, or the upper-case
/// code followed by a space when the currency has no symbol of its own in Latin script.
pub fn symbol(currency: &Currency) -> String {
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

/// Minor units → major units, exactly (`None` only beyond Decimal's range).
pub fn to_major(minor: Decimal, currency: &Currency) -> Option<Decimal> {
    minor
        .checked_div(pow10(currency.exponent)?)
        .map(|d| d.normalize())
}

/// Money in major units with the currency's symbol, exact: `$0.10`, `$29`, `¥1,500`, `$0.0005`.
/// Whole amounts have no decimals; others show at least the currency's minor digits.
pub fn money(minor: Decimal, currency: &Currency) -> String {
    let Some(major) = to_major(minor, currency) else {
        return format!("{} {} minor units", number(minor), currency.code);
    };
    let mut shown = major;
    if major.fract() != Decimal::ZERO && major.scale() < currency.exponent {
        shown.rescale(currency.exponent);
    }
    format!("{}{}", symbol(currency), number(shown))
}

/// How people name a feature's unit: from its title, lower-cased unless it starts with an
/// acronym, with a naive English singular and plural (`Credits` → credit/credits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noun {
    pub singular: String,
    pub plural: String,
}

impl Noun {
    pub fn of(feature: &Feature) -> Noun {
        let base = if feature.title == feature.id || feature.title.trim().is_empty() {
            feature
                .id
                .strip_prefix("feature:")
                .unwrap_or(&feature.id)
                .replace(':', " ")
        } else {
            feature.title.trim().to_string()
        };
        Noun::from_title(&base)
    }

    pub fn from_title(title: &str) -> Noun {
        let first_word = title.split_whitespace().next().unwrap_or("");
        let acronym = first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
            && first_word
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase);
        let text = if acronym {
            title.to_string()
        } else {
            let mut chars = title.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        };
        let lower = text.to_lowercase();
        // `GB stored`, `minutes used`: a participle after the noun; the noun takes the plural.
        if let Some((head, last)) = text.rsplit_once(' ') {
            if last.ends_with("ed") && last.len() > 3 && !head.is_empty() {
                let noun = Noun::from_title(head);
                return Noun {
                    singular: format!("{} {last}", noun.singular),
                    plural: format!("{} {last}", noun.plural),
                };
            }
        }
        let all_caps = text.chars().filter(|c| c.is_alphabetic()).count() > 1
            && text
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase);
        if all_caps && !text.contains(' ') {
            // Unit symbols (`GB`, `TB`) read the same in the plural.
            return Noun {
                singular: text.clone(),
                plural: text,
            };
        }
        if lower.ends_with("ss") || !lower.ends_with('s') {
            Noun {
                plural: plural_of(&text),
                singular: text,
            }
        } else {
            let singular = if lower.ends_with("ies") {
                format!("{}y", &text[..text.len() - 3])
            } else if lower.ends_with("sses") || lower.ends_with("xes") || lower.ends_with("ches") {
                text[..text.len() - 2].to_string()
            } else {
                text[..text.len() - 1].to_string()
            };
            Noun {
                singular,
                plural: text,
            }
        }
    }

    /// The noun agreeing with `n`: singular only for exactly 1.
    pub fn for_amount(&self, n: Decimal) -> &str {
        if n == Decimal::ONE {
            &self.singular
        } else {
            &self.plural
        }
    }

    /// `3 credits`, `1 credit`, `10,000 words`.
    pub fn count(&self, n: Decimal) -> String {
        format!("{} {}", number(n), self.for_amount(n))
    }

    /// The last word of the plural, to refer back to the unit: `sessions` for `personal
    /// training sessions`.
    pub fn short(&self) -> &str {
        self.plural.rsplit(' ').next().unwrap_or(&self.plural)
    }

    /// `a report`, `an export`.
    pub fn with_article(&self) -> String {
        format!("{} {}", article(&self.singular), self.singular)
    }
}

fn plural_of(word: &str) -> String {
    let lower = word.to_lowercase();
    let consonant_y = lower.ends_with('y')
        && !matches!(
            lower.chars().rev().nth(1),
            Some('a' | 'e' | 'i' | 'o' | 'u')
        );
    if consonant_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        format!("{word}es")
    } else if word.is_empty() {
        String::from("units")
    } else {
        format!("{word}s")
    }
}

/// `a` or `an` before a word (by its first letter; acronyms by how their letter sounds).
pub fn article(word: &str) -> &'static str {
    let first = word.chars().next().unwrap_or('x');
    let acronym = word.chars().take(2).all(|c| c.is_ascii_uppercase()) && word.len() > 1;
    let vowel_sound = if acronym {
        "AEFHILMNORSX".contains(first)
    } else {
        "aeiouAEIOU".contains(first)
    };
    if vowel_sound {
        "an"
    } else {
        "a"
    }
}

/// The billing period as a noun: `month`.
pub fn period(interval: Interval) -> &'static str {
    match interval {
        Interval::Daily => "day",
        Interval::Weekly => "week",
        Interval::Monthly => "month",
        Interval::Yearly => "year",
    }
}

/// `month`, `3 months`.
pub fn periods(interval: Interval, n: u64) -> String {
    if n == 1 {
        period(interval).to_string()
    } else {
        format!("{} {}s", count(n), period(interval))
    }
}

/// `a month`, `every 2 months`.
pub fn per_periods(interval: Interval, n: u64) -> String {
    if n == 1 {
        format!("a {}", period(interval))
    } else {
        format!("every {}", periods(interval, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn money_is_exact_in_major_units() {
        let usd = cur("usd", 2);
        assert_eq!(money(d("10"), &usd), "$0.10");
        assert_eq!(money(d("2900"), &usd), "$29");
        assert_eq!(money(d("1050"), &usd), "$10.50");
        assert_eq!(money(d("0.05"), &usd), "$0.0005");
        assert_eq!(money(d("123456789"), &usd), "$1,234,567.89");
        assert_eq!(money(d("1500"), &cur("jpy", 0)), "¥1,500");
        assert_eq!(money(d("1500"), &cur("eur", 2)), "€15");
        assert_eq!(money(d("1500"), &cur("cad", 2)), "CA$15");
        assert_eq!(money(d("1234"), &cur("bhd", 3)), "BHD 1.234");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(d("10000")), "10,000");
        assert_eq!(number(d("1234.5")), "1,234.5");
        assert_eq!(number(d("0.5")), "0.5");
        assert_eq!(number(d("100")), "100");
        assert_eq!(number(d("-1000")), "-1,000");
    }

    #[test]
    fn nouns_come_from_titles() {
        let n = Noun::from_title("Credits");
        assert_eq!(
            (n.singular.as_str(), n.plural.as_str()),
            ("credit", "credits")
        );
        let n = Noun::from_title("API calls");
        assert_eq!(n.count(d("1")), "1 API call");
        let n = Noun::from_title("Personal training session");
        assert_eq!(n.count(d("0.5")), "0.5 personal training sessions");
        assert_eq!(Noun::from_title("Report").with_article(), "a report");
        assert_eq!(Noun::from_title("Export").with_article(), "an export");
        assert_eq!(Noun::from_title("Query").plural, "queries");
        assert_eq!(Noun::from_title("Address").plural, "addresses");
        assert_eq!(Noun::from_title("GB stored").count(d("2")), "2 GB stored");
        assert_eq!(
            Noun::from_title("Minutes used").count(d("1")),
            "1 minute used"
        );
    }

    #[test]
    fn periods_read_as_words() {
        assert_eq!(per_periods(Interval::Monthly, 1), "a month");
        assert_eq!(per_periods(Interval::Weekly, 2), "every 2 weeks");
        assert_eq!(periods(Interval::Yearly, 3), "3 years");
    }
}
