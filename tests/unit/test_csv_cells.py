"""OWASP's CSV-injection rule for exported cells."""

import pytest

from assessment_app.csv_cells import spreadsheet_safe


@pytest.mark.parametrize("cell", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "+",
                                  "=", "-2 days", "+44 20 7946 0000"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", [0, 3, -2, 92.5, -0.5, "-2", "+3", "-92.5", "1500",
                                  "Sam Taylor", "a=b", "", None, "'quoted"])
def test_numbers_and_plain_text_are_left_as_they_are(cell):
    assert spreadsheet_safe(cell) == cell
