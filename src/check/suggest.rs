//! "Did you mean": the closest known word to a misspelled one.
//!
//! Invariant: a case-only mismatch is always suggested (keys are case-sensitive, tier's decoder
//! was not); otherwise only candidates within a small edit distance are.

/// The known word closest to `word`, if any is close enough.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(word)) {
        return Some(k);
    }
    let lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    known
        .iter()
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
    fn lists_words() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
