//! Syntax errors: a pest error → one `text-syntax` diagnostic over the whole file.
//!
//! The message names what was found and lists what the grammar expected there, in the words a
//! user writes (keywords, punctuation, "a number"), never rule names; the help guesses a fix: the
//! nearest keyword ("did you mean `graduated`?") or advice for a few common slips.

use super::Rule;
use crate::diag::Diagnostic;
use crate::source::Span;
use pest::error::{ErrorVariant, InputLocation};

/// What the grammar accepts at a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A keyword or punctuation, written as is.
    Word(&'static str),
    /// A kind of token, described; with the words it may be (for guessing a fix).
    Thing(&'static str, &'static [&'static str]),
}

/// At most this many syntax errors are reported for one file.
const MAX_ERRORS: usize = 20;

/// Every syntax error that can be found without guessing: after each error, when it sits on a
/// line that holds exactly one whole statement (the line starts a statement, holds no brace, and
/// the next line starts another statement or closes the block), that line is blanked and the file
/// parsed again. Anything else stops the search, so no error is an echo of an earlier one.
pub(super) fn syntax_errors(
    text: &str,
    first: &pest::error::Error<Rule>,
    parse: impl Fn(&str) -> Result<(), pest::error::Error<Rule>>,
) -> Vec<Diagnostic> {
    let mut errors = vec![syntax_error(text, first)];
    let mut patched = text.to_string();
    while errors.len() < MAX_ERRORS {
        let Some(last) = errors.last() else { break };
        let Some(line) = whole_statement_line(&patched, last.span.start) else {
            break;
        };
        let blank: String = patched[line.start..line.end]
            .chars()
            .map(|c| " ".repeat(c.len_utf8()))
            .collect();
        patched.replace_range(line.start..line.end, &blank);
        match parse(&patched) {
            Ok(()) => break,
            Err(err) => {
                let next = syntax_error(&patched, &err);
                if next.span.start < line.end {
                    break;
                }
                errors.push(next);
            }
        }
    }
    errors
}

/// The line around `at`, if it holds exactly one whole statement (see [`syntax_errors`]).
fn whole_statement_line(text: &str, at: usize) -> Option<Span> {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[start..end];
    let code = &line[..comment_start(line)];
    if code.contains(['{', '}']) {
        return None;
    }
    let word = |l: &'_ str| -> String {
        l.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let first_word = word(code);
    let error_word = &text[at..token_at(text, at).end];
    if first_word.is_empty()
        || !STATEMENT_KEYWORDS.contains(&first_word.as_str()) && first_word != error_word
    {
        return None;
    }
    let next = text[end..]
        .lines()
        .map(|l| l[..comment_start(l)].trim())
        .find(|l| !l.is_empty());
    let next_starts_statement = match next {
        None => true,
        Some(l) => l.starts_with('}') || STATEMENT_KEYWORDS.contains(&word(l).as_str()),
    };
    next_starts_statement.then_some(Span::new(start, end))
}

fn syntax_error(text: &str, err: &pest::error::Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let pos = pos.min(text.len());
    let found = token_at(text, pos);
    let positives = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { message } => {
            return Diagnostic::error("text-syntax", found, message.to_lowercase());
        }
    };
    let mut expected: Vec<Expect> = Vec::new();
    for rule in positives {
        for e in expects(rule) {
            if !expected.contains(e) {
                expected.push(*e);
            }
        }
    }
    // Closers and ends come last: "expected `per` or `flat`", not "expected `}` or …".
    expected.sort_by_key(|e| match e {
        Expect::Word("}") => 2,
        Expect::Thing("the end of the file", _) => 3,
        _ => 1,
    });
    let found_text = &text[found.start..found.end];
    let found_desc = if found.is_empty() {
        "the end of the file".to_string()
    } else {
        format!("`{}`", show(found_text))
    };
    let digit_at = |i: usize| text.as_bytes().get(i).is_some_and(u8::is_ascii_digit);
    let thousands = found_text == "," && pos > 0 && digit_at(pos - 1) && digit_at(pos + 1);
    let help = if thousands {
        Some("write numbers without thousands separators (`10_000` is allowed)".to_string())
    } else {
        help(found_text, &expected, pos == first_token(text))
    };
    // A statement left unfinished at the end of a line: what follows on the next line (a `}` or
    // the next statement) is fine; point at the end of the unfinished statement instead.
    let previous = previous_token(text, pos);
    let unfinished = previous.is_some_and(|p| text[p.end..pos].contains('\n'))
        && (found_text == "}" || STATEMENT_KEYWORDS.contains(&found_text))
        && !expected.is_empty();
    let unclosed =
        found.is_empty() && expected.contains(&Expect::Word("}")) && unclosed_brace(text).is_some();
    let diag = match previous {
        _ if found_text.starts_with('"') && !found_text.ends_with('"') || found_text == "\"" => {
            Diagnostic::error("text-syntax", found, "unterminated title")
        }
        _ if unclosed => {
            let brace = unclosed_brace(text).unwrap_or(found);
            Diagnostic::error("text-syntax", brace, "this `{` is never closed")
                .with_help("add a `}` where its block ends")
        }
        Some(prev) if unfinished => {
            let prev_text = &text[prev.start..prev.end];
            Diagnostic::error(
                "text-syntax",
                prev,
                format!("expected {} after `{}`", list(&expected), show(prev_text)),
            )
        }
        _ => {
            let message = if expected.is_empty() {
                format!("unexpected {found_desc}")
            } else {
                format!("expected {}, found {found_desc}", list(&expected))
            };
            Diagnostic::error("text-syntax", found, message)
        }
    };
    match help {
        Some(h) if diag.help.is_none() => diag.with_help(h),
        _ => diag,
    }
}

/// The innermost `{` left open at the end of the text (outside titles and comments).
fn unclosed_brace(text: &str) -> Option<Span> {
    let mut open = Vec::new();
    for (line_start, line) in text.split_inclusive('\n').scan(0, |at, l| {
        let start = *at;
        *at += l.len();
        Some((start, l))
    }) {
        for (i, c) in outside_titles(&line[..comment_start(line)]) {
            match c {
                '{' => open.push(line_start + i),
                '}' => {
                    open.pop();
                }
                _ => {}
            }
        }
    }
    open.pop().map(|at| Span::new(at, at + 1))
}

/// User text for a message: as written, with control characters escaped.
fn show(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Words that begin a statement: seeing one on a new line means the line before was unfinished.
const STATEMENT_KEYWORDS: &[&str] = &[
    "plan",
    "currency",
    "daily",
    "weekly",
    "monthly",
    "yearly",
    "feature",
    "base",
    "mode",
    "aggregate",
    "overage",
    "cost",
    "tiers",
    "up",
    "above",
    "price",
    "divide",
    "grant",
    "addon",
    "recharge",
];

/// The span of the last token before `pos` (skipping whitespace and comments), if any. Titles
/// never span lines, so a `#` outside quotes on a line starts its comment.
fn previous_token(text: &str, pos: usize) -> Option<Span> {
    let mut line_end = pos;
    loop {
        let line_start = text[..line_end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[line_start..line_end];
        let code = &line[..comment_start(line)];
        let trimmed = code.trim_end();
        if !trimmed.is_empty() {
            let end = line_start + trimmed.len();
            let last = token_back(trimmed);
            return Some(Span::new(line_start + last, end));
        }
        if line_start == 0 {
            return None;
        }
        line_end = line_start - 1;
    }
}

/// Where the comment of one line starts (its length when it has none).
fn comment_start(line: &str) -> usize {
    outside_titles(line)
        .find(|&(_, c)| c == '#')
        .map_or(line.len(), |(i, _)| i)
}

/// The characters of a line outside its quoted titles (the quotes left out), with their offsets.
fn outside_titles(line: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_title = false;
    let mut escaped = false;
    line.char_indices().filter(move |&(_, c)| match c {
        _ if escaped => {
            escaped = false;
            false
        }
        '\\' if in_title => {
            escaped = true;
            false
        }
        '"' => {
            in_title = !in_title;
            false
        }
        _ => !in_title,
    })
}

/// Where the last token of a line (without trailing space) starts.
fn token_back(code: &str) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, ':' | '@' | '_' | '-' | '.');
    if let Some(body) = code.strip_suffix('"') {
        let mut start = body.len();
        // The opening quote: the last `"` not escaped.
        while let Some(i) = body[..start].rfind('"') {
            let backslashes = body[..i].chars().rev().take_while(|c| *c == '\\').count();
            if backslashes % 2 == 0 {
                return i;
            }
            start = i;
        }
        return 0;
    }
    match code.char_indices().rev().find(|(_, c)| !is_word(*c)) {
        Some((i, c)) if i + c.len_utf8() == code.len() => i,
        Some((i, c)) => i + c.len_utf8(),
        None => 0,
    }
}

/// The token starting at `pos`: a word, a quoted title, or one character (empty at the end).
fn token_at(text: &str, pos: usize) -> Span {
    let rest = &text[pos..];
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, ':' | '@' | '_' | '-' | '.');
    let len = match rest.chars().next() {
        None => 0,
        Some('"') => match rest[1..].find(['"', '\n']) {
            Some(i) if rest[1 + i..].starts_with('"') => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        },
        Some(c) if is_word(c) => rest.find(|c: char| !is_word(c)).unwrap_or(rest.len()),
        Some(c) => c.len_utf8(),
    };
    Span::new(pos, pos + len)
}

/// Where the first token of the file is (after whitespace and comments).
fn first_token(text: &str) -> usize {
    let mut pos = 0;
    loop {
        let rest = &text[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if trimmed.starts_with('#') {
            pos += trimmed.find('\n').unwrap_or(trimmed.len());
        } else {
            return pos;
        }
    }
}

fn list(expected: &[Expect]) -> String {
    let items: Vec<String> = expected
        .iter()
        .map(|e| match e {
            Expect::Word(w) => format!("`{w}`"),
            Expect::Thing(d, _) => (*d).to_string(),
        })
        .collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn help(found: &str, expected: &[Expect], at_start: bool) -> Option<String> {
    let words: Vec<&'static str> = expected
        .iter()
        .flat_map(|e| match e {
            Expect::Word(w) => std::slice::from_ref(w),
            Expect::Thing(_, words) => words,
        })
        .copied()
        .collect();
    let wants = |w: &str| words.contains(&w);
    if at_start && (found.starts_with('{') || found.starts_with("//")) {
        return Some(
            "this looks like the JSON form: name the file `.json`, or convert it with \
             `tariffc convert FILE --to text`"
                .to_string(),
        );
    }
    if let Some(guess) = did_you_mean(found, &words) {
        return Some(format!("did you mean `{guess}`?"));
    }
    let number_expected = expected
        .iter()
        .any(|e| matches!(e, Expect::Thing("a number", _)));
    if number_expected && found.starts_with(['$', '€', '£', '¥']) {
        return Some(
            "write amounts without a currency symbol: the plan's `currency` says which".to_string(),
        );
    }
    if wants(":") && words.len() == 1 {
        return Some("a tier is `up to 100: 0.10 per unit` or `above: 0.05 per unit`".into());
    }
    let name_expected = expected
        .iter()
        .any(|e| matches!(e, Expect::Thing("a name", _)));
    if name_expected && found.starts_with('"') {
        return Some("the name comes first, then the title: `feature api \"API calls\"`".into());
    }
    if wants("every") && wants("on") {
        return Some("a grant is `grant 20 every month` or `grant 20 on signup`".into());
    }
    if wants("per") && wants("flat") {
        return Some(
            "a price is `0.10 per unit`, `5.00 flat`, or both: `0.10 per unit + 5.00 flat`".into(),
        );
    }
    if wants("monthly") && found == "interval" {
        return Some("write the interval on its own: `monthly`".into());
    }
    if found == "title" {
        return Some(
            "a title follows the name, in quotes: `feature api \"API calls\" { … }`".into(),
        );
    }
    if found.starts_with('"') && !found.ends_with('"') || found == "\"" {
        return Some("a title ends with `\"` on the same line".into());
    }
    None
}

/// The expected word closest to what was found, if it is close enough to be a typo.
fn did_you_mean(found: &str, words: &[&'static str]) -> Option<&'static str> {
    if found.is_empty() || !found.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let lower = found.to_lowercase();
    let limit = (found.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'static str)> = None;
    for w in words {
        let d = edit_distance(&lower, w);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, w));
        }
    }
    if best.is_none() && lower.len() >= 3 {
        // A longer or shorter form of a keyword: `maximum` → `max`, `grad` → `graduated`.
        best = words
            .iter()
            .find(|w| w.len() >= 3 && (lower.starts_with(*w) || w.starts_with(lower.as_str())))
            .map(|w| (0, *w));
    }
    best.map(|(_, w)| w)
}

/// Levenshtein distance, with a transposition counting as one edit (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

const NAME: Expect = Expect::Thing("a name", &[]);
const NUMBER: Expect = Expect::Thing("a number", &[]);
const TITLE: Expect = Expect::Thing("a title in double quotes", &[]);
const PERIOD: Expect = Expect::Thing(
    "a period (`month`, `months`, `period`, …)",
    &[
        "day", "days", "week", "weeks", "month", "months", "year", "years", "period", "periods",
    ],
);
const INTERVALS: &[Expect] = &[
    Expect::Word("daily"),
    Expect::Word("weekly"),
    Expect::Word("monthly"),
    Expect::Word("yearly"),
];

/// What a rule begins with, as the user would write it.
fn expects(rule: Rule) -> &'static [Expect] {
    use Expect::Word as W;
    match rule {
        Rule::file | Rule::plan | Rule::kw_plan => &[W("plan")],
        Rule::EOI => &[Expect::Thing("the end of the file", &[])],
        Rule::currency | Rule::kw_currency => &[W("currency")],
        Rule::interval => INTERVALS,
        Rule::kw_daily => &[W("daily")],
        Rule::kw_weekly => &[W("weekly")],
        Rule::kw_monthly => &[W("monthly")],
        Rule::kw_yearly => &[W("yearly")],
        Rule::feature | Rule::kw_feature => &[W("feature")],
        Rule::feature_body | Rule::addon_body | Rule::lbrace => &[W("{")],
        Rule::rbrace => &[W("}")],
        Rule::colon => &[W(":")],
        Rule::comma => &[W(",")],
        Rule::plus => &[W("+")],
        Rule::base | Rule::kw_base => &[W("base")],
        Rule::mode | Rule::kw_mode => &[W("mode")],
        Rule::kw_graduated => &[W("graduated")],
        Rule::kw_volume => &[W("volume")],
        Rule::aggregate | Rule::kw_aggregate => &[W("aggregate")],
        Rule::kw_sum => &[W("sum")],
        Rule::kw_max => &[W("max")],
        Rule::kw_last => &[W("last")],
        Rule::kw_perpetual => &[W("perpetual")],
        Rule::overage | Rule::kw_overage => &[W("overage")],
        Rule::kw_bill => &[W("bill")],
        Rule::kw_deny => &[W("deny")],
        Rule::cost | Rule::kw_cost => &[W("cost")],
        Rule::tiers | Rule::kw_tiers => &[W("tiers")],
        Rule::tier => &[W("up to"), W("above")],
        Rule::upto | Rule::rollover_max => &[W("up to")],
        Rule::kw_above => &[W("above")],
        Rule::kw_upto => &[W("up to")],
        Rule::kw_up => &[W("up")],
        Rule::charge => &[W("free"), NUMBER],
        Rule::unit_price | Rule::flat_fee | Rule::number => &[NUMBER],
        Rule::kw_free => &[W("free")],
        Rule::kw_per => &[W("per")],
        Rule::kw_unit => &[W("unit")],
        Rule::kw_flat => &[W("flat")],
        Rule::price | Rule::addon_price | Rule::kw_price => &[W("price")],
        Rule::divide | Rule::kw_divide => &[W("divide")],
        Rule::kw_by => &[W("by")],
        Rule::rounding | Rule::kw_round => &[W("round")],
        Rule::kw_down => &[W("down")],
        Rule::grant | Rule::addon_grant | Rule::kw_grant => &[W("grant")],
        Rule::every | Rule::kw_every => &[W("every")],
        Rule::on_signup | Rule::kw_on => &[W("on")],
        Rule::kw_signup => &[W("signup")],
        Rule::rollover | Rule::kw_rollover => &[W("rollover")],
        Rule::kw_all => &[W("all")],
        Rule::kw_none => &[W("none")],
        Rule::expires | Rule::kw_expires => &[W("expires")],
        Rule::kw_after => &[W("after")],
        Rule::addon | Rule::kw_addon => &[W("addon")],
        Rule::recharge | Rule::kw_recharge => &[W("recharge")],
        Rule::kw_below => &[W("below")],
        Rule::kw_buy => &[W("buy")],
        Rule::recharge_state => &[W("enabled"), W("disabled")],
        Rule::kw_enabled => &[W("enabled")],
        Rule::kw_disabled => &[W("disabled")],
        Rule::name => &[NAME],
        Rule::title => &[TITLE],
        Rule::time_unit => &[PERIOD],
        // Silent rules never appear in an error.
        Rule::WHITESPACE
        | Rule::COMMENT
        | Rule::plan_item
        | Rule::feature_item
        | Rule::schedule
        | Rule::grant_option
        | Rule::addon_item
        | Rule::name_char => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("monthy", "monthly"), 1);
        assert_eq!(edit_distance("graudated", "graduated"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn guesses_only_close_words() {
        assert_eq!(
            did_you_mean("volum", &["graduated", "volume"]),
            Some("volume")
        );
        assert_eq!(did_you_mean("banana", &["graduated", "volume"]), None);
        assert_eq!(did_you_mean("maximum", &["sum", "max"]), Some("max"));
        assert_eq!(
            did_you_mean("grad", &["graduated", "volume"]),
            Some("graduated")
        );
        assert_eq!(did_you_mean("Monthly", &["monthly"]), Some("monthly"));
    }
}
