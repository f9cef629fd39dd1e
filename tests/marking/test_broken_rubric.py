"""A rubric file broken on the server while the app runs: the pages that need it say which file
and field, the rest keep working, and attaching a paper for that NPQ is refused until it is fixed."""

import shutil
from html import unescape

import pytest
from factories import login, make_paper, make_user, make_window
from marking.conftest import AFTER_CLOSE, closed  # noqa: F401
from marking.test_checking_gates import client_for
from moments import BEFORE_RELEASE

from assessment_app.extensions import db
from assessment_app.models import Allocation, AssessmentWindow, Entry, Role
from assessment_app.services import allocations
from assessment_app.settings import PROJECT_ROOT

PROBLEM = "rubrics/npqltd.yaml: pass_rule.all_at_least names unknown level 'excellent'"


@pytest.fixture
def rubric_file(app, tmp_path):
    """NPQLTD's rubric in a folder of its own, which the test may break."""
    folder = tmp_path / "rubrics"
    shutil.copytree(PROJECT_ROOT / "rubrics", folder)
    app.config["RUBRIC_DIR"] = str(folder)
    return folder / "npqltd.yaml"


def break_it(path):
    path.write_text(path.read_text().replace("all_at_least: secure", "all_at_least: excellent"))


def test_a_page_that_needs_the_broken_rubric_names_the_file_and_field(app, closed, clock,  # noqa: F811
                                                                      rubric_file):
    with app.app_context():
        allocations.allocate_window(db.session.get(Entry, closed.entry_ids[0]).window, AFTER_CLOSE)
        db.session.commit()  # as the request does
        allocation = Allocation.query.filter_by(marker_id=closed.marker_ids[1]).first()
        number = allocation.candidate_number
    break_it(rubric_file)
    marker = client_for(app, clock, "m2@example.org")
    page = marker.get(f"/marking/scripts/{number}")
    assert page.status_code == 503
    assert PROBLEM in unescape(page.text) and "Tell the assessment admin" in page.text
    # Everything else still serves.
    assert marker.get("/marking/").status_code == 200
    report = client_for(app, clock, "mod@example.org").get(
        f"/admin/windows/{closed.window_id}/reports/distribution")
    assert report.status_code == 200
    assert client_for(app, clock, "sam@example.org").get("/assessments/").status_code == 200


def test_attaching_a_paper_is_refused_while_the_npqs_rubric_is_broken(app, clock, rubric_file):
    clock.at(BEFORE_RELEASE.replace(month=10))
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
        window_id = make_window(case_study=False).id
        paper_id = make_paper(name="spare").id
    admin = app.test_client()
    login(admin, "admin@example.org")
    break_it(rubric_file)
    refused = admin.post(f"/admin/windows/{window_id}/papers/NPQLTD", data={"paper_id": paper_id})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.text
    assert PROBLEM in unescape(refused.text)
    with app.app_context():
        assert db.session.get(AssessmentWindow, window_id).paper_for("NPQLTD").paper_id is None
    rubric_file.write_text((PROJECT_ROOT / "rubrics" / "npqltd.yaml").read_text())
    assert admin.post(f"/admin/windows/{window_id}/papers/NPQLTD",
                      data={"paper_id": paper_id}).status_code == 302
