//! Words for people: grouped numbers, nouns from feature titles, billing periods. Shared by the
//! pricing page and the diff; money is shown by [`crate::money::display`].
//!
//! Invariant: every number is formatted from an exact [`Decimal`]; nothing is rounded.

use crate::ir::{Feature, Interval};
use rust_decimal::Decimal;

/// A number with thousands separators, exactly as its scale says: `10000` → `10,000`,
/// `1234.5` → `1,234.5` (IR decimals are normalized, so no trailing zeros appear); the grouping
/// money is shown with.
pub use crate::money::grouped as number;

/// An integer count with thousands separators.
pub fn count(n: u64) -> String {
    number(Decimal::from(n))
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
