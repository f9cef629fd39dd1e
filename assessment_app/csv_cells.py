"""Cells for exported CSV files, made safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with =, +, -, @, a tab or a carriage
return as a formula, so a name, school or reason typed by anyone could run one on an admin's
machine. OWASP's rule: such a cell gets a leading apostrophe, which spreadsheets show as text.
A real number (or text that is exactly a number, such as "-2" or "92.5") is left as it is.
"""

import re
from numbers import Number

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(cell):
    """The cell as written to an export: text that a spreadsheet would run is neutralised."""
    if type(cell) is str:  # most cells: no slower check of what else it might be
        text = cell
    elif cell is None or isinstance(cell, Number):
        return cell
    else:
        text = str(cell)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
