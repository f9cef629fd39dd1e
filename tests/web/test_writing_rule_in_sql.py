"""The rule of who may write to an attempt is written twice: in Python for the pages
(case_study_access.may_write) and in SQL for the autosave, deadline night's commonest request
(submissions._guarded_draft_upsert). They agree on every combination of the facts."""

import itertools
from datetime import UTC, datetime, timedelta

from factories import make_entry, make_window

from assessment_app.attempts import AttemptOutcome
from assessment_app.case_study_access import may_write
from assessment_app.extensions import db
from assessment_app.services import submissions


def test_the_autosave_statement_and_the_python_rule_agree_on_every_combination(ctx, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    window = make_window()
    entry = make_entry(window)
    participant, paper_id = entry.participant, window.papers[0].paper_id
    moments = {"before release": window.release_at - timedelta(seconds=1),
               "at release": window.release_at, "after release": window.release_at +
               timedelta(days=1)}
    combinations = itertools.product(
        (True, False), [None, *AttemptOutcome], (paper_id, None), moments.items(),
        (True, False))
    checked = 0
    for entered, outcome, paper, (moment, now), active in combinations:
        entry.entered, entry.outcome = entered, outcome and outcome.value
        window.papers[0].paper_id, participant.active = paper, active
        db.session.commit()
        saved = submissions.autosave_draft(participant.id, entry.id, "Words.", now,
                                           generation=participant.session_generation) is not None
        rule = active and may_write(entered, entry.outcome, paper, window.release_at, now)
        assert saved == rule, (entered, outcome, paper, moment, active)
        checked += 1
    assert checked == 2 * (len(AttemptOutcome) + 1) * 2 * 3 * 2
