"""Friendly error pages, with the right status code."""

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .services.rubric_store import RubricUnavailable

# The editor's forms, and what a refused one did not do.
RESPONSE_FORMS = {"participant.submit_response": "submitted",
                  "participant.save_draft": "saved"}

# How long a page asks the browser to wait when the database is briefly unavailable.
RETRY_AFTER_SECONDS = 5


def register(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(_error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(413)
    def too_large(_error):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return render_template("errors/413.html", limit_mb=limit_mb), 413

    @app.errorhandler(429)
    def too_many(_error):
        return render_template("errors/429.html"), 429

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        # A response posted after signing out (in another tab, say) was not taken: say so,
        # and show its text back, so it is never lost (the editor also keeps a copy in the
        # browser and restores it after sign-in).
        action = RESPONSE_FORMS.get(request.endpoint)
        return render_template("errors/csrf.html", action=action,
                               posted_text=request.form.get("text") if action else None), 400

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error):
        """A dropped connection or an exhausted pool: "try again shortly", not a 500."""
        from .extensions import db

        db.session.rollback()
        app.logger.warning("database unavailable: %s", error)
        return (render_template("errors/503.html"), 503,
                {"Retry-After": str(RETRY_AFTER_SECONDS)})
    @app.errorhandler(RubricUnavailable)
    def rubric_unavailable(problem):
        # A file edited on the server broke this NPQ's rubric: say which file and field, on
        # this page only; nothing else depends on it.
        app.logger.error("rubric unavailable: %s", problem)
        return render_template("errors/rubric.html", problem=str(problem)), 503

    @app.errorhandler(500)
    def server_error(_error):
        return render_template("errors/500.html"), 500
