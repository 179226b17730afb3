//! A JSON text writer in serde_json's layouts (compact, or pretty with two-space indents),
//! streaming: reports are written straight to text and handed to the output in pieces, never
//! built as a tree or held whole.
//!
//! Invariant: the text is byte for byte what `serde_json::to_string{,_pretty}` would print for
//! the same value (pretty output ends with a newline); decimals print as `Decimal`'s `Display`
//! of their normalized value (no trailing zeros, no negative zero).

use crate::eval::time::Instant;
use rust_decimal::Decimal;
use std::fmt::Write;

/// A JSON text writer in serde_json's layouts (compact, or pretty with two-space indents):
/// the report is written straight to text, never built as a tree.
pub struct JsonOut {
    out: String,
    pretty: bool,
    /// Per open container: whether it has an element yet.
    open: Vec<bool>,
    /// A key was just written: the next value is its value, not a new element.
    after_key: bool,
}

impl JsonOut {
    pub fn new(pretty: bool) -> JsonOut {
        JsonOut {
            out: String::with_capacity(1 << 16),
            pretty,
            open: Vec::new(),
            after_key: false,
        }
    }

    /// A writer for text that continues this one's innermost open container at its depth
    /// (`has_elements`: whether that container already has an element before it).
    pub fn continuing(&self, has_elements: bool) -> JsonOut {
        let mut open = self.open.clone();
        if let Some(last) = open.last_mut() {
            *last = has_elements;
        }
        JsonOut {
            out: String::new(),
            pretty: self.pretty,
            open,
            after_key: false,
        }
    }

    /// Record that the innermost open container has an element (written by a continuation).
    pub fn mark_element(&mut self) {
        if let Some(last) = self.open.last_mut() {
            *last = true;
        }
    }

    pub fn finish(mut self) -> String {
        if self.pretty {
            self.out.push('\n');
        }
        self.out
    }

    fn newline(&mut self, depth: usize) {
        /// A newline and the indentation of up to 32 levels, pushed as one slice.
        const INDENT: &str = concat!(
            "\n",
            "                                ",
            "                                "
        );
        if self.pretty {
            match INDENT.get(..1 + 2 * depth) {
                Some(indent) => self.out.push_str(indent),
                None => {
                    self.out.push('\n');
                    for _ in 0..depth {
                        self.out.push_str("  ");
                    }
                }
            }
        }
    }

    fn element(&mut self) {
        let depth = self.open.len();
        if let Some(has) = self.open.last_mut() {
            let comma = *has;
            *has = true;
            if comma {
                self.out.push(',');
            }
            self.newline(depth);
        }
    }

    fn prefix(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else {
            self.element();
        }
    }

    pub fn obj(&mut self) {
        self.prefix();
        self.out.push('{');
        self.open.push(false);
    }

    pub fn arr(&mut self) {
        self.prefix();
        self.out.push('[');
        self.open.push(false);
    }

    fn end(&mut self, c: char) {
        if self.open.pop() == Some(true) {
            let depth = self.open.len();
            self.newline(depth);
        }
        self.out.push(c);
    }

    pub fn end_obj(&mut self) {
        self.end('}');
    }

    pub fn end_arr(&mut self) {
        self.end(']');
    }

    pub fn key(&mut self, k: &str) -> &mut Self {
        self.element();
        self.escaped(k);
        self.out.push(':');
        if self.pretty {
            self.out.push(' ');
        }
        self.after_key = true;
        self
    }

    pub fn str(&mut self, s: &str) {
        self.prefix();
        self.escaped(s);
    }

    pub fn dec(&mut self, d: Decimal) {
        self.prefix();
        // `normalize` strips trailing zeros and turns -0 into 0, as [`dec`] does.
        self.out.push('"');
        push_decimal(&mut self.out, d.normalize());
        self.out.push('"');
    }

    pub fn opt_dec(&mut self, d: Option<Decimal>) {
        match d {
            Some(d) => self.dec(d),
            None => self.raw("null"),
        }
    }

    pub fn int<I: TryInto<i128> + std::fmt::Display + Copy>(&mut self, i: I) {
        self.prefix();
        // Every integer the report prints (u64, usize, i64) fits in i128.
        match i.try_into() {
            Ok(v) => push_int(&mut self.out, v),
            Err(_) => {
                let _ = write!(self.out, "{i}");
            }
        }
    }

    pub fn time(&mut self, t: Instant) {
        self.prefix();
        self.out.push('"');
        t.push_to(&mut self.out);
        self.out.push('"');
    }

    pub fn raw(&mut self, s: &str) {
        self.prefix();
        self.out.push_str(s);
    }

    fn escaped(&mut self, s: &str) {
        self.out.push('"');
        if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            self.out.push_str(s);
            self.out.push('"');
            return;
        }
        let mut run = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(s.get(run..i).unwrap_or_default());
            run = i + 1;
            if esc.is_empty() {
                let _ = write!(self.out, "\\u{b:04x}");
            } else {
                self.out.push_str(esc);
            }
        }
        self.out.push_str(s.get(run..).unwrap_or_default());
        self.out.push('"');
    }
}

/// The decimal digits of `v`, written without the formatting machinery.
fn push_int(out: &mut String, v: i128) {
    if v < 0 {
        out.push('-');
    }
    push_digits(out, v.unsigned_abs(), 0);
}

/// The digits of `m`, at least `min` of them (leading zeros).
fn push_digits(out: &mut String, m: u128, min: usize) {
    /// Digits in one 64-bit chunk of a wider number.
    const CHUNK: usize = 19;
    const TEN_TO_CHUNK: u128 = 10_000_000_000_000_000_000;
    // Nearly every number fits 64 bits, whose division is several times cheaper; a wider one
    // is written as its high digits, then its low 19 (zero-padded).
    match u64::try_from(m) {
        Ok(small) => push_digits_64(out, small, min),
        Err(_) => {
            push_digits(out, m / TEN_TO_CHUNK, min.saturating_sub(CHUNK));
            push_digits_64(out, (m % TEN_TO_CHUNK) as u64, CHUNK);
        }
    }
}

fn push_digits_64(out: &mut String, mut m: u64, min: usize) {
    // Room for a scale's worth of leading zeros (at most 28).
    let mut buf = [b'0'; 40];
    let mut i = buf.len();
    while m > 0 || buf.len() - i < min.max(1) {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `m % 10` is below 10.
            *slot = b'0' + (m % 10) as u8;
        }
        m /= 10;
        if i == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(buf.get(i..).unwrap_or_default()).unwrap_or_default());
}

/// `d` as `Decimal`'s `Display` prints it (sign, digits, a point before the last `scale`
/// digits, a leading `0.` and zeros when needed), without the formatting machinery.
pub fn push_decimal(out: &mut String, d: Decimal) {
    let m = d.mantissa();
    let scale = d.scale() as usize;
    if m < 0 {
        out.push('-');
    }
    let u = m.unsigned_abs();
    if scale == 0 {
        push_digits(out, u, 1);
        return;
    }
    if let (Ok(small), Some(p)) = (u64::try_from(u), 10u64.checked_pow(d.scale())) {
        push_digits_64(out, small / p, 1);
        out.push('.');
        push_digits_64(out, small % p, scale);
        return;
    }
    let p = 10u128.pow(d.scale());
    push_digits(out, u / p, 1);
    out.push('.');
    push_digits(out, u % p, scale);
}

impl JsonOut {
    /// The text written so far and not yet taken.
    pub fn text(&self) -> &str {
        &self.out
    }

    /// Hand the text written so far to `w`.
    pub fn flush_to(&mut self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(self.out.as_bytes())?;
        self.out.clear();
        Ok(())
    }

    /// A newline outside any value (between the lines of JSON Lines).
    pub fn end_line(&mut self) {
        self.out.push('\n');
    }
}

/// A decimal as reports print it: no trailing zeros, no negative zero.
pub fn dec(d: Decimal) -> String {
    let mut s = String::new();
    push_decimal(&mut s, d.normalize());
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::Value;

    #[test]
    fn hand_written_numbers_match_display() {
        use std::str::FromStr;
        for t in [
            "0",
            "1",
            "-1",
            "0.5",
            "-0.05",
            "10",
            "123.456",
            "1000000",
            "0.000000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "1.10",
            "100.00",
            "-0",
        ] {
            let d = Decimal::from_str(t).unwrap();
            for d in [d, d.normalize()] {
                let mut s = String::new();
                push_decimal(&mut s, d);
                assert_eq!(s, d.to_string(), "{t}");
            }
        }
        for v in [
            0i128,
            1,
            -1,
            9,
            10,
            99,
            100,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(u64::MAX),
        ] {
            let mut s = String::new();
            push_int(&mut s, v);
            assert_eq!(s, v.to_string());
        }
    }

    #[test]
    fn writer_matches_serde_json_layouts() {
        for pretty in [false, true] {
            let mut j = JsonOut::new(pretty);
            j.obj();
            j.key("a").str("x\"y\\z\n\u{1}é");
            j.key("empty").arr();
            j.end_arr();
            j.key("obj").obj();
            j.end_obj();
            j.key("list").arr();
            j.int(1);
            j.raw("null");
            j.obj();
            j.key("d").dec(Decimal::new(1500, 3));
            j.end_obj();
            j.end_arr();
            j.end_obj();
            let text = j.finish();
            let v: Value = serde_json::from_str(&text).unwrap();
            let want = if pretty {
                serde_json::to_string_pretty(&v).unwrap() + "\n"
            } else {
                serde_json::to_string(&v).unwrap()
            };
            assert_eq!(text, want);
            assert_eq!(v["list"][2]["d"], "1.5");
        }
    }

    #[test]
    fn decimals_print_without_trailing_zeros_or_negative_zero() {
        let mut z = Decimal::new(0, 3);
        z.set_sign_negative(true);
        let mut j = JsonOut::new(false);
        j.arr();
        j.dec(z);
        j.dec(Decimal::new(20000, 0));
        j.dec(Decimal::new(-2500, 2));
        j.end_arr();
        assert_eq!(j.finish(), r#"["0","20000","-25"]"#);
        assert_eq!(dec(z), "0");
    }
}
