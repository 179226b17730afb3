//! The one interface the evaluator reads events from: [`EventSource`], and the inputs behind it.
//!
//! Invariant: a source hands over every record of its inputs exactly once, in input order and
//! within an input in line (or row) order, each at its [`Pos`]; a blank JSONL line is no record.
//! Anything wrong with one record is a [`Refused`] record at its place; only what stops a whole
//! input (unreadable, a table whose columns cannot be events) is a [`ReadError`], raised before
//! any record of a table with that problem is handed over.

use super::{parse_line, Event, Record, Refused, TraceError};
use std::io::BufRead;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// Where a record is: which input (0-based, in the order given) and its line (JSON Lines) or
/// row (tables, data rows only), 1-based. Ordered by input, then number, which is trace order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos(u64);

impl Pos {
    /// Bits of the line or row number; the input's index sits above them.
    const NUMBER_BITS: u32 = 48;

    /// The record at `number` (1-based) of input `input`; `None` past 2^16 inputs or 2^48 lines.
    pub fn new(input: usize, number: u64) -> Option<Pos> {
        let input = u64::try_from(input).ok().filter(|&i| i < 1 << 16)?;
        (number < 1 << Self::NUMBER_BITS).then_some(Pos(input << Self::NUMBER_BITS | number))
    }

    /// A line of the first (or only) input.
    pub fn line(number: u64) -> Pos {
        Pos(number & ((1 << Self::NUMBER_BITS) - 1))
    }

    pub fn input(self) -> usize {
        (self.0 >> Self::NUMBER_BITS) as usize
    }

    /// The 1-based line or row within its input.
    pub fn number(self) -> u64 {
        self.0 & ((1 << Self::NUMBER_BITS) - 1)
    }
}

/// How an input's records are counted, as the report names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// JSON Lines: `line`, blank lines counted.
    Lines,
    /// Tables: `row`, data rows only.
    Rows,
}

/// What the report says of one input: its name (as given) and how its records are counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputInfo {
    pub name: String,
    pub counted: Counted,
}

/// A place in the trace as reports name it: the file when it must be told apart, and the line
/// (JSON Lines) or row (tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub file: Option<&'a str>,
    pub line: Option<u64>,
    pub row: Option<u64>,
}

impl Place<'_> {
    /// `events.csv: row 12`, `line 7`, `a.jsonl: line 7`.
    pub fn describe(&self) -> String {
        let at = match (self.line, self.row) {
            (_, Some(r)) => format!("row {r}"),
            (Some(l), None) => format!("line {l}"),
            (None, None) => String::from("the trace"),
        };
        match self.file {
            Some(f) => format!("{f}: {at}"),
            None => at,
        }
    }
}

/// The names of a run's inputs, to turn a [`Pos`] into a [`Place`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs(pub Vec<InputInfo>);

impl Inputs {
    /// One JSON Lines input named `name`.
    pub fn one_jsonl(name: &str) -> Inputs {
        Inputs(vec![InputInfo {
            name: name.to_string(),
            counted: Counted::Lines,
        }])
    }

    /// The file is named for every table and whenever there are several inputs.
    pub fn place(&self, pos: Pos) -> Place<'_> {
        let info = self.0.get(pos.input());
        let rows = info.is_some_and(|i| i.counted == Counted::Rows);
        let named = rows || self.0.len() > 1;
        Place {
            file: info.filter(|_| named).map(|i| i.name.as_str()),
            line: (!rows).then_some(pos.number()),
            row: rows.then_some(pos.number()),
        }
    }
}

/// What stops reading a whole input: it names the input and says why (`code` when the spec
/// gives one, such as `column-type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub input: String,
    pub code: Option<&'static str>,
    pub message: String,
}

impl ReadError {
    /// An input with more records than a [`Pos`] can number.
    pub fn too_long(input: &str) -> ReadError {
        ReadError {
            input: input.to_string(),
            code: None,
            message: "more than 2^48 lines or rows".into(),
        }
    }

    /// An input that cannot be read at all.
    pub fn unreadable(input: &str, e: impl std::fmt::Display) -> ReadError {
        ReadError {
            input: input.to_string(),
            code: None,
            message: format!("cannot read the trace: {e}"),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Some(code) => write!(f, "error[{code}]: {}: {}", self.input, self.message),
            None => write!(f, "{}: {}", self.input, self.message),
        }
    }
}

/// Where a run's records go: called once per record, in trace order; `Break` stops the source.
pub type Sink<'s> = dyn FnMut(Pos, Record<'_>) -> ControlFlow<()> + 's;

/// A source of trace records.
pub trait EventSource {
    /// The inputs, in order, as reports name them.
    fn inputs(&self) -> Inputs;

    /// Hand every record to `sink`, in trace order, until the end or until it breaks.
    fn read(&mut self, sink: &mut Sink<'_>) -> Result<(), ReadError>;
}

/// Events held in memory, as one input counted in rows (the `n`-th event is row `n`).
#[derive(Debug, Clone, Default)]
pub struct Memory {
    pub name: String,
    pub events: Vec<Event<'static>>,
}

impl EventSource for Memory {
    fn inputs(&self) -> Inputs {
        Inputs(vec![InputInfo {
            name: self.name.clone(),
            counted: Counted::Rows,
        }])
    }

    fn read(&mut self, sink: &mut Sink<'_>) -> Result<(), ReadError> {
        for (i, e) in self.events.iter().enumerate() {
            let Some(pos) = Pos::new(0, i as u64 + 1) else {
                return Err(ReadError::too_long(&self.name));
            };
            if sink(pos, Ok(e.clone())).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// JSON Lines from any buffered reader (a file, standard input, a byte slice).
pub struct JsonLines<R> {
    pub name: String,
    pub input: R,
    /// This input's index among a run's inputs.
    pub index: usize,
}

impl<R: BufRead> JsonLines<R> {
    pub fn new(name: impl Into<String>, input: R) -> JsonLines<R> {
        JsonLines {
            name: name.into(),
            input,
            index: 0,
        }
    }
}

/// One line (without its `\n`; a `\r` before it is dropped here) as a record; blank: none.
fn line_record(bytes: &[u8]) -> Option<Record<'_>> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(match std::str::from_utf8(bytes) {
        Ok(text) => parse_line(text),
        Err(_) => Err(Refused {
            customer: None,
            error: TraceError::new("bad-json", "the line is not valid UTF-8"),
        }),
    })
}

impl<R: BufRead> EventSource for JsonLines<R> {
    fn inputs(&self) -> Inputs {
        Inputs::one_jsonl(&self.name)
    }

    fn read(&mut self, sink: &mut Sink<'_>) -> Result<(), ReadError> {
        read_lines(&self.name, self.index, &mut self.input, sink).map(|_| ())
    }
}

/// Read `input`'s lines into `sink`; `Break` when the sink stopped it.
fn read_lines(
    name: &str,
    index: usize,
    input: &mut dyn BufRead,
    sink: &mut Sink<'_>,
) -> Result<ControlFlow<()>, ReadError> {
    let failed = |e: std::io::Error| ReadError::unreadable(name, e);
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut hand = |line: u64, bytes: &[u8]| -> Result<ControlFlow<()>, ReadError> {
        let pos = Pos::new(index, line).ok_or_else(|| ReadError::too_long(name))?;
        // A UTF-8 byte order mark before the first line (Windows editors write one) is no
        // part of it, as in pricing files.
        let bytes = match line {
            1 => bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes),
            _ => bytes,
        };
        Ok(match line_record(bytes) {
            Some(record) => sink(pos, record),
            None => ControlFlow::Continue(()),
        })
    };
    loop {
        // Whole lines in the input's buffer are read in place; one split across refills (or
        // the last, without a newline) is gathered into `buf`.
        let avail = match input.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(failed(e)),
        };
        if avail.is_empty() {
            break;
        }
        let mut used = 0;
        for end in memchr::memchr_iter(b'\n', avail) {
            line += 1;
            if hand(line, avail.get(used..end).unwrap_or_default())?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
            used = end + 1;
        }
        if used > 0 {
            input.consume(used);
            continue;
        }
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(failed)? == 0 {
            break;
        }
        line += 1;
        let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if hand(line, bytes)?.is_break() {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// An input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Parquet,
}

impl Format {
    /// The format an extension names (`.jsonl`, `.ndjson`, `.csv`, `.parquet`).
    pub fn of_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// One input of a run: a file, or standard input (`path` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub path: Option<PathBuf>,
    pub format: Format,
}

/// The inputs `--trace` arguments name: `-` is standard input (JSON Lines unless `format`
/// says otherwise); a directory stands for its files with a known extension (not its
/// subdirectories), in byte order of their paths; a file's format is its extension's, or
/// `format` for every input when given.
pub fn inputs(args: &[String], format: Option<Format>) -> Result<Vec<Input>, ReadError> {
    let mut out = Vec::new();
    let unknown = |name: &str| ReadError {
        input: name.to_string(),
        code: None,
        message: "cannot tell the trace's format from its extension: name it `.jsonl`, \
                  `.ndjson`, `.csv` or `.parquet`, or pass `--trace-format`"
            .into(),
    };
    for arg in args {
        if arg == "-" {
            out.push(Input {
                name: "-".into(),
                path: None,
                format: format.unwrap_or(Format::Jsonl),
            });
            continue;
        }
        let path = PathBuf::from(arg);
        if path.is_dir() {
            let cannot = |e: std::io::Error| ReadError {
                input: arg.clone(),
                code: None,
                message: format!("cannot list the directory: {e}"),
            };
            let mut files = Vec::new();
            for entry in std::fs::read_dir(&path).map_err(cannot)? {
                let p = entry.map_err(cannot)?.path();
                if p.is_file() && Format::of_path(&p).is_some() {
                    files.push(p);
                }
            }
            files.sort_by(|a, b| {
                a.as_os_str()
                    .as_encoded_bytes()
                    .cmp(b.as_os_str().as_encoded_bytes())
            });
            for p in files {
                let Some(f) = format.or_else(|| Format::of_path(&p)) else {
                    continue;
                };
                out.push(Input {
                    name: p.display().to_string(),
                    path: Some(p),
                    format: f,
                });
            }
            continue;
        }
        let f = format
            .or_else(|| Format::of_path(&path))
            .ok_or_else(|| unknown(arg))?;
        out.push(Input {
            name: arg.clone(),
            path: Some(path),
            format: f,
        });
    }
    Ok(out)
}

/// A record source over several inputs read one after the other as one stream.
pub struct Files {
    inputs: Vec<Input>,
    opened: Vec<Opened>,
}

/// An input opened by [`Files::open`].
enum Opened {
    Stdin,
    Lines(std::fs::File),
    Table(Box<dyn super::table::Table>),
}

impl Files {
    /// Open every input; each table's columns are checked now, so that a table that cannot be
    /// read is reported before anything is evaluated. Returns the warnings about the files
    /// (`unused-column`) beside the source.
    pub fn open(inputs: Vec<Input>) -> Result<(Files, Vec<String>), ReadError> {
        let mut opened = Vec::with_capacity(inputs.len());
        let mut warnings = Vec::new();
        for input in &inputs {
            opened.push(match (input.format, &input.path) {
                (Format::Jsonl, None) => Opened::Stdin,
                (Format::Jsonl, Some(path)) => Opened::Lines(
                    std::fs::File::open(path).map_err(|e| ReadError::unreadable(&input.name, e))?,
                ),
                (Format::Csv | Format::Parquet, _) => {
                    let (table, w) = super::table::open(input)?;
                    warnings.extend(w);
                    Opened::Table(table)
                }
            });
        }
        Ok((Files { inputs, opened }, warnings))
    }
}

impl EventSource for Files {
    fn inputs(&self) -> Inputs {
        Inputs(
            self.inputs
                .iter()
                .map(|i| InputInfo {
                    name: i.name.clone(),
                    counted: match i.format {
                        Format::Jsonl => Counted::Lines,
                        Format::Csv | Format::Parquet => Counted::Rows,
                    },
                })
                .collect(),
        )
    }

    fn read(&mut self, sink: &mut Sink<'_>) -> Result<(), ReadError> {
        for (index, (input, opened)) in self.inputs.iter().zip(&mut self.opened).enumerate() {
            let flow = match opened {
                Opened::Table(table) => table.read(index, sink)?,
                Opened::Stdin => {
                    read_lines(&input.name, index, &mut std::io::stdin().lock(), sink)?
                }
                Opened::Lines(file) => {
                    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
                    read_lines(&input.name, index, &mut reader, sink)?
                }
            };
            if flow.is_break() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn positions_order_by_input_then_number() {
        let a = Pos::new(0, 9).unwrap();
        let b = Pos::new(1, 1).unwrap();
        assert!(a < b);
        assert_eq!((b.input(), b.number()), (1, 1));
        assert_eq!(Pos::line(7), Pos::new(0, 7).unwrap());
        assert_eq!(Pos::new(1 << 16, 1), None);
    }

    #[test]
    fn lines_split_across_refills_and_blank_lines() {
        let text = b"\n{\"at\":1}\r\n\xff\n  \nlast";
        for cap in [1, 2, 5, 64] {
            let reader = std::io::BufReader::with_capacity(cap, &text[..]);
            let mut src = JsonLines::new("t.jsonl", reader);
            let mut seen = Vec::new();
            src.read(&mut |pos, r| {
                seen.push((pos.number(), r.err().map(|e| e.error.code)));
                ControlFlow::Continue(())
            })
            .unwrap();
            assert_eq!(
                seen,
                [
                    (2, Some("bad-value")),
                    (3, Some("bad-json")),
                    (5, Some("bad-json"))
                ],
                "capacity {cap}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_before_the_first_line_is_dropped() {
        let text = "\u{feff}{\"at\":\"2026-01-01T00:00:00Z\",\"customer\":\"c\",\"cancel\":true}\n\u{feff}x";
        let mut src = JsonLines::new("t.jsonl", text.as_bytes());
        let mut seen = Vec::new();
        src.read(&mut |pos, r| {
            seen.push((pos.number(), r.is_ok()));
            ControlFlow::Continue(())
        })
        .unwrap();
        // Only the first line's mark is dropped; one later in the file is an error.
        assert_eq!(seen, [(1, true), (2, false)]);
    }

    #[test]
    fn places_name_the_file_for_tables_and_several_inputs() {
        let one = Inputs::one_jsonl("t.jsonl");
        assert_eq!(one.place(Pos::line(3)).describe(), "line 3");
        let two = Inputs(vec![
            InputInfo {
                name: "a.jsonl".into(),
                counted: Counted::Lines,
            },
            InputInfo {
                name: "b.csv".into(),
                counted: Counted::Rows,
            },
        ]);
        assert_eq!(two.place(Pos::line(3)).describe(), "a.jsonl: line 3");
        assert_eq!(
            two.place(Pos::new(1, 4).unwrap()).describe(),
            "b.csv: row 4"
        );
    }
}
