"""A marker's home is paged (50 scripts a list, GOV.UK pagination) and costs the same
statements however many scripts the marker has."""

import re
from datetime import timedelta

import pytest
from bulk import seed_cohort
from factories import PASSWORD, count_queries, login, make_window
from marking.conftest import AFTER_CLOSE, add_marker
from moments import DURING
from sqlalchemy import select, update

from assessment_app.extensions import db
from assessment_app.models import Allocation, AllocationStatus, Entry, MarkingRole


@pytest.fixture
def marker(app, clock):
    """Martin, with 3 scripts to mark in one window; `more(n)` gives him n more in another."""
    clock.at(AFTER_CLOSE.replace(month=11, day=1))
    with app.app_context():
        martin = add_marker("Martin Doyle", "m1@example.org")
        first = make_window(name="Small window")
        seed_cohort(first, 3, [martin], DURING, AFTER_CLOSE, start=0)
        _unmark(martin.id)
        martin_id = martin.id
    clock.at(AFTER_CLOSE)
    client = app.test_client()
    login(client, "m1@example.org", PASSWORD)

    def more(n, start=1000, submitted=0):
        with app.app_context():
            window = make_window(name=f"Window of {start}", first_day=DURING.date() + timedelta(days=1))
            entries = seed_cohort(window, n, [db.session.get(type(martin), martin_id)],
                                  DURING + timedelta(days=8), AFTER_CLOSE, start=start)
            _unmark(martin_id, entries[submitted:])

    client.more = more
    return client


def _unmark(marker_id, entry_ids=None):
    """The bulk cohort comes marked, every tenth script second-marked too (by Martin, the only
    marker): these scripts' first marking goes back to waiting for him, and second marking
    back to the pool, so each script is in his queue once."""
    db.session.execute(update(Allocation).where(Allocation.role == MarkingRole.SECOND)
                       .values(status=AllocationStatus.RETURNED))
    query = update(Allocation).where(Allocation.marker_id == marker_id,
                                     Allocation.role == MarkingRole.FIRST)
    if entry_ids is not None:
        query = query.where(Allocation.entry_id.in_(entry_ids))
    db.session.execute(query.values(status=AllocationStatus.ALLOCATED))
    db.session.commit()


def to_mark(html: str) -> list[str]:
    table = html.split('aria-label="Scripts to mark"')[1].split("</table>")[0]
    return re.findall(r'href="/marking/scripts/(B\d{8})"', table)


def test_a_long_queue_shows_50_scripts_to_mark_a_page_with_a_count(marker):
    marker.more(120)
    first = marker.get("/marking/").text
    assert len(to_mark(first)) == 50
    assert "Showing 1 to 50 of 123 scripts to mark" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = marker.get("/marking/?page=2").text
    assert "Showing 51 to 100 of 123 scripts to mark" in second and 'rel="prev"' in second
    assert set(to_mark(first)).isdisjoint(to_mark(second))
    last = marker.get("/marking/?page=3").text
    assert len(to_mark(last)) == 23 and 'rel="next"' not in last
    # Every script once, in the order they were given: the first window's, then the next.
    assert to_mark(first) + to_mark(second) + to_mark(last) == \
        [f"B{n:08d}" for n in (0, 1, 2, *range(1000, 1120))]


def test_a_page_past_the_end_shows_the_last_page(marker):
    marker.more(60)
    page = marker.get("/marking/?page=99").text
    assert "Showing 51 to 63 of 63 scripts to mark" in page and len(to_mark(page)) == 13
    assert marker.get("/marking/?page=0").text.count("Showing 1 to 50 of 63 scripts") == 1


def test_counts_say_script_or_scripts(app, marker):
    with app.app_context():
        first = db.session.scalars(select(Allocation.id).where(
            Allocation.role == MarkingRole.FIRST).order_by(Allocation.id)).all()
        db.session.execute(update(Allocation).where(Allocation.id.in_(first[1:]))
                           .values(status=AllocationStatus.SUBMITTED))
        db.session.commit()
    page = marker.get("/marking/").text
    assert "Showing 1 to 1 of 1 script to mark" in page
    assert "Showing 1 to 2 of 2 scripts submitted" in page


def test_the_submitted_list_is_paged_apart_and_keeps_the_other_lists_page(marker):
    marker.more(120, submitted=60)
    page = marker.get("/marking/?page=2&submitted=2").text
    assert "Showing 51 to 63 of 63 scripts to mark" in page
    assert "Showing 51 to 60 of 60 scripts submitted" in page
    nav = page.split('aria-label="Pages of submitted scripts"')[1].split("</nav>")[0]
    assert 'rel="prev"' in nav and "submitted=1" in nav and "page=2" in nav


def test_the_queue_costs_the_same_statements_for_8_scripts_as_for_128(app, marker):
    marker.more(5, submitted=2)
    small = count_queries(app, lambda: marker.get("/marking/"))
    marker.more(120, start=2000, submitted=60)
    assert count_queries(app, lambda: marker.get("/marking/")) == small
    assert count_queries(app, lambda: marker.get("/marking/?page=2&submitted=2")) == small
    assert len(marker.get("/marking/").data) < 100_000


def test_a_script_in_the_queue_opens_from_any_page(app, marker):
    marker.more(60)
    number = to_mark(marker.get("/marking/?page=2").text)[0]
    with app.app_context():
        assert db.session.scalar(select(Entry.id).where(Entry.candidate_number == number))
    assert marker.get(f"/marking/scripts/{number}").status_code == 200
