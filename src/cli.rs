//! The command line: argument types, exit statuses, input reading shared by every command.
//!
//! Invariant: results go to stdout (or `-o`, atomically), diagnostics to stderr; exit 0 success,
//! 1 the input has errors (or a difference, for `--check`), 2 bad usage, unreadable file or
//! internal failure. Each command lives in `cmd/<name>.rs` with its own `Args` and `run`.

use crate::cmd;
use crate::load::{load, Loaded};
use crate::source::{Source, SourceFormat};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read};

#[derive(Debug, Parser)]
#[command(
    name = "tariffc",
    version,
    about = "Check pricing files, simulate invoices, generate pricing docs"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// When to use colour in human output (honours NO_COLOR)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The form of standard input (`-`), or of a file whose extension says nothing
    #[arg(long, global = true, value_enum)]
    pub input_format: Option<InputFormat>,
    /// The name to show in diagnostics for standard input
    #[arg(long, global = true, value_name = "NAME")]
    pub stdin_filename: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    Json,
    Text,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and validate pricing documents
    Check(cmd::check::Args),
    /// Print the checked, canonical plan IR as JSON
    Compile(cmd::compile::Args),
    /// Price one period of a plan for given quantities
    Quote(cmd::quote::Args),
    /// Run a usage trace and report invoices, limits and rejected events
    Simulate(cmd::simulate::Args),
    /// Convert between the JSON and the text form
    Convert(cmd::convert::Args),
    /// Rewrite text-form files in canonical layout
    Fmt(cmd::fmt::Args),
    /// Generate a pricing page from the plans
    Docs(cmd::docs::Args),
    /// Show what changed between two versions, plan by plan
    Diff(cmd::diff::Args),
    /// Print the JSON Schema of a format
    Schema(cmd::schema::Args),
}

/// How a command ended, when it ran to completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success,
    /// 1: the input has errors, or `--check` found a difference.
    Failure,
}

/// A failure that is not about the input's content: exit 2 (or 0, quietly, for a closed pipe).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CliError {
    #[error("{message}")]
    Message {
        message: String,
        #[help]
        help: Option<String>,
    },
    #[error("stdout was closed")]
    BrokenPipe,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError::Message {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(message: impl Into<String>, help: impl Into<String>) -> Self {
        CliError::Message {
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

pub type CmdResult = Result<Exit, CliError>;

impl Global {
    /// Whether human output to stderr should be coloured.
    pub fn color_stderr(&self) -> bool {
        self.color_for(std::io::stderr().is_terminal())
    }

    /// Whether human output to stdout should be coloured.
    pub fn color_stdout(&self) -> bool {
        self.color_for(std::io::stdout().is_terminal())
    }

    fn color_for(&self, is_terminal: bool) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// Read a file (or `-` for stdin) and decide which form it is.
    pub fn read_source(&self, path: &str) -> Result<(Source, SourceFormat), CliError> {
        let forced = self.input_format.map(|f| match f {
            InputFormat::Json => SourceFormat::Json,
            InputFormat::Text => SourceFormat::Text,
        });
        if path == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
            let name = self
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "<stdin>".to_string());
            let text = String::from_utf8(bytes)
                .map_err(|_| CliError::new(format!("`{name}` is not valid UTF-8")))?;
            let format = forced
                .or_else(|| SourceFormat::from_path(&name))
                .unwrap_or(SourceFormat::Json);
            return Ok((Source::new(name, text), format));
        }
        let bytes =
            std::fs::read(path).map_err(|e| CliError::new(format!("cannot read `{path}`: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::new(format!("`{path}` is not valid UTF-8")))?;
        let format = forced.or_else(|| SourceFormat::from_path(path)).ok_or_else(|| {
            CliError::with_help(
                format!("cannot tell the form of `{path}` from its name"),
                "name it `.json`, `.jsonc`, `.hujson` or `.tariff`, or pass `--input-format json|text`",
            )
        })?;
        Ok((Source::new(path, text), format))
    }

    /// Read and check a document; on errors print its diagnostics (human form) to stderr.
    /// `Ok(Err(Exit::Failure))` means the input had errors and the command should exit 1.
    pub fn load_checked(
        &self,
        path: &str,
    ) -> Result<Result<(Loaded, crate::ir::Document), Exit>, CliError> {
        let (source, format) = self.read_source(path)?;
        let mut loaded = load(source, format);
        let rendered =
            crate::render::human(&loaded.source, &loaded.diagnostics, self.color_stderr());
        if !rendered.is_empty() {
            eprint!("{rendered}");
        }
        match loaded.document.take() {
            Some(doc) if !loaded.has_errors() => Ok(Ok((loaded, doc))),
            _ => Ok(Err(Exit::Failure)),
        }
    }

    /// What `compile`, `convert` and `docs` share: load and check `path`, then write what `make`
    /// builds from the checked document to `output` (stdout when `None`). Nothing is written
    /// when the input has errors (exit 1).
    pub fn write_checked(
        &self,
        path: &str,
        output: Option<&std::path::Path>,
        make: impl FnOnce(&Loaded, &crate::ir::Document) -> Result<String, CliError>,
    ) -> CmdResult {
        let (loaded, document) = match self.load_checked(path)? {
            Ok(checked) => checked,
            Err(exit) => return Ok(exit),
        };
        let text = make(&loaded, &document)?;
        crate::output::write_output(output, text.as_bytes())?;
        Ok(Exit::Success)
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> CmdResult {
    let g = &cli.global;
    match &cli.command {
        Command::Check(a) => cmd::check::run(a, g),
        Command::Compile(a) => cmd::compile::run(a, g),
        Command::Quote(a) => cmd::quote::run(a, g),
        Command::Simulate(a) => cmd::simulate::run(a, g),
        Command::Convert(a) => cmd::convert::run(a, g),
        Command::Fmt(a) => cmd::fmt::run(a, g),
        Command::Docs(a) => cmd::docs::run(a, g),
        Command::Diff(a) => cmd::diff::run(a, g),
        Command::Schema(a) => cmd::schema::run(a, g),
    }
}
