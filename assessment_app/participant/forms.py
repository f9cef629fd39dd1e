"""Forms a participant fills in."""

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


class PostedResponse(NamedTuple):
    """A submitted ResponseForm's fields as the form reads them, without making the form: for
    the submission a cohort sends in its last hour, whose CSRF token CSRFProtect checked
    before the view and whose fields the form does not validate (the submission rules do)."""

    text: str
    declaration: bool
    client_token: str

    @classmethod
    def read(cls, formdata) -> "PostedResponse":
        return cls(formdata.get("text", ""),
                   formdata.get("declaration", "") not in BooleanField.false_values,
                   formdata.get("client_token", ""))


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
