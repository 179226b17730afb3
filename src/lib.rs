//! tariffc: a declarative pricing-config compiler.
//!
//! Pricing documents come in two forms — JSON (a strict superset of tier's `pricing.json`) and
//! a readable text form — which both lower into one spanned [`syntax::tree`]; the [`check`]er
//! turns that into the canonical [`ir`], reporting every problem as a located [`diag`]nostic;
//! the evaluator runs usage traces against the IR. See ARCHITECTURE.md for the map.

#![forbid(unsafe_code)]

pub mod check;
pub mod cli;
pub mod cmd;
pub mod currency;
pub mod diag;
pub mod diff;
pub mod docs;
pub mod eval;
pub mod exact;
pub mod ir;
pub mod load;
pub mod money;
pub mod output;
pub mod price;
pub mod render;
pub mod report;
pub mod source;
pub mod syntax;
pub mod trace;
