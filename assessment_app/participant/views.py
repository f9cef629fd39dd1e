import io
import secrets
from functools import wraps
from typing import NoReturn

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import selectinload

from .. import clock, metrics
from ..access import (
    SessionAccount,
    current_account,
    entry_and_paper_for,
    entry_for,
    participant_required,
    require_role,
    session_account,
    submission_for,
)
from ..attempt_outcome import Rule
from ..attempts import Standing
from ..autocommit import each_statement_commits
from ..case_study_access import case_study_out
from ..docx_upload import DocxRejected
from ..downloads import send_handout
from ..errors import RETRY_AFTER_SECONDS
from ..extensions import db
from ..models import AssessmentWindow, Entry, Role, WindowPaper
from ..newer_draft import newer_draft
from ..services import amendments, eligibility, misconduct, reviews, submissions
from ..services.checking import final_result
from ..services.feedback_docx import feedback_document
from ..services.papers import paper_as_read, paper_html
from ..services.results import result_visible
from ..services.rubric_store import rubric_at
from ..services.submissions import SubmissionRefused
from ..timeformat import london_time, plural
from . import carried_refusal
from .blueprint import bp
from .forms import ConfirmUploadForm, PostedResponse, ResponseForm, UploadForm


def _released_paper(entry: Entry, paper: WindowPaper | None = None) -> WindowPaper:
    """The entry's case study (`paper` if already loaded), or 404 before release: unreleased
    content does not exist."""
    paper = paper or entry.paper
    if not case_study_out(entry.entered, entry.outcome, paper and paper.paper_id,
                          entry.window.release_at, clock.now()):
        abort(404)
    return paper


def _entry_for_writing(account: SessionAccount, entry_id: int) -> Entry:
    """The account's entry loaded in one query, which checks the account is an active
    participant's and the session's generation its own; or, finding nothing, what participant_required answers, else 404. 404 too
    unless its case study is out (an ended attempt is returned: the caller answers with what
    happened)."""
    found = submissions.entry_for_writing(account.id, entry_id, account.generation)
    if found is None:
        _nothing_found()
    entry, paper_id = found
    _require_case_study_out(entry.entered, entry.outcome, paper_id, entry.window.release_at)
    return entry


def _nothing_found() -> NoReturn:
    """A query that also checked the account found nothing: answer as participant_required
    would (sign-in page, 403), else 404."""
    require_role(Role.PARTICIPANT)
    abort(404)


def _require_case_study_out(entered: bool, outcome: str | None, paper_id: int | None,
                            release_at) -> None:
    """404 unless the case study is out, or the attempt has ended (the caller says so)."""
    if not outcome and not case_study_out(entered, outcome, paper_id, release_at, clock.now()):
        abort(404)


def _attempt_ended(entry: Entry, posted_text: str | None = None):
    """The page for a route that writes to an attempt that has ended: it says what happened,
    and shows back any text that was posted, so it is not lost."""
    return render_template("participant/attempt_ended.html", entry=entry,
                           posted_text=posted_text), 409


def _new_token() -> str:
    return secrets.token_urlsafe(24)


@bp.get("/")
@participant_required
def home():
    entries = db.session.scalars(
        select(Entry)
        .where(Entry.participant_id == current_user.id)
        .options(selectinload(Entry.window).selectinload(AssessmentWindow.papers),
                 selectinload(Entry.npq))
        .order_by(Entry.created_at.desc())
    ).all()
    latest = submissions.latest_versions([e.id for e in entries])
    return render_template("participant/home.html", entries=entries, latest=latest,
                           newer=submissions.newer_drafts(latest))


@bp.get("/<int:entry_id>")
@participant_required
def overview(entry_id: int):
    entry = entry_for(current_user, entry_id)
    versions = submissions.versions_for(entry)
    standing = eligibility.ledger_for(entry.participant_id, entry.npq_code)
    at = clock.now()
    latest = versions[0] if versions else None
    draft = submissions.draft_for(entry)
    return render_template(
        "participant/overview.html",
        entry=entry,
        at=at,
        latest=latest,
        result_ready=bool(versions) and result_visible(entry, at),
        draft=draft,
        newer=latest and newer_draft(draft, latest.sha256, latest.submitted_at),
        limit=submissions.word_limit_for(entry),
        engagement=eligibility.latest_engagement(entry.participant_id, entry.npq_code),
        ledger_text=_ledger_text(entry, standing),
    )


def _ledger_text(entry: Entry, standing) -> str:
    # An ended attempt's page: what is in progress is another entry (a resit), not this one.
    if standing.standing is Standing.IN_PROGRESS and entry.outcome:
        return ANOTHER_IN_PROGRESS
    return LEDGER_TEXT[standing.standing].format(left=plural(standing.attempts_left, "attempt"))


ANOTHER_IN_PROGRESS = ("This attempt has ended, and your next attempt at this NPQ is under way: "
                       "see it in your assessments.")
LEDGER_TEXT = {
    Standing.IN_PROGRESS: "This attempt is in progress.",
    Standing.MAY_ENTER: "You have {left} left: your provider will enter you for the next "
                        "suitable window.",
    Standing.ACHIEVED: "You have achieved this NPQ.",
    Standing.NOT_ACHIEVED: "You have used both attempts, so the outcome is final: not achieved.",
}


@bp.get("/<int:entry_id>/case-study")
@participant_required
def case_study(entry_id: int):
    entry, paper = entry_and_paper_for(current_user, entry_id)
    paper = _released_paper(entry, paper)
    return render_template(
        "participant/case_study.html",
        entry=entry,
        paper=paper,
        body=paper_html(paper.case_paper),
        handout_url=lambda number: url_for(".handout", entry_id=entry.id, number=number),
    )


@bp.get("/<int:entry_id>/case-study/handouts/<int:number>")
@participant_required
def handout(entry_id: int, number: int):
    """A handout of the entry's paper (numbered from 1), from the release minute only."""
    entry, paper = entry_and_paper_for(current_user, entry_id)
    return send_handout(_released_paper(entry, paper).handouts, number)


@bp.get("/<int:entry_id>/response")
@participant_required
def response(entry_id: int):
    entry = _entry_for_writing(current_account(), entry_id)
    if entry.outcome:
        return _attempt_ended(entry)
    form = ResponseForm()
    editor = submissions.editor_text(entry)
    form.text.data = editor.text
    refusal = carried_refusal.take(session, entry.id)
    if refusal:
        form.declaration.data = refusal.declaration
    return _response_page(entry, form, refusal and refusal.message, editor)


@bp.post("/<int:entry_id>/response")
def submit_response(entry_id: int):
    # The submission a whole cohort sends in its last hour: the account is checked by the
    # entry's own query, which reads plain values (no ORM objects) and locks the entry's row
    # until the commit, so versions are numbered in turn. No ORM object is loaded: a refusal
    # redirects to the editor.
    account = session_account()
    if account is None:
        require_role(Role.PARTICIPANT)
        account = current_account()
    # The CSRF token was checked before the view (CSRFProtect, for every POST); a token for a
    # page is made only if one is shown again.
    posted = PostedResponse.read(request.form)
    client_token = posted.client_token or _new_token()
    found = submissions.target_for_submitting(account.id, entry_id, client_token,
                                              account.generation)
    if found is None:
        _nothing_found()
    target, paper_id = found
    _require_case_study_out(target.entered, target.outcome, paper_id, target.release_at)
    if target.outcome:
        return _attempt_ended(_entry_for_writing(account, entry_id), posted.text)
    at = clock.now()
    try:
        # A refused text is kept as the draft, so nothing is lost.
        number = submissions.submit_to(
            target, posted.text, declaration=posted.declaration,
            client_token=client_token, at=at, keep_draft=True,
            seen_draft_at=posted.draft_saved_at,
        )
    except SubmissionRefused as refused:
        # No rollback: the refused text is now the draft, committed with this answer. The
        # editor says why by redirect, not as this POST's page, which a reload would send
        # again over what autosave keeps meanwhile.
        carried_refusal.carry(session, entry_id,
                              carried_refusal.Refusal(str(refused), posted.declaration))
        return redirect(url_for(".response", entry_id=entry_id), 303)
    # The receipt page is the confirmation (its panel says so): no flash, so the session
    # cookie is left as it was.
    return redirect(url_for(".receipt", entry_id=entry_id, number=number))


@bp.post("/<int:entry_id>/response/draft")
@participant_required
def save_draft(entry_id: int):
    """The editor's "Save draft" without JavaScript: save the text, come back to the editor."""
    entry = _entry_for_writing(current_account(), entry_id)
    text = request.form.get("text", "")
    if entry.outcome:
        return _attempt_ended(entry, text)
    at = clock.now()
    submissions.save_draft(entry.id, text, at)
    flash(f"Draft saved at {london_time(at)}. It is not submitted.", "success")
    return redirect(url_for(".response", entry_id=entry.id))


def _response_page(entry: Entry, form: ResponseForm, error: str | None,
                   editor: submissions.EditorText):
    form.client_token.data = _new_token()
    form.draft_saved_at.data = editor.saved_at.isoformat() if editor.saved_at else ""
    paper = paper_as_read(entry.window_id, entry.npq_code)
    return render_template(
        "participant/response.html",
        entry=entry,
        paper=paper,
        body=paper_html(paper.case_paper),
        handout_url=lambda number: url_for(".handout", entry_id=entry.id, number=number),
        form=form,
        error=error,
        error_field=_error_field(error),
        at=clock.now(),
        limit=submissions.word_limit_for(entry),
        editor=editor,
    )


def _error_field(message: str | None) -> str | None:
    if message is None:
        return None
    return "declaration" if "own work" in message else "text"


def _busy_means_retry_later(view):
    """A database that is down or out of connections answers 503 with Retry-After, not 500:
    the editor keeps its copy and tries again then."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (OperationalError, PoolTimeout) as error:
            db.session.rollback()
            current_app.logger.warning("autosave deferred, database unavailable: %s", error)
            response = jsonify(error="The server is busy. Your text is kept in this browser.")
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response

    return wrapped


@bp.post("/<int:entry_id>/draft")
@_busy_means_retry_later
@each_statement_commits
def autosave(entry_id: int):
    """Autosave from the editor (fetch, or sendBeacon when the tab closes): one upsert that
    checks as it writes, the sign-in check included; only when it saved nothing do queries
    find out why (and answer as participant_required would, if that is why)."""
    at = clock.now()
    account = session_account()
    if account is not None:
        words = submissions.autosave_draft(account.id, entry_id, request.form.get("text", ""), at,
                                           generation=account.generation)
        if words is not None:
            return _autosaved(at, words)
    return _autosave_refused(entry_id, at)


def _autosaved(at, words: int):
    metrics.AUTOSAVES.inc()
    return jsonify(saved_at=at.isoformat(), words=words)


@participant_required
def _autosave_refused(entry_id: int, at):
    target = submissions.draft_target(current_user.id, entry_id)
    if target is None:
        abort(404)
    outcome, entered, release_at, paper_id = target
    if outcome:
        return _attempt_ended(entry_for(current_user, entry_id))
    if not case_study_out(entered, outcome, paper_id, release_at, clock.now()):
        abort(404)
    # Allowed after all (a session the upsert could not take, or the entry changed between
    # the two statements): save it.
    words = submissions.save_draft(entry_id, request.form.get("text", ""), at)
    return _autosaved(at, words)


@bp.route("/<int:entry_id>/upload", methods=["GET", "POST"])
@participant_required
def upload(entry_id: int):
    entry = entry_for(current_user, entry_id)
    if entry.outcome:
        return _attempt_ended(entry)
    _released_paper(entry)
    form = UploadForm()
    if form.validate_on_submit():
        document = form.document.data
        try:
            stored = submissions.store_upload(
                entry, document.filename or "", document.read(), clock.now()
            )
        except DocxRejected as rejected:
            form.document.errors.append(str(rejected))
        else:
            return redirect(url_for(".confirm_upload", entry_id=entry.id, upload_id=stored.id))
    return render_template("participant/upload.html", entry=entry, form=form, at=clock.now(),
                           limit=submissions.word_limit_for(entry))


@bp.route("/<int:entry_id>/uploads/<int:upload_id>", methods=["GET", "POST"])
@participant_required
def confirm_upload(entry_id: int, upload_id: int):
    # One query; a POST locks the entry's row until its commit, as for a typed response.
    stored = submissions.upload_for_submitting(current_user.id, entry_id, upload_id,
                                               lock=request.method == "POST")
    if stored is None:
        abort(404)
    entry = stored.entry
    if entry.outcome:
        return _attempt_ended(entry)
    form = ConfirmUploadForm()
    error = None
    if form.validate_on_submit():
        try:
            number = submissions.submit_to(
                submissions.SubmissionTarget.of(entry), stored.text,
                declaration=form.declaration.data,
                client_token=form.client_token.data or _new_token(), at=clock.now(),
                upload=stored,
            )
        except SubmissionRefused as refused:
            error = str(refused)
        else:
            # As for a typed response: the receipt page is the confirmation.
            return redirect(url_for(".receipt", entry_id=entry_id, number=number))
    form.client_token.data = _new_token()
    limit = submissions.word_limit_for(entry)
    return render_template(
        "participant/confirm_upload.html", entry=entry, upload=stored, form=form, error=error,
        error_field=_error_field(error), limit=limit, at=clock.now(),
    )


@bp.get("/<int:entry_id>/submissions")
@participant_required
def history(entry_id: int):
    entry = entry_for(current_user, entry_id)
    versions = submissions.versions_for(entry)
    return render_template("participant/history.html", entry=entry, versions=versions,
                           at=clock.now(), newer=_newer_draft(entry, versions))


@bp.get("/<int:entry_id>/submissions/<int:number>")
@participant_required
def receipt(entry_id: int, number: int):
    # By the number the participant knows it by ("version 2"), not a database id, which
    # would also tell them how many responses everyone has sent.
    version = submission_for(current_user, entry_id, number)
    entry = version.entry
    versions = submissions.versions_for(entry)
    return render_template(
        "participant/receipt.html", entry=entry, version=version,
        is_latest=bool(versions) and versions[0].id == version.id,
        at=clock.now(), newer=_newer_draft(entry, versions),
    )


def _newer_draft(entry: Entry, versions_newest_first: list):
    """The entry's newer unsubmitted draft, if any, given its versions (one query)."""
    if not versions_newest_first:
        return None
    return submissions.newer_drafts({entry.id: versions_newest_first[0]}).get(entry.id)


def _released_result(entry: Entry):
    """The final result (a review's, if it changed the outcome), or 404 until this entry's
    result is released and recorded (decided by the clock)."""
    if not result_visible(entry, clock.now()):
        abort(404)
    result = final_result(entry)
    if result is None:
        abort(404)
    return reviews.result_after_review(entry, result)


@bp.get("/<int:entry_id>/result")
@participant_required
def result(entry_id: int):
    entry = entry_for(current_user, entry_id)
    outcome = _released_result(entry)
    return render_template("participant/result.html", entry=entry, result=outcome,
                           at=clock.now(),
                           newer=submissions.newer_drafts(
                               submissions.latest_versions([entry.id])).get(entry.id),
                           rubric=rubric_at(outcome.rubric_version),
                           headline=amendments.headline(entry, outcome),
                           amended=amendments.history([entry.id]).get(entry.id, []),
                           review_closes_at=reviews.closes_at(entry),
                           misconduct_case=misconduct.case_of(entry)
                           if entry.outcome_rule == Rule.MISCONDUCT else None)


@bp.get("/<int:entry_id>/result/feedback.docx")
@participant_required
def feedback_docx(entry_id: int):
    entry = entry_for(current_user, entry_id)
    outcome = _released_result(entry)
    data = feedback_document(entry, outcome, rubric_at(outcome.rubric_version))
    return send_file(io.BytesIO(data), as_attachment=True,
                     download_name=f"{entry.npq_code}-feedback-{entry.candidate_number}.docx",
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
