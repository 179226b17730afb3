#!/usr/bin/env python3
"""Write the example traces as tables: examples/NAME.jsonl -> examples/NAME.csv, NAME.parquet.

Run from the repository's root: `pip install pyarrow && python3 scripts/trace-tables.py`
(written with pyarrow 26; the generated files are committed, so the tests need no Python).
`scripts/trace-tables.py A.jsonl ...` converts those traces instead, beside them (to compare
the readers' speed on a generated trace, for instance).

The tables hold the same events as the JSON Lines, one row per line, columns named like the JSON
keys (`shared/spec/tables.md`, "Trace tables"), in this order, each only when the trace uses it:
at, customer, subscribe, feature, n, set, purchase, quantity, recharge, enabled, cancel
(`recharge` is the JSON's `recharge.feature`, `enabled` its `recharge.enabled`).

CSV (Python's csv module, LF line ends): `at` and `n` are spelled as in the JSON line (the
timestamp keeps its offset, the number its literal); booleans `true`/`false`; absent is empty.

Parquet (pyarrow, its default Snappy compression), the types a vendor's export would have:
  at         TIMESTAMP(MICROS, UTC)        the instant, converted to UTC
  customer, subscribe, feature, purchase, recharge
             STRING
  n          DECIMAL(38, 12)               exact; the result tables' type for exact decimals
  quantity   INT64
  set, enabled, cancel
             BOOLEAN
  absent     null
"""

import csv
import datetime
import decimal
import json
import pathlib
import sys

import pyarrow as pa
import pyarrow.parquet as pq

EXAMPLES = ["gym", "prepaid-credits", "word-bucket"]
COLUMNS = ["at", "customer", "subscribe", "feature", "n", "set", "purchase", "quantity",
           "recharge", "enabled", "cancel"]
TYPES = {
    "at": pa.timestamp("us", tz="UTC"),
    "customer": pa.string(),
    "subscribe": pa.string(),
    "feature": pa.string(),
    "n": pa.decimal128(38, 12),
    "set": pa.bool_(),
    "purchase": pa.string(),
    "quantity": pa.int64(),
    "recharge": pa.string(),
    "enabled": pa.bool_(),
    "cancel": pa.bool_(),
}


def rows(path):
    """Each non-blank line as {column: literal text or JSON value}."""
    out = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            continue
        # Numbers stay their literal text, so nothing passes through a float.
        line = json.loads(text, parse_int=str, parse_float=str)
        row = {}
        for key, value in line.items():
            if key == "recharge":
                row["recharge"] = value["feature"]
                row["enabled"] = value["enabled"]
            else:
                row[key] = value
        unknown = set(row) - set(COLUMNS)
        if unknown:
            sys.exit(f"{path}: keys {sorted(unknown)} have no column")
        out.append(row)
    return out


def csv_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parquet_value(column, value):
    if value is None:
        return None
    if column == "at":
        return datetime.datetime.fromisoformat(value).astimezone(datetime.timezone.utc)
    if column == "n":
        exact = decimal.Decimal(value)
        scaled = exact.quantize(decimal.Decimal(1).scaleb(-12))
        if scaled != exact:
            sys.exit(f"n = {value} needs more than 12 decimal places")
        return scaled
    if column == "quantity":
        return int(value)
    return value


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "examples"
    traces = [pathlib.Path(a) for a in sys.argv[1:]] or [root / f"{n}.jsonl" for n in EXAMPLES]
    for trace in traces:
        events = rows(trace)
        used = [c for c in COLUMNS if any(c in r for r in events)]
        with open(trace.with_suffix(".csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(used)
            for r in events:
                w.writerow([csv_text(r.get(c)) for c in used])
        table = pa.table(
            {c: pa.array([parquet_value(c, r.get(c)) for r in events], type=TYPES[c])
             for c in used}
        )
        pq.write_table(table, trace.with_suffix(".parquet"))
        print(f"{trace.with_suffix('.csv')}, {trace.with_suffix('.parquet')}: "
              f"{len(events)} rows, columns {used}")


if __name__ == "__main__":
    main()
