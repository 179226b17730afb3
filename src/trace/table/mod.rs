//! Traces as tables (CSV, Parquet): each row is one event, columns named like the JSON keys
//! (`../shared/spec/tables.md`).
//!
//! Invariant: a row is judged by [`super::fields::event`], exactly as a JSON line with the same
//! keys would be; a table's columns are checked when it is opened, before any row is read.

use super::source::{Format, Input, ReadError, Sink};
use std::ops::ControlFlow;
use std::path::Path;

/// An opened table whose columns can be events: its rows, in order.
pub trait Table {
    /// Hand every row to `sink` as input `index`; `Break` when the sink stopped it.
    fn read(&mut self, index: usize, sink: &mut Sink<'_>) -> Result<ControlFlow<()>, ReadError>;
}

/// Open a table input (`path` `None`: standard input) and check its columns; the warnings
/// about it (`unused-column`).
pub fn open(
    input: &Input,
    format: Format,
    path: Option<&Path>,
) -> Result<(Box<dyn Table>, Vec<String>), ReadError> {
    let _ = (format, path);
    Err(ReadError {
        input: input.name.clone(),
        code: None,
        message: "reading tables is not built yet".into(),
    })
}
