//! Instants, RFC 3339 parsing and billing periods.
//!
//! Invariant: all arithmetic is in UTC on [`Instant`] (seconds + nanoseconds since the Unix
//! epoch); period `k` of a subscription is computed from its anchor `t0` directly (never chained),
//! so calendar months clamp to the month's last day from `t0`'s day each time
//! (Jan 31 → Feb 28 → Mar 31).

use crate::ir::Interval;
use std::cell::Cell;
use std::fmt;

thread_local! {
    /// The digits (`YYYYMMDD`) and day number of the last date read by [`Instant::parse`]'s
    /// fixed-shape path; starts as a valid date so that only valid dates ever match.
    static LAST_DATE: Cell<([u8; 8], i64)> = const { Cell::new((*b"19700101", 0)) };
}

/// A point in time, UTC, nanosecond precision. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    secs: i64,
    nanos: u32,
}

/// Why a timestamp was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Not an RFC 3339 date-time.
    Malformed,
    /// A date-time without `Z` or a numeric offset.
    MissingOffset,
}

const NANOS: i64 = 1_000_000_000;
const DAY: i64 = 86_400;

impl Instant {
    pub const fn from_secs(secs: i64) -> Instant {
        Instant { secs, nanos: 0 }
    }

    pub fn secs(self) -> i64 {
        self.secs
    }

    /// This instant's second with `nanos` nanoseconds after it; `None` past a second.
    pub fn with_nanos(self, nanos: u32) -> Option<Instant> {
        (i64::from(nanos) < NANOS).then_some(Instant {
            secs: self.secs,
            nanos,
        })
    }

    /// The instant `us` microseconds after the Unix epoch.
    pub fn from_unix_micros(us: i64) -> Instant {
        Instant {
            secs: us.div_euclid(1_000_000),
            // Below 1,000,000 µs, so below 10^9 ns.
            nanos: (us.rem_euclid(1_000_000) * 1000) as u32,
        }
    }

    /// Whether the instant is a whole number of microseconds (nothing finer is left over).
    pub fn is_whole_micros(self) -> bool {
        self.nanos % 1000 == 0
    }

    /// Whole microseconds since the Unix epoch (truncated), `None` beyond `i64`.
    pub fn unix_micros(self) -> Option<i64> {
        self.secs
            .checked_mul(1_000_000)?
            .checked_add(i64::from(self.nanos / 1000))
    }

    /// Whole microseconds from `self` to `later` (truncated; 0 if `later` is not after `self`).
    pub fn micros_until(self, later: Instant) -> i64 {
        let ns = (i128::from(later.secs) - i128::from(self.secs)) * i128::from(NANOS)
            + (i128::from(later.nanos) - i128::from(self.nanos));
        i64::try_from((ns / 1000).max(0)).unwrap_or(i64::MAX)
    }

    fn add_secs(self, s: i64) -> Instant {
        Instant {
            secs: self.secs.saturating_add(s),
            nanos: self.nanos,
        }
    }

    /// Parse an RFC 3339 timestamp with an offset (`Z` or `±HH:MM`), fraction up to 9 digits.
    pub fn parse(text: &str) -> Result<Instant, TimeError> {
        match Instant::parse_fixed(text.as_bytes()) {
            Some(t) => Ok(t),
            None => Instant::parse_general(text),
        }
    }

    /// The shape traces are written in, `YYYY-MM-DDTHH:MM:SSZ` exactly, read at fixed positions;
    /// `None` for anything else (other shapes, and every error), left to the general path.
    #[inline]
    fn parse_fixed(b: &[u8]) -> Option<Instant> {
        let &[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', i0, i1, b':', s0, s1, b'Z'] =
            b
        else {
            return None;
        };
        let digit = |c: u8| {
            let v = c.wrapping_sub(b'0');
            (v < 10).then_some(i64::from(v))
        };
        let hour = digit(h0)? * 10 + digit(h1)?;
        let minute = digit(i0)? * 10 + digit(i1)?;
        let second = digit(s0)? * 10 + digit(s1)?;
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        // A leap second reads as the last second of its minute (as jiff does).
        let second = second.min(59);
        // Lines come in time order, so most repeat the previous line's date: its day number is
        // kept per thread, keyed on the date's digits (only valid dates are ever kept).
        let date = [y0, y1, y2, y3, m0, m1, d0, d1];
        let (known, known_days) = LAST_DATE.with(Cell::get);
        let days = if known == date {
            known_days
        } else {
            let year = ((digit(y0)? * 10 + digit(y1)?) * 10 + digit(y2)?) * 10 + digit(y3)?;
            let month = digit(m0)? * 10 + digit(m1)?;
            let day = digit(d0)? * 10 + digit(d1)?;
            if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
                return None;
            }
            let days = days_from_civil(year, month, day);
            LAST_DATE.with(|c| c.set((date, days)));
            days
        };
        Some(Instant {
            secs: days * DAY + hour * 3600 + minute * 60 + second,
            nanos: 0,
        })
    }

    /// Any RFC 3339 timestamp [`Instant::parse`] takes.
    fn parse_general(text: &str) -> Result<Instant, TimeError> {
        let b = text.as_bytes();
        let num = |from: usize, len: usize| -> Result<i64, TimeError> {
            let digits = b.get(from..from + len).ok_or(TimeError::Malformed)?;
            digits.iter().try_fold(0i64, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + i64::from(c - b'0'))
                } else {
                    Err(TimeError::Malformed)
                }
            })
        };
        let sep = |at: usize, ok: &[u8]| -> Result<(), TimeError> {
            match b.get(at) {
                Some(c) if ok.contains(c) => Ok(()),
                _ => Err(TimeError::Malformed),
            }
        };
        let year = num(0, 4)?;
        sep(4, b"-")?;
        let month = num(5, 2)?;
        sep(7, b"-")?;
        let day = num(8, 2)?;
        sep(10, b"Tt ")?;
        let hour = num(11, 2)?;
        sep(13, b":")?;
        let minute = num(14, 2)?;
        sep(16, b":")?;
        let mut second = num(17, 2)?;
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(TimeError::Malformed);
        }
        // A leap second reads as the last second of its minute (as jiff does).
        second = second.min(59);
        let mut i = 19;
        let mut nanos: u32 = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(c - b'0');
                }
                i += 1;
            }
            let len = i - start;
            if len == 0 || len > 9 {
                return Err(TimeError::Malformed);
            }
            nanos *= 10u32.pow(u32::try_from(9 - len).map_err(|_| TimeError::Malformed)?);
        }
        let offset = match b.get(i) {
            None => return Err(TimeError::MissingOffset),
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(&c @ (b'+' | b'-')) => {
                let oh = num(i + 1, 2)?;
                sep(i + 3, b":")?;
                let om = num(i + 4, 2)?;
                if oh > 23 || om > 59 {
                    return Err(TimeError::Malformed);
                }
                i += 6;
                let o = oh * 3600 + om * 60;
                if c == b'-' {
                    -o
                } else {
                    o
                }
            }
            Some(_) => return Err(TimeError::Malformed),
        };
        if i != b.len() {
            return Err(TimeError::Malformed);
        }
        let days = days_from_civil(year, month, day);
        let secs = days * DAY + hour * 3600 + minute * 60 + second - offset;
        Ok(Instant { secs, nanos })
    }
}

impl Instant {
    /// Append the [`Display`](fmt::Display) form to `out`, without the formatting machinery.
    pub fn push_to(self, out: &mut String) {
        let days = self.secs.div_euclid(DAY);
        let sod = self.secs.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            use fmt::Write;
            let _ = write!(out, "{self}");
            return;
        }
        let two = |out: &mut String, v: i64| {
            // 0 ≤ v < 100 here, so each digit is below 10.
            out.push(char::from(b'0' + (v / 10 % 10) as u8));
            out.push(char::from(b'0' + (v % 10) as u8));
        };
        two(out, y / 100);
        two(out, y % 100);
        out.push('-');
        two(out, m);
        out.push('-');
        two(out, d);
        out.push('T');
        two(out, sod / 3600);
        out.push(':');
        two(out, sod / 60 % 60);
        out.push(':');
        two(out, sod % 60);
        if self.nanos != 0 {
            let mut n = self.nanos;
            let mut len = 9;
            while n % 10 == 0 {
                n /= 10;
                len -= 1;
            }
            out.push('.');
            let mut digits = [b'0'; 9];
            for slot in digits.iter_mut().take(len).rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
            for &c in digits.iter().take(len) {
                out.push(char::from(c));
            }
        }
        out.push('Z');
    }
}

impl fmt::Display for Instant {
    /// UTC with `Z`; fractional seconds only when non-zero (as jiff prints).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(DAY);
        let sod = self.secs.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The start of a subscription and its interval: gives every period's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    pub t0: Instant,
    interval: Interval,
    year: i64,
    month: i64,
    day: i64,
    /// Seconds into the day of `t0`.
    sod: i64,
}

impl Anchor {
    pub fn new(t0: Instant, interval: Interval) -> Anchor {
        let days = t0.secs.div_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        Anchor {
            t0,
            interval,
            year,
            month,
            day,
            sod: t0.secs.rem_euclid(DAY),
        }
    }

    /// The start of period `k` (period `k` is `[start(k), start(k + 1))`).
    pub fn start(&self, k: u32) -> Instant {
        let k = i64::from(k);
        match self.interval {
            Interval::Daily => self.t0.add_secs(k * DAY),
            Interval::Weekly => self.t0.add_secs(k * 7 * DAY),
            Interval::Monthly => self.add_months(k),
            Interval::Yearly => self.add_months(12 * k),
        }
    }

    fn add_months(&self, k: i64) -> Instant {
        let m0 = self.month - 1 + k;
        let year = self.year + m0.div_euclid(12);
        let month = m0.rem_euclid(12) + 1;
        let day = self.day.min(days_in_month(year, month));
        Instant {
            secs: days_from_civil(year, month, day) * DAY + self.sod,
            nanos: self.t0.nanos,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn hand_written_instants_match_display() {
        for text in [
            "2026-01-02T03:04:05Z",
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2024-02-29T12:00:00.5Z",
            "2024-02-29T12:00:00.000001+05:30",
            "1969-12-31T23:59:59.1Z",
        ] {
            let t = Instant::parse(text).unwrap();
            let mut s = String::new();
            t.push_to(&mut s);
            assert_eq!(s, t.to_string(), "{text}");
        }
        let far = Instant::from_secs(400_000_000_000);
        let mut s = String::new();
        far.push_to(&mut s);
        assert_eq!(s, far.to_string());
    }
    use super::*;

    fn at(s: &str) -> Instant {
        Instant::parse(s).unwrap()
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(at("2026-01-01T00:00:00Z").secs, 1_767_225_600);
        assert_eq!(at("2026-01-01T01:00:00+01:00"), at("2026-01-01T00:00:00Z"));
        assert_eq!(at("2025-12-31T19:00:00-05:00"), at("2026-01-01T00:00:00Z"));
        assert_eq!(at("2026-01-01T00:00:00.5Z").nanos, 500_000_000);
        assert_eq!(
            at("2026-01-01T00:00:00.123456789Z").to_string(),
            "2026-01-01T00:00:00.123456789Z"
        );
        assert_eq!(
            at("2026-01-01T00:00:00.500Z").to_string(),
            "2026-01-01T00:00:00.5Z"
        );
        assert_eq!(
            at("2026-01-07T12:00:00Z").to_string(),
            "2026-01-07T12:00:00Z"
        );
        assert_eq!(
            Instant::parse("2026-01-01T00:00:00"),
            Err(TimeError::MissingOffset)
        );
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00Zjunk",
            "yesterday",
        ] {
            assert_eq!(Instant::parse(bad), Err(TimeError::Malformed), "{bad}");
        }
    }

    #[test]
    fn agrees_with_jiff() {
        for s in [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "2000-02-29T12:34:56+05:30",
            "2400-02-29T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-30T00:00:00Z",
        ] {
            let j: jiff::Timestamp = s.parse().unwrap();
            let ours = at(s);
            let ns = i128::from(ours.secs) * 1_000_000_000 + i128::from(ours.nanos);
            assert_eq!(ns, j.as_nanosecond(), "{s}");
            assert_eq!(ours.to_string(), j.to_string(), "{s}");
        }
    }

    #[test]
    fn months_clamp_from_t0() {
        let a = Anchor::new(at("2026-01-31T10:00:00Z"), Interval::Monthly);
        let starts: Vec<String> = (0..4).map(|k| a.start(k).to_string()).collect();
        assert_eq!(
            starts,
            [
                "2026-01-31T10:00:00Z",
                "2026-02-28T10:00:00Z",
                "2026-03-31T10:00:00Z",
                "2026-04-30T10:00:00Z"
            ]
        );
        let y = Anchor::new(at("2024-02-29T00:00:00Z"), Interval::Yearly);
        assert_eq!(y.start(1).to_string(), "2025-02-28T00:00:00Z");
        assert_eq!(y.start(4).to_string(), "2028-02-29T00:00:00Z");
        let w = Anchor::new(at("2026-01-01T00:00:00Z"), Interval::Weekly);
        assert_eq!(w.start(2).to_string(), "2026-01-15T00:00:00Z");
        let d = Anchor::new(at("2026-03-01T00:00:00Z"), Interval::Daily);
        assert_eq!(d.start(1).to_string(), "2026-03-02T00:00:00Z");
    }

    #[test]
    fn months_agree_with_jiff_clamping() {
        use jiff::{tz::TimeZone, ToSpan};
        let t0: jiff::Timestamp = "2023-08-31T23:30:00Z".parse().unwrap();
        let a = Anchor::new(at("2023-08-31T23:30:00Z"), Interval::Monthly);
        let z = t0.to_zoned(TimeZone::UTC);
        for k in 0..40u32 {
            let j = z.checked_add(i64::from(k).months()).unwrap().timestamp();
            assert_eq!(a.start(k).to_string(), j.to_string(), "k={k}");
        }
    }

    #[test]
    fn micros_truncate() {
        let a = at("2026-01-01T00:00:00Z");
        assert_eq!(
            a.micros_until(at("2026-01-01T00:00:01.0000019Z")),
            1_000_001
        );
        assert_eq!(a.micros_until(a), 0);
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` with every field a little out of range at times, and sometimes one
    /// character replaced.
    fn fixed_shape() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let two = |hi: u32| (0..=hi).prop_map(|v| format!("{v:02}"));
        let year = prop_oneof![
            3 => (1960u32..2100).prop_map(|y| format!("{y:04}")),
            1 => (0u32..=9999).prop_map(|y| format!("{y:04}")),
        ];
        let junk = prop::option::weighted(
            0.2,
            (
                any::<prop::sample::Index>(),
                prop::sample::select(vec!['/', ':', '-', 'T', 't', 'Z', ' ', '0', '9', 'a', 'é']),
            ),
        );
        (year, two(13), two(32), two(24), two(60), two(61), junk).prop_map(
            |(y, mo, d, h, mi, s, junk)| {
                let text = format!("{y}-{mo}-{d}T{h}:{mi}:{s}Z");
                match junk {
                    None => text,
                    Some((at, c)) => {
                        let mut chars: Vec<char> = text.chars().collect();
                        let i = at.index(chars.len());
                        chars[i] = c;
                        chars.into_iter().collect()
                    }
                }
            },
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(1024))]

        #[test]
        fn the_fixed_shape_path_reads_as_the_general_one(
            first in fixed_shape(),
            times in proptest::collection::vec(0u32..86_400, 1..5),
            other in fixed_shape(),
        ) {
            // Dates repeat from line to line in a trace, and the fixed-shape path keeps the last
            // one it read: each text is read again after another date and after its own.
            let mut texts = vec![first.clone(), other.clone()];
            if let Some(date) = first.get(..10) {
                for t in times {
                    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
                    texts.push(format!("{date}T{h:02}:{m:02}:{s:02}Z"));
                    texts.push(other.clone());
                    texts.push(format!("{date}T{h:02}:{m:02}:60Z"));
                }
            }
            texts.push(first);
            for text in &texts {
                let general = Instant::parse_general(text);
                if let Some(t) = Instant::parse_fixed(text.as_bytes()) {
                    proptest::prop_assert_eq!(Ok(t), general, "{}", text);
                }
                proptest::prop_assert_eq!(Instant::parse(text), general, "{}", text);
            }
        }
    }
}
