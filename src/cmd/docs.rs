//! `tariffc docs`.

use crate::cli::{CmdResult, Exit, Global};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocsFormat {
    Md,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pricing file (`-` for standard input)
    pub file: String,
    /// Page format
    #[arg(long, value_enum, default_value_t = DocsFormat::Md)]
    pub format: DocsFormat,
    /// Write here (atomically) instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(args: &Args, global: &Global) -> CmdResult {
    let doc = match global.load_checked(&args.file)? {
        Ok((_, doc)) => doc,
        Err(exit) => return Ok(exit),
    };
    let format = match args.format {
        DocsFormat::Md => crate::docs::Format::Markdown,
        DocsFormat::Html => crate::docs::Format::Html,
    };
    let page = crate::docs::render(&doc, format);
    crate::output::write_output(args.output.as_deref(), page.as_bytes())?;
    Ok(Exit::Success)
}
