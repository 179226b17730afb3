//! `tariffc simulate`: run a JSONL usage trace and report invoices, limits and rejections.
//!
//! Invariant: the trace is streamed (read line by line, never held whole); a report is printed
//! only when every counted line is valid or `--skip-invalid` is given.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::eval::{self, Failure, Options};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file
    pub file: String,
    /// The usage trace: JSON Lines, CSV or Parquet by extension; a directory reads its files in
    /// path order; `-` for standard input (repeatable: one stream, in the order given)
    #[arg(long, value_name = "TRACE", required = true)]
    pub trace: Vec<String>,
    /// Read every trace input in this format, whatever its extension (required for `-` unless
    /// it is JSON Lines)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub trace_format: Option<crate::trace::Format>,
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
    if args.file == "-" && args.trace.iter().any(|t| t == "-") {
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
    let trace_name = args.trace.join(", ");
    let opened = crate::trace::source::inputs(&args.trace, args.trace_format)
        .and_then(crate::trace::Files::open);
    let (mut source, warnings) = match opened {
        Ok(o) => o,
        // A table whose columns cannot be events is an input error (exit 1); an unreadable
        // or unnamed input is a usage error (exit 2).
        Err(e) if e.code.is_some() => {
            eprintln!("{e}");
            return Ok(Exit::Failure);
        }
        Err(e) => return Err(CliError::new(e.to_string())),
    };
    for w in &warnings {
        eprintln!("{w}");
    }
    let result = eval::simulate(&document, &mut source, options);
    let sim = match result {
        Ok(sim) => sim,
        Err(Failure::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "{} invalid line{} in `{}`: no report (`--skip-invalid` skips them)",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                trace_name
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
