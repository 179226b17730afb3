//! "Did you mean": the closest known word to a misspelled one.
//!
//! Invariant: a case-only mismatch is always suggested (keys are case-sensitive, tier's decoder
//! was not); otherwise only candidates within a small edit distance are.

/// Words longer than this get only the case-only suggestion: the edit distance costs the product
/// of the two lengths, and a long word that is not a known one is not a typo of it.
const MAX_TYPO_LEN: usize = 64;

/// The known word closest to `word`, if any is close enough.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(word)) {
        return Some(k);
    }
    let len = word.chars().count();
    if len > MAX_TYPO_LEN {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    let limit = (len / 3).clamp(1, 3);
    known
        .iter()
        // The lengths' difference is a lower bound of the distance.
        .filter(|k| k.chars().count().abs_diff(len) <= limit)
        .map(|k| {
            (
                strsim::damerau_levenshtein(&lower, &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The known id closest to a reference, also trying it with the id's prefix (`credits` for
/// `feature:credits`).
pub fn reference<'a>(word: &str, prefix: &str, known: &[&'a str]) -> Option<&'a str> {
    closest(word, known).or_else(|| {
        let prefixed = format!("{prefix}{word}");
        closest(&prefixed, known)
    })
}

/// "`a`, `b` or `c`".
pub fn list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words() {
        let keys = ["upto", "price", "base"];
        assert_eq!(closest("prise", &keys), Some("price"));
        assert_eq!(closest("Price", &keys), Some("price"));
        assert_eq!(closest("UPTO", &keys), Some("upto"));
        assert_eq!(closest("up_to", &keys), Some("upto"));
        assert_eq!(closest("zzzzzz", &keys), None);
        assert_eq!(closest("x", &keys), None);
    }

    #[test]
    fn long_words_are_not_compared_letter_by_letter() {
        let long = "a".repeat(MAX_TYPO_LEN + 1);
        let close = format!("{long}b");
        assert_eq!(closest(&long, &[close.as_str()]), None);
        assert_eq!(
            closest(&long.to_uppercase(), &[long.as_str()]),
            Some(long.as_str())
        );
    }

    #[test]
    fn references_without_their_prefix() {
        let ids = ["feature:credits", "feature:seats"];
        assert_eq!(
            reference("credits", "feature:", &ids),
            Some("feature:credits")
        );
        assert_eq!(
            reference("feature:seat", "feature:", &ids),
            Some("feature:seats")
        );
        assert_eq!(reference("words", "feature:", &ids), None);
    }

    #[test]
    fn lists_words() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
