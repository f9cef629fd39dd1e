"""Reading an uploaded CSV for an import, whatever a spreadsheet or a hostile hand made of it.

Every problem is found, by line, before anything is imported: the importers then check each
row and import all rows or none. Files come from Excel as often as from a learning platform,
so a byte-order mark and Windows-1252 text (Excel's "CSV" on a UK Windows) are read as meant.
"""

import csv
import io

MAX_ROWS = 50_000
# A cell starting with one of these runs as a formula when the file, or an export of what it
# imported, is opened in a spreadsheet (OWASP's CSV-injection rule). Values are stripped of
# spaces first, so a leading tab or carriage return is gone; the rest are refused.
FORMULA_START = ("=", "+", "-", "@")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportRefused(Exception):
    """A refused import: nothing was changed. `problems` are line-numbered messages."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
        self.problems = problems


def decoded(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or
    Windows-1252; bytes that are none of these are refused, by line."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused([("The file says it is UTF-16 text but is not. Save it as "
                                  "CSV UTF-8 and upload it again.")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    bad = []
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            line.decode("cp1252")
        except UnicodeDecodeError:
            bad.append(f"Line {number}: characters that are neither UTF-8 nor Windows-1252 "
                       "text. Save the file as CSV UTF-8 and upload it again.")
    if bad:
        raise ImportRefused(bad)
    return data.decode("cp1252")


def read_rows(data: bytes, columns: tuple[str, ...],
              optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped value}) for each non-blank row, or ImportRefused listing
    every problem of the file's shape: no header, NUL bytes, too many rows, broken quoting.
    Optional columns absent from the header read as empty."""
    text = decoded(data)
    nul = [f"Line {n}: contains a NUL character, so this is not a CSV text file."
           for n, line in enumerate(text.splitlines(), start=1) if "\x00" in line]
    if nul:
        raise ImportRefused(nul)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        raise ImportRefused([unreadable(1, error)]) from None
    missing = [c for c in columns if c not in header]
    if missing:
        looks_like_data = any("@" in h or h[:1].isdigit() for h in header)
        raise ImportRefused([
            f"Line 1: the first line must be the header, with the columns {', '.join(columns)} "
            f"(missing: {', '.join(missing)})"
            + (". It looks like a row of data: add the header line above it." if looks_like_data
               else ".")])
    where = {c: header.index(c) for c in columns + optional if c in header}
    rows, line = [], 1
    try:
        for cells in reader:
            # A quoted cell may span lines: a row is numbered by the line it starts on.
            first, line = line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise ImportRefused([(f"The file has more than {MAX_ROWS:,} rows. Split it "
                                      f"into files of at most {MAX_ROWS:,} rows and upload each.")])
            row = dict.fromkeys(optional, "")
            row.update({c: (cells[i] if i < len(cells) else "").strip() for c, i in where.items()})
            rows.append((first, row))
    except csv.Error as error:
        raise ImportRefused([unreadable(line + 1, error)]) from None
    if not rows:
        raise ImportRefused(["The file has a header but no rows."])
    return rows


def unreadable(line: int, error: csv.Error) -> str:
    return (f"Line {line}: this line cannot be read as CSV ({error}). Save the file again from "
            "the spreadsheet as CSV UTF-8 and upload it again.")


def check_no_formulas(row: dict[str, str]) -> None:
    """ValueError naming the first cell a spreadsheet would run as a formula."""
    for column, value in row.items():
        if value.startswith(FORMULA_START):
            raise ValueError(f"{column} “{value}” starts with “{value[0]}”, which a spreadsheet "
                             "would run as a formula. Remove that character.")


def chunked(values: list, size: int = 1000):
    """An import's keys in slices for IN lookups: a file may have 50,000 rows, and one statement
    takes at most 32,766 parameters on a default SQLite build, 65,535 on PostgreSQL."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
