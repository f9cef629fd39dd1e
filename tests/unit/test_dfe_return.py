"""The DfE return's rules: our outcomes in the DfE's three states, completion dates as London
dates, which amendments are allowed, and how an amended row is marked."""

from datetime import UTC, datetime

import pytest

from assessment_app.dfe_return import (
    Amended,
    AmendmentRefused,
    DfeOutcome,
    amendment_choices,
    check_amendment,
    completion_date,
    dfe_outcome,
    return_row,
)
from assessment_app.timeformat import iso_london

WINTER = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("ours, theirs", [
    ("passed", DfeOutcome.PASSED),
    ("failed", DfeOutcome.FAILED),
    ("not_submitted", DfeOutcome.FAILED),
    ("lost_engagement", DfeOutcome.FAILED),
    ("voided", DfeOutcome.VOIDED),
    ("deferred", None),
    (None, None),
])
def test_each_of_our_outcomes_maps_to_one_dfe_state_or_to_no_row(ours, theirs):
    """Not submitted and lost at the engagement gate are DfE fails; deferred and in progress
    are not reported."""
    assert dfe_outcome(ours) == theirs
    row = return_row(ours, WINTER, [])
    assert (row["outcome"] if row else None) == (theirs.value if theirs else None)


def test_the_return_has_only_the_dfes_three_states():
    outcomes = ["passed", "failed", "not_submitted", "lost_engagement", "voided", "deferred", None]
    states = {r["outcome"] for o in outcomes if (r := return_row(o, WINTER, []))}
    assert states == {"passed", "failed", "voided"}


def test_the_completion_date_is_the_london_date_at_the_boundary():
    """23:30 UTC on 30 June is 00:30 on 1 July in London (BST); in winter the dates agree."""
    assert completion_date(datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC)) == "2026-06-30"
    assert completion_date(datetime(2026, 6, 30, 23, 0, 0, tzinfo=UTC)) == "2026-07-01"
    assert completion_date(datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)) == "2026-12-01"


def test_export_timestamps_are_iso_8601_with_the_london_offset():
    assert iso_london(datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC)) == "2026-11-20T23:59:59+00:00"
    assert iso_london(datetime(2026, 6, 20, 22, 59, 59, tzinfo=UTC)) == "2026-06-20T23:59:59+01:00"


def test_an_unamended_row_says_so():
    row = return_row("passed", WINTER, [])
    assert row == {"outcome": "passed", "completion_date": "2026-12-03", "amended": "no",
                   "amended_on": "", "previous_outcome": "", "previous_completion_date": ""}


def test_an_amended_row_gives_the_latest_amendment_and_the_dfe_state_it_replaced():
    """Not submitted, voided after a late EC decision: previously a DfE fail."""
    amended_at = datetime(2027, 1, 10, 23, 30, tzinfo=UTC)
    earlier = Amended(datetime(2027, 1, 5, 12, 0, tzinfo=UTC), "passed", WINTER)
    latest = Amended(amended_at, "not_submitted", datetime(2026, 12, 2, 0, 0, tzinfo=UTC))
    row = return_row("voided", amended_at, [latest, earlier])
    assert row["outcome"] == "voided" and row["completion_date"] == "2027-01-10"
    assert row["amended"] == "yes" and row["amended_on"] == "2027-01-10"
    assert row["previous_outcome"] == "failed" and row["previous_completion_date"] == "2026-12-02"


@pytest.mark.parametrize("current, had_result, allowed", [
    ("passed", True, ["failed", "voided"]),
    ("failed", True, ["passed", "voided"]),
    ("voided", True, ["passed", "failed"]),  # a marked attempt voided in error is reinstated
    ("voided", False, []),
    ("not_submitted", False, ["voided"]),  # a late EC decision
    ("lost_engagement", False, ["voided"]),
    ("deferred", False, []),
    (None, False, []),
])
def test_what_an_outcome_may_be_amended_to(current, had_result, allowed):
    """Only a marked attempt can become passed or failed; any reported outcome can be voided."""
    assert [c.value for c in amendment_choices(current, had_result)] == allowed


def test_an_amendment_needs_an_allowed_outcome_and_a_reason():
    assert check_amendment("failed", True, "passed", "Review upheld") is DfeOutcome.PASSED
    with pytest.raises(AmendmentRefused, match="Choose one of the outcomes offered"):
        check_amendment("not_submitted", False, "passed", "Reason")
    with pytest.raises(AmendmentRefused, match="Give the reason"):
        check_amendment("failed", True, "passed", "   ")
    with pytest.raises(AmendmentRefused, match="Only a recorded outcome"):
        check_amendment(None, False, "voided", "Reason")
