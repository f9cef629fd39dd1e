"""The window dashboard, its charts, and the results, marker and distribution reports."""

import csv
import io
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta

from factories import PASSWORD, count_queries, login, make_entry
from marking.conftest import AFTER_CLOSE, rubric_form
from page_html import parse, text_of

from assessment_app.extensions import db
from assessment_app.models import Allocation, Entry, User
from assessment_app.rubrics import load_rubric
from assessment_app.services import allocations, marks, results
from assessment_app.services.mark_input import MarkInput
from assessment_app.settings import PROJECT_ROOT
from assessment_app.svg_charts import bar_chart


def client_for(app, clock, email):
    clock.at(AFTER_CLOSE)
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def mark_everything(app, closed, levels="strong"):
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        window.second_marking_percent = 0
        allocations.allocate_window(window, AFTER_CLOSE)
        chosen = {k[6:]: levels for k in rubric_form() if k.startswith("level-")}
        for allocation in Allocation.query.all():
            marks.save_mark(allocation, MarkInput(levels=chosen), AFTER_CLOSE, submit=True)
        results.release_results(window, AFTER_CLOSE, db.session.get(User, closed.admin_id), AFTER_CLOSE)
        db.session.commit()  # as the request does


def test_the_chart_is_valid_svg_with_labels_and_values_and_no_colour_only_meaning():
    svg = bar_chart("c", "Title <&>", [("Mon <1>", 3), ("Tue", 0)], "Desc")
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.find("{http://www.w3.org/2000/svg}title").text == "Title <&>"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Mon <1>" in texts and "3" in texts and "0" in texts
    assert "style=" not in str(svg)  # the CSP forbids inline styles


def test_the_dashboard_counts_each_stage(app, closed, clock):
    mark_everything(app, closed)
    page = client_for(app, clock, "boss@example.org").get(f"/admin/windows/{closed.window_id}/dashboard")
    assert page.status_code == 200
    text = page.text
    for label, value in (("Entered", 3), ("Submitted", 3), ("Allocated for marking", 3),
                         ("First-marked", 3), ("Results released", "Yes")):
        assert f'{label}</dt><dd class="govuk-summary-list__value">{value}</dd>' in text
    assert "<svg" in text and "First submissions per day" in text
    assert "Thursday 26 November 2026" in text  # the day the three were submitted


def test_the_dashboard_is_for_admins_only(app, closed, clock):
    for email in ("m1@example.org", "sam@example.org", "mod@example.org"):
        assert client_for(app, clock, email).get(f"/admin/windows/{closed.window_id}/dashboard").status_code == 403


def test_the_dashboard_makes_a_fixed_number_of_queries(app, closed, clock):
    admin = client_for(app, clock, "boss@example.org")
    url = f"/admin/windows/{closed.window_id}/dashboard"
    before = count_queries(app, lambda: admin.get(url))
    mark_everything(app, closed)
    assert count_queries(app, lambda: admin.get(url)) == before


def test_results_csv_gives_attempt_outcome_and_completion_date(app, closed, clock):
    mark_everything(app, closed)
    rows = list(csv.DictReader(io.StringIO(
        client_for(app, clock, "boss@example.org").get(f"/admin/windows/{closed.window_id}/reports/provider-results.csv").text)))
    sam = next(r for r in rows if r["email"] == "sam@example.org")
    assert sam["outcome"] == "passed" and sam["attempt_number"] == "1"
    assert sam["completion_date"] == AFTER_CLOSE.date().isoformat()
    assert sam["delivery_partner"] == "Midlands Alliance" and sam["npq"] == "NPQLTD"


def test_a_resit_is_the_second_attempt_and_a_voided_one_does_not_count(app, closed, clock):
    from factories import make_window

    with app.app_context():
        db.session.get(Entry, closed.entry_ids[0]).outcome = "voided"
        db.session.get(Entry, closed.entry_ids[1]).outcome = "failed"
        db.session.commit()
        admin = db.session.get(User, closed.admin_id)
        resit = make_window(name="Resit", first_day=date(2027, 3, 9), admin=admin)
        db.session.commit()
        for email in ("sam@example.org", "jo@example.org"):
            make_entry(resit, User.query.filter_by(email=email).one())
        resit_id = resit.id
    rows = list(csv.DictReader(io.StringIO(
        client_for(app, clock, "boss@example.org").get(f"/admin/windows/{resit_id}/reports/provider-results.csv").text)))
    numbers = {r["email"]: r["attempt_number"] for r in rows}
    assert numbers == {"sam@example.org": "1", "jo@example.org": "2"}
    assert {r["outcome"] for r in rows} == {"in_progress"}


def test_marker_progress_and_distribution_reports(app, closed, clock):
    mark_everything(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    progress = admin.get(f"/admin/windows/{closed.window_id}/reports/markers").text
    assert "Martin Doyle" in progress and "Nina Patel" in progress
    distribution = client_for(app, clock, "mod@example.org").get(f"/admin/windows/{closed.window_id}/reports/distribution")
    assert distribution.status_code == 200 and "Strong" in distribution.text
    assert client_for(app, clock, "m1@example.org").get(f"/admin/windows/{closed.window_id}/reports/distribution").status_code == 403


def test_the_distribution_report_names_criteria_as_the_rubric_does(app, closed, clock):
    """Each row is headed by the criterion's name in the rubric ("Designing effective
    professional development"), in the rubric's order, never its id ("Designing pd")."""
    mark_everything(app, closed)
    with app.app_context():
        marked = Counter(f"{a.marker.name} ({a.marker.email})" for a in Allocation.query.all())
    page = parse(client_for(app, clock, "boss@example.org").get(
        f"/admin/windows/{closed.window_id}/reports/distribution"))
    rubric = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
    tables = page.xpath("//table")
    assert {text_of(table.xpath("caption")[0]) for table in tables} == set(marked)
    for table in tables:
        assert [text_of(th) for th in table.xpath("tbody/tr/th")] == [c.title for c in rubric.criteria]
        strong = str(marked[text_of(table.xpath("caption")[0])])
        for row in table.xpath("tbody/tr"):
            assert [text_of(td) for td in row.xpath("td")] == ["0", "0", "0", strong]


def test_a_voided_attempt_has_no_attempt_number(app, closed, clock):
    """Voided and deferred attempts do not count, so the DfE return gives them no number."""
    with app.app_context():
        db.session.get(Entry, closed.entry_ids[0]).outcome = "voided"
        db.session.commit()
    rows = list(csv.DictReader(io.StringIO(
        client_for(app, clock, "boss@example.org").get(f"/admin/windows/{closed.window_id}/reports/provider-results.csv").text)))
    sam = next(r for r in rows if r["email"] == "sam@example.org")
    assert sam["outcome"] == "voided" and sam["attempt_number"] == ""


def test_the_chart_shows_every_day_of_an_extension(app, closed, clock):
    from assessment_app.services.dashboard import submissions_by_day

    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[0])
        entry.extended_closes_at = entry.window.closes_at + timedelta(days=3)
        db.session.commit()
        days = [d for d, _ in submissions_by_day(entry.window)]
        assert days[-1] == entry.window.first_day + timedelta(days=7 + 3)
        assert len(days) == 11


def test_first_submissions_are_counted_by_london_day_across_the_clock_change(app, clock):
    """The database counts between London midnights: 23:30 UTC in summer time is the next day,
    in winter the same day; a later version is not a first submission; a first submission
    after the window's last day (an extension since taken back) still has its day."""
    from datetime import UTC, datetime

    from bulk import seed_cohort
    from factories import make_window
    from marking.conftest import add_marker
    from sqlalchemy import select, update

    from assessment_app.clock import to_london
    from assessment_app.models import SubmissionVersion
    from assessment_app.services.dashboard import submissions_by_day

    times = [datetime(2026, 10, 20, 22, 59, tzinfo=UTC), datetime(2026, 10, 20, 23, 30, tzinfo=UTC),
             datetime(2026, 10, 25, 23, 30, tzinfo=UTC), datetime(2026, 10, 26, 0, 30, tzinfo=UTC),
             datetime(2026, 10, 29, 12, 0, tzinfo=UTC)]
    with app.app_context():
        window = make_window(first_day=date(2026, 10, 20))  # 20 to 27 October, BST to GMT
        entries = seed_cohort(window, len(times), [add_marker("Martin Doyle", "m1@example.org")],
                              times[0], times[-1])
        for entry_id, at in zip(entries, times, strict=True):
            db.session.execute(update(SubmissionVersion).where(SubmissionVersion.entry_id == entry_id)
                               .values(submitted_at=at))
        later = db.session.scalar(select(SubmissionVersion).where(SubmissionVersion.entry_id == entries[0]))
        db.session.add(SubmissionVersion(entry_id=entries[0], number=2, text="x", word_count=1,
                                         word_limit=1500, sha256="1" * 64, source=later.source,
                                         declaration_accepted=True, client_token="later",
                                         submitted_at=datetime(2026, 10, 22, 9, tzinfo=UTC)))
        db.session.commit()
        by_day = submissions_by_day(window)
    expected = Counter(to_london(at).date() for at in times)
    assert expected == {date(2026, 10, 20): 1, date(2026, 10, 21): 1, date(2026, 10, 25): 1,
                        date(2026, 10, 26): 1, date(2026, 10, 29): 1}
    assert by_day == [(date(2026, 10, 20) + timedelta(days=i),
                       expected[date(2026, 10, 20) + timedelta(days=i)]) for i in range(10)]
