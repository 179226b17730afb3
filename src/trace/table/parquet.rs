//! Parquet traces, through the `parquet` crate's Arrow reader.
//!
//! Invariant: the schema is judged once, at open: every trace column's type is one the spec
//! accepts for it (else one `column-type` error and no row is read), and only the trace
//! columns are decoded. Rows are read one record batch at a time (memory stays flat whatever
//! the file's size); a row's strings borrow from the batch's arrays, and values that must be
//! written as text (integer customers, floats, sub-second instants) are written once per batch
//! into one buffer, so nothing is allocated per row. Numbers are exact: a DECIMAL by its digits,
//! a FLOAT/DOUBLE by its shortest round-trip decimal. The usual rows (usage, subscribe) are read
//! straight from their columns by [`Fast`], which returns exactly what the general path (cells
//! → [`super::record`]) would, or declines.

use super::{
    header, text_cell, Cells, Table, AT, CANCEL, COLUMNS, CUSTOMER, ENABLED, FEATURE, N, QUANTITY,
    SET, SUBSCRIBE,
};
use crate::eval::time::Instant;
use crate::trace::fields::Val;
use crate::trace::source::{Pos, ReadError, Sink};
use crate::trace::{exact_number, Event, Kind, TraceError};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrowPrimitiveType, BooleanArray, LargeStringArray, PrimitiveArray, StringArray,
    StringViewArray,
};
use arrow_buffer::{i256, ArrowNativeType, NullBuffer};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Rows per record batch.
const BATCH_ROWS: usize = 8192;

/// The instants RFC 3339 can write (years 0000 to 9999), in seconds since the epoch.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

/// How a column's values are read, decided from its type when the file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Every value null (Arrow's `Null`, Parquet's UNKNOWN): always absent.
    Null,
    /// STRING in any of its Arrow layouts (plain, large, view, dictionary).
    Str,
    Bool,
    /// TIMESTAMP adjusted to UTC.
    Time(TimeUnit),
    /// TIMESTAMP not adjusted to UTC: no offset to read.
    Naive,
    /// An INT32/INT64 customer, written in decimal.
    IntText,
    /// An integer or a DECIMAL, read exactly.
    Exact,
    /// FLOAT/DOUBLE, by its shortest round-trip decimal.
    Float,
}

fn is_string(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(k, v) => {
            k.is_dictionary_key_type()
                && matches!(
                    **v,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                )
        }
        _ => false,
    }
}

fn is_integer(dt: &DataType) -> bool {
    use DataType::*;
    matches!(
        dt,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
    )
}

fn decimal_scale(dt: &DataType) -> Option<i8> {
    match dt {
        DataType::Decimal32(_, s)
        | DataType::Decimal64(_, s)
        | DataType::Decimal128(_, s)
        | DataType::Decimal256(_, s) => Some(*s),
        _ => None,
    }
}

/// How column `col` of type `dt` is read; `None`: the spec does not accept that type there.
fn plan(col: usize, dt: &DataType) -> Option<Plan> {
    if *dt == DataType::Null {
        return Some(Plan::Null);
    }
    Some(match col {
        AT => match dt {
            DataType::Timestamp(unit, Some(_)) => Plan::Time(*unit),
            DataType::Timestamp(_, None) => Plan::Naive,
            _ if is_string(dt) => Plan::Str,
            _ => return None,
        },
        CUSTOMER => match dt {
            DataType::Int32 | DataType::Int64 => Plan::IntText,
            _ if is_string(dt) => Plan::Str,
            _ => return None,
        },
        N => match dt {
            DataType::Float32 | DataType::Float64 => Plan::Float,
            _ if is_string(dt) => Plan::Str,
            _ if is_integer(dt) || decimal_scale(dt).is_some() => Plan::Exact,
            _ => return None,
        },
        QUANTITY => match decimal_scale(dt) {
            Some(0) => Plan::Exact,
            None if is_integer(dt) => Plan::Exact,
            _ => return None,
        },
        SET | CANCEL | ENABLED => match dt {
            DataType::Boolean => Plan::Bool,
            _ => return None,
        },
        // The ids: subscribe, feature, purchase, recharge.
        _ if is_string(dt) => Plan::Str,
        _ => return None,
    })
}

/// What column `col` accepts, in the spec's words.
fn accepted(col: usize) -> &'static str {
    match col {
        AT => "TIMESTAMP with UTC adjustment or STRING",
        CUSTOMER => "STRING, INT32 or INT64",
        N => "DECIMAL, INT8–INT64, UINT8–UINT64, FLOAT, DOUBLE or STRING",
        QUANTITY => "INT8–INT64, UINT8–UINT64 or DECIMAL with scale 0",
        SET | CANCEL | ENABLED => "BOOLEAN",
        _ => "STRING",
    }
}

fn unit_name(unit: &TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Second => "SECONDS",
        TimeUnit::Millisecond => "MILLIS",
        TimeUnit::Microsecond => "MICROS",
        TimeUnit::Nanosecond => "NANOS",
    }
}

/// A column type as Parquet (or, for what Parquet cannot say, Arrow) names it.
fn describe(dt: &DataType) -> String {
    use DataType::*;
    match dt {
        Null => "NULL".into(),
        Boolean => "BOOLEAN".into(),
        Int8 => "INT8".into(),
        Int16 => "INT16".into(),
        Int32 => "INT32".into(),
        Int64 => "INT64".into(),
        UInt8 => "UINT8".into(),
        UInt16 => "UINT16".into(),
        UInt32 => "UINT32".into(),
        UInt64 => "UINT64".into(),
        Float16 => "FLOAT16".into(),
        Float32 => "FLOAT".into(),
        Float64 => "DOUBLE".into(),
        Utf8 | LargeUtf8 | Utf8View => "STRING".into(),
        Binary | LargeBinary | BinaryView => "BINARY (not annotated as a STRING)".into(),
        FixedSizeBinary(n) => format!("FIXED_LEN_BYTE_ARRAY({n})"),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            format!("DECIMAL({p}, {s})")
        }
        Timestamp(u, Some(_)) => format!("TIMESTAMP({}, UTC)", unit_name(u)),
        Timestamp(u, None) => format!("TIMESTAMP({}) not adjusted to UTC", unit_name(u)),
        Date32 | Date64 => "DATE".into(),
        Time32(_) | Time64(_) => "TIME".into(),
        Duration(_) => "DURATION".into(),
        Interval(_) => "INTERVAL".into(),
        List(_) | LargeList(_) | ListView(_) | LargeListView(_) | FixedSizeList(..) => {
            "LIST".into()
        }
        Struct(_) => "a group (STRUCT)".into(),
        Map(..) => "MAP".into(),
        Dictionary(_, v) => format!("{} (dictionary-encoded)", describe(v)),
        other => format!("{other}"),
    }
}

/// An opened Parquet trace, its schema checked.
pub struct ParquetTable {
    name: String,
    reader: ParquetRecordBatchReader,
    /// The trace columns read, in the order of a batch's columns: column and how to read it.
    used: Vec<(usize, Plan)>,
    /// Per row of a batch, a bit per column holding a value (reused from batch to batch).
    masks: Vec<u16>,
}

fn bad_parquet(name: &str, what: impl std::fmt::Display) -> ReadError {
    ReadError {
        input: name.to_string(),
        code: Some("bad-parquet"),
        message: format!("not a readable Parquet file: {what}"),
    }
}

/// The Parquet reader is given bytes from outside: should it panic on a damaged file, that is
/// this file's error, not the program's end.
const READER_PANICKED: &str = "the Parquet reader failed on this file";

impl ParquetTable {
    /// Open `path` (standard input, copied to a temporary file, when `None`) and judge its
    /// schema.
    pub fn open(name: &str, path: Option<&Path>) -> Result<(ParquetTable, Vec<String>), ReadError> {
        let cannot = |e: std::io::Error| ReadError::unreadable(name, e);
        let file = match path {
            Some(p) => std::fs::File::open(p).map_err(cannot)?,
            None => {
                // Parquet is read from its end (the footer): standard input is spooled first.
                let mut f = tempfile::tempfile().map_err(cannot)?;
                std::io::copy(&mut std::io::stdin().lock(), &mut f).map_err(cannot)?;
                f
            }
        };
        let builder = catch_unwind(AssertUnwindSafe(|| {
            ParquetRecordBatchReaderBuilder::try_new(file)
        }))
        .map_err(|_| bad_parquet(name, READER_PANICKED))?
        .map_err(|e| bad_parquet(name, e))?;
        let schema = builder.schema().clone();
        let (cols, warning) = header(name, schema.fields().iter().map(|f| f.name().as_str()))?;
        let mut used = Vec::new();
        let mut roots = Vec::new();
        for (root, (field, col)) in schema.fields().iter().zip(&cols).enumerate() {
            let Some(col) = *col else { continue };
            let dt = field.data_type();
            let Some(p) = plan(col, dt) else {
                let column = COLUMNS.get(col).copied().unwrap_or("?");
                return Err(ReadError {
                    input: name.to_string(),
                    code: Some("column-type"),
                    message: format!(
                        "column `{column}` is {}, where a trace's `{column}` is {}",
                        describe(dt),
                        accepted(col)
                    ),
                });
            };
            used.push((col, p));
            roots.push(root);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = catch_unwind(AssertUnwindSafe(|| {
            builder
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
        }))
        .map_err(|_| bad_parquet(name, READER_PANICKED))?
        .map_err(|e| bad_parquet(name, e))?;
        let table = ParquetTable {
            name: name.to_string(),
            reader,
            used,
            masks: Vec::new(),
        };
        Ok((table, warning.into_iter().collect()))
    }
}

impl Table for ParquetTable {
    fn read(&mut self, index: usize, sink: &mut Sink<'_>) -> Result<ControlFlow<()>, ReadError> {
        let mut row = 0u64;
        loop {
            let reader = &mut self.reader;
            let batch = match catch_unwind(AssertUnwindSafe(|| reader.next())) {
                Ok(None) => break,
                Ok(Some(Ok(b))) => b,
                Ok(Some(Err(e))) => {
                    return Err(bad_parquet(
                        &self.name,
                        format_args!("after row {row}: {e}"),
                    ))
                }
                Err(_) => {
                    return Err(bad_parquet(
                        &self.name,
                        format_args!("after row {row}: {READER_PANICKED}"),
                    ))
                }
            };
            if batch.num_columns() != self.used.len() {
                return Err(bad_parquet(&self.name, "a batch lacks columns"));
            }
            let rows = batch.num_rows();
            let mut columns = Vec::with_capacity(self.used.len());
            for (&(col, p), array) in self.used.iter().zip(batch.columns()) {
                let array = array.as_ref();
                if array.len() != rows {
                    return Err(bad_parquet(&self.name, "columns of unequal lengths"));
                }
                let Some(c) = Column::new(p, array) else {
                    let column = COLUMNS.get(col).copied().unwrap_or("?");
                    return Err(bad_parquet(
                        &self.name,
                        format_args!("column `{column}` is not of the type its schema says"),
                    ));
                };
                columns.push((col, c));
            }
            // Cells are judged in column order, so the first bad one reported is the first
            // a JSON line would show.
            columns.sort_by_key(|(col, _)| *col);
            let mut masks = std::mem::take(&mut self.masks);
            presence(&batch, &self.used, &mut masks);
            let fast = Fast::new(&columns);
            for i in 0..rows {
                row += 1;
                let pos = Pos::new(index, row).ok_or_else(|| ReadError::too_long(&self.name))?;
                let mask = masks.get(i).copied().unwrap_or(u16::MAX);
                let rec = match fast.row(mask, i) {
                    Some(e) => Ok(e),
                    None => general(&columns, i),
                };
                if sink(pos, rec).is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            self.masks = masks;
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// Row `i` by the general path: each cell as its value, then [`super::record`].
fn general<'c>(columns: &'c [(usize, Column<'_>)], i: usize) -> crate::trace::Record<'c> {
    let mut cells: Cells<'c> = Default::default();
    let mut bad = None;
    for (col, c) in columns {
        match c.get(*col, i) {
            Ok(Some(v)) => {
                if let Some(slot) = cells.get_mut(*col) {
                    *slot = Some(v);
                }
            }
            Ok(None) => {}
            Err(e) => {
                bad.get_or_insert(e);
            }
        }
    }
    super::record(cells, bad)
}

const fn bit(col: usize) -> u16 {
    1 << col
}

/// Set, for each row of `batch`, the bit of every trace column that is not null there.
fn presence(batch: &arrow_array::RecordBatch, used: &[(usize, Plan)], masks: &mut Vec<u16>) {
    masks.clear();
    masks.resize(batch.num_rows(), 0);
    for (&(col, _), array) in used.iter().zip(batch.columns()) {
        let b = bit(col);
        match array.logical_nulls() {
            None => masks.iter_mut().for_each(|m| *m |= b),
            Some(nulls) => {
                for (m, valid) in masks.iter_mut().zip(nulls.iter()) {
                    if valid {
                        *m |= b;
                    }
                }
            }
        }
    }
}

/// The usual rows read straight from their columns: a usage row (`at`, `customer`, `feature`,
/// `n`, maybe `set`) or a subscribe row (`at`, `customer`, `subscribe`), `cancel` false or
/// null. It gives exactly the event the general path would (a test compares them row by
/// row) and declines (`None`) anything else, refusals included.
struct Fast<'c, 'b> {
    cols: [Option<&'c Column<'b>>; COLUMNS.len()],
}

const USAGE: u16 = bit(AT) | bit(CUSTOMER) | bit(FEATURE) | bit(N);
const SUBSCRIBE_ROW: u16 = bit(AT) | bit(CUSTOMER) | bit(SUBSCRIBE);

impl<'c, 'b> Fast<'c, 'b> {
    fn new(columns: &'c [(usize, Column<'b>)]) -> Fast<'c, 'b> {
        let mut cols = [None; COLUMNS.len()];
        for (col, c) in columns {
            if let Some(slot) = cols.get_mut(*col) {
                *slot = Some(c);
            }
        }
        Fast { cols }
    }

    fn col(&self, col: usize) -> Option<&'c Column<'b>> {
        self.cols.get(col).copied().flatten()
    }

    #[inline]
    fn row(&self, mask: u16, i: usize) -> Option<Event<'c>> {
        if mask & bit(CANCEL) != 0 && self.col(CANCEL)?.boolean(i)? {
            return None;
        }
        let shape = mask & !bit(CANCEL);
        let kind = if shape & !bit(SET) == USAGE {
            let feature = self.col(FEATURE)?.text(i)?;
            let set = if shape & bit(SET) != 0 {
                self.col(SET)?.boolean(i)?
            } else {
                false
            };
            Kind::Usage {
                feature: Cow::Borrowed(nonempty(feature)?),
                n: self.col(N)?.decimal(i)?,
                set,
            }
        } else if shape == SUBSCRIBE_ROW {
            Kind::Subscribe(Cow::Borrowed(nonempty(self.col(SUBSCRIBE)?.text(i)?)?))
        } else {
            return None;
        };
        Some(Event {
            at: self.col(AT)?.instant(i)?,
            customer: Cow::Borrowed(nonempty(self.col(CUSTOMER)?.text(i)?)?),
            kind,
        })
    }
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// A string column of one batch, in any of Arrow's layouts.
enum Strs<'b> {
    Utf8(&'b StringArray),
    Large(&'b LargeStringArray),
    View(&'b StringViewArray),
    /// Keys resolved once per batch (`usize::MAX`: null or out of range) into plain values.
    Dict(Vec<usize>, Box<Strs<'b>>),
}

impl<'b> Strs<'b> {
    fn new(a: &'b dyn Array) -> Option<Strs<'b>> {
        if let Some(s) = a.as_string_opt::<i32>() {
            return Some(Strs::Utf8(s));
        }
        if let Some(s) = a.as_string_opt::<i64>() {
            return Some(Strs::Large(s));
        }
        if let Some(s) = a.as_string_view_opt() {
            return Some(Strs::View(s));
        }
        let d = a.as_any_dictionary_opt()?;
        let values = match Strs::new(d.values().as_ref())? {
            Strs::Dict(..) => return None,
            v => v,
        };
        let keys = d.keys();
        let keys = match keys.data_type() {
            DataType::Int8 => keys_of::<Int8Type>(keys),
            DataType::Int16 => keys_of::<Int16Type>(keys),
            DataType::Int32 => keys_of::<Int32Type>(keys),
            DataType::Int64 => keys_of::<Int64Type>(keys),
            DataType::UInt8 => keys_of::<UInt8Type>(keys),
            DataType::UInt16 => keys_of::<UInt16Type>(keys),
            DataType::UInt32 => keys_of::<UInt32Type>(keys),
            DataType::UInt64 => keys_of::<UInt64Type>(keys),
            _ => None,
        }?;
        Some(Strs::Dict(keys, Box::new(values)))
    }

    /// Row `i`'s string; `None` when null.
    #[inline]
    fn get(&self, i: usize) -> Option<&'b str> {
        match self {
            Strs::Utf8(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Strs::Large(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Strs::View(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            Strs::Dict(keys, values) => values.get(*keys.get(i)?),
        }
    }
}

fn keys_of<K: ArrowPrimitiveType>(a: &dyn Array) -> Option<Vec<usize>> {
    let keys = a.as_primitive_opt::<K>()?;
    Some(
        keys.iter()
            .map(|k| k.and_then(|k| k.to_usize()).unwrap_or(usize::MAX))
            .collect(),
    )
}

/// An integer or DECIMAL column of one batch.
enum Nums<'b> {
    I8(&'b PrimitiveArray<Int8Type>),
    I16(&'b PrimitiveArray<Int16Type>),
    I32(&'b PrimitiveArray<Int32Type>),
    I64(&'b PrimitiveArray<Int64Type>),
    U8(&'b PrimitiveArray<UInt8Type>),
    U16(&'b PrimitiveArray<UInt16Type>),
    U32(&'b PrimitiveArray<UInt32Type>),
    U64(&'b PrimitiveArray<UInt64Type>),
    D32(&'b PrimitiveArray<Decimal32Type>, i8),
    D64(&'b PrimitiveArray<Decimal64Type>, i8),
    D128(&'b PrimitiveArray<Decimal128Type>, i8),
    D256(&'b PrimitiveArray<Decimal256Type>, i8),
}

/// Row `i` of a primitive array; `None` when null.
fn prim<T: ArrowPrimitiveType>(a: &PrimitiveArray<T>, i: usize) -> Option<T::Native> {
    (i < a.len() && a.is_valid(i)).then(|| a.value(i))
}

impl<'b> Nums<'b> {
    fn new(a: &'b dyn Array) -> Option<Nums<'b>> {
        let scale = decimal_scale(a.data_type()).unwrap_or(0);
        Some(match a.data_type() {
            DataType::Int8 => Nums::I8(a.as_primitive_opt()?),
            DataType::Int16 => Nums::I16(a.as_primitive_opt()?),
            DataType::Int32 => Nums::I32(a.as_primitive_opt()?),
            DataType::Int64 => Nums::I64(a.as_primitive_opt()?),
            DataType::UInt8 => Nums::U8(a.as_primitive_opt()?),
            DataType::UInt16 => Nums::U16(a.as_primitive_opt()?),
            DataType::UInt32 => Nums::U32(a.as_primitive_opt()?),
            DataType::UInt64 => Nums::U64(a.as_primitive_opt()?),
            DataType::Decimal32(..) => Nums::D32(a.as_primitive_opt()?, scale),
            DataType::Decimal64(..) => Nums::D64(a.as_primitive_opt()?, scale),
            DataType::Decimal128(..) => Nums::D128(a.as_primitive_opt()?, scale),
            DataType::Decimal256(..) => Nums::D256(a.as_primitive_opt()?, scale),
            _ => return None,
        })
    }

    /// Row `i`'s exact value: `None` when null, `Some(Err(text))` when it cannot be held.
    #[inline]
    fn get(&self, i: usize) -> Option<Result<Decimal, String>> {
        Some(match self {
            Nums::I8(a) => Ok(prim(a, i)?.into()),
            Nums::I16(a) => Ok(prim(a, i)?.into()),
            Nums::I32(a) => Ok(prim(a, i)?.into()),
            Nums::I64(a) => Ok(prim(a, i)?.into()),
            Nums::U8(a) => Ok(prim(a, i)?.into()),
            Nums::U16(a) => Ok(prim(a, i)?.into()),
            Nums::U32(a) => Ok(prim(a, i)?.into()),
            Nums::U64(a) => Ok(prim(a, i)?.into()),
            Nums::D32(a, s) => {
                let v = i128::from(prim(a, i)?);
                exact(v, *s).ok_or_else(|| scaled(v.to_string(), *s))
            }
            Nums::D64(a, s) => {
                let v = i128::from(prim(a, i)?);
                exact(v, *s).ok_or_else(|| scaled(v.to_string(), *s))
            }
            Nums::D128(a, s) => {
                let v = prim(a, i)?;
                exact(v, *s).ok_or_else(|| scaled(v.to_string(), *s))
            }
            Nums::D256(a, s) => {
                let v = prim(a, i)?;
                exact_wide(v, *s).ok_or_else(|| scaled(v.to_string(), *s))
            }
        })
    }
}

/// The DECIMAL `v` × 10^-`scale`, exactly (trailing zeros beyond 28 places dropped); `None`
/// when it cannot be held (more than 28 significant digits or places).
fn exact(mut v: i128, scale: i8) -> Option<Decimal> {
    // The usual case, a value that fits 64 bits at a scale up to 28: trailing zeros dropped in
    // 64-bit arithmetic, which is what `normalize` would do, many times faster.
    if let (Ok(small), Ok(mut s)) = (i64::try_from(v), u32::try_from(scale)) {
        if s <= 28 {
            let mut m = small.unsigned_abs();
            while s > 0 && m != 0 && m % 10 == 0 {
                m /= 10;
                s -= 1;
            }
            if m == 0 {
                return Some(Decimal::ZERO);
            }
            let lo = (m & 0xFFFF_FFFF) as u32;
            let mid = (m >> 32) as u32;
            return Some(Decimal::from_parts(lo, mid, 0, small < 0, s));
        }
    }
    let mut scale = i32::from(scale);
    while scale < 0 {
        v = v.checked_mul(10)?;
        scale += 1;
    }
    while scale > 28 {
        if v % 10 != 0 {
            return None;
        }
        v /= 10;
        scale -= 1;
    }
    let scale = u32::try_from(scale).ok()?;
    Decimal::try_from_i128_with_scale(v, scale)
        .ok()
        .map(|d| d.normalize())
}

/// [`exact`] for a 256-bit DECIMAL: trailing zeros dropped until it fits 128 bits.
fn exact_wide(mut v: i256, scale: i8) -> Option<Decimal> {
    let ten = i256::from_i128(10);
    let mut scale = scale;
    loop {
        if let Some(n) = v.to_i128() {
            return exact(n, scale);
        }
        if scale <= 0 || v.checked_rem(ten)? != i256::ZERO {
            return None;
        }
        v = v.checked_div(ten)?;
        scale -= 1;
    }
}

/// A DECIMAL's digits and scale as decimal text, for a message.
fn scaled(digits: String, scale: i8) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", digits),
    };
    let s = usize::try_from(scale).unwrap_or(0);
    if scale < 0 {
        let zeros = "0".repeat(usize::from(scale.unsigned_abs()));
        return format!("{sign}{digits}{zeros}");
    }
    if s == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = s + 1);
    let (int, frac) = padded.split_at(padded.len() - s);
    format!("{sign}{int}.{frac}")
}

/// One batch's values written as text, once per batch, in one buffer.
struct Rendered {
    text: String,
    cells: Vec<Rcell>,
}

#[derive(Debug, Clone, Copy)]
enum Rcell {
    Null,
    Text(usize, usize),
    Bad(&'static str, &'static str),
}

impl Rendered {
    fn with_capacity(rows: usize) -> Rendered {
        Rendered {
            text: String::with_capacity(rows * 12),
            cells: Vec::with_capacity(rows),
        }
    }

    /// Append one cell: `write` writes it into the buffer, or says why it cannot.
    fn push(
        &mut self,
        write: impl FnOnce(&mut String) -> Result<(), (&'static str, &'static str)>,
    ) {
        let start = self.text.len();
        let cell = match write(&mut self.text) {
            Ok(()) => Rcell::Text(start, self.text.len()),
            Err((code, why)) => {
                self.text.truncate(start);
                Rcell::Bad(code, why)
            }
        };
        self.cells.push(cell);
    }

    fn get(&self, i: usize) -> Option<Result<&str, (&'static str, &'static str)>> {
        match self.cells.get(i)? {
            Rcell::Null => None,
            Rcell::Text(a, b) => self.text.get(*a..*b).map(Ok),
            Rcell::Bad(code, why) => Some(Err((code, why))),
        }
    }
}

/// One batch's column, ready to be read row by row.
enum Column<'b> {
    Null,
    Str(Strs<'b>),
    Bool(&'b BooleanArray),
    /// Instants since the epoch, in `per_sec` units.
    Time {
        values: &'b [i64],
        nulls: Option<&'b NullBuffer>,
        per_sec: i64,
    },
    Naive(&'b dyn Array),
    Exact(Nums<'b>),
    /// Text read as a number (`true`) or a string.
    Text(Rendered, bool),
}

fn per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

fn timestamps(a: &dyn Array, unit: TimeUnit) -> Option<(&[i64], Option<&NullBuffer>)> {
    use arrow_array::types::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    Some(match unit {
        TimeUnit::Second => {
            let p = a.as_primitive_opt::<TimestampSecondType>()?;
            (p.values().as_ref(), p.nulls())
        }
        TimeUnit::Millisecond => {
            let p = a.as_primitive_opt::<TimestampMillisecondType>()?;
            (p.values().as_ref(), p.nulls())
        }
        TimeUnit::Microsecond => {
            let p = a.as_primitive_opt::<TimestampMicrosecondType>()?;
            (p.values().as_ref(), p.nulls())
        }
        TimeUnit::Nanosecond => {
            let p = a.as_primitive_opt::<TimestampNanosecondType>()?;
            (p.values().as_ref(), p.nulls())
        }
    })
}

const OUT_OF_RANGE: (&str, &str) = ("bad-timestamp", "is outside the years 0000 to 9999");

/// An instant in whole seconds, if RFC 3339 can write it.
fn whole_seconds(secs: i64) -> Result<Instant, (&'static str, &'static str)> {
    if (MIN_SECS..=MAX_SECS).contains(&secs) {
        Ok(Instant::from_secs(secs))
    } else {
        Err(OUT_OF_RANGE)
    }
}

/// A TIMESTAMP value `v` in `per_sec` units since the epoch as an instant, fraction included.
fn timestamp(v: i64, per_sec: i64) -> Result<Instant, (&'static str, &'static str)> {
    let whole = whole_seconds(v.div_euclid(per_sec))?;
    // `per_sec` is 1, 10^3, 10^6 or 10^9: the fraction is below 10^9 nanoseconds.
    let nanos = v.rem_euclid(per_sec) * (1_000_000_000 / per_sec);
    u32::try_from(nanos)
        .ok()
        .and_then(|n| whole.with_nanos(n))
        .ok_or(OUT_OF_RANGE)
}

impl<'b> Column<'b> {
    fn new(p: Plan, a: &'b dyn Array) -> Option<Column<'b>> {
        Some(match p {
            Plan::Null => Column::Null,
            Plan::Str => Column::Str(Strs::new(a)?),
            Plan::Bool => Column::Bool(a.as_boolean_opt()?),
            Plan::Naive => Column::Naive(a),
            Plan::Exact => Column::Exact(Nums::new(a)?),
            Plan::Time(unit) => {
                let (values, nulls) = timestamps(a, unit)?;
                Column::Time {
                    values,
                    nulls,
                    per_sec: per_second(unit),
                }
            }
            Plan::IntText => {
                let mut r = Rendered::with_capacity(a.len());
                match Nums::new(a)? {
                    Nums::I32(p) => {
                        for v in p.iter() {
                            match v {
                                None => r.cells.push(Rcell::Null),
                                Some(v) => r.push(|t| write!(t, "{v}").map_err(|_| OUT_OF_RANGE)),
                            }
                        }
                    }
                    Nums::I64(p) => {
                        for v in p.iter() {
                            match v {
                                None => r.cells.push(Rcell::Null),
                                Some(v) => r.push(|t| write!(t, "{v}").map_err(|_| OUT_OF_RANGE)),
                            }
                        }
                    }
                    _ => return None,
                }
                Column::Text(r, false)
            }
            Plan::Float => {
                let mut r = Rendered::with_capacity(a.len());
                if let Some(p) = a.as_primitive_opt::<arrow_array::types::Float64Type>() {
                    for v in p.iter() {
                        match v {
                            None => r.cells.push(Rcell::Null),
                            Some(v) => r.push(|t| float(t, v.is_nan(), v.is_infinite(), v)),
                        }
                    }
                } else {
                    let p = a.as_primitive_opt::<arrow_array::types::Float32Type>()?;
                    for v in p.iter() {
                        match v {
                            None => r.cells.push(Rcell::Null),
                            Some(v) => r.push(|t| float(t, v.is_nan(), v.is_infinite(), v)),
                        }
                    }
                }
                Column::Text(r, true)
            }
        })
    }

    /// Row `i` as text (a STRING, or what was written as text), for the fast path.
    #[inline]
    fn text(&self, i: usize) -> Option<&str> {
        match self {
            Column::Str(s) => s.get(i),
            Column::Text(r, false) => r.get(i)?.ok(),
            _ => None,
        }
    }

    /// Row `i` as an instant, for the fast path.
    #[inline]
    fn instant(&self, i: usize) -> Option<Instant> {
        match self {
            Column::Time {
                values,
                nulls,
                per_sec,
            } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return None;
                }
                timestamp(*values.get(i)?, *per_sec).ok()
            }
            _ => Instant::parse(self.text(i)?).ok(),
        }
    }

    /// Row `i` as an exact number, for the fast path.
    #[inline]
    fn decimal(&self, i: usize) -> Option<Decimal> {
        match self {
            Column::Exact(nums) => nums.get(i)?.ok(),
            Column::Text(r, true) => exact_number(r.get(i)?.ok()?),
            Column::Str(s) => {
                let text = s.get(i)?;
                if crate::trace::number::is_literal(text) {
                    exact_number(text)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// Row `i` as a boolean, for the fast path.
    #[inline]
    fn boolean(&self, i: usize) -> Option<bool> {
        match self {
            Column::Bool(a) => (i < a.len() && a.is_valid(i)).then(|| a.value(i)),
            _ => None,
        }
    }

    /// Row `i` of column `col`: its value, `None` when absent, or why it cannot be read.
    #[inline]
    fn get(&self, col: usize, i: usize) -> Result<Option<Val<'_>>, TraceError> {
        Ok(Some(match self {
            Column::Null => return Ok(None),
            Column::Str(s) => {
                let Some(text) = s.get(i) else {
                    return Ok(None);
                };
                text_cell(col, text)?
            }
            Column::Bool(a) => {
                if i >= a.len() || a.is_null(i) {
                    return Ok(None);
                }
                Val::Bool(a.value(i))
            }
            Column::Time {
                values,
                nulls,
                per_sec,
            } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    return Ok(None);
                }
                let Some(v) = values.get(i) else {
                    return Ok(None);
                };
                match timestamp(*v, *per_sec) {
                    Ok(t) => Val::Time(t),
                    Err((code, why)) => return Err(cell_error(code, col, why)),
                }
            }
            Column::Naive(a) => {
                if i >= a.len() || a.is_null(i) {
                    return Ok(None);
                }
                return Err(TraceError::new(
                    "missing-offset",
                    "`at` is a TIMESTAMP not adjusted to UTC: it has no offset to read (write \
                     it adjusted to UTC, or as RFC 3339 text with an offset)",
                ));
            }
            Column::Exact(nums) => match nums.get(i) {
                None => return Ok(None),
                Some(Ok(d)) => Val::Dec(d),
                Some(Err(text)) => {
                    let column = super::COLUMNS.get(col).copied().unwrap_or("?");
                    return Err(crate::trace::fields::not_exact(column, &text));
                }
            },
            Column::Text(r, number) => match r.get(i) {
                None => return Ok(None),
                Some(Ok(text)) if *number => Val::Num(text),
                Some(Ok(text)) => Val::Str(Cow::Borrowed(text)),
                Some(Err((code, why))) => return Err(cell_error(code, col, why)),
            },
        }))
    }
}

fn cell_error(code: &'static str, col: usize, why: &str) -> TraceError {
    let mut e = super::bad_cell(col, why);
    e.code = code;
    e
}

/// A FLOAT/DOUBLE as its shortest round-trip decimal (Rust's `Display` of the float's own
/// width, which never uses an exponent); NaN and infinities cannot be a quantity.
fn float(
    out: &mut String,
    nan: bool,
    infinite: bool,
    v: impl std::fmt::Display,
) -> Result<(), (&'static str, &'static str)> {
    if nan {
        return Err(("bad-value", "is NaN, not a number"));
    }
    if infinite {
        return Err(("bad-value", "is infinite, not a number"));
    }
    write!(out, "{v}").map_err(|_| ("bad-value", "cannot be written"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::eval::time::days_from_civil;
    use arrow_array::RecordBatch;

    /// A batch of `rows` rows whose cells are picked by `pick(column, row)` among a few values
    /// of every accepted layout, nulls included.
    fn batch(rows: usize, layouts: &[usize], pick: &dyn Fn(usize, usize) -> usize) -> RecordBatch {
        use arrow_array::{
            ArrayRef, DictionaryArray, Float64Array, Int64Array, TimestampMicrosecondArray,
        };
        use std::sync::Arc;
        let strs = |col: usize, vals: &[&'static str]| -> Vec<Option<&'static str>> {
            (0..rows)
                .map(|r| match pick(col, r) % (vals.len() + 1) {
                    0 => None,
                    k => vals.get(k - 1).copied(),
                })
                .collect()
        };
        let layout = |col: usize| layouts.get(col).copied().unwrap_or(0) % 2;
        let mut cols: Vec<(&str, ArrayRef, bool)> = Vec::new();
        let t0 = 1_767_225_600_000_000i64;
        cols.push((
            "at",
            if layout(AT) == 0 {
                let v = (0..rows).map(|r| match pick(AT, r) % 4 {
                    0 => None,
                    1 => Some(t0),
                    2 => Some(t0 + 1),
                    _ => Some(i64::MAX),
                });
                Arc::new(TimestampMicrosecondArray::from_iter(v).with_timezone("UTC"))
            } else {
                let v = strs(AT, &["2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "x"]);
                Arc::new(StringArray::from(v))
            },
            true,
        ));
        cols.push((
            "customer",
            if layout(CUSTOMER) == 0 {
                Arc::new(StringArray::from(strs(CUSTOMER, &["c", ""])))
            } else {
                let v = (0..rows).map(|r| (pick(CUSTOMER, r) % 3 != 0).then_some(-7i64));
                Arc::new(Int64Array::from_iter(v))
            },
            true,
        ));
        let ids = ["plan:a", ""];
        cols.push((
            "subscribe",
            Arc::new(StringArray::from(strs(SUBSCRIBE, &ids))),
            true,
        ));
        cols.push((
            "feature",
            Arc::new(
                strs(FEATURE, &["feature:x", ""])
                    .into_iter()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
            true,
        ));
        cols.push((
            "n",
            match layouts.get(N).copied().unwrap_or(0) % 3 {
                0 => {
                    let v = (0..rows).map(|r| match pick(N, r) % 4 {
                        0 => None,
                        1 => Some(0.1),
                        2 => Some(f64::NAN),
                        _ => Some(-3.0),
                    });
                    Arc::new(Float64Array::from_iter(v))
                }
                1 => Arc::new(StringArray::from(strs(N, &["1e3", "one", "0.50"]))),
                _ => {
                    let v = (0..rows).map(|r| match pick(N, r) % 4 {
                        0 => None,
                        1 => Some(1_500_000_000_000i128),
                        2 => Some(i128::MAX),
                        _ => Some(-1),
                    });
                    Arc::new(
                        arrow_array::Decimal128Array::from_iter(v)
                            .with_precision_and_scale(38, 12)
                            .unwrap_or_else(|_| arrow_array::Decimal128Array::from(vec![0; 0])),
                    )
                }
            },
            true,
        ));
        for (name, col) in [("set", SET), ("cancel", CANCEL), ("enabled", ENABLED)] {
            let v = (0..rows).map(|r| match pick(col, r) % 5 {
                1 => Some(true),
                2 => Some(false),
                _ => None,
            });
            cols.push((name, Arc::new(BooleanArray::from_iter(v)), true));
        }
        cols.push((
            "purchase",
            Arc::new(StringArray::from(strs(
                super::super::PURCHASE,
                &["addon:a"],
            ))),
            true,
        ));
        RecordBatch::try_from_iter_with_nullable(cols).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_reads_what_the_general_path_reads(
            layouts in proptest::collection::vec(0usize..6, 11),
            picks in proptest::collection::vec(0usize..60, 11 * 16),
            usual in proptest::bool::ANY,
        ) {
            let pick = |col: usize, row: usize| {
                let p = picks[(col * 16 + row) % picks.len()];
                // Bias towards rows the fast path takes: absent extras, present essentials.
                match (usual, col) {
                    (true, ENABLED | super::super::PURCHASE) => 0,
                    (true, AT | CUSTOMER) => 1 + 3 * (p % 2),
                    _ => p,
                }
            };
            let b = batch(16, &layouts, &pick);
            let used: Vec<(usize, Plan)> = b
                .schema()
                .fields()
                .iter()
                .map(|f| {
                    let col = super::super::column(f.name()).unwrap();
                    (col, plan(col, f.data_type()).unwrap())
                })
                .collect();
            let mut columns: Vec<(usize, Column<'_>)> = used
                .iter()
                .zip(b.columns())
                .map(|(&(col, p), a)| (col, Column::new(p, a.as_ref()).unwrap()))
                .collect();
            columns.sort_by_key(|(col, _)| *col);
            let mut masks = Vec::new();
            presence(&b, &used, &mut masks);
            let fast = Fast::new(&columns);
            for (i, mask) in masks.iter().enumerate() {
                if let Some(e) = fast.row(*mask, i) {
                    proptest::prop_assert_eq!(general(&columns, i), Ok(e));
                }
            }
        }
    }

    #[test]
    fn the_fast_path_takes_the_usual_rows() {
        // Every layout: UTC instants, a STRING customer, a dictionary feature, float `n`.
        let b = batch(2, &[0; 11], &|col, row| match (col, row) {
            (AT | CUSTOMER | N, _) => 1,
            (FEATURE, 0) | (SUBSCRIBE, 1) => 1,
            (CANCEL, 0) => 2,
            _ => 0,
        });
        let used: Vec<(usize, Plan)> = b
            .schema()
            .fields()
            .iter()
            .map(|f| {
                let col = super::super::column(f.name()).unwrap();
                (col, plan(col, f.data_type()).unwrap())
            })
            .collect();
        let columns: Vec<(usize, Column<'_>)> = used
            .iter()
            .zip(b.columns())
            .map(|(&(col, p), a)| (col, Column::new(p, a.as_ref()).unwrap()))
            .collect();
        let mut masks = Vec::new();
        presence(&b, &used, &mut masks);
        let fast = Fast::new(&columns);
        assert!(fast.row(masks[0], 0).is_some(), "a usage row, cancel false");
        assert!(fast.row(masks[1], 1).is_none(), "`n` on a subscribe row");
    }

    #[test]
    fn the_rfc_3339_years() {
        assert_eq!(MIN_SECS, days_from_civil(0, 1, 1) * 86_400);
        assert_eq!(MAX_SECS, days_from_civil(10_000, 1, 1) * 86_400 - 1);
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        let d = |v: i128, s: i8| exact(v, s).map(|d| d.to_string());
        assert_eq!(d(1_000_000_000_000, 12).as_deref(), Some("1"));
        assert_eq!(d(100_000_000_000, 12).as_deref(), Some("0.1"));
        assert_eq!(d(-15, 1).as_deref(), Some("-1.5"));
        assert_eq!(d(7, -3).as_deref(), Some("7000"));
        assert_eq!(d(10_i128.pow(30), 30).as_deref(), Some("1"));
        assert_eq!(d(1, 30), None);
        assert_eq!(d(0, 12).as_deref(), Some("0"));
        assert_eq!(d(-1_200, 2).as_deref(), Some("-12"));
        assert_eq!(
            d(i128::from(i64::MIN), 3).as_deref(),
            Some("-9223372036854775.808")
        );
        for (v, s) in [
            (1_234_500i128, 4i8),
            (-7, 28),
            (120, 0),
            (i128::from(u64::MAX), 5),
        ] {
            let slow = Decimal::try_from_i128_with_scale(v, s as u32)
                .unwrap()
                .normalize();
            assert_eq!(exact(v, s), Some(slow));
            assert_eq!(exact(v, s).unwrap().scale(), slow.scale(), "{v}e-{s}");
        }
        assert_eq!(d(i128::MAX, 0), None);
        let w = |v: i256, s: i8| exact_wide(v, s).map(|d| d.to_string());
        let big = i256::from_i128(10_i128.pow(37))
            .checked_mul(i256::from_i128(10_i128.pow(13)))
            .unwrap();
        assert_eq!(w(big, 50).as_deref(), Some("1"));
        assert_eq!(w(big, 0), None);
        assert_eq!(scaled("-15".into(), 3), "-0.015");
        assert_eq!(scaled("15".into(), -2), "1500");
    }

    #[test]
    fn floats_by_their_shortest_decimal() {
        let f = |v: f64| {
            let mut s = String::new();
            float(&mut s, v.is_nan(), v.is_infinite(), v).map(|()| s)
        };
        assert_eq!(f(0.1).unwrap(), "0.1");
        assert_eq!(f(1e21).unwrap(), "1000000000000000000000");
        assert_eq!(f(1e-7).unwrap(), "0.0000001");
        assert!(f(f64::NAN).is_err() && f(f64::NEG_INFINITY).is_err());
        let mut s = String::new();
        float(&mut s, false, false, 0.1f32).unwrap();
        assert_eq!(s, "0.1");
    }

    #[test]
    fn types_per_column() {
        use DataType::*;
        let utc = Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        assert_eq!(plan(AT, &utc), Some(Plan::Time(TimeUnit::Microsecond)));
        assert_eq!(
            plan(AT, &Timestamp(TimeUnit::Nanosecond, None)),
            Some(Plan::Naive)
        );
        assert_eq!(plan(AT, &Date32), None);
        assert_eq!(plan(CUSTOMER, &Int64), Some(Plan::IntText));
        assert_eq!(plan(CUSTOMER, &UInt64), None);
        assert_eq!(plan(N, &Decimal128(38, 12)), Some(Plan::Exact));
        assert_eq!(plan(N, &Float32), Some(Plan::Float));
        assert_eq!(plan(N, &Float16), None);
        assert_eq!(plan(QUANTITY, &Decimal128(10, 0)), Some(Plan::Exact));
        assert_eq!(plan(QUANTITY, &Decimal128(10, 2)), None);
        assert_eq!(plan(QUANTITY, &Utf8), None);
        assert_eq!(plan(SET, &Boolean), Some(Plan::Bool));
        assert_eq!(plan(SET, &Utf8), None);
        let dict = Dictionary(Box::new(Int32), Box::new(Utf8View));
        assert_eq!(plan(super::super::FEATURE, &dict), Some(Plan::Str));
        assert_eq!(plan(super::super::FEATURE, &Binary), None);
        assert_eq!(plan(ENABLED, &Null), Some(Plan::Null));
        assert_eq!(describe(&Decimal128(10, 2)), "DECIMAL(10, 2)");
        assert_eq!(describe(&utc), "TIMESTAMP(MICROS, UTC)");
    }
}
