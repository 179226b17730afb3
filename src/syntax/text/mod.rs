//! The text front-end: `.tariff` source (the pest grammar in `grammar/tariff.pest`) → spanned tree.
//!
//! Invariant: [`parse`] returns exactly the document that `convert --to json` writes — the JSON
//! form, members in source order — with every node's span pointing into the text, so the one
//! checker reports text-form problems where the user wrote them. Money is written in major units
//! and converted exactly to minor units here, with the plan's currency exponent; every other number
//! passes through as written. A value the lowering cannot take is reported and its member left out
//! (see [`parse_partial`]). Syntax errors are `text-syntax` diagnostics with the expected tokens
//! and, where one can be guessed, a fix — every one that can be found without guessing at the
//! structure (see [`error::syntax_errors`]); nothing here panics on any input.
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

/// Parse the text form into the spanned tree of its JSON form, when nothing at all is wrong with
/// the text (the checker aside).
pub fn parse(text: &str) -> Result<Node, Vec<Diagnostic>> {
    match parse_partial(text) {
        (Some(tree), diagnostics) if diagnostics.is_empty() => Ok(tree),
        (_, diagnostics) => Err(diagnostics),
    }
}

/// Parse the text form as far as it goes: the tree and every problem found, in source order.
/// Syntax errors leave no tree. An error in a value (a bad escape, a period word, an amount too
/// long to convert) leaves its member out of the tree, so the checker can still judge the rest;
/// such an error's pointer names the member left out.
pub fn parse_partial(text: &str) -> (Option<Node>, Vec<Diagnostic>) {
    match TariffParser::parse(Rule::file, text) {
        Ok(pairs) => {
            let (tree, diagnostics) = lower::file(text, pairs);
            (Some(tree), diagnostics)
        }
        Err(first) => {
            let errors = error::syntax_errors(text, &first, |patched| {
                TariffParser::parse(Rule::file, patched).map(|_| ())
            });
            (None, errors)
        }
    }
}
