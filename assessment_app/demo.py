"""Demo data, so a newcomer sees a working system at once. Safe to run more than once.

Everything here only flushes: the seed-demo command commits it all once, at the end."""

from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from . import clock, deadlines
from .extensions import db
from .models import (
    Allocation,
    AssessmentWindow,
    CasePaper,
    Entry,
    LeadAction,
    MarkerProfile,
    Role,
    Seed,
    SeedPurpose,
    User,
)
from .npqs import NPQ_CODES
from .services import (
    allocations,
    amendments,
    arrangements,
    checking,
    eligibility,
    lead_decisions,
    mark_input,
    marks,
    papers,
    results,
    reviews,
    rubric_store,
    standardisation,
    submissions,
    windows,
)
from .services.windows import WindowSettings

DEMO_PASSWORD = "demo-password-2026"

DEMO_USERS = [
    ("admin@example.org", "Aisha Khan", Role.ADMIN, None, None),
    ("marker@example.org", "Martin Doyle", Role.MARKER, "Northern Teaching Partnership", "Greenfield Academy"),
    ("moderator@example.org", "Priya Shah", Role.MODERATOR, None, None),
    ("marker2@example.org", "Nadia Brooks", Role.MARKER, "Eastern Schools Partnership", "Fenside Academy"),
    ("reviewer@example.org", "Sol Reyes", Role.MODERATOR, None, None),
    ("sam.taylor@example.org", "Sam Taylor", Role.PARTICIPANT, "Midlands Schools Alliance", "Oakfield Primary School"),
    ("jo.evans@example.org", "Jo Evans", Role.PARTICIPANT, "Midlands Schools Alliance", "Riverside Academy"),
    ("alex.morgan@example.org", "Alex Morgan", Role.PARTICIPANT, "Coastal Learning Trust", "St Brendan's CE Primary"),
    ("chris.obi@example.org", "Chris Obi", Role.PARTICIPANT, "Coastal Learning Trust", "Harbour High School"),
]
# Earlier cohort, whose closed window is being marked.
MARKING_PARTICIPANTS = [
    ("rowan.hale@example.org", "Rowan Hale", "Pennine Learning Trust", "Hollins Vale Primary"),
    ("kim.ashdown@example.org", "Kim Ashdown", "Pennine Learning Trust", "Brook Lane Primary"),
    ("lee.fairfax@example.org", "Lee Fairfax", "Coastal Learning Trust", "Harbour High School"),
]
# Earlier still: results released, one outcome amended after a late EC decision, one changed
# by a review of marking and one review asked for.
RELEASED_PARTICIPANTS = [
    ("dana.whitfield@example.org", "Dana Whitfield", "Pennine Learning Trust", "Moorside Primary"),
    ("omar.haddad@example.org", "Omar Haddad", "Coastal Learning Trust", "Harbour High School"),
    ("ellis.grant@example.org", "Ellis Grant", "Pennine Learning Trust", "Calder Bank Primary"),
    ("farah.nasser@example.org", "Farah Nasser", "Coastal Learning Trust", "Seaview Academy"),
]
DEMO_RESPONSE = (
    "Diagnosis\n\nTeachers attend training but rarely change practice because each topic is "
    "introduced once and never revisited. Lesson visits show retrieval practice in three of "
    "nineteen classrooms.\n\nApproach\n\nI would focus the year on one technique, checking "
    "understanding, taught through instructional coaching with modelling, deliberate practice "
    "and feedback.\n\nImplementation\n\nCoaches meet each teacher fortnightly; we review "
    "pupils' work each half-term.\n\nReferences\nSims, S. et al. (2021) What are the "
    "characteristics of effective teacher professional development?"
)
# Capacity 0: Sol moderates and reviews without first marking.
MARKER_PROFILES = {"marker@example.org": 60, "moderator@example.org": 20, "marker2@example.org": 30,
                   "reviewer@example.org": 0}
# Who is entered for which NPQ in the open window.
DEMO_ENTRIES = {
    "NPQLTD": ["sam.taylor@example.org", "jo.evans@example.org", "alex.morgan@example.org"],
    "NPQSL": ["chris.obi@example.org"],
}


# A different paper in each window, so a resit or a deferral always meets a new one; the
# bank also keeps unused NPQLTD papers. Files under case_studies/ and case_studies/demo/.
OPEN_PAPERS = {code: f"{code.lower()}-autumn-2026.md" for code in NPQ_CODES}
SPRING_PAPERS = {"NPQLTD": "npqltd-spring-2027.md", "NPQH": "npqh-spring-2027.md"}
MARKING_PAPERS = {"NPQLTD": "npqltd-summer-2026.md"}
RELEASED_PAPERS = {"NPQLTD": "npqltd-spring-2026.md"}


def seed_demo() -> list[str]:
    admin = _users()
    now = clock.now()
    today = clock.to_london(now).date()
    case_study_dir = Path(current_app.config["CASE_STUDY_DIR"])
    for directory in (case_study_dir, case_study_dir / "demo"):
        papers.import_directory(directory, now)
    open_window = _window(admin, "Autumn 2026 (demo, open now)", today - timedelta(days=2),
                          OPEN_PAPERS)
    _window(admin, "Spring 2027 (demo, scheduled)", today + timedelta(days=90), SPRING_PAPERS)
    # The released window first: a definitive script of the marking window is copied from it.
    _released_window(admin, today)
    _marking_window(admin, today)
    if not db.session.scalar(select(Entry.id).where(Entry.window_id == open_window.id).limit(1)):
        _access_arrangement(admin, now)
        _engagement(admin, [e for emails in DEMO_ENTRIES.values() for e in emails], now)
        for code, emails in DEMO_ENTRIES.items():
            windows.enter_participants(open_window, code, emails, admin)
        _requests(open_window, admin, now)
    lines = ["Demo data ready. Sign in at http://127.0.0.1:5000 with any of these accounts,",
             f"all with the password: {DEMO_PASSWORD}", ""]
    lines += [f"  {role.value:<12} {email:<28} {name}" for email, name, role, *_ in DEMO_USERS]
    lines += ["", "Scripts in “Summer 2026 (demo, being marked)” are allocated to the marker and the "
              "moderator: sign in as either to mark them.",
              "Jo Evans has an extenuating circumstances claim waiting in the admin's Requests.",
              "“Spring 2026 (demo, results released)” has an amended outcome: see its DfE return "
              "under Dashboard and reports.",
              "Papers (admin) shows each NPQ's bank of case studies, used and unused.",
              ("Standardisation (admin, from the marking window): definitive scripts, markers "
               "who qualified, and Nadia Brooks flagged for drift on a seeded script."),
              ("In that window Ellis Grant's fail became a pass on a review of marking by Sol "
               "Reyes; Farah Nasser's review request waits in the admin's Requests."),
              "Alex Morgan has an access arrangement (5 extra days): see the participant's page."]
    return lines


def _requests(window: AssessmentWindow, admin: User, now) -> None:
    """An EC claim waiting for a decision, for the admin's pages."""
    jo = db.session.scalar(select(Entry).join(User, User.id == Entry.participant_id).where(
        Entry.window_id == window.id, User.email == "jo.evans@example.org"))
    eligibility.file_claim(jo, eligibility.ClaimInput(
        "illness", "I was admitted to hospital on day 2 of the window and could not work on my "
        "response for four days.", window.first_day + timedelta(days=1),
        window.first_day + timedelta(days=4),
        [("discharge-letter.pdf", b"%PDF-1.4\n% demo evidence\n")]), jo.participant, now)


def _engagement(admin: User, emails: list[str], now) -> None:
    """Engagement figures of 90% or more (entry needs them), from the learning platform."""
    people = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    rows = "".join(f"{p.email},{p.programme},{96 - i},{(now - timedelta(days=20)).date()}\n"
                   for i, p in enumerate(people))
    eligibility.import_engagement(f"participant,programme,percent_complete,as_of\n{rows}".encode(),
                                  "demo-learning-platform.csv", admin, now)


def _marking_window(admin: User, today) -> None:
    """A window that closed last month, its scripts submitted and allocated to the demo marker."""
    name = "Summer 2026 (demo, being marked)"
    if db.session.scalar(select(AssessmentWindow).where(AssessmentWindow.name == name)):
        return
    window = _window(admin, name, today - timedelta(days=40), MARKING_PAPERS)
    window.marking_deadline = today + timedelta(days=30)
    entries = _enter_new_participants(admin, window, MARKING_PARTICIPANTS, "NPQ spring 2025")
    for number, entry in enumerate(entries):
        submissions.submit(entry, DEMO_RESPONSE, declaration=True, client_token=f"demo-{number}",
                           at=window.release_at + timedelta(days=3, hours=number))
    now = clock.now()
    _standardisation(admin, window, now)
    allocations.allocate_window(window, now, admin)
    # Nadia marks her seeded script far from the agreed levels: flagged to the lead.
    rubric = rubric_store.rubric_for("NPQLTD")
    nadia = db.session.scalar(select(User).where(User.email == "marker2@example.org"))
    seed = db.session.scalar(select(Seed).where(Seed.marker_id == nadia.id,
                                                Seed.purpose == SeedPurpose.LIVE))
    standardisation.save_seed_mark(seed, mark_input.MarkInput(
        levels={c.id: rubric.levels[1].id for c in rubric.criteria},
        feedback="Not yet secure."), now, submit=True)


# Levels (lowest first, by index) of the demo's definitive scripts; their rubric has 4 levels.
DEFINITIVE_LEVELS = [2, 3, 1, 2, 3]


def _standardisation(admin: User, window: AssessmentWindow, now) -> None:
    """Definitive scripts (one copied from the released window, the rest written examples),
    three markers who qualified (Nadia after the lead cleared her), a seed rate of 1 in 2."""
    standardisation.save_settings(window, 2, 3, 1, admin)
    rubric = rubric_store.rubric_for("NPQLTD")
    copied = db.session.scalar(select(Entry).join(User, User.id == Entry.participant_id)
                               .where(User.email == RELEASED_PARTICIPANTS[0][0]))
    earlier = now - timedelta(hours=2)  # qualification, then the lead's clearance, then live
    for number, index in enumerate(DEFINITIVE_LEVELS):
        level = rubric.levels[index]
        standardisation.add_definitive(
            window, "NPQLTD", mark_input.MarkInput(levels={c.id: level.id for c in rubric.criteria}),
            f"{level.title} on every criterion: the diagnosis, approach and plan are each judged "
            f"“{level.title}” against the descriptors.", admin, earlier,
            text="" if number == 0 else f"Written example {number}.\n\n{DEMO_RESPONSE}",
            source_candidate=copied.candidate_number if number == 0 else "")
    for email in ("marker@example.org", "moderator@example.org", "marker2@example.org"):
        marker = db.session.scalar(select(User).where(User.email == email))
        qualification = standardisation.start_qualification(window, "NPQLTD", marker, earlier)
        for number, seed in enumerate(qualification):
            index = DEFINITIVE_LEVELS[number]
            if email == "marker2@example.org" and number == 1:
                index -= 2  # two levels below the agreed one: outside tolerance
            standardisation.save_seed_mark(seed, mark_input.MarkInput(
                levels={c.id: rubric.levels[index].id for c in rubric.criteria}), earlier,
                submit=True)
    nadia = db.session.scalar(select(User).where(User.email == "marker2@example.org"))
    lead_decisions.decide(window, "NPQLTD", nadia, LeadAction.CLEAR, "Went through script 2 "
                          "with her: she now reads the 'Strong' descriptors as written.", admin,
                          now - timedelta(hours=1))


def _enter_new_participants(admin: User, window: AssessmentWindow, people, cohort: str):
    """NPQLTD participants of an earlier cohort, with engagement figures, entered for `window`."""
    for email, full_name, partner, school in people:
        user = User(email=email, name=full_name, role=Role.PARTICIPANT, programme="NPQLTD",
                    delivery_partner=partner, school=school, cohort=cohort)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.flush()
    emails = [email for email, *_ in people]
    _engagement(admin, emails, clock.now())
    # Entered a week before the window opened, as they would have been: a window whose
    # deadline has passed takes no entries now.
    return windows.enter_participants(window, "NPQLTD", emails, admin,
                                      at=min(clock.now(), window.release_at - timedelta(days=7)))


def _released_window(admin: User, today) -> None:
    """A window with results out: one pass, and one non-submission later voided on late EC."""
    name = "Spring 2026 (demo, results released)"
    if db.session.scalar(select(AssessmentWindow).where(AssessmentWindow.name == name)):
        return
    window = _window(admin, name, today - timedelta(days=100), RELEASED_PAPERS)
    window.second_marking_percent = 0
    passing, missing, reviewed, asking = _enter_new_participants(
        admin, window, RELEASED_PARTICIPANTS, "NPQ autumn 2024")
    for number, entry in enumerate((passing, reviewed, asking)):
        submissions.submit(entry, DEMO_RESPONSE, declaration=True,
                           client_token=f"demo-released-{number}",
                           at=window.release_at + timedelta(days=2, hours=number))
    eligibility.record_non_submissions(window.closes_at + timedelta(minutes=1))
    marked_at = window.closes_at + timedelta(days=20)
    allocations.allocate_window(window, marked_at, admin)
    rubric = rubric_store.rubric_for("NPQLTD")
    weakest, strongest = rubric.levels[0].id, rubric.levels[-1].id
    # Two fails (diagnosis not evident), second-marked in agreement; one clear pass.
    failing = {c.id: strongest for c in rubric.criteria} | {rubric.criteria[0].id: weakest}
    _mark_all(window, {passing.id: {c.id: strongest for c in rubric.criteria},
                       reviewed.id: failing, asking.id: failing}, marked_at)
    checking.draw_second_marking_sample(window, marked_at, admin)
    _mark_all(window, {reviewed.id: failing, asking.id: failing}, marked_at)
    released_at = marked_at + timedelta(days=10)
    results.release_results(window, released_at, admin, released_at)
    amendments.amend_outcome(
        missing, "voided", False, "Extenuating circumstances accepted after the window: a "
        "hospital admission during the assessment, with evidence received late.", admin,
        released_at + timedelta(days=7))
    _reviews(admin, reviewed, asking, rubric, released_at)


def _mark_all(window: AssessmentWindow, levels: dict[int, dict[str, str]], at) -> None:
    """Submit the given levels on every unmarked allocation of these scripts."""
    for allocation in db.session.scalars(
            select(Allocation).where(Allocation.entry_id.in_(levels), ~Allocation.mark.has())):
        marks.save_mark(allocation, mark_input.MarkInput(
            levels=levels[allocation.entry_id],
            comments={c: "Clear and well evidenced." for c in levels[allocation.entry_id]},
            feedback="A realistic, well-sequenced plan."), at, submit=True)


def _reviews(admin: User, reviewed, asking, rubric, released_at) -> None:
    """Ellis's fail reviewed blind by Sol, who had not marked it: changed to a pass. Farah's
    request waits for the admin."""
    sol = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    request = reviews.request_review(
        reviewed, "My diagnosis names the cause (one-off training) and gives the evidence from "
        "lesson visits; I believe it meets the criterion.", reviewed.participant,
        released_at + timedelta(days=2))
    reviews.decide(request, True, "The grounds point to a specific criterion.", sol, admin,
                   released_at + timedelta(days=4))
    secure = rubric.levels[-2].id
    reviews.save_review(request, sol, mark_input.MarkInput(
        levels={c.id: secure for c in rubric.criteria},
        comments={c.id: "Secure on a fresh reading." for c in rubric.criteria},
        feedback="The diagnosis is evidenced from the lesson visits and leads to the plan."),
        "The diagnosis is stated and evidenced: it meets the criterion at Secure.",
        released_at + timedelta(days=12), submit=True)
    reviews.request_review(asking, "I think the diagnosis criterion was judged too harshly.",
                           asking.participant, released_at + timedelta(days=5))


def _access_arrangement(admin: User, now) -> None:
    """Alex's standing arrangement, applied when Alex is entered for the open window."""
    alex = db.session.scalar(select(User).where(User.email == "alex.morgan@example.org"))
    arrangements.record_arrangement(
        alex, 5, "Specific learning difficulty (dyslexia): 5 extra days in each window.",
        [("assessment-report.pdf", b"%PDF-1.4\n% demo evidence\n")], admin, now)


def _users() -> User:
    for email, name, role, partner, school in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            user = User(email=email, name=name, role=role, delivery_partner=partner, school=school,
                        cohort="NPQ autumn 2025" if role is Role.PARTICIPANT else None,
                        programme=next((code for code, emails in DEMO_ENTRIES.items()
                                        if email in emails), None))
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            if email in MARKER_PROFILES:
                db.session.flush()
                db.session.add(MarkerProfile(user_id=user.id, capacity=MARKER_PROFILES[email],
                                             npq_codes=" ".join(NPQ_CODES)))
    db.session.flush()
    return db.session.scalar(select(User).where(User.email == DEMO_USERS[0][0]))


def _window(admin: User, name: str, first_day, paper_files: dict[str, str]) -> AssessmentWindow:
    """The window serving these NPQs, each with the bank paper loaded from the named file."""
    window = db.session.scalar(select(AssessmentWindow).where(AssessmentWindow.name == name))
    if window is not None:
        return window
    window = windows.create_window(
        WindowSettings(name=name, first_day=first_day, length_days=deadlines.DEFAULT_LENGTH_DAYS,
                       release_time=deadlines.DEFAULT_RELEASE_TIME,
                       deadline_time=deadlines.DEFAULT_DEADLINE_TIME, word_limit=1500,
                       tolerance_percent=0, npq_codes=tuple(paper_files)),
        admin,
    )
    # Attach while "before release": the demo window opened two days ago.
    attach_at = window.release_at - timedelta(minutes=1)
    for code, filename in paper_files.items():
        chosen = db.session.scalar(select(CasePaper).where(CasePaper.npq_code == code,
                                                           CasePaper.original_filename == filename))
        windows.attach_case_study(window.paper_for(code), chosen, admin, attach_at)
    return window


