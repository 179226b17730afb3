//! `tariffc quote`: price period 0 of one plan for given quantities.

use crate::cli::{CliError, CmdResult, Exit, Global};
use crate::eval::quote::{parse_quantity, quote, QuoteError};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file
    pub file: String,
    /// The plan to price
    #[arg(long, value_name = "PLAN_ID")]
    pub plan: String,
    /// Quantities, `FEATURE_ID=QTY`
    #[arg(value_name = "FEATURE_ID=QTY")]
    pub quantities: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = crate::cmd::ReportFormat::Human)]
    pub format: crate::cmd::ReportFormat,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    let quantities = args
        .quantities
        .iter()
        .map(|q| parse_quantity(q))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let (_, document) = match global.load_checked(&args.file)? {
        Ok(loaded) => loaded,
        Err(exit) => return Ok(exit),
    };
    let (engine, invoice) = match quote(&document, &args.plan, &quantities) {
        Ok(q) => q,
        Err(QuoteError::OverLimit { message, .. }) => {
            eprintln!("error[quote-over-limit]: {message}");
            return Ok(Exit::Failure);
        }
        Err(QuoteError::Overflow(what)) => {
            eprintln!("{}", crate::exact::Overflow::new(what));
            return Ok(Exit::Failure);
        }
        Err(e) => return Err(usage(e)),
    };
    let text = match args.format {
        crate::cmd::ReportFormat::Json => {
            let invoice = crate::eval::result::invoice(engine.shared.doc, &invoice, false);
            crate::report::json::invoice_text(&invoice, true)
                .map_err(|o| CliError::new(format!("{} cannot be held exactly", o.what)))?
        }
        crate::cmd::ReportFormat::Human => {
            let mut t = format!("quote: {}, one period\n", args.plan);
            let invoice = crate::eval::result::invoice(engine.shared.doc, &invoice, false);
            crate::report::human::invoice(&invoice, &mut t, "  ");
            t
        }
    };
    crate::output::write_stdout(text.as_bytes())?;
    Ok(Exit::Success)
}

fn usage(e: QuoteError) -> CliError {
    match e {
        QuoteError::Usage(m) | QuoteError::Overflow(m) => CliError::new(m),
        QuoteError::OverLimit { message, .. } => CliError::new(message),
    }
}
