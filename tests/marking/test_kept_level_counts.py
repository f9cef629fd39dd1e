"""The distribution report's level counts are kept as marks change, and always equal a count
made afresh from the marks."""

from marking.conftest import AFTER_CLOSE, rubric_form
from sqlalchemy import select

from assessment_app.extensions import db
from assessment_app.models import Allocation, AllocationStatus, Entry, LevelCount, MarkingRole, User
from assessment_app.services import allocations, checking, level_counts, marks
from assessment_app.services.mark_input import MarkInput


def _levels(level, **overrides):
    return {k[6:]: v for k, v in rubric_form(level, **overrides).items() if k.startswith("level-")}


def _kept(window_id):
    return sorted(tuple(row) for row in db.session.execute(
        select(LevelCount.window_id, LevelCount.marker_id, LevelCount.npq_code,
               LevelCount.rubric_version, LevelCount.criterion_id, LevelCount.level_id,
               LevelCount.n).where(LevelCount.window_id == window_id, LevelCount.n > 0)))


def _fresh(window_id):
    return sorted(tuple(row) for row in db.session.execute(level_counts.fresh(window_id)))


def _same(window_id):
    db.session.commit()  # as the request does
    assert _kept(window_id) == _fresh(window_id)
    return _kept(window_id)


def test_kept_level_counts_equal_a_fresh_count_after_every_change(app, closed):
    """Allocating, saving a draft, submitting first and second marks, handing a script back,
    moving one and withdrawing a submitted mark each leave the kept counts equal to a fresh
    count of the submitted marks."""
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        admin = db.session.get(User, closed.admin_id)
        window.second_marking_percent = 0
        allocations.allocate_window(window, AFTER_CLOSE)
        assert _same(window.id) == []
        first = db.session.scalars(select(Allocation).order_by(Allocation.id)).all()
        marks.save_mark(first[0], MarkInput(levels=_levels("strong")), AFTER_CLOSE, submit=False)
        assert _same(window.id) == []  # a draft counts for nothing
        marks.save_mark(first[0], MarkInput(levels=_levels("strong")), AFTER_CLOSE, submit=True)
        marks.save_mark(first[1], MarkInput(levels=_levels("secure", diagnosis="developing")),
                        AFTER_CLOSE, submit=True)
        counted = _same(window.id)
        assert sum(n for *_, n in counted) == 2 * len(_levels("strong"))
        allocations.return_to_pool(first[2], "I know this school.", admin, AFTER_CLOSE)
        _same(window.id)
        live = db.session.scalar(select(Allocation).where(
            Allocation.entry_id == first[2].entry_id, Allocation.status == AllocationStatus.ALLOCATED))
        marks.save_mark(live, MarkInput(levels=_levels("developing")), AFTER_CLOSE, submit=True)
        _same(window.id)
        checking.draw_second_marking_sample(window, AFTER_CLOSE, admin, seed=1)
        for second in db.session.scalars(select(Allocation).where(
                Allocation.role == MarkingRole.SECOND,
                Allocation.status == AllocationStatus.ALLOCATED)).all():
            marks.save_mark(second, MarkInput(levels=_levels("secure")), AFTER_CLOSE, submit=True)
        before = sum(n for *_, n in _same(window.id))
        allocations.withdraw([first[0]], "a newer version replaced it", AFTER_CLOSE, admin)
        assert sum(n for *_, n in _same(window.id)) == before - len(_levels("strong"))


def test_recount_makes_the_kept_counts_afresh(app, closed):
    """Counts lost or wrong (rows changed outside the app) are made afresh from the marks,
    by the `flask recount-levels` command too."""
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        window.second_marking_percent = 0
        allocations.allocate_window(window, AFTER_CLOSE)
        for allocation in db.session.scalars(select(Allocation)).all():
            marks.save_mark(allocation, MarkInput(levels=_levels("strong")), AFTER_CLOSE,
                            submit=True)
        db.session.commit()  # as the request does
        expected = _fresh(window.id)
        db.session.execute(LevelCount.__table__.delete())
        db.session.commit()
        assert _kept(window.id) == []
        level_counts.recount(window)
        assert _same(window.id) == expected
        db.session.execute(LevelCount.__table__.update().values(n=99))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["recount-levels"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _kept(closed.window_id) == expected
