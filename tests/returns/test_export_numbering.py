"""Numbers the exports work out in SQL, held to the rules read plainly: the results CSV's
attempt number is the entry's place among the same person's counted entries for the NPQ,
windows in release order (entries in turn where two release together), none for an attempt
that does not count (random histories, every outcome); the marks CSV's version is the
script's last. Each is looked up per row through an index (exports.py says why)."""

import csv
import io
import random
from datetime import date

from factories import make_user, make_window

from assessment_app.attempts import NOT_COUNTED, AttemptOutcome
from assessment_app.extensions import db
from assessment_app.models import Entry, Role
from assessment_app.services import exports

OUTCOMES = [None, *AttemptOutcome]


def expected_numbers(entries: list[Entry]) -> dict[int, str]:
    """Each entry's attempt number, by the rule as a person would read it."""
    numbers = {}
    for entry in entries:
        mine = sorted((e for e in entries if e.participant_id == entry.participant_id
                       and e.npq_code == entry.npq_code and e.outcome not in NOT_COUNTED),
                      key=lambda e: (e.window.release_at, e.id))
        numbers[entry.id] = str(mine.index(entry) + 1) if entry in mine else ""
    return numbers


def csv_numbers(window) -> dict[int, str]:
    rows = csv.DictReader(io.StringIO("".join(exports.provider_report_csv(window))))
    by_candidate = {e.candidate_number: e.id for e in window.entries}
    return {by_candidate[row["candidate_number"]]: row["attempt_number"] for row in rows}


def test_the_attempt_number_is_the_place_among_counted_attempts(app):
    rng = random.Random(24)
    with app.app_context():
        admin = make_user(Role.ADMIN)
        # Five windows, two of them released at the same minute.
        days = [date(2026, 3, 3), date(2026, 6, 2), date(2026, 6, 2), date(2026, 9, 8),
                date(2026, 12, 1)]
        windows = [make_window(name=f"Window {n}", first_day=day, npqs=("NPQLTD", "NPQSL"),
                               admin=admin) for n, day in enumerate(days)]
        people = [make_user(email=f"p{n}@example.org") for n in range(12)]
        serial = 0
        for person in people:
            # At most one entry per person and window (the table's rule).
            for window in rng.sample(windows, rng.randint(1, len(windows))):
                serial += 1
                db.session.add(Entry(window_id=window.id, participant_id=person.id,
                                     npq_code=rng.choice(["NPQLTD", "NPQSL"]),
                                     candidate_number=f"C{serial:06d}",
                                     outcome=rng.choice(OUTCOMES)))
        db.session.commit()
        entries = list(db.session.scalars(db.select(Entry)))
        expected = expected_numbers(entries)
        assert {number for number in expected.values()} >= {"", "1", "2", "3"}
        for window in windows:
            assert csv_numbers(window) == {e.id: expected[e.id] for e in window.entries}


def test_the_marks_csv_shows_each_scripts_last_version(app, closed, clock):
    """A script resubmitted before the deadline is marked as its last version: the marks CSV
    gives that version's number, words and SHA-256, whatever other entries have sent."""
    from marking.conftest import AFTER_CLOSE
    from moments import DURING

    from assessment_app.services import allocations, submissions

    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[1])
        submissions.submit(entry, "A second go at the response.", declaration=True,
                           client_token="again", at=DURING)
        last = submissions.submit(entry, "The final response, three versions in, about "
                                  "professional development.", declaration=True,
                                  client_token="at last", at=DURING)
        allocations.allocate_window(entry.window, AFTER_CLOSE)
        db.session.commit()  # as the request does
        rows = {row["candidate_number"]: row for row in csv.DictReader(io.StringIO(
            "".join(exports.marks_csv(entry.window, AFTER_CLOSE))))}
        row = rows[entry.candidate_number]
        assert (row["version"], row["sha256"], row["words"]) == (
            "3", last.sha256, str(last.word_count))
        others = [db.session.get(Entry, i) for i in closed.entry_ids if i != entry.id]
        assert {rows[e.candidate_number]["version"] for e in others} == {"1"}
