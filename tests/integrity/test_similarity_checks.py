"""Similarity checks of a window: run by the scheduler once, after the last deadline, and on an
admin's request (CSRF, audited); the planted pairs and nothing else are found; the admin's page
and side-by-side view, in a fixed number of statements and paged; markers see none of it."""

import re
from datetime import timedelta

from factories import PASSWORD, count_queries, login, make_entry, make_user
from integrity.conftest import open_case
from marking.conftest import add_marker
from moments import CLOSED, DURING

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    AuditEvent,
    Entry,
    SimilarityPair,
    SimilarityRun,
)
from assessment_app.services import allocations, submissions
from assessment_app.services import similarity as checks


def sync(app, clock, at):
    scheduling._app = app
    clock.at(at)
    scheduling.sync_windows()


def client_for(app, email):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def runs(window_id):
    return SimilarityRun.query.filter_by(window_id=window_id)


def found_pairs(window_id):
    pairs = SimilarityPair.query.join(SimilarityRun).filter(SimilarityRun.window_id == window_id)
    return {(p.version_id, p.other_version_id or ("paper", p.paper_id)) for p in pairs}


def test_the_check_runs_once_when_the_last_deadline_has_passed(app, scripts, clock):
    """With an extension running to a day after the window's deadline, nothing runs at the
    window's deadline nor at the extension's last second; at its first late instant the
    check runs, once, however often the scheduler comes back."""
    extended_to = CLOSED + timedelta(days=1)
    with app.app_context():
        db.session.get(Entry, scripts.entries["honest"]).extended_closes_at = extended_to
        db.session.commit()
    sync(app, clock, CLOSED)
    sync(app, clock, extended_to - timedelta(seconds=1))
    with app.app_context():
        assert runs(scripts.window_id).count() == 0
    sync(app, clock, extended_to)
    sync(app, clock, extended_to + timedelta(minutes=1))
    sync(app, clock, extended_to + timedelta(minutes=2))
    with app.app_context():
        run = runs(scripts.window_id).one()
        assert run.trigger.value == "deadline" and run.finished_at == extended_to
        assert run.scripts_checked == 5 and run.earlier_scripts == 2
        assert AuditEvent.query.filter_by(action="similarity.checked",
                                          window_id=scripts.window_id).count() == 1
        # The earlier window, long closed, was checked once too, at the first minute.
        assert runs(scripts.earlier_window_id).one().finished_at == CLOSED


def test_the_planted_pairs_and_nothing_else_are_found(app, scripts, clock):
    """A verbatim copy in the window, a resit's reordered copy of an earlier window's script
    and copied case-study text are found; the honest script is in no pair."""
    sync(app, clock, CLOSED)
    v = scripts.versions
    with app.app_context():
        pairs = found_pairs(scripts.window_id)
        assert pairs == {(v["original"], v["verbatim"]), (v["resit_copier"], v["earlier0"]),
                         (v["case_copier"], ("paper", scripts.paper_id))}
        overlap = {p.version_id: p.overlap_percent for p in SimilarityPair.query}
        assert overlap[v["original"]] == 100
        assert overlap[v["resit_copier"]] > 90
        assert 25 <= overlap[v["case_copier"]] < 100


def test_the_threshold_is_a_setting(app, scripts, clock):
    app.config["SIMILARITY_THRESHOLD_PERCENT"] = 100
    sync(app, clock, CLOSED)
    v = scripts.versions
    with app.app_context():
        assert found_pairs(scripts.window_id) == {(v["original"], v["verbatim"])}
        assert runs(scripts.window_id).one().threshold_percent == 100


def test_an_admin_asks_for_a_check_with_the_forms_token_and_it_is_audited(app, scripts, clock):
    """During the window (before any deadline run): without the CSRF token the request is
    refused; with it a check is asked for, audited with the admin, and the next minute runs it."""
    clock.at(DURING)
    admin = client_for(app, scripts.admin_email)
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/admin/windows/{scripts.window_id}/similarity"
    assert admin.post(f"{url}/check").status_code == 400
    with app.app_context():
        assert runs(scripts.window_id).count() == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get(url).text).group(1)
    assert admin.post(f"{url}/check", data={"csrf_token": token}).status_code == 302
    page = admin.get(url).text
    assert "is waiting to run" in page and "Check now" not in page
    with app.app_context():
        asked = AuditEvent.query.filter_by(action="similarity.requested").one()
        assert asked.actor.email == scripts.admin_email
        run = runs(scripts.window_id).one()
        assert run.trigger.value == "admin" and run.finished_at is None
    sync(app, clock, DURING + timedelta(minutes=1))
    with app.app_context():
        assert runs(scripts.window_id).one().pairs_found == 3


def test_the_page_lists_the_pairs_and_the_side_by_side_view_marks_the_shared_passages(
        app, scripts, clock):
    sync(app, clock, CLOSED)
    admin = client_for(app, scripts.admin_email)
    with app.app_context():
        numbers = {n: db.session.get(Entry, e).candidate_number
                   for n, e in scripts.entries.items()}
        pair = SimilarityPair.query.filter_by(version_id=scripts.versions["original"]).one()
    assert f'href="/admin/windows/{scripts.window_id}/similarity"' in admin.get(
        f"/admin/windows/{scripts.window_id}").text
    page = admin.get(f"/admin/windows/{scripts.window_id}/similarity").text
    assert numbers["original"] in page and numbers["verbatim"] in page and "100%" in page
    assert "Spring 2026" in page and "Case study: Test case study for NPQLTD" in page
    assert numbers["honest"] not in page
    view = admin.get(f"/admin/windows/{scripts.window_id}/similarity/pairs/{pair.id}")
    assert view.status_code == 200
    assert view.text.count("<mark") >= 2 and "[shared passage: </span>" in view.text
    assert f"/admin/entries/{scripts.entries['original']}/misconduct" in view.text
    # A pair is only reachable under its own window.
    assert admin.get(f"/admin/windows/{scripts.earlier_window_id}/similarity/pairs/{pair.id}"
                     ).status_code == 404


def test_the_page_is_paged_and_makes_a_fixed_number_of_statements(app, scripts, clock):
    """Three pairs or seventy: the same statements; fifty pairs a page."""
    sync(app, clock, CLOSED)
    admin = client_for(app, scripts.admin_email)
    url = f"/admin/windows/{scripts.window_id}/similarity"
    few = count_queries(app, lambda: admin.get(url))
    with app.app_context():
        window = db.session.get(AssessmentWindow, scripts.window_id)
        text = db.session.get(Entry, scripts.entries["original"])
        original = submissions.latest_versions([text.id])[text.id].text
        clock.at(DURING)
        for i in range(10):
            entry = make_entry(window, make_user(email=f"copy{i}@example.org"))
            submissions.submit(entry, original, declaration=True, client_token=f"c{i}", at=DURING)
        clock.at(CLOSED)
        checks.run_check(checks.request_check(window, make_user(), CLOSED), CLOSED)
        db.session.commit()  # as the request does
        assert runs(scripts.window_id).order_by(SimilarityRun.id.desc()).first().pairs_found == 68
    many = count_queries(app, lambda: admin.get(url))
    assert many == few
    first, second = admin.get(url).text, admin.get(f"{url}?page=2").text
    assert "Showing 1 to 50 of 68 pairs" in first and "Showing 51 to 68 of 68 pairs" in second


def test_markers_never_see_similarity_or_cases(app, scripts, clock):
    """Marker pages carry no score, pair or case, and every similarity and case route refuses
    a marker."""
    sync(app, clock, CLOSED)
    with app.app_context():
        add_marker("Nina Patel", "m2@example.org")
        window = db.session.get(AssessmentWindow, scripts.window_id)
        allocations.allocate_window(window, CLOSED)
        db.session.commit()  # as the request does
        pair_id = SimilarityPair.query.first().id
    admin = client_for(app, scripts.admin_email)
    case_url = open_case(admin, scripts.entries["original"])
    client = client_for(app, "m2@example.org")
    queue = client.get("/marking/")
    pages = [queue.text] + [client.get(link).text for link in
                            set(re.findall(r'href="(/marking/[^"]+)"', queue.text))]
    assert len(pages) > 1
    for page in pages:
        assert not re.search(r"similarity|overlap|misconduct|shared passage", page, re.IGNORECASE)
    base = f"/admin/windows/{scripts.window_id}/similarity"
    for url in (base, f"{base}/pairs/{pair_id}", case_url):
        assert client.get(url).status_code == 403
    assert client.post(f"{base}/check").status_code == 403
    assert client.post(f"/admin/entries/{scripts.entries['honest']}/misconduct").status_code == 403
    participant = client_for(app, "original@example.org")
    assert participant.get(base).status_code == 403
