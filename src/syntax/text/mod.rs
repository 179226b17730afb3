//! The text front-end: `.tariff` source (the pest grammar in `grammar/tariff.pest`) → spanned tree.
//!
//! Invariant: [`parse`] returns exactly the document that `convert --to json` writes — the JSON
//! form, members in source order — with every node's span pointing into the text, so the one
//! checker reports text-form problems where the user wrote them. Money is written in major units
//! and converted exactly to minor units here, with the plan's currency exponent; every other number
//! passes through as written. Syntax errors are `text-syntax` diagnostics with the expected tokens
//! and, where one can be guessed, a fix; nothing here panics on any input.
//!
//! Beside the parser: [`print`] writes a checked IR as canonical text, and [`format`] re-lays an
//! existing file out canonically, keeping its comments (`fmt`).

mod error;
pub mod format;
mod lower;
pub mod print;

use crate::diag::Diagnostic;
use crate::syntax::tree::Node;
use pest::Parser as _;

/// The pest parser generated from `grammar/tariff.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/tariff.pest"]
pub(crate) struct TariffParser;

/// Parse the text form into the spanned tree of its JSON form.
pub fn parse(text: &str) -> Result<Node, Vec<Diagnostic>> {
    let pairs = TariffParser::parse(Rule::file, text)
        .map_err(|err| vec![error::syntax_error(text, &err)])?;
    lower::file(text, pairs)
}
