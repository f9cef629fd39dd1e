"""The lead's standardisation pages: settings, definitive scripts, a marker's report and the
lead's decisions, with clear errors and nothing lost."""

from factories import PASSWORD, login
from marking.conftest import AFTER_CLOSE, rubric_form
from marking.test_standardisation import AGREED, OUT, add_definitives, qualify, seeds_of

from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AllocationStatus,
    AuditEvent,
    DefinitiveScript,
    LeadDecision,
    Seed,
    StandardisationSetting,
)
from assessment_app.services import allocations, mark_input, marks, standardisation


def admin_client(app, clock):
    clock.at(AFTER_CLOSE)
    client = app.test_client()
    login(client, "boss@example.org", PASSWORD)
    return client


def test_settings_refuse_a_seed_rate_below_two_and_keep_what_was_typed(app, closed, clock):
    client = admin_client(app, clock)
    url = f"/admin/windows/{closed.window_id}/standardisation"
    page = client.post(url, data={"seed_every": "1", "qualification_size": "3",
                                  "criteria_off_allowed": "1"}).get_data(as_text=True)
    assert "govuk-error-summary" in page and "Enter a whole number from 2 to 1000" in page
    assert 'href="#seed_every"' in page and 'value="1"' in page
    assert client.post(url, data={"seed_every": "25", "qualification_size": "2",
                                  "criteria_off_allowed": "0"}).status_code == 302
    with app.app_context():
        setting = db.session.get(StandardisationSetting, closed.window_id)
        assert (setting.seed_every, setting.qualification_size, setting.criteria_off_allowed) == (25, 2, 0)


def test_the_lead_adds_a_definitive_script_with_every_level_and_a_rationale(app, closed, clock):
    client = admin_client(app, clock)
    url = f"/admin/windows/{closed.window_id}/standardisation/definitive"
    assert "Agreed level" in client.get(url).get_data(as_text=True)
    levels = {k: v for k, v in rubric_form().items() if k.startswith("level-")}
    partial = dict(list(levels.items())[:1], npq_code="NPQLTD", text="An example script.",
                   rationale="Secure on every criterion.")
    page = client.post(url, data=partial).get_data(as_text=True)
    assert "govuk-error-summary" in page and "Choose a level for every criterion" in page
    assert "An example script." in page and "Secure on every criterion." in page  # nothing lost
    answer = client.post(url, data=dict(partial, **levels))
    assert answer.status_code == 302
    with app.app_context():
        script = db.session.scalar(db.select(DefinitiveScript))
        assert script.outcome.value == "pass" and script.rationale == "Secure on every criterion."
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "standardisation.definitive_added")).actor_id == closed.admin_id
    overview = client.get(f"/admin/windows/{closed.window_id}/standardisation").get_data(as_text=True)
    assert "Written example" in overview and "Secure on every criterion." in overview


def test_the_lead_sees_a_marker_outside_tolerance_and_clears_them_with_a_reason(app, closed, clock):
    martin, _ = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        qualify(closed, martin, [AGREED, OUT, AGREED], at)
        db.session.commit()  # as the request does
    client = admin_client(app, clock)
    overview = client.get(f"/admin/windows/{closed.window_id}/standardisation").get_data(as_text=True)
    assert "Needs your decision" in overview and "outside tolerance at qualification" in overview
    url = f"/admin/windows/{closed.window_id}/standardisation/markers/{martin}/NPQLTD"
    page = client.get(url).get_data(as_text=True)
    n = len(AGREED)
    assert "<svg" in page and f"{n - 1} of {n}" in page and f"{n} of {n}" in page  # chart, table
    assert "Per criterion" in page and "Clear them to mark live scripts" in page
    page = client.post(url, data={"action": "clear", "reason": ""}).get_data(as_text=True)
    assert "govuk-error-summary" in page and "Give the reason for your decision" in page
    assert client.post(url, data={"action": "clear", "reason": "Talked it through."}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(LeadDecision)).reason == "Talked it through."
    assert "marking live" in client.get(url).get_data(as_text=True)


def test_an_admin_cannot_move_a_seed_it_is_never_among_the_windows_scripts(app, closed, clock):
    """The admin's marking page lists the window's scripts (entries') with a form to move each
    unmarked one: a seed, which belongs to its marker's standardisation, is never among them,
    and it stays with its marker."""
    martin, nina = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        qualify(closed, martin, [AGREED] * 3, at)
        qualify(closed, nina, [AGREED] * 3, at)
        allocations.allocate_window(db.session.get(DefinitiveScript, 1).window, at)
        db.session.commit()  # as the request does
        seeds = {s.id: s.candidate_number for s in seeds_of(martin)}
        live = [a.candidate_number for a in Allocation.query.filter_by(
            status=AllocationStatus.ALLOCATED)]
    assert seeds and live
    page = admin_client(app, clock).get(f"/admin/windows/{closed.window_id}/marking").get_data(
        as_text=True)
    assert page.count("/move") == len(live) and all(number in page for number in live)
    assert not any(number in page for number in seeds.values())
    with app.app_context():
        assert {s.id for s in seeds_of(martin)} == set(seeds)


def test_markers_cannot_open_the_leads_pages(app, closed, clock):
    clock.at(AFTER_CLOSE)
    client = app.test_client()
    login(client, "m1@example.org", PASSWORD)
    for url in (f"/admin/windows/{closed.window_id}/standardisation",
                f"/admin/windows/{closed.window_id}/standardisation/definitive",
                f"/admin/windows/{closed.window_id}/standardisation/markers/{closed.marker_ids[0]}/NPQLTD"):
        assert client.get(url).status_code in (403, 404)


def test_standardisation_pages_make_a_fixed_number_of_queries(app, closed, clock):
    """No N+1: the marker's queue and the lead's pages cost the same with more seeds."""
    from factories import count_queries, make_entry, make_user
    from moments import DURING

    from assessment_app.models import Entry
    from assessment_app.services import submissions

    martin, nina = closed.marker_ids
    at = clock.at(AFTER_CLOSE)

    def allocate_and_mark():
        with app.app_context():
            window = db.session.get(Entry, closed.entry_ids[0]).window
            allocations.allocate_window(window, at)
            for allocation in db.session.scalars(db.select(Allocation).where(
                    Allocation.status == AllocationStatus.ALLOCATED)).all():
                marks.save_mark(allocation, mark_input.MarkInput(levels={c: "strong" for c in AGREED}),
                                at, submit=True)
            for seed in db.session.scalars(db.select(Seed).where(
                    Seed.status == AllocationStatus.ALLOCATED)).all():
                standardisation.save_seed_mark(seed, mark_input.MarkInput(levels=AGREED), at,
                                               submit=True)
            db.session.commit()  # as the request does

    with app.app_context():
        add_definitives(closed, count=12)
        qualify(closed, martin, [AGREED] * 3, at)
        qualify(closed, nina, [AGREED] * 3, at)
        db.session.commit()  # as the request does
    allocate_and_mark()
    admin = admin_client(app, clock)
    marker = app.test_client()
    login(marker, "m2@example.org", PASSWORD)
    pages = [(admin, f"/admin/windows/{closed.window_id}/standardisation"),
             (admin, f"/admin/windows/{closed.window_id}/standardisation/markers/{nina}/NPQLTD"),
             (marker, "/marking/"),
             (marker, f"/marking/standardisation/{closed.window_id}/NPQLTD")]
    before = [count_queries(app, lambda c=c, u=u: c.get(u)) for c, u in pages]
    with app.app_context():
        seeds = len(seeds_of(nina))
        window = db.session.get(Entry, closed.entry_ids[0]).window
        for i in range(6):
            entry = make_entry(window, make_user(email=f"extra{i}@example.org"), at=DURING)
            submissions.submit(entry, "More words here.", declaration=True, client_token=f"x{i}",
                               at=DURING)
        db.session.commit()  # as the request does
    allocate_and_mark()
    with app.app_context():
        assert len(seeds_of(nina)) > seeds
    after = [count_queries(app, lambda c=c, u=u: c.get(u)) for c, u in pages]
    assert after == before
