use clap::Parser;
use std::process::ExitCode;
use tariffc::cli::{self, CliError, Exit};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let color = cli.global.color_stderr();
    match cli::run(cli) {
        Ok(Exit::Success) | Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Ok(Exit::Failure) => ExitCode::from(1),
        Err(err) => {
            let theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let mut out = String::new();
            let handler = miette::GraphicalReportHandler::new_themed(theme);
            if handler.render_report(&mut out, &err).is_err() {
                out = format!("error: {err}\n");
            }
            eprint!("{out}");
            ExitCode::from(2)
        }
    }
}
