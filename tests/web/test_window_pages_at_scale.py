"""Every admin page that shows a window's scripts costs the same statements for a window of 10
as for one of 120, and what the marking page counts and lists in SQL is what the one rule of
final results (checking.final_results) says, script by script."""

import pytest
from factories import count_queries
from marking.conftest import AFTER_CLOSE
from sqlalchemy import select, update

from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    Entry,
    Mark,
    MarkingRole,
    Moderation,
    Outcome,
    SampleReason,
    SecondMarkingSample,
    User,
)
from assessment_app.services import checking
from assessment_app.services.allocations import marked_versions

PAGES = ["", "?status=submitted&page=2", "?q=bulk", "/marking", "/marking?page=2",
         "/marking?status=moderated", "/marking?status=first_marking", "/marking?marker={nina}",
         "/dashboard", "/reports/markers", "/reports/distribution", "/similarity"]


def unfinish(window_id: int) -> None:
    """Leave scripts at every stage of checking: first marking waiting or handed back, a fail
    with no second mark, one sampled with none, a second mark waiting, a case undecided."""
    entries = db.session.scalars(select(Entry.id).where(Entry.window_id == window_id)
                                 .order_by(Entry.id)).all()

    def first(entry_id):
        return select(Allocation.id).where(Allocation.entry_id == entry_id,
                                           Allocation.role == MarkingRole.FIRST).scalar_subquery()

    db.session.execute(update(Allocation).where(Allocation.id == first(entries[1]))
                       .values(status=AllocationStatus.ALLOCATED))
    db.session.execute(update(Allocation).where(Allocation.id == first(entries[2]))
                       .values(status=AllocationStatus.RETURNED))
    db.session.execute(update(Mark).where(Mark.allocation_id == first(entries[3]))
                       .values(outcome=Outcome.FAIL))
    db.session.execute(update(Mark).where(Mark.allocation_id == first(entries[4]))
                       .values(borderline=True))
    db.session.add(SecondMarkingSample(entry_id=entries[5], reason=SampleReason.SHARE,
                                       drawn_at=AFTER_CLOSE))
    # Every tenth script is second-marked and moderated (bulk): the first one's case back to
    # undecided; the next one's second mark back to waiting, its case not yet opened.
    db.session.execute(update(Moderation).where(Moderation.entry_id == entries[0])
                       .values(decided_at=None, outcome=None))
    if len(entries) > 10:
        db.session.execute(update(Allocation).where(Allocation.entry_id == entries[10],
                                                    Allocation.role == MarkingRole.SECOND)
                           .values(status=AllocationStatus.ALLOCATED))
        case = db.session.scalar(select(Moderation).where(Moderation.entry_id == entries[10]))
        db.session.delete(case)
    db.session.commit()


@pytest.mark.parametrize("page", PAGES)
def test_a_window_page_costs_the_same_statements_for_10_scripts_as_for_120(app, admin, cohorts,
                                                                           page):
    with app.app_context():
        nina = db.session.scalar(select(User.id).where(User.email == "m2@example.org"))
        for window_id in cohorts.values():
            unfinish(window_id)
    small = count_queries(app, lambda: admin.get(f"/admin/windows/{cohorts[10]}{page}"
                                                 .format(nina=nina)))
    large = count_queries(app, lambda: admin.get(f"/admin/windows/{cohorts[120]}{page}"
                                                 .format(nina=nina)))
    assert small == large


def test_what_is_still_to_check_is_what_final_results_leaves_out(app, cohorts):
    with app.app_context():
        unfinish(cohorts[120])
        window = db.session.get(AssessmentWindow, cohorts[120])
        versions = marked_versions(window, AFTER_CLOSE)
        settled = checking.final_results(versions.keys())
        expected = sorted(v.entry.candidate_number for k, v in versions.items()
                          if k not in settled)
        listed = checking.outstanding_checks(window, AFTER_CLOSE)
        assert [o.candidate_number for o in listed] == expected and len(expected) == 7
        assert checking.checking_counts(window, AFTER_CLOSE) == (120, 7)
        assert [o.candidate_number for o in checking.outstanding_checks(
            window, AFTER_CLOSE, limit=3)] == expected[:3]
        stages = {o.candidate_number: (o.stage, o.holder) for o in listed}
    numbers = {i: f"B{120000 + i:08d}" for i in (0, 1, 2, 3, 4, 5, 10)}
    assert stages[numbers[0]][0] == "moderation"
    assert stages[numbers[1]] == ("first marking", "Nina Patel")
    assert stages[numbers[2]] == ("first marking", checking.NOT_ALLOCATED)
    assert stages[numbers[3]] == ("second marking", checking.NOT_ALLOCATED)
    assert stages[numbers[4]] == ("second marking", checking.NOT_ALLOCATED)
    assert stages[numbers[5]] == ("second marking", checking.NOT_ALLOCATED)
    assert stages[numbers[10]] == ("second marking", "Martin Doyle")
