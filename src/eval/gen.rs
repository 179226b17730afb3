//! A deterministic trace generator for benchmarks and tests (`gen-trace`, `cargo bench`).
//!
//! Invariant: the same (events, customers, seed) always gives the same trace; every line is
//! valid against `benches/pricing.json` (every feature kind, purchases, recharge switches, plan
//! changes), and each customer's lines are in time order.

use std::fmt::Write;

/// A small xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const PLAN1: [&str; 6] = [
    "feature:api",
    "feature:seats",
    "feature:storage",
    "feature:gauge",
    "feature:calls",
    "feature:export",
];

/// `events` lines over `customers` customers, starting 2026-01-01, a few seconds apart.
pub fn trace(events: usize, customers: usize, seed: u64) -> String {
    let customers = customers.max(1);
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = String::with_capacity(events * 96);
    let t0: i64 = 1_767_225_600;
    let mut plan2 = vec![false; customers];
    let mut written = 0usize;
    for c in 0..customers.min(events) {
        let at = super::time::Instant::from_secs(t0 + c as i64);
        let _ = writeln!(
            out,
            r#"{{"at":"{at}","customer":"cust:{c}","subscribe":"plan:bench@1"}}"#
        );
        written += 1;
    }
    let mut t = t0 + customers as i64;
    while written < events {
        t += 1 + rng.below(4) as i64;
        let at = super::time::Instant::from_secs(t);
        let c = rng.below(customers as u64) as usize;
        let roll = rng.below(1000);
        let on2 = plan2.get(c).copied().unwrap_or(false);
        if roll < 2 {
            let to = if on2 { "plan:bench@1" } else { "plan:bench@2" };
            if let Some(p) = plan2.get_mut(c) {
                *p = !on2;
            }
            let _ = writeln!(
                out,
                r#"{{"at":"{at}","customer":"cust:{c}","subscribe":"{to}"}}"#
            );
        } else if on2 {
            let f = ["feature:api", "feature:export", "feature:credits"][rng.below(3) as usize];
            let n = rng.below(20);
            let _ = writeln!(
                out,
                r#"{{"at":"{at}","customer":"cust:{c}","feature":"{f}","n":{n}}}"#
            );
        } else if roll < 6 {
            let _ = writeln!(
                out,
                r#"{{"at":"{at}","customer":"cust:{c}","purchase":"addon:calls","quantity":{}}}"#,
                1 + rng.below(3)
            );
        } else if roll < 8 {
            let on = rng.below(2) == 0;
            let _ = writeln!(
                out,
                r#"{{"at":"{at}","customer":"cust:{c}","recharge":{{"feature":"feature:credits","enabled":{on}}}}}"#
            );
        } else {
            let fi = rng.below(PLAN1.len() as u64) as usize;
            let f = PLAN1.get(fi).copied().unwrap_or("feature:api");
            let line = match f {
                "feature:seats" => format!(r#""n":{}"#, rng.below(60)),
                "feature:storage" if rng.below(10) == 0 => {
                    format!(r#""n":{},"set":true"#, rng.below(300))
                }
                "feature:storage" => format!(r#""n":{}"#, rng.below(21) as i64 - 10),
                "feature:gauge" => format!(r#""n":{}.{}"#, rng.below(5000), rng.below(100)),
                "feature:export" => format!(r#""n":{}"#, rng.below(5)),
                _ => format!(r#""n":{}"#, rng.below(200)),
            };
            let _ = writeln!(
                out,
                r#"{{"at":"{at}","customer":"cust:{c}","feature":"{f}",{line}}}"#
            );
        }
        written += 1;
    }
    out
}

/// `benches/pricing.json`, checked: the plans the generated traces are valid against.
#[cfg(test)]
#[allow(clippy::expect_used)]
pub(crate) fn bench_document() -> crate::ir::Document {
    use crate::load::load;
    use crate::source::{Source, SourceFormat};
    let text = std::fs::read_to_string("benches/pricing.json").expect("benches/pricing.json");
    let loaded = load(
        Source::new("benches/pricing.json", text),
        SourceFormat::Json,
    );
    loaded.document.expect("benches/pricing.json checks")
}
