"""The shared shape of a CSV import page: upload, import all or nothing, list every problem."""

from collections.abc import Callable

from flask import flash, redirect, render_template
from flask_login import current_user

from .. import clock
from ..csv_imports import ImportRefused
from ..extensions import db
from ..timeformat import plural


def import_page(form, template: str, importer: Callable,
                done: Callable[[object], str | None], next_url: str | Callable[[object], str]):
    """`importer(data, filename, actor, at)` imports or raises ImportRefused; `done(result)` is
    the success message (None: none), `next_url` where to go (or a function of the result)."""
    problems = []
    if form.validate_on_submit():
        upload = form.document.data
        with upload.stream:  # a large file is spooled to disk: free it as soon as it is read
            data = upload.read()
        try:
            result = importer(data, upload.filename or "upload.csv", current_user, clock.now())
        except ImportRefused as refused:
            db.session.rollback()
            problems = refused.problems
            refusal = (f"The file was not imported, so nothing has changed. Fix the "
                       f"{plural(len(problems), 'problem')} listed and upload it again.")
            form.document.errors = [refusal]
        else:
            message = done(result)
            if message:
                flash(message, "success")
            return redirect(next_url(result) if callable(next_url) else next_url)
    return render_template(template, form=form, problems=problems)
