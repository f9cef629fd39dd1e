"""Near-copies are one paper: a paper added to the bank whose text is a near-copy of another of
its NPQ (at least 80% of the shorter one's five-word shingles in the other; one word changed, a
new title) is the same paper for "never read twice": entry, attaching a paper and deferral
refuse it for anyone who has read the other. The admin is told on upload which paper it
resembles and how closely. A genuinely different paper is not flagged."""

import io
from datetime import UTC, date, datetime

import pytest
from factories import login, make_entry, make_user, make_window

from assessment_app.attempts import AttemptOutcome
from assessment_app.extensions import db
from assessment_app.models import AuditEvent, CasePaper, PaperResemblance, Role
from assessment_app.services import eligibility, papers, windows
from assessment_app.services.papers import UploadedFile
from assessment_app.services.windows import WindowError
from assessment_app.settings import PROJECT_ROOT

NOVEMBER = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
MARCH = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
ORIGINAL = (PROJECT_ROOT / "case_studies/demo/npqltd-spring-2027.md").read_bytes()
ORIGINAL_TITLE = "Fellgate Academy: a whole-school focus on feedback"
DIFFERENT = (PROJECT_ROOT / "case_studies/demo/npqltd-reserve.md").read_bytes()


def one_word_changed(data: bytes) -> bytes:
    """The same paper under a new title with one word of its text changed."""
    text = data.decode()
    _, front, body = text.split("---\n", 2)
    front = front.replace(ORIGINAL_TITLE, "Fellgate Academy: feedback that moves learning on")
    changed = body.replace(" teachers ", " colleagues ", 1)
    assert changed != body and len(changed.split()) == len(body.split())
    return f"---\n{front}---\n{changed}".encode()


NEAR_COPY = one_word_changed(ORIGINAL)


def add(admin, name: str, data: bytes, at=MARCH) -> CasePaper:
    return papers.add_paper("NPQLTD", UploadedFile(name, data), [], "", admin, at)


@pytest.fixture
def resitter(ctx, clock):
    """Sam read Fellgate (the autumn window's NPQLTD paper) and failed; the spring window has no
    NPQLTD paper attached yet."""
    clock.at(NOVEMBER)
    admin = make_user(Role.ADMIN, email="admin@example.org")
    original = add(admin, "fellgate.md", ORIGINAL, NOVEMBER)
    autumn = make_window(name="Autumn 2026", admin=admin, case_study=False)
    windows.attach_case_study(autumn.paper_for("NPQLTD"), original, admin, NOVEMBER)
    spring = make_window(name="Spring 2027", first_day=date(2027, 3, 9), admin=admin,
                         case_study=False)
    sam = make_user(email="sam@example.org", name="Sam Taylor")
    entry = make_entry(autumn, sam)
    clock.at(MARCH)
    entry.outcome, entry.completed_at = AttemptOutcome.FAILED, MARCH
    db.session.commit()
    return {"admin": admin, "original": original, "spring": spring, "entry": entry}


def test_a_copy_with_one_word_changed_is_recorded_as_the_same_paper(resitter):
    """The copy's resemblance to the original is recorded when it is added, with how close."""
    copy = add(resitter["admin"], "fellgate-v2.md", NEAR_COPY)
    (link,) = PaperResemblance.query.all()
    assert (link.paper_id, link.resembles_id) == (copy.id, resitter["original"].id)
    assert link.percent == 98  # 391 of the 396 shingles of the shorter text
    assert [(c.paper.id, c.percent) for c in papers.near_copies_of(copy)] == [
        (resitter["original"].id, 98)]
    assert [c.paper.id for c in papers.near_copies_of(resitter["original"])] == [copy.id]
    assert papers.same_paper_ids(copy) == {copy.id, resitter["original"].id}


def test_a_resitter_is_not_entered_for_a_window_whose_paper_is_a_near_copy_of_one_they_read(
        resitter):
    """Before: the copy was a new paper (its text hash differs), so Sam would read Fellgate
    twice."""
    spring = resitter["spring"]
    windows.attach_case_study(spring.paper_for("NPQLTD"),
                              add(resitter["admin"], "fellgate-v2.md", NEAR_COPY),
                              resitter["admin"], MARCH)
    with pytest.raises(WindowError, match="Nobody was entered. sam@example.org: has already "
                                          "read this window's case study; a resit needs a "
                                          "different one."):
        windows.enter_participants(spring, "NPQLTD", ["sam@example.org"], resitter["admin"])


def test_a_near_copy_cannot_be_attached_where_a_resitter_who_read_the_original_is_entered(
        resitter):
    spring = resitter["spring"]
    windows.enter_participants(spring, "NPQLTD", ["sam@example.org"], resitter["admin"])
    copy = add(resitter["admin"], "fellgate-v2.md", NEAR_COPY)
    with pytest.raises(WindowError) as refused:
        windows.attach_case_study(spring.paper_for("NPQLTD"), copy, resitter["admin"], MARCH)
    assert str(refused.value) == (
        "“Fellgate Academy: feedback that moves learning on” has already been read by people "
        "entered for NPQLTD in this window: Sam Taylor (sam@example.org). Attach a different "
        "paper.")


def test_deferral_skips_a_window_whose_paper_is_a_near_copy_of_one_read(resitter):
    windows.attach_case_study(resitter["spring"].paper_for("NPQLTD"),
                              add(resitter["admin"], "fellgate-v2.md", NEAR_COPY),
                              resitter["admin"], MARCH)
    assert eligibility.later_windows(resitter["entry"], MARCH) == []


def test_a_genuinely_different_paper_is_not_flagged_and_a_resitter_can_take_it(resitter):
    different = add(resitter["admin"], "ashby-brook.md", DIFFERENT)
    assert PaperResemblance.query.count() == 0 and papers.near_copies_of(different) == []
    assert papers.near_copy_warning(different) is None
    spring = resitter["spring"]
    windows.attach_case_study(spring.paper_for("NPQLTD"), different, resitter["admin"], MARCH)
    (entry,) = windows.enter_participants(spring, "NPQLTD", ["sam@example.org"],
                                          resitter["admin"])
    assert entry.participant.email == "sam@example.org"


def upload(client, name: str, data: bytes):
    return client.post("/admin/papers/npq/NPQLTD/upload", follow_redirects=True,
                       content_type="multipart/form-data",
                       data={"paper": (io.BytesIO(data), name), "title": ""})


def test_the_admin_is_told_on_upload_which_paper_it_resembles_and_how_closely(
        app, resitter, client):
    login(client, "admin@example.org")
    page = upload(client, "fellgate-v2.md", NEAR_COPY).text
    assert "added to the NPQLTD bank" in page
    assert ("“Fellgate Academy: feedback that moves learning on” is a near-copy of "
            f"“{ORIGINAL_TITLE}” (fellgate.md, used in Autumn 2026): 98% the same. Near-copies "
            "are one paper (at least 80% of the shorter one&#39;s text is in the other), so "
            "nobody who has read one of them can be given another.") in page
    # The preview the upload leads to lists it too, with a link to the original.
    original_id = resitter["original"].id
    assert f'href="/admin/papers/{original_id}">{ORIGINAL_TITLE}</a>' in page
    with app.app_context():
        event = AuditEvent.query.filter_by(action="paper.uploaded").order_by(
            AuditEvent.id.desc()).first()
        assert event.detail["same_paper_as"] == [
            {"paper_id": original_id, "title": ORIGINAL_TITLE, "percent": 98}]
    original_page = client.get(f"/admin/papers/{original_id}").text
    assert "Fellgate Academy: feedback that moves learning on</a> (fellgate-v2.md): 98% the same" \
        in original_page


def test_no_warning_on_upload_of_a_genuinely_different_paper(app, resitter, client):
    login(client, "admin@example.org")
    page = upload(client, "ashby-brook.md", DIFFERENT).text
    assert "added to the NPQLTD bank" in page and "near-copy" not in page
