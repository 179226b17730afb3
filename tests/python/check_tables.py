"""Check a directory of result tables (Parquet) against the JSON report of the same run.

Usage: check_tables.py TABLES_DIR REPORT_JSON [MIN_ROW_GROUPS [EVERY]]

Read with pyarrow (required) and, when it is installed, DuckDB: the schemas are the spec's, each
table has one row per entry of the report and every EVERY-th row's cells (default: every row)
equal the report's values (decimals by exact value, times as instants); line amounts add up to
invoice totals, usage lines are their bands rounded half away from zero, and invoice totals add
up to the summary's totals per currency. Exits non-zero with a message on the first difference;
prints what it checked.
"""

import datetime
import json
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TABLES = ["invoices", "lines", "bands", "limits", "rejected", "invalid", "warnings"]
DEC = pa.decimal128(38, 12)
TIME = pa.timestamp("us", tz="UTC")


def fail(message):
    print(f"check_tables.py: {message}", file=sys.stderr)
    sys.exit(1)


def expect(cond, message):
    if not cond:
        fail(message)


def expected_rows(report):
    """Each table's rows as dicts of the report's values (absent = None)."""
    t = {name: [] for name in TABLES}
    for c in report["customers"]:
        cid = c["customer"]
        for ii, inv in enumerate(c["invoices"]):
            t["invoices"].append({
                "customer": cid, "invoice": ii, "plan": inv["plan"], "currency": inv["currency"],
                "period_start": inv["period"]["start"], "period_end": inv["period"]["end"],
                "status": inv["status"], "total": inv["total"],
            })
            for li, line in enumerate(inv["lines"]):
                row = {"customer": cid, "invoice": ii, "line": li}
                row.update({k: v for k, v in line.items() if k not in ("bands", "fraction")})
                row.update(line.get("fraction", {}))
                t["lines"].append(row)
                for bi, band in enumerate(line.get("bands", [])):
                    t["bands"].append({"customer": cid, "invoice": ii, "line": li, "band": bi, **band})
        for key in ("limits", "rejected", "warnings"):
            for entry in c[key]:
                t[key].append({"customer": cid, **entry})
    t["invalid"] = [dict(e) for e in report["invalid"]]
    return t


def same(field_type, got, want):
    """Whether a table cell holds the report's value."""
    if got is None or want is None:
        return got is None and want is None
    if field_type == DEC:
        return isinstance(got, Decimal) and got == Decimal(want)
    if field_type == TIME:
        return got == datetime.datetime.fromisoformat(want.replace("Z", "+00:00"))
    if field_type == pa.int64():
        return isinstance(got, int) and got == int(want) and not isinstance(got, bool)
    return got == want


def main():
    tables_dir, report_path = sys.argv[1], sys.argv[2]
    min_groups = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    every = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    with open(report_path) as f:
        report = json.load(f)
    want = expected_rows(report)
    tables = {}
    most_groups = 0
    for name in TABLES:
        path = f"{tables_dir}/{name}.parquet"
        most_groups = max(most_groups, pq.ParquetFile(path).num_row_groups)
        table = pq.read_table(path)
        tables[name] = table
        for field in table.schema:
            expect(
                field.type in (pa.string(), pa.int64(), pa.bool_(), DEC, TIME),
                f"{name}.{field.name} has type {field.type}",
            )
        expect(table.num_rows == len(want[name]), f"{name}: {table.num_rows} rows, the report has {len(want[name])}")
        columns = set(table.schema.names)
        for i in range(0, table.num_rows, every):
            got = {k: v[0] for k, v in table.slice(i, 1).to_pydict().items()}
            w = want[name][i]
            extra = set(w) - columns
            expect(not extra, f"{name}: report fields {sorted(extra)} have no column")
            for field in table.schema:
                g, v = got[field.name], w.get(field.name)
                expect(same(field.type, g, v), f"{name} row {i} {field.name}: {g!r} in the table, {v!r} in the report")
    expect(most_groups >= min_groups, f"at most {most_groups} row groups, wanted {min_groups}")

    # Σ lines.amount per invoice = invoices.total; a usage line is its bands rounded.
    keys = ["customer", "invoice"]
    sums = {
        (r["customer"], r["invoice"]): r["amount_sum"]
        for r in tables["lines"].group_by(keys).aggregate([("amount", "sum")]).to_pylist()
    }
    totals = defaultdict(int)
    invoices = tables["invoices"].select(keys + ["currency", "total"]).to_pylist()
    for inv in invoices:
        key = (inv["customer"], inv["invoice"])
        expect(sums.pop(key, 0) == inv["total"], f"lines of invoice {key} do not add up to {inv['total']}")
        totals[inv["currency"]] += inv["total"]
    expect(not sums, f"lines of no invoice: {sorted(sums)[:3]}")
    expect(dict(totals) == report["summary"]["totals"], f"totals {dict(totals)} != {report['summary']['totals']}")
    exact = {
        (r["customer"], r["invoice"], r["line"]): r["amount_sum"]
        for r in tables["bands"].group_by(keys + ["line"]).aggregate([("amount", "sum")]).to_pylist()
    }
    usage = tables["lines"].filter(pc.equal(tables["lines"]["kind"], "usage"))
    for line in usage.select(keys + ["line", "amount"]).to_pylist():
        key = (line["customer"], line["invoice"], line["line"])
        band_sum = exact.get(key, Decimal(0))
        rounded = int(band_sum.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        expect(rounded == line["amount"], f"usage line {key}: bands make {band_sum}, amount {line['amount']}")

    readers = ["pyarrow " + pa.__version__]
    try:
        import duckdb
    except ImportError:
        duckdb = None
    if duckdb is not None:
        readers.append("duckdb " + duckdb.__version__)
        con = duckdb.connect()
        inv = f"'{tables_dir}/invoices.parquet'"
        lines = f"'{tables_dir}/lines.parquet'"
        by_currency = dict(con.execute(f"SELECT currency, SUM(total)::BIGINT FROM {inv} GROUP BY currency").fetchall())
        expect(by_currency == report["summary"]["totals"], f"duckdb totals {by_currency}")
        wrong = con.execute(
            f"""SELECT COUNT(*) FROM {inv} i LEFT JOIN
                (SELECT customer, invoice, SUM(amount) AS s FROM {lines} GROUP BY ALL) l
                USING (customer, invoice) WHERE COALESCE(l.s, 0) <> i.total"""
        ).fetchone()[0]
        expect(wrong == 0, f"duckdb: {wrong} invoices whose lines do not add up")
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{tables_dir}/limits.parquet')").fetchall())
        expect(types["balance"] == "DECIMAL(38,12)", f"duckdb reads limits.balance as {types['balance']}")
    rows = sum(t.num_rows for t in tables.values())
    cells = "every row's cells" if every == 1 else f"every {every}th row's cells"
    print(f"checked {rows} rows ({cells}, {most_groups} row groups at most) with {', '.join(readers)}")


if __name__ == "__main__":
    main()
