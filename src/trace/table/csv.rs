//! CSV traces: RFC 4180 (quoted fields, `""` escapes, CRLF or LF), UTF-8, a header row.
//!
//! Invariant: the file is streamed one record at a time into one reused buffer, and a row's
//! values borrow from it (no allocation per row); one bad row (ragged, not UTF-8, a cell that
//! cannot be its column's value) is refused at its row and the rows after it are still read.
//! Rows are numbered from 1 among the records after the header (a line with nothing on it is no
//! record); a row whose fields are all empty is numbered but holds no event.

use super::{header, record, text_cell, Cells, Table, COLUMNS};
use crate::trace::source::{Pos, ReadError, Sink};
use crate::trace::{Refused, TraceError};
use csv::ByteRecord;
use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;

/// An opened CSV trace, its header read.
pub struct CsvTable {
    name: String,
    reader: csv::Reader<Box<dyn Read>>,
    /// For each field of a row, its trace column (`None`: ignored).
    cols: Vec<Option<usize>>,
    record: ByteRecord,
}

impl CsvTable {
    /// Open `path` (standard input when `None`) and read its header.
    pub fn open(name: &str, path: Option<&Path>) -> Result<(CsvTable, Vec<String>), ReadError> {
        let input: Box<dyn Read> = match path {
            Some(p) => {
                Box::new(std::fs::File::open(p).map_err(|e| ReadError::unreadable(name, e))?)
            }
            None => Box::new(std::io::stdin()),
        };
        CsvTable::from_reader(name, input)
    }

    /// Read the header of CSV text from any reader.
    pub fn from_reader(
        name: &str,
        input: Box<dyn Read>,
    ) -> Result<(CsvTable, Vec<String>), ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        let bad = |message: String| ReadError {
            input: name.to_string(),
            code: Some("bad-csv"),
            message,
        };
        let mut head = ByteRecord::new();
        match reader.read_byte_record(&mut head) {
            Ok(true) => {}
            Ok(false) => return Err(bad("the file is empty: a header row is required".into())),
            Err(e) => return Err(read_failed(name, 0, &e)),
        }
        let mut names = Vec::with_capacity(head.len());
        for (i, field) in head.iter().enumerate() {
            // A UTF-8 byte order mark (spreadsheets write one) is not part of the first name.
            let field = match i {
                0 => field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field),
                _ => field,
            };
            names.push(std::str::from_utf8(field).map_err(|_| {
                bad(format!(
                    "the header is not valid UTF-8 (its field {})",
                    i + 1
                ))
            })?);
        }
        let (cols, warning) = header(name, names)?;
        let table = CsvTable {
            name: name.to_string(),
            reader,
            cols,
            record: ByteRecord::new(),
        };
        Ok((table, warning.into_iter().collect()))
    }
}

fn read_failed(name: &str, row: u64, e: &csv::Error) -> ReadError {
    let at = if row == 0 {
        String::from("the header")
    } else {
        format!("row {row}")
    };
    ReadError {
        input: name.to_string(),
        code: None,
        message: format!("cannot read the trace at {at}: {e}"),
    }
}

/// One row (as wide as the header) as a record.
fn row_record<'r>(cols: &[Option<usize>], fields: &'r ByteRecord) -> super::Record<'r> {
    let mut cells: Cells<'r> = Default::default();
    let mut bad: Option<(usize, TraceError)> = None;
    for (field, col) in fields.iter().zip(cols) {
        let Some(col) = *col else { continue };
        if field.is_empty() {
            continue;
        }
        let value = match std::str::from_utf8(field) {
            Ok(text) => text_cell(col, text),
            Err(_) => Err(TraceError::new(
                "bad-csv",
                format!("`{}` is not valid UTF-8", COLUMNS.get(col).unwrap_or(&"?")),
            )),
        };
        match value {
            Ok(v) => {
                if let Some(slot) = cells.get_mut(col) {
                    *slot = Some(v);
                }
            }
            // The first bad cell in column order is the one reported.
            Err(e) if bad.as_ref().is_none_or(|(c, _)| col < *c) => bad = Some((col, e)),
            Err(_) => {}
        }
    }
    record(cells, bad.map(|(_, e)| e))
}

impl Table for CsvTable {
    fn read(&mut self, index: usize, sink: &mut Sink<'_>) -> Result<ControlFlow<()>, ReadError> {
        let width = self.cols.len();
        let mut row = 0u64;
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(read_failed(&self.name, row + 1, &e)),
            }
            row += 1;
            let pos = Pos::new(index, row).ok_or_else(|| ReadError::too_long(&self.name))?;
            if self.record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            let rec = if self.record.len() == width {
                row_record(&self.cols, &self.record)
            } else {
                Err(Refused {
                    customer: None,
                    error: TraceError::new(
                        "bad-csv",
                        format!(
                            "the row has {} field{} where the header has {width}",
                            self.record.len(),
                            if self.record.len() == 1 { "" } else { "s" }
                        ),
                    ),
                })
            };
            if sink(pos, rec).is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }
}
