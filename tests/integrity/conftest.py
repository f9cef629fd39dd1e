"""Two NPQLTD windows with generated scripts: an earlier one (May 2026) and the test window,
closed, with copies planted (verbatim, reordered from the earlier window, case-study text)."""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from essays import essay, reorder
from factories import make_entry, make_user, make_window
from moments import CLOSED, DURING

from assessment_app.clock import now
from assessment_app.extensions import db
from assessment_app.models import Role
from assessment_app.services import submissions

EARLIER_DURING = datetime(2026, 5, 7, 12, 0, tzinfo=UTC)


@dataclass
class Scripts:
    window_id: int
    earlier_window_id: int
    paper_id: int
    versions: dict[str, int]  # name: submission version id
    entries: dict[str, int]  # name: entry id
    admin_email: str = "boss@example.org"


def submit(entry, text, token):
    return submissions.submit(entry, text, declaration=True, client_token=token, at=now())


@pytest.fixture
def scripts(app, clock):
    rng = random.Random(10)
    clock.at(datetime(2026, 4, 1, tzinfo=UTC))
    with app.app_context():
        make_user(Role.ADMIN, email="boss@example.org", name="Bo Admin")
        earlier = make_window(name="Spring 2026", first_day=date(2026, 5, 5))
        earlier_entries = [make_entry(earlier, make_user(email=f"old{i}@example.org",
                                                         name=f"Old Person {i}"))
                           for i in range(2)]
        clock.at(datetime(2026, 11, 1, tzinfo=UTC))
        window = make_window()
        case_study = essay(rng, 1500)
        window.papers[0].case_paper.markdown = "# Brookside School\n\n" + case_study
        names = ["original", "verbatim", "case_copier", "resit_copier", "honest"]
        entries = {n: make_entry(window, make_user(email=f"{n}@example.org",
                                                   name=n.replace("_", " ").title()))
                   for n in names}
        db.session.commit()
        clock.at(EARLIER_DURING)
        old_texts = [essay(rng, 1200) for _ in earlier_entries]
        versions = {f"earlier{i}": submit(e, t, f"old{i}").id
                    for i, (e, t) in enumerate(zip(earlier_entries, old_texts, strict=True))}
        clock.at(DURING)
        original = essay(rng, 1200)
        texts = {
            "original": original,
            "verbatim": original,
            "case_copier": "\n\n".join(case_study.split("\n\n")[:6] + essay(rng, 700).split("\n\n")),
            "resit_copier": reorder(old_texts[0], rng),
            "honest": essay(rng, 1200),
        }
        versions.update({n: submit(entries[n], texts[n], n).id for n in names})
        db.session.commit()  # as the request does
        ids = Scripts(window.id, earlier.id, window.papers[0].paper_id, versions,
                      {n: e.id for n, e in entries.items()})
    clock.at(CLOSED)
    return ids


def open_case(admin, entry_id: int, reason="The pair shares most of its text.") -> str:
    """Open a case through its pages (the reason, then the check's button); its URL."""
    from page_html import confirmed_post

    return confirmed_post(admin, f"/admin/entries/{entry_id}/misconduct", {"reason": reason},
                          follow_redirects=False).location
