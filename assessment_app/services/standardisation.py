"""Standardisation: definitive scripts, qualification sets, seeds in live queues, each marker's
standing, and the figures behind the reports (the lead's decisions on drift are in
lead_decisions.py).

The rules (tolerance, standing, seed rate) are in ../standardisation.py; this module reads and
records rows. A seed is a row of its own (Seed), in its marker's queue beside their live
scripts (allocations) and marked as they are, but with a mark of its own: its text is a
definitive script's, and every path to results, exports and second marking starts from
entries' allocations, so a seed's mark can never reach one. The lead is an assessment admin:
standardisation decides who may mark, and stopping a marker or sending scripts to second
marking are allocation decisions admins make.
"""

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import standardisation as rules
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    AssessmentWindow,
    DefinitiveScript,
    Entry,
    LeadDecision,
    Mark,
    MarkerProfile,
    MarkingRole,
    Outcome,
    Role,
    SampleReason,
    SecondMarkingSample,
    Seed,
    SeedPurpose,
    StandardisationSetting,
    SubmissionVersion,
    User,
)
from ..wordcount import count_words
from . import audit
from .candidate_numbers import new_candidate_number
from .mail import queue
from .mark_input import MarkInput, checked_levels
from .marking_error import MarkingError
from .marks import check_hand_back, fill_mark
from .rubric_store import rubric_at, rubric_for


def settings_for(window: AssessmentWindow) -> StandardisationSetting:
    """The window's settings, or the defaults (not added to the session)."""
    found = db.session.get(StandardisationSetting, window.id)
    return found or StandardisationSetting(window_id=window.id, seed_every=20,
                                           qualification_size=3, criteria_off_allowed=1)


def save_settings(window: AssessmentWindow, seed_every: int, qualification_size: int,
                  criteria_off_allowed: int, actor: User) -> StandardisationSetting:
    setting = db.session.get(StandardisationSetting, window.id)
    if setting is None:
        setting = StandardisationSetting(window_id=window.id)
        db.session.add(setting)
    before = (setting.seed_every, setting.qualification_size, setting.criteria_off_allowed)
    setting.seed_every, setting.qualification_size = seed_every, qualification_size
    setting.criteria_off_allowed = criteria_off_allowed
    audit.record("standardisation.settings", actor=actor, window_id=window.id,
                 before=list(before), seed_every=seed_every,
                 qualification_size=qualification_size, criteria_off_allowed=criteria_off_allowed)
    return setting


# Definitive scripts --------------------------------------------------------------------


def copy_source(window: AssessmentWindow, npq_code: str, candidate_number: str) -> Entry:
    """An earlier window's script to copy, by its candidate number, or MarkingError why not."""
    entry = db.session.scalar(select(Entry).where(Entry.candidate_number == candidate_number.strip()))
    if entry is None or entry.window_id == window.id:
        raise MarkingError(f"There is no script {candidate_number.strip()} from an earlier window.")
    if entry.npq_code != npq_code:
        raise MarkingError(f"Script {entry.candidate_number} is for {entry.npq_code}, not {npq_code}.")
    if entry.window.first_day >= window.first_day:
        raise MarkingError(f"Script {entry.candidate_number} is not from an earlier window.")
    return entry


def add_definitive(window: AssessmentWindow, npq_code: str, data: MarkInput, rationale: str,
                   actor: User, at: datetime, text: str = "",
                   source_candidate: str = "") -> DefinitiveScript:
    """The lead's definitive script: an earlier window's script (by candidate number) or a
    written example, with the agreed level for every criterion and a rationale."""
    paper = window.paper_for(npq_code)
    if paper is None:
        raise MarkingError(f"{window.name} does not assess {npq_code}.")
    source, case_paper = None, paper.case_paper
    if source_candidate.strip():
        source = copy_source(window, npq_code, source_candidate)
        version = _last_version(source)
        if version is None:
            raise MarkingError(f"Script {source.candidate_number} was never submitted.")
        # Text given with a source is the lead's anonymised copy of it.
        text, case_paper = text.strip() or version.text, source.paper.case_paper
    if not text.strip():
        raise MarkingError("Paste the script's text, or give the candidate number of a script "
                           "from an earlier window.")
    if not rationale.strip():
        raise MarkingError("Give the rationale for the agreed levels.")
    rubric = rubric_for(npq_code)
    levels = checked_levels(rubric, data)
    script = DefinitiveScript(
        window_id=window.id, npq_code=npq_code, paper_id=case_paper.id if case_paper else None,
        source_entry_id=source.id if source else None, text=text.strip(),
        word_count=count_words(text), levels=levels, outcome=Outcome(rubric.outcome(levels)),
        rubric_version=rubric.version, rationale=rationale.strip(), created_by=actor.id,
        created_at=at)
    db.session.add(script)
    db.session.flush()
    audit.record("standardisation.definitive_added", actor=actor, window_id=window.id,
                 definitive=script.id, npq=npq_code, outcome=script.outcome.value,
                 copied_from=source.candidate_number if source else None)
    return script


def _last_version(entry: Entry) -> SubmissionVersion | None:
    return db.session.scalar(select(SubmissionVersion).where(SubmissionVersion.entry_id == entry.id)
                             .order_by(SubmissionVersion.number.desc()).limit(1))


def definitive_scripts(window: AssessmentWindow) -> list[DefinitiveScript]:
    return list(db.session.scalars(
        select(DefinitiveScript).where(DefinitiveScript.window_id == window.id)
        .order_by(DefinitiveScript.npq_code, DefinitiveScript.id)))


# Standing ------------------------------------------------------------------------------


@dataclass
class MarkerRecord:
    """One marker's standardisation in a window and NPQ: seeds in order, decisions, standing."""

    window: AssessmentWindow
    marker: User
    npq_code: str
    seeds: list[Seed]
    decisions: list[LeadDecision]
    standing: rules.Standing


def _in_force(window: AssessmentWindow) -> dict[str, bool]:
    """Per NPQ: enough definitive scripts for a qualification set, so markers must qualify."""
    size = settings_for(window).qualification_size
    counts = dict(db.session.execute(
        select(DefinitiveScript.npq_code, func.count(DefinitiveScript.id))
        .where(DefinitiveScript.window_id == window.id).group_by(DefinitiveScript.npq_code)).all())
    return {p.npq_code: counts.get(p.npq_code, 0) >= size for p in window.papers}


def seed_state(seed: Seed) -> rules.SeedState:
    return rules.SeedState(seed.purpose is SeedPurpose.QUALIFICATION, seed.checked_at, seed.agrees)


def records(window: AssessmentWindow, marker_ids=None) -> dict[tuple[int, str], MarkerRecord]:
    """Every marker's record for each NPQ of the window they are qualified for, in a fixed
    number of statements."""
    in_force = _in_force(window)
    profiles = select(MarkerProfile).join(User).where(User.active.is_(True))
    if marker_ids is not None:
        profiles = profiles.where(MarkerProfile.user_id.in_(list(marker_ids)))
    seeds = db.session.scalars(
        select(Seed).where(Seed.window_id == window.id).order_by(Seed.issued_at, Seed.id)
        .options(selectinload(Seed.definitive),
                 selectinload(Seed.mark).selectinload(Mark.judgements))).all()
    decisions = db.session.scalars(
        select(LeadDecision).where(LeadDecision.window_id == window.id)
        .order_by(LeadDecision.decided_at, LeadDecision.id)).all()
    out = {}
    for profile in db.session.scalars(profiles.options(selectinload(MarkerProfile.user))):
        if profile.capacity == 0:
            continue  # moderates only
        for npq in sorted(profile.npqs & in_force.keys()):
            mine = [s for s in seeds if s.marker_id == profile.user_id
                    and s.definitive.npq_code == npq]
            taken = [d for d in decisions if d.marker_id == profile.user_id and d.npq_code == npq]
            out[(profile.user_id, npq)] = MarkerRecord(
                window, profile.user, npq, mine, taken,
                rules.standing(in_force[npq], map(seed_state, mine),
                               [rules.Decision(d.action.value, d.decided_at) for d in taken]))
    return out


def barred_npqs(window: AssessmentWindow) -> dict[int, set[str]]:
    """Per marker, the window's NPQs they may not be given live scripts for now."""
    barred: dict[int, set[str]] = {}
    for (marker_id, npq), record in records(window).items():
        if not record.standing.marks_live:
            barred.setdefault(marker_id, set()).add(npq)
    return barred


# Issuing seeds -------------------------------------------------------------------------


def _issue(window: AssessmentWindow, marker_id: int, script: DefinitiveScript,
           purpose: SeedPurpose, at: datetime) -> Seed:
    seed = Seed(window_id=window.id, marker_id=marker_id, definitive_id=script.id,
                purpose=purpose, candidate_number=new_candidate_number(), issued_at=at)
    db.session.add(seed)
    db.session.flush()
    return seed


def start_qualification(window: AssessmentWindow, npq_code: str, marker: User,
                        at: datetime) -> list[Seed]:
    """Give the marker the window's qualification set for the NPQ (the first definitive
    scripts set, in order)."""
    record = records(window, [marker.id]).get((marker.id, npq_code))
    if record is None or record.standing is rules.Standing.NOT_REQUIRED:
        raise MarkingError(f"There is no qualification set for {npq_code} in {window.name}.")
    if record.standing is not rules.Standing.NOT_STARTED:
        raise MarkingError("You have already been given this qualification set.")
    size = settings_for(window).qualification_size
    chosen = [s for s in definitive_scripts(window) if s.npq_code == npq_code][:size]
    issued = [_issue(window, marker.id, s, SeedPurpose.QUALIFICATION, at) for s in chosen]
    audit.record("standardisation.qualification_started", actor=marker, window_id=window.id,
                 npq=npq_code, scripts=len(issued))
    return issued


def seed_queues(window: AssessmentWindow, at: datetime, rng: random.Random | None = None) -> dict:
    """Add seeds to each marker's queue so one script in `seed_every` is a seed, from the
    definitive scripts on the window's own paper (so the case study beside it is the same
    as beside their live scripts) that the marker has not met. Returns {("seed", id): marker}."""
    rng = rng or random.Random()
    in_force = {npq for npq, on in _in_force(window).items() if on}
    if not in_force:
        return {}
    every = settings_for(window).seed_every
    live = db.session.execute(
        select(Allocation.marker_id, Entry.npq_code, func.count(Allocation.id))
        .join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.window_id == window.id, Allocation.role == MarkingRole.FIRST,
               Allocation.status != AllocationStatus.RETURNED)
        .group_by(Allocation.marker_id, Entry.npq_code)).all()
    seeds = db.session.scalars(select(Seed).where(Seed.window_id == window.id)
                               .options(selectinload(Seed.definitive))).all()
    pool = [s for s in definitive_scripts(window)
            if s.npq_code in in_force and s.paper_id == window.paper_for(s.npq_code).paper_id]
    added = {}
    for marker_id, npq, count in sorted(live):
        if npq not in in_force:
            continue
        given = [s for s in seeds if s.marker_id == marker_id and s.definitive.npq_code == npq]
        met = {s.definitive_id for s in seeds if s.marker_id == marker_id}
        fresh = [s for s in pool if s.npq_code == npq and s.id not in met]
        due = rules.seeds_due(count, sum(s.purpose is SeedPurpose.LIVE for s in given), every)
        for script in rng.sample(fresh, min(due, len(fresh))):
            added[("seed", _issue(window, marker_id, script, SeedPurpose.LIVE, at).id)] = marker_id
    if added:
        audit.record("standardisation.seeded", window_id=window.id, seeds=len(added))
    return added


# Marks on seeds ------------------------------------------------------------------------


def save_seed_mark(seed: Seed, data: MarkInput, at: datetime, *, submit: bool) -> Mark:
    """Save a draft mark on a seed, or submit it, as on a live script (marks.fill_mark); a
    submitted one is compared with the definitive marks."""
    mark = fill_mark(seed, data, at, submit=submit)
    if submit:
        audit.record("mark.submitted", actor=seed.marker, window_id=seed.window_id, seed=seed.id,
                     role=seed.role.value, outcome=mark.outcome.value,
                     rubric_version=mark.rubric_version)
        db.session.flush()
        check_seed(seed, mark, at)
    db.session.flush()
    return mark


def check_seed(seed: Seed, mark: Mark, at: datetime) -> rules.Comparison:
    """Compare a submitted mark on a seed with the definitive one; a live seed outside
    tolerance flags the marker to the admins."""
    setting = settings_for(seed.window)
    definitive = seed.definitive
    rubric = rubric_at(definitive.rubric_version)
    result = rules.compare(rubric, definitive.levels, mark.levels(), setting.criteria_off_allowed)
    seed.agrees, seed.differences, seed.checked_at = result.agrees, result.summary(), at
    audit.record("standardisation.seed_checked", actor=seed.marker,
                 window_id=seed.window_id, seed=seed.id, purpose=seed.purpose.value,
                 agrees=result.agrees, differences=seed.differences)
    if seed.purpose is SeedPurpose.LIVE and not result.agrees:
        for admin in db.session.scalars(select(User).where(User.role == Role.ADMIN,
                                                           User.active.is_(True))):
            queue(admin.email, f"A marker has drifted out of tolerance: {seed.window.name}",
                  f"Dear {admin.name},\n\n{seed.marker.name}'s mark on a seeded "
                  f"{definitive.npq_code} script is outside the window's tolerance "
                  f"({seed.differences}). They get no new scripts until you decide: feedback "
                  "and continue, second marking of their scripts since the last good seed, or "
                  "stop them.\n", "standardisation_drift", at)
    return result


def withdraw_seed(seed: Seed, reason: str, actor: User, at: datetime) -> None:
    """A marker hands back a seed (as they would a live script: marks.check_hand_back): it
    leaves their queue and is never offered to anyone."""
    check_hand_back(seed, reason)
    if seed.purpose is SeedPurpose.QUALIFICATION:
        raise MarkingError("A qualification script cannot be returned: mark it to qualify.")
    seed.status = AllocationStatus.RETURNED
    seed.returned_at, seed.return_reason = at, reason.strip()
    audit.record("standardisation.seed_withdrawn", actor=actor, window_id=seed.window_id,
                 seed=seed.id, reason=reason.strip())


# Reports -------------------------------------------------------------------------------


def drift_remarks(window: AssessmentWindow) -> int:
    """How many of the window's scripts were sent to second marking because of drift."""
    return db.session.scalar(
        select(func.count()).select_from(SecondMarkingSample)
        .join(Entry, Entry.id == SecondMarkingSample.entry_id)
        .where(Entry.window_id == window.id, SecondMarkingSample.reason == SampleReason.DRIFT))


@dataclass(frozen=True)
class CriterionAgreement:
    title: str
    checked: int
    same: int
    within_one: int


def per_criterion(record: MarkerRecord) -> list[CriterionAgreement]:
    """For each criterion: on how many checked seeds the marker gave the agreed level, or one
    level off."""
    checked = [s for s in record.seeds if s.checked_at is not None]
    if not checked:
        return []
    rubric = rubric_at(checked[0].definitive.rubric_version)
    out = []
    for c in rubric.criteria:
        same = within = 0
        for s in checked:
            given, agreed = s.mark.levels()[c.id], s.definitive.levels[c.id]
            gap = abs(rubric.level_index(given) - rubric.level_index(agreed))
            same += gap == 0
            within += gap <= 1
        out.append(CriterionAgreement(c.title, len(checked), same, within))
    return out


# The marker's side ---------------------------------------------------------------------


# What a marker reads about themselves: never that they drifted, which would tell them the
# script they just submitted was a seed.
MARKER_TEXT = {
    rules.Standing.NOT_STARTED: "Qualification not started",
    rules.Standing.QUALIFYING: "Qualification set to mark",
    rules.Standing.NOT_QUALIFIED: "Outside tolerance: waiting for the assessment lead",
    rules.Standing.LIVE: "Qualified: marking live",
    rules.Standing.FLAGGED: "Qualified: marking live",
    rules.Standing.STOPPED: "Stopped by the assessment lead",
}


def for_marker(user: User) -> list[MarkerRecord]:
    """The marker's standardisation in each window still being marked that has definitive
    scripts for one of their NPQs (qualification sets to start, or their standing)."""
    windows = db.session.scalars(
        select(AssessmentWindow).where(AssessmentWindow.results_recorded_at.is_(None),
                                       AssessmentWindow.id.in_(select(DefinitiveScript.window_id)))
        .order_by(AssessmentWindow.first_day)).all()
    out = []
    for window in windows:
        out += [r for r in records(window, [user.id]).values()
                if r.standing is not rules.Standing.NOT_REQUIRED]
    return out


@dataclass(frozen=True)
class Feedback:
    """One qualification script: the marker's levels beside the agreed ones, and why."""

    seed: Seed
    rows: list[tuple[str, str, str]]  # criterion, the marker's level, the agreed level
    rationale: str


def qualification_feedback(record: MarkerRecord) -> list[Feedback]:
    """Once the whole set is submitted: each script's levels against the definitive ones."""
    qualification = [s for s in record.seeds if s.purpose is SeedPurpose.QUALIFICATION]
    if not qualification or any(s.checked_at is None for s in qualification):
        return []
    out = []
    for seed in qualification:
        rubric = rubric_at(seed.definitive.rubric_version)
        given = seed.mark.levels()
        out.append(Feedback(seed, [(c.title, rubric.level(given[c.id]).title,
                                    rubric.level(seed.definitive.levels[c.id]).title)
                                   for c in rubric.criteria], seed.definitive.rationale))
    return out
