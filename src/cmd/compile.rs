//! `tariffc compile`: the checked IR as canonical JSON.
//!
//! Invariant: the same document always gives byte-identical output (the IR keeps document
//! order, decimals are normalized and serialized as strings).

use crate::cli::{CliError, CmdResult, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file (`-` for standard input)
    pub file: String,
    /// Write the IR here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    global.write_checked(&args.file, args.output.as_deref(), |_, document| {
        to_json(document)
    })
}

/// The canonical JSON text of a checked document: pretty, two-space indent, final newline.
pub fn to_json(document: &crate::ir::Document) -> Result<String, CliError> {
    let mut json = serde_json::to_string_pretty(document)
        .map_err(|e| CliError::new(format!("cannot serialize the IR: {e}")))?;
    json.push('\n');
    Ok(json)
}
