"""Long admin lists are paged (50 a page, GOV.UK pagination) with filters, and cost the same
number of statements and a bounded size of page whatever the cohort's size."""

import re

import pytest
from factories import count_queries

from assessment_app.extensions import db
from assessment_app.models import Entry


def candidates(html: str) -> list[str]:
    return re.findall(r"<td class=\"govuk-table__cell\">(B\d{8})</td>", html)


@pytest.mark.parametrize("page", ["", "/marking"])
def test_a_long_list_shows_50_rows_a_count_and_a_next_page(admin, cohorts, page):
    url = f"/admin/windows/{cohorts[120]}{page}"
    first = admin.get(url).text
    assert len(candidates(first)) == 50
    assert "Showing 1 to 50 of 120" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = admin.get(f"{url}?page=3").text
    assert len(candidates(last)) == 20
    assert "Showing 101 to 120 of 120" in last and 'rel="next"' not in last
    assert set(candidates(first)).isdisjoint(candidates(last))


@pytest.mark.parametrize("page", ["", "/marking"])
def test_a_page_costs_the_same_statements_for_10_as_for_120_and_stays_small(app, admin, cohorts,
                                                                             page):
    small = count_queries(app, lambda: admin.get(f"/admin/windows/{cohorts[10]}{page}"))
    large = count_queries(app, lambda: admin.get(f"/admin/windows/{cohorts[120]}{page}"))
    assert small == large
    assert len(admin.get(f"/admin/windows/{cohorts[120]}{page}").data) < 200_000


def test_the_window_page_filters_by_status_npq_and_name(app, admin, cohorts):
    url = f"/admin/windows/{cohorts[120]}"
    with app.app_context():
        extended = db.session.scalars(db.select(Entry).where(Entry.window_id == cohorts[120])
                                      .order_by(Entry.id).limit(2)).all()
        for entry in extended:
            entry.extended_closes_at = entry.window.closes_at.replace(day=5)
        db.session.commit()
    assert len(candidates(admin.get(f"{url}?status=extension").text)) == 2
    assert len(candidates(admin.get(f"{url}?status=submitted").text)) == 50
    assert "No participants match" in admin.get(f"{url}?status=waiting").text
    assert "No participants match" in admin.get(f"{url}?npq=NPQH").text
    found = admin.get(f"{url}?q=bulk120007@").text
    assert candidates(found) == ["B00120007"] and "Showing 1 to 1 of 1" in found
    # A filtered page's links keep the filter.
    assert "status=submitted" in admin.get(f"{url}?status=submitted").text.split('rel="next"')[0][-300:]


def test_the_marking_overview_filters_by_marker_and_status(app, admin, cohorts):
    url = f"/admin/windows/{cohorts[120]}/marking"
    with app.app_context():
        from assessment_app.models import User
        nina = db.session.scalar(db.select(User.id).where(User.email == "m2@example.org"))
    # Scripts alternate first markers; every tenth also has a second marker.
    by_nina = admin.get(f"{url}?marker={nina}").text
    assert "Showing 1 to 50 of 66" in by_nina
    assert "Showing 1 to 12 of 12" in admin.get(f"{url}?status=moderated").text
    assert "No scripts match" in admin.get(f"{url}?status=unallocated").text
    assert "No scripts match" in admin.get(f"{url}?npq=NPQH").text


def _every_page(admin, url: str) -> tuple[list[str], list[str]]:
    """The candidates of every page of a list, in order, and each page's "Showing" line."""
    seen, lines, number = [], [], 1
    while True:
        html = admin.get(f"{url}&page={number}").text
        seen += candidates(html)
        lines.append(re.search(r"Showing [^<]*|No participants match", html).group(0))
        if 'rel="next"' not in html:
            return seen, lines
        number += 1


@pytest.mark.parametrize("term", ["bulk1200", "BULK12001", "person 12011", "B0012010",
                                  "@EXAMPLE.org", "nobody"])
def test_a_search_finds_what_a_plain_reading_of_the_rule_finds_page_by_page(app, admin, cohorts,
                                                                            term):
    """Name, email or candidate number containing the term, any case, in the list's order,
    with the count the search found (taken in the same statement as the page)."""
    url = f"/admin/windows/{cohorts[120]}?q={term}"
    with app.app_context():
        everyone = db.session.scalars(db.select(Entry).where(Entry.window_id == cohorts[120])
                                      .order_by(Entry.npq_code, Entry.id)).all()
        wanted = [e.candidate_number for e in everyone
                  if any(term.lower() in field.lower() for field in
                         (e.participant.name, e.participant.email, e.candidate_number))]
    found, lines = _every_page(admin, url)
    assert found == wanted
    total = len(wanted)
    assert lines == ([f"Showing {1 + 50 * k} to {min(total, 50 * (k + 1))} of {total} participants"
                      for k in range(-(-total // 50))] or ["No participants match"])


@pytest.mark.parametrize(("page", "query", "pages"), [
    ("", "q=bulk1200", 2), ("", "status=submitted", 3), ("", "npq=NPQLTD", 3),
    ("/marking", "status=moderated", 1), ("/marking", "npq=NPQLTD", 3)])
def test_a_page_past_the_end_of_a_filtered_list_shows_its_last_page(admin, cohorts, page, query,
                                                                     pages):
    url = f"/admin/windows/{cohorts[120]}{page}?{query}"
    last = admin.get(f"{url}&page={pages}").text
    past = admin.get(f"{url}&page=40").text
    assert candidates(past) == candidates(last) != []
    assert re.search(r"Showing [^<]*", past).group(0) == re.search(r"Showing [^<]*", last).group(0)
