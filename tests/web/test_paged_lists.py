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
