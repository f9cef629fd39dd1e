"""What we declare for an outcome, and where the DfE's outcomes disagree with ours
(assessment_app/dfe/declarations.py, plain rules)."""

from datetime import UTC, datetime

import pytest

from assessment_app.dfe.declarations import Live, Plan, Wanted, compare, plan, wanted

DAY = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
COURSE = "npq-headship"


@pytest.mark.parametrize("reported, want", [
    ("passed", Wanted(True, DAY)), ("failed", Wanted(False, DAY)),
    ("not_submitted", Wanted(False, DAY)), ("lost_engagement", Wanted(False, DAY)),
    ("voided", None), ("deferred", None), (None, None),
])
def test_each_reported_outcome_is_declared_as_the_dfe_return_reports_it(reported, want):
    assert wanted(reported, DAY) == want


@pytest.mark.parametrize("live, want, steps", [
    (None, Wanted(True, DAY), Plan(declare=Wanted(True, DAY))),
    (Live(True, DAY, True), Wanted(True, DAY), Plan()),
    (Live(True, DAY, True), Wanted(False, LATER), Plan(void=True, declare=Wanted(False, LATER))),
    (Live(True, DAY, False), Wanted(False, LATER),
     Plan(cancel=True, declare=Wanted(False, LATER))),
    (Live(True, DAY, True), None, Plan(void=True)),
    (Live(True, DAY, True), Wanted(True, LATER), Plan(void=True, declare=Wanted(True, LATER))),
    (None, None, Plan()),
])
def test_a_change_voids_what_may_have_gone_and_cancels_what_never_did(live, want, steps):
    assert plan(live, want) == steps


def outcome(state: str, date: str, created: str = "2027-02-10T09:00:00Z") -> dict:
    return {"attributes": {"state": state, "completion_date": date, "course_identifier": COURSE,
                           "created_at": created}}


def test_the_dfes_newest_outcome_for_the_course_is_compared_with_ours():
    held = [outcome("passed", "2027-02-10T09:00:00Z"),
            outcome("failed", "2027-03-01T09:00:00Z", "2027-03-01T09:00:00Z")]
    assert compare("failed", LATER, COURSE, held) is None
    differs = compare("passed", DAY, COURSE, held)
    assert (differs.ours, differs.theirs) == ("passed on 2027-02-10", "failed on 2027-03-01")


def test_dates_are_compared_as_london_days():
    """23:30 UTC on 30 June is 1 July in London: the day our DfE return shows."""
    summer = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)
    assert compare("passed", summer, COURSE, [outcome("passed", "2027-06-30T23:30:00Z")]) is None
    assert compare("passed", summer, COURSE,
                   [outcome("passed", "2027-06-30T00:00:00+00:00")]).theirs == \
        "passed on 2027-06-30"


def test_missing_outcomes_disagree_unless_there_is_nothing_to_declare():
    assert compare("passed", DAY, COURSE, []).theirs == "no outcome"
    assert compare("voided", DAY, COURSE, []) is None
    assert compare(None, None, COURSE, []) is None
    assert compare("voided", DAY, COURSE, [outcome("voided", "2027-01-01T00:00:00Z")]) is None
    assert compare("voided", DAY, COURSE, [outcome("passed", "2027-02-10T09:00:00Z")]).theirs \
        == "passed on 2027-02-10"
    other_course = {"attributes": dict(outcome("passed", "x")["attributes"],
                                       course_identifier="npq-senco")}
    assert compare("failed", DAY, COURSE, [other_course]).theirs == "no outcome"
