//! The result tables of `tables.md` ("Result tables"): an evaluation's result as Arrow record
//! batches ([`Batches`]), and those batches written as a directory of CSV or Parquet files
//! ([`write`]).
//!
//! Invariant: every table has exactly the spec's columns, in its order, with the types of
//! [`Table::columns`]; rows come in report order; a value goes into a table only when the
//! table's type holds it exactly (a decimal with more than 12 places, beyond 38 digits, or a
//! time finer than a microsecond is an [`Overflow`], never rounded). Batches hold at most a
//! fixed number of rows and are handed on as they fill, so memory holds one customer's entry
//! and one batch per table, not the report. CSV is written from the same batches as Parquet,
//! so both say the same thing.

use super::json_out::push_decimal;
use super::{minor_units, WriteError};
use crate::eval::result::{CustomerResult, Line, Note, Results};
use crate::eval::time::Instant;
use crate::exact::{Exact, Overflow};
use crate::trace::Place;
use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rust_decimal::Decimal;
use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Rows per record batch (and per Parquet row group): a batch is handed on when it has this
/// many rows.
pub const BATCH_ROWS: usize = 1 << 16;

/// Decimal places of every decimal column (`DECIMAL(38, 12)`).
pub const SCALE: i8 = 12;
/// Digits of every decimal column.
pub const PRECISION: u8 = 38;

/// One of the result tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Invoices,
    Lines,
    Bands,
    Limits,
    Rejected,
    Invalid,
    Warnings,
}

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Ids, codes, messages: `Utf8`.
    Str,
    /// Indices, line and row numbers, money in minor units: `Int64`.
    Int,
    /// Exact decimals: `Decimal128(38, 12)`.
    Dec,
    /// Instants: `Timestamp(Microsecond, "UTC")`.
    Time,
    /// `Boolean`.
    Bool,
}

impl Type {
    pub fn data_type(self) -> DataType {
        match self {
            Type::Str => DataType::Utf8,
            Type::Int => DataType::Int64,
            Type::Dec => DataType::Decimal128(PRECISION, SCALE),
            Type::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Type::Bool => DataType::Boolean,
        }
    }
}

/// A column: its name (as the JSON report names the field), type and whether it may be null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    pub nullable: bool,
}

const fn col(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}

const fn opt(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: true,
    }
}

use Type::{Bool, Dec, Int, Str, Time};

const INVOICES: &[Column] = &[
    col("customer", Str),
    col("invoice", Int),
    col("plan", Str),
    col("currency", Str),
    opt("period_start", Time),
    opt("period_end", Time),
    opt("status", Str),
    col("total", Int),
];

const LINES: &[Column] = &[
    col("customer", Str),
    col("invoice", Int),
    col("line", Int),
    col("kind", Str),
    opt("feature", Str),
    opt("addon", Str),
    opt("quantity", Dec),
    opt("used", Dec),
    opt("covered", Dec),
    opt("billable", Dec),
    opt("price", Dec),
    opt("full_amount", Dec),
    opt("elapsed", Dec),
    opt("length", Dec),
    opt("at", Time),
    opt("auto", Bool),
    col("amount", Int),
];

const BANDS: &[Column] = &[
    col("customer", Str),
    col("invoice", Int),
    col("line", Int),
    col("band", Int),
    col("from", Dec),
    opt("to", Dec),
    col("quantity", Dec),
    col("price", Dec),
    col("base", Dec),
    col("amount", Dec),
];

const LIMITS: &[Column] = &[
    col("customer", Str),
    col("feature", Str),
    col("used", Dec),
    col("balance", Dec),
    opt("limit", Dec),
    opt("remaining", Dec),
];

const REJECTED: &[Column] = &[
    col("customer", Str),
    opt("file", Str),
    opt("line", Int),
    opt("row", Int),
    col("at", Time),
    col("feature", Str),
    col("n", Dec),
    col("code", Str),
    col("reason", Str),
];

const INVALID: &[Column] = &[
    opt("file", Str),
    opt("line", Int),
    opt("row", Int),
    col("code", Str),
    col("message", Str),
];

const WARNINGS: &[Column] = &[
    col("customer", Str),
    opt("file", Str),
    opt("line", Int),
    opt("row", Int),
    col("code", Str),
    col("message", Str),
];

impl Table {
    /// Every table, in the order their files are listed.
    pub const ALL: [Table; 7] = [
        Table::Invoices,
        Table::Lines,
        Table::Bands,
        Table::Limits,
        Table::Rejected,
        Table::Invalid,
        Table::Warnings,
    ];

    /// The table's name (and file stem).
    pub fn name(self) -> &'static str {
        match self {
            Table::Invoices => "invoices",
            Table::Lines => "lines",
            Table::Bands => "bands",
            Table::Limits => "limits",
            Table::Rejected => "rejected",
            Table::Invalid => "invalid",
            Table::Warnings => "warnings",
        }
    }

    /// The table's columns, in order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Invoices => INVOICES,
            Table::Lines => LINES,
            Table::Bands => BANDS,
            Table::Limits => LIMITS,
            Table::Rejected => REJECTED,
            Table::Invalid => INVALID,
            Table::Warnings => WARNINGS,
        }
    }

    /// The table's Arrow schema (every batch of the table has exactly this one).
    pub fn schema(self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns()
            .iter()
            .map(|c| Field::new(c.name, c.ty.data_type(), c.nullable))
            .collect();
        Arc::new(Schema::new(fields))
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The cells of a `lines` row that depend on the line's kind (in [`LINES`] order); a column a
/// kind does not have stays null.
#[derive(Clone, Copy, Default)]
struct LineCells<'a> {
    feature: Cell<'a>,
    addon: Cell<'a>,
    quantity: Cell<'a>,
    used: Cell<'a>,
    covered: Cell<'a>,
    billable: Cell<'a>,
    price: Cell<'a>,
    full_amount: Cell<'a>,
    elapsed: Cell<'a>,
    length: Cell<'a>,
    at: Cell<'a>,
    auto: Cell<'a>,
}

/// One value of a row, before it is converted to its column's type.
#[derive(Debug, Clone, Copy, Default)]
enum Cell<'a> {
    #[default]
    Null,
    Str(&'a str),
    /// A count or a number (index, line, row) for an `Int` column.
    Count(u64),
    /// A money amount, rounded to minor units, for an `Int` column.
    Money(Decimal),
    Dec(Decimal),
    Time(Instant),
    Bool(bool),
}

fn opt_dec<'a>(d: Option<Decimal>) -> Cell<'a> {
    d.map_or(Cell::Null, Cell::Dec)
}

fn opt_count<'a>(n: Option<u64>) -> Cell<'a> {
    n.map_or(Cell::Null, Cell::Count)
}

/// A decimal as the `i128` of a `Decimal128(38, 12)`, or [`Overflow`] when it cannot be held
/// exactly. The checker keeps a document's numbers to 12 places and limits divide to 12 places,
/// but a trace's `n` may have up to 28, and a band amount is a quantity times a price (up to
/// 12 places each), so a value beyond 12 places is possible with a valid document and trace:
/// it is refused, naming the column, never rounded.
pub fn decimal128(d: Decimal, what: &str) -> Exact<i128> {
    let scale = u32::try_from(SCALE).unwrap_or(12);
    let d = if d.scale() > scale { d.normalize() } else { d };
    let places = d.scale();
    let refuse = |why: &str| {
        Overflow::new(format!(
            "{what} {} ({why}) in a DECIMAL({PRECISION}, {SCALE}) column",
            super::json_out::dec(d)
        ))
    };
    if places > scale {
        return Err(refuse("more than 12 decimal places"));
    }
    let v = 10i128
        .checked_pow(scale - places)
        .and_then(|p| d.mantissa().checked_mul(p))
        .ok_or_else(|| refuse("beyond 38 digits"))?;
    if v.unsigned_abs() >= 10u128.pow(u32::from(PRECISION)) {
        return Err(refuse("beyond 38 digits"));
    }
    Ok(v)
}

/// An instant as microseconds since the Unix epoch, or [`Overflow`] when it has a part finer
/// than a microsecond (a trace's timestamps may have up to 9 fractional digits): refused,
/// naming the column, never truncated.
pub fn micros(t: Instant, what: &str) -> Exact<i64> {
    if !t.is_whole_micros() {
        return Err(Overflow::new(format!(
            "{what} {t} (finer than a microsecond) in a TIMESTAMP(µs) column"
        )));
    }
    t.unix_micros()
        .ok_or_else(|| Overflow::new(format!("{what} {t} in a TIMESTAMP(µs) column")))
}

/// A column being filled.
enum Builder {
    Str(StringBuilder),
    Int(Int64Builder),
    Dec(Decimal128Builder),
    Time(TimestampMicrosecondBuilder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(ty: Type) -> Result<Builder, WriteError> {
        Ok(match ty {
            Type::Str => Builder::Str(StringBuilder::new()),
            Type::Int => Builder::Int(Int64Builder::new()),
            Type::Dec => Builder::Dec(
                Decimal128Builder::new()
                    .with_precision_and_scale(PRECISION, SCALE)
                    .map_err(|e| WriteError::internal(&format!("a decimal column ({e})")))?,
            ),
            Type::Time => Builder::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            Type::Bool => Builder::Bool(BooleanBuilder::new()),
        })
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Dec(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// One table's rows not yet handed on.
struct TableBuilder {
    table: Table,
    schema: SchemaRef,
    columns: Vec<Builder>,
    rows: usize,
}

impl TableBuilder {
    fn new(table: Table) -> Result<TableBuilder, WriteError> {
        let columns = table
            .columns()
            .iter()
            .map(|c| Builder::new(c.ty))
            .collect::<Result<_, _>>()?;
        Ok(TableBuilder {
            table,
            schema: table.schema(),
            columns,
            rows: 0,
        })
    }

    /// Append one row (one cell per column, in order).
    fn push(&mut self, row: &[Cell<'_>]) -> Result<(), WriteError> {
        let table = self.table.name();
        if row.len() != self.columns.len() {
            return Err(WriteError::internal(&format!("a row of `{table}`")));
        }
        for ((b, c), spec) in self.columns.iter_mut().zip(row).zip(self.table.columns()) {
            let what = || format!("`{table}.{}`", spec.name);
            if matches!(c, Cell::Null) && !spec.nullable {
                return Err(WriteError::internal(&format!("a null in {}", what())));
            }
            match (b, *c) {
                (Builder::Str(b), Cell::Null) => b.append_null(),
                (Builder::Int(b), Cell::Null) => b.append_null(),
                (Builder::Dec(b), Cell::Null) => b.append_null(),
                (Builder::Time(b), Cell::Null) => b.append_null(),
                (Builder::Bool(b), Cell::Null) => b.append_null(),
                (Builder::Str(b), Cell::Str(s)) => b.append_value(s),
                (Builder::Int(b), Cell::Count(n)) => b.append_value(
                    i64::try_from(n)
                        .map_err(|_| Overflow::new(format!("{} {n} beyond 64 bits", what())))?,
                ),
                (Builder::Int(b), Cell::Money(d)) => b.append_value(minor_units(d)?),
                (Builder::Dec(b), Cell::Dec(d)) => b.append_value(decimal128(d, &what())?),
                (Builder::Time(b), Cell::Time(t)) => b.append_value(micros(t, &what())?),
                (Builder::Bool(b), Cell::Bool(v)) => b.append_value(v),
                _ => {
                    return Err(WriteError::internal(&format!(
                        "a value of the wrong type in {}",
                        what()
                    )))
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows so far as a batch (the builder starts afresh).
    fn finish(&mut self) -> Result<RecordBatch, WriteError> {
        let arrays = self.columns.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| WriteError::internal(&format!("a batch of `{}` ({e})", self.table.name())))
    }
}

/// Where the iteration is: the customers, then the invalid lines, then done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Customers(usize),
    Invalid,
    Done,
}

/// The result tables of an evaluation as Arrow record batches, in report order: an iterator of
/// `(table, batch)`. The library's tables: the CSV and Parquet writers read exactly these, and
/// the Python package is handed the same.
///
/// Each batch holds at most [`BATCH_ROWS`] rows (rarely fewer before the last) and has
/// [`Table::schema`]. A table's batches come in its row order; batches of different tables
/// interleave. A table with no rows yields no batch (its schema is [`Table::schema`]).
/// Customers are read one at a time, so memory holds one customer's entry and one partial
/// batch per table. After an error the iterator ends.
pub struct Batches<'r, 'e, 'd> {
    results: &'r Results<'e, 'd>,
    stage: Stage,
    tables: Vec<TableBuilder>,
    ready: VecDeque<(Table, RecordBatch)>,
    rows: usize,
    /// Why the tables could not be set up, reported by the first `next`.
    setup: Option<WriteError>,
    /// Set by an error: the iterator then ends.
    failed: bool,
}

/// The result tables of `results` as record batches of at most [`BATCH_ROWS`] rows.
pub fn batches<'r, 'e, 'd>(results: &'r Results<'e, 'd>) -> Batches<'r, 'e, 'd> {
    Batches::new(results, BATCH_ROWS)
}

impl<'r, 'e, 'd> Batches<'r, 'e, 'd> {
    /// Batches of at most `rows` rows (at least 1).
    pub fn new(results: &'r Results<'e, 'd>, rows: usize) -> Batches<'r, 'e, 'd> {
        let tables = Table::ALL
            .iter()
            .map(|&t| TableBuilder::new(t))
            .collect::<Result<Vec<_>, _>>();
        let (tables, setup) = match tables {
            Ok(t) => (t, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        Batches {
            results,
            stage: Stage::Customers(0),
            tables,
            ready: VecDeque::new(),
            rows: rows.max(1),
            setup,
            failed: false,
        }
    }

    /// Append a row to `table`, handing its batch on when it is full.
    fn push(&mut self, table: Table, row: &[Cell<'_>]) -> Result<(), WriteError> {
        let b = self
            .tables
            .get_mut(table.index())
            .ok_or_else(|| WriteError::internal("a table"))?;
        b.push(row)?;
        if b.rows >= self.rows {
            let batch = b.finish()?;
            self.ready.push_back((table, batch));
        }
        Ok(())
    }

    fn place_cells<'a>(p: &Place<'a>) -> [Cell<'a>; 3] {
        [
            p.file.map_or(Cell::Null, Cell::Str),
            opt_count(p.line),
            opt_count(p.row),
        ]
    }

    fn customer(&mut self, c: &CustomerResult<'_>) -> Result<(), WriteError> {
        let id = Cell::Str(c.customer);
        for (ii, inv) in c.invoices.iter().enumerate() {
            let ii = Cell::Count(ii as u64);
            let (start, end, status) = match &inv.period {
                Some((p, s)) => (
                    Cell::Time(p.start),
                    Cell::Time(p.end),
                    Cell::Str(s.as_str()),
                ),
                None => (Cell::Null, Cell::Null, Cell::Null),
            };
            self.push(
                Table::Invoices,
                &[
                    id,
                    ii,
                    Cell::Str(inv.plan),
                    Cell::Str(&inv.currency.code),
                    start,
                    end,
                    status,
                    Cell::Money(inv.total),
                ],
            )?;
            for (li, line) in inv.lines.iter().enumerate() {
                let li = Cell::Count(li as u64);
                self.line(id, ii, li, line)?;
            }
        }
        for l in &c.limits {
            self.push(
                Table::Limits,
                &[
                    id,
                    Cell::Str(l.feature),
                    Cell::Dec(l.used),
                    Cell::Dec(l.balance),
                    opt_dec(l.limit),
                    opt_dec(l.remaining),
                ],
            )?;
        }
        for r in &c.rejected {
            let [file, line, row] = Self::place_cells(&r.place);
            self.push(
                Table::Rejected,
                &[
                    id,
                    file,
                    line,
                    row,
                    Cell::Time(r.at),
                    Cell::Str(r.feature),
                    Cell::Dec(r.n),
                    Cell::Str(r.code),
                    Cell::Str(&r.reason),
                ],
            )?;
        }
        for w in &c.warnings {
            let [file, line, row] = Self::place_cells(&w.place);
            self.push(
                Table::Warnings,
                &[id, file, line, row, Cell::Str(w.code), Cell::Str(w.message)],
            )?;
        }
        Ok(())
    }

    /// A line of `lines` (its bands into `bands`): the columns a kind does not have are null.
    fn line(
        &mut self,
        id: Cell<'_>,
        invoice: Cell<'_>,
        index: Cell<'_>,
        line: &Line<'_>,
    ) -> Result<(), WriteError> {
        let mut c = LineCells::default();
        match line {
            Line::Base(b) => {
                c.feature = Cell::Str(b.feature);
                c.quantity = Cell::Dec(Decimal::ONE);
                if let Some(p) = &b.prorated {
                    c.full_amount = Cell::Dec(p.full_amount);
                    c.elapsed = Cell::Dec(p.elapsed_secs());
                    c.length = Cell::Dec(p.length_secs());
                }
            }
            Line::Usage(u) => {
                c.feature = Cell::Str(u.feature);
                c.used = Cell::Dec(u.used);
                c.covered = Cell::Dec(u.covered);
                c.billable = Cell::Dec(u.billable);
            }
            Line::Addon(a) => {
                c.addon = Cell::Str(a.addon);
                c.quantity = Cell::Dec(Decimal::from(a.quantity));
                c.price = Cell::Dec(a.price);
                c.at = Cell::Time(a.at);
                c.auto = Cell::Bool(a.auto);
            }
        }
        let row = [
            id,
            invoice,
            index,
            Cell::Str(line.kind()),
            c.feature,
            c.addon,
            c.quantity,
            c.used,
            c.covered,
            c.billable,
            c.price,
            c.full_amount,
            c.elapsed,
            c.length,
            c.at,
            c.auto,
            Cell::Money(line.amount()),
        ];
        self.push(Table::Lines, &row)?;
        if let Line::Usage(u) = line {
            for (bi, b) in u.bands.iter().enumerate() {
                self.push(
                    Table::Bands,
                    &[
                        id,
                        invoice,
                        index,
                        Cell::Count(bi as u64),
                        Cell::Dec(Decimal::from(b.from)),
                        opt_dec(b.to.map(Decimal::from)),
                        Cell::Dec(b.quantity),
                        Cell::Dec(b.price),
                        Cell::Dec(b.base),
                        Cell::Dec(b.amount),
                    ],
                )?;
            }
        }
        Ok(())
    }

    fn invalid(&mut self, notes: &[Note<'_>]) -> Result<(), WriteError> {
        for n in notes {
            let [file, line, row] = Self::place_cells(&n.place);
            self.push(
                Table::Invalid,
                &[file, line, row, Cell::Str(n.code), Cell::Str(n.message)],
            )?;
        }
        Ok(())
    }

    /// Move the iteration on by one customer (or the invalid lines, or the last partial
    /// batches).
    fn step(&mut self) -> Result<(), WriteError> {
        match self.stage {
            Stage::Customers(i) if i < self.results.len() => {
                self.stage = Stage::Customers(i + 1);
                if let Some(c) = self.results.customer(i)? {
                    self.customer(&c)?;
                }
            }
            Stage::Customers(_) => self.stage = Stage::Invalid,
            Stage::Invalid => {
                self.stage = Stage::Done;
                let notes = self.results.invalid();
                self.invalid(&notes)?;
                for t in Table::ALL {
                    if let Some(b) = self.tables.get_mut(t.index()) {
                        if b.rows > 0 {
                            let batch = b.finish()?;
                            self.ready.push_back((t, batch));
                        }
                    }
                }
            }
            Stage::Done => {}
        }
        Ok(())
    }
}

impl Iterator for Batches<'_, '_, '_> {
    type Item = Result<(Table, RecordBatch), WriteError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Some(Ok(b));
            }
            if self.failed {
                return None;
            }
            if let Some(e) = self.setup.take() {
                self.failed = true;
                return Some(Err(e));
            }
            if self.stage == Stage::Done {
                return None;
            }
            if let Err(e) = self.step() {
                self.failed = true;
                self.ready.clear();
                return Some(Err(e));
            }
        }
    }
}

/// The file format of the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

fn io_error(what: &str, e: impl std::fmt::Display) -> WriteError {
    WriteError::Io(std::io::Error::other(format!("{what}: {e}")))
}

/// One table's file being written.
enum Sink {
    Csv(Box<csv::Writer<std::io::BufWriter<std::fs::File>>>),
    Parquet(Box<parquet::arrow::ArrowWriter<std::io::BufWriter<std::fs::File>>>),
}

/// How Parquet files are written: zstd, a row group per `rows` rows (one per batch), so the
/// writer holds one batch's encoded pages at a time.
fn parquet_properties(rows: usize) -> parquet::file::properties::WriterProperties {
    parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_max_row_group_row_count(Some(rows.max(1)))
        .set_created_by(format!("tariffc {}", env!("CARGO_PKG_VERSION")))
        .build()
}

impl Sink {
    fn create(dir: &Path, table: Table, format: Format, rows: usize) -> Result<Sink, WriteError> {
        let name = format!("{}.{}", table.name(), format.extension());
        let file = std::fs::File::create(dir.join(&name)).map_err(|e| io_error(&name, e))?;
        let w = std::io::BufWriter::with_capacity(1 << 16, file);
        Ok(match format {
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(w);
                csv.write_record(table.columns().iter().map(|c| c.name))
                    .map_err(|e| io_error(&name, e))?;
                Sink::Csv(Box::new(csv))
            }
            Format::Parquet => Sink::Parquet(Box::new(
                parquet::arrow::ArrowWriter::try_new(
                    w,
                    table.schema(),
                    Some(parquet_properties(rows)),
                )
                .map_err(|e| io_error(&name, e))?,
            )),
        })
    }

    fn write(&mut self, table: Table, batch: &RecordBatch) -> Result<(), WriteError> {
        match self {
            Sink::Csv(w) => csv_rows(w, table, batch),
            Sink::Parquet(w) => w.write(batch).map_err(|e| io_error(table.name(), e)),
        }
    }

    /// Finish the file (footer, buffers) and flush it to the file system.
    fn close(self, table: Table) -> Result<(), WriteError> {
        let fail = |e: &dyn std::fmt::Display| io_error(table.name(), e);
        let buffered = match self {
            Sink::Csv(w) => w.into_inner().map_err(|e| fail(&e.error().to_string()))?,
            Sink::Parquet(w) => w.into_inner().map_err(|e| fail(&e))?,
        };
        buffered.into_inner().map_err(|e| fail(e.error()))?;
        Ok(())
    }
}

/// A column of a batch, read as its type.
enum ColumnRef<'a> {
    Str(&'a arrow_array::StringArray),
    Int(&'a arrow_array::PrimitiveArray<Int64Type>),
    Dec(&'a arrow_array::PrimitiveArray<Decimal128Type>),
    Time(&'a arrow_array::PrimitiveArray<TimestampMicrosecondType>),
    Bool(&'a arrow_array::BooleanArray),
}

impl<'a> ColumnRef<'a> {
    fn of(array: &'a ArrayRef, ty: Type) -> Option<ColumnRef<'a>> {
        Some(match ty {
            Type::Str => ColumnRef::Str(array.as_string_opt::<i32>()?),
            Type::Int => ColumnRef::Int(array.as_primitive_opt::<Int64Type>()?),
            Type::Dec => ColumnRef::Dec(array.as_primitive_opt::<Decimal128Type>()?),
            Type::Time => ColumnRef::Time(array.as_primitive_opt::<TimestampMicrosecondType>()?),
            Type::Bool => ColumnRef::Bool(array.as_boolean_opt()?),
        })
    }

    /// The CSV text of row `i` into `out` (nothing for a null).
    fn text(&self, i: usize, out: &mut String) {
        out.clear();
        match self {
            ColumnRef::Str(a) if a.is_valid(i) => out.push_str(a.value(i)),
            ColumnRef::Int(a) if a.is_valid(i) => out.push_str(&a.value(i).to_string()),
            ColumnRef::Dec(a) if a.is_valid(i) => push_scaled(out, a.value(i)),
            ColumnRef::Time(a) if a.is_valid(i) => push_micros(out, a.value(i)),
            ColumnRef::Bool(a) if a.is_valid(i) => {
                out.push_str(if a.value(i) { "true" } else { "false" })
            }
            _ => {}
        }
    }
}

/// A `Decimal128(_, 12)` value as the JSON report prints the decimal (no trailing zeros).
pub fn push_scaled(out: &mut String, v: i128) {
    // `Decimal` holds magnitudes below 2^96; larger values (up to 38 digits) are printed here
    // in the same format.
    match Decimal::try_from_i128_with_scale(v, 12) {
        Ok(d) => push_decimal(out, d.normalize()),
        Err(_) => {
            const ONE: u128 = 1_000_000_000_000;
            let u = v.unsigned_abs();
            let (int, mut frac) = (u / ONE, u % ONE);
            if v < 0 {
                out.push('-');
            }
            out.push_str(&int.to_string());
            if frac != 0 {
                let mut width = 12;
                while frac % 10 == 0 {
                    frac /= 10;
                    width -= 1;
                }
                out.push_str(&format!(".{frac:0width$}"));
            }
        }
    }
}

/// Microseconds since the epoch as the JSON report prints an instant (RFC 3339, `Z`,
/// fractional seconds only when non-zero).
pub fn push_micros(out: &mut String, us: i64) {
    Instant::from_unix_micros(us).push_to(out);
}

fn csv_rows(
    w: &mut csv::Writer<std::io::BufWriter<std::fs::File>>,
    table: Table,
    batch: &RecordBatch,
) -> Result<(), WriteError> {
    let columns = batch
        .columns()
        .iter()
        .zip(table.columns())
        .map(|(a, c)| ColumnRef::of(a, c.ty))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| WriteError::internal(&format!("a batch of `{}`", table.name())))?;
    let fail = |e: csv::Error| io_error(table.name(), e);
    let mut cell = String::new();
    for i in 0..batch.num_rows() {
        for c in &columns {
            c.text(i, &mut cell);
            w.write_field(&cell).map_err(fail)?;
        }
        w.write_record(None::<&[u8]>).map_err(fail)?;
    }
    Ok(())
}

/// Write every table of `results` into the directory `dir` (which exists and is empty) as
/// `NAME.csv` or `NAME.parquet` — every table, an empty one with its header or schema — and
/// `summary.json`. Each batch is written as soon as it is full. Files are not synced here
/// (the directory writer, `output::write_dir`, syncs what it renames into place).
pub fn write(results: &Results<'_, '_>, format: Format, dir: &Path) -> Result<(), WriteError> {
    write_batches(results, format, dir, BATCH_ROWS)
}

/// [`write`] with batches of at most `rows` rows.
pub fn write_batches(
    results: &Results<'_, '_>,
    format: Format,
    dir: &Path,
    rows: usize,
) -> Result<(), WriteError> {
    // The summary is computed first: an amount it cannot hold stops the run before any table.
    let summary = super::json::summary_json(results.until(), results.summary()?)?;
    let mut sinks = Table::ALL
        .iter()
        .map(|&t| Sink::create(dir, t, format, rows))
        .collect::<Result<Vec<_>, _>>()?;
    for item in Batches::new(results, rows) {
        let (table, batch) = item?;
        sinks
            .get_mut(table.index())
            .ok_or_else(|| WriteError::internal("a table's file"))?
            .write(table, &batch)?;
    }
    for (sink, table) in sinks.into_iter().zip(Table::ALL) {
        sink.close(table)?;
    }
    let mut f = std::fs::File::create(dir.join("summary.json"))?;
    f.write_all(summary.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::eval::{simulate, Options, Simulation};
    use crate::ir::Document;
    use crate::trace::JsonLines;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use std::collections::BTreeMap;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Each table's rows as text (`None`: null), in order.
    type Rows = BTreeMap<Table, Vec<Vec<Option<String>>>>;

    fn add_rows(rows: &mut Rows, table: Table, batch: &RecordBatch) {
        assert_eq!(batch.schema(), table.schema(), "{}", table.name());
        let columns: Vec<_> = batch
            .columns()
            .iter()
            .zip(table.columns())
            .map(|(a, c)| (a, ColumnRef::of(a, c.ty).unwrap()))
            .collect();
        let out = rows.entry(table).or_default();
        let mut cell = String::new();
        for i in 0..batch.num_rows() {
            out.push(
                columns
                    .iter()
                    .map(|(a, c)| {
                        c.text(i, &mut cell);
                        a.is_valid(i).then(|| cell.clone())
                    })
                    .collect(),
            );
        }
    }

    fn rows_of(results: &Results<'_, '_>, size: usize) -> Rows {
        let mut rows = Rows::new();
        for item in Batches::new(results, size) {
            let (table, batch) = item.unwrap();
            assert!(batch.num_rows() <= size && batch.num_rows() > 0);
            add_rows(&mut rows, table, &batch);
        }
        rows
    }

    fn run<'d>(doc: &'d Document, trace: &str) -> Simulation<'d> {
        let options = Options {
            skip_invalid: true,
            ..Options::default()
        };
        simulate(doc, &mut JsonLines::new("trace", trace.as_bytes()), options).unwrap()
    }

    fn column(table: Table, name: &str) -> usize {
        table.columns().iter().position(|c| c.name == name).unwrap()
    }

    fn int(cell: &Option<String>) -> i64 {
        cell.as_deref().unwrap().parse().unwrap()
    }

    #[test]
    fn decimals_are_held_exactly_or_refused() {
        assert_eq!(decimal128(d("1"), "x").unwrap(), 1_000_000_000_000);
        assert_eq!(decimal128(d("-0.5"), "x").unwrap(), -500_000_000_000);
        assert_eq!(decimal128(d("0.000000000001"), "x").unwrap(), 1);
        // Trailing zeros beyond 12 places are not places.
        assert_eq!(
            decimal128(d("2.50000000000000000"), "x").unwrap(),
            2_500_000_000_000
        );
        let max = d("79228162514264337593543950335");
        let err = decimal128(d("0.0000000000001"), "`lines.used`").unwrap_err();
        assert_eq!(
            err.what,
            "`lines.used` 0.0000000000001 (more than 12 decimal places) in a DECIMAL(38, 12) column"
        );
        assert!(decimal128(max, "x")
            .unwrap_err()
            .what
            .contains("beyond 38 digits"));
        assert!(decimal128(d("99999999999999999999999999"), "x").is_ok());
        assert!(decimal128(d("100000000000000000000000000"), "x").is_err());
    }

    #[test]
    fn decimal_text_is_the_reports() {
        for t in [
            "0",
            "1",
            "-1",
            "0.5",
            "-0.05",
            "20000",
            "7.333333333333",
            "-9999999999999999.999999999999",
            "123456789012345678.000000000001",
        ] {
            let v = decimal128(d(t), "x").unwrap();
            let mut s = String::new();
            push_scaled(&mut s, v);
            assert_eq!(s, super::super::json_out::dec(d(t)), "{t}");
        }
        // Beyond what `Decimal` holds (2^96) the text is made by hand, in the same format.
        let mut s = String::new();
        push_scaled(&mut s, -(10i128.pow(37) + 5_000_000));
        assert_eq!(s, "-10000000000000000000000000.000005");
        s.clear();
        push_scaled(&mut s, 10i128.pow(38) - 10i128.pow(12));
        assert_eq!(s, "99999999999999999999999999");
    }

    #[test]
    fn times_are_whole_microseconds_printed_as_the_report_prints_them() {
        for t in [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.5Z",
            "2026-03-01T12:34:56.123456Z",
            "2026-03-01T12:34:56.000001Z",
            "1969-12-31T23:59:59.999999Z",
            "1900-02-28T01:02:03.04Z",
        ] {
            let i = Instant::parse(t).unwrap();
            let us = micros(i, "x").unwrap();
            let mut s = String::new();
            push_micros(&mut s, us);
            assert_eq!(s, i.to_string(), "{t}");
            assert_eq!(s, t);
        }
        assert_eq!(
            micros(Instant::parse("1970-01-01T00:00:01.5Z").unwrap(), "x").unwrap(),
            1_500_000
        );
        let err = micros(
            Instant::parse("2026-01-01T00:00:00.0000005Z").unwrap(),
            "`t`",
        );
        assert_eq!(
            err.unwrap_err().what,
            "`t` 2026-01-01T00:00:00.0000005Z (finer than a microsecond) in a TIMESTAMP(µs) column"
        );
    }

    #[test]
    fn every_table_names_each_column_once() {
        for t in Table::ALL {
            let names: std::collections::BTreeSet<_> = t.columns().iter().map(|c| c.name).collect();
            assert_eq!(names.len(), t.columns().len(), "{}", t.name());
            assert_eq!(t.schema().fields().len(), t.columns().len());
        }
        let lines: Vec<_> = LINES.iter().map(|c| c.name).collect();
        assert_eq!(
            lines.join(","),
            "customer,invoice,line,kind,feature,addon,quantity,used,covered,billable,price,\
             full_amount,elapsed,length,at,auto,amount"
        );
    }

    #[test]
    fn batches_are_bounded_and_the_same_rows_in_any_size() {
        let doc = crate::eval::gen::bench_document();
        let trace = crate::eval::gen::trace(6_000, 60, 11);
        let sim = run(&doc, &trace);
        let results = sim.results();
        let whole = rows_of(&results, BATCH_ROWS);
        for size in [1, 7, 500] {
            assert_eq!(rows_of(&results, size), whole, "{size}");
        }
        // Every kind of line, prorated bases and rejections are there to be checked.
        let lines = whole.get(&Table::Lines).unwrap();
        let kinds: std::collections::BTreeSet<_> = lines
            .iter()
            .map(|r| r[column(Table::Lines, "kind")].clone().unwrap())
            .collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(lines
            .iter()
            .any(|r| r[column(Table::Lines, "elapsed")].is_some()));
        assert!(!whole.get(&Table::Rejected).unwrap().is_empty());
        // One row per entry of the report.
        let report = crate::report::json::report_value(&results).unwrap();
        let customers = report["customers"].as_array().unwrap();
        let count =
            |f: &dyn Fn(&serde_json::Value) -> usize| -> usize { customers.iter().map(f).sum() };
        let len = |v: &serde_json::Value| v.as_array().map_or(0, Vec::len);
        let invoices = |c: &serde_json::Value| c["invoices"].as_array().unwrap().clone();
        assert_eq!(
            whole.get(&Table::Invoices).unwrap().len(),
            count(&|c| len(&c["invoices"]))
        );
        assert_eq!(
            lines.len(),
            count(&|c| invoices(c).iter().map(|i| len(&i["lines"])).sum())
        );
        assert_eq!(
            whole.get(&Table::Bands).unwrap().len(),
            count(&|c| invoices(c)
                .iter()
                .flat_map(|i| i["lines"].as_array().unwrap().clone())
                .map(|l| len(&l["bands"]))
                .sum())
        );
        for (table, key) in [
            (Table::Limits, "limits"),
            (Table::Rejected, "rejected"),
            (Table::Warnings, "warnings"),
        ] {
            assert_eq!(
                whole.get(&table).map_or(0, Vec::len),
                count(&|c| len(&c[key])),
                "{key}"
            );
        }
    }

    #[test]
    fn line_amounts_add_up_to_totals_and_totals_to_the_summary() {
        let doc = crate::eval::gen::bench_document();
        let trace = crate::eval::gen::trace(4_000, 40, 5);
        let sim = run(&doc, &trace);
        let results = sim.results();
        let rows = rows_of(&results, 100);
        let key = |r: &Vec<Option<String>>| (r[0].clone().unwrap(), int(&r[1]));
        let mut sums: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for r in rows.get(&Table::Lines).unwrap() {
            *sums.entry(key(r)).or_default() += int(&r[column(Table::Lines, "amount")]);
        }
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        let invoices = rows.get(&Table::Invoices).unwrap();
        for r in invoices {
            let total = int(&r[column(Table::Invoices, "total")]);
            assert_eq!(sums.remove(&key(r)).unwrap_or(0), total, "{r:?}");
            let currency = r[column(Table::Invoices, "currency")].clone().unwrap();
            *totals.entry(currency).or_default() += total;
        }
        assert!(sums.is_empty(), "lines of no invoice: {sums:?}");
        let summary = results.summary().unwrap();
        let want: BTreeMap<String, i64> = summary
            .totals
            .iter()
            .map(|(c, t)| (c.to_string(), minor_units(t.total).unwrap()))
            .collect();
        assert_eq!(totals, want);
        assert!(!want.is_empty());
    }

    fn read_parquet(path: &Path, table: Table, rows: &mut Rows) -> usize {
        let file = std::fs::File::open(path).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let groups = builder.metadata().num_row_groups();
        for batch in builder.build().unwrap() {
            add_rows(rows, table, &batch.unwrap());
        }
        groups
    }

    #[test]
    fn parquet_and_csv_files_read_back_as_the_batches() {
        let doc = crate::eval::gen::bench_document();
        let trace = crate::eval::gen::trace(3_000, 30, 3);
        let sim = run(&doc, &trace);
        let results = sim.results();
        let want = rows_of(&results, BATCH_ROWS);
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("pq");
        let csv_dir = dir.path().join("csv");
        std::fs::create_dir(&pq).unwrap();
        std::fs::create_dir(&csv_dir).unwrap();
        write_batches(&results, Format::Parquet, &pq, 50).unwrap();
        write_batches(&results, Format::Csv, &csv_dir, 50).unwrap();
        let mut from_parquet = Rows::new();
        let mut from_csv = Rows::new();
        for t in Table::ALL {
            let groups = read_parquet(
                &pq.join(format!("{}.parquet", t.name())),
                t,
                &mut from_parquet,
            );
            let rows = want.get(&t).map_or(0, Vec::len);
            // One row group per batch written: memory holds one batch.
            assert_eq!(groups, rows.div_ceil(50), "{}", t.name());
            let mut reader =
                csv::Reader::from_path(csv_dir.join(format!("{}.csv", t.name()))).unwrap();
            let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
            let names: Vec<_> = t.columns().iter().map(|c| c.name.to_string()).collect();
            assert_eq!(header, names);
            for record in reader.records() {
                let record = record.unwrap();
                from_csv.entry(t).or_default().push(
                    record
                        .iter()
                        .map(|f| (!f.is_empty()).then(|| f.to_string()))
                        .collect(),
                );
            }
        }
        assert_eq!(from_parquet, want);
        assert_eq!(from_csv, want);
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(pq.join("summary.json")).unwrap()).unwrap();
        let report = crate::report::json::report_value(&results).unwrap();
        assert_eq!(summary["summary"], report["summary"]);
        assert_eq!(summary["until"], report["until"]);
        assert_eq!(summary["version"], 1);
    }

    #[test]
    fn a_value_the_columns_cannot_hold_stops_the_tables() {
        let doc = crate::eval::gen::bench_document();
        let sub = r#"{"at":"2026-01-01T00:00:00Z","customer":"c","subscribe":"plan:bench@1"}"#;
        // 12 places each: the band amount, 100.000000000001 × 0.5, has 13.
        let usage = r#"{"at":"2026-01-02T00:00:00Z","customer":"c","feature":"feature:api","n":600.000000000001}"#;
        let sim = run(&doc, &format!("{sub}\n{usage}\n"));
        let results = sim.results();
        let err = Batches::new(&results, 10)
            .find_map(Result::err)
            .expect("an error");
        assert_eq!(
            err.to_string(),
            "error[arithmetic-overflow]: `bands.amount` 50.0000000000005 (more than 12 decimal \
             places) in a DECIMAL(38, 12) column cannot be held exactly"
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(write(&results, Format::Csv, dir.path()).is_err());
        let late =
            r#"{"at":"2026-01-01T00:00:00.000000001Z","customer":"c","subscribe":"plan:bench@1"}"#;
        let sim = run(&doc, &format!("{late}\n"));
        let results = sim.results();
        let err = Batches::new(&results, 10).find_map(Result::err).unwrap();
        assert!(
            err.to_string().contains(
                "`invoices.period_start` 2026-01-01T00:00:00.000000001Z (finer than a microsecond)"
            ),
            "{err}"
        );
        // The iterator ends after an error.
        let mut it = Batches::new(&results, 10);
        assert!(it.by_ref().any(|b| b.is_err()));
        assert!(it.next().is_none());
    }

    #[test]
    fn an_empty_result_writes_every_table_empty() {
        let doc = crate::eval::gen::bench_document();
        let sim = run(&doc, "");
        let results = sim.results();
        assert_eq!(Batches::new(&results, 10).count(), 0);
        for format in [Format::Csv, Format::Parquet] {
            let dir = tempfile::tempdir().unwrap();
            write(&results, format, dir.path()).unwrap();
            let mut names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            let mut want: Vec<_> = Table::ALL
                .iter()
                .map(|t| format!("{}.{}", t.name(), format.extension()))
                .chain(["summary.json".to_string()])
                .collect();
            want.sort();
            assert_eq!(names, want);
            if format == Format::Parquet {
                let mut rows = Rows::new();
                for t in Table::ALL {
                    let path = dir.path().join(format!("{}.parquet", t.name()));
                    let file = std::fs::File::open(&path).unwrap();
                    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
                    assert_eq!(builder.schema().fields(), t.schema().fields());
                    read_parquet(&path, t, &mut rows);
                }
                assert!(rows.is_empty());
            }
            let summary = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
            assert!(summary.contains("\"until\": null"), "{summary}");
        }
    }
}
