"""Filters and globals the templates use."""

from flask import Flask, current_app

from . import attempt_status, clock
from .attempts import OUTCOME_TEXT, AttemptOutcome
from .deadlines import last_minute
from .timeformat import deadline_text, london_time, time_left
from .wordcount import DOCX_RULE, WORD_RULE, count_words


def register(app: Flask) -> None:
    app.add_template_filter(london_time)
    app.add_template_filter(deadline_text)
    app.add_template_filter(lambda instant: instant.isoformat(), "iso")
    app.add_template_filter(lambda instant: last_minute(instant).isoformat(), "last_minute_iso")
    app.add_template_filter(lambda text: count_words(text or ""), "count_words")
    app.add_template_global(time_left)
    app.add_template_global(lambda outcome: OUTCOME_TEXT[AttemptOutcome(outcome)], "outcome_text")
    app.add_template_global(clock.now, "now")
    app.add_template_global(attempt_status, "attempt_status")

    @app.context_processor
    def _globals():
        return {
            "service_name": current_app.config["SERVICE_NAME"],
            "WORD_RULE": WORD_RULE,
            "DOCX_RULE": DOCX_RULE,
        }
