"""Each entry's checking_open (the marking page's "Still to finish") is kept as allocations,
marks, cases and the sample change, and always equals the rule worked out afresh."""

from marking.conftest import AFTER_CLOSE, rubric_form
from sqlalchemy import select

from assessment_app.extensions import db
from assessment_app.models import Allocation, AllocationStatus, Entry, MarkingRole, Moderation, User
from assessment_app.services import allocations, checking, marks, moderation
from assessment_app.services.mark_input import MarkInput


def _levels(level, **overrides):
    return {k[6:]: v for k, v in rubric_form(level, **overrides).items() if k.startswith("level-")}


def _same():
    """The kept flags equal the rule's, entry by entry; returns the open entries."""
    db.session.commit()  # as the request does
    query, unfinished, _, _ = checking._checking_state(select(Entry))
    fresh = {entry_id: bool(open_) for entry_id, open_ in db.session.execute(
        query.with_only_columns(Entry.id, unfinished))}
    kept = {entry_id: open_ for entry_id, open_ in db.session.execute(
        select(Entry.id, Entry.checking_open))}
    assert kept == fresh
    return {entry_id for entry_id, open_ in kept.items() if open_}


def _live(role, status=AllocationStatus.ALLOCATED):
    return db.session.scalars(select(Allocation).where(
        Allocation.role == role, Allocation.status == status).order_by(Allocation.id)).all()


def test_checking_open_is_kept_through_every_change(app, closed):
    """Allocating, a draft, first marks (a pass, a fail, a borderline), handing back, moving,
    the sample, second marks that agree and disagree, a moderator's decision and a withdrawn
    mark each leave every entry's kept flag equal to the rule."""
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        admin = db.session.get(User, closed.admin_id)
        window.second_marking_percent = 0
        assert _same() == set(closed.entry_ids)  # nothing marked yet
        allocations.allocate_window(window, AFTER_CLOSE)
        assert _same() == set(closed.entry_ids)
        first = _live(MarkingRole.FIRST)
        marks.save_mark(first[0], MarkInput(levels=_levels("strong")), AFTER_CLOSE, submit=False)
        assert _same() == set(closed.entry_ids)  # a draft finishes nothing
        marks.save_mark(first[0], MarkInput(levels=_levels("strong")), AFTER_CLOSE, submit=True)
        assert first[0].entry_id not in _same()  # a clear pass, nothing more wanted
        marks.save_mark(first[1], MarkInput(levels=_levels("not_evident")), AFTER_CLOSE,
                        submit=True)
        assert first[1].entry_id in _same()  # a fail waits for a second mark
        allocations.return_to_pool(first[2], "I know this school.", admin, AFTER_CLOSE)
        _same()
        third = db.session.scalar(select(Allocation).where(
            Allocation.entry_id == first[2].entry_id,
            Allocation.status == AllocationStatus.ALLOCATED))
        if third is not None:
            marks.save_mark(third, MarkInput(levels=_levels("strong")), AFTER_CLOSE, submit=True)
        _same()
        checking.draw_second_marking_sample(window, AFTER_CLOSE, admin, seed=1)
        _same()
        for second in _live(MarkingRole.SECOND):
            marks.save_mark(second, MarkInput(levels=_levels("strong")), AFTER_CLOSE, submit=True)
        assert first[1].entry_id in _same()  # the marks disagree: a case is opened
        case = db.session.scalar(select(Moderation).where(Moderation.entry_id == first[1].entry_id))
        moderator = db.session.get(User, closed.moderator_id)
        moderation.save_draft(case, moderator, MarkInput(levels=_levels("secure")), "So far.")
        assert first[1].entry_id in _same()
        moderation.moderate(case, moderator, MarkInput(levels=_levels("secure"),
                                                       feedback="Secure."), "Agreed.", AFTER_CLOSE)
        assert first[1].entry_id not in _same()
        allocations.withdraw([first[0]], "a newer version replaced it", AFTER_CLOSE, admin)
        assert first[0].entry_id in _same()  # its first mark is gone


def test_the_marking_page_counts_from_the_kept_flags(app, closed):
    """checking_counts reads the kept flags, so it gives what the rule gives."""
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        window.second_marking_percent = 0
        allocations.allocate_window(window, AFTER_CLOSE)
        marks.save_mark(_live(MarkingRole.FIRST)[0], MarkInput(levels=_levels("strong")),
                        AFTER_CLOSE, submit=True)
        db.session.commit()  # as the request does
        assert checking.checking_counts(window, AFTER_CLOSE) == (
            3, len(checking.outstanding_checks(window, AFTER_CLOSE)))
        assert checking.checking_counts(window, AFTER_CLOSE)[1] == 2
