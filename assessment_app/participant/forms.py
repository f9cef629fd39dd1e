"""Forms a participant fills in."""

from datetime import UTC, datetime
from typing import NamedTuple

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import BooleanField, HiddenField, TextAreaField

DECLARATION = (
    "I confirm that this response is my own work. I have not used generative AI to write it, "
    "and I have acknowledged any sources I have used."
)


class ResponseForm(FlaskForm):
    text = TextAreaField("Your response")
    declaration = BooleanField(DECLARATION)
    client_token = HiddenField()
    # When the draft the page shows was saved (autosave moves it on, init.js): a copy of the
    # form sent again later (a reload) is then known to be older than the draft.
    draft_saved_at = HiddenField()


class PostedResponse(NamedTuple):
    """A submitted ResponseForm's fields as the form reads them, without making the form: for
    the submission a cohort sends in its last hour, whose CSRF token CSRFProtect checked
    before the view and whose fields the form does not validate (the submission rules do)."""

    text: str
    declaration: bool
    client_token: str
    draft_saved_at: datetime | None  # None: the form does not say (sent by no page of ours)

    @classmethod
    def read(cls, formdata) -> "PostedResponse":
        return cls(formdata.get("text", ""),
                   formdata.get("declaration", "") not in BooleanField.false_values,
                   formdata.get("client_token", ""),
                   _draft_saved_at(formdata.get("draft_saved_at")))


# What a page with no draft says (an empty field): any draft saved since is newer.
NO_DRAFT_SEEN = datetime.min.replace(tzinfo=UTC)


def _draft_saved_at(posted: str | None) -> datetime | None:
    """The instant the page wrote with isoformat(); NO_DRAFT_SEEN for an empty or unreadable
    one; None when the field was not sent at all."""
    if posted is None:
        return None
    try:
        instant = datetime.fromisoformat(posted)
    except ValueError:
        return NO_DRAFT_SEEN
    return instant if instant.tzinfo is not None else NO_DRAFT_SEEN


class UploadForm(FlaskForm):
    document = FileField(
        "Upload your response as a Word document (.docx)",
        widget=GovFileInput(),
        description="Only Word documents ending .docx",
        validators=[FileRequired("Select a Word document (.docx) to upload")],
    )


class ConfirmUploadForm(FlaskForm):
    declaration = BooleanField(DECLARATION)
    client_token = HiddenField()
