//! Lowering: pest pairs → the spanned tree of the JSON form (one function per grammar rule).
//!
//! Each statement becomes one member of its block's object; `feature`, `addon`, `grant` and
//! `recharge` statements gather into the map or list their JSON key names (`features`, `addons`,
//! `grants`, `recharge`), placed where the first of them stands. Repeated single statements stay
//! repeated members, so the checker reports them as duplicate keys, located in the text. Problems
//! only the text form can have (an escape, a money amount that cannot be converted, a period word
//! that contradicts the plan's interval) are collected here; the member holding such a value is
//! left out of the tree, so the checker still judges the rest, and the error's pointer names the
//! member left out.

use super::Rule;
use crate::currency;
use crate::diag::{pointer_push, Diagnostic};
use crate::source::Span;
use crate::syntax::tree::{Member, Node, Value};
use pest::iterators::{Pair, Pairs};
use rust_decimal::Decimal;

type P<'i> = Pair<'i, Rule>;

/// Lower a successful parse of the `file` rule: the tree, and the errors of the members left out
/// of it, in source order.
pub(super) fn file(text: &str, pairs: Pairs<'_, Rule>) -> (Node, Vec<Diagnostic>) {
    let mut lower = Lower::default();
    let mut plans = Object::default();
    for file in pairs {
        for pair in file.into_inner() {
            if pair.as_rule() == Rule::plan {
                let kw = keyword_span(&pair);
                let member = lower.plan(pair);
                plans.map_entry("plans", kw, member);
            }
        }
    }
    let root = plans.into_node(Span::new(0, text.len()));
    let mut diagnostics: Vec<Diagnostic> = lower
        .left_out
        .into_iter()
        .map(|(key, d)| {
            // The deepest node still covering the error is the object the member was left out of.
            let pointer = pointer_push(&pointer_at(&root, d.span, ""), key);
            d.with_pointer(pointer)
        })
        .collect();
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    (root, diagnostics)
}

#[derive(Default)]
struct Lower {
    /// Members whose value could not be lowered: their key and the error.
    left_out: Vec<(&'static str, Diagnostic)>,
}

/// What statements inside a plan need to know about it.
struct PlanContext {
    /// Minor-unit exponent of the plan's currency; `None` when the code is unknown (the checker
    /// reports it, so amounts pass through unconverted).
    exponent: Option<u32>,
    /// The interval's period word (`month` for `monthly`).
    unit: &'static str,
    interval: &'static str,
}

/// An object under construction: members in order, with gathered lists and maps.
#[derive(Default)]
struct Object {
    members: Vec<Member>,
    groups: Vec<(&'static str, usize)>,
}

impl Object {
    fn field(&mut self, key: &str, key_span: Span, value: Node) {
        self.members.push(Member {
            key: key.to_string(),
            key_span,
            value,
        });
    }

    fn group(&mut self, key: &'static str, key_span: Span, empty: Value) -> &mut Node {
        let index = match self.groups.iter().find(|(k, _)| *k == key) {
            Some((_, i)) => *i,
            None => {
                self.members.push(Member {
                    key: key.to_string(),
                    key_span,
                    value: Node::new(key_span, empty),
                });
                self.groups.push((key, self.members.len() - 1));
                self.members.len() - 1
            }
        };
        &mut self.members[index].value
    }

    /// Append `item` to the list named `key`, creating it here if this is the first.
    fn list_item(&mut self, key: &'static str, key_span: Span, item: Node) {
        let first = !self.groups.iter().any(|(k, _)| *k == key);
        let list = self.group(key, key_span, Value::Array(Vec::new()));
        list.span = if first {
            item.span
        } else {
            list.span.join(item.span)
        };
        if let Value::Array(items) = &mut list.value {
            items.push(item);
        }
    }

    /// Add `entry` to the map named `key`, creating it here if this is the first.
    fn map_entry(&mut self, key: &'static str, key_span: Span, entry: Member) {
        let first = !self.groups.iter().any(|(k, _)| *k == key);
        let map = self.group(key, key_span, Value::Object(Vec::new()));
        map.span = if first {
            entry.value.span
        } else {
            map.span.join(entry.value.span)
        };
        if let Value::Object(members) = &mut map.value {
            members.push(entry);
        }
    }

    fn into_node(self, span: Span) -> Node {
        Node::new(span, Value::Object(self.members))
    }
}

/// The text a pair covers, without the whitespace and comments pest lets a rule swallow after an
/// optional part that was absent (`addon free` followed by a blank line).
fn span(pair: &P<'_>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), token_end(pair))
}

fn token_end(pair: &P<'_>) -> usize {
    match pair.clone().into_inner().last() {
        Some(last) => token_end(&last),
        None => pair.as_span().end(),
    }
}

/// The span of a statement's leading keyword.
fn keyword_span(pair: &P<'_>) -> Span {
    pair.clone()
        .into_inner()
        .next()
        .map_or_else(|| span(pair), |p| span(&p))
}

fn string(span: Span, s: impl Into<String>) -> Node {
    Node::new(span, Value::String(s.into()))
}

/// A keyword's text, for enumerated values (`volume`, `max`, `deny`, …).
fn word(pair: &P<'_>) -> Node {
    string(span(pair), pair.as_str())
}

/// A number as written, in JSON number syntax (digit separators removed).
fn number(pair: &P<'_>) -> Node {
    Node::new(span(pair), Value::Number(json_number(pair.as_str())))
}

/// The grammar's number (`-`, digits with `_` separators, an optional fraction) in JSON number
/// syntax: separators and the leading zeros JSON does not allow (`007` → `7`) removed.
fn json_number(written: &str) -> String {
    let digits = written.replace('_', "");
    let (sign, unsigned) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits.as_str()),
    };
    let int_len = unsigned.find('.').unwrap_or(unsigned.len());
    let zeros = unsigned.bytes().take_while(|&b| b == b'0').count();
    // Keep the integer part's last digit: `00.5` → `0.5`, `000` → `0`.
    let skip = zeros.min(int_len.saturating_sub(1));
    format!("{sign}{}", &unsigned[skip..])
}

impl Lower {
    fn plan(&mut self, pair: P<'_>) -> Member {
        let whole = span(&pair);
        let mut inner = pair.into_inner();
        let _kw = inner.next();
        let name = inner.next();
        let items: Vec<P<'_>> = inner.collect();
        let ctx = plan_context(&items);
        let mut obj = Object::default();
        for item in items {
            match item.as_rule() {
                Rule::title => self.put(&mut obj, "title", span(&item), title(&item)),
                Rule::currency => {
                    let code = item.clone().into_inner().nth(1);
                    if let Some(code) = code {
                        obj.field("currency", keyword_span(&item), word(&code));
                    }
                }
                Rule::interval => {
                    let value = format!("@{}", item.as_str());
                    obj.field("interval", span(&item), string(span(&item), value));
                }
                Rule::feature => {
                    let kw = keyword_span(&item);
                    let feature = self.named_block("feature:", item, &ctx, Self::feature_item);
                    obj.map_entry("features", kw, feature);
                }
                Rule::addon => {
                    let kw = keyword_span(&item);
                    let addon = self.named_block("addon:", item, &ctx, Self::addon_item);
                    obj.map_entry("addons", kw, addon);
                }
                Rule::recharge => {
                    let kw = keyword_span(&item);
                    let rule = self.recharge(item);
                    obj.list_item("recharge", kw, rule);
                }
                _ => {}
            }
        }
        named_member("plan:", name.as_ref(), whole, obj.into_node(whole))
    }

    /// `feature NAME ["title"] { … }` or `addon NAME ["title"] { … }`: the title, then every body
    /// statement through `item`.
    fn named_block(
        &mut self,
        prefix: &str,
        pair: P<'_>,
        ctx: &PlanContext,
        item: fn(&mut Self, &mut Object, P<'_>, &PlanContext),
    ) -> Member {
        let whole = span(&pair);
        let mut inner = pair.into_inner();
        let _kw = inner.next();
        let name = inner.next();
        let mut obj = Object::default();
        for part in inner {
            match part.as_rule() {
                Rule::title => self.put(&mut obj, "title", span(&part), title(&part)),
                Rule::feature_body | Rule::addon_body => {
                    for statement in part.into_inner() {
                        item(self, &mut obj, statement, ctx);
                    }
                }
                _ => {}
            }
        }
        named_member(prefix, name.as_ref(), whole, obj.into_node(whole))
    }

    fn feature_item(&mut self, obj: &mut Object, item: P<'_>, ctx: &PlanContext) {
        let kw = keyword_span(&item);
        let whole = span(&item);
        let rule = item.as_rule();
        let args: Vec<P<'_>> = item.into_inner().skip(1).collect();
        match (rule, args.as_slice()) {
            (Rule::base, [amount]) => self.put(obj, "base", kw, money(amount, ctx)),
            (Rule::mode, [value]) => obj.field("mode", kw, word(value)),
            (Rule::aggregate, [value]) => obj.field("aggregate", kw, word(value)),
            (Rule::overage, [value]) => obj.field("overage", kw, word(value)),
            (Rule::cost, [amount, target]) => {
                let entry = Member {
                    key: format!("feature:{}", target.as_str()),
                    key_span: span(target),
                    value: number(amount),
                };
                obj.map_entry("cost", kw, entry);
            }
            (Rule::tiers, _) => {
                let tiers = args
                    .iter()
                    .filter(|p| p.as_rule() == Rule::tier)
                    .map(|t| self.tier(t, ctx))
                    .collect();
                obj.field("tiers", kw, Node::new(whole, Value::Array(tiers)));
            }
            (Rule::price, [charge]) => {
                let mut tier = Object::default();
                self.charge(&mut tier, charge, ctx);
                let tier = tier.into_node(whole);
                obj.field("tiers", kw, Node::new(whole, Value::Array(vec![tier])));
            }
            (Rule::divide, _) => {
                let mut divide = Object::default();
                for arg in &args {
                    match arg.as_rule() {
                        Rule::number => divide.field("by", span(arg), number(arg)),
                        Rule::rounding => {
                            let inner: Vec<P<'_>> = arg.clone().into_inner().collect();
                            if let [round, direction] = inner.as_slice() {
                                divide.field("rounding", span(round), word(direction));
                            }
                        }
                        _ => {}
                    }
                }
                obj.field("divide", kw, divide.into_node(whole));
            }
            (Rule::grant, _) => {
                let grant = self.grant(whole, &args, ctx);
                obj.list_item("grants", kw, grant);
            }
            _ => {}
        }
    }

    fn tier(&mut self, pair: &P<'_>, ctx: &PlanContext) -> Node {
        let mut obj = Object::default();
        for part in pair.clone().into_inner() {
            match part.as_rule() {
                Rule::upto => {
                    if let Some(n) = part.clone().into_inner().nth(1) {
                        obj.field("upto", span(&part), number(&n));
                    }
                }
                Rule::charge => self.charge(&mut obj, &part, ctx),
                _ => {}
            }
        }
        obj.into_node(span(pair))
    }

    /// `free`, `0.10 per unit`, `5.00 flat`, `0.10 per unit + 5.00 flat` → `price` and `base`.
    fn charge(&mut self, obj: &mut Object, pair: &P<'_>, ctx: &PlanContext) {
        for part in pair.clone().into_inner() {
            let key = match part.as_rule() {
                Rule::unit_price => "price",
                Rule::flat_fee => "base",
                _ => continue,
            };
            if let Some(amount) = part.clone().into_inner().next() {
                self.put(obj, key, span(&part), money(&amount, ctx));
            }
        }
    }

    fn grant(&mut self, whole: Span, args: &[P<'_>], ctx: &PlanContext) -> Node {
        let mut obj = Object::default();
        for arg in args {
            match arg.as_rule() {
                Rule::number => obj.field("amount", span(arg), number(arg)),
                Rule::every => self.put(&mut obj, "every", keyword_span(arg), periods(arg, ctx)),
                Rule::on_signup => {
                    let inner: Vec<P<'_>> = arg.clone().into_inner().collect();
                    if let [on, signup] = inner.as_slice() {
                        obj.field("on", span(on), word(signup));
                    }
                }
                Rule::rollover => {
                    let inner: Vec<P<'_>> = arg.clone().into_inner().collect();
                    if let [kw, value] = inner.as_slice() {
                        obj.field("rollover", span(kw), rollover(value));
                    }
                }
                Rule::expires => {
                    let value = periods(arg, ctx);
                    self.put(&mut obj, "expires_after", keyword_span(arg), value);
                }
                _ => {}
            }
        }
        obj.into_node(whole)
    }

    fn addon_item(&mut self, obj: &mut Object, item: P<'_>, ctx: &PlanContext) {
        let kw = keyword_span(&item);
        let whole = span(&item);
        let rule = item.as_rule();
        let args: Vec<P<'_>> = item.into_inner().skip(1).collect();
        match rule {
            Rule::addon_price => {
                if let Some(amount) = args.first() {
                    self.put(obj, "price", kw, money(amount, ctx));
                }
            }
            Rule::addon_grant => {
                let mut grant = Object::default();
                for arg in &args {
                    match arg.as_rule() {
                        Rule::name => grant.field(
                            "feature",
                            span(arg),
                            string(span(arg), format!("feature:{}", arg.as_str())),
                        ),
                        Rule::number => grant.field("amount", span(arg), number(arg)),
                        Rule::expires => {
                            let value = periods(arg, ctx);
                            self.put(&mut grant, "expires_after", keyword_span(arg), value);
                        }
                        _ => {}
                    }
                }
                // JSON order: the feature first, then its amount.
                grant.members.sort_by_key(|m| m.key != "feature");
                obj.list_item("grants", kw, grant.into_node(whole));
            }
            _ => {}
        }
    }

    /// `recharge FEATURE below N buy ADDON[, enabled|disabled]…`
    fn recharge(&mut self, pair: P<'_>) -> Node {
        let whole = span(&pair);
        let parts: Vec<P<'_>> = pair.into_inner().collect();
        let mut obj = Object::default();
        if let [_, feature, below_kw, below, buy_kw, addon, rest @ ..] = parts.as_slice() {
            let feature_id = format!("feature:{}", feature.as_str());
            obj.field("feature", span(feature), string(span(feature), feature_id));
            obj.field("below", span(below_kw), number(below));
            let addon_id = format!("addon:{}", addon.as_str());
            obj.field("buy", span(buy_kw), string(span(addon), addon_id));
            for state in rest.iter().filter(|p| p.as_rule() == Rule::recharge_state) {
                let enabled = state.as_str() == "enabled";
                let value = Node::new(span(state), Value::Bool(enabled));
                obj.field("enabled", span(state), value);
            }
        }
        obj.into_node(whole)
    }

    /// `key: value` into `obj`; when the value could not be lowered, the member is left out, so
    /// the checker judges the rest of the file, and its error is kept.
    fn put(
        &mut self,
        obj: &mut Object,
        key: &'static str,
        key_span: Span,
        value: Result<Node, Diagnostic>,
    ) {
        match value {
            Ok(value) => obj.field(key, key_span, value),
            Err(error) => self.left_out.push((key, error)),
        }
    }
}

/// A count of billing periods: `every month` (1), `every 3 months`, `expires after 2 months`.
/// The period word must be the plan's (or `period`).
fn periods(pair: &P<'_>, ctx: &PlanContext) -> Result<Node, Diagnostic> {
    let inner: Vec<P<'_>> = pair.clone().into_inner().collect();
    let count = inner.iter().find(|p| p.as_rule() == Rule::number);
    let unit = inner.iter().find(|p| p.as_rule() == Rule::time_unit);
    if let Some(unit) = unit {
        let written = unit.as_str();
        let singular = written.strip_suffix('s').unwrap_or(written);
        if singular != "period" && singular != ctx.unit {
            return Err(Diagnostic::error(
                "text-period",
                span(unit),
                format!(
                    "`{written}` does not match the plan's interval `{}`",
                    ctx.interval
                ),
            )
            .with_help(format!(
                "grants and expiry count billing periods: write `{}` or `period`",
                ctx.unit
            )));
        }
    }
    Ok(match (count, unit) {
        // The value is the whole `3 months`.
        (Some(n), Some(unit)) => Node::new(span(n).join(span(unit)), number(n).value),
        (Some(n), None) => number(n),
        (None, Some(unit)) => Node::new(span(unit), Value::Number("1".to_string())),
        (None, None) => Node::new(span(pair), Value::Number("1".to_string())),
    })
}

/// A money amount in major units → minor units, exactly (as written when the currency is unknown).
fn money(pair: &P<'_>, ctx: &PlanContext) -> Result<Node, Diagnostic> {
    let node = number(pair);
    let (Some(exponent), Value::Number(text)) = (ctx.exponent, &node.value) else {
        return Ok(node);
    };
    match to_minor_units(text, exponent) {
        Some(minor) => Ok(Node::new(node.span, Value::Number(minor))),
        None => Err(Diagnostic::error(
            "text-number",
            node.span,
            format!("`{text}` has too many digits to convert to minor units"),
        )
        .with_help("amounts have at most 18 significant digits")),
    }
}

/// A quoted title with JSON escapes.
fn title(pair: &P<'_>) -> Result<Node, Diagnostic> {
    let raw = pair.as_str();
    let inner = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(raw);
    unescape(inner)
        .map(|s| string(span(pair), s))
        .map_err(|(at, len, message)| {
            let at = pair.as_span().start() + 1 + at;
            Diagnostic::error("text-escape", Span::new(at, at + len), message)
                .with_help("escapes are JSON's: `\\\"`, `\\\\`, `\\n`, `\\t`, `\\u00e9`")
        })
}

/// `all`, `none` or `up to N` after `rollover` → `"all"`, `"none"` or `{ "max": N }`.
fn rollover(value: &P<'_>) -> Node {
    if value.as_rule() != Rule::rollover_max {
        return word(value);
    }
    let mut max = Object::default();
    if let Some(n) = value.clone().into_inner().nth(1) {
        max.field("max", span(value), number(&n));
    }
    max.into_node(span(value))
}

/// `plan:NAME@VERSION`, `feature:NAME` or `addon:NAME` → member, keyed by the full id and located at the name.
fn named_member(prefix: &str, name: Option<&P<'_>>, whole: Span, value: Node) -> Member {
    Member {
        key: format!("{prefix}{}", name.map_or("", |n| n.as_str())),
        key_span: name.map_or(whole, span),
        value,
    }
}

fn plan_context(items: &[P<'_>]) -> PlanContext {
    let code = items
        .iter()
        .find(|p| p.as_rule() == Rule::currency)
        .and_then(|p| p.clone().into_inner().nth(1))
        .map_or_else(|| "usd".to_string(), |p| p.as_str().to_string());
    let interval = items
        .iter()
        .find(|p| p.as_rule() == Rule::interval)
        .map_or("monthly", |p| p.as_str());
    let (unit, interval) = match interval {
        "daily" => ("day", "@daily"),
        "weekly" => ("week", "@weekly"),
        "yearly" => ("year", "@yearly"),
        _ => ("month", "@monthly"),
    };
    PlanContext {
        exponent: currency::lookup(&code).map(|c| c.exponent),
        unit,
        interval,
    }
}

/// `100.00` with exponent 2 → `10000`; exact, normalized, in JSON number syntax.
pub(crate) fn to_minor_units(major: &str, exponent: u32) -> Option<String> {
    let value = Decimal::from_str_exact(major).ok()?;
    Some(crate::money::from_major(value, exponent)?.to_string())
}

/// Undo JSON string escapes; on a bad one, its byte offset, length and a message.
fn unescape(s: &str) -> Result<String, (usize, usize, String)> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((i, 1, "unfinished escape".to_string()));
        };
        let simple = match e {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        if e != 'u' {
            let len = 1 + e.len_utf8();
            return Err((i, len, format!("unknown escape `\\{e}`")));
        }
        let first = hex4(s, i + 2).ok_or_else(|| bad_unicode(s, i))?;
        skip(&mut chars, 4);
        let code = if (0xD800..0xDC00).contains(&first) {
            let low = s
                .get(i + 6..i + 8)
                .filter(|p| *p == "\\u")
                .and_then(|_| hex4(s, i + 8))
                .filter(|low| (0xDC00..0xE000).contains(low))
                .ok_or_else(|| bad_unicode(s, i))?;
            skip(&mut chars, 6);
            0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
        } else {
            first
        };
        out.push(char::from_u32(code).ok_or_else(|| bad_unicode(s, i))?);
    }
    Ok(out)
}

fn skip(chars: &mut impl Iterator<Item = (usize, char)>, n: usize) {
    for _ in 0..n {
        chars.next();
    }
}

fn hex4(s: &str, at: usize) -> Option<u32> {
    let digits = s.get(at..at + 4)?;
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn bad_unicode(s: &str, at: usize) -> (usize, usize, String) {
    let len = s[at..]
        .char_indices()
        .take_while(|(k, c)| *k < 2 || (*k < 6 && c.is_ascii_hexdigit()))
        .map(|(k, c)| k + c.len_utf8())
        .last()
        .unwrap_or(2);
    (
        at,
        len,
        "`\\u` must be followed by four hex digits naming a character".to_string(),
    )
}

/// The JSON pointer of the deepest node (or member key) whose span covers `target`.
fn pointer_at(node: &Node, target: Span, pointer: &str) -> String {
    let covers = |s: Span| s.start <= target.start && target.end <= s.end;
    match &node.value {
        Value::Object(members) => {
            for m in members {
                let here = pointer_push(pointer, &m.key);
                if covers(m.value.span) {
                    return pointer_at(&m.value, target, &here);
                }
                if covers(m.key_span) {
                    return here;
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if covers(item.span) {
                    return pointer_at(item, target, &pointer_push(pointer, &i.to_string()));
                }
            }
        }
        _ => {}
    }
    pointer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_converts_exactly() {
        assert_eq!(to_minor_units("100.00", 2).as_deref(), Some("10000"));
        assert_eq!(to_minor_units("0.005", 2).as_deref(), Some("0.5"));
        assert_eq!(to_minor_units("1500", 0).as_deref(), Some("1500"));
        assert_eq!(to_minor_units("1.234", 3).as_deref(), Some("1234"));
        assert_eq!(to_minor_units("-2.5", 2).as_deref(), Some("-250"));
        assert_eq!(to_minor_units(&"9".repeat(40), 2), None);
    }

    #[test]
    fn numbers_are_written_as_json_numbers() {
        let cases = [
            ("10_000", "10000"),
            ("09", "9"),
            ("-007.50", "-7.50"),
            ("00.5", "0.5"),
            ("000", "0"),
            ("0", "0"),
            ("-0", "-0"),
            ("1_0.0_1", "10.01"),
        ];
        for (written, json) in cases {
            assert_eq!(json_number(written), json, "{written}");
        }
    }

    #[test]
    fn unescapes_json_escapes() {
        assert_eq!(
            unescape(r#"a\"b\\c\n\u00e9\ud83d\ude00"#).unwrap(),
            "a\"b\\c\né😀"
        );
        assert_eq!(unescape(r"x\q").unwrap_err().0, 1);
        assert_eq!(unescape(r"\u12").unwrap_err().0, 0);
        assert_eq!(unescape(r"\ud800x").unwrap_err().0, 0);
    }
}
