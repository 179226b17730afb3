//! `tariffc docs`.

use crate::cli::{CmdResult, Global};

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
    let format = match args.format {
        DocsFormat::Md => crate::docs::Format::Markdown,
        DocsFormat::Html => crate::docs::Format::Html,
    };
    global.write_checked(&args.file, args.output.as_deref(), |_, document| {
        Ok(crate::docs::render(document, format))
    })
}
