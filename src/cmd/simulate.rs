//! `tariffc simulate`: run a JSONL usage trace and report invoices, limits and rejections.
//!
//! Invariant: the trace is streamed (read line by line, never held whole); a report is printed
//! only when every counted line is valid or `--skip-invalid` is given.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::eval::{self, Failure, Options};
use std::io::BufReader;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file
    pub file: String,
    /// The usage trace (JSON Lines; `-` for standard input)
    #[arg(long, value_name = "TRACE")]
    pub trace: String,
    /// Evaluate up to this instant (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Report only this customer (repeatable)
    #[arg(long = "customer", value_name = "ID")]
    pub customers: Vec<String>,
    /// Write the report here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::cmd::ReportFormat::Human)]
    pub format: crate::cmd::ReportFormat,
    /// Skip invalid trace lines (listed in the report) instead of failing
    #[arg(long)]
    pub skip_invalid: bool,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    let until = args
        .until
        .as_deref()
        .map(eval::parse_until)
        .transpose()
        .map_err(CliError::new)?;
    if args.trace == "-" && args.file == "-" {
        return Err(CliError::new(
            "the pricing file and the trace cannot both be standard input",
        ));
    }
    let (_, document) = match global.load_checked(&args.file)? {
        Ok(loaded) => loaded,
        Err(exit) => return Ok(exit),
    };
    let options = Options {
        until,
        skip_invalid: args.skip_invalid,
        customers: args.customers.clone(),
    };
    let result = if args.trace == "-" {
        eval::simulate(&document, std::io::stdin().lock(), options)
    } else {
        let file = std::fs::File::open(&args.trace)
            .map_err(|e| CliError::new(format!("cannot read `{}`: {e}", args.trace)))?;
        eval::simulate(&document, BufReader::with_capacity(1 << 16, file), options)
    };
    let sim = match result {
        Ok(sim) => sim,
        Err(Failure::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{}: {e}", args.trace);
            }
            eprintln!(
                "{} invalid line{} in `{}`: no report (`--skip-invalid` skips them)",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                args.trace
            );
            return Ok(Exit::Failure);
        }
        Err(Failure::Fatal(message)) => {
            eprintln!("{message}");
            return Ok(Exit::Failure);
        }
    };
    let text = match args.format {
        crate::cmd::ReportFormat::Json => match sim.text(true) {
            Ok(t) => t,
            Err(Failure::Fatal(m)) => {
                eprintln!("{m}");
                return Ok(Exit::Failure);
            }
            Err(Failure::Invalid(v)) => {
                eprintln!(
                    "{}",
                    v.join(
                        "
"
                    )
                );
                return Ok(Exit::Failure);
            }
        },
        crate::cmd::ReportFormat::Human => {
            match eval::human::simulation(&sim, global.color_stdout()) {
                Ok(t) => t,
                Err(o) => {
                    eprintln!(
                        "error[arithmetic-overflow]: {} cannot be held exactly",
                        o.what
                    );
                    return Ok(Exit::Failure);
                }
            }
        }
    };
    crate::output::write_output(args.output.as_deref(), text.as_bytes())?;
    Ok(Exit::Success)
}
