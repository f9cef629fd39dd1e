"""Role by route: every route in app.url_map, walked as a visitor who is not signed in, two
participants, two markers, a moderator and an admin, with real ids of objects that belong to
someone else, answers the status in EXPECTED. A route missing from EXPECTED fails the test, so
access control is checked for every route the app grows.

To add a route: add one line to EXPECTED with the status each of the seven gets, and, if it
takes an id this world does not have yet, make one in `world` and name it in `ids_for`.
"""

from datetime import UTC, datetime

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from flask import url_for
from marking.conftest import AFTER_CLOSE, add_marker
from moments import DURING
from returns.conftest import add_ec_claim

from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    DeferralRequest,
    MarkingRole,
    MisconductCase,
    Moderation,
    ResponseUpload,
    Role,
    SubmissionVersion,
)
from assessment_app.rubrics import load_rubric
from assessment_app.services import allocations, checking, marks, moderation_packs, submissions
from assessment_app.services.mark_input import MarkInput
from assessment_app.settings import PROJECT_ROOT

LOGIN = "login"  # a redirect to the sign-in page
WHO = ("anonymous", "participant", "other participant", "marker", "other marker", "moderator",
       "admin")
# endpoint: the status for each of WHO, in that order, for GET (POST for a POST-only route,
# with an empty form). 403: not this role's area. 404: the id is someone else's, which looks
# exactly like an id that does not exist.
EXPECTED: dict[str, tuple] = {
    # Not signed in: the sign-in pages and the static files.
    "auth.login": (200, 302, 302, 302, 302, 302, 302),
    "auth.index": (LOGIN, 302, 302, 302, 302, 302, 302),
    "auth.forgot_password": (200, 200, 200, 200, 200, 200, 200),
    "auth.set_password": (404, 404, 404, 404, 404, 404, 404),  # a token nobody was sent
    "auth.logout": (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    # Single sign-on is not configured here: no such pages (tests/sign_in has them working).
    "auth.sso_start": (404, 404, 404, 404, 404, 404, 404),
    "auth.sso_callback": (404, 404, 404, 404, 404, 404, 404),
    # No password has passed in this session: back to sign in; signed in: home.
    "auth.enter_second_factor": (LOGIN, 302, 302, 302, 302, 302, 302),
    # Staff set up their own authenticator app; participants have none.
    "auth.second_factor_setup": (LOGIN, 403, 403, 200, 200, 200, 200),
    "static": (200, 200, 200, 200, 200, 200, 200),
    # For the load balancer and monitoring: nobody signs in. This world has no migrations
    # stamped and no scheduler, so it is not ready; no metrics token is configured, so the
    # metrics path does not exist (tests/monitoring/ holds the rest).
    "monitoring.healthz": (200, 200, 200, 200, 200, 200, 200),
    "monitoring.readyz": (503, 503, 503, 503, 503, 503, 503),
    "monitoring.prometheus_metrics": (404, 404, 404, 404, 404, 404, 404),
    # Participants: their own entries only.
    "participant.home": (LOGIN, 200, 200, 403, 403, 403, 403),
    "participant.overview": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.case_study": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.handout": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.response": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.submit_response": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.save_draft": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.autosave": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.upload": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.confirm_upload": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.history": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.receipt": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.circumstances": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.deferral": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.result": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.feedback_docx": (LOGIN, 404, 404, 403, 403, 403, 403),
    "participant.review": (LOGIN, 404, 404, 403, 403, 403, 403),
    # Markers and moderators: their own scripts and the cases they may decide.
    "marker.home": (LOGIN, 403, 403, 200, 200, 200, 403),
    "marker.script": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.check_script": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.handout": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.give_back": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.agreement": (LOGIN, 403, 403, 403, 403, 200, 200),
    "marker.moderation": (LOGIN, 403, 403, 403, 403, 404, 200),  # Priya: Jo's partner
    # Nothing typed yet: the admin's check page is the form again, saying what is missing.
    "marker.check_moderation": (LOGIN, 403, 403, 403, 403, 404, 200),
    # No standardisation is set for this window: nobody has a qualification set to see.
    "marker.qualification": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.start_qualification": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.review": (LOGIN, 403, 403, 404, 404, 404, 403),
    "marker.check_review": (LOGIN, 403, 403, 404, 404, 404, 403),
    # Admins: everything; moderators also see the marks' distribution.
    "admin.home": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.audit_log": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.mail_set_aside": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.sign_in_rules": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.retry_mail": (LOGIN, 403, 403, 403, 403, 403, 404),  # no message is set aside
    # The DfE's API is not set up here: fetching says so on the DfE page; no fetch, no call.
    "admin.dfe": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.fetch_dfe_participants": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.dfe_participants": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.apply_dfe_participants": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.retry_dfe_call": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.dfe_outcomes": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.requests": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.deferral": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.claim": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.evidence": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.engagement": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.people": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.add_person": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.import_people": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.people_upload": (LOGIN, 403, 403, 403, 403, 403, 404),  # no file kept here
    "admin.apply_people_upload": (LOGIN, 403, 403, 403, 403, 403, 404),
    # Sam's details: the form, and the empty confirming form back with its errors.
    "admin.edit_person": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.confirm_person_edit": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.set_active": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.send_password_link": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.participant": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.exempt": (LOGIN, 403, 403, 403, 403, 403, 200),  # the form again, with its errors
    "admin.claim_for": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.amend_outcome": (LOGIN, 403, 403, 403, 403, 403, 404),  # Sam has no outcome yet
    "admin.markers": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.marker": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.paper_bank": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.npq_papers": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.upload_paper": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.preview_paper": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.paper_handout": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.new_window": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.window": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.edit_window": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.dashboard_page": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.case_study": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.preview_case_study": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.enter": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.extensions": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.marking_overview": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.allocate": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.draw_sample": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.move_allocation": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.resolve_moderation": (LOGIN, 403, 403, 403, 403, 403, 200),
    # An empty form: "When" is not chosen, so the marking page again with its error.
    "admin.release": (LOGIN, 403, 403, 403, 403, 403, 400),
    "admin.export_csv": (LOGIN, 403, 403, 403, 403, 403, 200),
    # The pack's old address leads to its page; the pack is built by the scheduler. This
    # world's pack is queued, not built: its status answers, its download is not there yet.
    "admin.export_zip": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.moderation_pack": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.build_moderation_pack": (LOGIN, 403, 403, 403, 403, 403, 303),
    "admin.moderation_pack_status": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.download_moderation_pack": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.dfe_return": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.provider_report": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.marker_report": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.distribution_report": (LOGIN, 403, 403, 403, 403, 200, 200),
    "admin.standardisation_overview": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.add_definitive": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.standardisation_marker": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.review": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.arrangement": (LOGIN, 403, 403, 403, 403, 403, 200),
    # Sam has no access arrangement: nothing to end, no evidence of one.
    "admin.end_arrangement": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.arrangement_evidence": (LOGIN, 403, 403, 403, 403, 403, 404),
    # Similarity and misconduct: admins only. Sam's entry has no case: the admin is asked why
    # one should be opened. Jo's case (this world's misconduct case) refuses empty forms on
    # the case page with their errors (400).
    "admin.similarity_page": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.similarity_pair": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.request_similarity_check": (LOGIN, 403, 403, 403, 403, 403, 302),
    "admin.open_misconduct_case": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.misconduct_case": (LOGIN, 403, 403, 403, 403, 403, 200),
    "admin.add_misconduct_evidence": (LOGIN, 403, 403, 403, 403, 403, 400),
    "admin.decide_misconduct_case": (LOGIN, 403, 403, 403, 403, 403, 400),
    "admin.misconduct_evidence": (LOGIN, 403, 403, 403, 403, 403, 404),
    "admin.record_misconduct_appeal": (LOGIN, 403, 403, 403, 403, 403, 400),
    "admin.withdraw_extension": (LOGIN, 403, 403, 403, 403, 403, 404),  # no extension here
    "admin.assign_marker": (LOGIN, 403, 403, 403, 403, 403, 200),
}


RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
LEVELS = {"pass": {c.id: "strong" for c in RUBRIC.criteria},
          "fail": {c.id: "not_evident" for c in RUBRIC.criteria}}


def mark(allocation: Allocation, outcome: str) -> None:
    marks.save_mark(allocation, MarkInput(levels=LEVELS[outcome]), AFTER_CLOSE, submit=True)


@pytest.fixture
def world(app, clock):
    """A closed window: Sam and Jo (participants) each with a submission, an upload and an EC
    claim; Martin and Nina (markers) each with a script; Jo's script failed by Martin and passed
    by Nina, so a moderation case is open which Priya (the moderator, of Jo's delivery partner)
    may not decide; Kim's script, which only Martin holds (Nina shares Kim's delivery partner);
    a deferral request; a misconduct case on Jo's script; the admin."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        window = make_window(admin=admin)
        window.second_marking_percent = 0
        sam = make_entry(window, make_user(email="sam@example.org", name="Sam Taylor",
                                           delivery_partner="Midlands Alliance"))
        jo = make_entry(window, make_user(email="jo@example.org", name="Jo Evans",
                                          delivery_partner="Coastal Trust"))
        later = make_window(name="Spring 2027", first_day=datetime(2027, 3, 9).date(), admin=admin)
        waiting = make_entry(later, make_user(email="lee@example.org", name="Lee Chan"))
        kim = make_entry(window, make_user(email="kim@example.org", name="Kim Osei",
                                           delivery_partner="Northern Partnership"))
        martin = add_marker("Martin Doyle", "m1@example.org", partner="Midlands Alliance")
        nina = add_marker("Nina Patel", "m2@example.org", partner="Northern Partnership")
        priya = add_marker("Priya Shah", "mod@example.org", role=Role.MODERATOR, capacity=0,
                           partner="Coastal Trust")
        clock.at(DURING)
        submissions.submit(kim, "Kim's response.", declaration=True, client_token="kim", at=DURING)
        uploads = {}
        for entry in (sam, jo):
            submissions.submit(entry, f"{entry.participant.name}'s response.", declaration=True,
                               client_token=entry.candidate_number, at=DURING)
            upload = ResponseUpload(entry_id=entry.id, filename="response.docx", data=b"PK",
                                    sha256="0" * 64, text="An uploaded response.", word_count=3)
            db.session.add(upload)
            db.session.commit()
            uploads[entry.id] = upload.id
        claims = {e.id: add_ec_claim(e, "Illness during the window.", "note.pdf") for e in (sam, jo)}
        deferral = DeferralRequest(entry_id=waiting.id, reason="New headship.",
                                   requested_by=waiting.participant_id)
        db.session.add(deferral)
        db.session.commit()
        clock.at(AFTER_CLOSE)
        allocations.allocate_window(window, AFTER_CLOSE)
        first = {a.entry_id: a for a in Allocation.query.filter_by(role=MarkingRole.FIRST)}
        assert (first[kim.id].marker_id, first[sam.id].marker_id) == (martin.id, nina.id)
        mark(first[jo.id], "fail")
        checking.draw_second_marking_sample(window, AFTER_CLOSE)
        mark(Allocation.query.filter_by(role=MarkingRole.SECOND).one(), "pass")
        db.session.commit()  # as the request does
        case = Moderation.query.one()
        misconduct_case = MisconductCase(entry_id=jo.id, opened_by=admin.id,
                                         opening_reason="Shares a page with another script.")
        db.session.add(misconduct_case)
        db.session.commit()
        pack, _ = moderation_packs.request_pack(window, admin, AFTER_CLOSE)
        db.session.commit()
        version = {v.entry_id: v.id for v in SubmissionVersion.query}
        entry = {"sam": sam.id, "jo": jo.id}
        return {
            "window": window.id, "admin": admin.id, "martin": martin.id, "nina": nina.id,
            "priya": priya.id, "entry": entry, "version": version, "upload": uploads,
            "claim": {e: c.id for e, c in claims.items()},
            "evidence": {e: c.evidence[0].id for e, c in claims.items()},
            "allocation": {name: next(a.id for a in first.values() if a.marker_id == m.id)
                           for name, m in (("martin", martin), ("nina", nina))},
            # A marker opens a script by its candidate number: one only the other holds.
            "script": {"martin": kim.candidate_number, "nina": sam.candidate_number},
            "case": case.id, "misconduct": misconduct_case.id, "deferral": deferral.id, "paper": window.papers[0].paper_id,
            "sam_user": sam.participant_id, "pack": pack.id,
        }


# Whose objects each of WHO is given: never their own.
def ids_for(world, who: str) -> dict:
    owner = "jo" if who == "participant" else "sam"
    theirs = "nina" if who == "marker" else "martin"
    allocation, candidate = world["allocation"][theirs], world["script"][theirs]
    entry = world["entry"][owner]
    return {
        "entry_id": entry, "version_id": world["version"][entry],
        "upload_id": world["upload"][entry], "number": 1, "allocation_id": allocation,
        "candidate": candidate,
        "case_id": world["case"], "window_id": world["window"], "user_id": world["sam_user"],
        "claim_id": world["claim"][world["entry"]["sam"]],
        "evidence_id": world["evidence"][world["entry"]["sam"]],
        "request_id": world["deferral"], "paper_id": world["paper"], "npq_code": "NPQLTD",
        "token": "not-a-real-token", "filename": "js/wordcount.js",
        # No review of marking in this world (no results yet): an id of none at all.
        "review_id": 999_999, "marker_id": world["martin"], "npq": "NPQLTD",
        # No similarity check has run here either, and no extension was granted.
        "pair_id": 999_999, "extension_id": 999_999, "role": "second",
        # No email is set aside in this world: an id of none at all.
        "message_id": 999_999,
        # Nothing fetched from the DfE, no call to it.
        "fetch_id": 999_999, "call_id": 999_999,
        # No people file kept.
        "import_id": 999_999,
        "pack_id": world["pack"],
    }


# Routes whose id means a different kind of object from the default above.
ID_OVERRIDES = {"admin.marker": {"user_id": "martin"}} | {
    f"admin.{endpoint}": {"case_id": "misconduct"}
    for endpoint in ("misconduct_case", "add_misconduct_evidence", "decide_misconduct_case",
                     "record_misconduct_appeal", "misconduct_evidence")}
SIGN_IN = {"participant": "sam@example.org", "other participant": "jo@example.org",
           "marker": "m1@example.org", "other marker": "m2@example.org",
           "moderator": "mod@example.org", "admin": "admin@example.org"}


def walk(app, world, who: str) -> dict[str, int | str]:
    """The status of every route for one person, signing out last."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    urls = {}
    with app.test_request_context():
        for rule in rules:
            values = ids_for(world, who) | {k: world[v] for k, v in
                                             ID_OVERRIDES.get(rule.endpoint, {}).items()}
            urls[rule.endpoint] = (url_for(rule.endpoint, **{k: values[k] for k in rule.arguments}),
                                   "GET" if "GET" in rule.methods else "POST")
    client = app.test_client()
    if who != "anonymous":
        login(client, SIGN_IN[who], PASSWORD)
    seen = {}
    for endpoint, (url, method) in urls.items():
        response = client.open(url, method=method, buffered=True)  # streamed files too
        response.close()
        status = response.status_code
        if status == 302 and response.headers["Location"].startswith("/login"):
            status = LOGIN
        seen[endpoint] = status
    return seen


def test_every_route_has_an_expectation_and_answers_it_for_every_role(app, world, clock):
    clock.at(AFTER_CLOSE)
    observed = {who: walk(app, world, who) for who in WHO}
    missing = sorted(set(observed["anonymous"]) - set(EXPECTED))
    # Each with what it answers now, to check (is that what each role should get?) and add.
    assert not missing, "routes with no expectation in EXPECTED:\n" + "\n".join(
        f'    "{e}": ({", ".join(repr(observed[w][e]) for w in WHO)}),' for e in missing)
    wrong = [f"{endpoint} as {who}: {observed[who][endpoint]}, expected {status}"
             for endpoint, statuses in EXPECTED.items()
             for who, status in zip(WHO, statuses, strict=True)
             if observed[who][endpoint] != status]
    assert not wrong, "\n".join(wrong)
