//! `tariffc convert`: between the JSON and the text form, through the checked IR.
//!
//! Invariant: nothing is written unless the input checks without errors, so converting there and
//! back yields the same IR. To text: the canonical printing of the IR. To JSON: the document the
//! input's spanned tree spells (for the text form, exactly what its checker diagnostics point
//! into), pretty-printed with numbers as written.

use crate::cli::{CliError, CmdResult, Global};
use crate::syntax::tree::{Node, Value};
use std::fmt::Write as _;

pub use crate::cli::InputFormat as InputForm;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file (`-` for standard input)
    pub file: String,
    /// The form to write
    #[arg(long, value_enum)]
    pub to: InputForm,
    /// Write here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    global.write_checked(
        &args.file,
        args.output.as_deref(),
        |loaded, document| match args.to {
            InputForm::Text => Ok(crate::syntax::text::print::print(document)),
            InputForm::Json => loaded
                .tree
                .as_ref()
                .map(to_json)
                .ok_or_else(|| CliError::new("a checked document without its tree")),
        },
    )
}

/// A spanned tree as pretty JSON (two-space indent, members in order, numbers as written;
/// `$schema` is dropped, being about the file rather than the pricing), ending with a newline.
pub fn to_json(tree: &Node) -> String {
    let mut out = String::new();
    write_json(&mut out, tree, 0);
    out.push('\n');
    out
}

fn write_json(out: &mut String, node: &Node, depth: usize) {
    let pad = |depth: usize| "  ".repeat(depth);
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => out.push_str(&json_string(s)),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_json(out, item, depth + 1);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}]", pad(depth));
        }
        Value::Object(members) => {
            let members: Vec<_> = members
                .iter()
                .filter(|m| !(depth == 0 && m.key == "$schema"))
                .collect();
            if members.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for (i, m) in members.iter().enumerate() {
                let _ = write!(out, "{}{}: ", pad(depth + 1), json_string(&m.key));
                write_json(out, &m.value, depth + 1);
                out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
            }
            let _ = write!(out, "{}}}", pad(depth));
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_tree_as_pretty_json_with_numbers_as_written() {
        let tree = crate::syntax::json::parse(
            r#"{"$schema": "x", "a": [1.50, {"b\"": null}], "c": {}, "d": [], "e": true}"#,
        )
        .unwrap();
        assert_eq!(
            to_json(&tree),
            "{\n  \"a\": [\n    1.50,\n    {\n      \"b\\\"\": null\n    }\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": true\n}\n"
        );
    }
}
