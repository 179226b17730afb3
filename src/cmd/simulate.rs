//! `tariffc simulate`: run a usage trace (JSON Lines, CSV, Parquet; one or more inputs) and
//! report invoices, limits and rejections in the format asked for.
//!
//! Invariant: the trace is streamed (read record by record, never held whole) and so is the
//! report; a report is written only when every counted line or row is valid or
//! `--skip-invalid` is given, and `-o` is replaced only by a whole report.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::eval::{self, Failure, Options};
use crate::output::{stream, write_dir, StreamError};
use crate::report::{human, json, tables, WriteError};
use crate::trace::source::Counted;
use crate::trace::EventSource;

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
    /// Write the report here (atomically) instead of stdout; for `csv` and `parquet`, the
    /// directory to write the tables into
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Skip invalid trace lines (listed in the report) instead of failing
    #[arg(long)]
    pub skip_invalid: bool,
}

/// `simulate --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people, money in major units
    Human,
    /// The JSON report
    Json,
    /// One customer's entry per line, then a closing summary line
    Jsonl,
    /// Result tables as CSV files in the directory `-o DIR`
    Csv,
    /// Result tables as Parquet files in the directory `-o DIR`
    Parquet,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    // Tables are a directory: its name is needed before anything is read.
    let tables = match args.format {
        Format::Csv => Some(tables::Format::Csv),
        Format::Parquet => Some(tables::Format::Parquet),
        Format::Human | Format::Json | Format::Jsonl => None,
    };
    let tables = match (tables, args.output.as_deref()) {
        (None, _) => None,
        (Some(format), Some(dir)) if dir != std::path::Path::new("-") => Some((format, dir)),
        (Some(format), _) => {
            return Err(CliError::with_help(
                format!(
                    "`--format {}` writes a directory of tables, not standard output",
                    format.extension()
                ),
                "name the directory with `-o DIR`",
            ))
        }
    };
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
    let unit = match source.inputs().0.iter().any(|i| i.counted == Counted::Rows) {
        true => ("record", "records"),
        false => ("line", "lines"),
    };
    let result = eval::simulate(&document, &mut source, options);
    let sim = match result {
        Ok(sim) => sim,
        Err(Failure::Invalid(errors)) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!(
                "{} invalid {} in `{}`: no report (`--skip-invalid` skips them)",
                errors.len(),
                if errors.len() == 1 { unit.0 } else { unit.1 },
                trace_name
            );
            return Ok(Exit::Failure);
        }
        Err(Failure::Fatal(message)) => {
            eprintln!("{message}");
            return Ok(Exit::Failure);
        }
    };
    let results = sim.results();
    // Totals are checked before anything is written, so an amount that cannot be held stops
    // the run before any output.
    if let Err(o) = results.summary() {
        eprintln!("{}", WriteError::Overflow(o));
        return Ok(Exit::Failure);
    }
    let written = match (tables, args.format) {
        (Some((format, dir)), _) => write_dir(dir, |tmp| tables::write(&results, format, tmp)),
        (None, Format::Jsonl) => {
            stream(args.output.as_deref(), |w| json::report_lines(&results, w))
        }
        (None, Format::Human) => stream(args.output.as_deref(), |w| human::simulation(&results, w)),
        (None, _) => stream(args.output.as_deref(), |w| json::report(&results, true, w)),
    };
    // The evaluation is not taken apart piece by piece: the process ends right after, and
    // freeing millions of small allocations (a tenth of the run at 100,000 customers) buys
    // nothing. The memory is returned with the process.
    drop(results);
    std::mem::forget(sim);
    match written {
        Ok(()) => Ok(Exit::Success),
        Err(StreamError::Output(e)) => Err(e),
        Err(StreamError::Producer(WriteError::Io(e))) if crate::output::is_broken_pipe(&e) => {
            Err(CliError::BrokenPipe)
        }
        Err(StreamError::Producer(WriteError::Io(e))) => {
            Err(CliError::new(format!("cannot write the report: {e}")))
        }
        Err(StreamError::Producer(e)) => {
            eprintln!("{e}");
            Ok(Exit::Failure)
        }
    }
}
