"""Filters and globals the templates use."""

from flask import Flask, current_app
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from govuk_frontend_wtf.main import wtforms_errors as govuk_wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from markupsafe import Markup

from . import attempt_status, clock
from .attempts import OUTCOME_TEXT, AttemptOutcome
from .deadlines import last_minute
from .timeformat import deadline_text, london_time, time_left
from .wordcount import DOCX_RULE, REFERENCE_RULE, WORD_RULE, count_response


def register(app: Flask) -> None:
    app.add_template_filter(london_time)
    app.add_template_filter(deadline_text)
    app.add_template_filter(lambda instant: instant.isoformat(), "iso")
    app.add_template_filter(lambda instant: last_minute(instant).isoformat(), "last_minute_iso")
    app.add_template_filter(lambda text: count_response(text or ""), "response_count")
    app.add_template_global(time_left)
    app.add_template_global(lambda outcome: OUTCOME_TEXT[AttemptOutcome(outcome)], "outcome_text")
    app.add_template_global(clock.now, "now")
    app.add_template_global(attempt_status, "attempt_status")
    app.add_template_global(wtforms_errors)  # in place of govuk_frontend_wtf's own
    app.add_template_global(draft_storage_key)
    app.add_template_global(csrf_field)

    @app.context_processor
    def _globals():
        return {
            "service_name": current_app.config["SERVICE_NAME"],
            "WORD_RULE": WORD_RULE,
            "REFERENCE_RULE": REFERENCE_RULE,
            "DOCX_RULE": DOCX_RULE,
        }


def draft_storage_key(entry_id: int | str = "") -> str:
    """Where the editor keeps this browser's copy of the signed-in participant's draft for an
    entry; with no entry, the start of every such key (signing out sends and deletes them)."""
    return f"npq-response-{current_user.id}-{entry_id}"


def csrf_field() -> Markup:
    """Every form's CSRF token, as a hidden field with no id: WTForms gives each one
    `id="csrf_token"`, so a page with several forms would repeat the id."""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())


def wtforms_errors(form, params=None) -> dict:
    """govuk_frontend_wtf's error summary, with each date's link going to its day input (the
    GOV.UK pattern) rather than to the wrapper round its three inputs, which takes no focus."""
    summary = govuk_wtforms_errors(form, params or {})
    days = {f"#{field.id}": f"#{field.name}-day" for field in form
            if isinstance(field.widget, GovDateInput)}
    for error in summary["errorList"]:
        error["href"] = days.get(error["href"], error["href"])
    return summary
