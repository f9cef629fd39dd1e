"""A cohort in bulk for scale tests and bench/bench_reports.py: participants entered, each with
a submitted script marked by a first marker (strong: a clear pass); every tenth also second
marked and moderated. Rows are inserted a table at a time, so 5,000 take seconds."""

from datetime import timedelta

from sqlalchemy import insert, text

from assessment_app.cli import ensure_npqs
from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AllocationStatus,
    Entry,
    Judgement,
    Mark,
    MarkingRole,
    Moderation,
    Outcome,
    ResponseSource,
    Role,
    SubmissionVersion,
    User,
)
from assessment_app.services import level_counts
from assessment_app.services.checking import keep_checking_open
from assessment_app.services.rubric_store import rubric_for

TEXT = "Coaching changes practice when it is sustained over a year. " * 60


def _ids(model, rows):
    return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True),
                                   rows))


def seed_cohort(window, n: int, markers: list[User], submitted_at, marked_at, npq="NPQLTD",
                start: int = 0, released: bool = False) -> list[int]:
    """`n` participants in `window` for `npq`, scripts marked at `marked_at` (and, if
    `released`, passed with that completion time); returns entry ids."""
    rubric = rubric_for(npq)
    levels = [(c.id, "strong") for c in rubric.criteria]
    people = _ids(User, [{"email": f"bulk{start + i}@example.org", "name": f"Bulk Person {start + i}",
                              "role": Role.PARTICIPANT, "programme": npq, "school": f"School {i % 40}",
                              "delivery_partner": f"Partner {i % 7}", "cohort": "2025"}
                         for i in range(n)])
    entries = _ids(Entry, [{"window_id": window.id, "participant_id": p, "npq_code": npq,
                                "candidate_number": f"B{start + i:08d}", "entered": True,
                                "outcome": "passed" if released else None,
                                "outcome_rule": "marks" if released else None,
                                "completed_at": marked_at if released else None,
                                "reported_outcome": "passed" if released else None,
                                "reported_completed_at": marked_at if released else None}
                           for i, p in enumerate(people)])
    versions = _ids(SubmissionVersion, [
        {"entry_id": e, "number": 1, "text": TEXT, "word_count": 600, "word_limit": 1500, "sha256": "0" * 64,
             "source": ResponseSource.TYPED, "declaration_accepted": True, "client_token": f"bulk{e}",
             "submitted_at": submitted_at} for e in entries])
    moderated = entries[::10]
    roles = [(e, v, MarkingRole.FIRST) for e, v in zip(entries, versions, strict=True)]
    roles += [(e, v, MarkingRole.SECOND) for e, v in zip(entries, versions, strict=True)
              if e in set(moderated)]
    allocations = _ids(Allocation, [
        {"entry_id": e, "version_id": v, "role": role, "status": AllocationStatus.SUBMITTED,
             "marker_id": markers[(i + (role is MarkingRole.SECOND)) % len(markers)].id,
             "allocated_at": marked_at - timedelta(days=1)}
        for i, (e, v, role) in enumerate(roles)])
    marks = _ids(Mark, [{"allocation_id": a, "rubric_version": rubric.version, "feedback": "Clear.",
                             "outcome": Outcome.PASS, "submitted_at": marked_at, "saved_at": marked_at}
                        for a in allocations])
    cases = _ids(Moderation, [{"entry_id": e, "opened_at": marked_at, "why": "a sampled check",
                                   "moderator_id": markers[-1].id, "outcome": Outcome.PASS,
                                   "reason": "Agreed.", "decided_at": marked_at,
                                   "rubric_version": rubric.version, "feedback": "Clear."}
                              for e in moderated]) if moderated else []
    db.session.execute(insert(Judgement), [{"mark_id": m, "criterion_id": c, "level_id": lv,
                                                "comment": "Fine."}
                                           for m in marks for c, lv in levels])
    if cases:
        db.session.execute(insert(Judgement), [{"moderation_id": m, "criterion_id": c, "level_id": lv}
                                                for m in cases for c, lv in levels])
    # Rows inserted in bulk bypass the services that keep these.
    level_counts.recount(window)
    keep_checking_open(db.session.connection(), entries)
    db.session.commit()
    return entries


def seeded_windows(app, clock, sizes, submitted_at, marked_at, *, released=False) -> dict[int, int]:
    """Closed windows of `sizes` marked scripts each (two markers, an admin), by size: their ids.
    The clock is left at `marked_at`."""
    from factories import make_user, make_window
    from marking.conftest import add_marker

    from assessment_app.models import Role

    clock.at(marked_at.replace(month=11, day=1))
    with app.app_context():
        markers = [add_marker("Martin Doyle", "m1@example.org"),
                   add_marker("Nina Patel", "m2@example.org")]
        make_user(Role.ADMIN, email="boss@example.org")
        ids = {}
        for n in sizes:
            window = make_window(name=f"Window of {n}")
            seed_cohort(window, n, markers, submitted_at, marked_at, start=n * 1000,
                        released=released)
            ids[n] = window.id
    clock.at(marked_at)
    return ids


def empty_tables(app) -> None:
    """Every table made afresh (the scheduler's too) with the NPQs: a benchmark's scratch
    database."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
        db.create_all()
        ensure_npqs()
