//! The general JSONL parser: any line, whatever its whitespace, key order, escapes or nesting.
//!
//! Invariant: a line is tokenized into [`Fields`] without allocating unless it holds escapes or a
//! nested object; every judgement is [`fields::event`]'s.

use super::fields::{self, Fields, Val};
use super::{Record, Refused, TraceError};
use std::borrow::Cow;

/// Parse one non-blank trace line, whatever its shape.
pub fn line(line: &str) -> Record<'_> {
    let mut fields = Fields::default();
    let bad = |e: TraceError| Refused {
        customer: None,
        error: e,
    };
    let mut p = Parser {
        b: line.as_bytes(),
        s: line,
        i: 0,
    };
    p.ws();
    p.expect(b'{').map_err(bad)?;
    p.ws();
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            p.ws();
            let key = p.string().map_err(bad)?;
            p.ws();
            p.expect(b':').map_err(bad)?;
            p.ws();
            let val = p.value(0).map_err(bad)?;
            fields.set(key, val);
            p.ws();
            match p.next() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(bad(json_error("`,` or `}`"))),
            }
        }
    }
    p.ws();
    if p.i != p.b.len() {
        return Err(bad(json_error("the end of the line")));
    }
    fields::event(fields)
}

fn json_error(expected: &str) -> TraceError {
    TraceError::new(
        "bad-json",
        format!("not a JSON object: expected {expected}"),
    )
}
struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

const MAX_DEPTH: usize = 32;

impl<'a> Parser<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    #[inline]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), TraceError> {
        if self.next() == Some(c) {
            Ok(())
        } else {
            Err(json_error(&format!("`{}`", char::from(c))))
        }
    }

    fn string(&mut self) -> Result<Cow<'a, str>, TraceError> {
        self.expect(b'"')?;
        let start = self.i;
        let rest = self.b.get(start..).unwrap_or_default();
        // Trace strings are short: a plain scan beats a vectorized search's setup.
        let Some(len) = rest
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        else {
            return Err(json_error("a closing `\"`"));
        };
        match rest.get(len) {
            Some(b'"') => {
                self.i = start + len + 1;
                let s = self
                    .s
                    .get(start..start + len)
                    .ok_or_else(|| json_error("text"))?;
                Ok(Cow::Borrowed(s))
            }
            Some(b'\\') => self.escaped_string().map(Cow::Owned),
            _ => Err(json_error("no control character in a string")),
        }
    }

    fn escaped_string(&mut self) -> Result<String, TraceError> {
        let mut out = String::new();
        loop {
            let rest = self.s.get(self.i..).ok_or_else(|| json_error("text"))?;
            let mut chars = rest.char_indices();
            let Some((_, c)) = chars.next() else {
                return Err(json_error("a closing `\"`"));
            };
            self.i += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let e = self.next().ok_or_else(|| json_error("an escape"))?;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.next() != Some(b'\\') || self.next() != Some(b'u') {
                                    return Err(json_error("a low surrogate"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(json_error("a low surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(
                                char::from_u32(code).ok_or_else(|| json_error("a character"))?,
                            );
                        }
                        _ => return Err(json_error("a valid escape")),
                    }
                }
                c if u32::from(c) < 0x20 => {
                    return Err(json_error("no control character in a string"))
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, TraceError> {
        let digits = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| json_error("4 hex digits"))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| json_error("4 hex digits"))?;
        self.i += 4;
        Ok(v)
    }

    fn number(&mut self) -> Result<&'a str, TraceError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            p.i - s
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.b.get(int_start) == Some(&b'0')) {
            return Err(json_error("a number"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(json_error("digits after `.`"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(json_error("exponent digits"));
            }
        }
        self.s
            .get(start..self.i)
            .ok_or_else(|| json_error("a number"))
    }

    fn literal(&mut self, word: &str, v: Val<'a>) -> Result<Val<'a>, TraceError> {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(json_error("a JSON value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Val<'a>, TraceError> {
        if depth > MAX_DEPTH {
            return Err(json_error("less nesting"));
        }
        match self.peek() {
            Some(b'"') => self.string().map(Val::Str),
            Some(b'-' | b'0'..=b'9') => self.number().map(Val::Num),
            Some(b't') => self.literal("true", Val::Bool(true)),
            Some(b'f') => self.literal("false", Val::Bool(false)),
            Some(b'n') => self.literal("null", Val::Null),
            Some(b'{') => {
                self.i += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Val::Obj(fields));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.expect(b':')?;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    fields.push((k, v));
                    self.ws();
                    match self.next() {
                        Some(b',') => {}
                        Some(b'}') => return Ok(Val::Obj(fields)),
                        _ => return Err(json_error("`,` or `}`")),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Val::Arr);
                }
                loop {
                    self.ws();
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next() {
                        Some(b',') => {}
                        Some(b']') => return Ok(Val::Arr),
                        _ => return Err(json_error("`,` or `]`")),
                    }
                }
            }
            _ => Err(json_error("a JSON value")),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::trace::*;
    use rust_decimal::Decimal;

    fn code(line: &str) -> &'static str {
        parse_line(line).unwrap_err().error.code
    }

    #[test]
    fn reads_every_kind() {
        let e = parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"org:acme","feature":"feature:report","n":1}"#)
            .unwrap();
        assert_eq!(e.customer, "org:acme");
        assert_eq!(
            e.kind,
            Kind::Usage {
                feature: "feature:report".into(),
                n: Decimal::ONE,
                set: false
            }
        );
        let e = parse_line(r#" { "at": "2026-01-02T00:00:00+00:00", "customer": "a\u0062", "purchase": "addon:x", "quantity": 2e0 } "#).unwrap();
        assert_eq!(e.customer, "ab");
        assert_eq!(
            e.kind,
            Kind::Purchase {
                addon: "addon:x".into(),
                quantity: 2
            }
        );
        let e = parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","recharge":{"feature":"feature:credits","enabled":true}}"#).unwrap();
        assert_eq!(
            e.kind,
            Kind::Recharge {
                feature: "feature:credits".into(),
                enabled: true
            }
        );
        let e =
            parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true}"#).unwrap();
        assert_eq!(e.kind, Kind::Cancel);
        let e = parse_line(
            r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":-2.50,"set":true}"#,
        )
        .unwrap();
        assert_eq!(
            e.kind,
            Kind::Usage {
                feature: "f".into(),
                n: Decimal::new(-25, 1),
                set: true
            }
        );
    }

    #[test]
    fn stable_codes() {
        assert_eq!(code("{"), "bad-json");
        assert_eq!(code("{\"at\":\"x\ty\"}"), "bad-json");
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c"#),
            "bad-json"
        );
        assert_eq!(code("[1]"), "bad-json");
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true} x"#),
            "bad-json"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":01}"#),
            "bad-json"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true,"cancel":true}"#),
            "duplicate-key"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancle":true}"#),
            "unknown-key"
        );
        assert_eq!(code(r#"{"customer":"c","cancel":true}"#), "missing-key");
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","cancel":true}"#),
            "missing-key"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c"}"#),
            "missing-key"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00","customer":"c","cancel":true}"#),
            "missing-offset"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-32T00:00:00Z","customer":"c","cancel":true}"#),
            "bad-timestamp"
        );
        assert_eq!(
            code(
                r#"{"at":"2026-01-02T00:00:00Z","customer":"c","cancel":true,"subscribe":"plan:a@1"}"#
            ),
            "two-kinds"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":"5"}"#),
            "bad-value"
        );
        assert_eq!(
            code(
                r#"{"at":"2026-01-02T00:00:00Z","customer":"c","purchase":"addon:x","quantity":1.5}"#
            ),
            "bad-quantity"
        );
        assert_eq!(
            code(
                r#"{"at":"2026-01-02T00:00:00Z","customer":"c","purchase":"addon:x","quantity":0}"#
            ),
            "bad-quantity"
        );
        assert_eq!(
            code(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","subscribe":"plan:a@1","n":1}"#),
            "unknown-key"
        );
        let quoted =
            parse_line(r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"f","n":"5"}"#)
                .unwrap_err();
        assert!(quoted.error.message.contains("remove the quotes"));
        assert_eq!(quoted.customer.as_deref(), Some("c"));
    }

    #[test]
    fn numbers_are_exact() {
        assert_eq!(exact_number("1e2"), Some(Decimal::from(100)));
        assert_eq!(exact_number("1.50"), Some(Decimal::new(15, 1)));
        assert_eq!(exact_number("15e-1"), Some(Decimal::new(15, 1)));
        assert_eq!(exact_number("0.1"), Some(Decimal::new(1, 1)));
        assert_eq!(exact_number("1e400"), None);
        assert_eq!(exact_number("1.00000000000000000000000000001"), None);
    }
}
