"""The admin's page of email set aside: messages the outbox could not send, why, and a retry."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import clock
from ..access import admin_required
from ..extensions import db
from ..models import OutboxMessage
from ..services import audit, mail
from .blueprint import bp


@bp.get("/mail")
@admin_required
def mail_set_aside():
    return render_template("admin/mail_set_aside.html", messages=mail.set_aside())


@bp.post("/mail/<int:message_id>/retry")
@admin_required
def retry_mail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.set_aside_at is None or message.sent_at is not None:
        abort(404)
    reason = message.set_aside_reason
    mail.retry(message, clock.now())
    audit.record("mail.retried", actor=current_user, message=message.id, to=message.to,
                 reason=reason)
    flash(f"The email to {message.to} will be tried again within a minute.", "success")
    return redirect(url_for(".mail_set_aside"))
