"""Standardisation: definitive scripts, qualification before live marking, seeds hidden in
live queues, drift handled by the lead, and seeds never reaching a result."""

import io
import re
import zipfile

import pytest
from factories import PASSWORD, login
from marking.conftest import AFTER_CLOSE, rubric_form, submit_through_check
from sqlalchemy.exc import IntegrityError

from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    AuditEvent,
    Entry,
    LeadAction,
    Mark,
    MarkingRole,
    OutboxMessage,
    SampleReason,
    SecondMarkingSample,
    Seed,
    SeedPurpose,
    User,
)
from assessment_app.savepoints import savepoint
from assessment_app.services import (
    admin_lists,
    allocations,
    checking,
    exports,
    lead_decisions,
    marks,
    results,
    standardisation,
)
from assessment_app.services.mark_input import MarkInput
from assessment_app.services.marking_error import MarkingError
from assessment_app.standardisation import Standing

IDS = [k[6:] for k in rubric_form() if k.startswith("level-")]
AGREED = {c: "secure" for c in IDS}  # every definitive script: a pass at Secure
ONE_OFF = dict(AGREED, **{IDS[0]: "strong"})  # within tolerance
STRONG = {c: "strong" for c in IDS}  # a clear pass (all Secure is borderline)
OUT = dict(AGREED, **{IDS[0]: "developing"})  # a fail: outside tolerance


def window_of(closed) -> AssessmentWindow:
    return db.session.get(AssessmentWindow, closed.window_id)


def add_definitives(closed, count=5, seed_every=2):
    """Definitive NPQLTD scripts written for the window's own paper (a set of 3, the rest seeds)."""
    window, admin = window_of(closed), db.session.get(User, closed.admin_id)
    standardisation.save_settings(window, seed_every, 3, 1, admin)
    for i in range(count):
        standardisation.add_definitive(window, "NPQLTD", MarkInput(levels=AGREED),
                                       f"Rationale {i}: secure throughout.", admin, AFTER_CLOSE,
                                       text=f"Example response {i} on teacher development.")


def mark(script, levels, at):
    """Submit levels on a live script or a seed, as the marker's page does for either."""
    save = standardisation.save_seed_mark if isinstance(script, Seed) else marks.save_mark
    save(script, MarkInput(levels=levels, feedback="f"), at, submit=True)


def qualify(closed, marker_id, levels_each, at):
    window, marker = window_of(closed), db.session.get(User, marker_id)
    for seed, levels in zip(standardisation.start_qualification(window, "NPQLTD", marker, at),
                            levels_each, strict=True):
        mark(seed, levels, at)


def standing_of(closed, marker_id) -> Standing:
    return standardisation.records(window_of(closed))[(marker_id, "NPQLTD")].standing


def seeds_of(marker_id, purpose=SeedPurpose.LIVE):
    return db.session.scalars(db.select(Seed).where(Seed.marker_id == marker_id,
                                                    Seed.purpose == purpose)).all()


def test_a_definitive_script_needs_every_level_and_a_rationale(app, closed):
    with app.app_context():
        window, admin = window_of(closed), db.session.get(User, closed.admin_id)
        partial = MarkInput(levels={IDS[0]: "secure"})
        with pytest.raises(MarkingError, match="every criterion"):
            standardisation.add_definitive(window, "NPQLTD", partial, "Why", admin, AFTER_CLOSE,
                                           text="A script")
        with pytest.raises(MarkingError, match="rationale"):
            standardisation.add_definitive(window, "NPQLTD", MarkInput(levels=AGREED), " ", admin,
                                           AFTER_CLOSE, text="A script")
        with pytest.raises(MarkingError, match="earlier window"):
            standardisation.add_definitive(window, "NPQLTD", MarkInput(levels=AGREED), "Why",
                                           admin, AFTER_CLOSE, source_candidate="NOSUCH")
        # A script of this window is not "from an earlier window" either.
        own = db.session.get(Entry, closed.entry_ids[0]).candidate_number
        with pytest.raises(MarkingError, match="earlier window"):
            standardisation.add_definitive(window, "NPQLTD", MarkInput(levels=AGREED), "Why",
                                           admin, AFTER_CLOSE, source_candidate=own)
        assert standardisation.definitive_scripts(window) == []


def test_whole_life_qualification_seeding_drift_and_release(app, closed, clock):
    """From the lead's definitive scripts to released results, on a frozen clock: markers
    qualify before live scripts; one outside tolerance waits for the lead's clearance; seeds
    come at 1 in 2; a seed marked out of tolerance flags its marker, who gets no new scripts
    until the lead sends their scripts since the last good seed to second marking; seeds never
    reach results."""
    martin, nina = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        window = window_of(closed)
        # No share sample: Sam's script (Nina's) could have no second marker but Martin.
        window.second_marking_percent = 0
        # Nobody has qualified: no live script is given.
        assert allocations.allocate_window(window, at).assignments == {}
        assert standing_of(closed, martin) is Standing.NOT_STARTED
        qualify(closed, martin, [AGREED, ONE_OFF, AGREED], at)
        assert standing_of(closed, martin) is Standing.LIVE
        at = clock.move(minutes=1)
        qualify(closed, nina, [AGREED, OUT, AGREED], at)
        assert standing_of(closed, nina) is Standing.NOT_QUALIFIED
        with pytest.raises(MarkingError, match="reason"):
            lead_decisions.decide(window, "NPQLTD", db.session.get(User, nina), LeadAction.CLEAR,
                                  "", db.session.get(User, closed.admin_id), at)
        # Martin alone may mark; Sam shares his delivery partner, so Sam's script waits.
        result = allocations.allocate_window(window, at)
        assert set(result.assignments.values()) == {martin}
        assert closed.entry_ids[0] in result.unallocated
        at = clock.move(minutes=1)
        lead_decisions.decide(window, "NPQLTD", db.session.get(User, nina), LeadAction.CLEAR,
                              "Discussed criterion 1; she applies the descriptor correctly now.",
                              db.session.get(User, closed.admin_id), at)
        assert standing_of(closed, nina) is Standing.LIVE
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "standardisation.clear")).detail["reason"].startswith("Discussed")
        allocations.allocate_window(window, at)
        # One seed in two scripts: Martin has two live scripts and two seeds, Nina one of each.
        assert len(seeds_of(martin)) == 2 and len(seeds_of(nina)) == 1
        assert {s.definitive_id for s in seeds_of(martin)}.isdisjoint(
            s.definitive_id for s in seeds_of(martin, SeedPurpose.QUALIFICATION))
        # Martin marks his live scripts, then drifts on his seed.
        at = clock.move(hours=1)
        live = db.session.scalars(db.select(Allocation).where(Allocation.marker_id == martin)).all()
        assert all(a.entry_id is not None and a.version_id is not None for a in live)
        for allocation in live:
            mark(allocation, ONE_OFF, at)
        at = clock.move(minutes=5)
        mark(seeds_of(martin)[0], OUT, at)
        assert standing_of(closed, martin) is Standing.FLAGGED
        drift_mail = db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.kind == "standardisation_drift")).all()
        admins = db.session.scalars(db.select(User.email).where(User.role == "admin")).all()
        assert sorted(m.to for m in drift_mail) == sorted(admins) and "boss@example.org" in admins
        assert all("seed" not in m.to for m in drift_mail)
        assert martin in standardisation.barred_npqs(window)
        # The lead sends Martin's scripts since his last good seed (his qualification) to
        # second marking; they are counted as re-marked because of drift.
        at = clock.move(minutes=5)
        decision = lead_decisions.decide(
            window, "NPQLTD", db.session.get(User, martin), LeadAction.SECOND_MARK,
            "Too generous on criterion 1 of late.", db.session.get(User, closed.admin_id), at)
        assert decision.remarked == len(live) == standardisation.drift_remarks(window)
        drift = db.session.scalars(db.select(SecondMarkingSample.entry_id).where(
            SecondMarkingSample.reason == SampleReason.DRIFT)).all()
        assert sorted(drift) == sorted(a.entry_id for a in live)
        seconds = db.session.scalars(db.select(Allocation).where(
            Allocation.role == MarkingRole.SECOND, Allocation.entry_id.in_(drift))).all()
        assert {a.marker_id for a in seconds} == {nina}
        assert standing_of(closed, martin) is Standing.LIVE
        # Everyone marks the rest; Nina's seed is within tolerance.
        at = clock.move(hours=1)
        for allocation in db.session.scalars(db.select(Allocation).where(
                Allocation.status == AllocationStatus.ALLOCATED)).all():
            mark(allocation, STRONG, at)
        for seed in db.session.scalars(db.select(Seed).where(
                Seed.status == AllocationStatus.ALLOCATED)).all():
            mark(seed, ONE_OFF, at)
        assert seeds_of(nina)[0].agrees
        at = clock.move(hours=1)
        results.release_results(window, at, db.session.get(User, closed.admin_id), at)
        window = window_of(closed)
        assert window.results_recorded_at == at
        assert {e.outcome for e in db.session.scalars(db.select(Entry))} == {"passed"}
        seed_numbers = {s.candidate_number for s in db.session.scalars(db.select(Seed))}
        assert len(seed_numbers) == 9
        # No export names a seed: marks CSV, the moderation pack, DfE return, provider report.
        marks_csv = "".join(exports.marks_csv(window, at))
        pack = zipfile.ZipFile(io.BytesIO(b"".join(exports.scripts_zip(window, at))))
        packed = " ".join(pack.namelist()) + "".join(
            pack.read(n).decode("utf-8", "replace") for n in pack.namelist())
        dfe = "".join(exports.dfe_return_csv(window))
        provider = "".join(exports.provider_report_csv(window))
        for number in seed_numbers:
            for text in (marks_csv, packed, dfe, provider):
                assert number not in text
        assert "Example response" not in marks_csv + packed
        assert marks_csv.count("\n") == provider.count("\n")  # header + one row per entry


def test_a_seed_can_never_go_back_to_the_pool_be_moved_or_join_an_entry(app, closed, clock):
    """A seed is no allocation: it is never among the window's scripts (so never moved), a
    seed handed back is withdrawn and offered to no one, no allocation is without an entry, and
    no mark belongs to a seed and an allocation at once."""
    martin, nina = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        window = window_of(closed)
        qualify(closed, martin, [AGREED] * 3, at)
        qualify(closed, nina, [AGREED] * 3, at)
        allocations.allocate_window(window, at)
        seed = seeds_of(martin)[0]
        listed = admin_lists.window_scripts(window, at).rows
        assert seed.candidate_number not in {row.entry.candidate_number for row in listed}
        assert all(row.first is None or row.first.entry_id == row.entry.id for row in listed)
        before = db.session.scalar(db.select(db.func.count(Allocation.id)))
        seeds = db.session.scalar(db.select(db.func.count(Seed.id)))
        standardisation.withdraw_seed(seed, "I know this one", seed.marker, at)
        assert seed.status is AllocationStatus.RETURNED
        assert db.session.scalar(db.select(db.func.count(Allocation.id))) == before  # not re-offered
        assert db.session.scalar(db.select(db.func.count(Seed.id))) == seeds
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "standardisation.seed_withdrawn")) is not None
        db.session.commit()  # as the request does
        # A qualification script cannot be handed back at all.
        qualifying = seeds_of(martin, SeedPurpose.QUALIFICATION)[0]
        qualifying.status = AllocationStatus.ALLOCATED
        with pytest.raises(MarkingError, match="qualification"):
            standardisation.withdraw_seed(qualifying, "No", qualifying.marker, at)
        db.session.rollback()
        # The database holds to it: an allocation has an entry and a version, and a mark one
        # owner.
        with pytest.raises(IntegrityError), savepoint():
            db.session.add(Allocation(entry_id=None, version_id=None, marker_id=martin,
                                      role=MarkingRole.FIRST, allocated_at=at))
        marked = seeds_of(martin, SeedPurpose.QUALIFICATION)[0]
        live = db.session.scalars(db.select(Allocation).where(Allocation.marker_id == martin)).first()
        with pytest.raises(IntegrityError), savepoint():
            db.session.execute(db.update(Mark).where(Mark.id == marked.mark.id)
                               .values(allocation_id=live.id))
        # A seed's mark never becomes a result: results read entries' allocations only.
        results = checking.final_results(closed.entry_ids)
        assert all(r.feedback != "seed" for r in results.values())


def test_stopping_a_marker_returns_their_live_scripts_to_the_pool_and_withdraws_seeds(app, closed, clock):
    martin, nina = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        window, admin = window_of(closed), db.session.get(User, closed.admin_id)
        qualify(closed, martin, [AGREED] * 3, at)
        qualify(closed, nina, [AGREED] * 3, at)
        allocations.allocate_window(window, at)
        at = clock.move(minutes=1)
        lead_decisions.decide(window, "NPQLTD", db.session.get(User, nina), LeadAction.STOP,
                              "Marking well below the standard.", admin, at)
        assert standing_of(closed, nina) is Standing.STOPPED
        held = db.session.scalars(db.select(Allocation).where(
            Allocation.marker_id == nina, Allocation.status == AllocationStatus.ALLOCATED)).all()
        assert held == []
        # Her seeds are withdrawn, not offered to anyone.
        assert {s.status for s in seeds_of(nina)} == {AllocationStatus.RETURNED}
        assert seeds_of(martin) and all(s.marker_id == martin for s in seeds_of(martin))
        # Her scripts went to Martin where no conflict stops it (Sam's script cannot).
        firsts = db.session.scalars(db.select(Allocation).where(
            Allocation.role == MarkingRole.FIRST,
            Allocation.status == AllocationStatus.ALLOCATED)).all()
        assert {a.marker_id for a in firsts} == {martin}
        with pytest.raises(MarkingError, match="cannot feedback"):
            lead_decisions.decide(window, "NPQLTD", db.session.get(User, nina),
                                  LeadAction.FEEDBACK, "Why", admin, at)


def _normalised(html: str, number: str, text: str) -> str:
    html = html.replace(number, "CANDIDATE").replace(text, "TEXT")
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r"\d", "0", html)


def test_a_seed_looks_exactly_like_a_live_script_to_its_marker(app, closed, clock):
    """The queue and the script page read the same for a seed and a live script, and each is
    at the same kind of address (its candidate number): only the candidate number, the text
    and the numbers differ."""
    martin, _ = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        qualify(closed, martin, [AGREED] * 3, at)
        allocations.allocate_window(window_of(closed), at)
        db.session.commit()  # as the request does
        seed = seeds_of(martin)[0]
        live = db.session.scalars(db.select(Allocation).where(
            Allocation.marker_id == martin)).first()
        pages = [(seed.candidate_number, seed.definitive.text),
                 (live.candidate_number, live.version.text)]
        email = db.session.get(User, martin).email
    client = app.test_client()
    login(client, email, PASSWORD)
    home = client.get("/marking/").get_data(as_text=True)
    rendered = []
    for number, text in pages:
        assert number in home and f'href="/marking/scripts/{number}"' in home
        page = client.get(f"/marking/scripts/{number}").get_data(as_text=True)
        assert "seed" not in page.lower() and "definitive" not in page.lower()
        rendered.append(_normalised(page, number, text))
    assert rendered[0] == rendered[1]
    assert "seed" not in home.lower() and "definitive" not in home.lower()
    # Returning either says the same thing.
    answer = client.post(f"/marking/scripts/{pages[0][0]}/return",
                         data={"reason": "I recognise it"}, follow_redirects=True)
    assert "will be given to another marker" in answer.get_data(as_text=True)


def test_a_seeds_check_page_reads_exactly_as_a_live_scripts(app, closed, clock):
    """With the same mark, the check pages of a seed and a live script say the same outcome and
    the same next steps (a seed's mark never becomes a result, but the marker must not be able
    to tell); only the candidate number differs."""
    martin, _ = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        qualify(closed, martin, [AGREED] * 3, at)
        allocations.allocate_window(window_of(closed), at)
        db.session.commit()  # as the request does
        numbers = [seeds_of(martin)[0].candidate_number, db.session.scalars(db.select(
            Allocation).where(Allocation.marker_id == martin)).first().candidate_number]
        email = db.session.get(User, martin).email
    client = app.test_client()
    login(client, email, PASSWORD)
    rendered = []
    for number in numbers:
        client.post(f"/marking/scripts/{number}", data=rubric_form(diagnosis="developing"))
        page = client.get(f"/marking/scripts/{number}/check").get_data(as_text=True)
        assert "Every fail and every borderline script is second-marked blind" in page
        rendered.append(_normalised(page, number, "no text is shown here"))
    assert rendered[0] == rendered[1]


def test_a_qualification_set_shows_the_agreed_levels_and_rationale_once_submitted(app, closed, clock):
    martin, _ = closed.marker_ids
    clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        db.session.commit()  # as the request does
        email = db.session.get(User, martin).email
    client = app.test_client()
    login(client, email, PASSWORD)
    page = client.get(f"/marking/standardisation/{closed.window_id}/NPQLTD").get_data(as_text=True)
    assert "Start the qualification set" in page
    client.post(f"/marking/standardisation/{closed.window_id}/NPQLTD/start")
    with app.app_context():
        numbers = [s.candidate_number for s in seeds_of(martin, SeedPurpose.QUALIFICATION)]
    assert len(numbers) == 3
    for i, number in enumerate(numbers):
        form = rubric_form(**({IDS[0]: "developing"} if i == 0 else {}))
        answer = submit_through_check(client, f"/marking/scripts/{number}", form)
        assert answer.status_code == 302
    page = client.get(f"/marking/standardisation/{closed.window_id}/NPQLTD").get_data(as_text=True)
    assert "Rationale 0: secure throughout." in page
    assert "outside tolerance" in page and "Outside tolerance: waiting for the assessment lead" in page
    # Nothing for another NPQ or window.
    assert client.get(f"/marking/standardisation/{closed.window_id}/NPQSL").status_code == 404
    with app.app_context():
        assert standing_of(closed, martin) is Standing.NOT_QUALIFIED


def test_scripts_since_the_last_good_seed_start_one_second_after_it(app, closed, clock):
    """A script submitted at the very instant of the last good seed is covered by it; one
    submitted a second later goes to second marking when the lead so decides."""
    martin, nina = closed.marker_ids
    at = clock.at(AFTER_CLOSE)
    with app.app_context():
        add_definitives(closed)
        window = window_of(closed)
        qualify(closed, martin, [AGREED] * 3, at)
        qualify(closed, nina, [AGREED] * 3, at)
        allocations.allocate_window(window, at)
        first, second = seeds_of(martin)
        covered, after = db.session.scalars(db.select(Allocation).where(
            Allocation.marker_id == martin)).all()
        good = clock.move(hours=1)
        mark(first, AGREED, good)
        mark(covered, STRONG, good)
        mark(after, STRONG, clock.move(seconds=1))
        mark(second, OUT, clock.move(minutes=10))
        assert standing_of(closed, martin) is Standing.FLAGGED
        decision = lead_decisions.decide(window, "NPQLTD", db.session.get(User, martin),
                                         LeadAction.SECOND_MARK, "Drifting on criterion 1.",
                                         db.session.get(User, closed.admin_id), clock.move(minutes=1))
        assert decision.remarked == 1
        assert db.session.scalars(db.select(SecondMarkingSample.entry_id).where(
            SecondMarkingSample.reason == SampleReason.DRIFT)).all() == [after.entry_id]
